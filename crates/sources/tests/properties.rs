//! Properties of windows, times and templates.

use canary_sources::{Window, parse_time, render_template};
use proptest::prelude::*;
use std::collections::BTreeMap;

proptest! {
    /// The grid starts at `start`, steps by `step`, never passes `end`, and stops only
    /// when one more step would.
    #[test]
    fn window_instants_cover_the_window(start in -1_000_000i64..1_000_000, len in 1i64..100_000, step in 1u64..5_000) {
        let w = Window::new(start, start + len, step).unwrap();
        let grid: Vec<i64> = w.instants().collect();
        prop_assert_eq!(grid[0], start);
        prop_assert_eq!(grid.len() as u64, w.seconds() / step + 1);
        prop_assert!(grid.windows(2).all(|p| p[1] - p[0] == step as i64));
        let last = *grid.last().unwrap();
        prop_assert!(last <= w.end && last + step as i64 > w.end);
    }

    /// `now-Ns`, `now-Nm`, `now+Nh` and plain seconds agree with arithmetic.
    #[test]
    fn relative_times_are_arithmetic(now in 0i64..4_000_000_000, n in 0i64..10_000) {
        prop_assert_eq!(parse_time(&format!("now-{n}s"), now), Ok(now - n));
        prop_assert_eq!(parse_time(&format!("now-{n}m"), now), Ok(now - 60 * n));
        prop_assert_eq!(parse_time(&format!("now+{n}h"), now), Ok(now + 3600 * n));
        prop_assert_eq!(parse_time(&(now + n).to_string(), 0), Ok(now + n));
        let rfc = chrono::DateTime::from_timestamp(now, 0).unwrap().to_rfc3339();
        prop_assert_eq!(parse_time(&rfc, 0), Ok(now));
    }

    /// Text without `${` is kept as it is; every `${name}` of a known variable is
    /// replaced by its value, whatever the value holds (even `${...}` itself).
    #[test]
    fn templates_substitute_exactly(prefix in "[^$]{0,20}", value in ".{0,20}", suffix in "[^$]{0,20}") {
        let vars = BTreeMap::from([("v", value.clone())]);
        prop_assert_eq!(render_template(&prefix, &vars).unwrap(), prefix.clone());
        let t = format!("{prefix}${{v}}{suffix}${{v}}");
        prop_assert_eq!(render_template(&t, &vars).unwrap(), format!("{prefix}{value}{suffix}{value}"));
    }
}
