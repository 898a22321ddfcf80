import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from kuchen_core.cli import cli
from kuchen_core.testing import registered

from fake_plugins import GoodPlugin

HEAVY = ("torch", "cv2", "pillow_heif", "pyguetzli", "pyjpegli", "ssimulacra2", "scipy", "dask", "distributed")


def test_version_and_help():
    runner = CliRunner()
    assert "kuchen, version" in runner.invoke(cli, ["--version"]).output
    result = runner.invoke(cli, ["plugins", "--help"])
    assert result.exit_code == 0 and "KUCHEN_LOAD_PLUGINS" in result.output


def test_plugins_json_has_the_documented_fields():
    with registered(GoodPlugin()):
        result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert set(row) == {"name", "distribution", "version", "kinds", "errors"}
    assert row["kinds"] == {"codec": ["fakejpeg", "fakepng"], "method": ["invert"], "metric": ["mae"]}


def test_plugins_kind_filter_and_text_output():
    with registered(GoodPlugin()):
        result = CliRunner().invoke(cli, ["plugins", "--kind", "metric"])
    assert "metric: mae" in result.output and "codec" not in result.output


def test_listing_installed_plugins_imports_no_heavy_library():
    """Listing must not pay for torch/OpenCV/codec imports: plugins import those lazily."""
    code = (
        "import sys, json\n"
        "from click.testing import CliRunner\n"
        "from kuchen_core.cli import cli\n"
        "result = CliRunner().invoke(cli, ['plugins', '--json'])\n"
        "assert result.exit_code == 0, result.output\n"
        f"print(json.dumps({{'heavy': [m for m in {HEAVY!r} if m in sys.modules], "
        "'listing': json.loads(result.output)}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    assert report["heavy"] == []
    # the check only means something if the installed plugins were really loaded
    if Path(__file__).resolve().parents[1].joinpath("plugins").is_dir():
        assert any(row["kinds"] for row in report["listing"])


def test_console_script_reports_errors_in_one_line(tmp_path):
    kuchen = Path(sys.executable).with_name("kuchen")
    result = subprocess.run([str(kuchen), "plugins", "--kind", "nope"], capture_output=True, text=True)
    assert result.returncode == 2 and "Invalid value for '--kind'" in result.stderr
