"""Image id lists: text files that pick images by name, such as BSDS500's CBSD432 training list.

Such lists give bare ids (``100075``), file names (``100075.jpg``) or paths below some other root
(``bsds500/train/100075.jpg``); only the stem is compared, so any of them selects the same file.
"""

from __future__ import annotations

import os
from pathlib import Path


def read_id_list(path: str | os.PathLike) -> frozenset[str]:
    """The file stems ``path`` names, one per whitespace-separated entry; a ``ValueError`` naming the
    file when it cannot be read or names nothing, for a config loader to turn into its own one-line error."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the id list {path}: {getattr(exc, 'strerror', None) or exc}") from None
    stems = frozenset(Path(entry).stem for entry in text.split())
    if not stems:
        raise ValueError(f"the id list {path} names no images")
    return stems
