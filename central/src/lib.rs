//! The reference receiver of the central sync API (`docs/sync-api.md`): a small axum server over
//! SQLite that stores each terminal's events once, by event id, keeps idempotency keys, and
//! serves a price book with an ETag. `till sim central` runs it; the sync tests run it on
//! loopback, with faults injected (error statuses, slow answers, connections cut after the batch
//! was stored, hostile bodies) to check that the terminal delivers every event exactly once.

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Most events in one batch, and most bytes in one body.
pub mod api;
pub mod batch;
pub mod contract;
pub mod office;
pub mod pg;
pub mod pgtest;

pub use api::{MAX_BODY, MAX_EVENTS};
use contract::error;

/// What the server does to the next upload instead of (or besides) answering it properly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and an error body; store nothing.
    Status(u16),
    /// Answer 429 or 503 with this `Retry-After` (seconds); store nothing.
    RetryAfter(u16, u64),
    /// Store the batch, then wait this long before answering (a slow answer; or, longer than the
    /// client's timeout, a batch stored but never acknowledged).
    Delay(Duration),
    /// Store the batch, then cut the connection in the middle of the answer (a lost
    /// acknowledgement).
    CutAfterStoring,
    /// Answer 200 with this body, storing nothing (a malformed or hostile answer). The answer
    /// announces its size (Content-Length).
    Body(Vec<u8>),
    /// Answer 200 with this body in 64 KiB chunks, without Content-Length (chunked transfer
    /// encoding), storing nothing.
    Chunked(Vec<u8>),
    /// Answer with this status and an HTML page (a proxy in the way), storing nothing.
    Html(u16),
}

/// The receiver's state: its database, the terminals' tokens and the faults to inject.
#[derive(Clone)]
pub struct Central {
    db: Arc<Mutex<Connection>>,
    tokens: Arc<HashMap<String, String>>,
    faults: Arc<Mutex<VecDeque<Fault>>>,
    /// Event ids whose events are rejected (`invalid_payload`), and those whose presence makes a
    /// whole batch a 400 (`invalid_batch`).
    reject: Arc<Mutex<HashSet<String>>>,
    poison: Arc<Mutex<HashSet<String>>>,
    /// Uploads seen (including refused and faulted ones), in the order they came.
    uploads: Arc<Mutex<Vec<Upload>>>,
}

/// One upload as the receiver saw it: its key, the `seq` of each event (as far as the body could
/// be read) and the status it was answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub key: String,
    pub seqs: Vec<i64>,
    pub status: u16,
}

/// One stored event, as the receiver keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub event_id: String,
    pub seq: i64,
    pub kind: String,
    pub payload: Value,
}

impl Central {
    /// Opens (or creates) the receiver's database; `tokens` maps terminal ids to their tokens.
    pub fn open(db_path: &std::path::Path, tokens: HashMap<String, String>) -> anyhow::Result<Central> {
        let conn = Connection::open(db_path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS events (
                 terminal    TEXT NOT NULL,
                 event_id    TEXT NOT NULL,
                 seq         INTEGER NOT NULL,
                 kind        TEXT NOT NULL,
                 created_at  TEXT NOT NULL,
                 payload     TEXT NOT NULL,
                 PRIMARY KEY (terminal, event_id)
             );
             CREATE TABLE IF NOT EXISTS idempotency (
                 terminal TEXT NOT NULL,
                 key      TEXT NOT NULL,
                 body_sha TEXT NOT NULL,
                 answer   TEXT NOT NULL,
                 PRIMARY KEY (terminal, key)
             );
             CREATE TABLE IF NOT EXISTS pricebooks (
                 terminal TEXT PRIMARY KEY,
                 body     TEXT NOT NULL
             );",
        )?;
        Ok(Central {
            db: Arc::new(Mutex::new(conn)),
            tokens: Arc::new(tokens),
            faults: Arc::default(),
            reject: Arc::default(),
            poison: Arc::default(),
            uploads: Arc::default(),
        })
    }

    /// Queues faults for the next uploads, one per upload.
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        if let Ok(mut f) = self.faults.lock() {
            f.extend(faults);
        }
    }

    /// Rejects this event (in a batch's `rejected` list) whenever it is sent.
    pub fn reject_event(&self, event_id: &str) {
        if let Ok(mut r) = self.reject.lock() {
            r.insert(event_id.to_string());
        }
    }

    /// Rejects every event of this kind (until `clear_rejections`).
    pub fn reject_kind(&self, kind: &str) {
        self.reject_event(&format!("kind:{kind}"));
    }

    pub fn clear_rejections(&self) {
        if let Ok(mut r) = self.reject.lock() {
            r.clear();
        }
    }

    /// Answers 400 to any batch holding this event.
    pub fn poison_event(&self, event_id: &str) {
        if let Ok(mut r) = self.poison.lock() {
            r.insert(event_id.to_string());
        }
    }

    pub fn uploads(&self) -> u64 {
        self.uploads.lock().map(|u| u.len() as u64).unwrap_or(0)
    }

    /// Every upload seen so far, in order.
    pub fn upload_log(&self) -> Vec<Upload> {
        self.uploads.lock().map(|u| u.clone()).unwrap_or_default()
    }

    /// Sets a terminal's price book (the JSON body served as is).
    pub fn set_pricebook(&self, terminal: &str, body: &Value) -> anyhow::Result<()> {
        let db = self.db.lock().map_err(|_| anyhow::anyhow!("receiver database poisoned"))?;
        db.execute(
            "INSERT INTO pricebooks (terminal, body) VALUES (?1, ?2) ON CONFLICT (terminal) DO UPDATE SET body = ?2",
            params![terminal, body.to_string()],
        )?;
        Ok(())
    }

    /// A terminal's events in the order they were stored.
    pub fn events(&self, terminal: &str) -> anyhow::Result<Vec<Stored>> {
        let db = self.db.lock().map_err(|_| anyhow::anyhow!("receiver database poisoned"))?;
        let mut stmt =
            db.prepare("SELECT event_id, seq, kind, payload FROM events WHERE terminal = ?1 ORDER BY rowid")?;
        let rows = stmt.query_map([terminal], |r| {
            let payload: String = r.get(3)?;
            Ok(Stored {
                event_id: r.get(0)?,
                seq: r.get(1)?,
                kind: r.get(2)?,
                payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/v1/health", get(health))
            .route("/v1/terminals/{terminal_id}/events", post(upload))
            .route("/v1/terminals/{terminal_id}/pricebook", get(pricebook))
            .layer(DefaultBodyLimit::max(MAX_BODY + 1024))
            .with_state(self)
    }

    /// Serves on a listener until the process ends.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }

    /// Runs the receiver on its own thread (tests, demo mode); returns its address.
    pub fn spawn(self, addr: &str) -> anyhow::Result<std::net::SocketAddr> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        spawn_server(addr, "till-central", rt, move |l| self.serve(l))
    }

    fn next_fault(&self) -> Option<Fault> {
        self.faults.lock().ok().and_then(|mut f| f.pop_front())
    }

    /// Checks the bearer token against the terminal in the URL.
    // The refusal is the HTTP answer itself, handed straight back to axum.
    #[allow(clippy::result_large_err)]
    fn authorize(&self, terminal: &str, headers: &HeaderMap) -> Result<(), Response> {
        let token = contract::bearer(headers)?;
        match self.tokens.get(terminal) {
            Some(t) if t == token => Ok(()),
            _ if self.tokens.values().any(|t| t == token) => Err(contract::forbidden()),
            _ => Err(contract::unauthorized("unknown token")),
        }
    }
}

async fn health() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

async fn upload(State(c): State<Central>, Path(terminal): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let seqs = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("events").and_then(Value::as_array).map(|e| e.iter().filter_map(|e| e["seq"].as_i64()).collect())
        })
        .unwrap_or_default();
    let answer = answer_upload(&c, &terminal, &headers, &body).await;
    if let Ok(mut u) = c.uploads.lock() {
        u.push(Upload { key, seqs, status: answer.status().as_u16() });
    }
    answer
}

async fn answer_upload(c: &Central, terminal: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    if let Err(r) = c.authorize(terminal, headers) {
        return r;
    }
    let fault = c.next_fault();
    match &fault {
        Some(Fault::Status(s)) => {
            let status = StatusCode::from_u16(*s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return error(status, "injected", "an injected failure");
        }
        Some(Fault::RetryAfter(s, secs)) => {
            let status = StatusCode::from_u16(*s).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut r = error(status, "unavailable", "come back later");
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return r;
        }
        Some(Fault::Html(code)) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::BAD_GATEWAY);
            return (status, [(header::CONTENT_TYPE, "text/html")], "<html><body>Bad Request</body></html>")
                .into_response();
        }
        Some(Fault::Body(b)) => {
            return Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.clone()))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
        Some(Fault::Chunked(b)) => {
            let parts = b.chunks(64 * 1024).map(Bytes::copy_from_slice).collect();
            return Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from_stream(Chunks(parts, false)))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
        }
        _ => {}
    }
    let (status, answer) = match store_batch(c, terminal, headers, body) {
        Ok(a) => (StatusCode::OK, a),
        Err(r) => return r,
    };
    if let Some(Fault::Delay(d)) = &fault {
        tokio::time::sleep(*d).await;
    }
    if fault == Some(Fault::CutAfterStoring) {
        // The batch is stored; the answer starts and the connection breaks before it ends.
        let half = answer.len() / 2;
        let first = Bytes::copy_from_slice(&answer.as_bytes()[..half]);
        let stream = Chunks(VecDeque::from([first]), true);
        return Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from_stream(stream))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    (status, [(header::CONTENT_TYPE, "application/json")], answer).into_response()
}

/// A streamed body: these chunks, then (if the flag is set) an error, on which hyper aborts the
/// connection mid-answer. Its length is not known in advance, so it goes out chunked.
struct Chunks(VecDeque<Bytes>, bool);

impl futures_core::Stream for Chunks {
    type Item = Result<Bytes, std::io::Error>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if let Some(b) = self.0.pop_front() {
            return std::task::Poll::Ready(Some(Ok(b)));
        }
        if self.1 {
            self.1 = false;
            return std::task::Poll::Ready(Some(Err(std::io::Error::other("connection cut"))));
        }
        std::task::Poll::Ready(None)
    }
}

/// Validates a batch, stores its new events and the idempotency record in one transaction, and
/// returns the answer's JSON text.
#[allow(clippy::result_large_err)]
fn store_batch(c: &Central, terminal: &str, headers: &HeaderMap, body: &[u8]) -> Result<String, Response> {
    let upload = contract::check_upload(headers, body)?;
    let (key, sha) = (upload.key, hex::encode(upload.body_sha));
    let internal = |e: rusqlite::Error| contract::internal(&e.to_string());
    let mut db = c.db.lock().map_err(|_| contract::internal("poisoned"))?;
    let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(internal)?;
    // A key seen before: the same answer again (even if the events would now be refused), or 422.
    let earlier: Option<(String, String)> = tx
        .query_row(
            "SELECT body_sha, answer FROM idempotency WHERE terminal = ?1 AND key = ?2",
            params![terminal, key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(internal)?;
    if let Some((earlier_sha, answer)) = earlier {
        return if earlier_sha == sha {
            Ok(answer)
        } else {
            Err(error(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused", "this key came with another body"))
        };
    }
    let batch = contract::parse_batch(body)?;
    if let Ok(poison) = c.poison.lock() {
        if let Some(b) = batch.iter().find(|b| poison.contains(&b.id)) {
            return Err(error(StatusCode::BAD_REQUEST, "invalid_batch", &format!("event {} cannot be read", b.id)));
        }
    }
    let reject = c.reject.lock().map(|r| r.clone()).unwrap_or_default();
    let mut answer = api::BatchAnswer::default();
    for e in batch {
        let id = e.id.clone();
        // Known already: a duplicate, whatever it looks like now (the first stored copy wins).
        let known: bool = tx
            .query_row("SELECT 1 FROM events WHERE terminal = ?1 AND event_id = ?2", params![terminal, id], |_| Ok(()))
            .optional()
            .map_err(internal)?
            .is_some();
        if known {
            answer.duplicates.push(id);
            continue;
        }
        if let Some(reason) = event_problem(terminal, &e, &reject) {
            let (code, reason) = (Some(reason.0.to_string()), Some(reason.1));
            answer.rejected.push(api::RejectedEvent { event_id: id, code, reason });
            continue;
        }
        tx.execute(
            "INSERT INTO events (terminal, event_id, seq, kind, created_at, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![terminal, id, e.seq, e.kind, e.created_at, e.payload.get()],
        )
        .map_err(internal)?;
        answer.accepted.push(id);
    }
    let answer = serde_json::to_string(&answer).map_err(|e| contract::internal(&e.to_string()))?;
    tx.execute(
        "INSERT INTO idempotency (terminal, key, body_sha, answer) VALUES (?1, ?2, ?3, ?4)",
        params![terminal, key, sha, answer],
    )
    .map_err(internal)?;
    tx.commit().map_err(internal)?;
    Ok(answer)
}

/// Why one event cannot be stored: refused on purpose by a test, or broken (the contract's checks).
fn event_problem(terminal: &str, e: &contract::Event, reject: &HashSet<String>) -> Option<(&'static str, String)> {
    if reject.contains(&e.id) || reject.contains(&format!("kind:{}", e.kind)) {
        return Some(("invalid_payload", format!("event {} was refused by the receiver", e.id)));
    }
    contract::event_problem(terminal, e)
}

async fn pricebook(State(c): State<Central>, Path(terminal): Path<String>, headers: HeaderMap) -> Response {
    if let Err(r) = c.authorize(&terminal, &headers) {
        return r;
    }
    let body: Option<String> = match c.db.lock() {
        Ok(db) => db
            .query_row("SELECT body FROM pricebooks WHERE terminal = ?1", [&terminal], |r| r.get(0))
            .optional()
            .unwrap_or(None),
        Err(_) => return contract::internal("poisoned"),
    };
    let Some(body) = body else {
        return error(StatusCode::NOT_FOUND, "no_pricebook", "no price book for this terminal");
    };
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(body.as_bytes()))[..16]);
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (StatusCode::OK, [(header::ETAG, etag), (header::CONTENT_TYPE, "application/json".to_string())], body)
        .into_response()
}

/// Binds `addr`, then serves on a thread of its own with `rt` (a receiver for tests, demo mode
/// and benches); returns the bound address.
pub(crate) fn spawn_server<F, Fut>(
    addr: &str,
    name: &str,
    rt: tokio::runtime::Runtime,
    serve: F,
) -> anyhow::Result<std::net::SocketAddr>
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = std::io::Result<()>>,
{
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    let label = name.to_string();
    std::thread::Builder::new().name(label.clone()).spawn(move || {
        rt.block_on(async move {
            let served = match tokio::net::TcpListener::from_std(listener) {
                Ok(l) => serve(l).await,
                Err(e) => Err(e),
            };
            if let Err(e) = served {
                tracing::error!("{label}: {e}");
            }
        });
    })?;
    Ok(local)
}
