//! Technician and demo commands for the forecourt: `till hw pump ...` talks DART to a real pump
//! (or the simulator) on a serial port; `till sim forecourt` runs simulated pumps on a
//! pseudo-terminal. Values use the demo site's decimals: volume 2, amount 2, price 3.

use anyhow::{bail, Context};
use rust_decimal::Decimal;
use serialport::{SerialPort, TTYPort};
use std::io::{BufRead, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use till_hardware::dart::app::{Dcc, PosCommand, PumpReply, PumpStatus};
use till_hardware::dart::master::Master;
use till_hardware::dart::sim::{serve, SimBus, SimPump};

use crate::forecourt::{AMOUNT_DP, PRICE_DP, VOLUME_DP};

/// What `till hw pump` can do.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum PumpAction {
    /// Ask for the pump's status.
    Status,
    /// Authorize the next filling.
    Authorize,
    /// Preset the next filling to an amount (e.g. 20.00).
    PresetAmount { amount: Decimal },
    /// Preset the next filling to a volume in litres (e.g. 30.00).
    PresetVolume { litres: Decimal },
    /// Stop the pump.
    Stop,
    /// Reset a completed filling.
    Reset,
    /// Read the pump's volume and amount totals.
    Totals,
    /// Send prices per nozzle, comma separated (e.g. 1.739,1.659).
    Prices { prices: String },
}

fn raw(value: Decimal, dp: u32, what: &str) -> anyhow::Result<u32> {
    let scaled = value * Decimal::from(10u32.pow(dp));
    if value < Decimal::ZERO || scaled.fract() != Decimal::ZERO {
        bail!("{what} {value} must be positive with at most {dp} decimals");
    }
    u32::try_from(scaled).map_err(|_| anyhow::anyhow!("{what} {value} is too large"))
}

fn dec(raw: u64, dp: u32) -> Decimal {
    Decimal::new(raw as i64, dp)
}

fn describe(r: &PumpReply) -> serde_json::Value {
    match r {
        PumpReply::Status(s) => serde_json::json!({ "status": format!("{s:?}") }),
        PumpReply::Filling { volume, amount } => serde_json::json!({
            "volume": dec(u64::from(*volume), VOLUME_DP).to_string(),
            "amount": dec(u64::from(*amount), AMOUNT_DP).to_string(),
        }),
        PumpReply::Nozzle { price, nozzle, out } => serde_json::json!({
            "nozzle": nozzle, "out": out, "price": dec(u64::from(*price), PRICE_DP).to_string(),
        }),
        PumpReply::Totals { counter, volume, amount, .. } => serde_json::json!({
            "totals_counter": counter,
            "volume": dec(*volume, VOLUME_DP).to_string(),
            "amount": dec(*amount, AMOUNT_DP).to_string(),
        }),
    }
}

/// Runs one technician command and prints what the pump answered. Fails with a clear message
/// when the pump does not answer.
pub fn pump(port: &str, address: u8, action: PumpAction, json: bool) -> anyhow::Result<()> {
    if !(0x50..=0x6F).contains(&address) {
        bail!("DART pump addresses are 0x50 to 0x6F, not {address:#04X}");
    }
    let mut line = open_pump_line(port, 9600).with_context(|| format!("cannot open serial port {port}"))?;
    // Drop whatever was waiting on the line (but not forever, on a line that keeps talking).
    let _ = crate::link::drain(&mut line);
    let mut m = Master::new(line);
    let cmds: Vec<PosCommand> = match &action {
        PumpAction::Status => vec![PosCommand::Command(Dcc::ReturnStatus), PosCommand::Command(Dcc::FillingInfo)],
        PumpAction::Authorize => vec![PosCommand::Command(Dcc::Authorize), PosCommand::Command(Dcc::ReturnStatus)],
        PumpAction::PresetAmount { amount } => {
            vec![PosCommand::PresetAmount(raw(*amount, AMOUNT_DP, "amount")?), PosCommand::Command(Dcc::ReturnStatus)]
        }
        PumpAction::PresetVolume { litres } => {
            vec![PosCommand::PresetVolume(raw(*litres, VOLUME_DP, "volume")?), PosCommand::Command(Dcc::ReturnStatus)]
        }
        PumpAction::Stop => vec![PosCommand::Command(Dcc::Stop), PosCommand::Command(Dcc::ReturnStatus)],
        PumpAction::Reset => vec![PosCommand::Command(Dcc::Reset), PosCommand::Command(Dcc::ReturnStatus)],
        PumpAction::Totals => vec![PosCommand::RequestTotals(9), PosCommand::RequestTotals(19)],
        PumpAction::Prices { prices } => {
            let mut raw_prices = Vec::new();
            for p in prices.split(',') {
                let p: Decimal = p.trim().parse().with_context(|| format!("'{p}' is not a price"))?;
                raw_prices.push(raw(p, PRICE_DP, "price")?);
            }
            vec![PosCommand::Prices(raw_prices), PosCommand::Command(Dcc::ReturnStatus)]
        }
    };
    m.send(address, &cmds).with_context(|| format!("pump {address:#04X} on {port}"))?;
    // Collect the answers: keep polling until the pump has nothing more to say.
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut answers = Vec::new();
    let mut quiet = 0;
    while Instant::now() < deadline && quiet < 3 {
        let r = m.poll(address).with_context(|| format!("pump {address:#04X} on {port}"))?;
        if r.is_empty() {
            quiet += 1;
        } else {
            quiet = 0;
            answers.extend(r);
        }
    }
    if json {
        let v: Vec<serde_json::Value> = answers.iter().map(describe).collect();
        println!("{}", serde_json::json!({ "address": format!("{address:#04X}"), "answers": v }));
    } else if answers.is_empty() {
        println!("pump {address:#04X}: acknowledged, nothing to report");
    } else {
        for a in &answers {
            println!("pump {address:#04X}: {}", describe(a));
        }
    }
    Ok(())
}

/// Runs `pumps` simulated pumps (addresses 0x50...) on a pseudo-terminal until `quit` or end of
/// input. Operator commands on standard input: `lift P [N]`, `hang P`, `flow P CL`, `state`,
/// `quit`.
pub fn sim_forecourt(pumps: u8, link: Option<&std::path::Path>) -> anyhow::Result<()> {
    if !(1..=32).contains(&pumps) {
        bail!("--pumps must be 1 to 32");
    }
    let pty = SimPty::new(link)?;
    let path = pty.path.clone();
    let mut sim_end = pty.sim_end()?;
    sim_end.set_timeout(Duration::from_millis(2))?;
    let bus = Arc::new(Mutex::new(SimBus::new((0..pumps).map(|i| SimPump::new(0x50 + i, 4)).collect())));
    let stop = Arc::new(AtomicBool::new(false));
    println!("{path}");
    eprintln!("{pumps} simulated DART pumps (0x50..{:#04X}) on {path}. Commands: lift P [N] | hang P | flow P CL | state | quit", 0x50 + pumps - 1);
    let (b, s) = (bus.clone(), stop.clone());
    let line = std::thread::spawn(move || serve(&mut sim_end, &b, &s, Duration::from_millis(100)));
    let stdin = std::io::stdin();
    for input in stdin.lock().lines() {
        let input = input?;
        let words: Vec<&str> = input.split_whitespace().collect();
        let pump_no = |i: usize| words.get(i).and_then(|w| w.parse::<u8>().ok()).filter(|p| (1..=pumps).contains(p));
        let mut bus = bus.lock().map_err(|_| anyhow::anyhow!("simulator state poisoned"))?;
        match words.as_slice() {
            ["quit"] | ["exit"] => break,
            ["lift", ..] => match pump_no(1) {
                Some(p) => {
                    let nozzle = words.get(2).and_then(|w| w.parse().ok()).unwrap_or(1);
                    if let Some(pump) = bus.pump_mut(0x4F + p) {
                        pump.lift(nozzle);
                    }
                    println!("pump {p}: nozzle {nozzle} lifted");
                }
                None => println!("which pump? 1..{pumps}"),
            },
            ["hang", ..] => match pump_no(1) {
                Some(p) => {
                    if let Some(pump) = bus.pump_mut(0x4F + p) {
                        pump.hang();
                    }
                    println!("pump {p}: nozzle hung up");
                }
                None => println!("which pump? 1..{pumps}"),
            },
            ["flow", _, cl] => match (pump_no(1), cl.parse::<u32>()) {
                (Some(p), Ok(cl)) => {
                    if let Some(pump) = bus.pump_mut(0x4F + p) {
                        pump.flow_per_tick = cl;
                    }
                    println!("pump {p}: {cl} cl per 100 ms");
                }
                _ => println!("flow P CL: a pump 1..{pumps} and centilitres per 100 ms"),
            },
            ["state"] => {
                for p in &bus.pumps {
                    let status: PumpStatus = p.status;
                    println!(
                        "pump {} ({:#04X}): {:?}, nozzle {:?}, {} l, {}",
                        p.address - 0x4F,
                        p.address,
                        status,
                        p.nozzle_out,
                        dec(u64::from(p.volume), VOLUME_DP),
                        dec(u64::from(p.amount), AMOUNT_DP)
                    );
                }
            }
            [] => {}
            _ => println!("commands: lift P [N] | hang P | flow P CL | state | quit"),
        }
    }
    stop.store(true, Ordering::SeqCst);
    let _ = line.join();
    Ok(())
}

/// Demo mode's forecourt: four simulated pumps on a pseudo-terminal inside the process, driven by
/// simulated customers who lift a nozzle now and then and hang up after 15 to 45 litres, and the
/// real forecourt service talking DART to them over the pty.
pub fn demo_forecourt(grades: &[crate::domain::catalog::FuelGrade]) -> anyhow::Result<crate::forecourt::Forecourt> {
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
        .map(|i| crate::forecourt::PumpSetup {
            number: i + 1,
            address: 0x50 + i,
            grades: codes.iter().map(|c| c.to_string()).collect(),
        })
        .collect();
    Ok(crate::forecourt::Forecourt::start(till_end, setup, grades.to_vec()))
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
fn open_pump_line(port: &str, baud: u32) -> serialport::Result<TTYPort> {
    serialport::new(port, baud).parity(serialport::Parity::Odd).timeout(Duration::from_millis(2)).open_native()
}

/// `till hw tank --port P inventory`: asks the gauge for every tank's inventory.
pub fn tank_inventory(port: &str, json: bool) -> anyhow::Result<()> {
    let mut line = serialport::new(port, 9600)
        .timeout(Duration::from_millis(20))
        .open_native()
        .with_context(|| format!("cannot open serial port {port}"))?;
    let inv = match crate::tanks::read_inventory(&mut line) {
        Ok(inv) => inv,
        Err(crate::tanks::GaugeError::NoAnswer) => bail!("the tank gauge on {port} did not answer within 3 s"),
        Err(crate::tanks::GaugeError::Unusable(e)) => {
            bail!("the tank gauge on {port} answered something unusable: {e}")
        }
        Err(crate::tanks::GaugeError::Io(e)) => bail!("the tank gauge on {port}: {e}"),
    };
    if json {
        let tanks: Vec<serde_json::Value> = inv
            .tanks
            .iter()
            .map(|t| {
                serde_json::json!({
                    "tank": t.tank, "product": t.product.to_string(), "volume": t.volume, "tc_volume": t.tc_volume,
                    "ullage": t.ullage, "height": t.height, "water": t.water, "temperature": t.temperature,
                    "alarms": crate::tanks::tank_alarms(t),
                })
            })
            .collect();
        println!("{}", serde_json::json!({ "at": inv.at, "tanks": tanks }));
    } else {
        for t in &inv.tanks {
            println!(
                "tank {} (product {}): {:.0} l, ullage {:.0} l, water {:.1}, {:.1} °C {}",
                t.tank,
                t.product,
                t.volume,
                t.ullage,
                t.water,
                t.temperature,
                crate::tanks::tank_alarms(t).join(" ")
            );
        }
    }
    Ok(())
}

/// `till sim tank --tanks N`: a simulated TLS gauge on a pty. Operator commands on stdin:
/// `level T LITRES`, `water T HEIGHT`, `quit`.
pub fn sim_tank(tanks: u8) -> anyhow::Result<()> {
    use till_hardware::tls::SimGauge;
    if !(1..=16).contains(&tanks) {
        bail!("--tanks must be 1 to 16");
    }
    let pty = SimPty::new(None)?;
    let gauge = Arc::new(Mutex::new(SimGauge::new(sim_tanks(tanks))));
    println!("{}", pty.path);
    eprintln!(
        "simulated TLS gauge with {tanks} tanks on {}. Commands: level T LITRES | water T HEIGHT | quit",
        pty.path
    );
    let stop = Arc::new(AtomicBool::new(false));
    let (g, sim_end) = (gauge.clone(), pty.sim_end()?);
    let serving = std::thread::spawn({
        let stop = stop.clone();
        move || serve_pty(sim_end, Some(stop), |bytes| g.lock().ok().map(|mut g| g.on_bytes(bytes)))
    });
    for input in std::io::stdin().lock().lines() {
        let input = input?;
        let words: Vec<&str> = input.split_whitespace().collect();
        let mut g = gauge.lock().map_err(|_| anyhow::anyhow!("simulator state poisoned"))?;
        let tank = |w: &str| w.parse::<u8>().ok();
        match words.as_slice() {
            ["quit"] | ["exit"] => break,
            ["level", t, v] => match (tank(t), v.parse::<f32>()) {
                (Some(t), Ok(v)) => {
                    if let Some(r) = g.inventory.tanks.iter_mut().find(|r| r.tank == t) {
                        let capacity = r.volume + r.ullage;
                        r.volume = v.clamp(0.0, capacity);
                        r.tc_volume = r.volume;
                        r.ullage = capacity - r.volume;
                    }
                    println!("tank {t}: {v} l");
                }
                _ => println!("level T LITRES"),
            },
            ["water", t, v] => match (tank(t), v.parse::<f32>()) {
                (Some(t), Ok(v)) => {
                    if let Some(r) = g.inventory.tanks.iter_mut().find(|r| r.tank == t) {
                        r.water = v;
                    }
                    println!("tank {t}: water {v}");
                }
                _ => println!("water T HEIGHT"),
            },
            [] => {}
            _ => println!("commands: level T LITRES | water T HEIGHT | quit"),
        }
    }
    stop.store(true, Ordering::SeqCst);
    let _ = serving.join();
    Ok(())
}

/// A configured site's forecourt: opens the pump line named in the configuration. The service
/// starts even while the port is missing: its pumps show offline until the line answers.
pub fn site_forecourt(
    f: &crate::config::ForecourtConfig,
    grades: &[crate::domain::catalog::FuelGrade],
) -> anyhow::Result<crate::forecourt::Forecourt> {
    let line = open_pump_line(&f.port, f.baud).with_context(|| format!("cannot open the pump line {}", f.port))?;
    Ok(crate::forecourt::Forecourt::start(line, f.pumps.clone(), grades.to_vec()))
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
pub fn demo_tanks() -> anyhow::Result<crate::tanks::TankMonitor> {
    use till_hardware::tls::SimGauge;
    let (sim_end, till_end) = demo_pty(Duration::from_millis(20))?;
    let mut gauge = SimGauge::new(sim_tanks(4));
    std::thread::Builder::new()
        .name("till-demo-gauge".into())
        .spawn(move || serve_pty(sim_end, None, |bytes| Some(gauge.on_bytes(bytes))))?;
    Ok(crate::tanks::TankMonitor::start(till_end, Duration::from_secs(5)))
}

/// A simulator's pseudo-terminal: the simulator's end, the end Till opens (kept open so the pty
/// lives) and its path; with `link`, the path is also reachable as that symbolic link, which is
/// removed when the simulator ends.
struct SimPty {
    sim_end: TTYPort,
    _other: TTYPort,
    path: String,
    link: Option<std::path::PathBuf>,
}

impl SimPty {
    fn new(link: Option<&std::path::Path>) -> anyhow::Result<SimPty> {
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
    fn sim_end(&self) -> anyhow::Result<TTYPort> {
        Ok(self.sim_end.try_clone_native()?)
    }
}

impl Drop for SimPty {
    fn drop(&mut self) {
        if let Some(l) = &self.link {
            let _ = std::fs::remove_file(l);
        }
    }
}

/// A pty pair for a device simulated inside the process: the simulator's end (which waits 50 ms
/// per read when idle) and Till's end (`till_timeout` per read).
fn demo_pty(till_timeout: Duration) -> anyhow::Result<(TTYPort, TTYPort)> {
    let (mut sim_end, mut till_end) = TTYPort::pair().context("cannot create a pseudo-terminal")?;
    sim_end.set_timeout(Duration::from_millis(50))?;
    till_end.set_timeout(till_timeout)?;
    Ok((sim_end, till_end))
}

/// Serves a simulator on its end of a pty: what is read goes to `on_bytes`, whose answer is
/// written back. Ends when `on_bytes` gives up (`None`), when `stop` is set, or when the line is
/// gone (any read error but a timeout: the other end hung up).
fn serve_pty(mut port: TTYPort, stop: Option<Arc<AtomicBool>>, mut on_bytes: impl FnMut(&[u8]) -> Option<Vec<u8>>) {
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
fn serve_printer(port: TTYPort, printer: Arc<Mutex<till_hardware::escpos::SimPrinter>>, echo: bool) {
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
pub fn demo_printer() -> anyhow::Result<crate::printer::Printer> {
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
    Ok(crate::printer::Printer::start(till_end))
}

/// `till sim printer`: a simulated ESC/POS printer on a pty; prints what it receives as text.
/// Operator commands on stdin: `paper out`, `paper in`, `cover open`, `cover close`,
/// `drawer close`, `quit`.
pub fn sim_printer(link: Option<&std::path::Path>) -> anyhow::Result<()> {
    let pty = SimPty::new(link)?;
    let printer = Arc::new(Mutex::new(till_hardware::escpos::SimPrinter::new()));
    println!("{}", pty.path);
    eprintln!(
        "simulated ESC/POS printer on {}. Commands: paper out | paper in | cover open | cover close | drawer close | quit",
        pty.path
    );
    let p = printer.clone();
    let sim_end = pty.sim_end()?;
    std::thread::spawn(move || serve_printer(sim_end, p, true));
    for input in std::io::stdin().lock().lines() {
        let input = input?;
        let mut p = printer.lock().map_err(|_| anyhow::anyhow!("simulator state poisoned"))?;
        match input.trim() {
            "quit" | "exit" => break,
            "paper out" => p.paper_out = true,
            "paper in" => p.paper_out = false,
            "cover open" => p.cover_open = true,
            "cover close" => p.cover_open = false,
            "drawer close" => p.drawer_open = false,
            "" => continue,
            _ => {
                println!("commands: paper out | paper in | cover open | cover close | drawer close | quit");
                continue;
            }
        }
        println!(
            "paper {}, cover {}, drawer {}",
            if p.paper_out { "out" } else { "in" },
            if p.cover_open { "open" } else { "closed" },
            if p.drawer_open { "open" } else { "closed" }
        );
    }
    Ok(())
}

/// What `till hw printer` can do.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PrinterAction {
    TestPage,
    Status,
    OpenDrawer,
}

/// `till hw printer --port P test-page|status|open-drawer`.
pub fn printer(port: &str, action: PrinterAction) -> anyhow::Result<()> {
    use crate::printer::PrintResult;
    use till_hardware::escpos::Job;
    let line = serialport::new(port, 9600)
        .timeout(Duration::from_millis(5))
        .open_native()
        .with_context(|| format!("cannot open serial port {port}"))?;
    let p = crate::printer::Printer::start(line);
    let bytes = match action {
        PrinterAction::TestPage => Job::new()
            .title("Till test page")
            .line("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789")
            .line("Äöü ß é è ñ € £")
            .line(&"-".repeat(48))
            .qr("TILL:TEST")
            .cut()
            .bytes()
            .to_vec(),
        PrinterAction::Status => Vec::new(),
        PrinterAction::OpenDrawer => till_hardware::escpos::DRAWER_KICK.to_vec(),
    };
    match (p.print(bytes), action) {
        (PrintResult::Printed, _) => {
            println!("printer on {port}: ready");
            Ok(())
        }
        // The drawer opens without paper; the printer answered.
        (PrintResult::Failed(reason), PrinterAction::OpenDrawer) if reason == "paper_out" => {
            println!("printer on {port}: drawer opened (paper out)");
            Ok(())
        }
        (PrintResult::Failed(reason), _) => bail!("printer on {port}: {reason}"),
    }
}

fn serve_display(port: TTYPort, display: Arc<Mutex<till_hardware::display::SimDisplay>>, echo: bool) {
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
pub fn demo_display() -> anyhow::Result<crate::display::CustomerDisplay> {
    let (sim_end, till_end) = demo_pty(Duration::from_millis(5))?;
    let d = Arc::new(Mutex::new(till_hardware::display::SimDisplay::new()));
    std::thread::Builder::new().name("till-demo-display".into()).spawn(move || serve_display(sim_end, d, false))?;
    Ok(crate::display::CustomerDisplay::start(till_end, till_hardware::display::Protocol::Epson))
}

/// `till sim display`: a simulated 2x20 display on a pty that prints its framebuffer.
pub fn sim_display(link: Option<&std::path::Path>) -> anyhow::Result<()> {
    let pty = SimPty::new(link)?;
    println!("{}", pty.path);
    eprintln!("simulated 2x20 customer display (Epson and CD5220) on {}. Ctrl-D ends.", pty.path);
    let d = Arc::new(Mutex::new(till_hardware::display::SimDisplay::new()));
    let sim_end = pty.sim_end()?;
    std::thread::spawn(move || serve_display(sim_end, d, true));
    for line in std::io::stdin().lock().lines() {
        if line?.trim() == "quit" {
            break;
        }
    }
    Ok(())
}

/// `till sim scanner`: a simulated serial scanner on a pty; each code typed on stdin is sent
/// with CR. `valid` and `invalid` send demo codes with a right and a wrong check digit.
pub fn sim_scanner(link: Option<&std::path::Path>) -> anyhow::Result<()> {
    let pty = SimPty::new(link)?;
    println!("{}", pty.path);
    eprintln!("simulated barcode scanner on {}. Type a code, or valid | invalid | quit", pty.path);
    let mut port = pty.sim_end()?;
    // Codes with a right check digit (from the demo catalog) and the same with a wrong one.
    let valid = ["4006381333931", "4385425550344", "90162602"];
    let mut n = 0usize;
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let code = match line.trim() {
            "quit" | "exit" => break,
            "" => continue,
            "valid" => valid[n % valid.len()].to_string(),
            "invalid" => {
                let v = valid[n % valid.len()];
                let last = v.chars().last().and_then(|c| c.to_digit(10)).unwrap_or(0);
                format!("{}{}", &v[..v.len() - 1], (last + 1) % 10)
            }
            other => other.to_string(),
        };
        n += 1;
        std::io::Write::write_all(&mut port, format!("{code}\r").as_bytes())
            .context("the scanner's pseudo-terminal is closed")?;
        println!("sent {code}");
    }
    Ok(())
}

/// `till hw display --port P --protocol epson|cd5220 text "..."`: the text over two lines.
pub fn display_text(port: &str, protocol: till_hardware::display::Protocol, text: &str) -> anyhow::Result<()> {
    let mut line = serialport::new(port, 9600)
        .timeout(Duration::from_millis(50))
        .open_native()
        .with_context(|| format!("cannot open serial port {port}"))?;
    let (upper, lower) = match text.split_once('\n') {
        Some((u, l)) => (u.to_string(), l.to_string()),
        None => (text.chars().take(20).collect(), text.chars().skip(20).collect()),
    };
    std::io::Write::write_all(&mut line, &till_hardware::display::show(protocol, &upper, &lower))
        .with_context(|| format!("the display on {port} cannot be written"))?;
    println!("display on {port}: {}", till_hardware::display::transliterate(text));
    Ok(())
}

fn serve_scale(port: TTYPort, scale: Arc<Mutex<till_hardware::scale::SimScale>>) {
    serve_pty(port, None, |bytes| scale.lock().ok().map(|mut s| s.on_bytes(bytes)));
}

/// Demo mode's scale: a simulated MT-SICS scale with a load that settles after a moment.
pub fn demo_scale() -> anyhow::Result<crate::scale::Scale> {
    use till_hardware::scale::{SimScale, SimState};
    let (sim_end, till_end) = demo_pty(Duration::from_millis(5))?;
    let s = Arc::new(Mutex::new(SimScale::new(SimState::Moving { reads_left: 3, settles_at: 0.755 })));
    std::thread::Builder::new().name("till-demo-scale".into()).spawn(move || serve_scale(sim_end, s))?;
    Ok(crate::scale::Scale::start(till_end))
}

/// `till sim scale`: a simulated MT-SICS scale on a pty. Operator commands on stdin:
/// `put KG`, `moving KG`, `over`, `under`, `quit`.
pub fn sim_scale(link: Option<&std::path::Path>) -> anyhow::Result<()> {
    use till_hardware::scale::{SimScale, SimState};
    let pty = SimPty::new(link)?;
    println!("{}", pty.path);
    eprintln!("simulated MT-SICS scale on {}. Commands: put KG | moving KG | over | under | quit", pty.path);
    let s = Arc::new(Mutex::new(SimScale::new(SimState::Stable(0.0))));
    let sc = s.clone();
    let sim_end = pty.sim_end()?;
    std::thread::spawn(move || serve_scale(sim_end, sc));
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let mut sim = s.lock().map_err(|_| anyhow::anyhow!("simulator state poisoned"))?;
        match words.as_slice() {
            ["quit"] | ["exit"] => break,
            ["put", kg] => match kg.parse() {
                Ok(w) => sim.state = SimState::Stable(w),
                Err(_) => println!("put KG"),
            },
            ["moving", kg] => match kg.parse() {
                Ok(w) => sim.state = SimState::Moving { reads_left: 5, settles_at: w },
                Err(_) => println!("moving KG"),
            },
            ["over"] => sim.state = SimState::Overload,
            ["under"] => sim.state = SimState::Underload,
            [] => {}
            _ => println!("commands: put KG | moving KG | over | under | quit"),
        }
    }
    Ok(())
}

/// `till hw scale --port P weigh`: a stable weight in kilograms.
pub fn scale_weigh(port: &str) -> anyhow::Result<()> {
    let mut line = serialport::new(port, 9600)
        .timeout(Duration::from_millis(5))
        .open_native()
        .with_context(|| format!("cannot open serial port {port}"))?;
    let kg =
        crate::scale::weigh(&mut line, Duration::from_secs(5)).map_err(|e| anyhow::anyhow!("scale on {port}: {e}"))?;
    println!("{kg} kg");
    Ok(())
}

/// Opens a configured serial device; a port that cannot be opened is reported and left out.
fn open_serial(port: &str, timeout_ms: u64, what: &str) -> Option<TTYPort> {
    match serialport::new(port, 9600).timeout(Duration::from_millis(timeout_ms)).open_native() {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("till: cannot open the {what} on {port}: {e}");
            None
        }
    }
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
                Some(p) => crate::printer::Printer::open(p),
                None => demo_printer()?,
            }),
            display: Some(match &cfg.display {
                Some((port, protocol)) => crate::display::CustomerDisplay::open(port, *protocol),
                None => demo_display()?,
            }),
            scale: Some(match cfg.scale_port.as_deref() {
                Some(p) => crate::scale::Scale::open(p),
                None => demo_scale()?,
            }),
            scanner: cfg.scanner_port.as_deref().map(|p| crate::scanner::Scanner::open(p, crate::gui::scanned)),
            sync: None,
        });
    }
    let forecourt = cfg.forecourt.as_ref().and_then(|f| match site_forecourt(f, &cfg.fuel_grades) {
        Ok(fc) => Some(fc),
        Err(e) => {
            eprintln!("till: {e:#}; the pumps are not available");
            None
        }
    });
    Ok(crate::gui::Devices {
        forecourt,
        tanks: cfg
            .tank_gauge_port
            .as_deref()
            .and_then(|p| open_serial(p, 20, "tank gauge"))
            .map(|p| crate::tanks::TankMonitor::start(p, Duration::from_secs(30))),
        printer: cfg.printer_port.as_deref().map(crate::printer::Printer::open),
        display: cfg.display.as_ref().map(|(port, protocol)| crate::display::CustomerDisplay::open(port, *protocol)),
        scale: cfg.scale_port.as_deref().map(crate::scale::Scale::open),
        scanner: cfg.scanner_port.as_deref().map(|p| crate::scanner::Scanner::open(p, crate::gui::scanned)),
        sync: None,
    })
}

/// Demo mode's head office: the reference receiver on a loopback port inside the process, so
/// that the sync chip shows real uploads. Its events are kept beside the demo store.
pub fn demo_central(
    data_dir: &std::path::Path,
    cfg: &crate::config::Config,
) -> anyhow::Result<crate::config::SyncConfig> {
    std::fs::create_dir_all(data_dir)?;
    let token = "till-demo-token".to_string();
    let central = crate::central::Central::open(
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
