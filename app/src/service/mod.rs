//! The service layer: one [`Session`] per terminal executes [`Command`]s, the same closed set
//! of commands for the screens and for `till exec` scripts. It owns the store (the one
//! writer), the catalog index, the open ticket, the held tickets, the prepayments to settle and
//! its view of the pumps, and it decides everything: every rule and permission is checked
//! here, and what must happen at a device comes back as [`Effect`]s in the answer.
//!
//! A command that fails changes nothing: ticket changes are made on a copy that replaces the
//! open ticket only on success, and stored changes are single transactions.

mod admin;
pub mod auth;
mod card;
mod card_undo;
mod cash;
mod command;
mod effects;
mod forecourt;
mod kiosk;
mod look;
pub mod message;
mod outcome;
mod pay_at_pump;
mod pins;
#[cfg(test)]
mod props;
mod qr;
mod refunds;
pub mod refusal;
mod report;
mod shifts;
mod site;
#[cfg(test)]
mod tests;
mod ticket;
mod users;

pub use admin::{add_user, import_catalog};
pub use card::{CardEnd, CardView};
pub use cash::{CountView, CountedTender, DrawerView, MovementView};
pub use command::{Command, CountEntry, PieceEntry};
pub use effects::{CustomerView, Effect, Slip};
pub use kiosk::{HelpView, KioskView};
pub use look::Look;
pub use outcome::{GradePrice, Outcome, PrepayView, PumpInfo, PumpPrepay, Reprint, ShiftView};
pub use refusal::{AmountOf, Blocker, Refusal};
pub(crate) use report::build_report;
pub use report::report_csv;
pub use ticket::HeldInfo;
pub use users::{FoundSale, UserEntry};

use crate::config::Config;
use crate::domain::cash::MovementKind;
use crate::domain::catalog::{Catalog, LookupError};
use crate::domain::record::{SaleRecord, TicketRecord};
use crate::domain::shift::ShiftCount;
use crate::domain::ticket::{Ticket, TicketError};
use crate::domain::users::{Permission, Role, User};
use crate::store::{DeviceSetting, OpenPrepay, OpenShift, Store, StoreError};
use rust_decimal::Decimal;
use serde::Serialize;
use std::path::Path;
use std::str::FromStr;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

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
    #[error("too many wrong PINs on this terminal; the PIN pad is locked for {seconds} s")]
    PadLocked { seconds: i64 },
    #[error("{user} may not approve this: {why}")]
    NotAnApprover { user: String, why: &'static str },
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
    #[error("{count} ticket(s) on hold; recall and finish or cancel them first")]
    TicketsHeld { count: usize },
    #[error("the shift cannot close yet: {}", refusal::blockers_text(.0))]
    ShiftNotClear(Vec<Blocker>),
    #[error("no pumps are configured on this terminal")]
    NoForecourt,
    #[error("there is no pump {0}")]
    NoSuchPump(u8),
    #[error("pump {pump} is {state}; {what}")]
    PumpState { pump: u8, state: &'static str, what: &'static str },
    #[error(transparent)]
    Invalid(#[from] Refusal),
    #[error(transparent)]
    Ticket(#[from] TicketError),
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error("{name} is sold by weight or volume: weigh it, or give the quantity")]
    NeedsWeight { sku: String, name: String },
    #[error("no sale has receipt number {0}")]
    NoSuchSale(i64),
    #[error("nothing was recorded: {0}")]
    Store(#[from] StoreError),
    #[error("the store cannot be opened: {0}")]
    Open(StoreError),
    #[error("the ticket has no payment {index}")]
    NoSuchPayment { index: usize },
    #[error("'{0}' is not a language Till has")]
    UnknownLanguage(String),
    #[error("'{0}' is not a theme Till has (light, dark, contrast)")]
    UnknownTheme(String),
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
    /// The held tickets as stored, oldest first.
    held: Vec<ticket::Held>,
    /// Prepayments whose fillings are not settled yet, as stored.
    prepays: Vec<OpenPrepay>,
    /// The pumps, when the terminal has a forecourt: read here, driven by the effects executor.
    forecourt: Option<crate::devices::forecourt::Forecourt>,
    /// Fills that are paid or recorded and whose pump has been told to reset: (pump, amount,
    /// litres, when the reset was last sent). Until the pump is reset the same fill is refused.
    resetting: Vec<(u8, Decimal, Decimal, std::time::Instant)>,
    /// The card payment the card terminal is working on; the ticket is locked meanwhile.
    card: Option<card::CardPending>,
    /// A kiosk's call for staff and approvals (unused at a counter).
    kiosk: kiosk::KioskState,
    /// The site link, when `[site]` is configured: published to after every command.
    site: Option<crate::devices::site::SiteLink>,
}

impl Session {
    /// Opens the terminal's store in `data_dir` as its one writer. In demo mode an empty store
    /// is seeded with the demo catalog and the demo users (cashier 1111, manager 9999).
    pub fn open(config: Config, data_dir: &Path) -> Result<Session, ServiceError> {
        let store = Store::open_dir(data_dir).map_err(ServiceError::Open)?;
        Session::with_store(config, store)
    }

    pub fn with_store(config: Config, mut store: Store) -> Result<Session, ServiceError> {
        if config.demo {
            admin::seed_demo(&mut store, &config)?;
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
        let mut held = Vec::new();
        for row in store.held_tickets(&config.terminal_id)? {
            let t: Ticket = serde_json::from_str(&row.ticket)
                .map_err(|e| StoreError::Corrupt(format!("held ticket {} does not read back: {e}", row.id)))?;
            held.push(ticket::Held { id: row.id, held_at: row.held_at, ticket: t });
        }
        let prepays = store.open_prepays(&config.terminal_id)?;
        Ok(Session {
            store,
            config,
            catalog,
            user: None,
            shift,
            ticket: Ticket::default(),
            held,
            prepays,
            forecourt: None,
            resetting: Vec::new(),
            card: None,
            kiosk: kiosk::KioskState::default(),
            site: None,
        })
    }

    /// Gives the session its view of the pumps (the same forecourt the effects executor drives).
    pub fn attach_forecourt(&mut self, forecourt: crate::devices::forecourt::Forecourt) {
        self.forecourt = Some(forecourt);
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
        self.store.keep_identity();
        if let Err(e) = self.store.checkpoint_if_due() {
            tracing::warn!("store checkpoint failed: {e}");
        }
    }

    /// Runs one command.
    pub fn execute(&mut self, cmd: Command) -> Result<Outcome, ServiceError> {
        self.forget_reset_pumps();
        let watch = self.kiosk_watch(&cmd);
        let out = self.run(cmd);
        if let Err(e) = &out {
            // At a kiosk a price not found or a failed payment calls a person.
            self.kiosk_failed(watch, e);
        }
        // A write-ahead log that vanished during the command: what was written is saved into
        // the file before the answer goes out.
        self.store.rescue_if_halted();
        self.publish_site();
        let out = out?;
        self.note_resets(&out);
        Ok(out)
    }

    fn run(&mut self, cmd: Command) -> Result<Outcome, ServiceError> {
        use Command as C;
        if self.card.is_some() && cmd.touches_ticket() {
            return Err(Refusal::CardInProgress.into());
        }
        if let Some(refused) = self.kiosk_refuses(&cmd) {
            return Err(refused);
        }
        match cmd {
            C::CardAbort => self.card_abort(),
            C::CardRecover => self.card_recover(),
            C::CardEndOfDay => self.card_end_of_day(),
            C::CardDayClosed { terminal_minor } => self.card_day_closed(terminal_minor),
            C::CardApproved { intent, answer, amount_minor } => self.card_approved(intent, answer, amount_minor),
            C::CardEnded { intent, end } => self.card_ended(intent, end),
            C::CardRecovered { intent, last } => self.card_recovered(intent, last),
            C::CardReceipt { intent, lines } => self.card_receipt(intent, lines),
            C::ExportReport { z_no } => self.export_report(z_no),
            C::KioskStart => self.kiosk_start(),
            C::CallStaff { reason } => self.call_staff(reason.as_deref().unwrap_or("customer")),
            C::StaffApprove { pin } => self.staff_answer(&pin, true),
            C::StaffRefuse { pin } => self.staff_answer(&pin, false),
            C::KioskReset => self.kiosk_reset(),
            C::KioskPrint { receipt_no, qr } => self.kiosk_print(receipt_no, qr),
            C::ServiceMode { pin } => self.service_mode(&pin),
            C::ServiceEnd => self.service_end(),
            C::QrCheck => self.qr_check(),
            C::QrCancel => self.qr_cancel(),
            C::QrAnswered { intent, op, answer } => self.qr_answered(intent, op, answer),
            C::PumpPay { pump, amount } => self.pump_pay(pump, amount.map(|a| a.0)),
            C::ReservationApproved { id, answer, amount_minor } => self.reservation_approved(id, answer, amount_minor),
            C::ReservationEnded { id, end } => self.reservation_ended(id, end),
            C::ReservationsOpen { list, failed } => self.reservations_open(list, failed),
            C::Site => self.site_peers(),
            C::SiteAnswer { terminal, approve } => self.site_answer(&terminal, approve),
            C::RemoteAnswer { time, from, body, signature } => self.remote_answer(time, &from, &body, &signature),
            C::RemoteStop { time, from, body, signature } => self.remote_stop(time, &from, &body, &signature),
            C::Login { pin, user } => {
                let out = self.login(&pin, user.as_deref())?;
                self.resume_card_payment(out)
            }
            C::Logout => self.logout(),
            C::OpenShift { float } => self.open_shift(float.0),
            C::CloseShift { counted, approver_pin } => self.close_shift(counted.map(|c| c.0), approver_pin.as_deref()),
            C::PayIn { amount, reason } => self.cash_movement(MovementKind::PayIn, Some(amount.0), Some(reason)),
            C::PayOut { amount, reason } => self.cash_movement(MovementKind::PayOut, Some(amount.0), Some(reason)),
            C::SafeDrop { amount, reason } => self.cash_movement(MovementKind::SafeDrop, Some(amount.0), reason),
            C::SafeLoan { amount, reason } => self.cash_movement(MovementKind::SafeLoan, Some(amount.0), reason),
            C::Count { tenders, purpose } => self.count(tenders, purpose),
            C::Handover { user, pin, approver_pin } => self.handover(user.as_deref(), &pin, approver_pin.as_deref()),
            C::XReport { print } => self.x_report(print),
            C::ZReport { approver_pin } => self.z_report(approver_pin.as_deref()),
            C::ZReports => self.z_reports(),
            C::ReprintZ { z_no } => self.reprint_z(z_no),
            C::Delivery { tank, litres } => self.delivery(tank, litres.0),
            C::ReadMeters => self.read_meters(),
            C::TankReadings { phase, tanks, deliveries } => self.tank_readings(&phase, &tanks, deliveries.as_deref()),
            C::Scan { code } => self.scan(&code),
            C::Add { sku, plu, qty } => self.add(sku.as_deref(), plu.as_deref(), qty.map(|q| q.0)),
            C::Fuel { grade, litres } => self.fuel(&grade, litres.0),
            C::SetQty { line, qty } => self.edit(Permission::Sell, "change quantities", |t, _| t.set_qty(line, qty.0)),
            C::VoidLine { line } => self.edit(Permission::VoidLine, "void lines", |t, _| t.void_line(line)),
            C::RemovePayment { index } => self.remove_payment(index),
            C::Discount { line, percent, amount, approver_pin } => {
                self.discount(line, percent.map(|d| d.0), amount.map(|d| d.0), approver_pin.as_deref())
            }
            C::ApproveDiscount { approver_pin } => self.approve_discount(&approver_pin),
            C::Pay => self.pay(),
            C::ConfirmAge => self.edit(Permission::Sell, "sell", |t, _| t.confirm_age().map(|_| ())),
            C::RefuseAge => self.refuse_age(),
            C::Hold => self.hold(),
            C::Held => self.held_list(),
            C::Recall { index, id } => self.recall(index, id),
            C::Tender { method, amount } => self.tender(method, amount.map(|d| d.0)),
            C::CancelTicket => self.cancel_ticket(),
            C::Refund { receipt_no, lines } => self.refund(receipt_no, lines),
            C::FindSale { receipt_no } => self.find_sale(receipt_no),
            C::Ticket => {
                self.user()?;
                self.ticket_outcome()
            }
            C::Pumps => self.pumps(),
            C::Authorize { pump, amount, litres } => self.authorize(pump, amount.map(|d| d.0), litres.map(|d| d.0)),
            C::AuthorizeAll => self.authorize_all(),
            C::Stop { pump } => self.stop(pump),
            C::StopAll => self.stop_all(),
            C::Resume { pump } => self.resume(pump),
            C::PumpFill { pump } => self.pump_fill(pump),
            C::Prepay { pump, amount } => self.prepay(pump, amount.0),
            C::CancelPrepay { pump } => self.cancel_prepay(pump),
            C::DriveOff { pump } => self.fill_not_sold("drive_off", pump),
            C::PumpTest { pump } => self.fill_not_sold("pump_test", pump),
            C::MeterTotals { phase } => self.meter_totals(&phase),
            C::FuelPrices => {
                self.require(Permission::ManageCatalog, "change fuel prices")?;
                Ok(Outcome { grades: Some(self.grade_prices()), ..Outcome::default() })
            }
            C::SetFuelPrice { grade, price } => self.set_fuel_price(&grade, price.0),
            C::OpenDrawer { reason } => self.cash_movement(MovementKind::NoSale, None, reason),
            C::QueueReprint { receipt_no, reason } => self.queue_reprint(receipt_no, &reason),
            C::Reprints => {
                self.user()?;
                self.reprints()
            }
            C::Reprinted { id } => {
                self.user()?;
                let (at, _) = now();
                self.store.reprinted(id, &at)?;
                self.reprints()
            }
            C::Reprint { receipt_no } => self.reprint(receipt_no),
            C::Devices => {
                self.require(Permission::ManageDevices, "change the devices")?;
                Ok(self.devices())
            }
            C::SetDevice { device, port, protocol } => self.set_device(device, port, protocol),
            C::DeviceTest { device, action } => self.device_test(&device, &action),
            C::UserAdd { name, role, pin } => self.user_add(&name, role, &pin),
            C::Users => self.user_list(),
            C::UserDisable { name } => self.user_change(&name, Some(false), None, None),
            C::UserEnable { name } => self.user_change(&name, Some(true), None, None),
            C::UserSetPin { name, pin } => self.user_change(&name, None, Some(&pin), None),
            C::UserSetRole { name, role } => self.user_change(&name, None, None, Some(role)),
            C::FindSales { receipt_no, date, amount } => {
                self.find_sales(receipt_no, date.as_deref(), amount.map(|a| a.0))
            }
            C::Parked => {
                self.require(Permission::ManageSync, "see the sync")?;
                Ok(Outcome { parked: Some(self.store.parked_events()?), ..Outcome::default() })
            }
            C::RetryParked { seqs } => {
                let user = self.require(Permission::ManageSync, "retry sync events")?.id;
                let (at, _) = now();
                let terminal = self.config.terminal_id.clone();
                self.store.retry_parked(&seqs, user, &terminal, &at)?;
                Ok(Outcome { parked: Some(self.store.parked_events()?), ..Outcome::default() })
            }
            C::ApplyPrices => {
                self.user()?;
                self.apply_prices()
            }
            C::SetLook { language, theme } => self.set_look(language.as_deref(), theme.as_deref()),
        }
    }

    /// Prices due by the clock, for the window's timer and the sync task: the same as
    /// `apply_prices`, without a signed-in user (nobody asks for it; the price book does).
    pub fn apply_due_prices(&mut self) -> Result<Outcome, ServiceError> {
        self.apply_prices()
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

    /// The open ticket as answered, with totals already worked out for it, and what the
    /// customer display shows.
    fn outcome_with(&self, totals: &crate::domain::ticket::Totals) -> Outcome {
        let show = if self.ticket.lines.is_empty() { CustomerView::Welcome } else { CustomerView::Ticket };
        Outcome {
            ticket: Some(TicketRecord::new(&self.ticket, totals, &self.config.pricing)),
            held: Some(self.held.len()),
            effects: vec![Effect::ShowCustomer { show }],
            kiosk: self.kiosk_view(),
            ..Outcome::default()
        }
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

    fn money(&self, v: Decimal, what: AmountOf) -> Result<i64, ServiceError> {
        if v < Decimal::ZERO {
            return Err(Refusal::Negative { what }.into());
        }
        if v > crate::domain::ticket::MAX_PAYMENT {
            return Err(Refusal::AmountTooLarge { what, value: v }.into());
        }
        self.config.pricing.currency.to_minor(v).ok_or_else(|| {
            ServiceError::from(Refusal::TooManyDecimals {
                what,
                value: v,
                currency: self.config.pricing.currency.code.clone(),
            })
        })
    }

    /// Journals an entry with no table of its own, stamped now, for this terminal.
    fn journal(&mut self, kind: &str, payload: &serde_json::Value) -> Result<(), ServiceError> {
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        self.store.journal_event(kind, payload, &terminal, &at)?;
        Ok(())
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

    /// The fuel grades with their prices now.
    pub fn grade_prices(&self) -> Vec<GradePrice> {
        self.config
            .fuel_grades
            .iter()
            .map(|g| GradePrice { code: g.code.clone(), name: g.name.clone(), price: g.price_per_litre })
            .collect()
    }
}
