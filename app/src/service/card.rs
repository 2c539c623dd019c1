//! Card payments through the counter's card terminal, exactly once. The service writes a
//! payment intent before the terminal is asked (`Effect::CardPay`); the driver reports the
//! terminal's approval (`card_approved`) and answers "goods issued" only if that succeeded, i.e.
//! once the payment (and the sale it completes) is durable. A declined or aborted payment leaves
//! the ticket open; an unclear ending (the link dropped, a crash) is settled by asking the
//! terminal for its last transaction, never by asking for the money again.

use super::{now, Effect, Outcome, Refusal, ServiceError, Session};
use crate::domain::record::SaleRecord;
use crate::domain::ticket::{Method, TenderOutcome, Ticket};
use crate::domain::users::Permission;
use crate::store::{CardIntent, StoreError, TerminalAnswer};
use rust_decimal::Decimal;
use serde::Serialize;

/// A card payment the terminal is working on; the ticket is locked meanwhile.
#[derive(Debug, Clone)]
pub struct CardPending {
    pub intent: CardIntent,
    pub amount: Decimal,
    /// The terminal's ending was not heard: it is being asked what became of the payment.
    pub unclear: bool,
    /// For money paid back to a card: the refund to store once the terminal has paid it.
    pub refund: Option<RefundPlan>,
    /// A QR payment's code (its content) and when it expires, once the provider made it.
    pub qr: Option<(String, Option<String>)>,
    /// Why the provider (or terminal) cannot be asked just now, while that is so.
    pub note: Option<String>,
    /// For a payment on the open ticket paid back: what to do once the terminal has.
    pub undo: Option<super::card_undo::UndoPlan>,
}

impl CardPending {
    pub(super) fn new(intent: CardIntent, amount: Decimal, unclear: bool, refund: Option<RefundPlan>) -> Self {
        CardPending { intent, amount, unclear, refund, qr: None, note: None, undo: None }
    }
}

/// A refund waiting for the card terminal: its ticket (payments set, the card one negative)
/// and the earlier sale it pays back (sale id, receipt number).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RefundPlan {
    pub ticket: Ticket,
    pub of: (i64, i64),
}

/// The card payment in progress, as the screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardView {
    pub reference: String,
    pub amount: Decimal,
    /// "waiting" (the terminal, or the customer's wallet, has it), "asking" (its ending is
    /// being asked for) or "unreachable" (the QR provider does not answer; asked again).
    pub state: &'static str,
    /// "card" or "qr".
    pub method: String,
    /// "payment", or money going back to the card: "refund", "reversal".
    pub kind: String,
    /// A QR payment's code to show the customer, and when it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The card terminal's end-of-day against the till's card payments since the one before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardDayView {
    pub terminal_total: Decimal,
    pub till_total: Decimal,
    /// Terminal minus till: not zero means a payment the two do not agree on.
    pub difference: Decimal,
    pub count: i64,
}

/// How the terminal ended a payment that it did not approve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardEnd {
    /// Declined or aborted, with the terminal's result code.
    Declined(u8),
    /// The till answered "goods not issued" (the sale could not be stored): the terminal reverses.
    NotIssued,
    /// The terminal could not be reached: the payment was never asked for.
    NotAsked(String),
    /// The link failed or timed out before the payment was settled.
    Unclear(String),
    /// The payment was stored with its sale and "goods issued" answered, but the link failed
    /// before the terminal confirmed: asked afterwards, it says the payment was reversed
    /// (`Some(false)`), or it could not be asked (`None`).
    AfterSale { stands: Option<bool> },
}

impl Session {
    /// `tender` by card with a terminal configured: checks the payment as the ticket would
    /// take it, writes the intent and asks the driver to take the money.
    pub(super) fn card_begin(&mut self, amount: Option<Decimal>) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        let intent = self.payment_intent(Method::Card, amount, "card_payment_asked")?;
        let effect = Effect::CardPay {
            intent: intent.id,
            reference: intent.reference.clone(),
            amount_minor: intent.amount_minor,
            kind: "payment".into(),
            receipt: None,
        };
        let mut out = self.card_outcome()?;
        out.effects.push(effect);
        Ok(out)
    }

    /// A payment of the open ticket by card or QR: checked as the ticket would take it, its
    /// intent written with the ticket as it stands and journaled as `asked`; it is then the
    /// payment in progress (the ticket locked).
    pub(super) fn payment_intent(
        &mut self,
        method: Method,
        amount: Option<Decimal>,
        asked: &str,
    ) -> Result<CardIntent, ServiceError> {
        self.check_discounts()?;
        let pricing = self.config.pricing.clone();
        let mut next = self.ticket.clone();
        if let TenderOutcome::Complete(_) = next.tender(method, amount, &pricing)? {
            self.check_prepay_pumps(&next)?;
        }
        let paid = next.payments.last().map(|p| p.amount).unwrap_or_default();
        let minor = pricing.currency.to_minor(paid).ok_or(StoreError::Amount(paid))?;
        let snapshot = serde_json::to_string(&self.ticket).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        let intent = self.store.create_intent(&terminal, (method.as_str(), "payment"), minor, Some(&snapshot), &at)?;
        self.journal(asked, &serde_json::json!({ "reference": intent.reference, "amount_minor": minor }))?;
        self.card = Some(CardPending::new(intent.clone(), paid, false, None));
        Ok(intent)
    }

    /// The open ticket with the card payment in progress.
    pub(super) fn card_outcome(&self) -> Result<Outcome, ServiceError> {
        let mut out = self.ticket_outcome()?;
        out.card = self.card.as_ref().map(|p| CardView {
            reference: p.intent.reference.clone(),
            amount: p.amount,
            state: match (&p.note, p.unclear) {
                (Some(_), _) => "unreachable",
                (None, true) => "asking",
                (None, false) => "waiting",
            },
            method: p.intent.method.clone(),
            kind: p.intent.kind.clone(),
            qr: p.qr.as_ref().map(|q| q.0.clone()),
            expires_at: p.qr.as_ref().and_then(|q| q.1.clone()),
            note: p.note.clone(),
        });
        Ok(out)
    }

    pub(super) fn pending(&self, intent: i64) -> Result<CardPending, ServiceError> {
        Ok(self.card.clone().filter(|p| p.intent.id == intent).ok_or(Refusal::NoCardPayment)?)
    }

    /// The cashier asks the terminal to abort; the terminal's ending decides.
    pub(super) fn card_abort(&mut self) -> Result<Outcome, ServiceError> {
        self.require(Permission::Sell, "sell")?;
        match &self.card {
            None => return Err(Refusal::NoCardPayment.into()),
            Some(p) if p.intent.method == "qr" => return self.qr_cancel(),
            Some(_) => {}
        }
        let mut out = self.card_outcome()?;
        out.effects.push(Effect::CardAbort);
        Ok(out)
    }

    /// Asks the terminal again about a payment whose ending was not heard.
    pub(super) fn card_recover(&mut self) -> Result<Outcome, ServiceError> {
        self.require(Permission::Sell, "sell")?;
        if self.card.as_ref().is_some_and(|p| p.intent.method == "qr") {
            return self.qr_check();
        }
        let pending = self.card.as_ref().filter(|p| p.unclear).ok_or(Refusal::NoCardPayment)?;
        let effect = Effect::CardRecover { intent: pending.intent.id };
        let mut out = self.card_outcome()?;
        out.effects.push(effect);
        Ok(out)
    }

    /// Closes the terminal's day: the terminal is asked for its total (`Effect::CardEndOfDay`).
    pub(super) fn card_end_of_day(&mut self) -> Result<Outcome, ServiceError> {
        self.require(Permission::CloseShift, "close the card terminal's day")?;
        if self.card.is_some() {
            return Err(Refusal::CardInProgress.into());
        }
        if self.config.card_terminal.is_none() {
            return Err(Refusal::CardTerminalUnreachable { detail: "no card terminal is configured".into() }.into());
        }
        Ok(Outcome::effects(vec![Effect::CardEndOfDay]))
    }

    /// The terminal's day total: compared with the till's, stored, and sent to head office.
    pub(super) fn card_day_closed(&mut self, terminal_minor: i64) -> Result<Outcome, ServiceError> {
        let user = self.require(Permission::CloseShift, "close the card terminal's day")?.name.clone();
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        let day = self.store.close_card_day(&terminal, terminal_minor, &at)?;
        let cur = self.config.pricing.currency.clone();
        let view = CardDayView {
            terminal_total: cur.from_minor(day.terminal_minor),
            till_total: cur.from_minor(day.till_minor),
            difference: cur.from_minor(day.terminal_minor - day.till_minor),
            count: day.count,
        };
        let event = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": "card_end_of_day", "terminal_id": terminal,
            "at": at, "user": user, "terminal_total": cur.fmt(view.terminal_total),
            "till_total": cur.fmt(view.till_total), "difference": cur.fmt(view.difference), "count": day.count,
            "currency": cur.code,
        });
        self.store.record_event("card_end_of_day", &event, &terminal, &at)?;
        Ok(Outcome { card_day: Some(view), ..Outcome::default() })
    }

    /// The terminal approved the payment: it is stored, and the sale with it when it completes
    /// the ticket. Ok only once that is durable; an Err means "goods not issued".
    pub(super) fn card_approved(
        &mut self,
        intent: i64,
        answer: TerminalAnswer,
        amount_minor: Option<i64>,
    ) -> Result<Outcome, ServiceError> {
        let pending = self.pending(intent)?;
        if amount_minor != Some(pending.intent.amount_minor) || answer.result_code != Some(0) {
            return Err(Refusal::CardAmountMismatch.into());
        }
        let (at, _) = now();
        self.store.settle_intent(intent, "approved", &answer, &at)?;
        self.take_card_payment(&pending)
    }

    /// Pays part of a refund back to the card the sale was paid with, through the terminal: a
    /// reversal of the terminal's receipt when the whole payment goes back on its day, a refund
    /// otherwise. The refund is stored once the terminal has paid it.
    pub(super) fn card_refund_begin(&mut self, plan: RefundPlan, orig: &SaleRecord) -> Result<Outcome, ServiceError> {
        let back = -plan.ticket.payments.iter().filter(|p| p.method == Method::Card).map(|p| p.amount).sum::<Decimal>();
        let cur = self.config.pricing.currency.clone();
        let minor = cur.to_minor(back).ok_or(StoreError::Amount(back))?;
        let (at, _) = now();
        let cards: Vec<_> = orig.payments.iter().filter_map(|p| Some((p.amount, p.card.as_ref()?))).collect();
        let reversal = match cards.as_slice() {
            [(amount, auth)] if *amount == back && orig.at.get(..10) == at.get(..10) => auth.terminal_receipt,
            _ => None,
        };
        self.card_refund_intent(plan, minor, reversal)
    }

    fn card_refund_intent(
        &mut self,
        plan: RefundPlan,
        minor: i64,
        reversal: Option<i64>,
    ) -> Result<Outcome, ServiceError> {
        let snapshot = serde_json::to_string(&plan).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let journal = ("card_refund_asked", None);
        self.card_back_intent(&snapshot, minor, reversal, journal, |p| p.refund = Some(plan))
    }

    /// Money going back to a card through the terminal (a reversal of its receipt `reversal`,
    /// or a refund): the intent with its plan `snapshot`, journaled as `journal` (with the
    /// payment it pays back, if any), the payment in progress made by `plan`, and the effect.
    pub(super) fn card_back_intent(
        &mut self,
        snapshot: &str,
        minor: i64,
        reversal: Option<i64>,
        (journal, payment_intent): (&str, Option<i64>),
        plan: impl FnOnce(&mut CardPending),
    ) -> Result<Outcome, ServiceError> {
        let kind = if reversal.is_some() { "reversal" } else { "refund" };
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        let intent = self.store.create_intent(&terminal, ("card", kind), minor, Some(snapshot), &at)?;
        let mut detail = serde_json::json!({ "reference": intent.reference, "kind": kind, "amount_minor": minor });
        if let Some(id) = payment_intent {
            detail["payment_intent"] = id.into();
        }
        self.journal(journal, &detail)?;
        let effect = Effect::CardPay {
            intent: intent.id,
            reference: intent.reference.clone(),
            amount_minor: minor,
            kind: kind.into(),
            receipt: reversal,
        };
        let amount = self.config.pricing.currency.from_minor(minor);
        let mut pending = CardPending::new(intent, amount, false, None);
        plan(&mut pending);
        self.card = Some(pending);
        let mut out = self.card_outcome()?;
        out.effects.push(effect);
        Ok(out)
    }

    /// Stores a refund whose card part the terminal paid back.
    fn take_card_refund(&mut self, pending: &CardPending, plan: &RefundPlan) -> Result<Outcome, ServiceError> {
        let mut t = plan.ticket.clone();
        if let Some(p) = t.payments.iter_mut().find(|p| p.method == Method::Card) {
            p.card_intent = Some(pending.intent.id);
        }
        let totals = t.totals(&self.config.pricing)?;
        let paid: Decimal = t.payments.iter().map(|p| p.amount).sum();
        let settlement = crate::domain::ticket::Settlement {
            cash_rounding: paid - totals.total,
            totals,
            payments: t.payments.clone(),
            paid,
            change: Decimal::ZERO,
        };
        let sale = self.store_sale(&t, &settlement, Some(plan.of))?;
        self.card = None;
        Ok(self.sold(sale, &t))
    }

    /// Puts the approved payment on the ticket; stores the sale when the ticket is paid.
    pub(super) fn take_card_payment(&mut self, pending: &CardPending) -> Result<Outcome, ServiceError> {
        if let Some(plan) = &pending.refund {
            return self.take_card_refund(pending, plan);
        }
        if let Some(plan) = &pending.undo {
            return self.finish_undo(pending, plan);
        }
        let pricing = self.config.pricing.clone();
        let mut next = self.ticket.clone();
        let method = if pending.intent.method == "qr" { Method::Qr } else { Method::Card };
        let outcome = next.tender(method, Some(pending.amount), &pricing)?;
        if let Some(p) = next.payments.last_mut() {
            p.card_intent = Some(pending.intent.id);
        }
        let out = match outcome {
            TenderOutcome::Partial { .. } => {
                self.ticket = next;
                self.ticket_outcome()?
            }
            TenderOutcome::Complete(settlement) => self.finish_sale(next, &settlement)?,
        };
        self.card = None;
        Ok(out)
    }

    /// The terminal ended the payment without taking it (or the link failed).
    pub(super) fn card_ended(&mut self, intent: i64, end: CardEnd) -> Result<Outcome, ServiceError> {
        if let CardEnd::AfterSale { stands } = end {
            return self.card_after_sale(intent, stands);
        }
        let pending = self.pending(intent)?;
        let (at, _) = now();
        let settle = |s: &mut Session, state: &str, code: Option<u8>, why: &str| -> Result<(), ServiceError> {
            let answer = TerminalAnswer { result_code: code.map(i64::from), ..TerminalAnswer::default() };
            s.store.settle_intent(intent, state, &answer, &at)?;
            s.card = None;
            s.journal(
                "card_payment_failed",
                &serde_json::json!({ "reference": pending.intent.reference, "state": state, "why": why }),
            )?;
            Ok(())
        };
        match end {
            CardEnd::Declined(code) => {
                let reason = till_hardware::zvt::msg::result_text(code);
                settle(self, "declined", Some(code), reason)?;
                if code == 0x6C {
                    return Err(Refusal::CardAborted.into());
                }
                // A reversal the terminal will not make (its day is closed, say): paid back as a
                // refund instead.
                if let (Some(plan), "reversal") = (pending.refund.clone(), pending.intent.kind.as_str()) {
                    return self.card_refund_intent(plan, pending.intent.amount_minor, None);
                }
                if let (Some(plan), "reversal") = (pending.undo.clone(), pending.intent.kind.as_str()) {
                    return self.card_undo_intent(plan, pending.intent.amount_minor, None);
                }
                Err(Refusal::CardDeclined { code, reason }.into())
            }
            CardEnd::NotIssued => {
                settle(self, "reversed", None, "goods not issued")?;
                Err(Refusal::CardNotTaken.into())
            }
            CardEnd::NotAsked(detail) => {
                settle(self, "declined", None, &detail)?;
                Err(Refusal::CardTerminalUnreachable { detail }.into())
            }
            CardEnd::AfterSale { .. } => Err(Refusal::NoCardPayment.into()),
            CardEnd::Unclear(detail) => {
                self.store.settle_intent(intent, "unclear", &TerminalAnswer::default(), &at)?;
                tracing::warn!("card payment {} unclear: {detail}", pending.intent.reference);
                if let Some(p) = &mut self.card {
                    p.unclear = true;
                }
                let mut out = self.card_outcome()?;
                out.effects.push(Effect::CardRecover { intent });
                Ok(out)
            }
        }
    }

    /// A stored sale's card payment that the terminal reversed (or could not confirm) after the
    /// link failed: the sale stays as stored (a receipt is never changed); the reversal is
    /// journaled and sent to head office, and the cashier told to take that amount again.
    fn card_after_sale(&mut self, intent: i64, stands: Option<bool>) -> Result<Outcome, ServiceError> {
        let i = self.store.intent(intent)?.ok_or(Refusal::NoCardPayment)?;
        let receipt = match i.sale_id {
            Some(id) => self.store.sale_by_id(id, &self.config.pricing.currency)?.receipt_no,
            None => 0,
        };
        let amount = self.config.pricing.currency.from_minor(i.amount_minor);
        let kind = if stands == Some(false) { "card_payment_reversed_after_sale" } else { "card_payment_unconfirmed" };
        let (at, _) = now();
        let cur = &self.config.pricing.currency;
        let event = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": kind, "terminal_id": self.config.terminal_id,
            "at": at, "user": self.user.as_ref().map(|u| u.name.clone()), "reference": i.reference,
            "receipt_no": receipt, "amount": cur.fmt(amount), "currency": cur.code,
            "terminal_receipt": i.answer.pt_receipt, "trace": i.answer.trace,
        });
        let terminal = self.config.terminal_id.clone();
        self.store.record_event(kind, &event, &terminal, &at)?;
        self.store.mark_intent_after_sale(intent, stands == Some(false))?;
        Err(match stands {
            Some(false) => Refusal::CardReversedAfterSale { receipt, amount },
            _ => Refusal::CardUnconfirmed { receipt, amount },
        }
        .into())
    }

    /// What the terminal shows as its last transaction, asked after an unclear ending. If it
    /// is this payment, approved and standing, the payment is stored; otherwise nothing was
    /// taken and the ticket stays open for another tender.
    pub(super) fn card_recovered(
        &mut self,
        intent: i64,
        last: Option<(TerminalAnswer, i64)>,
    ) -> Result<Outcome, ServiceError> {
        let pending = self.pending(intent)?;
        let terminal = self.config.terminal_id.clone();
        let known = self.store.known_pt_receipts(&terminal, intent)?;
        let taken = last.as_ref().filter(|(a, amount)| {
            a.result_code == Some(0)
                && *amount == pending.intent.amount_minor
                && a.pt_receipt.is_some_and(|r| !known.contains(&r))
        });
        let (at, _) = now();
        let (state, answer) = match taken {
            Some((answer, _)) => ("approved", answer.clone()),
            // The receipt number is not kept: it belongs to another transaction.
            None => {
                ("reversed", TerminalAnswer { result_code: last.and_then(|l| l.0.result_code), ..Default::default() })
            }
        };
        self.journal(
            "card_payment_resolved",
            &serde_json::json!({ "reference": pending.intent.reference, "state": state }),
        )?;
        self.store.settle_intent(intent, state, &answer, &at)?;
        if state == "approved" {
            // The terminal took the money: the sale is stored with it, whatever else fails.
            return self.take_card_payment(&pending);
        }
        self.card = None;
        Err(Refusal::CardNotTaken.into())
    }

    /// At sign-in: a payment left unsettled by a crash is taken up again (its ticket restored)
    /// and the terminal asked what became of it.
    pub(super) fn resume_card_payment(&mut self, mut out: Outcome) -> Result<Outcome, ServiceError> {
        let terminal = self.config.terminal_id.clone();
        if self.card.is_some() {
            return Ok(out);
        }
        // Each open intent is taken up by the device it went to, when that is configured.
        let usable = |i: &CardIntent| match i.method.as_str() {
            "qr" => self.config.qr.is_some(),
            _ => self.config.card_terminal.is_some(),
        };
        let Some(intent) = self.store.open_intents(&terminal)?.into_iter().find(usable) else { return Ok(out) };
        let (mut refund, mut undo) = (None, None);
        if intent.kind == "payment" {
            if let Some(t) = intent.ticket.as_deref().and_then(|t| serde_json::from_str::<Ticket>(t).ok()) {
                if self.ticket.is_empty() {
                    self.ticket = t;
                }
            }
        } else {
            refund = intent.ticket.as_deref().and_then(|t| serde_json::from_str::<RefundPlan>(t).ok());
            // A payment on the open ticket being paid back: its ticket is taken up again.
            undo = intent.ticket.as_deref().and_then(|t| serde_json::from_str::<super::card_undo::UndoPlan>(t).ok());
            if let Some(u) = undo.as_ref().filter(|_| self.ticket.is_empty()) {
                self.ticket = u.ticket.clone();
            }
        }
        let amount = self.config.pricing.currency.from_minor(intent.amount_minor);
        let id = intent.id;
        let effect = match intent.method.as_str() {
            "qr" => Effect::Qr {
                op: crate::devices::qr::QrOp::Poll,
                intent: id,
                reference: intent.reference.clone(),
                amount_minor: intent.amount_minor,
            },
            _ => Effect::CardRecover { intent: id },
        };
        let mut pending = CardPending::new(intent, amount, true, refund);
        pending.undo = undo;
        self.card = Some(pending);
        let view = self.card_outcome()?;
        out.ticket = view.ticket;
        out.card = view.card;
        out.effects.push(effect);
        Ok(out)
    }
}
