#!/usr/bin/env Rscript
# R survey reference numbers for R options surveykit offers (issue 11): deff="replace", the
# Korn-Graubard df of a domain with missing values, survey.adjust.domain.lonely, and integrated
# (aggregated) calibration. Writes fixtures/options.json next to this script; tests read it
# (tests/estimation/test_options_parity_r.py) and never need R.
#
#   Rscript tests/reference/options/make_options_reference.R     # R >= 4.2, survey 4.1-1, jsonlite
#
# Data: tests/reference/data/multistage.csv (three-stage synthetic sample with missing values) and
# apistrat/apiclus1. Every case records the surveykit design arguments and call in words.

suppressPackageStartupMessages({ library(survey); library(jsonlite) })
args_all <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args_all[grep("^--file=", args_all)])
here <- if (length(script)) dirname(normalizePath(script)) else getwd()
ref <- dirname(here)
invisible(Sys.setlocale("LC_COLLATE", "C"))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE, warn = 1)

ms <- read.csv(file.path(ref, "data", "multistage.csv"))
ms$yy <- as.numeric(ms$y > 50)                       # NA where y is NA
ms$ssuid <- paste(ms$psu, ms$ssu, sep = ":")
ms$dlon <- ifelse(ms$psu == 1, "p1", ms$region)      # domain "p1": one PSU of stratum A (which has 4)
apistrat <- read.csv(file.path(ref, "data", "apistrat.csv"))
apiclus1 <- read.csv(file.path(ref, "data", "apiclus1.csv"))

cases <- list()
add <- function(...) cases[[length(cases) + 1]] <<- list(...)
num <- function(x) unname(as.numeric(x))

# --- 1. deff = "replace" ------------------------------------------------------------------------
d2 <- svydesign(ids = ~psu + ssu, strata = ~stratum, fpc = ~N1 + N2, weights = ~w, data = ms)
dsn2 <- list(data = "data/multistage.csv", design = list(weights = "w", strata = "stratum", psu = list("psu", "ssu"),
             fpc = list("N1", "N2")))
m <- svymean(~y, d2, na.rm = TRUE, deff = "replace")
add(id = "deff_replace/mean", design = dsn2, call = list(estimator = "mean", variables = "y", deff = "replace"),
    expected = list(list(estimate = num(coef(m)), se = num(SE(m)), deff = num(deff(m)))))
t <- svytotal(~x, d2, na.rm = TRUE, deff = "replace")
add(id = "deff_replace/total", design = dsn2, call = list(estimator = "total", variables = "x", deff = "replace"),
    expected = list(list(estimate = num(coef(t)), se = num(SE(t)), deff = num(deff(t)))))
b <- svyby(~y, ~region, d2, svymean, na.rm = TRUE, deff = "replace")
add(id = "deff_replace/mean_by_region", design = dsn2,
    call = list(estimator = "mean", variables = "y", by = "region", deff = "replace"),
    expected = lapply(seq_len(nrow(b)), function(i) list(domain = as.character(b$region[i]), estimate = b$y[i],
                      se = b$se[i], deff = num(b[i, "DEff.y"]))))
p <- svymean(~factor(cat3), d2, na.rm = TRUE, deff = "replace")
add(id = "deff_replace/proportion", design = dsn2, call = list(estimator = "proportion", variables = "cat3",
    deff = "replace"), expected = lapply(seq_along(coef(p)), function(i) list(level = sub("factor\\(cat3\\)", "",
    names(coef(p))[i]), estimate = num(coef(p)[i]), se = num(SE(p)[i]), deff = num(deff(p)[i]))))
ds <- svydesign(ids = ~1, strata = ~stype, fpc = ~fpc, weights = ~pw, data = apistrat)
r <- svyratio(~api.stu, ~enroll, ds, deff = "replace")
add(id = "deff_replace/ratio", design = list(data = "data/apistrat.csv", design = list(weights = "pw",
    strata = "stype", fpc = "fpc")), call = list(estimator = "ratio", variables = "api.stu", denominator = "enroll",
    deff = "replace"), expected = list(list(estimate = num(coef(r)), se = num(SE(r)), deff = num(deff(r)))))
# the default (deff=TRUE), for the same calls
m <- svymean(~y, d2, na.rm = TRUE, deff = TRUE)
add(id = "deff_wor/mean", design = dsn2, call = list(estimator = "mean", variables = "y", deff = "wor"),
    expected = list(list(estimate = num(coef(m)), se = num(SE(m)), deff = num(deff(m)))))
rc <- as.svrepdesign(svydesign(ids = ~dnum, fpc = ~fpc, weights = ~pw, data = apiclus1), type = "JK1")
m <- svymean(~api00, rc, deff = "replace")
add(id = "deff_replace/jk1_mean", design = list(data = "data/apiclus1.csv", design = list(weights = "pw",
    psu = "dnum", fpc = "fpc"), replicate = list(method = "jk1")), call = list(estimator = "mean",
    variables = "api00", deff = "replace"),
    expected = list(list(estimate = num(coef(m)), se = num(SE(m)), deff = num(deff(m)))))

# --- 2. Korn-Graubard by domain with missing values -----------------------------------------------
d1 <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = ms)
dsn1 <- list(data = "data/multistage.csv", design = list(weights = "w", strata = "stratum", psu = "psu"))
kg <- svyby(~yy, ~region, d1, svyciprop, method = "beta", vartype = "ci", na.rm = TRUE)
# the domain's degf before and after dropping missing y: the case matters only where they differ
diag_df <- sapply(sort(unique(ms$region)), function(rg) {
  s1 <- subset(d1, region == rg); s2 <- subset(d1, region == rg & !is.na(yy))
  c(before = degf(s1), after = degf(s2), n_before = nrow(s1), n_after = nrow(s2)) })
add(id = "kg/by_region_missing_y", design = dsn1,
    call = list(estimator = "mean", variables = "yy", by = "region", ci = "korn-graubard"),
    diagnostics = lapply(seq_len(ncol(diag_df)), function(i) as.list(diag_df[, i])),
    expected = lapply(seq_len(nrow(kg)), function(i) list(domain = as.character(kg$region[i]),
                      estimate = num(kg$yy[i]), ci_low = num(kg$ci_l[i]), ci_high = num(kg$ci_u[i]))))

# --- 3. survey.adjust.domain.lonely ------------------------------------------------------------------
# domain "p1" has rows in a single PSU of stratum A, which has four sampled PSUs
lonely_cells <- with(unique(ms[, c("stratum", "psu", "dlon")]), table(stratum, dlon))
for (rule in c("adjust", "average")) {
  old <- options(survey.adjust.domain.lonely = TRUE, survey.lonely.psu = rule)
  b <- suppressWarnings(svyby(~y, ~dlon, d1, svymean, na.rm = TRUE))
  bx <- suppressWarnings(svyby(~x, ~dlon, d1, svytotal, na.rm = TRUE))
  options(old)
  dsn <- list(data = "data/multistage.csv", design = list(weights = "w", strata = "stratum", psu = "psu",
              lonely_psu = rule, adjust_domain_lonely = TRUE))
  add(id = paste0("domain_lonely/", rule, "/mean_by_dlon"), design = dsn,
      call = list(estimator = "mean", variables = "y", by = "dlon"),
      expected = lapply(seq_len(nrow(b)), function(i) list(domain = as.character(b$dlon[i]),
                        estimate = num(b$y[i]), se = num(b$se[i]))))
  add(id = paste0("domain_lonely/", rule, "/total_by_dlon"), design = dsn,
      call = list(estimator = "total", variables = "x", by = "dlon"),
      expected = lapply(seq_len(nrow(bx)), function(i) list(domain = as.character(bx$dlon[i]),
                        estimate = num(bx$x[i]), se = num(bx$se[i]))))
}
old <- options(survey.adjust.domain.lonely = TRUE, survey.lonely.psu = "adjust")
sb <- suppressWarnings(svymean(~x, subset(d1, dlon == "p1"), na.rm = TRUE))
options(old)
add(id = "domain_lonely/adjust/subset_p1", design = list(data = "data/multistage.csv", design = list(weights = "w",
    strata = "stratum", psu = "psu", lonely_psu = "adjust", adjust_domain_lonely = TRUE)),
    subset = list(column = "dlon", op = "==", value = "p1"), call = list(estimator = "mean", variables = "x"),
    expected = list(list(estimate = num(coef(sb)), se = num(SE(sb)))))
# the same call without the option (R's default): the option must change the p1 domain's SE
b0 <- svyby(~y, ~dlon, d1, svymean, na.rm = TRUE)
add(id = "domain_lonely/off/mean_by_dlon", design = dsn1, call = list(estimator = "mean", variables = "y",
    by = "dlon"), expected = lapply(seq_len(nrow(b0)), function(i) list(domain = as.character(b0$dlon[i]),
    estimate = num(b0$y[i]), se = num(b0$se[i]))))

# --- 4. integrated weighting: g constant within second-stage units ----------------------------------
N <- sum(weights(d2))
Nsex2 <- round(0.55 * N)
pop <- c(`(Intercept)` = N, `factor(sex)2` = Nsex2)
ca <- calibrate(d2, ~factor(sex), pop, aggregate.stage = 2)
stopifnot(all(abs(tapply(weights(ca) / weights(d2), ms$ssuid, sd)[!is.na(tapply(weights(ca) / weights(d2),
          ms$ssuid, sd))]) < 1e-9))
margins <- list(sex = list(`1` = N - Nsex2, `2` = Nsex2))
my <- svymean(~y, ca, na.rm = TRUE); tx <- svytotal(~x, ca, na.rm = TRUE)
by <- svyby(~y, ~region, ca, svymean, na.rm = TRUE)
add(id = "aggregate/taylor", design = dsn2, step = list(kind = "calibrate", margins = margins, aggregate = "ssuid"),
    weights = num(weights(ca)),
    expected = c(list(list(call = "mean y", estimate = num(coef(my)), se = num(SE(my))),
                      list(call = "total x", estimate = num(coef(tx)), se = num(SE(tx)))),
                 lapply(seq_len(nrow(by)), function(i) list(call = "mean y by region",
                        domain = as.character(by$region[i]), estimate = num(by$y[i]), se = num(by$se[i])))))
dj <- as.svrepdesign(svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = ms), type = "JKn")
N1 <- sum(weights(dj, "sampling")); Ns2 <- round(0.55 * N1)
cj <- calibrate(dj, ~factor(sex), c(`(Intercept)` = N1, `factor(sex)2` = Ns2), aggregate.index = ~ssuid,
                compress = FALSE)
my <- svymean(~y, cj, na.rm = TRUE); tx <- svytotal(~x, cj, na.rm = TRUE)
add(id = "aggregate/jkn", design = c(dsn1, list(replicate = list(method = "jkn"))),
    step = list(kind = "calibrate", margins = list(sex = list(`1` = N1 - Ns2, `2` = Ns2)), aggregate = "ssuid"),
    weights = num(weights(cj, "sampling")),
    expected = list(list(call = "mean y", estimate = num(coef(my)), se = num(SE(my))),
                    list(call = "total x", estimate = num(coef(tx)), se = num(SE(tx)))))

out <- list(meta = list(r_version = R.version.string, survey_version = as.character(packageVersion("survey")),
                        lonely_cells = as.data.frame.matrix(lonely_cells)),
            cases = cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = FALSE, null = "null", na = "null"),
           file.path(here, "fixtures", "options.json"))
cat("wrote", length(cases), "cases\n")
