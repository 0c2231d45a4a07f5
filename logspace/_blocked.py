"""numpy-only fast paths for the kernels: blocked, in-place passes.

These functions do the same arithmetic as the plain formulas in
:mod:`logspace._kernels`, but over cache-sized blocks in scratch buffers that
belong to one call (kernels run concurrently under dask's threaded scheduler,
so nothing here is module state). Peak extra memory is bounded by the block
size, not by the input size.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

# 64K float64 = 512 KiB per buffer: large enough to amortise numpy's call
# overhead, small enough to stay in L2 cache.
BLOCK = 1 << 16


def shifted_sum_1d(x: NDArray[np.float64]) -> tuple[float, float]:
    """(max, sum of exp(x - max) over every term but the first maximum).

    See ``_kernels._shifted_sum``; this is its one-dimensional form, which
    streams ``x`` through one scratch block. ``x`` must not be empty.
    """
    k = int(np.argmax(x))
    amax = float(x[k])
    shift = amax if math.isfinite(amax) else 0.0
    n = x.shape[0]
    if n <= BLOCK and shift == amax:
        # One block, finite shift: x - shift <= 0 cannot overflow, so no error
        # state to set (its cost exceeds the sum of 10^3 terms). The same sum.
        scratch = np.exp(x - shift)
        scratch[k] = 0.0
        return amax, float(scratch.sum())
    buf = np.empty(min(n, BLOCK))
    partial_sums = []
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n, BLOCK):
            block = x[start : start + BLOCK]
            scratch = buf[: block.shape[0]]
            np.subtract(block, shift, out=scratch)
            np.exp(scratch, out=scratch)
            if start <= k < start + BLOCK:
                scratch[k - start] = 0.0
            partial_sums.append(float(scratch.sum()))
    return amax, math.fsum(partial_sums)


def _logaddexp_into(
    x: NDArray[np.float64], y: NDArray[np.float64], out: NDArray[np.float64], scratch: NDArray[np.float64]
) -> None:
    """out = max(x, y) + log1p(exp(-|x - y|)), using ``scratch`` as workspace."""
    np.subtract(x, y, out=scratch)
    np.maximum(x, y, out=out)
    np.abs(scratch, out=scratch)
    np.negative(scratch, out=scratch)
    # x - y is nan for equal infinities (then max is the answer) or for a nan
    # input (then max is nan already): either way add nothing.
    np.copyto(scratch, -np.inf, where=np.isnan(scratch))
    np.exp(scratch, out=scratch)
    np.log1p(scratch, out=scratch)
    np.add(out, scratch, out=out)


def logaddexp(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Elementwise log(exp(x) + exp(y)) on float64 arrays, with broadcasting."""
    x, y = np.broadcast_arrays(x, y)
    out = np.empty(x.shape)
    with np.errstate(invalid="ignore"):
        if out.ndim == 0 or out.size <= BLOCK:
            _logaddexp_into(x, y, out, np.empty(x.shape))
            return out
        flat_out = out.reshape(-1)
        flat_x, flat_y = x.reshape(-1), y.reshape(-1)  # copies only if broadcast
        scratch = np.empty(BLOCK)
        for start in range(0, flat_out.shape[0], BLOCK):
            part = slice(start, start + BLOCK)
            n = flat_out[part].shape[0]
            _logaddexp_into(flat_x[part], flat_y[part], flat_out[part], scratch[:n])
    return out


def shifted_sum_leading(x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(max, sum of exp(x - max) but one maximum) reduced over axis 0.

    For a reduction over an axis that is not the last in memory: chunks of a
    few rows are exponentiated in one scratch buffer, so nothing of the
    input's size is allocated. numpy adds rows one after another when it
    sums over axis 0, so each chunk holds only a few rows and the chunk sums
    are combined pairwise (a binary counter of partial sums), which keeps the
    error growth logarithmic in the number of rows. Ties with the maximum
    are counted: m of them contribute m - 1 exact ones.
    """
    n = x.shape[0]
    rest = x.shape[1:]
    amax = x.max(axis=0)
    shift = np.where(np.isfinite(amax), amax, 0.0)
    width = max(1, math.prod(rest))
    rows = max(1, min(8, BLOCK // width))
    scratch = np.empty((rows,) + rest)
    ties = np.zeros(rest)
    levels: list[NDArray[np.float64] | None] = []
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n, rows):
            block = x[start : start + rows]
            buf = scratch[: block.shape[0]]
            np.subtract(block, shift, out=buf)
            np.exp(buf, out=buf)
            at_max = block == amax
            np.copyto(buf, 0.0, where=at_max)
            ties += np.count_nonzero(at_max, axis=0)
            partial = buf.sum(axis=0)
            for level in range(len(levels) + 1):
                if level == len(levels):
                    levels.append(partial)
                    break
                held = levels[level]
                if held is None:
                    levels[level] = partial
                    break
                partial += held
                levels[level] = None
    total = np.zeros(rest)
    for held in levels:
        if held is not None:
            total += held
    return amax, total + np.maximum(ties - 1.0, 0.0)
