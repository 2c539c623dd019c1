//! `till backup` on a store with a year of a busy station's sales (500 a day, real sales made
//! through the session, so the journal verifies), and what it does to a sale's commit: the
//! commit latency idle and while copies are being taken, side by side.
//! Target: p99 during a backup within 2x of the idle p99.
//!
//! `cargo bench --bench backup` (a year: 182,500 sales, generated on /dev/shm where fsync is
//! free, then moved to the disk under test). TILL_BENCH_DIR measures on another disk;
//! TILL_BENCH_DAYS changes the store's size, TILL_BENCH_PACE_MS the time between sales.

use serde_json::json;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use till::config::Config;
use till::service::{Command, Session};

const PER_DAY: usize = 500;

fn cmd(v: serde_json::Value) -> Command {
    serde_json::from_value(v).expect("command")
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One sale of two to five lines, tendered by card; the tender (the commit) is timed.
fn sale(session: &mut Session, i: usize) -> Duration {
    let codes = ["4006381333931", "90162602", "4006381333931", "90162602", "4006381333931"];
    for code in &codes[..2 + i % 4] {
        session.execute(cmd(json!({"cmd":"scan","code":code}))).expect("scan");
    }
    if i.is_multiple_of(7) {
        session.execute(cmd(json!({"cmd":"add","sku":"BEV-0001","qty":"2"}))).expect("add");
    }
    let due = session.execute(cmd(json!({"cmd":"ticket"}))).expect("ticket");
    let total = due.ticket.as_ref().map(|t| t.total.to_string()).expect("a ticket");
    let t = Instant::now();
    let out = session.execute(cmd(json!({"cmd":"tender","method":"card","amount":total}))).expect("tender");
    let took = t.elapsed();
    assert!(out.sale.is_some(), "a sale");
    session.idle();
    took
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for e in std::fs::read_dir(from).expect("read") {
        let e = e.expect("entry");
        if e.file_type().expect("type").is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
        }
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let days: usize =
        std::env::var("TILL_BENCH_DAYS").ok().and_then(|d| d.parse().ok()).unwrap_or(if full { 365 } else { 1 });
    let probes = if full { 400 } else { 20 };
    let base = std::env::var_os("TILL_BENCH_DIR").map(Into::into).unwrap_or_else(std::env::temp_dir);
    let work = tempfile::tempdir_in(&base).expect("temp dir");
    let shm = Path::new("/dev/shm");
    let gen = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir_in(&base) }.expect("gen dir");

    // The year, made where fsync costs nothing.
    let t = Instant::now();
    {
        let mut session = Session::open(Config::demo().expect("demo"), gen.path()).expect("session");
        session.execute(cmd(json!({"cmd":"login","pin":"1111"}))).expect("login");
        session.execute(cmd(json!({"cmd":"open_shift","float":"100.00"}))).expect("shift");
        for day in 0..days {
            for i in 0..PER_DAY {
                sale(&mut session, day * PER_DAY + i);
            }
            // The day's end: the drawer counted (card sales only: the float) and the shift
            // closed; the next day's opened.
            let count = cmd(json!({"cmd":"count","tenders":[{"method":"cash","amount":"100.00"}]}));
            session.execute(count).expect("count");
            session.execute(cmd(json!({"cmd":"close_shift"}))).expect("close shift");
            session.execute(cmd(json!({"cmd":"open_shift","float":"100.00"}))).expect("shift");
        }
    }
    println!("generated {} sales ({days} days x {PER_DAY}) in {:.1} s", days * PER_DAY, t.elapsed().as_secs_f64());
    let data = work.path().join("till");
    copy_dir(gen.path(), &data);
    drop(gen);
    let size = std::fs::metadata(data.join("till.sqlite")).expect("store").len();
    println!("store: {:.1} MB on {}", size as f64 / 1e6, base.display());

    let mut session = Session::open(Config::demo().expect("demo"), &data).expect("session");
    session.execute(cmd(json!({"cmd":"login","pin":"1111"}))).expect("login");
    // Sales TILL_BENCH_PACE_MS apart (250 ms: a hundred times a busy counter's peak), idle and
    // then while one copy is taken in another thread, for as long as it takes. (At a far
    // faster pace the write-ahead log grows past the auto-checkpoint mark during a long copy,
    // since the copy's snapshot holds it, and every commit then tries a checkpoint.)
    let pace = std::env::var("TILL_BENCH_PACE_MS").ok().and_then(|p| p.parse().ok()).unwrap_or(250);
    let pause = Duration::from_millis(if full { pace } else { 5 });
    let mut idle = Vec::new();
    for i in 0..probes {
        idle.push(sale(&mut session, i));
        std::thread::sleep(pause);
    }
    let copies = work.path().join("copies");
    let running = Arc::new(AtomicBool::new(true));
    let (r, d, c) = (running.clone(), data.clone(), copies.clone());
    let backup = std::thread::spawn(move || {
        let t = Instant::now();
        let taken =
            till::store::backup::take(&d, &c, "DEMO-01", None, 2, time::OffsetDateTime::now_utc()).expect("backup");
        r.store(false, Ordering::SeqCst);
        (t.elapsed(), taken.bytes, taken.info.sales)
    });
    let mut during = Vec::new();
    while running.load(Ordering::SeqCst) {
        during.push(sale(&mut session, during.len()));
        std::thread::sleep(pause);
    }
    let runs = [backup.join().expect("backup")];

    idle.sort();
    during.sort();
    for (took, bytes, sales) in &runs {
        println!(
            "backup (copy + journal verification): {:.2} s, {:.1} MB, {sales} sales",
            took.as_secs_f64(),
            *bytes as f64 / 1e6
        );
    }
    let (pi, pd) = (pct(&idle, 0.99), pct(&during, 0.99));
    println!(
        "commit idle:          p50 {:>7.3} ms   p99 {:>7.3} ms   ({} sales)",
        ms(pct(&idle, 0.5)),
        ms(pi),
        idle.len()
    );
    println!(
        "commit during backup: p50 {:>7.3} ms   p99 {:>7.3} ms   ({} sales)",
        ms(pct(&during, 0.5)),
        ms(pd),
        during.len()
    );
    println!("p99 during / idle = {:.2} (target <= 2.0)", pd.as_secs_f64() / pi.as_secs_f64());
}
