//! Taking back a partial payment during tender: `remove_payment` (0-based), journaled as
//! `payment_removed` with no event for head office; the ticket can be changed again once no
//! payment is left.

mod common;

use common::*;
use serde_json::json;
use till::config::Config;
use till::domain::users::{Permission, Role};
use till::service::{ServiceError, Session};

#[test]
fn a_partial_payment_is_taken_back_and_journaled_but_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let a = exec(
        dir.path(),
        None,
        &[
            json!({"cmd":"remove_payment","index":0}),
            json!({"cmd":"login","pin":"1111"}),
            json!({"cmd":"open_shift","float":"100.00"}),
            json!({"cmd":"add","sku":"BEV-0001","qty":"3"}),
            json!({"cmd":"remove_payment","index":0}),
            json!({"cmd":"tender","method":"card","amount":"2.00"}),
            json!({"cmd":"tender","method":"cash","amount":"1.00"}),
            json!({"cmd":"remove_payment","index":2}),
            json!({"cmd":"add","sku":"BEV-0001"}),
            json!({"cmd":"remove_payment","index":0}),
            json!({"cmd":"remove_payment","index":0}),
            json!({"cmd":"add","sku":"BEV-0001"}),
            json!({"cmd":"tender","method":"cash","amount":"10.00"}),
        ],
    );
    assert_eq!(err(&a[0]), "nobody is logged in");
    assert_eq!(err(&a[4]), "the ticket has no payment 0");
    assert_eq!(ok(&a[6])["ticket"]["due"], "3.57");
    assert_eq!(err(&a[7]), "the ticket has no payment 2");
    assert!(err(&a[8]).contains("a payment has been taken"), "a ticket with payments stays locked");
    let t = &ok(&a[9])["ticket"];
    assert_eq!(t["payments"], json!([{"method":"cash","amount":"1.00"}]), "the card payment is gone");
    assert_eq!((t["paid"].as_str(), t["due"].as_str()), (Some("1.00"), Some("5.57")));
    let t = &ok(&a[10])["ticket"];
    assert_eq!(t["payments"], json!([]));
    assert_eq!(t["due"], "6.57");
    assert_eq!(ok(&a[11])["ticket"]["total"], "8.76", "no payment left: the ticket can change again");
    let sale = &ok(&a[12])["sale"];
    assert_eq!(sale["payments"], json!([{"method":"cash","amount":"10.00"}]), "only what was kept is paid");
    assert_eq!(sale["change"], "1.24");

    let conn = db(dir.path());
    let mut stmt = conn.prepare("SELECT payload FROM journal WHERE kind = 'payment_removed' ORDER BY seq").unwrap();
    let removed: Vec<serde_json::Value> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|p| serde_json::from_str(&p.unwrap()).unwrap())
        .collect();
    assert_eq!(removed.len(), 2, "{removed:?}");
    assert_eq!((removed[0]["method"].as_str(), removed[0]["amount"].as_str()), (Some("card"), Some("2.00")));
    assert_eq!((removed[0]["index"].as_u64(), removed[0]["due"].as_str()), (Some(0), Some("5.57")));
    assert_eq!((removed[1]["method"].as_str(), removed[1]["due"].as_str()), (Some("cash"), Some("6.57")));
    let kinds: Vec<String> = {
        let mut s = conn.prepare("SELECT kind FROM outbox ORDER BY id").unwrap();
        s.query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
    };
    assert_eq!(kinds, ["shift_open", "sale"], "nothing was sold by a payment taken back");
    let out = run(&["journal", "verify", "--data-dir", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn taking_a_payment_back_needs_the_permission_to_void_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::demo().unwrap();
    let mut policy = config.role_policy(Role::Cashier).clone();
    policy.permissions.remove(&Permission::VoidLine);
    config.roles.insert(Role::Cashier, policy);
    let mut s = Session::open(config, dir.path()).unwrap();
    let mut run = |v: serde_json::Value| s.execute(serde_json::from_value(v).unwrap());
    run(json!({"cmd":"login","pin":"1111"})).unwrap();
    run(json!({"cmd":"open_shift","float":"100.00"})).unwrap();
    run(json!({"cmd":"add","sku":"BEV-0001","qty":"3"})).unwrap();
    run(json!({"cmd":"tender","method":"card","amount":"2.00"})).unwrap();
    match run(json!({"cmd":"remove_payment","index":0})) {
        Err(ServiceError::NotPermitted { role: Role::Cashier, what }) => assert_eq!(what, "remove payments"),
        other => panic!("{other:?}"),
    }
    match run(json!({"cmd":"remove_payment","index":7})) {
        Err(ServiceError::NotPermitted { .. }) => {}
        other => panic!("the permission is checked first: {other:?}"),
    }
    let t = run(json!({"cmd":"ticket"})).unwrap().ticket.unwrap();
    assert_eq!(t.payments.len(), 1, "the payment is still there");
}
