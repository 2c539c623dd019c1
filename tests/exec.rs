//! `till exec` end to end: the real binary, a real SQLite file, the demo data.

mod common;

use common::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::str::FromStr;

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}"))).expect("decimal")
}

fn login_and_shift(pin: &str) -> Vec<Value> {
    vec![json!({"cmd":"login","pin":pin}), json!({"cmd":"open_shift","float":"150.00"})]
}

#[test]
fn a_demo_sale_is_stored_exactly_as_answered() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmds = login_and_shift("1111");
    cmds.extend([
        json!({"cmd":"scan","code":"4006381333931"}),
        json!({"cmd":"add","sku":"BEV-0001","qty":"2"}),
        json!({"cmd":"scan","code":"90162602"}),
        json!({"cmd":"void_line","line":3}),
        json!({"cmd":"discount","line":1,"percent":"10"}),
        json!({"cmd":"tender","method":"card","amount":"2.00"}),
        json!({"cmd":"tender","method":"cash","amount":"20.00"}),
        json!({"cmd":"find_sale","receipt_no":1}),
        json!({"cmd":"find_sale","receipt_no":2}),
    ]);
    let a = exec(dir.path(), None, &cmds);
    ok(&a[0]);
    assert_eq!(a[0]["user"]["role"], "cashier");
    assert_eq!(a[2]["ticket"]["lines"][0]["sku"], "STA-0001");
    assert_eq!(a[5]["ticket"]["lines"][2]["voided"], true, "a voided line stays on the ticket");
    assert_eq!(a[6]["ticket"]["lines"][0]["discount"], "0.13");
    assert_eq!(a[7]["ticket"]["due"], "3.54");
    let sale = &ok(&a[8])["sale"];
    assert_eq!(sale["receipt_no"], 1);
    assert_eq!(sale["lines"].as_array().unwrap().len(), 3);
    assert_eq!(sale["lines"][1]["qty"], "2");
    assert_eq!(sale["lines"][1]["unit_price"], "2.19");
    assert_eq!(sale["lines"][1]["amount"], "4.38");
    assert_eq!(sale["subtotal"], "5.54");
    assert_eq!(sale["total"], "5.54");
    assert_eq!(sale["paid"], "22.00");
    assert_eq!(sale["change"], "16.46");
    assert_eq!(sale["payments"], json!([{"method":"card","amount":"2.00"},{"method":"cash","amount":"20.00"}]));
    // 5.54 gross at 19 % contains 0.88 VAT.
    assert_eq!(sale["tax"], json!([{"name":"VAT","rate":"19%","amount":"0.88"}]));
    assert_eq!(ok(&a[9])["sale"], *sale, "the stored sale reads back exactly as it was answered");
    assert!(err(&a[10]).contains("receipt number 2"));

    // One transaction wrote the sale, its journal entry and its outbox row.
    let conn = db(dir.path());
    let outbox: i64 = conn.query_row("SELECT COUNT(*) FROM outbox WHERE kind = 'sale'", [], |r| r.get(0)).unwrap();
    assert_eq!(outbox, 1);
    let journaled: String =
        conn.query_row("SELECT payload FROM journal WHERE kind = 'sale'", [], |r| r.get(0)).unwrap();
    let journaled: Value = serde_json::from_str(&journaled).unwrap();
    assert_eq!(journaled, *sale);
    let event: String = conn.query_row("SELECT payload FROM outbox WHERE kind = 'sale'", [], |r| r.get(0)).unwrap();
    let event: Value = serde_json::from_str(&event).unwrap();
    assert_eq!(event["event_id"], sale["event_id"]);
    assert_eq!(event["terminal_id"], "DEMO-01");
    assert_eq!(event["sale"], *sale);
    let (total, paid, change): (i64, i64, i64) = conn
        .query_row("SELECT total_minor, paid_minor, change_minor FROM sales", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((total, paid, change), (554, 2200, 1646));
    let out = run(&["journal", "verify", "--data-dir", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_refused_command_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmds = login_and_shift("1111");
    cmds.extend([
        json!({"cmd":"scan","code":"4006381333931"}),
        json!({"cmd":"scan","code":"4006381333932"}),
        json!({"cmd":"scan","code":"12345"}),
        json!({"cmd":"add","sku":"NOPE"}),
        json!({"cmd":"add","sku":"BEV-0001","qty":"1.5"}),
        json!({"cmd":"add","sku":"BEV-0001","qty":1.5}),
        json!({"cmd":"void_line","line":7}),
        json!({"cmd":"discount","line":1,"percent":"11"}),
        json!({"cmd":"discount","line":1,"amount":"5.00"}),
        json!({"cmd":"tender","method":"card","amount":"100.00"}),
        json!({"cmd":"tender","method":"cash","amount":"0.001"}),
        "this is not json".into(),
        json!({"cmd":"ticket"}),
    ]);
    let a = exec(dir.path(), None, &cmds);
    let before = ok(&a[2])["ticket"].clone();
    let reasons: Vec<String> = a[3..14].iter().map(err).collect();
    assert!(reasons[0].contains("check digit"), "{}", reasons[0]);
    assert!(reasons[1].contains("no item has the code 12345"), "{}", reasons[1]);
    assert!(reasons[2].contains("SKU 'NOPE'"), "{}", reasons[2]);
    assert!(reasons[3].contains("whole number"), "{}", reasons[3]);
    assert!(reasons[4].contains("quoted string"), "a JSON float is refused: {}", reasons[4]);
    assert!(reasons[5].contains("line 7"), "{}", reasons[5]);
    assert!(reasons[6].contains("10%") && reasons[6].contains("manager"), "{}", reasons[6]);
    assert!(reasons[7].contains("at most 1.29"), "{}", reasons[7]);
    assert!(reasons[8].contains("change is given only from cash"), "{}", reasons[8]);
    assert!(reasons[9].contains("more decimals"), "{}", reasons[9]);
    assert!(reasons[10].contains("not a valid command"), "{}", reasons[10]);
    assert_eq!(ok(&a[14])["ticket"], before, "the ticket is as it was before the refused commands");
    let conn = db(dir.path());
    let sales: i64 = conn.query_row("SELECT COUNT(*) FROM sales", [], |r| r.get(0)).unwrap();
    assert_eq!(sales, 0);
}

#[test]
fn selling_needs_a_login_and_an_open_shift() {
    let dir = tempfile::tempdir().unwrap();
    let a = exec(
        dir.path(),
        None,
        &[
            json!({"cmd":"scan","code":"4006381333931"}),
            json!({"cmd":"login","pin":"0000"}),
            json!({"cmd":"login","pin":"1111"}),
            json!({"cmd":"scan","code":"4006381333931"}),
            json!({"cmd":"open_shift","float":"-5"}),
            json!({"cmd":"open_shift","float":"100"}),
            json!({"cmd":"open_shift","float":"100"}),
            json!({"cmd":"login","pin":"9999"}),
        ],
    );
    assert!(err(&a[0]).contains("logged in"));
    assert_eq!(err(&a[1]), "wrong PIN");
    ok(&a[2]);
    assert!(err(&a[3]).contains("no shift is open"));
    assert!(err(&a[4]).contains("negative"));
    assert_eq!(ok(&a[5])["shift"]["float"], "100.00");
    assert!(err(&a[6]).contains("already open"));
    assert!(err(&a[7]).contains("log out first"));
}

#[test]
fn discount_limits_follow_the_role() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmds = login_and_shift("1111");
    cmds.extend([
        json!({"cmd":"add","sku":"BEV-0001","qty":"10"}),
        json!({"cmd":"discount","percent":"10"}),
        json!({"cmd":"discount","percent":"25"}),
        json!({"cmd":"discount","amount":"2.20"}),
        json!({"cmd":"cancel_ticket"}),
        json!({"cmd":"logout"}),
        json!({"cmd":"login","pin":"9999"}),
        json!({"cmd":"add","sku":"BEV-0001","qty":"10"}),
        json!({"cmd":"discount","percent":"25"}),
        json!({"cmd":"tender","method":"cash"}),
    ]);
    let a = exec(dir.path(), None, &cmds);
    assert_eq!(ok(&a[3])["ticket"]["discount"], "2.19", "10 % of 21.90");
    assert_eq!(ok(&a[3])["ticket"]["total"], "19.71");
    assert!(err(&a[4]).contains("more than the 10% a cashier may give"));
    assert!(err(&a[5]).contains("a manager must give it"), "2.20 of 21.90 is over 10 %");
    assert_eq!(ok(&a[6])["ticket"]["lines"], json!([]));
    ok(&a[7]);
    assert_eq!(ok(&a[8])["user"]["role"], "manager");
    assert_eq!(ok(&a[10])["ticket"]["total"], "16.42", "25 % off 21.90 is 5.475, rounded half-up to 5.48");
    let sale = &ok(&a[11])["sale"];
    assert_eq!(sale["discount"], "5.48");
    assert_eq!(sale["lines"][0]["ticket_discount"], "5.48");
    // The cancelled ticket is in the journal.
    let conn = db(dir.path());
    let cancelled: i64 =
        conn.query_row("SELECT COUNT(*) FROM journal WHERE kind = 'ticket_cancelled'", [], |r| r.get(0)).unwrap();
    assert_eq!(cancelled, 1);
}

#[test]
fn age_restricted_items_need_a_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let conn_products = {
        // Find a spirit in the demo catalog by its category, not by a hard-coded SKU.
        exec(dir.path(), None, &[]);
        let conn = db(dir.path());
        let sku: String = conn
            .query_row("SELECT sku FROM products WHERE age_restriction = 18 ORDER BY sku LIMIT 1", [], |r| r.get(0))
            .unwrap();
        sku
    };
    let mut cmds = login_and_shift("1111");
    cmds.extend([
        json!({"cmd":"add","sku":conn_products}),
        json!({"cmd":"tender","method":"cash","amount":"100"}),
        json!({"cmd":"confirm_age"}),
        json!({"cmd":"tender","method":"cash","amount":"100"}),
    ]);
    let a = exec(dir.path(), None, &cmds);
    assert_eq!(ok(&a[2])["ticket"]["required_age"], 18);
    assert_eq!(a[2]["ticket"]["age_confirmed"], false);
    assert!(err(&a[3]).contains("age confirmation"));
    assert_eq!(ok(&a[4])["ticket"]["age_confirmed"], true);
    ok(&a[5]);
}

#[test]
fn weighed_and_price_embedded_codes() {
    let dir = tempfile::tempdir().unwrap();
    exec(dir.path(), None, &[]);
    let conn = db(dir.path());
    // A deli item's template code: 21 + item + 00000 + check digit.
    let (sku, template, price): (String, String, String) = conn
        .query_row(
            "SELECT p.sku, b.code, p.price FROM products p JOIN barcodes b ON b.sku = p.sku WHERE b.code LIKE '21%' ORDER BY p.sku LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let (plu_sku, plu): (String, String) = conn
        .query_row("SELECT sku, code FROM barcodes WHERE length(code) = 4 ORDER BY sku LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let with_check = |body: &str| {
        let s: u32 =
            body.bytes().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
        format!("{body}{}", (10 - s % 10) % 10)
    };
    // 1.250 kg of it.
    let weighed = with_check(&format!("{}01250", &template[..7]));
    let mut cmds = login_and_shift("1111");
    cmds.extend([json!({"cmd":"scan","code":weighed}), json!({"cmd":"add","plu":plu,"qty":"0.755"})]);
    let a = exec(dir.path(), None, &cmds);
    let line = &ok(&a[2])["ticket"]["lines"][0];
    assert_eq!(line["sku"], sku.as_str());
    assert_eq!(line["qty"], "1.25");
    let expected = (Decimal::from_str(&price).unwrap() * Decimal::from_str("1.25").unwrap())
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(dec(&line["amount"]), expected);
    assert_eq!(ok(&a[3])["ticket"]["lines"][1]["sku"], plu_sku.as_str());
    assert_eq!(a[3]["ticket"]["lines"][1]["qty"], "0.755");
}

#[test]
fn refunds_never_exceed_what_was_paid() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmds = login_and_shift("9999");
    cmds.extend([
        json!({"cmd":"add","sku":"BEV-0001","qty":"2"}),
        json!({"cmd":"scan","code":"4006381333931"}),
        json!({"cmd":"scan","code":"90162602"}),
        json!({"cmd":"void_line","line":3}),
        json!({"cmd":"tender","method":"card","amount":"3.00"}),
        json!({"cmd":"tender","method":"cash","amount":"10.00"}),
        json!({"cmd":"refund","receipt_no":1,"lines":[3]}),
        json!({"cmd":"refund","receipt_no":1,"lines":[2]}),
        json!({"cmd":"refund","receipt_no":1,"lines":[2]}),
        json!({"cmd":"refund","receipt_no":1}),
        json!({"cmd":"refund","receipt_no":1}),
        json!({"cmd":"refund","receipt_no":2}),
        json!({"cmd":"refund","receipt_no":99}),
    ]);
    let a = exec(dir.path(), None, &cmds);
    let sale = &ok(&a[7])["sale"];
    assert_eq!(sale["total"], "5.67");
    assert!(err(&a[8]).contains("line 3"), "a voided line cannot be refunded");
    let r1 = &ok(&a[9])["sale"];
    assert_eq!(r1["kind"], "refund");
    assert_eq!(r1["refund_of"], 1);
    assert_eq!(r1["receipt_no"], 2, "refunds take the next receipt number");
    assert_eq!(r1["total"], "-1.29");
    assert_eq!(r1["payments"], json!([{"method":"card","amount":"-1.29"}]), "card first");
    assert!(err(&a[10]).contains("line 2"), "a line is refunded once");
    let r2 = &ok(&a[11])["sale"];
    assert_eq!(r2["total"], "-4.38");
    assert_eq!(r2["payments"], json!([{"method":"card","amount":"-1.71"},{"method":"cash","amount":"-2.67"}]));
    assert!(err(&a[12]).contains("already fully refunded"));
    assert!(err(&a[13]).contains("is a refund"));
    assert!(err(&a[14]).contains("receipt number 99"));
    let paid_back: Decimal = [r1, r2].iter().map(|r| dec(&r["paid"])).sum();
    assert_eq!(-paid_back, dec(&sale["paid"]) - dec(&sale["change"]), "exactly what was paid, no more");
}

#[test]
fn cashiers_cannot_refund() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmds = login_and_shift("1111");
    cmds.extend([
        json!({"cmd":"add","sku":"BEV-0001"}),
        json!({"cmd":"tender","method":"cash"}),
        json!({"cmd":"refund","receipt_no":1}),
    ]);
    let a = exec(dir.path(), None, &cmds);
    ok(&a[3]);
    assert!(err(&a[4]).contains("cashier may not give refunds"));
}

#[test]
fn receipt_numbers_continue_across_sessions_and_the_shift_counts_the_drawer() {
    let dir = tempfile::tempdir().unwrap();
    let sale = [json!({"cmd":"add","sku":"BEV-0001"}), json!({"cmd":"tender","method":"cash","amount":"5.00"})];
    let mut cmds = login_and_shift("1111");
    cmds.extend(sale.clone());
    cmds.extend(sale.clone());
    let a = exec(dir.path(), None, &cmds);
    assert_eq!(ok(&a[3])["sale"]["receipt_no"], 1);
    assert_eq!(ok(&a[5])["sale"]["receipt_no"], 2);
    // A new process: the shift is still open, numbering goes on.
    let mut cmds = vec![json!({"cmd":"login","pin":"1111"})];
    cmds.extend(sale.clone());
    cmds.push(json!({"cmd":"close_shift","counted":"156.50"}));
    cmds.push(json!({"cmd":"add","sku":"BEV-0001"}));
    let a = exec(dir.path(), None, &cmds);
    assert_eq!(ok(&a[0])["shift"]["float"], "150.00");
    assert_eq!(ok(&a[2])["sale"]["receipt_no"], 3);
    let count = &ok(&a[3])["shift_count"];
    assert_eq!(count["expected"], "156.57", "150.00 float + 3 x 2.19 cash");
    assert_eq!(count["difference"], "-0.07");
    assert!(err(&a[4]).contains("no shift is open"));
    let conn = db(dir.path());
    let events: Vec<String> = conn
        .prepare("SELECT kind FROM outbox ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // Closing with a counted amount stores it as the drawer's count first; the 0.07 short is
    // its own event in the closing transaction.
    assert_eq!(events, ["shift_open", "sale", "sale", "sale", "count", "shift_close", "cash_difference"]);
}

#[test]
fn five_wrong_pins_lock_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmds: Vec<Value> = (0..5).map(|_| json!({"cmd":"login","user":"Demo Cashier","pin":"1234"})).collect();
    cmds.push(json!({"cmd":"login","user":"Demo Cashier","pin":"1111"}));
    cmds.push(json!({"cmd":"login","user":"Demo Manager","pin":"9999"}));
    let a = exec(dir.path(), None, &cmds);
    assert!(err(&a[0]).contains("1 of 5"));
    assert!(err(&a[3]).contains("4 of 5"));
    assert!(err(&a[4]).contains("locked"));
    assert!(err(&a[5]).contains("locked"), "the right PIN does not open a locked user");
    ok(&a[6]);
}

#[test]
fn tax_exclusive_gst_with_cash_rounding_to_the_rupee() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = fixture("india.toml");
    let d = dir.path().to_str().unwrap();
    let c = cfg.to_str().unwrap();
    let out = run(&["catalog", "import", fixture("india.csv").to_str().unwrap(), "--config", c, "--data-dir", d]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out =
        run(&["user", "add", "--name", "Asha", "--role", "cashier", "--pin", "4321", "--config", c, "--data-dir", d]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let a = exec(
        dir.path(),
        Some(&cfg),
        &[
            json!({"cmd":"login","pin":"4321"}),
            json!({"cmd":"open_shift","float":"500"}),
            json!({"cmd":"add","sku":"DOSA"}),
            json!({"cmd":"add","sku":"CHAI","qty":"3"}),
            json!({"cmd":"scan","code":"8901764012273"}),
            json!({"cmd":"add","plu":"4061","qty":"0.5"}),
            json!({"cmd":"fuel","grade":"MS","litres":"4.37"}),
            json!({"cmd":"tender","method":"card","amount":"200.00"}),
            json!({"cmd":"tender","method":"cash","amount":"500"}),
            json!({"cmd":"tender","method":"cash","amount":"100"}),
        ],
    );
    assert_eq!(ok(&a[8])["ticket"]["due"], "88.93", "cash below the due is a partial payment");
    let sale = &ok(&a[9])["sale"];
    // DOSA 85 + CHAI 60 + RICE 56.25 at 5 %: CGST 2.125 + 1.5 + 1.40625 rounded per line half-even
    // = 2.12 + 1.50 + 1.41; SODA 40 + petrol 449.50 (4.37 x 102.86 = 449.4982) at 18 %.
    assert_eq!(sale["subtotal"], "690.75");
    assert_eq!(
        sale["tax"],
        json!([
            {"name":"CGST","rate":"2.5%","amount":"5.03"},
            {"name":"CGST","rate":"9%","amount":"44.06"},
            {"name":"SGST","rate":"2.5%","amount":"5.03"},
            {"name":"SGST","rate":"9%","amount":"44.06"}
        ])
    );
    assert_eq!(sale["tax_total"], "98.18");
    assert_eq!(sale["total"], "788.93");
    // 88.93 left in cash rounds to 89 (the rupee); the card part was not rounded.
    assert_eq!(sale["cash_rounding"], "0.07");
    assert_eq!(sale["paid"], "800.00");
    assert_eq!(sale["change"], "11.00");
}

#[test]
fn exec_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script.jsonl");
    std::fs::write(&script, "{\"cmd\":\"login\",\"pin\":\"0000\"}\n").unwrap();
    let d = dir.path().join("data");
    let out = run(&["exec", "--data-dir", d.to_str().unwrap(), script.to_str().unwrap()]);
    assert!(out.status.success(), "refused commands still exit 0");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"ok\":false"));
    let out = run(&["exec", "--data-dir", d.to_str().unwrap(), "/nonexistent/script.jsonl"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read script"));
}

#[test]
fn hold_recall_and_a_manager_approved_discount() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmds = login_and_shift("1111");
    cmds.extend([
        json!({"cmd":"add","sku":"BEV-0001"}),
        json!({"cmd":"hold"}),
        json!({"cmd":"add","sku":"BEV-0002","qty":"2"}),
        json!({"cmd":"recall"}),
        json!({"cmd":"tender","method":"card"}),
        json!({"cmd":"recall"}),
        json!({"cmd":"discount","percent":"50","approver_pin":"1111"}),
        json!({"cmd":"discount","percent":"50","approver_pin":"9999"}),
        json!({"cmd":"tender","method":"card"}),
        json!({"cmd":"logout"}),
    ]);
    let a = exec(dir.path(), None, &cmds);
    assert_eq!(ok(&a[3])["held"], 1);
    assert_eq!(a[3]["ticket"]["lines"], json!([]));
    assert!(err(&a[5]).contains("finish or cancel"), "recall onto an open ticket is refused");
    assert_eq!(ok(&a[6])["sale"]["total"], "4.38");
    assert_eq!(ok(&a[7])["held"], 0);
    assert_eq!(a[7]["ticket"]["lines"][0]["sku"], "BEV-0001");
    assert_eq!(
        err(&a[8]),
        "Demo Cashier may not approve this: nobody approves their own discount",
        "the cashier cannot approve their own discount"
    );
    assert_eq!(ok(&a[9])["ticket"]["total"], "1.09", "50 % of 2.19 is 1.095, rounded half-up to 1.10 off");
    assert_eq!(ok(&a[10])["sale"]["discount"], "1.10");
    ok(&a[11]);
    let conn = db(dir.path());
    let approvals: i64 =
        conn.query_row("SELECT COUNT(*) FROM journal WHERE kind = 'discount_override'", [], |r| r.get(0)).unwrap();
    assert_eq!(approvals, 1);
}

#[test]
fn fuel_prices_are_a_managers_and_pump_commands_need_a_forecourt() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmds = login_and_shift("1111");
    cmds.extend([
        json!({"cmd":"set_fuel_price","grade":"E10","price":"1.759"}),
        json!({"cmd":"logout"}),
        json!({"cmd":"login","pin":"9999"}),
        json!({"cmd":"set_fuel_price","grade":"E10","price":"1.7591"}),
        json!({"cmd":"set_fuel_price","grade":"E10","price":"1.759"}),
        // A fill names only its pump: litres and amounts come from the pump's own record.
        json!({"cmd":"pump_fill","pump":1,"grade":"E10","litres":"20.00","amount":"34.78"}),
        json!({"cmd":"pump_fill","pump":1}),
        json!({"cmd":"drive_off","pump":2}),
        json!({"cmd":"fuel_prices"}),
    ]);
    let a = exec(dir.path(), None, &cmds);
    assert!(err(&a[2]).contains("cashier may not change fuel prices"));
    assert!(err(&a[5]).contains("at most 3 decimals"));
    let set = ok(&a[6]);
    assert_eq!(set["effects"], json!([{"effect":"set_fuel_prices","prices":[["E10","1.759"]]}]));
    assert!(err(&a[7]).contains("unknown field `grade`"), "{}", a[7]);
    assert_eq!(err(&a[8]), "no pumps are configured on this terminal");
    assert_eq!(err(&a[9]), "no pumps are configured on this terminal");
    let grades = ok(&a[10])["grades"].as_array().unwrap().clone();
    assert!(grades.iter().any(|g| g["code"] == "E10" && g["price"] == "1.759"), "{grades:?}");
}

#[test]
fn opening_the_drawer_without_a_sale_is_a_permission_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmds = login_and_shift("1111");
    cmds.extend([
        json!({"cmd":"open_drawer","reason":"Change for a customer"}),
        json!({"cmd":"logout"}),
        json!({"cmd":"login","pin":"9999"}),
        json!({"cmd":"open_drawer","reason":"Change for a customer"}),
        json!({"cmd":"open_drawer","reason":"because"}),
        json!({"cmd":"open_drawer"}),
        json!({"cmd":"add","sku":"BEV-0001"}),
        json!({"cmd":"open_drawer","reason":"Other"}),
    ]);
    let a = exec(dir.path(), None, &cmds);
    assert!(err(&a[2]).contains("cashier may not open the drawer"), "{}", a[2]);
    let effects: Vec<&str> =
        ok(&a[5])["effects"].as_array().unwrap().iter().map(|e| e["effect"].as_str().unwrap()).collect();
    assert_eq!(effects, ["open_drawer", "print_slip"]);
    // The reason is one of the configured ones, never free text and never none.
    assert_eq!(a[6]["code"], "refusal-unknown-reason", "{}", a[6]);
    assert_eq!(a[7]["code"], "refusal-unknown-reason", "{}", a[7]);
    assert!(err(&a[9]).contains("finish or cancel"));
    let reasons: Vec<String> = db(dir.path())
        .prepare("SELECT json_extract(payload, '$.reason') FROM journal WHERE kind = 'no_sale'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(reasons, ["Change for a customer"]);
    let stored: i64 = db(dir.path())
        .query_row("SELECT COUNT(*) FROM cash_movements WHERE kind = 'no_sale' AND amount_minor = 0", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 1);
}
