"""Testing helpers: an mpmath reference for every kernel, and errors in ulps.

In the spirit of :mod:`numpy.testing`: used by logspace's own tests, its docs
and accuracy report, and meant for users' tests of code built on logspace.

The reference is independent of the code it checks: it imports numpy and
mpmath only, never a logspace kernel. Inputs are binary floats, so each is an
exact :class:`mpmath.mpf`; every element of every result is computed from
them with mpmath at :data:`PRECISION` bits (256, more where a sum cancels), so
the reference is exact for all practical purposes.

Names
-----
``ref_<kernel>``
    The reference of each kernel (``ref_logaddexp``, ``ref_logsumexp``, ...),
    with the kernel's signature, broadcasting, axis and special-value rules.
    It returns an object ndarray of :class:`mpmath.mpf` (an ``mpf`` for a 0-d
    result), which :func:`ulp_error` measures against and :func:`round_to`
    rounds to float32 or float64.
:func:`ulp_error`, :func:`ulp`
    Errors in units in the last place, in one of two metrics:
    ``"relative"`` (ulps of |exact|) and ``"log"`` (ulps of max(|exact|, 1):
    an absolute error e in a log is a relative error e in the number it
    stands for).
:func:`assert_ulp_close`, :func:`assert_accurate`
    Assertions for tests.
:func:`lse_condition_number`
    The condition number of log-sum-exp, which says where tight bounds apply.

Threads
-------
The references use mpmath's global context (``mpmath.workprec``), which is
shared by all threads: they are **not thread-safe**, and a reference computed
while another thread changes ``mpmath.mp.prec`` may be computed at the wrong
precision (and may leave that thread's precision changed). Call them from one
thread at a time. logspace itself (its types, kernels and text layer) never
reads or changes mpmath's global context: it calls ``mpmath.libmp`` functions
with an explicit precision, so it is safe beside such threads.

Examples
--------
>>> import numpy as np
>>> from logspace import testing
>>> exact = testing.ref_logaddexp(0.0, -40.0)
>>> float(exact)
4.248354255291589e-18
>>> testing.round_to(exact, np.float32)
np.float32(4.248354e-18)
>>> float(testing.ulp_error(0.0, exact, metric="relative"))  # 0.0 is wrong
5514679113423396.0
>>> round(float(testing.ulp_error(0.0, exact, metric="log")), 4)  # ... but close in logs
0.0191
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple
from numpy.typing import ArrayLike, DTypeLike, NDArray

__all__ = [
    "METRICS",
    "PRECISION",
    "REFERENCES",
    "assert_accurate",
    "assert_ulp_close",
    "logmatmulexp_bound",
    "lse_condition_number",
    "ref_log1mexp",
    "ref_log1pexp",
    "ref_log_softmax",
    "ref_logaddexp",
    "ref_logcumsumexp",
    "ref_logmatmulexp",
    "ref_logsubexp",
    "ref_logsumexp",
    "ref_softmax",
    "round_to",
    "ulp",
    "ulp_error",
]

#: Working precision of the reference, in bits (float64 has 53). A sum whose
#: terms cancel is recomputed at doubled precision until its result is known
#: to at least half of these bits.
PRECISION = 256

#: The metric in which each kernel's accuracy is stated.
METRICS: dict[str, str] = {
    "logaddexp": "log",
    "logsubexp": "log",
    "log1pexp": "relative",
    "log1mexp": "relative",
    "logsumexp": "log",
    "logcumsumexp": "log",
    "logmatmulexp": "log",
    "log_softmax": "log",
    "softmax": "relative",
}

_MAX_PRECISION = 1 << 15
_NAN = mpmath.mpf("nan")
_INF = mpmath.mpf("inf")
_NINF = mpmath.mpf("-inf")
_ZERO = mpmath.mpf(0)
_ONE = mpmath.mpf(1)


class _Cancellation(Exception):
    """Raised inside an element computation that needs more precision."""


# ---------------------------------------------------------------------------
# Input handling
# ---------------------------------------------------------------------------


def _as_float_array(x: ArrayLike, name: str) -> NDArray[np.floating[Any]]:
    """``x`` as a real float array (ints and bools become float64)."""
    arr = np.asarray(x)
    kind = arr.dtype.kind
    if kind in "iub":
        return arr.astype(np.float64)
    if kind == "f" and arr.dtype.itemsize <= 8:
        return arr
    raise TypeError(f"{name}: expected real float or int input, got dtype {arr.dtype}")


def _exact(v: Any) -> Any:
    """``v`` as an mpf without rounding (``mpmath.mpf(mpf)`` rounds)."""
    if isinstance(v, mpmath.mpf):
        return v
    if isinstance(v, np.generic):
        v = v.item()
    return mpmath.mpf(v)


def _scalar_or_array(out: NDArray[Any]) -> Any:
    """0-d arrays become their element (an mpf or a numpy scalar)."""
    return out[()] if out.ndim == 0 else out


def _retrying(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(*args)`` at :data:`PRECISION` bits, doubling while it cancels."""
    prec = PRECISION
    while True:
        try:
            with mpmath.workprec(prec):
                return fn(*args)
        except _Cancellation:
            if prec >= _MAX_PRECISION:
                raise ArithmeticError(
                    f"reference: cancellation not resolved at {prec} bits for {args!r}"
                ) from None
            prec *= 2


def _elementwise(fn: Callable[..., Any], *arrays: ArrayLike, name: str) -> Any:
    """Apply a scalar mpmath function to broadcast float inputs."""
    arrs = np.broadcast_arrays(*(_as_float_array(a, name) for a in arrays))
    shape = arrs[0].shape
    out = np.empty(shape, dtype=object)
    flat = out.reshape(-1)
    columns = [np.asarray(a, dtype=np.float64).reshape(-1).tolist() for a in arrs]
    for i, values in enumerate(zip(*columns)):
        flat[i] = _retrying(fn, *values)
    return _scalar_or_array(out)


def _checked_sum(m: Any, rest: Any) -> Any:
    """``m + rest`` at the working precision, refusing harmful cancellation.

    ``m`` is exact (an input float); ``rest`` carries a relative error of
    2**-prec, which a result much smaller than ``m`` would magnify.
    """
    y = m + rest
    if m != 0 and abs(y) < abs(m) * mpmath.ldexp(_ONE, -(mpmath.mp.prec // 2)):
        raise _Cancellation
    return y


# ---------------------------------------------------------------------------
# Scalar mpmath kernels (inputs are Python floats or exact mpf)
# ---------------------------------------------------------------------------


def _log1mexp_mp(d: Any) -> Any:
    """log(1 - e**d) for finite d < 0, accurate at the working precision."""
    if d > -mpmath.ln2:
        return mpmath.log(-mpmath.expm1(d))
    return mpmath.log1p(-mpmath.exp(d))


def _logaddexp1(a: float, b: float) -> Any:
    if math.isnan(a) or math.isnan(b):
        return _NAN
    if a == math.inf or b == math.inf:
        return _INF
    hi, lo = (a, b) if a >= b else (b, a)
    if lo == -math.inf:
        return mpmath.mpf(hi)
    d = mpmath.fsub(lo, hi, exact=True)
    return _checked_sum(mpmath.mpf(hi), mpmath.log1p(mpmath.exp(d)))


def _logsubexp1(a: float, b: float) -> Any:
    if math.isnan(a) or math.isnan(b) or a < b:
        return _NAN
    if a == b:
        return _NAN if a == math.inf else _NINF
    if a == math.inf:
        return _INF
    if b == -math.inf:
        return mpmath.mpf(a)
    d = mpmath.fsub(b, a, exact=True)
    return _checked_sum(mpmath.mpf(a), _log1mexp_mp(d))


def _log1pexp1(x: float) -> Any:
    if math.isnan(x):
        return _NAN
    if x == math.inf:
        return _INF
    if x == -math.inf:
        return _ZERO
    v = mpmath.mpf(x)
    if x > 0:
        return v + mpmath.log1p(mpmath.exp(-v))
    return mpmath.log1p(mpmath.exp(v))


def _log1mexp1(x: float) -> Any:
    if math.isnan(x) or x > 0:
        return _NAN
    if x == 0:
        return _NINF
    if x == -math.inf:
        return _ZERO
    return _log1mexp_mp(mpmath.mpf(x))


def _sign(v: Any) -> float:
    return 1.0 if v > 0 else (-1.0 if v < 0 else 0.0)


def _lse_parts(xs: Sequence[Any], ws: Sequence[float] | None = None) -> tuple[Any, Any, float]:
    """(m, rest, sign) with log|sum w_i e**x_i| = m + rest, at the working precision.

    ``xs`` are exact (floats or mpf), ``ws`` floats or None for all ones.
    ``m`` is an exact input value (the largest x with a nonzero weight) and
    ``rest`` the log of the shifted sum; for special results ``m`` is the
    result (nan, inf or -inf) and ``rest`` is 0.

    Semantics: a nan weight or a nan x with a nonzero weight gives nan; a
    zero weight drops its term, whatever x is; inf * 0 (x = -inf with an
    infinite weight) is nan; infinite terms of one sign give inf with that
    sign, of both signs nan; a zero or empty sum gives (-inf, 0).
    """
    if ws is None:
        pairs = [(x, 1.0) for x in xs]
    else:
        if any(math.isnan(w) for w in ws):
            return _NAN, _ZERO, math.nan
        pairs = [(x, w) for x, w in zip(xs, ws) if w != 0]
    infinite_signs = set()
    finite: list[tuple[Any, float]] = []
    for x, w in pairs:
        if mpmath.isnan(x):
            return _NAN, _ZERO, math.nan
        if x == _INF:
            infinite_signs.add(_sign(w))
        elif x == _NINF:
            if math.isinf(w):
                return _NAN, _ZERO, math.nan
        elif math.isinf(w):
            infinite_signs.add(_sign(w))
        else:
            finite.append((x, w))
    if infinite_signs:
        if len(infinite_signs) > 1:
            return _NAN, _ZERO, math.nan
        return _INF, _ZERO, infinite_signs.pop()
    if not finite:
        return _NINF, _ZERO, 0.0
    mixed = any(w < 0 for _, w in finite)
    items: list[tuple[Any, Any]] = finite
    if ws is not None:
        # Group equal x, adding their weights exactly. By Lindemann-Weierstrass,
        # e**x for distinct rational x are linearly independent over the
        # rationals: the sum is zero exactly when every group's weight is 0,
        # and the cancellation checks below always end.
        groups: dict[Any, Any] = {}
        for x, w in finite:
            key = _exact(x)
            groups[key] = mpmath.fadd(groups.get(key, _ZERO), w, exact=True)
        items = [(x, c) for x, c in groups.items() if c != 0]
        if not items:
            return _NINF, _ZERO, 0.0
    top = max(range(len(items)), key=lambda i: items[i][0])
    m, c_top = _exact(items[top][0]), _exact(items[top][1])
    prec = mpmath.mp.prec
    # The sum is c_top e**m (1 + q) with q = sum over the other terms of
    # c e**(x - m) / c_top; log1p(q) keeps full relative precision when q is
    # tiny (mpmath represents e**-1e300 without underflow).
    terms = []
    for i, (x, c) in enumerate(items):
        if i == top:
            continue
        t = mpmath.exp(mpmath.fsub(x, m, exact=True))
        terms.append(t if c == 1 else t * c)
    q = mpmath.fsum(terms) / c_top
    if mixed:
        scale = 1 + mpmath.fsum(abs(t) for t in terms) / abs(c_top)
        if abs(1 + q) <= scale * mpmath.ldexp(_ONE, -(prec // 2)):
            raise _Cancellation
    log_c = mpmath.log(abs(c_top))
    if q > -1:
        log_rest, sign = mpmath.log1p(q), _sign(c_top)
    else:
        log_rest, sign = mpmath.log(-1 - q), -_sign(c_top)
    rest = log_c + log_rest
    if rest != 0 and abs(rest) < max(abs(log_c), abs(log_rest)) * mpmath.ldexp(_ONE, -(prec // 2)):
        raise _Cancellation
    return m, rest, sign


def _lse_terms(xs: Sequence[Any], ws: Sequence[float] | None = None) -> tuple[Any, float]:
    """(log|sum w_i e**x_i|, sign of the sum); see :func:`_lse_parts`."""
    m, rest, sign = _lse_parts(xs, ws)
    return _checked_sum(m, rest), sign


# ---------------------------------------------------------------------------
# Reductions: layout helpers
# ---------------------------------------------------------------------------


def _reduction_rows(
    arr: NDArray[Any], axis: int | tuple[int, ...] | None
) -> tuple[NDArray[Any], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Rows of the reduced elements, the kept shape, keepdims shape, order."""
    ndim = arr.ndim
    axes = tuple(range(ndim)) if axis is None else normalize_axis_tuple(axis, ndim)
    kept = tuple(i for i in range(ndim) if i not in axes)
    order = kept + axes
    kept_shape = tuple(arr.shape[i] for i in kept)
    keep_shape = tuple(1 if i in axes else arr.shape[i] for i in range(ndim))
    n_rows = math.prod(kept_shape)
    n_red = math.prod(arr.shape[i] for i in axes)
    rows = np.transpose(arr, order).reshape(n_rows, n_red)
    return rows, kept_shape, keep_shape, order


# ---------------------------------------------------------------------------
# Public references
# ---------------------------------------------------------------------------


def ref_logaddexp(a: ArrayLike, b: ArrayLike) -> Any:
    """Exact log(e**a + e**b), elementwise with broadcasting.

    Parameters
    ----------
    a, b : array_like
        Real floats or ints.

    Returns
    -------
    ndarray of mpmath.mpf, or mpmath.mpf
        The exact results (object array; an mpf for 0-d input). nan if either
        argument is nan, inf if either is inf, -inf if both are -inf.

    Examples
    --------
    >>> import math
    >>> float(ref_logaddexp(0.0, 0.0)) == math.log(2.0)
    True
    >>> ref_logaddexp([1000.0, -math.inf], -math.inf)
    array([mpf('1000.0'), mpf('-inf')], dtype=object)
    """
    return _elementwise(_logaddexp1, a, b, name="ref_logaddexp")


def ref_logsubexp(a: ArrayLike, b: ArrayLike) -> Any:
    """Exact log(e**a - e**b) for a >= b, elementwise with broadcasting.

    ``a == b`` gives -inf (also for -inf, -inf: 0 - 0 = 0); inf - inf, a < b
    and nan give nan.

    Parameters
    ----------
    a, b : array_like
        Real floats or ints, broadcast together.

    Returns
    -------
    ndarray of mpmath.mpf, or mpmath.mpf
        The exact results, in the broadcast shape (object array; an mpf for
        0-d input).

    Raises
    ------
    TypeError
        For input that is not real floats or ints (complex, strings).

    Examples
    --------
    >>> float(ref_logsubexp(0.0, -1e-20))
    -46.051701859880914
    >>> float(ref_logsubexp(3.0, 3.0)), float(ref_logsubexp(1.0, 2.0))
    (-inf, nan)
    """
    return _elementwise(_logsubexp1, a, b, name="ref_logsubexp")


def ref_log1pexp(x: ArrayLike) -> Any:
    """Exact log(1 + e**x), elementwise.

    Parameters
    ----------
    x : array_like
        Real floats or ints. nan gives nan, inf inf, -inf 0.

    Returns
    -------
    ndarray of mpmath.mpf, or mpmath.mpf
        The exact results, in the broadcast shape (object array; an mpf for
        0-d input).

    Examples
    --------
    >>> float(ref_log1pexp(0.0)) == math.log(2.0)
    True
    >>> float(ref_log1pexp(-800.0))
    0.0
    >>> ref_log1pexp(-800.0) > 0
    True
    >>> ref_log1pexp([0.0, 800.0]).shape
    (2,)
    """
    return _elementwise(_log1pexp1, x, name="ref_log1pexp")


def ref_log1mexp(x: ArrayLike) -> Any:
    """Exact log(1 - e**x) for x <= 0, elementwise: -inf at 0, nan above.

    Parameters
    ----------
    x : array_like
        Real floats or ints; the domain is x <= 0 (above it, and for nan,
        the result is nan).

    Returns
    -------
    ndarray of mpmath.mpf, or mpmath.mpf
        The exact results, in the broadcast shape (object array; an mpf for
        0-d input).

    Examples
    --------
    >>> float(ref_log1mexp(-math.log(2.0)))
    -0.6931471805599453
    >>> float(ref_log1mexp(-1e-20))
    -46.051701859880914
    >>> [float(v) for v in ref_log1mexp([0.0, 1.0])]
    [-inf, nan]
    """
    return _elementwise(_log1mexp1, x, name="ref_log1mexp")


def ref_logsumexp(
    a: ArrayLike,
    axis: int | tuple[int, ...] | None = None,
    b: ArrayLike | None = None,
    keepdims: bool = False,
    return_sign: bool = False,
) -> Any:
    """Exact log(sum(b * e**a)) along ``axis``, as ``scipy.special.logsumexp``.

    Semantics for real input: a zero weight drops its term whatever ``a`` is;
    nan (in ``a`` with a nonzero weight, or in ``b``) gives nan; infinite terms
    of one sign give inf, of both signs nan; an empty or zero sum gives -inf
    with sign 0 (scipy gives sign -1 for an empty sum). Without
    ``return_sign``, a negative sum gives nan. A 0-d input reduces to a 0-d
    result, with or without ``keepdims``, as numpy reductions do.

    Parameters
    ----------
    a : array_like
        Real floats or ints: the logs of the terms.
    axis : int or tuple of ints, optional
        The axes to reduce; all of them by default.
    b : array_like, optional
        Weights of the terms (real floats or ints, possibly negative or
        zero), broadcast against ``a``; all ones by default.
    keepdims : bool, optional
        Keep the reduced axes with length 1.
    return_sign : bool, optional
        Also return the sign of the sum, and return log|sum| where the sum
        is negative.

    Returns
    -------
    res : ndarray of mpmath.mpf, or mpmath.mpf
        log|sum|, exact.
    sgn : ndarray of float64, or float
        Only with ``return_sign``: the sign of the sum (1, -1, 0, or nan).

    Examples
    --------
    >>> import numpy as np
    >>> float(ref_logsumexp(np.zeros(1000))) == math.log(1000.0)
    True
    >>> res, sgn = ref_logsumexp([1.0, 2.0], b=[1.0, -1.0], return_sign=True)
    >>> float(res), float(sgn)
    (1.5413248546129181, -1.0)
    >>> ref_logsumexp(np.zeros((2, 0)), axis=1)
    array([mpf('-inf'), mpf('-inf')], dtype=object)
    """
    x = _as_float_array(a, "ref_logsumexp")
    w = None
    if b is not None:
        x, w = np.broadcast_arrays(x, _as_float_array(b, "ref_logsumexp"))
        w = np.asarray(w, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    rows, kept_shape, keep_shape, _ = _reduction_rows(x, axis)
    wrows = None if w is None else _reduction_rows(w, axis)[0]
    res: NDArray[Any] = np.empty(rows.shape[0], dtype=object)
    sgn: NDArray[np.float64] = np.empty(rows.shape[0], dtype=np.float64)
    for i in range(rows.shape[0]):
        ws = None if wrows is None else wrows[i].tolist()
        res[i], sgn[i] = _retrying(_lse_terms, rows[i].tolist(), ws)
    shape = keep_shape if keepdims else kept_shape
    res, sgn = res.reshape(shape), sgn.reshape(shape)
    if not return_sign:
        res[sgn < 0] = _NAN
        return _scalar_or_array(res)
    return _scalar_or_array(res), _scalar_or_array(sgn)


def _cumulative_row(row: list[float]) -> list[Any]:
    """Exact running log-sum-exp of one row, at the working precision."""
    out: list[Any] = []
    m = None
    others = _ZERO  # sum of e**(x - m) over the prefix but one maximum
    current = _NINF
    state = ""
    for j, x in enumerate(row):
        if state == "nan" or math.isnan(x):
            state = "nan"
            out.append(_NAN)
            continue
        if state == "inf" or x == math.inf:
            state = "inf"
            out.append(_INF)
            continue
        if x != -math.inf:
            if m is None:
                m, others = mpmath.mpf(x), _ZERO
            elif x <= m:
                others += mpmath.exp(mpmath.fsub(x, m, exact=True))
            else:
                others = (others + 1) * mpmath.exp(mpmath.fsub(m, x, exact=True))
                m = mpmath.mpf(x)
            try:
                current = _checked_sum(m, mpmath.log1p(others))
            except _Cancellation:
                current = _retrying(_lse_terms, row[: j + 1])[0]
        out.append(current)
    return out


def ref_logcumsumexp(a: ArrayLike, axis: int | None = None) -> Any:
    """Exact running log-sum-exp, log(cumsum(e**a)), along ``axis``.

    ``axis=None`` flattens first, as :func:`numpy.cumsum`. A nan makes the
    rest of its row nan; a +inf makes the rest inf (nan after a later nan).

    Parameters
    ----------
    a : array_like
        Real floats or ints: the logs of the terms.
    axis : int, optional
        The axis along which to accumulate; None (the default) flattens
        ``a`` first.

    Returns
    -------
    ndarray of mpmath.mpf
        The exact running sums: the shape of ``a`` (1-D for ``axis=None``,
        also for 0-d input), always an object array.

    Examples
    --------
    >>> [float(v) for v in ref_logcumsumexp([0.0, 0.0, -math.inf, 0.0])]
    [0.0, 0.6931471805599453, 0.6931471805599453, 1.0986122886681098]
    >>> r = ref_logcumsumexp([[0.0, 0.0], [1.0, 1.0]], axis=1)
    >>> r.shape, float(r[1, 1]) == 1.0 + math.log(2.0)
    ((2, 2), True)
    """
    x = np.asarray(_as_float_array(a, "ref_logcumsumexp"), dtype=np.float64)
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    axis = normalize_axis_index(axis, x.ndim)
    moved = np.moveaxis(x, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1]) if moved.size else moved.reshape(0, 0)
    out = np.empty(rows.shape, dtype=object)
    for i in range(rows.shape[0]):
        with mpmath.workprec(PRECISION):
            out[i, :] = _cumulative_row(rows[i].tolist())
    return np.moveaxis(out.reshape(moved.shape), -1, axis)


def _matmul_term(p: float, q: float) -> Any:
    """Exact p + q, the log of e**p * e**q, with IEEE rules for 0 * inf."""
    if math.isnan(p) or math.isnan(q):
        return _NAN
    if math.isinf(p) or math.isinf(q):
        if {p, q} == {math.inf, -math.inf}:
            return _NAN  # inf * 0
        return _INF if math.inf in (p, q) else _NINF
    return mpmath.fadd(p, q, exact=True)


def ref_logmatmulexp(a: ArrayLike, b: ArrayLike) -> Any:
    """Exact log(e**a @ e**b) with numpy matmul's shape rules.

    1-D operands are promoted as matmul does (and the added axis removed),
    batch dimensions broadcast, scalars are a ValueError. An empty inner
    dimension gives -inf (the product is zero); e**inf * e**-inf is nan.

    Parameters
    ----------
    a, b : array_like
        Real floats or ints, at least 1-D: logs of the matrix entries.

    Returns
    -------
    ndarray of mpmath.mpf, or mpmath.mpf
        The exact log of each entry of the product, in matmul's result shape
        (an mpf for two 1-D operands).

    Raises
    ------
    ValueError
        For a 0-d operand or core dimensions that do not match.

    Examples
    --------
    >>> import numpy as np
    >>> float(ref_logmatmulexp(np.zeros(5), np.zeros(5))) == math.log(5.0)
    True
    >>> r = ref_logmatmulexp([[0.0, -800.0]], [[-800.0], [0.0]])
    >>> r.shape, float(r[0, 0])
    ((1, 1), -799.3068528194401)
    """
    x = np.asarray(_as_float_array(a, "ref_logmatmulexp"), dtype=np.float64)
    y = np.asarray(_as_float_array(b, "ref_logmatmulexp"), dtype=np.float64)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("ref_logmatmulexp: matmul does not take scalar operands")
    x2 = x[np.newaxis, :] if x.ndim == 1 else x
    y2 = y[:, np.newaxis] if y.ndim == 1 else y
    if x2.shape[-1] != y2.shape[-2]:
        raise ValueError(
            f"ref_logmatmulexp: core dimension mismatch, shapes {x.shape} and {y.shape}"
        )
    batch = np.broadcast_shapes(x2.shape[:-2], y2.shape[:-2])
    n_batch = math.prod(batch)
    xb: NDArray[np.float64] = np.broadcast_to(x2, batch + x2.shape[-2:]).reshape((n_batch,) + x2.shape[-2:])
    yb: NDArray[np.float64] = np.broadcast_to(y2, batch + y2.shape[-2:]).reshape((n_batch,) + y2.shape[-2:])
    n, k, p = x2.shape[-2], x2.shape[-1], y2.shape[-1]
    out: NDArray[Any] = np.empty((xb.shape[0], n, p), dtype=object)
    for t in range(xb.shape[0]):
        rows = xb[t].tolist()
        cols = yb[t].T.tolist()
        for i in range(n):
            for j in range(p):
                with mpmath.workprec(PRECISION):
                    terms = [_matmul_term(u, v) for u, v in zip(rows[i], cols[j])]
                out[t, i, j] = _retrying(_lse_terms, terms)[0] if k else _NINF
    out = out.reshape(batch + (n, p))
    if x.ndim == 1:
        out = out[..., 0, :]
    if y.ndim == 1:
        out = out[..., 0]
    return _scalar_or_array(np.asarray(out, dtype=object))


def _log_softmax_row(row: list[float]) -> list[Any]:
    """Exact x_i - logsumexp(x) of one row, with IEEE rules for specials."""
    m, rest, _ = _lse_parts(row)
    if mpmath.isnan(m) or m == _NINF:
        return [_NAN] * len(row)  # nan input, or all -inf: -inf - (-inf)
    if m == _INF:
        return [_NAN if x == math.inf else _NINF for x in row]
    # Shift by the maximum so that no large offset cancels: x_i - m is exact
    # and log(sum e**(x - m)) is in [0, log n], so (x_i - m) - that has no
    # cancellation and keeps full relative precision.
    out = []
    for x in row:
        if x == -math.inf:
            out.append(_NINF)
        else:
            out.append(mpmath.fsub(x, m, exact=True) - rest)
    return out


def _map_rows(fn: Callable[[list[float]], list[Any]], a: ArrayLike, axis: Any, name: str) -> Any:
    x = np.asarray(_as_float_array(a, name), dtype=np.float64)
    rows, _, _, order = _reduction_rows(x, axis)
    out = np.empty(rows.shape, dtype=object)
    for i in range(rows.shape[0]):
        with mpmath.workprec(PRECISION + 64):
            out[i, :] = fn(rows[i].tolist())
    moved_shape = tuple(x.shape[i] for i in order)
    return _scalar_or_array(out.reshape(moved_shape).transpose(np.argsort(order)))


def ref_log_softmax(a: ArrayLike, axis: int | tuple[int, ...] | None = None) -> Any:
    """Exact a - logsumexp(a) along ``axis`` (all axes by default).

    Special values follow IEEE arithmetic on the exact logsumexp: a nan gives
    nan everywhere; a +inf gives nan there and -inf at the other entries;
    all -inf gives nan (-inf - -inf).

    Parameters
    ----------
    a : array_like
        Real floats or ints.
    axis : int or tuple of ints, optional
        The axes that each normalisation runs over; all of them by default.

    Returns
    -------
    ndarray of mpmath.mpf, or mpmath.mpf
        The exact results, in the shape of ``a`` (an mpf for 0-d input).

    Examples
    --------
    >>> [float(v) for v in ref_log_softmax([1000.0, 1000.0])]
    [-0.6931471805599453, -0.6931471805599453]
    >>> [[float(v) for v in row] for row in ref_log_softmax([[0.0, 0.0], [0.0, math.inf]], axis=1)]
    [[-0.6931471805599453, -0.6931471805599453], [-inf, nan]]
    """
    return _map_rows(_log_softmax_row, a, axis, "ref_log_softmax")


def ref_softmax(a: ArrayLike, axis: int | tuple[int, ...] | None = None) -> Any:
    """Exact e**a / sum(e**a) along ``axis``: exp of :func:`ref_log_softmax`.

    Special values are those of :func:`ref_log_softmax`, exponentiated (nan
    stays nan, -inf becomes 0).

    Parameters
    ----------
    a : array_like
        Real floats or ints.
    axis : int or tuple of ints, optional
        The axes that each normalisation runs over; all of them by default.

    Returns
    -------
    ndarray of mpmath.mpf, or mpmath.mpf
        The exact results, in the shape of ``a`` (an mpf for 0-d input).

    Examples
    --------
    >>> [round(float(v), 15) for v in ref_softmax([0.0, math.log(3.0)])]
    [0.25, 0.75]
    """

    def row_fn(row: list[float]) -> list[Any]:
        return [v if mpmath.isnan(v) else mpmath.exp(v) for v in _log_softmax_row(row)]

    return _map_rows(row_fn, a, axis, "ref_softmax")


#: Reference function of each kernel, by kernel name.
REFERENCES: dict[str, Callable[..., Any]] = {
    "logaddexp": ref_logaddexp,
    "logsubexp": ref_logsubexp,
    "log1pexp": ref_log1pexp,
    "log1mexp": ref_log1mexp,
    "logsumexp": ref_logsumexp,
    "logcumsumexp": ref_logcumsumexp,
    "logmatmulexp": ref_logmatmulexp,
    "log_softmax": ref_log_softmax,
    "softmax": ref_softmax,
}


# ---------------------------------------------------------------------------
# Rounding and ulps
# ---------------------------------------------------------------------------


def _float_info(dtype: DTypeLike) -> np.finfo[Any]:
    dt = np.dtype(dtype)
    if dt.kind != "f" or dt.itemsize > 8:
        raise TypeError(f"expected float16, float32 or float64, got {dt}")
    return np.finfo(dt)


def _ulp_exponent(magnitude: Any, fi: np.finfo[Any]) -> int:
    """k such that 2**k is the spacing of the format at ``magnitude`` >= 0."""
    if magnitude == 0:
        return int(fi.minexp) - int(fi.nmant)
    e = int(mpmath.frexp(magnitude)[1])  # magnitude in [2**(e-1), 2**e)
    return max(e - 1, int(fi.minexp)) - int(fi.nmant)


def _round_one(x: Any, fi: np.finfo[Any]) -> float:
    if mpmath.isnan(x):
        return math.nan
    if mpmath.isinf(x):
        return math.inf if x > 0 else -math.inf
    if x == 0:
        return 0.0
    k = _ulp_exponent(abs(x), fi)
    q = mpmath.nint(mpmath.ldexp(x, -k))  # ties to even
    r = mpmath.ldexp(q, k)
    if abs(r) >= mpmath.ldexp(_ONE, int(fi.maxexp)):
        return math.inf if x > 0 else -math.inf
    return float(r)


def round_to(exact: Any, dtype: DTypeLike = np.float64) -> Any:
    """Round exact values correctly (to nearest, ties to even) to ``dtype``.

    Handles subnormals and overflow to inf as IEEE 754 does.

    Parameters
    ----------
    exact : array_like of mpmath.mpf (or floats)
        For instance the result of a ``ref_`` function.
    dtype : float16, float32 or float64, optional
        The float format to round to (default float64).

    Returns
    -------
    ndarray of ``dtype``, or a numpy scalar for 0-d input
        The correctly rounded values, in the shape of ``exact``.

    Raises
    ------
    TypeError
        For a ``dtype`` that is not float16, float32 or float64.

    Examples
    --------
    >>> import numpy as np
    >>> round_to(ref_log1pexp(0.0), np.float32)
    np.float32(0.6931472)
    >>> round_to([mpmath.mpf("1e-45"), mpmath.mpf("1e39")], np.float32)
    array([1.e-45,   inf], dtype=float32)
    """
    fi = _float_info(dtype)
    arr = np.asarray(exact, dtype=object)
    with mpmath.workprec(PRECISION):
        values = [_round_one(_exact(v), fi) for v in arr.reshape(-1).tolist()]
    out = np.array(values, dtype=np.float64).astype(fi.dtype).reshape(arr.shape)
    return _scalar_or_array(out)


def _check_metric(metric: str) -> bool:
    if metric not in ("log", "relative"):
        raise ValueError(f"metric must be 'log' or 'relative', got {metric!r}")
    return metric == "log"


def ulp(exact: Any, dtype: DTypeLike = np.float64, metric: str = "relative") -> Any:
    """The unit in which :func:`ulp_error` measures, at each exact value.

    The spacing of ``dtype`` (as :func:`numpy.spacing`) at |exact| for the
    ``"relative"`` metric and at max(|exact|, 1) for ``"log"``; the spacing
    of the binade of the exact value, not of its rounding. nan where exact is
    not finite.

    Parameters
    ----------
    exact : array_like of mpmath.mpf (or floats)
        Exact values, for instance the result of a ``ref_`` function.
    dtype : float16, float32 or float64, optional
        The float format whose spacing is measured (default float64).
    metric : {"relative", "log"}, optional
        ``"relative"`` (the default): the spacing at |exact|. ``"log"``: the
        spacing at max(|exact|, 1), as :func:`ulp_error` uses for logs.

    Returns
    -------
    ndarray of float64, or float64 for 0-d
        The spacing, a power of two; nan where ``exact`` is not finite.

    Raises
    ------
    TypeError
        For a ``dtype`` that is not float16, float32 or float64.
    ValueError
        For an unknown ``metric``.

    Examples
    --------
    >>> import numpy as np
    >>> float(ulp(1.5)) == float(np.spacing(1.5))
    True
    >>> float(ulp(1e-3, np.float32, metric="log")) == float(np.spacing(np.float32(1)))
    True
    >>> ulp([1.0, np.inf])
    array([2.22044605e-16,            nan])
    """
    fi = _float_info(dtype)
    log_metric = _check_metric(metric)
    arr = np.asarray(exact, dtype=object)
    values = []
    with mpmath.workprec(PRECISION):
        for v in arr.reshape(-1).tolist():
            v = _exact(v)
            if not mpmath.isfinite(v):
                values.append(math.nan)
                continue
            mag = max(abs(v), _ONE) if log_metric else abs(v)
            values.append(math.ldexp(1.0, _ulp_exponent(mag, fi)))
    return _scalar_or_array(np.array(values, dtype=np.float64).reshape(arr.shape))


def _error_one(a: float, x: Any, fi: np.finfo[Any], log_metric: bool) -> float:
    if mpmath.isnan(x):
        return 0.0 if math.isnan(a) else math.inf
    if mpmath.isinf(x):
        return 0.0 if a == x else math.inf
    if not math.isfinite(a):
        return math.inf
    mag = max(abs(x), _ONE) if log_metric else abs(x)
    k = _ulp_exponent(mag, fi)
    with mpmath.workprec(64):
        diff = abs(mpmath.fsub(a, x))
        return float(mpmath.ldexp(diff, -k))


def ulp_error(actual: ArrayLike, exact: Any, metric: str = "log") -> Any:
    """Error of ``actual`` against ``exact`` in ulps of the dtype of ``actual``.

    Parameters
    ----------
    actual : array_like
        Computed values (float16, float32 or float64; Python floats and ints
        count as float64).
    exact : array_like
        Exact values: mpmath.mpf (as the ``ref_`` functions return) or floats,
        broadcastable against ``actual``.
    metric : {"log", "relative"}
        ``"relative"``: |actual - exact| / spacing(|exact|), the relative error
        in ulps. ``"log"``: |actual - exact| / spacing(max(|exact|, 1)), for
        logs, where an absolute error e is a relative error e in the number
        the log stands for.

    Returns
    -------
    ndarray of float64, or float64 for 0-d
        Fractional ulps, computed against the unrounded exact value. Where the
        exact value is nan, inf or -inf the error is 0 if ``actual`` is the same
        special value and inf otherwise; a non-finite ``actual`` where the exact
        value is finite is an inf error.

    Examples
    --------
    >>> import numpy as np
    >>> exact = ref_logaddexp(0.0, 0.0)  # log 2
    >>> round(float(ulp_error(np.log(2.0), exact, metric="relative")), 4)
    0.2089
    >>> round(float(ulp_error(np.nextafter(np.log(2.0), 1.0), exact, metric="relative")), 4)
    0.7911
    >>> round(float(ulp_error(np.log(2.0), exact, metric="log")), 4)  # ulps of 1, not of log 2
    0.1044
    >>> ulp_error([np.inf, np.nan, 0.0], [np.inf, np.nan, np.inf])
    array([ 0.,  0., inf])
    """
    log_metric = _check_metric(metric)
    act = np.asarray(actual)
    if act.dtype.kind in "iub":
        act = act.astype(np.float64)
    fi = _float_info(act.dtype)
    ex = np.asarray(exact, dtype=object)
    act_b, ex_b = np.broadcast_arrays(act, ex)
    a_flat = np.asarray(act_b, dtype=np.float64).reshape(-1).tolist()
    x_flat = ex_b.reshape(-1).tolist()
    out = np.empty(len(a_flat), dtype=np.float64)
    with mpmath.workprec(PRECISION):
        for i, (a, x) in enumerate(zip(a_flat, x_flat)):
            out[i] = _error_one(a, _exact(x), fi, log_metric)
    return _scalar_or_array(out.reshape(act_b.shape))


# ---------------------------------------------------------------------------
# Assertions
# ---------------------------------------------------------------------------


def _describe(x: Any) -> str:
    if isinstance(x, mpmath.mpf):
        # nstr converts at the context's precision (mpmath >= 1.4): give it enough.
        with mpmath.workprec(PRECISION):
            return mpmath.nstr(x, 20)
    return repr(x)


def assert_ulp_close(
    actual: ArrayLike, exact: Any, max_ulp: ArrayLike, metric: str = "log", err_msg: str = ""
) -> Any:
    """Assert that ``actual`` is within ``max_ulp`` ulps of ``exact``.

    Shapes must match exactly. Errors are measured by :func:`ulp_error`, so a
    special value must be matched exactly (nan by nan).

    Parameters
    ----------
    actual : array_like
        Computed values.
    exact : array_like
        Exact values, e.g. from a ``ref_`` function.
    max_ulp : float or array_like
        Allowed error, broadcast against the values.
    metric : {"log", "relative"}
        See :func:`ulp_error`.
    err_msg : str
        Prepended to the failure message.

    Returns
    -------
    ndarray
        The errors in ulps, for further checks or reporting.

    Raises
    ------
    AssertionError
        With the number of failures and the worst element: its index, actual
        and exact values and error.

    Examples
    --------
    >>> import numpy as np
    >>> exact = ref_logsumexp([0.0, 0.0])
    >>> _ = assert_ulp_close(np.log(2.0), exact, max_ulp=1)
    >>> assert_ulp_close(0.69, exact, max_ulp=1)
    Traceback (most recent call last):
    ...
    AssertionError: Not within 1 ulp (metric 'log'): 1 of 1 elements.
    Worst at index (): actual 0.69, exact 0.69314718055994530942, error 1.42e+13 ulp
    """
    act = np.asarray(actual)
    ex = np.asarray(exact, dtype=object)
    prefix = f"{err_msg}\n" if err_msg else ""
    if act.shape != ex.shape:
        raise AssertionError(f"{prefix}Shape mismatch: actual {act.shape}, exact {ex.shape}")
    errors = np.asarray(ulp_error(act, ex, metric=metric))
    allowed = np.broadcast_to(np.asarray(max_ulp, dtype=np.float64), errors.shape)
    bad = ~(errors <= allowed)
    if np.any(bad):
        excess = np.where(bad, errors - allowed, -np.inf)
        excess[np.isnan(excess)] = np.inf
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), errors.shape))
        bound = np.unique(allowed)
        bound_text = f"{float(bound[0]):g}" if bound.size == 1 else "the given"
        raise AssertionError(
            f"{prefix}Not within {bound_text} ulp (metric {metric!r}): "
            f"{int(np.count_nonzero(bad))} of {errors.size} elements.\n"
            f"Worst at index {worst}: actual {_describe(act[worst].item())}, "
            f"exact {_describe(ex[worst])}, error {float(errors[worst]):.3g} ulp"
            + ("" if bound.size == 1 else f" (allowed {float(allowed[worst]):.3g})")
        )
    return errors


def _kernel(kernel: str | Callable[..., Any]) -> tuple[str, Callable[..., Any]]:
    if isinstance(kernel, str):
        name = kernel
        if name not in REFERENCES:
            raise ValueError(f"unknown kernel {name!r}; known: {', '.join(REFERENCES)}")
        return name, getattr(importlib.import_module("logspace"), name)
    return getattr(kernel, "__name__", repr(kernel)), kernel


def assert_accurate(
    kernel: str | Callable[..., Any],
    *args: Any,
    max_ulp: ArrayLike,
    metric: str | None = None,
    reference: Callable[..., Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Run a kernel and its reference on the same input and compare in ulps.

    Parameters
    ----------
    kernel : str or callable
        A kernel name (``"logsumexp"``, looked up in :mod:`logspace`) or a
        callable; a callable's ``__name__`` selects the reference unless
        ``reference`` is given.
    *args, **kwargs
        Passed to both the kernel and the reference.
    max_ulp : float or array_like
        Allowed error in ulps of the kernel's result dtype.
    metric : {"log", "relative"}, optional
        Defaults to the kernel's metric in :data:`METRICS`.
    reference : callable, optional
        Reference to use instead of ``REFERENCES[name]``.

    Returns
    -------
    ndarray
        The errors in ulps. With ``return_sign=True`` the signs must match
        exactly and the errors are those of the log-magnitudes.

    Examples
    --------
    >>> import numpy as np
    >>> errors = assert_accurate("logsumexp", np.array([0.0, -40.0]), max_ulp=2)
    >>> float(errors) <= 2
    True
    >>> def naive_logaddexp(a, b):
    ...     return np.log(np.exp(a) + np.exp(b))
    >>> assert_accurate(naive_logaddexp, 0.0, -40.0, max_ulp=1,
    ...                 reference=ref_logaddexp, metric="relative")
    Traceback (most recent call last):
    ...
    AssertionError: naive_logaddexp(...) against its mpmath reference
    Not within 1 ulp (metric 'relative'): 1 of 1 elements.
    Worst at index (): actual 0.0, exact 4.2483542552915889863e-18, error 5.51e+15 ulp
    """
    name, fn = _kernel(kernel)
    if reference is None:
        if name not in REFERENCES:
            raise ValueError(f"no reference for {name!r}: pass reference=")
        reference = REFERENCES[name]
    if metric is None:
        metric = METRICS.get(name, "log")
    actual = fn(*args, **kwargs)
    exact = reference(*args, **kwargs)
    msg = f"{name}(...) against its mpmath reference"
    if isinstance(exact, tuple):
        if not isinstance(actual, tuple) or len(actual) != len(exact):
            raise AssertionError(f"{msg}: expected a tuple of {len(exact)} results")
        for i, (act_part, ex_part) in enumerate(zip(actual[1:], exact[1:]), start=1):
            np.testing.assert_array_equal(act_part, ex_part, err_msg=f"{msg}: result {i}")
        actual, exact = actual[0], exact[0]
    return assert_ulp_close(actual, exact, max_ulp, metric=metric, err_msg=msg)


# ---------------------------------------------------------------------------
# Condition number
# ---------------------------------------------------------------------------


def lse_condition_number(
    x: ArrayLike, axis: int | tuple[int, ...] | None = None, b: ArrayLike | None = None
) -> Any:
    """Relative condition number of log-sum-exp, sum(|x_i| softmax_i) / |lse|.

    The first-order relative change of y = log(sum(b_i e**x_i)) under relative
    perturbations of the x_i (Blanchard, Higham & Higham 2021):
    sum(|b_i x_i| e**x_i) / |sum(b_i e**x_i)| / |y|. The weights ``b`` (for
    instance +1 and -1 for a difference) are taken as exact. Computed in
    float64 (with y from the mpmath reference where signed weights can
    cancel), as a guide to where tight error bounds apply.

    Parameters
    ----------
    x : array_like
        Real floats or ints: the logs of the terms.
    axis : int or tuple of ints, optional
        The axes that log-sum-exp reduces; all of them by default.
    b : array_like, optional
        Weights of the terms (for instance +1 and -1), broadcast against
        ``x``; all ones by default.

    Returns
    -------
    ndarray of float64, or float64 for 0-d
        inf where y = 0 and some x_i != 0 has weight; 0 where all such x_i
        are 0; nan where y is not finite (empty or zero sums, infinities, nan).

    Examples
    --------
    >>> import numpy as np
    >>> float(lse_condition_number([0.0, 0.0]))  # log 2 of exact zeros
    0.0
    >>> float(lse_condition_number([-np.log(3.0)] * 3))  # sum is 1: y = 0
    inf
    >>> round(float(lse_condition_number([1000.0, 999.0])), 4)
    0.9994
    >>> round(float(lse_condition_number([1e-300, 0.0], b=[1.0, -1.0])), 5)  # e**1e-300 - 1
    0.00145
    """
    xs = np.asarray(_as_float_array(x, "lse_condition_number"), dtype=np.float64)
    if b is None:
        ws = np.ones_like(xs)
    else:
        wb = np.asarray(_as_float_array(b, "lse_condition_number"), dtype=np.float64)
        xs, ws = np.broadcast_arrays(xs, wb)
    rows, kept_shape, _, _ = _reduction_rows(xs, axis)
    wrows = _reduction_rows(ws, axis)[0]
    with np.errstate(all="ignore"):
        live = np.where(wrows != 0, rows, -np.inf)
        m = np.max(live, axis=-1, keepdims=True, initial=-np.inf)
        shift = np.where(np.isfinite(m), m, 0.0)
        # log of sum |b_i x_i| e**(x_i - m): positive terms, no cancellation.
        log_terms = np.where(
            (live > -np.inf) & (rows != 0), np.log(np.abs(wrows)) + np.log(np.abs(rows)) + (live - shift), -np.inf
        )
        top = np.max(log_terms, axis=-1, keepdims=True, initial=-np.inf)
        top_shift = np.where(np.isfinite(top), top, 0.0)
        log_num = top[:, 0] + np.log(np.sum(np.exp(log_terms - top_shift), axis=-1))
        log_num = np.where(top[:, 0] == -np.inf, -np.inf, log_num)
        # y = m + rest, rest = log1p(sum of shifted terms - 1): exact for y near 0.
        t = np.where(live == -np.inf, 0.0, wrows * np.exp(live - shift))
        if t.shape[-1]:
            k = np.argmax(live, axis=-1)[:, np.newaxis]
            w_top = np.take_along_axis(wrows, k, axis=-1)[:, 0]
            np.put_along_axis(t, k, 0.0, axis=-1)
            rest = np.log1p(t.sum(axis=-1) + (w_top - 1.0))
        else:
            rest = np.full(rows.shape[0], -np.inf)
        y = m[:, 0] + rest
        # Signed weights can cancel: take y from the exact reference there.
        for i in np.flatnonzero(np.any(wrows < 0, axis=-1)):
            exact = _retrying(_lse_terms, rows[i].tolist(), wrows[i].tolist())[0]
            y[i] = float(exact)
            if mpmath.isfinite(exact) and np.isfinite(m[i, 0]):
                with mpmath.workprec(64):
                    rest[i] = float(exact - mpmath.mpf(float(m[i, 0])))
        cond = np.exp(log_num - rest) / np.abs(y)
        cond = np.where(log_num == -np.inf, 0.0, cond)
        cond = np.where(y == 0, np.where(log_num > -np.inf, np.inf, 0.0), cond)
        cond = np.where(np.isfinite(y) & ~np.isnan(log_num) & (log_num < np.inf), cond, np.nan)
    return _scalar_or_array(np.asarray(cond, dtype=np.float64).reshape(kept_shape))


def logmatmulexp_bound(a: ArrayLike, b: ArrayLike, exact: Any, dtype: DTypeLike = np.float64) -> NDArray[np.float64]:
    """The documented error bound of ``logmatmulexp(a, b)``, in log-metric ulps.

    Per entry: (k + 2)u + 2u(|m_i| + |n_j|) absolute, plus one ulp of the
    result, where u is the unit roundoff of ``dtype`` and m_i, n_j the finite
    row maxima of ``a`` and column maxima of ``b`` (the first term is a matmul
    of the exact exponentials, the second what adding the shifts back may
    cost). Returned in ulps of max(|exact|, 1), ready for
    :func:`assert_ulp_close`.

    Parameters
    ----------
    a, b : array_like
        The operands of ``logmatmulexp`` (logs of the matrix entries).
    exact : array_like of mpmath.mpf
        The exact product, ``ref_logmatmulexp(a, b)``: the bound's last ulp
        and its unit are taken at these values.
    dtype : float16, float32 or float64, optional
        The dtype of the computed result (default float64), whose unit
        roundoff is u.

    Returns
    -------
    ndarray of float64
        The bound of each entry of the product, in ulps of max(|exact|, 1)
        (the ``"log"`` metric of :func:`ulp_error`); nan where the exact
        value is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.zeros((2, 3)), np.zeros((3, 2))
    >>> bound = logmatmulexp_bound(a, b, ref_logmatmulexp(a, b))
    >>> bound.shape, bool(np.all(bound > 1))
    ((2, 2), True)
    """
    a64 = np.asarray(a, dtype=np.float64)
    b64 = np.asarray(b, dtype=np.float64)
    a2 = a64[np.newaxis, :] if a64.ndim == 1 else a64
    b2 = b64[:, np.newaxis] if b64.ndim == 1 else b64
    u = float(np.finfo(dtype).eps) / 2
    k = a2.shape[-1]
    with np.errstate(all="ignore"):
        row_max = np.max(np.where(np.isfinite(a2), a2, -np.inf), axis=-1, keepdims=True, initial=-np.inf)
        col_max = np.max(np.where(np.isfinite(b2), b2, -np.inf), axis=-2, keepdims=True, initial=-np.inf)
        row_max = np.where(np.isfinite(row_max), row_max, 0.0)
        col_max = np.where(np.isfinite(col_max), col_max, 0.0)
        absolute = (k + 2) * u + 2 * u * (np.abs(row_max) + np.abs(col_max))
    if a64.ndim == 1:
        absolute = absolute[..., 0, :]
    if b64.ndim == 1:
        absolute = absolute[..., 0]
    absolute = absolute + np.asarray(ulp(exact, dtype, "relative"))
    return np.asarray(absolute / np.asarray(ulp(exact, dtype, "log")), dtype=np.float64)
