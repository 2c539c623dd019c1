//! `till backup` on a store with a year of a busy station's sales (500 a day, real sales made
//! through the session, so the journal verifies), and what it does to a sale's commit: the
//! commit latency idle and while copies are being taken, side by side.
//! Target: p99 during a backup within 2x of the idle p99.
//!
//! `cargo bench --bench backup` (a year: 182,500 sales, generated on /dev/shm where fsync is
//! free, then moved to the disk under test). TILL_BENCH_DIR measures on another disk;
//! TILL_BENCH_DAYS changes the store's size.

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
        for i in 0..days * PER_DAY {
            sale(&mut session, i);
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
    let mut idle: Vec<Duration> = (0..probes).map(|i| sale(&mut session, i)).collect();

    // Copies taken one after another in another thread while the sales go on.
    let copies = work.path().join("copies");
    let running = Arc::new(AtomicBool::new(true));
    let (r, d, c) = (running.clone(), data.clone(), copies.clone());
    let backups = std::thread::spawn(move || {
        let mut runs = Vec::new();
        while r.load(Ordering::SeqCst) {
            let t = Instant::now();
            let taken =
                till::store::backup::take(&d, &c, "DEMO-01", None, 2, time::OffsetDateTime::now_utc()).expect("backup");
            runs.push((t.elapsed(), taken.bytes, taken.info.sales));
        }
        runs
    });
    std::thread::sleep(Duration::from_millis(200));
    let mut during: Vec<Duration> = (0..probes).map(|i| sale(&mut session, i)).collect();
    running.store(false, Ordering::SeqCst);
    let runs = backups.join().expect("backups");

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
        "commit during backup: p50 {:>7.3} ms   p99 {:>7.3} ms   ({} sales, {} backups)",
        ms(pct(&during, 0.5)),
        ms(pd),
        during.len(),
        runs.len()
    );
    println!("p99 during / idle = {:.2} (target <= 2.0)", pd.as_secs_f64() / pi.as_secs_f64());
}
