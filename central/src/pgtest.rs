//! A throwaway PostgreSQL cluster for tests and benches: `initdb` and `pg_ctl` in a temporary
//! directory, on a free loopback port, as a non-root user (as `postgres` when run as root, since
//! PostgreSQL refuses to run as root), removed when dropped. Nothing is mocked: it is the
//! distribution's own server (`apt-get install postgresql`). `TILL_PG_BIN` names the directory of
//! its binaries when they are not in `/usr/lib/postgresql/*/bin` or on the `PATH`.

use anyhow::{anyhow, bail, Context};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

pub struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    /// The user the server runs as, when this process is root.
    run_as: Option<String>,
}

const SUPERUSER: &str = "till";

fn bin_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("TILL_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, p): &(u32, PathBuf)| p.join("pg_ctl").exists())
        .collect();
    versions.sort();
    if let Some((_, p)) = versions.pop() {
        return Ok(p);
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|d| d.join("pg_ctl").exists() && d.join("initdb").exists());
    on_path.ok_or_else(|| {
        anyhow!("no PostgreSQL server found: install it (apt-get install postgresql) or set TILL_PG_BIN")
    })
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

impl PgCluster {
    /// Makes and starts a new cluster.
    pub fn start() -> anyhow::Result<PgCluster> {
        static N: AtomicU32 = AtomicU32::new(0);
        let bin = bin_dir()?;
        let dir =
            std::env::temp_dir().join(format!("till-pg-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let run_as = if is_root() { Some(service_user()?) } else { None };
        if let Some(user) = &run_as {
            let ok = Command::new("chown").arg(user).arg(&dir).status()?.success();
            if !ok {
                bail!("cannot give {} to {user}", dir.display());
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let cluster = PgCluster { dir, bin, port, run_as };
        let data = cluster.dir.join("data");
        cluster.run(
            "initdb",
            &["-D", path(&data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"],
        )?;
        cluster.pg_ctl("start")?;
        Ok(cluster)
    }

    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        }
    }

    fn run(&self, tool: &str, args: &[&str]) -> anyhow::Result<String> {
        let out = self.command(tool).args(args).current_dir(&self.dir).output().with_context(|| tool.to_string())?;
        if !out.status.success() {
            bail!("{tool} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn pg_ctl(&self, action: &str) -> anyhow::Result<()> {
        let data = self.dir.join("data");
        let log = self.dir.join("server.log");
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c max_connections=300 -c shared_buffers=128MB",
            self.port,
            self.dir.display()
        );
        let mut args = vec!["-D", path(&data), "-l", path(&log), "-w", "-t", "60"];
        if action != "start" {
            args.extend(["-m", "fast"]);
        }
        if action != "stop" {
            args.extend(["-o", &options]);
        }
        args.push(action);
        self.run("pg_ctl", &args).map(|_| ())
    }

    /// Stops the server (fast: open connections are cut), as an outage does.
    pub fn stop(&self) -> anyhow::Result<()> {
        self.pg_ctl("stop")
    }

    /// Starts it again after `stop`.
    pub fn resume(&self) -> anyhow::Result<()> {
        self.pg_ctl("start")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A URL to one database of the cluster, as its superuser.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs SQL with psql on one database; returns what it printed (unaligned, tuples only).
    pub fn psql(&self, database: &str, sql: &str) -> anyhow::Result<String> {
        let port = self.port.to_string();
        self.run(
            "psql",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                SUPERUSER,
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-Atq",
                "-c",
                sql,
            ],
        )
    }

    /// A new empty database; returns its URL.
    pub fn database(&self) -> anyhow::Result<String> {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!("till_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        self.psql("postgres", &format!("CREATE DATABASE {name}"))?;
        Ok(self.url(&name))
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.command("pg_ctl").args(["-D", path(&data), "-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// The user a root process runs the server as: `postgres` (the distribution's package makes
/// it), or `nobody`.
fn service_user() -> anyhow::Result<String> {
    for user in ["postgres", "nobody"] {
        if Command::new("id").arg("-u").arg(user).output().is_ok_and(|o| o.status.success()) {
            return Ok(user.to_string());
        }
    }
    bail!("running as root, and neither postgres nor nobody exists to run PostgreSQL as")
}
