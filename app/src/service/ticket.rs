//! The open ticket: items, discounts, the age check, hold and recall, tender and the stored
//! sale with what follows from it (receipt, drawer, pumps).

use super::{now, CustomerView, Effect, Outcome, Refusal, ServiceError, Session};
use crate::domain::catalog::{Lookup, Unit};
use crate::domain::record::{SaleMeta, SaleRecord, TicketRecord};
use crate::domain::ticket::{
    discount_share, Approval, Discount, Line, LineKind, Method, Settlement, TenderOutcome, Ticket, TicketError,
};
use crate::domain::users::Permission;
use rust_decimal::Decimal;
use serde::Serialize;

/// A held ticket in the session: as stored, read once at start.
pub(super) struct Held {
    pub(super) id: i64,
    pub(super) held_at: String,
    pub(super) ticket: Ticket,
}

/// A held ticket as listed for recall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldInfo {
    pub id: i64,
    pub held_at: String,
    pub ticket: TicketRecord,
}

impl Session {
    pub(super) fn scan(&mut self, code: &str) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        let line = match self.catalog.scan(code)? {
            Lookup::Item(p) => Line::shop(p, Decimal::ONE)?,
            Lookup::Measured(p, vm) => match vm.kind {
                crate::domain::barcode::MeasureKind::Price => Line::embedded_price(p, vm.value),
                crate::domain::barcode::MeasureKind::Weight => {
                    if p.unit == Unit::Each {
                        return Err(Refusal::SoldByPiece { name: p.name.clone() }.into());
                    }
                    Line::shop(p, vm.value)?
                }
            },
        };
        self.add_line(line)
    }

    pub(super) fn add(
        &mut self,
        sku: Option<&str>,
        plu: Option<&str>,
        qty: Option<Decimal>,
    ) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        let product = match (sku, plu) {
            (Some(s), None) => {
                self.catalog.by_sku(s).ok_or_else(|| ServiceError::from(Refusal::NoSuchSku { sku: s.to_string() }))?
            }
            (None, Some(p)) => {
                self.catalog.by_plu(p).ok_or_else(|| ServiceError::from(Refusal::NoSuchPlu { plu: p.to_string() }))?
            }
            _ => return Err(Refusal::SkuOrPlu.into()),
        };
        // An item sold by weight or volume is never guessed as one unit: it is weighed first.
        let qty = match qty {
            Some(q) => q,
            None if product.unit != Unit::Each => {
                return Err(ServiceError::NeedsWeight { sku: product.sku.clone(), name: product.name.clone() })
            }
            None => Decimal::ONE,
        };
        let line = Line::shop(product, qty)?;
        self.add_line(line)
    }

    pub(super) fn fuel(&mut self, grade: &str, litres: Decimal) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        let g = self.grade(grade)?;
        let line = Line::fuel(g, litres)?;
        self.add_line(line)
    }

    /// Adds a line; an age-restricted line that needs a check not made yet asks for it.
    pub(super) fn add_line(&mut self, line: Line) -> Result<Outcome, ServiceError> {
        let mut out = self.edit(Permission::Sell, "sell", |t, _| t.add(line).map(|_| ()))?;
        let age = self.ticket.required_age();
        if age > self.ticket.age_confirmed {
            out.effects.push(Effect::AskAge { age });
        }
        Ok(out)
    }

    pub(super) fn grade(&self, code: &str) -> Result<&crate::domain::catalog::FuelGrade, ServiceError> {
        self.config
            .fuel_grades
            .iter()
            .find(|g| g.code == code)
            .ok_or_else(|| ServiceError::from(Refusal::NoSuchGrade { code: code.to_string() }))
    }

    pub(super) fn discount(
        &mut self,
        line: Option<usize>,
        percent: Option<Decimal>,
        amount: Option<Decimal>,
        approver_pin: Option<&str>,
    ) -> Result<Outcome, ServiceError> {
        let d = match (percent, amount) {
            (Some(p), None) => Discount::Percent(p),
            (None, Some(a)) => Discount::Amount(a),
            _ => return Err(Refusal::PercentOrAmount.into()),
        };
        self.selling(Permission::Discount, "give discounts")?;
        let pricing = self.config.pricing.clone();
        let mut next = self.ticket.clone();
        match line {
            Some(n) => next.set_line_discount(n, d, &pricing)?,
            None => next.set_ticket_discount(d, &pricing)?,
        };
        let totals = next.totals(&pricing)?;
        self.within_limit(&mut next, &totals, approver_pin)?;
        self.ticket = next;
        Ok(self.outcome_with(&totals))
    }

    /// A manager approves the open ticket's discounts as they stand now (after an edit such as
    /// a lower quantity or a voided line raised their share above the cashier's limit).
    pub(super) fn approve_discount(&mut self, approver_pin: &str) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        let mut next = self.ticket.clone();
        let totals = next.totals(&self.config.pricing)?;
        if discount_share(&totals).amount.is_zero() {
            return Err(Refusal::NoDiscountToApprove.into());
        }
        self.within_limit(&mut next, &totals, Some(approver_pin))?;
        self.ticket = next;
        Ok(self.outcome_with(&totals))
    }

    /// All the ticket's discounts together, as a share of its undiscounted subtotal, must be
    /// within the signed-in user's limit, or covered by an approval of this ticket that still
    /// holds (no larger share, no larger amount), or approved now with `approver_pin` by another
    /// user whose own limit covers them. Approvals and refused approvals are journaled.
    pub(super) fn within_limit(
        &mut self,
        next: &mut Ticket,
        totals: &crate::domain::ticket::Totals,
        approver_pin: Option<&str>,
    ) -> Result<(), ServiceError> {
        let Err(refused) = self.limit_holds(next, totals) else { return Ok(()) };
        let Some(pin) = approver_pin else { return Err(refused) };
        let user = self.user()?.clone();
        let share = discount_share(totals);
        let shown = share.percent.round_dp(2).normalize();
        let detail = serde_json::json!({ "user_id": user.id, "percent": shown.to_string() });
        let approver = self.pin_holder(pin, "approval_failed", detail)?;
        let policy = self.config.role_policy(approver.role);
        let why = if approver.id == user.id {
            Some("nobody approves their own discount")
        } else if !policy.allows(Permission::Discount) {
            Some("their role gives no discounts")
        } else if policy.max_discount_percent < share.percent {
            Some("the discount is above their own limit")
        } else {
            None
        };
        if let Some(why) = why {
            let payload = serde_json::json!({
                "user_id": user.id, "approver_id": approver.id, "percent": shown.to_string(), "reason": why,
            });
            self.journal("discount_override_refused", &payload)?;
            return Err(ServiceError::NotAnApprover { user: approver.name, why });
        }
        let cur = &self.config.pricing.currency;
        let payload = serde_json::json!({
            "user_id": user.id, "approver_id": approver.id, "percent": shown.to_string(),
            "amount": cur.fmt(share.amount), "subtotal": cur.fmt(totals.subtotal),
        });
        self.journal("discount_override", &payload)?;
        next.approval = Some(Approval { approver_id: approver.id, percent: share.percent, amount: share.amount });
        Ok(())
    }

    /// Whether the ticket's discounts are within the user's limit or covered by its approval;
    /// the refusal to answer when they are not.
    fn limit_holds(&self, ticket: &Ticket, totals: &crate::domain::ticket::Totals) -> Result<(), ServiceError> {
        let user = self.user()?;
        let max = self.config.role_policy(user.role).max_discount_percent;
        let share = discount_share(totals);
        let unit = self.config.pricing.currency.minor_unit();
        if share.percent <= max || ticket.approval.as_ref().is_some_and(|a| a.covers(share, unit)) {
            return Ok(());
        }
        Err(ServiceError::DiscountOverLimit { pct: share.percent.round_dp(2).normalize(), max, role: user.role })
    }

    /// The ticket as it is about to be paid must be within the discount rules.
    pub(super) fn check_discounts(&self) -> Result<(), ServiceError> {
        self.limit_holds(&self.ticket, &self.ticket.totals(&self.config.pricing)?)
    }

    /// On the way to payment: an age check first when one is needed, else the tender.
    pub(super) fn pay(&mut self) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        if self.ticket.lines.iter().all(|l| l.voided) {
            return Err(ServiceError::Ticket(TicketError::Empty));
        }
        self.check_discounts()?;
        let mut out = self.ticket_outcome()?;
        let age = self.ticket.required_age();
        out.effects.push(if age > self.ticket.age_confirmed { Effect::AskAge { age } } else { Effect::StartTender });
        Ok(out)
    }

    /// The customer is too young: every age-restricted line is voided (journaled).
    pub(super) fn refuse_age(&mut self) -> Result<Outcome, ServiceError> {
        let user = self.selling(Permission::Sell, "sell")?.0.id;
        let restricted: Vec<usize> = (1..=self.ticket.lines.len())
            .filter(|&n| self.ticket.lines[n - 1].age_restriction.is_some() && !self.ticket.lines[n - 1].voided)
            .collect();
        if restricted.is_empty() {
            return Err(ServiceError::Ticket(TicketError::NoAgeRestriction));
        }
        let out = self.edit(Permission::Sell, "sell", |t, _| restricted.iter().try_for_each(|&n| t.void_line(n)))?;
        self.journal("age_refused", &serde_json::json!({ "user_id": user, "lines": restricted }))?;
        Ok(out)
    }

    pub(super) fn hold(&mut self) -> Result<Outcome, ServiceError> {
        let user = self.selling(Permission::Sell, "sell")?.0.id;
        if self.ticket.is_empty() {
            return Err(Refusal::NothingToHold.into());
        }
        if !self.ticket.payments.is_empty() {
            return Err(ServiceError::Ticket(TicketError::Locked));
        }
        let text = serde_json::to_string(&self.ticket).map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))?;
        let totals = self.ticket.totals(&self.config.pricing)?;
        let record = TicketRecord::new(&self.ticket, &totals, &self.config.pricing);
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        let payload = serde_json::json!({ "user_id": user, "ticket": record });
        let id = self.store.hold_ticket(&terminal, user, &text, &payload, &at)?;
        self.held.push(Held { id, held_at: at, ticket: std::mem::take(&mut self.ticket) });
        self.ticket_outcome()
    }

    pub(super) fn held_list(&self) -> Result<Outcome, ServiceError> {
        self.user()?;
        let mut list = Vec::new();
        for h in &self.held {
            let totals = h.ticket.totals(&self.config.pricing)?;
            let ticket = TicketRecord::new(&h.ticket, &totals, &self.config.pricing);
            list.push(HeldInfo { id: h.id, held_at: h.held_at.clone(), ticket });
        }
        Ok(Outcome { held: Some(list.len()), held_tickets: Some(list), ..Outcome::default() })
    }

    pub(super) fn recall(&mut self, index: Option<usize>, id: Option<i64>) -> Result<Outcome, ServiceError> {
        let user = self.selling(Permission::Sell, "sell")?.0.id;
        if !self.ticket.lines.is_empty() {
            return Err(ServiceError::TicketOpen);
        }
        let i = match (id, index) {
            (Some(id), None) => self.held.iter().position(|h| h.id == id),
            (None, Some(i)) => (i < self.held.len()).then_some(i),
            (None, None) => self.held.len().checked_sub(1),
            (Some(_), Some(_)) => return Err(Refusal::IdOrIndex.into()),
        }
        .ok_or(ServiceError::Invalid(Refusal::NoSuchHeld))?;
        let held_id = self.held[i].id;
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        if self.store.recall_ticket(&terminal, held_id, user, &at)?.is_none() {
            return Err(Refusal::NoSuchHeld.into());
        }
        self.ticket = self.held.remove(i).ticket;
        self.ticket_outcome()
    }

    /// Cancels the open ticket; its fills go back to waiting for payment at their pumps.
    pub(super) fn cancel_ticket(&mut self) -> Result<Outcome, ServiceError> {
        let (user, shift) = self.selling(Permission::CancelTicket, "cancel tickets")?;
        let (user_name, user, shift_id) = (user.name.clone(), user.id, shift.id);
        if self.ticket.lines.is_empty() {
            return Err(Refusal::NothingToCancel.into());
        }
        // A card charged through the terminal is paid back first, one payment at a time.
        if let Some(out) = self.undo_card_first(super::card_undo::Undo::CancelTicket, None)? {
            return Ok(out);
        }
        let totals = self.ticket.totals(&self.config.pricing)?;
        let record = TicketRecord::new(&self.ticket, &totals, &self.config.pricing);
        if self.ticket.payments.is_empty() {
            self.journal("ticket_cancelled", &serde_json::json!({ "user_id": user, "ticket": record }))?;
        } else {
            // Money was taken and goes back: head office hears of it like of a sale.
            let (at, _) = now();
            let cur = &self.config.pricing.currency;
            let payments: Vec<_> = self
                .ticket
                .payments
                .iter()
                .map(|p| serde_json::json!({ "method": p.method.as_str(), "amount": cur.fmt(p.amount) }))
                .collect();
            let intents: Vec<i64> = self.ticket.payments.iter().filter_map(|p| p.card_intent).collect();
            let event = serde_json::json!({
                "event_id": uuid::Uuid::new_v4().to_string(), "kind": "ticket_cancelled",
                "terminal_id": self.terminal(), "at": at, "user": user_name, "user_id": user, "shift_id": shift_id,
                "currency": cur.code, "payments_returned": payments, "ticket": record,
            });
            let terminal = self.config.terminal_id.clone();
            // The event and the card payments handed back, in one transaction.
            self.store.return_intents(&intents, &at, Some(("ticket_cancelled", &event, &terminal)))?;
        }
        self.ticket = Ticket::default();
        self.ticket_outcome()
    }

    /// Takes back one partial payment of the open ticket (journaled; nothing was sold, so
    /// head office hears nothing). A card payment charged through the terminal is paid back
    /// through it first; a QR wallet payment stays (it is refunded once the sale is stored).
    pub(super) fn remove_payment(&mut self, index: usize) -> Result<Outcome, ServiceError> {
        let user = self.selling(Permission::VoidLine, "remove payments")?.0.id;
        if index >= self.ticket.payments.len() {
            return Err(ServiceError::NoSuchPayment { index });
        }
        if let Some(out) = self.undo_card_first(super::card_undo::Undo::RemovePayment, Some(index))? {
            return Ok(out);
        }
        let mut next = self.ticket.clone();
        let removed = next.payments.remove(index);
        if let Some(id) = removed.card_intent {
            let (at, _) = now();
            self.store.return_intents(&[id], &at, None)?;
        }
        let totals = next.totals(&self.config.pricing)?;
        let cur = &self.config.pricing.currency;
        let payload = serde_json::json!({
            "user_id": user, "index": index, "method": removed.method.as_str(), "amount": cur.fmt(removed.amount),
            "due": cur.fmt(next.due(&totals)),
        });
        self.journal("payment_removed", &payload)?;
        self.ticket = next;
        Ok(self.outcome_with(&totals))
    }

    pub(super) fn tender(&mut self, method: Method, amount: Option<Decimal>) -> Result<Outcome, ServiceError> {
        if method == Method::Card && self.config.card_terminal.is_some() {
            return self.card_begin(amount);
        }
        if method == Method::Qr {
            return self.qr_begin(amount);
        }
        self.selling(Permission::Sell, "sell")?;
        self.check_discounts()?;
        if method == Method::Cash {
            self.drawer_takes_cash()?;
        }
        let mut next = self.ticket.clone();
        match next.tender(method, amount, &self.config.pricing)? {
            TenderOutcome::Partial { .. } => {
                self.ticket = next;
                self.ticket_outcome()
            }
            TenderOutcome::Complete(settlement) => {
                self.check_prepay_pumps(&next)?;
                self.finish_sale(next, &settlement)
            }
        }
    }

    /// Stores the paid ticket as a sale and starts the next one.
    pub(super) fn finish_sale(&mut self, next: Ticket, settlement: &Settlement) -> Result<Outcome, ServiceError> {
        let sale = self.store_sale(&next, settlement, None)?;
        self.ticket = Ticket::default();
        let mut out = self.sold(sale, &next);
        if next.lines.iter().any(|l| matches!(l.kind, LineKind::Prepay { .. }) && !l.voided) {
            out.prepays = Some(self.prepay_views());
        }
        Ok(out)
    }

    /// What follows a stored sale, in order: the receipt (and the drawer when cash moved), the
    /// customer display, then the pumps: each fill on it is paid, so its pump is reset; each
    /// prepaid pump is authorized for what was paid.
    pub(super) fn sold(&self, sale: SaleRecord, ticket: &Ticket) -> Outcome {
        let mut effects = vec![Effect::PrintReceipt {
            receipt_no: sale.receipt_no,
            copy: false,
            queue_id: None,
            sale: Box::new(sale.clone()),
        }];
        if sale.payments.iter().any(|p| p.method == "cash" && !p.amount.is_zero()) {
            effects.push(Effect::OpenDrawer);
        }
        effects.push(Effect::ShowCustomer { show: CustomerView::Paid });
        if sale.kind == "sale" {
            for pump in ticket.fill_pumps() {
                effects.push(Effect::ResetPump { pump });
            }
            // Sale lines are the ticket's lines in the same order.
            for (l, rec) in ticket.lines.iter().zip(&sale.lines) {
                if let (LineKind::Prepay { pump }, false) = (&l.kind, l.voided) {
                    let amount = Some(rec.amount - rec.ticket_discount);
                    effects.push(Effect::AuthorizePump { pump: *pump, amount, litres: None });
                }
            }
        }
        if self.kiosk_mode() {
            // A kiosk has no drawer, and asks the customer whether to print (`kiosk_print`).
            effects.retain(|e| !matches!(e, Effect::PrintReceipt { .. } | Effect::OpenDrawer));
        }
        let drawer = self.drawer_warning();
        Outcome { sale: Some(sale), effects, drawer, kiosk: self.kiosk_view(), ..Outcome::default() }
    }

    /// Makes a completed ticket durable. Returns only after the transaction has committed.
    pub(super) fn store_sale(
        &mut self,
        ticket: &Ticket,
        s: &Settlement,
        refund_of: Option<(i64, i64)>,
    ) -> Result<SaleRecord, ServiceError> {
        self.store_sale_with(ticket, s, refund_of, Vec::new())
    }

    /// `store_sale`, with what the card terminal returned for payments made outside a card
    /// intent (`given`: payment index and its authorization, a pay-at-pump reservation's).
    pub(super) fn store_sale_with(
        &mut self,
        ticket: &Ticket,
        s: &Settlement,
        refund_of: Option<(i64, i64)>,
        given: Vec<(usize, crate::domain::record::CardAuth)>,
    ) -> Result<SaleRecord, ServiceError> {
        let (user, shift) = self.selling(Permission::Sell, "sell")?;
        let (user, shift_id) = (user.clone(), shift.id);
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        let pricing = &self.config.pricing;
        // Card payments through the terminal carry what it returned (never a full card number).
        let mut cards = given;
        for (i, p) in ticket.payments.iter().enumerate() {
            if let Some(id) = p.card_intent {
                let intent = self.store.intent(id)?.ok_or(Refusal::NoCardPayment)?;
                cards.push((i, intent.auth()));
            }
        }
        let rec = self.store.complete_sale(
            &terminal,
            shift_id,
            user.id,
            &pricing.currency,
            refund_of.map(|r| r.0),
            |receipt_no| {
                let mut rec = SaleRecord::new(
                    SaleMeta {
                        event_id: uuid::Uuid::new_v4().to_string(),
                        receipt_no,
                        refund_of: refund_of.map(|r| r.1),
                        terminal_id: terminal.clone(),
                        at,
                        user: user.name.clone(),
                    },
                    ticket,
                    s,
                    pricing,
                );
                for (i, auth) in &cards {
                    if let Some(p) = rec.payments.get_mut(*i) {
                        p.card = Some(auth.clone());
                    }
                }
                rec
            },
        )?;
        // A prepayment sold or settled changes what is open.
        if ticket.lines.iter().any(|l| matches!(l.kind, LineKind::Prepay { .. } | LineKind::Refund { .. })) {
            match self.store.open_prepays(&terminal) {
                Ok(p) => self.prepays = p,
                Err(e) => tracing::warn!("open prepayments could not be read after a sale: {e}"),
            }
        }
        Ok(rec)
    }
}
