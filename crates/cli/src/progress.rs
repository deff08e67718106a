//! Progress bars on standard error for long work (replay, tune, gate, record): shown
//! only on a terminal and in text mode, never in JSON mode or when piped.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A progress bar of `len` `unit`s on standard error when `show` and it is a terminal;
/// otherwise a hidden one (JSON output, pipes).
pub(crate) fn progress_bar(len: usize, unit: &str, show: bool) -> ProgressBar {
    if !(show && std::io::stderr().is_terminal()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} {{elapsed}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}
