"""``vqscore``: no-reference quality on 0-100 from a VQscore-style network trained by Kuchen to
predict SSIMULACRA2 without seeing the original."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from kuchen_core import Metric, MetricInfo, Param, check_image

from .network import WEIGHTS, load_network, read_record
from .scoring import predict


class VQScoreMetric(Metric):
    info = MetricInfo(
        name="vqscore",
        description="VQscore-style no-reference quality (CNN tokens + transformer) trained by Kuchen to "
        "predict SSIMULACRA2 without the reference; 0-100, higher is better",
        needs_reference=False,
        higher_is_better=True,
        range=(0.0, 100.0),
        params=(
            Param(
                "grid",
                3,
                "at most this many crops per axis, evenly spaced on the 8-px grid; scores are averaged",
                minimum=1,
            ),
            Param("weights", "", "a .safetensors of your own training (empty: the shipped weights)"),
        ),
    )

    def weights_path(self) -> Path:
        return Path(self.params["weights"]).expanduser() if self.params["weights"] else WEIGHTS

    def score(self, distorted: np.ndarray, reference: np.ndarray | None = None) -> float:
        """Score ``distorted`` alone; a ``reference``, if given, is ignored."""
        check_image(distorted)
        net, record = load_network(self.weights_path())
        return predict(net, distorted, int(record["crop"]), self.params["grid"])

    def loss_form(self) -> Any:
        """(100 − the network's score) / 100 per image, on the whole batch (any size ≥ 16 px works:
        the network has no position embedding); no reference. Frozen: its weights get no gradient."""
        net, _ = load_network(self.weights_path())
        for parameter in net.parameters():
            parameter.requires_grad_(False)

        def vqscore_loss(distorted: Any, reference: Any = None) -> Any:
            return (100.0 - net.to(distorted.device)(distorted)) / 100.0

        return vqscore_loss

    def library_versions(self) -> dict[str, str]:
        import torch

        weights = str(read_record(self.weights_path()).get("weights_sha256", "unknown"))[:16]
        return {"torch": torch.__version__, "weights": weights}  # the weights' identity keys caches
