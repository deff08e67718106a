//! Turns fixtures into OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`,
//! plus the analysis config whose Prometheus queries read them back exactly, so a real
//! Prometheus can serve the same data `canary judge` reads from the files.
//!
//! ```text
//! cargo run -p canary-sources --example fixture_to_openmetrics -- \
//!     --config fixtures/canary.yaml --out DIR fixtures/*.json
//! ```
//!
//! Writes `DIR/data.om` (the series), `DIR/live.json` (the config with a
//! `query.prometheus` per metric; the fixture is chosen with `--var fixture=NAME`) and
//! `DIR/fixtures.tsv` (per converted fixture: absolute path, label, start, end, step — the
//! arguments of `canary gate`). Series carry `fixture="<file stem>"` and
//! `version="baseline"` / `"canary"`.
//!
//! How each kind maps, so that values round-trip exactly:
//! - continuous → a gauge `canary_<metric>` with one sample per point (`null` → `NaN`,
//!   which Prometheus returns as `"NaN"` and the source reads as missing); the query
//!   selects it at every step.
//! - counts → two counters `canary_<metric>_events_total` and `_requests_total`, the
//!   running sums of the per-interval counts, starting at 0 one step before the first
//!   point; the queries take the difference of the counter over one step
//!   (`sum(x) - sum(x offset ${step})`), which is the interval's count exactly
//!   (`increase()` would extrapolate).
//! - histogram → `canary_<metric>_bucket{le=...}` (cumulative buckets, with `+Inf`) and
//!   `_count`, all 0 at the window's start and the fixture's counts at its end; the query
//!   is the difference over the window, `sum by (le) (x - x offset ${window})`, at the end.
//!
//! Fixtures whose continuous and counts series do not share one evenly spaced grid are
//! skipped (Prometheus would carry a stale value forward for up to five minutes past a
//! series' end); the skipped ones are named on standard error.

mod common;

use canary_judge::{Config, MetricData, MetricKind};
use common::{Converted, Rules, le_text, series_name, sides};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let conversion = common::load("fixture_to_openmetrics", Rules::default())?;
    let (config, converted) = (&conversion.config, &conversion.fixtures);
    std::fs::write(
        conversion.out.join("data.om"),
        openmetrics(config, converted)?,
    )?;
    std::fs::write(conversion.out.join("live.json"), live_config(config)?)?;
    common::finish(&conversion)
}

fn openmetrics(config: &Config, fixtures: &[Converted]) -> Result<String, std::fmt::Error> {
    let mut om = String::new();
    for metric in &config.metrics {
        let name = series_name(&metric.name);
        match metric.kind {
            MetricKind::Continuous => {
                writeln!(om, "# TYPE {name} gauge")?;
                for c in fixtures {
                    let Some(MetricData::Continuous(s)) = c.fixture.metrics.get(&metric.name)
                    else {
                        continue;
                    };
                    for (version, baseline) in sides() {
                        for p in if baseline { &s.baseline } else { &s.canary } {
                            let value = p.value.map_or_else(|| "NaN".to_owned(), |v| v.to_string());
                            writeln!(
                                om,
                                "{name}{{fixture=\"{}\",version=\"{version}\"}} {value} {}",
                                c.label, p.timestamp
                            )?;
                        }
                    }
                }
            }
            MetricKind::Counts => {
                for (suffix, events) in [("events", true), ("requests", false)] {
                    writeln!(om, "# TYPE {name}_{suffix} counter")?;
                    for c in fixtures {
                        let Some(MetricData::Counts(s)) = c.fixture.metrics.get(&metric.name)
                        else {
                            continue;
                        };
                        for (version, baseline) in sides() {
                            let points = if baseline { &s.baseline } else { &s.canary };
                            let Some(first) = points.first() else {
                                continue;
                            };
                            let series = format!(
                                "{name}_{suffix}_total{{fixture=\"{}\",version=\"{version}\"}}",
                                c.label
                            );
                            writeln!(om, "{series} 0 {}", first.timestamp - c.step)?;
                            let mut sum = 0.0;
                            for p in points {
                                sum += if events { p.events } else { p.total };
                                writeln!(om, "{series} {sum} {}", p.timestamp)?;
                            }
                        }
                    }
                }
            }
            MetricKind::Histogram => {
                writeln!(om, "# TYPE {name} histogram")?;
                for c in fixtures {
                    let Some(MetricData::Histogram(s)) = c.fixture.metrics.get(&metric.name) else {
                        continue;
                    };
                    for (version, baseline) in sides() {
                        let Some(h) = (if baseline { &s.baseline } else { &s.canary }) else {
                            continue;
                        };
                        let labels = format!("fixture=\"{}\",version=\"{version}\"", c.label);
                        for (at, zero) in [(c.start, true), (c.end, false)] {
                            for (bound, count) in h.upper_bounds().iter().zip(h.cumulative_counts())
                            {
                                let le = le_text(*bound);
                                let v = if zero { 0.0 } else { *count };
                                writeln!(om, "{name}_bucket{{{labels},le=\"{le}\"}} {v} {at}")?;
                            }
                            let total = if zero { 0.0 } else { h.total() };
                            writeln!(om, "{name}_count{{{labels}}} {total} {at}")?;
                        }
                    }
                }
            }
        }
    }
    om.push_str("# EOF\n");
    Ok(om)
}

/// The config with a Prometheus query per metric reading the series above.
fn live_config(config: &Config) -> Result<String, serde_json::Error> {
    let mut live = config.clone();
    for metric in &mut live.metrics {
        let name = series_name(&metric.name);
        let sel =
            |series: &str| format!("{series}{{fixture=\"${{fixture}}\",version=\"${{scope}}\"}}");
        let query = match metric.kind {
            MetricKind::Continuous => json!(sel(&name)),
            MetricKind::Counts => {
                let diff = |suffix: &str| {
                    let s = sel(&format!("{name}_{suffix}_total"));
                    format!("sum({s}) - sum({s} offset ${{step}})")
                };
                json!({"events": diff("events"), "total": diff("requests")})
            }
            MetricKind::Histogram => {
                let s = sel(&format!("{name}_bucket"));
                json!(format!("sum by (le) ({s} - {s} offset ${{window}})"))
            }
        };
        metric.query = Some(BTreeMap::from([("prometheus".to_owned(), query)]));
    }
    serde_json::to_string_pretty(&live)
}
