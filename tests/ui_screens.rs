//! Renders the counter screens to PNG at 1024x768 with the software renderer (look at them in
//! `target/screenshots/`), walking through a sale as a cashier does.

mod common;

use common::ui::*;

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
        "Apple Spritzer 0.5 l PET",
        "Lemon Lemonade 0.5 l PET",
    ];
    for name in tiles.iter().cycle().take(10) {
        tap(&gui, name);
    }
    type_keys(&gui, "4006381333931\n");
    type_keys(&gui, "90162602\n");
    screenshot(&gui, "3-sale");

    tap(&gui, "Pay");
    screenshot(&gui, "4-tender");
    tap(&gui, "Exact");
    screenshot(&gui, "5-receipt");
}
