"""Split an image into tiles whose edges lie on the JPEG MCU grid.

A tile that starts on a multiple of 16 pixels holds exactly the 8×8 blocks (and 16×16 4:2:0
macroblocks) it would hold in a whole-image encode, so tiling never shifts the block grid.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Iterator

MCU = 16


def spans(length: int, tile: int, min_side: int) -> list[tuple[int, int]]:
    """(start, stop) spans of ``tile`` pixels along one axis; a remainder shorter than
    ``min_side`` joins the span before it rather than becoming a sliver of its own."""
    edges = list(range(0, length, tile)) + [length]
    if len(edges) > 2 and edges[-1] - edges[-2] < min_side:
        del edges[-2]
    return list(pairwise(edges))


def tile_slices(height: int, width: int, tile: int, min_side: int) -> Iterator[tuple[slice, slice]]:
    """Row-major (rows, cols) slices of ``tile``×``tile`` tiles (``tile`` a multiple of ``MCU``);
    tiles in the last row and column may be up to ``min_side - 1`` pixels larger or smaller."""
    columns = spans(width, tile, min_side)
    for top, bottom in spans(height, tile, min_side):
        for left, right in columns:
            yield slice(top, bottom), slice(left, right)
