//! `[backup]` and `[terminal] data_dir`: where a packaged terminal keeps its store and its
//! copies.

use super::*;

/// The configuration file the Debian package installs (root:till, 0640: it holds the sync
/// token).
pub const SYSTEM_CONFIG: &str = "/etc/till/config.toml";

/// Copies kept by default.
pub const DEFAULT_KEEP: usize = 14;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBackup {
    /// Where `till backup` writes (default: the `backups` folder of the data directory).
    #[serde(default)]
    pub(super) dir: Option<String>,
    /// How many nightly copies are kept (the newest; copies taken before an upgrade are kept
    /// apart and never rotated).
    #[serde(default)]
    pub(super) keep: Option<i64>,
}

/// Where copies go and how many are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupConfig {
    /// `None`: `<data dir>/backups`.
    pub dir: Option<PathBuf>,
    pub keep: usize,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig { dir: None, keep: DEFAULT_KEEP }
    }
}

impl BackupConfig {
    /// The folder copies go to for a store in `data_dir`.
    pub fn dir_for(&self, data_dir: &Path) -> PathBuf {
        self.dir.clone().unwrap_or_else(|| data_dir.join("backups"))
    }
}

fn absolute(key: &str, path: &str) -> Result<PathBuf, (String, String)> {
    let p = PathBuf::from(path);
    if path.trim() != path || path.contains('\0') || !p.is_absolute() {
        return Err((key.into(), format!("must be an absolute path, not '{path}'")));
    }
    Ok(p)
}

pub(super) fn data_dir(raw: Option<&str>) -> Result<Option<PathBuf>, (String, String)> {
    raw.map(|p| absolute("terminal.data_dir", p)).transpose()
}

pub(super) fn backup(raw: Option<RawBackup>) -> Result<BackupConfig, (String, String)> {
    let Some(raw) = raw else { return Ok(BackupConfig::default()) };
    let dir = raw.dir.as_deref().map(|p| absolute("backup.dir", p)).transpose()?;
    let keep = match raw.keep {
        None => DEFAULT_KEEP,
        Some(n @ 1..=1000) => n as usize,
        Some(n) => return Err(("backup.keep".into(), format!("must be 1 to 1000 copies, not {n}"))),
    };
    Ok(BackupConfig { dir, keep })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_settings_are_checked() {
        assert_eq!(backup(None).unwrap(), BackupConfig { dir: None, keep: 14 });
        let ok = backup(Some(RawBackup { dir: Some("/srv/copies".into()), keep: Some(3) })).unwrap();
        assert_eq!(ok.dir_for(Path::new("/var/lib/till")), PathBuf::from("/srv/copies"));
        assert_eq!(ok.keep, 3);
        assert_eq!(BackupConfig::default().dir_for(Path::new("/d")), PathBuf::from("/d/backups"));
        for keep in [0, -1, 1001] {
            let e = backup(Some(RawBackup { dir: None, keep: Some(keep) })).unwrap_err();
            assert_eq!(e.0, "backup.keep");
        }
        assert_eq!(backup(Some(RawBackup { dir: Some("rel/dir".into()), keep: None })).unwrap_err().0, "backup.dir");
        assert_eq!(data_dir(Some(" /var/lib/till")).unwrap_err().0, "terminal.data_dir");
        assert_eq!(data_dir(Some("/var/lib/till")).unwrap(), Some(PathBuf::from("/var/lib/till")));
    }
}
