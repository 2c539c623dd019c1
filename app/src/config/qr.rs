//! `[qr_payments]`: the QR wallet payment provider (docs/qr-payments.md).

use serde::Deserialize;
use std::time::Duration;

type Invalid = (String, String);

fn err<T>(key: impl Into<String>, message: impl Into<String>) -> Result<T, Invalid> {
    Err((key.into(), message.into()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQr {
    pub(super) url: String,
    pub(super) token: String,
    #[serde(default = "three")]
    pub(super) poll_seconds: u64,
    #[serde(default = "five")]
    pub(super) timeout_seconds: u64,
}

fn three() -> u64 {
    3
}
fn five() -> u64 {
    5
}

/// The provider QR wallet payments are asked of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrConfig {
    /// The provider's base address (`https://…`, no trailing slash).
    pub url: String,
    /// The bearer token the provider knows this terminal by.
    pub token: String,
    /// How often an open payment's status is asked for.
    pub poll: Duration,
    /// How long one request may take.
    pub timeout: Duration,
}

pub(super) fn qr(raw: Option<RawQr>) -> Result<Option<QrConfig>, Invalid> {
    let Some(q) = raw else { return Ok(None) };
    if q.url.trim().is_empty() {
        return Ok(None);
    }
    let url = q.url.trim_end_matches('/').to_string();
    let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    if !host.is_some_and(|h| !h.is_empty() && !h.contains(char::is_whitespace)) {
        return err("qr_payments.url", format!("'{}' is not an http:// or https:// address", q.url));
    }
    if q.token.trim().is_empty() || q.token.chars().any(|c| c.is_control() || c == ' ') {
        return err("qr_payments.token", "the token must be a non-empty word");
    }
    if !(1..=60).contains(&q.poll_seconds) {
        return err("qr_payments.poll_seconds", "must be between 1 and 60");
    }
    if !(1..=60).contains(&q.timeout_seconds) {
        return err("qr_payments.timeout_seconds", "must be between 1 and 60");
    }
    Ok(Some(QrConfig {
        url,
        token: q.token,
        poll: Duration::from_secs(q.poll_seconds),
        timeout: Duration::from_secs(q.timeout_seconds),
    }))
}

/// `[terminal] mode` and `[kiosk]`: a self-service terminal that no cashier signs in to.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawKiosk {
    #[serde(default)]
    pub(super) idle_seconds: Option<u64>,
    #[serde(default)]
    pub(super) countdown_seconds: Option<u64>,
    /// A basket above this amount waits for staff.
    #[serde(default)]
    pub(super) amount_limit: Option<crate::domain::money::Dec>,
    /// How high the screen's lower edge is above the floor, and how tall its picture is (mm).
    #[serde(default)]
    pub(super) screen_bottom_mm: Option<u32>,
    #[serde(default)]
    pub(super) screen_height_mm: Option<u32>,
    /// The start screen's promotions: a CSV file of language, text.
    #[serde(default)]
    pub(super) promotions: Option<std::path::PathBuf>,
    /// Pay-at-pump: the most a customer reserves ("fill up").
    #[serde(default)]
    pub(super) fill_up_amount: Option<crate::domain::money::Dec>,
    /// An outdoor payment terminal: pay for fuel only, no shop.
    #[serde(default)]
    pub(super) fuel_only: Option<bool>,
}

/// How a kiosk behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskConfig {
    /// Without a touch for this long, the kiosk asks "Do you need more time?".
    pub idle: Duration,
    /// How long that question waits before the basket is cancelled.
    pub countdown: Duration,
    pub amount_limit: Option<rust_decimal::Decimal>,
    /// The screen's lower edge above the floor and its height, in mm (for the reach band).
    pub screen_mm: Option<(u32, u32)>,
    /// The start screen's promotions (language, text); the demo's when not given.
    pub promotions: Option<std::path::PathBuf>,
    /// Pay-at-pump: the most a customer reserves ("fill up"), 100.00 unless configured.
    pub fill_up: rust_decimal::Decimal,
    /// An outdoor payment terminal (a kiosk at the pumps with only "Pay for fuel"): no shop,
    /// and the fill's receipt printed or shown as a QR code when the customer asks.
    pub fuel_only: bool,
}

impl KioskConfig {
    /// The shares of the screen's height above and below the reach band of EN 301 549 (operable
    /// parts between 380 and 1,220 mm above the floor); none when the mounting is not given.
    pub fn reach_margins(&self) -> (f32, f32) {
        let Some((bottom, height)) = self.screen_mm.filter(|(_, h)| *h > 0) else { return (0.0, 0.0) };
        let (bottom, height) = (bottom as f32, height as f32);
        let above = ((bottom + height - 1220.0) / height).clamp(0.0, 0.9);
        let below = ((380.0 - bottom) / height).clamp(0.0, 0.9 - above);
        (above, below)
    }
}

pub(super) fn kiosk(mode: Option<&str>, raw: Option<RawKiosk>) -> Result<Option<KioskConfig>, Invalid> {
    match mode.unwrap_or("counter") {
        "counter" if raw.is_none() => return Ok(None),
        "counter" => return err("kiosk", "is set, but [terminal] mode is not \"kiosk\""),
        "kiosk" => {}
        other => return err("terminal.mode", format!("'{other}' is not counter or kiosk")),
    }
    let raw = raw.unwrap_or_default();
    let idle = raw.idle_seconds.unwrap_or(60);
    let countdown = raw.countdown_seconds.unwrap_or(20);
    if !(10..=3600).contains(&idle) {
        return err("kiosk.idle_seconds", "must be between 10 and 3600");
    }
    if !(5..=300).contains(&countdown) {
        return err("kiosk.countdown_seconds", "must be between 5 and 300");
    }
    let amount_limit = raw.amount_limit.map(|d| d.0);
    if amount_limit.is_some_and(|a| a <= rust_decimal::Decimal::ZERO) {
        return err("kiosk.amount_limit", "must be more than zero");
    }
    let screen_mm = match (raw.screen_bottom_mm, raw.screen_height_mm) {
        (None, None) => None,
        (Some(b), Some(h)) if b <= 2500 && (50..=2500).contains(&h) => Some((b, h)),
        _ => return err("kiosk.screen_height_mm", "give screen_bottom_mm and screen_height_mm together, in mm"),
    };
    let fill_up = raw.fill_up_amount.map(|d| d.0).unwrap_or(rust_decimal::Decimal::ONE_HUNDRED);
    if fill_up <= rust_decimal::Decimal::ZERO || fill_up > rust_decimal::Decimal::from(2000) {
        return err("kiosk.fill_up_amount", "must be more than zero and at most 2000");
    }
    Ok(Some(KioskConfig {
        fill_up,
        fuel_only: raw.fuel_only.unwrap_or(false),
        idle: Duration::from_secs(idle),
        countdown: Duration::from_secs(countdown),
        amount_limit,
        screen_mm,
        promotions: raw.promotions,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reach_band_is_the_part_of_the_screen_between_380_and_1220_mm() {
        let k = |b, h| KioskConfig {
            idle: Duration::from_secs(60),
            countdown: Duration::from_secs(20),
            amount_limit: None,
            screen_mm: Some((b, h)),
            promotions: None,
            fill_up: rust_decimal::Decimal::ONE_HUNDRED,
            fuel_only: false,
        };
        // A portrait screen from 300 to 1,500 mm: 280 mm above the band, 80 mm below it.
        let (above, below) = k(300, 1200).reach_margins();
        assert!((above - 280.0 / 1200.0).abs() < 1e-6 && (below - 80.0 / 1200.0).abs() < 1e-6);
        // Inside the band already: nothing to leave out.
        assert_eq!(k(700, 400).reach_margins(), (0.0, 0.0));
        assert_eq!(KioskConfig { screen_mm: None, ..k(0, 1) }.reach_margins(), (0.0, 0.0));
    }
}
