"""Butteraugli (JPEG XL's psychovisual distance) through libjxl's ``butteraugli_main`` tool.

The tool comes from Debian's ``libjxl-devtools``, not PyPI, so the metric is always registered
and says at score time, with the install hint, when the tool is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from kuchen_core import Metric, MetricInfo, Param, check_image

TOOL = "butteraugli_main"
INSTALL_HINT = "apt-get install libjxl-devtools"
CEILING = 1000.0  # black vs white is ~408 at 80 nits; a finite cap keeps the declared range finite
MIN_SIDE = 8  # butteraugli_main silently reports 0.0 for anything smaller
_PNORM = re.compile(r"^\s*[\d.]+-norm:\s*(\S+)\s*$", re.M)


class ButteraugliMetric(Metric):
    """Butteraugli distance: 0 for identical images, < 1 roughly invisible, lower is better."""

    info = MetricInfo(
        name="butteraugli",
        description=f"butteraugli distance via libjxl's {TOOL} ({INSTALL_HINT}); lower is better, capped at {CEILING:g}",
        needs_reference=True,
        higher_is_better=False,
        range=(0.0, CEILING),
        params=(
            Param(
                "norm",
                "max",
                "'max': the classic butteraugli score (worst spot); 'pnorm': the p-norm over the map",
                choices=("max", "pnorm"),
            ),
            Param("p", 3.0, "exponent of the p-norm when norm=pnorm (libjxl's benchmarks report p=3)", minimum=1.0),
            Param("intensity_target", 80.0, "display brightness in nits the distance assumes", minimum=1.0),
        ),
    )

    @classmethod
    def available(cls) -> bool:
        """Whether ``butteraugli_main`` is on PATH (checked afresh each time)."""
        return shutil.which(TOOL) is not None

    def _tool(self) -> str:
        path = shutil.which(TOOL)
        if path is None:
            raise RuntimeError(
                f"metric 'butteraugli' needs the {TOOL} tool from libjxl, which is not on PATH; "
                f"on Debian/Ubuntu: {INSTALL_HINT}"
            )
        return path

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        reference = check_image(self.require_reference(check_image(distorted), reference))
        height, width = distorted.shape[:2]
        if height < MIN_SIDE or width < MIN_SIDE:
            raise ValueError(f"butteraugli needs images of at least {MIN_SIDE}×{MIN_SIDE} pixels, got {width}×{height}")
        tool = self._tool()
        with tempfile.TemporaryDirectory(prefix="kuchen-butteraugli-") as tmp:
            paths = [Path(tmp) / "reference.png", Path(tmp) / "distorted.png"]
            for path, image in zip(paths, (reference, distorted)):
                Image.fromarray(image).save(path, compress_level=1)  # no ICC profile: read as sRGB
            command = [tool, str(paths[0]), str(paths[1]), "--intensity_target", f"{self.params['intensity_target']:g}"]
            if self.params["norm"] == "pnorm":
                command += ["--pnorm", f"{self.params['p']:g}"]
            result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{TOOL} failed (exit {result.returncode}): {result.stderr.strip()[-500:]}")
        return min(CEILING, self._parse(result.stdout))

    def _parse(self, stdout: str) -> float:
        """First line: the max distance; then ``<p>-norm: <value>``."""
        try:
            if self.params["norm"] == "max":
                return float(stdout.split()[0])
            match = _PNORM.search(stdout)
            if match is None:
                raise ValueError("no p-norm line")
            return float(match.group(1))
        except (IndexError, ValueError):
            raise RuntimeError(f"cannot read {TOOL}'s output: {stdout!r}") from None

    def library_versions(self) -> dict[str, str]:
        return {TOOL: _tool_version(self._tool())}


def _tool_version(path: str) -> str:
    """The tool has no --version; ask dpkg for the version of the package that installed it."""
    dpkg = shutil.which("dpkg-query")
    if dpkg is not None:
        owner = subprocess.run([dpkg, "-S", str(Path(path).resolve())], capture_output=True, text=True)
        package = owner.stdout.split(":")[0].strip() if owner.returncode == 0 else ""
        if package:
            query = subprocess.run([dpkg, "-W", "-f=${Version}", package], capture_output=True, text=True)
            if query.returncode == 0 and query.stdout.strip():
                return f"{package} {query.stdout.strip()}"
    return f"unknown ({path})"
