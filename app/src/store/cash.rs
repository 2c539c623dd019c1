//! Cash management and the end of a drawer session: movements without a sale, counts (every
//! one kept), a shift closed, handed over or ended by the Z, the Z itself numbered without a gap.

use super::*;
use crate::domain::cash::MovementKind;

/// One tender of a count as entered, with what the drawer should have held (minor units).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CountRow {
    pub method: String,
    pub counted_minor: i64,
    pub expected_minor: i64,
    /// The notes and coins as counted (JSON), when counted by denomination.
    pub pieces: Option<String>,
}

/// The latest count of a shift: which attempt it is, and its tenders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestCount {
    pub attempt: i64,
    /// Who counted.
    pub user_id: i64,
    pub rows: Vec<CountRow>,
}

/// How a drawer session ends: its cash count, who approved a difference beyond the tolerance,
/// and the events that go with it (the shift's close first, then each over/short).
#[derive(Debug, Clone)]
pub struct ShiftEnd {
    pub shift_id: i64,
    pub counted_minor: i64,
    pub expected_minor: i64,
    pub approved_by: Option<i64>,
    /// "close", "handover" or "z".
    pub kind: &'static str,
    pub events: Vec<(&'static str, serde_json::Value)>,
}

/// A drawer session opened in the same transaction as another one ends.
#[derive(Debug, Clone)]
pub struct ShiftStart {
    pub user_id: i64,
    pub float_minor: i64,
    pub event: serde_json::Value,
}

/// The Z that ends the terminal's day; its number is given when it is stored.
pub struct ZStart<'a> {
    pub user_id: i64,
    pub last_shift: i64,
    /// Builds the report inside the transaction, from the rows as they stand after the last
    /// drawer session closed, with the Z number it gets.
    pub report: &'a dyn Fn(&Connection, i64) -> Result<serde_json::Value>,
}

impl Store {
    /// Stores a cash movement with its journal entry and outbox event.
    #[allow(clippy::too_many_arguments)]
    pub fn record_movement(
        &mut self,
        terminal_id: &str,
        shift_id: i64,
        user_id: i64,
        kind: MovementKind,
        amount_minor: i64,
        reason: &str,
        event: &serde_json::Value,
        at: &str,
    ) -> Result<i64> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let event_id = event_id_of(event)?;
        let seq = journal::next_seq(&tx)?;
        tx.execute(
            "INSERT INTO cash_movements (event_id, terminal_id, shift_id, kind, amount_minor, reason, user_id, at, journal_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![event_id, terminal_id, shift_id, kind.as_str(), amount_minor, reason, user_id, at, seq],
        )?;
        let id = tx.last_insert_rowid();
        append_event(&tx, terminal_id, kind.as_str(), event, at)?;
        commit(tx, &mut self.guard)?;
        Ok(id)
    }

    /// What the drawer of a shift should hold per tender now, in minor units: cash is the float,
    /// plus cash taken less change, plus pay-ins and loans, less pay-outs and drops; card is
    /// what was taken by card.
    pub fn expected_in_drawer(&self, shift_id: i64, float_minor: i64) -> Result<Vec<(String, i64)>> {
        expected_in(&self.conn, shift_id, float_minor)
    }

    /// Stores a count (one row per tender) as the shift's next attempt; every count is kept.
    #[allow(clippy::too_many_arguments)]
    pub fn record_count(
        &mut self,
        terminal_id: &str,
        shift_id: i64,
        user_id: i64,
        purpose: &str,
        rows: &[CountRow],
        event: &serde_json::Value,
        at: &str,
    ) -> Result<i64> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let attempt: i64 =
            tx.query_row("SELECT COALESCE(MAX(attempt), 0) + 1 FROM counts WHERE shift_id = ?1", [shift_id], |r| {
                r.get(0)
            })?;
        let event_id = event_id_of(event)?;
        for (i, row) in rows.iter().enumerate() {
            tx.execute(
                "INSERT INTO counts (event_id, shift_id, attempt, purpose, method, counted_minor, expected_minor, pieces, user_id, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    format!("{event_id}/{i}"),
                    shift_id,
                    attempt,
                    purpose,
                    row.method,
                    row.counted_minor,
                    row.expected_minor,
                    row.pieces,
                    user_id,
                    at
                ],
            )?;
        }
        append_event(&tx, terminal_id, "count", event, at)?;
        commit(tx, &mut self.guard)?;
        Ok(attempt)
    }

    /// The shift's latest count, if it has one.
    pub fn latest_count(&self, shift_id: i64) -> Result<Option<LatestCount>> {
        let last: Option<(i64, i64)> = self
            .conn
            .query_row(
                "SELECT attempt, user_id FROM counts WHERE shift_id = ?1 ORDER BY attempt DESC LIMIT 1",
                [shift_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((attempt, user_id)) = last else { return Ok(None) };
        let mut stmt = self.conn.prepare(
            "SELECT method, counted_minor, expected_minor, pieces FROM counts WHERE shift_id = ?1 AND attempt = ?2 ORDER BY id",
        )?;
        let rows = stmt
            .query_map(params![shift_id, attempt], |r| {
                Ok(CountRow {
                    method: r.get(0)?,
                    counted_minor: r.get(1)?,
                    expected_minor: r.get(2)?,
                    pieces: r.get(3)?,
                })
            })?
            .collect::<std::result::Result<_, _>>()?;
        Ok(Some(LatestCount { attempt, user_id, rows }))
    }

    /// Ends a drawer session and, for a handover, opens the next one in the same transaction.
    /// Returns the new session's id.
    pub fn end_shift(
        &mut self,
        terminal_id: &str,
        user: &User,
        end: &ShiftEnd,
        next: Option<&ShiftStart>,
        at: &str,
    ) -> Result<Option<i64>> {
        let tx = begin(&mut self.conn, &self.guard)?;
        end_in(&tx, terminal_id, user, end, at)?;
        let id = match next {
            Some(n) => Some(open_in(&tx, terminal_id, n.user_id, n.float_minor, &n.event, at)?),
            None => None,
        };
        commit(tx, &mut self.guard)?;
        Ok(id)
    }

    /// Ends the terminal's day: the open drawer session closed with its count (if one is
    /// open), then the Z, numbered one more than the last, with its report. One transaction: a
    /// crash leaves either the whole Z or nothing of it.
    pub fn close_day(
        &mut self,
        terminal_id: &str,
        user: &User,
        end: Option<&ShiftEnd>,
        z: &ZStart,
        at: &str,
    ) -> Result<(i64, serde_json::Value)> {
        let tx = begin(&mut self.conn, &self.guard)?;
        if let Some(end) = end {
            end_in(&tx, terminal_id, user, end, at)?;
        }
        let z_no: i64 = tx.query_row(
            "SELECT COALESCE(MAX(z_no), 0) + 1 FROM z_reports WHERE terminal_id = ?1",
            [terminal_id],
            |r| r.get(0),
        )?;
        let report = (z.report)(&tx, z_no)?;
        let body = report.to_string();
        let digest = hex_sha256(body.as_bytes());
        let event = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": "z_report", "terminal_id": terminal_id, "at": at,
            "z_no": z_no, "report_sha256": digest, "report": report,
        });
        let event_id = event_id_of(&event)?;
        let seq = journal::next_seq(&tx)?;
        tx.execute(
            "INSERT INTO z_reports (terminal_id, z_no, event_id, at, user_id, last_shift, report, journal_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![terminal_id, z_no, event_id, at, z.user_id, z.last_shift, body, seq],
        )?;
        append_event(&tx, terminal_id, "z_report", &event, at)?;
        commit(tx, &mut self.guard)?;
        Ok((z_no, report))
    }

    /// The last Z of the terminal: its number and the last drawer session it covered.
    pub fn last_z(&self, terminal_id: &str) -> Result<Option<(i64, i64)>> {
        last_z_in(&self.conn, terminal_id)
    }

    /// The terminal's newest drawer session.
    pub fn last_shift_id(&self, terminal_id: &str) -> Result<Option<i64>> {
        Ok(self.conn.query_row("SELECT MAX(id) FROM shifts WHERE terminal_id = ?1", [terminal_id], |r| r.get(0))?)
    }

    /// A stored Z report as it was stored.
    pub fn z_report(&self, terminal_id: &str, z_no: i64) -> Result<Option<serde_json::Value>> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT report FROM z_reports WHERE terminal_id = ?1 AND z_no = ?2",
                params![terminal_id, z_no],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("Z {z_no}: {e}")))).transpose()
    }

    /// Stores a fuel delivery into a tank (entered, or from the gauge's delivery report).
    #[allow(clippy::too_many_arguments)]
    pub fn record_delivery(
        &mut self,
        terminal_id: &str,
        tank: u8,
        litres: &str,
        source: &str,
        user_id: Option<i64>,
        event: &serde_json::Value,
        at: &str,
    ) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        tx.execute(
            "INSERT INTO deliveries (event_id, terminal_id, tank, litres, source, user_id, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![event_id_of(event)?, terminal_id, tank, litres, source, user_id, at],
        )?;
        append_event(&tx, terminal_id, "delivery", event, at)?;
        commit(tx, &mut self.guard)?;
        Ok(())
    }

    /// Stores the deliveries a gauge reports, each once (by tank and the gauge's start and end);
    /// a new one is journaled and queued for head office. The ones a gauge reports the first
    /// time it answers are its history: stored, not counted.
    pub fn record_gauge_deliveries(&mut self, terminal_id: &str, rows: &[GaugeDeliveryRow], at: &str) -> Result<usize> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let first: bool = tx.query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM gauge_contact WHERE terminal_id = ?1)",
            [terminal_id],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO gauge_contact (terminal_id, first_at) VALUES (?1, ?2)",
            params![terminal_id, at],
        )?;
        let mut added = 0;
        for d in rows {
            let n = tx.execute(
                "INSERT OR IGNORE INTO deliveries (event_id, terminal_id, tank, litres, source, at, gauge_start, gauge_end, counted)
                 VALUES (?1, ?2, ?3, ?4, 'gauge', ?5, ?6, ?7, ?8)",
                params![event_id_of(&d.event)?, terminal_id, d.tank, d.litres, at, d.start, d.end, !first],
            )?;
            if n == 1 && !first {
                append_event(&tx, terminal_id, "delivery", &d.event, at)?;
                added += 1;
            }
        }
        commit(tx, &mut self.guard)?;
        Ok(added)
    }

    /// Stores the tanks' volumes and the pumps' (and nozzles') meter totals read at a moment of the day,
    /// journaled as `journal_kind` (none when the caller journaled them already).
    #[allow(clippy::too_many_arguments)]
    pub fn record_readings(
        &mut self,
        terminal_id: &str,
        phase: &str,
        tanks: &[(u8, String)],
        meters: &[MeterRow],
        journal_kind: Option<&str>,
        at: &str,
    ) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        for (tank, volume) in tanks {
            tx.execute(
                "INSERT INTO tank_readings (terminal_id, tank, volume, phase, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![terminal_id, tank, volume, phase, at],
            )?;
        }
        for m in meters {
            tx.execute(
                "INSERT INTO meter_readings (terminal_id, pump, nozzle, grade, volume, amount, phase, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![terminal_id, m.pump, m.nozzle, m.grade, m.volume, m.amount, phase, at],
            )?;
        }
        if let Some(kind) = journal_kind {
            let payload = serde_json::json!({ "phase": phase, "tanks": tanks, "meters": meters });
            journal::append(&tx, terminal_id, at, kind, &payload.to_string())?;
        }
        commit(tx, &mut self.guard)?;
        Ok(())
    }
}

/// A delivery as the gauge reported it, with the event that tells head office.
#[derive(Debug, Clone)]
pub struct GaugeDeliveryRow {
    pub tank: u8,
    pub litres: String,
    pub start: String,
    pub end: String,
    pub event: serde_json::Value,
}

/// One meter read: a nozzle's (with its grade), or the whole pump's (`nozzle` None).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MeterRow {
    pub pump: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nozzle: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    pub volume: String,
    pub amount: String,
}

pub(super) fn last_z_in(conn: &Connection, terminal_id: &str) -> Result<Option<(i64, i64)>> {
    Ok(conn
        .query_row(
            "SELECT z_no, last_shift FROM z_reports WHERE terminal_id = ?1 ORDER BY z_no DESC LIMIT 1",
            [terminal_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub(super) fn expected_in(conn: &Connection, shift_id: i64, float_minor: i64) -> Result<Vec<(String, i64)>> {
    let (cash_net, card, moves): (i64, i64, i64) = conn.query_row(
        "SELECT COALESCE((SELECT SUM(p.amount_minor) FROM payments p JOIN sales s ON s.id = p.sale_id
                           WHERE s.shift_id = ?1 AND p.method = 'cash'), 0)
              - COALESCE((SELECT SUM(change_minor) FROM sales WHERE shift_id = ?1), 0),
                COALESCE((SELECT SUM(p.amount_minor) FROM payments p JOIN sales s ON s.id = p.sale_id
                           WHERE s.shift_id = ?1 AND p.method = 'card'), 0),
                COALESCE((SELECT SUM(CASE WHEN kind IN ('pay_in', 'safe_loan') THEN amount_minor
                                          WHEN kind IN ('pay_out', 'safe_drop') THEN -amount_minor ELSE 0 END)
                           FROM cash_movements WHERE shift_id = ?1), 0)",
        [shift_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let cash = float_minor
        .checked_add(cash_net)
        .and_then(|c| c.checked_add(moves))
        .ok_or_else(|| StoreError::Corrupt(format!("the drawer of shift {shift_id} overflows")))?;
    Ok(vec![("cash".into(), cash), ("card".into(), card)])
}

fn end_in(tx: &Transaction, terminal_id: &str, user: &User, end: &ShiftEnd, at: &str) -> Result<()> {
    let seq = journal::next_seq(tx)?;
    let n = tx.execute(
        "UPDATE shifts SET closed_by = ?2, closed_at = ?3, counted_minor = ?4, expected_minor = ?5, close_seq = ?6,
                           approved_by = ?7, close_kind = ?8
         WHERE id = ?1 AND closed_at IS NULL",
        params![end.shift_id, user.id, at, end.counted_minor, end.expected_minor, seq, end.approved_by, end.kind],
    )?;
    if n != 1 {
        return Err(StoreError::Corrupt(format!("shift {} is not open", end.shift_id)));
    }
    let digest = integrity::rows_digest(tx, integrity::Rows::ShiftClose(end.shift_id))?;
    let mut events = end.events.iter();
    let (kind, first) =
        events.next().ok_or_else(|| StoreError::Corrupt("a shift ends with its shift_close event".into()))?;
    append_event_rows(tx, terminal_id, kind, first, at, Some(&digest))?;
    for (kind, e) in events {
        append_event(tx, terminal_id, kind, e, at)?;
    }
    Ok(())
}

/// Opens a drawer session inside the caller's transaction: the row and its journaled event.
pub(super) fn open_in(
    tx: &Transaction,
    terminal_id: &str,
    user_id: i64,
    float_minor: i64,
    event: &serde_json::Value,
    at: &str,
) -> Result<i64> {
    let event_id = event_id_of(event)?;
    let seq = journal::next_seq(tx)?;
    tx.execute(
        "INSERT INTO shifts (event_id, terminal_id, opened_by, opened_at, float_minor, open_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![event_id, terminal_id, user_id, at, float_minor, seq],
    )?;
    let id = tx.last_insert_rowid();
    let digest = integrity::rows_digest(tx, integrity::Rows::ShiftOpen(id))?;
    append_event_rows(tx, terminal_id, "shift_open", event, at, Some(&digest))?;
    Ok(id)
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
