//! Pay-at-pump reservations: written (`asking`) before the card terminal is asked for the
//! pre-authorization, `reserved` once it approved (the pump is authorized for that amount),
//! `booking` in the very transaction that stores the sale of what was filled, then `booked`
//! when the terminal charged it, or `released` / `declined`. At most one is open per pump.

use super::{begin, commit, Result, Store, StoreError, TerminalAnswer};
use crate::domain::record::CardAuth;
use rusqlite::{params, OptionalExtension, Transaction};

/// One reservation as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reservation {
    pub id: i64,
    pub reference: String,
    pub pump: u8,
    pub amount_minor: i64,
    pub state: String,
    pub answer: TerminalAnswer,
    pub filled_minor: Option<i64>,
    pub sale_id: Option<i64>,
}

impl Reservation {
    /// What a sale's card payment carries of it (never a full card number).
    pub fn auth(&self) -> CardAuth {
        CardAuth {
            reference: self.reference.clone(),
            terminal_receipt: self.answer.pt_receipt,
            trace: self.answer.trace,
            pan: self.answer.pan.clone(),
            card_name: self.answer.card_name.clone(),
            auth_code: self.answer.auth_code.clone(),
        }
    }
}

const COLUMNS: &str = "id, reference, pump, amount_minor, state, result_code, pt_receipt, trace, pan, card_name, \
                       auth_code, filled_minor, sale_id";

fn row(r: &rusqlite::Row) -> rusqlite::Result<Reservation> {
    Ok(Reservation {
        id: r.get(0)?,
        reference: r.get(1)?,
        pump: r.get(2)?,
        amount_minor: r.get(3)?,
        state: r.get(4)?,
        answer: TerminalAnswer {
            result_code: r.get(5)?,
            pt_receipt: r.get(6)?,
            trace: r.get(7)?,
            pan: r.get(8)?,
            card_name: r.get(9)?,
            auth_code: r.get(10)?,
        },
        filled_minor: r.get(11)?,
        sale_id: r.get(12)?,
    })
}

impl Store {
    /// Writes a reservation about to be asked for (durable on return); `None` when the pump has
    /// an open one already.
    pub fn create_reservation(
        &mut self,
        terminal_id: &str,
        pump: u8,
        amount_minor: i64,
        at: &str,
    ) -> Result<Option<Reservation>> {
        let reference = uuid::Uuid::new_v4().to_string();
        let tx = begin(&mut self.conn, &self.guard)?;
        let n = tx.execute(
            "INSERT INTO pump_reservations (reference, terminal_id, pump, amount_minor, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'asking', ?5, ?5) ON CONFLICT DO NOTHING",
            params![reference, terminal_id, pump, amount_minor, at],
        )?;
        if n == 0 {
            return Ok(None);
        }
        let id = tx.last_insert_rowid();
        commit(tx, &mut self.guard)?;
        self.reservation(id)
    }

    pub fn reservation(&self, id: i64) -> Result<Option<Reservation>> {
        let sql = format!("SELECT {COLUMNS} FROM pump_reservations WHERE id = ?1");
        Ok(self.conn.query_row(&sql, [id], row).optional()?)
    }

    /// This terminal's reservations not finished yet (asking, reserved, booking), oldest first.
    pub fn open_reservations(&self, terminal_id: &str) -> Result<Vec<Reservation>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM pump_reservations
             WHERE terminal_id = ?1 AND state IN ('asking', 'reserved', 'booking') ORDER BY id"
        ))?;
        let rows = stmt.query_map([terminal_id], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Moves a reservation from one of `from` to `to`, with what the terminal said; `false`
    /// when it was not in one of `from` (nothing changed).
    pub fn move_reservation(
        &mut self,
        id: i64,
        from: &[&str],
        to: &str,
        answer: Option<&TerminalAnswer>,
        at: &str,
    ) -> Result<bool> {
        let a = answer.cloned().unwrap_or_default();
        let tx = begin(&mut self.conn, &self.guard)?;
        let state: Option<String> =
            tx.query_row("SELECT state FROM pump_reservations WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        if !state.is_some_and(|s| from.contains(&s.as_str())) {
            return Ok(false);
        }
        tx.execute(
            "UPDATE pump_reservations SET state = ?2, result_code = COALESCE(?3, result_code),
                    pt_receipt = COALESCE(?4, pt_receipt), trace = COALESCE(?5, trace), pan = COALESCE(?6, pan),
                    card_name = COALESCE(?7, card_name), auth_code = COALESCE(?8, auth_code), updated_at = ?9
             WHERE id = ?1",
            params![id, to, a.result_code, a.pt_receipt, a.trace, a.pan, a.card_name, a.auth_code, at],
        )?;
        commit(tx, &mut self.guard)?;
        Ok(true)
    }

    /// What booked reservations were charged since the card terminal's last end-of-day (id
    /// after `since`): the total, how many, and the newest id.
    pub(super) fn booked_since(tx: &Transaction, terminal_id: &str, since: i64) -> Result<(i64, i64, i64)> {
        Ok(tx.query_row(
            "SELECT COALESCE(SUM(filled_minor), 0), COUNT(*), COALESCE(MAX(id), ?2)
             FROM pump_reservations WHERE terminal_id = ?1 AND id > ?2 AND state = 'booked' AND filled_minor > 0",
            params![terminal_id, since],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    }
}

/// Ties a stored sale's card payment to its reservation, in the sale's transaction: the
/// reservation moves from `reserved` to `booking` with what was filled. `false` when the
/// reference is no reservation's.
pub(super) fn book_in_sale(tx: &Transaction, sale_id: i64, seq: usize, reference: &str, at: &str) -> Result<bool> {
    let found: Option<String> = tx
        .query_row("SELECT state FROM pump_reservations WHERE reference = ?1", [reference], |r| r.get(0))
        .optional()?;
    match found.as_deref() {
        None => Ok(false),
        Some("reserved") => {
            tx.execute(
                "UPDATE pump_reservations SET state = 'booking', sale_id = ?2, updated_at = ?3,
                        filled_minor = (SELECT amount_minor FROM payments WHERE sale_id = ?2 AND seq = ?4)
                 WHERE reference = ?1",
                params![reference, sale_id, at, seq as i64],
            )?;
            Ok(true)
        }
        Some(_) => {
            Err(StoreError::Corrupt(format!("reservation {reference} is already settled; the sale is not stored")))
        }
    }
}
