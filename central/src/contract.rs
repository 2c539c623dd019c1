//! What every receiver checks the same way (`docs/sync-api.md`): the bearer token's form, an
//! upload's headers, the batch's shape, and each event's own problems. The SQLite reference
//! receiver and the PostgreSQL head office both use these, so that one contract suite holds for
//! both and the two cannot drift apart.

use crate::api::MAX_BODY;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};

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

pub use crate::batch::{event_problem, parse_batch, Event};

/// A kind as the API writes it: a lower-case letter, then lower-case letters, digits or `_`; at
/// most 64 characters.
pub fn is_kind(k: &str) -> bool {
    let mut b = k.bytes();
    k.len() <= 64
        && b.next().is_some_and(|c| c.is_ascii_lowercase())
        && b.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
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

/// At most 100 characters of something a terminal sent, for a reason text.
pub(crate) fn clip(s: &str) -> String {
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
