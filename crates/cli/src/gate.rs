//! `canary gate` (fetch live data for a window and judge it) and `canary record` (fetch
//! it and save it as a fixture).

use crate::output;
use crate::progress::progress_bar;
use crate::{Common, Format};
use anyhow::Context;
use canary_judge::Config;
use canary_sources::{LiveRequest, SecretRef};
use clap::Args;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where and what to fetch; unset values come from the config's `sources` section.
#[derive(Debug, Args)]
pub(crate) struct Live {
    /// The backend: prometheus, influxdb, graphite, datadog, newrelic, cloudwatch, http
    /// or files; default: the one the config's `sources` section names, else prometheus.
    #[arg(long)]
    source: Option<String>,
    /// The server's base URL (the fixture path for `files`).
    #[arg(long)]
    url: Option<String>,
    /// Window start: RFC 3339, unix seconds, `now` or `now-30m`.
    #[arg(long, allow_hyphen_values = true)]
    start: String,
    /// Window end (same forms).
    #[arg(long, allow_hyphen_values = true, default_value = "now")]
    end: String,
    /// Seconds between points, as a duration (default: the config's, else 60s).
    #[arg(long)]
    step: Option<String>,
    /// What `${scope}` becomes for the baseline.
    #[arg(long)]
    baseline_scope: Option<String>,
    /// What `${scope}` becomes for the canary.
    #[arg(long)]
    canary_scope: Option<String>,
    /// A template variable, NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,
    /// The environment variable holding the token (default: the config's auth, else
    /// CANARY_<SOURCE>_TOKEN when set).
    #[arg(long, conflicts_with = "auth_file")]
    auth_env: Option<String>,
    /// A file holding the token.
    #[arg(long)]
    auth_file: Option<PathBuf>,
    /// A named credential read from an environment variable, NAME=VARIABLE
    /// (repeatable; e.g. `app_key=DD_APP_KEY` for Datadog).
    #[arg(long = "credential-env", value_name = "NAME=VARIABLE", value_parser = parse_var)]
    credential_envs: Vec<(String, String)>,
    /// A named credential read from a file, NAME=PATH (repeatable).
    #[arg(long = "credential-file", value_name = "NAME=PATH", value_parser = parse_var)]
    credential_files: Vec<(String, String)>,
    /// A backend-specific option, NAME=VALUE (repeatable; e.g. `region=eu-west-1` for
    /// CloudWatch, `database=telegraf` for InfluxDB).
    #[arg(long = "option", value_name = "NAME=VALUE", value_parser = parse_var)]
    options: Vec<(String, String)>,
    /// Per-request timeout, as a duration (default 30s).
    #[arg(long)]
    timeout: Option<String>,
    /// Retries on timeouts, connection errors and 5xx (default 3).
    #[arg(long)]
    retries: Option<u32>,
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

impl Live {
    fn request(self) -> LiveRequest {
        LiveRequest {
            source: self.source,
            url: self.url,
            start: self.start,
            end: self.end,
            step: self.step,
            baseline_scope: self.baseline_scope,
            canary_scope: self.canary_scope,
            variables: self.vars.into_iter().collect::<BTreeMap<_, _>>(),
            auth: self
                .auth_env
                .map(SecretRef::Env)
                .or(self.auth_file.map(SecretRef::File)),
            credentials: canary_sources::named_credentials(
                self.credential_envs,
                self.credential_files
                    .into_iter()
                    .map(|(name, path)| (name, path.into())),
            ),
            options: self.options.into_iter().collect(),
            timeout: self.timeout,
            retries: self.retries,
        }
    }
}

/// A bar counting fetched metrics, on a terminal in text mode only.
fn fetch_bar(common: &Common, config: &Config) -> indicatif::ProgressBar {
    progress_bar(
        config.metrics.len(),
        "metrics fetched",
        common.format == Format::Text,
    )
}

/// `canary gate`: the exit code is the verdict (1 when nothing could be fetched).
pub(crate) fn gate(common: &Common, live: Live) -> anyhow::Result<u8> {
    let config = Config::from_path(&common.config)?;
    let bar = fetch_bar(common, &config);
    let report =
        canary_sources::gate_observed(&config, &live.request(), canary_sources::now(), &|_| {
            bar.inc(1)
        })
        .with_context(|| format!("gate with {}", common.config.display()));
    bar.finish_and_clear();
    let report = report?;
    match common.format {
        Format::Json => output::line(&report.to_json()),
        Format::Text => output::text_report(&report),
    }
    Ok(report.verdict.exit_code())
}

/// `canary record`: writes the fixture atomically; exit 0, or 1 when any metric failed.
pub(crate) fn record(
    common: &Common,
    live: Live,
    out: &Path,
    name: Option<String>,
) -> anyhow::Result<u8> {
    let config = Config::from_path(&common.config)?;
    let name = name.unwrap_or_else(|| {
        out.file_stem().map_or_else(
            || "recording".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        )
    });
    let bar = fetch_bar(common, &config);
    let fixture = canary_sources::record_observed(
        &config,
        &live.request(),
        canary_sources::now(),
        &name,
        &|_| bar.inc(1),
    )
    .with_context(|| format!("record with {}", common.config.display()));
    bar.finish_and_clear();
    let fixture = fixture?;
    canary_sources::write_atomically(out, &fixture.to_json_pretty())
        .with_context(|| format!("writing {}", out.display()))?;
    match common.format {
        Format::Json => output::line(&serde_json::to_string(&serde_json::json!({
            "output": out.display().to_string(),
            "name": fixture.name,
            "metrics": fixture.metrics.keys().collect::<Vec<_>>(),
        }))?),
        Format::Text => output::line(&format!(
            "recorded {} metric(s) to {}",
            fixture.metrics.len(),
            out.display()
        )),
    }
    Ok(0)
}
