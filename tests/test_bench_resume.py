"""Kill -9 a real ``kuchen bench`` part-way, start it again: every finished encode comes from the
content cache, each unfinished one is encoded exactly once, and every image gets its row."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import label_fakes

IMAGES = 8
LADDER = 6  # the default ladder of a 1..100 codec: 25, 35, 50, 65, 80, 90 (the reference 50 is on it)
CHAINS = 2  # the Original and tnap


def start(workdir: Path, log: str) -> subprocess.Popen:
    env = label_fakes.subprocess_env(workdir / log)
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from kuchen_core.cli import main; main()",
            "bench",
            "-i",
            "in",
            "--codecs",
            "tjpeg",
            "--pre",
            "none,tnap(seconds=0.25)",
            "--metrics",
            "tpsnr",
            "--plugin-module",
            "label_fakes",
            "--no-matched",
            "--crops",
            "0",
            "--jobs",
            "2",
            "--quiet",
            "-o",
            "out",
        ],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def records(cache: Path) -> set[str]:
    """Keys of the encode records in the cache; every one must parse."""
    found = set()
    for path in cache.glob("??/*.json"):
        assert isinstance(json.loads(path.read_text())["bytes"], int)
        found.add(path.parent.name + path.stem)
    return found


def log_lines(log: Path, kind: str) -> list[str]:
    return [line for line in (log.read_text().splitlines() if log.exists() else []) if line.startswith(kind + " ")]


def test_a_killed_bench_resumes_from_the_cache(tmp_path):
    label_fakes.make_images(tmp_path / "in", IMAGES)
    cache = tmp_path / "out" / "cache"

    first = start(tmp_path, "run1.log")
    deadline = time.monotonic() + 120
    while len(records(cache)) < 3 * LADDER and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)  # the driver and its workers, mid-flight
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    assert not (tmp_path / "out" / "summary.json").exists()
    done_before = records(cache)
    processed_before = len(list((cache / "pixels").glob("??/*.png")))
    total = IMAGES * CHAINS * LADDER
    assert 3 * LADDER <= len(done_before) < total

    second = start(tmp_path, "run2.log")
    output = second.communicate(timeout=180)[0].decode()
    assert second.returncode == 0, output

    assert len(records(cache)) == total and records(cache) >= done_before
    # nothing finished was encoded again, and each missing encode exactly once
    assert len(log_lines(tmp_path / "run2.log", "encode")) == total - len(done_before)
    assert f"\n{total - len(done_before)} encodes computed, {len(done_before)} from the cache" in output
    # a pre-processed image already in the pixel cache is not computed again
    assert len(log_lines(tmp_path / "run2.log", "apply")) == IMAGES - processed_before
    rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert [Path(row["image"]).name for row in rows] == [f"img{i:03d}.png" for i in range(IMAGES)]
    assert all(not row["errors"] and len(row["evaluations"]) == CHAINS * LADDER for row in rows)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["results"]["images"]["used"] == IMAGES
