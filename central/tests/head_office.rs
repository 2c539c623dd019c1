//! The PostgreSQL head office beyond the sync contract: chains kept apart by row-level security,
//! the operator's commands (the `till-central` binary), monthly partitions, price books with
//! site overrides and schedules, and the figures' arithmetic.

mod common;

use common::*;
use serde_json::{json, Value};
use std::process::Command;
use till_central::pg::{admin, PgCentral};

fn database_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or_default()
}

fn cli(url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_till-central"))
        .arg("--database")
        .arg(url)
        .args(args)
        .env("TILL_CENTRAL_PASSWORD", "correct horse battery")
        .output()
        .expect("run till-central");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn target(addr: std::net::SocketAddr, terminal: &str, token: &str) -> Target {
    Target::remote(addr, terminal, token)
}

#[test]
fn row_level_security_keeps_chains_apart() {
    let url = cluster().database().unwrap();
    let db = database_of(&url).to_string();
    let central = PgCentral::connect(&url, 8).unwrap();
    // Two chains, each with a terminal LANE-01: the same code, two tenants.
    let (a, b) = block_on(async {
        central.migrate().await.unwrap();
        let client = central.client().await.unwrap();
        let mut tokens = Vec::new();
        for chain in ["ALPHA", "BETA"] {
            let id = admin::add_chain(&client, chain, chain, "EUR", 2).await.unwrap();
            admin::add_site(&client, id, "S1", "Site", "UTC").await.unwrap();
            tokens.push(admin::add_terminal(&client, id, "S1", "LANE-01").await.unwrap());
        }
        (tokens[0].clone(), tokens[1].clone())
    });
    let addr = central.spawn("127.0.0.1:0", 2).unwrap();
    let ta = target(addr, "LANE-01", &a);
    let tb = target(addr, "LANE-01", &b);
    let ea: Vec<Value> = (1..=3).map(|s| event("LANE-01", s, "sale")).collect();
    let eb: Vec<Value> = (1..=2).map(|s| event("LANE-01", s, "sale")).collect();
    assert_eq!(list(&upload(&ta, &ea).json(), "accepted").len(), 3);
    assert_eq!(list(&upload(&tb, &eb).json(), "accepted").len(), 2);
    // B's events sent with A's token are A's own, new events: nothing of B's is seen or touched.
    assert_eq!(list(&upload(&ta, &eb).json(), "accepted").len(), 2);
    assert_eq!(list(&upload(&tb, &eb).json(), "duplicates").len(), 2);

    let pg = cluster();
    let chain =
        |code: &str| pg.psql(&db, &format!("SELECT id FROM chains WHERE code = '{code}'")).unwrap().trim().to_string();
    let (alpha, beta) = (chain("ALPHA"), chain("BETA"));
    let as_app = |chain: &str, sql: &str| {
        pg.psql(
            &db,
            &format!("BEGIN; SET LOCAL ROLE till_app; SELECT set_config('till.chain', '{chain}', true); {sql}; COMMIT"),
        )
    };
    let count = |chain: &str, table: &str| -> String {
        let out = as_app(chain, &format!("SELECT count(*) FROM {table}")).unwrap();
        out.lines().last().unwrap_or_default().to_string()
    };
    for (table, a_rows, b_rows) in
        [("events", "5", "2"), ("event_ids", "5", "2"), ("terminals", "1", "1"), ("chains", "1", "1")]
    {
        assert_eq!(count(&alpha, table), a_rows, "{table} for ALPHA");
        assert_eq!(count(&beta, table), b_rows, "{table} for BETA");
    }
    assert_eq!(count(&alpha, "fig_sales_by_site_day WHERE sales > 0").as_str(), "1");
    let seen = as_app(&alpha, &format!("SELECT count(*) FROM events WHERE chain_id = {beta}")).unwrap();
    assert_eq!(seen.lines().last(), Some("0"), "ALPHA reads none of BETA's rows even by asking");
    // Writing into another chain is refused by the policy, and so is changing or deleting its rows.
    let forged = as_app(
        &alpha,
        &format!(
            "INSERT INTO events (chain_id, site_id, terminal_id, event_id, seq, kind, created_at, payload)
             SELECT {beta}, site_id, terminal_id, gen_random_uuid(), 1, 'sale', now(), '{{}}' FROM event_ids LIMIT 1"
        ),
    );
    assert!(forged.unwrap_err().to_string().contains("row-level security"), "a row of another chain cannot be written");
    let moved = as_app(&alpha, &format!("UPDATE events SET chain_id = {beta}"));
    assert!(moved.unwrap_err().to_string().contains("row-level security"));
    let deleted = as_app(&alpha, &format!("DELETE FROM events WHERE chain_id = {beta} RETURNING 1")).unwrap();
    assert_eq!(deleted.lines().count(), 1, "nothing of BETA's is deleted (only set_config's line): {deleted}");
    assert_eq!(count(&beta, "events"), "2");
    // No chain set: nothing at all.
    let none = pg.psql(&db, "BEGIN; SET LOCAL ROLE till_app; SELECT count(*) FROM events; COMMIT").unwrap();
    assert_eq!(none.lines().last(), Some("0"));
    // And till_app cannot reach a partition directly, around the policy.
    let partition = pg.psql(&db, "SELECT tableoid::regclass FROM events LIMIT 1").unwrap();
    let direct =
        pg.psql(&db, &format!("BEGIN; SET LOCAL ROLE till_app; SELECT count(*) FROM {}; COMMIT", partition.trim()));
    assert!(direct.unwrap_err().to_string().contains("permission denied"));
}

#[test]
fn the_operator_adds_and_revokes_terminals_and_imports_price_books() {
    let url = cluster().database().unwrap();
    let (ok, _, err) = cli(&url, &["terminal", "add", "LANE-01", "--site", "S1"]);
    assert!(!ok && err.contains("no chain yet"), "{err}");
    assert!(cli(&url, &["chain", "add", "ACME", "--name", "Acme Fuels", "--currency", "EUR"]).0);
    let (ok, _, err) = cli(&url, &["site", "add", "S1", "--name", "Main Street", "--time-zone", "Mars/Olympus"]);
    assert!(!ok && err.contains("unknown time zone"), "{err}");
    assert!(cli(&url, &["site", "add", "S1", "--name", "Main Street", "--time-zone", "Europe/Berlin"]).0);
    assert!(cli(&url, &["site", "add", "S2", "--name", "Ring Road"]).0);
    let (ok, token, err) = cli(&url, &["terminal", "add", "LANE-01", "--site", "S1"]);
    assert!(ok, "{err}");
    let token = token.trim().to_string();
    assert_eq!(token.len(), 64, "32 random bytes: {token}");
    let (_, token2, _) = cli(&url, &["terminal", "add", "LANE-02", "--site", "S2"]);
    let (ok, _, err) = cli(&url, &["terminal", "add", "LANE-01", "--site", "S2"]);
    assert!(!ok && err.contains("duplicate"), "one LANE-01 per chain: {err}");
    let db = database_of(&url).to_string();
    let stored = cluster().psql(&db, "SELECT encode(token_sha256, 'hex') FROM terminals ORDER BY id").unwrap();
    assert!(!stored.contains(&token), "only the token's hash is kept");
    assert_eq!(stored.lines().next().unwrap(), hex::encode(till_central::contract::token_hash(&token)));

    let central = PgCentral::connect(&url, 4).unwrap();
    let addr = central.spawn("127.0.0.1:0", 1).unwrap();
    let t1 = target(addr, "LANE-01", &token);
    let t2 = target(addr, "LANE-02", token2.trim());
    let events = vec![event("LANE-01", 1, "sale")];
    assert_eq!(upload(&t1, &events).status, 200);

    // Price book: the chain's prices, a site's own price for one item, a schedule.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("book.csv");
    std::fs::write(
        &file,
        "kind,code,price,effective_at,site\n\
         item,BEV-0001,2.09,2020-01-01T00:00:00Z,\n\
         item,BEV-0001,2.19,2024-01-01T00:00:00Z,\n\
         item,BEV-0001,2.39,2099-01-01T00:00:00Z,\n\
         item,BEV-0001,2.49,2024-01-01T00:00:00Z,S2\n\
         fuel,E10,1.759,2024-06-01T06:00:00.5+02:00,\n",
    )
    .unwrap();
    let (ok, out, err) = cli(&url, &["pricebook", "import", file.to_str().unwrap()]);
    assert!(ok && out.contains("5 prices"), "{out}{err}");
    let book = |t: &Target| {
        let auth = format!("Bearer {}", t.token);
        http(addr, "GET", &format!("/v1/terminals/{}/pricebook", t.terminal), &[("Authorization", &auth)], b"")
    };
    let b1 = book(&t1).json();
    assert_eq!(
        b1["items"],
        json!([{"sku": "BEV-0001", "price": "2.19", "effective_at": "2024-01-01T00:00:00Z"},
               {"sku": "BEV-0001", "price": "2.39", "effective_at": "2099-01-01T00:00:00Z"}]),
        "the price in force and the scheduled one; the older one left out"
    );
    assert_eq!(
        b1["fuel_prices"],
        json!([{"grade": "E10", "price": "1.759", "effective_at": "2024-06-01T04:00:00.5Z"}])
    );
    let b2 = book(&t2).json();
    assert_eq!(b2["items"], json!([{"sku": "BEV-0001", "price": "2.49", "effective_at": "2024-01-01T00:00:00Z"}]));
    assert_eq!(b2["fuel_prices"], b1["fuel_prices"], "what the site does not price itself comes from the chain");
    let version = b1["version"].as_str().unwrap().to_string();
    // A broken file changes nothing and names its line.
    std::fs::write(
        &file,
        "kind,code,price,effective_at\nitem,BEV-0001,1.00,2024-01-01T00:00:00Z\nfuel,E10,1.7591,2024-01-01T00:00:00Z\n",
    )
    .unwrap();
    let (ok, _, err) = cli(&url, &["pricebook", "import", file.to_str().unwrap()]);
    assert!(!ok && err.contains("line 3") && err.contains("more than 3 decimals"), "{err}");
    assert_eq!(book(&t1).json(), b1);
    // A second import the same day is the day's next version.
    std::fs::write(&file, "kind,code,price,effective_at\nitem,BEV-0001,1.99,2024-01-01T00:00:00Z\n").unwrap();
    assert!(cli(&url, &["pricebook", "import", file.to_str().unwrap()]).0);
    let next = book(&t1).json()["version"].as_str().unwrap().to_string();
    assert_eq!(
        next.split('.').nth(1).unwrap().parse::<u32>().unwrap(),
        version.split('.').nth(1).unwrap().parse::<u32>().unwrap() + 1
    );

    // Revoked: 401 from then on, its events kept.
    assert!(cli(&url, &["terminal", "revoke", "LANE-01"]).1.contains("revoked"));
    let a = upload(&t1, &[event("LANE-01", 2, "sale")]);
    assert_eq!((a.status, a.code().as_str()), (401, "unauthorized"));
    assert_eq!(book(&t1).status, 401);
    assert_eq!(cluster().psql(&db, "SELECT count(*) FROM events").unwrap().trim(), "1");
    assert!(cli(&url, &["terminal", "revoke", "LANE-01"]).1.contains("already"));
    assert_eq!(upload(&t2, &[event("LANE-02", 1, "sale")]).status, 200, "the other terminal goes on");
}

#[test]
fn events_land_in_their_month() {
    let (central, url, [token, _]) = pg_central();
    let db = database_of(&url).to_string();
    let addr = central.clone().spawn("127.0.0.1:0", 1).unwrap();
    let t = target(addr, "LANE-01", &token);
    let now = time::OffsetDateTime::now_utc();
    let this_month = format!("{:04}-{:02}-02T10:00:00Z", now.year(), now.month() as u8);
    let mut events = Vec::new();
    for (seq, at) in [(1, this_month.as_str()), (2, "1999-12-31T23:59:59.999999999+01:00")] {
        let mut e = event("LANE-01", seq, "shift_open");
        e["created_at"] = json!(at);
        events.push(e);
    }
    assert_eq!(list(&upload(&t, &events).json(), "accepted").len(), 2);
    let pg = cluster();
    let parts =
        pg.psql(&db, "SELECT tableoid::regclass, created_at AT TIME ZONE 'UTC' FROM events ORDER BY seq").unwrap();
    let expected = format!("events_y{:04}m{:02}", now.year(), now.month() as u8);
    let lines: Vec<&str> = parts.lines().collect();
    assert!(lines[0].starts_with(&format!("{expected}|")), "{parts}");
    assert!(lines[1].starts_with("events_default|1999-12-31 23:00:00"), "kept in UTC: {parts}");
    let ahead = pg.psql(&db, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass").unwrap();
    assert_eq!(ahead.trim(), "6", "last month, this one, three ahead, and the default: {ahead}");
    // Upkeep again makes nothing twice.
    block_on(central.upkeep()).unwrap();
    assert_eq!(
        pg.psql(&db, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass").unwrap().trim(),
        "6"
    );
}

#[test]
fn the_figures_add_up() {
    let (central, url, [token, other]) = pg_central();
    let db = database_of(&url).to_string();
    let addr = central.spawn("127.0.0.1:0", 1).unwrap();
    let t = target(addr, "LANE-01", &token);
    let t2 = target(addr, "LANE-02", &other);
    let fuel_sale = |seq: i64, litres: &str, amount: &str, paid: &str, change: &str, at: &str| {
        let mut e = event("LANE-01", seq, "sale");
        e["created_at"] = json!(at);
        e["payload"]["sale"] = json!({"total": amount, "subtotal": amount, "paid": paid, "change": change,
            "lines": [{"kind": "fuel", "sku": "E10", "qty": litres, "amount": amount, "voided": false},
                      {"kind": "fuel", "sku": "E10", "qty": "5.00", "amount": "8.70", "voided": true}],
            "payments": [{"method": "cash", "amount": paid}]});
        e
    };
    // Europe/Berlin: 23:30 UTC on the 2nd is the 3rd there.
    let mut events = vec![
        fuel_sale(1, "20.00", "34.78", "50.00", "15.22", "2026-12-02T10:00:00Z"),
        fuel_sale(2, "10.50", "18.26", "20.00", "1.74", "2026-12-02T23:30:00Z"),
    ];
    let mut refund = event("LANE-01", 3, "refund");
    refund["created_at"] = json!("2026-12-03T09:00:00Z");
    refund["payload"]["refund"] = json!({"total": "-4.38", "subtotal": "-4.38", "paid": "-4.38", "change": "0.00",
        "lines": [], "payments": [{"method": "card", "amount": "-4.38"}]});
    let mut drive_off = event("LANE-01", 4, "drive_off");
    drive_off["created_at"] = json!("2026-12-03T09:30:00Z");
    for (k, v) in [("pump", json!(2)), ("grade", json!("E10")), ("litres", json!("12.00")), ("amount", json!("20.87"))]
    {
        drive_off["payload"][k] = v;
    }
    let mut z = event("LANE-01", 5, "z_report");
    z["created_at"] = json!("2026-12-03T22:05:00Z");
    z["payload"]["z_no"] = json!(41);
    z["payload"]["report_sha256"] = json!("4be2".repeat(16));
    z["payload"]["report"] = json!({"kind": "z", "z_no": 41});
    // A line a terminal got wrong counts as nothing; it does not break the figures.
    let mut odd = fuel_sale(6, "lots", "1.00", "1.00", "0.00", "2026-12-03T12:00:00Z");
    odd["payload"]["sale"]["payments"] = json!("not a list");
    events.extend([refund, drive_off, z, odd]);
    let a = upload(&t, &events).json();
    assert_eq!(list(&a, "accepted").len(), 6, "{a}");
    let mut theirs = event("LANE-02", 1, "sale");
    theirs["created_at"] = json!("2026-12-03T08:00:00Z");
    assert_eq!(upload(&t2, &[theirs]).status, 200);

    let pg = cluster();
    let q = |sql: &str| pg.psql(&db, sql).unwrap().trim().to_string();
    assert_eq!(
        q("SELECT day, site, sales, sales_amount, refunds, refunds_amount, net_amount FROM fig_sales_by_site_day ORDER BY day"),
        "2026-12-02|S1|1|34.78|0|0|34.78\n2026-12-03|S1|3|31.76|1|-4.38|27.38",
        "two days in Berlin; LANE-02's sale of 12.50 counts for the same site"
    );
    assert_eq!(
        q("SELECT day, grade, litres, amount FROM fig_fuel_by_grade_day ORDER BY day"),
        "2026-12-02|E10|20.00|34.78\n2026-12-03|E10|10.50|19.26",
        "voided lines left out, the unreadable quantity counted as none"
    );
    assert_eq!(
        q("SELECT method, payments, amount FROM fig_tenders_by_site_day WHERE day = '2026-12-03' ORDER BY method"),
        "card|2|8.12\ncash|1|18.26",
        "cash less change (20.00 - 1.74), card 12.50 - 4.38; a payments field that is no list counts for nothing"
    );
    assert_eq!(
        q("SELECT day, refunds, refunds_amount, drive_offs, drive_off_litres, drive_off_amount FROM fig_losses_by_site_day"),
        "2026-12-03|1|-4.38|1|12.00|20.87"
    );
    assert_eq!(q("SELECT site, terminal, day, z_no, report->>'kind' FROM fig_z_reports"), "S1|LANE-01|2026-12-03|41|z");
}
