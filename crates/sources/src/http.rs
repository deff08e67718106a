//! The HTTP layer every remote backend uses: rustls with certificate verification on, a
//! per-request timeout, retries with exponential backoff and jitter on timeouts,
//! connection errors and 5xx (never on other 4xx), 429 (rate limited) retried after its
//! `Retry-After` (up to [`HttpOptions::max_retry_after`]), a cap on the response size and
//! bounded concurrency.
//!
//! ```no_run
//! # async fn demo() -> Result<(), canary_sources::Cause> {
//! use canary_sources::http::{HttpClient, HttpOptions};
//!
//! let http = HttpClient::new(HttpOptions::default())?;
//! // The closure builds the request afresh for every attempt.
//! let response = http
//!     .send(|client| client.get("https://prometheus.example/api/v1/query").query(&[("query", "up")]))
//!     .await?;
//! let json = response.json()?;
//! # let _ = json; Ok(()) }
//! ```

use crate::error::Cause;
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Limits and retry policy of an [`HttpClient`].
#[derive(Debug, Clone, PartialEq)]
pub struct HttpOptions {
    /// Time allowed for one attempt, from sending the request to the last byte of the
    /// body.
    pub timeout: Duration,
    /// Retries after the first attempt (on timeouts, connection errors, 5xx and 429).
    pub retries: u32,
    /// The first backoff; each retry doubles it, up to `max_backoff`. The actual sleep is
    /// drawn uniformly from [½·backoff, backoff] (jitter).
    pub backoff: Duration,
    /// The largest backoff.
    pub max_backoff: Duration,
    /// Responses larger than this many bytes are refused.
    pub max_response_bytes: usize,
    /// Requests in flight at once, over every clone of the client.
    pub concurrency: usize,
    /// The longest `Retry-After` a 429 (rate limited) answer is waited out for; a longer
    /// one fails at once rather than stalling a gate.
    pub max_retry_after: Duration,
}

/// Defaults of [`HttpOptions`].
pub mod defaults {
    use std::time::Duration;

    /// Per-attempt timeout.
    pub const TIMEOUT: Duration = Duration::from_secs(30);
    /// Retries after the first attempt.
    pub const RETRIES: u32 = 3;
    /// First backoff.
    pub const BACKOFF: Duration = Duration::from_millis(250);
    /// Largest backoff.
    pub const MAX_BACKOFF: Duration = Duration::from_secs(5);
    /// Response size cap: 32 MiB.
    pub const MAX_RESPONSE_BYTES: usize = 32 << 20;
    /// Requests in flight at once.
    pub const CONCURRENCY: usize = 8;
    /// Longest `Retry-After` waited out.
    pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: defaults::TIMEOUT,
            retries: defaults::RETRIES,
            backoff: defaults::BACKOFF,
            max_backoff: defaults::MAX_BACKOFF,
            max_response_bytes: defaults::MAX_RESPONSE_BYTES,
            concurrency: defaults::CONCURRENCY,
            max_retry_after: defaults::MAX_RETRY_AFTER,
        }
    }
}

/// A successful (2xx) response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The whole body (at most the configured cap).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The body parsed as JSON.
    ///
    /// # Errors
    /// [`Cause::Response`] naming the parse error and its position.
    pub fn json(&self) -> Result<serde_json::Value, Cause> {
        serde_json::from_slice(&self.body)
            .map_err(|e| Cause::Response(format!("the body is not valid JSON ({e})")))
    }
}

/// A shared HTTP client: cheap to clone (clones share the connection pool and the
/// concurrency limit).
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    options: HttpOptions,
    permits: Arc<Semaphore>,
}

/// How one attempt ended.
enum Attempt {
    Done(HttpResponse),
    /// Try again, after the given wait (a 429's `Retry-After`) or else the backoff.
    Retry(Cause, Option<Duration>),
    Fail(Cause),
}

impl HttpClient {
    /// Builds a client: rustls with certificate verification on (against Mozilla's roots
    /// and the system trust store, so an internal CA added to the system works); there
    /// is deliberately no way to turn verification off.
    ///
    /// # Errors
    /// [`Cause::Setup`] when the TLS stack cannot be initialised or an option is zero.
    pub fn new(options: HttpOptions) -> Result<Self, Cause> {
        if options.timeout.is_zero() {
            return Err(Cause::Setup("the HTTP timeout must be positive".into()));
        }
        if options.concurrency == 0 {
            return Err(Cause::Setup(
                "the HTTP concurrency must be at least 1".into(),
            ));
        }
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(true)
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .user_agent(concat!("canary-judge/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Cause::Setup(format!("cannot build the HTTP client: {}", describe(&e))))?;
        let permits = Arc::new(Semaphore::new(options.concurrency));
        Ok(Self {
            client,
            options,
            permits,
        })
    }

    /// The options in force.
    pub fn options(&self) -> &HttpOptions {
        &self.options
    }

    /// Sends the request `build` makes, retrying on timeouts, connection errors and 5xx
    /// with exponential backoff and jitter, and on 429 after its `Retry-After` (or the
    /// backoff); any other 4xx is returned at once. `build` is called
    /// once per attempt.
    ///
    /// # Errors
    /// [`Cause::Timeout`], [`Cause::Connect`] or [`Cause::Status`] (5xx) after the last
    /// retry; [`Cause::Status`] for any other non-2xx status; [`Cause::TooLarge`] when the
    /// body exceeds the cap. Messages never include the request URL.
    pub async fn send<F>(&self, build: F) -> Result<HttpResponse, Cause>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let mut attempt = 0u32;
        loop {
            let outcome = {
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .map_err(|_| Cause::Setup("the HTTP client was shut down".into()))?;
                self.attempt(build(&self.client)).await
            };
            match outcome {
                Attempt::Done(response) => return Ok(response),
                Attempt::Fail(cause) => return Err(cause),
                Attempt::Retry(cause, _) if attempt >= self.options.retries => return Err(cause),
                Attempt::Retry(_, wait) => {
                    tokio::time::sleep(wait.unwrap_or_else(|| self.backoff(attempt))).await;
                    attempt += 1;
                }
            }
        }
    }

    /// The sleep before retry number `attempt + 1`: uniform in [½·d, d] with
    /// d = min(backoff · 2^attempt, max_backoff).
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(20));
        let full = self
            .options
            .backoff
            .saturating_mul(factor)
            .min(self.options.max_backoff);
        let half = full / 2;
        let jitter = if half.is_zero() {
            Duration::ZERO
        } else {
            Duration::from_nanos(rand::thread_rng().gen_range(0..=half.as_nanos() as u64))
        };
        half + jitter
    }

    async fn attempt(&self, request: reqwest::RequestBuilder) -> Attempt {
        let timeout = self.options.timeout;
        let limit = self.options.max_response_bytes;
        let run = async {
            let mut response = match request.send().await {
                Ok(r) => r,
                Err(e) => return transport(&e, timeout),
            };
            let status = response.status().as_u16();
            let retry_after = retry_after(response.headers());
            if response.content_length().is_some_and(|n| n > limit as u64) {
                return Attempt::Fail(Cause::TooLarge { limit });
            }
            let mut body = Vec::new();
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        if body.len() + chunk.len() > limit {
                            return Attempt::Fail(Cause::TooLarge { limit });
                        }
                        body.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(e) => return transport(&e, timeout),
                }
            }
            if (200..300).contains(&status) {
                return Attempt::Done(HttpResponse { status, body });
            }
            let cause = Cause::Status {
                status,
                body: snippet(&body),
            };
            match status {
                500.. => Attempt::Retry(cause, None),
                // Rate limited: wait as told (or back off), unless told to wait too long.
                429 => match retry_after {
                    Some(wait) if wait > self.options.max_retry_after => Attempt::Fail(cause),
                    wait => Attempt::Retry(cause, wait),
                },
                _ => Attempt::Fail(cause),
            }
        };
        match tokio::time::timeout(timeout, run).await {
            Ok(outcome) => outcome,
            Err(_) => Attempt::Retry(
                Cause::Timeout {
                    seconds: timeout.as_secs_f64(),
                },
                None,
            ),
        }
    }
}

/// Classifies a transport error: timeouts and connection problems are retried, a request
/// that could not even be built is not.
fn transport(error: &reqwest::Error, timeout: Duration) -> Attempt {
    if error.is_timeout() {
        Attempt::Retry(
            Cause::Timeout {
                seconds: timeout.as_secs_f64(),
            },
            None,
        )
    } else if error.is_builder() {
        Attempt::Fail(Cause::Setup(describe(error)))
    } else {
        Attempt::Retry(Cause::Connect(describe(error)), None)
    }
}

/// A `Retry-After` of whole seconds (the form rate limiters send); an HTTP date or
/// anything else is ignored (the backoff applies).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    text.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The error and its sources, without the URL (which may carry query parameters).
fn describe(error: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        let text = match e.downcast_ref::<reqwest::Error>() {
            Some(r) if std::ptr::eq(r, error) => strip_url(r),
            _ => e.to_string(),
        };
        if !parts.iter().any(|p: &String| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    parts.join(": ")
}

fn strip_url(error: &reqwest::Error) -> String {
    let text = error.to_string();
    match error.url() {
        Some(url) => text
            .replace(&format!(" ({url})"), "")
            .replace(url.as_str(), "<url>"),
        None => text,
    }
}

/// The start of a body, for error messages: at most 300 characters, on one line. An HTML
/// page is reduced to its text; when that text holds a Python traceback (graphite-web's
/// HTTP 500 page), its last exception line comes first, as it says what went wrong.
fn snippet(body: &[u8]) -> String {
    let raw = String::from_utf8_lossy(body);
    let text = if raw.trim_start().starts_with('<') {
        let text = html_text(&raw);
        match last_exception(&text) {
            Some(exception) => format!("{exception} — {text}"),
            None => text,
        }
    } else {
        raw.into_owned()
    };
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().take(300).collect();
    if one_line.chars().count() > 300 {
        out.push('…');
    }
    out
}

/// The text of an HTML page: tags dropped, line breaks kept, the common entities decoded.
fn html_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#x27;", "'"),
        ("&#39;", "'"),
        ("&nbsp;", " "),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(text, |t, (entity, c)| t.replace(entity, c))
}

/// The exception line ending the last Python traceback in `text`
/// (`KeyError: 'Invalid offset: x'`): the last unindented line after the traceback's
/// header.
fn last_exception(text: &str) -> Option<&str> {
    const HEADER: &str = "Traceback (most recent call last):";
    let tail = &text[text.rfind(HEADER)? + HEADER.len()..];
    tail.lines()
        .rfind(|l| !l.trim().is_empty() && !l.starts_with(char::is_whitespace))
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let http = HttpClient::new(HttpOptions {
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(700),
            ..HttpOptions::default()
        })
        .unwrap();
        for (attempt, full_ms) in [(0, 100), (1, 200), (2, 400), (3, 700), (30, 700)] {
            for _ in 0..50 {
                let d = http.backoff(attempt).as_millis();
                assert!(d * 2 >= full_ms && d <= full_ms, "{attempt}: {d}");
            }
        }
    }

    #[test]
    fn snippets_are_short_single_lines() {
        assert_eq!(snippet(b"a\n  b"), "a b");
        let long = vec![b'x'; 400];
        assert_eq!(snippet(&long).chars().count(), 301);
    }

    #[test]
    fn html_pages_become_text_led_by_a_tracebacks_exception() {
        assert_eq!(
            snippet(b"<html><h1>Not Found</h1>\n<p>a &amp; b</p></html>"),
            "Not Found a & b"
        );
        // The shape of graphite-web 1.1.8's HTTP 500 page.
        let page = "<body>\n<p>Graphite encountered an unexpected error.</p>\n<pre>\n\
            Traceback (most recent call last):\n  File &quot;x.py&quot;, line 1, in f\n\
            KeyError: &#x27;b&#x27;\n\nDuring handling of the above exception, another exception occurred:\n\n\
            Traceback (most recent call last):\n  File &quot;attime.py&quot;, line 166\n\
            KeyError: &#x27;Invalid offset: fortnightly&#x27;\n\n</pre>\n</body>";
        let s = snippet(page.as_bytes());
        assert!(
            s.starts_with("KeyError: 'Invalid offset: fortnightly' — Graphite encountered"),
            "{s}"
        );
        assert_eq!(last_exception("no traceback"), None);
        // Not HTML: left as it is.
        assert_eq!(
            snippet(b"Traceback (most recent call last):\nX: y"),
            "Traceback (most recent call last): X: y"
        );
    }
}
