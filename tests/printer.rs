//! The receipt printer over a pty against the simulated ESC/POS printer: a completed sale prints
//! a receipt with every line, the tax summary, the total and the QR payload; cash opens the drawer
//! with `1B 70 00 19 FA`; paper out puts the receipt in the reprint queue, and after the paper is
//! loaded it prints once.

use serde_json::json;
use serialport::{SerialPort, TTYPort};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use till::config::Config;
use till::devices::printer::{receipt_job, PrintResult, Printer};
use till::i18n::I18n;
use till::service::{Command, Session};
use till_hardware::escpos::{Printed, SimPrinter};

fn cmd(v: serde_json::Value) -> Command {
    serde_json::from_value(v).unwrap()
}

#[test]
fn receipts_print_the_drawer_kicks_and_paper_out_is_queued_then_reprinted_once() {
    let (mut sim_end, mut till_end) = TTYPort::pair().unwrap();
    sim_end.set_timeout(Duration::from_millis(2)).unwrap();
    till_end.set_timeout(Duration::from_millis(5)).unwrap();
    let printer_sim = Arc::new(Mutex::new(SimPrinter::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (p, s) = (printer_sim.clone(), stop.clone());
    let sim = std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while !s.load(Ordering::SeqCst) {
            let n = std::io::Read::read(&mut sim_end, &mut buf).unwrap_or(0);
            if n > 0 {
                let answer = p.lock().unwrap().on_bytes(&buf[..n]);
                if !answer.is_empty() {
                    std::io::Write::write_all(&mut sim_end, &answer).unwrap();
                }
            }
        }
    });
    let printer = Printer::start(till_end);

    let config = Config::demo().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::open(config.clone(), dir.path()).unwrap();
    for c in [
        json!({"cmd":"login","pin":"1111"}),
        json!({"cmd":"open_shift","float":"100.00"}),
        json!({"cmd":"add","sku":"BEV-0001","qty":"2"}),
        json!({"cmd":"scan","code":"4006381333931"}),
    ] {
        session.execute(cmd(c)).unwrap();
    }
    let sale = session.execute(cmd(json!({"cmd":"tender","method":"cash","amount":"10.00"}))).unwrap().sale.unwrap();
    let i18n = I18n::new().unwrap();
    let job = receipt_job(&sale, &config.store, &i18n, &config.pricing.currency, 48, true);
    assert_eq!(printer.print(job.bytes().to_vec()), PrintResult::Printed);
    {
        let p = printer_sim.lock().unwrap();
        let text = p.text().join("\n");
        for needle in [
            "Till Demo Station",
            "Cola 0.5 l PET",
            "STABILO point 88 fineliner",
            "VAT 19%",
            "TOTAL",
            "EUR 5.67",
            "Change",
            "4.33",
        ] {
            assert!(text.contains(needle), "'{needle}' not on the receipt:\n{text}");
        }
        assert!(p.out.contains(&Printed::Qr(format!("TILL:DEMO-01:{}", sale.receipt_no))));
        assert!(p.out.contains(&Printed::Cut));
        assert_eq!(
            p.out.last(),
            Some(&Printed::DrawerKick { pin: 0, on_ms: 50, off_ms: 500 }),
            "cash opens the drawer"
        );
    }

    // Paper out: the printer says so, the receipt is queued (the sale is stored regardless).
    printer_sim.lock().unwrap().paper_out = true;
    printer_sim.lock().unwrap().out.clear();
    let second = {
        session.execute(cmd(json!({"cmd":"add","sku":"BEV-0002"}))).unwrap();
        session.execute(cmd(json!({"cmd":"tender","method":"card"}))).unwrap().sale.unwrap()
    };
    let job = receipt_job(&second, &config.store, &i18n, &config.pricing.currency, 48, false);
    let result = printer.print(job.bytes().to_vec());
    assert_eq!(result, PrintResult::Failed("paper_out".into()));
    let queued = session
        .execute(cmd(json!({"cmd":"queue_reprint","receipt_no":second.receipt_no,"reason":"paper_out"})))
        .unwrap()
        .reprints
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert!(printer_sim.lock().unwrap().text().is_empty(), "nothing printed without paper");

    // Paper loaded: the queue prints, once.
    printer_sim.lock().unwrap().paper_out = false;
    for r in session.execute(cmd(json!({"cmd":"reprints"}))).unwrap().reprints.unwrap() {
        let job = receipt_job(&r.sale, &config.store, &i18n, &config.pricing.currency, 48, false);
        assert_eq!(printer.print(job.bytes().to_vec()), PrintResult::Printed);
        session.execute(cmd(json!({"cmd":"reprinted","id":r.id}))).unwrap();
    }
    assert!(session.execute(cmd(json!({"cmd":"reprints"}))).unwrap().reprints.unwrap().is_empty());
    let p = printer_sim.lock().unwrap();
    let receipt_line = format!("Receipt {}", second.receipt_no);
    assert_eq!(p.text().iter().filter(|l| l.starts_with(&receipt_line)).count(), 1, "printed once");
    drop(p);
    stop.store(true, Ordering::SeqCst);
    sim.join().unwrap();
}

#[test]
fn printers_on_tcp_port_9100_and_files() {
    use std::io::{Read, Write};
    // A network printer: a real TCP server on loopback that speaks ESC/POS.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let printed = Arc::new(Mutex::new(SimPrinter::new()));
    let p = printed.clone();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut buf = [0u8; 512];
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                return;
            }
            let answer = p.lock().unwrap().on_bytes(&buf[..n]);
            if !answer.is_empty() {
                stream.write_all(&answer).unwrap();
            }
        }
    });
    let printer = Printer::open(&format!("tcp://{addr}"));
    let job = till_hardware::escpos::Job::new().line("over TCP").cut();
    assert_eq!(printer.print(job.bytes().to_vec()), PrintResult::Printed);
    assert_eq!(printed.lock().unwrap().text(), ["over TCP"]);

    // A file: the bytes are appended; there is nobody to confirm.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("receipts.bin");
    let printer = Printer::open(&format!("file://{}", path.display()));
    assert_eq!(printer.print(job.bytes().to_vec()), PrintResult::Printed);
    assert_eq!(printer.print(job.bytes().to_vec()), PrintResult::Printed);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 2 * job.bytes().len());
    // A printer that is not there: the job fails as "offline" and the printer shows offline.
    let missing = Printer::open("/dev/nonexistent-printer");
    assert_eq!(missing.print(job.bytes().to_vec()), PrintResult::Failed("offline".into()));
    assert!(!missing.health.get().online);
}

#[test]
fn devanagari_receipt_text_prints_as_raster_images_from_the_ui_fonts() {
    let config = Config::demo().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::open(config.clone(), dir.path()).unwrap();
    for c in [
        json!({"cmd":"login","pin":"1111"}),
        json!({"cmd":"open_shift","float":"0"}),
        json!({"cmd":"add","sku":"BEV-0001","qty":"2"}),
    ] {
        session.execute(cmd(c)).unwrap();
    }
    let sale = session.execute(cmd(json!({"cmd":"tender","method":"cash","amount":"10.00"}))).unwrap().sale.unwrap();
    let mut i18n = I18n::new().unwrap();
    assert!(i18n.set_language("hi-IN"));
    let layout = till::receipt::layout(&sale, &config.store, &i18n, &config.pricing.currency, 48);
    let devanagari = layout
        .iter()
        .filter(|l| match l {
            till::receipt::ReceiptLine::Text(t) | till::receipt::ReceiptLine::Title(t) => {
                !till_hardware::escpos::fits_code_page(t)
            }
            _ => false,
        })
        .count();
    assert!(devanagari > 3, "the hi-IN receipt has Devanagari lines");

    let job = receipt_job(&sale, &config.store, &i18n, &config.pricing.currency, 48, false);
    // Kept for looking at (`target/screenshots/receipt-hi-IN.escpos`).
    if std::fs::create_dir_all("../target/screenshots").is_ok() {
        let _ = std::fs::write("../target/screenshots/receipt-hi-IN.escpos", job.bytes());
    }
    let mut p = SimPrinter::new();
    p.on_bytes(job.bytes());
    // Nothing comes out as '?': what the code page cannot show is an image, 576 dots wide
    // (80 mm), with ink in it; what it can show (the item name, the QR payload) is still text.
    assert!(p.text().iter().all(|l| !l.contains('?')), "{:?}", p.text());
    let images: Vec<_> = p
        .out
        .iter()
        .filter_map(|e| match e {
            Printed::Image { width, height, black } => Some((*width, *height, *black)),
            _ => None,
        })
        .collect();
    assert!(!images.is_empty());
    assert!(images.iter().all(|(w, h, black)| *w <= 576 && *h > 0 && *black > 0), "{images:?}");
    assert!(images.iter().any(|(w, _, _)| *w == 576));
    assert!(p.out.iter().any(|e| matches!(e, Printed::Qr(q) if q.contains(&sale.receipt_no.to_string()))));
    assert!(p.out.contains(&Printed::Cut));

    // The same sale in English needs no image at all.
    let en = I18n::new().unwrap();
    let job = receipt_job(&sale, &config.store, &en, &config.pricing.currency, 48, false);
    let mut p = SimPrinter::new();
    p.on_bytes(job.bytes());
    assert!(!p.out.iter().any(|e| matches!(e, Printed::Image { .. })));
}
