//! Flagger Canary (+ MetricTemplates) → our config and a plan.

use super::argo::{Range, documents, gate, get, plan_text, text_of};
use super::plan::{PlanLimits, PlanStep, format_duration, parse_duration};
use super::{
    Conversion, ConvertError, ConvertOptions, Notes, Plan, Source, kind_of, load, map, put, render,
};
use crate::config::MetricKind;
use serde_yaml_ng::{Mapping, Value};

const ANALYSIS_KEYS: &[&str] = &[
    "interval",
    "threshold",
    "maxWeight",
    "stepWeight",
    "stepWeights",
    "iterations",
    "metrics",
];

/// Flagger's Go-template placeholders in a MetricTemplate query, as our `${…}`
/// variables: `{{ target }}` → `${scope}` (the canary workload; the baseline is its
/// primary), `{{ interval }}` → `${window}`, `{{ namespace }}` and
/// `{{ variables.x }}` → user variables.
fn placeholders(query: &str, path: &str, notes: &mut Notes) -> String {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let inner = after[..end].trim();
        match inner {
            "target" => {
                notes.add(path, "{{ target }} becomes ${scope}: the canary workload, or its primary (`<name>-primary`) for the baseline");
                out.push_str("${scope}");
            }
            "interval" => out.push_str("${window}"),
            "namespace" | "service" | "ingress" => {
                notes.add(path, format!("{{{{ {inner} }}}} becomes the variable ${{{inner}}}; give it when the query runs"));
                out.push_str(&format!("${{{inner}}}"));
            }
            v if v.starts_with("variables.") => {
                let name = &v["variables.".len()..];
                notes.add(path, format!("{{{{ {v} }}}} becomes the variable ${{{name}}}; give it when the query runs"));
                out.push_str(&format!("${{{name}}}"));
            }
            other => {
                notes.add(
                    path,
                    format!("placeholder {{{{ {other} }}}} has no equivalent; kept as written"),
                );
                out.push_str(&rest[start..start + 2 + end + 2]);
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The queries of Flagger's built-in metrics for a mesh provider: the 5xx share and the
/// request-duration P99 (ms), with `${scope}` selecting the workload.
fn builtin_query(metric: &str, mesh: &str) -> Option<Mapping> {
    let mut q = map();
    match (metric, mesh) {
        ("request-success-rate", "istio") => {
            let mut c = map();
            put(
                &mut c,
                "events",
                r#"sum(increase(istio_requests_total{reporter="destination", destination_workload=~"${scope}", response_code=~"5.*"}[${step}]))"#,
            );
            put(
                &mut c,
                "total",
                r#"sum(increase(istio_requests_total{reporter="destination", destination_workload=~"${scope}"}[${step}]))"#,
            );
            put(&mut q, "prometheus", Value::Mapping(c));
        }
        ("request-success-rate", "linkerd") => {
            let mut c = map();
            put(
                &mut c,
                "events",
                r#"sum(increase(response_total{direction="inbound", deployment=~"${scope}", classification="failure"}[${step}]))"#,
            );
            put(
                &mut c,
                "total",
                r#"sum(increase(response_total{direction="inbound", deployment=~"${scope}"}[${step}]))"#,
            );
            put(&mut q, "prometheus", Value::Mapping(c));
        }
        ("request-duration", "istio") => put(
            &mut q,
            "prometheus",
            r#"histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination", destination_workload=~"${scope}"}[${window}])) by (le))"#,
        ),
        ("request-duration", "linkerd") => put(
            &mut q,
            "prometheus",
            r#"histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{direction="inbound", deployment=~"${scope}"}[${window}])) by (le))"#,
        ),
        _ => return None,
    }
    Some(q)
}

/// Converts a Flagger `Canary` (its `spec.analysis`) and the `MetricTemplate`s it
/// references (in the same file, as YAML documents) into a config and a plan.
///
/// The plan: `stepWeights`, or `stepWeight` up to `maxWeight` (Flagger's default 50),
/// one step per `interval`; `iterations` without weights → that many blue/green steps
/// at weight 100; `threshold` → `failure_limit = threshold − 1` (Flagger rolls back
/// when failed checks reach the threshold). Metrics: `thresholdRange {min, max}` →
/// an absolute `gate` on the canary's mean over each step's window; the built-in
/// `request-success-rate` becomes the counts metric `errors` (5xx / requests, gate on
/// the rate: max `1 − min/100`), `request-duration` the continuous metric `latency_ms`
/// (P99 ms per interval), with Istio or Linkerd queries; MetricTemplate queries keep
/// their text with `{{ target }}` → `${scope}` and `{{ interval }}` → `${window}`.
/// Webhooks, alerts, mirroring, session affinity, request matching and providers other
/// than Prometheus and Datadog get a [`Note`](super::Note).
///
/// # Errors
/// Not YAML, no Canary with `spec.analysis`, a metric without a name, or a converted
/// config our loader rejects.
///
/// ```
/// use canary_judge::convert::{flagger, ConvertOptions};
/// let yaml = r#"
/// apiVersion: flagger.app/v1beta1
/// kind: Canary
/// metadata: {name: podinfo}
/// spec:
///   analysis:
///     interval: 1m
///     threshold: 5
///     stepWeight: 10
///     maxWeight: 50
///     metrics:
///     - {name: request-success-rate, thresholdRange: {min: 99}, interval: 1m}
/// "#;
/// let c = flagger(yaml, &ConvertOptions::default()).unwrap();
/// assert_eq!(c.config.metrics[0].name, "errors");
/// let plan = c.plan.unwrap();
/// assert_eq!(plan.steps.len(), 5);
/// assert_eq!(plan.limits.failure_limit, 4);
/// ```
pub fn flagger(text: &str, options: &ConvertOptions) -> Result<Conversion, ConvertError> {
    let docs = documents(text)?;
    let kind_is = |d: &Value, k: &str| d.get("kind").and_then(Value::as_str) == Some(k);
    let canary = docs
        .iter()
        .find(|d| kind_is(d, "Canary"))
        .ok_or_else(|| ConvertError::input("kind", "no Flagger Canary in the file"))?;
    let templates: Vec<&Value> = docs
        .iter()
        .filter(|d| kind_is(d, "MetricTemplate"))
        .collect();
    let mut notes = Notes::default();
    for (i, d) in docs.iter().enumerate() {
        if !kind_is(d, "Canary") && !kind_is(d, "MetricTemplate") {
            notes.add(
                format!("document {}", i + 1),
                format!(
                    "kind {:?} is not converted",
                    d.get("kind").and_then(Value::as_str).unwrap_or("?")
                ),
            );
        }
    }
    let name = get(canary, &["metadata", "name"])
        .and_then(Value::as_str)
        .map(str::to_owned);
    let analysis = get(canary, &["spec", "analysis"])
        .or_else(|| get(canary, &["spec", "canaryAnalysis"]))
        .ok_or_else(|| ConvertError::input("spec.analysis", "the Canary has no analysis"))?;
    if get(canary, &["spec", "skipAnalysis"]).and_then(Value::as_bool) == Some(true) {
        notes.add(
            "spec.skipAnalysis",
            "true: Flagger promotes without analysis; the converted config judges anyway",
        );
    }
    let mesh = get(canary, &["spec", "provider"])
        .and_then(Value::as_str)
        .unwrap_or("istio");
    if let Some(a) = analysis.as_mapping() {
        for key in a.keys().filter_map(Value::as_str) {
            if ANALYSIS_KEYS.contains(&key) {
                continue;
            }
            let message = match key {
                "webhooks" => {
                    "webhooks (load tests, gates, rollback hooks) have no equivalent; run them around the rollout"
                }
                "alerts" => "alerts have no equivalent; ignored",
                "mirror" | "mirrorWeight" => "traffic mirroring has no plan equivalent; ignored",
                "match" => {
                    "request matching (A/B testing) has no plan equivalent: judged as whole-traffic steps"
                }
                "sessionAffinity" => "session affinity has no equivalent; ignored",
                "stepWeightPromotion" => {
                    "promotion steps have no equivalent: the plan completes after its last step"
                }
                _ => "no equivalent; ignored",
            };
            notes.add(format!("spec.analysis.{key}"), message);
        }
    }
    let interval_text = analysis.get("interval").and_then(text_of);
    let interval = match &interval_text {
        Some(t) => match parse_duration(t) {
            Some(s) => Some(s),
            None => {
                notes.add(
                    "spec.analysis.interval",
                    format!("{t:?} is not a duration; steps have no minimum duration"),
                );
                None
            }
        },
        None => {
            notes.add(
                "spec.analysis.interval",
                "missing; steps have no minimum duration",
            );
            None
        }
    };

    let mut out = map();
    put(&mut out, "version", 1);
    put(&mut out, "mode", "default");
    let mut list = Vec::new();
    let metrics = analysis
        .get("metrics")
        .and_then(Value::as_sequence)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            ConvertError::input("spec.analysis.metrics", "expected a list of metrics")
        })?;
    for (i, m) in metrics.iter().enumerate() {
        let fname = m.get("name").and_then(Value::as_str).ok_or_else(|| {
            ConvertError::input(
                &format!("spec.analysis.metrics[{i}].name"),
                "expected the metric's name",
            )
        })?;
        let at = |k: &str| format!("spec.analysis.metrics[{fname}].{k}");
        let range = m.get("thresholdRange").map(|r| Range {
            min: r.get("min").and_then(Value::as_f64),
            max: r.get("max").and_then(Value::as_f64),
        });
        if range.is_some_and(|r| r.min.is_none() && r.max.is_none()) || range.is_none() {
            notes.add(at("thresholdRange"), "no min or max: Flagger never fails this metric; here only the baseline comparison judges it");
        }
        if let Some(mi) = m.get("interval").and_then(text_of)
            && interval_text.as_deref() != Some(mi.as_str())
        {
            notes.add(
                at("interval"),
                format!(
                    "{mi}: each metric is judged over the step's window ({})",
                    interval_text.as_deref().unwrap_or("unset")
                ),
            );
        }
        let mut metric = map();
        let template_ref = m.get("templateRef");
        let (our_name, kind, range, query) = match (fname, template_ref) {
            ("request-success-rate", None) => {
                notes.add(at("name"), "built-in success rate (%): judged as the counts metric \"errors\" (events = 5xx responses, total = requests); rename it to your data's key");
                let range = range.map(|r| Range {
                    min: r.max.map(|v| (100.0 - v) / 100.0),
                    max: r.min.map(|v| (100.0 - v) / 100.0),
                });
                let q = builtin_query(fname, mesh);
                if q.is_none() {
                    notes.add(at("name"), format!("no built-in query for mesh provider {mesh:?} here (istio and linkerd have one); write it"));
                }
                ("errors".to_owned(), MetricKind::Counts, range, q)
            }
            ("request-duration", None) => {
                notes.add(at("name"), "built-in request duration (P99, ms): judged as the continuous metric \"latency_ms\" (the per-interval P99); rename it to your data's key");
                let q = builtin_query(fname, mesh);
                if q.is_none() {
                    notes.add(at("name"), format!("no built-in query for mesh provider {mesh:?} here (istio and linkerd have one); write it"));
                }
                ("latency_ms".to_owned(), MetricKind::Continuous, range, q)
            }
            (_, None) => {
                notes.add(
                    at("templateRef"),
                    format!(
                        "{fname:?} is neither a built-in metric nor has a templateRef; no query"
                    ),
                );
                (fname.to_owned(), kind_of(options, fname), range, None)
            }
            (_, Some(r)) => {
                let tname = r.get("name").and_then(Value::as_str).unwrap_or("");
                let tns = r.get("namespace").and_then(Value::as_str);
                let template = templates.iter().find(|t| {
                    get(t, &["metadata", "name"]).and_then(Value::as_str) == Some(tname)
                        && tns.is_none_or(|ns| {
                            get(t, &["metadata", "namespace"])
                                .and_then(Value::as_str)
                                .is_none_or(|n| n == ns)
                        })
                });
                let query = match template {
                    None => {
                        notes.add(
                            at("templateRef"),
                            format!("MetricTemplate {tname:?} is not in the file; no query"),
                        );
                        None
                    }
                    Some(t) => template_query(t, tname, m, &mut notes),
                };
                (fname.to_owned(), kind_of(options, fname), range, query)
            }
        };
        put(&mut metric, "name", our_name.as_str());
        if kind != MetricKind::Continuous {
            put(&mut metric, "kind", kind.as_str());
        }
        put(&mut metric, "critical", true);
        let direction = match range.filter(|r| r.min.is_some() || r.max.is_some()) {
            Some(r) => {
                let (g, d) = gate(kind, r);
                put(&mut metric, "gate", Value::Mapping(g));
                d
            }
            None => "increase",
        };
        put(&mut metric, "direction", direction);
        if let Some(q) = query {
            put(&mut metric, "query", Value::Mapping(q));
        }
        list.push(Value::Mapping(metric));
    }
    notes.add(
        "spec.analysis.metrics",
        "Flagger checks the canary against threshold ranges only; each converted metric also compares the canary with the baseline (primary) and fails on a significant change in its bad direction — set effect thresholds to tolerate changes. Gates apply to the canary's mean (rate for counts) over each step's window, Flagger's one check per interval.",
    );
    put(&mut out, "metrics", Value::Sequence(list));
    let title = vec![format!(
        "Converted from a Flagger Canary{} by `canary convert --from flagger`.",
        name.as_deref()
            .map(|n| format!(" ({n:?})"))
            .unwrap_or_default()
    )];
    let config_yaml = render(&title, &notes.0, &Value::Mapping(out))?;
    let config = load(&config_yaml)?;

    // The plan.
    let mut plan_notes = Notes::default();
    let min_duration = interval.map(format_duration);
    let step = |w: f64| PlanStep {
        weight: w,
        min_duration: min_duration.clone(),
    };
    let (strategy, steps) =
        if let Some(ws) = analysis.get("stepWeights").and_then(Value::as_sequence) {
            let weights: Vec<f64> = ws
                .iter()
                .filter_map(Value::as_f64)
                .filter(|w| *w > 0.0)
                .collect();
            (
                "canary",
                weights
                    .into_iter()
                    .map(|w| step(w.min(100.0)))
                    .collect::<Vec<_>>(),
            )
        } else if let Some(sw) = analysis
            .get("stepWeight")
            .and_then(Value::as_f64)
            .filter(|w| *w > 0.0)
        {
            let max = analysis
                .get("maxWeight")
                .and_then(Value::as_f64)
                .unwrap_or_else(|| {
                    plan_notes.add("spec.analysis.maxWeight", "not set: Flagger's default 50");
                    50.0
                });
            let mut weights = Vec::new();
            let mut w = sw;
            while w < max && weights.len() < 200 {
                weights.push(w);
                w += sw;
            }
            weights.push(max.min(100.0));
            ("canary", weights.into_iter().map(step).collect())
        } else if let Some(n) = analysis
            .get("iterations")
            .and_then(Value::as_u64)
            .filter(|n| *n > 0)
        {
            plan_notes.add(
                "spec.analysis.iterations",
                format!("{n} iterations without traffic steps: {n} blue/green steps at weight 100"),
            );
            ("blue_green", (0..n.min(200)).map(|_| step(100.0)).collect())
        } else {
            plan_notes.add(
                "spec.analysis",
                "no stepWeight, stepWeights or iterations: one step at weight 100",
            );
            ("canary", vec![step(100.0)])
        };
    let threshold = analysis.get("threshold").and_then(Value::as_u64);
    if threshold.is_none() {
        plan_notes.add(
            "spec.analysis.threshold",
            "not set: the first failed check rolls back",
        );
    }
    let limits = PlanLimits {
        failure_limit: threshold.map_or(0, |t| t.saturating_sub(1) as u32),
        ..PlanLimits::default()
    };
    let plan = Plan {
        version: 1,
        name: name.clone(),
        strategy: strategy.into(),
        steps,
        analysis: "canary.yaml".into(),
        limits,
    };
    let plan_yaml = plan_text(&plan, "flagger", &plan_notes)?;
    notes.0.extend(plan_notes.0);
    Ok(Conversion {
        source: Source::Flagger,
        config,
        config_yaml,
        plan: Some(plan),
        plan_yaml: Some(plan_yaml),
        notes: notes.0,
    })
}

/// The query of a MetricTemplate.
fn template_query(
    template: &Value,
    tname: &str,
    metric: &Value,
    notes: &mut Notes,
) -> Option<Mapping> {
    let path = format!("MetricTemplate[{tname}]");
    let provider = get(template, &["spec", "provider", "type"])
        .and_then(Value::as_str)
        .unwrap_or("prometheus");
    let Some(query) = get(template, &["spec", "query"]).and_then(Value::as_str) else {
        notes.add(format!("{path}.spec.query"), "no query");
        return None;
    };
    if let Some(vars) = metric.get("templateVariables").and_then(Value::as_mapping) {
        for (k, v) in vars {
            notes.add(
                format!("{path}.templateVariables.{}", k.as_str().unwrap_or("?")),
                format!(
                    "value {:?}: give it as the query variable when the query runs",
                    text_of(v).unwrap_or_default()
                ),
            );
        }
    }
    match provider {
        "prometheus" | "datadog" => {
            let text = placeholders(query.trim(), &format!("{path}.spec.query"), notes);
            if let Some(address) =
                get(template, &["spec", "provider", "address"]).and_then(Value::as_str)
            {
                notes.add(
                    format!("{path}.spec.provider.address"),
                    format!(
                        "{address}: the address belongs to the source settings, not the config"
                    ),
                );
            }
            let mut q = map();
            put(&mut q, provider, text);
            Some(q)
        }
        other => {
            notes.add(format!("{path}.spec.provider.type"), format!("provider {other:?} has no canary-sources backend (prometheus and datadog do); the metric has no query — record its data or write the query by hand"));
            None
        }
    }
}
