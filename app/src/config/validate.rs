//! Validation: the raw configuration becomes a typed [`Config`], or an error that names the
//! file, the key and what is wrong.

use super::raw::*;
use super::*;

type Invalid = (String, String);

fn err<T>(key: impl Into<String>, message: impl Into<String>) -> Result<T, Invalid> {
    Err((key.into(), message.into()))
}

pub(super) fn validate(raw: RawConfig, file: &str) -> Result<Config, Invalid> {
    let t = &raw.terminal;
    if t.id.is_empty() || t.id.len() > 32 || !t.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return err("terminal.id", "must be 1 to 32 letters, digits, '-' or '_'");
    }

    if let Some(lang) = t.language.as_deref().filter(|l| !is_language(l)) {
        let known: Vec<&str> = crate::i18n::LANGUAGES.iter().map(|(c, _)| *c).collect();
        return err("terminal.language", format!("'{}' is not one of {}", lang.escape_debug(), known.join(", ")));
    }
    if let Some(theme) = t.theme.as_deref().filter(|th| !is_theme(th)) {
        return err("terminal.theme", format!("'{}' is not one of {}", theme.escape_debug(), THEMES.join(", ")));
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
            // A multiple of the minor unit has no more decimals than it (no division: a huge
            // increment divided by 0.0001 would overflow).
            if inc <= Decimal::ZERO || inc.normalize().scale() > minor_units {
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
            let mut pumps: Vec<crate::devices::forecourt::PumpSetup> = Vec::new();
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
                pumps.push(crate::devices::forecourt::PumpSetup {
                    number: p.number,
                    address,
                    grades: p.nozzles.clone(),
                });
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

    if !(1..=100).contains(&raw.security.max_pin_attempts) {
        return err("security.max_pin_attempts", "must be 1 to 100");
    }
    // No lockout is not an option, and one beyond a week is a typing error.
    if !(1..=604_800).contains(&raw.security.lockout_seconds) {
        return err("security.lockout_seconds", "must be 1 to 604800 (a week)");
    }

    let card_terminal = match raw.card_terminal {
        None => None,
        Some(c) if c.port.trim().is_empty() => None,
        Some(c) => {
            if c.protocol != "zvt" {
                return err(
                    "card_terminal.protocol",
                    format!("'{}' is not a card protocol Till speaks (zvt)", c.protocol),
                );
            }
            let serial = c.port.starts_with('/') || c.port.to_ascii_uppercase().starts_with("COM");
            let tcp = c
                .port
                .strip_prefix("tcp://")
                .and_then(|a| a.rsplit_once(':'))
                .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok_and(|n| n > 0));
            if !serial && !tcp {
                return err("card_terminal.port", "must be tcp://HOST:PORT or a serial port path");
            }
            let password = match c.password.parse::<u32>() {
                Ok(p) if c.password.len() == 6 && c.password.bytes().all(|b| b.is_ascii_digit()) => p,
                _ => return err("card_terminal.password", "must be 6 digits"),
            };
            let Some(currency_numeric) = iso_numeric(&currency.code) else {
                return err("currency.code", "has no ISO 4217 number Till knows, so the card terminal cannot be used");
            };
            Some(CardTerminalConfig { port: c.port, password, currency_numeric })
        }
    };
    let printer_width = match raw.printer.as_ref().and_then(|p| p.width_mm) {
        None | Some(80) => crate::receipt::WIDTH_80MM,
        Some(58) => crate::receipt::WIDTH_58MM,
        Some(_) => return err("printer.width_mm", "must be 80 or 58"),
    };
    let cash = super::cash::cash(raw.cash, &currency)?;
    let qr = super::qr::qr(raw.qr_payments)?;
    let kiosk = super::qr::kiosk(raw.terminal.mode.as_deref(), raw.kiosk)?;
    let site = super::site::site(raw.site)?;
    let grade_codes: Vec<String> = fuel_grades.iter().map(|g: &FuelGrade| g.code.clone()).collect();
    let tanks = super::cash::tanks(raw.tanks, &grade_codes)?;
    let thresholds = super::cash::thresholds(raw.reconciliation)?;
    let data_dir = super::backup::data_dir(raw.terminal.data_dir.as_deref())?;
    let backup = super::backup::backup(raw.backup)?;
    Ok(Config {
        source: file.to_string(),
        demo: false,
        terminal_id: t.id.clone(),
        terminal_name: t.name.clone().unwrap_or_else(|| t.id.clone()),
        fullscreen: t.fullscreen,
        language: t.language.clone(),
        theme: t.theme.clone(),
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
        printer_width,
        printer_port: raw.printer.map(|p| p.port).filter(|p| !p.trim().is_empty()),
        display,
        scale_port: raw.scale.map(|p| p.port).filter(|p| !p.trim().is_empty()),
        scanner_port: raw.scanner.map(|p| p.port).filter(|p| !p.trim().is_empty()),
        sync,
        card_terminal,
        qr,
        kiosk,
        site,
        cash,
        tanks,
        thresholds,
        data_dir,
        backup,
    })
}

/// Why a device address (or protocol) is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    #[error("no device is called '{device}'")]
    NoSuchDevice { device: String },
    #[error("'{port}' is not a port address")]
    NotAPort { port: String },
    #[error("'{port}' is neither a serial port (/dev/..., COMn), tcp://HOST:PORT nor file:///PATH")]
    NotAPrinterPort { port: String },
    #[error("'{port}' is not a serial port (/dev/..., COMn)")]
    NotASerialPort { port: String },
    #[error("display protocol '{protocol}' is not epson or cd5220")]
    NoSuchProtocol { protocol: String },
    #[error("the {device} has no protocol to choose ('{protocol}')")]
    NoProtocolToChoose { device: String, protocol: String },
}

/// Checks a device address as typed on the device settings screen (or in the configuration): a
/// serial port path (`/dev/ttyUSB0`, `/dev/serial/by-id/...`, `COM3`), and for the printer also
/// `tcp://HOST:PORT` or `file:///PATH`. An empty address means "not attached".
pub fn check_device_port(device: &str, port: &str, protocol: Option<&str>) -> Result<(), PortError> {
    if !["printer", "display", "scale", "scanner"].contains(&device) {
        return Err(PortError::NoSuchDevice { device: device.to_string() });
    }
    if port.len() > 256 || port.chars().any(char::is_control) || port.trim() != port {
        return Err(PortError::NotAPort { port: port.escape_debug().to_string() });
    }
    let serial = |p: &str| {
        p.starts_with('/') && !p.ends_with('/')
            || p.len() > 3
                && p.get(..3).is_some_and(|c| c.eq_ignore_ascii_case("COM"))
                && p.get(3..).is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
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
        let port = port.to_string();
        return Err(if device == "printer" {
            PortError::NotAPrinterPort { port }
        } else {
            PortError::NotASerialPort { port }
        });
    }
    match (device, protocol) {
        ("display", Some(p)) => p
            .parse::<till_hardware::display::Protocol>()
            .map(|_| ())
            .map_err(|_| PortError::NoSuchProtocol { protocol: p.to_string() }),
        ("display", None) => Ok(()),
        (_, None) => Ok(()),
        (_, Some(p)) => Err(PortError::NoProtocolToChoose { device: device.to_string(), protocol: p.to_string() }),
    }
}

/// ISO 4217 numeric codes of the currencies a card terminal is likely to take.
pub fn iso_numeric(code: &str) -> Option<u16> {
    Some(match code {
        "EUR" => 978,
        "CHF" => 756,
        "GBP" => 826,
        "USD" => 840,
        "PLN" => 985,
        "CZK" => 203,
        "HUF" => 348,
        "DKK" => 208,
        "SEK" => 752,
        "NOK" => 578,
        "INR" => 356,
        "IDR" => 360,
        _ => return None,
    })
}
