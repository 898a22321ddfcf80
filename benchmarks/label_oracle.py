"""What perfect imitation of a labelling run would buy: the winners' files against the untouched ones.

A network trained on ``kuchen label`` output can at best reproduce each photo's winning group, so
the winners' total bytes and mean quality, against the identity group's at the same codec
setting, bound what the trained method can save on those photos. The run's manifest keeps every
group's scores and bits, so other score weights (w_r > w_q, say) are re-ranked here with the
labeler's own scoring, without re-encoding.

    python benchmarks/label_oracle.py runs/label-kuchen
    python benchmarks/label_oracle.py runs/label-kuchen --rate-weight 1 --rate-weight 2 --json out.json
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
from pathlib import Path

from kuchen_core.labeling.scoring import scores, winner


def best_group(groups: list[dict], metrics: list[dict], rate_weight: float) -> dict:
    """The group the labeler would pick with this rate weight (same Z-scores, same tie-break)."""
    total, _, _ = scores(
        [[g["quality"][m["label"]] for g in groups] for m in metrics],
        [g["bpp"] for g in groups],
        [m["weight"] for m in metrics],
        [m["higher_is_better"] for m in metrics],
        rate_weight,
    )
    return groups[winner(total)]


def oracle(rows: list[dict], metrics: list[dict], rate_weight: float) -> dict:
    """Winners per group and the winners' bytes and quality against the identity's, over all photos."""
    wins: collections.Counter[str] = collections.Counter()
    bytes_ = {"identity": 0, "winners": 0}
    bpp: dict[str, list[float]] = {"identity": [], "winners": []}
    quality: dict[str, dict[str, list[float]]] = {m["label"]: {"identity": [], "winners": []} for m in metrics}
    for row in rows:
        for result in row["results"]:
            groups = [g for g in result["groups"] if "bpp" in g]  # failed groups were not ranked
            identity = next((g for g in groups if g["group"] == "identity"), None)
            if identity is None:
                continue
            best = best_group(groups, metrics, rate_weight)
            wins[best["group"]] += 1
            for side, group in (("identity", identity), ("winners", best)):
                bytes_[side] += group["bytes"]
                bpp[side].append(group["bpp"])
                for m in metrics:
                    quality[m["label"]][side].append(group["quality"][m["label"]])
    photos = sum(wins.values())
    if not photos:
        raise ValueError("no photo in the manifest has a scored identity group")
    return {
        "rate_weight": rate_weight,
        "photos": photos,
        "wins": dict(wins.most_common()),
        "bytes": bytes_,
        "saving": 1.0 - bytes_["winners"] / bytes_["identity"],
        "bpp": {side: statistics.fmean(v) for side, v in bpp.items()},
        "quality": {
            label: {side: statistics.fmean(v) for side, v in sides.items()} for label, sides in quality.items()
        },
    }


def render(result: dict) -> str:
    lines = [
        f"w_r = {result['rate_weight']:g}: {result['photos']} photos; winners' files "
        f"{result['saving']:.1%} smaller than untouched ({result['bytes']['winners']:,} / {result['bytes']['identity']:,} bytes)"
    ]
    lines.append(f"  mean bpp: untouched {result['bpp']['identity']:.3f}, winners {result['bpp']['winners']:.3f}")
    for label, sides in result["quality"].items():
        lines.append(f"  mean {label}: untouched {sides['identity']:.2f}, winners {sides['winners']:.2f}")
    for name, count in result["wins"].items():
        lines.append(f"  {name:<22}{count:>4}  {count / result['photos']:6.1%}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a `kuchen label` output folder (manifest.jsonl and summary.json)")
    parser.add_argument(
        "--rate-weight", type=float, action="append", help="w_r to rank by (repeatable) [default: the run's]"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    try:
        plan = json.loads((args.run / "summary.json").read_text())["plan"]
        rows = [json.loads(line) for line in (args.run / "manifest.jsonl").read_text().splitlines() if line.strip()]
        results = [oracle(rows, plan["metrics"], w) for w in (args.rate_weight or [plan["rate_weight"]])]
    except (OSError, KeyError, ValueError) as error:
        print(f"error: cannot read the labelling run in {args.run}: {error}", file=sys.stderr)
        return 2
    print("\n\n".join(render(r) for r in results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
