"""The generic trainer: any registered backbone, any pair source, MSE by default — or, with a
``[rate_distortion]`` table, the rate-aware objective through a codec's differentiable twin.

Resumes from the newest snapshot of its output folder, keeps the best validation checkpoint
as ``best.safetensors`` (+ ``best.json``), and logs every validation to ``history.jsonl``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

from tqdm import tqdm

from .. import __version__
from ..registry import get_registry, use_registry
from ..nn.checkpoint import read_meta, require_torch, save_checkpoint, weights_path
from ..nn.method import pick_device
from ..runtime.provenance import plugin_registry
from . import distributed
from .batches import assemble, epoch_batches, patch_grid, split_validation
from .config import TrainConfig, TrainConfigError, check_runnable
from .objectives import PairObjective
from .pairs import Pair, PairSet, load_pairs
from .rate_distortion import RateDistortionObjective
from .state import find_snapshot, load_snapshot, save_snapshot


class Trainer:
    """One training run; ``run()`` returns the summary written to ``summary.json``."""

    def __init__(self, config: TrainConfig, quiet: bool = False) -> None:
        self.config = config
        self.world = distributed.world_from_env()
        self.hide_bars = quiet or not self.world.main
        self.device = pick_device(None if config.device == "auto" else config.device)
        if self.device == "cuda" and self.world.size > 1:
            self.device = f"cuda:{self.world.local_rank}"
        self.log: Callable[[str], None] = print if self.world.main else (lambda message: None)
        self.out = Path(config.out)

    def run(self) -> dict[str, Any]:
        torch = require_torch()
        if self.config.threads:
            torch.set_num_threads(self.config.threads)
        distributed.start(self.world, self.device)
        with use_registry(plugin_registry(self.config.plugin_modules)):
            summary = self._run(torch)
        # Only after success: destroying the group while a peer waits in a collective deadlocks,
        # so a failed rank leaves the clean-up to the launcher.
        distributed.stop(self.world)
        return summary

    def _run(self, torch: Any) -> dict[str, Any]:
        config, world = self.config, self.world
        backbone = get_registry().create("backbone", config.backbone)
        torch.manual_seed(config.seed)
        model = backbone.build()
        if config.init:  # fine-tuning: start from a checkpoint of the same backbone (BasicSR's pretrain_network)
            from safetensors.torch import load_file

            meta = read_meta(config.init)
            if meta["backbone"] != backbone.spec:
                raise TrainConfigError(f"[model] init {config.init} is a {meta['backbone']!r}, not {backbone.spec!r}")
            model.load_state_dict(load_file(str(weights_path(config.init))), strict=True)
            self.log(f"initialised from {config.init}")
        model = model.to(self.device)
        cuda = self.device.startswith("cuda")
        if cuda and config.channels_last:
            model = model.to(memory_format=torch.channels_last)
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
        train_set = load_pairs(config.data, self._progress)
        if config.val is not None:
            val_pairs = load_pairs(config.val, self._progress).pairs
        else:
            kept, val_pairs = split_validation(train_set.pairs, config.val_fraction, config.seed)
            train_set = PairSet(kept, train_set.data_hash, train_set.description)
        grid = patch_grid(train_set.pairs, config.patch_width, config.patch_height, config.stride)
        self.out.mkdir(parents=True, exist_ok=True)
        state = self._resume(model, optimizer, train_set.data_hash)
        ddp = distributed.wrap(model, world, self.device)
        per_epoch = len(epoch_batches(len(grid), config.batch, config.seed, 0, world.rank, world.size))
        every_epoch = config.epochs * per_epoch
        total = min(every_epoch, config.max_steps or every_epoch)
        self.log(
            f"training {backbone.spec} on {self.device}: {len(train_set.pairs)} pairs, {len(grid)} patches, "
            f"{per_epoch} steps/epoch x {world.size} process(es), {len(val_pairs)} validation pairs"
        )
        objective = (
            RateDistortionObjective(config.rate_distortion, self.device)
            if config.rate_distortion
            else PairObjective(torch, config.loss)
        )
        bar = tqdm(
            total=total, initial=state["step"], desc="train", unit="step", disable=self.hide_bars, dynamic_ncols=True
        )
        started = time.perf_counter() - state["elapsed_s"]
        model.train()
        while state["step"] < total:
            batches = epoch_batches(len(grid), config.batch, config.seed, state["epoch"], world.rank, world.size)
            flips = config.seed * 1_000_003 + state["epoch"] if config.augment else None
            for position in range(state["batch"], len(batches)):
                x, y = assemble(
                    train_set.pairs, grid, batches[position], config.patch_width, config.patch_height, flips
                )
                inputs = torch.from_numpy(x).to(self.device, non_blocking=True)
                targets = torch.from_numpy(y).to(self.device, non_blocking=True)
                if cuda and config.channels_last:
                    inputs = inputs.contiguous(memory_format=torch.channels_last)
                with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda and config.amp):
                    batch_loss = objective.loss(ddp, inputs, targets, [config.seed, state["step"], world.rank])
                optimizer.zero_grad(set_to_none=True)
                batch_loss.backward()
                optimizer.step()
                loss = float(batch_loss.detach())
                state["step"] += 1
                state["batch"] = position + 1
                state["loss_ema"] = loss if state["loss_ema"] is None else 0.98 * state["loss_ema"] + 0.02 * loss
                state["elapsed_s"] = time.perf_counter() - started
                bar.update(1)
                bar.set_postfix(loss=f"{state['loss_ema']:.3g}", epoch=state["epoch"] + 1)
                if config.val_every and state["step"] % config.val_every == 0:
                    self._validate(model, objective, val_pairs, backbone.spec, state, train_set)
                if state["step"] % config.checkpoint_every == 0:
                    self._snapshot(model, optimizer, backbone.spec, state)
                if state["step"] >= total:
                    break
            else:
                state["epoch"] += 1
                state["batch"] = 0
                if not config.val_every:
                    self._validate(model, objective, val_pairs, backbone.spec, state, train_set)
        bar.close()
        if state["validated_step"] != state["step"]:
            self._validate(model, objective, val_pairs, backbone.spec, state, train_set)
        self._snapshot(model, optimizer, backbone.spec, state)
        summary = {
            "backbone": backbone.spec,
            "steps": state["step"],
            "epochs": state["epoch"],
            "elapsed_s": round(state["elapsed_s"], 1),
            "device": self.device,
            "processes": world.size,
            "best": state["best"],
            "data_hash": train_set.data_hash,
            "out": str(self.out),
        }
        if world.main:
            (self.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        return summary

    def _resume(self, model: Any, optimizer: Any, data_hash: str) -> dict[str, Any]:
        fresh: dict[str, Any] = {
            "step": 0,
            "epoch": 0,
            "batch": 0,
            "loss_ema": None,
            "elapsed_s": 0.0,
            "best": None,
            "history": [],
            "validated_step": None,
            "fingerprint": self.config.fingerprint(),
            "data_hash": data_hash,
        }
        found = find_snapshot(self.out, self.log)
        if found is None:
            return fresh
        folder, saved = found
        if saved.get("fingerprint") != fresh["fingerprint"] or saved.get("data_hash") != data_hash:
            raise TrainConfigError(
                f"{self.out} holds a run with a different config or data; choose another --out or delete it"
            )
        state = load_snapshot(folder, model, optimizer)
        self.log(f"resuming from step {state['step']} (epoch {state['epoch'] + 1})")
        return state

    def _snapshot(self, model: Any, optimizer: Any, spec: str, state: dict[str, Any]) -> None:
        if self.world.main:
            save_snapshot(self.out, model, optimizer, spec, state)
        distributed.barrier(self.world)

    def _validate(
        self, model: Any, objective: Any, pairs: list[Pair], spec: str, state: dict[str, Any], data: PairSet
    ) -> None:
        state["validated_step"] = state["step"]
        if self.world.main and pairs:
            model.eval()
            scores = objective.validate(model, pairs, self.device)
            model.train()
            entry = {
                "step": state["step"],
                "epoch": state["epoch"],
                "loss": state["loss_ema"],
                "elapsed_s": round(state["elapsed_s"], 1),
                **scores,
            }
            state["history"].append(entry)
            (self.out / "history.jsonl").write_text("".join(json.dumps(e) + "\n" for e in state["history"]))
            self.log(f"step {state['step']}: {objective.describe(scores)}")
            key, sign = objective.best_key, (1 if objective.higher_is_better else -1)
            if state["best"] is None or sign * scores[key] > sign * state["best"][key]:
                state["best"] = entry
                meta = {
                    "training": self.config.as_dict(),
                    "data": data.description,
                    "data_hash": data.data_hash,
                    "validation": entry,
                    "versions": {"torch": require_torch().__version__, "kuchen-core": __version__},
                    "device": self.device,
                    "processes": self.world.size,
                }
                save_checkpoint(self.out / "best.safetensors", model, spec, meta)
        distributed.barrier(self.world)

    def _progress(self, items: Any, desc: str, total: int) -> Any:
        return tqdm(items, desc=desc, total=total, unit="img", leave=False, disable=self.hide_bars)


def train(config: TrainConfig, quiet: bool = False) -> dict[str, Any]:
    """Train ``config`` to completion (resuming when its output folder holds a snapshot)."""
    check_runnable(config)
    return Trainer(config, quiet=quiet).run()
