//! QR wallet payments (QRIS, UPI) through the configured provider, exactly once, with the card
//! payments' intents: the intent is durable before the provider is asked to make the payment,
//! and the provider knows the payment by the intent's reference, so asking again never makes a
//! second one. The sale is stored when the provider says "paid", for the amount asked; failed,
//! expired and cancelled payments change nothing but the intent. A payment whose QR code the
//! customer may have seen is never given up while the provider cannot be asked: it stays open
//! (and is asked for again) until the provider answers.

use super::{now, Effect, Outcome, Refusal, ServiceError, Session};
use crate::devices::qr::{QrAnswer, QrOp, QrPayment, QrStatus};
use crate::domain::ticket::Method;
use crate::domain::users::Permission;
use crate::store::TerminalAnswer;
use rust_decimal::Decimal;

impl Session {
    /// `tender` with `method: qr`: checks the payment as the ticket would take it, writes the
    /// intent and asks the provider for the payment's QR code.
    pub(super) fn qr_begin(&mut self, amount: Option<Decimal>) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        if self.config.qr.is_none() {
            return Err(Refusal::QrNotConfigured.into());
        }
        let intent = self.payment_intent(Method::Qr, amount, "qr_payment_asked")?;
        let effect = Effect::Qr {
            op: QrOp::Create,
            intent: intent.id,
            reference: intent.reference.clone(),
            amount_minor: intent.amount_minor,
        };
        let mut out = self.card_outcome()?;
        out.effects.push(effect);
        out.effects.push(Effect::ShowCustomer { show: super::CustomerView::Qr });
        Ok(out)
    }

    fn qr_pending(&self) -> Result<super::card::CardPending, ServiceError> {
        Ok(self.card.clone().filter(|p| p.intent.method == "qr").ok_or(Refusal::NoCardPayment)?)
    }

    fn qr_effect(&self, op: QrOp) -> Result<Outcome, ServiceError> {
        self.require(Permission::Sell, "sell")?;
        let p = self.qr_pending()?;
        let mut out = self.card_outcome()?;
        out.effects.push(Effect::Qr {
            op,
            intent: p.intent.id,
            reference: p.intent.reference.clone(),
            amount_minor: p.intent.amount_minor,
        });
        Ok(out)
    }

    /// Asks the provider now whether the QR payment is paid.
    pub(super) fn qr_check(&mut self) -> Result<Outcome, ServiceError> {
        self.qr_effect(QrOp::Poll)
    }

    /// Asks the provider to cancel the QR payment; what it answers decides (a payment the
    /// customer paid first is taken).
    pub(super) fn qr_cancel(&mut self) -> Result<Outcome, ServiceError> {
        self.qr_effect(QrOp::Cancel)
    }

    /// What the provider answered about the QR payment in progress.
    pub(super) fn qr_answered(&mut self, intent: i64, op: QrOp, answer: QrAnswer) -> Result<Outcome, ServiceError> {
        let pending = self.pending(intent)?;
        if pending.intent.method != "qr" {
            return Err(Refusal::NoCardPayment.into());
        }
        match answer {
            QrAnswer::Unreachable(detail) => {
                tracing::warn!("QR payment {}: the provider did not answer: {detail}", pending.intent.reference);
                // A code nobody was shown cannot have been paid: a cancel ends it here. (After a
                // restart the code may have been shown before: that one waits for the provider.)
                if op == QrOp::Cancel && pending.qr.is_none() && !pending.unclear {
                    return self.qr_end(&pending, "cancelled", Refusal::QrEnded { ending: "cancelled" });
                }
                if let Some(p) = &mut self.card {
                    p.note = Some(detail.clone());
                }
                if op == QrOp::Cancel {
                    return Err(Refusal::QrCannotCancel { detail }.into());
                }
                self.card_outcome()
            }
            QrAnswer::Refused(detail) => self.qr_end(&pending, "failed", Refusal::QrRefused { detail }),
            QrAnswer::Payment(p) => self.qr_payment(&pending, p),
        }
    }

    fn qr_payment(&mut self, pending: &super::card::CardPending, p: QrPayment) -> Result<Outcome, ServiceError> {
        let same = p.amount_minor == pending.intent.amount_minor && p.currency == self.config.pricing.currency.code;
        match p.status {
            QrStatus::Pending | QrStatus::Paid if !same => {
                // Never taken for another amount. The payment is given up here (the ticket stays
                // open for another tender) and head office told, to settle it with the provider.
                let (at, _) = now();
                let terminal = self.config.terminal_id.clone();
                let event = serde_json::json!({
                    "event_id": uuid::Uuid::new_v4().to_string(), "kind": "qr_payment_mismatch",
                    "terminal_id": terminal, "at": at, "reference": pending.intent.reference,
                    "asked_minor": pending.intent.amount_minor, "reported_minor": p.amount_minor,
                    "reported_currency": p.currency, "reported_status": p.status, "provider_ref": p.provider_ref,
                });
                self.store.record_event("qr_payment_mismatch", &event, &terminal, &at)?;
                self.qr_end(pending, "failed", Refusal::QrAmountMismatch)
            }
            QrStatus::Pending => {
                if let Some(c) = &mut self.card {
                    c.qr = p.qr.map(|q| (q, p.expires_at));
                    c.note = None;
                    c.unclear = false;
                }
                self.card_outcome()
            }
            QrStatus::Paid => {
                let answer = TerminalAnswer {
                    result_code: Some(0),
                    card_name: p.wallet.clone().or_else(|| Some("QR".into())),
                    auth_code: p.provider_ref.clone(),
                    ..TerminalAnswer::default()
                };
                let (at, _) = now();
                self.journal(
                    "qr_payment_paid",
                    &serde_json::json!({ "reference": pending.intent.reference, "provider_ref": p.provider_ref }),
                )?;
                self.store.settle_intent(pending.intent.id, "approved", &answer, &at)?;
                // The wallet took the money: the sale is stored with it.
                self.take_card_payment(pending)
            }
            QrStatus::Failed => self.qr_end(pending, "failed", Refusal::QrEnded { ending: "failed" }),
            QrStatus::Expired => self.qr_end(pending, "expired", Refusal::QrEnded { ending: "expired" }),
            QrStatus::Cancelled => self.qr_end(pending, "cancelled", Refusal::QrEnded { ending: "cancelled" }),
        }
    }

    /// The QR payment ended unpaid: the intent says how, the ticket stays open for another tender.
    fn qr_end(
        &mut self,
        pending: &super::card::CardPending,
        ending: &'static str,
        why: Refusal,
    ) -> Result<Outcome, ServiceError> {
        let (at, _) = now();
        self.store.end_qr_intent(pending.intent.id, ending, &at)?;
        self.card = None;
        self.journal(
            "qr_payment_failed",
            &serde_json::json!({ "reference": pending.intent.reference, "state": ending }),
        )?;
        Err(why.into())
    }
}
