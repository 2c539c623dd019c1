//! "Pay for fuel" at the kiosk: the customer picks a free pump and an amount (or "fill up"),
//! pays at the card terminal, and fills. The session reserves the card and authorizes the pump
//! (`pump_pay`); its answers move this screen on; the sale of what was filled ends on the thank
//! you screen like any other.

use super::Gui;
use crate::devices::forecourt::PumpState;
use crate::domain::money::Dec;
use crate::effects::Report;
use crate::service::{Command, Effect};
use rust_decimal::Decimal;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};
use std::rc::Rc;
use till_ui::KioskAdapter;

/// The amounts offered besides "fill up" (those below it).
const AMOUNTS: [u32; 3] = [20, 40, 60];

impl Gui {
    /// Whether this kiosk offers pay-at-pump: it works pumps and a card terminal (the site's,
    /// or demo mode's simulated ones).
    pub(super) fn fuel_enabled(&self) -> bool {
        self.forecourt().is_some() && self.executor.borrow().card.is_some()
    }

    fn fuel_amounts(&self) -> Vec<Option<Decimal>> {
        let fill_up = self.config.kiosk.as_ref().map(|k| k.fill_up).unwrap_or(Decimal::ONE_HUNDRED);
        let mut v: Vec<Option<Decimal>> =
            AMOUNTS.iter().map(|a| Decimal::from(*a)).filter(|a| *a < fill_up).map(Some).collect();
        v.push(None);
        v
    }

    /// The fuel screen: the pumps as the forecourt reports them, and the amounts.
    pub(super) fn render_fuel(&self) {
        let ui = self.window.global::<KioskAdapter>();
        let i18n = self.i18n.borrow();
        let pumps: Vec<till_ui::FuelPump> = self
            .forecourt()
            .map(|f| f.pumps())
            .unwrap_or_default()
            .iter()
            .map(|p| till_ui::FuelPump {
                number: i32::from(p.number),
                label: i18n.tr_args("kiosk-pump", &[("n", i64::from(p.number).into())]).into(),
                free: matches!(p.state, PumpState::Idle | PumpState::Calling),
            })
            .collect();
        let f = i18n.format();
        let cur = &self.config.pricing.currency;
        let fill_up = self.config.kiosk.as_ref().map(|k| k.fill_up).unwrap_or(Decimal::ONE_HUNDRED);
        let amounts: Vec<SharedString> = self
            .fuel_amounts()
            .into_iter()
            .map(|a| match a {
                Some(a) => f.money(a, cur).into(),
                None => i18n.tr_args("kiosk-fill-up", &[("max", f.money(fill_up, cur).into())]).into(),
            })
            .collect();
        ui.set_fuel_pumps(ModelRc::new(VecModel::from(pumps)));
        let (first, more) = amounts.split_at(amounts.len().div_ceil(2).min(2));
        ui.set_fuel_amounts(ModelRc::new(VecModel::from(first.to_vec())));
        ui.set_fuel_amounts_more(ModelRc::new(VecModel::from(more.to_vec())));
    }

    fn fuel_status(&self, key: &str, pump: i32) {
        let text = self.i18n.borrow().tr_args(key, &[("pump", i64::from(pump).into())]);
        self.kiosk_ui_fuel().set_fuel_status(text.into());
    }

    fn kiosk_ui_fuel(&self) -> KioskAdapter<'_> {
        self.window.global::<KioskAdapter>()
    }

    /// "Pay for fuel": the pumps and the amounts, no pump chosen yet.
    pub(super) fn kiosk_fuel_screen(&self) {
        self.kiosk_ui_fuel().set_fuel_pump(0);
        self.render_fuel();
        self.kiosk_ui_fuel().set_screen("fuel".into());
        self.kiosk_touched_now();
    }

    fn pay_fuel(&self, index: i32) {
        let ui = self.kiosk_ui_fuel();
        let pump = ui.get_fuel_pump();
        let (Ok(p), Some(amount)) =
            (u8::try_from(pump), usize::try_from(index).ok().and_then(|i| self.fuel_amounts().get(i).copied()))
        else {
            return;
        };
        self.send(Command::PumpPay { pump: p, amount: amount.map(Dec) }, move |g, r| match r {
            Ok(_) => {
                g.kiosk_ui_fuel().set_screen("fuel-wait".into());
                g.fuel_status("kiosk-fuel-card", pump);
            }
            Err(e) => g.show_error(&e),
        });
    }

    pub(super) fn wire_fuel(&self, with: impl Fn(&dyn Fn(&Rc<Gui>)) + Clone + 'static) {
        let ui = self.kiosk_ui_fuel();
        let w = with.clone();
        ui.on_fuel(move || w(&|g| g.kiosk_fuel_screen()));
        let w = with.clone();
        ui.on_pick_pump(move |n| {
            w(&|g| {
                g.kiosk_touched_now();
                g.kiosk_ui_fuel().set_fuel_pump(n);
            })
        });
        ui.on_pay_fuel(move |i| with(&|g| g.pay_fuel(i)));
    }

    /// What the card terminal reported of a reservation: stored by the session (the terminal
    /// hears "issued" only then), and the screen moved on (true: the report was one of these).
    pub(super) fn fuel_reported(&self, r: &Report) -> bool {
        if !matches!(
            r,
            Report::ReservationApproved { .. } | Report::ReservationFinished { .. } | Report::OpenReservations { .. }
        ) {
            return false;
        }
        self.follow_claimed(r, |g, res| {
            let waiting = g.kiosk_ui_fuel().get_screen() == "fuel-wait";
            match res {
                Ok(out) => {
                    let ready = out.effects.iter().find_map(|e| match e {
                        Effect::AuthorizePump { pump, .. } => Some(i32::from(*pump)),
                        _ => None,
                    });
                    if let (Some(p), true) = (ready, waiting) {
                        // The customer goes to the pump: the kiosk is the next customer's soon.
                        g.fuel_status("kiosk-fuel-ready", p);
                        g.kiosk_fuel_ready();
                    }
                }
                Err(e) if waiting => {
                    g.show_error(&e);
                    g.render_fuel();
                    g.kiosk_ui_fuel().set_screen("fuel".into());
                }
                Err(e) => tracing::warn!("pay-at-pump: {e}"),
            }
        });
        true
    }
}
