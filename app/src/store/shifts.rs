//! Shifts: opened with a float, closed with the counted cash.

use super::*;

impl Store {
    pub fn open_shift_of(&self, terminal_id: &str) -> Result<Option<OpenShift>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, opened_at, opened_by, float_minor FROM shifts WHERE terminal_id = ?1 AND closed_at IS NULL",
                [terminal_id],
                |r| Ok(OpenShift { id: r.get(0)?, opened_at: r.get(1)?, opened_by: r.get(2)?, float_minor: r.get(3)? }),
            )
            .optional()?)
    }

    /// Opens a shift with its float: the shift row, a journal entry and an outbox event.
    pub fn open_shift(
        &mut self,
        terminal_id: &str,
        user: &User,
        float_minor: i64,
        event: &serde_json::Value,
        at: &str,
    ) -> Result<i64> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let event_id = event_id_of(event)?;
        let seq = journal::next_seq(&tx)?;
        tx.execute(
            "INSERT INTO shifts (event_id, terminal_id, opened_by, opened_at, float_minor, open_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![event_id, terminal_id, user.id, at, float_minor, seq],
        )?;
        let id = tx.last_insert_rowid();
        let digest = integrity::rows_digest(&tx, integrity::Rows::ShiftOpen(id))?;
        append_event_rows(&tx, terminal_id, "shift_open", event, at, Some(&digest))?;
        commit(tx, &mut self.guard)?;
        Ok(id)
    }

    /// Cash that moved through the drawer in a shift, in minor units: cash taken minus change
    /// minus cash paid out on refunds.
    pub fn shift_cash_net(&self, shift_id: i64) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COALESCE((SELECT SUM(p.amount_minor) FROM payments p JOIN sales s ON s.id = p.sale_id
                               WHERE s.shift_id = ?1 AND p.method = 'cash'), 0)
                  - COALESCE((SELECT SUM(change_minor) FROM sales WHERE shift_id = ?1), 0)",
            [shift_id],
            |r| r.get(0),
        )?)
    }

    /// Closes a shift with its count: the shift row, a journal entry and an outbox event.
    pub fn close_shift(
        &mut self,
        terminal_id: &str,
        user: &User,
        count: ShiftClosing,
        event: &serde_json::Value,
        at: &str,
    ) -> Result<()> {
        let ShiftClosing { shift_id, counted_minor, expected_minor } = count;
        let tx = begin(&mut self.conn, &self.guard)?;
        let seq = journal::next_seq(&tx)?;
        let n = tx.execute(
            "UPDATE shifts SET closed_by = ?2, closed_at = ?3, counted_minor = ?4, expected_minor = ?5, close_seq = ?6
             WHERE id = ?1 AND closed_at IS NULL",
            params![shift_id, user.id, at, counted_minor, expected_minor, seq],
        )?;
        if n != 1 {
            return Err(StoreError::Corrupt(format!("shift {shift_id} is not open")));
        }
        let digest = integrity::rows_digest(&tx, integrity::Rows::ShiftClose(shift_id))?;
        append_event_rows(&tx, terminal_id, "shift_close", event, at, Some(&digest))?;
        commit(tx, &mut self.guard)?;
        Ok(())
    }
}
