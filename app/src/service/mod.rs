//! The service layer: one [`Session`] per terminal executes [`Command`]s, the same closed set
//! of commands for the screens and for `till exec` scripts. It owns the store (the one
//! writer), the catalog index and the open ticket.
//!
//! A command that fails changes nothing: ticket changes are made on a copy that replaces the
//! open ticket only on success, and stored changes are single transactions.

pub mod auth;
#[cfg(test)]
mod tests;

use crate::config::{Config, DEMO_CATALOG};
use crate::domain::catalog::{Catalog, Lookup, LookupError, Unit};
use crate::domain::money::Dec;
use crate::domain::record::{SaleMeta, SaleRecord, TicketRecord};
use crate::domain::shift::ShiftCount;
use crate::domain::ticket::{self, Discount, Line, LineKind, Method, Settlement, TenderOutcome, Ticket, TicketError};
use crate::domain::users::{validate_pin, Permission, Role, User};
use crate::import;
use crate::store::{DeviceSetting, OpenShift, ShiftClosing, Store, StoreError};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::str::FromStr;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Everything a screen or a script can ask of the terminal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    Login {
        pin: String,
        #[serde(default)]
        user: Option<String>,
    },
    Logout,
    OpenShift {
        float: Dec,
    },
    CloseShift {
        counted: Dec,
    },
    Scan {
        code: String,
    },
    Add {
        #[serde(default)]
        sku: Option<String>,
        #[serde(default)]
        plu: Option<String>,
        #[serde(default)]
        qty: Option<Dec>,
    },
    Fuel {
        grade: String,
        litres: Dec,
    },
    /// Money paid in advance for a pump's next filling (tendered like any ticket; then the pump
    /// is authorized with that amount as its preset).
    Prepay {
        pump: u8,
        amount: Dec,
    },
    /// Settles a prepaid filling: the fuel is sold as the pump measured it and what was not
    /// dispensed is paid back, in one record linked to the prepay receipt.
    SettlePrepay {
        receipt_no: i64,
        pump: u8,
        grade: String,
        litres: Dec,
        amount: Dec,
    },
    /// A fill that was not paid (the customer drove off): recorded as a loss, never as a sale.
    DriveOff {
        pump: u8,
        grade: String,
        litres: Dec,
        amount: Dec,
    },
    /// A calibration fill returned to the tank: recorded, excluded from sales.
    PumpTest {
        pump: u8,
        grade: String,
        litres: Dec,
        amount: Dec,
    },
    /// A completed fill from a pump, as the pump measured it (with the price per litre the
    /// pump showed, when it reported one).
    PumpFill {
        pump: u8,
        grade: String,
        litres: Dec,
        amount: Dec,
        #[serde(default)]
        price: Option<Dec>,
    },
    /// A manager changes a fuel grade's price (the forecourt sends it to the pumps).
    SetFuelPrice {
        grade: String,
        price: Dec,
    },
    SetQty {
        line: usize,
        qty: Dec,
    },
    VoidLine {
        line: usize,
    },
    Discount {
        #[serde(default)]
        line: Option<usize>,
        #[serde(default)]
        percent: Option<Dec>,
        #[serde(default)]
        amount: Option<Dec>,
        /// A manager's PIN, for a discount above the signed-in user's limit.
        #[serde(default)]
        approver_pin: Option<String>,
    },
    ConfirmAge,
    /// Records a forecourt action (authorize, stop, reset, price change, ...) in the journal
    /// with the signed-in user.
    LogForecourt {
        action: String,
        #[serde(default)]
        pump: Option<u8>,
        #[serde(default)]
        detail: serde_json::Value,
    },
    /// Opens the cash drawer without a sale ("no sale"): journaled with the user.
    NoSale,
    /// A receipt did not print: keep it for a reprint.
    QueueReprint {
        receipt_no: i64,
        reason: String,
    },
    /// The receipts waiting to be printed again.
    Reprints,
    /// A queued receipt has printed.
    Reprinted {
        id: i64,
    },
    /// Parks the open ticket so that another customer can be served.
    Hold,
    /// Brings back a parked ticket (the most recent when no index is given).
    Recall {
        #[serde(default)]
        index: Option<usize>,
    },
    Tender {
        method: Method,
        #[serde(default)]
        amount: Option<Dec>,
    },
    CancelTicket,
    Refund {
        receipt_no: i64,
        #[serde(default)]
        lines: Option<Vec<usize>>,
    },
    FindSale {
        receipt_no: i64,
    },
    Ticket,
    /// The shop devices' ports as they are now (managers).
    Devices,
    /// Assigns a device its port ("" = not attached) and, for the display, its command set.
    SetDevice {
        device: String,
        port: String,
        #[serde(default)]
        protocol: Option<String>,
    },
    /// Journals a test of a device from the settings screen (test page, drawer, text, weight).
    DeviceTest {
        device: String,
        action: String,
    },
    /// Events the central endpoint refused, with the reasons (managers).
    Parked,
    /// Queues parked events again (all when `seqs` is empty); journaled with the manager.
    RetryParked {
        #[serde(default)]
        seqs: Vec<i64>,
    },
    /// Applies the price book's prices whose time has come: item prices to the catalog, fuel
    /// prices to the grades (answered in `fuel_prices`, for the pumps).
    ApplyPrices,
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("nobody is logged in")]
    NotLoggedIn,
    #[error("{0} is already logged in; log out first")]
    AlreadyLoggedIn(String),
    #[error("wrong PIN")]
    WrongPin,
    #[error("wrong PIN for {user} ({attempts} of {max} attempts)")]
    WrongPinFor { user: String, attempts: u32, max: u32 },
    #[error("{user} is locked after too many wrong PINs; try again in {seconds} s or ask a manager")]
    Locked { user: String, seconds: i64 },
    #[error("no user is called '{0}'")]
    UnknownUser(String),
    #[error("no shift is open; open a shift with a float first")]
    NoShift,
    #[error("a shift is already open since {0}")]
    ShiftOpen(String),
    #[error("a {role} may not {what}")]
    NotPermitted { role: Role, what: &'static str },
    #[error("a discount of {pct}% is more than the {max}% a {role} may give; a manager must give it")]
    DiscountOverLimit { pct: Decimal, max: Decimal, role: Role },
    #[error("a ticket is open; finish or cancel it first")]
    TicketOpen,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Ticket(#[from] TicketError),
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error("no sale has receipt number {0}")]
    NoSuchSale(i64),
    #[error("the sale could not be saved, nothing was recorded: {0}")]
    Store(#[from] StoreError),
}

/// The open shift as answered to a screen or script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShiftView {
    pub id: i64,
    pub opened_at: String,
    pub float: Decimal,
}

/// What a command answers besides `ok`; fields that do not apply are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shift: Option<ShiftView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<TicketRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sale: Option<SaleRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shift_count: Option<ShiftCount>,
    /// Parked tickets, after hold and recall.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<usize>,
    /// Receipts waiting to be printed again (queue id, reason, the sale).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reprints: Option<Vec<Reprint>>,
    /// The shop devices' ports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<DeviceSetting>>,
    /// Events the central endpoint refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parked: Option<Vec<crate::store::ParkedEvent>>,
    /// Prices that came into force: how many items changed, and the fuel grades' new prices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items_repriced: Option<Vec<(String, Decimal)>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fuel_prices: Option<Vec<(String, Decimal)>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reprint {
    pub id: i64,
    pub reason: String,
    pub sale: SaleRecord,
}

/// Sets a grade's price per litre in the configuration in use (a grade it lacks is ignored).
fn set_grade_price(config: &mut Config, grade: &str, price: Decimal) {
    if let Some(g) = config.fuel_grades.iter_mut().find(|g| g.code == grade) {
        g.price_per_litre = price;
    }
}

/// The clock the session stamps events with, as RFC 3339 text and Unix seconds.
pub(crate) fn now() -> (String, i64) {
    let t = OffsetDateTime::now_utc();
    (t.format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string()), t.unix_timestamp())
}

pub struct Session {
    store: Store,
    config: Config,
    catalog: Catalog,
    user: Option<User>,
    shift: Option<OpenShift>,
    ticket: Ticket,
    held: Vec<Ticket>,
}

impl Session {
    /// Opens the terminal's store in `data_dir` as its one writer. In demo mode an empty store
    /// is seeded with the demo catalog and the demo users (cashier 1111, manager 9999).
    pub fn open(config: Config, data_dir: &Path) -> Result<Session, ServiceError> {
        let store = Store::open_dir(data_dir)?;
        Session::with_store(config, store)
    }

    pub fn with_store(config: Config, mut store: Store) -> Result<Session, ServiceError> {
        if config.demo {
            seed_demo(&mut store, &config)?;
        }
        let catalog = Catalog::new(store.load_products()?, config.variable_measure.clone());
        let shift = store.open_shift_of(&config.terminal_id)?;
        // Devices assigned on the settings screen, and fuel prices set since, win over the
        // configuration file.
        let mut config = config;
        config.apply_device_settings(&store.device_settings()?);
        for (grade, price) in store.fuel_prices()? {
            if let Ok(p) = Decimal::from_str(&price) {
                set_grade_price(&mut config, &grade, p);
            }
        }
        Ok(Session { store, config, catalog, user: None, shift, ticket: Ticket::default(), held: Vec::new() })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The store's database file (the sync task opens its own connection to it).
    pub fn db_path(&self) -> &Path {
        self.store.path()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Housekeeping for the moments between commands (a checkpoint of the store when due).
    /// Never fails a sale: an error here is logged and retried at the next idle moment.
    pub fn idle(&mut self) {
        if let Err(e) = self.store.checkpoint_if_due() {
            tracing::warn!("store checkpoint failed: {e}");
        }
    }

    /// Runs one command.
    pub fn execute(&mut self, cmd: Command) -> Result<Outcome, ServiceError> {
        match cmd {
            Command::Login { pin, user } => self.login(&pin, user.as_deref()),
            Command::Logout => self.logout(),
            Command::OpenShift { float } => self.open_shift(float.0),
            Command::CloseShift { counted } => self.close_shift(counted.0),
            Command::Scan { code } => self.scan(&code),
            Command::Add { sku, plu, qty } => self.add(sku.as_deref(), plu.as_deref(), qty.map(|q| q.0)),
            Command::Fuel { grade, litres } => self.fuel(&grade, litres.0),
            Command::PumpFill { pump, grade, litres, amount, price } => {
                self.pump_fill(pump, &grade, litres.0, amount.0, price.map(|p| p.0))
            }
            Command::SetFuelPrice { grade, price } => self.set_fuel_price(&grade, price.0),
            Command::DriveOff { pump, grade, litres, amount } => {
                self.fuel_event("drive_off", pump, &grade, litres.0, amount.0)
            }
            Command::PumpTest { pump, grade, litres, amount } => {
                self.fuel_event("pump_test", pump, &grade, litres.0, amount.0)
            }
            Command::Prepay { pump, amount } => {
                self.selling(Permission::Sell, "sell")?;
                let amount = amount.0;
                if amount <= Decimal::ZERO || !self.config.pricing.currency.is_exact(amount) {
                    return Err(ServiceError::Invalid(format!("a prepayment of {amount} is not possible")));
                }
                let line = Line::prepay(pump, amount, format!("Prepay · {pump}"));
                self.edit(Permission::Sell, "sell", |t, _| t.add(line).map(|_| ()))
            }
            Command::SettlePrepay { receipt_no, pump, grade, litres, amount } => {
                self.settle_prepay(receipt_no, pump, &grade, litres.0, amount.0)
            }
            Command::SetQty { line, qty } => {
                self.edit(Permission::Sell, "change quantities", |t, _| t.set_qty(line, qty.0))
            }
            Command::VoidLine { line } => self.edit(Permission::VoidLine, "void lines", |t, _| t.void_line(line)),
            Command::Discount { line, percent, amount, approver_pin } => {
                self.discount(line, percent.map(|d| d.0), amount.map(|d| d.0), approver_pin.as_deref())
            }
            Command::Hold => self.hold(),
            Command::QueueReprint { receipt_no, reason } => {
                self.user()?;
                self.store.sale_id(self.terminal(), receipt_no)?.ok_or(ServiceError::NoSuchSale(receipt_no))?;
                let (at, _) = now();
                let terminal = self.config.terminal_id.clone();
                self.store.queue_reprint(receipt_no, &reason, &terminal, &at)?;
                self.reprints()
            }
            Command::Reprints => self.reprints(),
            Command::Parked => {
                self.require(Permission::ManageSync, "see the sync")?;
                Ok(Outcome { parked: Some(self.store.parked_events()?), ..Outcome::default() })
            }
            Command::RetryParked { seqs } => {
                let user = self.require(Permission::ManageSync, "retry sync events")?.id;
                let (at, _) = now();
                let terminal = self.config.terminal_id.clone();
                self.store.retry_parked(&seqs, user, &terminal, &at)?;
                Ok(Outcome { parked: Some(self.store.parked_events()?), ..Outcome::default() })
            }
            Command::ApplyPrices => self.apply_prices(),
            Command::Devices => {
                self.require(Permission::ManageDevices, "change the devices")?;
                Ok(self.devices())
            }
            Command::SetDevice { device, port, protocol } => {
                let user = self.require(Permission::ManageDevices, "change the devices")?.id;
                crate::config::check_device_port(&device, &port, protocol.as_deref()).map_err(ServiceError::Invalid)?;
                let setting = DeviceSetting { device, port, protocol };
                let (at, _) = now();
                let terminal = self.config.terminal_id.clone();
                self.store.set_device(&setting, user, &terminal, &at)?;
                self.config.apply_device_settings(&[setting]);
                Ok(self.devices())
            }
            Command::DeviceTest { device, action } => {
                let user = self.require(Permission::ManageDevices, "test the devices")?.id;
                crate::config::check_device_port(&device, "", None).map_err(ServiceError::Invalid)?;
                if !["test-page", "open-drawer", "show-text", "read-weight"].contains(&action.as_str()) {
                    return Err(ServiceError::Invalid(format!("no device test is called '{action}'")));
                }
                let payload = serde_json::json!({ "device": device, "action": action, "user_id": user });
                let (at, _) = now();
                let terminal = self.config.terminal_id.clone();
                self.store.journal_event("device_test", &payload, &terminal, &at)?;
                Ok(Outcome::default())
            }
            Command::NoSale => {
                let (user, shift) = self.selling(Permission::Sell, "open the drawer")?;
                if !self.ticket.lines.is_empty() {
                    return Err(ServiceError::TicketOpen);
                }
                let payload = serde_json::json!({ "user_id": user.id, "shift_id": shift.id });
                let (at, _) = now();
                let terminal = self.config.terminal_id.clone();
                self.store.journal_event("no_sale", &payload, &terminal, &at)?;
                Ok(Outcome::default())
            }
            Command::Reprinted { id } => {
                let (at, _) = now();
                self.store.reprinted(id, &at)?;
                self.reprints()
            }
            Command::LogForecourt { action, pump, detail } => {
                let user = self.user()?.id;
                let (at, _) = now();
                let terminal = self.config.terminal_id.clone();
                let payload = serde_json::json!({ "user_id": user, "action": action, "pump": pump, "detail": detail });
                self.store.journal_event("forecourt", &payload, &terminal, &at)?;
                Ok(Outcome::default())
            }
            Command::Recall { index } => self.recall(index),
            Command::ConfirmAge => self.edit(Permission::Sell, "sell", |t, _| t.confirm_age().map(|_| ())),
            Command::Tender { method, amount } => self.tender(method, amount.map(|d| d.0)),
            Command::CancelTicket => self.cancel_ticket(),
            Command::Refund { receipt_no, lines } => self.refund(receipt_no, lines),
            Command::FindSale { receipt_no } => self.find_sale(receipt_no),
            Command::Ticket => Ok(self.ticket_outcome()?),
        }
    }

    fn user(&self) -> Result<&User, ServiceError> {
        self.user.as_ref().ok_or(ServiceError::NotLoggedIn)
    }

    fn require(&self, perm: Permission, what: &'static str) -> Result<&User, ServiceError> {
        let user = self.user()?;
        if !self.config.role_policy(user.role).allows(perm) {
            return Err(ServiceError::NotPermitted { role: user.role, what });
        }
        Ok(user)
    }

    fn selling(&self, perm: Permission, what: &'static str) -> Result<(&User, &OpenShift), ServiceError> {
        let user = self.require(perm, what)?;
        let shift = self.shift.as_ref().ok_or(ServiceError::NoShift)?;
        Ok((user, shift))
    }

    fn ticket_outcome(&self) -> Result<Outcome, ServiceError> {
        let totals = self.ticket.totals(&self.config.pricing)?;
        Ok(self.outcome_with(&totals))
    }

    /// The open ticket as answered, with totals already worked out for it.
    fn outcome_with(&self, totals: &crate::domain::ticket::Totals) -> Outcome {
        Outcome { ticket: Some(TicketRecord::new(&self.ticket, totals, &self.config.pricing)), ..Outcome::default() }
    }

    /// Applies a change to a copy of the ticket; the copy replaces the ticket only if the
    /// change succeeds and the result still prices.
    fn edit(
        &mut self,
        perm: Permission,
        what: &'static str,
        f: impl FnOnce(&mut Ticket, &crate::domain::ticket::Pricing) -> Result<(), TicketError>,
    ) -> Result<Outcome, ServiceError> {
        self.selling(perm, what)?;
        let mut next = self.ticket.clone();
        f(&mut next, &self.config.pricing)?;
        // Priced once: the check that the result still prices is also the answer's totals.
        let totals = next.totals(&self.config.pricing)?;
        self.ticket = next;
        Ok(self.outcome_with(&totals))
    }

    fn terminal(&self) -> &str {
        &self.config.terminal_id
    }

    fn money(&self, v: Decimal, what: &str) -> Result<i64, ServiceError> {
        if v < Decimal::ZERO {
            return Err(ServiceError::Invalid(format!("the {what} must not be negative")));
        }
        self.config.pricing.currency.to_minor(v).ok_or_else(|| {
            ServiceError::Invalid(format!(
                "the {what} {v} has more decimals than {} allows",
                self.config.pricing.currency.code
            ))
        })
    }

    // -- users and shifts ------------------------------------------------------------------

    fn login(&mut self, pin: &str, name: Option<&str>) -> Result<Outcome, ServiceError> {
        if let Some(u) = &self.user {
            return Err(ServiceError::AlreadyLoggedIn(u.name.clone()));
        }
        let (at, unix) = now();
        let users = self.store.active_users()?;
        let terminal = self.config.terminal_id.clone();
        let found = match name {
            Some(n) => {
                let u =
                    users.iter().find(|u| u.user.name == n).ok_or_else(|| ServiceError::UnknownUser(n.to_string()))?;
                if let Some(until) = u.locked_until.filter(|&t| t > unix) {
                    return Err(ServiceError::Locked { user: u.user.name.clone(), seconds: until - unix });
                }
                if !auth::verify_pin(pin, &u.pin_hash) {
                    let max = self.config.max_pin_attempts;
                    let lock_until = unix + self.config.lockout_seconds as i64;
                    let attempts = self.store.record_failed_login(u.user.id, max, lock_until, &terminal, &at)?;
                    if attempts >= max {
                        return Err(ServiceError::Locked {
                            user: u.user.name.clone(),
                            seconds: self.config.lockout_seconds as i64,
                        });
                    }
                    return Err(ServiceError::WrongPinFor { user: u.user.name.clone(), attempts, max });
                }
                u.user.clone()
            }
            None => {
                let hit = users
                    .iter()
                    .filter(|u| u.locked_until.is_none_or(|t| t <= unix))
                    .find(|u| auth::verify_pin(pin, &u.pin_hash));
                match hit {
                    Some(u) => u.user.clone(),
                    None => {
                        self.store.journal_event(
                            "login_failed",
                            &serde_json::json!({ "user_id": null }),
                            &terminal,
                            &at,
                        )?;
                        return Err(ServiceError::WrongPin);
                    }
                }
            }
        };
        self.store.record_login(found.id, &terminal, &at)?;
        self.user = Some(found.clone());
        Ok(Outcome { user: Some(found), shift: self.shift_view(), ..Outcome::default() })
    }

    fn logout(&mut self) -> Result<Outcome, ServiceError> {
        let user = self.user()?.clone();
        if !self.ticket.lines.is_empty() || !self.held.is_empty() {
            return Err(ServiceError::TicketOpen);
        }
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        self.store.journal_event("logout", &serde_json::json!({ "user_id": user.id }), &terminal, &at)?;
        self.user = None;
        Ok(Outcome::default())
    }

    fn shift_view(&self) -> Option<ShiftView> {
        self.shift.as_ref().map(|s| ShiftView {
            id: s.id,
            opened_at: s.opened_at.clone(),
            float: self.config.pricing.currency.from_minor(s.float_minor),
        })
    }

    fn open_shift(&mut self, float: Decimal) -> Result<Outcome, ServiceError> {
        let user = self.require(Permission::OpenShift, "open a shift")?.clone();
        if let Some(s) = &self.shift {
            return Err(ServiceError::ShiftOpen(s.opened_at.clone()));
        }
        let float_minor = self.money(float, "float")?;
        let (at, _) = now();
        let cur = &self.config.pricing.currency;
        let event = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": "shift_open", "terminal_id": self.terminal(),
            "at": at, "user": user.name, "float": cur.fmt(float), "currency": cur.code,
        });
        let terminal = self.config.terminal_id.clone();
        let id = self.store.open_shift(&terminal, &user, float_minor, &event, &at)?;
        self.shift = Some(OpenShift { id, opened_at: at, opened_by: user.id, float_minor });
        Ok(Outcome { shift: self.shift_view(), ..Outcome::default() })
    }

    fn close_shift(&mut self, counted: Decimal) -> Result<Outcome, ServiceError> {
        let (user, shift) = self.selling(Permission::CloseShift, "close a shift")?;
        let (user, shift) = (user.clone(), shift.clone());
        if !self.ticket.lines.is_empty() {
            return Err(ServiceError::TicketOpen);
        }
        let counted_minor = self.money(counted, "counted amount")?;
        let cur = self.config.pricing.currency.clone();
        let cash_net = self.store.shift_cash_net(shift.id)?;
        let count =
            ShiftCount::new(cur.from_minor(shift.float_minor), cur.from_minor(cash_net), cur.from_minor(counted_minor));
        let (at, _) = now();
        let event = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": "shift_close", "terminal_id": self.terminal(),
            "at": at, "user": user.name, "shift_opened_at": shift.opened_at, "currency": cur.code,
            "float": cur.fmt(count.float), "cash_net": cur.fmt(count.cash_net), "expected": cur.fmt(count.expected),
            "counted": cur.fmt(count.counted), "difference": cur.fmt(count.difference),
        });
        let terminal = self.config.terminal_id.clone();
        let expected_minor = shift.float_minor + cash_net;
        self.store.close_shift(
            &terminal,
            &user,
            ShiftClosing { shift_id: shift.id, counted_minor, expected_minor },
            &event,
            &at,
        )?;
        self.shift = None;
        Ok(Outcome { shift_count: Some(count), ..Outcome::default() })
    }

    // -- the ticket ------------------------------------------------------------------------

    fn scan(&mut self, code: &str) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        let line = match self.catalog.scan(code)? {
            Lookup::Item(p) => Line::shop(p, Decimal::ONE)?,
            Lookup::Measured(p, vm) => match vm.kind {
                crate::domain::barcode::MeasureKind::Price => Line::embedded_price(p, vm.value),
                crate::domain::barcode::MeasureKind::Weight => {
                    if p.unit == Unit::Each {
                        return Err(ServiceError::Invalid(format!("{} is sold by the piece, not by weight", p.name)));
                    }
                    Line::shop(p, vm.value)?
                }
            },
        };
        self.edit(Permission::Sell, "sell", |t, _| t.add(line).map(|_| ()))
    }

    fn add(&mut self, sku: Option<&str>, plu: Option<&str>, qty: Option<Decimal>) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        let product = match (sku, plu) {
            (Some(s), None) => {
                self.catalog.by_sku(s).ok_or_else(|| ServiceError::Invalid(format!("no item has the SKU '{s}'")))?
            }
            (None, Some(p)) => {
                self.catalog.by_plu(p).ok_or_else(|| ServiceError::Invalid(format!("no item has the PLU '{p}'")))?
            }
            _ => return Err(ServiceError::Invalid("give exactly one of `sku` or `plu`".into())),
        };
        let line = Line::shop(product, qty.unwrap_or(Decimal::ONE))?;
        self.edit(Permission::Sell, "sell", |t, _| t.add(line).map(|_| ()))
    }

    fn fuel(&mut self, grade: &str, litres: Decimal) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        let g = self.grade(grade)?;
        let line = Line::fuel(g, litres)?;
        self.edit(Permission::Sell, "sell", |t, _| t.add(line).map(|_| ()))
    }

    fn grade(&self, code: &str) -> Result<&crate::domain::catalog::FuelGrade, ServiceError> {
        self.config
            .fuel_grades
            .iter()
            .find(|g| g.code == code)
            .ok_or_else(|| ServiceError::Invalid(format!("no fuel grade is called '{code}'")))
    }

    /// An earlier sale to pay back against; only with no ticket open.
    fn earlier_sale(&self, receipt_no: i64) -> Result<(i64, SaleRecord), ServiceError> {
        if !self.ticket.lines.is_empty() {
            return Err(ServiceError::TicketOpen);
        }
        let id = self.store.sale_id(self.terminal(), receipt_no)?.ok_or(ServiceError::NoSuchSale(receipt_no))?;
        Ok((id, self.store.sale_by_id(id, &self.config.pricing.currency)?))
    }

    /// What of an earlier sale can still be paid back, by card and in cash.
    /// What the earlier sale can still give back, by card and in cash, after the refunds already
    /// made (`card_done`, `cash_done` in minor units, from `Store::refunds_of`).
    fn refundable(&self, orig: &SaleRecord, card_done: i64, cash_done: i64) -> (Decimal, Decimal) {
        let cur = &self.config.pricing.currency;
        let paid_in = |m: &str| orig.payments.iter().filter(|p| p.method == m).map(|p| p.amount).sum::<Decimal>();
        (paid_in("card") - cur.from_minor(card_done), paid_in("cash") - orig.change - cur.from_minor(cash_done))
    }

    fn set_fuel_price(&mut self, grade: &str, price: Decimal) -> Result<Outcome, ServiceError> {
        let user = self.require(Permission::ManageCatalog, "change fuel prices")?.clone();
        if price <= Decimal::ZERO || price.scale() > 3 || price > crate::import::MAX_PRICE {
            return Err(ServiceError::Invalid(format!("a fuel price of {price} is not possible (at most 3 decimals)")));
        }
        let old = self.grade(grade)?.price_per_litre;
        self.change_fuel_price(grade, old, price, &user.name, None)?;
        Ok(Outcome::default())
    }

    /// A grade's new price: kept in the store with a `fuel_price` event (who: a manager's name,
    /// or "pricebook" with the schedule entry it came from), then used at the counter. Nothing
    /// changes when it cannot be recorded.
    fn change_fuel_price(
        &mut self,
        grade: &str,
        old: Decimal,
        price: Decimal,
        user: &str,
        schedule_id: Option<i64>,
    ) -> Result<(), ServiceError> {
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        let event = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": "fuel_price", "terminal_id": terminal, "at": at,
            "user": user, "grade": grade, "old": old.to_string(), "new": price.to_string(),
        });
        let source = if schedule_id.is_some() { "pricebook" } else { "manager" };
        self.store.record_fuel_price(grade, &price.to_string(), source, schedule_id, &event, &terminal, &at)?;
        set_grade_price(&mut self.config, grade, price);
        Ok(())
    }

    fn pump_fill(
        &mut self,
        pump: u8,
        grade: &str,
        litres: Decimal,
        amount: Decimal,
        price: Option<Decimal>,
    ) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        let on_a_ticket = |t: &Ticket| {
            t.lines.iter().any(|l| !l.voided && matches!(l.kind, LineKind::Fuel { pump: Some(p), .. } if p == pump))
        };
        if on_a_ticket(&self.ticket) || self.held.iter().any(on_a_ticket) {
            return Err(ServiceError::Invalid(format!("the fill of pump {pump} is already on a ticket")));
        }
        let g = self.grade(grade)?;
        // The price the pump showed the customer is the price of this fill (a pump keeps its old
        // price until its filling is over).
        let mut g = g.clone();
        if let Some(p) = price.filter(|p| !p.is_zero()) {
            g.price_per_litre = p;
        }
        let line = Line::pump_fill(&g, pump, litres, amount, &self.config.pricing)?;
        self.edit(Permission::Sell, "sell", |t, _| t.add(line).map(|_| ()))
    }

    /// Records a fill that is not a sale (a drive-off or a pump test) with the user and time, in
    /// the journal and for the central endpoint.
    fn fuel_event(
        &mut self,
        kind: &str,
        pump: u8,
        grade: &str,
        litres: Decimal,
        amount: Decimal,
    ) -> Result<Outcome, ServiceError> {
        let (user, shift) = self.selling(Permission::Sell, "record fills")?;
        let (user, shift_id) = (user.clone(), shift.id);
        let g = self.grade(grade)?;
        // The same checks as a fill that is sold.
        let line = Line::pump_fill(g, pump, litres, amount, &self.config.pricing)?;
        let (at, _) = now();
        let cur = &self.config.pricing.currency;
        let event = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": kind, "terminal_id": self.terminal(), "at": at,
            "user": user.name, "shift_id": shift_id, "pump": pump, "grade": g.code, "litres": line.qty.to_string(),
            "price": g.price_per_litre.to_string(), "amount": cur.fmt(amount), "currency": cur.code,
        });
        let terminal = self.config.terminal_id.clone();
        self.store.record_event(kind, &event, &terminal, &at)?;
        Ok(Outcome::default())
    }

    fn settle_prepay(
        &mut self,
        receipt_no: i64,
        pump: u8,
        grade: &str,
        litres: Decimal,
        amount: Decimal,
    ) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        let (id, orig) = self.earlier_sale(receipt_no)?;
        let prepay = orig
            .lines
            .iter()
            .find(|l| !l.voided && l.kind == "prepay" && l.sku == format!("PREPAY-{pump}"))
            .ok_or_else(|| {
            ServiceError::Invalid(format!("receipt {receipt_no} has no prepayment for pump {pump}"))
        })?;
        let (done, card_done, cash_done) = self.store.refunds_of(id)?;
        if done.contains(&prepay.line) {
            return Err(ServiceError::Invalid(format!(
                "the prepayment for pump {pump} on receipt {receipt_no} is already settled"
            )));
        }
        let prepaid = prepay.amount - prepay.ticket_discount;
        if amount > prepaid {
            return Err(ServiceError::Invalid(format!("the pump dispensed {amount}, more than the {prepaid} prepaid")));
        }
        let g = self.grade(grade)?;
        let pricing = self.config.pricing.clone();
        let mut t = Ticket::default();
        t.lines.push(Line {
            fixed_amount: Some(-prepaid),
            unit_price: prepaid,
            kind: LineKind::Refund { receipt_no, line: prepay.line },
            ..Line::prepay(pump, prepaid, prepay.name.clone())
        });
        if !amount.is_zero() {
            t.lines.push(Line::pump_fill(g, pump, litres, amount, &pricing)?);
        }
        let left = self.refundable(&orig, card_done, cash_done);
        self.store_refund(t, (id, receipt_no), left, |total, _left| -total)
    }

    fn discount(
        &mut self,
        line: Option<usize>,
        percent: Option<Decimal>,
        amount: Option<Decimal>,
        approver_pin: Option<&str>,
    ) -> Result<Outcome, ServiceError> {
        let d = match (percent, amount) {
            (Some(p), None) => Discount::Percent(p),
            (None, Some(a)) => Discount::Amount(a),
            _ => return Err(ServiceError::Invalid("give exactly one of `percent` or `amount`".into())),
        };
        let (user, _) = self.selling(Permission::Discount, "give discounts")?;
        let role = user.role;
        let max = self.config.role_policy(role).max_discount_percent;
        let pricing = self.config.pricing.clone();
        let mut next = self.ticket.clone();
        let pct = match line {
            Some(n) => next.set_line_discount(n, d, &pricing)?,
            None => next.set_ticket_discount(d, &pricing)?,
        };
        let cashier = user.id;
        let mut approver = None;
        if pct > max {
            let refused = ServiceError::DiscountOverLimit { pct: pct.round_dp(2).normalize(), max, role };
            let pin = approver_pin.ok_or(refused)?;
            let approved = self.store.active_users()?.into_iter().find(|u| {
                let policy = self.config.role_policy(u.user.role);
                u.user.id != cashier
                    && policy.allows(Permission::Discount)
                    && policy.max_discount_percent >= pct
                    && auth::verify_pin(pin, &u.pin_hash)
            });
            approver = Some(approved.ok_or(ServiceError::WrongPin)?.user);
        }
        let totals = next.totals(&pricing)?;
        if let Some(a) = approver {
            let (at, _) = now();
            let terminal = self.config.terminal_id.clone();
            let payload = serde_json::json!({ "user_id": cashier, "approver_id": a.id, "percent": pct.round_dp(2).normalize().to_string(), "line": line });
            self.store.journal_event("discount_override", &payload, &terminal, &at)?;
        }
        self.ticket = next;
        Ok(self.outcome_with(&totals))
    }

    fn hold(&mut self) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        if self.ticket.is_empty() {
            return Err(ServiceError::Invalid("there is no ticket to hold".into()));
        }
        if !self.ticket.payments.is_empty() {
            return Err(ServiceError::Ticket(TicketError::Locked));
        }
        self.held.push(std::mem::take(&mut self.ticket));
        Ok(Outcome { held: Some(self.held.len()), ..self.ticket_outcome()? })
    }

    fn recall(&mut self, index: Option<usize>) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        if !self.ticket.lines.is_empty() {
            return Err(ServiceError::TicketOpen);
        }
        let i = index.unwrap_or(self.held.len().saturating_sub(1));
        if i >= self.held.len() {
            return Err(ServiceError::Invalid("there is no such held ticket".into()));
        }
        self.ticket = self.held.remove(i);
        Ok(Outcome { held: Some(self.held.len()), ..self.ticket_outcome()? })
    }

    /// Prices from the price book whose time has come. Item prices change in the catalog in one
    /// transaction; a fuel grade takes its latest due price, recorded as a `fuel_price` event.
    fn apply_prices(&mut self) -> Result<Outcome, ServiceError> {
        let in_force_at = crate::sync::format_utc(chrono::Utc::now());
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        // Item prices: the book's price in force, always (a catalog import does not undo it).
        let items = self.store.prices_in_force("item", &in_force_at)?;
        let changed = self.store.apply_item_prices(&items, &terminal, &at)?;
        if !changed.is_empty() {
            self.catalog = Catalog::new(self.store.load_products()?, self.config.variable_measure.clone());
        }
        let repriced: Vec<(String, Decimal)> =
            changed.iter().filter_map(|(k, p)| Decimal::from_str(p).ok().map(|d| (k.clone(), d))).collect();
        // Fuel prices: a book's price once, when its time comes (a manager may change it later).
        let mut fuel = Vec::new();
        for p in self.store.prices_in_force("fuel", &in_force_at)?.into_iter().filter(|p| !p.applied) {
            let price =
                Decimal::from_str(&p.price).map_err(|_| ServiceError::Invalid(format!("bad price {}", p.price)))?;
            let Some(old) = self.config.fuel_grades.iter().find(|g| g.code == p.key).map(|g| g.price_per_litre) else {
                self.store.price_applied(p.id, &at)?;
                continue;
            };
            if old == price {
                self.store.price_applied(p.id, &at)?;
                continue;
            }
            self.change_fuel_price(&p.key, old, price, "pricebook", Some(p.id))?;
            fuel.push((p.key.clone(), price));
        }
        Ok(Outcome { items_repriced: Some(repriced), fuel_prices: Some(fuel), ..Outcome::default() })
    }

    /// The devices' ports as they are now: the configuration with the settings screen's changes.
    fn devices(&self) -> Outcome {
        let c = &self.config;
        let setting = |device: &str, port: &Option<String>, protocol: Option<String>| DeviceSetting {
            device: device.into(),
            port: port.clone().unwrap_or_default(),
            protocol,
        };
        let list = vec![
            setting("printer", &c.printer_port, None),
            setting(
                "display",
                &c.display.as_ref().map(|(p, _)| p.clone()),
                Some(c.display.as_ref().map(|(_, p)| p.to_string()).unwrap_or_else(|| "epson".into())),
            ),
            setting("scale", &c.scale_port, None),
            setting("scanner", &c.scanner_port, None),
        ];
        Outcome { devices: Some(list), ..Outcome::default() }
    }

    fn reprints(&self) -> Result<Outcome, ServiceError> {
        let cur = &self.config.pricing.currency;
        let mut out = Vec::new();
        for (id, receipt_no, reason) in self.store.pending_reprints()? {
            if let Some(sale) = self.store.find_sale(self.terminal(), receipt_no, cur)? {
                out.push(Reprint { id, reason, sale });
            }
        }
        Ok(Outcome { reprints: Some(out), ..Outcome::default() })
    }

    /// The active users, for the sign-in tiles.
    pub fn users(&self) -> Result<Vec<User>, ServiceError> {
        Ok(self.store.active_users()?.into_iter().map(|u| u.user).collect())
    }

    /// Events not yet sent to the central endpoint.
    pub fn unsent(&self) -> Result<i64, ServiceError> {
        Ok(self.store.outbox_count()?)
    }

    pub fn current_shift(&self) -> Option<ShiftView> {
        self.shift_view()
    }

    fn cancel_ticket(&mut self) -> Result<Outcome, ServiceError> {
        let (user, _) = self.selling(Permission::CancelTicket, "cancel tickets")?;
        if self.ticket.lines.is_empty() {
            return Err(ServiceError::Invalid("there is no ticket to cancel".into()));
        }
        let totals = self.ticket.totals(&self.config.pricing)?;
        let record = TicketRecord::new(&self.ticket, &totals, &self.config.pricing);
        let payload = serde_json::json!({ "user_id": user.id, "ticket": record });
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        self.store.journal_event("ticket_cancelled", &payload, &terminal, &at)?;
        self.ticket = Ticket::default();
        self.ticket_outcome()
    }

    fn tender(&mut self, method: Method, amount: Option<Decimal>) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Sell, "sell")?;
        let mut next = self.ticket.clone();
        match next.tender(method, amount, &self.config.pricing)? {
            TenderOutcome::Partial { .. } => {
                self.ticket = next;
                self.ticket_outcome()
            }
            TenderOutcome::Complete(settlement) => {
                let sale = self.store_sale(&next, &settlement, None)?;
                self.ticket = Ticket::default();
                Ok(Outcome { sale: Some(sale), ..Outcome::default() })
            }
        }
    }

    /// Makes a completed ticket durable. Returns only after the transaction has committed.
    fn store_sale(
        &mut self,
        ticket: &Ticket,
        s: &Settlement,
        refund_of: Option<(i64, i64)>,
    ) -> Result<SaleRecord, ServiceError> {
        let (user, shift) = self.selling(Permission::Sell, "sell")?;
        let (user, shift_id) = (user.clone(), shift.id);
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        let pricing = &self.config.pricing;
        let rec = self.store.complete_sale(
            &terminal,
            shift_id,
            user.id,
            &pricing.currency,
            refund_of.map(|r| r.0),
            |receipt_no| {
                SaleRecord::new(
                    SaleMeta {
                        event_id: uuid::Uuid::new_v4().to_string(),
                        receipt_no,
                        refund_of: refund_of.map(|r| r.1),
                        terminal_id: terminal.clone(),
                        at,
                        user: user.name.clone(),
                    },
                    ticket,
                    s,
                    pricing,
                )
            },
        )?;
        Ok(rec)
    }

    fn find_sale(&self, receipt_no: i64) -> Result<Outcome, ServiceError> {
        self.user()?;
        let sale = self
            .store
            .find_sale(self.terminal(), receipt_no, &self.config.pricing.currency)?
            .ok_or(ServiceError::NoSuchSale(receipt_no))?;
        Ok(Outcome { sale: Some(sale), ..Outcome::default() })
    }

    /// Refunds lines of an earlier sale (all that are left when `lines` is not given), paid
    /// back to the card first and the rest in cash, never more than was paid.
    fn refund(&mut self, receipt_no: i64, lines: Option<Vec<usize>>) -> Result<Outcome, ServiceError> {
        self.selling(Permission::Refund, "give refunds")?;
        let (id, orig) = self.earlier_sale(receipt_no)?;
        if orig.kind != "sale" {
            return Err(ServiceError::Invalid(format!("receipt {receipt_no} is a refund; it cannot be refunded")));
        }
        let (done, card_done, cash_done) = self.store.refunds_of(id)?;
        let open: Vec<_> = orig.lines.iter().filter(|l| !l.voided && !done.contains(&l.line)).collect();
        if open.is_empty() {
            return Err(ServiceError::Invalid(format!("receipt {receipt_no} is already fully refunded")));
        }
        let selected: Vec<_> = match &lines {
            None => open.clone(),
            Some(wanted) => {
                if wanted.is_empty() {
                    return Err(ServiceError::Invalid("name at least one line to refund".into()));
                }
                let mut sel = Vec::new();
                for n in wanted {
                    match open.iter().find(|l| l.line == *n) {
                        Some(l) if !sel.iter().any(|s: &&crate::domain::record::LineRecord| s.line == *n) => sel.push(*l),
                        Some(_) => return Err(ServiceError::Invalid(format!("line {n} is named twice"))),
                        None => {
                            return Err(ServiceError::Invalid(format!(
                                "line {n} of receipt {receipt_no} cannot be refunded (it does not exist, was voided or is already refunded)"
                            )))
                        }
                    }
                }
                sel
            }
        };
        let everything_left = selected.len() == open.len();
        let mut t = Ticket::default();
        for l in &selected {
            t.lines.push(Line {
                sku: l.sku.clone(),
                name: l.name.clone(),
                unit: Unit::from_str(&l.unit).map_err(ServiceError::Invalid)?,
                qty: l.qty,
                unit_price: l.unit_price,
                fixed_amount: Some(-(l.amount - l.ticket_discount)),
                tax_class: l.tax_class.clone(),
                age_restriction: None,
                kind: LineKind::Refund { receipt_no, line: l.line },
                discount: None,
                voided: false,
            });
        }
        let left = self.refundable(&orig, card_done, cash_done);
        self.store_refund(
            t,
            (id, receipt_no),
            left,
            |total, left| if everything_left { left } else { (-total).min(left) },
        )
    }

    /// Pays back what `amount(total, left)` says (the refund ticket's total is negative; `left` is
    /// what the earlier sale can still give back: card, cash), card first as it was paid, and
    /// stores it.
    fn store_refund(
        &mut self,
        mut t: Ticket,
        of: (i64, i64),
        (card_left, cash_left): (Decimal, Decimal),
        amount: impl FnOnce(Decimal, Decimal) -> Decimal,
    ) -> Result<Outcome, ServiceError> {
        let pricing = &self.config.pricing;
        let totals = t.totals(pricing)?;
        let (payments, _) =
            ticket::refund_payments(amount(totals.total, card_left + cash_left), card_left, cash_left, pricing);
        let paid: Decimal = payments.iter().map(|p| p.amount).sum();
        let settlement =
            Settlement { cash_rounding: paid - totals.total, totals, payments, paid, change: Decimal::ZERO };
        t.payments = settlement.payments.clone();
        let sale = self.store_sale(&t, &settlement, Some(of))?;
        Ok(Outcome { sale: Some(sale), ..Outcome::default() })
    }
}

/// Seeds an empty demo store with the demo catalog and users.
fn seed_demo(store: &mut Store, config: &Config) -> Result<(), ServiceError> {
    let (at, _) = now();
    if store.product_count()? == 0 {
        let products = import::parse_catalog(DEMO_CATALOG, config).map_err(|errs| {
            ServiceError::Invalid(format!(
                "the demo catalog is invalid: {}",
                errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
            ))
        })?;
        store.replace_catalog(&products, &config.terminal_id, &at, "demo")?;
    }
    if store.user_count()? == 0 {
        for (name, role, pin) in [("Demo Cashier", Role::Cashier, "1111"), ("Demo Manager", Role::Manager, "9999")] {
            let hash = auth::hash_pin(pin).map_err(ServiceError::Invalid)?;
            store.add_user(name, role, &hash, &config.terminal_id, &at)?;
        }
    }
    Ok(())
}

/// Adds a user with a PIN (validated, hashed); refuses a PIN another active user already has,
/// since PIN-only login must find exactly one user.
pub fn add_user(store: &mut Store, config: &Config, name: &str, role: Role, pin: &str) -> Result<i64, ServiceError> {
    validate_pin(pin).map_err(|e| ServiceError::Invalid(e.into()))?;
    if name.trim().is_empty() {
        return Err(ServiceError::Invalid("the name must not be empty".into()));
    }
    if store.active_users()?.iter().any(|u| auth::verify_pin(pin, &u.pin_hash)) {
        return Err(ServiceError::Invalid("another user already has this PIN".into()));
    }
    let hash = auth::hash_pin(pin).map_err(ServiceError::Invalid)?;
    let (at, _) = now();
    Ok(store.add_user(name.trim(), role, &hash, &config.terminal_id, &at)?)
}

/// Imports a catalog file all or nothing. On any bad row nothing is written.
pub fn import_catalog(
    store: &mut Store,
    config: &Config,
    text: &str,
    source: &str,
) -> Result<usize, Vec<import::RowError>> {
    let products = import::parse_catalog(text, config)?;
    let (at, _) = now();
    store
        .replace_catalog(&products, &config.terminal_id, &at, source)
        .map_err(|e| vec![import::RowError { line: 0, reason: format!("nothing was imported: {e}") }])?;
    Ok(products.len())
}
