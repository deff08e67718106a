//! `mann_whitney` against R's `wilcox.test(x, y, conf.int = TRUE)` on committed vectors
//! (regenerate with `tests/vectors/generate.sh`).

mod common;

use canary_stats::{Alternative, MannWhitneyMethod, MannWhitneyOptions, mann_whitney};
use common::{close, load, num, nums};

const REL: f64 = 1e-9;

#[test]
fn matches_r_wilcox_test() {
    let cases = load("mann_whitney");
    assert!(cases.len() >= 150, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let label = case["label"].as_str().unwrap();
        let x = nums(&case["x"]);
        let y = nums(&case["y"]);
        let options = MannWhitneyOptions {
            alternative: case["alternative"]
                .as_str()
                .unwrap()
                .parse::<Alternative>()
                .unwrap(),
            confidence: num(&case["confidence"]),
            method: case["method"].as_str().unwrap().parse().unwrap(),
            continuity_correction: case["correct"].as_bool().unwrap(),
        };
        let r = match mann_whitney(&x, &y, &options) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{label}: error {e}"));
                continue;
            }
        };
        let ci = nums(&case["ci"]);
        // R found the interval ends with uniroot(tol = 1e-13 * scale).
        let scale = x.iter().chain(&y).fold(1.0f64, |a, v| a.max(v.abs()));
        let root_tol = 2e-13 * scale;
        let want_method = if case["exact_used"].as_bool().unwrap() {
            MannWhitneyMethod::Exact
        } else {
            MannWhitneyMethod::Asymptotic
        };
        let checks = [
            ("statistic", r.statistic, num(&case["statistic"]), 0.0, 0.0),
            ("p_value", r.p_value, num(&case["p_value"]), REL, 1e-300),
            ("ci.low", r.confidence_interval.low, ci[0], REL, root_tol),
            ("ci.high", r.confidence_interval.high, ci[1], REL, root_tol),
            (
                "ci.level",
                r.confidence_interval.level,
                num(&case["ci_level"]),
                1e-12,
                0.0,
            ),
            (
                "estimate (HL median)",
                r.estimate,
                num(&case["hl_median"]),
                REL,
                1e-12,
            ),
        ];
        for (what, got, want, rel, abs) in checks {
            if !close(got, want, rel, abs) {
                failures.push(format!("{label}: {what} = {got:e}, R says {want:e}"));
            }
        }
        if r.method != want_method {
            failures.push(format!(
                "{label}: method {:?}, R used {want_method:?}",
                r.method
            ));
        }
        // R's own estimate is the HL median on the exact path and whenever n·m is odd.
        let n_pairs = num(&case["n_pairs"]) as u64;
        if (want_method == MannWhitneyMethod::Exact || n_pairs % 2 == 1)
            && !close(r.estimate, num(&case["r_estimate"]), 1e-9, 1e-9)
        {
            failures.push(format!(
                "{label}: estimate {} vs R {}",
                r.estimate, case["r_estimate"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
