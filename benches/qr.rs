//! A QR wallet sale through `till exec`'s runner against the reference provider on loopback
//! HTTP. Two figures:
//! - "paid -> durable sale (till)": Till's own time from the provider's "paid" answer reaching
//!   the session to the sale committed with fsync (target p99 under 5 ms, as for cards);
//! - "qr_check -> sale (loopback)": the status request over HTTP and the same commit.
//!
//! `cargo bench --bench qr` prints p50 and p99 of each.

use serde_json::json;
use std::io::{Read, Write};
use std::time::{Duration, Instant};
use till::config::{Config, QrConfig};
use till::devices::qr::{QrAnswer, QrOp, QrPayment, QrStatus};
use till::effects::Executor;
use till::service::{Command, Session};

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut d: Vec<Duration>) {
    d.sort();
    println!(
        "{name:<30} p50 {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms",
        pct(&d, 0.50).as_secs_f64() * 1e3,
        pct(&d, 0.99).as_secs_f64() * 1e3,
        d.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
}

fn cmd(v: serde_json::Value) -> Command {
    serde_json::from_value(v).expect("command")
}

/// The provider's operator interface: the newest payment is paid.
fn pay_last(url: &str) {
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("provider");
    write!(s, "POST /sim/payments/last/pay HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .expect("ask");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

fn main() {
    let n = if std::env::args().any(|a| a == "--bench") { 500 } else { 5 };
    let opts = till::cli::sim_qr::Options {
        token: "bench".into(),
        expire_after: Duration::from_secs(3600),
        auto_pay: None,
        state: None,
    };
    let url = till::cli::sim_qr::start("127.0.0.1:0", opts).expect("provider");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::demo().expect("demo");
    let qr = QrConfig {
        url: url.clone(),
        token: "bench".into(),
        poll: Duration::from_secs(3),
        timeout: Duration::from_secs(5),
    };
    config.qr = Some(qr.clone());
    let mut session = Session::open(config, dir.path()).expect("session");
    let executor = Executor { qr: Some(till::devices::qr::QrProvider::open(&qr, false)), ..Executor::default() };
    let mut runner = till::exec::Runner::new(&mut session, executor).expect("runner");
    runner.execute(cmd(json!({"cmd":"login","pin":"1111"}))).expect("login");
    runner.execute(cmd(json!({"cmd":"open_shift","float":"100.00"}))).expect("shift");

    let (mut own, mut checked) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut intent = 0;
    for _ in 0..n {
        runner.execute(cmd(json!({"cmd":"add","sku":"BEV-0001","qty":"2"}))).expect("add");
        let out = runner.execute(cmd(json!({"cmd":"tender","method":"qr"}))).expect("qr");
        let view = out.card.expect("a QR payment in progress");
        intent += 1;
        // Till's own part: the provider's "paid" handed to the session, the sale stored.
        let paid = QrPayment {
            reference: view.reference.clone(),
            amount_minor: 438,
            currency: "EUR".into(),
            status: QrStatus::Paid,
            qr: None,
            expires_at: None,
            paid_at: None,
            provider_ref: Some(format!("BENCH-{intent}")),
            wallet: None,
        };
        pay_last(&url);
        let t = Instant::now();
        let out = runner
            .execute(Command::QrAnswered { intent, op: QrOp::Poll, answer: QrAnswer::Payment(paid) })
            .expect("paid");
        own.push(t.elapsed());
        assert!(out.sale.is_some(), "the QR sale is stored");

        runner.execute(cmd(json!({"cmd":"add","sku":"BEV-0001","qty":"2"}))).expect("add");
        runner.execute(cmd(json!({"cmd":"tender","method":"qr"}))).expect("qr");
        intent += 1;
        pay_last(&url);
        let t = Instant::now();
        let out = runner.execute(cmd(json!({"cmd":"qr_check"}))).expect("check");
        checked.push(t.elapsed());
        assert!(out.sale.is_some(), "the QR sale is stored");
    }
    report("paid -> durable sale (till)", own);
    report("qr_check -> sale (loopback)", checked);
}
