"""Independent oracles for the tests, written from docs/physics.md §2-3 and nothing else.

Nothing here imports `cannon_cli.physics.model`: the closed forms are the textbook ones, and the drag
reference integrates the equations of motion in *time* with scipy's DOP853 (the model integrates
in x with its own RK4), so an error in the model cannot hide in its own oracle.

Physics (SI units): v_rel = v - (wind, 0);
    none:      a = (0, -g)
    linear:    a = (0, -g) - (b/m) v_rel
    quadratic: a = (0, -g) - (rho Cd A / 2m) |v_rel| v_rel,  A = pi d^2 / 4
    g1/g7/sphere/table: a = (0, -g) - rho(y) |v_rel| Cd(|v_rel| / a(y)) K v_rel, with
               K = pi / (8 BC) for a ballistic coefficient BC (kg/m^2), else i A / 2m;
               Cd from scipy's PchipInterpolator through the table's CSV rows; rho and a from
               the ICAO formulas below (dry air, sea-level site unless ``altitude``), constant at
               the site's values for ``atmosphere == "constant"``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import solve_ivp
from scipy.interpolate import PchipInterpolator
from scipy.special import lambertw

STANDARD_GRAVITY = 9.80665

#: Integration tolerances of the time-domain reference.
RTOL = 1e-12
#: absolute: 1e-12 let the crossing of x = D of a near-vertical shot (vx ~ 0.07 m/s, dy/dx ~ 230)
#: move by 4e-7 m, 1.7e-6 of a 0.25 m distance: the model was right, the oracle was not
ATOL = 1e-14
#: Longest flight the reference integrates (s) before calling the shot a miss.
T_MAX = 1.0e4


# --------------------------------------------------------------------------------------------
# Vacuum closed forms.
# --------------------------------------------------------------------------------------------

def vacuum_angles(x, y, v, g=STANDARD_GRAVITY):
    """(low, high) launch angles (rad) that hit (x, y) from the origin at speed v:
    tan(theta) = (v^2 -+ sqrt(v^4 - g (g x^2 + 2 y v^2))) / (g x). NaN if out of reach."""
    disc = v ** 4 - g * (g * x * x + 2.0 * y * v * v)
    if disc < 0:
        return math.nan, math.nan
    root = math.sqrt(disc)
    return math.atan((v * v - root) / (g * x)), math.atan((v * v + root) / (g * x))


def vacuum_speed(x, y, theta, g=STANDARD_GRAVITY):
    """Launch speed (m/s) that hits (x, y) at angle theta (rad):
    v^2 = g x^2 / (2 cos^2(theta) (x tan(theta) - y)). NaN below the line of sight."""
    rise = x * math.tan(theta) - y
    if rise <= 0:
        return math.nan
    return math.sqrt(g * x * x / (2.0 * math.cos(theta) ** 2 * rise))


def vacuum_min_speed(x, y, g=STANDARD_GRAVITY):
    """(theta rad, v m/s) of the minimum-speed shot to (x, y):
    v^2 = g (y + sqrt(x^2 + y^2)), tan(theta) = (y + sqrt(x^2 + y^2)) / x."""
    r = math.hypot(x, y)
    return math.atan((y + r) / x), math.sqrt(g * (y + r))


def vacuum_height(x, theta, v, h0=0.0, g=STANDARD_GRAVITY):
    """Height (m) at distance x: y = h0 + x tan(theta) - g x^2 / (2 v^2 cos^2(theta))."""
    return h0 + x * np.tan(theta) - g * x * x / (2.0 * v * v * np.cos(theta) ** 2)


# --------------------------------------------------------------------------------------------
# Linear drag: Lambert W range.
# --------------------------------------------------------------------------------------------

def linear_drag_range(v, theta, k, g=STANDARD_GRAVITY):
    """Range (m) on level ground with linear drag k = b/m (1/s), no wind (Packel & Yuen 2004):
    A = 1 + k v sin(theta) / g, T = (A + W0(-A e^-A)) / k, R = (v cos(theta) / k)(1 - e^(-k T))."""
    a = 1.0 + k * v * math.sin(theta) / g
    w = lambertw(-a * math.exp(-a), 0).real
    t = (a + w) / k
    return v * math.cos(theta) / k * (-math.expm1(-k * t))


# --------------------------------------------------------------------------------------------
# Time-domain reference with drag and wind.
# --------------------------------------------------------------------------------------------

# ICAO Doc 7488/3 troposphere, dry air: T0, p0 and rho0 = 1.225 kg/m^3 at sea level, R* = 8314.32
# J/(kmol K); the molar mass M = R* rho0 T0 / p0 is ICAO's 28.964420 kg/kmol to its 8 digits
# (the U.S. 1976 atmosphere's rounder M = 28.9644 gives rho0 = 1.2249992)
ICAO_T0, ICAO_P0, ICAO_RHO0, ICAO_LAPSE = 288.15, 101325.0, 1.225, 0.0065
ICAO_R, ICAO_GAMMA = 8.31432, 1.4
ICAO_M = ICAO_R * ICAO_RHO0 * ICAO_T0 / ICAO_P0


def icao_air(altitude):
    """(rho kg/m^3, a m/s) of the ICAO standard atmosphere at a geopotential altitude below
    11 km: T = T0 - L h, p = p0 (T/T0)^(g0 M / (R* L)), rho = p M / (R* T),
    a = sqrt(gamma R* T / M)."""
    t = ICAO_T0 - ICAO_LAPSE * altitude
    p = ICAO_P0 * (t / ICAO_T0) ** (STANDARD_GRAVITY * ICAO_M / (ICAO_R * ICAO_LAPSE))
    return p * ICAO_M / (ICAO_R * t), math.sqrt(ICAO_GAMMA * ICAO_R * t / ICAO_M)


def site_density(problem_like):
    """The air density the problem says (kg/m^3): air_density, else ICAO at the site."""
    if problem_like.air_density is not None:
        return problem_like.air_density
    return icao_air(problem_like.altitude)[0]


def drag_constants(problem_like):
    """(k, c): linear b/m (1/s) and quadratic rho Cd A / 2m (1/m) for the drag model in use
    (the other is zero), from the physics fields of a Problem/Shot."""
    pr = problem_like
    k = pr.linear_drag / pr.mass if pr.drag == "linear" else 0.0
    c = 0.0
    if pr.drag == "quadratic":
        area = math.pi * pr.diameter ** 2 / 4.0
        c = site_density(pr) * pr.drag_coefficient * area / (2.0 * pr.mass)
    return k, c


def table_cd(path):
    """Cd(Mach) through the rows of a ``mach,cd`` CSV file (scipy PCHIP)."""
    data = np.loadtxt(path, delimiter=",", comments="#", skiprows=0, dtype=str)
    rows = np.array([r for r in data if r[0].strip().lower() != "mach"], dtype=float)
    return PchipInterpolator(rows[:, 0], rows[:, 1], extrapolate=True)


def bundled_table_path(name):
    import pathlib
    return pathlib.Path(__file__).resolve().parent.parent / "cannon_cli" / "physics" / "data" / f"{name}.csv"


def _rhs(problem_like):
    pr = problem_like
    k, c = drag_constants(pr)
    g, wind, drag = pr.gravity, pr.wind, pr.drag
    if drag in ("g1", "g7", "sphere", "table"):
        cd = table_cd(pr.drag_table if drag == "table" else bundled_table_path(drag))
        if pr.ballistic_coefficient is not None:
            scale = math.pi / (8.0 * pr.ballistic_coefficient)
        else:
            scale = pr.form_factor * math.pi * pr.diameter ** 2 / 4.0 / (2.0 * pr.mass)
        rho_site, a_site = icao_air(pr.altitude)
        if pr.air_density is not None:
            rho_site = pr.air_density
        icao = pr.atmosphere == "icao"
        rho_scale = rho_site / icao_air(pr.altitude)[0]

        def rhs(t, s):
            _, y, vx, vy = s
            ux, uy = vx - wind, vy
            speed = math.hypot(ux, uy)
            if icao:
                rho, a = icao_air(pr.altitude + y)
                rho *= rho_scale
            else:
                rho, a = rho_site, a_site
            kap = scale * rho * speed * float(cd(speed / a))
            return [vx, vy, -kap * ux, -g - kap * uy]

        return rhs

    def rhs(t, s):
        _, _, vx, vy = s
        ux, uy = vx - wind, vy
        if drag == "linear":
            kap = k
        elif drag == "quadratic":
            kap = c * math.hypot(ux, uy)
        else:
            kap = 0.0
        return [vx, vy, -kap * ux, -g - kap * uy]

    return rhs


def _fly(problem_like, theta_rad, v, events):
    s0 = [0.0, float(problem_like.launch_height),
          float(v) * math.cos(theta_rad), float(v) * math.sin(theta_rad)]
    return solve_ivp(_rhs(problem_like), (0.0, T_MAX), s0, method="DOP853", rtol=RTOL,
                     atol=ATOL, events=events)


def reference_state_at(problem_like, theta_rad, v, distance):
    """(y, vx, vy, t) where the shot first crosses x = distance, by DOP853 in time; NaN if it
    never gets there (it turns back or falls vertically first)."""

    def reach(t, s):
        return s[0] - distance

    reach.terminal, reach.direction = True, 1

    def stall(t, s):  # horizontal velocity gone: it will never get there
        return s[2]

    stall.terminal, stall.direction = True, -1
    if not (math.isfinite(theta_rad) and math.isfinite(v)):
        return (math.nan,) * 4
    sol = _fly(problem_like, theta_rad, v, [reach, stall])
    if not len(sol.t_events[0]):
        return (math.nan,) * 4
    x, y, vx, vy = sol.y_events[0][0]
    return float(y), float(vx), float(vy), float(sol.t_events[0][0])


def reference_height_at(problem_like, theta_rad, v, distance):
    """Height (m) at which the shot crosses x = distance (NaN if it never does)."""
    return reference_state_at(problem_like, theta_rad, v, distance)[0]


def reference_apex(problem_like, theta_rad, v):
    """Highest point (m) of the flight, where vy = 0 (the launch height if it never rises)."""

    def top(t, s):
        return s[3]

    top.terminal, top.direction = True, -1
    if math.sin(theta_rad) <= 0:
        return float(problem_like.launch_height)
    sol = _fly(problem_like, theta_rad, v, [top])
    return float(sol.y_events[0][0][1])


def true_miss(solution):
    """|y_ref(D) - target_height| (m) for a cannon_cli Solution, by the time-domain reference."""
    pr = solution.problem
    y = reference_height_at(pr, math.radians(solution.angle_deg), solution.velocity_mps,
                            pr.distance)
    return abs(y - pr.target_height)


def reference_top(problem_like, v, distance=None, lo_deg=-30.0, hi_deg=89.5):
    """(angle rad, height m): the launch angle at which speed v crosses x = distance highest,
    and that height, by maximising the time-domain reference over the angle (a grid, then a
    bounded Brent search around the best grid point). Height -inf if nothing gets there."""
    from scipy.optimize import minimize_scalar

    d = problem_like.distance if distance is None else distance
    grid = np.radians(np.linspace(lo_deg, hi_deg, 61))
    heights = np.array([reference_height_at(problem_like, th, v, d) for th in grid])
    if not np.isfinite(heights).any():
        return math.nan, -math.inf
    i = int(np.nanargmax(np.where(np.isfinite(heights), heights, -np.inf)))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    f = lambda th: -np.nan_to_num(reference_height_at(problem_like, th, v, d), nan=-1e12)
    res = minimize_scalar(f, bounds=(a, b), method="bounded", options={"xatol": 1e-10})
    if -res.fun >= heights[i]:
        return float(res.x), -float(res.fun)
    return float(grid[i]), float(heights[i])


def reference_range(problem_like, theta_rad, v):
    """Where (x, m) the shot comes down through the target's height, by DOP853 in time
    (NaN if it never does)."""

    def land(t, s):
        return s[1] - problem_like.target_height

    land.terminal, land.direction = True, -1
    sol = _fly(problem_like, theta_rad, v, [land])
    return float(sol.y_events[0][0][0]) if len(sol.t_events[0]) else math.nan


def reference_max_range(problem_like, v):
    """(range m, angle rad): the greatest `reference_range` over the angle (a grid, then a
    bounded Brent search)."""
    from scipy.optimize import minimize_scalar

    grid = np.radians(np.linspace(1.0, 89.0, 89))
    ranges = np.array([reference_range(problem_like, th, v) for th in grid])
    i = int(np.nanargmax(ranges))
    f = lambda th: -reference_range(problem_like, th, v)
    res = minimize_scalar(f, bounds=(grid[max(i - 1, 0)], grid[min(i + 1, 88)]),
                          method="bounded", options={"xatol": 1e-10})
    return -float(res.fun), float(res.x)


# --------------------------------------------------------------------------------------------
# Three dimensions: crosswind and the Earth's rotation, in time.
# --------------------------------------------------------------------------------------------

EARTH_RATE = 7.292115e-5  # rad/s


def earth_rotation_in_shot_frame(latitude_deg, bearing_deg):
    """Omega in (x downrange, y up, z right), by projecting the East-North-Up vector
    w (0, cos(phi), sin(phi)) on the shot's axes: x = (sin A, cos A, 0), y = (0, 0, 1),
    z = x cross y = (cos A, -sin A, 0) (bearing A from north, clockwise)."""
    phi, a = math.radians(latitude_deg), math.radians(bearing_deg)
    omega = np.array([0.0, EARTH_RATE * math.cos(phi), EARTH_RATE * math.sin(phi)])
    ex = np.array([math.sin(a), math.cos(a), 0.0])
    ey = np.array([0.0, 0.0, 1.0])
    ez = np.cross(ex, ey)
    return float(omega @ ex), float(omega @ ey), float(omega @ ez)


def reference_state_3d(problem_like, elevation, azimuth, v, distance, *, crosswind=0.0,
                       latitude=None, bearing=0.0):
    """(y, z, vx, vy, vz, t) where a 3-D shot first crosses x = distance, by DOP853 in time:
    drag on the velocity relative to the wind (wind, 0, crosswind), gravity, and with
    ``latitude`` the Coriolis acceleration -2 Omega x v. Quadratic or linear drag, or none."""
    pr = problem_like
    k, c = drag_constants(pr)
    omega = (np.zeros(3) if latitude is None
             else np.array(earth_rotation_in_shot_frame(latitude, bearing)))
    wind = np.array([pr.wind, 0.0, crosswind])
    gvec = np.array([0.0, -pr.gravity, 0.0])

    def rhs(t, s):
        vel = s[3:]
        rel = vel - wind
        kap = k if pr.drag == "linear" else c * float(np.linalg.norm(rel))
        acc = gvec - kap * rel - 2.0 * np.cross(omega, vel)
        return [*vel, *acc]

    def reach(t, s):
        return s[0] - distance

    reach.terminal, reach.direction = True, 1
    s0 = [0.0, float(pr.launch_height), 0.0,
          v * math.cos(elevation) * math.cos(azimuth), v * math.sin(elevation),
          v * math.cos(elevation) * math.sin(azimuth)]
    sol = solve_ivp(rhs, (0.0, T_MAX), s0, method="DOP853", rtol=RTOL, atol=ATOL, events=[reach])
    if not len(sol.t_events[0]):
        return (math.nan,) * 6
    _, y, z, vx, vy, vz = sol.y_events[0][0]
    return float(y), float(z), float(vx), float(vy), float(vz), float(sol.t_events[0][0])
