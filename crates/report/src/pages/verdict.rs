//! The verdict page (`canary judge`, `canary gate`): banner, reasons, group scores and
//! one section per metric with its charts and evidence.

use crate::charts::{BASELINE, CANARY, Line, LineChart, XAxis};
use crate::downsample::{ECDF_POINTS, TIME_BUCKETS, ecdf, min_max_buckets};
use crate::html::{Cell, Page, Table, escape, number, slug};
use crate::{Options, ReportError, footer, tables};
use canary_judge::{Fixture, MetricData, MetricResult, Report, Sides};
use std::fmt::Write as _;

/// Size of the time-series chart.
const SERIES_SIZE: (u32, u32) = (640, 280);
/// Size of the distribution chart.
const DIST_SIZE: (u32, u32) = (440, 280);

pub(crate) fn page(report: &Report, options: &Options<'_>) -> Result<String, ReportError> {
    let default_title = format!("Canary verdict: {}", report.verdict);
    let mut page = Page::new(options.title.unwrap_or(&default_title));
    page.heading(1, "title", options.title.unwrap_or("Canary verdict"));
    match options.fixture {
        Some(f) => {
            let description = f
                .description
                .as_deref()
                .map(|d| format!(" — {d}"))
                .unwrap_or_default();
            let expected = f
                .expected
                .map(|e| format!(" (labelled {e})"))
                .unwrap_or_default();
            page.paragraph("sub", &format!("{}{description}{expected}", f.name));
        }
        None => page.paragraph(
            "sub",
            "Evidence only: the verdict JSON has no raw data. Pass the judged fixture \
             (canary report --fixture F) to see the time series and distributions.",
        ),
    }
    page.raw(&banner(report));
    page.raw(&sections(report, options.fixture, "")?);
    Ok(page.finish(&footer()))
}

/// The coloured verdict banner with the score and reasons (ids `banner`, `reasons`).
pub(crate) fn banner(report: &Report) -> String {
    let mut html = format!(
        "<div id=\"banner\" class=\"banner {v}\"><span class=\"big\">{v}</span> \
         &nbsp;score {}<ul id=\"reasons\">",
        number(report.score.0),
        v = report.verdict
    );
    for reason in &report.reasons {
        let _ = write!(html, "<li>{}</li>", escape(reason));
    }
    html.push_str("</ul></div>\n");
    html
}

fn tag(class: &str, text: &str) -> String {
    format!("<span class=\"tag {class}\">{}</span>", escape(text))
}

/// Group scores, the metric overview and one section per metric. `prefix` keeps ids
/// unique when several verdicts share a page.
pub(crate) fn sections(
    report: &Report,
    fixture: Option<&Fixture>,
    prefix: &str,
) -> Result<String, ReportError> {
    let mut html = String::new();
    let mut groups = Table::new(
        &format!("{prefix}groups"),
        "",
        &["group", "score", "weight"],
    );
    for g in &report.groups {
        groups.row(
            "",
            &[
                Cell::text(g.name.clone()),
                Cell::num(number(g.score.0)),
                Cell::num(format!("{} %", number(g.weight.0))),
            ],
        );
    }
    let mut overview = Table::new(
        &format!("{prefix}metrics"),
        "",
        &["metric", "group", "result", "reason"],
    );
    for m in &report.metrics {
        let result = if m.critical {
            format!("{} critical", m.classification.as_str())
        } else {
            m.classification.as_str().to_owned()
        };
        overview.row(
            if m.classification.is_failure() {
                "bad"
            } else {
                ""
            },
            &[
                Cell::text(m.name.clone()),
                Cell::text(m.group.clone()),
                Cell::text(result).strong(),
                Cell::text(m.reason.clone()),
            ],
        );
    }
    let _ = write!(
        html,
        "<h2 id=\"{prefix}overview\">Overview</h2>\n<div class=\"charts\">{}{}</div>\n",
        groups.finish(),
        overview.finish()
    );
    let _ = writeln!(html, "<h2 id=\"{prefix}per-metric\">Metrics</h2>");
    for m in &report.metrics {
        let data = fixture.and_then(|f| f.metrics.get(&m.name));
        html.push_str(&metric_section(m, data, fixture.is_some(), prefix)?);
    }
    Ok(html)
}

fn metric_section(
    m: &MetricResult,
    data: Option<&MetricData>,
    have_fixture: bool,
    prefix: &str,
) -> Result<String, ReportError> {
    let id = format!("{prefix}{}", slug(&m.name));
    let mut html = format!(
        "<section class=\"metric\" id=\"metric-{id}\"><h3>{} {}{}</h3>\n<p class=\"reason\">{}</p>\n",
        escape(&m.name),
        tag(m.classification.as_str(), m.classification.as_str()),
        if m.critical {
            format!(" {}", tag("critical", "critical"))
        } else {
            String::new()
        },
        escape(&m.reason)
    );
    match data {
        Some(data) => {
            html.push_str("<div class=\"charts\">");
            for chart in charts(&id, &m.name, data)? {
                html.push_str(&chart);
            }
            html.push_str("</div>\n");
        }
        None if have_fixture => {
            html.push_str("<p class=\"note\">The fixture has no data for this metric.</p>\n");
        }
        None => {}
    }
    let e = &m.evidence;
    let _ = writeln!(
        html,
        "<div class=\"charts\">{}{}</div>{}</section>",
        tables::evidence(&id, e),
        tables::sides(&id, e.baseline.as_ref(), e.canary.as_ref()),
        tables::gates(&id, e)
    );
    Ok(html)
}

fn line(label: &str, color: plotters::style::RGBColor, segments: Vec<Vec<(f64, f64)>>) -> Line {
    Line {
        label: label.to_owned(),
        color,
        segments,
        dots: false,
    }
}

fn series_chart(
    id: &str,
    title: String,
    y_desc: &str,
    sides: Sides<Vec<Vec<(f64, f64)>>>,
) -> LineChart {
    LineChart {
        id: format!("series-{id}"),
        title,
        x_desc: "time (UTC)".into(),
        y_desc: y_desc.into(),
        x_axis: XAxis::Time,
        size: SERIES_SIZE,
        lines: vec![
            line("baseline", BASELINE, sides.baseline),
            line("canary", CANARY, sides.canary),
        ],
        markers: vec![],
        y_range: None,
    }
}

fn dist_chart(id: &str, title: String, x_desc: &str, sides: Sides<Vec<(f64, f64)>>) -> LineChart {
    let runs = |points: Vec<(f64, f64)>| {
        if points.is_empty() {
            vec![]
        } else {
            vec![points]
        }
    };
    LineChart {
        id: format!("dist-{id}"),
        title,
        x_desc: x_desc.into(),
        y_desc: "share of values ≤ x".into(),
        x_axis: XAxis::Number,
        size: DIST_SIZE,
        lines: vec![
            line("baseline", BASELINE, runs(sides.baseline)),
            line("canary", CANARY, runs(sides.canary)),
        ],
        markers: vec![],
        y_range: Some((0.0, 1.02)),
    }
}

/// The metric's charts: over time and distribution (continuous, counts), or the
/// cumulative distribution over the buckets (histogram).
fn charts(id: &str, name: &str, data: &MetricData) -> Result<Vec<String>, ReportError> {
    let charts = match data {
        MetricData::Continuous(s) => {
            let series = |points: &[canary_judge::Point]| {
                let raw: Vec<(f64, Option<f64>)> = points
                    .iter()
                    .map(|p| (p.timestamp as f64, p.value))
                    .collect();
                min_max_buckets(&raw, TIME_BUCKETS)
            };
            let values = |points: &[canary_judge::Point]| {
                let v: Vec<f64> = points.iter().filter_map(|p| p.value).collect();
                ecdf(&v, ECDF_POINTS)
            };
            vec![
                series_chart(
                    id,
                    format!("{name} over time"),
                    name,
                    Sides {
                        baseline: series(&s.baseline),
                        canary: series(&s.canary),
                    },
                ),
                dist_chart(
                    id,
                    format!("{name}: distribution (ECDF)"),
                    name,
                    Sides {
                        baseline: values(&s.baseline),
                        canary: values(&s.canary),
                    },
                ),
            ]
        }
        MetricData::Counts(s) => {
            let rate = |p: &canary_judge::CountPoint| (p.total > 0.0).then(|| p.events / p.total);
            let series = |points: &[canary_judge::CountPoint]| {
                let raw: Vec<(f64, Option<f64>)> = points
                    .iter()
                    .map(|p| (p.timestamp as f64, rate(p)))
                    .collect();
                min_max_buckets(&raw, TIME_BUCKETS)
            };
            let values = |points: &[canary_judge::CountPoint]| {
                let v: Vec<f64> = points.iter().filter_map(rate).collect();
                ecdf(&v, ECDF_POINTS)
            };
            vec![
                series_chart(
                    id,
                    format!("{name}: rate per interval"),
                    "events / total",
                    Sides {
                        baseline: series(&s.baseline),
                        canary: series(&s.canary),
                    },
                ),
                dist_chart(
                    id,
                    format!("{name}: per-interval rates (ECDF)"),
                    "events / total",
                    Sides {
                        baseline: values(&s.baseline),
                        canary: values(&s.canary),
                    },
                ),
            ]
        }
        MetricData::Histogram(s) => {
            // Bucket bounds are usually exponential: one step per bucket reads better
            // than a linear axis where the low buckets crowd together.
            let mut bounds: Vec<f64> = [&s.baseline, &s.canary]
                .into_iter()
                .flatten()
                .flat_map(|h| h.upper_bounds().iter().copied())
                .filter(|le| le.is_finite())
                .collect();
            bounds.sort_by(f64::total_cmp);
            bounds.dedup();
            let cdf = |h: &Option<canary_judge::stats::Histogram>| -> Vec<(f64, f64)> {
                let Some(h) = h else { return vec![] };
                let total = h.total();
                if total <= 0.0 {
                    return vec![];
                }
                h.upper_bounds()
                    .iter()
                    .zip(h.cumulative_counts())
                    .filter_map(|(le, &c)| {
                        let i = bounds.iter().position(|b| b == le)?;
                        Some((i as f64, c / total))
                    })
                    .collect()
            };
            let mut chart = dist_chart(
                id,
                format!("{name}: cumulative share by bucket"),
                "le (bucket upper bound)",
                Sides {
                    baseline: cdf(&s.baseline),
                    canary: cdf(&s.canary),
                },
            );
            chart.x_axis = XAxis::Categories(bounds);
            chart.size = SERIES_SIZE;
            vec![chart]
        }
    };
    charts.iter().map(LineChart::render).collect()
}
