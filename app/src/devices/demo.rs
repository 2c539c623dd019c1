//! Demo mode's devices and a site's configured lines: simulated pumps with customers, a tank
//! gauge, a printer, a display and a scale on pseudo-terminals inside the process; the lines a
//! site configured; the in-process head office. The simulators' pty plumbing is shared with
//! `till sim`.

use anyhow::{bail, Context};
use serialport::{SerialPort, TTYPort};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use till_hardware::dart::app::PumpStatus;
use till_hardware::dart::sim::{serve, SimBus, SimPump};

/// Demo mode's forecourt: four simulated pumps on a pseudo-terminal inside the process, driven by
/// simulated customers who lift a nozzle now and then and hang up after 15 to 45 litres, and the
/// real forecourt service talking DART to them over the pty.
pub fn demo_forecourt(
    grades: &[crate::domain::catalog::FuelGrade],
) -> anyhow::Result<crate::devices::forecourt::Forecourt> {
    let (mut sim_end, till_end) = TTYPort::pair().context("cannot create a pseudo-terminal")?;
    sim_end.set_timeout(Duration::from_millis(2))?;
    let mut till_end = till_end;
    till_end.set_timeout(Duration::from_millis(2))?;
    let pumps: Vec<SimPump> = (0..4u8)
        .map(|i| {
            let mut p = SimPump::new(0x50 + i, 4);
            p.flow_per_tick = 10; // 1 litre a second
            p
        })
        .collect();
    let bus = Arc::new(Mutex::new(SimBus::new(pumps)));
    let stop = Arc::new(AtomicBool::new(false));
    let (b, s) = (bus.clone(), stop.clone());
    std::thread::Builder::new()
        .name("till-demo-pumps".into())
        .spawn(move || serve(&mut sim_end, &b, &s, Duration::from_millis(100)))?;
    std::thread::Builder::new().name("till-demo-customers".into()).spawn(move || demo_customers(&bus))?;
    let codes = ["E5", "E10", "SP98", "B7"];
    let setup = (0..4u8)
        .map(|i| crate::devices::forecourt::PumpSetup {
            number: i + 1,
            address: 0x50 + i,
            grades: codes.iter().map(|c| c.to_string()).collect(),
        })
        .collect();
    Ok(crate::devices::forecourt::Forecourt::start(till_end, setup, grades.to_vec()))
}

/// Simulated customers: a small linear congruential generator keeps them reproducible.
fn demo_customers(bus: &Mutex<SimBus>) {
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let mut targets = [0u32; 4];
    let mut waiting = [0u32; 4];
    loop {
        std::thread::sleep(Duration::from_millis(700));
        let Ok(mut b) = bus.lock() else { return };
        for (i, pump) in b.pumps.iter_mut().enumerate() {
            match (pump.status, pump.nozzle_out) {
                (PumpStatus::Reset, None) if next(100) < 4 => {
                    targets[i] = 1500 + next(3000) as u32;
                    pump.lift(1 + next(4) as u8);
                }
                // Nobody authorized them for half a minute: they give up.
                (PumpStatus::Reset, Some(_)) => {
                    waiting[i] += 1;
                    if waiting[i] > 40 {
                        waiting[i] = 0;
                        pump.hang();
                    }
                }
                (PumpStatus::Filling, Some(_)) if pump.volume >= targets[i] => pump.hang(),
                (PumpStatus::MaxReached | PumpStatus::FillingCompleted, Some(_)) => pump.hang(),
                _ => {}
            }
        }
    }
}

/// A DART pump line: odd parity, reads that return within 2 ms.
pub(crate) fn open_pump_line(port: &str, baud: u32) -> serialport::Result<TTYPort> {
    serialport::new(port, baud).parity(serialport::Parity::Odd).timeout(Duration::from_millis(2)).open_native()
}

/// A configured site's forecourt: opens the pump line named in the configuration. The service
/// starts even while the port is missing: its pumps show offline until the line answers.
pub fn site_forecourt(
    f: &crate::config::ForecourtConfig,
    grades: &[crate::domain::catalog::FuelGrade],
) -> crate::devices::forecourt::Forecourt {
    crate::devices::forecourt::Forecourt::open(&f.port, f.baud, f.pumps.clone(), grades.to_vec())
}

/// The simulated site's tanks: 30,000 l each, filled to different levels.
pub fn sim_tanks(tanks: u8) -> Vec<till_hardware::tls::TankReading> {
    (1..=tanks)
        .map(|n| till_hardware::tls::TankReading {
            tank: n,
            product: char::from(b'0' + n % 10),
            status: 0,
            volume: 18_000.0 - 5_200.0 * f32::from(n - 1),
            tc_volume: 17_950.0 - 5_200.0 * f32::from(n - 1),
            ullage: 12_000.0 + 5_200.0 * f32::from(n - 1),
            height: 1_400.0 - 250.0 * f32::from(n - 1),
            water: if n == 3 { 36.0 } else { 4.0 },
            temperature: 12.5,
            water_volume: 9.0,
        })
        .collect()
}

/// Demo mode's tank gauge: a simulated TLS gauge on a pty inside the process, and the tank
/// monitor reading it.
pub fn demo_tanks() -> anyhow::Result<crate::devices::tanks::TankMonitor> {
    use till_hardware::tls::SimGauge;
    let (sim_end, till_end) = demo_pty(Duration::from_millis(20))?;
    let mut gauge = SimGauge::new(sim_tanks(4));
    std::thread::Builder::new()
        .name("till-demo-gauge".into())
        .spawn(move || serve_pty(sim_end, None, |bytes| Some(gauge.on_bytes(bytes))))?;
    Ok(crate::devices::tanks::TankMonitor::start(till_end, Duration::from_secs(5)))
}

/// A simulator's pseudo-terminal: the simulator's end, the end Till opens (kept open so the pty
/// lives) and its path; with `link`, the path is also reachable as that symbolic link, which is
/// removed when the simulator ends.
pub(crate) struct SimPty {
    sim_end: TTYPort,
    _other: TTYPort,
    pub(crate) path: String,
    link: Option<std::path::PathBuf>,
}

impl SimPty {
    pub(crate) fn new(link: Option<&std::path::Path>) -> anyhow::Result<SimPty> {
        let (mut sim_end, other) = TTYPort::pair().context("cannot create a pseudo-terminal")?;
        let path = other.name().context("the pseudo-terminal has no name")?;
        sim_end.set_timeout(Duration::from_millis(50))?;
        if let Some(l) = link {
            // An old link of ours is replaced; anything else at that path is left alone.
            match std::fs::symlink_metadata(l) {
                Ok(m) if m.file_type().is_symlink() => {
                    std::fs::remove_file(l).with_context(|| format!("cannot replace the link {}", l.display()))?
                }
                Ok(_) => bail!("{} exists and is not a link; give another --link path", l.display()),
                Err(_) => {}
            }
            std::os::unix::fs::symlink(&path, l).with_context(|| format!("cannot create the link {}", l.display()))?;
        }
        Ok(SimPty { sim_end, _other: other, path, link: link.map(|l| l.to_path_buf()) })
    }

    /// The simulator's end, a second handle on the same pty.
    pub(crate) fn sim_end(&self) -> anyhow::Result<TTYPort> {
        Ok(self.sim_end.try_clone_native()?)
    }
}

impl Drop for SimPty {
    fn drop(&mut self) {
        // Only our link: whatever else has taken its place since is left alone.
        if let Some(l) = &self.link {
            if std::fs::symlink_metadata(l).is_ok_and(|m| m.file_type().is_symlink()) {
                let _ = std::fs::remove_file(l);
            }
        }
    }
}

/// A pty pair for a device simulated inside the process: the simulator's end (which waits 50 ms
/// per read when idle) and Till's end (`till_timeout` per read).
pub(crate) fn demo_pty(till_timeout: Duration) -> anyhow::Result<(TTYPort, TTYPort)> {
    let (mut sim_end, mut till_end) = TTYPort::pair().context("cannot create a pseudo-terminal")?;
    sim_end.set_timeout(Duration::from_millis(50))?;
    till_end.set_timeout(till_timeout)?;
    Ok((sim_end, till_end))
}

/// Serves a simulator on its end of a pty: what is read goes to `on_bytes`, whose answer is
/// written back. Ends when `on_bytes` gives up (`None`), when `stop` is set, or when the line is
/// gone (any read error but a timeout: the other end hung up).
pub(crate) fn serve_pty(
    mut port: TTYPort,
    stop: Option<Arc<AtomicBool>>,
    mut on_bytes: impl FnMut(&[u8]) -> Option<Vec<u8>>,
) {
    let mut buf = [0u8; 1024];
    while !stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst)) {
        let n = match port.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
            Err(_) => return,
        };
        if n == 0 {
            continue;
        }
        let Some(answer) = on_bytes(&buf[..n]) else { return };
        if !answer.is_empty() && std::io::Write::write_all(&mut port, &answer).is_err() {
            return;
        }
    }
}

/// A simulated ESC/POS printer on a pty: prints decoded receipts to `out` and answers status
/// requests; `paper` says whether paper is loaded (shared with the operator).
pub(crate) fn serve_printer(port: TTYPort, printer: Arc<Mutex<till_hardware::escpos::SimPrinter>>, echo: bool) {
    serve_pty(port, None, |bytes| {
        let (answer, printed) = {
            let mut p = printer.lock().ok()?;
            let before = p.out.len();
            let answer = p.on_bytes(bytes);
            (answer, p.out[before..].to_vec())
        };
        if echo {
            for e in printed {
                match e {
                    till_hardware::escpos::Printed::Line(l) => println!("| {l}"),
                    other => println!("[{other:?}]"),
                }
            }
        }
        Some(answer)
    });
}

/// Demo mode's receipt printer: a simulated ESC/POS printer on a pty inside the process.
pub fn demo_printer() -> anyhow::Result<crate::devices::printer::Printer> {
    let (sim_end, till_end) = demo_pty(Duration::from_millis(5))?;
    let printer = Arc::new(Mutex::new(till_hardware::escpos::SimPrinter::new()));
    // The demo cashier shuts the drawer about three seconds after it opened.
    let drawer = Arc::downgrade(&printer);
    std::thread::Builder::new().name("till-demo-drawer".into()).spawn(move || {
        let mut open_for = 0;
        while let Some(p) = drawer.upgrade() {
            std::thread::sleep(Duration::from_millis(500));
            let Ok(mut p) = p.lock() else { return };
            open_for = if p.drawer_open { open_for + 1 } else { 0 };
            if open_for >= 6 {
                p.drawer_open = false;
            }
        }
    })?;
    std::thread::Builder::new()
        .name("till-demo-printer".into())
        .spawn(move || serve_printer(sim_end, printer, false))?;
    Ok(crate::devices::printer::Printer::start(till_end))
}

pub(crate) fn serve_display(port: TTYPort, display: Arc<Mutex<till_hardware::display::SimDisplay>>, echo: bool) {
    serve_pty(port, None, |bytes| {
        let lines = {
            let mut d = display.lock().ok()?;
            d.on_bytes(bytes);
            d.lines.clone()
        };
        if echo {
            println!("+--------------------+\n|{}|\n|{}|\n+--------------------+", lines[0], lines[1]);
        }
        Some(Vec::new())
    });
}

/// Demo mode's customer display: a simulated 2x20 display on a pty inside the process.
pub fn demo_display() -> anyhow::Result<crate::devices::display::CustomerDisplay> {
    let (sim_end, till_end) = demo_pty(Duration::from_millis(5))?;
    let d = Arc::new(Mutex::new(till_hardware::display::SimDisplay::new()));
    std::thread::Builder::new().name("till-demo-display".into()).spawn(move || serve_display(sim_end, d, false))?;
    Ok(crate::devices::display::CustomerDisplay::start(till_end, till_hardware::display::Protocol::Epson))
}

pub(crate) fn serve_scale(port: TTYPort, scale: Arc<Mutex<till_hardware::scale::SimScale>>) {
    serve_pty(port, None, |bytes| scale.lock().ok().map(|mut s| s.on_bytes(bytes)));
}

/// Demo mode's scale: a simulated MT-SICS scale with a load that settles after a moment.
pub fn demo_scale() -> anyhow::Result<crate::devices::scale::Scale> {
    use till_hardware::scale::{SimScale, SimState};
    let (sim_end, till_end) = demo_pty(Duration::from_millis(5))?;
    let s = Arc::new(Mutex::new(SimScale::new(SimState::Moving { reads_left: 3, settles_at: 0.755 })));
    std::thread::Builder::new().name("till-demo-scale".into()).spawn(move || serve_scale(sim_end, s))?;
    Ok(crate::devices::scale::Scale::start(till_end))
}

/// The devices of the window: simulated in demo mode, else those the configuration names. A
/// device that cannot be opened is reported, and Till runs without it.
pub fn open_devices(cfg: &crate::config::Config) -> anyhow::Result<crate::gui::Devices> {
    if cfg.demo {
        return Ok(crate::gui::Devices {
            forecourt: Some(demo_forecourt(&cfg.fuel_grades)?),
            tanks: Some(demo_tanks()?),
            // A device assigned on the settings screen replaces its simulator.
            printer: Some(match cfg.printer_port.as_deref() {
                Some(p) => crate::devices::printer::Printer::open(p),
                None => demo_printer()?,
            }),
            display: Some(match &cfg.display {
                Some((port, protocol)) => crate::devices::display::CustomerDisplay::open(port, *protocol),
                None => demo_display()?,
            }),
            scale: Some(match cfg.scale_port.as_deref() {
                Some(p) => crate::devices::scale::Scale::open(p),
                None => demo_scale()?,
            }),
            scanner: cfg
                .scanner_port
                .as_deref()
                .map(|p| crate::devices::scanner::Scanner::open(p, crate::gui::scanned)),
            sync: None,
            card: cfg.card_terminal.as_ref().map(crate::devices::card::CardTerminal::open),
            qr: cfg.qr.as_ref().map(|q| crate::devices::qr::QrProvider::open(q, true)),
            site: site_link(cfg),
        });
    }
    let forecourt = cfg.forecourt.as_ref().map(|f| site_forecourt(f, &cfg.fuel_grades));
    Ok(crate::gui::Devices {
        forecourt,
        tanks: cfg
            .tank_gauge_port
            .as_deref()
            .map(|p| crate::devices::tanks::TankMonitor::open(p, Duration::from_secs(30))),
        printer: cfg.printer_port.as_deref().map(crate::devices::printer::Printer::open),
        display: cfg
            .display
            .as_ref()
            .map(|(port, protocol)| crate::devices::display::CustomerDisplay::open(port, *protocol)),
        scale: cfg.scale_port.as_deref().map(crate::devices::scale::Scale::open),
        scanner: cfg.scanner_port.as_deref().map(|p| crate::devices::scanner::Scanner::open(p, crate::gui::scanned)),
        sync: None,
        card: cfg.card_terminal.as_ref().map(crate::devices::card::CardTerminal::open),
        qr: cfg.qr.as_ref().map(|q| crate::devices::qr::QrProvider::open(q, true)),
        site: site_link(cfg),
    })
}

/// The site link when `[site]` is configured (a port that cannot be listened on is reported,
/// and the terminal runs on its own).
pub fn site_link(cfg: &crate::config::Config) -> Option<crate::devices::site::SiteLink> {
    let site = cfg.site.as_ref()?;
    match crate::devices::site::SiteLink::start(site, &cfg.terminal_id) {
        Ok(l) => Some(l),
        Err(e) => {
            eprintln!("till: the site link did not start: {e}");
            None
        }
    }
}

/// Demo mode's head office: the reference receiver on a loopback port inside the process, so
/// that the sync chip shows real uploads. Its events are kept beside the demo store.
pub fn demo_central(
    data_dir: &std::path::Path,
    cfg: &crate::config::Config,
) -> anyhow::Result<crate::config::SyncConfig> {
    std::fs::create_dir_all(data_dir)?;
    let token = "till-demo-token".to_string();
    let central = till_central::Central::open(
        &data_dir.join("demo-central.sqlite"),
        std::collections::HashMap::from([(cfg.terminal_id.clone(), token.clone())]),
    )?;
    let addr = central.spawn("127.0.0.1:0")?;
    Ok(crate::config::SyncConfig {
        url: format!("http://{addr}"),
        token,
        interval: Duration::from_secs(15),
        batch_size: 200,
        timeout: Duration::from_secs(10),
        retry_base: Duration::from_secs(1),
    })
}
