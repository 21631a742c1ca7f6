"""Differentiable objectives built from the model: the residuals the solvers drive to zero.

A `Batch` holds N problems with the same drag model and the same unknowns as arrays. Its residual
F(z, idx) is written in autograd.numpy on top of `model.endpoint`, so every solver gets its
derivatives from autograd. Unknowns are scaled to order one: the angle in radians, the speed in
units of sqrt(g * distance) (the vacuum minimum speed on level ground); residuals are divided by
the distance, so the tolerance is a relative miss.

- speed fixed, angle unknown:  F = (y(D) - y_target) / D
- angle fixed, speed unknown:  F = (y(D) - y_target) / D
- neither fixed:               F = ((y(D) - y_target) / D, cos^2(theta) dy(D)/dtheta / D)
  The minimum-speed shot is the one whose highest possible crossing of x = D at that speed just
  reaches the target, i.e. the hit at which dy/dtheta = 0 (the Lagrange condition for minimising
  v subject to hitting). dy/dtheta is itself taken by autograd, so the residual is a derivative
  of the model and its Jacobian holds the model's exact second derivatives.

In 3-D (a crosswind, a target off the line of fire, the Earth's rotation) the azimuth a (rad) is
one more unknown, last, and the lateral miss (z(D) - z_target) / D one more residual, from the
generic end state (`shot.end_state`). The minimum-speed shot's condition becomes: the Jacobian
of the impact (y, z) with respect to (theta, a) is singular at the hit (at that speed no
neighbouring aim reaches further in every direction), written as
det / (dz/da) cos^2(theta) / D, which is the 2-D condition when the lateral motion decouples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from autograd import make_vjp
from autograd import numpy as anp

from ..physics import shot
from ..physics.model import Params, _is_everything, endpoint


@dataclass(frozen=True, eq=False)
class Batch:
    """N problems of one drag model and one kind of unknowns, as arrays of shape (N,).

    ``kind`` is 'angle' (speed fixed), 'speed' (angle fixed) or 'both'. ``angle`` (rad) and
    ``velocity`` (m/s) hold the fixed values (NaN where unknown).
    """

    kind: str
    params: Params
    target_height: np.ndarray
    angle: np.ndarray
    velocity: np.ndarray
    #: the target's lateral position (m); None: 2-D
    target_offset: object = None

    @property
    def size(self) -> int:
        return self.params.size

    @property
    def three(self) -> bool:
        """Whether the shots are 3-D (the azimuth is one more unknown, last)."""
        return self.params.lateral is not None

    @property
    def speed_unit(self) -> np.ndarray:
        return np.sqrt(self.params.gravity * self.params.distance)

    def take(self, idx) -> "Batch":
        """A subset (boolean mask, or sorted unique indices; full length: the identity)."""
        if _is_everything(idx, self.size):
            return self
        return Batch(self.kind, self.params.take(idx), self.target_height[idx],
                     self.angle[idx], self.velocity[idx],
                     None if self.target_offset is None else self.target_offset[idx])

    def with_steps(self, steps: int, *, even: bool = False) -> "Batch":
        return Batch(self.kind, self.params.with_steps(steps, even=even), self.target_height,
                     self.angle, self.velocity, self.target_offset)

    # -- unknowns <-> physical values -------------------------------------------------------
    def unpack(self, z):
        """(angle rad, speed m/s) from scaled unknowns z (n, k); works on autograd boxes."""
        if self.kind == "angle":
            return z[:, 0], self.velocity
        if self.kind == "speed":
            return self.angle, z[:, 0] * self.speed_unit
        return z[:, 0], z[:, 1] * self.speed_unit

    def azimuth(self, z):
        """The azimuth (rad) from scaled unknowns z (n, k) of 3-D shots."""
        return z[:, -1]

    def pack(self, angle, speed, azimuth=None) -> np.ndarray:
        """Scaled unknowns z (n, k) from (angle rad, speed m/s[, azimuth rad in 3-D])."""
        if self.kind == "angle":
            z = np.asarray(angle, float)[:, None].copy()
        elif self.kind == "speed":
            z = (np.asarray(speed, float) / self.speed_unit)[:, None]
        else:
            z = np.stack([np.asarray(angle, float), np.asarray(speed, float) / self.speed_unit],
                         axis=1)
        if self.three:
            z = np.concatenate([z, np.asarray(azimuth, float)[:, None]], axis=1)
        return z


def height_miss(theta, v, b: Batch):
    """Signed vertical miss at the target distance (m): y(D) - y_target. Differentiable."""
    return endpoint(theta, v, b.params)[0] - b.target_height


def impact_miss(theta, v, azimuth, b: Batch):
    """(vertical, lateral) miss at the target distance (m) of 3-D shots fired at ``azimuth``
    (rad). Differentiable with respect to all three."""
    p, lat = b.params, b.params.lateral
    state = shot.end_state({"elevation": theta, "azimuth": azimuth, "speed": v,
                            "crosswind": lat.crosswind},
                           shot.Setup(p, lat.omega, True, time=False))
    return state[0] - b.target_height, state[1] - b.target_offset


def residual(batch: Batch):
    """The residual F(z, idx) of ``batch`` (see the module docstring)."""
    if batch.three:
        return _residual_3d(batch)

    def hit(z, idx):
        b = batch.take(idx)
        theta, v = b.unpack(z)
        return anp.reshape(height_miss(theta, v, b) / b.params.distance, (-1, 1))

    def min_speed(z, idx):
        b = batch.take(idx)
        theta, v = b.unpack(z)
        vjp, miss = make_vjp(lambda th: height_miss(th, v, b))(theta)
        # dy/dtheta grows as sec^2(theta) (vacuum: D sec^2 (1 - g D tan / v^2)): times cos^2 it
        # stays of order D up to the vertical, so near it the two residuals keep comparable
        # sizes (the root is the same)
        slope = vjp(np.ones(b.size)) * anp.cos(theta) ** 2
        return anp.stack([miss, slope], axis=1) / anp.reshape(b.params.distance, (-1, 1))

    return min_speed if batch.kind == "both" else hit


def _residual_3d(batch: Batch):
    def hit(z, idx):
        b = batch.take(idx)
        theta, v = b.unpack(z)
        up, side = impact_miss(theta, v, b.azimuth(z), b)
        return anp.stack([up, side], axis=1) / anp.reshape(b.params.distance, (-1, 1))

    def min_speed(z, idx):
        b = batch.take(idx)
        theta, v = b.unpack(z)
        aim = anp.stack([theta, b.azimuth(z)], axis=1)
        vjp, miss = make_vjp(lambda u: anp.stack(impact_miss(u[:, 0], v, u[:, 1], b),
                                                 axis=1))(aim)
        one, zero = np.ones(b.size), np.zeros(b.size)
        dy = vjp(np.stack([one, zero], axis=1))  # (dy/dtheta, dy/da)
        dz = vjp(np.stack([zero, one], axis=1))
        det = dy[:, 0] * dz[:, 1] - dy[:, 1] * dz[:, 0]
        slope = det / dz[:, 1] * anp.cos(theta) ** 2
        return anp.concatenate([miss, anp.reshape(slope, (-1, 1))], axis=1) / \
            anp.reshape(b.params.distance, (-1, 1))

    return min_speed if batch.kind == "both" else hit
