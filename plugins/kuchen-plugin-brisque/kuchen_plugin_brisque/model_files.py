"""Find BRISQUE's two LIVE model files: explicit paths, then ``$KUCHEN_BRISQUE_DIR``, then the system.

OpenCV's wheels do not carry them; Debian's ``opencv-data`` installs them under
``/usr/share/opencv4/quality/``.
"""

from __future__ import annotations

import os
from pathlib import Path

MODEL_FILE = "brisque_model_live.yml"
RANGE_FILE = "brisque_range_live.yml"
DIR_ENV = "KUCHEN_BRISQUE_DIR"
INSTALL_HINT = "apt-get install opencv-data"
SYSTEM_DIRS = (
    Path("/usr/share/opencv4/quality"),
    Path("/usr/local/share/opencv4/quality"),
    Path("/usr/share/opencv/quality"),
)


def find_model_files(model: str = "", range_: str = "") -> tuple[Path, Path]:
    """Paths of the SVM model and the feature-range file, or a ``FileNotFoundError`` saying how to get them."""
    return _find(MODEL_FILE, model, "model"), _find(RANGE_FILE, range_, "range")


def _find(filename: str, given: str, param: str) -> Path:
    if given:
        path = Path(given).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"brisque: the {param} file given as parameter {param!r} does not exist: {path}")
        return path
    env_dir = os.environ.get(DIR_ENV)
    if env_dir:
        path = Path(env_dir).expanduser() / filename
        if not path.is_file():
            raise FileNotFoundError(f"brisque: {DIR_ENV}={env_dir} has no {filename}")
        return path
    for directory in SYSTEM_DIRS:
        if (directory / filename).is_file():
            return directory / filename
    searched = ", ".join(str(d) for d in SYSTEM_DIRS)
    raise FileNotFoundError(
        f"brisque: cannot find OpenCV's BRISQUE model file {filename} (searched {searched}). "
        f"Install it with `{INSTALL_HINT}` (Debian/Ubuntu), point {DIR_ENV} at a folder holding "
        f"{MODEL_FILE} and {RANGE_FILE}, or pass brisque(model=...,range=...)."
    )
