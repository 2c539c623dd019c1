//! The X and Z reports: the figures of a terminal's day as the store adds them up (minor units,
//! exact), made into the report a manager reads, prints and exports. Nothing here reads the
//! store or the clock; the same figures always make the same report.

use super::cash::MovementKind;
use super::catalog::FuelGrade;
use super::money::Currency;
use super::ticket::Pricing;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Lines of one kind, SKU, tax class and category, added up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineGroup {
    pub kind: String,
    pub sku: String,
    pub tax_class: String,
    pub category: String,
    /// Line amounts after the line's and the ticket's discounts.
    pub net_minor: i64,
    pub count: i64,
}

/// One drawer session as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawerFigures {
    pub shift_id: i64,
    pub user: String,
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub close_kind: Option<String>,
    pub float_minor: i64,
    /// What the drawer should hold per tender now (or held when it closed).
    pub expected: Vec<(String, i64)>,
    /// The latest count per tender: (method, counted, expected when counted).
    pub counted: Vec<(String, i64, i64)>,
    pub counts: i64,
    pub approved_by: Option<String>,
}

/// Everything the store adds up for a report. Amounts in minor units; litres exact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub drawers: Vec<DrawerFigures>,
    pub sales: (i64, i64),
    pub refunds: (i64, i64),
    pub first_receipt: Option<i64>,
    pub last_receipt: Option<i64>,
    pub tax_minor: i64,
    pub discounts: (i64, i64),
    pub voids: (i64, i64),
    pub cash_rounding_minor: i64,
    pub lines: Vec<LineGroup>,
    /// (name, rate, amount) of the stored tax rows.
    pub taxes: Vec<(String, String, i64)>,
    /// (method, taken on sales, paid back on refunds (negative)), change given is in cash.
    pub payments: Vec<(String, i64, i64)>,
    pub change_minor: i64,
    /// (grade, litres, sign of the sale: 1 or -1).
    pub fuel_litres: Vec<(String, Decimal)>,
    pub movements: Vec<(MovementKind, i64, i64)>,
    /// Journaled events of the day that the report counts: (kind, payload).
    pub events: Vec<(String, serde_json::Value)>,
    /// (at, terminal's total, till's total, count) of each card terminal end-of-day.
    pub card_days: Vec<(String, i64, i64, i64)>,
    /// (hour of the day on the terminal's clock, sales, total).
    pub hourly: Vec<(u8, i64, i64)>,
    /// Meters, tanks and litres for the fuel reconciliation (the terminal's reports only).
    pub fuel: super::fuel::FuelFigures,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountAmount {
    pub count: i64,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxLine {
    pub name: String,
    pub rate: String,
    /// What was sold at this rate, tax included.
    pub gross: Decimal,
    pub net: Decimal,
    pub tax: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenderLine {
    pub method: String,
    pub sales: Decimal,
    pub refunds: Decimal,
    /// Taken less paid back (cash less change given).
    pub net: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedAmount {
    pub name: String,
    pub count: i64,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeLine {
    pub grade: String,
    pub name: String,
    pub litres: Decimal,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovementLine {
    pub kind: MovementKind,
    pub count: i64,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillsNotSold {
    pub count: i64,
    pub litres: Decimal,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenderCount {
    pub method: String,
    pub expected: Decimal,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub counted: Option<Decimal>,
    /// counted - expected: negative when short.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub difference: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawerLine {
    pub shift_id: i64,
    pub user: String,
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub close_kind: Option<String>,
    pub float: Decimal,
    pub tenders: Vec<TenderCount>,
    /// How many times the drawer was counted (every count is kept).
    pub counts: i64,
    pub approved_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardDayLine {
    pub at: String,
    pub terminal: Decimal,
    pub till: Decimal,
    pub difference: Decimal,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourLine {
    pub hour: u8,
    pub sales: i64,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipts {
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub sales: i64,
    pub refunds: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub sales: Decimal,
    pub refunds: Decimal,
    /// sales + refunds (refunds are negative).
    pub net: Decimal,
    pub tax: Decimal,
    pub cash_rounding: Decimal,
}

/// A day's report: an X (any time, changes nothing) or a Z (ends the day, numbered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayReport {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub z_no: Option<i64>,
    pub terminal_id: String,
    pub currency: String,
    pub at: String,
    /// When it covers one cashier's own drawer sessions and sales.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user: Option<String>,
    pub receipts: Receipts,
    pub totals: Totals,
    pub taxes: Vec<TaxLine>,
    pub tenders: Vec<TenderLine>,
    pub categories: Vec<NamedAmount>,
    pub grades: Vec<GradeLine>,
    pub discounts: CountAmount,
    pub voids: CountAmount,
    /// Discounts above the cashier's limit that a manager gave.
    pub overrides: i64,
    pub cancelled_tickets: i64,
    pub movements: Vec<MovementLine>,
    pub drive_offs: FillsNotSold,
    pub pump_tests: FillsNotSold,
    pub drawers: Vec<DrawerLine>,
    /// Expected, counted and over/short per tender, over the drawers that were counted.
    pub over_short: Vec<TenderCount>,
    pub card_terminal: Vec<CardDayLine>,
    pub hourly: Vec<HourLine>,
    /// Meters against sales and tanks against book stock, when the day has readings.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fuel: Option<super::fuel::FuelRecon>,
}

/// The tanks (number, grade) and the variance thresholds (percent: warning, alarm).
pub struct FuelSetup<'a> {
    pub tanks: &'a [(u8, String)],
    pub warn: Decimal,
    pub alarm: Decimal,
}

/// Who and what a report is for.
pub struct ReportHead {
    pub kind: String,
    pub z_no: Option<i64>,
    pub terminal_id: String,
    pub at: String,
    pub user: Option<String>,
}

fn money(c: &Currency, minor: i64) -> Decimal {
    c.from_minor(minor)
}

/// The category of a stored line: the product's, "Fuel" for fuel and "Prepayments" for money
/// paid ahead for a pump.
fn category_of(g: &LineGroup, grades: &[FuelGrade]) -> String {
    match g.kind.as_str() {
        "fuel" => "Fuel".into(),
        "prepay" => "Prepayments".into(),
        _ if g.category.is_empty() && grades.iter().any(|f| f.code == g.sku) => "Fuel".into(),
        _ if g.category.is_empty() && g.sku.starts_with("PREPAY-") => "Prepayments".into(),
        _ if g.category.is_empty() => "Other".into(),
        _ => g.category.clone(),
    }
}

fn fills(c: &Currency, events: &[(String, serde_json::Value)], kind: &str) -> FillsNotSold {
    let mut out = FillsNotSold { count: 0, litres: Decimal::ZERO, amount: Decimal::ZERO };
    for (_, e) in events.iter().filter(|(k, _)| k == kind) {
        let num = |key: &str| e.get(key).and_then(|v| v.as_str()).and_then(|s| s.parse::<Decimal>().ok());
        out.count += 1;
        out.litres += num("litres").unwrap_or_default();
        out.amount += num("amount").unwrap_or_default();
    }
    out.amount.rescale(c.minor_units);
    out
}

impl DayReport {
    pub fn build(
        head: ReportHead,
        f: &Figures,
        pricing: &Pricing,
        grades: &[FuelGrade],
        fuel: &FuelSetup,
    ) -> DayReport {
        let c = &pricing.currency;
        let m = |v: i64| money(c, v);
        // Gross per tax class, then per rate: a line counts towards each rate of its class.
        let mut by_class: BTreeMap<&str, i64> = BTreeMap::new();
        let mut by_category: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for g in &f.lines {
            *by_class.entry(g.tax_class.as_str()).or_default() += g.net_minor;
            let e = by_category.entry(category_of(g, grades)).or_default();
            e.0 += g.count;
            e.1 += g.net_minor;
        }
        let include = pricing.tax.prices_include_tax;
        let mut taxes: Vec<TaxLine> = f
            .taxes
            .iter()
            .map(|(name, rate, tax)| {
                let base: i64 = by_class
                    .iter()
                    .filter(|(class, _)| {
                        pricing.tax_classes.get(**class).is_some_and(|tc| {
                            tc.components.iter().any(|comp| &comp.name == name && &comp.rate_label() == rate)
                        })
                    })
                    .map(|(_, v)| *v)
                    .sum();
                let (gross, net) = if include { (base, base - tax) } else { (base + tax, base) };
                TaxLine { name: name.clone(), rate: rate.clone(), gross: m(gross), net: m(net), tax: m(*tax) }
            })
            .collect();
        taxes.sort_by(|a, b| (&a.name, &a.rate).cmp(&(&b.name, &b.rate)));
        let mut litres: BTreeMap<&str, Decimal> = BTreeMap::new();
        for (grade, l) in &f.fuel_litres {
            *litres.entry(grade.as_str()).or_default() += *l;
        }
        let mut grade_amounts: BTreeMap<&str, i64> = BTreeMap::new();
        for g in f.lines.iter().filter(|g| grades.iter().any(|fg| fg.code == g.sku)) {
            *grade_amounts.entry(g.sku.as_str()).or_default() += g.net_minor;
        }
        let grades_out = grades
            .iter()
            .filter(|g| litres.contains_key(g.code.as_str()) || grade_amounts.contains_key(g.code.as_str()))
            .map(|g| GradeLine {
                grade: g.code.clone(),
                name: g.name.clone(),
                litres: litres.get(g.code.as_str()).copied().unwrap_or_default().normalize(),
                amount: m(grade_amounts.get(g.code.as_str()).copied().unwrap_or_default()),
            })
            .collect();
        let tenders = f
            .payments
            .iter()
            .map(|(method, sales, refunds)| {
                let change = if method == "cash" { f.change_minor } else { 0 };
                TenderLine {
                    method: method.clone(),
                    sales: m(sales - change),
                    refunds: m(*refunds),
                    net: m(sales - change + refunds),
                }
            })
            .collect();
        let movements = MovementKind::ALL
            .iter()
            .map(|k| {
                let (count, amount) =
                    f.movements.iter().find(|(mk, _, _)| mk == k).map(|(_, n, a)| (*n, *a)).unwrap_or((0, 0));
                MovementLine { kind: *k, count, amount: m(amount) }
            })
            .collect();
        let drawers: Vec<DrawerLine> = f.drawers.iter().map(|d| drawer_line(c, d)).collect();
        let over_short = over_short(c, &f.drawers);
        let count_of = |kind: &str| f.events.iter().filter(|(k, _)| k == kind).count() as i64;
        DayReport {
            kind: head.kind,
            z_no: head.z_no,
            terminal_id: head.terminal_id,
            currency: c.code.clone(),
            at: head.at,
            user: head.user,
            receipts: Receipts { first: f.first_receipt, last: f.last_receipt, sales: f.sales.0, refunds: f.refunds.0 },
            totals: Totals {
                sales: m(f.sales.1),
                refunds: m(f.refunds.1),
                net: m(f.sales.1 + f.refunds.1),
                tax: m(f.tax_minor),
                cash_rounding: m(f.cash_rounding_minor),
            },
            taxes,
            tenders,
            categories: by_category
                .into_iter()
                .map(|(name, (count, amount))| NamedAmount { name, count, amount: m(amount) })
                .collect(),
            grades: grades_out,
            discounts: CountAmount { count: f.discounts.0, amount: m(f.discounts.1) },
            voids: CountAmount { count: f.voids.0, amount: m(f.voids.1) },
            overrides: count_of("discount_override"),
            cancelled_tickets: count_of("ticket_cancelled"),
            movements,
            drive_offs: fills(c, &f.events, "drive_off"),
            pump_tests: fills(c, &f.events, "pump_test"),
            drawers,
            over_short,
            card_terminal: f
                .card_days
                .iter()
                .map(|(at, t, till, count)| CardDayLine {
                    at: at.clone(),
                    terminal: m(*t),
                    till: m(*till),
                    difference: m(t - till),
                    count: *count,
                })
                .collect(),
            hourly: f.hourly.iter().map(|(hour, n, a)| HourLine { hour: *hour, sales: *n, amount: m(*a) }).collect(),
            fuel: (!f.fuel.meter_first.is_empty() || !f.fuel.tank_first.is_empty())
                .then(|| super::fuel::FuelRecon::build(&f.fuel, fuel.tanks, fuel.warn, fuel.alarm)),
        }
    }
}

fn drawer_line(c: &Currency, d: &DrawerFigures) -> DrawerLine {
    let tenders = d
        .expected
        .iter()
        .map(|(method, expected)| {
            let counted = d.counted.iter().find(|(cm, _, _)| cm == method);
            // A closed drawer is judged by what was expected when it was counted.
            let expected = counted.map(|(_, _, e)| *e).unwrap_or(*expected);
            TenderCount {
                method: method.clone(),
                expected: c.from_minor(expected),
                counted: counted.map(|(_, n, _)| c.from_minor(*n)),
                difference: counted.map(|(_, n, e)| c.from_minor(n - e)),
            }
        })
        .collect();
    DrawerLine {
        shift_id: d.shift_id,
        user: d.user.clone(),
        opened_at: d.opened_at.clone(),
        closed_at: d.closed_at.clone(),
        close_kind: d.close_kind.clone(),
        float: c.from_minor(d.float_minor),
        tenders,
        counts: d.counts,
        approved_by: d.approved_by.clone(),
    }
}

fn over_short(c: &Currency, drawers: &[DrawerFigures]) -> Vec<TenderCount> {
    let mut sums: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for d in drawers {
        for (method, counted, expected) in &d.counted {
            let e = sums.entry(method.as_str()).or_default();
            e.0 += expected;
            e.1 += counted;
        }
    }
    sums.into_iter()
        .map(|(method, (expected, counted))| TenderCount {
            method: method.to_string(),
            expected: c.from_minor(expected),
            counted: Some(c.from_minor(counted)),
            difference: Some(c.from_minor(counted - expected)),
        })
        .collect()
}

/// Every figure of a report as (path, value), in the report's order.
pub fn flatten(v: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                flatten(v, &p, out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                flatten(v, &format!("{path}[{i}]"), out);
            }
        }
        serde_json::Value::Null => out.push((path.to_string(), String::new())),
        serde_json::Value::String(s) => out.push((path.to_string(), s.clone())),
        other => out.push((path.to_string(), other.to_string())),
    }
}
