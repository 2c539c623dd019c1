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

/// Stores a batch's new events and its idempotency record in one transaction; returns the
/// answer's JSON text once that transaction has committed.
#[allow(clippy::result_large_err)]
async fn store(c: &PgCentral, terminal: &str, headers: &HeaderMap, body: &[u8]) -> Result<String, Response> {
    let t = c.authenticate(terminal, headers).await?;
    let upload = contract::check_upload(headers, body)?;
    // Read before the transaction, answered after the idempotency check (a key seen before is
    // answered from its record whatever the body now says).
    let parsed = contract::parse_batch(body);
    let mut client = c.conn().await?;
    let tx = client.transaction().await.map_err(db_error)?;
    scope(&tx, t.chain).await.map_err(db_error)?;
    let live = tx
        .query_opt("SELECT 1 FROM terminals WHERE id = $1 AND revoked_at IS NULL FOR UPDATE", &[&t.id])
        .await
        .map_err(db_error)?;
    if live.is_none() {
        return Err(contract::unauthorized("unknown token"));
    }
    let earlier = tx
        .query_opt(
            "SELECT body_sha256, answer FROM idempotency WHERE site_id = $1 AND terminal_id = $2 AND key = $3::text::uuid",
            &[&t.site, &t.id, &upload.key],
        )
        .await
        .map_err(db_error)?;
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
    let known: HashSet<String> = tx
        .query(
            "SELECT event_id::text FROM event_ids
              WHERE site_id = $1 AND terminal_id = $2 AND event_id = ANY($3::text[]::uuid[])",
            &[&t.site, &t.id, &ids],
        )
        .await
        .map_err(db_error)?
        .iter()
        .map(|r| r.get(0))
        .collect();
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
    if !new.id.is_empty() {
        tx.execute(
            "INSERT INTO event_ids (chain_id, site_id, terminal_id, event_id)
             SELECT $1, $2, $3, unnest($4::text[])::uuid ON CONFLICT DO NOTHING",
            &[&t.chain, &t.site, &t.id, &new.id],
        )
        .await
        .map_err(db_error)?;
        tx.execute(
            "INSERT INTO events (chain_id, site_id, terminal_id, event_id, seq, kind, created_at, amount, currency, payload)
             SELECT $1, $2, $3, u.id::uuid, u.seq, u.kind, u.at::timestamptz, till_num(u.amount), u.currency, u.payload::jsonb
               FROM unnest($4::text[], $5::int8[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
                    AS u(id, seq, kind, at, amount, currency, payload)
             ON CONFLICT DO NOTHING",
            &[&t.chain, &t.site, &t.id, &new.id, &new.seq, &new.kind, &new.at, &new.amount, &new.currency, &new.payload],
        )
        .await
        .map_err(db_error)?;
    }
    let text = serde_json::to_string(&answer).map_err(|e| contract::internal(&e.to_string()))?;
    tx.execute(
        "INSERT INTO idempotency (chain_id, site_id, terminal_id, key, body_sha256, answer)
         VALUES ($1, $2, $3, $4::text::uuid, $5, $6)",
        &[&t.chain, &t.site, &t.id, &upload.key, &upload.body_sha, &text],
    )
    .await
    .map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    Ok(text)
}

/// The new events of a batch, column by column, for one `INSERT … SELECT FROM unnest(…)`.
#[derive(Default)]
struct Columns {
    id: Vec<String>,
    seq: Vec<i64>,
    kind: Vec<String>,
    /// In UTC, as PostgreSQL reads it whatever offset the terminal wrote.
    at: Vec<String>,
    amount: Vec<Option<String>>,
    currency: Vec<Option<String>>,
    payload: Vec<String>,
}

impl Columns {
    fn push(&mut self, e: &contract::Event) {
        let at = e.at().map(|t| t.to_offset(time::UtcOffset::UTC)).and_then(|t| t.format(&Rfc3339).ok());
        self.id.push(e.id.clone());
        self.seq.push(e.seq);
        self.kind.push(e.kind.clone());
        self.at.push(at.unwrap_or_else(|| e.created_at.clone()));
        self.amount.push(e.amount().map(str::to_string));
        self.currency.push(e.currency().map(|c| c.chars().take(8).collect()));
        self.payload.push(e.payload.to_string());
    }
}
