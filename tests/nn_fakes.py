"""A tiny in-process backbone for the trainer's and checkpoint tests (torch imported lazily)."""

from __future__ import annotations

from typing import Any

from kuchen_core import Backbone, BackboneInfo, Param, hookimpl


class TinyNet(Backbone):
    info = BackboneInfo(
        name="tiny",
        description="two 3x3 convs with a global residual (tests only)",
        params=[Param("features", 4, "hidden channels", minimum=1)],
    )

    def build(self) -> Any:
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self, features: int) -> None:
                super().__init__()
                self.body = nn.Sequential(
                    nn.Conv2d(3, features, 3, padding=1), nn.ReLU(), nn.Conv2d(features, 3, 3, padding=1)
                )

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return x + self.body(x)

        return Net(self.params["features"])


REAL_BUILDS: list[str] = []


class CountedNet(TinyNet):
    """TinyNet that records every build with real memory (not on torch's ``meta`` device)."""

    info = BackboneInfo(
        name="tinycount",
        description="TinyNet that counts its real builds (tests only)",
        params=[Param("features", 4, "hidden channels", minimum=1)],
    )

    def build(self) -> Any:
        import torch

        if torch.empty(0).device.type != "meta":
            REAL_BUILDS.append(self.spec)
        return super().build()


class TinyPlugin:
    @hookimpl
    def register_backbones(self, register: Any) -> None:
        register(TinyNet)
        register(CountedNet)


@hookimpl
def register_backbones(register: Any) -> None:
    """Lets subprocesses load this module by name (``plugin_modules = ["nn_fakes"]``)."""
    register(TinyNet)
