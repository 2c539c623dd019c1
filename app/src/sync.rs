//! Central sync, the terminal's side (`docs/sync-api.md`): a background task that pushes the
//! outbox to the central endpoint in outbox order and pulls the price book.
//!
//! Exactly once: an event is marked sent only when a well-formed answer names it accepted or a
//! duplicate; everything else leaves it pending, and the server deduplicates by event id, so an
//! event sent twice (a lost acknowledgement, a crash after sending) is stored once. A batch that
//! failed is sent again with the same key and the same bytes. At most one batch is in memory.
//! The send state lives in the store (migration 4), so it survives restarts.

use crate::config::SyncConfig;
use crate::store::{OutboxRow, Store};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashSet;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The largest answer to an upload that is read, and the largest price book.
pub const MAX_ANSWER: usize = 1024 * 1024;
pub const MAX_PRICEBOOK: usize = 16 * 1024 * 1024;
/// The longest wait between attempts, and the wait after an authentication failure.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// What the status bar and the manager see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// Events waiting to be sent, and events the server refused.
    pub pending: i64,
    pub parked: i64,
    /// When the endpoint last took a batch (RFC 3339).
    pub last_success: Option<String>,
    /// The last failure, until the next success.
    pub error: Option<String>,
    pub auth_failed: bool,
    /// The price book in force, and SKUs or grades it named that the terminal does not know.
    pub pricebook_version: Option<String>,
    pub pricebook_unknown: Vec<String>,
    /// Counts price books stored, so that the session can apply their prices.
    pub pricebooks: u64,
}

/// The handle the application keeps. The task ends when the last handle is dropped.
#[derive(Clone)]
pub struct SyncTask {
    nudge: Arc<tokio::sync::Notify>,
    status: Arc<Mutex<SyncStatus>>,
    _alive: Arc<()>,
}

/// What the terminal knows that a price book is checked against.
#[derive(Debug, Clone)]
pub struct Terminal {
    pub id: String,
    pub currency: String,
    pub minor_units: u32,
    pub grades: Vec<String>,
}

impl SyncTask {
    /// Starts the task on its own thread with its own connection to the store at `db`.
    pub fn start(cfg: SyncConfig, terminal: Terminal, db: PathBuf) -> SyncTask {
        let nudge = Arc::new(tokio::sync::Notify::new());
        let status = Arc::new(Mutex::new(SyncStatus::default()));
        let alive = Arc::new(());
        let (n, s, a) = (nudge.clone(), status.clone(), Arc::downgrade(&alive));
        let spawned = std::thread::Builder::new().name("till-sync".into()).spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => return set_error(&s, format!("cannot start: {e}")),
            };
            rt.block_on(async move {
                let mut engine = match Engine::new(cfg, terminal, &db, s.clone()) {
                    Ok(e) => e,
                    Err(e) => return set_error(&s, e),
                };
                while a.strong_count() > 0 {
                    let wait = engine.round().await;
                    match wait {
                        // After a failure the backoff is kept: a sale does not cut it short.
                        Wait::Backoff(d) => tokio::time::sleep(d).await,
                        Wait::Idle(d) => {
                            tokio::select! {
                                _ = tokio::time::sleep(d) => {}
                                _ = n.notified() => {}
                            }
                        }
                    }
                }
            });
        });
        if let Err(e) = spawned {
            set_error(&status, format!("cannot start: {e}"));
        }
        SyncTask { nudge, status, _alive: alive }
    }

    /// Something was written to the outbox: send soon (unless backing off).
    pub fn nudge(&self) {
        self.nudge.notify_one();
    }

    pub fn status(&self) -> SyncStatus {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

fn set_error(status: &Mutex<SyncStatus>, e: String) {
    tracing::error!("sync: {e}");
    if let Ok(mut s) = status.lock() {
        s.error = Some(e);
    }
}

enum Wait {
    Idle(Duration),
    Backoff(Duration),
}

/// A batch on its way: sent again with the same key and the same bytes until it is answered.
struct InFlight {
    key: String,
    body: Vec<u8>,
    events: Vec<(i64, String)>,
}

/// The server's answer to an upload.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    accepted: Vec<String>,
    duplicates: Vec<String>,
    rejected: Vec<Rejected>,
}

#[derive(Debug, serde::Deserialize)]
struct Rejected {
    event_id: String,
    code: String,
    reason: String,
}

/// How an upload went.
enum Sent {
    Answer(Answer),
    /// Transport failure, timeout, 408, 429, 5xx, an unusable answer, an unexpected status.
    Retry {
        error: String,
        after: Option<Duration>,
    },
    Auth(String),
    /// 400 or 422 for the whole batch, with the server's code and message.
    BadBatch {
        code: String,
        message: String,
    },
    TooLarge,
}

struct Engine {
    cfg: SyncConfig,
    terminal: Terminal,
    client: reqwest::Client,
    store: Store,
    status: Arc<Mutex<SyncStatus>>,
    failures: u32,
    in_flight: Option<InFlight>,
    /// Events still to be sent one per batch (after a 400/422 on a whole batch).
    single: usize,
    /// The batch size in use (halved after a 413).
    cap: usize,
}

impl Engine {
    fn new(
        cfg: SyncConfig,
        terminal: Terminal,
        db: &std::path::Path,
        status: Arc<Mutex<SyncStatus>>,
    ) -> Result<Engine, String> {
        // rustls without a default crypto provider: ring, installed once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("till/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up HTTP: {e}"))?;
        let store = Store::open_file(db).map_err(|e| format!("cannot open the store: {e}"))?;
        let cap = cfg.batch_size;
        let engine = Engine { cfg, terminal, client, store, status, failures: 0, in_flight: None, single: 0, cap };
        engine.publish();
        Ok(engine)
    }

    /// Pushes what is pending, then pulls the price book; says how long to wait.
    async fn round(&mut self) -> Wait {
        let wait = self.push().await;
        if !self.status().auth_failed {
            self.pull().await;
        }
        self.publish();
        wait
    }

    fn status(&self) -> SyncStatus {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn update(&self, f: impl FnOnce(&mut SyncStatus)) {
        if let Ok(mut s) = self.status.lock() {
            f(&mut s);
        }
    }

    /// Counts and the stored state, for the status bar.
    fn publish(&self) {
        let counts = self.store.outbox_states();
        let record = self.store.sync_record();
        self.update(|s| {
            if let Ok((pending, parked)) = counts {
                s.pending = pending;
                s.parked = parked;
            }
            if let Ok(r) = record {
                s.last_success = r.last_success_at;
                if s.pricebook_version.is_none() {
                    s.pricebook_version = r.pricebook_version;
                }
            }
        });
    }

    fn now() -> String {
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
    }

    fn failed(&mut self, error: String, after: Option<Duration>) -> Wait {
        tracing::warn!("sync: {error}");
        self.failures = self.failures.saturating_add(1);
        if let Some(f) = &self.in_flight {
            let seqs: Vec<i64> = f.events.iter().map(|e| e.0).collect();
            if let Err(e) = self.store.note_failure(&seqs, &error, &Self::now()) {
                tracing::error!("sync: cannot note the failure: {e}");
            }
        }
        self.update(|s| s.error = Some(error));
        Wait::Backoff(backoff(self.cfg.retry_base, self.failures, after))
    }

    async fn push(&mut self) -> Wait {
        loop {
            let batch = match self.in_flight.take() {
                Some(b) => b,
                None => {
                    let limit = if self.single > 0 { 1 } else { self.cap };
                    let rows = match self.store.pending_events(limit) {
                        Ok(r) => r,
                        Err(e) => return self.failed(format!("cannot read the outbox: {e}"), None),
                    };
                    if rows.is_empty() {
                        return Wait::Idle(self.cfg.interval);
                    }
                    match encode(&rows) {
                        Ok(b) => b,
                        Err(e) => return self.failed(e, None),
                    }
                }
            };
            let sent = self.send(&batch).await;
            self.in_flight = Some(batch);
            match sent {
                Sent::Answer(a) => {
                    if let Err(e) = self.apply(a) {
                        return self.failed(format!("cannot store the answer: {e}"), None);
                    }
                    self.in_flight = None;
                    self.failures = 0;
                    self.single = self.single.saturating_sub(1);
                    self.cap = (self.cap * 2).min(self.cfg.batch_size);
                    self.update(|s| {
                        s.error = None;
                        s.auth_failed = false;
                    });
                    self.publish();
                }
                Sent::Retry { error, after } => return self.failed(error, after),
                Sent::Auth(error) => {
                    self.update(|s| s.auth_failed = true);
                    let _ = self.failed(error, None);
                    self.in_flight = None;
                    return Wait::Backoff(MAX_BACKOFF);
                }
                Sent::BadBatch { code, message } if code == "invalid_request" => {
                    return self.failed(format!("the server refused the request: {message}"), None)
                }
                Sent::BadBatch { code, message } => {
                    let Some(batch) = self.in_flight.take() else { continue };
                    if let [(seq, _)] = batch.events.as_slice() {
                        self.park(*seq, &format!("{code}: {message}"));
                        self.single = self.single.saturating_sub(1);
                    } else {
                        // Find the broken event: one at a time, then batches again.
                        tracing::warn!("sync: batch refused ({code}: {message}); sending one at a time");
                        self.single = batch.events.len();
                    }
                }
                Sent::TooLarge => {
                    let Some(batch) = self.in_flight.take() else { continue };
                    if let [(seq, _)] = batch.events.as_slice() {
                        self.park(*seq, "body_too_large: the event is larger than the server takes");
                    } else {
                        self.cap = (batch.events.len() / 2).max(1);
                    }
                }
            }
        }
    }

    fn park(&mut self, seq: i64, reason: &str) {
        tracing::warn!("sync: event {seq} parked: {reason}");
        if let Err(e) = self.store.park(seq, reason, &Self::now()) {
            tracing::error!("sync: cannot park event {seq}: {e}");
        }
    }

    /// Marks what the server took as sent and parks what it refused.
    fn apply(&mut self, a: Answer) -> Result<(), crate::store::StoreError> {
        let Some(batch) = &self.in_flight else { return Ok(()) };
        let seq_of = |id: &str| batch.events.iter().find(|e| e.1 == id).map(|e| e.0);
        let sent: Vec<i64> = a.accepted.iter().chain(&a.duplicates).filter_map(|id| seq_of(id)).collect();
        let parked: Vec<(i64, String)> = a
            .rejected
            .iter()
            .filter_map(|r| seq_of(&r.event_id).map(|s| (s, format!("{}: {}", r.code, truncate(&r.reason, 500)))))
            .collect();
        let at = Self::now();
        self.store.mark_sent(&sent, &at)?;
        for (seq, reason) in parked {
            tracing::warn!("sync: event {seq} refused: {reason}");
            self.store.park(seq, &reason, &at)?;
        }
        Ok(())
    }

    async fn send(&self, batch: &InFlight) -> Sent {
        let url = format!("{}/v1/terminals/{}/events", self.cfg.url, self.terminal.id);
        let response = self
            .client
            .post(&url)
            .bearer_auth(&self.cfg.token)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", &batch.key)
            .body(batch.body.clone())
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => return Sent::Retry { error: describe(&e), after: None },
        };
        let status = response.status().as_u16();
        let after = retry_after(response.headers());
        let body = read_limited(response, MAX_ANSWER).await;
        match status {
            200 => match body {
                Ok(bytes) => match check_answer(&bytes, batch) {
                    Ok(a) => Sent::Answer(a),
                    Err(e) => {
                        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_string();
                        Sent::Retry { error: format!("unusable answer ({e}): {head}"), after: None }
                    }
                },
                Err(e) => Sent::Retry { error: e, after: None },
            },
            401 | 403 => Sent::Auth(format!("the endpoint refused this terminal's token (HTTP {status})")),
            400 | 422 => {
                let (code, message) = error_body(body.as_deref().unwrap_or_default());
                Sent::BadBatch { code, message: format!("HTTP {status}: {message}") }
            }
            413 => Sent::TooLarge,
            408 | 429 | 500..=599 => Sent::Retry { error: format!("the endpoint answered HTTP {status}"), after },
            other => Sent::Retry { error: format!("unexpected answer HTTP {other} from {url}"), after: None },
        }
    }

    /// Fetches the price book; a new one is validated whole and scheduled in one transaction.
    async fn pull(&mut self) {
        let url = format!("{}/v1/terminals/{}/pricebook", self.cfg.url, self.terminal.id);
        let etag = self.store.sync_record().ok().and_then(|r| r.pricebook_etag);
        let mut req = self.client.get(&url).bearer_auth(&self.cfg.token);
        if let Some(tag) = &etag {
            req = req.header("If-None-Match", tag);
        }
        let response = match req.send().await {
            Ok(r) => r,
            Err(e) => return tracing::debug!("sync: price book: {}", describe(&e)),
        };
        let status = response.status().as_u16();
        let tag = response.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_string);
        if matches!(status, 200 | 304 | 404) && self.status().error.is_none() {
            if let Err(e) = self.store.sync_reached(&Self::now()) {
                tracing::warn!("sync: {e}");
            }
        }
        match status {
            304 | 404 => {}
            200 => {
                let body = match read_limited(response, MAX_PRICEBOOK).await {
                    Ok(b) => b,
                    Err(e) => return self.update(|s| s.error = Some(format!("price book: {e}"))),
                };
                match self.check_pricebook(&body) {
                    Ok((version, entries, unknown)) => {
                        let at = Self::now();
                        match self.store.schedule_prices(&version, tag.as_deref(), &entries, &self.terminal.id, &at) {
                            Ok(()) => {
                                if !unknown.is_empty() {
                                    tracing::warn!("sync: price book {version} names unknown {unknown:?}");
                                }
                                self.update(|s| {
                                    s.pricebook_version = Some(version);
                                    s.pricebook_unknown = unknown;
                                    s.pricebooks += 1;
                                });
                            }
                            Err(e) => self.update(|s| s.error = Some(format!("price book: {e}"))),
                        }
                    }
                    Err(e) => {
                        tracing::warn!("sync: price book refused: {e}");
                        self.update(|s| s.error = Some(format!("price book refused: {e}")));
                    }
                }
            }
            401 | 403 => self.update(|s| s.auth_failed = true),
            other => tracing::warn!("sync: price book: HTTP {other}"),
        }
    }

    /// Checks a price book whole: the entries to schedule, and the unknown SKUs and grades.
    #[allow(clippy::type_complexity)]
    fn check_pricebook(
        &self,
        body: &[u8],
    ) -> Result<(String, Vec<(String, String, String, String)>, Vec<String>), String> {
        let book: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
        let version = book.get("version").and_then(Value::as_str).filter(|v| !v.trim().is_empty());
        let version = version.ok_or("no version")?.to_string();
        if book.get("currency").and_then(Value::as_str) != Some(self.terminal.currency.as_str()) {
            return Err(format!("the currency is not {}", self.terminal.currency));
        }
        let list = |name: &str| -> Result<Vec<Value>, String> {
            match book.get(name) {
                None => Ok(Vec::new()),
                Some(Value::Array(a)) => Ok(a.clone()),
                Some(_) => Err(format!("{name} is not a list")),
            }
        };
        let mut entries = Vec::new();
        let mut unknown = Vec::new();
        let mut seen = HashSet::new();
        for (kind, name, key_field) in [("item", "items", "sku"), ("fuel", "fuel_prices", "grade")] {
            for (i, e) in list(name)?.iter().enumerate() {
                let at = |what: &str| format!("{name}[{i}]: {what}");
                let key = e
                    .get(key_field)
                    .and_then(Value::as_str)
                    .filter(|k| valid_key(k))
                    .ok_or_else(|| at(&format!("no valid {key_field}")))?;
                let price_text =
                    e.get("price").and_then(Value::as_str).ok_or_else(|| at("price must be a decimal string"))?;
                let price =
                    Decimal::from_str(price_text).map_err(|_| at(&format!("'{price_text}' is not a decimal")))?;
                let when = e.get("effective_at").and_then(Value::as_str).ok_or_else(|| at("no effective_at"))?;
                let when = chrono::DateTime::parse_from_rfc3339(when)
                    .map_err(|_| at(&format!("'{when}' is not an RFC 3339 time")))?;
                let when = format_utc(when.with_timezone(&chrono::Utc));
                if !seen.insert((kind, key.to_string(), when.clone())) {
                    return Err(at("a second entry for the same time"));
                }
                if price < Decimal::ZERO || price > Decimal::from(1_000_000_000) {
                    return Err(at("the price is out of range"));
                }
                let max_dp = if kind == "fuel" {
                    if price <= Decimal::ZERO {
                        return Err(at("a fuel price must be above 0"));
                    }
                    if !self.terminal.grades.iter().any(|g| g == key) {
                        unknown.push(format!("grade {key}"));
                        continue;
                    }
                    3
                } else {
                    match self.store.product_unit(key) {
                        Ok(Some(unit)) if unit == "each" => self.terminal.minor_units,
                        Ok(Some(_)) => self.terminal.minor_units.max(3),
                        Ok(None) => {
                            unknown.push(key.to_string());
                            continue;
                        }
                        Err(e) => return Err(format!("cannot read the catalog: {e}")),
                    }
                };
                if price.scale() > max_dp {
                    return Err(at(&format!("{price_text} has more than {max_dp} decimals")));
                }
                entries.push((kind.to_string(), key.to_string(), price_text.to_string(), when));
            }
        }
        Ok((version, entries, unknown))
    }
}

/// RFC 3339 UTC to the second: `2026-11-25T04:00:00Z` (comparable as text).
pub fn format_utc(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn valid_key(k: &str) -> bool {
    !k.is_empty() && k.len() <= 64 && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The request body for a batch, and its key.
fn encode(rows: &[OutboxRow]) -> Result<InFlight, String> {
    let mut events = Vec::with_capacity(rows.len());
    for r in rows {
        let payload: Value =
            serde_json::from_str(&r.payload).map_err(|e| format!("outbox event {} is not JSON: {e}", r.seq))?;
        events.push(serde_json::json!({
            "event_id": r.event_id, "seq": r.seq, "kind": r.kind, "created_at": r.created_at, "payload": payload,
        }));
    }
    let body = serde_json::to_vec(&serde_json::json!({ "events": events })).map_err(|e| e.to_string())?;
    Ok(InFlight {
        key: uuid::Uuid::new_v4().to_string(),
        body,
        events: rows.iter().map(|r| (r.seq, r.event_id.clone())).collect(),
    })
}

/// An answer is usable only if it names every event of the batch exactly once and nothing else.
fn check_answer(bytes: &[u8], batch: &InFlight) -> Result<Answer, String> {
    let a: Answer = serde_json::from_slice(bytes).map_err(|e| format!("not the answer's shape: {e}"))?;
    let mut named = HashSet::new();
    for id in a.accepted.iter().chain(&a.duplicates).chain(a.rejected.iter().map(|r| &r.event_id)) {
        if !batch.events.iter().any(|e| &e.1 == id) {
            return Err(format!("it names {} which was not sent", truncate(id, 60)));
        }
        if !named.insert(id.as_str()) {
            return Err(format!("it names {id} twice"));
        }
    }
    if named.len() != batch.events.len() {
        return Err(format!("it names {} of {} events", named.len(), batch.events.len()));
    }
    Ok(a)
}

/// Reads a body, refusing more than `limit` bytes.
async fn read_limited(mut r: reqwest::Response, limit: usize) -> Result<Vec<u8>, String> {
    if r.content_length().is_some_and(|n| n > limit as u64) {
        return Err(format!("an answer of {} bytes is too large", r.content_length().unwrap_or(0)));
    }
    let mut buf = Vec::new();
    loop {
        match r.chunk().await {
            Ok(Some(c)) => {
                if buf.len() + c.len() > limit {
                    return Err(format!("an answer over {limit} bytes"));
                }
                buf.extend_from_slice(&c);
            }
            Ok(None) => return Ok(buf),
            Err(e) => return Err(format!("the answer broke off: {}", describe(&e))),
        }
    }
}

/// The `code` and `message` of an error body, as far as it has them.
fn error_body(bytes: &[u8]) -> (String, String) {
    let v: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    let e = v.get("error");
    let field = |f: &str| e.and_then(|e| e.get(f)).and_then(Value::as_str).map(|s| truncate(s, 500));
    (
        field("code").unwrap_or_else(|| "invalid_batch".into()),
        field("message").unwrap_or_else(|| "no reason given".into()),
    )
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the endpoint did not answer in time".into()
    } else if e.is_connect() {
        "cannot connect to the endpoint".into()
    } else {
        let mut s = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(inner) = src {
            s = format!("{s}: {inner}");
            src = inner.source();
        }
        s
    }
}

/// `Retry-After` in seconds or as an HTTP date, at most an hour.
fn retry_after(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = h.get("retry-after")?.to_str().ok()?.trim();
    let d = match v.parse::<u64>() {
        Ok(s) => Duration::from_secs(s),
        Err(_) => {
            let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
            (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().unwrap_or_default()
        }
    };
    Some(d.min(MAX_RETRY_AFTER))
}

/// After the n-th failure in a row: a random wait in [d/2, d], d = min(base * 2^n, 300 s), and
/// at least what the server asked for.
fn backoff(base: Duration, failures: u32, after: Option<Duration>) -> Duration {
    let d = base.saturating_mul(1u32 << failures.min(20)).min(MAX_BACKOFF);
    let jitter = (uuid::Uuid::new_v4().as_u128() % 1000) as u32;
    let wait = d / 2 + (d / 2) * jitter / 1000;
    wait.max(after.unwrap_or_default())
}

/// Starts the sync task for a session whose configuration names a central endpoint.
pub fn start_for(session: &crate::service::Session) -> Option<SyncTask> {
    let cfg = session.config();
    let sync = cfg.sync.clone()?;
    let terminal = Terminal {
        id: cfg.terminal_id.clone(),
        currency: cfg.pricing.currency.code.clone(),
        minor_units: cfg.pricing.currency.minor_units,
        grades: cfg.fuel_grades.iter().map(|g| g.code.clone()).collect(),
    };
    Some(SyncTask::start(sync, terminal, session.db_path().to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let base = Duration::from_secs(1);
        for n in 1..12u32 {
            let d = Duration::from_secs(1 << n).min(MAX_BACKOFF);
            for _ in 0..50 {
                let w = backoff(base, n, None);
                assert!(w >= d / 2 && w <= d, "{n}: {w:?}");
            }
        }
        assert_eq!(backoff(base, 1, Some(Duration::from_secs(40))), Duration::from_secs(40));
    }

    #[test]
    fn an_answer_must_name_every_event_once() {
        let batch = InFlight { key: String::new(), body: vec![], events: vec![(1, "a".into()), (2, "b".into())] };
        assert!(check_answer(br#"{"accepted":["a"],"duplicates":["b"],"rejected":[]}"#, &batch).is_ok());
        for bad in [
            &br#"{"accepted":["a"],"duplicates":[],"rejected":[]}"#[..],
            br#"{"accepted":["a","b","c"],"duplicates":[],"rejected":[]}"#,
            br#"{"accepted":["a","a"],"duplicates":["b"],"rejected":[]}"#,
            br#"{"accepted":["a","b"]}"#,
            br#"[1,2,3]"#,
            b"not json",
        ] {
            assert!(check_answer(bad, &batch).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
