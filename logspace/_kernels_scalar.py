"""Scalar twins of the kernels, written with :mod:`math` for Python floats.

``LogFloat`` arithmetic runs one operation at a time, where calling numpy on
two Python floats costs hundreds of nanoseconds; these functions cost tens.
They follow the :mod:`math` module on domain errors (``ValueError``) where the
array kernels follow numpy (nan with a warning). The thresholds and formulas
are the same as in :mod:`logspace._kernels`; see there for the references.

>>> logaddexp(0.0, -40.0)
4.248354255291589e-18
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
from mpmath import libmp

__all__ = [
    "exp_cr",
    "log1mexp",
    "log1pexp",
    "log_cr",
    "logaddexp",
    "logsubexp",
    "logsubexp_accurate",
    "logsumexp",
]

_INF = math.inf
_MINUS_LOG2 = -math.log(2.0)
_log1p = math.log1p
_exp = math.exp
_ulp = math.ulp

# log_cr and exp_cr first try numpy's long double (64-bit mantissa on x86,
# 113 on quad platforms), whose log and exp are within a couple of its ulps:
# that decides the float64 rounding unless the value lies within
# _LD_TRUST (relative) of a float64 midpoint. Where long double is float64
# (MSVC, Apple arm64) they always take the exact mpmath path.
_LD = np.longdouble
_LD_USABLE = np.finfo(_LD).nmant >= 63
_LD_TRUST = 16.0 * float(np.finfo(_LD).eps)
# float + long double zero is the float as a long double, exactly, and costs a
# tenth of the np.longdouble(x) constructor.
_LD_ZERO = _LD(0)
_ld_log = np.log
_ld_exp = np.exp
_ROUND_NEAREST = libmp.round_nearest
# e**x for x above this overflows float64 (2**1024 * (1 - 2**-54) rounds up),
# below _EXP_ZERO it rounds to 0.0 (under 2**-1075); in between the exact path
# decides.
_EXP_OVERFLOW = 709.7827128933841
_EXP_ZERO = -745.1332191019412


def _float_of(man: int, exp: int) -> float:
    """man * 2**exp rounded to nearest float (subnormals included); inf past range."""
    try:
        # int -> float and int / int are correctly rounded in CPython.
        return float(man << exp) if exp >= 0 else man / (1 << -exp)
    except OverflowError:
        return _INF


def _mp_rounded(fn: Callable[[tuple, int, str], tuple], x: float) -> float:
    """``fn(x)`` (an mpmath ``libmp`` function) correctly rounded, by Ziv's strategy.

    The libmp result at ``prec`` bits is within 2**(8 - prec) of the exact
    value (relative); when both ends of that interval round to the same
    float, so does the exact value. Transcendental results of float inputs
    are never exactly on a rounding boundary, so the loop ends.
    """
    arg = libmp.from_float(x)
    prec = 128
    while True:
        sign, man, exp, bc = fn(arg, prec, _ROUND_NEAREST)
        if not man:
            return 0.0
        pad = prec - bc
        if pad > 0:  # mpf mantissas drop trailing zero bits
            man <<= pad
            exp -= pad
        err = (man >> (prec - 8)) + 1
        low, high = _float_of(man - err, exp), _float_of(man + err, exp)
        if low == high:
            return -low if sign else low
        prec *= 2


def log_cr(x: float) -> float:
    """The correctly rounded natural log of a positive finite float.

    ``math.log`` is within about 0.52 ulp, so it is one ulp off for a small
    fraction of inputs. This decides the rounding from a long double estimate
    (about 1 us) and falls back to mpmath with Ziv's strategy (a few us) in the
    rare cases the estimate cannot decide, or where long double is float64.

    Parameters
    ----------
    x : float
        A positive finite float (subnormals included).

    Returns
    -------
    float
        log(x), correctly rounded to nearest.

    Examples
    --------
    >>> log_cr(0.1)
    -2.3025850929940455
    >>> log_cr(5e-324)
    -744.4400719213812
    """
    if x == 1.0:
        return 0.0
    if _LD_USABLE:
        # The long double estimate decides the float64 rounding unless it
        # lies within its own error of a midpoint between two floats (the
        # subtraction is exact: a long double holds every float64).
        estimate = _ld_log(x + _LD_ZERO)
        near = float(estimate)
        if 0.5 * _ulp(near) - abs(float(estimate - near)) > _LD_TRUST * abs(near):
            return near
    return _mp_rounded(libmp.mpf_log, x)


def exp_cr(x: float) -> float:
    """The correctly rounded e**x, subnormal results included.

    OverflowError ("math range error") where the result overflows, as
    ``math.exp``; 0.0 where it underflows. Same strategy as :func:`log_cr`.

    Parameters
    ----------
    x : float
        Any float: nan gives nan, -inf gives 0.0.

    Returns
    -------
    float
        e**x, correctly rounded to nearest.

    Raises
    ------
    OverflowError
        Where e**x is beyond float range.

    Examples
    --------
    >>> exp_cr(-2.3025850929940455)  # e**log(0.1), rounded correctly
    0.10000000000000002
    >>> exp_cr(-745.0), exp_cr(-746.0)
    (5e-324, 0.0)
    """
    if x != x or x == -_INF:
        return math.nan if x != x else 0.0
    if x == 0.0:
        return 1.0
    if x > _EXP_OVERFLOW:
        raise OverflowError("math range error")
    if x < _EXP_ZERO:
        return 0.0
    if _LD_USABLE and -745.1 < x < 709.78:
        estimate = _ld_exp(x + _LD_ZERO)  # as in log_cr
        near = float(estimate)
        if near < _INF and 0.5 * _ulp(near) - abs(float(estimate - near)) > _LD_TRUST * near:
            return near
    found = _mp_rounded(libmp.mpf_exp, x)
    if found == _INF:
        raise OverflowError("math range error")
    return found


def logaddexp(a: float, b: float) -> float:
    """log(e**a + e**b) for Python floats.

    Parameters
    ----------
    a, b : float
        The logs of the two terms.

    Returns
    -------
    float
        log(e**a + e**b): nan if either is nan, the other where one is
        -inf, inf where one is inf.

    Examples
    --------
    >>> math.log(math.exp(-1000.0) + math.exp(-1000.0))  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ValueError: math domain error
    >>> logaddexp(-1000.0, -1000.0)
    -999.3068528194401
    """
    if a < b:
        a, b = b, a
    elif a != a or b != b:  # nan: the comparison above was False
        return math.nan
    if b == -_INF or a == _INF:
        return a
    return a + _log1p(_exp(b - a))


def log1mexp(x: float) -> float:
    """log(1 - e**x) for x < 0; ValueError for x >= 0, as ``math.log(0)``.

    Switches at -log 2 between log(-expm1(x)) and log1p(-exp(x)) (Mächler 2012).

    Parameters
    ----------
    x : float
        A negative float (-inf gives -0.0).

    Returns
    -------
    float
        log(1 - e**x).

    Raises
    ------
    ValueError
        For x >= 0.

    Examples
    --------
    >>> log1mexp(-1e-20)
    -46.051701859880914
    """
    if x > _MINUS_LOG2:
        if x >= 0.0:
            raise ValueError(f"log1mexp: math domain error (x = {x!r} must be < 0)")
        return math.log(-math.expm1(x))
    return _log1p(-_exp(x))


def log1pexp(x: float) -> float:
    """log(1 + e**x), accurate for every x (thresholds of Mächler 2012).

    Parameters
    ----------
    x : float
        Any float.

    Returns
    -------
    float
        log(1 + e**x).

    Examples
    --------
    >>> log1pexp(-800.0), log1pexp(800.0)
    (0.0, 800.0)
    """
    if x <= -37.0:
        return _exp(x)
    if x <= 18.0:
        return _log1p(_exp(x))
    if x <= 33.3:
        return x + _exp(-x)
    return x


def logsubexp(a: float, b: float) -> float:
    """log(e**a - e**b) for a >= b; ValueError for a < b, as :mod:`math` would.

    ``a == b`` gives -inf exactly (the difference is zero), except that
    inf - inf is nan as in IEEE arithmetic.

    Parameters
    ----------
    a, b : float
        The logs of the two terms, a >= b.

    Returns
    -------
    float
        log(e**a - e**b): -inf for a == b (nan for inf - inf), a where b
        is -inf, nan where either is nan.

    Raises
    ------
    ValueError
        For a < b (the difference is negative).

    Examples
    --------
    >>> logsubexp(0.0, -1e-20)
    -46.051701859880914
    """
    if b == -_INF:
        return a
    if a == b:
        return math.nan if a == _INF else -_INF
    if not a > b:
        if a != a or b != b:
            return math.nan
        raise ValueError(f"logsubexp: math domain error (a = {a!r} < b = {b!r})")
    if a == _INF:
        return a
    return a + log1mexp(b - a)


def logsubexp_accurate(a: float, b: float) -> float:
    """``logsubexp(a, b)`` within 2 ulp of max(|result|, 1) for every a >= b.

    ``a + log1mexp(b - a)`` is accurate in that metric unless its two terms
    cancel: e**a - e**b near 1 while e**a is far from it (100 - 99 is 1). The
    rounding of the log1mexp term, half an ulp of its own size, is then many
    ulps of the small result (up to 2**k ulps for a term of 2**k). Where the
    term's ulp exceeds the result's, the sum is recomputed with mpmath at 160
    bits and rounded once. Elsewhere this is ``logsubexp``, and so are its
    special values and errors.

    Parameters
    ----------
    a, b : float
        The logs of the two terms, a >= b.

    Returns
    -------
    float
        log(e**a - e**b), within 2 ulps of max(|result|, 1).

    Raises
    ------
    ValueError
        For a < b, as :func:`logsubexp`.

    Examples
    --------
    >>> a, b = 25.140083041126786, 25.140083041097544  # e**a - e**b ~ 2.4
    >>> logsubexp(a, b), logsubexp_accurate(a, b)  # exact 0.88468116720743409
    (0.884681167207436, 0.8846811672074341)
    """
    r = logsubexp(a, b)
    t = a - r  # -log1mexp(b - a), as rounded: the size of the cancelling term
    if t > 1.0 and t > abs(r) and math.ulp(t) > math.ulp(max(abs(r), 1.0)):
        return _logsubexp_mp(a, b)
    return r


def _logsubexp_mp(a: float, b: float) -> float:
    """a + log(-expm1(b - a)) at 160 bits, rounded once to a float.

    Uses mpmath's ``libmp`` functions, which take the precision as an
    argument: mpmath's global context (``mp.prec``) is neither read nor
    changed, so this is safe beside threads that use mpmath.
    """
    prec = 160
    big = libmp.from_float(a)
    diff = libmp.mpf_sub(libmp.from_float(b), big, prec, _ROUND_NEAREST)  # exact: both floats
    # e**d - 1 for |d| < 2**-k cancels k bits: compute e**d with k more.
    wide = prec + 8 + max(0, -(diff[2] + diff[3]))
    em1 = libmp.mpf_sub(libmp.mpf_exp(diff, wide, _ROUND_NEAREST), libmp.fone, wide, _ROUND_NEAREST)
    tail = libmp.mpf_log(libmp.mpf_neg(em1), prec, _ROUND_NEAREST)
    return libmp.to_float(libmp.mpf_add(big, tail, prec, _ROUND_NEAREST), rnd=_ROUND_NEAREST)


def logsumexp(logs: Iterable[float]) -> float:
    """log(sum(e**x)) of an iterable of floats, exactly summed with math.fsum.

    Shifts by the maximum and adds the other terms with ``math.fsum``, then
    ``log1p`` (Blanchard, Higham & Higham 2021), so the error is that of the
    final two roundings, whatever the number of terms.

    Parameters
    ----------
    logs : iterable of float
        The logs of the terms.

    Returns
    -------
    float
        log(sum(e**x)): -inf for no terms (or all -inf), nan if any term is
        nan, inf if any is inf.

    Examples
    --------
    >>> logsumexp([0.0, -40.0])
    4.248354255291589e-18
    >>> logsumexp([])
    -inf
    """
    values = list(logs)
    if not values:
        return -_INF
    top = max(values)
    if any(v != v for v in values):
        return math.nan
    if top == _INF or top == -_INF:
        return top
    index = values.index(top)
    rest = math.fsum(_exp(v - top) for i, v in enumerate(values) if i != index)
    return top + _log1p(rest)
