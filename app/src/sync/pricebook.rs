//! Pulling the price book: with its ETag, validated whole, refused whole with a visible error,
//! and stored as the schedule that replaces the previous book.

use super::push::{describe, read_limited, valid_key};
use super::*;

/// How a price book request went.
pub(super) enum Pull {
    Reached,
    Refused,
    Failed,
}

/// RFC 3339 UTC with nanoseconds: `2026-11-25T04:00:00.000000000Z` (comparable as text).
pub fn format_utc(t: chrono::DateTime<chrono::Utc>) -> String {
    // A fixed-width fraction keeps the text in time order.
    t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}

impl Engine {
    /// Fetches the price book; a new one is validated whole and scheduled in one transaction.
    pub(super) async fn pull(&mut self) -> Pull {
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
    pub(super) fn check_pricebook(
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
                let price = crate::domain::money::parse_decimal(price_text)
                    .map_err(|_| at(&format!("'{}' is not a decimal", crate::domain::money::shorten(price_text))))?;
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
