//! The site API (`docs/site-api.md`) between two Till processes on loopback: a kiosk whose
//! basket waits for a person, and a counter that sees it and answers as the person signed in.
//! Requests are signed with the site's secret; a wrong secret, a missing or bad signature, an
//! old time or an answer to a basket that changed since changes nothing.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SECRET: &str = "site-secret-0123456789";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn kiosk_site(dir: &Path, port: u16) -> (PathBuf, PathBuf) {
    demo_site(dir, |text| {
        text.replacen(
            "id = \"DEMO-01\"\nname = \"Demo counter 1\"",
            "id = \"K2\"\nname = \"Kiosk 2\"\nmode = \"kiosk\"",
            1,
        ) + &format!("\n[kiosk]\nidle_seconds = 300\n\n[site]\nsecret = \"{SECRET}\"\nlisten = \"127.0.0.1:{port}\"\n")
    })
}

fn counter_site(dir: &Path, port: u16, secret: &str) -> (PathBuf, PathBuf) {
    demo_site(dir, |text| text + &format!("\n[site]\nsecret = \"{secret}\"\npeers = [\"http://127.0.0.1:{port}\"]\n"))
}

fn journal(data: &Path) -> Vec<(String, Value)> {
    let db = db(data);
    let mut stmt = db.prepare("SELECT kind, payload FROM journal ORDER BY seq").unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).unwrap();
    rows.map(|r| {
        let (k, p) = r.unwrap();
        (k, serde_json::from_str(&p).unwrap_or(Value::Null))
    })
    .collect()
}

/// Asks the counter for its kiosks until `f` holds for K2's status (the link looks every second).
fn wait_site(c: &mut Exec, f: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let a = c.ask(json!({"cmd":"site"}));
        let status = &ok(&a)["site"][0]["status"];
        if f(status) {
            return status.clone();
        }
        assert!(Instant::now() < deadline, "the counter never saw it: {a}");
        std::thread::sleep(Duration::from_millis(150));
    }
}

struct Pair {
    _dir: tempfile::TempDir,
    kiosk: Exec,
    kiosk_data: PathBuf,
    counter: Exec,
    counter_data: PathBuf,
    port: u16,
}

fn pair(counter_secret: &str) -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    std::fs::create_dir_all(dir.path().join("k")).unwrap();
    std::fs::create_dir_all(dir.path().join("c")).unwrap();
    let (kc, kd) = kiosk_site(&dir.path().join("k"), port);
    let (cc, cd) = counter_site(&dir.path().join("c"), port, counter_secret);
    let mut kiosk = Exec::start(&kc, &kd);
    ok(&kiosk.ask(json!({"cmd":"kiosk_start"})));
    let mut counter = Exec::start(&cc, &cd);
    ok(&counter.ask(json!({"cmd":"login","pin":"1111"})));
    Pair { _dir: dir, kiosk, kiosk_data: kd, counter, counter_data: cd, port }
}

#[test]
fn the_counter_sees_the_kiosks_age_check_and_approves_it_as_the_cashier() {
    let mut p = pair(SECRET);
    let a = p.kiosk.ask(json!({"cmd":"add","sku":"TOB-0001"}));
    assert_eq!(ok(&a)["kiosk"]["help"]["reason"], "age", "{a}");
    let seen = wait_site(&mut p.counter, |s| s["help"]["reason"] == "age");
    assert_eq!(seen["terminal_id"], "K2");
    assert_eq!(seen["name"], "Kiosk 2");
    assert_eq!(seen["mode"], "kiosk");
    assert_eq!(seen["basket_items"], 1);
    assert!(seen["help"]["detail"].as_str().unwrap().contains("18+"), "{seen}");
    let a = p.counter.ask(json!({"cmd":"site_answer","terminal":"K2","approve":true}));
    ok(&a);
    // The kiosk's session applies it with its next turn: the age is confirmed, nothing waits.
    let t = p.kiosk.ask(json!({"cmd":"ticket"}));
    assert!(ok(&t)["kiosk"]["help"].is_null(), "{t}");
    assert_eq!(t["ticket"]["lines"].as_array().unwrap().len(), 1);
    wait_site(&mut p.counter, |s| s["help"].is_null() && s["basket_items"] == 1);
    // A second answer finds nothing to answer.
    let again = p.counter.ask(json!({"cmd":"site_answer","terminal":"K2","approve":true}));
    assert_eq!(again["code"], "refusal-peer-no-help", "{again}");
    p.kiosk.ask(json!({"cmd":"ticket"}));
    let kj = journal(&p.kiosk_data);
    let (_, approved) = kj.iter().find(|(k, _)| k == "kiosk_help_approved").expect("journaled at the kiosk");
    assert_eq!(approved["by"]["staff"], "Cashier", "{approved}");
    assert_eq!(approved["by"]["at_terminal"], "DEMO-01");
    assert_eq!(approved["reason"], "age");
    assert_eq!(kj.iter().filter(|(k, _)| k == "kiosk_help_approved").count(), 1);
    let cj = journal(&p.counter_data);
    assert!(cj.iter().any(|(k, v)| k == "site_answer_sent" && v["approve"] == true && v["terminal"] == "K2"));
}

#[test]
fn a_refusal_from_the_counter_takes_the_items_for_adults_off_the_basket() {
    let mut p = pair(SECRET);
    ok(&p.kiosk.ask(json!({"cmd":"add","sku":"BEV-0001"})));
    ok(&p.kiosk.ask(json!({"cmd":"add","sku":"TOB-0001"})));
    wait_site(&mut p.counter, |s| s["help"]["reason"] == "age" && s["basket_items"] == 2);
    ok(&p.counter.ask(json!({"cmd":"site_answer","terminal":"K2","approve":false})));
    let t = p.kiosk.ask(json!({"cmd":"ticket"}));
    assert!(ok(&t)["kiosk"]["help"].is_null(), "{t}");
    let lines = t["ticket"]["lines"].as_array().unwrap();
    let live: Vec<_> = lines.iter().filter(|l| l["voided"] != true).collect();
    assert_eq!(live.len(), 1, "{t}");
    assert_eq!(live[0]["sku"], "BEV-0001");
    assert!(journal(&p.kiosk_data).iter().any(|(k, v)| k == "kiosk_help_declined" && v["by"]["staff"] == "Cashier"));
}

#[test]
fn a_counter_with_another_secret_is_not_heard_and_the_kiosk_keeps_waiting() {
    let mut p = pair("not-this-sites-secret-00");
    ok(&p.kiosk.ask(json!({"cmd":"add","sku":"TOB-0001"})));
    let deadline = Instant::now() + Duration::from_secs(10);
    let err = loop {
        let a = p.counter.ask(json!({"cmd":"site"}));
        if let Some(e) = ok(&a)["site"][0]["error"].as_str() {
            break e.to_string();
        }
        assert!(Instant::now() < deadline, "{a}");
        std::thread::sleep(Duration::from_millis(150));
    };
    assert!(err.contains("401"), "{err}");
    let a = p.counter.ask(json!({"cmd":"site_answer","terminal":"K2","approve":true}));
    assert_eq!(a["code"], "refusal-no-such-peer", "{a}");
    let t = p.kiosk.ask(json!({"cmd":"ticket"}));
    assert_eq!(t["kiosk"]["help"]["reason"], "age", "{t}");
}

/// One raw HTTP/1.1 request to the kiosk; the status code and body.
fn http(port: u16, method: &str, path: &str, headers: &[(&str, String)], body: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("content-type: application/json\r\n\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let code = out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (code, out.split("\r\n\r\n").nth(1).unwrap_or_default().to_string())
}

fn signed(method: &str, path: &str, time: i64, from: &str, body: &str, secret: &str) -> Vec<(&'static str, String)> {
    let sig = till::devices::site::sign(secret, method, path, time, from, body.as_bytes());
    vec![("x-till-time", time.to_string()), ("x-till-from", from.to_string()), ("x-till-signature", sig)]
}

#[test]
fn unsigned_forged_old_and_stale_answers_change_nothing() {
    let mut p = pair(SECRET);
    ok(&p.kiosk.ask(json!({"cmd":"add","sku":"TOB-0001"})));
    let now = till::devices::site::unix_now();
    let path = "/site/v1/status";
    let (code, body) = http(p.port, "GET", path, &signed("GET", path, now, "X", "", SECRET), "");
    assert_eq!(code, 200, "{body}");
    let status: Value = serde_json::from_str(&body).unwrap();
    let token = status["help"]["token"].as_str().unwrap().to_string();
    let path = "/site/v1/answer";
    let answer = |token: &str| {
        json!({"token": token, "approve": true, "staff": "Mallory", "staff_id": 7, "from": "X"}).to_string()
    };
    let good = answer(&token);
    // Not signed, signed with another secret, signed for another body, too old: 401.
    assert_eq!(http(p.port, "POST", path, &[], &good).0, 401);
    assert_eq!(
        http(p.port, "POST", path, &signed("POST", path, now, "X", &good, "another-secret-xxxxx"), &good).0,
        401
    );
    let other = answer("0000");
    assert_eq!(http(p.port, "POST", path, &signed("POST", path, now, "X", &other, SECRET), &good).0, 401);
    assert_eq!(http(p.port, "POST", path, &signed("POST", path, now - 600, "X", &good, SECRET), &good).0, 401);
    // Not an answer: 422; too large: 413.
    let junk = "{\"approve\": \"yes\"}";
    assert_eq!(http(p.port, "POST", path, &signed("POST", path, now, "X", junk, SECRET), junk).0, 422);
    let big = "x".repeat(5000);
    assert_eq!(http(p.port, "POST", path, &signed("POST", path, now, "X", &big, SECRET), &big).0, 413);
    let t = p.kiosk.ask(json!({"cmd":"ticket"}));
    assert_eq!(t["kiosk"]["help"]["reason"], "age", "nothing heard changed the basket: {t}");
    // Signed well, but for the basket as it was: the basket changed, the answer is stale.
    ok(&p.kiosk.ask(json!({"cmd":"add","sku":"BEV-0001"})));
    let (code, _) = http(p.port, "POST", path, &signed("POST", path, now, "X", &good, SECRET), &good);
    assert_eq!(code, 202);
    let t = p.kiosk.ask(json!({"cmd":"ticket"}));
    assert_eq!(t["kiosk"]["help"]["reason"], "age", "a stale answer approves nothing: {t}");
    let kj = journal(&p.kiosk_data);
    assert!(kj.iter().any(|(k, _)| k == "site_answer_stale"));
    assert!(!kj.iter().any(|(k, _)| k == "kiosk_help_approved"));
    // A script cannot pose as the link: `remote_answer` is no command it can send.
    let a = p.kiosk.ask(json!({"cmd":"remote_answer","time":now,"from":"X","body":good,"signature":"00"}));
    assert_eq!(a["ok"], false, "{a}");
}

#[test]
fn a_stop_at_the_counter_stops_a_pump_a_kiosk_holds_for_self_service() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let link = dir.path().join("pumps");
    let mut pumps = Sim::start(&["sim", "forecourt", "--pumps", "2"], &link);
    let (card, _state) = card_terminal();
    std::fs::create_dir_all(dir.path().join("k")).unwrap();
    std::fs::create_dir_all(dir.path().join("c")).unwrap();
    let (kc, kd) = kiosk_site(&dir.path().join("k"), port);
    // The kiosk alone drives the pumps (the counter here has no forecourt link of its own).
    let mut text = std::fs::read_to_string(&kc).unwrap();
    text.push_str(&format!("\n[card_terminal]\nport = \"{card}\"\n\n[forecourt]\nport = \"{}\"\n", link.display()));
    for (n, address) in [(1, "0x50"), (2, "0x51")] {
        text.push_str(&format!("\n[[forecourt.pumps]]\nnumber = {n}\naddress = \"{address}\"\nnozzles = [\"E5\", \"E10\", \"SP98\", \"B7\"]\n"));
    }
    std::fs::write(&kc, text).unwrap();
    let (cc, cd) = counter_site(&dir.path().join("c"), port, SECRET);
    let mut kiosk = Exec::start(&kc, &kd);
    ok(&kiosk.ask(json!({"cmd":"kiosk_start"})));
    kiosk.wait_pump(1, "idle");
    pumps.say("flow 1 20");
    ok(&kiosk.ask(json!({"cmd":"pump_pay","pump":1,"amount":"20.00"})));
    kiosk.wait_pump(1, "authorized");
    let mut counter = Exec::start(&cc, &cd);
    ok(&counter.ask(json!({"cmd":"login","pin":"1111"})));
    wait_site(&mut counter, |s| s["self_service_pumps"] == json!([1]));
    // A pump nobody holds, at a counter without pumps: nothing to stop.
    assert_eq!(counter.ask(json!({"cmd":"stop","pump":2}))["ok"], false);
    // A stop not signed with the site's secret is not heard.
    let body = json!({"pump": 1, "staff": "Mallory", "from": "X"}).to_string();
    let now = till::devices::site::unix_now();
    let forged = signed("POST", "/site/v1/stop", now, "X", &body, "another-secret-xxxxx");
    assert_eq!(http(port, "POST", "/site/v1/stop", &forged, &body).0, 401);
    assert_eq!(kiosk.ask(json!({"cmd":"pumps"}))["pumps"][0]["state"], "authorized");
    // The cashier stops pump 1: the kiosk holding it stops it.
    ok(&counter.ask(json!({"cmd":"stop","pump":1})));
    let deadline = Instant::now() + Duration::from_secs(10);
    while kiosk.ask(json!({"cmd":"pumps"}))["pumps"][0]["state"] == "authorized" {
        assert!(Instant::now() < deadline, "the kiosk never stopped pump 1");
        std::thread::sleep(Duration::from_millis(100));
    }
    let stop = journal(&kd)
        .into_iter()
        .find(|(k, p)| k == "forecourt" && p["action"] == "site_stop")
        .expect("the kiosk journals the stop");
    assert_eq!(stop.1["pump"], 1);
    assert_eq!(stop.1["detail"]["at_terminal"], "DEMO-01", "{:?}", stop.1);
    assert!(stop.1["detail"]["staff"].as_str().is_some_and(|s| !s.is_empty()), "{:?}", stop.1);
    let told = journal(&cd).into_iter().find(|(k, p)| k == "forecourt" && p["action"] == "stop").unwrap();
    assert_eq!(told.1["detail"]["kiosks"], json!(["K2"]));
    // A script cannot pose as the link.
    let a = kiosk.ask(json!({"cmd":"remote_stop","time":now,"from":"X","body":body,"signature":"00"}));
    assert_eq!(a["ok"], false, "{a}");
}
