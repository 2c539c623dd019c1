//! The back office through `till exec`: user management (add, disable, enable, new PIN, new
//! role, never the last manager, never oneself) and finding sales by number, date and amount.

mod common;

use common::*;
use serde_json::{json, Value};

#[test]
fn managers_manage_users_but_never_lock_out_the_last_manager() {
    let dir = tempfile::tempdir().unwrap();
    let a = exec(
        dir.path(),
        None,
        &[
            json!({"cmd":"login","pin":"9999"}),
            json!({"cmd":"user_add","name":"Ana","role":"cashier","pin":"2468"}),
            json!({"cmd":"user_add","name":"Ben","role":"cashier","pin":"2468"}),
            json!({"cmd":"user_disable","name":"Demo Manager"}),
            json!({"cmd":"user_set_role","name":"Demo Manager","role":"cashier"}),
            json!({"cmd":"user_disable","name":"Ana"}),
            json!({"cmd":"logout"}),
            json!({"cmd":"login","pin":"2468"}),
            json!({"cmd":"login","pin":"9999"}),
            json!({"cmd":"user_enable","name":"Ana"}),
            json!({"cmd":"user_set_pin","name":"Ana","pin":"1111"}),
            json!({"cmd":"user_set_pin","name":"Ana","pin":"1357"}),
            json!({"cmd":"user_set_role","name":"Ana","role":"manager"}),
            json!({"cmd":"user_disable","name":"Nobody"}),
            json!({"cmd":"logout"}),
            json!({"cmd":"login","pin":"1357"}),
            json!({"cmd":"user_disable","name":"Demo Manager"}),
            json!({"cmd":"users"}),
        ],
    );
    ok(&a[1]);
    assert_eq!(a[2]["code"], "refusal-pin-taken", "{}", a[2]);
    assert_eq!(a[3]["code"], "refusal-not-yourself", "{}", a[3]);
    assert_eq!(a[4]["code"], "refusal-not-yourself", "{}", a[4]);
    let users = ok(&a[5])["users"].as_array().unwrap().clone();
    assert!(users.iter().any(|u| u["name"] == "Ana" && u["active"] == false), "{users:?}");
    assert!(err(&a[7]).contains("wrong PIN"), "a disabled user does not sign in: {}", a[7]);
    ok(&a[9]);
    assert_eq!(a[10]["code"], "refusal-pin-taken", "{}", a[10]);
    ok(&a[11]);
    ok(&a[12]);
    assert!(err(&a[13]).contains("Nobody"));
    assert_eq!(ok(&a[15])["user"]["name"], "Ana", "the new PIN and role work");
    ok(&a[16]);
    let users = ok(&a[17])["users"].as_array().unwrap().clone();
    assert!(users.iter().any(|u| u["name"] == "Demo Manager" && u["active"] == false));
    let changed =
        db(dir.path()).query_row("SELECT COUNT(*) FROM outbox WHERE kind = 'user_changed'", [], |r| r.get::<_, i64>(0));
    assert_eq!(changed.unwrap(), 5, "every change goes to head office");
    // Ana is now the only active manager: she cannot disable herself.
    let a = exec(
        dir.path(),
        None,
        &[json!({"cmd":"login","pin":"1357"}), json!({"cmd":"user_set_role","name":"Ana","role":"cashier"})],
    );
    assert_eq!(a[1]["code"], "refusal-not-yourself", "{}", a[1]);
}

#[test]
fn sales_are_found_by_number_date_and_amount() {
    let dir = tempfile::tempdir().unwrap();
    let today = &chrono::Utc::now().format("%Y-%m-%d").to_string();
    let a = exec(
        dir.path(),
        None,
        &[
            json!({"cmd":"login","pin":"9999"}),
            json!({"cmd":"open_shift","float":"100.00"}),
            json!({"cmd":"add","sku":"BEV-0001"}),
            json!({"cmd":"tender","method":"cash"}),
            json!({"cmd":"add","sku":"SNK-0001"}),
            json!({"cmd":"tender","method":"cash"}),
            json!({"cmd":"refund","receipt_no":1}),
            json!({"cmd":"find_sales","receipt_no":2}),
            json!({"cmd":"find_sales","date":today}),
            json!({"cmd":"find_sales","amount":"2.19"}),
            json!({"cmd":"find_sales","date":"2001-01-01"}),
            json!({"cmd":"find_sales","date":"yesterday"}),
        ],
    );
    let nos = |i: usize| -> Vec<i64> {
        ok(&a[i])["found"].as_array().unwrap().iter().map(|f| f["receipt_no"].as_i64().unwrap()).collect()
    };
    assert_eq!(nos(7), [2]);
    assert_eq!(nos(8), [3, 2, 1], "newest first");
    assert_eq!(nos(9), [3, 1], "the sale and its refund");
    assert!(nos(10).is_empty());
    assert_eq!(a[11]["code"], "refusal-bad-date", "{}", a[11]);
}

#[test]
fn a_report_is_exported_as_csv_beside_the_store_with_the_figures_of_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let a = exec(
        dir.path(),
        None,
        &[
            json!({"cmd":"login","pin":"1111"}),
            json!({"cmd":"export_report"}),
            json!({"cmd":"logout"}),
            json!({"cmd":"login","pin":"9999"}),
            json!({"cmd":"open_shift","float":"100.00"}),
            json!({"cmd":"add","sku":"BEV-0001","qty":"3"}),
            json!({"cmd":"tender","method":"cash"}),
            json!({"cmd":"x_report"}),
            json!({"cmd":"export_report"}),
            json!({"cmd":"export_report","z_no":7}),
        ],
    );
    assert_eq!(a[1]["code"], "error-not-permitted", "a cashier sees only their own X: {}", a[1]);
    let file = ok(&a[8])["exported"].as_str().expect("the file").to_string();
    assert!(file.starts_with(dir.path().join("exports").to_str().unwrap()), "{file}");
    let mut r = csv::Reader::from_path(&file).expect("CSV");
    assert_eq!(r.headers().unwrap(), vec!["figure", "value"]);
    let rows: Vec<(String, String)> = r.records().map(|x| x.unwrap()).map(|x| (x[0].into(), x[1].into())).collect();
    // Every figure of the X report is a row, with the same value.
    let mut want = Vec::new();
    flat(&a[7]["report"], "", &mut want);
    let skip = |k: &str| k == "at";
    let got: Vec<_> = rows.iter().filter(|(k, _)| !skip(k)).cloned().collect();
    let want: Vec<_> = want.into_iter().filter(|(k, _)| !skip(k)).collect();
    assert_eq!(got, want);
    assert!(rows.iter().any(|(k, v)| k.starts_with("totals") && v == "6.57"), "{rows:?}");
    assert_eq!(a[9]["code"], "refusal-no-such-z", "{}", a[9]);
}

/// The test's own flattening of a report (path, value), as a spreadsheet reads it.
fn flat(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            m.iter().for_each(|(k, v)| flat(v, &if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out))
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| flat(v, &format!("{path}[{i}]"), out)),
        Value::Null => out.push((path.into(), String::new())),
        Value::String(s) => out.push((path.into(), s.clone())),
        other => out.push((path.into(), other.to_string())),
    }
}
