"""Solvers on a batched residual: gradient descent, Adam, scipy's L-BFGS-B and Newton. They know
nothing of projectiles."""
