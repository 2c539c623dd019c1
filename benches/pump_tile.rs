//! Pump state change to updated tile on screen: a customer lifts or hangs up a nozzle at a
//! simulated DART pump on a pty; measured until the forecourt service has the new state and the
//! tile is redrawn in a rendered 1024x768 frame (software renderer). Target: under 150 ms.
//!
//! `cargo bench --bench pump_tile`

use i_slint_backend_testing::{TestingBackend, TestingBackendOptions};
use serialport::{SerialPort, TTYPort};
use slint::ComponentHandle;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use till::config::Config;
use till::devices::forecourt::{Forecourt, PumpSetup, PumpState};
use till::gui::Gui;
use till::service::Session;
use till_hardware::dart::sim::{serve, SimBus, SimPump};

fn main() {
    let rounds = if std::env::args().any(|a| a == "--bench") { 40 } else { 4 };
    let (mut sim_end, mut till_end) = TTYPort::pair().expect("pty");
    sim_end.set_timeout(Duration::from_millis(2)).expect("timeout");
    till_end.set_timeout(Duration::from_millis(2)).expect("timeout");
    let bus = Arc::new(Mutex::new(SimBus::new((0..4u8).map(|i| SimPump::new(0x50 + i, 4)).collect())));
    let stop = Arc::new(AtomicBool::new(false));
    let (b, s) = (bus.clone(), stop.clone());
    let sim = std::thread::spawn(move || serve(&mut sim_end, &b, &s, Duration::from_millis(10)));
    let config = Config::demo().expect("demo");
    let setup = (0..4u8)
        .map(|i| PumpSetup {
            number: i + 1,
            address: 0x50 + i,
            grades: vec!["E5".into(), "E10".into(), "SP98".into(), "B7".into()],
        })
        .collect();
    let forecourt = Forecourt::start(till_end, setup, config.fuel_grades.clone());

    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    })))
    .expect("platform");
    let dir = tempfile::tempdir().expect("tmp");
    let gui = Gui::new(Session::open(config, dir.path()).expect("session"), false).expect("gui");
    gui.window().window().set_size(slint::PhysicalSize::new(1024, 768));
    gui.window().show().expect("show");
    gui.attach_forecourt(forecourt.clone());
    for _ in 0..4 {
        gui.window().global::<till_ui::SignInAdapter>().invoke_pin_key("1".into());
    }
    gui.window().global::<till_ui::SignInAdapter>().invoke_login();
    gui.window().global::<till_ui::SignInAdapter>().invoke_float_key("1".into());
    gui.window().global::<till_ui::SignInAdapter>().invoke_open_shift();
    let wait = |want: PumpState| {
        let deadline = Instant::now() + Duration::from_secs(5);
        while forecourt.pump(1).map(|p| p.state) != Some(want.clone()) {
            assert!(Instant::now() < deadline, "pump never {want:?}");
            std::thread::sleep(Duration::from_micros(200));
        }
    };
    wait(PumpState::Idle);

    let mut times = Vec::new();
    for i in 0..rounds {
        let lift = i % 2 == 0;
        let t = Instant::now();
        {
            let mut b = bus.lock().expect("bus");
            let p = b.pump_mut(0x50).expect("pump");
            if lift {
                p.lift(1)
            } else {
                p.hang()
            }
        }
        wait(if lift { PumpState::Calling } else { PumpState::Idle });
        gui.render_pumps();
        gui.window().window().take_snapshot().expect("frame");
        times.push(t.elapsed());
        std::thread::sleep(Duration::from_millis(37)); // land at different points of the poll cycle
    }
    stop.store(true, Ordering::SeqCst);
    let _ = sim.join();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "pump state change -> tile in a rendered frame, {} changes: p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms (target < 150 ms)",
        times.len(),
        ms(times[times.len() / 2]),
        ms(times[((times.len() - 1) as f64 * 0.99) as usize]),
        ms(*times.last().expect("some"))
    );
}
