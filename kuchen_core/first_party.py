"""The plugins this repository ships, by the name a user types: which kind each is and which
distribution to install for it, so an unknown name gets the right ``pip install`` line (the
distribution is not always ``kuchen-plugin-<name>``: ``psnr`` comes with ``kuchen-plugin-metrics``).
``tests/test_registry.py`` checks this table against the installed plugins."""

from __future__ import annotations

_SHIPPED = {
    "codec": {
        "hevc": "hevc",
        "jpeg": "jpeg",
        "jpegli": "jpegli",
        "jxl": "jxl",
        "webp": "webp",
        "rd-jpeg": "preedit",
        "rd-jpegli": "preedit",
        "rd-webp": "preedit",
        "rd-hevc": "preedit",
    },
    "method": {
        "ar": "ar",
        "detail": "detail",
        "guetzli": "guetzli",
        "kuchen": "unet",
        "model": "model",
        "nlmeans": "nlmeans",
        "rrdb-hevc": "rrdb",
        "rrdb-jpeg": "rrdb",
    },
    "metric": {
        "brisque": "brisque",
        "vqscore": "vqscore",
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
