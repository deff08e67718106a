//! What the live-source tests (`prometheus_live`, `influxdb_live`, `graphite_live`) share:
//! the server and converted fixtures their script hands over in the environment, running
//! `canary` against it, and the check that `canary gate` gives the verdict of
//! `canary judge` on every converted fixture while `canary record` round-trips it.
#![allow(dead_code)] // each test target uses its own part

use canary_judge::{Config, Fixture};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};

/// One converted fixture: the arguments of `canary gate` that read it back.
pub(crate) struct Row {
    pub(crate) path: PathBuf,
    pub(crate) label: String,
    pub(crate) start: String,
    pub(crate) end: String,
    pub(crate) step: String,
}

/// A running server and what its script converted for it.
pub(crate) struct Live {
    /// The `--source` name.
    pub(crate) source: &'static str,
    /// The server's URL.
    pub(crate) url: String,
    /// The converter's output folder (`live.json`, `fixtures.tsv`).
    pub(crate) data: PathBuf,
    /// The credential `canary` is given (in `secret_env`); it must never be printed.
    pub(crate) secret: String,
    /// The variable that carries [`Live::secret`].
    pub(crate) secret_env: &'static str,
    /// Variables removed from `canary`'s environment.
    pub(crate) env_remove: Vec<&'static str>,
    /// Extra `gate`/`record` arguments (`--option` ...).
    pub(crate) extra: Vec<String>,
}

/// A variable the script sets; without it the test fails (never passes without a server).
pub(crate) fn env(name: &str, script: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run {script}, which starts the server"))
}

/// Standard output and standard error as text.
pub(crate) fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

impl Live {
    /// The converted fixtures (`fixtures.tsv`).
    pub(crate) fn rows(&self) -> Vec<Row> {
        std::fs::read_to_string(self.data.join("fixtures.tsv"))
            .unwrap()
            .lines()
            .map(|line| {
                let f: Vec<&str> = line.split('\t').collect();
                Row {
                    path: PathBuf::from(f[0]),
                    label: f[1].to_owned(),
                    start: f[2].to_owned(),
                    end: f[3].to_owned(),
                    step: format!("{}s", f[4]),
                }
            })
            .collect()
    }

    /// The converted fixture named `label`.
    pub(crate) fn row(&self, label: &str) -> Row {
        self.rows()
            .into_iter()
            .find(|r| r.label == label)
            .unwrap_or_else(|| panic!("{label} was not converted"))
    }

    /// `gate` on `row` with `live.json` whose `metric` query is replaced by `query`:
    /// checks the secret is not printed and the verdict holds (exit 10), and returns the
    /// report and that metric's entry.
    pub(crate) fn gate_with_query(
        &self,
        row: &Row,
        metric: &str,
        query: serde_json::Value,
    ) -> (serde_json::Value, serde_json::Value) {
        let mut config = Config::from_path(self.config_path()).unwrap();
        let m = config
            .metrics
            .iter_mut()
            .find(|m| m.name == metric)
            .unwrap();
        m.query = Some([(self.source.to_owned(), query)].into());
        let path = self.data.join(format!("broken-{metric}.json"));
        std::fs::write(&path, serde_json::to_string(&config).unwrap()).unwrap();
        let config_arg = path.display().to_string();
        let var = format!("fixture={}", row.label);
        let gated = self.canary(&self.args("gate", &config_arg, row, &var));
        let (out, err) = text(&gated);
        assert!(
            !out.contains(&self.secret) && !err.contains(&self.secret),
            "{out}{err}"
        );
        assert_eq!(gated.status.code(), Some(10), "{out}{err}");
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["verdict"], "hold", "{out}");
        let entry = report["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == metric)
            .unwrap()
            .clone();
        (report, entry)
    }

    /// `live.json`, the config whose queries read the fixtures back.
    pub(crate) fn config_path(&self) -> String {
        self.data.join("live.json").display().to_string()
    }

    /// Runs `canary` with `secret` in [`Live::secret_env`].
    pub(crate) fn canary_with(&self, args: &[&str], secret: &str) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_canary"));
        command.args(args).env(self.secret_env, secret);
        for name in &self.env_remove {
            command.env_remove(name);
        }
        command.output().unwrap()
    }

    /// Runs `canary` with the right secret.
    pub(crate) fn canary(&self, args: &[&str]) -> Output {
        self.canary_with(args, &self.secret)
    }

    /// `canary judge` on a fixture file, as JSON.
    pub(crate) fn judge(&self, config: &str, fixture: &str) -> Output {
        self.canary(&[
            "judge",
            "--config",
            config,
            "--fixture",
            fixture,
            "--format",
            "json",
        ])
    }

    /// The arguments of `gate` or `record` (`command`) reading `row` from the server.
    pub(crate) fn args<'a>(
        &'a self,
        command: &'a str,
        config: &'a str,
        row: &'a Row,
        var: &'a str,
    ) -> Vec<&'a str> {
        let mut args = vec![
            command,
            "--config",
            config,
            "--source",
            self.source,
            "--url",
            &self.url,
            "--start",
            &row.start,
            "--end",
            &row.end,
            "--step",
            &row.step,
            "--baseline-scope",
            "baseline",
            "--canary-scope",
            "canary",
            "--var",
            var,
            "--format",
            "json",
        ];
        args.extend(self.extra.iter().map(String::as_str));
        args
    }

    /// [`Live::check_gate_and_record_with`] `live.json`.
    pub(crate) fn check_gate_and_record(&self) {
        self.check_gate_and_record_with("live.json");
    }

    /// With the config `file` (in the converter's folder): on every converted fixture
    /// (at least 5, the config covering every kind), `gate` prints what `judge` prints on
    /// the file and exits the same way, and `record` writes the fixture's data back,
    /// judged the same; the secret appears nowhere; the corpus spans every verdict.
    pub(crate) fn check_gate_and_record_with(&self, file: &str) {
        let config_arg = self.data.join(file).display().to_string();
        let config = Config::from_path(&config_arg).unwrap();
        let kinds: BTreeSet<&str> = config.metrics.iter().map(|m| m.kind.as_str()).collect();
        assert_eq!(kinds.len(), 3, "the config covers every kind: {kinds:?}");
        let rows = self.rows();
        assert!(rows.len() >= 5, "only {} fixtures converted", rows.len());
        let out_dir = self.data.join(format!("recorded-{file}"));
        std::fs::create_dir_all(&out_dir).unwrap();
        let mut verdicts = BTreeSet::new();
        for row in &rows {
            let judged = self.judge(&config_arg, &row.path.display().to_string());
            let var = format!("fixture={}", row.label);
            let gated = self.canary(&self.args("gate", &config_arg, row, &var));
            let (gate_out, gate_err) = text(&gated);
            assert_eq!(
                gated.status.code(),
                judged.status.code(),
                "{}: {gate_err}",
                row.label
            );
            assert_eq!(
                gate_out,
                text(&judged).0,
                "{}: gate and judge differ",
                row.label
            );
            let report: serde_json::Value = serde_json::from_str(&gate_out).unwrap();
            verdicts.insert(report["verdict"].as_str().unwrap().to_owned());

            // Record, then compare the data and the judgement with the original.
            let out = out_dir.join(format!("{}.json", row.label));
            let out_arg = out.display().to_string();
            let mut args = self.args("record", &config_arg, row, &var);
            args.extend(["-o", &out_arg]);
            let recorded = self.canary(&args);
            let (rec_out, rec_err) = text(&recorded);
            assert_eq!(recorded.status.code(), Some(0), "{}: {rec_err}", row.label);
            let original = Fixture::from_path(&row.path).unwrap();
            let copy = Fixture::from_path(&out).unwrap();
            assert_eq!(
                copy.metrics, original.metrics,
                "{}: recorded data differ",
                row.label
            );
            let rejudged = self.judge(&config_arg, &out_arg);
            assert_eq!(text(&rejudged).0, text(&judged).0, "{}", row.label);
            assert_eq!(rejudged.status.code(), judged.status.code());

            // The secret went to the server in a header and nowhere else.
            let file = std::fs::read_to_string(&out).unwrap();
            for (what, s) in [
                ("gate stdout", &gate_out),
                ("gate stderr", &gate_err),
                ("record stdout", &rec_out),
                ("record stderr", &rec_err),
                ("fixture", &file),
            ] {
                assert!(
                    !s.contains(&self.secret),
                    "{}: the secret leaked into {what}",
                    row.label
                );
            }
            // Written atomically: no temporary file is left beside it.
            let leftovers: Vec<_> = std::fs::read_dir(&out_dir)
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
                .collect();
            assert!(leftovers.is_empty(), "{leftovers:?}");
        }
        // The corpus spans every verdict, so agreement is not agreement on one answer.
        assert_eq!(verdicts.len(), 3, "{verdicts:?}");
    }
}
