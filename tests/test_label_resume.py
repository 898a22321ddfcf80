"""Kill -9 a real ``kuchen label`` part-way, start it again: one row per image, nothing finished redone."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import label_fakes
from kuchen_core.labeling import read_manifest

IMAGES = 12
GROUPS = 5  # identity, tnap, tposter, tnap>tposter, tposter>tnap: five different images each


def start(workdir: Path, log: str) -> subprocess.Popen:
    env = label_fakes.subprocess_env(workdir / log)
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from kuchen_core.cli import main; main()",
            "label",
            "pool.toml",
            "--jobs",
            "2",
            "--quiet",
        ],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def encoded(log: Path) -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [line.split()[2] for line in lines if line.startswith("encode ")]


def finished_evaluations(cache: Path) -> set[str]:
    """Pixel hashes of the (image, group) results in the cache; every record must parse."""
    records = [json.loads(path.read_text()) for path in cache.glob("??/*.json")]
    return {record["pixels"] for record in records if "pixels" in record}


def test_a_killed_run_resumes_without_redoing_finished_work(tmp_path):
    label_fakes.make_images(tmp_path / "in", IMAGES)
    (tmp_path / "pool.toml").write_text(
        label_fakes.config_text("in/*.png", "out", methods=("tnap(seconds=0.15)", "tposter"))
    )
    labels = tmp_path / "out" / "labels" / "q40"

    first = start(tmp_path, "run1.log")
    deadline = time.monotonic() + 120
    while len(list(labels.glob("*.png"))) < 3 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)  # the driver and its workers, mid-flight
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    assert not (tmp_path / "out" / "manifest.jsonl").exists()
    done_before = finished_evaluations(tmp_path / "out" / "cache")
    assert 3 * GROUPS <= len(done_before) < IMAGES * GROUPS

    second = start(tmp_path, "run2.log")
    output = second.communicate(timeout=120)[0].decode()
    assert second.returncode == 0, output

    rows = read_manifest(tmp_path / "out")
    assert sorted(row["image"] for row in rows) == [f"in/img{i:03d}.png" for i in range(IMAGES)]
    assert all(row["failed"] == 0 and (tmp_path / "out" / row["results"][0]["label"]).is_file() for row in rows)
    everything = finished_evaluations(tmp_path / "out" / "cache")
    assert len(everything) == IMAGES * GROUPS  # distinct pre-codec images: hashes identify (image, group)
    redone = encoded(tmp_path / "run2.log")
    assert not set(redone) & done_before, "a finished (image, group) was evaluated again"
    assert sorted(redone) == sorted(everything - done_before)  # and each unfinished one exactly once
