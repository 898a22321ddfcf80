"""Issue 19, items 4-6: nothing in a cache or an output folder is trusted blindly. Kept encodes are
checked by size and hash, records by their own digest, cached pixels by theirs; a mismatch is
computed again. One run's outputs never mix with another's, and a killed writer's temporary files
are removed by the next run. See the Guarantees section of docs/architecture.md."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from PIL import Image

import label_fakes
from kuchen_core.cli import cli
from kuchen_core.runtime.files import temp_path
from kuchen_core.labeling import read_manifest


def bench(tmp_path: Path, *args: str):
    result = CliRunner().invoke(
        cli,
        [
            "bench",
            "-i",
            str(tmp_path / "in"),
            "--codecs",
            "tjpeg",
            "--metrics",
            "tpsnr",
            "--ladder",
            "30,70",
            "--plugin-module",
            "label_fakes",
            "--no-matched",
            "--jobs",
            "1",
            "--quiet",
            "-o",
            str(tmp_path / "out"),
            *args,
        ],
    )
    return result


def results(tmp_path: Path) -> list[dict]:
    rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    return [{k: v for k, v in row.items() if k != "run"} for row in rows]


MEASURED = {"timings", "encode_ms_per_mp", "decode_ms_per_mp"}  # times are measurements: a recomputed encode differs


def without_timings(rows: list[dict]) -> list[dict]:
    return [
        {**row, "evaluations": [{k: v for k, v in e.items() if k not in MEASURED} for e in row["evaluations"]]}
        for row in rows
    ]


# -- item 4: kept encodes are checked; runs never mix ------------------------------------------


def test_truncated_kept_files_are_encoded_again(tmp_path):
    label_fakes.make_images(tmp_path / "in", 2)
    first = bench(tmp_path, "--pre", "none,tblur", "--crops", "2")
    assert first.exit_code == 0, first.output
    before = without_timings(results(tmp_path))
    kept = sorted((tmp_path / "out" / "cache" / "files").glob("??/*.jpg"))
    originals = {path: path.read_bytes() for path in kept}
    assert len(kept) == 4  # 2 images x 2 chains at the reference quality
    for path, data in originals.items():
        path.write_bytes(data[: len(data) // 2])
    second = bench(tmp_path, "--pre", "none,tblur", "--crops", "2")
    assert second.exit_code == 0, (second.output, second.exception)  # today: ValueError in the crop step
    assert all(path.read_bytes() == data for path, data in originals.items())
    assert without_timings(results(tmp_path)) == before
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["run"]["encodes_computed"] == 4


def test_a_later_run_leaves_nothing_of_an_earlier_runs_outputs(tmp_path):
    label_fakes.make_images(tmp_path / "in", 2)
    assert bench(tmp_path, "--pre", "none,tblur", "--crops", "1").exit_code == 0
    assert any("tblur" in p.name for p in (tmp_path / "out" / "curves").iterdir())
    assert bench(tmp_path, "--pre", "none", "--crops", "0").exit_code == 0
    out = tmp_path / "out"
    published = [p for folder in ("curves", "plots", "crops") for p in (out / folder).glob("*")]
    assert published and not [p for p in published if "tblur" in p.name or folder_is_crops(p)]
    summary = json.loads((out / "summary.json").read_text())
    assert {c["pre"] for c in summary["results"]["curves"]} == {"Original"}


def folder_is_crops(path: Path) -> bool:
    return path.parent.name == "crops"  # the second run asked for no crops


# -- item 5: altered records and swapped pixels are computed again ------------------------------


def test_a_hand_edited_bench_record_is_computed_again(tmp_path):
    label_fakes.make_images(tmp_path / "in", 2)
    assert bench(tmp_path, "--pre", "none,tblur").exit_code == 0
    before = without_timings(results(tmp_path))
    cache = tmp_path / "out" / "cache"
    for path in cache.glob("??/*.json"):  # valid JSON, wrong numbers
        record = json.loads(path.read_text())
        record["bytes"] += 1000
        record["scores"] = {key: value - 5 for key, value in record["scores"].items()}
        path.write_text(json.dumps(record))
    again = bench(tmp_path, "--pre", "none,tblur")
    assert again.exit_code == 0, again.output
    assert without_timings(results(tmp_path)) == before
    assert "12 encodes computed, 0 from the cache" in again.output


def test_swapped_cached_pixels_are_computed_again(tmp_path):
    label_fakes.make_images(tmp_path / "in", 2)
    assert bench(tmp_path, "--pre", "none,tblur").exit_code == 0
    before = without_timings(results(tmp_path))
    pixels = sorted((tmp_path / "out" / "cache" / "pixels").glob("??/*.png"))
    assert len(pixels) == 2
    first, second = (Image.open(p).copy() for p in pixels)
    first.save(pixels[1])  # the same shape: today both are trusted
    second.save(pixels[0])
    for path in (tmp_path / "out" / "cache").glob("??/*.json"):
        path.unlink()  # the encodes must be made from the cached pixels again
    assert bench(tmp_path, "--pre", "none,tblur").exit_code == 0
    assert without_timings(results(tmp_path)) == before


def test_a_hand_edited_label_record_is_computed_again(tmp_path):
    label_fakes.make_images(tmp_path / "in", 3)
    (tmp_path / "pool.toml").write_text(label_fakes.config_text(str(tmp_path / "in" / "*.png"), str(tmp_path / "out")))

    def label():
        result = CliRunner().invoke(cli, ["label", str(tmp_path / "pool.toml"), "--jobs", "1", "--quiet"])
        assert result.exit_code == 0, result.output
        return label_fakes.without_timings(read_manifest(tmp_path / "out"))

    before = label()
    for path in (tmp_path / "out" / "cache").glob("??/*.json"):
        record = json.loads(path.read_text())
        if "bpp" in record:  # an evaluation: valid JSON, wrong numbers
            record["bpp"] = 0.001
        else:  # a manifest row
            for result in record["results"]:
                for group in result["groups"]:
                    group["score"] = -group["score"]
        path.write_text(json.dumps(record))
    assert label() == before


# -- item 6: a killed writer's temporary file is removed by the next run -----------------------


def test_a_killed_label_writers_temp_file_is_removed_by_the_next_run(tmp_path):
    label_fakes.make_images(tmp_path / "in", 2)
    (tmp_path / "pool.toml").write_text(label_fakes.config_text(str(tmp_path / "in" / "*.png"), str(tmp_path / "out")))
    label_dir = tmp_path / "out" / "labels" / "q40"
    label_dir.mkdir(parents=True)
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import os, signal, sys, numpy as np\n"
                "from kuchen_core.images import save_image\n"
                "os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)  # killed between the write and the rename\n"
                "save_image(sys.argv[1], np.zeros((4, 4, 3), np.uint8))\n"
            ),
            str(label_dir / "img000.png"),
        ]
    )
    assert killed.returncode == -signal.SIGKILL
    left = [p for p in label_dir.iterdir() if p.name.endswith(".tmp")]
    assert len(left) == 1
    live = temp_path(label_dir / "img001.png")  # a live writer's (this process's): it must stay
    live.write_bytes(b"")
    result = CliRunner().invoke(cli, ["label", str(tmp_path / "pool.toml"), "--jobs", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in label_dir.iterdir()) == sorted(["img000.png", "img001.png", live.name])
    assert os.path.exists(live)
    assert np.asarray(Image.open(label_dir / "img000.png")).shape == (40, 56, 3)
