//! The remembered look: `[terminal] language` and `theme` are checked at start; `set_look`
//! stores the terminal's choice signed out and the user's signed in, durably in SQLite;
//! `login` answers the user's look and `logout` the terminal's.

mod common;

use common::*;
use serde_json::{json, Value};
use till::config::{Config, DEMO_CONFIG};
use till::service::{Look, ServiceError, Session};

fn look(v: &Value) -> (String, String) {
    let l = &ok(v)["look"];
    (l["language"].as_str().unwrap_or_default().into(), l["theme"].as_str().unwrap_or_default().into())
}

fn pair(language: &str, theme: &str) -> (String, String) {
    (language.into(), theme.into())
}

fn with_terminal(extra: &str) -> String {
    DEMO_CONFIG.replacen("name = \"Demo counter 1\"", &format!("name = \"Demo counter 1\"\n{extra}"), 1)
}

#[test]
fn the_configured_look_is_checked_and_a_bad_one_is_a_config_error() {
    let c = Config::parse(&with_terminal("language = \"de-DE\"\ntheme = \"dark\""), "till.toml").unwrap();
    assert_eq!((c.language.as_deref(), c.theme.as_deref()), (Some("de-DE"), Some("dark")));
    let c = Config::parse(DEMO_CONFIG, "till.toml").unwrap();
    assert_eq!((c.language, c.theme), (None, None), "neither is required");

    for (extra, key, bad) in [
        ("language = \"fr-FR\"", "terminal.language", "fr-FR"),
        ("language = \"de\"", "terminal.language", "de"),
        ("theme = \"neon\"", "terminal.theme", "neon"),
        ("theme = \"Dark\"", "terminal.theme", "Dark"),
    ] {
        let e = Config::parse(&with_terminal(extra), "/etc/till/config.toml").unwrap_err().to_string();
        assert!(e.contains("/etc/till/config.toml") && e.contains(key) && e.contains(bad), "{e}");
    }

    // At start: a clear message naming the key, no panic, nothing written.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("till.toml");
    std::fs::write(&cfg, with_terminal("theme = \"neon\"")).unwrap();
    let data = dir.path().join("data");
    for args in [vec!["exec", "-"], vec!["config", "check"]] {
        let out = till().args(&args).arg("--data-dir").arg(&data).arg("--config").arg(&cfg).output().unwrap();
        assert!(!out.status.success());
        let msg = String::from_utf8_lossy(&out.stderr);
        assert!(msg.contains("terminal.theme") && msg.contains("neon"), "{msg}");
        assert!(!msg.contains("panicked"), "{msg}");
    }
    assert!(!data.join("till.sqlite").exists(), "no store was made");
}

#[test]
fn the_terminals_and_each_users_look_are_remembered_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let a = exec(
        dir.path(),
        None,
        &[
            json!({"cmd":"set_look","language":"de-DE"}),
            json!({"cmd":"set_look","theme":"neon"}),
            json!({"cmd":"set_look","language":"xx-XX","theme":"dark"}),
            json!({"cmd":"set_look"}),
            json!({"cmd":"login","pin":"1111"}),
            json!({"cmd":"set_look","theme":"dark"}),
            json!({"cmd":"logout"}),
            json!({"cmd":"login","pin":"9999"}),
            json!({"cmd":"logout"}),
        ],
    );
    assert_eq!(look(&a[0]), pair("de-DE", "light"), "signed out: the terminal's choice");
    assert!(err(&a[1]).contains("'neon' is not a theme"), "{}", a[1]);
    assert!(err(&a[2]).contains("'xx-XX' is not a language"), "{}", a[2]);
    assert!(err(&a[3]).contains("give a language, a theme or both"), "{}", a[3]);
    assert_eq!(look(&a[4]), pair("de-DE", "light"), "a user who chose nothing has the terminal's look");
    assert_eq!(look(&a[5]), pair("de-DE", "dark"), "signed in: the user's choice");
    assert_eq!(look(&a[6]), pair("de-DE", "light"), "signed out again: the terminal's look");
    assert_eq!(look(&a[7]), pair("de-DE", "light"), "another user has their own");
    assert_eq!(look(&a[8]), pair("de-DE", "light"));

    // A restart: both choices are still there.
    let a = exec(
        dir.path(),
        None,
        &[
            json!({"cmd":"login","pin":"1111"}),
            json!({"cmd":"set_look","language":"es-ES"}),
            json!({"cmd":"logout"}),
            json!({"cmd":"set_look","theme":"contrast","language":"hi-IN"}),
            json!({"cmd":"login","pin":"1111"}),
        ],
    );
    assert_eq!(look(&a[0]), pair("de-DE", "dark"));
    assert_eq!(look(&a[1]), pair("es-ES", "dark"), "a part not given keeps what was chosen");
    assert_eq!(look(&a[2]), pair("de-DE", "light"));
    assert_eq!(look(&a[3]), pair("hi-IN", "contrast"));
    assert_eq!(look(&a[4]), pair("es-ES", "dark"), "the user's choice wins over the terminal's");

    let conn = db(dir.path());
    let mut stmt = conn.prepare("SELECT scope, language, theme FROM looks ORDER BY scope").unwrap();
    let rows: Vec<(String, Option<String>, Option<String>)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect();
    let cashier: i64 = conn.query_row("SELECT id FROM users WHERE role = 'cashier'", [], |r| r.get(0)).unwrap();
    assert_eq!(
        rows,
        vec![
            ("terminal:DEMO-01".into(), Some("hi-IN".into()), Some("contrast".into())),
            (format!("user:{cashier}"), Some("es-ES".into()), Some("dark".into())),
        ],
        "refused choices stored nothing"
    );
    let journaled: i64 =
        conn.query_row("SELECT COUNT(*) FROM journal WHERE kind = 'look_set'", [], |r| r.get(0)).unwrap();
    assert_eq!(journaled, 4);
    let outbox: i64 = conn.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0)).unwrap();
    assert_eq!(outbox, 0, "a look is the terminal's own business");
    let out = run(&["journal", "verify", "--data-dir", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_terminals_look_falls_back_to_the_configuration_then_to_english_and_light() {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::open(Config::demo().unwrap(), dir.path()).unwrap();
    assert_eq!(s.look(), Look { language: "en-US".into(), theme: "light".into() });
    drop(s);

    let mut config = Config::demo().unwrap();
    config.language = Some("id-ID".into());
    config.theme = Some("contrast".into());
    let mut s = Session::open(config, dir.path()).unwrap();
    assert_eq!(s.look(), Look { language: "id-ID".into(), theme: "contrast".into() });
    let cmd = |v: Value| serde_json::from_value(v).unwrap();
    let out = s.execute(cmd(json!({"cmd":"set_look","theme":"dark"}))).unwrap();
    assert_eq!(out.look, Some(Look { language: "id-ID".into(), theme: "dark".into() }));
    assert_eq!(s.look(), Look { language: "id-ID".into(), theme: "dark".into() });

    match s.execute(cmd(json!({"cmd":"set_look","language":"fr-FR"}))) {
        Err(ServiceError::UnknownLanguage(l)) => assert_eq!(l, "fr-FR"),
        other => panic!("{other:?}"),
    }
    match s.execute(cmd(json!({"cmd":"set_look","language":"de-DE","theme":"sepia"}))) {
        Err(ServiceError::UnknownTheme(t)) => assert_eq!(t, "sepia"),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.look(), Look { language: "id-ID".into(), theme: "dark".into() }, "nothing stored");
}
