//! Signing in and out, opening and closing the shift.

use super::command::CountEntry;
use super::{now, AmountOf, Blocker, Effect, Outcome, Refusal, ServiceError, Session, ShiftView};
use crate::domain::money::Dec;
use crate::domain::shift::ShiftCount;
use crate::domain::users::Permission;
use crate::store::{OpenShift, ShiftStart};
use rust_decimal::Decimal;

impl Session {
    pub(super) fn login(&mut self, pin: &str, name: Option<&str>) -> Result<Outcome, ServiceError> {
        if let Some(u) = &self.user {
            return Err(ServiceError::AlreadyLoggedIn(u.name.clone()));
        }
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        let found = match name {
            Some(n) => self.named_pin(pin, n)?,
            None => self.pin_holder(pin, "login_failed", serde_json::Value::Null)?,
        };
        // The counter's screens are for roles that work the counter (not the kiosk role).
        let policy = self.config.role_policy(found.role);
        if !policy.allows(Permission::Counter) {
            self.journal(
                "login_refused",
                &serde_json::json!({ "user_id": found.id, "reason": "no counter permission" }),
            )?;
            return Err(ServiceError::NotPermitted { role: found.role, what: "sign in at the counter" });
        }
        let permissions = policy.permissions.iter().copied().collect();
        self.store.record_login(found.id, &terminal, &at)?;
        let look = self.user_look(found.id)?;
        self.user = Some(found.clone());
        Ok(Outcome {
            user: Some(found),
            permissions: Some(permissions),
            shift: self.shift_view(),
            held: Some(self.held.len()),
            look: Some(look),
            prepays: Some(self.prepay_views()),
            ..Outcome::default()
        })
    }

    pub(super) fn logout(&mut self) -> Result<Outcome, ServiceError> {
        let user = self.user()?.clone();
        if !self.ticket.lines.is_empty() {
            return Err(ServiceError::TicketOpen);
        }
        if !self.held.is_empty() {
            return Err(ServiceError::TicketsHeld { count: self.held.len() });
        }
        self.journal("logout", &serde_json::json!({ "user_id": user.id }))?;
        self.user = None;
        Ok(Outcome { look: Some(self.look()), ..Outcome::default() })
    }

    pub(super) fn shift_view(&self) -> Option<ShiftView> {
        self.shift.as_ref().map(|s| ShiftView {
            id: s.id,
            opened_at: s.opened_at.clone(),
            float: self.config.pricing.currency.from_minor(s.float_minor),
        })
    }

    pub(super) fn open_shift(&mut self, float: Decimal) -> Result<Outcome, ServiceError> {
        let user = self.require(Permission::OpenShift, "open a shift")?.clone();
        if let Some(s) = &self.shift {
            return Err(ServiceError::ShiftOpen(s.opened_at.clone()));
        }
        let float_minor = self.money(float, AmountOf::Float)?;
        let (at, _) = now();
        let cur = &self.config.pricing.currency;
        let event = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": "shift_open", "terminal_id": self.terminal(),
            "at": at, "user": user.name, "float": cur.fmt(float), "currency": cur.code,
        });
        let terminal = self.config.terminal_id.clone();
        let id = self.store.open_shift(&terminal, &user, float_minor, &event, &at)?;
        self.shift = Some(OpenShift { id, opened_at: at, opened_by: user.id, float_minor });
        let mut effects = Vec::new();
        if self.forecourt.is_some() {
            effects.push(Effect::ReadMeterTotals { phase: "shift_open".into() });
        }
        if self.config.tank_gauge_port.is_some() {
            effects.push(Effect::ReadTanks { phase: "shift_open".into() });
        }
        Ok(Outcome { shift: self.shift_view(), effects, ..Outcome::default() })
    }

    /// What keeps the shift from closing: the open ticket, held tickets, fills not paid for,
    /// prepayments not settled. Each is named; none is carried over silently.
    pub(super) fn unfinished(&self) -> Vec<Blocker> {
        let cur = &self.config.pricing.currency;
        let mut left = Vec::new();
        if !self.ticket.lines.is_empty() {
            left.push(Blocker::TicketOpen);
        }
        if !self.held.is_empty() {
            left.push(Blocker::Held { count: self.held.len() });
        }
        for p in &self.prepays {
            left.push(Blocker::Prepay { pump: p.pump, amount: cur.from_minor(p.amount_minor), receipt: p.receipt_no });
        }
        use crate::devices::forecourt::PumpState as P;
        for p in self.pump_views() {
            if self.prepaid(p.number) || self.resetting.iter().any(|r| r.0 == p.number) {
                continue;
            }
            match p.state {
                P::Completed if !p.amount.is_zero() => {
                    left.push(Blocker::UnpaidFill { pump: p.number, amount: p.amount });
                }
                P::Authorized | P::Filling | P::Stopped => {
                    left.push(Blocker::PumpBusy { pump: p.number, state: p.state.as_str() })
                }
                _ => {}
            }
        }
        left
    }

    pub(super) fn close_shift(
        &mut self,
        counted: Option<Decimal>,
        approver_pin: Option<&str>,
    ) -> Result<Outcome, ServiceError> {
        let (user, _) = self.selling(Permission::CloseShift, "close a shift")?;
        let user = user.clone();
        let left = self.unfinished();
        if !left.is_empty() {
            return Err(ServiceError::ShiftNotClear(left));
        }
        if let Some(c) = counted {
            let entry = CountEntry { method: "cash".into(), amount: Some(Dec(c)), pieces: None };
            self.count(vec![entry], None)?;
        }
        let shift = self.shift.clone().ok_or(ServiceError::NoShift)?;
        let (end, view) = self.shift_end("close", approver_pin)?;
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        self.store.end_shift(&terminal, &user, &end, None, &at)?;
        self.shift = None;
        let cur = &self.config.pricing.currency;
        let count = ShiftCount::new(
            cur.from_minor(shift.float_minor),
            cur.from_minor(end.expected_minor - shift.float_minor),
            cur.from_minor(end.counted_minor),
        );
        let mut effects = Vec::new();
        if self.forecourt.is_some() {
            effects.push(Effect::ReadMeterTotals { phase: "shift_close".into() });
        }
        if self.config.tank_gauge_port.is_some() {
            effects.push(Effect::ReadTanks { phase: "shift_close".into() });
        }
        Ok(Outcome { shift_count: Some(count), count: Some(view), effects, ..Outcome::default() })
    }

    /// Hands the drawer to the next cashier, who signs in with their PIN: the outgoing session
    /// closes with its latest count (approved if beyond the tolerance) and the next opens with
    /// the counted cash as its float, in one transaction. Fills on the forecourt carry on.
    pub(super) fn handover(
        &mut self,
        to: Option<&str>,
        pin: &str,
        approver_pin: Option<&str>,
    ) -> Result<Outcome, ServiceError> {
        let (user, _) = self.selling(Permission::CloseShift, "hand the drawer over")?;
        let user = user.clone();
        if !self.ticket.lines.is_empty() {
            return Err(ServiceError::TicketOpen);
        }
        if !self.held.is_empty() {
            return Err(ServiceError::TicketsHeld { count: self.held.len() });
        }
        // The count must be there before anybody's PIN is looked at.
        let shift = self.shift.clone().ok_or(ServiceError::NoShift)?;
        self.store.latest_count(shift.id)?.ok_or(Refusal::CountFirst)?;
        let next = match to {
            Some(n) => self.named_pin(pin, n)?,
            None => self.pin_holder(pin, "login_failed", serde_json::Value::Null)?,
        };
        if next.id == user.id {
            return Err(Refusal::HandoverToSelf.into());
        }
        let policy = self.config.role_policy(next.role).clone();
        if !policy.allows(Permission::Counter) || !policy.allows(Permission::OpenShift) {
            return Err(ServiceError::NotPermitted { role: next.role, what: "take over the drawer" });
        }
        let (end, view) = self.shift_end("handover", approver_pin)?;
        let (at, _) = now();
        let cur = self.config.pricing.currency.clone();
        let float_minor = end.counted_minor;
        let event = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": "shift_open", "terminal_id": self.terminal(),
            "at": at, "user": next.name, "float": cur.fmt(cur.from_minor(float_minor)), "currency": cur.code,
            "handover_from": user.name, "previous_shift_id": shift.id,
        });
        let start = ShiftStart { user_id: next.id, float_minor, event };
        let terminal = self.config.terminal_id.clone();
        let id = self.store.end_shift(&terminal, &user, &end, Some(&start), &at)?.ok_or(ServiceError::NoShift)?;
        self.shift = Some(OpenShift { id, opened_at: at.clone(), opened_by: next.id, float_minor });
        self.store.record_login(next.id, &terminal, &at)?;
        let look = self.user_look(next.id)?;
        self.user = Some(next.clone());
        Ok(Outcome {
            user: Some(next),
            permissions: Some(policy.permissions.iter().copied().collect()),
            shift: self.shift_view(),
            count: Some(view),
            look: Some(look),
            held: Some(0),
            ..Outcome::default()
        })
    }
}
