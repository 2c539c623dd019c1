//! The head office on PostgreSQL (`till-central --database postgres://…`): the sync API of
//! `docs/sync-api.md` over a connection pool, every request working as the `till_app` role in
//! its chain's rows only (row-level security), the chain's figures and the office's web page.
//! The schema is in `central/migrations/`; `docs/head-office.md` explains it.

pub mod admin;
mod ingest;
mod pricebook;
pub mod schema;

use crate::contract;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use std::time::Duration;
use tokio_postgres::NoTls;

/// The head office's state: its pool of connections.
#[derive(Clone)]
pub struct PgCentral {
    pool: Pool,
}

/// A terminal a request's token belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Terminal {
    pub chain: i64,
    pub site: i64,
    pub id: i64,
}

impl PgCentral {
    /// A pool of at most `max` connections to `url` (a `postgres://` URL or key=value string).
    /// Nothing is connected until the first request.
    pub fn connect(url: &str, max: usize) -> anyhow::Result<PgCentral> {
        let mut config: tokio_postgres::Config = url.parse()?;
        config.options("-c TimeZone=UTC");
        config.application_name("till-central");
        config.connect_timeout(Duration::from_secs(5));
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(max.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(5)))
            .recycle_timeout(Some(Duration::from_secs(5)))
            .build()?;
        Ok(PgCentral { pool })
    }

    /// Brings the schema up to date; returns the migrations it applied.
    pub async fn migrate(&self) -> anyhow::Result<Vec<i32>> {
        let mut client = self.pool.get().await?;
        schema::migrate(&mut client).await
    }

    /// A connection for the operator's commands (the schema's owner, past row-level security).
    pub async fn client(&self) -> anyhow::Result<Object> {
        Ok(self.pool.get().await?)
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/v1/health", get(health))
            .route("/v1/terminals/{terminal_id}/events", post(ingest::upload))
            .route("/v1/terminals/{terminal_id}/pricebook", get(pricebook::pricebook))
            .merge(crate::office::routes())
            .layer(DefaultBodyLimit::max(crate::MAX_BODY + 1024))
            .with_state(self)
    }

    /// Serves on a listener until the process ends, keeping partitions made ahead and old
    /// idempotency records purged (every hour).
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        let keeper = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = keeper.upkeep().await {
                    tracing::warn!("head office upkeep: {e}");
                }
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        });
        axum::serve(listener, self.router()).await
    }

    /// Partitions for the next months, and idempotency records past their time removed.
    pub async fn upkeep(&self) -> anyhow::Result<()> {
        let client = self.pool.get().await?;
        client.execute("SELECT till_ensure_partitions($1)", &[&schema::MONTHS_AHEAD]).await?;
        client.execute("SELECT till_purge_idempotency()", &[]).await?;
        Ok(())
    }

    /// Runs the head office on its own thread with its own runtime (tests, benches); returns
    /// its address.
    pub fn spawn(self, addr: &str, workers: usize) -> anyhow::Result<std::net::SocketAddr> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(workers.max(1)).enable_all().build()?;
        crate::spawn_server(addr, "till-central-pg", rt, move |l| self.serve(l))
    }

    /// A pooled connection for a request, or the 503 that says the database is away.
    #[allow(clippy::result_large_err)]
    pub(crate) async fn conn(&self) -> Result<Object, Response> {
        self.pool.get().await.map_err(|e| {
            tracing::warn!("head office: no database connection: {e}");
            contract::unavailable("the database cannot be reached", 2)
        })
    }

    /// The terminal a bearer token belongs to; 401 for none (or a revoked one), 403 when it is
    /// another terminal's.
    #[allow(clippy::result_large_err)]
    pub(crate) async fn authenticate(&self, terminal: &str, headers: &HeaderMap) -> Result<Terminal, Response> {
        let client = self.conn().await?;
        authenticate(&client, terminal, headers).await
    }
}

/// The terminal a bearer token belongs to, on this connection.
#[allow(clippy::result_large_err)]
pub(crate) async fn authenticate(client: &Object, terminal: &str, headers: &HeaderMap) -> Result<Terminal, Response> {
    let token = contract::bearer(headers)?;
    let sha = contract::token_hash(token);
    let query = client
        .prepare_cached("SELECT chain_id, site_id, terminal_id, code FROM till_terminal_by_token($1)")
        .await
        .map_err(db_error)?;
    match client.query_opt(&query, &[&sha]).await.map_err(db_error)? {
        None => Err(contract::unauthorized("unknown token")),
        Some(r) if r.get::<_, &str>(3) != terminal => Err(contract::forbidden()),
        Some(r) => Ok(Terminal { chain: r.get(0), site: r.get(1), id: r.get(2) }),
    }
}

/// Makes a transaction work as `till_app` within one chain: row-level security does the rest.
/// (One round trip: the chain is a number, written into the statement.)
pub(crate) async fn scope(tx: &tokio_postgres::Transaction<'_>, chain: i64) -> Result<(), tokio_postgres::Error> {
    tx.batch_execute(&format!("SET LOCAL ROLE till_app; SELECT set_config('till.chain', '{chain}', true)")).await
}

/// A database error as an answer: 503 with `Retry-After` when the database is away or shutting
/// down (the terminal tries again), 500 for anything else.
pub(crate) fn db_error(e: tokio_postgres::Error) -> Response {
    let class = e.code().map(|c| c.code()[..2].to_string());
    match class.as_deref() {
        None | Some("08") | Some("57") | Some("53") | Some("40") => {
            tracing::warn!("head office: database unavailable: {e}");
            contract::unavailable("the database is unavailable", 1)
        }
        _ => {
            tracing::error!("head office: database error: {e}");
            contract::internal("database error")
        }
    }
}

async fn health(axum::extract::State(c): axum::extract::State<PgCentral>) -> Response {
    let ok = match c.pool.get().await {
        Ok(client) => client.simple_query("SELECT 1").await.is_ok(),
        Err(_) => false,
    };
    if ok {
        axum::Json(serde_json::json!({ "status": "ok" })).into_response()
    } else {
        contract::unavailable("the database cannot be reached", 2)
    }
}
