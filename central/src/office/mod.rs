//! The head office's web page: the chain's figures, server-rendered (HTML and inline SVG, no
//! script), behind a login. `GET /office/login` and `POST /office/login` (name and password,
//! checked against an Argon2 hash) give a session cookie (`HttpOnly`, `SameSite=Strict`, 12
//! hours; only its hash is stored); `GET /office` shows the figures of the user's chain, read
//! through the same row-level security as everything else.

mod page;

use crate::pg::{db_error, scope, PgCentral};
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use password_hash::rand_core::{OsRng, RngCore};
use password_hash::SaltString;
use serde::Deserialize;

const COOKIE: &str = "till_office";
const SESSION_HOURS: i32 = 12;

pub(crate) fn routes() -> Router<PgCentral> {
    Router::new()
        .route("/office", get(figures))
        .route("/office/login", get(login_form).post(login))
        .route("/office/logout", axum::routing::post(logout))
}

/// An Argon2id hash of a password, in PHC form.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

#[derive(Deserialize)]
struct Login {
    name: String,
    password: String,
}

async fn login_form() -> Html<String> {
    Html(page::login(None))
}

async fn login(State(c): State<PgCentral>, Form(form): Form<Login>) -> Response {
    let refused = || (StatusCode::UNAUTHORIZED, Html(page::login(Some(page::WRONG_LOGIN)))).into_response();
    if form.name.len() > 100 || form.password.len() > 1024 {
        return refused();
    }
    let client = match c.conn().await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let user = match client
        .query_opt("SELECT user_id, chain_id, password_hash FROM till_office_user($1)", &[&form.name.trim()])
        .await
    {
        Ok(u) => u,
        Err(e) => return db_error(e),
    };
    // The same work for an unknown name as for a wrong password.
    let hash = user.as_ref().map(|u| u.get::<_, String>(2)).unwrap_or_else(|| DUMMY_HASH.to_string());
    let verified = PasswordHash::new(&hash)
        .map(|h| Argon2::default().verify_password(form.password.as_bytes(), &h).is_ok())
        .unwrap_or(false);
    let Some(user) = user.filter(|_| verified) else {
        tracing::info!("office: login refused for {:?}", form.name.chars().take(100).collect::<String>());
        return refused();
    };
    let (user_id, chain): (i64, i64) = (user.get(0), user.get(1));
    let mut raw = [0u8; 32];
    OsRng.fill_bytes(&mut raw);
    let token = hex::encode(raw);
    let stored = async {
        let mut client = client;
        let tx = client.transaction().await?;
        scope(&tx, chain).await?;
        tx.execute("DELETE FROM office_sessions WHERE expires_at < now()", &[]).await?;
        tx.execute(
            "INSERT INTO office_sessions (token_sha256, chain_id, user_id, expires_at)
             VALUES ($1, $2, $3, now() + make_interval(hours => $4))",
            &[&crate::contract::token_hash(&token), &chain, &user_id, &SESSION_HOURS],
        )
        .await?;
        tx.commit().await
    };
    if let Err(e) = stored.await {
        return db_error(e);
    }
    let cookie = format!("{COOKIE}={token}; Path=/office; HttpOnly; SameSite=Strict; Max-Age={}", SESSION_HOURS * 3600);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/office")).into_response()
}

async fn logout(State(c): State<PgCentral>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers) {
        if let Err(e) = end_session(&c, token).await {
            tracing::warn!("office: logout: {e}");
        }
    }
    let cookie = format!("{COOKIE}=; Path=/office; HttpOnly; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/office/login")).into_response()
}

async fn end_session(c: &PgCentral, token: &str) -> anyhow::Result<()> {
    let sha = crate::contract::token_hash(token);
    let mut client = c.client().await?;
    let Some(s) = client.query_opt("SELECT chain_id FROM till_office_session($1)", &[&sha]).await? else {
        return Ok(());
    };
    let tx = client.transaction().await?;
    scope(&tx, s.get(0)).await?;
    tx.execute("DELETE FROM office_sessions WHERE token_sha256 = $1", &[&sha]).await?;
    tx.commit().await?;
    Ok(())
}

/// How many days back the page goes (`?days=`, 1 to 366, 31 by default).
#[derive(Deserialize)]
struct Range {
    days: Option<i32>,
}

async fn figures(State(c): State<PgCentral>, headers: HeaderMap, Query(range): Query<Range>) -> Response {
    let Some(token) = session_token(&headers) else {
        return Redirect::to("/office/login").into_response();
    };
    let mut client = match c.conn().await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let session = match client
        .query_opt(
            "SELECT user_id, chain_id, name FROM till_office_session($1)",
            &[&crate::contract::token_hash(token)],
        )
        .await
    {
        Ok(Some(s)) => s,
        Ok(None) => return Redirect::to("/office/login").into_response(),
        Err(e) => return db_error(e),
    };
    let (chain, user): (i64, String) = (session.get(1), session.get(2));
    let days = range.days.unwrap_or(31).clamp(1, 366);
    match page::figures(&mut client, chain, &user, days).await {
        Ok(html) => ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => db_error(e),
    }
}

fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A hash of a password nobody has, verified against when the name is unknown.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$V5e3CPNsrG0a8HDkeXYzGs1qJOOJpbPMLzOWCSUNSCg";
