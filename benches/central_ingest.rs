//! Head office ingest under load: many simulated terminals, each a real outbox (a copy of a store
//! holding a day of sales) drained by the terminal's own push task (`SyncTask`, one thread each),
//! all pushing to `till-central` on PostgreSQL (a throwaway cluster, fsync on) over loopback, on
//! the same machine. Two loads:
//!
//! - **backlog**: every terminal's whole outbox (201 events) at once, in batches of 200: the most
//!   the head office ingests (events per second from the first push to the last event stored).
//!   Every terminal has a batch in flight all the time, so a batch's answer time here is mostly
//!   its wait for its turn (Little's law: terminals in flight / batches per second).
//! - **steady**: events released into each outbox at a fixed rate (as sales are made), each
//!   terminal nudged and pushing what it has: the answer's p50/p99 at that rate, the rate
//!   actually sustained, and nothing left behind.
//!
//! Answers are timed in the server, from the request read to the answer written. At the end
//! every event of every terminal is checked stored exactly once.
//!
//! `cargo bench -p till --bench central_ingest` (backlog at 100 and 1,000 terminals, steady at
//! 1,000 terminals at three rates; each in its own process). `-- --terminals N --steady
//! EVENTS_PER_S --every SECONDS` runs one.
//! Targets: at least 10,000 events/s sustained, p99 under 100 ms at 1,000 terminals.

use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use till::config::{Config, SyncConfig};
use till::service::{Command, Session};
use till::sync::{SyncTask, Terminal};
use till_central::pg::{admin, PgCentral};
use till_central::pgtest::PgCluster;

fn cmd(v: serde_json::Value) -> Command {
    serde_json::from_value(v).expect("command")
}

/// A store with a shift and `sales` sales, unsent, as one clean file; its event count.
fn template(dir: &std::path::Path, sales: usize) -> (std::path::PathBuf, i64) {
    let mut s = Session::open(Config::demo().expect("demo"), &dir.join("template")).expect("session");
    s.execute(cmd(json!({"cmd":"login","pin":"1111"}))).expect("login");
    s.execute(cmd(json!({"cmd":"open_shift","float":"100.00"}))).expect("shift");
    for i in 0..sales {
        let sku = ["BEV-0001", "BEV-0002", "SNK-0001"][i % 3];
        s.execute(cmd(json!({"cmd":"add","sku":sku}))).expect("add");
        s.execute(cmd(json!({"cmd":"add","sku":"BEV-0003"}))).expect("add");
        s.execute(cmd(json!({"cmd":"tender","method":"cash"}))).expect("tender");
    }
    let events = s.unsent().expect("unsent");
    let path = s.db_path().to_path_buf();
    drop(s);
    let clean = dir.join("template.sqlite");
    let db = rusqlite::Connection::open(&path).expect("open");
    db.execute("VACUUM INTO ?1", [clean.to_str().expect("path")]).expect("vacuum");
    (clean, events)
}

/// Percentiles of answer times in microseconds, in ms.
fn pct(t: &[u64], p: usize) -> f64 {
    t.get(t.len().saturating_sub(1) * p / 100).copied().unwrap_or(0) as f64 / 1000.0
}

/// One run: `terminals` terminals, each with the template's outbox; `steady` is None for the
/// backlog, or the total events per second released into the outboxes.
fn run(terminals: usize, sales: usize, steady: Option<usize>, every: u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (template, per_terminal) = template(dir.path(), sales);
    let pg = PgCluster::start().expect("PostgreSQL (apt-get install postgresql)");
    let url = pg.database().expect("database");
    let db = url.rsplit('/').next().unwrap_or_default().to_string();
    let central = PgCentral::connect(&url, 24).expect("pool");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let ids: Vec<String> = (1..=terminals).map(|i| format!("T{i:05}")).collect();
    let tokens: Vec<String> = rt.block_on(async {
        central.migrate().await.expect("migrate");
        let client = central.client().await.expect("client");
        let chain = admin::add_chain(&client, "LOAD", "Load test", "EUR", 2).await.expect("chain");
        let mut tokens = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            if i % 10 == 0 {
                admin::add_site(&client, chain, &format!("S{:04}", i / 10), "Site", "UTC").await.expect("site");
            }
            tokens.push(admin::add_terminal(&client, chain, &format!("S{:04}", i / 10), id).await.expect("terminal"));
        }
        tokens
    });
    // The server, with each upload's answer timed (once `timing` is on).
    let times: Arc<Mutex<Vec<u64>>> = Arc::default();
    let timing = Arc::new(std::sync::atomic::AtomicBool::new(steady.is_none()));
    let (recorder, on) = (times.clone(), timing.clone());
    let app = central.clone().router().layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let (recorder, on) = (recorder.clone(), on.clone());
            async move {
                let upload = req.method() == axum::http::Method::POST;
                let t = Instant::now();
                let answer = next.run(req).await;
                if upload && on.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Ok(mut r) = recorder.lock() {
                        r.push(t.elapsed().as_micros() as u64);
                    }
                }
                answer
            }
        },
    ));
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    rt.spawn(async move { axum::serve(listener, app).await });

    // Each terminal's outbox: the template, its events made its own. For a steady load they are
    // held back (parked) and released at the rate.
    let mut paths = Vec::new();
    for id in &ids {
        let path = dir.path().join(format!("{id}.sqlite"));
        std::fs::copy(&template, &path).expect("copy");
        let db = rusqlite::Connection::open(&path).expect("open");
        db.execute(
            "UPDATE outbox SET payload = replace(payload, '\"terminal_id\":\"DEMO-01\"', '\"terminal_id\":\"' || ?1 || '\"')",
            [id],
        )
        .expect("rewrite");
        if steady.is_some() {
            db.execute("UPDATE outbox SET state = 'parked'", []).expect("hold");
        }
        paths.push(path);
    }
    let start = Instant::now();
    let tasks: Vec<SyncTask> = ids
        .iter()
        .zip(&tokens)
        .zip(&paths)
        .map(|((id, token), path)| {
            let cfg = SyncConfig {
                url: format!("http://{addr}"),
                token: token.clone(),
                // The default: pushes come from the nudges; the price book is asked for every 15 s.
                interval: Duration::from_secs(15),
                batch_size: 200,
                timeout: Duration::from_secs(30),
                retry_base: Duration::from_millis(200),
            };
            let terminal = Terminal { id: id.clone(), currency: "EUR".into(), minor_units: 2, grades: vec![] };
            SyncTask::start(cfg, terminal, path.clone())
        })
        .collect();
    let stored =
        || pg.psql(&db, "SELECT count(*) FROM events").ok().and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or(0);
    let mut steady_took = Duration::ZERO;
    let expected = match steady {
        None => {
            while stored() < per_terminal * terminals as i64 {
                assert!(start.elapsed() < Duration::from_secs(900), "{} stored", stored());
                std::thread::sleep(Duration::from_millis(100));
            }
            per_terminal * terminals as i64
        }
        Some(rate) => {
            // Timed from the first release to the last event stored.
            let began = Instant::now();
            let released = release(&paths, &tasks, rate, every, per_terminal, &timing);
            while stored() < released {
                assert!(began.elapsed() < Duration::from_secs(600), "{} of {released} stored", stored());
                std::thread::sleep(Duration::from_millis(20));
            }
            steady_took = began.elapsed();
            released
        }
    };
    let took = if steady.is_some() { steady_took } else { start.elapsed() };
    drop(tasks);
    // Exactly once: as many rows as events, one per (terminal, event).
    let check = pg.psql(&db, "SELECT count(*), count(DISTINCT (terminal_id, event_id)) FROM events").expect("check");
    assert_eq!(check.trim(), format!("{expected}|{expected}"), "every event exactly once");
    let mut t = times.lock().map(|t| t.clone()).unwrap_or_default();
    t.sort_unstable();
    match steady {
        None => println!(
            "backlog {terminals:>5} terminals x {per_terminal} events: {expected} events in {:.2} s = {:.0} events/s; \
             {} batches, answer (mostly queueing) p50 {:.1} ms, p99 {:.1} ms; exactly once: yes",
            took.as_secs_f64(),
            expected as f64 / took.as_secs_f64(),
            t.len(),
            pct(&t, 50),
            pct(&t, 99),
        ),
        Some(rate) => println!(
            "steady  {terminals:>5} terminals, {rate} events/s offered, each terminal every {every} s: {expected} events released and stored in {:.1} s = {:.0} events/s sustained; \
             {} batches timed, answer p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; exactly once: yes",
            took.as_secs_f64(),
            expected as f64 / took.as_secs_f64(),
            t.len(),
            pct(&t, 50),
            pct(&t, 99),
            pct(&t, 100),
        ),
    }
}

/// Releases `rate` events a second across the outboxes (parked rows made pending, oldest first,
/// and the terminal nudged, as a sale does). Each terminal gets its share every `every` seconds,
/// the terminals spread evenly over that time (10 steps a second), until its outbox is all
/// released. Answers are timed after the first two rounds. Returns the events released.
fn release(
    paths: &[std::path::PathBuf],
    tasks: &[SyncTask],
    rate: usize,
    every: u64,
    per_terminal: i64,
    timing: &std::sync::atomic::AtomicBool,
) -> i64 {
    let share = ((rate as u64 * every) as usize / paths.len()).max(1) as i64;
    let conns: Vec<rusqlite::Connection> = paths
        .iter()
        .map(|p| {
            let c = rusqlite::Connection::open(p).expect("open");
            // The rig's own writes, not the system under test's.
            c.pragma_update(None, "synchronous", "OFF").expect("pragma");
            c.busy_timeout(Duration::from_secs(5)).expect("busy");
            c
        })
        .collect();
    let slots = (every * 10) as usize;
    let rounds = per_terminal / share;
    let mut released = 0;
    let start = Instant::now();
    for step in 0..rounds as usize * slots {
        if step == 2 * slots {
            timing.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        for (i, (c, task)) in conns.iter().zip(tasks).enumerate() {
            if i % slots != step % slots {
                continue;
            }
            released += c
                .execute(
                    "UPDATE outbox SET state = 'pending' WHERE id IN
                     (SELECT id FROM outbox WHERE state = 'parked' ORDER BY id LIMIT ?1)",
                    [share],
                )
                .expect("release") as i64;
            task.nudge();
        }
        let next = Duration::from_millis(100 * (step as u64 + 1));
        if let Some(wait) = next.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
    }
    timing.store(false, std::sync::atomic::Ordering::Relaxed);
    released
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg =
        |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok());
    if let Some(n) = arg("--terminals") {
        run(n, arg("--sales").unwrap_or(200), arg("--steady"), arg("--every").unwrap_or(5) as u64);
        return;
    }
    let exe = std::env::current_exe().expect("exe");
    let runs: [&[&str]; 5] = [
        &["--terminals", "100"],
        &["--terminals", "1000"],
        &["--terminals", "1000", "--steady", "10000", "--every", "5"],
        &["--terminals", "1000", "--steady", "5000", "--every", "5"],
        &["--terminals", "1000", "--steady", "2000", "--every", "2"],
    ];
    for args in runs {
        let status = std::process::Command::new(&exe).args(args).status().expect("child");
        assert!(status.success());
    }
}
