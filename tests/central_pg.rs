//! Real terminals (`till exec` with `[sync]`) pushing to the PostgreSQL head office while the
//! database is stopped and started again in the middle of the ingest: every sale stays durable
//! at the terminal, the head office answers 503 while its database is away, and in the end it
//! holds every event of every terminal exactly once, in each terminal's order.

mod common;

use serde_json::json;
use std::time::{Duration, Instant};
use till_central::pg::{admin, PgCentral};
use till_central::pgtest::PgCluster;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

fn outbox(data: &std::path::Path) -> Vec<(String, String)> {
    let db = common::db(data);
    let mut stmt = db.prepare("SELECT event_id, state FROM outbox ORDER BY id").unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn terminals_push_through_a_database_restart_and_every_event_lands_once() {
    let pg = PgCluster::start().expect("a throwaway PostgreSQL cluster (apt-get install postgresql)");
    let url = pg.database().unwrap();
    let db = url.rsplit('/').next().unwrap().to_string();
    let central = PgCentral::connect(&url, 8).unwrap();
    let lanes = ["LANE-01", "LANE-02"];
    let tokens = block_on(async {
        central.migrate().await.unwrap();
        let client = central.client().await.unwrap();
        let chain = admin::add_chain(&client, "ACME", "Acme Fuels", "EUR", 2).await.unwrap();
        admin::add_site(&client, chain, "S1", "Main Street", "Europe/Berlin").await.unwrap();
        let mut tokens = Vec::new();
        for lane in lanes {
            tokens.push(admin::add_terminal(&client, chain, "S1", lane).await.unwrap());
        }
        tokens
    });
    let addr = central.spawn("127.0.0.1:0", 2).unwrap();

    let dirs: Vec<tempfile::TempDir> = lanes.iter().map(|_| tempfile::tempdir().unwrap()).collect();
    let mut tills = Vec::new();
    let mut datas = Vec::new();
    for ((lane, token), dir) in lanes.iter().zip(&tokens).zip(&dirs) {
        let (config, data) = common::demo_site(dir.path(), |text| {
            format!(
                "{}\n[sync]\nurl = \"http://{addr}\"\ntoken = \"{token}\"\ninterval_seconds = 1\nbatch_size = 5\nretry_base_ms = 50\n",
                text.replace("id = \"DEMO-01\"", &format!("id = \"{lane}\""))
            )
        });
        let mut till = common::Exec::start(&config, &data);
        common::ok(&till.ask(json!({"cmd": "login", "pin": "1111"})));
        common::ok(&till.ask(json!({"cmd": "open_shift", "float": "100.00"})));
        tills.push(till);
        datas.push(data);
    }
    let sell = |tills: &mut Vec<common::Exec>, n: usize| {
        for _ in 0..n {
            for till in tills.iter_mut() {
                common::ok(&till.ask(json!({"cmd": "add", "sku": "BEV-0001"})));
                common::ok(&till.ask(json!({"cmd": "tender", "method": "cash"})));
            }
        }
    };
    let stored = |lane: &str| -> usize {
        let sql =
            format!("SELECT count(*) FROM events e JOIN terminals t ON t.id = e.terminal_id WHERE t.code = '{lane}'");
        pg.psql(&db, &sql).map(|s| s.trim().parse().unwrap_or(0)).unwrap_or(0)
    };
    sell(&mut tills, 15);
    // Wait until ingest is under way, then take the database away in the middle of it.
    let t = Instant::now();
    while lanes.iter().any(|l| stored(l) == 0) {
        assert!(t.elapsed() < Duration::from_secs(30), "nothing arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
    pg.stop().unwrap();
    let health = common_http_status(addr, "/v1/health");
    assert_eq!(health, 503, "the head office says its database is away");
    // Sales go on at the counter while head office cannot store anything.
    sell(&mut tills, 10);
    std::thread::sleep(Duration::from_secs(2));
    let pending: usize = datas.iter().map(|d| outbox(d).iter().filter(|e| e.1 != "sent").count()).sum();
    assert!(pending > 0, "some events wait while the database is away");
    pg.resume().unwrap();
    sell(&mut tills, 10);

    // Everything arrives: each terminal's outbox all sent, the head office holding each once.
    let t = Instant::now();
    loop {
        let done = datas.iter().all(|d| outbox(d).iter().all(|e| e.1 == "sent"));
        if done {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(90), "not delivered: {}", pg.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    for (lane, data) in lanes.iter().zip(&datas) {
        let sent: Vec<String> = outbox(data).into_iter().map(|e| e.0).collect();
        let sql = format!(
            "SELECT e.event_id FROM events e JOIN terminals t ON t.id = e.terminal_id WHERE t.code = '{lane}' ORDER BY e.seq"
        );
        let held: Vec<String> = pg.psql(&db, &sql).unwrap().lines().map(str::to_string).collect();
        assert_eq!(held, sent, "{lane}: each event exactly once, in outbox order");
        assert!(sent.len() >= 36, "{lane}: the shift and 35 sales: {}", sent.len());
    }
    let ids = pg.psql(&db, "SELECT count(*), count(DISTINCT (terminal_id, event_id)) FROM event_ids").unwrap();
    let (all, distinct) = ids.trim().split_once('|').unwrap();
    assert_eq!(all, distinct);
    for till in tills {
        till.end();
    }
}

/// The status of a GET on the head office.
fn common_http_status(addr: std::net::SocketAddr, path: &str) -> u16 {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}
