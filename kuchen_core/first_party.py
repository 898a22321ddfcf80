"""The plugins this repository ships, by the name a user types: which kind each is and which
distribution to install for it, so an unknown name gets the right ``pip install`` line (the
distribution is not always ``kuchen-plugin-<name>``: ``psnr`` comes with ``kuchen-plugin-metrics``).
``tests/test_registry.py`` checks this table against the installed plugins."""

from __future__ import annotations

_SHIPPED = {  # name -> the package after "kuchen-plugin-"; most are named after their plugin
    "codec": {
        **{name: name for name in ("hevc", "jpeg", "jpegli", "jxl", "webp")},
        **dict.fromkeys(("rd-jpeg", "rd-jpegli", "rd-webp", "rd-hevc"), "preedit"),
    },
    "method": {
        **{name: name for name in ("ar", "detail", "guetzli", "model", "nlmeans")},
        "kuchen": "unet",
        **dict.fromkeys(("rrdb-hevc", "rrdb-jpeg"), "rrdb"),
    },
    "metric": {
        **{name: name for name in ("brisque", "vqscore")},
        **dict.fromkeys(
            ("butteraugli", "mae", "ms-ssim", "psnr", "psnr-hvs-m", "psnr-y", "ssim", "ssimulacra2"), "metrics"
        ),
    },
    "backbone": {"arnet": "ar", "deadzone": "preedit", "rrdb": "rrdb", "unet": "unet"},
}
FIRST_PARTY: dict[tuple[str, str], str] = {
    (kind, name): f"kuchen-plugin-{package}" for kind, names in _SHIPPED.items() for name, package in names.items()
}


def kinds_named(name: str) -> list[str]:
    """The kinds a first-party plugin of this name has."""
    return [kind for kind, shipped in _SHIPPED.items() if name in shipped]
