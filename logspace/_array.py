"""LogArray: an array of log-domain numbers, backed by numpy or dask.

A LogArray holds an ndarray of natural logs of the magnitudes and, when it
is *signed*, a boolean ndarray saying which elements are negative. An array
that is not signed pays nothing for signs. Signedness is fixed when the array
is made, like its dtype.

Both parts may instead be dask arrays: the LogArray is then lazy, and every
operation builds a graph (see docs/dask.md). This module does not know which
backing it has: the kernels dispatch on the array type, and the few
decisions that depend on knowing the values (is any element negative? does
this division divide by zero?) go through helpers of
:mod:`logspace._kernels` that answer conservatively, without computing, for
a lazy array.

The one rule for mixing (shared with ``LogFloat``): a plain number v stands
for ``LogFloat(v)``, its correctly rounded log and its sign; an ndarray is
taken at its exact values, each turned into its correctly rounded log
(:mod:`logspace._conversions`), so ``LogArray([v])[0]`` is ``LogFloat(v)``;
a LogFloat is a 0-d operand with its stored log. Comparisons are made on
float64 logs whatever the dtype, so ``a > v`` agrees with ``a[i] > v``.
Result dtypes follow NEP 50: Python numbers, Fractions, Decimals and
LogFloats are weak, numpy scalars and arrays strong (a float32 ndarray keeps
a float32 LogArray float32; a float64 one makes it float64). Domain errors
follow numpy (nan or inf, signalled through ``np.errstate``); ``LogFloat``
follows :mod:`math` instead. Conversions back to floats (``to_numpy``,
``np.asarray``) give elementwise ``float(a[i])``, raise OverflowError
rather than give inf, and warn (:class:`logspace.UnderflowWarning`) where a
nonzero value becomes 0.
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple
from numpy.typing import ArrayLike, DTypeLike, NDArray

from logspace import _backends, _conversions, _kernels, _text
from logspace._scalar import LogFloat

__all__ = ["LogArray"]

_LOG_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_FLOAT64 = np.dtype(np.float64)
_ADD = np.add  # bound once: the hot paths call it once per step of a model's loop

# (log, neg): the raw form of an operand. ``neg`` is None for an operand with
# no negative values; a Python float log marks a weak scalar.
Raw = tuple[Any, Any]


def _check_dtype(dtype: DTypeLike | None) -> np.dtype[Any] | None:
    if dtype is None:
        return None
    dt = np.dtype(dtype)
    if dt not in _LOG_DTYPES:
        raise TypeError(f"LogArray stores its logs as float32 or float64, not {dt}")
    return dt


def _logs_of_values(values: NDArray[Any]) -> Raw:
    """Correctly rounded logs and negativity of an int, bool or float array of linear values.

    Every value is taken exactly (float32, float16 and int64 included). The
    result is signed when some value is negative; for a lazy (dask) array
    that cannot be known without computing, so it is signed unless its
    dtype has no negative numbers.
    """
    kind = values.dtype.kind
    if kind not in "biuf":
        raise TypeError(
            f"LogArray: cannot take linear values of dtype {values.dtype}; expected real numbers, "
            "LogFloats or decimal strings"
        )
    log = _backends.elementwise(_conversions.log_abs, values)
    if kind in "bu":
        return log, None
    neg = np.signbit(values) & (values != 0)
    return log, (neg if _backends.any_true(neg, if_lazy=True) else None)


def _logs_of_objects(values: NDArray[Any]) -> Raw:
    """Element by element, as LogFloat parses: big ints, strings, LogFloats.

    A str array (dtype ``U``) is parsed as a whole, with the same result.
    """
    if values.dtype.kind == "U":
        log, sign = _conversions.log_sign_of_decimals(values)
        neg = sign < 0
        return log, (neg if neg.any() else None)
    try:
        flat = [item if isinstance(item, LogFloat) else LogFloat(item) for item in values.reshape(-1)]
    except TypeError:
        bad = next(item for item in values.reshape(-1) if not isinstance(item, (LogFloat, str, numbers.Real)))
        raise TypeError(
            "LogArray() takes real numbers, decimal strings, LogFloats or arrays of them, "
            f"not {type(bad).__name__!r}"
        ) from None
    log = np.array([item._log for item in flat], dtype=np.float64).reshape(values.shape)
    neg = np.array([item._sign < 0 for item in flat], dtype=bool).reshape(values.shape)
    return log, (neg if neg.any() else None)


def _raw(x: Any) -> Raw:
    """The (log, neg) form of any operand; TypeError for what cannot mix.

    A Python number or LogFloat gives a Python float log (weak, see
    :func:`_result_dtype`); an ndarray, numpy scalar or list gives its
    correctly rounded logs as a float64 array, whatever its dtype.
    """
    if isinstance(x, LogArray):
        return x._log, x._neg
    if isinstance(x, LogFloat):
        return x._log, (True if x._sign < 0 else None)
    if isinstance(x, (np.ndarray, np.generic, list, tuple)):
        if isinstance(x, np.ma.MaskedArray):
            raise TypeError(_MASKED_MESSAGE)
        arr = np.asarray(x)
        if arr.dtype.kind in "OUS":
            return _logs_of_objects(arr)
        if arr.dtype.kind == "c":
            raise TypeError("LogArray holds real numbers; got complex values")
        return _logs_of_values(arr)
    if isinstance(x, (numbers.Real, Decimal)):
        as_float = LogFloat(x)  # its correctly rounded log, as LogFloat(x) == x
        return as_float._log, (True if as_float._sign < 0 else None)
    if _backends.is_lazy(x):  # a dask array of linear values
        return _logs_of_values(x)
    raise TypeError(f"cannot combine a LogArray with {type(x).__name__!r}")


_MASKED_MESSAGE = (
    "LogArray does not take masked arrays: the mask would be lost. Fill the masked entries first, "
    "e.g. LogArray(m.filled(0.0)), or keep the mask beside the LogArray"
)


def _operand_dtype(x: Any) -> np.dtype[Any] | None:
    """The dtype an operand brings to a result, by NEP 50; None for a weak one.

    Python numbers, Fractions, Decimals and LogFloats are weak. A LogArray
    brings its dtype; an ndarray, numpy scalar or list brings the float type
    numpy would promote its values to (bool, int8 and uint8 to float16, int16
    to float32, wider ints to float64), since its values are taken exactly.
    """
    if isinstance(x, LogArray):
        return x._log.dtype
    if isinstance(x, (LogFloat, numbers.Number)) and not isinstance(x, np.generic):  # np.float64 is a float
        return None
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        dtype = np.asarray(x).dtype
    if dtype.kind not in "biuf":
        return np.dtype(np.float64)  # strings, objects: parsed as LogArray(values) parses them
    promoted = np.result_type(dtype, np.float16)
    return promoted if promoted.itemsize <= 8 else np.dtype(np.float64)


def _result_dtype(*operands: Any) -> np.dtype[Any]:
    """The dtype of the logs of a result: float32 or float64, numpy's promotion of the operands."""
    strong = [dt for dt in map(_operand_dtype, operands) if dt is not None]
    if not strong:
        return np.dtype(np.float64)
    first = strong[0]
    dtype = first if all(dt == first for dt in strong) else np.result_type(*strong)
    return dtype if dtype in _LOG_DTYPES else (np.dtype(np.float32) if dtype.itemsize < 4 else np.dtype(np.float64))


def _wrap(log: Any, neg: Any, dtype: np.dtype[Any]) -> LogArray:
    if type(log) is not np.ndarray:
        log = _backends.asarray(log)
    if log.dtype != dtype:
        log = log.astype(dtype)
    if neg is not None:
        neg = _backends.mask_like(neg, log)
    return LogArray._from_parts(log, neg)


def _xor_neg(na: Any, nb: Any) -> Any:
    if na is None:
        return nb
    if nb is None:
        return na
    return np.logical_xor(na, nb)


def _sign_of(log: Any, neg: Any) -> Any:
    """Sign as floats -1, 0, 1 (nan for nan), in the dtype of the logs."""
    with np.errstate(invalid="ignore"):
        sign = np.where(log == -np.inf, 0.0, 1.0)
        if neg is not None:
            sign = np.where(neg & (log > -np.inf), -1.0, sign)
    sign = np.where(np.isnan(log), np.nan, sign)
    return sign.astype(_backends.asarray(log).dtype, copy=False)


# ---------------------------------------------------------------------------
# Elementwise operations on operands of any kind (the ufunc table uses these)
# ---------------------------------------------------------------------------


def multiply(x: Any, y: Any, /) -> LogArray:
    if type(x) is LogArray and type(y) is LogArray and x._neg is None and y._neg is None:
        xl, yl = x._log, y._log
        if type(xl) is np.ndarray and type(yl) is np.ndarray and (xl.dtype is yl.dtype or xl.dtype == yl.dtype):
            return _assembled(_ADD(xl, yl), None)  # the hot path of model code
    if _on_device(x, y):
        return _device_elementwise("multiply", x, y)
    (la, na), (lb, nb) = _raw(x), _raw(y)
    return _wrap(np.add(la, lb), _xor_neg(na, nb), _result_dtype(x, y))


def divide(x: Any, y: Any) -> LogArray:
    if _on_device(x, y):
        return _device_elementwise("divide", x, y)
    (la, na), (lb, nb) = _raw(x), _raw(y)
    log = np.subtract(la, lb)
    # As numpy: x / 0 warns for finite x (inf / 0 is quiet); not lazily.
    if _backends.any_true((_backends.asarray(lb) == -np.inf) & np.isfinite(la), if_lazy=False):
        _kernels._signal("divide", "divide")
    return _wrap(log, _xor_neg(na, nb), _result_dtype(x, y))


def _check_broadcast(la: Any, lb: Any) -> None:
    """numpy's broadcasting error (as ``*`` gives it) for operands that do not broadcast."""
    shape_a, shape_b = np.shape(la), np.shape(lb)
    if shape_a != shape_b and shape_a and shape_b:
        try:
            np.broadcast_shapes(shape_a, shape_b)
        except ValueError:
            # numpy's own message, from zero-stride views (no memory: they do not broadcast)
            np.add(np.broadcast_to(np.False_, shape_a), np.broadcast_to(np.False_, shape_b))


def add(x: Any, y: Any) -> LogArray:
    if _on_device(x, y):
        return _device_elementwise("add", x, y)
    (la, na), (lb, nb) = _raw(x), _raw(y)
    _check_broadcast(la, lb)
    dtype = _result_dtype(x, y)
    if na is None and nb is None:
        return _wrap(_kernels.logaddexp(la, lb), None, dtype)
    log, neg = _kernels.logaddexp_signed(la, _false_if_none(na), lb, _false_if_none(nb))
    return _wrap(log, neg, dtype)


def subtract(x: Any, y: Any) -> LogArray:
    """x - y; signed exactly when the difference has a negative value.

    As for ``LogArray(values)``, the result is signed when it holds a negative
    number, so the difference of two unsigned arrays is unsigned (and costs
    one logsubexp) unless some y > x. A lazy (dask) difference is always
    signed: whether some y > x is not known until it is computed.
    """
    if _on_device(x, y):
        return _device_elementwise("subtract", x, y)
    (la, na), (lb, nb) = _raw(x), _raw(y)
    _check_broadcast(la, lb)
    dtype = _result_dtype(x, y)
    if na is None and nb is None and not _backends.any_true(np.less(la, lb), if_lazy=True):
        return _wrap(_kernels.logsubexp(la, lb), None, dtype)
    log, neg = _kernels.logaddexp_signed(la, _false_if_none(na), lb, np.logical_not(_false_if_none(nb)))
    return _wrap(log, neg, dtype)


def _false_if_none(neg: Any) -> Any:
    return False if neg is None else neg


def negative(x: Any) -> LogArray:
    if _on_device(x):
        return _device_wrap(x._log, _device_not(x._neg))
    log, neg = _raw(x)
    return _wrap(log, np.logical_not(_false_if_none(neg)), _result_dtype(x))


def positive(x: Any) -> LogArray:
    if _on_device(x):
        return LogArray._from_parts(_device_copy(x._log), None if x._neg is None else _device_copy(x._neg))
    log, neg = _raw(x)
    return _wrap(_backends.copy(log), None if neg is None else _backends.copy(neg), _result_dtype(x))


def absolute(x: Any) -> LogArray:
    if _on_device(x):
        return LogArray._from_parts(_device_copy(x._log), None)
    log, _ = _raw(x)
    return _wrap(_backends.copy(log), None, _result_dtype(x))


def power(x: Any, y: Any) -> LogArray:
    """x ** y for a log-domain base and a linear real exponent.

    A negative base needs an integer exponent (else nan, as numpy); 0 ** 0
    and nan ** 0 are 1, as in numpy.
    """
    if _on_device(x, y):
        return _device_power(x, y)
    log, neg = _raw(x)
    exponent = _linear(y)
    out = _backends.elementwise(_power_logs, log, exponent, np.logical_not(_false_if_none(neg)), invalid="ignore")
    if _backends.any_true((_backends.asarray(log) == -np.inf) & (exponent < 0), if_lazy=False):
        _kernels._signal("divide", "power")
    strong = isinstance(y, LogArray | np.ndarray) or _backends.is_lazy(y)
    dtype = _result_dtype(x, y if strong else 1.0)
    if neg is None:
        return _wrap(out, None, dtype)
    odd = _backends.elementwise(_is_odd, exponent, invalid="ignore")
    whole = _backends.elementwise(_is_whole, exponent, invalid="ignore")
    bad = _backends.asarray(neg) & ~whole & np.isfinite(log) & ~np.isnan(exponent)
    if _backends.any_true(bad, if_lazy=True):
        out = np.where(bad, np.nan, out)
        if _backends.any_true(bad, if_lazy=False):
            _kernels._signal("invalid", "power")
    return _wrap(out, _backends.asarray(neg) & odd, dtype)


def _power_logs(log: Any, exponent: Any, positive: Any) -> Any:
    """log * exponent, with numpy's special cases of a power that is exactly 1."""
    out = np.multiply(log, exponent)
    # As numpy: x ** 0 is 1 (nan too); 1 ** y is 1 (y inf or nan too); (-1) ** +-inf is 1.
    unit = (np.asarray(log) == 0) & (np.isinf(exponent) | (np.isnan(exponent) & positive))
    return np.where((exponent == 0) | unit, 0.0, out)


def _is_odd(exponent: Any) -> Any:
    return np.mod(exponent, 2) == 1


def _is_whole(exponent: Any) -> Any:
    return (np.mod(exponent, 1) == 0) | np.isinf(exponent)


def rpower(x: Any, y: Any) -> LogArray:
    """y ** x for a plain (linear) base y and a log-domain exponent x."""
    return power(y, x)  # the base taken at its value, the exponent at its linear value


def square(x: Any) -> LogArray:
    if _on_device(x):
        return _device_power(x, 2)
    log, _ = _raw(x)
    return _wrap(np.multiply(log, 2), None, _result_dtype(x))


def sqrt(x: Any) -> LogArray:
    if _on_device(x):  # nan where negative, silently (as every device operation)
        return _device_power(x, 0.5)
    log, neg = _raw(x)
    out = np.multiply(log, 0.5)
    if neg is not None:
        bad = _backends.asarray(neg) & (_backends.asarray(log) > -np.inf)
        if _backends.any_true(bad, if_lazy=True):
            out = np.where(bad, np.nan, out)
            if _backends.any_true(bad, if_lazy=False):
                _kernels._signal("invalid", "sqrt")
    return _wrap(out, None, _result_dtype(x))


def reciprocal(x: Any) -> LogArray:
    return divide(1.0, x)


def _linear(x: Any) -> Any:
    """Linear values of an exponent or base: LogArray/LogFloat to floats (inf and 0 beyond range)."""
    if isinstance(x, LogArray):
        parts = (x._log,) if x._neg is None else (x._log, x._neg)
        return _backends.elementwise(_values_in_dtype, *parts, over="ignore", under="ignore")
    if isinstance(x, LogFloat):
        return float(x)
    if isinstance(x, complex) or np.iscomplexobj(x):
        raise TypeError("LogArray holds real numbers; got a complex exponent")
    return _backends.asarray(x) if not isinstance(x, (int, float)) else x


def _values_in_dtype(log: Any, negative: Any = None) -> Any:
    """``float_of_log`` in the dtype of the logs (float32 values for float32 logs)."""
    return _conversions.float_of_log(log, negative).astype(log.dtype, copy=False)


def _compare(op: Any, x: Any, y: Any) -> NDArray[np.bool_]:
    """Comparison of values: by sign, then by log (reversed if negative); a plain number is LogFloat(v)."""
    if _on_device(x, y):
        return _device_compare(op, x, y)
    (la, na), (lb, nb) = _raw(x), _raw(y)
    # On float64 logs whatever the dtype, as a[i] (a float64 LogFloat) compares.
    la, lb = _backends.asarray(la, np.float64), _backends.asarray(lb, np.float64)
    if na is None and nb is None:
        return op(la, lb)
    sa, sb = _sign_of(la, na), _sign_of(lb, nb)
    with np.errstate(invalid="ignore"):
        key_a = np.where(sa < 0, -_backends.asarray(la), np.where(sa == 0, 0.0, la))
        key_b = np.where(sb < 0, -_backends.asarray(lb), np.where(sb == 0, 0.0, lb))
        same_sign = sa == sb
        return np.where(same_sign, op(key_a, key_b), op(sa, sb))


def equal(x: Any, y: Any) -> NDArray[np.bool_]:
    return _compare(operator.eq, x, y)


def not_equal(x: Any, y: Any) -> NDArray[np.bool_]:
    return ~_compare(operator.eq, x, y)  # ~ of a bool ndarray, tensor or JAX array


def less(x: Any, y: Any) -> NDArray[np.bool_]:
    return _compare(operator.lt, x, y)


def less_equal(x: Any, y: Any) -> NDArray[np.bool_]:
    return _compare(operator.le, x, y)


def greater(x: Any, y: Any) -> NDArray[np.bool_]:
    return _compare(operator.gt, x, y)


def greater_equal(x: Any, y: Any) -> NDArray[np.bool_]:
    return _compare(operator.ge, x, y)


def maximum(x: Any, y: Any) -> LogArray:
    return _select(x, y, greater_equal)


def minimum(x: Any, y: Any) -> LogArray:
    return _select(x, y, less_equal)


def _select(x: Any, y: Any, keep_first: Any) -> LogArray:
    if _on_device(x, y):
        return _device_select(x, y, keep_first)
    (la, na), (lb, nb) = _raw(x), _raw(y)
    first = keep_first(x, y)
    with np.errstate(invalid="ignore"):
        nan = np.isnan(la) | np.isnan(lb)
    log = np.where(nan, np.nan, np.where(first, la, lb))
    neg = None
    if na is not None or nb is not None:
        neg = np.where(first, _false_if_none(na), _false_if_none(nb))
    return _wrap(log, neg, _result_dtype(x, y))


def _check_matmul_shapes(x: Any, y: Any) -> None:
    """The error for operands ``@`` cannot take, naming the shapes the user gave."""
    shape_a, shape_b = np.shape(x), np.shape(y)
    if not shape_a or not shape_b:
        raise ValueError(f"matmul: a 0-d operand has no dimension to multiply over (shapes {shape_a} and {shape_b})")
    inner_a = shape_a[-1]
    inner_b = shape_b[-2] if len(shape_b) >= 2 else shape_b[0]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: mismatch in its core dimension: a has {inner_a} columns but b has {inner_b} rows "
            f"(shapes {shape_a} and {shape_b})"
        )
    if len(shape_a) <= 2 and len(shape_b) <= 2:
        return  # no stacking dimensions
    try:
        np.broadcast_shapes(shape_a[:-2], shape_b[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: the stacking dimensions do not broadcast (shapes {shape_a} and {shape_b})"
        ) from None


def matmul(x: Any, y: Any, /) -> LogArray:
    """Log-semiring matrix product; signed operands split into +/- parts."""
    if type(x) is LogArray and type(y) is LogArray and x._neg is None and y._neg is None:
        xl, yl = x._log, y._log
        if (
            type(xl) is np.ndarray
            and type(yl) is np.ndarray
            and xl.ndim == 1
            and yl.ndim == 2
            and xl.dtype is _FLOAT64  # the canonical float64: an identity test (others take the path below)
            and yl.dtype is _FLOAT64
            and xl.shape[0] == yl.shape[0]
        ):
            # A vector times a matrix, once per step of a recursion: straight to the kernel's fast
            # path, before any other check (the shapes are already right).
            fast = _kernels._log_vector_matrix(xl, yl, y._prepared_for_matmul("right"))
            if fast is not None:
                return _assembled(fast, None)
    if _on_device(x, y):
        return _device_matmul(x, y)
    (la, na), (lb, nb) = _raw(x), _raw(y)
    if not (type(x) is LogArray and type(y) is LogArray and x.ndim == y.ndim == 2 and x.shape[1] == y.shape[0]):
        _check_matmul_shapes(la, lb)  # the logs have the shapes the user gave
    if type(x) is LogArray and type(y) is LogArray and x._neg is None and y._neg is None:
        xl, yl = x._log, y._log
        prepared_a = x._prepared_for_matmul("left") if x._log.ndim >= 2 else None
        prepared_b = y._prepared_for_matmul("right") if y._log.ndim >= 2 else None
        log = _kernels.logmatmulexp(x._log, y._log, prepared_a=prepared_a, prepared_b=prepared_b)
        if type(log) is np.ndarray:
            return LogArray._from_parts(log, None)
        # vector @ vector, a scalar as in numpy (a 0-d LogArray if lazy)
        return _reduced(log, None, _result_dtype(x, y))
    dtype = _result_dtype(x, y)
    if na is None and nb is None:
        prepared_a = x._prepared_for_matmul("left") if type(x) is LogArray and x.ndim >= 2 else None
        prepared_b = y._prepared_for_matmul("right") if type(y) is LogArray and y.ndim >= 2 else None
        return _reduced(_kernels.logmatmulexp(la, lb, prepared_a=prepared_a, prepared_b=prepared_b), None, dtype)
    a_pos, a_neg = _split_signs(la, na)
    b_pos, b_neg = _split_signs(lb, nb)
    positive_part = _kernels.logaddexp(_kernels.logmatmulexp(a_pos, b_pos), _kernels.logmatmulexp(a_neg, b_neg))
    negative_part = _kernels.logaddexp(_kernels.logmatmulexp(a_pos, b_neg), _kernels.logmatmulexp(a_neg, b_pos))
    log, neg = _kernels.logaddexp_signed(positive_part, False, negative_part, True)
    return _reduced(log, neg, dtype)


def _split_signs(log: Any, neg: Any) -> tuple[Any, Any]:
    log = _backends.asarray(log)
    if neg is None:
        return log, np.full_like(log, -np.inf)
    return np.where(neg, -np.inf, log), np.where(neg, log, -np.inf)


def isnan(x: Any) -> NDArray[np.bool_]:
    if _on_device(x):
        return _backends.namespace(x._log).isnan(x._log)
    return np.isnan(_raw(x)[0])


def isinf(x: Any) -> NDArray[np.bool_]:
    if _on_device(x):
        return x._log == math.inf
    return _backends.asarray(_raw(x)[0]) == np.inf


def isfinite(x: Any) -> NDArray[np.bool_]:
    if _on_device(x):
        return x._log < math.inf
    return _backends.asarray(_raw(x)[0]) < np.inf


def sign(x: Any) -> NDArray[Any]:
    """Signs as linear numbers -1, 0, 1 (nan for nan), like np.sign."""
    if _on_device(x):
        return _device_sign(x._log, x._neg)
    return _sign_of(*_raw(x))


def log10(x: Any) -> NDArray[Any]:
    """Base-10 logs as an ndarray, each rounded once as ``LogFloat.log10`` rounds it."""
    return _log_to_base(x, "10")


def log2(x: Any) -> NDArray[Any]:
    """Base-2 logs as an ndarray, each rounded once as ``LogFloat.log2`` rounds it."""
    return _log_to_base(x, "2")


def _log_to_base(x: Any, base: str) -> NDArray[Any]:
    natural = log(x)
    if _on_device(x):  # one division in the library (the numpy path rounds the quotient once, exactly)
        return natural / math.log(float(base))
    out = _backends.elementwise(functools.partial(_conversions.log_in_base, base=base), natural)
    return out.astype(_backends.asarray(natural).dtype, copy=False)


def log(x: Any) -> NDArray[Any]:
    """The natural logs: the stored logs; nan (numpy's warning) where negative."""
    if _on_device(x):
        if x._neg is None:
            return _device_copy(x._log)
        return _backends.namespace(x._log).where(x._neg & (x._log > -math.inf), math.nan, x._log)
    lg, neg = _raw(x)
    out = _backends.copy(lg)
    if neg is not None:
        bad = _backends.asarray(neg) & (out > -np.inf)
        if _backends.any_true(bad, if_lazy=True):
            out = np.where(bad, np.nan, out)
            if _backends.any_true(bad, if_lazy=False):
                _kernels._signal("invalid", "log")
    return out


# ---------------------------------------------------------------------------
# LogArrays whose logs are torch tensors or JAX arrays
# ---------------------------------------------------------------------------
# The logs (and signs) stay in their library and on its device: every
# operation goes through the library's array-API namespace and the kernels
# (which carry the gradient rules), never through numpy. What needs the values
# on the host (printing, ``to_numpy``) moves them there only then. Nothing
# calls ``bool`` on a value that a JAX trace may not know: where a decision
# depends on the values, an unknown answer takes the branch that is right
# whatever they are (a difference is then signed).

_DEVICE_KINDS = (_backends.TORCH, _backends.JAX)


def _is_device_array(x: Any) -> bool:
    """Whether ``x`` is a torch tensor or a JAX array (tracers included)."""
    return type(x) is not np.ndarray and _backends.kind(x) in _DEVICE_KINDS


def _on_device(*operands: Any) -> bool:
    """Whether an operand is a LogArray of torch or JAX logs, or such an array itself."""
    for x in operands:
        if _is_device_array(x._log if isinstance(x, LogArray) else x):
            return True
    return False


def _device_of(*operands: Any) -> Any:
    """The torch tensor or JAX array of logs among ``operands`` that the result follows."""
    for x in operands:
        log = x._log if isinstance(x, LogArray) else x
        if _is_device_array(log):
            return log
    raise TypeError("no torch or JAX array among the operands")


@functools.cache
def _register_jax_pytree() -> None:
    """Make LogArray a JAX pytree: the logs a leaf, the signs (when signed) a second one.

    Whether the array is signed is the auxiliary data, so ``jax.jit`` and
    ``jax.vmap`` see one or two leaves. Called when a JAX array first
    reaches a LogArray: importing logspace imports no JAX.
    """
    from jax import tree_util

    def flatten(a: LogArray) -> tuple[tuple[Any, ...], bool]:
        return ((a._log,) if a._neg is None else (a._log, a._neg)), a._neg is not None

    def unflatten(signed: bool, leaves: Any) -> LogArray:
        return LogArray._from_parts(leaves[0], leaves[1] if signed else None)

    tree_util.register_pytree_node(LogArray, flatten, unflatten)


def _check_library(x: Any) -> None:
    if _backends.kind(x) == _backends.JAX:
        _register_jax_pytree()


def _known_any(mask: Any) -> bool | None:
    """``bool(any(mask))`` of a device mask, or None where a JAX trace does not know it."""
    xp = _backends.namespace(mask)
    if _backends.kind(mask) == _backends.JAX:
        import jax

        try:
            return bool(xp.any(mask))
        except jax.errors.ConcretizationTypeError:
            return None
    return bool(xp.any(mask))


def _put(value: Any, like: Any, dtype: Any = None) -> Any:
    """``value`` (numpy or Python) as an array of the library and on the device of ``like``."""
    xp = _backends.namespace(like)
    if _backends.kind(like) == _backends.TORCH:
        return xp.asarray(value, device=like.device, dtype=dtype)
    return xp.asarray(value, dtype=dtype)


def _to_host(x: Any) -> Any:
    """A torch tensor or JAX array as an ndarray (its values, detached from any gradient)."""
    if x is None or not _is_device_array(x):
        return x
    if _backends.kind(x) == _backends.TORCH:
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _device_copy(x: Any) -> Any:
    """A copy that keeps the gradient graph (``clone``); JAX arrays are immutable, so themselves."""
    if _backends.kind(x) == _backends.TORCH:
        return x.clone()
    return x


def _device_logs_of_values(values: Any) -> Raw:
    """Logs and negativity of a torch tensor or JAX array of linear values, in that library.

    The library's own log of the magnitudes (not the correctly rounded
    conversion of the numpy path): it keeps the device and the gradient.
    """
    xp = _backends.namespace(values)
    if values.dtype == xp.bool or not xp.isdtype(values.dtype, "real floating"):
        values = xp.astype(values, _default_log_dtype(xp))
    log = xp.log(xp.abs(values))
    neg = xp.signbit(values) & (values != 0)
    return log, (None if _known_any(neg) is False else neg)


def _default_log_dtype(xp: Any) -> Any:
    """The library's float64 (JAX's default float where x64 is off)."""
    return xp.asarray(0.0).dtype if xp.__name__.startswith("jax") else xp.float64


def _device_raw(x: Any, like: Any) -> Raw:
    """The (log, neg) form of an operand mixed with the device logs ``like``.

    Python numbers and LogFloats stay Python scalars (weak, as on numpy);
    numpy-backed LogArrays and ndarrays are converted on the numpy path and
    moved to the library and device of ``like``.
    """
    if isinstance(x, LogArray):
        if _is_device_array(x._log):
            return x._log, x._neg
        log, neg = x._log, x._neg
    elif isinstance(x, (LogFloat, numbers.Real, Decimal)):
        return _raw(x)
    elif _is_device_array(x):
        return _device_logs_of_values(x)
    else:
        log, neg = _raw(x)
    return _put(np.asarray(log), like), (None if neg is None else _put(np.asarray(neg), like))


def _device_mask(neg: Any, log: Any) -> Any:
    """A boolean ``neg`` (array or Python bool) as a full array of the shape of ``log``, or None."""
    if neg is None:
        return None
    xp = _backends.namespace(log)
    full = xp.zeros(log.shape, dtype=xp.bool) if _backends.kind(log) == _backends.JAX else None
    if full is None:
        full = xp.zeros(log.shape, dtype=xp.bool, device=log.device)
    return xp.logical_or(full, _put(neg, log) if isinstance(neg, bool) else neg)


def _device_wrap(log: Any, neg: Any) -> LogArray:
    return LogArray._from_parts(log, _device_mask(neg, log))


def _device_xor(na: Any, nb: Any) -> Any:
    if na is None or na is False:
        return nb
    if nb is None or nb is False:
        return na
    if na is True:
        return ~nb if not isinstance(nb, bool) else not nb
    if nb is True:
        return ~na
    return na ^ nb


def _device_not(neg: Any) -> Any:
    if neg is None or isinstance(neg, bool):
        return not neg
    return ~neg


def _device_sign(log: Any, neg: Any) -> Any:
    xp = _backends.namespace(log)
    ones = xp.ones_like(log)
    sign = xp.where(log == -math.inf, 0 * ones, ones)
    if neg is not None:
        sign = xp.where(neg & (log > -math.inf), -ones, sign)
    return xp.where(xp.isnan(log), math.nan * ones, sign)


def _device_elementwise(name: str, x: Any, y: Any) -> LogArray:
    """``*``, ``/``, ``+`` and ``-`` of operands of which one has device logs."""
    like = _device_of(x, y)
    (la, na), (lb, nb) = _device_raw(x, like), _device_raw(y, like)
    if name == "multiply":
        return _device_wrap(la + lb, _device_xor(na, nb))
    if name == "divide":
        return _device_wrap(la - lb, _device_xor(na, nb))
    _check_broadcast(la, lb)
    if name == "subtract":
        if na is None and nb is None:
            xp = _backends.namespace(like)
            if _known_any(xp.asarray(la < lb)) is False:
                return _device_wrap(_kernels.logsubexp(la, lb), None)
        nb = _device_not(nb)
    elif na is None and nb is None:
        return _device_wrap(_kernels.logaddexp(la, lb), None)
    la, lb = _as_device_logs(la, like), _as_device_logs(lb, like)
    log, neg = _kernels.logaddexp_signed(la, _false_if_none(na), lb, _false_if_none(nb))
    return _device_wrap(log, neg)


def _as_device_logs(log: Any, like: Any) -> Any:
    """A Python float log as a 0-d array beside ``like`` (in its dtype)."""
    return _put(log, like, dtype=like.dtype) if isinstance(log, float) else log


def _device_power(x: Any, y: Any) -> LogArray:
    """x ** y with device logs: the base's log times the linear exponent."""
    like = _device_of(x, y)
    log, neg = _device_raw(x, like)
    if isinstance(y, LogArray | LogFloat):
        exponent: Any = _device_linear(*_device_raw(y, like)) if isinstance(y, LogArray) else float(y)
    elif _is_device_array(y) or isinstance(y, (int, float)):
        exponent = y
    else:
        exponent = _put(np.asarray(y), like)
    log = _as_device_logs(log, like)
    xp = _backends.namespace(like)
    exp = exponent if not isinstance(exponent, (int, float)) else _put(float(exponent), like, dtype=like.dtype)
    zeros = xp.zeros_like(log * exp)
    # As numpy: x ** 0 is 1 (nan too); 1 ** y is 1 (y inf or nan too).
    unit = (exp == 0) | ((log == 0) & (xp.isinf(exp) | xp.isnan(exp)))
    out = xp.where(unit, zeros, log * exp)
    if neg is None or neg is False:
        return _device_wrap(out, None)
    neg = _put(neg, like) if isinstance(neg, bool) else neg
    whole = (exp % 2 == 0) | (exp % 2 == 1) | xp.isinf(exp)
    out = xp.where(neg & ~whole & xp.isfinite(log) & ~xp.isnan(exp), math.nan + zeros, out)
    return _device_wrap(out, neg & (exp % 2 == 1))


def _device_linear(log: Any, neg: Any) -> Any:
    """Linear values of device logs (0 and inf beyond the float range)."""
    xp = _backends.namespace(log)
    values = xp.exp(log)
    return values if neg is None else xp.where(neg, -values, values)


def _device_compare(op: Any, x: Any, y: Any) -> Any:
    """A comparison of values, as :func:`_compare`, in the library of the device operand."""
    like = _device_of(x, y)
    (la, na), (lb, nb) = _device_raw(x, like), _device_raw(y, like)
    la, lb = _as_device_logs(la, like), _as_device_logs(lb, like)
    if na is None and nb is None:
        return op(la, lb)
    xp = _backends.namespace(like)
    sa, sb = _device_sign(la, _device_mask(na, la)), _device_sign(lb, _device_mask(nb, lb))
    key_a = xp.where(sa < 0, -la, xp.where(sa == 0, xp.zeros_like(la), la))
    key_b = xp.where(sb < 0, -lb, xp.where(sb == 0, xp.zeros_like(lb), lb))
    return xp.where(sa == sb, op(key_a, key_b), op(sa, sb))


def _device_select(x: Any, y: Any, keep_first: Any) -> LogArray:
    """``maximum`` and ``minimum`` with device logs: nan wins, as in numpy."""
    like = _device_of(x, y)
    (la, na), (lb, nb) = _device_raw(x, like), _device_raw(y, like)
    la, lb = _as_device_logs(la, like), _as_device_logs(lb, like)
    xp = _backends.namespace(like)
    first = keep_first(x, y)
    log = xp.where(first, la, lb)
    log = xp.where(xp.isnan(la) | xp.isnan(lb), xp.full_like(log, math.nan), log)
    if na is None and nb is None:
        return _device_wrap(log, None)
    neg_a, neg_b = _device_mask(_false_if_none(na), log), _device_mask(_false_if_none(nb), log)
    return _device_wrap(log, xp.where(first, neg_a, neg_b))


def _device_split_signs(log: Any, neg: Any) -> tuple[Any, Any]:
    xp = _backends.namespace(log)
    none = xp.full_like(log, -math.inf)
    if neg is None:
        return log, none
    return xp.where(neg, none, log), xp.where(neg, log, none)


def _device_matmul(x: Any, y: Any) -> LogArray:
    like = _device_of(x, y)
    (la, na), (lb, nb) = _device_raw(x, like), _device_raw(y, like)
    _check_matmul_shapes(la, lb)
    if na is None and nb is None:
        return _device_wrap(_kernels.logmatmulexp(la, lb), None)
    a_pos, a_neg = _device_split_signs(la, na)
    b_pos, b_neg = _device_split_signs(lb, nb)
    positive_part = _kernels.logaddexp(_kernels.logmatmulexp(a_pos, b_pos), _kernels.logmatmulexp(a_neg, b_neg))
    negative_part = _kernels.logaddexp(_kernels.logmatmulexp(a_pos, b_neg), _kernels.logmatmulexp(a_neg, b_pos))
    return _device_wrap(*_kernels.logaddexp_signed(positive_part, False, negative_part, True))


def _device_axes(axis: Any, ndim: int) -> Any:
    return None if axis is None else normalize_axis_tuple(axis, ndim)


def _device_sum(a: LogArray, axis: Any, keepdims: bool) -> LogArray:
    if a._neg is None:
        return _device_wrap(_kernels.logsumexp(a._log, axis=axis, keepdims=keepdims), None)
    xp = _backends.namespace(a._log)
    ones = xp.ones_like(a._log)
    weights = xp.where(a._neg, -ones, ones)
    log, sgn = _kernels.logsumexp(a._log, axis=axis, b=weights, keepdims=keepdims, return_sign=True)
    return _device_wrap(log, sgn < 0)


def _device_prod(a: LogArray, axis: Any, keepdims: bool) -> LogArray:
    xp = _backends.namespace(a._log)
    axes = _device_axes(axis, a.ndim)
    log = xp.sum(a._log, axis=axes, keepdims=keepdims)
    if a._neg is None:
        return _device_wrap(log, None)
    odd = xp.sum(xp.astype(a._neg, xp.int32), axis=axes, keepdims=keepdims) % 2 == 1
    return _device_wrap(log, odd)


def _device_extreme(a: LogArray, axis: Any, keepdims: bool, largest: bool) -> LogArray:
    xp = _backends.namespace(a._log)
    axes = _device_axes(axis, a.ndim)
    reduce = xp.max if largest else xp.min
    if a.size == 0:
        name = "max" if largest else "min"
        raise ValueError(f"zero-size LogArray to reduction operation {name} which has no identity")
    if a._neg is None:
        return _device_wrap(reduce(a._log, axis=axes, keepdims=keepdims), None)
    log = a._log
    sign = _device_sign(log, a._neg)
    ones = xp.ones_like(log)
    # Bands: negatives below zero below positives, nan above all; the key orders each band.
    band = xp.where(sign > 0, ones, xp.where(sign < 0, -ones, xp.where(sign == 0, 0 * ones, 2 * ones)))
    key = xp.where(sign < 0, -log, xp.where(sign == 0, 0 * ones, log))
    top_band = reduce(band, axis=axes, keepdims=True)
    outside = (-math.inf if largest else math.inf) * ones
    top_key = reduce(xp.where(band == top_band, key, outside), axis=axes, keepdims=True)
    nan = xp.any(xp.isnan(log), axis=axes, keepdims=True)
    none = xp.full_like(top_key, -math.inf)
    out = xp.where(top_band > 0, top_key, xp.where(top_band < 0, -top_key, none))
    out = xp.where(nan, xp.full_like(top_key, math.nan), out)
    neg = (top_band < 0) & ~nan
    if not keepdims:
        shape = tuple(n for i, n in enumerate(a.shape) if axes is not None and i not in axes)
        out, neg = xp.reshape(out, shape), xp.reshape(neg, shape)
    return _device_wrap(out, neg)


def _device_order_key(log: Any, neg: Any) -> tuple[Any, Any]:
    """(band, key) whose lexicographic order is the order of the values (see ``LogArray._order_key``)."""
    xp = _backends.namespace(log)
    sign = _device_sign(log, neg)
    ones = xp.ones_like(log)
    band = xp.where(sign > 0, ones, xp.where(sign < 0, -ones, xp.where(sign == 0, 0 * ones, 2 * ones)))
    return band, xp.where(sign < 0, -log, xp.where(sign == 0, 0 * ones, log))


def _device_flat(a: LogArray, axis: Any) -> tuple[LogArray, Any]:
    """``(a, axis)``, or the flattened array and axis 0 for ``axis=None``."""
    return (a.reshape(-1), 0) if axis is None else (a, axis)


def _device_arg_extreme(a: LogArray, axis: Any, keepdims: bool, largest: bool) -> Any:
    """argmax/argmin of device logs: the first index of the extreme (the first nan if any), as numpy."""
    xp = _backends.namespace(a._log)
    shape = tuple(a.shape)
    flat, ax = _device_flat(a, axis)
    if flat._neg is None:
        key = flat._log if largest else -flat._log
    else:
        band, order = _device_order_key(flat._log, flat._neg)
        top_band = (xp.max if largest else xp.min)(band, axis=ax, keepdims=True)
        outside = (-math.inf if largest else math.inf) * xp.ones_like(order)
        top = (xp.max if largest else xp.min)(xp.where(band == top_band, order, outside), axis=ax, keepdims=True)
        key = xp.astype((band == top_band) & (order == top), flat._log.dtype)
    nan = xp.isnan(flat._log)
    # The first nan wins; else the first maximum of the key.
    key = xp.where(xp.any(nan, axis=ax, keepdims=True), xp.astype(nan, key.dtype), key)
    out = xp.argmax(key, axis=ax, keepdims=keepdims)
    if keepdims and axis is None:
        out = xp.reshape(out, (1,) * len(shape))
    return out


def _device_argsort(a: LogArray, axis: Any) -> Any:
    """Indices that sort device logs stably (nan last): by key, then stably by sign band."""
    xp = _backends.namespace(a._log)
    flat, ax = _device_flat(a, axis)
    if flat._neg is None:
        return xp.argsort(flat._log, axis=ax, stable=True)
    band, key = _device_order_key(flat._log, flat._neg)
    by_key = xp.argsort(key, axis=ax, stable=True)
    by_band = xp.argsort(xp.take_along_axis(band, by_key, axis=ax), axis=ax, stable=True)
    return xp.take_along_axis(by_key, by_band, axis=ax)


def _device_cumprod(a: LogArray, axis: int | None) -> LogArray:
    xp = _backends.namespace(a._log)
    flat, ax = _device_flat(a, axis)
    log = xp.cumulative_sum(flat._log, axis=ax)
    if flat._neg is None:
        return _device_wrap(log, None)
    return _device_wrap(log, xp.cumulative_sum(xp.astype(flat._neg, xp.int64), axis=ax) % 2 == 1)


def _device_cumsum(a: LogArray, axis: int | None) -> LogArray:
    if a._neg is None:
        return _device_wrap(_kernels.logcumsumexp(a._log, axis=axis), None)
    pos_part, neg_part = _device_split_signs(a._log, a._neg)
    log, neg = _kernels.logaddexp_signed(
        _kernels.logcumsumexp(pos_part, axis=axis), False, _kernels.logcumsumexp(neg_part, axis=axis), True
    )
    return _device_wrap(log, neg)


# ---------------------------------------------------------------------------
# The array type
# ---------------------------------------------------------------------------


_new_object = object.__new__
#: Up to this many bytes of logs (a 16 x 16 float64 matrix), the cache check of ``@`` compares a copy.
_SMALL_SNAPSHOT = 2048


def _assembled(log: Any, neg: Any) -> LogArray:
    """A LogArray of these logs and negativity, without copying or checking: the constructor of results.

    ``LogArray._from_parts`` is this function; hot paths (``@`` and ``*`` in a model's loop, indexing)
    call it directly, which saves the method lookup.
    """
    new: LogArray = _new_object(LogArray)
    new._log = log
    new._neg = neg
    new._matmul_cache = None
    return new


class _DaskArrayAttribute(property):
    """A class attribute that is ``dask.array.Array``'s attribute of the same name.

    Looked up only by dask (so dask is imported by then): defining it does
    not import dask. A property to ``help()`` and ``inspect``, so that they
    show this docstring, not the documentation of dask's function.
    """

    def __init__(self, doc: str) -> None:
        super().__init__(doc=doc)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        from dask.array import Array

        return getattr(Array, self.name)


class LogArray:
    """An array of numbers stored as logs: no underflow, accurate sums.

    ``LogArray(values)`` takes linear values (anything ``np.asarray`` takes,
    negatives allowed, and sequences of LogFloats, decimal strings such as
    ``'1e-5000'`` or Python ints beyond float range);
    ``LogArray.from_log(logs)`` takes logs directly. Arithmetic broadcasts like
    numpy, ``@`` is the log-semiring matrix product, ``sum`` is an accurate
    log-sum-exp and reductions to a scalar give a :class:`LogFloat`.

    Parameters
    ----------
    values : array_like
        Linear values.
    dtype : float32 or float64, optional
        dtype of the stored logs (float64 unless the values are float32).
    signed : bool, optional
        Whether the array may hold negative values. By default it is signed
        exactly when ``values`` holds a negative number.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.full(1000, 1e-5)
    >>> float(np.prod(p))                  # underflows
    0.0
    >>> LogArray(p).prod()
    LogFloat('1e-5000')
    >>> a = LogArray(['1e-5000', 0.25, '3e400'])
    >>> a
    LogArray(['1e-5000',    '0.25',  '3e+400'])
    >>> a.sum()
    LogFloat('3e+400')
    """

    __slots__ = ("__weakref__", "_log", "_neg", "_matmul_cache")
    __array_priority__ = 20

    _log: NDArray[Any]
    _neg: NDArray[np.bool_] | None
    # (side, shape, dtype, the snapshot's bytes, prepared operand, snapshot of
    # the logs) of the last ``@``; see _prepared_for_matmul.
    _matmul_cache: tuple[str, tuple[int, ...], np.dtype[Any], bytes, Any, NDArray[Any]] | None

    def __init__(self, values: Any, dtype: DTypeLike | None = None, signed: bool | None = None) -> None:
        if _is_device_array(values) or (isinstance(values, LogArray) and _on_device(values)):
            self._init_on_device(values, dtype, signed)
            return
        dt = _check_dtype(dtype)
        if isinstance(values, LogArray):
            log, neg = values._log.copy(), None if values._neg is None else values._neg.copy()
            dt = dt or values.dtype  # a float32 LogArray stays float32
        elif _backends.is_lazy(values):  # a dask array of linear values: stays lazy
            log, neg = _logs_of_values(values)
            if dt is None and values.dtype == np.float32:
                dt = np.dtype(np.float32)
        elif isinstance(values, LogFloat):
            log, neg = _raw(values)
            log, neg = np.array(log), None if neg is None else np.array(True)
        elif isinstance(values, (list, tuple)) and any(isinstance(item, LogArray) for item in values):
            # Stack the logs: np.asarray would go through the linear values.
            rows = [item if isinstance(item, LogArray) else LogArray(item) for item in values]
            log = np.stack([row._log for row in rows])
            neg = None
            if any(row._neg is not None for row in rows):
                neg = np.stack([np.zeros(row.shape, bool) if row._neg is None else row._neg for row in rows])
        else:
            if isinstance(values, np.ma.MaskedArray):
                raise TypeError(_MASKED_MESSAGE)
            if isinstance(values, (str, bytes)) or (isinstance(values, complex)):
                arr = np.asarray(values, dtype=object if isinstance(values, str) else None)
            else:
                arr = np.asarray(values)
            if arr.dtype.kind == "c":
                raise TypeError("LogArray holds real numbers; got complex values")
            if arr.dtype.kind in "OUS":
                log, neg = _logs_of_objects(arr)
            else:
                log, neg = _logs_of_values(arr)
                if dt is None and arr.dtype == np.float32:
                    dt = np.dtype(np.float32)
        log = _backends.asarray(log, dtype=dt or np.float64)
        if signed and neg is None:
            neg = np.zeros_like(log, dtype=bool)
        elif signed is False and neg is not None:
            negative = neg & (log > -np.inf)
            if _backends.any_true(negative, if_lazy=False):  # a signed LogArray may hold no negative value
                raise ValueError("LogArray(..., signed=False) got negative values")
            if _backends.is_lazy(negative):  # not known yet: a negative value will be nan, a domain error
                log = np.where(negative, np.nan, log)
            neg = None
        self._log = log
        self._neg = neg
        self._matmul_cache = None

    def _init_on_device(self, values: Any, dtype: Any, signed: bool | None) -> None:
        """``LogArray(t)`` of a torch tensor or JAX array of linear values (or of such a LogArray)."""
        if isinstance(values, LogArray):
            log, neg = _device_copy(values._log), None if values._neg is None else _device_copy(values._neg)
        else:
            _check_library(values)
            log, neg = _device_logs_of_values(values)
        xp = _backends.namespace(log)
        if dtype is not None:
            log = xp.astype(log, getattr(xp, _check_dtype(dtype).name))  # type: ignore[union-attr]
        if signed and neg is None:
            neg = _device_mask(False, log)
        elif signed is False and neg is not None:
            if _known_any(neg & (log > -math.inf)):
                raise ValueError("LogArray(..., signed=False) got negative values")
            neg = None
        self._log = log
        self._neg = neg
        self._matmul_cache = None

    @staticmethod
    def _from_parts(log: NDArray[Any], neg: NDArray[np.bool_] | None) -> LogArray:
        """Wrap logs and negativity without copying or checking (:func:`_assembled`)."""
        return _assembled(log, neg)

    def _prepared_for_matmul(self, side: str) -> Any:
        """Shifted exponentials of this matrix for ``@``, kept between calls.

        A recursion such as an HMM's multiplies by the same matrix at every
        step; exponentiating it again each time costs more than the product.
        The cache keeps a snapshot of the logs' bytes and is used only while
        the logs still hold those bytes, so no write can make it stale: not
        ``__setitem__``, not a write through a view or ``.log``, not a write
        to the ndarray the LogArray was built from. The snapshot is taken
        *before* the exponentials, which are computed from the snapshot
        itself: a write racing a product (another thread) may leave that
        product with old or new values, as numpy would, but the cache always
        describes its snapshot. The check compares bytes, with no temporary
        arrays beyond one copy of a small matrix (which costs less than a
        buffer export): one ``memcmp``, by ``bytes.__eq__`` for up to
        :data:`_SMALL_SNAPSHOT` bytes and ``bytes.startswith`` on the array's
        buffer beyond.
        """
        cache = self._matmul_cache
        log = self._log
        if cache is not None:
            cached_side, shape, dtype, raw, prepared, snapshot = cache
            if cached_side == side and log.shape == shape and (log.dtype is dtype or log.dtype == dtype):
                if len(raw) <= _SMALL_SNAPSHOT:
                    if log.tobytes() == raw:  # any layout: the copy is in C order, as the snapshot
                        return prepared
                else:
                    try:
                        if raw.startswith(log.data):  # C-contiguous logs: one memcmp
                            return prepared
                    except BufferError:  # strided logs (a transposed view): compare elementwise
                        if (snapshot == log).all():
                            return prepared
        if _backends.is_lazy(log):  # checking a snapshot would compute: a lazy @ does not cache
            return None
        raw = np.ascontiguousarray(log).tobytes()
        snapshot = np.frombuffer(raw, dtype=log.dtype).reshape(log.shape)
        prepared = _kernels.prepare_logmatmul(snapshot, side)
        self._matmul_cache = (side, snapshot.shape, snapshot.dtype, raw, prepared, snapshot)
        return prepared

    @classmethod
    def from_log(cls, log: ArrayLike, sign: ArrayLike | None = None, dtype: DTypeLike | None = None) -> LogArray:
        """Build from natural logs of magnitudes (no copy of an ndarray).

        ``sign`` (optional, broadcast to the logs) makes a signed array:
        -1, 0 or 1 as in ``a.sign`` (0 only where the log is -inf), or
        booleans that are True for negative numbers, as ``np.signbit``.
        Anything else is an error, and so are boolean logs.

        ``log`` (and ``sign``) may be dask arrays: the LogArray is then lazy
        (see docs/dask.md).

        Parameters
        ----------
        log : array_like
            Natural logs of the magnitudes; -inf stands for zero. An ndarray
            of float32 or float64 is used as it is, not copied.
        sign : array_like, optional
            -1, 0 or 1 for each value, or booleans (True for negative); the
            array is signed exactly when it is given.
        dtype : float32 or float64, optional
            The dtype of the stored logs (that of ``log`` when it is float32
            or float64, else float64).

        Returns
        -------
        LogArray
            The numbers ``sign * exp(log)``.

        Examples
        --------
        >>> LogArray.from_log([-11512.925464970229, 0.0])
        LogArray(['1e-5000',       '1'])
        >>> LogArray.from_log(np.log([2.0, 0.5]), sign=[-1, 1]).to_numpy()
        array([-2. ,  0.5])
        """
        if _is_device_array(log):
            return cls._from_device_log(log, sign, dtype)
        dt = _check_dtype(dtype)
        if isinstance(log, np.ma.MaskedArray) or isinstance(sign, np.ma.MaskedArray):
            raise TypeError(_MASKED_MESSAGE.replace("LogArray(m.filled(0.0))", "LogArray.from_log(m.filled(-np.inf))"))
        logs = _backends.asarray(log, dtype=dt)
        if logs.dtype.kind == "b":
            raise TypeError("LogArray.from_log: the logs must be real numbers, not booleans")
        if logs.dtype not in _LOG_DTYPES:
            logs = _kernels._as_logs(logs, "LogArray.from_log")
            if logs.dtype not in _LOG_DTYPES:
                logs = logs.astype(np.float64)
        neg = None
        if sign is not None:
            signs = _backends.asarray(sign)
            if signs.dtype.kind not in "biuf":
                raise TypeError(f"LogArray.from_log: sign must hold -1, 0 or 1 (or booleans), not dtype {signs.dtype}")
            if signs.dtype.kind != "b":
                with np.errstate(invalid="ignore"):
                    bad = ~((signs == -1) | (signs == 0) | (signs == 1))
                if _backends.any_true(bad, if_lazy=False):
                    example = np.asarray(signs)[np.asarray(bad)].reshape(-1)[0].item()
                    raise ValueError(f"LogArray.from_log: sign must hold -1, 0 or 1 (or booleans), got {example!r}")
                nonzero_with_sign_0 = (signs == 0) & (logs > -np.inf)
                if _backends.any_true(nonzero_with_sign_0, if_lazy=False):
                    raise ValueError("LogArray.from_log: sign 0 is only for zeros (log -inf), as in LogFloat.from_log")
            else:
                signs = np.where(signs, -1, 1)  # True marks a negative number, as in the signs of a.signed
            logs, negative = _backends.same_backing(logs, signs < 0)
            neg = _backends.mask_like(negative, logs)  # a new writeable array (or a lazy one)
        return cls._from_parts(logs, neg)

    @classmethod
    def _from_device_log(cls, log: Any, sign: Any, dtype: Any) -> LogArray:
        """``from_log`` of a torch tensor or JAX array: no copy, gradients kept."""
        _check_library(log)
        xp = _backends.namespace(log)
        if log.dtype == xp.bool:
            raise TypeError("LogArray.from_log: the logs must be real numbers, not booleans")
        if dtype is not None:
            log = xp.astype(log, getattr(xp, _check_dtype(dtype).name))  # type: ignore[union-attr]
        elif not xp.isdtype(log.dtype, "real floating"):
            log = xp.astype(log, _default_log_dtype(xp))
        if sign is None:
            return cls._from_parts(log, None)
        signs = sign if _is_device_array(sign) else _put(np.asarray(sign), log)
        if signs.dtype != xp.bool:
            bad = ~((signs == -1) | (signs == 0) | (signs == 1))
            if _known_any(bad):
                raise ValueError("LogArray.from_log: sign must hold -1, 0 or 1 (or booleans)")
            signs = signs < 0
        return cls._from_parts(log, _device_mask(signs, log))

    # -- constructors -----------------------------------------------------

    @classmethod
    def zeros(cls, shape: int | tuple[int, ...], dtype: DTypeLike = np.float64, signed: bool = False) -> LogArray:
        """Array of zeros (logs of -inf).

        Parameters
        ----------
        shape : int or tuple of ints
            Shape of the array.
        dtype : float32 or float64, optional
            The dtype of the stored logs; float64 by default.
        signed : bool, optional
            Whether the array may hold negative values (assigned later); unsigned
            by default.

        Returns
        -------
        LogArray
            Zeros of that shape.

        Examples
        --------
        >>> LogArray.zeros(3)
        LogArray([0., 0., 0.])
        >>> LogArray.zeros((2, 3)).log
        array([[-inf, -inf, -inf],
               [-inf, -inf, -inf]])
        """
        return cls.full(shape, 0.0, dtype=dtype, signed=signed)

    @classmethod
    def ones(cls, shape: int | tuple[int, ...], dtype: DTypeLike = np.float64, signed: bool = False) -> LogArray:
        """Array of ones (logs of 0).

        Parameters
        ----------
        shape : int or tuple of ints
            Shape of the array.
        dtype : float32 or float64, optional
            The dtype of the stored logs; float64 by default.
        signed : bool, optional
            Whether the array may hold negative values (assigned later); unsigned
            by default.

        Returns
        -------
        LogArray
            Ones of that shape.

        Examples
        --------
        >>> LogArray.ones(3)
        LogArray([1., 1., 1.])
        >>> LogArray.ones((2, 2), dtype=np.float32).dtype
        dtype('float32')
        """
        return cls.full(shape, 1.0, dtype=dtype, signed=signed)

    @classmethod
    def full(
        cls, shape: int | tuple[int, ...], fill_value: Any, dtype: DTypeLike = np.float64, signed: bool | None = None
    ) -> LogArray:
        """Array filled with one value (a number, LogFloat or decimal string).

        Parameters
        ----------
        shape : int or tuple of ints
            Shape of the array.
        fill_value : float, int, LogFloat or str
            The value of every element; a decimal string such as
            ``'1e-5000'`` may lie beyond float range.
        dtype : float32 or float64, optional
            The dtype of the stored logs; float64 by default.
        signed : bool, optional
            Whether the array may hold negative values. By default it is
            signed exactly when ``fill_value`` is negative; ``signed=False``
            with a negative value is a ValueError.

        Returns
        -------
        LogArray
            ``fill_value`` in every element.

        Examples
        --------
        >>> LogArray.full(2, '1e-5000')
        LogArray(['1e-5000', '1e-5000'])
        >>> LogArray.full((2, 2), -0.5).signed
        True
        """
        value = fill_value if isinstance(fill_value, LogFloat) else LogFloat(fill_value)
        dt = _check_dtype(dtype)
        log = np.full(shape, value._log, dtype=dt)
        neg = None
        if signed or value._sign < 0:
            if signed is False:
                raise ValueError("LogArray.full(..., signed=False) got a negative fill value")
            neg = np.full(log.shape, value._sign < 0)
        return cls._from_parts(log, neg)

    # -- representation ----------------------------------------------------

    @property
    def log(self) -> NDArray[Any]:
        """The stored natural logs of the magnitudes (no copy).

        An ndarray (a dask array for a lazy LogArray) of the array's shape
        and dtype; -inf for zeros. Writing to it changes the array.

        Examples
        --------
        >>> LogArray([1.0, 0.0, -1.0]).log
        array([  0., -inf,   0.])
        >>> float(LogArray(['1e-5000']).log[0])
        -11512.925464970229
        """
        return self._log

    def log10(self) -> NDArray[Any]:
        """Base-10 logs of the values, as ``np.log10(a)`` (nan, with numpy's warning, where negative).

        Each is ``log / ln 10`` rounded once, as :meth:`LogFloat.log10`.

        Returns
        -------
        ndarray
            In the dtype of the stored logs.

        Examples
        --------
        >>> LogArray([100.0, 0.001]).log10()
        array([ 2., -3.])
        >>> float(LogArray(['1e-5000']).log10()[0])
        -5000.0
        """
        return log10(self)

    def log2(self) -> NDArray[Any]:
        """Base-2 logs of the values, as ``np.log2(a)`` (nan, with numpy's warning, where negative).

        Each is ``log / ln 2`` rounded once, as :meth:`LogFloat.log2`.

        Returns
        -------
        ndarray
            In the dtype of the stored logs.

        Examples
        --------
        >>> LogArray([0.125, 1024.0]).log2()
        array([-3., 10.])
        """
        return log2(self)

    def __logspace_log_sign__(self) -> tuple[NDArray[Any], NDArray[Any] | None]:
        """(logs, signs or None): how the kernels read a LogArray (``logsumexp(a)``)."""
        return self._log, (None if self._neg is None else self.sign)

    @property
    def sign(self) -> NDArray[Any]:
        """Signs as -1, 0, 1 (nan for nan), in the dtype of the logs.

        With :attr:`log` they describe each value: ``sign * exp(log)``.

        Examples
        --------
        >>> LogArray([-2.0, 0.0, 3.0]).sign
        array([-1.,  0.,  1.])
        """
        return sign(self)

    @property
    def signed(self) -> bool:
        """Whether the array can hold negative numbers.

        An unsigned array stores no signs; assigning a negative value to it
        is an error (see :meth:`as_signed`).

        Examples
        --------
        >>> LogArray([0.5, 0.25]).signed, LogArray([0.5, -0.25]).signed
        (False, True)
        """
        return self._neg is not None

    @property
    def shape(self) -> tuple[int, ...]:
        """Tuple of array dimensions, as ``ndarray.shape``.

        Examples
        --------
        >>> LogArray([[0.5, 0.25, 1.0], [1.0, 2.0, 3.0]]).shape
        (2, 3)
        """
        return self._log.shape

    @property
    def ndim(self) -> int:
        """Number of array dimensions, as ``ndarray.ndim``.

        Examples
        --------
        >>> LogArray([[0.5, 0.25], [1.0, 2.0]]).ndim
        2
        """
        return self._log.ndim

    @property
    def size(self) -> int:
        """Number of elements, as ``ndarray.size``.

        Examples
        --------
        >>> LogArray([[0.5, 0.25, 1.0], [1.0, 2.0, 3.0]]).size
        6
        """
        size = self._log.size
        return size if isinstance(size, int) else math.prod(self._log.shape)  # torch: a method

    @property
    def dtype(self) -> np.dtype[Any]:
        """dtype of the stored logs (float32 or float64).

        It sets the precision of the logs, not the range of the values: a
        float32 LogArray holds 1e-5000 too.

        Examples
        --------
        >>> LogArray([0.5]).dtype
        dtype('float64')
        >>> LogArray(['1e-5000'], dtype=np.float32).dtype
        dtype('float32')
        """
        return self._log.dtype

    @property
    def real(self) -> LogArray:
        """The array itself: its numbers are real (as ``ndarray.real`` of a real array).

        Examples
        --------
        >>> a = LogArray([0.5, -2.0])
        >>> a.real is a
        True
        """
        return self

    @property
    def imag(self) -> LogArray:
        """Zeros of the same shape and dtype: the numbers are real.

        Examples
        --------
        >>> LogArray([0.5, -2.0]).imag
        LogArray([0., 0.])
        """
        return LogArray.zeros(self.shape, dtype=self.dtype)

    @property
    def T(self) -> LogArray:
        """The transposed array (a view), as ``ndarray.T``; see :meth:`transpose`.

        Examples
        --------
        >>> LogArray([[0.5, 0.25], [1.0, 2.0]]).T
        LogArray([[0.5 , 1.  ],
                  [0.25, 2.  ]])
        """
        return self.transpose()

    def __len__(self) -> int:
        return len(self._log)

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    def _map(self, fn: Any, *args: Any, **kwargs: Any) -> LogArray:
        """Apply the same shape operation to the logs and the signs."""
        neg = None if self._neg is None else fn(self._neg, *args, **kwargs)
        return LogArray._from_parts(fn(self._log, *args, **kwargs), neg)

    def copy(self) -> LogArray:
        """A copy of the array (its logs and signs), as ``ndarray.copy``.

        Returns
        -------
        LogArray
            Writing to it leaves this array unchanged.

        Examples
        --------
        >>> a = LogArray([0.5, 0.25])
        >>> b = a.copy()
        >>> b[0] = 1.0
        >>> a
        LogArray([0.5 , 0.25])
        """
        return self._map(_device_copy if _on_device(self) else _backends.copy)

    def __copy__(self) -> LogArray:
        return self.copy()  # as ndarray: copy.copy copies the data (__reduce__ would share it)

    def as_signed(self) -> LogArray:
        """A signed copy (one that can hold negative values).

        Returns
        -------
        LogArray
            The same values, signed; a signed array gives a copy of itself.

        Examples
        --------
        >>> a = LogArray([0.5, 0.25]).as_signed()
        >>> a.signed
        True
        >>> a[0] = -1.0
        >>> a
        LogArray([-1.  ,  0.25])
        """
        if _on_device(self):
            return LogArray._from_parts(_device_copy(self._log), _device_mask(_false_if_none(self._neg), self._log))
        neg = np.zeros_like(self._log, dtype=bool) if self._neg is None else self._neg.copy()
        return LogArray._from_parts(self._log.copy(), neg)

    def astype(self, dtype: DTypeLike) -> LogArray:
        """Copy with logs stored as float32 or float64.

        Parameters
        ----------
        dtype : float32 or float64
            The dtype of the copy's logs; any other dtype is a TypeError.

        Returns
        -------
        LogArray
            The same values (their logs rounded to ``dtype``), with the
            same signedness.

        Examples
        --------
        >>> a = LogArray(['1e-5000', 1.0]).astype(np.float32)
        >>> a.dtype
        dtype('float32')
        >>> a.log[1]
        np.float32(0.0)
        >>> bool(a[0] > 0)
        True
        """
        dt = _check_dtype(dtype)
        if _on_device(self):
            xp = _backends.namespace(self._log)
            log = xp.astype(self._log, getattr(xp, dt.name))  # type: ignore[union-attr]
            return LogArray._from_parts(log, None if self._neg is None else _device_copy(self._neg))
        return LogArray._from_parts(self._log.astype(dt), None if self._neg is None else self._neg.copy())

    def reshape(self, *shape: Any, order: str = "C") -> LogArray:
        """The same values in a new shape, as ``ndarray.reshape``.

        Parameters
        ----------
        *shape : int or tuple of ints
            The new shape, as one tuple or as separate ints; one of them may be
            -1 (inferred).
        order : {'C', 'F', 'A'}, optional
            The index order in which elements are read and placed.

        Returns
        -------
        LogArray
            A view where numpy gives one.

        Examples
        --------
        >>> LogArray([0.5, 0.25, 1.0, 2.0]).reshape(2, 2)
        LogArray([[0.5 , 0.25],
                  [1.  , 2.  ]])
        >>> LogArray([0.5, 0.25, 1.0, 2.0]).reshape((2, -1)).shape
        (2, 2)
        """
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        # The method, not np.reshape: dask's takes no order, and C order is its only one.
        if order == "C":
            return self._map(lambda a: a.reshape(shape))
        if _on_device(self):
            return np.reshape(self, shape, order=order)  # type: ignore[call-overload]
        return self._map(np.reshape, shape, order=order)

    def ravel(self, order: str = "C") -> LogArray:
        """The values as a 1-D array, as ``ndarray.ravel``.

        Parameters
        ----------
        order : {'C', 'F', 'A', 'K'}, optional
            The index order in which elements are read.

        Returns
        -------
        LogArray
            A view where numpy gives one.

        Examples
        --------
        >>> LogArray([[0.5, 0.25], [1.0, 2.0]]).ravel()
        LogArray([0.5 , 0.25, 1.  , 2.  ])
        >>> LogArray([[0.5, 0.25], [1.0, 2.0]]).ravel(order="F")
        LogArray([0.5 , 1.  , 0.25, 2.  ])
        """
        if _on_device(self):
            return self.reshape(-1, order=order)
        if order == "C":
            return self._map(lambda a: a.ravel())
        return self._map(np.ravel, order=order)

    def flatten(self, order: str = "C") -> LogArray:
        """A 1-D copy of the values, as ``ndarray.flatten``.

        Parameters
        ----------
        order : {'C', 'F', 'A', 'K'}, optional
            The index order in which elements are read.

        Returns
        -------
        LogArray
            Always a copy.

        Examples
        --------
        >>> LogArray([[0.5, 0.25], [1.0, 2.0]]).flatten()
        LogArray([0.5 , 0.25, 1.  , 2.  ])
        """
        if _on_device(self):
            return self.reshape(-1, order=order).copy()
        if order == "C":
            return self._map(lambda a: a.flatten())
        return self._map(lambda a: a.flatten(order=order))

    def transpose(self, *axes: Any) -> LogArray:
        """The array with its axes permuted (a view), as ``ndarray.transpose``.

        Parameters
        ----------
        *axes : None, tuple of ints, or ints, optional
            The new order of the axes, as one tuple or as separate ints; by
            default (or None) they are reversed.

        Returns
        -------
        LogArray
            A view of the same logs and signs.

        Examples
        --------
        >>> LogArray.ones((2, 3, 4)).transpose().shape
        (4, 3, 2)
        >>> LogArray.ones((2, 3, 4)).transpose(1, 0, 2).shape
        (3, 2, 4)
        """
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = () if axes[0] is None else tuple(axes[0])
        if _on_device(self):
            order = tuple(axes) if axes else tuple(range(self.ndim))[::-1]
            return self._map(_backends.namespace(self._log).permute_dims, order)
        return self._map(np.transpose, axes or None)

    def squeeze(self, axis: Any = None) -> LogArray:
        """The array without axes of length one, as ``ndarray.squeeze``.

        Parameters
        ----------
        axis : None or int or tuple of ints, optional
            The axes to remove (each must have length one); all of length one by
            default.

        Returns
        -------
        LogArray
            A view of the same logs and signs.

        Examples
        --------
        >>> LogArray([[0.5], [0.25]]).squeeze()
        LogArray([0.5 , 0.25])
        >>> LogArray.ones((1, 2, 1)).squeeze(axis=0).shape
        (2, 1)
        """
        if _on_device(self):
            xp = _backends.namespace(self._log)
            axes = tuple(i for i, n in enumerate(self.shape) if n == 1) if axis is None else axis
            return self._map(xp.squeeze, axis=normalize_axis_tuple(axes, self.ndim))
        return self._map(np.squeeze, axis=axis)

    def item(self, *args: Any) -> LogFloat:
        """One element as a LogFloat (no argument: the only element); computes a lazy array.

        Parameters
        ----------
        *args : int or tuple of ints, optional
            As for ``ndarray.item``: none for an array of one element, a
            flat index, or one index per axis.

        Returns
        -------
        LogFloat
            The element, exactly (even beyond float range).

        Examples
        --------
        >>> LogArray([[0.5, 0.25], [1.0, 2.0]]).item(1, 0)
        LogFloat(1.0)
        >>> LogArray([[0.5, 0.25], [1.0, 2.0]]).item(3)
        LogFloat(2.0)
        >>> LogArray(['1e-5000']).item() == LogFloat('1e-5000')
        True
        """
        if _on_device(self):
            return self._on_host().item(*args)
        if _backends.is_lazy(self._log):
            computed = self.compute()
            return computed if isinstance(computed, LogFloat) else computed.item(*args)
        log = self._log.item(*args)
        negative = bool(self._neg.item(*args)) if self._neg is not None else False
        return _scalar(log, negative)

    def tolist(self) -> Any:
        """Nested lists of LogFloats.

        Returns
        -------
        list or LogFloat
            One list level per axis, as ``ndarray.tolist``; a 0-d array
            gives its LogFloat.

        Examples
        --------
        >>> LogArray([[0.5, 0.25], [1.0, 2.0]]).tolist()
        [[LogFloat(0.5), LogFloat(0.25)], [LogFloat(1.0), LogFloat(2.0)]]
        """
        if self.ndim == 0:
            return self.item()
        return [row.tolist() if isinstance(row, LogArray) else row for row in self]

    def to_numpy(self, underflow: str = "warn") -> NDArray[Any]:
        """Linear values as floats: elementwise ``float(a[i])``, the number the repr shows.

        Parameters
        ----------
        underflow : {'warn', 'zero', 'raise'}, optional
            What a nonzero value below float64's range (such as 1e-5000)
            becomes: 0.0 with a :class:`logspace.UnderflowWarning` (the
            default), 0.0 silently, or a FloatingPointError.

        Returns
        -------
        ndarray of float64
            For a lazy (dask-backed) array, a lazy dask array of them.

        Raises
        ------
        OverflowError
            Where a finite value is beyond float64's range (it would become
            inf); ``a.log`` holds the logs.

        Examples
        --------
        >>> LogArray([0.1, 3.0]).to_numpy()
        array([0.1, 3. ])
        >>> LogArray(['1e-5000', '0.5']).to_numpy(underflow='zero')
        array([0. , 0.5])
        """
        return self._linear_values(underflow, stacklevel=2)

    def _on_host(self) -> LogArray:
        """This array with numpy logs: device logs copied to the host, detached from any gradient."""
        if not _on_device(self):
            return self
        return LogArray._from_parts(_to_host(self._log), _to_host(self._neg))

    def _linear_values(self, underflow: str, stacklevel: int) -> Any:
        if _on_device(self):
            return self._on_host()._linear_values(underflow, stacklevel + 1)
        if _backends.is_lazy(self._log):
            convert = functools.partial(_conversions.to_linear, underflow=underflow)
            parts = (self._log,) if self._neg is None else (self._log, self._neg)
            return _backends.elementwise(convert, *parts)
        values = _conversions.to_linear(self._log, self._neg, underflow, stacklevel=stacklevel + 1)
        return values

    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> NDArray[Any]:
        """The linear values, for ``np.asarray(a)`` and everything that calls it.

        As :meth:`to_numpy`: OverflowError where a finite value would become
        inf, a :class:`logspace.UnderflowWarning` where a nonzero value
        becomes 0.0.
        """
        if copy is False:
            raise ValueError("a LogArray's linear values are always computed: np.asarray needs a copy")
        values = self._linear_values("warn", stacklevel=2)
        values = np.asarray(values)  # computes a lazy array, as np.asarray of a dask array does
        return values if dtype is None else values.astype(dtype)

    def __repr__(self) -> str:
        """Reads back: ``eval(repr(a))`` holds every element to the printed precision.

        Within float range the values print as numpy prints floats; beyond
        it each element is a decimal string, which ``LogArray`` parses (a
        bare ``1e-5000`` would read back as 0.0). Large arrays are
        summarised as numpy summarises them.

        >>> LogArray([0.5, 0.25])
        LogArray([0.5 , 0.25])
        >>> LogArray(['1e-5000', '1e5000', 0.5])
        LogArray(['1e-5000', '1e+5000',     '0.5'])
        """
        if _backends.is_lazy(self._log):
            return _dask_backend().describe(self._log, self._neg)
        if _on_device(self):  # the values, then where they live
            return f"{repr(self._on_host())[:-1]}, backend={_backends.library(self._log)!r})"
        prefix = "LogArray("
        return prefix + self._format(", ", prefix, quote=True) + ")"

    def __str__(self) -> str:
        if _backends.is_lazy(self._log):
            return repr(self)
        if _on_device(self):
            return str(self._on_host())
        return self._format(" ", "", quote=False)

    def _repr_inline_(self, max_width: int) -> str:
        """One line for xarray's summary of a DataArray holding this array."""
        with np.printoptions(threshold=8, edgeitems=2, linewidth=10**9):
            text = " ".join(self._format(" ", "", quote=False).split())
        return text if len(text) <= max_width else text[: max(max_width - 3, 0)] + "..."

    def _shown_indices(self) -> NDArray[np.intp]:
        """Flat indices of the elements numpy prints (all of them unless it summarises)."""
        if self.size <= np.get_printoptions()["threshold"]:
            return np.arange(self.size)
        shown: list[int] = []
        index = np.arange(self.size).reshape(self.shape)
        def record(i: Any) -> str:
            shown.append(int(i))
            return "0"

        np.array2string(index, formatter={"int": record})
        return np.array(sorted(set(shown)), dtype=np.intp)

    def _format(self, separator: str, prefix: str, quote: bool) -> str:
        if self.size == 0:
            return "[]" if self.ndim == 1 else f"[], shape={self.shape}"
        shown = self._shown_indices()
        logs = self._log.reshape(-1)[shown]
        negative = None if self._neg is None else self._neg.reshape(-1)[shown]
        with np.errstate(invalid="ignore"):
            limit = 700.0 if self.dtype == np.float64 else 87.0  # exp stays normal in the dtype
            in_float_range = bool(np.all((np.abs(logs) < limit) | ~np.isfinite(logs)))
        if in_float_range:
            values = _values_in_dtype(logs, negative)
            if shown.size == self.size:
                full = values.reshape(self.shape)
            else:  # numpy looks only at the elements it shows
                full = np.zeros(self.shape, dtype=values.dtype)
                full.reshape(-1)[shown] = values
            return np.array2string(full, separator=separator, prefix=prefix)
        # Beyond float range, format the elements that numpy shows from their
        # logs, through their indices: two passes, as numpy aligns columns.
        texts: dict[int, str] = {}
        for position, i in enumerate(shown.tolist()):
            log = float(logs[position])
            is_negative = bool(negative[position]) if negative is not None else False
            text = _text.format_spec(log, _sign_int(log, is_negative), ".8g")
            texts[i] = repr(text) if quote else text
        width = max(map(len, texts.values()))
        index = np.arange(self.size).reshape(self.shape)
        aligned = {"int": lambda i: texts[int(i)].rjust(width)}
        return np.array2string(index, separator=separator, prefix=prefix, formatter=aligned)  # type: ignore[arg-type]

    def __reduce__(self) -> tuple[Any, ...]:
        return (LogArray._from_parts, (self._log, self._neg))

    # -- dask ------------------------------------------------------------------
    # A LogArray whose logs are a dask array is a dask collection: dask sees
    # the graph of its logs (and signs), and computing it rebuilds a
    # numpy-backed LogArray. A numpy-backed LogArray has no graph, so dask
    # passes it through unchanged. See docs/dask.md.

    @property
    def chunks(self) -> tuple[tuple[int, ...], ...] | None:
        """Chunk sizes along each axis of a dask-backed array; None for a numpy-backed one.

        Examples
        --------
        >>> import numpy as np
        >>> import dask.array as da
        >>> a = LogArray.from_log(da.from_array(np.log([0.5, 0.25, 0.125]), chunks=2))
        >>> a.chunks
        ((2, 1),)
        >>> LogArray([0.5]).chunks is None
        True
        """
        return self._log.chunks if _backends.is_lazy(self._log) else None  # type: ignore[attr-defined]

    def compute(self, **kwargs: Any) -> Any:
        """Compute a dask-backed array: a numpy-backed LogArray, or a LogFloat when 0-d.

        Keywords go to :func:`dask.compute` (``scheduler=...``). A
        numpy-backed array is returned as it is.

        Parameters
        ----------
        **kwargs
            Keyword arguments of :func:`dask.compute`, such as
            ``scheduler="threads"``.

        Returns
        -------
        LogArray or LogFloat
            A numpy-backed LogArray, or a LogFloat for a 0-d array.

        Examples
        --------
        >>> import numpy as np
        >>> import dask.array as da
        >>> a = LogArray.from_log(da.from_array(np.log([0.5, 0.25, 0.125]), chunks=2))
        >>> total = a.sum()           # lazy: nothing computed yet
        >>> total
        LogArray<dask, shape=(), dtype=float64, chunksize=()>
        >>> total.compute()
        LogFloat(0.875)
        >>> (a * 2).compute()
        LogArray([1.  , 0.5 , 0.25])
        """
        if not _backends.is_lazy(self._log):
            return self
        return _dask_backend().compute(self, **kwargs)

    def persist(self, **kwargs: Any) -> LogArray:
        """Compute a dask-backed array and keep it in dask's memory (the workers' on a cluster).

        The result is still a dask-backed LogArray, now backed by computed
        chunks (see :func:`dask.persist`); a numpy-backed array is returned
        as it is.

        Parameters
        ----------
        **kwargs
            Keyword arguments of :func:`dask.persist`, such as
            ``scheduler="threads"``.

        Returns
        -------
        LogArray
            Lazy still, its chunks already computed.

        Examples
        --------
        >>> import numpy as np
        >>> import dask.array as da
        >>> a = LogArray.from_log(da.from_array(np.log([0.5, 0.25, 0.125]), chunks=2))
        >>> kept = (a * a).persist()
        >>> kept.chunks
        ((2, 1),)
        >>> kept.sum().compute()
        LogFloat(0.328125)
        """
        if not _backends.is_lazy(self._log):
            return self
        return _dask_backend().persist(self, **kwargs)

    def __dask_graph__(self) -> Any:
        if not _backends.is_lazy(self._log):
            return None
        return _dask_backend().graph(self._log, self._neg)

    def __dask_keys__(self) -> Any:
        return _dask_backend().keys(self._log, self._neg)

    def __dask_layers__(self) -> Any:
        return _dask_backend().layers(self._log, self._neg)

    def __dask_tokenize__(self) -> Any:
        return _dask_backend().tokenize(self._log, self._neg)

    def __dask_postcompute__(self) -> Any:
        return _dask_backend().postcompute(self._log, self._neg, _computed)

    def __dask_postpersist__(self) -> Any:
        return _dask_backend().postpersist(self._log, self._neg, LogArray._from_parts)

    # Those of dask arrays themselves, so that dask optimizes and schedules a
    # LogArray together with the dask arrays it is computed with.
    __dask_optimize__ = _DaskArrayAttribute("dask.array's graph optimisation, used by dask for a lazy LogArray.")
    __dask_scheduler__ = _DaskArrayAttribute("dask.array's default scheduler, used by dask for a lazy LogArray.")

    # -- indexing ------------------------------------------------------------

    def __getitem__(self, key: Any) -> Any:
        if type(key) is not tuple and isinstance(key, LogArray):
            raise TypeError("index a LogArray with integers, slices or boolean ndarrays, not a LogArray")
        log = self._log[key]
        neg = self._neg
        if type(log) is np.ndarray:  # the common case first: a view or copy of numpy logs
            return _assembled(log, None if neg is None else neg[key])
        if isinstance(log, np.generic):  # an element of numpy logs
            return _scalar(float(log), bool(neg[key]) if neg is not None else False)
        # An element of dask, torch or JAX logs: a 0-d LogArray (it may carry a graph or a device)
        return _assembled(log, None if neg is None else neg[key])

    def __setitem__(self, key: Any, value: Any) -> None:
        if _on_device(self):
            self._set_on_device(key, value)
            return
        log, neg = _raw(value)
        if neg is not None and _backends.any_true(neg & (_backends.asarray(log) > -np.inf), if_lazy=True):
            if self._neg is None:
                raise ValueError(
                    "cannot assign negative values to an unsigned LogArray; make a signed one with "
                    "LogArray(values, signed=True) or a.as_signed()"
                )
        self._log[key] = log
        if self._neg is not None:
            self._neg[key] = False if neg is None else neg

    def _set_on_device(self, key: Any, value: Any) -> None:
        """``a[key] = value`` for device logs: written through on torch, rebound on JAX (immutable)."""
        log, neg = _device_raw(value, self._log)
        if neg is not None and self._neg is None:
            logs = _as_device_logs(log, self._log)
            if _known_any(_device_mask(neg, logs) & (logs > -math.inf)) is not False:
                raise ValueError(
                    "cannot assign negative values to an unsigned LogArray; make a signed one with "
                    "LogArray(values, signed=True) or a.as_signed()"
                )
        if _backends.kind(self._log) == _backends.TORCH:
            self._log[key] = log
            if self._neg is not None:
                self._neg[key] = False if neg is None else neg
            return
        jax_log: Any = self._log  # a JAX array: immutable, updated through .at
        self._log = jax_log.at[key].set(log)
        if self._neg is not None:
            jax_neg: Any = self._neg
            self._neg = jax_neg.at[key].set(False if neg is None else neg)

    # -- arithmetic ------------------------------------------------------------

    # The method is the function itself (no second call frame): ``alpha * b`` runs once per step of a
    # model's loop.
    __mul__ = multiply

    def __rmul__(self, other: Any) -> LogArray:
        return multiply(other, self)

    def __truediv__(self, other: Any) -> LogArray:
        return divide(self, other)

    def __rtruediv__(self, other: Any) -> LogArray:
        return divide(other, self)

    def __add__(self, other: Any) -> LogArray:
        return add(self, other)

    def __radd__(self, other: Any) -> LogArray:
        return add(other, self)

    def __sub__(self, other: Any) -> LogArray:
        return subtract(self, other)

    def __rsub__(self, other: Any) -> LogArray:
        return subtract(other, self)

    def __pow__(self, other: Any) -> LogArray:
        return power(self, other)

    def __rpow__(self, other: Any) -> LogArray:
        return rpower(self, other)

    __matmul__ = matmul  # as __mul__: the function itself

    def __rmatmul__(self, other: Any) -> LogArray:
        return matmul(other, self)

    # In place, as numpy: the result is written into this array's logs (and
    # signs), so that views see it; nothing is written when it cannot be.
    def __iadd__(self, other: Any) -> LogArray:
        return self._assign_result(add(self, other), "add")

    def __isub__(self, other: Any) -> LogArray:
        return self._assign_result(subtract(self, other), "subtract")

    def __imul__(self, other: Any) -> LogArray:
        return self._assign_result(multiply(self, other), "multiply")

    def __itruediv__(self, other: Any) -> LogArray:
        return self._assign_result(divide(self, other), "divide")

    def __ipow__(self, other: Any) -> LogArray:
        return self._assign_result(power(self, other), "power")

    def _assign_result(self, result: LogArray, name: str) -> LogArray:
        """Write ``result`` into this array, or raise as numpy's ``out=`` would.

        torch tensors are written in place (views see it); JAX arrays are
        immutable, so this array is rebound to the result, as for dask.
        """
        if _on_device(self):
            return self._assign_on_device(result, name)
        if result.shape != self.shape:
            raise ValueError(
                f"non-broadcastable output operand with shape {self.shape} doesn't match the broadcast shape "
                f"{result.shape}"
            )
        if result._neg is not None and self._neg is None:
            negative = result._neg & (_backends.asarray(result._log) > -np.inf)
            if _backends.any_true(negative, if_lazy=True):
                raise TypeError(
                    f"Cannot cast LogArray {name!r} output with negative values to an unsigned LogArray; "
                    "make the array signed first (a = a.as_signed()) or write a = a op b"
                )
        if _backends.is_lazy(self._log) or _backends.is_lazy(result._log):
            self._log = result._log.astype(self.dtype)  # a dask array is not written in place
            self._neg = None if self._neg is None else _backends.mask_like(_false_if_none(result._neg), self._log)
            return self
        self._log[...] = result._log  # float64 into float32 logs: numpy's same_kind cast
        if self._neg is not None:
            self._neg[...] = _false_if_none(result._neg)
        return self

    def _assign_on_device(self, result: LogArray, name: str) -> LogArray:
        if tuple(result.shape) != tuple(self.shape):
            raise ValueError(
                f"non-broadcastable output operand with shape {self.shape} doesn't match the broadcast shape "
                f"{result.shape}"
            )
        if result._neg is not None and self._neg is None:
            if _known_any(result._neg & (result._log > -math.inf)) is not False:
                raise TypeError(
                    f"Cannot cast LogArray {name!r} output with negative values to an unsigned LogArray; "
                    "make the array signed first (a = a.as_signed()) or write a = a op b"
                )
        xp = _backends.namespace(self._log)
        log = xp.astype(result._log, self._log.dtype)
        neg = None if self._neg is None else _device_mask(_false_if_none(result._neg), log)
        if _backends.kind(self._log) == _backends.TORCH:
            self._log[...] = log
            if self._neg is not None:
                self._neg[...] = neg
        else:
            self._log, self._neg = log, neg
        return self

    def __neg__(self) -> LogArray:
        return negative(self)

    def __pos__(self) -> LogArray:
        return positive(self)

    def __abs__(self) -> LogArray:
        return absolute(self)

    def __eq__(self, other: Any) -> Any:
        return equal(self, other)

    def __ne__(self, other: Any) -> Any:
        return not_equal(self, other)

    def __lt__(self, other: Any) -> Any:
        return less(self, other)

    def __le__(self, other: Any) -> Any:
        return less_equal(self, other)

    def __gt__(self, other: Any) -> Any:
        return greater(self, other)

    def __ge__(self, other: Any) -> Any:
        return greater_equal(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ValueError(
                "The truth value of a LogArray with more than one element is ambiguous. Use a.any() or a.all()"
            )
        return bool(self._log.reshape(-1)[0] != -np.inf)  # nan is true, as in numpy

    def any(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Whether any value is nonzero, as ``ndarray.any``.

        A value is nonzero where its log is not -inf (nan counts as nonzero, as
        in numpy).

        Parameters
        ----------
        axis : None or int or tuple of ints, optional
            The axes to reduce over; all of them by default.
        keepdims : bool, optional
            Keep the reduced axes with length one.

        Returns
        -------
        numpy.bool_ or ndarray of bool
            A dask array for a lazy LogArray.

        Examples
        --------
        >>> a = LogArray([[0.0, 0.5], [0.0, 0.0]])
        >>> bool(a.any())
        True
        >>> a.any(axis=1)
        array([ True, False])
        """
        if _on_device(self):
            return _backends.namespace(self._log).any(self._log != -math.inf, axis=axis, keepdims=keepdims)
        return np.any(self._log != -np.inf, axis=axis, keepdims=keepdims)

    def all(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Whether every value is nonzero, as ``ndarray.all``.

        A value is nonzero where its log is not -inf (nan counts as nonzero, as
        in numpy).

        Parameters
        ----------
        axis : None or int or tuple of ints, optional
            The axes to reduce over; all of them by default.
        keepdims : bool, optional
            Keep the reduced axes with length one.

        Returns
        -------
        numpy.bool_ or ndarray of bool
            A dask array for a lazy LogArray.

        Examples
        --------
        >>> a = LogArray([[1e-300, 0.5], [0.0, 2.0]])
        >>> bool(a.all())
        False
        >>> a.all(axis=1)
        array([ True, False])
        """
        if _on_device(self):
            return _backends.namespace(self._log).all(self._log != -math.inf, axis=axis, keepdims=keepdims)
        return np.all(self._log != -np.inf, axis=axis, keepdims=keepdims)

    # -- reductions ------------------------------------------------------------

    def sum(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Accurate log-sum-exp reduction (see :func:`logspace.logsumexp`).

        Signed values are summed with their signs; inf - inf is nan, with
        numpy's invalid-value warning.

        Parameters
        ----------
        axis : None or int or tuple of ints, optional
            The axes to reduce over; all of them by default.
        keepdims : bool, optional
            Keep the reduced axes with length one.

        Returns
        -------
        LogFloat or LogArray
            A LogFloat when the result is a single number (a 0-d LogArray for a
            lazy array), else a LogArray.

        Examples
        --------
        >>> LogArray(['1e-5000', '3e-5000']).sum()
        LogFloat('4e-5000')
        >>> LogArray([[1.0, -3.0], [2.0, 2.0]]).sum(axis=1)
        LogArray([-2.,  4.])
        """
        if _on_device(self):
            return _device_sum(self, axis, keepdims)
        if self._neg is None:
            return _reduced(_kernels.logsumexp(self._log, axis=axis, keepdims=keepdims), None, self.dtype)
        weights = np.where(self._neg, -1.0, 1.0)
        log, sgn = _kernels.logsumexp(self._log, axis=axis, b=weights, keepdims=keepdims, return_sign=True)
        nan = np.isnan(log)
        if _backends.any_true(nan, if_lazy=False) and np.any(
            nan & ~np.isnan(self._log).any(axis=axis, keepdims=keepdims)
        ):
            _kernels._signal("invalid", "sum")  # inf - inf, as numpy
        return _reduced(log, _backends.asarray(sgn) < 0, self.dtype)

    def prod(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Product: a sum of logs (numpy's pairwise summation).

        It never underflows or overflows; the sign is negative where an
        odd number of factors is.

        Parameters
        ----------
        axis : None or int or tuple of ints, optional
            The axes to reduce over; all of them by default.
        keepdims : bool, optional
            Keep the reduced axes with length one.

        Returns
        -------
        LogFloat or LogArray
            A LogFloat when the result is a single number (a 0-d LogArray for a
            lazy array), else a LogArray.

        Examples
        --------
        >>> LogArray(np.full(1000, 1e-5)).prod() == LogFloat('1e-5000')
        True
        >>> LogArray([[0.5, -4.0], [0.25, 8.0]]).prod(axis=1)
        LogArray([-2.,  2.])
        """
        if _on_device(self):
            return _device_prod(self, axis, keepdims)
        log = np.sum(self._log, axis=axis, keepdims=keepdims)
        neg = None
        if self._neg is not None:  # negative when an odd number of factors is
            neg = np.sum(self._neg, axis=axis, keepdims=keepdims) % 2 == 1
        return _reduced(log, neg, self.dtype)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Arithmetic mean: the log-sum-exp minus log(n).

        The mean of an empty selection is nan, with numpy's invalid-value
        warning.

        Parameters
        ----------
        axis : None or int or tuple of ints, optional
            The axes to reduce over; all of them by default.
        keepdims : bool, optional
            Keep the reduced axes with length one.

        Returns
        -------
        LogFloat or LogArray
            A LogFloat when the result is a single number (a 0-d LogArray for a
            lazy array), else a LogArray.

        Examples
        --------
        >>> LogArray([0.5, 0.25]).mean()
        LogFloat(0.375)
        >>> LogArray(['1e-5000', '3e-5000']).mean() == LogFloat('2e-5000')
        True
        >>> LogArray([[1.0, -3.0], [2.0, 2.0]]).mean(axis=0)
        LogArray([ 1.5, -0.5])
        """
        axes = range(self.ndim) if axis is None else normalize_axis_tuple(axis, self.ndim)
        count = math.prod(self.shape[i] for i in axes)
        total = self.sum(axis=axis, keepdims=keepdims)
        if count == 0:
            _kernels._signal("invalid", "mean")
            return total * np.nan
        return total / count

    def max(self, axis: Any = None, keepdims: bool = False) -> Any:
        """The largest value, as ``ndarray.max`` (nan if any value is nan).

        A zero-size reduction is a ValueError, as in numpy.

        Parameters
        ----------
        axis : None or int or tuple of ints, optional
            The axes to reduce over; all of them by default.
        keepdims : bool, optional
            Keep the reduced axes with length one.

        Returns
        -------
        LogFloat or LogArray
            A LogFloat when the result is a single number (a 0-d LogArray for a
            lazy array), else a LogArray.

        Examples
        --------
        >>> LogArray([0.5, '1e-5000', 2.0]).max()
        LogFloat(2.0)
        >>> LogArray([[1.0, -3.0], [-2.0, -4.0]]).max(axis=1)
        LogArray([ 1., -2.])
        """
        return self._extreme(axis, keepdims, largest=True)

    def min(self, axis: Any = None, keepdims: bool = False) -> Any:
        """The smallest value, as ``ndarray.min`` (nan if any value is nan).

        A zero-size reduction is a ValueError, as in numpy.

        Parameters
        ----------
        axis : None or int or tuple of ints, optional
            The axes to reduce over; all of them by default.
        keepdims : bool, optional
            Keep the reduced axes with length one.

        Returns
        -------
        LogFloat or LogArray
            A LogFloat when the result is a single number (a 0-d LogArray for a
            lazy array), else a LogArray.

        Examples
        --------
        >>> LogArray([0.5, '1e-5000', 2.0]).min() == LogFloat('1e-5000')
        True
        >>> LogArray([[1.0, -3.0], [-2.0, -4.0]]).min(axis=0)
        LogArray([-2., -4.])
        """
        return self._extreme(axis, keepdims, largest=False)

    def _order_key(self) -> tuple[NDArray[Any], NDArray[Any]]:
        """Float keys (band, key) whose lexicographic order is the order of the values."""
        sign = self.sign
        with np.errstate(invalid="ignore"):
            # Map each sign class to its own band: negatives below zero below
            # positives, keeping the order inside each band.
            # nan gets a band of its own above the positives: numpy sorts nan last.
            return np.where(sign > 0, 1.0, np.where(sign < 0, -1.0, np.where(sign == 0, 0.0, 2.0))), np.where(
                sign < 0, -self._log, np.where(sign == 0, 0.0, self._log)
            )

    def _extreme(self, axis: Any, keepdims: bool, largest: bool) -> Any:
        if _on_device(self):
            return _device_extreme(self, axis, keepdims, largest)
        if isinstance(axis, tuple):  # several axes, as numpy: move them last and merge them into one
            axes = normalize_axis_tuple(axis, self.ndim)
            kept = [i for i in range(self.ndim) if i not in axes]
            merged = self.transpose(kept + list(axes))
            merged = merged.reshape([self.shape[i] for i in kept] + [math.prod(self.shape[i] for i in axes)])
            out = merged._extreme(-1, False, largest)
            if not keepdims:
                return out
            kept_shape = [1 if i in axes else n for i, n in enumerate(self.shape)]
            return LogArray(out, dtype=self.dtype, signed=self.signed or None).reshape(kept_shape)
        if self.size == 0 and (axis is None or self.shape[normalize_axis_tuple(axis, self.ndim)[0]] == 0):
            name = "max" if largest else "min"
            raise ValueError(f"zero-size LogArray to reduction operation {name} which has no identity")
        if self._neg is None:
            # The order of the logs is the order of the values; nan wins, as in numpy.
            extreme = np.max if largest else np.min
            return _reduced(extreme(self._log, axis=axis, keepdims=keepdims), None, self.dtype)
        band, key, top_band, top_key, nan = self._signed_extreme(axis, largest)
        with np.errstate(invalid="ignore"):
            log = np.where(nan, np.nan, np.where(top_band > 0, top_key, np.where(top_band < 0, -top_key, -np.inf)))
        neg = (top_band < 0) & ~nan
        if not keepdims:
            log = np.squeeze(log, axis=axis)
            neg = np.squeeze(neg, axis=axis)
        return _reduced(log, neg, self.dtype)

    def _signed_extreme(self, axis: Any, largest: bool) -> tuple[Any, Any, Any, Any, Any]:
        """Where the largest (smallest) value of a signed array lies along ``axis``.

        Returns the order key of every element (``band, key``, see
        :meth:`_order_key`), the band and key of the extreme (keepdims), and
        where a nan makes the extreme nan (numpy's max and min propagate
        nan). The extreme is in the extreme band, at the extreme key within
        it: two passes that need no sort, so they also run lazily.
        """
        band, key = self._order_key()
        nan = np.isnan(self._log).any(axis=axis, keepdims=True)
        with np.errstate(invalid="ignore"):
            if largest:
                top_band = band.max(axis=axis, keepdims=True)
                top_key = np.where(band == top_band, key, -np.inf).max(axis=axis, keepdims=True)
            else:
                top_band = band.min(axis=axis, keepdims=True)
                top_key = np.where(band == top_band, key, np.inf).min(axis=axis, keepdims=True)
        return band, key, top_band, top_key, nan

    def argmax(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Index of the largest value, as ``ndarray.argmax``.

        The first one on ties, and the first nan if there is one, as in numpy.

        Parameters
        ----------
        axis : int, optional
            The axis to search along; by default the flattened array.
        keepdims : bool, optional
            Keep the reduced axis with length one.

        Returns
        -------
        numpy.intp or ndarray of intp
            Indices into the flattened array for ``axis=None``.

        Examples
        --------
        >>> int(LogArray([0.5, '1e-5000', 2.0, 2.0]).argmax())
        2
        >>> LogArray([[1.0, -3.0], [-2.0, -1.0]]).argmax(axis=1)
        array([0, 1])
        """
        return self._arg_extreme(axis, keepdims, _kernels.argmax)

    def argmin(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Index of the smallest value, as ``ndarray.argmin``.

        The first one on ties, and the first nan if there is one, as in numpy.

        Parameters
        ----------
        axis : int, optional
            The axis to search along; by default the flattened array.
        keepdims : bool, optional
            Keep the reduced axis with length one.

        Returns
        -------
        numpy.intp or ndarray of intp
            Indices into the flattened array for ``axis=None``.

        Examples
        --------
        >>> int(LogArray([0.5, '1e-5000', 2.0]).argmin())
        1
        >>> LogArray([[1.0, -3.0], [-2.0, -1.0]]).argmin(axis=0)
        array([1, 0])
        """
        return self._arg_extreme(axis, keepdims, _kernels.argmin)

    def _arg_extreme(self, axis: Any, keepdims: bool, arg: Any) -> Any:
        if _on_device(self):
            return _device_arg_extreme(self, axis, keepdims, largest=arg is _kernels.argmax)
        if self._neg is None:
            return arg(self._log, axis=axis, keepdims=keepdims)
        # The first index holding the extreme value (the first nan if any), as numpy.
        band, key, top_band, top_key, nan = self._signed_extreme(axis, largest=arg is _kernels.argmax)
        with np.errstate(invalid="ignore"):
            target = np.where(nan, np.isnan(self._log), (band == top_band) & (key == top_key))
        return _kernels.argmax(target, axis=axis, keepdims=keepdims)

    def _value_rank(self) -> NDArray[np.float64]:
        """Dense rank of each value in the whole array (nan stays nan).

        Signed values sort first by band (negative, zero, positive), then by
        key; equal values share a rank, so ties resolve to the first index
        as in numpy. Any order-based operation on a signed array is that
        operation on this rank.
        """
        band, key = self._order_key()
        rank = np.empty(self.size, dtype=np.float64)
        order = np.lexsort((key.reshape(-1), band.reshape(-1)))
        flat_key, flat_band = key.reshape(-1)[order], band.reshape(-1)[order]
        new = np.ones(self.size, dtype=bool)
        new[1:] = (flat_key[1:] != flat_key[:-1]) | (flat_band[1:] != flat_band[:-1])
        rank[order] = np.cumsum(new)
        shaped: NDArray[np.float64] = rank.reshape(self.shape)
        shaped[np.isnan(self._log)] = np.nan
        return shaped

    def cumsum(self, axis: int | None = None) -> LogArray:
        """Running sum (see :func:`logspace.logcumsumexp`).

        Parameters
        ----------
        axis : int, optional
            The axis to accumulate along; by default the flattened array,
            as ``ndarray.cumsum``.

        Returns
        -------
        LogArray
            The running sums, of the shape of the array (1-D for
            ``axis=None``).

        Examples
        --------
        >>> LogArray([0.5, 0.25, 0.125]).cumsum()
        LogArray([0.5  , 0.75 , 0.875])
        >>> LogArray([[1.0, -3.0], [2.0, 2.0]]).cumsum(axis=0)
        LogArray([[ 1., -3.],
                  [ 3., -1.]])
        """
        if _on_device(self):
            return _device_cumsum(self, axis)
        if self._neg is None:
            return _wrap(_kernels.logcumsumexp(self._log, axis=axis), None, self.dtype)
        pos_part, neg_part = _split_signs(self._log, self._neg)
        log, neg = _kernels.logaddexp_signed(
            _kernels.logcumsumexp(pos_part, axis=axis), False, _kernels.logcumsumexp(neg_part, axis=axis), True
        )
        return _wrap(log, neg, self.dtype)

    def cumprod(self, axis: int | None = None) -> LogArray:
        """Running product: running sums of logs.

        Parameters
        ----------
        axis : int, optional
            The axis to accumulate along; by default the flattened array,
            as ``ndarray.cumprod``.

        Returns
        -------
        LogArray
            The running products, of the shape of the array (1-D for
            ``axis=None``); they never underflow.

        Examples
        --------
        >>> LogArray([0.5, -0.5, 4.0]).cumprod()
        LogArray([ 0.5 , -0.25, -1.  ])
        >>> round(LogArray(np.full(1000, 1e-5)).cumprod()[-1].log10())
        -5000
        """
        if _on_device(self):
            return _device_cumprod(self, axis)
        log = np.cumsum(self._log, axis=axis)
        neg = None
        if self._neg is not None:  # negative after an odd number of negative factors
            neg = np.cumsum(self._neg, axis=axis) % 2 == 1
        return _wrap(log, neg, self.dtype)

    def normalize(self, axis: Any = None) -> LogArray:
        """Divide by the sum along ``axis``: log-softmax on the logs.

        For an unsigned array this is :func:`logspace.log_softmax` of the
        logs; a signed array is divided by its signed sum. An unsigned
        slice summing to 0 (or to inf) gives nan, with numpy's invalid-value
        warning; a signed one summing to 0 is a division by zero, as in numpy.

        Parameters
        ----------
        axis : None or int or tuple of ints, optional
            The axes that each normalised slice spans; all of them by
            default.

        Returns
        -------
        LogArray
            Of the shape of the array; its sum along ``axis`` is 1.

        Examples
        --------
        >>> LogArray(['1e-5000', '3e-5000']).normalize()
        LogArray([0.25, 0.75])
        >>> LogArray([[1.0, 3.0], [2.0, 2.0]]).normalize(axis=1)
        LogArray([[0.25, 0.75],
                  [0.5 , 0.5 ]])
        """
        if _on_device(self) and self._neg is None:
            return _device_wrap(_kernels.log_softmax(self._log, axis=axis), None)
        if self._neg is None:
            out = _kernels.log_softmax(self._log, axis=axis)
            nan = np.isnan(out)
            # 0 / 0 or inf / inf warns, as numpy (a nan that was in the input does not)
            if _backends.any_true(nan, if_lazy=False):
                if np.any(nan & ~np.isnan(self._log).any(axis=axis, keepdims=True)):
                    _kernels._signal("invalid", "normalize")
            return _wrap(out, None, self.dtype)
        return divide(self, self.sum(axis=axis, keepdims=True))

    # -- sorting and selection ------------------------------------------------

    def argsort(self, axis: int | None = -1, kind: str | None = None) -> NDArray[np.intp]:
        """Indices that sort the values, as ``ndarray.argsort`` (nan last).

        Parameters
        ----------
        axis : int or None, optional
            The axis to sort along; the last by default, the flattened array
            for None.
        kind : {'quicksort', 'mergesort', 'heapsort', 'stable'}, optional
            The sorting algorithm, as numpy's, for an unsigned array; a signed
            array is always sorted stably.

        Returns
        -------
        ndarray of intp
            Of the shape of the array (1-D for ``axis=None``).

        Examples
        --------
        >>> LogArray([0.5, '1e-5000', 2.0]).argsort()
        array([1, 0, 2])
        >>> LogArray([0.5, -3.0, 0.0, -1.0]).argsort()
        array([1, 3, 2, 0])
        """
        if _on_device(self):
            return _device_argsort(self, axis)
        if self._neg is None:
            return np.argsort(self._log, axis=axis, kind=kind)  # type: ignore[arg-type]
        band, key = self._order_key()
        if axis is None:
            return np.lexsort((key.reshape(-1), band.reshape(-1)))
        return np.lexsort((key, band), axis=axis)

    def sort(self, axis: int | None = -1, kind: str | None = None) -> None:
        """Sort in place by value, as ndarray.sort.

        Parameters
        ----------
        axis : int, optional
            The axis to sort along; the last by default. None is a
            ValueError (use ``np.sort(a, axis=None)`` for a sorted flat
            copy).
        kind : {'quicksort', 'mergesort', 'heapsort', 'stable'}, optional
            The sorting algorithm, as in :meth:`argsort`.

        Examples
        --------
        >>> a = LogArray([0.5, '1e-5000', -2.0])
        >>> a.sort()
        >>> a[0], a[2]
        (LogFloat(-2.0), LogFloat(0.5))
        >>> a[1] == LogFloat('1e-5000')
        True
        """
        order = self.argsort(axis=axis, kind=kind)
        if axis is None:
            raise ValueError("LogArray.sort sorts in place along an axis; use np.sort(a, axis=None) for a flat copy")
        if _on_device(self):  # written into a torch tensor, rebound on JAX
            xp = _backends.namespace(self._log)
            neg = None if self._neg is None else xp.take_along_axis(self._neg, order, axis=axis)
            self._assign_on_device(LogArray._from_parts(xp.take_along_axis(self._log, order, axis=axis), neg), "sort")
            return
        self._log[...] = np.take_along_axis(self._log, order, axis=axis)
        if self._neg is not None:
            self._neg[...] = np.take_along_axis(self._neg, order, axis=axis)

    def argpartition(self, kth: Any, axis: int = -1) -> NDArray[np.intp]:
        """Indices that partition the values around the ``kth`` smallest, as ``ndarray.argpartition``.

        Parameters
        ----------
        kth : int or sequence of ints
            The position(s), in sorted order, whose value lands in its sorted
            place, with no larger value before it and no smaller value after it.
        axis : int, optional
            The axis to partition along; the last by default.

        Returns
        -------
        ndarray of intp
            Of the shape of the array.

        Examples
        --------
        >>> a = LogArray([0.5, -3.0, '1e-5000', 2.0])
        >>> order = a.argpartition(1)
        >>> int(order[1])
        2
        >>> bool(a[order[0]] == -3.0)
        True
        """
        if _on_device(self):  # a full sort is a partition around every kth
            return _device_argsort(self, axis)
        return np.argpartition(self._log if self._neg is None else self._value_rank(), kth, axis=axis)

    def take(self, indices: Any, axis: int | None = None) -> Any:
        """Elements at ``indices``, as ``ndarray.take``.

        Parameters
        ----------
        indices : int or array_like of ints
            The indices to take.
        axis : int, optional
            The axis to take them along; by default the flattened array.

        Returns
        -------
        LogArray or LogFloat
            A LogFloat for a single integer index into the flattened array.

        Examples
        --------
        >>> a = LogArray([[0.5, 0.25], [1.0, 2.0]])
        >>> a.take([0, 3])
        LogArray([0.5, 2. ])
        >>> a.take(1)
        LogFloat(0.25)
        >>> a.take([1], axis=1)
        LogArray([[0.25],
                  [2.  ]])
        """
        if _on_device(self):
            return np.take(self, indices, axis=axis)
        log = np.take(self._log, indices, axis=axis)
        if not (isinstance(log, np.ndarray) or _backends.is_lazy(log)):
            return _scalar(float(log), bool(np.take(self._neg, indices, axis=axis)) if self._neg is not None else False)
        return LogArray._from_parts(log, None if self._neg is None else np.take(self._neg, indices, axis=axis))

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        from logspace import _numpy_api

        return _numpy_api.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        from logspace import _numpy_api

        return _numpy_api.array_function(func, types, args, kwargs)

    # -- notebook display (logspace._display) -----------------------------------

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        from logspace import _display

        p.text("LogArray(...)" if cycle else _display.pretty_text(self._log, self._neg))

    def _repr_html_(self) -> str:
        from logspace import _display

        return _display.html_table(self._log, self._neg)

    def _repr_latex_(self) -> str | None:
        from logspace import _display

        return _display.latex(self._log, self._neg)


def _sign_int(log: float, negative: bool) -> int:
    if log == -np.inf:
        return 0
    return -1 if negative and log == log else 1


def _scalar(log: float, negative: bool) -> LogFloat:
    return LogFloat.from_log(log, _sign_int(log, negative))


def _reduced(log: Any, neg: Any, dtype: np.dtype[Any]) -> Any:
    """A reduction result: LogFloat when 0-d, else a LogArray of ``dtype``.

    A lazy 0-d result stays a (0-d, lazy) LogArray: a LogFloat holds a value.
    """
    if np.ndim(log) == 0 and not _backends.is_lazy(log):
        return _scalar(float(log), bool(neg) if neg is not None else False)
    return _wrap(log, neg, dtype)


def _computed(log: Any, neg: Any) -> Any:
    """What computing a lazy LogArray gives, from its computed parts."""
    log = np.asarray(log)
    return _reduced(log, neg, log.dtype)


def _dask_backend() -> Any:
    """:mod:`logspace._dask`, for a LogArray known to be lazy (so dask is imported)."""
    from logspace import _dask

    return _dask
