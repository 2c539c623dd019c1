//! User management (managers: `manage_users`): the list, disable and enable, a new PIN, a new
//! role; and finding sales for a refund or a reprint.

use super::{admin, auth, now, Outcome, Refusal, ServiceError, Session};
use crate::domain::users::{validate_pin, Permission, Role, User};
use crate::store::UserChange;
use rust_decimal::Decimal;
use serde::Serialize;

/// A user as the user management screen lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserEntry {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub active: bool,
}

/// A sale found by `find_sales`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundSale {
    pub receipt_no: i64,
    pub kind: String,
    pub at: String,
    pub total: Decimal,
    pub user: String,
}

impl Session {
    pub(super) fn user_list(&self) -> Result<Outcome, ServiceError> {
        self.require(Permission::ManageUsers, "manage users")?;
        let users = self
            .store
            .all_users()?
            .into_iter()
            .map(|(u, active)| UserEntry { id: u.id, name: u.name, role: u.role, active })
            .collect();
        Ok(Outcome { users: Some(users), ..Outcome::default() })
    }

    pub(super) fn user_add(&mut self, name: &str, role: Role, pin: &str) -> Result<Outcome, ServiceError> {
        self.require(Permission::ManageUsers, "add users")?;
        let terminal = self.config.terminal_id.clone();
        let id = admin::add_user_to(&mut self.store, &terminal, name, role, pin)?;
        let mut out = self.user_list()?;
        out.user = Some(User { id, name: name.trim().to_string(), role });
        Ok(out)
    }

    /// Disables or enables a user, gives a new PIN or a new role. Nobody disables or demotes
    /// themselves, and the last user who may manage users stays.
    pub(super) fn user_change(
        &mut self,
        name: &str,
        active: Option<bool>,
        pin: Option<&str>,
        role: Option<Role>,
    ) -> Result<Outcome, ServiceError> {
        let me = self.require(Permission::ManageUsers, "manage users")?.clone();
        let all = self.store.all_users()?;
        let (target, was_active) = all
            .iter()
            .find(|(u, _)| u.name == name.trim())
            .cloned()
            .ok_or_else(|| ServiceError::UnknownUser(name.to_string()))?;
        let manages = |r: Role| self.config.role_policy(r).allows(Permission::ManageUsers);
        let loses = active == Some(false) || role.is_some_and(|r| !manages(r));
        if loses && target.id == me.id {
            return Err(Refusal::NotYourself.into());
        }
        let managers = all.iter().filter(|(u, a)| *a && manages(u.role) && u.id != target.id).count();
        if loses && was_active && manages(target.role) && managers == 0 {
            return Err(Refusal::LastManager.into());
        }
        let pin_hash = match pin {
            Some(p) => {
                validate_pin(p).map_err(|_| Refusal::BadPin)?;
                let taken = self
                    .store
                    .active_users()?
                    .iter()
                    .any(|u| u.user.id != target.id && auth::verify_pin(p, &u.pin_hash));
                if taken {
                    return Err(Refusal::PinTaken.into());
                }
                Some(auth::hash_pin(p).map_err(|detail| Refusal::DemoData { detail })?)
            }
            None => None,
        };
        let (at, _) = now();
        let event = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": "user_changed", "terminal_id": self.terminal(),
            "at": at, "by": me.name, "user_id": target.id, "name": target.name, "active": active,
            "pin_changed": pin.is_some(), "role": role.map(|r| r.as_str()),
        });
        let terminal = self.config.terminal_id.clone();
        self.store.change_user(target.id, &UserChange { active, pin_hash, role }, &event, &terminal, &at)?;
        self.user_list()
    }

    /// Sales by receipt number, date (YYYY-MM-DD, UTC) or total (either sign), newest first.
    pub(super) fn find_sales(
        &self,
        receipt_no: Option<i64>,
        date: Option<&str>,
        amount: Option<Decimal>,
    ) -> Result<Outcome, ServiceError> {
        self.user()?;
        let cur = &self.config.pricing.currency;
        if let Some(d) = date {
            let ok = d.len() == 10 && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok();
            if !ok {
                return Err(Refusal::BadDate { date: d.to_string() }.into());
            }
        }
        let total = match amount {
            Some(a) => Some(cur.to_minor(a.abs()).ok_or(Refusal::TooManyDecimals {
                what: super::AmountOf::Movement,
                value: a,
                currency: cur.code.clone(),
            })?),
            None => None,
        };
        let rows = self.store.find_sales(self.terminal(), receipt_no, date, total, 50)?;
        let found = rows
            .into_iter()
            .map(|(receipt_no, kind, at, total, user)| FoundSale {
                receipt_no,
                kind,
                at,
                total: cur.from_minor(total),
                user,
            })
            .collect();
        Ok(Outcome { found: Some(found), ..Outcome::default() })
    }
}
