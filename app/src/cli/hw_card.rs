//! `till hw card --port P status|last`: asks a ZVT card terminal directly, for a technician
//! setting it up. Nothing is charged: `status` is the status enquiry (`05 01`), `last` the
//! terminal's last transaction without printing (repeat receipt, `06 20`). The day is closed
//! through Till (`card_end_of_day`), which compares it with the journal.

use anyhow::{bail, Context};
use till_hardware::zvt::msg::{self, StatusInfo};
use till_hardware::zvt::{transact, Answer};

/// What `till hw card` can do.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CardAction {
    Status,
    Last,
}

fn six_digits(pw: &str) -> anyhow::Result<u32> {
    match pw.parse::<u32>() {
        Ok(p) if pw.len() == 6 && pw.bytes().all(|b| b.is_ascii_digit()) => Ok(p),
        _ => bail!("the password must be 6 digits"),
    }
}

fn describe(s: &StatusInfo) -> String {
    let mut parts = Vec::new();
    if let Some(r) = s.result {
        parts.push(format!("result {r:02X} ({})", msg::result_text(r)));
    }
    if let Some(a) = s.amount_minor {
        parts.push(format!("amount {}.{:02}", a / 100, a % 100));
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

/// `till hw card --port P [--password PW] status|last`.
pub fn card(port: &str, password: &str, action: CardAction) -> anyhow::Result<()> {
    let pw = six_digits(password)?;
    let mut t = crate::devices::card::connect(port).with_context(|| format!("card terminal on {port}"))?;
    let reg = msg::registration(pw, msg::CFG_INTERMEDIATE_STATUS, msg::EUR)?;
    let end = transact(t.as_mut(), &reg, None, &mut |_| {}, &mut |_| Answer::Issued)?;
    if let Some(code) = end.refused {
        bail!("card terminal on {port} refused the registration: {}", msg::result_text(code));
    }
    let cmd = match action {
        CardAction::Status => msg::status_enquiry(pw)?,
        CardAction::Last => msg::repeat_receipt(pw, msg::SERVICE_STATUS_NO_PRINT)?,
    };
    let end = transact(t.as_mut(), &cmd, None, &mut |_| {}, &mut |_| Answer::Issued)?;
    let code = end.code();
    match (end.status, code) {
        (Some(s), _) => println!("card terminal on {port}: {}", describe(&s)),
        (None, Some(code)) => println!("card terminal on {port}: {code:02X} ({})", msg::result_text(code)),
        (None, None) => println!("card terminal on {port}: ready"),
    }
    Ok(())
}
