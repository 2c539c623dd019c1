//! Device settings and the reprint queue.

use super::*;

impl Store {
    /// Puts a receipt in the reprint queue (it did not print), with a journal entry.
    pub fn queue_reprint(&mut self, receipt_no: i64, reason: &str, terminal_id: &str, at: &str) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        tx.execute(
            "INSERT INTO reprint_queue (receipt_no, reason, queued_at) VALUES (?1, ?2, ?3)",
            params![receipt_no, reason, at],
        )?;
        let payload = serde_json::json!({ "receipt_no": receipt_no, "reason": reason });
        journal::append(&tx, terminal_id, at, "receipt_not_printed", &payload.to_string())?;
        commit(tx, &mut self.guard)
    }

    /// Assigns a device its port (and protocol) and journals who did it, in one transaction.
    pub fn set_device(&mut self, d: &DeviceSetting, user_id: i64, terminal_id: &str, at: &str) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        tx.execute(
            "INSERT INTO device_settings (device, port, protocol, changed_by, changed_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(device) DO UPDATE SET port = ?2, protocol = ?3, changed_by = ?4, changed_at = ?5",
            params![d.device, d.port, d.protocol, user_id, at],
        )?;
        let payload =
            serde_json::json!({ "device": d.device, "port": d.port, "protocol": d.protocol, "user_id": user_id });
        journal::append(&tx, terminal_id, at, "device_set", &payload.to_string())?;
        commit(tx, &mut self.guard)
    }

    /// The devices assigned on the settings screen.
    pub fn device_settings(&self) -> Result<Vec<DeviceSetting>> {
        let mut stmt = self.conn.prepare("SELECT device, port, protocol FROM device_settings ORDER BY device")?;
        let rows =
            stmt.query_map([], |r| Ok(DeviceSetting { device: r.get(0)?, port: r.get(1)?, protocol: r.get(2)? }))?;
        Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
    }

    /// Receipts waiting to be printed again, oldest first: (queue id, receipt number, reason).
    pub fn pending_reprints(&self) -> Result<Vec<(i64, i64, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, receipt_no, reason FROM reprint_queue WHERE printed_at IS NULL ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
    }

    pub fn reprinted(&mut self, id: i64, at: &str) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        tx.execute("UPDATE reprint_queue SET printed_at = ?2 WHERE id = ?1 AND printed_at IS NULL", params![id, at])?;
        commit(tx, &mut self.guard)
    }
}
