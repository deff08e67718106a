//! Argo Rollouts AnalysisTemplate (and optionally its Rollout) → our config and a plan.

use super::plan::{PlanLimits, PlanStep, format_duration, parse_duration};
use super::{
    Conversion, ConvertError, ConvertOptions, Notes, Plan, Source, kind_of, load, map, num, put,
    render,
};
use crate::config::MetricKind;
use serde_yaml_ng::{Mapping, Value};

/// A bound of a condition on `result`: the value must stay at or below `max` / at or
/// above `min` to pass.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Range {
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
}

/// Parses the YAML documents of a file.
pub(crate) fn documents(text: &str) -> Result<Vec<Value>, ConvertError> {
    let mut docs = Vec::new();
    for (i, de) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let v = <Value as serde::Deserialize>::deserialize(de).map_err(|e| {
            ConvertError::input(&format!("document {}", i + 1), format!("not YAML: {e}"))
        })?;
        if !v.is_null() {
            docs.push(v);
        }
    }
    Ok(docs)
}

pub(crate) fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

pub(crate) fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn int_of(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// One operand of a comparison: the measurement (`result`, `result[0]`,
/// `asFloat(result[0])`, `float(result)`) or a number.
enum Operand {
    Result,
    Number(f64),
}

fn operand(text: &str) -> Option<Operand> {
    let t = text.trim();
    let inner = ["asFloat(", "float(", "asInt(", "int("]
        .iter()
        .find_map(|f| t.strip_prefix(f).and_then(|r| r.strip_suffix(')')))
        .unwrap_or(t)
        .trim();
    if inner == "result" || inner == "result[0]" {
        return Some(Operand::Result);
    }
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Operand::Number)
}

/// One comparison `result OP number` (either way round), as "result OP number".
fn comparison(term: &str) -> Option<(&'static str, f64)> {
    for op in ["<=", ">=", "<", ">"] {
        if let Some((l, r)) = term.split_once(op) {
            if r.starts_with('=') {
                continue;
            }
            return match (operand(l)?, operand(r)?) {
                (Operand::Result, Operand::Number(n)) => Some((op, n)),
                (Operand::Number(n), Operand::Result) => Some((
                    match op {
                        "<=" => ">=",
                        ">=" => "<=",
                        "<" => ">",
                        _ => "<",
                    },
                    n,
                )),
                _ => None,
            };
        }
    }
    None
}

/// Whether a term only asks for data (`len(result) > 0`), which our judge requires
/// anyway (missing data never passes).
fn data_presence(term: &str) -> bool {
    let t: String = term.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(
        t.as_str(),
        "len(result)>0" | "len(result)>=1" | "len(result)!=0"
    )
}

/// A term without the parentheses that enclose all of it: `(result < 5)` → `result < 5`,
/// but `asFloat(result) > 1` stays.
fn unwrap_parens(term: &str) -> &str {
    let mut t = term.trim();
    while t.starts_with('(') && t.ends_with(')') {
        let inner = &t[1..t.len() - 1];
        let mut depth = 0i32;
        let balanced = inner.chars().all(|c| {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            depth >= 0
        }) && depth == 0;
        if !balanced {
            break;
        }
        t = inner.trim();
    }
    t
}

/// The passing range a success condition describes: a conjunction (`&&`) of
/// comparisons of the measurement with numbers.
pub(crate) fn success_range(expr: &str) -> Result<Range, String> {
    let mut range = Range::default();
    if expr.contains("||") {
        return Err("a disjunction (||) is not a single range".into());
    }
    for term in expr.split("&&") {
        let term = unwrap_parens(term);
        if data_presence(term) {
            continue;
        }
        let (op, n) = comparison(term).ok_or_else(|| {
            format!("{term:?} is not a comparison of result (or result[0]) with a number")
        })?;
        match op {
            "<" | "<=" => range.max = Some(range.max.map_or(n, |m: f64| m.min(n))),
            _ => range.min = Some(range.min.map_or(n, |m: f64| m.max(n))),
        }
    }
    if range.min.is_none() && range.max.is_none() {
        return Err("no bound on result".into());
    }
    Ok(range)
}

/// The passing range a failure condition leaves: one comparison (failing above a value
/// leaves a maximum, failing below it a minimum).
pub(crate) fn failure_range(expr: &str) -> Result<Range, String> {
    if expr.contains("||") {
        let mut range = Range::default();
        for term in expr.split("||") {
            let r = failure_range(unwrap_parens(term))?;
            range.min = r.min.or(range.min);
            range.max = r.max.or(range.max);
        }
        return Ok(range);
    }
    let terms: Vec<&str> = expr
        .split("&&")
        .map(unwrap_parens)
        .filter(|t| !data_presence(t))
        .collect();
    let [term] = terms.as_slice() else {
        return Err(
            "a conjunction of failure comparisons fails inside a band, which a gate cannot express"
                .into(),
        );
    };
    let (op, n) = comparison(term).ok_or_else(|| {
        format!("{term:?} is not a comparison of result (or result[0]) with a number")
    })?;
    Ok(match op {
        ">" | ">=" => Range {
            min: None,
            max: Some(n),
        },
        _ => Range {
            min: Some(n),
            max: None,
        },
    })
}

/// The gate for a passing range on the canary's window statistic (`mean`, or `rate`
/// for counts), and the bad direction it implies.
pub(crate) fn gate(kind: MetricKind, range: Range) -> (Mapping, &'static str) {
    let mut g = map();
    put(
        &mut g,
        "stat",
        if kind == MetricKind::Counts {
            "rate"
        } else {
            "mean"
        },
    );
    if let Some(max) = range.max {
        put(&mut g, "max", num(max));
    }
    if let Some(min) = range.min {
        put(&mut g, "min", num(min));
    }
    let direction = match (range.min, range.max) {
        (Some(_), Some(_)) => "either",
        (Some(_), None) => "decrease",
        _ => "increase",
    };
    (g, direction)
}

/// Rewrites Argo's `{{args.name}}` placeholders as our `${name}` variables.
fn args_to_variables(query: &str, path: &str, notes: &mut Notes) -> String {
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
        if let Some(arg) = inner.strip_prefix("args.") {
            out.push_str(&format!("${{{arg}}}"));
        } else {
            notes.add(
                path,
                format!("placeholder {{{{{inner}}}}} has no equivalent; kept as written"),
            );
            out.push_str(&rest[start..start + 2 + end + 2]);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

const METRIC_KEYS: &[&str] = &[
    "name",
    "interval",
    "count",
    "initialDelay",
    "successCondition",
    "failureCondition",
    "failureLimit",
    "inconclusiveLimit",
    "consecutiveErrorLimit",
    "provider",
];

/// Converts an Argo Rollouts `AnalysisTemplate` (or `ClusterAnalysisTemplate`) into a
/// config and a plan. When the file also holds the `Rollout` that uses it, the plan
/// takes the Rollout's `setWeight`/`pause` steps; otherwise one step per measurement
/// (`count`, each `interval` long) at weight 100.
///
/// Per metric: `successCondition` / `failureCondition` of the forms
/// `result[0] < 0.05`, `result >= 0.95 && result <= 1`, `len(result) > 0 && …` become an
/// absolute `gate` on the canary's mean over each step's window (`rate` for counts);
/// Prometheus and Datadog queries become query templates (`{{args.x}}` → `${x}`);
/// `failureLimit`, `inconclusiveLimit`, `consecutiveErrorLimit` become the plan's limits
/// (the strictest over the metrics). Every metric is critical (a failed Argo metric
/// fails the analysis). Anything else — other providers, other expressions, `dryRun`,
/// `measurementRetention` — gets a [`Note`](super::Note) naming the metric, the field
/// and the expression.
///
/// # Errors
/// Not YAML, no AnalysisTemplate, no metrics, or a converted config our loader rejects.
///
/// ```
/// use canary_judge::convert::{argo, ConvertOptions};
/// let yaml = r#"
/// apiVersion: argoproj.io/v1alpha1
/// kind: AnalysisTemplate
/// metadata: {name: errors}
/// spec:
///   metrics:
///   - name: error_ratio
///     interval: 5m
///     count: 3
///     successCondition: result[0] < 0.05
///     provider:
///       prometheus: {query: 'sum(rate(errors{pod=~"{{args.pod}}"}[5m]))'}
/// "#;
/// let c = argo(yaml, &ConvertOptions::default()).unwrap();
/// assert_eq!(c.config.metrics[0].gate.unwrap().max, Some(0.05));
/// assert_eq!(c.plan.unwrap().steps.len(), 3);
/// ```
pub fn argo(text: &str, options: &ConvertOptions) -> Result<Conversion, ConvertError> {
    let docs = documents(text)?;
    let kind_is = |d: &Value, k: &[&str]| {
        d.get("kind")
            .and_then(Value::as_str)
            .is_some_and(|x| k.contains(&x))
    };
    let template = docs
        .iter()
        .find(|d| kind_is(d, &["AnalysisTemplate", "ClusterAnalysisTemplate"]))
        .ok_or_else(|| {
            ConvertError::input(
                "kind",
                "no AnalysisTemplate or ClusterAnalysisTemplate in the file",
            )
        })?;
    let rollout = docs.iter().find(|d| kind_is(d, &["Rollout"]));
    let name = get(template, &["metadata", "name"])
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut notes = Notes::default();
    for (i, d) in docs.iter().enumerate() {
        if !kind_is(
            d,
            &["AnalysisTemplate", "ClusterAnalysisTemplate", "Rollout"],
        ) {
            notes.add(
                format!("document {}", i + 1),
                format!(
                    "kind {:?} is not converted",
                    d.get("kind").and_then(Value::as_str).unwrap_or("?")
                ),
            );
        }
    }
    let spec = template
        .get("spec")
        .ok_or_else(|| ConvertError::input("spec", "the AnalysisTemplate has no spec"))?;
    if let Some(spec_map) = spec.as_mapping() {
        for key in spec_map.keys().filter_map(Value::as_str) {
            match key {
                "metrics" => {}
                "args" => {}
                "dryRun" => notes.add(
                    "spec.dryRun",
                    "dry-run metrics have no equivalent: they are judged like the others here",
                ),
                "measurementRetention" => notes.add(
                    "spec.measurementRetention",
                    "no equivalent (every report keeps its evidence); ignored",
                ),
                other => notes.add(format!("spec.{other}"), "no equivalent; ignored"),
            }
        }
    }
    if let Some(args) = spec.get("args").and_then(Value::as_sequence) {
        for arg in args {
            let n = arg.get("name").and_then(Value::as_str).unwrap_or("?");
            let value = arg.get("value").and_then(text_of);
            notes.add(
                format!("spec.args[{n}]"),
                match value {
                    Some(v) => format!("becomes the query variable ${{{n}}} (Argo's default value {v:?}); give it when the query runs"),
                    None => format!("becomes the query variable ${{{n}}}; give it when the query runs"),
                },
            );
        }
    }
    let metrics = spec
        .get("metrics")
        .and_then(Value::as_sequence)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| ConvertError::input("spec.metrics", "expected a list of metrics"))?;

    let mut out = map();
    put(&mut out, "version", 1);
    put(&mut out, "mode", "default");
    let mut list = Vec::new();
    let mut limits: Option<PlanLimits> = None;
    let mut measurements: Vec<(String, Option<u64>, Option<u64>)> = Vec::new();
    let mut limit_sets = Vec::new();
    for (i, m) in metrics.iter().enumerate() {
        let mname = m.get("name").and_then(Value::as_str).ok_or_else(|| {
            ConvertError::input(
                &format!("spec.metrics[{i}].name"),
                "expected the metric's name",
            )
        })?;
        let at = |k: &str| format!("spec.metrics[{mname}].{k}");
        if let Some(mm) = m.as_mapping() {
            for key in mm.keys().filter_map(Value::as_str) {
                if !METRIC_KEYS.contains(&key) {
                    notes.add(at(key), "no equivalent; ignored");
                }
            }
        }
        let kind = kind_of(options, mname);
        let mut metric = map();
        put(&mut metric, "name", mname);
        if kind != MetricKind::Continuous {
            put(&mut metric, "kind", kind.as_str());
        }
        put(&mut metric, "critical", true);
        let success = m.get("successCondition").and_then(Value::as_str);
        let failure = m.get("failureCondition").and_then(Value::as_str);
        let mut range: Option<Range> = None;
        if let Some(f) = failure {
            match failure_range(f) {
                Ok(r) => range = Some(r),
                Err(why) => notes.add(
                    at("failureCondition"),
                    format!("{f:?} cannot be translated ({why}); no gate from it"),
                ),
            }
        }
        if let Some(s) = success {
            match success_range(s) {
                Ok(r) if range.is_none() => range = Some(r),
                Ok(_) => notes.add(
                    at("successCondition"),
                    format!("{s:?}: with a failureCondition too, Argo calls values between the two inconclusive; here the failureCondition alone gates (values between pass)"),
                ),
                Err(why) => notes.add(at("successCondition"), format!("{s:?} cannot be translated ({why}); no gate from it")),
            }
        }
        let direction = if let Some(r) = range {
            let (g, direction) = gate(kind, r);
            put(&mut metric, "gate", Value::Mapping(g));
            direction
        } else {
            if success.is_none() && failure.is_none() {
                notes.add(at("successCondition"), "no condition: Argo counts every measurement as successful; here only the baseline comparison judges it");
            }
            "increase"
        };
        put(&mut metric, "direction", direction);
        if let Some(provider) = m.get("provider") {
            if let Some(q) = provider_query(provider, &at("provider"), &mut notes) {
                if kind == MetricKind::Counts {
                    notes.add(at("provider"), format!("metric {mname:?} is converted as counts: the query returns one number, while a counts query is {{events, total}} — split it before fetching live data"));
                }
                put(&mut metric, "query", Value::Mapping(q));
            }
        } else {
            notes.add(at("provider"), "no provider");
        }
        if let Some(d) = m.get("initialDelay").and_then(text_of) {
            notes.add(
                at("initialDelay"),
                format!("{d}: plans have no initial delay; start the first window after it"),
            );
        }
        let l = PlanLimits {
            failure_limit: int_of(m.get("failureLimit")).unwrap_or(0) as u32,
            inconclusive_limit: int_of(m.get("inconclusiveLimit")).unwrap_or(0) as u32,
            consecutive_error_limit: int_of(m.get("consecutiveErrorLimit")).unwrap_or(4) as u32,
        };
        limit_sets.push((mname.to_owned(), l));
        limits = Some(match limits {
            None => l,
            Some(p) => PlanLimits {
                failure_limit: p.failure_limit.min(l.failure_limit),
                inconclusive_limit: p.inconclusive_limit.min(l.inconclusive_limit),
                consecutive_error_limit: p.consecutive_error_limit.min(l.consecutive_error_limit),
            },
        });
        let interval = m.get("interval").and_then(text_of);
        let seconds = match &interval {
            Some(t) => match parse_duration(t) {
                Some(s) => Some(s),
                None => {
                    notes.add(at("interval"), format!("{t:?} is not a duration; ignored"));
                    None
                }
            },
            None => None,
        };
        let count = int_of(m.get("count"));
        if count.is_none()
            && let Some(c) = m.get("count")
        {
            notes.add(
                at("count"),
                format!(
                    "{} is not a whole number (an unresolved argument?); the plan ignores it",
                    text_of(c).unwrap_or_default()
                ),
            );
        }
        measurements.push((mname.to_owned(), count, seconds));
        list.push(Value::Mapping(metric));
    }
    notes.add(
        "spec.metrics",
        "Argo checks the canary against fixed thresholds only; each converted metric also compares the canary with the baseline (a significant change in its bad direction fails it) — set effect thresholds to tolerate changes. Gates apply to the canary's mean (rate for counts) over each step's window, Argo's one measurement per interval.",
    );
    let limits = limits.unwrap_or_default();
    if limit_sets.windows(2).any(|w| w[0].1 != w[1].1) {
        notes.add("spec.metrics", "the metrics have different failure/inconclusive/error limits; the plan has one set of limits: the strictest of each");
    }
    put(&mut out, "metrics", Value::Sequence(list));
    let title = vec![format!(
        "Converted from an Argo Rollouts AnalysisTemplate{} by `canary convert --from argo`.",
        name.as_deref()
            .map(|n| format!(" ({n:?})"))
            .unwrap_or_default()
    )];
    let config_yaml = render(&title, &notes.0, &Value::Mapping(out))?;
    let config = load(&config_yaml)?;

    // The plan.
    let mut plan_notes = Notes::default();
    let steps = match rollout {
        Some(r) => rollout_steps(r, &mut plan_notes),
        None => {
            let count = measurements.iter().filter_map(|m| m.1).max();
            let interval = measurements
                .iter()
                .filter(|m| m.1 == count)
                .find_map(|m| m.2)
                .or_else(|| measurements.iter().find_map(|m| m.2));
            if measurements
                .windows(2)
                .any(|w| (w[0].1, w[0].2) != (w[1].1, w[1].2))
            {
                plan_notes.add("spec.metrics", "the metrics have different count/interval; the plan follows the metric with the most measurements");
            }
            let steps = match (count, interval) {
                (Some(c), _) => c.max(1),
                (None, Some(_)) => {
                    plan_notes.add(
                        "spec.metrics",
                        "no count: Argo measures until the rollout ends; the plan has one step",
                    );
                    1
                }
                (None, None) => 1,
            };
            plan_notes.add("steps", "an AnalysisTemplate has no traffic weights (the Rollout's setWeight steps do): one step per measurement at weight 100 — put the Rollout in the same file to take its weights");
            (0..steps)
                .map(|_| PlanStep {
                    weight: 100.0,
                    min_duration: interval.map(format_duration),
                })
                .collect()
        }
    };
    let plan_name = rollout
        .and_then(|r| get(r, &["metadata", "name"]))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| name.clone());
    let plan = Plan {
        version: 1,
        name: plan_name,
        strategy: "canary".into(),
        steps,
        analysis: "canary.yaml".into(),
        limits,
    };
    let plan_yaml = plan_text(&plan, "argo", &plan_notes)?;
    notes.0.extend(plan_notes.0);
    Ok(Conversion {
        source: Source::Argo,
        config,
        config_yaml,
        plan: Some(plan),
        plan_yaml: Some(plan_yaml),
        notes: notes.0,
    })
}

/// The plan as YAML with its notes.
pub(crate) fn plan_text(plan: &Plan, from: &str, notes: &Notes) -> Result<String, ConvertError> {
    let value = serde_yaml_ng::to_value(plan)
        .map_err(|e| ConvertError::input("", format!("cannot write the plan: {e}")))?;
    render(
        &[
            format!("Rollout plan converted by `canary convert --from {from}`."),
            "`analysis` is the converted config, written next to this file.".into(),
        ],
        &notes.0,
        &value,
    )
}

/// The plan steps of a Rollout's canary strategy: each `setWeight` with the `pause`
/// that follows it.
fn rollout_steps(rollout: &Value, notes: &mut Notes) -> Vec<PlanStep> {
    let mut steps: Vec<PlanStep> = Vec::new();
    let Some(list) =
        get(rollout, &["spec", "strategy", "canary", "steps"]).and_then(Value::as_sequence)
    else {
        if get(rollout, &["spec", "strategy", "blueGreen"]).is_some() {
            notes.add(
                "Rollout.spec.strategy.blueGreen",
                "a blue-green Rollout: one step at weight 100",
            );
        } else {
            notes.add(
                "Rollout.spec.strategy",
                "no canary steps; one step at weight 100",
            );
        }
        return vec![PlanStep {
            weight: 100.0,
            min_duration: None,
        }];
    };
    for (i, s) in list.iter().enumerate() {
        let at = format!("Rollout.spec.strategy.canary.steps[{i}]");
        if let Some(w) = s.get("setWeight").and_then(Value::as_f64) {
            if w > 0.0 {
                steps.push(PlanStep {
                    weight: w.min(100.0),
                    min_duration: None,
                });
            } else {
                notes.add(
                    at,
                    format!("setWeight {w}: a plan step needs traffic; skipped"),
                );
            }
        } else if let Some(p) = s.get("pause") {
            let duration = p.get("duration").and_then(text_of);
            match (steps.last_mut(), duration) {
                (Some(last), Some(d)) => match parse_duration(&d) {
                    Some(secs) => last.min_duration = Some(format_duration(secs)),
                    None => notes.add(at, format!("pause {d:?} is not a duration; ignored")),
                },
                (Some(_), None) => notes.add(at, "an indefinite pause (promotion by hand) has no equivalent: the step advances once judged"),
                (None, _) => notes.add(at, "a pause before any setWeight; ignored"),
            }
        } else if s.get("analysis").is_some() {
            notes.add(at, "an inline analysis step: every step of the plan is judged with the converted config");
        } else {
            let key = s
                .as_mapping()
                .and_then(|m| m.keys().next())
                .and_then(Value::as_str)
                .unwrap_or("?");
            notes.add(at, format!("step {key:?} has no equivalent; ignored"));
        }
    }
    if steps.is_empty() {
        notes.add(
            "Rollout.spec.strategy.canary.steps",
            "no setWeight step; one step at weight 100",
        );
        steps.push(PlanStep {
            weight: 100.0,
            min_duration: None,
        });
    }
    steps
}

/// The query template of a provider.
fn provider_query(provider: &Value, path: &str, notes: &mut Notes) -> Option<Mapping> {
    let mut q = map();
    let Some(pm) = provider.as_mapping() else {
        notes.add(path, "expected a provider object");
        return None;
    };
    for (key, body) in pm {
        let key = key.as_str().unwrap_or("?");
        match key {
            "prometheus" | "datadog" => {
                let Some(query) = body.get("query").and_then(Value::as_str) else {
                    notes.add(format!("{path}.{key}"), "no query");
                    continue;
                };
                let text = args_to_variables(query.trim(), &format!("{path}.{key}.query"), notes);
                if !text.contains("${scope}") {
                    notes.add(format!("{path}.{key}.query"), "the query does not select by ${scope}: to fetch the baseline as well as the canary it must (Argo queries select the canary, often through args)");
                }
                put(&mut q, key, text);
                if let Some(address) = body.get("address").and_then(Value::as_str) {
                    notes.add(format!("{path}.{key}.address"), format!("{address}: the address belongs to the source settings, not the config"));
                }
            }
            "kayenta" => notes.add(format!("{path}.kayenta"), "Argo delegates to Kayenta here: convert that Kayenta canary config with `canary convert --from kayenta`"),
            other => notes.add(format!("{path}.{other}"), format!("provider {other:?} has no canary-sources backend (prometheus and datadog do); the metric has no query — record its data or write the query by hand")),
        }
    }
    (!q.is_empty()).then_some(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_become_ranges() {
        assert_eq!(success_range("result[0] < 0.05").unwrap().max, Some(0.05));
        let r = success_range("len(result) > 0 && result[0] >= 0.95 && result[0] <= 1").unwrap();
        assert_eq!((r.min, r.max), (Some(0.95), Some(1.0)));
        assert_eq!(
            success_range("0.9 <= asFloat(result)").unwrap().min,
            Some(0.9)
        );
        assert!(success_range("isNaN(result[0]) || result[0] < 5").is_err());
        assert!(success_range("all(result, {# < 5})").is_err());
        assert_eq!(failure_range("result[0] > 500").unwrap().max, Some(500.0));
        assert_eq!(failure_range("result < 0.9").unwrap().min, Some(0.9));
        let r = failure_range("result[0] > 10 || result[0] < 1").unwrap();
        assert_eq!((r.min, r.max), (Some(1.0), Some(10.0)));
        assert!(failure_range("result[0] > 1 && result[0] < 5").is_err());
        assert!(failure_range("result[0] == 3").is_err());
        assert_eq!(
            success_range("(result[0] < 5) && (float(result[0]) > 1)")
                .unwrap()
                .min,
            Some(1.0)
        );
        assert_eq!(unwrap_parens("(a) && (b)"), "(a) && (b)");
    }
}
