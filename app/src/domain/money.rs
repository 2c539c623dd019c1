//! Exact money: currencies with their minor units and the named rounding rules.
//!
//! Every amount is a [`Decimal`]; every rounding goes through a [`RoundingRule`] that has a name
//! in the configuration, so no amount is ever rounded "somehow".

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A named rounding rule, chosen in configuration per purpose (line amounts, taxes, cash).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoundingRule {
    /// Commercial rounding: a half goes away from zero (2.345 -> 2.35, -2.345 -> -2.35).
    HalfUp,
    /// Banker's rounding: a half goes to the even neighbour (2.345 -> 2.34, 2.355 -> 2.36).
    HalfEven,
}

impl RoundingRule {
    fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingRule::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingRule::HalfEven => RoundingStrategy::MidpointNearestEven,
        }
    }

    /// Rounds `value` to `dp` decimal places under this rule.
    pub fn round_dp(self, value: Decimal, dp: u32) -> Decimal {
        value.round_dp_with_strategy(dp, self.strategy())
    }

    /// Rounds `value` to a multiple of `increment` (e.g. 0.05) under this rule.
    pub fn round_to_increment(self, value: Decimal, increment: Decimal) -> Decimal {
        if increment <= Decimal::ZERO {
            return value;
        }
        let steps = (value / increment).round_dp_with_strategy(0, self.strategy());
        steps * increment
    }
}

impl fmt::Display for RoundingRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RoundingRule::HalfUp => "half-up",
            RoundingRule::HalfEven => "half-even",
        })
    }
}

/// A currency as the terminal uses it: its ISO code, its minor units and the cash rounding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    pub code: String,
    /// Decimal places of the minor unit (EUR 2, INR 2, IDR 0, KWD 3).
    pub minor_units: u32,
    /// Smallest coin in circulation, e.g. 0.05; cash totals are rounded to it. `None`: no cash rounding.
    pub cash_increment: Option<Decimal>,
}

/// Minor units of the ISO 4217 currencies a terminal is likely to be configured with.
pub fn iso_minor_units(code: &str) -> Option<u32> {
    Some(match code {
        "EUR" | "USD" | "GBP" | "INR" | "CHF" | "SEK" | "NOK" | "DKK" | "PLN" | "CZK" | "HUF" | "RON" | "AUD"
        | "CAD" | "NZD" | "ZAR" | "MYR" | "PHP" | "THB" | "SGD" | "MXN" | "BRL" | "TRY" | "AED" | "SAR" | "QAR"
        | "EGP" | "NGN" | "KES" | "PKR" | "LKR" | "BDT" => 2,
        "IDR" | "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "XOF" | "XAF" => 0,
        "KWD" | "BHD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
        _ => return None,
    })
}

impl Currency {
    /// The smallest representable amount, e.g. 0.01 for EUR.
    pub fn minor_unit(&self) -> Decimal {
        Decimal::new(1, self.minor_units)
    }

    /// Rounds an amount to the currency's minor units under `rule`, with the scale normalised
    /// to exactly the minor units so that "2.5" and "2.50" print the same.
    pub fn round(&self, value: Decimal, rule: RoundingRule) -> Decimal {
        let mut v = rule.round_dp(value, self.minor_units);
        v.rescale(self.minor_units);
        v
    }

    /// Whether an amount is already a whole number of minor units.
    pub fn is_exact(&self, value: Decimal) -> bool {
        value.round_dp(self.minor_units) == value
    }

    /// Rounds a cash amount to the cash increment (if any) under `rule`. Card amounts never
    /// go through this.
    pub fn round_cash(&self, value: Decimal, rule: RoundingRule) -> Decimal {
        match self.cash_increment {
            Some(inc) => {
                let mut v = rule.round_to_increment(value, inc);
                v.rescale(self.minor_units);
                v
            }
            None => self.round(value, rule),
        }
    }

    /// Converts an exact amount to integer minor units (for storage and sums in SQL).
    /// Returns `None` when the amount has more precision than the currency or overflows.
    pub fn to_minor(&self, value: Decimal) -> Option<i64> {
        if !self.is_exact(value) {
            return None;
        }
        let scaled = value.checked_mul(Decimal::from(10i64.checked_pow(self.minor_units)?))?;
        i64::try_from(scaled).ok()
    }

    /// Converts integer minor units back to an amount with the currency's scale.
    pub fn from_minor(&self, minor: i64) -> Decimal {
        Decimal::new(minor, self.minor_units)
    }

    /// Formats an amount with exactly the currency's decimals ("12.50").
    pub fn fmt(&self, value: Decimal) -> String {
        let mut v = value;
        v.rescale(self.minor_units);
        v.to_string()
    }
}

/// The one cap on every amount, price and quantity that comes in from outside (commands,
/// scripts, the configuration, the command line): anything larger is a keying error, and every
/// sum and product of such values stays far from `Decimal`'s limits.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0); // 1e12

fn capped(v: Decimal) -> Result<Decimal, String> {
    if v.abs() > MAX_AMOUNT {
        return Err(format!("{v} is larger than any amount Till takes ({MAX_AMOUNT})"));
    }
    Ok(v)
}

/// Reads a decimal as a person writes it on a till: an optional minus sign, digits, and
/// optionally a point with more digits ("12", "-0.5", "1.789"). Nothing else is a number here:
/// no `+`, no `_` separators, no exponent, no comma, no leading or trailing point, and at most
/// [`MAX_AMOUNT`] in size.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let bad = || format!("'{}' is not a decimal number (write it as 12 or 12.34)", shorten(text));
    let digits = t.strip_prefix('-').unwrap_or(t);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return Err(bad());
    }
    // Leading zeros do not count towards the size; 28 significant digits is all Decimal holds.
    let significant = int.trim_start_matches('0').len() + frac.map_or(0, str::len);
    if significant > MAX_DECIMAL_DIGITS {
        return Err(format!("'{}' has more digits than Till takes", shorten(text)));
    }
    let v = Decimal::from_str(t).map_err(|_| bad())?;
    capped(v)
}

/// At most 40 characters of what was typed, cut on a character boundary, for an error text.
pub fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// The most digits a decimal written as text may have: 28 always fit a `Decimal` exactly (with
/// more, `Decimal::from_str` would round instead of refusing).
pub const MAX_DECIMAL_DIGITS: usize = 28;

/// Reads a `Decimal` field the way [`Dec`] does (never from a float).
pub fn de_dec<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    Dec::deserialize(d).map(|v| v.0)
}

/// A decimal written as a string ("1.789") or an integer; a TOML float is refused because it
/// is binary floating point and would not round-trip money exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec(pub Decimal);

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Dec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a decimal number written as a quoted string, e.g. \"1.789\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Dec, E> {
                parse_decimal(v).map(Dec).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Dec, E> {
                capped(Decimal::from(v)).map(Dec).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Dec, E> {
                capped(Decimal::from(v)).map(Dec).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Dec, E> {
                Err(E::custom(format!("{v} is written as a float; write decimals as a quoted string, e.g. \"{v}\"")))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn eur() -> Currency {
        Currency { code: "EUR".into(), minor_units: 2, cash_increment: None }
    }

    #[test]
    fn half_up_and_half_even_differ_only_on_midpoints() {
        assert_eq!(RoundingRule::HalfUp.round_dp(dec!(2.345), 2), dec!(2.35));
        assert_eq!(RoundingRule::HalfEven.round_dp(dec!(2.345), 2), dec!(2.34));
        assert_eq!(RoundingRule::HalfEven.round_dp(dec!(2.355), 2), dec!(2.36));
        assert_eq!(RoundingRule::HalfUp.round_dp(dec!(-2.345), 2), dec!(-2.35));
        assert_eq!(RoundingRule::HalfUp.round_dp(dec!(2.3449), 2), dec!(2.34));
    }

    #[test]
    fn minor_units_per_currency() {
        assert_eq!(iso_minor_units("EUR"), Some(2));
        assert_eq!(iso_minor_units("INR"), Some(2));
        assert_eq!(iso_minor_units("IDR"), Some(0));
        assert_eq!(iso_minor_units("KWD"), Some(3));
        let kwd = Currency { code: "KWD".into(), minor_units: 3, cash_increment: None };
        assert_eq!(kwd.round(dec!(1.23456), RoundingRule::HalfUp).to_string(), "1.235");
        let idr = Currency { code: "IDR".into(), minor_units: 0, cash_increment: None };
        assert_eq!(idr.round(dec!(15499.5), RoundingRule::HalfUp).to_string(), "15500");
        assert_eq!(idr.round(dec!(15498.5), RoundingRule::HalfEven).to_string(), "15498");
    }

    #[test]
    fn cash_rounding_to_increment() {
        let chf = Currency { code: "CHF".into(), minor_units: 2, cash_increment: Some(dec!(0.05)) };
        assert_eq!(chf.round_cash(dec!(10.02), RoundingRule::HalfUp), dec!(10.00));
        assert_eq!(chf.round_cash(dec!(10.03), RoundingRule::HalfUp), dec!(10.05));
        assert_eq!(chf.round_cash(dec!(10.025), RoundingRule::HalfUp), dec!(10.05));
        assert_eq!(chf.round_cash(dec!(10.075), RoundingRule::HalfEven), dec!(10.10));
        assert_eq!(chf.round_cash(dec!(10.02), RoundingRule::HalfUp).to_string(), "10.00");
        // Without an increment cash is rounded to the minor unit only.
        assert_eq!(eur().round_cash(dec!(10.02), RoundingRule::HalfUp), dec!(10.02));
    }

    #[test]
    fn decimal_input_takes_strings_and_integers_never_floats() {
        let d: Dec = serde_json::from_str("\"1.789\"").unwrap();
        assert_eq!(d.0, dec!(1.789));
        let d: Dec = serde_json::from_str("2").unwrap();
        assert_eq!(d.0, dec!(2));
        let d: Dec = serde_json::from_str("-3").unwrap();
        assert_eq!(d.0, dec!(-3));
        let e = serde_json::from_str::<Dec>("1.5").unwrap_err().to_string();
        assert!(e.contains("quoted string"), "{e}");
        assert!(serde_json::from_str::<Dec>("\"1,5\"").is_err());
        let d: Dec = serde_json::from_str("\" -0.50 \"").unwrap();
        assert_eq!(d.0, dec!(-0.50));
    }

    #[test]
    fn decimal_text_is_plain_digits_only() {
        for (text, value) in [("12", dec!(12)), ("-0.5", dec!(-0.5)), ("1.789", dec!(1.789)), ("007", dec!(7))] {
            assert_eq!(parse_decimal(text).ok(), Some(value), "{text}");
        }
        for bad in ["+2", "1_000", "1e3", "1E3", ".5", "5.", "-", "", "1.2.3", "١", "NaN", "--1", "0x10"] {
            assert!(parse_decimal(bad).is_err(), "{bad}");
            assert!(serde_json::from_str::<Dec>(&format!("{bad:?}")).is_err(), "{bad}");
        }
        assert_eq!(parse_decimal(&"9".repeat(12)).map(|d| d.to_string()), Ok("9".repeat(12)));
        assert!(parse_decimal(&format!("0.{}", "1".repeat(29))).is_err(), "it would be rounded");
    }

    #[test]
    fn only_plain_decimals_are_numbers() {
        for ok in ["0", "12", "-0.5", "1.789", " 7 ", "007.50", "1000000000000"] {
            assert!(parse_decimal(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-",
            ".",
            "1.",
            ".5",
            "+2",
            "1_000",
            "1e3",
            "1E3",
            "0x10",
            "1,5",
            "١٢",
            "NaN",
            "inf",
            "--1",
            "1.2.3",
            "1000000000000.01",
            "99999999999999999999999999999999",
            "1 000",
        ] {
            assert!(parse_decimal(bad).is_err(), "{bad:?} must be refused");
        }
        let e = serde_json::from_str::<Dec>("9007199254740993").unwrap_err().to_string();
        assert!(e.contains("larger than any amount"), "{e}");
        assert_eq!(shorten(&"é".repeat(50)).chars().count(), 41);
    }

    #[test]
    fn minor_unit_conversion_is_exact_or_refused() {
        let c = eur();
        assert_eq!(c.to_minor(dec!(12.34)), Some(1234));
        assert_eq!(c.to_minor(dec!(-0.05)), Some(-5));
        assert_eq!(c.to_minor(dec!(12.345)), None);
        assert_eq!(c.from_minor(1234), dec!(12.34));
        assert_eq!(c.fmt(dec!(2.5)), "2.50");
    }
}
