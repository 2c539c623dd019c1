//! `till sim qr-provider`: the reference QR payment provider of docs/qr-payments.md, on HTTP.
//! It makes a dynamic EMVCo QR payload per payment, keeps payments by the till's reference
//! (creating one twice gives the same payment), lets them expire, and takes operator commands
//! on standard input (`pay REF`, `fail REF`, `expire REF`, `down SECS`, `list`; `last` stands
//! for the newest payment) and on `POST /sim/...`. With `--state FILE` its payments outlive a
//! restart, as a real provider's do.

use crate::devices::qr::{NewPayment, QrPayment, QrStatus};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How the provider behaves.
#[derive(Debug, Clone)]
pub struct Options {
    pub token: String,
    /// A payment not paid within this long expires.
    pub expire_after: Duration,
    /// Pays every payment this long after it was made (demo mode: nobody scans).
    pub auto_pay: Option<Duration>,
    /// Where the payments are kept across restarts.
    pub state: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    payment: QrPayment,
    terminal_id: String,
    created: u64,
    expires: u64,
}

#[derive(Default)]
struct Provider {
    payments: BTreeMap<String, Stored>,
    /// The newest payment's reference.
    last: Option<String>,
    /// Until when (unix seconds) every request is answered 503.
    down_until: u64,
    paid_count: u64,
}

#[derive(Clone)]
struct App {
    opts: Arc<Options>,
    state: Arc<Mutex<Provider>>,
}

fn unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

fn rfc3339(secs: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(secs as i64).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

impl App {
    fn lock(&self) -> std::sync::MutexGuard<'_, Provider> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn save(&self, p: &Provider) {
        let Some(file) = &self.opts.state else { return };
        let list: Vec<&Stored> = p.payments.values().collect();
        if let Ok(text) = serde_json::to_string(&list) {
            let tmp = file.with_extension("tmp");
            if std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, file)).is_err() {
                eprintln!("qr-provider: cannot write {}", file.display());
            }
        }
    }

    /// Expires and (with --auto-pay) pays what is due by now.
    fn refresh(&self, p: &mut Provider) {
        let now = unix();
        let auto = self.opts.auto_pay.map(|d| d.as_secs());
        let mut changed = false;
        let mut paid = p.paid_count;
        for s in p.payments.values_mut() {
            if s.payment.status != QrStatus::Pending {
                continue;
            }
            if auto.is_some_and(|a| now >= s.created + a) {
                paid += 1;
                set(s, QrStatus::Paid, paid);
            } else if now >= s.expires {
                set(s, QrStatus::Expired, paid);
            } else {
                continue;
            }
            changed = true;
        }
        p.paid_count = paid;
        if changed {
            self.save(p);
        }
    }

    /// The operator (or a test) decides a payment: `pay`, `fail` or `expire`.
    fn decide(&self, reference: &str, action: &str) -> Result<QrPayment, String> {
        let mut p = self.lock();
        self.refresh(&mut p);
        let reference = if reference == "last" { p.last.clone().unwrap_or_default() } else { reference.to_string() };
        let status = match action {
            "pay" => QrStatus::Paid,
            "fail" => QrStatus::Failed,
            "expire" => QrStatus::Expired,
            _ => return Err(format!("'{action}' is not pay, fail or expire")),
        };
        let paid = p.paid_count + 1;
        let s = p.payments.get_mut(&reference).ok_or_else(|| format!("no payment {reference}"))?;
        if s.payment.status != QrStatus::Pending {
            return Err(format!("payment {reference} is {:?} already", s.payment.status));
        }
        set(s, status, paid);
        let out = s.payment.clone();
        if status == QrStatus::Paid {
            p.paid_count = paid;
        }
        self.save(&p);
        Ok(out)
    }
}

fn set(s: &mut Stored, status: QrStatus, paid_no: u64) {
    s.payment.status = status;
    s.payment.qr = None;
    if status == QrStatus::Paid {
        s.payment.paid_at = Some(rfc3339(unix()));
        s.payment.provider_ref = Some(format!("SIM-{paid_no:06}"));
        s.payment.wallet = Some("SimWallet".into());
    }
}

/// An EMVCo merchant-presented QR payload (as QRIS and UPI QR codes are) for the payment.
fn payload(new: &NewPayment, minor_units: u32) -> String {
    fn tlv(out: &mut String, tag: &str, value: &str) {
        out.push_str(&format!("{tag}{:02}{value}", value.len()));
    }
    let numeric = crate::config::iso_numeric(&new.currency).unwrap_or(0);
    let amount = rust_decimal::Decimal::new(new.amount_minor, minor_units).to_string();
    let mut merchant = String::new();
    tlv(&mut merchant, "00", "ID.TILL.SIM");
    tlv(&mut merchant, "01", &new.terminal_id.chars().take(20).collect::<String>());
    let mut extra = String::new();
    tlv(&mut extra, "05", &new.reference.chars().take(25).collect::<String>());
    let mut s = String::new();
    tlv(&mut s, "00", "01");
    tlv(&mut s, "01", "12");
    tlv(&mut s, "26", &merchant);
    tlv(&mut s, "53", &format!("{numeric:03}"));
    tlv(&mut s, "54", &amount);
    tlv(&mut s, "58", "ID");
    tlv(&mut s, "59", "TILL DEMO");
    tlv(&mut s, "60", "JAKARTA");
    tlv(&mut s, "62", &extra);
    s.push_str("6304");
    let crc = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740).checksum(s.as_bytes());
    s.push_str(&format!("{crc:04X}"));
    s
}

fn problem(status: StatusCode, detail: &str) -> Response {
    (status, Json(serde_json::json!({ "error": detail }))).into_response()
}

/// The common checks: the provider is up and the token is right; the refusal if not.
fn gate(app: &App, headers: &HeaderMap) -> Option<Response> {
    if unix() < app.lock().down_until {
        return Some(problem(StatusCode::SERVICE_UNAVAILABLE, "the provider is down"));
    }
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if token != Some(app.opts.token.as_str()) {
        return Some(problem(StatusCode::UNAUTHORIZED, "unknown token"));
    }
    None
}

async fn create(State(app): State<App>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if let Some(r) = gate(&app, &headers) {
        return r;
    }
    let new: NewPayment = match serde_json::from_slice(&body) {
        Ok(n) => n,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &format!("not a payment request: {e}")),
    };
    if headers.get("idempotency-key").and_then(|v| v.to_str().ok()).is_some_and(|k| k != new.reference) {
        return problem(StatusCode::BAD_REQUEST, "the Idempotency-Key is not the reference");
    }
    let good_ref = (1..=64).contains(&new.reference.len())
        && new.reference.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if new.currency.len() != 3 || !new.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return problem(StatusCode::UNPROCESSABLE_ENTITY, "not an ISO 4217 currency code");
    }
    let minor_units = crate::domain::money::iso_minor_units(&new.currency).unwrap_or(2);
    if !good_ref || !(1..=1_000_000_000_000).contains(&new.amount_minor) {
        return problem(StatusCode::UNPROCESSABLE_ENTITY, "reference or amount out of range");
    }
    let mut p = app.lock();
    app.refresh(&mut p);
    if let Some(s) = p.payments.get(&new.reference) {
        let same = s.payment.amount_minor == new.amount_minor
            && s.payment.currency == new.currency
            && s.terminal_id == new.terminal_id;
        if !same {
            return problem(StatusCode::CONFLICT, "this reference names another payment");
        }
        return (StatusCode::OK, Json(s.payment.clone())).into_response();
    }
    let now = unix();
    let expires = now + app.opts.expire_after.as_secs().max(1);
    let payment = QrPayment {
        reference: new.reference.clone(),
        amount_minor: new.amount_minor,
        currency: new.currency.clone(),
        status: QrStatus::Pending,
        qr: Some(payload(&new, minor_units)),
        expires_at: Some(rfc3339(expires)),
        paid_at: None,
        provider_ref: None,
        wallet: None,
    };
    let stored = Stored { payment: payment.clone(), terminal_id: new.terminal_id.clone(), created: now, expires };
    p.payments.insert(new.reference.clone(), stored);
    p.last = Some(new.reference.clone());
    app.save(&p);
    (StatusCode::CREATED, Json(payment)).into_response()
}

async fn status(State(app): State<App>, headers: HeaderMap, Path(reference): Path<String>) -> Response {
    if let Some(r) = gate(&app, &headers) {
        return r;
    }
    let mut p = app.lock();
    app.refresh(&mut p);
    match p.payments.get(&reference) {
        Some(s) => Json(s.payment.clone()).into_response(),
        None => problem(StatusCode::NOT_FOUND, "no such payment"),
    }
}

async fn cancel(State(app): State<App>, headers: HeaderMap, Path(reference): Path<String>) -> Response {
    if let Some(r) = gate(&app, &headers) {
        return r;
    }
    let mut p = app.lock();
    app.refresh(&mut p);
    let Some(s) = p.payments.get_mut(&reference) else { return problem(StatusCode::NOT_FOUND, "no such payment") };
    // A payment that is paid (or ended) stays as it is: the answer says so.
    if s.payment.status == QrStatus::Pending {
        set(s, QrStatus::Cancelled, 0);
    }
    let out = s.payment.clone();
    app.save(&p);
    Json(out).into_response()
}

async fn sim_decide(State(app): State<App>, Path((reference, action)): Path<(String, String)>) -> Response {
    match app.decide(&reference, &action) {
        Ok(p) => Json(p).into_response(),
        Err(e) => problem(StatusCode::CONFLICT, &e),
    }
}

async fn sim_list(State(app): State<App>) -> Response {
    let mut p = app.lock();
    app.refresh(&mut p);
    Json(p.payments.values().map(|s| s.payment.clone()).collect::<Vec<_>>()).into_response()
}

async fn sim_down(State(app): State<App>, Path(secs): Path<u64>) -> Response {
    app.lock().down_until = unix() + secs;
    StatusCode::NO_CONTENT.into_response()
}

fn open(opts: Options) -> anyhow::Result<App> {
    let mut provider = Provider::default();
    if let Some(file) = &opts.state {
        if let Ok(text) = std::fs::read_to_string(file) {
            let list: Vec<Stored> = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{} is not a provider state: {e}", file.display()))?;
            provider.paid_count = list.iter().filter(|s| s.payment.status == QrStatus::Paid).count() as u64;
            provider.last = list.iter().max_by_key(|s| s.created).map(|s| s.payment.reference.clone());
            provider.payments = list.into_iter().map(|s| (s.payment.reference.clone(), s)).collect();
        }
    }
    Ok(App { opts: Arc::new(opts), state: Arc::new(Mutex::new(provider)) })
}

fn router(app: App) -> Router {
    Router::new()
        .route("/v1/payments", post(create))
        .route("/v1/payments/{reference}", get(status))
        .route("/v1/payments/{reference}/cancel", post(cancel))
        .route("/sim/payments", get(sim_list))
        .route("/sim/payments/{reference}/{action}", post(sim_decide))
        .route("/sim/down/{secs}", post(sim_down))
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024))
        .with_state(app)
}

/// Starts the provider in this process on `bind` (demo mode); its base URL.
pub fn start(bind: &str, opts: Options) -> anyhow::Result<String> {
    let app = open(opts)?;
    let listener = std::net::TcpListener::bind(bind)?;
    listener.set_nonblocking(true)?;
    let url = format!("http://{}", listener.local_addr()?);
    std::thread::Builder::new().name("till-sim-qr-provider".into()).spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        rt.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
            let _ = axum::serve(listener, router(app)).await;
        });
    })?;
    Ok(url)
}

/// `till sim qr-provider`: serves until `quit` or the end of input.
pub fn sim_qr_provider(bind: &str, port: u16, opts: Options) -> anyhow::Result<()> {
    let app = open(opts)?;
    let listener = std::net::TcpListener::bind((bind, port))?;
    listener.set_nonblocking(true)?;
    println!("http://{}", listener.local_addr()?);
    let served = app.clone();
    std::thread::Builder::new().name("till-sim-qr-provider".into()).spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        rt.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
            let _ = axum::serve(listener, router(served)).await;
        });
    })?;
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["quit"] => break,
            [action @ ("pay" | "fail" | "expire"), reference] => match app.decide(reference, action) {
                Ok(p) => println!("{} {:?}", p.reference, p.status),
                Err(e) => println!("error: {e}"),
            },
            ["down", secs] => match secs.parse::<u64>() {
                Ok(s) => {
                    app.lock().down_until = unix() + s;
                    println!("down for {s} s");
                }
                Err(_) => println!("error: '{secs}' is not a number of seconds"),
            },
            ["list"] => {
                let mut p = app.lock();
                app.refresh(&mut p);
                for s in p.payments.values() {
                    println!(
                        "{} {} {} {:?}",
                        s.payment.reference, s.payment.amount_minor, s.payment.currency, s.payment.status
                    );
                }
            }
            [] => {}
            _ => println!("error: pay|fail|expire REF|last, down SECS, list, quit"),
        }
        use std::io::Write;
        std::io::stdout().flush()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_is_emvco_with_a_valid_crc() {
        let new = NewPayment {
            reference: "abc-1".into(),
            amount_minor: 1234,
            currency: "IDR".into(),
            terminal_id: "T1".into(),
        };
        let p = payload(&new, 0);
        assert!(p.starts_with("000201010212"), "{p}");
        assert!(p.contains("53033605404") || p.contains("5303360"), "{p}");
        let (body, crc) = p.split_at(p.len() - 4);
        assert!(body.ends_with("6304"));
        let want = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740).checksum(body.as_bytes());
        assert_eq!(crc, format!("{want:04X}"));
        // The well-known check value of CRC-16/CCITT-FALSE.
        assert_eq!(crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740).checksum(b"123456789"), 0x29B1);
    }
}
