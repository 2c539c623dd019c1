//! Pure helpers that turn records into what the screens show.

use crate::domain::catalog::Unit;
use crate::domain::money::Currency;
use crate::domain::record::TicketRecord;
use crate::i18n::{I18n, LocaleFormat};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use till_ui::{ChipState, TicketLine};

/// The latest birth date of a customer who is at least `age` years old today.
pub fn born_on_or_before(today: NaiveDate, age: u8) -> NaiveDate {
    let year = today.year() - i32::from(age);
    today
        .with_year(year)
        // 29 February in a year without one: born on 28 February is just old enough.
        .or_else(|| NaiveDate::from_ymd_opt(year, today.month(), 28))
        .unwrap_or(today)
}

/// A payment's method as the screens name it.
pub fn method_label(i18n: &I18n, method: &str) -> String {
    i18n.tr(if method == "cash" { "tender-cash" } else { "tender-card" })
}

/// A percentage as the language writes numbers (91,32 in German), without trailing zeros.
pub fn percent(i18n: &I18n, v: &Decimal) -> String {
    i18n.format().number(*v, v.normalize().scale())
}

/// A date that cannot be misread at any station: the day, the month's name in the language,
/// the year ("1 December 2008", "1. Dezember 2008"); used for the age check.
pub fn long_date(i18n: &I18n, date: NaiveDate) -> String {
    let month = i18n.tr(&format!("month-{}", date.month()));
    i18n.tr_args("date-long", &[("day", date.day().into()), ("month", month.into()), ("year", date.year().into())])
}

/// An RFC 3339 time from the store as local wall-clock time.
pub fn local_time(rfc3339: &str) -> Option<NaiveDateTime> {
    chrono::DateTime::parse_from_rfc3339(rfc3339).ok().map(|t| t.with_timezone(&chrono::Local).naive_local())
}

/// A tile's price: per piece, or per kg / litre.
pub fn unit_price(f: &LocaleFormat, price: Decimal, unit: Unit, cur: &Currency) -> String {
    match unit {
        Unit::Each => f.money(price, cur),
        other => format!("{}/{}", f.money(price, cur), other.as_str()),
    }
}

pub fn ticket_lines(f: &LocaleFormat, cur: &Currency, t: &TicketRecord) -> Vec<TicketLine> {
    t.lines
        .iter()
        .map(|l| {
            let qty = f.number(l.qty, l.qty.scale());
            // Units as a price tag writes them: "2 × 1.19", "0.755 kg × 2.99/kg", "45.00 l × 1.659/l".
            let unit = match l.unit.as_str() {
                "each" => "",
                "litre" | "l" => "l",
                other => other,
            };
            let price_dp = l.unit_price.scale().max(cur.minor_units);
            let price = f.number(l.unit_price, price_dp);
            let detail =
                if unit.is_empty() { format!("{qty} × {price}") } else { format!("{qty} {unit} × {price}/{unit}") };
            TicketLine {
                no: l.line as i32,
                name: l.name.clone().into(),
                detail: detail.into(),
                discount: if l.discount.is_zero() { "".into() } else { f.money(l.discount, cur).into() },
                amount: f.money(l.amount, cur).into(),
                voided: l.voided,
            }
        })
        .collect()
}

/// Bank notes of a currency, smallest first.
fn notes(code: &str) -> &'static [i64] {
    match code {
        "USD" => &[1, 5, 10, 20, 50, 100],
        "GBP" => &[5, 10, 20, 50],
        "INR" => &[10, 20, 50, 100, 200, 500],
        "IDR" => &[1000, 2000, 5000, 10000, 20000, 50000, 100000],
        "KWD" => &[1, 5, 10, 20],
        _ => &[5, 10, 20, 50, 100, 200],
    }
}

/// Quick-cash amounts for what is due: the notes that cover it, at most five, and when even
/// the largest does not, multiples of it.
pub fn quick_cash(code: &str, due: Decimal) -> Vec<Decimal> {
    let notes = notes(code);
    let mut out: Vec<Decimal> = notes.iter().map(|&n| Decimal::from(n)).filter(|n| *n > due).take(5).collect();
    if out.is_empty() {
        if let Some(&largest) = notes.last() {
            let largest = Decimal::from(largest);
            let mut v = (due / largest).ceil() * largest;
            if v == due {
                v += largest;
            }
            out.push(v);
            out.push(v + largest);
        }
    }
    out
}

/// A chip's or a device's state from its level: 0 not attached, 1 ready, 2 a warning, 3 failing.
pub fn chip(level: i32) -> ChipState {
    match level {
        i32::MIN..=0 => ChipState::Off,
        1 => ChipState::Ok,
        2 => ChipState::Warn,
        _ => ChipState::Bad,
    }
}

/// The message for a weighing that gave no weight.
pub fn weigh_error_key(e: &crate::devices::scale::WeighError) -> &'static str {
    use crate::devices::scale::WeighError as W;
    match e {
        W::Overload => "scale-overload",
        W::Underload => "scale-underload",
        W::NotStable => "scale-unstable",
        W::Unit(_) => "scale-unit",
        W::NoAnswer | W::Device(_) => "scale-no-answer",
    }
}

/// The printer's state in words and as a chip state (1 ready, 2 ready with the drawer open, 3 not
/// ready or offline).
pub fn printer_status(i18n: &I18n, st: &crate::devices::link::Status) -> (String, i32) {
    let mut text = i18n.tr(&format!("printer-{}", st.detail));
    if st.drawer_open {
        text = format!("{text} · {}", i18n.tr("printer-drawer-open"));
    }
    let state = if !st.online || st.detail != "ready" {
        3
    } else if st.drawer_open {
        2
    } else {
        1
    };
    (text, state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn just_old_enough_birth_dates() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(born_on_or_before(d(2026, 11, 24), 18), d(2008, 11, 24));
        assert_eq!(born_on_or_before(d(2028, 2, 29), 18), d(2010, 2, 28));
        assert_eq!(born_on_or_before(d(2026, 1, 1), 16), d(2010, 1, 1));
    }

    #[test]
    fn quick_cash_offers_notes_that_cover_the_due() {
        assert_eq!(quick_cash("EUR", dec!(13.47)), vec![dec!(20), dec!(50), dec!(100), dec!(200)]);
        assert_eq!(quick_cash("EUR", dec!(4.99)), vec![dec!(5), dec!(10), dec!(20), dec!(50), dec!(100)]);
        assert_eq!(quick_cash("EUR", dec!(450)), vec![dec!(600), dec!(800)]);
        assert_eq!(quick_cash("EUR", dec!(400)), vec![dec!(600), dec!(800)]);
        assert_eq!(quick_cash("IDR", dec!(37500)), vec![dec!(50000), dec!(100000)]);
    }
}
