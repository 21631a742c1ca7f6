"""The pictures under their old name: the data are in `io.pictures`, the drawing in `io.draw`,
the errors in `io.plot_errors`; this module only re-exports them, so that code written against
``cannon_cli.io.plot`` keeps working. New code imports the module it needs."""

from __future__ import annotations

from .draw import (
    DPI,
    FILE_SIZE,
    FORMATS,
    PATH_STYLE,
    TERMINAL_SIZE,
    draw_landscape,
    draw_shot,
    image_format,
    require,
)
from .pictures import (
    ANGLE_SPAN,
    GRID_STEPS,
    SOLVERS,
    SPEED_SPAN,
    START_OFFSET,
    UNRESOLVED,
    Landscape,
    ShotPicture,
    SolverPath,
    Zoom,
    default_start,
    describe,
    grid_steps,
    landscape,
    minimum_speed_shot,
    miss_grid,
    shot_of,
    shot_picture,
    solver_path,
    vacuum_min_speed,
    vacuum_valley,
    zero_crossings,
)
from .plot_errors import INSTALL_HINT, MissingDependency, NothingToDraw, PlotError

__all__ = [
    "ANGLE_SPAN", "DPI", "FILE_SIZE", "FORMATS", "GRID_STEPS", "INSTALL_HINT", "PATH_STYLE",
    "SOLVERS", "SPEED_SPAN", "START_OFFSET", "TERMINAL_SIZE", "UNRESOLVED", "Landscape",
    "MissingDependency", "NothingToDraw", "PlotError", "ShotPicture", "SolverPath", "Zoom",
    "default_start", "describe", "draw_landscape", "draw_shot", "grid_steps", "image_format",
    "landscape", "minimum_speed_shot", "miss_grid", "require", "shot_of", "shot_picture",
    "solver_path", "vacuum_min_speed", "vacuum_valley", "zero_crossings",
]
