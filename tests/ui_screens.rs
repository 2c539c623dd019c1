//! Renders the counter screens to PNG at 1024x768 with the software renderer (look at them in
//! `target/screenshots/`), walking through a sale as a cashier does.

mod common;

use common::ui::*;
use slint::{ComponentHandle, Model};
use till_ui::Theme;

#[test]
fn render_login_sale_tender_and_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    let shot = screenshot(&gui, "1-login");
    assert_eq!((shot.width(), shot.height()), (1024, 768));

    tap(&gui, "Demo Cashier");
    tap_digits(&gui, "1111");
    tap(&gui, "Sign in");
    tap_digits(&gui, "15000");
    screenshot(&gui, "2-open-shift");
    tap(&gui, "Open shift");

    // A twelve-line ticket: tiles of the first category, a wedge-scanned code, a voided line.
    let tiles = [
        "Cola 0.5 l PET",
        "Cola Zero 0.5 l PET",
        "Cola 0.33 l Can",
        "Orange Lemonade 0.5 l PET",
        "Lemon Lemonade 0.5 l PET",
    ];
    for name in tiles.iter().cycle().take(10) {
        tap(&gui, name);
    }
    type_keys(&gui, "4006381333931\n");
    type_keys(&gui, "90162602\n");
    screenshot(&gui, "3-sale");

    // An age-restricted item asks for the age check with the latest birth date old enough today.
    let cfg = till::config::Config::demo().unwrap();
    let spirit = till::import::parse_catalog(till::config::DEMO_CATALOG, &cfg)
        .unwrap()
        .into_iter()
        .find(|p| p.age_restriction == Some(18) && p.barcodes.iter().any(|b| b.len() == 13))
        .unwrap();
    type_keys(&gui, &format!("{}\n", spirit.barcodes[0]));
    assert!(gui.window().global::<till_ui::SaleAdapter>().get_age_dialog());
    let today = chrono::Local::now().date_naive();
    let expected =
        chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today) - 18, chrono::Datelike::month(&today), 1)
            .unwrap();
    assert!(
        gui.window()
            .global::<till_ui::SaleAdapter>()
            .get_age_date()
            .ends_with(&chrono::Datelike::year(&expected).to_string()),
        "{}",
        gui.window().global::<till_ui::SaleAdapter>().get_age_date()
    );
    screenshot(&gui, "3a-age-check");
    tap(&gui, "Not old enough");
    assert!(!gui.window().global::<till_ui::SaleAdapter>().get_age_dialog());
    assert!(
        gui.window().global::<till_ui::SaleAdapter>().get_lines().iter().last().unwrap().voided,
        "a refused item is voided, not deleted"
    );

    // A weighed item: the scale's stable weight goes on the line; an overload is refused.
    let bananas = till::import::parse_catalog(till::config::DEMO_CATALOG, &cfg)
        .unwrap()
        .into_iter()
        .find(|p| p.unit == till::domain::catalog::Unit::Kg)
        .unwrap();
    gui.weighed(&bananas.sku, Ok("0.755".parse().unwrap()));
    let last = gui.window().global::<till_ui::SaleAdapter>().get_lines().iter().last().unwrap();
    assert!(last.detail.starts_with("0.755 kg ×"), "{}", last.detail);
    gui.weighed(&bananas.sku, Err(till::devices::scale::WeighError::Overload));
    assert_eq!(value(&gui, "message"), "The scale is overloaded");

    // Search with the on-screen keyboard.
    tap(&gui, "On-screen keyboard");
    for k in ["C", "O", "L", "A"] {
        tap(&gui, &format!("key {k}"));
    }
    assert_eq!(gui.window().global::<till_ui::SaleAdapter>().get_search(), "cola");
    screenshot(&gui, "3b-search-keyboard");
    tap(&gui, "Clear");
    tap(&gui, "Close");
    assert_eq!(gui.window().global::<till_ui::SaleAdapter>().get_search(), "");

    tap(&gui, "Pay");
    screenshot(&gui, "4-tender");
    tap(&gui, "Exact");
    screenshot(&gui, "5-receipt");

    // The other themes, a large screen and a script that needs its own font.
    tap(&gui, "Next customer");
    tap(&gui, "Cola 0.5 l PET");
    type_keys(&gui, "90162602\n");
    gui.window().global::<Theme>().set_mode(1);
    screenshot(&gui, "6-sale-dark");
    gui.window().window().set_size(slint::PhysicalSize::new(1920, 1080));
    let big = screenshot(&gui, "7-sale-1920x1080");
    assert_eq!((big.width(), big.height()), (1920, 1080));
    gui.window().window().set_size(slint::PhysicalSize::new(1024, 768));
    tap(&gui, "Cancel ticket");
    tap(&gui, "Confirm: Cancel ticket");
    tap(&gui, "Sign out");
    tap(&gui, "hi-IN");
    gui.window().global::<Theme>().set_mode(2);
    screenshot(&gui, "8-login-hi-contrast");
}
