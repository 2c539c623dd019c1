//! Draining a backlog of sales to the reference receiver on loopback: the time to deliver every
//! event, and the memory it takes. Each backlog size runs in a fresh child process, so its peak
//! resident memory (VmHWM) is its own: the drain holds one batch at a time, so the peak should
//! not grow with the backlog.
//!
//! A third run makes sales while a 10,000-sale backlog drains: the push task's writes (marking
//! events sent) share the database with the sales' commits.
//!
//! `cargo bench -p till --bench sync_drain` (targets: 10,000 sales in under 10 s; flat memory).

use serde_json::json;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use till::config::{Config, SyncConfig};
use till::service::{Command, Session};
use till::sync::{SyncTask, Terminal};
use till_central::Central;

fn kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn cmd(v: serde_json::Value) -> Command {
    serde_json::from_value(v).expect("command")
}

/// Times `count` sales (the tender, which commits): p50 and p99 in ms.
fn timed_sales(s: &mut Session, count: usize) -> (f64, f64) {
    let mut t = Vec::with_capacity(count);
    for i in 0..count {
        let sku = ["BEV-0001", "BEV-0002", "SNK-0001"][i % 3];
        s.execute(cmd(json!({"cmd":"add","sku":sku}))).expect("add");
        let start = Instant::now();
        s.execute(cmd(json!({"cmd":"tender","method":"cash"}))).expect("tender");
        t.push(start.elapsed().as_secs_f64() * 1000.0);
        s.idle();
        // A busy counter rings up a sale every few seconds; 2 ms here still leaves the push
        // task only the gaps between sales.
        std::thread::sleep(Duration::from_millis(2));
    }
    t.sort_by(f64::total_cmp);
    (t[count / 2], t[count * 99 / 100])
}

/// One run: builds a backlog of `n` sales with the endpoint away, then drains it. With `mixed`,
/// sales go on while it drains, and their commit latency is compared with sales made before.
fn run(n: usize, mixed: bool) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = Session::open(Config::demo().expect("demo"), &dir.path().join("till")).expect("session");
    s.execute(cmd(json!({"cmd":"login","pin":"1111"}))).expect("login");
    s.execute(cmd(json!({"cmd":"open_shift","float":"100.00"}))).expect("shift");
    for i in 0..n {
        let sku = ["BEV-0001", "BEV-0002", "SNK-0001"][i % 3];
        s.execute(cmd(json!({"cmd":"add","sku":sku}))).expect("add");
        s.execute(cmd(json!({"cmd":"add","sku":"BEV-0003"}))).expect("add");
        s.execute(cmd(json!({"cmd":"tender","method":"cash"}))).expect("tender");
    }
    let events = s.unsent().expect("unsent");
    let central = Central::open(&dir.path().join("central.sqlite"), HashMap::from([("DEMO-01".into(), "t".into())]))
        .expect("central");
    let addr = central.clone().spawn("127.0.0.1:0").expect("spawn");
    let rss_before = kib("VmRSS:");
    let c = s.config();
    let terminal = Terminal {
        id: c.terminal_id.clone(),
        currency: c.pricing.currency.code.clone(),
        minor_units: c.pricing.currency.minor_units,
        grades: vec![],
    };
    let cfg = SyncConfig {
        url: format!("http://{addr}"),
        token: "t".into(),
        interval: Duration::from_secs(15),
        batch_size: 200,
        timeout: Duration::from_secs(10),
        retry_base: Duration::from_secs(1),
    };
    if mixed {
        let (p50, p99) = timed_sales(&mut s, 1000);
        let sync = SyncTask::start(cfg, terminal, s.db_path().to_path_buf());
        let before = s.unsent().unwrap_or(0);
        let (dp50, dp99) = timed_sales(&mut s, 1000);
        let sent = before + 1000 - s.unsent().unwrap_or(0);
        println!(
            "sales while {n} sales drain: p50 {dp50:.3} ms, p99 {dp99:.3} ms (before the push: p50 {p50:.3} ms, p99 {p99:.3} ms); {sent} events delivered meanwhile"
        );
        drop(sync);
        return;
    }
    let t = Instant::now();
    let sync = SyncTask::start(cfg, terminal, s.db_path().to_path_buf());
    let mut peak_rss = rss_before;
    loop {
        peak_rss = peak_rss.max(kib("VmRSS:"));
        let st = sync.status();
        if st.pending == 0 && st.last_success.is_some() && s.unsent().unwrap_or(1) == 0 {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(120), "{st:?}");
        std::thread::sleep(Duration::from_millis(2));
    }
    let took = t.elapsed();
    let stored = central.events("DEMO-01").expect("events").len();
    assert_eq!(stored as i64, events, "every event once");
    println!(
        "backlog {n:>6} sales ({events} events): drained in {:>6.2} s ({:>6.0} events/s); RSS {} MiB before, peak {} MiB during (+{} MiB)",
        took.as_secs_f64(),
        events as f64 / took.as_secs_f64(),
        rss_before / 1024,
        peak_rss / 1024,
        peak_rss.saturating_sub(rss_before) / 1024
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(n) = args.iter().position(|a| a == "--backlog").and_then(|i| args.get(i + 1)) {
        run(n.parse().expect("a number"), args.iter().any(|a| a == "--mixed"));
        return;
    }
    // `cargo bench` passes `--bench`; each size runs in its own process.
    let exe = std::env::current_exe().expect("exe");
    for n in [1_000, 10_000] {
        let status = std::process::Command::new(&exe).args(["--backlog", &n.to_string()]).status().expect("child");
        assert!(status.success());
    }
    let status = std::process::Command::new(&exe).args(["--backlog", "10000", "--mixed"]).status().expect("child");
    assert!(status.success());
}
