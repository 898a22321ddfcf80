"""``rd-jpeg``, ``rd-jpegli``, ``rd-webp`` and ``rd-hevc``: a stock encoder whose input is first
pre-edited by the network that rate-aware training fitted to a codec's twin, at the quantiser
steps of the quality being encoded (read from that twin, ``Codec.proxy().tables``).

The file is the stock codec's own (a standard JPEG, WebP or HEIF any decoder reads); decoding is
the stock decoder. Codecs are looked up by name in the registry, so this plugin imports nothing
of the codec plugins. Pre-editing runs through the tiled runner (any image size, bounded memory);
tiles start on multiples of 16, the 4:2:0 grid of the twins' 8×8 and 4×4 blocks.
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
    shipped: ClassVar[str] = "rd-jpeg"  # the weights file (in weights/) used when none is given
    stock_params: ClassVar[tuple[str, ...]] = ()  # parameters passed through to the stock codec
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
            self._codec = get_registry().create(
                "codec", self.stock, **{name: self.params[name] for name in self.stock_params}
            )
        return self._codec

    def weights_path(self) -> Path:
        given = self.params["weights"]
        return Path(given).expanduser() if given else WEIGHTS / f"{self.shipped}.safetensors"

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


def _info(
    stock: str, what: str, extension: str = ".jpg", quality_range: tuple[int, int] = (1, 100), *stock_params: Param
) -> CodecInfo:
    kind = {".jpg": "JPEG", ".webp": "WebP", ".heic": "HEIF (HEVC)"}[extension]
    return CodecInfo(
        name=f"rd-{stock}",
        description=f"{kind} pre-edited by Kuchen's rate-aware dead-zone network for the encode quality, then {what}; "
        f"the file is a standard {kind}",
        extension=extension,
        quality_range=quality_range,
        higher_quality_is_better=True,
        params=(Param("weights", "", "a .safetensors from `kuchen train` (empty: the shipped weights)"), *stock_params),
    )


class RdJpegCodec(PreEditedCodec):
    stock = "jpeg"
    info = _info("jpeg", "the stock libjpeg-turbo encoder ('jpeg')")


class RdJpegliCodec(PreEditedCodec):
    """The libjpeg-trained pre-editor in front of jpegli: does it stack with the better encoder?"""

    stock = "jpegli"
    info = _info("jpegli", "the jpegli encoder ('jpegli'; the network saw libjpeg's steps at the same quality)")


class RdWebpCodec(PreEditedCodec):
    """Trained through the ``webp`` twin (4×4 blocks, flat steps), then libwebp."""

    stock = twin = "webp"
    shipped = "rd-webp"
    stock_params = ("method",)
    info = _info(
        "webp",
        "the stock libwebp encoder ('webp')",
        ".webp",
        (0, 100),
        Param("method", 4, "the stock encoder's effort: 0 is fastest, 6 slowest and smallest", minimum=0, maximum=6),
    )


class RdHevcCodec(PreEditedCodec):
    """Trained through the ``hevc`` twin (8×8 blocks, flat steps, fitted to 4:2:0 files), then x265."""

    stock = twin = "hevc"
    shipped = "rd-hevc"
    stock_params = ("subsampling",)
    info = _info(
        "hevc",
        "the stock x265 encoder in HEIF ('hevc')",
        ".heic",
        (0, 100),
        Param(
            "subsampling",
            "4:2:0",
            "the stock encoder's chroma subsampling (the network edits luma and always sees the 4:2:0 twin's steps)",
            choices=("4:2:0", "4:2:2", "4:4:4"),
        ),
    )
