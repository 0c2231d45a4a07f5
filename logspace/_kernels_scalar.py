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
from collections.abc import Iterable

__all__ = ["log1mexp", "log1pexp", "logaddexp", "logsubexp", "logsumexp"]

_INF = math.inf
_MINUS_LOG2 = -math.log(2.0)
_log1p = math.log1p
_exp = math.exp


def logaddexp(a: float, b: float) -> float:
    """log(e**a + e**b) for Python floats.

    >>> logaddexp(1000.0, 1000.0) - 1000.0 == math.log(2.0)
    True
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


def logsumexp(logs: Iterable[float]) -> float:
    """log(sum(e**x)) of an iterable of floats, exactly summed with math.fsum.

    Shifts by the maximum and adds the other terms with ``math.fsum``, then
    ``log1p`` (Blanchard, Higham & Higham 2021), so the error is that of the
    final two roundings, whatever the number of terms.

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
