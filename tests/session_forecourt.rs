//! The session's forecourt rules, in process: the real forecourt service talks DART to
//! simulated pumps over a pty, the session decides, and the effects executor drives the pumps.
//! A fill stays at its pump until the sale holding it is stored; prepayments are stored and
//! settled from the pump's own record, after a restart too.

mod common;

use common::sim_line;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use till::config::Config;
use till::devices::forecourt::{Forecourt, PumpSetup, PumpState};
use till::effects::Executor;
use till::exec::Runner;
use till::service::{Effect, Outcome, ServiceError, Session};
use till_hardware::dart::sim::{SimBus, SimPump};

type Bus = std::sync::Arc<std::sync::Mutex<SimBus>>;

fn run(r: &mut Runner, v: Value) -> Result<Outcome, ServiceError> {
    r.execute(serde_json::from_value(v).expect("command"))
}

fn ok(r: &mut Runner, v: Value) -> Outcome {
    let what = v.to_string();
    run(r, v).unwrap_or_else(|e| panic!("{what} failed: {e}"))
}

fn refused(r: &mut Runner, v: Value) -> String {
    let what = v.to_string();
    match run(r, v) {
        Ok(o) => panic!("{what} should have been refused: {o:?}"),
        Err(e) => e.to_string(),
    }
}

/// A runner on `session` driving `f`'s pumps, signed in with `pin`; with `shift`, a shift opened.
fn runner<'a>(session: &'a mut Session, f: &Forecourt, pin: &str, shift: bool) -> Runner<'a> {
    let mut r = Runner::new(session, Executor { forecourt: Some(f.clone()), ..Default::default() }).unwrap();
    ok(&mut r, json!({"cmd":"login","pin":pin}));
    if shift {
        ok(&mut r, json!({"cmd":"open_shift","float":"100.00"}));
    }
    r
}

fn wait(f: &Forecourt, pump: u8, state: PumpState) -> till::devices::forecourt::PumpView {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Some(v) = f.pump(pump).filter(|v| v.state == state) {
            return v;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("pump {pump} never {state:?}: {:?}", f.pump(pump));
}

fn setup() -> Vec<PumpSetup> {
    (0..2u8)
        .map(|i| PumpSetup {
            number: i + 1,
            address: 0x50 + i,
            grades: vec!["E5".into(), "E10".into(), "SP98".into(), "B7".into()],
        })
        .collect()
}

/// A customer fills at `pump` (address 0x4F + pump) with nozzle 2 (E10) for about `ms`.
fn fill(bus: &Bus, f: &Forecourt, pump: u8, ms: u64) -> till::devices::forecourt::PumpView {
    bus.lock().unwrap().pump_mut(0x4F + pump).unwrap().lift(2);
    wait(f, pump, PumpState::Filling);
    std::thread::sleep(Duration::from_millis(ms));
    bus.lock().unwrap().pump_mut(0x4F + pump).unwrap().hang();
    wait(f, pump, PumpState::Completed)
}

fn start() -> (common::SimLine, Bus, Forecourt, serialport::TTYPort) {
    let pumps = (0..2)
        .map(|i| {
            let mut p = SimPump::new(0x50 + i, 4);
            p.flow_per_tick = 2; // 2 l a second on this line's 10 ms ticks
            p
        })
        .collect();
    let (sim, till_end) = sim_line(pumps);
    let spare = till_end.try_clone_native().expect("second handle on the line");
    let bus = sim.bus.clone();
    let f = Forecourt::start(till_end, setup(), Config::demo().unwrap().fuel_grades);
    wait(&f, 1, PumpState::Idle);
    wait(&f, 2, PumpState::Idle);
    (sim, bus, f, spare)
}

fn resets(o: &Outcome) -> Vec<u8> {
    o.effects
        .iter()
        .filter_map(|e| match e {
            Effect::ResetPump { pump } => Some(*pump),
            _ => None,
        })
        .collect()
}

#[test]
fn a_fill_stays_at_its_pump_until_the_sale_holding_it_is_stored() {
    let (sim, bus, f, _spare) = start();
    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::open(Config::demo().unwrap(), dir.path()).unwrap();
    let mut r = runner(&mut session, &f, "1111", true);
    let a = ok(&mut r, json!({"cmd":"authorize","pump":1}));
    assert_eq!(a.effects, vec![Effect::AuthorizePump { pump: 1, amount: None, litres: None }]);
    wait(&f, 1, PumpState::Authorized);
    let done = fill(&bus, &f, 1, 300);
    assert!(refused(&mut r, json!({"cmd":"authorize","pump":1})).contains("cannot be authorized now"));

    // On the ticket, voided, and a shop sale paid: the pump keeps its fill.
    let t = ok(&mut r, json!({"cmd":"pump_fill","pump":1})).ticket.unwrap();
    assert_eq!(t.total, done.amount, "the pump's amount, not one Till worked out");
    ok(&mut r, json!({"cmd":"void_line","line":1}));
    ok(&mut r, json!({"cmd":"add","sku":"BEV-0001"}));
    let sale = ok(&mut r, json!({"cmd":"tender","method":"cash"}));
    assert!(resets(&sale).is_empty(), "a voided fill is not paid: {:?}", sale.effects);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(f.pump(1).unwrap().state, PumpState::Completed);

    // Cancelled: the same.
    ok(&mut r, json!({"cmd":"pump_fill","pump":1}));
    ok(&mut r, json!({"cmd":"cancel_ticket"}));
    assert_eq!(f.pump(1).unwrap().state, PumpState::Completed);

    // Held, and another customer paid meanwhile: the same; the held fill cannot be taken twice,
    // recorded as a drive-off, nor can the shift close over it.
    ok(&mut r, json!({"cmd":"pump_fill","pump":1}));
    assert_eq!(ok(&mut r, json!({"cmd":"hold"})).held, Some(1));
    ok(&mut r, json!({"cmd":"add","sku":"BEV-0001"}));
    assert!(refused(&mut r, json!({"cmd":"pump_fill","pump":1})).contains("already on a held ticket"));
    assert!(refused(&mut r, json!({"cmd":"drive_off","pump":1})).contains("already on a held ticket"));
    let sale = ok(&mut r, json!({"cmd":"tender","method":"cash"}));
    assert!(resets(&sale).is_empty());
    let pumps = ok(&mut r, json!({"cmd":"pumps"})).pumps.unwrap();
    assert_eq!((pumps[0].state, pumps[0].fill_on), ("completed", Some("held")));
    let why = refused(&mut r, json!({"cmd":"close_shift","counted":"100.00"}));
    assert!(why.contains("1 ticket(s) on hold") && why.contains("pump 1 has an unpaid fill"), "{why}");
    assert!(refused(&mut r, json!({"cmd":"logout"})).contains("on hold"));

    // Recalled and paid: now the pump is reset, and it is free for the next customer.
    ok(&mut r, json!({"cmd":"recall"}));
    let sale = ok(&mut r, json!({"cmd":"tender","method":"card"}));
    assert_eq!(resets(&sale), [1]);
    // Paid: the same fill is never sold again, even before the pump has taken its reset.
    let again = refused(&mut r, json!({"cmd":"pump_fill","pump":1}));
    assert!(again.contains("is being reset") || again.contains("no completed fill"), "{again}");
    wait(&f, 1, PumpState::Idle);
    assert!(refused(&mut r, json!({"cmd":"pump_fill","pump":1})).contains("no completed fill"));
    ok(&mut r, json!({"cmd":"close_shift","counted":"100.00"}));
    drop(r);
    drop(sim);
}

#[test]
fn drive_offs_and_pump_tests_take_the_pumps_figures_and_free_the_pump() {
    let (sim, bus, f, _spare) = start();
    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::open(Config::demo().unwrap(), dir.path()).unwrap();
    let mut r = runner(&mut session, &f, "1111", true);
    assert!(refused(&mut r, json!({"cmd":"drive_off","pump":2})).contains("no completed fill"));
    ok(&mut r, json!({"cmd":"authorize","pump":2}));
    wait(&f, 2, PumpState::Authorized);
    let done = fill(&bus, &f, 2, 250);
    assert!(refused(&mut r, json!({"cmd":"pump_test","pump":2})).contains("cashier may not record pump tests"));
    let off = ok(&mut r, json!({"cmd":"drive_off","pump":2}));
    assert_eq!(off.effects, vec![Effect::ResetPump { pump: 2 }]);
    wait(&f, 2, PumpState::Idle);
    let conn = rusqlite::Connection::open(dir.path().join("till.sqlite")).unwrap();
    let (payload, sales): (String, i64) = conn
        .query_row("SELECT payload, (SELECT COUNT(*) FROM sales) FROM outbox WHERE kind = 'drive_off'", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .unwrap();
    let p: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!((p["pump"].as_u64(), p["grade"].as_str()), (Some(2), Some("E10")));
    assert_eq!(p["amount"].as_str(), Some(done.amount.to_string().as_str()));
    assert_eq!(p["litres"].as_str().map(|l| l.parse::<Decimal>().unwrap()), Some(done.volume));
    assert_eq!(sales, 0, "a drive-off is not a sale");
    drop(r);
    drop(sim);
}

#[test]
fn a_prepay_survives_a_restart_and_is_settled_from_the_pumps_record() {
    let (sim, bus, f, spare) = start();
    let dir = tempfile::tempdir().unwrap();
    let receipt_no;
    {
        let mut session = Session::open(Config::demo().unwrap(), dir.path()).unwrap();
        let mut r = runner(&mut session, &f, "1111", true);
        // A prepay still on a (held) ticket keeps its pump from being authorized for anyone.
        ok(&mut r, json!({"cmd":"prepay","pump":2,"amount":"10.00"}));
        ok(&mut r, json!({"cmd":"hold"}));
        assert!(refused(&mut r, json!({"cmd":"authorize","pump":2})).contains("prepayment on a ticket"));
        ok(&mut r, json!({"cmd":"recall"}));
        ok(&mut r, json!({"cmd":"cancel_ticket"}));
        ok(&mut r, json!({"cmd":"prepay","pump":1,"amount":"30.00"}));
        assert!(refused(&mut r, json!({"cmd":"prepay","pump":1,"amount":"10.00"})).contains("already has a prepayment"));
        let paid = ok(&mut r, json!({"cmd":"tender","method":"cash","amount":"50.00"}));
        let thirty: Decimal = "30.00".parse().unwrap();
        assert!(paid.effects.contains(&Effect::AuthorizePump { pump: 1, amount: Some(thirty), litres: None }));
        receipt_no = paid.sale.unwrap().receipt_no;
        wait(&f, 1, PumpState::Authorized);
        // A ticket left on hold goes through the restart too.
        ok(&mut r, json!({"cmd":"add","sku":"BEV-0001"}));
        ok(&mut r, json!({"cmd":"hold"}));
        let why = refused(&mut r, json!({"cmd":"close_shift","counted":"130.00"}));
        assert!(why.contains("pump 1 has a prepayment of 30.00"), "{why}");
    }
    // Till is down while the customer fills; then the pump line is opened again by a new
    // forecourt service, which must not take the completed fill for an empty one.
    drop(f);
    std::thread::sleep(Duration::from_millis(200));
    bus.lock().unwrap().pump_mut(0x50).unwrap().lift(2);
    std::thread::sleep(Duration::from_millis(400));
    bus.lock().unwrap().pump_mut(0x50).unwrap().hang();
    let f = Forecourt::start(spare, setup(), Config::demo().unwrap().fuel_grades);
    let done = wait(&f, 1, PumpState::Completed);
    assert!(done.amount > Decimal::ZERO && done.amount < "30.00".parse().unwrap(), "{done:?}");

    let mut session = Session::open(Config::demo().unwrap(), dir.path()).unwrap();
    let mut r = runner(&mut session, &f, "1111", false);
    let held = ok(&mut r, json!({"cmd":"held"})).held_tickets.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].ticket.lines[0].sku, "BEV-0001");
    let out = ok(&mut r, json!({"cmd":"pumps"}));
    let settled = out.settled.clone().unwrap();
    assert_eq!(settled.len(), 1, "settled once: {settled:?}");
    let s = &settled[0];
    assert_eq!((s.kind.as_str(), s.refund_of), ("refund", Some(receipt_no)));
    let fuel = s.lines.iter().find(|l| l.kind == "fuel").unwrap();
    assert_eq!((fuel.amount, fuel.qty), (done.amount, done.volume));
    assert_eq!(s.total, done.amount - Decimal::from(30), "the rest is paid back");
    assert_eq!(resets(&out), [1]);
    let pumps = out.pumps.unwrap();
    assert_eq!(pumps[0].prepay, None);
    wait(&f, 1, PumpState::Idle);
    assert!(ok(&mut r, json!({"cmd":"pumps"})).settled.is_none(), "nothing more to settle");
    ok(&mut r, json!({"cmd":"recall"}));
    ok(&mut r, json!({"cmd":"cancel_ticket"}));
    ok(&mut r, json!({"cmd":"close_shift","counted":"100.00"}));
    drop(r);
    drop(sim);
}

#[test]
fn a_prepay_whose_pump_dispensed_nothing_is_paid_back_and_the_pump_stopped() {
    let (sim, _bus, f, _spare) = start();
    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::open(Config::demo().unwrap(), dir.path()).unwrap();
    let mut r = runner(&mut session, &f, "1111", true);
    assert!(refused(&mut r, json!({"cmd":"cancel_prepay","pump":2})).contains("no prepayment"));
    ok(&mut r, json!({"cmd":"prepay","pump":2,"amount":"20.00"}));
    ok(&mut r, json!({"cmd":"tender","method":"card"}));
    wait(&f, 2, PumpState::Authorized);
    assert!(refused(&mut r, json!({"cmd":"authorize","pump":2,"amount":"5.00"})).contains("cannot be authorized"));
    let back = ok(&mut r, json!({"cmd":"cancel_prepay","pump":2}));
    assert_eq!(back.effects.first(), Some(&Effect::StopPump { pump: 2 }));
    let rec = back.sale.unwrap();
    assert_eq!((rec.total.to_string(), rec.payments[0].method.as_str()), ("-20.00".into(), "card"));
    wait(&f, 2, PumpState::Idle);
    assert!(refused(&mut r, json!({"cmd":"cancel_prepay","pump":2})).contains("no prepayment"));
    ok(&mut r, json!({"cmd":"close_shift","counted":"100.00"}));
    drop(r);
    drop(sim);
}

#[test]
fn a_fill_is_sold_at_the_price_the_pump_showed() {
    let (sim, bus, f, _spare) = start();
    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::open(Config::demo().unwrap(), dir.path()).unwrap();
    let mut r = runner(&mut session, &f, "9999", true);
    ok(&mut r, json!({"cmd":"authorize","pump":1}));
    wait(&f, 1, PumpState::Authorized);
    bus.lock().unwrap().pump_mut(0x50).unwrap().lift(2);
    wait(&f, 1, PumpState::Filling);
    // The price changes while the customer fills: this fill keeps the old one.
    ok(&mut r, json!({"cmd":"set_fuel_price","grade":"E10","price":"1.799"}));
    std::thread::sleep(Duration::from_millis(200));
    bus.lock().unwrap().pump_mut(0x50).unwrap().hang();
    wait(&f, 1, PumpState::Completed);
    let t = ok(&mut r, json!({"cmd":"pump_fill","pump":1})).ticket.unwrap();
    assert_eq!(t.lines[0].unit_price.to_string(), "1.739");
    ok(&mut r, json!({"cmd":"tender","method":"card"}));
    wait(&f, 1, PumpState::Idle);
    // The next fill is at the new price, which the pump took once idle.
    ok(&mut r, json!({"cmd":"authorize","pump":1}));
    wait(&f, 1, PumpState::Authorized);
    fill(&bus, &f, 1, 200);
    let t = ok(&mut r, json!({"cmd":"pump_fill","pump":1})).ticket.unwrap();
    assert_eq!(t.lines[0].unit_price.to_string(), "1.799");
    drop(r);
    drop(sim);
}

#[test]
fn the_open_prepays_are_answered_until_they_are_settled() {
    use till::service::PrepayView;
    let (sim, bus, f, _spare) = start();
    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::open(Config::demo().unwrap(), dir.path()).unwrap();
    let mut r = Runner::new(&mut session, Executor { forecourt: Some(f.clone()), ..Default::default() }).unwrap();
    assert_eq!(ok(&mut r, json!({"cmd":"login","pin":"1111"})).prepays, Some(vec![]));
    ok(&mut r, json!({"cmd":"open_shift","float":"100.00"}));
    // On the ticket it is not paid yet, so not open.
    assert_eq!(ok(&mut r, json!({"cmd":"prepay","pump":1,"amount":"20.00"})).prepays, Some(vec![]));
    let paid = ok(&mut r, json!({"cmd":"tender","method":"card"}));
    let one = PrepayView { pump: 1, amount: "20.00".parse().unwrap(), receipt_no: paid.sale.unwrap().receipt_no };
    assert_eq!(paid.prepays, Some(vec![one]));
    wait(&f, 1, PumpState::Authorized);
    let out = ok(&mut r, json!({"cmd":"prepay","pump":2,"amount":"15.00"}));
    assert_eq!(out.prepays, Some(vec![one]));
    let paid = ok(&mut r, json!({"cmd":"tender","method":"cash","amount":"15.00"}));
    let two = PrepayView { pump: 2, amount: "15.00".parse().unwrap(), receipt_no: paid.sale.unwrap().receipt_no };
    assert_eq!(paid.prepays, Some(vec![one, two]));
    wait(&f, 2, PumpState::Authorized);
    assert_eq!(ok(&mut r, json!({"cmd":"pumps"})).prepays, Some(vec![one, two]));
    let json = serde_json::to_value(ok(&mut r, json!({"cmd":"pumps"}))).unwrap();
    assert_eq!(json["prepays"][1], json!({"pump":2,"amount":"15.00","receipt_no":two.receipt_no}));

    // Cancelled: gone. Signed out and in again: still the other.
    assert_eq!(ok(&mut r, json!({"cmd":"cancel_prepay","pump":2})).prepays, Some(vec![one]));
    wait(&f, 2, PumpState::Idle);
    ok(&mut r, json!({"cmd":"logout"}));
    assert_eq!(ok(&mut r, json!({"cmd":"login","pin":"1111"})).prepays, Some(vec![one]));

    // Pump 1 fills and hangs up: its settlement answers the list without it.
    bus.lock().unwrap().pump_mut(0x50).unwrap().lift(2);
    wait(&f, 1, PumpState::Filling);
    std::thread::sleep(Duration::from_millis(300));
    bus.lock().unwrap().pump_mut(0x50).unwrap().hang();
    wait(&f, 1, PumpState::Completed);
    drop(r);
    // What the window does when the pumps change (the forecourt's events).
    let settled = session.pumps_changed().expect("the prepay is settled");
    assert_eq!(settled.settled.as_ref().map(Vec::len), Some(1));
    assert_eq!(settled.prepays, Some(vec![]));
    assert!(session.pumps_changed().is_none(), "nothing more to settle");
    drop(sim);
}
