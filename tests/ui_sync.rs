//! Sync on the real window: the chip shows unsent events and the last successful sync; a
//! refused event is parked and listed for the manager with the server's reason, and can be sent
//! again; a price book's due prices reach the tiles and the ticket, future ones wait.

mod common;

use common::ui::*;
use serde_json::json;
use slint::{ComponentHandle, Model};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use till::config::SyncConfig;
use till::sync::{SyncTask, Terminal};
use till_central::Central;

fn wait(gui: &till::gui::Gui, what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < Duration::from_secs(20), "{what}: {}", value(gui, "message"));
        gui.check_devices();
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A push task from the GUI's store to the receiver at `addr`, quick to retry.
fn sync_to(addr: std::net::SocketAddr, dir: &std::path::Path, grades: Vec<String>) -> SyncTask {
    SyncTask::start(
        SyncConfig {
            url: format!("http://{addr}"),
            token: "tok".into(),
            interval: Duration::from_millis(100),
            batch_size: 50,
            timeout: Duration::from_secs(2),
            retry_base: Duration::from_millis(20),
        },
        Terminal { id: "DEMO-01".into(), currency: "EUR".into(), minor_units: 2, grades },
        dir.join("till.sqlite"),
    )
}

#[test]
fn the_sync_chip_the_parked_events_and_the_price_book() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    assert!(gui.window().global::<till_ui::Shell>().get_sync_chip().contains("not configured"));

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
    let sync = sync_to(addr, dir.path(), vec!["E5".into(), "E10".into()]);
    gui.attach_sync(sync.clone());

    tap(&gui, "Demo Manager");
    tap_digits(&gui, "9999");
    tap(&gui, "Sign in");
    tap_digits(&gui, "10000");
    tap(&gui, "Open shift");

    // The price book: the due price is on the tile and in the ticket; the future one waits.
    wait(&gui, "the price book is applied", || {
        gui.window()
            .global::<till_ui::SaleAdapter>()
            .get_products()
            .iter()
            .any(|p| p.name == "Cola 0.5 l PET" && p.price == "€2.49")
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
    wait(&gui, "the chip shows it", || {
        gui.window().global::<till_ui::Shell>().get_sync_chip().starts_with("synced ")
            && gui.window().global::<till_ui::Shell>().get_sync_state() == till_ui::ChipState::Ok
    });

    // A refused event is parked and shown to the manager with the reason.
    central.reject_kind("sale");
    tap(&gui, "Next customer");
    tap(&gui, "Cola 0.5 l PET");
    tap(&gui, "Pay");
    tap(&gui, "Exact");
    wait(&gui, "the sale is parked", || sync.status().parked == 1 && sync.status().pending == 0 && unsent() == 1);
    wait(&gui, "the chip shows it", || {
        gui.window().global::<till_ui::Shell>().get_sync_chip().starts_with("1 refused")
            && gui.window().global::<till_ui::Shell>().get_sync_state() == till_ui::ChipState::Warn
    });
    tap(&gui, "Sync");
    assert_eq!(gui.window().global::<till_ui::Shell>().get_page(), till_ui::Page::Sync);
    assert!(value(&gui, "sync-summary").contains("Last successful sync"), "{}", value(&gui, "sync-summary"));
    let parked: Vec<_> = gui.window().global::<till_ui::SyncAdapter>().get_parked().iter().collect();
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
    wait(&gui, "listed again", || gui.window().global::<till_ui::SyncAdapter>().get_parked().row_count() == 1);
    central.clear_rejections();
    tap(&gui, "Send all again");
    wait(&gui, "delivered", || sync.status().parked == 0 && sync.status().pending == 0);
    wait(&gui, "the list empties", || gui.window().global::<till_ui::SyncAdapter>().get_parked().row_count() == 0);
    assert_eq!(
        central.events("DEMO-01").unwrap().iter().filter(|e| e.kind == "sale").count(),
        2,
        "both sales, once each"
    );
    let retried: i64 =
        db.query_row("SELECT count(*) FROM journal WHERE kind = 'sync_retry'", [], |r| r.get(0)).unwrap();
    assert_eq!(retried, 2);
    tap(&gui, "Back");
    assert_eq!(gui.window().global::<till_ui::Shell>().get_page(), till_ui::Page::Receipt);
}

/// A fuel price from the price book comes into force at its time: the counter sells at it, and
/// each pump takes it when idle; a pump that is filling keeps the old price until it is done.
#[test]
fn a_fuel_price_from_the_price_book_reaches_idle_pumps() {
    use till::devices::forecourt::{Forecourt, PumpSetup, PumpState};
    use till_hardware::dart::sim::SimPump;
    let (sim, till_end) = common::sim_line((0..2).map(|i| SimPump::new(0x50 + i, 1)).collect());
    let bus = sim.bus.clone();
    let config = till::config::Config::demo().unwrap();
    let setup = (0..2u8).map(|i| PumpSetup { number: i + 1, address: 0x50 + i, grades: vec!["E10".into()] }).collect();
    let forecourt = Forecourt::start(till_end, setup, config.fuel_grades.clone());
    let price = |addr: u8| bus.lock().unwrap().pump_mut(addr).unwrap().prices[0];
    let t = Instant::now();
    while price(0x50) == 0 || price(0x51) == 0 || forecourt.pump(2).map(|p| p.state) != Some(PumpState::Idle) {
        assert!(t.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(10));
    }
    let before = price(0x50);

    let dir = tempfile::tempdir().unwrap();
    let gui = open(dir.path());
    gui.attach_forecourt(forecourt.clone());
    // Pump 1 is filling when the new price comes.
    bus.lock().unwrap().pump_mut(0x50).unwrap().lift(1);
    forecourt.send(till::devices::forecourt::ForecourtCmd::Authorize { pump: 1, preset: None });
    let t = Instant::now();
    while forecourt.pump(1).map(|p| p.state) != Some(PumpState::Filling) {
        assert!(t.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(10));
    }

    let central =
        Central::open(&dir.path().join("central.sqlite"), HashMap::from([("DEMO-01".into(), "tok".into())])).unwrap();
    let addr = central.clone().spawn("127.0.0.1:0").unwrap();
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    central
        .set_pricebook(
            "DEMO-01",
            &json!({"version":"f1","currency":"EUR","fuel_prices":[{"grade":"E10","price":"1.899","effective_at":past}]}),
        )
        .unwrap();
    let sync = sync_to(addr, dir.path(), vec!["E10".into()]);
    gui.attach_sync(sync);
    wait(&gui, "the idle pump takes the new price", || price(0x51) == 1899);
    assert_eq!(price(0x50), before, "the filling pump keeps its price");
    bus.lock().unwrap().pump_mut(0x50).unwrap().hang();
    let t = Instant::now();
    while forecourt.pump(1).map(|p| p.state) != Some(PumpState::Completed) {
        assert!(t.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(10));
    }
    forecourt.send(till::devices::forecourt::ForecourtCmd::Reset { pump: 1 });
    wait(&gui, "pump 1 takes it once idle", || price(0x50) == 1899);
    drop(sim);
}
