//! Technician commands that talk to a device directly: `till hw pump|tank|printer|display|scale`
//! on a serial port (or a simulator's pty). Values use the demo site's decimals: volume 2,
//! amount 2, price 3.

use anyhow::{bail, Context};
use rust_decimal::Decimal;
use std::time::{Duration, Instant};
use till_hardware::dart::app::{Dcc, PosCommand, PumpReply};
use till_hardware::dart::master::Master;

use crate::devices::demo::open_pump_line;
use crate::devices::forecourt::{AMOUNT_DP, PRICE_DP, VOLUME_DP};

/// What `till hw pump` can do.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum PumpAction {
    /// Ask for the pump's status.
    Status,
    /// Authorize the next filling.
    Authorize,
    /// Preset the next filling to an amount (e.g. 20.00).
    PresetAmount {
        #[arg(value_parser = crate::domain::money::parse_decimal)]
        amount: Decimal,
    },
    /// Preset the next filling to a volume in litres (e.g. 30.00).
    PresetVolume {
        #[arg(value_parser = crate::domain::money::parse_decimal)]
        litres: Decimal,
    },
    /// Stop the pump.
    Stop,
    /// Reset a completed filling.
    Reset,
    /// Read the pump's volume and amount totals.
    Totals,
    /// Send prices per nozzle, comma separated (e.g. 1.739,1.659).
    Prices { prices: String },
}

fn raw(value: Decimal, dp: u32, what: &str) -> anyhow::Result<u32> {
    let Some(scaled) = value.checked_mul(Decimal::from(10u32.pow(dp))) else {
        bail!("{what} {value} is too large");
    };
    if value < Decimal::ZERO || scaled.fract() != Decimal::ZERO {
        bail!("{what} {value} must be positive with at most {dp} decimals");
    }
    u32::try_from(scaled).map_err(|_| anyhow::anyhow!("{what} {value} is too large"))
}

pub(crate) fn dec(raw: u64, dp: u32) -> Decimal {
    Decimal::new(raw as i64, dp)
}

fn describe(r: &PumpReply) -> serde_json::Value {
    match r {
        PumpReply::Status(s) => serde_json::json!({ "status": format!("{s:?}") }),
        PumpReply::Filling { volume, amount } => serde_json::json!({
            "volume": dec(u64::from(*volume), VOLUME_DP).to_string(),
            "amount": dec(u64::from(*amount), AMOUNT_DP).to_string(),
        }),
        PumpReply::Nozzle { price, nozzle, out } => serde_json::json!({
            "nozzle": nozzle, "out": out, "price": dec(u64::from(*price), PRICE_DP).to_string(),
        }),
        PumpReply::Totals { counter, volume, amount, .. } => serde_json::json!({
            "totals_counter": counter,
            "volume": dec(*volume, VOLUME_DP).to_string(),
            "amount": dec(*amount, AMOUNT_DP).to_string(),
        }),
    }
}

/// Runs one technician command and prints what the pump answered. Fails with a clear message
/// when the pump does not answer.
pub fn pump(port: &str, address: u8, action: PumpAction, json: bool) -> anyhow::Result<()> {
    if !(0x50..=0x6F).contains(&address) {
        bail!("DART pump addresses are 0x50 to 0x6F, not {address:#04X}");
    }
    let mut line = open_pump_line(port, 9600).with_context(|| format!("cannot open serial port {port}"))?;
    // Drop whatever was waiting on the line (but not forever, on a line that keeps talking).
    let _ = crate::devices::link::drain(&mut line);
    let mut m = Master::new(line);
    let cmds: Vec<PosCommand> = match &action {
        PumpAction::Status => vec![PosCommand::Command(Dcc::ReturnStatus), PosCommand::Command(Dcc::FillingInfo)],
        PumpAction::Authorize => vec![PosCommand::Command(Dcc::Authorize), PosCommand::Command(Dcc::ReturnStatus)],
        PumpAction::PresetAmount { amount } => {
            vec![PosCommand::PresetAmount(raw(*amount, AMOUNT_DP, "amount")?), PosCommand::Command(Dcc::ReturnStatus)]
        }
        PumpAction::PresetVolume { litres } => {
            vec![PosCommand::PresetVolume(raw(*litres, VOLUME_DP, "volume")?), PosCommand::Command(Dcc::ReturnStatus)]
        }
        PumpAction::Stop => vec![PosCommand::Command(Dcc::Stop), PosCommand::Command(Dcc::ReturnStatus)],
        PumpAction::Reset => vec![PosCommand::Command(Dcc::Reset), PosCommand::Command(Dcc::ReturnStatus)],
        PumpAction::Totals => vec![PosCommand::RequestTotals(9), PosCommand::RequestTotals(19)],
        PumpAction::Prices { prices } => {
            let mut raw_prices = Vec::new();
            for p in prices.split(',') {
                let p = crate::domain::money::parse_decimal(p).map_err(|e| anyhow::anyhow!("not a price: {e}"))?;
                raw_prices.push(raw(p, PRICE_DP, "price")?);
            }
            vec![PosCommand::Prices(raw_prices), PosCommand::Command(Dcc::ReturnStatus)]
        }
    };
    m.send(address, &cmds).with_context(|| format!("pump {address:#04X} on {port}"))?;
    // Collect the answers: keep polling until the pump has nothing more to say.
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut answers = Vec::new();
    let mut quiet = 0;
    while Instant::now() < deadline && quiet < 3 {
        let r = m.poll(address).with_context(|| format!("pump {address:#04X} on {port}"))?;
        if r.is_empty() {
            quiet += 1;
        } else {
            quiet = 0;
            answers.extend(r);
        }
    }
    if json {
        let v: Vec<serde_json::Value> = answers.iter().map(describe).collect();
        println!("{}", serde_json::json!({ "address": format!("{address:#04X}"), "answers": v }));
    } else if answers.is_empty() {
        println!("pump {address:#04X}: acknowledged, nothing to report");
    } else {
        for a in &answers {
            println!("pump {address:#04X}: {}", describe(a));
        }
    }
    Ok(())
}

/// `till hw tank --port P inventory`: asks the gauge for every tank's inventory.
pub fn tank_inventory(port: &str, json: bool) -> anyhow::Result<()> {
    let mut line = serialport::new(port, 9600)
        .timeout(Duration::from_millis(20))
        .open_native()
        .with_context(|| format!("cannot open serial port {port}"))?;
    let inv = match crate::devices::tanks::read_inventory(&mut line) {
        Ok(inv) => inv,
        Err(crate::devices::tanks::GaugeError::NoAnswer) => bail!("the tank gauge on {port} did not answer within 3 s"),
        Err(crate::devices::tanks::GaugeError::Unusable(e)) => {
            bail!("the tank gauge on {port} answered something unusable: {e}")
        }
        Err(crate::devices::tanks::GaugeError::Io(e)) => bail!("the tank gauge on {port}: {e}"),
    };
    if json {
        let tanks: Vec<serde_json::Value> = inv
            .tanks
            .iter()
            .map(|t| {
                serde_json::json!({
                    "tank": t.tank, "product": t.product.to_string(), "volume": t.volume, "tc_volume": t.tc_volume,
                    "ullage": t.ullage, "height": t.height, "water": t.water, "temperature": t.temperature,
                    "alarms": crate::devices::tanks::tank_alarms(t),
                })
            })
            .collect();
        println!("{}", serde_json::json!({ "at": inv.at, "tanks": tanks }));
    } else {
        for t in &inv.tanks {
            println!(
                "tank {} (product {}): {:.0} l, ullage {:.0} l, water {:.1}, {:.1} °C {}",
                t.tank,
                t.product,
                t.volume,
                t.ullage,
                t.water,
                t.temperature,
                crate::devices::tanks::tank_alarms(t).join(" ")
            );
        }
    }
    Ok(())
}

/// What `till hw printer` can do.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PrinterAction {
    TestPage,
    Status,
    OpenDrawer,
}

/// `till hw printer --port P test-page|status|open-drawer`.
pub fn printer(port: &str, action: PrinterAction) -> anyhow::Result<()> {
    use crate::devices::printer::PrintResult;
    use till_hardware::escpos::Job;
    let line = serialport::new(port, 9600)
        .timeout(Duration::from_millis(5))
        .open_native()
        .with_context(|| format!("cannot open serial port {port}"))?;
    let p = crate::devices::printer::Printer::start(line);
    let bytes = match action {
        PrinterAction::TestPage => Job::new()
            .title("Till test page")
            .line("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789")
            .line("Äöü ß é è ñ € £")
            .line(&"-".repeat(48))
            .qr("TILL:TEST")
            .cut()
            .bytes()
            .to_vec(),
        PrinterAction::Status => Vec::new(),
        PrinterAction::OpenDrawer => till_hardware::escpos::DRAWER_KICK.to_vec(),
    };
    match (p.print(bytes), action) {
        (PrintResult::Printed, _) => {
            println!("printer on {port}: ready");
            Ok(())
        }
        // The drawer opens without paper; the printer answered.
        (PrintResult::Failed(reason), PrinterAction::OpenDrawer) if reason == "paper_out" => {
            println!("printer on {port}: drawer opened (paper out)");
            Ok(())
        }
        (PrintResult::Failed(reason), _) => bail!("printer on {port}: {reason}"),
    }
}

/// `till hw display --port P --protocol epson|cd5220 text "..."`: the text over two lines.
pub fn display_text(port: &str, protocol: till_hardware::display::Protocol, text: &str) -> anyhow::Result<()> {
    let mut line = serialport::new(port, 9600)
        .timeout(Duration::from_millis(50))
        .open_native()
        .with_context(|| format!("cannot open serial port {port}"))?;
    let (upper, lower) = match text.split_once('\n') {
        Some((u, l)) => (u.to_string(), l.to_string()),
        None => (text.chars().take(20).collect(), text.chars().skip(20).collect()),
    };
    std::io::Write::write_all(&mut line, &till_hardware::display::show(protocol, &upper, &lower))
        .with_context(|| format!("the display on {port} cannot be written"))?;
    println!("display on {port}: {}", till_hardware::display::transliterate(text));
    Ok(())
}

/// `till hw scale --port P weigh`: a stable weight in kilograms.
pub fn scale_weigh(port: &str) -> anyhow::Result<()> {
    let mut line = serialport::new(port, 9600)
        .timeout(Duration::from_millis(5))
        .open_native()
        .with_context(|| format!("cannot open serial port {port}"))?;
    let kg = crate::devices::scale::weigh(&mut line, Duration::from_secs(5))
        .map_err(|e| anyhow::anyhow!("scale on {port}: {e}"))?;
    println!("{kg} kg");
    Ok(())
}

/// `till hw scanner`: reads codes from a serial scanner and says of each whether it is a valid
/// barcode; returns how many were read before `patience` passed without one.
pub fn scanner_read(port: &str, count: u32, patience: Duration, json: bool) -> anyhow::Result<u32> {
    use std::io::Read;
    use till_hardware::scanner::{Decoder, Read as Line};
    let mut p = serialport::new(port, 9600)
        .timeout(Duration::from_millis(100))
        .open_native()
        .with_context(|| format!("cannot open serial port {port}"))?;
    let mut decoder = Decoder::new();
    let mut read = 0;
    let mut last = Instant::now();
    let mut buf = [0u8; 64];
    while read < count && last.elapsed() < patience {
        let n = match p.read(&mut buf) {
            Ok(n) => n,
            Err(e) if !crate::devices::link::fatal(&e) => 0,
            Err(e) => bail!("the scanner's line failed: {e}"),
        };
        for line in decoder.push(&buf[..n]) {
            last = Instant::now();
            let (code, verdict) = match line {
                Line::Code(c) => {
                    let v = crate::domain::barcode::parse(&c).map(|g| format!("{g:?}")).map_err(|e| e.to_string());
                    (c, v)
                }
                Line::Garbage(len) => (String::new(), Err(format!("{len} bytes that are no code"))),
            };
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "code": code, "valid": verdict.is_ok(), "detail": verdict.clone().unwrap_or_else(|e| e) })
                );
            } else {
                match &verdict {
                    Ok(v) => println!("{code}: valid ({v})"),
                    Err(e) => println!("{code}: not valid: {e}"),
                }
            }
            read += 1;
        }
    }
    if read < count {
        eprintln!("till: {read} of {count} codes read; none for {} s", patience.as_secs());
    }
    Ok(read)
}
