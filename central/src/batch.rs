//! Reading an upload's batch without building a tree of it: each event's envelope is read field
//! by field, its payload is kept as the exact JSON text the terminal sent (stored as is), and
//! only the few payload fields the checks and the figures need are read from it. A head office
//! reads thousands of events a second; building and copying a `serde_json::Value` of each was
//! most of its work.

use crate::api::MAX_EVENTS;
use crate::contract::{clip, error, is_decimal, is_kind, is_uuid};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashSet;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// One event of a batch, its envelope read.
#[derive(Debug, Clone)]
pub struct Event {
    /// Lower case.
    pub id: String,
    pub seq: i64,
    pub kind: String,
    /// As sent.
    pub created_at: String,
    /// The payload's JSON text, exactly as sent (an object).
    pub payload: Box<RawValue>,
    facts: Facts,
}

/// What the checks and the figures read from a payload.
#[derive(Debug, Clone, Default)]
struct Facts {
    /// False when the payload's fields could not be read (a key given twice, say).
    readable: bool,
    event_id: Option<String>,
    kind: Option<String>,
    terminal_id: Option<String>,
    currency: Option<String>,
    /// `amount` as a string, and whether the field is there at all.
    amount: Option<String>,
    has_amount: bool,
    /// For a sale or refund: `payload.<kind>`, if it is an object.
    record: Option<Record>,
    nul: bool,
}

#[derive(Debug, Clone, Default)]
struct Record {
    total: Option<String>,
    paid: Option<String>,
    change: Option<String>,
    subtotal: Option<String>,
    currency: Option<String>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    event_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    seq: Option<&'a RawValue>,
    #[serde(borrow, default)]
    kind: Option<&'a RawValue>,
    #[serde(borrow, default)]
    created_at: Option<&'a RawValue>,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow, default)]
    event_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    kind: Option<&'a RawValue>,
    #[serde(borrow, default)]
    terminal_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    currency: Option<&'a RawValue>,
    #[serde(borrow, default)]
    amount: Option<&'a RawValue>,
    #[serde(borrow, default)]
    sale: Option<&'a RawValue>,
    #[serde(borrow, default)]
    refund: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Rec<'a> {
    #[serde(borrow, default)]
    total: Option<&'a RawValue>,
    #[serde(borrow, default)]
    paid: Option<&'a RawValue>,
    #[serde(borrow, default)]
    change: Option<&'a RawValue>,
    #[serde(borrow, default)]
    subtotal: Option<&'a RawValue>,
    #[serde(borrow, default)]
    currency: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Batch<'a> {
    #[serde(borrow, default)]
    events: Option<Vec<&'a RawValue>>,
}

fn is_object(raw: &RawValue) -> bool {
    raw.get().trim_start().starts_with('{')
}

/// A JSON string's value; None for anything else.
fn text(raw: Option<&RawValue>) -> Option<String> {
    raw.filter(|r| r.get().starts_with('"')).and_then(|r| serde_json::from_str(r.get()).ok())
}

/// An integer as JSON Schema counts them: `41`, and `41.0` too.
fn whole(raw: &RawValue) -> Option<i64> {
    let v: serde_json::Value = serde_json::from_str(raw.get()).ok()?;
    v.as_i64().or_else(|| {
        let f = v.as_f64()?;
        // Exactly integral and well inside i64 (below 2^53 every such float is an exact integer).
        (f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0).then_some(f as i64)
    })
}

/// Does this JSON text hold U+0000 (which no database text column takes), written as the escape
/// `\u0000` (JSON allows it no other way)?
fn has_nul(json: &str) -> bool {
    let b = json.as_bytes();
    json.match_indices("u0000").any(|(i, _)| {
        // An escape only if an odd number of backslashes comes right before it.
        let slashes = b[..i].iter().rev().take_while(|&&c| c == b'\\').count();
        slashes % 2 == 1
    }) || b.contains(&0)
}

fn facts(kind: &str, payload: &RawValue) -> Facts {
    let Ok(top) = serde_json::from_str::<Top>(payload.get()) else {
        return Facts { nul: has_nul(payload.get()), ..Facts::default() };
    };
    let record_raw = match kind {
        "sale" => top.sale,
        "refund" => top.refund,
        _ => None,
    };
    let record =
        record_raw.filter(|r| is_object(r)).and_then(|r| serde_json::from_str::<Rec>(r.get()).ok()).map(|r| Record {
            total: text(r.total),
            paid: text(r.paid),
            change: text(r.change),
            subtotal: text(r.subtotal),
            currency: text(r.currency),
        });
    Facts {
        readable: true,
        event_id: text(top.event_id),
        kind: text(top.kind),
        terminal_id: text(top.terminal_id),
        currency: text(top.currency),
        amount: text(top.amount),
        has_amount: top.amount.is_some(),
        record,
        nul: has_nul(payload.get()),
    }
}

impl Event {
    /// When it happened, if `created_at` is an RFC 3339 time.
    pub fn at(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.created_at, &Rfc3339).ok()
    }

    /// The amount figures use: a sale's or refund's total, a drive-off's or pump test's amount.
    pub fn amount(&self) -> Option<&str> {
        match self.kind.as_str() {
            "sale" | "refund" => self.facts.record.as_ref()?.total.as_deref(),
            "drive_off" | "pump_test" | "pay_in" | "pay_out" | "safe_drop" | "safe_loan" => {
                self.facts.amount.as_deref()
            }
            _ => None,
        }
    }

    pub fn currency(&self) -> Option<&str> {
        self.facts.currency.as_deref().or_else(|| self.facts.record.as_ref()?.currency.as_deref())
    }
}

/// Reads a batch's body (the 400s and 422s of a whole batch).
#[allow(clippy::result_large_err)]
pub fn parse_batch(body: &[u8]) -> Result<Vec<Event>, Response> {
    let bad = |code: &str, msg: &str| error(StatusCode::BAD_REQUEST, code, msg);
    // The whole body is checked to be JSON first (a RawValue is read to its end).
    let whole_body: &RawValue = serde_json::from_slice(body).map_err(|e| bad("invalid_json", &e.to_string()))?;
    let events = is_object(whole_body)
        .then(|| serde_json::from_str::<Batch>(whole_body.get()).ok())
        .flatten()
        .and_then(|b| b.events)
        .ok_or_else(|| bad("invalid_batch", "no events list"))?;
    if events.len() > MAX_EVENTS {
        return Err(error(StatusCode::PAYLOAD_TOO_LARGE, "too_many_events", "over 500 events"));
    }
    let mut batch = Vec::with_capacity(events.len());
    for raw in events {
        let env = is_object(raw).then(|| serde_json::from_str::<Envelope>(raw.get()).ok()).flatten();
        let read = env.and_then(|env| {
            let id = text(env.event_id).filter(|s| is_uuid(s)).map(|s| s.to_ascii_lowercase())?;
            let seq = env.seq.and_then(whole).filter(|s| *s >= 1)?;
            let kind = text(env.kind).filter(|k| is_kind(k))?;
            let created_at = text(env.created_at)?;
            let payload = env.payload.filter(|p| is_object(p))?;
            let facts = facts(&kind, payload);
            Some(Event { id, seq, kind, created_at, payload: payload.to_owned(), facts })
        });
        match read {
            Some(e) => batch.push(e),
            None => {
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
    let (id, kind, f) = (e.id.as_str(), e.kind.as_str(), &e.facts);
    if f.event_id.as_deref().is_some_and(|p| !p.eq_ignore_ascii_case(id))
        || f.kind.as_deref().is_some_and(|k| k != kind)
    {
        return Some(("envelope_mismatch", "the payload's event_id or kind differs from the envelope's".into()));
    }
    if let Some(t) = f.terminal_id.as_deref() {
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
    if f.nul {
        return Some(("invalid_payload", "the payload holds a NUL character".into()));
    }
    if !f.readable {
        return Some(("invalid_payload", "the payload cannot be read (a key given twice?)".into()));
    }
    if matches!(kind, "sale" | "refund") {
        let Some(rec) = &f.record else {
            return Some(("invalid_payload", format!("a {kind} event needs payload.{kind}")));
        };
        for (name, v) in
            [("total", &rec.total), ("paid", &rec.paid), ("change", &rec.change), ("subtotal", &rec.subtotal)]
        {
            if !v.as_deref().is_some_and(is_decimal) {
                return Some(("invalid_amount", format!("{kind}.{name} must be a decimal string")));
            }
        }
    }
    if matches!(kind, "drive_off" | "pump_test") && f.has_amount && !f.amount.as_deref().is_some_and(is_decimal) {
        return Some(("invalid_amount", format!("{kind}.amount must be a decimal string")));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_as_an_escape_only() {
        assert!(has_nul(r#"{"a":"x\u0000y"}"#));
        assert!(has_nul(r#"{"a":"\\\u0000"}"#), "an escaped backslash, then the escape");
        assert!(!has_nul(r#"{"a":"\\u0000"}"#), "the text \\u0000, no NUL");
        assert!(!has_nul(r#"{"a":"u0000"}"#));
    }

    #[test]
    fn a_batch_is_read_field_by_field() {
        let id = "caa24000-6f3a-4822-8fd2-e62db62a68b9";
        let body = format!(
            r#"{{"events":[{{"event_id":"{}","seq":41.0,"kind":"sale","created_at":"2025-05-14T06:58:02Z",
               "payload":{{"event_id":"{id}","sale":{{"total":"1.50","paid":"2.00","change":"0.50","subtotal":"1.50"}},"currency":"EUR"}}}}]}}"#,
            id.to_uppercase()
        );
        let batch = parse_batch(body.as_bytes()).unwrap();
        assert_eq!((batch[0].id.as_str(), batch[0].seq, batch[0].amount()), (id, 41, Some("1.50")));
        assert_eq!(batch[0].currency(), Some("EUR"));
        assert!(batch[0].payload.get().starts_with("{\"event_id\""), "the payload kept as sent");
        assert_eq!(event_problem("T", &batch[0]), None);
        for bad in [r#"[{"events":[]}]"#, r#"{"events":{}}"#, r#"{"events":[1]}"#, r#"{"events":[{"event_id":1}]}"#] {
            assert!(parse_batch(bad.as_bytes()).is_err(), "{bad}");
        }
        assert_eq!(parse_batch(br#"{"events":[]}"#).unwrap().len(), 0);
    }
}
