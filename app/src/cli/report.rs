//! `till report x|z`: a report from the store without the screen, as JSON or as CSV (one row per
//! figure: the figure's path in the report, and its value), for a spreadsheet or head office.

use crate::config::Config;
use crate::domain::report::ReportHead;
use crate::store::Store;

/// The day so far (no Z is taken) or a stored Z, written to standard output.
pub fn report(store: &Store, config: &Config, z: Option<i64>, csv: bool) -> anyhow::Result<()> {
    let value = match z {
        Some(n) => {
            store.z_report(&config.terminal_id, n)?.ok_or_else(|| anyhow::anyhow!("there is no Z report {n}"))?
        }
        None => {
            let figures = store.day_figures(&config.terminal_id, None)?;
            let (at, _) = crate::service::now();
            let head =
                ReportHead { kind: "x".into(), z_no: None, terminal_id: config.terminal_id.clone(), at, user: None };
            serde_json::to_value(crate::service::build_report(config, head, &figures))?
        }
    };
    let stdout = std::io::stdout();
    if csv {
        use std::io::Write;
        stdout.lock().write_all(&crate::service::report_csv(&value)?)?;
    } else {
        serde_json::to_writer_pretty(stdout.lock(), &value)?;
        println!();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_report_flattens_to_one_row_per_figure() {
        let v = serde_json::json!({"totals":{"sales":"12.00"},"tenders":[{"method":"cash","net":"10.00"}],"z_no":3,"user":null});
        let mut rows = Vec::new();
        crate::domain::report::flatten(&v, "", &mut rows);
        let want: Vec<(String, String)> = [
            ("totals.sales", "12.00"),
            ("tenders[0].method", "cash"),
            ("tenders[0].net", "10.00"),
            ("z_no", "3"),
            ("user", ""),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let mut got = rows.clone();
        got.sort();
        let mut w = want.clone();
        w.sort();
        assert_eq!(got, w);
    }
}
