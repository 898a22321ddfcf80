"""Issue 19, "nothing lost, ever" — the user's output files: one distinct output per input
(item 1), never an input replaced (item 2), a bad or read-only output folder is one line and
exit code 2 (item 10). See the Guarantees section of docs/architecture.md."""

import hashlib
import os
from pathlib import Path

import pytest
from PIL import Image

import label_fakes
from fake_plugins import GoodPlugin
from kuchen_core.testing import sample_photo


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def read_only_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write to (root ignores permission bits: sysfs refuses it too)."""
    if os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


@pytest.fixture
def photos(tmp_path, kuchen_register):
    """``a.png``, ``a-2.png`` and ``a.tif``: the stems that made two inputs share ``a-2.jpg``."""
    kuchen_register(GoodPlugin())
    folder = tmp_path / "in"
    folder.mkdir()
    photo = sample_photo()
    Image.fromarray(photo[:40, :48]).save(folder / "a.png")
    Image.fromarray(photo[40:80, :48]).save(folder / "a-2.png")
    Image.fromarray(photo[80:120, :48]).save(folder / "a.tif")
    return folder


# -- item 1: every input gets its own output ---------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [("compress", "--codec", "fakejpeg", "-q", "60", "--metrics", "none"), ("methods", "apply", "--pre", "invert")],
    ids=["compress", "methods-apply"],
)
def test_inputs_whose_names_collide_each_get_their_own_output(photos, tmp_path, command, run):
    out = tmp_path / "out"
    head, *options = command
    args = [head, *options[:1], photos, *options[1:]] if head == "methods" else [head, photos, *options]
    result = run(*args, "-o", out, "--quiet")
    assert result.exit_code == 0, result.output
    outputs = sorted(out.iterdir())
    assert len(outputs) == 3  # today: two inputs both wrote a-2, one result silently gone
    decoded = {Image.open(p).convert("RGB").tobytes() for p in outputs}
    assert len(decoded) == 3


def test_the_output_planner_never_reuses_a_name():
    from kuchen_core.cli.common import _distinct_names

    names = _distinct_names(["a", "a-2", "a", "a-3", "a", "A"], ".jpg")
    assert len({n.casefold() for n in names}) == 6
    assert names[:2] == ["a.jpg", "a-2.jpg"] and names[3] == "a-3.jpg"


# -- item 2: an output never replaces an input -------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [("compress", "--codec", "fakejpeg", "-q", "60", "--metrics", "none"), ("methods", "apply", "--pre", "invert")],
    ids=["compress", "methods-apply"],
)
def test_output_folder_equal_to_the_input_folder_is_refused(photos, command, run):
    Image.fromarray(sample_photo()[:32, :32]).save(photos / "b.jpg")  # compress would write b.jpg over it
    before = digests(photos)
    head, *options = command
    args = [head, *options[:1], photos, *options[1:]] if head == "methods" else [head, photos, *options]
    result = run(*args, "-o", photos / "." / "", "--quiet")  # another spelling of the same folder
    assert result.exit_code == 2, result.output
    assert "would replace the input" in result.output and "Traceback" not in result.output
    assert digests(photos) == before  # nothing written, nothing replaced


def test_a_hard_link_to_an_input_is_that_input(photos, tmp_path, run):
    out = tmp_path / "out"
    out.mkdir()
    os.link(photos / "a.png", out / "a.png")
    before = digests(photos)
    result = run("methods", "apply", photos / "a.png", "--pre", "invert", "-o", out, "--quiet")
    assert result.exit_code == 2 and "would replace the input" in result.output
    assert digests(photos) == before


# -- item 10: bad output paths are one line, exit 2 --------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ("compress", "--codec", "fakejpeg", "-q", "60", "--metrics", "none"),
        ("methods", "apply", "--pre", "invert"),
        ("decode", "--codec", "fakejpeg"),
    ],
    ids=["compress", "methods-apply", "decode"],
)
@pytest.mark.parametrize("where", ["under-a-file", "proc", "read-only"])
def test_an_unusable_output_folder_is_one_line_and_exit_2(photos, tmp_path, command, where, run):
    target = {
        "under-a-file": photos / "a.png" / "sub",
        "proc": Path("/proc/x"),
        "read-only": read_only_folder(tmp_path),
    }[where]
    head, *options = command
    args = [head, *options[:1], photos, *options[1:]] if head == "methods" else [head, photos, *options]
    result = run(*args, "-o", target, "--quiet")
    assert result.exit_code == 2, (result.output, result.exception)
    lines = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(lines) == 1 and str(target) in lines[0] and "Traceback" not in result.output


@pytest.mark.parametrize("where", ["under-a-file", "proc", "read-only"])
def test_bench_refuses_an_unusable_output_folder_before_any_work(tmp_path, console, where):
    label_fakes.make_images(tmp_path / "in", 2)
    target = {
        "under-a-file": tmp_path / "in" / "img000.png" / "sub",
        "proc": Path("/proc/x"),
        "read-only": read_only_folder(tmp_path),
    }[where]
    code, captured = console(
        "bench",
        "-i",
        tmp_path / "in",
        "--codecs",
        "tjpeg",
        "--metrics",
        "tpsnr",
        "--plugin-module",
        "label_fakes",
        "--jobs",
        "1",
        "--quiet",
        "-o",
        target,
    )
    err = captured.err
    assert code == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and str(target) in err


def test_label_refuses_a_read_only_output_folder_before_any_work(tmp_path, console):
    label_fakes.make_images(tmp_path / "in", 2)
    target = read_only_folder(tmp_path)
    config = tmp_path / "pool.toml"
    config.write_text(label_fakes.config_text(str(tmp_path / "in" / "*.png"), str(target)))
    code, captured = console("label", config, "--jobs", "1", "--quiet")
    err = captured.err
    assert code == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and str(target) in err
