"""Reference aim in three dimensions for the .308 case of reference_308.py (issue "Aim in three
dimensions"): barrel elevation, azimuth correction and drift at 300, 600 and 1000 m.

    python benchmarks/reference_308_3d.py [--quick]

reference_308.py's shot (175 gr, G7 BC 0.223 lb/in^2, 792.48 m/s, ICAO sea level, sight height
0, target at muzzle height; its constants are imported from it), in three cases:
  (a) 10 mph (4.4704 m/s) full-value crosswind from the left, blowing toward +z; no Coriolis;
  (b) no wind, latitude 45 N, firing east (bearing 90);  (c) the same, firing north (bearing 0).
Frame: x downrange, y up, z to the shooter's right. Azimuth: + to the right. MOA = 1/60 deg.

1. Ours: a 3-D point mass in time, state (x, y, z, vx, vy, vz), scipy ``solve_ivp`` DOP853,
   rtol = atol = 1e-12, written apart from the package's model (only Cd(M) from
   ``cannon_cli.physics.dragtable`` and rho(y), a(y) from ``cannon_cli.physics.atmosphere``):
       dv/dt = (0, -g, 0) - kappa (v - w) - 2 Omega x v,   w = (0, 0, crosswind),
       kappa = rho(y) |v - w| Cd(|v - w| / a(y)) pi / (8 BC_SI)   (as reference_308.py),
       Omega = w_E (cos(phi) cos(A), sin(phi), -cos(phi) sin(A)),  w_E = 7.292115e-5 rad/s
   (phi latitude, A bearing from north clockwise; north = cos(A) x - sin(A) z); muzzle velocity
   v0 (cos(el) cos(az), sin(el), cos(el) sin(az)). (el, az) solve (y, z) = 0 where x = range (a
   solve_ivp event): 2-D Newton, forward-difference Jacobian, |step| < 1e-11 rad (the miss's noise
   floor is ~5e-9 m at 1000 m, 5e-12 rad). "az 0": the elevation zeroing y fired at azimuth 0 (what
   py-ballisticcalc solves), and the drift, z at the range fired so; aimed into the wind the
   bullet meets more crossflow, hence more drag: 0.0017 MOA more elevation at 1000 m. Without
   --quick, also ours in py-ballisticcalc's air held constant (rho 1.2250, a 20.0467 sqrt(288.15)),
   as its fast path holds it within 30 ft of the muzzle.

2. py-ballisticcalc 3.1.1, engine scipy+dop853, rtol = atol = 1e-12, in its density-matched ICAO
   air (station pressure 1013.25 hPa / 1.000426, so rho = 1.2250 kg/m^3; reference_308.py).
   Elevation: ``barrel_elevation_for_target``; drift: ``TrajectoryData.windage`` at the range,
   fired at that elevation (barrel azimuth 0). Its conventions (conditions.py, shot.py,
   engines/scipy_engine.py):
   - ``Wind(velocity, direction_from)``: vector (v cos(dir), 0, v sin(dir)) in (x, y, z), and
     the drag acts on v - wind; direction_from 90 deg = "from the shooter's left", +z.
   - Coriolis: with both ``Shot(latitude=, azimuth=)`` it integrates the full 3-D
     -2 Omega x v (ENU Omega = w_E (0, cos phi, sin phi), w_E = 7.2921159e-5) in the equations of
     motion, ground velocity; with latitude alone it falls back to a "flat fire" offset added to
     the output, z += w_E x sin(phi) t (no vertical term): printed for comparison.
   - Spin drift (Litz) is added to ``windage`` only with a twist and a bullet length: twist is
     0 here, so it is off (asserted).
   Without py_ballisticcalc here, this part runs as a subprocess in $PYBC_PYTHON, else
   /work/tmp/pybc/bin/python (a venv: pip install py-ballisticcalc==3.1.1 scipy numpy autograd,
   as cannon_cli.physics imports autograd; add threadpoolctl to run the whole script there).

3. Differences ours (az 0) - py-ballisticcalc in MOA, flagged (!) above 0.1 MOA; and
   `cannon_rows()`, `cannon solve`'s answer once Problem/Solution carry crosswind, latitude,
   bearing, azimuth_deg and drift_m.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import subprocess
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, HERE]  # the working tree's cannon_cli, not an installed copy

import reference_308 as ref
from scipy.integrate import solve_ivp

from cannon_cli import units
from cannon_cli.physics import atmosphere as atm
from cannon_cli.physics import dragtable as dt

RANGES_M = (300.0, 600.0, 1000.0)
QUICK_RANGES_M = (1000.0,)
CROSSWIND = 10.0 * units.MILE / 3600.0  # 4.4704 m/s
OMEGA_E = 7.292115e-5
BC_SI = ref.BC_G7 * units.LB_PER_IN2
MOA = math.radians(1.0 / 60.0)
FLAG = 0.1  # MOA
#: name -> (title, crosswind m/s, latitude deg or None, bearing deg or None)
CASES = {
    "a": ("10 mph crosswind from the left (+z), no Coriolis", CROSSWIND, None, None),
    "b": ("no wind, latitude 45 N, firing east (bearing 90)", 0.0, 45.0, 90.0),
    "c": ("no wind, latitude 45 N, firing north (bearing 0)", 0.0, 45.0, 0.0),
}


# -- ours --------------------------------------------------------------------------------------

def make_flight(crosswind, latitude, bearing, air=None, table=None):
    """flight(range, el, az) -> (y, z, t) where the shot crosses x = range."""
    air = air if air is not None else atm.icao()
    table = table if table is not None else dt.load("g7")
    scale = dt.bc_scale(BC_SI)  # pi / (8 BC_SI)
    if latitude is None:
        ox = oy = oz = 0.0
    else:
        phi, az0 = math.radians(latitude), math.radians(bearing)
        ox, oy, oz = (OMEGA_E * math.cos(phi) * math.cos(az0), OMEGA_E * math.sin(phi),
                      -OMEGA_E * math.cos(phi) * math.sin(az0))
    g = ref.G

    def rhs(t, s):
        _, y, _, vx, vy, vz = s
        ux, uy, uz = vx, vy, vz - crosswind
        speed = math.sqrt(ux * ux + uy * uy + uz * uz)
        rho, a = float(air.density(y)), float(air.speed_of_sound(y))
        k = scale * rho * speed * float(table.cd(speed / a))
        return [vx, vy, vz,
                -k * ux - 2.0 * (oy * vz - oz * vy),
                -g - k * uy - 2.0 * (oz * vx - ox * vz),
                -k * uz - 2.0 * (ox * vy - oy * vx)]

    def flight(range_m, el, az):
        def reach(t, s):
            return s[0] - range_m
        reach.terminal, reach.direction = True, 1
        v0 = ref.MUZZLE
        s0 = [0.0, 0.0, 0.0, v0 * math.cos(el) * math.cos(az), v0 * math.sin(el),
              v0 * math.cos(el) * math.sin(az)]
        sol = solve_ivp(rhs, (0.0, 30.0), s0, method="DOP853", rtol=ref.RTOL, atol=ref.ATOL,
                        events=[reach])
        s = sol.y_events[0][0]
        return float(s[1]), float(s[2]), float(sol.t_events[0][0])

    return flight


def aim(flight, range_m, h=1e-7, tol=1e-11, max_iter=8):
    """(elevation, azimuth) of the 2-D root (rad), Newton iterations, elevation (rad) that zeroes
    y at azimuth 0 (a chord Newton from the root), and the drift z (m) fired so."""
    el, az = 0.5 * math.asin(min(1.0, ref.G * range_m / ref.MUZZLE ** 2)), 0.0  # vacuum
    for it in range(1, max_iter + 1):
        y, z, _ = flight(range_m, el, az)
        y1, z1, _ = flight(range_m, el + h, az)
        y2, z2, _ = flight(range_m, el, az + h)
        a, b, c, d = (y1 - y) / h, (y2 - y) / h, (z1 - z) / h, (z2 - z) / h
        det = a * d - b * c
        de, da = -(d * y - b * z) / det, -(a * z - c * y) / det
        el, az = el + de, az + da
        if max(abs(de), abs(da)) < tol:
            break
    el0, step = el, 1.0
    for _ in range(max_iter):
        y0, z0, _ = flight(range_m, el0, 0.0)
        if abs(step) < tol:
            break
        step = -y0 / a
        el0 += step
    return el, az, it, el0, z0


def our_rows(ranges, air=None):
    """{case: [aim(...) for each range]}."""
    flights = {name: make_flight(*case[1:], air=air) for name, case in CASES.items()}
    return {name: [aim(flights[name], r) for r in ranges] for name in CASES}


# -- py-ballisticcalc --------------------------------------------------------------------------

def pybc_rows(ranges):
    """{case: [(elevation rad, windage m, height at range m), ...]}, plus a flat-fire case 'ff'
    (latitude 45 without azimuth) and the version; run where py_ballisticcalc imports."""
    import py_ballisticcalc as pb
    from py_ballisticcalc.shot import ShotProps

    logging.getLogger("py_balcalc").setLevel(logging.WARNING)
    warnings.simplefilter("ignore")
    ratio = pb.Atmo.calculate_air_density(15.0, 1013.25, 0.0) / 1.2250
    assert abs(ratio - ref.PYBC_RHO_RATIO) < 1e-12, ratio
    meter = pb.Distance.Meter
    dm = pb.DragModel(ref.BC_G7, pb.TableG7, weight=pb.Weight.Grain(ref.WEIGHT_GR),
                      diameter=pb.Distance.Inch(ref.DIAMETER_IN))
    ammo = pb.Ammo(dm, pb.Velocity.FPS(ref.MUZZLE_FPS))
    calc = pb.Calculator(config={"relative_tolerance": ref.RTOL, "absolute_tolerance": ref.ATOL},
                         engine="scipy+dop853")

    def shot(wind, lat, bearing, el=None):  # the air: reference_308.py's match_icao_density
        air = pb.Atmo(altitude=meter(0), pressure=pb.Pressure.hPa(1013.25 / ref.PYBC_RHO_RATIO),
                      temperature=pb.Atmo.standard_temperature(meter(0)), humidity=0)
        winds = [pb.Wind(pb.Velocity.MPS(wind), pb.Angular.Degree(90))] if wind else None
        return pb.Shot(weapon=pb.Weapon(sight_height=meter(0)), ammo=ammo, atmo=air, winds=winds,
                       latitude=lat, azimuth=bearing,
                       relative_angle=None if el is None else pb.Angular.Radian(el))

    cases = {k: v[1:] for k, v in CASES.items()}
    cases["ff"] = (0.0, 45.0, None)
    out = {"version": getattr(pb, "__version__", "?")}
    for name, (wind, lat, bearing) in cases.items():
        rows = []
        for r in ranges:
            el = calc.barrel_elevation_for_target(shot(wind, lat, bearing), meter(r)) \
                >> pb.Angular.Radian
            s = shot(wind, lat, bearing, el)
            props = ShotProps.from_shot(s)
            assert props.spin_drift(2.0) == 0.0 and props.twist_inch == 0.0  # no spin drift
            assert (props.coriolis is None) == (lat is None)
            assert lat is None or props.coriolis.full_3d == (bearing is not None)
            td = calc.fire(s, meter(r), dense_output=True).get_at("distance", meter(r))
            rows.append((el, td.windage >> pb.Distance.Meter, td.height >> pb.Distance.Meter))
        out[name] = rows
    return out


def pybc_in_venv(ranges):
    """pybc_rows here if py_ballisticcalc imports, else in its venv; None if neither works."""
    try:
        import py_ballisticcalc  # noqa: F401
        return pybc_rows(ranges)
    except ImportError:
        pass
    python = os.environ.get("PYBC_PYTHON", "/work/tmp/pybc/bin/python")
    if not os.path.exists(python):
        print(f"\npy-ballisticcalc is not installed here nor at {python} (see the docstring)")
        return None
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT] + [q for q in os.environ.get("PYTHONPATH", "").split(os.pathsep) if q]))
    run = subprocess.run([python, os.path.abspath(__file__), "--pybc-json",
                          *map(str, ranges)], check=False, capture_output=True, text=True, env=env)
    if run.returncode:
        print(f"\npy-ballisticcalc run in {python} failed:\n{run.stderr[-2000:]}")
        return None
    return json.loads(run.stdout)


# -- cannon ------------------------------------------------------------------------------------

def cannon_rows(ranges=RANGES_M):
    """{case: [(angle_deg, azimuth_deg, drift_m), ...]} from `cannon solve`; raises TypeError
    or AttributeError while Problem/Solution lack the 3-D fields."""
    from cannon_cli.aim.driver import solve
    from cannon_cli.problem import Problem

    def row(r, wind, lat, bearing):
        extra = {"crosswind": wind} if lat is None else {"latitude": lat, "bearing": bearing}
        sol = solve(Problem(distance=r, velocity=ref.MUZZLE, drag="g7",
                            ballistic_coefficient=BC_SI, atmosphere="icao", **extra))
        return sol.angle_deg, sol.azimuth_deg, sol.drift_m

    return {name: [row(r, *case[1:]) for r in ranges] for name, case in CASES.items()}


# -- table -------------------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1000 m only, no constant-air run")
    ap.add_argument("--pybc-json", nargs="+", type=float, help=argparse.SUPPRESS)  # internal
    args = ap.parse_args(argv)
    if args.pybc_json:  # the py-ballisticcalc part, run in its venv by pybc_in_venv
        print(json.dumps(pybc_rows(args.pybc_json)))
        return 0
    ranges = QUICK_RANGES_M if args.quick else RANGES_M
    t0 = time.perf_counter()
    ours = our_rows(ranges)
    t_ours = time.perf_counter() - t0
    const = None if args.quick else our_rows(ranges, atm.ConstantAir(1.2250, ref.PYBC_SOUND))
    t0 = time.perf_counter()
    pybc = pybc_in_venv(ranges)
    t_pybc = time.perf_counter() - t0
    try:
        cannon, cannon_err = cannon_rows(ranges), None
    except (TypeError, AttributeError) as e:
        cannon, cannon_err = None, f"cannon: 3-D fields not available yet ({type(e).__name__}: {e})"
    except Exception as e:  # noqa: BLE001 (the package is being edited: report, go on)
        cannon, cannon_err = None, f"cannon: failed ({type(e).__name__}: {str(e)[:200]})"

    w, flagged = 46, []
    head = "".join(f"{int(r):>13d} m" for r in ranges)

    def line(label, rows, i, f=lambda v: v, fmt="{:15.6f}"):
        print(f"{label:{w}s}" + "".join(fmt.format(f(q[i])) for q in rows))

    def diff(label, xs, ix, ys, iy, per_range=False):  # (xs[ix] - ys[iy]) in MOA
        d = [(a[ix] - b[iy]) / (r if per_range else 1.0) / MOA for a, b, r in zip(xs, ys, ranges)]
        print(f"{label:{w}s}" + "".join(f"{x:+14.5f}{'!' if abs(x) > FLAG else ' '}" for x in d))
        return d

    deg, moa, mrad = math.degrees, (lambda v: v / MOA), (lambda v: 1e3 * v)
    for name, (title, *_) in CASES.items():
        print(f"\n({name}) {title}\n{'':{w}s}{head}")
        o = ours[name]  # (el, az, iterations, el0, drift)
        line("ours: elevation (deg)", o, 0, deg, "{:15.9f}")
        line("ours: elevation (MOA)", o, 0, moa)
        line("ours: azimuth correction (MOA)", o, 1, moa)
        line("ours: azimuth correction (mrad)", o, 1, mrad)
        line("ours: Newton iterations", o, 2, fmt="{:15d}")
        line("ours: az 0: elevation (deg)", o, 3, deg, "{:15.9f}")
        line("ours: az 0: elevation (MOA)", o, 3, moa)
        line("ours: az 0: drift (m)", o, 4)
        print(f"{'ours: az 0: drift / range (MOA)':{w}s}"
              + "".join(f"{q[4] / r / MOA:15.6f}" for q, r in zip(o, ranges)))
        if pybc:
            p = pybc[name]  # (elevation, windage, height at the range)
            line(f"py-b. {pybc['version']}: elevation (deg)", p, 0, deg, "{:15.9f}")
            line("py-b.: elevation (MOA)", p, 0, moa)
            line("py-b.: windage at that elevation (m)", p, 1)
            print(f"{'py-b.: windage / range (MOA)':{w}s}"
                  + "".join(f"{q[1] / r / MOA:15.6f}" for q, r in zip(p, ranges)))
            line("py-b.: height at the range (m)", p, 2, fmt="{:15.2e}")
            de = diff("ours az 0 - py-b.: elevation (MOA)", o, 3, p, 0)
            dd = diff("ours az 0 - py-b.: drift (MOA)", o, 4, p, 1, True)
            flagged += [(name, r) for r, x, y in zip(ranges, de, dd) if max(abs(x), abs(y)) > FLAG]
            if const:
                diff("ours its air const - py-b.: elevation (MOA)", const[name], 3, p, 0)
                diff("ours its air const - py-b.: drift (MOA)", const[name], 4, p, 1, True)
        if cannon:
            k = [(math.radians(a), math.radians(b), d) for a, b, d in cannon[name]]
            line("cannon: elevation (deg)", k, 0, deg, "{:15.9f}")
            line("cannon: azimuth (MOA)", k, 1, moa)
            line("cannon: drift (m)", k, 2)
            diff("cannon - ours: elevation (MOA)", k, 0, o, 0)
            diff("cannon - ours: azimuth (MOA)", k, 1, o, 1)
            diff("cannon - ours: drift (MOA)", k, 2, o, 4, True)
    if pybc:
        p = pybc["ff"]
        print(f"\npy-b. at 45 N without azimuth: its flat-fire fallback (z += w_E x sin(phi) t, "
              f"no vertical term)\n{'':{w}s}{head}")
        line("py-b. flat fire: elevation (MOA)", p, 0, moa)
        line("py-b. flat fire: windage (m)", p, 1)
        for name in ("b", "c"):
            diff(f"ours ({name}) az 0 - py-b. flat fire: elev (MOA)", ours[name], 3, p, 0)
            diff(f"ours ({name}) az 0 - py-b. flat fire: drift (MOA)", ours[name], 4, p, 1, True)
    print()
    if cannon_err:
        print(cannon_err)
    if pybc:
        print("ours vs py-ballisticcalc (full 3-D): " + (
            ", ".join(f"({n}) {int(r)} m" for n, r in flagged) + f" differ by more than {FLAG} MOA"
            if flagged else f"all within {FLAG} MOA"))
    print(f"time: ours {t_ours:.1f} s, py-ballisticcalc {t_pybc:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
