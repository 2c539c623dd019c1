//! What every receiver checks the same way (`docs/sync-api.md`): the bearer token's form, an
//! upload's headers, the batch's shape, and each event's own problems. The SQLite reference
//! receiver and the PostgreSQL head office both use these, so that one contract suite holds for
//! both and the two cannot drift apart.

use crate::api::{MAX_BODY, MAX_EVENTS};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The API's error answer: `{"error":{"code":…,"message":…}}`.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(json!({ "error": { "code": code, "message": message } }))).into_response()
}

/// 401 with `WWW-Authenticate: Bearer`.
pub fn unauthorized(message: &str) -> Response {
    let mut r = error(StatusCode::UNAUTHORIZED, "unauthorized", message);
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

pub fn forbidden() -> Response {
    error(StatusCode::FORBIDDEN, "forbidden", "this token belongs to another terminal")
}

pub fn internal(message: &str) -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
}

/// 503 `unavailable` with `Retry-After` (the database is away, say).
pub fn unavailable(message: &str, retry_after: u64) -> Response {
    let mut r = error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message);
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// The bearer token of a request, if it has one of the right form; otherwise the 401 to answer.
#[allow(clippy::result_large_err)]
pub fn bearer(headers: &HeaderMap) -> Result<&str, Response> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized("a bearer token is needed"))
}

/// SHA-256 of a token: all a head office stores of it.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Is this a UUID (any version, hyphenated)?
pub fn is_uuid(s: &str) -> bool {
    uuid::Uuid::try_parse(s).is_ok() && s.len() == 36
}

/// A terminal id as the API allows it: 1 to 32 letters, digits, `-` or `_`.
pub fn is_terminal_id(s: &str) -> bool {
    (1..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An upload whose headers and size are in order: its idempotency key (lower case) and the
/// SHA-256 of its exact body.
#[derive(Debug, Clone)]
pub struct Upload {
    pub key: String,
    pub body_sha: Vec<u8>,
}

/// Checks an upload's `Idempotency-Key`, `Content-Type` and size (the 400s and the 413 that come
/// before the body is read).
#[allow(clippy::result_large_err)]
pub fn check_upload(headers: &HeaderMap, body: &[u8]) -> Result<Upload, Response> {
    let bad = |msg: &str| error(StatusCode::BAD_REQUEST, "invalid_request", msg);
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !is_uuid(key) {
        return Err(bad("Idempotency-Key must be a UUID"));
    }
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json_type {
        return Err(bad("Content-Type must be application/json"));
    }
    if body.len() > MAX_BODY {
        return Err(error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "over 4 MiB"));
    }
    Ok(Upload { key: key.to_ascii_lowercase(), body_sha: Sha256::digest(body).to_vec() })
}

/// One event of a batch, its envelope read.
#[derive(Debug, Clone)]
pub struct Event {
    /// Lower case.
    pub id: String,
    pub seq: i64,
    pub kind: String,
    /// As sent.
    pub created_at: String,
    pub payload: Value,
}

impl Event {
    /// When it happened, if `created_at` is an RFC 3339 time.
    pub fn at(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.created_at, &Rfc3339).ok()
    }

    /// The amount figures use: a sale's or refund's total, a drive-off's or pump test's amount.
    pub fn amount(&self) -> Option<&str> {
        match self.kind.as_str() {
            "sale" | "refund" => self.payload.get(&self.kind)?.get("total")?.as_str(),
            "drive_off" | "pump_test" | "pay_in" | "pay_out" | "safe_drop" | "safe_loan" => {
                self.payload.get("amount")?.as_str()
            }
            _ => None,
        }
    }

    pub fn currency(&self) -> Option<&str> {
        self.payload
            .get("currency")
            .or_else(|| self.payload.get(&self.kind).and_then(|r| r.get("currency")))
            .and_then(Value::as_str)
    }
}

/// Reads a batch's body (the 400s and 422s of a whole batch).
#[allow(clippy::result_large_err)]
pub fn parse_batch(body: &[u8]) -> Result<Vec<Event>, Response> {
    let bad = |code: &str, msg: &str| error(StatusCode::BAD_REQUEST, code, msg);
    let parsed: Value = serde_json::from_slice(body).map_err(|e| bad("invalid_json", &e.to_string()))?;
    let events =
        parsed.get("events").and_then(Value::as_array).ok_or_else(|| bad("invalid_batch", "no events list"))?;
    if events.len() > MAX_EVENTS {
        return Err(error(StatusCode::PAYLOAD_TOO_LARGE, "too_many_events", "over 500 events"));
    }
    let mut batch = Vec::with_capacity(events.len());
    for e in events {
        let id = e.get("event_id").and_then(Value::as_str).filter(|s| is_uuid(s)).map(str::to_ascii_lowercase);
        let seq = e.get("seq").and_then(whole).filter(|s| *s >= 1);
        let kind = e.get("kind").and_then(Value::as_str).filter(|k| is_kind(k));
        let created = e.get("created_at").and_then(Value::as_str);
        let payload = e.get("payload").filter(|p| p.is_object());
        match (id, seq, kind, created, payload) {
            (Some(id), Some(seq), Some(kind), Some(created), Some(p)) => batch.push(Event {
                id,
                seq,
                kind: kind.to_string(),
                created_at: created.to_string(),
                payload: p.clone(),
            }),
            _ => {
                return Err(bad(
                    "invalid_batch",
                    "an event lacks a UUID event_id, an integer seq of at least 1, a kind (a-z, 0-9, _), a created_at string or an object payload",
                ))
            }
        }
    }
    if batch.windows(2).any(|w| w[1].seq <= w[0].seq) {
        return Err(error(StatusCode::UNPROCESSABLE_ENTITY, "seq_not_increasing", "seq must rise within a batch"));
    }
    let mut seen = HashSet::new();
    if !batch.iter().all(|b| seen.insert(b.id.clone())) {
        return Err(error(StatusCode::UNPROCESSABLE_ENTITY, "duplicate_event_in_batch", "an event id appears twice"));
    }
    Ok(batch)
}

/// Why one event cannot be stored, if it cannot: its code and the reason shown to the manager.
pub fn event_problem(terminal: &str, e: &Event) -> Option<(&'static str, String)> {
    let (id, kind, payload) = (e.id.as_str(), e.kind.as_str(), &e.payload);
    if payload.get("event_id").and_then(Value::as_str).is_some_and(|p| !p.eq_ignore_ascii_case(id))
        || payload.get("kind").and_then(Value::as_str).is_some_and(|k| k != kind)
    {
        return Some(("envelope_mismatch", "the payload's event_id or kind differs from the envelope's".into()));
    }
    if let Some(t) = payload.get("terminal_id").and_then(Value::as_str) {
        if t != terminal {
            return Some((
                "terminal_mismatch",
                format!("payload.terminal_id is {}, the URL names {terminal}", clip(t)),
            ));
        }
    }
    if e.at().is_none() {
        return Some(("invalid_timestamp", "created_at must be an RFC 3339 time".into()));
    }
    if has_nul(payload) {
        return Some(("invalid_payload", "the payload holds a NUL character".into()));
    }
    if matches!(kind, "sale" | "refund") {
        let Some(rec) = payload.get(kind).filter(|r| r.is_object()) else {
            return Some(("invalid_payload", format!("a {kind} event needs payload.{kind}")));
        };
        for f in ["total", "paid", "change", "subtotal"] {
            if !rec.get(f).and_then(Value::as_str).is_some_and(is_decimal) {
                return Some(("invalid_amount", format!("{kind}.{f} must be a decimal string")));
            }
        }
    }
    if let Some(a) = payload.get("amount") {
        if matches!(kind, "drive_off" | "pump_test") && !a.as_str().is_some_and(is_decimal) {
            return Some(("invalid_amount", format!("{kind}.amount must be a decimal string")));
        }
    }
    None
}

/// A kind as the API writes it: a lower-case letter, then lower-case letters, digits or `_`; at
/// most 64 characters.
pub fn is_kind(k: &str) -> bool {
    let mut b = k.bytes();
    k.len() <= 64
        && b.next().is_some_and(|c| c.is_ascii_lowercase())
        && b.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// An integer as JSON Schema counts them: `41`, and `41.0` too.
fn whole(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        let f = v.as_f64()?;
        // Exactly integral and well inside i64 (2^53: every such float is an exact integer).
        (f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0).then_some(f as i64)
    })
}

/// A decimal string as the API writes money: an optional minus, digits, an optional fraction.
pub fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    (1..=18).contains(&int.len())
        && (1..=9).contains(&frac.len())
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// Does any string (or key) of this JSON value hold U+0000, which no database text column takes?
fn has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(a) => a.iter().any(has_nul),
        Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// At most 100 characters of something a terminal sent, for a reason text.
fn clip(s: &str) -> String {
    s.chars().take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_strings_of_digits() {
        for ok in ["0", "12.50", "-4.38", "1.739", "1250"] {
            assert!(is_decimal(ok), "{ok}");
        }
        for bad in ["", "-", "1.", ".5", "1e3", "12,50", "+1", "1.2.3", "NaN", "١٢"] {
            assert!(!is_decimal(bad), "{bad}");
        }
    }

    #[test]
    fn terminal_ids_follow_the_api() {
        assert!(is_terminal_id("DEMO-01") && is_terminal_id("a_b"));
        assert!(!is_terminal_id("") && !is_terminal_id("a b") && !is_terminal_id(&"x".repeat(33)));
    }
}
