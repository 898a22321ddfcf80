"""Rate-aware pre-editing: train a network through a codec's differentiable twin.

Each step draws one quality per patch from the configured range and minimises the loss
``RateDistortionConfig`` defines on the twin's bits and its distortion from the *original*. The
proxy rounds hard in the forward pass (see ``kuchen_core.nn.proxy`` for its gradients), so the
training loss is the twin's real rate and distortion.

Validation runs the network as users get it (uint8, tiled, whole held-out photos) at fixed
qualities and reports the twin's bpp and distortion for the edited and the untouched photo.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ..registry import get_registry
from ..nn.tiling import run_tiled
from .config import RateDistortionConfig, TrainConfigError
from .pairs import Pair

MIN_DISTORTION = 1e-6  # relative form: a photo the twin codes perfectly must not divide by 0


class RateDistortionObjective:
    """``bpp + λ·D`` or ``bits/bits₀ + λ·D/D₀`` through ``codec``'s proxy; best = lowest validation loss."""

    best_key = "rd_loss"
    higher_is_better = False

    def __init__(self, config: RateDistortionConfig, device: str) -> None:
        registry = get_registry()
        codec = registry.create("codec", config.codec)
        proxy = codec.proxy()
        if proxy is None:
            raise TrainConfigError(f"[rate_distortion] codec {codec.spec!r} has no differentiable twin (Codec.proxy)")
        low, high = codec.info.quality_range
        if not low <= config.qualities[0] <= config.qualities[1] <= high:
            raise TrainConfigError(
                f"[rate_distortion] qualities {list(config.qualities)} outside {codec.name}'s {low}..{high}"
            )
        self.config = config
        self.proxy = proxy.to(device)
        self.terms: list[tuple[Callable[[Any, Any], Any], float]] = []
        for name, weight in config.distortion:
            form = registry.create("metric", name).loss_form()
            if form is None:
                raise TrainConfigError(f"[rate_distortion] metric {name!r} has no differentiable loss form")
            self.terms.append((form, weight))

    def edit(self, model: Any, x: Any, quality: Any) -> Any:
        """The network's output; a backbone may take the quality (``takes_quality``) or the twin's
        quantiser steps at that quality (``takes_quantiser``) as further arguments."""
        module = getattr(model, "module", model)  # attributes live inside a DistributedDataParallel wrapper
        if getattr(module, "takes_quantiser", False):
            return model(x, *self.proxy.tables(quality))
        return model(x, quality) if getattr(module, "takes_quality", False) else model(x)

    def rd_loss(self, bits: Any, distortion: Any, pixels: int, reference: tuple[Any, Any] | None) -> Any:
        """Per image, the loss of the configured ``form``; relative, λ is one trade-off at every quality and photo."""
        if self.config.form == "relative":
            if reference is None:
                raise ValueError("the relative form needs the untouched image's bits and distortion")
            bits_0, distortion_0 = reference
            return bits / bits_0 + self.config.lmbda * distortion / distortion_0.clamp(min=MIN_DISTORTION)
        return bits / pixels + self.config.lmbda * distortion

    def distortion(self, decoded: Any, original: Any) -> Any:
        return sum(weight * form(decoded, original) for form, weight in self.terms)

    def loss(self, model: Any, inputs: Any, targets: Any, seed: list[int]) -> Any:
        import torch

        low, high = self.config.qualities
        drawn = np.random.default_rng(seed).integers(low, high + 1, size=inputs.shape[0])
        quality = torch.as_tensor(drawn, dtype=torch.float32, device=inputs.device)
        reference = None
        if self.config.form == "relative":  # the untouched patches through the twin, as hard-rounded
            with torch.no_grad():
                reference = self._twin(targets, targets, quality)
        decoded, bits = self.proxy(self.edit(model, inputs, quality).float(), quality)
        pixels = inputs.shape[-1] * inputs.shape[-2]
        return self.rd_loss(bits, self.distortion(decoded, targets), pixels, reference).mean()

    def validate(self, model: Any, pairs: list[Pair], device: str) -> dict[str, float]:
        """Twin bpp, distortion and loss of edited and untouched held-out photos, at ``val_qualities``."""
        import torch

        rows: dict[str, list[float]] = {key: [] for key in ("bpp_in", "bpp_out", "d_in", "d_out", "loss_in", "rd_loss")}
        with torch.inference_mode():
            for pair in pairs:
                original = _batch(pair.target, device)
                pixels = original.shape[-2] * original.shape[-1]
                for quality in self.config.val_qualities:
                    q = torch.full((1,), float(quality), device=device)
                    edited = run_tiled(lambda b: self.edit(model, b, q.expand(b.shape[0])), pair.input, device=device)
                    untouched = self._twin(_batch(pair.input, device), original, q)
                    touched = self._twin(_batch(edited, device), original, q)
                    for tag, (bits, distortion) in (("in", untouched), ("out", touched)):
                        rows[f"bpp_{tag}"].append(float(bits[0]) / pixels)
                        rows[f"d_{tag}"].append(float(distortion[0]))
                        loss = self.rd_loss(bits, distortion, pixels, untouched)
                        rows["loss_in" if tag == "in" else "rd_loss"].append(float(loss[0]))
        scores = {key: float(np.mean(values)) for key, values in rows.items()}
        scores["bpp_change"] = scores["bpp_out"] / scores["bpp_in"] - 1 if scores["bpp_in"] else math.nan
        return {**scores, "images": len(pairs)}

    def _twin(self, image: Any, original: Any, quality: Any) -> tuple[Any, Any]:
        """The twin's bits for ``image`` and the distortion of its reconstruction from ``original``."""
        decoded, bits = self.proxy(image, quality)
        return bits, self.distortion(decoded, original)

    def describe(self, scores: dict[str, float]) -> str:
        return (
            f"validation RD loss {scores['rd_loss']:.4f} (untouched {scores['loss_in']:.4f}): "
            f"twin bpp {scores['bpp_change']:+.1%}, distortion {scores['d_in']:.4f} -> {scores['d_out']:.4f}"
        )


def _batch(image: np.ndarray, device: str) -> Any:
    import torch

    return torch.from_numpy(np.ascontiguousarray(image).copy()).to(device).permute(2, 0, 1).unsqueeze(0).float() / 255.0
