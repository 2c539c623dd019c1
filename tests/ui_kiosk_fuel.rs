//! "Pay for fuel" on the kiosk's real window (Slint's testing backend), by accessible label,
//! with the simulated pumps (`till sim forecourt`, its own process, over a pty) and the
//! simulated card terminal (ZVT over loopback TCP): pump, "fill up", the card reserved, the
//! pump authorized; the customer fills; what was filled is sold and booked on the card.

mod common;

use common::ui::*;
use common::Sim;
use slint::ComponentHandle;
use std::time::{Duration, Instant};
use till_hardware::zvt::sim::Kind;
use till_ui::KioskAdapter;

fn config(link: &std::path::Path, card: &str) -> till::config::Config {
    config_with(link, card, "")
}

fn config_with(link: &std::path::Path, card: &str, kiosk: &str) -> till::config::Config {
    let mut text =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/demo/demo.toml"))
            .unwrap();
    text = text.replacen("[terminal]\n", "[terminal]\nmode = \"kiosk\"\n", 1);
    text.push_str(&format!("\n[kiosk]\nfill_up_amount = \"80.00\"\n{kiosk}"));
    text.push_str(&format!("\n[card_terminal]\nport = \"{card}\"\n"));
    text.push_str(&format!("\n[forecourt]\nport = \"{}\"\n", link.display()));
    for (n, address) in [(1, "0x50"), (2, "0x51")] {
        text.push_str(&format!(
            "\n[[forecourt.pumps]]\nnumber = {n}\naddress = \"{address}\"\nnozzles = [\"E5\", \"E10\", \"SP98\", \"B7\"]\n"
        ));
    }
    till::config::Config::parse(&text, "kiosk.toml").unwrap()
}

/// Turns the event loop's crank: the pumps redrawn (the session told of changes) and the
/// devices' reports handled, until `done` or ten seconds.
fn until(gui: &till::gui::Gui, what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "never: {what}");
        gui.render_pumps();
        gui.drain_reports();
        std::thread::sleep(Duration::from_millis(30));
    }
}

#[test]
fn a_customer_pays_for_fuel_fills_and_is_charged_what_was_filled() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("pumps");
    let mut pumps = Sim::start(&["sim", "forecourt", "--pumps", "2"], &link);
    let (card, state) = common::card_terminal();
    let cfg = config(&link, &card);
    let forecourt = till::devices::demo::site_forecourt(cfg.forecourt.as_ref().unwrap(), &cfg.fuel_grades);
    forecourt.wait_for_first_answers(Duration::from_secs(3));
    let line = forecourt.clone();
    let terminal = till::devices::card::CardTerminal::open(cfg.card_terminal.as_ref().unwrap());
    let gui = open_with(&dir.path().join("data"), cfg);
    gui.attach(till::gui::Devices { forecourt: Some(forecourt), card: Some(terminal), ..Default::default() });
    gui.kiosk_begin();
    let k = gui.window().global::<KioskAdapter>();
    assert!(k.get_fuel_enabled());
    screenshot(&gui, "66-kiosk-start-with-fuel");
    tap(&gui, "Pay for fuel");
    assert_eq!(k.get_screen(), "fuel");
    tap(&gui, "Pump 1");
    screenshot(&gui, "67-kiosk-fuel-choose");
    pumps.say("flow 1 20");
    tap(&gui, "Fill up (up to €80.00)");
    assert_eq!(k.get_screen(), "fuel-wait");
    until(&gui, "the pump is ready", || k.get_fuel_status().contains("ready"));
    assert!(k.get_fuel_status().contains("Pump 1"), "{}", k.get_fuel_status());
    screenshot(&gui, "68-kiosk-fuel-ready");
    let reserved: Vec<_> = state.lock().unwrap().journal.iter().map(|t| (t.kind, t.amount_minor, t.stands)).collect();
    assert_eq!(reserved, vec![(Kind::Reservation, 8000, true)]);
    let view = || line.pump(1).map(|p| p.state.as_str().to_string()).unwrap_or_default();
    until(&gui, "authorized", || view() == "authorized");
    pumps.say("lift 1 2");
    until(&gui, "filling", || view() == "filling");
    std::thread::sleep(Duration::from_millis(500));
    pumps.say("hang 1");
    let booked = || {
        state
            .lock()
            .unwrap()
            .journal
            .iter()
            .filter(|t| t.kind == Kind::Booking && t.stands)
            .map(|t| t.amount_minor)
            .collect::<Vec<_>>()
    };
    until(&gui, "booked", || !booked().is_empty());
    let db = rusqlite::Connection::open(dir.path().join("data/till.sqlite")).unwrap();
    let total: i64 = db.query_row("SELECT total_minor FROM sales", [], |r| r.get(0)).unwrap();
    assert_eq!(booked(), vec![total as u64], "charged what the pump measured");
    // The kiosk is the next customer's again.
    gui.advance_kiosk_clock(Duration::from_secs(13));
    assert_eq!(k.get_screen(), "attract");
}

#[test]
fn an_outdoor_payment_terminal_goes_straight_to_the_pumps_and_shows_the_receipt_as_a_code() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("pumps");
    let mut pumps = Sim::start(&["sim", "forecourt", "--pumps", "2"], &link);
    let (card, state) = common::card_terminal();
    let cfg = config_with(&link, &card, "fuel_only = true\n");
    let forecourt = till::devices::demo::site_forecourt(cfg.forecourt.as_ref().unwrap(), &cfg.fuel_grades);
    forecourt.wait_for_first_answers(Duration::from_secs(3));
    let line = forecourt.clone();
    let terminal = till::devices::card::CardTerminal::open(cfg.card_terminal.as_ref().unwrap());
    let gui = open_with(&dir.path().join("data"), cfg);
    gui.attach(till::gui::Devices { forecourt: Some(forecourt), card: Some(terminal), ..Default::default() });
    gui.kiosk_begin();
    let k = gui.window().global::<KioskAdapter>();
    assert!(!has_button(&gui, "Pay for fuel"), "every start key is pay for fuel here");
    tap(&gui, "start de-DE");
    assert_eq!(k.get_screen(), "fuel");
    tap(&gui, "Säule 2");
    pumps.say("flow 2 20");
    tap(&gui, "40,00\u{a0}€");
    until(&gui, "the pump is ready", || k.get_fuel_status().contains("2"));
    let view = || line.pump(2).map(|p| p.state.as_str().to_string()).unwrap_or_default();
    until(&gui, "authorized", || view() == "authorized");
    pumps.say("lift 2 1");
    until(&gui, "filling", || view() == "filling");
    std::thread::sleep(Duration::from_millis(500));
    pumps.say("hang 2");
    until(&gui, "the fill's receipt offered", || k.get_screen() == "fuel-done");
    assert!(k.get_fuel_done_text().contains("Säule 2"), "{}", k.get_fuel_done_text());
    screenshot(&gui, "69-outdoor-fill-done-de");
    tap(&gui, "Beleg als QR-Code zeigen");
    assert!(k.get_receipt_qr_shown(), "the code shows");
    assert!(!has_button(&gui, "Beleg drucken"), "handed out once: no paper after the code");
    screenshot(&gui, "70-outdoor-receipt-qr-de");
    until(&gui, "booked", || state.lock().unwrap().journal.iter().any(|t| t.kind == Kind::Booking && t.stands));
    tap(&gui, "Kein Beleg");
    assert_eq!(k.get_screen(), "attract");
    let db = rusqlite::Connection::open(dir.path().join("data/till.sqlite")).unwrap();
    let shown: i64 =
        db.query_row("SELECT COUNT(*) FROM journal WHERE kind = 'kiosk_receipt_qr'", [], |r| r.get(0)).unwrap();
    assert_eq!(shown, 1);
}
