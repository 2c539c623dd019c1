use super::*;
use crate::config::PortError;
use crate::domain::barcode::BarcodeError;
use crate::domain::catalog::{LookupError, Unit};
use crate::domain::ticket::TicketError;
use crate::domain::users::Role;
use crate::i18n::LANGUAGES;
use crate::service::{AmountOf, Blocker, Refusal};
use crate::store::StoreError;
use rust_decimal_macros::dec;
use std::collections::BTreeSet;

fn eur() -> Currency {
    Currency { code: s("EUR"), minor_units: 2, cash_increment: None }
}

fn s(v: &str) -> String {
    v.to_string()
}

/// One of each refusal; `refusal_kind` (an exhaustive match) proves none is missing.
fn refusals() -> Vec<Refusal> {
    use Refusal as R;
    vec![
        R::RefundOfRefund { receipt: 4711 },
        R::FullyRefunded { receipt: 4711 },
        R::NoRefundLines,
        R::LineNamedTwice { line: 3 },
        R::LineNotRefundable { receipt: 4711, line: 3 },
        R::UnknownUnit { receipt: 4711, unit: s("furlong") },
        R::FillOnTicket { pump: 3, held: false },
        R::FillOnTicket { pump: 3, held: true },
        R::FillPrepaid { pump: 3 },
        R::FillBeingReset { pump: 3 },
        R::NoLineOnReceipt { receipt: 4711, line: 3 },
        R::PrepayOverrun { pump: 3, dispensed: dec!(41.5), prepaid: dec!(40) },
        R::PumpNoGrade { pump: 3 },
        R::PrepayOnTicket { pump: 3 },
        R::PumpPrepaid { pump: 3 },
        R::AmountAndLitres,
        R::BadPresetAmount { amount: dec!(0.005) },
        R::BadPresetLitres { litres: dec!(12345.678) },
        R::BadPrepay { amount: dec!(0) },
        R::AlreadyPrepaid { pump: 3 },
        R::NoPrepay { pump: 3 },
        R::BadMeterPhase { phase: s("lunch") },
        R::Negative { what: AmountOf::Float },
        R::Negative { what: AmountOf::Counted },
        R::AmountTooLarge { what: AmountOf::Counted, value: dec!(1000000000) },
        R::TooManyDecimals { what: AmountOf::Float, value: dec!(1.234), currency: s("EUR") },
        R::SoldByPiece { name: s("Cola 0.5 l") },
        R::NoSuchSku { sku: s("SKU-9") },
        R::NoSuchPlu { plu: s("4011") },
        R::SkuOrPlu,
        R::NoSuchGrade { code: s("LPG") },
        R::PercentOrAmount,
        R::NoDiscountToApprove,
        R::NothingToHold,
        R::IdOrIndex,
        R::NoSuchHeld,
        R::NothingToCancel,
        R::LanguageOrTheme,
        R::BadFuelPrice { price: dec!(1.2345) },
        R::PriceOverPump { price: dec!(1000), max: dec!(999.999) },
        R::BadBookPrice { key: s("E10"), price: s("abc") },
        R::Port(PortError::NoSuchDevice { device: s("toaster") }),
        R::Port(PortError::NotAPort { port: s("a b") }),
        R::Port(PortError::NotAPrinterPort { port: s("lpt1") }),
        R::Port(PortError::NotASerialPort { port: s("lpt1") }),
        R::Port(PortError::NoSuchProtocol { protocol: s("vfd") }),
        R::Port(PortError::NoProtocolToChoose { device: s("scale"), protocol: s("epson") }),
        R::NoSuchDeviceTest { action: s("explode") },
        R::ReasonTooLong { max: 200 },
        R::ManagerPinNeeded,
        R::PinMayNotAddUsers,
        R::BadPin,
        R::EmptyName,
        R::PinTaken,
        R::DemoData { detail: s("x") },
        R::CardInProgress,
        R::NoCardPayment,
        R::CardAmountMismatch,
        R::CardDeclined { code: 0x05, reason: "declined" },
        R::CardNotTaken,
        R::CardAborted,
        R::CardUnclear,
        R::CardTerminalUnreachable { detail: s("connection refused") },
        R::CardReversedAfterSale { receipt: 12, amount: dec!(42.50) },
        R::CardUnconfirmed { receipt: 12, amount: dec!(42.50) },
        R::CashAmountNotPositive,
        R::NoSaleHasNoAmount,
        R::UnknownReason { reason: s("lunch"), choices: vec![s("Supplier"), s("Other")] },
        R::DrawerHoldsLess { amount: dec!(500.00), cash: dec!(312.40) },
        R::DrawerFull { cash: dec!(1250.00), limit: dec!(1200.00) },
        R::CountFirst,
        R::CountStale,
        R::CountNeedsApproval { difference: dec!(-12.50), tolerance: dec!(5.00) },
        R::BadCountPurpose { purpose: s("lunch") },
        R::BadCountTender { method: s("cheque") },
        R::NotADenomination { value: dec!(3.00) },
        R::DenominationTwice,
        R::AmountOrPieces,
        R::HandoverToSelf,
        R::NothingSinceZ,
        R::NoSuchZ { z_no: 17 },
        R::ReportUnreadable { detail: s("x") },
        R::NoSuchTank { tank: 9 },
        R::BadLitres { litres: dec!(-5) },
        R::NotYourself,
        R::LastManager,
        R::BadDate { date: s("31.12.2026") },
        R::QrNotConfigured,
        R::QrEnded { ending: "expired" },
        R::QrCannotCancel { detail: s("connection refused") },
        R::QrRefused { detail: s("HTTP 422") },
        R::QrAmountMismatch,
        R::QrPaymentStays,
        R::ExportFailed { detail: s("disk full") },
        R::NotAKiosk,
        R::KioskNoCash,
        R::KioskNeedsStaff { reason: s("age") },
        R::KioskAgeByStaff,
        R::NotAtTheKiosk,
        R::NoHelpRequest,
        R::StaffOnly,
        R::NoReceiptToPrint,
        R::InServiceMode,
        R::NotInServiceMode,
        R::NoSite,
        R::PumpHeld { pump: 2 },
        R::PumpPayAmount { max: dec!(100) },
        R::FuelOnly,
        R::NoSuchPeer { terminal: s("K2") },
        R::PeerNoHelp { terminal: s("K2") },
        R::SiteBadSignature { detail: s("bad signature") },
        R::SiteStale,
        R::SiteUnreachable { detail: s("timed out") },
    ]
}

fn refusal_kind(r: &Refusal) -> usize {
    use Refusal as R;
    match r {
        R::RefundOfRefund { .. } => 0,
        R::FullyRefunded { .. } => 1,
        R::NoRefundLines => 2,
        R::LineNamedTwice { .. } => 3,
        R::LineNotRefundable { .. } => 4,
        R::UnknownUnit { .. } => 5,
        R::FillOnTicket { .. } => 6,
        R::FillPrepaid { .. } => 7,
        R::FillBeingReset { .. } => 8,
        R::NoLineOnReceipt { .. } => 9,
        R::PrepayOverrun { .. } => 10,
        R::PumpNoGrade { .. } => 11,
        R::PrepayOnTicket { .. } => 12,
        R::PumpPrepaid { .. } => 13,
        R::AmountAndLitres => 14,
        R::BadPresetAmount { .. } => 15,
        R::BadPresetLitres { .. } => 16,
        R::BadPrepay { .. } => 17,
        R::AlreadyPrepaid { .. } => 18,
        R::NoPrepay { .. } => 19,
        R::BadMeterPhase { .. } => 20,
        R::Negative { .. } => 21,
        R::AmountTooLarge { .. } => 22,
        R::TooManyDecimals { .. } => 23,
        R::SoldByPiece { .. } => 24,
        R::NoSuchSku { .. } => 25,
        R::NoSuchPlu { .. } => 26,
        R::SkuOrPlu => 27,
        R::NoSuchGrade { .. } => 28,
        R::PercentOrAmount => 29,
        R::NoDiscountToApprove => 30,
        R::NothingToHold => 31,
        R::IdOrIndex => 32,
        R::NoSuchHeld => 33,
        R::NothingToCancel => 34,
        R::LanguageOrTheme => 35,
        R::BadFuelPrice { .. } => 36,
        R::PriceOverPump { .. } => 37,
        R::BadBookPrice { .. } => 38,
        R::Port(PortError::NoSuchDevice { .. }) => 39,
        R::Port(PortError::NotAPort { .. }) => 40,
        R::Port(PortError::NotAPrinterPort { .. }) => 41,
        R::Port(PortError::NotASerialPort { .. }) => 42,
        R::Port(PortError::NoSuchProtocol { .. }) => 43,
        R::Port(PortError::NoProtocolToChoose { .. }) => 44,
        R::NoSuchDeviceTest { .. } => 45,
        R::ReasonTooLong { .. } => 46,
        R::ManagerPinNeeded => 47,
        R::PinMayNotAddUsers => 48,
        R::BadPin => 49,
        R::EmptyName => 50,
        R::PinTaken => 51,
        R::DemoData { .. } => 52,
        R::CardInProgress => 53,
        R::NoCardPayment => 54,
        R::CardAmountMismatch => 55,
        R::CardDeclined { .. } => 56,
        R::CardNotTaken => 57,
        R::CardUnclear => 58,
        R::CardTerminalUnreachable { .. } => 59,
        R::CardReversedAfterSale { .. } => 60,
        R::CardUnconfirmed { .. } => 61,
        R::CardAborted => 62,
        R::CashAmountNotPositive => 63,
        R::NoSaleHasNoAmount => 64,
        R::UnknownReason { .. } => 65,
        R::DrawerHoldsLess { .. } => 66,
        R::DrawerFull { .. } => 67,
        R::CountFirst => 68,
        R::CountStale => 69,
        R::CountNeedsApproval { .. } => 70,
        R::BadCountPurpose { .. } => 71,
        R::BadCountTender { .. } => 72,
        R::NotADenomination { .. } => 73,
        R::DenominationTwice => 74,
        R::AmountOrPieces => 75,
        R::HandoverToSelf => 76,
        R::NothingSinceZ => 77,
        R::NoSuchZ { .. } => 78,
        R::ReportUnreadable { .. } => 79,
        R::NoSuchTank { .. } => 80,
        R::BadLitres { .. } => 81,
        R::NotYourself => 82,
        R::LastManager => 83,
        R::BadDate { .. } => 84,
        R::QrNotConfigured => 85,
        R::QrEnded { .. } => 86,
        R::QrCannotCancel { .. } => 87,
        R::QrRefused { .. } => 88,
        R::QrAmountMismatch => 89,
        R::QrPaymentStays => 90,
        R::ExportFailed { .. } => 91,
        R::NotAKiosk => 92,
        R::KioskNoCash => 93,
        R::KioskNeedsStaff { .. } => 94,
        R::KioskAgeByStaff => 95,
        R::NotAtTheKiosk => 96,
        R::NoHelpRequest => 97,
        R::StaffOnly => 98,
        R::NoReceiptToPrint => 99,
        R::InServiceMode => 100,
        R::NotInServiceMode => 101,
        R::NoSite => 102,
        R::NoSuchPeer { .. } => 103,
        R::PeerNoHelp { .. } => 104,
        R::SiteBadSignature { .. } => 105,
        R::SiteStale => 106,
        R::SiteUnreachable { .. } => 107,
        R::PumpHeld { .. } => 108,
        R::PumpPayAmount { .. } => 109,
        R::FuelOnly => 110,
    }
}
const REFUSAL_KINDS: usize = 111;

fn ticket_errors() -> Vec<TicketError> {
    use TicketError as T;
    vec![
        T::NoSuchLine(7),
        T::AlreadyVoided(7),
        T::BadQuantity { qty: dec!(0), unit: Unit::Each, why: "zero" },
        T::BadDiscount { max: dec!(100) },
        T::NotExact(dec!(1.234)),
        T::NotPositive,
        T::TooLarge(dec!(1000000000)),
        T::TicketTooLarge { max: dec!(999999999) },
        T::Empty,
        T::AgeNotConfirmed(18),
        T::CardOverDue { amount: dec!(20), due: dec!(10) },
        T::Locked,
        T::UnknownTaxClass(s("luxury")),
        T::NoAgeRestriction,
        T::PumpMismatch { amount: dec!(10), computed: dec!(11) },
    ]
}

fn ticket_kind(e: &TicketError) -> usize {
    use TicketError as T;
    match e {
        T::NoSuchLine(_) => 0,
        T::AlreadyVoided(_) => 1,
        T::BadQuantity { .. } => 2,
        T::BadDiscount { .. } => 3,
        T::NotExact(_) => 4,
        T::NotPositive => 5,
        T::TooLarge(_) => 6,
        T::TicketTooLarge { .. } => 7,
        T::Empty => 8,
        T::AgeNotConfirmed(_) => 9,
        T::CardOverDue { .. } => 10,
        T::Locked => 11,
        T::UnknownTaxClass(_) => 12,
        T::NoAgeRestriction => 13,
        T::PumpMismatch { .. } => 14,
    }
}
const TICKET_KINDS: usize = 15;

fn blockers() -> Vec<Blocker> {
    vec![
        Blocker::TicketOpen,
        Blocker::Held { count: 2 },
        Blocker::Prepay { pump: 2, amount: dec!(30), receipt: 4712 },
        Blocker::UnpaidFill { pump: 4, amount: dec!(52.1) },
        Blocker::PumpBusy { pump: 1, state: "filling" },
    ]
}

/// One of each service error (every refusal, ticket error and shift blocker among them).
fn errors() -> Vec<ServiceError> {
    use ServiceError as S;
    let mut all = vec![
        S::NotLoggedIn,
        S::AlreadyLoggedIn(s("Demo Cashier")),
        S::WrongPin,
        S::WrongPinFor { user: s("Demo Cashier"), attempts: 2, max: 5 },
        S::Locked { user: s("Demo Cashier"), seconds: 300 },
        S::PadLocked { seconds: 300 },
        S::NotAnApprover { user: s("Demo Cashier"), why: "a cashier" },
        S::UnknownUser(s("Nobody")),
        S::NoShift,
        S::ShiftOpen(s("2026-12-03 06:00")),
        S::NotPermitted { role: Role::Cashier, what: "change prices" },
        S::DiscountOverLimit { pct: dec!(25), max: dec!(10), role: Role::Cashier },
        S::TicketOpen,
        S::TicketsHeld { count: 2 },
        S::ShiftNotClear(blockers()),
        S::NoForecourt,
        S::NoSuchPump(9),
        S::PumpState { pump: 2, state: "calling", what: "x" },
        S::Lookup(LookupError::Unknown(s("4006381333931"))),
        S::Lookup(LookupError::Invalid(BarcodeError::NotDigits(s("40A6")))),
        S::NeedsWeight { sku: s("APL"), name: s("Apples") },
        S::NoSuchSale(4711),
        S::Store(StoreError::Corrupt(s("x"))),
        S::Store(StoreError::Halted(s("x"))),
        S::Open(StoreError::Locked(s("/var/lib/till"))),
        S::NoSuchPayment { index: 1 },
        S::UnknownLanguage(s("xx-XX")),
        S::UnknownTheme(s("neon")),
    ];
    all.extend(refusals().into_iter().map(S::Invalid));
    all.extend(ticket_errors().into_iter().map(S::Ticket));
    all
}

#[test]
fn the_examples_hold_every_kind_of_error() {
    let kinds: BTreeSet<usize> = refusals().iter().map(refusal_kind).collect();
    assert_eq!(kinds, (0..REFUSAL_KINDS).collect(), "a refusal has no example");
    let kinds: BTreeSet<usize> = ticket_errors().iter().map(ticket_kind).collect();
    assert_eq!(kinds, (0..TICKET_KINDS).collect(), "a ticket error has no example");
}

fn plain_args(m: &Message, out: &mut Vec<String>) {
    for (_, a) in &m.args {
        match a {
            Arg::Text(t) => out.push(t.clone()),
            Arg::Int(n) => out.push(n.to_string()),
            Arg::List(l) => l.iter().for_each(|m| plain_args(m, out)),
            _ => {}
        }
    }
}

#[test]
fn every_error_reads_in_every_language() {
    let mut i18n = I18n::new().unwrap();
    let cur = eur();
    let english: Vec<String> = errors().iter().map(|e| error_text(&i18n, &cur, e)).collect();
    for (lang, _) in LANGUAGES {
        assert!(i18n.set_language(lang));
        let keys = I18n::keys(lang);
        for (e, en) in errors().iter().zip(&english) {
            let m = e.message();
            assert!(keys.contains(m.key), "{lang} has no message {} (for {e:?})", m.key);
            let text = error_text(&i18n, &cur, e);
            assert!(!text.is_empty() && text != m.key, "{lang}: {e:?} reads '{text}'");
            assert!(!text.contains(['{', '}', '$']), "{lang}: {} leaves a placeholder: {text}", m.key);
            if lang != "en-US" {
                // A translation that fails to format falls back to English.
                assert_ne!(&text, en, "{lang}: {} is not translated", m.key);
            }
            let mut values = Vec::new();
            plain_args(&m, &mut values);
            for v in values.iter().filter(|v| !v.is_empty() && v.len() > 1) {
                assert!(text.contains(v.as_str()), "{lang}: {} does not say '{v}': {text}", m.key);
            }
        }
    }
}

#[test]
fn values_are_written_as_the_language_writes_them() {
    let mut i18n = I18n::new().unwrap();
    let cur = eur();
    i18n.set_language("de-DE");
    let e = ServiceError::Lookup(LookupError::Unknown("123".into()));
    assert_eq!(error_text(&i18n, &cur, &e), "Kein Artikel hat den Code 123.");
    let e = ServiceError::WrongPinFor { user: "A".into(), attempts: 2, max: 5 };
    assert_eq!(error_text(&i18n, &cur, &e), "Falsche PIN (2 von 5 Versuchen).");
    let e = ServiceError::PumpState { pump: 2, state: "calling", what: "it has no completed fill" };
    assert_eq!(error_text(&i18n, &cur, &e), "Zapfsäule 2: Ruft – jetzt nicht möglich.");
    let e = ServiceError::DiscountOverLimit { pct: dec!(91.32), max: dec!(10), role: Role::Cashier };
    assert_eq!(error_text(&i18n, &cur, &e), "Ein Rabatt von 91,32 % ist mehr als erlaubt (bis 10 %).");
    let e = ServiceError::Invalid(Refusal::PrepayOverrun { pump: 3, dispensed: dec!(41.5), prepaid: dec!(40) });
    let text = error_text(&i18n, &cur, &e);
    assert!(text.contains("41,50\u{a0}€") && text.contains("40,00\u{a0}€"), "{text}");
    let e = ServiceError::ShiftNotClear(blockers());
    let text = error_text(&i18n, &cur, &e);
    assert!(text.contains("Zapfsäule 4") && text.contains("52,10\u{a0}€") && text.contains("Tankt"), "{text}");
    i18n.set_language("hi-IN");
    let e = ServiceError::Invalid(Refusal::BadPresetLitres { litres: dec!(12345.678) });
    assert!(error_text(&i18n, &cur, &e).contains("12,345.678"), "{}", error_text(&i18n, &cur, &e));
}

#[test]
fn till_exec_answers_the_english_sentence_and_the_message_id() {
    let e = ServiceError::Invalid(Refusal::FillOnTicket { pump: 3, held: true });
    assert_eq!(e.to_string(), "the fill of pump 3 is already on a held ticket");
    let answer = crate::exec::to_json(&Err(e));
    assert_eq!(answer["code"], "refusal-fill-on-held-ticket");
    let e = ServiceError::ShiftNotClear(vec![Blocker::TicketOpen, Blocker::Held { count: 2 }]);
    assert_eq!(e.to_string(), "the shift cannot close yet: a ticket is open; 2 ticket(s) on hold");
}
