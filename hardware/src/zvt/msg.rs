//! The ZVT commands the till sends, and what the terminal's messages say, typed.

use super::apdu::Apdu;
use super::bmp::{self, BmpError};
use crate::bcd;

/// Registration config byte: the ECR prints payment receipts.
pub const CFG_ECR_PRINTS_PAYMENT: u8 = 0x02;
/// The ECR prints administration receipts.
pub const CFG_ECR_PRINTS_ADMIN: u8 = 0x04;
/// The PT sends intermediate status (`04 FF`).
pub const CFG_INTERMEDIATE_STATUS: u8 = 0x08;
/// Receipts come as print lines or text blocks rather than being printed by the PT.
pub const CFG_RECEIPTS_TO_ECR: u8 = 0x80;
/// Repeat receipt's service byte: send the last status information, do not print.
pub const SERVICE_STATUS_NO_PRINT: u8 = 0x03;
/// Currency code of the euro (ISO 4217 numeric 978, as two BCD bytes).
pub const EUR: u16 = 978;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MsgError {
    #[error("the amount {0} is more than ZVT's 12 digits")]
    Amount(u64),
    #[error("the password must be 6 digits")]
    Password,
    #[error(transparent)]
    Bmp(#[from] BmpError),
    #[error("{0:02X} {1:02X} is not a message Till expects here")]
    Unexpected(u8, u8),
}

fn password(pw: u32) -> Result<Vec<u8>, MsgError> {
    bcd::encode(u64::from(pw), 3).map_err(|_| MsgError::Password)
}

fn amount(minor: u64) -> Result<Vec<u8>, MsgError> {
    let mut v = vec![0x04];
    v.extend(bcd::encode(minor, 6).map_err(|_| MsgError::Amount(minor))?);
    Ok(v)
}

fn currency(code: u16) -> Vec<u8> {
    // ISO 4217 numeric as BCD in two bytes: 978 -> 09 78.
    let v = bcd::encode(u64::from(code % 10000), 2).unwrap_or_default();
    let mut out = vec![0x49];
    out.extend(v);
    out
}

fn receipt(no: u16) -> Vec<u8> {
    let mut out = vec![0x87];
    out.extend(bcd::encode(u64::from(no % 10000), 2).unwrap_or_default());
    out
}

/// `06 00` registration: password, config byte, currency (no tag), service byte.
pub fn registration(pw: u32, config: u8, cur: u16) -> Result<Apdu, MsgError> {
    let mut d = password(pw)?;
    d.push(config);
    d.extend(&currency(cur)[1..]);
    d.extend([0x03, 0x00]);
    Ok(Apdu::new(0x06, 0x00, d))
}

/// `06 01` authorization for an amount in minor units; the pump number for fuel; how long (s)
/// the terminal waits for the till's answer to its status information (BMP 01).
pub fn authorization(minor: u64, cur: u16, pump: Option<u8>, answer_secs: Option<u8>) -> Result<Apdu, MsgError> {
    let mut d = amount(minor)?;
    d.extend(currency(cur));
    if let Some(p) = pump {
        d.extend([0x05, p]);
    }
    if let Some(t) = answer_secs {
        d.extend([0x01, t]);
    }
    Ok(Apdu::new(0x06, 0x01, d))
}

/// `06 30` reversal of the payment with this receipt number.
pub fn reversal(pw: u32, receipt_no: u16) -> Result<Apdu, MsgError> {
    let mut d = password(pw)?;
    d.extend(receipt(receipt_no));
    Ok(Apdu::new(0x06, 0x30, d))
}

/// `06 31` refund of an amount to the card presented.
pub fn refund(pw: u32, minor: u64, cur: u16) -> Result<Apdu, MsgError> {
    let mut d = password(pw)?;
    d.extend(amount(minor)?);
    d.extend(currency(cur));
    Ok(Apdu::new(0x06, 0x31, d))
}

/// `06 50` end-of-day.
pub fn end_of_day(pw: u32) -> Result<Apdu, MsgError> {
    Ok(Apdu::new(0x06, 0x50, password(pw)?))
}

/// `06 20` repeat receipt; with [`SERVICE_STATUS_NO_PRINT`] the terminal sends the last
/// transaction's status information and prints nothing (resynchronisation).
pub fn repeat_receipt(pw: u32, service: u8) -> Result<Apdu, MsgError> {
    let mut d = password(pw)?;
    d.extend([0x03, service]);
    Ok(Apdu::new(0x06, 0x20, d))
}

/// `05 01` status enquiry.
pub fn status_enquiry(pw: u32) -> Result<Apdu, MsgError> {
    Ok(Apdu::new(0x05, 0x01, password(pw)?))
}

/// `06 02` log-off.
pub fn log_off() -> Apdu {
    Apdu::new(0x06, 0x02, Vec::new())
}

/// `06 B0` the till's abort.
pub fn abort() -> Apdu {
    Apdu::new(0x06, 0xB0, Vec::new())
}

/// `06 22` pre-authorization (fuel reservation) for a pump.
pub fn reservation(minor: u64, cur: u16, pump: u8) -> Result<Apdu, MsgError> {
    let mut d = amount(minor)?;
    d.extend(currency(cur));
    d.extend([0x05, pump]);
    Ok(Apdu::new(0x06, 0x22, d))
}

/// `06 24` book total of a reservation: what was used.
pub fn book_total(receipt_no: u16, used_minor: u64) -> Result<Apdu, MsgError> {
    let mut d = receipt(receipt_no);
    d.extend(amount(used_minor)?);
    Ok(Apdu::new(0x06, 0x24, d))
}

/// `06 23` partial reversal of a reservation: the unused amount.
pub fn partial_reversal(receipt_no: u16, unused_minor: u64) -> Result<Apdu, MsgError> {
    let mut d = receipt(receipt_no);
    d.extend(amount(unused_minor)?);
    Ok(Apdu::new(0x06, 0x23, d))
}

/// `06 23 87 FF FF`: the open reservations, one status information each (receipt `87`,
/// reserved amount `04`).
pub fn open_reservations() -> Apdu {
    Apdu::new(0x06, 0x23, vec![0x87, 0xFF, 0xFF])
}

/// `06 25` reversal of a whole pre-authorization.
pub fn preauth_reversal(receipt_no: u16) -> Apdu {
    Apdu::new(0x06, 0x25, receipt(receipt_no))
}

/// What a transaction's status information (`04 0F`) says. The card number is kept masked:
/// all but its last four digits, whatever the terminal sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusInfo {
    pub result: Option<u8>,
    pub amount_minor: Option<u64>,
    pub currency: Option<u16>,
    pub trace: Option<u32>,
    pub receipt: Option<u16>,
    pub turnover: Option<u32>,
    /// For a reversal: the trace number of the payment it reversed (BMP 37).
    pub original_trace: Option<u32>,
    /// `MMDD hhmmss` as the terminal gave them.
    pub date: Option<String>,
    pub time: Option<String>,
    pub terminal_id: Option<String>,
    pub pan: Option<String>,
    pub card_type: Option<u8>,
    pub card_name: Option<String>,
    pub auth_code: Option<String>,
    /// End-of-day totals (BMP 60) as sent.
    pub totals: Option<Vec<u8>>,
}

fn digits(v: &[u8]) -> String {
    v.iter().map(|b| format!("{b:02X}")).collect()
}

fn text(v: &[u8]) -> String {
    v.iter().filter(|b| **b != 0).map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '?' }).collect()
}

/// A card number from BCD with `E` for digits the terminal masked and `F` as filler, masked
/// here to its last four digits in any case.
pub fn masked_pan(v: &[u8]) -> String {
    let nibbles: Vec<char> = v
        .iter()
        .flat_map(|b| [b >> 4, b & 0x0F])
        .take_while(|n| *n != 0x0F)
        .map(|n| if n <= 9 { char::from(b'0' + n) } else { '*' })
        .collect();
    let keep = nibbles.len().saturating_sub(4);
    nibbles.iter().enumerate().map(|(i, c)| if i < keep { '*' } else { *c }).collect()
}

impl StatusInfo {
    pub fn parse(data: &[u8]) -> Result<StatusInfo, MsgError> {
        let mut s = StatusInfo::default();
        for (tag, v) in bmp::parse(data)? {
            let num = |v: &[u8]| bcd::decode(v).ok();
            match tag {
                0x27 => s.result = v.first().copied(),
                0x04 => s.amount_minor = num(&v),
                0x49 => s.currency = num(&v).and_then(|n| u16::try_from(n).ok()),
                0x0B => s.trace = num(&v).and_then(|n| u32::try_from(n).ok()),
                0x87 => s.receipt = num(&v).and_then(|n| u16::try_from(n).ok()),
                0x88 => s.turnover = num(&v).and_then(|n| u32::try_from(n).ok()),
                0x37 => s.original_trace = num(&v).and_then(|n| u32::try_from(n).ok()),
                0x0C => s.time = Some(digits(&v)),
                0x0D => s.date = Some(digits(&v)),
                0x29 => s.terminal_id = Some(digits(&v)),
                0x22 => s.pan = Some(masked_pan(&v)),
                0x8A => s.card_type = v.first().copied(),
                0x8B => s.card_name = Some(text(&v)),
                0x3B => s.auth_code = Some(text(&v)),
                0x60 => s.totals = Some(v),
                _ => {}
            }
        }
        Ok(s)
    }

    /// Approved: result code 00 (a status information without one is not an approval).
    pub fn approved(&self) -> bool {
        self.result == Some(0)
    }

    /// Encodes the fields (for the simulator); the PAN as already masked digits.
    pub fn encode(&self) -> Vec<u8> {
        let mut d = Vec::new();
        let bcd_field = |d: &mut Vec<u8>, tag: u8, v: u64, n: usize| {
            d.push(tag);
            d.extend(bcd::encode(v, n).unwrap_or_else(|_| vec![0; n]));
        };
        if let Some(r) = self.result {
            d.extend([0x27, r]);
        }
        if let Some(a) = self.amount_minor {
            bcd_field(&mut d, 0x04, a, 6);
        }
        if let Some(c) = self.currency {
            bcd_field(&mut d, 0x49, u64::from(c), 2);
        }
        if let Some(t) = self.trace {
            bcd_field(&mut d, 0x0B, u64::from(t), 3);
        }
        if let Some(r) = self.receipt {
            bcd_field(&mut d, 0x87, u64::from(r), 2);
        }
        if let Some(t) = self.turnover {
            bcd_field(&mut d, 0x88, u64::from(t), 3);
        }
        if let Some(t) = self.original_trace {
            bcd_field(&mut d, 0x37, u64::from(t), 3);
        }
        for (tag, v, n) in [(0x0C, &self.time, 3), (0x0D, &self.date, 2), (0x29, &self.terminal_id, 4)] {
            if let Some(v) = v.as_ref().and_then(|s| s.parse::<u64>().ok()) {
                bcd_field(&mut d, tag, v, n);
            }
        }
        if let Some(p) = &self.pan {
            let mut nib: Vec<u8> = p.bytes().map(|c| if c.is_ascii_digit() { c - b'0' } else { 0x0E }).collect();
            if nib.len() % 2 == 1 {
                nib.push(0x0F);
            }
            let bytes: Vec<u8> = nib.chunks(2).map(|c| c[0] << 4 | c[1]).collect();
            d.push(0x22);
            d.extend(bmp::ll(bytes.len()));
            d.extend(bytes);
        }
        if let Some(t) = self.card_type {
            d.extend([0x8A, t]);
        }
        if let Some(n) = &self.card_name {
            let n = &n.as_bytes()[..n.len().min(99)];
            d.push(0x8B);
            d.extend(bmp::ll(n.len()));
            d.extend(n);
        }
        if let Some(a) = &self.auth_code {
            let mut v = a.as_bytes().to_vec();
            v.resize(8, 0);
            d.push(0x3B);
            d.extend(v);
        }
        if let Some(t) = &self.totals {
            d.push(0x60);
            d.extend(bmp::lll(t.len().min(999)));
            d.extend(&t[..t.len().min(999)]);
        }
        d
    }
}

/// What the terminal sends during a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PtMessage {
    /// `80 00`/`84 00`: the command is taken.
    Accepted,
    /// `84 xx`: the command is refused with error xx.
    Refused(u8),
    /// `04 FF`: intermediate status (0A insert card, 0E PIN, 17 please wait, ...).
    Intermediate(u8),
    /// `04 0F`: status information; the till's answer decides the payment.
    Status(StatusInfo),
    /// `06 D1` one print line, or `06 D3` a text block's lines.
    Print(Vec<String>),
    /// `06 0F`: completion.
    Completion,
    /// `06 1E`: the terminal aborts with a result code.
    Abort(u8),
    /// Anything else (acknowledged, otherwise ignored).
    Other(u8, u8),
}

impl PtMessage {
    pub fn from_apdu(a: &Apdu) -> Result<PtMessage, MsgError> {
        Ok(match (a.class, a.instr) {
            (0x80 | 0x84, 0x00) => PtMessage::Accepted,
            (0x84, code) => PtMessage::Refused(code),
            (0x04, 0xFF) => PtMessage::Intermediate(a.data.first().copied().unwrap_or(0xFF)),
            (0x04, 0x0F) => PtMessage::Status(StatusInfo::parse(&a.data)?),
            (0x06, 0xD1) => PtMessage::Print(vec![text(a.data.get(1..).unwrap_or_default())]),
            (0x06, 0xD3) => {
                let lines = match bmp::parse(&a.data) {
                    Ok(f) => f
                        .iter()
                        .filter(|(t, _)| *t == 0x06)
                        .flat_map(|(_, v)| bmp::tlv_objects(v))
                        .filter(|(t, _)| *t == 0x07)
                        .map(|(_, v)| text(&v))
                        .collect(),
                    Err(_) => Vec::new(),
                };
                PtMessage::Print(lines)
            }
            (0x06, 0x0F) => PtMessage::Completion,
            (0x06, 0x1E) => PtMessage::Abort(a.data.first().copied().unwrap_or(0x6C)),
            (c, i) => PtMessage::Other(c, i),
        })
    }
}

/// The text of a result code, in English, for logs and `till hw card`.
pub fn result_text(code: u8) -> &'static str {
    match code {
        0x00 => "approved",
        0x05 => "declined",
        0x33 => "insufficient funds",
        0x37 => "wrong PIN",
        0x64 => "card unreadable",
        0x6C => "aborted",
        0x6F => "wrong currency",
        0x78 => "card expired",
        0x83 => "function not possible",
        0x9A => "protocol error",
        0x9C => "please wait",
        0xB4 => "already reversed",
        0xB5 => "reversal not possible",
        0xB7 => "amount wrong",
        0xB8 => "pre-authorisation error",
        0xC3 => "maximum exceeded",
        _ => "refused",
    }
}

#[cfg(test)]
#[path = "msg_tests.rs"]
mod tests;
