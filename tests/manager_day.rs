//! The manager's day through `till exec`: two cashiers, a handover, drops, a pay-out, a blind
//! count beyond the tolerance, then the Z. Every figure of the Z is added up again here from the
//! stored sales, payments and movements, independently of the report's own queries. Z numbers
//! stay gapless across restarts and SIGKILL during the Z. The drawer limit warns, blocks cash
//! sales, and a drop clears it.

mod common;

use common::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::process::Stdio;
use std::str::FromStr;
use std::time::Duration;

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}"))).unwrap()
}

fn minor(m: i64) -> Decimal {
    Decimal::new(m, 2)
}

fn one(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// What the drawer of a shift should hold in cash, added up here from the stored rows.
fn drawer_cash(conn: &rusqlite::Connection, shift: i64) -> i64 {
    one(conn, &format!("SELECT float_minor FROM shifts WHERE id = {shift}"))
        + one(
            conn,
            &format!(
                "SELECT COALESCE(SUM(p.amount_minor), 0) FROM payments p JOIN sales s ON s.id = p.sale_id
                 WHERE s.shift_id = {shift} AND p.method = 'cash'"
            ),
        )
        - one(conn, &format!("SELECT COALESCE(SUM(change_minor), 0) FROM sales WHERE shift_id = {shift}"))
        + one(
            conn,
            &format!(
                "SELECT COALESCE(SUM(amount_minor), 0) FROM cash_movements
                 WHERE shift_id = {shift} AND kind IN ('pay_in', 'safe_loan')"
            ),
        )
        - one(
            conn,
            &format!(
                "SELECT COALESCE(SUM(amount_minor), 0) FROM cash_movements
                 WHERE shift_id = {shift} AND kind IN ('pay_out', 'safe_drop')"
            ),
        )
}

fn open_shift_id(conn: &rusqlite::Connection) -> i64 {
    one(conn, "SELECT id FROM shifts WHERE closed_at IS NULL")
}

/// Notes and coins for an amount in cents, largest first (EUR).
fn pieces(mut cents: i64) -> Value {
    let mut out = Vec::new();
    for d in [5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1] {
        let n = cents / d;
        if n > 0 {
            out.push(json!({"value": minor(d).to_string(), "count": n}));
            cents -= n * d;
        }
    }
    Value::Array(out)
}

#[test]
fn a_day_with_two_cashiers_adds_up_to_its_z() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let a = exec(
        data,
        None,
        &[
            json!({"cmd":"login","pin":"9999"}),
            json!({"cmd":"add_user","name":"Cashier Two","role":"cashier","pin":"2222"}),
            json!({"cmd":"logout"}),
            json!({"cmd":"login","pin":"1111"}),
            json!({"cmd":"open_shift","float":"100.00"}),
            json!({"cmd":"add","sku":"BEV-0001","qty":"2"}),
            json!({"cmd":"tender","method":"cash","amount":"10.00"}),
            json!({"cmd":"add","sku":"SNK-0001"}),
            json!({"cmd":"tender","method":"card"}),
            json!({"cmd":"fuel","grade":"E10","litres":"20.5"}),
            json!({"cmd":"tender","method":"cash","amount":"50.00"}),
            json!({"cmd":"safe_drop","amount":"20.00"}),
            json!({"cmd":"pay_out","amount":"3.50","reason":"Postage"}),
            json!({"cmd":"x_report"}),
        ],
    );
    for v in &a[..12] {
        ok(v);
    }
    // A cashier pays nothing out, and their own X before the count shows no drawer figures.
    assert!(err(&a[12]).contains("cashier may not pay cash in or out"), "{}", a[12]);
    let x = &ok(&a[13])["report"];
    assert_eq!(x["user"], "Demo Cashier");
    assert_eq!(x["tenders"], json!([]), "blind until counted: {x}");
    assert!(x["drawers"][0]["tenders"].as_array().unwrap().is_empty(), "{x}");

    // The handover count: one euro short, within the tolerance of 5.00.
    let conn = db(data);
    let first = open_shift_id(&conn);
    let cash1 = drawer_cash(&conn, first);
    let a = exec(
        data,
        None,
        &[
            json!({"cmd":"login","pin":"1111"}),
            json!({"cmd":"count","for":"handover","tenders":[{"method":"cash","pieces":pieces(cash1 - 100)}]}),
            json!({"cmd":"handover","user":"Cashier Two","pin":"2222"}),
            json!({"cmd":"add","sku":"BEV-0002"}),
            json!({"cmd":"tender","method":"cash","amount":"5.00"}),
            json!({"cmd":"logout"}),
            json!({"cmd":"login","pin":"9999"}),
            json!({"cmd":"pay_out","amount":"3.50","reason":"Postage"}),
            json!({"cmd":"pay_in","amount":"10.00","reason":"Change from the bank"}),
            json!({"cmd":"safe_loan","amount":"5.00"}),
            json!({"cmd":"refund","receipt_no":1,"lines":[1]}),
            json!({"cmd":"logout"}),
        ],
    );
    for v in &a {
        ok(v);
    }
    let counted = &a[1]["count"]["tenders"][0];
    assert_eq!(dec(&counted["expected"]), minor(cash1), "the service's expected is the test's");
    assert_eq!(dec(&counted["difference"]), Decimal::new(-100, 2));
    assert_eq!(a[1]["count"]["needs_approval"], false);
    assert_eq!(a[2]["user"]["name"], "Cashier Two");
    assert_eq!(dec(&a[2]["shift"]["float"]), minor(cash1 - 100), "the next float is what was counted");

    // Cashier Two is twelve euros short: beyond the tolerance, so the close waits for a manager;
    // the recount is kept too.
    let second = open_shift_id(&conn);
    let cash2 = drawer_cash(&conn, second);
    let short = json!({"cmd":"count","tenders":[{"method":"cash","amount":minor(cash2 - 1200).to_string()}]});
    let a = exec(
        data,
        None,
        &[
            json!({"cmd":"login","pin":"2222"}),
            short.clone(),
            json!({"cmd":"close_shift"}),
            short,
            json!({"cmd":"close_shift","approver_pin":"2222"}),
            json!({"cmd":"logout"}),
            json!({"cmd":"login","pin":"9999"}),
            json!({"cmd":"z_report"}),
            json!({"cmd":"z_report","approver_pin":"9999"}),
            json!({"cmd":"add","sku":"BEV-0001"}),
        ],
    );
    assert_eq!(ok(&a[1])["count"]["needs_approval"], true);
    assert_eq!(a[2]["code"], "refusal-count-needs-approval", "{}", a[2]);
    assert_eq!(ok(&a[3])["count"]["attempt"], 2);
    assert!(err(&a[4]).contains("may not approve"), "nobody approves their own count: {}", a[4]);
    ok(&a[5]);
    assert_eq!(a[7]["code"], "refusal-count-needs-approval", "{}", a[7]);
    let z = ok(&a[8])["report"].clone();
    assert!(err(&a[9]).contains("no shift is open"), "the Z closed the drawer: {}", a[9]);
    assert_eq!(z["kind"], "z");
    assert_eq!(z["z_no"], 1);

    // Every figure again, from the stored rows.
    let all = "SELECT COUNT(*), COALESCE(SUM(total_minor), 0) FROM sales WHERE kind = ";
    let (n, t): (i64, i64) = conn.query_row(&format!("{all}'sale'"), [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((z["receipts"]["sales"].as_i64().unwrap(), dec(&z["totals"]["sales"])), (n, minor(t)));
    let (n, t): (i64, i64) = conn.query_row(&format!("{all}'refund'"), [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((z["receipts"]["refunds"].as_i64().unwrap(), dec(&z["totals"]["refunds"])), (n, minor(t)));
    assert_eq!(z["receipts"]["first"], 1);
    assert_eq!(z["receipts"]["last"], one(&conn, "SELECT MAX(receipt_no) FROM sales"));
    assert_eq!(dec(&z["totals"]["tax"]), minor(one(&conn, "SELECT SUM(tax_minor) FROM sales")));

    let mut stmt = conn.prepare("SELECT name, rate, SUM(amount_minor) FROM sale_taxes GROUP BY 1, 2").unwrap();
    let taxes: BTreeMap<(String, String), i64> =
        stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?))).unwrap().map(Result::unwrap).collect();
    let reported: BTreeMap<(String, String), Decimal> = z["taxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| ((t["name"].as_str().unwrap().into(), t["rate"].as_str().unwrap().into()), dec(&t["tax"])))
        .collect();
    assert_eq!(reported, taxes.iter().map(|(k, v)| (k.clone(), minor(*v))).collect());
    for t in z["taxes"].as_array().unwrap() {
        assert_eq!(dec(&t["gross"]) - dec(&t["tax"]), dec(&t["net"]), "{t}");
    }

    let change = one(&conn, "SELECT SUM(change_minor) FROM sales");
    for method in ["cash", "card"] {
        let paid = one(&conn, &format!("SELECT SUM(amount_minor) FROM payments WHERE method = '{method}'"));
        let t = z["tenders"].as_array().unwrap().iter().find(|t| t["method"] == method).unwrap();
        let net = if method == "cash" { paid - change } else { paid };
        assert_eq!(dec(&t["net"]), minor(net), "{method}");
    }

    // Categories: the product's, fuel by its grade; the sum is the net of all lines.
    let mut stmt = conn
        .prepare(
            "SELECT COALESCE(p.category, 'Fuel'), SUM(l.amount_minor - l.ticket_discount_minor)
             FROM sale_lines l LEFT JOIN products p ON p.sku = l.sku WHERE l.voided = 0 GROUP BY 1",
        )
        .unwrap();
    let cats: BTreeMap<String, i64> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    let reported: BTreeMap<String, Decimal> = z["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), dec(&c["amount"])))
        .collect();
    assert_eq!(reported, cats.iter().map(|(k, v)| (k.clone(), minor(*v))).collect());
    let e10 = z["grades"].as_array().unwrap().iter().find(|g| g["grade"] == "E10").unwrap();
    assert_eq!(dec(&e10["litres"]), Decimal::new(205, 1));

    let moves: BTreeMap<String, (i64, i64)> = conn
        .prepare("SELECT kind, COUNT(*), SUM(amount_minor) FROM cash_movements GROUP BY 1")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(moves["safe_drop"], (1, 2000));
    assert_eq!(moves["pay_out"], (1, 350));
    for m in z["movements"].as_array().unwrap() {
        let (n, amount) = moves.get(m["kind"].as_str().unwrap()).copied().unwrap_or((0, 0));
        assert_eq!((m["count"].as_i64().unwrap(), dec(&m["amount"])), (n, minor(amount)), "{m}");
    }

    // The drawers: handed over one euro short, closed by the Z twelve euros short with the
    // manager's approval; expected recomputed here from the stored rows.
    let drawers = z["drawers"].as_array().unwrap();
    assert_eq!(drawers.len(), 2);
    assert_eq!(drawers[0]["close_kind"], "handover");
    assert_eq!(drawers[1]["close_kind"], "z");
    assert_eq!(drawers[1]["approved_by"], "Demo Manager");
    assert_eq!(drawers[1]["counts"], 2, "the recount is kept");
    for (d, shift, short) in [(&drawers[0], first, 100), (&drawers[1], second, 1200)] {
        let cash = d["tenders"].as_array().unwrap().iter().find(|t| t["method"] == "cash").unwrap();
        assert_eq!(dec(&cash["expected"]), minor(drawer_cash(&conn, shift)), "{d}");
        assert_eq!(dec(&cash["difference"]), minor(-short), "{d}");
    }
    let over_short = z["over_short"].as_array().unwrap().iter().find(|t| t["method"] == "cash").unwrap();
    assert_eq!(dec(&over_short["difference"]), minor(-1300));
    assert_eq!(one(&conn, "SELECT COUNT(*) FROM outbox WHERE kind = 'cash_difference'"), 2);
    assert_eq!(one(&conn, "SELECT COUNT(*) FROM counts WHERE method = 'cash'"), 3);

    // The Z as stored is the Z answered, and it cannot be changed.
    let stored: String = conn.query_row("SELECT report FROM z_reports WHERE z_no = 1", [], |r| r.get(0)).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&stored).unwrap(), z);
    assert!(conn.execute("UPDATE z_reports SET report = '{}'", []).is_err());
    assert!(conn.execute("DELETE FROM z_reports", []).is_err());

    // Next day, after a restart: nothing since the Z, then a day of one sale is Z 2.
    let a = exec(
        data,
        None,
        &[
            json!({"cmd":"login","pin":"9999"}),
            json!({"cmd":"z_report"}),
            json!({"cmd":"open_shift","float":"50.00"}),
            json!({"cmd":"add","sku":"BEV-0001"}),
            json!({"cmd":"tender","method":"cash","amount":"2.19"}),
            json!({"cmd":"count","tenders":[{"method":"cash","amount":"52.19"},{"method":"card","amount":"0.00"}]}),
            json!({"cmd":"z_report"}),
            json!({"cmd":"reprint_z","z_no":1}),
            json!({"cmd":"z_reports"}),
        ],
    );
    assert_eq!(a[1]["code"], "refusal-nothing-since-z", "{}", a[1]);
    let z2 = &ok(&a[6])["report"];
    assert_eq!(z2["z_no"], 2);
    assert_eq!(dec(&z2["totals"]["sales"]), Decimal::new(219, 2));
    assert_eq!(z2["receipts"]["first"], z["receipts"]["last"].as_i64().unwrap() + 1);
    assert_eq!(ok(&a[7])["report"], z, "a reprint is the stored Z");
    assert_eq!(ok(&a[8])["z_reports"].as_array().unwrap().len(), 2);
    let verify = run(&["journal", "verify", "--data-dir", data.to_str().unwrap()]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    // The stored Z as CSV, one figure a row, the same figures.
    let csv = run(&["report", "--data-dir", data.to_str().unwrap(), "--z", "1", "--csv"]);
    let text = String::from_utf8_lossy(&csv.stdout);
    assert!(text.starts_with("figure,value"), "{text}");
    let sales = format!("totals.sales,{}", z["totals"]["sales"].as_str().unwrap());
    assert!(text.lines().any(|l| l == sales), "{sales} in {text}");
}

#[test]
fn z_numbers_have_no_gap_across_sigkill_during_the_z() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let script = [
        json!({"cmd":"login","pin":"1111"}),
        json!({"cmd":"open_shift","float":"100.00"}),
        json!({"cmd":"add","sku":"BEV-0001"}),
        json!({"cmd":"tender","method":"cash","amount":"5.00"}),
        json!({"cmd":"count","tenders":[{"method":"cash","amount":"100.00"}]}),
        json!({"cmd":"logout"}),
        json!({"cmd":"login","pin":"9999"}),
        json!({"cmd":"z_report","approver_pin":"9999"}),
    ];
    let mut killed_before = 0;
    for round in 0..12u64 {
        let mut child = till()
            .args(["exec", "--data-dir"])
            .arg(data)
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("till starts");
        let mut stdin = child.stdin.take().unwrap();
        for c in &script {
            writeln!(stdin, "{c}").unwrap();
        }
        stdin.flush().unwrap();
        // Somewhere between the start and the end of the Z.
        std::thread::sleep(Duration::from_millis(40 + (round * 37) % 160));
        child.kill().unwrap();
        let _ = child.wait();
        let conn = db(data);
        let zs: Vec<i64> = conn
            .prepare("SELECT z_no FROM z_reports ORDER BY z_no")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(zs, (1..=zs.len() as i64).collect::<Vec<_>>(), "round {round}: gapless");
        // Each Z is whole: the drawer session it ended is closed by it, and nothing else is.
        let z_closed = one(&conn, "SELECT COUNT(*) FROM shifts WHERE close_kind = 'z'");
        assert_eq!(z_closed, zs.len() as i64, "round {round}");
        let events = one(&conn, "SELECT COUNT(*) FROM outbox WHERE kind = 'z_report'");
        assert_eq!(events, zs.len() as i64, "round {round}");
        if one(&conn, "SELECT COUNT(*) FROM shifts WHERE closed_at IS NULL") == 1 {
            killed_before += 1;
        }
        let verify = run(&["journal", "verify", "--data-dir", data.to_str().unwrap()]);
        assert!(verify.status.success(), "round {round}: {}", String::from_utf8_lossy(&verify.stdout));
    }
    // A clean run ends the day (opening one if no round got that far); the numbers go on.
    let before = one(&db(data), "SELECT COUNT(*) FROM z_reports");
    let a = exec(data, None, &script);
    assert_eq!(a[7]["report"]["z_no"], before + 1, "{a:?}");
    eprintln!("{killed_before} of 12 rounds were killed before their Z was stored");
}

#[test]
fn the_drawer_limit_warns_then_blocks_cash_sales_until_a_drop() {
    let dir = tempfile::tempdir().unwrap();
    // The demo site warns at 800.00 and stops cash sales at 1200.00.
    let a = exec(
        dir.path(),
        None,
        &[
            json!({"cmd":"login","pin":"9999"}),
            json!({"cmd":"open_shift","float":"790.00"}),
            json!({"cmd":"add","sku":"BEV-0001"}),
            json!({"cmd":"tender","method":"cash","amount":"2.19"}),
            json!({"cmd":"pay_in","amount":"10.00","reason":"Float top-up"}),
            json!({"cmd":"pay_in","amount":"400.00","reason":"Float top-up"}),
            json!({"cmd":"add","sku":"BEV-0001"}),
            json!({"cmd":"tender","method":"cash","amount":"5.00"}),
            json!({"cmd":"tender","method":"card"}),
            json!({"cmd":"add","sku":"BEV-0001"}),
            json!({"cmd":"safe_drop","amount":"500.00"}),
            json!({"cmd":"cancel_ticket"}),
            json!({"cmd":"safe_drop","amount":"2000.00"}),
            json!({"cmd":"safe_drop","amount":"500.00"}),
            json!({"cmd":"add","sku":"BEV-0001"}),
            json!({"cmd":"tender","method":"cash","amount":"2.19"}),
        ],
    );
    assert!(ok(&a[3])["drawer"].is_null(), "792.19 is below the warning: {}", a[3]);
    assert_eq!(ok(&a[4])["drawer"]["level"], "warn");
    assert_eq!(dec(&a[4]["drawer"]["cash"]), Decimal::new(80219, 2));
    assert_eq!(ok(&a[5])["drawer"]["level"], "blocked");
    assert_eq!(a[7]["code"], "refusal-drawer-full", "{}", a[7]);
    assert!(ok(&a[8])["sale"].is_object(), "card still works");
    assert!(err(&a[10]).contains("finish or cancel"), "no drop with a ticket open");
    assert_eq!(a[12]["code"], "refusal-drawer-holds-less", "{}", a[12]);
    assert_eq!(ok(&a[13])["drawer"]["level"], "ok");
    assert!(ok(&a[15])["sale"].is_object(), "cash sales again after the drop");
    let conn = db(dir.path());
    assert_eq!(one(&conn, "SELECT COUNT(*) FROM sales WHERE kind = 'sale'"), 3);
    assert_eq!(one(&conn, "SELECT COUNT(*) FROM outbox WHERE kind IN ('pay_in', 'safe_drop')"), 3);
}
