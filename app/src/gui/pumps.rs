//! The forecourt on the screen: the pump tiles and each pump's menu, the tanks, the fuel
//! prices dialog. A tap becomes a command; the session decides whether and how a pump moves.

use super::{shown, sync_rows, Gui};
use crate::devices::forecourt::PumpState as P;
use crate::domain::money::Dec;
use crate::service::Command;
use rust_decimal::Decimal;
use slint::{ModelRc, SharedString, VecModel};
use std::rc::Rc;
use till_ui::PumpKind;

/// How a pump state looks: the tile's kind, its message key and its icon.
fn pump_look(state: &P) -> (PumpKind, &'static str, &'static str) {
    match state {
        P::Offline => (PumpKind::Offline, "pump-offline", "×"),
        P::Idle => (PumpKind::Idle, "pump-idle", ""),
        P::Calling => (PumpKind::Calling, "pump-calling", "!"),
        P::Authorized => (PumpKind::Authorized, "pump-authorized", "»"),
        P::Filling => (PumpKind::Filling, "pump-filling", "•"),
        P::Completed => (PumpKind::Completed, "pump-completed", ""),
        P::Stopped => (PumpKind::Stopped, "pump-stopped", "‖"),
        P::Error => (PumpKind::Error, "pump-error", "!"),
    }
}

/// A grade by its name ("Diesel", not "B7"); the code when the grade is not known.
fn grade_name(grades: &[crate::service::GradePrice], code: &str) -> String {
    grades.iter().find(|g| g.code == code).map(|g| g.name.clone()).unwrap_or_else(|| code.to_string())
}

/// Keyed digits as litres: centilitres, so 3000 is 30.00 l.
fn keyed_litres(digits: &str) -> Option<Decimal> {
    digits.parse::<i64>().ok().filter(|v| *v > 0).map(|v| Decimal::new(v, 2))
}

impl Gui {
    /// Shows the pumps and lets the cashier work them: the session reads them, the executor
    /// drives them. The forecourt tells the window when a pump changes; the tiles are then
    /// refreshed from its snapshot (a lock, no I/O on the UI thread).
    pub fn attach_forecourt(self: &Rc<Self>, forecourt: crate::devices::forecourt::Forecourt) {
        // A change at a pump is drawn on the next turn of the event loop, not at the next tick.
        forecourt.on_change(|| super::on_ui(|gui| gui.render_pumps()));
        let f = forecourt.clone();
        self.call(
            move |s| {
                s.attach_forecourt(f);
                Ok(crate::service::Outcome::default())
            },
            shown,
        );
        self.executor.borrow_mut().forecourt = Some(forecourt);
        let weak = Rc::downgrade(self);
        // A slow safety net besides the change notifications.
        self.pump_timer.start(slint::TimerMode::Repeated, std::time::Duration::from_secs(1), move || {
            if let Some(g) = weak.upgrade() {
                g.render_pumps();
            }
        });
        self.render_pumps();
    }

    pub(super) fn forecourt(&self) -> Option<crate::devices::forecourt::Forecourt> {
        self.executor.borrow().forecourt.clone()
    }

    /// Refreshes the pump tiles now (also called by the timer). When a pump's state changed,
    /// the session is told (a prepaid filling that completed is settled there).
    pub fn render_pumps(&self) {
        let Some(f) = self.forecourt() else { return };
        let pumps = f.pumps();
        let i18n = self.i18n.borrow();
        let fmt = i18n.format();
        let cur = &self.config.pricing.currency;
        let st = self.state.borrow();
        let tiles: Vec<till_ui::PumpTile> = pumps
            .iter()
            .map(|p| {
                let (kind, mut key, icon) = pump_look(&p.state);
                if p.state == P::Completed && st.resetting.contains(&p.number) {
                    key = "pump-paid";
                }
                let busy = !p.amount.is_zero() && matches!(p.state, P::Filling | P::Completed | P::Stopped);
                till_ui::PumpTile {
                    number: i32::from(p.number),
                    label: i18n.tr_args("pump-label", &[("n", p.number.into())]).into(),
                    more: i18n.tr_args("pump-more", &[("n", p.number.into())]).into(),
                    state: i18n.tr(key).into(),
                    icon: icon.into(),
                    kind,
                    grade: p
                        .grade
                        .as_deref()
                        .filter(|_| busy || kind == PumpKind::Calling)
                        .map(|code| grade_name(&st.grades, code))
                        .unwrap_or_default()
                        .into(),
                    amount: if busy { fmt.money(p.amount, cur).into() } else { SharedString::new() },
                    volume: if busy { format!("{} l", fmt.number(p.volume, 2)).into() } else { SharedString::new() },
                    prepaid: self.prepaid_text(p.number).into(),
                }
            })
            .collect();
        drop(st);
        // A pump that has left "completed" has been reset: its paid fill is gone.
        self.state.borrow_mut().resetting.retain(|n| pumps.iter().any(|p| p.number == *n && p.state == P::Completed));
        sync_rows(&self.pump_tiles, tiles);
        let offline = pumps.iter().filter(|p| p.state == P::Offline).count();
        let (mut text, mut state) = if !f.health.get().online && offline == pumps.len() {
            (format!("{} {}", i18n.tr("device-pump-line"), i18n.tr("device-offline")), 3)
        } else if offline == 0 {
            (format!("{0}/{0}", pumps.len()), 1)
        } else {
            (
                format!("{offline}/{} {}", pumps.len(), i18n.tr("pump-offline")),
                if offline == pumps.len() { 3 } else { 2 },
            )
        };
        // The tank gauge shares the chip: it is part of the forecourt.
        if let Some(t) = self.tanks.borrow().as_ref() {
            if !t.health.get().online && t.health.get().detail != "connecting" {
                text = format!("{text} · {} {}", i18n.tr("device-tanks"), i18n.tr("device-offline"));
                state = state.max(2);
            }
        }
        if self.shell().get_pumps_chip() != text.as_str() {
            self.shell().set_pumps_chip(text.into());
            self.shell().set_pumps_state(super::view::chip(state));
        }
        drop(i18n);
        let states: Vec<P> = pumps.iter().map(|p| p.state.clone()).collect();
        let changed = std::mem::replace(&mut self.state.borrow_mut().pump_states, states.clone()) != states;
        if changed {
            self.call(|s| Ok(s.pumps_changed().unwrap_or_default()), shown);
        }
    }

    pub(super) fn open_prices(&self) {
        self.send(Command::FuelPrices, |g, r| match r {
            Ok(_) => {
                g.render_grade_prices();
                g.forecourt_ui().set_price_grade("".into());
                g.forecourt_ui().set_price_entry("".into());
                g.render_price_entry();
                g.forecourt_ui().set_price_dialog(true);
            }
            Err(e) => g.show_error(&e),
        });
    }

    pub(super) fn render_grade_prices(&self) {
        let f = self.i18n.borrow().format();
        let rows: Vec<till_ui::GradePrice> = self
            .state
            .borrow()
            .grades
            .iter()
            .map(|g| till_ui::GradePrice {
                code: g.code.clone().into(),
                name: g.name.clone().into(),
                price: f.number(g.price, 3).into(),
            })
            .collect();
        self.forecourt_ui().set_grade_prices(ModelRc::new(VecModel::from(rows)));
    }

    /// Keyed digits are thousandths: 1779 is 1.779 per litre.
    pub(super) fn keyed_price(&self) -> Option<Decimal> {
        self.forecourt_ui().get_price_entry().parse::<i64>().ok().map(|d| Decimal::new(d, 3))
    }

    pub(super) fn render_price_entry(&self) {
        let text = self.keyed_price().map(|p| self.i18n.borrow().format().number(p, 3)).unwrap_or_default();
        self.forecourt_ui().set_price_entry_text(text.into());
    }

    /// Sending a price asks first, naming the grade, the old and the new price.
    pub(super) fn price_send(&self) {
        let grade = self.forecourt_ui().get_price_grade().to_string();
        let Some(price) = self.keyed_price().filter(|p| !p.is_zero()) else { return };
        let (name, old) = {
            let st = self.state.borrow();
            (grade_name(&st.grades, &grade), st.grades.iter().find(|g| g.code == grade).map(|g| g.price))
        };
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let text = i18n.tr_args(
            "confirm-price-text",
            &[
                ("grade", name.clone().into()),
                ("old", old.map(|p| f.number(p, 3)).unwrap_or_default().into()),
                ("price", f.number(price, 3).into()),
            ],
        );
        let (title, yes) = (i18n.tr("prices-title"), i18n.tr("prices-send"));
        drop(i18n);
        self.ask(title, text, yes, false, move |g| {
            g.forecourt_ui().set_price_dialog(false);
            // The continuation names what was sent, whatever the dialog shows by then.
            g.send(Command::SetFuelPrice { grade, price: Dec(price) }, move |g, r| match r {
                Ok(_) => {
                    let f = g.i18n.borrow().format();
                    let text = g
                        .i18n
                        .borrow()
                        .tr_args("prices-set", &[("grade", name.into()), ("price", f.number(price, 3).into())]);
                    g.show_text(text, false);
                }
                Err(e) => g.show_error(&e),
            });
        });
    }

    /// The prepayment still to settle at a pump, as its tile shows it ("" for none).
    pub(super) fn prepaid_text(&self, pump: u8) -> String {
        if self.state.borrow().self_service.contains(&pump) {
            return self.i18n.borrow().tr("pump-self-service");
        }
        let Some(amount) = self.prepaid(pump) else { return String::new() };
        let i18n = self.i18n.borrow();
        let amount = i18n.format().money(amount, &self.config.pricing.currency);
        i18n.tr_args("pump-prepaid", &[("amount", amount.into())])
    }

    /// The prepayment still to settle at a pump, as the session last answered it.
    fn prepaid(&self, pump: u8) -> Option<Decimal> {
        self.state.borrow().prepays.iter().find(|p| p.pump == pump).map(|p| p.amount)
    }

    /// Opens the pump menu with the actions that fit the pump's state.
    pub(super) fn pump_more(&self, number: u8) {
        let Some(f) = self.forecourt() else { return };
        let Some(p) = f.pump(number) else { return };
        let prepaid = self.prepaid(number);
        let paid = p.state == P::Completed && self.state.borrow().resetting.contains(&number);
        let entry = self.sale_ui().get_entry().to_string();
        let keyed = self.entry_amount(&entry).filter(|a| !a.is_zero());
        let litres = keyed_litres(&entry);
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let cur = &self.config.pricing.currency;
        let money = |a: Decimal| f.money(a, cur);
        // What the keys do with the keyed digits, said on the keys themselves.
        let label = |id: &str| match (id, keyed) {
            ("authorize", Some(a)) => i18n.tr_args("pump-action-authorize-amount", &[("amount", money(a).into())]),
            ("prepay", Some(a)) => i18n.tr_args("pump-action-prepay-amount", &[("amount", money(a).into())]),
            ("authorize-volume", Some(_)) => i18n.tr_args(
                "pump-action-authorize-litres",
                &[("litres", litres.map(|l| f.number(l, 2)).unwrap_or_default().into())],
            ),
            _ => i18n.tr(&format!("pump-action-{id}")),
        };
        let action = |id: &str, primary: bool, danger: bool| till_ui::PumpAction {
            id: id.into(),
            label: label(id).into(),
            primary,
            danger,
        };
        let actions = match p.state {
            _ if prepaid.is_some() && matches!(p.state, P::Idle | P::Calling | P::Authorized | P::Filling) => {
                let mut a = vec![];
                if matches!(p.state, P::Authorized | P::Filling) {
                    a.push(action("stop", false, true));
                }
                a.push(action("cancel-prepay", false, true));
                a
            }
            P::Idle | P::Calling => {
                vec![
                    action("authorize", true, false),
                    action("authorize-volume", false, false),
                    action("prepay", false, false),
                ]
            }
            P::Authorized | P::Filling => vec![action("stop", false, true)],
            P::Completed if paid => vec![],
            P::Completed => {
                vec![action("add", true, false), action("drive-off", false, true), action("pump-test", false, false)]
            }
            P::Stopped => vec![action("resume", true, false)],
            P::Offline | P::Error => vec![],
        };
        let (_, state_key, _) = pump_look(&p.state);
        let state_key = if paid { "pump-paid" } else { state_key };
        let title = format!("{} · {}", i18n.tr_args("pump-label", &[("n", number.into())]), i18n.tr(state_key));
        let detail = match (prepaid, &p.state) {
            (Some(a), _) => i18n.tr_args("pump-prepaid", &[("amount", money(a).into())]),
            (None, P::Filling | P::Completed | P::Stopped) if !p.amount.is_zero() => {
                format!("{} · {} l", money(p.amount), f.number(p.volume, 2))
            }
            (None, P::Idle | P::Calling) if keyed.is_none() => i18n.tr("pump-menu-hint"),
            _ => String::new(),
        };
        self.forecourt_ui().set_pump_menu_title(title.into());
        self.forecourt_ui().set_pump_menu_detail(detail.into());
        self.forecourt_ui().set_pump_actions(ModelRc::new(VecModel::from(actions)));
        self.forecourt_ui().set_pump_menu(i32::from(number));
    }

    pub(super) fn pump_action(&self, id: &str) {
        let pump = self.forecourt_ui().get_pump_menu().clamp(0, 255) as u8;
        self.forecourt_ui().set_pump_menu(0);
        match id {
            "authorize" => self.authorize_from_entry(pump),
            "authorize-volume" => {
                // Keyed digits are centilitres: 3000 is 30.00 l.
                let digits = self.take_entry();
                let litres = keyed_litres(&digits).map(Dec);
                self.send(Command::Authorize { pump, amount: None, litres }, shown);
            }
            "prepay" => {
                let digits = self.take_entry();
                match self.entry_amount(&digits).filter(|a| !a.is_zero()) {
                    Some(amount) => self.send(Command::Prepay { pump, amount: Dec(amount) }, shown),
                    None => self.show_message("pump-prepay-hint", true),
                }
            }
            "stop" => self.send(Command::Stop { pump }, shown),
            "resume" => self.send(Command::Resume { pump }, shown),
            "add" => self.send(Command::PumpFill { pump }, shown),
            "drive-off" => self.ask_drive_off(pump),
            "cancel-prepay" => self.ask_cancel_prepay(pump),
            "pump-test" => self.send(Command::PumpTest { pump }, shown),
            _ => {}
        }
    }

    /// A drive-off is recorded only after the cashier confirms it, with the amount lost.
    fn ask_drive_off(&self, pump: u8) {
        let Some(p) = self.forecourt().and_then(|f| f.pump(pump)) else { return };
        let i18n = self.i18n.borrow();
        let amount = i18n.format().money(p.amount, &self.config.pricing.currency);
        let text = i18n.tr_args("confirm-drive-off-text", &[("n", pump.into()), ("amount", amount.into())]);
        let (title, yes) = (i18n.tr("confirm-drive-off-title"), i18n.tr("pump-action-drive-off"));
        drop(i18n);
        self.ask(title, text, yes, true, move |g| {
            g.send(Command::DriveOff { pump }, move |g, r| match r {
                Ok(_) => {
                    let text = g.i18n.borrow().tr_args("pump-drive-off-done", &[("n", pump.into())]);
                    g.show_text(text, false);
                }
                Err(e) => g.show_error(&e),
            })
        });
    }

    /// Cancelling a prepayment pays it back: asked first, naming the amount.
    fn ask_cancel_prepay(&self, pump: u8) {
        let Some(amount) = self.prepaid(pump) else { return };
        let i18n = self.i18n.borrow();
        let amount = i18n.format().money(amount, &self.config.pricing.currency);
        let text = i18n.tr_args("confirm-cancel-prepay-text", &[("n", pump.into()), ("amount", amount.into())]);
        let (title, yes) = (i18n.tr("pump-action-cancel-prepay"), i18n.tr("confirm-cancel-prepay-yes"));
        drop(i18n);
        self.ask(title, text, yes, true, move |g| g.send(Command::CancelPrepay { pump }, shown));
    }

    /// Authorizes a pump; digits keyed before preset the amount (1500 = 15.00).
    pub(super) fn authorize_from_entry(&self, pump: u8) {
        let digits = self.take_entry();
        let amount = self.entry_amount(&digits).filter(|a| !a.is_zero()).map(Dec);
        self.send(Command::Authorize { pump, amount, litres: None }, shown);
    }

    /// A tap on a pump tile asks for what its state offers; the session checks it.
    pub(super) fn pump_tapped(&self, pump: u8) {
        let Some(p) = self.forecourt().and_then(|f| f.pump(pump)) else { return };
        match p.state {
            P::Calling | P::Idle => self.authorize_from_entry(pump),
            P::Completed => self.send(Command::PumpFill { pump }, shown),
            P::Stopped => self.send(Command::Resume { pump }, shown),
            _ => {}
        }
    }

    /// Shows the tanks on the forecourt screen, refreshed every few seconds.
    pub fn attach_tanks(self: &Rc<Self>, tanks: crate::devices::tanks::TankMonitor) {
        self.executor.borrow_mut().tanks = Some(tanks.clone());
        *self.tanks.borrow_mut() = Some(tanks);
        let weak = Rc::downgrade(self);
        self.tank_timer.start(slint::TimerMode::Repeated, std::time::Duration::from_secs(2), move || {
            if let Some(g) = weak.upgrade() {
                g.render_tanks();
            }
        });
        self.render_tanks();
    }

    pub fn render_tanks(&self) {
        let i18n = self.i18n.borrow();
        let Some(monitor) = self.tanks.borrow().clone() else {
            self.forecourt_ui().set_tank_message(i18n.tr("tank-none").into());
            return;
        };
        let state = monitor.state();
        let f = i18n.format();
        let litres = |v: f32| format!("{} l", f.number(Decimal::from(v.round() as i64), 0));
        let tiles: Vec<till_ui::TankTile> = state
            .tanks
            .iter()
            .map(|t| {
                let r = &t.reading;
                let capacity = r.volume + r.ullage;
                till_ui::TankTile {
                    label: i18n.tr_args("tank-label", &[("n", r.tank.into())]).into(),
                    product: r.product.to_string().into(),
                    volume: litres(r.volume).into(),
                    free: format!("{} {}", litres(r.ullage), i18n.tr("tank-free")).into(),
                    water: format!("{} {:.1}", i18n.tr("tank-water"), r.water).into(),
                    temperature: format!("{:.1} °C", r.temperature).into(),
                    level: if capacity > 0.0 { r.volume / capacity } else { 0.0 },
                    alarms: t
                        .alarms
                        .iter()
                        .map(|a| i18n.tr(&format!("tank-{a}")))
                        .collect::<Vec<_>>()
                        .join(" · ")
                        .into(),
                    alarm: !t.alarms.is_empty(),
                }
            })
            .collect();
        // Every 2 s: only tanks whose figures changed are redrawn.
        sync_rows(&self.tank_tiles, tiles);
        self.forecourt_ui().set_tank_message(state.error.unwrap_or_default().into());
    }

    /// A prepaid filling was settled: what to give back.
    pub(super) fn show_settled(&self, s: &crate::domain::record::SaleRecord) {
        let pump = s.lines.iter().find_map(|l| l.sku.strip_prefix("PREPAY-")).unwrap_or_default().to_string();
        let f = self.i18n.borrow().format();
        let back = f.money(-s.total, &self.config.pricing.currency);
        let text = self.i18n.borrow().tr_args("pump-prepay-settled", &[("n", pump.into()), ("amount", back.into())]);
        self.show_text(text, false);
    }
}
