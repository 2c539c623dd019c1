//! Hot paths of the counter: a scan against a large catalog, and re-pricing a long ticket.
//! Targets: look-up under 10 µs in a 100,000-item catalog; 200-line recompute under 100 µs.

use criterion::{criterion_group, criterion_main, Criterion};
use rust_decimal::Decimal;
use serde_json::json;
use std::hint::black_box;
use std::time::{Duration, Instant};
use till::config::Config;
use till::domain::barcode::gs1_check_digit;
use till::domain::catalog::{Catalog, Product, Unit};
use till::domain::ticket::{Discount, Line, Ticket};
use till::service::{Command, Session};

fn ean13(n: u64) -> String {
    let body = format!("40{:010}", n);
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    format!("{body}{}", gs1_check_digit(&digits))
}

fn big_catalog(n: u64) -> (Catalog, Vec<String>) {
    let classes = ["STD", "RED"];
    let products: Vec<Product> = (0..n)
        .map(|i| Product {
            sku: format!("SKU{i:06}"),
            name: format!("Item {i}"),
            barcodes: vec![ean13(i * 7919 % 10_000_000_000)],
            category: format!("Cat {}", i % 40),
            price: Decimal::new(50 + (i as i64 * 37) % 5000, 2),
            tax_class: classes[(i % 2) as usize].into(),
            unit: Unit::Each,
            age_restriction: None,
        })
        .collect();
    let codes = products.iter().step_by(97).map(|p| p.barcodes[0].clone()).collect();
    (Catalog::new(products, vec![]), codes)
}

fn bench(c: &mut Criterion) {
    let cfg = Config::demo().expect("demo config");
    let (catalog, codes) = big_catalog(100_000);
    let mut i = 0;
    c.bench_function("scan lookup, 100k-item catalog", |b| {
        b.iter(|| {
            i = (i + 1) % codes.len();
            black_box(catalog.scan(black_box(&codes[i])).is_ok())
        })
    });

    let mut ticket = Ticket::default();
    for (n, p) in catalog.products().iter().take(200).enumerate() {
        let mut line = Line::shop(p, Decimal::from(1 + n as i64 % 3)).expect("line");
        if n % 10 == 0 {
            line.discount = Some(Discount::Percent(Decimal::from(5)));
        }
        ticket.lines.push(line);
    }
    ticket.discount = Some(Discount::Percent(Decimal::from(3)));
    c.bench_function("recompute totals, 200-line ticket", |b| {
        b.iter(|| black_box(ticket.totals(black_box(&cfg.pricing)).is_ok()))
    });

    // A four-line sale tendered in cash and committed with fsync; only the tender is timed.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut session = Session::open(Config::demo().expect("demo"), dir.path()).expect("session");
    let cmd = |v: serde_json::Value| -> Command { serde_json::from_value(v).expect("command") };
    session.execute(cmd(json!({"cmd":"login","pin":"1111"}))).expect("login");
    session.execute(cmd(json!({"cmd":"open_shift","float":"100.00"}))).expect("shift");
    c.bench_function("durable sale completion (tender + commit)", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                for code in ["4006381333931", "90162602", "4006381333931"] {
                    session.execute(cmd(json!({"cmd":"scan","code":code}))).expect("scan");
                }
                session.execute(cmd(json!({"cmd":"add","sku":"BEV-0001","qty":"2"}))).expect("add");
                let tender = cmd(json!({"cmd":"tender","method":"cash","amount":"50.00"}));
                let t = Instant::now();
                black_box(session.execute(tender).expect("tender"));
                spent += t.elapsed();
                session.idle();
            }
            spent
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
