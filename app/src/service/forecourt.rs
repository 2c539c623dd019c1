//! The forecourt as the session decides it: which pump may be authorized, whose fill is on
//! which ticket, prepayments and their settlement, drive-offs and pump tests. The session
//! reads the pumps from the forecourt's own record (never litres or amounts from a front end)
//! and answers what must happen at the pumps as effects.

use super::{CustomerView, Effect, Outcome, PrepayView, PumpInfo, PumpPrepay, Refusal, ServiceError, Session};
use crate::devices::forecourt::{PumpState, PumpView, AMOUNT_DP, VOLUME_DP};
use crate::domain::ticket::{Line, LineKind, Ticket};
use crate::domain::users::Permission;
use crate::store::OpenPrepay;
use rust_decimal::Decimal;

/// The largest value a preset can carry on the pump line (a 32-bit count of its decimals).
fn preset_fits(v: Decimal, dp: u32) -> bool {
    v.scale() <= dp
        && v.checked_mul(Decimal::from(10u32.pow(dp)))
            .is_some_and(|raw| raw > Decimal::ZERO && raw <= Decimal::from(u32::MAX))
}

impl Session {
    /// Every pump as the forecourt reports it now (none without a forecourt).
    pub(super) fn pump_views(&self) -> Vec<PumpView> {
        self.forecourt.as_ref().map(|f| f.pumps()).unwrap_or_default()
    }

    pub(super) fn pump_view(&self, pump: u8) -> Result<PumpView, ServiceError> {
        let f = self.forecourt.as_ref().ok_or(ServiceError::NoForecourt)?;
        f.pump(pump).ok_or(ServiceError::NoSuchPump(pump))
    }

    pub(super) fn open_prepay(&self, pump: u8) -> Option<OpenPrepay> {
        self.prepays.iter().find(|p| p.pump == pump).copied()
    }

    /// The stored prepayments not settled yet, oldest first.
    pub fn prepay_views(&self) -> Vec<PrepayView> {
        let cur = &self.config.pricing.currency;
        self.prepays
            .iter()
            .map(|p| PrepayView { pump: p.pump, amount: cur.from_minor(p.amount_minor), receipt_no: p.receipt_no })
            .collect()
    }

    /// Whether a stored prepayment waits for this pump.
    pub(super) fn prepaid(&self, pump: u8) -> bool {
        self.open_prepay(pump).is_some()
    }

    /// Where the pump's completed fill is: on the open ticket, on a held one, or on none.
    pub(super) fn fill_on(&self, pump: u8) -> Option<&'static str> {
        if self.ticket.holds_fill_of(pump) {
            Some("open")
        } else if self.held.iter().any(|h| h.ticket.holds_fill_of(pump)) {
            Some("held")
        } else {
            None
        }
    }

    /// Remembers the fills whose pumps the answer resets: they are paid, and are refused until
    /// the pump reports it has been reset.
    pub(super) fn note_resets(&mut self, out: &Outcome) {
        for e in &out.effects {
            if let Effect::ResetPump { pump } = e {
                if let Ok(v) = self.pump_view(*pump) {
                    self.resetting.retain(|r| r.0 != *pump);
                    self.resetting.push((*pump, v.amount, v.volume, std::time::Instant::now()));
                }
            }
        }
    }

    /// Forgets the pumps that have been reset (their fill is gone from the pump).
    pub(super) fn forget_reset_pumps(&mut self) {
        if self.resetting.is_empty() {
            return;
        }
        let views = self.pump_views();
        self.resetting.retain(|(pump, amount, litres, _)| {
            views.iter().any(|v| {
                v.number == *pump && v.state == PumpState::Completed && v.amount == *amount && v.volume == *litres
            })
        });
    }

    /// Whether this pump's completed fill is paid and its reset on the way.
    fn being_reset(&self, pump: u8) -> bool {
        self.resetting.iter().any(|r| r.0 == pump)
    }

    /// A ticket's prepays may be paid only while their pumps are free: a pump that is busy or
    /// holds a fill would hand that fill to the prepay's settlement.
    pub(super) fn check_prepay_pumps(&self, t: &Ticket) -> Result<(), ServiceError> {
        if self.forecourt.is_none() {
            return Ok(());
        }
        for l in t.lines.iter().filter(|l| !l.voided) {
            if let LineKind::Prepay { pump } = l.kind {
                let v = self.pump_view(pump)?;
                if !matches!(v.state, PumpState::Idle | PumpState::Calling) || self.prepaid(pump) {
                    return Err(ServiceError::PumpState {
                        pump,
                        state: v.state.as_str(),
                        what: "its prepayment can be paid once the pump is free",
                    });
                }
            }
        }
        Ok(())
    }

    fn prepay_on_a_ticket(&self, pump: u8) -> bool {
        self.ticket.holds_prepay_of(pump) || self.held.iter().any(|h| h.ticket.holds_prepay_of(pump))
    }

    /// Journals a pump action with the user who did it (none for an emergency stop by nobody).
    pub(super) fn journal_pump(
        &mut self,
        action: &str,
        pump: Option<u8>,
        detail: serde_json::Value,
    ) -> Result<(), ServiceError> {
        let user = self.user.as_ref().map(|u| u.id);
        self.journal(
            "forecourt",
            &serde_json::json!({ "user_id": user, "action": action, "pump": pump, "detail": detail }),
        )
    }

    /// A pump with a completed fill that is free to be sold, recorded or settled.
    fn completed_fill(&self, pump: u8) -> Result<(PumpView, String), ServiceError> {
        let v = self.pump_view(pump)?;
        let grade = match (&v.state, &v.grade) {
            (PumpState::Completed, Some(g)) if !v.amount.is_zero() => g.clone(),
            _ => {
                return Err(ServiceError::PumpState { pump, state: v.state.as_str(), what: "it has no completed fill" })
            }
        };
        if let Some(on) = self.fill_on(pump) {
            return Err(Refusal::FillOnTicket { pump, held: on != "open" }.into());
        }
        if self.prepaid(pump) {
            return Err(Refusal::FillPrepaid { pump }.into());
        }
        if self.being_reset(pump) {
            return Err(Refusal::FillBeingReset { pump }.into());
        }
        Ok((v, grade))
    }

    /// The grade of a fill at the price the pump showed the customer (a pump keeps its old
    /// price until its filling is over).
    pub(super) fn fill_grade(
        &self,
        grade: &str,
        v: &PumpView,
    ) -> Result<crate::domain::catalog::FuelGrade, ServiceError> {
        let mut g = self.grade(grade)?.clone();
        if !v.price.is_zero() {
            g.price_per_litre = v.price;
        }
        Ok(g)
    }

    pub(super) fn pumps(&mut self) -> Result<Outcome, ServiceError> {
        self.user()?;
        self.forecourt.as_ref().ok_or(ServiceError::NoForecourt)?;
        let mut out = self.pumps_changed().unwrap_or_default();
        let cur = self.config.pricing.currency.clone();
        let self_service = self.site_self_service_pumps();
        let list = self
            .pump_views()
            .into_iter()
            .map(|v| PumpInfo {
                pump: v.number,
                state: v.state.as_str(),
                fill_on: self.fill_on(v.number),
                prepay: self
                    .open_prepay(v.number)
                    .map(|p| PumpPrepay { receipt_no: p.receipt_no, amount: cur.from_minor(p.amount_minor) }),
                grade: v.grade,
                litres: v.volume,
                amount: v.amount,
                price: v.price,
                prices_pending: v.prices_pending,
                totals: v.totals,
                self_service: self_service.contains(&v.number),
            })
            .collect();
        out.pumps = Some(list);
        out.prepays = Some(self.prepay_views());
        Ok(out)
    }

    /// Settles every prepaid filling that has completed: the fuel is sold as the pump measured
    /// it and what was not dispensed is paid back, in one record linked to the prepay receipt;
    /// then the pump is reset. Waits while nobody with a shift is signed in. `None` when nothing
    /// was due.
    pub fn pumps_changed(&mut self) -> Option<Outcome> {
        self.forget_reset_pumps();
        // A reset that did not arrive (a glitch on the line) is sent again.
        let mut again = Vec::new();
        for r in self.resetting.iter_mut().filter(|r| r.3.elapsed() > std::time::Duration::from_secs(2)) {
            r.3 = std::time::Instant::now();
            again.push(Effect::ResetPump { pump: r.0 });
        }
        let out = match (self.settle_due(), self.settle_reservations()) {
            (Some(mut a), Some(b)) => {
                a.effects.extend(b.effects);
                a.sale = b.sale.or(a.sale);
                Some(a)
            }
            (a, b) => a.or(b),
        };
        match (out, again.is_empty()) {
            (None, true) => None,
            (None, false) => Some(Outcome::effects(again)),
            (Some(mut o), _) => {
                self.note_resets(&o);
                o.effects.extend(again);
                o.prepays = Some(self.prepay_views());
                Some(o)
            }
        }
    }

    fn settle_due(&mut self) -> Option<Outcome> {
        if self.user.is_none() || self.shift.is_none() || self.prepays.is_empty() {
            return None;
        }
        let views = self.pump_views();
        let due: Vec<(OpenPrepay, PumpView)> = self
            .prepays
            .iter()
            .filter_map(|p| {
                views.iter().find(|v| v.number == p.pump && v.state == PumpState::Completed).map(|v| (*p, v.clone()))
            })
            .filter(|(_, v)| !v.amount.is_zero())
            .collect();
        if due.is_empty() {
            return None;
        }
        let mut out = Outcome::default();
        let mut settled = Vec::new();
        for (p, v) in due {
            match self.settle(p, &v, false) {
                Ok(o) => {
                    out.effects.extend(o.effects);
                    settled.extend(o.sale);
                }
                Err(e) => {
                    tracing::warn!("the prepayment for pump {} (receipt {}) is not settled: {e}", p.pump, p.receipt_no)
                }
            }
        }
        out.settled = Some(settled);
        Some(out)
    }

    /// Stores a prepayment's settlement: the pump's fill (if any) sold, the rest paid back.
    fn settle(&mut self, p: OpenPrepay, v: &PumpView, cancelled: bool) -> Result<Outcome, ServiceError> {
        let id = self.store.sale_id(self.terminal(), p.receipt_no)?.ok_or(ServiceError::NoSuchSale(p.receipt_no))?;
        let orig = self.store.sale_by_id(id, &self.config.pricing.currency)?;
        let line = orig
            .lines
            .iter()
            .find(|l| l.line == p.line)
            .ok_or_else(|| ServiceError::from(Refusal::NoLineOnReceipt { receipt: p.receipt_no, line: p.line }))?;
        let prepaid = line.amount - line.ticket_discount;
        let amount = if cancelled { Decimal::ZERO } else { v.amount };
        if amount > prepaid {
            return Err(Refusal::PrepayOverrun { pump: p.pump, dispensed: amount, prepaid }.into());
        }
        let mut t = Ticket::default();
        t.lines.push(Line {
            fixed_amount: Some(-prepaid),
            unit_price: prepaid,
            kind: LineKind::Refund { receipt_no: p.receipt_no, line: p.line },
            ..Line::prepay(p.pump, prepaid, line.name.clone())
        });
        if !amount.is_zero() {
            let grade = v.grade.clone().ok_or_else(|| ServiceError::from(Refusal::PumpNoGrade { pump: p.pump }))?;
            let g = self.fill_grade(&grade, v)?;
            t.lines.push(Line::pump_fill(&g, p.pump, v.volume, amount, &self.config.pricing)?);
        }
        let (_, card_done, cash_done) = self.store.refunds_of(id)?;
        let left = self.refundable(&orig, card_done, cash_done);
        let mut out = self.store_refund(t, (id, p.receipt_no), left, |total, _left| -total)?;
        // The customer display belongs to the customer at the counter, not to this settlement.
        out.effects.retain(|e| !matches!(e, Effect::ShowCustomer { show: CustomerView::Paid }));
        if !cancelled {
            out.effects.push(Effect::ResetPump { pump: p.pump });
        }
        Ok(out)
    }

    pub(super) fn pump_fill(&mut self, pump: u8) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        self.require(Permission::Pumps, "work the pumps")?;
        let (v, grade) = self.completed_fill(pump)?;
        let g = self.fill_grade(&grade, &v)?;
        let line = Line::pump_fill(&g, pump, v.volume, v.amount, &self.config.pricing)?;
        self.add_line(line)
    }

    /// A completed fill that is not a sale: a drive-off (a loss) or a pump test (returned to
    /// the tank). Recorded with the pump's own figures, the user and the time; the pump is reset.
    pub(super) fn fill_not_sold(&mut self, kind: &'static str, pump: u8) -> Result<Outcome, ServiceError> {
        let (perm, what) = match kind {
            "drive_off" => (Permission::DriveOff, "record drive-offs"),
            _ => (Permission::PumpTest, "record pump tests"),
        };
        let (user, shift) = self.selling(perm, what)?;
        let (user, shift_id) = (user.name.clone(), shift.id);
        let (v, grade) = self.completed_fill(pump)?;
        let g = self.fill_grade(&grade, &v)?;
        // The same checks as a fill that is sold.
        let line = Line::pump_fill(&g, pump, v.volume, v.amount, &self.config.pricing)?;
        let (at, _) = super::now();
        let cur = &self.config.pricing.currency;
        let event = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": kind, "terminal_id": self.terminal(), "at": at,
            "user": user, "shift_id": shift_id, "pump": pump, "grade": g.code, "litres": line.qty.to_string(),
            "price": g.price_per_litre.to_string(), "amount": cur.fmt(v.amount), "currency": cur.code,
        });
        let terminal = self.config.terminal_id.clone();
        self.store.record_event(kind, &event, &terminal, &at)?;
        Ok(Outcome::effects(vec![Effect::ResetPump { pump }]))
    }

    pub(super) fn authorize(
        &mut self,
        pump: u8,
        amount: Option<Decimal>,
        litres: Option<Decimal>,
    ) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Pumps, "work the pumps")?;
        let v = self.pump_view(pump)?;
        if !matches!(v.state, PumpState::Idle | PumpState::Calling) {
            return Err(ServiceError::PumpState { pump, state: v.state.as_str(), what: "it cannot be authorized now" });
        }
        if self.prepay_on_a_ticket(pump) {
            return Err(Refusal::PrepayOnTicket { pump }.into());
        }
        let cur = &self.config.pricing.currency;
        let (amount, litres) = match (self.open_prepay(pump), amount, litres) {
            (Some(p), None, None) => (Some(cur.from_minor(p.amount_minor)), None),
            (Some(_), _, _) => return Err(Refusal::PumpPrepaid { pump }.into()),
            (None, Some(_), Some(_)) => return Err(Refusal::AmountAndLitres.into()),
            (None, a, l) => (a, l),
        };
        if let Some(a) = amount {
            if !cur.is_exact(a) || !preset_fits(a, AMOUNT_DP) {
                return Err(Refusal::BadPresetAmount { amount: a }.into());
            }
        }
        if let Some(l) = litres {
            if !preset_fits(l, VOLUME_DP) || l > crate::domain::ticket::MAX_QTY {
                return Err(Refusal::BadPresetLitres { litres: l }.into());
            }
        }
        let detail =
            serde_json::json!({ "amount": amount.map(|a| a.to_string()), "litres": litres.map(|l| l.to_string()) });
        self.journal_pump("authorize", Some(pump), detail)?;
        Ok(Outcome::effects(vec![Effect::AuthorizePump { pump, amount, litres }]))
    }

    /// Every calling pump; a prepaid one for what was paid.
    pub(super) fn authorize_all(&mut self) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Pumps, "work the pumps")?;
        self.forecourt.as_ref().ok_or(ServiceError::NoForecourt)?;
        let cur = self.config.pricing.currency.clone();
        let effects: Vec<Effect> = self
            .pump_views()
            .iter()
            .filter(|v| v.state == PumpState::Calling && !self.prepay_on_a_ticket(v.number))
            .map(|v| Effect::AuthorizePump {
                pump: v.number,
                amount: self.open_prepay(v.number).map(|p| cur.from_minor(p.amount_minor)),
                litres: None,
            })
            .collect();
        let pumps: Vec<u8> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::AuthorizePump { pump, .. } => Some(*pump),
                _ => None,
            })
            .collect();
        self.journal_pump("authorize_all_calling", None, serde_json::json!({ "pumps": pumps }))?;
        Ok(Outcome::effects(effects))
    }

    /// Stops a pump here and at any kiosk of the site that holds it for self-service (a pump
    /// only a kiosk drives is stopped through it).
    pub(super) fn stop(&mut self, pump: u8) -> Result<Outcome, ServiceError> {
        self.require(Permission::Pumps, "work the pumps")?;
        let (relays, told) = self.site_stops(Some(pump));
        let here = match self.pump_view(pump) {
            Ok(_) => true,
            Err(e) if relays.is_empty() => return Err(e),
            Err(_) => false,
        };
        self.journal_pump("stop", Some(pump), serde_json::json!({ "kiosks": told }))?;
        let mut effects = if here { vec![Effect::StopPump { pump }] } else { Vec::new() };
        effects.extend(relays);
        Ok(Outcome::effects(effects))
    }

    /// The emergency stop needs nobody signed in and no permission: safety comes first. It is
    /// journaled with whoever is signed in.
    pub(super) fn stop_all(&mut self) -> Result<Outcome, ServiceError> {
        let (relays, told) = self.site_stops(None);
        if self.forecourt.is_none() && relays.is_empty() {
            return Err(ServiceError::NoForecourt);
        }
        self.journal_pump("emergency_stop_all", None, serde_json::json!({ "kiosks": told }))?;
        let mut effects = if self.forecourt.is_some() { vec![Effect::StopAll] } else { Vec::new() };
        effects.extend(relays);
        Ok(Outcome::effects(effects))
    }

    pub(super) fn resume(&mut self, pump: u8) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Pumps, "work the pumps")?;
        let v = self.pump_view(pump)?;
        if v.state != PumpState::Stopped {
            return Err(ServiceError::PumpState { pump, state: v.state.as_str(), what: "only a stopped pump resumes" });
        }
        self.journal_pump("resume", Some(pump), serde_json::Value::Null)?;
        Ok(Outcome::effects(vec![Effect::ResumePump { pump }]))
    }

    pub(super) fn prepay(&mut self, pump: u8, amount: Decimal) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        self.require(Permission::Pumps, "work the pumps")?;
        let cur = &self.config.pricing.currency;
        if amount <= Decimal::ZERO || !cur.is_exact(amount) || !preset_fits(amount, AMOUNT_DP) {
            return Err(Refusal::BadPrepay { amount }.into());
        }
        let v = self.pump_view(pump)?;
        if !matches!(v.state, PumpState::Idle | PumpState::Calling) {
            return Err(ServiceError::PumpState {
                pump,
                state: v.state.as_str(),
                what: "it cannot take a prepayment now",
            });
        }
        if self.prepaid(pump) || self.prepay_on_a_ticket(pump) {
            return Err(Refusal::AlreadyPrepaid { pump }.into());
        }
        let line = Line::prepay(pump, amount, format!("Prepay · {pump}"));
        let mut out = self.add_line(line)?;
        out.prepays = Some(self.prepay_views());
        Ok(out)
    }

    /// Pays a prepayment back in full when its pump has dispensed nothing (an authorized pump
    /// is stopped first).
    pub(super) fn cancel_prepay(&mut self, pump: u8) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        self.require(Permission::Pumps, "work the pumps")?;
        let p = self.open_prepay(pump).ok_or_else(|| ServiceError::from(Refusal::NoPrepay { pump }))?;
        let v = self.pump_view(pump)?;
        let stop = match v.state {
            PumpState::Idle | PumpState::Calling => false,
            PumpState::Authorized if v.amount.is_zero() => true,
            _ => {
                return Err(ServiceError::PumpState {
                    pump,
                    state: v.state.as_str(),
                    what: "its prepayment settles when the filling ends",
                })
            }
        };
        self.journal_pump("cancel_prepay", Some(pump), serde_json::json!({ "receipt_no": p.receipt_no }))?;
        let mut out = self.settle(p, &v, true)?;
        if stop {
            out.effects.insert(0, Effect::StopPump { pump });
        }
        out.prepays = Some(self.prepay_views());
        Ok(out)
    }

    /// Journals every pump's meter totals as last read (after `ReadMeterTotals`).
    pub(super) fn meter_totals(&mut self, phase: &str) -> Result<Outcome, ServiceError> {
        self.user()?;
        if !["shift_open", "shift_close", "manual"].contains(&phase) {
            return Err(Refusal::BadMeterPhase { phase: phase.to_string() }.into());
        }
        self.forecourt.as_ref().ok_or(ServiceError::NoForecourt)?;
        let detail: Vec<serde_json::Value> = self
            .pump_views()
            .iter()
            .map(|p| {
                serde_json::json!({
                    "pump": p.number,
                    "volume": p.totals.map(|t| t.0.to_string()),
                    "amount": p.totals.map(|t| t.1.to_string()),
                    "nozzles": p.nozzle_totals.iter().map(|(n, v, a)| serde_json::json!({
                        "nozzle": n, "volume": v.to_string(), "amount": a.to_string(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        self.journal_pump(&format!("meter_totals_{phase}"), None, serde_json::json!(detail))?;
        let mut meters = Vec::new();
        for p in self.pump_views() {
            for (n, volume, amount) in &p.nozzle_totals {
                meters.push(crate::store::MeterRow {
                    pump: p.number,
                    nozzle: Some(*n),
                    grade: p.nozzles.get(usize::from(*n).wrapping_sub(1)).cloned(),
                    volume: volume.to_string(),
                    amount: amount.to_string(),
                });
            }
            if let Some(t) = p.totals {
                let (volume, amount) = (t.0.to_string(), t.1.to_string());
                meters.push(crate::store::MeterRow { pump: p.number, nozzle: None, grade: None, volume, amount });
            }
        }
        let (at, _) = super::now();
        let terminal = self.config.terminal_id.clone();
        self.store.record_readings(&terminal, phase, &[], &meters, None, &at)?;
        Ok(Outcome::default())
    }

    /// The tanks' volumes as the gauge reported them, stored for the reconciliation, and the
    /// deliveries it reports: each stored once (by tank and the gauge's times), journaled and
    /// sent to head office like one entered by hand. The deliveries a gauge reports when Till
    /// first hears from it are history: kept, not counted.
    pub(super) fn tank_readings(
        &mut self,
        phase: &str,
        tanks: &[(u8, Decimal)],
        deliveries: Option<&[crate::devices::tanks::GaugeDelivery]>,
    ) -> Result<Outcome, ServiceError> {
        let volumes: Vec<(u8, String)> = tanks.iter().map(|(t, v)| (*t, v.to_string())).collect();
        let (at, _) = super::now();
        let terminal = self.config.terminal_id.clone();
        self.store.record_readings(&terminal, phase, &volumes, &[], Some("tank_readings"), &at)?;
        let Some(deliveries) = deliveries else { return Ok(Outcome::default()) };
        let mut rows = Vec::new();
        for d in deliveries.iter().filter(|d| d.litres > Decimal::ZERO && d.litres <= Decimal::from(1_000_000)) {
            let Some(t) = self.config.tanks.iter().find(|t| t.number == d.tank) else { continue };
            let litres = d.litres.normalize().to_string();
            let event = serde_json::json!({
                "event_id": uuid::Uuid::new_v4().to_string(), "kind": "delivery", "terminal_id": terminal, "at": at,
                "tank": d.tank, "grade": t.grade, "litres": litres, "source": "gauge",
                "gauge_start": d.start, "gauge_end": d.end,
            });
            rows.push(crate::store::GaugeDeliveryRow {
                tank: d.tank,
                litres,
                start: d.start.clone(),
                end: d.end.clone(),
                event,
            });
        }
        self.store.record_gauge_deliveries(&terminal, &rows, &at)?;
        Ok(Outcome::default())
    }

    /// Reads the meters and the tanks now (the readings come back as `meter_totals` and
    /// `tank_readings`).
    pub(super) fn read_meters(&mut self) -> Result<Outcome, ServiceError> {
        self.user()?;
        let mut effects = Vec::new();
        if self.forecourt.is_some() {
            effects.push(Effect::ReadMeterTotals { phase: "manual".into() });
        }
        if self.config.tank_gauge_port.is_some() {
            effects.push(Effect::ReadTanks { phase: "manual".into() });
        }
        if effects.is_empty() {
            return Err(ServiceError::NoForecourt);
        }
        Ok(Outcome::effects(effects))
    }
}
