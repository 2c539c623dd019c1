//! Durable sale completion: every sale its own transaction with fsync (WAL, synchronous=FULL),
//! measured per sale and compared with a bare SQLite insert + fsync on the same disk.
//! Target: p99 of a sale within 2x of the bare insert's p99.
//!
//! `cargo bench --bench durability` prints p50, p99 and sales per second. Set TILL_BENCH_DIR to
//! measure on another disk (the terminal's own).

use rusqlite::Connection;
use serde_json::json;
use std::time::{Duration, Instant};
use till::config::Config;
use till::service::{Command, Session};

const N: usize = 2000;

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut d: Vec<Duration>) -> Duration {
    d.sort();
    let total: Duration = d.iter().sum();
    let p99 = pct(&d, 0.99);
    println!(
        "{name:<34} p50 {:>8.3} ms   p99 {:>8.3} ms   mean {:>8.3} ms   {:>7.0} per second",
        pct(&d, 0.50).as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3 / d.len() as f64,
        d.len() as f64 / total.as_secs_f64()
    );
    p99
}

fn cmd(v: serde_json::Value) -> Command {
    serde_json::from_value(v).expect("command")
}

fn main() {
    // `cargo test --benches` runs benches in test mode: keep that quick.
    let n = if std::env::args().any(|a| a == "--bench") { N } else { 20 };
    let base = std::env::var_os("TILL_BENCH_DIR").map(Into::into).unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::tempdir_in(base).expect("temp dir");

    // Baseline: one row, one transaction, one fsync.
    let conn = Connection::open(dir.path().join("bare.sqlite")).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL").expect("wal");
    conn.pragma_update(None, "synchronous", "FULL").expect("full");
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)").expect("table");
    let payload = "x".repeat(1500);

    // Till: a five-line ticket tendered in cash; only the tender (pricing, receipt number,
    // sale, lines, taxes, payments, journal entry, outbox row, commit) is timed.
    let mut session = Session::open(Config::demo().expect("demo"), &dir.path().join("till")).expect("session");
    session.execute(cmd(json!({"cmd":"login","pin":"1111"}))).expect("login");
    session.execute(cmd(json!({"cmd":"open_shift","float":"100.00"}))).expect("shift");

    // The two are interleaved, one bare insert then one sale, so that both see the same disk
    // and the same machine load.
    let mut bare = Vec::with_capacity(n);
    let mut sales = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        conn.execute("INSERT INTO t (payload) VALUES (?1)", [&payload]).expect("insert");
        bare.push(t.elapsed());

        for code in ["4006381333931", "90162602", "4006381333931"] {
            session.execute(cmd(json!({"cmd":"scan","code":code}))).expect("scan");
        }
        session.execute(cmd(json!({"cmd":"add","sku":"BEV-0001","qty":"2"}))).expect("add");
        let tender = cmd(json!({"cmd":"tender","method":"cash","amount":"50.00"}));
        let t = Instant::now();
        let out = session.execute(tender).expect("tender");
        sales.push(t.elapsed());
        assert!(out.sale.is_some());
        // As the exec loop and the screens do once a sale has been answered.
        session.idle();
    }
    println!("durable commit, {n} each, in {}", dir.path().display());
    let b = report("bare insert + fsync", bare);
    let s = report("till sale completion", sales);
    println!("sale p99 / bare p99 = {:.2} (target <= 2.0)", s.as_secs_f64() / b.as_secs_f64());
}
