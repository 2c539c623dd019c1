//! Schemathesis (a third-party OpenAPI fuzzer, from PyPI: `pip install schemathesis`) against
//! both receivers, from `docs/sync-api.openapi.yaml`, with every check on: schema-valid batches
//! accepted, schema-violating ones refused, no 5xx, answers and headers as documented, auth not
//! ignored. The hooks (`schemathesis/till_hooks.py`) only keep what a JSON schema cannot say
//! (a new key per batch, rising `seq`); the config (`schemathesis/schemathesis.toml`) gives the
//! token.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

fn fuzz(t: &Target) {
    t.set_pricebook(&[
        ("item", "BEV-0001", "2.19", "2025-01-01T00:00:00Z"),
        ("fuel", "E10", "1.759", "2025-01-01T00:00:00Z"),
    ]);
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let hooks = here.join("tests/schemathesis");
    let spec = here.join("../docs/sync-api.openapi.yaml");
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("python3")
        .args(["-m", "schemathesis.cli"])
        .arg("--config-file")
        .arg(hooks.join("schemathesis.toml"))
        .arg("run")
        .arg(&spec)
        .args(["--url", &format!("http://{}", t.addr), "--checks", "all", "--max-examples", "150", "--no-color"])
        .current_dir(work.path())
        .env("PYTHONPATH", &hooks)
        .env("SCHEMATHESIS_HOOKS", "till_hooks")
        .env("TILL_TERMINAL", &t.terminal)
        .env("TILL_TOKEN", &t.token)
        .output()
        .expect("schemathesis (pip install schemathesis)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "Schemathesis found failures:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("Tested: 3"), "all three operations were tested:\n{text}");
}

#[test]
fn the_sqlite_receiver_passes_schemathesis() {
    fuzz(&sqlite());
}

#[test]
fn the_postgresql_head_office_passes_schemathesis() {
    fuzz(&pg());
}
