//! Headless, as a script would drive a real site: `till exec` with `[forecourt]` configured
//! drives `till sim forecourt` over a pty, both real processes. A fill that is voided, or held
//! while another customer pays, stays at its pump awaiting payment; a held ticket and an
//! authorized prepay survive a restart of Till, and the prepay is settled from the pump's record.

mod common;

use common::{demo_site, ok, till, Exec, Sim};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn effects(a: &Value) -> Vec<Value> {
    a["effects"].as_array().cloned().unwrap_or_default()
}

fn resets(a: &Value) -> Vec<u64> {
    effects(a).iter().filter(|e| e["effect"] == "reset_pump").filter_map(|e| e["pump"].as_u64()).collect()
}

fn site(dir: &Path, link: &Path) -> (PathBuf, PathBuf) {
    demo_site(dir, |mut text| {
        text.push_str(&format!("\n[forecourt]\nport = \"{}\"\n", link.display()));
        for (n, address) in [(1, "0x50"), (2, "0x51")] {
            text.push_str(&format!(
                "\n[[forecourt.pumps]]\nnumber = {n}\naddress = \"{address}\"\nnozzles = [\"E5\", \"E10\", \"SP98\", \"B7\"]\n"
            ));
        }
        text
    })
}

#[test]
fn fills_wait_at_their_pumps_and_a_prepay_is_settled_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("pumps");
    let mut pumps = Sim::start(&["sim", "forecourt", "--pumps", "2"], &link);
    let (config, data) = site(dir.path(), &link);

    let mut till = Exec::start(&config, &data);
    ok(&till.ask(json!({"cmd":"login","pin":"1111"})));
    ok(&till.ask(json!({"cmd":"open_shift","float":"100.00"})));
    let a = till.wait_pump(1, "idle");
    assert_eq!(a["pumps"].as_array().map(Vec::len), Some(2));

    // Pump 1: authorized, filled, on the ticket, voided; a shop sale is paid.
    pumps.say("flow 1 20");
    let a = ok(&till.ask(json!({"cmd":"authorize","pump":1}))).clone();
    assert_eq!(effects(&a), [json!({"effect":"authorize_pump","pump":1})]);
    till.wait_pump(1, "authorized");
    pumps.say("lift 1 2");
    till.wait_pump(1, "filling");
    std::thread::sleep(Duration::from_millis(500));
    pumps.say("hang 1");
    let a = till.wait_pump(1, "completed");
    let amount = a["pumps"][0]["amount"].clone();
    let t = ok(&till.ask(json!({"cmd":"pump_fill","pump":1}))).clone();
    assert_eq!(t["ticket"]["total"], amount, "the pump's own amount");
    ok(&till.ask(json!({"cmd":"void_line","line":1})));
    ok(&till.ask(json!({"cmd":"add","sku":"BEV-0001"})));
    let sale = ok(&till.ask(json!({"cmd":"tender","method":"cash"}))).clone();
    assert!(resets(&sale).is_empty(), "{sale}");
    std::thread::sleep(Duration::from_millis(300));
    let a = till.wait_pump(1, "completed");
    assert_eq!(a["pumps"][0]["fill_on"], Value::Null, "awaiting payment, on no ticket");

    // On the next ticket, which is held while another customer pays.
    ok(&till.ask(json!({"cmd":"pump_fill","pump":1})));
    assert_eq!(ok(&till.ask(json!({"cmd":"hold"})))["held"], 1);
    ok(&till.ask(json!({"cmd":"add","sku":"BEV-0001"})));
    let sale = ok(&till.ask(json!({"cmd":"tender","method":"card"}))).clone();
    assert!(resets(&sale).is_empty(), "{sale}");
    let a = till.wait_pump(1, "completed");
    assert_eq!(a["pumps"][0]["fill_on"], "held");

    // Pump 2: prepaid 20.00 and authorized for it.
    ok(&till.ask(json!({"cmd":"prepay","pump":2,"amount":"20.00"})));
    let paid = ok(&till.ask(json!({"cmd":"tender","method":"cash","amount":"20.00"}))).clone();
    assert!(effects(&paid).contains(&json!({"effect":"authorize_pump","pump":2,"amount":"20.00"})), "{paid}");
    let prepay_receipt = paid["sale"]["receipt_no"].clone();
    till.wait_pump(2, "authorized");
    till.end();

    // Till restarts. The held ticket and the prepay are there; the customer at pump 2 fills.
    let mut till = Exec::start(&config, &data);
    ok(&till.ask(json!({"cmd":"login","pin":"1111"})));
    let held = ok(&till.ask(json!({"cmd":"held"}))).clone();
    assert_eq!(held["held_tickets"][0]["ticket"]["lines"][0]["kind"], "fuel", "{held}");
    let a = till.wait_pump(2, "authorized");
    assert_eq!(a["pumps"][1]["prepay"], json!({"receipt_no": prepay_receipt, "amount": "20.00"}));
    assert_eq!(a["pumps"][0]["fill_on"], "held");
    let why = till.ask(json!({"cmd":"close_shift","counted":"100.00"}));
    assert!(why["error"].as_str().unwrap_or_default().contains("pump 2 has a prepayment"), "{why}");
    pumps.say("flow 2 20");
    pumps.say("lift 2 2");
    std::thread::sleep(Duration::from_millis(600));
    pumps.say("hang 2");
    let deadline = Instant::now() + Duration::from_secs(15);
    let settled = loop {
        let a = till.ask(json!({"cmd":"pumps"}));
        if let Some(s) = a["settled"].as_array().filter(|s| !s.is_empty()) {
            assert_eq!(resets(&a), [2]);
            break (s[0].clone(), a["pumps"][1]["amount"].clone());
        }
        assert!(Instant::now() < deadline, "never settled: {a}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let (record, filled) = settled;
    assert_eq!(record["refund_of"], prepay_receipt);
    let fuel: Vec<&Value> = record["lines"].as_array().unwrap().iter().filter(|l| l["kind"] == "fuel").collect();
    assert_eq!(fuel[0]["amount"], filled, "sold as the pump measured it");
    let back: rust_decimal::Decimal = record["total"].as_str().unwrap().parse().unwrap();
    let filled: rust_decimal::Decimal = filled.as_str().unwrap().parse().unwrap();
    assert_eq!(back, filled - rust_decimal::Decimal::from(20));
    till.wait_pump(2, "idle");
    assert!(till.ask(json!({"cmd":"pumps"}))["settled"].is_null(), "settled once");

    // The held fill is paid at last: now pump 1 is reset.
    ok(&till.ask(json!({"cmd":"recall"})));
    let sale = ok(&till.ask(json!({"cmd":"tender","method":"cash"}))).clone();
    assert_eq!(resets(&sale), [1]);
    till.wait_pump(1, "idle");
    // The count is further off than the site's tolerance of 5.00: it is kept, and the close
    // waits for a manager.
    let why = till.ask(json!({"cmd":"close_shift","counted":"120.00"}));
    assert_eq!(why["code"], "refusal-count-needs-approval", "{why}");
    let closed = till.ask(json!({"cmd":"close_shift","approver_pin":"9999"}));
    let cash = &ok(&closed)["count"]["tenders"][0];
    let dec = |v: &Value| v.as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap();
    assert_eq!(dec(&cash["difference"]), dec(&cash["counted"]) - dec(&cash["expected"]), "{closed}");
    assert!(dec(&cash["difference"]).abs() > rust_decimal::Decimal::from(5), "{closed}");
    till.end();
    drop(pumps);
}

#[test]
fn till_exec_prints_the_receipt_and_opens_the_drawer_on_a_configured_printer() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("printer");
    let mut sim = till()
        .args(["sim", "printer", "--link"])
        .arg(&link)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("simulator starts");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let out = BufReader::new(sim.stdout.take().unwrap());
    std::thread::spawn(move || {
        for l in out.lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    assert!(rx.recv_timeout(Duration::from_secs(10)).unwrap().starts_with("/dev/"));
    let mut text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/demo/demo.toml"))
        .expect("demo config");
    text.push_str(&format!("\n[printer]\nport = \"{}\"\n", link.display()));
    let config = dir.path().join("shop.toml");
    std::fs::write(&config, text).unwrap();
    let data = dir.path().join("data");
    let add = till()
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .args(["user", "add", "--name", "Cashier", "--role", "cashier", "--pin", "1111"])
        .output()
        .unwrap();
    assert!(add.status.success());
    let mut till = Exec::start(&config, &data);
    ok(&till.ask(json!({"cmd":"login","pin":"1111"})));
    ok(&till.ask(json!({"cmd":"open_shift","float":"0"})));
    ok(&till.ask(json!({"cmd":"fuel","grade":"E10","litres":"10"})));
    let sale = ok(&till.ask(json!({"cmd":"tender","method":"cash","amount":"20.00"}))).clone();
    let kinds: Vec<String> = effects(&sale).iter().filter_map(|e| e["effect"].as_str().map(String::from)).collect();
    assert_eq!(kinds, ["print_receipt", "open_drawer", "show_customer"]);
    till.end();
    // The simulated printer got the receipt, then the drawer kick, and nothing was queued.
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen.iter().any(|l: &String| l.contains("Drawer")) {
        assert!(Instant::now() < deadline, "no drawer kick: {seen:?}");
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(l);
        }
    }
    assert!(seen.iter().any(|l| l.contains("17.39")), "the receipt's total: {seen:?}");
    let queued: i64 = common::db(&data).query_row("SELECT COUNT(*) FROM reprint_queue", [], |r| r.get(0)).unwrap();
    assert_eq!(queued, 0, "it printed");
    let _ = sim.kill();
    let _ = sim.wait();
}
