//! Random command sequences through the session, extreme amounts included. Whatever happens:
//! no panic, every stored sale adds up, receipts have no gap, the journal verifies.

use super::*;
use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use serde_json::{json, Value};

/// Amounts as a cashier, a script or an attacker might type them.
fn amount() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (1i64..100_000).prop_map(|c| json!(format!("{}.{:02}", c / 100, c % 100))),
        2 => (1i64..20).prop_map(|n| json!(n.to_string())),
        1 => "[0-9]{1,32}(\\.[0-9]{1,8})?".prop_map(|s| json!(s)),
        1 => prop::sample::select(vec![
            "0", "-1", "-0.01", "0.001", "1e3", "+2", "1_000", "", ".", "NaN", "1000000000000",
            "999999999999.99", "79228162514264337593543950335", "0.0000000000000000000000000001",
        ])
        .prop_map(|s| json!(s)),
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => any::<u64>().prop_map(|n| json!(n)),
    ]
}

fn command(skus: Vec<String>) -> impl Strategy<Value = Value> {
    let n = skus.len();
    let sku = (0..n).prop_map(move |i| skus[i].clone());
    prop_oneof![
        6 => (sku.clone(), prop::option::of(amount())).prop_map(|(s, q)| match q {
            Some(q) => json!({"cmd":"add","sku":s,"qty":q}),
            None => json!({"cmd":"add","sku":s}),
        }),
        1 => "[0-9]{6,14}".prop_map(|c| json!({"cmd":"scan","code":c})),
        2 => (prop::sample::select(vec!["E5", "E10", "DSL", "X"]), amount())
            .prop_map(|(g, l)| json!({"cmd":"fuel","grade":g,"litres":l})),
        2 => (0usize..8, amount()).prop_map(|(l, q)| json!({"cmd":"set_qty","line":l,"qty":q})),
        2 => (0usize..8).prop_map(|l| json!({"cmd":"void_line","line":l})),
        3 => (prop::option::of(1usize..6), any::<bool>(), amount(), prop::option::of(Just("9999")))
            .prop_map(|(line, pct, v, pin)| {
                let mut c = json!({"cmd":"discount"});
                if let Some(l) = line { c["line"] = json!(l); }
                c[if pct { "percent" } else { "amount" }] = v;
                if let Some(p) = pin { c["approver_pin"] = json!(p); }
                c
            }),
        1 => Just(json!({"cmd":"approve_discount","approver_pin":"9999"})),
        2 => Just(json!({"cmd":"pay"})),
        2 => Just(json!({"cmd":"confirm_age"})),
        1 => Just(json!({"cmd":"refuse_age"})),
        1 => Just(json!({"cmd":"hold"})),
        1 => Just(json!({"cmd":"recall"})),
        5 => (any::<bool>(), prop::option::of(amount())).prop_map(|(cash, a)| {
            let mut c = json!({"cmd":"tender","method": if cash { "cash" } else { "card" }});
            if let Some(a) = a { c["amount"] = a; }
            c
        }),
        1 => Just(json!({"cmd":"cancel_ticket"})),
        2 => (1i64..6, prop::collection::vec(1usize..5, 0..3))
            .prop_map(|(r, lines)| json!({"cmd":"refund","receipt_no":r,"lines":lines})),
        1 => prop::sample::select(vec!["1111", "9999"]).prop_map(|p| json!({"cmd":"login","pin":p})),
        1 => Just(json!({"cmd":"logout"})),
        1 => amount().prop_map(|a| json!({"cmd":"open_shift","float":a})),
    ]
}

/// Every stored sale adds up, in the store's own minor units.
fn sales_add_up(store: &Store) -> Result<(), String> {
    let bad: Vec<(i64, String)> = store
        .query_strings(
            "SELECT s.receipt_no, 'lines' FROM sales s WHERE s.subtotal_minor !=
                 (SELECT COALESCE(SUM(amount_minor), 0) FROM sale_lines l WHERE l.sale_id = s.id AND NOT l.voided)
             UNION ALL SELECT s.receipt_no, 'ticket discount' FROM sales s WHERE s.discount_minor !=
                 (SELECT COALESCE(SUM(ticket_discount_minor), 0) FROM sale_lines l WHERE l.sale_id = s.id)
             UNION ALL SELECT s.receipt_no, 'line amounts' FROM sales s JOIN sale_lines l ON l.sale_id = s.id
                 WHERE l.amount_minor != l.gross_minor - l.discount_minor
             UNION ALL SELECT s.receipt_no, 'total' FROM sales s WHERE s.total_minor != s.subtotal_minor - s.discount_minor
             UNION ALL SELECT s.receipt_no, 'payments' FROM sales s WHERE s.paid_minor !=
                 (SELECT COALESCE(SUM(amount_minor), 0) FROM payments p WHERE p.sale_id = s.id)
             UNION ALL SELECT s.receipt_no, 'change' FROM sales s
                 WHERE s.paid_minor - s.change_minor != s.total_minor + s.cash_rounding_minor OR s.change_minor < 0
             UNION ALL SELECT s.receipt_no, 'tax' FROM sales s WHERE s.tax_minor !=
                 (SELECT COALESCE(SUM(amount_minor), 0) FROM sale_taxes t WHERE t.sale_id = s.id)",
        )
        .map_err(|e| e.to_string())?;
    if let Some((n, what)) = bad.first() {
        let detail = store
            .query_strings(&format!(
                "SELECT receipt_no, kind || ' subtotal ' || subtotal_minor || ' discount ' || discount_minor || ' tax ' ||
                 tax_minor || ' total ' || total_minor || ' paid ' || paid_minor || ' lines ' ||
                 (SELECT group_concat(kind || ':' || sku || ':' || qty || ':' || gross_minor || '/' || discount_minor || '/' ||
                  ticket_discount_minor || '/' || voided, ' ') FROM sale_lines WHERE sale_id = sales.id) || ' taxes ' ||
                 (SELECT group_concat(name || ':' || rate || ':' || amount_minor, ' ') FROM sale_taxes WHERE sale_id = sales.id)
                 FROM sales WHERE receipt_no = {n}"
            ))
            .map_err(|e| e.to_string())?;
        return Err(format!("receipt {n}: its {what} do not add up: {detail:?}"));
    }
    Ok(())
}

#[test]
fn random_sessions_never_panic_and_every_sale_adds_up() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = Config::demo().expect("demo");
    let mut s =
        Session::with_store(config, Store::open_file(&dir.path().join("t.sqlite")).expect("store")).expect("session");
    let skus: Vec<String> = s.catalog().products().iter().map(|p| p.sku.clone()).collect();
    s.execute(Command::Login { pin: "9999".into(), user: None }).expect("login");
    s.execute(serde_json::from_value(json!({"cmd":"open_shift","float":"100.00"})).expect("cmd")).expect("shift");
    let cell = std::cell::RefCell::new(s);
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(100);
    let mut runner = TestRunner::new(PropConfig { cases, ..PropConfig::default() });
    runner
        .run(&prop::collection::vec(command(skus), 1..40), |cmds| {
            let mut s = cell.borrow_mut();
            for c in cmds {
                // Commands that do not parse are answered as errors by `till exec`; the rest run.
                if let Ok(cmd) = serde_json::from_value::<Command>(c) {
                    let _ = s.execute(cmd);
                }
            }
            prop_assert!(sales_add_up(s.store()).is_ok(), "{:?}", sales_add_up(s.store()));
            Ok(())
        })
        .expect("property holds");
    let s = cell.borrow();
    let report = s.store().verify_journal().expect("verify");
    assert!(report.is_ok(), "{report:?}");
    let sold = s.store().query_strings("SELECT COUNT(*), 'sales' FROM sales").expect("count")[0].0;
    eprintln!("{sold} sales and refunds stored over {cases} random sessions");
    assert!(sold > 0, "the random sessions sold something");
}
