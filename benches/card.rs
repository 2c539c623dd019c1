//! A card sale through the ZVT card terminal, end to end: `tender` by card through `till exec`'s
//! runner against the simulated terminal over loopback TCP (connect, registration,
//! authorization, intermediate status, the status information, the sale committed with fsync,
//! "goods issued", print lines, completion), compared with a cash tender on the same store.
//!
//! `cargo bench --bench card` prints p50 and p99 of each; the difference is what the terminal's
//! protocol and the payment intent add to a sale (the simulator answers at once; a real
//! terminal's customer time is not in it). The first line is Till's own time as the terminal
//! sees it: from the status information sent to the till's `80 00 00` read, which spans the
//! approval reaching the session, the sale committed with fsync and the answer (target p99
//! under 5 ms).

use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use till::config::{CardTerminalConfig, Config};
use till::effects::Executor;
use till::service::{Command, Session};
use till_hardware::zvt::sim::{self, SimState};

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

fn main() {
    let n = if std::env::args().any(|a| a == "--bench") { 500 } else { 5 };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = format!("tcp://{}", listener.local_addr().expect("addr"));
    let state = Arc::new(Mutex::new(SimState::default()));
    let s = state.clone();
    std::thread::spawn(move || sim::serve_tcp(listener, s));

    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::demo().expect("demo");
    let terminal = CardTerminalConfig { port, password: 0, currency_numeric: 978 };
    config.card_terminal = Some(terminal.clone());
    let mut session = Session::open(config, dir.path()).expect("session");
    let executor = Executor { card: Some(till::devices::card::CardTerminal::open(&terminal)), ..Executor::default() };
    let mut runner = till::exec::Runner::new(&mut session, executor).expect("runner");
    runner.execute(cmd(json!({"cmd":"login","pin":"1111"}))).expect("login");
    runner.execute(cmd(json!({"cmd":"open_shift","float":"100.00"}))).expect("shift");

    let (mut card, mut cash) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        runner.execute(cmd(json!({"cmd":"add","sku":"BEV-0001","qty":"2"}))).expect("add");
        let t = Instant::now();
        let out = runner.execute(cmd(json!({"cmd":"tender","method":"card"}))).expect("card");
        card.push(t.elapsed());
        assert!(out.sale.is_some(), "the card sale is stored");
        runner.execute(cmd(json!({"cmd":"add","sku":"BEV-0001","qty":"2"}))).expect("add");
        let t = Instant::now();
        runner.execute(cmd(json!({"cmd":"tender","method":"cash","amount":"10.00"}))).expect("cash");
        cash.push(t.elapsed());
    }
    let charged = state.lock().map(|s| s.journal.iter().filter(|t| t.stands).count()).unwrap_or(0);
    assert_eq!(charged, n, "every card charged once");
    let answers = state.lock().map(|s| s.answer_times.clone()).unwrap_or_default();
    report("status info -> 80 00 00 (till)", answers);
    report("card sale via ZVT (loopback)", card);
    report("cash sale", cash);
}
