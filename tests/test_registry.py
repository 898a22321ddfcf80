from pathlib import Path

import pytest

from kuchen_core import (
    CodecInfo,
    DuplicatePluginError,
    PluginLoadError,
    Registry,
    UnknownPluginError,
    get_registry,
    hookimpl,
)
from kuchen_core.plugins import PluginLoader, PluginSource
from kuchen_core.testing import registered

from fake_plugins import FakeJpeg, GoodPlugin, Invert

ROOT = Path(__file__).resolve().parent.parent


def test_lookup_by_name_and_create_with_params():
    registry = Registry.from_plugins(GoodPlugin())
    assert registry.names("codec") == ["fakejpeg", "fakepng"]
    assert registry.get("codec", "FakeJPEG") is FakeJpeg
    method = registry.create("method", "invert(amount=0.5)")
    assert method.params == {"amount": 0.5}
    assert method.spec == "invert(amount=0.5)"
    assert registry.create("method", "invert:0.25").params == {"amount": 0.25}


def test_unknown_name_suggests_close_matches_lists_installed_and_hints_install():
    registry = Registry.from_plugins(GoodPlugin())
    with pytest.raises(UnknownPluginError) as excinfo:
        registry.get("codec", "fakejepg")
    message = str(excinfo.value)
    assert "Did you mean: fakejpeg" in message
    assert "Installed codecs: fakejpeg, fakepng" in message
    assert "pip install kuchen-plugin-fakejepg" in message


def test_unknown_kind_is_clear():
    with pytest.raises(UnknownPluginError, match="kinds are method, codec, metric, backbone"):
        Registry.from_plugins().get("filter", "x")


def test_bad_parameters_are_rejected_with_names():
    registry = Registry.from_plugins(GoodPlugin())
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) strength \(known: amount\)"):
        registry.create("method", "invert(strength=2)")
    with pytest.raises(ValueError, match="must be <= 1"):
        registry.create("method", "invert(amount=3)")
    with pytest.raises(ValueError, match="expects float"):
        registry.create("method", "invert(amount=lots)")


class _Dup:
    def __init__(self, name):
        self.__name__ = name

    @hookimpl
    def register_codecs(self, register):
        register(FakeJpeg)


def _loader_with(*named_plugins, strict=False):
    loader = PluginLoader(strict=strict)
    for plugin, dist in named_plugins:
        loader.add(plugin, PluginSource(plugin.__name__, dist, "1.0"))
    return loader


def test_same_name_from_two_distributions_is_an_error_naming_both():
    registry = Registry(_loader_with((_Dup("a"), "kuchen-plugin-one"), (_Dup("b"), "kuchen-plugin-two")))
    assert "fakejpeg" not in registry.names("codec")
    with pytest.raises(DuplicatePluginError) as excinfo:
        registry.get("codec", "fakejpeg")
    assert "kuchen-plugin-one 1.0" in str(excinfo.value) and "kuchen-plugin-two 1.0" in str(excinfo.value)


def test_duplicate_in_strict_mode_fails_at_load():
    with pytest.raises(DuplicatePluginError, match="kuchen-plugin-one"):
        Registry(_loader_with((_Dup("a"), "kuchen-plugin-one"), (_Dup("b"), "kuchen-plugin-two"), strict=True))


class _Raising:
    __name__ = "raising"

    @hookimpl
    def register_codecs(self, register):
        raise RuntimeError("boom in register")


class _Misspelled:
    __name__ = "misspelled"

    @hookimpl
    def register_codec(self, register):  # missing "s": pluggy's check_pending catches it
        pass


class _WrongType:
    __name__ = "wrongtype"

    @hookimpl
    def register_codecs(self, register):
        register(Invert)  # a method registered as a codec


def test_broken_plugins_are_recorded_and_the_others_still_load():
    registry = Registry.from_plugins(_Raising(), _Misspelled(), _WrongType(), GoodPlugin())
    assert registry.names("codec") == ["fakejpeg", "fakepng"]
    errors = {f.source.name: f.error for f in registry.failures}
    assert "boom in register" in errors["raising"]
    assert "unknown hook 'register_codec'" in errors["misspelled"]
    assert errors["misspelled"].endswith("did you mean `register_codecs`?")
    assert "expects subclasses of kuchen_core.Codec" in errors["wrongtype"]
    with pytest.raises(UnknownPluginError, match="failed to load"):
        registry.get("codec", "nope")


def test_strict_mode_turns_a_broken_plugin_into_an_error(monkeypatch):
    with pytest.raises(PluginLoadError, match="boom in register"):
        Registry.from_plugins(_Raising(), GoodPlugin(), strict=True)
    monkeypatch.setenv("KUCHEN_STRICT_PLUGINS", "1")
    loader = PluginLoader(strict=True)
    with pytest.raises(PluginLoadError, match="register_codec"):
        loader.add(_Misspelled(), PluginSource("misspelled"))


def test_entry_point_import_error_is_isolated(monkeypatch):
    class FakeEntryPoint:
        group, name = "kuchen", "broken"

        def load(self):
            raise ImportError("No module named 'missing_dependency'")

    class FakeDist:
        metadata = {"Name": "kuchen-plugin-broken"}
        version = "0.0.1"
        entry_points = [FakeEntryPoint()]

    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "distributions", lambda: [FakeDist()])
    registry = Registry.from_environment(strict=False)
    assert [(f.source.distribution, f.error) for f in registry.failures] == [
        ("kuchen-plugin-broken", "ImportError: No module named 'missing_dependency'")
    ]
    with pytest.raises(PluginLoadError, match="kuchen-plugin-broken"):
        Registry.from_environment(strict=True)


def test_allow_list_env_var_loads_only_named_distributions(monkeypatch):
    monkeypatch.setenv("KUCHEN_LOAD_PLUGINS", "")
    assert Registry.from_environment().sources == []
    monkeypatch.setenv("KUCHEN_LOAD_PLUGINS", "kuchen-plugin-does-not-exist")
    assert Registry.from_environment().entries() == []


def test_registered_context_manager_swaps_the_current_registry():
    with registered(GoodPlugin()) as registry:
        assert get_registry() is registry
        assert "invert" in get_registry().names("method")
    assert get_registry() is not registry


def test_kuchen_register_fixture(kuchen_register):
    registry = kuchen_register(GoodPlugin())
    assert get_registry() is registry and registry.names("metric") == ["mae"]


def test_fresh_registry_fixture_is_empty(fresh_registry):
    assert get_registry() is fresh_registry and fresh_registry.entries() == []


def test_descriptor_validation():
    with pytest.raises(ValueError, match="quality_range"):
        CodecInfo(name="x", description="x", extension=".x", quality_range=(10, 1))
    with pytest.raises(ValueError, match="lower-case"):
        CodecInfo(name="Bad Name", description="x", extension=".x", quality_range=(1, 10))


def test_the_install_hint_names_the_real_distribution_and_the_real_kind():
    """``psnr`` comes with kuchen-plugin-metrics, not a kuchen-plugin-psnr; ``jxl`` is a codec, not a method."""
    from kuchen_core.registry import Registry, _install_hint

    assert _install_hint("metric", "psnr", []) == "It ships with Kuchen; install it: pip install kuchen-plugin-metrics"
    assert _install_hint("method", "kuchen", []).endswith("pip install kuchen-plugin-unet")
    assert _install_hint("method", "jxl", []) == "'jxl' is a codec, not a method."
    assert _install_hint("metric", "unet", []) == "'unet' is a backbone, not a metric."
    assert _install_hint("codec", "mycodec", []).endswith("pip install kuchen-plugin-mycodec")
    with pytest.raises(UnknownPluginError, match="'ssim' is a metric, not a method"):
        Registry.from_plugins(installed=True).create("method", "ssim")


def test_the_first_party_table_matches_the_shipped_plugins():
    """Every built-in plugin that is installed appears in the table under its kind and distribution."""
    from kuchen_core.first_party import FIRST_PARTY

    registry = get_registry()
    shipped = {
        (kind, entry.name): entry.source.distribution
        for kind in ("codec", "method", "metric", "backbone")
        for entry in registry.entries(kind)
        if (ROOT / "plugins" / (entry.source.distribution or "")).is_dir()
    }
    if not shipped:
        pytest.skip("no built-in plugin is installed")
    assert shipped == {key: dist for key, dist in FIRST_PARTY.items() if dist in set(shipped.values())}
