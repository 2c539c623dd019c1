//! Central sync against the reference receiver on loopback (a real axum server over SQLite):
//! every event arrives exactly once and in order, whatever the network and the server do.

mod common;

use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};
use till::config::{Config, SyncConfig};
use till::service::{Command, Session};
use till::sync::{SyncTask, Terminal};
use till_central::{Central, Fault, Upload};

const TERMINAL: &str = "DEMO-01";
const TOKEN: &str = "till-demo-token";

fn cmd(v: serde_json::Value) -> Command {
    serde_json::from_value(v).unwrap()
}

fn central(dir: &Path) -> Central {
    Central::open(&dir.join("central.sqlite"), HashMap::from([(TERMINAL.to_string(), TOKEN.to_string())])).unwrap()
}

fn sync_config(url: &str) -> SyncConfig {
    SyncConfig {
        url: url.to_string(),
        token: TOKEN.into(),
        interval: Duration::from_millis(100),
        batch_size: 50,
        timeout: Duration::from_millis(800),
        retry_base: Duration::from_millis(20),
    }
}

fn session(dir: &Path) -> Session {
    let mut s = Session::open(Config::demo().unwrap(), &dir.join("till")).unwrap();
    s.execute(cmd(json!({"cmd":"login","pin":"1111"}))).unwrap();
    s.execute(cmd(json!({"cmd":"open_shift","float":"100.00"}))).unwrap();
    s
}

fn start(session: &Session, url: &str) -> SyncTask {
    start_with(session, sync_config(url))
}

fn start_with(session: &Session, cfg: SyncConfig) -> SyncTask {
    let c = session.config();
    let terminal = Terminal {
        id: c.terminal_id.clone(),
        currency: c.pricing.currency.code.clone(),
        minor_units: c.pricing.currency.minor_units,
        grades: c.fuel_grades.iter().map(|g| g.code.clone()).collect(),
    };
    SyncTask::start(cfg, terminal, session.db_path().to_path_buf())
}

fn sell(session: &mut Session, n: usize) {
    for i in 0..n {
        let sku = ["BEV-0001", "BEV-0002", "SNK-0001"][i % 3];
        session.execute(cmd(json!({"cmd":"add","sku":sku}))).unwrap();
        let out = session.execute(cmd(json!({"cmd":"tender","method":"cash"}))).unwrap();
        if out.drawer.is_some() {
            // The drawer nears its limit: a drop, as a cashier would make.
            session.execute(cmd(json!({"cmd":"safe_drop","amount":"500.00"}))).unwrap();
        }
    }
}

/// The terminal's outbox: (seq, event id), in order.
fn outbox(dir: &Path) -> Vec<(i64, String)> {
    let db = rusqlite::Connection::open(dir.join("till/till.sqlite")).unwrap();
    let mut stmt = db.prepare("SELECT id, event_id FROM outbox ORDER BY id").unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

/// Waits until nothing is pending, then checks the receiver holds each delivered event exactly
/// once, in outbox order.
fn delivered_exactly_once(dir: &Path, central: &Central, sync: &SyncTask, parked: usize) {
    let t = Instant::now();
    loop {
        let s = sync.status();
        if s.pending == 0
            && s.parked as usize == parked
            && central.events(TERMINAL).unwrap().len() + parked == outbox(dir).len()
        {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "not delivered: {s:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let stored = central.events(TERMINAL).unwrap();
    let ids: Vec<&str> = stored.iter().map(|e| e.event_id.as_str()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "an event was stored twice");
    let seqs: Vec<i64> = stored.iter().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "events arrived out of order: {seqs:?}");
    let ours = outbox(dir);
    for e in &stored {
        assert!(ours.iter().any(|(s, id)| *s == e.seq && *id == e.event_id), "unknown event {e:?}");
    }
}

#[test]
fn sales_made_while_the_endpoint_is_down_arrive_exactly_once_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut s = session(dir.path());
    let sync = start(&s, &format!("http://127.0.0.1:{port}"));
    sell(&mut s, 500);
    // The task has tried and failed. (Its own count of the outbox may be from a round made while
    // the sales were still being written: after failures its backoff is not cut short by a
    // sale, so on a loaded machine the next round can be far off. The store is what counts.)
    let t = std::time::Instant::now();
    let st = loop {
        let st = sync.status();
        if st.error.is_some() || t.elapsed() > Duration::from_secs(20) {
            break st;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(st.error.is_some() && s.unsent().unwrap() >= 500, "{st:?}");
    // Every sale is stored locally; nothing has been marked sent.
    assert_eq!(s.unsent().unwrap() as usize, outbox(dir.path()).len());

    let central = central(dir.path());
    central.clone().spawn(&format!("127.0.0.1:{port}")).unwrap();
    delivered_exactly_once(dir.path(), &central, &sync, 0);
    assert!(outbox(dir.path()).len() >= 501, "500 sales and the shift");
    assert_eq!(s.unsent().unwrap(), 0);
    let st = sync.status();
    assert!(st.last_success.is_some() && st.error.is_none(), "{st:?}");
    // The sales arrived whole: lines, taxes and payments.
    let first_sale = central.events(TERMINAL).unwrap().into_iter().find(|e| e.kind == "sale").unwrap();
    let sale = &first_sale.payload["sale"];
    assert!(sale["lines"].as_array().is_some_and(|l| !l.is_empty()), "{sale}");
    assert!(sale["tax"].as_array().is_some_and(|t| !t.is_empty()));
    assert_eq!(sale["payments"][0]["method"], "cash");
    assert!(sale["total"].is_string(), "money is a decimal string");
}

#[test]
fn errors_timeouts_slow_answers_cut_connections_and_lost_acks_still_give_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path());
    let addr = central.clone().spawn("127.0.0.1:0").unwrap();
    central.inject([
        Fault::Status(500),
        Fault::Status(503),
        Fault::Delay(Duration::from_millis(1500)), // longer than the 800 ms timeout: stored, unseen
        Fault::Delay(Duration::from_millis(300)),  // slow but in time
        Fault::CutAfterStoring,                    // reset mid-answer after the batch was stored
        Fault::RetryAfter(429, 0),
        Fault::CutAfterStoring,
        Fault::Status(502),
        Fault::Html(400), // a proxy's page, not the API's error: nothing is parked for it
    ]);
    let mut s = session(dir.path());
    let sync = start(&s, &format!("http://{addr}"));
    for _ in 0..6 {
        sell(&mut s, 40);
        sync.nudge();
        std::thread::sleep(Duration::from_millis(100));
    }
    delivered_exactly_once(dir.path(), &central, &sync, 0);
    assert!(central.uploads() > 9, "the faults were all met");
}

#[test]
fn a_refused_event_is_parked_with_its_reason_and_the_rest_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path());
    let addr = central.clone().spawn("127.0.0.1:0").unwrap();
    let mut s = session(dir.path());
    sell(&mut s, 30);
    let ids = outbox(dir.path());
    // One event is refused in the answer; another makes its whole batch a 400.
    central.reject_event(&ids[5].1);
    central.poison_event(&ids[12].1);
    let sync = start(&s, &format!("http://{addr}"));
    delivered_exactly_once(dir.path(), &central, &sync, 2);
    let stored: Vec<String> = central.events(TERMINAL).unwrap().into_iter().map(|e| e.event_id).collect();
    assert!(!stored.contains(&ids[5].1) && !stored.contains(&ids[12].1));
    assert_eq!(stored.len(), ids.len() - 2);

    // The manager sees them with the server's reasons, and can send them again.
    s.execute(cmd(json!({"cmd":"logout"}))).unwrap();
    s.execute(cmd(json!({"cmd":"login","pin":"9999"}))).unwrap();
    let parked = s.execute(cmd(json!({"cmd":"parked"}))).unwrap().parked.unwrap();
    assert_eq!(parked.iter().map(|p| p.seq).collect::<Vec<_>>(), [ids[5].0, ids[12].0]);
    assert!(parked[0].reason.starts_with("invalid_payload"), "{}", parked[0].reason);
    assert!(parked[1].reason.contains("invalid_batch"), "{}", parked[1].reason);
    let after = s.execute(cmd(json!({"cmd":"retry_parked","seqs":[ids[5].0]}))).unwrap().parked.unwrap();
    assert_eq!(after.len(), 1);
    sync.nudge();
    // Still refused by this server: parked again, never stored.
    let t = Instant::now();
    while sync.status().parked != 2 || sync.status().pending != 0 {
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", sync.status());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(central.events(TERMINAL).unwrap().len(), ids.len() - 2);
    // A cashier may not see or retry them.
    s.execute(cmd(json!({"cmd":"logout"}))).unwrap();
    s.execute(cmd(json!({"cmd":"login","pin":"1111"}))).unwrap();
    assert!(s.execute(cmd(json!({"cmd":"parked"}))).is_err());
}

#[test]
fn malformed_or_hostile_answers_change_nothing_and_are_logged() {
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path());
    let addr = central.clone().spawn("127.0.0.1:0").unwrap();
    let mut s = session(dir.path());
    sell(&mut s, 10);
    let ids = outbox(dir.path());
    let huge = format!("{{\"accepted\":[\"{}\"],\"pad\":\"{}\"}}", ids[0].1, "x".repeat(2 * 1024 * 1024));
    // The first three go to the whole batch (then its events go one at a time), the last two to
    // the first event alone.
    central.inject([
        Fault::Body(b"<html>proxy error</html>".to_vec()),
        Fault::Body(json!({"accepted":[ids[0].1],"duplicates":[],"rejected":[]}).to_string().into_bytes()),
        Fault::Body(huge.into_bytes()),
        Fault::Body(
            json!({"accepted":[uuid::Uuid::new_v4().to_string()],"duplicates":[],"rejected":[]})
                .to_string()
                .into_bytes(),
        ),
        Fault::Body(json!({"accepted":"all","duplicates":[],"rejected":[]}).to_string().into_bytes()),
    ]);
    let sync = start(&s, &format!("http://{addr}"));
    // While the hostile answers come, nothing is marked sent.
    let db = rusqlite::Connection::open(dir.path().join("till/till.sqlite")).unwrap();
    let sent =
        || -> i64 { db.query_row("SELECT count(*) FROM outbox WHERE state = 'sent'", [], |r| r.get(0)).unwrap() };
    let t = Instant::now();
    while central.uploads() < 5 {
        assert!(t.elapsed() < Duration::from_secs(20));
        assert_eq!(sent(), 0, "an event was marked sent on a hostile answer");
        std::thread::sleep(Duration::from_millis(2));
    }
    delivered_exactly_once(dir.path(), &central, &sync, 0);
    // Each rejected answer was noted on the events it concerned.
    let (attempts, error): (i64, String) = db
        .query_row("SELECT attempts, last_error FROM outbox WHERE id = ?1", [ids[0].0], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert!(attempts >= 6, "{attempts}");
    assert!(error.contains("unusable answer") || error.contains("over"), "{error}");
}

/// An answer that would be usable (it names every event accepted) but for its size: over 1 MiB.
fn oversized_answer(dir: &Path) -> Vec<u8> {
    let ids: Vec<String> = outbox(dir).into_iter().map(|e| e.1).collect();
    let pad = "x".repeat(till::sync::MAX_ANSWER + 1);
    json!({"accepted": ids, "duplicates": [], "rejected": [], "pad": pad}).to_string().into_bytes()
}

/// Sells 5 (six events with the shift), answers the first uploads with `faults`, and checks that
/// the batch went under one key until its third unusable answer (`statuses` are the answers it
/// got), then each event alone under a new key, each once, and nothing more.
fn three_strikes(faults: impl FnOnce(&Path) -> Vec<Fault>, statuses: &[u16]) {
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path());
    let addr = central.clone().spawn("127.0.0.1:0").unwrap();
    let mut s = session(dir.path());
    sell(&mut s, 5);
    let seqs: Vec<i64> = outbox(dir.path()).iter().map(|e| e.0).collect();
    assert_eq!(seqs.len(), 6);
    central.inject(faults(dir.path()));
    let sync = start(&s, &format!("http://{addr}"));
    delivered_exactly_once(dir.path(), &central, &sync, 0);
    let log = central.upload_log();
    let shown: Vec<(&str, &[i64], u16)> = log.iter().map(|u| (&u.key[..8], &u.seqs[..], u.status)).collect();
    assert_eq!(log.len(), statuses.len() + seqs.len(), "{shown:?}");
    let (batch, singles) = log.split_at(statuses.len());
    for u in batch {
        assert_eq!((&u.key, &u.seqs), (&batch[0].key, &seqs), "the same batch under the same key: {shown:?}");
    }
    assert_eq!(batch.iter().map(|u| u.status).collect::<Vec<_>>(), statuses, "{shown:?}");
    for (u, seq) in singles.iter().zip(&seqs) {
        assert_eq!((&u.seqs[..], u.status), (&[*seq][..], 200), "one at a time, in order: {shown:?}");
    }
    let keys: HashSet<&str> = log.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(keys.len(), 1 + seqs.len(), "a new key for each event: {shown:?}");
    // The last unusable answer is noted on the events it concerned.
    let db = rusqlite::Connection::open(dir.path().join("till/till.sqlite")).unwrap();
    let (attempts, error): (i64, String) = db
        .query_row("SELECT attempts, last_error FROM outbox WHERE id = ?1", [seqs[5]], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(attempts as usize, statuses.len() + 1, "{error}");
    assert!(error.starts_with("unusable answer"), "{error}");
}

#[test]
fn an_oversized_answer_with_content_length_is_unusable_and_the_third_sends_the_batch_one_at_a_time() {
    three_strikes(|dir| vec![Fault::Body(oversized_answer(dir)); 3], &[200, 200, 200]);
}

#[test]
fn an_oversized_chunked_answer_is_unusable_and_the_third_sends_the_batch_one_at_a_time() {
    three_strikes(|dir| vec![Fault::Chunked(oversized_answer(dir)); 3], &[200, 200, 200]);
}

#[test]
fn unusable_answers_of_every_kind_count_together_and_a_transport_failure_between_them_does_not_reset() {
    three_strikes(
        |dir| {
            let mut not_utf8 = b"{\"accepted\":[\"".to_vec();
            not_utf8.extend_from_slice(b"\xff\xfe\"],\"duplicates\":[],\"rejected\":[]}");
            vec![
                Fault::Body(oversized_answer(dir)),
                Fault::Status(503),
                Fault::Chunked(oversized_answer(dir)),
                Fault::Body(not_utf8),
            ]
        },
        &[200, 503, 200, 200],
    );
}

/// 45 events in batches of 20, the first `too_large` uploads answered 413: the uploads seen, as
/// (first seq, last seq, status) relative to the outbox (0-based indexes), and a check that every
/// event was taken once.
fn after_413s(too_large: usize) -> Vec<(usize, usize, u16)> {
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path());
    let addr = central.clone().spawn("127.0.0.1:0").unwrap();
    let mut s = session(dir.path());
    sell(&mut s, 44);
    let seqs: Vec<i64> = outbox(dir.path()).iter().map(|e| e.0).collect();
    assert_eq!(seqs.len(), 45);
    central.inject(vec![Fault::Status(413); too_large]);
    let mut cfg = sync_config(&format!("http://{addr}"));
    cfg.batch_size = 20;
    let sync = start_with(&s, cfg);
    delivered_exactly_once(dir.path(), &central, &sync, 0);
    let log: Vec<Upload> = central.upload_log();
    let at = |seq: &i64| seqs.iter().position(|s| s == seq).unwrap();
    let ranges: Vec<(usize, usize, u16)> =
        log.iter().map(|u| (at(&u.seqs[0]), at(&u.seqs[u.seqs.len() - 1]) + 1, u.status)).collect();
    for u in &log {
        let n = u.seqs.len();
        assert_eq!(u.seqs, seqs[at(&u.seqs[0])..at(&u.seqs[0]) + n], "consecutive events: {ranges:?}");
    }
    let taken: Vec<i64> = log.iter().filter(|u| u.status == 200).flat_map(|u| u.seqs.clone()).collect();
    assert_eq!(taken, seqs, "every event taken once, in order: {ranges:?}");
    let keys: HashSet<&str> = log.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(keys.len(), log.len(), "each piece has its own key: {ranges:?}");
    ranges
}

#[test]
fn after_a_413_the_second_half_is_sent_next_and_the_size_grows_only_after_both() {
    // Halved to 10: both halves, one more batch of 10, then doubled back to 20 (15 left).
    assert_eq!(after_413s(1), [(0, 20, 413), (0, 10, 200), (10, 20, 200), (20, 30, 200), (30, 45, 200)]);
    // The first half gets 413 too: its halves, then the first batch's second half, then batches
    // of 5 doubling to 10 and 20.
    assert_eq!(
        after_413s(2),
        [
            (0, 20, 413),
            (0, 10, 413),
            (0, 5, 200),
            (5, 10, 200),
            (10, 20, 200),
            (20, 25, 200),
            (25, 35, 200),
            (35, 45, 200)
        ]
    );
}

#[test]
fn a_wrong_token_stops_uploads_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path());
    let addr = central.clone().spawn("127.0.0.1:0").unwrap();
    let mut s = session(dir.path());
    sell(&mut s, 5);
    let c = s.config();
    let terminal = Terminal { id: c.terminal_id.clone(), currency: "EUR".into(), minor_units: 2, grades: vec![] };
    let mut cfg = sync_config(&format!("http://{addr}"));
    cfg.token = "stolen".into();
    let sync = SyncTask::start(cfg, terminal, s.db_path().to_path_buf());
    let t = Instant::now();
    while !sync.status().auth_failed {
        assert!(t.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(central.events(TERMINAL).unwrap().is_empty());
    assert_eq!(sync.status().pending as usize, outbox(dir.path()).len());
    assert_eq!(sync.status().parked, 0);
}

#[test]
fn a_price_book_is_taken_whole_once_and_a_bad_one_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let central = central(dir.path());
    let addr = central.clone().spawn("127.0.0.1:0").unwrap();
    let s = session(dir.path());
    let book = |version: &str, items: serde_json::Value| {
        json!({"version": version, "currency": "EUR", "items": items,
               "fuel_prices": [{"grade": "E10", "price": "1.799", "effective_at": "2026-01-01T00:00:00Z"}]})
    };
    central
        .set_pricebook(
            TERMINAL,
            &book("v1", json!([{"sku":"BEV-0001","price":"2.49","effective_at":"2026-01-01T00:00:00+01:00"}])),
        )
        .unwrap();
    let sync = start(&s, &format!("http://{addr}"));
    let db = rusqlite::Connection::open(dir.path().join("till/till.sqlite")).unwrap();
    let scheduled = || -> Vec<(String, String, String)> {
        let mut q = db.prepare("SELECT key, price, effective_at FROM price_schedule ORDER BY id").unwrap();
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    let t = Instant::now();
    while sync.status().pricebooks == 0 {
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", sync.status());
        std::thread::sleep(Duration::from_millis(20));
    }
    // Times are kept in UTC; the fuel grade and the item both scheduled, in one transaction.
    assert_eq!(
        scheduled(),
        [
            ("BEV-0001".to_string(), "2.49".to_string(), "2025-12-31T23:00:00.000000000Z".to_string()),
            ("E10".into(), "1.799".into(), "2026-01-01T00:00:00.000000000Z".into())
        ]
    );
    // Unchanged: answered 304 and not taken again.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sync.status().pricebooks, 1);

    // The fuel price comes into force once and survives a restart.
    let mut s = s;
    let out = s.execute(cmd(json!({"cmd":"apply_prices"}))).unwrap();
    assert_eq!(out.fuel_prices.unwrap(), [("E10".to_string(), "1.799".parse().unwrap())]);
    assert!(s.execute(cmd(json!({"cmd":"apply_prices"}))).unwrap().fuel_prices.unwrap().is_empty(), "once");
    drop(sync);
    drop(s);
    let s = Session::open(Config::demo().unwrap(), &dir.path().join("till")).unwrap();
    let e10 = s.config().fuel_grades.iter().find(|g| g.code == "E10").unwrap().price_per_litre;
    assert_eq!(e10.to_string(), "1.799", "the price book's fuel price after a restart");
    let sync = start(&s, &format!("http://{addr}"));

    // A new book replaces the old one: an entry it no longer lists is gone.
    central
        .set_pricebook(TERMINAL, &book("v1b", json!([{"sku":"BEV-0001","price":"2.59","effective_at":"2099-01-01T00:00:00Z"},
                                                   {"sku":"BEV-0001","price":"2.49","effective_at":"2026-01-01T00:00:00+01:00"}])))
        .unwrap();
    let t = Instant::now();
    while scheduled().len() != 3 {
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", scheduled());
        std::thread::sleep(Duration::from_millis(20));
    }
    central
        .set_pricebook(
            TERMINAL,
            &book("v1c", json!([{"sku":"BEV-0001","price":"2.49","effective_at":"2026-01-01T00:00:00+01:00"}])),
        )
        .unwrap();
    let t = Instant::now();
    while scheduled().len() != 2 {
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", scheduled());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!scheduled().iter().any(|e| e.1 == "2.59"), "the cancelled price is gone");

    // A book with one bad entry (three decimals on an item sold by the piece) is refused whole.
    central
        .set_pricebook(
            TERMINAL,
            &book(
                "v2",
                json!([{"sku":"BEV-0002","price":"1.00","effective_at":"2026-02-01T00:00:00Z"},
                       {"sku":"BEV-0001","price":"2.499","effective_at":"2026-02-01T00:00:00Z"}]),
            ),
        )
        .unwrap();
    let t = Instant::now();
    while !sync.status().error.as_deref().is_some_and(|e| e.contains("price book refused")) {
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", sync.status());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(sync.status().error.unwrap().contains("2.499"));
    assert_eq!(scheduled().len(), 2, "nothing of the bad book was taken");
    assert_eq!(sync.status().pricebook_version.as_deref(), Some("v1c"));

    // Other currencies and float prices are refused too.
    for bad in [
        json!({"version":"v3","currency":"USD","items":[]}),
        json!({"version":"v3","currency":"EUR","items":[{"sku":"BEV-0001","price":2.49,"effective_at":"2026-02-01T00:00:00Z"}]}),
        json!({"version":"","currency":"EUR"}),
    ] {
        central.set_pricebook(TERMINAL, &bad).unwrap();
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(scheduled().len(), 2, "{bad}");
        assert_eq!(sync.status().pricebook_version.as_deref(), Some("v1c"));
    }
}
