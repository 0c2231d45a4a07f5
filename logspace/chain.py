"""Whole recursions over linear chains (HMMs, CRFs) in one call.

For a chain with K states, every argument is a :class:`~logspace.LogArray` or
anything ``LogArray()`` accepts (plain arrays are linear weights):

- ``init`` (K,): initial weights;
- ``trans`` (K, K): ``trans[i, j]`` is the weight of moving from i to j; or
  time-varying (T-1, K, K);
- ``emis`` (T, K): ``emis[t, j]`` is the weight of observation t in state j
  (for a discrete HMM with emission matrix ``B``, ``B[:, obs].T``).

With ``alpha_0 = init * emis[0]`` and ``alpha_t = (alpha_{t-1} @ trans) *
emis[t]``, :func:`likelihood` is ``alpha_{T-1}.sum()``; :func:`forward`,
:func:`backward`, :func:`posteriors`, :func:`transition_posteriors`,
:func:`viterbi` and :func:`sample` are the rest of the usual toolbox. Batches
put a leading axis N on ``emis`` (and optionally on ``init`` and ``trans``);
``lengths=`` gives sequences of different lengths, padded at the end.

The recursions run in a C extension where it was built, else in numpy (the
same rules; ``LOGSPACE_PURE_PYTHON=1`` turns the extension off). Both keep the
state vector linear, scaled by exact powers of two, while a step provably stays
in the normal float range, and take exact log-domain steps where it might not.

Torch- and JAX-backed arguments (LogArrays of their logs, or raw tensors of
linear weights) run in that library, on its device (``logspace._chain_xp``;
``jax.lax.scan`` on JAX), with results of that library; ``likelihood`` then
has a gradient rule whose backward pass is forward-backward (docs/backends.md).

Accuracy bound (u = 2**-53): the log-likelihood's absolute error is at most
``2 (K + 2) T u + 2 u S`` with ``S = sum_t max_j |log emis[t, j]| + |log L|``
(the last term is the float64 representation limit of the logs themselves);
posteriors are within ``4 (K + 2) T u`` absolute. Viterbi is max-plus in logs
(no rounding in the comparisons beyond the additions of the given logs).

>>> import numpy as np
>>> from logspace import chain
>>> init = np.array([0.5, 0.5])
>>> trans = np.array([[0.9, 0.1], [0.2, 0.8]])
>>> emis = np.array([[0.7, 0.1], [0.7, 0.1], [0.01, 0.6]])
>>> round(float(chain.likelihood(init, trans, emis)), 12)
0.0193125
>>> chain.viterbi(init, trans, emis)
(array([0, 0, 1]), LogFloat(0.01323))
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from logspace import _backends, _chain_numpy, _chain_xp, _kernels, _native
from logspace._array import LogArray
from logspace._scalar import LogFloat

__all__ = [
    "backward",
    "forward",
    "likelihood",
    "posteriors",
    "sample",
    "transition_posteriors",
    "viterbi",
]

#: Name of the compiled module (``python -m logspace --version`` reports it).
EXTENSION = "_c_chain"


def _engine() -> Any:
    compiled = _native.load(EXTENSION)
    return compiled if compiled is not None else _chain_numpy


# -- arguments ------------------------------------------------------------


@dataclass
class _Weights:
    """One argument: linear values (scaled), and the logs they came from, if any."""

    lin: Any  # float64 ndarray, C-contiguous; None for emissions kept only as logs (Viterbi)
    log: NDArray[Any] | None  # absolute logs (LogArray input) or None (linear input)
    shift: NDArray[Any] | None  # log offset per row/matrix: value = lin * exp(shift)
    lazy: Any = None  # a dask array of logs, for emis only
    base: float = 0.0  # a log offset common to every entry (emis only): value = lin * exp(base)

    @property
    def shape(self) -> tuple[int, ...]:
        if self.lazy is not None:
            return tuple(self.lazy.shape)
        return self.lin.shape if self.lin is not None else self.log.shape  # type: ignore[union-attr]

    def logs(self) -> NDArray[Any]:
        if self.log is not None:
            return self.log
        with np.errstate(divide="ignore"):
            return np.log(self.lin)

    def leading(self, n: int = 1) -> _Weights:
        """The same weights with n leading length-1 axes (shared across sequences or steps)."""
        pad = (1,) * n

        def grow(a: Any) -> Any:
            return None if a is None else a.reshape(pad + a.shape)

        return _Weights(grow(self.lin), grow(self.log), grow(self.shift), base=self.base)


_SCRATCH = threading.local()


def _scratch(shape: tuple[int, ...], name: str = "emis", dtype: Any = np.float64) -> NDArray[Any]:
    """A float64 buffer for the linear emissions, kept per thread between calls.

    The emissions are the one input-sized temporary; allocating it afresh
    makes the kernel map and zero new pages at every call, which cost as much
    as the recursion itself at T = 10**4. No result refers to it.
    """
    size = math.prod(shape)
    buf = getattr(_SCRATCH, name, None)
    if buf is None or buf.size < size:
        buf = np.empty(size, dtype=dtype)
        setattr(_SCRATCH, name, buf)
    return buf[:size].reshape(shape)


def _weights(x: Any, name: str, core: int, keep_logs: bool = False, linear: bool = True) -> _Weights:
    """Validate one argument; ``core`` is the number of trailing axes one row spans.

    A LogArray's logs are shifted by the maximum of each row and
    exponentiated; with ``keep_logs`` (emissions, made linear row by row in
    the compiled loop) only the logs are kept.
    """
    if not isinstance(x, LogArray):
        arr = x if isinstance(x, np.ndarray) else None
        if arr is None and not isinstance(x, LogFloat) and not _backends.is_lazy(x):
            try:
                arr = np.asarray(x)
            except (TypeError, ValueError):
                arr = None
        if arr is not None and arr.dtype.kind in "biuf":
            lin = np.ascontiguousarray(arr, dtype=np.float64)
            if lin.size:
                smallest, largest = lin.min(), lin.max()  # nan propagates through both
                if np.isnan(smallest):
                    raise ValueError(f"{name}: weights must not be nan")
                if smallest < 0:
                    raise ValueError(f"{name}: weights must be non-negative")
                if largest == np.inf:
                    raise ValueError(f"{name}: weights must be finite")
            return _Weights(lin, None, None)
        x = LogArray(x)
    if x.signed and bool(np.asarray((x.sign < 0).any())):
        raise ValueError(f"{name}: weights must be non-negative")
    if _backends.is_lazy(x.log):
        return _Weights(None, None, None, lazy=x.log)
    log = np.ascontiguousarray(x.log, dtype=np.float64)
    if log.size:
        largest = log.max()
        if np.isnan(largest):
            raise ValueError(f"{name}: weights must not be nan")
        if largest == np.inf:
            raise ValueError(f"{name}: weights must be finite")
    if keep_logs and not linear:  # Viterbi works on the logs alone
        return _Weights(None, log, None)
    if keep_logs:  # one common shift: a single vectorised exp; rows that underflow are redone per row in C
        base = float(largest) if log.size and largest > -np.inf else 0.0
        lin = _scratch(log.shape)
        np.subtract(log, base, out=lin)
        np.exp(lin, out=lin)
        return _Weights(lin, log, None, base=base)
    axes = tuple(range(log.ndim - core, log.ndim))
    shift = log.max(axis=axes, keepdims=True) if log.size else np.zeros(log.shape[: log.ndim - core] + (1,) * core)
    shift[shift == -np.inf] = 0.0
    lin = np.exp(log - shift)
    return _Weights(lin, log, shift.reshape(log.shape[: log.ndim - core]).copy())


@dataclass
class _Chain:
    """Validated arguments, broadcast to N sequences."""

    K: int
    T: int
    N: int
    batched: bool
    lengths: NDArray[np.intp]
    init: _Weights | None
    trans: _Weights  # (N or 1, S, K, K) with S = 1 (shared) or T-1 (time-varying)
    emis: _Weights  # (N, T, K)
    time_varying: bool

    def sequence(self, n: int, need_transposed: bool = False) -> tuple[int, tuple[Any, ...]]:
        """(length, engine arguments) of sequence n."""
        L = int(self.lengths[n])
        K = self.K
        init = self.init
        if init is None:
            il: Any = np.ones(K)
            ig: Any = None
            ish: Any = None
        else:
            i = 0 if init.lin.shape[0] == 1 else n
            il = init.lin[i]
            ig = None if init.log is None else init.log[i]
            ish = None if init.shift is None else init.shift[i : i + 1]
        tr = self.trans
        m = 0 if tr.lin.shape[0] == 1 else n
        rows = slice(None) if not self.time_varying else slice(0, max(L - 1, 1))
        tl = tr.lin[m, rows]
        tg = None if tr.log is None else tr.log[m, rows]
        tsh = None if tr.shift is None else tr.shift[m, rows]
        if self.time_varying and L == 1:  # no step uses trans
            tl, tg, tsh = tl[:1], None if tg is None else tg[:1], None if tsh is None else tsh[:1]
        tTl: Any = None
        tTg: Any = None
        if need_transposed:
            tTl = np.ascontiguousarray(tl.swapaxes(-1, -2))
            tTg = None if tg is None else np.ascontiguousarray(tg.swapaxes(-1, -2))
        em = self.emis
        el = None if em.lin is None else em.lin[n, :L]
        eg = None if em.log is None else em.log[n, :L]
        esh = None if em.shift is None else em.shift[n, :L]
        return L, (K, L, il, ig, ish, tl, tg, tsh, tTl, tTg, el, eg, esh, em.base)


def _check_lengths(lengths: Any, N: int, T: int, batched: bool) -> NDArray[np.intp]:
    if lengths is None:
        return np.full(N, T, dtype=np.intp)
    if not batched:
        raise ValueError("lengths: only for a batch (emis of shape (N, T, K))")
    arr = np.asarray(lengths)
    if arr.shape != (N,) or arr.dtype.kind not in "iu":
        raise ValueError(f"lengths: expected {N} integers (one per sequence), got shape {arr.shape} {arr.dtype}")
    if (arr < 1).any() or (arr > T).any():
        raise ValueError(f"lengths: every length must lie in 1..{T} (the padded length)")
    return arr.astype(np.intp)


def _layout(
    e_shape: tuple[int, ...], t_shape: tuple[int, ...], i_shape: tuple[int, ...] | None
) -> tuple[int, int, int, bool, bool]:
    """``(N, T, K, batched, time_varying)`` from the shapes of emis, trans and init (None: no init)."""
    if len(e_shape) not in (2, 3):
        raise ValueError(f"emis: expected shape (T, K) or (N, T, K), got {e_shape}")
    batched = len(e_shape) == 3
    N, T, K = e_shape if batched else (1, *e_shape)
    if T < 1 or K < 1:
        raise ValueError(f"emis: needs at least one step and one state, got shape {e_shape}")
    ts = t_shape
    if len(ts) == 2 and ts == (K, K):
        time_varying = False
    elif len(ts) == 3 and ts == (T - 1, K, K) and T > 1:
        time_varying = True
    elif len(ts) == 4 and batched and ts[0] == N and ts[1] in (1, T - 1) and ts[2:] == (K, K):
        time_varying = ts[1] == T - 1 and T > 1
    else:
        expected = f"({K}, {K}), ({T - 1}, {K}, {K})" + (f" or ({N}, {T - 1} or 1, {K}, {K})" if batched else "")
        raise ValueError(f"trans: expected shape {expected}, got {ts}")
    if i_shape is not None and i_shape != (K,) and not (batched and i_shape == (N, K)):
        raise ValueError(f"init: expected shape ({K},)" + (f" or ({N}, {K})" if batched else "") + f", got {i_shape}")
    return N, T, K, batched, time_varying


def _chain(init: Any, trans: Any, emis: Any, lengths: Any = None, lazy_ok: bool = False, linear: bool = True) -> _Chain:
    e = _weights(emis, "emis", 1, keep_logs=True, linear=linear)
    if e.lazy is not None and not lazy_ok:
        raise TypeError("emis: a dask-backed emis is supported by chain.likelihood only")
    if len(e.shape) not in (2, 3):
        raise ValueError(f"emis: expected shape (T, K) or (N, T, K), got {e.shape}")
    t = _weights(trans, "trans", 2)
    i = None if init is None else _weights(init, "init", 1)
    N, T, K, batched, time_varying = _layout(e.shape, t.shape, None if i is None else i.shape)
    if e.lazy is None and not batched:
        e = e.leading()
    t = t.leading(4 - len(t.shape))
    if i is not None and i.shape == (K,):
        i = i.leading(1)
    return _Chain(K, T, N, batched, _check_lengths(lengths, N, T, batched), i, t, e, time_varying)


def _device(init: Any, trans: Any, emis: Any, lengths: Any, linear_ok: bool = False) -> Any:
    """The arguments as a problem for :mod:`logspace._chain_xp`, or None for numpy (and dask) input."""
    if _chain_xp.on_backend(init, trans, emis) is None:
        return None
    return _chain_xp.prepare(init, trans, emis, lengths, _layout, linear_ok=linear_ok)


def _on_buffers(problem: Any, function: Any, *args: Any) -> Any:
    """``function`` (this module's, on numpy arguments) on the buffers of CPU tensors, as torch results.

    Silently, as on the other backends: a sequence of weight zero gives nan
    posteriors without numpy's warning.
    """
    with np.errstate(invalid="ignore"):
        return _chain_xp.from_host(problem, function(*args))


def _scalar_or_batch(logs: NDArray[Any], batched: bool) -> Any:
    return LogArray.from_log(logs) if batched else LogFloat.from_log(float(logs[0]))


def _rows_to_logs(buf: NDArray[Any], flag: NDArray[Any], off: NDArray[Any] | None) -> NDArray[Any]:
    """Output rows, in place: linear (flag 0) or already logs (flag 1), plus an offset per row."""
    rows = flag.astype(bool)
    with np.errstate(divide="ignore"):
        if rows.any():
            np.log(buf, out=buf, where=~rows[:, None])
        else:
            np.log(buf, out=buf)
    if off is not None:
        buf += off[:, None]
    return buf


def _stacked(c: _Chain, rows: Any) -> tuple[NDArray[Any], NDArray[Any]]:
    """(N, T, K) logs from ``rows(n) -> (length, logs, total)``, weight 0 past each end; and the totals."""
    totals = np.empty(c.N)
    if c.N == 1 and c.lengths[0] == c.T:
        _, logs, totals[0] = rows(0)
        return logs[None], totals
    out = np.full((c.N, c.T, c.K), -np.inf)
    for n in range(c.N):
        L, logs, totals[n] = rows(n)
        out[n, :L] = logs
    return out, totals


def _nan_where_zero(logs: NDArray[Any], total: NDArray[Any]) -> None:
    """Rows of a sequence of weight zero: nan, with numpy's 0/0 warning."""
    dead = total == -np.inf
    if dead.any():
        zeros = np.zeros(int(dead.sum()))
        logs[dead] = (zeros / zeros)[:, None, None] if logs.ndim == 3 else (zeros / zeros)[:, None]


# -- public functions -----------------------------------------------------


def likelihood(init: Any, trans: Any, emis: Any, lengths: Any = None) -> Any:
    """Total weight of the chain: ``sum`` over all state paths of their weights.

    Parameters
    ----------
    init : array_like or LogArray, (K,) or (N, K)
        Initial weights.
    trans : array_like or LogArray, (K, K), (T-1, K, K) or (N, T-1 or 1, K, K)
        Transition weights ``trans[i, j]`` from i to j: shared, time-varying, per sequence.
    emis : array_like or LogArray, (T, K) or (N, T, K)
        Emission weights; may be dask-backed (chunks along time) with a 2-D ``trans``:
        per-chunk K x K transfer matrices are then reduced in a tree.
    lengths : array_like of int, (N,), optional
        Lengths of padded sequences.

    Returns
    -------
    LogFloat, or LogArray (N,) for a batch (a 0-d LogArray for torch or JAX arguments)
        The likelihood (``.log`` is the log-likelihood); for unnormalised weights the
        partition function. Absolute error of the log at most ``2 (K + 2) T u + 2 u S``
        (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> from logspace import LogArray, chain
    >>> emis = LogArray.from_log(np.full((100_000, 2), -1e4))  # far below float range
    >>> ll = chain.likelihood([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]], emis)
    >>> ll.log
    -1000000000.0
    """
    problem = _device(init, trans, emis, lengths, linear_ok=True)
    if problem is not None:
        if _chain_xp.on_host_buffers(problem, grad_rule=True):
            return _chain_xp.host_likelihood(problem, (likelihood, posteriors, transition_posteriors))
        return _chain_xp.likelihood(problem)
    c = _chain(init, trans, emis, lengths, lazy_ok=True)
    if c.emis.lazy is not None:
        return _lazy_likelihood(c)
    engine = _engine()
    out = np.empty(c.N)
    for n in range(c.N):
        _, args = c.sequence(n)
        out[n] = engine.forward(*args, None, None, None, None)
    return _scalar_or_batch(out, c.batched)


def _forward_rows(c: _Chain, n: int, engine: Any, offsets: bool = True) -> tuple[int, NDArray[Any], float]:
    """Logs of alpha for sequence n (without offsets: each row up to a constant factor)."""
    L, args = c.sequence(n)
    buf, flag, off, last = np.empty((L, c.K)), np.zeros(L, np.uint8), np.empty(L), np.empty(c.K)
    ll = engine.forward(*args, buf, flag, off, last)
    return L, _rows_to_logs(buf, flag, off if offsets else None), ll


def forward(init: Any, trans: Any, emis: Any, lengths: Any = None) -> LogArray:
    """Forward weights ``alpha[t, j]``: of observations 0..t with state t equal to j.

    Parameters
    ----------
    init, trans, emis, lengths
        As for :func:`likelihood`.

    Returns
    -------
    LogArray, (T, K) or (N, T, K)
        Past a sequence's end, weight 0.

    Examples
    --------
    >>> from logspace import chain
    >>> chain.forward([0.5, 0.5], [[1, 0], [0, 1]], [[0.5, 1], [0.5, 1]])
    LogArray([[0.25 , 0.5  ],
              [0.125, 0.5  ]])
    """
    problem = _device(init, trans, emis, lengths)
    if problem is not None:
        if _chain_xp.on_host_buffers(problem):  # torch on the CPU: on the tensors' buffers
            return _on_buffers(problem, forward, *_chain_xp.host_arguments(problem))
        return _chain_xp.forward(problem)
    c = _chain(init, trans, emis, lengths)
    engine = _engine()
    out, _ = _stacked(c, lambda n: _forward_rows(c, n, engine))
    return LogArray.from_log(out if c.batched else out[0])


def _backward_rows(c: _Chain, n: int, engine: Any, offsets: bool = True) -> tuple[int, NDArray[Any]]:
    L, args = c.sequence(n, need_transposed=True)
    buf, flag, off = np.empty((L, c.K)), np.zeros(L, np.uint8), np.empty(L)
    engine.backward(*args, buf, flag, off)
    return L, _rows_to_logs(buf, flag, off if offsets else None)


def backward(trans: Any, emis: Any, lengths: Any = None) -> LogArray:
    """Backward weights ``beta[t, i]``: of observations t+1.. given state i at t; ones at the last step.

    Parameters
    ----------
    trans, emis, lengths
        As for :func:`likelihood`.

    Returns
    -------
    LogArray, (T, K) or (N, T, K)
        Past a sequence's end, weight 0.

    Examples
    --------
    >>> from logspace import chain
    >>> chain.backward([[1, 0], [0, 1]], [[0.5, 1], [0.5, 1]])
    LogArray([[0.5, 1. ],
              [1. , 1. ]])
    """
    problem = _device(None, trans, emis, lengths)
    if problem is not None:
        if _chain_xp.on_host_buffers(problem):  # torch on the CPU: on the tensors' buffers
            _, t, e, n = _chain_xp.host_arguments(problem)
            return _on_buffers(problem, backward, t, e, n)
        return _chain_xp.backward(problem)
    c = _chain(None, trans, emis, lengths)
    engine = _engine()
    out, _ = _stacked(c, lambda n: (*_backward_rows(c, n, engine), 0.0))
    return LogArray.from_log(out if c.batched else out[0])


def _posterior_rows(c: _Chain, n: int, engine: Any) -> tuple[int, NDArray[Any], float]:
    L, args = c.sequence(n, need_transposed=True)
    K = c.K
    abuf, aflag, aoff = _scratch((L, K), "alpha"), _scratch((L,), "flag", np.uint8), _scratch((L,), "off")
    gbuf, gflag = np.empty((L, K)), np.zeros(L, np.uint8)
    ll = engine.posteriors(*args, abuf, aflag, aoff, gbuf, gflag)
    return L, _rows_to_logs(gbuf, gflag, None), ll


def posteriors(init: Any, trans: Any, emis: Any, lengths: Any = None) -> LogArray:
    """State posteriors ``P(z_t = j | x)``: each row sums to 1.

    Parameters
    ----------
    init, trans, emis, lengths
        As for :func:`likelihood`.

    Returns
    -------
    LogArray, (T, K) or (N, T, K)
        Past a sequence's end, weight 0; a sequence of weight zero gives nan
        (with numpy's invalid-value warning). Absolute error at most ``4 (K + 2) T u``.

    Examples
    --------
    >>> from logspace import chain
    >>> chain.posteriors([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]], [[1, 3], [1, 1]])
    LogArray([[0.25, 0.75],
              [0.5 , 0.5 ]])
    """
    problem = _device(init, trans, emis, lengths)
    if problem is not None:
        if _chain_xp.on_host_buffers(problem):  # torch on the CPU: on the tensors' buffers
            return _on_buffers(problem, posteriors, *_chain_xp.host_arguments(problem))
        return _chain_xp.posteriors(problem)
    c = _chain(init, trans, emis, lengths)
    engine = _engine()
    out, totals = _stacked(c, lambda n: _posterior_rows(c, n, engine))
    _nan_where_zero(out, totals)
    return LogArray.from_log(out if c.batched else out[0])


def transition_posteriors(init: Any, trans: Any, emis: Any, lengths: Any = None) -> LogArray:
    """Expected transition counts: ``sum_t P(z_t = i, z_{t+1} = j | x)`` (what Baum-Welch needs).

    Parameters
    ----------
    init, trans, emis, lengths
        As for :func:`likelihood`.

    Returns
    -------
    LogArray
        (K, K) summed over t for a shared ``trans``; (T-1, K, K), one per step, for a
        time-varying one; with a leading N for a batch (steps past a sequence's end
        weigh 0). nan for a sequence of weight zero.

    Examples
    --------
    >>> from logspace import chain
    >>> chain.transition_posteriors([1, 0], [[0.5, 0.5], [0, 1]], [[1, 1], [1, 1]])
    LogArray([[0.5, 0.5],
              [0. , 0. ]])
    """
    problem = _device(init, trans, emis, lengths)
    if problem is not None:
        if _chain_xp.on_host_buffers(problem):  # torch on the CPU: on the tensors' buffers
            return _on_buffers(problem, transition_posteriors, *_chain_xp.host_arguments(problem))
        return _chain_xp.transition_posteriors(problem)
    c = _chain(init, trans, emis, lengths)
    engine = _engine()
    K, T = c.K, c.T
    n_steps = max(T - 1, 1)
    out = np.full((c.N, n_steps, K, K) if c.time_varying else (c.N, K, K), -np.inf)
    totals = np.empty(c.N)
    for n in range(c.N):
        # Each step's xi sums to 1 over (i, j): normalising per step needs no
        # offsets, whose logs are large where the weights are far below float range.
        L, alpha, totals[n] = _forward_rows(c, n, engine, offsets=False)
        _, beta = _backward_rows(c, n, engine, offsets=False)
        if L < 2 or totals[n] == -np.inf:
            continue
        m = 0 if c.trans.lin.shape[0] == 1 else n
        emis_logs = c.emis.logs()[n, 1:L]
        later = emis_logs + beta[1:L]  # (L-1, K): emission and backward weight of step t+1
        later -= later.max(axis=1, keepdims=True)
        block = max(1, (1 << 20) // (K * K))
        acc = np.full((K, K), -np.inf)
        for s in range(0, L - 1, block):
            e = min(s + block, L - 1)
            steps = slice(s, e) if c.time_varying else slice(0, 1)
            if c.trans.log is not None:  # shifted logs: the shift cancels too
                lt = c.trans.log[m, steps] - c.trans.shift[m, steps][..., None, None]  # type: ignore[index]
            else:
                with np.errstate(divide="ignore"):
                    lt = np.log(c.trans.lin[m, steps])
            xi = alpha[s:e, :, None] + lt + later[s:e, None, :]
            xi -= _kernels.logsumexp(xi, axis=(1, 2), keepdims=True)
            if c.time_varying:
                out[n, s:e] = xi
            else:
                acc = np.logaddexp(acc, _kernels.logsumexp(xi, axis=0))
        if not c.time_varying:
            out[n] = acc
    _nan_where_zero(out, totals)
    return LogArray.from_log(out if c.batched else out[0])


def viterbi(init: Any, trans: Any, emis: Any, lengths: Any = None) -> tuple[NDArray[np.intp], Any]:
    """The most probable state path and its joint weight with the observations.

    Max-plus in the log domain. Ties go to the lowest state index (numpy's
    argmax rule), at every step and at the end.

    Parameters
    ----------
    init, trans, emis, lengths
        As for :func:`likelihood`.

    Returns
    -------
    path : int ndarray, (T,) or (N, T) (the library's int array for torch or JAX arguments)
        -1 past a sequence's end; all zeros (the lowest indices) for a
        sequence of weight zero, where every path ties.
    weight : LogFloat, or LogArray (N,) for a batch

    Examples
    --------
    >>> from logspace import chain
    >>> path, weight = chain.viterbi([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]], [[1, 1], [1, 1]])
    >>> path, weight
    (array([0, 0]), LogFloat(0.25))
    """
    problem = _device(init, trans, emis, lengths)
    if problem is not None:
        if _chain_xp.on_host_buffers(problem):  # torch on the CPU: on the tensors' buffers
            return _on_buffers(problem, viterbi, *_chain_xp.host_arguments(problem))
        return _chain_xp.viterbi(problem)
    c = _chain(init, trans, emis, lengths, linear=False)
    engine = _engine()
    K = c.K
    paths = np.full((c.N, c.T), -1, dtype=np.intp)
    weights = np.empty(c.N)
    init_logs = c.init.logs() if c.init is not None else np.zeros((1, K))
    trans_logs = np.ascontiguousarray(c.trans.logs())
    emis_logs = c.emis.logs()
    for n in range(c.N):
        L = int(c.lengths[n])
        il = np.ascontiguousarray(init_logs[0 if init_logs.shape[0] == 1 else n])
        m = 0 if trans_logs.shape[0] == 1 else n
        lt = trans_logs[m, : max(L - 1, 1)] if c.time_varying else trans_logs[m]
        le = np.ascontiguousarray(emis_logs[n, :L])
        path = np.empty(L, dtype=np.intp)
        back = _scratch((L, K), "back", np.intp)  # every entry read is written first
        weights[n] = engine.viterbi(K, L, il, np.ascontiguousarray(lt), le, path, back)
        paths[n, :L] = path
    return (paths if c.batched else paths[0]), _scalar_or_batch(weights, c.batched)


def sample(
    init: Any, trans: Any, emis: Any, size: int | None = None, rng: Any = None, lengths: Any = None
) -> NDArray[np.intp]:
    """State paths drawn from the posterior: forward filtering, backward sampling.

    Parameters
    ----------
    init, trans, emis, lengths
        As for :func:`likelihood`.
    size : int, optional
        Number of paths; None for one.
    rng : numpy.random.Generator or int seed, optional

    Returns
    -------
    int ndarray (the library's int array for torch or JAX arguments: drawn on the host)
        (T,) or (size, T); for a batch (N, T) or (size, N, T), -1 past a sequence's end.

    Raises
    ------
    ValueError
        If a sequence has weight zero (no path to draw).

    Examples
    --------
    >>> from logspace import chain
    >>> chain.sample([1, 0], [[0, 1], [1, 0]], [[1, 1], [1, 1], [1, 1]], rng=0)
    array([0, 1, 0])
    """
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    S = 1 if size is None else int(size)
    if S < 0:
        raise ValueError(f"size: must be non-negative, got {size}")
    problem = _device(init, trans, emis, lengths)
    if problem is not None and _chain_xp.on_host_buffers(problem):
        i, t, e, n = _chain_xp.host_arguments(problem)
        return _on_buffers(problem, sample, i, t, e, size, generator, n)
    if problem is not None:  # forward filtering on the backend, the draws on the host
        alpha, log_trans, loglik = _chain_xp.sample_alpha(problem)
        sp = problem.spec
        lengths_ = np.full(sp.N, sp.T) if problem.live is None else _chain_xp.host(problem.live).sum(axis=1)
        out = _backward_draws(
            lambda n: (int(lengths_[n]), alpha[n], loglik[n]), log_trans, sp.N, sp.T, sp.time_varying, S, generator
        )
        result = out if sp.batched else out[:, 0]
        return _chain_xp.to_backend(problem, result[0] if size is None else result)
    c = _chain(init, trans, emis, lengths)
    engine = _engine()
    # Rows without their offsets: each step's draw normalises, so a row's
    # constant factor drops out, and the logs stay small.
    out = _backward_draws(
        lambda n: _forward_rows(c, n, engine, offsets=False), c.trans.logs(), c.N, c.T, c.time_varying, S, generator
    )
    result = out if c.batched else out[:, 0]
    return result[0] if size is None else result


def _backward_draws(
    rows: Any, log_trans: NDArray[Any], N: int, T: int, time_varying: bool, S: int, rng: np.random.Generator
) -> NDArray[np.intp]:
    """(S, N, T) paths, -1 past each end; ``rows(n) -> (length, alpha logs up to a factor per row, loglik)``."""
    out = np.full((S, N, T), -1, dtype=np.intp)
    draws = np.arange(S)
    for n in range(N):
        L, alpha, ll = rows(n)
        if ll == -np.inf:
            raise ValueError(f"emis: sequence {n} has weight zero; there is no path to sample")
        lt_n = log_trans[0 if log_trans.shape[0] == 1 else n]
        z = _draw(alpha[L - 1][None, :].repeat(S, axis=0), rng)
        out[:, n, L - 1] = z
        for t in range(L - 2, -1, -1):
            lt = lt_n[t if time_varying else 0]
            z = _draw(alpha[t][None, :] + lt[:, z].T, rng)
            out[draws, n, t] = z
    return out


def _draw(logits: NDArray[Any], rng: np.random.Generator) -> NDArray[np.intp]:
    """One index per row with probability proportional to exp(logits) (Gumbel-max)."""
    return np.asarray((logits + rng.gumbel(size=logits.shape)).argmax(axis=1), dtype=np.intp)


# -- dask: per-chunk transfer matrices, reduced in a tree -----------------


def _chunk_transfer(trans: _Weights, block: NDArray[Any], init: _Weights | None) -> NDArray[Any]:
    """Logs of one time chunk's K x K transfer matrix ``prod_t trans @ diag(emis[t])``.

    Row i is the forward recursion started from ``trans[i]`` (a move out of
    state i into the chunk's first step). The first chunk, which starts the
    chain, gives instead the logs of alpha at its end, from ``init``.
    """
    engine = _engine()
    L, K = block.shape
    e = _weights(LogArray.from_log(np.ascontiguousarray(block, dtype=np.float64)), "emis", 1, keep_logs=True)
    t = (
        trans.lin[0, 0],
        None if trans.log is None else trans.log[0, 0],
        None if trans.shift is None else trans.shift[0, 0],
    )
    starts = (
        [init] if init is not None else [_weights(LogArray.from_log(row), "trans", 1) for row in trans.logs()[0, 0]]
    )
    out = np.empty((len(starts), K))
    for i, start in enumerate(starts):
        shift = None if start.shift is None else start.shift.reshape(1)
        engine.forward(
            K, L, start.lin, start.log, shift, *t, None, None, e.lin, e.log, e.shift, e.base, None, None, None, out[i]
        )
    return out[0] if init is not None else out


def _tree_product(items: list[Any], combine: Any) -> Any:
    """Pairwise products, level by level: a tree of depth log2(len(items))."""
    while len(items) > 1:
        items = [combine(items[i], items[i + 1]) if i + 1 < len(items) else items[i] for i in range(0, len(items), 2)]
    return items[0]


def _lazy_likelihood(c: _Chain) -> LogFloat:
    import dask

    if c.batched or c.time_varying or c.trans.lin.shape[0] != 1 or c.init is None or c.init.lin.shape[0] != 1:
        raise ValueError("emis: a dask-backed emis needs one sequence, a shared (K, K) trans and a (K,) init")
    if c.emis.lazy.shape[0] < 1:
        raise ValueError("emis: needs at least one step")
    blocks = c.emis.lazy.rechunk({1: -1}).to_delayed().ravel().tolist()
    i = c.init
    init = _Weights(i.lin[0], None if i.log is None else i.log[0], None if i.shift is None else i.shift[0])
    transfer = dask.delayed(_chunk_transfer, pure=True)
    product = dask.delayed(_kernels.logmatmulexp, pure=True)
    head = transfer(c.trans, blocks[0], init)
    if len(blocks) > 1:
        head = product(head, _tree_product([transfer(c.trans, b, None) for b in blocks[1:]], product))
    (vector,) = dask.compute(head)
    return LogFloat.from_log(float(_kernels.logsumexp(vector)))
