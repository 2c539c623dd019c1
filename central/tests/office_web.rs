//! The office page in a real browser: headless Chromium driven over WebDriver (chromedriver,
//! from the distribution: `apt-get install chromium chromium-driver`). A user of one chain signs
//! in, sees that chain's figures (and nothing of another chain's), a wrong password is refused,
//! and the page is saved as a screenshot to look at (`target/screenshots/office/`).

mod common;

use base64::Engine;
use common::*;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use till_central::pg::admin;

struct Driver {
    child: Child,
    addr: SocketAddr,
    session: String,
    _profile: tempfile::TempDir,
}

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (apt-get install chromium chromium-driver)");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let t = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(t.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,2200",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}}}});
        let a = http(addr, "POST", "/session", &[("Content-Type", "application/json")], caps.to_string().as_bytes());
        let session =
            a.json()["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {}", a.text())).to_string();
        Driver { child, addr, session, _profile: profile }
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let path = format!("/session/{}{path}", self.session);
        let body = if method == "GET" { String::new() } else { body.to_string() };
        let a = http(self.addr, method, &path, &[("Content-Type", "application/json")], body.as_bytes());
        assert_eq!(a.status, 200, "{method} {path}: {}", a.text());
        a.json()["value"].clone()
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", json!({ "url": url }));
    }

    fn element(&self, css: &str) -> String {
        let v = self.call("POST", "/element", json!({"using": "css selector", "value": css}));
        v.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).unwrap().to_string()
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.element(css);
        self.call("POST", &format!("/element/{e}/value"), json!({ "text": text }));
    }

    fn click(&self, css: &str) {
        let e = self.element(css);
        self.call("POST", &format!("/element/{e}/click"), json!({}));
    }

    fn text(&self) -> String {
        self.call("POST", "/execute/sync", json!({"script": "return document.body.innerText", "args": []}))
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits (a click's navigation may still be under way) until the page's address ends so.
    fn wait_for(&self, end: &str) -> String {
        let t = Instant::now();
        loop {
            let url = self.url();
            if url.ends_with(end) || t.elapsed() > Duration::from_secs(15) {
                return url;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the page's text holds this.
    fn wait_for_text(&self, part: &str) -> String {
        let t = Instant::now();
        loop {
            let text = self.text();
            if text.contains(part) || t.elapsed() > Duration::from_secs(15) {
                return text;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn url(&self) -> String {
        self.call("GET", "/url", json!({})).as_str().unwrap_or_default().to_string()
    }

    fn screenshot(&self, name: &str) -> std::path::PathBuf {
        let b64 = self.call("GET", "/screenshot", json!({}));
        let png = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap()).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots/office");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(name);
        std::fs::write(&file, png).unwrap();
        file
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let path = format!("/session/{}", self.session);
        let _ = http(self.addr, "DELETE", &path, &[], b"");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A day of one site: fuel and shop sales paid cash and card, a refund, a drive-off, a Z.
fn a_day(terminal: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let today = time::OffsetDateTime::now_utc().date();
    for (i, (grade, litres, amount, method)) in [
        ("E10", "20.00", "34.78", "cash"),
        ("B7", "41.30", "66.04", "card"),
        ("E10", "12.10", "21.04", "card"),
        ("SP98", "8.00", "15.92", "cash"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut e = event(terminal, i as i64 + 1, "sale");
        e["created_at"] = json!(format!("{today}T0{}:15:00Z", i + 6));
        e["payload"]["sale"] = json!({"total": amount, "subtotal": amount, "paid": amount, "change": "0.00",
            "lines": [{"kind": "fuel", "sku": grade, "qty": litres, "amount": amount, "voided": false}],
            "payments": [{"method": method, "amount": amount}]});
        events.push(e);
    }
    let mut refund = event(terminal, 10, "refund");
    refund["created_at"] = json!(format!("{today}T11:00:00Z"));
    refund["payload"]["refund"] = json!({"total": "-4.38", "subtotal": "-4.38", "paid": "-4.38", "change": "0.00",
        "lines": [], "payments": [{"method": "cash", "amount": "-4.38"}]});
    let mut drive_off = event(terminal, 11, "drive_off");
    drive_off["created_at"] = json!(format!("{today}T12:00:00Z"));
    drive_off["payload"]["litres"] = json!("12.00");
    drive_off["payload"]["amount"] = json!("20.87");
    let mut z = event(terminal, 12, "z_report");
    z["created_at"] = json!(format!("{today}T20:00:00Z"));
    z["payload"]["z_no"] = json!(7);
    z["payload"]["report_sha256"] = json!("ab".repeat(32));
    z["payload"]["report"] = json!({"kind": "z"});
    events.extend([refund, drive_off, z]);
    events
}

#[test]
fn a_chain_user_signs_in_and_sees_the_chains_figures_only() {
    let (central, _url, [token, _]) = pg_central();
    let other_token = block_on(async {
        let client = central.client().await.unwrap();
        let acme = admin::chain_id(&client, Some("ACME")).await.unwrap();
        admin::add_user(&client, acme, "anna@acme.example", "correct horse battery").await.unwrap();
        let beta = admin::add_chain(&client, "BETA", "Beta Oil", "EUR", 2).await.unwrap();
        admin::add_site(&client, beta, "BETA-NORTH", "North", "UTC").await.unwrap();
        admin::add_user(&client, beta, "ben@beta.example", "another long password").await.unwrap();
        assert!(
            admin::add_user(&client, beta, "short", "tooshort").await.is_err(),
            "a password of 12 characters at least"
        );
        admin::add_terminal(&client, beta, "BETA-NORTH", "LANE-01").await.unwrap()
    });
    let addr = central.spawn("127.0.0.1:0", 2).unwrap();
    let acme = Target::remote(addr, "LANE-01", &token);
    let beta = Target::remote(addr, "LANE-01", &other_token);
    assert_eq!(list(&upload(&acme, &a_day("LANE-01")).json(), "accepted").len(), 7);
    let mut theirs = a_day("LANE-01");
    theirs[0]["payload"]["sale"]["lines"][0]["sku"] = json!("BETA-GRADE-X");
    assert_eq!(list(&upload(&beta, &theirs).json(), "accepted").len(), 7);

    // Without a session the figures are not shown, not even as a status page.
    let a = http(addr, "GET", "/office", &[], b"");
    assert_eq!((a.status, a.header("location")), (303, Some("/office/login")));
    let forged = http(addr, "GET", "/office", &[("Cookie", &format!("till_office={}", "0".repeat(64)))], b"");
    assert_eq!(forged.status, 303);

    let browser = Driver::start();
    let base = format!("http://{addr}");
    browser.go(&format!("{base}/office"));
    assert!(browser.url().ends_with("/office/login"), "{}", browser.url());
    browser.type_into("#name", "anna@acme.example");
    browser.type_into("#password", "wrong password!!");
    browser.click("#signin");
    let refused = browser.wait_for_text("do not match");
    assert!(refused.contains("do not match"), "{refused}");
    browser.screenshot("login-refused.png");
    browser.type_into("#name", "anna@acme.example");
    browser.type_into("#password", "correct horse battery");
    browser.click("#signin");
    let at = browser.wait_for("/office");
    assert!(at.ends_with("/office"), "{at}");
    browser.wait_for_text("Z reports");
    let page = browser.text();
    for shown in [
        "Acme Fuels",
        "Sales per site and day",
        "Fuel per grade",
        "Takings per tender",
        "Refunds and drive-offs per day",
        "Z reports",
        "137.78",
        "133.40",
        "41.30",
        "20.87",
        "LANE-01",
    ] {
        assert!(page.contains(shown), "{shown} missing from\n{page}");
    }
    assert!(!page.contains("BETA") && !page.contains("Beta Oil"), "another chain's figures leak:\n{page}");
    let charts = browser.call(
        "POST",
        "/execute/sync",
        json!({"script": "return document.querySelectorAll('svg[role=img]').length", "args": []}),
    );
    assert_eq!(charts, json!(5), "one chart per figure");
    let shot = browser.screenshot("figures.png");
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    browser.click("button[aria-label='Sign out']");
    assert!(browser.wait_for("/office/login").ends_with("/office/login"));
    browser.go(&format!("{base}/office"));
    assert!(browser.wait_for("/office/login").ends_with("/office/login"), "signed out is signed out");
}
