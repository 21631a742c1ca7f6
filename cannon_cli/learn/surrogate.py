"""Approach 1 of the comparison: a neural surrogate of the simulator, then descent through it.

Fit an MLP to the simulator's map (speed, angle) -> range on samples, freeze it, then run
gradient descent on its *inputs* until it believes it hits the target. The surrogate's loss
surface is not the true one, so its answer must be checked by the physics: `true_range`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
from autograd import grad
from autograd import numpy as anp

from ..physics import vacuum
from ..problem import Physics, Shot
from . import mlp

LAYERS = (2, 32, 32, 1)
#: Where the descent on the surrogate starts (speed m/s, angle rad), and when it stops:
#: |believed range - distance| <= TOL x distance.
START = (5.0, math.radians(45.0))
TOL = 1e-3
#: Iterations pinned at the top speed of the domain, still short, before the descent gives up.
PINNED = 200


def true_range(angle_rad, speed, physics: Physics, height: float = 0.0) -> np.ndarray:
    """Where each shot comes back down to ``height`` (m): closed form in vacuum, otherwise a
    flight by `trajectory.simulate` (DOP853). NaN where it never gets back down to it."""
    angle_rad = np.atleast_1d(np.asarray(angle_rad, dtype=float))
    speed = np.broadcast_to(np.asarray(speed, dtype=float), angle_rad.shape)
    if physics.drag == "none":
        return vacuum.landing(angle_rad, speed, physics.launch_height - height, physics.gravity)
    from ..physics.trajectory import simulate

    fields = {f.name: getattr(physics, f.name) for f in dataclasses.fields(Physics)}
    out = np.full(angle_rad.shape, np.nan)
    for i, (a, v) in enumerate(zip(angle_rad, speed)):
        if not (abs(a) < 0.5 * np.pi and v > 0):
            continue
        tr = simulate(Shot(angle=math.degrees(a), velocity=float(v), **fields), samples=2,
                      ground=height)
        out[i] = tr.range_m
    return out


@dataclass
class Surrogate:
    params: list
    speed_max: float
    range_scale: float
    train_seconds: float
    train_loss: float

    def __call__(self, speed, angle_rad, params=None):
        x = anp.stack([speed / self.speed_max, angle_rad / (0.5 * np.pi)], axis=1)
        return mlp.forward(self.params if params is None else params, x)[:, 0] * self.range_scale


def fit(physics: Physics, *, height: float = 0.0, speed_max: float = 10.0, samples: int = 1000,
        epochs: int = 100, batch: int = 32, seed: int = 0) -> Surrogate:
    """Sample (speed in (0, speed_max], angle in (0, 90°)) uniformly, simulate the ranges, and fit
    the MLP with Adam and a mean-squared error: the article's setting by default."""
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    v = rng.uniform(0.0, speed_max, samples)
    a = rng.uniform(0.0, 0.5 * np.pi, samples)
    r = true_range(a, v, physics, height)
    keep = np.isfinite(r)
    v, a, r = v[keep], a[keep], r[keep]
    scale = float(speed_max ** 2 / physics.gravity)
    model = Surrogate(mlp.init(LAYERS, rng), speed_max, scale, 0.0, math.nan)
    steps_per_epoch = max(1, len(v) // batch)

    def loss(params, step):
        i = rng.integers(0, len(v), batch)
        pred = model(v[i], a[i], params) / scale
        return anp.mean((pred - r[i] / scale) ** 2)

    model.params = mlp.train(model.params, loss, steps=epochs * steps_per_epoch,
                             learning_rate=3e-3)
    full = model(v, a) / scale
    model.train_loss = float(np.mean((full - r / scale) ** 2))
    model.train_seconds = time.perf_counter() - t0
    return model


@dataclass
class Aim:
    speed: float
    angle_rad: float
    iterations: int
    seconds: float
    believed_miss: float
    #: whether the surrogate came to believe it hits (|range - distance| <= tol * distance)
    believes_hit: bool = True
    #: why not, when it does not
    why: str = ""


def aim(model: Surrogate, distance: float, *, start=START, learning_rate: float = 0.01,
        tol: float = TOL, max_iter: int = 20000) -> Aim:
    """Gradient descent on the surrogate's inputs until it believes |range - distance| <=
    tol * distance (in units of speed_max and 90°, the inputs stay inside the sampled box)."""
    t0 = time.perf_counter()
    z = np.array([start[0] / model.speed_max, start[1] / (0.5 * np.pi)])

    def believed(z):
        return model(anp.reshape(z[0] * model.speed_max, (1,)),
                     anp.reshape(z[1] * 0.5 * np.pi, (1,)))[0]

    def loss(z):
        return ((believed(z) - distance) / distance) ** 2

    g = grad(loss)
    it = pinned = 0
    hit, why = False, f"no hit believed after {max_iter} iterations"
    for it in range(1, max_iter + 1):
        z = np.clip(z - learning_rate * g(z), 1e-3, 1.0 - 1e-3)  # angle stays inside (0, 90°)
        reach = believed(z)
        if abs(reach - distance) <= tol * distance:
            hit, why = True, ""
            break
        # at the fastest speed it was fit on and still short: only the angle can move, and
        # the target is beyond what the surrogate knows
        pinned = pinned + 1 if (z[0] >= 1.0 - 1e-3 and reach < distance) else 0
        if pinned >= PINNED:
            why = (f"it stays short at the top of its training domain ({model.speed_max:g} "
                   f"m/s): the target is beyond what it was fit on")
            break
    return Aim(float(z[0] * model.speed_max), float(z[1] * 0.5 * np.pi), it,
               time.perf_counter() - t0, float(abs(believed(z) - distance)), hit, why)
