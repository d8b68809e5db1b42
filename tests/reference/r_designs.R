# Shared by the R reference scripts under tests/reference/ (core/, inference/): survey designs and
# weighting steps described in surveykit's terms, and the R objects built from them.
#
# Needs `ref_dir` (the tests/reference directory) set by the sourcing script. Data paths are relative
# to it. A design spec is list(name, kind = "taylor" | "to_replicate" | "replicate", data,
# replicate_data, factors, design = SurveyDesign kwargs, replicate = to_replicate / ReplicateDesign
# kwargs, steps = weighting steps); build(spec) returns list(design = <R design>, steps_code).
strict <- function(expr) withCallingHandlers(expr, warning = function(w) {
  stop("R warned (a reference case must be clean): ", conditionMessage(w))
})
near <- function(a, b, tol = 1e-9, what = "") {   # R-side cross-checks of R's own numbers
  a <- as.numeric(a); b <- as.numeric(b)
  err <- max(abs(a - b) / pmax(abs(b), 1e-12))
  if (!is.finite(err) || err > tol) stop("cross-check failed (", what, "): relative error ", err)
  invisible(TRUE)
}

# =================================================================================================
# 1. Data and designs (surveykit terms -> R)
# =================================================================================================
# data: path relative to tests/reference; character columns become factors; `factors` are integer
# codes treated as categories (calibration margins, proportions).
load_data <- function(spec) {
  df <- read.csv(file.path(ref_dir, spec$data), stringsAsFactors = FALSE)
  if (!is.null(spec$replicate_data))
    df <- cbind(df, read.csv(file.path(ref_dir, spec$replicate_data)))
  for (v in names(df)) if (is.character(df[[v]])) df[[v]] <- factor(df[[v]])
  for (v in spec$factors) df[[v]] <- factor(df[[v]])
  df
}

fml <- function(v) if (length(v)) as.formula(paste("~", paste(sprintf("`%s`", v), collapse = "+"))) else NULL
rep_type <- c(jk1 = "JK1", jkn = "JKn", brr = "BRR", fay = "Fay", bootstrap = "bootstrap")

taylor <- function(name, data, weights = NULL, strata = NULL, psu = NULL, fpc = NULL, nest = FALSE,
                   factors = character()) {
  list(name = name, kind = "taylor", data = data, factors = factors,
       design = list(weights = weights, strata = strata, psu = psu, fpc = fpc, nest = nest,
                     lonely_psu = "error"),
       replicate = NULL, steps = list())
}
to_rep <- function(name, base, method, replicates = NULL, rho = NULL) {
  s <- base
  s$name <- name
  s$kind <- "to_replicate"
  s$replicate <- list(method = method, replicates = replicates, rho = rho, mse = FALSE)
  s
}
given_rep <- function(name, data, weights, columns, method, scale = NULL, rscales = NULL, rho = NULL,
                      replicate_data = NULL, factors = character()) {
  list(name = name, kind = "replicate", data = data, replicate_data = replicate_data, factors = factors,
       design = NULL,
       replicate = list(weights = weights, replicate_weights = columns, method = method, scale = scale,
                        rscales = rscales, rho = rho, mse = FALSE),
       steps = list())
}
with_steps <- function(name, base, ...) {
  s <- base
  s$name <- name
  s$steps <- c(base$steps, list(...))
  s
}

r_design_call <- function(spec) {
  p <- spec$design
  if (spec$kind %in% c("taylor", "to_replicate")) {
    cl <- call("svydesign", ids = if (length(p$psu)) fml(p$psu) else ~1)
    if (length(p$strata)) cl$strata <- fml(p$strata)
    if (length(p$fpc)) cl$fpc <- fml(p$fpc)
    if (length(p$weights)) cl$weights <- fml(p$weights)
    if (isTRUE(p$nest)) cl$nest <- TRUE
    cl$data <- as.name("data")
    if (spec$kind == "taylor") return(cl)
    r <- spec$replicate
    cl <- call("as.svrepdesign", cl, type = unname(rep_type[r$method]))
    if (!is.null(r$replicates)) cl$replicates <- r$replicates
    if (!is.null(r$rho)) cl$fay.rho <- r$rho
    return(cl)
  }
  r <- spec$replicate
  cl <- call("svrepdesign", data = as.name("data"), weights = fml(r$weights),
             repweights = call("[", as.name("data"), r$replicate_weights),
             type = unname(rep_type[r$method]), combined.weights = TRUE)
  if (!is.null(r$scale)) cl$scale <- r$scale
  if (!is.null(r$rscales)) cl$rscales <- r$rscales
  if (!is.null(r$rho)) cl$rho <- r$rho
  cl$mse <- FALSE
  cl
}

# --- weighting steps: surveykit's form (margins as in tests/reference/weighting) -> R -------------
cat_margin <- function(name, levels, counts) list(name = name, levels = levels, counts = counts)
num_margin <- function(name, total) list(name = name, total = total)
is_cat <- function(m) !is.null(m$levels)

population_of <- function(margins, mm) {
  lookup <- c()
  total <- NULL
  for (m in margins) {
    if (is_cat(m)) {
      lookup[paste0(m$name, m$levels)] <- m$counts
      if (is.null(total)) total <- sum(m$counts)
    } else lookup[m$name] <- m$total
  }
  if (!is.null(total)) lookup["(Intercept)"] <- total
  cols <- colnames(mm)
  if (!all(cols %in% names(lookup))) stop("no population total for ", paste(setdiff(cols, names(lookup)), collapse = ", "))
  lookup[cols]
}

poststratify <- function(margin) list(kind = "poststratify", variables = if (is.null(margin$cells))
  list(margin$name) else as.list(margin$variables), margins = list(margin))
rake_step <- function(margins) list(kind = "rake", margins = margins, r_maxit = 100, r_epsilon = 1e-12)
calibrate_step <- function(margins, method, bounds = NULL, maxit = 50, epsilon = 1e-7)
  list(kind = "calibrate", method = method, bounds = bounds, maxit = maxit, epsilon = epsilon,
       margins = margins)

r_step <- function(d, step) {
  rep <- inherits(d, "svyrep.design")
  if (step$kind == "poststratify") {
    m <- step$margins[[1]]
    if (is.null(m$cells)) {
      pop <- data.frame(as.character(m$levels), m$counts, stringsAsFactors = FALSE)
      names(pop) <- c(m$name, "Freq")
    } else {
      pop <- as.data.frame(lapply(m$cells[[1]], function(x) x))[0, ]
      pop <- do.call(rbind, lapply(m$cells, function(cl) as.data.frame(cl, stringsAsFactors = FALSE)))
      for (v in m$variables) pop[[v]] <- as.character(pop[[v]])
      names(pop)[names(pop) == "count"] <- "Freq"
    }
    return(list(design = postStratify(d, fml(unlist(step$variables)), pop),
                code = sprintf("postStratify(design, %s, <%s>)", deparse(fml(unlist(step$variables))),
                               "data.frame of the margin's cells with Freq")))
  }
  margins <- step$margins
  if (step$kind == "rake" && rep) {
    # replicate designs: every replicate raked again (R's rake on a svyrep.design), run to convergence
    sm <- lapply(margins, function(m) fml(m$name))
    pm <- lapply(margins, function(m) {
      p <- data.frame(as.character(m$levels), m$counts, stringsAsFactors = FALSE)
      names(p) <- c(m$name, "Freq")
      p
    })
    return(list(design = rake(d, sm, pm, control = list(maxit = 1000, epsilon = 1e-13, verbose = FALSE)),
                code = sprintf("rake(design, list(%s), <population margins>, control=list(maxit=1000, epsilon=1e-13))",
                               paste(sapply(sm, deparse), collapse = ", "))))
  }
  f <- fml(vapply(margins, function(m) m$name, ""))
  mm <- model.matrix(f, model.frame(f, d$variables))
  pop <- population_of(margins, mm)
  if (step$kind == "rake") {
    # Taylor designs: surveykit's rake variance is the raking calibration's linearization
    return(list(design = calibrate(d, f, pop, calfun = "raking", maxit = step$r_maxit, epsilon = step$r_epsilon),
                code = sprintf("calibrate(design, %s, pop, calfun='raking', maxit=%s, epsilon=%s)",
                               deparse(f), step$r_maxit, step$r_epsilon)))
  }
  bounds <- if (is.null(step$bounds)) c(-Inf, Inf) else unlist(step$bounds)
  extra <- if (rep) list(compress = FALSE) else list()
  dd <- do.call(calibrate, c(list(d, f, pop, calfun = step$method, bounds = bounds, maxit = step$maxit,
                                  epsilon = step$epsilon), extra))
  list(design = dd, code = sprintf("calibrate(design, %s, pop, calfun='%s', bounds=c(%s), maxit=%s, epsilon=%s%s)",
                                   deparse(f), step$method, paste(bounds, collapse = ", "), step$maxit,
                                   step$epsilon, if (rep) ", compress=FALSE" else ""))
}

design_cache <- list()
build <- function(spec) {
  if (!is.null(design_cache[[spec$name]])) return(design_cache[[spec$name]])
  data <- load_data(spec)
  if (spec$kind == "to_replicate" && spec$replicate$method == "bootstrap") stop("bootstrap: use R's exported weights")
  d <- eval(r_design_call(spec))
  codes <- character()
  for (st in spec$steps) {
    r <- strict(r_step(d, st))
    d <- r$design
    codes <- c(codes, r$code)
  }
  out <- list(design = d, steps_code = codes)
  design_cache[[spec$name]] <<- out
  out
}

is_rep <- function(d) inherits(d, "svyrep.design")

# The fixture entry of a design: how surveykit rebuilds it, R's degf and the R calls.
design_entry <- function(spec) {
  b <- build(spec)
  rc <- r_design_call(spec)
  list(data = spec$data, replicate_data = spec$replicate_data, kind = spec$kind,
       factors = I(spec$factors),
       design = spec$design, replicate = spec$replicate,
       steps = lapply(spec$steps, function(s) s[!startsWith(names(s), "r_")]),
       degf = degf(b$design),
       r_design = paste(deparse(rc, width.cutoff = 500), collapse = " "),
       r_steps = I(b$steps_code))
}

# subset: list(column, op, value) -> subset(design, column op value)
subset_expr <- function(s) {
  col <- as.name(s$column)
  if (s$op == "in") return(call("%in%", col, unlist(s$value)))
  call(s$op, col, s$value)
}
design_of <- function(spec, subset = NULL) {
  d <- build(spec)$design
  if (!is.null(subset)) d <- eval(call("subset", d, subset_expr(subset)))
  d
}
