"""An aiming network trained through the physics: differentiable programming proper.

A small MLP maps a target (distance, target height, wind) to a shot (angle, speed). It is
trained with no labels: the loss is the solver's own residual for the minimum-speed shot (the
miss, and d miss / d angle, both over the distance; see `loss`), evaluated by the differentiable
model on a batch of random targets from the training domain, and back-propagated through the
simulator into the weights. At run time the network's answer is a starting point: the physics
checks it and a few solver iterations refine it to the usual accuracy.

A policy is saved as ``.npz``: the weights as arrays and a JSON string ``meta`` with the training
domain and physics (loaded with ``allow_pickle=False``: no pickle, either way).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from typing import Callable, Optional

import numpy as np
from autograd import numpy as anp

from ..aim import start
from ..aim.loss import Batch, residual
from ..errors import InputError
from ..physics.columns import Columns
from ..problem import Physics
from . import mlp

POLICY_SCHEMA = "cannon.policy/1"
#: Physics fields a policy is trained for; a problem with other values gets the normal start.
PHYSICS_FIELDS = tuple(f.name for f in fields(Physics) if f.name != "wind")
VARIABLES = ("distance", "height", "wind")
LAYERS = (3, 32, 32, 2)
TRAIN_STEPS = 16  # RK4 steps while training: the answer is refined by the solver afterwards

@dataclass
class Policy:
    """A trained aiming network with the domain and physics it was trained for."""

    params: list
    domain: dict  # variable -> (lo, hi)
    physics: dict
    meta: dict = field(default_factory=dict)

    # -- inference ------------------------------------------------------------------------
    def _inputs(self, distance, height, wind):
        cols = []
        for name, x in zip(VARIABLES, (distance, height, wind)):
            lo, hi = self.domain[name]
            mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
            cols.append((x - mid) / half if half > 0 else 0.0 * x)
        return anp.stack(cols, axis=1)

    def _base(self, distance, height):
        """The closed-form starting shot (`start.minimum_speed`): the network learns a
        correction to it, so that even an untrained network shoots where the loss is defined."""
        phys = Physics(**self.physics)
        p = Columns.from_physics(phys, distance, wind=np.zeros_like(distance)).params(steps=24)
        return start.minimum_speed(p, height - phys.launch_height)

    def shoot(self, distance, height, wind, params=None):
        """(angle rad, speed m/s) for arrays of targets; differentiable in ``params``:
        angle = 90° sigmoid(o0 + logit(base angle / 90°)), speed = base speed exp(o1)."""
        out = mlp.forward(self.params if params is None else params,
                          self._inputs(distance, height, wind))
        theta0, v0 = self._base(np.asarray(distance, float), np.asarray(height, float))
        frac = np.clip(theta0 / (0.5 * np.pi), 1e-6, 1 - 1e-6)
        angle = 0.5 * np.pi / (1.0 + anp.exp(-(out[:, 0] + np.log(frac / (1 - frac)))))
        speed = v0 * anp.exp(out[:, 1])
        return angle, speed

    def predict(self, distance, height=0.0, wind=0.0):
        """(angle_deg, velocity_mps) arrays for the targets (broadcast)."""
        d = np.atleast_1d(np.asarray(distance, dtype=float))
        h = np.broadcast_to(np.asarray(height, dtype=float), d.shape)
        w = np.broadcast_to(np.asarray(wind, dtype=float), d.shape)
        a, v = self.shoot(d, h, w)
        return np.degrees(np.asarray(a)), np.asarray(v)

    def in_domain(self, distance, height, wind) -> np.ndarray:
        ok = np.ones(np.shape(distance), dtype=bool)
        for name, x in zip(VARIABLES, (distance, height, wind)):
            lo, hi = self.domain[name]
            tol = 1e-9 * max(1.0, abs(lo), abs(hi))
            ok &= (np.asarray(x) >= lo - tol) & (np.asarray(x) <= hi + tol)
        return ok

    def mismatch(self, physics: Physics) -> Optional[str]:
        """Why this policy does not fit ``physics`` (None if it does)."""
        for name in PHYSICS_FIELDS:
            mine, theirs = self.physics[name], getattr(physics, name)
            if mine is None or theirs is None or isinstance(mine, str):
                if mine != theirs:
                    return f"it was trained for {name} {mine}, not {theirs}"
            elif not math.isclose(mine, theirs, rel_tol=1e-12, abs_tol=1e-12):
                return f"it was trained for {name} {mine:g}, not {theirs:g}"
        return None

    # -- files ------------------------------------------------------------------------------
    def save(self, path) -> None:
        meta = {"schema": POLICY_SCHEMA, "layers": list(LAYERS), "domain": self.domain,
                "physics": self.physics, **self.meta}
        with open(path, "wb") as f:
            np.savez(f, meta=np.array(json.dumps(meta)), **mlp.to_arrays(self.params))

    @classmethod
    def load(cls, path) -> "Policy":
        """Read a policy file; anything else (missing, empty, corrupt, foreign, another
        schema) raises `InputError` with one line that says what the file is instead."""
        _check_archive(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                if "meta" not in z.files:
                    raise _NotPolicy("an .npz archive without a policy's 'meta' entry")
                meta = json.loads(str(z["meta"]))
                if not isinstance(meta, dict) or meta.get("schema") != POLICY_SCHEMA:
                    schema = meta.get("schema") if isinstance(meta, dict) else None
                    raise _NotPolicy(f"its schema is {schema!r}, not {POLICY_SCHEMA!r}")
                layers = meta["layers"]
                params = mlp.from_arrays(z, len(layers) - 1)
        except _NotPolicy as e:
            raise InputError(f"{path} is not a cannon policy file: {e}") from None
        except ValueError as e:
            # numpy's message for pickled object arrays suggests allow_pickle: never here
            why = ("it holds pickled Python objects, which are never loaded" if "pickle" in
                   str(e) else "its contents are damaged or not a policy's")
            raise InputError(f"{path} is not a cannon policy file: {why}") from None
        except Exception:  # noqa: BLE001 - a damaged archive or metadata: one message
            raise InputError(f"{path} is not a cannon policy file: a damaged .npz archive, or "
                             "not one made by 'cannon train'") from None
        for (w, b), n_in, n_out in zip(params, layers[:-1], layers[1:]):
            if w.shape != (n_in, n_out) or b.shape != (n_out,) or not np.isfinite(w).all():
                raise InputError(f"{path} is not a cannon policy file (bad weights)")
        try:
            domain = {k: tuple(float(x) for x in meta["domain"][k]) for k in VARIABLES}
            # a file from before a field existed was trained with the field's default
            defaults = {f.name: f.default for f in fields(Physics)}
            physics = {k: meta["physics"].get(k, defaults[k]) for k in PHYSICS_FIELDS}
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{path} is not a cannon policy file (bad metadata)") from None
        extra = {k: v for k, v in meta.items()
                 if k not in ("schema", "layers", "domain", "physics")}
        return cls(params, domain, physics, extra)

class _NotPolicy(Exception):
    """What a file that is not a policy is instead (a phrase, for `Policy.load`'s message)."""


#: The first bytes of an .npz (a zip archive) and of a single .npy array.
_ZIP, _NPY = b"PK\x03\x04", b"\x93NUMPY"


def _check_archive(path) -> None:
    """Say what is wrong with a file that cannot be a policy before numpy reads it: missing, a
    directory, unreadable, empty, or not an .npz archive at all (text, a .npy array, ...)."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except FileNotFoundError:
        raise InputError(f"no policy file {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not a policy file") from None
    except (OSError, ValueError) as e:  # ValueError: a NUL in the name
        raise InputError(f"cannot read the policy file {path}: "
                         f"{getattr(e, 'strerror', None) or 'not a file name'}") from None
    if head.startswith(_ZIP):
        return
    if not head:
        what = "it is empty"
    elif head.startswith(_NPY):
        what = "it is a single NumPy array (.npy), not an .npz archive"
    else:
        try:
            text = head.decode("utf-8")
            what = ("it is text" + (" (CSV?)" if "," in text.split("\n", 1)[0] else
                                    " (JSON?)" if text.lstrip().startswith(("{", "[")) else "")
                    + ", not an .npz archive")
        except UnicodeDecodeError:
            what = "it is not an .npz archive"
    raise InputError(f"{path} is not a cannon policy file: {what} (make one with "
                     "'cannon train')")


def starts_for(policy: Policy, problems: list) -> tuple:
    """Starting points from ``policy`` for ``problems``: (angle_deg, velocity_mps) arrays, NaN
    where the normal start is used, and the warnings to show for those."""
    n = len(problems)
    angle, speed = np.full(n, np.nan), np.full(n, np.nan)
    notes, use = [], []
    for i, p in enumerate(problems):
        if p.unknowns != "both":
            notes.append("the policy aims minimum-speed shots; problems that fix the angle or "
                         "the speed get the normal start")
        elif (why := policy.mismatch(p)) is not None:
            notes.append(f"the policy does not fit: {why}; using the normal start")
        elif not policy.in_domain(p.distance, p.target_height, p.wind):
            notes.append("some targets are outside the policy's training domain "
                         f"({_domain_text(policy)}); they get the normal start")
        else:
            use.append(i)
    if use:
        pick = [problems[i] for i in use]
        a, v = policy.predict(np.array([p.distance for p in pick]),
                              np.array([p.target_height for p in pick]),
                              np.array([p.wind for p in pick]))
        angle[use], speed[use] = a, v
    return angle, speed, sorted(set(notes))


def with_start(options: dict, problems: list) -> tuple:
    """(options, notes): the solve options without their ``policy`` and, if there was one, with
    its answers as the starting points (`starts_for`), and the warnings for the problems it
    cannot serve. Without a policy, the options as they are and no notes."""
    options = dict(options)
    policy = options.pop("policy", None)
    if policy is None:
        return options, []
    angle, speed, notes = starts_for(policy, problems)
    options["start"] = (angle, speed)
    return options, notes


def _domain_text(policy: Policy) -> str:
    d = policy.domain
    return (f"distance {d['distance'][0]:g}:{d['distance'][1]:g} m, height "
            f"{d['height'][0]:g}:{d['height'][1]:g} m, wind {d['wind'][0]:g}:{d['wind'][1]:g} m/s")

def train(physics: Physics, domain: dict, *, steps: int = 1500, batch: int = 128,
          seed: int = 0, learning_rate: float = 5e-3,
          callback: Optional[Callable[[int, float], None]] = None) -> Policy:
    """Train a policy for ``physics`` over ``domain`` (variable -> (lo, hi)) by back-propagating
    the minimum-speed residual through the model. ``callback(step, loss)`` reports progress."""
    for name in VARIABLES:
        lo, hi = domain[name]
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise InputError(f"the {name} range must be finite with lo <= hi, got {lo}:{hi}")
    if not domain["distance"][0] > 0:
        raise InputError("the distance range must be > 0")
    rng = np.random.default_rng(seed)
    phys = {k: getattr(physics, k) for k in PHYSICS_FIELDS}
    policy = Policy(mlp.init(LAYERS, rng), {k: tuple(map(float, v)) for k, v in domain.items()},
                    phys)
    # the output layer starts near zero: the closed-form start, which is defined everywhere
    w, b = policy.params[-1]
    policy.params[-1] = (0.01 * w, b)
    draws = {name: lambda n, r=domain[name]: rng.uniform(r[0], r[1], n) for name in VARIABLES}

    def loss(params, step):
        d, h, wnd = (draws[name](batch) for name in VARIABLES)
        p = Columns.from_physics(physics, d, wind=wnd).params(steps=TRAIN_STEPS)
        b = Batch("both", p, h, np.full(batch, np.nan), np.full(batch, np.nan))
        angle, speed = policy.shoot(d, h, wnd, params)
        z = anp.stack([angle, speed / b.speed_unit], axis=1)
        f = residual(b)(z, np.arange(batch))
        # a shot that never reaches the distance has no residual: it is left out of the mean
        ok = np.isfinite(f._value if hasattr(f, "_value") else f).all(axis=1)
        f = f[ok] if not ok.all() else f
        return anp.mean(anp.sum(f * f, axis=1)) + 1e3 * (1.0 - ok.mean())

    state = {"loss": float("nan")}

    def report(params, step, g):
        if callback is not None and (step % 25 == 0 or step == steps - 1):
            state["loss"] = float(loss(params, step))
            callback(step, state["loss"])

    policy.params = mlp.train(policy.params, loss, steps=steps, learning_rate=learning_rate,
                              callback=report)
    policy.meta = {"steps": steps, "batch": batch, "seed": seed}
    return policy
