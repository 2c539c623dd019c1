//! Configuration: TOML parsed into raw structs, then validated into a typed [`Config`].
//! Every error names the file, the key and what is wrong.
//!
//! With no configuration file at all Till runs in demo mode on the configuration in
//! `assets/demo/demo.toml`, compiled into the binary.

use crate::domain::barcode::VariableMeasureRule;
use crate::domain::catalog::FuelGrade;
use crate::domain::money::{iso_minor_units, Currency, Dec, RoundingRule};
use crate::domain::tax::{TaxBasis, TaxClass, TaxComponent, TaxPolicy, TaxRounding};
use crate::domain::ticket::Pricing;
use crate::domain::users::{Role, RolePolicy};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

mod backup;
mod cash;
mod qr;
pub use qr::{KioskConfig, QrConfig};
pub use site::SiteConfig;
mod raw;
mod site;
mod validate;

pub use backup::{BackupConfig, SYSTEM_CONFIG};
pub use cash::{CashConfig, TankConfig, Thresholds};
use raw::RawConfig;
pub use validate::{check_device_port, iso_numeric, PortError};

/// The demo configuration, used when no configuration file exists.
pub const DEMO_CONFIG: &str = include_str!("../../../assets/demo/demo.toml");

/// The screens' themes.
pub const THEMES: [&str; 3] = ["light", "dark", "contrast"];

/// Whether `lang` is a language Till ships (`locales/<lang>`).
pub fn is_language(lang: &str) -> bool {
    crate::i18n::LANGUAGES.iter().any(|(code, _)| *code == lang)
}

/// Whether `theme` is one of [`THEMES`].
pub fn is_theme(theme: &str) -> bool {
    THEMES.contains(&theme)
}

/// The demo catalog in the import format.
pub const DEMO_CATALOG: &str = include_str!("../../../assets/demo/catalog.csv");
/// The demo kiosk's promotions (language, text).
pub const DEMO_PROMOTIONS: &str = include_str!("../../../assets/demo/promotions.csv");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {file}: {source}")]
    Read { file: String, source: std::io::Error },
    #[error("config file {file}: key `{key}`: {message}")]
    Invalid { file: String, key: String, message: String },
}

/// Where and how the terminal pushes its events and pulls its price book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncConfig {
    /// Base address without a trailing slash.
    pub url: String,
    pub token: String,
    pub interval: std::time::Duration,
    pub batch_size: usize,
    pub timeout: std::time::Duration,
    pub retry_base: std::time::Duration,
}

#[derive(Debug, Clone)]
pub struct StoreInfo {
    pub name: String,
    pub address: Vec<String>,
    pub tax_id: String,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it came from: a file path, or "demo" for the built-in demo configuration.
    pub source: String,
    pub demo: bool,
    pub terminal_id: String,
    pub terminal_name: String,
    pub fullscreen: bool,
    /// The screens' language and theme until the terminal chooses its own (`set_look`).
    pub language: Option<String>,
    pub theme: Option<String>,
    pub store: StoreInfo,
    pub pricing: Pricing,
    pub fuel_grades: Vec<FuelGrade>,
    pub roles: HashMap<Role, RolePolicy>,
    pub variable_measure: Vec<VariableMeasureRule>,
    pub max_pin_attempts: u32,
    pub lockout_seconds: u64,
    /// The pump line, when the site has pumps.
    pub forecourt: Option<ForecourtConfig>,
    /// The tank gauge's serial port, when the site has one.
    pub tank_gauge_port: Option<String>,
    /// The receipt printer's serial port.
    pub printer_port: Option<String>,
    /// Characters per line on the printer's paper (48 on 80 mm, 32 on 58 mm).
    pub printer_width: usize,
    /// The customer display's serial port and command set.
    pub display: Option<(String, till_hardware::display::Protocol)>,
    /// The scale's serial port (MT-SICS).
    pub scale_port: Option<String>,
    /// A serial barcode scanner's port (keyboard-wedge scanners need none).
    pub scanner_port: Option<String>,
    /// The central endpoint, when the terminal reports to one.
    pub sync: Option<SyncConfig>,
    /// The card terminal on the counter (ZVT), when card payments go through one.
    pub card_terminal: Option<CardTerminalConfig>,
    /// The QR wallet payment provider, when customers may pay with a wallet app.
    pub qr: Option<QrConfig>,
    /// Set when the terminal is a self-service kiosk (`[terminal] mode = "kiosk"`, `till --kiosk`).
    pub kiosk: Option<KioskConfig>,
    /// The site's other terminals (a counter's kiosks) and the shared secret, when set.
    pub site: Option<SiteConfig>,
    /// Cash management and counting.
    pub cash: CashConfig,
    /// The gauge's tanks and their grades (for the fuel reconciliation).
    pub tanks: Vec<TankConfig>,
    pub thresholds: Thresholds,
    /// `[terminal] data_dir`: where the store lives when `--data-dir` is not given.
    pub data_dir: Option<PathBuf>,
    /// `[backup]`: where `till backup` writes its copies and how many it keeps.
    pub backup: BackupConfig,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardTerminalConfig {
    /// `tcp://HOST:PORT` or a serial port path.
    pub port: String,
    /// The terminal's password (six digits).
    pub password: u32,
    /// The currency as ISO 4217 numeric code (978 for EUR), from `[currency]`.
    pub currency_numeric: u16,
}

#[derive(Debug, Clone)]
pub struct ForecourtConfig {
    pub port: String,
    pub baud: u32,
    pub pumps: Vec<crate::devices::forecourt::PumpSetup>,
}

impl Config {
    /// The built-in demo configuration.
    pub fn demo() -> Result<Config, ConfigError> {
        let mut c = Config::parse(DEMO_CONFIG, "demo")?;
        c.demo = true;
        Ok(c)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { file: file.clone(), source })?;
        Config::parse(&text, &file)
    }

    /// Parses and validates configuration text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let invalid =
            |key: &str, message: String| ConfigError::Invalid { file: file.to_string(), key: key.to_string(), message };
        let de = toml::Deserializer::parse(text).map_err(|e| invalid("(syntax)", e.to_string().trim().to_string()))?;
        let raw: RawConfig = serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            invalid(if key == "." { "(top level)" } else { &key }, e.into_inner().message().to_string())
        })?;
        validate::validate(raw, file).map_err(|(key, message)| invalid(&key, message))
    }

    /// Finds and loads the configuration: `--config`, else `$TILL_CONFIG`, else `config.toml`
    /// in the platform config dir, else the system's (`/etc/till/config.toml`, as the package
    /// installs it; `$TILL_SYSTEM_CONFIG` names another); if none exists, the demo
    /// configuration. A path that was named explicitly must exist.
    pub fn discover(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        if let Some(p) = explicit {
            return Config::load(p);
        }
        if let Some(p) = std::env::var_os("TILL_CONFIG").filter(|v| !v.is_empty()) {
            return Config::load(Path::new(&p));
        }
        if let Some(p) = default_config_path().filter(|p| p.exists()) {
            return Config::load(&p);
        }
        let system = std::env::var_os("TILL_SYSTEM_CONFIG").map(PathBuf::from).unwrap_or_else(|| SYSTEM_CONFIG.into());
        if system.exists() {
            return Config::load(&system);
        }
        Config::demo()
    }

    pub fn role_policy(&self, role: Role) -> &RolePolicy {
        // Every role is filled in by validation.
        &self.roles[&role]
    }
}

pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "till")
}

pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// The data directory: `--data-dir`, else the platform data dir (see also
/// [`Config::data_dir`], which the command line puts between the two).
pub fn data_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit.map(Path::to_path_buf).or_else(|| project_dirs().map(|d| d.data_dir().to_path_buf()))
}

impl Config {
    /// Applies the devices assigned on the device settings screen over the configuration's.
    pub fn apply_device_settings(&mut self, settings: &[crate::store::DeviceSetting]) {
        for d in settings {
            if check_device_port(&d.device, &d.port, d.protocol.as_deref()).is_err() {
                tracing::warn!("ignoring the stored {} setting '{}'", d.device, d.port);
                continue;
            }
            let port = Some(d.port.clone()).filter(|p| !p.is_empty());
            match d.device.as_str() {
                "printer" => self.printer_port = port,
                "display" => {
                    let protocol = d
                        .protocol
                        .as_deref()
                        .and_then(|p| p.parse().ok())
                        .or(self.display.as_ref().map(|(_, p)| *p))
                        .unwrap_or(till_hardware::display::Protocol::Epson);
                    self.display = port.map(|p| (p, protocol));
                }
                "scale" => self.scale_port = port,
                _ => self.scanner_port = port,
            }
        }
    }
}

#[cfg(test)]
mod device_port_tests {
    use super::check_device_port as check;

    #[test]
    fn device_addresses() {
        for (dev, port) in [
            ("printer", "/dev/ttyUSB0"),
            ("printer", "tcp://192.168.1.50:9100"),
            ("printer", "file:///var/spool/till/receipts.bin"),
            ("scale", "/dev/serial/by-id/usb-Mettler_Toledo-if00"),
            ("scanner", "COM3"),
            ("display", ""),
        ] {
            assert_eq!(check(dev, port, None), Ok(()), "{dev} {port}");
        }
        for (dev, port) in [
            ("printer", "tcp://host"),
            ("printer", "tcp://:9100"),
            ("printer", "tcp://host:99999"),
            ("scale", "tcp://host:9100"),
            ("display", "ttyUSB0"),
            ("scanner", "/dev/tty\n"),
            ("scanner", " /dev/ttyS0"),
            ("drawer", "/dev/ttyS0"),
            // Characters of more than one byte where "COM" would end: refused, never sliced.
            ("scanner", "CÖM1"),
            ("scanner", "C€1"),
        ] {
            assert!(check(dev, port, None).is_err(), "{dev} {port:?}");
        }
        assert_eq!(check("display", "/dev/ttyS1", Some("cd5220")), Ok(()));
        assert!(check("display", "/dev/ttyS1", Some("vfd")).is_err());
        assert!(check("scale", "/dev/ttyS1", Some("epson")).is_err());
    }
}
