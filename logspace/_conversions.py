"""Vectorised conversions between linear values and logs, correctly rounded.

``LogArray(values)`` needs the correctly rounded log of every value, so that
``LogArray([v])[0]`` is ``LogFloat(v)`` bit for bit; ``LogArray.to_numpy()``
needs, element by element, exactly ``float(LogFloat)``
(:func:`logspace._text.float_of_log`, the definition: the shortest decimal
of at most 12 significant digits that reads back to the same log, else the
correctly rounded ``e**log``); the vector code only filters out, cheaply,
the elements that are the correctly rounded ``e**log``. numpy's float64
``log`` and ``exp`` are within an ulp or so, not correctly rounded
(``np.log`` misses for about 0.3% of uniform(0, 1) values).

The strategy is the one of the scalar :func:`logspace._kernels_scalar.log_cr`
and :func:`~logspace._kernels_scalar.exp_cr`, spread over arrays: compute in
``np.longdouble`` (64-bit mantissa on x86-64, 113 bits where it is quad),
round to float64, and flag the few entries whose long-double result lies
within a few of its own ulps of a float64 rounding midpoint; only those are
redone one at a time by the exact scalar routines (mpmath ``libmp`` at an
explicit precision, never mpmath's global context). Where long double is
float64 (MSVC, Apple arm64) no estimate can decide a rounding, and every
element takes the exact scalar path, as the scalar functions do there:
correct, but a few microseconds per element.

Where the C extension ``logspace._c_convert`` is built (and
``LOGSPACE_PURE_PYTHON`` is not set), ``log_abs``, ``exp_rounded`` and the
pre-filter of ``float_of_log`` run in C: a double-double first estimate
decides all but a few elements in 10**4 (log_abs: 3 in 10**5 of uniform(0, 1)
floats, 7 in 10**4 of floats within 0.5% of 1), the long double rule above
the rest, and the exact scalar routines redo what it flags. The results are the
numpy path's bit for bit (tests/test_c_convert.py).

>>> import numpy as np
>>> log_abs([0.1, -2.0, 0.0])
array([-2.30258509,  0.69314718,        -inf])
>>> float_of_log(log_abs([0.1, 3.0]))
array([0.1, 3. ])
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from mpmath import libmp
from numpy.typing import ArrayLike, NDArray

from logspace import _native, _text
from logspace._kernels_scalar import _LD_USABLE, exp_cr, log_cr

__all__ = [
    "UnderflowWarning",
    "exp_rounded",
    "float_of_log",
    "log_abs",
    "log_in_base",
    "log_sign_of_float",
    "to_linear",
]

_LD = np.longdouble
# Integers beyond this are not all floats: their logs are taken exactly.
_INT_IN_FLOAT = 2**53
# float_of_log's decimal candidates have this many significant digits at most.
_DIGITS = 12
_TINY = float(np.finfo(np.float64).tiny)
# Arrays up to this size go element by element through the scalar routines:
# cheaper than the dozen whole-array passes of the vector paths.
_SMALL = 16
_EPS = float(np.finfo(np.float64).eps)
# The long double log and exp are within an ulp on glibc (the worst measured
# here: 0.86 of their ulps over 3000 uniform values); they are trusted to
# _LD_ULPS of their ulps.
_LD_ULPS = 4
# x87 extended precision: 64-bit mantissa (explicit leading bit) in the low
# 8 bytes of a 16-byte little-endian item.
_X87 = np.finfo(_LD).nmant == 63 and _LD(0).itemsize == 16 and np.little_endian
# The compiled twins of log_abs and exp_rounded (logspace/_c_convert.c): the
# same estimates and flags per element, with a faster double-double first
# stage; used only where long double is wider than double.
_c = _native.load("_c_convert") if _LD_USABLE else None


def _undecided(estimate: NDArray[Any], near: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Where rounding the long-double ``estimate`` to ``near`` may differ from rounding the exact value.

    The estimate is within ``_LD_ULPS`` of its own ulps of the exact value;
    when it lies farther than that from every float64 midpoint, the exact
    value rounds to ``near`` too. For the x87 80-bit format the test reads
    the 11 mantissa bits that float64 drops (a midpoint is ``0b100...0``):
    integer work, far cheaper than long double arithmetic. Results outside
    float64's normal range are undecided.
    """
    magnitude = np.abs(near)
    with np.errstate(invalid="ignore"):
        normal = (magnitude >= _TINY) & (magnitude < np.inf)
    if _X87:
        mantissa = np.ascontiguousarray(estimate).reshape(-1).view(np.uint64)[0::2]
        dropped = (mantissa & np.uint64(0x7FF)).astype(np.int64).reshape(near.shape)
        return ~normal | (np.abs(dropped - 0x400) <= _LD_ULPS)
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        off = np.abs((estimate - near.astype(_LD)).astype(np.float64))
        decided = 0.5 * np.spacing(magnitude) - off > 2.0 * _LD_ULPS * float(np.finfo(_LD).eps) * magnitude
    return ~(decided & normal)


def log_abs(values: ArrayLike) -> NDArray[np.float64]:
    """Correctly rounded ``log|v|`` of every value of a real (int, bool or float) array.

    Values are taken exactly as they are (a float32 or float16 value at its
    exact value, an int64 beyond 2**53 exactly); zero gives -inf, inf gives
    inf and nan gives nan, without warnings.

    Parameters
    ----------
    values : array_like
        Real numbers (a bool, int or float array, not object).

    Returns
    -------
    ndarray of float64
        The logs, each the float64 nearest to the exact ``log|v|``.

    Examples
    --------
    >>> import numpy as np
    >>> x = 0.6912714794406046   # np.log is one ulp off here
    >>> float(np.log(x)), float(log_abs([x])[0])
    (-0.3692226532965615, -0.36922265329656156)
    """
    arr = np.asarray(values)
    kind = arr.dtype.kind
    if kind not in "biuf":
        raise TypeError(f"log_abs: expected real numbers, got dtype {arr.dtype}")
    if kind == "b":
        # log 1 = 0 and log 0 = -inf: nothing to round.
        return np.where(arr, 0.0, -np.inf)
    size = arr.dtype.itemsize
    if _c is not None and (size <= 4 or (size == 8 and (kind == "f" or _all_in_float(arr)))):
        # float16 is exact in float32, ints of up to 32 bits (or up to 2**53) in float64; long doubles
        # (wider than float64) keep the exact path below
        narrow = kind == "f" and arr.dtype.itemsize <= 4
        flat = np.ascontiguousarray(arr.reshape(-1), dtype=np.float32 if narrow else np.float64)
        out, flagged = _c.log_abs(flat)
        for i in flagged.tolist():
            out[i] = log_cr(abs(float(flat[i])))
        return out.reshape(arr.shape)
    flat = np.atleast_1d(arr)
    # Beyond float64 (long double values, 64-bit ints past 2**53) logs are taken exactly, one at a time.
    wide = flat.dtype.itemsize >= 8 and kind in "iu" or flat.dtype.itemsize > 8
    if flat.size <= _SMALL:
        items = flat.reshape(-1)
        logs = [_log_abs_scalar(v, wide) for v in (items if kind == "f" and wide else items.tolist())]
        return np.array(logs, dtype=np.float64).reshape(arr.shape)
    if _LD_USABLE:
        # A long double holds every float64, float32, float16 and 64-bit integer exactly.
        magnitude = np.abs(flat.astype(_LD))
        with np.errstate(divide="ignore", invalid="ignore"):
            estimate = np.log(magnitude)
        out = estimate.astype(np.float64)
        todo = _undecided(estimate, out) & (magnitude > 0) & np.isfinite(magnitude)
        nan = np.isnan(out)
        if nan.any():
            out[nan] = np.nan  # the x87 log of nan is a nan with the sign bit set
        big = np.zeros(flat.shape, dtype=bool)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log(np.abs(flat.astype(np.float64)))
        todo = np.isfinite(out)
        big = np.zeros(flat.shape, dtype=bool)
        if kind in "iu" and flat.dtype.itemsize == 8:
            big = flat > _INT_IN_FLOAT
            if kind == "i":
                big |= flat < -_INT_IN_FLOAT
            todo &= ~big
    for index in zip(*np.nonzero(todo), strict=True):
        item = flat[index]
        out[index] = _log_abs_scalar(item if kind == "f" else int(item), wide)
    for index in zip(*np.nonzero(big), strict=True):
        out[index] = _text.log_of_int(int(flat[index]))[0]
    return out.reshape(arr.shape)


def _all_in_float(ints: NDArray[Any]) -> bool:
    """Whether every value of a 64-bit int array is within 2**53, so exact as a float64."""
    return bool(ints.size == 0 or (ints.min() >= -_INT_IN_FLOAT and ints.max() <= _INT_IN_FLOAT))



def _log_abs_scalar(v: Any, wide: bool) -> float:
    """One element of :func:`log_abs`: a Python float or int, or (``wide``) a long double or big int, exactly."""
    if wide:
        if isinstance(v, np.floating):  # a long double: its exact value
            if v == 0 or not np.isfinite(v):
                return log_sign_of_float(float(v))[0]
            return _text.log_of_fraction(*abs(v).as_integer_ratio())[0]
        if not -_INT_IN_FLOAT <= v <= _INT_IN_FLOAT:
            return _text.log_of_int(int(v))[0]
    return log_sign_of_float(float(v))[0]


def log_sign_of_float(x: float) -> tuple[float, int]:
    """Correctly rounded ``(log|x|, sign)`` of a float: what ``LogFloat(x)`` stores.

    The one scalar conversion of a float that ``LogFloat(x)``, the
    plain-number rule and :func:`log_abs` share; zero gives ``(-inf, 0)``,
    nan ``(nan, 1)``.

    Parameters
    ----------
    x : float

    Returns
    -------
    tuple of (float, int)

    Examples
    --------
    >>> log_sign_of_float(-1.0), log_sign_of_float(0.0)
    ((0.0, -1), (-inf, 0))
    """
    if x > 0.0:
        return (log_cr(x), 1) if x != math.inf else (math.inf, 1)
    if x < 0.0:
        return (log_cr(-x), -1) if x != -math.inf else (math.inf, -1)
    if x == 0.0:
        return -math.inf, 0
    return math.nan, 1


def exp_rounded(log: ArrayLike) -> NDArray[np.float64]:
    """Correctly rounded ``e**log`` of every element, subnormals included.

    Overflow gives inf and underflow 0, without warnings: the callers say
    what those mean.

    Parameters
    ----------
    log : array_like
        Natural logs (float32 ones are taken at their exact values).

    Returns
    -------
    ndarray of float64

    Examples
    --------
    >>> exp_rounded([-2.3025850929940455, 0.0, 710.0, -800.0])
    array([0.1, 1. , inf, 0. ])
    """
    arr = np.asarray(log, dtype=np.float64)
    if _c is not None:
        flat = np.ascontiguousarray(arr.reshape(-1))
        out, flagged = _c.exp_rounded(flat)
        for i in flagged.tolist():
            out[i] = _exp_or_inf(float(flat[i]))
        return out.reshape(arr.shape)
    flat = np.atleast_1d(arr)
    if flat.size <= _SMALL:
        return np.array([_exp_or_inf(x) for x in flat.reshape(-1).tolist()], dtype=np.float64).reshape(arr.shape)
    if _LD_USABLE:
        with np.errstate(over="ignore", under="ignore"):
            estimate = np.exp(flat.astype(_LD))
            out = estimate.astype(np.float64)
        # Rounded to 0 or inf, or subnormal: decided one at a time near the edges of the range.
        todo = _undecided(estimate, out) & (flat > -745.2) & (flat < 709.79)
    else:
        out = np.empty(flat.shape)
        todo = np.ones(flat.shape, dtype=bool)
    for index in zip(*np.nonzero(todo), strict=True):
        out[index] = _exp_or_inf(float(flat[index]))
    return out.reshape(arr.shape)


def _exp_or_inf(x: float) -> float:
    try:
        return exp_cr(x)
    except OverflowError:
        return math.inf


def _float_of_positive_log(log: float) -> float:
    """``float(LogFloat.from_log(log))`` (:func:`logspace._text.float_of_log`), inf above float range."""
    try:
        return _text.float_of_log(log, 1)
    except OverflowError:
        return math.inf


def float_of_log(log: ArrayLike, negative: ArrayLike | None = None) -> NDArray[np.float64]:
    """``float(LogFloat)`` of every element: the number the repr shows.

    Elementwise exactly :func:`logspace._text.float_of_log`, the definition
    of ``float(LogFloat)`` (with the sign from ``negative``; inf instead of
    its OverflowError). The common case, a computed value that no 12-digit
    decimal reads back to, is decided for the whole array at once: the
    relative distance of ``e**log`` to its nearest 12-digit decimal is
    estimated in float64, and only the elements within reach of a decimal
    (or of that decimal's float) whose log could round to ``log`` go through
    the scalar routine, which decides them by the definition itself.

    Parameters
    ----------
    log : array_like
        Natural logs of the magnitudes.
    negative : array_like of bool, optional
        Where the value is negative.

    Returns
    -------
    ndarray of float64
        0.0 (-0.0 for a negative value) below float range, inf above it.

    Examples
    --------
    >>> float_of_log(log_abs([3.0, 1e-300, 2.5e-12]), np.array([False, True, False]))
    array([ 3.0e+000, -1.0e-300,  2.5e-012])
    """
    logs = np.asarray(log, dtype=np.float64)
    if logs.size <= _SMALL:
        y = np.array([_float_of_positive_log(x) for x in logs.reshape(-1).tolist()], dtype=np.float64)
        if negative is not None:
            y = np.where(np.broadcast_to(negative, logs.shape).reshape(-1), -y, y)
        return y.reshape(logs.shape)
    if _c is not None:  # the same test and search, the pre-filter compiled
        flat_log = np.ascontiguousarray(logs.reshape(-1))
        y = exp_rounded(flat_log)
        candidate = _c.decimal_candidates(flat_log, y)
        if candidate.any():
            y[candidate] = [_float_of_positive_log(x) for x in flat_log[candidate].tolist()]
        if negative is not None:
            y = np.where(np.broadcast_to(negative, logs.shape).reshape(-1), -y, y)
        return y.reshape(logs.shape)
    y = np.atleast_1d(exp_rounded(logs))
    flat_log = np.atleast_1d(logs)
    with np.errstate(all="ignore"):
        normal = (y >= _TINY) & (y < np.inf)
        # Scale y into [1e11, 1e12): its distance to the nearest integer
        # there is its distance to the nearest 12-digit decimal.
        exponent = np.floor(np.log10(np.where(normal, y, 1.0)))
        shift = (_DIGITS - 1) - exponent
        half = np.floor(shift / 2)
        scaled = y * np.power(10.0, half) * np.power(10.0, shift - half)
        scaled = np.where(scaled >= 10.0**_DIGITS, scaled / 10.0, scaled)
        scaled = np.where(scaled < 10.0 ** (_DIGITS - 1), scaled * 10.0, scaled)
        distance = np.abs(scaled - np.rint(scaled)) / scaled
        # A 12-digit decimal D reads back (its log, or the log of its float
        # d, rounds to log) only if |ln D - log| or |ln d - log| is at most
        # half an ulp of log; y is within half its own ulp of e**log, d
        # within half an ulp of D, and this estimate of the distance within
        # about 2 eps: the elements beyond reach are y by the definition.
        reach = 0.505 * np.spacing(np.abs(flat_log)) + 0.5 * np.spacing(y) / np.where(normal, y, 1.0) + 4 * _EPS
        candidate = normal & (distance <= reach)
        candidate |= (y > 0) & (y < _TINY)  # subnormal: decided one at a time
    if candidate.any():
        y[candidate] = [_float_of_positive_log(x) for x in flat_log[candidate].tolist()]
    if negative is not None:
        y = np.where(np.atleast_1d(np.broadcast_to(negative, logs.shape)), -y, y)
    return y.reshape(logs.shape)


class UnderflowWarning(UserWarning):
    """Nonzero log-domain numbers became 0.0 on conversion to floats.

    Raised as a warning by ``np.asarray(a)`` and ``a.to_numpy()`` for a
    LogArray holding values below float range (1e-5000, routine for HMM
    posteriors). Make it an error with
    ``warnings.simplefilter('error', logspace.UnderflowWarning)``, or avoid
    it: ``a.log`` gives the logs, ``a.to_numpy(underflow='zero')`` the zeros
    without a warning.

    Examples
    --------
    >>> import warnings
    >>> issubclass(UnderflowWarning, Warning)
    True
    """


_UNDERFLOW_MODES = ("warn", "zero", "raise")


def to_linear(
    log: NDArray[Any], negative: NDArray[np.bool_] | None = None, underflow: str = "warn", stacklevel: int = 2
) -> NDArray[np.float64]:
    """The linear values of a LogArray's parts, elementwise ``float(LogFloat)``.

    OverflowError where a finite value would become inf (its log is kept:
    nothing else says what it was); where a nonzero value would become 0.0,
    ``underflow`` decides: ``'warn'`` (an :class:`UnderflowWarning`),
    ``'zero'`` (silently) or ``'raise'`` (FloatingPointError). Infinite and
    nan values stay what they are.

    Parameters
    ----------
    log : ndarray
        Natural logs of the magnitudes.
    negative : ndarray of bool, optional
        Where the values are negative.
    underflow : {'warn', 'zero', 'raise'}
        What to do about values below float range.
    stacklevel : int
        Of the warning, counted from the caller of this function.

    Returns
    -------
    ndarray of float64, or of float32 for float32 logs

    Examples
    --------
    >>> to_linear(np.array([-11512.925464970229, 0.0]), underflow="zero")
    array([0., 1.])
    >>> to_linear(np.array([11512.925464970229]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    OverflowError: 1 finite value is beyond float range (the largest is about 1e+5000) and would become inf; ...
    """
    if underflow not in _UNDERFLOW_MODES:
        raise ValueError(f"underflow must be one of {', '.join(map(repr, _UNDERFLOW_MODES))}, not {underflow!r}")
    logs = np.asarray(log)
    values = float_of_log(logs, negative)
    if logs.dtype == np.float32:  # a float32 LogArray gives float32 values, each float(a[i]) rounded
        with np.errstate(over="ignore", under="ignore"):
            values = values.astype(np.float32)
    with np.errstate(invalid="ignore"):
        lost_high = (np.abs(values) == np.inf) & (logs < np.inf)
        lost_low = (values == 0.0) & (logs > -np.inf)
    if lost_high.any():
        count = int(np.count_nonzero(lost_high))
        largest = _text.format_spec(float(np.max(logs[lost_high])), 1, ".3g")
        raise OverflowError(
            f"{_count(count, 'finite value is', 'finite values are')} beyond float range (the largest is "
            f"about {largest}) and would become inf; use a.log for the logs"
        )
    if underflow != "zero" and lost_low.any():
        count = int(np.count_nonzero(lost_low))
        smallest = _text.format_spec(float(np.min(logs[lost_low])), 1, ".3g")
        what = (
            f"{_count(count, 'nonzero value is', 'nonzero values are')} below float range (the smallest is "
            f"about {smallest})"
        )
        if underflow == "raise":
            raise FloatingPointError(f"{what} and would become 0.0; use a.log for the logs")
        warnings.warn(
            f"{what} and {'becomes' if count == 1 else 'become'} 0.0; use a.log for the logs, "
            "or a.to_numpy(underflow='zero') "
            "to get the zeros without this warning",
            UnderflowWarning,
            stacklevel=stacklevel + 1,
        )
    return values


def _count(n: int, one: str, many: str) -> str:
    return f"1 {one}" if n == 1 else f"{n} {many}"


_RN = libmp.round_nearest
_LOG_BASES = {"10": libmp.mpf_ln10, "2": libmp.mpf_ln2}
_LD_LN = {base: _LD(libmp.to_str(constant(80), 30)) for base, constant in _LOG_BASES.items()}


def log_in_base(log: ArrayLike, base: str) -> NDArray[np.float64]:
    """``log / ln(base)`` for base ``'10'`` or ``'2'``: logs to another base, as ``LogFloat.log10`` rounds them.

    One rounding of the quotient, as the scalar method computes it (from
    80-bit mpmath); decided in long double for all but the few elements near
    a float64 midpoint. inf, -inf and nan stay what they are.

    Parameters
    ----------
    log : array_like
        Natural logs.
    base : {'10', '2'}

    Returns
    -------
    ndarray of float64

    Examples
    --------
    >>> log_in_base([0.0, np.log(8.0), -11512.925464970229], "10")
    array([ 0.00000000e+00,  9.03089987e-01, -5.00000000e+03])
    """
    constant = _LOG_BASES[base]
    arr = np.asarray(log, dtype=np.float64)
    flat = np.atleast_1d(arr)
    finite = np.isfinite(flat)
    if _LD_USABLE:
        estimate = flat.astype(_LD) / _LD_LN[base]
        out = estimate.astype(np.float64)
        todo = _undecided(estimate, out) & finite & (flat != 0.0)
    else:
        out = flat.copy()
        todo = finite & (flat != 0.0)
    for index in zip(*np.nonzero(todo), strict=True):
        quotient = libmp.mpf_div(libmp.from_float(float(flat[index])), constant(80), 80, _RN)
        out[index] = libmp.to_float(quotient, rnd=_RN)
    return out.reshape(arr.shape)
