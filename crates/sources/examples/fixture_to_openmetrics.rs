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
#![allow(clippy::print_stderr)] // a command-line helper reports what it skipped

use canary_judge::{Config, Fixture, MetricData, MetricKind};
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
        return Err("usage: fixture_to_openmetrics --config C --out DIR FIXTURE...".into());
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
    std::fs::write(out.join("data.om"), openmetrics(&config, &converted)?)?;
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

/// The one evenly spaced grid of every series: (first, last, step).
fn grid(fixture: &Fixture) -> Result<(i64, i64, i64), String> {
    let mut grids = Vec::new();
    for (name, data) in &fixture.metrics {
        let sides: Vec<Vec<i64>> = match data {
            MetricData::Continuous(s) => [&s.baseline, &s.canary]
                .iter()
                .map(|p| p.iter().map(|p| p.timestamp).collect())
                .collect(),
            MetricData::Counts(s) => [&s.baseline, &s.canary]
                .iter()
                .map(|p| p.iter().map(|p| p.timestamp).collect())
                .collect(),
            MetricData::Histogram(_) => continue,
        };
        for times in sides.into_iter().filter(|t| t.len() > 1) {
            let step = times[1] - times[0];
            if times.windows(2).any(|w| w[1] - w[0] != step) {
                return Err(format!("{name} is not evenly spaced"));
            }
            grids.push((times[0], times[times.len() - 1], step));
        }
    }
    let first = *grids.first().ok_or("no series with two or more points")?;
    if grids.iter().any(|g| *g != first) {
        return Err("its series do not share one grid".into());
    }
    Ok(first)
}

fn metric_name(key: &str) -> String {
    let clean: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("canary_{clean}")
}

fn sides() -> [(&'static str, bool); 2] {
    [("baseline", true), ("canary", false)]
}

fn openmetrics(config: &Config, fixtures: &[Converted]) -> Result<String, std::fmt::Error> {
    let mut om = String::new();
    for metric in &config.metrics {
        let name = metric_name(&metric.name);
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
                                let le = if bound.is_infinite() {
                                    "+Inf".to_owned()
                                } else {
                                    bound.to_string()
                                };
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
        let name = metric_name(&metric.name);
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
