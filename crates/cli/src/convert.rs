//! `canary convert`: another tool's canary config → our config (and a rollout plan).

use crate::output;
use anyhow::{Context, bail};
use canary_judge::MetricKind;
use canary_judge::convert::{Conversion, ConvertOptions, argo, flagger, kayenta};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

/// The tool a file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum From {
    /// A Kayenta canary config (JSON).
    Kayenta,
    /// An Argo Rollouts AnalysisTemplate, optionally with its Rollout (YAML).
    Argo,
    /// A Flagger Canary with its MetricTemplates (YAML).
    Flagger,
}

/// The options of `canary convert`.
#[derive(Debug, Args)]
pub(crate) struct ConvertArgs {
    /// The tool the file comes from.
    #[arg(long = "from", value_enum)]
    from: From,
    /// The file to convert.
    file: PathBuf,
    /// Write `canary.yaml` (and `plan.yaml`) into this folder (created if missing)
    /// instead of printing them.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// The kind of a metric's data, NAME=continuous|counts|histogram (repeatable). The
    /// tools have no kinds, so every metric is continuous unless named here.
    #[arg(long = "kind", value_name = "NAME=KIND")]
    kinds: Vec<String>,
    /// Replace existing files in the output folder.
    #[arg(long)]
    force: bool,
}

fn parse_kind(text: &str) -> anyhow::Result<(String, MetricKind)> {
    let Some((name, kind)) = text.split_once('=') else {
        bail!("--kind {text:?}: expected NAME=KIND, e.g. errors=counts");
    };
    let kind = match kind.trim() {
        "continuous" => MetricKind::Continuous,
        "counts" => MetricKind::Counts,
        "histogram" => MetricKind::Histogram,
        other => bail!(
            "--kind {text:?}: unknown kind {other:?}; expected continuous, counts or histogram"
        ),
    };
    Ok((name.trim().to_owned(), kind))
}

/// Converts; prints or writes the result; notes go to stderr. Text: the config YAML
/// (then `---` and the plan YAML, if any) on stdout. JSON: `{"source", "config",
/// "plan", "notes"}`.
pub(crate) fn run(args: &ConvertArgs, json: bool) -> anyhow::Result<u8> {
    let mut options = ConvertOptions::default();
    for k in &args.kinds {
        let (name, kind) = parse_kind(k)?;
        options.kinds.insert(name, kind);
    }
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("{}: cannot read", args.file.display()))?;
    let conversion = match args.from {
        From::Kayenta => kayenta(&text, &options),
        From::Argo => argo(&text, &options),
        From::Flagger => flagger(&text, &options),
    }
    .with_context(|| format!("{}: cannot convert", args.file.display()))?;
    for name in options.kinds.keys() {
        if !conversion.config.metrics.iter().any(|m| &m.name == name) {
            bail!("--kind {name}=…: the converted config has no metric {name:?}");
        }
    }
    if let Some(dir) = &args.output {
        write(dir, &conversion, args.force)?;
    } else if json {
        let value = serde_json::json!({
            "source": conversion.source.as_str(),
            "config": conversion.config,
            "plan": conversion.plan,
            "notes": conversion.notes,
        });
        output::line(&serde_json::to_string(&value).context("serialising the conversion")?);
    } else {
        let mut out = conversion.config_yaml.clone();
        if let Some(plan) = &conversion.plan_yaml {
            out.push_str("---\n");
            out.push_str(plan);
        }
        output::line(out.trim_end());
    }
    for note in &conversion.notes {
        output::info(&format!("note: {note}"));
    }
    Ok(0)
}

fn write(dir: &Path, conversion: &Conversion, force: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let mut files = vec![(dir.join("canary.yaml"), &conversion.config_yaml)];
    if let Some(plan) = &conversion.plan_yaml {
        files.push((dir.join("plan.yaml"), plan));
    }
    for (path, _) in &files {
        if path.exists() && !force {
            bail!(
                "{}: already exists (use --force to replace it)",
                path.display()
            );
        }
    }
    for (path, text) in files {
        std::fs::write(&path, text).with_context(|| format!("{}: cannot write", path.display()))?;
        output::info(&format!("wrote {}", path.display()));
    }
    Ok(())
}
