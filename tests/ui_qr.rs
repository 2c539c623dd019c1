//! The QR payment on screen against the reference provider on loopback HTTP: the tender screen
//! offers "QR pay" when a provider is configured, the dialog shows a code that is the
//! provider's, and once the customer's wallet has paid (the provider says so when asked by
//! itself) the sale is stored and the receipt shows the wallet payment. A cancel closes the
//! dialog and leaves the ticket to pay another way.

mod common;

use common::ui::*;
use slint::ComponentHandle;
use std::io::{Read, Write};
use std::time::{Duration, Instant};
use till_ui::{Page, Shell, TenderAdapter};

/// `POST path` to the provider's operator interface; the status line.
fn post(url: &str, path: &str) -> String {
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("provider");
    write!(s, "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer.lines().next().unwrap_or_default().to_string()
}

fn wait_until(gui: &till::gui::Gui, what: &str, done: impl Fn(&till::gui::Gui) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !done(gui) {
        assert!(Instant::now() < deadline, "waited in vain for {what}");
        std::thread::sleep(Duration::from_millis(50));
        gui.drain_reports();
    }
}

#[test]
fn a_qr_payment_shows_the_providers_code_and_ends_on_the_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let opts = till::cli::sim_qr::Options {
        token: "ui-token".into(),
        expire_after: Duration::from_secs(300),
        auto_pay: None,
        state: None,
    };
    let url = till::cli::sim_qr::start("127.0.0.1:0", opts).expect("provider");
    let mut config = till::config::Config::demo().unwrap();
    let qr = till::config::QrConfig {
        url: url.clone(),
        token: "ui-token".into(),
        poll: Duration::from_millis(1000),
        timeout: Duration::from_secs(2),
    };
    config.qr = Some(qr.clone());
    let gui = open_with(dir.path(), config);
    gui.attach(till::gui::Devices { qr: Some(till::devices::qr::QrProvider::open(&qr, true)), ..Default::default() });
    tap(&gui, "Demo Cashier");
    tap_digits(&gui, "1111");
    tap(&gui, "Sign in");
    tap_digits(&gui, "10000");
    tap(&gui, "Open shift");
    tap(&gui, "Cola 0.5 l PET");
    tap(&gui, "Pay");
    let tender = gui.window().global::<TenderAdapter>();
    assert!(tender.get_qr_enabled());

    // A first code is cancelled: the dialog closes, nothing is paid.
    tap(&gui, "QR pay");
    wait_until(&gui, "the first code", |g| g.window().global::<TenderAdapter>().get_qr_has_code());
    assert!(tender.get_qr_open());
    tap(&gui, "Cancel QR payment");
    wait_until(&gui, "the cancel", |g| !g.window().global::<TenderAdapter>().get_qr_open());
    assert_eq!(gui.window().global::<Shell>().get_page(), Page::Tender);

    tap(&gui, "QR pay");
    wait_until(&gui, "the code", |g| g.window().global::<TenderAdapter>().get_qr_has_code());
    assert!(tender.get_qr_text().contains("€2.19"), "{}", tender.get_qr_text());
    let shot = screenshot(&gui, "qr-payment");
    assert!(shot.width() >= 1024);
    assert!(post(&url, "/sim/payments/last/pay").contains("200"), "the customer's wallet pays");
    wait_until(&gui, "the receipt", |g| g.window().global::<Shell>().get_page() == Page::Receipt);
    assert!(!tender.get_qr_open());
    let lines: Vec<String> = slint::Model::iter(&tender.get_receipt_lines()).map(|l| l.to_string()).collect();
    assert!(lines.iter().any(|l| l.starts_with("QR wallet") && l.ends_with("2.19")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("Provider ref. SIM-000001")), "{lines:?}");
}
