//! The back office's users (managers with `manage_users`): the list, a new PIN, a role, disable
//! and enable, and a new user with a name from the on-screen keyboard and a PIN. The service
//! refuses what must not happen (disabling oneself, the last manager, a PIN taken).

use super::office::model;
use super::office::PinFor;
use super::Gui;
use crate::domain::users::{Permission, Role};
use crate::service::{Command, Outcome, ServiceError};
use till_ui::UserRow;

impl Gui {
    pub(super) fn load_users(&self) {
        if !self.state.borrow().permissions.contains(&Permission::ManageUsers) {
            return;
        }
        self.send(Command::Users, |g, r| g.users_answered(r));
    }

    fn users_answered(&self, r: Result<Outcome, ServiceError>) {
        match r {
            Ok(out) => {
                let i18n = self.i18n.borrow();
                let rows: Vec<UserRow> = out
                    .users
                    .unwrap_or_default()
                    .iter()
                    .map(|u| UserRow {
                        name: u.name.clone().into(),
                        role: u.role.as_str().into(),
                        active: u.active,
                        label: format!("{} · {}", u.name, i18n.tr(&format!("role-{}", u.role.as_str()))).into(),
                    })
                    .collect();
                drop(i18n);
                let ui = self.office_ui();
                let selected = ui.get_user_selected().to_string();
                if let Some(u) = rows.iter().find(|u| u.name == selected.as_str()) {
                    ui.set_user_active(u.active);
                    ui.set_user_role(u.role.clone());
                }
                ui.set_users(model(rows));
            }
            Err(e) => self.show_error(&e),
        }
    }

    pub(super) fn user_select(&self, name: &str) {
        use slint::Model;
        let ui = self.office_ui();
        ui.set_user_selected(name.into());
        if let Some(u) = ui.get_users().iter().find(|u| u.name == name) {
            ui.set_user_active(u.active);
            ui.set_user_role(u.role);
        }
    }

    fn selected(&self) -> String {
        self.office_ui().get_user_selected().to_string()
    }

    pub(super) fn user_toggle(&self) {
        let name = self.selected();
        let cmd = if self.office_ui().get_user_active() {
            Command::UserDisable { name }
        } else {
            Command::UserEnable { name }
        };
        self.send(cmd, |g, r| g.users_answered(r));
    }

    pub(super) fn user_role_set(&self, role: &str) {
        let Ok(role) = role.parse::<Role>() else { return };
        self.send(Command::UserSetRole { name: self.selected(), role }, |g, r| g.users_answered(r));
    }

    pub(super) fn new_name_key(&self, k: &str) {
        let ui = self.office_ui();
        let mut name = ui.get_new_name().to_string();
        match k {
            "back" => {
                name.pop();
            }
            "clear" => name.clear(),
            _ if name.chars().count() < 40 => name.push_str(k),
            _ => {}
        }
        ui.set_new_name(name.into());
    }

    pub(super) fn add_user_next(&self) {
        let ui = self.office_ui();
        let name = ui.get_new_name().trim().to_string();
        let role = ui.get_new_role().parse::<Role>().unwrap_or(Role::Cashier);
        ui.set_add_user_dialog(false);
        self.ask_pin(PinFor::NewUser { name, role });
    }

    /// A PIN from the office's PIN dialog for user management.
    pub(super) fn user_pin_entered(&self, purpose: PinFor, pin: String) {
        let cmd = match purpose {
            PinFor::NewPin(name) => Command::UserSetPin { name, pin },
            PinFor::NewUser { name, role } => Command::UserAdd { name, role, pin },
            _ => return,
        };
        self.send(cmd, |g, r| g.users_answered(r));
    }
}
