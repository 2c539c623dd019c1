//! Tickets parked on hold (they survive a restart) and prepayments still to settle.
//!
//! A prepayment is open while its sale is stored and no refund line of a later record points
//! at its line: the settlement is such a refund, so "settled" needs no state of its own and
//! cannot disagree with the sales.

use super::{begin, commit, journal, Result, Store};
use rusqlite::{params, OptionalExtension};

/// A ticket on hold, as stored (the ticket itself as JSON, read back by the session).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRow {
    pub id: i64,
    pub held_by: i64,
    pub held_at: String,
    pub ticket: String,
}

/// A prepaid amount for a pump's next filling that has not been settled yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenPrepay {
    pub pump: u8,
    pub receipt_no: i64,
    /// The prepay line on that receipt.
    pub line: usize,
    /// What was paid for it (after any ticket discount), in minor units.
    pub amount_minor: i64,
}

impl Store {
    /// Puts a ticket on hold and journals it, in one transaction; returns its id.
    pub fn hold_ticket(
        &mut self,
        terminal_id: &str,
        user_id: i64,
        ticket: &str,
        journal_payload: &serde_json::Value,
        at: &str,
    ) -> Result<i64> {
        let tx = begin(&mut self.conn, &self.guard)?;
        tx.execute(
            "INSERT INTO held_tickets (terminal_id, held_by, held_at, ticket) VALUES (?1, ?2, ?3, ?4)",
            params![terminal_id, user_id, at, ticket],
        )?;
        let id = tx.last_insert_rowid();
        let mut payload = journal_payload.clone();
        payload["held_id"] = id.into();
        journal::append(&tx, terminal_id, at, "ticket_held", &payload.to_string())?;
        commit(tx, &mut self.guard)?;
        Ok(id)
    }

    /// The terminal's held tickets, oldest first.
    pub fn held_tickets(&self, terminal_id: &str) -> Result<Vec<HeldRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, held_by, held_at, ticket FROM held_tickets WHERE terminal_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([terminal_id], |r| {
            Ok(HeldRow { id: r.get(0)?, held_by: r.get(1)?, held_at: r.get(2)?, ticket: r.get(3)? })
        })?;
        Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
    }

    /// Takes a held ticket back (it leaves the hold list) and journals who recalled it.
    pub fn recall_ticket(&mut self, terminal_id: &str, id: i64, user_id: i64, at: &str) -> Result<Option<String>> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let ticket: Option<String> = tx
            .query_row(
                "SELECT ticket FROM held_tickets WHERE id = ?1 AND terminal_id = ?2",
                params![id, terminal_id],
                |r| r.get(0),
            )
            .optional()?;
        if ticket.is_none() {
            return Ok(None);
        }
        tx.execute("DELETE FROM held_tickets WHERE id = ?1", [id])?;
        let payload = serde_json::json!({ "held_id": id, "user_id": user_id });
        journal::append(&tx, terminal_id, at, "ticket_recalled", &payload.to_string())?;
        commit(tx, &mut self.guard)?;
        Ok(ticket)
    }

    /// Prepayments of this terminal that no settlement (or refund) has closed yet, oldest first.
    pub fn open_prepays(&self, terminal_id: &str) -> Result<Vec<OpenPrepay>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.receipt_no, l.line_no, l.sku, l.amount_minor - l.ticket_discount_minor
             FROM sale_lines l JOIN sales s ON s.id = l.sale_id
             WHERE l.kind = 'prepay' AND l.voided = 0 AND s.kind = 'sale' AND s.terminal_id = ?1
               AND NOT EXISTS (SELECT 1 FROM sales r JOIN sale_lines rl ON rl.sale_id = r.id
                               WHERE r.refund_of = s.id AND rl.refund_of_line = l.line_no AND rl.voided = 0)
             ORDER BY s.id, l.line_no",
        )?;
        let rows = stmt.query_map([terminal_id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, usize>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (receipt_no, line, sku, amount_minor) = row?;
            // The prepay line's SKU names its pump (`PREPAY-n`, see `Line::prepay`).
            let Some(pump) = sku.strip_prefix("PREPAY-").and_then(|n| n.parse().ok()) else {
                tracing::warn!("prepay line {line} of receipt {receipt_no} has no pump in its SKU '{sku}'");
                continue;
            };
            out.push(OpenPrepay { pump, receipt_no, line, amount_minor });
        }
        Ok(out)
    }
}
