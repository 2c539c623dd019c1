//! `till exec` and `till console`: a session driven by lines of JSON, with the devices a site
//! configured.

use crate::service::Session;
use anyhow::Context;

/// A headless session (`till exec`, `till console`) with the devices it drives: the pump line
/// when `[forecourt]` is configured, the printer and display when they are, and the push to the central endpoint when `[sync]` is; at
/// the end of the input it waits up to `sync_wait` seconds for the outbox to drain.
pub(super) fn headless(mut session: Session, input: impl std::io::BufRead, sync_wait: u64) -> anyhow::Result<()> {
    let cfg = session.config().clone();
    let forecourt = match &cfg.forecourt {
        Some(f) => Some(crate::devices::demo::site_forecourt(f, &cfg.fuel_grades)),
        None => None,
    };
    if let Some(f) = &forecourt {
        // Commands about pumps need to know where each pump stands: wait (briefly) for the line.
        f.wait_for_first_answers(std::time::Duration::from_secs(3));
    }
    let sync = crate::sync::start_for(&session);
    // The shop devices a site configured take their effects too (receipts, drawer, display);
    // demo mode's simulated ones belong to the window.
    let executor = crate::effects::Executor {
        forecourt,
        printer: if cfg.demo { None } else { cfg.printer_port.as_deref().map(crate::devices::printer::Printer::open) },
        display: if cfg.demo {
            None
        } else {
            cfg.display.as_ref().map(|(port, p)| crate::devices::display::CustomerDisplay::open(port, *p))
        },
        card: cfg.card_terminal.as_ref().map(crate::devices::card::CardTerminal::open),
        // A script asks for a QR payment's status itself (`qr_check`): nothing changes between
        // its commands.
        qr: cfg.qr.as_ref().map(|q| crate::devices::qr::QrProvider::open(q, false)),
        tanks: cfg
            .tank_gauge_port
            .as_deref()
            .filter(|_| !cfg.demo)
            .map(|p| crate::devices::tanks::TankMonitor::open(p, std::time::Duration::from_secs(2))),
        site: crate::devices::demo::site_link(&cfg),
    };
    let runner = crate::exec::Runner::new(&mut session, executor)?;
    runner
        .run(input, std::io::stdout().lock(), || {
            if let Some(s) = &sync {
                s.nudge();
            }
        })
        .context("reading the commands")?;
    if let Some(s) = &sync {
        s.nudge();
        if !s.drain(std::time::Duration::from_secs(sync_wait)) {
            let st = s.status();
            eprintln!(
                "till: {} event(s) not yet sent to {} after {sync_wait} s{}; they stay in the outbox and go with the next session",
                st.pending,
                cfg.sync.as_ref().map(|c| c.url.as_str()).unwrap_or_default(),
                st.error.map(|e| format!(" ({e})")).unwrap_or_default()
            );
        }
    }
    Ok(())
}
