//! `till hw card --port P ...`: asks a ZVT card terminal directly, for a technician setting it
//! up. `status` (status enquiry `05 01`), `register` (`06 00`) and `last` (the last transaction
//! without printing, repeat receipt `06 20`) charge nothing. `pay`, `refund` and `reverse` are
//! test transactions at the terminal that Till's journal does not hold (say so to whoever is
//! charged); `end-of-day` closes the terminal's day without comparing it with the journal (Till's
//! own `card_end_of_day` does both).

use anyhow::{bail, Context};
use till_hardware::zvt::msg::{self, StatusInfo};
use till_hardware::zvt::{transact, Answer, Ending};

/// What `till hw card` can do.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum CardAction {
    /// The terminal's status (nothing charged).
    Status,
    /// Logs on to the terminal (nothing charged).
    Register,
    /// The terminal's last transaction, not printed (nothing charged).
    Last,
    /// A test payment of AMOUNT (e.g. 1.00), outside Till's journal.
    Pay { amount: String },
    /// Reverses the terminal's receipt RECEIPT of today, outside Till's journal.
    Reverse { receipt: u16 },
    /// A test refund of AMOUNT to a card, outside Till's journal.
    Refund { amount: String },
    /// Closes the terminal's day; prints its total.
    EndOfDay,
}

fn six_digits(pw: &str) -> anyhow::Result<u32> {
    match pw.parse::<u32>() {
        Ok(p) if pw.len() == 6 && pw.bytes().all(|b| b.is_ascii_digit()) => Ok(p),
        _ => bail!("the password must be 6 digits"),
    }
}

fn money(minor: u64, units: u32) -> String {
    rust_decimal::Decimal::new(minor as i64, units).to_string()
}

fn describe(s: &StatusInfo, units: u32) -> String {
    let mut parts = Vec::new();
    if let Some(r) = s.result {
        parts.push(format!("result {r:02X} ({})", msg::result_text(r)));
    }
    if let Some(a) = s.amount_minor {
        parts.push(format!("amount {}", money(a, units)));
    }
    if let Some(r) = s.receipt {
        parts.push(format!("receipt {r}"));
    }
    if let Some(t) = s.trace {
        parts.push(format!("trace {t}"));
    }
    if let Some(p) = &s.pan {
        parts.push(format!("card {}{p}", s.card_name.as_deref().map(|n| format!("{n} ")).unwrap_or_default()));
    }
    if let Some(id) = &s.terminal_id {
        parts.push(format!("terminal {id}"));
    }
    parts.join(", ")
}

fn as_json(port: &str, end: &Ending, units: u32) -> serde_json::Value {
    let s = end.status.as_ref();
    serde_json::json!({
        "port": port,
        "result": end.code().map(|c| format!("{c:02X}")),
        "result_text": end.code().map(msg::result_text),
        "amount": s.and_then(|s| s.amount_minor).map(|a| money(a, units)),
        "receipt": s.and_then(|s| s.receipt),
        "trace": s.and_then(|s| s.trace),
        "pan": s.and_then(|s| s.pan.clone()),
        "card_name": s.and_then(|s| s.card_name.clone()),
        "auth_code": s.and_then(|s| s.auth_code.clone()),
        "lines": end.lines,
    })
}

/// An amount in minor units of a currency with `units` decimals.
fn minor(amount: &str, units: u32) -> anyhow::Result<u64> {
    let d = crate::domain::money::parse_decimal(amount).map_err(|_| anyhow::anyhow!("'{amount}' is not an amount"))?;
    let m = d.checked_mul(rust_decimal::Decimal::from(10u64.pow(units))).unwrap_or(rust_decimal::Decimal::MAX);
    if m <= rust_decimal::Decimal::ZERO || !m.fract().is_zero() {
        bail!("'{amount}' is not an amount more than zero with at most {units} decimals");
    }
    rust_decimal::prelude::ToPrimitive::to_u64(&m)
        .filter(|m| *m < 10_000_000_000)
        .ok_or_else(|| anyhow::anyhow!("'{amount}' is too large"))
}

/// `till hw card --port P [--password PW] [--currency C] [--json] ACTION`.
pub fn card(port: &str, password: &str, currency: &str, json: bool, action: &CardAction) -> anyhow::Result<()> {
    let pw = six_digits(password)?;
    let Some(cur) = crate::config::iso_numeric(currency) else { bail!("'{currency}' is not a currency Till knows") };
    let units = crate::domain::money::iso_minor_units(currency).unwrap_or(2);
    let cmd = match action {
        CardAction::Status => msg::status_enquiry(pw)?,
        CardAction::Register => msg::registration(pw, msg::CFG_INTERMEDIATE_STATUS, cur)?,
        CardAction::Last => msg::repeat_receipt(pw, msg::SERVICE_STATUS_NO_PRINT)?,
        CardAction::Pay { amount } => msg::authorization(minor(amount, units)?, cur, None, Some(30))?,
        CardAction::Reverse { receipt } => msg::reversal(pw, *receipt)?,
        CardAction::Refund { amount } => msg::refund(pw, minor(amount, units)?, cur)?,
        CardAction::EndOfDay => msg::end_of_day(pw)?,
    };
    let mut t = crate::devices::card::connect(port).with_context(|| format!("card terminal on {port}"))?;
    if !matches!(action, CardAction::Register) {
        let reg = msg::registration(pw, msg::CFG_INTERMEDIATE_STATUS, cur)?;
        let end = transact(t.as_mut(), &reg, None, &mut |_| {}, &mut |_| Answer::Issued)?;
        if let Some(code) = end.refused {
            bail!("card terminal on {port} refused the registration: {}", msg::result_text(code));
        }
    }
    // A technician's transaction: "goods issued" as soon as the terminal approves.
    let end = transact(t.as_mut(), &cmd, None, &mut |_| {}, &mut |_| Answer::Issued)?;
    if json {
        println!("{}", as_json(port, &end, units));
        return Ok(());
    }
    match (&end.status, end.code()) {
        (Some(s), _) => println!("card terminal on {port}: {}", describe(s, units)),
        (None, Some(code)) => println!("card terminal on {port}: {code:02X} ({})", msg::result_text(code)),
        (None, None) => println!("card terminal on {port}: ready"),
    }
    for l in &end.lines {
        println!("  | {l}");
    }
    if matches!(action, CardAction::Pay { .. } | CardAction::Refund { .. } | CardAction::Reverse { .. }) {
        eprintln!("note: a test transaction at the terminal; Till's journal does not hold it");
    }
    Ok(())
}
