"""The ICAO standard atmosphere (cannon_cli.physics.atmosphere): published table values, site weather,
humidity, the height derivatives (complex step, finite differences) and input validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cannon_cli.errors import InputError
from cannon_cli.problem import json_to_flag
from cannon_cli.physics import atmosphere as at

# ICAO standard atmosphere at geopotential altitude H (ICAO Doc 7488/3; = ISO 2533 and the U.S.
# Standard Atmosphere 1976 below 32 km): T (K), p (Pa), rho (kg/m^3), a (m/s). The H = 0 and
# 11000 m rows are also in airinnova/ambiance tests/table_data.py (rows with "H": 0 and 11000).
ICAO_TABLE = [
    (0.0, 288.15, 101325.0, 1.2250, 340.294),
    (1000.0, 281.65, 89874.6, 1.11164, 336.434),
    (5000.0, 255.65, 54019.9, 0.736116, 320.529),
    (11000.0, 216.65, 22632.0, 0.363918, 295.069),
]


def same_to_4_significant_figures(x, ref):
    """|x - ref| within half a unit of the 4th significant figure of ref."""
    return abs(x - ref) <= 0.5 * 10 ** (math.floor(math.log10(abs(ref))) - 3)


@pytest.mark.parametrize("h,T,p,rho,a", ICAO_TABLE)
def test_icao_table_values(h, T, p, rho, a):
    sea = at.icao()
    got = (sea.temperature_at(h), sea.pressure_at(h), sea.density(h), sea.speed_of_sound(h))
    for name, x, ref in zip(("T", "p", "rho", "a"), got, (T, p, rho, a)):
        assert same_to_4_significant_figures(float(x), ref), (name, h, float(x), ref)
        # closer than that in fact: the table's own rounding
        assert float(x) == pytest.approx(ref, rel=5e-6), (name, h)
    std = (at.standard_temperature(h), at.standard_pressure(h), at.standard_density(h),
           at.standard_speed_of_sound(h))
    np.testing.assert_allclose(std, [float(x) for x in got], rtol=1e-14)


def test_constants():
    # ICAO Doc 7488/3: R = 287.05287 J/(kg K) (= R*/M with M = 28.964420 kg/kmol), so the
    # exponent g0 / (R L) is 5.25588 (5.255877 came from U.S. 1976's M = 28.9644)
    assert at.EXPONENT == pytest.approx(5.25588, abs=1e-5)
    assert at.R_AIR == pytest.approx(287.05287, abs=1e-5)
    assert at.R_STAR / at.M_AIR == pytest.approx(287.05287, abs=1e-5)
    assert at.RHO0 == 1.225  # by definition, and what sea-level air echoes
    assert at.icao().rho_site == 1.225
    assert at.A0 == pytest.approx(340.294, abs=1e-3)


def test_lower_stratosphere_is_isothermal():
    sea = at.icao()
    h = np.array([11000.0, 15000.0, 20000.0])
    np.testing.assert_allclose(sea.temperature_at(h), 216.65, rtol=1e-15)
    np.testing.assert_allclose(sea.speed_of_sound(h), 295.069, atol=1e-3)
    # ICAO's R = 287.05287 J/(kg K): p(20 km) = 5474.88 Pa, rho = 0.0880347 kg/m^3 (geopotential;
    # the U.S. 1976 tables print 5474.89 and 0.0880349, from their molar mass 28.9644 kg/kmol)
    assert float(sea.pressure_at(20000.0)) == pytest.approx(5474.88, rel=2e-6)
    assert float(sea.density(20000.0)) == pytest.approx(0.0880347, rel=2e-6)


def test_site_altitude_is_the_same_profile_shifted():
    site = at.icao(altitude=1500.0)
    h = np.array([-200.0, 0.0, 800.0, 9400.0, 12000.0])
    np.testing.assert_allclose(site.density(h), at.standard_density(1500.0 + h), rtol=1e-13)
    np.testing.assert_allclose(site.speed_of_sound(h), at.standard_speed_of_sound(1500.0 + h),
                               rtol=1e-14)
    np.testing.assert_allclose(site.pressure_at(h), at.standard_pressure(1500.0 + h), rtol=1e-13)


def test_site_weather_overrides():
    # 25 °C, 950 hPa station pressure, dry: ideal gas at the site, lapse rate from there
    site = at.icao(altitude=500.0, temperature=25.0, pressure=950.0)
    T = 298.15
    assert site.rho_site == pytest.approx(95000.0 / (at.R_AIR * T), rel=1e-14)
    assert site.a_site == pytest.approx(math.sqrt(1.4 * at.R_AIR * T), rel=1e-14)
    assert float(site.temperature_at(1000.0)) == pytest.approx(T - 6.5, rel=1e-14)
    assert float(site.pressure_at(1000.0)) == pytest.approx(
        95000.0 * ((T - 6.5) / T) ** at.EXPONENT, rel=1e-13)
    # temperature alone: pressure stays the standard one at the site's altitude
    warm = at.icao(altitude=500.0, temperature=30.0)
    assert warm.p_site == pytest.approx(float(at.standard_pressure(500.0)), rel=1e-14)
    assert warm.rho_site < at.icao(altitude=500.0).rho_site
    # pressure alone: temperature stays the standard one
    low = at.icao(pressure=1000.0)
    assert low.t_site == 288.15 and low.p_site == 100000.0
    # the standard values given explicitly change nothing
    same = at.icao(altitude=0.0, temperature=15.0, pressure=1013.25)
    assert same.rho_site == pytest.approx(at.RHO0, rel=1e-14)


def test_humidity_lowers_density_and_raises_the_speed_of_sound():
    dry = at.icao(temperature=20.0)
    rhos, speeds = [], []
    for rh in (0.0, 25.0, 50.0, 75.0, 100.0):
        wet = at.icao(temperature=20.0, humidity=rh)
        rhos.append(wet.rho_site)
        speeds.append(wet.a_site)
    assert rhos[0] == dry.rho_site and speeds[0] == dry.a_site
    assert np.all(np.diff(rhos) < 0) and np.all(np.diff(speeds) > 0)
    # 20 °C, 1013.25 hPa, 100 %: p_sv = 2339 Pa (CIPM-2007/Davis), density about 0.9 % lower
    assert float(at.saturation_vapour_pressure(293.15)) == pytest.approx(2339.2, abs=0.5)
    assert rhos[-1] / rhos[0] - 1 == pytest.approx(-0.0088, abs=0.0005)
    assert speeds[-1] / speeds[0] - 1 == pytest.approx(0.0037, abs=0.0005)
    # the humid profile is lighter at every height too
    h = np.linspace(0.0, 3000.0, 7)
    assert np.all(at.icao(humidity=80.0).density(h) < at.icao().density(h))


def test_humid_profile_is_hydrostatic():
    # dp/dh = -rho g0 everywhere, dry or moist, troposphere and stratosphere
    for site in (at.icao(), at.icao(altitude=9000.0, temperature=-20.0, humidity=60.0),
                 at.icao(temperature=30.0, humidity=100.0)):
        h = np.array([0.0, 700.0, 1900.0, 2500.0, 6000.0])
        dp = site.pressure_at(h + 1e-20j).imag / 1e-20
        np.testing.assert_allclose(dp, -site.density(h) * at.G0, rtol=1e-12)


SITES = [at.icao(), at.icao(altitude=9000.0, temperature=-20.0, humidity=60.0),
         at.icao(altitude=1200.0, temperature=35.0, pressure=870.0, humidity=90.0)]


@pytest.mark.parametrize("site", SITES, ids=["sea", "high", "hot"])
def test_height_derivatives(site):
    # from the 9 km site these heights reach both layers
    h = np.array([-100.0, 0.0, 300.0, 1500.0, 1990.0, 2010.0, 4000.0, 8000.0])
    eps = 1e-20
    for f, derivs in ((site.density, site.density_derivs),
                      (site.speed_of_sound, site.sound_derivs)):
        v, d1, d2 = derivs(h)
        np.testing.assert_allclose(v, f(h), rtol=1e-15)
        np.testing.assert_allclose(f(h + 1j * eps).imag / eps, d1, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(derivs(h + 1j * eps).d1.imag / eps, d2, rtol=1e-12, atol=1e-300)
        step = 5.0  # m: the profile varies over kilometres; a smaller step only adds rounding
        fd1 = (f(h + step) - f(h - step)) / (2 * step)
        fd2 = (f(h + step) - 2 * f(h) + f(h - step)) / step**2
        away = np.abs(h + site.altitude - at.TROPOPAUSE) > 2 * step  # not across the kink
        np.testing.assert_allclose(fd1[away], d1[away], rtol=1e-6, atol=1e-14)
        np.testing.assert_allclose(fd2[away], d2[away], rtol=1e-4, atol=1e-14)


def test_continuous_at_the_tropopause():
    site = at.icao(altitude=10000.0, humidity=40.0)
    h = site.h_trop + np.array([-1e-7, 1e-7])
    for f in (site.density, site.speed_of_sound, site.pressure_at, site.temperature_at):
        lo, hi = f(h)
        assert lo == pytest.approx(hi, rel=1e-9)
    # T' jumps from -L to 0, so rho' = -rho (g0/(R T_v) + T'/T) jumps by rho L / T
    (d_lo, d_hi), rho, t = site.density_derivs(h).d1, site.density(h)[0], site.temperature_at(h)[0]
    assert d_hi - d_lo == pytest.approx(-rho * at.LAPSE / t, rel=1e-6)
    a_lo, a_hi = site.sound_derivs(h).d1
    assert a_hi == 0.0 and a_lo < 0.0


def test_complex_and_shaped_inputs():
    site = at.icao(altitude=200.0, humidity=30.0)
    h = np.linspace(0, 500, 6).reshape(2, 3) + 1e-20j
    for f in (site.density, site.speed_of_sound, site.pressure_at, site.temperature_at):
        out = f(h)
        assert out.shape == (2, 3) and np.iscomplexobj(out)
        np.testing.assert_allclose(out.real, f(h.real), rtol=1e-15)
    assert np.ndim(site.density(10.0)) == 0


def test_constant_air():
    air = at.ConstantAir.at_site(at.icao(altitude=300.0))
    h = np.array([0.0, 100.0, 5000.0])
    np.testing.assert_allclose(air.density(h), at.standard_density(300.0), rtol=1e-14)
    np.testing.assert_allclose(air.speed_of_sound(h), at.standard_speed_of_sound(300.0),
                               rtol=1e-14)
    assert np.all(air.density_derivs(h).d1 == 0) and np.all(air.sound_derivs(h).d2 == 0)
    assert at.ConstantAir().density(0.0) == at.RHO0


@pytest.mark.parametrize("kw,needle", [
    ({"humidity": 120.0}, "--humidity"),
    ({"humidity": -1.0}, "--humidity"),
    ({"humidity": float("nan")}, "--humidity"),
    ({"temperature": -300.0}, "--temperature"),
    ({"temperature": float("inf")}, "--temperature"),
    ({"pressure": 0.0}, "--pressure"),
    ({"pressure": 101325.0}, "--pressure"),  # Pa given where hPa is expected
    ({"altitude": 25000.0}, "--altitude"),
    ({"altitude": float("nan")}, "--altitude"),
    ({"temperature": 69.0, "pressure": 300.0, "humidity": 100.0}, "steam"),
])
def test_bad_site_weather_is_rejected(kw, needle):
    with pytest.raises(InputError) as e:
        at.icao(**kw)
    # the error names the input it is about: by its flag on the command line
    named = f"{json_to_flag(e.value.field)} {e.value.detail}" if e.value.field else str(e.value)
    assert needle in named and "\n" not in str(e.value)


@pytest.mark.parametrize("site", SITES, ids=["sea", "high", "hot"])
def test_evaluate_shares_one_computation(site):
    h = np.array([0.0, 1500.0, 2500.0, 6000.0])  # crosses the tropopause from the high site
    rho, a = site.evaluate(h)
    np.testing.assert_array_equal(rho, site.density(h))
    np.testing.assert_array_equal(a, site.speed_of_sound(h))
    r1, a1 = site.evaluate(h, 1)
    assert r1.d2 is None and a1.d2 is None
    r2, a2 = site.evaluate(h, 2)
    for got, want in ((r2, site.density_derivs(h)), (a2, site.sound_derivs(h)), (r1[:2], r2[:2])):
        for x, y in zip(got, want):
            np.testing.assert_array_equal(x, y)
    air = at.ConstantAir.at_site(site)
    (rc, ac) = air.evaluate(h, 2)
    assert np.all(rc.value == site.rho_site) and np.all(ac.d1 == 0) and np.all(rc.d2 == 0)
    assert site.density(np.array([])).shape == (0,)
