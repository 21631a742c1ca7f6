"""Reference elevations for the standard small-arms case of issue 6 ("Real air").

    python benchmarks/reference_308.py [--quick]

The case: a .308 bullet of 175 grains, G7 BC 0.223 lb/in^2, muzzle speed 2600 ft/s, ICAO
atmosphere at sea level, sight height 0, target at muzzle height, no wind, standard gravity.
Printed: the barrel elevation (degrees) to hit at 100, 300, 500 and 1000 m, computed two
independent ways, and their differences.

1. py-ballisticcalc (PyPI, LGPL; ``pip install py-ballisticcalc==3.1.1``), an established
   point-mass ballistic solver. Engine ``scipy+dop853`` (scipy ``solve_ivp`` DOP853 in time) with
   rtol = atol = 1e-12, zero found by its Newton/brentq search to 5e-6 ft. Its default engine,
   ``python+rk4`` (fixed step 0.0025 s x cStepMultiplier), holds the drag factor k_m fixed over
   each RK4 step (evaluated at the step's start), so for Mach-dependent drag it converges only to
   first order in the step: printed for comparison with cStepMultiplier 1 and 0.01.
   Its ``Atmo.icao()`` computes density by the CIPM-2007 formula including the compressibility
   factor Z, giving rho/rho_ICAO = 1.000426 at sea level (rho = 1.22552 instead of 1.2250 kg/m^3);
   a second run sets its station pressure to 1013.25 hPa / 1.000426 so that its density is ICAO's.
   Within 30 ft of the launch altitude it holds density and Mach constant (its fast path): the
   1000 m shot peaks about 4 m up.

2. Our own reference: scipy ``solve_ivp`` DOP853 in time, rtol = atol = 1e-12, with
   ``cannon_cli.physics.dragtable`` (G7 table, PCHIP, kappa = rho |v| Cd(M) pi / (8 BC_SI)) and
   ``cannon_cli.physics.atmosphere`` (ICAO, density and speed of sound vary with height), the crossing of
   x = range located by a solve_ivp event, the angle found by brentq to 1e-14 rad.

3. `cannon solve` itself (lbfgs and newton), and its differences from both.

Both references use the same G7 table and the same PCHIP interpolant (py-ballisticcalc's pchip_prepare is the
Fritsch-Carlson / scipy PchipInterpolator construction), so the differences come from the
atmosphere conventions and the solvers' tolerances only.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
import warnings

from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from cannon_cli.physics import atmosphere as atm
from cannon_cli.physics import dragtable as dt
from cannon_cli.units import LB_PER_IN2

RANGES_M = (100.0, 300.0, 500.0, 1000.0)
GRAIN = 64.79891e-6  # kg
FOOT = 0.3048  # m
MUZZLE_FPS = 2600.0
MUZZLE = MUZZLE_FPS * FOOT  # 792.48 m/s
BC_G7 = 0.223  # lb/in^2
WEIGHT_GR = 175.0
DIAMETER_IN = 0.308
G = atm.G0
RTOL = ATOL = 1e-12

#: py-ballisticcalc's density ratio at ICAO sea level (CIPM-2007 density with compressibility,
#: over its rho_std 1.2250 kg/m^3); checked below when py-ballisticcalc is present. Its air is
#: therefore 1.2250 x this = 1.22552 kg/m^3, and its speed of sound 20.0467 sqrt(288.15) m/s.
PYBC_RHO_RATIO = 1.0004255875331192
PYBC_RHO = 1.2250 * PYBC_RHO_RATIO
PYBC_SOUND = 20.0467 * math.sqrt(288.15)


# -- our reference -----------------------------------------------------------------------------

def our_elevation(range_m: float, *, air=None, table=None) -> tuple[float, dict]:
    """Barrel elevation (deg) to cross (range_m, 0), by DOP853 in time + brentq on the angle."""
    air = air if air is not None else atm.icao()
    table = table if table is not None else dt.load("g7")
    scale = dt.bc_scale(BC_G7 * LB_PER_IN2)

    def rhs(t, s):
        x, y, vx, vy = s
        speed = math.sqrt(vx * vx + vy * vy)
        rho, a = float(air.density(y)), float(air.speed_of_sound(y))
        k = scale * rho * speed * float(table.cd(speed / a))
        return [vx, vy, -k * vx, -G - k * vy]

    def reach(t, s):
        return s[0] - range_m

    reach.terminal, reach.direction = True, 1
    stats = {"nfev": 0}

    def height(theta_rad: float) -> float:
        s0 = [0.0, 0.0, MUZZLE * math.cos(theta_rad), MUZZLE * math.sin(theta_rad)]
        sol = solve_ivp(rhs, (0.0, 30.0), s0, method="DOP853", rtol=RTOL, atol=ATOL,
                        events=[reach])
        stats["nfev"] += sol.nfev
        return float(sol.y_events[0][0][1])

    theta = brentq(height, 0.0, math.radians(5.0), xtol=1e-14, rtol=1e-15)
    return math.degrees(theta), stats


# -- py-ballisticcalc --------------------------------------------------------------------------

def pybc_elevations(engine: str, config: dict, *, match_icao_density: bool) -> list[float]:
    from py_ballisticcalc import (Ammo, Angular, Atmo, Calculator, Distance, DragModel, Pressure,
                                  Shot, TableG7, Velocity, Weapon, Weight)

    dm = DragModel(BC_G7, TableG7, weight=Weight.Grain(WEIGHT_GR),
                   diameter=Distance.Inch(DIAMETER_IN))
    ammo = Ammo(dm, Velocity.FPS(MUZZLE_FPS))
    calc = Calculator(config=config, engine=engine)
    out = []
    for r in RANGES_M:
        if match_icao_density:
            air = Atmo(altitude=Distance.Meter(0), pressure=Pressure.hPa(1013.25 / PYBC_RHO_RATIO),
                       temperature=Atmo.standard_temperature(Distance.Meter(0)), humidity=0)
        else:
            air = Atmo.icao()
        shot = Shot(weapon=Weapon(sight_height=Distance.Meter(0)), ammo=ammo, atmo=air)
        out.append(calc.barrel_elevation_for_target(shot, Distance.Meter(r)) >> Angular.Degree)
    return out


def cannon_elevations(solver: str):
    """The elevations `cannon solve` gives (RK4 in x with its own step control), and the total
    time in ms."""
    from cannon_cli import Problem, solve

    t = time.perf_counter()
    angles = [solve(Problem(distance=r, velocity=MUZZLE, drag="g7",
                            ballistic_coefficient=BC_G7 * LB_PER_IN2, atmosphere="icao"),
                    solver=solver).angle_deg for r in RANGES_M]
    return angles, (time.perf_counter() - t) * 1e3


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the slow RK4 step study")
    args = ap.parse_args(argv)
    fmt = lambda xs: "  ".join(f"{x:12.7f}" for x in xs)
    head = "  ".join(f"{int(r):>10d} m" for r in RANGES_M)
    print(f"{'':46s}{head}")

    t = time.perf_counter()
    ours, nfev = [], []
    for r in RANGES_M:
        e, st = our_elevation(r)
        ours.append(e)
        nfev.append(st["nfev"])
    t_ours = time.perf_counter() - t
    print(f"{'ours: DOP853 1e-12, ICAO varying with height':46s}{fmt(ours)}")
    ours_const = [our_elevation(r, air=atm.ConstantAir())[0] for r in RANGES_M]
    print(f"{'ours: same, ICAO sea-level air held constant':46s}{fmt(ours_const)}")
    ours_pybc_air = [our_elevation(r, air=atm.ConstantAir(PYBC_RHO, PYBC_SOUND))[0]
                     for r in RANGES_M]
    print(f"{'ours: py-ballisticcalc air, held constant':46s}{fmt(ours_pybc_air)}")
    solved = {solver: cannon_elevations(solver) for solver in ("lbfgs", "newton")}
    for solver, (angles, ms) in solved.items():
        print(f"{f'cannon solve --solver {solver} ({ms:.0f} ms)':46s}{fmt(angles)}")
    diff = lambda a, b: "  ".join(f"{x - y:+12.2e}" for x, y in zip(a, b))
    for solver, (angles, _) in solved.items():
        print(f"{f'  {solver} - ours DOP853':46s}{diff(angles, ours)}")

    try:
        import py_ballisticcalc
        from py_ballisticcalc import Atmo
    except ImportError:
        print("\npy-ballisticcalc is not installed: pip install py-ballisticcalc==3.1.1")
        return 0
    logging.getLogger("py_balcalc").setLevel(logging.WARNING)
    warnings.simplefilter("ignore")
    ratio = Atmo.calculate_air_density(15.0, 1013.25, 0.0) / 1.2250
    assert abs(ratio - PYBC_RHO_RATIO) < 1e-12, ratio
    version = getattr(py_ballisticcalc, "__version__", "?")
    tight = {"relative_tolerance": RTOL, "absolute_tolerance": ATOL}
    t = time.perf_counter()
    pybc = pybc_elevations("scipy+dop853", tight, match_icao_density=False)
    t_pybc = time.perf_counter() - t
    print(f"{f'py-ballisticcalc {version} scipy+dop853 1e-12':46s}{fmt(pybc)}")
    pybc_icao = pybc_elevations("scipy+dop853", tight, match_icao_density=True)
    print(f"{'  same, density set to ICAO 1.2250':46s}{fmt(pybc_icao)}")
    rk4 = pybc_elevations("python+rk4", {}, match_icao_density=False)
    print(f"{'  python+rk4 (default engine), step 0.0025 s':46s}{fmt(rk4)}")
    if not args.quick:
        rk4_fine = pybc_elevations("python+rk4", {"cStepMultiplier": 0.01},
                                   match_icao_density=False)
        print(f"{'  python+rk4, step 0.000025 s':46s}{fmt(rk4_fine)}")

    print("\ndifferences (degrees)")
    for solver, (angles, _) in solved.items():
        print(f"{f'cannon solve {solver} - py-b. (as is)':46s}{diff(angles, pybc)}")
    print(f"{'ours - py-ballisticcalc (as is)':46s}{diff(ours, pybc)}")
    print(f"{'ours - py-ballisticcalc (ICAO density)':46s}{diff(ours, pybc_icao)}")
    print(f"{'ours (its air, constant) - py-b. (as is)':46s}{diff(ours_pybc_air, pybc)}")
    print(f"{'ours: varying - constant air':46s}{diff(ours, ours_const)}")
    print(f"{'py-b. default rk4 - py-b. dop853':46s}{diff(rk4, pybc)}")
    print(f"\ntime: ours {t_ours:.2f} s ({sum(nfev)} rhs calls), py-ballisticcalc dop853 "
          f"{t_pybc:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
