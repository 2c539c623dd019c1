//! Head office ingest under load: many simulated terminals, each a real outbox (a copy of a store
//! holding a day of sales) drained by the terminal's own push task (`SyncTask`, one thread each),
//! all pushing at once to `till-central` on PostgreSQL (a throwaway cluster, fsync on) over
//! loopback. Reports events per second from the first push to the last event stored, the batch
//! answer's p50/p99 (timed in the server, from the request read to the answer written), and
//! checks at the end that every event of every terminal is stored exactly once.
//!
//! `cargo bench -p till --bench central_ingest` (100 and 1,000 terminals, each in its own process;
//! targets: at least 10,000 events/s, p99 under 100 ms at 1,000 terminals).
//! `-- --terminals N --sales S` runs one size.

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

fn run(terminals: usize, sales: usize) {
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
    // The server, with each upload's answer timed.
    let times: Arc<Mutex<Vec<u64>>> = Arc::default();
    let recorder = times.clone();
    let app = central.clone().router().layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let recorder = recorder.clone();
            async move {
                let upload = req.method() == axum::http::Method::POST;
                let t = Instant::now();
                let answer = next.run(req).await;
                if upload {
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

    // Each terminal's outbox: the template, its events made its own.
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
        paths.push(path);
    }
    let expected = per_terminal * terminals as i64;
    let start = Instant::now();
    let tasks: Vec<SyncTask> = ids
        .iter()
        .zip(&tokens)
        .zip(&paths)
        .map(|((id, token), path)| {
            let cfg = SyncConfig {
                url: format!("http://{addr}"),
                token: token.clone(),
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
    loop {
        if stored() >= expected {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(900), "{} of {expected} stored", stored());
        std::thread::sleep(Duration::from_millis(100));
    }
    let took = start.elapsed();
    drop(tasks);
    // Exactly once: as many rows as events, one per (terminal, event), every outbox all sent.
    let check = pg
        .psql(&db, "SELECT count(*), count(DISTINCT (terminal_id, event_id)), count(DISTINCT terminal_id) FROM events")
        .expect("check");
    assert_eq!(check.trim(), format!("{expected}|{expected}|{terminals}"), "every event exactly once");
    std::thread::sleep(Duration::from_millis(500));
    let unsent: i64 = paths
        .iter()
        .map(|p| {
            let db = rusqlite::Connection::open(p).expect("open");
            db.query_row("SELECT count(*) FROM outbox WHERE state <> 'sent'", [], |r| r.get::<_, i64>(0)).unwrap_or(-1)
        })
        .sum();
    let mut t = times.lock().map(|t| t.clone()).unwrap_or_default();
    t.sort_unstable();
    let pct = |p: usize| t.get(t.len().saturating_sub(1) * p / 100).copied().unwrap_or(0) as f64 / 1000.0;
    println!(
        "{terminals:>5} terminals x {per_terminal} events: {expected} events in {:.2} s = {:.0} events/s; {} batches, answer p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; exactly once: yes; outbox rows not yet marked sent: {unsent}",
        took.as_secs_f64(),
        expected as f64 / took.as_secs_f64(),
        t.len(),
        pct(50),
        pct(99),
        pct(100),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg =
        |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok());
    if let Some(n) = arg("--terminals") {
        run(n, arg("--sales").unwrap_or(200));
        return;
    }
    let exe = std::env::current_exe().expect("exe");
    for n in [100, 1000] {
        let status = std::process::Command::new(&exe).args(["--terminals", &n.to_string()]).status().expect("child");
        assert!(status.success());
    }
}
