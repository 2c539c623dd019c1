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

/// The most digits a decimal written as text may have: 28 always fit a `Decimal` exactly (with
/// more, `Decimal::from_str` would round instead of refusing).
pub const MAX_DECIMAL_DIGITS: usize = 28;

/// Parses a decimal written plainly: an optional `-`, digits, and optionally a `.` followed by
/// digits (`12`, `-0.5`, `1.789`). `Decimal::from_str` alone also takes `+2`, `1_000` and
/// `.5`, and rounds past 28 digits: in an amount or a quantity those are typing errors (or
/// another program's number format), refused here rather than read as something.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !frac.is_none_or(digits) || int.len() + frac.map_or(0, str::len) > MAX_DECIMAL_DIGITS {
        return None;
    }
    Decimal::from_str(text).ok()
}

/// `serde(deserialize_with)` for a decimal written as a string, parsed by [`parse_decimal`].
pub fn deserialize_decimal_str<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let s = String::deserialize(d)?;
    parse_decimal(s.trim()).ok_or_else(|| serde::de::Error::custom(format!("'{s}' is not a decimal number")))
}

/// A decimal written as a string ("1.789", see [`parse_decimal`]) or an integer; a TOML float is refused because it
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
                parse_decimal(v.trim()).map(Dec).ok_or_else(|| E::custom(format!("'{v}' is not a decimal number")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Dec, E> {
                Ok(Dec(Decimal::from(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Dec, E> {
                Ok(Dec(Decimal::from(v)))
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
            assert_eq!(parse_decimal(text), Some(value), "{text}");
        }
        for bad in ["+2", "1_000", "1e3", "1E3", ".5", "5.", "-", "", "1.2.3", "١", "NaN", "--1", "0x10"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
            assert!(serde_json::from_str::<Dec>(&format!("{bad:?}")).is_err(), "{bad}");
        }
        assert_eq!(parse_decimal(&"9".repeat(28)).map(|d| d.to_string()), Some("9".repeat(28)));
        assert_eq!(parse_decimal(&format!("0.{}", "1".repeat(28))), None, "it would be rounded");
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
