//! Scan to updated ticket on screen, with a 100,000-item catalog: a wedge-scanned code (digits +
//! Enter) goes through the controller and the session (look-up, pricing), the ticket models are
//! updated, and the frame that shows the new line is rendered by Slint's software renderer at
//! 1024x768. Measured twice, in two processes: as the counter's window draws it (the renderer
//! keeps its buffer and repaints what changed, as on the real screen), and as a whole new frame
//! every time (the worst case). Target: under 16 ms. `cargo bench --bench ui` prints p50 / p99 /
//! max of both.

use rust_decimal::Decimal;
use slint::platform::software_renderer::{MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType};
use slint::ComponentHandle;
use std::rc::Rc;
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

/// A platform with one software-rendered window, as the counter's window is drawn.
struct Bench(Rc<MinimalSoftwareWindow>);

impl slint::platform::Platform for Bench {
    fn create_window_adapter(&self) -> Result<Rc<dyn slint::platform::WindowAdapter>, slint::PlatformError> {
        Ok(self.0.clone())
    }
}

fn main() {
    let full = std::env::var_os("TILL_BENCH_FULL_FRAMES").is_some();
    if !full {
        // The whole-frame figures come from a second process (one platform per process).
        let status = std::process::Command::new(std::env::current_exe().expect("exe"))
            .args(std::env::args().skip(1))
            .env("TILL_BENCH_FULL_FRAMES", "1")
            .status()
            .expect("second run");
        assert!(status.success());
    }
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

    let window =
        MinimalSoftwareWindow::new(if full { RepaintBufferType::NewBuffer } else { RepaintBufferType::ReusedBuffer });
    window.set_size(slint::PhysicalSize::new(1024, 768));
    slint::platform::set_platform(Box::new(Bench(window.clone()))).expect("platform");
    let mut pixels = vec![PremultipliedRgbaColor::default(); 1024 * 768];
    let mut draw = || {
        let mut drawn = false;
        window.draw_if_needed(|r| {
            r.render(&mut pixels, 1024);
            drawn = true;
        });
        drawn
    };
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
    assert!(draw(), "first frame");

    let mut times = Vec::with_capacity(scans);
    let mut handled = Vec::with_capacity(scans);
    for i in 0..scans {
        let code = ean13((i as u64 * 7919) % n_items);
        let t = Instant::now();
        for ch in code.chars() {
            let text: slint::SharedString = ch.to_string().into();
            w.window().dispatch_event(slint::platform::WindowEvent::KeyPressed { text });
        }
        w.window()
            .dispatch_event(slint::platform::WindowEvent::KeyPressed { text: slint::platform::Key::Return.into() });
        handled.push(t.elapsed());
        assert!(draw(), "the new line is drawn");
        times.push(t.elapsed());
        if i % 40 == 39 {
            w.global::<till_ui::SaleAdapter>().invoke_cancel_ticket();
        }
    }
    times.sort();
    handled.sort();
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let h = |p: f64| ms(handled[((handled.len() as f64 - 1.0) * p).round() as usize]);
    println!("  of which the scan handled (keys, session, models): p50 {:.2} ms  p99 {:.2} ms", h(0.5), h(0.99));
    println!(
        "scan -> ticket on screen ({}, 1024x768, software renderer), {n_items} items, {scans} scans: p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms (target < 16 ms)",
        if full { "a whole new frame each time" } else { "as the window repaints it" },
        ms(at(0.5)),
        ms(at(0.99)),
        ms(*times.last().unwrap_or(&Duration::ZERO))
    );
}
