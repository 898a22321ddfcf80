"""``torchrun`` support: read the launcher's environment, start the process group, agree on
who writes. One process without ``torchrun`` is world size 1 and needs none of this.
"""

from __future__ import annotations

import os
from typing import Any

import attrs


@attrs.frozen
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0


def world_from_env() -> World:
    return World(
        int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("LOCAL_RANK", 0))
    )


def start(world: World, device: str) -> None:
    """Join the process group torchrun set up: NCCL on CUDA, gloo on CPU."""
    if world.size > 1:
        import torch.distributed as dist

        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")


def barrier(world: World) -> None:
    if world.size > 1:
        import torch.distributed as dist

        dist.barrier()


def stop(world: World) -> None:
    """Leave the process group after a run that finished on every rank.

    The DDP wrapper is collected first (its reducer holds the group) and the ranks meet once more,
    so no gloo worker thread is still busy when the group goes; a group torn down at interpreter
    exit instead aborts the process ("terminate called without an active exception").
    """
    if world.size > 1:
        import gc

        import torch.distributed as dist

        if dist.is_initialized():
            gc.collect()
            dist.barrier()
            dist.destroy_process_group()


def wrap(model: Any, world: World, device: str) -> Any:
    """DistributedDataParallel when there is more than one process."""
    if world.size == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(model, device_ids=[world.local_rank] if device.startswith("cuda") else None)
