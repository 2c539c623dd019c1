//! The receipt layout: one function turns a stored sale into the lines of a receipt of a given
//! width. The on-screen preview shows these lines; the printer (issue 6) prints the same lines.

use crate::config::StoreInfo;
use crate::domain::record::SaleRecord;
use crate::i18n::{I18n, LocaleFormat};
use rust_decimal::Decimal;

/// Paper widths in characters: 80 mm paper holds 48 columns, 58 mm holds 32.
pub const WIDTH_80MM: usize = 48;
pub const WIDTH_58MM: usize = 32;

/// One line of a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptLine {
    /// Plain text, at most the receipt width.
    Text(String),
    /// Centred, emphasised text (store name, total).
    Title(String),
    /// A full-width rule.
    Rule,
    /// A QR code with this payload (printed as a code, previewed as its text).
    Qr(String),
}

impl ReceiptLine {
    /// The line as plain text of the receipt's width (for previews and text printers).
    pub fn text(&self, width: usize) -> String {
        match self {
            ReceiptLine::Text(t) => t.clone(),
            ReceiptLine::Title(t) => centre(t, width),
            ReceiptLine::Rule => "-".repeat(width),
            ReceiptLine::Qr(p) => centre(&format!("[QR {p}]"), width),
        }
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn centre(s: &str, width: usize) -> String {
    let n = chars(s);
    if n >= width {
        return s.chars().take(width).collect();
    }
    format!("{}{}", " ".repeat((width - n) / 2), s)
}

/// `left` and `right` on one line, right-aligned; the left side is cut to fit.
pub(crate) fn pair(left: &str, right: &str, width: usize) -> String {
    let r = chars(right);
    let room = width.saturating_sub(r + 1);
    let l: String = left.chars().take(room).collect();
    let pad = width.saturating_sub(chars(&l) + r);
    format!("{l}{}{right}", " ".repeat(pad))
}

/// The QR payload that identifies a receipt for refunds: terminal and receipt number.
pub fn qr_payload(rec: &SaleRecord) -> String {
    format!("TILL:{}:{}", rec.terminal_id, rec.receipt_no)
}

/// Lays out a completed sale for a receipt `width` characters wide, in the current language.
pub fn layout(
    rec: &SaleRecord,
    store: &StoreInfo,
    i18n: &I18n,
    currency: &crate::domain::money::Currency,
    width: usize,
) -> Vec<ReceiptLine> {
    let f: LocaleFormat = i18n.format();
    let money = |v: Decimal| f.number(v, currency.minor_units);
    let mut out = Vec::new();
    if !store.name.is_empty() {
        out.push(ReceiptLine::Title(store.name.clone()));
    }
    for a in &store.address {
        out.push(ReceiptLine::Title(a.clone()));
    }
    if !store.tax_id.is_empty() {
        out.push(ReceiptLine::Title(i18n.tr_args("receipt-tax-id", &[("id", store.tax_id.clone().into())])));
    }
    out.push(ReceiptLine::Rule);
    let number = match rec.refund_of {
        Some(of) => i18n.tr_args("receipt-refund-no", &[("no", rec.receipt_no.into()), ("of", of.into())]),
        None => i18n.tr_args("receipt-no", &[("no", rec.receipt_no.into())]),
    };
    let when = chrono::DateTime::parse_from_rfc3339(&rec.at)
        .map(|t| {
            let local = t.with_timezone(&chrono::Local).naive_local();
            format!("{} {}", f.date(&local), f.time(&local))
        })
        .unwrap_or_else(|_| rec.at.clone());
    out.push(ReceiptLine::Text(pair(&number, &when, width)));
    out.push(ReceiptLine::Text(pair(
        &i18n.tr_args("receipt-cashier", &[("name", rec.user.clone().into())]),
        &i18n.tr_args("receipt-terminal", &[("id", rec.terminal_id.clone().into())]),
        width,
    )));
    out.push(ReceiptLine::Rule);
    for l in &rec.lines {
        let amount = if l.voided { i18n.tr("receipt-voided") } else { money(l.amount) };
        out.push(ReceiptLine::Text(pair(&l.name, &amount, width)));
        let qty = f.number(l.qty, l.qty.scale());
        let unit = if l.unit == "each" { String::new() } else { format!(" {}", l.unit) };
        let detail =
            format!("  {qty}{unit} x {}", f.number(l.unit_price, l.unit_price.scale().max(currency.minor_units)));
        if l.qty != Decimal::ONE || l.unit != "each" {
            out.push(ReceiptLine::Text(detail));
        }
        if !l.discount.is_zero() {
            out.push(ReceiptLine::Text(pair(
                &format!("  {}", i18n.tr("receipt-line-discount")),
                &format!("-{}", money(l.discount)),
                width,
            )));
        }
    }
    out.push(ReceiptLine::Rule);
    out.push(ReceiptLine::Text(pair(&i18n.tr("receipt-subtotal"), &money(rec.subtotal), width)));
    if !rec.discount.is_zero() {
        out.push(ReceiptLine::Text(pair(&i18n.tr("receipt-discount"), &format!("-{}", money(rec.discount)), width)));
    }
    let inclusive = rec.total == rec.subtotal - rec.discount;
    if !inclusive {
        for t in &rec.tax {
            out.push(ReceiptLine::Text(pair(
                &format!("{} {}", i18n.term("tax", &t.name), t.rate),
                &money(t.amount),
                width,
            )));
        }
    }
    out.push(ReceiptLine::Title(pair(
        &i18n.tr("receipt-total"),
        &format!("{} {}", currency.code, money(rec.total)),
        width,
    )));
    if inclusive && !rec.tax.is_empty() {
        out.push(ReceiptLine::Text(i18n.tr("receipt-tax-title")));
        for t in &rec.tax {
            out.push(ReceiptLine::Text(pair(
                &format!("  {} {}", i18n.term("tax", &t.name), t.rate),
                &money(t.amount),
                width,
            )));
        }
    }
    out.push(ReceiptLine::Rule);
    for p in &rec.payments {
        let label = i18n.tr(crate::slip::tender_key(&p.method));
        out.push(ReceiptLine::Text(pair(&label, &money(p.amount), width)));
        // What the card terminal returned: card and masked number, the terminal's receipt and
        // trace numbers, the authorization code (never more of the number than it masked).
        if let Some(c) = &p.card {
            let card = [c.card_name.as_deref(), c.pan.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
            if !card.is_empty() {
                out.push(ReceiptLine::Text(format!("  {card}")));
            }
            // A wallet payment has the provider's reference, not a terminal's numbers.
            let numbers = if p.method == "qr" {
                i18n.tr_args("receipt-qr-ref", &[("ref", c.auth_code.clone().unwrap_or_default().into())])
            } else {
                i18n.tr_args(
                    "receipt-card-numbers",
                    &[
                        ("receipt", c.terminal_receipt.unwrap_or_default().into()),
                        ("trace", c.trace.unwrap_or_default().into()),
                        ("auth", c.auth_code.clone().unwrap_or_default().into()),
                    ],
                )
            };
            out.push(ReceiptLine::Text(format!("  {numbers}")));
        }
    }
    if !rec.cash_rounding.is_zero() {
        out.push(ReceiptLine::Text(pair(&i18n.tr("receipt-rounding"), &money(rec.cash_rounding), width)));
    }
    if !rec.change.is_zero() {
        out.push(ReceiptLine::Text(pair(&i18n.tr("receipt-change"), &money(rec.change), width)));
    }
    out.push(ReceiptLine::Rule);
    out.push(ReceiptLine::Qr(qr_payload(rec)));
    out.push(ReceiptLine::Title(i18n.tr("receipt-thanks")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;
    use crate::domain::record::{LineRecord, PaymentRecord, TaxRecord};
    use rust_decimal_macros::dec;

    fn sale() -> SaleRecord {
        let line = |n: usize, name: &str, qty: Decimal, price: Decimal, amount: Decimal, voided: bool| LineRecord {
            line: n,
            kind: "shop".into(),
            sku: format!("S{n}"),
            name: name.into(),
            unit: "each".into(),
            qty,
            unit_price: price,
            tax_class: "STD".into(),
            discount: dec!(0.00),
            amount,
            ticket_discount: dec!(0.00),
            voided,
            refund_of_line: None,
            pump: None,
        };
        SaleRecord {
            event_id: "e".into(),
            receipt_no: 42,
            kind: "sale".into(),
            refund_of: None,
            terminal_id: "DEMO-01".into(),
            at: "2026-11-24T12:00:00Z".into(),
            user: "Ann".into(),
            currency: "EUR".into(),
            lines: vec![
                line(
                    1,
                    "A very long product name that will not fit on a receipt line",
                    dec!(2),
                    dec!(2.19),
                    dec!(4.38),
                    false,
                ),
                line(2, "Cola", dec!(1), dec!(1.89), dec!(0.00), true),
            ],
            subtotal: dec!(4.38),
            discount: dec!(0.00),
            tax: vec![TaxRecord { name: "VAT".into(), rate: "19%".into(), amount: dec!(0.70) }],
            tax_total: dec!(0.70),
            total: dec!(4.38),
            cash_rounding: dec!(0.00),
            payments: vec![PaymentRecord { method: "cash".into(), amount: dec!(10.00), card: None }],
            paid: dec!(10.00),
            change: dec!(5.62),
        }
    }

    #[test]
    fn every_line_fits_the_paper_and_carries_the_sale() {
        let i18n = I18n::new().unwrap();
        let store = StoreInfo { name: "Demo".into(), address: vec!["Street 1".into()], tax_id: "DE1".into() };
        let eur = Currency { code: "EUR".into(), minor_units: 2, cash_increment: None };
        for width in [WIDTH_80MM, WIDTH_58MM] {
            let lines: Vec<String> =
                layout(&sale(), &store, &i18n, &eur, width).iter().map(|l| l.text(width)).collect();
            for l in &lines {
                assert!(l.chars().count() <= width, "{width}: '{l}'");
            }
            let all = lines.join("\n");
            for needle in
                ["Receipt 42", "4.38", "VOID", "VAT 19%", "0.70", "Change", "5.62", "TILL:DEMO-01:42", "EUR 4.38"]
            {
                assert!(all.contains(needle), "{width}: no '{needle}' in\n{all}");
            }
        }
    }
}
