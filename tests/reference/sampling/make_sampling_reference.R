# Reference numbers for surveykit.sampling: R `sampling` (Tillé & Matei; Debian r-cran-sampling) and
# PracTools (Valliant, Dever & Kreuter) run from its R sources (not a Debian package).
#
#   git --git-dir=<mirror of github.com/cran/PracTools> archive HEAD R | tar -x -C /tmp/practools
#   Rscript tests/reference/sampling/make_sampling_reference.R /tmp/practools/R
#
# writes tests/reference/sampling/sampling.json (full double precision). Deterministic: no random numbers.
suppressPackageStartupMessages({library(sampling); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
src <- if (length(args)) args[1] else "/tmp/practools/R"
for (f in c("nPropMoe", "nProp", "nCont", "nContMoe", "nLogOdds", "nProp2sam", "nDep2sam", "strAlloc"))
  source(file.path(src, paste0(f, ".R")))

size <- list()
add <- function(fun, args, value) size[[length(size) + 1]] <<- list(fun = fun, args = args, n = unname(value))
for (N in list(Inf, 5000)) for (pU in c(0.05, 0.1, 0.5, 0.8)) {
  Nv <- if (is.infinite(N)) "Inf" else N
  for (e in c(0.01, 0.03, 0.05)) add("nPropMoe", list(moe.sw = 1, e = e, alpha = 0.05, pU = pU, N = Nv),
                                     nPropMoe(1, e, 0.05, pU, N))
  for (e in c(0.1, 0.2)) add("nPropMoe", list(moe.sw = 2, e = e, alpha = 0.1, pU = pU, N = Nv),
                             nPropMoe(2, e, 0.1, pU, N))
  for (cv in c(0.05, 0.15)) add("nProp", list(CV0 = cv, pU = pU, N = Nv), nProp(CV0 = cv, pU = pU, N = N))
  add("nProp", list(V0 = 0.0004, pU = pU, N = Nv), nProp(V0 = 0.0004, pU = pU, N = N))
  for (e in c(0.01, 0.03)) add("nLogOdds", list(moe.sw = 1, e = e, alpha = 0.05, pU = pU, N = Nv),
                               nLogOdds(1, e, 0.05, pU, N))
  add("nLogOdds", list(moe.sw = 2, e = 0.2, alpha = 0.05, pU = pU, N = Nv), nLogOdds(2, 0.2, 0.05, pU, N))
}
for (N in list(Inf, 2000)) {
  Nv <- if (is.infinite(N)) "Inf" else N
  add("nCont", list(CV0 = 0.05, CVpop = 1.2, N = Nv), nCont(CV0 = 0.05, CVpop = 1.2, N = N))
  add("nCont", list(CV0 = 0.03, S2 = 400, ybarU = 50, N = Nv), nCont(CV0 = 0.03, S2 = 400, ybarU = 50, N = N))
  add("nCont", list(V0 = 4, S2 = 900, N = Nv), nCont(V0 = 4, S2 = 900, N = N))
  add("nContMoe", list(moe.sw = 1, e = 5, alpha = 0.05, S2 = 900, N = Nv), nContMoe(1, 5, 0.05, S2 = 900, N = N))
  add("nContMoe", list(moe.sw = 2, e = 0.05, alpha = 0.05, CVpop = 0.8, N = Nv),
      nContMoe(2, 0.05, 0.05, CVpop = 0.8, N = N))
}
two <- list(
  list(fun = "nProp2sam", args = list(px = 0.2, py = 0.16, pxy = 0.032, g = 0, r = 1, alt = "two.sided"),
       res = nProp2sam(0.2, 0.16, 0.032, 0, 1, "two.sided")),
  list(fun = "nProp2sam", args = list(px = 0.5, py = 0.55, pxy = 0.45, g = 0.5, r = 1, alt = "one.sided"),
       res = nProp2sam(0.5, 0.55, 0.45, 0.5, 1, "one.sided")),
  list(fun = "nProp2sam", args = list(px = 0.3, py = 0.25, pxy = 0.075, g = 0, r = 2, alt = "two.sided", pow = 0.9),
       res = nProp2sam(0.3, 0.25, 0.075, 0, 2, "two.sided", pow = 0.9)),
  list(fun = "nDep2sam", args = list(S2x = 100, S2y = 120, g = 0.75, r = 1, rho = 0.6, alt = "one.sided", del = 3),
       res = nDep2sam(100, 120, 0.75, 1, 0.6, "one.sided", 3)),
  list(fun = "nDep2sam", args = list(S2x = 200, S2y = 200, g = 0, r = 1.5, rho = 0, alt = "two.sided", del = 4),
       res = nDep2sam(200, 200, 0, 1.5, 0, "two.sided", 4)))
two <- lapply(two, function(x) list(fun = x$fun, args = x$args, n1 = x$res$n1, n2 = x$res$n2))

Nh <- c(215, 65, 252, 50, 149, 144)
Sh <- c(26787207, 10645109, 6909676, 11085034, 9817762, 44553355)
ch <- c(1400, 200, 300, 600, 450, 1000)
alloc <- list(
  list(alloc = "prop", args = list(n.tot = 100), nh = strAlloc(n.tot = 100, Nh = Nh, alloc = "prop")$nh),
  list(alloc = "neyman", args = list(n.tot = 100), nh = strAlloc(n.tot = 100, Nh = Nh, Sh = Sh, alloc = "neyman")$nh),
  list(alloc = "totcost", args = list(cost = 100000),
       nh = strAlloc(Nh = Nh, Sh = Sh, cost = 100000, ch = ch, alloc = "totcost")$nh),
  list(alloc = "totvar", args = list(CV0 = 0.05, ybarU = 11664181),
       nh = strAlloc(Nh = Nh, Sh = Sh, CV0 = 0.05, ch = ch, ybarU = 11664181, alloc = "totvar")$nh),
  list(alloc = "totvar", args = list(V0 = 1e12),
       nh = strAlloc(Nh = Nh, Sh = Sh, V0 = 1e12, ch = ch, alloc = "totvar")$nh))

set.seed(20241201)
a1 <- c(5, 9, 12, 40, 3, 7, 220, 15, 18, 60, 2, 11)
a2 <- round(rlnorm(60, 4, 1.2)) + 1
ip <- list(
  list(a = a1, n = 4, pik = inclusionprobabilities(a1, 4)),
  list(a = a1, n = 6, pik = inclusionprobabilities(a1, 6)),
  list(a = c(1, 2, 3, 40, 4), n = 3, pik = inclusionprobabilities(c(1, 2, 3, 40, 4), 3)),
  list(a = c(100, 90, 10, 5, 5, 2), n = 3, pik = inclusionprobabilities(c(100, 90, 10, 5, 5, 2), 3)),
  list(a = a2, n = 15, pik = inclusionprobabilities(a2, 15)),
  list(a = a2, n = 30, pik = inclusionprobabilities(a2, 30)))

p1 <- inclusionprobabilities(c(5, 9, 12, 40, 3, 7, 22, 15, 18, 30), 4)
p2 <- inclusionprobabilities(a2[1:25], 6)
p2 <- p2[p2 < 1]; p2 <- p2 * round(sum(p2)) / sum(p2)   # keep only non-certainty units, summing to an integer
joint <- list(
  list(method = "sampford", pik = p1, pi2 = UPsampfordpi2(p1)),
  list(method = "sampford", pik = c(0.2, 0.4, 0.6, 0.8), pi2 = UPsampfordpi2(c(0.2, 0.4, 0.6, 0.8))),
  list(method = "sampford", pik = p2, pi2 = UPsampfordpi2(p2)),
  list(method = "systematic", pik = p1, pi2 = UPsystematicpi2(p1)),
  list(method = "systematic", pik = p2, pi2 = UPsystematicpi2(p2)))

out <- list(generated_with = paste(R.version.string, "; sampling", packageVersion("sampling"),
                                   "; PracTools 1.7.5 R sources from github.com/cran/PracTools"),
            sample_size = size, two_sample = two,
            allocation = list(Nh = Nh, Sh = Sh, ch = ch, cases = alloc),
            inclusion = ip, joint = joint)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), file.path(here, "sampling.json"))
cat("wrote", file.path(here, "sampling.json"), "\n")
