"""The ``unet`` backbone: contract, global residual, level structure, size handling, trainability."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch import nn

import kuchen_plugin_unet
from kuchen_core import get_registry
from kuchen_core.testing import BackboneContract


@pytest.fixture(autouse=True)
def _unet_registered(kuchen_register):
    kuchen_register(kuchen_plugin_unet)


pytestmark = pytest.mark.usefixtures("torch_single_thread")


class TestUNetContract(BackboneContract):
    spec = "unet"


class TestSmallUNetContract(BackboneContract):
    spec = "unet(width=8,depth=2)"


def build(spec: str = "unet(width=8)") -> nn.Module:
    torch.manual_seed(0)
    return get_registry().create("backbone", spec).build()


def n_params(spec: str) -> int:
    return sum(p.numel() for p in build(spec).parameters())


def test_zero_head_makes_the_output_the_input_exactly():
    model, x = build(), torch.rand(2, 3, 11, 19)
    assert not torch.equal(model(x), x)
    nn.init.zeros_(model.head.weight)
    nn.init.zeros_(model.head.bias)
    assert torch.equal(model(x), x)


def test_the_difference_is_subtracted_and_not_clamped():
    """A head that predicts a constant 0.5 everywhere shifts the image down by 0.5, below 0."""
    model, x = build(), torch.rand(1, 3, 9, 10)
    nn.init.zeros_(model.head.weight)
    nn.init.constant_(model.head.bias, 0.5)
    out = model.train()(x)
    torch.testing.assert_close(out, x - 0.5)
    assert out.min() < 0


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_levels_halve_with_stride_two_convs_and_double_with_transposed_convs(depth):
    model = build(f"unet(width=4,depth={depth})")
    strided = [m for m in model.modules() if isinstance(m, nn.Conv2d) and m.stride == (2, 2)]
    transposed = [m for m in model.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert len(strided) == depth  # depth - 1 down levels below the first, plus the bridge
    assert len(transposed) == depth and all(m.stride == (2, 2) and m.kernel_size == (2, 2) for m in transposed)
    assert model.factor == 2**depth
    assert len(model.down) == len(model.up) == depth


def test_down_levels_double_channels_and_the_bridge_is_the_total_downsampling():
    model = build("unet(width=8,depth=3)")
    shapes = {}
    for name, module in [
        ("down0", model.down[0]),
        ("down1", model.down[1]),
        ("down2", model.down[2]),
        ("bridge", model.bridge),
        ("up0", model.up[-1]),
    ]:
        module.register_forward_hook(lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape[1:])))
    model(torch.rand(1, 3, 32, 48))
    assert shapes == {
        "down0": (16, 32, 48),
        "down1": (32, 16, 24),
        "down2": (64, 8, 12),
        "bridge": (64, 4, 6),
        "up0": (16, 32, 48),
    }


def test_inputs_are_padded_to_the_downsampling_factor_and_cropped_back():
    model = build("unet(width=4,depth=3)")
    seen = []
    model.down[0].register_forward_hook(lambda m, i, o: seen.append(tuple(i[0].shape[-2:])))
    for size in [(1, 1), (7, 13), (33, 65), (16, 24)]:
        assert model(torch.rand(1, 3, *size)).shape[-2:] == size
    assert seen == [(8, 8), (8, 16), (40, 72), (16, 24)]


def test_parameter_count_grows_with_width_and_depth():
    assert n_params("unet(width=8)") < n_params("unet(width=16)") < n_params("unet")
    assert n_params("unet(width=8,depth=2)") < n_params("unet(width=8,depth=3)")
    assert n_params("unet") == 4_504_579  # the README's number


def test_a_few_adam_steps_reduce_the_error_and_every_layer_gets_a_gradient():
    model = build("unet(width=8,depth=2)").train()
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    target = 0.8 * x  # darken: a simple image-dependent difference to learn
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(20):
        optimiser.zero_grad()
        loss = nn.functional.mse_loss(model(x), target)
        loss.backward()
        if not losses:
            assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses


def test_invalid_parameters_fail_when_created():
    with pytest.raises(ValueError, match="depth"):
        get_registry().create("backbone", "unet(depth=0)")
    with pytest.raises(ValueError, match="width"):
        get_registry().create("backbone", "unet(width=0)")


def test_library_versions_and_lazy_torch_import():
    assert get_registry().create("backbone", "unet").library_versions() == {"torch": torch.__version__}
    code = "import sys, kuchen_plugin_unet; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
