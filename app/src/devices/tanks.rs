//! The tank monitor: a thread that asks the tank gauge for its inventory now and then and keeps
//! the last readings with Till's alarms (low level, high water, gauge alarm).

use crate::devices::link::{Health, Link, LinkIo};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use till_hardware::tls::{self, TankReading};

#[derive(Debug, Clone, PartialEq)]
pub struct TankView {
    pub reading: TankReading,
    pub alarms: Vec<&'static str>,
}

/// The last inventory, or why there is none.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TankState {
    pub tanks: Vec<TankView>,
    pub error: Option<String>,
    /// How many inventories have come in (a reading asked for waits for the next one).
    pub reads: u64,
    /// The deliveries the gauge keeps (its `i202` report), newest first; empty for a gauge
    /// that has no delivery report.
    pub deliveries: Vec<GaugeDelivery>,
    /// Whether the gauge answered its delivery report.
    pub reports_deliveries: bool,
}

/// A delivery the gauge saw: the tank, the gauge's start and end times, the litres its level
/// rose (exact, each volume rounded as `gauge_litres` does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GaugeDelivery {
    pub tank: u8,
    pub start: String,
    pub end: String,
    pub litres: rust_decimal::Decimal,
}

/// What a reading of the gauge gives: each tank's volume, and the deliveries it reports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GaugeReading {
    pub volumes: Vec<(u8, rust_decimal::Decimal)>,
    /// `None`: the gauge gave no delivery report (it has none, or it failed this time).
    pub deliveries: Option<Vec<GaugeDelivery>>,
}

#[derive(Clone)]
pub struct TankMonitor {
    state: Arc<Mutex<TankState>>,
    /// The gauge: online while it answers.
    pub health: Health,
}

/// How often the monitor looks whether the gauge's line is still there (between inventories).
const LOOK: Duration = Duration::from_millis(500);

impl TankMonitor {
    /// Starts polling the gauge on `port` every `every`.
    pub fn start<P: Read + Write + Send + 'static>(port: P, every: Duration) -> TankMonitor {
        TankMonitor::run(port, every, Health::default(), |_| {})
    }

    /// The tank gauge on a configured line (a serial port or `tcp://`), opened when first
    /// needed and again after it failed or vanished: offline on the status bar within a second
    /// of its device file going, back by itself.
    pub fn open(spec: &str, every: Duration) -> TankMonitor {
        let io = LinkIo::new(Link::new(spec, 9600, Duration::from_millis(20)), Health::default());
        let health = io.health.clone();
        TankMonitor::run(io, every, health, |io: &mut LinkIo| {
            if io.link.check_vanished() {
                io.health.offline();
            }
        })
    }

    fn run<P: Read + Write + Send + 'static>(
        mut port: P,
        every: Duration,
        health: Health,
        look: impl Fn(&mut P) + Send + 'static,
    ) -> TankMonitor {
        let state = Arc::new(Mutex::new(TankState::default()));
        let (shared, h) = (state.clone(), health.clone());
        std::thread::Builder::new()
            .name("till-tanks".into())
            .spawn(move || {
                // Until the gauge says it has no delivery report (an older one), it is asked too.
                let mut reports_deliveries = true;
                loop {
                    let result = read_inventory(&mut port).map(|i| i.tanks).map_err(|e| e.to_string());
                    let deliveries = match (&result, reports_deliveries) {
                        (Ok(_), true) => match read_deliveries(&mut port) {
                            Ok(d) => Some(d),
                            Err(GaugeError::Unusable(e)) if e == tls::TlsError::UnknownCommand.to_string() => {
                                reports_deliveries = false;
                                None
                            }
                            Err(e) => {
                                tracing::warn!("the gauge's delivery report: {e}");
                                None
                            }
                        },
                        _ => None,
                    };
                    match &result {
                        Ok(_) => h.online("ready"),
                        Err(_) => h.offline(),
                    }
                    if let Ok(mut s) = shared.lock() {
                        match result {
                            Ok(tanks) => {
                                s.tanks = tanks
                                    .into_iter()
                                    .map(|r| TankView { alarms: tank_alarms(&r), reading: r })
                                    .collect();
                                s.error = None;
                                s.reports_deliveries = deliveries.is_some();
                                if let Some(d) = deliveries {
                                    s.deliveries = d;
                                }
                                s.reads = s.reads.wrapping_add(1);
                            }
                            Err(e) => s.error = Some(e),
                        }
                    }
                    let next = Instant::now() + every;
                    while Instant::now() < next {
                        std::thread::sleep(LOOK.min(every));
                        look(&mut port);
                    }
                }
            })
            .ok();
        TankMonitor { state, health }
    }

    pub fn state(&self) -> TankState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The tanks' volumes from the next inventory that comes in (or the last one after
    /// `patience`), in litres to 0.01 l (the gauge reports binary floating point: each volume is
    /// rounded half-even to two decimals, the rule `GAUGE_VOLUME_DP`).
    pub fn next_reading(&self, patience: Duration) -> Result<GaugeReading, String> {
        let start = self.state().reads;
        let deadline = Instant::now() + patience;
        while self.state().reads == start && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let s = self.state();
        if s.reads == 0 {
            return Err(s.error.unwrap_or_else(|| "the tank gauge has not answered yet".into()));
        }
        let volumes =
            s.tanks.iter().filter_map(|t| gauge_litres(t.reading.volume).map(|v| (t.reading.tank, v))).collect();
        Ok(GaugeReading { volumes, deliveries: s.reports_deliveries.then_some(s.deliveries) })
    }
}

/// Decimals kept of a gauge's volume.
pub const GAUGE_VOLUME_DP: u32 = 2;

/// A gauge's volume as exact litres (None for a value that is not a volume: NaN, negative).
pub fn gauge_litres(v: f32) -> Option<rust_decimal::Decimal> {
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    rust_decimal::Decimal::from_f32_retain(v)
        .map(|d| d.round_dp_with_strategy(GAUGE_VOLUME_DP, rust_decimal::RoundingStrategy::MidpointNearestEven))
}

/// Alarms Till raises from a tank reading: low level under 10 % of capacity, high water over
/// 30 (the gauge's height unit).
pub fn tank_alarms(t: &till_hardware::tls::TankReading) -> Vec<&'static str> {
    let mut a = Vec::new();
    let capacity = t.volume + t.ullage;
    if capacity > 0.0 && t.volume < capacity * 0.10 {
        a.push("low_level");
    }
    if t.water > 30.0 {
        a.push("high_water");
    }
    if t.status != 0 {
        a.push("gauge_alarm");
    }
    a
}

/// Why the gauge gave no inventory.
#[derive(Debug, thiserror::Error)]
pub enum GaugeError {
    #[error("the tank gauge does not answer")]
    NoAnswer,
    #[error("tank gauge: {0}")]
    Unusable(String),
    #[error("tank gauge: {0}")]
    Io(#[from] std::io::Error),
}

/// Asks the gauge for its inventory (`i201`, all tanks) and waits up to 3 s for the reply.
pub fn read_inventory<P: Read + Write>(port: &mut P) -> Result<tls::Inventory, GaugeError> {
    let reply = ask(port, &tls::request_i201(0))?;
    tls::parse_i201(&reply).map_err(|e| GaugeError::Unusable(e.to_string()))
}

/// Asks the gauge for its delivery report (`i202`, all tanks); deliveries whose volumes are not
/// volumes are left out.
pub fn read_deliveries<P: Read + Write>(port: &mut P) -> Result<Vec<GaugeDelivery>, GaugeError> {
    let reply = ask(port, &tls::request_i202(0))?;
    let (_, list) = tls::parse_i202(&reply).map_err(|e| GaugeError::Unusable(e.to_string()))?;
    Ok(list
        .into_iter()
        .filter_map(|d| {
            let litres = gauge_litres(d.end_volume)? - gauge_litres(d.start_volume)?;
            Some(GaugeDelivery { tank: d.tank, start: d.start, end: d.end, litres })
        })
        .collect())
}

/// Sends a request and waits up to 3 s for its reply (up to ETX).
fn ask<P: Read + Write>(port: &mut P, request: &[u8]) -> Result<Vec<u8>, GaugeError> {
    // Whatever the gauge sent unasked is skipped, but only so much of it.
    let _ = crate::devices::link::drain(port);
    port.write_all(request)?;
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut reply = Vec::new();
    let mut buf = [0u8; 512];
    while Instant::now() < deadline && reply.last() != Some(&tls::ETX) {
        match port.read(&mut buf) {
            Ok(n) => reply.extend_from_slice(&buf[..n]),
            Err(e) if crate::devices::link::fatal(&e) => return Err(e.into()),
            Err(_) => {}
        }
    }
    if reply.is_empty() {
        return Err(GaugeError::NoAnswer);
    }
    Ok(reply)
}
