//! The pump strip on the sale screen, with the real forecourt service talking DART to simulated
//! pumps over a pty: a calling pump is authorized with a tap, its completed fill goes onto the
//! ticket with a tap, is paid, and the pump is reset; then every state is shown at once.

mod common;

use common::ui::*;
use serialport::{SerialPort, TTYPort};
use slint::{ComponentHandle, Model};
use std::time::{Duration, Instant};
use till::devices::forecourt::{Forecourt, ForecourtCmd, PumpSetup, PumpState};
use till_hardware::dart::sim::SimPump;

fn wait(f: &Forecourt, pump: u8, state: PumpState) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if f.pump(pump).map(|p| p.state) == Some(state.clone()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("pump {pump} never {state:?}: {:?}", f.pump(pump));
}

#[test]
fn pumps_on_the_sale_screen() {
    let (sim, till_end) = common::sim_line((0..4).map(|i| SimPump::new(0x50 + i, 4)).collect());
    let bus = sim.bus.clone();
    let config = till::config::Config::demo().unwrap();
    let setup = (0..4u8)
        .map(|i| PumpSetup {
            number: i + 1,
            address: 0x50 + i,
            grades: vec!["E5".into(), "E10".into(), "SP98".into(), "B7".into()],
        })
        .collect();
    let forecourt = Forecourt::start(till_end, setup, config.fuel_grades.clone());
    for n in 1..=4 {
        wait(&forecourt, n, PumpState::Idle);
    }

    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    gui.attach_forecourt(forecourt.clone());
    tap(&gui, "Demo Cashier");
    tap_digits(&gui, "1111");
    tap(&gui, "Sign in");
    tap_digits(&gui, "10000");
    tap(&gui, "Open shift");

    // A customer lifts the Diesel nozzle at pump 1: the cashier authorizes with a tap.
    bus.lock().unwrap().pump_mut(0x50).unwrap().lift(4);
    wait(&forecourt, 1, PumpState::Calling);
    gui.render_pumps();
    assert_eq!(value(&gui, "Pump 1"), "Calling");
    tap(&gui, "Pump 1");
    wait(&forecourt, 1, PumpState::Filling);
    std::thread::sleep(Duration::from_millis(100));
    bus.lock().unwrap().pump_mut(0x50).unwrap().hang();
    wait(&forecourt, 1, PumpState::Completed);
    let fill = forecourt.pump(1).unwrap();
    assert_eq!(fill.grade.as_deref(), Some("B7"));

    // Postpay: a tap puts the fill on the ticket; a second tap does not add it again.
    gui.render_pumps();
    tap(&gui, "Pump 1");
    tap(&gui, "Pump 1");
    assert_eq!(gui.window().global::<till_ui::SaleAdapter>().get_lines().row_count(), 1);
    let f = till::i18n::locale_format("en-US");
    assert_eq!(value(&gui, "Total"), f.money(fill.amount, &config.pricing.currency));
    tap(&gui, "Pay");
    tap(&gui, "Exact");
    assert_eq!(gui.window().global::<till_ui::Shell>().get_page(), till_ui::Page::Receipt);
    wait(&forecourt, 1, PumpState::Idle);
    tap(&gui, "Next customer");

    // Every state at once, for the screenshot: calling, filling, awaiting payment, offline.
    bus.lock().unwrap().pump_mut(0x50).unwrap().lift(2);
    forecourt.send(ForecourtCmd::Authorize { pump: 2, preset: None });
    wait(&forecourt, 2, PumpState::Authorized);
    bus.lock().unwrap().pump_mut(0x51).unwrap().lift(1);
    forecourt.send(ForecourtCmd::Authorize { pump: 3, preset: None });
    wait(&forecourt, 3, PumpState::Authorized);
    bus.lock().unwrap().pump_mut(0x52).unwrap().lift(3);
    std::thread::sleep(Duration::from_millis(150));
    bus.lock().unwrap().pump_mut(0x52).unwrap().hang();
    wait(&forecourt, 3, PumpState::Completed);
    bus.lock().unwrap().faults.silent.push(0x53);
    wait(&forecourt, 4, PumpState::Offline);
    wait(&forecourt, 1, PumpState::Calling);
    gui.render_pumps();
    assert_eq!(value(&gui, "Pump 4"), "Offline");
    assert!(value(&gui, "Pump 2").starts_with("Filling"), "{}", value(&gui, "Pump 2"));
    screenshot(&gui, "9-sale-with-pumps");

    // The emergency stop reaches every pump.
    tap(&gui, "STOP ALL");
    wait(&forecourt, 2, PumpState::Completed);

    // A drive-off from the pump menu: recorded, not sold, and the pump is free again.
    tap(&gui, "More: pump 3");
    screenshot(&gui, "10-pump-menu");
    tap(&gui, "Drive-off");
    // A drive-off asks first, naming the pump and the amount; nothing is recorded before.
    assert!(gui.window().global::<till_ui::Shell>().get_confirm_open());
    assert!(value(&gui, "question").contains("pump 3"), "{}", value(&gui, "question"));
    screenshot(&gui, "10b-drive-off-confirm");
    assert_eq!(forecourt.pump(3).unwrap().state, PumpState::Completed);
    tap(&gui, "Confirm: Drive-off");
    wait(&forecourt, 3, PumpState::Idle);
    assert_eq!(value(&gui, "message"), "Drive-off at pump 3 recorded.");

    // Prepay from the pump menu: 30.00 keyed, paid, the pump authorized for 30.00; the customer
    // stops at 10.00 l (17.99) and the rest is settled by itself.
    bus.lock().unwrap().pump_mut(0x50).unwrap().hang();
    wait(&forecourt, 1, PumpState::Idle);
    tap_digits(&gui, "3000");
    tap(&gui, "More: pump 1");
    // The keys say what the keyed digits do.
    tap(&gui, "Prepay €30.00");
    assert_eq!(value(&gui, "Total"), "€30.00");
    tap(&gui, "Pay");
    tap(&gui, "Exact");
    wait(&forecourt, 1, PumpState::Authorized);
    {
        let mut b = bus.lock().unwrap();
        let p = b.pump_mut(0x50).unwrap();
        p.flow_per_tick = 250;
        p.hang_at = Some(1000);
        p.lift(1);
    }
    wait(&forecourt, 1, PumpState::Completed);
    gui.render_pumps();
    assert_eq!(value(&gui, "message"), "Pump 1 prepay settled: give back €12.01");
    wait(&forecourt, 1, PumpState::Idle);

    // The forecourt screen: every pump large and the tanks from a simulated TLS gauge on a pty.
    let (mut gauge_end, mut till_gauge) = TTYPort::pair().unwrap();
    gauge_end.set_timeout(Duration::from_millis(5)).unwrap();
    till_gauge.set_timeout(Duration::from_millis(20)).unwrap();
    let mut gauge = till_hardware::tls::SimGauge::new(till::devices::demo::sim_tanks(4));
    std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        loop {
            let n = std::io::Read::read(&mut gauge_end, &mut buf).unwrap_or(0);
            let out = gauge.on_bytes(&buf[..n]);
            if !out.is_empty() && std::io::Write::write_all(&mut gauge_end, &out).is_err() {
                return;
            }
        }
    });
    let monitor = till::devices::tanks::TankMonitor::start(till_gauge, Duration::from_millis(200));
    let deadline = Instant::now() + Duration::from_secs(10);
    while monitor.state().tanks.len() < 4 {
        assert!(Instant::now() < deadline, "no inventory: {:?}", monitor.state());
        std::thread::sleep(Duration::from_millis(20));
    }
    gui.attach_tanks(monitor);
    tap(&gui, "Next customer");
    tap(&gui, "Pumps and tanks");
    assert_eq!(gui.window().global::<till_ui::Shell>().get_page(), till_ui::Page::Forecourt);
    assert!(value(&gui, "Tank 3").contains("High water"), "{}", value(&gui, "Tank 3"));
    assert!(value(&gui, "Tank 4").contains("Low level"), "{}", value(&gui, "Tank 4"));
    gui.render_pumps();
    screenshot(&gui, "11-forecourt");
    tap(&gui, "Back to sale");

    // Fuel prices: not for a cashier (the key is not shown; the session refuses it anyway); a
    // manager changes E10 and the pumps get it.
    tap(&gui, "Pumps and tanks");
    assert!(!has_button(&gui, "Prices"));
    tap(&gui, "Back to sale");
    tap(&gui, "Sign out");
    tap(&gui, "Demo Manager");
    tap_digits(&gui, "9999");
    tap(&gui, "Sign in");
    tap(&gui, "Pumps and tanks");
    tap(&gui, "Prices");
    tap(&gui, "E10");
    for d in "1759".chars() {
        tap(&gui, &format!("price {d}"));
    }
    assert_eq!(value(&gui, "new price"), "1.759");
    tap(&gui, "Send to pumps");
    // Sending asks first, naming the grade by its name and both prices.
    assert!(value(&gui, "question").contains("1.759"), "{}", value(&gui, "question"));
    assert!(value(&gui, "question").contains("Super E10"), "the grade by name: {}", value(&gui, "question"));
    tap(&gui, "Confirm: Send to pumps");
    assert!(value(&gui, "message").contains(": 1.759 per litre"), "{}", value(&gui, "message"));
    assert!(value(&gui, "message").starts_with("Super E10"), "{}", value(&gui, "message"));
    let deadline = Instant::now() + Duration::from_secs(5);
    while bus.lock().unwrap().pump_mut(0x51).unwrap().prices.get(1) != Some(&1759) {
        assert!(Instant::now() < deadline, "pump 2 never got the new E10 price");
        std::thread::sleep(Duration::from_millis(10));
    }

    // Every forecourt action is in the journal with the user who did it.
    let conn = rusqlite::Connection::open(dir.path().join("till.sqlite")).unwrap();
    let actions: Vec<String> = conn
        .prepare("SELECT json_extract(payload, '$.action') FROM journal WHERE kind = 'forecourt' ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // Meter totals are read when the shift opens (journaled once every pump has answered).
    assert!(actions.contains(&"meter_totals_shift_open".to_string()), "{actions:?}");
    // What the cashier decided; resets and prepaid authorizations follow from stored records.
    let cashier: Vec<&String> = actions.iter().filter(|a| !a.starts_with("meter_totals")).collect();
    assert_eq!(cashier, ["authorize", "emergency_stop_all"]);
    let priced: i64 =
        conn.query_row("SELECT COUNT(*) FROM outbox WHERE kind = 'fuel_price'", [], |r| r.get(0)).unwrap();
    assert_eq!(priced, 1);
    let totals: String = conn
        .query_row("SELECT payload FROM journal WHERE payload LIKE '%meter_totals_shift_open%'", [], |r| r.get(0))
        .unwrap();
    assert!(totals.contains("\"pump\":4"), "{totals}");
    let kinds: Vec<String> = conn
        .prepare("SELECT kind FROM outbox ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(kinds.contains(&"drive_off".to_string()), "{kinds:?}");
    let settled: String =
        conn.query_row("SELECT payload FROM journal WHERE kind = 'refund'", [], |r| r.get(0)).unwrap();
    assert!(settled.contains("\"total\":\"-12.01\""), "{settled}");
    drop(sim);
}
