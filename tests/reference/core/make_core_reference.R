#!/usr/bin/env Rscript
# R survey reference numbers for surveykit's estimation core (issue 9): covariance of estimates,
# differences between domains, linear and nonlinear contrasts, and a user's own statistic.
#
# Writes, next to this script:
#   fixtures/covariance.json   vcov(svymean/svytotal/svyratio), svyby(..., covmat=TRUE)
#   fixtures/contrasts.json    differences (domain - reference, all pairs, domain - whole population),
#                              svycontrast (linear and quote()d nonlinear), own statistics (the
#                              coefficient of variation from totals, a Gini coefficient and a mean
#                              through withReplicates)
#
# Run from anywhere:  Rscript tests/reference/core/make_core_reference.R
# Needs R >= 4.2 with survey (4.1-1 here) and jsonlite. See README.md.
#
# It writes no data: it reads tests/reference/data/*.csv and tests/reference/weighting/data/*.csv
# (paths in the fixtures are relative to tests/reference/). Every R number is computed from those
# CSV files as read back, so R and surveykit see the same doubles.

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

invisible(Sys.setlocale("LC_COLLATE", "C"))   # factor levels sorted by code point, as Python sorts strings
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.replicates.mse = FALSE, survey.drop.replicates = TRUE, warn = 1)

source(file.path(ref_dir, "r_designs.R"))   # designs and weighting steps: surveykit terms -> R

# =================================================================================================
# 2. Statistics with their covariance (and replicates), rows in R's order
# =================================================================================================
# A row key: variable, domain (by-column -> value as text), level (proportions). A "stat" is
# list(rows, coef, vcov, reps (replicate designs: replicates x rows, R's scale/rscales/mse), code).
row_key <- function(variable, domain = NULL, level = NULL) {
  r <- list(variable = variable)
  if (length(domain)) r$domain <- domain
  if (!is.null(level)) r$level <- level
  r
}

add_cols <- function(d, cols) {
  for (nm in names(cols)) d$variables[[nm]] <- cols[[nm]]
  d
}
has_na <- function(d, vars) any(vapply(vars, function(v) anyNA(d$variables[[v]]), TRUE))

# A svystat / svrepstat object -> stat.
from_svystat <- function(x, rows, code) {
  cf <- coef(x)
  V <- as.matrix(vcov(x))
  reps <- NULL
  if (is.list(x) && !is.null(x$replicates)) reps <- x$replicates
  list(rows = rows, coef = unname(as.numeric(cf)), vcov = unname(V), reps = reps, code = code)
}

# svyby(..., covmat=TRUE): coef() is stat-major (all domains of statistic 1, then statistic 2 ...).
# On replicate designs R's replicates attribute is domain-major; reorder it to coef()'s order (R's
# own svycontrast.svyby would pair replicate columns with the wrong names when nstats > 1).
from_svyby <- function(x, by, stat_rows, design, code) {
  nd <- nrow(x)
  ns <- attr(x, "svyby")$nstats
  stopifnot(ns == length(stat_rows))
  rows <- list()
  for (j in seq_len(ns)) for (i in seq_len(nd)) {
    dom <- setNames(lapply(by, function(b) as.character(x[[b]][i])), by)
    rows[[length(rows) + 1]] <- row_key(stat_rows[[j]]$variable, dom, stat_rows[[j]]$level)
  }
  V <- unname(as.matrix(vcov(x)))
  near(sqrt(diag(V)), as.vector(as.matrix(SE(x))), 1e-10, paste(code, "diag vs SE"))
  reps <- NULL
  if (is_rep(design)) {
    r <- attr(x, "replicates")
    perm <- as.vector(matrix(seq_len(nd * ns), nrow = nd, ncol = ns, byrow = TRUE))
    reps <- r[, perm, drop = FALSE]
    attributes(reps)[c("scale", "rscales", "mse")] <- attributes(r)[c("scale", "rscales", "mse")]
    near(svrVar(reps, design$scale, design$rscales, mse = design$mse, coef = coef(x)), V, 1e-9,
         paste(code, "replicates vs covmat"))
  }
  list(rows = rows, coef = unname(as.numeric(coef(x))), vcov = V, reps = reps, code = code)
}

# The surveykit estimator call -> R.  statistic: mean | total | proportion | ratio.
r_stat <- function(d, statistic, variables, by = NULL, denominator = NULL) {
  rep <- is_rep(d)
  if (is.null(by)) {
    if (statistic == "proportion") {
      stopifnot(length(variables) == 1)
      v <- variables
      x <- svymean(fml(v), d, na.rm = TRUE, return.replicates = rep)
      lev <- levels(d$variables[[v]])
      return(from_svystat(x, lapply(lev, function(l) row_key(v, NULL, l)),
                          sprintf("vcov(svymean(~%s, design, na.rm=TRUE))", v)))
    }
    if (statistic == "ratio") {
      x <- svyratio(fml(variables), fml(denominator), d, na.rm = TRUE, covmat = TRUE, return.replicates = rep)
      # coef order: numerators fastest within each denominator
      g <- expand.grid(num = variables, den = denominator, stringsAsFactors = FALSE)
      rows <- lapply(seq_len(nrow(g)), function(i) row_key(paste0(g$num[i], "/", g$den[i])))
      near(coef(x), as.vector(x$ratio), 0, "ratio order")
      st <- from_svystat(x, rows, sprintf("vcov(svyratio(%s, %s, design, na.rm=TRUE, covmat=TRUE))",
                                          deparse(fml(variables)), deparse(fml(denominator))))
      if (rep) st$reps <- x$replicates
      return(st)
    }
    FUN <- if (statistic == "mean") svymean else svytotal
    fn <- if (statistic == "mean") "svymean" else "svytotal"
    if (length(variables) == 1 || !has_na(d, variables)) {
      x <- FUN(fml(variables), d, na.rm = TRUE, return.replicates = rep)
      return(from_svystat(x, lapply(variables, row_key),
                          sprintf("vcov(%s(%s, design))", fn, deparse(fml(variables)))))
    }
    # variables with different missing rows: each estimated on its own rows (surveykit's rule), so
    # the joint covariance comes from totals of y*1(y observed) and 1(y observed)
    cols <- list()
    ex <- list()
    for (v in variables) {
      y <- d$variables[[v]]
      cols[[paste0(v, "__y")]] <- ifelse(is.na(y), 0, y)
      cols[[paste0(v, "__n")]] <- as.numeric(!is.na(y))
      ex[[v]] <- if (statistic == "mean") call("/", as.name(paste0(v, "__y")), as.name(paste0(v, "__n")))
                 else as.name(paste0(v, "__y"))
    }
    d2 <- add_cols(d, cols)
    tot <- svytotal(fml(names(cols)), d2, return.replicates = rep)
    x <- svycontrast(tot, ex)
    code <- sprintf(paste("vcov(svycontrast(svytotal(~%s, design), list(%s))); v__y = v with NA as 0,",
                          "v__n = 1(v observed): each variable on its own observed rows"),
                    paste(names(cols), collapse = "+"),
                    paste(vapply(names(ex), function(n) paste0(n, "=", deparse(ex[[n]])), ""), collapse = ", "))
    st <- from_svystat(x, lapply(variables, row_key), code)
    if (rep) {
      st$reps <- x$replicates
      for (a in c("scale", "rscales", "mse")) attr(st$reps, a) <- attr(tot$replicates, a)
      near(svrVar(st$reps, d$scale, d$rscales, mse = d$mse, coef = st$coef), st$vcov, 1e-9, "multi-NA reps")
    }
    # each diagonal element is the variable's own svymean/svytotal variance
    for (k in seq_along(variables))
      near(sqrt(st$vcov[k, k]), SE(FUN(fml(variables[k]), d, na.rm = TRUE)), 1e-9, "multi-NA diag")
    return(st)
  }
  byf <- fml(by)
  if (!rep && (has_na(d, c(variables, denominator)) || survey:::is.calibrated(d)))
    return(by_via_totals(d, statistic, variables, by, denominator))
  if (statistic == "ratio") {
    stopifnot(length(variables) == 1, length(denominator) == 1)
    x <- svyby(fml(variables), byf, d, svyratio, denominator = fml(denominator), na.rm = TRUE,
               covmat = TRUE, return.replicates = rep)
    return(from_svyby(x, by, list(row_key(paste0(variables, "/", denominator))), d,
                      sprintf("vcov(svyby(~%s, %s, design, svyratio, denominator=~%s, na.rm=TRUE, covmat=TRUE))",
                              variables, deparse(byf), denominator)))
  }
  FUN <- if (statistic == "total") svytotal else svymean
  fn <- if (statistic == "total") "svytotal" else "svymean"
  if (statistic == "proportion") {
    stopifnot(length(variables) == 1)
    srows <- lapply(levels(d$variables[[variables]]), function(l) row_key(variables, NULL, l))
  } else {
    stopifnot(length(variables) == 1 || !has_na(d, variables))
    srows <- lapply(variables, row_key)
  }
  x <- svyby(fml(variables), byf, d, FUN, na.rm = TRUE, covmat = TRUE, return.replicates = rep)
  from_svyby(x, by, srows, d, sprintf("vcov(svyby(%s, %s, design, %s, na.rm=TRUE, covmat=TRUE%s))",
                                      deparse(fml(variables)), deparse(byf), fn,
                                      if (rep) ", return.replicates=TRUE" else ""))
}

# survey 4.1-1's svyby(..., covmat=TRUE) on a Taylor design stops ("number of items to replace")
# when na.rm=TRUE drops rows or the design is calibrated (its subsets keep every row); the same covariance comes from totals of y*1(observed)*1(domain) and
# 1(observed)*1(domain) (ratios: x*1(observed)*1(domain)) through svycontrast. Row order, estimates
# and SEs are those of svyby without covmat (checked).
by_via_totals <- function(d, statistic, variables, by, denominator) {
  stopifnot(length(variables) == 1)
  v <- variables
  byf <- fml(by)
  FUN <- switch(statistic, total = svytotal, ratio = svyratio, svymean)
  x <- if (statistic == "ratio") svyby(fml(v), byf, d, svyratio, denominator = fml(denominator), na.rm = TRUE)
       else svyby(fml(v), byf, d, FUN, na.rm = TRUE)
  nd <- nrow(x)
  raw <- d$variables[[v]]
  obs <- !is.na(raw)
  if (statistic == "ratio") obs <- obs & !is.na(d$variables[[denominator]])
  if (statistic == "proportion") {
    lev <- levels(raw)
    ys <- lapply(lev, function(l) ifelse(obs, as.numeric(raw == l), 0))
    srows <- lapply(lev, function(l) row_key(v, NULL, l))
  } else {
    ys <- list(ifelse(obs, raw, 0))
    srows <- list(row_key(if (statistic == "ratio") paste0(v, "/", denominator) else v))
  }
  den <- if (statistic == "ratio") ifelse(obs, d$variables[[denominator]], 0) else as.numeric(obs)
  key <- do.call(paste, c(lapply(by, function(b) as.character(d$variables[[b]])), sep = "\r"))
  cols <- list(); ex <- list(); rows <- list()
  for (j in seq_along(ys)) for (i in seq_len(nd)) {
    dom <- setNames(lapply(by, function(b) as.character(x[[b]][i])), by)
    ind <- as.numeric(key == do.call(paste, c(unname(dom), sep = "\r")))
    a <- sprintf("a%d_%d", j, i); b <- sprintf("b%d_%d", j, i)
    cols[[a]] <- ys[[j]] * ind
    cols[[b]] <- den * ind
    ex[[sprintf("s%d_%d", j, i)]] <- if (statistic == "total") as.name(a) else call("/", as.name(a), as.name(b))
    rows[[length(rows) + 1]] <- row_key(srows[[j]]$variable, dom, srows[[j]]$level)
  }
  d2 <- add_cols(d, cols)
  res <- svycontrast(svytotal(fml(names(cols)), d2), ex)
  V <- unname(as.matrix(vcov(res)))
  near(coef(res), coef(x), 1e-10, "by_via_totals estimates")
  near(sqrt(diag(V)), as.vector(as.matrix(SE(x))), 1e-9, "by_via_totals SE")
  code <- sprintf(paste("vcov(svycontrast(svytotal(~a_jd + b_jd ..., design), list(s_jd = %s))):",
                        "a_jd = y_j*1(observed)*1(domain d), b_jd = %s*1(observed)*1(domain d); equals",
                        "svyby(~%s, %s, design, %s, na.rm=TRUE) (survey 4.1-1's covmat=TRUE fails with na.rm or calibration)"),
                  if (statistic == "total") "a_jd" else "a_jd/b_jd", if (statistic == "ratio") denominator else "1",
                  v, deparse(byf), switch(statistic, total = "svytotal", ratio = "svyratio", "svymean"))
  list(rows = rows, coef = unname(as.numeric(coef(res))), vcov = V, reps = NULL, code = code)
}

# stat -> an R object svycontrast accepts, with syntactic names p1..pk for the rows
# Linear contrasts use c V c' also on replicate designs (equal to the replicates' own variance with
# mse=FALSE): survey 4.1-1's svycontrast.svrepstat fails on a linear contrast when replicates are
# present (crossprod(replicates, contrasts) is non-conformable).
as_contrastable <- function(st, linear = FALSE) {
  nm <- paste0("p", seq_along(st$coef))
  cf <- setNames(st$coef, nm)
  V <- st$vcov
  dimnames(V) <- list(nm, nm)
  if (is.null(st$reps) || linear) {
    x <- cf
    attr(x, "var") <- V
    attr(x, "statistic") <- "stat"
    class(x) <- "svystat"
    return(x)
  }
  reps <- st$reps
  stopifnot(!is.null(attr(reps, "scale")), !is.null(attr(reps, "rscales")))
  colnames(reps) <- nm
  est <- cf
  attr(est, "var") <- V
  attr(est, "statistic") <- "stat"
  x <- list(stat = est, replicates = reps)
  class(x) <- "svrepstat"
  x
}
contrast_result <- function(x) {   # svycontrast's value -> estimate, se
  if (is.list(x) && !is.null(x$replicates)) {
    est <- x$nlcon
    if (is.null(est)) est <- x$contrast
  } else est <- x
  list(estimate = as.numeric(coef(x)), se = as.numeric(SE(x)))
}

# =================================================================================================
# 3. Cases
# =================================================================================================
fixtures <- list(covariance = list(designs = list(), cases = list()),
                 contrasts = list(designs = list(), cases = list()))
current <- NULL

register <- function(spec) {
  if (!is.null(fixtures[[current]]$designs[[spec$name]])) return(invisible())
  fixtures[[current]]$designs[[spec$name]] <<- design_entry(spec)
}

add <- function(case) {
  n <- length(fixtures[[current]]$cases)
  ids <- vapply(fixtures[[current]]$cases, function(c) c$id, "")
  if (case$id %in% ids) stop("duplicate id ", case$id)
  fixtures[[current]]$cases[[n + 1]] <<- case
}
call_of <- function(fun, statistic, variables, by, denominator = NULL, extra = list()) {
  cl <- list("function" = fun, statistic = statistic, variables = I(variables))
  if (!is.null(denominator)) cl$denominator <- I(denominator)
  cl$by <- if (is.null(by)) NULL else I(by)
  c(cl, extra)
}

# --- 3.1 covariance --------------------------------------------------------------------------------
cov_case <- function(id, spec, statistic, variables, by = NULL, denominator = NULL, subset = NULL) {
  if (nzchar(Sys.getenv("CORE_TRACE"))) message(id)
  register(spec)
  d <- design_of(spec, subset)
  st <- strict(r_stat(d, statistic, variables, by, denominator))
  V <- st$vcov
  ev <- eigen((V + t(V)) / 2, symmetric = TRUE, only.values = TRUE)$values
  if (min(ev) < -1e-8 * max(abs(ev))) stop(id, ": covariance not PSD")
  case <- list(id = id, kind = "covariance", design = spec$name)
  if (!is.null(subset)) case$subset <- subset
  case$call <- call_of("covariance", statistic, variables, by, denominator)
  case$r_code <- st$code
  case$rows <- st$rows
  case$estimate <- st$coef
  case$se <- sqrt(diag(V))
  case$matrix <- V
  add(case)
}

# Several statistics at once (a mean and a proportion) from one svymean/svyby call: variables
# without missing values, so R's joint formula drops no rows.
joint_case <- function(id, spec, estimates, by = NULL) {
  register(spec)
  d <- build(spec)$design
  vars <- vapply(estimates, function(e) e$variable, "")
  stopifnot(!has_na(d, vars))
  srows <- list()
  for (e in estimates) {
    if (e$statistic == "proportion") {
      for (l in levels(d$variables[[e$variable]])) srows[[length(srows) + 1]] <- c(row_key(e$variable, NULL, l), list(statistic = "proportion"))
    } else srows[[length(srows) + 1]] <- c(row_key(e$variable), list(statistic = "mean"))
  }
  rep <- is_rep(d)
  if (is.null(by)) {
    x <- svymean(fml(vars), d, return.replicates = rep)
    st <- from_svystat(x, srows, sprintf("vcov(svymean(%s, design))", deparse(fml(vars))))
  } else {
    x <- svyby(fml(vars), fml(by), d, svymean, covmat = TRUE, return.replicates = rep)
    st <- from_svyby(x, by, srows, d, sprintf("vcov(svyby(%s, %s, design, svymean, covmat=TRUE))",
                                              deparse(fml(vars)), deparse(fml(by))))
    for (k in seq_along(st$rows)) st$rows[[k]]$statistic <- srows[[(k - 1) %/% nrow(x) + 1]]$statistic
  }
  case <- list(id = id, kind = "covariance_joint", design = spec$name,
               call = list("function" = "covariance_joint", estimates = estimates,
                           by = if (is.null(by)) NULL else I(by)),
               r_code = st$code, rows = st$rows, estimate = st$coef, se = sqrt(diag(st$vcov)),
               matrix = st$vcov)
  add(case)
}

# --- 3.2 differences ---------------------------------------------------------------------------------
# d.difference(variable, by, statistic=, reference=<category>|"total", pairs="reference"|"all"):
# estimate = group - reference. R: svycontrast on svyby(..., covmat=TRUE); against the whole
# population: svytotal of y*1(group), 1(group), y, 1 (observed rows) and a quote()d contrast.
diff_case <- function(id, spec, statistic, variable, by, reference = NULL, pairs = "reference",
                      level = NULL, denominator = NULL, subset = NULL) {
  register(spec)
  d0 <- build(spec)$design
  d <- design_of(spec, subset)
  df <- degf(d0)
  rep <- is_rep(d)
  reference_used <- reference
  if (!identical(reference, "total")) {
    st <- strict(r_stat(d, statistic, variable, by, denominator))
    sel <- which(vapply(st$rows, function(r) is.null(level) || identical(r$level, level), TRUE))
    groups <- vapply(st$rows[sel], function(r) r$domain[[by]], "")
    if (is.null(reference)) reference_used <- groups[1] else reference_used <- reference
    pr <- if (pairs == "all") {
      cmb <- combn(seq_along(groups), 2)
      lapply(seq_len(ncol(cmb)), function(k) c(cmb[2, k], cmb[1, k]))     # later - earlier
    } else lapply(setdiff(seq_along(groups), match(reference_used, groups)),
                  function(k) c(k, match(reference_used, groups)))
    x <- as_contrastable(st, linear = TRUE)
    out <- list()
    for (p in pr) {
      cv <- numeric(length(st$coef))
      cv[sel[p[1]]] <- 1
      cv[sel[p[2]]] <- -1
      r <- contrast_result(svycontrast(x, cv))
      out[[length(out) + 1]] <- c(list(variable = st$rows[[sel[p[1]]]]$variable, group = groups[p[1]],
                                       reference = groups[p[2]]),
                                  if (!is.null(level)) list(level = level),
                                  r, list(df = df))
    }
    code <- paste0(st$code, "; svycontrast(., c(...1, ...-1)) per pair (group minus reference)")
  } else {
    # a domain against the whole population: the domain is part of the total
    y <- if (statistic == "proportion") as.numeric(d$variables[[variable]] == level)
         else d$variables[[variable]]
    if (statistic == "proportion") y[is.na(d$variables[[variable]])] <- NA
    obs <- !is.na(y)
    if (statistic == "ratio") {
      xd <- d$variables[[denominator]]
      obs <- obs & !is.na(xd)
    }
    y0 <- ifelse(obs, y, 0)
    groups <- sort(unique(as.character(d$variables[[by]][obs & weights(d, "sampling") > 0])))
    out <- list()
    for (g in groups) {
      ind <- as.numeric(as.character(d$variables[[by]]) == g)
      ind[is.na(ind)] <- 0
      cols <- list(yg = y0 * ind, y = y0)
      if (statistic == "ratio") {
        x0 <- ifelse(obs, xd, 0)
        cols$xg <- x0 * ind
        cols$x <- x0
        ex <- quote(yg / xg - y / x)
      } else {
        cols$ng <- as.numeric(obs) * ind
        cols$n <- as.numeric(obs)
        ex <- quote(yg / ng - y / n)
      }
      d2 <- add_cols(d, cols)
      tot <- svytotal(fml(names(cols)), d2, return.replicates = rep)
      r <- contrast_result(svycontrast(tot, ex))
      out[[length(out) + 1]] <- c(list(variable = if (statistic == "ratio") paste0(variable, "/", denominator) else variable,
                                       group = g, reference = "total"),
                                  if (!is.null(level)) list(level = level), r, list(df = df))
    }
    code <- sprintf(paste("svycontrast(svytotal(~%s, design%s), quote(%s)) per group; yg = y*1(group),",
                          "%s, over rows where the variable is observed"),
                    if (statistic == "ratio") "yg+y+xg+x" else "yg+y+ng+n",
                    if (rep) ", return.replicates=TRUE" else "",
                    if (statistic == "ratio") "yg/xg - y/x" else "yg/ng - y/n",
                    if (statistic == "ratio") "xg = x*1(group)" else "ng = 1(group), n = 1")
  }
  case <- list(id = id, kind = "difference", design = spec$name)
  if (!is.null(subset)) case$subset <- subset
  case$call <- list("function" = "difference", statistic = statistic, variable = variable, by = by,
                    reference = if (identical(reference, "total")) "total" else if (pairs == "all") NULL
                                else reference_used, pairs = pairs)
  if (!is.null(level)) case$call$level <- level
  if (!is.null(denominator)) case$call$denominator <- denominator
  case$r_code <- code
  case$expected <- out
  add(case)
  invisible(out)
}

# --- 3.3 contrasts -------------------------------------------------------------------------------
# contrast: list(kind = "linear", coefficients = list(list(row=, coef=)...)) or
# list(kind = ratio | log_ratio | log_odds_ratio | difference, rows = list(A, B)).
nl_expr <- function(kind, a, b) {
  A <- as.name(a); B <- as.name(b)
  switch(kind,
    ratio = call("/", A, B),
    log_ratio = call("log", call("/", A, B)),
    log_odds_ratio = substitute(log(A / (1 - A)) - log(B / (1 - B)), list(A = A, B = B)),
    difference = call("-", A, B),
    stop("unknown contrast kind ", kind))
}
same_row <- function(r, k) {
  identical(r$variable, k$variable) && identical(r$level, k$level) &&
    identical(unlist(r$domain), unlist(k$domain))
}
contrast_case <- function(id, spec, statistic, variables, by, contrast, denominator = NULL, subset = NULL) {
  if (nzchar(Sys.getenv("CORE_TRACE"))) message(id)
  register(spec)
  d0 <- build(spec)$design
  d <- design_of(spec, subset)
  st <- strict(r_stat(d, statistic, variables, by, denominator))
  x <- as_contrastable(st)
  find <- function(k) {
    i <- which(vapply(st$rows, same_row, TRUE, k = k))
    if (length(i) != 1) stop(id, ": row not found ", toJSON(k, auto_unbox = TRUE))
    i
  }
  names_of <- paste0("p", seq_along(st$coef))
  label <- function(i) {
    r <- st$rows[[i]]
    paste0(r$variable, if (!is.null(r$level)) paste0("=", r$level),
           if (length(r$domain)) paste0("[", paste(names(r$domain), unlist(r$domain), sep = "=", collapse = ","), "]"))
  }
  if (contrast$kind == "linear") {
    cv <- setNames(numeric(length(st$coef)), names_of)
    for (cf in contrast$coefficients) cv[find(cf$row)] <- cf$coef
    named <- cv[cv != 0]
    res <- svycontrast(as_contrastable(st, linear = TRUE), named)
    expr_text <- paste0("svycontrast(., c(", paste(sprintf("`%s`=%s", vapply(which(cv != 0), label, ""), cv[cv != 0]),
                                                 collapse = ", "), "))")
  } else {
    ia <- find(contrast$rows[[1]]); ib <- find(contrast$rows[[2]])
    ex <- nl_expr(contrast$kind, names_of[ia], names_of[ib])
    res <- svycontrast(x, ex)
    txt <- deparse(ex, width.cutoff = 500)
    txt <- gsub(paste0("\\b", names_of[ia], "\\b"), paste0("`", label(ia), "`"), txt)
    txt <- gsub(paste0("\\b", names_of[ib], "\\b"), paste0("`", label(ib), "`"), txt)
    expr_text <- paste0("svycontrast(., quote(", txt, "))")
  }
  r <- contrast_result(res)
  case <- list(id = id, kind = "contrast", design = spec$name)
  if (!is.null(subset)) case$subset <- subset
  case$call <- call_of("contrast", statistic, variables, by, denominator, list(contrast = contrast))
  case$r_code <- paste0(sub("^vcov\\(", "", sub("\\)$", "", st$code)), "; ", expr_text,
                        if (is_rep(d)) " (replicate designs: the function of every replicate, svrVar)" else " (delta method)")
  case$expected <- c(r, list(df = degf(d0)))
  add(case)
}

# --- 3.4 own statistics ------------------------------------------------------------------------
# (a) coefficient of variation of y from totals N = sum(w), T1 = sum(w y), T2 = sum(w y^2):
#     cv = sqrt(T2/N - (T1/N)^2) / (T1/N)   (population variance with divisor N)
cv_case <- function(id, spec, variable, subset = NULL) {
  register(spec)
  d0 <- build(spec)$design
  d <- design_of(spec, subset)
  y <- d$variables[[variable]]
  stopifnot(!anyNA(y))
  d2 <- add_cols(d, list(one = rep(1, length(y)), y = y, y2 = y^2))
  tot <- svytotal(~one + y + y2, d2, return.replicates = is_rep(d))
  res <- svycontrast(tot, quote(sqrt(y2 / one - (y / one)^2) / (y / one)))
  r <- contrast_result(res)
  case <- list(id = id, kind = "own_statistic", design = spec$name)
  if (!is.null(subset)) case$subset <- subset
  case$call <- list("function" = "cv_from_totals", variable = variable,
                    totals = list(N = "1", T1 = variable, T2 = paste0(variable, "^2")),
                    formula = "sqrt(T2/N - (T1/N)^2) / (T1/N)")
  case$r_code <- sprintf("svycontrast(svytotal(~one+y+y2, design%s), quote(sqrt(y2/one - (y/one)^2)/(y/one))); y = %s, y2 = y^2",
                         if (is_rep(d)) ", return.replicates=TRUE" else "", variable)
  case$expected <- c(r, list(df = degf(d0)))
  add(case)
}

# (b) Gini coefficient (mean absolute difference over twice the mean), for weights w:
#     G = sum_i sum_j w_i w_j |y_i - y_j| / (2 * (sum w)^2 * mu),  mu = sum(w y) / sum(w)
gini_w <- function(y, w) {
  W <- sum(w)
  mu <- sum(w * y) / W
  sum(outer(w, w) * abs(outer(y, y, "-"))) / (2 * W^2 * mu)
}
mean_w <- function(y, w) sum(w * y) / sum(w)
GINI_DEF <- "G = sum_i sum_j w_i w_j |y_i - y_j| / (2 W^2 mu), W = sum_i w_i, mu = sum_i w_i y_i / W (all rows, zero weights included)"

withrep_case <- function(id, spec, fun, variable) {
  register(spec)
  d <- build(spec)$design
  stopifnot(is_rep(d), !anyNA(d$variables[[variable]]))
  f <- switch(fun, gini = function(w, data) gini_w(data[[variable]], w),
                   mean = function(w, data) mean_w(data[[variable]], w))
  x <- withReplicates(d, f, return.replicates = TRUE)
  case <- list(id = id, kind = "with_replicates", design = spec$name,
               call = list("function" = fun, variable = variable,
                           definition = if (fun == "gini") GINI_DEF else "sum(w y) / sum(w)"),
               r_code = sprintf("withReplicates(design, function(w, data) %s(data$%s, w)); %s",
                                if (fun == "gini") "gini_w" else "mean_w", variable,
                                "variance svrVar(replicates, scale, rscales, mse=FALSE): centred at the replicates' mean"),
               expected = list(estimate = as.numeric(coef(x)), se = as.numeric(SE(x)), df = degf(d)))
  if (fun == "mean") near(coef(x), coef(svymean(fml(variable), d)), 1e-12, "withReplicates mean")
  if (fun == "mean") near(SE(x), SE(svymean(fml(variable), d)), 1e-9, "withReplicates mean se")
  add(case)
}

# R-side cross-check: a difference between two domain means from svyby(covmat=TRUE) equals the one
# from svytotal of y*1(g), 1(g) for both groups (an independent covariance path in R).
cross_check_difference <- function(spec, variable, by, g1, g2) {
  d <- build(spec)$design
  y <- d$variables[[variable]]
  obs <- !is.na(y)
  y0 <- ifelse(obs, y, 0)
  gi <- function(g) as.numeric(as.character(d$variables[[by]]) == g)
  d2 <- add_cols(d, list(a1 = y0 * gi(g1), n1 = obs * gi(g1), a2 = y0 * gi(g2), n2 = obs * gi(g2)))
  tot <- svytotal(~a1 + n1 + a2 + n2, d2, return.replicates = is_rep(d))
  r1 <- contrast_result(svycontrast(tot, quote(a2 / n2 - a1 / n1)))
  st <- r_stat(d, "mean", variable, by)
  g <- vapply(st$rows, function(r) r$domain[[by]], "")
  cv <- numeric(length(g)); cv[g == g2] <- 1; cv[g == g1] <- -1
  r2 <- contrast_result(svycontrast(as_contrastable(st, linear = TRUE), cv))
  near(r1$se, r2$se, 1e-9, paste("difference paths", spec$name, variable, by))
  near(r1$estimate, r2$estimate, 1e-9, paste("difference paths", spec$name, variable, by))
}

# =================================================================================================
# 4. The designs
# =================================================================================================
boot_meta <- local({
  w <- fromJSON(file.path(ref_dir, "weighting", "fixtures", "weighting.json"), simplifyVector = FALSE)
  out <- list()
  for (c in w$cases) if (!is.null(c$replicate) && c$replicate$method == "bootstrap")
    out[[sub("_bootstrap.csv$", "", c$replicate$file)]] <- c$replicate
  out
})

SYN <- "weighting/data/synth.csv"
synth_taylor <- taylor("synth_taylor", SYN, weights = "w", strata = "stratum", psu = "psu", fpc = "fpc",
                       factors = c("sex", "agegrp"))
bm <- boot_meta$synth
synth_boot <- given_rep("synth_bootstrap", SYN, "w", unlist(bm$columns), "bootstrap", scale = bm$scale,
                        rscales = unlist(bm$rscales), replicate_data = "weighting/data/synth_bootstrap.csv",
                        factors = c("sex", "agegrp"))
api_strat <- taylor("api_strat", "data/apistrat.csv", weights = "pw", strata = "stype", fpc = "fpc")
multistage <- taylor("multistage", "data/multistage.csv", weights = "w", strata = "stratum",
                     psu = c("psu", "ssu", "hh"), fpc = c("N1", "N2", "N3"))
clus1_jk1 <- to_rep("apiclus1_jk1", taylor("apiclus1", "data/apiclus1.csv", weights = "pw", psu = "dnum", fpc = "fpc"),
                    "jk1")
paired_cols <- paste0("fay_", 1:12)
paired_fay <- given_rep("paired_fay", "data/paired.csv", "w", paired_cols, "fay", rho = 0.5)

# margins of the synthetic survey (tests/reference/weighting) and of the api population
m_sex <- cat_margin("sex", c(1, 2), c(13440, 14560))
m_age <- cat_margin("agegrp", c(1, 2, 3, 4), c(6720, 8400, 7000, 5880))
m_region <- cat_margin("region", c("east", "north", "south"), c(8400, 11760, 7840))
m_x <- num_margin("x", 80000)
ps_cells <- local({
  g <- expand.grid(sex = c(1, 2), region = c("east", "north", "south"), stringsAsFactors = FALSE)
  g$count <- c(4030, 4370, 5640, 6120, 3770, 4070)
  list(name = "sex x region", variables = list("sex", "region"),
       cells = lapply(seq_len(nrow(g)), function(i) list(sex = g$sex[i], region = g$region[i], count = g$count[i])))
})
synth_ps <- with_steps("synth_poststratify", synth_taylor, poststratify(ps_cells))
synth_rake <- with_steps("synth_rake", synth_taylor, rake_step(list(m_sex, m_age, m_region)))
synth_linear <- with_steps("synth_linear", synth_taylor, calibrate_step(list(m_sex, m_age, m_region, m_x), "linear"))
synth_logit <- with_steps("synth_logit", synth_taylor,
                          calibrate_step(list(m_sex, m_age, m_region, m_x), "logit", bounds = c(0.8, 1.3)))
synth_boot_rake <- with_steps("synth_bootstrap_rake", synth_boot, rake_step(list(m_sex, m_age, m_region)))
clus1_jk1_linear <- with_steps("apiclus1_jk1_linear", clus1_jk1,
                               calibrate_step(list(cat_margin("stype", c("E", "H", "M"), c(4421, 755, 1018)),
                                                   num_margin("api99", 3914069)), "linear"))
paired_fay_ps <- with_steps("paired_fay_poststratify", paired_fay,
                            poststratify(cat_margin("dom", c("d1", "d2"), c(520, 940))))

# Per data set: two numeric variables (no missing values unless stated), a categorical one, a binary
# one and its level, a domain whose first two groups are compared (two groups, or api's stype: every
# two-group api domain has a JK1 replicate with a proportion of 0 or 1) and a domain with three or more groups.
roles <- list(
  synth = list(y1 = "y", y2 = "x", cat = "dom", bin = "z", yes = "yes", d2 = "sex", d3 = "dom"),
  api = list(y1 = "api00", y2 = "api99", cat = "awards", bin = "awards", yes = "Yes", d2 = "stype", d3 = "stype"),
  multistage = list(y1 = "y", y2 = "x", cat = "cat3", bin = "yes", yes = "yes", d2 = "sex", d3 = "region"),
  paired = list(y1 = "y", y2 = "x", cat = "cat3", bin = "cat3", yes = "a", d2 = "dom", d3 = "cat3")
)
role_of <- function(spec) {
  if (startsWith(spec$data, "weighting/data/synth")) return(roles$synth)
  if (grepl("api", spec$data)) return(roles$api)
  if (grepl("multistage", spec$data)) return(roles$multistage)
  roles$paired
}
margin_names <- function(spec) unlist(lapply(spec$steps, function(st) vapply(st$margins, function(m) m$name, "")))
groups_of <- function(spec, v) {
  d <- build(spec)$design
  sort(unique(as.character(d$variables[[v]])))
}

# =================================================================================================
# 5. Cases per design
# =================================================================================================
current <- "covariance"
full <- list(synth_taylor, multistage, clus1_jk1, synth_boot, paired_fay, synth_rake)
light <- list(api_strat, synth_ps, synth_linear, synth_logit, synth_boot_rake, clus1_jk1_linear, paired_fay_ps)
for (spec in c(full, light)) {
  r <- role_of(spec)
  p <- paste0("cov/", spec$name, "/")
  # a calibration variable's own estimate has no variance (R gives SE ~ 1e-16): not a case
  if (!(r$y2 %in% margin_names(spec))) cov_case(paste0(p, "mean_2vars"), spec, "mean", c(r$y1, r$y2))
  cov_case(paste0(p, "proportion"), spec, "proportion", r$cat)
  cov_case(paste0(p, "mean_by_d3"), spec, "mean", r$y1, by = r$d3)
  if (any(vapply(full, function(s) s$name == spec$name, TRUE))) {
    cov_case(paste0(p, "total_2vars"), spec, "total", c(r$y1, r$y2))
    cov_case(paste0(p, "ratio"), spec, "ratio", r$y1, denominator = r$y2)
    cov_case(paste0(p, "proportion_by_d2"), spec, "proportion", r$bin, by = r$d2)
    cov_case(paste0(p, "ratio_by_d2"), spec, "ratio", r$y1, by = r$d2, denominator = r$y2)
    cov_case(paste0(p, "total_by_d2"), spec, "total", r$y1, by = r$d2)
  }
}
# a few more shapes
cov_case("cov/synth_taylor/mean_2vars_by_2", synth_taylor, "mean", c("y", "x"), by = c("sex", "region"))
cov_case("cov/apiclus1_jk1/ratio_2num", clus1_jk1, "ratio", c("api00", "api99"), denominator = "enroll")
cov_case("cov/api_strat/ratio_2num", api_strat, "ratio", c("api00", "api99"), denominator = "enroll")
cov_case("cov/multistage/mean_by_region_subset", multistage, "mean", "y", by = "region",
         subset = list(column = "x", op = ">", value = 2))
cov_case("cov/synth_rake/mean_by_subset", synth_rake, "mean", "y", by = "dom",
         subset = list(column = "z", op = "==", value = "yes"))
cov_case("cov/synth_bootstrap/proportion_by_2", synth_boot, "proportion", "z", by = c("sex", "region"))
mean_and_prop <- list(list(statistic = "mean", variable = "y"), list(statistic = "proportion", variable = "z"))
for (spec in list(synth_taylor, synth_boot, synth_boot_rake))
  joint_case(paste0("cov/", spec$name, "/mean_and_proportion"), spec, mean_and_prop)
joint_case("cov/synth_taylor/mean_and_proportion_by_sex", synth_taylor, mean_and_prop, by = "sex")
joint_case("cov/synth_bootstrap/mean_and_proportion_by_sex", synth_boot, mean_and_prop, by = "sex")

# =================================================================================================
current <- "contrasts"
for (spec in c(full, light)) {
  r <- role_of(spec)
  p <- paste0(spec$name, "/")
  g2 <- groups_of(spec, r$d2)
  g3 <- groups_of(spec, r$d3)
  is_full <- any(vapply(full, function(s) s$name == spec$name, TRUE))
  # differences
  diff_case(paste0("diff/", p, "mean_d2"), spec, "mean", r$y1, r$d2)
  cross_check_difference(spec, r$y1, r$d2, g2[1], g2[2])
  diff_case(paste0("diff/", p, "mean_d3_all"), spec, "mean", r$y1, r$d3, pairs = "all")
  diff_case(paste0("diff/", p, "mean_vs_total"), spec, "mean", r$y1, r$d3, reference = "total")
  if (is_full) {
    diff_case(paste0("diff/", p, "mean_d3_ref"), spec, "mean", r$y1, r$d3, reference = g3[length(g3)])
    diff_case(paste0("diff/", p, "proportion_d2"), spec, "proportion", r$bin, r$d2, level = r$yes)
    diff_case(paste0("diff/", p, "proportion_vs_total"), spec, "proportion", r$bin, r$d2, reference = "total",
              level = r$yes)
    diff_case(paste0("diff/", p, "total_d2"), spec, "total", r$y1, r$d2)
    diff_case(paste0("diff/", p, "ratio_vs_total"), spec, "ratio", r$y1, r$d2, reference = "total",
              denominator = r$y2)
  }
  # contrasts
  rows_bin <- lapply(g2, function(g) row_key(r$bin, setNames(list(g), r$d2), r$yes))
  rows_y <- lapply(g3, function(g) row_key(r$y1, setNames(list(g), r$d3)))
  k <- length(rows_y)
  lin <- list(kind = "linear", coefficients = c(list(list(row = rows_y[[k]], coef = 1)),
                                                lapply(rows_y[-k], function(rw) list(row = rw, coef = -1 / (k - 1)))))
  contrast_case(paste0("contrast/", p, "linear_last_vs_rest"), spec, "mean", r$y1, r$d3, lin)
  contrast_case(paste0("contrast/", p, "ratio_of_rates"), spec, "proportion", r$bin, r$d2,
                list(kind = "ratio", rows = list(rows_bin[[2]], rows_bin[[1]])))
  if (is_full) {
    contrast_case(paste0("contrast/", p, "log_ratio"), spec, "proportion", r$bin, r$d2,
                  list(kind = "log_ratio", rows = list(rows_bin[[2]], rows_bin[[1]])))
    contrast_case(paste0("contrast/", p, "log_odds_ratio"), spec, "proportion", r$bin, r$d2,
                  list(kind = "log_odds_ratio", rows = list(rows_bin[[2]], rows_bin[[1]])))
    contrast_case(paste0("contrast/", p, "difference_of_means"), spec, "mean", r$y1, r$d3,
                  list(kind = "difference", rows = list(rows_y[[2]], rows_y[[1]])))
    contrast_case(paste0("contrast/", p, "ratio_of_means_2vars"), spec, "mean", c(r$y1, r$y2), NULL,
                  list(kind = "ratio", rows = list(row_key(r$y1), row_key(r$y2))))
  }
}
contrast_case("contrast/synth_taylor/linear_2vars_by", synth_taylor, "mean", c("y", "x"), "sex",
              list(kind = "linear", coefficients = list(
                list(row = row_key("y", list(sex = "2")), coef = 1), list(row = row_key("y", list(sex = "1")), coef = -1),
                list(row = row_key("x", list(sex = "2")), coef = -2), list(row = row_key("x", list(sex = "1")), coef = 2))))
contrast_case("contrast/synth_bootstrap/log_ratio_2by", synth_boot, "proportion", "z", c("sex", "region"),
              list(kind = "log_ratio", rows = list(row_key("z", list(sex = "2", region = "north"), "yes"),
                                                   row_key("z", list(sex = "1", region = "north"), "yes"))))
contrast_case("contrast/multistage/ratio_subset", multistage, "mean", "y", "sex",
              list(kind = "ratio", rows = list(row_key("y", list(sex = "2")), row_key("y", list(sex = "1")))),
              subset = list(column = "region", op = "!=", value = "east"))
diff_case("diff/synth_rake/mean_subset", synth_rake, "mean", "y", "sex",
          subset = list(column = "region", op = "==", value = "north"))

# own statistics
for (spec in list(synth_taylor, multistage, synth_rake, synth_linear, synth_logit, synth_ps, synth_boot,
                  synth_boot_rake, clus1_jk1, clus1_jk1_linear)) {
  r <- role_of(spec)
  v <- if (grepl("multistage", spec$data)) "N3" else r$y1
  cv_case(paste0("own/", spec$name, "/cv"), spec, v)
}
for (spec in list(clus1_jk1, synth_boot, synth_boot_rake, clus1_jk1_linear, paired_fay_ps)) {
  v <- switch(role_of(spec)$y1, y = if (grepl("paired", spec$data)) "x" else "y", api00 = "enroll")
  withrep_case(paste0("own/", spec$name, "/gini"), spec, "gini", v)
  withrep_case(paste0("own/", spec$name, "/mean"), spec, "mean", v)
}

# =================================================================================================
# 6. Write
# =================================================================================================
meta_common <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  generator = "tests/reference/core/make_core_reference.R",
  data_root = "tests/reference (data and replicate_data paths are relative to it)",
  tolerance = "relative 1e-6 on estimate, se and every matrix element (absolute where R gives 0)",
  conventions = paste(
    "Each variable is estimated on its own rows (na.rm=TRUE); a joint covariance of variables with",
    "different missing rows is built from totals of y*1(observed) and 1(observed). df is degf() of the",
    "whole design (before any subset). Rows are in R's order: statistic-major, domains fastest",
    "(svyby). Replicate designs: mse=FALSE, nonlinear contrasts apply the function to every replicate",
    "and centre at the replicates' mean (svrVar); Taylor designs: delta method with vcov."))
descriptions <- list(
  covariance = "Covariance of estimates: vcov(svymean/svytotal/svyratio) and svyby(..., covmat=TRUE).",
  contrasts = "Differences between domains, svycontrast (linear and nonlinear), own statistics (cv, Gini, withReplicates).")
js <- function(x) toJSON(x, auto_unbox = TRUE, digits = NA, null = "null", na = "null")
for (nm in names(fixtures)) {
  fx <- fixtures[[nm]]
  meta <- c(list(description = descriptions[[nm]]), meta_common)
  lines <- c(paste0('{"meta": ', js(meta), ','), ' "designs": {',
             paste0("  ", vapply(names(fx$designs), function(n) paste0(js(n), ": ", js(fx$designs[[n]])), ""),
                    c(rep(",", length(fx$designs) - 1), "")),
             ' },', ' "cases": [',
             paste0(vapply(fx$cases, js, ""), c(rep(",", length(fx$cases) - 1), "")), "]}")
  writeLines(lines, file.path(fix_dir, paste0(nm, ".json")))
  kinds <- table(vapply(fx$cases, function(c) c$kind, ""))
  cat(sprintf("%-12s %4d cases (%s)\n", nm, length(fx$cases),
              paste(names(kinds), kinds, sep = " ", collapse = ", ")))
}
