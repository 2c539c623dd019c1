//! Devices that go away (a simulator process killed, as a cable pulled) are shown offline within
//! two seconds and are used again when they come back on the same address, without a restart.
//! The simulators are `till sim printer|display|scale|scanner --link PATH` processes, so the
//! bytes cross real pseudo-terminals.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use till::devices::link::Health;
use till::devices::printer::{PrintResult, Printer};

/// One test at a time: pty numbers are reused, and two tests killing and starting simulators at
/// once could hand one test's address to the other's device.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

struct Sim {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    link: std::path::PathBuf,
}

impl Sim {
    fn start(device: &str, link: &Path) -> Sim {
        let link_path = link.to_path_buf();
        let mut child = common::till()
            .args(["sim", device, "--link"])
            .arg(link)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout: ChildStdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let sim = Sim { child, stdin, lines, link: link_path };
        // The first line is the pty's path: the link exists from then on.
        let path = sim.next_line();
        assert!(path.starts_with("/dev/"), "{path}");
        assert!(link.exists());
        sim
    }

    fn next_line(&self) -> String {
        self.lines.recv_timeout(Duration::from_secs(10)).expect("the simulator said nothing")
    }

    /// Waits for a line containing `what`.
    fn expect(&self, what: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let l = self.next_line();
            seen.push(l.clone());
            if l.contains(what) {
                return seen;
            }
        }
    }

    fn say(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
    }

    /// The cable is pulled: the process dies without cleaning up. Its link is removed here, as
    /// udev removes a device's name when it is unplugged (a dangling link could otherwise come to
    /// point at the next simulator's pty, which reuses pty numbers).
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let _ = std::fs::remove_file(&self.link);
    }
}

/// Waits until `health` is `online`, returning how long it took.
#[track_caller]
fn wait_health(health: &Health, online: bool, within: Duration) -> Duration {
    let t = Instant::now();
    while health.get().online != online {
        assert!(t.elapsed() < within, "still {:?} after {:?}", health.get(), t.elapsed());
        std::thread::sleep(Duration::from_millis(20));
    }
    t.elapsed()
}

/// Waits up to 2 s for the printer to report what `f` looks for.
#[track_caller]
fn wait_printer(health: &Health, f: impl Fn(&till::devices::link::Status) -> bool) {
    let t = Instant::now();
    while !f(&health.get()) {
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", health.get());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_printer_that_goes_away_is_offline_in_two_seconds_and_prints_again_when_back() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("printer");
    let sim = Sim::start("printer", &link);
    let printer = Printer::open(link.to_str().unwrap());
    wait_health(&printer.health, true, Duration::from_secs(3));
    assert_eq!(printer.health.get().detail, "ready");

    sim.kill();
    let took = wait_health(&printer.health, false, Duration::from_secs(2));
    eprintln!("printer offline after {took:?}");
    let job = till_hardware::escpos::Job::new().line("while away").cut();
    assert_eq!(printer.print(job.bytes().to_vec()), PrintResult::Failed("offline".into()));

    // Plugged in again (a new pty behind the same address).
    let mut sim = Sim::start("printer", &link);
    let took = wait_health(&printer.health, true, Duration::from_secs(3));
    eprintln!("printer back after {took:?}");
    let job = till_hardware::escpos::Job::new().line("after the comeback").cut();
    assert_eq!(printer.print(job.bytes().to_vec()), PrintResult::Printed);
    sim.expect("| after the comeback");

    // Cover and drawer, as the printer reports them.
    sim.say("cover open");
    sim.expect("cover open");
    wait_printer(&printer.health, |s| s.detail == "cover_open");
    // With the cover open nothing prints, and the job says so.
    assert_eq!(printer.print(job.bytes().to_vec()), PrintResult::Failed("cover_open".into()));
    sim.say("cover close");
    printer.kick_drawer();
    wait_printer(&printer.health, |s| s.drawer_open);
    sim.say("drawer close");
    wait_printer(&printer.health, |s| !s.drawer_open);
    sim.say("quit");
}

#[test]
fn display_scale_and_scanner_come_back_on_their_own() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    use till_hardware::display::Protocol;
    let dir = tempfile::tempdir().unwrap();

    // The display shows the current text again when it comes back.
    let link = dir.path().join("display");
    let sim = Sim::start("display", &link);
    let display = till::devices::display::CustomerDisplay::open(link.to_str().unwrap(), Protocol::Cd5220);
    display.show(("Cola 0.5 l".into(), "TOTAL EUR 1.49".into()));
    wait_health(&display.health, true, Duration::from_secs(3));
    sim.expect("|Cola 0.5 l");
    sim.kill();
    wait_health(&display.health, false, Duration::from_secs(2));
    let sim = Sim::start("display", &link);
    wait_health(&display.health, true, Duration::from_secs(3));
    let seen = sim.expect("TOTAL EUR 1.49");
    assert!(seen.iter().any(|l| l.contains("|Cola 0.5 l")), "{seen:?}");
    sim.kill();
    drop(display);

    // The scale: offline when gone, weighs again when back.
    let link = dir.path().join("scale");
    let sim = Sim::start("scale", &link);
    let scale = till::devices::scale::Scale::open(link.to_str().unwrap());
    wait_health(&scale.health, true, Duration::from_secs(3));
    sim.kill();
    wait_health(&scale.health, false, Duration::from_secs(2));
    let result = scale.weigh().recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(result, Err(till::devices::scale::WeighError::NoAnswer));
    let mut sim = Sim::start("scale", &link);
    wait_health(&scale.health, true, Duration::from_secs(3));
    sim.say("put 1.250");
    std::thread::sleep(Duration::from_millis(100));
    let kg = scale.weigh().recv_timeout(Duration::from_secs(10)).unwrap().unwrap();
    assert_eq!(kg.to_string(), "1.250");
    sim.kill();
    drop(scale);

    // The scanner: valid and invalid codes arrive; after a comeback, codes arrive again.
    let link = dir.path().join("scanner");
    let mut sim = Sim::start("scanner", &link);
    let (tx, codes) = mpsc::channel();
    let scanner = till::devices::scanner::Scanner::open(link.to_str().unwrap(), move |code| {
        let _ = tx.send(code);
    });
    wait_health(&scanner.health, true, Duration::from_secs(3));
    sim.say("valid");
    sim.say("invalid");
    let got: Vec<String> = (0..2).map(|_| codes.recv_timeout(Duration::from_secs(5)).unwrap()).collect();
    assert_eq!(got, ["4006381333931", "4385425550345"]);
    assert!(till::domain::barcode::parse(&got[0]).is_ok());
    assert!(till::domain::barcode::parse(&got[1]).is_err());
    sim.kill();
    wait_health(&scanner.health, false, Duration::from_secs(2));
    let mut sim = Sim::start("scanner", &link);
    wait_health(&scanner.health, true, Duration::from_secs(3));
    sim.say("90162602");
    assert_eq!(codes.recv_timeout(Duration::from_secs(5)).unwrap(), "90162602");
    sim.say("quit");
}

#[test]
fn the_pump_line_and_the_tank_gauge_come_back_on_their_own() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    use till::devices::forecourt::{Forecourt, PumpSetup, PumpState};
    let dir = tempfile::tempdir().unwrap();
    let pumps_link = dir.path().join("pumps");
    let gauge_link = dir.path().join("gauge");
    let sim = Sim::start("forecourt", &pumps_link);
    let setup = vec![PumpSetup { number: 1, address: 0x50, grades: vec!["E10".into()] }];
    let grades = till::config::Config::demo().unwrap().fuel_grades;
    let f = Forecourt::open(pumps_link.to_str().unwrap(), 9600, setup, grades);
    let pump = |want: PumpState, within: Duration| {
        let t = Instant::now();
        while f.pump(1).map(|p| p.state) != Some(want.clone()) {
            assert!(t.elapsed() < within, "pump 1 not {want:?} after {:?}: {:?}", t.elapsed(), f.pump(1));
            std::thread::sleep(Duration::from_millis(20));
        }
        t.elapsed()
    };
    pump(PumpState::Idle, Duration::from_secs(5));
    wait_health(&f.health, true, Duration::from_secs(2));

    // The RS-485 adapter is pulled: every pump offline, and the line, within two seconds.
    sim.kill();
    let gone = pump(PumpState::Offline, Duration::from_secs(2));
    wait_health(&f.health, false, Duration::from_secs(2));
    // Plugged in again: the pumps are back by themselves.
    let sim = Sim::start("forecourt", &pumps_link);
    pump(PumpState::Idle, Duration::from_secs(5));
    wait_health(&f.health, true, Duration::from_secs(2));
    eprintln!("pump line offline after {gone:?}");
    drop(sim);

    let gauge = Sim::start("tank", &gauge_link);
    let tanks = till::devices::tanks::TankMonitor::open(gauge_link.to_str().unwrap(), Duration::from_millis(300));
    wait_health(&tanks.health, true, Duration::from_secs(5));
    assert_eq!(tanks.state().tanks.len(), 4);
    gauge.kill();
    wait_health(&tanks.health, false, Duration::from_secs(2));
    let _gauge = Sim::start("tank", &gauge_link);
    wait_health(&tanks.health, true, Duration::from_secs(5));
}
