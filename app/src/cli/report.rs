//! `till report x|z`: a report from the store without the screen, as JSON or as CSV (one row per
//! figure: the figure's path in the report, and its value), for a spreadsheet or head office.

use crate::config::Config;
use crate::domain::report::ReportHead;
use crate::store::Store;
use serde_json::Value;

/// Every figure of a report as (path, value), in the report's order.
pub fn flatten(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                flatten(v, &p, out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                flatten(v, &format!("{path}[{i}]"), out);
            }
        }
        Value::Null => out.push((path.to_string(), String::new())),
        Value::String(s) => out.push((path.to_string(), s.clone())),
        other => out.push((path.to_string(), other.to_string())),
    }
}

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
        let mut rows = Vec::new();
        flatten(&value, "", &mut rows);
        let mut w = csv::Writer::from_writer(stdout.lock());
        w.write_record(["figure", "value"])?;
        for (k, v) in rows {
            w.write_record([k, v])?;
        }
        w.flush()?;
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
        super::flatten(&v, "", &mut rows);
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
