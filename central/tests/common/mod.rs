//! What the head office's tests share: the two receivers under test on loopback (the SQLite
//! reference receiver and the PostgreSQL head office, in a throwaway cluster), a small HTTP
//! client, and event builders.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;
use till_central::pg::{admin, PgCentral};
use till_central::pgtest::PgCluster;

/// A price book row: (kind, code, price, effective_at).
pub type BookRow<'a> = (&'a str, &'a str, &'a str, &'a str);
type SetBook = Box<dyn Fn(&[BookRow]) + Send + Sync>;

/// A receiver under test: its address, two terminals and their tokens, and how to give it a
/// price book.
pub struct Target {
    pub addr: SocketAddr,
    pub terminal: String,
    pub token: String,
    pub other: String,
    pub other_token: String,
    set_book: SetBook,
    _keep: Box<dyn std::any::Any + Send + Sync>,
}

impl Target {
    /// A terminal of a receiver running elsewhere (no second terminal, no price book to set).
    pub fn remote(addr: SocketAddr, terminal: &str, token: &str) -> Target {
        Target {
            addr,
            terminal: terminal.into(),
            token: token.into(),
            other: String::new(),
            other_token: String::new(),
            set_book: Box::new(|_| panic!("no price book here")),
            _keep: Box::new(()),
        }
    }

    /// Publishes a price book of (kind, code, price, effective_at) rows to the first terminal.
    pub fn set_pricebook(&self, rows: &[BookRow]) {
        (self.set_book)(rows)
    }
}

/// One cluster per test binary, shared by its tests (each gets its own database).
pub fn cluster() -> &'static PgCluster {
    static CLUSTER: OnceLock<PgCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| PgCluster::start().expect("a throwaway PostgreSQL cluster"))
}

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}

pub fn sqlite() -> Target {
    let dir = tempfile::tempdir().expect("tempdir");
    let tokens = HashMap::from([
        ("LANE-01".to_string(), "token-one".to_string()),
        ("LANE-02".to_string(), "token-two".to_string()),
    ]);
    let central = till_central::Central::open(&dir.path().join("central.sqlite"), tokens).expect("open");
    let addr = central.clone().spawn("127.0.0.1:0").expect("spawn");
    Target {
        addr,
        terminal: "LANE-01".into(),
        token: "token-one".into(),
        other: "LANE-02".into(),
        other_token: "token-two".into(),
        set_book: Box::new(move |rows| {
            let book = book_json(rows);
            central.set_pricebook("LANE-01", &book).expect("set");
        }),
        _keep: Box::new(dir),
    }
}

/// The price book the SQLite receiver serves as is, in the API's shape.
fn book_json(rows: &[BookRow]) -> Value {
    let items: Vec<Value> =
        rows.iter().filter(|r| r.0 == "item").map(|r| json!({"sku": r.1, "price": r.2, "effective_at": r.3})).collect();
    let fuel: Vec<Value> = rows
        .iter()
        .filter(|r| r.0 == "fuel")
        .map(|r| json!({"grade": r.1, "price": r.2, "effective_at": r.3}))
        .collect();
    json!({"version": format!("v{}", rows.len()), "currency": "EUR", "items": items, "fuel_prices": fuel})
}

/// A head office on a new database of the shared cluster: chain ACME with site S1 and two
/// terminals; returns it with its database URL.
pub fn pg_central() -> (PgCentral, String, [String; 2]) {
    let url = cluster().database().expect("database");
    let central = PgCentral::connect(&url, 16).expect("pool");
    let tokens = block_on(async {
        central.migrate().await.expect("migrate");
        let client = central.client().await.expect("client");
        let chain = admin::add_chain(&client, "ACME", "Acme Fuels", "EUR", 2).await.expect("chain");
        admin::add_site(&client, chain, "S1", "Main Street", "Europe/Berlin").await.expect("site");
        let a = admin::add_terminal(&client, chain, "S1", "LANE-01").await.expect("terminal");
        let b = admin::add_terminal(&client, chain, "S1", "LANE-02").await.expect("terminal");
        [a, b]
    });
    (central, url, tokens)
}

pub fn pg() -> Target {
    let (central, _url, [a, b]) = pg_central();
    let addr = central.clone().spawn("127.0.0.1:0", 2).expect("spawn");
    Target {
        addr,
        terminal: "LANE-01".into(),
        token: a,
        other: "LANE-02".into(),
        other_token: b,
        set_book: Box::new(move |rows| {
            let csv: String = std::iter::once("kind,code,price,effective_at".to_string())
                .chain(rows.iter().map(|r| format!("{},{},{},{}", r.0, r.1, r.2, r.3)))
                .collect::<Vec<_>>()
                .join("\n");
            let parsed = admin::read_pricebook(&csv, 2).expect("a valid book");
            block_on(async {
                let mut client = central.client().await.expect("client");
                let chain = admin::chain_id(&client, Some("ACME")).await.expect("chain");
                admin::import_pricebook(&mut client, chain, &parsed).await.expect("import");
            });
        }),
        _keep: Box::new(()),
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// The error body's code.
    pub fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or_default().to_string()
    }
}

/// One HTTP/1.1 request on its own connection.
pub fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("write");
    // A server may answer (a 413, say) before it has read a large body.
    let _ = s.write_all(body);
    // Read to the end of the head, then as much body as Content-Length says (a server that
    // keeps the connection open anyway is not waited for), or to the end of the connection.
    let mut raw = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    let split = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => panic!("no answer: {:?}", String::from_utf8_lossy(&raw)),
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
        }
    };
    let length = String::from_utf8_lossy(&raw[..split])
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok());
    match length {
        Some(n) => {
            while raw.len() < split + 4 + n {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => raw.extend_from_slice(&chunk[..k]),
                }
            }
        }
        None => {
            let _ = s.read_to_end(&mut raw);
        }
    }
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).expect("status");
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))).collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
        body = dechunk(&body);
    }
    Answer { status, headers, body }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[end + 2..end + 2 + size]);
        b = &b[end + 4 + size..];
    }
    out
}

pub fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Uploads a batch body for the target's first terminal under a key.
pub fn upload_with(t: &Target, key: &str, body: &[u8]) -> Answer {
    let path = format!("/v1/terminals/{}/events", t.terminal);
    let auth = format!("Bearer {}", t.token);
    http(
        t.addr,
        "POST",
        &path,
        &[("Authorization", &auth), ("Content-Type", "application/json"), ("Idempotency-Key", key)],
        body,
    )
}

pub fn upload(t: &Target, events: &[Value]) -> Answer {
    upload_with(t, &new_key(), json!({ "events": events }).to_string().as_bytes())
}

/// A well-formed event of this terminal: a sale of `total`, or another kind with a small payload.
pub fn event(terminal: &str, seq: i64, kind: &str) -> Value {
    let id = uuid::Uuid::new_v4().to_string();
    let at = "2026-12-03T10:00:00.25Z";
    let mut payload = json!({"event_id": id, "kind": kind, "terminal_id": terminal, "at": at, "user": "Demo Cashier"});
    if kind == "sale" {
        payload["sale"] = sale("12.50");
    }
    json!({"event_id": id, "seq": seq, "kind": kind, "created_at": at, "payload": payload})
}

pub fn sale(total: &str) -> Value {
    json!({"receipt_no": 1, "kind": "sale", "currency": "EUR", "subtotal": total, "total": total,
           "paid": total, "change": "0.00", "cash_rounding": "0.00",
           "lines": [{"line": 1, "kind": "shop", "sku": "BEV-0001", "qty": "1", "unit": "each",
                      "unit_price": total, "amount": total, "voided": false}],
           "payments": [{"method": "card", "amount": total}]})
}

pub fn ids(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| e["event_id"].as_str().unwrap_or_default().to_string()).collect()
}

pub fn list(answer: &Value, name: &str) -> Vec<String> {
    answer[name]
        .as_array()
        .unwrap_or_else(|| panic!("no {name} list in {answer}"))
        .iter()
        .map(|v| v.as_str().or_else(|| v["event_id"].as_str()).unwrap_or_default().to_string())
        .collect()
}
