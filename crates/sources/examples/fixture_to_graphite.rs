//! Turns fixtures into whisper series (as JSON, for `scripts/test-graphite.sh` to write
//! with Debian's python3-whisper) plus the analysis config whose Graphite render targets
//! read them back exactly, so a real graphite-web can serve the same data `canary judge`
//! reads from the files.
//!
//! ```text
//! cargo run -p canary-sources --example fixture_to_graphite -- \
//!     --config fixtures/canary.yaml --out DIR fixtures/
//! ```
//!
//! Writes `DIR/whisper.json` (a list of
//! `{"path", "step", "since", "points": [[time, value], …]}`, one whisper file per series:
//! `path` relative to the whisper directory, `since` the fixture's first instant, which
//! the file's retention must reach), `DIR/live.json` (the
//! config with a `query.graphite` per metric; the fixture is chosen with
//! `--var fixture=NAME`) and `DIR/fixtures.tsv` (per converted fixture: absolute path,
//! label, start, end, step — the arguments of `canary gate`). Series live under
//! `canary.<file stem>.<baseline|canary>.<metric>`, the metric's name with every
//! character but ASCII letters and digits replaced by `_`; each file's resolution is the
//! fixture's step.
//!
//! How each kind maps, so that values round-trip exactly:
//! - continuous → one series per side with a point per non-null value (whisper has no
//!   NaN; a step without a point comes back `null`, i.e. missing). A side whose values
//!   are all null is a series without points, which Graphite returns as all `null`. The
//!   target is the series' path.
//! - counts → two series per side, `<metric>.events` and `<metric>.total`, one point per
//!   interval; the targets are `summarize(<path>, "${step}", "sum", false)`, the
//!   documented way to bring a count to the window's step.
//! - histogram, twice:
//!   - tagged series `canary_<metric>_bucket;fixture=…;le=…;version=…` holding each
//!     bucket's count per interval: its cumulative count split between the window's first
//!     instant (the larger half) and its last; the target is the documented
//!     `integral(groupByTags(seriesByTag('name=canary_<metric>_bucket', 'fixture=${fixture}',
//!     'version=${scope}'), 'sum', 'le'))`, whose last point per `le` is the count (this
//!     checks that the window's first instant is inside it). `DIR/live.json` uses it.
//!   - plain series `<metric>.le_<bound>` (`.` in the bound written `_`, `le_inf` for
//!     `+Inf`) with the cumulative count as one point at the window's end; the target is
//!     `<metric>.*`, and the source reads each bound from the last node of the name.
//!     `DIR/live-nodes.json` is `live.json` with this target for histograms.
//!
//! Tagged series carry `"tagged": "<series;tags>"` instead of `path`: the script stores
//! them where graphite-web looks for them (`_tagged/…`) and adds them to its tag
//! database.
//!
//! A side without data (no points, no histogram) writes no series, so Graphite returns
//! none and the source reads it as empty. Skipped (named on standard error): fixtures
//! whose series do not share one evenly spaced grid starting on a multiple of the step
//! (whisper stores a point at the multiple of its resolution at or before its time).

mod common;

use canary_judge::{Config, MetricData, MetricKind};
use common::{Converted, Rules, clean_name, le_text, series_name, sides};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rules = Rules {
        aligned: true,
        no_all_null_side: false,
    };
    let conversion = common::load("fixture_to_graphite", rules)?;
    let (config, converted) = (&conversion.config, &conversion.fixtures);
    std::fs::write(
        conversion.out.join("whisper.json"),
        serde_json::to_string(&whisper_series(config, converted))?,
    )?;
    std::fs::write(conversion.out.join("live.json"), live_config(config, true)?)?;
    std::fs::write(
        conversion.out.join("live-nodes.json"),
        live_config(config, false)?,
    )?;
    common::finish(&conversion)
}

/// The whisper file of a series below `canary.<label>.<side>.<metric>`.
fn file(c: &Converted, version: &str, metric: &str, leaf: Option<&str>) -> String {
    let metric = clean_name(metric);
    match leaf {
        None => format!("canary/{}/{version}/{metric}.wsp", c.label),
        Some(leaf) => format!("canary/{}/{version}/{metric}/{leaf}.wsp", c.label),
    }
}

/// The node of a bucket: `le_0_25`, `le_inf`.
fn bucket_node(bound: f64) -> String {
    if bound.is_infinite() {
        "le_inf".to_owned()
    } else {
        format!("le_{}", le_text(bound).replace('.', "_"))
    }
}

fn whisper_series(config: &Config, fixtures: &[Converted]) -> Vec<Value> {
    let mut files = Vec::new();
    let mut tagged_series = Vec::new();
    let mut push = |path: String, c: &Converted, points: Vec<(i64, f64)>| {
        files.push(json!({"path": path, "step": c.step, "since": c.start, "points": points}));
    };
    for metric in &config.metrics {
        for c in fixtures {
            let Some(data) = c.fixture.metrics.get(&metric.name) else {
                continue;
            };
            for (version, baseline) in sides() {
                match data {
                    MetricData::Continuous(s) => {
                        let points = if baseline { &s.baseline } else { &s.canary };
                        if points.is_empty() {
                            continue;
                        }
                        let values = points
                            .iter()
                            .filter_map(|p| p.value.map(|v| (p.timestamp, v)))
                            .collect();
                        push(file(c, version, &metric.name, None), c, values);
                    }
                    MetricData::Counts(s) => {
                        let points = if baseline { &s.baseline } else { &s.canary };
                        if points.is_empty() {
                            continue;
                        }
                        for (leaf, events) in [("events", true), ("total", false)] {
                            let values = points
                                .iter()
                                .map(|p| (p.timestamp, if events { p.events } else { p.total }))
                                .collect();
                            push(file(c, version, &metric.name, Some(leaf)), c, values);
                        }
                    }
                    MetricData::Histogram(s) => {
                        let Some(h) = (if baseline { &s.baseline } else { &s.canary }) else {
                            continue;
                        };
                        for (bound, count) in h.upper_bounds().iter().zip(h.cumulative_counts()) {
                            let leaf = bucket_node(*bound);
                            let path = file(c, version, &metric.name, Some(&leaf));
                            push(path, c, vec![(c.end, *count)]);
                            let tagged = format!(
                                "{}_bucket;fixture={};le={};version={version}",
                                series_name(&metric.name),
                                c.label,
                                le_text(*bound)
                            );
                            let late = (count / 2.0).floor();
                            tagged_series.push(json!({
                                "tagged": tagged,
                                "step": c.step,
                                "since": c.start,
                                "points": [(c.start, count - late), (c.end, late)],
                            }));
                        }
                    }
                }
            }
        }
    }
    files.extend(tagged_series);
    files
}

/// The config with a Graphite render target per metric reading the series above.
/// `tagged`: histograms read the tagged series, else the plain ones.
fn live_config(config: &Config, tagged: bool) -> Result<String, serde_json::Error> {
    let mut live = config.clone();
    for metric in &mut live.metrics {
        let path = format!(
            "canary.${{fixture}}.${{scope}}.{}",
            clean_name(&metric.name)
        );
        let query = match metric.kind {
            MetricKind::Continuous => json!(path),
            MetricKind::Counts => {
                let sum =
                    |leaf: &str| format!("summarize({path}.{leaf}, \"${{step}}\", \"sum\", false)");
                json!({"events": sum("events"), "total": sum("total")})
            }
            MetricKind::Histogram if tagged => json!(format!(
                "integral(groupByTags(seriesByTag('name={}_bucket', 'fixture=${{fixture}}', 'version=${{scope}}'), 'sum', 'le'))",
                series_name(&metric.name)
            )),
            MetricKind::Histogram => json!(format!("{path}.*")),
        };
        metric.query = Some(BTreeMap::from([("graphite".to_owned(), query)]));
    }
    serde_json::to_string_pretty(&live)
}
