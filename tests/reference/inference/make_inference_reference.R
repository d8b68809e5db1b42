#!/usr/bin/env Rscript
# R survey reference numbers for surveykit's inference (issue 12): crosstabs, tests of independence
# (svychisq, every statistic), goodness of fit (svygofchisq), t-tests (svyttest), design-based
# regression (svyglm gaussian / quasibinomial / quasipoisson with regTermTest and predict),
# proportional odds (svyolr) and svyvar.
#
# Writes, next to this script:
#   data/safety.csv             a synthetic victimization / perception-of-safety survey (stratified
#                               two-stage cluster sample, fpc at both stages)
#   data/safety_bootstrap.csv   R's 50 bootstrap replicate weights for it (analysis weights)
#   fixtures/crosstab.json, chisq.json, ttest.json, glm.json, olr.json, svyvar.json
#
# Run from anywhere:  Rscript tests/reference/inference/make_inference_reference.R
# Needs R >= 4.2 with survey (4.1-1 here), MASS, jsonlite and CompQuadForm (svychisq's "lincom"
# p-values; without it R silently falls back to the saddlepoint, so the script stops). See README.md.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
  library(MASS)
})
if (!requireNamespace("CompQuadForm", quietly = TRUE))
  stop("CompQuadForm is needed for svychisq(statistic='lincom'): install.packages('CompQuadForm')")

args_all <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args_all[grep("^--file=", args_all)])
here <- if (length(script)) dirname(normalizePath(script)) else getwd()
ref_dir <- dirname(here)                              # tests/reference
data_dir <- file.path(here, "data")
fix_dir <- file.path(here, "fixtures")
dir.create(data_dir, showWarnings = FALSE)
dir.create(fix_dir, showWarnings = FALSE)

invisible(Sys.setlocale("LC_COLLATE", "C"))   # factor levels sorted by code point, as Python sorts strings
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.replicates.mse = FALSE, survey.drop.replicates = TRUE, warn = 1)

source(file.path(ref_dir, "r_designs.R"))   # designs and weighting steps: surveykit terms -> R

# Tight iteration tolerances, so that R's numbers are the converged ones (R's defaults stop earlier:
# glm epsilon 1e-8, optim reltol 1e-8); see README.md for the size of the difference.
GLM_CONTROL <- glm.control(epsilon = 1e-13, maxit = 100)
OLR_CONTROL <- list(reltol = 1e-15, maxit = 10000)

# R warnings that do not touch the numbers: chisq.test's small expected counts (raised inside
# svychisq under options(warn=-1)); summary.glm on a subpopulation (rows of weight 0 stay in the
# design). Any other warning stops the script.
BENIGN <- c("Chi-squared approximation may be incorrect",
            "observations with zero weight not used for calculating dispersion")
clean <- function(expr) strict(withCallingHandlers(expr, warning = function(w)
  if (any(vapply(BENIGN, grepl, TRUE, x = conditionMessage(w), fixed = TRUE))) invokeRestart("muffleWarning")))

# =================================================================================================
# 1. Data: a victimization / perception-of-safety survey
# =================================================================================================
set.seed(20241201)
gen_safety <- function() {
  n1 <- c(D1 = 6, D2 = 5, D3 = 7, D4 = 6)
  N1 <- c(D1 = 40, D2 = 30, D3 = 52, D4 = 36)
  psu <- data.frame(dept = rep(names(n1), n1), stringsAsFactors = FALSE)
  psu$psu <- seq_len(nrow(psu))
  psu$N1 <- unname(N1[psu$dept])
  psu$area <- sample(c("urban", "rural"), nrow(psu), TRUE, prob = c(0.6, 0.4))
  psu$N2 <- sample(60:180, nrow(psu), TRUE)
  psu$n2 <- sample(9:15, nrow(psu), TRUE)
  psu$u <- rnorm(nrow(psu), 0, 0.5)
  el <- psu[rep(seq_len(nrow(psu)), psu$n2), ]
  el$hh <- ave(el$psu, el$psu, FUN = seq_along)
  n <- nrow(el)
  # weights: the selection weights times a nonresponse factor (they vary within PSUs)
  el$w <- round(el$N1 / n1[el$dept] * el$N2 / el$n2 * runif(n, 0.85, 1.2), 4)
  el$sex <- sample(c("man", "woman"), n, TRUE)
  el$age <- sample(18:85, n, TRUE)
  el$agegrp <- as.character(cut(el$age, c(17, 29, 44, 59, 120), labels = c("18-29", "30-44", "45-59", "60+")))
  urban <- el$area == "urban"
  woman <- el$sex == "woman"
  el$victim <- rbinom(n, 1, plogis(-1.1 + 0.5 * urban + 0.2 * woman - 0.015 * (el$age - 45) + el$u))
  el$incidents <- ifelse(el$victim == 1, 1 + rpois(n, exp(-0.6 + 0.3 * urban)), 0)
  el$reported <- ifelse(el$victim == 1, as.integer(runif(n) < plogis(-0.3 + 0.4 * woman - 0.3 * urban)), NA)
  lat <- 0.7 * woman + 0.5 * urban + 0.8 * el$victim + 0.01 * (el$age - 45) + el$u + rlogis(n)
  el$safety <- as.character(cut(lat, c(-Inf, -0.5, 0.8, 2.0, Inf),
                                labels = c("1 very safe", "2 safe", "3 unsafe", "4 very unsafe")))
  el$trust <- round(pmin(10, pmax(0, 5.5 - 0.8 * el$victim + 0.3 * woman - 0.4 * urban + 0.02 * (el$age - 45) +
                                     2 * el$u + rnorm(n, 0, 1.8))), 1)
  el$trust[runif(n) < 0.04] <- NA
  rownames(el) <- NULL
  el[, c("dept", "psu", "hh", "N1", "N2", "w", "area", "sex", "age", "agegrp", "victim", "incidents",
         "reported", "safety", "trust")]
}
safety <- gen_safety()
write.csv(safety, file.path(data_dir, "safety.csv"), row.names = FALSE)

# R's bootstrap replicate weights (first-stage resampling of PSUs within departments), exported
set.seed(20241202)
boot <- local({
  df <- read.csv(file.path(data_dir, "safety.csv"), stringsAsFactors = FALSE)
  b <- as.svrepdesign(svydesign(ids = ~psu, strata = ~dept, fpc = ~N1, weights = ~w, data = df),
                      type = "bootstrap", replicates = 50)
  rw <- weights(b, type = "analysis")
  colnames(rw) <- sprintf("bw%02d", seq_len(ncol(rw)))
  write.csv(as.data.frame(rw), file.path(data_dir, "safety_bootstrap.csv"), row.names = FALSE)
  list(columns = colnames(rw), scale = b$scale, rscales = b$rscales)
})

# =================================================================================================
# 2. Designs
# =================================================================================================
SAF <- "inference/data/safety.csv"
safety_taylor <- taylor("safety_taylor", SAF, weights = "w", strata = "dept", psu = c("psu", "hh"),
                        fpc = c("N1", "N2"))
safety_jk1 <- to_rep("safety_jk1", taylor("safety_clusters", SAF, weights = "w", psu = "psu"), "jk1")
safety_boot <- given_rep("safety_bootstrap", SAF, "w", boot$columns, "bootstrap", scale = boot$scale,
                         rscales = boot$rscales, replicate_data = "inference/data/safety_bootstrap.csv")
multistage <- taylor("multistage", "data/multistage.csv", weights = "w", strata = "stratum",
                     psu = c("psu", "ssu", "hh"), fpc = c("N1", "N2", "N3"))
clus1_jk1 <- to_rep("apiclus1_jk1", taylor("apiclus1", "data/apiclus1.csv", weights = "pw", psu = "dnum", fpc = "fpc"),
                    "jk1")
paired_fay <- given_rep("paired_fay", "data/paired.csv", "w", paste0("fay_", 1:12), "fay", rho = 0.5)

# population margins of the safety survey (20,000 adults; the sample estimates 19,352)
m_sex <- cat_margin("sex", c("man", "woman"), c(9700, 10300))
m_area <- cat_margin("area", c("rural", "urban"), c(12400, 7600))
m_age <- cat_margin("agegrp", c("18-29", "30-44", "45-59", "60+"), c(3600, 3500, 5000, 7900))
m_agetot <- num_margin("age", 1060000)
ps_cells <- local({
  g <- expand.grid(sex = c("man", "woman"), area = c("rural", "urban"), stringsAsFactors = FALSE)
  g$count <- c(6000, 6400, 3700, 3900)
  list(name = "sex x area", variables = list("sex", "area"),
       cells = lapply(seq_len(nrow(g)), function(i) list(sex = g$sex[i], area = g$area[i], count = g$count[i])))
})
safety_ps <- with_steps("safety_poststratify", safety_taylor, poststratify(ps_cells))
safety_rake <- with_steps("safety_rake", safety_taylor, rake_step(list(m_sex, m_age, m_area)))
safety_linear <- with_steps("safety_linear", safety_taylor,
                            calibrate_step(list(m_sex, m_age, m_area, m_agetot), "linear"))
safety_logit <- with_steps("safety_logit", safety_taylor,
                           calibrate_step(list(m_sex, m_age, m_area, m_agetot), "logit", bounds = c(0.5, 2)))
safety_boot_rake <- with_steps("safety_bootstrap_rake", safety_boot, rake_step(list(m_sex, m_age, m_area)))

# =================================================================================================
# 3. Case machinery
# =================================================================================================
fixtures <- list()
current <- NULL
start_fixture <- function(name, description) {
  current <<- name
  fixtures[[name]] <<- list(meta = list(description = description), designs = list(), cases = list())
}
register <- function(spec) {
  if (!is.null(fixtures[[current]]$designs[[spec$name]])) return(invisible())
  fixtures[[current]]$designs[[spec$name]] <<- design_entry(spec)
}
add <- function(case) {
  ids <- vapply(fixtures[[current]]$cases, function(c) c$id, "")
  if (case$id %in% ids) stop("duplicate id ", case$id)
  if (nzchar(Sys.getenv("INF_TRACE"))) message(case$id)
  fixtures[[current]]$cases[[length(ids) + 1]] <<- case
}
new_case <- function(id, kind, spec, subset, call, r_code) {
  register(spec)
  case <- list(id = id, kind = kind, design = spec$name)
  if (!is.null(subset)) case$subset <- subset
  case$call <- call
  case$r_code <- r_code
  case
}
num <- function(x) { x <- as.numeric(x); x[is.nan(x)] <- NA; x }
full_degf <- function(spec) degf(build(spec)$design)
# a column of the design as a factor with the given level order (first level = reference)
set_levels <- function(d, levels) {
  for (v in names(levels)) {
    x <- as.character(d$variables[[v]])
    lv <- unlist(levels[[v]])
    stopifnot(all(na.omit(unique(x)) %in% lv))
    d$variables[[v]] <- factor(x, levels = lv)
  }
  d
}
as_factor_cols <- function(d, cols) {
  for (v in cols) d$variables[[v]] <- factor(as.character(d$variables[[v]]))
  d
}

# =================================================================================================
# 4. Crosstabs: cell totals and proportions (cell, row, col), by domain
# =================================================================================================
# d.crosstab(row, col, statistic=, margin=, by=): each variable as categories (sorted as text);
# rows where row or col is missing are left out (na.rm=TRUE). CIs: Wald t with the whole design's df.
crosstab_case <- function(id, spec, row, col, statistic = "proportion", margin = "cell", by = NULL,
                          subset = NULL) {
  d <- as_factor_cols(design_of(spec, subset), c(row, col, by))
  df <- full_degf(spec)
  a <- d$variables[[row]]; b <- d$variables[[col]]
  la <- levels(a); lb <- levels(b)
  keep <- !is.na(a) & !is.na(b)
  # the cell as one factor, row fastest (as R's interaction())
  cell <- factor(ifelse(keep, paste(a, b, sep = "\r"), NA),
                 levels = as.vector(outer(la, lb, paste, sep = "\r")))
  d$variables$.cell <- cell
  rows <- list()
  push <- function(est, se, ci, deff, rv, cv, dom, n) {
    r <- list(row = rv, col = cv)
    if (!is.null(dom)) r$domain <- dom
    rows[[length(rows) + 1]] <<- c(r, list(estimate = num(est), se = num(se), ci_low = num(ci[1]),
                                           ci_high = num(ci[2]), deff = num(deff), n = n))
  }
  inset <- weights(d, "sampling") > 0
  count <- function(rv, cv, dom = NULL) {
    s <- inset & keep & as.character(a) == rv & as.character(b) == cv
    if (!is.null(dom)) for (v in names(dom)) s <- s & as.character(d$variables[[v]]) == dom[[v]]
    sum(s, na.rm = TRUE)
  }
  if (is.null(by) && margin == "cell") {
    FUN <- if (statistic == "total") svytotal else svymean
    x <- FUN(~.cell, d, na.rm = TRUE, deff = TRUE)
    ci <- confint(x, df = df)
    k <- 0
    for (j in seq_along(lb)) for (i in seq_along(la)) {
      k <- k + 1
      push(coef(x)[k], SE(x)[k], ci[k, ], deff(x)[k], la[i], lb[j], NULL, count(la[i], lb[j]))
    }
    code <- sprintf("%s(~interaction(%s, %s), design, na.rm=TRUE, deff=TRUE); confint(., df=degf(design))",
                    if (statistic == "total") "svytotal" else "svymean", row, col)
  } else if (is.null(by)) {
    # row margin: distribution of col within each row category (svyby(~col, ~row)); col margin: the reverse
    stopifnot(statistic == "proportion")
    outer_v <- if (margin == "row") row else col
    inner_v <- if (margin == "row") col else row
    d2 <- d
    d2$variables[[inner_v]][!keep] <- NA
    x <- svyby(fml(inner_v), fml(outer_v), d2, svymean, na.rm = TRUE, deff = TRUE)
    ci <- confint(x, df = df)
    nd <- nrow(x)
    lin <- levels(d2$variables[[inner_v]])
    se <- as.vector(as.matrix(SE(x)))
    dff <- as.vector(as.matrix(deff(x)))
    for (j in seq_along(lin)) for (i in seq_len(nd)) {
      k <- (j - 1) * nd + i
      ov <- as.character(x[[outer_v]][i])
      rv <- if (margin == "row") ov else lin[j]
      cv <- if (margin == "row") lin[j] else ov
      push(coef(x)[k], se[k], ci[k, ], dff[k], rv, cv, NULL, count(rv, cv))
    }
    code <- sprintf("svyby(~%s, ~%s, design, svymean, na.rm=TRUE, deff=TRUE); confint(., df=degf(design))",
                    inner_v, outer_v)
  } else {
    stopifnot(margin == "cell")
    FUN <- if (statistic == "total") svytotal else svymean
    x <- svyby(~.cell, fml(by), d, FUN, na.rm = TRUE, deff = TRUE)
    ci <- confint(x, df = df)
    nd <- nrow(x)
    se <- as.vector(as.matrix(SE(x)))
    dff <- as.vector(as.matrix(deff(x)))
    k <- 0
    for (j in seq_along(lb)) for (i in seq_along(la)) for (g in seq_len(nd)) {
      k <- k + 1
      dom <- setNames(lapply(by, function(v) as.character(x[[v]][g])), by)
      push(coef(x)[k], se[k], ci[k, ], dff[k], la[i], lb[j], dom, count(la[i], lb[j], dom))
    }
    code <- sprintf("svyby(~interaction(%s, %s), ~%s, design, %s, na.rm=TRUE, deff=TRUE); confint(., df=degf(design))",
                    row, col, paste(by, collapse = "+"), if (statistic == "total") "svytotal" else "svymean")
  }
  case <- new_case(id, "crosstab", spec, subset,
                   list("function" = "crosstab", row = row, col = col, statistic = statistic, margin = margin,
                        by = if (is.null(by)) NULL else I(by)), code)
  case$expected <- rows
  add(case)
}

# =================================================================================================
# 5. Tests of independence and goodness of fit
# =================================================================================================
# Rao-Scott design effect matrix of the interaction contrasts, written out here (for diagnostics):
# P = cell proportions (columns of the cell indicators, row fastest), V their covariance,
# C = the interaction columns of the saturated model made orthogonal to the main effects,
# Delta = (C' D^-1 C / N)^-1 (C' D^-1 V D^-1 C).
rao_scott_delta <- function(d, row, col, N) {
  a <- factor(d$variables[[row]]); b <- factor(d$variables[[col]])
  nr <- nlevels(a); nc <- nlevels(b)
  cells <- factor(ifelse(is.na(a) | is.na(b), NA, paste(as.integer(a), as.integer(b))),
                  levels = as.vector(outer(seq_len(nr), seq_len(nc), paste)))
  d$variables$.cells <- cells
  p <- svymean(~.cells, d, na.rm = TRUE)
  V <- vcov(p)
  g <- expand.grid(r = factor(seq_len(nr)), c = factor(seq_len(nc)))
  X1 <- model.matrix(~r + c, g)
  X12 <- model.matrix(~r * c, g)
  C <- qr.resid(qr(X1), X12[, -(seq_len(nr + nc - 1)), drop = FALSE])
  Di <- diag(ifelse(coef(p) == 0, 0, 1 / coef(p)))
  solve(t(C) %*% (Di / N) %*% C, t(C) %*% Di %*% V %*% Di %*% C)
}

chisq_case <- function(id, spec, row, col, statistics = c("F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint"),
                       subset = NULL) {
  d <- design_of(spec, subset)
  f <- as.formula(sprintf("~%s+%s", row, col))
  N <- nrow(d$variables)
  nu <- if (is_rep(d)) degf(d) else length(unique(d$cluster[, 1])) - length(unique(d$strata[, 1]))
  pearson <- suppressWarnings(chisq.test(svytable(f, d, Ntotal = N), correct = FALSE))$statistic
  delta <- rao_scott_delta(d, row, col, N)
  ev <- sort(eigen(delta, only.values = TRUE)$values, decreasing = TRUE)
  for (s in statistics) {
    x <- clean(svychisq(f, d, statistic = s))
    par <- x$parameter
    exp <- list(statistic = s, value = num(x$statistic),
                ndf = if (s == "Chisq") num(par[["df"]]) else if (!is.null(par)) num(par[["ndf"]]) else NULL,
                ddf = if (!is.null(par) && "ddf" %in% names(par)) num(par[["ddf"]]) else NULL,
                p_value = num(x$p.value), method = x$method)
    if (s == "F") near(x$statistic * sum(diag(delta)), pearson, 1e-9, paste(id, "trace(Delta)"))
    if (s %in% c("lincom", "saddlepoint", "Chisq")) near(x$statistic, pearson, 1e-12, paste(id, "Pearson"))
    case <- new_case(paste0(id, "/", s), "chisq", spec, subset,
                     list("function" = "chisq", row = row, col = col, statistic = s),
                     sprintf("svychisq(~%s+%s, design, statistic=\"%s\")", row, col, s))
    case$expected <- exp
    case$diagnostics <- list(pearson = num(pearson), N = N, nu = nu, trace_delta = sum(diag(delta)),
                             d0 = sum(diag(delta))^2 / sum(diag(delta %*% delta)), delta_eigenvalues = I(ev))
    add(case)
  }
}

gof_case <- function(id, spec, variable, p, subset = NULL) {
  d <- as_factor_cols(design_of(spec, subset), variable)
  x <- clean(svygofchisq(fml(variable), p, d, na.rm = TRUE))
  case <- new_case(id, "gofchisq", spec, subset,
                   list("function" = "gofchisq", variable = variable, levels = I(levels(d$variables[[variable]])),
                        p = I(p)),
                   sprintf("svygofchisq(~%s, p=c(%s), design, na.rm=TRUE)", variable, paste(p, collapse = ", ")))
  case$expected <- list(value = num(x$statistic), scale = num(x$parameter[["scale"]]), df = num(x$parameter[["df"]]),
                        p_value = num(x$p.value), lambda = I(num(x$lambda)))
  add(case)
}

# =================================================================================================
# 6. t-tests
# =================================================================================================
ttest_case <- function(id, spec, variable, group = NULL, mu = 0, levels = NULL, subset = NULL) {
  d <- design_of(spec, subset)
  if (is.null(group)) {
    d$variables$.y <- d$variables[[variable]] - mu
    x <- clean(svyttest(.y ~ 0, d, na.rm = TRUE))
    code <- sprintf("svyttest(I(%s - %s) ~ 0, design, na.rm=TRUE)", variable, mu)
    exp <- list(estimate = num(x$estimate) + mu, difference = num(x$estimate))
  } else {
    d <- set_levels(d, setNames(list(levels), group))
    x <- clean(eval(bquote(svyttest(.(as.name(variable)) ~ .(as.name(group)), d))))
    code <- sprintf("svyttest(%s ~ %s, design) with %s's levels c(%s) (estimate: second minus first)",
                    variable, group, group, paste0('"', levels, '"', collapse = ", "))
    exp <- list(estimate = num(x$estimate))
  }
  ci <- as.vector(x$conf.int)
  exp <- c(exp, list(se = num(x$estimate / x$statistic), t = num(x$statistic), df = num(x$parameter),
                     p_value = num(x$p.value), ci_low = ci[1] + if (is.null(group)) mu else 0,
                     ci_high = ci[2] + if (is.null(group)) mu else 0))
  case <- new_case(id, "ttest", spec, subset,
                   list("function" = "ttest", variable = variable, group = group, mu = mu,
                        levels = if (is.null(levels)) NULL else I(levels)), code)
  case$expected <- exp
  case$expected$full_design_degf <- full_degf(spec)
  add(case)
}

# =================================================================================================
# 7. Regression: svyglm, regTermTest, predict
# =================================================================================================
families <- list(gaussian = gaussian(), binomial = quasibinomial(), poisson = quasipoisson())
r_family <- c(gaussian = "gaussian()", binomial = "quasibinomial()", poisson = "quasipoisson()")

# a coefficient name -> its parts: list of {variable, level} (level absent for numeric variables)
coef_parts <- function(name, factors, numerics) {
  if (name == "(Intercept)") return(list())
  lapply(strsplit(name, ":", fixed = TRUE)[[1]], function(p) {
    for (v in names(factors)) if (startsWith(p, v) && substring(p, nchar(v) + 1) %in% factors[[v]])
      return(list(variable = v, level = substring(p, nchar(v) + 1)))
    if (p %in% numerics) return(list(variable = p))
    stop("cannot parse coefficient part ", p)
  })
}

glm_case <- function(id, spec, formula_r, formula_py, family, levels = list(), tests = list(), newdata = NULL,
                     subset = NULL) {
  d <- set_levels(design_of(spec, subset), levels)
  fo <- as.formula(formula_r)
  vars <- all.vars(fo)
  # do.call: the replicate-design svyglm evaluates its call again in the data, where the local
  # names would not be found
  m <- clean(do.call(svyglm, list(fo, d, family = families[[family]], control = GLM_CONTROL)))
  if (!m$converged) stop(id, ": glm did not converge")
  s <- summary(m)
  cf <- coef(m)
  V <- vcov(m)
  ci <- confint(m)
  factors <- m$xlevels
  numerics <- setdiff(vars, names(factors))
  coefs <- lapply(seq_along(cf), function(i) list(
    r_name = names(cf)[i], parts = coef_parts(names(cf)[i], factors, numerics),
    estimate = unname(cf[i]), se = unname(sqrt(V[i, i])), t = unname(s$coefficients[i, 3]),
    p_value = unname(s$coefficients[i, 4]), ci_low = unname(ci[i, 1]), ci_high = unname(ci[i, 2])))
  if (family != "gaussian") {
    # the quasi family changes neither the estimates nor the design-based covariance
    mb <- suppressWarnings(do.call(svyglm, list(fo, d, family = list(binomial = binomial(), poisson = poisson())[[family]],
                                                control = GLM_CONTROL)))
    near(coef(mb), cf, 1e-10, paste(id, "binomial/poisson vs quasi"))
    near(vcov(mb), V, 1e-9, paste(id, "binomial/poisson vs quasi vcov"))
  }
  # R with its default tolerance (glm.control epsilon 1e-8), for the record
  m0 <- suppressWarnings(do.call(svyglm, list(fo, d, family = families[[family]])))
  case <- new_case(id, "glm", spec, subset,
                   list("function" = "glm", formula = formula_py, formula_r = formula_r, family = family,
                        levels = levels),
                   sprintf("svyglm(%s, design, family=%s, control=glm.control(epsilon=1e-13, maxit=100)); %s",
                           formula_r, r_family[[family]],
                           "summary(.) (t, p with df.residual), confint(.) (t with df.residual)"))
  case$expected <- list(coefficients = coefs, vcov = unname(V), df_resid = m$df.residual,
                        # Taylor: svyvar of the Pearson residuals; replicate designs: R's summary.svrepglm
                        # weights residuals that already carry the weights (not comparable), so not recorded
                        dispersion = if (is_rep(d)) NULL else num(s$dispersion[1]),
                        dispersion_se = if (is_rep(d)) NULL else num(sqrt(attr(s$dispersion, "var"))),
                        n = length(m$y), full_design_degf = full_degf(spec))
  case$r_default_tolerance <- list(estimate = unname(coef(m0)), se = unname(sqrt(diag(vcov(m0)))),
                                   max_rel_diff = max(abs(coef(m0) - cf) / pmax(abs(cf), 1e-12)))
  wt <- list()
  for (term in tests) {
    r <- regTermTest(m, as.formula(paste("~", term$r)))
    wt[[length(wt) + 1]] <- list(term = term$py, r_term = term$r, F = num(r$Ftest), ndf = r$df, ddf = r$ddf,
                                 p_value = num(r$p))
  }
  case$wald_tests <- wt
  if (!is.null(newdata)) {
    nd <- as.data.frame(lapply(newdata, function(col) unlist(col)), stringsAsFactors = FALSE)
    for (v in names(levels)) if (v %in% names(nd)) nd[[v]] <- factor(nd[[v]], levels = unlist(levels[[v]]))
    p <- predict(m, newdata = nd, type = "response", se.fit = TRUE)
    pl <- predict(m, newdata = nd, type = "link", se.fit = TRUE)
    case$predict <- list(newdata = newdata, response = list(fit = I(unname(as.numeric(coef(p)))), se = I(unname(as.numeric(SE(p))))),
                         link = list(fit = I(unname(as.numeric(coef(pl)))), se = I(unname(as.numeric(SE(pl))))))
  }
  add(case)
}

# =================================================================================================
# 8. Proportional odds: svyolr
# =================================================================================================
# The proportional-odds fit to the last digit: optim's BFGS stops on a relative change of the
# objective (parameters good to ~1e-5 at R's defaults, ~1e-8 at best), so every fit here is
# finished by Newton steps on the weighted score equations (the analytic score of the logistic
# cumulative model, written out below; the Jacobian by central differences of it) until the step
# is below 1e-12 relative. Parameters: beta (no intercept), then the cut points zeta_1 < ... < zeta_{K-1};
# logit P(Y <= k) = zeta_k - x'beta.
olr_score <- function(par, X, y, w, K) {
  p <- ncol(X)
  eta <- drop(X %*% par[seq_len(p)])
  z <- c(-Inf, par[p + seq_len(K - 1)], Inf)
  up <- z[y + 1] - eta
  lo <- z[y] - eta
  pr <- plogis(up) - plogis(lo)
  fu <- dlogis(up)
  fl <- dlogis(lo)
  gb <- -colSums(X * (w * (fu - fl) / pr))
  gz <- vapply(seq_len(K - 1), function(k) sum(w * ((y == k) * fu - (y == k + 1) * fl) / pr), 0)
  c(gb, gz)
}
olr_newton <- function(par, X, y, w, K) {
  for (it in 1:50) {
    g <- olr_score(par, X, y, w, K)
    J <- vapply(seq_along(par), function(j) {
      h <- 1e-5 * max(1, abs(par[j]))
      e <- replace(numeric(length(par)), j, h)
      (olr_score(par + e, X, y, w, K) - olr_score(par - e, X, y, w, K)) / (2 * h)
    }, numeric(length(par)))
    step <- solve(J, g)
    par <- par - step
    if (max(abs(step) / pmax(abs(par), 1e-3)) < 1e-12) return(par)
  }
  stop("Newton steps for the proportional-odds fit did not converge")
}
theta_of <- function(zeta) c(zeta[1], log(diff(zeta)))   # svyolr's start: first cut point, log gaps
olr_data <- function(fo, d) {
  mf <- model.frame(fo, d$variables, na.action = na.pass)
  ok <- complete.cases(mf)
  mf <- mf[ok, , drop = FALSE]
  X <- model.matrix(fo, mf)[, -1, drop = FALSE]
  y <- as.integer(model.response(mf))
  list(X = X, y = y, K = nlevels(model.response(mf)), ok = ok)
}

olr_case <- function(id, spec, formula_r, formula_py, outcome_levels, levels = list(), subset = NULL) {
  d <- set_levels(design_of(spec, subset), c(setNames(list(outcome_levels), all.vars(as.formula(formula_r))[1]), levels))
  fo <- as.formula(formula_r)
  od <- olr_data(fo, d)
  np <- ncol(od$X) + od$K - 1
  m0 <- suppressWarnings(svyolr(fo, d))          # R's defaults, for the record
  if (!is_rep(d)) {
    w <- weights(d, "sampling")[od$ok]
    m1 <- clean(svyolr(fo, d, control = OLR_CONTROL))
    est <- olr_newton(c(m1$coefficients, m1$zeta), od$X, od$y, w, od$K)
    # R's variance at the converged point: svyolr started there with no iteration; its Hessian
    # (optim's central differences of the gradient) with steps of 1e-6 instead of 1e-3 (1e-5 and 1e-7 agree with it to 3e-8)
    pb <- seq_len(ncol(od$X))
    m <- clean(svyolr(fo, d, start = c(est[pb], theta_of(est[-pb])),
                      control = list(maxit = 0, ndeps = rep(1e-6, np))))
    near(c(m$coefficients, m$zeta), est, 1e-13, paste(id, "svyolr at the converged point"))
    V <- vcov(m)
    code <- sprintf(paste("svyolr(%s, design) converged by Newton steps on the score, then",
                          "svyolr(..., start=<converged>, control=list(maxit=0, ndeps=rep(1e-6, %d))) for vcov"),
                    formula_r, np)
  } else {
    # every replicate refitted to convergence (R's svyolr.svyrep.design fits replicates with
    # MASS::polr at optim's defaults, and evaluates weights=w inside the data: see README.md)
    df <- model.frame(d)
    df$.olr_weight <- weights(d, "sampling")
    environment(fo) <- environment()
    p0 <- suppressWarnings(polr(fo, data = df, weights = .olr_weight, control = OLR_CONTROL))
    est <- olr_newton(c(p0$coefficients, p0$zeta), od$X, od$y, weights(d, "sampling")[od$ok], od$K)
    rw <- weights(d, "analysis")[od$ok, , drop = FALSE]
    betas <- apply(rw, 2, function(wr) olr_newton(est, od$X, od$y, wr, od$K))
    stopifnot(all(apply(betas, 1, sd) > 0))
    V <- svrVar(t(betas), d$scale, d$rscales, mse = d$mse, coef = est)
    m <- p0
    m$df.residual <- degf(d) - ncol(od$X)
    code <- sprintf(paste("svyolr(%s, design) with the full sample and every replicate fitted to",
                          "convergence (MASS::polr start, Newton steps on the score); svrVar(mse=FALSE)"), formula_r)
  }
  nb <- ncol(od$X)
  bnames <- colnames(od$X)
  znames <- paste(outcome_levels[-od$K], outcome_levels[-1], sep = "|")
  factors <- lapply(Filter(is.factor, model.frame(fo, d$variables)[-1]), levels)
  numerics <- setdiff(all.vars(fo)[-1], names(factors))
  se <- sqrt(diag(V))
  case <- new_case(id, "olr", spec, subset,
                   list("function" = "olr", formula = formula_py, formula_r = formula_r,
                        outcome_levels = I(outcome_levels), levels = levels), code)
  case$expected <- list(
    coefficients = lapply(seq_len(nb), function(i) list(r_name = bnames[i],
                                                        parts = coef_parts(bnames[i], factors, numerics),
                                                        estimate = unname(est[i]), se = unname(se[i]))),
    zeta = lapply(seq_len(od$K - 1), function(k) list(r_name = znames[k], estimate = unname(est[nb + k]),
                                                      se = unname(se[nb + k]))),
    vcov = unname(V), df_resid = m$df.residual, n = sum(od$ok))
  e0 <- c(m0$coefficients, m0$zeta)
  s0 <- sqrt(diag(vcov(m0)))
  case$r_default_tolerance <- list(estimate = unname(e0), se = unname(s0),
                                   max_rel_diff_estimate = max(abs(e0 - est) / abs(est)),
                                   max_rel_diff_se = max(abs(s0 - se) / se))
  add(case)
}

# =================================================================================================
# 9. svyvar
# =================================================================================================
svyvar_case <- function(id, spec, variables, subset = NULL) {
  d <- design_of(spec, subset)
  x <- clean(svyvar(fml(variables), d, na.rm = TRUE))
  p <- length(variables)
  est <- as.vector(as.matrix(x))
  se <- sqrt(diag(as.matrix(attr(x, "var"))))
  if (p == 1) { est <- as.numeric(coef(x)); se <- as.numeric(SE(x)) }
  cells <- list()
  for (j in seq_len(p)) for (i in seq_len(p)) {
    k <- (j - 1) * p + i
    cells[[k]] <- list(row = variables[i], col = variables[j], estimate = est[k], se = se[k])
  }
  case <- new_case(id, "svyvar", spec, subset, list("function" = "svyvar", variables = I(variables)),
                   sprintf("svyvar(%s, design, na.rm=TRUE)", deparse(fml(variables))))
  case$expected <- cells
  add(case)
}

# =================================================================================================
# 10. Cases
# =================================================================================================
urban <- list(column = "area", op = "==", value = "urban")
victims <- list(column = "victim", op = "==", value = 1)
taylor_like <- list(safety_taylor, safety_ps, safety_rake, safety_linear, safety_logit)
rep_like <- list(safety_jk1, safety_boot, safety_boot_rake)
all_safety <- c(taylor_like, rep_like)

start_fixture("crosstab", "Crosstabs: cell totals and cell/row/col proportions (svytotal/svymean of interaction, svyby).")
for (spec in all_safety) {
  p <- paste0("xtab/", spec$name, "/")
  crosstab_case(paste0(p, "area_victim/cell"), spec, "area", "victim")
  crosstab_case(paste0(p, "agegrp_safety/row"), spec, "agegrp", "safety", margin = "row")
  if (spec$name %in% c("safety_taylor", "safety_rake", "safety_bootstrap")) {
    crosstab_case(paste0(p, "area_victim/total"), spec, "area", "victim", statistic = "total")
    crosstab_case(paste0(p, "agegrp_safety/col"), spec, "agegrp", "safety", margin = "col")
    crosstab_case(paste0(p, "sex_safety/cell_by_area"), spec, "sex", "safety", by = "area")
    crosstab_case(paste0(p, "sex_safety/row_urban"), spec, "sex", "safety", margin = "row", subset = urban)
  }
}
crosstab_case("xtab/multistage/cat3_region/cell", multistage, "cat3", "region")
crosstab_case("xtab/multistage/sex_yes/row", multistage, "sex", "yes", margin = "row")
crosstab_case("xtab/apiclus1_jk1/stype_awards/cell", clus1_jk1, "stype", "awards")
crosstab_case("xtab/paired_fay/cat3_dom/col", paired_fay, "cat3", "dom", margin = "col")

start_fixture("chisq", "svychisq (F, Chisq, Wald, adjWald, lincom, saddlepoint) and svygofchisq.")
for (spec in all_safety) {
  p <- paste0("chisq/", spec$name, "/")
  chisq_case(paste0(p, "area_victim"), spec, "area", "victim")
  chisq_case(paste0(p, "agegrp_safety"), spec, "agegrp", "safety")
}
chisq_case("chisq/safety_taylor/sex_safety_urban", safety_taylor, "sex", "safety", subset = urban)
chisq_case("chisq/safety_bootstrap/sex_safety_urban", safety_boot, "sex", "safety", subset = urban)
chisq_case("chisq/safety_rake/sex_safety_urban", safety_rake, "sex", "safety", subset = urban)
chisq_case("chisq/multistage/sex_region", multistage, "sex", "region")
chisq_case("chisq/multistage/cat3_region_missing", multistage, "cat3", "region", statistics = c("F", "Chisq", "Wald"))
chisq_case("chisq/apiclus1_jk1/stype_awards", clus1_jk1, "stype", "awards")
chisq_case("chisq/paired_fay/cat3_dom", paired_fay, "cat3", "dom")
gp <- c(0.27, 0.28, 0.25, 0.20)
for (spec in c(list(safety_taylor, safety_ps, safety_jk1, safety_boot, safety_boot_rake)))
  gof_case(paste0("gof/", spec$name, "/agegrp"), spec, "agegrp", gp)
gof_case("gof/safety_taylor/safety", safety_taylor, "safety", c(0.3, 0.35, 0.2, 0.15))
gof_case("gof/safety_taylor/safety_urban", safety_taylor, "safety", c(0.3, 0.35, 0.2, 0.15), subset = urban)
gof_case("gof/multistage/region", multistage, "region", c(0.2, 0.4, 0.4))
gof_case("gof/paired_fay/cat3", paired_fay, "cat3", c(1, 1, 1) / 3)

start_fixture("ttest", "svyttest: one sample (mean = mu) and two groups (difference of means).")
for (spec in all_safety) {
  p <- paste0("ttest/", spec$name, "/")
  ttest_case(paste0(p, "trust_mu5"), spec, "trust", mu = 5)
  ttest_case(paste0(p, "trust_by_sex"), spec, "trust", "sex", levels = c("man", "woman"))
  ttest_case(paste0(p, "age_by_area"), spec, "age", "area", levels = c("urban", "rural"))
}
ttest_case("ttest/safety_taylor/trust_by_sex_urban", safety_taylor, "trust", "sex", levels = c("man", "woman"), subset = urban)
ttest_case("ttest/safety_rake/trust_by_sex_urban", safety_rake, "trust", "sex", levels = c("man", "woman"), subset = urban)
ttest_case("ttest/safety_bootstrap/trust_mu5_urban", safety_boot, "trust", mu = 5, subset = urban)
ttest_case("ttest/multistage/y_mu50", multistage, "y", mu = 50)
ttest_case("ttest/multistage/y_by_sex", multistage, "y", "sex", levels = c("1", "2"))
ttest_case("ttest/apiclus1_jk1/api00_by_awards", clus1_jk1, "api00", "awards", levels = c("No", "Yes"))
ttest_case("ttest/paired_fay/y_by_dom", paired_fay, "y", "dom", levels = c("d1", "d2"))

start_fixture("glm", "svyglm (gaussian, quasibinomial, quasipoisson) with regTermTest and predict.")
lv_safety <- list(sex = c("man", "woman"), area = c("urban", "rural"), agegrp = c("30-44", "18-29", "45-59", "60+"))
nd_safety <- list(sex = c("woman", "man", "woman"), area = c("urban", "rural", "rural"),
                  agegrp = c("18-29", "45-59", "60+"), age = c(25, 50, 70))
for (spec in all_safety) {
  p <- paste0("glm/", spec$name, "/")
  glm_case(paste0(p, "gaussian"), spec, "trust ~ sex * area + agegrp",
           "trust ~ C(sex, Treatment('man')) * C(area, Treatment('urban')) + C(agegrp, Treatment('30-44'))",
           "gaussian", levels = lv_safety,
           tests = list(list(r = "agegrp", py = "C(agegrp, Treatment('30-44'))"),
                        list(r = "sex:area", py = "C(sex, Treatment('man')):C(area, Treatment('urban'))")),
           newdata = nd_safety)
  glm_case(paste0(p, "binomial"), spec, "victim ~ sex + area + age",
           "victim ~ C(sex, Treatment('man')) + C(area, Treatment('urban')) + age", "binomial",
           levels = lv_safety[c("sex", "area")],
           tests = list(list(r = "area", py = "C(area, Treatment('urban'))")), newdata = nd_safety)
  glm_case(paste0(p, "poisson"), spec, "incidents ~ sex + area + age",
           "incidents ~ C(sex, Treatment('man')) + C(area, Treatment('urban')) + age", "poisson",
           levels = lv_safety[c("sex", "area")],
           tests = list(list(r = "sex", py = "C(sex, Treatment('man'))")), newdata = nd_safety)
}
for (spec in list(safety_taylor, safety_rake, safety_boot)) {
  p <- paste0("glm/", spec$name, "/")
  glm_case(paste0(p, "binomial_victims"), spec, "reported ~ sex + area",
           "reported ~ C(sex, Treatment('man')) + C(area, Treatment('urban'))", "binomial",
           levels = lv_safety[c("sex", "area")], tests = list(list(r = "sex", py = "C(sex, Treatment('man'))")),
           subset = victims)
  glm_case(paste0(p, "gaussian_urban"), spec, "trust ~ sex + age", "trust ~ C(sex, Treatment('man')) + age",
           "gaussian", levels = lv_safety["sex"], subset = urban)
}
glm_case("glm/multistage/gaussian", multistage, "y ~ x + sex + region",
         "y ~ x + C(sex, Treatment(2)) + C(region, Treatment('north'))", "gaussian",
         levels = list(sex = c("2", "1"), region = c("north", "east", "south")),
         tests = list(list(r = "region", py = "C(region, Treatment('north'))")),
         newdata = list(x = c(2, 4), sex = c("1", "2"), region = c("east", "south")))
glm_case("glm/apiclus1_jk1/gaussian", clus1_jk1, "api00 ~ ell + meals + stype",
         "api00 ~ ell + meals + C(stype, Treatment('H'))", "gaussian", levels = list(stype = c("H", "E", "M")),
         tests = list(list(r = "stype", py = "C(stype, Treatment('H'))")),
         newdata = list(ell = c(10, 40), meals = c(20, 80), stype = c("E", "M")))
glm_case("glm/apiclus1_jk1/poisson", clus1_jk1, "enroll ~ stype + meals", "enroll ~ C(stype) + meals",
         "poisson", levels = list(stype = c("E", "H", "M")),
         tests = list(list(r = "stype", py = "C(stype)")),
         newdata = list(stype = c("E", "H"), meals = c(30, 60)))
glm_case("glm/paired_fay/gaussian", paired_fay, "y ~ x + dom + cat3", "y ~ x + C(dom) + C(cat3, Treatment('b'))",
         "gaussian", levels = list(dom = c("d1", "d2"), cat3 = c("b", "a", "c")),
         tests = list(list(r = "cat3", py = "C(cat3, Treatment('b'))")))

start_fixture("olr", "svyolr: proportional odds (logit P(Y <= k) = zeta_k - x'beta).")
safety_levels <- c("1 very safe", "2 safe", "3 unsafe", "4 very unsafe")
for (spec in all_safety)
  olr_case(paste0("olr/", spec$name, "/safety"), spec, "safety ~ sex + area + age",
           "safety ~ C(sex, Treatment('man')) + C(area, Treatment('urban')) + age", safety_levels,
           levels = lv_safety[c("sex", "area")])
olr_case("olr/safety_taylor/safety_victims", safety_taylor, "safety ~ sex + age",
         "safety ~ C(sex, Treatment('man')) + age", safety_levels, levels = lv_safety["sex"], subset = victims)
olr_case("olr/multistage/cat3", multistage, "cat3 ~ x + region", "cat3 ~ x + C(region, Treatment('east'))",
         c("low", "mid", "high"), levels = list(region = c("east", "north", "south")))
olr_case("olr/paired_fay/cat3", paired_fay, "cat3 ~ x + dom", "cat3 ~ x + C(dom)", c("a", "b", "c"),
         levels = list(dom = c("d1", "d2")))

start_fixture("svyvar", "svyvar: population variance and covariance (divisor n-1 on weighted sums).")
for (spec in all_safety) {
  svyvar_case(paste0("svyvar/", spec$name, "/age_incidents"), spec, c("age", "incidents"))
  svyvar_case(paste0("svyvar/", spec$name, "/trust"), spec, "trust")
}
svyvar_case("svyvar/safety_taylor/age_urban", safety_taylor, "age", subset = urban)
svyvar_case("svyvar/multistage/x", multistage, "x")
svyvar_case("svyvar/paired_fay/x", paired_fay, "x")

# =================================================================================================
# 11. Write
# =================================================================================================
meta_common <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  mass_version = as.character(packageVersion("MASS")),
  compquadform_version = as.character(packageVersion("CompQuadForm")),
  generator = "tests/reference/inference/make_inference_reference.R",
  data_root = "tests/reference (data and replicate_data paths are relative to it)",
  tolerance = "relative 1e-6 (absolute where R gives 0); see README.md for the exceptions",
  conventions = "See tests/reference/inference/README.md.")
js <- function(x) toJSON(x, auto_unbox = TRUE, digits = NA, null = "null", na = "null")
for (nm in names(fixtures)) {
  fx <- fixtures[[nm]]
  meta <- c(fx$meta, meta_common)
  lines <- c(paste0('{"meta": ', js(meta), ','), ' "designs": {',
             paste0("  ", vapply(names(fx$designs), function(n) paste0(js(n), ": ", js(fx$designs[[n]])), ""),
                    c(rep(",", length(fx$designs) - 1), "")),
             ' },', ' "cases": [',
             paste0(vapply(fx$cases, js, ""), c(rep(",", length(fx$cases) - 1), "")), "]}")
  writeLines(lines, file.path(fix_dir, paste0(nm, ".json")))
  cat(sprintf("%-10s %4d cases\n", nm, length(fx$cases)))
}
