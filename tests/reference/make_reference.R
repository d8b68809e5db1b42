#!/usr/bin/env Rscript
# R survey reference numbers for surveykit's parity tests (tests/estimation/test_parity_r.py).
#
# Writes, next to this script:
#   data/*.csv        the api data sets of R's survey package and small synthetic surveys
#   fixtures/*.json   one case per estimator call: surveykit design arguments, the call, R's rows
#
# Run from anywhere:  Rscript tests/reference/make_reference.R
# Needs R >= 4.2 with the survey (4.1-1 here) and jsonlite packages. See README.md.
#
# Every R number is computed from the CSV files as read back from disk, so R and surveykit see the
# same doubles. The surveykit call of a case is the single source of truth: the R call is built from
# it (formulas, options), never typed twice.

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

invisible(Sys.setlocale("LC_COLLATE", "C"))   # factor levels sorted by code point, as Python sorts strings
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.replicates.mse = FALSE, survey.drop.replicates = TRUE, warn = 1)

# =================================================================================================
# 1. Data
# =================================================================================================
write_data <- function(df, name) {
  write.csv(df, file.path(data_dir, name), row.names = FALSE)
}

data(api)
for (nm in c("apisrs", "apistrat", "apiclus1", "apiclus2")) write_data(get(nm), paste0(nm, ".csv"))

pick <- function(x, n, p = NULL) sample(x, n, replace = TRUE, prob = p)
with_na <- function(v, share) { v[runif(length(v)) < share] <- NA; v }

# --- three-stage stratified sample with fpc at every stage -----------------------------------------
set.seed(20240501)
gen_multistage <- function() {
  N1 <- c(A = 12, B = 9, C = 15); n1 <- c(A = 4, B = 3, C = 5)
  psu <- data.frame(stratum = rep(names(n1), n1), psu = seq_len(sum(n1)))
  psu$N1 <- N1[psu$stratum]
  psu$N2 <- sample(6:10, nrow(psu), TRUE)
  psu$n2 <- sample(2:4, nrow(psu), TRUE)
  psu$u <- rnorm(nrow(psu), 0, 8)
  ssu <- psu[rep(seq_len(nrow(psu)), psu$n2), ]
  ssu$ssu <- ave(ssu$psu, ssu$psu, FUN = seq_along)        # ids repeat across PSUs (nested by stage)
  ssu$N3 <- sample(8:20, nrow(ssu), TRUE)
  ssu$n3 <- sample(2:5, nrow(ssu), TRUE)
  el <- ssu[rep(seq_len(nrow(ssu)), ssu$n3), ]
  el$hh <- ave(el$psu, el$psu, el$ssu, FUN = seq_along)
  n <- nrow(el)
  el$f1 <- n1[el$stratum] / el$N1
  el$f2 <- el$n2 / el$N2
  el$f3 <- el$n3 / el$N3
  el$w <- 1 / (el$f1 * el$f2 * el$f3)
  el$y <- with_na(round(50 + c(A = 0, B = 10, C = -5)[el$stratum] + el$u + rnorm(n, 0, 12), 2), 0.08)
  el$x <- with_na(round(runif(n, 1, 5), 3), 0.05)
  el$cat3 <- with_na(pick(c("low", "mid", "high"), n, c(0.3, 0.5, 0.2)), 0.05)
  el$yes <- with_na(pick(c("yes", "no"), n, c(0.35, 0.65)), 0.04)
  el$sex <- pick(1:2, n)
  el$region <- ifelse(el$stratum == "A", pick(c("north", "south"), n),
                      pick(c("north", "south", "east"), n))  # "east" absent from stratum A
  el[, c("stratum", "psu", "ssu", "hh", "N1", "N2", "N3", "f1", "f2", "f3", "w", "y", "x", "cat3",
         "yes", "sex", "region")]
}
write_data(gen_multistage(), "multistage.csv")

# --- stratified cluster sample whose PSU ids restart in every stratum (nest=TRUE) ------------------
set.seed(20240502)
gen_nested <- function() {
  k <- c(3, 2, 4, 3, 2)
  psu <- data.frame(stratum = rep(seq_along(k), k), psu = sequence(k))
  psu$Nh <- (c(5, 4, 6, 5, 7) * k)[psu$stratum]
  psu$m <- sample(3:6, nrow(psu), TRUE)
  psu$wp <- round(runif(nrow(psu), 20, 60), 2)
  psu$u <- rnorm(nrow(psu), 0, 5)
  el <- psu[rep(seq_len(nrow(psu)), psu$m), ]
  n <- nrow(el)
  el$w <- el$wp * pick(c(1, 1, 1.25), n)                    # weights vary a little within PSUs
  el$y <- with_na(round(20 + el$stratum + el$u + rnorm(n, 0, 6), 2), 0.07)
  el$z <- pick(0:1, n, c(0.6, 0.4))
  el$grp <- ifelse(el$stratum <= 2, pick(c("a", "b"), n), pick(c("a", "b", "c"), n))
  el$sex <- pick(1:2, n)
  el$cat4 <- pick(c("r", "s", "t", "u"), n, c(0.2, 0.3, 0.3, 0.2))
  el[, c("stratum", "psu", "Nh", "w", "y", "z", "grp", "sex", "cat4")]
}
write_data(gen_nested(), "nested.csv")

# --- lonely PSUs at stage 1 and stage 2, certainty units ------------------------------------------
set.seed(20240503)
gen_lonely <- function() {
  # S2: one PSU of 4 (lonely); S3: 2 of 2 (certainty); S4: 1 of 1 (certainty, single PSU)
  st <- data.frame(stratum = paste0("S", 1:5), n1 = c(3, 1, 2, 1, 3), N1 = c(10, 4, 2, 1, 8))
  psu <- st[rep(1:5, st$n1), ]
  psu$psu <- seq_len(nrow(psu))
  psu$n2 <- sample(2:3, nrow(psu), TRUE)
  psu$N2 <- psu$n2 + sample(2:5, nrow(psu), TRUE)
  psu$n2[2] <- 1; psu$N2[2] <- 5       # PSU 2 (S1): one SSU of 5 sampled -> lonely at stage 2
  psu$n2[9] <- 1; psu$N2[9] <- 1       # PSU 9 (S5): its only SSU -> certainty at stage 2
  psu$u <- rnorm(nrow(psu), 0, 4)
  ssu <- psu[rep(seq_len(nrow(psu)), psu$n2), ]
  ssu$ssu <- ave(ssu$psu, ssu$psu, FUN = seq_along)
  ssu$m <- sample(2:4, nrow(ssu), TRUE)
  el <- ssu[rep(seq_len(nrow(ssu)), ssu$m), ]
  n <- nrow(el)
  el$w <- round(el$N1 / el$n1 * el$N2 / el$n2 * 3, 4)
  el$y <- with_na(round(10 + as.integer(substr(el$stratum, 2, 2)) + el$u + rnorm(n, 0, 3), 2), 0.05)
  el$cat3 <- pick(c("p", "q", "r"), n, c(0.4, 0.35, 0.25))
  el$dom <- pick(c("a", "b"), n)
  el[, c("stratum", "psu", "ssu", "N1", "N2", "w", "y", "cat3", "dom")]
}
lonely <- gen_lonely()
write_data(lonely, "lonely.csv")
write_data(lonely[lonely$stratum != "S2", ], "lonely_stage2.csv")   # only the stage-2 lonely unit

# --- strata at both stages (strata=~st+sst) -------------------------------------------------------
set.seed(20240504)
gen_strata2 <- function() {
  psu <- data.frame(st = rep(c("N", "S"), each = 3), psu = 1:6, N1 = rep(c(10, 8), each = 3))
  ssu <- psu[rep(1:6, each = 4), ]
  ssu$sst <- rep(c("r", "r", "u", "u"), 6)
  ssu$ssu <- rep(1:4, 6)
  ssu$N2 <- ave(sample(3:7, nrow(ssu), TRUE), ssu$psu, ssu$sst, FUN = function(v) v[1])
  ssu$m <- sample(2:3, nrow(ssu), TRUE)
  el <- ssu[rep(seq_len(nrow(ssu)), ssu$m), ]
  n <- nrow(el)
  el$w <- el$N1 / 3 * el$N2 / 2 * 2
  el$y <- with_na(round(30 + (el$sst == "u") * 4 + rnorm(n, 0, 5), 2), 0.05)
  el$cat3 <- pick(c("a", "b", "c"), n)
  el$dom <- pick(c("x", "y"), n)
  el[, c("st", "psu", "sst", "ssu", "N1", "N2", "w", "y", "cat3", "dom")]
}
write_data(gen_strata2(), "strata2.csv")

# --- two PSUs per stratum, with the replicate weights R makes for it --------------------------------
set.seed(20240505)
gen_paired <- function() {
  psu <- data.frame(stratum = rep(paste0("h", 1:8), each = 2), psu = 1:16)
  psu$m <- sample(2:5, 16, TRUE)
  psu$wp <- round(runif(16, 10, 40), 2)
  psu$u <- rnorm(16, 0, 4)
  el <- psu[rep(1:16, psu$m), ]
  n <- nrow(el)
  el$w <- el$wp
  el$y <- with_na(round(40 + el$u + rnorm(n, 0, 8), 2), 0.06)
  el$x <- round(runif(n, 1, 4), 3)
  el$cat3 <- pick(c("a", "b", "c"), n, c(0.3, 0.4, 0.3))
  el$dom <- pick(c("d1", "d2"), n)
  el <- el[, c("stratum", "psu", "w", "y", "x", "cat3", "dom")]
  base <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = el)
  rw <- function(rep, prefix) {
    m <- weights(rep, "analysis")
    colnames(m) <- paste0(prefix, "_", seq_len(ncol(m)))
    m
  }
  brr <- rw(as.svrepdesign(base, type = "BRR"), "brr")
  fay <- rw(as.svrepdesign(base, type = "Fay", fay.rho = 0.5), "fay")
  set.seed(7)
  boot <- rw(as.svrepdesign(base, type = "bootstrap", replicates = 20), "boot")
  jkn <- rw(as.svrepdesign(base, type = "JKn"), "jkn")
  # successive differences (Fay & Train 1995): PSUs in sampling order, rows of a Hadamard matrix
  H <- hadamard(16)
  i <- el$psu
  sdr_f <- 1 + 2^(-1.5) * (H[i, , drop = FALSE] - H[i + 1, , drop = FALSE])
  sdr <- el$w * sdr_f
  colnames(sdr) <- paste0("sdr_", seq_len(ncol(sdr)))
  cbind(el, brr, fay, boot, jkn, sdr)
}
paired <- gen_paired()
write.csv(paired, file.path(data_dir, "paired.csv"), row.names = FALSE)

# Every number below comes from the CSV as read back.
read_data <- function(name) {
  df <- read.csv(file.path(data_dir, name), stringsAsFactors = FALSE)
  for (v in names(df)) if (is.character(df[[v]])) df[[v]] <- factor(df[[v]])
  df
}
datasets <- list()
for (f in list.files(data_dir, pattern = "\\.csv$")) datasets[[f]] <- read_data(f)

# =================================================================================================
# 2. Designs: surveykit arguments -> R design
# =================================================================================================
lonely_r <- c(error = "fail", adjust = "adjust", average = "average", remove = "remove",
              certainty = "certainty")
rep_type <- c(jk1 = "JK1", jkn = "JKn", brr = "BRR", fay = "Fay", bootstrap = "bootstrap",
              sdr = "successive-difference", other = "other")

fml <- function(v) if (length(v)) as.formula(paste("~", paste(sprintf("`%s`", v), collapse = "+"))) else NULL

# A design: list(data=, py=list(weights, strata, psu, fpc, nest, lonely_psu)) or a replicate design:
# list(data=, base=<design>, to_replicate=list(method, replicates, rho)) or
# list(data=, replicate=list(weights, replicate_weights, method, scale, rscales, rho, mse)).
taylor <- function(data, weights = NULL, strata = NULL, psu = NULL, fpc = NULL, nest = FALSE,
                   lonely_psu = "error") {
  list(kind = "taylor", data = data,
       py = list(weights = weights, strata = strata, psu = psu, fpc = fpc, nest = nest,
                 lonely_psu = lonely_psu))
}
to_rep <- function(base, method, replicates = NULL, rho = NULL, mse = FALSE) {
  list(kind = "to_replicate", data = base$data, base = base,
       py = list(method = method, replicates = replicates, rho = rho, mse = mse))
}
given_rep <- function(data, weights, prefix, method, scale = NULL, rscales = NULL, rho = NULL,
                      mse = FALSE) {
  cols <- grep(paste0("^", prefix, "_[0-9]+$"), names(datasets[[data]]), value = TRUE)
  list(kind = "replicate", data = data,
       py = list(weights = weights, replicate_weights = cols, method = method, scale = scale,
                 rscales = rscales, rho = rho, mse = mse))
}

r_design_call <- function(spec) {
  p <- spec$py
  if (spec$kind == "taylor") {
    cl <- call("svydesign", ids = if (length(p$psu)) fml(p$psu) else ~1)
    if (length(p$strata)) cl$strata <- fml(p$strata)
    if (length(p$fpc)) cl$fpc <- fml(p$fpc)
    if (length(p$weights)) cl$weights <- fml(p$weights)
    if (isTRUE(p$nest)) cl$nest <- TRUE
    cl$data <- as.name("data")
    return(cl)
  }
  if (spec$kind == "to_replicate") {
    cl <- call("as.svrepdesign", r_design_call(spec$base), type = unname(rep_type[p$method]))
    if (!is.null(p$replicates)) cl$replicates <- p$replicates
    if (!is.null(p$rho)) cl$fay.rho <- p$rho
    if (isTRUE(p$mse)) cl$mse <- TRUE
    return(cl)
  }
  cl <- call("svrepdesign", data = as.name("data"), weights = fml(p$weights),
             repweights = call("[", as.name("data"), p$replicate_weights),
             type = unname(rep_type[p$method]), combined.weights = TRUE)
  if (!is.null(p$scale)) cl$scale <- p$scale
  if (!is.null(p$rscales)) cl$rscales <- p$rscales
  if (!is.null(p$rho)) cl$rho <- p$rho
  if (isTRUE(p$mse)) cl$mse <- TRUE
  cl
}
lonely_of <- function(spec) {
  if (spec$kind == "taylor") spec$py$lonely_psu
  else if (spec$kind == "to_replicate") spec$base$py$lonely_psu else "error"
}
with_lonely <- function(spec, expr) {
  old <- options(survey.lonely.psu = unname(lonely_r[lonely_of(spec)]))
  on.exit(options(old))
  expr
}
build_design <- function(spec) {
  data <- datasets[[spec$data]]
  if (spec$kind == "to_replicate" && spec$py$method == "bootstrap") set.seed(1)
  with_lonely(spec, eval(r_design_call(spec)))
}

# =================================================================================================
# 3. Estimator calls: surveykit call -> R rows
# =================================================================================================
# call: list(estimator, variables, denominator, by, quantiles, ci, level)
# subset: NULL or list(column, op, value) -> subset(design, column op value)
subset_expr <- function(s) {
  col <- as.name(s$column)
  if (s$op == "in") return(call("%in%", col, unlist(s$value)))
  call(s$op, col, s$value)
}

rowdf <- function(variable, level = NA, quantile = NA, estimate, se, ci_low, ci_high, deff = NA) {
  data.frame(variable = variable, level = level, quantile = quantile, estimate = as.numeric(estimate),
             se = as.numeric(se), ci_low = as.numeric(ci_low), ci_high = as.numeric(ci_high),
             deff = as.numeric(deff), stringsAsFactors = FALSE)
}

# The statistic columns of a svyby result in the order of coef(): stat-major, domains fastest.
svyby_long <- function(x, by, variable, levels, df, level, deff = TRUE) {
  nd <- nrow(x)
  ns <- attr(x, "svyby")$nstats
  est <- matrix(coef(x), nd, ns)
  se <- matrix(as.numeric(as.matrix(SE(x))), nd, ns)
  ci <- confint(x, df = df, level = level)
  dff <- if (deff) matrix(as.numeric(as.matrix(deff(x))), nd, ns) else matrix(NA, nd, ns)
  out <- list()
  for (j in seq_len(ns)) for (i in seq_len(nd)) {
    k <- (j - 1) * nd + i
    r <- rowdf(variable, if (is.null(levels)) NA else levels[j], NA, est[i, j], se[i, j], ci[k, 1],
               ci[k, 2], dff[i, j])
    for (b in by) r[[paste0("by.", b)]] <- as.character(x[[b]][i])
    out[[length(out) + 1]] <- r
  }
  do.call(rbind, out)
}

stat_rows <- function(x, variable, levels, df, level, deff = TRUE) {
  ci <- confint(x, df = df, level = level)
  dff <- if (deff) deff(x) else rep(NA, length(coef(x)))
  rowdf(variable, if (is.null(levels)) NA else levels, NA, coef(x), SE(x), ci[, 1], ci[, 2], dff)
}

is_rep <- function(design) inherits(design, "svyrep.design")

r_estimate <- function(design, call, df_t) {
  est <- call$estimator; by <- call$by; level <- call$level; ci <- call$ci
  df_ci <- if (ci == "normal") Inf else df_t
  byf <- fml(by)
  out <- list()
  add <- function(r) out[[length(out) + 1]] <<- r
  if (est %in% c("mean", "total")) {
    FUN <- if (est == "mean") svymean else svytotal
    for (v in call$variables) {
      if (is.null(by)) add(stat_rows(FUN(fml(v), design, na.rm = TRUE, deff = TRUE), v, NULL, df_ci, level))
      else add(svyby_long(svyby(fml(v), byf, design, FUN, na.rm = TRUE, deff = TRUE, keep.var = TRUE),
                          by, v, NULL, df_ci, level))
    }
  } else if (est == "ratio") {
    nums <- call$variables; dens <- call$denominator
    m <- max(length(nums), length(dens))
    nums <- rep_len(nums, m); dens <- rep_len(dens, m)
    use_deff <- !is_rep(design)     # svyratio on replicate designs has no deff in survey 4.1-1
    for (k in seq_len(m)) {
      name <- paste0(nums[k], "/", dens[k])
      if (is.null(by)) {
        x <- svyratio(fml(nums[k]), fml(dens[k]), design, na.rm = TRUE, deff = use_deff)
        add(stat_rows(x, name, NULL, df_ci, level, deff = use_deff))
      } else {
        x <- svyby(fml(nums[k]), byf, design, svyratio, denominator = fml(dens[k]), na.rm = TRUE,
                   deff = use_deff, keep.var = TRUE)
        add(svyby_long(x, by, name, NULL, df_ci, level, deff = use_deff))
      }
    }
  } else if (est == "proportion") {
    for (v in call$variables) {
      lev <- levels(design$variables[[v]])
      if (is.null(by)) rows <- stat_rows(svymean(fml(v), design, na.rm = TRUE, deff = TRUE), v, lev,
                                         df_ci, level)
      else rows <- svyby_long(svyby(fml(v), byf, design, svymean, na.rm = TRUE, deff = TRUE,
                                    keep.var = TRUE), by, v, lev, df_ci, level)
      if (ci %in% c("logit", "korn-graubard")) {
        method <- if (ci == "logit") "logit" else "beta"
        for (j in seq_along(lev)) {
          f <- as.formula(sprintf("~I(`%s` == \"%s\")", v, lev[j]))
          sel <- rows$level == lev[j]
          if (is.null(by)) {
            p <- suppressWarnings(svyciprop(f, design, method = method, level = level, df = df_t,
                                            na.rm = TRUE))
            rows$ci_low[sel] <- attr(p, "ci")[1]; rows$ci_high[sel] <- attr(p, "ci")[2]
          } else {
            p <- suppressWarnings(svyby(f, byf, design, svyciprop, method = method, level = level,
                                        df = df_t, na.rm = TRUE, vartype = "ci"))
            key_p <- do.call(paste, c(lapply(by, function(b) as.character(p[[b]])), sep = "\r"))
            key_r <- do.call(paste, c(lapply(by, function(b) rows[[paste0("by.", b)]][sel]), sep = "\r"))
            i <- match(key_r, key_p)
            rows$ci_low[sel] <- p$ci_l[i]; rows$ci_high[sel] <- p$ci_u[i]
          }
        }
      }
      add(rows)
    }
  } else if (est == "quantile") {
    itype <- switch(ci, t = "mean", normal = "mean", logit = "xlogit", "korn-graubard" = "beta")
    q <- call$quantiles
    for (v in call$variables) {
      if (is.null(by) && inherits(design, "svyrep.design") && itype != "mean") {
        # survey 4.1-1's svyquantile.svyrep.design calls woodruffCI without method = interval.type, so
        # it silently gives the "mean" interval. The reference is woodruffCI with the method, as
        # svyquantile.survey.design calls it (docs/parity.md, known R deviations).
        d2 <- design[!is.na(design$variables[[v]]), ]
        xv <- d2$variables[[v]]
        qh <- sapply(q, function(p) survey:::qrule_math(xv, weights(d2, "sampling"), p))
        lim <- t(sapply(seq_along(q), function(j)
          survey:::woodruffCI(xv, qh[j], q[j], d2, survey:::qrule_math, 1 - level, df_ci, method = itype)))
        crit <- if (is.finite(df_ci)) qt(1 - (1 - level) / 2, df_ci) else qnorm(1 - (1 - level) / 2)
        add(rowdf(v, NA, q, qh, (lim[, 2] - lim[, 1]) / (2 * crit), lim[, 1], lim[, 2]))
      } else if (is.null(by)) {
        x <- svyquantile(fml(v), design, quantiles = q, ci = TRUE, na.rm = TRUE, alpha = 1 - level,
                         df = df_ci, interval.type = itype, qrule = "math")[[1]]
        add(rowdf(v, NA, q, x[, 1], x[, 4], x[, 2], x[, 3]))
      } else {
        x <- svyby(fml(v), byf, design, svyquantile, quantiles = q, ci = TRUE, na.rm = TRUE,
                   alpha = 1 - level, df = df_ci, interval.type = itype, qrule = "math",
                   vartype = c("se", "ci"), keep.var = TRUE)
        nb <- length(by); P <- length(q)
        for (j in seq_len(P)) for (i in seq_len(nrow(x))) {
          r <- rowdf(v, NA, q[j], x[i, nb + j], x[i, nb + P + j], x[i, nb + 2 * P + j],
                     x[i, nb + 3 * P + j])
          for (b in by) r[[paste0("by.", b)]] <- as.character(x[[b]][i])
          add(r)
        }
      }
    }
  } else stop("unknown estimator ", est)
  do.call(rbind, out)
}

# A readable summary of the R calls behind a case (the code that ran is r_estimate above).
r_code_of <- function(call, subset) {
  des <- if (is.null(subset)) "design" else paste0("subset(design, ", deparse(subset_expr(subset)), ")")
  v <- if (length(call$variables) > 1) "~v" else paste0("~", call$variables)
  lv <- if (call$level != 0.95) sprintf(", level=%s", call$level) else ""
  dfa <- if (call$ci == "normal") "Inf" else "degf(design)"
  est <- call$estimator
  args <- switch(est,
    mean = , total = "na.rm=TRUE, deff=TRUE",
    proportion = "na.rm=TRUE, deff=TRUE",
    ratio = sprintf("~%s, na.rm=TRUE", paste(call$denominator, collapse = "|")),
    quantile = sprintf("quantiles=c(%s), ci=TRUE, na.rm=TRUE, qrule='math', interval.type='%s', df=%s%s",
                       paste(call$quantiles, collapse = ", "),
                       switch(call$ci, logit = "xlogit", "korn-graubard" = "beta", "mean"), dfa,
                       if (call$level != 0.95) sprintf(", alpha=%s", 1 - call$level) else ""))
  fun <- switch(est, mean = "svymean", total = "svytotal", proportion = "svymean", ratio = "svyratio",
                quantile = "svyquantile")
  code <- if (is.null(call$by)) sprintf("%s(%s, %s, %s)", fun, v, des, args) else
    sprintf("svyby(%s, ~%s, %s, %s, %s)", v, paste(call$by, collapse = "+"), des, fun, args)
  if (est != "quantile") {
    code <- paste0(code, if (call$ci %in% c("t", "normal")) sprintf("; confint(., df=%s%s)", dfa, lv) else
      sprintf("; CI: %s(~I(v == level), %s, method='%s', df=degf(design)%s)",
              if (is.null(call$by)) "svyciprop" else "svyby(..., svyciprop)", des,
              if (call$ci == "logit") "logit" else "beta", lv))
  }
  if (length(call$variables) > 1) code <- paste0(code, "; for v in ", paste(call$variables, collapse = ", "))
  code
}

# =================================================================================================
# 4. Cases
# =================================================================================================
fixtures <- list()
current <- NULL
start_fixture <- function(name, description) {
  current <<- name
  fixtures[[name]] <<- list(meta = list(description = description), designs = list(), cases = list())
}
named <- function(specs, prefix) {
  for (n in names(specs)) specs[[n]]$name <- paste0(prefix, n)
  specs
}

clean <- function(x) {             # NULL -> JSON null
  lapply(x, function(v) if (is.null(v)) NA else v)
}
drop_null <- function(x) x[!vapply(x, function(v) is.null(v) || identical(v, NA), TRUE)]

register_design <- function(spec, design) {
  if (!is.null(fixtures[[current]]$designs[[spec$name]])) return(invisible())
  entry <- list(data = spec$data, kind = spec$kind)
  entry$design <- if (spec$kind == "replicate") NA else
    clean(if (spec$kind == "to_replicate") spec$base$py else spec$py)
  entry$replicate <- if (spec$kind == "taylor") NA else clean(spec$py)
  entry$degf <- degf(design)
  entry$r_design <- paste(deparse(r_design_call(spec), width.cutoff = 500), collapse = " ")
  entry$r_lonely_psu <- unname(lonely_r[lonely_of(spec)])
  fixtures[[current]]$designs[[spec$name]] <<- entry
}

add_case <- function(id, spec, estimator, variables, by = NULL, ci = "t", level = 0.95,
                     quantiles = NULL, denominator = NULL, subset = NULL) {
  stopifnot(!is.null(spec$name))
  call <- list(estimator = estimator, variables = variables, denominator = denominator, by = by,
               quantiles = quantiles, ci = ci, level = level)
  design <- build_design(spec)
  full_df <- degf(design)
  register_design(spec, design)
  if (!is.null(subset)) design <- eval(call("subset", design, subset_expr(subset)))
  res <- tryCatch(with_lonely(spec, r_estimate(design, call, full_df)), error = function(e) e)
  case <- list(id = id, design = spec$name)
  if (!is.null(subset)) case$subset <- subset
  case$call <- drop_null(list(estimator = estimator, variables = I(variables),
                              denominator = if (!is.null(denominator)) I(denominator),
                              by = if (!is.null(by)) I(by),
                              quantiles = if (!is.null(quantiles)) I(quantiles), ci = ci, level = level))
  case$r_code <- r_code_of(call, subset)
  if (inherits(res, "error")) {
    msg <- conditionMessage(res)
    if (!grepl("has only one PSU", msg)) stop(id, ": R failed: ", msg)
    case$error <- "LonelyPSUError"
    case$r_error <- msg
  } else {
    bycols <- grep("^by\\.", names(res), value = TRUE)
    case$expected <- lapply(seq_len(nrow(res)), function(i) {
      r <- res[i, ]
      dom <- if (length(bycols)) setNames(lapply(bycols, function(b) r[[b]]), sub("^by\\.", "", bycols))
      # NaN (e.g. the deff of a zero proportion) is kept as null; absent fields do not apply
      c(drop_null(list(variable = r$variable, domain = dom, level = if (!is.na(r$level)) r$level,
                       quantile = if (!is.na(r$quantile)) r$quantile)),
        list(estimate = r$estimate, se = r$se, ci_low = r$ci_low, ci_high = r$ci_high),
        if (!is.na(r$deff) || is.nan(r$deff)) list(deff = r$deff))
    })
  }
  fixtures[[current]]$cases[[length(fixtures[[current]]$cases) + 1]] <<- case
  invisible(case)
}

Q4 <- c(0.1, 0.25, 0.5, 0.9)

# --- 4.1 api: SRS, stratified, one-stage and two-stage cluster ------------------------------------
start_fixture("taylor_api", "Taylor linearization on R's api samples (apisrs, apistrat, apiclus1, apiclus2).")
api_designs <- list(
  srs = taylor("apisrs.csv", weights = "pw", fpc = "fpc"),
  srs_noweights = taylor("apisrs.csv", fpc = "fpc"),
  strat = taylor("apistrat.csv", weights = "pw", strata = "stype", fpc = "fpc"),
  clus1 = taylor("apiclus1.csv", weights = "pw", psu = "dnum", fpc = "fpc"),
  clus1_nofpc = taylor("apiclus1.csv", weights = "pw", psu = "dnum"),
  clus2 = taylor("apiclus2.csv", psu = c("dnum", "snum"), fpc = c("fpc1", "fpc2")),
  clus2_w = taylor("apiclus2.csv", weights = "pw", psu = c("dnum", "snum"), fpc = c("fpc1", "fpc2")),
  clus2_stage1 = taylor("apiclus2.csv", weights = "pw", psu = "dnum", fpc = "fpc1")
)
api_designs <- named(api_designs, "api_")
for (nm in names(api_designs)) {
  s <- api_designs[[nm]]
  add_case(paste0("api/", nm, "/mean"), s, "mean", c("api00", "acs.k3", "avg.ed"))
  add_case(paste0("api/", nm, "/total"), s, "total", c("enroll", "api.stu"))
  add_case(paste0("api/", nm, "/proportion"), s, "proportion", c("stype", "awards"))
  add_case(paste0("api/", nm, "/ratio"), s, "ratio", "api.stu", denominator = "enroll")
  add_case(paste0("api/", nm, "/quantile"), s, "quantile", "api00", quantiles = Q4)
  add_case(paste0("api/", nm, "/mean_by_stype"), s, "mean", c("api00", "avg.ed"), by = "stype")
  add_case(paste0("api/", nm, "/total_by_2"), s, "total", "enroll", by = c("stype", "awards"))
}
s <- api_designs$strat
add_case("api/strat/mean/normal", s, "mean", "api00", ci = "normal")
add_case("api/strat/mean/level90", s, "mean", c("api00", "meals"), ci = "t", level = 0.9)
add_case("api/strat/proportion_by_2", s, "proportion", "sch.wide", by = c("awards", "yr.rnd"))
add_case("api/strat/ratio_by", s, "ratio", c("api.stu", "api00"), denominator = c("enroll", "api99"),
         by = "awards")
add_case("api/strat/quantile_by", s, "quantile", "api00", quantiles = c(0.25, 0.5), by = "awards")
add_case("api/strat/subset_mean", s, "mean", "api00", subset = list(column = "api99", op = ">", value = 600))
add_case("api/strat/subset_by", s, "mean", "enroll", by = "stype",
         subset = list(column = "awards", op = "==", value = "Yes"))
s <- api_designs$clus1
add_case("api/clus1/mean/normal", s, "mean", "api00", ci = "normal", level = 0.99)
add_case("api/clus1/quantile/normal", s, "quantile", "api00", quantiles = c(0.5, 0.9), ci = "normal")
add_case("api/clus1/quantile_by_2", s, "quantile", "api00", quantiles = 0.5, by = c("stype", "awards"))
add_case("api/clus1/subset_in", s, "total", "enroll", subset = list(column = "stype", op = "in", value = c("E", "M")))
add_case("api/clus1/subset_quantile", s, "quantile", "api00", quantiles = c(0.5),
         subset = list(column = "sch.wide", op = "==", value = "Yes"))
s <- api_designs$clus2
add_case("api/clus2/proportion_by", s, "proportion", "awards", by = "stype")
add_case("api/clus2/quantile_na", s, "quantile", c("enroll", "acs.k3"), quantiles = c(0.1, 0.5))

# --- 4.2 synthetic designs ----------------------------------------------------------------------
start_fixture("taylor_synthetic", "Taylor linearization on synthetic multistage, nested and two-level-strata samples.")
syn <- list(
  three_stage = taylor("multistage.csv", strata = "stratum", psu = c("psu", "ssu", "hh"), fpc = c("N1", "N2", "N3")),
  three_stage_frac = taylor("multistage.csv", strata = "stratum", psu = c("psu", "ssu", "hh"), fpc = c("f1", "f2", "f3")),
  three_stage_w = taylor("multistage.csv", weights = "w", strata = "stratum", psu = c("psu", "ssu", "hh"), fpc = c("N1", "N2", "N3")),
  two_stage_fpc = taylor("multistage.csv", weights = "w", strata = "stratum", psu = c("psu", "ssu"), fpc = c("N1", "N2")),
  two_stage_frac = taylor("multistage.csv", strata = "stratum", psu = c("psu", "ssu"), fpc = c("f1", "f2")),
  clusters_nofpc = taylor("multistage.csv", weights = "w", strata = "stratum", psu = c("psu", "ssu")),
  nest = taylor("nested.csv", weights = "w", strata = "stratum", psu = "psu", nest = TRUE),
  nest_fpc = taylor("nested.csv", weights = "w", strata = "stratum", psu = "psu", fpc = "Nh", nest = TRUE),
  strata2 = taylor("strata2.csv", weights = "w", strata = c("st", "sst"), psu = c("psu", "ssu"), fpc = c("N1", "N2")),
  strata2_noweights = taylor("strata2.csv", strata = c("st", "sst"), psu = c("psu", "ssu"), fpc = c("N1", "N2"))
)
syn <- named(syn, "syn_")
for (nm in c("three_stage", "three_stage_frac", "three_stage_w", "two_stage_fpc", "two_stage_frac", "clusters_nofpc")) {
  s <- syn[[nm]]
  add_case(paste0("syn/", nm, "/mean"), s, "mean", c("y", "x"))
  add_case(paste0("syn/", nm, "/total"), s, "total", c("y", "x"))
  add_case(paste0("syn/", nm, "/proportion"), s, "proportion", c("cat3", "yes"))
  add_case(paste0("syn/", nm, "/ratio"), s, "ratio", "y", denominator = "x")
  add_case(paste0("syn/", nm, "/quantile"), s, "quantile", "y", quantiles = Q4)
  add_case(paste0("syn/", nm, "/mean_by_region"), s, "mean", c("y", "x"), by = "region")
  add_case(paste0("syn/", nm, "/total_by_2"), s, "total", "y", by = c("region", "sex"))
  add_case(paste0("syn/", nm, "/proportion_by_2"), s, "proportion", "cat3", by = c("sex", "region"))
  add_case(paste0("syn/", nm, "/ratio_by"), s, "ratio", "y", denominator = "x", by = "sex")
}
s <- syn$three_stage
add_case("syn/three_stage/quantile_by", s, "quantile", "y", quantiles = c(0.25, 0.5, 0.9), by = "region")
add_case("syn/three_stage/subset", s, "mean", c("y", "x"), by = "sex",
         subset = list(column = "region", op = "!=", value = "east"))
add_case("syn/three_stage/subset_le", s, "proportion", "cat3", subset = list(column = "x", op = "<=", value = 3))
for (nm in c("nest", "nest_fpc", "strata2", "strata2_noweights")) {
  s <- syn[[nm]]
  yv <- "y"
  catv <- if (startsWith(nm, "nest")) "cat4" else "cat3"
  domv <- if (startsWith(nm, "nest")) "grp" else "dom"
  add_case(paste0("syn/", nm, "/mean"), s, "mean", yv)
  add_case(paste0("syn/", nm, "/total"), s, "total", yv)
  add_case(paste0("syn/", nm, "/proportion"), s, "proportion", catv)
  add_case(paste0("syn/", nm, "/quantile"), s, "quantile", yv, quantiles = Q4)
  add_case(paste0("syn/", nm, "/mean_by"), s, "mean", yv, by = domv)
  add_case(paste0("syn/", nm, "/proportion_by"), s, "proportion", catv, by = domv)
  add_case(paste0("syn/", nm, "/quantile_by"), s, "quantile", yv, quantiles = c(0.5), by = domv)
}
add_case("syn/nest/ratio_by_2", syn$nest, "ratio", "y", denominator = "z", by = c("grp", "sex"),
         subset = list(column = "z", op = ">", value = 0))
add_case("syn/nest/mean_by_2", syn$nest, "mean", c("y", "z"), by = c("grp", "sex"))

# --- 4.3 lonely PSUs ----------------------------------------------------------------------------
start_fixture("lonely_psu", "Strata with a single sampled unit at stage 1 and stage 2, every lonely_psu option.")
lonely_shapes <- list(
  onestage_nofpc = list(weights = "w", strata = "stratum", psu = "psu", fpc = NULL),
  onestage_fpc = list(weights = "w", strata = "stratum", psu = "psu", fpc = "N1"),
  twostage_fpc = list(weights = "w", strata = "stratum", psu = c("psu", "ssu"), fpc = c("N1", "N2"))
)
for (shape in names(lonely_shapes)) {
  a <- lonely_shapes[[shape]]
  for (opt in c("error", "adjust", "average", "remove", "certainty")) {
    s <- taylor("lonely.csv", weights = a$weights, strata = a$strata, psu = a$psu, fpc = a$fpc,
                lonely_psu = opt)
    s$name <- paste0(shape, "_", opt)
    id <- paste0("lonely/", shape, "/", opt)
    add_case(paste0(id, "/mean"), s, "mean", "y")
    if (opt == "error") next
    add_case(paste0(id, "/total"), s, "total", "y")
    add_case(paste0(id, "/mean_by"), s, "mean", "y", by = "dom")
    add_case(paste0(id, "/proportion"), s, "proportion", "cat3")
    add_case(paste0(id, "/quantile"), s, "quantile", "y", quantiles = c(0.25, 0.5))
    add_case(paste0(id, "/subset"), s, "total", "y", subset = list(column = "dom", op = "==", value = "a"))
  }
}
# a lonely unit at stage 2 only (stratum S2 left out of the data)
for (opt in c("error", "adjust", "average", "remove", "certainty")) {
  s <- taylor("lonely_stage2.csv", weights = "w", strata = "stratum", psu = c("psu", "ssu"),
              fpc = c("N1", "N2"), lonely_psu = opt)
  s$name <- paste0("stage2_only_", opt)
  add_case(paste0("lonely/stage2_only/", opt, "/mean"), s, "mean", "y")
  if (opt == "error") next
  add_case(paste0("lonely/stage2_only/", opt, "/mean_by"), s, "mean", "y", by = "dom")
  add_case(paste0("lonely/stage2_only/", opt, "/proportion"), s, "proportion", "cat3")
}

# --- 4.4 confidence intervals for proportions ----------------------------------------------------
start_fixture("proportion_ci", "Logit and Korn-Graubard (svyciprop 'logit', 'beta') intervals, also by domain.")
ci_designs <- list(strat = api_designs$strat, clus1 = api_designs$clus1, clus2 = api_designs$clus2,
                   three_stage = syn$three_stage, nest = syn$nest)
ci_vars <- list(strat = c("awards", "sch.wide"), clus1 = "awards", clus2 = "sch.wide",
                three_stage = "yes", nest = "cat4")
ci_by <- list(strat = "yr.rnd", clus1 = "stype", clus2 = "stype", three_stage = "sex", nest = "sex")
for (nm in names(ci_designs)) {
  s <- ci_designs[[nm]]
  for (m in c("logit", "korn-graubard")) {
    add_case(paste0("ci/", nm, "/", m), s, "proportion", ci_vars[[nm]], ci = m)
    add_case(paste0("ci/", nm, "/", m, "_by"), s, "proportion", ci_vars[[nm]][1], by = ci_by[[nm]], ci = m)
  }
  add_case(paste0("ci/", nm, "/quantile_logit"), s, "quantile", if (nm %in% c("three_stage", "nest")) "y" else "api00",
           quantiles = c(0.25, 0.5), ci = "logit")
  add_case(paste0("ci/", nm, "/quantile_kg"), s, "quantile", if (nm %in% c("three_stage", "nest")) "y" else "api00",
           quantiles = c(0.25, 0.5), ci = "korn-graubard")
}
add_case("ci/strat/quantile_kg_by", api_designs$strat, "quantile", "api00", quantiles = c(0.25, 0.5),
         by = "yr.rnd", ci = "korn-graubard")
add_case("ci/strat/quantile_logit_by", api_designs$strat, "quantile", "api00", quantiles = c(0.25, 0.5),
         by = "yr.rnd", ci = "logit")
add_case("ci/strat/logit_level90", api_designs$strat, "proportion", "awards", ci = "logit", level = 0.9)
add_case("ci/strat/kg_level90", api_designs$strat, "proportion", "awards", ci = "korn-graubard", level = 0.9)

# --- 4.5 replicate designs ----------------------------------------------------------------------
start_fixture("replicate", "Replicate-weight designs: JK1/JKn from the Taylor design, BRR/Fay/bootstrap/SDR/JKn weights from CSV.")
paired_design <- taylor("paired.csv", weights = "w", strata = "stratum", psu = "psu")
paired_design$name <- "paired"
reps <- list(
  jk1_clus1_fpc = to_rep(api_designs$clus1, "jk1"),
  jk1_clus1 = to_rep(api_designs$clus1_nofpc, "jk1"),
  jk1_clus2_fpc = to_rep(api_designs$clus2, "jk1"),
  jkn_strat_fpc = to_rep(api_designs$strat, "jkn"),
  jkn_nest = to_rep(syn$nest, "jkn"),
  jkn_three_stage = to_rep(syn$three_stage, "jkn"),
  jkn_strat_fpc_mse = to_rep(api_designs$strat, "jkn", mse = TRUE),
  brr_from_design = to_rep(paired_design, "brr"),
  fay_from_design = to_rep(paired_design, "fay", rho = 0.5),
  brr = given_rep("paired.csv", "w", "brr", "brr"),
  brr_mse = given_rep("paired.csv", "w", "brr", "brr", mse = TRUE),
  fay = given_rep("paired.csv", "w", "fay", "fay", rho = 0.5),
  fay_mse = given_rep("paired.csv", "w", "fay", "fay", rho = 0.5, mse = TRUE),
  bootstrap = given_rep("paired.csv", "w", "boot", "bootstrap"),
  bootstrap_mse = given_rep("paired.csv", "w", "boot", "bootstrap", mse = TRUE),
  sdr = given_rep("paired.csv", "w", "sdr", "sdr"),
  sdr_mse = given_rep("paired.csv", "w", "sdr", "sdr", mse = TRUE),
  jkn_given = given_rep("paired.csv", "w", "jkn", "jkn", rscales = rep(0.5, 16)),
  other = given_rep("paired.csv", "w", "boot", "other", scale = 0.05, rscales = rep(1, 20))
)
reps <- named(reps, "rep_")
for (nm in names(reps)) {
  s <- reps[[nm]]
  api <- s$data %in% c("apiclus1.csv", "apiclus2.csv", "apistrat.csv")
  yv <- if (api) c("api00", "enroll") else if (s$data == "paired.csv") c("y", "x") else c("y", "x")
  catv <- if (api) "awards" else if (s$data == "nested.csv") "cat4" else "cat3"
  domv <- if (api) "stype" else if (s$data == "nested.csv") "grp" else if (s$data == "paired.csv") "dom" else "region"
  num <- if (api) "api.stu" else "y"
  den <- if (api) "enroll" else if (s$data == "nested.csv") "z" else "x"
  if (s$data == "nested.csv") yv <- c("y", "z")
  if (endsWith(nm, "_from_design")) {
    # surveykit's Hadamard matrix is not R's precomputed one: only statistics that are linear in the
    # weights (totals) are the same for any fully balanced set of half-samples
    add_case(paste0("rep/", nm, "/total"), s, "total", yv)
    add_case(paste0("rep/", nm, "/total_by"), s, "total", yv, by = domv)
    next
  }
  add_case(paste0("rep/", nm, "/mean"), s, "mean", yv)
  add_case(paste0("rep/", nm, "/total"), s, "total", yv)
  add_case(paste0("rep/", nm, "/proportion"), s, "proportion", catv)
  add_case(paste0("rep/", nm, "/ratio"), s, "ratio", num, denominator = den)
  add_case(paste0("rep/", nm, "/quantile"), s, "quantile", yv[1], quantiles = Q4)
  add_case(paste0("rep/", nm, "/mean_by"), s, "mean", yv, by = domv)
  add_case(paste0("rep/", nm, "/proportion_by"), s, "proportion", catv, by = domv)
  add_case(paste0("rep/", nm, "/quantile_by"), s, "quantile", yv[1], quantiles = c(0.5), by = domv)
  add_case(paste0("rep/", nm, "/normal"), s, "total", yv[1], ci = "normal")
}
add_case("rep/brr/subset", reps$brr, "mean", "y", subset = list(column = "x", op = ">", value = 2))
add_case("rep/jkn_strat_fpc/subset", reps$jkn_strat_fpc, "total", "enroll",
         subset = list(column = "awards", op = "==", value = "Yes"))
add_case("rep/brr/ratio_by", reps$brr, "ratio", "y", denominator = "x", by = "dom")
add_case("rep/fay/logit", reps$fay, "proportion", "cat3", ci = "logit")
add_case("rep/fay/quantile_logit", reps$fay, "quantile", "y", quantiles = c(0.25, 0.5), ci = "logit")
add_case("rep/fay/korn-graubard", reps$fay, "proportion", "cat3", ci = "korn-graubard")
add_case("rep/jkn_strat_fpc/korn-graubard_by", reps$jkn_strat_fpc, "proportion", "awards", by = "yr.rnd",
         ci = "korn-graubard")

# =================================================================================================
# 5. Write
# =================================================================================================
meta_common <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  generator = "tests/reference/make_reference.R",
  tolerance = "relative 1e-6 on estimate, se, ci_low, ci_high, deff",
  conventions = paste(
    "Each variable is estimated on its own (svymean(~y, na.rm=TRUE) once per variable).",
    "t intervals use the degrees of freedom of the whole design (degf(design) before any subset or",
    "domain), passed to confint/svyciprop/svyquantile as df=. Korn-Graubard ('beta') uses R's",
    "internal degf() of the (domain) design for its t-ratio adjustment. Quantiles: qrule='math',",
    "Woodruff interval (interval.type 'mean', 'xlogit' for ci='logit', 'beta' for ci='korn-graubard').")
)
for (nm in names(fixtures)) {
  fx <- fixtures[[nm]]
  fx$meta <- c(fx$meta, meta_common)
  # one case per line: compact, yet a regenerated fixture diffs case by case
  js <- function(x) toJSON(x, auto_unbox = TRUE, digits = NA, null = "null", na = "null")
  lines <- c(paste0('{"meta": ', js(fx$meta), ','), ' "designs": {',
             paste0("  ", vapply(names(fx$designs), function(n) paste0(js(n), ": ", js(fx$designs[[n]])), ""),
                    c(rep(",", length(fx$designs) - 1), "")),
             ' },', ' "cases": [',
             paste0(vapply(fx$cases, js, ""), c(rep(",", length(fx$cases) - 1), "")), "]}")
  writeLines(lines, file.path(fix_dir, paste0(nm, ".json")))
  cat(sprintf("%-18s %4d cases\n", nm, length(fx$cases)))
}
