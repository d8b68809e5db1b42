#!/usr/bin/env Rscript
# R survey reference numbers for sk.indicators.compute(..., compare=): each category of a breakdown
# against the whole population ("total") and against the first category ("reference"), with the
# design-based t test (design degrees of freedom), for indicators computed on a subpopulation (the
# indicator's universe).
#
# Writes fixtures/compare.json next to this script. Run from anywhere:
#   Rscript tests/reference/report/make_compare_reference.R
# Needs R >= 4.2 with survey and jsonlite. Reads tests/reference/weighting/data/synth.csv only.
#
# Method in R: on subset(design, universe), svytotal of the per-row pieces of every domain's estimate
# (y*1(g), 1(g)*observed, ..., and the same without 1(g) for the total) and svycontrast() of the
# quote()d difference of the two estimates, so the covariance between a category and the total
# (of which it is part) is R's own. p = 2 * pt(-|estimate / se|, degf(design)).
# Indicators:
#   prop   proportion of z == "yes" among agegrp >= 2                         (estimator: proportion)
#   mean   mean of y among agegrp >= 2                                        (estimator: mean)
#   ratio  sum(y) / sum(x) among agegrp >= 2                                  (estimator: ratio)
#   avg    average of the means of a = (z == "yes") and b = (y > 40, missing when x < 1.5),
#          each over its own observed rows, among agegrp >= 2                 (mean_of_proportions)
# Designs: "taylor" (stratified cluster with fpc) and "rake" (raked to sex, agegrp and region:
# calibrate(calfun = "raking"), the linearization surveykit's rake uses on Taylor designs).

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
args_all <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args_all[grep("^--file=", args_all)])
here <- if (length(script)) dirname(normalizePath(script)) else getwd()
ref_dir <- dirname(here)
dir.create(file.path(here, "fixtures"), showWarnings = FALSE)
invisible(Sys.setlocale("LC_COLLATE", "C"))
options(survey.lonely.psu = "fail", warn = 1)

synth <- read.csv(file.path(ref_dir, "weighting", "data", "synth.csv"), stringsAsFactors = FALSE)
synth$fsex <- factor(synth$sex)
synth$fage <- factor(synth$agegrp)
synth$fregion <- factor(synth$region)
synth$a <- as.numeric(synth$z == "yes")
synth$b <- ifelse(synth$x < 1.5, NA, as.numeric(synth$y > 40))
taylor <- svydesign(ids = ~psu, strata = ~stratum, fpc = ~fpc, weights = ~w, data = synth)
pop <- c(`(Intercept)` = 28000, fsex2 = 14560, fage2 = 8400, fage3 = 7000, fage4 = 5880,
         fregionnorth = 11760, fregionsouth = 7840)
raked <- calibrate(taylor, ~fsex + fage + fregion, pop, calfun = "raking", maxit = 100, epsilon = 1e-12)
designs <- list(taylor = taylor, rake = raked)

# pieces of one group's estimate: numerators and denominators (NA rows out, as na.rm)
pieces <- function(v, kind, g) {
  ind <- if (is.null(g)) rep(1, nrow(v)) else as.numeric(v$region == g)
  if (kind == "ratio") return(list(list(num = v$y * ind, den = v$x * ind)))
  ys <- switch(kind, prop = list(v$a), mean = list(v$y), avg = list(v$a, v$b))
  lapply(ys, function(y) list(num = ifelse(is.na(y), 0, y) * ind, den = as.numeric(!is.na(y)) * ind))
}

compare_case <- function(dname, kind, reference) {
  d <- subset(designs[[dname]], agegrp >= 2)
  df <- degf(designs[[dname]])
  groups <- sort(unique(d$variables$region[weights(d, "sampling") > 0]))
  refs <- if (reference == "total") list(NULL) else list(groups[1])
  out <- list()
  for (g in if (reference == "total") groups else groups[-1]) {
    cols <- list()
    terms <- function(ps, tag) {
      parts <- character()
      for (j in seq_along(ps)) {
        nn <- sprintf("%s_n%d", tag, j); dd <- sprintf("%s_d%d", tag, j)
        cols[[nn]] <<- ps[[j]]$num
        cols[[dd]] <<- ps[[j]]$den
        parts <- c(parts, sprintf("%s/%s", nn, dd))
      }
      sprintf("(%s)/%d", paste(parts, collapse = " + "), length(parts))
    }
    eg <- terms(pieces(d$variables, kind, g), "g")
    er <- terms(pieces(d$variables, kind, refs[[1]]), "r")
    for (nm in names(cols)) d$variables[[nm]] <- cols[[nm]]
    tot <- svytotal(as.formula(paste("~", paste(names(cols), collapse = "+"))), d)
    ex <- parse(text = paste(eg, "-", er))[[1]]
    r <- svycontrast(tot, ex)
    est <- as.numeric(coef(r)); se <- as.numeric(SE(r))
    out[[length(out) + 1]] <- list(group = g, reference = if (reference == "total") "total" else groups[1],
                                   estimate = est, se = se, df = df,
                                   p_value = 2 * pt(-abs(est / se), df))
  }
  list(id = paste(dname, kind, reference, sep = "/"), design = dname, indicator = kind,
       compare = reference, r_code = sprintf("svycontrast(svytotal(~<pieces>, subset(design, agegrp >= 2)), quote(%s))",
                                             "estimate(group) - estimate(reference)"),
       expected = out)
}

cases <- list()
for (dname in names(designs)) for (kind in c("prop", "mean", "ratio", "avg"))
  for (reference in c("total", "reference")) cases[[length(cases) + 1]] <- compare_case(dname, kind, reference)

doc <- list(generated_by = "tests/reference/report/make_compare_reference.R",
            r_version = R.version.string, survey_version = as.character(packageVersion("survey")),
            data = "weighting/data/synth.csv", cases = cases)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(here, "fixtures", "compare.json"))
cat("wrote", length(cases), "cases\n")
