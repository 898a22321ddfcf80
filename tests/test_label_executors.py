"""Executors: the shared interface, and the same labeling on every one of them."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import label_fakes
from kuchen_core.cli import cli
from kuchen_core.labeling import read_manifest
from kuchen_core.runtime.executors import ExecutorError, InlineExecutor, ProcessExecutor, make_executor
from kuchen_core.runtime.executors import DaskExecutor

TESTS = Path(label_fakes.__file__).parent


def results(executor, items, fn=label_fakes.square, window=None):
    return {done.item: (done.result, done.error) for done in executor.map_unordered(fn, items, window)}


@pytest.mark.parametrize("make", [InlineExecutor, lambda: ProcessExecutor(2)], ids=["inline", "process"])
def test_every_item_once_and_an_error_stays_with_its_item(make):
    with make() as executor:
        got = results(executor, range(6))
    assert got == {
        0: (0, None),
        1: (1, None),
        2: (4, None),
        3: (None, "ValueError: three"),
        4: (16, None),
        5: (25, None),
    }


def test_the_window_bounds_what_is_in_flight():
    pulled = []

    def items():
        for i in range(12):
            pulled.append(i)
            yield i + 4

    with ProcessExecutor(2) as executor:
        completed = 0
        for _ in executor.map_unordered(label_fakes.square, items(), window=3):
            assert len(pulled) - completed <= 3
            completed += 1
    assert completed == 12


def test_a_dead_worker_fails_its_item_and_a_fresh_pool_takes_the_rest():
    with ProcessExecutor(2) as executor:
        got = results(executor, range(5), fn=label_fakes.die_on_two, window=1)
    assert got[2][0] is None and "worker process died" in got[2][1]
    assert {k: v for k, v in got.items() if k != 2} == {0: (0, None), 1: (1, None), 3: (3, None), 4: (4, None)}


def test_make_executor_choices():
    assert isinstance(make_executor("local", jobs=1), InlineExecutor)
    assert isinstance(make_executor("local", jobs=3), ProcessExecutor)
    with pytest.raises(ExecutorError, match="needs the dask executor"):
        make_executor("local", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ExecutorError, match="unknown executor 'spark'"):
        make_executor("spark")


def test_dask_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ExecutorError, match=r"pip install 'kuchen-core\[dask\]'"):
        make_executor("dask")


def test_an_unreachable_scheduler_is_a_clear_error():
    pytest.importorskip("distributed")
    with pytest.raises(ExecutorError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        DaskExecutor("tcp://127.0.0.1:9", connect_timeout=0.5)


# -- the same labeling everywhere ---------------------------------------------------------------


@pytest.fixture(scope="module")
def labelling(tmp_path_factory):
    """Images, a pool with a failure in it, and a reference run in-process."""
    root = tmp_path_factory.mktemp("executors")
    label_fakes.make_images(root / "in", 5, marked=3)
    (root / "pool.toml").write_text(
        label_fakes.config_text(
            str(root / "in/*.png"),
            str(root / "inline"),
            methods=("tblur", "tbright", "tfragile"),
            quality="[30, 70]",
            metrics=("tpsnr", "trough"),
        )
    )
    assert run(root, "inline", "--jobs", "1").exit_code == 1  # the marked image fails some groups
    return root


def run(root, out, *args, env=None):
    return CliRunner(env=env).invoke(
        cli, ["label", str(root / "pool.toml"), "--out", str(root / out), "--quiet", *args]
    )


def same_as_inline(root, out):
    reference = read_manifest(root / "inline")
    rows = read_manifest(root / out)
    assert label_fakes.without_timings(rows) == label_fakes.without_timings(reference)
    for row in reference:
        for result in row["results"]:
            ours = root / out / result["label"]
            assert ours.read_bytes() == (root / "inline" / result["label"]).read_bytes()
    summary = json.loads((root / out / "summary.json").read_text())
    assert summary["failed_evaluations"] == 3 * 2 and summary["evaluations_computed"] == 5 * 10 * 2 - 3 * 2


def test_process_pool_gives_the_same_manifest(labelling):
    result = run(labelling, "process", "--jobs", "2")
    assert result.exit_code == 1, result.output
    same_as_inline(labelling, "process")


def test_dask_local_cluster_gives_the_same_manifest(labelling):
    pytest.importorskip("distributed")
    result = run(labelling, "dask-local", "--executor", "dask", "--jobs", "2")
    assert result.exit_code == 1, result.output
    same_as_inline(labelling, "dask-local")


def test_dask_scheduler_and_worker_processes_give_the_same_manifest(labelling, tmp_path):
    pytest.importorskip("distributed")
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if dask is None:
        pytest.skip("the dask command is not installed")
    scheduler_file = tmp_path / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    processes = [
        subprocess.Popen(
            [
                dask,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(scheduler_file),
            ],
            **quiet,
        )
    ]
    try:
        deadline = time.monotonic() + 30
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        processes.append(
            subprocess.Popen(
                [
                    dask,
                    "worker",
                    address,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--host",
                    "127.0.0.1",
                    "--no-dashboard",
                ],
                **quiet,
            )
        )
        result = run(labelling, "dask-remote", "--executor", "dask", env={"DASK_SCHEDULER_ADDRESS": address})
        assert result.exit_code == 1, result.output
        same_as_inline(labelling, "dask-remote")
        summary = json.loads((labelling / "dask-remote" / "summary.json").read_text())
        assert summary["executor"] == f"dask on {address}, 1 worker threads"
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)
