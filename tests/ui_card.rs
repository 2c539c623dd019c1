//! Card payments on the real window (Slint's testing backend) against the simulated ZVT
//! terminal on loopback TCP: a card sale ends on the receipt; its refund from the office goes
//! back to the card (a reversal on its day); the Z on screen closes the terminal's day first
//! and shows its total against the till's.

mod common;

use common::ui::*;
use slint::ComponentHandle;
use std::time::{Duration, Instant};
use till_hardware::zvt::sim::Kind;
use till_ui::{OfficeAdapter, Page, Shell};

fn page(gui: &till::gui::Gui) -> Page {
    gui.window().global::<Shell>().get_page()
}

fn count(dir: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(dir.join("till.sqlite")).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Lets the terminal's reports come in until `done`.
fn wait_until(gui: &till::gui::Gui, what: &str, done: impl Fn(&till::gui::Gui) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(gui) {
        assert!(Instant::now() < deadline, "waited in vain for {what}");
        std::thread::sleep(Duration::from_millis(20));
        gui.drain_reports();
    }
}

#[test]
fn a_card_sale_its_refund_to_the_card_and_the_z_with_the_terminals_day_on_screen() {
    let dir = tempfile::tempdir().unwrap();
    let (port, state) = till::cli::sim_card::start_tcp("127.0.0.1:0").expect("terminal");
    let mut config = till::config::Config::demo().unwrap();
    let terminal = till::config::CardTerminalConfig { port, password: 0, currency_numeric: 978 };
    config.card_terminal = Some(terminal.clone());
    let gui = open_with(dir.path(), config);
    gui.attach(till::gui::Devices {
        card: Some(till::devices::card::CardTerminal::open(&terminal)),
        ..Default::default()
    });
    tap(&gui, "Demo Manager");
    tap_digits(&gui, "9999");
    tap(&gui, "Sign in");
    tap_digits(&gui, "10000");
    tap(&gui, "Open shift");

    tap(&gui, "Cola 0.5 l PET");
    tap(&gui, "Pay");
    tap(&gui, "Card");
    assert!(gui.window().global::<Shell>().get_confirm_open(), "the card dialog while the terminal works");
    wait_until(&gui, "the card sale", |g| page(g) == Page::Receipt);
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM card_intents WHERE state = 'committed'"), 1);
    tap(&gui, "Next customer");

    // The refund from the office goes back to the card it was paid with.
    tap(&gui, "Office");
    tap(&gui, "Receipts");
    tap(&gui, "open receipt 1");
    tap(&gui, "Refund");
    tap(&gui, "Confirm: Refund");
    wait_until(&gui, "the refund", |g| page(g) == Page::Receipt);
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM sales WHERE kind = 'refund'"), 1);
    let journal: Vec<(Kind, bool)> = state.lock().unwrap().journal.iter().map(|t| (t.kind, t.stands)).collect();
    assert_eq!(journal, [(Kind::Payment, false), (Kind::Reversal, true)], "reversed on its day");
    tap(&gui, "Next customer");

    // The Z: the drawer holds the float; the terminal's day is closed first.
    tap(&gui, "Office");
    tap(&gui, "Count");
    tap(&gui, "more 50");
    tap(&gui, "more 50");
    tap(&gui, "Confirm count");
    tap(&gui, "Reports");
    tap(&gui, "End of day (Z)");
    tap(&gui, "Confirm: End of day (Z)");
    wait_until(&gui, "the Z", |_| count(dir.path(), "SELECT COUNT(*) FROM z_reports") == 1);
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM card_days"), 1, "the terminal's day closed with the Z");
    assert_eq!(count(dir.path(), "SELECT terminal_minor - till_minor FROM card_days"), 0);
    assert_eq!(gui.window().global::<OfficeAdapter>().get_report_title(), "Z report 1");
    screenshot(&gui, "47-office-z-with-card-day");
}
