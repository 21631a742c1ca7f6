"""Aiming: the residuals, the unknowns and their starts, the reach of a gun, and the driver that
solves a batch of problems with a solver of `optim`. Depends on `physics`, `optim` and the data
layer."""
