//! Slips for the receipt printer: a cash movement (with a line to sign) and the X and Z
//! reports, laid out for 80 mm (48 columns) or 58 mm (32 columns) paper in the current language.
//! The reports on screen and in CSV use the same labels.

use crate::config::StoreInfo;
use crate::domain::cash::MovementKind;
use crate::domain::report::{DayReport, TenderCount};
use crate::i18n::{I18n, LocaleFormat};
use crate::receipt::{pair, ReceiptLine};
use crate::service::MovementView;
use rust_decimal::Decimal;

/// The message id that names a movement ("Pay-out").
pub fn movement_key(kind: MovementKind) -> &'static str {
    match kind {
        MovementKind::PayIn => "cash-pay-in",
        MovementKind::PayOut => "cash-pay-out",
        MovementKind::SafeDrop => "cash-safe-drop",
        MovementKind::SafeLoan => "cash-safe-loan",
        MovementKind::NoSale => "cash-no-sale",
    }
}

/// The message id that names a tender.
pub fn tender_key(method: &str) -> &'static str {
    match method {
        "card" => "receipt-paid-card",
        "qr" => "receipt-paid-qr",
        _ => "receipt-paid-cash",
    }
}

fn when(f: &LocaleFormat, at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            let local = t.with_timezone(&chrono::Local).naive_local();
            format!("{} {}", f.date(&local), f.time(&local))
        })
        .unwrap_or_else(|_| at.to_string())
}

fn head(store: &StoreInfo, out: &mut Vec<ReceiptLine>) {
    if !store.name.is_empty() {
        out.push(ReceiptLine::Title(store.name.clone()));
    }
    for a in &store.address {
        out.push(ReceiptLine::Title(a.clone()));
    }
    out.push(ReceiptLine::Rule);
}

/// A cash movement's slip: what, how much, why, who and when, and a line to sign.
pub fn movement(
    m: &MovementView,
    terminal: &str,
    store: &StoreInfo,
    i18n: &I18n,
    minor: u32,
    width: usize,
) -> Vec<ReceiptLine> {
    let f = i18n.format();
    let mut out = Vec::new();
    head(store, &mut out);
    out.push(ReceiptLine::Title(i18n.tr(movement_key(m.kind))));
    out.push(ReceiptLine::Text(pair(
        &i18n.tr_args("receipt-terminal", &[("id", terminal.to_string().into())]),
        &when(&f, &m.at),
        width,
    )));
    out.push(ReceiptLine::Text(i18n.tr_args("receipt-cashier", &[("name", m.user.clone().into())])));
    out.push(ReceiptLine::Rule);
    if m.kind != MovementKind::NoSale {
        out.push(ReceiptLine::Title(pair(&i18n.tr("slip-amount"), &f.number(m.amount, minor), width)));
    }
    if !m.reason.is_empty() {
        out.push(ReceiptLine::Text(pair(&i18n.tr("slip-reason"), &m.reason, width)));
    }
    out.push(ReceiptLine::Text(String::new()));
    let sign = i18n.tr("slip-signature");
    out.push(ReceiptLine::Text(format!("{sign} {}", "_".repeat(width.saturating_sub(sign.chars().count() + 1)))));
    fitted(out, width)
}

/// A meter's line: the pump, and its nozzle and grade when the nozzle was read.
pub fn pump_label(i18n: &I18n, p: &crate::domain::fuel::PumpRecon) -> String {
    match (p.nozzle, &p.grade) {
        (Some(n), Some(g)) => i18n.tr_args(
            "report-pump-nozzle",
            &[("pump", i64::from(p.pump).into()), ("nozzle", i64::from(n).into()), ("grade", g.clone().into())],
        ),
        _ => i18n.tr_args("report-pump", &[("pump", i64::from(p.pump).into())]),
    }
}

/// The card terminal's receipt, printed after the till's: its lines as the terminal sent them.
pub fn card_receipt(lines: &[String], i18n: &I18n, width: usize) -> Vec<ReceiptLine> {
    let mut out = vec![ReceiptLine::Title(i18n.tr("slip-card-receipt")), ReceiptLine::Rule];
    out.extend(lines.iter().map(|l| ReceiptLine::Text(l.clone())));
    out.push(ReceiptLine::Rule);
    fitted(out, width)
}

/// Every line cut to the paper's width (a long name or label never wraps onto the next line).
fn fitted(lines: Vec<ReceiptLine>, width: usize) -> Vec<ReceiptLine> {
    lines
        .into_iter()
        .map(|l| match l {
            ReceiptLine::Text(t) if t.chars().count() > width => ReceiptLine::Text(t.chars().take(width).collect()),
            other => other,
        })
        .collect()
}

/// An X or Z report on paper: every section of the report, in the order of the screen.
pub fn report(r: &DayReport, store: &StoreInfo, i18n: &I18n, minor: u32, width: usize, copy: bool) -> Vec<ReceiptLine> {
    let f = i18n.format();
    let money = |v: Decimal| f.number(v, minor);
    let litres = |v: Decimal| f.number(v, 2);
    let mut out = Vec::new();
    head(store, &mut out);
    let title = match r.z_no {
        Some(n) => i18n.tr_args("report-z-title", &[("number", n.into())]),
        None => i18n.tr("report-x-title"),
    };
    out.push(ReceiptLine::Title(title));
    if copy {
        out.push(ReceiptLine::Title(i18n.tr("slip-copy")));
    }
    out.push(ReceiptLine::Text(pair(
        &i18n.tr_args("receipt-terminal", &[("id", r.terminal_id.clone().into())]),
        &when(&f, &r.at),
        width,
    )));
    if let Some(u) = &r.user {
        out.push(ReceiptLine::Text(i18n.tr_args("receipt-cashier", &[("name", u.clone().into())])));
    }
    let row =
        |out: &mut Vec<ReceiptLine>, key: &str, v: String| out.push(ReceiptLine::Text(pair(&i18n.tr(key), &v, width)));
    let section = |out: &mut Vec<ReceiptLine>, key: &str| {
        out.push(ReceiptLine::Rule);
        out.push(ReceiptLine::Text(i18n.tr(key).to_uppercase()));
    };
    section(&mut out, "report-receipts");
    let range = match (r.receipts.first, r.receipts.last) {
        (Some(a), Some(b)) => format!("{a}–{b}"),
        _ => "–".into(),
    };
    row(&mut out, "report-receipt-range", range);
    row(&mut out, "report-sales-count", r.receipts.sales.to_string());
    row(&mut out, "report-refunds-count", r.receipts.refunds.to_string());
    section(&mut out, "report-totals");
    row(&mut out, "report-sales", money(r.totals.sales));
    row(&mut out, "report-refunds", money(r.totals.refunds));
    row(&mut out, "report-net", money(r.totals.net));
    row(&mut out, "report-tax", money(r.totals.tax));
    section(&mut out, "report-taxes");
    for t in &r.taxes {
        out.push(ReceiptLine::Text(pair(&format!("{} {}", i18n.term("tax", &t.name), t.rate), &money(t.gross), width)));
        out.push(ReceiptLine::Text(pair(&format!("  {}", i18n.tr("report-net")), &money(t.net), width)));
        out.push(ReceiptLine::Text(pair(&format!("  {}", i18n.tr("report-tax")), &money(t.tax), width)));
    }
    if !r.tenders.is_empty() {
        section(&mut out, "report-tenders");
        for t in &r.tenders {
            out.push(ReceiptLine::Text(pair(&i18n.tr(tender_key(&t.method)), &money(t.net), width)));
        }
    }
    section(&mut out, "report-categories");
    for c in &r.categories {
        out.push(ReceiptLine::Text(pair(&format!("{} ({})", c.name, c.count), &money(c.amount), width)));
    }
    if !r.grades.is_empty() {
        section(&mut out, "report-grades");
        for g in &r.grades {
            out.push(ReceiptLine::Text(pair(&g.name, &money(g.amount), width)));
            out.push(ReceiptLine::Text(format!("  {} l", litres(g.litres))));
        }
    }
    section(&mut out, "report-exceptions");
    row(&mut out, "report-discounts", format!("{} · {}", r.discounts.count, money(r.discounts.amount)));
    row(&mut out, "report-voids", format!("{} · {}", r.voids.count, money(r.voids.amount)));
    row(&mut out, "report-overrides", r.overrides.to_string());
    row(&mut out, "report-cancelled", r.cancelled_tickets.to_string());
    row(
        &mut out,
        "report-drive-offs",
        format!("{} · {} l · {}", r.drive_offs.count, litres(r.drive_offs.litres), money(r.drive_offs.amount)),
    );
    row(&mut out, "report-pump-tests", format!("{} · {} l", r.pump_tests.count, litres(r.pump_tests.litres)));
    section(&mut out, "report-movements");
    for m in &r.movements {
        out.push(ReceiptLine::Text(pair(
            &format!("{} ({})", i18n.tr(movement_key(m.kind)), m.count),
            &money(m.amount),
            width,
        )));
    }
    section(&mut out, "report-drawers");
    for d in &r.drawers {
        out.push(ReceiptLine::Text(pair(&d.user, &when(&f, &d.opened_at), width)));
        row(&mut out, "report-float", money(d.float));
        tender_rows(&mut out, &d.tenders, i18n, &money, width);
        if let Some(a) = &d.approved_by {
            out.push(ReceiptLine::Text(i18n.tr_args("report-approved-by", &[("name", a.clone().into())])));
        }
    }
    if !r.over_short.is_empty() {
        section(&mut out, "report-over-short");
        tender_rows(&mut out, &r.over_short, i18n, &money, width);
    }
    if let Some(fuel) = &r.fuel {
        section(&mut out, "report-fuel-pumps");
        for p in &fuel.pumps {
            let label = pump_label(i18n, p);
            out.push(ReceiptLine::Text(pair(&label, &format!("{} l", litres(p.variance)), width)));
        }
        section(&mut out, "report-fuel-tanks");
        for t in &fuel.tanks {
            let tanks = t.tanks.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ");
            let label = i18n.tr_args("report-tank-line", &[("grade", t.grade.clone().into()), ("tanks", tanks.into())]);
            let pct = t.percent.map(|p| format!(" {}%", f.number(p, 2))).unwrap_or_default();
            let mark = if t.status == "ok" { "" } else { " !" };
            out.push(ReceiptLine::Text(pair(&label, &format!("{} l{pct}{mark}", litres(t.variance)), width)));
        }
    }
    if !r.card_terminal.is_empty() {
        section(&mut out, "report-card-terminal");
        for c in &r.card_terminal {
            row(&mut out, "report-card-terminal-total", money(c.terminal));
            row(&mut out, "report-card-till-total", money(c.till));
            row(&mut out, "report-difference", money(c.difference));
        }
    }
    fitted(out, width)
}

fn tender_rows(
    out: &mut Vec<ReceiptLine>,
    tenders: &[TenderCount],
    i18n: &I18n,
    money: &dyn Fn(Decimal) -> String,
    width: usize,
) {
    for t in tenders {
        out.push(ReceiptLine::Text(format!("  {}", i18n.tr(tender_key(&t.method)))));
        out.push(ReceiptLine::Text(pair(&format!("    {}", i18n.tr("report-expected")), &money(t.expected), width)));
        if let (Some(c), Some(d)) = (t.counted, t.difference) {
            out.push(ReceiptLine::Text(pair(&format!("    {}", i18n.tr("report-counted")), &money(c), width)));
            out.push(ReceiptLine::Text(pair(&format!("    {}", i18n.tr("report-difference")), &money(d), width)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::{Figures, FuelSetup, ReportHead};

    #[test]
    fn slips_fit_80_and_58_mm_paper_in_every_language() {
        let config = crate::config::Config::demo().expect("demo");
        let mut i18n = I18n::new().expect("locales");
        let mut f = Figures { sales: (3, 123456), refunds: (1, -219), tax_minor: 1971, ..Figures::default() };
        f.taxes = vec![("VAT".into(), "19%".into(), 1971)];
        f.payments = vec![("cash".into(), 100000, -219), ("card".into(), 23456, 0)];
        f.movements = vec![(MovementKind::PayOut, 1, 350), (MovementKind::SafeDrop, 2, 50000)];
        let head = ReportHead {
            kind: "z".into(),
            z_no: Some(12),
            terminal_id: "DEMO-01".into(),
            at: "2026-12-03T22:00:00Z".into(),
            user: None,
        };
        let setup = FuelSetup { tanks: &[], warn: Decimal::new(5, 1), alarm: Decimal::ONE };
        let rep = DayReport::build(head, &f, &config.pricing, &config.fuel_grades, &setup);
        let m = MovementView {
            id: 1,
            kind: MovementKind::PayOut,
            amount: Decimal::new(350, 2),
            reason: "Supplier delivery".into(),
            at: "2026-12-03T10:00:00Z".into(),
            user: "Demo Manager".into(),
        };
        for (code, _) in crate::i18n::LANGUAGES {
            i18n.set_language(code);
            for width in [crate::receipt::WIDTH_80MM, crate::receipt::WIDTH_58MM] {
                let lines = [
                    report(&rep, &config.store, &i18n, 2, width, true),
                    movement(&m, "DEMO-01", &config.store, &i18n, 2, width),
                    card_receipt(&["CARD PAYMENT".into(), "x".repeat(60)], &i18n, width),
                ];
                for l in lines.iter().flatten() {
                    let t = l.text(width);
                    assert!(t.chars().count() <= width, "{code} at {width}: '{t}' is {} wide", t.chars().count());
                }
            }
        }
    }
}
