//! QR wallet payments through `till exec` against the reference provider (`till sim
//! qr-provider`) on loopback HTTP: a paid payment is stored once with what the provider returned;
//! expired, failed and cancelled ones leave the ticket open; a payment paid before its cancel
//! arrived is taken; with the provider down the payment stays open (it may have been paid) and
//! is taken once the provider answers again; a crash between "paid" and the sale is settled at
//! the next sign-in by asking the provider, never by asking for the money again.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

struct Provider {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    url: String,
}

impl Provider {
    fn start(state: &Path, port: u16) -> Provider {
        let mut child = till()
            .args(["sim", "qr-provider", "--port", &port.to_string(), "--token", "qr-test-token", "--state"])
            .arg(state)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("provider starts");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut url = String::new();
        out.read_line(&mut url).expect("the provider's address");
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for l in out.lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        let stdin = child.stdin.take().expect("stdin");
        Provider { child, stdin, lines, url: url.trim().to_string() }
    }

    fn port(&self) -> u16 {
        self.url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port")
    }

    /// An operator command; its one-line answer.
    fn say(&mut self, line: &str) -> String {
        writeln!(self.stdin, "{line}").expect("provider takes a command");
        self.stdin.flush().expect("flush");
        self.lines.recv_timeout(Duration::from_secs(5)).expect("the provider answers")
    }

    /// Every payment the provider holds: reference, amount, status.
    fn list(&mut self) -> Vec<String> {
        writeln!(self.stdin, "list").expect("list");
        self.stdin.flush().expect("flush");
        let mut out = Vec::new();
        while let Ok(l) = self.lines.recv_timeout(Duration::from_millis(500)) {
            out.push(l);
        }
        out
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn site(dir: &Path, url: &str) -> (PathBuf, PathBuf) {
    demo_site(dir, |text| {
        text + &format!(
            "\n[qr_payments]\nurl = \"{url}\"\ntoken = \"qr-test-token\"\npoll_seconds = 1\ntimeout_seconds = 2\n"
        )
    })
}

fn basket(till: &mut Exec, open_shift: bool) {
    basket_as(till, "1111", open_shift);
}

fn basket_as(till: &mut Exec, pin: &str, open_shift: bool) {
    ok(&till.ask(json!({"cmd":"login","pin":pin})));
    if open_shift {
        ok(&till.ask(json!({"cmd":"open_shift","float":"100.00"})));
    }
    ok(&till.ask(json!({"cmd":"add","sku":"BEV-0001","qty":"2"})));
    let a = till.ask(json!({"cmd":"scan","code":"4006381333931"}));
    assert_eq!(ok(&a)["ticket"]["total"], "5.67", "{a}");
}

fn code(v: &Value) -> &str {
    assert_eq!(v["ok"], false, "should have failed: {v}");
    v["code"].as_str().unwrap_or_default()
}

fn intents(data: &Path) -> Vec<(String, String, Option<String>, Option<i64>)> {
    let db = db(data);
    let mut stmt = db.prepare("SELECT method, state, ending, sale_id FROM card_intents ORDER BY id").unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

fn sales(data: &Path) -> i64 {
    db(data).query_row("SELECT COUNT(*) FROM sales", [], |r| r.get(0)).unwrap()
}

/// Asks until the payment has ended (paid or not); the last answer.
fn check_until_settled(till: &mut Exec) -> Value {
    for _ in 0..20 {
        let a = till.ask(json!({"cmd":"qr_check"}));
        if a.get("card").is_none() {
            return a;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("the QR payment never settled");
}

#[test]
fn a_paid_qr_payment_is_stored_once_with_what_the_provider_returned() {
    let dir = tempfile::tempdir().unwrap();
    let mut provider = Provider::start(&dir.path().join("qr.json"), 0);
    let (config, data) = site(dir.path(), &provider.url);
    let mut till = Exec::start(&config, &data);
    basket(&mut till, true);
    let a = till.ask(json!({"cmd":"tender","method":"qr"}));
    let card = &ok(&a)["card"];
    assert_eq!(card["method"], "qr", "{a}");
    assert_eq!(card["state"], "waiting", "{a}");
    assert_eq!(card["amount"], "5.67");
    let qr = card["qr"].as_str().expect("a QR code to show");
    assert!(qr.starts_with("000201") && qr.contains("54045.67"), "an EMVCo payload for 5.67: {qr}");
    // Not paid yet: asking changes nothing, and the ticket is locked meanwhile.
    let a = till.ask(json!({"cmd":"qr_check"}));
    assert_eq!(ok(&a)["card"]["state"], "waiting", "{a}");
    assert_eq!(code(&till.ask(json!({"cmd":"add","sku":"BEV-0001"}))), "refusal-card-in-progress");
    assert!(provider.say("pay last").ends_with("Paid"));
    let a = till.ask(json!({"cmd":"qr_check"}));
    let sale = &ok(&a)["sale"];
    assert_eq!(sale["payments"][0]["method"], "qr", "{a}");
    assert_eq!(sale["payments"][0]["amount"], "5.67");
    assert_eq!(sale["payments"][0]["card"]["auth_code"], "SIM-000001", "the provider's reference: {a}");
    assert_eq!(sale["payments"][0]["card"]["card_name"], "SimWallet");
    assert!(a.get("card").is_none(), "nothing in progress any more: {a}");
    // Asking again finds nothing to ask about: the payment is not taken twice.
    assert_eq!(code(&till.ask(json!({"cmd":"qr_check"}))), "refusal-no-card-payment");
    drop(till);
    assert_eq!(intents(&data), vec![("qr".into(), "committed".into(), None, Some(1))]);
    assert_eq!(sales(&data), 1);
    assert_eq!(provider.list().len(), 1, "one payment at the provider");
    let out = run(&["journal", "verify", "--data-dir", data.to_str().unwrap(), "--config", config.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn expired_failed_and_cancelled_qr_payments_leave_the_ticket_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut provider = Provider::start(&dir.path().join("qr.json"), 0);
    let (config, data) = site(dir.path(), &provider.url);
    let mut till = Exec::start(&config, &data);
    basket(&mut till, true);
    ok(&till.ask(json!({"cmd":"tender","method":"qr"})));
    assert!(provider.say("expire last").ends_with("Expired"));
    assert_eq!(code(&till.ask(json!({"cmd":"qr_check"}))), "refusal-qr-expired");
    ok(&till.ask(json!({"cmd":"tender","method":"qr","amount":"2.00"})));
    assert!(provider.say("fail last").ends_with("Failed"));
    assert_eq!(code(&till.ask(json!({"cmd":"qr_check"}))), "refusal-qr-failed");
    ok(&till.ask(json!({"cmd":"tender","method":"qr"})));
    assert_eq!(code(&till.ask(json!({"cmd":"qr_cancel"}))), "refusal-qr-cancelled");
    // Nothing was taken: the ticket is as it was, and cash pays it.
    let t = till.ask(json!({"cmd":"ticket"}));
    assert_eq!(ok(&t)["ticket"]["payments"].as_array().map(Vec::len), Some(0), "{t}");
    let a = till.ask(json!({"cmd":"tender","method":"cash","amount":"10.00"}));
    assert_eq!(ok(&a)["sale"]["payments"][0]["method"], "cash", "{a}");
    drop(till);
    let endings: Vec<_> = intents(&data).into_iter().map(|i| (i.1, i.2)).collect();
    let d = |e: &str| ("declined".to_string(), Some(e.to_string()));
    assert_eq!(endings, vec![d("expired"), d("failed"), d("cancelled")]);
    assert_eq!(sales(&data), 1);
}

#[test]
fn a_payment_paid_before_its_cancel_arrives_is_taken_and_a_split_with_cash_works() {
    let dir = tempfile::tempdir().unwrap();
    let mut provider = Provider::start(&dir.path().join("qr.json"), 0);
    let (config, data) = site(dir.path(), &provider.url);
    let mut till = Exec::start(&config, &data);
    basket_as(&mut till, "9999", true);
    let a = till.ask(json!({"cmd":"tender","method":"qr","amount":"3.00"}));
    assert_eq!(ok(&a)["card"]["amount"], "3.00");
    assert!(provider.say("pay last").ends_with("Paid"));
    // The customer paid while the cashier pressed cancel: the payment stands and is on the ticket.
    let a = till.ask(json!({"cmd":"qr_cancel"}));
    assert_eq!(ok(&a)["ticket"]["payments"][0]["method"], "qr", "{a}");
    // It cannot be taken back off the open ticket: the wallet has no way back.
    assert_eq!(code(&till.ask(json!({"cmd":"remove_payment","index":0}))), "refusal-qr-payment-stays");
    assert_eq!(code(&till.ask(json!({"cmd":"cancel_ticket"}))), "refusal-qr-payment-stays");
    let a = till.ask(json!({"cmd":"tender","method":"cash","amount":"5.00"}));
    let sale = &ok(&a)["sale"];
    assert_eq!(sale["payments"][0]["method"], "qr");
    assert_eq!(sale["payments"][1]["method"], "cash");
    assert_eq!(sale["change"], "2.33", "{a}");
    // A refund of it goes back in cash (a wallet payment has no refund the till can ask for).
    let r = till.ask(json!({"cmd":"refund","receipt_no":1}));
    let refund = &ok(&r)["sale"];
    assert_eq!(refund["payments"].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(refund["payments"][0]["method"], "cash", "{r}");
    drop(till);
    assert_eq!(sales(&data), 2);
}

#[test]
fn with_the_provider_down_the_payment_stays_open_and_is_taken_once_it_answers() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("qr.json");
    let provider = Provider::start(&state, 0);
    let port = provider.port();
    let (config, data) = site(dir.path(), &provider.url);
    let mut till = Exec::start(&config, &data);
    basket(&mut till, true);
    ok(&till.ask(json!({"cmd":"tender","method":"qr"})));
    provider.kill();
    let a = till.ask(json!({"cmd":"qr_check"}));
    assert_eq!(ok(&a)["card"]["state"], "unreachable", "{a}");
    assert!(a["card"]["qr"].is_string(), "the code stays on screen: {a}");
    // The customer may have paid: it cannot be given up while nobody can say.
    assert_eq!(code(&till.ask(json!({"cmd":"qr_cancel"}))), "refusal-qr-cannot-cancel");
    assert_eq!(code(&till.ask(json!({"cmd":"tender","method":"cash"}))), "refusal-card-in-progress");
    // The provider comes back (its payments kept) and the customer's payment went through.
    let mut provider = Provider::start(&state, port);
    assert!(provider.say("pay last").ends_with("Paid"));
    let a = check_until_settled(&mut till);
    assert_eq!(ok(&a)["sale"]["payments"][0]["method"], "qr", "{a}");
    drop(till);
    assert_eq!(intents(&data), vec![("qr".into(), "committed".into(), None, Some(1))]);
    assert_eq!(provider.list().len(), 1, "asking again made no second payment");
}

#[test]
fn a_crash_before_the_paid_payment_was_stored_is_settled_at_the_next_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut provider = Provider::start(&dir.path().join("qr.json"), 0);
    let (config, data) = site(dir.path(), &provider.url);
    let mut till = Exec::start(&config, &data);
    basket(&mut till, true);
    ok(&till.ask(json!({"cmd":"tender","method":"qr"})));
    // Power gone: the payment was asked for and is paid while the till is down.
    let _ = till.child.kill();
    let _ = till.child.wait();
    drop(till);
    assert!(provider.say("pay last").ends_with("Paid"));
    let mut till = Exec::start(&config, &data);
    ok(&till.ask(json!({"cmd":"login","pin":"1111"})));
    let found = till.ask(json!({"cmd":"find_sale","receipt_no":1}));
    assert_eq!(ok(&found)["sale"]["payments"][0]["method"], "qr", "{found}");
    assert_eq!(ok(&found)["sale"]["total"], "5.67");
    let t = till.ask(json!({"cmd":"ticket"}));
    assert_eq!(ok(&t)["ticket"]["lines"].as_array().map(Vec::len), Some(0), "the paid ticket is closed: {t}");
    drop(till);
    assert_eq!(sales(&data), 1);
    assert_eq!(provider.list().len(), 1);
}

#[test]
fn a_script_cannot_say_a_qr_payment_is_paid_and_without_a_provider_qr_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let provider = Provider::start(&dir.path().join("qr.json"), 0);
    let (config, data) = site(dir.path(), &provider.url);
    let mut till = Exec::start(&config, &data);
    basket(&mut till, true);
    ok(&till.ask(json!({"cmd":"tender","method":"qr"})));
    let fake = json!({"cmd":"qr_answered","intent":1,"op":"poll","answer":{"status":"paid"}});
    assert_eq!(till.ask(fake)["ok"], false);
    drop(till);
    assert_eq!(sales(&data), 0);
    // The demo configuration has no provider.
    let plain = tempfile::tempdir().unwrap();
    let answers = exec(
        plain.path(),
        None,
        &[
            json!({"cmd":"login","pin":"1111"}),
            json!({"cmd":"open_shift","float":"50.00"}),
            json!({"cmd":"add","sku":"BEV-0001"}),
            json!({"cmd":"tender","method":"qr"}),
        ],
    );
    assert_eq!(code(&answers[3]), "refusal-qr-not-configured", "{}", answers[3]);
}
