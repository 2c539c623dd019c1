//! Pay-at-pump at a kiosk, end to end: `till exec` as a kiosk with the simulated pumps (`till
//! sim forecourt`, its own process, over a pty) and the simulated card terminal (ZVT over
//! loopback TCP). The card is reserved for the amount (`06 22`), the pump authorized with that
//! preset, and what the pump measured is sold and booked (`06 24`). Killed with SIGKILL between
//! the reservation and the booking, the kiosk books exactly what was filled when it starts again.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use till_hardware::zvt::sim::{Kind, Shared};

/// The terminal's journal: (kind, amount, stands).
fn journal(state: &Shared) -> Vec<(Kind, u64, bool)> {
    state.lock().unwrap().journal.iter().map(|t| (t.kind, t.amount_minor, t.stands)).collect()
}

fn bookings(state: &Shared) -> Vec<u64> {
    journal(state).into_iter().filter(|(k, _, s)| *k == Kind::Booking && *s).map(|(_, a, _)| a).collect()
}

fn site(dir: &Path, link: &Path, card: &str) -> (PathBuf, PathBuf) {
    demo_site(dir, |mut text| {
        text = text.replacen("[terminal]\n", "[terminal]\nmode = \"kiosk\"\n", 1);
        text.push_str("\n[kiosk]\nidle_seconds = 300\nfill_up_amount = \"80.00\"\n");
        text.push_str(&format!("\n[card_terminal]\nport = \"{card}\"\n"));
        text.push_str(&format!("\n[forecourt]\nport = \"{}\"\n", link.display()));
        for (n, address) in [(1, "0x50"), (2, "0x51")] {
            text.push_str(&format!(
                "\n[[forecourt.pumps]]\nnumber = {n}\naddress = \"{address}\"\nnozzles = [\"E5\", \"E10\", \"SP98\", \"B7\"]\n"
            ));
        }
        text
    })
}

fn minor(v: &Value) -> u64 {
    let s = v.as_str().unwrap_or_else(|| panic!("an amount: {v}"));
    let d: rust_decimal::Decimal = s.parse().unwrap();
    (d * rust_decimal::Decimal::from(100))
        .to_string()
        .parse::<rust_decimal::Decimal>()
        .unwrap()
        .trunc()
        .to_string()
        .parse()
        .unwrap()
}

fn count(data: &Path, sql: &str) -> i64 {
    db(data).query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Fills pump 1 (authorized) for a moment; the pump's amount.
fn fill(pumps: &mut Sim, k: &mut Exec) -> u64 {
    k.wait_pump(1, "authorized");
    pumps.say("lift 1 2");
    k.wait_pump(1, "filling");
    std::thread::sleep(Duration::from_millis(600));
    pumps.say("hang 1");
    let a = k.wait_pump(1, "completed");
    minor(&a["pumps"][0]["amount"])
}

fn start_kiosk(config: &Path, data: &Path) -> Exec {
    let mut k = Exec::start(config, data);
    let a = k.ask(json!({"cmd":"kiosk_start"}));
    ok(&a);
    k
}

#[test]
fn the_card_is_reserved_the_pump_authorized_and_what_was_filled_booked() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("pumps");
    let mut pumps = Sim::start(&["sim", "forecourt", "--pumps", "2"], &link);
    let (card, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &link, &card);
    let mut k = start_kiosk(&config, &data);
    k.wait_pump(1, "idle");
    pumps.say("flow 1 20");
    // More than "fill up" allows, and a pump that does not exist: refused, nothing asked.
    assert_eq!(k.ask(json!({"cmd":"pump_pay","pump":1,"amount":"80.01"}))["code"], "refusal-pump-pay-amount");
    assert_eq!(k.ask(json!({"cmd":"pump_pay","pump":9,"amount":"10.00"}))["ok"], false);
    assert!(journal(&state).is_empty());
    let a = k.ask(json!({"cmd":"pump_pay","pump":1,"amount":"30.00"}));
    assert_eq!(ok(&a)["reservations"][0]["state"], "reserved", "{a}");
    assert!(
        a["effects"].as_array().unwrap().iter().any(|e| e["effect"] == "authorize_pump" && e["amount"] == "30.00"),
        "the pump is authorized with the reserved amount as its preset: {a}"
    );
    assert_eq!(journal(&state), vec![(Kind::Reservation, 3000, true)]);
    // A second customer cannot take the same pump.
    assert_eq!(k.ask(json!({"cmd":"pump_pay","pump":1}))["ok"], false);
    let filled = fill(&mut pumps, &mut k);
    assert!(filled > 0 && filled <= 3000, "{filled}");
    // The pumps as the kiosk watches them: the fill is sold and booked, once.
    let deadline = Instant::now() + Duration::from_secs(15);
    while bookings(&state).is_empty() {
        assert!(Instant::now() < deadline, "never booked: {:?}", journal(&state));
        k.ask(json!({"cmd":"pumps"}));
        std::thread::sleep(Duration::from_millis(100));
    }
    for _ in 0..5 {
        k.ask(json!({"cmd":"pumps"}));
    }
    assert_eq!(bookings(&state), vec![filled], "the card is charged what the pump measured");
    assert!(journal(&state).contains(&(Kind::Reservation, 3000, false)), "the reservation is closed");
    assert_eq!(count(&data, "SELECT COUNT(*) FROM sales"), 1);
    assert_eq!(count(&data, "SELECT total_minor FROM sales"), filled as i64);
    assert_eq!(count(&data, "SELECT COUNT(*) FROM payments WHERE method = 'card'"), 1);
    assert_eq!(count(&data, "SELECT COUNT(*) FROM pump_reservations WHERE state = 'booked'"), 1);
    k.wait_pump(1, "idle");
}

#[test]
fn a_declined_reservation_authorizes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("pumps");
    let _pumps = Sim::start(&["sim", "forecourt", "--pumps", "2"], &link);
    let (card, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &link, &card);
    let mut k = start_kiosk(&config, &data);
    k.wait_pump(1, "idle");
    // The simulated terminal declines amounts ending in .13.
    let a = k.ask(json!({"cmd":"pump_pay","pump":1,"amount":"20.13"}));
    assert_eq!(a["code"], "refusal-card-declined", "{a}");
    assert_eq!(count(&data, "SELECT COUNT(*) FROM pump_reservations WHERE state = 'declined'"), 1);
    std::thread::sleep(Duration::from_millis(300));
    let p = k.ask(json!({"cmd":"pumps"}));
    assert_eq!(p["pumps"][0]["state"], "idle", "{p}");
    assert!(bookings(&state).is_empty());
    // The pump is free for the next customer.
    let a = k.ask(json!({"cmd":"pump_pay","pump":1,"amount":"20.00"}));
    assert_eq!(ok(&a)["reservations"][0]["state"], "reserved", "{a}");
}

#[test]
fn killed_between_the_reservation_and_the_booking_the_kiosk_books_what_was_filled_at_its_start() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("pumps");
    let mut pumps = Sim::start(&["sim", "forecourt", "--pumps", "2"], &link);
    let (card, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &link, &card);
    let mut k = start_kiosk(&config, &data);
    k.wait_pump(1, "idle");
    pumps.say("flow 1 20");
    ok(&k.ask(json!({"cmd":"pump_pay","pump":1,"amount":"40.00"})));
    k.wait_pump(1, "authorized");
    // SIGKILL: nothing runs on the way out.
    k.child.kill().unwrap();
    k.child.wait().unwrap();
    drop(k);
    // The customer fills while the kiosk is down.
    pumps.say("lift 1 2");
    std::thread::sleep(Duration::from_millis(900));
    pumps.say("hang 1");
    std::thread::sleep(Duration::from_millis(300));
    assert!(bookings(&state).is_empty());
    let mut k = Exec::start(&config, &data);
    let a = k.ask(json!({"cmd":"kiosk_start"}));
    // The start itself asks the terminal for its open reservations, sells what the pump
    // measured and books it before it answers.
    assert_eq!(ok(&a)["sale"]["kind"], "sale", "{a}");
    assert_eq!(bookings(&state).len(), 1, "{:?}", journal(&state));
    let sold = count(&data, "SELECT total_minor FROM sales");
    assert!(sold > 0, "something was filled");
    assert_eq!(bookings(&state), vec![sold as u64], "charged exactly what the pump measured");
    k.wait_pump(1, "idle");
    k.end();
    // Started once more: nothing is booked twice.
    let mut k = start_kiosk(&config, &data);
    for _ in 0..5 {
        k.ask(json!({"cmd":"pumps"}));
    }
    k.end();
    assert_eq!(bookings(&state), vec![sold as u64]);
    assert_eq!(count(&data, "SELECT COUNT(*) FROM sales"), 1);
    assert_eq!(
        count(&data, "SELECT COUNT(*) FROM pump_reservations WHERE state IN ('asking','reserved','booking')"),
        0
    );
    let verify =
        run(&["journal", "verify", "--config", config.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}

#[test]
fn a_booking_the_terminal_did_not_take_is_booked_once_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("pumps");
    let mut pumps = Sim::start(&["sim", "forecourt", "--pumps", "2"], &link);
    let (card, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &link, &card);
    let mut k = start_kiosk(&config, &data);
    k.wait_pump(1, "idle");
    pumps.say("flow 1 20");
    ok(&k.ask(json!({"cmd":"pump_pay","pump":1})));
    assert_eq!(journal(&state), vec![(Kind::Reservation, 8000, true)], "fill up: the configured most");
    k.wait_pump(1, "authorized");
    pumps.say("lift 1 2");
    k.wait_pump(1, "filling");
    std::thread::sleep(Duration::from_millis(600));
    // The terminal refuses everything now: the sale is stored, its booking waits.
    state.lock().unwrap().fault = till_hardware::zvt::sim::Fault::Busy;
    pumps.say("hang 1");
    let deadline = Instant::now() + Duration::from_secs(15);
    while count(&data, "SELECT COUNT(*) FROM sales") == 0 {
        assert!(Instant::now() < deadline, "never sold");
        k.ask(json!({"cmd":"pumps"}));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(count(&data, "SELECT COUNT(*) FROM pump_reservations WHERE state = 'booking'"), 1);
    assert!(bookings(&state).is_empty());
    let filled = count(&data, "SELECT total_minor FROM sales") as u64;
    k.end();
    state.lock().unwrap().fault = till_hardware::zvt::sim::Fault::None;
    let k = start_kiosk(&config, &data);
    k.end();
    assert_eq!(bookings(&state), vec![filled]);
    assert_eq!(count(&data, "SELECT COUNT(*) FROM sales"), 1);
    assert_eq!(count(&data, "SELECT COUNT(*) FROM pump_reservations WHERE state = 'booked'"), 1);
    // And again: the terminal no longer holds it, nothing more is charged.
    let k = start_kiosk(&config, &data);
    k.end();
    assert_eq!(bookings(&state), vec![filled]);
}

#[test]
fn an_outdoor_payment_terminal_sells_fuel_only_and_hands_the_fills_receipt_out_once() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("pumps");
    let mut pumps = Sim::start(&["sim", "forecourt", "--pumps", "2"], &link);
    let (card, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &link, &card);
    let text = std::fs::read_to_string(&config).unwrap().replace("[kiosk]\n", "[kiosk]\nfuel_only = true\n");
    std::fs::write(&config, text).unwrap();
    let mut k = start_kiosk(&config, &data);
    // No shop here: nothing goes into a basket, and nobody is called for one.
    for c in [
        json!({"cmd":"add","sku":"BEV-0001"}),
        json!({"cmd":"scan","code":"4385425550344"}),
        json!({"cmd":"tender","method":"card"}),
    ] {
        assert_eq!(k.ask(c.clone())["code"], "refusal-fuel-only", "{c}");
    }
    assert_eq!(count(&data, "SELECT COUNT(*) FROM sales"), 0);
    // A customer at the pumps can still call a person.
    assert_eq!(ok(&k.ask(json!({"cmd":"call_staff"})))["kiosk"]["help"]["reason"], "customer");
    ok(&k.ask(json!({"cmd":"staff_approve","pin":"1111"})));
    k.wait_pump(1, "idle");
    pumps.say("flow 1 20");
    ok(&k.ask(json!({"cmd":"pump_pay","pump":1,"amount":"20.00"})));
    // Filled; the answer that sells it is looked at (not `fill`, which would pass it by).
    k.wait_pump(1, "authorized");
    pumps.say("lift 1 2");
    k.wait_pump(1, "filling");
    std::thread::sleep(Duration::from_millis(600));
    pumps.say("hang 1");
    let deadline = Instant::now() + Duration::from_secs(15);
    let sold = loop {
        assert!(Instant::now() < deadline, "never sold: {:?}", journal(&state));
        let a = k.ask(json!({"cmd":"pumps"}));
        if a["sale"].is_object() {
            break a;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let filled = minor(&sold["sale"]["total"]);
    assert!(filled > 0 && filled <= 2000, "{sold}");
    let effects = sold["effects"].as_array().cloned().unwrap_or_default();
    assert!(!effects.iter().any(|e| e["effect"] == "print_receipt"), "the customer chooses: {sold}");
    let n = sold["sale"]["receipt_no"].as_i64().unwrap();
    // Another receipt, or none yet, is not handed out; this one once, as a code or on paper.
    assert_eq!(k.ask(json!({"cmd":"kiosk_print","receipt_no":n + 1}))["code"], "refusal-no-receipt-to-print");
    assert_eq!(k.ask(json!({"cmd":"kiosk_print","qr":true}))["code"], "refusal-no-receipt-to-print");
    let a = k.ask(json!({"cmd":"kiosk_print","receipt_no":n,"qr":true}));
    assert_eq!(ok(&a)["receipt"]["receipt_no"], n, "{a}");
    assert!(!a["effects"].as_array().is_some_and(|e| e.iter().any(|e| e["effect"] == "print_receipt")), "{a}");
    assert_eq!(k.ask(json!({"cmd":"kiosk_print","receipt_no":n}))["code"], "refusal-no-receipt-to-print");
    while bookings(&state).is_empty() {
        assert!(Instant::now() < deadline, "never booked: {:?}", journal(&state));
        k.ask(json!({"cmd":"pumps"}));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(bookings(&state), vec![filled]);
    drop(k);
    let qr: i64 = count(&data, "SELECT COUNT(*) FROM journal WHERE kind = 'kiosk_receipt_qr'");
    assert_eq!(qr, 1);
}
