"""cannon: aim a cannon by differentiable programming.

    from cannon_cli import Problem, solve, simulate, Shot

The library is imported lazily so that ``cannon --version`` does not pay for numpy, autograd and
scipy.
"""

import os as _os
import sys as _sys

__version__ = "0.1.0"

# The linear algebra here is on 1x1 and 2x2 blocks, where BLAS threads only cost: measured on a
# 2-core machine, an idle OpenBLAS pool woken by numpy made one scipy L-BFGS-B call wait 6 ms,
# longer than the whole solve. One thread each, unless the user chose otherwise or imported
# numpy before us (then it is theirs to set).
if "numpy" not in _sys.modules:
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        _os.environ.setdefault(_var, "1")

__all__ = ["Problem", "Shot", "Solution", "Trajectory", "solve", "solve_many", "simulate",
           "__version__"]

_LAZY = {
    "Problem": "problem", "Shot": "problem", "Solution": "problem",
    "solve": "aim", "solve_many": "aim",
    "simulate": "trajectory", "Trajectory": "trajectory",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
