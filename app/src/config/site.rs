//! `[site]`: the terminals of one site (counters and kiosks) and how they reach each other over
//! the site network (`docs/site-api.md`).

use serde::Deserialize;

type Invalid = (String, String);

fn err<T>(key: impl Into<String>, message: impl Into<String>) -> Result<T, Invalid> {
    Err((key.into(), message.into()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSite {
    /// The secret every terminal of the site shares; each request is signed with it.
    pub(super) secret: String,
    /// Where this terminal answers the site's other terminals (`host:port`); a kiosk needs it.
    #[serde(default)]
    pub(super) listen: Option<String>,
    /// The other terminals this one watches (a counter: its kiosks), as `http://host:port`.
    #[serde(default)]
    pub(super) peers: Vec<String>,
}

/// The site's terminals and the shared secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SiteConfig {
    pub secret: String,
    pub listen: Option<std::net::SocketAddr>,
    pub peers: Vec<String>,
}

impl std::fmt::Debug for SiteConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret is never written to a log.
        f.debug_struct("SiteConfig").field("listen", &self.listen).field("peers", &self.peers).finish()
    }
}

pub(super) fn site(raw: Option<RawSite>) -> Result<Option<SiteConfig>, Invalid> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.secret.chars().count() < 16 {
        return err("site.secret", "must be at least 16 characters (every terminal of the site has the same)");
    }
    let listen = match raw.listen.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(l) => match l.parse::<std::net::SocketAddr>() {
            Ok(a) => Some(a),
            Err(_) => return err("site.listen", format!("'{l}' is not host:port (an IP address and a port)")),
        },
    };
    let mut peers = Vec::new();
    for (i, p) in raw.peers.iter().enumerate() {
        let p = p.trim().trim_end_matches('/');
        let Some(rest) = p.strip_prefix("http://") else {
            return err(format!("site.peers[{i}]"), format!("'{p}' is not an http:// address"));
        };
        if rest.is_empty() || rest.contains('/') || rest.contains(char::is_whitespace) {
            return err(format!("site.peers[{i}]"), format!("'{p}' is not http://host:port"));
        }
        peers.push(p.to_string());
    }
    if listen.is_none() && peers.is_empty() {
        return err("site", "give listen (this terminal answers) or peers (it watches others), or both");
    }
    Ok(Some(SiteConfig { secret: raw.secret, listen, peers }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(secret: &str, listen: Option<&str>, peers: &[&str]) -> Option<RawSite> {
        Some(RawSite {
            secret: secret.into(),
            listen: listen.map(Into::into),
            peers: peers.iter().map(|p| p.to_string()).collect(),
        })
    }

    #[test]
    fn a_site_is_checked_key_by_key() {
        let ok = site(raw("0123456789abcdef", Some("127.0.0.1:7788"), &["http://10.0.0.2:7788/"])).expect("ok");
        let ok = ok.expect("site");
        assert_eq!(ok.peers, vec!["http://10.0.0.2:7788".to_string()]);
        assert!(!format!("{ok:?}").contains("0123456789abcdef"), "the secret stays out of logs");
        assert_eq!(site(raw("short", Some("127.0.0.1:1"), &[])).unwrap_err().0, "site.secret");
        assert_eq!(site(raw("0123456789abcdef", Some("nowhere"), &[])).unwrap_err().0, "site.listen");
        assert_eq!(site(raw("0123456789abcdef", None, &["https://x:1"])).unwrap_err().0, "site.peers[0]");
        assert_eq!(site(raw("0123456789abcdef", None, &["http://x:1/path"])).unwrap_err().0, "site.peers[0]");
        assert_eq!(site(raw("0123456789abcdef", None, &[])).unwrap_err().0, "site");
        assert_eq!(site(None), Ok(None));
    }
}
