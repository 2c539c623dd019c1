//! The counter screens' controller: wires `till_ui::MainWindow` to a [`Session`].
//!
//! The session runs on a worker thread (it owns the store); the UI thread sends it
//! [`Command`]s and never waits on SQLite. Each answer comes back to the UI thread with an
//! [`After`] that says what to do with it. Tests run the same controller with the session
//! executed inline on the UI thread.

mod devices;
mod syncscreen;
mod view;

use crate::config::Config;
use crate::domain::money::Dec;
use crate::domain::record::{SaleRecord, TicketRecord};
use crate::domain::ticket::Method;
use crate::domain::users::User;
use crate::i18n::{I18n, LANGUAGES};
use crate::service::{Command, Outcome, ServiceError, Session, ShiftView};
use rust_decimal::Decimal;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::mpsc;
use till_ui::{Api, Language, MainWindow, Strings, Theme, UserTile};

/// What to do with an answer once it is back on the UI thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    Login,
    Logout,
    Shift,
    CloseShift,
    /// Ticket changed; `ask_age`: prompt for an age check if one is now needed.
    Ticket {
        ask_age: bool,
    },
    /// The age was confirmed on the way to payment.
    AgeThenPay,
    Tender,
    Discount,
    /// A pump's fill was put on the ticket (or refused).
    PumpFill(u8),
    /// Nothing to show: a journal entry was written.
    Quiet,
    /// A prepaid filling was settled at this pump.
    Settled(u8),
    /// A drive-off or pump test was recorded at this pump: reset it.
    Recorded(u8),
    /// A fuel price was changed: send it to the pumps.
    PriceSet,
    /// The reprint queue came back.
    Reprints,
    /// A "no sale" was journaled: open the drawer.
    NoSale,
    /// Print the queued receipts.
    ReprintAll,
    /// A code was scanned: like `Ticket { ask_age: true }`, and a refused code beeps.
    Scanned,
    /// The device list came back: show the device settings screen.
    Devices,
    /// A device's port was stored: reopen it.
    DeviceSet,
    /// A device test was journaled: run it.
    DeviceTest,
    /// Prices came into force: show them, send fuel prices to the pumps.
    Prices,
    /// The parked events came back: show the sync screen.
    Parked,
    /// The parked events came back for a screen that may have been left meanwhile.
    ParkedRefresh,
    /// Parked events were queued again: list them, and send at once.
    Retried,
}

type Job = Box<dyn FnOnce(&mut Session) + Send>;

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

#[derive(Default)]
struct State {
    products: Vec<ProductInfo>,
    categories: Vec<String>,
    users: Vec<User>,
    user: Option<User>,
    shift: Option<ShiftView>,
    ticket: Option<TicketRecord>,
    last_sale: Option<SaleRecord>,
    held: usize,
    unsent: i64,
    pending_qty: Option<Decimal>,
    pending_discount: Option<Command>,
    going_to_pay: bool,
    /// Pumps whose completed fill is on the open ticket: reset once the sale is stored.
    pumps_in_ticket: Vec<u8>,
    /// Prepaid pumps and their prepay receipt: settled when the filling completes.
    prepaid: Vec<(u8, i64)>,
    /// Fuel grades with their current prices (code, name, price per litre).
    grades: Vec<(String, String, Decimal)>,
    /// Device settings: the ports, the serial ports found here, an Apply and a test on their way.
    devices: Vec<crate::store::DeviceSetting>,
    ports: Vec<String>,
    /// The page a manager's screen (devices, sync) goes back to.
    return_page: String,
    pending_device: Option<crate::store::DeviceSetting>,
    pending_test: Option<(String, String)>,
}

pub struct Gui {
    window: MainWindow,
    clock: slint::Timer,
    /// The forecourt, when pumps are configured (or simulated in demo mode).
    forecourt: RefCell<Option<crate::forecourt::Forecourt>>,
    pump_timer: slint::Timer,
    totals_timer: slint::Timer,
    tanks: RefCell<Option<crate::tanks::TankMonitor>>,
    tank_timer: slint::Timer,
    printer: RefCell<Option<crate::printer::Printer>>,
    display: RefCell<Option<crate::display::CustomerDisplay>>,
    scale: RefCell<Option<crate::scale::Scale>>,
    scanner: RefCell<Option<crate::scanner::Scanner>>,
    /// The push to the central endpoint, when one is configured; its last status seen.
    sync: RefCell<Option<crate::sync::SyncTask>>,
    sync_seen: RefCell<Option<crate::sync::SyncStatus>>,
    ticks: std::cell::Cell<u32>,
    /// Reads the devices' health twice a second and redraws the chips when it changed.
    device_timer: slint::Timer,
    device_seen: RefCell<Vec<Option<crate::link::Status>>>,
    reprint_count: std::cell::Cell<usize>,
    pump_tiles: Rc<VecModel<till_ui::PumpTile>>,
    tank_tiles: Rc<VecModel<till_ui::TankTile>>,
    /// The ticket's lines, updated row by row so that a scan re-creates only what changed.
    lines: Rc<VecModel<till_ui::TicketLine>>,
    config: Config,
    i18n: RefCell<I18n>,
    exec: Exec,
    state: RefCell<State>,
}

thread_local! {
    static GUI: RefCell<Option<Rc<Gui>>> = const { RefCell::new(None) };
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

/// How a pump state looks: the tile's kind, its message key and its icon.
fn pump_look(state: &crate::forecourt::PumpState) -> (i32, &'static str, &'static str) {
    use crate::forecourt::PumpState as P;
    match state {
        P::Offline => (0, "pump-offline", "✕"),
        P::Idle => (1, "pump-idle", "○"),
        P::Calling => (2, "pump-calling", "!"),
        P::Authorized => (3, "pump-authorized", "▶"),
        P::Filling => (4, "pump-filling", "●"),
        P::Completed => (5, "pump-completed", "■"),
        P::Stopped => (6, "pump-stopped", "‖"),
        P::Error => (7, "pump-error", "⚠"),
    }
}

/// The shop devices, in the order `device_health` reports them.
const DEVICES: [&str; 4] = ["printer", "display", "scale", "scanner"];

/// Runs `f` with the window's controller on the UI thread (from a device's or the service's
/// thread).
pub(crate) fn on_ui(f: impl FnOnce(&Rc<Gui>) + Send + 'static) {
    let _ = slint::invoke_from_event_loop(move || {
        GUI.with(|g| {
            if let Some(gui) = g.borrow().as_ref() {
                f(gui);
            }
        })
    });
}

/// A code from a serial scanner (called on the scanner's thread): scanned on the UI thread, like
/// the keyboard wedge's.
pub fn scanned(code: String) {
    on_ui(move |gui| gui.scan(&code));
}

/// Waits (off the UI thread) for the printer's real answer to a job: no timeout of our own, so
/// a receipt that is still printing is never queued for a reprint as well.
fn print_outcome(rx: mpsc::Receiver<crate::printer::PrintResult>) -> crate::printer::PrintResult {
    rx.recv().unwrap_or(crate::printer::PrintResult::Failed("offline".into()))
}

/// Waits (off the UI thread) for the scale's stable weight, at most 10 s.
fn weigh_outcome(
    rx: mpsc::Receiver<Result<Decimal, crate::scale::WeighError>>,
) -> Result<Decimal, crate::scale::WeighError> {
    rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap_or(Err(crate::scale::WeighError::NoAnswer))
}

/// How `till` shows its window.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub fullscreen: bool,
    /// Exit 0 after the first frame, printing `first_frame_ms=N` (start-up benchmark).
    pub exit_after_first_frame: bool,
}

/// The devices the window works with; any may be missing.
#[derive(Default)]
pub struct Devices {
    pub forecourt: Option<crate::forecourt::Forecourt>,
    pub tanks: Option<crate::tanks::TankMonitor>,
    pub printer: Option<crate::printer::Printer>,
    pub display: Option<crate::display::CustomerDisplay>,
    pub scale: Option<crate::scale::Scale>,
    pub scanner: Option<crate::scanner::Scanner>,
    pub sync: Option<crate::sync::SyncTask>,
}

/// Opens the window on the platform's backend and runs until it is closed.
pub fn run(session: Session, devices: Devices, options: Options, started: std::time::Instant) -> anyhow::Result<()> {
    let gui = Gui::new(session, true)?;
    if let Some(f) = devices.forecourt {
        gui.attach_forecourt(f);
    }
    if let Some(t) = devices.tanks {
        gui.attach_tanks(t);
    }
    if let Some(p) = devices.printer {
        gui.attach_printer(p);
    }
    if let Some(d) = devices.display {
        gui.attach_display(d);
    }
    if let Some(s) = devices.scale {
        gui.attach_scale(s);
    }
    if let Some(p) = devices.scanner {
        gui.attach_scanner(p);
    }
    if let Some(s) = devices.sync {
        gui.attach_sync(s);
    }
    let window = gui.window.clone_strong();
    if options.fullscreen {
        window.window().set_fullscreen(true);
    }
    if options.exit_after_first_frame {
        let notified = window.window().set_rendering_notifier(move |state, _| {
            if matches!(state, slint::RenderingState::AfterRendering) {
                println!("first_frame_ms={}", started.elapsed().as_millis());
                let _ = slint::quit_event_loop();
            }
        });
        if notified.is_err() {
            // The software renderer has no rendering notifier (Slint 1.18). The window's first
            // redraw is handled in the event loop's first turn; ask for another and report on
            // the second turn, so the number is an upper bound of the first frame.
            let w = window.as_weak();
            slint::Timer::single_shot(std::time::Duration::ZERO, move || {
                if let Some(w) = w.upgrade() {
                    w.window().request_redraw();
                }
                slint::Timer::single_shot(std::time::Duration::ZERO, move || {
                    println!("first_frame_ms={}", started.elapsed().as_millis());
                    let _ = slint::quit_event_loop();
                });
            });
        }
    }
    window.run()?;
    Ok(())
}

impl Gui {
    /// Builds the window and wires it. `threaded`: run the session on a worker thread (the
    /// application) or inline (UI tests).
    pub fn new(session: Session, threaded: bool) -> anyhow::Result<Rc<Gui>> {
        let window = MainWindow::new()?;
        let config = session.config().clone();
        let grades = config.fuel_grades.iter().map(|g| (g.code.clone(), g.name.clone(), g.price_per_litre)).collect();
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
        window.global::<Api>().set_lines(ModelRc::from(lines.clone()));
        let pump_tiles = Rc::new(VecModel::default());
        window.global::<Api>().set_pumps(ModelRc::from(pump_tiles.clone()));
        let tank_tiles = Rc::new(VecModel::default());
        window.global::<Api>().set_tanks(ModelRc::from(tank_tiles.clone()));
        let gui = Rc::new(Gui {
            window,
            clock: slint::Timer::default(),
            forecourt: RefCell::new(None),
            pump_timer: slint::Timer::default(),
            totals_timer: slint::Timer::default(),
            tanks: RefCell::new(None),
            tank_timer: slint::Timer::default(),
            printer: RefCell::new(None),
            display: RefCell::new(None),
            scale: RefCell::new(None),
            scanner: RefCell::new(None),
            sync: RefCell::new(None),
            sync_seen: RefCell::new(None),
            ticks: std::cell::Cell::new(0),
            device_timer: slint::Timer::default(),
            device_seen: RefCell::new(Vec::new()),
            reprint_count: std::cell::Cell::new(0),
            pump_tiles,
            tank_tiles,
            lines,
            config,
            i18n: RefCell::new(I18n::new()?),
            exec,
            state: RefCell::new(State { products, categories, users, unsent, shift, grades, ..State::default() }),
        });
        GUI.with(|g| *g.borrow_mut() = Some(gui.clone()));
        gui.wire();
        gui.refresh_all();
        Ok(gui)
    }

    pub fn window(&self) -> &MainWindow {
        &self.window
    }

    /// Shows the pumps and lets the cashier work them. The forecourt tells the window when a
    /// pump changes; the tiles are then refreshed from its snapshot (a lock, no I/O on the UI
    /// thread).
    pub fn attach_forecourt(self: &Rc<Self>, forecourt: crate::forecourt::Forecourt) {
        // A change at a pump is drawn on the next turn of the event loop, not at the next tick.
        forecourt.on_change(|| on_ui(|gui| gui.render_pumps()));
        *self.forecourt.borrow_mut() = Some(forecourt);
        let weak = Rc::downgrade(self);
        // A slow safety net besides the change notifications.
        self.pump_timer.start(slint::TimerMode::Repeated, std::time::Duration::from_secs(1), move || {
            if let Some(g) = weak.upgrade() {
                g.render_pumps();
            }
        });
        self.render_pumps();
    }

    /// A serial scanner (made with [`scanned`] as its callback): its codes go where the keyboard
    /// wedge's go.
    pub fn attach_scanner(self: &Rc<Self>, scanner: crate::scanner::Scanner) {
        *self.scanner.borrow_mut() = Some(scanner);
        self.watch_devices();
    }

    /// Starts reading the devices' health (idempotent).
    fn watch_devices(self: &Rc<Self>) {
        if self.device_timer.running() {
            return;
        }
        let weak = Rc::downgrade(self);
        self.device_timer.start(slint::TimerMode::Repeated, std::time::Duration::from_millis(500), move || {
            if let Some(g) = weak.upgrade() {
                g.check_devices();
            }
        });
    }

    /// Shows a manager's screen, remembering the page to go back to; false if it was showing.
    fn enter_screen(&self, page: &str) -> bool {
        let current = self.api().get_page().to_string();
        if current == page {
            return false;
        }
        self.state.borrow_mut().return_page = current;
        self.set_page(page);
        true
    }

    /// Back from a manager's screen to where it was opened.
    fn leave_screen(&self) {
        let back = std::mem::take(&mut self.state.borrow_mut().return_page);
        self.set_page(if back.is_empty() { "login" } else { &back });
    }

    /// The health of the devices in `DEVICES` order (`None`: not attached).
    fn device_health(&self) -> Vec<Option<crate::link::Status>> {
        vec![
            self.printer.borrow().as_ref().map(|p| p.health.get()),
            self.display.borrow().as_ref().map(|d| d.health.get()),
            self.scale.borrow().as_ref().map(|s| s.health.get()),
            self.scanner.borrow().as_ref().map(|s| s.health.get()),
        ]
    }

    /// Pushes to the central endpoint in the background; the chip shows how it goes.
    pub fn attach_sync(self: &Rc<Self>, sync: crate::sync::SyncTask) {
        *self.sync.borrow_mut() = Some(sync);
        self.watch_devices();
        self.send(Command::ApplyPrices, After::Prices);
    }

    /// Reads the sync's status: redraws the chip when it changed, applies a new price book.
    pub fn check_sync(&self) {
        let Some(now) = self.sync.borrow().as_ref().map(|s| s.status()) else { return };
        let before = self.sync_seen.borrow().clone();
        if before.as_ref() != Some(&now) {
            let new_book = before.as_ref().map(|b| b.pricebooks) != Some(now.pricebooks) && now.pricebooks > 0;
            *self.sync_seen.borrow_mut() = Some(now);
            self.render_status();
            if self.api().get_page() == "sync" {
                self.send(Command::Parked, After::ParkedRefresh);
            }
            if new_book {
                self.send(Command::ApplyPrices, After::Prices);
            }
        }
        // Scheduled prices come into force by the clock: look every 30 s.
        self.ticks.set(self.ticks.get().wrapping_add(1));
        if self.ticks.get().is_multiple_of(60) {
            self.send(Command::ApplyPrices, After::Prices);
        }
    }

    /// Redraws the chips when a device's health changed.
    pub fn check_devices(&self) {
        self.check_sync();
        let now = self.device_health();
        if *self.device_seen.borrow() != now {
            *self.device_seen.borrow_mut() = now;
            self.render_status();
            self.render_devices();
        }
    }

    /// Weighs items sold by the kilogram.
    pub fn attach_scale(self: &Rc<Self>, scale: crate::scale::Scale) {
        *self.scale.borrow_mut() = Some(scale);
        self.watch_devices();
    }

    /// Asks the scale for a stable weight for `sku`; the item is added when it comes.
    fn weigh_and_add(&self, sku: &str, name: &str, scale: crate::scale::Scale) {
        let text = self.i18n.borrow().tr_args("scale-weighing", &[("name", name.to_string().into())]);
        self.show_text(text, false);
        let rx = scale.weigh();
        let sku = sku.to_string();
        std::thread::spawn(move || {
            let result = weigh_outcome(rx);
            on_ui(move |gui| gui.weighed(&sku, result));
        });
    }

    /// The scale's answer: the item with its weight, or why there is none.
    pub fn weighed(&self, sku: &str, result: Result<Decimal, crate::scale::WeighError>) {
        match result {
            Ok(kg) => {
                self.clear_message();
                self.send(
                    Command::Add { sku: Some(sku.to_string()), plu: None, qty: Some(Dec(kg)) },
                    After::Ticket { ask_age: true },
                );
            }
            Err(e) => self.show_message(view::weigh_error_key(&e), true),
        }
    }

    /// Shows the customer what happens: items, totals, the change, a welcome.
    pub fn attach_display(self: &Rc<Self>, display: crate::display::CustomerDisplay) {
        display.show(crate::display::welcome_frame(&self.i18n.borrow(), &self.config.store.name));
        *self.display.borrow_mut() = Some(display);
        self.watch_devices();
    }

    fn customer_sees(&self, frame: crate::display::Frame) {
        if let Some(d) = self.display.borrow().as_ref() {
            d.show(frame);
        }
    }

    /// Prints receipts (and opens the drawer on cash) after each sale.
    pub fn attach_printer(self: &Rc<Self>, printer: crate::printer::Printer) {
        *self.printer.borrow_mut() = Some(printer);
        self.watch_devices();
        self.send(Command::Reprints, After::Reprints);
        self.render_status();
    }

    /// Prints a stored sale; a receipt that does not print goes to the reprint queue.
    fn print_sale(&self, sale: &SaleRecord, kick: bool, queue_id: Option<i64>) {
        let Some(printer) = self.printer.borrow().clone() else { return };
        let job = crate::printer::receipt_job(
            sale,
            &self.config.store,
            &self.i18n.borrow(),
            &self.config.pricing.currency,
            crate::receipt::WIDTH_80MM,
            kick,
        );
        let rx = printer.submit(job.bytes().to_vec());
        let receipt_no = sale.receipt_no;
        // The answer comes from the printer thread; the UI never waits for it.
        std::thread::spawn(move || {
            let result = print_outcome(rx);
            on_ui(move |gui| gui.printed(receipt_no, queue_id, result));
        });
    }

    fn printed(&self, receipt_no: i64, queue_id: Option<i64>, result: crate::printer::PrintResult) {
        use crate::printer::PrintResult;
        match result {
            PrintResult::Printed => {
                if let Some(id) = queue_id {
                    self.send(Command::Reprinted { id }, After::Reprints);
                }
            }
            PrintResult::Failed(reason) => {
                let shown = self.i18n.borrow().tr(&format!("printer-{reason}"));
                let text = self
                    .i18n
                    .borrow()
                    .tr_args("printer-not-printed", &[("no", receipt_no.into()), ("reason", shown.into())]);
                self.show_text(text, true);
                if queue_id.is_none() {
                    self.send(Command::QueueReprint { receipt_no, reason }, After::Reprints);
                }
            }
        }
        self.render_status();
    }

    /// Shows the tanks on the forecourt screen, refreshed every few seconds.
    pub fn attach_tanks(self: &Rc<Self>, tanks: crate::tanks::TankMonitor) {
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
        let api = self.api();
        let Some(monitor) = self.tanks.borrow().clone() else {
            api.set_tank_message(i18n.tr("tank-none").into());
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
        api.set_tank_message(state.error.unwrap_or_default().into());
    }

    /// Refreshes the pump tiles now (also called by the timer).
    pub fn render_pumps(&self) {
        use crate::forecourt::PumpState as P;
        let Some(f) = self.forecourt.borrow().clone() else { return };
        let pumps = f.pumps();
        let i18n = self.i18n.borrow();
        let fmt = i18n.format();
        let cur = &self.config.pricing.currency;
        let tiles: Vec<till_ui::PumpTile> = pumps
            .iter()
            .map(|p| {
                let (kind, key, icon) = pump_look(&p.state);
                let busy = !p.amount.is_zero() && matches!(p.state, P::Filling | P::Completed | P::Stopped);
                till_ui::PumpTile {
                    number: i32::from(p.number),
                    label: i18n.tr_args("pump-label", &[("n", p.number.into())]).into(),
                    more: i18n.tr_args("pump-more", &[("n", p.number.into())]).into(),
                    state: i18n.tr(key).into(),
                    icon: icon.into(),
                    kind,
                    grade: p.grade.clone().filter(|_| busy || kind == 2).unwrap_or_default().into(),
                    amount: if busy { fmt.money(p.amount, cur).into() } else { SharedString::new() },
                    volume: if busy { format!("{} l", fmt.number(p.volume, 2)).into() } else { SharedString::new() },
                }
            })
            .collect();
        sync_rows(&self.pump_tiles, tiles);
        // A prepaid filling that has completed is settled by itself.
        let settle: Vec<(u8, i64, crate::forecourt::PumpView)> = {
            let mut st = self.state.borrow_mut();
            let done: Vec<_> = pumps
                .iter()
                .filter(|p| p.state == P::Completed)
                .filter_map(|p| st.prepaid.iter().find(|(n, _)| *n == p.number).map(|(n, r)| (*n, *r, p.clone())))
                .collect();
            st.prepaid.retain(|(n, _)| !done.iter().any(|(d, _, _)| d == n));
            done
        };
        let offline = pumps.iter().filter(|p| p.state == P::Offline).count();
        let api = self.api();
        let (text, state) = if offline == 0 {
            (format!("{} ✓", pumps.len()), 1)
        } else {
            (
                format!("{offline}/{} {}", pumps.len(), i18n.tr("pump-offline")),
                if offline == pumps.len() { 3 } else { 2 },
            )
        };
        if api.get_pumps_chip() != text.as_str() {
            api.set_pumps_chip(text.into());
            api.set_pumps_state(state);
        }
        drop(i18n);
        for (pump, receipt_no, v) in settle {
            let Some(grade) = v.grade.clone() else { continue };
            self.send(
                Command::SettlePrepay { receipt_no, pump, grade, litres: Dec(v.volume), amount: Dec(v.amount) },
                After::Settled(pump),
            );
        }
    }

    fn open_prices(&self) {
        let allowed =
            self.state.borrow().user.as_ref().is_some_and(|u| {
                self.config.role_policy(u.role).allows(crate::domain::users::Permission::ManageCatalog)
            });
        if !allowed {
            self.show_message("error-not-permitted", true);
            return;
        }
        self.render_grade_prices();
        let api = self.api();
        api.set_price_grade("".into());
        api.set_price_entry("".into());
        self.render_price_entry();
        api.set_price_dialog(true);
    }

    fn render_grade_prices(&self) {
        let f = self.i18n.borrow().format();
        let rows: Vec<till_ui::GradePrice> = self
            .state
            .borrow()
            .grades
            .iter()
            .map(|(code, name, price)| till_ui::GradePrice {
                code: code.into(),
                name: name.into(),
                price: f.number(*price, 3).into(),
            })
            .collect();
        self.api().set_grade_prices(ModelRc::new(VecModel::from(rows)));
    }

    /// Keyed digits are thousandths: 1779 is 1.779 per litre.
    fn keyed_price(&self) -> Option<Decimal> {
        self.api().get_price_entry().parse::<i64>().ok().map(|d| Decimal::new(d, 3))
    }

    fn render_price_entry(&self) {
        let text = self.keyed_price().map(|p| self.i18n.borrow().format().number(p, 3)).unwrap_or_default();
        self.api().set_price_entry_text(text.into());
    }

    fn price_send(&self) {
        let api = self.api();
        let grade = api.get_price_grade().to_string();
        let Some(price) = self.keyed_price().filter(|p| !p.is_zero()) else { return };
        api.set_price_dialog(false);
        self.send(Command::SetFuelPrice { grade, price: Dec(price) }, After::PriceSet);
    }

    /// Opens the pump menu with the actions that fit the pump's state.
    fn pump_more(&self, number: u8) {
        use crate::forecourt::PumpState as P;
        let Some(f) = self.forecourt.borrow().clone() else { return };
        let Some(p) = f.pump(number) else { return };
        let i18n = self.i18n.borrow();
        let action = |id: &str, primary: bool, danger: bool| till_ui::PumpAction {
            id: id.into(),
            label: i18n.tr(&format!("pump-action-{id}")).into(),
            primary,
            danger,
        };
        let actions = match p.state {
            P::Idle | P::Calling => {
                vec![
                    action("authorize", true, false),
                    action("authorize-volume", false, false),
                    action("prepay", false, false),
                ]
            }
            P::Authorized | P::Filling => vec![action("stop", false, true)],
            P::Completed => {
                vec![action("add", true, false), action("drive-off", false, true), action("pump-test", false, false)]
            }
            P::Stopped => vec![action("resume", true, false)],
            P::Offline | P::Error => vec![],
        };
        let (_, state_key, _) = pump_look(&p.state);
        let title = format!("{} · {}", i18n.tr_args("pump-label", &[("n", number.into())]), i18n.tr(state_key));
        let api = self.api();
        api.set_pump_menu_title(title.into());
        api.set_pump_actions(ModelRc::new(VecModel::from(actions)));
        api.set_pump_menu(i32::from(number));
    }

    fn pump_action(&self, id: &str) {
        use crate::forecourt::{ForecourtCmd, Preset};
        let api = self.api();
        let number = api.get_pump_menu().clamp(0, 255) as u8;
        api.set_pump_menu(0);
        let Some(f) = self.forecourt.borrow().clone() else { return };
        let Some(p) = f.pump(number) else { return };
        let fill = |p: &crate::forecourt::PumpView| p.grade.clone().map(|g| (g, Dec(p.volume), Dec(p.amount)));
        match id {
            "authorize" => self.authorize_from_entry(number),
            "authorize-volume" => {
                // Keyed digits are centilitres: 3000 is 30.00 l.
                let digits = self.take_entry();
                let preset = digits.parse::<i64>().ok().filter(|v| *v > 0).map(|v| Preset::Volume(Decimal::new(v, 2)));
                self.forecourt_do(ForecourtCmd::Authorize { pump: number, preset });
            }
            "prepay" => {
                let digits = self.take_entry();
                match self.entry_amount(&digits).filter(|a| !a.is_zero()) {
                    Some(amount) => self
                        .send(Command::Prepay { pump: number, amount: Dec(amount) }, After::Ticket { ask_age: false }),
                    None => self.show_message("pump-prepay-hint", true),
                }
            }
            "stop" => self.forecourt_do(ForecourtCmd::Stop { pump: number }),
            "resume" => self.forecourt_do(ForecourtCmd::Resume { pump: number }),
            "add" => self.pump_tapped(number),
            "drive-off" => {
                if let Some((grade, litres, amount)) = fill(&p) {
                    self.send(Command::DriveOff { pump: number, grade, litres, amount }, After::Recorded(number));
                }
            }
            "pump-test" => {
                if let Some((grade, litres, amount)) = fill(&p) {
                    self.send(Command::PumpTest { pump: number, grade, litres, amount }, After::Recorded(number));
                }
            }
            _ => {}
        }
    }

    /// Asks every pump for its meter totals and journals them once they are in (or after two
    /// seconds, with what came).
    fn read_meter_totals(&self, phase: &'static str) {
        let Some(f) = self.forecourt.borrow().clone() else { return };
        f.send(crate::forecourt::ForecourtCmd::ReadTotals);
        let weak = GUI.with(|g| g.borrow().as_ref().map(Rc::downgrade));
        let started = std::time::Instant::now();
        self.totals_timer.start(slint::TimerMode::Repeated, std::time::Duration::from_millis(100), move || {
            let pumps = f.pumps();
            let done = pumps.iter().all(|p| p.totals.is_some() || p.state == crate::forecourt::PumpState::Offline);
            if done || started.elapsed() > std::time::Duration::from_secs(2) {
                if let Some(g) = weak.as_ref().and_then(|w| w.upgrade()) {
                    g.totals_timer.stop();
                }
                let detail = serde_json::json!(pumps
                    .iter()
                    .map(|p| serde_json::json!({
                        "pump": p.number,
                        "volume": p.totals.map(|t| t.0.to_string()),
                        "amount": p.totals.map(|t| t.1.to_string()),
                    }))
                    .collect::<Vec<_>>());
                if let Some(g) = weak.as_ref().and_then(|w| w.upgrade()) {
                    g.send(
                        Command::LogForecourt { action: format!("meter_totals_{phase}"), pump: None, detail },
                        After::Quiet,
                    );
                }
            }
        });
    }

    /// Sends a command to the forecourt and records it in the journal.
    fn forecourt_do(&self, cmd: crate::forecourt::ForecourtCmd) {
        use crate::forecourt::ForecourtCmd as F;
        let Some(f) = self.forecourt.borrow().clone() else { return };
        let (action, pump, detail) = match &cmd {
            F::Authorize { pump, preset } => {
                ("authorize", Some(*pump), serde_json::json!({ "preset": format!("{preset:?}") }))
            }
            F::Stop { pump } => ("stop", Some(*pump), serde_json::Value::Null),
            F::StopAll => ("emergency_stop_all", None, serde_json::Value::Null),
            F::Resume { pump } => ("resume", Some(*pump), serde_json::Value::Null),
            F::Reset { pump } => ("reset", Some(*pump), serde_json::Value::Null),
            F::ReadTotals => ("read_totals", None, serde_json::Value::Null),
            F::AuthorizeAllCalling => ("authorize_all_calling", None, serde_json::Value::Null),
            F::SetPrices(p) => (
                "price_change",
                None,
                serde_json::json!(p.iter().map(|(g, v)| (g.clone(), v.to_string())).collect::<Vec<_>>()),
            ),
        };
        f.send(cmd);
        self.send(Command::LogForecourt { action: action.into(), pump, detail }, After::Quiet);
    }

    /// Authorizes a pump; digits keyed before preset the amount (1500 = 15.00).
    fn authorize_from_entry(&self, number: u8) {
        let digits = self.take_entry();
        let preset = self.entry_amount(&digits).filter(|a| !a.is_zero()).map(crate::forecourt::Preset::Amount);
        self.forecourt_do(crate::forecourt::ForecourtCmd::Authorize { pump: number, preset });
    }

    fn pump_tapped(&self, number: u8) {
        use crate::forecourt::{ForecourtCmd, PumpState as P};
        let Some(f) = self.forecourt.borrow().clone() else { return };
        let Some(p) = f.pump(number) else { return };
        match p.state {
            P::Calling | P::Idle => self.authorize_from_entry(number),
            P::Completed => {
                let st = self.state.borrow();
                if st.pumps_in_ticket.contains(&number) || st.prepaid.iter().any(|(n, _)| *n == number) {
                    return;
                }
                drop(st);
                let Some(grade) = p.grade.clone() else { return };
                self.state.borrow_mut().pumps_in_ticket.push(number);
                self.send(
                    Command::PumpFill {
                        pump: number,
                        grade,
                        litres: Dec(p.volume),
                        amount: Dec(p.amount),
                        price: Some(Dec(p.price)),
                    },
                    After::PumpFill(number),
                );
            }
            P::Stopped => self.forecourt_do(ForecourtCmd::Resume { pump: number }),
            _ => {}
        }
    }

    fn api(&self) -> Api<'_> {
        self.window.global::<Api>()
    }

    /// Sends a command to the session; the answer comes back through [`Gui::apply`].
    fn send(&self, cmd: Command, after: After) {
        match &self.exec {
            Exec::Inline(session) => {
                let reply = session.borrow_mut().execute(cmd);
                let unsent = session.borrow().unsent().ok();
                self.apply(after, reply, unsent);
            }
            Exec::Thread(tx) => {
                self.api().set_busy(true);
                let job: Job = Box::new(move |session: &mut Session| {
                    let reply = session.execute(cmd);
                    let unsent = session.unsent().ok();
                    on_ui(move |gui| {
                        gui.api().set_busy(false);
                        gui.apply(after, reply, unsent);
                    });
                });
                if tx.send(job).is_err() {
                    self.show_message("error-save", true);
                }
            }
        }
    }

    fn wire(self: &Rc<Self>) {
        let api = self.api();
        let weak = Rc::downgrade(self);
        let with = move |f: &dyn Fn(&Rc<Gui>)| {
            if let Some(g) = weak.upgrade() {
                f(&g)
            }
        };
        let tr_weak = Rc::downgrade(self);
        self.window.global::<Strings>().on_tr(move |_lang, key| match tr_weak.upgrade() {
            Some(g) => g.i18n.borrow().tr(&key).into(),
            None => key,
        });
        let w = with.clone();
        api.on_dismiss_message(move || w(&|g| g.clear_message()));
        let w = with.clone();
        api.on_pin_key(move |k| {
            w(&|g| {
                g.api().set_pin_error(false);
                g.edit_digits(&k, |a| a.get_pin(), |a, v| a.set_pin(v), 8)
            })
        });
        let w = with.clone();
        api.on_login(move || w(&|g| g.login()));
        let w = with.clone();
        api.on_set_language(move |code| w(&|g| g.set_language(&code)));
        let w = with.clone();
        api.on_set_theme(move |mode| w(&|g| g.window.global::<Theme>().set_mode(mode)));
        let w = with.clone();
        api.on_float_key(move |k| w(&|g| g.edit_digits(&k, |a| a.get_float_entry(), |a, v| a.set_float_entry(v), 9)));
        let w = with.clone();
        api.on_open_shift(move || w(&|g| g.open_shift()));
        let w = with.clone();
        api.on_logout(move || w(&|g| g.send(Command::Logout, After::Logout)));
        let w = with.clone();
        api.on_close_shift(move || w(&|g| g.close_shift()));
        let w = with.clone();
        api.on_entry_key(move |k| w(&|g| g.edit_digits(&k, |a| a.get_entry(), |a, v| a.set_entry(v), 13)));
        let w = with.clone();
        api.on_entry_times(move || w(&|g| g.entry_times()));
        let w = with.clone();
        api.on_entry_enter(move || w(&|g| g.entry_enter()));
        let w = with.clone();
        api.on_select_category(move |i| {
            w(&|g| {
                g.api().set_category(i);
                g.api().set_search("".into());
                g.render_products();
            })
        });
        let w = with.clone();
        api.on_search_changed(move |_| w(&|g| g.render_products()));
        let w = with.clone();
        api.on_search_key(move |k| {
            w(&|g| {
                let mut text = g.api().get_search().to_string();
                match k.as_str() {
                    "⌫" => {
                        text.pop();
                    }
                    "clear" => text.clear(),
                    other => text.push_str(&other.to_lowercase()),
                }
                g.api().set_search(text.into());
                g.render_products();
            })
        });
        let w = with.clone();
        api.on_add_product(move |sku| w(&|g| g.add_sku(&sku)));
        let w = with.clone();
        api.on_scan(move |code| w(&|g| g.scan(&code)));
        let w = with.clone();
        api.on_void_line(move || w(&|g| g.line_command(|line| Command::VoidLine { line })));
        let w = with.clone();
        api.on_set_qty(move || w(&|g| g.set_qty()));
        let w = with.clone();
        api.on_line_discount(move || w(&|g| g.discount()));
        let w = with.clone();
        api.on_hold(move || w(&|g| g.send(Command::Hold, After::Ticket { ask_age: false })));
        let w = with.clone();
        api.on_recall(move || w(&|g| g.send(Command::Recall { index: None }, After::Ticket { ask_age: false })));
        let w = with.clone();
        api.on_cancel_ticket(move || {
            w(&|g| {
                // The fills go back to waiting for payment at their pumps.
                g.state.borrow_mut().pumps_in_ticket.clear();
                g.send(Command::CancelTicket, After::Ticket { ask_age: false })
            })
        });
        let w = with.clone();
        api.on_pay(move || w(&|g| g.pay()));
        let w = with.clone();
        api.on_no_sale(move || w(&|g| g.send(Command::NoSale, After::NoSale)));
        let w = with.clone();
        api.on_open_sync(move || w(&|g| g.open_sync()));
        let w = with.clone();
        api.on_close_sync(move || w(&|g| g.leave_screen()));
        let w = with.clone();
        api.on_retry_parked(move |seq| w(&|g| g.retry_parked(seq)));
        let w = with.clone();
        api.on_open_devices(move || w(&|g| g.open_devices()));
        let w = with.clone();
        api.on_close_devices(move || w(&|g| g.leave_screen()));
        let w = with.clone();
        api.on_device_apply(move |d, port, protocol| w(&|g| g.apply_device(&d, &port, &protocol)));
        let w = with.clone();
        api.on_device_test(move |d, action| w(&|g| g.test_device(&d, &action)));
        let w = with.clone();
        api.on_pump_tapped(move |n| w(&|g| g.pump_tapped(n.clamp(0, 255) as u8)));
        let w = with.clone();
        api.on_pump_more(move |n| w(&|g| g.pump_more(n.clamp(0, 255) as u8)));
        let w = with.clone();
        api.on_pump_action(move |id| w(&|g| g.pump_action(&id)));
        let w = with.clone();
        api.on_open_prices(move || w(&|g| g.open_prices()));
        let w = with.clone();
        api.on_price_key(move |k| {
            w(&|g| {
                g.edit_digits(&k, |a| a.get_price_entry(), |a, v| a.set_price_entry(v), 6);
                g.render_price_entry();
            })
        });
        let w = with.clone();
        api.on_price_send(move || w(&|g| g.price_send()));
        let w = with.clone();
        api.on_authorize_all(move || w(&|g| g.forecourt_do(crate::forecourt::ForecourtCmd::AuthorizeAllCalling)));
        let w = with.clone();
        api.on_stop_all(move || w(&|g| g.forecourt_do(crate::forecourt::ForecourtCmd::StopAll)));
        let w = with.clone();
        api.on_tender_cash(move |v| w(&|g| g.tender(Method::Cash, &v)));
        let w = with.clone();
        api.on_tender_card(move || w(&|g| g.tender(Method::Card, "entry")));
        let w = with.clone();
        api.on_tender_back(move || w(&|g| g.set_page("sale")));
        let w = with.clone();
        api.on_new_sale(move || {
            w(&|g| {
                g.state.borrow_mut().last_sale = None;
                g.set_page("sale");
            })
        });
        let w = with.clone();
        api.on_reprint(move || w(&|g| g.reprint()));
        let w = with.clone();
        api.on_age_confirm(move || {
            w(&|g| {
                g.api().set_age_dialog(false);
                let pay = std::mem::take(&mut g.state.borrow_mut().going_to_pay);
                g.send(Command::ConfirmAge, if pay { After::AgeThenPay } else { After::Ticket { ask_age: false } });
            })
        });
        let w = with.clone();
        api.on_age_refuse(move || w(&|g| g.refuse_age()));
        let w = with.clone();
        api.on_manager_key(move |k| {
            w(&|g| {
                g.edit_digits(&k, |a| a.get_manager_pin(), |a, v| a.set_manager_pin(v), 8);
                let n = g.api().get_manager_pin().chars().count();
                g.api().set_manager_pin_dots("● ".repeat(n).trim_end().into());
            })
        });
        let w = with.clone();
        api.on_manager_approve(move || w(&|g| g.manager_approve()));
        let w = with;
        api.on_manager_cancel(move || {
            w(&|g| {
                g.state.borrow_mut().pending_discount = None;
                g.api().set_manager_dialog(false);
                g.api().set_manager_pin("".into());
                g.api().set_manager_pin_dots("".into());
            })
        });

        // The clock: checked every second, redrawn only when the minute changes.
        let weak = Rc::downgrade(self);
        self.clock.start(slint::TimerMode::Repeated, std::time::Duration::from_secs(1), move || {
            if let Some(g) = weak.upgrade() {
                g.render_clock();
            }
        });
    }

    // -- input helpers -------------------------------------------------------------------

    /// Applies a keypad key to a digit field: digits append, "C" clears, "⌫" deletes.
    fn edit_digits(&self, key: &str, get: fn(&Api) -> SharedString, set: fn(&Api, SharedString), max: usize) {
        let api = self.api();
        let mut v = get(&api).to_string();
        match key {
            "C" => v.clear(),
            "⌫" => {
                v.pop();
            }
            k if k.chars().all(|c| c.is_ascii_digit()) && v.len() + k.len() <= max => v.push_str(k),
            _ => {}
        }
        set(&api, v.into());
        self.render_amounts();
    }

    /// The float and the tender entry as amounts in the current locale.
    fn render_amounts(&self) {
        let api = self.api();
        let f = self.i18n.borrow().format();
        let cur = &self.config.pricing.currency;
        let amount = |digits: &str| {
            f.money(self.entry_amount(if digits.is_empty() { "0" } else { digits }).unwrap_or_default(), cur)
        };
        api.set_float_text(amount(&api.get_float_entry()).into());
        api.set_entry_money(amount(&api.get_entry()).into());
    }

    /// Digits typed for an amount are minor units: 1500 is 15.00 in EUR, 1500 in IDR.
    fn entry_amount(&self, digits: &str) -> Option<Decimal> {
        let minor: i64 = digits.parse().ok()?;
        Some(self.config.pricing.currency.from_minor(minor))
    }

    fn take_entry(&self) -> String {
        let e = self.api().get_entry().to_string();
        self.api().set_entry("".into());
        self.render_amounts();
        e
    }

    // -- actions ---------------------------------------------------------------------------

    fn login(&self) {
        let pin = self.api().get_pin().to_string();
        self.api().set_pin("".into());
        let selected = self.api().get_selected_user();
        let user = self.state.borrow().users.iter().find(|u| u.id == i64::from(selected)).map(|u| u.name.clone());
        self.send(Command::Login { pin, user }, After::Login);
    }

    fn open_shift(&self) {
        let digits = self.api().get_float_entry().to_string();
        let float = self.entry_amount(if digits.is_empty() { "0" } else { &digits }).unwrap_or_default();
        self.api().set_float_entry("".into());
        self.render_amounts();
        self.send(Command::OpenShift { float: Dec(float) }, After::Shift);
    }

    fn close_shift(&self) {
        let digits = self.take_entry();
        match self.entry_amount(&digits) {
            Some(counted) => self.send(Command::CloseShift { counted: Dec(counted) }, After::CloseShift),
            None => self.show_message("shift-counted", true),
        }
    }

    fn entry_times(&self) {
        let digits = self.take_entry();
        if let Ok(q) = digits.parse::<i64>() {
            self.state.borrow_mut().pending_qty = Some(Decimal::from(q));
        }
        self.render_entry_hint();
    }

    fn render_entry_hint(&self) {
        let qty = self.state.borrow().pending_qty;
        let f = self.i18n.borrow().format();
        self.api().set_pending_qty(qty.map(|q| f.number(q, q.scale())).unwrap_or_default().into());
    }

    fn qty(&self) -> Option<Dec> {
        let q = self.state.borrow_mut().pending_qty.take().map(Dec);
        self.render_entry_hint();
        q
    }

    fn entry_enter(&self) {
        let code = self.take_entry();
        if code.is_empty() {
            return;
        }
        if code.len() >= 8 {
            self.scan(&code);
        } else {
            let qty = self.qty();
            self.send(Command::Add { sku: None, plu: Some(code), qty }, After::Ticket { ask_age: true });
        }
    }

    fn add_sku(&self, sku: &str) {
        // Items sold by the kilogram are weighed, unless a quantity was keyed.
        let weighed = self
            .state
            .borrow()
            .products
            .iter()
            .find(|p| p.sku == sku)
            .filter(|p| p.unit == crate::domain::catalog::Unit::Kg)
            .map(|p| p.name.clone());
        let scale = self.scale.borrow().clone();
        if let (Some(name), Some(scale), None) = (weighed, scale, self.state.borrow().pending_qty) {
            self.weigh_and_add(sku, &name, scale);
            return;
        }
        let qty = self.qty();
        self.send(Command::Add { sku: Some(sku.to_string()), plu: None, qty }, After::Ticket { ask_age: true });
    }

    fn scan(&self, code: &str) {
        match self.api().get_page().as_str() {
            "sale" => {}
            "devices" => return self.scanned_on_devices(code),
            // Scanning the next customer's first item ends the change display.
            "receipt" => self.set_page("sale"),
            _ => return,
        }
        self.send(Command::Scan { code: code.to_string() }, After::Scanned);
    }

    fn line_command(&self, f: impl FnOnce(usize) -> Command) {
        let line = self.api().get_selected_line();
        if line > 0 {
            self.send(f(line as usize), After::Ticket { ask_age: false });
        }
    }

    fn set_qty(&self) {
        let digits = self.take_entry();
        match digits.parse::<i64>() {
            Ok(q) => self.line_command(|line| Command::SetQty { line, qty: Dec(Decimal::from(q)) }),
            Err(_) => self.show_message("error-bad-quantity", true),
        }
    }

    fn discount(&self) {
        let digits = self.take_entry();
        let Ok(pct) = digits.parse::<i64>() else {
            self.show_message("error-bad-discount", true);
            return;
        };
        let line = match self.api().get_selected_line() {
            n if n > 0 => Some(n as usize),
            _ => None,
        };
        let cmd = Command::Discount { line, percent: Some(Dec(Decimal::from(pct))), amount: None, approver_pin: None };
        self.state.borrow_mut().pending_discount = Some(cmd.clone());
        self.send(cmd, After::Discount);
    }

    fn manager_approve(&self) {
        let pin = self.api().get_manager_pin().to_string();
        self.api().set_manager_pin("".into());
        self.api().set_manager_pin_dots("".into());
        self.api().set_manager_dialog(false);
        let pending = self.state.borrow_mut().pending_discount.take();
        if let Some(Command::Discount { line, percent, amount, .. }) = pending {
            self.send(
                Command::Discount { line, percent, amount, approver_pin: Some(pin) },
                After::Ticket { ask_age: false },
            );
        }
    }

    fn pay(&self) {
        let needs_age = self.state.borrow().ticket.as_ref().is_some_and(|t| t.required_age > 0 && !t.age_confirmed);
        if needs_age {
            self.state.borrow_mut().going_to_pay = true;
            self.ask_age();
        } else {
            self.set_page("tender");
        }
    }

    fn refuse_age(&self) {
        self.api().set_age_dialog(false);
        self.state.borrow_mut().going_to_pay = false;
        let restricted: Vec<usize> = {
            let st = self.state.borrow();
            let Some(t) = &st.ticket else { return };
            t.lines
                .iter()
                .filter(|l| !l.voided && st.products.iter().any(|p| p.sku == l.sku && p.restricted))
                .map(|l| l.line)
                .collect()
        };
        for line in restricted {
            self.send(Command::VoidLine { line }, After::Ticket { ask_age: false });
        }
    }

    fn tender(&self, method: Method, value: &str) {
        let amount = match value {
            "" => None,
            "entry" => {
                let digits = self.take_entry();
                if digits.is_empty() {
                    None
                } else {
                    self.entry_amount(&digits)
                }
            }
            v => v.parse::<Decimal>().ok(),
        };
        self.send(Command::Tender { method, amount: amount.map(Dec) }, After::Tender);
    }

    fn reprint(&self) {
        let last = self.state.borrow().last_sale.clone();
        if let Some(sale) = last {
            self.render_receipt();
            self.set_page("receipt");
            self.print_sale(&sale, false, None);
        }
        if self.reprint_count.get() > 0 {
            self.send(Command::Reprints, After::ReprintAll);
        }
    }

    fn set_language(&self, code: &str) {
        if self.i18n.borrow_mut().set_language(code) {
            self.window.global::<Strings>().set_lang(code.into());
            self.refresh_all();
        }
    }

    fn set_page(&self, page: &str) {
        self.api().set_page(page.into());
        self.api().set_entry("".into());
        if page == "tender" {
            self.render_tender();
        }
    }

    // -- answers ---------------------------------------------------------------------------

    fn apply(&self, after: After, reply: Result<Outcome, ServiceError>, unsent: Option<i64>) {
        if let Some(n) = unsent {
            let before = std::mem::replace(&mut self.state.borrow_mut().unsent, n);
            // Something new in the outbox: send it now rather than at the next interval.
            if n > before {
                if let Some(s) = self.sync.borrow().as_ref() {
                    s.nudge();
                }
            }
        }
        let after = match after {
            After::Scanned => {
                if reply.is_err() {
                    // The cashier hears a refused scan: the printer's buzzer.
                    if let Some(p) = self.printer.borrow().as_ref() {
                        p.beep();
                    }
                }
                After::Ticket { ask_age: true }
            }
            other => other,
        };
        let out = match reply {
            Ok(out) => out,
            Err(e) => {
                if let After::PumpFill(n) = after {
                    self.state.borrow_mut().pumps_in_ticket.retain(|p| *p != n);
                }
                if matches!(e, ServiceError::DiscountOverLimit { .. }) && after == After::Discount {
                    self.api().set_manager_dialog(true);
                } else {
                    if after == After::Login {
                        self.api().set_pin_error(true);
                    }
                    self.show_error(&e);
                }
                self.render_status();
                return;
            }
        };
        match after {
            After::Quiet => return,
            After::NoSale => {
                if let Some(p) = self.printer.borrow().as_ref() {
                    p.kick_drawer();
                }
                return;
            }
            After::Devices | After::DeviceSet => {
                let list = out.devices.clone().unwrap_or_default();
                if let Some(me) = GUI.with(|g| g.borrow().clone()) {
                    me.devices_listed(list, after);
                }
                return;
            }
            After::DeviceTest => {
                self.run_device_test();
                return;
            }
            After::Prices => {
                self.prices_applied(&out);
                return;
            }
            After::Parked => {
                self.parked_listed(out.parked.clone().unwrap_or_default());
                return;
            }
            After::ParkedRefresh | After::Retried => {
                if self.api().get_page() == "sync" {
                    self.parked_listed(out.parked.clone().unwrap_or_default());
                }
                if after == After::Retried {
                    if let Some(s) = self.sync.borrow().as_ref() {
                        s.nudge();
                    }
                }
                return;
            }
            After::Reprints | After::ReprintAll => {
                let list = out.reprints.clone().unwrap_or_default();
                self.reprint_count.set(list.len());
                if after == After::ReprintAll {
                    for r in list {
                        self.print_sale(&r.sale, false, Some(r.id));
                    }
                }
                self.render_status();
                return;
            }
            After::Recorded(pump) => {
                self.forecourt_do(crate::forecourt::ForecourtCmd::Reset { pump });
                return;
            }
            After::PriceSet => {
                let api = self.api();
                let grade = api.get_price_grade().to_string();
                if let Some(price) = self.keyed_price() {
                    self.set_fuel_prices(vec![(grade.clone(), price)]);
                    let f = self.i18n.borrow().format();
                    let text = self
                        .i18n
                        .borrow()
                        .tr_args("prices-set", &[("grade", grade.into()), ("price", f.number(price, 3).into())]);
                    self.show_text(text, false);
                }
                return;
            }
            After::Settled(pump) => {
                if let Some(r) = &out.sale {
                    let f = self.i18n.borrow().format();
                    let back = f.money(-r.total, &self.config.pricing.currency);
                    let text = self
                        .i18n
                        .borrow()
                        .tr_args("pump-prepay-settled", &[("n", pump.into()), ("amount", back.into())]);
                    self.show_text(text, false);
                }
                self.forecourt_do(crate::forecourt::ForecourtCmd::Reset { pump });
                self.render_status();
                return;
            }
            _ => {}
        }
        self.clear_message();
        if let Some(u) = out.user.clone() {
            self.state.borrow_mut().user = Some(u);
        }
        if let Some(s) = out.shift.clone() {
            self.state.borrow_mut().shift = Some(s);
        }
        if let Some(n) = out.held {
            self.state.borrow_mut().held = n;
        }
        match after {
            After::Login => {
                self.api().set_selected_user(-1);
                self.set_page(if self.state.borrow().shift.is_some() { "sale" } else { "open-shift" });
            }
            After::Shift => {
                self.read_meter_totals("shift_open");
                self.set_page("sale");
            }
            After::Logout => {
                let mut st = self.state.borrow_mut();
                st.user = None;
                st.ticket = None;
                drop(st);
                self.set_page("login");
            }
            After::CloseShift => {
                self.read_meter_totals("shift_close");
                self.state.borrow_mut().shift = None;
                if let Some(c) = &out.shift_count {
                    let f = self.i18n.borrow().format();
                    let cur = &self.config.pricing.currency;
                    let text = self.i18n.borrow().tr_args(
                        "shift-closed",
                        &[
                            ("expected", f.money(c.expected, cur).into()),
                            ("counted", f.money(c.counted, cur).into()),
                            ("difference", f.money(c.difference, cur).into()),
                        ],
                    );
                    self.show_text(text, false);
                }
                self.set_page("open-shift");
            }
            _ => {}
        }
        if let Some(t) = &out.ticket {
            let i18n = self.i18n.borrow();
            let frame = if t.lines.is_empty() {
                crate::display::welcome_frame(&i18n, &self.config.store.name)
            } else {
                crate::display::ticket_frame(&i18n, &self.config.pricing.currency, t)
            };
            drop(i18n);
            self.customer_sees(frame);
        }
        if let Some(sale) = &out.sale {
            let frame = crate::display::paid_frame(&self.i18n.borrow(), &self.config.pricing.currency, sale);
            self.customer_sees(frame);
        }
        if let Some(t) = out.ticket {
            let ask = t.required_age > 0 && !t.age_confirmed;
            self.state.borrow_mut().ticket = Some(t);
            self.render_ticket();
            if after == (After::Ticket { ask_age: true }) && ask {
                self.ask_age();
            }
            if after == After::AgeThenPay {
                self.set_page("tender");
            }
            if after == After::Tender {
                self.render_tender();
            }
        }
        if let Some(sale) = &out.sale {
            // Durable first (the answer comes after the commit), then the receipt and the drawer.
            let cash = sale.payments.iter().any(|p| p.method == "cash");
            self.print_sale(sale, cash && sale.kind == "sale", None);
        }
        if let Some(sale) = out.sale {
            let paid_pumps = {
                let mut st = self.state.borrow_mut();
                st.last_sale = Some(sale);
                st.ticket = None;
                std::mem::take(&mut st.pumps_in_ticket)
            };
            // The fills are paid and stored: the pumps may serve the next customer.
            for pump in paid_pumps {
                self.forecourt_do(crate::forecourt::ForecourtCmd::Reset { pump });
            }
            // Prepaid pumps are authorized for what was paid.
            let prepays: Vec<(u8, Decimal, i64)> = self
                .state
                .borrow()
                .last_sale
                .iter()
                .filter(|s| s.kind == "sale")
                .flat_map(|s| {
                    s.lines.iter().filter(|l| l.kind == "prepay" && !l.voided).filter_map(move |l| {
                        let pump = l.sku.strip_prefix("PREPAY-")?.parse().ok()?;
                        Some((pump, l.amount - l.ticket_discount, s.receipt_no))
                    })
                })
                .collect();
            for (pump, amount, receipt_no) in prepays {
                self.state.borrow_mut().prepaid.push((pump, receipt_no));
                self.forecourt_do(crate::forecourt::ForecourtCmd::Authorize {
                    pump,
                    preset: Some(crate::forecourt::Preset::Amount(amount)),
                });
            }
            self.render_ticket();
            self.render_receipt();
            self.set_page("receipt");
        }
        self.render_status();
    }

    fn ask_age(&self) {
        let age = self.state.borrow().ticket.as_ref().map(|t| t.required_age).unwrap_or(0);
        if age == 0 {
            return;
        }
        let today = chrono::Local::now().date_naive();
        let date = view::born_on_or_before(today, age);
        let i18n = self.i18n.borrow();
        let api = self.api();
        api.set_age_title(i18n.tr_args("age-title", &[("age", age.into())]).into());
        api.set_age_date(i18n.format().date(&date.and_hms_opt(0, 0, 0).unwrap_or_default()).into());
        api.set_age_dialog(true);
    }

    fn show_error(&self, e: &ServiceError) {
        let text = view::error_text(&self.i18n.borrow(), e);
        self.show_text(text, true);
    }

    fn show_message(&self, key: &str, error: bool) {
        let text = self.i18n.borrow().tr(key);
        self.show_text(text, error);
    }

    fn show_text(&self, text: String, error: bool) {
        self.api().set_message(text.into());
        self.api().set_message_error(error);
    }

    fn clear_message(&self) {
        self.api().set_message("".into());
    }

    // -- rendering -------------------------------------------------------------------------

    fn refresh_all(&self) {
        let api = self.api();
        let langs: Vec<Language> =
            LANGUAGES.iter().map(|(c, n)| Language { code: (*c).into(), name: (*n).into() }).collect();
        api.set_languages(ModelRc::new(VecModel::from(langs)));
        let st = self.state.borrow();
        let users: Vec<UserTile> = st
            .users
            .iter()
            .map(|u| UserTile { id: u.id as i32, name: u.name.clone().into(), role: u.role.as_str().into() })
            .collect();
        let categories: Vec<SharedString> = st.categories.iter().map(|c| SharedString::from(c.as_str())).collect();
        drop(st);
        api.set_users(ModelRc::new(VecModel::from(users)));
        api.set_categories(ModelRc::new(VecModel::from(categories)));
        api.set_store_name(
            if self.config.store.name.is_empty() {
                self.config.terminal_name.clone()
            } else {
                self.config.store.name.clone()
            }
            .into(),
        );
        api.set_demo(self.config.demo);
        self.render_status();
        self.render_clock();
        self.render_amounts();
        self.render_products();
        self.render_ticket();
        self.render_tender();
        self.render_receipt();
    }

    fn render_status(&self) {
        let i18n = self.i18n.borrow();
        let st = self.state.borrow();
        let api = self.api();
        api.set_user_name(st.user.as_ref().map(|u| u.name.clone()).unwrap_or_default().into());
        let shift = match &st.shift {
            Some(s) => {
                let time = view::local_time(&s.opened_at).map(|t| i18n.format().time(&t)).unwrap_or_default();
                i18n.tr_args("status-shift-open", &[("time", time.into())])
            }
            None => i18n.tr("status-no-shift"),
        };
        api.set_shift_text(shift.into());
        let not_configured = i18n.tr("chip-not-configured");
        let health = self.device_health();
        match &health[0] {
            None => {
                api.set_printer_chip(not_configured.clone().into());
                api.set_printer_state(0);
            }
            Some(st) => {
                let (mut text, mut state) = view::printer_status(&i18n, st);
                if self.reprint_count.get() > 0 {
                    text = format!(
                        "{text} · {}",
                        i18n.tr_args("printer-queue", &[("count", self.reprint_count.get().into())])
                    );
                    state = state.max(2);
                }
                api.set_printer_chip(text.into());
                api.set_printer_state(state);
            }
        }
        // The other shop devices share one chip: the first that is not well, or all ready.
        let names = ["", "device-display", "device-scale", "device-scanner"];
        let attached: Vec<_> =
            health.iter().zip(names).skip(1).filter_map(|(h, n)| h.as_ref().map(|h| (h, n))).collect();
        if attached.is_empty() {
            api.set_devices_chip(not_configured.clone().into());
            api.set_devices_state(0);
        } else if let Some((st, name)) = attached.iter().find(|(h, _)| !h.online) {
            let what = if st.detail == "connecting" { "device-connecting" } else { "device-offline" };
            api.set_devices_chip(format!("{} {}", i18n.tr(name), i18n.tr(what)).into());
            api.set_devices_state(3);
        } else {
            api.set_devices_chip(i18n.tr("device-all-ready").into());
            api.set_devices_state(1);
        }
        if self.forecourt.borrow().is_none() {
            api.set_pumps_chip(not_configured.clone().into());
            api.set_pumps_state(0);
        }
        drop(st);
        drop(i18n);
        let (text, state) = self.sync_chip();
        api.set_sync_chip(text.into());
        api.set_sync_state(state);
        let st = self.state.borrow();
        api.set_held_count(st.held as i32);
    }

    fn render_clock(&self) {
        let now = chrono::Local::now().naive_local();
        let text: SharedString = self.i18n.borrow().format().time(&now).into();
        if self.api().get_clock() != text {
            self.api().set_clock(text);
        }
    }

    fn render_products(&self) {
        let st = self.state.borrow();
        let api = self.api();
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let search = api.get_search().to_lowercase();
        let category = st.categories.get(api.get_category().max(0) as usize).cloned().unwrap_or_default();
        let tiles: Vec<till_ui::ProductTile> = st
            .products
            .iter()
            .filter(|p| {
                if search.is_empty() {
                    p.category == category
                } else {
                    p.name_lc.contains(&search) || p.sku_lc.contains(&search) || p.codes.iter().any(|c| c == &search)
                }
            })
            .take(120)
            .map(|p| till_ui::ProductTile {
                sku: p.sku.clone().into(),
                name: p.name.clone().into(),
                price: view::unit_price(&f, p.price, p.unit, &self.config.pricing.currency).into(),
                restricted: p.restricted,
            })
            .collect();
        api.set_products(ModelRc::new(VecModel::from(tiles)));
    }

    fn render_ticket(&self) {
        let st = self.state.borrow();
        let api = self.api();
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let cur = &self.config.pricing.currency;
        match &st.ticket {
            Some(t) => {
                self.set_lines(view::ticket_lines(&f, cur, t));
                api.set_subtotal(f.money(t.subtotal, cur).into());
                api.set_discount(if t.discount.is_zero() {
                    SharedString::new()
                } else {
                    f.money(t.discount, cur).into()
                });
                api.set_tax(f.money(t.tax_total, cur).into());
                api.set_total(f.money(t.total, cur).into());
                if api.get_selected_line() as usize > t.lines.len() {
                    api.set_selected_line(-1);
                }
            }
            None => {
                self.set_lines(Vec::new());
                let zero = f.money(Decimal::ZERO, cur);
                api.set_subtotal(zero.clone().into());
                api.set_discount("".into());
                api.set_tax(zero.clone().into());
                api.set_total(zero.into());
                api.set_selected_line(-1);
            }
        }
    }

    /// Updates the lines model in place: changed rows are replaced, new ones appended.
    fn set_lines(&self, rows: Vec<till_ui::TicketLine>) {
        sync_rows(&self.lines, rows);
    }

    fn render_tender(&self) {
        let st = self.state.borrow();
        let api = self.api();
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let cur = &self.config.pricing.currency;
        let Some(t) = &st.ticket else { return };
        api.set_due(f.money(t.total, cur).into());
        api.set_remaining(f.money(t.due, cur).into());
        let payments: Vec<till_ui::PaymentRow> = t
            .payments
            .iter()
            .map(|p| till_ui::PaymentRow {
                method: i18n.tr(if p.method == "cash" { "tender-cash" } else { "tender-card" }).into(),
                amount: f.money(p.amount, cur).into(),
            })
            .collect();
        api.set_payments(ModelRc::new(VecModel::from(payments)));
        let cash_due = cur.round_cash(t.due, self.config.pricing.cash_rule);
        let mut quick = vec![till_ui::QuickCash { label: i18n.tr("tender-exact").into(), value: "".into() }];
        for note in view::quick_cash(&cur.code, cash_due) {
            quick.push(till_ui::QuickCash { label: f.money(note, cur).into(), value: note.to_string().into() });
        }
        api.set_quick_cash(ModelRc::new(VecModel::from(quick)));
    }

    fn render_receipt(&self) {
        let st = self.state.borrow();
        let api = self.api();
        let i18n = self.i18n.borrow();
        let Some(sale) = &st.last_sale else {
            api.set_receipt_lines(ModelRc::new(VecModel::from(Vec::<SharedString>::new())));
            return;
        };
        let cur = &self.config.pricing.currency;
        let width = crate::receipt::WIDTH_80MM;
        let lines: Vec<SharedString> = crate::receipt::layout(sale, &self.config.store, &i18n, cur, width)
            .iter()
            .map(|l| l.text(width).into())
            .collect();
        api.set_receipt_lines(ModelRc::new(VecModel::from(lines)));
        let change = if sale.change.is_zero() {
            i18n.tr("tender-no-change")
        } else {
            i18n.tr_args("tender-change", &[("amount", i18n.format().money(sale.change, cur).into())])
        };
        api.set_change_text(change.into());
        api.set_has_change(!sale.change.is_zero());
    }
}
