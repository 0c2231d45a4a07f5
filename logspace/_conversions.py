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


# -- decimal strings -----------------------------------------------------------

# Short decimals: at most this many significant digits (the mantissa is then
# an int64 and exact in long double) and exponents of at most this many digits.
_SHORT_DIGITS = 18
_SHORT_EXPONENT_DIGITS = 9
_POW10 = 10 ** np.arange(_SHORT_DIGITS + 1, dtype=np.int64)
# 10**k is exact in long double (and 10**-k one rounding away) up to here.
_LD_EXACT_POWER = 27
_LD_POW10 = _LD(10) ** np.arange(_LD_EXACT_POWER + 1, dtype=_LD)
_LD_EPS = float(np.finfo(_LD).eps)
_ASCII = {"0": 48, "9": 57, ".": 46, "+": 43, "-": 45, "e": 101, "E": 69}


def log_sign_of_decimals(texts: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    """Correctly rounded ``(log|x|, sign)`` of every decimal string of an array: ``LogArray(strings)``.

    Element by element the same pairs as :func:`logspace._text.parse_decimal`
    (bit for bit), for a fraction of its cost: plain ASCII decimals of at
    most 18 significant digits and a 9-digit exponent (``'0.25'``,
    ``'-3.5e-400'``, ``'12e5'``) are read with whole-array operations on the
    characters, their logs estimated in long double with a proven error
    bound, and rounded where that bound decides the rounding; every other
    string (whitespace, underscores, ``'inf'``, long mantissas, non-ASCII
    digits, malformed text) and the few estimates too close to a float64
    midpoint take the exact scalar parse, which also raises its errors.

    Parameters
    ----------
    texts : array_like of str
        A str array (numpy dtype ``U``) of any shape.

    Returns
    -------
    log : ndarray of float64
        The logs, of the shape of ``texts``.
    sign : ndarray of int8
        -1, 0 or 1 (zero has log -inf and sign 0).

    Examples
    --------
    >>> log, sign = log_sign_of_decimals(["0.5", "-1e-5000", "0"])
    >>> log
    array([-6.93147181e-01, -1.15129255e+04,            -inf])
    >>> sign
    array([ 1, -1,  0], dtype=int8)
    """
    arr = np.asarray(texts)
    if arr.dtype.kind != "U":
        raise TypeError(f"log_sign_of_decimals: expected an array of str, got dtype {arr.dtype}")
    flat = np.ascontiguousarray(arr).reshape(-1)
    log = np.empty(flat.shape, dtype=np.float64)
    sign = np.empty(flat.shape, dtype=np.int8)
    decided = np.zeros(flat.shape, dtype=bool)
    width = arr.dtype.itemsize // 4
    if _LD_USABLE and flat.size > _SMALL and width:
        decided = _short_decimals(flat.view(np.uint32).reshape(flat.size, width), log, sign)
    for i in np.flatnonzero(~decided):
        log[i], sign[i] = _text.parse_decimal(str(flat[i]))
    return log.reshape(arr.shape), sign.reshape(arr.shape)


def _digit_value(digits: NDArray[np.bool_], codes: NDArray[Any]) -> NDArray[np.int64]:
    """The integer each column's marked digits spell (at most 18 digits from the first nonzero one)."""
    value = np.zeros(codes.shape[1], dtype=np.int64)
    for marked, code in zip(digits, codes, strict=True):  # Horner's rule, a character position at a time
        value = np.where(marked, value * 10 + (code.astype(np.int64) - _ASCII["0"]), value)
    return value


def _short_decimals(codes: NDArray[np.uint32], log: NDArray[np.float64], sign: NDArray[np.int8]) -> NDArray[np.bool_]:
    """Fill ``log``/``sign`` for the rows of character codes that are short decimals it can decide.

    Returns the mask of rows filled. The grammar is ``parse_decimal``'s for
    ASCII without whitespace or underscores: ``[-+]?(d+[.d*]|.d+)([eE][-+]?d+)?``.
    The work runs on the transposed codes (a row per character position),
    so that every pass is over contiguous columns of strings.
    """
    width = codes.shape[1]
    wide = np.ascontiguousarray(codes.T)
    ok = (wide < 128).all(axis=0)
    chars = wide.astype(np.uint8)
    position = np.arange(width)[:, None]
    filled = chars != 0
    length = filled.sum(axis=0)
    ok &= (filled == (position < length)).all(axis=0)  # no NUL inside a string
    digit = (chars >= _ASCII["0"]) & (chars <= _ASCII["9"])
    dot = chars == _ASCII["."]
    plus_minus = (chars == _ASCII["+"]) | (chars == _ASCII["-"])
    is_e = (chars == _ASCII["e"]) | (chars == _ASCII["E"])
    e_count_marks = is_e.sum(axis=0)
    ok &= e_count_marks <= 1
    has_e = e_count_marks == 1
    e_at = np.where(has_e, is_e.argmax(axis=0), length)
    mantissa = (position >= plus_minus[0]) & (position < e_at)
    ok &= ~(mantissa & ~(digit | dot)).any(axis=0)
    mantissa_dot = mantissa & dot
    ok &= mantissa_dot.sum(axis=0) <= 1
    m_digit = mantissa & digit
    m_count = m_digit.sum(axis=0)
    ok &= m_count >= 1
    exponent = (position > e_at) & (position < length)
    e_sign_at = position == e_at + 1
    e_digit = exponent & digit
    e_count = e_digit.sum(axis=0)
    ok &= ~(exponent & ~(digit | (e_sign_at & plus_minus))).any(axis=0)
    ok &= ~has_e | (e_count >= 1)
    ok &= e_count <= _SHORT_EXPONENT_DIGITS
    # Significant digits: the mantissa digits from the first nonzero one on.
    leading = np.logical_or.accumulate(m_digit & (chars != _ASCII["0"]), axis=0)
    ok &= (m_digit & leading).sum(axis=0) <= _SHORT_DIGITS
    if not ok.any():
        return ok
    rows = np.flatnonzero(ok)
    chars, m_digit, e_digit = chars[:, rows], m_digit[:, rows], e_digit[:, rows]
    fraction = (m_digit & np.logical_or.accumulate(mantissa_dot[:, rows], axis=0)).sum(axis=0)
    num = _digit_value(m_digit, chars)
    e_value = _digit_value(e_digit, chars)
    e_negative = (e_sign_at[:, rows] & (chars == _ASCII["-"])).any(axis=0)
    exp10 = np.where(e_negative, -e_value, e_value) - fraction
    negative = chars[0] == _ASCII["-"]
    est, bound = _decimal_log_estimates(num, exp10)
    near = est.astype(np.float64)
    with np.errstate(invalid="ignore"):
        off = np.abs((est - near.astype(_LD)).astype(np.float64))
        good = (0.5 * np.spacing(np.abs(near)) - off > bound) & (np.abs(near) >= _TINY)
    good |= (num == 0) | (est == 0)  # zero, and exactly one: nothing to round
    done = rows[good]
    log[done] = near[good]
    sign[done] = np.where(num[good] == 0, 0, np.where(negative[good], -1, 1))
    ok[rows[~good]] = False
    return ok


def _decimal_log_estimates(
    num: NDArray[np.int64], exp10: NDArray[np.int64]
) -> tuple[NDArray[Any], NDArray[np.float64]]:
    """Long double ``log(num * 10**exp10)`` and a bound on its absolute error, per element.

    Three forms, by where the value lies (``eps`` is long double's relative
    unit, the logs within one ulp as glibc's are; see _LD_ULPS):

    - near one (0.6 to 1.65): ``log1p((num - 10**-exp10) / 10**-exp10)``, the
      difference exact in int64: within ``4 eps |log|``;
    - ``|exp10| <= 27``: ``log(num * 10**exp10)``, one rounding of the value
      (``10**k`` is exact): within ``eps (1 + 2 |log|)``;
    - beyond: ``log(num) + exp10 * ln 10``: within
      ``eps (2 log(num) + 2 |exp10| ln 10 + |log|)``.

    Zero mantissas give an estimate of -inf (bound 0).
    """
    est = np.empty(num.shape, dtype=_LD)
    bound = np.zeros(num.shape, dtype=np.float64)
    nonzero = num != 0
    with np.errstate(divide="ignore"):
        decade = np.log10(np.maximum(num, 1).astype(np.float64)) + exp10
    near_one = nonzero & (np.abs(decade) < 0.2) & (exp10 <= 0) & (exp10 >= -_SHORT_DIGITS)
    small = nonzero & ~near_one & (np.abs(exp10) <= _LD_EXACT_POWER)
    huge = nonzero & ~near_one & ~small
    est[~nonzero] = -np.inf
    if near_one.any():
        scale = _POW10[-exp10[near_one]]
        ratio = (num[near_one] - scale).astype(_LD) / scale.astype(_LD)
        est[near_one] = np.log1p(ratio)
        bound[near_one] = 4.0 * _LD_EPS * np.abs(est[near_one].astype(np.float64))
    if small.any():
        k = exp10[small]
        mantissa = num[small].astype(_LD)
        power = _LD_POW10[np.abs(k)]
        value = np.where(k >= 0, mantissa * power, mantissa / power)
        est[small] = np.log(value)
        bound[small] = _LD_EPS * (1.0 + 2.0 * np.abs(est[small].astype(np.float64)))
    if huge.any():
        log_num = np.log(num[huge].astype(_LD))
        shift = exp10[huge].astype(_LD) * _LD_LN["10"]
        est[huge] = log_num + shift
        terms = 2.0 * log_num.astype(np.float64) + 2.0 * np.abs(shift.astype(np.float64))
        bound[huge] = _LD_EPS * (terms + np.abs(est[huge].astype(np.float64)))
    return est, bound
