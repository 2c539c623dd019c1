//! The office page's HTML: the login form, and the figures (one table and one bar chart per
//! figure, drawn as inline SVG from exact decimals: no script, no float).

use crate::pg::scope;
use deadpool_postgres::Object;
use rust_decimal::Decimal;
use std::fmt::Write;
use std::str::FromStr;

pub(super) const WRONG_LOGIN: &str = "That name and password do not match.";

const STYLE: &str = "body{font:16px/1.45 system-ui,sans-serif;color:#1a1a1a;background:#fff;margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:28px;margin:0 0 4px}h2{font-size:21px;margin:32px 0 8px;border-bottom:2px solid #1f5fa8}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}td,th{padding:4px 12px;border-bottom:1px solid #ccc;text-align:left}
td.n,th.n{text-align:right}.muted{color:#4a4a4a}.err{color:#a00000;font-weight:600}
form.login{display:grid;gap:12px;max-width:360px}input{font:inherit;padding:10px;border:1px solid #555;border-radius:4px;width:100%;box-sizing:border-box;min-height:48px}
button{font:inherit;min-height:48px;padding:0 20px;background:#1f5fa8;color:#fff;border:0;border-radius:4px;cursor:pointer}
header{display:flex;justify-content:space-between;align-items:center;gap:16px}";

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn doc(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        esc(title)
    )
}

pub(super) fn login(error: Option<&str>) -> String {
    let error = error.map(|e| format!("<p class=\"err\" role=\"alert\">{}</p>", esc(e))).unwrap_or_default();
    doc(
        "Till head office: sign in",
        &format!(
            "<h1>Till head office</h1><p class=\"muted\">Sign in to see your chain's figures.</p>{error}\
             <form class=\"login\" method=\"post\" action=\"/office/login\">\
             <label>Name<br><input name=\"name\" id=\"name\" autocomplete=\"username\" required></label>\
             <label>Password<br><input name=\"password\" id=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
             <button type=\"submit\" id=\"signin\" aria-label=\"Sign in\">Sign in</button></form>"
        ),
    )
}

/// A figure's rows: text cells, with the column that the chart draws.
struct Figure {
    title: &'static str,
    heads: &'static [&'static str],
    /// Columns that are numbers (right-aligned).
    numeric: &'static [usize],
    rows: Vec<Vec<String>>,
    /// The chart: one bar per row of this (label, value) list.
    bars: Vec<(String, String)>,
    unit: String,
}

pub(super) async fn figures(
    client: &mut Object,
    chain: i64,
    user: &str,
    days: i32,
) -> Result<String, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    scope(&tx, chain).await?;
    let head = tx.query_one("SELECT name, currency FROM chains WHERE id = $1", &[&chain]).await?;
    let (name, currency): (String, String) = (head.get(0), head.get(1));
    let since = "day > (now() AT TIME ZONE 'UTC')::date - $1::int";
    let text = |r: &tokio_postgres::Row, n: usize| -> Vec<String> { (0..n).map(|i| r.get::<_, String>(i)).collect() };
    let q = |sql: String| sql.replace("{since}", since);

    let sales = tx
        .query(
            &q("SELECT day::text, site, sales::text, sales_amount::text, refunds::text, refunds_amount::text, net_amount::text
                  FROM fig_sales_by_site_day WHERE {since} ORDER BY day DESC, site LIMIT 500".into()),
            &[&days],
        )
        .await?;
    let per_day = tx
        .query(
            &q("SELECT day::text, sum(net_amount)::text FROM fig_sales_by_site_day WHERE {since} GROUP BY day ORDER BY day".into()),
            &[&days],
        )
        .await?;
    let fuel = tx
        .query(
            &q("SELECT grade, sum(litres)::text, sum(amount)::text FROM fig_fuel_by_grade_day WHERE {since}
                 GROUP BY grade ORDER BY grade LIMIT 100"
                .into()),
            &[&days],
        )
        .await?;
    let tenders = tx
        .query(
            &q("SELECT coalesce(method, '?'), sum(payments)::text, sum(amount)::text FROM fig_tenders_by_site_day WHERE {since}
                 GROUP BY method ORDER BY method LIMIT 100".into()),
            &[&days],
        )
        .await?;
    let losses = tx
        .query(
            &q("SELECT day::text, sum(refunds)::text, sum(refunds_amount)::text, sum(drive_offs)::text,
                       sum(drive_off_litres)::text, sum(drive_off_amount)::text
                  FROM fig_losses_by_site_day WHERE {since} GROUP BY day ORDER BY day DESC LIMIT 400"
                .into()),
            &[&days],
        )
        .await?;
    let z = tx
        .query(
            &q("SELECT site, terminal, coalesce(z_no::text, '?'), to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
                       coalesce(left(report_sha256, 16), '')
                  FROM fig_z_reports WHERE {since} ORDER BY at DESC LIMIT 200".into()),
            &[&days],
        )
        .await?;
    let z_sites = tx
        .query(
            &q("SELECT site, count(*)::text FROM fig_z_reports WHERE {since} GROUP BY site ORDER BY site".into()),
            &[&days],
        )
        .await?;
    tx.commit().await?;

    let money = currency.clone();
    let figures = [
        Figure {
            title: "Sales per site and day",
            heads: &["Day", "Site", "Sales", "Amount", "Refunds", "Refunded", "Net"],
            numeric: &[2, 3, 4, 5, 6],
            rows: sales.iter().map(|r| text(r, 7)).collect(),
            bars: per_day.iter().map(|r| (r.get(0), r.get(1))).collect(),
            unit: money.clone(),
        },
        Figure {
            title: "Fuel per grade",
            heads: &["Grade", "Litres", "Amount"],
            numeric: &[1, 2],
            rows: fuel.iter().map(|r| text(r, 3)).collect(),
            bars: fuel.iter().map(|r| (r.get(0), r.get(1))).collect(),
            unit: "l".into(),
        },
        Figure {
            title: "Takings per tender",
            heads: &["Tender", "Payments", "Amount"],
            numeric: &[1, 2],
            rows: tenders.iter().map(|r| text(r, 3)).collect(),
            bars: tenders.iter().map(|r| (r.get(0), r.get(2))).collect(),
            unit: money.clone(),
        },
        Figure {
            title: "Refunds and drive-offs per day",
            heads: &["Day", "Refunds", "Refunded", "Drive-offs", "Litres", "Driven off"],
            numeric: &[1, 2, 3, 4, 5],
            rows: losses.iter().map(|r| text(r, 6)).collect(),
            bars: losses.iter().rev().map(|r| (r.get(0), r.get(5))).collect(),
            unit: money.clone(),
        },
        Figure {
            title: "Z reports as the terminals sent them",
            heads: &["Site", "Terminal", "Z", "At (UTC)", "SHA-256"],
            numeric: &[2],
            rows: z.iter().map(|r| text(r, 5)).collect(),
            bars: z_sites.iter().map(|r| (r.get(0), r.get(1))).collect(),
            unit: "Z".into(),
        },
    ];
    let mut body = format!(
        "<header><div><h1>{}</h1><p class=\"muted\">Figures of the last {days} days, in {}. Signed in as {}.</p></div>\
         <form method=\"post\" action=\"/office/logout\"><button type=\"submit\" aria-label=\"Sign out\">Sign out</button></form></header>",
        esc(&name),
        esc(&currency),
        esc(user)
    );
    for f in &figures {
        render(&mut body, f);
    }
    Ok(doc(&format!("{name}: figures"), &body))
}

fn render(out: &mut String, f: &Figure) {
    let _ = write!(out, "<section><h2>{}</h2>", esc(f.title));
    if f.rows.is_empty() {
        out.push_str("<p class=\"muted\">Nothing in this period.</p></section>");
        return;
    }
    out.push_str(&chart(f.title, &f.bars, &f.unit));
    out.push_str("<table><thead><tr>");
    for (i, h) in f.heads.iter().enumerate() {
        let class = if f.numeric.contains(&i) { " class=\"n\"" } else { "" };
        let _ = write!(out, "<th{class}>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &f.rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if f.numeric.contains(&i) { " class=\"n\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", esc(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></section>");
}

/// A horizontal bar chart: one bar per entry, its length in proportion to the largest magnitude
/// (negative values drawn in another colour), the exact value written beside it.
fn chart(title: &str, bars: &[(String, String)], unit: &str) -> String {
    const ROW: i64 = 30;
    const LABEL: i64 = 150;
    const WIDTH: i64 = 600;
    let values: Vec<Decimal> = bars.iter().map(|(_, v)| Decimal::from_str(v).unwrap_or_default()).collect();
    let max = values.iter().map(|v| v.abs()).max().unwrap_or_default();
    let height = ROW * bars.len() as i64 + 8;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"{t}\" width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\" \
         xmlns=\"http://www.w3.org/2000/svg\" font-size=\"14\"><title>{t}</title>",
        t = esc(title),
        w = LABEL + WIDTH + 160
    );
    for (i, ((label, text), value)) in bars.iter().zip(&values).enumerate() {
        let y = i as i64 * ROW + 4;
        let len = if max.is_zero() {
            0
        } else {
            (value.abs() * Decimal::from(WIDTH) / max).round().try_into().unwrap_or(0i64).max(1)
        };
        let fill = if value.is_sign_negative() { "#a33a00" } else { "#1f5fa8" };
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{ty}\" fill=\"#1a1a1a\">{l}</text><rect x=\"{LABEL}\" y=\"{y}\" width=\"{len}\" height=\"{h}\" fill=\"{fill}\"/>\
             <text x=\"{vx}\" y=\"{ty}\" fill=\"#1a1a1a\">{v} {u}</text>",
            ty = y + 18,
            l = esc(&label.chars().take(18).collect::<String>()),
            h = ROW - 8,
            vx = LABEL + len + 8,
            v = esc(text),
            u = esc(unit)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    #[test]
    fn what_a_terminal_sent_is_escaped() {
        assert_eq!(super::esc("<script>\"x\"&'"), "&lt;script&gt;&quot;x&quot;&amp;&#39;");
        let svg = super::chart("T", &[("<b>".into(), "-2.50".into()), ("E10".into(), "5.00".into())], "EUR");
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert!(svg.contains("width=\"600\""), "the largest value fills the chart: {svg}");
        assert!(svg.contains("width=\"300\"") && svg.contains("#a33a00"), "a negative half as long, in its colour");
    }
}
