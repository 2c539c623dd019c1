//! Every command is refused, through `till exec`, for a role that lacks its permission, and
//! allowed past the permission check for a role that has it: table-driven over every command
//! of the `Command` enum (the list is read from Till's own answer to an unknown command, so a
//! new command without a row here fails this test) and every demo role.

mod common;

use common::{err, exec, ok, run};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use till::config::Config;
use till::domain::users::{Permission, Role};

/// Each command with what it needs: the permissions its role must have ("" for a signed-in
/// user, "none" for nobody at all, "anyone" for a command that works signed out as well,
/// "kiosk" for one that only a kiosk terminal runs).
fn table() -> Vec<(Value, &'static [&'static str])> {
    vec![
        (json!({"cmd":"scan","code":"4006381333931"}), &["sell"]),
        (json!({"cmd":"add","sku":"BEV-0001"}), &["sell"]),
        (json!({"cmd":"fuel","grade":"E10","litres":"10"}), &["sell"]),
        (json!({"cmd":"set_qty","line":1,"qty":"2"}), &["sell"]),
        (json!({"cmd":"void_line","line":2}), &["void_line"]),
        (json!({"cmd":"discount","line":1,"percent":"5"}), &["discount"]),
        (json!({"cmd":"approve_discount","approver_pin":"9999"}), &["sell"]),
        (json!({"cmd":"pay"}), &["sell"]),
        (json!({"cmd":"confirm_age"}), &["sell"]),
        (json!({"cmd":"refuse_age"}), &["sell"]),
        (json!({"cmd":"hold"}), &["sell"]),
        (json!({"cmd":"held"}), &[""]),
        (json!({"cmd":"recall"}), &["sell"]),
        (json!({"cmd":"tender","method":"card","amount":"1.00"}), &["sell"]),
        (json!({"cmd":"remove_payment","index":0}), &["void_line"]),
        (json!({"cmd":"cancel_ticket"}), &["cancel_ticket"]),
        (json!({"cmd":"refund","receipt_no":999}), &["refund"]),
        (json!({"cmd":"find_sale","receipt_no":999}), &[""]),
        (json!({"cmd":"ticket"}), &[""]),
        (json!({"cmd":"pumps"}), &[""]),
        (json!({"cmd":"authorize","pump":1}), &["pumps"]),
        (json!({"cmd":"authorize_all"}), &["pumps"]),
        (json!({"cmd":"stop","pump":1}), &["pumps"]),
        (json!({"cmd":"stop_all"}), &["none"]),
        (json!({"cmd":"resume","pump":1}), &["pumps"]),
        (json!({"cmd":"pump_fill","pump":1}), &["sell", "pumps"]),
        (json!({"cmd":"prepay","pump":1,"amount":"10.00"}), &["sell", "pumps"]),
        (json!({"cmd":"cancel_prepay","pump":1}), &["sell", "pumps"]),
        (json!({"cmd":"drive_off","pump":1}), &["drive_off"]),
        (json!({"cmd":"pump_test","pump":1}), &["pump_test"]),
        (json!({"cmd":"meter_totals","phase":"manual"}), &[""]),
        (json!({"cmd":"fuel_prices"}), &["manage_catalog"]),
        (json!({"cmd":"set_fuel_price","grade":"E10","price":"1.799"}), &["manage_catalog"]),
        (json!({"cmd":"open_drawer","reason":"Other"}), &["open_drawer"]),
        (json!({"cmd":"queue_reprint","receipt_no":999,"reason":"test"}), &[""]),
        (json!({"cmd":"reprints"}), &[""]),
        (json!({"cmd":"reprinted","id":999}), &[""]),
        (json!({"cmd":"reprint","receipt_no":999}), &["reprint"]),
        (json!({"cmd":"devices"}), &["manage_devices"]),
        (json!({"cmd":"set_device","device":"printer","port":""}), &["manage_devices"]),
        (json!({"cmd":"device_test","device":"printer","action":"test-page"}), &["manage_devices"]),
        (json!({"cmd":"add_user","name":"Newcomer","role":"cashier","pin":"4343"}), &["manage_users"]),
        (json!({"cmd":"user_add","name":"Second","role":"cashier","pin":"4545"}), &["manage_users"]),
        (json!({"cmd":"users"}), &["manage_users"]),
        (json!({"cmd":"user_disable","name":"Second"}), &["manage_users"]),
        (json!({"cmd":"user_enable","name":"Second"}), &["manage_users"]),
        (json!({"cmd":"user_set_pin","name":"Second","pin":"4646"}), &["manage_users"]),
        (json!({"cmd":"user_set_role","name":"Second","role":"manager"}), &["manage_users"]),
        (json!({"cmd":"find_sales","date":"2026-12-01"}), &[""]),
        (json!({"cmd":"parked"}), &["manage_sync"]),
        (json!({"cmd":"retry_parked"}), &["manage_sync"]),
        (json!({"cmd":"apply_prices"}), &[""]),
        (json!({"cmd":"set_look","theme":"dark"}), &["anyone"]),
        (json!({"cmd":"card_abort"}), &["sell"]),
        (json!({"cmd":"card_recover"}), &["sell"]),
        (json!({"cmd":"qr_check"}), &["sell"]),
        (json!({"cmd":"kiosk_start"}), &["kiosk"]),
        (json!({"cmd":"call_staff"}), &["sell"]),
        (json!({"cmd":"staff_approve","pin":"1111"}), &["sell"]),
        (json!({"cmd":"staff_refuse","pin":"1111"}), &["sell"]),
        (json!({"cmd":"kiosk_reset"}), &["sell"]),
        (json!({"cmd":"kiosk_print"}), &["sell"]),
        (json!({"cmd":"service_mode","pin":"9999"}), &["sell"]),
        (json!({"cmd":"service_end"}), &[""]),
        (json!({"cmd":"site"}), &["counter"]),
        (json!({"cmd":"pump_pay","pump":1}), &["kiosk"]),
        (json!({"cmd":"site_answer","terminal":"K2","approve":true}), &["counter"]),
        (json!({"cmd":"qr_cancel"}), &["sell"]),
        (json!({"cmd":"card_end_of_day"}), &["close_shift"]),
        (json!({"cmd":"pay_in","amount":"1.00","reason":"Other"}), &["cash_in_out"]),
        (json!({"cmd":"pay_out","amount":"1.00","reason":"Other"}), &["cash_in_out"]),
        (json!({"cmd":"safe_drop","amount":"1.00"}), &["safe_drop"]),
        (json!({"cmd":"safe_loan","amount":"1.00"}), &["cash_in_out"]),
        (json!({"cmd":"count","tenders":[{"method":"cash","amount":"0.00"}]}), &["close_shift"]),
        (json!({"cmd":"handover","user":"Nobody","pin":"1234"}), &["close_shift"]),
        (json!({"cmd":"x_report"}), &[""]),
        (json!({"cmd":"export_report"}), &["reports"]),
        (json!({"cmd":"z_reports"}), &["reports"]),
        (json!({"cmd":"reprint_z","z_no":999}), &["reports"]),
        (json!({"cmd":"delivery","tank":1,"litres":"100"}), &["reports"]),
        (json!({"cmd":"read_meters"}), &[""]),
        (json!({"cmd":"open_shift","float":"10.00"}), &["open_shift"]),
        (json!({"cmd":"z_report"}), &["reports"]),
        // Last: it ends the shift.
        (json!({"cmd":"close_shift","counted":"0.00"}), &["close_shift"]),
    ]
}

/// Every command name Till knows, from its own answer to one it does not.
fn every_command(dir: &std::path::Path) -> BTreeSet<String> {
    let a = exec(dir, None, &[json!({"cmd":"no_such_command"})]);
    let e = err(&a[0]);
    let list = e.split("expected one of").nth(1).expect("the list of commands");
    // "`login`, `logout`, ..., `apply_prices` at line 1 column 25"
    list.split(',')
        .filter_map(|w| w.trim().trim_start_matches('`').split('`').next().map(str::to_string))
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn every_command_checks_its_permission_for_every_role() {
    let dir = tempfile::tempdir().unwrap();
    let known = every_command(dir.path());
    let covered: BTreeSet<String> = table()
        .iter()
        .map(|(c, _)| c["cmd"].as_str().unwrap().to_string())
        .chain(["login".to_string(), "logout".to_string()])
        .collect();
    assert_eq!(known, covered, "every command has a row");

    // A kiosk user for the third demo role.
    let added = run(&[
        "user",
        "add",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--name",
        "Kiosk 1",
        "--role",
        "kiosk",
        "--pin",
        "5555",
        "--manager-pin",
        "9999",
    ]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));

    let config = Config::demo().unwrap();
    for (role, pin) in [(Role::Cashier, "1111"), (Role::Manager, "9999"), (Role::Kiosk, "5555")] {
        let policy = config.role_policy(role);
        let mut cmds = vec![json!({"cmd":"login","pin":pin}), json!({"cmd":"open_shift","float":"100.00"})];
        cmds.extend(table().into_iter().map(|(c, _)| c));
        let answers = exec(dir.path(), None, &cmds);
        if role == Role::Kiosk {
            // No counter permission: not signed in, so nothing past the emergency stop works.
            assert!(err(&answers[0]).contains("kiosk may not sign in at the counter"), "{}", answers[0]);
            for ((cmd, needs), a) in table().iter().zip(&answers[2..]) {
                if needs == &["anyone"] {
                    assert!(a["ok"] == true, "{cmd} works signed out: {a}");
                    continue;
                }
                let e = err(a);
                if needs == &["kiosk"] {
                    assert!(e.contains("not a kiosk"), "{cmd}: {e}");
                } else if needs == &["none"] {
                    assert_eq!(e, "no pumps are configured on this terminal", "{cmd}");
                } else {
                    assert_eq!(e, "nobody is logged in", "{cmd}");
                }
            }
            continue;
        }
        ok(&answers[0]);
        for ((cmd, needs), a) in table().iter().zip(&answers[2..]) {
            let lacks = needs.iter().filter(|n| !n.is_empty() && !["none", "anyone", "kiosk"].contains(*n)).any(|n| {
                let p: Permission = serde_json::from_value(json!(n)).expect("a permission");
                !policy.allows(p)
            });
            let refused = a["ok"] == false && a["error"].as_str().unwrap_or_default().contains(" may not ");
            assert_eq!(refused, lacks, "{role}: {cmd} answered {a}");
        }
    }
    let refused: i64 = common::db(dir.path())
        .query_row("SELECT COUNT(*) FROM journal WHERE kind = 'login_refused'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(refused, 1);
}
