#!/usr/bin/env Rscript
# R survey reference numbers for surveykit's weighting parity tests (tests/weighting/test_r_parity.py).
#
# Writes, next to this script:
#   data/*.csv                 the api data sets, a synthetic stratified cluster survey, and R's
#                              bootstrap replicate weights (R's random draws cannot be reproduced)
#   fixtures/weighting.json    one case per weighting step: the surveykit call, R's weights, and R's
#                              estimates and standard errors on the weighted design
#
# Run from anywhere:  Rscript tests/reference/weighting/make_weighting_reference.R
# Needs R with the survey (4.1-1 here) and jsonlite packages. See README.md.
#
# Every R number is computed from the CSV files as read back from disk, so R and surveykit see the
# same doubles. A case's margins are written once (in surveykit's form: level -> count, or a numeric
# total); the R formula and population vector are built from them.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

args_all <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args_all[grep("^--file=", args_all)])
here <- if (length(script)) dirname(normalizePath(script)) else getwd()
data_dir <- file.path(here, "data")
fix_dir <- file.path(here, "fixtures")
dir.create(data_dir, showWarnings = FALSE)
dir.create(fix_dir, showWarnings = FALSE)

invisible(Sys.setlocale("LC_COLLATE", "C"))   # factor levels sorted by code point, as Python sorts
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
options(survey.lonely.psu = "fail", survey.replicates.mse = FALSE, warn = 1)

# =================================================================================================
# 1. Data
# =================================================================================================
write_data <- function(df, name) write.csv(df, file.path(data_dir, name), row.names = FALSE)
read_data <- function(name) read.csv(file.path(data_dir, name), stringsAsFactors = FALSE)

data(api)
write_data(apiclus1, "apiclus1.csv")
write_data(apistrat, "apistrat.csv")

# A stratified cluster sample: 4 strata, 34 PSUs (fpc = PSUs in the stratum), 6-14 persons per PSU.
# Weights vary within PSUs (a nonresponse-type factor), so raking's iterated post-stratification
# variance (R's rake) and its calibration linearization differ visibly.
set.seed(20240611)
gen_synth <- function() {
  npsu <- c(8, 10, 7, 9)
  Npsu <- c(40, 60, 30, 45)
  H <- length(npsu)
  psu <- data.frame(stratum = rep(seq_len(H), npsu))
  psu$psu <- seq_len(nrow(psu))
  psu$m <- sample(6:14, nrow(psu), TRUE)
  psu$M <- psu$m * sample(8:20, nrow(psu), TRUE)
  psu$u <- rnorm(nrow(psu), 0, 4)
  psu$fpc <- Npsu[psu$stratum]
  el <- psu[rep(seq_len(nrow(psu)), psu$m), ]
  n <- nrow(el)
  el$w <- round((el$fpc / npsu[el$stratum]) * (el$M / el$m) * runif(n, 0.8, 1.25), 4)
  el$sex <- sample(1:2, n, TRUE, prob = c(0.45, 0.55))
  el$agegrp <- sample(1:4, n, TRUE, prob = c(0.25, 0.3, 0.25, 0.2))
  el$region <- ifelse(el$stratum <= 2, sample(c("north", "south", "east"), n, TRUE, c(.5, .3, .2)),
                      sample(c("north", "south", "east"), n, TRUE, c(.2, .3, .5)))
  el$x <- round(rgamma(n, 4, 2) + 0.3 * el$agegrp, 3)
  el$y <- round(20 + 3 * el$sex + 2 * el$agegrp + 4 * el$x + el$u + rnorm(n, 0, 5), 2)
  el$z <- ifelse(runif(n) < plogis(-1 + 0.3 * el$agegrp), "yes", "no")
  el$dom <- sample(c("d1", "d2", "d3"), n, TRUE)
  rownames(el) <- NULL
  el[, c("stratum", "psu", "fpc", "w", "sex", "agegrp", "region", "x", "y", "z", "dom")]
}
write_data(gen_synth(), "synth.csv")

# Data sets: the surveykit design (SurveyDesign keyword arguments), the same in R, the columns R
# must treat as factors (integer codes of categorical margins), and the estimates to compare.
est <- function(stat, variable, by = NULL) list(stat = stat, variable = variable, by = by)
datasets <- list(
  apiclus1 = list(
    file = "apiclus1.csv",
    design = list(weights = "pw", strata = NULL, psu = "dnum", fpc = "fpc"),
    r_design = function(df) svydesign(ids = ~dnum, fpc = ~fpc, weights = ~pw, data = df),
    factors = character(0),
    estimates = list(est("mean", "api00"), est("total", "enroll"), est("mean", "api00", "stype"),
                     est("mean", "api00", "comp.imp"), est("proportion", "awards"))),
  apistrat = list(
    file = "apistrat.csv",
    design = list(weights = "pw", strata = "stype", psu = NULL, fpc = "fpc"),
    r_design = function(df) svydesign(ids = ~1, strata = ~stype, fpc = ~fpc, weights = ~pw, data = df),
    factors = character(0),
    estimates = list(est("mean", "api00"), est("total", "enroll"), est("mean", "api00", "stype"),
                     est("proportion", "awards"))),
  synth = list(
    file = "synth.csv",
    design = list(weights = "w", strata = "stratum", psu = "psu", fpc = "fpc"),
    r_design = function(df) svydesign(ids = ~psu, strata = ~stratum, fpc = ~fpc, weights = ~w, data = df),
    factors = c("sex", "agegrp"),
    estimates = list(est("mean", "y"), est("total", "y"), est("mean", "y", "dom"), est("mean", "y", "sex"),
                     est("proportion", "z")))
)
for (nm in names(datasets)) {
  df <- read_data(datasets[[nm]]$file)
  for (f in datasets[[nm]]$factors) df[[f]] <- factor(df[[f]])
  datasets[[nm]]$df <- df
}

# Bootstrap replicate weights drawn by R, exported as full (analysis) weights and read back.
boot_info <- list()
for (nm in c("apiclus1", "synth")) {
  set.seed(20240612)
  ds <- datasets[[nm]]
  rb <- as.svrepdesign(ds$r_design(ds$df), type = "bootstrap", replicates = 50)
  rw <- weights(rb, type = "analysis")
  colnames(rw) <- sprintf("bw%02d", seq_len(ncol(rw)))
  fname <- paste0(nm, "_bootstrap.csv")
  write_data(as.data.frame(rw), fname)
  boot_info[[nm]] <- list(file = fname, columns = colnames(rw), scale = rb$scale, rscales = rb$rscales)
}

# =================================================================================================
# 2. Margins: surveykit's form -> R's formula and population
# =================================================================================================
cat_margin <- function(name, levels, counts) list(name = name, levels = levels, counts = counts)
num_margin <- function(name, total) list(name = name, total = total)
is_cat <- function(m) !is.null(m$levels)

pop_api <- list(
  stype = cat_margin("stype", c("E", "H", "M"), c(4421, 755, 1018)),
  sch.wide = cat_margin("sch.wide", c("No", "Yes"), c(1072, 5122)),
  comp.imp = cat_margin("comp.imp", c("No", "Yes"), c(1712, 4482)),
  api99 = num_margin("api99", 3914069),
  meals = num_margin("meals", 297533))
N_syn <- 28000
pop_syn <- list(
  sex = cat_margin("sex", c(1, 2), c(13440, 14560)),
  agegrp = cat_margin("agegrp", c(1, 2, 3, 4), c(6720, 8400, 7000, 5880)),
  region = cat_margin("region", c("east", "north", "south"), c(8400, 11760, 7840)),
  x = num_margin("x", 80000))
# post-strata sex x region (counts close to independence, rounded)
ps_syn <- expand.grid(sex = c(1, 2), region = c("east", "north", "south"), stringsAsFactors = FALSE)
ps_syn$Freq <- c(4030, 4370, 5640, 6120, 3770, 4070)

formula_of <- function(margins) {
  as.formula(paste("~", paste(vapply(margins, function(m) paste0("`", m$name, "`"), ""), collapse = " + ")))
}

population_of <- function(margins, mm, population_size = NULL) {
  lookup <- c()
  total <- population_size
  for (m in margins) {
    if (is_cat(m)) {
      lookup[paste0(m$name, m$levels)] <- m$counts
      if (is.null(total)) total <- sum(m$counts)
    } else {
      lookup[m$name] <- m$total
    }
  }
  if (!is.null(total)) lookup["(Intercept)"] <- total
  cols <- colnames(mm)
  if (!all(cols %in% names(lookup))) stop("no population total for ", paste(setdiff(cols, names(lookup)), collapse = ", "))
  lookup[cols]
}

# =================================================================================================
# 3. Designs, weighting steps, estimates
# =================================================================================================
r_base_design <- function(ds, replicate) {
  d <- ds$r_design(ds$df)
  if (is.null(replicate)) return(d)
  if (replicate == "jk1") return(as.svrepdesign(d, type = "JK1"))
  if (replicate == "jkn") return(as.svrepdesign(d, type = "JKn"))
  if (replicate == "bootstrap") {
    b <- boot_info[[ds$name]]
    rw <- as.matrix(read_data(b$file))
    return(svrepdesign(data = ds$df, repweights = rw, weights = ds$df[[ds$design$weights]],
                       type = "bootstrap", combined.weights = TRUE, scale = b$scale, rscales = b$rscales,
                       mse = FALSE))
  }
  stop("unknown replicate ", replicate)
}

apply_step <- function(d, step, margins, population_size = NULL) {
  if (step$kind == "poststratify") {
    pop <- step$r_population
    return(postStratify(d, as.formula(paste("~", paste(step$variables, collapse = "+"))), pop))
  }
  if (step$kind == "rake") {
    sm <- lapply(margins, function(m) as.formula(paste0("~`", m$name, "`")))
    pm <- lapply(margins, function(m) {
      p <- data.frame(as.character(m$levels), m$counts, stringsAsFactors = FALSE)
      names(p) <- c(m$name, "Freq")
      p
    })
    return(rake(d, sm, pm, control = list(maxit = 1000, epsilon = 1e-13, verbose = FALSE)))
  }
  # calibrate (also the raking-distance reference for rake)
  f <- formula_of(margins)
  if (!any(vapply(margins, is_cat, TRUE)) && is.null(population_size)) f <- update(f, ~ . - 1)
  mm <- model.matrix(f, model.frame(f, d$variables))
  pop <- population_of(margins, mm, population_size)
  bounds <- if (is.null(step$bounds)) c(-Inf, Inf) else unlist(step$bounds)
  if (inherits(d, "svyrep.design")) {
    # compress = FALSE: survey 4.1's calibrate.svyrep.design fails on uncompressed replicate weights
    # with its default compress = NA
    return(calibrate(d, f, pop, calfun = step$method, bounds = bounds, maxit = step$maxit,
                     epsilon = step$epsilon, compress = FALSE))
  }
  calibrate(d, f, pop, calfun = step$method, bounds = bounds, maxit = step$maxit, epsilon = step$epsilon)
}

estimate_rows <- function(d, e) {
  fv <- as.formula(paste0("~`", e$variable, "`"))
  fun <- if (e$stat == "total") svytotal else svymean
  if (is.null(e$by)) {
    r <- fun(fv, d)
    lv <- names(coef(r))
    if (e$stat == "proportion") lv <- substring(lv, nchar(e$variable) + 1)
    return(lapply(seq_along(lv), function(i) {
      row <- list(estimate = unname(coef(r)[i]), se = unname(SE(r)[i]))
      if (e$stat == "proportion") row$level <- lv[i]
      row
    }))
  }
  r <- svyby(fv, as.formula(paste0("~`", e$by, "`")), d, fun)
  lapply(seq_len(nrow(r)), function(i) list(by = as.character(r[[e$by]][i]), estimate = unname(coef(r)[i]),
                                            se = unname(SE(r)[i])))
}

sampling_weights <- function(d) {
  unname(as.vector(if (inherits(d, "svyrep.design")) weights(d, type = "sampling") else weights(d)))
}

strict <- function(expr) withCallingHandlers(expr, warning = function(w) {
  stop("R warned (the case must converge cleanly): ", conditionMessage(w))
})

# =================================================================================================
# 4. Cases
# =================================================================================================
cases <- list()
add_case <- function(id, dataset, replicate, step, margins, population_size = NULL, rake_reference = FALSE) {
  ds <- datasets[[dataset]]
  ds$name <- dataset
  d0 <- r_base_design(ds, replicate)
  d1 <- strict(apply_step(d0, step, margins, population_size))
  case <- list(
    id = id, data = ds$file, design = ds$design,
    replicate = if (is.null(replicate)) NULL else if (replicate == "bootstrap")
      c(list(method = "bootstrap"), boot_info[[dataset]]) else list(method = replicate),
    step = step[setdiff(names(step), "r_population")],
    margins = unname(margins), population_size = population_size,
    weights = sampling_weights(d1),
    estimates = lapply(ds$estimates, function(e) c(e, list(rows = estimate_rows(d1, e)))))
  if (!is.null(case$step$bounds)) case$step$bounds <- unlist(case$step$bounds)
  if (rake_reference) {
    # Taylor rake: our variance is calibrate(calfun="raking")'s; R's rake() reports the iterated
    # post-stratification approximation, kept here to document the difference
    cal <- strict(apply_step(d0, list(kind = "calibrate", method = "raking", bounds = NULL, maxit = 100,
                                      epsilon = 1e-12), margins))
    case$calibrate_raking <- list(
      weights = sampling_weights(cal),
      estimates = lapply(ds$estimates, function(e) c(e, list(rows = estimate_rows(cal, e)))))
  }
  cases[[length(cases) + 1]] <<- case
}

cal <- function(method, bounds = NULL, maxit = 50, epsilon = 1e-7)
  list(kind = "calibrate", method = method, bounds = bounds, maxit = maxit, epsilon = epsilon)
rk <- list(kind = "rake", maxit = 1000, epsilon = 1e-12)

# --- api: cluster sample (Taylor, JK1, bootstrap) -----------------------------------------------------
api_ps <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018), stringsAsFactors = FALSE)
m_api <- pop_api[c("stype", "api99")]
m_api3 <- pop_api[c("stype", "sch.wide", "api99")]
m_rake <- pop_api[c("stype", "sch.wide")]
for (rep in list(NULL, "jk1", "bootstrap")) {
  tag <- if (is.null(rep)) "taylor" else rep
  add_case(paste0("apiclus1_poststratify_", tag), "apiclus1", rep,
           list(kind = "poststratify", variables = list("stype"), r_population = api_ps), list(pop_api$stype))
  add_case(paste0("apiclus1_rake_", tag), "apiclus1", rep, rk, m_rake, rake_reference = is.null(rep))
  add_case(paste0("apiclus1_linear_", tag), "apiclus1", rep, cal("linear"), m_api)
  add_case(paste0("apiclus1_raking_", tag), "apiclus1", rep, cal("raking"), m_api)
  add_case(paste0("apiclus1_linear3_", tag), "apiclus1", rep, cal("linear"), m_api3)
}
add_case("apiclus1_popsize_taylor", "apiclus1", NULL, cal("linear"), list(pop_api$api99), population_size = 6194)
add_case("apiclus1_linear_bounded_taylor", "apiclus1", NULL, cal("linear", c(0.7, 1.7)), m_api)
add_case("apiclus1_raking_bounded_taylor", "apiclus1", NULL, cal("raking", c(0.7, 1.7)), m_api)
add_case("apiclus1_logit_taylor", "apiclus1", NULL, cal("logit", c(0.7, 1.7)), m_api)
add_case("apiclus1_raking_tight_taylor", "apiclus1", NULL, cal("raking", NULL, 100, 1e-12), m_api)
# tight epsilon: at R's 1e-7 a replicate stops within 3% of the threshold, where one rounding more
# or less decides an extra Newton step (an SE difference of 8.5e-7)
add_case("apiclus1_linear_bounded_jk1", "apiclus1", "jk1", cal("linear", c(0.3, 3), 100, 1e-10), m_api)
add_case("apiclus1_raking_bounded_jk1", "apiclus1", "jk1", cal("raking", c(0.3, 3), 100, 1e-10), m_api)
add_case("apiclus1_logit_jk1", "apiclus1", "jk1", cal("logit", c(0.3, 3), 100, 1e-10), m_api)

# --- api: stratified element sample (Taylor) ---------------------------------------------------------
m_strat <- pop_api[c("sch.wide", "comp.imp", "meals")]
add_case("apistrat_poststratify_taylor", "apistrat", NULL,
         list(kind = "poststratify", variables = list("sch.wide"),
              r_population = data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))),
         list(pop_api$sch.wide))
add_case("apistrat_rake_taylor", "apistrat", NULL, rk, pop_api[c("sch.wide", "comp.imp")], rake_reference = TRUE)
add_case("apistrat_linear_taylor", "apistrat", NULL, cal("linear"), m_strat)
add_case("apistrat_raking_taylor", "apistrat", NULL, cal("raking"), m_strat)
add_case("apistrat_logit_taylor", "apistrat", NULL, cal("logit", c(0.5, 2)), m_strat)
add_case("apistrat_linear_bounded_taylor", "apistrat", NULL, cal("linear", c(0.6, 1.6)), m_strat)

# --- synthetic stratified cluster survey (Taylor, JKn, bootstrap) --------------------------------------
m_syn <- pop_syn[c("sex", "agegrp", "region", "x")]
m_syn_cat <- pop_syn[c("sex", "agegrp", "region")]
ps_r <- ps_syn
ps_r$sex <- as.character(ps_r$sex)
ps_margin <- list(name = "sex x region", cells = lapply(seq_len(nrow(ps_syn)), function(i)
  list(sex = ps_syn$sex[i], region = ps_syn$region[i], count = ps_syn$Freq[i])))
bounds_of <- list(taylor = c(0.8, 1.3), jkn = c(0.7, 1.5), bootstrap = c(0.5, 2))
for (rep in list(NULL, "jkn", "bootstrap")) {
  tag <- if (is.null(rep)) "taylor" else rep
  b <- bounds_of[[tag]]
  add_case(paste0("synth_poststratify_", tag), "synth", rep,
           list(kind = "poststratify", variables = list("sex", "region"), r_population = ps_r), list(ps_margin))
  add_case(paste0("synth_rake_", tag), "synth", rep, rk, m_syn_cat, rake_reference = is.null(rep))
  add_case(paste0("synth_linear_", tag), "synth", rep, cal("linear"), m_syn)
  add_case(paste0("synth_raking_", tag), "synth", rep, cal("raking"), m_syn)
  add_case(paste0("synth_logit_", tag), "synth", rep, cal("logit", b), m_syn)
  add_case(paste0("synth_linear_bounded_", tag), "synth", rep, cal("linear", b), m_syn)
  add_case(paste0("synth_raking_bounded_", tag), "synth", rep, cal("raking", b), m_syn)
}

out <- list(
  meta = list(generator = "tests/reference/weighting/make_weighting_reference.R",
              r_version = R.version.string, survey_version = as.character(packageVersion("survey")),
              note = paste("weights: R's weights after the step; estimates: R's svymean/svytotal/svyby on the",
                           "weighted design. rake cases on Taylor designs also hold calibrate(calfun='raking')",
                           "(the variance surveykit's rake uses).")),
  cases = cases)
write_json(out, file.path(fix_dir, "weighting.json"), auto_unbox = TRUE, digits = NA, null = "null",
           pretty = FALSE)
cat("wrote", length(cases), "cases to", file.path(fix_dir, "weighting.json"), "\n")
