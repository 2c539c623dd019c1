//! The kiosk on screen, a view of the session like the counter: start in the customer's
//! language, the basket with + and −, pay by card or QR, the receipt if wanted, and back to the
//! start. What waits for staff and why comes from the session (`Outcome::kiosk`); the screen
//! only shows it and takes the attendant's PIN. After the configured idle time a countdown asks
//! whether the customer needs more time; without an answer the basket is cancelled
//! (`kiosk_reset`), never while a payment is in progress.

use super::{shown, Gui};
use crate::domain::money::Dec;
use crate::domain::ticket::Method;
use crate::service::{Command, HelpView, Outcome};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};
use till_ui::{KioskAdapter, Page};

/// How long the thank-you screen stays before the kiosk starts again.
const THANKS: Duration = Duration::from_secs(12);
/// How long each promotion shows on the start screen.
const PROMOTION: Duration = Duration::from_secs(6);

/// The promotions in `text` (`[kiosk] promotions`, a CSV of language, text; an empty language
/// shows in every language) for the start screen's slow loop.
fn promotions(text: &str, lang: &str) -> Vec<String> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    r.records()
        .filter_map(Result::ok)
        .filter(|rec| rec.get(0).is_some_and(|l| l.is_empty() || l == lang))
        .filter_map(|rec| rec.get(1).map(|t| t.chars().filter(|c| !c.is_control()).take(120).collect()))
        .collect()
}

/// The kiosk screen's own bookkeeping (none of it a rule).
#[derive(Default)]
pub(super) struct KioskUi {
    timer: slint::Timer,
    /// The customer's last touch; none on the start screen.
    last_touch: Cell<Option<Instant>>,
    pin: RefCell<String>,
    help: RefCell<Option<HelpView>>,
    category: Cell<usize>,
    thanks_since: Cell<Option<Instant>>,
    /// How long that screen stays (the thank you's time unless set).
    done_for: Cell<Option<Duration>>,
    /// An outdoor payment terminal's fill whose receipt the customer may still choose.
    pub(super) fill_receipt: Cell<Option<i64>>,
    /// Accessibility mode, and the theme it replaced.
    accessible: Cell<bool>,
    theme_before: Cell<i32>,
    /// The promotion on show and since when, and the promotions file as read at the start.
    promo: Cell<(usize, Option<Instant>)>,
    promotions: RefCell<String>,
    /// How far the kiosk's clock is ahead of the real one (`advance_kiosk_clock`).
    ahead: Cell<Duration>,
    /// A manager works the counter's screens (service mode).
    pub(super) service: Cell<bool>,
    /// At a counter: looks at the site's kiosks (`gui::site`).
    pub(super) site_timer: slint::Timer,
}

impl Gui {
    pub(super) fn kiosk_ui(&self) -> KioskAdapter<'_> {
        self.window.global::<KioskAdapter>()
    }

    /// The kiosk's clock: the real one, plus what `advance_kiosk_clock` moved it on.
    fn kiosk_now(&self) -> Instant {
        Instant::now() + self.kiosk.ahead.get()
    }

    /// Moves the kiosk's clock on (tests, and a demo of the idle question) and looks at the
    /// time at once, as the kiosk's timer does twice a second.
    pub fn advance_kiosk_clock(&self, by: Duration) {
        self.kiosk.ahead.set(self.kiosk.ahead.get() + by);
        self.kiosk_tick();
    }

    /// Starts the kiosk: the session's kiosk user and drawer session, then the start screen.
    pub fn kiosk_begin(self: &Rc<Self>) {
        self.send(Command::KioskStart, shown);
        self.set_page(Page::Kiosk);
        self.kiosk_start_screen();
        self.kiosk_home();
        let weak = Rc::downgrade(self);
        self.kiosk.timer.start(slint::TimerMode::Repeated, Duration::from_millis(500), move || {
            if let Some(g) = weak.upgrade() {
                g.kiosk_tick();
            }
        });
    }

    /// What the start screen shows for every customer alike, set once: "Touch to start" in
    /// every language (each starting in its own), the store's name, the promotions.
    fn kiosk_start_screen(&self) {
        self.kiosk_ui().set_fuel_enabled(self.fuel_enabled());
        self.kiosk_ui().set_fuel_only(self.config.kiosk.as_ref().is_some_and(|k| k.fuel_only));
        let file = self.config.kiosk.as_ref().and_then(|k| k.promotions.as_deref());
        *self.kiosk.promotions.borrow_mut() = match file {
            Some(f) => std::fs::read_to_string(f).unwrap_or_else(|e| {
                tracing::warn!("the kiosk's promotions {}: {e}", f.display());
                String::new()
            }),
            None => crate::config::DEMO_PROMOTIONS.to_string(),
        };
        let mut i18n = crate::i18n::I18n::new().ok();
        let starts: Vec<till_ui::Language> = crate::i18n::LANGUAGES
            .iter()
            .map(|(code, name)| {
                let text = i18n.as_mut().map(|i| {
                    i.set_language(code);
                    i.tr("kiosk-start")
                });
                till_ui::Language {
                    code: (*code).into(),
                    name: format!("{}  ·  {name}", text.unwrap_or_default()).into(),
                }
            })
            .collect();
        let ui = self.kiosk_ui();
        let column = |odd: usize| starts.iter().skip(odd).step_by(2).cloned().collect::<Vec<_>>();
        ui.set_starts_left(ModelRc::new(VecModel::from(column(0))));
        ui.set_starts_right(ModelRc::new(VecModel::from(column(1))));
        ui.set_starts(ModelRc::new(VecModel::from(starts)));
        let name = if self.config.store.name.is_empty() { &self.config.terminal_name } else { &self.config.store.name };
        ui.set_store_name(name.clone().into());
        ui.set_qr_enabled(self.config.qr.is_some());
    }

    /// The start screen, for the next customer.
    pub(super) fn kiosk_home(&self) {
        let ui = self.kiosk_ui();
        ui.set_screen("attract".into());
        ui.set_idle_open(false);
        ui.set_search_open(false);
        ui.set_search("".into());
        self.kiosk.last_touch.set(None);
        self.kiosk.thanks_since.set(None);
        self.kiosk.done_for.set(None);
        self.kiosk.fill_receipt.set(None);
        // Each customer chooses accessibility for themselves.
        if self.kiosk.accessible.get() {
            self.kiosk_accessible(false);
        }
    }

    /// Accessibility mode: text and keys at 150 %, high contrast, everything inside the reach
    /// band, twice the idle time, and spoken prompts where `espeak-ng` is installed.
    fn kiosk_accessible(&self, on: bool) {
        let theme = self.window.global::<till_ui::Theme>();
        if on && !self.kiosk.accessible.get() {
            self.kiosk.theme_before.set(theme.get_mode());
        }
        self.kiosk.accessible.set(on);
        theme.set_boost(if on { 1.5 } else { 1.0 });
        theme.set_mode(if on { 2 } else { self.kiosk.theme_before.get() });
        let (above, below) = self.config.kiosk.as_ref().map(|k| k.reach_margins()).unwrap_or((0.0, 0.0));
        let ui = self.kiosk_ui();
        ui.set_reach_top(above);
        ui.set_reach_bottom(below);
        ui.set_accessible(on);
        if on {
            let text = self.i18n.borrow().tr("kiosk-accessibility-on");
            self.kiosk_say(&text);
        }
    }

    /// Says `text` aloud in accessibility mode, through `espeak-ng` if it is installed.
    fn kiosk_say(&self, text: &str) {
        if self.kiosk.accessible.get() {
            self.kiosk_speak(text);
        }
    }

    /// Says `text` aloud whatever the mode (the idle question's audible cue).
    fn kiosk_speak(&self, text: &str) {
        let lang = self.i18n.borrow().language().split('-').next().unwrap_or("en").to_string();
        let spoken = std::process::Command::new("espeak-ng")
            .args(["-v", &lang, "--", text])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if let Ok(mut child) = spoken {
            // Reaped off the UI thread.
            std::thread::spawn(move || child.wait());
        }
    }

    /// What an answer means for the kiosk's screens.
    pub(super) fn kiosk_took(&self, out: &Outcome) {
        if let Some(k) = &out.kiosk {
            *self.kiosk.help.borrow_mut() = k.help.clone();
        }
        self.kiosk_fill_sold(out);
        // A sale the customer paid here (not a fill paid at a pump that settles meanwhile).
        if out.sale.is_some() && out.ticket.is_none() && self.kiosk_ui().get_screen() == "pay" {
            self.state.borrow_mut().ticket = None;
            self.kiosk_ui().set_screen("thanks".into());
            self.kiosk.thanks_since.set(Some(self.kiosk_now()));
        }
        self.kiosk_render();
    }

    pub(super) fn kiosk_render(&self) {
        let st = self.state.borrow();
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let cur = &self.config.pricing.currency;
        let ui = self.kiosk_ui();
        let cats: Vec<SharedString> = st.categories.iter().map(|c| c.as_str().into()).collect();
        let cat = self.kiosk.category.get().min(st.categories.len().saturating_sub(1));
        ui.set_categories(ModelRc::new(VecModel::from(cats)));
        ui.set_category(cat as i32);
        let category = st.categories.get(cat).cloned().unwrap_or_default();
        // A search looks through every category.
        let search = ui.get_search().to_lowercase();
        let tiles: Vec<till_ui::ProductTile> = st
            .products
            .iter()
            .filter(|p| {
                if search.trim().is_empty() {
                    p.category == category
                } else {
                    super::kiosk_search::name_matches(&p.name_lc, &search)
                }
            })
            .take(60)
            .map(|p| till_ui::ProductTile {
                sku: p.sku.clone().into(),
                name: p.name.clone().into(),
                price: super::view::unit_price(&f, p.price, p.unit, cur).into(),
                restricted: p.restricted,
            })
            .collect();
        ui.set_products(ModelRc::new(VecModel::from(tiles)));
        let (lines, total, any) = match &st.ticket {
            // The customer's basket shows what is in it: lines taken off are gone, not struck.
            Some(t) => {
                let lines: Vec<_> = super::view::ticket_lines(&f, cur, t).into_iter().filter(|l| !l.voided).collect();
                let any = !lines.is_empty();
                (lines, f.money(t.total, cur), any)
            }
            None => (Vec::new(), f.money(rust_decimal::Decimal::ZERO, cur), false),
        };
        ui.set_lines(ModelRc::new(VecModel::from(lines)));
        ui.set_total(total.into());
        let help = self.kiosk.help.borrow().clone();
        ui.set_can_pay(any && help.is_none());
        let text = help.as_ref().map(|h| {
            let detail = h.detail.clone().unwrap_or_default();
            match h.reason.as_str() {
                "age" => i18n.tr_args("kiosk-help-age", &[("item", detail.into())]),
                "amount" => i18n.tr_args("kiosk-help-amount", &[("amount", detail.into())]),
                "payment" => i18n.tr("kiosk-help-payment"),
                "price" => i18n.tr_args("kiosk-help-price", &[("code", detail.into())]),
                _ => i18n.tr("kiosk-help-customer"),
            }
        });
        if let (Some(t), false) = (&text, ui.get_help_open()) {
            self.kiosk_say(t);
        }
        ui.set_help_open(text.is_some());
        ui.set_help_text(text.unwrap_or_default().into());
        ui.set_pin_dots("•".repeat(self.kiosk.pin.borrow().len()).into());
    }

    /// Every half second: the idle countdown, and the thank-you screen's end.
    fn kiosk_tick(&self) {
        let ui = self.kiosk_ui();
        if ui.get_screen() == "attract" {
            let (i, since) = self.kiosk.promo.get();
            if since.is_none_or(|t| self.kiosk_now().saturating_duration_since(t) >= PROMOTION) {
                let list = promotions(&self.kiosk.promotions.borrow(), self.i18n.borrow().language());
                let next = if list.is_empty() { 0 } else { (i + 1) % list.len() };
                ui.set_promotion(list.get(next).cloned().unwrap_or_default().into());
                self.kiosk.promo.set((next, Some(self.kiosk_now())));
            }
        }
        if let Some(t) = self.kiosk.thanks_since.get() {
            if self.kiosk_now().saturating_duration_since(t) >= self.kiosk.done_for.get().unwrap_or(THANKS) {
                self.kiosk_home();
            }
            return;
        }
        let (Some(k), Some(touch)) = (self.config.kiosk.as_ref(), self.kiosk.last_touch.get()) else { return };
        // A payment in progress is never given up for an idle customer.
        if self.card_view.borrow().is_some() {
            return;
        }
        let idle = self.kiosk_now().saturating_duration_since(touch);
        // Accessibility mode gives twice the time.
        let times = if self.kiosk.accessible.get() { 2 } else { 1 };
        let (limit, countdown) = (k.idle * times, k.countdown * times);
        if idle < limit {
            ui.set_idle_open(false);
            return;
        }
        let left = (limit + countdown).saturating_sub(idle);
        if left.is_zero() {
            ui.set_idle_open(false);
            self.send(Command::KioskReset, |g, r| {
                if let Err(e) = r {
                    g.show_error(&e);
                }
            });
            self.state.borrow_mut().ticket = None;
            self.kiosk_home();
            return;
        }
        let text = self.i18n.borrow().tr_args("kiosk-countdown", &[("seconds", (left.as_secs() + 1).into())]);
        if !ui.get_idle_open() {
            // The question is heard as well as seen: someone who stepped away may not look.
            let title = self.i18n.borrow().tr("kiosk-more-time-title");
            self.kiosk_speak(&title);
        }
        ui.set_idle_text(text.into());
        ui.set_idle_open(true);
    }

    pub(super) fn kiosk_touch(&self) {
        if self.kiosk.last_touch.get().is_some() {
            self.kiosk.last_touch.set(Some(self.kiosk_now()));
        }
    }

    /// A line's quantity one up or down (down to nothing takes the line off).
    fn kiosk_step(&self, line: i32, up: bool) {
        let Ok(line) = usize::try_from(line) else { return };
        let qty =
            self.state.borrow().ticket.as_ref().and_then(|t| t.lines.iter().find(|l| l.line == line).map(|l| l.qty));
        let Some(qty) = qty else { return };
        let next = if up { qty + rust_decimal::Decimal::ONE } else { qty - rust_decimal::Decimal::ONE };
        let cmd = if next <= rust_decimal::Decimal::ZERO {
            Command::VoidLine { line }
        } else {
            Command::SetQty { line, qty: Dec(next) }
        };
        self.send(cmd, shown);
    }

    fn kiosk_staff(&self, approve: bool) {
        let pin = std::mem::take(&mut *self.kiosk.pin.borrow_mut());
        let cmd = if approve { Command::StaffApprove { pin } } else { Command::StaffRefuse { pin } };
        self.send(cmd, shown);
        self.kiosk_render();
    }

    /// Pay-at-pump: the pump is ready; the screen says so for a while, then starts again.
    pub(super) fn kiosk_fuel_ready(&self) {
        self.kiosk_done_for(THANKS);
    }

    /// The screen on show now goes back to the start after `time`.
    pub(super) fn kiosk_done_for(&self, time: Duration) {
        self.kiosk.thanks_since.set(Some(self.kiosk_now()));
        self.kiosk.done_for.set(Some(time));
    }

    /// The customer touched the screen: the idle time starts again (also on the start screen).
    pub(super) fn kiosk_touched_now(&self) {
        self.kiosk.last_touch.set(Some(self.kiosk_now()));
    }

    pub(super) fn wire_kiosk(&self, with: impl Fn(&dyn Fn(&Rc<Gui>)) + Clone + 'static) {
        self.wire_fuel(with.clone());
        self.wire_kiosk_search(with.clone());
        self.wire_kiosk_receipt(with.clone());
        let ui = self.kiosk_ui();
        let w = with.clone();
        ui.on_touched(move || w(&|g| g.kiosk_touch()));
        let w = with.clone();
        ui.on_toggle_accessible(move || {
            w(&|g| {
                g.kiosk_touch();
                g.kiosk_accessible(!g.kiosk.accessible.get());
            })
        });
        let w = with.clone();
        ui.on_start(move |code| {
            w(&|g| {
                let fuel_only = g.config.kiosk.as_ref().is_some_and(|k| k.fuel_only);
                // An outdoor payment terminal: straight to the pumps, in the language chosen.
                g.send(Command::SetLook { language: Some(code.to_string()), theme: None }, move |g, r| {
                    shown(g, r);
                    if fuel_only {
                        g.kiosk_fuel_screen();
                    }
                });
                g.kiosk.last_touch.set(Some(g.kiosk_now()));
                if fuel_only {
                    return;
                }
                g.kiosk_ui().set_screen("shop".into());
                g.kiosk_render();
            })
        });
        let w = with.clone();
        ui.on_pick_category(move |i| {
            w(&|g| {
                g.kiosk_touch();
                g.kiosk.category.set(i.max(0) as usize);
                g.kiosk_ui().set_search_open(false);
                g.kiosk_ui().set_search("".into());
                g.kiosk_render();
            })
        });
        let w = with.clone();
        ui.on_add(move |sku| {
            w(&|g| {
                g.kiosk_touch();
                g.send(Command::Add { sku: Some(sku.to_string()), plu: None, qty: None }, shown);
            })
        });
        let w = with.clone();
        ui.on_plus(move |l| {
            w(&|g| {
                g.kiosk_touch();
                g.kiosk_step(l, true)
            })
        });
        let w = with.clone();
        ui.on_minus(move |l| {
            w(&|g| {
                g.kiosk_touch();
                g.kiosk_step(l, false)
            })
        });
        let w = with.clone();
        ui.on_pay(move || {
            w(&|g| {
                g.kiosk_touch();
                g.kiosk_ui().set_screen("pay".into());
                let text = format!("{} {}", g.i18n.borrow().tr("kiosk-how-to-pay"), g.kiosk_ui().get_total());
                g.kiosk_say(&text);
            })
        });
        let w = with.clone();
        ui.on_back(move || {
            w(&|g| {
                g.kiosk_touch();
                g.kiosk_ui().set_screen("shop".into())
            })
        });
        let w = with.clone();
        ui.on_card(move || w(&|g| g.send(Command::Tender { method: Method::Card, amount: None }, shown)));
        let w = with.clone();
        ui.on_qr(move || w(&|g| g.send(Command::Tender { method: Method::Qr, amount: None }, shown)));
        let w = with.clone();
        ui.on_cancel(move || {
            w(&|g| {
                g.send(Command::KioskReset, shown);
                g.state.borrow_mut().ticket = None;
                g.kiosk_home();
            })
        });
        let w = with.clone();
        ui.on_call_staff(move || w(&|g| g.send(Command::CallStaff { reason: None }, shown)));
        let w = with.clone();
        ui.on_pin_key(move |k| {
            w(&|g| {
                {
                    let mut pin = g.kiosk.pin.borrow_mut();
                    match k.as_str() {
                        "C" => pin.clear(),
                        "«" => {
                            pin.pop();
                        }
                        d if d.len() == 1 && pin.len() < 8 => pin.push_str(d),
                        _ => {}
                    }
                }
                g.kiosk_render();
            })
        });
        let w = with.clone();
        ui.on_approve(move || w(&|g| g.kiosk_staff(true)));
        let w = with.clone();
        ui.on_refuse(move || w(&|g| g.kiosk_staff(false)));
        let w = with.clone();
        ui.on_more_time(move || {
            w(&|g| {
                g.kiosk.last_touch.set(Some(g.kiosk_now()));
                g.kiosk_ui().set_idle_open(false);
            })
        });
        let w = with.clone();
        ui.on_print_receipt(move || {
            w(&|g| {
                g.send(Command::KioskPrint { receipt_no: None, qr: false }, shown);
                g.kiosk_home();
            })
        });
        let w = with.clone();
        ui.on_no_receipt(move || w(&|g| g.kiosk_home()));
        let w = with.clone();
        ui.on_service_asked(move || {
            w(&|g| {
                g.kiosk.pin.borrow_mut().clear();
                g.kiosk_render();
                g.kiosk_ui().set_service_open(true);
            })
        });
        let w = with.clone();
        ui.on_service_cancel(move || {
            w(&|g| {
                g.kiosk.pin.borrow_mut().clear();
                g.kiosk_ui().set_service_open(false);
            })
        });
        let w = with.clone();
        ui.on_service_ok(move || {
            w(&|g| {
                let pin = std::mem::take(&mut *g.kiosk.pin.borrow_mut());
                g.kiosk_ui().set_service_open(false);
                g.send(Command::ServiceMode { pin }, |g, r| match r {
                    Ok(_) => {
                        g.kiosk.service.set(true);
                        g.shell().set_kiosk_service(true);
                        g.set_page(Page::Sale);
                        g.render_status();
                    }
                    Err(e) => g.show_error(&e),
                });
            })
        });
        let w = with.clone();
        self.shell().on_kiosk_return(move || {
            w(&|g| {
                g.send(Command::ServiceEnd, |g, r| match r {
                    Ok(_) => {
                        g.kiosk.service.set(false);
                        g.shell().set_kiosk_service(false);
                        g.set_page(Page::Kiosk);
                        g.kiosk_home();
                    }
                    Err(e) => g.show_error(&e),
                });
            })
        });
    }
}
