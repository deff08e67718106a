# Parity vectors for canary_stats::ks_two_sample: R's ks.test(x, y, alternative, exact).
# Usage: Rscript ks.R <output.json>
# Inputs are rounded (signif 8 / round 4) so that the JSON text reproduces the exact
# doubles R used; the script reads its output back and checks that.
suppressPackageStartupMessages(library(jsonlite))
path <- commandArgs(trailingOnly = TRUE)[1]
if (is.na(path)) stop("usage: Rscript ks.R <output.json>")
set.seed(20240611)

cases <- list()
add <- function(name, x, y, alternatives = c("two.sided", "less", "greater"),
                methods = "auto") {
  for (alternative in alternatives) {
    for (method in methods) {
      exact <- switch(method, auto = NULL, exact = TRUE, asymptotic = FALSE)
      r <- suppressWarnings(ks.test(x, y, alternative = alternative, exact = exact))
      # R 4.2.2 computes the exact "less" p-value from the null distribution of D+, wrong
      # with ties. The tie-correct value is "greater" with the samples swapped (same
      # statistic); canary_stats returns that, so it is what we compare against.
      p_expected <- r$p.value
      if (alternative == "less" && r$exact && anyDuplicated(c(x, y)))
        p_expected <- suppressWarnings(ks.test(y, x, alternative = "greater", exact = exact))$p.value
      cases[[length(cases) + 1]] <<- list(
        name = paste(name, alternative, method),
        x = I(x), y = I(y),
        alternative = alternative,
        method = method,
        statistic = unname(r$statistic),
        p_value = r$p.value,
        p_value_expected = p_expected,
        method_used = if (r$exact) "exact" else "asymptotic",
        ties = length(unique(c(x, y))) < length(x) + length(y)
      )
    }
  }
}
s8 <- function(v) signif(v, 8)

# Tiny samples.
add("n1 m1", 1.5, 2.5)
add("n1 m1 tie", 2, 2)
add("n1 m2", 0.3, c(0.1, 0.7))
add("n2 m2", c(1, 4), c(2, 3))
add("n2 m2 separated", c(5, 6), c(1, 2))
add("n1 m5", 10, s8(rnorm(5)))
add("n2 m7", s8(rnorm(2, 1)), s8(rnorm(7)))
add("doc example", c(1.2, 3.4, 2.2, 0.5, 1.9), c(4.1, 3.8, 5.0, 2.9, 4.4, 3.9))

# Exact path (auto), continuous data.
add("normal 10 vs 12", s8(rnorm(10)), s8(rnorm(12)))
add("shifted 20 vs 25", s8(rnorm(20, 0.8)), s8(rnorm(25)))
add("lognormal 30 vs 40", s8(rlnorm(30)), s8(rlnorm(40, 0.5)))
add("scale 15 vs 15", s8(rnorm(15, 0, 3)), s8(rnorm(15)))
add("separated 50 vs 50", s8(runif(50, 2, 3)), s8(runif(50, 0, 1)))
add("boundary 99 vs 101 (exact)", s8(rnorm(99, 0.2)), s8(rnorm(101)))
add("boundary 100 vs 100 (asymptotic)", s8(rnorm(100, 0.2)), s8(rnorm(100)))

# Unbalanced sizes.
add("unbalanced 3 vs 200", s8(rnorm(3, 1)), s8(rnorm(200)))
add("unbalanced 1 vs 3000", 0.5, s8(rnorm(3000)))
add("unbalanced 10 vs 2000", s8(rnorm(10, 0.7)), s8(rnorm(2000)))
add("unbalanced 400 vs 7", s8(rlnorm(400)), s8(rlnorm(7, 0.4)))

# Asymptotic path (large samples).
add("normal 200 vs 300", s8(rnorm(200)), s8(rnorm(300)))
add("shifted 500 vs 400", s8(rnorm(500, 0.25)), s8(rnorm(400)))
add("lognormal latency 1000 vs 1000", s8(rlnorm(1000, 3, 0.5)), s8(rlnorm(1000, 3.05, 0.5)))
add("far apart 300 vs 300", s8(rnorm(300, 2)), s8(rnorm(300)))

# Ties.
add("ties small ints", sample(1:5, 8, TRUE), sample(1:5, 9, TRUE))
add("ties rounded 30 vs 25", round(rnorm(30), 1), round(rnorm(25, 0.3), 1))
add("ties all equal", c(3, 3, 3), c(3, 3))
add("ties cross samples only", c(1, 2, 3, 4), c(2, 3, 4, 5, 6))
# R computes both one-sided exact p-values from D+'s null distribution, which differs
# from D-'s when there are ties: "less" then disagrees with "greater" on swapped samples.
add("ties one-sided quirk x,y", c(rep(0, 31), -1, -1), c(0, 0, 0))
add("ties one-sided quirk y,x", c(0, 0, 0), c(rep(0, 31), -1, -1))
add("ties large asymptotic", round(rlnorm(300, 2), 0), round(rlnorm(250, 2.1), 0))
add("ties forced exact 120 vs 110", round(rnorm(120), 1), round(rnorm(110, 0.2), 1),
    methods = "exact")

# Forced methods.
add("forced exact 150 vs 120", s8(rnorm(150, 0.3)), s8(rnorm(120)), methods = "exact")
add("forced asymptotic small", s8(rnorm(12, 0.5)), s8(rnorm(9)), methods = "asymptotic")
add("forced both 40 vs 30", round(rnorm(40), 4), round(rnorm(30, 0.6), 4),
    methods = c("exact", "asymptotic"))
add("forced asymptotic 3 vs 2", c(1, 2, 3), c(0.5, 2.5), methods = "asymptotic")

write_json(cases, path, digits = NA, auto_unbox = TRUE, pretty = FALSE)

# The JSON must give back the very doubles R used.
back <- read_json(path, simplifyVector = FALSE)
stopifnot(length(back) == length(cases))
for (i in seq_along(cases)) {
  stopifnot(identical(as.numeric(unlist(back[[i]]$x)), as.numeric(cases[[i]]$x)),
            identical(as.numeric(unlist(back[[i]]$y)), as.numeric(cases[[i]]$y)))
}
cat(length(cases), "ks cases written to", path, "\n")
