"""``oracle:RUN``: a pre-processing method that returns a labelling run's winning label for each photo.

A network trained on ``kuchen label`` output can at best reproduce each photo's winner, so benching
this method beside ``none`` on the run's own photos measures what perfect imitation would buy, under
the bench's own measures: Table 1, BD-rate and the file-size saving at matched quality, on every
codec. ``label_oracle.py`` gives the same bound at the labelling codec's one setting, from the
manifest alone. Photos are recognised by their pixels: an image the run did not label is an error,
never a silent pass-through. Load it as a plugin module (``benchmarks/`` on the path):

    PYTHONPATH=benchmarks kuchen bench --config benchmarks/bench-cbsd68-kuchen.toml \\
        --images '../shared/data/bsds500/train/*.jpg' --limit 32 --plugin-module label_oracle_method \\
        --pre none,oracle:runs/label-kuchen-160 --out runs/bench-oracle-160
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

import numpy as np

from kuchen_core import Method, MethodInfo, Param, hookimpl, load_image


def pixels_key(image: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()


class LabelOracle(Method):
    info = MethodInfo(
        name="oracle",
        description="a labelling run's winning label for each photo it labelled (an upper bound, for benchmarks)",
        params=[
            Param("run", "", "the `kuchen label` output folder (its manifest.jsonl and labels/)"),
            Param("quality", 0, "which codec quality's labels; 0: the run's only one", minimum=0),
        ],
    )

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.run = Path(self.params["run"])
        manifest = self.run / "manifest.jsonl"
        try:
            self.manifest_bytes = manifest.read_bytes()
        except OSError as exc:
            raise ValueError(f"oracle: cannot read {manifest}: {exc.strerror or exc}") from None
        self.labels = self._labels(
            json.loads(line) for line in self.manifest_bytes.decode().splitlines() if line.strip()
        )
        self.index: dict[str, Path] | None = None

    def _labels(self, rows) -> dict[str, Path]:
        """Original photo path → its label file, for the chosen quality."""
        labels = {}
        for row in rows:
            results = [r for r in row.get("results", []) if r.get("label")]
            qualities = sorted({r["quality"] for r in results})
            wanted = self.params["quality"] or (qualities[0] if len(qualities) == 1 else None)
            if wanted is None and qualities:
                raise ValueError(f"oracle: {self.run} has labels at qualities {qualities}; pass quality=")
            for result in results:
                if result["quality"] == wanted:
                    labels[row["image"]] = self.run / result["label"]
        if not labels:
            raise ValueError(
                f"oracle: {self.run} has no labels"
                + (f" at quality {self.params['quality']}" if self.params["quality"] else "")
            )
        return labels

    def library_versions(self) -> dict[str, str]:
        return {"manifest_sha256": hashlib.sha256(self.manifest_bytes).hexdigest()}

    def apply(self, image: np.ndarray) -> np.ndarray:
        if self.index is None:  # built on first use, in the worker that needs it
            self.index = {pixels_key(load_image(original)): label for original, label in self.labels.items()}
        label = self.index.get(pixels_key(image))
        if label is None:
            raise ValueError(
                f"oracle: this {image.shape[1]}x{image.shape[0]} image is not one of the {len(self.labels)} photos {self.run} labelled"
            )
        return load_image(label)


@hookimpl
def register_methods(register: Callable[[type], None]) -> None:
    register(LabelOracle)
