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

/// What the receipt's tax summary groups by: the component's name and rate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaxKey {
    pub name: String,
    pub rate: String,
}

/// Splits a line amount into its net amount (returned) and its unrounded tax per component
/// (written to `out`, in component order).
///
/// `amount` is the line amount after discounts, as priced (gross if prices include tax);
/// `qty` is used by per-unit components. Each component is an affine function of the net
/// amount, so the net amount of a tax-inclusive price is found exactly by one division.
pub fn line_tax(
    class: &TaxClass,
    amount: Decimal,
    qty: Decimal,
    prices_include_tax: bool,
    out: &mut Vec<Decimal>,
) -> Decimal {
    // Each component's tax is alpha * net + beta; (sum_alpha, sum_beta) is their running sum.
    out.clear();
    let mut parts: [(Decimal, Decimal); 8] = [(Decimal::ZERO, Decimal::ZERO); 8];
    let (mut sum_alpha, mut sum_beta) = (Decimal::ZERO, Decimal::ZERO);
    for (i, c) in class.components.iter().enumerate() {
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
        if let Some(slot) = parts.get_mut(i) {
            *slot = (alpha, beta);
        }
    }
    let net = if prices_include_tax { (amount - sum_beta) / (Decimal::ONE + sum_alpha) } else { amount };
    out.extend(parts.iter().take(class.components.len()).map(|(alpha, beta)| *alpha * net + *beta));
    net
}

/// Most components a tax class may have.
pub const MAX_COMPONENTS: usize = 8;

/// One row of the receipt's tax summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxRow {
    pub name: String,
    pub rate: String,
    pub amount: Decimal,
}

/// Adds up a ticket's taxes: per class and component while the lines come in (rounded per line
/// or not, as the policy says), then per name and rate, rounded once. The ticket's tax total is
/// the sum of the rows.
pub struct TaxSummary<'a> {
    currency: &'a Currency,
    policy: &'a TaxPolicy,
    per_class: Vec<(&'a TaxClass, Vec<Decimal>)>,
    scratch: Vec<Decimal>,
}

impl<'a> TaxSummary<'a> {
    pub fn new(currency: &'a Currency, policy: &'a TaxPolicy) -> Self {
        TaxSummary { currency, policy, per_class: Vec::new(), scratch: Vec::with_capacity(MAX_COMPONENTS) }
    }

    /// Adds one line; returns its net amount (unrounded).
    pub fn add(&mut self, class: &'a TaxClass, amount: Decimal, qty: Decimal) -> Decimal {
        let net = line_tax(class, amount, qty, self.policy.prices_include_tax, &mut self.scratch);
        let i = match self.per_class.iter().position(|(c, _)| std::ptr::eq(*c, class)) {
            Some(i) => i,
            None => {
                self.per_class.push((class, vec![Decimal::ZERO; class.components.len()]));
                self.per_class.len() - 1
            }
        };
        let sums = &mut self.per_class[i].1;
        for (sum, t) in sums.iter_mut().zip(&self.scratch) {
            *sum += match self.policy.rounding {
                TaxRounding::PerLine => self.currency.round(*t, self.policy.rule),
                TaxRounding::PerTicket => *t,
            };
        }
        net
    }

    /// The summary rows, by name and rate.
    pub fn rows(self) -> Vec<TaxRow> {
        let mut buckets: BTreeMap<TaxKey, Decimal> = BTreeMap::new();
        for (class, sums) in &self.per_class {
            for (c, sum) in class.components.iter().zip(sums) {
                *buckets.entry(TaxKey { name: c.name.clone(), rate: c.rate_label() }).or_default() += *sum;
            }
        }
        buckets
            .into_iter()
            .map(|(k, amount)| TaxRow {
                name: k.name,
                rate: k.rate,
                amount: self.currency.round(amount, self.policy.rule),
            })
            .collect()
    }
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
        let gst = TaxClass {
            code: "GST18".into(),
            name: "GST 18%".into(),
            components: vec![pct("CGST", dec!(9)), pct("SGST", dec!(9))],
        };
        let mut t = Vec::new();
        assert_eq!(line_tax(&gst, dec!(100), dec!(1), false, &mut t), dec!(100));
        assert_eq!(t, [dec!(9), dec!(9)]);
        // Inclusive: 118 contains 100 net plus 9 + 9.
        assert_eq!(line_tax(&gst, dec!(118), dec!(1), true, &mut t), dec!(100));
        assert_eq!(t, [dec!(9), dec!(9)]);
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
        let mut t = Vec::new();
        line_tax(&fuel, dec!(100), dec!(40), false, &mut t);
        assert_eq!(t, [dec!(26.18), dec!(23.9742)]); // 19 % of 126.18
                                                     // Inclusive: the same gross amount splits back into the same parts.
        let gross = dec!(100) + dec!(26.18) + dec!(23.9742);
        assert_eq!(line_tax(&fuel, gross, dec!(40), true, &mut t), dec!(100));
        assert_eq!(t[1], dec!(23.9742));
    }

    #[test]
    fn per_line_and_per_ticket_rounding_differ_and_rows_sum_to_total() {
        let vat = TaxClass { code: "A".into(), name: "VAT".into(), components: vec![pct("VAT", dec!(19))] };
        // Three lines of 0.10 net: 0.019 each. Per line: 0.02 * 3 = 0.06; per ticket: 0.057 -> 0.06.
        // Three lines of 0.05 net: 0.0095 each. Per line: 0.01 * 3 = 0.03; per ticket: 0.0285 -> 0.03.
        // Two lines of 0.13 net: 0.0247 each. Per line 0.02 * 2 = 0.04; per ticket 0.0494 -> 0.05.
        let cur = inr();
        let per_line =
            TaxPolicy { prices_include_tax: false, rounding: TaxRounding::PerLine, rule: RoundingRule::HalfUp };
        let per_ticket = TaxPolicy { rounding: TaxRounding::PerTicket, ..per_line.clone() };
        let rows = |policy: &TaxPolicy| {
            let mut s = TaxSummary::new(&cur, policy);
            s.add(&vat, dec!(0.13), dec!(1));
            s.add(&vat, dec!(0.13), dec!(1));
            s.rows()
        };
        assert_eq!(rows(&per_line)[0].amount, dec!(0.04));
        assert_eq!(rows(&per_ticket)[0].amount, dec!(0.05));
        assert_eq!(rows(&per_ticket)[0].rate, "19%");
    }
}
