"""Scale properties (slow): memory flat in the number of images, a warm cache much faster."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import label_fakes

pytestmark = pytest.mark.slow

PROBE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def kuchen(workdir: Path, config: str, *args: str, probe: bool = False) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path(label_fakes.__file__).parent), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-c", "from kuchen_core.cli import main; main()", "label", config, "--quiet", *args]
    if probe:
        command = [sys.executable, "-c", PROBE, *command]
    return subprocess.run(command, cwd=workdir, env=env, check=True, capture_output=True, text=True).stdout


def test_peak_memory_does_not_grow_with_the_number_of_images(tmp_path):
    label_fakes.make_images(tmp_path / "in", 400)
    peaks = {}
    for count in (100, 400):
        (tmp_path / f"c{count}.toml").write_text(
            label_fakes.config_text(
                "in/*.png", f"out{count}", methods=("tblur", "tbright", "tposter"), extra=f"limit = {count}"
            )
        )
        peaks[count] = int(kuchen(tmp_path, f"c{count}.toml", "--jobs", "1", probe=True).split()[-1])
    assert peaks[400] <= 1.2 * peaks[100], peaks


def test_a_warm_cache_rerun_is_much_faster(tmp_path):
    label_fakes.make_images(tmp_path / "in", 40, size=(160, 200))
    (tmp_path / "c.toml").write_text(
        label_fakes.config_text("in/*.png", "out", methods=("tnap(seconds=0.01)", "tblur", "tbright", "tposter"))
    )
    times = []
    for _ in range(2):
        start = time.perf_counter()
        kuchen(tmp_path, "c.toml", "--jobs", "1")
        times.append(time.perf_counter() - start)
    assert times[1] * 5 < times[0], times
