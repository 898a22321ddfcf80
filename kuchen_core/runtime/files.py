"""Writing the user's output files safely: atomically, into folders checked before any work, and
without leaving a dead writer's temporary files behind.

Every file Kuchen publishes is written to a hidden temporary file beside it and renamed into
place, so a kill at any instant leaves the old file or the new one, never half of one. The
temporary name records the writer's host and process id, so the next run can tell the temp
files of dead writers (removed) from those of live ones (kept).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import time
import uuid
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import KuchenError

STALE_S = 3600  # a temp file of a writer on another host (or of an old Kuchen) this old is abandoned
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]
_TEMP = re.compile(r"^\..+\.(?P<host>[0-9a-f]{6})-(?P<pid>\d+)-[0-9a-f]{8}\.tmp$")


class OutputError(KuchenError):
    """An output folder cannot be created or written, or an output would replace an input."""


def temp_path(path: str | os.PathLike) -> Path:
    """A hidden, unique temporary name beside ``path`` that names this host and process."""
    path = Path(path)
    return path.with_name(f".{path.name}.{_HOST}-{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a unique temporary path beside ``path`` to write; it is renamed onto ``path`` when the
    block ends without error and removed otherwise, so a kill leaves the old file or the new one."""
    path = Path(path)
    tmp = temp_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; see :func:`atomic_output`."""
    with atomic_output(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return Path(path)


def _abandoned(path: Path, now: float) -> bool:
    match = _TEMP.match(path.name)
    try:
        if match and match["host"] == _HOST:
            os.kill(int(match["pid"]), 0)  # signal 0 only asks whether the writer's process exists
            return False
        return now - path.stat().st_mtime > STALE_S
    except ProcessLookupError:  # the writer on this host is dead
        return True
    except OSError:  # another user's live writer (PermissionError), or the file is gone
        return False


def sweep_stale_temps(root: str | os.PathLike, skip: Iterable[str | os.PathLike] = ()) -> int:
    """Remove the temporary files dead writers left under ``root`` (not under ``skip``); returns how many."""
    root = Path(root)
    skipped = {Path(p).resolve() for p in skip}
    now, removed = time.time(), 0
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if (Path(folder) / d).resolve() not in skipped]
        for name in names:
            path = Path(folder) / name
            if name.startswith(".") and name.endswith(".tmp") and _abandoned(path, now):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def ensure_output_dir(path: str | os.PathLike, what: str = "output folder") -> Path:
    """Create ``path`` and prove it writable before any work, or raise one clear :class:`OutputError`."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = temp_path(path / "write-test")
        probe.write_bytes(b"")
        probe.unlink()
    except FileExistsError:
        raise OutputError(f"{what} {path}: exists and is not a folder") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, NotADirectoryError):
            reason = "a parent is a file, not a folder"
        raise OutputError(f"{what} {path}: cannot write there ({reason})") from None
    return path


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, read in blocks (images can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare_output(out: str | os.PathLike, cache: str | os.PathLike, names: tuple[str, str]) -> Path:
    """Before any work: the output and cache folders (called ``names`` in errors) exist and are
    writable, and the temporary files a killed run left in the output are gone (raises :class:`OutputError`)."""
    folder = ensure_output_dir(out, names[0])
    ensure_output_dir(cache, names[1])
    sweep_stale_temps(folder, skip=[Path(cache)])
    return folder
