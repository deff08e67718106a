//! Times [`canary_stats::mann_whitney`] on two samples read from files and prints one JSON
//! object, for `benches/compare/mann_whitney.py` to set beside scipy and R.
//!
//! ```text
//! time_mann_whitney X_FILE Y_FILE [REPEATS]
//! ```
//!
//! Sample files are raw little-endian `f64` values, 8 bytes each, no header (what
//! `numpy.ndarray.astype("<f8").tofile` writes and R's `readBin(.., "double", size = 8,
//! endian = "little")` reads): the fastest format to load. A file whose name ends in
//! `.txt` is read as text instead, one number per line (blank lines ignored).
//!
//! Options are the defaults, i.e. R's `wilcox.test(x, y, conf.int = TRUE)`: two-sided,
//! level 0.95, method auto, continuity correction. Each of `REPEATS` (default 5) calls is
//! timed alone with a monotonic clock, the sort inside the call included and file loading
//! excluded; the output gives the median, minimum and every time in seconds, and the
//! result of the last call:
//!
//! ```text
//! {"n_x":..,"n_y":..,"repeats":..,"median_seconds":..,"min_seconds":..,"times":[..],
//!  "statistic":..,"p_value":..,"z":..,"estimate":..,
//!  "ci":{"low":..,"high":..,"level":..},"method":"asymptotic","has_ties":false}
//! ```
//!
//! Non-finite numbers are printed as `null`. Errors go to stderr with exit status 1
//! (2 for bad usage).

// This is a command-line tool whose output is its JSON on stdout, and errors on stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use canary_stats::{MannWhitneyOptions, mann_whitney};
use std::hint::black_box;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Calls timed when no `REPEATS` argument is given.
const DEFAULT_REPEATS: usize = 5;

/// Reads a sample: raw little-endian `f64`, or one number per line for `*.txt`.
fn read_sample(path: &Path) -> Result<Vec<f64>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if path.extension().is_some_and(|ext| ext == "txt") {
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| format!("{} is not UTF-8 text: {e}", path.display()))?;
        return text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| {
                line.trim()
                    .parse::<f64>()
                    .map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))
            })
            .collect();
    }
    if bytes.len() % 8 != 0 {
        return Err(format!(
            "{}: {} bytes is not a whole number of 8-byte f64 values",
            path.display(),
            bytes.len()
        ));
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|chunk| {
            let mut le = [0u8; 8];
            le.copy_from_slice(chunk);
            f64::from_le_bytes(le)
        })
        .collect())
}

/// The median of `values` (the mean of the two middle ones for an even count).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// Reads the samples, times the calls and prints the JSON.
fn run(x_path: &Path, y_path: &Path, repeats: usize) -> Result<(), String> {
    let x = read_sample(x_path)?;
    let y = read_sample(y_path)?;
    let options = MannWhitneyOptions::default();
    let mut times = Vec::with_capacity(repeats);
    let mut last = None;
    for _ in 0..repeats {
        let start = Instant::now();
        let result = mann_whitney(black_box(&x), black_box(&y), black_box(&options));
        let elapsed = start.elapsed().as_secs_f64();
        times.push(elapsed);
        last = Some(result.map_err(|e| format!("mann_whitney failed: {e}"))?);
    }
    let r = last.ok_or("REPEATS must be at least 1")?;
    let min = times.iter().copied().fold(f64::INFINITY, f64::min);
    let out = serde_json::json!({
        "n_x": r.n_x,
        "n_y": r.n_y,
        "repeats": repeats,
        "median_seconds": median(&times),
        "min_seconds": min,
        "times": times,
        "statistic": r.statistic,
        "p_value": r.p_value,
        "z": r.z,
        "estimate": r.estimate,
        "ci": {
            "low": r.confidence_interval.low,
            "high": r.confidence_interval.high,
            "level": r.confidence_interval.level,
        },
        "method": r.method.as_str(),
        "alternative": r.alternative.as_str(),
        "has_ties": r.has_ties,
    });
    println!("{out}");
    Ok(())
}

/// Parses `X_FILE Y_FILE [REPEATS]` and runs.
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: time_mann_whitney X_FILE Y_FILE [REPEATS]  \
                 (files: raw little-endian f64, or *.txt with one number per line)";
    let (x_path, y_path, repeats) = match args.as_slice() {
        [x, y] => (x, y, DEFAULT_REPEATS),
        [x, y, n] => match n.parse::<usize>() {
            Ok(n) if n >= 1 => (x, y, n),
            _ => {
                eprintln!("REPEATS must be a positive integer, got {n:?}\n{usage}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    match run(Path::new(x_path), Path::new(y_path), repeats) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("time_mann_whitney: {message}");
            ExitCode::FAILURE
        }
    }
}
