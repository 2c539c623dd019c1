//! What `till config check` prints, and errors as one line for the operator.

use crate::config::Config;
use crate::domain::users::{Permission, Role};
use std::path::Path;

pub(super) fn print_config(cfg: &Config, dir: &Path) {
    let p = &cfg.pricing;
    println!("config: {}{}", cfg.source, if cfg.demo { " (demo mode)" } else { "" });
    println!("terminal: {} ({})", cfg.terminal_id, cfg.terminal_name);
    println!("data dir: {}", dir.display());
    println!("backups: {} (keeping {})", cfg.backup.dir_for(dir).display(), cfg.backup.keep);
    println!(
        "currency: {} ({} decimals, cash increment {})",
        p.currency.code,
        p.currency.minor_units,
        p.currency.cash_increment.map(|i| i.to_string()).unwrap_or_else(|| "none".into())
    );
    let rounding = match p.tax.rounding {
        crate::domain::tax::TaxRounding::PerLine => "per-line",
        crate::domain::tax::TaxRounding::PerTicket => "per-ticket",
    };
    println!("prices include tax: {}; tax rounding {rounding} ({})", p.tax.prices_include_tax, p.tax.rule);
    let mut classes: Vec<_> = p.tax_classes.keys().cloned().collect();
    classes.sort();
    println!("tax classes: {}", classes.join(", "));
    println!(
        "fuel grades: {}",
        cfg.fuel_grades.iter().map(|g| format!("{} {}", g.code, g.price_per_litre)).collect::<Vec<_>>().join(", ")
    );
    let port = |p: &Option<String>| p.clone().unwrap_or_else(|| "not attached".into());
    println!(
        "devices: printer {}; display {}; scale {}; scanner {}",
        port(&cfg.printer_port),
        cfg.display.as_ref().map(|(p, proto)| format!("{p} ({proto})")).unwrap_or_else(|| "not attached".into()),
        port(&cfg.scale_port),
        port(&cfg.scanner_port)
    );
    match &cfg.sync {
        Some(s) => println!(
            "sync: {} every {} s, batches of {}, timeout {} s",
            s.url,
            s.interval.as_secs(),
            s.batch_size,
            s.timeout.as_secs()
        ),
        None => println!("sync: not configured{}", if cfg.demo { " (demo mode runs its own head office)" } else { "" }),
    }
    match &cfg.card_terminal {
        Some(c) => println!("card terminal: {} (ZVT)", c.port),
        None => println!("card terminal: none (card payments are recorded, taken on a standalone terminal)"),
    }
    match &cfg.qr {
        Some(q) => println!("QR payments: {} (asked every {} s)", q.url, q.poll.as_secs()),
        None => println!("QR payments: not configured"),
    }
    // Sites configured before the `counter` permission existed: their people could not sign in.
    for role in [Role::Cashier, Role::Manager] {
        if !cfg.role_policy(role).allows(Permission::Counter) {
            println!("warning: roles.{role} lacks the `counter` permission, so no {role} can sign in at the counter");
        }
    }
}

/// An error and its causes in one line, each cause said once: errors that already show their
/// source in their own text are not followed by it again.
pub(crate) fn explain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}
