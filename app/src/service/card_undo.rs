//! Taking a card payment back off an open ticket (the cashier removes it, or cancels the
//! ticket): the card was charged through the terminal, so the money goes back through it first,
//! as a reversal of the terminal's receipt (a refund if the terminal will not reverse it), under
//! its own intent. Only once the terminal has paid it back does the payment leave the ticket; a
//! reversal the terminal refuses leaves the payment where it was. A QR wallet payment has no
//! way back through its provider: it stays, and the sale is refunded once stored.

use super::card::CardPending;
use super::{now, Effect, Outcome, Refusal, ServiceError, Session};
use crate::domain::ticket::Ticket;
use crate::store::StoreError;
use serde::{Deserialize, Serialize};

/// What is done once the terminal has paid the card payment back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Undo {
    /// The payment comes off the ticket.
    RemovePayment,
    /// The payment comes off the ticket and the cancel goes on (the next card payment, or the
    /// ticket itself).
    CancelTicket,
}

/// A reversal (or refund) of a payment on the open ticket, as its intent keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UndoPlan {
    pub undo: Undo,
    /// The intent of the payment paid back.
    pub payment_intent: i64,
    /// The ticket as it stood, to take up again after a crash.
    pub ticket: Ticket,
}

impl Session {
    /// The terminal's receipt of a payment it took: kept with the payment and printed after
    /// the till's receipt (the customer's copy). Only printable lines of a sane length are kept.
    pub(super) fn card_receipt(&mut self, intent: i64, lines: Vec<String>) -> Result<Outcome, ServiceError> {
        let lines: Vec<String> = lines
            .into_iter()
            .take(80)
            .map(|l| l.chars().filter(|c| !c.is_control()).take(60).collect::<String>())
            .collect();
        self.store.set_intent_lines(intent, &lines)?;
        Ok(Outcome::effects(vec![Effect::PrintSlip { slip: super::Slip::CardReceipt { lines } }]))
    }

    /// Before a payment leaves the open ticket: a card payment charged through the terminal is
    /// paid back first (the answer is the reversal in progress); a QR payment is refused.
    /// `None`: nothing charged needs paying back, go on.
    pub(super) fn undo_card_first(
        &mut self,
        undo: Undo,
        index: Option<usize>,
    ) -> Result<Option<Outcome>, ServiceError> {
        let charged: Vec<(usize, i64)> = self
            .ticket
            .payments
            .iter()
            .enumerate()
            .filter(|(i, _)| index.is_none_or(|n| n == *i))
            .filter_map(|(i, p)| Some((i, p.card_intent?)))
            .collect();
        for (_, id) in charged {
            let Some(intent) = self.store.intent(id)? else { continue };
            if intent.state != "approved" {
                continue;
            }
            if intent.method == "qr" {
                return Err(Refusal::QrPaymentStays.into());
            }
            if self.config.card_terminal.is_none() {
                continue;
            }
            let plan = UndoPlan { undo, payment_intent: id, ticket: self.ticket.clone() };
            let receipt = intent.answer.pt_receipt;
            return self.card_undo_intent(plan, intent.amount_minor, receipt).map(Some);
        }
        Ok(None)
    }

    /// Asks the terminal to pay the payment back: a reversal of its receipt, or a refund.
    pub(super) fn card_undo_intent(
        &mut self,
        plan: UndoPlan,
        minor: i64,
        reversal: Option<i64>,
    ) -> Result<Outcome, ServiceError> {
        let snapshot = serde_json::to_string(&plan).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let journal = ("card_payment_back_asked", Some(plan.payment_intent));
        self.card_back_intent(&snapshot, minor, reversal, journal, |p| p.undo = Some(plan))
    }

    /// The terminal paid the payment back: both intents are settled off any sale (the
    /// terminal's day nets them out, as the till's does), the payment leaves the ticket, and a
    /// cancel goes on.
    pub(super) fn finish_undo(&mut self, pending: &CardPending, plan: &UndoPlan) -> Result<Outcome, ServiceError> {
        let (at, _) = now();
        self.store.return_intents(&[plan.payment_intent, pending.intent.id], &at, None)?;
        self.card = None;
        let cur = self.config.pricing.currency.clone();
        let position = self.ticket.payments.iter().position(|p| p.card_intent == Some(plan.payment_intent));
        if let Some(i) = position {
            let removed = self.ticket.payments.remove(i);
            self.journal(
                "payment_removed",
                &serde_json::json!({ "index": i, "method": removed.method.as_str(), "amount": cur.fmt(removed.amount),
                                     "paid_back": pending.intent.kind, "reference": pending.intent.reference }),
            )?;
        }
        match plan.undo {
            Undo::RemovePayment => self.ticket_outcome(),
            Undo::CancelTicket => self.cancel_ticket(),
        }
    }
}
