"""``kuchen show [KIND] NAME``: everything a user needs to call one plugin object — its description,
parameters (type, default, range), what the kind declares (quality range, metric direction), the
distribution that provides it and, for a network method, the record of how its weights were trained."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import attrs
import click

from ..descriptors import KINDS, Param
from ..errors import KuchenError, UnknownPluginError
from ..interfaces import Codec, Metric
from ..registry import Registry, get_registry

_KIND_FIELDS = {
    "codec": ("extension", "quality_range", "higher_quality_is_better"),
    "metric": ("needs_reference", "higher_is_better", "range", "unit"),
}
# what a kind may offer for rate-aware training: the method a plugin class overrides to offer it
_TWINS = {"codec": (Codec, "proxy"), "metric": (Metric, "loss_form")}
_TRAINING_KEYS = ("backbone", "loss", "lr", "epochs", "max_steps", "batch", "patch_height", "patch_width", "seed")


def describe_param(param: Param) -> dict[str, Any]:
    """The parameter's fields, after its name the type its default fixes."""
    kind = "any" if param.default is None else type(param.default).__name__
    return {"name": param.name, "type": kind, **attrs.asdict(param, recurse=False)}


def weights_record(cls: type) -> dict[str, Any] | None:
    """The sidecar JSON of a network method's shipped weights; None for other methods, or when the
    weights are a parameter (``model:PATH``) rather than part of the plugin."""
    from ..nn import NetworkMethod
    from ..nn.checkpoint import read_meta, weights_path

    if not issubclass(cls, NetworkMethod):
        return None
    try:
        path = Path(cls().checkpoint_path())
    except (KuchenError, ValueError, TypeError, NotImplementedError):
        return None
    try:
        return {"path": str(weights_path(path)), **read_meta(path)}
    except KuchenError as exc:
        return {"path": str(weights_path(path)), "error": str(exc)}


def describe(registry: Registry, kind: str, name: str) -> dict[str, Any]:
    """Everything ``kuchen show`` prints, as JSON-able data."""
    entry = registry.entry(kind, name)
    info = entry.cls.info
    record: dict[str, Any] = {
        "kind": entry.kind,
        "name": entry.name,
        "description": info.description,
        "distribution": entry.source.distribution,
        "version": entry.source.version,
        "entry_point": entry.source.name,
        "class": f"{entry.cls.__module__}.{entry.cls.__qualname__}",
        "params": [describe_param(p) for p in info.params],
    }
    record.update({field: getattr(info, field, None) for field in _KIND_FIELDS.get(entry.kind, ())})
    if entry.kind in _TWINS:
        base, method = _TWINS[entry.kind]
        record["differentiable_twin"] = getattr(entry.cls, method) is not getattr(base, method)
    if entry.kind == "method":
        record["weights"] = weights_record(entry.cls)
    return record


def resolve_kind(registry: Registry, name: str) -> str:
    """The one kind that has ``name``, or a usage error listing the kinds that do."""
    kinds = [kind for kind in KINDS if name.strip().lower() in registry.names(kind)]
    if len(kinds) == 1:
        return kinds[0]
    if kinds:
        raise click.UsageError(
            f"{name!r} is a {' and a '.join(kinds)}; say which: "
            + " or ".join(f"kuchen show {k} {name}" for k in kinds)
        )
    everything = sorted({n for kind in KINDS for n in registry.names(kind)})
    close = difflib.get_close_matches(name, everything, n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise click.UsageError(f"no installed plugin provides {name!r}.{hint} `kuchen plugins` lists what is installed.")


def _range(param: dict[str, Any]) -> str:
    """``, <the values allowed>`` for a parameter's line, or nothing."""
    if param["choices"] is not None:
        return ", one of " + ", ".join(map(str, param["choices"]))
    low, high = param["minimum"], param["maximum"]
    if low is not None and high is not None:
        return f", {low:g}..{high:g}"
    if low is not None:
        return f", >= {low:g}"
    return f", <= {high:g}" if high is not None else ""


def render(record: dict[str, Any]) -> list[str]:
    """The text form of ``describe``'s record."""
    source = record["distribution"] or record["entry_point"]
    lines = [
        f"{record['kind']} {record['name']}: {record['description']}",
        f"  provided by {source}" + (f" {record['version']}" if record["version"] else ""),
    ]
    if record["kind"] == "codec":
        low, high = record["quality_range"]
        better = "higher" if record["higher_quality_is_better"] else "lower"
        lines.append(f"  quality {low}..{high} ({better} is better), writes {record['extension']} files")
    if record["kind"] == "metric":
        lines.append(
            f"  {'full-reference' if record['needs_reference'] else 'no-reference'}, "
            f"{'higher' if record['higher_is_better'] else 'lower'} is better, "
            f"range {record['range'][0]:g}..{record['range'][1]:g}"
            + (f" {record['unit']}" if record.get("unit") else "")
        )
    if record.get("differentiable_twin"):
        offer = "a differentiable twin (Codec.proxy)" if record["kind"] == "codec" else "a loss form (Metric.loss_form)"
        lines.append(f"  offers {offer} for rate-aware training (docs/rate-aware-training.md)")
    if record["params"]:
        lines.append("  parameters:")
        for p in record["params"]:
            lines.append(
                f"    {p['name']} ({p['type']}, default {p['default']!r}{_range(p)})"
                + (f"  {p['description']}" if p["description"] else "")
            )
    else:
        lines.append("  parameters: none")
    if record.get("weights"):
        lines += _render_weights(record["weights"])
    return lines


def _render_weights(weights: dict[str, Any]) -> list[str]:
    lines = [f"  weights: {weights['path']}"]
    if "error" in weights:
        return lines + [f"    {weights['error']}"]
    training = weights.get("training", {})
    settings = ", ".join(f"{k}={training[k]}" for k in _TRAINING_KEYS if k in training)
    data = weights.get("data", {})
    lines.append(f"    trained: backbone {weights.get('backbone')}" + (f"; {settings}" if settings else ""))
    where = data.get("manifest") or data.get("inputs") or data.get("images")
    lines.append(
        f"    data: {data.get('source', '?')} {where or ''}".rstrip()
        + (f" (sha256 {weights['data_hash'][:16]}…)" if weights.get("data_hash") else "")
    )
    validation = weights.get("validation") or {}
    if validation:
        lines.append(
            "    validation: "
            + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in validation.items())
        )
    if weights.get("versions"):
        lines.append("    versions: " + ", ".join(f"{k} {v}" for k, v in weights["versions"].items()))
    return lines


def show(kind: str | None, name: str, as_json: bool) -> None:
    registry = get_registry()
    kind = kind or resolve_kind(registry, name)
    try:
        record = describe(registry, kind, name)
    except UnknownPluginError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(record, indent=2, default=str))
    else:
        click.echo("\n".join(render(record)))


@click.command("show")
@click.argument("words", nargs=-1, required=True, metavar="[KIND] NAME")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
def show_command(words: tuple[str, ...], as_json: bool) -> None:
    """Describe one plugin object: parameters (type, default, range), quality range, metric
    direction, the distribution providing it and, for trained methods, how the weights were made.

    KIND is method, codec, metric or backbone; it may be left out when NAME is unique across kinds.

    \b
    Examples:
      kuchen show jpeg
      kuchen show method kuchen --json
    """
    if len(words) > 2 or (len(words) == 2 and words[0] not in KINDS):
        raise click.UsageError(f"expected [KIND] NAME with KIND one of {', '.join(KINDS)}, got {' '.join(words)!r}")
    kind, name = (None, words[0]) if len(words) == 1 else words
    show(kind, name, as_json)
