//! Service properties over random sales and refunds, on a real store file.

use super::*;
use crate::domain::catalog::Unit;
use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use serde_json::json;

fn cmd(v: serde_json::Value) -> Command {
    serde_json::from_value(v).expect("command")
}

fn session(dir: &Path) -> Session {
    let mut s =
        Session::with_store(Config::demo().expect("demo"), Store::open_file(&dir.join("t.sqlite")).expect("store"))
            .expect("session");
    s.execute(cmd(json!({"cmd":"login","pin":"9999"}))).expect("login");
    s.execute(cmd(json!({"cmd":"open_shift","float":"100.00"}))).expect("shift");
    s
}

#[test]
fn refunds_in_any_order_never_exceed_what_was_paid() {
    let dir = tempfile::tempdir().expect("tmp");
    let cell = std::cell::RefCell::new(session(dir.path()));
    let skus: Vec<String> =
        cell.borrow().catalog().products().iter().filter(|p| p.unit == Unit::Each).map(|p| p.sku.clone()).collect();
    let strategy = (
        prop::collection::vec((0..skus.len(), 1i64..4), 1..8),
        prop::option::of(1i64..30),
        0i64..3000,
        prop::collection::vec(prop::collection::vec(1usize..9, 1..3), 1..6),
    );
    let mut runner = TestRunner::new(PropConfig { cases: 64, ..PropConfig::default() });
    runner
        .run(&strategy, |(items, ticket_pct, card_cents, refunds)| {
            let mut s = cell.borrow_mut();
            // A case that failed part-way (while shrinking) may have left a ticket open.
            s.execute(cmd(json!({"cmd":"cancel_ticket"}))).ok();
            for (i, qty) in &items {
                s.execute(cmd(json!({"cmd":"add","sku":skus[*i],"qty":qty.to_string()}))).expect("add");
            }
            s.execute(cmd(json!({"cmd":"confirm_age"}))).ok();
            if let Some(p) = ticket_pct {
                s.execute(cmd(json!({"cmd":"discount","percent":p.to_string()}))).expect("discount");
            }
            let due = s.execute(cmd(json!({"cmd":"ticket"}))).expect("ticket").ticket.expect("ticket").due;
            let card = (Decimal::new(card_cents, 2)).min(due);
            if card > Decimal::ZERO && card < due {
                s.execute(cmd(json!({"cmd":"tender","method":"card","amount":card.to_string()}))).expect("card");
            }
            let sale = s
                .execute(cmd(json!({"cmd":"tender","method":"cash","amount":"500.00"})))
                .expect("cash")
                .sale
                .expect("sale");
            let taken = sale.paid - sale.change;
            let mut returned = Decimal::ZERO;
            for lines in refunds {
                if let Ok(out) = s.execute(cmd(json!({"cmd":"refund","receipt_no":sale.receipt_no,"lines":lines}))) {
                    let r = out.sale.expect("refund");
                    prop_assert!(r.paid <= Decimal::ZERO);
                    prop_assert_eq!(r.paid - r.change, r.total + r.cash_rounding);
                    returned -= r.paid;
                }
            }
            prop_assert!(returned <= taken, "refunded {} of {}", returned, taken);
            // Whatever is left, refunded at once, brings it to exactly what was taken.
            if let Ok(out) = s.execute(cmd(json!({"cmd":"refund","receipt_no":sale.receipt_no}))) {
                returned -= out.sale.expect("refund").paid;
            }
            prop_assert_eq!(returned, taken);
            let again = s.execute(cmd(json!({"cmd":"refund","receipt_no":sale.receipt_no})));
            prop_assert!(again.is_err(), "a fully refunded sale cannot be refunded again");
            Ok(())
        })
        .expect("property holds");
    assert!(cell.borrow().store().verify_journal().expect("verify").is_ok());
}
