"""The numpy twin of ``logspace/_c_chain.c``: the fallback and the test oracle.

Same functions, same arguments, same rules (see the C file's header): the
state vector is kept linear, scaled by exact powers of two, while a step
provably stays in the normal float range, and a step that might not is done
in exact log-domain arithmetic. To keep Python's per-step cost low, the linear
steps run in blocks: from the smallest and largest nonzero factor of each step
(computed for all steps at once) a block is as long as the product of the
bounds stays in range, so inside a block a step is one ``matmul`` and one
multiply, and the vector is rescaled once per block. The decisions (linear or
log at each step) are the compiled code's; only the order of the additions
inside a product differs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

SAFE_LOG2 = 960.0  # a linear step keeps nonzero entries within 2^-960 .. 2^960 (C: SAFE_LO, SAFE_HI)
SAFE_LO = 2.0**-960
BACK_TO_LINEAR = -600.0  # a state in logs goes back to linear once its range is within e^-600
_BLOCK = 64  # steps looked ahead for one linear block
_TINY = np.finfo(np.float64).tiny


class _Source:
    """Rows of weights: linear values, optionally their logs and a log offset per row."""

    def __init__(self, lin: Any, log: Any, shift: Any, row_shape: tuple[int, ...]) -> None:
        self.lin = lin.reshape(-1, *row_shape)
        self.rows = self.lin.shape[0]
        self.log = None if log is None else log.reshape(self.lin.shape)
        self.shift = shift

    def row(self, r: int) -> NDArray[Any]:
        return self.lin[0 if self.rows == 1 else r]

    def row_shift(self, r: Any) -> Any:
        if self.shift is None:
            return 0.0 if np.ndim(r) == 0 else np.zeros(len(r))
        return self.shift[0] if self.rows == 1 else self.shift[r]

    def rel_log(self, r: int) -> NDArray[Any]:
        i = 0 if self.rows == 1 else r
        if self.log is not None:
            return self.log[i] - (0.0 if self.shift is None else self.shift[i])
        with np.errstate(divide="ignore"):
            return np.log(self.lin[i])

    def stats(self) -> tuple[NDArray[Any], NDArray[Any], NDArray[np.bool_]]:
        """Per row: smallest nonzero (1 where none), largest, and whether lin is exact."""
        axes = tuple(range(1, self.lin.ndim))
        positive = self.lin > 0
        smallest = np.where(positive, self.lin, np.inf).min(axis=axes)
        smallest[smallest == np.inf] = 1.0
        largest = self.lin.max(axis=axes)
        exact = ~(positive & (self.lin < _TINY)).any(axis=axes)
        if self.log is not None:
            exact &= ~((self.lin == 0) & (self.log > -np.inf)).any(axis=axes)
        return smallest, largest, exact


def _lse_rows(x: NDArray[Any], axis: int) -> NDArray[Any]:
    m = x.max(axis=axis, keepdims=True)
    finite = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return (finite + np.log(np.exp(x - finite).sum(axis=axis, keepdims=True))).squeeze(axis)


def compensated_cumsum(x: NDArray[Any]) -> NDArray[Any]:
    """Running sums with the rounding error of each addition added back (TwoSum)."""
    s = np.cumsum(x)
    a = np.concatenate(([0.0], s[:-1]))
    b = s - a
    err = (a - (s - b)) + (x - b)
    return s + np.cumsum(err)


def _log2(x: NDArray[Any]) -> NDArray[Any]:
    with np.errstate(divide="ignore", over="ignore"):
        return np.log2(x)


class _Sweep:
    """One pass (forward or backward) over T steps, writing rows as the C code does."""

    def __init__(self, K: int, T: int, trans: _Source, emis: _Source, backward: bool) -> None:
        self.K, self.T, self.trans, self.emis, self.backward = K, T, trans, emis, backward
        # step k = 1..T-1 writes row r(k), from transition row m(k) and emission row e(k)
        k = np.arange(1, T)
        self.out_rows = T - 1 - k if backward else k
        self.mat_rows = (T - 1 - k) if backward else k - 1
        self.emis_rows = T - k if backward else k
        amin, amax, aexact = trans.stats()
        emin, emax, eexact = emis.stats()
        mr = self.mat_rows if trans.rows > 1 else np.zeros(T - 1, dtype=np.intp)
        er = self.emis_rows
        self.lo2 = _log2(amin[mr] * emin[er])
        self.hi2 = _log2(K * amax[mr] * emax[er])
        self.ok = aexact[mr] & eexact[er]
        self.inc = trans.row_shift(mr) + emis.row_shift(er)  # log offsets added by each step

    def run(self, v: NDArray[Any], in_logs: bool, dead: bool, buf: Any, flag: Any) -> tuple[Any, ...]:
        """Steps 1..T-1 from state v (row 0 already written). Returns per-row halvings and log shifts."""
        T = self.T
        halvings = np.zeros(T, dtype=np.int64)
        extra = np.zeros(T)
        vmin = vmax = 1.0
        if not in_logs and not dead:
            v, vmin, vmax, ex = _normalise(v)
            halvings[self.start_row] += ex
            buf[self.start_row] = v
        k = 1
        while k < T:
            r = int(self.out_rows[k - 1])
            if dead:
                rows = self.out_rows[k - 1 :]
                buf[rows] = 0.0
                flag[rows] = 0
                self.dead_from = k
                break
            n = 0
            if not in_logs:
                window = slice(k - 1, min(k - 1 + _BLOCK, T - 1))
                lo = math.log2(vmin) + np.cumsum(self.lo2[window])
                hi = math.log2(vmax) + np.cumsum(self.hi2[window])
                good = self.ok[window] & (lo >= -SAFE_LOG2) & (hi <= SAFE_LOG2) & (lo - hi >= -SAFE_LOG2)
                n = int(good.argmin()) if not good.all() else len(good)
            if n:
                v, last = self._linear_block(k, n, v, buf)
                v, vmin, vmax, ex = _normalise(v)
                if vmax == 0:
                    dead = True
                    buf[last] = 0.0
                else:
                    buf[last] = v
                    halvings[last] += ex
                k += n
                continue
            # one exact step in logs
            mrow, erow = int(self.mat_rows[k - 1]), int(self.emis_rows[k - 1])
            with np.errstate(divide="ignore"):
                lv = v if in_logs else np.log(v)
            la, le = self.trans.rel_log(mrow), self.emis.rel_log(erow)
            u = _lse_rows(la + (le + lv)[None, :], axis=1) if self.backward else _lse_rows(lv[:, None] + la, 0) + le
            v, in_logs, dead, mx = _settle_logs(u)
            if dead:
                buf[r] = 0.0
                flag[r] = 0
            else:
                extra[r] += mx
                if not in_logs:
                    v, vmin, vmax, ex = _normalise(v)
                    halvings[r] += ex
                buf[r] = v
                flag[r] = in_logs
            k += 1
        return v, in_logs, dead, halvings, extra

    start_row = 0
    dead_from: int | None = None

    def _linear_block(self, k: int, n: int, v: NDArray[Any], buf: Any) -> tuple[NDArray[Any], int]:
        """Steps k .. k+n-1 in linear arithmetic, rows written to buf; the last state and its row.

        Written out per direction and per kind of ``trans`` so that a step is
        one ``matmul`` and one multiply, with no other Python work.
        """
        E, A = self.emis.lin, self.trans.lin
        shared = self.trans.rows == 1
        if not self.backward:  # row t from row t-1: (v @ A[t-1]) * E[t]
            a = A[0]
            for t in range(k, k + n):
                row = buf[t]
                np.matmul(v, a if shared else A[t - 1], out=row)
                row *= E[t]
                v = row
            return v, k + n - 1
        T = self.T
        a = A[0]
        for t in range(T - 1 - k, T - 1 - k - n, -1):  # row t from row t+1: A[t] @ (E[t+1] * v)
            row = buf[t]
            np.matmul(a if shared else A[t], E[t + 1] * v, out=row)
            v = row
        return v, T - k - n


def _normalise(v: NDArray[Any]) -> tuple[NDArray[Any], float, float, int]:
    mx = float(v.max())
    if not mx > 0:
        return v, 0.0, 0.0, 0
    ex = math.frexp(mx)[1]
    v = v * math.ldexp(1.0, -ex)
    positive = v[v > 0]
    return v, float(positive.min()), float(v.max()), ex


def _settle_logs(u: NDArray[Any]) -> tuple[NDArray[Any], bool, bool, float]:
    mx = float(u.max())
    if mx == -math.inf or math.isnan(mx):
        return u, False, True, 0.0
    u = u - mx
    finite = u[u > -np.inf]
    if finite.min() >= BACK_TO_LINEAR:
        return np.exp(u), False, False, mx
    return u, True, False, mx


def _start_forward(init: _Source, emis: _Source) -> tuple[NDArray[Any], bool, bool, float]:
    imin, imax, iexact = init.stats()
    emin, emax, eexact = emis.stats()
    lo, hi = imin[0] * emin[0], imax[0] * emax[0]
    shift = float(init.row_shift(0) + emis.row_shift(0))
    if iexact[0] and eexact[0] and lo >= SAFE_LO and hi <= 2.0**960 and lo >= hi * SAFE_LO:
        return init.row(0) * emis.row(0), False, False, shift
    v, in_logs, dead, mx = _settle_logs(init.rel_log(0) + emis.rel_log(0))
    return v, in_logs, dead, shift + mx


def _offsets(sweep: _Sweep, first: float, halvings: Any, extra: Any, dead: bool) -> NDArray[Any]:
    """Per output row: halvings * ln 2 plus the compensated running sum of the log shifts."""
    T = sweep.T
    inc = np.zeros(T)
    inc[sweep.out_rows] = sweep.inc
    inc[sweep.start_row] += first
    inc += extra
    order = np.concatenate(([T - 1], sweep.out_rows)) if sweep.backward else np.arange(T)
    off = np.empty(T)
    off[order] = np.cumsum(halvings[order]) * math.log(2) + compensated_cumsum(inc[order])
    if sweep.dead_from is not None:
        off[sweep.out_rows[sweep.dead_from - 1 :]] = 0.0
    return off


def _problem(K: int, T: int, args: tuple[Any, ...]) -> tuple[_Source, _Source, _Source]:
    il, ig, ish, tl, tg, tsh, _, _, el, eg, esh, _ = args  # the base is implied by the logs
    init = _Source(il, ig, None if ish is None else ish.reshape(1), (K,))
    trans = _Source(tl, tg, None if tsh is None else tsh.reshape(-1), (K, K))
    if eg is not None:  # emissions as logs: shift each row by its maximum
        esh = eg.max(axis=1)
        esh[esh == -np.inf] = 0.0
        el = np.exp(eg - esh[:, None])
    emis = _Source(el, eg, esh, (K,))
    return init, trans, emis


def _total(v: NDArray[Any], in_logs: bool, dead: bool, off: float) -> float:
    if dead:
        return -math.inf
    if in_logs:
        return float(_lse_rows(v[None, :], 1)[0]) + off
    return math.log(float(v.sum())) + off


def forward(K: int, T: int, *args: Any) -> float:
    """Same as the C ``forward``: fills (buf, flag, off, last), returns the log-likelihood."""
    buf, flag, off, last = args[12:]
    if buf is None:  # the likelihood only: the rows are still made, then dropped
        buf, flag, off = np.empty((T, K)), np.zeros(T, np.uint8), np.empty(T)
    if last is None:
        last = np.empty(K)
    init, trans, emis = _problem(K, T, args[:12])
    buf = buf.reshape(T, K)
    flag[:] = 0
    v, in_logs, dead, first = _start_forward(init, emis)
    sweep = _Sweep(K, T, trans, emis, backward=False)
    if dead:
        buf[:] = 0.0
        off[:] = 0.0
        last[:] = -np.inf
        return -math.inf
    buf[0] = v
    flag[0] = in_logs
    v, in_logs, dead, halvings, extra = sweep.run(v, in_logs, dead, buf, flag)
    off[:] = _offsets(sweep, first, halvings, extra, dead)
    if dead:
        last[:] = -np.inf
        return -math.inf
    with np.errstate(divide="ignore"):
        last[:] = (v if in_logs else np.log(v)) + off[T - 1]
    return _total(v, in_logs, dead, float(off[T - 1]))


def backward(K: int, T: int, *args: Any) -> None:
    """Same as the C ``backward``: fills (buf, flag, off) with the scaled betas."""
    buf, flag, off = args[12:]
    _, trans, emis = _problem(K, T, args[:12])
    buf = buf.reshape(T, K)
    flag[:] = 0
    sweep = _Sweep(K, T, trans, emis, backward=True)
    sweep.start_row = T - 1
    v = np.ones(K)
    buf[T - 1] = v
    _, _, dead, halvings, extra = sweep.run(v, False, False, buf, flag)
    off[:] = _offsets(sweep, 0.0, halvings, extra, dead)


def posteriors(K: int, T: int, *args: Any) -> float:
    """Same as the C ``posteriors``: forward into (abuf, aflag, aoff), posteriors into (gbuf, gflag)."""
    abuf, aflag, aoff, gbuf, gflag = args[12:]
    ll = forward(K, T, *args[:12], abuf, aflag, aoff, np.empty(K))
    bbuf, bflag, boff = np.empty((T, K)), np.zeros(T, np.uint8), np.empty(T)
    backward(K, T, *args[:12], bbuf, bflag, boff)
    a, b = abuf.reshape(T, K), bbuf
    g = gbuf.reshape(T, K)
    amin = np.where(a > 0, a, np.inf).min(axis=1)
    bmin = np.where(b > 0, b, np.inf).min(axis=1)
    with np.errstate(over="ignore", invalid="ignore"):
        linear = (aflag == 0) & (bflag == 0) & (amin * bmin >= SAFE_LO)
    prod = a[linear] * b[linear]
    sums = prod.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        g[linear] = np.where(sums > 0, prod * (1.0 / sums), 0.0)
    logs = ~linear
    if logs.any():
        with np.errstate(divide="ignore", invalid="ignore"):  # the log of a row of logs is not used
            la = np.where(aflag[logs, None] == 1, a[logs], np.log(a[logs]))
            lb = np.where(bflag[logs, None] == 1, b[logs], np.log(b[logs]))
        both = la + lb
        g[logs] = both - _lse_rows(both, 1)[:, None]
    gflag[:] = logs
    return ll


def viterbi(K: int, T: int, li: Any, lt: Any, le: Any, path: Any, back: Any) -> float:
    """Same as the C ``viterbi``, operation for operation (so the paths are identical)."""
    # scores[j, i] = delta[i] + trans[i, j]: the transposed matrix makes the
    # maximum over i a reduction along contiguous rows (the same additions).
    trans_t = np.ascontiguousarray(lt.reshape(-1, K, K).swapaxes(1, 2))
    emis = le.reshape(T, K)
    back = back.reshape(T, K)
    delta = li + emis[0]
    total = comp = 0.0
    columns = np.arange(K)
    for t in range(T):
        mx = float(delta.max())
        if mx == -math.inf or math.isnan(mx):
            path[:] = 0
            return mx
        delta = delta - mx
        s = total + mx
        comp += (total - s) + mx if abs(total) >= abs(mx) else (mx - s) + total
        total = s
        if t == T - 1:
            break
        scores = trans_t[0 if trans_t.shape[0] == 1 else t] + delta
        arg = scores.argmax(axis=1)
        back[t + 1] = arg
        delta = scores[columns, arg] + emis[t + 1]
    k = int(delta.argmax())
    path[T - 1] = k
    for t in range(T - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return float(delta[k]) + (total + comp)
