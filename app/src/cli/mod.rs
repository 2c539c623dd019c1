//! The command line: the clap tree of `till`, technician commands (`till hw`) and simulators
//! (`till sim`).

mod backup;
mod headless;
pub mod hw;
mod hw_card;
mod ports;
mod report;
mod show;
pub mod sim;
pub mod sim_card;
pub mod sim_qr;
mod sims;

use crate::config::{self, Config};
use crate::domain::users::Role;
use crate::service::{self, Session};
use crate::store::Store;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::{BufReader, IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

/// Till: point-of-sale terminal for fuel stations, shops and food counters.
#[derive(Parser)]
#[command(name = "till", version, about)]
struct Cli {
    /// Configuration file (else $TILL_CONFIG, else config.toml in the platform config dir;
    /// with none, demo mode).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Data directory holding the store (else the platform data dir; demo mode uses its
    /// `demo` subfolder).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Full screen without a window frame (the counter touchscreen); also `[terminal]
    /// fullscreen = true` in the configuration.
    #[arg(long)]
    fullscreen: bool,
    /// Run as a self-service kiosk (full screen; also `[terminal] mode = "kiosk"`).
    #[arg(long)]
    kiosk: bool,
    /// With --kiosk: an outdoor payment terminal (pay for fuel only; also `[kiosk] fuel_only`).
    #[arg(long, requires = "kiosk")]
    outdoor: bool,
    /// Start-up benchmark: exit 0 after the first frame, printing `first_frame_ms=N`.
    #[arg(long)]
    exit_after_first_frame: bool,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// A console session on this terminal: JSON commands on standard input, answers on standard
    /// output (the same as `till exec -`, for a terminal without a display).
    Console {
        /// With `[sync]` configured: how long to wait at the end for every event to be sent.
        #[arg(long, default_value_t = 10, value_name = "SECONDS")]
        sync_wait: u64,
    },
    /// Run a headless session: JSON Lines commands from SCRIPT (or - for standard input). With
    /// `[forecourt]` configured it drives the pump line; with `[sync]`, it pushes to the central
    /// endpoint and waits for the outbox to drain before it exits.
    Exec {
        /// The script file, or - for standard input.
        script: String,
        /// With `[sync]` configured: how long to wait at the end for every event to be sent.
        #[arg(long, default_value_t = 10, value_name = "SECONDS")]
        sync_wait: u64,
    },
    /// The day so far (X, nothing taken) or a stored Z, as JSON or CSV.
    Report {
        /// A stored Z's number; without it, the day so far.
        #[arg(long)]
        z: Option<i64>,
        #[arg(long)]
        csv: bool,
    },
    /// Exports for the tax office.
    Export {
        #[command(subcommand)]
        what: ExportCmd,
    },
    /// The tamper-evident journal.
    Journal {
        #[command(subcommand)]
        action: JournalCmd,
    },
    /// The product catalog.
    Catalog {
        #[command(subcommand)]
        action: CatalogCmd,
    },
    /// Users and PINs.
    User {
        #[command(subcommand)]
        action: UserCmd,
    },
    /// Check the configuration and print what it resolves to.
    Config {
        #[command(subcommand)]
        action: ConfigCmd,
    },
    /// Technician commands that talk to devices directly.
    Hw {
        #[command(subcommand)]
        device: HwCmd,
    },
    /// Copy the store while Till runs (SQLite's online backup), verify the copy's journal and
    /// remove the oldest copies beyond `[backup] keep`.
    Backup {
        /// Where the copy goes (else `[backup] dir`, else the data directory's `backups`).
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
        /// How many nightly copies to keep (else `[backup] keep`, 14).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1000))]
        keep: Option<u16>,
        /// A word in the copy's name; a tagged copy is never removed by the rotation.
        #[arg(long)]
        tag: Option<String>,
    },
    /// Replace the store with a copy made by `till backup` (Till must be stopped). Refuses a copy
    /// of another terminal's store and one whose journal does not verify; the current store is
    /// kept aside in the data directory.
    Restore {
        file: PathBuf,
        /// Restore a copy that lacks receipts the current store has (they stay in the store kept
        /// aside).
        #[arg(long)]
        allow_older: bool,
    },
    /// Bring the store to this version's schema, after a verified backup (the package runs it
    /// on upgrade; Till also migrates at start).
    Migrate,
    /// Simulated devices on pseudo-terminals, for demos and tests.
    Sim {
        #[command(subcommand)]
        device: sims::SimCmd,
    },
}

#[derive(Subcommand)]
enum HwCmd {
    /// The serial adapters attached (USB vendor, product and serial number); with --udev, the
    /// rules file for stable names (/dev/till/printer, /dev/till/pumps, ...).
    Ports {
        #[arg(long)]
        udev: bool,
    },
    /// A DART pump: `till hw pump --port /dev/ttyUSB0 --address 0x50 status`.
    Pump {
        #[arg(long)]
        port: String,
        /// The pump's DART address, 0x50 to 0x6F.
        #[arg(long, value_parser = parse_address)]
        address: u8,
        /// Print the answer as JSON.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: crate::cli::hw::PumpAction,
    },
    /// A 2x20 customer display: `till hw display --port P --protocol epson text "Hello"`.
    Display {
        #[arg(long)]
        port: String,
        #[arg(long, default_value = "epson")]
        protocol: till_hardware::display::Protocol,
        #[command(subcommand)]
        action: DisplayAction,
    },
    /// An MT-SICS scale: `till hw scale --port P weigh`.
    Scale {
        #[arg(long)]
        port: String,
        #[command(subcommand)]
        action: ScaleAction,
    },
    /// A serial barcode scanner: `till hw scanner --port P` prints each code read and whether
    /// it is a valid barcode, until N codes (or S seconds without one).
    Scanner {
        #[arg(long)]
        port: String,
        /// Stop after this many codes.
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// Stop when no code came for this long.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// Print each code as JSON.
        #[arg(long)]
        json: bool,
    },
    /// An ESC/POS receipt printer: `till hw printer --port /dev/ttyUSB2 test-page`.
    Printer {
        #[arg(long)]
        port: String,
        #[arg(value_enum)]
        action: crate::cli::hw::PrinterAction,
    },
    /// A ZVT card terminal: `till hw card --port tcp://10.0.0.5:20007 status|register|last|pay X|
    /// reverse RECEIPT|refund X|end-of-day [--json]` (status, register and last charge nothing).
    Card {
        #[arg(long)]
        port: String,
        #[arg(long, default_value = "000000")]
        password: String,
        /// The currency (ISO 4217) amounts are in.
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// Answer as one JSON object.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: hw_card::CardAction,
    },
    /// A Veeder-Root TLS tank gauge: `till hw tank --port /dev/ttyUSB1 inventory`.
    Tank {
        #[arg(long)]
        port: String,
        /// Print the answer as JSON.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: TankAction,
    },
}

#[derive(Subcommand)]
enum ScaleAction {
    /// Waits for a stable weight and prints it.
    Weigh,
}

#[derive(Subcommand)]
enum DisplayAction {
    /// Shows text (20 characters a line; a "\n" in it starts the second line).
    Text { text: String },
}

#[derive(Subcommand)]
enum TankAction {
    /// Every tank's volume, ullage, water and temperature, with alarms.
    Inventory,
}

fn parse_address(s: &str) -> Result<u8, String> {
    let t = s.trim();
    let v = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u8::from_str_radix(hex, 16),
        None => t.parse::<u8>(),
    };
    v.map_err(|_| format!("'{s}' is not an address like 0x50"))
}

#[derive(Subcommand)]
enum ExportCmd {
    /// The DSFinV-K files (taxonomy 2.3) of the Z reports taken from --from to --to (UTC dates).
    Dsfinvk {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: String,
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum JournalCmd {
    /// Verify the hash chain; exits non-zero and names the first bad entry.
    Verify,
}

#[derive(Subcommand)]
enum CatalogCmd {
    /// Replace the catalog from a CSV file (sku,name,barcode,category,price,tax_class,unit,age_restriction).
    Import {
        file: PathBuf,
        /// Import a file without products (empties the catalog).
        #[arg(long)]
        allow_empty: bool,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add a user. The PIN is read from standard input when --pin is not given. Once the store
    /// has users, a PIN of a user who may manage users is needed too: --manager-pin, or the
    /// next line of standard input.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: Role,
        #[arg(long)]
        pin: Option<String>,
        #[arg(long)]
        manager_pin: Option<String>,
    },
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Validate the configuration.
    Check,
}

/// `--data-dir`, else `[terminal] data_dir`, else the platform data dir (its `demo` folder in
/// demo mode).
fn data_dir(cli: &Cli, cfg: &Config) -> anyhow::Result<PathBuf> {
    let explicit = cli.data_dir.as_deref().or(cfg.data_dir.as_deref());
    let base = config::data_dir(explicit).context("no data directory: give --data-dir")?;
    Ok(if cfg.demo && explicit.is_none() { base.join("demo") } else { base })
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    Ok(Config::discover(cli.config.as_deref())?)
}

fn open_session(cli: &Cli) -> anyhow::Result<Session> {
    let cfg = load_config(cli)?;
    let dir = data_dir(cli, &cfg)?;
    Ok(Session::open(cfg, &dir)?)
}

fn run(cli: Cli, started: std::time::Instant) -> anyhow::Result<ExitCode> {
    match &cli.command {
        None => {
            let mut cfg = load_config(&cli)?;
            let dir = data_dir(&cli, &cfg)?;
            if cfg.demo && cfg.sync.is_none() {
                match crate::devices::demo::demo_central(&dir, &cfg) {
                    Ok(s) => cfg.sync = Some(s),
                    Err(e) => eprintln!("till: the demo head office did not start: {}", show::explain(&e)),
                }
            }
            if cfg.demo && cfg.card_terminal.is_none() {
                // Demo mode's card terminal: a simulated ZVT terminal on loopback.
                match crate::cli::sim_card::start_tcp("127.0.0.1:0") {
                    Ok((port, _)) => {
                        let currency_numeric = crate::config::iso_numeric(&cfg.pricing.currency.code).unwrap_or(978);
                        cfg.card_terminal =
                            Some(crate::config::CardTerminalConfig { port, password: 0, currency_numeric });
                    }
                    Err(e) => eprintln!("till: the demo card terminal did not start: {e}"),
                }
            }
            if cfg.demo && cfg.qr.is_none() {
                // Demo mode's QR provider: the reference one on loopback, paying each code after
                // 8 seconds (nobody scans it with a phone in a demo).
                let opts = crate::cli::sim_qr::Options {
                    token: "till-demo-qr".into(),
                    expire_after: std::time::Duration::from_secs(300),
                    auto_pay: Some(std::time::Duration::from_secs(8)),
                    state: None,
                };
                match crate::cli::sim_qr::start("127.0.0.1:0", opts) {
                    Ok(url) => {
                        cfg.qr = Some(crate::config::QrConfig {
                            url,
                            token: "till-demo-qr".into(),
                            poll: std::time::Duration::from_secs(3),
                            timeout: std::time::Duration::from_secs(5),
                        })
                    }
                    Err(e) => eprintln!("till: the demo QR provider did not start: {e}"),
                }
            }
            if cli.kiosk && cfg.kiosk.is_none() {
                cfg.kiosk = Some(crate::config::KioskConfig {
                    idle: std::time::Duration::from_secs(60),
                    countdown: std::time::Duration::from_secs(20),
                    amount_limit: None,
                    screen_mm: None,
                    promotions: None,
                    fill_up: rust_decimal::Decimal::ONE_HUNDRED,
                    fuel_only: cli.outdoor,
                });
            }
            let session = Session::open(cfg, &dir)?;
            let fullscreen = cli.fullscreen || session.config().fullscreen || session.config().kiosk.is_some();
            let mut devices = crate::devices::demo::open_devices(session.config())?;
            devices.sync = crate::sync::start_for(&session);
            let options = crate::gui::Options { fullscreen, exit_after_first_frame: cli.exit_after_first_frame };
            crate::gui::run(session, devices, options, started).map_err(|e| {
                anyhow::anyhow!(
                    "{}\nTill needs a display for its screens (set DISPLAY, or run it under Xvfb); `till console` runs without one.",
                    show::explain(&e)
                )
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Console { sync_wait }) => {
            let session = open_session(&cli)?;
            let cfg = session.config();
            if std::io::stdin().is_terminal() {
                eprintln!(
                    "Till {} — {} ({}), terminal {}. Console session: type JSON commands, e.g. {{\"cmd\":\"login\",\"pin\":\"1111\"}}; Ctrl-D ends.",
                    env!("CARGO_PKG_VERSION"),
                    if cfg.demo { "demo mode" } else { "configured" },
                    cfg.source,
                    cfg.terminal_id
                );
            }
            headless::headless(session, std::io::stdin().lock(), *sync_wait)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Exec { script, sync_wait }) => {
            let input: Box<dyn std::io::BufRead> = if script == "-" {
                Box::new(std::io::stdin().lock())
            } else {
                let f = std::fs::File::open(script).with_context(|| format!("cannot read script {script}"))?;
                Box::new(BufReader::new(f))
            };
            let session = open_session(&cli)?;
            headless::headless(session, input, *sync_wait)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Report { z, csv }) => {
            let cfg = load_config(&cli)?;
            let store = Store::open_read_only(&data_dir(&cli, &cfg)?)?;
            report::report(&store, &cfg, *z, *csv)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Export { what: ExportCmd::Dsfinvk { from, to, dir: out } }) => {
            let cfg = load_config(&cli)?;
            let store = Store::open_read_only(&data_dir(&cli, &cfg)?)?;
            let s = crate::dsfinvk::export(&store, &cfg, from, to, out)?;
            println!("DSFinV-K: {} closings, {} records in {}", s.closings, s.records, out.display());
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Journal { action: JournalCmd::Verify }) => {
            let cfg = load_config(&cli)?;
            let dir = data_dir(&cli, &cfg)?;
            let store = Store::open_read_only(&dir)?;
            match store.verify_journal()? {
                Ok(report) => {
                    println!("journal OK: {} entries, head {}", report.entries, report.head_hash);
                    Ok(ExitCode::SUCCESS)
                }
                Err(fault) => {
                    eprintln!("journal verification FAILED: {fault}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Some(Cmd::Catalog { action: CatalogCmd::Import { file, allow_empty } }) => {
            let cfg = load_config(&cli)?;
            let dir = data_dir(&cli, &cfg)?;
            let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut store = Store::open_dir(&dir)?;
            match service::import_catalog(&mut store, &cfg, &text, &file.display().to_string(), *allow_empty) {
                Ok(n) => {
                    println!("imported {n} products from {}", file.display());
                    Ok(ExitCode::SUCCESS)
                }
                Err(errors) => {
                    eprintln!("{}: {} bad rows; nothing was imported", file.display(), errors.len());
                    for e in errors {
                        eprintln!("  {e}");
                    }
                    Ok(ExitCode::from(1))
                }
            }
        }
        Some(Cmd::User { action: UserCmd::Add { name, role, pin, manager_pin } }) => {
            let cfg = load_config(&cli)?;
            let dir = data_dir(&cli, &cfg)?;
            let mut lines = Vec::new();
            if pin.is_none() || manager_pin.is_none() {
                let mut s = String::new();
                std::io::stdin().take(256).read_to_string(&mut s)?;
                lines = s.lines().map(|l| l.trim().to_string()).collect();
            }
            let mut from_stdin = lines.into_iter();
            let pin = pin.clone().or_else(|| from_stdin.next()).unwrap_or_default();
            let manager_pin = manager_pin.clone().or_else(|| from_stdin.next());
            let store = Store::open_dir(&dir)?;
            let id = service::add_user(store, &cfg, name, *role, &pin, manager_pin.as_deref())?;
            println!("added user {id} '{name}' ({role})");
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Hw { device: HwCmd::Pump { port, address, json, action } }) => {
            crate::cli::hw::pump(port, *address, action.clone(), *json)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Hw { device: HwCmd::Tank { port, json, action: TankAction::Inventory } }) => {
            crate::cli::hw::tank_inventory(port, *json)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Hw { device: HwCmd::Card { port, password, currency, json, action } }) => {
            hw_card::card(port, password, currency, *json, action)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Hw { device: HwCmd::Printer { port, action } }) => {
            crate::cli::hw::printer(port, *action)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Hw { device: HwCmd::Display { port, protocol, action: DisplayAction::Text { text } } }) => {
            crate::cli::hw::display_text(port, *protocol, text)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Hw { device: HwCmd::Scanner { port, count, seconds, json } }) => {
            let read = crate::cli::hw::scanner_read(port, *count, std::time::Duration::from_secs(*seconds), *json)?;
            Ok(if read < *count { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Some(Cmd::Hw { device: HwCmd::Scale { port, action: ScaleAction::Weigh } }) => {
            crate::cli::hw::scale_weigh(port)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Sim { device }) => sims::run(device),
        Some(Cmd::Backup { to, keep, tag }) => {
            let cfg = load_config(&cli)?;
            let dir = data_dir(&cli, &cfg)?;
            backup::backup(&cfg, &dir, to.as_deref(), keep.map(usize::from), tag.as_deref())
        }
        Some(Cmd::Restore { file, allow_older }) => {
            let cfg = load_config(&cli)?;
            backup::restore(&cfg, &data_dir(&cli, &cfg)?, file, *allow_older)
        }
        Some(Cmd::Migrate) => {
            let cfg = load_config(&cli)?;
            backup::migrate(&cfg, &data_dir(&cli, &cfg)?)
        }
        Some(Cmd::Hw { device: HwCmd::Ports { udev } }) => {
            let cfg = load_config(&cli)?;
            ports::ports(&cfg, *udev)
        }
        Some(Cmd::Config { action: ConfigCmd::Check }) => {
            let cfg = load_config(&cli)?;
            let dir = data_dir(&cli, &cfg)?;
            show::print_config(&cfg, &dir);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Parses the command line and runs it; errors are printed, with exit code 2.
pub fn main(started: std::time::Instant) -> ExitCode {
    match run(Cli::parse(), started) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("till: {}", show::explain(&e));
            ExitCode::from(2)
        }
    }
}
