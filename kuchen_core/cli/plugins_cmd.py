"""``kuchen plugins``: what is installed, from which distribution, and what failed to load."""

from __future__ import annotations

import json
from typing import Any

import click

from ..descriptors import KINDS
from ..registry import Registry, get_registry


def plugin_listing(registry: Registry, kind: str | None = None) -> list[dict[str, Any]]:
    """One row per plugin object: distribution, version, names per kind, load errors."""
    rows: dict[str, dict[str, Any]] = {}

    def row(source: Any) -> dict[str, Any]:
        fresh = dict(name=source.name, distribution=source.distribution, version=source.version, kinds={}, errors=[])
        return rows.setdefault(f"{source.distribution}:{source.name}", fresh)

    for source in registry.sources:
        row(source)
    for entry in registry.entries(kind):
        row(entry.source)["kinds"].setdefault(entry.kind, []).append(entry.name)
    for (entry_kind, name), claimants in registry.conflicts().items():
        if kind in (None, entry_kind):
            for entry in claimants:
                others = [c.source.distribution or c.source.name for c in claimants if c is not entry]
                row(entry.source)["errors"].append(f"{entry_kind} {name!r} is also registered by {', '.join(others)}")
    for failure in registry.failures:
        row(failure.source)["errors"].append(failure.error)
    listing = sorted(rows.values(), key=lambda r: (r["distribution"] or "", r["name"]))
    if kind is not None:
        listing = [r for r in listing if r["kinds"] or r["errors"]]
    return listing


@click.command("plugins")
@click.option("--kind", type=click.Choice(list(KINDS)), help="Only plugins providing this kind.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per plugin).")
def plugins_command(kind: str | None, as_json: bool) -> None:
    """List installed plugins: distribution, version, kinds, names and load errors.

    Set KUCHEN_LOAD_PLUGINS=dist1,dist2 to load only those distributions (empty: none) and
    KUCHEN_STRICT_PLUGINS=1 to turn a plugin's load error into a failure.
    """
    listing = plugin_listing(get_registry(), kind)
    if as_json:
        click.echo(json.dumps(listing, indent=2))
        return
    if not listing:
        click.echo("No plugins installed. Try: pip install kuchen-plugin-jpeg")
        return
    for item in listing:
        title = item["distribution"] or item["name"]
        version = f" {item['version']}" if item["version"] else ""
        click.echo(click.style(f"{title}{version}", bold=True) + f"  (entry point {item['name']!r})")
        for entry_kind, names in sorted(item["kinds"].items()):
            click.echo(f"  {entry_kind}: {', '.join(names)}")
        for error in item["errors"]:
            click.echo(click.style(f"  error: {error}", fg="red"))
