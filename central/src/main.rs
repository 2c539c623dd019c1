//! `till-central`: the head office on PostgreSQL. `till-central --database postgres://… serve`
//! takes the terminals' uploads and serves their price books and the chain's figures; the other
//! commands are the operator's (chains, sites, terminals and their tokens, office users, price
//! books). Every command brings the schema up to date first.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::BufRead;
use till_central::pg::{admin, PgCentral};

#[derive(Parser)]
#[command(name = "till-central", version, about = "Till head office on PostgreSQL")]
struct Cli {
    /// The database: a postgres:// URL (or set TILL_CENTRAL_DATABASE).
    #[arg(long, env = "TILL_CENTRAL_DATABASE", global = true, hide_env_values = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the sync API, the price books and the office page (the default).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Most database connections.
        #[arg(long, default_value_t = 32)]
        pool: usize,
    },
    /// Apply the schema's migrations (every command does this first).
    Migrate,
    #[command(subcommand)]
    Chain(ChainCmd),
    #[command(subcommand)]
    Site(SiteCmd),
    #[command(subcommand)]
    Terminal(TerminalCmd),
    #[command(subcommand)]
    User(UserCmd),
    #[command(subcommand)]
    Pricebook(PricebookCmd),
}

#[derive(Subcommand)]
enum ChainCmd {
    /// Add a chain (a tenant: its data is its own).
    Add {
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        currency: String,
        #[arg(long, default_value_t = 2)]
        minor_units: i16,
    },
}

#[derive(Subcommand)]
enum SiteCmd {
    /// Add a site (a station or shop) to a chain.
    Add {
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        chain: Option<String>,
        /// The site's time zone (its days in the figures are local days).
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
}

#[derive(Subcommand)]
enum TerminalCmd {
    /// Add a terminal to a site and print its token (shown only this once).
    Add {
        /// The terminal's [terminal] id.
        code: String,
        #[arg(long)]
        site: String,
        #[arg(long)]
        chain: Option<String>,
    },
    /// Revoke a terminal's token; its events stay.
    Revoke {
        code: String,
        #[arg(long)]
        chain: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add a user of the office page; the password comes from TILL_CENTRAL_PASSWORD or stdin.
    Add {
        name: String,
        #[arg(long)]
        chain: Option<String>,
    },
}

#[derive(Subcommand)]
enum PricebookCmd {
    /// Replace a chain's price book from a CSV file: kind,code,price,effective_at[,site][,unit].
    Import {
        file: std::path::PathBuf,
        #[arg(long)]
        chain: Option<String>,
    },
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tokio_postgres=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("till-central: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = rt.block_on(run(cli)) {
        eprintln!("till-central: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.database.context("say which database: --database postgres://… (or TILL_CENTRAL_DATABASE)")?;
    let command = cli.command.unwrap_or(Cmd::Serve { listen: "127.0.0.1:8080".into(), pool: 32 });
    let pool = match &command {
        Cmd::Serve { pool, .. } => *pool,
        _ => 2,
    };
    let central = PgCentral::connect(&url, pool)?;
    let applied = central.migrate().await.context("cannot bring the schema up to date")?;
    if !applied.is_empty() {
        eprintln!("till-central: applied migrations {applied:?}");
    }
    let mut client = central.client().await?;
    match command {
        Cmd::Serve { listen, .. } => {
            drop(client);
            let listener =
                tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("cannot listen on {listen}"))?;
            println!("http://{}", listener.local_addr()?);
            tokio::select! {
                r = central.serve(listener) => r?,
                _ = tokio::signal::ctrl_c() => eprintln!("till-central: stopping"),
            }
        }
        Cmd::Migrate => println!("schema {}", till_central::pg::schema::version(&client).await?),
        Cmd::Chain(ChainCmd::Add { code, name, currency, minor_units }) => {
            admin::add_chain(&client, &code, &name, &currency, minor_units).await?;
            println!("chain {code} added");
        }
        Cmd::Site(SiteCmd::Add { code, name, chain, time_zone }) => {
            let chain = admin::chain_id(&client, chain.as_deref()).await?;
            admin::add_site(&client, chain, &code, &name, &time_zone).await?;
            println!("site {code} added");
        }
        Cmd::Terminal(TerminalCmd::Add { code, site, chain }) => {
            let chain = admin::chain_id(&client, chain.as_deref()).await?;
            let token = admin::add_terminal(&client, chain, &site, &code).await?;
            eprintln!("terminal {code} added to site {site}; its token (shown only now; put it in [sync] token):");
            println!("{token}");
        }
        Cmd::Terminal(TerminalCmd::Revoke { code, chain }) => {
            let chain = admin::chain_id(&client, chain.as_deref()).await?;
            match admin::revoke_terminal(&client, chain, &code).await? {
                true => println!("terminal {code} revoked"),
                false => println!("terminal {code} was revoked already"),
            }
        }
        Cmd::User(UserCmd::Add { name, chain }) => {
            let chain = admin::chain_id(&client, chain.as_deref()).await?;
            let password = match std::env::var("TILL_CENTRAL_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            admin::add_user(&client, chain, &name, &password).await?;
            println!("user {name} added");
        }
        Cmd::Pricebook(PricebookCmd::Import { file, chain }) => {
            let chain = admin::chain_id(&client, chain.as_deref()).await?;
            let minor: i16 = client.query_one("SELECT minor_units FROM chains WHERE id = $1", &[&chain]).await?.get(0);
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let rows = admin::read_pricebook(&text, minor as u32).with_context(|| format!("{}", file.display()))?;
            let version = admin::import_pricebook(&mut client, chain, &rows).await?;
            println!("price book {version}: {} prices", rows.len());
        }
    }
    Ok(())
}
