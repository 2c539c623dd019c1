//! The device settings screen on the real window: a manager opens it from the status bar, sees
//! each device's state, prints a test page and opens the drawer on the simulated printer (over a
//! pty), moves the printer to another port (stored, journaled, reconnected at once), and reads a
//! scanned code there; a cashier is refused.

mod common;

use common::ui::*;
use serialport::{SerialPort, TTYPort};
use slint::{ComponentHandle, Model};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use till_hardware::escpos::{Printed, SimPrinter};

/// A simulated ESC/POS printer on a pty; returns the path Till opens and what was printed.
fn sim_printer(stop: Arc<AtomicBool>) -> (String, Arc<Mutex<SimPrinter>>, TTYPort) {
    let (mut sim_end, till_end) = TTYPort::pair().unwrap();
    sim_end.set_timeout(Duration::from_millis(2)).unwrap();
    let path = till_end.name().unwrap();
    let printed = Arc::new(Mutex::new(SimPrinter::new()));
    let p = printed.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while !stop.load(Ordering::SeqCst) {
            let n = std::io::Read::read(&mut sim_end, &mut buf).unwrap_or(0);
            if n > 0 {
                let answer = p.lock().unwrap().on_bytes(&buf[..n]);
                if !answer.is_empty() {
                    let _ = std::io::Write::write_all(&mut sim_end, &answer);
                }
            }
        }
    });
    (path, printed, till_end)
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < Duration::from_secs(5), "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_manager_assigns_and_tests_devices_a_cashier_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    let stop = Arc::new(AtomicBool::new(false));
    let (first_path, first, _keep1) = sim_printer(stop.clone());
    let (second_path, second, _keep2) = sim_printer(stop.clone());
    gui.attach_printer(till::devices::printer::Printer::open(&first_path));

    // A cashier may not change the devices.
    tap(&gui, "Demo Cashier");
    tap_digits(&gui, "1111");
    tap(&gui, "Sign in");
    tap(&gui, "Devices");
    assert_ne!(gui.window().global::<till_ui::Shell>().get_page(), till_ui::Page::Devices);
    assert!(
        gui.window().global::<till_ui::Shell>().get_message_error() && value(&gui, "message").contains("not allowed"),
        "{}",
        value(&gui, "message")
    );
    tap(&gui, "Sign out");

    tap(&gui, "Demo Manager");
    tap_digits(&gui, "9999");
    tap(&gui, "Sign in");
    let back_to = gui.window().global::<till_ui::Shell>().get_page();
    tap(&gui, "Printer");
    assert_eq!(gui.window().global::<till_ui::Shell>().get_page(), till_ui::Page::Devices);
    let rows: Vec<_> = gui.window().global::<till_ui::DevicesAdapter>().get_devices().iter().collect();
    assert_eq!(rows.iter().map(|r| r.id.to_string()).collect::<Vec<_>>(), ["printer", "display", "scale", "scanner"]);
    // Attached by the test, not by the configuration: shown like demo mode's simulators.
    assert_eq!(rows[0].port, "");
    assert_eq!(rows[1].state, till_ui::ChipState::Off, "no display attached");
    wait_until("the printer answers", || {
        gui.check_devices();
        value(&gui, "status printer") == "ready · simulated"
    });

    tap(&gui, "test-page printer");
    wait_until("the test page prints", || first.lock().unwrap().out.contains(&Printed::Cut));
    assert!(first.lock().unwrap().text().iter().any(|l| l.contains("Test page")), "{:?}", first.lock().unwrap().text());
    tap(&gui, "open-drawer printer");
    wait_until("the drawer kicks", || {
        first.lock().unwrap().out.iter().any(|e| matches!(e, Printed::DrawerKick { pin: 0, on_ms: 50, off_ms: 500 }))
    });
    wait_until("the printer reports the drawer open", || {
        gui.check_devices();
        value(&gui, "status printer").contains("drawer open")
    });
    screenshot(&gui, "9-devices");

    // A bad address is refused and changes nothing.
    gui.window().global::<till_ui::DevicesAdapter>().invoke_device_apply(
        "printer".into(),
        "tcp://nowhere".into(),
        "".into(),
    );
    assert!(value(&gui, "message").contains("tcp://HOST:PORT"), "{}", value(&gui, "message"));
    assert_eq!(gui.window().global::<till_ui::DevicesAdapter>().get_devices().row_data(0).unwrap().port, "");

    // The printer moves to another port: stored, journaled, and used at once.
    gui.window().global::<till_ui::DevicesAdapter>().invoke_device_apply(
        "printer".into(),
        second_path.as_str().into(),
        "".into(),
    );
    assert_eq!(
        gui.window().global::<till_ui::DevicesAdapter>().get_devices().row_data(0).unwrap().port,
        second_path.as_str()
    );
    assert!(value(&gui, "device-result").contains("saved"), "{}", value(&gui, "device-result"));
    tap(&gui, "test-page printer");
    wait_until("the test page prints on the new port", || second.lock().unwrap().out.contains(&Printed::Cut));
    assert_eq!(first.lock().unwrap().out.iter().filter(|e| **e == Printed::Cut).count(), 1);
    let db = common::db(dir.path());
    let (port, by): (String, String) = db
        .query_row(
            "SELECT d.port, u.name FROM device_settings d JOIN users u ON u.id = d.changed_by WHERE device = 'printer'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((port.as_str(), by.as_str()), (second_path.as_str(), "Demo Manager"));
    let journaled: i64 = db
        .query_row("SELECT count(*) FROM journal WHERE kind IN ('device_set', 'device_test')", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journaled, 4, "one change and three tests");

    // A scanned code is checked and shown here, not sold.
    type_keys(&gui, "4006381333932\n");
    assert!(value(&gui, "device-result").contains("4006381333932"), "{}", value(&gui, "device-result"));

    tap(&gui, "Back");
    assert_eq!(gui.window().global::<till_ui::Shell>().get_page(), back_to);

    // The same screen in Hindi, in high contrast, for looking at.
    tap(&gui, "Sign out");
    tap(&gui, "hi-IN");
    gui.window().global::<till_ui::SignInAdapter>().invoke_set_theme(2);
    tap(&gui, "Demo Manager");
    tap_digits(&gui, "9999");
    tap(&gui, "साइन इन करें");
    tap(&gui, "उपकरण");
    assert_eq!(gui.window().global::<till_ui::Shell>().get_page(), till_ui::Page::Devices);
    screenshot(&gui, "9b-devices-hi-IN");
    stop.store(true, Ordering::SeqCst);
}
