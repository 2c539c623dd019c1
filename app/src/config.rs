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

/// The demo configuration, used when no configuration file exists.
pub const DEMO_CONFIG: &str = include_str!("../../assets/demo/demo.toml");
/// The demo catalog in the import format.
pub const DEMO_CATALOG: &str = include_str!("../../assets/demo/catalog.csv");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {file}: {source}")]
    Read { file: String, source: std::io::Error },
    #[error("config file {file}: key `{key}`: {message}")]
    Invalid { file: String, key: String, message: String },
}

// ---------------------------------------------------------------------------------------------
// Raw form, as written in TOML.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    terminal: RawTerminal,
    #[serde(default)]
    store: RawStore,
    currency: RawCurrency,
    #[serde(default)]
    rounding: RawRounding,
    tax: RawTax,
    tax_classes: BTreeMap<String, RawTaxClass>,
    #[serde(default)]
    fuel_grades: Vec<RawFuelGrade>,
    #[serde(default)]
    roles: BTreeMap<Role, RolePolicy>,
    #[serde(default)]
    barcodes: RawBarcodes,
    #[serde(default)]
    security: RawSecurity,
    #[serde(default)]
    forecourt: Option<RawForecourt>,
    #[serde(default)]
    tank_gauge: Option<RawTankGauge>,
    #[serde(default)]
    printer: Option<RawPrinter>,
    #[serde(default)]
    display: Option<RawDisplay>,
    #[serde(default)]
    scale: Option<RawPort>,
    #[serde(default)]
    scanner: Option<RawPort>,
    #[serde(default)]
    sync: Option<RawSync>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSync {
    /// The central endpoint's base address, `https://...` (or `http://` on a local network).
    url: String,
    /// This terminal's token (`Authorization: Bearer ...`).
    token: String,
    #[serde(default = "default_sync_interval")]
    interval_seconds: u64,
    #[serde(default = "default_sync_batch")]
    batch_size: usize,
    #[serde(default = "default_sync_timeout")]
    timeout_seconds: u64,
    /// The first wait after a failure; it doubles with each failure in a row (up to 300 s).
    #[serde(default = "default_retry_base")]
    retry_base_ms: u64,
}

fn default_retry_base() -> u64 {
    1000
}

fn default_sync_interval() -> u64 {
    15
}
fn default_sync_batch() -> usize {
    200
}
fn default_sync_timeout() -> u64 {
    10
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPort {
    port: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDisplay {
    /// The serial port of the customer pole display.
    port: String,
    /// "epson" or "cd5220".
    #[serde(default = "default_display_protocol")]
    protocol: String,
}

fn default_display_protocol() -> String {
    "epson".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrinter {
    /// The serial port of the ESC/POS receipt printer (and its cash drawer).
    port: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTankGauge {
    /// The serial port of the Veeder-Root TLS gauge.
    port: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForecourt {
    /// The serial port of the pump line (RS-485 adapter).
    port: String,
    #[serde(default = "default_baud")]
    baud: u32,
    pumps: Vec<RawPump>,
}

fn default_baud() -> u32 {
    9600
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPump {
    number: u8,
    /// DART address, "0x50" to "0x6F".
    address: String,
    /// The fuel grade of each nozzle, nozzle 1 first.
    nozzles: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerminal {
    id: String,
    #[serde(default)]
    name: Option<String>,
    /// Full screen without a frame: the counter touchscreen.
    #[serde(default)]
    fullscreen: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: Vec<String>,
    #[serde(default)]
    tax_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCurrency {
    code: String,
    minor_units: Option<u32>,
    cash_increment: Option<Dec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRounding {
    #[serde(default = "half_up")]
    line: RoundingRule,
    #[serde(default = "half_up")]
    tax: RoundingRule,
    #[serde(default = "half_up")]
    cash: RoundingRule,
}

fn half_up() -> RoundingRule {
    RoundingRule::HalfUp
}

impl Default for RawRounding {
    fn default() -> Self {
        RawRounding { line: RoundingRule::HalfUp, tax: RoundingRule::HalfUp, cash: RoundingRule::HalfUp }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTax {
    prices_include_tax: bool,
    rounding: TaxRounding,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxClass {
    #[serde(default)]
    name: Option<String>,
    components: Vec<RawTaxComponent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxComponent {
    name: String,
    percent: Option<Dec>,
    per_unit: Option<Dec>,
    #[serde(default)]
    compound: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFuelGrade {
    code: String,
    name: String,
    price: Dec,
    tax_class: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBarcodes {
    #[serde(default)]
    variable_measure: Vec<VariableMeasureRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecurity {
    #[serde(default = "default_attempts")]
    max_pin_attempts: u32,
    #[serde(default = "default_lockout")]
    lockout_seconds: u64,
}

fn default_attempts() -> u32 {
    5
}
fn default_lockout() -> u64 {
    300
}

impl Default for RawSecurity {
    fn default() -> Self {
        RawSecurity { max_pin_attempts: default_attempts(), lockout_seconds: default_lockout() }
    }
}

// ---------------------------------------------------------------------------------------------
// Typed form.

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
    /// The customer display's serial port and command set.
    pub display: Option<(String, till_hardware::display::Protocol)>,
    /// The scale's serial port (MT-SICS).
    pub scale_port: Option<String>,
    /// A serial barcode scanner's port (keyboard-wedge scanners need none).
    pub scanner_port: Option<String>,
    /// The central endpoint, when the terminal reports to one.
    pub sync: Option<SyncConfig>,
}

#[derive(Debug, Clone)]
pub struct ForecourtConfig {
    pub port: String,
    pub baud: u32,
    pub pumps: Vec<crate::forecourt::PumpSetup>,
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
        validate(raw, file).map_err(|(key, message)| invalid(&key, message))
    }

    /// Finds and loads the configuration: `--config`, else `$TILL_CONFIG`, else `config.toml`
    /// in the platform config dir; if none exists, the demo configuration. A path that was
    /// named explicitly must exist.
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

/// The data directory: `--data-dir`, else the platform data dir.
pub fn data_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit.map(Path::to_path_buf).or_else(|| project_dirs().map(|d| d.data_dir().to_path_buf()))
}

type Invalid = (String, String);

fn err<T>(key: impl Into<String>, message: impl Into<String>) -> Result<T, Invalid> {
    Err((key.into(), message.into()))
}

fn validate(raw: RawConfig, file: &str) -> Result<Config, Invalid> {
    let t = &raw.terminal;
    if t.id.is_empty() || t.id.len() > 32 || !t.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return err("terminal.id", "must be 1 to 32 letters, digits, '-' or '_'");
    }

    let code = raw.currency.code.trim().to_ascii_uppercase();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return err("currency.code", format!("'{}' is not a three-letter ISO 4217 code", raw.currency.code));
    }
    let minor_units = match (raw.currency.minor_units, iso_minor_units(&code)) {
        (Some(m), _) if m > 4 => return err("currency.minor_units", "must be 0 to 4"),
        (Some(m), _) => m,
        (None, Some(m)) => m,
        (None, None) => {
            return err("currency.minor_units", format!("required: the minor units of '{code}' are not built in"))
        }
    };
    let cash_increment = match raw.currency.cash_increment {
        None => None,
        Some(Dec(inc)) => {
            let unit = Decimal::new(1, minor_units);
            if inc <= Decimal::ZERO || (inc / unit).fract() != Decimal::ZERO {
                return err("currency.cash_increment", format!("must be a positive multiple of {unit}"));
            }
            Some(inc)
        }
    };
    let currency = Currency { code, minor_units, cash_increment };

    let mut tax_classes = HashMap::new();
    for (cls_code, c) in &raw.tax_classes {
        let key = format!("tax_classes.{cls_code}");
        if c.components.is_empty() {
            return err(
                format!("{key}.components"),
                "a tax class needs at least one component (use percent = \"0\" for exempt)",
            );
        }
        if c.components.len() > crate::domain::tax::MAX_COMPONENTS {
            return err(
                format!("{key}.components"),
                format!("at most {} components", crate::domain::tax::MAX_COMPONENTS),
            );
        }
        let mut components = Vec::new();
        for (i, comp) in c.components.iter().enumerate() {
            let ckey = format!("{key}.components[{i}]");
            let basis = match (comp.percent, comp.per_unit) {
                (Some(Dec(p)), None) if p >= Decimal::ZERO && p <= Decimal::ONE_HUNDRED => TaxBasis::Percent(p),
                (Some(_), None) => return err(format!("{ckey}.percent"), "must be 0 to 100"),
                (None, Some(Dec(a))) if a >= Decimal::ZERO => TaxBasis::PerUnit(a),
                (None, Some(_)) => return err(format!("{ckey}.per_unit"), "must not be negative"),
                _ => return err(ckey, "give exactly one of `percent` or `per_unit`"),
            };
            if comp.name.trim().is_empty() {
                return err(format!("{ckey}.name"), "must not be empty");
            }
            components.push(TaxComponent { name: comp.name.clone(), basis, compound: comp.compound });
        }
        tax_classes.insert(
            cls_code.clone(),
            TaxClass { code: cls_code.clone(), name: c.name.clone().unwrap_or_else(|| cls_code.clone()), components },
        );
    }
    if tax_classes.is_empty() {
        return err("tax_classes", "at least one tax class is required");
    }

    let mut fuel_grades = Vec::new();
    for (i, g) in raw.fuel_grades.iter().enumerate() {
        let key = format!("fuel_grades[{i}]");
        if g.code.trim().is_empty() {
            return err(format!("{key}.code"), "must not be empty");
        }
        if fuel_grades.iter().any(|f: &FuelGrade| f.code == g.code) {
            return err(format!("{key}.code"), format!("grade '{}' is listed twice", g.code));
        }
        if g.price.0 <= Decimal::ZERO || g.price.0.scale() > 3 || g.price.0 > crate::import::MAX_PRICE {
            return err(
                format!("{key}.price"),
                "must be more than zero, at most 1000000000, with at most 3 decimals per litre",
            );
        }
        if !tax_classes.contains_key(&g.tax_class) {
            return err(
                format!("{key}.tax_class"),
                format!("tax class '{}' is not defined under [tax_classes]", g.tax_class),
            );
        }
        fuel_grades.push(FuelGrade {
            code: g.code.clone(),
            name: g.name.clone(),
            price_per_litre: g.price.0,
            tax_class: g.tax_class.clone(),
        });
    }

    let mut roles: HashMap<Role, RolePolicy> = Role::ALL.iter().map(|&r| (r, RolePolicy::default_for(r))).collect();
    for (role, policy) in raw.roles {
        if policy.max_discount_percent < Decimal::ZERO || policy.max_discount_percent > Decimal::ONE_HUNDRED {
            return err(format!("roles.{role}.max_discount_percent"), "must be 0 to 100");
        }
        roles.insert(role, policy);
    }

    for (i, r) in raw.barcodes.variable_measure.iter().enumerate() {
        let key = format!("barcodes.variable_measure[{i}]");
        let ok_prefix =
            r.prefix.len() == 2 && r.prefix.starts_with('2') && r.prefix.bytes().all(|b| b.is_ascii_digit());
        if !ok_prefix {
            return err(format!("{key}.prefix"), "must be a GS1 in-store prefix \"20\" to \"29\"");
        }
        if !(1..=6).contains(&r.item_digits) {
            return err(format!("{key}.item_digits"), "must be 1 to 6");
        }
        if r.decimals > r.value_digits() {
            return err(format!("{key}.decimals"), format!("must be at most the {} value digits", r.value_digits()));
        }
    }

    let forecourt = match raw.forecourt {
        None => None,
        Some(f) => {
            if f.port.trim().is_empty() {
                return err("forecourt.port", "must name the serial port of the pump line");
            }
            if ![1200, 2400, 4800, 9600, 19200].contains(&f.baud) {
                return err("forecourt.baud", "DART runs at 9600 or 19200 baud");
            }
            let mut pumps: Vec<crate::forecourt::PumpSetup> = Vec::new();
            for (i, p) in f.pumps.iter().enumerate() {
                let key = format!("forecourt.pumps[{i}]");
                let address = p
                    .address
                    .trim()
                    .strip_prefix("0x")
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .filter(|a| (0x50..=0x6F).contains(a));
                let Some(address) = address else {
                    return err(
                        format!("{key}.address"),
                        format!("'{}' is not a DART address 0x50 to 0x6F", p.address),
                    );
                };
                if pumps.iter().any(|q| q.address == address) {
                    return err(format!("{key}.address"), format!("{} is used twice", p.address));
                }
                if p.number == 0 || pumps.iter().any(|q| q.number == p.number) {
                    return err(format!("{key}.number"), "pump numbers start at 1 and are unique");
                }
                if p.nozzles.is_empty() || p.nozzles.len() > 8 {
                    return err(format!("{key}.nozzles"), "a pump has 1 to 8 nozzles");
                }
                if let Some(g) = p.nozzles.iter().find(|g| !fuel_grades.iter().any(|f: &FuelGrade| &f.code == *g)) {
                    return err(
                        format!("{key}.nozzles"),
                        format!("fuel grade '{g}' is not defined under [[fuel_grades]]"),
                    );
                }
                pumps.push(crate::forecourt::PumpSetup { number: p.number, address, grades: p.nozzles.clone() });
            }
            if pumps.is_empty() {
                return err("forecourt.pumps", "at least one pump is required");
            }
            Some(ForecourtConfig { port: f.port, baud: f.baud, pumps })
        }
    };

    let sync = match raw.sync {
        None => None,
        Some(s) => {
            let url = s.url.trim_end_matches('/').to_string();
            let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
            if !host.is_some_and(|h| !h.is_empty() && !h.contains(char::is_whitespace)) {
                return err("sync.url", format!("'{}' is not an http:// or https:// address", s.url));
            }
            if s.token.trim().is_empty() || s.token.chars().any(|c| c.is_control() || c == ' ') {
                return err("sync.token", "the token must be a non-empty word");
            }
            if !(1..=3600).contains(&s.interval_seconds) {
                return err("sync.interval_seconds", "must be between 1 and 3600");
            }
            if !(1..=500).contains(&s.batch_size) {
                return err("sync.batch_size", "must be between 1 and 500");
            }
            if !(1..=120).contains(&s.timeout_seconds) {
                return err("sync.timeout_seconds", "must be between 1 and 120");
            }
            if !(10..=60_000).contains(&s.retry_base_ms) {
                return err("sync.retry_base_ms", "must be between 10 and 60000");
            }
            Some(SyncConfig {
                url,
                token: s.token,
                interval: std::time::Duration::from_secs(s.interval_seconds),
                batch_size: s.batch_size,
                timeout: std::time::Duration::from_secs(s.timeout_seconds),
                retry_base: std::time::Duration::from_millis(s.retry_base_ms),
            })
        }
    };

    let display = match raw.display {
        None => None,
        Some(d) => match d.protocol.parse::<till_hardware::display::Protocol>() {
            Ok(p) => Some((d.port, p)),
            Err(e) => return err("display.protocol", e),
        },
    };

    if raw.security.max_pin_attempts == 0 {
        return err("security.max_pin_attempts", "must be at least 1");
    }

    Ok(Config {
        source: file.to_string(),
        demo: false,
        terminal_id: t.id.clone(),
        terminal_name: t.name.clone().unwrap_or_else(|| t.id.clone()),
        fullscreen: t.fullscreen,
        store: StoreInfo { name: raw.store.name, address: raw.store.address, tax_id: raw.store.tax_id },
        pricing: Pricing {
            currency,
            line_rule: raw.rounding.line,
            cash_rule: raw.rounding.cash,
            tax: TaxPolicy {
                prices_include_tax: raw.tax.prices_include_tax,
                rounding: raw.tax.rounding,
                rule: raw.rounding.tax,
            },
            tax_classes,
        },
        fuel_grades,
        roles,
        variable_measure: raw.barcodes.variable_measure,
        max_pin_attempts: raw.security.max_pin_attempts,
        lockout_seconds: raw.security.lockout_seconds,
        forecourt,
        tank_gauge_port: raw.tank_gauge.map(|t| t.port).filter(|p| !p.trim().is_empty()),
        printer_port: raw.printer.map(|p| p.port).filter(|p| !p.trim().is_empty()),
        display,
        scale_port: raw.scale.map(|p| p.port).filter(|p| !p.trim().is_empty()),
        scanner_port: raw.scanner.map(|p| p.port).filter(|p| !p.trim().is_empty()),
        sync,
    })
}

/// Checks a device address as typed on the device settings screen (or in the configuration): a
/// serial port path (`/dev/ttyUSB0`, `/dev/serial/by-id/...`, `COM3`), and for the printer also
/// `tcp://HOST:PORT` or `file:///PATH`. An empty address means "not attached".
pub fn check_device_port(device: &str, port: &str, protocol: Option<&str>) -> Result<(), String> {
    if !["printer", "display", "scale", "scanner"].contains(&device) {
        return Err(format!("no device is called '{device}'"));
    }
    if port.len() > 256 || port.chars().any(char::is_control) || port.trim() != port {
        return Err(format!("'{}' is not a port address", port.escape_debug()));
    }
    let serial = |p: &str| {
        p.starts_with('/') && !p.ends_with('/')
            || p.len() > 3 && p[..3].eq_ignore_ascii_case("COM") && p[3..].chars().all(|c| c.is_ascii_digit())
    };
    let ok = port.is_empty()
        || serial(port)
        || device == "printer"
            && (port.strip_prefix("file://").is_some_and(|p| p.starts_with('/') && p.len() > 1)
                || port.strip_prefix("tcp://").is_some_and(|a| {
                    a.rsplit_once(':')
                        .is_some_and(|(host, p)| !host.is_empty() && p.parse::<u16>().is_ok_and(|n| n > 0))
                }));
    if !ok {
        return Err(if device == "printer" {
            format!("'{port}' is neither a serial port (/dev/..., COMn), tcp://HOST:PORT nor file:///PATH")
        } else {
            format!("'{port}' is not a serial port (/dev/..., COMn)")
        });
    }
    match (device, protocol) {
        ("display", Some(p)) => p.parse::<till_hardware::display::Protocol>().map(|_| ()).map_err(|e| e.to_string()),
        ("display", None) => Ok(()),
        (_, None) => Ok(()),
        (_, Some(p)) => Err(format!("the {device} has no protocol to choose ('{p}')")),
    }
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
        ] {
            assert!(check(dev, port, None).is_err(), "{dev} {port:?}");
        }
        assert_eq!(check("display", "/dev/ttyS1", Some("cd5220")), Ok(()));
        assert!(check("display", "/dev/ttyS1", Some("vfd")).is_err());
        assert!(check("scale", "/dev/ttyS1", Some("epson")).is_err());
    }
}
