"""Train the ``vqscore`` network on a dataset made by ``make_dataset.py``: crops of distorted
CBSD432 photos → their SSIMULACRA2 (0-100), MSE on the score.

The last ``--holdout`` training photos (by name) are held out to pick the best epoch, so CBSD68
stays untouched until the final validation (``validate.py``), whose numbers go into the weights'
record. ``--ship`` writes the best weights into the plugin.

    python plugins/kuchen-plugin-vqscore/training/train.py --data runs/vqscore-data --out runs/vqscore --ship
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from kuchen_plugin_vqscore.arch import VQNet
from kuchen_plugin_vqscore.network import WEIGHTS, load_network, save_network
from validate import GRID, pearson, spearman, validate


def load_split(paths: list[Path]) -> tuple[torch.Tensor, torch.Tensor]:
    crops, targets = [], []
    for path in paths:
        record = np.load(path)
        crops.append(record["crops"])
        targets.append(record["targets"])
    return torch.from_numpy(np.concatenate(crops)), torch.from_numpy(np.concatenate(targets))


def batches(crops: torch.Tensor, order: torch.Tensor, size: int) -> Any:
    for start in range(0, len(order), size):
        index = order[start : start + size]
        yield index, crops[index].permute(0, 3, 1, 2).float().div_(255.0)


def augment(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One of the eight flips/transposes of the square crops: the 8-px block grid survives each."""
    if torch.rand((), generator=generator) < 0.5:
        batch = batch.flip(-1)
    if torch.rand((), generator=generator) < 0.5:
        batch = batch.flip(-2)
    if torch.rand((), generator=generator) < 0.5:
        batch = batch.transpose(-1, -2)
    return batch


def evaluate(net: VQNet, crops: torch.Tensor, targets: torch.Tensor, size: int) -> dict[str, float]:
    net.eval()
    predicted = []
    with torch.inference_mode():
        for _, batch in batches(crops, torch.arange(len(crops)), size):
            predicted.append(net(batch).clamp(0.0, 100.0))
    p, t = torch.cat(predicted).numpy(), targets.numpy()
    return {
        "spearman": round(spearman(p, t), 4),
        "pearson": round(pearson(p, t), 4),
        "rmse": round(float(np.sqrt(np.mean((p - t) ** 2))), 2),
    }


def data_hash(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--holdout", type=int, default=32, help="training photos held out to pick the best epoch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--ship", action="store_true", help=f"write the best weights to {WEIGHTS}")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)

    paths = sorted((args.data / "train").glob("*.npz"))
    if len(paths) <= args.holdout:
        raise SystemExit(f"{args.data / 'train'}: {len(paths)} photos, need more than --holdout {args.holdout}")
    train_x, train_y = load_split(paths[: -args.holdout])
    hold_x, hold_y = load_split(paths[-args.holdout :])
    crop = int(train_x.shape[1])
    arch = {"width": args.width, "dim": args.dim, "layers": args.layers, "heads": args.heads}
    net = VQNet(**arch)
    optimizer = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * -(-len(train_x) // args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, args.lr, total_steps=steps, pct_start=0.1)
    args.out.mkdir(parents=True, exist_ok=True)
    history: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        net.train()
        order = torch.randperm(len(train_x), generator=generator)
        losses = []
        bar = tqdm(batches(train_x, order, args.batch), total=-(-len(order) // args.batch), desc=f"epoch {epoch}")
        for index, batch in bar:
            loss = torch.nn.functional.mse_loss(net(augment(batch, generator)), train_y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
            bar.set_postfix(rmse=f"{np.sqrt(np.mean(losses[-50:])):.2f}")
        scores = {
            "epoch": epoch,
            "train_rmse": round(float(np.sqrt(np.mean(losses))), 2),
            "minutes": round((time.perf_counter() - start) / 60, 1),
            **evaluate(net, hold_x, hold_y, 64),
        }
        history.append(scores)
        print(scores, flush=True)
        save_network(args.out / f"epoch{epoch}.safetensors", net, {"arch": arch, "crop": crop})
        if best is None or scores["spearman"] > best["spearman"]:
            best = scores
            save_network(args.out / "best.safetensors", net, {"arch": arch, "crop": crop})
    minutes = round((time.perf_counter() - start) / 60, 1)

    best_path = (args.out / "best.safetensors").resolve()
    load_network.cache_clear()
    best_net, _ = load_network(best_path)
    validation = validate(best_net, crop, args.data)
    print("CBSD68 validation:", validation, flush=True)
    record = {
        "arch": arch,
        "crop": crop,
        "grid": GRID,
        "weights_sha256": hashlib.sha256(best_path.read_bytes()).hexdigest(),
        "training": {
            "command": "python " + " ".join(sys.argv),
            "seed": args.seed,
            "epochs": args.epochs,
            "batch": args.batch,
            "lr": args.lr,
            "optimizer": "AdamW (weight decay 1e-4), one-cycle schedule",
            "loss": "MSE on the 0-100 score",
            "train_photos": len(paths) - args.holdout,
            "train_crops": len(train_x),
            "holdout_photos": args.holdout,
            "data_sha256": data_hash(paths),
            "minutes": minutes,
            "device": f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)",
            "torch": torch.__version__,
            "best_epoch": best["epoch"] if best else None,
            "history": history,
        },
        "validation_cbsd68": validation,
    }
    save_network(best_path, best_net, record)
    if args.ship:
        shutil.copyfile(best_path, WEIGHTS)
        shutil.copyfile(best_path.with_suffix(".json"), WEIGHTS.with_suffix(".json"))
        print(f"shipped: {WEIGHTS}")


if __name__ == "__main__":
    main()
