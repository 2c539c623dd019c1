//! Sync on the real window: the chip shows unsent events and the last successful sync; a
//! refused event is parked and listed for the manager with the server's reason, and can be sent
//! again; a price book's due prices reach the tiles and the ticket, future ones wait.

mod common;

use common::ui::*;
use serde_json::json;
use slint::{ComponentHandle, Model};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use till::central::Central;
use till::config::SyncConfig;
use till::sync::{SyncTask, Terminal};
use till_ui::Api;

fn wait(gui: &till::gui::Gui, what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < Duration::from_secs(20), "{what}: {}", value(gui, "message"));
        gui.check_devices();
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_sync_chip_the_parked_events_and_the_price_book() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    let api = || gui.window().global::<Api>();
    assert!(api().get_sync_chip().contains("not configured"));

    let central =
        Central::open(&dir.path().join("central.sqlite"), HashMap::from([("DEMO-01".into(), "tok".into())])).unwrap();
    let addr = central.clone().spawn("127.0.0.1:0").unwrap();
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    central
        .set_pricebook(
            "DEMO-01",
            &json!({"version":"2026-11-25.1","currency":"EUR",
                "items":[{"sku":"BEV-0001","price":"2.49","effective_at":past},
                         {"sku":"BEV-0001","price":"2.59","effective_at":future},
                         {"sku":"NOT-THERE","price":"1.00","effective_at":past}],
                "fuel_prices":[{"grade":"E10","price":"1.799","effective_at":past}]}),
        )
        .unwrap();
    let sync = SyncTask::start(
        SyncConfig {
            url: format!("http://{addr}"),
            token: "tok".into(),
            interval: Duration::from_millis(100),
            batch_size: 50,
            timeout: Duration::from_secs(2),
            retry_base: Duration::from_millis(20),
        },
        Terminal {
            id: "DEMO-01".into(),
            currency: "EUR".into(),
            minor_units: 2,
            grades: vec!["E5".into(), "E10".into()],
        },
        dir.path().join("till.sqlite"),
    );
    gui.attach_sync(sync.clone());

    tap(&gui, "Demo Manager");
    tap_digits(&gui, "9999");
    tap(&gui, "Sign in");
    tap_digits(&gui, "10000");
    tap(&gui, "Open shift");

    // The price book: the due price is on the tile and in the ticket; the future one waits.
    wait(&gui, "the price book is applied", || {
        api().get_products().iter().any(|p| p.name == "Cola 0.5 l PET" && p.price == "€2.49")
    });
    tap(&gui, "Cola 0.5 l PET");
    assert_eq!(value(&gui, "Total"), "€2.49");
    let db = common::db(dir.path());
    let waiting: i64 = db
        .query_row("SELECT count(*) FROM price_schedule WHERE applied_at IS NULL AND key = 'BEV-0001'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(waiting, 1, "tomorrow's price is scheduled");
    assert!(sync.status().pricebook_unknown.contains(&"NOT-THERE".to_string()));
    let fuel: String = db.query_row("SELECT payload FROM outbox WHERE kind = 'fuel_price'", [], |r| r.get(0)).unwrap();
    assert!(fuel.contains("\"new\":\"1.799\"") && fuel.contains("pricebook"), "{fuel}");
    tap(&gui, "Pay");
    tap(&gui, "Exact");

    // Everything is sent; the chip says when.
    let unsent =
        || -> i64 { db.query_row("SELECT count(*) FROM outbox WHERE state != 'sent'", [], |r| r.get(0)).unwrap() };
    wait(&gui, "all sent", || unsent() == 0 && central.events("DEMO-01").unwrap().iter().any(|e| e.kind == "sale"));
    wait(&gui, "the chip shows it", || api().get_sync_chip().starts_with("synced ") && api().get_sync_state() == 1);

    // A refused event is parked and shown to the manager with the reason.
    central.reject_kind("sale");
    tap(&gui, "Next customer");
    tap(&gui, "Cola 0.5 l PET");
    tap(&gui, "Pay");
    tap(&gui, "Exact");
    wait(&gui, "the sale is parked", || sync.status().parked == 1 && sync.status().pending == 0 && unsent() == 1);
    wait(&gui, "the chip shows it", || api().get_sync_chip().starts_with("1 refused") && api().get_sync_state() == 2);
    tap(&gui, "Sync");
    assert_eq!(api().get_page(), "sync");
    assert!(value(&gui, "sync-summary").contains("Last successful sync"), "{}", value(&gui, "sync-summary"));
    let parked: Vec<_> = api().get_parked().iter().collect();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].kind, "Sale");
    assert!(parked[0].reason.contains("invalid_payload"), "{}", parked[0].reason);
    screenshot(&gui, "10-sync");

    // Sent again while the server still refuses it: parked again. Once it takes it: delivered.
    let seq = parked[0].seq;
    tap(&gui, &format!("retry {seq}"));
    wait(&gui, "refused again", || {
        let attempts: i64 =
            db.query_row("SELECT attempts FROM outbox WHERE id = ?1", [seq], |r| r.get(0)).unwrap_or_default();
        attempts >= 2 && sync.status().parked == 1
    });
    wait(&gui, "listed again", || api().get_parked().row_count() == 1);
    central.clear_rejections();
    tap(&gui, "Send all again");
    wait(&gui, "delivered", || sync.status().parked == 0 && sync.status().pending == 0);
    wait(&gui, "the list empties", || api().get_parked().row_count() == 0);
    assert_eq!(
        central.events("DEMO-01").unwrap().iter().filter(|e| e.kind == "sale").count(),
        2,
        "both sales, once each"
    );
    let retried: i64 =
        db.query_row("SELECT count(*) FROM journal WHERE kind = 'sync_retry'", [], |r| r.get(0)).unwrap();
    assert_eq!(retried, 2);
    tap(&gui, "Back");
    assert_eq!(api().get_page(), "receipt");
}
