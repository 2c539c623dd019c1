//! The kiosk on the real window (Slint's testing backend) when the customer goes quiet, and
//! when the counter answers: the idle question with and without an answer (the kiosk's clock
//! moved on), and an item for adults approved, or refused, from a second Till process (a
//! counter on loopback, over the site API).

mod common;

use common::ui::*;
use serde_json::json;
use slint::{ComponentHandle, Model};
use std::time::{Duration, Instant};
use till_ui::KioskAdapter;

const SECRET: &str = "site-secret-0123456789";

fn kiosk_config(site_port: Option<u16>) -> till::config::Config {
    let mut config = till::config::Config::demo().unwrap();
    config.terminal_id = "K2".into();
    config.terminal_name = "Kiosk 2".into();
    config.kiosk = Some(till::config::KioskConfig {
        idle: Duration::from_secs(60),
        countdown: Duration::from_secs(20),
        amount_limit: None,
        screen_mm: None,
        promotions: None,
        fill_up: rust_decimal::Decimal::ONE_HUNDRED,
        fuel_only: false,
    });
    config.site = site_port.map(|p| till::config::SiteConfig {
        secret: SECRET.into(),
        listen: Some(format!("127.0.0.1:{p}").parse().unwrap()),
        peers: Vec::new(),
    });
    config
}

fn screen(gui: &till::gui::Gui) -> String {
    gui.window().global::<KioskAdapter>().get_screen().to_string()
}

fn count(dir: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(dir.join("till.sqlite")).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn shopping(gui: &till::gui::Gui) {
    tap(gui, "start en-US");
    tap(gui, "Cola 0.5 l PET");
    assert_eq!(gui.window().global::<KioskAdapter>().get_lines().row_count(), 1);
}

#[test]
fn a_customer_who_walks_away_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open_with(dir.path(), kiosk_config(None));
    gui.kiosk_begin();
    shopping(&gui);
    let k = gui.window().global::<KioskAdapter>();
    gui.advance_kiosk_clock(Duration::from_secs(59));
    assert!(!k.get_idle_open(), "not yet");
    gui.advance_kiosk_clock(Duration::from_secs(2));
    assert!(k.get_idle_open(), "after the idle time the kiosk asks");
    assert!(k.get_idle_text().contains("20") || k.get_idle_text().contains("19"), "{}", k.get_idle_text());
    gui.advance_kiosk_clock(Duration::from_secs(10));
    assert!(k.get_idle_open(), "still counting down");
    gui.advance_kiosk_clock(Duration::from_secs(11));
    assert!(!k.get_idle_open());
    assert_eq!(screen(&gui), "attract", "back to the start");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM journal WHERE kind = 'basket_abandoned'"), 1);
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM sales"), 0);
    // The next customer starts with an empty basket.
    tap(&gui, "start en-US");
    assert_eq!(k.get_lines().row_count(), 0);
}

#[test]
fn a_customer_who_asks_for_more_time_keeps_the_basket() {
    let dir = tempfile::tempdir().unwrap();
    let gui = open_with(dir.path(), kiosk_config(None));
    gui.kiosk_begin();
    shopping(&gui);
    let k = gui.window().global::<KioskAdapter>();
    gui.advance_kiosk_clock(Duration::from_secs(65));
    assert!(k.get_idle_open());
    tap(&gui, "Yes, more time");
    assert!(!k.get_idle_open());
    gui.advance_kiosk_clock(Duration::from_secs(50));
    assert!(!k.get_idle_open(), "the idle time starts again");
    assert_eq!(screen(&gui), "shop");
    assert_eq!(k.get_lines().row_count(), 1, "the basket is kept");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM journal WHERE kind = 'basket_abandoned'"), 0);
}

/// A kiosk window with the site link, a tobacco item in the basket, and a counter process
/// signed in as the cashier that sees it.
fn kiosk_waiting_for_the_counter(dir: &std::path::Path) -> (std::rc::Rc<till::gui::Gui>, common::Exec) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = kiosk_config(Some(port));
    let link = till::devices::site::SiteLink::start(config.site.as_ref().unwrap(), "K2").unwrap();
    std::fs::create_dir_all(dir.join("kiosk")).unwrap();
    let gui = open_with(&dir.join("kiosk"), config);
    gui.attach(till::gui::Devices { site: Some(link), ..Default::default() });
    gui.kiosk_begin();
    tap(&gui, "start en-US");
    let k = gui.window().global::<KioskAdapter>();
    let tobacco = k.get_categories().iter().position(|c| c == "Tobacco").expect("a tobacco category");
    k.invoke_pick_category(tobacco as i32);
    tap(&gui, "Cigarettes Full Flavour 20 pcs");
    assert!(k.get_help_open(), "the basket waits for staff");
    std::fs::create_dir_all(dir.join("counter")).unwrap();
    let (config, data) = common::demo_site(&dir.join("counter"), |t| {
        t + &format!("\n[site]\nsecret = \"{SECRET}\"\npeers = [\"http://127.0.0.1:{port}\"]\n")
    });
    let mut counter = common::Exec::start(&config, &data);
    common::ok(&counter.ask(json!({"cmd":"login","pin":"1111"})));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let a = counter.ask(json!({"cmd":"site"}));
        if a["site"][0]["status"]["help"]["reason"] == "age" {
            assert_eq!(a["site"][0]["status"]["name"], "Kiosk 2");
            break;
        }
        assert!(Instant::now() < deadline, "the counter never saw the kiosk waiting: {a}");
        std::thread::sleep(Duration::from_millis(150));
    }
    (gui, counter)
}

/// Handles what the site link took until the kiosk no longer waits.
fn until_answered(gui: &till::gui::Gui) {
    let k = gui.window().global::<KioskAdapter>();
    let deadline = Instant::now() + Duration::from_secs(5);
    while k.get_help_open() {
        assert!(Instant::now() < deadline, "the counter's answer never arrived");
        gui.drain_reports();
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_item_for_adults_is_approved_from_the_counter() {
    let dir = tempfile::tempdir().unwrap();
    let (gui, mut counter) = kiosk_waiting_for_the_counter(dir.path());
    common::ok(&counter.ask(json!({"cmd":"site_answer","terminal":"K2","approve":true})));
    until_answered(&gui);
    let k = gui.window().global::<KioskAdapter>();
    assert!(k.get_can_pay(), "approved: the customer pays");
    assert_eq!(k.get_lines().row_count(), 1);
    screenshot(&gui, "64-kiosk-approved-remotely");
    let by: String = rusqlite::Connection::open(dir.path().join("kiosk/till.sqlite"))
        .unwrap()
        .query_row("SELECT payload FROM journal WHERE kind = 'kiosk_help_approved'", [], |r| r.get(0))
        .unwrap();
    assert!(by.contains("\"staff\":\"Cashier\""), "{by}");
}

#[test]
fn an_item_for_adults_refused_from_the_counter_comes_off_the_basket() {
    let dir = tempfile::tempdir().unwrap();
    let (gui, mut counter) = kiosk_waiting_for_the_counter(dir.path());
    common::ok(&counter.ask(json!({"cmd":"site_answer","terminal":"K2","approve":false})));
    until_answered(&gui);
    let k = gui.window().global::<KioskAdapter>();
    assert_eq!(k.get_lines().row_count(), 0, "the cigarettes are off the basket");
    assert!(!k.get_can_pay());
    assert_eq!(count(&dir.path().join("kiosk"), "SELECT COUNT(*) FROM journal WHERE kind = 'kiosk_help_declined'"), 1);
}

#[test]
fn the_counter_shows_the_kiosk_waiting_and_approves_it_with_one_tap() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    std::fs::create_dir_all(dir.path().join("kiosk")).unwrap();
    let (kc, kd) = common::demo_site(&dir.path().join("kiosk"), |t| {
        t.replacen(
            "id = \"DEMO-01\"\nname = \"Demo counter 1\"",
            "id = \"K2\"\nname = \"Kiosk 2\"\nmode = \"kiosk\"",
            1,
        ) + &format!("\n[kiosk]\nidle_seconds = 300\n\n[site]\nsecret = \"{SECRET}\"\nlisten = \"127.0.0.1:{port}\"\n")
    });
    let mut kiosk = common::Exec::start(&kc, &kd);
    common::ok(&kiosk.ask(json!({"cmd":"kiosk_start"})));
    common::ok(&kiosk.ask(json!({"cmd":"add","sku":"TOB-0001"})));
    let mut config = till::config::Config::demo().unwrap();
    config.site = Some(till::config::SiteConfig {
        secret: SECRET.into(),
        listen: None,
        peers: vec![format!("http://127.0.0.1:{port}")],
    });
    let link = till::devices::site::SiteLink::start(config.site.as_ref().unwrap(), &config.terminal_id).unwrap();
    let gui = open_with(&dir.path().join("counter"), config);
    gui.attach(till::gui::Devices { site: Some(link), ..Default::default() });
    let shell = gui.window().global::<till_ui::Shell>();
    tap(&gui, "Demo Cashier");
    tap_digits(&gui, "1111");
    tap(&gui, "Sign in");
    let deadline = Instant::now() + Duration::from_secs(10);
    while shell.get_site_help().is_empty() {
        assert!(Instant::now() < deadline, "the counter never showed the kiosk waiting");
        std::thread::sleep(Duration::from_millis(100));
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(1000));
        gui.drain_reports();
    }
    let help = shell.get_site_help().to_string();
    assert!(help.starts_with("Kiosk 2 needs help: age check for"), "{help}");
    screenshot(&gui, "65-counter-kiosk-needs-help");
    tap(&gui, "Approve");
    let t = {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            gui.drain_reports();
            let t = kiosk.ask(json!({"cmd":"ticket"}));
            if t["kiosk"]["help"].is_null() {
                break t;
            }
            assert!(Instant::now() < deadline, "the kiosk never took the answer: {t}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    assert_eq!(t["ticket"]["lines"].as_array().unwrap().len(), 1);
    // The strip goes when the kiosk no longer waits.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !shell.get_site_help().is_empty() {
        assert!(Instant::now() < deadline, "the strip stayed");
        std::thread::sleep(Duration::from_millis(100));
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(1000));
        gui.drain_reports();
    }
}
