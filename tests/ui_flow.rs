//! A cashier's day on the real window (Slint testing backend, software renderer): sign in with
//! the PIN pad, ring up tiles and a wedge-scanned code, a discount over the cashier's limit
//! approved with a manager PIN, cash with a quick-cash key, the change on screen, the sale in
//! the store; then five wrong PINs lock the user.

mod common;

use common::ui::*;
use slint::{ComponentHandle, Model};

#[test]
fn a_cashier_rings_up_a_sale_and_wrong_pins_lock() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());

    // The language switches at once, without a restart.
    tap(&gui, "de-DE");
    assert!(has_button(&gui, "Anmelden"));
    tap(&gui, "en-US");
    assert!(has_button(&gui, "Sign in"));

    tap(&gui, "Demo Cashier");
    tap_digits(&gui, "1111");
    tap(&gui, "Sign in");
    assert_eq!(gui.window().global::<till_ui::Shell>().get_page(), till_ui::Page::OpenShift);
    tap_digits(&gui, "15000");
    assert_eq!(value(&gui, "Cash float in the drawer"), "€150.00", "keyed digits are cents");
    tap(&gui, "Open shift");
    assert_eq!(gui.window().global::<till_ui::Shell>().get_page(), till_ui::Page::Sale);

    for tile in ["Cola 0.5 l PET", "Cola Zero 0.5 l PET", "Cola 0.33 l Can"] {
        tap(&gui, tile);
    }
    type_keys(&gui, "4006381333931\n");
    assert_eq!(gui.window().global::<till_ui::SaleAdapter>().get_lines().iter().count(), 4);
    assert_eq!(value(&gui, "Total"), "€7.36");

    // 20 % is over the cashier's 10 %: the manager approves it with their PIN.
    tap_digits(&gui, "20");
    tap(&gui, "Discount");
    assert!(gui.window().global::<till_ui::SaleAdapter>().get_manager_dialog(), "a manager PIN is asked for");
    for d in "9999".chars() {
        tap(&gui, &format!("manager {d}"));
    }
    tap(&gui, "Approve");
    assert!(!gui.window().global::<till_ui::SaleAdapter>().get_manager_dialog());
    assert_eq!(value(&gui, "Total"), "€5.89", "20 % of 7.36 is 1.47");

    // A bad scan is refused with a message, and the ticket is unchanged.
    type_keys(&gui, "4006381333932\n");
    assert!(value(&gui, "message").contains("not valid"), "{}", value(&gui, "message"));
    assert_eq!(value(&gui, "Total"), "€5.89");

    tap(&gui, "Pay");
    assert_eq!(value(&gui, "Amount due"), "€5.89");
    tap(&gui, "€10.00");
    assert_eq!(gui.window().global::<till_ui::Shell>().get_page(), till_ui::Page::Receipt);
    assert_eq!(value(&gui, "Change"), "Change €4.11");
    assert!(gui
        .window()
        .global::<till_ui::TenderAdapter>()
        .get_receipt_lines()
        .iter()
        .any(|l| l.contains("TOTAL") && l.contains("5.89")));

    // The sale is in the store exactly as shown.
    let conn = rusqlite::Connection::open(dir.path().join("till.sqlite")).unwrap();
    let (total, paid, change): (i64, i64, i64) = conn
        .query_row("SELECT total_minor, paid_minor, change_minor FROM sales WHERE receipt_no = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((total, paid, change), (589, 1000, 411));
    let approvals: i64 =
        conn.query_row("SELECT COUNT(*) FROM journal WHERE kind = 'discount_override'", [], |r| r.get(0)).unwrap();
    assert_eq!(approvals, 1);

    tap(&gui, "Next customer");
    tap(&gui, "Sign out");
    assert_eq!(gui.window().global::<till_ui::Shell>().get_page(), till_ui::Page::Login);

    // Five wrong PINs lock the cashier; then even the right PIN is refused.
    for attempt in 1..=5 {
        tap(&gui, "Demo Cashier");
        tap_digits(&gui, "1234");
        tap(&gui, "Sign in");
        let msg = value(&gui, "message");
        if attempt < 5 {
            assert!(msg.contains(&format!("{attempt} of 5")), "{msg}");
        } else {
            assert!(msg.contains("locked"), "{msg}");
        }
    }
    tap(&gui, "Demo Cashier");
    tap_digits(&gui, "1111");
    tap(&gui, "Sign in");
    assert!(value(&gui, "message").contains("locked"));
    assert_eq!(gui.window().global::<till_ui::Shell>().get_page(), till_ui::Page::Login);
}
