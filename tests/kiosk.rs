//! The self-service kiosk's rules through `till exec` as a kiosk (`[terminal] mode = "kiosk"`):
//! it starts without a PIN and sells cashless; nobody signs in and no counter-only command
//! runs; an item for adults waits for a member of staff's PIN (never the customer's word), as
//! does a basket over the limit; a basket left behind is cancelled and journaled.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn kiosk_site(dir: &Path) -> (PathBuf, PathBuf) {
    demo_site(dir, |text| {
        text.replacen("[terminal]\n", "[terminal]\nmode = \"kiosk\"\n", 1)
            + "\n[kiosk]\nidle_seconds = 45\ncountdown_seconds = 15\namount_limit = \"30.00\"\n"
    })
}

fn code(v: &Value) -> String {
    assert_eq!(v["ok"], false, "should have failed: {v}");
    v["code"].as_str().unwrap_or_default().to_string()
}

fn journal_kinds(data: &Path) -> Vec<String> {
    let db = db(data);
    let mut stmt = db.prepare("SELECT kind FROM journal ORDER BY seq").unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn a_kiosk_starts_without_a_pin_sells_cashless_and_refuses_the_counters_commands() {
    let dir = tempfile::tempdir().unwrap();
    let (config, data) = kiosk_site(dir.path());
    let mut k = Exec::start(&config, &data);
    let a = k.ask(json!({"cmd":"kiosk_start"}));
    assert_eq!(ok(&a)["user"]["role"], "kiosk", "{a}");
    assert_eq!(a["shift"]["float"], "0.00", "a cashless drawer session");
    assert_eq!(a["kiosk"]["idle_seconds"], 45);
    assert_eq!(a["kiosk"]["countdown_seconds"], 15);
    // Started again (the screen comes back): the same kiosk, no second session.
    ok(&k.ask(json!({"cmd":"kiosk_start"})));
    ok(&k.ask(json!({"cmd":"add","sku":"BEV-0001","qty":"2"})));
    assert_eq!(code(&k.ask(json!({"cmd":"tender","method":"cash"}))), "refusal-kiosk-no-cash");
    // Every command of the counter is refused (by the kiosk's rules or its role).
    let counter_only = [
        json!({"cmd":"login","pin":"1111"}),
        json!({"cmd":"open_shift","float":"100.00"}),
        json!({"cmd":"close_shift"}),
        json!({"cmd":"handover","pin":"1111"}),
        json!({"cmd":"open_drawer","reason":"Other"}),
        json!({"cmd":"discount","percent":"10"}),
        json!({"cmd":"refund","receipt_no":1}),
        json!({"cmd":"pay_out","amount":"5.00","reason":"Other"}),
        json!({"cmd":"safe_drop","amount":"5.00"}),
        json!({"cmd":"x_report"}),
        json!({"cmd":"z_report"}),
        json!({"cmd":"users"}),
        json!({"cmd":"user_add","name":"X","role":"manager","pin":"4321"}),
        json!({"cmd":"stop","pump":1}),
        json!({"cmd":"site"}),
        json!({"cmd":"site_answer","terminal":"T1","approve":true}),
        json!({"cmd":"authorize","pump":1}),
        json!({"cmd":"prepay","pump":1,"amount":"20.00"}),
        json!({"cmd":"set_fuel_price","grade":"E5","price":"1.00"}),
        json!({"cmd":"hold"}),
        json!({"cmd":"reprint","receipt_no":1}),
        json!({"cmd":"find_sales","receipt_no":1}),
    ];
    for c in counter_only {
        let a = k.ask(c.clone());
        assert_eq!(a["ok"], false, "{c} must be refused at a kiosk: {a}");
    }
    // Card pays (recorded: no terminal in this configuration), and the kiosk goes on.
    let a = k.ask(json!({"cmd":"tender","method":"card"}));
    assert_eq!(ok(&a)["sale"]["payments"][0]["method"], "card", "{a}");
    drop(k);
    let shifts: i64 = db(&data).query_row("SELECT COUNT(*) FROM shifts", [], |r| r.get(0)).unwrap();
    assert_eq!(shifts, 1);
}

#[test]
fn an_item_for_adults_waits_for_a_member_of_staff_and_the_customers_word_is_not_enough() {
    let dir = tempfile::tempdir().unwrap();
    let (config, data) = kiosk_site(dir.path());
    let mut k = Exec::start(&config, &data);
    ok(&k.ask(json!({"cmd":"kiosk_start"})));
    let a = k.ask(json!({"cmd":"add","sku":"TOB-0001"}));
    assert_eq!(ok(&a)["kiosk"]["help"]["reason"], "age", "{a}");
    assert!(a["kiosk"]["help"]["detail"].as_str().unwrap().contains("Cigarettes"), "{a}");
    assert_eq!(code(&k.ask(json!({"cmd":"confirm_age"}))), "refusal-kiosk-age-by-staff");
    assert_eq!(code(&k.ask(json!({"cmd":"tender","method":"card"}))), "refusal-kiosk-needs-staff-age");
    assert_eq!(code(&k.ask(json!({"cmd":"staff_approve","pin":"0000"}))), "error-wrong-pin");
    let a = k.ask(json!({"cmd":"staff_approve","pin":"1111"}));
    assert!(ok(&a)["kiosk"].get("help").is_none(), "approved by the attendant: {a}");
    let a = k.ask(json!({"cmd":"tender","method":"card"}));
    assert!(ok(&a)["sale"]["receipt_no"].is_number(), "{a}");

    // Refused: the items for adults come off, the rest is sold.
    ok(&k.ask(json!({"cmd":"add","sku":"TOB-0002"})));
    ok(&k.ask(json!({"cmd":"add","sku":"BEV-0001"})));
    let a = k.ask(json!({"cmd":"staff_refuse","pin":"9999"}));
    assert!(ok(&a)["kiosk"].get("help").is_none(), "{a}");
    assert_eq!(a["ticket"]["total"], "2.19", "{a}");
    ok(&k.ask(json!({"cmd":"tender","method":"card"})));
    drop(k);
    let kinds = journal_kinds(&data);
    assert!(kinds.contains(&"kiosk_help_approved".to_string()) && kinds.contains(&"kiosk_help_declined".to_string()));
}

#[test]
fn a_basket_over_the_limit_or_a_call_waits_for_staff_and_one_left_behind_is_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let (config, data) = kiosk_site(dir.path());
    let mut k = Exec::start(&config, &data);
    ok(&k.ask(json!({"cmd":"kiosk_start"})));
    // 16 x 2.19 = 35.04, over the limit of 30.00.
    let a = k.ask(json!({"cmd":"add","sku":"BEV-0001","qty":"16"}));
    assert_eq!(ok(&a)["kiosk"]["help"]["reason"], "amount", "{a}");
    assert_eq!(code(&k.ask(json!({"cmd":"tender","method":"card"}))), "refusal-kiosk-needs-staff-amount");
    ok(&k.ask(json!({"cmd":"staff_approve","pin":"1111"})));
    // The approval holds for what was approved, not for more.
    let a = k.ask(json!({"cmd":"add","sku":"BEV-0001"}));
    assert_eq!(ok(&a)["kiosk"]["help"]["reason"], "amount", "{a}");
    ok(&k.ask(json!({"cmd":"void_line","line":2})));
    let a = k.ask(json!({"cmd":"ticket"}));
    assert!(ok(&a)["kiosk"].get("help").is_none(), "{a}");
    // The customer calls for help, and walks away: the basket is cancelled and journaled.
    let a = k.ask(json!({"cmd":"call_staff"}));
    assert_eq!(ok(&a)["kiosk"]["help"]["reason"], "customer");
    let a = k.ask(json!({"cmd":"kiosk_reset"}));
    assert!(ok(&a)["ticket"]["lines"].as_array().is_none_or(Vec::is_empty), "{a}");
    assert!(a["kiosk"].get("help").is_none(), "a new customer starts afresh: {a}");
    assert_eq!(code(&k.ask(json!({"cmd":"staff_approve","pin":"1111"}))), "refusal-no-help-request");
    drop(k);
    assert!(journal_kinds(&data).contains(&"basket_abandoned".to_string()));
    let sales: i64 = db(&data).query_row("SELECT COUNT(*) FROM sales", [], |r| r.get(0)).unwrap();
    assert_eq!(sales, 0);
}

#[test]
fn a_counter_is_not_a_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    let a = exec(dir.path(), None, &[json!({"cmd":"kiosk_start"}), json!({"cmd":"kiosk_reset"})]);
    assert_eq!(code(&a[0]), "refusal-not-a-kiosk");
    assert_eq!(a[1]["ok"], false);
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/demo/demo.toml"))
        .unwrap()
        .replacen("[terminal]\n", "[terminal]\nmode = \"kiosque\"\n", 1);
    std::fs::write(&bad, text).unwrap();
    let out = run(&["config", "check", "--config", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("terminal.mode"), "{out:?}");
}

#[test]
fn a_manager_opens_service_mode_on_the_kiosk_and_one_command_returns_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let (config, data) = kiosk_site(dir.path());
    let mut k = Exec::start(&config, &data);
    ok(&k.ask(json!({"cmd":"kiosk_start"})));
    assert_eq!(code(&k.ask(json!({"cmd":"x_report"}))), "refusal-not-at-the-kiosk");
    let a = k.ask(json!({"cmd":"service_mode","pin":"1111"}));
    assert_eq!(a["ok"], false, "a cashier opens no service mode: {a}");
    let a = k.ask(json!({"cmd":"service_mode","pin":"9999"}));
    assert_eq!(ok(&a)["user"]["name"], "Manager", "{a}");
    assert!(ok(&k.ask(json!({"cmd":"x_report"})))["report"].is_object(), "the counter's commands");
    assert_eq!(code(&k.ask(json!({"cmd":"login","pin":"9999"}))), "refusal-in-service-mode");
    ok(&k.ask(json!({"cmd":"add","sku":"BEV-0001"})));
    assert_eq!(k.ask(json!({"cmd":"service_end"}))["ok"], false, "not with a ticket open");
    ok(&k.ask(json!({"cmd":"cancel_ticket"})));
    let a = k.ask(json!({"cmd":"service_end"}));
    assert_eq!(ok(&a)["user"]["role"], "kiosk", "{a}");
    assert_eq!(code(&k.ask(json!({"cmd":"x_report"}))), "refusal-not-at-the-kiosk");
    drop(k);
    let kinds = journal_kinds(&data);
    assert!(kinds.contains(&"service_mode_start".to_string()) && kinds.contains(&"service_mode_end".to_string()));
}

#[test]
fn a_price_not_found_or_a_failed_payment_locks_the_basket_and_calls_staff() {
    let dir = tempfile::tempdir().unwrap();
    let (port, _state) = card_terminal();
    let (config, data) = demo_site(dir.path(), |text| {
        text.replacen("[terminal]\n", "[terminal]\nmode = \"kiosk\"\n", 1)
            + &format!("\n[kiosk]\nidle_seconds = 45\n\n[card_terminal]\nport = \"{port}\"\n")
    });
    let mut k = Exec::start(&config, &data);
    ok(&k.ask(json!({"cmd":"kiosk_start"})));
    ok(&k.ask(json!({"cmd":"add","sku":"BEV-0001"})));
    // A valid code no item has: the price cannot be found, and a person is called.
    let a = k.ask(json!({"cmd":"scan","code":"4000000000006"}));
    assert_eq!(code(&a), "error-unknown-code", "{a}");
    let t = k.ask(json!({"cmd":"ticket"}));
    assert_eq!(ok(&t)["kiosk"]["help"]["reason"], "price", "{t}");
    assert_eq!(t["kiosk"]["help"]["detail"], "4000000000006", "{t}");
    assert_eq!(code(&k.ask(json!({"cmd":"tender","method":"card"}))), "refusal-kiosk-needs-staff");
    let a = k.ask(json!({"cmd":"staff_approve","pin":"1111"}));
    assert!(ok(&a)["kiosk"].get("help").is_none(), "{a}");
    // A misread (a broken check digit) is the scanner's: scan again, nobody is called.
    let a = k.ask(json!({"cmd":"scan","code":"4006381333932"}));
    assert_eq!(a["ok"], false, "{a}");
    assert!(ok(&k.ask(json!({"cmd":"ticket"})))["kiosk"].get("help").is_none());
    // The simulated terminal declines an amount ending in .13: the basket waits for a person.
    let a = k.ask(json!({"cmd":"tender","method":"card","amount":"1.13"}));
    assert_eq!(code(&a), "refusal-card-declined", "{a}");
    let t = k.ask(json!({"cmd":"ticket"}));
    assert_eq!(ok(&t)["kiosk"]["help"]["reason"], "payment", "{t}");
    assert_eq!(code(&k.ask(json!({"cmd":"tender","method":"card"}))), "refusal-kiosk-needs-staff");
    ok(&k.ask(json!({"cmd":"staff_approve","pin":"9999"})));
    let a = k.ask(json!({"cmd":"tender","method":"card"}));
    assert!(ok(&a)["sale"]["receipt_no"].is_number(), "{a}");
    drop(k);
    let kinds = journal_kinds(&data);
    let calls = kinds.iter().filter(|k| *k == "kiosk_help").count();
    assert_eq!(calls, 1, "the failed payment is journaled as a call: {kinds:?}");
    assert_eq!(kinds.iter().filter(|k| *k == "kiosk_help_approved").count(), 2);
}
