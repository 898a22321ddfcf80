"""Issue 19, item 3: a plugin that segfaults its worker (a real SIGSEGV) on one image fails that
image only; the other tasks that were in flight in the broken pool are retried alone and finish.
See the Guarantees section of docs/architecture.md."""

import json
import os
import subprocess
import sys
from pathlib import Path

import label_fakes
from kuchen_core.labeling import read_manifest
from kuchen_core.runtime.executors import ProcessExecutor

IMAGES = 4  # image 0 is marked: tcrash segfaults on it


def kuchen(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path(label_fakes.__file__).parent), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-c", "from kuchen_core.cli import main; main()", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_only_the_item_that_kills_its_worker_alone_fails():
    with ProcessExecutor(2) as executor:
        got = {d.item: (d.result, d.error) for d in executor.map_unordered(label_fakes.die_on_two, range(6), window=4)}
    assert {k: v for k, v in got.items() if k != 2} == {k: (k, None) for k in (0, 1, 3, 4, 5)}
    assert got[2][0] is None and "also when run alone" in got[2][1]


def test_label_with_a_segfaulting_method_fails_only_that_image(tmp_path):
    label_fakes.make_images(tmp_path / "in", IMAGES, marked=0)
    (tmp_path / "pool.toml").write_text(
        label_fakes.config_text("in/*.png", "out", methods=("tcrash", "tflip"), max_group_size=1)
    )
    result = kuchen(tmp_path, "label", "pool.toml", "--jobs", "2", "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr
    rows = read_manifest(tmp_path / "out")
    failed = [row["image"] for row in rows if row.get("error")]
    assert failed == ["in/img000.png"] and "worker process died" in rows[0]["error"]
    assert all(row["results"][0]["winner"] for row in rows[1:])  # the innocent images were labelled
    rerun = kuchen(tmp_path, "label", "pool.toml", "--jobs", "2", "--quiet")  # the same single image again
    assert (
        rerun.returncode == 1
        and [row["image"] for row in read_manifest(tmp_path / "out") if row.get("error")] == failed
    )


def test_bench_with_a_segfaulting_method_keeps_every_innocent_task(tmp_path):
    label_fakes.make_images(tmp_path / "in", IMAGES, marked=0)
    result = kuchen(
        tmp_path,
        "bench",
        "-i",
        "in",
        "--codecs",
        "tjpeg",
        "--pre",
        "none,tcrash",
        "--metrics",
        "tpsnr",
        "--plugin-module",
        "label_fakes",
        "--no-matched",
        "--crops",
        "0",
        "--ladder",
        "30,60",
        "--jobs",
        "2",
        "--quiet",
        "-o",
        "out",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    errors = summary["run"]["errors"]
    assert len(errors) == 1 and "img000.png" in errors[0] and "worker process died" in errors[0], errors
    assert summary["results"]["images"]["used"] == IMAGES - 1  # only the image the crash hit is left out
    rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert [len(row["evaluations"]) for row in rows] == [
        3,
        6,
        6,
        6,
    ]  # 2 ladder qualities + the reference 50; image 0 keeps its Original's results
