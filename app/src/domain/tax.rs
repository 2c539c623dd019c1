//! Taxes: tax classes made of one or more components (CGST 9% + SGST 9%; a per-litre excise
//! plus VAT on top), tax-inclusive or tax-exclusive prices, rounding per line or per ticket.
//!
//! The ticket's tax total is by construction the sum of the summary rows printed on the receipt.

use super::money::{Currency, RoundingRule};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a component is charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxBasis {
    /// A percentage of the taxable amount (19 means 19 %).
    Percent(Decimal),
    /// A fixed amount per unit sold (per litre of fuel, per kg).
    PerUnit(Decimal),
}

/// One component of a tax class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxComponent {
    pub name: String,
    pub basis: TaxBasis,
    /// A compound percentage is charged on the amount plus the components before it
    /// (VAT on top of a fuel excise).
    pub compound: bool,
}

impl TaxComponent {
    /// The rate as printed in the tax summary: "19%" or "0.6545/unit".
    pub fn rate_label(&self) -> String {
        match &self.basis {
            TaxBasis::Percent(r) => format!("{}%", r.normalize()),
            TaxBasis::PerUnit(a) => format!("{}/unit", a.normalize()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxClass {
    pub code: String,
    pub name: String,
    pub components: Vec<TaxComponent>,
}

/// Whether taxes are rounded on every line or once per ticket and rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaxRounding {
    PerLine,
    PerTicket,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxPolicy {
    pub prices_include_tax: bool,
    pub rounding: TaxRounding,
    pub rule: RoundingRule,
}

/// The unrounded tax of one line, per component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineTax {
    /// The line's amount without any tax (unrounded).
    pub net: Decimal,
    /// (summary key, unrounded amount) in component order.
    pub components: Vec<(TaxKey, Decimal)>,
}

/// What the receipt's tax summary groups by: the component's name and rate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaxKey {
    pub name: String,
    pub rate: String,
}

/// Splits a line amount into net and tax components.
///
/// `amount` is the line amount after discounts, as priced (gross if prices include tax);
/// `qty` is used by per-unit components. Each component is an affine function of the net
/// amount, so the net amount of a tax-inclusive price is found exactly by one division.
pub fn line_tax(class: &TaxClass, amount: Decimal, qty: Decimal, prices_include_tax: bool) -> LineTax {
    // Each component's tax as alpha * net + beta; (sum_alpha, sum_beta) is their running sum.
    let mut parts: Vec<(Decimal, Decimal)> = Vec::with_capacity(class.components.len());
    let (mut sum_alpha, mut sum_beta) = (Decimal::ZERO, Decimal::ZERO);
    for c in &class.components {
        let (alpha, beta) = match (&c.basis, c.compound) {
            (TaxBasis::Percent(r), false) => (*r / Decimal::ONE_HUNDRED, Decimal::ZERO),
            (TaxBasis::Percent(r), true) => {
                let r = *r / Decimal::ONE_HUNDRED;
                (r * (Decimal::ONE + sum_alpha), r * sum_beta)
            }
            (TaxBasis::PerUnit(a), _) => (Decimal::ZERO, *a * qty),
        };
        sum_alpha += alpha;
        sum_beta += beta;
        parts.push((alpha, beta));
    }
    let net = if prices_include_tax { (amount - sum_beta) / (Decimal::ONE + sum_alpha) } else { amount };
    let components = class
        .components
        .iter()
        .zip(parts)
        .map(|(c, (alpha, beta))| (TaxKey { name: c.name.clone(), rate: c.rate_label() }, alpha * net + beta))
        .collect();
    LineTax { net, components }
}

/// One row of the receipt's tax summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxRow {
    pub name: String,
    pub rate: String,
    pub amount: Decimal,
}

/// Rounds the lines' taxes by the policy and sums them per rate. Returns the per-line rounded
/// tax (per-line mode; zero-filled in per-ticket mode) and the summary rows; the tax total is
/// the sum of the rows.
pub fn summarise(lines: &[LineTax], currency: &Currency, policy: &TaxPolicy) -> (Vec<Decimal>, Vec<TaxRow>) {
    let mut buckets: BTreeMap<TaxKey, Decimal> = BTreeMap::new();
    let mut per_line = Vec::with_capacity(lines.len());
    for l in lines {
        let mut line_total = Decimal::ZERO;
        for (key, amount) in &l.components {
            let amount = match policy.rounding {
                TaxRounding::PerLine => currency.round(*amount, policy.rule),
                TaxRounding::PerTicket => *amount,
            };
            line_total += amount;
            *buckets.entry(key.clone()).or_default() += amount;
        }
        per_line.push(match policy.rounding {
            TaxRounding::PerLine => line_total,
            TaxRounding::PerTicket => Decimal::ZERO,
        });
    }
    let rows = buckets
        .into_iter()
        .map(|(k, amount)| TaxRow { name: k.name, rate: k.rate, amount: currency.round(amount, policy.rule) })
        .collect();
    (per_line, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn pct(name: &str, r: Decimal) -> TaxComponent {
        TaxComponent { name: name.into(), basis: TaxBasis::Percent(r), compound: false }
    }

    fn inr() -> Currency {
        Currency { code: "INR".into(), minor_units: 2, cash_increment: None }
    }

    #[test]
    fn gst_split_into_cgst_and_sgst() {
        let gst = TaxClass { code: "GST18".into(), name: "GST 18%".into(), components: vec![pct("CGST", dec!(9)), pct("SGST", dec!(9))] };
        let t = line_tax(&gst, dec!(100), dec!(1), false);
        assert_eq!(t.net, dec!(100));
        assert_eq!(t.components[0].1, dec!(9));
        assert_eq!(t.components[1].1, dec!(9));
        // Inclusive: 118 contains 100 net plus 9 + 9.
        let t = line_tax(&gst, dec!(118), dec!(1), true);
        assert_eq!(t.net, dec!(100));
        assert_eq!(t.components[0].1, dec!(9));
    }

    #[test]
    fn excise_per_litre_with_vat_on_top() {
        // German petrol: 0.6545 EUR/l energy tax, 19 % VAT on price plus energy tax.
        let fuel = TaxClass {
            code: "FUEL".into(),
            name: "Fuel".into(),
            components: vec![
                TaxComponent { name: "Energy tax".into(), basis: TaxBasis::PerUnit(dec!(0.6545)), compound: false },
                TaxComponent { name: "VAT".into(), basis: TaxBasis::Percent(dec!(19)), compound: true },
            ],
        };
        let t = line_tax(&fuel, dec!(100), dec!(40), false);
        assert_eq!(t.components[0].1, dec!(26.18));
        assert_eq!(t.components[1].1, dec!(23.9742)); // 19 % of 126.18
        // Inclusive: the same gross amount splits back into the same parts.
        let gross = dec!(100) + dec!(26.18) + dec!(23.9742);
        let t = line_tax(&fuel, gross, dec!(40), true);
        assert_eq!(t.net, dec!(100));
        assert_eq!(t.components[1].1, dec!(23.9742));
    }

    #[test]
    fn per_line_and_per_ticket_rounding_differ_and_rows_sum_to_total() {
        let vat = TaxClass { code: "A".into(), name: "VAT".into(), components: vec![pct("VAT", dec!(19))] };
        // Three lines of 0.10 net: 0.019 each. Per line: 0.02 * 3 = 0.06; per ticket: 0.057 -> 0.06.
        // Three lines of 0.05 net: 0.0095 each. Per line: 0.01 * 3 = 0.03; per ticket: 0.0285 -> 0.03.
        // Two lines of 0.13 net: 0.0247 each. Per line 0.02 * 2 = 0.04; per ticket 0.0494 -> 0.05.
        let lines: Vec<LineTax> = (0..2).map(|_| line_tax(&vat, dec!(0.13), dec!(1), false)).collect();
        let cur = inr();
        let per_line = TaxPolicy { prices_include_tax: false, rounding: TaxRounding::PerLine, rule: RoundingRule::HalfUp };
        let per_ticket = TaxPolicy { rounding: TaxRounding::PerTicket, ..per_line.clone() };
        let (pl, rows) = summarise(&lines, &cur, &per_line);
        assert_eq!(rows[0].amount, dec!(0.04));
        assert_eq!(pl.iter().copied().sum::<Decimal>(), dec!(0.04));
        let (_, rows) = summarise(&lines, &cur, &per_ticket);
        assert_eq!(rows[0].amount, dec!(0.05));
        assert_eq!(rows[0].rate, "19%");
    }
}
