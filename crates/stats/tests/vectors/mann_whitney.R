# Parity vectors for canary_stats::mann_whitney, from R's wilcox.test(x, y, conf.int = TRUE).
# Usage: Rscript mann_whitney.R OUTPUT.json   (run by generate.sh)
# Inputs are rounded so that their JSON text reproduces the doubles R used.
suppressMessages(library(jsonlite))
out <- commandArgs(trailingOnly = TRUE)[1]
set.seed(20261125)

cases <- list()
add_case <- function(label, x, y, alternative = "two.sided", conf.level = 0.95,
                     exact = NULL, correct = TRUE) {
  method <- if (is.null(exact)) "auto" else if (exact) "exact" else "asymptotic"
  scale <- max(1, abs(c(x, y)))
  r <- suppressWarnings(wilcox.test(x, y, alternative = alternative, conf.int = TRUE,
                                    conf.level = conf.level, exact = exact,
                                    correct = correct, tol.root = 1e-13 * scale))
  diffs <- outer(x, y, "-")
  cases[[length(cases) + 1]] <<- list(
    label = label, x = I(x), y = I(y),
    alternative = alternative, confidence = conf.level, method = method,
    correct = correct,
    statistic = unname(r$statistic), p_value = r$p.value,
    exact_used = grepl("exact", r$method),
    ci = I(as.numeric(r$conf.int)), ci_level = attr(r$conf.int, "conf.level"),
    r_estimate = unname(r$estimate), hl_median = median(diffs),
    n_pairs = length(diffs))
}
distinct <- function(v) { while (anyDuplicated(v)) v <- v + runif(length(v), 0, 1e-3); round(v, 4) }
gen <- function(n, kind, shift = 0) {
  v <- switch(kind,
    normal = rnorm(n, 100 + shift, 10),
    lognormal = exp(rnorm(n, log(120) + shift / 100, 0.4)),
    heavy = 100 + shift + 5 * rt(n, 2))
  round(v, 4)
}
alts <- c("two.sided", "less", "greater")
# 1. Exact path: small samples without ties, every alternative, several levels.
sizes <- list(c(1, 1), c(1, 3), c(2, 2), c(3, 2), c(3, 5), c(5, 5), c(7, 4), c(10, 10),
              c(12, 30), c(25, 25), c(49, 49), c(49, 3), c(2, 40))
for (s in sizes) for (alt in alts) for (cl in c(0.8, 0.95, 0.99)) {
  kind <- sample(c("normal", "lognormal", "heavy"), 1)
  repeat {
    x <- gen(s[1], kind, shift = sample(c(0, 5, -8), 1)); y <- gen(s[2], kind)
    if (!anyDuplicated(c(x, y))) break
  }
  add_case(sprintf("exact n=%d m=%d %s %s %.2f", s[1], s[2], kind, alt, cl), x, y, alt, cl)
}
# 2. Forced exact on larger samples (no ties), forced asymptotic on small ones.
for (alt in alts) {
  repeat { x <- gen(60, "normal", 3); y <- gen(70, "normal"); if (!anyDuplicated(c(x, y))) break }
  add_case(sprintf("forced exact 60x70 %s", alt), x, y, alt, 0.9, exact = TRUE)
  repeat { x <- gen(8, "lognormal", 10); y <- gen(9, "lognormal"); if (!anyDuplicated(c(x, y))) break }
  add_case(sprintf("forced asymptotic 8x9 %s", alt), x, y, alt, 0.95, exact = FALSE)
  add_case(sprintf("forced asymptotic 8x9 no correction %s", alt), x, y, alt, 0.95,
           exact = FALSE, correct = FALSE)
}
# 3. Ties: rounded data, small and large, with tie-heavy extremes.
for (alt in alts) for (s in list(c(6, 7), c(30, 20), c(200, 150), c(1000, 800))) {
  x <- round(rnorm(s[1], 10.3, 3)); y <- round(rnorm(s[2], 10, 3))
  add_case(sprintf("ties n=%d m=%d %s", s[1], s[2], alt), x, y, alt, 0.95)
}
add_case("many ties two levels", rep(c(0, 1), c(40, 10)), rep(c(0, 1), c(45, 5)))
add_case("ties mostly zeros", c(rep(0, 95), 1, 2, 1, 3, 1), rep(0, 100))
add_case("ties with one distinct", c(5, 5, 5, 6), c(5, 5, 5, 5, 5))
# 4. Large samples, balanced and unbalanced, several levels and shapes.
for (kind in c("normal", "lognormal", "heavy")) for (alt in alts) {
  for (s in list(c(300, 300), c(1500, 1200), c(5, 2000), c(2000, 60))) {
    cl <- sample(c(0.8, 0.9, 0.95, 0.99, 0.999), 1)
    x <- gen(s[1], kind, shift = sample(c(0, 2, -3), 1)); y <- gen(s[2], kind)
    add_case(sprintf("large n=%d m=%d %s %s %.3f", s[1], s[2], kind, alt, cl), x, y, alt, cl)
  }
}
# 5. Disjoint samples (p-values in the far tail), negative values, tiny scale.
add_case("disjoint large", gen(400, "normal", 200), gen(500, "normal"))
add_case("disjoint exact", distinct(gen(20, "normal", 200)), distinct(gen(20, "normal")))
add_case("negative values", round(rnorm(150, -50, 5), 4), round(rnorm(170, -52, 5), 4), "greater")
add_case("tiny scale", round(rnorm(120, 1e-3, 1e-4), 8), round(rnorm(100, 1.1e-3, 1e-4), 8),
         "two.sided", 0.9)
write_json(cases, out, digits = NA, auto_unbox = TRUE)
cat(sprintf("wrote %d cases to %s\n", length(cases), out))
