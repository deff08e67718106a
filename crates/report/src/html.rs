//! The page around the charts and tables: escaping, number formatting, the inline style
//! sheet and the document skeleton. No scripts, no external resources.

use std::fmt::Write as _;

/// Escapes text for HTML element content and attribute values.
///
/// ```
/// assert_eq!(canary_report::html::escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An id fragment from a name: ASCII letters, digits, `-` and `_` kept, the rest `-`.
///
/// ```
/// assert_eq!(canary_report::html::slug("latency ms/p99"), "latency-ms-p99");
/// ```
pub fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A number for people: 4 significant digits, trailing zeros dropped; scientific
/// notation below 0.001 and from 10⁶; `inf`, `-inf`, `nan` spelled out.
///
/// ```
/// use canary_report::html::number;
/// assert_eq!(number(120.0), "120");
/// assert_eq!(number(0.123456), "0.1235");
/// assert_eq!(number(1.5e-12), "1.5e-12");
/// assert_eq!(number(2_500_000.0), "2.5e6");
/// assert_eq!(number(f64::INFINITY), "inf");
/// ```
pub fn number(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-3..1e6).contains(&a) {
        let text = format!("{x:.3e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        return format!("{}e{exponent}", trim_zeros(mantissa));
    }
    let digits = a.log10().floor() as i32;
    let decimals = (3 - digits).clamp(0, 6) as usize;
    trim_zeros(&format!("{x:.decimals$}"))
}

fn trim_zeros(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text.to_owned()
    }
}

/// A rate as a percentage with one decimal (`12.5 %`), or `–` when undefined.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{:.1} %", 100.0 * r))
}

/// `YYYY-MM-DD HH:MM:SS UTC` of unix seconds (proleptic Gregorian calendar).
///
/// ```
/// assert_eq!(canary_report::html::utc(1_763_719_200), "2025-11-21 10:00:00 UTC");
/// ```
pub fn utc(seconds: i64) -> String {
    let (date, time) = split_utc(seconds);
    format!("{date} {time} UTC")
}

/// `(YYYY-MM-DD, HH:MM:SS)` of unix seconds.
pub(crate) fn split_utc(seconds: i64) -> (String, String) {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Days to civil date (the well-known era-based conversion).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!(
            "{:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        ),
    )
}

/// The inline style sheet of every report.
const STYLE: &str = r#"
:root{--promote:#1a7f37;--hold:#9a6700;--rollback:#cf222e;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;background:#fff}
main{max-width:1200px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:0 0 4px}
.sub{color:var(--muted);margin:0 0 12px}
.banner{border-radius:8px;padding:14px 18px;color:#fff;margin:12px 0}
.banner .big{font-size:26px;font-weight:700;letter-spacing:.5px;text-transform:uppercase}
.banner ul{margin:6px 0 0;padding-left:20px}
.promote{background:var(--promote)}.hold{background:var(--hold)}.rollback{background:var(--rollback)}
.tag{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;vertical-align:middle}
.tag.pass{background:var(--promote)}.tag.high,.tag.low{background:var(--rollback)}.tag.nodata,.tag.error{background:var(--hold)}
.tag.critical{background:#6e7781}
section.metric{border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:14px 0}
.reason{margin:4px 0 10px}
.charts{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}
.charts svg{max-width:100%;height:auto;border:1px solid var(--bg);display:block}
figure.chart{margin:0}figcaption{font-size:12px;color:var(--muted);padding:2px 0 0 58px}
.key{margin-right:14px;white-space:nowrap}.key i{display:inline-block;width:18px;height:3px;vertical-align:middle;margin-right:5px}
.banner .head{font-size:20px;font-weight:700}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:right;vertical-align:top}
th{background:var(--bg);font-weight:600;text-align:left}
td.l,th.l{text-align:left}
tr.best td{background:#dafbe1}tr.next td{background:#fff8c5}tr.bad td{background:#ffebe9}
td.hit{font-weight:700}
.note{color:var(--muted);font-size:13px}
footer{margin-top:32px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
"#;

/// An HTML page being written: a title, then body fragments.
#[derive(Debug, Default)]
pub struct Page {
    title: String,
    body: String,
}

impl Page {
    /// A page with this `<title>`.
    pub fn new(title: &str) -> Self {
        Page {
            title: title.to_owned(),
            body: String::new(),
        }
    }

    /// Appends raw HTML (already escaped).
    pub fn raw(&mut self, html: &str) {
        self.body.push_str(html);
    }

    /// Appends a heading of `level` with an id.
    pub fn heading(&mut self, level: u8, id: &str, text: &str) {
        let _ = writeln!(
            self.body,
            "<h{level} id=\"{}\">{}</h{level}>",
            escape(id),
            escape(text)
        );
    }

    /// Appends a paragraph of text with a class (`""` for none).
    pub fn paragraph(&mut self, class: &str, text: &str) {
        if class.is_empty() {
            let _ = writeln!(self.body, "<p>{}</p>", escape(text));
        } else {
            let _ = writeln!(self.body, "<p class=\"{class}\">{}</p>", escape(text));
        }
    }

    /// The finished document: doctype, inline style, the body in `<main>`, and a footer.
    pub fn finish(self, footer: &str) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{}\
             <footer>{}</footer>\n</main>\n</body>\n</html>\n",
            escape(&self.title),
            self.body,
            escape(footer)
        )
    }
}

/// A table being written: a header row, then rows of cells.
#[derive(Debug)]
pub struct Table {
    html: String,
}

/// One table cell: text (escaped), left- or right-aligned, optionally bold.
#[derive(Debug, Clone)]
pub struct Cell {
    text: String,
    left: bool,
    strong: bool,
}

impl Cell {
    /// A right-aligned cell (numbers).
    pub fn num(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            left: false,
            strong: false,
        }
    }

    /// A left-aligned cell (words).
    pub fn text(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            left: true,
            strong: false,
        }
    }

    /// The same cell in bold.
    pub fn strong(mut self) -> Self {
        self.strong = true;
        self
    }
}

impl Table {
    /// A table with an id, a class (`""` for none) and column headers (the first left
    /// aligned).
    pub fn new(id: &str, class: &str, headers: &[&str]) -> Self {
        let mut html = format!("<table id=\"{}\"", escape(id));
        if !class.is_empty() {
            let _ = write!(html, " class=\"{class}\"");
        }
        html.push_str("><thead><tr>");
        for (i, h) in headers.iter().enumerate() {
            let class = if i == 0 { " class=\"l\"" } else { "" };
            let _ = write!(html, "<th{class}>{}</th>", escape(h));
        }
        html.push_str("</tr></thead><tbody>\n");
        Table { html }
    }

    /// Appends a row; `class` (`""` for none) marks it (`best`, `next`, `bad`).
    pub fn row(&mut self, class: &str, cells: &[Cell]) {
        if class.is_empty() {
            self.html.push_str("<tr>");
        } else {
            let _ = write!(self.html, "<tr class=\"{class}\">");
        }
        for cell in cells {
            let mut classes = Vec::new();
            if cell.left {
                classes.push("l");
            }
            if cell.strong {
                classes.push("hit");
            }
            if classes.is_empty() {
                self.html.push_str("<td>");
            } else {
                let _ = write!(self.html, "<td class=\"{}\">", classes.join(" "));
            }
            self.html.push_str(&escape(&cell.text));
            self.html.push_str("</td>");
        }
        self.html.push_str("</tr>\n");
    }

    /// Appends a header cell and value cells as a row (a key–value table).
    pub fn pair_row(&mut self, key: &str, cells: &[Cell]) {
        let _ = write!(self.html, "<tr><th class=\"l\">{}</th>", escape(key));
        for cell in cells {
            let class = if cell.left { " class=\"l\"" } else { "" };
            let _ = write!(self.html, "<td{class}>{}</td>", escape(&cell.text));
        }
        self.html.push_str("</tr>\n");
    }

    /// The finished table.
    pub fn finish(mut self) -> String {
        self.html.push_str("</tbody></table>\n");
        self.html
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(-12.345_67), "-12.35");
        assert_eq!(number(0.05), "0.05");
        assert_eq!(number(999_999.0), "999999");
        assert_eq!(number(0.000_123), "1.23e-4");
        assert_eq!(number(f64::NAN), "nan");
    }

    #[test]
    fn dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(-1), "1969-12-31 23:59:59 UTC");
    }
}
