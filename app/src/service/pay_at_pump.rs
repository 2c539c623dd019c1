//! Pay-at-pump at a kiosk (or an outdoor payment terminal): the customer picks a pump and an
//! amount (or "fill up", the configured most), the card terminal reserves it with the pump
//! number (`06 22`), the pump is authorized with that preset, and once the fill is done the
//! sale of what the pump measured is stored and booked on the card (`06 24`); a fill of nothing
//! releases the reservation (`06 25`).
//!
//! Exactly once, whatever fails: the reservation is durable before the terminal is asked; the
//! sale and the move to `booking` are one transaction; and at the kiosk's start every open
//! reservation is matched against the terminal's list of open ones (`06 23 87 FF FF`) and the
//! pump's own record, then booked, released or left to finish.

use super::{now, CardEnd, Effect, Outcome, Refusal, ServiceError, Session};
use crate::devices::forecourt::PumpState;
use crate::domain::ticket::{Line, Method, TenderOutcome, Ticket};
use crate::domain::users::Permission;
use crate::store::{Reservation, TerminalAnswer};
use rust_decimal::Decimal;
use serde::Serialize;

/// A pump held for pay-at-pump, as answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReservationView {
    pub pump: u8,
    /// "asking" (the card terminal is working), "reserved" (the pump is authorized), "booking".
    pub state: String,
    pub amount: Decimal,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filled: Option<Decimal>,
}

impl Session {
    fn reservation_views(&self) -> Result<Vec<ReservationView>, ServiceError> {
        let cur = &self.config.pricing.currency;
        Ok(self
            .store
            .open_reservations(&self.config.terminal_id)?
            .into_iter()
            .map(|r| ReservationView {
                pump: r.pump,
                state: r.state,
                amount: cur.from_minor(r.amount_minor),
                filled: r.filled_minor.map(|f| cur.from_minor(f)),
            })
            .collect())
    }

    fn with_reservations(&self, mut out: Outcome) -> Result<Outcome, ServiceError> {
        out.reservations = Some(self.reservation_views()?);
        Ok(out)
    }

    /// `pump_pay`: the customer pays for fuel at the kiosk, by card, before filling.
    pub(super) fn pump_pay(&mut self, pump: u8, amount: Option<Decimal>) -> Result<Outcome, ServiceError> {
        if !self.kiosk_mode() {
            return Err(Refusal::NotAKiosk.into());
        }
        self.require(Permission::Sell, "use the kiosk")?;
        let fill_up = match &self.config.kiosk {
            Some(k) if self.kiosk_active() => k.fill_up,
            _ => return Err(Refusal::NotAKiosk.into()),
        };
        if self.config.card_terminal.is_none() {
            return Err(Refusal::CardTerminalUnreachable { detail: "no card terminal is configured".into() }.into());
        }
        if !self.ticket.is_empty() {
            return Err(ServiceError::TicketOpen);
        }
        let v = self.pump_view(pump)?;
        if !matches!(v.state, PumpState::Idle | PumpState::Calling) {
            return Err(ServiceError::PumpState { pump, state: v.state.as_str(), what: "it cannot be paid for now" });
        }
        if self.fill_on(pump).is_some() || self.open_prepay(pump).is_some() {
            return Err(Refusal::PumpHeld { pump }.into());
        }
        let amount = amount.unwrap_or(fill_up);
        let cur = self.config.pricing.currency.clone();
        let minor = cur.to_minor(amount).filter(|m| *m > 0 && amount <= fill_up);
        let Some(minor) = minor else { return Err(Refusal::PumpPayAmount { max: fill_up }.into()) };
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        let r = self.store.create_reservation(&terminal, pump, minor, &at)?.ok_or(Refusal::PumpHeld { pump })?;
        self.journal(
            "pump_reservation_asked",
            &serde_json::json!({ "reference": r.reference, "pump": pump, "amount_minor": minor }),
        )?;
        let effect =
            Effect::PumpCard { reservation: r.id, op: "reserve".into(), amount_minor: minor, pump, receipt: None };
        self.with_reservations(Outcome::effects(vec![effect]))
    }

    fn reservation_of(&self, id: i64) -> Result<Reservation, ServiceError> {
        Ok(self.store.reservation(id)?.ok_or(Refusal::NoCardPayment)?)
    }

    /// The card terminal approved the reservation, its booking or its release: stored before
    /// the terminal is answered (an error here answers "not issued", and the terminal undoes it).
    pub(super) fn reservation_approved(
        &mut self,
        id: i64,
        answer: TerminalAnswer,
        amount_minor: Option<i64>,
    ) -> Result<Outcome, ServiceError> {
        let r = self.reservation_of(id)?;
        let (at, _) = now();
        if answer.result_code != Some(0) {
            return Err(Refusal::CardAmountMismatch.into());
        }
        let (from, to, expected, kind) = match r.state.as_str() {
            "asking" => ("asking", "reserved", Some(r.amount_minor), "pump_reserved"),
            "booking" => ("booking", "booked", r.filled_minor, "pump_booked"),
            // A release is a booking of nothing.
            "reserved" => ("reserved", "released", Some(0), "pump_reservation_released"),
            _ => return Err(Refusal::NoCardPayment.into()),
        };
        if amount_minor != expected {
            return Err(Refusal::CardAmountMismatch.into());
        }
        // The reservation's own receipt stays the one bookings refer to.
        let keep = TerminalAnswer { pt_receipt: None, trace: None, ..answer.clone() };
        let stored = if from == "asking" { &answer } else { &keep };
        if !self.store.move_reservation(id, &[from], to, Some(stored), &at)? {
            return Err(Refusal::NoCardPayment.into());
        }
        self.journal(
            kind,
            &serde_json::json!({ "reference": r.reference, "pump": r.pump, "amount_minor": amount_minor }),
        )?;
        self.with_reservations(Outcome::default())
    }

    /// The terminal's transaction for a reservation ended: a reservation that stands authorizes
    /// its pump; a declined one is closed; an unclear one is asked about at once.
    pub(super) fn reservation_ended(&mut self, id: i64, end: Option<CardEnd>) -> Result<Outcome, ServiceError> {
        let r = self.reservation_of(id)?;
        let (at, _) = now();
        let cur = self.config.pricing.currency.clone();
        match (r.state.as_str(), &end) {
            ("reserved", None) => {
                let amount = Some(cur.from_minor(r.amount_minor));
                self.journal_pump("pay_at_pump_authorize", Some(r.pump), serde_json::json!({ "amount": amount }))?;
                self.with_reservations(Outcome::effects(vec![Effect::AuthorizePump {
                    pump: r.pump,
                    amount,
                    litres: None,
                }]))
            }
            ("asking", Some(CardEnd::Declined(_) | CardEnd::NotAsked(_) | CardEnd::NotIssued)) => {
                self.store.move_reservation(id, &["asking"], "declined", None, &at)?;
                let refusal = match end {
                    Some(CardEnd::Declined(code)) => {
                        Refusal::CardDeclined { code, reason: till_hardware::zvt::msg::result_text(code) }
                    }
                    Some(CardEnd::NotAsked(detail)) => Refusal::CardTerminalUnreachable { detail },
                    _ => Refusal::CardDeclined { code: 0x66, reason: "not issued" },
                };
                let why = refusal.to_string();
                self.journal(
                    "pump_reservation_declined",
                    &serde_json::json!({ "reference": r.reference, "why": why }),
                )?;
                Err(refusal.into())
            }
            (_, None) => self.with_reservations(Outcome::default()),
            // Unclear, or a booking or release the terminal did not take: what it holds decides.
            _ => {
                tracing::warn!("pay-at-pump reservation {} ended unclear ({end:?}); asking the terminal", r.reference);
                self.with_reservations(Outcome::effects(vec![Effect::ListReservations]))
            }
        }
    }

    /// At the kiosk's start: open reservations are matched against the terminal's.
    pub(super) fn reservations_to_recover(&self) -> Result<Vec<Effect>, ServiceError> {
        let open = self.store.open_reservations(&self.config.terminal_id)?;
        Ok(if open.is_empty() || self.config.card_terminal.is_none() { vec![] } else { vec![Effect::ListReservations] })
    }

    /// What the terminal holds open decides each of this terminal's open reservations.
    pub(super) fn reservations_open(
        &mut self,
        list: Option<Vec<(i64, i64)>>,
        failed: Option<String>,
    ) -> Result<Outcome, ServiceError> {
        let Some(list) = list else {
            tracing::warn!(
                "the card terminal's open reservations could not be read: {failed:?}; asked again at the next start"
            );
            return self.with_reservations(Outcome::default());
        };
        let (at, _) = now();
        let mut out = Outcome::default();
        let open = self.store.open_reservations(&self.config.terminal_id)?;
        let known: Vec<i64> = open.iter().filter_map(|r| r.answer.pt_receipt).collect();
        for r in open {
            let held = r.answer.pt_receipt.is_some_and(|p| list.iter().any(|(rc, _)| *rc == p));
            match r.state.as_str() {
                "asking" => {
                    // Approved but never answered "issued": the terminal undid it (no answer
                    // is a "not issued"), unless it shows one that is nobody else's.
                    let found = list.iter().find(|(rc, a)| *a == r.amount_minor && !known.contains(rc));
                    match found {
                        Some(&(rc, _)) => {
                            let answer =
                                TerminalAnswer { result_code: Some(0), pt_receipt: Some(rc), ..Default::default() };
                            self.store.move_reservation(r.id, &["asking"], "reserved", Some(&answer), &at)?;
                            let r = self.reservation_of(r.id)?;
                            let o = self.settle_reservation(&r, true)?;
                            out.effects.extend(o.effects);
                            out.sale = o.sale.or(out.sale.take());
                        }
                        None => {
                            self.store.move_reservation(r.id, &["asking"], "declined", None, &at)?;
                            self.journal(
                                "pump_reservation_declined",
                                &serde_json::json!({ "reference": r.reference, "why": "not held by the terminal" }),
                            )?;
                        }
                    }
                }
                "reserved" if held => {
                    let o = self.settle_reservation(&r, true)?;
                    out.effects.extend(o.effects);
                    out.sale = o.sale.or(out.sale.take());
                }
                "reserved" => {
                    // The terminal let it go (expired, or released by an operator).
                    self.store.move_reservation(r.id, &["reserved"], "released", None, &at)?;
                    self.journal(
                        "pump_reservation_lost",
                        &serde_json::json!({ "reference": r.reference, "pump": r.pump }),
                    )?;
                }
                "booking" if held => out.effects.push(self.booking(&r)),
                "booking" => {
                    // Booked: its answer was lost on the way.
                    self.store.move_reservation(r.id, &["booking"], "booked", None, &at)?;
                    self.journal("pump_booked", &serde_json::json!({ "reference": r.reference, "recovered": true }))?;
                }
                _ => {}
            }
        }
        self.with_reservations(out)
    }

    fn booking(&self, r: &Reservation) -> Effect {
        Effect::PumpCard {
            reservation: r.id,
            op: "book".into(),
            amount_minor: r.filled_minor.unwrap_or(0),
            pump: r.pump,
            receipt: r.answer.pt_receipt,
        }
    }

    /// Every reserved pump whose fill is done: sold and booked (or released when nothing was
    /// filled). Called as the pumps change.
    pub(super) fn settle_reservations(&mut self) -> Option<Outcome> {
        if self.user.is_none() || self.shift.is_none() || self.forecourt.is_none() {
            return None;
        }
        let open = self.store.open_reservations(&self.config.terminal_id).ok()?;
        let mut out = Outcome::default();
        for r in open.iter().filter(|r| r.state == "reserved") {
            match self.settle_reservation(r, false) {
                Ok(o) => {
                    out.effects.extend(o.effects);
                    if o.sale.is_some() {
                        out.sale = o.sale;
                    }
                }
                Err(e) => tracing::warn!("the reservation for pump {} is not settled: {e}", r.pump),
            }
        }
        (!out.effects.is_empty()).then_some(out)
    }

    /// One reserved pump as it stands: a completed fill is sold and booked, nothing filled is
    /// released; a pump still authorized or filling is left to finish. `restarted`: after a
    /// restart a pump back at idle with nothing on it filled nothing.
    fn settle_reservation(&mut self, r: &Reservation, restarted: bool) -> Result<Outcome, ServiceError> {
        let v = self.pump_view(r.pump)?;
        let release = Effect::PumpCard {
            reservation: r.id,
            op: "release".into(),
            amount_minor: 0,
            pump: r.pump,
            receipt: r.answer.pt_receipt,
        };
        match v.state {
            PumpState::Completed if v.amount.is_zero() => {
                Ok(Outcome::effects(vec![Effect::ResetPump { pump: r.pump }, release]))
            }
            PumpState::Completed => {
                let cur = self.config.pricing.currency.clone();
                if cur.to_minor(v.amount).is_none_or(|m| m > r.amount_minor) {
                    return Err(Refusal::PrepayOverrun {
                        pump: r.pump,
                        dispensed: v.amount,
                        prepaid: cur.from_minor(r.amount_minor),
                    }
                    .into());
                }
                let grade = v.grade.clone().ok_or(Refusal::PumpNoGrade { pump: r.pump })?;
                let g = self.fill_grade(&grade, &v)?;
                let mut t = Ticket::default();
                t.lines.push(Line::pump_fill(&g, r.pump, v.volume, v.amount, &self.config.pricing)?);
                let pricing = self.config.pricing.clone();
                let TenderOutcome::Complete(settlement) = t.tender(Method::Card, Some(v.amount), &pricing)? else {
                    return Err(Refusal::CardAmountMismatch.into());
                };
                // The sale and the reservation's move to `booking` are one transaction.
                let sale = self.store_sale_with(&t, &settlement, None, vec![(0, r.auth())])?;
                let booked = self.reservation_of(r.id)?;
                let mut out = self.sold(sale.clone(), &t);
                let receipt_no = sale.receipt_no;
                if self.config.kiosk.as_ref().is_some_and(|k| k.fuel_only) && !restarted {
                    // An outdoor payment terminal stands at the pump: its customer chooses a
                    // printed receipt or a QR code (`kiosk_print` with this receipt number).
                    self.kiosk.fills.push((receipt_no, std::time::Instant::now()));
                    self.kiosk.fills.retain(|(_, at)| at.elapsed() < super::kiosk::FILL_RECEIPT);
                } else {
                    // The customer is at the pump, not at the kiosk's screen (or the kiosk
                    // restarted since): the receipt prints.
                    out.effects.push(Effect::PrintReceipt {
                        receipt_no,
                        copy: false,
                        queue_id: None,
                        sale: Box::new(sale),
                    });
                }
                out.effects.push(self.booking(&booked));
                Ok(out)
            }
            PumpState::Idle | PumpState::Calling if restarted => Ok(Outcome::effects(vec![release])),
            _ => Ok(Outcome::default()),
        }
    }
}
