//! Refunds of earlier sales, paid back to the tender they came from.

use super::{Outcome, Refusal, ServiceError, Session};
use crate::domain::catalog::Unit;
use crate::domain::record::SaleRecord;
use crate::domain::ticket::{self, Line, LineKind, Settlement, Ticket};
use crate::domain::users::Permission;
use rust_decimal::Decimal;
use std::str::FromStr;

impl Session {
    /// An earlier sale to pay back against; only with no ticket open.
    pub(super) fn earlier_sale(&self, receipt_no: i64) -> Result<(i64, SaleRecord), ServiceError> {
        if !self.ticket.lines.is_empty() {
            return Err(ServiceError::TicketOpen);
        }
        let id = self.store.sale_id(self.terminal(), receipt_no)?.ok_or(ServiceError::NoSuchSale(receipt_no))?;
        Ok((id, self.store.sale_by_id(id, &self.config.pricing.currency)?))
    }

    /// What of an earlier sale can still be paid back, by card and in cash.
    /// What the earlier sale can still give back, by card and in cash, after the refunds already
    /// made (`card_done`, `cash_done` in minor units, from `Store::refunds_of`).
    pub(super) fn refundable(&self, orig: &SaleRecord, card_done: i64, cash_done: i64) -> (Decimal, Decimal) {
        let cur = &self.config.pricing.currency;
        let paid_in = |m: &str| orig.payments.iter().filter(|p| p.method == m).map(|p| p.amount).sum::<Decimal>();
        // A QR wallet payment is paid back in cash: the wallets have no refund the till can ask for.
        let cash_in = paid_in("cash") - orig.change + paid_in("qr");
        (paid_in("card") - cur.from_minor(card_done), cash_in - cur.from_minor(cash_done))
    }

    pub(super) fn find_sale(&self, receipt_no: i64) -> Result<Outcome, ServiceError> {
        self.user()?;
        let sale = self
            .store
            .find_sale(self.terminal(), receipt_no, &self.config.pricing.currency)?
            .ok_or(ServiceError::NoSuchSale(receipt_no))?;
        Ok(Outcome { sale: Some(sale), ..Outcome::default() })
    }

    /// Refunds lines of an earlier sale (all that are left when `lines` is not given), paid
    /// back to the card first and the rest in cash, never more than was paid.
    pub(super) fn refund(&mut self, receipt_no: i64, lines: Option<Vec<usize>>) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Refund, "give refunds")?;
        let (id, orig) = self.earlier_sale(receipt_no)?;
        if orig.kind != "sale" {
            return Err(Refusal::RefundOfRefund { receipt: receipt_no }.into());
        }
        let (done, card_done, cash_done) = self.store.refunds_of(id)?;
        let open: Vec<_> = orig.lines.iter().filter(|l| !l.voided && !done.contains(&l.line)).collect();
        if open.is_empty() {
            return Err(Refusal::FullyRefunded { receipt: receipt_no }.into());
        }
        let selected: Vec<_> = match &lines {
            None => open.clone(),
            Some(wanted) => {
                if wanted.is_empty() {
                    return Err(Refusal::NoRefundLines.into());
                }
                let mut sel = Vec::new();
                for n in wanted {
                    match open.iter().find(|l| l.line == *n) {
                        Some(l) if !sel.iter().any(|s: &&crate::domain::record::LineRecord| s.line == *n) => {
                            sel.push(*l)
                        }
                        Some(_) => return Err(Refusal::LineNamedTwice { line: *n }.into()),
                        None => return Err(Refusal::LineNotRefundable { receipt: receipt_no, line: *n }.into()),
                    }
                }
                sel
            }
        };
        let everything_left = selected.len() == open.len();
        let mut t = Ticket::default();
        for l in &selected {
            t.lines.push(Line {
                sku: l.sku.clone(),
                name: l.name.clone(),
                unit: Unit::from_str(&l.unit)
                    .map_err(|_| Refusal::UnknownUnit { receipt: receipt_no, unit: l.unit.clone() })?,
                qty: l.qty,
                unit_price: l.unit_price,
                fixed_amount: Some(-(l.amount - l.ticket_discount)),
                tax_class: l.tax_class.clone(),
                age_restriction: None,
                kind: LineKind::Refund { receipt_no, line: l.line },
                discount: None,
                voided: false,
            });
        }
        let left = self.refundable(&orig, card_done, cash_done);
        self.store_refund(
            t,
            (id, receipt_no),
            left,
            |total, left| if everything_left { left } else { (-total).min(left) },
        )
    }

    /// Pays back what `amount(total, left)` says (the refund ticket's total is negative; `left` is
    /// what the earlier sale can still give back: card, cash), card first as it was paid, and
    /// stores it.
    pub(super) fn store_refund(
        &mut self,
        mut t: Ticket,
        of: (i64, i64),
        (card_left, cash_left): (Decimal, Decimal),
        amount: impl FnOnce(Decimal, Decimal) -> Decimal,
    ) -> Result<Outcome, ServiceError> {
        let pricing = &self.config.pricing;
        let totals = t.totals(pricing)?;
        let (payments, _) =
            ticket::refund_payments(amount(totals.total, card_left + cash_left), card_left, cash_left, pricing);
        let paid: Decimal = payments.iter().map(|p| p.amount).sum();
        let settlement =
            Settlement { cash_rounding: paid - totals.total, totals, payments, paid, change: Decimal::ZERO };
        t.payments = settlement.payments.clone();
        // Card money goes back through the card terminal when the sale's card payment went
        // through it; the refund is stored once the terminal has paid.
        if self.config.card_terminal.is_some() && t.payments.iter().any(|p| p.method == ticket::Method::Card) {
            let orig = self.store.sale_by_id(of.0, &self.config.pricing.currency)?;
            if orig.payments.iter().any(|p| p.card.is_some()) {
                return self.card_refund_begin(super::card::RefundPlan { ticket: t, of }, &orig);
            }
        }
        let sale = self.store_sale(&t, &settlement, Some(of))?;
        Ok(self.sold(sale, &t))
    }
}
