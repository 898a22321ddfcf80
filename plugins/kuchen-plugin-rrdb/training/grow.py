"""Grow an RRDB checkpoint to more blocks without changing what it computes (see ``arch.grow_blocks``).

From the repository root, after hevc-l1-finetune.toml has run:
    python plugins/kuchen-plugin-rrdb/training/grow.py runs/train/rrdb-hevc-l1-ft/best.safetensors \
        --blocks 2 --out runs/train/rrdb-hevc-l2-grown/init.safetensors
"""

from __future__ import annotations

import argparse
import re

import torch

from kuchen_core import get_registry
from kuchen_core.nn import load_checkpoint, save_checkpoint
from kuchen_plugin_rrdb.arch import grow_blocks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="the shallower rrdb checkpoint")
    parser.add_argument("--blocks", type=int, required=True, help="blocks of the grown network")
    parser.add_argument("--out", required=True, help="where to write the grown checkpoint")
    args = parser.parse_args()

    source = load_checkpoint(args.checkpoint)
    if "blocks=" not in source.backbone:
        raise SystemExit(f"{source.backbone}: expected an rrdb spec that names its blocks")
    spec = re.sub(r"blocks=\d+", f"blocks={args.blocks}", source.backbone)
    target = get_registry().create("backbone", spec).build().eval()
    grow_blocks(source.model, target)

    probe = torch.rand(1, 3, 67, 91, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        drift = (target(probe) - source.model(probe)).abs().max().item()
    if drift > 1e-5:
        raise SystemExit(f"grown network differs from its source by {drift:.2e}; not written")
    save_checkpoint(args.out, target, spec, {"grown_from": args.checkpoint, "max_abs_drift": drift})
    print(f"{source.backbone} -> {spec}: max |difference| {drift:.1e} -> {args.out}")


if __name__ == "__main__":
    main()
