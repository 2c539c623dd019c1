//! Managers' and technicians' commands: fuel prices and the price book, devices, the drawer
//! without a sale, receipts to print again; seeding, users and catalog import.

use super::{auth, now, set_grade_price, Effect, Outcome, Refusal, Reprint, ServiceError, Session};
use crate::config::{Config, DEMO_CATALOG};
use crate::domain::catalog::Catalog;
use crate::domain::users::{validate_pin, Permission, Role};
use crate::import;
use crate::store::{DeviceSetting, Store};
use rust_decimal::Decimal;
use std::str::FromStr;

/// The highest price per litre a pump's price field holds (6 BCD digits, 3 decimals).
const PUMP_MAX_PRICE: Decimal = Decimal::from_parts(999_999, 0, 0, false, 3);

impl Session {
    pub(super) fn set_fuel_price(&mut self, grade: &str, price: Decimal) -> Result<Outcome, ServiceError> {
        let user = self.require(Permission::ManageCatalog, "change fuel prices")?.clone();
        if price <= Decimal::ZERO || price.scale() > 3 || price > crate::import::MAX_PRICE {
            return Err(Refusal::BadFuelPrice { price }.into());
        }
        // A DART pump takes a price of six digits, three of them decimals.
        if self.forecourt.is_some() && price > PUMP_MAX_PRICE {
            return Err(Refusal::PriceOverPump { price, max: PUMP_MAX_PRICE }.into());
        }
        let old = self.grade(grade)?.price_per_litre;
        self.change_fuel_price(grade, old, price, &user.name, None)?;
        let prices = vec![(grade.to_string(), price)];
        Ok(Outcome {
            grades: Some(self.grade_prices()),
            effects: vec![Effect::SetFuelPrices { prices }],
            ..Outcome::default()
        })
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

    /// Prices from the price book whose time has come. Item prices change in the catalog in one
    /// transaction; a fuel grade takes its latest due price, recorded as a `fuel_price` event.
    pub(super) fn apply_prices(&mut self) -> Result<Outcome, ServiceError> {
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
            let price = Decimal::from_str(&p.price).map_err(|_| {
                ServiceError::from(Refusal::BadBookPrice { key: p.key.clone(), price: p.price.clone() })
            })?;
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
        let effects = if fuel.is_empty() { Vec::new() } else { vec![Effect::SetFuelPrices { prices: fuel.clone() }] };
        Ok(Outcome { items_repriced: Some(repriced), fuel_prices: Some(fuel), effects, ..Outcome::default() })
    }

    /// The devices' ports as they are now: the configuration with the settings screen's changes.
    pub(super) fn devices(&self) -> Outcome {
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

    pub(super) fn reprints(&self) -> Result<Outcome, ServiceError> {
        let cur = &self.config.pricing.currency;
        let mut out = Vec::new();
        for (id, receipt_no, reason) in self.store.pending_reprints()? {
            if let Some(sale) = self.store.find_sale(self.terminal(), receipt_no, cur)? {
                out.push(Reprint { id, reason, sale });
            }
        }
        Ok(Outcome { reprints: Some(out), ..Outcome::default() })
    }

    pub(super) fn set_device(
        &mut self,
        device: String,
        port: String,
        protocol: Option<String>,
    ) -> Result<Outcome, ServiceError> {
        let user = self.require(Permission::ManageDevices, "change the devices")?.id;
        crate::config::check_device_port(&device, &port, protocol.as_deref()).map_err(Refusal::from)?;
        let setting = DeviceSetting { device, port, protocol };
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        self.store.set_device(&setting, user, &terminal, &at)?;
        self.config.apply_device_settings(&[setting]);
        Ok(self.devices())
    }

    pub(super) fn device_test(&mut self, device: &str, action: &str) -> Result<Outcome, ServiceError> {
        let user = self.require(Permission::ManageDevices, "test the devices")?.id;
        crate::config::check_device_port(device, "", None).map_err(Refusal::from)?;
        if !["test-page", "open-drawer", "show-text", "read-weight"].contains(&action) {
            return Err(Refusal::NoSuchDeviceTest { action: action.to_string() }.into());
        }
        self.journal("device_test", &serde_json::json!({ "device": device, "action": action, "user_id": user }))?;
        Ok(Outcome::default())
    }

    /// Opens the drawer without a sale ("no sale"), with the reason given; journaled.
    pub(super) fn queue_reprint(&mut self, receipt_no: i64, reason: &str) -> Result<Outcome, ServiceError> {
        self.user()?;
        self.store.sale_id(self.terminal(), receipt_no)?.ok_or(ServiceError::NoSuchSale(receipt_no))?;
        if reason.chars().count() > 200 {
            return Err(Refusal::ReasonTooLong { max: 200 }.into());
        }
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        self.store.queue_reprint(receipt_no, reason, &terminal, &at)?;
        self.reprints()
    }

    /// Prints a receipt again as a copy, or every queued receipt; journaled with the user.
    pub(super) fn reprint(&mut self, receipt_no: Option<i64>) -> Result<Outcome, ServiceError> {
        let user = self.require(Permission::Reprint, "print receipts again")?.id;
        let out = match receipt_no {
            Some(n) => {
                let sale = self
                    .store
                    .find_sale(self.terminal(), n, &self.config.pricing.currency)?
                    .ok_or(ServiceError::NoSuchSale(n))?;
                Outcome::effects(vec![Effect::PrintReceipt {
                    receipt_no: n,
                    copy: true,
                    queue_id: None,
                    sale: Box::new(sale),
                }])
            }
            None => {
                let mut out = self.reprints()?;
                let jobs: Vec<Effect> = out
                    .reprints
                    .iter()
                    .flatten()
                    .map(|r| Effect::PrintReceipt {
                        receipt_no: r.sale.receipt_no,
                        copy: false,
                        queue_id: Some(r.id),
                        sale: Box::new(r.sale.clone()),
                    })
                    .collect();
                out.effects = jobs;
                out
            }
        };
        let receipts: Vec<i64> = out
            .effects
            .iter()
            .filter_map(|e| match e {
                Effect::PrintReceipt { receipt_no, .. } => Some(*receipt_no),
                _ => None,
            })
            .collect();
        self.journal("reprint", &serde_json::json!({ "user_id": user, "receipts": receipts }))?;
        Ok(out)
    }
}

/// Seeds an empty demo store with the demo catalog and users.
pub(super) fn seed_demo(store: &mut Store, config: &Config) -> Result<(), ServiceError> {
    let (at, _) = now();
    if store.product_count()? == 0 {
        let products = import::parse_catalog(DEMO_CATALOG, config).map_err(|errs| {
            ServiceError::from(Refusal::DemoData {
                detail: errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "),
            })
        })?;
        store.replace_catalog(&products, &config.terminal_id, &at, "demo")?;
    }
    if store.user_count()? == 0 {
        // Both or neither: a first start killed in between must not leave a store with a
        // cashier and no manager (whose PIN would then count as wrong until the pad locks).
        let demo = [("Demo Cashier", Role::Cashier, "1111"), ("Demo Manager", Role::Manager, "9999")];
        let mut hashes = Vec::new();
        for (_, _, pin) in demo {
            hashes.push(auth::hash_pin(pin).map_err(|detail| Refusal::DemoData { detail })?);
        }
        let users: Vec<(&str, Role, &str)> =
            demo.iter().zip(&hashes).map(|((name, role, _), h)| (*name, *role, h.as_str())).collect();
        store.add_users(&users, &config.terminal_id, &at)?;
    }
    Ok(())
}

/// Adds a user from the command line. The first user of a new store needs no credentials
/// (someone must be first); once a store has users, a PIN of a user allowed to manage users is
/// needed, checked and counted like any PIN at the terminal (`manager_pin`).
pub fn add_user(
    store: Store,
    config: &Config,
    name: &str,
    role: Role,
    pin: &str,
    manager_pin: Option<&str>,
) -> Result<i64, ServiceError> {
    let mut store = store;
    if store.user_count()? == 0 {
        return add_user_to(&mut store, &config.terminal_id, name, role, pin);
    }
    let manager_pin = manager_pin.ok_or_else(|| ServiceError::from(Refusal::ManagerPinNeeded))?;
    let mut config = config.clone();
    config.demo = false;
    // Adding a user is the technician's or manager's work, at a kiosk too.
    config.kiosk = None;
    let mut session = Session::with_store(config, store)?;
    session.execute(super::Command::Login { pin: manager_pin.to_string(), user: None }).map_err(|e| match e {
        // Signing in at the counter is not what is asked here; the PIN was right.
        ServiceError::NotPermitted { .. } => Refusal::PinMayNotAddUsers.into(),
        e => e,
    })?;
    let out = session.execute(super::Command::UserAdd { name: name.to_string(), role, pin: pin.to_string() })?;
    let _ = session.execute(super::Command::Logout);
    Ok(out.user.map(|u| u.id).unwrap_or_default())
}

/// Adds a user with a PIN (validated, hashed); refuses a PIN another active user already has,
/// since PIN-only login must find exactly one user.
pub(super) fn add_user_to(
    store: &mut Store,
    terminal: &str,
    name: &str,
    role: Role,
    pin: &str,
) -> Result<i64, ServiceError> {
    validate_pin(pin).map_err(|_| Refusal::BadPin)?;
    if name.trim().is_empty() {
        return Err(Refusal::EmptyName.into());
    }
    if store.active_users()?.iter().any(|u| auth::verify_pin(pin, &u.pin_hash)) {
        return Err(Refusal::PinTaken.into());
    }
    let hash = auth::hash_pin(pin).map_err(|detail| Refusal::DemoData { detail })?;
    let (at, _) = now();
    Ok(store.add_user(name.trim(), role, &hash, terminal, &at)?)
}

/// Imports a catalog file all or nothing. On any bad row nothing is written.
pub fn import_catalog(
    store: &mut Store,
    config: &Config,
    text: &str,
    source: &str,
    allow_empty: bool,
) -> Result<usize, Vec<import::RowError>> {
    let products = import::parse_catalog(text, config)?;
    // A file with only its header would empty the catalog: almost always a wrong export.
    if products.is_empty() && !allow_empty {
        return Err(vec![import::RowError {
            line: 1,
            reason: "the file has no products; importing it would empty the catalog (use --allow-empty to mean that)"
                .into(),
        }]);
    }
    let (at, _) = now();
    store
        .replace_catalog(&products, &config.terminal_id, &at, source)
        .map_err(|e| vec![import::RowError { line: 0, reason: format!("nothing was imported: {e}") }])?;
    Ok(products.len())
}
