//! Fixtures written with `to_json_pretty` read back equal (what `canary record` relies on).
#![allow(clippy::unwrap_used)] // strategies outside #[test] fns unwrap too

use canary_judge::stats::Histogram;
use canary_judge::{CountPoint, Fixture, MetricData, Point, Sides, Verdict};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn points() -> impl Strategy<Value = Vec<Point>> {
    prop::collection::vec(prop::option::weighted(0.8, -1e12f64..1e12), 0..20).prop_map(|values| {
        values
            .into_iter()
            .enumerate()
            .map(|(i, value)| Point {
                timestamp: 1_700_000_000 + 10 * i as i64,
                value,
            })
            .collect()
    })
}

fn counts() -> impl Strategy<Value = Vec<CountPoint>> {
    prop::collection::vec((0u32..1000, 0u32..100_000), 0..20).prop_map(|pairs| {
        pairs
            .into_iter()
            .enumerate()
            .map(|(i, (e, extra))| CountPoint {
                timestamp: 1_700_000_000 + 10 * i as i64,
                events: f64::from(e),
                total: f64::from(e) + f64::from(extra),
            })
            .collect()
    })
}

fn histogram() -> impl Strategy<Value = Option<Histogram>> {
    prop::option::of(
        prop::collection::vec((0.001f64..10.0, 0u32..1000), 1..8).prop_map(|buckets| {
            let mut bound = 0.0;
            let mut total = 0.0;
            let (mut bounds, mut counts) = (Vec::new(), Vec::new());
            for (width, n) in buckets {
                bound += width;
                total += f64::from(n);
                bounds.push(bound);
                counts.push(total);
            }
            bounds.push(f64::INFINITY);
            counts.push(total + 1.0);
            Histogram::new(bounds, counts).unwrap()
        }),
    )
}

proptest! {
    #[test]
    fn written_fixtures_read_back_equal(
        c in (points(), points()),
        n in (counts(), counts()),
        h in (histogram(), histogram()),
        description in prop::option::of(".{0,30}"),
        labelled in any::<bool>(),
    ) {
        // Both sides of a series share timestamps, as the fixture format requires.
        let trim = |a: Vec<Point>, len: usize| a.into_iter().take(len).collect::<Vec<_>>();
        let len = c.0.len().min(c.1.len());
        let (cb, cc) = if len == 0 { (c.0, Vec::new()) } else { (trim(c.0, len), trim(c.1, len)) };
        let len = n.0.len().min(n.1.len());
        let (nb, nc): (Vec<CountPoint>, Vec<CountPoint>) = (n.0.into_iter().take(len.max(1)).collect(), n.1.into_iter().take(len).collect());
        let fixture = Fixture {
            name: "prop \"quoted\" ✓".into(),
            description,
            expected: labelled.then_some(Verdict::Hold),
            metrics: BTreeMap::from([
                ("a".to_owned(), MetricData::Continuous(Sides { baseline: cb, canary: cc })),
                ("b".to_owned(), MetricData::Counts(Sides { baseline: nb, canary: nc })),
                ("c d".to_owned(), MetricData::Histogram(Sides { baseline: h.0, canary: h.1 })),
            ]),
        };
        let text = fixture.to_json_pretty();
        let back = Fixture::from_json_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &fixture);
        prop_assert_eq!(back.to_json_pretty(), text);
    }
}
