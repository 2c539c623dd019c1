//! End to end over a pty: the cashier presets pump 1 to 20.00 and authorizes it, the simulator
//! fills, the pump shows filling then completed at exactly 20.00, the fill is tendered, the sale
//! is stored with its fuel line, and the pump is reset.

mod common;

use common::sim_line;
use serde_json::json;
use std::time::{Duration, Instant};
use till::config::Config;
use till::devices::forecourt::{Forecourt, ForecourtCmd, Preset, PumpSetup, PumpState};
use till::service::{Command, Session};
use till_hardware::dart::sim::SimPump;

fn cmd(v: serde_json::Value) -> Command {
    serde_json::from_value(v).unwrap()
}

fn wait_for(
    f: &Forecourt,
    pump: u8,
    what: &str,
    ok: impl Fn(&till::devices::forecourt::PumpView) -> bool,
) -> till::devices::forecourt::PumpView {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Some(v) = f.pump(pump) {
            if ok(&v) {
                return v;
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("pump {pump} never became {what}: {:?}", f.pump(pump));
}

#[test]
fn preset_fill_tender_store_and_reset() {
    let (sim, till_end) = sim_line(vec![SimPump::new(0x50, 2), SimPump::new(0x51, 2)]);
    let bus = sim.bus.clone();

    let config = Config::demo().unwrap();
    let setup = vec![
        PumpSetup { number: 1, address: 0x50, grades: vec!["E10".into(), "B7".into()] },
        PumpSetup { number: 2, address: 0x51, grades: vec!["E5".into(), "B7".into()] },
    ];
    let forecourt = Forecourt::start(till_end, setup, config.fuel_grades.clone());
    // The forecourt programs the prices and resets the pumps by itself.
    wait_for(&forecourt, 1, "idle", |v| v.state == PumpState::Idle);
    wait_for(&forecourt, 2, "idle", |v| v.state == PumpState::Idle);

    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::open(config, dir.path()).unwrap();
    session.execute(cmd(json!({"cmd":"login","pin":"1111"}))).unwrap();
    session.execute(cmd(json!({"cmd":"open_shift","float":"100.00"}))).unwrap();

    forecourt.send(ForecourtCmd::Authorize { pump: 1, preset: Some(Preset::Amount("20.00".parse().unwrap())) });
    wait_for(&forecourt, 1, "authorized", |v| v.state == PumpState::Authorized);
    {
        let mut b = bus.lock().unwrap();
        let p = b.pump_mut(0x50).unwrap();
        p.flow_per_tick = 40;
        p.lift(1);
    }
    let filling = wait_for(&forecourt, 1, "filling", |v| v.state == PumpState::Filling && !v.amount.is_zero());
    assert!(filling.amount < "20.00".parse().unwrap(), "live figures while filling: {filling:?}");
    let done = wait_for(&forecourt, 1, "completed", |v| v.state == PumpState::Completed);
    assert_eq!(done.amount.to_string(), "20.00");
    assert_eq!(done.volume.to_string(), "11.50");
    assert_eq!(done.grade.as_deref(), Some("E10"));
    assert_eq!(forecourt.pump(2).unwrap().state, PumpState::Idle, "the other pump is untouched");

    // Postpay: the completed fill becomes a fuel line, as the pump recorded it; it cannot be
    // taken twice.
    session.attach_forecourt(forecourt.clone());
    let fill = json!({"cmd":"pump_fill","pump":1});
    let t = session.execute(cmd(fill.clone())).unwrap().ticket.unwrap();
    assert_eq!(t.total.to_string(), "20.00");
    assert!(session.execute(cmd(fill)).unwrap_err().to_string().contains("already on the open ticket"));
    let paid = session.execute(cmd(json!({"cmd":"tender","method":"cash","amount":"20.00"}))).unwrap();
    assert!(paid.effects.contains(&till::service::Effect::ResetPump { pump: 1 }), "{:?}", paid.effects);
    let sale = paid.sale.unwrap();
    let line = &sale.lines[0];
    assert_eq!((line.kind.as_str(), line.sku.as_str()), ("fuel", "E10"));
    assert_eq!(
        (line.qty.to_string(), line.unit_price.to_string(), line.amount.to_string()),
        ("11.5".into(), "1.739".into(), "20.00".into())
    );
    let stored =
        session.store().find_sale("DEMO-01", sale.receipt_no, &session.config().pricing.currency).unwrap().unwrap();
    assert_eq!(stored, sale);

    // Meter totals (read at shift open and close) include the fill.
    forecourt.send(ForecourtCmd::ReadTotals);
    let t = wait_for(&forecourt, 1, "totals read", |v| v.totals.is_some()).totals.unwrap();
    assert_eq!((t.0.to_string(), t.1.to_string()), ("11.50".into(), "20.00".into()));
    assert_eq!(wait_for(&forecourt, 2, "totals read", |v| v.totals.is_some()).totals.unwrap().1.to_string(), "0.00");

    // The pump is reset after the sale and serves the next customer.
    bus.lock().unwrap().pump_mut(0x50).unwrap().hang();
    forecourt.send(ForecourtCmd::Reset { pump: 1 });
    let idle = wait_for(&forecourt, 1, "idle again", |v| v.state == PumpState::Idle);
    assert!(idle.amount.is_zero());

    // Attended mode: every calling pump authorized at once.
    bus.lock().unwrap().pump_mut(0x51).unwrap().lift(2);
    wait_for(&forecourt, 2, "calling", |v| v.state == PumpState::Calling);
    forecourt.send(ForecourtCmd::AuthorizeAllCalling);
    wait_for(&forecourt, 2, "authorized", |v| v.state == PumpState::Authorized || v.state == PumpState::Filling);
    assert_eq!(forecourt.pump(1).unwrap().state, PumpState::Idle, "an idle pump is not authorized");
    forecourt.send(ForecourtCmd::Stop { pump: 2 });
    bus.lock().unwrap().pump_mut(0x51).unwrap().hang();

    // A pump that falls silent is shown offline within a second, and comes back.
    bus.lock().unwrap().faults.silent.push(0x51);
    let t = Instant::now();
    wait_for(&forecourt, 2, "offline", |v| v.state == PumpState::Offline);
    assert!(t.elapsed() < Duration::from_secs(1), "offline after {:?}", t.elapsed());
    bus.lock().unwrap().faults.silent.clear();
    wait_for(&forecourt, 2, "back", |v| v.state != PumpState::Offline);

    drop(sim);
}

#[test]
fn a_price_change_waits_for_a_filling_pump_and_reaches_idle_ones_at_once() {
    let (sim, till_end) = sim_line(vec![SimPump::new(0x50, 1), SimPump::new(0x51, 1)]);
    let bus = sim.bus.clone();
    let config = Config::demo().unwrap();
    let setup = vec![
        PumpSetup { number: 1, address: 0x50, grades: vec!["E10".into()] },
        PumpSetup { number: 2, address: 0x51, grades: vec!["E10".into()] },
    ];
    let forecourt = Forecourt::start(till_end, setup, config.fuel_grades.clone());
    wait_for(&forecourt, 1, "idle", |v| v.state == PumpState::Idle);
    wait_for(&forecourt, 2, "idle", |v| v.state == PumpState::Idle);
    let price = |addr: u8| bus.lock().unwrap().pump_mut(addr).unwrap().prices[0];
    assert_eq!((price(0x50), price(0x51)), (1739, 1739));

    // Pump 1 is filling when the manager changes the price.
    forecourt.send(ForecourtCmd::Authorize { pump: 1, preset: None });
    wait_for(&forecourt, 1, "authorized", |v| v.state == PumpState::Authorized);
    bus.lock().unwrap().pump_mut(0x50).unwrap().lift(1);
    wait_for(&forecourt, 1, "filling", |v| v.state == PumpState::Filling);
    forecourt.send(ForecourtCmd::SetPrices(vec![("E10".into(), "1.759".parse().unwrap())]));
    let until = |addr: u8, want: u32| {
        let deadline = Instant::now() + Duration::from_secs(5);
        while price(addr) != want && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        price(addr)
    };
    assert_eq!(until(0x51, 1759), 1759, "the idle pump takes the new price at once");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(price(0x50), 1739, "the filling pump keeps its price");
    assert!(forecourt.pump(1).unwrap().prices_pending);
    assert!(!forecourt.pump(2).unwrap().prices_pending);

    // Once the filling is over the new price is sent.
    bus.lock().unwrap().pump_mut(0x50).unwrap().hang();
    assert_eq!(until(0x50, 1759), 1759);
    wait_for(&forecourt, 1, "repriced", |v| !v.prices_pending);
    drop(sim);
}

#[test]
fn prepay_underrun_is_refunded_and_recorded() {
    let (sim, till_end) = sim_line(vec![SimPump::new(0x50, 1)]);
    let bus = sim.bus.clone();
    let config = Config::demo().unwrap();
    let setup = vec![PumpSetup { number: 1, address: 0x50, grades: vec!["E10".into()] }];
    let forecourt = Forecourt::start(till_end, setup, config.fuel_grades.clone());
    wait_for(&forecourt, 1, "idle", |v| v.state == PumpState::Idle);

    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::open(config, dir.path()).unwrap();
    session.execute(cmd(json!({"cmd":"login","pin":"1111"}))).unwrap();
    session.execute(cmd(json!({"cmd":"open_shift","float":"100.00"}))).unwrap();

    // The customer pays 50.00 first; the session answers: authorize the pump for 50.00.
    session.attach_forecourt(forecourt.clone());
    session.execute(cmd(json!({"cmd":"prepay","pump":1,"amount":"50.00"}))).unwrap();
    let paid = session.execute(cmd(json!({"cmd":"tender","method":"cash","amount":"50.00"}))).unwrap();
    let preset = Some("50.00".parse().unwrap());
    assert!(paid.effects.contains(&till::service::Effect::AuthorizePump { pump: 1, amount: preset, litres: None }));
    let prepay = paid.sale.unwrap();
    assert_eq!((prepay.total.to_string(), prepay.tax_total.to_string()), ("50.00".into(), "0.00".into()));
    forecourt.send(ForecourtCmd::Authorize { pump: 1, preset: Some(Preset::Amount("50.00".parse().unwrap())) });
    wait_for(&forecourt, 1, "authorized", |v| v.state == PumpState::Authorized);
    {
        let mut b = bus.lock().unwrap();
        let p = b.pump_mut(0x50).unwrap();
        p.hang_at = Some(1850); // the tank is full at 18.50 l
        p.lift(1);
    }
    let done = wait_for(&forecourt, 1, "completed", |v| v.state == PumpState::Completed);
    assert_eq!((done.volume.to_string(), done.amount.to_string()), ("18.50".into(), "32.17".into()));

    // Settlement, by the session from the pump's record: 32.17 of fuel sold with its taxes,
    // 17.83 paid back in cash, linked to the prepay; then the pump is reset.
    let settled = session.pumps_changed().expect("a settlement");
    assert!(settled.effects.contains(&till::service::Effect::ResetPump { pump: 1 }));
    let r = settled.settled.unwrap().pop().unwrap();
    assert_eq!(r.kind, "refund");
    assert_eq!(r.refund_of, Some(prepay.receipt_no));
    assert_eq!(r.total.to_string(), "-17.83");
    assert_eq!(r.payments.len(), 1);
    assert_eq!((r.payments[0].method.as_str(), r.payments[0].amount.to_string()), ("cash", "-17.83".into()));
    let fuel = r.lines.iter().find(|l| l.kind == "fuel").unwrap();
    assert_eq!(
        (fuel.sku.as_str(), fuel.qty.to_string(), fuel.amount.to_string()),
        ("E10", "18.5".into(), "32.17".into())
    );
    assert!(r.tax.iter().any(|t| t.name == "Energy tax" && !t.amount.is_zero()), "the fuel is taxed: {:?}", r.tax);
    assert!(session.pumps_changed().is_none(), "a prepayment is settled once");
    let stored =
        session.store().find_sale("DEMO-01", r.receipt_no, &session.config().pricing.currency).unwrap().unwrap();
    assert_eq!(stored, r);
    // The settlement's effect, carried out: the pump serves the next customer.
    bus.lock().unwrap().pump_mut(0x50).unwrap().hang();
    forecourt.send(ForecourtCmd::Reset { pump: 1 });
    wait_for(&forecourt, 1, "idle again", |v| v.state == PumpState::Idle);
    // The drawer: 50.00 in, 17.83 out.
    let close = session.execute(cmd(json!({"cmd":"close_shift","counted":"132.17"}))).unwrap().shift_count.unwrap();
    assert_eq!(close.difference.to_string(), "0.00");
    drop(sim);
}

#[test]
fn a_volume_preset_stops_at_exactly_the_litres() {
    let (sim, till_end) = sim_line(vec![SimPump::new(0x50, 1)]);
    let bus = sim.bus.clone();
    let config = Config::demo().unwrap();
    let forecourt = Forecourt::start(
        till_end,
        vec![PumpSetup { number: 1, address: 0x50, grades: vec!["B7".into()] }],
        config.fuel_grades.clone(),
    );
    wait_for(&forecourt, 1, "idle", |v| v.state == PumpState::Idle);
    forecourt.send(ForecourtCmd::Authorize { pump: 1, preset: Some(Preset::Volume("5.00".parse().unwrap())) });
    wait_for(&forecourt, 1, "authorized", |v| v.state == PumpState::Authorized);
    bus.lock().unwrap().pump_mut(0x50).unwrap().lift(1);
    let done = wait_for(&forecourt, 1, "completed", |v| v.state == PumpState::Completed);
    // 5.00 l x 1.659 = 8.295, rounded half up by the pump to 8.30.
    assert_eq!((done.volume.to_string(), done.amount.to_string()), ("5.00".into(), "8.30".into()));
    drop(sim);
}
