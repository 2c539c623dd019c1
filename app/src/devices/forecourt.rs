//! The forecourt service: a thread that owns the pump line (DART over a serial port), polls
//! every pump, keeps each pump's state, and carries out the cashier's commands. It knows pumps
//! and grades, not sales: a completed fill becomes a ticket line through the session.

use crate::domain::catalog::FuelGrade;
use rust_decimal::Decimal;
use std::io::{Read, Write};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use till_hardware::dart::app::{Dcc, PosCommand, PumpReply, PumpStatus};
use till_hardware::dart::master::Master;

/// Decimals on the pump line (a site setting; the demo site's values).
pub const VOLUME_DP: u32 = 2;
pub const AMOUNT_DP: u32 = 2;
pub const PRICE_DP: u32 = 3;

/// A pump as the site is wired: its number on the forecourt, its DART address and the grade of
/// each nozzle (nozzle 1 first).
#[derive(Debug, Clone)]
pub struct PumpSetup {
    pub number: u8,
    pub address: u8,
    pub grades: Vec<String>,
}

/// What a cashier sees of a pump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PumpState {
    /// Not answering (cable, power, address).
    Offline,
    Idle,
    /// A customer lifted a nozzle and waits for authorization.
    Calling,
    Authorized,
    Filling,
    /// The fill is done and waits for payment.
    Completed,
    /// Stopped by the cashier (emergency stop) or switched off.
    Stopped,
    /// The pump answers with blocks that do not decode (wrong protocol settings, a fault).
    Error,
}

impl PumpState {
    /// The state's name as scripts read it.
    pub fn as_str(&self) -> &'static str {
        match self {
            PumpState::Offline => "offline",
            PumpState::Idle => "idle",
            PumpState::Calling => "calling",
            PumpState::Authorized => "authorized",
            PumpState::Filling => "filling",
            PumpState::Completed => "completed",
            PumpState::Stopped => "stopped",
            PumpState::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PumpView {
    pub number: u8,
    pub state: PumpState,
    /// The grade of the nozzle in use, if known.
    pub grade: Option<String>,
    pub volume: Decimal,
    pub amount: Decimal,
    pub price: Decimal,
    /// New prices wait for this pump to be idle.
    pub prices_pending: bool,
    /// The pump's meter totals (volume, amount) as last read.
    pub totals: Option<(Decimal, Decimal)>,
    /// Each nozzle's meter totals as last read: (nozzle, volume, amount).
    pub nozzle_totals: Vec<(u8, Decimal, Decimal)>,
    /// The grade of each nozzle (index 0 is nozzle 1), as configured.
    pub nozzles: Vec<String>,
}

impl PumpView {
    /// A pump not heard from yet.
    fn offline(p: &PumpSetup) -> PumpView {
        PumpView {
            number: p.number,
            state: PumpState::Offline,
            grade: None,
            volume: Decimal::ZERO,
            amount: Decimal::ZERO,
            price: Decimal::ZERO,
            prices_pending: false,
            totals: None,
            nozzle_totals: Vec::new(),
            nozzles: p.grades.clone(),
        }
    }
}

/// A limit for the next filling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Amount(Decimal),
    Volume(Decimal),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ForecourtCmd {
    Authorize {
        pump: u8,
        preset: Option<Preset>,
    },
    Stop {
        pump: u8,
    },
    StopAll,
    Resume {
        pump: u8,
    },
    /// Clears a paid fill so that the pump can serve the next customer.
    Reset {
        pump: u8,
    },
    /// New prices per grade (code, price per litre). Sent to each pump when it is idle; a pump
    /// that is authorized or filling keeps its price until its filling is over.
    SetPrices(Vec<(String, Decimal)>),
    /// Reads every pump's meter totals (at shift open and close).
    ReadTotals,
    /// Authorizes every pump whose customer is waiting (attended sites).
    AuthorizeAllCalling,
}

type Listener = Box<dyn Fn() + Send>;

/// The handle the application keeps; cheap to clone into the UI controller.
#[derive(Clone)]
pub struct Forecourt {
    tx: Sender<ForecourtCmd>,
    pumps: Arc<Mutex<Vec<PumpView>>>,
    listeners: Arc<Mutex<Vec<Listener>>>,
    /// The pump line: online while any pump answers.
    pub health: crate::devices::link::Health,
}

impl Forecourt {
    /// Starts the service on an open line. `price_of` gives each grade's price per litre.
    pub fn start<P: Read + Write + Send + 'static>(
        port: P,
        setup: Vec<PumpSetup>,
        grades: Vec<FuelGrade>,
    ) -> Forecourt {
        Forecourt::start_with(port, setup, grades, crate::devices::link::Health::default())
    }

    /// The same, with the line's health shared with its link.
    fn start_with<P: Read + Write + Send + 'static>(
        port: P,
        setup: Vec<PumpSetup>,
        grades: Vec<FuelGrade>,
        health: crate::devices::link::Health,
    ) -> Forecourt {
        let (tx, rx) = mpsc::channel();
        let pumps = Arc::new(Mutex::new(setup.iter().map(PumpView::offline).collect::<Vec<_>>()));
        let listeners: Arc<Mutex<Vec<Listener>>> = Arc::new(Mutex::new(Vec::new()));
        let (shared, notify) = (pumps.clone(), listeners.clone());
        let h = health.clone();
        std::thread::Builder::new()
            .name("till-forecourt".into())
            .spawn(move || Worker::new(Master::new(port), setup, grades, shared, notify, h).run(rx))
            .ok();
        Forecourt { tx, pumps, listeners, health }
    }

    /// The forecourt on a configured pump line (a serial port, with odd parity as DART wants,
    /// or `tcp://` for a serial server). The line is opened when first needed, closed when it
    /// fails or its device file vanishes, and opened again every 400 ms until it is back: the
    /// pumps show offline meanwhile and come back by themselves.
    pub fn open(spec: &str, baud: u32, setup: Vec<PumpSetup>, grades: Vec<FuelGrade>) -> Forecourt {
        use crate::devices::link::{Health, Link, LinkIo};
        let link = Link::with_parity(spec, baud, serialport::Parity::Odd, Duration::from_millis(2));
        let io = LinkIo::new(link, Health::default());
        // The worker says whether pumps answer; the link says when the line itself is gone.
        let health = io.health.clone();
        Forecourt::start_with(io, setup, grades, health)
    }

    /// Calls `f` (on the forecourt's thread) whenever a pump's view changes.
    pub fn on_change(&self, f: impl Fn() + Send + 'static) {
        if let Ok(mut l) = self.listeners.lock() {
            l.push(Box::new(f));
        }
    }

    pub fn send(&self, cmd: ForecourtCmd) {
        // The totals read before are forgotten at once, not when the pump line's thread gets
        // to the command: whoever waits for the new totals never takes the old ones for them.
        if matches!(cmd, ForecourtCmd::ReadTotals) {
            if let Ok(mut pumps) = self.pumps.lock() {
                pumps.iter_mut().for_each(|p| {
                    p.totals = None;
                    p.nozzle_totals.clear();
                });
            }
        }
        let _ = self.tx.send(cmd);
    }

    /// A snapshot of every pump.
    pub fn pumps(&self) -> Vec<PumpView> {
        self.pumps.lock().map(|p| p.clone()).unwrap_or_default()
    }

    pub fn pump(&self, number: u8) -> Option<PumpView> {
        self.pumps().into_iter().find(|p| p.number == number)
    }

    /// Waits until every pump has answered once (or `patience` is over): a headless session
    /// starts knowing where each pump stands. A pump that stays silent is shown offline.
    pub fn wait_for_first_answers(&self, patience: Duration) {
        let deadline = Instant::now() + patience;
        while Instant::now() < deadline {
            let pumps = self.pumps();
            if pumps.iter().all(|p| p.state != PumpState::Offline) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

struct Worker<P: Read + Write> {
    master: Master<P>,
    setup: Vec<PumpSetup>,
    grades: Vec<FuelGrade>,
    shared: Arc<Mutex<Vec<PumpView>>>,
    listeners: Arc<Mutex<Vec<Listener>>>,
    /// Per pump: polls without an answer in a row, the nozzle in use, the last status.
    misses: Vec<u32>,
    nozzle: Vec<Option<u8>>,
    status: Vec<Option<PumpStatus>>,
    /// Whether the pump's filling figures have been heard since it last came online: a fill
    /// that completed while Till was away is known only once they arrive.
    figures: Vec<bool>,
    health: crate::devices::link::Health,
}

/// Consecutive failed polls before a pump is shown offline.
const OFFLINE_AFTER: u32 = 3;

/// A value in the pump's units. One too large for them saturates, so that its BCD field refuses
/// it and the command is not sent (never a wrapped or zero price or preset).
fn raw(v: Decimal, dp: u32) -> u32 {
    v.checked_mul(Decimal::from(10u32.pow(dp)))
        .map(|s| s.trunc())
        .and_then(|s| u32::try_from(s).ok())
        .unwrap_or(u32::MAX)
}

impl<P: Read + Write> Worker<P> {
    fn new(
        master: Master<P>,
        setup: Vec<PumpSetup>,
        grades: Vec<FuelGrade>,
        shared: Arc<Mutex<Vec<PumpView>>>,
        listeners: Arc<Mutex<Vec<Listener>>>,
        health: crate::devices::link::Health,
    ) -> Self {
        let n = setup.len();
        Worker {
            master,
            setup,
            grades,
            shared,
            listeners,
            misses: vec![0; n],
            nozzle: vec![None; n],
            status: vec![None; n],
            figures: vec![false; n],
            health,
        }
    }

    fn prices(&self, i: usize) -> Vec<u32> {
        self.setup[i]
            .grades
            .iter()
            .map(|g| self.grades.iter().find(|f| &f.code == g).map(|f| raw(f.price_per_litre, PRICE_DP)).unwrap_or(0))
            .collect()
    }

    /// Changes a pump's view; tells the listeners when something changed.
    fn view<R>(&self, i: usize, f: impl FnOnce(&mut PumpView) -> R) -> Option<R> {
        let (r, changed) = {
            let mut views = self.shared.lock().ok()?;
            let v = views.get_mut(i)?;
            let before = v.clone();
            let r = f(v);
            (r, *v != before)
        };
        if changed {
            if let Ok(l) = self.listeners.lock() {
                for f in l.iter() {
                    f();
                }
            }
        }
        Some(r)
    }

    /// Whether a pump may take new prices now (never during a filling).
    fn can_take_prices(&self, i: usize) -> bool {
        !matches!(self.status[i], None | Some(PumpStatus::Authorized | PumpStatus::Filling | PumpStatus::Suspended))
    }

    fn send_prices_if_idle(&mut self, i: usize) {
        if self.can_take_prices(i) {
            let prices = self.prices(i);
            if self.send(i, &[PosCommand::Prices(prices)]) {
                self.view(i, |v| v.prices_pending = false);
            }
        }
    }

    fn run(mut self, rx: Receiver<ForecourtCmd>) {
        loop {
            let cycle = Instant::now();
            loop {
                match rx.try_recv() {
                    Ok(cmd) => self.command(cmd),
                    Err(mpsc::TryRecvError::Empty) => break,
                    Err(mpsc::TryRecvError::Disconnected) => return,
                }
            }
            for i in 0..self.setup.len() {
                self.poll(i);
                if self.view(i, |v| v.prices_pending).unwrap_or(false) {
                    self.send_prices_if_idle(i);
                }
            }
            // The line is up while any pump answers; it is down once every pump is silent.
            if self.misses.contains(&0) {
                if !self.health.get().online {
                    self.health.online("ready");
                }
            } else if self.misses.iter().all(|m| *m >= OFFLINE_AFTER) && self.health.get().online {
                self.health.offline();
            }
            // A cycle at most every 50 ms: live figures without flooding the line.
            if let Some(rest) = Duration::from_millis(50).checked_sub(cycle.elapsed()) {
                std::thread::sleep(rest);
            }
        }
    }

    fn index(&self, pump: u8) -> Option<usize> {
        self.setup.iter().position(|p| p.number == pump)
    }

    fn send(&mut self, i: usize, cmds: &[PosCommand]) -> bool {
        let address = self.setup[i].address;
        match self.master.send(address, cmds) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("pump {}: {e}", self.setup[i].number);
                false
            }
        }
    }

    fn command(&mut self, cmd: ForecourtCmd) {
        match cmd {
            ForecourtCmd::Authorize { pump, preset } => {
                let Some(i) = self.index(pump) else { return };
                let mut cmds = Vec::new();
                match preset {
                    Some(Preset::Amount(a)) => cmds.push(PosCommand::PresetAmount(raw(a, AMOUNT_DP))),
                    Some(Preset::Volume(v)) => cmds.push(PosCommand::PresetVolume(raw(v, VOLUME_DP))),
                    None => {}
                }
                cmds.push(PosCommand::Command(Dcc::Authorize));
                self.send(i, &cmds);
            }
            ForecourtCmd::Stop { pump } => {
                if let Some(i) = self.index(pump) {
                    self.send(i, &[PosCommand::Command(Dcc::Stop)]);
                }
            }
            ForecourtCmd::StopAll => {
                for i in 0..self.setup.len() {
                    self.send(i, &[PosCommand::Command(Dcc::Stop)]);
                }
            }
            ForecourtCmd::Resume { pump } => {
                if let Some(i) = self.index(pump) {
                    self.send(i, &[PosCommand::Command(Dcc::Resume)]);
                }
            }
            ForecourtCmd::AuthorizeAllCalling => {
                for i in 0..self.setup.len() {
                    if self.view(i, |v| v.state == PumpState::Calling).unwrap_or(false) {
                        self.send(i, &[PosCommand::Command(Dcc::Authorize)]);
                    }
                }
            }
            ForecourtCmd::ReadTotals => {
                for i in 0..self.setup.len() {
                    self.view(i, |v| {
                        v.totals = None;
                        v.nozzle_totals.clear();
                    });
                    // Each nozzle's meter, then the pump's.
                    let nozzles = self.setup[i].grades.len().min(8) as u8;
                    let mut cmds: Vec<PosCommand> = (1..=nozzles).map(PosCommand::RequestTotals).collect();
                    cmds.push(PosCommand::RequestTotals(9));
                    self.send(i, &cmds);
                }
            }
            ForecourtCmd::SetPrices(prices) => {
                for (code, price) in prices {
                    if let Some(g) = self.grades.iter_mut().find(|g| g.code == code) {
                        g.price_per_litre = price;
                    }
                }
                for i in 0..self.setup.len() {
                    self.view(i, |v| v.prices_pending = true);
                    self.send_prices_if_idle(i);
                }
            }
            ForecourtCmd::Reset { pump } => {
                if let Some(i) = self.index(pump) {
                    if self.send(i, &[PosCommand::Command(Dcc::Reset)]) {
                        self.view(i, |v| {
                            v.volume = Decimal::ZERO;
                            v.amount = Decimal::ZERO;
                        });
                    }
                }
            }
        }
    }

    fn poll(&mut self, i: usize) {
        let address = self.setup[i].address;
        match self.master.poll(address) {
            Ok(replies) => {
                self.misses[i] = 0;
                if self.view(i, |v| v.state == PumpState::Offline).unwrap_or(false) && self.status[i].is_none() {
                    // First answer (or back after silence): ask where it stands; the state
                    // follows from its status reply.
                    self.send(i, &[PosCommand::Command(Dcc::ReturnStatus), PosCommand::Command(Dcc::FillingInfo)]);
                }
                for r in replies {
                    self.reply(i, r);
                }
            }
            Err(till_hardware::dart::master::MasterError::BadBlock { source, .. }) => {
                tracing::warn!("pump {}: {source}", self.setup[i].number);
                self.view(i, |v| v.state = PumpState::Error);
            }
            Err(_) => {
                self.misses[i] += 1;
                if self.misses[i] >= OFFLINE_AFTER {
                    self.view(i, |v| v.state = PumpState::Offline);
                    // Its state is unknown until it answers again.
                    self.status[i] = None;
                    self.figures[i] = false;
                }
            }
        }
    }

    fn grade_of(&self, i: usize, nozzle: u8) -> Option<String> {
        self.setup[i].grades.get(usize::from(nozzle).wrapping_sub(1)).cloned()
    }

    fn reply(&mut self, i: usize, r: PumpReply) {
        match r {
            PumpReply::Status(s) => {
                self.status[i] = Some(s);
                let state = match s {
                    PumpStatus::NotProgrammed => {
                        // Programmed now; it reports FILLING COMPLETED, is reset, then idle.
                        let prices = self.prices(i);
                        self.send(i, &[PosCommand::Prices(prices)]);
                        return;
                    }
                    PumpStatus::Reset => {
                        if self.nozzle[i].is_some() {
                            PumpState::Calling
                        } else {
                            PumpState::Idle
                        }
                    }
                    PumpStatus::Authorized => PumpState::Authorized,
                    PumpStatus::Filling => PumpState::Filling,
                    PumpStatus::FillingCompleted | PumpStatus::MaxReached => {
                        let filled = self.view(i, |v| !v.amount.is_zero()).unwrap_or(false);
                        if filled {
                            PumpState::Completed
                        } else if !self.figures[i] {
                            // Back after a silence (or Till just started): the fill's figures
                            // decide whether there is one to pay; never reset before they came.
                            self.send(i, &[PosCommand::Command(Dcc::FillingInfo)]);
                            return;
                        } else {
                            // Nothing was dispensed (or prices were just set): ready again.
                            self.send(i, &[PosCommand::Command(Dcc::Reset)]);
                            PumpState::Idle
                        }
                    }
                    PumpStatus::Suspended | PumpStatus::SwitchedOff => PumpState::Stopped,
                };
                self.view(i, |v| v.state = state);
            }
            PumpReply::Filling { volume, amount } => {
                self.figures[i] = true;
                // A completed filling whose figures say nothing was dispensed: ready again.
                if amount == 0 && matches!(self.status[i], Some(PumpStatus::FillingCompleted | PumpStatus::MaxReached))
                {
                    self.send(i, &[PosCommand::Command(Dcc::Reset)]);
                }
                self.view(i, |v| {
                    v.volume = Decimal::new(i64::from(volume), VOLUME_DP);
                    v.amount = Decimal::new(i64::from(amount), AMOUNT_DP);
                    if v.state == PumpState::Completed || v.state == PumpState::Filling {
                        return;
                    }
                    if amount > 0 && v.state == PumpState::Authorized {
                        v.state = PumpState::Filling;
                    }
                });
                // A fill that was reported complete before its figures arrived.
                if matches!(self.status[i], Some(PumpStatus::FillingCompleted | PumpStatus::MaxReached)) && amount > 0 {
                    self.view(i, |v| v.state = PumpState::Completed);
                }
            }
            PumpReply::Nozzle { price, nozzle, out } => {
                self.nozzle[i] = out.then_some(nozzle);
                let grade = self.grade_of(i, nozzle);
                let calling = out && self.status[i] == Some(PumpStatus::Reset);
                self.view(i, |v| {
                    if out {
                        v.grade = grade;
                        v.price = Decimal::new(i64::from(price), PRICE_DP);
                    }
                    if calling {
                        v.state = PumpState::Calling;
                    } else if !out && v.state == PumpState::Calling {
                        v.state = PumpState::Idle;
                    }
                });
            }
            PumpReply::Totals { counter, volume, amount, .. } => {
                let t = (Decimal::new(volume as i64, VOLUME_DP), Decimal::new(amount as i64, AMOUNT_DP));
                self.view(i, |v| match counter {
                    1..=8 => {
                        v.nozzle_totals.retain(|n| n.0 != counter);
                        v.nozzle_totals.push((counter, t.0, t.1));
                        v.nozzle_totals.sort_by_key(|n| n.0);
                    }
                    _ => v.totals = Some(t),
                });
            }
        }
    }
}
