//! `POST /v1/terminals/{terminal_id}/events` on PostgreSQL: one transaction per batch, holding
//! the terminal's row lock (one upload per terminal at a time; a second request under the same
//! key waits for the first and gets its answer), the idempotency record, the event ids and the
//! events themselves.

use super::{db_error, scope, PgCentral};
use crate::api::{BatchAnswer, RejectedEvent};
use crate::contract::{self, error};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashSet;
use time::format_description::well_known::Rfc3339;
use tokio_postgres::types::ToSql;

pub(super) async fn upload(
    State(c): State<PgCentral>,
    Path(terminal): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match store(&c, &terminal, &headers, &body).await {
        Ok(answer) => (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], answer).into_response(),
        Err(r) => r,
    }
}

const LOCK: &str = "SELECT 1 FROM terminals WHERE id = $1 AND revoked_at IS NULL FOR UPDATE";
const EARLIER: &str =
    "SELECT body_sha256, answer FROM idempotency WHERE site_id = $1 AND terminal_id = $2 AND key = $3::text::uuid";
const KNOWN: &str = "SELECT event_id::text FROM event_ids
     WHERE site_id = $1 AND terminal_id = $2 AND event_id = ANY($3::text[]::uuid[])";
const NEW_IDS: &str = "INSERT INTO event_ids (chain_id, site_id, terminal_id, event_id)
     SELECT $1, $2, $3, unnest($4::text[])::uuid ON CONFLICT DO NOTHING";
const NEW_EVENTS: &str =
    "INSERT INTO events (chain_id, site_id, terminal_id, event_id, seq, kind, created_at, amount, currency, payload)
     SELECT $1, $2, $3, u.id::uuid, u.seq, u.kind, u.at::timestamptz, till_num(u.amount), u.currency, u.payload::jsonb
       FROM unnest($4::text[], $5::int8[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
            AS u(id, seq, kind, at, amount, currency, payload)
     ON CONFLICT DO NOTHING";
const RECORD: &str = "INSERT INTO idempotency (chain_id, site_id, terminal_id, key, body_sha256, answer)
     VALUES ($1, $2, $3, $4::text::uuid, $5, $6)";

/// Stores a batch's new events and its idempotency record in one transaction; returns the
/// answer's JSON text once that transaction has committed. Statements are prepared once per
/// connection, and those that do not wait on each other's answers go out together (pipelined):
/// seven round trips a batch, whatever its size.
#[allow(clippy::result_large_err)]
async fn store(c: &PgCentral, terminal: &str, headers: &HeaderMap, body: &[u8]) -> Result<String, Response> {
    // The token before anything else (no connection is taken for a request without one).
    contract::bearer(headers)?;
    let mut client = c.conn().await?;
    let t = super::authenticate(&client, terminal, headers).await?;
    let upload = contract::check_upload(headers, body)?;
    // Read before the transaction, answered after the idempotency check (a key seen before is
    // answered from its record whatever the body now says).
    let parsed = contract::parse_batch(body);
    let tx = client.transaction().await.map_err(db_error)?;
    let (lock, earlier, known, new_ids, new_events, record) = tokio::try_join!(
        tx.prepare_cached(LOCK),
        tx.prepare_cached(EARLIER),
        tx.prepare_cached(KNOWN),
        tx.prepare_cached(NEW_IDS),
        tx.prepare_cached(NEW_EVENTS),
        tx.prepare_cached(RECORD),
        scope(&tx, t.chain),
    )
    .map(|(a, b, c, d, e, f, ())| (a, b, c, d, e, f))
    .map_err(db_error)?;
    // The terminal's row lock first (one upload per terminal at a time; the same key again waits
    // here for the first), then its record of this key.
    let (lock_args, key_args): (&[&(dyn ToSql + Sync)], &[&(dyn ToSql + Sync)]) =
        (&[&t.id], &[&t.site, &t.id, &upload.key]);
    let (live, earlier) =
        tokio::try_join!(tx.query_opt(&lock, lock_args), tx.query_opt(&earlier, key_args)).map_err(db_error)?;
    if live.is_none() {
        return Err(contract::unauthorized("unknown token"));
    }
    if let Some(row) = earlier {
        let sha: Vec<u8> = row.get(0);
        return if sha == upload.body_sha {
            Ok(row.get(1))
        } else {
            Err(error(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused", "this key came with another body"))
        };
    }
    let batch = parsed?;
    let ids: Vec<&str> = batch.iter().map(|e| e.id.as_str()).collect();
    let known: HashSet<String> = if ids.is_empty() {
        HashSet::new()
    } else {
        tx.query(&known, &[&t.site, &t.id, &ids]).await.map_err(db_error)?.iter().map(|r| r.get(0)).collect()
    };
    let mut answer = BatchAnswer::default();
    let mut new = Columns::default();
    for e in &batch {
        if known.contains(&e.id) {
            // Known already: a duplicate, whatever it looks like now (the first stored copy wins).
            answer.duplicates.push(e.id.clone());
        } else if let Some((code, reason)) = contract::event_problem(terminal, e) {
            answer.rejected.push(RejectedEvent {
                event_id: e.id.clone(),
                code: Some(code.into()),
                reason: Some(reason),
            });
        } else {
            new.push(e);
            answer.accepted.push(e.id.clone());
        }
    }
    let text = serde_json::to_string(&answer).map_err(|e| contract::internal(&e.to_string()))?;
    let ids = async {
        if new.id.is_empty() {
            return Ok(0);
        }
        tx.execute(&new_ids, &[&t.chain, &t.site, &t.id, &new.id]).await
    };
    let events = async {
        if new.id.is_empty() {
            return Ok(0);
        }
        tx.execute(
            &new_events,
            &[
                &t.chain,
                &t.site,
                &t.id,
                &new.id,
                &new.seq,
                &new.kind,
                &new.at,
                &new.amount,
                &new.currency,
                &new.payload,
            ],
        )
        .await
    };
    let record_args: &[&(dyn ToSql + Sync)] = &[&t.chain, &t.site, &t.id, &upload.key, &upload.body_sha, &text];
    let record = tx.execute(&record, record_args);
    tokio::try_join!(ids, events, record).map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    Ok(text)
}

/// The new events of a batch, column by column, for one `INSERT … SELECT FROM unnest(…)`.
#[derive(Default)]
struct Columns<'a> {
    id: Vec<&'a str>,
    seq: Vec<i64>,
    kind: Vec<&'a str>,
    /// In UTC, as PostgreSQL reads it whatever offset the terminal wrote.
    at: Vec<String>,
    amount: Vec<Option<&'a str>>,
    currency: Vec<Option<String>>,
    /// As the terminal sent it.
    payload: Vec<&'a str>,
}

impl<'a> Columns<'a> {
    fn push(&mut self, e: &'a contract::Event) {
        let at = e.at().map(|t| t.to_offset(time::UtcOffset::UTC)).and_then(|t| t.format(&Rfc3339).ok());
        self.id.push(&e.id);
        self.seq.push(e.seq);
        self.kind.push(&e.kind);
        self.at.push(at.unwrap_or_else(|| e.created_at.clone()));
        self.amount.push(e.amount());
        self.currency.push(e.currency().map(|c| c.chars().take(8).collect()));
        self.payload.push(e.payload.get());
    }
}
