//! Every PIN check: sign-in with or without a name, and a manager's approval. A wrong PIN
//! always counts towards a lockout and is journaled: against the user when a name was given,
//! else against the terminal's PIN pad, which then locks for everyone for the lockout period.
//! A right PIN never counts. A locked user neither signs in nor approves. Counts and locks are
//! stored, so they survive a restart.

use super::{auth, now, ServiceError, Session};
use crate::domain::users::User;

impl Session {
    pub(super) fn lockout_seconds(&self) -> i64 {
        i64::try_from(self.config.lockout_seconds).unwrap_or(i64::MAX)
    }

    /// Refuses while the terminal's PIN pad is locked (the attempt is journaled; its PIN is
    /// not even looked at).
    fn pad_open(&mut self, kind: &str, unix: i64) -> Result<(), ServiceError> {
        if let Some(until) = self.store.pad_locked_until(&self.config.terminal_id)?.filter(|&t| t > unix) {
            self.journal(
                "pin_refused",
                &serde_json::json!({ "user_id": null, "for": kind, "reason": "pin pad locked" }),
            )?;
            return Err(ServiceError::PadLocked { seconds: until - unix });
        }
        Ok(())
    }

    /// Finds whose PIN this is, for a PIN entered without a name (`kind` names the journal
    /// entry of a wrong one: "login_failed", "approval_failed"). The caller decides whether
    /// the holder may do what is asked.
    pub(super) fn pin_holder(
        &mut self,
        pin: &str,
        kind: &str,
        detail: serde_json::Value,
    ) -> Result<User, ServiceError> {
        let (at, unix) = now();
        self.pad_open(kind, unix)?;
        let users = self.store.active_users()?;
        let Some(u) = users.iter().find(|u| auth::verify_pin(pin, &u.pin_hash)) else {
            let max = self.config.max_pin_attempts;
            let lock = self.lockout_seconds();
            let terminal = self.config.terminal_id.clone();
            let (_, locked) = self.store.record_pad_failure(
                &terminal,
                kind,
                serde_json::json!({ "user_id": null, "detail": detail }),
                max,
                lock,
                unix,
                unix.saturating_add(lock),
                &at,
            )?;
            return Err(if locked { ServiceError::PadLocked { seconds: lock } } else { ServiceError::WrongPin });
        };
        if let Some(until) = u.locked_until.filter(|&t| t > unix) {
            let (name, id) = (u.user.name.clone(), u.user.id);
            self.journal("pin_refused", &serde_json::json!({ "user_id": id, "for": kind, "reason": "user locked" }))?;
            return Err(ServiceError::Locked { user: name, seconds: until - unix });
        }
        Ok(u.user.clone())
    }

    /// A named user's PIN: a wrong one counts against that user and locks them at the limit.
    pub(super) fn named_pin(&mut self, pin: &str, name: &str) -> Result<User, ServiceError> {
        let (at, unix) = now();
        let users = self.store.active_users()?;
        let u =
            users.iter().find(|u| u.user.name == name).ok_or_else(|| ServiceError::UnknownUser(name.to_string()))?;
        if let Some(until) = u.locked_until.filter(|&t| t > unix) {
            let (name, id) = (u.user.name.clone(), u.user.id);
            self.journal(
                "pin_refused",
                &serde_json::json!({ "user_id": id, "for": "login", "reason": "user locked" }),
            )?;
            return Err(ServiceError::Locked { user: name, seconds: until - unix });
        }
        if auth::verify_pin(pin, &u.pin_hash) {
            return Ok(u.user.clone());
        }
        let max = self.config.max_pin_attempts;
        let lock = self.lockout_seconds();
        let terminal = self.config.terminal_id.clone();
        let attempts = self.store.record_failed_login(u.user.id, max, unix.saturating_add(lock), &terminal, &at)?;
        if attempts >= max {
            return Err(ServiceError::Locked { user: u.user.name.clone(), seconds: lock });
        }
        Err(ServiceError::WrongPinFor { user: u.user.name.clone(), attempts, max })
    }
}
