"""Kernels: pure functions on arrays of natural logarithms.

Every function here takes plain arrays (or scalars) of logs, never logspace
objects, and returns plain arrays of logs. A log of -inf stands for the number
zero. This is the only module that knows numerical tricks; ``LogFloat`` and
``LogArray`` are thin layers above it. Scalar twins for Python floats, written
with :mod:`math`, live in :mod:`logspace._kernels_scalar`.

Conventions shared by every kernel:

* Result dtypes follow numpy's promotion (NEP 50): float16, float32 and
  float64 stay as they are, mixed dtypes promote as in numpy, Python ints,
  floats and bools are weak (``logaddexp(2, np.float32(3))`` is float32),
  and an all-integer or boolean input gives float64. Work is done in float64
  internally and rounded once at the end, so float32 and float16 results
  are correctly rounded in all but rare cases (float16 logs hold about 3
  significant digits, and overflow to inf above 65504, as numpy's float16).
* Complex, object and string input is a ``TypeError``.
* Domain errors follow numpy: the result is nan (or -inf) and numpy's
  floating-point error handling (``np.errstate``) decides whether that warns,
  raises or passes silently.
* 0-d results are returned as numpy scalars, as numpy ufuncs do.

Every public kernel also takes dask arrays and arrays of any array-API
library (torch, JAX, CuPy, array-api-strict). It starts with one check,
:func:`_implementation`, which asks :mod:`logspace._backends` (one dictionary
lookup for numpy input) and hands other input to :mod:`logspace._dask`, which
builds a lazy graph applying these same numpy kernels chunk by chunk, or to
:mod:`logspace._xp_kernels`, the same algorithms written once against the
array API (through :mod:`logspace._torch` and :mod:`logspace._jax` for
torch and JAX, which add gradient rules). logspace never imports dask, torch, JAX or array-api-compat
itself: each is imported only once such an array has been passed in.
"""

from __future__ import annotations

import importlib
import math
import os
import sys
import warnings
from types import ModuleType
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple
from numpy.typing import ArrayLike, NDArray

from logspace import _backends, _blocked, _native

__all__ = [
    "log1mexp",
    "log1pexp",
    "log_softmax",
    "logaddexp",
    "logcumsumexp",
    "logmatmulexp",
    "maxmatmul",
    "logsubexp",
    "prepare_logmatmul",
    "logsumexp",
    "softmax",
]

_LOG2 = math.log(2.0)
# A shifted product below this is an underflowed or subnormal sum: its log has
# lost relative accuracy, so logmatmulexp recomputes the entry exactly.
_MATMUL_TRUST = np.finfo(np.float64).tiny / np.finfo(np.float64).eps
# Reductions over a leading axis stream rows when each row has at least this
# many elements; narrower arrays are cheaper to transpose into a copy.
_WIDE_ENOUGH_TO_STREAM = 256
# dtypes the kernels return as they are given.
_FLOAT64 = np.dtype(np.float64)
_NATIVE = (np.dtype(np.float32), _FLOAT64)
# Scratch memory, in elements, that one exact log-matmul chunk may use.
_EXACT_CHUNK = 1 << 21
# Reductions of a whole 1-D array, without the ndarray method wrappers.
_MAXIMUM = np.maximum.reduce
_MINIMUM = np.minimum.reduce
_ADD, _SUBTRACT, _EXP, _LOG, _MATMUL, _ISFINITE = np.add, np.subtract, np.exp, np.log, np.matmul, math.isfinite


# ---------------------------------------------------------------------------
# Dispatch to the other backends
# ---------------------------------------------------------------------------


def _implementation(*arrays: Any) -> ModuleType | None:
    """The kernels for ``arrays`` when they are not numpy's, else None.

    The one dispatch point of the kernels: :func:`logspace._backends.kind`
    answers with one dictionary lookup per numpy argument. The dask and the
    other kernels are imported on first use; those that need these numpy
    kernels are given them through their ``bind`` (dask applies them chunk
    by chunk; torch on the CPU runs them on a tensor's buffer), so no module
    imports this one back.
    """
    found = _backends.kind(*arrays)
    if found is None:
        return None
    return _implementation_module(found)


def _implementation_module(found: str) -> ModuleType:
    """The kernels module for the kind of array ``found`` (imported and bound on first use)."""
    impl = _LOADED.get(found)
    if impl is None:
        impl = importlib.import_module(_IMPLEMENTATION_MODULES[found])
        bind = getattr(impl, "bind", None)
        if bind is not None:
            bind(sys.modules[__name__])
        _LOADED[found] = impl
    return impl


_LOADED: dict[str, ModuleType] = {}
# The kernels for each kind of array that _backends.kind tells apart.
_IMPLEMENTATION_MODULES = {
    _backends.DASK: "logspace._dask",
    _backends.TORCH: "logspace._torch",
    _backends.JAX: "logspace._jax",
    _backends.ARRAY_API: "logspace._xp_kernels",
}


# ---------------------------------------------------------------------------
# Input handling and numpy-style error signalling
# ---------------------------------------------------------------------------


def log_and_sign(x: Any) -> tuple[Any, Any]:
    """The logs and signs of a log-domain number or array, else ``(x, None)``.

    A LogArray or LogFloat (anything whose type has ``__logspace_log_sign__``:
    the kernels do not import the types) gives its stored logs and its signs
    (-1, 0, 1; None when it holds no negative number). Anything else is
    already logs.

    >>> log_and_sign(np.array([0.0]))
    (array([0.]), None)
    """
    method = getattr(type(x), "__logspace_log_sign__", None)
    if method is None:
        return x, None
    return method(x)


def _as_logs(x: ArrayLike, name: str) -> NDArray[np.floating[Any]]:
    """``x`` as a float array of logs, or TypeError saying what is accepted.

    A dask array stays a (lazy) dask array: only its dtype is looked at. A
    LogArray or LogFloat gives its logs (see :func:`log_and_sign`); a
    negative number has none, so it gives nan there, as ``np.log``.
    """
    x, sign = log_and_sign(x)
    if sign is not None:
        negative = _backends.asarray(sign) < 0
        if _backends.any_true(negative, if_lazy=False):
            _signal("invalid", name)
        x = np.where(negative, np.nan, x)
    arr: Any = x if type(x) is np.ndarray or _backends.is_lazy(x) else np.asarray(x)
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    if kind in "iub":
        return arr.astype(np.float64)
    raise TypeError(
        f"{name}: expected real numbers (an int or float array, or Python "
        f"numbers) holding natural logarithms, got dtype {arr.dtype}"
    )


def _negative(sign: Any) -> Any:
    return False if sign is None else _backends.asarray(sign) < 0


# Python scalars that are weak under NEP 50: they take the other operand's dtype.
_WEAK_SCALARS = (int, float, bool)


def _weak_or(original: Any, converted: NDArray[Any]) -> Any:
    """What numpy's promotion sees of an operand: a Python scalar (weak), the original dtype, or the array.

    The original dtype, not the float64 that integers become: ``np.int8``
    with float32 is float32, as in numpy.
    """
    if type(original) in _WEAK_SCALARS:
        return original
    dtype = getattr(original, "dtype", None)
    return dtype if isinstance(dtype, np.dtype) else converted


def _result_dtype(*arrays: Any) -> np.dtype[Any]:
    """numpy's result dtype of the operands (Python scalars weak), float64 for integers and bools."""
    first = getattr(arrays[0], "dtype", arrays[0])
    if first in _NATIVE and all(getattr(arr, "dtype", arr) == first for arr in arrays):
        return first
    dtype = np.result_type(*arrays)
    return _FLOAT64 if dtype.kind in "iub" else dtype


def _wide(x: NDArray[Any]) -> NDArray[np.float64]:
    """float64 working copy (no copy when already float64)."""
    return x.astype(np.float64, copy=False)


def _finish(result: NDArray[Any], dtype: np.dtype[Any]) -> Any:
    """Cast back to the input dtype; 0-d arrays become numpy scalars."""
    result = result.astype(dtype, copy=False)
    return result[()] if result.ndim == 0 else result


def _signal(kind: str, name: str) -> None:
    """Report a floating-point error the way numpy's ``np.errstate`` says.

    The kernels compute with errors silenced (so that harmless intermediate
    inf - inf does not warn) and then signal only the real domain errors.
    """
    mode = np.geterr()[kind]  # type: ignore[literal-required]
    message = f"{'divide by zero' if kind == 'divide' else 'invalid value'} encountered in {name}"
    if mode == "ignore":
        return
    if mode == "raise":
        raise FloatingPointError(message)
    if mode == "call":
        callback = np.geterrcall()
        if callback is not None:
            callback(message, {"divide": 1, "invalid": 8}[kind])  # type: ignore[operator]
        return
    warnings.warn(message, RuntimeWarning, stacklevel=3)


def _reduction_layout(
    shape: tuple[int, ...], axis: int | tuple[int, ...] | None
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Permutation that moves the reduced axes last, and the shapes around it.

    Returns ``(order, kept_shape, keepdims_shape)``.
    """
    ndim = len(shape)
    axes = tuple(range(ndim)) if axis is None else normalize_axis_tuple(axis, ndim)
    kept = tuple(i for i in range(ndim) if i not in axes)
    keepdims_shape = tuple(1 if i in axes else shape[i] for i in range(ndim))
    return kept + axes, tuple(shape[i] for i in kept), keepdims_shape


def _reduced_last(x: NDArray[Any], axis: int | tuple[int, ...] | None) -> NDArray[Any]:
    """View or copy of ``x`` with the reduced axes flattened into the last one."""
    order, kept_shape, _ = _reduction_layout(x.shape, axis)
    reduced = math.prod(x.shape[i] for i in order[len(kept_shape) :])
    return x.transpose(order).reshape(kept_shape + (reduced,))


def _shape_like_input(
    y: NDArray[Any], shape: tuple[int, ...], axis: int | tuple[int, ...] | None
) -> NDArray[Any]:
    """Undo :func:`_reduced_last` for an elementwise result ``y``."""
    order, _, _ = _reduction_layout(shape, axis)
    moved = y.reshape(tuple(shape[i] for i in order))
    return moved.transpose(np.argsort(order))


# ---------------------------------------------------------------------------
# Elementwise kernels
# ---------------------------------------------------------------------------


def logaddexp(a: ArrayLike, b: ArrayLike) -> Any:
    """log(exp(a) + exp(b)), elementwise with broadcasting.

    Computed as max(a, b) + log1p(exp(-|a - b|)), which never overflows; equal
    infinite arguments give that infinity. Error <= 1 ulp of
    max(|result|, 1).

    Parameters
    ----------
    a, b : array_like
        Natural logarithms of non-negative numbers; -inf stands for zero.

    Returns
    -------
    ndarray or scalar
        The log of the sum, in the dtype of the inputs.

    Examples
    --------
    The naive formula overflows where the log-domain sum is exact:

    >>> import numpy as np
    >>> with np.errstate(over="ignore"):
    ...     float(np.log(np.exp(1000.0) + np.exp(1000.0)))
    inf
    >>> float(logaddexp(1000.0, 1000.0))
    1000.6931471805599
    """
    (a, sign_a), (b, sign_b) = log_and_sign(a), log_and_sign(b)
    if sign_a is not None or sign_b is not None:  # LogArray/LogFloat operands: (a + b).log
        return logaddexp_signed(a, _negative(sign_a), b, _negative(sign_b))[0]
    impl = _implementation(a, b)
    if impl is not None:
        return impl.logaddexp(a, b)

    x = _as_logs(a, "logaddexp")
    y = _as_logs(b, "logaddexp")
    dtype = _result_dtype(_weak_or(a, x), _weak_or(b, y))
    return _finish(_blocked.logaddexp(_wide(x), _wide(y)), dtype)


def log1pexp(x: ArrayLike) -> Any:
    """log(1 + exp(x)), accurate for every x (softplus).

    Uses exp(x) for x <= -37, log1p(exp(x)) up to 18, x + exp(-x) up to 33.3
    and x above (Mächler 2012). Error <= 2 ulp of the result.

    Parameters
    ----------
    x : array_like
        Any real numbers (the logs of numbers); a dask, torch or JAX array
        is computed by its own library.

    Returns
    -------
    ndarray or scalar
        The values log(1 + exp(x)), in the dtype of ``x`` (float64 for integers).

    Examples
    --------
    >>> import numpy as np
    >>> with np.errstate(over="ignore"):
    ...     float(np.log1p(np.exp(800.0)))
    inf
    >>> float(log1pexp(800.0)), float(log1pexp(-800.0))
    (800.0, 0.0)

    References
    ----------
    M. Mächler, "Accurately Computing log(1 - exp(-|a|)) Assessed by the Rmpfr
    package", 2012.
    """
    impl = _implementation(x)
    if impl is not None:
        return impl.log1pexp(x)

    arr = _as_logs(x, "log1pexp")
    dtype = _result_dtype(arr)
    v = _wide(arr)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        e = np.exp(np.minimum(v, 33.3))
        out = np.where(
            v <= -37.0,
            e,
            np.where(v <= 18.0, np.log1p(e), np.where(v <= 33.3, v + 1.0 / e, v)),
        )
    return _finish(out, dtype)


def _log1mexp_quiet(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """log1mexp on float64 with every floating-point error silenced."""
    with np.errstate(all="ignore"):
        return np.where(v > -_LOG2, np.log(-np.expm1(v)), np.log1p(-np.exp(v)))


def log1mexp(x: ArrayLike) -> Any:
    """log(1 - exp(x)) for x <= 0.

    Switches at x = -log 2 between log(-expm1(x)) and log1p(-exp(x)), the two
    regimes where each formula is accurate (Mächler 2012). Error <= 2 ulp of
    the result. x = 0 gives -inf (numpy's divide-by-zero signal) and x > 0
    gives nan (numpy's invalid-value signal).

    Parameters
    ----------
    x : array_like
        Natural logs of numbers in [0, 1]: real numbers <= 0. A dask, torch
        or JAX array is computed by its own library.

    Returns
    -------
    ndarray or scalar
        The values log(1 - exp(x)), in the dtype of ``x`` (float64 for integers).

    Examples
    --------
    The one-formula version loses everything near zero:

    >>> import numpy as np
    >>> with np.errstate(divide="ignore"):
    ...     float(np.log1p(-np.exp(-1e-20)))
    -inf
    >>> float(log1mexp(-1e-20))
    -46.051701859880914

    References
    ----------
    M. Mächler, "Accurately Computing log(1 - exp(-|a|)) Assessed by the Rmpfr
    package", 2012.
    """
    impl = _implementation(x)
    if impl is not None:
        return impl.log1mexp(x)

    arr = _as_logs(x, "log1mexp")
    dtype = _result_dtype(arr)
    v = _wide(arr)
    out = _log1mexp_quiet(v)
    if np.any(v > 0.0):
        _signal("invalid", "log1mexp")
    if np.any(v == 0.0):
        _signal("divide", "log1mexp")
    return _finish(out, dtype)


def logsubexp(a: ArrayLike, b: ArrayLike) -> Any:
    """log(exp(a) - exp(b)) for a >= b, elementwise with broadcasting.

    Computed as a + log1mexp(b - a). ``a == b`` gives -inf exactly when finite
    (the difference is zero, not a division by zero); inf - inf is nan as in
    IEEE arithmetic, and a < b is nan; both signal numpy's invalid value.
    Error <= 2 ulp of max(|result|, 1) where the difference is well
    conditioned.

    Parameters
    ----------
    a, b : array_like
        Natural logs of non-negative numbers with exp(a) >= exp(b); -inf
        stands for zero. They broadcast against each other.

    Returns
    -------
    ndarray or scalar
        The log of the difference, in the dtype of the inputs (numpy's
        promotion, float64 for integers).

    Examples
    --------
    >>> import numpy as np
    >>> with np.errstate(divide="ignore"):
    ...     float(np.log(np.exp(0.0) - np.exp(-1e-20)))
    -inf
    >>> float(logsubexp(0.0, -1e-20))
    -46.051701859880914
    """
    impl = _implementation(a, b)
    if impl is not None:
        return impl.logsubexp(a, b)

    x = _as_logs(a, "logsubexp")
    y = _as_logs(b, "logsubexp")
    dtype = _result_dtype(_weak_or(a, x), _weak_or(b, y))
    x, y = np.broadcast_arrays(_wide(x), _wide(y))
    out = _logsubexp_quiet(x, y)
    if np.any(_logsubexp_invalid(x, y)):
        _signal("invalid", "logsubexp")
    return _finish(out, dtype)


def _logsubexp_invalid(x: NDArray[Any], y: NDArray[Any]) -> NDArray[np.bool_]:
    """Where log(exp(x) - exp(y)) is a domain error: x < y, or inf - inf."""
    return (x < y) | ((x == np.inf) & (y == np.inf))


def _logsubexp_quiet(x: NDArray[Any], y: NDArray[Any]) -> NDArray[np.float64]:
    """logsubexp on float64 arrays of one shape, with no floating-point signals."""
    with np.errstate(invalid="ignore"):
        d = y - x
        out = np.where(d == 0.0, -np.inf, x + _log1mexp_quiet(d))
        out = np.where(y == -np.inf, x, out)
        return np.where(_logsubexp_invalid(x, y), np.nan, out)


def logaddexp_signed(
    log_a: ArrayLike, neg_a: ArrayLike, log_b: ArrayLike, neg_b: ArrayLike
) -> tuple[Any, Any]:
    """Sum of two signed log-domain numbers: (log|a + b|, a + b < 0).

    Each operand is its log-magnitude and a boolean "is negative". Equal signs
    add with :func:`logaddexp`; opposite signs subtract the smaller magnitude
    from the larger with :func:`logsubexp`, so equal magnitudes give zero
    (-inf) exactly. inf - inf is nan with numpy's invalid-value signal.

    Examples
    --------
    >>> log, neg = logaddexp_signed(0.0, False, np.log(0.25), True)  # 1 - 0.25
    >>> float(np.exp(log)), bool(neg)
    (0.75, False)
    """
    impl = _implementation(log_a, neg_a, log_b, neg_b)
    if impl is not None:
        return impl.logaddexp_signed(log_a, neg_a, log_b, neg_b)

    la = _as_logs(log_a, "logaddexp_signed")
    lb = _as_logs(log_b, "logaddexp_signed")
    dtype = _result_dtype(_weak_or(log_a, la), _weak_or(log_b, lb))
    la, lb, na, nb = np.broadcast_arrays(_wide(la), _wide(lb), np.asarray(neg_a, bool), np.asarray(neg_b, bool))
    a_larger = la >= lb
    hi = np.where(a_larger, la, lb)
    lo = np.where(a_larger, lb, la)
    opposite = na != nb
    out = np.where(opposite, _logsubexp_quiet(hi, lo), _blocked.logaddexp(hi, lo))
    if np.any(opposite & (hi == np.inf) & (lo == np.inf)):
        _signal("invalid", "logaddexp_signed")
    neg = np.where(a_larger, na, nb)
    return _finish(out, dtype), (neg[()] if neg.ndim == 0 else neg)


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------


def _shifted_sum(x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Max along the last axis and the sum of exp(x - max) without one maximum.

    Returns ``(amax, s)`` with keepdims shapes, so that the log-sum-exp is
    ``amax + log1p(s)``. Only the first maximum is left out: further tied
    maxima enter ``s`` as exact ones, so m ties give log1p(m - 1 + rest) and
    are counted, not lost. A non-finite maximum shifts by 0 instead, so that
    inf and -inf propagate. Needs a non-empty last axis.
    """
    if x.ndim == 1:
        top, rest = _blocked.shifted_sum_1d(x)
        return np.array([top]), np.array([rest])
    k = np.argmax(x, axis=-1, keepdims=True)
    amax = np.take_along_axis(x, k, axis=-1)
    shift = np.where(np.isfinite(amax), amax, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        t = np.exp(x - shift)
    np.put_along_axis(t, k, 0.0, axis=-1)
    return amax, t.sum(axis=-1, keepdims=True)


def _lse_state(x: NDArray[Any], axis: int | tuple[int, ...] | None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The streaming state of a log-sum-exp over ``axis``, in float64.

    Returns ``(amax, s)`` in the keepdims shape: the maximum and the sum of
    exp(x - amax) over every term but one maximum (see :func:`_shifted_sum`),
    so that the log-sum-exp is ``amax + log1p(s)``. An empty reduction gives
    (-inf, 0). States of disjoint parts merge associatively (the dask
    kernels merge the states of chunks).
    """
    order, kept_shape, keepdims_shape = _reduction_layout(x.shape, axis)
    reduced = order[len(kept_shape) :]
    if x.size == 0:
        return np.full(keepdims_shape, -np.inf), np.zeros(keepdims_shape)
    if len(reduced) == 1 and reduced[0] != x.ndim - 1 and x.size // x.shape[reduced[0]] >= _WIDE_ENOUGH_TO_STREAM:
        # Reducing a leading axis of a wide array: stream rows, no transposed copy.
        amax, s = _blocked.shifted_sum_leading(_wide(np.moveaxis(x, reduced[0], 0)))
    else:
        amax, s = _shifted_sum(_wide(_reduced_last(x, axis)))
    return amax.reshape(keepdims_shape), s.reshape(keepdims_shape)


def _kept_shape(shape: tuple[int, ...], axis: int | tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape after reducing ``axis`` without keepdims."""
    if axis is None:
        return ()
    return _reduction_layout(shape, axis)[1]


def logsumexp(
    a: ArrayLike,
    axis: int | tuple[int, ...] | None = None,
    b: ArrayLike | None = None,
    keepdims: bool = False,
    return_sign: bool = False,
) -> Any:
    """log(sum(b * exp(a))) along ``axis``, as ``scipy.special.logsumexp``.

    Shifts by the maximum a_k and adds the other terms before taking log1p
    (Blanchard, Higham & Higham 2021, Algorithm 4.1), so a dominant term does
    not swallow its neighbours. Error <= 2 ulp of max(|result|, 1) for up to
    10**5 well-conditioned terms. The shifted terms lie in [0, 1] and are added
    by numpy's pairwise summation, never by a sequential fold.

    Parameters
    ----------
    a : array_like
        Natural logs of the terms; -inf stands for zero.
    axis : int or tuple of ints, optional
        Axes to reduce over; all of them by default.
    b : array_like, optional
        Weights, broadcast against ``a``; they may be negative. A zero weight
        removes its term, whatever ``a`` is there.
    keepdims : bool, optional
        Keep the reduced axes with length one.
    return_sign : bool, optional
        Also return the sign of the sum (-1, 0 or 1). Without it a negative
        sum gives nan.

    Returns
    -------
    res : ndarray or scalar
        The log of the absolute value of the sum; -inf for an empty or zero
        sum.
    sgn : ndarray or scalar
        Only with ``return_sign``: the sign of the sum, 0 for a zero sum
        (including an empty one).

    Examples
    --------
    The plain shifted formula returns exactly 0 here; the true value is
    exp(-40) = 4.25e-18:

    >>> import numpy as np
    >>> x = np.array([0.0, -40.0])
    >>> float(x.max() + np.log(np.sum(np.exp(x - x.max()))))
    0.0
    >>> float(logsumexp(x))
    4.248354255291589e-18
    >>> logsumexp([1.0, 2.0], b=[1.0, -1.0], return_sign=True)
    (np.float64(1.5413248546129181), np.float64(-1.0))

    References
    ----------
    P. Blanchard, D. J. Higham, N. J. Higham, "Accurately computing the
    log-sum-exp and softmax functions", IMA J. Numer. Anal. 41(4), 2021.
    """
    a, sign = log_and_sign(a)
    if sign is not None:  # a signed LogArray: its signs weigh its terms
        b = sign if b is None else np.multiply(b, sign)
    impl = _implementation(a, b)
    if impl is not None:
        return impl.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign)

    x = _as_logs(a, "logsumexp")
    if b is not None:
        w = _as_logs(b, "logsumexp")
        return _weighted_logsumexp(x, w, axis, keepdims, return_sign, _result_dtype(x, _weak_or(b, w)))
    dtype = _result_dtype(x)
    amax, s = _lse_state(x, axis)
    res = amax + np.log1p(s)
    if not keepdims:
        res = res.reshape(_kept_shape(x.shape, axis))
    if return_sign:
        sign = np.where(res == -np.inf, 0.0, 1.0)
        sign[np.isnan(res)] = np.nan
        return _finish(res, dtype), _finish(sign, dtype)
    return _finish(res, dtype)


def _weighted_logsumexp(
    x: NDArray[Any],
    w: NDArray[Any],
    axis: int | tuple[int, ...] | None,
    keepdims: bool,
    return_sign: bool,
    dtype: np.dtype[Any],
) -> Any:
    """logsumexp with weights, returned in ``dtype``: shift by the largest term.

    The sum is b_k exp(a_k) (1 + q) with q = (sum over i != k of
    b_i exp(a_i - a_k)) / b_k, and its log is a_k + log|b_k| + log1p(q) while
    q > -1/2. Closer to -1 the weights cancel, so terms within log 2 of the
    maximum are split as b_i + b_i expm1(a_i - a_k): their weights are added
    first (exactly, for weights such as +-1) and only the small expm1 parts
    carry rounding error, as in logsubexp.
    """
    x, w = np.broadcast_arrays(_wide(x), _wide(w))
    _, kept_shape, keepdims_shape = _reduction_layout(x.shape, axis)
    x2 = _reduced_last(np.where(w == 0.0, -np.inf, x), axis)
    w2 = _reduced_last(w, axis)
    if x2.shape[-1] == 0:
        res = np.full(kept_shape, -np.inf)
        sign = np.zeros(kept_shape)
    else:
        res, sign = _weighted_lse_rows(x2, w2)
    shape = keepdims_shape if keepdims else kept_shape
    res, sign = res.reshape(shape), sign.reshape(shape)
    if return_sign:
        return _finish(res, dtype), _finish(sign, dtype)
    return _finish(np.where(sign < 0, np.nan, res), dtype)


def _weighted_lse_rows(
    x: NDArray[np.float64], w: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(log|sum|, sign) of sum(w exp(x)) along the last (non-empty) axis.

    The shift is the term of largest magnitude |w_k| exp(x_k), not merely the
    largest x_k: a tiny weight on the largest log would make q huge and
    log|b_k| + log1p(q) cancel (``[0, -0.6]`` with ``b=[1e-300, 1]`` lost 100
    ulps). Every other term is then at most 1 relative to it. Terms whose
    log exceeds x_k (they have smaller weights) by log 2 or more are
    computed relative to w_k in logs, so exp never overflows.
    """
    with np.errstate(all="ignore"):
        k = np.argmax(x + np.log(np.abs(w)), axis=-1, keepdims=True)
    amax = np.take_along_axis(x, k, axis=-1)
    wk = np.take_along_axis(w, k, axis=-1)
    with np.errstate(all="ignore"):
        d = x - np.where(np.isfinite(amax), amax, 0.0)
        near = np.abs(d) < _LOG2
        high = d >= _LOG2
        np.put_along_axis(near, k, False, axis=-1)
        far_terms = np.where(near | high, 0.0, w * np.exp(d))
        np.put_along_axis(far_terms, k, 0.0, axis=-1)
        near_weights = np.where(near, w, 0.0).sum(axis=-1, keepdims=True)
        small = far_terms.sum(axis=-1, keepdims=True) + np.where(near, w * np.expm1(d), 0.0).sum(axis=-1, keepdims=True)
        q = (near_weights + small) / wk
        if high.any():  # each is |w_i| e**(x_i) / |w_k| e**(x_k) <= 1, in logs
            ratio = np.sign(w) * np.sign(wk) * np.exp(d + (np.log(np.abs(w)) - np.log(np.abs(wk))))
            q = q + np.where(high, ratio, 0.0).sum(axis=-1, keepdims=True)
            small = small + wk * np.where(high, ratio, 0.0).sum(axis=-1, keepdims=True)
        cancelling = q <= -0.5
        total = (wk + near_weights) + small  # the sum over exp(a_k), for the cancelling case
        res = amax + np.where(cancelling, np.log(np.abs(total)), np.log(np.abs(wk)) + np.log1p(q))
        sign = np.where(cancelling, np.sign(total), np.sign(wk))
        # Terms that are +inf: the sum is inf with their sign, or nan if they
        # have both signs (inf - inf). 0 * inf (a weight of inf on a zero) is nan.
        infinite = x == np.inf
        pos_inf = np.any(infinite & (w > 0), axis=-1, keepdims=True)
        neg_inf = np.any(infinite & (w < 0), axis=-1, keepdims=True)
        res = np.where(pos_inf | neg_inf, np.inf, res)
        sign = np.where(pos_inf, 1.0, np.where(neg_inf, -1.0, sign))
        undefined = (pos_inf & neg_inf) | np.any(
            np.isnan(x) | np.isnan(w) | (np.isinf(w) & (x == -np.inf) & (w != 0)), axis=-1, keepdims=True
        )
        res = np.where(undefined, np.nan, res)[..., 0]
        sign = np.where(undefined, np.nan, sign)[..., 0]
        zero = amax[..., 0] == -np.inf
        res = np.where(zero & ~undefined[..., 0], -np.inf, res)
        sign = np.where(zero & ~undefined[..., 0], 0.0, sign)
        sign = np.where(res == -np.inf, 0.0, sign)
    return res, sign


def logcumsumexp(a: ArrayLike, axis: int | None = None) -> Any:
    """Running log-sum-exp along ``axis``: log(cumsum(exp(a))).

    ``axis=None`` works on the flattened array, as :func:`numpy.cumsum` does.
    Every prefix is computed from (max, scaled sum) pairs merged in a
    log-depth scan, the streaming form of Algorithm 4.1 of Blanchard, Higham &
    Higham (2021): each prefix is shifted by its own maximum, so a small early
    prefix is not lost under a large later maximum, and nothing is folded
    sequentially. Error <= 4 ulp of max(|result|, 1) for up to 10**5 terms.

    Parameters
    ----------
    a : array_like
        Natural logs of the terms; -inf stands for zero.
    axis : int, optional
        The axis to accumulate along; the flattened array by default.

    Returns
    -------
    ndarray
        The log of each running sum: the shape of ``a`` (1-D for
        ``axis=None``), in its dtype (float64 for integers).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([-1000.0, 0.0, -40.0])
    >>> with np.errstate(divide="ignore"):
    ...     np.log(np.cumsum(np.exp(x)))
    array([-inf,   0.,   0.])
    >>> logcumsumexp(x)
    array([-1.00000000e+03,  0.00000000e+00,  4.24835426e-18])
    """
    impl = _implementation(a)
    if impl is not None:
        return impl.logcumsumexp(a, axis=axis)

    arr = _as_logs(a, "logcumsumexp")
    dtype = _result_dtype(arr)
    if axis is None:
        arr = arr.reshape(-1)
        axis = 0
    moved = np.moveaxis(_wide(arr), axis, -1)
    if moved.size == 0:
        return _finish(np.array(arr, dtype=np.float64), dtype)
    out = _scan_logcumsumexp(moved.reshape(-1, moved.shape[-1])).reshape(moved.shape)
    return _finish(np.moveaxis(out, -1, axis), dtype)


def _scan_logcumsumexp(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Row-wise running log-sum-exp of a 2-D float64 array (Hillis–Steele scan).

    The state of a prefix is (m, s): its maximum and the sum of exp(x - m)
    over its terms but one maximum. Merging (m1, s1) with (m2, s2), m1 >= m2,
    gives (m1, s1 + (1 + s2) exp(m2 - m1)); shifts are always differences of
    input values, so no large shift cancels against the result.
    """
    running_max = np.maximum.accumulate(x, axis=-1) if x.size else x
    with np.errstate(invalid="ignore"):
        m = np.where(np.isnan(x) | (x == np.inf), -np.inf, x)
    s = np.zeros_like(m)
    n = x.shape[-1]
    step = 1
    with np.errstate(invalid="ignore"):
        while step < n:
            m1, s1, m2, s2 = m[:, :-step], s[:, :-step], m[:, step:], s[:, step:]
            first = m1 >= m2
            hi = np.where(first, m1, m2)
            scale = np.exp(np.where(first, m2, m1) - hi)
            scale[np.isnan(scale)] = 0.0  # both maxima -inf: nothing to add
            merged = np.where(first, s1, s2) + (1.0 + np.where(first, s2, s1)) * scale
            m[:, step:] = hi
            s[:, step:] = merged
            step *= 2
    out = m + np.log1p(s)
    # A +inf or nan term makes every later prefix inf or nan.
    out[running_max == np.inf] = np.inf
    out[np.isnan(running_max)] = np.nan
    return out


def _exact_shift_terms(
    x: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Shifted differences and exponentials along the last axis, free of the shift's rounding.

    Returns ``(d, err, t, s)`` in float64: d = fl(x - m) (x - max itself for
    a non-finite maximum, whose sum s is taken unshifted: nan for a slice of
    -inf, as in scipy, and numpy's inf / inf = nan) and err its exact
    rounding error (TwoSum, so x - m = d + err exactly), t = exp(x - m)
    evaluated as exp(d)(1 + err), and s the sum of t over every term but
    the first maximum (keepdims). Without the correction a term far below the
    maximum carries the relative error u|x - m| of the rounded difference
    (8.8 ulp seen in softmax); with it only exp's own rounding is left.
    Non-finite differences get err = 0 (they propagate as before).
    """
    k = np.argmax(x, axis=-1, keepdims=True)
    amax = np.take_along_axis(x, k, axis=-1)
    shift = np.where(np.isfinite(amax), amax, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        d = x - shift
        # TwoSum(x, -shift): err = (x - (d - (d - x))) + (-shift - (d - x)).
        back = d - x
        err = (x - (d - back)) - (shift + back)
        err[~np.isfinite(err)] = 0.0
        t = np.exp(d)
        t += t * err
        finite = np.isfinite(amax)
        all_finite = finite.all()
        if not all_finite:  # shifted by 0 there: no correction (it would compute inf * 0)
            t = np.where(finite, t, np.exp(d))
        rest = t.copy()
        np.put_along_axis(rest, k, 0.0, axis=-1)
        s = rest.sum(axis=-1, keepdims=True)
        if not all_finite:
            # The sum is shifted by 0 there, the terms by the maximum itself.
            d = np.where(finite, d, x - amax)
            t = np.where(finite, t, np.exp(d))
    return d, err, t, s


def log_softmax(a: ArrayLike, axis: int | tuple[int, ...] | None = None) -> Any:
    """log(softmax(a)) = a - logsumexp(a) along ``axis`` (all axes by default).

    Computed as (d - log1p(s)) + err, where d + err = a - max exactly (a
    TwoSum) and s is the sum of the other shifted terms, each free of the
    shift's rounding. Absolute error <= u(2|r| + 2L + (1 - p_max)(n + 2)) for
    result r, L = log1p(s) = logsumexp(a) - max, n terms and largest
    probability p_max (u = eps/2): about 2 ulps of max(|r|, 1) for a
    dominant term. A slice of all -inf gives nan, as in scipy.

    Parameters
    ----------
    a : array_like
        Natural logs of the (unnormalised) weights; -inf stands for zero.
    axis : int or tuple of ints, optional
        The axes that each normalised slice spans; all of them by default.

    Returns
    -------
    ndarray
        The logs of the normalised weights, of the shape and dtype of ``a``
        (float64 for integers): along ``axis`` their exponentials sum to 1.

    Examples
    --------
    >>> log_softmax([1000.0, 1000.0])
    array([-0.69314718, -0.69314718])
    """
    impl = _implementation(a)
    if impl is not None:
        return impl.log_softmax(a, axis=axis)

    arr = _as_logs(a, "log_softmax")
    dtype = _result_dtype(arr)
    x2 = _wide(_reduced_last(arr, axis))
    if x2.size == 0:
        return _finish(np.array(arr, dtype=np.float64), dtype)
    d, err, _, s = _exact_shift_terms(x2)
    with np.errstate(invalid="ignore"):
        out = (d - np.log1p(s)) + err
    return _finish(_shape_like_input(out, arr.shape, axis), dtype)


def softmax(a: ArrayLike, axis: int | tuple[int, ...] | None = None) -> Any:
    """exp(a) / sum(exp(a)) along ``axis`` (all axes by default).

    Computed as exp(a - max) / (1 + s), not exp(a - logsumexp(a)), which loses
    accuracy under a large common offset (Blanchard, Higham & Higham 2021);
    the shift a - max is taken exactly (TwoSum), so no term carries the
    rounding of a large difference. Relative error
    <= u(6 + (1 - p_max)(n + 2)) per entry (u = eps/2; exp within 1 ulp, the
    correction, 1 + s, the division and a final cast each one rounding),
    for n terms and largest probability p_max; measured up to about 3 ulps
    (docs/accuracy.md).

    Parameters
    ----------
    a : array_like
        Natural logs of the (unnormalised) weights; -inf stands for zero.
    axis : int or tuple of ints, optional
        The axes that each normalised slice spans; all of them by default.

    Returns
    -------
    ndarray
        The normalised weights (linear values in [0, 1], summing to 1 along
        ``axis``), of the shape and dtype of ``a`` (float64 for integers).

    Examples
    --------
    >>> softmax([1e4, 1e4 + 1.0])
    array([0.26894142, 0.73105858])
    """
    impl = _implementation(a)
    if impl is not None:
        return impl.softmax(a, axis=axis)

    arr = _as_logs(a, "softmax")
    dtype = _result_dtype(arr)
    x2 = _wide(_reduced_last(arr, axis))
    if x2.size == 0:
        return _finish(np.array(arr, dtype=np.float64), dtype)
    _, _, t, s = _exact_shift_terms(x2)
    with np.errstate(invalid="ignore"):
        out = t / (1.0 + s)
    return _finish(_shape_like_input(out, arr.shape, axis), dtype)


# ---------------------------------------------------------------------------
# Positions of extremes
# ---------------------------------------------------------------------------


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    """``np.argmax`` with numpy's rule everywhere: the first maximum (or first nan), dask arrays too.

    >>> int(argmax(np.array([1.0, 3.0, 3.0])))
    1
    """
    impl = _implementation(x)
    if impl is not None and hasattr(impl, "arg_extreme"):  # dask: ties across chunks as numpy breaks them
        return impl.arg_extreme(x, axis, keepdims, largest=True)
    return np.argmax(x, axis=axis, keepdims=keepdims)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    """``np.argmin`` with numpy's rule everywhere: the first minimum (or first nan), dask arrays too.

    >>> int(argmin(np.array([3.0, 1.0, 1.0])))
    1
    """
    impl = _implementation(x)
    if impl is not None and hasattr(impl, "arg_extreme"):  # dask: ties across chunks as numpy breaks them
        return impl.arg_extreme(x, axis, keepdims, largest=False)
    return np.argmin(x, axis=axis, keepdims=keepdims)


# ---------------------------------------------------------------------------
# Log-semiring matrix product
# ---------------------------------------------------------------------------


def prepare_logmatmul(x: ArrayLike, side: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The shifted exponentials of one operand of :func:`logmatmulexp`.

    Returns ``(shift, exp(x - shift))``, the shift with the contracted axis
    kept (length 1). When every log lies in [-300, 300] or is -inf, the
    exponentials cannot overflow or underflow in a product and the shift is
    0 (a read-only broadcast zero); otherwise it is the maximum over the
    contracted axis (rows for ``side="left"``, columns for
    ``side="right"``): the largest finite log of the line, +inf for a line
    holding +inf (its exponentials are then 0 or nan, so the product
    recomputes that line's entries exactly), and 0 for a line of -inf.
    Pass the pair as ``prepared_a``/``prepared_b`` to multiply by the same
    matrix many times (an HMM recursion) without exponentiating it again;
    the caller is responsible for the pair belonging to the operand it
    passes.

    Parameters
    ----------
    x : array_like
        The operand's natural logs: a matrix, a stack of matrices, or a 1-D
        vector (a row for ``side="left"``, a column for ``side="right"``).
    side : {'left', 'right'}
        Which operand of the product ``x`` is: ``a`` (left) or ``b`` (right).

    Returns
    -------
    shift : ndarray of float64
        The shift of each line, with the contracted axis of length 1.
    exponentials : ndarray of float64
        ``exp(x - shift)``, of the shape of ``x`` (as a matrix).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.log(np.array([[0.9, 0.1], [0.2, 0.8]]))
    >>> prepared = prepare_logmatmul(A, "right")
    >>> alpha = np.log(np.array([0.5, 0.5]))
    >>> np.exp(logmatmulexp(alpha, A, prepared_b=prepared))
    array([0.55, 0.45])
    """
    impl = _implementation(x)
    if impl is not None:
        return impl.prepare_logmatmul(x, side)

    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', not {side!r}")
    arr = _wide(_as_logs(x, "prepare_logmatmul"))
    if arr.ndim == 1:
        arr = arr[np.newaxis, :] if side == "left" else arr[:, np.newaxis]
    axis = -1 if side == "left" else -2
    if arr.shape[axis] == 0:
        shape = list(arr.shape)
        shape[axis] = 1
        return np.zeros(shape), np.empty(arr.shape)
    with np.errstate(invalid="ignore", over="ignore"):
        safe = _in_exp_safe_range(arr)
        if safe:
            shape = list(arr.shape)
            shape[axis] = 1
            zero = _ZERO_SHIFT_DENSE if safe == "dense" else _ZERO_SHIFT
            return np.broadcast_to(zero, tuple(shape)), np.exp(arr)
        shift = arr.max(axis=axis, keepdims=True)
        _finite_shift(arr, shift, axis)
        return shift, np.exp(arr - shift)


# Logs within this bound need no shift in a log-matmul: a product of two
# exponentials lies in [e^-600, e^600], far from underflow (tiny / eps is
# e^-672) and overflow (with up to 10^40 terms), so the shifted sum's checks
# and shift additions can be skipped.
_EXP_SAFE = 300.0
# The shift of operands in that range: every zero shift is a view of it, so
# the product can skip adding it back.
_ZERO_SHIFT = np.zeros(())
# The same zero shift for operands with no -inf either: every exponential is
# then at least e^-300, so a product with a vector whose largest exponential
# is 1 cannot underflow and needs no check.
_ZERO_SHIFT_DENSE = np.zeros(())


def _is_zero_shift(shift: NDArray[np.float64]) -> bool:
    return shift.base is _ZERO_SHIFT or shift.base is _ZERO_SHIFT_DENSE


def _in_exp_safe_range(arr: NDArray[np.float64]) -> str:
    """``"dense"`` if every log of ``arr`` is within [-_EXP_SAFE, _EXP_SAFE], ``"sparse"`` if
    the others are -inf, else ``""`` (also for nan or an empty array)."""
    if arr.size == 0 or not arr.max() <= _EXP_SAFE:
        return ""
    low = arr.min()
    if low >= -_EXP_SAFE:
        return "dense"
    if low != -np.inf:
        return ""
    return "sparse" if np.where(arr == -np.inf, 0.0, arr).min() >= -_EXP_SAFE else ""


def _finite_shift(arr: NDArray[np.float64], shift: NDArray[np.float64], axis: int) -> None:
    """Replace non-finite maxima in ``shift``: +inf for a line holding +inf, else its finite maximum (0 if none).

    A line holding nan but no inf is shifted by its finite maximum (its nan
    exponentials make the product's entries nan); a line holding +inf by
    +inf, so that none of its exponentials is inf and no product computes
    0 * inf (numpy's invalid-value warning): its entries come out nan and are
    recomputed exactly.
    """
    bad = ~np.isfinite(shift)
    if bad.any():
        finite_max = np.where(np.isfinite(arr), arr, -np.inf).max(axis=axis, keepdims=True)
        has_inf = (arr == np.inf).any(axis=axis, keepdims=True)
        replaced = np.where(has_inf, np.inf, np.where(finite_max == -np.inf, 0.0, finite_max))
        shift[bad] = replaced[bad]


def logmatmulexp(
    a: ArrayLike,
    b: ArrayLike,
    *,
    prepared_a: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
    prepared_b: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
) -> Any:
    """log(exp(a) @ exp(b)) with numpy matmul's shape rules.

    Fast path: shift each row of ``a`` by its maximum m_i and each column of
    ``b`` by its maximum n_j, multiply with BLAS and add the shifts back. Where
    the shifted product P_ij falls below tiny/eps (its terms underflowed: the
    row and column maxima sit at different k, far apart), the entry is
    recomputed exactly as a log-sum-exp over k; when most entries need that,
    the whole product is computed exactly. Entries whose terms are all
    -inf are -inf exactly. Absolute error per entry <= (k + 2)u +
    2u(|m_i| + |n_j|) + 1 ulp.

    ``prepared_a``/``prepared_b`` (from :func:`prepare_logmatmul`) reuse the
    shifted exponentials of an operand that does not change between calls.

    Parameters
    ----------
    a, b : array_like
        Natural logs of the two factors; -inf stands for zero. 1-D operands
        act as a row or a column and batch dimensions broadcast, as in
        :func:`numpy.matmul`.
    prepared_a, prepared_b : tuple of ndarray, optional
        ``prepare_logmatmul(a, "left")`` and ``prepare_logmatmul(b,
        "right")``, computed once for an operand used in many products.

    Returns
    -------
    ndarray or scalar
        The log of the matrix product, in the dtype of the inputs (numpy's
        promotion, float64 for integers); a scalar for two vectors.

    Examples
    --------
    The shifted product underflows when the maxima are 800 apart:

    >>> import numpy as np
    >>> a = np.array([[0.0, -800.0]])
    >>> b = np.array([[-800.0], [0.0]])
    >>> with np.errstate(divide="ignore"):
    ...     float(np.log(np.exp(a - a.max()) @ np.exp(b - b.max())).item())
    -inf
    >>> float(logmatmulexp(a, b).item())
    -799.3068528194401
    """
    # Two ndarrays need no look at the dispatch: this runs once per step of an HMM recursion.
    impl = None if type(a) is np.ndarray and type(b) is np.ndarray else _implementation(a, b)
    if impl is not None:
        return impl.logmatmulexp(a, b, prepared_a=prepared_a, prepared_b=prepared_b)

    if (
        type(a) is np.ndarray
        and type(b) is np.ndarray
        and a.ndim == 1
        and b.ndim == 2
        and a.dtype == _FLOAT64
        and b.dtype == _FLOAT64
        and a.shape[0] == b.shape[0]
    ):
        # A vector times a matrix, once per step of a recursion: skip the
        # general conversions, which cost more than the product here.
        out = _log_vector_matrix(a, b, prepared_b)
        if out is not None:
            return out
    if (
        type(a) is np.ndarray
        and type(b) is np.ndarray
        and a.ndim == 2
        and b.ndim == 1
        and a.dtype == _FLOAT64
        and b.dtype == _FLOAT64
        and a.shape[1] == b.shape[0]
    ):
        out = _log_vector_matrix(b, a.T, None if prepared_a is None else (prepared_a[0].T, prepared_a[1].T))
        if out is not None:
            return out
    x = _as_logs(a, "logmatmulexp")
    y = _as_logs(b, "logmatmulexp")
    dtype = _result_dtype(_weak_or(a, x), _weak_or(b, y))
    x, y, vector_a, vector_b = _matmul_operands(_wide(x), _wide(y))
    out = None
    if vector_a and y.ndim == 2 and not vector_b:
        out = _log_vector_matrix(x[0], y, prepared_b)
    elif vector_b and x.ndim == 2 and not vector_a:
        transposed = None if prepared_a is None else (prepared_a[0].T, prepared_a[1].T)
        out = _log_vector_matrix(y[:, 0], x.T, transposed)
        if out is not None:
            out = out[:, np.newaxis]
    if out is None:
        out = _logmatmulexp_2d(x, y, prepared_a, prepared_b)
        if vector_a:
            out = out[..., 0, :]
    if vector_b:
        out = out[..., 0]
    return _finish(out, dtype)


def _matmul_operands(x: Any, y: Any) -> tuple[Any, Any, bool, bool]:
    """matmul's shape rules: 1-D operands as a row / a column, core sizes checked.

    Returns the two operands as (stacks of) matrices and whether each was a
    vector; works on numpy and dask arrays alike.
    """
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("logmatmulexp: operands must have at least one dimension (matmul does not take scalars)")
    vector_a, vector_b = x.ndim == 1, y.ndim == 1
    if vector_a:
        x = x[np.newaxis, :]
    if vector_b:
        y = y[:, np.newaxis]
    if x.shape[-1] != y.shape[-2]:
        raise ValueError(
            f"logmatmulexp: mismatch in its core dimension: a has {x.shape[-1]} columns "
            f"but b has {y.shape[-2]} rows (shapes {x.shape} and {y.shape})"
        )
    return x, y, vector_a, vector_b


def _log_vector_matrix(
    x: NDArray[np.float64], y: NDArray[np.float64], prepared: tuple[NDArray[np.float64], NDArray[np.float64]] | None
) -> NDArray[np.float64] | None:
    """The common case of one finite vector times a matrix, with no flagged entry.

    ``A @ v`` is ``v @ A.T``: the caller passes the transposes (views).

    Returns None when the general path is needed (non-finite maximum, or an
    entry that must be recomputed); this path does no more than it must, as
    an HMM recursion calls it once per time step. No floating-point error
    can arise: the vector's exponentials are in [0, 1] and the prepared ones
    are never inf (see :func:`prepare_logmatmul`), so there is no errstate.
    """
    if not len(x):
        return None
    # The ufuncs' own reduce and (positional) out arguments, bound to module
    # names: the method wrappers, lookups, keyword parsing and temporaries
    # cost more than the arithmetic at HMM sizes.
    top = _MAXIMUM(x)
    if not _ISFINITE(top):
        return None
    col_shift, exp_y = prepared if prepared is not None else prepare_logmatmul(y, "right")
    weights = _SUBTRACT(x, top)
    _EXP(weights, weights)
    product = _MATMUL(weights, exp_y)
    # ``not >=`` also catches nan: a true nan, or the +inf line of a shift.
    # A dense unshifted matrix cannot underflow here (see _ZERO_SHIFT_DENSE).
    shift_base = col_shift.base
    if shift_base is not _ZERO_SHIFT_DENSE and not _MINIMUM(product) >= _MATMUL_TRUST:
        return None
    _LOG(product, product)
    if shift_base is not _ZERO_SHIFT_DENSE and shift_base is not _ZERO_SHIFT:  # not _is_zero_shift, inlined
        _ADD(product, col_shift.reshape(-1), product)
    _ADD(product, top, product)
    return product


def _logmatmulexp_2d(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    prepared_x: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
    prepared_y: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
) -> NDArray[np.float64]:
    batch = x.shape[:-2] if x.shape[:-2] == y.shape[:-2] else np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    if x.shape[:-2] != batch:
        x = np.broadcast_to(x, batch + x.shape[-2:])
    if y.shape[:-2] != batch:
        y = np.broadcast_to(y, batch + y.shape[-2:])
    if x.shape[-1] == 0:
        return np.full(batch + (x.shape[-2], y.shape[-1]), -np.inf)
    row_max, exp_x = prepared_x if prepared_x is not None else prepare_logmatmul(x, "left")
    col_max, exp_y = prepared_y if prepared_y is not None else prepare_logmatmul(y, "right")
    product = np.matmul(exp_x, exp_y)
    if product.size == 0:
        return product
    flagged = zero = None
    # ``not >=`` also catches nan: a nan product is either a true nan (a nan
    # term, or 0 * inf) or comes from a line holding +inf (shifted by +inf),
    # whose exact value may be inf or a number.
    if not product.min() >= _MATMUL_TRUST:
        flagged = ~(product >= _MATMUL_TRUST)
        # Entries whose terms are all exact zeros (-inf plus a number that is
        # neither nan nor +inf: then the float product is 0, not nan) are zero
        # exactly, not an underflow. A nan log counts as a term.
        some_term = np.matmul((x != -np.inf).astype(np.float64), (y != -np.inf).astype(np.float64))
        zero = (some_term == 0) & (product == 0)
        flagged &= ~zero
        if np.count_nonzero(flagged) * 2 > flagged.size:
            return _logmatmulexp_exact(x, y)
    with np.errstate(all="ignore"):
        out = np.log(product, out=product)
        if not _is_zero_shift(row_max):
            out += row_max
        if not _is_zero_shift(col_max):
            out += col_max
    if flagged is not None and zero is not None:
        out[zero] = -np.inf
        if flagged.any():
            _recompute_entries(x, y, out, flagged)
    return out


def _recompute_entries(
    x: NDArray[np.float64], y: NDArray[np.float64], out: NDArray[np.float64], flagged: NDArray[np.bool_]
) -> None:
    """Overwrite the flagged entries of ``out`` by exact log-sum-exps over k."""
    index = np.nonzero(flagged)
    batch_index, i, j = index[:-2], index[-2], index[-1]
    columns = np.swapaxes(y, -1, -2)
    k = x.shape[-1]
    chunk = max(1, _EXACT_CHUNK // k)
    for start in range(0, len(i), chunk):
        part = slice(start, start + chunk)
        b_idx = tuple(idx[part] for idx in batch_index)
        with np.errstate(invalid="ignore"):  # inf + -inf (0 * inf) is nan, quietly
            terms = x[b_idx + (i[part],)] + columns[b_idx + (j[part],)]
        out[b_idx + (i[part], j[part])] = logsumexp(terms, axis=-1)


def _logmatmulexp_exact(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """The whole product as log-sum-exps of broadcast sums, in row chunks."""
    n, k, p = x.shape[-2], x.shape[-1], y.shape[-1]
    batch = x.shape[:-2]
    out = np.empty(batch + (n, p))
    rows = max(1, _EXACT_CHUNK // max(1, k * p * max(1, math.prod(batch))))
    for start in range(0, n, rows):
        part = slice(start, start + rows)
        with np.errstate(invalid="ignore"):  # inf + -inf (0 * inf) is nan, quietly
            terms = x[..., part, :, np.newaxis] + y[..., np.newaxis, :, :]
        out[..., part, :] = logsumexp(terms, axis=-2)
    return out


# ---------------------------------------------------------------------------
# Max-plus matrix product
# ---------------------------------------------------------------------------

# The compiled product (logspace/_c_maxplus.c), or None: then the numpy
# version below runs, which is also the compiled code's test oracle.
_MAXPLUS = _native.load("_c_maxplus")
# The compiled product shares the rows of a product of at least
# _THREADED_TERMS terms among this many threads (the CPUs this process may
# use): below it, starting a thread costs more than it saves.
_MAXPLUS_THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
_THREADED_TERMS = 1 << 20


def maxmatmul(a: ArrayLike, b: ArrayLike, return_argmax: bool = False) -> Any:
    """Max-plus product: max over k of a[..., i, k] + b[..., k, j], with numpy matmul's shape rules.

    The tropical (Viterbi) counterpart of :func:`logmatmulexp`: for logs of
    weights it gives the log of the largest product max_k A_ik B_kj. Batch
    dimensions broadcast and 1-D operands act as a row or a column, as in
    :func:`numpy.matmul`. A nan term (a nan log, or inf + -inf) makes its
    entry nan. Every entry is one rounded addition: exact to 0.5 ulp.

    Parameters
    ----------
    a, b : array_like
        Natural logs; -inf stands for zero.
    return_argmax : bool, optional
        Also return, as an integer array of the result's shape, the k
        reaching each maximum: the lowest k on ties, and the first k of a nan
        term where the entry is nan (numpy's argmax rule).

    Returns
    -------
    out : ndarray or scalar
        The maxima, in the dtype of the inputs (numpy's promotion).
    argmax : ndarray or scalar
        Only with ``return_argmax``.

    Runs in compiled code where logspace's C extension is built (see
    ``python -m logspace --version``; the rows of a large product are
    shared among threads), else in blocked numpy with bounded scratch
    memory; both give identical results. torch, JAX and other array-API
    arrays give arrays of their library on their device (the same maxima
    and argmax; on torch and JAX the gradient of an entry goes to the term
    reaching its maximum); dask arrays give lazy dask arrays, each block the
    numpy kernel's.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.log(np.array([[0.5, 0.5], [0.9, 0.1]]))
    >>> b = np.log(np.array([[0.2, 0.8], [0.6, 0.4]]))
    >>> out, k = maxmatmul(a, b, return_argmax=True)
    >>> np.exp(out)
    array([[0.3 , 0.4 ],
           [0.18, 0.72]])
    >>> k
    array([[1, 0],
           [0, 0]])
    """
    impl = None if type(a) is np.ndarray and type(b) is np.ndarray else _implementation(a, b)
    if impl is not None:
        # torch, JAX, dask and other array-API arrays: the array-API version, unless the backend has its own.
        kernel = getattr(impl, "maxmatmul", None) or _implementation_module(_backends.ARRAY_API).maxmatmul
        return kernel(a, b, return_argmax=return_argmax)
    x = _as_logs(a, "maxmatmul")
    y = _as_logs(b, "maxmatmul")
    dtype = _result_dtype(_weak_or(a, x), _weak_or(b, y))
    x, y, vector_a, vector_b = _matmul_operands(_wide(x), _wide(y))
    if x.shape[-1] == 0 and return_argmax:
        raise ValueError("maxmatmul: attempt to get argmax of an empty sequence (the contracted dimension is 0)")
    batch = np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    if _MAXPLUS is not None and x.shape[-1] > 0:
        out, arg = _maxmatmul_compiled(x, y, batch, return_argmax)
    else:
        out, arg = _maxmatmul_numpy(x, y, batch, return_argmax)
    if vector_a:
        out = out[..., 0, :]
        arg = None if arg is None else arg[..., 0, :]
    if vector_b:
        out = out[..., 0]
        arg = None if arg is None else arg[..., 0]
    if arg is not None:
        return _finish(out, dtype), (arg[()] if arg.ndim == 0 else arg)
    return _finish(out, dtype)


def _maxmatmul_numpy(
    x: NDArray[np.float64], y: NDArray[np.float64], batch: tuple[int, ...], return_argmax: bool
) -> tuple[NDArray[np.float64], NDArray[np.intp] | None]:
    """The broadcast sums a_ik + b_kj, reduced over k in row chunks of bounded size."""
    x = np.broadcast_to(x, batch + x.shape[-2:])
    y = np.broadcast_to(y, batch + y.shape[-2:])
    n, k, p = x.shape[-2], x.shape[-1], y.shape[-1]
    out = np.full(batch + (n, p), -np.inf)
    arg = np.zeros(batch + (n, p), dtype=np.intp) if return_argmax else None
    if k == 0:
        return out, arg
    rows = max(1, _EXACT_CHUNK // max(1, k * p * max(1, math.prod(batch))))
    for start in range(0, n, rows):
        part = slice(start, start + rows)
        with np.errstate(invalid="ignore"):  # inf + -inf is nan, quietly
            terms = x[..., part, :, np.newaxis] + y[..., np.newaxis, :, :]
        out[..., part, :] = terms.max(axis=-2)
        if arg is not None:
            arg[..., part, :] = terms.argmax(axis=-2)
    return out, arg


def _maxmatmul_compiled(
    x: NDArray[np.float64], y: NDArray[np.float64], batch: tuple[int, ...], return_argmax: bool
) -> tuple[NDArray[np.float64], NDArray[np.intp] | None]:
    """The C loops on contiguous stacks; entries with a nan term are then redone as numpy does."""
    n, k, p = x.shape[-2], x.shape[-1], y.shape[-1]
    size = math.prod(batch)
    # Each operand's own stack, contiguous, and the offset of every batch entry's matrix in it.
    a_stack = np.ascontiguousarray(x).reshape(-1, n, k)
    b_stack = np.ascontiguousarray(y).reshape(-1, k, p)
    a_index = np.broadcast_to(np.arange(a_stack.shape[0]).reshape(x.shape[:-2]), batch).reshape(-1)
    b_index = np.broadcast_to(np.arange(b_stack.shape[0]).reshape(y.shape[:-2]), batch).reshape(-1)
    out: NDArray[np.float64] = np.empty(batch + (n, p))
    arg: NDArray[np.intp] | None = np.empty(batch + (n, p), dtype=np.intp) if return_argmax else None
    assert _MAXPLUS is not None
    # The C code sees the results as stacks (size, n, p): views of the same memory.
    _MAXPLUS.product(
        a_stack,
        b_stack,
        a_index * (n * k),
        b_index * (k * p),
        out.reshape(size, n, p),
        None if arg is None else arg.reshape(size, n, p),
        _MAXPLUS_THREADS if size * n * k * p >= _THREADED_TERMS else 1,
    )
    _redo_nan_terms(x, y, out, arg)
    return out, arg


def _redo_nan_terms(
    x: NDArray[np.float64], y: NDArray[np.float64], out: NDArray[np.float64], arg: NDArray[np.intp] | None
) -> None:
    """Overwrite, as numpy's max/argmax would give them, the entries that have a nan term.

    The C loop skips nan terms (a comparison with nan is false). A term is
    nan where a log is nan or where inf meets -inf; such entries are rare,
    found with a few reductions, and recomputed from their terms.
    """
    nan_x, nan_y = np.isnan(x), np.isnan(y)
    pos_x, pos_y = x == np.inf, y == np.inf
    if not (nan_x.any() or nan_y.any() or pos_x.any() or pos_y.any()):
        return
    as_float = np.float64
    bad = np.matmul(nan_x.astype(as_float), np.ones(y.shape, as_float)) + np.matmul(
        np.ones(x.shape, as_float), nan_y.astype(as_float)
    )
    bad += np.matmul(pos_x.astype(as_float), (y == -np.inf).astype(as_float))
    bad += np.matmul((x == -np.inf).astype(as_float), pos_y.astype(as_float))
    bad = np.broadcast_to(bad > 0, out.shape)
    if not bad.any():
        return
    x = np.broadcast_to(x, out.shape[:-2] + x.shape[-2:])
    y = np.broadcast_to(y, out.shape[:-2] + y.shape[-2:])
    index = np.nonzero(bad)
    batch_index, i, j = index[:-2], index[-2], index[-1]
    with np.errstate(invalid="ignore"):
        terms = x[batch_index + (i,)] + np.swapaxes(y, -1, -2)[batch_index + (j,)]
    out[index] = terms.max(axis=-1)
    if arg is not None:
        arg[index] = terms.argmax(axis=-1)
