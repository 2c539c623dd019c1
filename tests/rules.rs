//! Nothing gets past the rules, tried through `till exec` as a hostile or unlucky cashier
//! would: discount limits on the ticket that is paid, every PIN counted, numbers that are not
//! numbers, amounts too large for any till.

mod common;

use common::*;
use serde_json::{json, Value};

fn shift(pin: &str) -> Vec<Value> {
    vec![json!({"cmd":"login","pin":pin}), json!({"cmd":"open_shift","float":"100.00"})]
}

fn journal_count(dir: &std::path::Path, kind: &str) -> i64 {
    db(dir).query_row("SELECT COUNT(*) FROM journal WHERE kind = ?1", [kind], |r| r.get(0)).unwrap()
}

#[test]
fn a_discount_within_the_limit_cannot_grow_past_it_by_editing_the_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmds = shift("1111");
    cmds.extend([
        // An amount discount, then the quantity lowered: 2.00 off 2.19 is 91 %.
        json!({"cmd":"add","sku":"BEV-0001","qty":"10"}),
        json!({"cmd":"discount","line":1,"amount":"2.00"}),
        json!({"cmd":"set_qty","line":1,"qty":"1"}),
        json!({"cmd":"pay"}),
        json!({"cmd":"tender","method":"card"}),
        json!({"cmd":"approve_discount","approver_pin":"1111"}),
        json!({"cmd":"approve_discount","approver_pin":"9999"}),
        json!({"cmd":"pay"}),
        json!({"cmd":"tender","method":"card"}),
        // A ticket discount, then lines voided: 2.00 off what is left (1.29) is 100 %.
        json!({"cmd":"add","sku":"BEV-0001","qty":"10"}),
        json!({"cmd":"add","sku":"STA-0001"}),
        json!({"cmd":"discount","amount":"2.00"}),
        json!({"cmd":"void_line","line":1}),
        json!({"cmd":"tender","method":"cash"}),
        json!({"cmd":"cancel_ticket"}),
        // A line discount and a ticket discount, each within 10 %, are 19 % together.
        json!({"cmd":"add","sku":"BEV-0001","qty":"10"}),
        json!({"cmd":"discount","line":1,"percent":"10"}),
        json!({"cmd":"discount","percent":"10"}),
        json!({"cmd":"tender","method":"cash"}),
    ]);
    let a = exec(dir.path(), None, &cmds);
    ok(&a[3]);
    ok(&a[4]);
    assert!(err(&a[5]).contains("more than the 10%"), "{}", a[5]);
    assert!(err(&a[6]).contains("more than the 10%"), "the tender checks the ticket too: {}", a[6]);
    assert!(err(&a[7]).contains("their own discount"), "{}", a[7]);
    ok(&a[8]);
    ok(&a[9]);
    let sale = &ok(&a[10])["sale"];
    assert_eq!(sale["total"], "0.19");
    ok(&a[13]);
    ok(&a[14]);
    assert!(err(&a[15]).contains("more than the 10%"), "{}", a[15]);
    ok(&a[16]);
    ok(&a[18]);
    assert!(err(&a[19]).contains("19% is more than the 10%"), "{}", a[19]);
    // Refused, the ticket discount is not on it: the ticket sells with its 10 % line discount.
    assert_eq!(ok(&a[20])["sale"]["total"], "19.71");
    assert_eq!(journal_count(dir.path(), "discount_override"), 1);
    assert_eq!(journal_count(dir.path(), "discount_override_refused"), 1);
    let sales: i64 = db(dir.path()).query_row("SELECT COUNT(*) FROM sales", [], |r| r.get(0)).unwrap();
    assert_eq!(sales, 2, "the approved ticket and the one within the limit");
}

#[test]
fn an_approval_holds_only_for_what_it_approved() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmds = shift("1111");
    cmds.extend([
        json!({"cmd":"add","sku":"BEV-0001","qty":"10"}),
        json!({"cmd":"discount","line":1,"percent":"30","approver_pin":"9999"}),
        // Fewer items: the same 30 %, a smaller amount: still approved.
        json!({"cmd":"set_qty","line":1,"qty":"5"}),
        json!({"cmd":"pay"}),
        // A larger share than approved needs a new approval.
        json!({"cmd":"discount","percent":"10"}),
        json!({"cmd":"add","sku":"STA-0001"}),
        json!({"cmd":"discount","line":2,"percent":"5"}),
        json!({"cmd":"pay"}),
    ]);
    let a = exec(dir.path(), None, &cmds);
    ok(&a[3]);
    ok(&a[4]);
    ok(&a[5]);
    assert!(err(&a[6]).contains("a manager must give it"), "{}", a[6]);
    ok(&a[7]);
    ok(&a[8]);
    ok(&a[9]);
}

#[test]
fn wrong_pins_without_a_name_lock_the_pin_pad_and_the_lock_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let wrong: Vec<Value> =
        ["0000", "1234", "5555", "4321", "8888"].iter().map(|p| json!({"cmd":"login","pin":p})).collect();
    let mut cmds = wrong.clone();
    cmds.push(json!({"cmd":"login","pin":"9999"}));
    let a = exec(dir.path(), None, &cmds);
    for x in &a[..4] {
        assert_eq!(err(x), "wrong PIN");
    }
    assert!(err(&a[4]).contains("PIN pad is locked"), "{}", a[4]);
    assert!(err(&a[5]).contains("PIN pad is locked"), "the manager's right PIN waits too: {}", a[5]);
    // A new process: still locked; a named sign-in counts against its user instead.
    let a = exec(
        dir.path(),
        None,
        &[json!({"cmd":"login","pin":"9999"}), json!({"cmd":"login","pin":"9999","user":"Demo Manager"})],
    );
    assert!(err(&a[0]).contains("PIN pad is locked"), "{}", a[0]);
    ok(&a[1]);
    let failed: Vec<String> = {
        let conn = db(dir.path());
        let mut s = conn.prepare("SELECT payload FROM journal WHERE kind = 'login_failed' ORDER BY seq").unwrap();
        s.query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
    };
    assert_eq!(failed.len(), 5, "every wrong PIN is journaled");
    assert!(failed[4].contains("\"pad_locked\":true"), "{}", failed[4]);
    assert_eq!(journal_count(dir.path(), "pin_refused"), 2, "attempts on the locked pad are journaled too");
}

#[test]
fn a_right_pin_between_guesses_does_not_reset_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmds = Vec::new();
    for _ in 0..2 {
        cmds.extend([json!({"cmd":"login","pin":"0001"}), json!({"cmd":"login","pin":"0002"})]);
        cmds.extend([json!({"cmd":"login","pin":"1111"}), json!({"cmd":"logout"})]);
    }
    cmds.push(json!({"cmd":"login","pin":"0003"}));
    let a = exec(dir.path(), None, &cmds);
    ok(&a[2]);
    ok(&a[6]);
    assert!(err(&a[8]).contains("PIN pad is locked"), "the fifth wrong PIN locks: {}", a[8]);
}

#[test]
fn approver_pins_count_and_a_locked_manager_cannot_approve() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmds = shift("1111");
    cmds.push(json!({"cmd":"add","sku":"BEV-0001","qty":"10"}));
    for pin in ["0000", "1234", "5555", "4321", "8888", "9999"] {
        cmds.push(json!({"cmd":"discount","percent":"50","approver_pin":pin}));
    }
    let a = exec(dir.path(), None, &cmds);
    for x in &a[3..7] {
        assert_eq!(err(x), "wrong PIN");
    }
    assert!(err(&a[7]).contains("PIN pad is locked"), "{}", a[7]);
    assert!(err(&a[8]).contains("PIN pad is locked"), "{}", a[8]);
    assert_eq!(journal_count(dir.path(), "approval_failed"), 5);
    assert_eq!(journal_count(dir.path(), "discount_override"), 0);

    // The manager locked by wrong PINs under their name approves nothing.
    let dir = tempfile::tempdir().unwrap();
    let mut cmds: Vec<Value> = (0..5).map(|_| json!({"cmd":"login","pin":"0000","user":"Demo Manager"})).collect();
    cmds.extend(shift("1111"));
    cmds.push(json!({"cmd":"add","sku":"BEV-0001","qty":"10"}));
    cmds.push(json!({"cmd":"discount","percent":"50","approver_pin":"9999"}));
    let a = exec(dir.path(), None, &cmds);
    assert!(err(&a[4]).contains("locked"), "{}", a[4]);
    assert!(err(&a[8]).contains("Demo Manager is locked"), "{}", a[8]);
}

#[test]
fn numbers_are_plain_decimals_and_amounts_have_one_cap() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmds = shift("9999");
    let bad = [
        json!({"cmd":"add","sku":"BEV-0001","qty":"1_000"}),
        json!({"cmd":"add","sku":"BEV-0001","qty":"1e3"}),
        json!({"cmd":"add","sku":"BEV-0001","qty":"+2"}),
        json!({"cmd":"add","sku":"BEV-0001","qty":"99999999999999999999999999999"}),
        json!({"cmd":"fuel","grade":"E10","litres":"79228162514264337593543950335"}),
        json!({"cmd":"add","sku":"BEV-0001","qty":18446744073709551615u64}),
        json!({"cmd":"tender","method":"cash","amount":"1000000000000.01"}),
        json!({"cmd":"set_fuel_price","grade":"E10","price":"1000000001"}),
        json!({"cmd":"open_shift","float":"-1"}),
    ];
    cmds.extend(bad.iter().cloned());
    // Nine thousand items at the highest price a catalog may hold would overflow nothing either.
    cmds.extend([
        json!({"cmd":"add","sku":"BEV-0001","qty":"9999"}),
        json!({"cmd":"tender","method":"cash","amount":"1000000000000"}),
    ]);
    let a = exec(dir.path(), None, &cmds);
    for (i, x) in a[2..2 + bad.len()].iter().enumerate() {
        let e = err(x);
        assert!(!e.is_empty(), "{i}: {x}");
    }
    assert!(err(&a[2]).contains("not a decimal number"), "{}", a[2]);
    assert!(err(&a[5]).contains("more digits") || err(&a[5]).contains("larger than any"), "{}", a[5]);
    assert!(err(&a[8]).contains("larger than any"), "{}", a[8]);
    let sale = &ok(&a[12])["sale"];
    assert_eq!(sale["total"], "21897.81");
}
