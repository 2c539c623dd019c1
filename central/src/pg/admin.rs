//! The operator's commands (`till-central chain add`, `site add`, `terminal add`, `terminal
//! revoke`, `user add`, `pricebook import`): each one transaction on the schema owner's
//! connection, each input checked before anything is written.

use super::schema::describe;
use anyhow::{anyhow, bail, Context};
use deadpool_postgres::Object;
use password_hash::rand_core::{OsRng, RngCore};
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::str::FromStr;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn code_ok(s: &str) -> bool {
    crate::contract::is_terminal_id(s)
}

fn db(e: tokio_postgres::Error) -> anyhow::Error {
    anyhow!("{}", describe(&e))
}

/// The chain named, or the only one there is.
pub async fn chain_id(client: &Object, chain: Option<&str>) -> anyhow::Result<i64> {
    let rows = match chain {
        Some(c) => client.query("SELECT id FROM chains WHERE code = $1", &[&c]).await.map_err(db)?,
        None => client.query("SELECT id FROM chains", &[]).await.map_err(db)?,
    };
    match (rows.len(), chain) {
        (1, _) => Ok(rows[0].get(0)),
        (0, Some(c)) => bail!("no chain {c}"),
        (0, None) => bail!("no chain yet: add one with `till-central chain add CODE --name NAME --currency EUR`"),
        _ => bail!("more than one chain: say which with --chain"),
    }
}

pub async fn add_chain(client: &Object, code: &str, name: &str, currency: &str, minor: i16) -> anyhow::Result<i64> {
    if !code_ok(code) {
        bail!("a chain code is 1 to 32 letters, digits, - or _");
    }
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        bail!("a currency is three capital letters (EUR)");
    }
    if !(0..=4).contains(&minor) {
        bail!("minor units run from 0 to 4");
    }
    let row = client
        .query_one(
            "INSERT INTO chains (code, name, currency, minor_units) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&code, &name, &currency, &minor],
        )
        .await
        .map_err(db)?;
    Ok(row.get(0))
}

pub async fn add_site(client: &Object, chain: i64, code: &str, name: &str, time_zone: &str) -> anyhow::Result<i64> {
    if !code_ok(code) {
        bail!("a site code is 1 to 32 letters, digits, - or _");
    }
    client
        .query_one("SELECT now() AT TIME ZONE $1", &[&time_zone])
        .await
        .map_err(|_| anyhow!("unknown time zone {time_zone} (an IANA name such as Europe/Berlin)"))?;
    let row = client
        .query_one(
            "INSERT INTO sites (chain_id, code, name, time_zone) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&chain, &code, &name, &time_zone],
        )
        .await
        .map_err(db)?;
    Ok(row.get(0))
}

/// Adds a terminal to a site; returns its token (shown once: only its hash is kept).
pub async fn add_terminal(client: &Object, chain: i64, site: &str, code: &str) -> anyhow::Result<String> {
    if !code_ok(code) {
        bail!("a terminal id is 1 to 32 letters, digits, - or _ (its [terminal] id)");
    }
    let site_id: i64 = client
        .query_opt("SELECT id FROM sites WHERE chain_id = $1 AND code = $2", &[&chain, &site])
        .await
        .map_err(db)?
        .ok_or_else(|| anyhow!("no site {site} in this chain"))?
        .get(0);
    let mut raw = [0u8; 32];
    OsRng.fill_bytes(&mut raw);
    let token = hex::encode(raw);
    client
        .execute(
            "INSERT INTO terminals (chain_id, site_id, code, token_sha256) VALUES ($1, $2, $3, $4)",
            &[&chain, &site_id, &code, &crate::contract::token_hash(&token)],
        )
        .await
        .map_err(db)?;
    Ok(token)
}

/// Revokes a terminal's token (its events stay); false if it was revoked already.
pub async fn revoke_terminal(client: &Object, chain: i64, code: &str) -> anyhow::Result<bool> {
    let exists = client
        .query_opt("SELECT revoked_at IS NULL FROM terminals WHERE chain_id = $1 AND code = $2", &[&chain, &code])
        .await
        .map_err(db)?
        .ok_or_else(|| anyhow!("no terminal {code} in this chain"))?;
    if !exists.get::<_, bool>(0) {
        return Ok(false);
    }
    client
        .execute("UPDATE terminals SET revoked_at = now() WHERE chain_id = $1 AND code = $2", &[&chain, &code])
        .await
        .map_err(db)?;
    Ok(true)
}

/// Adds a head office user of a chain (the figures' web page), with an Argon2 hash of the
/// password.
pub async fn add_user(client: &Object, chain: i64, name: &str, password: &str) -> anyhow::Result<()> {
    if name.trim().is_empty() || name.len() > 100 {
        bail!("a user name is 1 to 100 characters");
    }
    if password.chars().count() < 12 {
        bail!("a password has at least 12 characters");
    }
    let hash = crate::office::hash_password(password)?;
    client
        .execute(
            "INSERT INTO office_users (chain_id, name, password_hash) VALUES ($1, $2, $3)",
            &[&chain, &name.trim(), &hash],
        )
        .await
        .map_err(db)?;
    Ok(())
}

/// One row of a price book file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceRow {
    pub kind: &'static str,
    pub code: String,
    pub site: Option<String>,
    pub price: Decimal,
    pub effective_at: OffsetDateTime,
}

/// Reads a price book CSV: `kind,code,price,effective_at[,site][,unit]` with a header line.
/// `kind` is `item` (an SKU) or `fuel` (a grade); `site` empty for the chain's own price; `unit`
/// `each` (the default), `kg` or `litre`. Every rule of the sync API's price book is checked here,
/// so that no terminal ever refuses what head office publishes; an error names its line.
pub fn read_pricebook(csv_text: &str, minor_units: u32) -> anyhow::Result<Vec<PriceRow>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv_text.as_bytes());
    let headers = reader.headers().context("the price book has no header line")?.clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(k), Some(c), Some(p), Some(e)) = (col("kind"), col("code"), col("price"), col("effective_at")) else {
        bail!("the header line needs kind, code, price and effective_at (and may have site, unit)");
    };
    let (s, u) = (col("site"), col("unit"));
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for (n, rec) in reader.records().enumerate() {
        let line = n + 2;
        let rec = rec.with_context(|| format!("line {line}"))?;
        let get = |i: usize| rec.get(i).unwrap_or("");
        let at = |msg: String| anyhow!("line {line}: {msg}");
        let kind = match get(k) {
            "item" => "item",
            "fuel" => "fuel",
            other => return Err(at(format!("kind is item or fuel, not {other:?}"))),
        };
        let code = get(c).to_string();
        let code_ok = (1..=64).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !code_ok {
            return Err(at(format!("{code:?} is not an SKU or grade (1 to 64 letters, digits, - _ .)")));
        }
        let text = get(p);
        if !crate::contract::is_decimal(text) || text.starts_with('-') {
            return Err(at(format!("price {text:?} is not a decimal such as 1.739")));
        }
        let price = Decimal::from_str(text).map_err(|e| at(format!("price {text:?}: {e}")))?;
        let unit = u.map(get).filter(|v| !v.is_empty()).unwrap_or("each");
        let most = match (kind, unit) {
            ("fuel", _) => 3,
            (_, "each") => minor_units,
            (_, "kg" | "litre") => minor_units.max(3),
            (_, other) => return Err(at(format!("unit is each, kg or litre, not {other:?}"))),
        };
        if price.scale() > most {
            return Err(at(format!("price {text} has more than {most} decimals")));
        }
        if price > Decimal::from(1_000_000_000) || (kind == "fuel" && price.is_zero()) {
            return Err(at(format!("price {text} is out of range (fuel above 0, nothing above 1000000000)")));
        }
        let when = get(e);
        let effective_at = OffsetDateTime::parse(when, &Rfc3339)
            .map_err(|_| at(format!("effective_at {when:?} is not an RFC 3339 time")))?
            .to_offset(time::UtcOffset::UTC);
        let site = s.map(get).filter(|v| !v.is_empty()).map(str::to_string);
        if !seen.insert((kind, code.clone(), site.clone(), effective_at)) {
            return Err(at(format!("{kind} {code} has two prices at {when}")));
        }
        rows.push(PriceRow { kind, code, site, price, effective_at });
    }
    Ok(rows)
}

/// Replaces a chain's price book with these rows in one transaction; returns its new version.
pub async fn import_pricebook(client: &mut Object, chain: i64, rows: &[PriceRow]) -> anyhow::Result<String> {
    let tx = client.transaction().await.map_err(db)?;
    let sites: Vec<(String, i64)> = tx
        .query("SELECT code, id FROM sites WHERE chain_id = $1", &[&chain])
        .await
        .map_err(db)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut site_ids = Vec::with_capacity(rows.len());
    for r in rows {
        site_ids.push(match &r.site {
            None => None,
            Some(code) => Some(
                sites.iter().find(|(c, _)| c == code).map(|(_, id)| *id).ok_or_else(|| anyhow!("no site {code}"))?,
            ),
        });
    }
    tx.execute("DELETE FROM price_entries WHERE chain_id = $1", &[&chain]).await.map_err(db)?;
    let kinds: Vec<&str> = rows.iter().map(|r| r.kind).collect();
    let codes: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    let prices: Vec<String> = rows.iter().map(|r| r.price.to_string()).collect();
    let ats: Vec<String> = rows.iter().map(|r| r.effective_at.format(&Rfc3339).unwrap_or_default()).collect();
    tx.execute(
        "INSERT INTO price_entries (chain_id, site_id, kind, code, price, effective_at)
         SELECT $1, u.site, u.kind, u.code, u.price::numeric, u.at::timestamptz
           FROM unnest($2::int8[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(site, kind, code, price, at)",
        &[&chain, &site_ids, &kinds, &codes, &prices, &ats],
    )
    .await
    .map_err(db)?;
    // Versions: the day, and the how-manieth import of it (2026-12-07.3).
    let version: String = tx
        .query_one(
            "INSERT INTO pricebooks (chain_id, version) VALUES ($1, to_char(now(), 'YYYY-MM-DD') || '.1')
             ON CONFLICT (chain_id) DO UPDATE SET imported_at = now(), version = to_char(now(), 'YYYY-MM-DD') || '.' ||
               CASE WHEN split_part(pricebooks.version, '.', 1) = to_char(now(), 'YYYY-MM-DD')
                    THEN (split_part(pricebooks.version, '.', 2)::int + 1)::text ELSE '1' END
             RETURNING version",
            &[&chain],
        )
        .await
        .map_err(db)?
        .get(0);
    tx.commit().await.map_err(db)?;
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::read_pricebook;

    #[test]
    fn a_price_book_file_is_checked_line_by_line() {
        let ok = "kind,code,price,effective_at,site,unit\n\
                  item,BEV-0001,2.19,2025-01-01T00:00:00Z,,\n\
                  fuel,E10,1.759,2025-05-14T14:00:00+02:00,,\n\
                  item,DELI-1,12.999,2025-01-01T00:00:00Z,S1,kg\n";
        let rows = read_pricebook(ok, 2).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].effective_at.hour(), 12, "times are kept in UTC");
        assert_eq!(rows[2].site.as_deref(), Some("S1"));
        for (bad, why) in [
            ("kind,code,price,effective_at\nitem,A,2.199,2025-01-01T00:00:00Z\n", "more than 2 decimals"),
            ("kind,code,price,effective_at\nfuel,E10,0,2025-01-01T00:00:00Z\n", "out of range"),
            ("kind,code,price,effective_at\nfuel,E10,1.5,yesterday\n", "RFC 3339"),
            ("kind,code,price,effective_at\nfood,E10,1.5,2025-01-01T00:00:00Z\n", "item or fuel"),
            ("kind,code,price,effective_at\nitem,A B,1.5,2025-01-01T00:00:00Z\n", "not an SKU"),
            ("kind,code,price,effective_at\nitem,A,1e3,2025-01-01T00:00:00Z\n", "not a decimal"),
            ("kind,code,price,effective_at\nitem,A,-1,2025-01-01T00:00:00Z\n", "not a decimal"),
            (
                "kind,code,price,effective_at\nitem,A,1,2025-01-01T00:00:00Z\nitem,A,2,2025-01-01T01:00:00+01:00\n",
                "two prices",
            ),
            ("kind,code,price\nitem,A,1\n", "header line needs"),
        ] {
            let e = read_pricebook(bad, 2).unwrap_err().to_string();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }
}
