//! Users, their PIN hashes, failed attempts and lockouts.

use super::*;

impl Store {
    pub fn user_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
    }

    pub fn add_user(&mut self, name: &str, role: Role, pin_hash: &str, terminal_id: &str, at: &str) -> Result<i64> {
        Ok(self.add_users(&[(name, role, pin_hash)], terminal_id, at)?[0])
    }

    /// Adds users in one transaction: all of them or, after a crash, none.
    pub fn add_users(&mut self, users: &[(&str, Role, &str)], terminal_id: &str, at: &str) -> Result<Vec<i64>> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let mut ids = Vec::with_capacity(users.len());
        for (name, role, pin_hash) in users {
            tx.execute(
                "INSERT INTO users (name, role, pin_hash) VALUES (?1, ?2, ?3)",
                params![name, role.as_str(), pin_hash],
            )?;
            let id = tx.last_insert_rowid();
            let payload = serde_json::json!({ "user_id": id, "name": name, "role": role.as_str() });
            journal::append(&tx, terminal_id, at, "user_added", &payload.to_string())?;
            ids.push(id);
        }
        commit(tx, &mut self.guard)?;
        Ok(ids)
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
        let tx = begin(&mut self.conn, &self.guard)?;
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
        commit(tx, &mut self.guard)?;
        Ok(attempts)
    }

    pub fn record_login(&mut self, user_id: i64, terminal_id: &str, at: &str) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        tx.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?1", [user_id])?;
        journal::append(&tx, terminal_id, at, "login", &serde_json::json!({ "user_id": user_id }).to_string())?;
        commit(tx, &mut self.guard)?;
        Ok(())
    }

    /// The PIN pad's lock: Unix time until which it is locked, if it is.
    pub fn pad_locked_until(&self, terminal_id: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row("SELECT locked_until FROM pin_pad WHERE terminal_id = ?1", [terminal_id], |r| r.get(0))
            .optional()?
            .flatten())
    }

    /// Records a wrong PIN entered without a user name (`kind`: "login_failed" or
    /// "approval_failed"). Wrong PINs count while each comes within `window` seconds of the
    /// one before; at `max` the pad locks until `lock_until`. Returns the count and whether it
    /// locked. A right PIN does not clear the count: it ends only with a lock or a quiet window.
    #[allow(clippy::too_many_arguments)]
    pub fn record_pad_failure(
        &mut self,
        terminal_id: &str,
        kind: &str,
        payload: serde_json::Value,
        max: u32,
        window: i64,
        now: i64,
        lock_until: i64,
        at: &str,
    ) -> Result<(u32, bool)> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let (failed, last): (u32, Option<i64>) = tx
            .query_row("SELECT failed, last_failed_at FROM pin_pad WHERE terminal_id = ?1", [terminal_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .unwrap_or((0, None));
        let recent = last.is_some_and(|t| now.saturating_sub(t) <= window);
        let attempts = if recent { failed.saturating_add(1) } else { 1 };
        let locked = attempts >= max;
        let (count, until) = if locked { (0, Some(lock_until)) } else { (attempts, None) };
        tx.execute(
            "INSERT INTO pin_pad (terminal_id, failed, last_failed_at, locked_until) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(terminal_id) DO UPDATE SET failed = ?2, last_failed_at = ?3,
                 locked_until = COALESCE(?4, locked_until)",
            params![terminal_id, count, now, until],
        )?;
        let mut payload = payload;
        if let Some(o) = payload.as_object_mut() {
            o.insert("pad_attempts".into(), attempts.into());
            o.insert("pad_locked".into(), locked.into());
        }
        journal::append(&tx, terminal_id, at, kind, &payload.to_string())?;
        commit(tx, &mut self.guard)?;
        Ok((attempts, locked))
    }

    /// Every user, disabled ones too: (user, active).
    pub fn all_users(&self) -> Result<Vec<(User, bool)>> {
        let mut stmt = self.conn.prepare("SELECT id, name, role, active FROM users ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, bool>(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, role, active) = row?;
            out.push((User { id, name, role: Role::from_str(&role).map_err(StoreError::Corrupt)? }, active));
        }
        Ok(out)
    }

    /// Changes a user (active, PIN, role); journaled and sent to head office, in one transaction.
    pub fn change_user(
        &mut self,
        id: i64,
        change: &UserChange,
        event: &serde_json::Value,
        terminal_id: &str,
        at: &str,
    ) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        if let Some(active) = change.active {
            tx.execute("UPDATE users SET active = ?2 WHERE id = ?1", params![id, active])?;
        }
        if let Some(hash) = &change.pin_hash {
            tx.execute(
                "UPDATE users SET pin_hash = ?2, failed_attempts = 0, locked_until = NULL WHERE id = ?1",
                params![id, hash],
            )?;
        }
        if let Some(role) = change.role {
            tx.execute("UPDATE users SET role = ?2 WHERE id = ?1", params![id, role.as_str()])?;
        }
        append_event(&tx, terminal_id, "user_changed", event, at)?;
        commit(tx, &mut self.guard)?;
        Ok(())
    }
}

/// What changes about a user.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub active: Option<bool>,
    pub pin_hash: Option<String>,
    pub role: Option<Role>,
}
