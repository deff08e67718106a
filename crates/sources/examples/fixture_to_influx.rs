//! Turns fixtures into InfluxDB line protocol (second precision) plus the analysis config
//! whose InfluxQL queries read them back exactly, so a real InfluxDB 1.x can serve the
//! same data `canary judge` reads from the files (`scripts/test-influxdb.sh`).
//!
//! ```text
//! cargo run -p canary-sources --example fixture_to_influx -- \
//!     --config fixtures/canary.yaml --out DIR fixtures/
//! ```
//!
//! Writes `DIR/data.lp` (the points, for `POST /write?precision=s`), `DIR/live.json` (the
//! config with a `query.influxdb` per metric; the fixture is chosen with
//! `--var fixture=NAME`) and `DIR/fixtures.tsv` (per converted fixture: absolute path,
//! label, start, end, step — the arguments of `canary gate`). Points carry the tags
//! `fixture=<file stem>` and `version=baseline` / `canary`.
//!
//! How each kind maps, so that values round-trip exactly:
//! - continuous → measurement `canary_<metric>`, field `value`, one point per non-null
//!   value (line protocol has no NaN); the query is
//!   `SELECT mean("value") … GROUP BY time(${step}) fill(null)`, so a step without a
//!   point comes back `null` (missing).
//! - counts → measurement `canary_<metric>` with fields `events` and `total` per
//!   interval; the queries are `SELECT sum("events")` / `sum("total")` grouped by the step.
//! - histogram → measurement `canary_<metric>`, one point per bucket at the window's end
//!   with the tag `le` and the cumulative count in field `count`; the query is
//!   `SELECT sum("count") … GROUP BY "le"`.
//!
//! Skipped (named on standard error): fixtures whose series do not share one evenly
//! spaced grid starting on a multiple of the step (InfluxDB's `GROUP BY time` buckets
//! start at multiples of the interval), and fixtures with a side whose every value is
//! null (InfluxDB cannot store such a series, so it would come back empty rather than
//! all-missing).

mod common;

use canary_judge::{Config, MetricData, MetricKind};
use common::{Converted, Rules, le_text, series_name, sides};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let conversion = common::load(
        "fixture_to_influx",
        Rules {
            aligned: true,
            no_all_null_side: true,
        },
    )?;
    let (config, converted) = (&conversion.config, &conversion.fixtures);
    std::fs::write(
        conversion.out.join("data.lp"),
        line_protocol(config, converted)?,
    )?;
    std::fs::write(conversion.out.join("live.json"), live_config(config)?)?;
    common::finish(&conversion)
}

/// A tag value escaped for line protocol (commas, equals signs and spaces).
fn tag(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, ',' | '=' | ' ' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn line_protocol(config: &Config, fixtures: &[Converted]) -> Result<String, std::fmt::Error> {
    let mut lp = String::new();
    for metric in &config.metrics {
        let name = series_name(&metric.name);
        for c in fixtures {
            let Some(data) = c.fixture.metrics.get(&metric.name) else {
                continue;
            };
            for (version, baseline) in sides() {
                let series = format!("{name},fixture={},version={version}", tag(&c.label));
                match data {
                    MetricData::Continuous(s) => {
                        for p in if baseline { &s.baseline } else { &s.canary } {
                            if let Some(v) = p.value {
                                writeln!(lp, "{series} value={v:?} {}", p.timestamp)?;
                            }
                        }
                    }
                    MetricData::Counts(s) => {
                        for p in if baseline { &s.baseline } else { &s.canary } {
                            writeln!(
                                lp,
                                "{series} events={:?},total={:?} {}",
                                p.events, p.total, p.timestamp
                            )?;
                        }
                    }
                    MetricData::Histogram(s) => {
                        let Some(h) = (if baseline { &s.baseline } else { &s.canary }) else {
                            continue;
                        };
                        for (bound, count) in h.upper_bounds().iter().zip(h.cumulative_counts()) {
                            let le = le_text(*bound);
                            writeln!(lp, "{series},le={} count={count:?} {}", tag(&le), c.end)?;
                        }
                    }
                }
            }
        }
    }
    Ok(lp)
}

/// The config with an InfluxQL query per metric reading the points above.
fn live_config(config: &Config) -> Result<String, serde_json::Error> {
    let mut live = config.clone();
    for metric in &mut live.metrics {
        let name = series_name(&metric.name);
        let select = |what: &str, group: &str| {
            format!(
                "SELECT {what} FROM \"{name}\" WHERE \"fixture\" = '${{fixture}}' AND \"version\" = '${{scope}}' AND time >= ${{start}}s AND time <= ${{end}}s GROUP BY {group}"
            )
        };
        let query = match metric.kind {
            MetricKind::Continuous => json!(select("mean(\"value\")", "time(${step}) fill(null)")),
            MetricKind::Counts => json!({
                "events": select("sum(\"events\")", "time(${step})"),
                "total": select("sum(\"total\")", "time(${step})"),
            }),
            MetricKind::Histogram => json!(select("sum(\"count\")", "\"le\"")),
        };
        metric.query = Some(BTreeMap::from([("influxdb".to_owned(), query)]));
    }
    serde_json::to_string_pretty(&live)
}
