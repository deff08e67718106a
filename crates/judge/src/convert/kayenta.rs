//! Kayenta canary config (JSON) → our config with `mode: kayenta`.

use super::{
    Conversion, ConvertError, ConvertOptions, Notes, Source, kind_of, load, map, num, put, render,
};
use crate::config::MetricKind;
use serde_json::Value as Json;
use serde_yaml_ng::{Mapping, Value};

/// The keys of `analysisConfigurations.canary` that have an equivalent.
const CANARY_KEYS: &[&str] = &[
    "direction",
    "nanStrategy",
    "critical",
    "mustHaveData",
    "muted",
    "effectSize",
    "outliers",
];

/// Converts a Kayenta canary config (the JSON Kayenta stores and its UI edits) into a
/// `mode: kayenta` config.
///
/// Mapped: metrics (name, first group, `direction` — Kayenta's default `either` is
/// written out, since ours is `increase` —, `nanStrategy`, `critical`, `mustHaveData`,
/// `effectSize` {`measure`, `allowedIncrease`, `allowedDecrease`, `criticalIncrease`,
/// `criticalDecrease`}, `outliers` {`strategy`, `outlierFactor`}), the query
/// (Prometheus `customInlineTemplate` or `metricName` + filter template → `query:
/// {prometheus: …}`; Datadog likewise; `${scope}` and other FreeMarker variables are kept
/// as our `${…}` template variables), `classifier.groupWeights` → `groups`,
/// `classifier.scoreThresholds` → `score`. Everything else gets a [`Note`](super::Note):
/// muted metrics (left out: they do not count in Kayenta's score), extra groups, other
/// judges, other query types, unknown keys.
///
/// # Errors
/// Not JSON, not an object with a `metrics` list, a metric without a name, or a
/// converted config our loader rejects (e.g. an `allowedIncrease` of 0).
pub fn kayenta(text: &str, options: &ConvertOptions) -> Result<Conversion, ConvertError> {
    let root: Json = serde_json::from_str(text)
        .map_err(|e| ConvertError::input("", format!("not JSON: {e}")))?;
    let Some(obj) = root.as_object() else {
        return Err(ConvertError::input(
            "",
            "expected a JSON object (a Kayenta canary config)",
        ));
    };
    let mut notes = Notes::default();
    let known_top = [
        "name",
        "description",
        "configVersion",
        "applications",
        "judge",
        "metrics",
        "templates",
        "classifier",
        "id",
        "createdTimestamp",
        "updatedTimestamp",
        "createdTimestampIso",
        "updatedTimestampIso",
    ];
    for key in obj.keys() {
        if !known_top.contains(&key.as_str()) {
            notes.add(key, "unknown key; ignored");
        }
    }
    if let Some(judge) = obj.get("judge") {
        let name = judge.get("name").and_then(Json::as_str).unwrap_or("");
        if !name.is_empty() && name != "NetflixACAJudge-v1.0" {
            notes.add(
                "judge.name",
                format!("judge {name:?} has no equivalent; converted to kayenta mode (NetflixACAJudge-v1.0's rules)"),
            );
        }
        if judge
            .get("judgeConfigurations")
            .and_then(Json::as_object)
            .is_some_and(|c| !c.is_empty())
        {
            notes.add(
                "judge.judgeConfigurations",
                "judge configurations have no equivalent; ignored",
            );
        }
    }
    let templates = obj.get("templates").and_then(Json::as_object);
    let metrics = obj
        .get("metrics")
        .and_then(Json::as_array)
        .ok_or_else(|| ConvertError::input("metrics", "expected a list of metrics"))?;

    let mut out = map();
    put(&mut out, "version", 1);
    put(&mut out, "mode", "kayenta");
    let mut groups_used: Vec<String> = Vec::new();
    let mut metric_list: Vec<Value> = Vec::new();
    for (i, m) in metrics.iter().enumerate() {
        let at = |k: &str| format!("metrics[{i}]{}{k}", if k.is_empty() { "" } else { "." });
        let name = m
            .get("name")
            .and_then(Json::as_str)
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| ConvertError::input(&at("name"), "expected the metric's name"))?;
        let canary = m
            .get("analysisConfigurations")
            .and_then(|a| a.get("canary"))
            .cloned()
            .unwrap_or(Json::Null);
        if canary.get("muted").and_then(Json::as_bool) == Some(true) {
            notes.add(
                at("analysisConfigurations.canary.muted"),
                format!("metric {name:?} is muted (reported but not scored by Kayenta); there is no muted metric here, so it is left out — add it back to judge it"),
            );
            continue;
        }
        let mut metric = map();
        put(&mut metric, "name", name);
        let groups: Vec<&str> = m
            .get("groups")
            .and_then(Json::as_array)
            .map(|g| g.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        match groups.as_slice() {
            [] => notes.add(at("groups"), format!("metric {name:?} has no group; Kayenta does not score it in any group, here it goes to group \"default\"")),
            [_] => {}
            [first, rest @ ..] => notes.add(
                at("groups"),
                format!("metric {name:?} is in several groups ({}); a metric has one group here: {first:?}", std::iter::once(*first).chain(rest.iter().copied()).collect::<Vec<_>>().join(", ")),
            ),
        }
        if let Some(g) = groups.first() {
            put(&mut metric, "group", *g);
            if !groups_used.iter().any(|u| u == g) {
                groups_used.push((*g).to_owned());
            }
        }
        let kind = kind_of(options, name);
        if kind != MetricKind::Continuous {
            put(&mut metric, "kind", kind.as_str());
        }
        let cpath = |k: &str| at(&format!("analysisConfigurations.canary.{k}"));
        if let Some(c) = canary.as_object() {
            for key in c.keys() {
                if !CANARY_KEYS.contains(&key.as_str()) {
                    notes.add(cpath(key), "no equivalent; ignored");
                }
            }
        }
        let direction = match canary.get("direction").and_then(Json::as_str) {
            Some(d @ ("increase" | "decrease" | "either")) => d,
            Some(other) => {
                notes.add(
                    cpath("direction"),
                    format!("{other:?} is not a direction; Kayenta reads it as \"either\""),
                );
                "either"
            }
            None => "either",
        };
        put(&mut metric, "direction", direction);
        if canary.get("critical").and_then(Json::as_bool) == Some(true) {
            put(&mut metric, "critical", true);
        }
        if canary.get("mustHaveData").and_then(Json::as_bool) == Some(true) {
            put(&mut metric, "must_have_data", true);
        }
        match canary.get("nanStrategy").and_then(Json::as_str) {
            Some("replace") => put(&mut metric, "nan_strategy", "replace"),
            Some("remove") | None => {}
            Some(other) => notes.add(
                cpath("nanStrategy"),
                format!("{other:?} is not a NaN strategy; Kayenta reads it as \"remove\""),
            ),
        }
        if let Some(o) = canary.get("outliers") {
            let strategy = o.get("strategy").and_then(Json::as_str);
            match strategy {
                Some("remove") => {
                    let mut outliers = map();
                    put(&mut outliers, "strategy", "remove");
                    if let Some(f) = o.get("outlierFactor").and_then(Json::as_f64) {
                        put(&mut outliers, "factor", num(f));
                    }
                    put(&mut metric, "outliers", Value::Mapping(outliers));
                }
                Some("keep") | None => {}
                Some(other) => notes.add(
                    cpath("outliers.strategy"),
                    format!("{other:?} is not an outlier strategy; Kayenta reads it as \"keep\""),
                ),
            }
        }
        if let Some(e) = canary.get("effectSize").and_then(Json::as_object) {
            let mut effect = map();
            match e.get("measure").and_then(Json::as_str) {
                Some("cles") => put(&mut effect, "measure", "cles"),
                Some("meanRatio") | None => {}
                Some(other) => notes.add(
                    cpath("effectSize.measure"),
                    format!(
                        "{other:?} is not a Kayenta effect size; Kayenta uses the mean ratio then"
                    ),
                ),
            }
            for (from, to) in [
                ("allowedIncrease", "allowed_increase"),
                ("allowedDecrease", "allowed_decrease"),
                ("criticalIncrease", "critical_increase"),
                ("criticalDecrease", "critical_decrease"),
            ] {
                if let Some(v) = e.get(from) {
                    match v.as_f64() {
                        Some(v) => put(&mut effect, to, num(v)),
                        None => notes.add(
                            cpath(&format!("effectSize.{from}")),
                            format!("{v} is not a number; ignored"),
                        ),
                    }
                }
            }
            for key in e.keys() {
                if ![
                    "measure",
                    "allowedIncrease",
                    "allowedDecrease",
                    "criticalIncrease",
                    "criticalDecrease",
                ]
                .contains(&key.as_str())
                {
                    notes.add(
                        cpath(&format!("effectSize.{key}")),
                        "no equivalent; ignored",
                    );
                }
            }
            if !effect.is_empty() {
                put(&mut metric, "effect", Value::Mapping(effect));
            }
        }
        if let Some(scope) = m.get("scopeName").and_then(Json::as_str)
            && scope != "default"
        {
            notes.add(at("scopeName"), format!("scope {scope:?}: one baseline and one canary scope here; the query keeps ${{scope}}"));
        }
        if let Some(q) = m.get("query") {
            if let Some(query) = query_template(q, templates, &at("query"), name, &mut notes) {
                if kind == MetricKind::Counts {
                    notes.add(
                        at("query"),
                        format!("metric {name:?} is converted as counts: Kayenta's query returns the ratio, while a counts query is {{events, total}} — split it before fetching live data"),
                    );
                }
                put(&mut metric, "query", Value::Mapping(query));
            }
        } else {
            notes.add(at("query"), format!("metric {name:?} has no query"));
        }
        metric_list.push(Value::Mapping(metric));
    }
    if metric_list.is_empty() {
        return Err(ConvertError::input(
            "metrics",
            "no metric left to judge (none, or all muted)",
        ));
    }
    if let Some(classifier) = obj.get("classifier") {
        if let Some(weights) = classifier.get("groupWeights").and_then(Json::as_object) {
            let mut groups = map();
            for (g, w) in weights {
                let Some(w) = w.as_f64() else {
                    notes.add(
                        format!("classifier.groupWeights.{g}"),
                        format!("{w} is not a number; ignored"),
                    );
                    continue;
                };
                if groups_used.iter().any(|u| u == g) {
                    put(&mut groups, g, num(w));
                } else {
                    notes.add(
                        format!("classifier.groupWeights.{g}"),
                        format!("no converted metric is in group {g:?}; its weight {w} is left out (Kayenta still subtracts it from what unweighted groups share)"),
                    );
                }
            }
            if !groups.is_empty() {
                put(&mut out, "groups", Value::Mapping(groups));
            }
        }
        if let Some(t) = classifier.get("scoreThresholds") {
            let mut score = map();
            for key in ["pass", "marginal"] {
                if let Some(v) = t.get(key).and_then(Json::as_f64) {
                    put(&mut score, key, num(v));
                }
            }
            if !score.is_empty() {
                put(&mut out, "score", Value::Mapping(score));
            }
        } else {
            notes.add("classifier.scoreThresholds", "none in the config (Kayenta takes them from each execution request); using pass 75, marginal 50");
        }
    }
    put(&mut out, "metrics", Value::Sequence(metric_list));
    let document = Value::Mapping(out);
    let mut title = vec![format!(
        "Converted from a Kayenta canary config by `canary convert --from kayenta`{}.",
        obj.get("name")
            .and_then(Json::as_str)
            .map(|n| format!(" ({n:?})"))
            .unwrap_or_default()
    )];
    if let Some(d) = obj
        .get("description")
        .and_then(Json::as_str)
        .filter(|d| !d.is_empty())
    {
        title.push(format!("Description: {}", d.replace('\n', " ")));
    }
    title.push("Judged with Kayenta's rules (mode: kayenta): confidence 0.98 and tolerance 0.25 unless set.".into());
    let config_yaml = render(&title, &notes.0, &document)?;
    let config = load(&config_yaml)?;
    Ok(Conversion {
        source: Source::Kayenta,
        config,
        config_yaml,
        plan: None,
        plan_yaml: None,
        notes: notes.0,
    })
}

/// Kayenta's FreeMarker variables become our `${…}` template variables unchanged;
/// FreeMarker directives (`<#…>`) and expressions beyond a plain name cannot.
fn check_template(text: &str, path: &str, notes: &mut Notes) {
    if text.contains("<#") {
        notes.add(path, "uses FreeMarker directives (<#…>), which our templates do not have; kept as written — edit the query");
    }
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            notes.add(path, format!("the expression ${{{name}}} is not a plain variable; our templates substitute names only"));
        } else if !["scope", "location", "start", "end", "step", "window"].contains(&name) {
            notes.add(
                path,
                format!(
                    "variable ${{{name}}} must be given as a user variable when the query runs"
                ),
            );
        } else if name == "location" {
            notes.add(path, "variable ${location} (Kayenta's location) must be given as a user variable when the query runs");
        }
        rest = &after[end..];
    }
}

/// The query of one Kayenta metric as our `query` map.
fn query_template(
    q: &Json,
    templates: Option<&serde_json::Map<String, Json>>,
    path: &str,
    name: &str,
    notes: &mut Notes,
) -> Option<Mapping> {
    let kind = q.get("type").and_then(Json::as_str).unwrap_or("");
    let inline = q.get("customInlineTemplate").and_then(Json::as_str);
    let filter_name = q.get("customFilterTemplate").and_then(Json::as_str);
    let filter = filter_name.and_then(|f| {
        let t = templates.and_then(|t| t.get(f)).and_then(Json::as_str);
        if t.is_none() {
            notes.add(
                format!("{path}.customFilterTemplate"),
                format!("template {f:?} is not in the config's templates; left out of the query"),
            );
        }
        t
    });
    let metric_name = q.get("metricName").and_then(Json::as_str);
    let (backend, text) = match kind {
        "prometheus" => {
            let text = if let Some(inline) = inline {
                inline.strip_prefix("PromQL:").unwrap_or(inline).to_owned()
            } else if let Some(metric) = metric_name {
                let mut selectors: Vec<String> =
                    filter.map(|f| vec![f.to_owned()]).unwrap_or_default();
                if let Some(bindings) = q
                    .get("labelBindings")
                    .and_then(Json::as_array)
                    .filter(|b| !b.is_empty())
                {
                    selectors.extend(bindings.iter().filter_map(Json::as_str).map(str::to_owned));
                }
                let selector = format!("{metric}{{{}}}", selectors.join(","));
                let grouped = q
                    .get("groupByFields")
                    .and_then(Json::as_array)
                    .filter(|g| !g.is_empty())
                    .map(|g| {
                        g.iter()
                            .filter_map(Json::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    });
                notes.add(
                    path,
                    format!("built from metricName {metric:?}{}; Kayenta also adds its resource-type scope labels and aggregation — check the query", if filter.is_some() { " and the filter template" } else { "" }),
                );
                match grouped {
                    Some(g) => format!("avg by ({g}) ({selector})"),
                    None => selector,
                }
            } else {
                notes.add(path, format!("metric {name:?}: a Prometheus query without customInlineTemplate or metricName; no query"));
                return None;
            };
            ("prometheus", text)
        }
        "datadog" => {
            let text = if let Some(inline) = inline {
                inline.to_owned()
            } else if let Some(metric) = metric_name {
                let scope = filter.unwrap_or("${scope}");
                if metric.contains('{') {
                    metric.to_owned()
                } else {
                    format!("{metric}{{{scope}}}")
                }
            } else {
                notes.add(
                    path,
                    format!("metric {name:?}: a Datadog query without metricName; no query"),
                );
                return None;
            };
            ("datadog", text)
        }
        other => {
            notes.add(
                format!("{path}.type"),
                format!("query type {other:?} of metric {name:?} has no canary-sources backend here (Prometheus and Datadog do); the query is left out — record the data or write the query by hand"),
            );
            return None;
        }
    };
    check_template(&text, path, notes);
    let mut m = map();
    put(&mut m, backend, text);
    Some(m)
}
