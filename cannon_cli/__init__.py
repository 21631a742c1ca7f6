"""cannon: aim a cannon by differentiable programming.

    from cannon_cli import Problem, solve, simulate, Shot

The library is imported lazily so that ``cannon --version`` does not pay for numpy, autograd and
scipy.
"""

__version__ = "0.1.0"

__all__ = ["Problem", "Shot", "Solution", "Trajectory", "solve", "solve_many", "simulate",
           "__version__"]

_LAZY = {
    "Problem": "problem", "Shot": "problem", "Solution": "problem",
    "solve": "aim.driver", "solve_many": "aim.driver",
    "simulate": "physics.trajectory", "Trajectory": "physics.trajectory",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
