//! What the fixture converters (`fixture_to_openmetrics`, `fixture_to_influx`,
//! `fixture_to_graphite`) share: the command line (`--config C --out DIR FIXTURE...`),
//! loading the fixtures, keeping those whose series share one evenly spaced grid (naming
//! the skipped ones on standard error), the names of series and bucket bounds, and the
//! `fixtures.tsv` the live tests read (per converted fixture: absolute path, label,
//! start, end, step — the arguments of `canary gate`).
#![allow(dead_code)] // each converter uses its own part
#![allow(clippy::print_stderr)] // a command-line helper reports what it skipped

use canary_judge::{Config, Fixture, MetricData, Point};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A fixture kept for conversion.
pub(crate) struct Converted {
    /// Its absolute path.
    pub(crate) path: PathBuf,
    /// Its file stem, the `fixture` label of its series.
    pub(crate) label: String,
    /// Its data.
    pub(crate) fixture: Fixture,
    /// The first instant of its grid.
    pub(crate) start: i64,
    /// The last instant of its grid.
    pub(crate) end: i64,
    /// Its grid's step in seconds.
    pub(crate) step: i64,
}

/// What a converter needs of a fixture's grid beyond one evenly spaced grid.
#[derive(Clone, Copy, Default)]
pub(crate) struct Rules {
    /// The grid starts on a multiple of its step (the server buckets time that way).
    pub(crate) aligned: bool,
    /// No continuous side has only null values (the server cannot store such a series).
    pub(crate) no_all_null_side: bool,
}

/// The parsed command line and the fixtures kept.
pub(crate) struct Conversion {
    /// The analysis config.
    pub(crate) config: Config,
    /// The output folder (created).
    pub(crate) out: PathBuf,
    /// The fixtures kept.
    pub(crate) fixtures: Vec<Converted>,
}

/// Parses `--config C --out DIR FIXTURE...`, loads the fixtures and keeps those whose
/// grid meets `rules`, naming the others on standard error; creates `DIR`.
pub(crate) fn load(example: &str, rules: Rules) -> Result<Conversion, Box<dyn std::error::Error>> {
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
        return Err(format!("usage: {example} --config C --out DIR FIXTURE...").into());
    };
    let config = Config::from_path(&config_path)?;
    let mut fixtures = Vec::new();
    for path in canary_judge::collect_fixture_files(&inputs)? {
        let fixture = Fixture::from_path(&path)?;
        let label = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match grid(&fixture, rules) {
            Ok((start, end, step)) => fixtures.push(Converted {
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
    Ok(Conversion {
        config,
        out,
        fixtures,
    })
}

/// Writes `DIR/fixtures.tsv` and says how many fixtures were converted.
pub(crate) fn finish(conversion: &Conversion) -> Result<(), Box<dyn std::error::Error>> {
    let mut tsv = String::new();
    for c in &conversion.fixtures {
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
    let out: &Path = &conversion.out;
    std::fs::write(out.join("fixtures.tsv"), tsv)?;
    eprintln!(
        "converted {} fixture(s) into {}",
        conversion.fixtures.len(),
        out.display()
    );
    Ok(())
}

/// The one evenly spaced grid of every continuous and counts series: (first, last, step).
pub(crate) fn grid(fixture: &Fixture, rules: Rules) -> Result<(i64, i64, i64), String> {
    let mut grids = Vec::new();
    for (name, data) in &fixture.metrics {
        let sides: Vec<Vec<i64>> = match data {
            MetricData::Continuous(s) => {
                if rules.no_all_null_side {
                    for side in [&s.baseline, &s.canary] {
                        if !side.is_empty() && side.iter().all(|p: &Point| p.value.is_none()) {
                            return Err(format!("a side of {name} has only null values"));
                        }
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
    if rules.aligned && first.0.rem_euclid(first.2) != 0 {
        return Err("its grid does not start on a multiple of its step".into());
    }
    Ok(first)
}

/// `key` with every character but ASCII letters and digits replaced by `_`.
pub(crate) fn clean_name(key: &str) -> String {
    key.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// `canary_<key>`, cleaned by [`clean_name`].
pub(crate) fn series_name(key: &str) -> String {
    format!("canary_{}", clean_name(key))
}

/// The two sides' versions: `("baseline", true)`, `("canary", false)`.
pub(crate) fn sides() -> [(&'static str, bool); 2] {
    [("baseline", true), ("canary", false)]
}

/// A bucket bound as Prometheus writes `le`: `+Inf` or the shortest decimal.
pub(crate) fn le_text(bound: f64) -> String {
    if bound.is_infinite() {
        "+Inf".to_owned()
    } else {
        bound.to_string()
    }
}
