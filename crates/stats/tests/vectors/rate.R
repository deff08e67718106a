# Parity vectors for canary_stats::rate_test: R's two-sample poisson.test, i.e. the exact
# conditional binomial test of two event counts with exposures.
#
#   Rscript crates/stats/tests/vectors/rate.R crates/stats/tests/data/rate.json
#
# Inputs are integers and round exposures, exactly representable in JSON text. JSON has no
# Inf or NaN, so those outputs are written as the strings "Inf", "-Inf" and "NaN".
suppressPackageStartupMessages(library(jsonlite))

path <- commandArgs(trailingOnly = TRUE)[1]
if (is.na(path)) stop("usage: Rscript rate.R OUTPUT.json")

set.seed(20240611)

enc <- function(v) {
  if (is.nan(v) || is.na(v)) "NaN" else if (is.infinite(v)) (if (v > 0) "Inf" else "-Inf") else v
}

one_case <- function(x_c, t_c, x_b, t_b, alternative = "two.sided", conf = 0.95, r = 1,
                     note = "") {
  res <- poisson.test(c(x_c, x_b), c(t_c, t_b), r = r, alternative = alternative,
                      conf.level = conf)
  share <- r * t_c / (r * t_c + t_b)
  # The same interval on the scale of the canary's share of events (length-2 form, which
  # R accepts with no events at all).
  bt <- binom.test(c(x_c, x_b), p = share, alternative = alternative, conf.level = conf)
  list(
    note = note,
    canary_events = x_c, canary_exposure = t_c,
    baseline_events = x_b, baseline_exposure = t_b,
    alternative = alternative, confidence = conf, null_ratio = r,
    p_value = enc(res$p.value),
    estimate = enc(unname(res$estimate)),
    ci_low = enc(res$conf.int[1]), ci_high = enc(res$conf.int[2]),
    share = enc(share),
    share_low = enc(bt$conf.int[1]), share_high = enc(bt$conf.int[2]),
    binom_p_value = enc(bt$p.value)
  )
}

alts <- c("two.sided", "less", "greater")
confs <- c(0.8, 0.9, 0.95, 0.99, 0.999)
cases <- list()
add <- function(...) cases[[length(cases) + 1]] <<- one_case(...)

# No events on either side, and on one side only, under every alternative.
for (a in alts) {
  add(0, 1000, 0, 5000, a, note = "no events")
  add(5, 1000, 0, 1000, a, note = "zero baseline")
  add(0, 1000, 5, 1000, a, note = "zero canary")
  add(1, 10, 0, 990, a, 0.99, note = "one canary event, tiny canary exposure")
  add(0, 200000, 250, 800000, a, 0.9, note = "zero canary, many baseline")
  add(1000000, 1000000, 0, 1000000, a, 0.95, note = "a million canary events, none baseline")
  add(0, 3, 1000000, 7, a, 0.999, note = "none canary, a million baseline")
}

# One or two events against a million: the interval end near share 1 (odds ~ 4e7).
add(1000000, 1, 1, 1, "two.sided", 0.95, note = "share close to 1")
add(1, 1, 1000000, 1, "two.sided", 0.95, note = "share close to 0")
add(999998, 500, 2, 500, "less", 0.99, note = "share close to 1, one-sided")
add(3, 1, 1000000, 2, "greater", 0.8, note = "share close to 0, one-sided")

# Exactly the expected count (x == n p): p-value 1; symmetric ties (R's 1 + 1e-7).
add(10, 100, 10, 100, note = "x equals n p")
add(3, 1, 7, 1, note = "symmetric tie")
add(7, 1, 3, 1, "two.sided", 0.9, note = "symmetric tie, mirrored")
add(30, 3, 20, 2, note = "x equals n p, unequal exposures")
add(1, 1, 2, 2, "two.sided", 0.999, note = "small, x equals n p")

# Large counts, close and far.
add(1000000, 1000000, 999000, 1000000, note = "a million each, 0.1% apart")
add(500000, 1000, 500500, 1000, "less", 0.99, note = "large, less")
add(500500, 1000, 500000, 1000, "greater", 0.999, note = "large, greater")
add(10100, 100000, 1000000, 10000000, note = "1% traffic canary")
add(1200, 10, 1000, 10, note = "moderate, clear difference")
add(1000, 1, 10, 1, note = "p-value near 1e-270")
add(2000, 1, 100, 1, note = "p-value underflows")
add(400000, 1, 600000, 1, "two.sided", 0.8, note = "p-value far below 1e-300")
add(51000, 1000, 50000, 1000, "two.sided", 0.95, note = "p-value around 1e-3")

# Unbalanced exposures.
add(12, 1000, 30, 10000, note = "doc example")
add(3, 2000, 4, 8000, note = "totals example")
add(17, 50, 3, 950, "greater", 0.95, note = "small canary share")
add(250, 1000000, 9, 31000, "two.sided", 0.99, note = "large canary exposure")
add(40, 7, 600, 123456, "less", 0.9, note = "tiny canary exposure")

# Null ratios other than 1 (the canary may be up to r times the baseline).
add(60, 1000, 40, 1000, "greater", 0.95, 1.2, note = "r = 1.2")
add(60, 1000, 40, 1000, "two.sided", 0.95, 2, note = "r = 2")
add(5, 100, 40, 1000, "less", 0.99, 0.5, note = "r = 0.5")
add(0, 100, 0, 100, "greater", 0.95, 1.5, note = "r = 1.5, no events")

# Random cases: totals log-uniform up to ~1e6, random exposures, alternatives, levels.
for (i in 1:72) {
  n <- floor(10^runif(1, 0, 6.2))
  t_c <- sample(c(1, 10, 100, 1000, 60, 3600), 1) * sample(1:999, 1)
  t_b <- sample(c(1, 10, 100, 1000, 60, 3600), 1) * sample(1:999, 1)
  ratio <- exp(rnorm(1, 0, if (runif(1) < 0.5) 0.05 else 0.7))
  share <- ratio * t_c / (ratio * t_c + t_b)
  x_c <- rbinom(1, n, share)
  add(x_c, t_c, n - x_c, t_b, alts[(i - 1) %% 3 + 1], confs[(i - 1) %% 5 + 1],
      note = "random")
}

write_json(cases, path, digits = NA, auto_unbox = TRUE, pretty = FALSE)
cat(sprintf("wrote %d rate cases to %s\n", length(cases), path))
