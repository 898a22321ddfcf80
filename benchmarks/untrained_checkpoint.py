"""Save a backbone as built, before any training, as a checkpoint a codec can load.

Rate-aware pre-editors start from a fixed rule (``deadzone``: one dead zone for every AC
coefficient); benching that start against the plain codec says whether the rule can help a codec
at all before any training is spent on it, e.g.

    python benchmarks/untrained_checkpoint.py "deadzone(block=4,luma_zone=0.2,chroma=false)" runs/untrained/webp-z02
    kuchen bench --config benchmarks/bench-holdout-rd-video.toml --limit 12 \\
        --codecs "webp,rd-webp(weights=runs/untrained/webp-z02.safetensors)" --baseline "rd-webp=webp"
"""

from __future__ import annotations

import argparse

import torch

from kuchen_core import get_registry
from kuchen_core.nn import save_checkpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backbone", help='a backbone spec, e.g. "deadzone(block=4,luma_zone=0.2,chroma=false)"')
    parser.add_argument("out", help="the checkpoint to write (NAME or NAME.safetensors; NAME.json beside it)")
    parser.add_argument("--seed", type=int, default=0, help="torch seed for the (untrained) initial weights")
    args = parser.parse_args()
    backbone = get_registry().create("backbone", args.backbone)
    torch.manual_seed(args.seed)
    path = save_checkpoint(args.out, backbone.build(), backbone.spec, {"training": None, "seed": args.seed})
    print(f"{path}: {backbone.spec}, untrained (seed {args.seed})")


if __name__ == "__main__":
    main()
