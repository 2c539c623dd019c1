//! The configuration as written in TOML, before validation.

use super::*;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) terminal: RawTerminal,
    #[serde(default)]
    pub(super) store: RawStore,
    pub(super) currency: RawCurrency,
    #[serde(default)]
    pub(super) rounding: RawRounding,
    pub(super) tax: RawTax,
    pub(super) tax_classes: BTreeMap<String, RawTaxClass>,
    #[serde(default)]
    pub(super) fuel_grades: Vec<RawFuelGrade>,
    #[serde(default)]
    pub(super) roles: BTreeMap<Role, RolePolicy>,
    #[serde(default)]
    pub(super) barcodes: RawBarcodes,
    #[serde(default)]
    pub(super) security: RawSecurity,
    #[serde(default)]
    pub(super) forecourt: Option<RawForecourt>,
    #[serde(default)]
    pub(super) tank_gauge: Option<RawTankGauge>,
    #[serde(default)]
    pub(super) printer: Option<RawPrinter>,
    #[serde(default)]
    pub(super) display: Option<RawDisplay>,
    #[serde(default)]
    pub(super) scale: Option<RawPort>,
    #[serde(default)]
    pub(super) scanner: Option<RawPort>,
    #[serde(default)]
    pub(super) sync: Option<RawSync>,
    #[serde(default)]
    pub(super) card_terminal: Option<RawCardTerminal>,
    #[serde(default)]
    pub(super) qr_payments: Option<super::qr::RawQr>,
    #[serde(default)]
    pub(super) kiosk: Option<super::qr::RawKiosk>,
    #[serde(default)]
    pub(super) site: Option<super::site::RawSite>,
    #[serde(default)]
    pub(super) cash: Option<super::cash::RawCash>,
    #[serde(default)]
    pub(super) tanks: Vec<super::cash::RawTank>,
    #[serde(default)]
    pub(super) reconciliation: Option<super::cash::RawReconciliation>,
    #[serde(default)]
    pub(super) backup: Option<super::backup::RawBackup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCardTerminal {
    pub(super) port: String,
    #[serde(default = "zvt")]
    pub(super) protocol: String,
    #[serde(default = "zero_password")]
    pub(super) password: String,
}

fn zvt() -> String {
    "zvt".into()
}

fn zero_password() -> String {
    "000000".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSync {
    /// The central endpoint's base address, `https://...` (or `http://` on a local network).
    pub(super) url: String,
    /// This terminal's token (`Authorization: Bearer ...`).
    pub(super) token: String,
    #[serde(default = "default_sync_interval")]
    pub(super) interval_seconds: u64,
    #[serde(default = "default_sync_batch")]
    pub(super) batch_size: usize,
    #[serde(default = "default_sync_timeout")]
    pub(super) timeout_seconds: u64,
    /// The first wait after a failure; it doubles with each failure in a row (up to 300 s).
    #[serde(default = "default_retry_base")]
    pub(super) retry_base_ms: u64,
}

pub(super) fn default_retry_base() -> u64 {
    1000
}

pub(super) fn default_sync_interval() -> u64 {
    15
}

pub(super) fn default_sync_batch() -> usize {
    200
}

pub(super) fn default_sync_timeout() -> u64 {
    10
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPort {
    pub(super) port: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDisplay {
    /// The serial port of the customer pole display.
    pub(super) port: String,
    /// "epson" or "cd5220".
    #[serde(default = "default_display_protocol")]
    pub(super) protocol: String,
}

pub(super) fn default_display_protocol() -> String {
    "epson".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPrinter {
    /// The paper: 80 (48 columns) or 58 (32 columns) mm.
    #[serde(default)]
    pub(super) width_mm: Option<u32>,
    /// The serial port of the ESC/POS receipt printer (and its cash drawer).
    pub(super) port: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTankGauge {
    /// The serial port of the Veeder-Root TLS gauge.
    pub(super) port: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawForecourt {
    /// The serial port of the pump line (RS-485 adapter).
    pub(super) port: String,
    #[serde(default = "default_baud")]
    pub(super) baud: u32,
    pub(super) pumps: Vec<RawPump>,
}

pub(super) fn default_baud() -> u32 {
    9600
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPump {
    pub(super) number: u8,
    /// DART address, "0x50" to "0x6F".
    pub(super) address: String,
    /// The fuel grade of each nozzle, nozzle 1 first.
    pub(super) nozzles: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTerminal {
    pub(super) id: String,
    #[serde(default)]
    pub(super) name: Option<String>,
    /// Full screen without a frame: the counter touchscreen.
    #[serde(default)]
    pub(super) fullscreen: bool,
    /// The screens' language until one is chosen on the terminal (a locale: "de-DE").
    #[serde(default)]
    pub(super) language: Option<String>,
    /// The screens' theme until one is chosen on the terminal ("light", "dark", "contrast").
    #[serde(default)]
    pub(super) theme: Option<String>,
    /// "counter" (the default) or "kiosk" (self-service).
    #[serde(default)]
    pub(super) mode: Option<String>,
    /// The data directory holding the store (`--data-dir` wins; the package sets /var/lib/till).
    #[serde(default)]
    pub(super) data_dir: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) address: Vec<String>,
    #[serde(default)]
    pub(super) tax_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCurrency {
    pub(super) code: String,
    pub(super) minor_units: Option<u32>,
    pub(super) cash_increment: Option<Dec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRounding {
    #[serde(default = "half_up")]
    pub(super) line: RoundingRule,
    #[serde(default = "half_up")]
    pub(super) tax: RoundingRule,
    #[serde(default = "half_up")]
    pub(super) cash: RoundingRule,
}

pub(super) fn half_up() -> RoundingRule {
    RoundingRule::HalfUp
}

impl Default for RawRounding {
    fn default() -> Self {
        RawRounding { line: RoundingRule::HalfUp, tax: RoundingRule::HalfUp, cash: RoundingRule::HalfUp }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTax {
    pub(super) prices_include_tax: bool,
    pub(super) rounding: TaxRounding,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTaxClass {
    #[serde(default)]
    pub(super) name: Option<String>,
    pub(super) components: Vec<RawTaxComponent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTaxComponent {
    pub(super) name: String,
    pub(super) percent: Option<Dec>,
    pub(super) per_unit: Option<Dec>,
    #[serde(default)]
    pub(super) compound: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFuelGrade {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) price: Dec,
    pub(super) tax_class: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBarcodes {
    #[serde(default)]
    pub(super) variable_measure: Vec<VariableMeasureRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSecurity {
    #[serde(default = "default_attempts")]
    pub(super) max_pin_attempts: u32,
    #[serde(default = "default_lockout")]
    pub(super) lockout_seconds: u64,
}

pub(super) fn default_attempts() -> u32 {
    5
}

pub(super) fn default_lockout() -> u64 {
    300
}

impl Default for RawSecurity {
    fn default() -> Self {
        RawSecurity { max_pin_attempts: default_attempts(), lockout_seconds: default_lockout() }
    }
}

// ---------------------------------------------------------------------------------------------
// Typed form.
