//! The QR wallet payment provider (docs/qr-payments.md), over HTTP: a thread that creates a
//! payment for an intent, asks for its status (every few seconds while it is open, and when the
//! session asks), and cancels it. It decides nothing: each answer goes to the session as a
//! [`Report::Qr`]. A payment is created with the intent's reference as its key, so asking again
//! after a lost answer, a provider that was down or a crash never makes a second payment.

use crate::config::QrConfig;
use crate::effects::Report;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Instant;

/// The most of a provider's answer that is read.
const MAX_BODY: usize = 64 * 1024;

/// A payment as the provider describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrPayment {
    pub reference: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: QrStatus,
    /// The QR code's content (EMVCo merchant-presented payload), while it can be paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<String>,
    /// The provider's own id of the paid transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_ref: Option<String>,
    /// The wallet the customer paid with, as the provider names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QrStatus {
    Pending,
    Paid,
    Failed,
    Expired,
    Cancelled,
}

impl QrStatus {
    /// Whether the payment can still change.
    pub fn open(self) -> bool {
        self == QrStatus::Pending
    }
}

/// What the till asks the provider to create.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    pub reference: String,
    pub amount_minor: i64,
    pub currency: String,
    pub terminal_id: String,
}

/// What was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QrOp {
    /// Create the payment (or find it, if it exists under this reference).
    Create,
    /// Its status (created first if the provider does not know it).
    Poll,
    Cancel,
    /// The thread's own regular status request (reported only when something changed).
    Watch,
}

/// The provider's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrAnswer {
    Payment(QrPayment),
    /// No answer, or none that could be read: the payment's state is not known.
    Unreachable(String),
    /// The provider refused to create the payment (it exists under none of its references).
    Refused(String),
}

type ReportFn = Box<dyn Fn(Report) + Send>;

enum Job {
    Ask { op: QrOp, intent: i64, new: NewPayment, report: ReportFn },
}

struct Watched {
    new: NewPayment,
    report: ReportFn,
    last: Option<QrAnswer>,
    due: Instant,
}

/// The provider's thread, as the effects executor drives it.
#[derive(Clone)]
pub struct QrProvider {
    jobs: Sender<Job>,
    pub health: crate::devices::link::Health,
}

impl QrProvider {
    /// The provider the configuration names. With `watch`, open payments are asked for every
    /// `poll` interval and changes reported; without (`till exec`), only when asked.
    pub fn open(cfg: &QrConfig, watch: bool) -> QrProvider {
        let (jobs, rx) = mpsc::channel();
        let health = crate::devices::link::Health::default();
        let h = health.clone();
        let cfg = cfg.clone();
        let spawned = std::thread::Builder::new().name("till-qr-provider".into()).spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                tracing::error!("the QR provider's runtime did not start");
                return;
            };
            match Client::new(&cfg) {
                Ok(client) => run(&rt, &client, &cfg, watch, rx, &h),
                Err(e) => tracing::error!("the QR provider cannot be used: {e}"),
            }
        });
        if let Err(e) = spawned {
            tracing::error!("the QR provider's thread did not start: {e}");
        }
        QrProvider { jobs, health }
    }

    /// Asks the provider; `report` hears the answer (and, while watched, later changes).
    pub fn ask(&self, op: QrOp, intent: i64, new: NewPayment, report: impl Fn(Report) + Send + 'static) {
        let job = Job::Ask { op, intent, new, report: Box::new(report) };
        if let Err(mpsc::SendError(Job::Ask { op, report, .. })) = self.jobs.send(job) {
            report(Report::Qr {
                intent,
                op,
                answer: QrAnswer::Unreachable("the QR provider's thread stopped".into()),
                last: true,
            });
        }
    }
}

fn run(
    rt: &tokio::runtime::Runtime,
    client: &Client,
    cfg: &QrConfig,
    watch: bool,
    rx: Receiver<Job>,
    health: &crate::devices::link::Health,
) {
    let mut watched: HashMap<i64, Watched> = HashMap::new();
    loop {
        let next = watched.values().map(|w| w.due).min();
        let job = match next {
            Some(due) => rx.recv_timeout(due.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match job {
            Ok(Job::Ask { op, intent, new, report }) => {
                let answer = rt.block_on(client.ask(op, &new));
                note_health(health, &answer);
                report(Report::Qr { intent, op, answer: answer.clone(), last: true });
                let open = match &answer {
                    QrAnswer::Payment(p) => p.status.open(),
                    QrAnswer::Unreachable(_) => true,
                    QrAnswer::Refused(_) => false,
                };
                if watch && open {
                    watched.insert(intent, Watched { new, report, last: Some(answer), due: Instant::now() + cfg.poll });
                } else {
                    watched.remove(&intent);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let now = Instant::now();
        let due: Vec<i64> = watched.iter().filter(|(_, w)| w.due <= now).map(|(id, _)| *id).collect();
        for intent in due {
            let Some(w) = watched.get_mut(&intent) else { continue };
            let answer = rt.block_on(client.ask(QrOp::Watch, &w.new));
            note_health(health, &answer);
            w.due = Instant::now() + cfg.poll;
            if w.last.as_ref() != Some(&answer) {
                (w.report)(Report::Qr { intent, op: QrOp::Watch, answer: answer.clone(), last: false });
                w.last = Some(answer.clone());
            }
            if !matches!(&answer, QrAnswer::Unreachable(_))
                && !matches!(&answer, QrAnswer::Payment(p) if p.status.open())
            {
                watched.remove(&intent);
            }
        }
    }
}

fn note_health(health: &crate::devices::link::Health, answer: &QrAnswer) {
    match answer {
        QrAnswer::Unreachable(_) => health.offline(),
        _ => health.online("ready"),
    }
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

enum Got {
    Payment(QrPayment),
    /// The provider refused to create the payment.
    Refused(String),
    Status(u16, String),
    Failed(String),
}

impl Client {
    fn new(cfg: &QrConfig) -> Result<Client, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("till/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up HTTP: {e}"))?;
        Ok(Client { http, base: cfg.url.clone(), token: cfg.token.clone() })
    }

    async fn ask(&self, op: QrOp, new: &NewPayment) -> QrAnswer {
        let got = match op {
            QrOp::Create => self.create(new).await,
            QrOp::Poll | QrOp::Watch => match self.get(new).await {
                // Not known to the provider: the create was lost on the way. Created now, under
                // the same reference.
                Got::Status(404, _) => self.create(new).await,
                g => g,
            },
            QrOp::Cancel => match self.send(new, "cancel").await {
                // Never created: there is nothing the customer could pay.
                Got::Status(404, _) => Got::Payment(QrPayment {
                    reference: new.reference.clone(),
                    amount_minor: new.amount_minor,
                    currency: new.currency.clone(),
                    status: QrStatus::Cancelled,
                    qr: None,
                    expires_at: None,
                    paid_at: None,
                    provider_ref: None,
                    wallet: None,
                }),
                g => g,
            },
        };
        match got {
            Got::Payment(p) => match check(p, new) {
                Ok(p) => QrAnswer::Payment(p),
                Err(e) => QrAnswer::Unreachable(format!("the provider's answer is not usable: {e}")),
            },
            Got::Refused(why) => QrAnswer::Refused(why),
            Got::Status(401 | 403, _) => QrAnswer::Unreachable("the provider refused this terminal's token".into()),
            Got::Status(code, why) => QrAnswer::Unreachable(format!("HTTP {code}: {why}")),
            Got::Failed(e) => QrAnswer::Unreachable(e),
        }
    }

    async fn create(&self, new: &NewPayment) -> Got {
        let req = self
            .http
            .post(format!("{}/v1/payments", self.base))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", &new.reference)
            .header("content-type", "application/json")
            .body(serde_json::to_vec(new).unwrap_or_default());
        match read(req.send().await).await {
            // The provider refused the payment it was asked to create: none exists.
            Got::Status(code @ (400 | 409 | 422), why) => Got::Refused(format!("HTTP {code}: {why}")),
            g => g,
        }
    }

    async fn get(&self, new: &NewPayment) -> Got {
        let req = self.http.get(format!("{}/v1/payments/{}", self.base, new.reference)).bearer_auth(&self.token);
        read(req.send().await).await
    }

    async fn send(&self, new: &NewPayment, action: &str) -> Got {
        let req =
            self.http.post(format!("{}/v1/payments/{}/{action}", self.base, new.reference)).bearer_auth(&self.token);
        read(req.send().await).await
    }
}

async fn read(resp: Result<reqwest::Response, reqwest::Error>) -> Got {
    let resp = match resp {
        Ok(r) => r,
        Err(e) => return Got::Failed(crate::sync::describe(&e)),
    };
    let status = resp.status().as_u16();
    let body = match crate::sync::read_limited(resp, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return Got::Failed(format!("the answer could not be read: {e}")),
    };
    if !(200..300).contains(&status) {
        let why: String = String::from_utf8_lossy(&body).chars().filter(|c| !c.is_control()).take(200).collect();
        return Got::Status(status, why);
    }
    match serde_json::from_slice::<QrPayment>(&body) {
        Ok(p) => Got::Payment(p),
        Err(e) => Got::Failed(format!("the answer is not a payment: {e}")),
    }
}

/// A payment answer is used only if it is the one asked about and its fields are sane.
fn check(mut p: QrPayment, new: &NewPayment) -> Result<QrPayment, String> {
    if p.reference != new.reference {
        return Err(format!("it is about payment {}, not {}", p.reference, new.reference));
    }
    let printable = |s: &str, max: usize| s.len() <= max && s.chars().all(|c| !c.is_control());
    if p.qr.as_deref().is_some_and(|q| q.is_empty() || !printable(q, 1024)) {
        return Err("its QR code is empty, too long or not text".into());
    }
    if p.status == QrStatus::Pending && p.qr.is_none() {
        return Err("an open payment without a QR code".into());
    }
    for f in [&mut p.provider_ref, &mut p.wallet, &mut p.expires_at, &mut p.paid_at] {
        if f.as_deref().is_some_and(|s| !printable(s, 64)) {
            *f = None;
        }
    }
    Ok(p)
}

/// The QR code of `payload` as modules (true: dark), `size` x `size`, with no quiet zone.
pub fn modules(payload: &str) -> Option<(usize, Vec<bool>)> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M).ok()?;
    let size = code.width();
    Some((size, code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect()))
}

/// The QR code of a text that may hold any language's letters (a receipt for a phone to keep):
/// marked UTF-8 (ECI 26) so that readers do not guess another encoding; the smallest version
/// that holds it.
pub fn text_modules(text: &str) -> Option<(usize, Vec<bool>)> {
    use qrcode::{bits::Bits, EcLevel, QrCode, Version};
    (1..=40).find_map(|v| {
        let mut bits = Bits::new(Version::Normal(v));
        bits.push_eci_designator(26).ok()?;
        bits.push_byte_data(text.as_bytes()).ok()?;
        bits.push_terminator(EcLevel::M).ok()?;
        let code = QrCode::with_bits(bits, EcLevel::M).ok()?;
        Some((code.width(), code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new() -> NewPayment {
        NewPayment { reference: "r1".into(), amount_minor: 500, currency: "EUR".into(), terminal_id: "T".into() }
    }

    fn payment(status: QrStatus) -> QrPayment {
        QrPayment {
            reference: "r1".into(),
            amount_minor: 500,
            currency: "EUR".into(),
            status,
            qr: Some("000201".into()),
            expires_at: None,
            paid_at: None,
            provider_ref: Some("P-1".into()),
            wallet: None,
        }
    }

    #[test]
    fn an_answer_about_another_payment_or_without_a_code_is_not_used() {
        let mut other = payment(QrStatus::Paid);
        other.reference = "r2".into();
        assert!(check(other, &new()).is_err());
        let mut no_code = payment(QrStatus::Pending);
        no_code.qr = None;
        assert!(check(no_code, &new()).is_err());
        let mut control = payment(QrStatus::Pending);
        control.qr = Some("a\u{7}b".into());
        assert!(check(control, &new()).is_err());
        let mut long_ref = payment(QrStatus::Paid);
        long_ref.provider_ref = Some("x".repeat(65));
        assert_eq!(check(long_ref, &new()).map(|p| p.provider_ref), Ok(None));
    }

    #[test]
    fn a_payload_becomes_a_square_code() {
        let (size, dark) = modules("00020101021226").expect("a code");
        assert!(size >= 21);
        assert_eq!(dark.len(), size * size);
        assert!(dark.iter().any(|d| *d) && dark.iter().any(|d| !*d));
    }
}
