//! The card terminal on the counter (ZVT): a thread that owns the link and runs one transaction
//! at a time. It decides nothing: an approving status information is handed to the session as a
//! [`Report::CardApproved`] with a [`Decision`] slot, and the terminal is told "goods issued"
//! only once the session has stored the payment; if the session cannot, or does not answer in
//! time, the terminal is told "goods not issued" and reverses. A link that fails is never answered
//! by sending the authorization again: the session is told the payment is unclear and asks the
//! terminal what became of it (`recover`: repeat receipt, no print).

use crate::config::CardTerminalConfig;
use crate::effects::Report;
use crate::service::CardEnd;
use crate::store::TerminalAnswer;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use till_hardware::zvt::ecr::EcrError;
use till_hardware::zvt::msg::{self, StatusInfo};
use till_hardware::zvt::{transact, Answer, Progress, SerialTransport, TcpTransport, Transport};

/// The answer time the till asks the terminal for (BMP 01), in seconds.
pub const ANSWER_SECS: u8 = 30;
/// How long the driver waits for the session to store an approved payment before it answers
/// "goods not issued" itself (well inside the terminal's answer time).
pub const DECISION_WAIT: Duration = Duration::from_secs(20);
/// How often, and how far apart, recovery asks a terminal that does not answer.
const RECOVER_TRIES: u32 = 3;
const RECOVER_GAP: Duration = Duration::from_secs(2);

/// What the terminal's answer will be: decided once, by whichever side comes first. The
/// session side `claim`s it before it stores the payment, so a timeout on the driver's side can
/// never answer "not issued" for a payment that is being stored.
#[derive(Clone, Default)]
pub struct Decision(Arc<(Mutex<Slot>, Condvar)>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Slot {
    #[default]
    Open,
    Claimed,
    Decided(bool),
}

impl std::fmt::Debug for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Decision({:?})", *lock(&self.0 .0))
    }
}

impl PartialEq for Decision {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl Eq for Decision {}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Decision {
    /// The session side takes the decision; false when the driver already answered.
    pub fn claim(&self) -> bool {
        let mut s = lock(&self.0 .0);
        if *s == Slot::Open {
            *s = Slot::Claimed;
            true
        } else {
            false
        }
    }

    /// The session side's decision: true once the payment is durable.
    pub fn decide(&self, issued: bool) {
        *lock(&self.0 .0) = Slot::Decided(issued);
        self.0 .1.notify_all();
    }

    /// The driver's side: the decision, or "not issued" if nobody claimed it within `wait`.
    fn wait(&self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        let mut s = lock(&self.0 .0);
        loop {
            match *s {
                Slot::Decided(v) => return v,
                Slot::Open if Instant::now() >= deadline => {
                    *s = Slot::Decided(false);
                    return false;
                }
                // Claimed: the payment is being stored; its outcome is waited for however long.
                Slot::Claimed => s = self.0 .1.wait(s).unwrap_or_else(|e| e.into_inner()),
                Slot::Open => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    s = self.0 .1.wait_timeout(s, left).unwrap_or_else(|e| e.into_inner()).0;
                }
            }
        }
    }
}

/// What the terminal said of a payment it approved, as the store keeps it.
pub fn answer_of(s: &StatusInfo) -> TerminalAnswer {
    TerminalAnswer {
        result_code: s.result.map(i64::from),
        pt_receipt: s.receipt.map(i64::from),
        trace: s.trace.map(i64::from),
        pan: s.pan.clone(),
        card_name: s.card_name.clone(),
        auth_code: s.auth_code.clone(),
    }
}

type ReportFn = Box<dyn Fn(Report) + Send>;

/// What a transaction does with the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Payment,
    /// Pays an amount back to a card (`06 31`).
    Refund,
    /// Reverses the terminal's receipt of the same day (`06 30`).
    Reversal(i64),
    /// Pay-at-pump: reserves the amount on the card for a pump (`06 22`).
    Reserve {
        pump: u8,
    },
    /// Books what was filled on the reservation of this terminal receipt (`06 24`).
    Book(i64),
    /// Releases the reservation of this terminal receipt (`06 25`).
    Release(i64),
}

enum Job {
    Pay { intent: i64, op: Op, amount_minor: i64, pump: Option<u8>, report: ReportFn },
    Recover { intent: i64, report: ReportFn },
    EndOfDay { report: ReportFn },
    OpenReservations { report: ReportFn },
}

/// The card terminal's thread, as the effects executor drives it.
#[derive(Clone)]
pub struct CardTerminal {
    jobs: Sender<Job>,
    abort: Arc<AtomicBool>,
    /// Whether the terminal answered the last time it was asked (a transaction, or the probe
    /// the thread makes when idle).
    pub health: crate::devices::link::Health,
}

/// How often an idle terminal is probed (connect and register) for the status bar.
const PROBE_EVERY: Duration = Duration::from_secs(60);

impl CardTerminal {
    /// The terminal the configuration names; nothing is opened until the first payment.
    pub fn open(cfg: &CardTerminalConfig) -> CardTerminal {
        let (jobs, rx) = mpsc::channel();
        let abort = Arc::new(AtomicBool::new(false));
        let health = crate::devices::link::Health::default();
        let worker =
            Worker { cfg: cfg.clone(), link: None, abort: abort.clone(), health: health.clone(), lines: Vec::new() };
        let spawned = std::thread::Builder::new().name("till-card-terminal".into()).spawn(move || worker.run(rx));
        if let Err(e) = spawned {
            tracing::error!("the card terminal's thread did not start: {e}");
        }
        CardTerminal { jobs, abort, health }
    }

    /// Takes a payment; `report` hears the approval (to decide) and the ending.
    pub fn pay(&self, intent: i64, op: Op, amount_minor: i64, report: impl Fn(Report) + Send + 'static) {
        self.abort.store(false, Ordering::SeqCst);
        let job = Job::Pay { intent, op, amount_minor, pump: None, report: Box::new(report) };
        if let Err(mpsc::SendError(Job::Pay { report, .. })) = self.jobs.send(job) {
            report(Report::CardFinished {
                intent,
                end: Some(CardEnd::Unclear("the card terminal's thread stopped".into())),
                lines: Vec::new(),
            });
        }
    }

    /// Asks the terminal what became of an unclear payment.
    pub fn recover(&self, intent: i64, report: impl Fn(Report) + Send + 'static) {
        if let Err(mpsc::SendError(Job::Recover { report, .. })) =
            self.jobs.send(Job::Recover { intent, report: Box::new(report) })
        {
            report(Report::CardRecovered {
                intent,
                last: None,
                failed: Some("the card terminal's thread stopped".into()),
            });
        }
    }

    /// Closes the terminal's day; reports its total.
    pub fn end_of_day(&self, report: impl Fn(Report) + Send + 'static) {
        if let Err(mpsc::SendError(Job::EndOfDay { report })) =
            self.jobs.send(Job::EndOfDay { report: Box::new(report) })
        {
            report(Report::CardDayClosed {
                terminal_minor: None,
                failed: Some("the card terminal's thread stopped".into()),
            });
        }
    }

    /// Asks the terminal for its open reservations (pay-at-pump recovery).
    pub fn open_reservations(&self, report: impl Fn(Report) + Send + 'static) {
        if let Err(mpsc::SendError(Job::OpenReservations { report })) =
            self.jobs.send(Job::OpenReservations { report: Box::new(report) })
        {
            report(Report::OpenReservations { list: None, failed: Some("the card terminal's thread stopped".into()) });
        }
    }

    /// Asks the terminal to abort the payment in progress (it may be too late: the terminal's
    /// ending says).
    pub fn abort(&self) {
        self.abort.store(true, Ordering::SeqCst);
    }
}

struct Worker {
    cfg: CardTerminalConfig,
    link: Option<Box<dyn Transport>>,
    abort: Arc<AtomicBool>,
    health: crate::devices::link::Health,
    /// The receipt lines the last transaction sent.
    lines: Vec<String>,
}

impl Worker {
    fn run(mut self, rx: Receiver<Job>) {
        let tcp = self.cfg.port.starts_with("tcp://");
        // The first probe at once, for the status bar; then when idle.
        let mut wait = Duration::ZERO;
        loop {
            let job = match rx.recv_timeout(wait) {
                Ok(job) => job,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    // Idle: is the terminal there? (Connect and register; nothing is charged.)
                    wait = PROBE_EVERY;
                    let _ = self.link();
                    if tcp {
                        self.link = None;
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            };
            match job {
                Job::Pay { intent, op, amount_minor, pump, report } => {
                    let end = self.pay(intent, op, amount_minor, pump, &report);
                    let lines = std::mem::take(&mut self.lines);
                    report(Report::CardFinished { intent, end, lines });
                }
                Job::EndOfDay { report } => {
                    let r = self.end_of_day();
                    report(match r {
                        Ok(t) => Report::CardDayClosed { terminal_minor: Some(t), failed: None },
                        Err(e) => Report::CardDayClosed { terminal_minor: None, failed: Some(e) },
                    });
                }
                Job::OpenReservations { report } => {
                    let r = self.open_reservations();
                    report(match r {
                        Ok(list) => Report::OpenReservations { list: Some(list), failed: None },
                        Err(e) => Report::OpenReservations { list: None, failed: Some(e) },
                    });
                }
                Job::Recover { intent, report } => {
                    let (last, failed) = self.recover();
                    report(Report::CardRecovered { intent, last, failed });
                }
            }
            // Terminals close idle TCP connections: each transaction opens its own.
            if tcp {
                self.link = None;
            }
        }
    }

    /// The link, opened and registered if it is not.
    fn link(&mut self) -> Result<&mut Box<dyn Transport>, EcrError> {
        if self.link.is_none() {
            let t = self.open();
            match &t {
                Ok(_) => self.health.online("ready"),
                Err(_) => self.health.offline(),
            }
            self.link = Some(t?);
        }
        self.link.as_mut().ok_or(EcrError::NoAnswer(Duration::ZERO))
    }

    fn open(&mut self) -> Result<Box<dyn Transport>, EcrError> {
        {
            let mut t = connect(&self.cfg.port)?;
            let reg = msg::registration(self.cfg.password, msg::CFG_INTERMEDIATE_STATUS, self.cfg.currency_numeric)?;
            let end = transact(t.as_mut(), &reg, None, &mut |_| {}, &mut |_| Answer::Issued)?;
            if let Some(code) = end.refused {
                tracing::warn!("the card terminal refused the registration ({code:02X}); going on");
            }
            Ok(t)
        }
    }

    /// One payment to its end: `None` when it was approved and "goods issued" was answered.
    fn pay(&mut self, intent: i64, op: Op, amount_minor: i64, pump: Option<u8>, report: &ReportFn) -> Option<CardEnd> {
        let Ok(minor) = u64::try_from(amount_minor) else { return Some(CardEnd::Declined(0xFF)) };
        let (pw, cur) = (self.cfg.password, self.cfg.currency_numeric);
        let cmd = match op {
            Op::Payment => msg::authorization(minor, cur, pump, Some(ANSWER_SECS)),
            Op::Refund => msg::refund(pw, minor, cur),
            Op::Reversal(r) => match u16::try_from(r) {
                Ok(r) => msg::reversal(pw, r),
                Err(_) => return Some(CardEnd::Declined(0xFF)),
            },
            Op::Reserve { pump } => msg::reservation(minor, cur, pump),
            Op::Book(r) | Op::Release(r) => match (u16::try_from(r), op) {
                (Ok(r), Op::Book(_)) => msg::book_total(r, minor),
                (Ok(r), _) => Ok(msg::preauth_reversal(r)),
                (Err(_), _) => return Some(CardEnd::Declined(0xFF)),
            },
        };
        let cmd = match cmd {
            Ok(c) => c,
            Err(e) => return Some(CardEnd::NotAsked(e.to_string())),
        };
        let abort = self.abort.clone();
        let link = match self.link() {
            Ok(l) => l,
            // Nothing was sent: the payment was not asked for.
            Err(e) => {
                self.link = None;
                return Some(CardEnd::NotAsked(e.to_string()));
            }
        };
        let mut decided = None;
        let mut receipt = None;
        let result = transact(
            link.as_mut(),
            &cmd,
            Some(&abort),
            &mut |p| {
                if let Progress::Status(code) = p {
                    report(Report::CardProgress { intent, code });
                }
            },
            &mut |status| {
                let decision = Decision::default();
                receipt = status.receipt;
                report(Report::CardApproved {
                    intent,
                    answer: answer_of(status),
                    amount_minor: status.amount_minor.and_then(|a| i64::try_from(a).ok()),
                    decision: decision.clone(),
                });
                let issued = decision.wait(DECISION_WAIT);
                decided = Some(issued);
                if issued {
                    Answer::Issued
                } else {
                    Answer::NotIssued(0x66)
                }
            },
        );
        if let Ok(end) = &result {
            self.lines = end.lines.clone();
        }
        match result {
            Ok(end) if end.approved() => None,
            Ok(_) if decided == Some(false) => Some(CardEnd::NotIssued),
            Ok(end) => Some(CardEnd::Declined(end.code().unwrap_or(0xFF))),
            Err(e) => {
                self.link = None;
                match decided {
                    // Stored and answered "issued", but did the terminal hear it? It is asked:
                    // an unanswered payment is reversed by the terminal.
                    Some(true) => {
                        tracing::warn!("card terminal link failed after the payment was stored: {e}; asking it");
                        let (last, failed) = self.recover();
                        let stands = match (last, failed) {
                            (Some((a, _)), _) if a.pt_receipt == receipt.map(i64::from) => {
                                Some(a.result_code == Some(0))
                            }
                            // Its last transaction is another one: this one was not kept.
                            (Some(_), _) => Some(false),
                            (None, _) => None,
                        };
                        if stands == Some(true) {
                            None
                        } else {
                            Some(CardEnd::AfterSale { stands })
                        }
                    }
                    _ => Some(CardEnd::Unclear(e.to_string())),
                }
            }
        }
    }

    /// `06 50`: the day's net total the terminal sends in its status information.
    fn end_of_day(&mut self) -> Result<i64, String> {
        let cmd = msg::end_of_day(self.cfg.password).map_err(|e| e.to_string())?;
        let link = match self.link() {
            Ok(l) => l,
            Err(e) => {
                self.link = None;
                return Err(e.to_string());
            }
        };
        match transact(link.as_mut(), &cmd, None, &mut |_| {}, &mut |_| Answer::Issued) {
            Ok(end) if end.approved() => end
                .status
                .and_then(|s| s.amount_minor)
                .and_then(|a| i64::try_from(a).ok())
                .ok_or_else(|| "the terminal sent no total".to_string()),
            Ok(end) => {
                Err(format!("the terminal refused the end-of-day: {}", msg::result_text(end.code().unwrap_or(0xFF))))
            }
            Err(e) => {
                self.link = None;
                Err(e.to_string())
            }
        }
    }

    /// `06 23 87 FF FF`: the terminal's open reservations, (terminal receipt, amount).
    fn open_reservations(&mut self) -> Result<Vec<(i64, i64)>, String> {
        let link = match self.link() {
            Ok(l) => l,
            Err(e) => {
                self.link = None;
                return Err(e.to_string());
            }
        };
        match transact(link.as_mut(), &msg::open_reservations(), None, &mut |_| {}, &mut |_| Answer::Issued) {
            Ok(end) if end.refused.is_none() && end.aborted.is_none() => Ok(end
                .statuses
                .iter()
                .filter_map(|s| Some((i64::from(s.receipt?), i64::try_from(s.amount_minor?).ok()?)))
                .collect()),
            Ok(end) => Err(format!(
                "the terminal refused to list its reservations: {}",
                msg::result_text(end.refused.or(end.aborted).unwrap_or(0xFF))
            )),
            Err(e) => {
                self.link = None;
                Err(e.to_string())
            }
        }
    }

    /// The terminal's last transaction (repeat receipt, no print), with its amount.
    fn recover(&mut self) -> (Option<(TerminalAnswer, i64)>, Option<String>) {
        let mut failed = String::new();
        for n in 0..RECOVER_TRIES {
            if n > 0 {
                std::thread::sleep(RECOVER_GAP);
            }
            let cmd = match msg::repeat_receipt(self.cfg.password, msg::SERVICE_STATUS_NO_PRINT) {
                Ok(c) => c,
                Err(e) => return (None, Some(e.to_string())),
            };
            let link = match self.link() {
                Ok(l) => l,
                Err(e) => {
                    self.link = None;
                    failed = e.to_string();
                    continue;
                }
            };
            match transact(link.as_mut(), &cmd, None, &mut |_| {}, &mut |_| Answer::Issued) {
                Ok(end) => {
                    let last = end.status.as_ref().and_then(|s| {
                        let amount = i64::try_from(s.amount_minor?).ok()?;
                        Some((answer_of(s), amount))
                    });
                    return (last, None);
                }
                Err(e) => {
                    self.link = None;
                    failed = e.to_string();
                }
            }
        }
        (None, Some(failed))
    }
}

/// Opens `tcp://HOST:PORT` (bare APDUs) or a serial port (9600 8N2, framed).
pub(crate) fn connect(port: &str) -> Result<Box<dyn Transport>, EcrError> {
    if let Some(addr) = port.strip_prefix("tcp://") {
        return Ok(Box::new(TcpTransport::connect(addr, Duration::from_secs(3))?));
    }
    let p = serialport::new(port, 9600)
        .data_bits(serialport::DataBits::Eight)
        .parity(serialport::Parity::None)
        .stop_bits(serialport::StopBits::Two)
        .timeout(Duration::from_millis(100))
        .open_native()
        .map_err(|e| EcrError::Link(std::io::Error::other(e).into()))?;
    Ok(Box::new(SerialTransport::new(p)))
}
