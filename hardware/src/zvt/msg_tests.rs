use super::*;
use proptest::prelude::*;

#[test]
fn commands_as_the_specification_writes_them() {
    let a = authorization(1000, EUR, None, None).unwrap();
    assert_eq!(a.encode().unwrap(), [0x06, 0x01, 0x0A, 0x04, 0, 0, 0, 0, 0x10, 0x00, 0x49, 0x09, 0x78]);
    let a = authorization(4250, EUR, Some(3), Some(30)).unwrap();
    assert_eq!(&a.data[10..], &[0x05, 0x03, 0x01, 0x1E]);
    let r = registration(123456, CFG_ECR_PRINTS_PAYMENT | CFG_INTERMEDIATE_STATUS, EUR).unwrap();
    assert_eq!(r.encode().unwrap(), [0x06, 0x00, 0x08, 0x12, 0x34, 0x56, 0x0A, 0x09, 0x78, 0x03, 0x00]);
    assert_eq!(reversal(0, 17).unwrap().encode().unwrap(), [0x06, 0x30, 0x06, 0, 0, 0, 0x87, 0x00, 0x17]);
    assert_eq!(end_of_day(0).unwrap().encode().unwrap(), [0x06, 0x50, 0x03, 0, 0, 0]);
    assert_eq!(
        repeat_receipt(0, SERVICE_STATUS_NO_PRINT).unwrap().encode().unwrap(),
        [0x06, 0x20, 0x05, 0, 0, 0, 0x03, 0x03]
    );
    assert_eq!(abort().encode().unwrap(), [0x06, 0xB0, 0x00]);
    assert_eq!(log_off().encode().unwrap(), [0x06, 0x02, 0x00]);
    assert_eq!(preauth_reversal(5).encode().unwrap(), [0x06, 0x25, 0x03, 0x87, 0x00, 0x05]);
    assert_eq!(authorization(1_000_000_000_000, EUR, None, None), Err(MsgError::Amount(1_000_000_000_000)));
    assert_eq!(registration(1_000_000, 0, EUR), Err(MsgError::Password));
}

#[test]
fn a_status_information_is_read_and_its_card_number_masked() {
    let mut d = vec![0x27, 0x00, 0x04, 0, 0, 0, 0, 0x42, 0x50, 0x0B, 0x00, 0x01, 0x23, 0x0C, 0x14, 0x30, 0x05];
    d.extend([0x0D, 0x12, 0x03, 0x87, 0x00, 0x17, 0x8A, 0x0A]);
    // A terminal that sends the whole number: Till keeps only the last four digits.
    d.extend([0x22, 0xF0, 0xF8, 0x49, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]);
    d.extend([0x8B, 0xF0, 0xF4, b'V', b'I', b'S', b'A']);
    d.extend([0x3B, b'1', b'2', b'3', b'4', b'5', b'6', 0, 0]);
    let s = StatusInfo::parse(&d).unwrap();
    assert!(s.approved());
    assert_eq!(s.amount_minor, Some(4250));
    assert_eq!(s.trace, Some(123));
    assert_eq!(s.receipt, Some(17));
    assert_eq!(s.time.as_deref(), Some("143005"));
    assert_eq!(s.date.as_deref(), Some("1203"));
    assert_eq!(s.card_type, Some(10));
    assert_eq!(s.card_name.as_deref(), Some("VISA"));
    assert_eq!(s.auth_code.as_deref(), Some("123456"));
    assert_eq!(s.pan.as_deref(), Some("************6677"));
    assert_eq!(masked_pan(&[0x67, 0x25, 0xEE, 0xEE, 0x12, 0x3F]), "********123");
    assert_eq!(StatusInfo::parse(&s.encode()).unwrap(), s);
}

#[test]
fn terminal_messages() {
    let m = |b: &[u8]| PtMessage::from_apdu(&Apdu::decode(b).unwrap()).unwrap();
    assert_eq!(m(&[0x80, 0x00, 0x00]), PtMessage::Accepted);
    assert_eq!(m(&[0x84, 0x00, 0x00]), PtMessage::Accepted);
    assert_eq!(m(&[0x84, 0x83, 0x00]), PtMessage::Refused(0x83));
    assert_eq!(m(&[0x04, 0xFF, 0x01, 0x0A]), PtMessage::Intermediate(0x0A));
    assert_eq!(m(&[0x06, 0x1E, 0x01, 0x05]), PtMessage::Abort(0x05));
    assert_eq!(m(&[0x06, 0x0F, 0x00]), PtMessage::Completion);
    assert_eq!(m(&[0x06, 0xD1, 0x04, 0x00, b'A', b'b', b'c']), PtMessage::Print(vec!["Abc".into()]));
    let block = [0x06, 0xD3, 0x0A, 0x06, 0x08, 0x25, 0x06, 0x07, 0x01, b'X', 0x07, 0x01, b'Y'];
    assert_eq!(m(&block), PtMessage::Print(vec!["X".into(), "Y".into()]));
}

proptest! {
    #[test]
    fn no_terminal_message_panics_the_reader(class in any::<u8>(), instr in any::<u8>(), data in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = PtMessage::from_apdu(&Apdu::new(class, instr, data));
    }

    #[test]
    fn a_status_information_never_holds_more_than_four_card_digits(pan in "[0-9]{12,19}") {
        let s = StatusInfo { result: Some(0), pan: Some(pan.clone()), ..StatusInfo::default() };
        let back = StatusInfo::parse(&s.encode()).unwrap();
        let shown = back.pan.unwrap();
        prop_assert_eq!(shown.chars().filter(|c| c.is_ascii_digit()).count(), 4);
        prop_assert!(shown.ends_with(&pan[pan.len() - 4..]));
    }
}
