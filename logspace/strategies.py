"""Hypothesis strategies for LogFloat and LogArray values.

For property tests of code built on logspace. Importing this module needs
`hypothesis <https://hypothesis.readthedocs.io>`_ (a test dependency, not a
run-time one of logspace).

Values are drawn by their logs, so the same strategy reaches numbers far
beyond float range (``log_floats(min_log=-20000.0)`` draws down to about
1e-8686) as easily as ordinary ones; hypothesis shrinks a failing example
towards simple logs (0, small integers), that is towards 1, e, e**2...

Examples
--------
A property test of a function of probabilities, here that ``normalize``
gives probabilities that sum to one:

>>> from hypothesis import given, settings
>>> from logspace.strategies import log_arrays
>>> @settings(max_examples=20, derandomize=True)
... @given(log_arrays(shape=(2, 3), signed=False, max_log=0.0, allow_zero=False))
... def test_normalize_sums_to_one(p):
...     total = p.normalize(axis=1).sum(axis=1)
...     assert np.allclose(total.log, 0.0, rtol=0.0, atol=1e-14)
>>> test_normalize_sums_to_one()
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import DTypeLike

from logspace._array import LogArray
from logspace._scalar import LogFloat

__all__ = ["log_arrays", "log_floats"]

#: Default range of the drawn logs: values from about 1e-869 to 1e+868,
#: within and well beyond float64 range (logs of about -745 to 709.8).
DEFAULT_MIN_LOG = -2000.0
DEFAULT_MAX_LOG = 2000.0


def _check_range(min_log: float, max_log: float) -> None:
    if not (math.isfinite(min_log) and math.isfinite(max_log)):
        raise ValueError(f"min_log and max_log must be finite, got {min_log!r} and {max_log!r}")
    if min_log > max_log:
        raise ValueError(f"min_log={min_log!r} is greater than max_log={max_log!r}")


def log_floats(
    min_log: float = DEFAULT_MIN_LOG,
    max_log: float = DEFAULT_MAX_LOG,
    signed: bool = True,
    allow_zero: bool = True,
    allow_infinity: bool = False,
    allow_nan: bool = False,
) -> st.SearchStrategy[LogFloat]:
    """A strategy for :class:`~logspace.LogFloat` values drawn by their logs.

    Parameters
    ----------
    min_log, max_log : float
        Range of the natural logs of the magnitudes of the nonzero finite
        values drawn (both finite, ``min_log <= max_log``).
    signed : bool
        Whether negative values are drawn too.
    allow_zero : bool
        Whether zero (log -inf) is drawn.
    allow_infinity : bool
        Whether infinities are drawn (-inf only when ``signed``).
    allow_nan : bool
        Whether nan is drawn.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of LogFloat

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20, derandomize=True)
    ... @given(log_floats(min_log=-5000.0, max_log=5000.0), log_floats(signed=False))
    ... def test_product_adds_logs(x, y):
    ...     assert (x * y).log == x.log + y.log
    >>> test_product_adds_logs()
    """
    _check_range(min_log, max_log)
    logs = st.floats(min_value=min_log, max_value=max_log, allow_nan=False, allow_infinity=False)
    signs = st.sampled_from([1, -1]) if signed else st.just(1)
    finite = st.builds(LogFloat.from_log, logs, signs)
    options = [finite]
    if allow_zero:
        options.append(st.just(LogFloat(0)))
    if allow_infinity:
        options.append(st.builds(LogFloat.from_log, st.just(math.inf), signs))
    if allow_nan:
        options.append(st.just(LogFloat("nan")))
    return st.one_of(options)


def _float32_range(min_log: float, max_log: float) -> tuple[float, float]:
    """The range rounded inwards to float32 numbers (hypothesis needs them exact)."""
    lo, hi = np.float32(min_log), np.float32(max_log)
    if float(lo) < min_log:
        lo = np.nextafter(lo, np.float32(np.inf))
    if float(hi) > max_log:
        hi = np.nextafter(hi, np.float32(-np.inf))
    if lo > hi:
        raise ValueError(f"no float32 log lies in [{min_log!r}, {max_log!r}]")
    return float(lo), float(hi)


def log_arrays(
    shape: int | tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
    dtype: DTypeLike | st.SearchStrategy[Any] = np.float64,
    signed: bool | None = None,
    min_log: float = DEFAULT_MIN_LOG,
    max_log: float = DEFAULT_MAX_LOG,
    allow_zero: bool = True,
    allow_infinity: bool = False,
    allow_nan: bool = False,
) -> st.SearchStrategy[LogArray]:
    """A strategy for :class:`~logspace.LogArray` values, built on ``hypothesis.extra.numpy``.

    The logs are drawn by :func:`hypothesis.extra.numpy.arrays` (which also
    tries arrays of one repeated value), the signs as a boolean array.

    Parameters
    ----------
    shape : int, tuple of ints or strategy of tuples, optional
        Shape of the arrays. By default any shape of 0 to 3 dimensions with
        sides up to 5 (:func:`hypothesis.extra.numpy.array_shapes`), 0-d and
        empty arrays included.
    dtype : float32 or float64, or a strategy of them
        dtype of the stored logs.
    signed : bool, optional
        True: signed arrays (which may hold negative values); False: unsigned
        ones (non-negative values, no signs stored); None (default): both.
    min_log, max_log : float
        Range of the logs of the nonzero finite elements (rounded inwards to
        float32 numbers for float32 arrays).
    allow_zero, allow_infinity, allow_nan : bool
        Whether elements may be zero (log -inf), infinite (log inf; negative
        infinities only in signed arrays) or nan.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of LogArray

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20, derandomize=True)
    ... @given(log_arrays(dtype=np.float32, signed=True))
    ... def test_dtype_and_signs(a):
    ...     assert a.dtype == np.float32 and a.signed
    ...     assert np.all(np.abs(a.sign) <= 1)
    >>> test_dtype_and_signs()
    """
    _check_range(min_log, max_log)
    shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5) if shape is None else shape
    dtypes = dtype if isinstance(dtype, st.SearchStrategy) else st.just(np.dtype(dtype))
    signs = st.booleans() if signed is None else st.just(bool(signed))

    @st.composite
    def draw_array(draw: Any) -> LogArray:
        dt = np.dtype(draw(dtypes))
        if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"log_arrays: dtype must be float32 or float64, not {dt}")
        lo, hi = (min_log, max_log) if dt == np.float64 else _float32_range(min_log, max_log)
        width: Literal[32, 64] = 64 if dt == np.float64 else 32
        options = [st.floats(min_value=lo, max_value=hi, width=width)]
        if allow_zero:
            options.append(st.just(-math.inf))
        if allow_infinity:
            options.append(st.just(math.inf))
        if allow_nan:
            options.append(st.just(math.nan))
        drawn_shape = draw(shapes) if isinstance(shapes, st.SearchStrategy) else shapes
        logs = draw(hnp.arrays(dt, drawn_shape, elements=st.one_of(options)))
        if not draw(signs):
            return LogArray.from_log(logs)
        negative = draw(hnp.arrays(np.bool_, logs.shape))
        # Zeros and nans carry no sign, as in LogArray(values).
        negative &= (logs > -np.inf) & ~np.isnan(logs)
        return LogArray.from_log(logs, sign=np.where(negative, -1, 1))

    return draw_array()
