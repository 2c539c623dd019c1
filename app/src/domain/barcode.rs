//! Barcodes: EAN-8, EAN-13 and UPC-A with check-digit validation, PLU codes, and GS1 in-store
//! variable-measure codes (prefixes 20-29) decoded by a configurable table.
//!
//! An invalid code is rejected with a reason; nothing is ever guessed.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BarcodeError {
    #[error("the code is empty")]
    Empty,
    #[error("the code '{0}' contains characters other than digits")]
    NotDigits(String),
    #[error("the code '{code}' has {len} digits; EAN-8 has 8, UPC-A 12, EAN-13 13, a PLU 4 or 5")]
    BadLength { code: String, len: usize },
    #[error("the check digit of '{code}' is {found}, it must be {expected}")]
    BadCheckDigit { code: String, expected: u8, found: u8 },
}

/// The symbology a valid code was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Symbology {
    Ean8,
    Ean13,
    UpcA,
    /// A price look-up code keyed in or printed on produce (4 or 5 digits, no check digit).
    Plu,
}

/// A validated code, normalised for look-up: UPC-A becomes its EAN-13 form (leading 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gtin {
    pub symbology: Symbology,
    /// The look-up key: 13 digits for EAN-13 and UPC-A, 8 for EAN-8, 4-5 for a PLU.
    pub key: String,
}

/// GS1 mod-10 check digit over `body` (the digits without the check digit).
/// Weights 3,1,3,1... counted from the rightmost body digit.
pub fn gs1_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body.iter().rev().enumerate().map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 3 } else { 1 }).sum();
    ((10 - sum % 10) % 10) as u8
}

fn digits(code: &str) -> Result<Vec<u8>, BarcodeError> {
    if code.is_empty() {
        return Err(BarcodeError::Empty);
    }
    code.bytes()
        .map(|b| if b.is_ascii_digit() { Ok(b - b'0') } else { Err(BarcodeError::NotDigits(code.to_string())) })
        .collect()
}

/// Validates a scanned or typed code.
pub fn parse(code: &str) -> Result<Gtin, BarcodeError> {
    let code = code.trim();
    let d = digits(code)?;
    let symbology = match d.len() {
        4 | 5 => return Ok(Gtin { symbology: Symbology::Plu, key: code.to_string() }),
        8 => Symbology::Ean8,
        12 => Symbology::UpcA,
        13 => Symbology::Ean13,
        len => return Err(BarcodeError::BadLength { code: code.to_string(), len }),
    };
    let (body, check) = d.split_at(d.len() - 1);
    let expected = gs1_check_digit(body);
    if check[0] != expected {
        return Err(BarcodeError::BadCheckDigit { code: code.to_string(), expected, found: check[0] });
    }
    let key = if symbology == Symbology::UpcA { format!("0{code}") } else { code.to_string() };
    Ok(Gtin { symbology, key })
}

/// What the value field of a variable-measure code holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MeasureKind {
    /// The price of the item, in the currency.
    Price,
    /// The weight of the item, in kilograms.
    Weight,
}

/// One row of the variable-measure table: how codes with this prefix are laid out.
/// Layout: prefix (2 digits) + item reference + value + check digit = 13 digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableMeasureRule {
    /// Two digits, "20".."29".
    pub prefix: String,
    /// Digits of the item reference after the prefix.
    pub item_digits: u32,
    pub kind: MeasureKind,
    /// Decimal places of the value (2 for a price in EUR, 3 for kilograms).
    pub decimals: u32,
}

impl VariableMeasureRule {
    /// Digits of the value field.
    pub fn value_digits(&self) -> u32 {
        (13 - 2 - 1u32).saturating_sub(self.item_digits)
    }
}

/// A decoded in-store variable-measure code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableMeasure {
    /// Look-up key of the item: the prefix and item reference, e.g. "2100123".
    pub item_key: String,
    pub kind: MeasureKind,
    pub value: Decimal,
}

/// The template key under which a catalog barcode of a variable-measure item is registered:
/// for a template code like `2100123000007` it is `2100123`.
/// A rule the configuration would refuse, or a code too short for it, gives the code itself.
pub fn variable_item_key(rule: &VariableMeasureRule, ean13: &str) -> String {
    let end = 2usize.saturating_add(rule.item_digits as usize);
    ean13.get(..end).filter(|_| end <= 12).unwrap_or(ean13).to_string()
}

/// Finds the rule for a valid EAN-13, if its prefix is in the table.
pub fn variable_rule<'a>(rules: &'a [VariableMeasureRule], gtin: &Gtin) -> Option<&'a VariableMeasureRule> {
    if gtin.symbology != Symbology::Ean13 {
        return None;
    }
    rules.iter().find(|r| gtin.key.starts_with(&r.prefix))
}

/// Decodes a valid EAN-13 with a prefix from the table. Returns `None` for codes whose prefix
/// is not in the table (they are looked up as ordinary codes).
pub fn decode_variable(rules: &[VariableMeasureRule], gtin: &Gtin) -> Option<VariableMeasure> {
    let rule = variable_rule(rules, gtin)?;
    let item_end = 2usize.saturating_add(rule.item_digits as usize);
    // Validation keeps rules within the 13 digits; a rule that is not is no decoding, not a panic.
    let value_digits = gtin.key.get(item_end..12).filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))?;
    let raw: i64 = value_digits.parse().ok()?;
    Some(VariableMeasure {
        item_key: gtin.key.get(..item_end)?.to_string(),
        kind: rule.kind,
        value: Decimal::try_new(raw, rule.decimals).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn valid_codes_of_each_symbology() {
        assert_eq!(parse("4006381333931").unwrap().symbology, Symbology::Ean13);
        assert_eq!(parse("90162602").unwrap().symbology, Symbology::Ean8);
        let upc = parse("036000291452").unwrap();
        assert_eq!(upc.symbology, Symbology::UpcA);
        assert_eq!(upc.key, "0036000291452");
        // A UPC-A and its EAN-13 form find the same item.
        assert_eq!(parse("0036000291452").unwrap().key, upc.key);
        assert_eq!(parse("4011").unwrap().symbology, Symbology::Plu);
    }

    #[test]
    fn invalid_codes_are_rejected_with_a_reason() {
        assert_eq!(
            parse("4006381333932"),
            Err(BarcodeError::BadCheckDigit { code: "4006381333932".into(), expected: 1, found: 2 })
        );
        assert!(matches!(parse("9016260"), Err(BarcodeError::BadLength { len: 7, .. })));
        assert!(matches!(parse("40063813339X1"), Err(BarcodeError::NotDigits(_))));
        assert_eq!(parse(""), Err(BarcodeError::Empty));
        assert!(matches!(parse("036000291453"), Err(BarcodeError::BadCheckDigit { expected: 2, .. })));
        assert!(matches!(parse("90162603"), Err(BarcodeError::BadCheckDigit { expected: 2, .. })));
        let msg = parse("4006381333932").unwrap_err().to_string();
        assert!(msg.contains("check digit"), "{msg}");
    }

    #[test]
    fn check_digit_matches_published_examples() {
        let body: Vec<u8> = "400638133393".bytes().map(|b| b - b'0').collect();
        assert_eq!(gs1_check_digit(&body), 1);
        let body: Vec<u8> = "9016260".bytes().map(|b| b - b'0').collect();
        assert_eq!(gs1_check_digit(&body), 2);
    }

    fn rules() -> Vec<VariableMeasureRule> {
        vec![
            VariableMeasureRule { prefix: "21".into(), item_digits: 5, kind: MeasureKind::Weight, decimals: 3 },
            VariableMeasureRule { prefix: "22".into(), item_digits: 5, kind: MeasureKind::Price, decimals: 2 },
        ]
    }

    fn with_check(body: &str) -> String {
        let d: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
        format!("{body}{}", gs1_check_digit(&d))
    }

    #[test]
    fn variable_measure_weight_and_price() {
        let code = with_check("210012301250");
        let v = decode_variable(&rules(), &parse(&code).unwrap()).unwrap();
        assert_eq!(v.item_key, "2100123");
        assert_eq!(v.kind, MeasureKind::Weight);
        assert_eq!(v.value, dec!(1.250));
        let code = with_check("220004500399");
        let v = decode_variable(&rules(), &parse(&code).unwrap()).unwrap();
        assert_eq!(v.kind, MeasureKind::Price);
        assert_eq!(v.value, dec!(3.99));
        // A prefix not in the table is an ordinary code.
        assert!(decode_variable(&rules(), &parse("4006381333931").unwrap()).is_none());
        // A variable code with a wrong check digit never reaches the decoder.
        let mut bad = with_check("210012301250");
        bad.replace_range(12..13, if bad.ends_with('0') { "1" } else { "0" });
        assert!(parse(&bad).is_err());
    }
}
