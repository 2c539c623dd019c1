//! The ticket (basket): lines, discounts, age checks, tender, change, and refunds.
//!
//! Everything here is pure: a ticket plus a [`Pricing`] gives [`Totals`]; a tender either
//! completes the ticket into a [`Settlement`] or records a partial payment. Nothing here
//! touches a clock, a file or a device.

use super::catalog::Unit;
use super::money::{Currency, RoundingRule};
use super::tax::{self, TaxClass, TaxPolicy, TaxRow};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use thiserror::Error;

use super::line::check_qty;
pub use super::line::{MAX_PAYMENT, MAX_QTY};

/// Everything needed to price a ticket, taken from the configuration.
#[derive(Debug, Clone)]
pub struct Pricing {
    pub currency: Currency,
    /// Rounding of quantity x unit price and of percentage discounts.
    pub line_rule: RoundingRule,
    /// Rounding of the cash part of a payment to the cash increment.
    pub cash_rule: RoundingRule,
    pub tax: TaxPolicy,
    pub tax_classes: HashMap<String, TaxClass>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TicketError {
    #[error("line {0} does not exist")]
    NoSuchLine(usize),
    #[error("line {0} is already voided")]
    AlreadyVoided(usize),
    #[error("quantity {qty} is not valid for an item sold by '{unit}': {why}")]
    BadQuantity { qty: Decimal, unit: Unit, why: &'static str },
    #[error("the discount must be more than 0 and at most {max}")]
    BadDiscount { max: Decimal },
    #[error("the amount {0} has more decimals than the currency allows")]
    NotExact(Decimal),
    #[error("the amount must be more than zero")]
    NotPositive,
    #[error("the amount {0} is larger than any single payment can be")]
    TooLarge(Decimal),
    #[error("the ticket would come to more than any amount Till takes ({max})")]
    TicketTooLarge { max: Decimal },
    #[error("the ticket is empty")]
    Empty,
    #[error("age-restricted items (minimum age {0}) need an age confirmation before tender")]
    AgeNotConfirmed(u8),
    #[error("a card payment of {amount} is more than the {due} due; change is given only from cash")]
    CardOverDue { amount: Decimal, due: Decimal },
    #[error("a payment has been taken; finish the tender or cancel the ticket before changing it")]
    Locked,
    #[error("tax class '{0}' is not configured")]
    UnknownTaxClass(String),
    #[error("nothing on the ticket needs an age confirmation")]
    NoAgeRestriction,
    #[error("the pump's amount {amount} does not match its volume and price ({computed})")]
    PumpMismatch { amount: Decimal, computed: Decimal },
}

/// A discount as entered: a percentage or an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Discount {
    Percent(Decimal),
    Amount(Decimal),
}

/// What a line sells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LineKind {
    Shop,
    /// A fuel fill; `qty` is the volume in litres; `pump` when it came from a pump.
    Fuel {
        grade: String,
        pump: Option<u8>,
    },
    /// A variable-measure code with the price printed in it (`qty` is 1, the price is fixed).
    EmbeddedPrice,
    /// Money paid in advance for a pump's next filling (untaxed: the fuel is taxed when the
    /// filling is settled).
    Prepay {
        pump: u8,
    },
    /// A refunded line of an earlier sale.
    Refund {
        receipt_no: i64,
        line: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub sku: String,
    pub name: String,
    pub unit: Unit,
    pub qty: Decimal,
    pub unit_price: Decimal,
    /// Set when the amount is not qty x unit price (embedded price, refund of an earlier line).
    pub fixed_amount: Option<Decimal>,
    pub tax_class: String,
    pub age_restriction: Option<u8>,
    pub kind: LineKind,
    pub discount: Option<Discount>,
    pub voided: bool,
}

/// How a payment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Cash,
    Card,
    /// A QR wallet payment through the configured provider (QRIS, UPI).
    Qr,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Cash => "cash",
            Method::Card => "card",
            Method::Qr => "qr",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub method: Method,
    /// The amount handed over (cash) or charged (card); negative when paid out on a refund.
    pub amount: Decimal,
    /// The card terminal's payment it stands for (its intent id in the store).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_intent: Option<i64>,
}

/// The priced state of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineTotals {
    /// qty x unit price (or the fixed amount), rounded.
    pub gross: Decimal,
    /// The line's own discount.
    pub discount: Decimal,
    /// gross - discount: what the line shows.
    pub amount: Decimal,
    /// The line's share of the ticket discount.
    pub ticket_discount_share: Decimal,
}

/// A priced ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// One per line, voided lines included (all zero).
    pub lines: Vec<LineTotals>,
    /// Sum of the line amounts.
    pub subtotal: Decimal,
    /// The ticket-level discount.
    pub discount: Decimal,
    pub tax: Vec<TaxRow>,
    pub tax_total: Decimal,
    /// What the customer owes: subtotal - discount (+ tax when prices exclude tax).
    pub total: Decimal,
}

/// A completed tender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settlement {
    pub totals: Totals,
    pub payments: Vec<Payment>,
    /// Cash rounding applied to the cash part (cash due minus the exact due), signed.
    pub cash_rounding: Decimal,
    pub paid: Decimal,
    pub change: Decimal,
}

/// The outcome of one tender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenderOutcome {
    /// More is due.
    Partial {
        remaining: Decimal,
    },
    Complete(Settlement),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub lines: Vec<Line>,
    pub discount: Option<Discount>,
    pub payments: Vec<Payment>,
    /// Highest minimum age the cashier has confirmed for this ticket.
    pub age_confirmed: u8,
    /// A manager's approval of the discounts on this ticket, bound to what was approved.
    #[serde(default)]
    pub approval: Option<Approval>,
}

/// A discount approved above the cashier's limit: valid only while the ticket's discounts are
/// neither a larger share of its undiscounted amount nor a larger amount than approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub approver_id: i64,
    /// The discounts' share of the undiscounted subtotal, in percent, when approved.
    pub percent: Decimal,
    /// The discounts' amount when approved.
    pub amount: Decimal,
}

/// All the discounts on a ticket together: line discounts and the ticket discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscountShare {
    pub amount: Decimal,
    /// `amount` as a percentage of the undiscounted subtotal (0 when there is nothing to discount).
    pub percent: Decimal,
    /// What the percentage is of.
    pub base: Decimal,
    /// How many discounts (lines' and the ticket's) make it up.
    pub count: u32,
}

impl Approval {
    /// Whether this approval still covers the ticket's discounts: no larger amount, and no
    /// larger share than approved, give or take the rounding of each discount to the minor
    /// unit (a percentage discount on fewer items may round up by less than one minor unit).
    pub fn covers(&self, share: DiscountShare, minor_unit: Decimal) -> bool {
        if share.amount > self.amount {
            return false;
        }
        if share.percent <= self.percent {
            return true;
        }
        let rounding = minor_unit * Decimal::from(share.count);
        share.base > Decimal::ZERO && (share.amount - rounding) * Decimal::ONE_HUNDRED / share.base <= self.percent
    }
}

/// The ticket's discounts as a share of what its lines came to before any discount.
pub fn discount_share(totals: &Totals) -> DiscountShare {
    let base: Decimal = totals.lines.iter().map(|l| l.gross).filter(|g| *g > Decimal::ZERO).sum();
    let amount: Decimal = totals.lines.iter().map(|l| l.discount).sum::<Decimal>() + totals.discount;
    let percent = if base > Decimal::ZERO { amount * Decimal::ONE_HUNDRED / base } else { Decimal::ZERO };
    let count = totals.lines.iter().filter(|l| !l.discount.is_zero()).count() + usize::from(!totals.discount.is_zero());
    DiscountShare { amount, percent, base, count: u32::try_from(count).unwrap_or(u32::MAX) }
}

impl Ticket {
    pub fn is_empty(&self) -> bool {
        self.lines.iter().all(|l| l.voided)
    }

    fn unlocked(&self) -> Result<(), TicketError> {
        if self.payments.is_empty() {
            Ok(())
        } else {
            Err(TicketError::Locked)
        }
    }

    /// Adds a line and returns its number (1-based).
    pub fn add(&mut self, line: Line) -> Result<usize, TicketError> {
        self.unlocked()?;
        self.lines.push(line);
        Ok(self.lines.len())
    }

    fn line_mut(&mut self, no: usize) -> Result<&mut Line, TicketError> {
        no.checked_sub(1).and_then(|i| self.lines.get_mut(i)).ok_or(TicketError::NoSuchLine(no))
    }

    /// Marks a line voided; it stays on the ticket and in the journal.
    pub fn void_line(&mut self, no: usize) -> Result<(), TicketError> {
        self.unlocked()?;
        let line = self.line_mut(no)?;
        if line.voided {
            return Err(TicketError::AlreadyVoided(no));
        }
        line.voided = true;
        Ok(())
    }

    pub fn set_qty(&mut self, no: usize, qty: Decimal) -> Result<(), TicketError> {
        self.unlocked()?;
        let line = self.line_mut(no)?;
        if line.voided {
            return Err(TicketError::AlreadyVoided(no));
        }
        if line.fixed_amount.is_some() {
            let why = match line.kind {
                LineKind::Fuel { pump: Some(_), .. } => "the pump measured this fill",
                LineKind::Prepay { .. } => "a prepayment is an amount",
                _ => "the item's price is printed on its code",
            };
            return Err(TicketError::BadQuantity { qty, unit: line.unit, why });
        }
        check_qty(qty, line.unit)?;
        line.qty = qty.normalize();
        Ok(())
    }

    /// Sets a line discount after checking it against the line's amount. `percent_of` returns
    /// the discount as a percentage of what it applies to, for the caller's role limit.
    pub fn set_line_discount(&mut self, no: usize, d: Discount, p: &Pricing) -> Result<Decimal, TicketError> {
        self.unlocked()?;
        let line = self.line_mut(no)?;
        if line.voided {
            return Err(TicketError::AlreadyVoided(no));
        }
        let gross = line_gross(line, p)?;
        let pct = discount_percent(d, gross, &p.currency)?;
        line.discount = Some(d);
        Ok(pct)
    }

    /// Sets the ticket discount; returns it as a percentage of the subtotal.
    pub fn set_ticket_discount(&mut self, d: Discount, p: &Pricing) -> Result<Decimal, TicketError> {
        self.unlocked()?;
        let subtotal = self.totals(p)?.subtotal;
        let pct = discount_percent(d, subtotal, &p.currency)?;
        self.discount = Some(d);
        Ok(pct)
    }

    /// Whether the completed fill of `pump` is on this ticket (on a line not voided).
    pub fn holds_fill_of(&self, pump: u8) -> bool {
        self.lines.iter().any(|l| !l.voided && matches!(l.kind, LineKind::Fuel { pump: Some(p), .. } if p == pump))
    }

    /// Whether a prepayment for `pump` is on this ticket (on a line not voided).
    pub fn holds_prepay_of(&self, pump: u8) -> bool {
        self.lines.iter().any(|l| !l.voided && matches!(l.kind, LineKind::Prepay { pump: p } if p == pump))
    }

    /// The pumps whose fills are on this ticket (lines not voided), in line order.
    pub fn fill_pumps(&self) -> Vec<u8> {
        self.lines
            .iter()
            .filter(|l| !l.voided)
            .filter_map(|l| match l.kind {
                LineKind::Fuel { pump: Some(p), .. } => Some(p),
                _ => None,
            })
            .collect()
    }

    /// Minimum age required by the items on the ticket (0 when none is restricted).
    pub fn required_age(&self) -> u8 {
        self.lines.iter().filter(|l| !l.voided).filter_map(|l| l.age_restriction).max().unwrap_or(0)
    }

    pub fn confirm_age(&mut self) -> Result<u8, TicketError> {
        let age = self.required_age();
        if age == 0 {
            return Err(TicketError::NoAgeRestriction);
        }
        self.age_confirmed = age;
        Ok(age)
    }

    /// Prices the ticket.
    pub fn totals(&self, p: &Pricing) -> Result<Totals, TicketError> {
        let cur = &p.currency;
        let mut lines = Vec::with_capacity(self.lines.len());
        for l in &self.lines {
            if l.voided {
                lines.push(LineTotals {
                    gross: Decimal::ZERO,
                    discount: Decimal::ZERO,
                    amount: Decimal::ZERO,
                    ticket_discount_share: Decimal::ZERO,
                });
                continue;
            }
            let gross = line_gross(l, p)?;
            if gross.abs() > MAX_PAYMENT {
                return Err(TicketError::TicketTooLarge { max: MAX_PAYMENT });
            }
            let discount = match l.discount {
                None => Decimal::ZERO,
                Some(d) => discount_value(d, gross, p).min(gross),
            };
            lines.push(LineTotals { gross, discount, amount: gross - discount, ticket_discount_share: Decimal::ZERO });
        }
        // Every line is at most MAX_PAYMENT; the sum is checked, and so is the ticket's size.
        let subtotal = lines
            .iter()
            .try_fold(Decimal::ZERO, |s, l| s.checked_add(l.amount))
            .filter(|s| s.abs() <= MAX_PAYMENT)
            .ok_or(TicketError::TicketTooLarge { max: MAX_PAYMENT })?;
        let discount = match self.discount {
            None => Decimal::ZERO,
            Some(d) => discount_value(d, subtotal, p).min(subtotal).max(Decimal::ZERO),
        };
        allocate(discount, &mut lines, cur);

        let mut summary = tax::TaxSummary::new(cur, &p.tax);
        for (l, t) in self.lines.iter().zip(&lines) {
            if l.voided || l.tax_class.is_empty() {
                // Untaxed lines: money held for a prepaid filling.
                continue;
            }
            let class =
                p.tax_classes.get(&l.tax_class).ok_or_else(|| TicketError::UnknownTaxClass(l.tax_class.clone()))?;
            let signed_qty = if t.gross < Decimal::ZERO { -l.qty } else { l.qty };
            summary.add(class, t.amount - t.ticket_discount_share, signed_qty);
        }
        let tax = summary.rows();
        let tax_total: Decimal = tax.iter().map(|r| r.amount).sum();
        let mut total = subtotal - discount;
        if !p.tax.prices_include_tax {
            total += tax_total;
        }
        Ok(Totals {
            lines,
            subtotal,
            discount,
            tax,
            tax_total: cur.round(tax_total, p.tax.rule),
            total: cur.round(total, p.line_rule),
        })
    }

    /// What is still due before any cash rounding.
    pub fn due(&self, totals: &Totals) -> Decimal {
        totals.total - self.payments.iter().map(|p| p.amount).sum::<Decimal>()
    }

    /// Takes a payment. `amount` of `None` means "exactly what is due" (cash: rounded to the
    /// cash increment). Change is given only from cash; the cash increment rounds only the
    /// cash part.
    pub fn tender(
        &mut self,
        method: Method,
        amount: Option<Decimal>,
        p: &Pricing,
    ) -> Result<TenderOutcome, TicketError> {
        if self.is_empty() {
            return Err(TicketError::Empty);
        }
        let required = self.required_age();
        if required > self.age_confirmed {
            return Err(TicketError::AgeNotConfirmed(required));
        }
        let cur = &p.currency;
        let totals = self.totals(p)?;
        let due = self.due(&totals);
        if let Some(a) = amount {
            if a <= Decimal::ZERO {
                return Err(TicketError::NotPositive);
            }
            if a > MAX_PAYMENT {
                return Err(TicketError::TooLarge(a));
            }
            if !cur.is_exact(a) {
                return Err(TicketError::NotExact(a));
            }
        }
        match method {
            // A card or wallet payment takes what is due, never more (no change is given).
            Method::Card | Method::Qr => {
                let a = amount.unwrap_or(due);
                if a > due {
                    return Err(TicketError::CardOverDue { amount: a, due });
                }
                let mut next = self.clone();
                next.payments.push(Payment { method, amount: cur.round(a, p.line_rule), card_intent: None });
                let remaining = due - a;
                let outcome = if remaining.is_zero() {
                    TenderOutcome::Complete(next.settle(totals, Decimal::ZERO, Decimal::ZERO))
                } else {
                    TenderOutcome::Partial { remaining }
                };
                *self = next;
                Ok(outcome)
            }
            Method::Cash => {
                let cash_due = cur.round_cash(due, p.cash_rule);
                let a = amount.unwrap_or(cash_due);
                let mut next = self.clone();
                let outcome = if a >= cash_due {
                    next.payments.push(Payment { method, amount: cur.round(a, p.line_rule), card_intent: None });
                    let rounding = cash_due - due;
                    let change = a - cash_due;
                    TenderOutcome::Complete(next.settle(totals, rounding, change))
                } else {
                    next.payments.push(Payment { method, amount: a, card_intent: None });
                    TenderOutcome::Partial { remaining: due - a }
                };
                *self = next;
                Ok(outcome)
            }
        }
    }

    fn settle(&self, totals: Totals, cash_rounding: Decimal, change: Decimal) -> Settlement {
        let paid = self.payments.iter().map(|p| p.amount).sum();
        Settlement { totals, payments: self.payments.clone(), cash_rounding, paid, change }
    }
}

/// qty x unit price (or the fixed amount), rounded by the line rule; a product too large for
/// any ticket is refused.
pub fn line_gross(l: &Line, p: &Pricing) -> Result<Decimal, TicketError> {
    let exact = match l.fixed_amount {
        Some(a) => a,
        None => l.qty.checked_mul(l.unit_price).ok_or(TicketError::TicketTooLarge { max: MAX_PAYMENT })?,
    };
    Ok(p.currency.round(exact, p.line_rule))
}

fn discount_value(d: Discount, base: Decimal, p: &Pricing) -> Decimal {
    match d {
        Discount::Percent(pct) => p.currency.round(base * pct / Decimal::ONE_HUNDRED, p.line_rule),
        Discount::Amount(a) => a,
    }
}

/// Validates a discount against what it applies to and returns it as a percentage.
fn discount_percent(d: Discount, base: Decimal, cur: &Currency) -> Result<Decimal, TicketError> {
    match d {
        Discount::Percent(pct) => {
            if pct <= Decimal::ZERO || pct > Decimal::ONE_HUNDRED {
                return Err(TicketError::BadDiscount { max: Decimal::ONE_HUNDRED });
            }
            Ok(pct)
        }
        Discount::Amount(a) => {
            if !cur.is_exact(a) {
                return Err(TicketError::NotExact(a));
            }
            if a <= Decimal::ZERO || a > base {
                return Err(TicketError::BadDiscount { max: base });
            }
            Ok(a * Decimal::ONE_HUNDRED / base)
        }
    }
}

/// Spreads the ticket discount over the lines in proportion to their amounts, in whole minor
/// units, largest remainder first, so that the shares add up to the discount exactly.
fn allocate(discount: Decimal, lines: &mut [LineTotals], cur: &Currency) {
    let base: Decimal = lines.iter().map(|l| l.amount).sum();
    if discount.is_zero() || base.is_zero() {
        return;
    }
    let unit = cur.minor_unit();
    let mut given = Decimal::ZERO;
    let mut rests: Vec<(usize, Decimal)> = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter_mut().enumerate() {
        let exact = discount * l.amount / base;
        let floor = (exact / unit).floor() * unit;
        l.ticket_discount_share = floor;
        given += floor;
        rests.push((i, exact - floor));
    }
    rests.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut left = discount - given;
    for (i, _) in rests {
        if left <= Decimal::ZERO {
            break;
        }
        lines[i].ticket_discount_share += unit;
        left -= unit;
    }
}

/// Pays back a refund of `amount` (positive): to the card first, up to what was charged to it
/// and not yet refunded, the rest in cash, rounded to the cash increment but never beyond the
/// cash that was taken. Returns the payments (negative) and the cash rounding.
pub fn refund_payments(
    amount: Decimal,
    card_left: Decimal,
    cash_left: Decimal,
    p: &Pricing,
) -> (Vec<Payment>, Decimal) {
    let card = amount.min(card_left).max(Decimal::ZERO);
    let exact_cash = amount - card;
    let cash = p.currency.round_cash(exact_cash, p.cash_rule).min(cash_left).max(Decimal::ZERO);
    let mut out = Vec::new();
    if !card.is_zero() {
        out.push(Payment { method: Method::Card, amount: -card, card_intent: None });
    }
    if !cash.is_zero() {
        out.push(Payment { method: Method::Cash, amount: -cash, card_intent: None });
    }
    (out, exact_cash - cash)
}
