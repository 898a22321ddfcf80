"""The CLI behaves like its peers: ``python -m kuchen_core``, shell completion of plugin names."""
import subprocess
import sys

from click.shell_completion import ShellComplete

from kuchen_core.cli import cli
from kuchen_core.testing import registered

from fake_plugins import GoodPlugin


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
