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
