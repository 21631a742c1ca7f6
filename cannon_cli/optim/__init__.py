"""Solvers on a batched residual: gradient descent, Adam, scipy's L-BFGS-B and Newton. They know
nothing of projectiles."""

#: the solvers' names, the default first (the command line's choices come from here; importing
#: this package alone costs nothing: `solvers` holds the numpy)
SOLVERS = ("newton", "lbfgs", "adam", "gd")
#: Newton with exact derivatives: on 10,000-target batches about twice as fast as L-BFGS-B, as
#: robust on the corner sweep (benchmarks/sweep_corners.py), and a process that uses it never
#: imports scipy.optimize (0.3-0.5 s of CPU a `cannon solve`); docs/performance.md has figures
DEFAULT_SOLVER = SOLVERS[0]
#: those that take only first derivatives, with a fixed step rule: hundreds of iterations by
#: nature
FIRST_ORDER = ("gd", "adam")
