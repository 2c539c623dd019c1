//! The X report (the day so far, changes nothing) and the Z report (ends the day), fuel
//! deliveries, and the stored Z reports.

use super::{now, Effect, Outcome, Refusal, ServiceError, Session, Slip};
use crate::domain::report::{DayReport, Figures, FuelSetup, ReportHead};
use crate::domain::users::Permission;
use crate::store::{report, StoreError, ZStart};
use rust_decimal::Decimal;

/// A day's report from its figures, with the configuration's prices, grades, tanks and
/// thresholds (the X, the Z and `till report` alike).
pub(crate) fn build_report(config: &crate::config::Config, head: ReportHead, figures: &Figures) -> DayReport {
    let tanks: Vec<(u8, String)> = config.tanks.iter().map(|t| (t.number, t.grade.clone())).collect();
    let setup =
        FuelSetup { tanks: &tanks, warn: config.thresholds.warn_percent, alarm: config.thresholds.alarm_percent };
    DayReport::build(head, figures, &config.pricing, &config.fuel_grades, &setup)
}

impl Session {
    /// The day so far. A manager (`reports`) sees the terminal's; a cashier their own, and
    /// while their drawer is open and not counted, nothing that tells what it should hold.
    pub(super) fn x_report(&mut self, print: bool) -> Result<Outcome, ServiceError> {
        let user = self.user()?.clone();
        let all = self.config.role_policy(user.role).allows(Permission::Reports);
        let terminal = self.config.terminal_id.clone();
        let scope_user = if all { None } else { Some((user.id, user.name.as_str())) };
        let figures = self.store.day_figures(&terminal, scope_user)?;
        let (at, _) = now();
        let head = ReportHead {
            kind: "x".into(),
            z_no: None,
            terminal_id: terminal,
            at,
            user: (!all).then(|| user.name.clone()),
        };
        let mut rep = build_report(&self.config, head, &figures);
        if !all {
            let blind = figures.drawers.iter().any(|d| d.closed_at.is_none() && d.counted.is_empty());
            if blind {
                // A blind count stays blind: no tender totals and no expected drawer.
                rep.tenders.clear();
                for d in rep.drawers.iter_mut().filter(|d| d.closed_at.is_none()) {
                    d.tenders.retain(|t| t.counted.is_some());
                }
            }
        }
        self.journal(
            "x_report",
            &serde_json::json!({ "user_id": user.id, "scope": if all { "terminal" } else { "own" } }),
        )?;
        let value = serde_json::to_value(&rep).map_err(|e| Refusal::ReportUnreadable { detail: e.to_string() })?;
        let effects = if print {
            vec![Effect::PrintSlip { slip: Slip::Report { report: Box::new(rep), copy: false } }]
        } else {
            vec![]
        };
        Ok(Outcome { report: Some(value), effects, ..Outcome::default() })
    }

    /// Ends the terminal's day: everything must be finished (as for closing a shift), the open
    /// drawer session closes with its latest count, and the Z is stored with the next number in
    /// the same transaction. Printed; never changed afterwards.
    pub(super) fn z_report(&mut self, approver_pin: Option<&str>) -> Result<Outcome, ServiceError> {
        let user = self.require(Permission::Reports, "end the day")?.clone();
        let left = self.unfinished();
        if !left.is_empty() {
            return Err(ServiceError::ShiftNotClear(left));
        }
        let terminal = self.config.terminal_id.clone();
        let end = match self.shift {
            Some(_) => Some(self.shift_end("z", approver_pin)?),
            None => None,
        };
        let after = self.store.last_z(&terminal)?.map(|z| z.1).unwrap_or(0);
        let last_shift = match &end {
            Some((e, _)) => e.shift_id,
            None => self.store.last_shift_id(&terminal)?.filter(|id| *id > after).ok_or(Refusal::NothingSinceZ)?,
        };
        let (at, _) = now();
        let config = &self.config;
        let build = |conn: &rusqlite::Connection, z_no: i64| -> crate::store::Result<serde_json::Value> {
            let figures = report::figures(conn, &report::day_scope(conn, &terminal)?)?;
            let head = ReportHead {
                kind: "z".into(),
                z_no: Some(z_no),
                terminal_id: terminal.clone(),
                at: at.clone(),
                user: None,
            };
            serde_json::to_value(build_report(config, head, &figures))
                .map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))
        };
        let z = ZStart { user_id: user.id, last_shift, report: &build };
        let (_, value) = self.store.close_day(&terminal, &user, end.as_ref().map(|e| &e.0), &z, &at)?;
        self.shift = None;
        let mut effects = Vec::new();
        if let Ok(rep) = serde_json::from_value::<DayReport>(value.clone()) {
            effects.push(Effect::PrintSlip { slip: Slip::Report { report: Box::new(rep), copy: false } });
        }
        if self.forecourt.is_some() {
            effects.push(Effect::ReadMeterTotals { phase: "shift_close".into() });
        }
        Ok(Outcome { report: Some(value), count: end.map(|e| e.1), effects, ..Outcome::default() })
    }

    pub(super) fn z_reports(&self) -> Result<Outcome, ServiceError> {
        self.require(Permission::Reports, "see the reports")?;
        let list = self.store.z_numbers(self.terminal())?;
        Ok(Outcome { z_reports: Some(list), ..Outcome::default() })
    }

    /// A stored Z, exactly as it was stored, printed again marked as a copy.
    pub(super) fn reprint_z(&mut self, z_no: i64) -> Result<Outcome, ServiceError> {
        let user = self.require(Permission::Reports, "see the reports")?.clone();
        let value = self.store.z_report(self.terminal(), z_no)?.ok_or(Refusal::NoSuchZ { z_no })?;
        let rep: DayReport =
            serde_json::from_value(value.clone()).map_err(|e| Refusal::ReportUnreadable { detail: e.to_string() })?;
        self.journal("z_reprint", &serde_json::json!({ "user_id": user.id, "z_no": z_no }))?;
        Ok(Outcome {
            report: Some(value),
            effects: vec![Effect::PrintSlip { slip: Slip::Report { report: Box::new(rep), copy: true } }],
            ..Outcome::default()
        })
    }

    /// The day so far (X) or a stored Z as CSV, one row per figure, saved beside the store in
    /// `exports/` for a spreadsheet or a USB stick; the answer names the file.
    pub(super) fn export_report(&mut self, z_no: Option<i64>) -> Result<Outcome, ServiceError> {
        let user = self.require(Permission::Reports, "see the reports")?.clone();
        let terminal = self.config.terminal_id.clone();
        let (value, name) = match z_no {
            Some(n) => (self.store.z_report(&terminal, n)?.ok_or(Refusal::NoSuchZ { z_no: n })?, format!("z{n:05}")),
            None => {
                let figures = self.store.day_figures(&terminal, None)?;
                let (at, _) = now();
                let head = ReportHead { kind: "x".into(), z_no: None, terminal_id: terminal.clone(), at, user: None };
                (
                    serde_json::to_value(build_report(&self.config, head, &figures))
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    "x".into(),
                )
            }
        };
        let csv = report_csv(&value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let dir = self.db_path().parent().map(|d| d.join("exports")).unwrap_or_else(|| "exports".into());
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let file = dir.join(format!("{terminal}-{name}-{stamp}.csv"));
        let tmp = file.with_extension("tmp");
        std::fs::create_dir_all(&dir)
            .and_then(|_| std::fs::write(&tmp, &csv))
            .and_then(|_| std::fs::rename(&tmp, &file))
            .map_err(|e| Refusal::ExportFailed { detail: format!("{}: {e}", file.display()) })?;
        let path = file.display().to_string();
        self.journal("report_exported", &serde_json::json!({ "user_id": user.id, "z_no": z_no, "file": path }))?;
        Ok(Outcome { exported: Some(path), ..Outcome::default() })
    }

    /// A delivery of fuel into a tank, entered by hand (the gauge's own delivery reports are
    /// stored as they come).
    pub(super) fn delivery(&mut self, tank: u8, litres: Decimal) -> Result<Outcome, ServiceError> {
        let user = self.require(Permission::Reports, "enter deliveries")?.clone();
        let Some(t) = self.config.tanks.iter().find(|t| t.number == tank).cloned() else {
            return Err(Refusal::NoSuchTank { tank }.into());
        };
        if litres <= Decimal::ZERO || litres.scale() > 3 || litres > Decimal::from(1_000_000) {
            return Err(Refusal::BadLitres { litres }.into());
        }
        let (at, _) = now();
        let l = litres.normalize().to_string();
        let event = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": "delivery", "terminal_id": self.terminal(), "at": at,
            "user": user.name, "tank": tank, "grade": t.grade, "litres": l, "source": "manual",
        });
        let terminal = self.config.terminal_id.clone();
        self.store.record_delivery(&terminal, tank, &l, "manual", Some(user.id), &event, &at)?;
        Ok(Outcome::default())
    }
}

/// A report's figures as CSV: a header, then one (figure, value) row per figure.
pub fn report_csv(value: &serde_json::Value) -> Result<Vec<u8>, csv::Error> {
    let mut rows = Vec::new();
    crate::domain::report::flatten(value, "", &mut rows);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["figure", "value"])?;
    for (k, v) in rows {
        w.write_record([k, v])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
