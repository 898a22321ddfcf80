"""The ``rrdb`` backbone: contract, identity at start, global residual, block structure, trainability."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

import kuchen_plugin_rrdb
from kuchen_core import get_registry
from kuchen_core.testing import BackboneContract
from kuchen_plugin_rrdb.arch import RRDB, ResidualDenseBlock, grow_blocks


@pytest.fixture(autouse=True)
def _rrdb_registered(kuchen_register):
    kuchen_register(kuchen_plugin_rrdb)


pytestmark = pytest.mark.usefixtures("torch_single_thread")


class TestRRDBContract(BackboneContract):
    spec = "rrdb"


class TestTwoBlockRRDBContract(BackboneContract):
    spec = "rrdb(blocks=2,features=16,growth=8)"


class TestUnshuffledRRDBContract(BackboneContract):
    spec = "rrdb(features=16,growth=8,unshuffle=2)"


def build(spec: str = "rrdb(features=16,growth=8)") -> nn.Module:
    torch.manual_seed(0)
    return get_registry().create("backbone", spec).build()


def n_params(spec: str) -> int:
    return sum(p.numel() for p in build(spec).parameters())


def test_an_untrained_model_is_the_identity():
    """The last conv starts at zero: an untrained post-filter does no harm, in train mode too."""
    x = torch.rand(2, 3, 13, 7)
    assert torch.equal(build("rrdb").train()(x), x)


def test_the_correction_is_added_to_the_input():
    model, x = build(), torch.rand(1, 3, 10, 12)
    nn.init.normal_(model.conv_last.weight, std=0.1)
    correction = []
    model.conv_last.register_forward_hook(lambda m, i, o: correction.append(o))
    out = model(x)
    assert not torch.equal(out, x)
    torch.testing.assert_close(out, x + correction[0])
    nn.init.zeros_(model.conv_last.weight)
    assert torch.equal(model(x), x)


@pytest.mark.parametrize("blocks", [1, 2, 3])
def test_each_block_is_three_dense_blocks_of_five_densely_connected_convs(blocks):
    features, growth = 16, 8
    model = build(f"rrdb(blocks={blocks},features={features},growth={growth})")
    assert sum(isinstance(m, RRDB) for m in model.modules()) == blocks
    rdbs = [m for m in model.modules() if isinstance(m, ResidualDenseBlock)]
    assert len(rdbs) == 3 * blocks
    for rdb in rdbs:
        assert [c.in_channels for c in rdb.convs] == [features + i * growth for i in range(5)]
        assert [c.out_channels for c in rdb.convs] == [growth] * 4 + [features]


def test_dense_and_residual_in_residual_scaling_is_0_2():
    rdb = ResidualDenseBlock(4, 2)
    x = torch.rand(1, 4, 5, 5)
    inner = []
    rdb.convs[-1].register_forward_hook(lambda m, i, o: inner.append(o))
    torch.testing.assert_close(rdb(x), x + 0.2 * inner[0])
    rrdb = RRDB(4, 2)
    torch.testing.assert_close(rrdb(x), x + 0.2 * rrdb.rdbs(x))


def test_parameter_count_grows_with_blocks_features_and_growth():
    assert n_params("rrdb") < n_params("rrdb(blocks=2)")
    assert n_params("rrdb(features=16)") < n_params("rrdb")
    assert n_params("rrdb(growth=8)") < n_params("rrdb")
    assert (n_params("rrdb"), n_params("rrdb(blocks=2)")) == (191_011, 371_011)  # the README's numbers


def test_one_block_at_esrgan_width_has_esrgans_parameter_count():
    """ESRGAN's RRDB (64 features, growth 32) has 719,424 parameters: each extra block adds exactly that."""
    assert n_params("rrdb(blocks=2,features=64,growth=32)") - n_params("rrdb(features=64,growth=32)") == 719_424


def test_a_few_adam_steps_reduce_the_error_and_reach_the_first_conv():
    model = build().train()
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    target = 0.8 * x  # a simple image-dependent correction to learn
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(20):
        optimiser.zero_grad()
        loss = nn.functional.mse_loss(model(x), target)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    # the zero last conv blocks gradients only until the first step has moved it
    assert model.conv_first.weight.grad.abs().sum() > 0
    assert losses[-1] < 0.5 * losses[0], losses


def test_invalid_parameters_fail_when_created():
    for name in ("blocks", "features", "growth"):
        with pytest.raises(ValueError, match=name):
            get_registry().create("backbone", f"rrdb({name}=0)")


def test_library_versions_and_lazy_torch_import():
    assert get_registry().create("backbone", "rrdb").library_versions() == {"torch": torch.__version__}
    code = "import sys, kuchen_plugin_rrdb; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("factor", [2, 4])
def test_unshuffle_runs_the_blocks_at_lower_resolution_and_keeps_the_identity_start(factor):
    model = build(f"rrdb(features=16,growth=8,unshuffle={factor})").eval()
    assert model.conv_first.in_channels == 3 * factor**2 and model.conv_last.out_channels == 3 * factor**2
    seen = []
    model.body.register_forward_hook(lambda module, args, out: seen.append(tuple(out.shape[-2:])))
    x = torch.rand(1, 3, 13, 21)
    with torch.no_grad():
        assert torch.equal(model(x), x)  # zero last conv: identity, odd sizes padded and cropped back
    assert seen == [(-(-13 // factor), -(-21 // factor))]


@pytest.mark.parametrize(
    "spec", ["rrdb(blocks={},features=16,growth=8)", "rrdb(blocks={},features=16,growth=8,unshuffle=2)"]
)
def test_growing_to_more_blocks_keeps_the_output_and_leaves_the_new_blocks_trainable(spec):
    source = build(spec.format(1))
    with torch.no_grad():  # a "trained" source: every weight non-zero, conv_last included
        for parameter in source.parameters():
            parameter.normal_(0, 0.05)
    target = build(spec.format(3))
    x = torch.rand(1, 3, 21, 34)
    before = target(x)
    grow_blocks(source, target)
    assert not torch.allclose(before, source(x))
    torch.testing.assert_close(target(x), source(x), atol=1e-5, rtol=0)
    target(x).square().mean().backward()
    assert target.body[2].rdbs[0].convs[-1].weight.grad.abs().sum() > 0


def test_growing_refuses_fewer_blocks_or_other_widths():
    with pytest.raises(ValueError, match="more blocks"):
        grow_blocks(build("rrdb(blocks=2,features=16,growth=8)"), build("rrdb(blocks=1,features=16,growth=8)"))
    with pytest.raises(ValueError, match="same shape"):
        grow_blocks(build("rrdb(blocks=1,features=16,growth=8)"), build("rrdb(blocks=2,features=8,growth=8)"))


def test_grow_script_writes_a_deeper_checkpoint_with_the_same_output(tmp_path):
    from kuchen_core.nn import load_checkpoint, save_checkpoint

    spec = "rrdb(blocks=1,features=16,growth=8,unshuffle=2)"
    source = build(spec)
    with torch.no_grad():
        for parameter in source.parameters():
            parameter.normal_(0, 0.05)
    save_checkpoint(tmp_path / "l1.safetensors", source, spec)
    script = Path(__file__).resolve().parents[1] / "training" / "grow.py"
    subprocess.run(
        [
            sys.executable,
            str(script),
            str(tmp_path / "l1.safetensors"),
            "--blocks",
            "2",
            "--out",
            str(tmp_path / "l2.safetensors"),
        ],
        check=True,
        capture_output=True,
    )
    grown = load_checkpoint(tmp_path / "l2.safetensors")
    assert grown.backbone == spec.replace("blocks=1", "blocks=2") and len(grown.model.body) == 2
    x = torch.rand(1, 3, 19, 24)
    with torch.no_grad():
        torch.testing.assert_close(grown.model(x), source.eval()(x), atol=1e-5, rtol=0)
