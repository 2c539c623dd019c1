//! `till sim ...`: which simulator runs, and with what.

use anyhow::Context;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub(super) enum SimCmd {
    /// Simulated DART pumps: prints the pty path, then takes `lift P`, `hang P`, ... on stdin.
    Forecourt {
        #[arg(long, default_value_t = 8)]
        pumps: u8,
        /// Also make PATH a symbolic link to the pty (a stable address across restarts).
        #[arg(long, value_name = "PATH")]
        link: Option<std::path::PathBuf>,
    },
    /// A simulated ESC/POS printer: prints the pty path, then what it receives as text; takes
    /// `paper out`, `paper in`, `cover open`, `cover close`, `drawer close`.
    Printer {
        /// Also make PATH a symbolic link to the pty (a stable address across restarts).
        #[arg(long, value_name = "PATH")]
        link: Option<std::path::PathBuf>,
    },
    /// A simulated 2x20 customer display: prints the pty path, then what it shows.
    Display {
        #[arg(long, value_name = "PATH")]
        link: Option<std::path::PathBuf>,
    },
    /// A simulated MT-SICS scale: prints the pty path, then takes `put KG`, `moving KG`, ...
    Scale {
        #[arg(long, value_name = "PATH")]
        link: Option<std::path::PathBuf>,
    },
    /// A simulated serial barcode scanner: prints the pty path, then sends each code typed on
    /// stdin (followed by CR); `valid` and `invalid` send a demo code with a right or wrong
    /// check digit.
    Scanner {
        #[arg(long, value_name = "PATH")]
        link: Option<std::path::PathBuf>,
    },
    /// The reference central receiver (docs/sync-api.md) on HTTP: stores events once by id,
    /// serves price books. Prints its address.
    Central {
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// A terminal and its token, `TERMINAL=TOKEN` (repeatable); default `DEMO-01=till-demo-token`.
        #[arg(long = "token", value_name = "TERMINAL=TOKEN")]
        tokens: Vec<String>,
        /// The receiver's SQLite file.
        #[arg(long, default_value = "central.sqlite")]
        db: std::path::PathBuf,
        /// A price book (JSON) to serve to every terminal given with --token.
        #[arg(long, value_name = "FILE")]
        pricebook: Option<std::path::PathBuf>,
    },
    /// A simulated ZVT card terminal: prints its address (`tcp://...` or the pty path), then
    /// takes `drop`, `slow SECS`, `busy`, `ok`, `journal`.
    CardTerminal {
        /// Listen on this TCP address (bare APDUs) instead of a pty (framed serial).
        #[arg(long, value_name = "HOST:PORT")]
        tcp: Option<String>,
        #[arg(long, value_name = "PATH")]
        link: Option<std::path::PathBuf>,
    },
    /// The reference QR wallet payment provider (docs/qr-payments.md) on HTTP: prints its
    /// address, then takes `pay REF`, `fail REF`, `expire REF` (`last`: the newest payment),
    /// `down SECS`, `list`.
    QrProvider {
        #[arg(long, default_value_t = 8090)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// The bearer token terminals must send.
        #[arg(long, default_value = "till-demo-qr")]
        token: String,
        /// Seconds after which an unpaid payment expires.
        #[arg(long, default_value_t = 300)]
        expire_after: u64,
        /// Pay every payment this many seconds after it was made.
        #[arg(long, value_name = "SECS")]
        auto_pay: Option<u64>,
        /// Keep the payments in FILE (JSON) across restarts.
        #[arg(long, value_name = "FILE")]
        state: Option<std::path::PathBuf>,
    },
    /// A simulated TLS tank gauge: prints the pty path, then takes `level T L`, `water T H`.
    Tank {
        #[arg(long, default_value_t = 4)]
        tanks: u8,
        /// Also make PATH a symbolic link to the pty (a stable address across restarts).
        #[arg(long, value_name = "PATH")]
        link: Option<std::path::PathBuf>,
    },
}

/// Runs the simulator the command line names.
pub(super) fn run(device: &SimCmd) -> anyhow::Result<ExitCode> {
    match device {
        SimCmd::Scale { link } => {
            crate::cli::sim::sim_scale(link.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        SimCmd::Display { link } => {
            crate::cli::sim::sim_display(link.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        SimCmd::Printer { link } => {
            crate::cli::sim::sim_printer(link.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        SimCmd::Central { port, bind, tokens, db, pricebook } => {
            let mut map = std::collections::HashMap::new();
            for t in tokens {
                let (terminal, token) =
                    t.split_once('=').ok_or_else(|| anyhow::anyhow!("--token takes TERMINAL=TOKEN, not '{t}'"))?;
                map.insert(terminal.to_string(), token.to_string());
            }
            if map.is_empty() {
                map.insert("DEMO-01".to_string(), "till-demo-token".to_string());
            }
            let central = till_central::Central::open(db, map.clone())?;
            if let Some(file) = pricebook {
                let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
                let body: serde_json::Value =
                    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
                for terminal in map.keys() {
                    central.set_pricebook(terminal, &body)?;
                }
            }
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind((bind.as_str(), *port))
                    .await
                    .with_context(|| format!("cannot listen on {bind}:{port}"))?;
                println!("http://{}", listener.local_addr()?);
                eprintln!("central receiver; events in {}. Ctrl-C ends.", db.display());
                central.serve(listener).await?;
                anyhow::Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        SimCmd::CardTerminal { tcp, link } => {
            crate::cli::sim_card::sim_card_terminal(tcp.as_deref(), link.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        SimCmd::QrProvider { port, bind, token, expire_after, auto_pay, state } => {
            let opts = crate::cli::sim_qr::Options {
                token: token.clone(),
                expire_after: std::time::Duration::from_secs(*expire_after),
                auto_pay: auto_pay.map(std::time::Duration::from_secs),
                state: state.clone(),
            };
            crate::cli::sim_qr::sim_qr_provider(bind, *port, opts)?;
            Ok(ExitCode::SUCCESS)
        }
        SimCmd::Scanner { link } => {
            crate::cli::sim::sim_scanner(link.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        SimCmd::Tank { tanks, link } => {
            crate::cli::sim::sim_tank(*tanks, link.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        SimCmd::Forecourt { pumps, link } => {
            crate::cli::sim::sim_forecourt(*pumps, link.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
