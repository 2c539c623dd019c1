//! Records: the shape in which a ticket or a completed sale is shown, stored, journaled, sent
//! and printed. Amounts carry exactly the currency's decimals.

use super::money::Currency;
use super::ticket::{LineKind, Pricing, Settlement, Ticket, Totals};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRecord {
    /// 1-based line number on the ticket (voided lines keep their number).
    pub line: usize,
    pub kind: String,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub qty: Decimal,
    pub unit_price: Decimal,
    pub tax_class: String,
    /// The line's own discount.
    pub discount: Decimal,
    /// gross - discount.
    pub amount: Decimal,
    /// The line's share of the ticket discount (for tax and refunds).
    pub ticket_discount: Decimal,
    pub voided: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub refund_of_line: Option<usize>,
    /// The pump a fuel line was dispensed at (for the meter reconciliation).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pump: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRecord {
    pub name: String,
    pub rate: String,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRecord {
    pub method: String,
    pub amount: Decimal,
    /// What the card terminal returned for a card payment through it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<CardAuth>,
}

/// A card terminal's approval, as much of it as may be kept: never a full card number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardAuth {
    /// The payment intent's reference (the same on the till and at head office).
    pub reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminal_receipt: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<i64>,
    /// The card number as the terminal masked it (at most the last four digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pan: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_code: Option<String>,
}

/// A completed sale or refund, exactly as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleRecord {
    pub event_id: String,
    pub receipt_no: i64,
    /// "sale" or "refund".
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub refund_of: Option<i64>,
    pub terminal_id: String,
    pub at: String,
    pub user: String,
    pub currency: String,
    pub lines: Vec<LineRecord>,
    pub subtotal: Decimal,
    pub discount: Decimal,
    pub tax: Vec<TaxRecord>,
    pub tax_total: Decimal,
    pub total: Decimal,
    pub cash_rounding: Decimal,
    pub payments: Vec<PaymentRecord>,
    pub paid: Decimal,
    pub change: Decimal,
}

/// The open ticket as a screen or a script sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketRecord {
    pub lines: Vec<LineRecord>,
    pub subtotal: Decimal,
    pub discount: Decimal,
    pub tax: Vec<TaxRecord>,
    pub tax_total: Decimal,
    pub total: Decimal,
    pub payments: Vec<PaymentRecord>,
    pub paid: Decimal,
    pub due: Decimal,
    pub required_age: u8,
    pub age_confirmed: bool,
}

fn money(c: &Currency, v: Decimal) -> Decimal {
    let mut v = v;
    v.rescale(c.minor_units);
    v
}

pub fn line_records(ticket: &Ticket, totals: &Totals, c: &Currency) -> Vec<LineRecord> {
    ticket
        .lines
        .iter()
        .zip(&totals.lines)
        .enumerate()
        .map(|(i, (l, t))| LineRecord {
            line: i + 1,
            kind: match &l.kind {
                LineKind::Shop => "shop",
                LineKind::Fuel { .. } => "fuel",
                LineKind::EmbeddedPrice => "embedded_price",
                LineKind::Prepay { .. } => "prepay",
                LineKind::Refund { .. } => "refund",
            }
            .to_string(),
            sku: l.sku.clone(),
            name: l.name.clone(),
            unit: l.unit.to_string(),
            qty: l.qty.normalize(),
            unit_price: l.unit_price,
            tax_class: l.tax_class.clone(),
            discount: money(c, t.discount),
            amount: money(c, t.amount),
            ticket_discount: money(c, t.ticket_discount_share),
            voided: l.voided,
            refund_of_line: match l.kind {
                LineKind::Refund { line, .. } => Some(line),
                _ => None,
            },
            pump: match l.kind {
                LineKind::Fuel { pump, .. } => pump,
                _ => None,
            },
        })
        .collect()
}

fn tax_records(totals: &Totals, c: &Currency) -> Vec<TaxRecord> {
    totals
        .tax
        .iter()
        .map(|r| TaxRecord { name: r.name.clone(), rate: r.rate.clone(), amount: money(c, r.amount) })
        .collect()
}

fn payment_records(ticket_payments: &[super::ticket::Payment], c: &Currency) -> Vec<PaymentRecord> {
    ticket_payments
        .iter()
        .map(|p| PaymentRecord { method: p.method.as_str().to_string(), amount: money(c, p.amount), card: None })
        .collect()
}

impl TicketRecord {
    pub fn new(ticket: &Ticket, totals: &Totals, p: &Pricing) -> TicketRecord {
        let c = &p.currency;
        let paid: Decimal = ticket.payments.iter().map(|p| p.amount).sum();
        TicketRecord {
            lines: line_records(ticket, totals, c),
            subtotal: money(c, totals.subtotal),
            discount: money(c, totals.discount),
            tax: tax_records(totals, c),
            tax_total: money(c, totals.tax_total),
            total: money(c, totals.total),
            payments: payment_records(&ticket.payments, c),
            paid: money(c, paid),
            due: money(c, totals.total - paid),
            required_age: ticket.required_age(),
            age_confirmed: ticket.required_age() <= ticket.age_confirmed,
        }
    }
}

/// Who, where and when a sale was completed; supplied by the service layer.
#[derive(Debug, Clone)]
pub struct SaleMeta {
    pub event_id: String,
    pub receipt_no: i64,
    pub refund_of: Option<i64>,
    pub terminal_id: String,
    pub at: String,
    pub user: String,
}

impl SaleRecord {
    pub fn new(meta: SaleMeta, ticket: &Ticket, s: &Settlement, p: &Pricing) -> SaleRecord {
        let c = &p.currency;
        SaleRecord {
            event_id: meta.event_id,
            receipt_no: meta.receipt_no,
            kind: if meta.refund_of.is_some() { "refund" } else { "sale" }.to_string(),
            refund_of: meta.refund_of,
            terminal_id: meta.terminal_id,
            at: meta.at,
            user: meta.user,
            currency: c.code.clone(),
            lines: line_records(ticket, &s.totals, c),
            subtotal: money(c, s.totals.subtotal),
            discount: money(c, s.totals.discount),
            tax: tax_records(&s.totals, c),
            tax_total: money(c, s.totals.tax_total),
            total: money(c, s.totals.total),
            cash_rounding: money(c, s.cash_rounding),
            payments: payment_records(&s.payments, c),
            paid: money(c, s.paid),
            change: money(c, s.change),
        }
    }
}
