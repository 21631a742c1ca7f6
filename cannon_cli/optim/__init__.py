"""Solvers on a batched residual: gradient descent, Adam, scipy's L-BFGS-B and Newton. They know
nothing of projectiles."""

#: the solvers' names, the default first (the command line's choices come from here; importing
#: this package alone costs nothing: `solvers` holds the numpy)
SOLVERS = ("lbfgs", "newton", "adam", "gd")
#: those that take only first derivatives, with a fixed step rule: hundreds of iterations by
#: nature
FIRST_ORDER = ("gd", "adam")
