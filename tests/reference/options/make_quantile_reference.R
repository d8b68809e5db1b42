#!/usr/bin/env Rscript
# R survey reference numbers for surveykit's quantile options (issue 11): every qrule, Woodruff
# intervals with each proportion interval, the score (Francisco-Fuller) interval on Taylor designs and
# the replicate-quantile interval on replicate designs.
#
# Writes, next to this script:  fixtures/quantile_options.json
#
# Run from anywhere:  Rscript tests/reference/options/make_quantile_reference.R
# Needs R >= 4.2 with survey (4.1-1 here) and jsonlite. It writes no data: it reads
# tests/reference/data/*.csv and tests/reference/weighting/data/*.csv (paths in the fixture are
# relative to tests/reference/), so R and surveykit see the same doubles.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

args_all <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args_all[grep("^--file=", args_all)])
here <- if (length(script)) dirname(normalizePath(script)) else getwd()
ref_dir <- dirname(here)                              # tests/reference
fix_dir <- file.path(here, "fixtures")
dir.create(fix_dir, showWarnings = FALSE)

invisible(Sys.setlocale("LC_COLLATE", "C"))
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.replicates.mse = FALSE, survey.drop.replicates = TRUE, warn = 1)

source(file.path(ref_dir, "r_designs.R"))   # designs and weighting steps: surveykit terms -> R

RULES <- c("math", "school", "shahvaish", "hf1", "hf2", "hf3", "hf4", "hf5", "hf6", "hf7", "hf8", "hf9")

# R's quantile call (svyquantile, or svyby(..., svyquantile) with domains). Only R's known warning
# (jackknife replicates for quantiles) is let through; any other warning stops the script.
r_quantile <- function(design, call, df_t) {
  by <- call$by; level <- call$level; ci <- call$ci; q <- as.numeric(unlist(call$quantiles))
  df_ci <- if (ci == "normal") Inf else df_t
  itype <- switch(call$interval_type,
                  woodruff = switch(ci, t = "mean", normal = "mean", logit = "xlogit", "korn-graubard" = "beta"),
                  score = "score", quantile = "quantile")
  quiet <- function(expr) withCallingHandlers(expr, warning = function(w) {
    if (grepl("Jackknife replicate weights may not give valid", conditionMessage(w))) invokeRestart("muffleWarning")
    else stop("R warned (a reference case must be clean): ", conditionMessage(w))
  })
  out <- list()
  for (v in call$variables) {
    args <- list(quantiles = q, ci = TRUE, na.rm = TRUE, alpha = 1 - level, df = df_ci,
                 interval.type = itype, qrule = call$qrule)
    if (is.null(by)) {
      x <- quiet(do.call(svyquantile, c(list(fml(v), design), args)))[[1]]
      for (j in seq_along(q))
        out[[length(out) + 1]] <- list(variable = v, domain = setNames(list(), character()), quantile = q[j],
                                       estimate = x[j, 1], se = x[j, 4], ci_low = x[j, 2], ci_high = x[j, 3])
    } else {
      x <- quiet(do.call(svyby, c(list(fml(v), fml(by), design, svyquantile), args,
                                  list(vartype = c("se", "ci"), keep.var = TRUE))))
      nb <- length(by); P <- length(q)
      for (j in seq_len(P)) for (i in seq_len(nrow(x))) {
        dom <- lapply(by, function(b) as.character(x[[b]][i]))
        names(dom) <- by
        out[[length(out) + 1]] <- list(variable = v, domain = dom, quantile = q[j],
                                       estimate = x[i, nb + j], se = x[i, nb + P + j],
                                       ci_low = x[i, nb + 2 * P + j], ci_high = x[i, nb + 3 * P + j])
      }
    }
  }
  out
}

# =================================================================================================
# Designs
# =================================================================================================
boot_meta <- local({
  w <- fromJSON(file.path(ref_dir, "weighting", "fixtures", "weighting.json"), simplifyVector = FALSE)
  out <- list()
  for (c in w$cases) if (!is.null(c$replicate) && c$replicate$method == "bootstrap")
    out[[sub("_bootstrap.csv$", "", c$replicate$file)]] <- c$replicate
  out
})
api_srs <- taylor("api_srs", "data/apisrs.csv", weights = "pw", fpc = "fpc")
api_strat <- taylor("api_strat", "data/apistrat.csv", weights = "pw", strata = "stype", fpc = "fpc")
api_clus1 <- taylor("api_clus1", "data/apiclus1.csv", weights = "pw", psu = "dnum", fpc = "fpc")
api_clus2 <- taylor("api_clus2", "data/apiclus2.csv", weights = "pw", psu = c("dnum", "snum"),
                    fpc = c("fpc1", "fpc2"))
synth_taylor <- taylor("synth_taylor", "weighting/data/synth.csv", weights = "w", strata = "stratum", psu = "psu",
                       fpc = "fpc", factors = c("sex", "agegrp"))
synth_rake <- with_steps("synth_rake", synth_taylor, rake_step(list(
  cat_margin("sex", c(1, 2), c(13440, 14560)), cat_margin("agegrp", c(1, 2, 3, 4), c(6720, 8400, 7000, 5880)),
  cat_margin("region", c("east", "north", "south"), c(8400, 11760, 7840)))))
clus1_jk1 <- to_rep("apiclus1_jk1", api_clus1, "jk1")
bm <- boot_meta$apiclus1
clus1_boot <- given_rep("apiclus1_bootstrap", "weighting/data/apiclus1.csv", "pw", unlist(bm$columns), "bootstrap",
                        scale = bm$scale, rscales = unlist(bm$rscales),
                        replicate_data = "weighting/data/apiclus1_bootstrap.csv")
paired_fay <- given_rep("paired_fay", "data/paired.csv", "w", paste0("fay_", 1:12), "fay", rho = 0.5)

# =================================================================================================
# Cases
# =================================================================================================
designs <- list()
cases <- list()
add_case <- function(id, spec, variables, quantiles, by = NULL, qrule = "math", interval_type = "woodruff",
                     ci = "t", level = 0.95, subset = NULL) {
  if (is.null(designs[[spec$name]])) designs[[spec$name]] <<- design_entry(spec)
  d0 <- build(spec)$design
  d <- design_of(spec, subset)
  call <- list(estimator = "quantile", variables = I(variables), quantiles = I(quantiles), by = if (length(by)) I(by),
               ci = ci, level = level, qrule = qrule, interval_type = interval_type)
  rows <- r_quantile(d, call, degf(d0))
  itype <- switch(interval_type, woodruff = switch(ci, logit = "xlogit", "korn-graubard" = "beta", "mean"),
                  interval_type)
  des <- if (is.null(subset)) "design" else paste0("subset(design, ", deparse(subset_expr(subset)), ")")
  code <- sprintf("svyquantile(~%s, %s, quantiles=c(%s), ci=TRUE, na.rm=TRUE, alpha=%s, df=%s, interval.type='%s', qrule='%s')",
                  paste(variables, collapse = "+"), des, paste(quantiles, collapse = ", "), 1 - level,
                  if (ci == "normal") "Inf" else "degf(design)", itype, qrule)
  if (length(by)) code <- sprintf("svyby(..., ~%s, ..., svyquantile) with %s", paste(by, collapse = "+"), code)
  cases[[length(cases) + 1]] <<- list(id = id, design = spec$name, subset = subset, call = call, r_code = code,
                                      expected = rows)
}
sub600 <- list(column = "api99", op = ">", value = 600)

# every rule: whole sample (equal weights: exact hits of p * W), domains, missing values, a
# subpopulation, a calibrated design, and replicate designs (Woodruff and replicate quantiles), score
for (r in RULES) {
  add_case(paste0("rule/", r, "/srs"), api_srs, "api00", c(0.1, 0.25, 0.5, 0.75, 0.9), qrule = r)
  add_case(paste0("rule/", r, "/strat_by"), api_strat, "api00", c(0.25, 0.5, 0.9), by = "stype", qrule = r)
  add_case(paste0("rule/", r, "/clus2_na"), api_clus2, c("acs.k3", "enroll"), c(0.1, 0.5), qrule = r)
  add_case(paste0("rule/", r, "/clus1_subset"), api_clus1, "api00", c(0.5, 0.75), qrule = r, subset = sub600)
  add_case(paste0("rule/", r, "/rake_by"), synth_rake, "y", c(0.25, 0.5), by = "region", qrule = r)
  add_case(paste0("rule/", r, "/jk1_by"), clus1_jk1, "api00", c(0.5), by = "stype", qrule = r)
  add_case(paste0("rule/", r, "/fay_na"), paired_fay, "y", c(0.25, 0.5), qrule = r)
  add_case(paste0("score/", r, "/strat"), api_strat, "api00", c(0.25, 0.5, 0.75), qrule = r,
           interval_type = "score")
  add_case(paste0("repq/", r, "/boot"), clus1_boot, "api00", c(0.25, 0.5, 0.75), qrule = r,
           interval_type = "quantile")
}
# Woodruff with each proportion interval
for (ci in c("t", "normal", "logit", "korn-graubard")) for (r in c("math", "school", "hf7", "shahvaish")) {
  add_case(paste0("woodruff/", ci, "/", r, "/strat_by"), api_strat, "api00", c(0.25, 0.5), by = "stype",
           qrule = r, ci = ci)
  add_case(paste0("woodruff/", ci, "/", r, "/clus2_na"), api_clus2, "acs.k3", c(0.5, 0.9), qrule = r, ci = ci)
}
# score: domains, clusters, missing values, a subpopulation, normal and level 0.9
for (r in c("math", "school", "hf4", "hf7", "shahvaish")) {
  add_case(paste0("score/", r, "/clus1_by"), api_clus1, "api00", c(0.25, 0.5), by = "stype", qrule = r,
           interval_type = "score")
  add_case(paste0("score/", r, "/clus2_na"), api_clus2, c("acs.k3", "enroll"), c(0.5, 0.9), qrule = r,
           interval_type = "score")
  add_case(paste0("score/", r, "/clus1_subset"), api_clus1, "api00", c(0.5), qrule = r, subset = sub600,
           interval_type = "score")
  add_case(paste0("score/", r, "/srs_normal"), api_srs, "api00", c(0.1, 0.5, 0.9), qrule = r, ci = "normal",
           interval_type = "score")
  add_case(paste0("score/", r, "/synth_by_90"), synth_taylor, "y", c(0.25, 0.75), by = "region", qrule = r,
           level = 0.9, interval_type = "score")
}
# replicate quantiles: JK1, bootstrap, Fay; domains, missing values, a subpopulation, normal, 0.9
for (r in c("math", "school", "hf4", "hf7", "shahvaish")) {
  add_case(paste0("repq/", r, "/jk1_by"), clus1_jk1, "api00", c(0.25, 0.5), by = "stype", qrule = r,
           interval_type = "quantile")
  add_case(paste0("repq/", r, "/boot_by"), clus1_boot, "api00", c(0.5, 0.9), by = "stype", qrule = r,
           interval_type = "quantile")
  add_case(paste0("repq/", r, "/fay_na_by"), paired_fay, "y", c(0.25, 0.5), by = "dom", qrule = r,
           interval_type = "quantile")
  add_case(paste0("repq/", r, "/jk1_subset_normal"), clus1_jk1, "api00", c(0.5), qrule = r, ci = "normal",
           subset = sub600, interval_type = "quantile")
  add_case(paste0("repq/", r, "/fay_90"), paired_fay, "x", c(0.1, 0.5, 0.9), qrule = r, level = 0.9,
           interval_type = "quantile")
}

# =================================================================================================
# Write
# =================================================================================================
meta <- list(
  description = "Quantile options: qrule, Woodruff intervals with each ci, score and replicate-quantile intervals.",
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  generator = "tests/reference/options/make_quantile_reference.R",
  data_root = "tests/reference (data and replicate_data paths are relative to it)",
  tolerance = "relative 1e-6 on estimate, se, ci_low, ci_high (absolute where R gives 0)",
  conventions = paste(
    "svyquantile(na.rm=TRUE, ci=TRUE, qrule=, interval.type=) per variable, svyby for domains.",
    "df is degf() of the whole design (before any subset), Inf for ci='normal'. interval_type",
    "'woodruff' is interval.type 'mean' (ci t/normal), 'xlogit' (logit), 'beta' (korn-graubard);",
    "'score' and 'quantile' are R's. SE = interval width / (2 x critical value), as R."))
js <- function(x) toJSON(x, auto_unbox = TRUE, digits = NA, null = "null", na = "null")
lines <- c(paste0('{"meta": ', js(meta), ','), ' "designs": {',
           paste0("  ", vapply(names(designs), function(n) paste0(js(n), ": ", js(designs[[n]])), ""),
                  c(rep(",", length(designs) - 1), "")),
           ' },', ' "cases": [',
           paste0(vapply(cases, js, ""), c(rep(",", length(cases) - 1), "")), "]}")
writeLines(lines, file.path(fix_dir, "quantile_options.json"))
cat(sprintf("quantile_options: %d cases, %d rows\n", length(cases),
            sum(vapply(cases, function(c) length(c$expected), 0L))))
