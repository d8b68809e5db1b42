#!/usr/bin/env Rscript
# R reference numbers for surveykit.sae (tests/sae/test_parity_r.py).
#
# The R package `sae` (Molina & Marhuenda, GPL) is not a Debian package: its R sources are public
# (github.com/cran/sae). This script source()s eblupFH.R and mseFH.R from a checkout of that
# repository and needs only base R and jsonlite. surveykit's code is written from the published
# method, not from these sources.
#
#   SAE_R_DIR=/path/to/cran/sae  Rscript tests/reference/sae/make_reference.R
#
# (SAE_R_DIR holds R/eblupFH.R, R/mseFH.R and data/milk.rda.)  Writes next to this script:
#   data/milk.csv          sae's milk data (Arora & Lahiri 1997; You & Chapman 2006), 43 areas
#   data/synthetic.csv     a seeded Fay-Herriot data set, 60 areas, 3 covariates
#   data/truncated.csv     a seeded set whose variance component estimates are negative (truncated at 0)
#   fixtures/eblupFH.json  eblupFH + mseFH for every (data, method, precision) case
#   data/arcsin.csv        a seeded proportion data set (40 areas) for the arcsine variant
#   fixtures/arcsin.json   emdi's bias-corrected arcsine back-transformation integral, by R's integrate(),
#                          on 9 (mu, var) pairs and end to end on data/arcsin.csv
suppressPackageStartupMessages(library(jsonlite))

args_all <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args_all[grep("^--file=", args_all)])
here <- if (length(script)) dirname(normalizePath(script)) else getwd()
sae_dir <- Sys.getenv("SAE_R_DIR")
if (sae_dir == "") stop("set SAE_R_DIR to a checkout of github.com/cran/sae")
source(file.path(sae_dir, "R", "eblupFH.R"))
source(file.path(sae_dir, "R", "mseFH.R"))
data_dir <- file.path(here, "data"); fix_dir <- file.path(here, "fixtures")
dir.create(data_dir, showWarnings = FALSE); dir.create(fix_dir, showWarnings = FALSE)
RNGkind("Mersenne-Twister", "Inversion", "Rejection")

# ---- data, written and read back so R and Python see the same doubles ---------------------------
load(file.path(sae_dir, "data", "milk.rda"))
milk$vardir <- milk$SD^2
write.csv(milk, file.path(data_dir, "milk.csv"), row.names = FALSE)

set.seed(20261201)
m <- 60
syn <- data.frame(area = sprintf("A%02d", 1:m), x1 = rnorm(m), x2 = runif(m), x3 = rbinom(m, 1, 0.4))
syn$vardir <- rgamma(m, shape = 2, rate = 2 / 0.5)
syn$y <- 1 + 0.5 * syn$x1 - 1.2 * syn$x2 + 0.8 * syn$x3 + rnorm(m, sd = sqrt(0.3)) + rnorm(m, sd = sqrt(syn$vardir))
write.csv(syn, file.path(data_dir, "synthetic.csv"), row.names = FALSE)

set.seed(7)
mt <- 25
tru <- data.frame(area = sprintf("T%02d", 1:mt), x1 = rnorm(mt))
tru$vardir <- runif(mt, 0.5, 1.5)
tru$y <- 2 + 0.3 * tru$x1 + rnorm(mt, sd = sqrt(tru$vardir) * 0.6)   # no area effect, under-dispersed
write.csv(tru, file.path(data_dir, "truncated.csv"), row.names = FALSE)

milk <- read.csv(file.path(data_dir, "milk.csv"))
syn <- read.csv(file.path(data_dir, "synthetic.csv"))
tru <- read.csv(file.path(data_dir, "truncated.csv"))

# ---- eblupFH / mseFH ---------------------------------------------------------------------------
run <- function(name, X, y, vardir, method, precision) {
  r <- mseFH(y ~ X - 1, vardir, method = method, PRECISION = precision)
  f <- r$est$fit
  list(data = name, method = method, precision = precision,
       convergence = f$convergence, iterations = f$iterations, sigma2_u = f$refvar,
       beta = unname(f$estcoef$beta), std_error = unname(f$estcoef$std.error),
       tvalue = unname(f$estcoef$tvalue), pvalue = unname(f$estcoef$pvalue),
       loglike = unname(f$goodness["loglike"]), AIC = unname(f$goodness["AIC"]),
       BIC = unname(f$goodness["BIC"]), KIC = unname(f$goodness["KIC"]),
       eblup = as.vector(r$est$eblup), mse = as.vector(r$mse))
}
sets <- list(
  milk = list(X = model.matrix(~ as.factor(MajorArea), milk), y = milk$yi, v = milk$vardir),
  synthetic = list(X = model.matrix(~ x1 + x2 + x3, syn), y = syn$y, v = syn$vardir),
  truncated = list(X = model.matrix(~ x1, tru), y = tru$y, v = tru$vardir))
cases <- list()
# 1e-12 on the truncated set is below the rounding noise of its iterations (A + psi < 0 for some
# areas there), where stopping depends on the last bits; 1e-8 is used instead.
for (nm in names(sets)) for (meth in c("REML", "ML", "FH")) for (prec in c(1e-4, if (nm == "truncated") 1e-8 else 1e-12)) {
  s <- sets[[nm]]
  cases[[length(cases) + 1]] <- suppressWarnings(run(nm, s$X, s$y, s$v, meth, prec))
}
writeLines(toJSON(list(sae_source = "github.com/cran/sae (R/eblupFH.R, R/mseFH.R) at SAE_R_DIR",
                       cases = cases), digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(fix_dir, "eblupFH.json"))

# ---- emdi's arcsine back-transformation: E over N(mu, var) of sin(x)^2 on [0, pi/2] -------------
# emdi (R/back_transformation.R, arcsin_bc): integrate(sin(x)^2 * dnorm(x, mu, sd), 0, pi/2)
mu <- c(0.05, 0.3, 0.6, 0.785, 1.0, 1.3, 1.52, 0.2, 0.9)
vv <- c(0.002, 0.01, 0.03, 0.05, 0.004, 0.02, 0.01, 0.0001, 0.15)
val <- mapply(function(a, b) integrate(function(x) sin(x)^2 * dnorm(x, a, sqrt(b)), 0, pi / 2,
                                        rel.tol = 1e-12, abs.tol = 0)$value, mu, vv)
# ---- the arcsine Fay-Herriot point estimate, end to end, as emdi computes it ----------------------
# emdi::fh(transformation = "arcsin", backtransformation = "bc") (R/framework_fh.R, R/back_transformation.R):
# direct -> asin(sqrt(direct)), vardir -> 1 / (4 * eff_smpsize); REML fit; EBLUP eta; back-transformed by
# integrate(sin(x)^2 * dnorm(x, eta, sqrt(sigma2_u * (1 - gamma))), 0, pi/2), gamma = sigma2_u / (sigma2_u + vardir).
# emdi itself cannot be installed here (formula.tools, saeRobust, HLMdiag, ... are missing), so the fit is
# sae::eblupFH (the same REML estimator) and the back-transformation is emdi's formula, typed from its source.
set.seed(99)
ma <- 40
arc <- data.frame(area = sprintf("P%02d", 1:ma), x = rnorm(ma), neff = round(runif(ma, 10, 150)))
theta <- 0.55 + 0.12 * arc$x + rnorm(ma, sd = 0.12)
arc$direct <- rbinom(ma, arc$neff, sin(pmin(pmax(theta, 0), pi / 2))^2) / arc$neff
write.csv(arc, file.path(data_dir, "arcsin.csv"), row.names = FALSE)
arc <- read.csv(file.path(data_dir, "arcsin.csv"))
yt <- asin(sqrt(arc$direct)); vt <- 1 / (4 * arc$neff)
fa <- eblupFH(yt ~ arc$x, vt, method = "REML", PRECISION = 1e-12)
A <- fa$fit$refvar; g <- A / (A + vt)
bc <- mapply(function(mu, v) integrate(function(x) sin(x)^2 * dnorm(x, mu, sqrt(v)), 0, pi / 2,
                                       rel.tol = 1e-12, abs.tol = 0)$value, as.vector(fa$eblup), A * (1 - g))
writeLines(toJSON(list(mu = mu, var = vv, value = val,
                       fit = list(sigma2_u = A, beta = unname(fa$fit$estcoef$beta), eta = as.vector(fa$eblup),
                                  gamma = g, eblup_bc = bc, naive = sin(pmin(pmax(as.vector(fa$eblup), 0), pi / 2))^2)),
                  digits = NA, pretty = TRUE), file.path(fix_dir, "arcsin.json"))
cat("wrote", length(cases), "eblupFH cases\n")
