//! Pushing the outbox: batches in outbox order, the same key and bytes until answered, refused
//! events parked with the server's reason, unusable answers told apart from lost ones.

use super::*;

/// A batch on its way: sent again with the same key and the same bytes until it is answered.
pub(super) struct InFlight {
    pub(super) key: String,
    pub(super) body: Vec<u8>,
    pub(super) events: Vec<(i64, String)>,
    /// Unusable 200 answers to this batch (under this key) so far.
    pub(super) unusable: u32,
}

/// Unusable answers to one batch after which its key is dropped and its events go one at a time.
pub(super) const UNUSABLE_STRIKES: u32 = 3;

/// The server's answer to an upload, as the API defines it.
pub(super) use till_central::api::BatchAnswer as Answer;

/// How an upload went.
pub(super) enum Sent {
    Answer(Answer),
    /// Transport failure, timeout, 408, 429, 5xx, an unexpected status.
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// A 200 that cannot be used: larger than `MAX_ANSWER` (announced or not), not UTF-8 JSON of
    /// the answer's shape, or not naming every event of the batch exactly once.
    Unusable(String),
    Auth(String),
    /// 400 or 422 for the whole batch, with the server's code and message.
    BadBatch {
        code: String,
        message: String,
    },
    TooLarge,
}

pub(super) fn valid_key(k: &str) -> bool {
    !k.is_empty() && k.len() <= 64 && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

pub(super) fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Why an outbox row cannot be sent.
pub(super) enum Unsendable {
    Corrupt(i64, String),
    TooLarge(i64),
}

/// One event as the API sends it.
#[derive(serde::Serialize)]
struct Wire<'a> {
    event_id: &'a str,
    seq: i64,
    kind: &'a str,
    created_at: &'a str,
    payload: &'a serde_json::value::RawValue,
}

/// The request body for a batch (as many of `rows` as fit in `max_body` bytes), and its key.
pub(super) fn encode(rows: &[OutboxRow], max_body: usize) -> Result<InFlight, Unsendable> {
    let mut body = b"{\"events\":[".to_vec();
    let mut events = Vec::with_capacity(rows.len());
    for r in rows {
        // The payload goes as stored (checked to be JSON, not rebuilt): a terminal with a backlog
        // sends thousands of events, and a tree of each was most of the work.
        let payload: &serde_json::value::RawValue =
            serde_json::from_str(&r.payload).map_err(|e| Unsendable::Corrupt(r.seq, e.to_string()))?;
        let one = serde_json::to_vec(&Wire {
            event_id: &r.event_id,
            seq: r.seq,
            kind: &r.kind,
            created_at: &r.created_at,
            payload,
        })
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
    Ok(InFlight { key: uuid::Uuid::new_v4().to_string(), body, events, unusable: 0 })
}

/// An answer is usable only if it names every event of the batch exactly once and nothing else.
pub(super) fn check_answer(bytes: &[u8], batch: &InFlight) -> Result<Answer, String> {
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
pub(crate) enum BodyError {
    /// Larger than allowed: announced so by Content-Length (then not read at all), or it grew
    /// past the limit while it was read (chunked, or a Content-Length that lied).
    TooLarge(String),
    /// The connection broke off or timed out before the body ended.
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
pub(crate) async fn read_limited(mut r: reqwest::Response, limit: usize) -> Result<Vec<u8>, BodyError> {
    if let Some(n) = r.content_length().filter(|n| *n > limit as u64) {
        return Err(BodyError::TooLarge(format!("an answer of {n} bytes is over {limit} bytes")));
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
pub(super) fn error_body(bytes: &[u8]) -> Option<(String, String)> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    let e = v.get("error")?;
    let code = e.get("code").and_then(Value::as_str).map(|s| truncate(s, 64))?;
    let message = e.get("message").and_then(Value::as_str).map(|s| truncate(s, 500)).unwrap_or_default();
    Some((code, message))
}

pub(crate) fn describe(e: &reqwest::Error) -> String {
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
pub(super) fn retry_after(h: &reqwest::header::HeaderMap) -> Option<Duration> {
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

impl Engine {
    pub(super) async fn push(&mut self) -> Wait {
        loop {
            let batch = match self.in_flight.take() {
                Some(b) => b,
                None => {
                    let rows = match self.store.pending_events(self.batching.limit()) {
                        Ok(r) => r,
                        Err(e) => return self.failed(format!("cannot read the outbox: {e}"), None),
                    };
                    if rows.is_empty() {
                        return Wait::Idle(self.cfg.interval);
                    }
                    match encode(&rows, MAX_BODY) {
                        Ok(b) => b,
                        // A row that is not JSON cannot be sent as it is: parked, not retried.
                        Err(Unsendable::Corrupt(seq, e)) => {
                            if let Err(e) = self.park(seq, &format!("corrupt_event: {e}")) {
                                return self.failed(e, None);
                            }
                            self.batching.settle(1);
                            continue;
                        }
                        Err(Unsendable::TooLarge(seq)) => {
                            if let Err(e) = self.park(seq, "body_too_large: the event alone is over 4 MiB") {
                                return self.failed(e, None);
                            }
                            self.batching.settle(1);
                            continue;
                        }
                    }
                }
            };
            let sent = self.send(&batch).await;
            let n = batch.events.len();
            self.in_flight = Some(batch);
            match sent {
                Sent::Answer(a) => {
                    if let Err(e) = self.apply(a) {
                        return self.failed(format!("cannot store the answer: {e}"), None);
                    }
                    self.in_flight = None;
                    self.failures = 0;
                    self.batching.answered(n);
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
                    let wait = self.failed(error, None);
                    if let Some(b) = self.in_flight.as_mut() {
                        b.unusable += 1;
                        if b.unusable >= UNUSABLE_STRIKES {
                            tracing::warn!("sync: {UNUSABLE_STRIKES} unusable answers; sending one at a time");
                            self.in_flight = None;
                            self.batching.one_at_a_time(n);
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
                Sent::BadBatch { code, message } if code == "idempotency_key_reused" => {
                    // Not the events' fault: the same events again later, under a new key.
                    let wait = self.failed(format!("the server refused the key: {message}"), None);
                    self.in_flight = None;
                    return wait;
                }
                Sent::BadBatch { code, message } => {
                    let Some(batch) = self.in_flight.take() else { continue };
                    if let [(seq, _)] = batch.events.as_slice() {
                        if let Err(e) = self.park(*seq, &format!("{code}: {message}")) {
                            return self.failed(e, None);
                        }
                        self.batching.settle(1);
                    } else {
                        // Find the broken event: one at a time, then batches again.
                        tracing::warn!("sync: batch refused ({code}: {message}); sending one at a time");
                        self.batching.one_at_a_time(n);
                    }
                }
                Sent::TooLarge => {
                    let Some(batch) = self.in_flight.take() else { continue };
                    if let [(seq, _)] = batch.events.as_slice() {
                        if let Err(e) = self.park(*seq, "body_too_large: the event is larger than the server takes") {
                            return self.failed(e, None);
                        }
                        self.batching.settle(1);
                    } else {
                        // Both halves go next, each with its own key, before the size grows again.
                        tracing::warn!("sync: a batch of {n} events was too large; sending it in halves");
                        self.batching.split(n);
                    }
                }
            }
        }
    }

    pub(super) fn park(&mut self, seq: i64, reason: &str) -> Result<(), String> {
        tracing::warn!("sync: event {seq} parked: {reason}");
        self.store.park(seq, reason, &Self::now()).map_err(|e| format!("cannot park event {seq}: {e}"))
    }

    /// Marks what the server took as sent and parks what it refused.
    pub(super) fn apply(&mut self, a: Answer) -> Result<(), crate::store::StoreError> {
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

    pub(super) async fn send(&self, batch: &InFlight) -> Sent {
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
}
