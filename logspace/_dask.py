"""The kernels on dask arrays: numpy kernels per chunk, combined lazily.

:mod:`logspace._kernels` hands its input here when (and only when) one of
its arrays is a dask array, so this module, which imports dask, is imported
only once the user has imported dask. It does not import the numpy kernels:
:func:`bind` hands them in when this module is loaded (no import circle). Nothing here computes: every function
builds a graph. The arithmetic inside each chunk is that of the numpy
kernels; what this module adds is how chunks are combined:

* elementwise kernels: dask's broadcasting ``elemwise`` of the numpy kernel;
* :func:`logsumexp`: a tree reduction (``dask.array.reduction``) whose state
  for a chunk, and for any group of chunks, is the pair (max, sum of
  exp(x - max) over every term but one maximum) that the numpy kernel
  streams; two states merge exactly as two halves of one array would, so
  the result meets the bound of the in-memory sum whatever the chunking;
* :func:`logcumsumexp`: dask's Blelloch prefix scan (log depth in the number
  of chunks) with log-add as the associative operation;
* :func:`logmatmulexp`: the numpy log-matmul of every pair of blocks (with
  its own recomputation of underflowed entries), then a log-sum-exp over
  the blocks of the contracted dimension.

A (max, s) state travels between tasks as one complex128 number, max in the
real part and s in the imaginary part: dask's reductions move one array per
task, and packing keeps the two float64 values exact.

Domain errors give the same nan or -inf as in memory, but the checks that
would warn are not made lazily (there are no values yet), and the numpy
kernels run with floating-point errors silenced inside the chunks.

The second half of the module is the dask collection protocol of a
dask-backed ``LogArray``: its graph is that of its logs (and signs), and
computing it rebuilds a numpy-backed ``LogArray``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask.array.reductions import cumreduction
from dask.highlevelgraph import HighLevelGraph
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from logspace import _backends
from logspace._backends import as_dask

_FLOAT64 = np.dtype(np.float64)
_STATE = np.dtype(np.complex128)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

# The numpy kernels (logspace._kernels), handed in by bind().
_np: Any = None


def bind(numpy_kernels: ModuleType) -> None:
    """Use ``numpy_kernels`` (:mod:`logspace._kernels`) inside the chunks.

    The numpy kernels dispatch to this module, so it takes them as an
    argument instead of importing them back.
    """
    global _np
    _np = numpy_kernels


def _elemwise(func: Callable[..., Any], *args: Any, dtype: Any) -> da.Array:
    """The elementwise numpy ``func`` over broadcast operands, errors silenced."""
    out: da.Array = _backends.elementwise(func, *args, dtype=dtype, all="ignore")
    return out


def _as_logs(x: Any, name: str) -> Any:
    """As the numpy kernels' ``_as_logs`` (which leaves a dask array lazy)."""
    return _np._as_logs(x, name)


def _scalar_or_logs(x: Any, name: str) -> Any:
    """A Python scalar as it is (the chunks' kernel treats it as weak, as numpy), else its logs."""
    return x if type(x) in _np._WEAK_SCALARS else _as_logs(x, name)


def _result_dtype(*arrays: Any) -> np.dtype[Any]:
    """As the numpy kernels' result dtype: Python scalars are weak (NEP 50)."""
    return _np._result_dtype(
        *(a if type(a) in _np._WEAK_SCALARS or isinstance(a, np.dtype) else a.dtype for a in arrays)
    )



def _bools(x: Any) -> Any:
    return x.astype(bool) if isinstance(x, da.Array) else np.asarray(x, dtype=bool)


# ---------------------------------------------------------------------------
# Elementwise kernels
# ---------------------------------------------------------------------------


def logaddexp(a: Any, b: Any) -> da.Array:
    x, y = _scalar_or_logs(a, "logaddexp"), _scalar_or_logs(b, "logaddexp")
    return _elemwise(_np.logaddexp, x, y, dtype=_result_dtype(_np._weak_or(a, x), _np._weak_or(b, y)))


def log1pexp(x: Any) -> da.Array:
    arr = _as_logs(x, "log1pexp")
    return _elemwise(_np.log1pexp, arr, dtype=_result_dtype(arr))


def log1mexp(x: Any) -> da.Array:
    arr = _as_logs(x, "log1mexp")
    return _elemwise(_np.log1mexp, arr, dtype=_result_dtype(arr))


def logsubexp(a: Any, b: Any) -> da.Array:
    x, y = _scalar_or_logs(a, "logsubexp"), _scalar_or_logs(b, "logsubexp")
    return _elemwise(_np.logsubexp, x, y, dtype=_result_dtype(_np._weak_or(a, x), _np._weak_or(b, y)))


def _signed_log(logaddexp_signed: Callable[..., Any], la: Any, na: Any, lb: Any, nb: Any) -> Any:
    return logaddexp_signed(la, na, lb, nb)[0]


def logaddexp_signed(log_a: Any, neg_a: Any, log_b: Any, neg_b: Any) -> tuple[da.Array, da.Array]:
    la, lb = _as_logs(log_a, "logaddexp_signed"), _as_logs(log_b, "logaddexp_signed")
    na, nb = _bools(neg_a), _bools(neg_b)
    dtype = _result_dtype(_np._weak_or(log_a, la), _np._weak_or(log_b, lb))
    log = _elemwise(_bound(_signed_log, _np.logaddexp_signed), la, na, lb, nb, dtype=_FLOAT64).astype(dtype)
    # The sign of the larger magnitude, as the numpy kernel takes it (a nan
    # comparison picks b's sign there too); a cheap graph of its own.
    neg = da.where(da.greater_equal(la, lb), na, nb)
    return log, neg


# ---------------------------------------------------------------------------
# Reductions: the (max, s) state
# ---------------------------------------------------------------------------


def _pack(amax: Any, s: Any) -> Any:
    state = np.empty(np.shape(amax), dtype=_STATE)
    state.real = amax
    state.imag = s
    return state


# The functions that run inside tasks take the numpy kernels they need as
# their first arguments (bound with functools.partial when the graph is
# built): a worker process unpickles them by reference, without bind().


def _bound(func: Callable[..., Any], *numpy_kernels: Callable[..., Any]) -> Any:
    """``func`` with ``numpy_kernels`` as its first arguments, keeping its name (dask names tasks by it)."""
    return functools.update_wrapper(functools.partial(func, *numpy_kernels), func)


def _lse_chunk(lse_state: Callable[..., Any], x: Any, axis: tuple[int, ...], keepdims: bool = True) -> Any:
    """The state of one chunk (keepdims shape), by the numpy kernel's streaming sum."""
    return _pack(*lse_state(x, axis))


def _merge(layout: Callable[..., Any], reduced_last: Callable[..., Any], state: Any, axis: Any) -> tuple[Any, Any]:
    """Merge the states along ``axis`` into one (keepdims shape).

    With M the largest of the maxima m_i (at i = k), the merged sum is
    s_k + sum over i != k of (1 + s_i) exp(m_i - M): chunk k keeps its
    maximum out of the sum, every other chunk brings its maximum back in as
    the 1 (so ties across chunks are counted). Shifts are differences of
    input values; a non-finite M shifts by 0 so that inf and nan propagate.
    """
    _, _, keepdims_shape = layout(state.shape, axis)
    m = reduced_last(np.ascontiguousarray(state.real), axis)
    s = reduced_last(np.ascontiguousarray(state.imag), axis)
    k = np.argmax(m, axis=-1, keepdims=True)
    top = np.take_along_axis(m, k, axis=-1)
    shift = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        terms = (1.0 + s) * np.exp(m - shift)
    np.put_along_axis(terms, k, np.take_along_axis(s, k, axis=-1), axis=-1)
    return top.reshape(keepdims_shape), terms.sum(axis=-1, keepdims=True).reshape(keepdims_shape)


def _lse_combine(
    layout: Callable[..., Any], reduced_last: Callable[..., Any], state: Any, axis: Any, keepdims: bool = True
) -> Any:
    return _pack(*_merge(layout, reduced_last, state, axis))


def _lse_aggregate(
    layout: Callable[..., Any],
    reduced_last: Callable[..., Any],
    state: Any,
    axis: Any,
    keepdims: bool = False,
    dtype: Any = _FLOAT64,
) -> Any:
    """The log-sum-exp amax + log1p(s) of the merged state, in ``dtype``."""
    top, total = _merge(layout, reduced_last, state, axis)
    with np.errstate(invalid="ignore"):
        res = top + np.log1p(total)
    if not keepdims:
        res = res.reshape(layout(state.shape, axis)[1])
    return res.astype(dtype, copy=False)


def _state_reduction(x: da.Array, axis: Any, keepdims: bool, dtype: Any, aggregate: Callable[..., Any]) -> da.Array:
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim)
    ndim = x.ndim if keepdims else x.ndim - len(axes)
    return da.reduction(
        x,
        _bound(_lse_chunk, _np._lse_state),
        _bound(aggregate, _np._reduction_layout, _np._reduced_last),
        combine=_bound(_lse_combine, _np._reduction_layout, _np._reduced_last),
        axis=axes,
        keepdims=keepdims,
        dtype=dtype,
        concatenate=True,
        name="logsumexp",
        meta=np.empty((0,) * ndim, dtype=dtype),
    )


def _state(x: da.Array, axis: Any) -> da.Array:
    """The merged (max, s) state along ``axis`` (keepdims shape), packed."""
    return _state_reduction(x, axis, True, _STATE, _lse_combine)


def _lse_sign(res: Any) -> Any:
    sign = np.where(res == -np.inf, 0.0, 1.0)
    return np.where(np.isnan(res), np.nan, sign)


def logsumexp(
    a: Any,
    axis: int | tuple[int, ...] | None = None,
    b: Any = None,
    keepdims: bool = False,
    return_sign: bool = False,
) -> Any:
    x = _as_logs(a, "logsumexp")
    if b is not None:
        w = _as_logs(b, "logsumexp")
        return _weighted_logsumexp(x, w, axis, keepdims, return_sign, _result_dtype(x, _np._weak_or(b, w)))
    dtype = _result_dtype(x)
    res = _state_reduction(as_dask(x), axis, keepdims, dtype, _lse_aggregate)
    if return_sign:
        return res, _elemwise(_lse_sign, res, dtype=dtype)
    return res


def _signed_terms(x: Any, w: Any, positive: bool) -> Any:
    """log(|w| exp(x)) where w has the given sign, else -inf; nan where undefined.

    As the numpy kernel: a zero weight removes its term (whatever x is), and
    a nan, or an infinite weight on a zero, makes the sum undefined.
    """
    x = np.where(w == 0.0, -np.inf, x)
    undefined = np.isnan(x) | np.isnan(w) | (np.isinf(w) & (x == -np.inf))
    terms = np.where(w > 0.0 if positive else w < 0.0, x + np.log(np.abs(w)), -np.inf)
    return np.where(undefined, np.nan, terms)


def _sign_from(res: Any, negative: Any) -> Any:
    sign = np.where(res == -np.inf, 0.0, np.where(negative, -1.0, 1.0))
    return np.where(np.isnan(res), np.nan, sign)


def _negative_to_nan(res: Any, negative: Any) -> Any:
    return np.where(negative & (res > -np.inf), np.nan, res)


def _weighted_logsumexp(x: Any, w: Any, axis: Any, keepdims: bool, return_sign: bool, dtype: np.dtype[Any]) -> Any:
    """sum(w exp(x)) as the positive-weight sum minus the negative-weight sum.

    Each side is an unweighted log-sum-exp of log(|w|) + x (exact for weights
    of +-1, as the signs of a LogArray are), and the two are subtracted once
    at the end: where they nearly cancel, the result carries their rounding
    errors divided by the relative size of the difference (the condition
    number of the sum).
    """
    xs, ws = da.broadcast_arrays(as_dask(x), as_dask(w))
    terms = [_elemwise(_signed_terms, xs, ws, positive, dtype=_FLOAT64) for positive in (True, False)]
    sides = [_state_reduction(side, axis, keepdims, _FLOAT64, _lse_aggregate) for side in terms]
    res, negative = logaddexp_signed(sides[0], False, sides[1], True)
    if return_sign:
        return res.astype(dtype), _elemwise(_sign_from, res, negative, dtype=dtype)
    return _elemwise(_negative_to_nan, res, negative, dtype=dtype)


# ---------------------------------------------------------------------------
# argmax / argmin: numpy's first-occurrence rule across chunks
# ---------------------------------------------------------------------------
#
# dask's own arg reductions break ties between chunks by the order in which
# the chunks are concatenated, which for axis=None on a 2-D array is not
# the order of the flattened index (14 where numpy says 5). Here the chunk
# step is dask's (the first occurrence within a chunk, as a global index)
# and the merge keeps, among the extreme values (any nan first, as numpy),
# the lowest index.


def _first_extreme(largest: bool, data: Any, axis: Any, keepdims: bool) -> tuple[Any, Any]:
    vals, arg = data["vals"], data["arg"]
    flat = len(axis) == vals.ndim or vals.ndim == 1
    if flat:
        shape = (1,) * vals.ndim if keepdims else ()
        vals, arg, along = vals.reshape(-1), arg.reshape(-1), 0
    else:
        along = axis[0]
    with np.errstate(invalid="ignore"):
        best = (np.max if largest else np.min)(vals, axis=along, keepdims=True)
        candidate = np.where(np.isnan(best), np.isnan(vals), vals == best)
    first = np.where(candidate, arg, np.iinfo(arg.dtype).max).min(axis=along, keepdims=True)
    if flat:  # numpy scalars without keepdims, as np.argmax gives
        return first.reshape(shape)[()], best.reshape(shape)[()]
    if not keepdims:
        return np.squeeze(first, along), np.squeeze(best, along)
    return first, best


def _first_combine(largest: bool, data: Any, axis: Any = None, keepdims: bool = True, **kwargs: Any) -> Any:
    arg, vals = _first_extreme(largest, data, axis, keepdims)
    result = np.empty(vals.shape, dtype=[("vals", vals.dtype), ("arg", arg.dtype)])
    result["vals"] = vals
    result["arg"] = arg
    return result


def _first_agg(largest: bool, data: Any, axis: Any = None, keepdims: bool = False, **kwargs: Any) -> Any:
    return _first_extreme(largest, data, axis, keepdims)[0]


def arg_extreme(x: Any, axis: Any, keepdims: bool, largest: bool) -> da.Array:
    """np.argmax (``largest``) or np.argmin of a dask array, ties to the lowest index as numpy."""
    from dask.array.reductions import arg_chunk, arg_reduction

    x = as_dask(x)
    extreme, position = (np.max, np.argmax) if largest else (np.min, np.argmin)
    chunk = functools.partial(arg_chunk, extreme, position)
    return arg_reduction(
        x,
        chunk,
        functools.partial(_first_combine, largest),
        functools.partial(_first_agg, largest),
        axis=axis,
        keepdims=keepdims,
    )


# ---------------------------------------------------------------------------
# Running sums and softmax
# ---------------------------------------------------------------------------


def _cum_chunk(logcumsumexp: Callable[..., Any], x: Any, axis: int, dtype: Any = None) -> Any:
    with np.errstate(all="ignore"):
        return np.asarray(logcumsumexp(x, axis=axis))


def _total_chunk(logsumexp: Callable[..., Any], x: Any, axis: int, keepdims: bool = True) -> Any:
    with np.errstate(all="ignore"):
        return np.asarray(logsumexp(x, axis=axis, keepdims=True))


def _log_add(logaddexp: Callable[..., Any], a: Any, b: Any) -> Any:
    with np.errstate(all="ignore"):
        return np.asarray(logaddexp(a, b))


def logcumsumexp(a: Any, axis: int | None = None) -> da.Array:
    """Prefix log-sum-exps: Blelloch's scan over chunks with log-add.

    Each chunk's own running sums come from the numpy kernel; the total of
    every earlier chunk reaches it through a tree of log-adds (2 log2 of the
    number of chunks deep, not a chain), so the error grows with the log of
    the number of chunks.
    """
    x = _as_logs(a, "logcumsumexp")
    dtype = _result_dtype(x)
    x = as_dask(x).astype(_FLOAT64)
    if axis is None:
        x = x.ravel()
        axis = 0
    axis = normalize_axis_index(axis, x.ndim)
    out = cumreduction(
        _bound(_cum_chunk, _np.logcumsumexp),
        _bound(_log_add, _np.logaddexp),
        -np.inf,
        x,
        axis=axis,
        dtype=_FLOAT64,
        method="blelloch",
        preop=_bound(_total_chunk, _np.logsumexp),
    )
    return out.astype(dtype)


def _log_softmax_chunk(x: Any, state: Any) -> Any:
    return (x.astype(np.float64) - state.real) - np.log1p(state.imag)


def _softmax_chunk(x: Any, state: Any) -> Any:
    return np.exp(x.astype(np.float64) - state.real) / (1.0 + state.imag)


def log_softmax(a: Any, axis: int | tuple[int, ...] | None = None) -> da.Array:
    x = _as_logs(a, "log_softmax")
    return _elemwise(_log_softmax_chunk, x, _state(as_dask(x), axis), dtype=_result_dtype(x))


def softmax(a: Any, axis: int | tuple[int, ...] | None = None) -> da.Array:
    x = _as_logs(a, "softmax")
    return _elemwise(_softmax_chunk, x, _state(as_dask(x), axis), dtype=_result_dtype(x))


# ---------------------------------------------------------------------------
# Log-semiring matrix product
# ---------------------------------------------------------------------------


def _exp_shifted(x: Any, shift: Any) -> Any:
    return np.exp(x - shift)


def _finite_or_zero(x: Any) -> Any:
    return np.where(np.isfinite(x), x, 0.0)


def prepare_logmatmul(x: Any, side: str) -> tuple[da.Array, da.Array]:
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', not {side!r}")
    arr = as_dask(_as_logs(x, "prepare_logmatmul")).astype(_FLOAT64)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :] if side == "left" else arr[:, np.newaxis]
    axis = -1 if side == "left" else -2
    if arr.shape[axis] == 0:
        shape = list(arr.shape)
        shape[axis] = 1
        return da.zeros(tuple(shape)), arr
    # The numpy kernel's rule, lazily: no shift when every log is in exp's
    # safe range (or -inf), else the line's finite maximum, +inf for a line
    # holding +inf, 0 for a line of -inf.
    top = arr.max(axis=axis, keepdims=True)
    finite_top = da.where(da.isfinite(arr), arr, -np.inf).max(axis=axis, keepdims=True)
    has_inf = (arr == np.inf).any(axis=axis, keepdims=True)
    finite_or_zero = _elemwise(_finite_or_zero, finite_top, dtype=_FLOAT64)
    shift = da.where(da.isfinite(top), top, da.where(has_inf, np.inf, finite_or_zero))
    finite_logs = da.where(arr == -np.inf, 0.0, arr)
    safe = (top <= _np._EXP_SAFE).all() & (finite_logs.min() >= -_np._EXP_SAFE)
    shift = da.where(safe, 0.0, shift)
    return shift, _elemwise(_exp_shifted, arr, shift, dtype=_FLOAT64)


def _block_logmatmul(logmatmulexp: Callable[..., Any], x: Any, y: Any) -> Any:
    """One block of ``a`` times one block of ``b``, with a length-1 axis for their k block."""
    with np.errstate(all="ignore"):
        return np.expand_dims(np.asarray(logmatmulexp(x, y)), -2)


def logmatmulexp(a: Any, b: Any, *, prepared_a: Any = None, prepared_b: Any = None) -> da.Array:
    """log(exp(a) @ exp(b)) over blocks: every block pair, then log-sum-exp over k blocks.

    The pair (i, k) x (k, j) of blocks is multiplied by the numpy kernel
    (shifted BLAS product, exact recomputation of underflowed entries), which
    gives the log of that block's part of the sum over k; the parts are then
    added by :func:`logsumexp`'s tree reduction over the k blocks.
    ``prepared_a``/``prepared_b`` are accepted and not needed: every block
    pair is exponentiated inside its own task.
    """
    x = _as_logs(a, "logmatmulexp")
    y = _as_logs(b, "logmatmulexp")
    dtype = _result_dtype(x, y)
    x, y, vector_a, vector_b = _np._matmul_operands(as_dask(x).astype(_FLOAT64), as_dask(y).astype(_FLOAT64))
    batch = np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    x = da.broadcast_to(x, batch + x.shape[-2:])
    y = da.broadcast_to(y, batch + y.shape[-2:])
    nb = len(batch)
    outer = tuple(range(nb))
    i, k, j = nb, nb + 1, nb + 2
    parts = da.blockwise(
        _bound(_block_logmatmul, _np.logmatmulexp),
        outer + (i, k, j),
        x,
        outer + (i, k),
        y,
        outer + (k, j),
        adjust_chunks={k: 1},
        dtype=_FLOAT64,
        meta=np.empty((0,) * (nb + 3)),
    )
    out = _state_reduction(parts, k, False, _FLOAT64, _lse_aggregate)
    if vector_a:
        out = out[..., 0, :]
    if vector_b:
        out = out[..., 0]
    return out.astype(dtype)


def _block_maxmatmul(maxmatmul: Callable[..., Any], x: Any, y: Any) -> Any:
    """The numpy max-plus product of one row block by one column block (whole k), maxima and argmax stacked."""
    out, arg = maxmatmul(x, y, return_argmax=True)
    return np.stack([out, arg.astype(_FLOAT64)], axis=-1)  # an argmax below 2**53 is exact as a float


def maxmatmul(a: Any, b: Any, return_argmax: bool = False) -> Any:
    """The max-plus product over blocks: each block of rows by each block of columns, with all of k.

    The contracted dimension is gathered into one block per pair (dask's
    ``blockwise`` with ``concatenate``), so every entry is the numpy
    kernel's, argmax included (maxima and argmax travel together, the argmax
    as an exact float).
    """
    x = _as_logs(a, "maxmatmul")
    y = _as_logs(b, "maxmatmul")
    dtype = _result_dtype(x, y)
    x, y, vector_a, vector_b = _np._matmul_operands(as_dask(x).astype(_FLOAT64), as_dask(y).astype(_FLOAT64))
    if x.shape[-1] == 0 and return_argmax:
        raise ValueError("maxmatmul: attempt to get argmax of an empty sequence (the contracted dimension is 0)")
    batch = np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    x = da.broadcast_to(x, batch + x.shape[-2:])
    y = da.broadcast_to(y, batch + y.shape[-2:])
    nb = len(batch)
    outer = tuple(range(nb))
    i, k, j, pair = nb, nb + 1, nb + 2, nb + 3
    both = da.blockwise(
        _bound(_block_maxmatmul, _np.maxmatmul),
        outer + (i, j, pair),
        x,
        outer + (i, k),
        y,
        outer + (k, j),
        concatenate=True,
        new_axes={pair: 2},
        dtype=_FLOAT64,
        meta=np.empty((0,) * (nb + 3)),
    )
    out, arg = both[..., 0], both[..., 1].astype(np.intp)
    if vector_a:
        out, arg = out[..., 0, :], arg[..., 0, :]
    if vector_b:
        out, arg = out[..., 0], arg[..., 0]
    out = out.astype(dtype)
    return (out, arg) if return_argmax else out


# ---------------------------------------------------------------------------
# The dask collection protocol of a dask-backed LogArray
# ---------------------------------------------------------------------------
#
# A LogArray is a collection made of its logs and, when signed, its signs:
# the graph is theirs merged, the keys are theirs (a pair of key lists when
# signed), and the post-compute and post-persist functions rebuild a
# LogArray from what dask gives back for each part.


def _same(block: Any) -> Any:
    return block


def _output(part: da.Array, other: Any) -> da.Array:
    """``part``, or an alias of it when ``other`` was computed from it.

    dask's finalizing step expects every output of a collection to be a leaf
    of its graph, and fuses away a layer that only feeds another one; the
    signs are often computed from the logs (or the reverse), so such a part
    is given a leaf layer of its own (one no-op task per chunk).
    """
    if isinstance(other, da.Array) and part.name in other.dask.layers:
        return da.map_blocks(_same, part, dtype=part.dtype, meta=part._meta, name=f"logspace-part-{part.name}")
    return part


def _lazy_parts(log: Any, neg: Any) -> list[da.Array]:
    """The dask arrays a LogArray is made of, as its outputs (see :func:`_output`)."""
    if not isinstance(neg, da.Array):
        return [log]
    return [_output(log, neg), _output(neg, log)]


def graph(log: Any, neg: Any) -> Any:
    graphs = [part.__dask_graph__() for part in _lazy_parts(log, neg)]
    return graphs[0] if len(graphs) == 1 else HighLevelGraph.merge(*graphs)


def keys(log: Any, neg: Any) -> list[Any]:
    parts = _lazy_parts(log, neg)
    if len(parts) == 1:
        return log.__dask_keys__()
    return [part.__dask_keys__() for part in parts]


def layers(log: Any, neg: Any) -> tuple[str, ...]:
    return tuple(name for part in _lazy_parts(log, neg) for name in part.__dask_layers__())


def tokenize(log: Any, neg: Any) -> Any:
    return ("logspace.LogArray", dask.base.tokenize(log), dask.base.tokenize(neg))


# The caller (the type layer) passes ``build(log, neg)``, which makes its
# object from the computed or persisted parts: the kernels never import the
# types.


def _finish(results: Any, log_finish: Any, neg_finish: Any, neg: Any, build: Callable[..., Any]) -> Any:
    """The caller's object (``build(log, neg)``) from the computed parts."""
    if neg_finish is None:
        log = log_finish[0](results, *log_finish[1])
    else:
        log = log_finish[0](results[0], *log_finish[1])
        neg = neg_finish[0](results[1], *neg_finish[1])
    return build(log, neg)


def postcompute(log: Any, neg: Any, build: Callable[..., Any]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    parts = _lazy_parts(log, neg)
    if len(parts) == 1:
        return _finish, (log.__dask_postcompute__(), None, neg, build)
    return _finish, (parts[0].__dask_postcompute__(), parts[1].__dask_postcompute__(), None, build)


def _rebuild(
    dsk: Any, log_rebuild: Any, neg_rebuild: Any, neg: Any, build: Callable[..., Any], rename: Any = None
) -> Any:
    log = log_rebuild[0](dsk, *log_rebuild[1], rename=rename)
    if neg_rebuild is not None:
        neg = neg_rebuild[0](dsk, *neg_rebuild[1], rename=rename)
    return build(log, neg)


def postpersist(log: Any, neg: Any, build: Callable[..., Any]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    parts = _lazy_parts(log, neg)
    if len(parts) == 1:
        return _rebuild, (log.__dask_postpersist__(), None, neg, build)
    return _rebuild, (parts[0].__dask_postpersist__(), parts[1].__dask_postpersist__(), None, build)


def compute(x: Any, **kwargs: Any) -> Any:
    (result,) = dask.compute(x, **kwargs)
    return result


def persist(x: Any, **kwargs: Any) -> Any:
    (result,) = dask.persist(x, **kwargs)
    return result


def describe(log: Any, neg: Any) -> str:
    """The repr of a dask-backed LogArray, from metadata only (as dask's own)."""
    signed = ", signed" if neg is not None else ""
    return f"LogArray<dask, shape={log.shape}, dtype={log.dtype}, chunksize={log.chunksize}{signed}>"
