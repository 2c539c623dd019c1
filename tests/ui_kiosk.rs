//! The kiosk on the real window (Slint's testing backend), by accessible label: start in a
//! language, a basket with + and −, pay by card, no receipt, back to the start; an item for
//! adults waits for the attendant's PIN; the customer cancels.

mod common;

use common::ui::*;
use slint::{ComponentHandle, Model};
use till_ui::{KioskAdapter, Page, Shell};

fn kiosk_config() -> till::config::Config {
    let mut config = till::config::Config::demo().unwrap();
    config.kiosk = Some(till::config::KioskConfig {
        idle: std::time::Duration::from_secs(60),
        countdown: std::time::Duration::from_secs(20),
        amount_limit: None,
        screen_mm: None,
        promotions: None,
        fill_up: rust_decimal::Decimal::ONE_HUNDRED,
        fuel_only: false,
    });
    config
}

fn screen(gui: &till::gui::Gui) -> String {
    gui.window().global::<KioskAdapter>().get_screen().to_string()
}

fn count(dir: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(dir.join("till.sqlite")).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_customer_starts_fills_the_basket_pays_by_card_and_the_kiosk_starts_again() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open_with(dir.path(), kiosk_config());
    gui.kiosk_begin();
    assert_eq!(gui.window().global::<Shell>().get_page(), Page::Kiosk);
    assert_eq!(screen(&gui), "attract");
    assert!(!has_button(&gui, "Stop all pumps"), "no emergency stop for customers");
    // The shop's promotions loop slowly on the start screen.
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(600));
    let first = gui.window().global::<KioskAdapter>().get_promotion();
    assert!(!first.is_empty(), "a promotion shows");
    screenshot(&gui, "60-kiosk-start");
    tap(&gui, "start de-DE");
    assert_eq!(screen(&gui), "shop");
    tap(&gui, "Cola 0.5 l PET");
    let k = gui.window().global::<KioskAdapter>();
    assert_eq!(k.get_lines().row_count(), 1);
    tap(&gui, "Eins mehr von Zeile 1");
    assert_eq!(k.get_total(), "4,38\u{a0}€");
    tap(&gui, "Eins weniger von Zeile 1");
    assert_eq!(k.get_total(), "2,19\u{a0}€");
    screenshot(&gui, "61-kiosk-basket-de");
    tap(&gui, "Bezahlen");
    assert_eq!(screen(&gui), "pay");
    tap(&gui, "Karte");
    assert_eq!(screen(&gui), "thanks", "no card terminal here: the card payment is recorded");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM sales"), 1);
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM payments WHERE method = 'cash'"), 0);
    tap(&gui, "Kein Beleg");
    assert_eq!(screen(&gui), "attract");
}

#[test]
fn an_item_for_adults_waits_for_the_attendants_pin_and_a_cancelled_basket_is_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open_with(dir.path(), kiosk_config());
    gui.kiosk_begin();
    tap(&gui, "start en-US");
    let k = gui.window().global::<KioskAdapter>();
    // Tobacco is further down the rail of categories (scrolled to; the rail shows what fits).
    let tobacco = k.get_categories().iter().position(|c| c == "Tobacco").expect("a tobacco category");
    k.invoke_pick_category(tobacco as i32);
    tap(&gui, "Cigarettes Full Flavour 20 pcs");
    assert!(k.get_help_open(), "the basket waits for staff");
    assert!(k.get_help_text().contains("Cigarettes"), "{}", k.get_help_text());
    assert!(!k.get_can_pay());
    screenshot(&gui, "62-kiosk-age-check");
    for d in "1111".chars() {
        tap(&gui, &format!("staff {d}"));
    }
    tap(&gui, "Staff: approve");
    assert!(!k.get_help_open());
    assert!(k.get_can_pay());
    tap(&gui, "Cancel");
    assert_eq!(screen(&gui), "attract");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM journal WHERE kind = 'basket_abandoned'"), 1);
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM journal WHERE kind = 'kiosk_help_approved'"), 1);
}

#[test]
fn accessibility_mode_grows_the_text_and_keeps_every_key_inside_the_reach_band() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = kiosk_config();
    // A portrait screen whose picture spans 300 to 1,500 mm above the floor.
    if let Some(k) = config.kiosk.as_mut() {
        k.screen_mm = Some((300, 1200));
    }
    let gui = open_with(dir.path(), config);
    gui.window().window().set_size(slint::PhysicalSize::new(1080, 1920));
    gui.kiosk_begin();
    tap(&gui, "start en-US");
    tap(&gui, "Accessibility");
    let theme = gui.window().global::<till_ui::Theme>();
    assert_eq!(theme.get_boost(), 1.5);
    assert_eq!(theme.get_mode(), 2, "high contrast");
    let h = 1920.0_f32;
    let (top, bottom) = (h * 280.0 / 1200.0, h * (1.0 - 80.0 / 1200.0));
    let keys = i_slint_backend_testing::ElementQuery::from_root(gui.window())
        .match_accessible_role(i_slint_backend_testing::AccessibleRole::Button)
        .find_all();
    assert!(keys.len() > 10, "the shop's keys");
    for k in &keys {
        let (y, kh) = (k.absolute_position().y, k.size().height);
        // Keys scrolled out of view are not operable; the ones on screen are in the band.
        if y + kh <= 0.0 || y >= h {
            continue;
        }
        let label = k.accessible_label().unwrap_or_default();
        if y < top - 0.5 || y + kh > bottom + 0.5 {
            // Clipped by the band's scroll area: only its visible part counts.
            assert!(y + kh > top && y < bottom, "'{label}' at {y}..{} is outside the band {top}..{bottom}", y + kh);
        }
    }
    screenshot(&gui, "63-kiosk-accessible-portrait");
    tap(&gui, "Accessibility");
    assert_eq!(theme.get_boost(), 1.0);
}

#[test]
fn a_long_press_in_the_corner_and_a_managers_pin_open_service_mode_and_one_tap_returns() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open_with(dir.path(), kiosk_config());
    gui.kiosk_begin();
    let k = gui.window().global::<KioskAdapter>();
    // The top right corner held for three seconds.
    let corner = slint::LogicalPosition::new(1000.0, 60.0);
    let w = gui.window().window();
    w.dispatch_event(slint::platform::WindowEvent::PointerMoved { position: corner });
    w.dispatch_event(slint::platform::WindowEvent::PointerPressed {
        position: corner,
        button: slint::platform::PointerEventButton::Left,
    });
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(1000));
    assert!(!k.get_service_open(), "a short press does nothing");
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(2200));
    w.dispatch_event(slint::platform::WindowEvent::PointerReleased {
        position: corner,
        button: slint::platform::PointerEventButton::Left,
    });
    assert!(k.get_service_open(), "held for three seconds");
    for d in "9999".chars() {
        tap(&gui, &format!("service {d}"));
    }
    tap(&gui, "Open service mode");
    assert_eq!(gui.window().global::<Shell>().get_page(), Page::Sale, "the counter's screens");
    assert!(gui.window().global::<Shell>().get_kiosk_service());
    tap(&gui, "Back to the kiosk");
    assert_eq!(gui.window().global::<Shell>().get_page(), Page::Kiosk);
    assert_eq!(screen(&gui), "attract");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM journal WHERE kind LIKE 'service_mode_%'"), 2);
}

#[test]
fn a_customer_finds_an_item_in_another_category_with_the_on_screen_keyboard() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open_with(dir.path(), kiosk_config());
    gui.kiosk_begin();
    tap(&gui, "start en-US");
    let k = gui.window().global::<KioskAdapter>();
    let names = |k: &KioskAdapter| k.get_products().iter().map(|p| p.name.to_string()).collect::<Vec<_>>();
    assert!(!names(&k).iter().any(|n| n.starts_with("Coffee to go")), "hot drinks are not the first category");
    tap(&gui, "Search");
    assert!(k.get_search_open());
    for key in ["C", "O", "F", "F", "E", "E", "X"] {
        tap(&gui, &format!("search key {key}"));
    }
    assert_eq!(k.get_search(), "COFFEEX");
    assert!(names(&k).is_empty(), "nothing is called that: {:?}", names(&k));
    tap(&gui, "Delete");
    let found = names(&k);
    assert!(found.iter().any(|n| n == "Coffee to go Small 200 ml"), "{found:?}");
    assert!(found.iter().all(|n| n.to_lowercase().contains("coffee")), "{found:?}");
    screenshot(&gui, "71-kiosk-search");
    tap(&gui, "Coffee to go Small 200 ml");
    assert_eq!(k.get_lines().row_count(), 1);
    assert!(k.get_total().contains("2.49"), "{}", k.get_total());
    // Done closes the keyboard; a category starts afresh.
    tap(&gui, "Search");
    assert!(!k.get_search_open());
    tap(&gui, "Snacks");
    assert_eq!(k.get_search(), "");
    assert!(!names(&k).iter().any(|n| n.contains("Coffee")));
    // The next customer starts without the last one's search.
    tap(&gui, "Search");
    tap(&gui, "search key A");
    tap(&gui, "Cancel");
    assert_eq!(screen(&gui), "attract");
    assert!(!k.get_search_open() && k.get_search().is_empty());
}

#[test]
fn the_kiosks_scanner_starts_a_basket_and_a_code_nobody_knows_calls_staff() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open_with(dir.path(), kiosk_config());
    gui.kiosk_begin();
    let k = gui.window().global::<KioskAdapter>();
    // Scanned on the start screen: the customer is shopping, in the kiosk's language.
    gui.scan("4385425550344");
    assert_eq!(screen(&gui), "shop");
    assert_eq!(k.get_lines().row_count(), 1, "the cola is in the basket");
    assert!(!k.get_help_open());
    // A valid code no item has: the basket waits for a person, who is told why.
    gui.scan("4000000000006");
    assert!(k.get_help_open(), "the price cannot be found: staff are called");
    assert!(k.get_help_text().contains("4000000000006"), "{}", k.get_help_text());
    assert!(!k.get_can_pay());
    screenshot(&gui, "72-kiosk-price-not-found");
    for d in "1111".chars() {
        tap(&gui, &format!("staff {d}"));
    }
    tap(&gui, "Staff: approve");
    assert!(!k.get_help_open() && k.get_can_pay());
    // While paying, the scanner adds nothing.
    tap(&gui, "Pay");
    gui.scan("4385425550344");
    assert_eq!(k.get_lines().row_count(), 1);
}
