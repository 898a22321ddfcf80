"""``rd-jpeg``, ``rd-webp``, ``rd-hevc``: a stock codec whose input is first pre-edited by the
network that rate-aware training fitted to that codec's twin, for the quality being encoded.

The file is the stock codec's own (a standard JPEG, WebP or HEIF any decoder reads); decoding
is the stock decoder. The wrapped codec is looked up by name in the registry, so this plugin
imports nothing of the codec plugins. Pre-editing runs through the tiled runner (any image
size, bounded memory); tiles start on multiples of 8, the codecs' block grid.
"""
from __future__ import annotations

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
    tile: ClassVar[int] = 512
    overlap: ClassVar[int] = 16

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._codec: Codec | None = None
        self._network: Any = None

    @property
    def codec(self) -> Codec:
        if self._codec is None:
            self._codec = get_registry().create("codec", self.stock)
        return self._codec

    def weights_path(self) -> Path:
        given = self.params["weights"]
        return Path(given).expanduser() if given else WEIGHTS / f"{self.info.name}.safetensors"

    def pre_edit(self, image: np.ndarray, quality: int) -> np.ndarray:
        """The image the stock encoder receives at ``quality``."""
        import torch

        check_image(image)
        if self._network is None:
            self._network = load_checkpoint(self.weights_path(), device=pick_device()).model
        device = next(self._network.parameters()).device.type

        def forward(batch: Any) -> Any:
            return self._network(batch, torch.full((batch.shape[0],), float(quality), device=batch.device))

        return run_tiled(forward, image, tile=self.tile, overlap=self.overlap, device=device)

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        return self.codec.encode(self.pre_edit(image, self.codec.check_quality(quality)), quality)

    def decode(self, data: bytes) -> np.ndarray:
        return self.codec.decode(data)

    def proxy(self) -> Any:
        return None  # the pre-editor is already trained through the stock codec's twin

    def library_versions(self) -> dict[str, str]:
        import torch

        return {**self.codec.library_versions(), "torch": torch.__version__,
                "weights": checkpoint_digest(self.weights_path())}

    def __getstate__(self) -> dict[str, Any]:
        """Process pools pickle codecs: send parameters, reload the network in the worker."""
        return {**self.__dict__, "_network": None, "_codec": None}


def _info(stock: str, extension: str, quality_range: tuple[int, int], what: str) -> CodecInfo:
    return CodecInfo(
        name=f"rd-{stock}",
        description=f"{what} pre-edited by Kuchen's rate-aware network for the encode quality, then the stock "
                    f"'{stock}' encoder; the file is a standard {what} file",
        extension=extension,
        quality_range=quality_range,
        higher_quality_is_better=True,
        params=(Param("weights", "", "a .safetensors from `kuchen train` (empty: the shipped weights)"),),
    )


class RdJpegCodec(PreEditedCodec):
    stock = "jpeg"
    info = _info("jpeg", ".jpg", (1, 100), "JPEG")


class RdWebpCodec(PreEditedCodec):
    stock = "webp"
    info = _info("webp", ".webp", (0, 100), "WebP")


class RdHevcCodec(PreEditedCodec):
    stock = "hevc"
    info = _info("hevc", ".heic", (0, 100), "HEIF/HEVC")
