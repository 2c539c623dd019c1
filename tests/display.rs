//! The customer display over a pty, both command sets: the scanned item with the total, then what
//! was paid and the change, then the welcome text.

use serde_json::json;
use serialport::{SerialPort, TTYPort};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use till::config::Config;
use till::devices::display::{paid_frame, ticket_frame, welcome_frame, CustomerDisplay};
use till::i18n::I18n;
use till::service::{Command, Session};
use till_hardware::display::{Protocol, SimDisplay};

fn cmd(v: serde_json::Value) -> Command {
    serde_json::from_value(v).unwrap()
}

fn wait_for(d: &Mutex<SimDisplay>, upper_starts: &str) -> [String; 2] {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let lines = d.lock().unwrap().lines.clone();
        if lines[0].starts_with(upper_starts) {
            return lines;
        }
        assert!(Instant::now() < deadline, "the display shows {lines:?}, not '{upper_starts}...'");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn the_display_shows_the_item_then_the_change() {
    for protocol in [Protocol::Epson, Protocol::Cd5220] {
        let (mut sim_end, mut till_end) = TTYPort::pair().unwrap();
        sim_end.set_timeout(Duration::from_millis(2)).unwrap();
        till_end.set_timeout(Duration::from_millis(2)).unwrap();
        let sim = Arc::new(Mutex::new(SimDisplay::new()));
        let s = sim.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            loop {
                match std::io::Read::read(&mut sim_end, &mut buf) {
                    Ok(n) if n > 0 => s.lock().unwrap().on_bytes(&buf[..n]),
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => return,
                }
            }
        });
        let display = CustomerDisplay::start(till_end, protocol);
        let config = Config::demo().unwrap();
        let i18n = I18n::new().unwrap();
        let cur = &config.pricing.currency;
        let dir = tempfile::tempdir().unwrap();
        let mut session = Session::open(config.clone(), dir.path()).unwrap();
        session.execute(cmd(json!({"cmd":"login","pin":"1111"}))).unwrap();
        session.execute(cmd(json!({"cmd":"open_shift","float":"100.00"}))).unwrap();

        let t = session.execute(cmd(json!({"cmd":"scan","code":"4006381333931"}))).unwrap().ticket.unwrap();
        display.show(ticket_frame(&i18n, cur, &t));
        let lines = wait_for(&sim, "STABILO");
        assert_eq!(lines[0], "STABILO poi EUR 1.29", "{protocol:?}");
        assert_eq!(lines[1], "Total       EUR 1.29", "{protocol:?}");

        let sale = session.execute(cmd(json!({"cmd":"tender","method":"cash","amount":"5.00"}))).unwrap().sale.unwrap();
        display.show(paid_frame(&i18n, cur, &sale));
        let lines = wait_for(&sim, "Paid");
        assert_eq!(lines[0], "Paid        EUR 5.00", "{protocol:?}");
        assert_eq!(lines[1], "Change      EUR 3.71", "{protocol:?}");

        display.show(welcome_frame(&i18n, "Till Demo Station"));
        let lines = wait_for(&sim, "Till Demo");
        assert_eq!(lines[1].trim_end(), "Welcome!");
    }
}
