"""Where per-item tasks run, behind one small interface the labeler and the bench share.

``map_unordered(fn, items, window)`` submits a picklable module-level function once per item,
keeps at most ``window`` items in flight (so a million inputs never become a million futures),
and yields a :class:`Done` per item as it completes. A task that raises, or that kills its
worker, comes back as ``Done.error``; the other items still run (in the process pool, the items
in flight when a worker died are retried alone, once, so only the killer fails).

- ``inline``: in this process (``--jobs 1``): no start-up cost, plugins registered in-process work;
- ``local``: a ``spawn`` process pool; each worker loads its own plugins;
- ``dask``: a ``distributed`` cluster (a scheduler address, or a ``LocalCluster``); workers must
  see the same files (shared storage) and have the same plugins installed.
"""

from __future__ import annotations

import abc
import itertools
import logging
import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Generic, Iterable, Iterator, TypeVar

import attrs

from ..errors import KuchenError

T = TypeVar("T")
R = TypeVar("R")

THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OPENCV_FOR_THREADS_NUM")
EXECUTORS = ("local", "dask")
WORKER_WAIT_S = 60


class ExecutorError(KuchenError):
    """An executor cannot start: a missing optional extra, an unreachable scheduler, no workers."""


@attrs.frozen
class Done(Generic[T, R]):
    item: T
    result: R | None = None
    error: str | None = None


def run_tasks(
    executor: Executor,
    fn: Callable[[T], R],
    tasks: Iterable[T],
    failed: Callable[[T, str], R],
    bar: dict[str, Any],
    status: Callable[[], dict[str, Any] | None],
) -> Iterator[R]:
    """Every task's outcome as it completes, under a progress bar (``bar``: tqdm's total, desc, unit,
    disable): a task that raised or whose worker died comes back as ``failed(task, error)``, so a
    run counts failures instead of stopping. ``status`` is shown beside the bar after each task."""
    from tqdm import tqdm

    with tqdm(dynamic_ncols=True, **bar) as progress:
        for done in executor.map_unordered(fn, tasks):
            yield done.result if done.result is not None else failed(done.item, done.error or "unknown error")
            progress.update(1)
            shown = status()
            if shown:
                progress.set_postfix(shown, refresh=False)


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Executor(abc.ABC):
    """Runs ``fn(item)`` for each item; ``workers`` is how many run at once."""

    workers: int = 1
    description: str = ""

    def map_unordered(
        self, fn: Callable[[T], R], items: Iterable[T], window: int | None = None
    ) -> Iterator[Done[T, R]]:
        """Yield one ``Done`` per item, in completion order, with at most ``window`` (default: twice the
        workers) in flight."""
        return self._map(fn, iter(items), max(1, window if window is not None else 2 * self.workers))

    @abc.abstractmethod
    def _map(self, fn: Callable[[T], R], items: Iterator[T], limit: int) -> Iterator[Done[T, R]]:
        """:meth:`map_unordered` with its window resolved to ``limit``."""

    def close(self) -> None:
        """Release workers and clusters."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class InlineExecutor(Executor):
    """Runs each task in this process, one after another."""

    description = "in-process, 1 job"

    def _map(self, fn: Callable[[T], R], items: Iterator[T], limit: int) -> Iterator[Done[T, R]]:
        for item in items:
            try:
                yield Done(item, fn(item))
            except Exception as exc:
                yield Done(item, error=f"{type(exc).__name__}: {exc}")


def _limit_threads(threads: int) -> None:
    """Pool initializer: libraries' own thread pools share the machine's cores among the workers."""
    for name in THREAD_ENV:
        os.environ.setdefault(name, str(threads))


class ProcessExecutor(Executor):
    """A pool of ``jobs`` spawned processes; a dying worker (a segfaulting plugin) breaks the pool, so the
    items then in flight are each run again alone, once (see the module docstring)."""

    def __init__(self, jobs: int) -> None:
        self.workers = jobs
        self.description = f"local process pool, {jobs} jobs"
        self._threads = max(1, available_cpus() // jobs)
        self._pool: ProcessPoolExecutor | None = None

    def _current(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_limit_threads,
                initargs=(self._threads,),
            )
        return self._pool

    def close(self, broken: bool = False) -> None:
        """Shut the pool down (a ``broken`` one without waiting); the next submission starts a fresh pool."""
        if self._pool is not None:
            self._pool.shutdown(wait=not broken, cancel_futures=True)
            self._pool = None

    def _map(self, fn: Callable[[T], R], items: Iterator[T], limit: int) -> Iterator[Done[T, R]]:
        pending: dict[Future, T] = {}
        suspects: list[T] = []  # in flight when a worker died: innocent until they kill one alone

        def fill() -> None:
            for item in itertools.islice(items, limit - len(pending)):
                pending[self._current().submit(fn, item)] = item

        fill()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                item = pending.pop(future)
                if isinstance(future.exception(), BrokenProcessPool):
                    self.close(broken=True)
                    suspects.append(item)
                else:
                    yield _done(item, future)
            if suspects and not pending:  # every item of the broken pool is back: retry each alone
                for item in suspects:
                    yield self._alone(fn, item)
                suspects.clear()
            if not suspects:  # no new work joins a pool that is breaking
                fill()

    def _alone(self, fn: Callable[[T], R], item: T) -> Done[T, R]:
        """Run ``item`` with nothing else in flight: if its worker dies now, the item is the cause."""
        future = self._current().submit(fn, item)
        error = future.exception()  # waits for it
        if isinstance(error, BrokenProcessPool):
            self.close(broken=True)
            return Done(item, error=f"worker process died while running this item, also when run alone ({error})")
        return _done(item, future)


def _done(item: T, future: Any) -> Done[T, R]:
    """A finished future's outcome (a ``concurrent.futures`` or a Dask one: both have these methods)."""
    error = future.exception()
    return Done(item, future.result()) if error is None else Done(item, error=f"{type(error).__name__}: {error}")


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ExecutorError(
            "the dask executor needs Dask's distributed scheduler: pip install 'kuchen-core[dask]'"
        ) from None
    return distributed


class DaskExecutor(Executor):
    """Tasks on a Dask cluster: the scheduler at ``address``, or a ``LocalCluster`` of ``jobs`` workers."""

    def __init__(self, address: str | None = None, jobs: int | None = None, connect_timeout: float = 10.0) -> None:
        distributed = _distributed()
        self._cluster = None
        if address:
            try:
                self._client = distributed.Client(address, timeout=connect_timeout, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
            where = address
        else:
            self._cluster = distributed.LocalCluster(
                n_workers=jobs or available_cpus(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._client = distributed.Client(self._cluster, set_as_default=False)
            where = "a LocalCluster"
        try:
            self._client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except (TimeoutError, OSError):
            self.close()
            raise ExecutorError(f"no Dask worker joined {where} within {WORKER_WAIT_S} s") from None
        self.workers = sum(self._client.nthreads().values())
        self.description = f"dask on {where}, {self.workers} worker threads"

    def _map(self, fn: Callable[[T], R], items: Iterator[T], limit: int) -> Iterator[Done[T, R]]:
        distributed = _distributed()
        pending: dict[str, T] = {}
        running = distributed.as_completed(loop=self._client.loop)

        def fill() -> None:
            for item in itertools.islice(items, limit - len(pending)):
                future = self._client.submit(fn, item, pure=False)
                pending[future.key] = item
                running.add(future)

        fill()
        for future in running:
            item = pending.pop(future.key)
            if future.status in ("finished", "error"):
                yield _done(item, future)
            else:
                yield Done(item, error=f"the Dask task was {future.status}")
            future.release()
            fill()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def make_executor(kind: str = "local", jobs: int | None = None, scheduler: str | None = None) -> Executor:
    """``local`` with ``jobs`` processes (1: in-process) or ``dask`` on ``scheduler`` / ``DASK_SCHEDULER_ADDRESS``."""
    if jobs is not None and jobs < 1:
        raise ExecutorError(f"jobs must be at least 1, got {jobs}")
    if kind == "local":
        if scheduler:
            raise ExecutorError("a scheduler address needs the dask executor (--executor dask)")
        jobs = jobs or available_cpus()
        return InlineExecutor() if jobs == 1 else ProcessExecutor(jobs)
    if kind == "dask":
        return DaskExecutor(scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None, jobs)
    raise ExecutorError(f"unknown executor {kind!r}; choose one of {', '.join(EXECUTORS)}")
