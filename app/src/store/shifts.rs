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
        let id = super::cash::open_in(&tx, terminal_id, user.id, float_minor, event, at)?;
        commit(tx, &mut self.guard)?;
        Ok(id)
    }
}
