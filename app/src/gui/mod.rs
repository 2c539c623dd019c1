//! The counter screens: a view of the [`Session`], which decides everything.
//!
//! The session runs on a worker thread (it owns the store); the UI thread sends it
//! [`Command`]s and never waits on SQLite. Each command is sent with its continuation, a
//! closure that carries the data of the command it answers and runs on the UI thread with the
//! answer. Every answer first goes through [`Gui::took`]: its effects are carried out by the
//! one effects executor (pumps, printer and drawer, customer display), and what it says of the
//! user, shift, ticket and sale is shown. Tests run the same controller with the session
//! executed inline on the UI thread.

mod card;
mod devices;
mod dialogs;
mod errors;
mod kiosk;
mod kiosk_fuel;
mod kiosk_receipt;
mod kiosk_search;
mod office;
mod office_receipts;
mod office_users;
mod pumps;
mod render;
mod sale;
mod shop;
mod site;
mod start;
mod syncscreen;
mod view;
mod wire;

pub use start::{run, Devices, Options};

use crate::config::Config;
use crate::domain::record::{SaleRecord, TicketRecord};
use crate::domain::users::{Permission, User};
use crate::effects::{Executor, Report};
use crate::i18n::I18n;
use crate::service::{Command, Effect, GradePrice, Outcome, ServiceError, Session, ShiftView};
use rust_decimal::Decimal;
use slint::{ComponentHandle, ModelRc, VecModel};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::mpsc;
use till_ui::{
    DevicesAdapter, ForecourtAdapter, MainWindow, Page, SaleAdapter, Shell, SignInAdapter, SyncAdapter, TenderAdapter,
};

type Job = Box<dyn FnOnce(&mut Session) + Send>;
/// What to do with an answer, on the UI thread.
type Then = Box<dyn FnOnce(&Gui, Result<Outcome, ServiceError>)>;

enum Exec {
    Thread(mpsc::Sender<Job>),
    Inline(Box<RefCell<Session>>),
}

/// A product as the grid shows it.
#[derive(Debug, Clone)]
struct ProductInfo {
    sku: String,
    name: String,
    /// Name and SKU in lower case, for the search (made once, not per key).
    name_lc: String,
    sku_lc: String,
    category: String,
    price: Decimal,
    unit: crate::domain::catalog::Unit,
    restricted: bool,
    codes: Vec<String>,
}

/// What the screens show; nothing here decides anything (the session's answers fill it).
#[derive(Default)]
struct State {
    products: Vec<ProductInfo>,
    categories: Vec<String>,
    users: Vec<User>,
    user: Option<User>,
    permissions: Vec<Permission>,
    shift: Option<ShiftView>,
    ticket: Option<TicketRecord>,
    last_sale: Option<SaleRecord>,
    held: usize,
    unsent: i64,
    pending_qty: Option<Decimal>,
    /// A discount waiting for a manager's PIN.
    pending_discount: Option<Command>,
    /// The age check was asked on the way to payment.
    going_to_pay: bool,
    /// The fuel grades' prices, as the session last answered them.
    grades: Vec<GradePrice>,
    /// Device settings: the ports, and the serial ports found here.
    devices: Vec<crate::store::DeviceSetting>,
    ports: Vec<String>,
    /// The page a manager's screen (devices, sync) goes back to.
    return_page: Option<Page>,
    /// Each pump's state as last drawn (a change asks the session whether a prepay is due).
    pump_states: Vec<crate::devices::forecourt::PumpState>,
    /// The prepayments still to settle, by pump, as the session last answered them.
    prepays: Vec<crate::service::PrepayView>,
    /// Pumps whose fill is paid and whose reset is on the way (the tile says "Paid").
    resetting: Vec<u8>,
    /// Pumps a kiosk of the site holds for pay-at-pump (shown as self-service).
    self_service: Vec<u8>,
    /// The drawer's cash and level as the session last answered it.
    drawer: Option<crate::service::DrawerView>,
}

pub struct Gui {
    window: MainWindow,
    clock: slint::Timer,
    pump_timer: slint::Timer,
    tanks: RefCell<Option<crate::devices::tanks::TankMonitor>>,
    tank_timer: slint::Timer,
    /// Carries out the session's effects at the pumps, the printer and the customer display.
    executor: RefCell<Executor>,
    scale: RefCell<Option<crate::devices::scale::Scale>>,
    scanner: RefCell<Option<crate::devices::scanner::Scanner>>,
    /// The push to the central endpoint, when one is configured; its last status seen.
    sync: RefCell<Option<crate::sync::SyncTask>>,
    sync_seen: RefCell<Option<crate::sync::SyncStatus>>,
    ticks: Cell<u32>,
    /// Reads the devices' health twice a second and redraws the chips when it changed.
    device_timer: slint::Timer,
    device_seen: RefCell<Vec<Option<crate::devices::link::Status>>>,
    reprint_count: Cell<usize>,
    /// What the open confirmation does on "yes".
    confirm: RefCell<Option<dialogs::Confirmed>>,
    /// The card payment the card dialog shows, while there is one.
    card_view: card::CardShown,
    qr_shown: card::QrShown,
    pump_tiles: Rc<VecModel<till_ui::PumpTile>>,
    tank_tiles: Rc<VecModel<till_ui::TankTile>>,
    /// The ticket's lines, updated row by row so that a scan re-creates only what changed.
    lines: Rc<VecModel<till_ui::TicketLine>>,
    config: Config,
    i18n: RefCell<I18n>,
    exec: Exec,
    /// What the devices report after an effect, handled on the UI thread (at once when the
    /// event loop runs, else at the next tick of `report_timer`).
    reports_tx: mpsc::Sender<Report>,
    reports_rx: mpsc::Receiver<Report>,
    report_timer: slint::Timer,
    /// Continuations of commands sent to the worker thread, by reply number.
    replies: RefCell<HashMap<u64, Then>>,
    next_reply: Cell<u64>,
    state: RefCell<State>,
    /// The back office: the notes and coins counted, what its PIN dialog is for, the Z shown.
    office_counts: RefCell<Vec<u32>>,
    office_pin_for: RefCell<Option<office::PinFor>>,
    office_report_z: Cell<Option<i64>>,
    /// The Z waits for the card terminal's end-of-day it asked for.
    office_z_after_card: Cell<bool>,
    kiosk: kiosk::KioskUi,
}

thread_local! {
    static GUI: RefCell<Option<Rc<Gui>>> = const { RefCell::new(None) };
}

/// The window's controller, on the UI thread.
fn me() -> Option<Rc<Gui>> {
    GUI.with(|g| g.borrow().clone())
}

/// Updates a model in place to `rows`: only rows that changed are set (and redrawn), extra rows
/// are removed, new ones pushed.
fn sync_rows<T: Clone + PartialEq + 'static>(model: &VecModel<T>, rows: Vec<T>) {
    use slint::Model;
    while model.row_count() > rows.len() {
        model.remove(model.row_count() - 1);
    }
    for (i, row) in rows.into_iter().enumerate() {
        if i < model.row_count() {
            if model.row_data(i).as_ref() != Some(&row) {
                model.set_row_data(i, row);
            }
        } else {
            model.push(row);
        }
    }
}

/// Runs `f` with the window's controller on the UI thread (from a device's or the service's
/// thread).
pub(crate) fn on_ui(f: impl FnOnce(&Rc<Gui>) + Send + 'static) {
    let _ = slint::invoke_from_event_loop(move || {
        if let Some(gui) = me() {
            f(&gui);
        }
    });
}

/// A code from a serial scanner (called on the scanner's thread): scanned on the UI thread, like
/// the keyboard wedge's.
pub fn scanned(code: String) {
    on_ui(move |gui| gui.scan(&code));
}

/// The default continuation: an error is shown, an answer needs nothing more.
fn shown(gui: &Gui, r: Result<Outcome, ServiceError>) {
    if let Err(e) = r {
        gui.show_error(&e);
    }
}

impl Gui {
    /// Builds the window and wires it. `threaded`: run the session on a worker thread (the
    /// application) or inline (UI tests).
    pub fn new(session: Session, threaded: bool) -> anyhow::Result<Rc<Gui>> {
        let window = MainWindow::new()?;
        let config = session.config().clone();
        let products: Vec<ProductInfo> = session
            .catalog()
            .products()
            .iter()
            .map(|p| ProductInfo {
                sku: p.sku.clone(),
                name: p.name.clone(),
                name_lc: p.name.to_lowercase(),
                sku_lc: p.sku.to_lowercase(),
                category: p.category.clone(),
                price: p.price,
                unit: p.unit,
                restricted: p.age_restriction.is_some(),
                codes: p.barcodes.clone(),
            })
            .collect();
        let mut categories: Vec<String> = Vec::new();
        for p in &products {
            if !categories.contains(&p.category) {
                categories.push(p.category.clone());
            }
        }
        let users = session.users()?;
        let unsent = session.unsent()?;
        let shift = session.current_shift();
        let grades = session.grade_prices();
        let look = session.look();
        let exec = if threaded {
            let (tx, rx) = mpsc::channel::<Job>();
            let mut session = session;
            std::thread::Builder::new().name("till-service".into()).spawn(move || {
                while let Ok(job) = rx.recv() {
                    job(&mut session);
                    session.idle();
                }
            })?;
            Exec::Thread(tx)
        } else {
            Exec::Inline(Box::new(RefCell::new(session)))
        };
        let lines = Rc::new(VecModel::default());
        window.global::<SaleAdapter>().set_lines(ModelRc::from(lines.clone()));
        let pump_tiles = Rc::new(VecModel::default());
        window.global::<ForecourtAdapter>().set_pumps(ModelRc::from(pump_tiles.clone()));
        let tank_tiles = Rc::new(VecModel::default());
        window.global::<ForecourtAdapter>().set_tanks(ModelRc::from(tank_tiles.clone()));
        let (reports_tx, reports_rx) = mpsc::channel();
        let gui = Rc::new(Gui {
            window,
            clock: slint::Timer::default(),
            pump_timer: slint::Timer::default(),
            tanks: RefCell::new(None),
            tank_timer: slint::Timer::default(),
            executor: RefCell::new(Executor::default()),
            scale: RefCell::new(None),
            scanner: RefCell::new(None),
            sync: RefCell::new(None),
            sync_seen: RefCell::new(None),
            ticks: Cell::new(0),
            device_timer: slint::Timer::default(),
            device_seen: RefCell::new(Vec::new()),
            reprint_count: Cell::new(0),
            confirm: RefCell::new(None),
            card_view: RefCell::new(None),
            qr_shown: RefCell::new(None),
            pump_tiles,
            tank_tiles,
            lines,
            config,
            i18n: RefCell::new(I18n::new()?),
            exec,
            reports_tx,
            reports_rx,
            report_timer: slint::Timer::default(),
            replies: RefCell::new(HashMap::new()),
            next_reply: Cell::new(0),
            state: RefCell::new(State { products, categories, users, unsent, shift, grades, ..State::default() }),
            office_counts: RefCell::new(Vec::new()),
            office_pin_for: RefCell::new(None),
            office_report_z: Cell::new(None),
            office_z_after_card: Cell::new(false),
            kiosk: kiosk::KioskUi::default(),
        });
        GUI.with(|g| *g.borrow_mut() = Some(gui.clone()));
        gui.wire();
        let weak = Rc::downgrade(&gui);
        gui.report_timer.start(slint::TimerMode::Repeated, std::time::Duration::from_millis(100), move || {
            if let Some(g) = weak.upgrade() {
                g.drain_reports();
            }
        });
        gui.refresh_all();
        // The terminal's remembered look (else the configuration's).
        gui.apply_look(&look);
        Ok(gui)
    }

    pub fn window(&self) -> &MainWindow {
        &self.window
    }

    /// Attaches every device the window works with.
    pub fn attach(self: &Rc<Self>, devices: Devices) {
        if let Some(f) = devices.forecourt {
            self.attach_forecourt(f);
        }
        if let Some(t) = devices.tanks {
            self.attach_tanks(t);
        }
        if let Some(p) = devices.printer {
            self.attach_printer(p);
        }
        if let Some(d) = devices.display {
            self.attach_display(d);
        }
        if let Some(s) = devices.scale {
            self.attach_scale(s);
        }
        if let Some(p) = devices.scanner {
            self.attach_scanner(p);
        }
        if let Some(s) = devices.sync {
            self.attach_sync(s);
        }
        if let Some(q) = devices.qr {
            self.executor.borrow_mut().qr = Some(q);
        }
        if let Some(c) = devices.card {
            self.executor.borrow_mut().card = Some(c);
            self.watch_devices();
        }
        if let Some(s) = devices.site {
            self.attach_site(s);
        }
    }

    // Each screen's adapter global (its contract with its `.slint` page).
    fn shell(&self) -> Shell<'_> {
        self.window.global::<Shell>()
    }

    fn signin(&self) -> SignInAdapter<'_> {
        self.window.global::<SignInAdapter>()
    }

    fn sale_ui(&self) -> SaleAdapter<'_> {
        self.window.global::<SaleAdapter>()
    }

    fn forecourt_ui(&self) -> ForecourtAdapter<'_> {
        self.window.global::<ForecourtAdapter>()
    }

    fn tender_ui(&self) -> TenderAdapter<'_> {
        self.window.global::<TenderAdapter>()
    }

    fn devices_ui(&self) -> DevicesAdapter<'_> {
        self.window.global::<DevicesAdapter>()
    }

    fn sync_ui(&self) -> SyncAdapter<'_> {
        self.window.global::<SyncAdapter>()
    }

    /// Sends a command to the session; `then` gets the answer on the UI thread, after
    /// [`Gui::took`] has carried out its effects and shown it.
    fn send(&self, cmd: Command, then: impl FnOnce(&Gui, Result<Outcome, ServiceError>) + 'static) {
        self.call(move |s| s.execute(cmd), then);
    }

    /// Runs `f` on the session (on its thread) and `then` with its answer on the UI thread.
    fn call(
        &self,
        f: impl FnOnce(&mut Session) -> Result<Outcome, ServiceError> + Send + 'static,
        then: impl FnOnce(&Gui, Result<Outcome, ServiceError>) + 'static,
    ) {
        match &self.exec {
            Exec::Inline(session) => {
                let (reply, unsent) = {
                    let mut s = session.borrow_mut();
                    let reply = f(&mut s);
                    (reply, s.unsent().ok())
                };
                self.answer(reply, unsent, Box::new(then));
            }
            Exec::Thread(tx) => {
                let id = self.next_reply.get().wrapping_add(1);
                self.next_reply.set(id);
                self.replies.borrow_mut().insert(id, Box::new(then));
                self.shell().set_busy(true);
                let job: Job = Box::new(move |session: &mut Session| {
                    let reply = f(session);
                    let unsent = session.unsent().ok();
                    on_ui(move |gui| {
                        let then = gui.replies.borrow_mut().remove(&id);
                        gui.shell().set_busy(!gui.replies.borrow().is_empty());
                        if let Some(then) = then {
                            gui.answer(reply, unsent, then);
                        }
                    });
                });
                if tx.send(job).is_err() {
                    self.replies.borrow_mut().remove(&id);
                    self.show_message("error-save", true);
                }
            }
        }
    }

    fn answer(&self, reply: Result<Outcome, ServiceError>, unsent: Option<i64>, then: Then) {
        if let Some(n) = unsent {
            let before = std::mem::replace(&mut self.state.borrow_mut().unsent, n);
            // Something new in the outbox: send it now rather than at the next interval.
            if n > before {
                if let Some(s) = self.sync.borrow().as_ref() {
                    s.nudge();
                }
            }
        }
        if let Ok(out) = &reply {
            self.took(out);
        }
        let look_again = reply.is_err() && self.config.kiosk.is_some() && !self.kiosk.service.get();
        then(self, reply);
        self.kiosk_look_again(look_again);
        self.render_status();
    }

    /// Carries out an answer's effects and shows what it says.
    fn took(&self, out: &Outcome) {
        let tx = self.reports_tx.clone();
        self.executor.borrow().run(out, &self.config, &self.i18n.borrow(), move |r| {
            let _ = tx.send(r);
            on_ui(|g| g.drain_reports());
        });
        {
            let mut st = self.state.borrow_mut();
            // Who is signed in changes with a sign-in or a handover (they answer permissions); a
            // user just added is answered as `user` too, and signs nobody in.
            if let (Some(u), Some(p)) = (&out.user, &out.permissions) {
                st.user = Some(u.clone());
                st.permissions = p.clone();
            }
            if let Some(s) = &out.shift {
                st.shift = Some(s.clone());
            }
            if let Some(n) = out.held {
                st.held = n;
            }
            if let Some(g) = &out.grades {
                st.grades = g.clone();
            }
            if let Some(list) = &out.prepays {
                st.prepays = list.clone();
            }
            if let Some(d) = &out.drawer {
                st.drawer = Some(d.clone());
            }
        }
        if out.drawer.as_ref().is_some_and(|d| d.level != crate::domain::cash::DrawerLevel::Ok) && out.sale.is_some() {
            let key = match out.drawer.as_ref().map(|d| d.level) {
                Some(crate::domain::cash::DrawerLevel::Blocked) => "office-level-blocked",
                _ => "office-level-warn",
            };
            self.show_message(key, true);
        }
        if let Some(look) = &out.look {
            self.apply_look(look);
        }
        if out.card.is_some() {
            self.show_card(out);
        }
        if let Some(list) = &out.reprints {
            self.reprint_count.set(list.len());
        }
        if let Some(t) = &out.ticket {
            self.state.borrow_mut().ticket = Some(t.clone());
            self.render_ticket();
            if self.shell().get_page() == Page::Tender {
                self.render_tender();
            }
        }
        if self.config.kiosk.is_some() && !self.kiosk.service.get() {
            return self.kiosk_took(out);
        }
        // A sale just stored prints its receipt; a sale only looked up (find_sale) does not.
        let stored = out.effects.iter().any(|e| matches!(e, Effect::PrintReceipt { copy: false, .. }));
        if let Some(sale) = out.sale.as_ref().filter(|_| stored) {
            {
                let mut st = self.state.borrow_mut();
                st.last_sale = Some(sale.clone());
                st.ticket = None;
            }
            self.render_ticket();
            self.render_receipt();
            self.set_page(Page::Receipt);
        }
        for s in out.settled.iter().flatten() {
            self.show_settled(s);
        }
        for e in &out.effects {
            match e {
                Effect::AskAge { age } => self.ask_age(*age),
                Effect::StartTender => self.set_page(Page::Tender),
                Effect::ResetPump { pump } => self.state.borrow_mut().resetting.push(*pump),
                _ => {}
            }
        }
    }

    /// Handles what the devices have reported since the last look.
    pub fn drain_reports(&self) {
        while let Ok(r) = self.reports_rx.try_recv() {
            self.reported(r);
        }
    }

    /// What a device answered: shown, and the command the session wants next sent.
    fn reported(&self, r: Report) {
        if self.card_reported(&r) || self.card_day_for_z(&r) || self.site_reported(&r) || self.fuel_reported(&r) {
            return;
        }
        if let Report::NotPrinted { receipt_no, reason, .. } = &r {
            let i18n = self.i18n.borrow();
            let shown_reason = i18n.tr(&format!("printer-{reason}"));
            let text =
                i18n.tr_args("printer-not-printed", &[("no", (*receipt_no).into()), ("reason", shown_reason.into())]);
            drop(i18n);
            self.show_text(text, true);
        }
        if let Some(cmd) = crate::effects::follow_up(&r) {
            // Follow-ups are the session's bookkeeping; an error is logged, not shown.
            self.send(cmd, |g, r| match r {
                Ok(_) => g.render_status(),
                Err(e) => tracing::warn!("after a device report: {e}"),
            });
        }
    }

    fn show_error(&self, e: &ServiceError) {
        let text = errors::error_text(&self.i18n.borrow(), &self.config.pricing.currency, e);
        self.show_text(text, true);
    }

    fn show_message(&self, key: &str, error: bool) {
        let text = self.i18n.borrow().tr(key);
        self.show_text(text, error);
    }

    fn show_text(&self, text: String, error: bool) {
        self.shell().set_message(text.into());
        self.shell().set_message_error(error);
    }

    fn clear_message(&self) {
        self.shell().set_message("".into());
    }

    fn set_page(&self, page: Page) {
        self.shell().set_page(page);
        self.sale_ui().set_entry("".into());
        if page == Page::Tender {
            self.render_tender();
        }
    }

    /// Shows a manager's screen, remembering the page to go back to; false if it was showing.
    fn enter_screen(&self, page: Page) -> bool {
        let current = self.shell().get_page();
        if current == page {
            return false;
        }
        self.state.borrow_mut().return_page = Some(current);
        self.set_page(page);
        true
    }

    /// Back from a manager's screen to where it was opened.
    fn leave_screen(&self) {
        let back = self.state.borrow_mut().return_page.take();
        self.set_page(back.unwrap_or(Page::Login));
    }
}
