//! The site link (`docs/site-api.md`): the terminals of one site over the site network. A kiosk
//! answers its status (does a basket wait for staff, why) and takes a member of staff's answer
//! from the counter; a counter watches its kiosks and sends those answers. Every request is
//! signed with the site's shared secret (HMAC-SHA256 over method, path, time, sender and body)
//! and refused when the signature or the time is wrong. The link decides nothing: what a kiosk
//! publishes comes from its session, and an answer it takes goes to its session as a report,
//! which checks the signature again before it changes anything.

use crate::config::SiteConfig;
use crate::effects::Report;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const STATUS_PATH: &str = "/site/v1/status";
pub const ANSWER_PATH: &str = "/site/v1/answer";
pub const STOP_PATH: &str = "/site/v1/stop";
/// How far a request's time may be from the receiver's clock.
pub const MAX_SKEW_SECS: i64 = 60;
/// The largest request body a terminal takes.
pub const MAX_BODY: usize = 4096;
/// How often a counter asks its kiosks.
pub const POLL: Duration = Duration::from_millis(1000);

/// What a terminal tells the site about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteStatus {
    pub terminal_id: String,
    pub name: String,
    /// "kiosk" or "counter".
    pub mode: String,
    /// Set while a basket waits for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<SiteHelp>,
    /// The basket: how many items, and its total as shown (currency formatted).
    #[serde(default)]
    pub basket_items: u32,
    #[serde(default)]
    pub basket_total: String,
    /// Pumps this terminal holds for self-service (pay-at-pump) now.
    #[serde(default)]
    pub self_service_pumps: Vec<u8>,
}

/// Why a kiosk's basket waits, and the token an answer must carry (it changes with the basket,
/// so an answer to what the counter saw never approves something else).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteHelp {
    pub token: String,
    /// "age", "amount", "customer", "payment" or "price".
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A member of staff's answer, as the counter sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    pub token: String,
    pub approve: bool,
    /// Who answered, at which terminal.
    pub staff: String,
    pub staff_id: i64,
    pub from: String,
}

/// A stop from the counter for a pump a kiosk holds (`pump`), or for every pump (none: the
/// emergency stop).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopBody {
    #[serde(default)]
    pub pump: Option<u8>,
    /// Who stopped it, at which terminal (nobody need be signed in for an emergency stop).
    pub staff: Option<String>,
    pub from: String,
}

/// A watched terminal as last seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerView {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<SiteStatus>,
    /// Why the last look failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Why a request's signature is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the request is not signed")]
    Unsigned,
    #[error("the request's time is {0} s from this terminal's clock")]
    Skewed(i64),
    #[error("the signature does not match the site's secret")]
    BadSignature,
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn mac(secret: &str, method: &str, path: &str, time: i64, from: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    m.update(format!("{method}\n{path}\n{time}\n{from}\n").as_bytes());
    m.update(body);
    m
}

/// The signature of a request (lower-case hex).
pub fn sign(secret: &str, method: &str, path: &str, time: i64, from: &str, body: &[u8]) -> String {
    hex::encode(mac(secret, method, path, time, from, body).finalize().into_bytes())
}

/// Checks a request's signature and time (in constant time).
#[allow(clippy::too_many_arguments)]
pub fn verify(
    secret: &str,
    method: &str,
    path: &str,
    time: i64,
    from: &str,
    body: &[u8],
    signature: &str,
    now: i64,
) -> Result<(), AuthError> {
    let skew = now.saturating_sub(time);
    if skew.abs() > MAX_SKEW_SECS {
        return Err(AuthError::Skewed(skew));
    }
    let given = hex::decode(signature.trim()).map_err(|_| AuthError::BadSignature)?;
    mac(secret, method, path, time, from, body).verify_slice(&given).map_err(|_| AuthError::BadSignature)
}

type Sink = Arc<dyn Fn(Report) + Send + Sync>;

struct Shared {
    secret: String,
    terminal_id: String,
    own: Mutex<Option<SiteStatus>>,
    peers: Mutex<Vec<PeerView>>,
    sink: Mutex<Option<Sink>>,
}

/// A signed POST to a peer, and what to do with how it went (`None`: taken).
struct Job {
    url: String,
    path: &'static str,
    body: String,
    done: Box<dyn FnOnce(Option<String>) + Send>,
}

/// The link's handle: cheap to clone.
#[derive(Clone)]
pub struct SiteLink {
    shared: Arc<Shared>,
    jobs: tokio::sync::mpsc::UnboundedSender<Job>,
    listening: Option<std::net::SocketAddr>,
}

impl SiteLink {
    /// Starts the link: it answers on `[site] listen` (bound now, so a port in use is an error
    /// at start) and watches `[site] peers`.
    pub fn start(cfg: &SiteConfig, terminal_id: &str) -> Result<SiteLink, String> {
        let listener = match cfg.listen {
            Some(addr) => {
                let l = std::net::TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
                l.set_nonblocking(true).map_err(|e| e.to_string())?;
                Some(l)
            }
            None => None,
        };
        let listening = listener.as_ref().and_then(|l| l.local_addr().ok());
        let shared = Arc::new(Shared {
            secret: cfg.secret.clone(),
            terminal_id: terminal_id.to_string(),
            own: Mutex::new(None),
            peers: Mutex::new(
                cfg.peers.iter().map(|u| PeerView { url: u.clone(), status: None, error: None }).collect(),
            ),
            sink: Mutex::new(None),
        });
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(3))
            .connect_timeout(Duration::from_secs(2))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot set up HTTP: {e}"))?;
        let (jobs, mut rx) = tokio::sync::mpsc::unbounded_channel::<Job>();
        let s = shared.clone();
        std::thread::Builder::new()
            .name("till-site".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                rt.block_on(async move {
                    if let Some(l) = listener {
                        if let Ok(l) = tokio::net::TcpListener::from_std(l) {
                            let app = router(s.clone());
                            tokio::spawn(async move {
                                let _ = axum::serve(l, app).await;
                            });
                        }
                    }
                    let watched = s.clone();
                    let client = http.clone();
                    tokio::spawn(async move { watch(watched, client).await });
                    while let Some(job) = rx.recv().await {
                        let failed = post(&s, &http, &job.url, job.path, &job.body).await.err();
                        (job.done)(failed);
                    }
                });
            })
            .map_err(|e| e.to_string())?;
        Ok(SiteLink { shared, jobs, listening })
    }

    /// Where this terminal answers, when it does.
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.listening
    }

    /// What this terminal tells the site now (from its session, after every command).
    pub fn publish(&self, status: SiteStatus) {
        if let Ok(mut own) = self.shared.own.lock() {
            *own = Some(status);
        }
    }

    /// The watched terminals as last seen.
    pub fn peers(&self) -> Vec<PeerView> {
        self.shared.peers.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Where answers taken from the counter go (the window's or the script's reports).
    pub fn set_sink(&self, sink: impl Fn(Report) + Send + Sync + 'static) {
        if let Ok(mut s) = self.shared.sink.lock() {
            *s = Some(Arc::new(sink));
        }
    }

    /// Sends a member of staff's answer to a kiosk; `report` hears how it went.
    pub fn send_answer(&self, url: &str, terminal: &str, body: String, report: impl FnOnce(Report) + Send + 'static) {
        let terminal = terminal.to_string();
        self.send(url, ANSWER_PATH, body, move |failed| report(Report::SiteSent { terminal, failed }));
    }

    /// Sends a stop to the kiosk that holds the pump (`pump`; none: every pump); `report`
    /// hears how it went.
    pub fn send_stop(
        &self,
        url: &str,
        terminal: &str,
        pump: Option<u8>,
        body: String,
        report: impl FnOnce(Report) + Send + 'static,
    ) {
        let terminal = terminal.to_string();
        self.send(url, STOP_PATH, body, move |failed| report(Report::SiteStopSent { terminal, pump, failed }));
    }

    fn send(&self, url: &str, path: &'static str, body: String, done: impl FnOnce(Option<String>) + Send + 'static) {
        let job = Job { url: url.to_string(), path, body, done: Box::new(done) };
        if let Err(tokio::sync::mpsc::error::SendError(job)) = self.jobs.send(job) {
            (job.done)(Some("the site link has stopped".into()));
        }
    }
}

fn signed(s: &Shared, req: reqwest::RequestBuilder, method: &str, path: &str, body: &[u8]) -> reqwest::RequestBuilder {
    let time = unix_now();
    let sig = sign(&s.secret, method, path, time, &s.terminal_id, body);
    req.header("x-till-time", time.to_string()).header("x-till-from", &s.terminal_id).header("x-till-signature", sig)
}

async fn post(s: &Shared, http: &reqwest::Client, url: &str, path: &str, body: &str) -> Result<(), String> {
    let req = http.post(format!("{url}{path}")).header("content-type", "application/json");
    let resp = signed(s, req, "POST", path, body.as_bytes()).body(body.to_string()).send().await;
    let resp = resp.map_err(|e| format!("{url} did not answer: {}", short(&e)))?;
    match resp.status().as_u16() {
        200..=299 => Ok(()),
        code => {
            let text = resp.text().await.unwrap_or_default();
            let why = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
                .unwrap_or_else(|| text.chars().take(200).collect());
            Err(format!("{url} answered {code}: {why}"))
        }
    }
}

fn short(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection refused".into()
    } else {
        e.to_string().chars().take(200).collect()
    }
}

/// Asks every watched terminal for its status, once a second.
async fn watch(s: Arc<Shared>, http: reqwest::Client) {
    let urls: Vec<String> = s.peers.lock().map(|p| p.iter().map(|v| v.url.clone()).collect()).unwrap_or_default();
    if urls.is_empty() {
        return;
    }
    loop {
        for url in &urls {
            let req = signed(&s, http.get(format!("{url}{STATUS_PATH}")), "GET", STATUS_PATH, b"");
            let seen = match req.send().await {
                Ok(r) if r.status().is_success() => match r.bytes().await {
                    Ok(b) if b.len() <= 64 * 1024 => {
                        serde_json::from_slice::<SiteStatus>(&b).map_err(|e| format!("not a status: {e}"))
                    }
                    Ok(_) => Err("the status is too large".into()),
                    Err(e) => Err(short(&e)),
                },
                Ok(r) => Err(format!("answered {}", r.status().as_u16())),
                Err(e) => Err(short(&e)),
            };
            if let Ok(mut peers) = s.peers.lock() {
                if let Some(p) = peers.iter_mut().find(|p| &p.url == url) {
                    match seen {
                        Ok(st) => (p.status, p.error) = (Some(st), None),
                        // A terminal that stops answering needs nobody's help any more.
                        Err(e) => (p.status, p.error) = (None, Some(e)),
                    }
                }
            }
        }
        tokio::time::sleep(POLL).await;
    }
}

fn router(s: Arc<Shared>) -> Router {
    Router::new()
        .route(STATUS_PATH, get(status))
        .route(ANSWER_PATH, axum::routing::post(answer))
        .route(STOP_PATH, axum::routing::post(stop))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(s)
}

type Answer = (StatusCode, Json<serde_json::Value>);

fn refused(code: StatusCode, why: impl std::fmt::Display) -> Answer {
    (code, Json(serde_json::json!({ "error": why.to_string() })))
}

/// The request's signature headers, checked against the secret.
fn authenticate(
    s: &Shared,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<(i64, String, String), Answer> {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (Some(time), Some(from), Some(sig)) = (h("x-till-time"), h("x-till-from"), h("x-till-signature")) else {
        return Err(refused(StatusCode::UNAUTHORIZED, AuthError::Unsigned));
    };
    let time: i64 = time.trim().parse().map_err(|_| refused(StatusCode::UNAUTHORIZED, AuthError::Unsigned))?;
    verify(&s.secret, method, path, time, &from, body, &sig, unix_now())
        .map_err(|e| refused(StatusCode::UNAUTHORIZED, e))?;
    Ok((time, from, sig))
}

async fn status(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Answer {
    if let Err(a) = authenticate(&s, &headers, "GET", STATUS_PATH, b"") {
        return a;
    }
    match s.own.lock().ok().and_then(|o| o.clone()) {
        Some(st) => (StatusCode::OK, Json(serde_json::to_value(st).unwrap_or_default())),
        None => refused(StatusCode::SERVICE_UNAVAILABLE, "the terminal has not started yet"),
    }
}

async fn answer(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Answer {
    let (time, from, signature) = match authenticate(&s, &headers, "POST", ANSWER_PATH, &body) {
        Ok(a) => a,
        Err(a) => return a,
    };
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return refused(StatusCode::BAD_REQUEST, "the body is not UTF-8 text");
    };
    if let Err(e) = serde_json::from_str::<AnswerBody>(&text) {
        return refused(StatusCode::UNPROCESSABLE_ENTITY, format!("not an answer: {e}"));
    }
    let sink = s.sink.lock().ok().and_then(|k| k.clone());
    let Some(sink) = sink else { return refused(StatusCode::SERVICE_UNAVAILABLE, "the terminal has not started yet") };
    // The session decides (and checks the signature again); the counter sees the result in
    // the kiosk's next status.
    sink(Report::SiteAnswer { time, from, body: text, signature });
    (StatusCode::ACCEPTED, Json(serde_json::json!({ "accepted": true })))
}

/// A stop from the counter: taken when signed, and carried out by the session (which checks the
/// signature again), before anything else the kiosk does.
async fn stop(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Answer {
    let (time, from, signature) = match authenticate(&s, &headers, "POST", STOP_PATH, &body) {
        Ok(a) => a,
        Err(a) => return a,
    };
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return refused(StatusCode::BAD_REQUEST, "the body is not UTF-8 text");
    };
    if let Err(e) = serde_json::from_str::<StopBody>(&text) {
        return refused(StatusCode::UNPROCESSABLE_ENTITY, format!("not a stop: {e}"));
    }
    let sink = s.sink.lock().ok().and_then(|k| k.clone());
    let Some(sink) = sink else { return refused(StatusCode::SERVICE_UNAVAILABLE, "the terminal has not started yet") };
    sink(Report::SiteStop { time, from, body: text, signature });
    (StatusCode::ACCEPTED, Json(serde_json::json!({ "accepted": true })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_for_its_request_only() {
        let (secret, now) = ("0123456789abcdef", 1_800_000_000);
        let sig = sign(secret, "POST", ANSWER_PATH, now, "T1", b"{}");
        assert_eq!(verify(secret, "POST", ANSWER_PATH, now, "T1", b"{}", &sig, now + 5), Ok(()));
        let bad = |r: Result<(), AuthError>| r.unwrap_err();
        assert_eq!(bad(verify(secret, "POST", ANSWER_PATH, now, "T1", b"{ }", &sig, now)), AuthError::BadSignature);
        assert_eq!(bad(verify(secret, "GET", ANSWER_PATH, now, "T1", b"{}", &sig, now)), AuthError::BadSignature);
        assert_eq!(bad(verify(secret, "POST", STATUS_PATH, now, "T1", b"{}", &sig, now)), AuthError::BadSignature);
        assert_eq!(bad(verify(secret, "POST", ANSWER_PATH, now, "T2", b"{}", &sig, now)), AuthError::BadSignature);
        assert_eq!(
            bad(verify("another-secret!!", "POST", ANSWER_PATH, now, "T1", b"{}", &sig, now)),
            AuthError::BadSignature
        );
        assert_eq!(bad(verify(secret, "POST", ANSWER_PATH, now, "T1", b"{}", "zz", now)), AuthError::BadSignature);
        assert_eq!(bad(verify(secret, "POST", ANSWER_PATH, now, "T1", b"{}", &sig, now + 61)), AuthError::Skewed(61));
        assert_eq!(bad(verify(secret, "POST", ANSWER_PATH, now, "T1", b"{}", &sig, now - 61)), AuthError::Skewed(-61));
    }
}
