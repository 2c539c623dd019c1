//! `GET /v1/terminals/{terminal_id}/pricebook` on PostgreSQL: the chain's price book with the
//! terminal's site's overrides (a site that prices an SKU or grade itself replaces the chain's
//! entries for it), the entry in force and every scheduled one, with a strong ETag over the body.

use super::{db_error, scope, PgCentral};
use crate::contract::error;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub(super) async fn pricebook(
    State(c): State<PgCentral>,
    Path(terminal): Path<String>,
    headers: HeaderMap,
) -> Response {
    let book = match book(&c, &terminal, &headers).await {
        Ok(Some(b)) => b.to_string(),
        Ok(None) => return error(StatusCode::NOT_FOUND, "no_pricebook", "no price book for this terminal"),
        Err(r) => return r,
    };
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(book.as_bytes()))[..32]);
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (StatusCode::OK, [(header::ETAG, etag), (header::CONTENT_TYPE, "application/json".to_string())], book)
        .into_response()
}

#[allow(clippy::result_large_err)]
async fn book(c: &PgCentral, terminal: &str, headers: &HeaderMap) -> Result<Option<Value>, Response> {
    let t = c.authenticate(terminal, headers).await?;
    let mut client = c.conn().await?;
    let tx = client.transaction().await.map_err(db_error)?;
    scope(&tx, t.chain).await.map_err(db_error)?;
    let head = tx
        .query_opt(
            "SELECT c.currency, p.version FROM chains c JOIN pricebooks p ON p.chain_id = c.id WHERE c.id = $1",
            &[&t.chain],
        )
        .await
        .map_err(db_error)?;
    let Some(head) = head else { return Ok(None) };
    let rows = tx
        .query(
            "WITH e AS (
               SELECT pe.kind, pe.code, pe.price, pe.effective_at FROM price_entries pe
                WHERE pe.chain_id = $1
                  AND (pe.site_id = $2
                       OR (pe.site_id IS NULL AND NOT EXISTS (
                             SELECT 1 FROM price_entries o
                              WHERE o.chain_id = $1 AND o.site_id = $2 AND o.kind = pe.kind AND o.code = pe.code)))
             ), since AS (
               SELECT kind, code, max(effective_at) FILTER (WHERE effective_at <= now()) AS at FROM e GROUP BY kind, code
             )
             SELECT e.kind, e.code, e.price::text,
                    to_char(e.effective_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')
               FROM e JOIN since s USING (kind, code)
              WHERE s.at IS NULL OR e.effective_at >= s.at
              ORDER BY e.kind, e.code, e.effective_at",
            &[&t.chain, &t.site],
        )
        .await
        .map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    let (mut items, mut fuel) = (Vec::new(), Vec::new());
    for r in &rows {
        let (kind, code, price, at): (&str, &str, &str, &str) = (r.get(0), r.get(1), r.get(2), r.get(3));
        let at = rfc3339(at);
        match kind {
            "fuel" => fuel.push(json!({ "grade": code, "price": price, "effective_at": at })),
            _ => items.push(json!({ "sku": code, "price": price, "effective_at": at })),
        }
    }
    let (currency, version): (&str, &str) = (head.get(0), head.get(1));
    Ok(Some(json!({ "version": version, "currency": currency, "items": items, "fuel_prices": fuel })))
}

/// `2025-05-14T12:00:00.250000` as the API writes times: `Z`, the fraction's trailing zeros gone.
fn rfc3339(local: &str) -> String {
    let t = local.trim_end_matches('0').trim_end_matches('.');
    format!("{t}Z")
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_lose_trailing_zeros_only() {
        assert_eq!(super::rfc3339("2025-05-14T12:00:00.000000"), "2025-05-14T12:00:00Z");
        assert_eq!(super::rfc3339("2025-05-14T12:00:10.250000"), "2025-05-14T12:00:10.25Z");
        assert_eq!(super::rfc3339("2025-05-14T12:00:00.000001"), "2025-05-14T12:00:00.000001Z");
    }
}
