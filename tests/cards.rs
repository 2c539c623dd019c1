//! Card payments through `till exec` against the simulated ZVT terminal over loopback TCP: an
//! approved payment is stored once with what the terminal returned (masked card number, receipt
//! and trace numbers); a declined one leaves the ticket open for another tender; a link that drops
//! at each point of the transaction ends with the card charged exactly when the sale is stored, or
//! with the cashier told; a payment left open by a crash is settled at the next sign-in by asking
//! the terminal, never by asking for the money again; a script cannot fake an approval.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Duration;
use till_hardware::zvt::sim::{self, Fault, Kind, Shared};

fn standing(state: &Shared) -> Vec<(Kind, u64)> {
    state.lock().unwrap().journal.iter().filter(|t| t.stands).map(|t| (t.kind, t.amount_minor)).collect()
}

fn site(dir: &Path, port: &str) -> (PathBuf, PathBuf) {
    demo_site(dir, |text| text + &format!("\n[card_terminal]\nport = \"{port}\"\n"))
}

impl Exec {
    /// Signs in with a shift and puts 5.67 on the ticket (2 x cola, 1 fineliner).
    fn basket(&mut self, open_shift: bool) {
        self.basket_as("1111", open_shift);
    }

    fn basket_as(&mut self, pin: &str, open_shift: bool) {
        ok(&self.ask(json!({"cmd":"login","pin":pin})));
        if open_shift {
            ok(&self.ask(json!({"cmd":"open_shift","float":"100.00"})));
        }
        self.items();
    }

    fn items(&mut self) {
        ok(&self.ask(json!({"cmd":"add","sku":"BEV-0001","qty":"2"})));
        let a = self.ask(json!({"cmd":"scan","code":"4006381333931"}));
        assert_eq!(ok(&a)["ticket"]["total"], "5.67", "{a}");
    }
}

fn intents(data: &Path) -> Vec<(String, i64, Option<i64>)> {
    let db = db(data);
    let mut stmt = db.prepare("SELECT state, amount_minor, sale_id FROM card_intents ORDER BY id").unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

fn code(v: &Value) -> &str {
    assert_eq!(v["ok"], false, "should have failed: {v}");
    v["code"].as_str().unwrap_or_default()
}

#[test]
fn an_approved_card_payment_is_stored_once_with_what_the_terminal_returned() {
    let dir = tempfile::tempdir().unwrap();
    let (port, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &port);
    let mut till = Exec::start(&config, &data);
    till.basket(true);
    let a = till.ask(json!({"cmd":"tender","method":"card"}));
    let sale = &ok(&a)["sale"];
    assert_eq!(sale["payments"][0]["method"], "card", "{a}");
    assert_eq!(sale["payments"][0]["amount"], "5.67");
    let card = &sale["payments"][0]["card"];
    assert_eq!(card["pan"], "************4242", "only what the terminal masked: {a}");
    assert_eq!(card["terminal_receipt"], 1);
    assert!(card["reference"].as_str().is_some_and(|r| r.len() == 36), "{a}");
    assert_eq!(standing(&state), vec![(Kind::Payment, 567)], "charged once");
    let found = till.ask(json!({"cmd":"find_sale","receipt_no": sale["receipt_no"]}));
    assert_eq!(ok(&found)["sale"]["payments"][0]["card"], *card, "stored as answered");
    drop(till);
    assert_eq!(intents(&data), vec![("committed".to_string(), 567, Some(1))]);
    // The terminal's own receipt is kept with the payment (and printed after the till's).
    let lines: String =
        db(&data).query_row("SELECT receipt_lines FROM card_intents", [], |r| r.get(0)).expect("the terminal's lines");
    let lines: Vec<String> = serde_json::from_str(&lines).unwrap();
    assert_eq!(lines[0], "CARD PAYMENT");
    assert!(lines.iter().any(|l| l == "VISA ************4242"), "{lines:?}");
    let out = run(&["journal", "verify", "--data-dir", data.to_str().unwrap(), "--config", config.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_declined_card_leaves_the_ticket_open_and_a_split_tender_takes_card_and_cash() {
    let dir = tempfile::tempdir().unwrap();
    let (port, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &port);
    let mut till = Exec::start(&config, &data);
    till.basket(true);
    // The simulator declines an amount ending in .13 (05) and one ending in .51 (33, expired).
    let a = till.ask(json!({"cmd":"tender","method":"card","amount":"1.13"}));
    assert_eq!(code(&a), "refusal-card-declined", "{a}");
    let a = till.ask(json!({"cmd":"tender","method":"card","amount":"2.51"}));
    assert_eq!(code(&a), "refusal-card-declined", "{a}");
    let t = till.ask(json!({"cmd":"ticket"}));
    assert_eq!(ok(&t)["ticket"]["payments"].as_array().map(Vec::len), Some(0), "{t}");
    let a = till.ask(json!({"cmd":"tender","method":"card","amount":"1.00"}));
    assert_eq!(ok(&a)["ticket"]["payments"][0]["amount"], "1.00", "{a}");
    assert!(a.get("sale").is_none());
    let a = till.ask(json!({"cmd":"tender","method":"cash","amount":"10.00"}));
    let sale = &ok(&a)["sale"];
    assert_eq!(sale["payments"][0]["card"]["pan"], "************4242", "{a}");
    assert_eq!(sale["payments"][1]["method"], "cash");
    assert!(sale["payments"][1].get("card").is_none());
    assert_eq!(standing(&state), vec![(Kind::Payment, 100)]);
    drop(till);
    let states: Vec<String> = intents(&data).into_iter().map(|i| i.0).collect();
    assert_eq!(states, ["declined", "declined", "committed"]);
}

#[test]
fn a_link_dropped_before_the_terminal_reports_takes_nothing_and_the_next_card_is_charged_once() {
    let dir = tempfile::tempdir().unwrap();
    let (port, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &port);
    let mut till = Exec::start(&config, &data);
    till.basket(true);
    state.lock().unwrap().fault = Fault::DropBeforeStatus;
    let a = till.ask(json!({"cmd":"tender","method":"card"}));
    assert_eq!(code(&a), "refusal-card-not-taken", "asked the terminal, which reversed it: {a}");
    assert!(standing(&state).is_empty());
    let a = till.ask(json!({"cmd":"tender","method":"card"}));
    assert_eq!(ok(&a)["sale"]["payments"][0]["card"]["terminal_receipt"], 2, "{a}");
    assert_eq!(standing(&state), vec![(Kind::Payment, 567)]);
    drop(till);
    let states: Vec<String> = intents(&data).into_iter().map(|i| i.0).collect();
    assert_eq!(states, ["reversed", "committed"]);
}

#[test]
fn a_link_dropped_after_the_till_answered_is_checked_with_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let (port, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &port);
    let mut till = Exec::start(&config, &data);
    till.basket(true);
    // The terminal heard "goods issued", then the link dropped: the payment stands.
    state.lock().unwrap().fault = Fault::DropAfterAnswer;
    let a = till.ask(json!({"cmd":"tender","method":"card"}));
    assert_eq!(ok(&a)["sale"]["receipt_no"], 1, "{a}");
    assert_eq!(standing(&state), vec![(Kind::Payment, 567)]);
    // The link dropped before the terminal heard the answer: it reversed the stored payment,
    // and the cashier is told to take the amount again (the stored sale is not changed).
    till.items();
    state.lock().unwrap().fault = Fault::DropAfterApproval;
    let a = till.ask(json!({"cmd":"tender","method":"card"}));
    assert_eq!(code(&a), "refusal-card-reversed-after-sale", "{a}");
    assert!(a["error"].as_str().unwrap_or_default().contains("receipt 2"), "{a}");
    assert_eq!(standing(&state), vec![(Kind::Payment, 567)], "the second was reversed");
    drop(till);
    let states: Vec<String> = intents(&data).into_iter().map(|i| i.0).collect();
    assert_eq!(states, ["committed", "reversed_after_sale"]);
    let n: i64 = db(&data)
        .query_row("SELECT COUNT(*) FROM journal WHERE kind = 'card_payment_reversed_after_sale'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1, "journaled for the day's report");
    let n: i64 = db(&data)
        .query_row("SELECT COUNT(*) FROM outbox WHERE kind = 'card_payment_reversed_after_sale'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1, "and queued for head office");
}

#[test]
fn a_payment_open_at_a_crash_is_settled_at_sign_in_by_asking_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let (port, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &port);
    let mut till = Exec::start(&config, &data);
    till.basket(true);
    state.lock().unwrap().fault = Fault::Slow(Duration::from_secs(30));
    till.send(json!({"cmd":"tender","method":"card"}));
    let started = std::time::Instant::now();
    while intents(&data).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "the intent is durable before the terminal is asked");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    till.child.kill().unwrap();
    drop(till);
    assert_eq!(intents(&data)[0].0, "pending");
    state.lock().unwrap().fault = Fault::None;

    let mut till = Exec::start(&config, &data);
    let a = till.ask(json!({"cmd":"login","pin":"1111"}));
    assert_eq!(ok(&a)["ticket"]["total"], "5.67", "the ticket comes back: {a}");
    assert_eq!(intents(&data)[0].0, "reversed", "the terminal has no such payment");
    assert!(standing(&state).is_empty());
    // The ticket is open for another tender, and charged once.
    let a = till.ask(json!({"cmd":"tender","method":"card"}));
    assert_eq!(ok(&a)["sale"]["total"], "5.67", "{a}");
    assert_eq!(standing(&state), vec![(Kind::Payment, 567)]);
}

#[test]
fn a_script_cannot_approve_a_payment_and_a_missing_terminal_charges_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on this port.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("tcp://{}", l.local_addr().unwrap())
    };
    let (config, data) = site(dir.path(), &port);
    let mut till = Exec::start(&config, &data);
    till.basket(true);
    for fake in [
        json!({"cmd":"card_approved","intent":1,"answer":{},"amount_minor":567}),
        json!({"cmd":"card_ended","intent":1,"end":"NotIssued"}),
        json!({"cmd":"card_recovered","intent":1,"last":null}),
    ] {
        let a = till.ask(fake.clone());
        assert_eq!(a["ok"], false, "{fake} must not be taken from a script: {a}");
    }
    let a = till.ask(json!({"cmd":"tender","method":"card"}));
    assert_eq!(code(&a), "refusal-card-terminal-unreachable", "{a}");
    let a = till.ask(json!({"cmd":"tender","method":"cash","amount":"5.67"}));
    assert!(ok(&a)["sale"]["payments"][0]["card"].is_null());
    drop(till);
    assert_eq!(intents(&data), vec![("declined".to_string(), 567, None)]);
}

#[test]
fn a_refund_of_a_card_sale_goes_back_to_the_card_by_reversal_on_its_day_and_by_refund_after() {
    let dir = tempfile::tempdir().unwrap();
    let (port, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &port);
    let mut till = Exec::start(&config, &data);
    till.basket_as("9999", true);
    ok(&till.ask(json!({"cmd":"tender","method":"card"})));
    // The whole payment back on its day: the terminal reverses its receipt 1.
    let a = till.ask(json!({"cmd":"refund","receipt_no":1}));
    let refund = &ok(&a)["sale"];
    assert_eq!(refund["payments"][0]["amount"], "-5.67", "{a}");
    assert!(refund["payments"][0]["card"]["reference"].is_string(), "{a}");
    assert_eq!(standing(&state), vec![(Kind::Reversal, 567)], "the payment no longer stands");

    // A part of a sale: refunded (06 31) for that part.
    till.items();
    ok(&till.ask(json!({"cmd":"tender","method":"card"})));
    let a = till.ask(json!({"cmd":"refund","receipt_no":3,"lines":[1]}));
    let back = ok(&a)["sale"]["payments"][0]["amount"].as_str().unwrap().to_string();
    let back_minor: u64 = back.trim_start_matches('-').replace('.', "").parse().unwrap();
    assert_eq!(standing(&state), vec![(Kind::Reversal, 567), (Kind::Payment, 567), (Kind::Refund, back_minor)]);

    // After the terminal's end of day a reversal is refused (B5): paid back as a refund instead.
    till.items();
    ok(&till.ask(json!({"cmd":"tender","method":"card"})));
    {
        let mut st = state.lock().unwrap();
        st.day_start = st.journal.len();
    }
    let a = till.ask(json!({"cmd":"refund","receipt_no":5}));
    assert_eq!(ok(&a)["sale"]["payments"][0]["amount"], "-5.67", "{a}");
    assert_eq!(standing(&state).last(), Some(&(Kind::Refund, 567)));
    drop(till);
    let kinds: Vec<(String, String)> = {
        let db = db(&data);
        let mut stmt = db.prepare("SELECT kind, state FROM card_intents ORDER BY id").unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.map(Result::unwrap).collect()
    };
    let expect = [
        ("payment", "committed"),
        ("reversal", "committed"),
        ("payment", "committed"),
        ("refund", "committed"),
        ("payment", "committed"),
        ("reversal", "declined"),
        ("refund", "committed"),
    ];
    assert_eq!(kinds, expect.map(|(k, s)| (k.to_string(), s.to_string())));
}

#[test]
fn the_terminals_end_of_day_is_compared_with_the_tills_card_payments() {
    let dir = tempfile::tempdir().unwrap();
    let (port, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &port);
    let mut till = Exec::start(&config, &data);
    till.basket_as("9999", true);
    ok(&till.ask(json!({"cmd":"tender","method":"card"})));
    ok(&till.ask(json!({"cmd":"refund","receipt_no":1})));
    till.items();
    ok(&till.ask(json!({"cmd":"tender","method":"card"})));
    let a = till.ask(json!({"cmd":"refund","receipt_no":3,"lines":[1]}));
    let back = ok(&a)["sale"]["total"].as_str().unwrap().trim_start_matches('-').to_string();
    let a = till.ask(json!({"cmd":"card_end_of_day"}));
    let day = &ok(&a)["card_day"];
    let net = (rust_decimal::Decimal::new(567, 2) - back.parse::<rust_decimal::Decimal>().unwrap()).to_string();
    assert_eq!(day["terminal_total"], net, "{a}");
    assert_eq!(day["till_total"], net, "{a}");
    assert_eq!(day["difference"], "0.00");
    assert_eq!(day["count"], 4);
    // A payment taken on the terminal by itself (not through Till) shows as a difference.
    state.lock().unwrap().journal.push(sim::SimTx {
        kind: Kind::Payment,
        receipt: 90,
        trace: 90,
        amount_minor: 1000,
        stands: true,
        original_trace: None,
    });
    let a = till.ask(json!({"cmd":"card_end_of_day"}));
    let day = &ok(&a)["card_day"];
    assert_eq!(day["terminal_total"], "10.00", "{a}");
    assert_eq!(day["till_total"], "0.00", "a new day for the till too");
    assert_eq!(day["difference"], "10.00");
    drop(till);
    let n: i64 =
        db(&data).query_row("SELECT COUNT(*) FROM outbox WHERE kind = 'card_end_of_day'", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 2, "each end-of-day goes to head office");
}

#[test]
fn a_card_payment_taken_off_the_ticket_is_paid_back_to_the_card_first_and_never_taken_up_again() {
    let dir = tempfile::tempdir().unwrap();
    let (port, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &port);
    let mut till = Exec::start(&config, &data);
    till.basket_as("9999", true);
    ok(&till.ask(json!({"cmd":"tender","method":"card","amount":"2.00"})));
    ok(&till.ask(json!({"cmd":"tender","method":"card","amount":"1.00"})));
    // The cashier takes the second payment off: the terminal reverses it before it leaves.
    let a = till.ask(json!({"cmd":"remove_payment","index":1}));
    let payments = ok(&a)["ticket"]["payments"].as_array().cloned().unwrap_or_default();
    assert_eq!(payments.len(), 1, "{a}");
    assert_eq!(payments[0]["amount"], "2.00");
    assert_eq!(standing(&state), vec![(Kind::Payment, 200), (Kind::Reversal, 100)]);
    // Cancelling the ticket pays the other one back the same way, then cancels.
    let a = till.ask(json!({"cmd":"cancel_ticket"}));
    assert!(ok(&a)["ticket"]["lines"].as_array().is_none_or(Vec::is_empty), "{a}");
    assert_eq!(standing(&state), vec![(Kind::Reversal, 100), (Kind::Reversal, 200)], "nothing left charged");
    let a = till.ask(json!({"cmd":"card_end_of_day"}));
    assert_eq!(ok(&a)["card_day"]["difference"], "0.00", "{a}");
    assert_eq!(a["card_day"]["terminal_total"], "0.00");
    drop(till);
    let states: Vec<String> = intents(&data).into_iter().map(|i| i.0).collect();
    assert_eq!(states, ["returned"; 4], "every payment and its reversal settled off any sale");
    // Signing in again asks the terminal nothing and restores no ticket.
    let mut till = Exec::start(&config, &data);
    let a = till.ask(json!({"cmd":"login","pin":"9999"}));
    assert!(ok(&a).get("card").is_none(), "{a}");
    let t = till.ask(json!({"cmd":"ticket"}));
    assert!(ok(&t)["ticket"]["lines"].as_array().is_none_or(Vec::is_empty), "{t}");
}

#[test]
fn a_technician_asks_the_terminal_directly_and_nothing_is_charged() {
    let dir = tempfile::tempdir().unwrap();
    let (port, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &port);
    let out = run(&["hw", "card", "--port", &port, "status"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("result 00 (approved)"), "{out:?}");
    let mut till = Exec::start(&config, &data);
    till.basket(true);
    ok(&till.ask(json!({"cmd":"tender","method":"card"})));
    drop(till);
    let out = run(&["hw", "card", "--port", &port, "last"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("amount 5.67") && text.contains("receipt 1") && text.contains("************4242"), "{text}");
    assert_eq!(standing(&state), vec![(Kind::Payment, 567)], "asking charged nothing");
    let out = run(&["hw", "card", "--port", &port, "--password", "12", "status"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("6 digits"));
}

#[test]
fn a_technicians_test_payment_reversal_refund_and_end_of_day_at_the_terminal() {
    let (port, state) = common::card_terminal();
    let json_of = |args: &[&str]| -> Value {
        let mut all = vec!["hw", "card", "--port", port.as_str(), "--json"];
        all.extend_from_slice(args);
        let out = run(&all);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
    };
    let paid = json_of(&["pay", "1.00"]);
    assert_eq!(paid["result"], "00", "{paid}");
    assert_eq!(paid["amount"], "1.00");
    assert_eq!(paid["pan"], "************4242", "masked as the terminal gave it");
    let receipt = paid["receipt"].as_u64().expect("a receipt number").to_string();
    assert_eq!(json_of(&["pay", "2.00"])["result"], "00");
    assert_eq!(json_of(&["reverse", &receipt])["result"], "00");
    assert_eq!(json_of(&["refund", "0.50"])["result"], "00");
    assert_eq!(json_of(&["register"])["result"], Value::Null, "{}", json_of(&["register"]));
    let day = json_of(&["end-of-day"]);
    assert_eq!(day["result"], "00", "{day}");
    assert_eq!(day["amount"], "1.50", "2.00 paid, 1.00 paid and reversed, 0.50 refunded: {day}");
    let kinds: Vec<Kind> = state.lock().unwrap().journal.iter().map(|t| t.kind).collect();
    assert_eq!(kinds, [Kind::Payment, Kind::Payment, Kind::Reversal, Kind::Refund]);
    let bad = run(&["hw", "card", "--port", &port, "pay", "1.005"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("at most 2 decimals"));
}

#[test]
fn a_sale_that_cannot_be_stored_is_answered_goods_not_issued_and_the_terminal_reverses() {
    let dir = tempfile::tempdir().unwrap();
    let (port, state) = common::card_terminal();
    let (config, data) = site(dir.path(), &port);
    let mut till = Exec::start(&config, &data);
    till.basket(true);
    // The terminal takes two seconds; meanwhile the store's write-ahead log is deleted, so the
    // store stops taking writes after the next commit: the sale cannot be stored.
    state.lock().unwrap().fault = Fault::Slow(Duration::from_secs(2));
    till.send(json!({"cmd":"tender","method":"card"}));
    let started = std::time::Instant::now();
    while intents(&data).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::remove_file(data.join("till.sqlite-wal")).unwrap();
    let mut line = String::new();
    till.stdout.read_line(&mut line).unwrap();
    let a: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(a["ok"], false, "{a}");
    assert!(standing(&state).is_empty(), "answered 84 66: the terminal reversed it");
    assert_eq!(state.lock().unwrap().journal.len(), 1, "asked once");
    drop(till);
    let sales: i64 = db(&data).query_row("SELECT COUNT(*) FROM sales", [], |r| r.get(0)).unwrap();
    assert_eq!(sales, 0, "no sale without its payment");
    // After a restart the payment is settled by asking the terminal: reversed, as it says.
    let mut till = Exec::start(&config, &data);
    let a = till.ask(json!({"cmd":"login","pin":"1111"}));
    assert_eq!(ok(&a)["ticket"]["total"], "5.67", "the ticket comes back: {a}");
    assert_eq!(intents(&data)[0].0, "reversed");
    let a = till.ask(json!({"cmd":"tender","method":"card"}));
    assert_eq!(ok(&a)["sale"]["total"], "5.67", "{a}");
    assert_eq!(standing(&state), vec![(Kind::Payment, 567)], "charged once in all");
    drop(till);
    let out = run(&["journal", "verify", "--data-dir", data.to_str().unwrap(), "--config", config.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
