"""BRISQUE (Mittal, Moorthy and Bovik 2012), no-reference, through OpenCV contrib's quality module.

The score is OpenCV's ``QualityBRISQUE_compute`` taken apart into its two OpenCV halves —
``QualityBRISQUE_computeFeatures`` and the LIVE-trained SVM — joined by the same [-1, 1] feature
scaling and [0, 100] clamp. Identical numbers (a test checks it), one feature pass, and a chance to
refuse images whose features are NaN: OpenCV would score those (flat areas, pure gradients,
stripes) a perfect 0.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from kuchen_core import Metric, MetricInfo, Param, check_image

from .model_files import find_model_files

MIN_SIDE = 8  # OpenCV fails below 2×2 and fits NaN features on a few pixels; 8×8 keeps a second scale


@lru_cache(maxsize=4)
def _load(model: Path, range_: Path) -> tuple[Any, np.ndarray, np.ndarray]:
    """The SVM and the per-feature (min, max) rows, loaded once per pair of files."""
    import cv2

    try:
        svm = cv2.ml.SVM_load(str(model))
    except cv2.error:
        raise ValueError(f"brisque: {model} is not an OpenCV SVM model file") from None
    storage = cv2.FileStorage(str(range_), cv2.FILE_STORAGE_READ)
    try:
        bounds = storage.getNode("range").mat()
    finally:
        storage.release()
    if bounds is None or bounds.ndim != 2 or bounds.shape[0] != 2 or bounds.shape[1] != svm.getVarCount():
        raise ValueError(f"brisque: {range_} is not a BRISQUE range file matching {model.name}")
    low, high = bounds.astype(np.float32)
    return svm, low, high


class BrisqueMetric(Metric):
    """BRISQUE: 0 (natural-looking) … 100 (heavily distorted); needs no reference, lower is better."""

    info = MetricInfo(
        name="brisque",
        description="BRISQUE no-reference quality via OpenCV contrib (LIVE model from opencv-data); lower is better",
        needs_reference=False,
        higher_is_better=False,
        range=(0.0, 100.0),
        params=(
            Param(
                "model",
                "",
                "path to brisque_model_live.yml (empty: $KUCHEN_BRISQUE_DIR, then /usr/share/opencv4/quality)",
            ),
            Param("range", "", "path to brisque_range_live.yml (empty: searched like the model)"),
        ),
    )

    def model_files(self) -> tuple[Path, Path]:
        """Where the model and range files are, or a ``FileNotFoundError`` with the install hint."""
        return find_model_files(self.params["model"], self.params["range"])

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        """Score ``distorted`` alone; a ``reference``, if given, is ignored."""
        import cv2

        height, width = check_image(distorted).shape[:2]
        if height < MIN_SIDE or width < MIN_SIDE:
            raise ValueError(f"brisque needs images of at least {MIN_SIDE}×{MIN_SIDE} pixels, got {width}×{height}")
        svm, low, high = _load(*self.model_files())
        bgr = np.ascontiguousarray(distorted[..., ::-1])  # OpenCV's grey conversion weighs B, G, R
        features = cv2.quality.QualityBRISQUE_computeFeatures(bgr).astype(np.float32, copy=False)
        if not np.isfinite(features).all():
            raise ValueError(
                "brisque is undefined for this image: its local statistics cannot be fitted "
                "(flat areas only, a pure gradient or regular stripes)"
            )
        scaled = np.float32(-1) + np.float32(2) * (features - low) / (high - low)
        return float(np.clip(svm.predict(scaled)[1][0, 0], 0.0, 100.0))

    def library_versions(self) -> dict[str, str]:
        import cv2

        return {"opencv": cv2.__version__}
