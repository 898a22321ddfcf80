"""The labeler with the real built-in plugins (skipped where they are not installed)."""

import pytest
from click.testing import CliRunner
from PIL import Image

from kuchen_core import get_registry
from kuchen_core.cli import cli
from kuchen_core.labeling import read_manifest
from kuchen_core.testing import sample_photo

NEEDED = {"method": ["nlmeans", "detail"], "codec": ["jpeg"], "metric": ["psnr", "brisque"]}


def test_paper_style_pool_with_real_plugins(tmp_path, monkeypatch):
    registry = get_registry()
    missing = [name for kind, names in NEEDED.items() for name in names if name not in registry.names(kind)]
    if missing:
        pytest.skip(f"plugins not installed: {', '.join(missing)}")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    photo = sample_photo()
    for i in range(2):
        Image.fromarray(photo[i * 40 : i * 40 + 96, :128]).save(tmp_path / "in" / f"p{i}.png")
    (tmp_path / "pool.toml").write_text(
        'input = "in/*.png"\noutput = "out"\n'
        '[pool]\nmethods = ["nlmeans(h=5)", "detail"]\nmax_group_size = 2\n'
        '[codec]\nname = "jpeg"\nquality = 50\n'
        '[[metrics]]\nname = "brisque"\n'
        '[[metrics]]\nname = "psnr"\nweight = 0.5\n'
    )
    result = CliRunner().invoke(cli, ["label", "pool.toml", "--jobs", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    rows = read_manifest("out")
    assert len(rows) == 2
    for row in rows:
        (res,) = row["results"]
        assert [g["group"] for g in res["groups"]] == [
            "identity",
            "nlmeans(h=5)",
            "detail",
            "nlmeans(h=5)>detail",
            "detail>nlmeans(h=5)",
        ]
        for group in res["groups"]:
            assert 0 < group["bpp"] < 24 and set(group["quality"]) == {"brisque", "psnr"}
        # the identity group is the input itself: PSNR against the original is only the codec's loss
        identity, denoised = res["groups"][0], res["groups"][1]
        assert identity["quality"]["psnr"] > denoised["quality"]["psnr"] and denoised["bpp"] < identity["bpp"]
        assert Image.open(tmp_path / "out" / res["label"]).size == (128, 96)
