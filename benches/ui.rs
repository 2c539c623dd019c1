//! Scan to updated ticket on screen, with a 100,000-item catalog: a wedge-scanned code (digits +
//! Enter) goes through the controller and the session (look-up, pricing), the ticket models are
//! updated, and a whole 1024x768 frame is rendered by the software renderer.
//! Target: under 16 ms. `cargo bench --bench ui` prints p50 / p99 / max.

use i_slint_backend_testing::{TestingBackend, TestingBackendOptions};
use rust_decimal::Decimal;
use slint::ComponentHandle;
use std::time::{Duration, Instant};
use till::config::Config;
use till::domain::barcode::gs1_check_digit;
use till::domain::catalog::{Product, Unit};
use till::gui::Gui;
use till::service::Session;
use till::store::Store;

fn ean13(n: u64) -> String {
    let body = format!("40{:010}", n);
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    format!("{body}{}", gs1_check_digit(&digits))
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let n_items: u64 = if quick { 1_000 } else { 100_000 };
    let scans = if quick { 5 } else { 300 };

    let dir = tempfile::tempdir().expect("tmp");
    let config = Config::demo().expect("demo");
    let mut store = Store::open_file(&dir.path().join("till.sqlite")).expect("store");
    let products: Vec<Product> = (0..n_items)
        .map(|i| Product {
            sku: format!("SKU{i:06}"),
            name: format!("Item {i}"),
            barcodes: vec![ean13(i)],
            category: format!("Category {}", i % 40),
            price: Decimal::new(50 + (i as i64 * 37) % 5000, 2),
            tax_class: if i % 2 == 0 { "STD" } else { "RED" }.into(),
            unit: Unit::Each,
            age_restriction: None,
        })
        .collect();
    store.replace_catalog(&products, "BENCH", "2026-01-01T00:00:00Z", "bench").expect("catalog");
    let session = Session::with_store(config, store).expect("session");

    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    })))
    .expect("platform");
    let gui = Gui::new(session, false).expect("gui");
    let w = gui.window();
    w.window().set_size(slint::PhysicalSize::new(1024, 768));
    w.show().expect("show");
    w.global::<till_ui::SignInAdapter>().invoke_pin_key("1".into());
    for _ in 0..3 {
        w.global::<till_ui::SignInAdapter>().invoke_pin_key("1".into());
    }
    w.global::<till_ui::SignInAdapter>().invoke_login();
    w.global::<till_ui::SignInAdapter>().invoke_float_key("1".into());
    w.global::<till_ui::SignInAdapter>().invoke_open_shift();
    assert_eq!(w.global::<till_ui::Shell>().get_page(), till_ui::Page::Sale);
    w.window().take_snapshot().expect("first frame");

    let mut times = Vec::with_capacity(scans);
    for i in 0..scans {
        let code = ean13((i as u64 * 7919) % n_items);
        let t = Instant::now();
        for ch in code.chars() {
            let text: slint::SharedString = ch.to_string().into();
            w.window().dispatch_event(slint::platform::WindowEvent::KeyPressed { text });
        }
        w.window()
            .dispatch_event(slint::platform::WindowEvent::KeyPressed { text: slint::platform::Key::Return.into() });
        let frame = w.window().take_snapshot().expect("frame");
        times.push(t.elapsed());
        assert_eq!(frame.width(), 1024);
        if i % 40 == 39 {
            w.global::<till_ui::SaleAdapter>().invoke_cancel_ticket();
        }
    }
    times.sort();
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "scan -> ticket on screen (full 1024x768 software frame), {n_items} items, {scans} scans: p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms (target < 16 ms)",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(*times.last().unwrap_or(&Duration::ZERO))
    );
}
