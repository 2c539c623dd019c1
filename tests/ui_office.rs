//! The back office on the real window (Slint's testing backend): a manager pays out with a
//! configured reason, a drop, the X report with its charts, then the Z after a question; the
//! PIN dialog asks a manager when a count is beyond the tolerance.

mod common;

use common::ui::*;
use slint::ComponentHandle;
use till_ui::{OfficeAdapter, Page, Shell};

fn page(gui: &till::gui::Gui) -> Page {
    gui.window().global::<Shell>().get_page()
}

fn count(dir: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(dir.join("till.sqlite")).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Signs in by name and opens the shift with a float of 100.00.
fn sign_in_with_shift(gui: &till::gui::Gui, who: &str, pin: &str) {
    tap(gui, who);
    tap_digits(gui, pin);
    tap(gui, "Sign in");
    tap_digits(gui, "10000");
    tap(gui, "Open shift");
}

#[test]
fn a_manager_pays_out_drops_reports_and_ends_the_day_on_screen() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    sign_in_with_shift(&gui, "Demo Manager", "9999");
    tap(&gui, "Cola 0.5 l PET");
    tap(&gui, "Pay");
    tap(&gui, "Exact");
    tap(&gui, "Next customer");
    assert_eq!(page(&gui), Page::Sale);

    tap(&gui, "Office");
    assert_eq!(page(&gui), Page::Office);
    tap(&gui, "pay_out");
    tap(&gui, "Postage");
    for d in "350".chars() {
        tap(&gui, &format!("amount {d}"));
    }
    assert_eq!(value(&gui, "Amount"), "€3.50");
    screenshot(&gui, "40-office-cash");
    tap(&gui, "Record");
    assert_eq!(
        count(dir.path(), "SELECT COUNT(*) FROM cash_movements WHERE kind = 'pay_out' AND amount_minor = 350"),
        1
    );
    assert!(value(&gui, "message").contains("3.50"), "{}", value(&gui, "message"));
    tap(&gui, "safe_drop");
    for d in "2000".chars() {
        tap(&gui, &format!("amount {d}"));
    }
    tap(&gui, "Record");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM cash_movements WHERE kind = 'safe_drop'"), 1);

    tap(&gui, "Reports");
    tap(&gui, "X report");
    assert_eq!(value(&gui, "Sales"), "€2.19");
    use slint::Model;
    assert_eq!(gui.window().global::<OfficeAdapter>().get_hours().row_count(), 1, "one hour with sales");
    assert!(gui.window().global::<OfficeAdapter>().get_tenders().row_count() >= 1);
    screenshot(&gui, "41-office-x-report");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM z_reports"), 0, "an X changes nothing");

    // The count, blind, then the Z: the manager counted, so beyond the tolerance another
    // manager's PIN would be asked; 2.19 + 100.00 - 3.50 - 20.00 = 78.69 is counted exactly.
    tap(&gui, "Count");
    for d in ["50", "20", "5", "2", "1", "0.50", "0.10", "0.05", "0.02", "0.02"] {
        tap(&gui, &format!("more {d}"));
    }
    assert_eq!(value(&gui, "count total"), "€78.69");
    tap(&gui, "Confirm count");
    assert_eq!(value(&gui, "Difference"), "€0.00");
    screenshot(&gui, "42-office-count");
    tap(&gui, "Reports");
    tap(&gui, "End of day (Z)");
    assert!(gui.window().global::<Shell>().get_confirm_open(), "the Z asks first");
    tap(&gui, "Confirm: End of day (Z)");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM z_reports"), 1);
    assert_eq!(gui.window().global::<OfficeAdapter>().get_report_title(), "Z report 1");
    screenshot(&gui, "43-office-z-report");
}

#[test]
fn a_count_beyond_the_tolerance_asks_a_manager_on_screen() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    sign_in_with_shift(&gui, "Demo Cashier", "1111");
    tap(&gui, "Close shift");
    tap(&gui, "more 50");
    tap(&gui, "Confirm count");
    tap(&gui, "Close shift");
    // 50.00 counted against 100.00: the PIN dialog asks for a manager.
    assert!(gui.window().global::<OfficeAdapter>().get_pin_dialog());
    screenshot(&gui, "44-office-approval");
    for d in "9999".chars() {
        tap(&gui, &format!("pin {d}"));
    }
    tap(&gui, "Yes");
    assert_eq!(
        count(dir.path(), "SELECT COUNT(*) FROM shifts WHERE closed_at IS NOT NULL AND approved_by IS NOT NULL"),
        1
    );
    assert_eq!(page(&gui), Page::OpenShift);
}

#[test]
fn a_receipt_is_found_reprinted_and_partly_refunded_from_the_office() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    sign_in_with_shift(&gui, "Demo Manager", "9999");
    tap(&gui, "Cola 0.5 l PET");
    tap(&gui, "Cola 0.33 l Can");
    tap(&gui, "Pay");
    tap(&gui, "Exact");
    tap(&gui, "Next customer");
    tap(&gui, "Office");
    tap(&gui, "Receipts");
    tap(&gui, "open receipt 1");
    tap(&gui, "line 2");
    screenshot(&gui, "45-office-receipts");
    tap(&gui, "Print a copy");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM journal WHERE kind = 'reprint'"), 1);
    tap(&gui, "Refund");
    assert!(gui.window().global::<Shell>().get_confirm_open(), "a refund asks first");
    tap(&gui, "Confirm: Refund");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM sales WHERE kind = 'refund'"), 1);
    // Only the picked line (the can, 1.69) went back.
    assert_eq!(count(dir.path(), "SELECT -total_minor FROM sales WHERE kind = 'refund'"), 169);
    // The refund's own receipt is shown, as after any sale.
    assert_eq!(page(&gui), Page::Receipt);
    tap(&gui, "Next customer");
    tap(&gui, "Office");
    tap(&gui, "Receipts");
    // The receipt number keyed finds it.
    tap(&gui, "receipt number 2");
    tap(&gui, "Find");
    use slint::Model;
    assert_eq!(gui.window().global::<OfficeAdapter>().get_found().row_count(), 1);
}

#[test]
fn a_manager_adds_disables_and_renames_roles_of_users_on_screen() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    sign_in_with_shift(&gui, "Demo Manager", "9999");
    tap(&gui, "Office");
    tap(&gui, "Users");
    tap(&gui, "Add a user");
    for k in ["A", "N", "A"] {
        tap(&gui, &format!("key {k}"));
    }
    assert_eq!(value(&gui, "new user name"), "ANA");
    screenshot(&gui, "46-office-add-user");
    tap(&gui, "Next: the PIN");
    for d in "2468".chars() {
        tap(&gui, &format!("pin {d}"));
    }
    tap(&gui, "Yes");
    assert_eq!(
        count(dir.path(), "SELECT COUNT(*) FROM users WHERE name = 'ANA' AND role = 'cashier' AND active = 1"),
        1
    );
    tap(&gui, "user ANA");
    tap(&gui, "Manager");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM users WHERE name = 'ANA' AND role = 'manager'"), 1);
    tap(&gui, "user Demo Cashier");
    tap(&gui, "Disable");
    assert_eq!(count(dir.path(), "SELECT active FROM users WHERE name = 'Demo Cashier'"), 0);
    screenshot(&gui, "47-office-users");
    assert!(value(&gui, "user").contains("Demo Manager"), "adding a user signs nobody in");
    // Nobody disables themselves: the service refuses and says so.
    tap(&gui, "user Demo Manager");
    tap(&gui, "Disable");
    assert_eq!(count(dir.path(), "SELECT active FROM users WHERE name = 'Demo Manager'"), 1);
    assert!(!value(&gui, "message").is_empty());
}
