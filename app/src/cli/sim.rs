//! `till sim ...`: simulated devices on pseudo-terminals for demos and tests, each speaking its
//! device's protocol and taking operator commands on standard input.

use anyhow::{bail, Context};
use serialport::SerialPort;
use std::io::BufRead;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use till_hardware::dart::app::PumpStatus;
use till_hardware::dart::sim::{serve, SimBus, SimPump};

use super::hw::dec;
use crate::devices::demo::{serve_display, serve_printer, serve_pty, serve_scale, sim_tanks, SimPty};
use crate::devices::forecourt::{AMOUNT_DP, VOLUME_DP};

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

/// `till sim tank --tanks N`: a simulated TLS gauge on a pty. Operator commands on stdin:
/// `level T LITRES`, `deliver T LITRES` (a delivery the gauge reports), `water T HEIGHT`, `quit`.
pub fn sim_tank(tanks: u8, link: Option<&std::path::Path>) -> anyhow::Result<()> {
    use till_hardware::tls::SimGauge;
    if !(1..=16).contains(&tanks) {
        bail!("--tanks must be 1 to 16");
    }
    let pty = SimPty::new(link)?;
    let gauge = Arc::new(Mutex::new(SimGauge::new(sim_tanks(tanks))));
    println!("{}", pty.path);
    eprintln!(
        "simulated TLS gauge with {tanks} tanks on {}. Commands: level T LITRES | deliver T LITRES | water T HEIGHT | quit",
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
            ["deliver", t, v] => match (tank(t), v.parse::<f32>()) {
                (Some(t), Ok(v)) if v > 0.0 => {
                    g.deliver(t, v);
                    println!("tank {t}: delivery of {v} l");
                }
                _ => println!("deliver T LITRES"),
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
            _ => println!("commands: level T LITRES | deliver T LITRES | water T HEIGHT | quit"),
        }
    }
    stop.store(true, Ordering::SeqCst);
    let _ = serving.join();
    Ok(())
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
            "invalid" => till_hardware::scanner::SimScanner::with_wrong_check_digit(valid[n % valid.len()]),
            other => other.to_string(),
        };
        n += 1;
        std::io::Write::write_all(&mut port, &till_hardware::scanner::SimScanner.scan(&code))
            .context("the scanner's pseudo-terminal is closed")?;
        println!("sent {code}");
    }
    Ok(())
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
