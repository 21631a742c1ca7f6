"""Drawing the pictures of `io.pictures`: matplotlib for image files (PNG, SVG or PDF, by the
file's suffix), plotext for the terminal. It takes `ShotPicture` and `Landscape` objects and
computes nothing physical. Both drawing libraries are imported inside the drawing functions
only, so the other commands start as fast as before, and a missing one is a one-line error with
the install command.
"""

from __future__ import annotations

import math
import os
import sys
from typing import Optional, Sequence

import numpy as np

from .pictures import Landscape, ShotPicture, describe
from .plot_errors import MissingDependency, PlotError

#: Image formats by file suffix (matplotlib writes each natively).
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: Pixels per inch of image files: --width/--height are pixels, the figure size is pixels / DPI.
DPI = 100
#: Default picture sizes: pixels for files, character cells for the terminal.
FILE_SIZE = (1000, 700)
TERMINAL_SIZE = (100, 30)
#: Colours of the solver paths (bright on viridis), and their markers in the terminal.
PATH_STYLE = {
    "gd": ("#ff7f0e", "o", "G"),
    "adam": ("#e377c2", "s", "A"),
    "lbfgs": ("#00e5ff", "D", "L"),
    "newton": ("#ff1744", "^", "N"),
}


# ------------------------------------------------------------------------------------------
# Image files (matplotlib)
# ------------------------------------------------------------------------------------------

def image_format(path: str) -> str:
    """The image format for ``path`` from its suffix: png, svg or pdf; anything else is an error
    (checked before any work is done)."""
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix not in FORMATS:
        shown = f"'{suffix}'" if suffix else "no suffix"
        raise PlotError(f"cannot write {path}: unknown image format ({shown}); "
                        "use .png, .svg or .pdf")
    return FORMATS[suffix]


def require(out: Optional[str]) -> None:
    """Check that the drawing library for ``out`` is installed (matplotlib for a file, plotext
    for the terminal), before any work is done; `MissingDependency` if not."""
    if out is None:
        _plotext_module()
    else:
        _matplotlib_module()


def _matplotlib_module():
    try:
        import matplotlib
    except ImportError:
        raise MissingDependency("matplotlib") from None
    return matplotlib


def _figure(width: int, height: int):
    _matplotlib_module()
    # the object-oriented API with no pyplot: no global backend or figure state, the Agg canvas
    # for PNG and matplotlib's own writers for SVG and PDF, chosen by `savefig(format=...)`
    from matplotlib.figure import Figure

    return Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")


def _save(fig, path: str) -> None:
    fmt = image_format(path)
    # no creation date in SVG and PDF, so the same picture gives the same file
    meta = {"Date": None} if fmt in ("svg", "pdf") else None
    try:
        if fmt == "png":
            _png(fig, path)
        else:
            fig.savefig(path, format=fmt, dpi=DPI, metadata=meta)
    except OSError as e:
        raise PlotError(f"cannot write {path}: {e.strerror or e}") from None


#: zlib's level for PNG files: 3 takes ~30 ms of CPU for the default landscape, the default 6
#: ~50 ms, for a file 8 % smaller (measured; the same pixels)
PNG_COMPRESSION = 3


def _png(fig, path: str) -> None:
    """The figure as PNG, drawn once. `savefig` draws a figure with a layout engine twice, first
    with its rendering switched off to lay it out; the Agg canvas lays it out as it draws it:
    the same pixels (tests/test_plot.py), ~5 % less CPU for the landscape (measured)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).print_png(path, pil_kwargs={"compress_level": PNG_COMPRESSION})


def draw_shot(pic: ShotPicture, *, out: Optional[str] = None, width: Optional[int] = None,
              height: Optional[int] = None, title: Optional[str] = None) -> None:
    """Draw the trajectory: to ``out`` (PNG/SVG/PDF, size in pixels) or, without it, on stdout
    as text (size in character cells; the side view only)."""
    title = title or _shot_title(pic)
    if out is None:
        _terminal_shot(pic, width or _term_size()[0], height or TERMINAL_SIZE[1], title)
        return
    image_format(out)
    _save(shot_figure(pic, width=width, height=height, title=title), out)


def shot_figure(pic: ShotPicture, *, width: Optional[int] = None,
                height: Optional[int] = None, title: Optional[str] = None):
    """The matplotlib Figure of the trajectory (size in pixels): the side view (x, y) and, for a
    shot off the vertical plane, the top view (x, z) under it, on the same downrange axis."""
    fig = _figure(width or FILE_SIZE[0], height or FILE_SIZE[1])
    if pic.three_d:
        side, top = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
        _side_view(side, pic)
        _top_view(top, pic)
        side.set_xlabel("")
        fig.suptitle(title or _shot_title(pic))
    else:
        side = fig.add_subplot()
        _side_view(side, pic)
        side.set_title(title or _shot_title(pic))
    return fig


def _xmax(pic: ShotPicture) -> float:
    xmax = max(float(np.max(pic.trajectory.x)), pic.target[0] if pic.target else 0.0)
    return xmax if pic.vacuum is None else max(xmax, float(np.max(pic.vacuum.x)))


def _side_view(ax, pic: ShotPicture) -> None:
    tr, shot = pic.trajectory, pic.shot
    ground = tr.ground_m
    xmax = _xmax(pic)
    if pic.vacuum is not None:
        vac = pic.vacuum
        ax.plot(vac.x, vac.y, ls="--", lw=1.4, color="0.45", zorder=2,
                label=f"same launch in vacuum (apex {vac.apex_height_m:.4g} m, "
                      f"lands at {vac.range_m:.4g} m)")
    ax.plot(tr.x, tr.y, lw=2.2, color="C0", zorder=3, label=_shot_label(pic))
    ax.axhspan(min(ground, float(np.min(tr.y))) - 1e9, ground, color="#d9c9a8", alpha=0.5,
               lw=0, zorder=0)
    if pic.target is not None:
        ax.axhline(pic.target[1], color="C2", ls=":", lw=1.2, zorder=1,
                   label=f"target height {pic.target[1]:g} m")
    ax.plot([0.0], [shot.launch_height], "o", color="k", ms=7, zorder=4,
            label=f"launch ({shot.launch_height:g} m)")
    ax.plot([tr.apex_distance_m], [tr.apex_height_m], "^", color="C1", ms=9, zorder=4,
            label=f"apex {tr.apex_height_m:.4g} m at {tr.apex_distance_m:.4g} m")
    if pic.target is not None:
        ax.plot([pic.target[0]], [pic.target[1]], marker="X", ls="none", color="C3", ms=13,
                mec="white", mew=1.2, zorder=5,
                label=f"target ({pic.target[0]:g} m, {pic.target[1]:g} m)")
    ys = [float(np.max(tr.y)), shot.launch_height, ground]
    if pic.vacuum is not None:
        ys.append(float(np.max(pic.vacuum.y)))
    if pic.target is not None:
        ys.append(pic.target[1])
    top, bottom = max(ys), min(ys)
    span = max(top - bottom, 1e-9)
    ax.set_ylim(bottom - 0.04 * span, top + 0.12 * span)
    ax.set_xlim(-0.01 * xmax, 1.03 * xmax)
    ax.set_xlabel("distance x (m)")
    ax.set_ylabel("height y (m)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small", framealpha=0.9)


def _lateral(tr) -> np.ndarray:
    """z of a flight (m, + right); a shot flown in the vertical plane stays on z = 0."""
    return tr.z if tr.z is not None else np.zeros_like(tr.x)


def _top_view(ax, pic: ShotPicture) -> None:
    """The flight seen from above: z against x, + right drawn downward as a map would show it
    with the gun at the left, the line of fire (the aim's azimuth) and the target."""
    tr, shot = pic.trajectory, pic.shot
    xmax = _xmax(pic)
    ax.axhline(0.0, color="0.6", lw=0.8, zorder=1)
    aim = math.tan(math.radians(shot.azimuth))
    ax.plot([0.0, xmax], [0.0, aim * xmax], ls="-.", lw=1.2, color="C4", zorder=2,
            label=f"line of fire (azimuth {shot.azimuth:+.4g}°)")
    if pic.vacuum is not None:
        ax.plot(pic.vacuum.x, _lateral(pic.vacuum), ls="--", lw=1.4, color="0.45", zorder=2)
    ax.plot(tr.x, _lateral(tr), lw=2.2, color="C0", zorder=3,
            label=f"lands {tr.lateral_m or 0.0:+.4g} m to the side")
    ax.plot([0.0], [0.0], "o", color="k", ms=7, zorder=4)
    if pic.target is not None:
        ax.plot([pic.target[0]], [pic.target_offset], marker="X", ls="none", color="C3", ms=13,
                mec="white", mew=1.2, zorder=5,
                label=f"target {pic.target_offset:+g} m to the side")
    ax.invert_yaxis()
    ax.set_xlabel("distance x (m)")
    ax.set_ylabel("z (m), + right")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small", framealpha=0.9)


def _shot_label(pic: ShotPicture) -> str:
    s = pic.shot
    what = "shot" if pic.hit else "closest approach (no solution)"
    return f"{what}: {s.angle:.4g}°, {s.velocity:.5g} m/s, {pic.trajectory.flight_time_s:.3g} s"


def _shot_title(pic: ShotPicture) -> str:
    head = "cannon: the shot" if pic.hit else "cannon: closest approach, no solution"
    return f"{head} — {describe(pic.shot, pic.target_offset)}"


def draw_landscape(ls: Landscape, *, out: Optional[str] = None, width: Optional[int] = None,
                   height: Optional[int] = None, title: Optional[str] = None) -> None:
    """Draw the loss landscape: to ``out`` (PNG/SVG/PDF, size in pixels) or, without it, on
    stdout as text (size in character cells)."""
    title = title or f"cannon: loss landscape — {describe(ls.problem)}"
    if out is None:
        _terminal_landscape(ls, width or _term_size()[0], height or TERMINAL_SIZE[1], title)
        return
    image_format(out)
    fig = _figure(width or FILE_SIZE[0], height or FILE_SIZE[1])
    from matplotlib import colors, patches

    ax = fig.add_subplot()
    A, V = ls.angles_deg, ls.speeds_mps
    L = ls.loss
    positive = L[np.isfinite(L) & (L > 0)]
    top = float(positive.max()) if positive.size else 1.0
    # the colour scale ends at the grid's highest half percent (a round decade: far corners of
    # a wide window can be 1e6 times worse than anything near the valley) and starts at its
    # lowest half percent (the cells of the valley itself, a random ~0 wherever the curve
    # happens to cross a cell, saturate)
    high = float(np.percentile(positive, 99.5)) if positive.size else top
    vmax = min(top, 10.0 ** math.ceil(math.log10(high)))
    low = float(np.percentile(positive, 0.5)) if positive.size else vmax * 1e-8
    vmin = min(10.0 ** math.floor(math.log10(max(low, vmax * 1e-12))), vmax / 10)
    norm = colors.LogNorm(vmin=vmin, vmax=vmax)
    mesh = _draw_field(ax, A, V, ls.miss_m, L, norm, contours=True)
    cbar = fig.colorbar(mesh, ax=ax, pad=0.01, extend="max" if top > vmax else "neither")
    cbar.set_label("loss ½((y(D) − y_target) / D)²  (log scale)")
    handles = [_line("white", "-", 2.6, "exact hits, from the grid (miss = 0)")]
    if ls.valley_mps is not None:
        handles.append(_line("black", (0, (4, 3)), 1.4,
                             "exact hits, closed form: v² = g x² / (2 cos²θ (x tanθ − y))"))
    if ls.problem.velocity is not None:
        handles.append(_line("white", ":", 1.2, f"fixed speed {ls.problem.velocity:g} m/s"))
    if ls.problem.angle is not None:
        handles.append(_line("white", ":", 1.2, f"fixed angle {ls.problem.angle:g}°"))
    handles += _draw_marks(ax, ls, A, ls.valley_mps)
    if not np.isfinite(L).all():
        handles.append(patches.Patch(facecolor=_NAN_GREY, edgecolor="0.5",
                                     label=f"never reaches {ls.problem.distance:g} m"
                                           + (" (or stalls there)" if ls.problem.drag != "none"
                                              else "")))
    ax.set_xlim(A[0], A[-1])
    ax.set_ylim(V[0], V[-1])
    ax.set_xlabel("launch angle θ (°)")
    ax.set_ylabel("muzzle speed v (m/s)")
    ax.set_title(title)
    if ls.zoom is not None:
        zoom = ls.zoom
        za, zv = zoom.angles_deg, zoom.speeds_mps
        box = ax.inset_axes(_emptiest_corner(ls), zorder=10)
        _draw_field(box, za, zv, zoom.miss_m, zoom.loss, norm, contours=False)
        _draw_marks(box, ls, za, zoom.valley_mps, small=True)
        box.set_xlim(za[0], za[-1])
        box.set_ylim(zv[0], zv[-1])
        box.tick_params(labelsize="x-small", colors="white", labelcolor="white")
        from matplotlib import patheffects as pe

        halo = [pe.withStroke(linewidth=2.2, foreground="black")]
        for text in (*box.get_xticklabels(), *box.get_yticklabels()):
            text.set_path_effects(halo)  # legible on light and dark loss alike
        box.set_title("the end-game, zoomed", fontsize="small", color="white", pad=3,
                      path_effects=halo)
        for side in box.spines.values():
            side.set_edgecolor("white")
        ax.indicate_inset_zoom(box, edgecolor="white", alpha=0.9)
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize="small",
               frameon=False)
    _save(fig, out)


_NAN_GREY = "#c8c8c8"


def _draw_field(ax, A, V, miss, L, norm, *, contours: bool):
    """The loss ``L`` as colour (NaN grey), its decades as faint lines, and the zero-miss curve
    of ``miss``."""
    cmap = _viridis().with_extremes(bad=_NAN_GREY)
    mesh = ax.pcolormesh(A, V, np.ma.masked_invalid(np.clip(L, norm.vmin, None)),
                         shading="nearest", cmap=cmap, norm=norm, rasterized=True)
    if np.isfinite(miss).sum() > 4:
        if contours:
            levels = 10.0 ** np.arange(math.ceil(math.log10(norm.vmin)),
                                       math.floor(math.log10(norm.vmax)) + 1)
            if levels.size:
                ax.contour(A, V, np.ma.masked_invalid(L), levels=levels, colors="white",
                           linewidths=0.4, alpha=0.35)
        if np.nanmin(miss) < 0 < np.nanmax(miss):
            ax.contour(A, V, np.ma.masked_invalid(miss), levels=[0.0], colors="white",
                       linewidths=2.6, zorder=3)
    return mesh


def _draw_marks(ax, ls: Landscape, A, valley, *, small: bool = False) -> list:
    """The closed-form valley, the fixed speed or angle, the solver paths, the start, the
    minimum-speed shot and the answer; returns the legend handles."""
    from matplotlib import patheffects as pe

    handles = []
    if valley is not None:
        ok = np.isfinite(valley)
        ax.plot(A[ok], valley[ok], ls=(0, (4, 3)), color="black", lw=1.4, zorder=4)
    if ls.problem.velocity is not None:
        ax.axhline(ls.problem.velocity, color="white", ls=":", lw=1.2, zorder=3)
    if ls.problem.angle is not None:
        ax.axvline(ls.problem.angle, color="white", ls=":", lw=1.2, zorder=3)
    # markers at iterations 1, 2, 4, 8, ... show each solver's pace
    for p in ls.paths:
        color, marker, _ = PATH_STYLE.get(p.solver, ("white", "o", "?"))
        n = len(p.angle_deg)
        marks = [0] + [2 ** k for k in range(int(math.log2(max(n - 1, 1))) + 1) if 2 ** k < n]
        lw = 1.3 if small else 1.8
        h, = ax.plot(p.angle_deg, p.velocity_mps, color=color, lw=lw, marker=marker,
                     ms=4 if small else 6, markevery=marks, mec="black", mew=0.6, zorder=6,
                     path_effects=[pe.Stroke(linewidth=lw + 1.4, foreground="black"),
                                   pe.Normal()], label=p.label() + " (marks: 1, 2, 4, 8, …)"
                     if p is ls.paths[0] else p.label())
        ax.plot(p.angle_deg[-1:], p.velocity_mps[-1:], marker=marker, color=color,
                ms=6 if small else 9, mec="black", zorder=7)
        handles.append(h)
    if ls.paths:
        handles.append(ax.plot([ls.start[0]], [ls.start[1]], "o", ms=11, mfc="white",
                               mec="black", mew=1.8, zorder=8, ls="none",
                               label=f"start ({ls.start[0]:.4g}°, {ls.start[1]:.4g} m/s)")[0])
    if ls.min_speed is not None:
        a, v = ls.min_speed
        handles.append(ax.plot([a], [v], marker="*", ms=14 if small else 20, color="gold",
                               mec="black", mew=1.2, zorder=9, ls="none",
                               label=f"minimum-speed shot ({a:.4g}°, {v:.4g} m/s)")[0])
    ans = ls.answer
    if ls.problem.unknowns != "both" and ans.converged:
        handles.append(ax.plot([ans.angle_deg], [ans.velocity_mps], marker="P",
                               ms=10 if small else 14, color="white", mec="black", mew=1.2,
                               zorder=9, ls="none",
                               label=f"answer ({ans.angle_deg:.4g}°, "
                                     f"{ans.velocity_mps:.4g} m/s)")[0])
    return handles


def _emptiest_corner(ls: Landscape) -> list:
    """Bounds (axes fraction) of an inset in the corner of the main axes that covers the fewest
    path points, valley and marks."""
    A, V = ls.angles_deg, ls.speeds_mps
    fx = lambda a: (np.asarray(a) - A[0]) / (A[-1] - A[0])
    fy = lambda v: (np.asarray(v) - V[0]) / (V[-1] - V[0])
    xs, ys = [], []
    for p in ls.paths:
        xs.append(fx(p.angle_deg))
        ys.append(fy(p.velocity_mps))
    za, zv = ls.zero_crossings()
    xs.append(fx(za))
    ys.append(fy(zv))
    marks = [ls.start] + ([ls.min_speed] if ls.min_speed else [])
    xs.append(fx([m[0] for m in marks]))
    ys.append(fy([m[1] for m in marks]))
    x, y = np.concatenate(xs), np.concatenate(ys)
    w, h, m = 0.36, 0.36, 0.03
    corners = [[1 - w - m, 1 - h - m], [m, 1 - h - m], [m, m], [1 - w - m, m]]
    # the zoomed box must not hide what it zooms into either: weight points near the answer
    cost = [np.sum((x >= cx - 0.02) & (x <= cx + w + 0.02) & (y >= cy - 0.02)
                   & (y <= cy + h + 0.02)) for cx, cy in corners]
    cx, cy = corners[int(np.argmin(cost))]
    return [cx, cy, w, h]


def _viridis():
    from matplotlib import colormaps

    return colormaps["viridis"]


def _line(color, ls, lw, label):
    from matplotlib.lines import Line2D

    return Line2D([], [], color=color, ls=ls, lw=lw, label=label,
                  path_effects=_outline() if color == "white" else None)


def _outline():
    from matplotlib import patheffects as pe

    return [pe.Stroke(linewidth=4, foreground="0.35"), pe.Normal()]


# ------------------------------------------------------------------------------------------
# The terminal (plotext)
# ------------------------------------------------------------------------------------------

def _term_size() -> tuple:
    import shutil

    cols = shutil.get_terminal_size((TERMINAL_SIZE[0], TERMINAL_SIZE[1])).columns
    return (max(40, min(cols, 160)), TERMINAL_SIZE[1])


def _plotext_module():
    try:
        import plotext as plt
    except ImportError:
        raise MissingDependency("plotext") from None
    if not hasattr(plt, "build"):  # plotext 6 replaced the whole API
        raise PlotError(f"plotting in the terminal needs plotext 5 (found "
                        f"{getattr(plt, '__version__', '?')}): pip install 'plotext>=5.2,<6'")
    return plt


def _plotext(width: int, height: int, title: str):
    plt = _plotext_module()
    plt.clear_figure()
    plt.theme("clear")  # the terminal's own background and text colours, light or dark
    plt.limitsize(False, False)  # the size asked for, not clipped to the terminal's
    plt.plotsize(width, height)
    plt.title(title)
    return plt


def _emit(plt, legend: Sequence[tuple]) -> None:
    """Print the built plot on stdout (the picture is the data asked for) with its legend below
    it, as lines of (symbol, colour, text), in colour only when rich would use colour there (a
    terminal; NO_COLOR and FORCE_COLOR respected)."""
    from rich.console import Console

    lines = [plt.build().rstrip("\n")]
    entries = [f"{plt.colorize(sym, color)} {text}" for sym, color, text in legend]
    row = ""
    for e in entries:  # as many entries to a line as fit the picture's width
        if row and len(plt.uncolorize(row)) + 3 + len(plt.uncolorize(e)) > plt.plot_size()[0]:
            lines.append(row)
            row = ""
        row = f"{row}   {e}" if row else f"  {e}"
    if row:
        lines.append(row)
    text = "\n".join(lines) + "\n"
    if Console(file=sys.stdout).color_system is None:
        text = plt.uncolorize(text)
    sys.stdout.write(text)
    sys.stdout.flush()


def _terminal_shot(pic: ShotPicture, width: int, height: int, title: str) -> None:
    plt = _plotext(width, height, title)
    tr, shot = pic.trajectory, pic.shot
    legend = []
    if pic.vacuum is not None:
        plt.plot(pic.vacuum.x.tolist(), pic.vacuum.y.tolist(), marker="·", color="gray")
        legend.append(("·", "gray", f"same launch in vacuum (apex {pic.vacuum.apex_height_m:.4g}"
                                    f" m, lands at {pic.vacuum.range_m:.4g} m)"))
    plt.plot(tr.x.tolist(), tr.y.tolist(), marker="braille", color="blue")
    legend.append(("⠤", "blue", _shot_label(pic)))
    if pic.target is not None:
        plt.hline(pic.target[1], "green")
        legend.append(("─", "green", f"target height {pic.target[1]:g} m"))
    plt.scatter([0.0], [shot.launch_height], marker="o", color="default")
    legend.append(("o", "default", "launch"))
    plt.scatter([tr.apex_distance_m], [tr.apex_height_m], marker="^", color="orange")
    legend.append(("^", "orange", f"apex {tr.apex_height_m:.4g} m at {tr.apex_distance_m:.4g} m"))
    if pic.target is not None:
        plt.scatter([pic.target[0]], [pic.target[1]], marker="X", color="red")
        legend.append(("X", "red", f"target ({pic.target[0]:g} m, {pic.target[1]:g} m)"))
    plt.xlabel("distance x (m)")
    plt.ylabel("height y (m)")
    _emit(plt, legend)


#: Loss bands of the terminal landscape, highest first: (character, colour). The valley is the
#: densest; NaN cells (the shot never reaches the distance) are drawn with "/".
_BANDS = (("·", "gray"), ("░", "yellow"), ("▒", "green"), ("▓", "cyan"), ("█", "blue+"))
_BAND_QUANTILES = (0.65, 0.35, 0.15, 0.05)
_PATH_COLOURS = {"gd": "orange", "adam": "magenta", "lbfgs": "cyan", "newton": "red"}


def _terminal_landscape(ls: Landscape, width: int, height: int, title: str) -> None:
    plt = _plotext(width, height, title)
    A, V, L = ls.angles_deg, ls.speeds_mps, ls.loss
    # sample the grid at least once per character cell of the canvas (oversampled: a cell hit
    # twice shows the lower band, drawn last), quantile bands of log loss
    ia = np.unique(np.round(np.linspace(0, len(A) - 1, 2 * width)).astype(int))
    iv = np.unique(np.round(np.linspace(0, len(V) - 1, 4 * height)).astype(int))
    sub = L[np.ix_(iv, ia)]
    aa, vv = np.meshgrid(A[ia], V[iv])
    ok = np.isfinite(sub) & (sub > 0)
    legend = []
    if ok.any():
        logl = np.log10(np.where(ok, sub, 1.0))
        # the lowest band narrow (5% of the cells), so that the valley reads as a line
        edges = np.quantile(logl[ok], _BAND_QUANTILES)
        band = np.digitize(-logl, -edges)  # 0: the highest loss
        for k, (ch, color) in enumerate(_BANDS):
            sel = ok & (band == k)
            if sel.any():
                plt.scatter(aa[sel].tolist(), vv[sel].tolist(), marker=ch, color=color)
        shades = "".join(plt.colorize(ch, c) for ch, c in reversed(_BANDS))
        legend.append((shades, "default", "loss, low to high (bands at "
                       + ", ".join(f"{10 ** e:.0e}" for e in reversed(edges)) + ")"))
    nan = ~np.isfinite(sub)
    if nan.any():
        plt.scatter(aa[nan].tolist(), vv[nan].tolist(), marker="/", color="gray")
        legend.append(("/", "gray", f"never reaches {ls.problem.distance:g} m"))
    if ls.valley_mps is not None:
        ok = np.isfinite(ls.valley_mps) & (ls.valley_mps >= V[0]) & (ls.valley_mps <= V[-1])
        plt.plot(A[ok].tolist(), ls.valley_mps[ok].tolist(), marker="braille", color="default")
        legend.append(("⠤", "default", "exact hits (closed form)"))
    else:
        za, zv = ls.zero_crossings()
        plt.scatter(za.tolist(), zv.tolist(), marker="braille", color="default")
        legend.append(("⠤", "default", "exact hits (miss = 0)"))
    # each path as a thin line in its colour, then its iterates 0, 1, 2, 4, 8, ... and the last
    # as its letter (readable without colour too), the longest paths' letters first
    inside = lambda p: ((p.angle_deg >= A[0]) & (p.angle_deg <= A[-1]) & (p.velocity_mps >= V[0])
                        & (p.velocity_mps <= V[-1]))
    for p in ls.paths:
        keep = inside(p)
        if keep.any():
            plt.plot(p.angle_deg[keep].tolist(), p.velocity_mps[keep].tolist(), marker="braille",
                     color=_PATH_COLOURS.get(p.solver, "default"))
    for p in sorted(ls.paths, key=lambda p: -len(p.angle_deg)):
        ch = PATH_STYLE.get(p.solver, (None, None, "?"))[2]
        color = _PATH_COLOURS.get(p.solver, "default")
        n = len(p.angle_deg)
        idx = np.array(sorted({0, n - 1} | {2 ** k for k in range(int(math.log2(max(n, 2))) + 1)
                                            if 2 ** k < n}))
        keep = idx[inside(p)[idx]]
        if keep.size:
            plt.scatter(p.angle_deg[keep].tolist(), p.velocity_mps[keep].tolist(), marker=ch,
                        color=color)
        legend.append((ch, color, p.label()))
    legend.append(("⠤", "default", "paths; letters at iterations 1, 2, 4, 8, … and the last"))
    if ls.paths:
        plt.scatter([ls.start[0]], [ls.start[1]], marker="S", color="default")
        legend.append(("S", "default", f"start ({ls.start[0]:.4g}°, {ls.start[1]:.4g} m/s)"))
    if ls.min_speed is not None:
        plt.scatter([ls.min_speed[0]], [ls.min_speed[1]], marker="*", color="yellow")
        legend.append(("*", "yellow", f"minimum speed ({ls.min_speed[0]:.4g}°, "
                                      f"{ls.min_speed[1]:.4g} m/s)"))
    ans = ls.answer
    if ls.problem.unknowns != "both" and ans.converged:
        plt.scatter([ans.angle_deg], [ans.velocity_mps], marker="+", color="default")
        legend.append(("+", "default", f"answer ({ans.angle_deg:.4g}°, "
                                     f"{ans.velocity_mps:.4g} m/s)"))
    plt.xlim(float(A[0]), float(A[-1]))
    plt.ylim(float(V[0]), float(V[-1]))
    plt.xlabel("launch angle θ (°)")
    plt.ylabel("muzzle speed v (m/s)")
    _emit(plt, legend)
