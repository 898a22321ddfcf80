"""The CLI behaves like its peers: ``python -m kuchen_core``, shell completion of plugin names,
self-contained JSON Lines, no progress bars or colour codes in redirected output."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete

from kuchen_core.cli import cli
from kuchen_core.testing import registered

from fake_plugins import GoodPlugin

REPO = Path(__file__).resolve().parents[1]


def completions(args, incomplete):
    with registered(GoodPlugin()):
        items = ShellComplete(cli, {}, "kuchen", "_KUCHEN_COMPLETE").get_completions(args, incomplete)
    return [item.value for item in items]


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "kuchen_core", "show", "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Usage: kuchen show [OPTIONS] [KIND] NAME" in result.stdout


def test_codec_and_metric_options_complete_registered_names():
    assert completions(["compress", "x.png", "--codec"], "fake") == ["fakejpeg", "fakepng"]
    assert completions(["compress", "x.png", "--metrics"], "") == ["mae"]
    assert completions(["decode", "x.jpg", "--codec"], "fakej") == ["fakejpeg"]


def test_list_options_complete_the_last_item_and_keep_the_rest():
    assert completions(["bench", "--codecs"], "fakejpeg,fakep") == ["fakejpeg,fakepng"]
    assert completions(["bench", "--pre"], "") == ["invert", "none"]
    assert completions(["bench", "--pre"], "none,invert+inv") == ["none,invert+invert"]
    assert completions(["compress", "x.png", "--pre"], "in") == ["invert"]
    assert completions(["bench", "--post"], "x") == []


def test_the_readme_completion_variable_prints_a_bash_script(monkeypatch):
    monkeypatch.setenv("_KUCHEN_COMPLETE", "bash_source")
    result = subprocess.run([sys.executable, "-m", "kuchen_core"], capture_output=True, text=True)
    assert result.returncode == 0 and "_kuchen_completion" in result.stdout


def test_compress_json_rows_stand_alone(tmp_path):
    from click.testing import CliRunner
    from PIL import Image

    from kuchen_core.testing import sample_photo

    Image.fromarray(sample_photo()).save(tmp_path / "a.png")
    with registered(GoodPlugin()):
        result = CliRunner().invoke(
            cli,
            [
                "compress",
                str(tmp_path / "a.png"),
                "--codec",
                "fakejpeg",
                "-q",
                "40",
                "--pre",
                "invert(amount=0.5),invert",
                "--json",
                "-o",
                str(tmp_path / "o"),
            ],
        )
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert row["codec"] == "fakejpeg" and row["quality"] == 40
    assert row["pre"] == ["invert(amount=0.5)", "invert(amount=1.0)"]


def _compress(tmp_path, *extra):
    """``kuchen compress`` on a good and a broken file, stderr redirected to a pipe (not a terminal)."""
    from kuchen_core import get_registry

    if "jpeg" not in get_registry().names("codec"):
        pytest.skip("kuchen-plugin-jpeg is not installed")
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for name in ("a.jpg", "b.jpg"):
        shutil.copy(next(REPO.joinpath("samples").glob("*.jpg")), folder / name)
    (folder / "c.png").write_bytes(b"not a png")
    env = {**os.environ, "KUCHEN_LOAD_PLUGINS": "kuchen-plugin-jpeg"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "kuchen_core",
            "compress",
            str(folder),
            "--codec",
            "jpeg",
            "-q",
            "50",
            "-o",
            str(tmp_path / "out"),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
    )


def test_redirected_stderr_gets_no_progress_bar_and_no_colour(tmp_path):
    result = _compress(tmp_path)
    assert result.returncode == 1  # the broken file
    assert "skipped" in result.stderr and "1 of 3 file(s) failed" in result.stderr
    assert "\x1b[" not in result.stderr + result.stdout and "\r" not in result.stderr and "img/s" not in result.stderr


def test_progress_flag_forces_the_bar(tmp_path):
    result = _compress(tmp_path, "--progress")
    assert "img/s" in result.stderr and "\x1b[" not in result.stderr  # the bar, still without colour codes
