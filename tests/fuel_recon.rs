//! The fuel reconciliation through `till exec` on a site with simulated DART pumps and a
//! simulated TLS gauge, each its own process on a pty: meters read at the shift's open and
//! before the report match what was sold, tested and driven off at each pump; the tanks match
//! their book stock (with a delivery), and a leak in one tank crosses the alarm threshold.

mod common;

use common::{ok, till, Exec, Sim};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a decimal: {v}"))).unwrap()
}

/// One fill at a pump with a nozzle, as the pump reports it: (litres, amount).
fn fill(till: &mut Exec, pumps: &mut Sim, pump: u8, nozzle: u8) -> (Decimal, Value) {
    ok(&till.ask(json!({"cmd":"authorize","pump":pump})));
    till.wait_pump(pump as usize, "authorized");
    pumps.say(&format!("lift {pump} {nozzle}"));
    till.wait_pump(pump as usize, "filling");
    std::thread::sleep(Duration::from_millis(400));
    pumps.say(&format!("hang {pump}"));
    let a = till.wait_pump(pump as usize, "completed");
    let p = &a["pumps"][pump as usize - 1];
    (dec(&p["litres"]), p["amount"].clone())
}

#[test]
fn meters_and_tanks_reconcile_and_a_leak_crosses_the_alarm() {
    let dir = tempfile::tempdir().unwrap();
    let (pump_link, gauge_link) = (dir.path().join("pumps"), dir.path().join("gauge"));
    let mut pumps = Sim::start(&["sim", "forecourt", "--pumps", "2"], &pump_link);
    let mut gauge = Sim::start(&["sim", "tank", "--tanks", "2"], &gauge_link);
    let mut text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/demo/demo.toml")).unwrap();
    text.push_str(&format!("\n[tank_gauge]\nport = \"{}\"\n", gauge_link.display()));
    text.push_str(&format!("\n[forecourt]\nport = \"{}\"\n", pump_link.display()));
    for (n, address) in [(1, "0x50"), (2, "0x51")] {
        text.push_str(&format!(
            "\n[[forecourt.pumps]]\nnumber = {n}\naddress = \"{address}\"\nnozzles = [\"E5\", \"E10\", \"SP98\", \"B7\"]\n"
        ));
    }
    let config = dir.path().join("site.toml");
    std::fs::write(&config, text).unwrap();
    let data = dir.path().join("data");
    let out = till()
        .args(["user", "add", "--name", "Manager", "--role", "manager", "--pin", "9999", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let mut till = Exec::start(&config, &data);
    ok(&till.ask(json!({"cmd":"login","pin":"9999"})));
    // Opening: the meters and the tanks are read (the answer waits for them).
    ok(&till.ask(json!({"cmd":"open_shift","float":"100.00"})));
    till.wait_pump(1, "idle");
    pumps.say("flow 1 20");
    pumps.say("flow 2 20");

    // Pump 1, Super 95 (tank 1): a sale and a pump test; pump 2, Super E10 (tank 2): a drive-off.
    let (sold, _) = fill(&mut till, &mut pumps, 1, 1);
    ok(&till.ask(json!({"cmd":"pump_fill","pump":1})));
    ok(&till.ask(json!({"cmd":"tender","method":"card"})));
    till.wait_pump(1, "idle");
    let (tested, _) = fill(&mut till, &mut pumps, 1, 1);
    ok(&till.ask(json!({"cmd":"pump_test","pump":1})));
    let (driven_off, _) = fill(&mut till, &mut pumps, 2, 2);
    ok(&till.ask(json!({"cmd":"drive_off","pump":2})));
    assert!(sold > Decimal::ZERO && tested > Decimal::ZERO && driven_off > Decimal::ZERO);

    // The gauge: tank 1 took a delivery of 1,000 l (entered by hand) and gave what was sold
    // (the test went back); tank 2 took one of 500 l that the gauge reports itself, and lost
    // 150 l more than the drive-off: a leak.
    ok(&till.ask(json!({"cmd":"delivery","tank":1,"litres":"1000"})));
    assert_eq!(till.ask(json!({"cmd":"delivery","tank":9,"litres":"1000"}))["code"], "refusal-no-such-tank");
    gauge.say("deliver 2 500");
    let tank1 = Decimal::from(18_000) + Decimal::from(1_000) - sold;
    let tank2 = Decimal::from(12_800) + Decimal::from(500) - driven_off - Decimal::from(150);
    gauge.say(&format!("level 1 {tank1}"));
    gauge.say(&format!("level 2 {tank2}"));
    ok(&till.ask(json!({"cmd":"read_meters"})));
    // Read again: the gauge reports the same delivery, which is taken once.
    ok(&till.ask(json!({"cmd":"read_meters"})));

    let x = ok(&till.ask(json!({"cmd":"x_report"})))["report"].clone();
    let fuel = &x["fuel"];
    let pumps_recon = fuel["pumps"].as_array().unwrap_or_else(|| panic!("no pump reconciliation: {x}"));
    // Each nozzle's meter, read over DART, against what went through it.
    assert_eq!(pumps_recon.len(), 8, "two pumps of four nozzles: {fuel}");
    let nozzle = |pump: u64, n: u64| pumps_recon.iter().find(|p| p["pump"] == pump && p["nozzle"] == n).unwrap();
    let p1 = nozzle(1, 1);
    assert_eq!(p1["grade"], "E5", "{p1}");
    assert_eq!(dec(&p1["metered"]), sold + tested, "{p1}");
    assert_eq!((dec(&p1["sold"]), dec(&p1["tests"]), dec(&p1["variance"])), (sold, tested, Decimal::ZERO));
    let p2 = nozzle(2, 2);
    assert_eq!(p2["grade"], "E10", "{p2}");
    assert_eq!((dec(&p2["drive_offs"]), dec(&p2["variance"])), (driven_off, Decimal::ZERO), "{p2}");
    let unused: Vec<_> = pumps_recon.iter().filter(|p| !(p["pump"] == 1 && p["nozzle"] == 1)).collect();
    assert!(
        unused.iter().filter(|p| !(p["pump"] == 2 && p["nozzle"] == 2)).all(|p| dec(&p["metered"]).is_zero()),
        "{fuel}"
    );
    let tanks = fuel["tanks"].as_array().unwrap();
    let e5 = tanks.iter().find(|t| t["grade"] == "E5").unwrap();
    assert_eq!(dec(&e5["deliveries"]), Decimal::from(1000));
    assert_eq!(dec(&e5["out"]), sold, "the pump test went back into the tank");
    assert_eq!((dec(&e5["variance"]), e5["status"].as_str()), (Decimal::ZERO, Some("ok")), "{e5}");
    let e10 = tanks.iter().find(|t| t["grade"] == "E10").unwrap();
    assert_eq!(dec(&e10["deliveries"]), Decimal::from(500), "from the gauge's delivery report, once: {e10}");
    assert_eq!(dec(&e10["variance"]), Decimal::from(-150), "{e10}");
    assert_eq!(e10["status"], "alarm", "{e10}");
    assert!(tanks.iter().all(|t| t["grade"] != "SP98"), "a tank the gauge does not report is not reconciled");
    // The levels over the day: each tank read at the open and again before the report.
    let levels = fuel["levels"].as_array().unwrap();
    let t1 = levels.iter().find(|l| l["tank"] == 1).unwrap();
    let readings = t1["readings"].as_array().unwrap();
    assert!(readings.len() >= 2, "{t1}");
    assert_eq!(dec(&readings.last().unwrap()[1]), tank1, "the last reading is the gauge's level now");

    // The Z keeps the same reconciliation.
    ok(&till.ask(json!({"cmd":"count","tenders":[{"method":"cash","amount":"100.00"}]})));
    let z = ok(&till.ask(json!({"cmd":"z_report"})))["report"].clone();
    assert_eq!(z["fuel"]["tanks"], fuel["tanks"]);
    till.end();
    // The gauge's delivery went to head office once, as one entered by hand does.
    let db = rusqlite::Connection::open(data.join("till.sqlite")).unwrap();
    let sources: Vec<String> = db
        .prepare("SELECT json_extract(payload, '$.source') FROM outbox WHERE kind = 'delivery' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(sources, ["manual", "gauge"]);
}
