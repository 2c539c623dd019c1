//! The manager's day in the configuration: the reasons for cash movements, the drawer limit,
//! the count (denominations, tolerance), the tanks and their grades, and the fuel
//! reconciliation's thresholds.

use crate::domain::money::{Currency, Dec};
use rust_decimal::Decimal;
use serde::Deserialize;

type Invalid = (String, String);

fn err<T>(key: impl Into<String>, message: impl Into<String>) -> Result<T, Invalid> {
    Err((key.into(), message.into()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCash {
    #[serde(default)]
    pub(super) pay_in_reasons: Vec<String>,
    #[serde(default)]
    pub(super) pay_out_reasons: Vec<String>,
    #[serde(default)]
    pub(super) no_sale_reasons: Vec<String>,
    /// Cash in the drawer above which the cashier is warned to drop.
    #[serde(default)]
    pub(super) drawer_warn: Option<Dec>,
    /// Cash in the drawer at which cash sales stop until a safe drop.
    #[serde(default)]
    pub(super) drawer_limit: Option<Dec>,
    /// A count this far from the expected amount (either way) needs a manager's approval.
    #[serde(default)]
    pub(super) count_tolerance: Option<Dec>,
    /// The notes and coins of the currency, for counting by denomination.
    #[serde(default)]
    pub(super) denominations: Vec<Dec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTank {
    pub(super) number: u8,
    pub(super) grade: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReconciliation {
    #[serde(default)]
    pub(super) warn_percent: Option<Dec>,
    #[serde(default)]
    pub(super) alarm_percent: Option<Dec>,
}

/// Cash management and counting, validated; amounts in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashConfig {
    pub pay_in_reasons: Vec<String>,
    pub pay_out_reasons: Vec<String>,
    pub no_sale_reasons: Vec<String>,
    pub drawer_warn_minor: Option<i64>,
    pub drawer_limit_minor: Option<i64>,
    /// None: any difference is accepted without approval.
    pub tolerance_minor: Option<i64>,
    /// Largest first, in minor units.
    pub denominations_minor: Vec<i64>,
}

impl Default for CashConfig {
    fn default() -> Self {
        let s = |l: &[&str]| l.iter().map(|r| r.to_string()).collect();
        CashConfig {
            pay_in_reasons: s(&["Float top-up", "Other"]),
            pay_out_reasons: s(&["Supplier", "Expenses", "Other"]),
            no_sale_reasons: s(&["Change for a customer", "Check the drawer", "Other"]),
            drawer_warn_minor: None,
            drawer_limit_minor: None,
            tolerance_minor: None,
            denominations_minor: Vec::new(),
        }
    }
}

/// A tank of the gauge and the grade it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TankConfig {
    pub number: u8,
    pub grade: String,
}

/// When a tank's variance warns and when it alarms, as a share of its throughput in percent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thresholds {
    pub warn_percent: Decimal,
    pub alarm_percent: Decimal,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { warn_percent: Decimal::new(5, 1), alarm_percent: Decimal::ONE }
    }
}

fn minor(c: &Currency, key: &str, v: Option<Dec>) -> Result<Option<i64>, Invalid> {
    let Some(Dec(v)) = v else { return Ok(None) };
    match c.to_minor(v) {
        Some(m) if m >= 0 => Ok(Some(m)),
        _ => {
            err(key, format!("'{v}' is not an amount of {} (not negative, at most {} decimals)", c.code, c.minor_units))
        }
    }
}

fn reasons(key: &str, list: Vec<String>, default: Vec<String>) -> Result<Vec<String>, Invalid> {
    if list.is_empty() {
        return Ok(default);
    }
    let mut out: Vec<String> = Vec::new();
    for r in list {
        let r = r.trim().to_string();
        if r.is_empty() || r.chars().count() > 60 {
            return err(key, "every reason is 1 to 60 characters");
        }
        if out.contains(&r) {
            return err(key, format!("'{r}' is given twice"));
        }
        out.push(r);
    }
    Ok(out)
}

pub(super) fn cash(raw: Option<RawCash>, c: &Currency) -> Result<CashConfig, Invalid> {
    let raw = raw.unwrap_or_default();
    let d = CashConfig::default();
    let warn = minor(c, "cash.drawer_warn", raw.drawer_warn)?;
    let limit = minor(c, "cash.drawer_limit", raw.drawer_limit)?;
    if let (Some(w), Some(l)) = (warn, limit) {
        if w >= l {
            return err("cash.drawer_warn", "must be below cash.drawer_limit");
        }
    }
    let mut denominations = Vec::new();
    for (i, v) in raw.denominations.into_iter().enumerate() {
        match c.to_minor(v.0) {
            Some(m) if m > 0 && !denominations.contains(&m) => denominations.push(m),
            _ => {
                return err(
                    format!("cash.denominations[{i}]"),
                    format!("'{}' is not a note or coin of {}", v.0, c.code),
                )
            }
        }
    }
    denominations.sort_unstable_by(|a, b| b.cmp(a));
    Ok(CashConfig {
        pay_in_reasons: reasons("cash.pay_in_reasons", raw.pay_in_reasons, d.pay_in_reasons)?,
        pay_out_reasons: reasons("cash.pay_out_reasons", raw.pay_out_reasons, d.pay_out_reasons)?,
        no_sale_reasons: reasons("cash.no_sale_reasons", raw.no_sale_reasons, d.no_sale_reasons)?,
        drawer_warn_minor: warn,
        drawer_limit_minor: limit,
        tolerance_minor: minor(c, "cash.count_tolerance", raw.count_tolerance)?,
        denominations_minor: denominations,
    })
}

pub(super) fn tanks(raw: Vec<RawTank>, grades: &[String]) -> Result<Vec<TankConfig>, Invalid> {
    let mut out: Vec<TankConfig> = Vec::new();
    for (i, t) in raw.into_iter().enumerate() {
        if t.number == 0 || out.iter().any(|o| o.number == t.number) {
            return err(format!("tanks[{i}].number"), "must be 1 to 255 and given once");
        }
        if !grades.contains(&t.grade) {
            return err(format!("tanks[{i}].grade"), format!("'{}' is not a fuel grade of fuel_grades", t.grade));
        }
        out.push(TankConfig { number: t.number, grade: t.grade });
    }
    Ok(out)
}

pub(super) fn thresholds(raw: Option<RawReconciliation>) -> Result<Thresholds, Invalid> {
    let raw = raw.unwrap_or_default();
    let d = Thresholds::default();
    let warn = raw.warn_percent.map(|v| v.0).unwrap_or(d.warn_percent);
    let alarm = raw.alarm_percent.map(|v| v.0).unwrap_or(d.alarm_percent);
    if warn <= Decimal::ZERO || alarm <= warn || alarm > Decimal::from(100) {
        return err("reconciliation", "needs 0 < warn_percent < alarm_percent <= 100");
    }
    Ok(Thresholds { warn_percent: warn, alarm_percent: alarm })
}
