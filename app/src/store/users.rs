//! Users, their PIN hashes, failed attempts and lockouts.

use super::*;

impl Store {
    pub fn user_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
    }

    pub fn add_user(&mut self, name: &str, role: Role, pin_hash: &str, terminal_id: &str, at: &str) -> Result<i64> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO users (name, role, pin_hash) VALUES (?1, ?2, ?3)",
            params![name, role.as_str(), pin_hash],
        )?;
        let id = tx.last_insert_rowid();
        let payload = serde_json::json!({ "user_id": id, "name": name, "role": role.as_str() });
        journal::append(&tx, terminal_id, at, "user_added", &payload.to_string())?;
        commit(tx, &mut self.commits)?;
        Ok(id)
    }

    pub fn active_users(&self) -> Result<Vec<UserAuth>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name, role, pin_hash, failed_attempts, locked_until FROM users WHERE active = 1 ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, u32>(4)?,
                r.get::<_, Option<i64>>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, role, pin_hash, failed_attempts, locked_until) = row?;
            let role = Role::from_str(&role).map_err(StoreError::Corrupt)?;
            out.push(UserAuth { user: User { id, name, role }, pin_hash, failed_attempts, locked_until });
        }
        Ok(out)
    }

    /// Records a failed PIN for a user; locks them until `lock_until` once `max` is reached.
    /// Returns the attempts so far.
    pub fn record_failed_login(
        &mut self,
        user_id: i64,
        max: u32,
        lock_until: i64,
        terminal_id: &str,
        at: &str,
    ) -> Result<u32> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let attempts: u32 = tx.query_row(
            "UPDATE users SET failed_attempts = failed_attempts + 1 WHERE id = ?1 RETURNING failed_attempts",
            [user_id],
            |r| r.get(0),
        )?;
        let locked = attempts >= max;
        if locked {
            tx.execute(
                "UPDATE users SET locked_until = ?2, failed_attempts = 0 WHERE id = ?1",
                params![user_id, lock_until],
            )?;
        }
        let payload = serde_json::json!({ "user_id": user_id, "attempts": attempts, "locked": locked });
        journal::append(&tx, terminal_id, at, "login_failed", &payload.to_string())?;
        commit(tx, &mut self.commits)?;
        Ok(attempts)
    }

    pub fn record_login(&mut self, user_id: i64, terminal_id: &str, at: &str) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?1", [user_id])?;
        journal::append(&tx, terminal_id, at, "login", &serde_json::json!({ "user_id": user_id }).to_string())?;
        commit(tx, &mut self.commits)?;
        Ok(())
    }
}
