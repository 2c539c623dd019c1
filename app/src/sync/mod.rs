//! Central sync, the terminal's side (`docs/sync-api.md`): a background task that pushes the
//! outbox to the central endpoint in outbox order and pulls the price book.
//!
//! Exactly once: an event is marked sent only when a well-formed answer names it accepted or a
//! duplicate; everything else leaves it pending, and the server deduplicates by event id, so an
//! event sent twice (a lost acknowledgement, a crash after sending) is stored once. A batch that
//! failed is sent again with the same key and the same bytes. At most one batch is in memory.
//! Each event's state (pending, sent, parked; attempts, last error) lives in the store, so it
//! survives restarts; the batch in flight, its key and the batch size do not (a restarted
//! terminal builds its first batch afresh, with a new key, at `batch_size`).

use crate::config::SyncConfig;
use crate::store::{OutboxRow, Store};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod batching;
#[cfg(test)]
mod fuzz;
mod pricebook;
mod push;
pub(crate) use push::{describe, read_limited};

use batching::Batching;
pub use pricebook::format_utc;
use pricebook::Pull;
use push::InFlight;
/// The API's limits: the largest upload, the largest answer read, the largest price book.
pub use till_central::api::{MAX_ANSWER, MAX_BODY, MAX_PRICEBOOK};

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

struct Engine {
    cfg: SyncConfig,
    terminal: Terminal,
    client: reqwest::Client,
    store: Store,
    status: Arc<Mutex<SyncStatus>>,
    failures: u32,
    in_flight: Option<InFlight>,
    /// How many events the next batch takes (halves after a 413, one at a time after a 400/422).
    batching: Batching,
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
        let batching = Batching::new(cfg.batch_size);
        let engine = Engine { cfg, terminal, client, store, status, failures: 0, in_flight: None, batching };
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
}

/// After the n-th failure in a row (n >= 1): a random wait in [d/2, d], d = min(base * 2^n,
/// 300 s), and at least what the server asked for (`Retry-After`, at most an hour).
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
    use super::push::*;
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
        let batch =
            InFlight { key: String::new(), body: vec![], events: vec![(1, "a".into()), (2, "b".into())], unusable: 0 };
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
