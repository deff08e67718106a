# Parity vectors for crates/stats/src/histogram.rs.
#
# Usage: Rscript histogram.R OUTPUT.json
#
# * "histogram_quantile": expected values from an R transcription of Prometheus'
#   BucketQuantile (promql/quantile.go, classic histograms) written here from its documented
#   rules; the Rust test additionally checks Prometheus' own promqltest expectations,
#   hand-copied, which this R function must also reproduce (checked below).
# * "grouped_rank": R's wilcox.test(x, y, exact = FALSE, correct = TRUE) on the expanded
#   data x = rep(seq_along(c), c), y = rep(seq_along(b), b), c and b the per-bucket counts
#   of canary and baseline, for every alternative.
#
# Inputs are rounded so that the JSON text reproduces them exactly; infinite and NaN
# numbers are written as the strings "Inf", "-Inf", "NaN".
suppressPackageStartupMessages(library(jsonlite))

out <- commandArgs(trailingOnly = TRUE)[1]
if (is.na(out)) stop("usage: Rscript histogram.R OUTPUT.json")
set.seed(7031)

enc <- function(v) lapply(as.numeric(v), function(x) if (is.finite(x)) x else as.character(x))

# Prometheus' almost.Equal for finite numbers.
almost_equal <- function(a, b, eps) {
  if (a == b) return(TRUE)
  min_normal <- 2^-1022
  abs_sum <- abs(a) + abs(b)
  diff <- abs(a - b)
  if (a == 0 || b == 0 || abs_sum < min_normal) return(diff < eps * min_normal)
  diff / min(abs_sum, .Machine$double.xmax) < eps
}

# Prometheus' BucketQuantile, for bounds sorted, distinct and ending in +Inf.
bucket_quantile <- function(q, le, counts) {
  if (is.nan(q)) return(NaN)
  if (q < 0) return(-Inf)
  if (q > 1) return(Inf)
  # ensureMonotonicAndIgnoreSmallDeltas(buckets, 1e-12)
  prev <- counts[1]
  if (length(counts) > 1) for (i in 2:length(counts)) {
    curr <- counts[i]
    if (curr == prev) next
    if (almost_equal(prev, curr, 1e-12) || curr < prev) { counts[i] <- prev; next }
    prev <- curr
  }
  nb <- length(counts)
  if (nb < 2) return(NaN)
  observations <- counts[nb]
  if (observations == 0) return(NaN)
  rank <- q * observations
  # sort.Search(len-1, counts[i] >= rank), 1-based here
  b <- nb
  for (i in seq_len(nb - 1)) if (counts[i] >= rank) { b <- i; break }
  if (b == nb) return(le[nb - 1])
  if (b == 1 && le[1] <= 0) return(le[1])
  bucket_start <- 0
  bucket_end <- le[b]
  count <- counts[b]
  if (b > 1) {
    bucket_start <- le[b - 1]
    count <- count - counts[b - 1]
    rank <- rank - counts[b - 1]
  }
  bucket_start + (bucket_end - bucket_start) * (rank / count)
}

# Prometheus promqltest expectations (histograms.test) that the transcription must meet.
stopifnot(
  abs(bucket_quantile(0.2, c(0.1, 0.2, 1, Inf), c(50, 70, 110, 120)) - 0.048) < 1e-15,
  abs(bucket_quantile(0.8, c(0.1, 0.2, 1, Inf), c(50, 70, 110, 120)) - 0.72) < 1e-15,
  bucket_quantile(0.2, c(-0.2, -0.1, 0.3, Inf), c(10, 20, 20, 30)) == -0.2,
  abs(bucket_quantile(0.5, c(-0.2, -0.1, 0.3, Inf), c(10, 20, 20, 30)) + 0.15) < 1e-15,
  bucket_quantile(0.8, c(-0.2, -0.1, 0.3, Inf), c(10, 20, 20, 30)) == 0.3,
  bucket_quantile(0, c(-0.25, -0.2, -0.1, 0.3, Inf), c(0, 10, 20, 20, 20)) == -0.25,
  abs(bucket_quantile(0.5, c(0, 2, 4, 6, Inf), c(0, 1, 2, 3, 3)) - 3) < 1e-15
)

q_all <- c(0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1, -0.1, 1.1)
latency_le <- c(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Inf)

hq_specs <- list(
  list("prometheus_positive", c(0.1, 0.2, 1, Inf), c(50, 70, 110, 120)),
  list("prometheus_negative", c(-0.2, -0.1, 0.3, Inf), c(10, 20, 20, 30)),
  list("prometheus_zero_first", c(0, 0.1, 0.2, 1, Inf), c(0, 50, 70, 110, 110)),
  list("prometheus_neg_empty_first", c(-0.25, -0.2, -0.1, 0.3, Inf), c(0, 10, 20, 20, 20)),
  list("prometheus_mid_bucket", c(0, 2, 4, 6, Inf), c(0, 1, 2, 3, 3)),
  list("design_doc_baseline", c(0.05, 0.1, 0.25, Inf), c(400, 900, 990, 1000)),
  list("design_doc_canary", c(0.05, 0.1, 0.25, Inf), c(20, 70, 96, 100)),
  list("empty_first_bucket", c(1, 2, 5, Inf), c(0, 4, 10, 10)),
  list("empty_middle_buckets", c(1, 2, 3, 4, Inf), c(3, 3, 3, 7, 7)),
  list("all_in_inf", c(1, 2, Inf), c(0, 0, 5)),
  list("mostly_in_inf", c(1, 2, Inf), c(1, 2, 50)),
  list("no_observations", c(1, 2, Inf), c(0, 0, 0)),
  list("single_bucket", c(Inf), c(12)),
  list("two_buckets", c(0.5, Inf), c(3, 4)),
  list("negative_only", c(-3, -2, -1, Inf), c(2, 5, 9, 9)),
  list("tiny_delta_noise", c(1, 2, 3, Inf), c(1e15, 1e15 + 0.5, 2e15, 2e15)),
  list("fractional_rates", c(0.1, 0.5, 1, Inf), c(0.125, 0.75, 1.5, 1.625))
)
for (k in 1:8) {
  counts <- cumsum(rpois(length(latency_le), lambda = sample(c(1, 5, 50, 500), 1)))
  hq_specs[[length(hq_specs) + 1]] <- list(sprintf("random_latency_%d", k), latency_le, counts)
}
for (k in 1:4) {
  le <- c(sort(round(runif(6, -5, 20), 2)), Inf)
  counts <- round(cumsum(runif(7, 0, 3)), 3)
  hq_specs[[length(hq_specs) + 1]] <- list(sprintf("random_fractional_%d", k), le, counts)
}

hq_cases <- lapply(hq_specs, function(s) {
  le <- s[[2]]
  counts <- s[[3]]
  list(
    name = s[[1]],
    le = enc(le),
    counts = enc(counts),
    q = enc(q_all),
    expected = enc(vapply(q_all, bucket_quantile, 0, le = le, counts = counts))
  )
})

rank_specs <- list(
  list("design_doc", c(20, 50, 26, 4), c(400, 500, 90, 10)),
  list("identical", c(5, 10, 5, 0), c(5, 10, 5, 0)),
  list("shifted_up", c(0, 2, 8, 10, 3), c(5, 10, 6, 2, 0)),
  list("shifted_down", c(9, 8, 3, 1, 0), c(1, 4, 9, 8, 2)),
  list("one_each", c(1, 0, 0), c(0, 0, 1)),
  list("two_occupied_buckets", c(3, 0, 4), c(4, 0, 3)),
  list("canary_in_inf", c(0, 0, 0, 7), c(10, 20, 5, 1)),
  list("small_ties", c(2, 1, 0, 1), c(1, 1, 2, 0)),
  list("big_counts", c(120000, 340000, 60000, 9000, 400), c(130000, 335000, 58000, 8000, 350)),
  list("lopsided_sizes", c(0, 1, 2, 1, 0), c(3000, 6000, 2000, 400, 20))
)
for (k in 1:6) {
  nb <- sample(3:15, 1)
  lam_c <- runif(nb, 0, 30)
  lam_b <- lam_c * exp(rnorm(nb, 0, 0.5))
  rank_specs[[length(rank_specs) + 1]] <- list(sprintf("random_%d", k), rpois(nb, lam_c), rpois(nb, lam_b))
}

rank_cases <- list()
for (s in rank_specs) {
  cc <- s[[2]]
  bc <- s[[3]]
  nb <- length(cc)
  le <- c(seq_len(nb - 1) / 10, Inf)
  x <- rep(seq_len(nb), cc)
  y <- rep(seq_len(nb), bc)
  for (alt in c("two.sided", "less", "greater")) {
    r <- suppressWarnings(wilcox.test(x, y, alternative = alt, exact = FALSE, correct = TRUE))
    w <- unname(r$statistic)
    n <- as.double(length(x))
    m <- as.double(length(y))
    rank_cases[[length(rank_cases) + 1]] <- list(
      name = sprintf("%s %s", s[[1]], alt),
      le = enc(le),
      canary = enc(cumsum(cc)),
      baseline = enc(cumsum(bc)),
      alternative = alt,
      statistic = w,
      p_value = r$p.value,
      cles = w / (n * m),
      n_canary = n,
      n_baseline = m
    )
  }
}

cases <- list(
  histogram_quantile = hq_cases,
  grouped_rank = rank_cases,
  generated_by = R.version.string
)
write_json(cases, out, digits = NA, auto_unbox = TRUE, pretty = FALSE)
cat(sprintf("%s: %d histogram_quantile (x %d q), %d grouped_rank cases\n", out,
            length(hq_cases), length(q_all), length(rank_cases)))
