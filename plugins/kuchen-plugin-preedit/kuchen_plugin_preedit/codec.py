"""``rd-jpeg`` and ``rd-jpegli``: a stock JPEG encoder whose input is first pre-edited by the
network that rate-aware training fitted to the ``jpeg`` twin, at the quantiser steps of the
quality being encoded (read from that twin, ``Codec.proxy().tables``).

The file is the stock codec's own (a standard JPEG any decoder reads); decoding is the stock
decoder. Codecs are looked up by name in the registry, so this plugin imports nothing of the
codec plugins. Pre-editing runs through the tiled runner (any image size, bounded memory);
tiles start on multiples of 16, the JPEG 4:2:0 macroblock grid.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from kuchen_core import Codec, CodecInfo, Param, check_image, get_registry
from kuchen_core.nn import load_checkpoint, pick_device, run_tiled
from kuchen_core.nn.method import checkpoint_digest

WEIGHTS = Path(__file__).parent / "weights"


class PreEditedCodec(Codec):
    """Pre-edit with the shipped (or a given) network at the encode quality, then the stock codec."""

    stock: ClassVar[str]
    twin: ClassVar[str] = "jpeg"  # whose quantiser the network was trained against
    tile: ClassVar[int] = 512
    overlap: ClassVar[int] = 32

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._codec: Codec | None = None
        self._network: Any = None
        self._tables: Any = None

    @property
    def codec(self) -> Codec:
        if self._codec is None:
            self._codec = get_registry().create("codec", self.stock)
        return self._codec

    def weights_path(self) -> Path:
        given = self.params["weights"]
        return Path(given).expanduser() if given else WEIGHTS / "rd-jpeg.safetensors"

    def pre_edit(self, image: np.ndarray, quality: int) -> np.ndarray:
        """The image the stock encoder receives at ``quality``."""
        import torch

        check_image(image)
        if self._network is None:
            self._network = _load_network(self.weights_path(), checkpoint_digest(self.weights_path()), pick_device())
            self._tables = get_registry().create("codec", self.twin).proxy().tables
        device = next(self._network.parameters()).device.type
        luma, chroma = (t.to(device) for t in self._tables(torch.tensor([float(quality)])))

        def forward(batch: Any) -> Any:
            n = batch.shape[0]
            return self._network(batch, luma.expand(n, -1, -1), chroma.expand(n, -1, -1))

        return run_tiled(forward, image, tile=self.tile, overlap=self.overlap, align=16, device=device)

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        return self.codec.encode(self.pre_edit(image, self.codec.check_quality(quality)), quality)

    def decode(self, data: bytes) -> np.ndarray:
        return self.codec.decode(data)

    def library_versions(self) -> dict[str, str]:
        import torch

        return {
            **self.codec.library_versions(),
            "torch": torch.__version__,
            "weights": checkpoint_digest(self.weights_path()),
        }

    def __getstate__(self) -> dict[str, Any]:
        """Process pools pickle codecs: send parameters, reload the network in the worker."""
        return {**self.__dict__, "_network": None, "_codec": None, "_tables": None}


@lru_cache(maxsize=4)
def _load_network(path: Path, digest: str, device: str) -> Any:
    """One load per weights file and content per process: a bench or label worker receives a
    fresh (unpickled) codec for every task, and must not read and check the checkpoint each time."""
    return load_checkpoint(path, device=device).model


def _info(stock: str, what: str) -> CodecInfo:
    return CodecInfo(
        name=f"rd-{stock}",
        description=f"JPEG pre-edited by Kuchen's rate-aware dead-zone network for the encode quality, then {what}; "
        "the file is a standard JPEG",
        extension=".jpg",
        quality_range=(1, 100),
        higher_quality_is_better=True,
        params=(Param("weights", "", "a .safetensors from `kuchen train` (empty: the shipped weights)"),),
    )


class RdJpegCodec(PreEditedCodec):
    stock = "jpeg"
    info = _info("jpeg", "the stock libjpeg-turbo encoder ('jpeg')")


class RdJpegliCodec(PreEditedCodec):
    """The libjpeg-trained pre-editor in front of jpegli: does it stack with the better encoder?"""

    stock = "jpegli"
    info = _info("jpegli", "the jpegli encoder ('jpegli'; the network saw libjpeg's steps at the same quality)")
