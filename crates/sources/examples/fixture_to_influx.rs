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
#![allow(clippy::print_stderr)] // a command-line helper reports what it skipped

use canary_judge::{Config, Fixture, MetricData, MetricKind, Point};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

struct Converted {
    path: PathBuf,
    label: String,
    fixture: Fixture,
    start: i64,
    end: i64,
    step: i64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut config_path, mut out, mut inputs) = (None, None, Vec::new());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => config_path = args.next().map(PathBuf::from),
            "--out" => out = args.next().map(PathBuf::from),
            _ => inputs.push(PathBuf::from(arg)),
        }
    }
    let (Some(config_path), Some(out)) = (config_path, out) else {
        return Err("usage: fixture_to_influx --config C --out DIR FIXTURE...".into());
    };
    let config = Config::from_path(&config_path)?;
    let mut converted = Vec::new();
    for path in canary_judge::collect_fixture_files(&inputs)? {
        let fixture = Fixture::from_path(&path)?;
        let label = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match grid(&fixture) {
            Ok((start, end, step)) => converted.push(Converted {
                path: std::fs::canonicalize(&path)?,
                label,
                fixture,
                start,
                end,
                step,
            }),
            Err(why) => eprintln!("skipped {}: {why}", path.display()),
        }
    }
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("data.lp"), line_protocol(&config, &converted)?)?;
    std::fs::write(out.join("live.json"), live_config(&config)?)?;
    let mut tsv = String::new();
    for c in &converted {
        writeln!(
            tsv,
            "{}\t{}\t{}\t{}\t{}",
            c.path.display(),
            c.label,
            c.start,
            c.end,
            c.step
        )?;
    }
    std::fs::write(out.join("fixtures.tsv"), tsv)?;
    eprintln!(
        "converted {} fixture(s) into {}",
        converted.len(),
        out.display()
    );
    Ok(())
}

/// The one evenly spaced grid of every series, starting on a multiple of its step:
/// (first, last, step).
fn grid(fixture: &Fixture) -> Result<(i64, i64, i64), String> {
    let mut grids = Vec::new();
    for (name, data) in &fixture.metrics {
        let sides: Vec<Vec<i64>> = match data {
            MetricData::Continuous(s) => {
                for side in [&s.baseline, &s.canary] {
                    if !side.is_empty() && side.iter().all(|p: &Point| p.value.is_none()) {
                        return Err(format!("a side of {name} has only null values"));
                    }
                }
                [&s.baseline, &s.canary]
                    .iter()
                    .map(|p| p.iter().map(|p| p.timestamp).collect())
                    .collect()
            }
            MetricData::Counts(s) => [&s.baseline, &s.canary]
                .iter()
                .map(|p| p.iter().map(|p| p.timestamp).collect())
                .collect(),
            MetricData::Histogram(_) => continue,
        };
        for times in sides.into_iter().filter(|t| t.len() > 1) {
            let step = times[1] - times[0];
            if step <= 0 || times.windows(2).any(|w| w[1] - w[0] != step) {
                return Err(format!("{name} is not evenly spaced"));
            }
            grids.push((times[0], times[times.len() - 1], step));
        }
    }
    let first = *grids.first().ok_or("no series with two or more points")?;
    if grids.iter().any(|g| *g != first) {
        return Err("its series do not share one grid".into());
    }
    if first.0.rem_euclid(first.2) != 0 {
        return Err("its grid does not start on a multiple of its step".into());
    }
    Ok(first)
}

fn measurement(key: &str) -> String {
    let clean: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("canary_{clean}")
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
        let name = measurement(&metric.name);
        for c in fixtures {
            let Some(data) = c.fixture.metrics.get(&metric.name) else {
                continue;
            };
            for (version, baseline) in [("baseline", true), ("canary", false)] {
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
                            let le = if bound.is_infinite() {
                                "+Inf".to_owned()
                            } else {
                                bound.to_string()
                            };
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
        let name = measurement(&metric.name);
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
