"""A small multilayer perceptron in autograd.numpy, trained with autograd's own Adam.

Parameters are a list of (W, b) pairs; `forward` is differentiable with respect to them and to
the inputs, so the same network can be trained (gradients with respect to the weights) and then
descended on (gradients with respect to its inputs), as the surrogate approach needs.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
from autograd import grad
from autograd import numpy as anp
from autograd.misc.optimizers import adam

Params = list  # [(W, b), ...]


def init(sizes: tuple, rng: np.random.Generator) -> Params:
    """Glorot-uniform weights and zero biases for layers of the given sizes."""
    out = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        lim = np.sqrt(6.0 / (n_in + n_out))
        out.append((rng.uniform(-lim, lim, (n_in, n_out)), np.zeros(n_out)))
    return out


def forward(params: Params, x):
    """tanh hidden layers, linear output. x: (N, n_in) -> (N, n_out)."""
    h = x
    for w, b in params[:-1]:
        h = anp.tanh(anp.dot(h, w) + b)
    w, b = params[-1]
    return anp.dot(h, w) + b


def train(params: Params, loss: Callable[[Params, int], float], *, steps: int,
          learning_rate: float = 1e-2, callback: Optional[Callable] = None) -> Params:
    """Minimise ``loss(params, step)`` with Adam (autograd.misc.optimizers.adam) for ``steps``
    steps; ``callback(params, step, loss_gradient)`` is called after each."""
    return adam(grad(loss), params, callback=callback, num_iters=steps, step_size=learning_rate)


def to_arrays(params: Params) -> dict:
    """The parameters as named arrays (for np.savez: no pickle)."""
    out = {}
    for i, (w, b) in enumerate(params):
        out[f"W{i}"], out[f"b{i}"] = np.asarray(w), np.asarray(b)
    return out


def from_arrays(arrays, layers: int) -> Params:
    return [(np.asarray(arrays[f"W{i}"], dtype=float), np.asarray(arrays[f"b{i}"], dtype=float))
            for i in range(layers)]
