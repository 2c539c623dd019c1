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
    /// Counts the rounds the task has finished (each publishes fresh counts).
    pub rounds: u64,
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
                // The task ends within a second of its last handle being dropped.
                let gone = || async {
                    while a.strong_count() > 0 {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                };
                while a.strong_count() > 0 {
                    let wait = engine.round().await;
                    match wait {
                        // After a failure the backoff is kept: a sale does not cut it short.
                        Wait::Backoff(d) => {
                            tokio::select! {
                                _ = tokio::time::sleep(d) => {}
                                _ = gone() => {}
                            }
                        }
                        Wait::Idle(d) => {
                            tokio::select! {
                                _ = tokio::time::sleep(d) => {}
                                _ = n.notified() => {}
                                _ = gone() => {}
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

    /// Waits until a round that began after this call has found nothing left to send, at most
    /// `patience`; false if events are still pending then (they stay in the outbox).
    pub fn drain(&self, patience: Duration) -> bool {
        let deadline = std::time::Instant::now() + patience;
        let start = self.status().rounds;
        loop {
            self.nudge();
            let s = self.status();
            // The round that was running at the start may have counted before the last write.
            if s.rounds > start.saturating_add(1) && s.pending == 0 {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
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

/// How a price book request went.
enum Pull {
    Reached,
    Refused,
    Failed,
}

/// A batch on its way: sent again with the same key and the same bytes until it is answered.
struct InFlight {
    key: String,
    body: Vec<u8>,
    events: Vec<(i64, String)>,
}

/// The server's answer to an upload.
#[derive(Debug, serde::Deserialize)]
struct Answer {
    accepted: Vec<String>,
    duplicates: Vec<String>,
    rejected: Vec<Rejected>,
}

#[derive(Debug, serde::Deserialize)]
struct Rejected {
    event_id: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

/// How an upload went.
enum Sent {
    Answer(Answer),
    /// Transport failure, timeout, 408, 429, 5xx, an unexpected status.
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// A 200 that cannot be used (not the answer's shape, wrong ids, too large).
    Unusable(String),
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
    /// Unusable answers in a row to the batch in flight.
    unusable: u32,
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
        let engine =
            Engine { cfg, terminal, client, store, status, failures: 0, in_flight: None, single: 0, cap, unusable: 0 };
        engine.publish();
        Ok(engine)
    }

    /// Pushes what is pending, then pulls the price book; says how long to wait. While the
    /// token is refused, a round is tried every 5 minutes, with or without events to send.
    async fn round(&mut self) -> Wait {
        let pushed_auth_ok = !self.status().auth_failed;
        let wait =
            if pushed_auth_ok || self.status().pending > 0 { self.push().await } else { Wait::Idle(self.cfg.interval) };
        let pulled = self.pull().await;
        match pulled {
            Pull::Refused => {
                self.update(|s| {
                    s.auth_failed = true;
                    s.error = Some("the endpoint refused this terminal's token".into());
                });
            }
            Pull::Reached if !matches!(wait, Wait::Backoff(_)) => self.update(|s| s.auth_failed = false),
            _ => {}
        }
        self.publish();
        if self.status().auth_failed {
            return Wait::Backoff(MAX_BACKOFF);
        }
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
            s.rounds = s.rounds.wrapping_add(1);
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
        crate::service::now().0
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
                    match encode(&rows, MAX_BODY) {
                        Ok(b) => b,
                        Err(Unsendable::Corrupt(seq, e)) => {
                            // A row that is not JSON cannot be sent as it is: parked, not retried.
                            if let Err(e) = self.park(seq, &format!("corrupt_event: {e}")) {
                                return self.failed(e, None);
                            }
                            continue;
                        }
                        Err(Unsendable::TooLarge(seq)) => {
                            if let Err(e) = self.park(seq, "body_too_large: the event alone is over 4 MiB") {
                                return self.failed(e, None);
                            }
                            continue;
                        }
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
                    self.unusable = 0;
                    self.single = self.single.saturating_sub(1);
                    self.cap = (self.cap * 2).min(self.cfg.batch_size);
                    self.update(|s| {
                        s.error = None;
                        s.auth_failed = false;
                    });
                    self.publish();
                }
                Sent::Retry { error, after } => return self.failed(error, after),
                Sent::Unusable(error) => {
                    // The same bytes keep getting the same unusable (replayed) answer: after three,
                    // a new key, one event at a time. Deduplication by event id keeps it safe.
                    self.unusable += 1;
                    let wait = self.failed(error, None);
                    if self.unusable >= 3 {
                        self.unusable = 0;
                        if let Some(b) = self.in_flight.take() {
                            self.single = self.single.max(b.events.len());
                        }
                    }
                    return wait;
                }
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
                        if let Err(e) = self.park(*seq, &format!("{code}: {message}")) {
                            return self.failed(e, None);
                        }
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
                        if let Err(e) = self.park(*seq, "body_too_large: the event is larger than the server takes") {
                            return self.failed(e, None);
                        }
                    } else {
                        self.cap = (batch.events.len() / 2).max(1);
                    }
                }
            }
        }
    }

    fn park(&mut self, seq: i64, reason: &str) -> Result<(), String> {
        tracing::warn!("sync: event {seq} parked: {reason}");
        self.store.park(seq, reason, &Self::now()).map_err(|e| format!("cannot park event {seq}: {e}"))
    }

    /// Marks what the server took as sent and parks what it refused.
    fn apply(&mut self, a: Answer) -> Result<(), crate::store::StoreError> {
        let Some(batch) = &self.in_flight else { return Ok(()) };
        let seq_of = |id: &str| batch.events.iter().find(|e| e.1.eq_ignore_ascii_case(id)).map(|e| e.0);
        let sent: Vec<i64> = a.accepted.iter().chain(&a.duplicates).filter_map(|id| seq_of(id)).collect();
        let parked: Vec<(i64, String)> = a
            .rejected
            .iter()
            .filter_map(|r| {
                let code = r.code.as_deref().unwrap_or("rejected");
                let reason = r.reason.as_deref().unwrap_or("no reason given");
                seq_of(&r.event_id).map(|s| (s, format!("{}: {}", truncate(code, 64), truncate(reason, 500))))
            })
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
                        Sent::Unusable(format!("unusable answer ({e}): {head}"))
                    }
                },
                Err(BodyError::TooLarge(e)) => Sent::Unusable(format!("unusable answer: {e}")),
                Err(BodyError::Broken(e)) => Sent::Retry { error: e, after: None },
            },
            401 | 403 => Sent::Auth(format!("the endpoint refused this terminal's token (HTTP {status})")),
            400 | 422 => match error_body(body.as_deref().unwrap_or_default()) {
                Some((code, message)) => Sent::BadBatch { code, message: format!("HTTP {status}: {message}") },
                // Not the API's error (a proxy's page, say): nothing is parked for it.
                None => {
                    Sent::Retry { error: format!("HTTP {status} without the API's error body from {url}"), after: None }
                }
            },
            413 => Sent::TooLarge,
            408 | 429 | 500..=599 => Sent::Retry { error: format!("the endpoint answered HTTP {status}"), after },
            other => Sent::Retry { error: format!("unexpected answer HTTP {other} from {url}"), after: None },
        }
    }

    /// Fetches the price book; a new one is validated whole and scheduled in one transaction.
    async fn pull(&mut self) -> Pull {
        let url = format!("{}/v1/terminals/{}/pricebook", self.cfg.url, self.terminal.id);
        let etag = self.store.sync_record().ok().and_then(|r| r.pricebook_etag);
        let mut req = self.client.get(&url).bearer_auth(&self.cfg.token);
        if let Some(tag) = &etag {
            req = req.header("If-None-Match", tag);
        }
        let response = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!("sync: price book: {}", describe(&e));
                return Pull::Failed;
            }
        };
        let status = response.status().as_u16();
        let tag = response.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_string);
        if matches!(status, 200 | 304 | 404) && self.status().error.is_none() {
            if let Err(e) = self.store.sync_reached(&Self::now()) {
                tracing::warn!("sync: {e}");
            }
        }
        match status {
            304 | 404 => Pull::Reached,
            200 => {
                let body = match read_limited(response, MAX_PRICEBOOK).await {
                    Ok(b) => b,
                    Err(e) => {
                        self.update(|s| s.error = Some(format!("price book: {e}")));
                        return Pull::Failed;
                    }
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
                Pull::Reached
            }
            401 | 403 => Pull::Refused,
            other => {
                tracing::warn!("sync: price book: HTTP {other}");
                Pull::Failed
            }
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
                if price < Decimal::ZERO || price > crate::import::MAX_PRICE {
                    return Err(at("the price is out of range"));
                }
                let max_dp = if kind == "fuel" {
                    if price <= Decimal::ZERO {
                        return Err(at("a fuel price must be above 0"));
                    }
                    if !self.terminal.grades.iter().any(|g| g == key) {
                        // Kept: it applies once the grade exists here.
                        unknown.push(format!("grade {key}"));
                    }
                    3
                } else {
                    match self.store.product_unit(key) {
                        Ok(Some(unit)) if unit == "each" => self.terminal.minor_units,
                        Ok(Some(_)) => self.terminal.minor_units.max(3),
                        Ok(None) => {
                            // Kept: a catalog import may add the item later.
                            unknown.push(key.to_string());
                            self.terminal.minor_units.max(3)
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

/// RFC 3339 UTC with nanoseconds: `2026-11-25T04:00:00.000000000Z` (comparable as text).
pub fn format_utc(t: chrono::DateTime<chrono::Utc>) -> String {
    // A fixed-width fraction keeps the text in time order.
    t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}

fn valid_key(k: &str) -> bool {
    !k.is_empty() && k.len() <= 64 && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Why an outbox row cannot be sent.
enum Unsendable {
    Corrupt(i64, String),
    TooLarge(i64),
}

/// The largest request body the API takes.
pub use crate::central::MAX_BODY;

/// The request body for a batch (as many of `rows` as fit in `max_body` bytes), and its key.
fn encode(rows: &[OutboxRow], max_body: usize) -> Result<InFlight, Unsendable> {
    let mut body = b"{\"events\":[".to_vec();
    let mut events = Vec::with_capacity(rows.len());
    for r in rows {
        let payload: Value = serde_json::from_str(&r.payload).map_err(|e| Unsendable::Corrupt(r.seq, e.to_string()))?;
        let one = serde_json::to_vec(&serde_json::json!({
            "event_id": r.event_id, "seq": r.seq, "kind": r.kind, "created_at": r.created_at, "payload": payload,
        }))
        .map_err(|e| Unsendable::Corrupt(r.seq, e.to_string()))?;
        if body.len() + one.len() + 3 > max_body {
            if events.is_empty() {
                return Err(Unsendable::TooLarge(r.seq));
            }
            break;
        }
        if !events.is_empty() {
            body.push(b',');
        }
        body.extend_from_slice(&one);
        events.push((r.seq, r.event_id.clone()));
    }
    body.extend_from_slice(b"]}");
    Ok(InFlight { key: uuid::Uuid::new_v4().to_string(), body, events })
}

/// An answer is usable only if it names every event of the batch exactly once and nothing else.
fn check_answer(bytes: &[u8], batch: &InFlight) -> Result<Answer, String> {
    let a: Answer = serde_json::from_slice(bytes).map_err(|e| format!("not the answer's shape: {e}"))?;
    let mut named = HashSet::new();
    for id in a.accepted.iter().chain(&a.duplicates).chain(a.rejected.iter().map(|r| &r.event_id)) {
        if !batch.events.iter().any(|e| e.1.eq_ignore_ascii_case(id)) {
            return Err(format!("it names {} which was not sent", truncate(id, 60)));
        }
        if !named.insert(id.to_ascii_lowercase()) {
            return Err(format!("it names {} twice", truncate(id, 60)));
        }
    }
    if named.len() != batch.events.len() {
        return Err(format!("it names {} of {} events", named.len(), batch.events.len()));
    }
    Ok(a)
}

/// Why a body was not read.
enum BodyError {
    /// It came, and grew larger than allowed.
    TooLarge(String),
    /// Announced larger than allowed (Content-Length; not read), or the connection broke off.
    Broken(String),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge(e) | BodyError::Broken(e) => f.write_str(e),
        }
    }
}

/// Reads a body, refusing more than `limit` bytes.
async fn read_limited(mut r: reqwest::Response, limit: usize) -> Result<Vec<u8>, BodyError> {
    if let Some(n) = r.content_length().filter(|n| *n > limit as u64) {
        return Err(BodyError::Broken(format!("an answer of {n} bytes is too large")));
    }
    let mut buf = Vec::new();
    loop {
        match r.chunk().await {
            Ok(Some(c)) => {
                if buf.len() + c.len() > limit {
                    return Err(BodyError::TooLarge(format!("an answer over {limit} bytes")));
                }
                buf.extend_from_slice(&c);
            }
            Ok(None) => return Ok(buf),
            Err(e) => return Err(BodyError::Broken(format!("the answer broke off: {}", describe(&e)))),
        }
    }
}

/// The `code` and `message` of the API's error body; `None` when it is not one.
fn error_body(bytes: &[u8]) -> Option<(String, String)> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    let e = v.get("error")?;
    let code = e.get("code").and_then(Value::as_str).map(|s| truncate(s, 64))?;
    let message = e.get("message").and_then(Value::as_str).map(|s| truncate(s, 500)).unwrap_or_default();
    Some((code, message))
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
        // Fields added by a newer server, ids in upper case, a rejection without a reason: usable.
        let a = check_answer(
            br#"{"accepted":["A"],"duplicates":[],"rejected":[{"event_id":"b","code":"x"}],"warnings":[]}"#,
            &batch,
        );
        assert!(a.is_ok(), "{a:?}");
    }

    #[test]
    fn a_batch_stops_before_the_body_limit_and_a_corrupt_row_is_named() {
        let row = |seq: i64, payload: String| OutboxRow {
            seq,
            event_id: format!("id-{seq}"),
            kind: "sale".into(),
            payload,
            created_at: "2026-01-01T00:00:00Z".into(),
        };
        let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(1000));
        let rows: Vec<OutboxRow> = (1..=10).map(|i| row(i, big.clone())).collect();
        let b = encode(&rows, 4000).ok().unwrap_or_else(|| panic!("encodes"));
        assert_eq!(b.events.len(), 3, "three 1 KB events fit in 4000 bytes");
        assert!(b.body.len() <= 4000);
        let v: Value = serde_json::from_slice(&b.body).unwrap_or(Value::Null);
        assert_eq!(v["events"].as_array().map(Vec::len), Some(3));
        assert!(matches!(encode(&rows, 500), Err(Unsendable::TooLarge(1))));
        assert!(matches!(encode(&[row(7, "{not json".into())], 4000), Err(Unsendable::Corrupt(7, _))));
    }
}
