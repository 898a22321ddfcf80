"""The third-party story with the real installed ``kuchen-plugin-avif`` distribution: pip installs it,
``kuchen plugins`` and a fresh registry find it through its entry point, and uninstalling it makes
it disappear with the install hint. Nothing here registers the plugin in-process.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kuchen_core import Registry, UnknownPluginError, run_pipeline
from kuchen_core.testing import sample_photo

REPO = Path(__file__).resolve().parents[1]
PLUGIN_DIR = Path("examples") / "kuchen-plugin-avif"
DIST = "kuchen-plugin-avif"
KUCHEN = Path(sys.executable).parent / "kuchen"
PLUGIN_ENV = ("KUCHEN_LOAD_PLUGINS", "KUCHEN_STRICT_PLUGINS")


def _installed() -> importlib.metadata.Distribution | None:
    importlib.invalidate_caches()
    try:
        return importlib.metadata.distribution(DIST)
    except importlib.metadata.PackageNotFoundError:
        return None


pytestmark = pytest.mark.skipif(
    _installed() is None,
    reason=f"{DIST} is not installed in this environment (pip install -e {PLUGIN_DIR})",
)


@pytest.fixture(autouse=True)
def _all_plugins(monkeypatch):
    """Load every installed distribution, whatever the caller's environment restricts."""
    for name in PLUGIN_ENV:
        monkeypatch.delenv(name, raising=False)


def listed_codecs() -> dict[str, list[str]]:
    """Distribution → codec names, as the installed ``kuchen`` console script reports them."""
    env = {k: v for k, v in os.environ.items() if k not in PLUGIN_ENV}
    out = subprocess.run([str(KUCHEN), "plugins", "--json"], capture_output=True, text=True, env=env, check=True)
    return {row["distribution"]: row["kinds"].get("codec", []) for row in json.loads(out.stdout)}


def pip(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    importlib.invalidate_caches()  # importlib.metadata caches the site-packages listing
    return result


def test_kuchen_plugins_lists_the_distribution_and_its_codec():
    assert listed_codecs().get(DIST) == ["avif"]


def test_a_fresh_registry_finds_it_by_name_and_runs_the_pipeline():
    registry = Registry.from_environment()
    (entry,) = [e for e in registry.entries("codec") if e.name == "avif"]
    assert entry.source.distribution == DIST and entry.source.version == "0.1.0"
    codec = registry.create("codec", "avif")
    photo = sample_photo()
    result = run_pipeline(photo, codec, 50)
    assert result.decoded.shape == photo.shape and result.decoded.dtype == photo.dtype
    assert result.bpp > 0 and result.bpp == 8 * len(result.data) / (photo.shape[0] * photo.shape[1])
    assert result.data[4:12] == b"ftypavif"


def test_uninstalling_removes_it_and_reinstalling_brings_it_back():
    direct_url = json.loads(_installed().read_text("direct_url.json") or "{}")
    source = (REPO / PLUGIN_DIR).resolve().as_uri()
    if not (direct_url.get("dir_info", {}).get("editable") and direct_url.get("url") == source):
        pytest.skip(f"{DIST} is not an editable install of {PLUGIN_DIR}: reinstalling could not restore it as found")
    try:
        pip("uninstall", "-y", DIST)
        assert DIST not in listed_codecs()
        with pytest.raises(UnknownPluginError, match=f"Unknown codec 'avif'.*pip install {DIST}"):
            Registry.from_environment().get("codec", "avif")
    finally:
        pip("install", "--no-deps", "--no-build-isolation", "-e", str(PLUGIN_DIR))
    assert listed_codecs().get(DIST) == ["avif"]
    assert Registry.from_environment().get("codec", "avif").info.extension == ".avif"
