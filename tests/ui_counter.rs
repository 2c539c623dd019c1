//! The counter at arm's length (testing backend, software renderer): every destructive action
//! asks first, STOP ALL is on every page (signed in or not), a kg item keyed by PLU is weighed,
//! the banner does not move the keypad, a held ticket is recalled from a list, a partial payment
//! is removed, and the shift closes with a count and a summary.

mod common;

use common::ui::*;
use i_slint_backend_testing::ElementHandle;
use serialport::{SerialPort, TTYPort};
use slint::{ComponentHandle, Model};
use std::time::{Duration, Instant};
use till::devices::forecourt::{Forecourt, PumpSetup, PumpState};
use till_hardware::dart::sim::SimPump;
use till_ui::{Page, SaleAdapter, Shell};

fn page(gui: &till::gui::Gui) -> Page {
    gui.window().global::<Shell>().get_page()
}

fn sign_in(gui: &till::gui::Gui, who: &str, pin: &str) {
    tap(gui, who);
    tap_digits(gui, pin);
    tap(gui, "Sign in");
    if page(gui) == Page::OpenShift {
        tap_digits(gui, "10000");
        tap(gui, "Open shift");
    }
    assert_eq!(page(gui), Page::Sale);
}

fn count(dir: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(dir.join("till.sqlite")).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn lines(gui: &till::gui::Gui) -> usize {
    gui.window().global::<SaleAdapter>().get_lines().row_count()
}

fn forecourt() -> (Forecourt, common::SimLine) {
    let (sim, till_end) = common::sim_line((0..2).map(|i| SimPump::new(0x50 + i, 4)).collect());
    let config = till::config::Config::demo().unwrap();
    let setup = (0..2u8)
        .map(|i| PumpSetup {
            number: i + 1,
            address: 0x50 + i,
            grades: vec!["E5".into(), "E10".into(), "SP98".into(), "B7".into()],
        })
        .collect();
    let f = Forecourt::start(till_end, setup, config.fuel_grades.clone());
    let deadline = Instant::now() + Duration::from_secs(10);
    while f.pump(2).map(|p| p.state) != Some(PumpState::Idle) {
        assert!(Instant::now() < deadline, "pumps never idle");
        std::thread::sleep(Duration::from_millis(10));
    }
    (f, sim)
}

#[test]
fn stop_all_is_on_every_page_signed_in_or_not() {
    let (f, _sim) = forecourt();
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    gui.attach_forecourt(f);
    let stops = |dir: &std::path::Path| {
        count(dir, "SELECT COUNT(*) FROM journal WHERE kind = 'forecourt' AND payload LIKE '%emergency_stop_all%'")
    };
    // Nobody is signed in: the stop is there and works.
    assert_eq!(page(&gui), Page::Login);
    tap(&gui, "STOP ALL");
    assert_eq!(stops(dir.path()), 1, "the emergency stop works before anyone signs in");
    tap(&gui, "Demo Manager");
    tap_digits(&gui, "9999");
    tap(&gui, "Sign in");
    assert_eq!(page(&gui), Page::OpenShift);
    tap(&gui, "STOP ALL");
    tap_digits(&gui, "10000");
    tap(&gui, "Open shift");
    let mut expected = 2;
    for p in [Page::Sale, Page::Forecourt, Page::Devices, Page::Sync, Page::Tender, Page::Receipt] {
        gui.window().global::<Shell>().set_page(p);
        tap(&gui, "STOP ALL");
        expected += 1;
        assert_eq!(stops(dir.path()), expected, "STOP ALL on {p:?}");
    }
    // The key is never clipped: its text fits inside it at 1024x768.
    let key = ElementHandle::find_by_accessible_label(gui.window(), "STOP ALL").next().unwrap();
    assert!(key.size().width >= 120.0 && key.size().height >= 48.0, "{:?}", key.size());
    let right = key.absolute_position().x + key.size().width;
    assert!(right <= 1024.0, "STOP ALL ends at {right} px, outside the window");
}

#[test]
fn destructive_actions_ask_first() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    sign_in(&gui, "Demo Cashier", "1111");
    tap(&gui, "Cola 0.5 l PET");
    tap(&gui, "Cola 0.33 l Can");
    // Cancel ticket: the question names what is lost; "Go back" keeps the ticket.
    tap(&gui, "Cancel ticket");
    assert!(gui.window().global::<Shell>().get_confirm_open());
    assert!(value(&gui, "question").contains("2 item(s)"), "{}", value(&gui, "question"));
    tap(&gui, "Go back");
    assert!(!gui.window().global::<Shell>().get_confirm_open());
    assert_eq!(lines(&gui), 2, "going back changes nothing");
    tap(&gui, "Cancel ticket");
    tap(&gui, "Confirm: Cancel ticket");
    assert_eq!(lines(&gui), 0);
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM journal WHERE kind = 'ticket_cancelled'"), 1);

    // Close shift: a blind count by notes and coins in the back office; what the drawer should
    // hold shows only once the count is stored; then the close and its summary.
    tap(&gui, "Close shift");
    assert_eq!(gui.window().global::<Shell>().get_page(), till_ui::Page::Office);
    for d in ["50", "20", "20", "5"] {
        tap(&gui, &format!("more {d}"));
    }
    assert_eq!(value(&gui, "count total"), "€95.00");
    assert!(!has_button(&gui, "Close shift"), "no close before the count");
    tap(&gui, "Confirm count");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM counts"), 1);
    assert_eq!(value(&gui, "Expected"), "€100.00");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM shifts WHERE closed_at IS NOT NULL"), 0);
    screenshot(&gui, "19-blind-count");
    tap(&gui, "Close shift");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM shifts WHERE closed_at IS NOT NULL"), 1);
    assert!(gui.window().global::<SaleAdapter>().get_summary_dialog(), "the closed shift is summarised");
    // Float 100.00, no cash sales: 5.00 short.
    assert_eq!(value(&gui, "Expected in the drawer"), "€100.00");
    assert_eq!(value(&gui, "Counted"), "€95.00");
    assert_eq!(value(&gui, "Short"), "€5.00");
    screenshot(&gui, "20-shift-summary");
    tap(&gui, "Done");
    assert_eq!(page(&gui), Page::OpenShift);
}

#[test]
fn a_kg_item_keyed_by_plu_is_weighed_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    sign_in(&gui, "Demo Cashier", "1111");
    // No scale: the cashier is told to key the weight; nothing is added as 1 kg.
    tap_digits(&gui, "4011");
    tap(&gui, "Enter");
    assert_eq!(lines(&gui), 0, "a kg item is never added without its weight");
    assert!(value(&gui, "message").contains("Bananas is sold by weight"), "{}", value(&gui, "message"));
    // Keyed weight with the decimal key, then × and the PLU.
    tap(&gui, "0");
    tap(&gui, "Decimal point");
    tap_digits(&gui, "755");
    tap(&gui, "Quantity for the next item");
    tap_digits(&gui, "4011");
    tap(&gui, "Enter");
    let line = gui.window().global::<SaleAdapter>().get_lines().row_data(0).unwrap();
    assert!(line.detail.starts_with("0.755 kg ×"), "{}", line.detail);

    // With a scale: the PLU asks the scale, and its stable weight goes on the line.
    let (mut sim_end, mut till_end) = TTYPort::pair().unwrap();
    sim_end.set_timeout(Duration::from_millis(2)).unwrap();
    till_end.set_timeout(Duration::from_millis(2)).unwrap();
    let mut sim = till_hardware::scale::SimScale::new(till_hardware::scale::SimState::Stable(1.25));
    std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        loop {
            match std::io::Read::read(&mut sim_end, &mut buf) {
                Ok(n) if n > 0 => {
                    let out = sim.on_bytes(&buf[..n]);
                    if !out.is_empty() && std::io::Write::write_all(&mut sim_end, &out).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() != std::io::ErrorKind::TimedOut => return,
                _ => {}
            }
        }
    });
    gui.attach_scale(till::devices::scale::Scale::start(till_end));
    tap_digits(&gui, "4011");
    tap(&gui, "Enter");
    assert!(value(&gui, "message").starts_with("Weighing Bananas"), "{}", value(&gui, "message"));
    assert_eq!(lines(&gui), 1, "nothing is added before the scale answers");
    // The scale's answer reaches the window on its event loop; here it is handed over directly.
    let bananas = "PRO-0001";
    gui.weighed(bananas, Ok("1.25".parse().unwrap()));
    let line = gui.window().global::<SaleAdapter>().get_lines().row_data(1).unwrap();
    assert!(line.detail.starts_with("1.25 kg ×"), "{}", line.detail);
}

#[test]
fn the_banner_moves_nothing_and_hints_say_what_to_key() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    sign_in(&gui, "Demo Cashier", "1111");
    let at = |label: &str| {
        let e = ElementHandle::find_by_accessible_label(gui.window(), label).next().unwrap();
        (e.absolute_position(), e.size())
    };
    tap(&gui, "Cola 0.5 l PET");
    let before = (at("7"), at("Pay"), at("Enter"));
    assert_eq!(value(&gui, "message"), "");
    // Quantity with nothing keyed: a hint in the banner, and the keys stay where they were.
    tap(&gui, "Discount");
    assert!(value(&gui, "message").contains("Key the discount"), "{}", value(&gui, "message"));
    assert_eq!((at("7"), at("Pay"), at("Enter")), before, "the banner moved the keypad");
    tap(&gui, "Quantity");
    assert!(value(&gui, "message").contains("Tap a line"), "{}", value(&gui, "message"));
    tap(&gui, "Dismiss message");
    assert_eq!((at("7"), at("Pay"), at("Enter")), before);

    // The tender keypad stays put whatever the number of quick-cash notes.
    tap(&gui, "Pay");
    let keypad = at("7");
    tap(&gui, "Back to ticket");
    for _ in 0..40 {
        tap(&gui, "Cola 0.5 l PET");
    }
    tap(&gui, "Pay");
    assert_eq!(at("7"), keypad, "the tender keypad moved with the quick-cash notes");
}

#[test]
fn recall_from_the_list_and_remove_a_partial_payment() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    sign_in(&gui, "Demo Cashier", "1111");
    tap(&gui, "Cola 0.5 l PET");
    tap(&gui, "Hold");
    tap(&gui, "Cola 0.33 l Can");
    tap(&gui, "Cola 0.33 l Can");
    tap(&gui, "Hold");
    // Sign-out names the held tickets as the reason.
    tap(&gui, "Sign out");
    assert!(value(&gui, "message").contains("2 ticket(s) on hold"), "{}", value(&gui, "message"));
    tap(&gui, "Recall");
    assert!(gui.window().global::<SaleAdapter>().get_recall_dialog(), "two held tickets: a list");
    let rows = gui.window().global::<SaleAdapter>().get_held_rows();
    assert_eq!(rows.row_count(), 2);
    // The older one (one can of cola 0.5 l) is chosen, not the newest.
    let older = rows.iter().find(|r| r.items.contains("0.5 l")).unwrap();
    tap(&gui, &format!("held {}", older.id));
    assert_eq!(lines(&gui), 1);
    assert!(gui.window().global::<SaleAdapter>().get_lines().row_data(0).unwrap().name.contains("0.5 l"));

    // A partial payment taken and removed again: the ticket is open and editable.
    tap(&gui, "Pay");
    tap_digits(&gui, "100");
    tap(&gui, "Cash, keyed amount");
    assert_eq!(gui.window().global::<till_ui::TenderAdapter>().get_payments().row_count(), 1);
    tap(&gui, "Remove payment 0");
    tap(&gui, "Confirm: Remove payment");
    assert_eq!(gui.window().global::<till_ui::TenderAdapter>().get_payments().row_count(), 0);
    tap(&gui, "Back to ticket");
    tap(&gui, "Cola 0.5 l PET");
    assert_eq!(lines(&gui), 2, "the ticket is editable again");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM journal WHERE kind = 'payment_removed'"), 1);
}

#[test]
fn the_look_chosen_at_sign_in_is_remembered_by_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    tap(&gui, "de-DE");
    tap(&gui, "theme-dark");
    assert!(has_button(&gui, "Anmelden"));
    assert_eq!(gui.window().global::<till_ui::Theme>().get_mode(), 1);
    // Stored for the terminal, so the next start shows it (tests/look.rs restarts the session).
    let stored = "SELECT count(*) FROM looks WHERE scope LIKE 'terminal:%' AND language = 'de-DE' AND theme = 'dark'";
    assert_eq!(count(dir.path(), stored), 1);
    // Signed in, the cashier (who chose nothing) sees the terminal's look.
    tap(&gui, "Demo Cashier");
    tap_digits(&gui, "1111");
    tap(&gui, "Anmelden");
    assert_ne!(page(&gui), Page::Login);
    assert_eq!(gui.window().global::<till_ui::Theme>().get_mode(), 1);
    assert!(!has_button(&gui, "Sign out"), "still German");
}
