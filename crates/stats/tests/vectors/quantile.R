# Parity vectors for crates/stats/src/quantile.rs.
#
# Usage: Rscript quantile.R OUTPUT.json
#
# * "quantile":    R's quantile(x, probs, type = 7) for many samples and probabilities.
# * "quantile_ci": the distribution-free order-statistic interval for a quantile, with the
#                  rule documented in quantile.rs:
#                    l = qbinom(alpha/2, n, q), u = qbinom(1 - alpha/2, n, q) + 1 (1-based),
#                    low = x_(l) (-Inf when l < 1), high = x_(u) (+Inf when u > n),
#                    level = pbinom(u - 1, n, q) - pbinom(l - 1, n, q).
#
# Inputs are rounded to a few decimals so that the JSON text reproduces them exactly;
# infinite and NaN numbers are written as the strings "Inf", "-Inf", "NaN".
suppressPackageStartupMessages(library(jsonlite))

out <- commandArgs(trailingOnly = TRUE)[1]
if (is.na(out)) stop("usage: Rscript quantile.R OUTPUT.json")
set.seed(20240607)

enc <- function(v) lapply(as.numeric(v), function(x) if (is.finite(x)) x else as.character(x))

probs_all <- c(0, 0.01, 0.05, 0.1, 0.25, 0.333, 0.5, 0.667, 0.75, 0.9, 0.95, 0.99, 0.999, 1)

samples <- list(
  n1 = c(3.25),
  n2 = c(10, -2.5),
  n3 = c(1, 2, 4),
  n4_doc = c(7, 1, 3, 5),
  n5_ties = c(2, 2, 2, 5, 5),
  constant = rep(4.125, 9),
  n10_normal = round(rnorm(10, 100, 15), 3),
  n11_seq = as.numeric(1:11),
  n20_ties = round(rnorm(20, 0, 2)),
  n37_lognormal = round(rlnorm(37, 3, 0.6), 2),
  n50_negative = round(rnorm(50, -40, 5), 3),
  n100_exp = round(rexp(100, 1 / 120), 2),
  n101_unif = round(runif(101, 0, 1), 4),
  n250_latency = round(rlnorm(250, 5, 0.3), 1),
  n999_ties = round(rnorm(999, 50, 10)),
  n1000_lognormal = round(rlnorm(1000, 2, 1), 3),
  n2500_heavy = round(rcauchy(2500, 0, 1), 3),
  tiny_values = round(runif(30, 0, 1e-3), 7),
  big_values = round(runif(30, 1e6, 2e6), 1),
  two_values_repeated = c(rep(1, 6), rep(100, 6))
)

quantile_cases <- lapply(names(samples), function(name) {
  x <- samples[[name]]
  list(
    name = name,
    values = enc(x),
    probs = enc(probs_all),
    expected = enc(unname(quantile(x, probs_all, type = 7)))
  )
})

order_ci <- function(x, q, conf) {
  n <- length(x)
  xs <- sort(x)
  alpha <- 1 - conf
  l <- qbinom(alpha / 2, n, q)
  u <- qbinom(1 - alpha / 2, n, q) + 1
  list(
    estimate = unname(quantile(x, q, type = 7)),
    low = if (l < 1) -Inf else xs[l],
    high = if (u > n) Inf else xs[u],
    level = pbinom(u - 1, n, q) - pbinom(l - 1, n, q),
    l = l,
    u = u
  )
}

ci_specs <- list(
  list("n1", 0.5, 0.95),
  list("n2", 0.5, 0.5),
  list("n2", 0.5, 0.8),
  list("n3", 0.5, 0.95),
  list("n5_ties", 0.5, 0.9),
  list("n10_normal", 0.5, 0.95),
  list("n10_normal", 0.1, 0.8),
  list("n10_normal", 0.9, 0.5),
  list("n11_seq", 0, 0.95),
  list("n11_seq", 1, 0.95),
  list("n20_ties", 0.5, 0.95),
  list("n20_ties", 0.25, 0.99),
  list("n37_lognormal", 0.75, 0.95),
  list("n37_lognormal", 0.95, 0.9),
  list("n50_negative", 0.5, 0.999),
  list("n50_negative", 0.05, 0.9),
  list("n100_exp", 0.5, 0.95),
  list("n100_exp", 0.9, 0.95),
  list("n100_exp", 0.99, 0.95),
  list("n101_unif", 0.333, 0.95),
  list("n250_latency", 0.95, 0.95),
  list("n250_latency", 0.99, 0.9),
  list("n250_latency", 0.5, 0.6),
  list("n999_ties", 0.5, 0.95),
  list("n999_ties", 0.99, 0.99),
  list("n999_ties", 0.01, 0.95),
  list("n1000_lognormal", 0.95, 0.95),
  list("n1000_lognormal", 0.999, 0.95),
  list("n1000_lognormal", 0.5, 0.9999),
  list("n2500_heavy", 0.99, 0.95),
  list("n2500_heavy", 0.5, 0.68),
  list("n2500_heavy", 0.001, 0.95),
  list("constant", 0.5, 0.95),
  list("two_values_repeated", 0.5, 0.9),
  list("big_values", 0.75, 0.95),
  list("tiny_values", 0.25, 0.8)
)

ci_cases <- lapply(ci_specs, function(s) {
  name <- s[[1]]
  x <- samples[[name]]
  r <- order_ci(x, s[[2]], s[[3]])
  list(
    name = sprintf("%s q=%g conf=%g", name, s[[2]], s[[3]]),
    values = enc(x),
    q = s[[2]],
    confidence = s[[3]],
    estimate = r$estimate,
    low = enc(r$low)[[1]],
    high = enc(r$high)[[1]],
    level = r$level,
    l = r$l,
    u = r$u
  )
})

# Binomial quantiles on their own, at larger n and awkward probabilities, to pin down the
# qbinom rule (including its fuzz) independently of any sample.
qbinom_specs <- expand.grid(
  n = c(1, 7, 40, 1000, 20000),
  q = c(0.001, 0.05, 0.5, 0.9, 0.999),
  conf = c(0.5, 0.9, 0.99)
)
qbinom_cases <- lapply(seq_len(nrow(qbinom_specs)), function(i) {
  n <- qbinom_specs$n[i]
  q <- qbinom_specs$q[i]
  conf <- qbinom_specs$conf[i]
  alpha <- 1 - conf
  l <- qbinom(alpha / 2, n, q)
  u <- qbinom(1 - alpha / 2, n, q) + 1
  list(n = n, q = q, confidence = conf, l = l, u = u,
       level = pbinom(u - 1, n, q) - pbinom(l - 1, n, q))
})

cases <- list(
  quantile = quantile_cases,
  quantile_ci = ci_cases,
  order_ranks = qbinom_cases,
  generated_by = R.version.string
)
write_json(cases, out, digits = NA, auto_unbox = TRUE, pretty = FALSE)
cat(sprintf("%s: %d quantile, %d quantile_ci, %d order-rank cases\n", out,
            length(quantile_cases), length(ci_cases), length(qbinom_cases)))
