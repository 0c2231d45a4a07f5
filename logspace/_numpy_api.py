"""The numpy protocols of LogArray: explicit tables of ufuncs and functions.

Each numpy ufunc (and ufunc method) or function that LogArray supports has one
entry, keyed by the numpy object itself, pointing to the log-domain
implementation. Everything else is refused with a TypeError naming it: a
LogArray never silently falls back to computing on linear values. ``REFUSED``
lists functions refused on purpose with the reason; the test suite checks
that every public numpy function is in one table or the other.

The handlers only move, select and combine elements; the arithmetic is that
of :mod:`logspace._array`, whose numerical work is in the kernels. Operands
that are not log-domain numbers (ndarrays, Python numbers, lists) stand for
their linear values, as everywhere in the package.

Comparing with a tolerance
--------------------------
``np.isclose`` and ``np.allclose`` compare the *values* with numpy's rule
``|a - b| <= atol + rtol * |b|``. The default ``atol=1e-08`` is linear: every
value below it is close to zero and to every other tiny value, so two
probabilities of 1e-300 and 1e-5000 compare as close. Pass ``atol=0`` to
compare small numbers by their relative difference only.

>>> import numpy as np
>>> from logspace import LogArray
>>> a = LogArray(['1e-300', '1e-5000'])
>>> b = LogArray(['2e-300', '1e-5000'])
>>> np.isclose(a, b)
array([ True,  True])
>>> np.isclose(a, b, atol=0)
array([False,  True])
"""

from __future__ import annotations

import functools
import inspect
import math
import operator
import string
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from logspace import _array, _backends, _kernels
from logspace._array import LogArray, _raw
from logspace._scalar import LogFloat, register_array_ufunc

# Marks an argument the caller did not give (numpy's ``<no value>``).
_MISSING: Any = object()

_INF = float("inf")


# ---------------------------------------------------------------------------
# Operands and results
# ---------------------------------------------------------------------------


def _contains_logarray(x: Any) -> bool:
    if isinstance(x, LogArray):
        return True
    if isinstance(x, (list, tuple)):
        return any(_contains_logarray(e) for e in x)
    return False


def _as_logarray(x: Any) -> LogArray:
    """Any operand as a LogArray; ndarrays, numbers and lists are linear values."""
    if isinstance(x, LogArray):
        return x
    if isinstance(x, (list, tuple)):
        if _contains_logarray(x):
            return _join([_as_logarray(e) for e in x], np.stack)
        return LogArray(x)
    if isinstance(x, str):
        return LogArray(x)
    log, neg = _raw(x)
    return _array._wrap(log, neg, _array._result_dtype(x))


def _operand(x: Any) -> Any:
    """An elementwise operand: lists become LogArrays, everything else stays."""
    return _as_logarray(x) if isinstance(x, (list, tuple)) else x


def _finish(x: Any) -> Any:
    """A reduction result: a 0-d LogArray becomes a LogFloat (a lazy or torch/JAX one stays a LogArray)."""
    if isinstance(x, LogArray) and x.ndim == 0 and not _backends.is_lazy(x._log) and not _on_device(x):
        return x.item()
    return x


def _bools(x: Any) -> Any:
    """A boolean result: 0-d becomes a numpy bool, as numpy's ufuncs give (torch and JAX arrays stay)."""
    if _array._is_device_array(x):
        return x
    x = _backends.asarray(x)
    return x[()] if x.ndim == 0 else x


def _truth(x: Any) -> Any:
    """Truth values (nonzero, nan included, as numpy) of any operand."""
    if _on_device(x):
        return x._log != -_INF
    if isinstance(x, (LogArray, LogFloat)):
        return ~(_backends.asarray(_raw(x)[0]) == -_INF)
    if _array._is_device_array(x):
        return _backends.namespace(x).astype(x, _backends.namespace(x).bool)
    return np.asarray(x).astype(bool)


def _mask(x: Any) -> Any:
    """A boolean mask argument; a LogArray mask means its nonzero values."""
    if isinstance(x, (LogArray, LogFloat)) or _array._is_device_array(x):
        return _truth(x)
    return _backends.asarray(x, dtype=bool)


def _neg_or_false(a: LogArray) -> Any:
    if a._neg is not None:
        return a._neg
    if _on_device(a):
        return _array._device_mask(False, a._log)
    return np.zeros_like(a._log, dtype=bool)


# ---------------------------------------------------------------------------
# LogArrays of torch tensors or JAX arrays
# ---------------------------------------------------------------------------
# The handlers below serve them too, staying in their library and on their
# device: functions that only move elements go through their index map (the
# numpy function applied to the flat positions, then one ``take`` in the
# library, which is differentiable); selections that depend on the values
# (where, sort, argmax) use the library's own functions. What a backend
# cannot serve is in DEVICE_REFUSED, refused before the handler runs.


def _on_device(x: Any) -> bool:
    return isinstance(x, LogArray) and _array._is_device_array(x._log)


def _device_among(values: Any) -> Any:
    """The first torch or JAX logs among ``values`` (in lists, tuples and dicts too), else None."""
    for x in values:
        if isinstance(x, LogArray):
            if _array._is_device_array(x._log):
                return x._log
        elif isinstance(x, (list, tuple)):
            found = _device_among(x)
            if found is not None:
                return found
        elif isinstance(x, dict):
            found = _device_among(x.values())
            if found is not None:
                return found
    return None


def _to_device_parts(item: LogArray, like: Any) -> tuple[Any, Any]:
    """The logs and signs (None if unsigned) of ``item`` in the library and on the device of ``like``."""
    if _array._is_device_array(item._log):
        return item._log, item._neg
    log = _array._put(np.array(item._log), like)  # a writeable copy: torch warns about read-only buffers
    return log, None if item._neg is None else _array._put(np.array(item._neg), like)


def _beside(x: Any, like: Any) -> Any:
    """An operand next to torch or JAX logs ``like``: arrays and lists as LogArrays of that library.

    Python numbers and LogFloats stay as they are (weak); ndarrays and lists
    are their linear values, converted on the numpy path and moved.
    """
    if isinstance(x, (LogFloat, int, float)) or _on_device(x):
        return x
    if _array._is_device_array(x):
        return LogArray(x)
    return LogArray._from_parts(*_to_device_parts(_as_logarray(x), like))


def _moved(items: Sequence[LogArray], index_map: Callable[[list[Any]], Any]) -> Any:
    """LogArrays of ``items``' elements, placed by ``index_map``, in the library of the device items.

    ``index_map`` gets, for each item, an ndarray of its shape holding the
    positions of its elements in the concatenation of all of them, and
    returns the positions of the result's elements (or a list or tuple of
    such arrays, for several results): a numpy function that only moves
    elements, applied to positions. The elements are then taken from the
    logs and signs in one ``take`` each.
    """
    like = _array._device_of(*items)
    xp = _backends.namespace(like)
    logs, negs, positions, start = [], [], [], 0
    signed = any(item._neg is not None for item in items)
    for item in items:
        log, neg = _to_device_parts(item, like)
        logs.append(xp.reshape(log, (-1,)))
        if signed:
            negs.append(xp.reshape(_array._device_mask(False if neg is None else neg, log), (-1,)))
        n = math.prod(item.shape)
        positions.append(np.arange(start, start + n).reshape(tuple(item.shape)))
        start += n
    flat_log = logs[0] if len(logs) == 1 else xp.concat(logs)
    flat_neg = None if not signed else negs[0] if len(negs) == 1 else xp.concat(negs)

    def build(index: Any) -> LogArray:
        neg = None if flat_neg is None else _backends.take_flat(flat_neg, index)
        return LogArray._from_parts(_backends.take_flat(flat_log, index), neg)

    out = index_map(positions)
    if isinstance(out, (list, tuple)):
        return type(out)(build(index) for index in out)
    return build(out)


def _map(a: LogArray, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``a._map(fn, ...)``: a numpy function that only moves elements, on numpy, dask, torch or JAX logs."""
    if _on_device(a):
        return _moved([a], lambda positions: fn(positions[0], *args, **kwargs))
    return a._map(fn, *args, **kwargs)


def _device_constant(value: Any, like: LogArray) -> LogArray:
    """The log-domain number ``value`` as a 0-d LogArray in the library, device and dtype of ``like``."""
    number = LogFloat(value) if not isinstance(value, LogFloat) else value
    log = _array._put(number.log, like._log, dtype=like._log.dtype)
    return LogArray._from_parts(log, None if number.sign >= 0 else _array._put(True, like._log))


def _device_full(shape: Any, value: Any, like: LogArray, signed: bool) -> LogArray:
    """A LogArray of ``shape`` filled with ``value``, in the library, device and dtype of ``like``."""
    xp = _backends.namespace(like._log)
    constant = _device_constant(value, like)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    zeros = xp.zeros(shape, dtype=like._log.dtype, device=_backends.device(like._log))
    log = xp.broadcast_to(constant._log, shape) + zeros
    neg = None if constant._neg is None and not signed else _array._device_mask(constant._neg is not None, log)
    return LogArray._from_parts(log, neg)


def _is_default(value: Any, default: Any) -> bool:
    if value is default or value is _MISSING:
        return True
    if default is None or default is _MISSING:
        return False
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


def _unsupported(name: str, **given: Any) -> None:
    """TypeError for arguments given with other than their default."""
    bad = [key for key, (value, default) in given.items() if not _is_default(value, default)]
    if bad:
        raise TypeError(f"{name} on a LogArray does not support the argument(s): {', '.join(bad)}")


def _store(result: Any, out: Any, name: str, where: Any = True) -> Any:
    """Put ``result`` into ``out`` (a LogArray for log-domain results)."""
    if isinstance(out, tuple):
        if len(out) != 1:
            raise TypeError(f"{name} on a LogArray takes one output array")
        (out,) = out
    if out is None:
        if where is not True:
            raise TypeError(f"{name} on a LogArray: where= needs out= (it leaves other entries untouched)")
        return result
    logdomain = isinstance(result, (LogArray, LogFloat))
    if logdomain and not isinstance(out, LogArray):
        raise TypeError(f"{name} gives log-domain numbers: out= must be a LogArray, not {type(out).__name__}")
    if not logdomain and not isinstance(out, np.ndarray):
        raise TypeError(f"{name} gives an ndarray: out= must be an ndarray, not {type(out).__name__}")
    if where is True:
        out[...] = result
    elif logdomain:
        mask = np.broadcast_to(_mask(where), out.shape)
        out[mask] = _as_logarray(result)._map(np.broadcast_to, out.shape)[mask]
    else:
        np.copyto(out, result, where=_mask(where))
    return out


def _over_axes(a: LogArray, axis: Any, keepdims: bool, reduce: Callable[..., Any]) -> Any:
    """``reduce(a, axis, keepdims)`` also for a tuple of axes (by flattening them)."""
    if not isinstance(axis, tuple):
        return reduce(a, axis, keepdims)
    axes = normalize_axis_tuple(axis, a.ndim)
    if len(axes) == 1:
        return reduce(a, axes[0], keepdims)
    if len(axes) == a.ndim:
        return reduce(a, None, keepdims)
    kept = [i for i in range(a.ndim) if i not in axes]
    shape = tuple(a.shape[i] for i in kept)
    moved = a.transpose(kept + list(axes)).reshape(shape + (math.prod(a.shape[i] for i in axes),))
    result = reduce(moved, -1, False)
    if keepdims:
        result = _as_logarray(result).reshape(tuple(1 if i in axes else n for i, n in enumerate(a.shape)))
    return result


# ---------------------------------------------------------------------------
# ufuncs
# ---------------------------------------------------------------------------


def _power(x: Any, y: Any) -> LogArray:
    # A plain base with a log-domain exponent is y ** x with x in the linear domain.
    if isinstance(x, (LogArray, LogFloat)):
        return _array.power(x, y)
    return _array.rpower(y, x)


def _float_power(x: Any, y: Any) -> LogArray:
    # numpy's float_power computes in (at least) float64.
    return _power(x, y).astype(np.float64)


def _refuse_exp(*args: Any, **kwargs: Any) -> Any:
    raise TypeError(
        "np.exp of a LogArray is not defined: a LogArray already stands for exp of its stored logs, "
        "so exp of its values is almost never what is meant. Use a.log for the logs, or "
        "LogArray.from_log(a.to_numpy()) if you really want exp of the values."
    )


def _nan_aware(select: Callable[..., Any]) -> Callable[..., Any]:
    """np.fmax/np.fmin: like maximum/minimum, but a nan loses to a number."""

    def call(x: Any, y: Any) -> LogArray:
        chosen = select(x, y)
        x_nan, y_nan = _array.isnan(x), _array.isnan(y)
        if _known_false(x_nan | y_nan):
            return chosen
        return _where(x_nan, y, _where(y_nan, x, chosen))

    call.__name__ = "f" + select.__name__[:3]
    return call


def _known_false(mask: Any) -> bool:
    """Whether no entry of ``mask`` is true, known without computing (False where a JAX trace cannot tell)."""
    if _array._is_device_array(mask):
        return _array._known_any(mask) is False
    return not np.any(mask)


def _signbit(x: Any) -> Any:
    if _on_device(x):
        return _neg_or_false(x) & (x._log != -_INF)
    if isinstance(x, (LogArray, LogFloat)):
        log, neg = _raw(x)
        if neg is None:
            return _bools(np.zeros_like(_backends.asarray(log), dtype=bool))
        return _bools(_backends.asarray(neg) & ~(_backends.asarray(log) == -_INF))
    return np.signbit(x)


def _copysign(x: Any, y: Any) -> LogArray:
    like = _device_among((x, y))
    if like is not None:
        size = _array.absolute(x if isinstance(x, LogArray) else _as_logarray(x))
        return _where(_signbit(y), _array.negative(size), size)
    log, _ = _raw(x)
    negative = _signbit(y)
    neg = np.broadcast_to(negative, np.broadcast_shapes(np.shape(log), np.shape(negative)))
    magnitude = np.array(np.broadcast_to(log, neg.shape))
    dtype = _array._result_dtype(x, y)
    return _array._wrap(magnitude, neg.copy() if neg.any() else None, dtype)


def _cbrt(x: Any) -> LogArray:
    if _on_device(x):
        return LogArray._from_parts(x._log / 3, x._neg)
    log, neg = _raw(x)
    return _array._wrap(np.divide(log, 3), neg, _array._result_dtype(x))


def _hypot(x: Any, y: Any) -> LogArray:
    dtype = _array._result_dtype(x, y)  # squares of Python numbers are no longer weak
    result = _array.sqrt(_array.add(_array.square(x), _array.square(y))).astype(dtype)
    infinite = _array.isinf(x) | _array.isinf(y)  # hypot(inf, nan) is inf, as in IEEE
    return result if _known_false(infinite) else _where(infinite, _INF, result)


def _logical(ufunc: np.ufunc, method: str = "__call__") -> Callable[..., Any]:
    """A logical ufunc (or its method): numpy's, on the truth values of the operands."""

    def call(*inputs: Any, **kwargs: Any) -> Any:
        truths = [_truth(x) for x in inputs]
        like = next((t for t in truths if _array._is_device_array(t)), None)
        if like is None:
            return getattr(ufunc, method)(*truths, **kwargs)
        if method != "__call__" or kwargs:
            library = _backends.library(like)
            raise TypeError(f"numpy.{ufunc.__name__}.{method} is not supported on a LogArray of {library} arrays")
        on_device = [t if _array._is_device_array(t) else _array._put(np.asarray(t), like) for t in truths]
        return getattr(_backends.namespace(like), ufunc.__name__)(*on_device)

    call.__name__ = ufunc.__name__
    return call


def _vecdot(x1: Any, x2: Any) -> Any:
    a, b = _as_logarray(x1), _as_logarray(x2)
    if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-1]:
        raise ValueError(f"vecdot: core dimensions do not match ({a.shape} and {b.shape})")
    return _finish(_array.multiply(a, b).sum(axis=-1))


def _matvec(x1: Any, x2: Any) -> Any:
    m, v = _as_logarray(x1), _as_logarray(x2)
    if m.ndim < 2 or v.ndim < 1:
        raise ValueError("matvec needs a matrix and a vector")
    return _array.matmul(m, np.expand_dims(v, -1)).squeeze(-1)


def _vecmat(x1: Any, x2: Any) -> Any:
    v, m = _as_logarray(x1), _as_logarray(x2)
    if m.ndim < 2 or v.ndim < 1:
        raise ValueError("vecmat needs a vector and a matrix")
    return _array.matmul(np.expand_dims(v, -2), m).squeeze(-2)


UFUNCS: dict[np.ufunc, Callable[..., Any]] = {
    np.add: _array.add,
    np.subtract: _array.subtract,
    np.multiply: _array.multiply,
    np.divide: _array.divide,
    np.power: _power,
    np.float_power: _float_power,
    np.matmul: _array.matmul,
    np.sqrt: _array.sqrt,
    np.cbrt: _cbrt,
    np.square: _array.square,
    np.reciprocal: _array.reciprocal,
    np.negative: _array.negative,
    np.positive: _array.positive,
    np.conjugate: _array.positive,
    np.absolute: _array.absolute,
    np.fabs: _array.absolute,
    np.hypot: _hypot,
    np.maximum: _array.maximum,
    np.minimum: _array.minimum,
    np.fmax: _nan_aware(_array.maximum),
    np.fmin: _nan_aware(_array.minimum),
    np.isfinite: _array.isfinite,
    np.isnan: _array.isnan,
    np.isinf: _array.isinf,
    np.sign: _array.sign,
    np.signbit: _signbit,
    np.copysign: _copysign,
    np.log: _array.log,
    np.log10: _array.log10,
    np.log2: _array.log2,
    np.equal: _array.equal,
    np.not_equal: _array.not_equal,
    np.less: _array.less,
    np.less_equal: _array.less_equal,
    np.greater: _array.greater,
    np.greater_equal: _array.greater_equal,
    np.logical_and: _logical(np.logical_and),
    np.logical_or: _logical(np.logical_or),
    np.logical_xor: _logical(np.logical_xor),
    np.logical_not: _logical(np.logical_not),
    np.vecdot: _vecdot,
    np.exp: _refuse_exp,
}
for _name, _handler in (("matvec", _matvec), ("vecmat", _vecmat)):  # numpy >= 2.2
    if isinstance(getattr(np, _name, None), np.ufunc):
        UFUNCS[getattr(np, _name)] = _handler


def _reduce_method(name: str, *, nan_aware: bool = False) -> Callable[..., Any]:
    """ufunc.reduce as the LogArray reduction ``name``."""

    def call(a: Any, axis: Any = 0, dtype: Any = None, keepdims: bool = False, **kw: Any) -> Any:
        _unsupported(f"ufunc reduce ({name})", dtype=(dtype, None), **{k: (v, _MISSING) for k, v in kw.items()})
        base = _as_logarray(a)
        if name in ("max", "min"):
            largest = name == "max"
            if nan_aware:
                return _nan_extreme(base, axis, keepdims, largest=largest, warn=False)
            return _extreme(base, axis, keepdims, largest=largest)
        return getattr(base, name)(axis=axis, keepdims=keepdims)

    return call


def _accumulate_method(name: str) -> Callable[..., Any]:
    def call(a: Any, axis: int = 0, dtype: Any = None) -> Any:
        _unsupported(f"ufunc accumulate ({name})", dtype=(dtype, None))
        return getattr(_as_logarray(a), name)(axis=axis)

    return call


def _outer_method(ufunc: np.ufunc) -> Callable[..., Any]:
    """ufunc.outer: the elementwise handler on operands spread over separate axes."""

    def call(a: Any, b: Any) -> Any:
        a, b = _operand(a), _operand(b)
        extra = (1,) * np.ndim(_raw(b)[0])
        if isinstance(a, LogArray):
            a = a.reshape(a.shape + extra)
        elif np.ndim(a):
            a = np.reshape(a, np.shape(a) + extra)
        return UFUNCS[ufunc](a, b)

    return call


_BINARY_ELEMENTWISE = (
    np.add,
    np.subtract,
    np.multiply,
    np.divide,
    np.power,
    np.maximum,
    np.minimum,
    np.fmax,
    np.fmin,
    np.equal,
    np.not_equal,
    np.less,
    np.less_equal,
    np.greater,
    np.greater_equal,
    np.hypot,
    np.copysign,
)

# (ufunc, method) -> handler, called with the method's inputs and keywords
# (out= and, for outer, where= are handled by array_ufunc).
UFUNC_METHODS: dict[tuple[np.ufunc, str], Callable[..., Any]] = {
    (np.add, "reduce"): _reduce_method("sum"),
    (np.multiply, "reduce"): _reduce_method("prod"),
    (np.maximum, "reduce"): _reduce_method("max"),
    (np.minimum, "reduce"): _reduce_method("min"),
    (np.fmax, "reduce"): _reduce_method("max", nan_aware=True),
    (np.fmin, "reduce"): _reduce_method("min", nan_aware=True),
    (np.add, "accumulate"): _accumulate_method("cumsum"),
    (np.multiply, "accumulate"): _accumulate_method("cumprod"),
    **{(ufunc, "outer"): _outer_method(ufunc) for ufunc in _BINARY_ELEMENTWISE},
    **{
        (ufunc, method): _logical(ufunc, method)
        for ufunc in (np.logical_and, np.logical_or, np.logical_xor)
        for method in ("reduce", "accumulate", "outer")
    },
}


def _ufunc_name(ufunc: np.ufunc, method: str) -> str:
    return f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")


def _foreign(x: Any) -> bool:
    """Another array-like type with its own numpy protocol: let it answer.

    A dask array is not foreign: it is an operand (linear values) that a
    LogArray takes lazily, as it takes an ndarray.
    """
    return (
        hasattr(type(x), "__array_ufunc__")
        and not isinstance(x, (LogArray, LogFloat, np.ndarray, np.generic))
        and type(x).__array_ufunc__ is not None
        and not _backends.is_lazy(x)
    )


def array_ufunc(ufunc: np.ufunc, method: str, inputs: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    """Dispatch a numpy ufunc call on LogArray/LogFloat operands."""
    kwargs = {key: value for key, value in kwargs.items() if not (key == "dtype" and value is None)}
    name = _ufunc_name(ufunc, method)
    out = kwargs.pop("out", None)
    outs = out if isinstance(out, tuple) else (out,)
    if any(_foreign(x) for x in (*inputs, *outs)):
        return NotImplemented
    where = kwargs.pop("where", True) if method in ("__call__", "outer") else True
    if method == "__call__":
        handler = UFUNCS.get(ufunc)
        if handler is None:
            raise TypeError(
                f"{name} is not supported on LogArray: it would compute on linear values. "
                "Convert explicitly with a.to_numpy() (or use a.log for the logs)."
            )
        if kwargs:
            raise TypeError(f"{name} on a LogArray does not support the argument(s): {', '.join(kwargs)}")
        result = handler(*[_operand(x) for x in inputs])
    else:
        handler = UFUNC_METHODS.get((ufunc, method))
        if handler is None:
            raise TypeError(f"{name} is not supported on LogArray")
        if method == "outer" and kwargs:
            raise TypeError(f"{name} on a LogArray does not support the argument(s): {', '.join(kwargs)}")
        result = _call(handler, name, inputs, kwargs)
    return _store(result, out, name, where)


def scalar_array_ufunc(ufunc: np.ufunc, method: str, inputs: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    """``LogFloat.__array_ufunc__``: numpy ufuncs on a LogFloat act as on a 0-d LogArray.

    A LogFloat is a 0-d operand (weak, like a Python float: it does not
    change the dtype of an array it meets). 0-d results come back as a
    LogFloat (log-domain) or a numpy scalar (booleans, signs, logs). With a
    LogArray among the operands this returns NotImplemented, so that numpy
    asks the LogArray, whose answer is a LogArray.
    """
    outs = kwargs.get("out", None)
    outs = outs if isinstance(outs, tuple) else (outs,)
    if any(isinstance(x, LogArray) for x in (*inputs, *outs)):
        return NotImplemented
    if method not in ("__call__", "outer"):
        inputs = tuple(_as_logarray(x) if isinstance(x, LogFloat) else x for x in inputs)
    result = array_ufunc(ufunc, method, inputs, kwargs)
    if result is NotImplemented or any(o is not None for o in outs):
        return result
    if isinstance(result, LogArray) and result.ndim == 0:
        return result.item()
    if isinstance(result, np.ndarray) and result.ndim == 0:
        return result[()]
    return result


# ---------------------------------------------------------------------------
# Functions: reductions
# ---------------------------------------------------------------------------


def _keep(keepdims: Any) -> bool:
    return False if keepdims is _MISSING else bool(keepdims)


def _sum_like(name: str) -> Callable[..., Any]:
    """np.sum, np.prod (a, axis, dtype, out, keepdims, initial, where)."""

    def call(
        a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = _MISSING,
        initial: Any = _MISSING, where: Any = _MISSING,
    ) -> Any:  # fmt: skip
        _unsupported(f"numpy.{name}", dtype=(dtype, None), initial=(initial, _MISSING), where=(where, True))
        result = getattr(_as_logarray(a), name)(axis=axis, keepdims=_keep(keepdims))
        return _store(result, out, f"numpy.{name}")

    call.__name__ = name
    return call


def _mean(
    a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = _MISSING, *, where: Any = _MISSING
) -> Any:
    _unsupported("numpy.mean", dtype=(dtype, None), where=(where, True))
    return _store(_as_logarray(a).mean(axis=axis, keepdims=_keep(keepdims)), out, "numpy.mean")


def _extreme(a: LogArray, axis: Any, keepdims: bool, largest: bool) -> Any:
    if isinstance(axis, tuple) and len(axis) == 0:
        return a.copy()
    return _over_axes(
        a, axis, keepdims, lambda x, ax, kd: x.max(axis=ax, keepdims=kd) if largest else x.min(axis=ax, keepdims=kd)
    )


def _extreme_function(largest: bool, ignore_nan: bool = False) -> Callable[..., Any]:
    """np.max, np.min and (ignore_nan) np.nanmax, np.nanmin: (a, axis, out, keepdims, initial, where)."""
    name = ("nan" if ignore_nan else "") + ("max" if largest else "min")

    def call(
        a: Any,
        axis: Any = None,
        out: Any = None,
        keepdims: Any = _MISSING,
        initial: Any = _MISSING,
        where: Any = _MISSING,
    ) -> Any:
        _unsupported(f"numpy.{name}", initial=(initial, _MISSING), where=(where, True))
        base = _as_logarray(a)
        if ignore_nan:
            result = _nan_extreme(base, axis, _keep(keepdims), largest, warn=True)
        else:
            result = _extreme(base, axis, _keep(keepdims), largest)
        return _store(result, out, f"numpy.{name}")

    call.__name__ = name
    return call


def _arg_extreme(name: str) -> Callable[..., Any]:
    """np.argmax, np.argmin (a, axis, out, *, keepdims)."""

    def call(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = _MISSING) -> Any:
        result = getattr(_as_logarray(a), name)(axis=axis, keepdims=_keep(keepdims))
        return _store(result, out, f"numpy.{name}")

    call.__name__ = name
    return call


def _accumulation(name: str) -> Callable[..., Any]:
    """np.cumsum, np.cumprod (a, axis, dtype, out)."""

    def call(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
        _unsupported(f"numpy.{name}", dtype=(dtype, None))
        return _store(getattr(_as_logarray(a), name)(axis=axis), out, f"numpy.{name}")

    call.__name__ = name
    return call


def _cumulative(name: str, method: str, identity: float) -> Callable[..., Any]:
    """np.cumulative_sum, np.cumulative_prod (x, /, *, axis, dtype, out, include_initial)."""

    def call(x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None, include_initial: bool = False) -> Any:
        _unsupported(f"numpy.{name}", dtype=(dtype, None))
        a = _as_logarray(x)
        if axis is None:
            if a.ndim > 1:
                raise ValueError(f"numpy.{name}: axis must be given for a LogArray of more than one dimension")
            a, axis = a.reshape(-1), 0
        result = getattr(a, method)(axis=axis)
        if include_initial:
            shape = list(a.shape)
            shape[normalize_axis_index(axis, a.ndim)] = 1
            first = _device_full(shape, identity, a, a.signed) if _on_device(a) else LogArray.full(
                tuple(shape), identity, dtype=a.dtype
            )
            result = _join([first, result], np.concatenate, axis=axis)
        return _store(result, out, f"numpy.{name}")

    call.__name__ = name
    return call


def _filled(a: LogArray, mask: Any, value: LogFloat) -> LogArray:
    """``a`` with the entries under ``mask`` replaced by ``value``."""
    if _on_device(a):
        return _where(mask, _device_constant(value, a), a)
    log = np.where(mask, value.log, a._log).astype(a.dtype, copy=False)
    negative = value.sign < 0
    neg = None
    if a._neg is not None or negative:
        neg = np.where(mask, negative, _neg_or_false(a))
    return LogArray._from_parts(log, neg)


def _nan_to(a: Any, value: float) -> tuple[LogArray, Any]:
    base = _as_logarray(a)
    mask = _array.isnan(base)
    return (base if _known_false(mask) else _filled(base, mask, LogFloat(value))), mask


def _nan_reduction(name: str, method: str, identity: float) -> Callable[..., Any]:
    """np.nansum, np.nanprod: nan counts as the identity."""

    def call(
        a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = _MISSING,
        initial: Any = _MISSING, where: Any = _MISSING,
    ) -> Any:  # fmt: skip
        _unsupported(f"numpy.{name}", dtype=(dtype, None), initial=(initial, _MISSING), where=(where, True))
        filled, _ = _nan_to(a, identity)
        return _store(getattr(filled, method)(axis=axis, keepdims=_keep(keepdims)), out, f"numpy.{name}")

    call.__name__ = name
    return call


def _nan_accumulation(name: str, method: str, identity: float) -> Callable[..., Any]:
    """np.nancumsum, np.nancumprod."""

    def call(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
        _unsupported(f"numpy.{name}", dtype=(dtype, None))
        filled, _ = _nan_to(a, identity)
        return _store(getattr(filled, method)(axis=axis), out, f"numpy.{name}")

    call.__name__ = name
    return call


def _nan_extreme(a: LogArray, axis: Any, keepdims: bool, largest: bool, warn: bool) -> Any:
    """max/min ignoring nans; nan (with numpy's warning) for an all-nan slice."""
    mask = _array.isnan(a)
    if _known_false(mask):
        return _extreme(a, axis, keepdims, largest)
    # Fill with the value that never wins: -inf (0 suffices if unsigned), +inf.
    fill = (0.0 if a._neg is None else -_INF) if largest else _INF
    result = _extreme(_filled(a, mask, LogFloat(fill)), axis, keepdims, largest)
    all_nan = _namespace(mask).all(mask, axis=axis, keepdims=keepdims)
    if not _known_false(all_nan):
        if warn:
            warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=4)
        result = _finish(_where(all_nan, np.nan, result))
    return result


def _nan_arg_extreme(largest: bool) -> Callable[..., Any]:
    """np.nanargmax, np.nanargmin: ValueError for an all-nan slice, as numpy."""
    name = "nanargmax" if largest else "nanargmin"

    def call(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = _MISSING) -> Any:
        filled, mask = _nan_to(a, -_INF if largest else _INF)
        if not _known_false(_namespace(mask).all(mask, axis=axis)):
            raise ValueError("All-NaN slice encountered")
        method = filled.argmax if largest else filled.argmin
        return _store(method(axis=axis, keepdims=_keep(keepdims)), out, f"numpy.{name}")

    call.__name__ = name
    return call


def _nanmean(
    a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = _MISSING, *, where: Any = _MISSING
) -> Any:
    _unsupported("numpy.nanmean", dtype=(dtype, None), where=(where, True))
    filled, mask = _nan_to(a, 0.0)
    keep = _keep(keepdims)
    total = filled.sum(axis=axis, keepdims=keep)
    if _on_device(filled):
        xp = _namespace(mask)
        count = xp.sum(xp.astype(~mask, filled._log.dtype), axis=axis, keepdims=keep)
    else:
        count = np.sum(~mask, axis=axis, keepdims=keep)
    if not _known_false(count == 0):
        warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=3)
    if _on_device(filled):
        divisor: Any = LogArray(count)
    else:
        divisor = int(count) if np.ndim(count) == 0 else _as_logarray(count).astype(filled.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = _finish(_array.divide(total, divisor))
    return _store(result, out, "numpy.nanmean")


def _namespace(x: Any) -> Any:
    """numpy for an ndarray (or dask array), else the array-API namespace of the torch or JAX array ``x``."""
    return _backends.namespace(x) if _array._is_device_array(x) else np


def _ptp(a: Any, axis: Any = None, out: Any = None, keepdims: Any = _MISSING) -> Any:
    base, keep = _as_logarray(a), _keep(keepdims)
    result = _finish(_array.subtract(_extreme(base, axis, keep, True), _extreme(base, axis, keep, False)))
    return _store(result, out, "numpy.ptp")


def _truth_reduction(fn: Callable[..., Any]) -> Callable[..., Any]:
    """np.any, np.all on the truth values (nonzero; nan is true, as numpy)."""

    def call(a: Any, axis: Any = None, out: Any = None, keepdims: Any = _MISSING, *, where: Any = _MISSING) -> Any:
        if out is not None and not isinstance(out, np.ndarray):
            raise TypeError(f"numpy.{fn.__name__} gives booleans: out= must be an ndarray")
        if _on_device(a) and out is None and where is _MISSING:
            truth = _truth(a)
            return getattr(_namespace(truth), fn.__name__)(truth, axis=axis, keepdims=_keep(keepdims))
        kw = {"keepdims": keepdims, "where": where}
        return fn(_truth(a), axis=axis, out=out, **{k: v for k, v in kw.items() if v is not _MISSING})

    call.__name__ = fn.__name__
    return call


def _count_nonzero(a: Any, axis: Any = None, *, keepdims: bool = False) -> Any:
    truth = _truth(a)
    if _array._is_device_array(truth):
        return _namespace(truth).count_nonzero(truth, axis=axis, keepdims=keepdims)
    return np.count_nonzero(truth, axis=axis, keepdims=keepdims)


def _average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *, keepdims: Any = _MISSING) -> Any:
    """Weighted mean sum(w * a) / sum(w), following numpy.average."""
    base, keep = _as_logarray(a), _keep(keepdims)
    if axis is not None:
        axis = normalize_axis_tuple(axis, base.ndim)
    if weights is None:
        avg = base.mean(axis=axis, keepdims=keep)
        scale: Any = LogFloat(base.size // max(_as_logarray(avg).size, 1))
        if _on_device(base):
            scale = _device_constant(scale, base)
    else:
        wgt = _as_logarray(weights)
        if _on_device(base) and not _on_device(wgt):
            wgt = LogArray._from_parts(*_to_device_parts(wgt, base._log))
        if tuple(base.shape) != tuple(wgt.shape):
            if axis is None:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            if wgt.shape != tuple(base.shape[ax] for ax in axis):
                raise ValueError("Shape of weights must be consistent with shape of a along specified axis.")
            wgt = wgt.transpose(tuple(int(i) for i in np.argsort(axis)))
            wgt = wgt.reshape(tuple((s if ax in axis else 1) for ax, s in enumerate(base.shape)))
        scale = wgt.sum(axis=axis, keepdims=keep)
        if not bool(_namespace(_truth(scale)).all(_truth(scale))):
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        avg = _finish(_array.divide(_array.multiply(base, wgt).sum(axis=axis, keepdims=keep), scale))
    if not returned:
        return avg
    avg_shape = _as_logarray(avg).shape
    if tuple(_as_logarray(scale).shape) != tuple(avg_shape):
        scale = _map(_as_logarray(scale), np.broadcast_to, avg_shape).copy()
    return avg, _finish(scale)


# ---------------------------------------------------------------------------
# Functions: products in the log semiring
# ---------------------------------------------------------------------------


def _tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """Sum of products over the given axes: a log-semiring matrix product."""
    x, y = _as_logarray(a), _as_logarray(b)
    if isinstance(axes, (int, np.integer)):
        axes_x, axes_y = list(range(x.ndim - int(axes), x.ndim)), list(range(int(axes)))
    else:
        axes_x, axes_y = axes
        axes_x = [int(axes_x)] if isinstance(axes_x, (int, np.integer)) else list(axes_x)
        axes_y = [int(axes_y)] if isinstance(axes_y, (int, np.integer)) else list(axes_y)
    if len(axes_x) != len(axes_y):
        raise ValueError("shape-mismatch for sum")
    axes_x = [normalize_axis_index(i, x.ndim) for i in axes_x]
    axes_y = [normalize_axis_index(i, y.ndim) for i in axes_y]
    if any(x.shape[i] != y.shape[j] for i, j in zip(axes_x, axes_y)):
        raise ValueError("shape-mismatch for sum")
    free_x = [i for i in range(x.ndim) if i not in axes_x]
    free_y = [j for j in range(y.ndim) if j not in axes_y]
    inner = math.prod(x.shape[i] for i in axes_x)
    shape_x = tuple(x.shape[i] for i in free_x)
    shape_y = tuple(y.shape[j] for j in free_y)
    left = x.transpose(free_x + axes_x).reshape(math.prod(shape_x), inner)
    right = y.transpose(axes_y + free_y).reshape(inner, math.prod(shape_y))
    return _finish(_array.matmul(left, right).reshape(shape_x + shape_y))


def _dot(a: Any, b: Any, out: Any = None) -> Any:
    x, y = _as_logarray(a), _as_logarray(b)
    if x.ndim == 0 or y.ndim == 0:
        result = _finish(_array.multiply(x, y))
    else:
        result = _tensordot(x, y, axes=([-1], [-1 if y.ndim == 1 else -2]))
    return _store(result, out, "numpy.dot")


def _vdot(a: Any, b: Any, /) -> Any:
    x, y = _as_logarray(a).reshape(-1), _as_logarray(b).reshape(-1)
    if x.size != y.size:
        raise ValueError("cannot reshape array: vdot needs arrays of the same size")
    return _tensordot(x, y, axes=1)


def _inner(a: Any, b: Any, /) -> Any:
    x, y = _as_logarray(a), _as_logarray(b)
    if x.ndim == 0 or y.ndim == 0:
        return _finish(_array.multiply(x, y))
    return _tensordot(x, y, axes=([-1], [-1]))


def _outer(a: Any, b: Any, out: Any = None) -> Any:
    x, y = _as_logarray(a).reshape(-1), _as_logarray(b).reshape(-1)
    return _store(_array.multiply(x.reshape(-1, 1), y.reshape(1, -1)), out, "numpy.outer")


def _linalg_outer(x1: Any, x2: Any, /) -> Any:
    x, y = _as_logarray(x1), _as_logarray(x2)
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError(f"Input arrays must be one-dimensional, but they are x1.ndim={x.ndim} and x2.ndim={y.ndim}.")
    return _outer(x, y)


def _kron(a: Any, b: Any) -> Any:
    x, y = _as_logarray(a), _as_logarray(b)
    ndim = max(x.ndim, y.ndim)
    x = x.reshape((1,) * (ndim - x.ndim) + x.shape)
    y = y.reshape((1,) * (ndim - y.ndim) + y.shape)
    spread_x = x.reshape(tuple(n for s in x.shape for n in (s, 1)))
    spread_y = y.reshape(tuple(n for t in y.shape for n in (1, t)))
    return _array.multiply(spread_x, spread_y).reshape(tuple(s * t for s, t in zip(x.shape, y.shape)))


def _matmul_function(x1: Any, x2: Any, /) -> Any:
    return _array.matmul(x1, x2)


def _linalg_vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    x, y = _as_logarray(x1), _as_logarray(x2)
    if x.ndim == 0 or y.ndim == 0 or x.shape[axis] != y.shape[axis]:
        raise ValueError(f"vecdot: the vectors along axis {axis} do not match ({x.shape} and {y.shape})")
    return _finish(_array.multiply(x, y).sum(axis=axis))


def _multi_dot(arrays: Sequence[Any], *, out: Any = None) -> Any:
    items = [_as_logarray(a) for a in arrays]
    if len(items) < 2:
        raise ValueError("Expecting at least two arrays.")
    if any(m.ndim != 2 for m in items[1:-1]) or items[0].ndim not in (1, 2) or items[-1].ndim not in (1, 2):
        raise np.linalg.LinAlgError("multi_dot: the first and last arrays must be 1-D or 2-D, the others 2-D")
    result = items[0]
    for item in items[1:]:
        result = _dot(result, item)
    return _store(result, out, "numpy.linalg.multi_dot")


def _matrix_power(a: Any, n: Any) -> Any:
    m = _as_logarray(a)
    if m.ndim < 2 or m.shape[-1] != m.shape[-2]:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
    n = _operator_index(n)
    if n < 0:
        raise TypeError(
            "numpy.linalg.matrix_power with a negative exponent is not supported on LogArray: it needs a matrix "
            "inverse, which works on linear values"
        )
    if n == 0:
        eye = np.eye(m.shape[-1], dtype=bool)
        if _on_device(m):
            return _moved([_device_constant(1.0, m), _device_constant(0.0, m)],
                          lambda p: np.broadcast_to(np.where(eye, p[0], p[1]), m.shape))
        log = np.broadcast_to(np.where(eye, 0.0, -_INF).astype(m.dtype), m.shape).copy()
        return LogArray._from_parts(log, None)
    result, base = None, m
    while n:
        if n & 1:
            result = base if result is None else _array.matmul(result, base)
        n >>= 1
        if n:
            base = _array.matmul(base, base)
    return result.copy() if result is m else result


def _operator_index(n: Any) -> int:
    try:
        return operator.index(n)
    except TypeError:
        raise TypeError("exponent must be an integer") from None


def _trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None, out: Any = None) -> Any:
    _unsupported("numpy.trace", dtype=(dtype, None))
    diagonal = _map(_as_logarray(a), np.diagonal, offset, axis1, axis2)
    return _store(diagonal.sum(axis=-1), out, "numpy.trace")


def _linalg_trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Any:
    _unsupported("numpy.linalg.trace", dtype=(dtype, None))
    return _trace(x, offset, -2, -1)


def _vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:
    a = _array.absolute(_as_logarray(x))
    if axis is None:
        flat = a.reshape(-1)
        result = _vector_norm(flat, axis=0, ord=ord)
        if keepdims:
            return _as_logarray(result).reshape((1,) * a.ndim) if _on_device(a) else LogArray.full(
                (1,) * a.ndim, result, dtype=a.dtype
            )
        return result
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord == _INF:
        return _extreme(a, axis, keepdims, largest=True)
    if ord == -_INF:
        return _extreme(a, axis, keepdims, largest=False)
    if ord == 0:
        count = _count_nonzero(a, axis=axis, keepdims=keepdims)
        if _on_device(a):
            return LogArray(_namespace(count).astype(count, a._log.dtype))
        return _finish(_as_logarray(np.asarray(count, dtype=float)).astype(a.dtype))
    if ord == 1:
        return a.sum(axis=axis, keepdims=keepdims)
    with np.errstate(divide="ignore"):
        return _finish(_array.power(_array.power(a, ord).sum(axis=axis, keepdims=keepdims), 1.0 / ord))


def _matrix_norm_2d(a: LogArray, ord: Any, row_axis: int, col_axis: int, keepdims: bool) -> Any:
    a = _array.absolute(a)
    if ord in (None, "fro", "f"):
        result = _array.sqrt(_array.square(a).sum(axis=(row_axis, col_axis), keepdims=keepdims))
        return _finish(result)
    if ord in (1, -1):
        sums = a.sum(axis=row_axis, keepdims=True)
        result = _extreme(sums, col_axis, True, largest=ord == 1)
    elif ord in (_INF, -_INF):
        sums = a.sum(axis=col_axis, keepdims=True)
        result = _extreme(sums, row_axis, True, largest=ord == _INF)
    else:
        raise TypeError(
            f"numpy.linalg.norm with ord={ord!r} is not supported on LogArray: it needs a singular value "
            "decomposition, which works on linear values"
        )
    if not keepdims:
        result = _as_logarray(result).squeeze(axis=(row_axis, col_axis))
    return _finish(result)


def _norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    a = _as_logarray(x)
    if axis is None:
        if ord is None or (ord in ("f", "fro") and a.ndim == 2):
            result = _finish(_array.sqrt(_array.square(_array.absolute(a)).sum()))
            if keepdims:
                return _as_logarray(result).reshape((1,) * a.ndim) if _on_device(a) else LogArray.full(
                    (1,) * a.ndim, result, dtype=a.dtype
                )
            return result
        axis = tuple(range(a.ndim))
    elif not isinstance(axis, tuple):
        axis = (_operator_index(axis),)
    if len(axis) == 1:
        return _vector_norm(a, axis=axis[0], keepdims=keepdims, ord=2 if ord is None else ord)
    if len(axis) == 2:
        row_axis, col_axis = normalize_axis_tuple(axis, a.ndim)
        return _matrix_norm_2d(a, ord, row_axis, col_axis, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


def _matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:
    return _norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


def _matrix_transpose(x: Any, /) -> Any:
    a = _as_logarray(x)
    if a.ndim < 2:
        raise ValueError(f"Input array must be at least 2-dimensional, but it is {a.ndim}")
    return _map(a, np.swapaxes, -1, -2)


# ---------------------------------------------------------------------------
# Functions: moving, joining and selecting elements
# ---------------------------------------------------------------------------


def _join(arrays: Sequence[Any], combine: Callable[..., Any], **kwargs: Any) -> LogArray:
    items = [_as_logarray(a) for a in arrays]
    if any(_on_device(item) for item in items):
        return _moved(items, lambda positions: combine(positions, **kwargs))
    log = combine([item._log for item in items], **kwargs)
    if all(item._neg is None for item in items):
        return LogArray._from_parts(log, None)
    return LogArray._from_parts(log, combine([_neg_or_false(item) for item in items], **kwargs))


def _concatenate(
    arrays: Sequence[Any], /, axis: Any = 0, out: Any = None, *, dtype: Any = None, casting: str = "same_kind"
) -> Any:
    _unsupported("numpy.concatenate", dtype=(dtype, None), casting=(casting, "same_kind"))
    if isinstance(arrays, LogArray):
        arrays = list(arrays)
    return _store(_join(arrays, np.concatenate, axis=axis), out, "numpy.concatenate")


def _stack(
    arrays: Sequence[Any], axis: int = 0, out: Any = None, *, dtype: Any = None, casting: str = "same_kind"
) -> Any:
    _unsupported("numpy.stack", dtype=(dtype, None), casting=(casting, "same_kind"))
    if isinstance(arrays, LogArray):
        arrays = list(arrays)
    return _store(_join(arrays, np.stack, axis=axis), out, "numpy.stack")


def _stacker(fn: Callable[..., Any]) -> Callable[..., Any]:
    """np.hstack, np.vstack (tup, *, dtype, casting); np.dstack, np.column_stack (tup)."""
    name = f"numpy.{fn.__name__}"

    def call(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Any:
        _unsupported(name, dtype=(dtype, None), casting=(casting, "same_kind"))
        return _join(list(tup), fn)

    call.__name__ = fn.__name__
    return call


def _block(arrays: Any) -> LogArray:
    leaves: list[LogArray] = []

    def convert(x: Any) -> Any:
        if isinstance(x, list):
            return [convert(e) for e in x]
        if isinstance(x, tuple):
            raise TypeError("numpy.block: arrays are given as nested lists, not tuples")
        leaf = _as_logarray(x)
        leaves.append(leaf)
        return leaf

    def project(tree: Any, part: Callable[[LogArray], Any]) -> Any:
        return [project(e, part) for e in tree] if isinstance(tree, list) else part(tree)

    tree = convert(arrays)
    if any(_on_device(leaf) for leaf in leaves):
        where = {id(leaf): i for i, leaf in enumerate(leaves)}
        return _moved(leaves, lambda positions: np.block(project(tree, lambda leaf: positions[where[id(leaf)]])))
    log = np.block(project(tree, lambda leaf: leaf._log))
    if all(leaf._neg is None for leaf in leaves):
        return LogArray._from_parts(log, None)
    return LogArray._from_parts(log, np.block(project(tree, _neg_or_false)))


def _parts_function(fn: Callable[..., Any], *, container: type = list) -> Callable[..., Any]:
    """np.split and friends: one LogArray in, several out."""

    def call(ary: Any, *args: Any, **kwargs: Any) -> Any:
        a = _as_logarray(ary)
        if _on_device(a):
            return container(_moved([a], lambda positions: list(fn(positions[0], *args, **kwargs))))
        logs = fn(a._log, *args, **kwargs)
        negs = fn(a._neg, *args, **kwargs) if a._neg is not None else [None] * len(logs)
        return container(LogArray._from_parts(log, neg) for log, neg in zip(logs, negs))

    call.__name__ = fn.__name__
    return call


def _atleast(fn: Callable[..., Any]) -> Callable[..., Any]:
    """np.atleast_1d/2d/3d (*arys): a LogArray for one operand, a tuple for several."""

    def call(*arys: Any) -> Any:
        results = tuple(_map(_as_logarray(a), fn) for a in arys)
        return results[0] if len(results) == 1 else results

    call.__name__ = fn.__name__
    return call


def _broadcast_arrays(*args: Any, subok: bool = False) -> tuple[LogArray, ...]:
    items = [_as_logarray(a) for a in args]
    shape = np.broadcast_shapes(*(item.shape for item in items))
    return tuple(_map(item, np.broadcast_to, shape) for item in items)


def _meshgrid(*xi: Any, **kwargs: Any) -> tuple[LogArray, ...]:
    items = [_as_logarray(x) for x in xi]
    if any(_on_device(item) for item in items):
        return tuple(_moved(items, lambda positions: list(np.meshgrid(*positions, **kwargs))))
    logs = np.meshgrid(*(item._log for item in items), **kwargs)
    negs = np.meshgrid(*(_neg_or_false(item) for item in items), **kwargs)
    return tuple(
        LogArray._from_parts(log, None if item._neg is None else neg) for log, neg, item in zip(logs, negs, items)
    )


def _where(condition: Any, x: Any = _MISSING, y: Any = _MISSING, /) -> Any:
    if x is _MISSING and y is _MISSING:
        mask = _mask(condition)
        return tuple(_namespace(mask).nonzero(mask)) if _array._is_device_array(mask) else np.nonzero(mask)
    if x is _MISSING or y is _MISSING:
        raise ValueError("either both or neither of x and y should be given")
    x, y = _operand(x), _operand(y)
    if _device_among((x, y, condition)) is not None:
        return _device_where(condition, x, y)
    (lx, nx), (ly, ny) = _raw(x), _raw(y)
    cond = _mask(condition)
    log = np.where(cond, lx, ly)
    dtype = _array._result_dtype(x, y)
    neg = None
    if nx is not None or ny is not None:
        neg = np.where(cond, False if nx is None else nx, False if ny is None else ny)
    return _array._wrap(log, neg, dtype)


def _device_where(condition: Any, x: Any, y: Any) -> LogArray:
    """np.where with torch or JAX logs: the library's ``where`` on logs and signs."""
    like = _device_among((x, y, condition))
    if like is None:
        like = next(c for c in (condition, x, y) if _array._is_device_array(c))
    xp = _backends.namespace(like)
    cond = _mask(condition)
    if not _array._is_device_array(cond):
        cond = _array._put(np.asarray(cond), like)
    (lx, nx), (ly, ny) = (_array._device_raw(v, like) for v in (x, y))
    lx, ly = (_array._as_device_logs(v, like) for v in (lx, ly))
    log = xp.where(cond, lx, ly)
    if nx is None and ny is None:
        return _array._device_wrap(log, None)
    nx, ny = (_array._device_mask(False if n is None else n, log) for n in (nx, ny))
    return _array._device_wrap(log, xp.where(cond, nx, ny))


def _select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> LogArray:
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    result = default
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        result = _where(cond, choice, result)
    return result


def _choose(a: Any, choices: Sequence[Any], out: Any = None, mode: Any = "raise") -> Any:
    if isinstance(a, (LogArray, LogFloat)):
        raise TypeError("numpy.choose takes integer indices, not log-domain numbers, as its first argument")
    operands = [_operand(c) for c in choices]
    if _device_among(operands) is not None:
        chosen = _moved([_as_logarray(c) for c in operands], lambda p: np.choose(a, p, mode=mode))
        return _store(chosen, out, "numpy.choose")
    raws = [_raw(c) for c in operands]  # Python numbers stay weak, as in numpy
    log = np.choose(a, [lg for lg, _ in raws], mode=mode)
    neg = None
    if any(ng is not None for _, ng in raws):
        neg = np.choose(a, [False if ng is None else ng for _, ng in raws], mode=mode)
    return _store(_array._wrap(log, neg, _array._result_dtype(*operands)), out, "numpy.choose")


def _shape_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A numpy function that only moves elements: apply it to logs and signs."""

    def call(a: Any, *args: Any, **kwargs: Any) -> LogArray:
        return _map(_as_logarray(a), fn, *args, **kwargs)

    call.__name__ = fn.__name__
    return call


def _copy(a: Any, order: str = "K", subok: bool = False) -> LogArray:
    base = _as_logarray(a)
    return base.copy() if _on_device(base) else base._map(np.copy, order=order)


def _take(a: Any, indices: Any, axis: Any = None, out: Any = None, mode: Any = "raise") -> Any:
    base = _as_logarray(a)
    if _on_device(base):
        if _array._is_device_array(indices):
            source, along = (base.reshape(-1), 0) if axis is None else (base, axis)
            result = _map_native(source, "take", indices, axis=along)
        else:
            result = _moved([base], lambda p: np.take(p[0], indices, axis=axis, mode=mode))
        return _store(result, out, "numpy.take")
    log = np.take(base._log, indices, axis=axis, mode=mode)
    neg = None if base._neg is None else np.take(base._neg, indices, axis=axis, mode=mode)
    return _store(_array._reduced(log, neg, base.dtype), out, "numpy.take")


def _take_along_axis(arr: Any, indices: Any, axis: Any = -1) -> LogArray:
    base = _as_logarray(arr)
    if _on_device(base) and _array._is_device_array(indices):
        if axis is None:
            base, axis = base.reshape(-1), 0
        return _map_native(base, "take_along_axis", indices, axis=axis)
    return _map(base, np.take_along_axis, indices, axis=axis)


def _map_native(a: LogArray, name: str, *args: Any, **kwargs: Any) -> LogArray:
    """The library's own function ``name`` (array API) on the logs and signs of a torch or JAX LogArray."""
    fn = getattr(_backends.namespace(a._log), name)
    return LogArray._from_parts(fn(a._log, *args, **kwargs), None if a._neg is None else fn(a._neg, *args, **kwargs))


def _following(a: LogArray, *others: Any) -> LogArray:
    """``a``, moved beside the torch or JAX logs among ``others`` if it is not on such a library itself."""
    like = None if _on_device(a) else _device_among(others)
    return a if like is None else LogArray._from_parts(*_to_device_parts(a, like))


def _host_mask(mask: Any) -> Any:
    """A boolean mask as an ndarray (a torch or JAX mask is moved to the host: it sets a result's shape)."""
    return _array._to_host(mask) if _array._is_device_array(mask) else mask


def _compress(condition: Any, a: Any, axis: Any = None, out: Any = None) -> Any:
    mask, base = _host_mask(_mask(condition)), _following(_as_logarray(a), condition)
    return _store(_map(base, lambda x: np.compress(mask, x, axis=axis)), out, "numpy.compress")


def _extract(condition: Any, arr: Any) -> LogArray:
    mask, base = _host_mask(_mask(condition)), _following(_as_logarray(arr), condition)
    return _map(base, lambda x: np.extract(mask, x))


def _insert(arr: Any, obj: Any, values: Any, axis: Any = None) -> LogArray:
    base, new = _as_logarray(arr), _as_logarray(values)
    if _on_device(base) or _on_device(new):
        return _moved([base, new], lambda p: np.insert(p[0], obj, p[1], axis=axis))
    log = np.insert(base._log, obj, new._log, axis=axis)
    if base._neg is None and new._neg is None:
        return LogArray._from_parts(log, None)
    return LogArray._from_parts(log, np.insert(_neg_or_false(base), obj, _neg_or_false(new), axis=axis))


def _append(arr: Any, values: Any, axis: Any = None) -> LogArray:
    base, new = _as_logarray(arr), _as_logarray(values)
    if axis is None:
        base, new, axis = base.reshape(-1), new.reshape(-1), 0
    return _join([base, new], np.concatenate, axis=axis)


def _tri(upper: bool) -> Callable[..., Any]:
    """np.tril, np.triu: zeros (log -inf) outside the triangle."""

    def call(m: Any, k: int = 0) -> LogArray:
        a = _as_logarray(m)
        shape = a.shape[-2:] if a.ndim >= 2 else (a.shape[-1], a.shape[-1])
        mask = np.tri(shape[0], shape[1], k=k - 1 if upper else k, dtype=bool)
        if upper:
            mask = ~mask
        if _on_device(a):
            return _moved([a, _device_constant(0.0, a)], lambda p: np.where(mask, p[0], p[1]))
        log = np.where(mask, a._log, np.asarray(-_INF, a.dtype))
        neg = None if a._neg is None else np.where(mask, a._neg, False)
        return LogArray._from_parts(log, neg)

    call.__name__ = "triu" if upper else "tril"
    return call


def _diag(v: Any, k: int = 0) -> LogArray:
    a = _as_logarray(v)
    if a.ndim != 1:
        return _map(a, np.diag, k)
    inside = np.diag(np.ones(a.size, bool), k)
    if _on_device(a):
        return _moved([a, _device_constant(0.0, a)], lambda p: np.where(inside, np.diag(p[0], k), p[1]))
    log = np.where(inside, np.diag(a._log, k), np.asarray(-_INF, a.dtype))
    return LogArray._from_parts(log, None if a._neg is None else np.diag(a._neg, k))


def _diagflat(v: Any, k: int = 0) -> LogArray:
    return _diag(_as_logarray(v).reshape(-1), k)


def _shape_only(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A numpy function that uses only the shape of its array argument."""

    def call(arr: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(_shape_stand_in(_as_logarray(arr)), *args, **kwargs)

    call.__name__ = fn.__name__
    return call


def _shape_stand_in(a: LogArray) -> Any:
    """An ndarray of the shape of ``a``, where only the shape is read (the logs themselves on numpy)."""
    return np.broadcast_to(np.zeros((), dtype=bool), tuple(a.shape)) if _on_device(a) else a._log


def _einsum_path(*operands: Any, **kwargs: Any) -> Any:
    subscripts, *arrays = operands
    return np.einsum_path(subscripts, *(_shape_stand_in(_as_logarray(a)) for a in arrays), **kwargs)


def _pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> LogArray:
    a = _as_logarray(array)
    if mode in ("constant", "empty"):
        _unsupported("numpy.pad", **{k: (v, _MISSING) for k, v in kwargs.items() if k != "constant_values"})
        value = _as_logarray(kwargs.get("constant_values", 0.0) if mode == "constant" else 0.0)
        if _on_device(a) or _on_device(value):
            return _moved([a, value], lambda p: np.pad(p[0], pad_width, mode="constant", constant_values=p[1]))
        log = np.pad(a._log, pad_width, mode="constant", constant_values=value._log)
        if a._neg is None and value._neg is None:
            return LogArray._from_parts(log, None)
        neg = np.pad(_neg_or_false(a), pad_width, mode="constant", constant_values=_neg_or_false(value))
        return LogArray._from_parts(log, neg)
    if mode in ("edge", "wrap") or (mode in ("reflect", "symmetric") and kwargs.get("reflect_type", "even") == "even"):
        return _map(a, np.pad, pad_width, mode=mode, **kwargs)
    raise TypeError(
        f"numpy.pad with mode={mode!r} is not supported on LogArray: only the modes that copy elements "
        "(constant, edge, wrap, reflect, symmetric with reflect_type='even') are"
    )


def _diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = _MISSING, append: Any = _MISSING) -> LogArray:
    base = _as_logarray(a)
    if n == 0:
        return base
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    if base.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis_index(axis, base.ndim)
    pieces = []
    for extra in (prepend, base, append):
        if extra is base:
            pieces.append(base)
        elif extra is not _MISSING:
            edge = _as_logarray(extra)
            if edge.ndim == 0:
                shape = list(base.shape)
                shape[axis] = 1
                edge = _map(edge, np.broadcast_to, tuple(shape))
            pieces.append(edge)
    if len(pieces) > 1:
        base = _join(pieces, np.concatenate, axis=axis)
    later = [slice(None)] * base.ndim
    earlier = [slice(None)] * base.ndim
    later[axis], earlier[axis] = slice(1, None), slice(None, -1)
    for _ in range(n):
        base = _array.subtract(base[tuple(later)], base[tuple(earlier)])
    return base


def _ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> LogArray:
    flat = _as_logarray(ary).reshape(-1)
    pieces = [_array.subtract(flat[1:], flat[:-1])]
    if to_begin is not None:
        pieces.insert(0, _as_logarray(to_begin).reshape(-1))
    if to_end is not None:
        pieces.append(_as_logarray(to_end).reshape(-1))
    # As numpy: the result has the dtype of ``ary``.
    if len(pieces) == 1:
        return pieces[0]
    joined = _join(pieces, np.concatenate)
    return joined if joined.dtype == flat.dtype else joined.astype(flat.dtype)


def _like(fill: float) -> Callable[..., LogArray]:
    """np.zeros_like, np.ones_like, np.empty_like (zeros): same shape, dtype and signedness."""

    def call(
        a: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None, *, device: Any = None
    ) -> LogArray:
        base = _as_logarray(a)
        if _on_device(base):
            like = base if dtype is None else base.astype(dtype)
            return _device_full(base.shape if shape is None else shape, fill, like, base.signed)
        return LogArray.full(
            base.shape if shape is None else shape, fill, dtype=dtype or base.dtype, signed=base.signed
        )

    return call


def _full_like(
    a: Any,
    fill_value: Any,
    dtype: Any = None,
    order: str = "K",
    subok: bool = True,
    shape: Any = None,
    *,
    device: Any = None,
) -> LogArray:
    base = _as_logarray(a)
    signed = True if base.signed else None
    if _on_device(base):
        like = base if dtype is None else base.astype(dtype)
        return _device_full(base.shape if shape is None else shape, fill_value, like, base.signed)
    return LogArray.full(base.shape if shape is None else shape, fill_value, dtype=dtype or base.dtype, signed=signed)


def _astype(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> LogArray:
    a = _as_logarray(x)
    if not copy and np.dtype(dtype) == _numpy_dtype(a):
        return a
    return a.astype(dtype)


def _numpy_dtype(a: LogArray) -> np.dtype[Any]:
    """The dtype of the logs of ``a`` as a numpy dtype (torch has its own dtype objects)."""
    dtype = a._log.dtype
    return dtype if isinstance(dtype, np.dtype) else np.dtype(str(dtype).rpartition(".")[2])


def _sort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None, *, stable: Any = None) -> LogArray:
    base = _as_logarray(a)
    if axis is None:
        base, axis = base.ravel(), -1
    index = base.argsort(axis=axis, kind="stable" if stable else kind)
    return _take_along_axis(base, index, axis=axis)


def _argsort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None, *, stable: Any = None) -> Any:
    return _as_logarray(a).argsort(axis=axis, kind="stable" if stable else kind)


def _argpartition(a: Any, kth: Any, axis: Any = -1, kind: str = "introselect", order: Any = None) -> Any:
    base = _as_logarray(a)
    if _on_device(base):  # a full sort is a partition around every kth
        return base.argsort(axis=axis)
    return base.argpartition(kth, axis=axis)


def _partition(a: Any, kth: Any, axis: Any = -1, kind: str = "introselect", order: Any = None) -> LogArray:
    base = _as_logarray(a)
    if axis is None:
        base, axis = base.ravel(), -1
    return _take_along_axis(base, _argpartition(base, kth, axis=axis), axis=axis)


def _sign_band(log: Any, neg: Any) -> Any:
    """-1 for negative numbers, 0 for zero, 1 for positive, 2 for nan: numpy's sort order."""
    log = np.asarray(log)
    band = np.where(log == -_INF, 0, 1)
    if neg is not None:
        band = np.where(np.asarray(neg) & (log > -_INF), -1, band)
    return np.where(np.isnan(log), 2, band)


def _searchsorted(a: Any, v: Any, side: Any = "left", sorter: Any = None) -> Any:
    """Search a sorted 1-D LogArray, exactly: by sign band, then by log."""
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right' (got {side!r})")
    base = _as_logarray(a)
    if base.ndim != 1:
        raise ValueError("object too deep for desired array")
    if sorter is not None:
        base = _take(base, sorter)
    needles = _as_logarray(v)
    if _on_device(base) or _on_device(needles):
        return _device_searchsorted(base, needles, side)
    band_a, band_v = _sign_band(base._log, base._neg), _sign_band(needles._log, needles._neg)
    with np.errstate(invalid="ignore"):
        key_a = np.where(band_a < 0, -base._log, base._log)
        key_v = np.where(band_v < 0, -needles._log, needles._log)
    bands = np.arange(-1, 3)
    starts, ends = np.searchsorted(band_a, bands, "left"), np.searchsorted(band_a, bands, "right")
    result = np.empty(needles.shape, dtype=np.intp)
    for band, start, end in zip(bands, starts, ends):
        chosen = band_v == band
        if band in (-1, 1):
            result[chosen] = start + np.searchsorted(key_a[start:end], key_v[chosen], side=side)
        else:
            result[chosen] = start if side == "left" else end
    return result[()] if result.ndim == 0 else result


def _device_searchsorted(base: LogArray, needles: LogArray, side: str) -> Any:
    """searchsorted with torch or JAX logs: the library's own on the logs of unsigned numbers, else by counting.

    Of a sorted array, the left insertion point of v is the number of
    elements below it (right: not above it): comparisons of log-domain
    numbers, exact, in the library.
    """
    like = _array._device_of(base, needles)
    xp = _backends.namespace(like)
    if base._neg is None and needles._neg is None:
        (sorted_logs, _), (logs, _) = (_to_device_parts(x, like) for x in (base, needles))
        flat = xp.reshape(logs, (-1,))
        return xp.reshape(xp.searchsorted(sorted_logs, flat, side=side), tuple(needles.shape))
    column = needles.reshape(tuple(needles.shape) + (1,))
    before = _array.less(base, column) if side == "left" else _array.less_equal(base, column)
    return xp.sum(xp.astype(before, xp.int64), axis=-1)


def _clip(
    a: Any,
    a_min: Any = _MISSING,
    a_max: Any = _MISSING,
    out: Any = None,
    *,
    min: Any = _MISSING,
    max: Any = _MISSING,
    **kwargs: Any,
) -> Any:
    _unsupported("numpy.clip", **{k: (v, _MISSING) for k, v in kwargs.items()})
    if min is not _MISSING:
        if a_min is not _MISSING:
            raise TypeError("clip: pass either a_min or min, not both")
        a_min = min
    if max is not _MISSING:
        if a_max is not _MISSING:
            raise TypeError("clip: pass either a_max or max, not both")
        a_max = max
    result = _as_logarray(a)
    if a_min is not _MISSING and a_min is not None:
        result = _array.maximum(result, _operand(a_min))
    if a_max is not _MISSING and a_max is not None:
        result = _array.minimum(result, _operand(a_max))
    if result is a:
        result = result.copy()
    return _store(result, out, "numpy.clip")


def _nonzero(a: Any) -> tuple[Any, ...]:
    truth = _truth(a)
    if _array._is_device_array(truth):
        return tuple(_namespace(truth).nonzero(truth))
    return np.nonzero(truth)


def _argwhere(a: Any) -> Any:
    truth = _truth(a)
    if _array._is_device_array(truth):
        return _namespace(truth).stack(_nonzero(a), axis=-1)
    return np.argwhere(truth)


def _flatnonzero(a: Any) -> Any:
    truth = _truth(a)
    if _array._is_device_array(truth):
        return _namespace(truth).nonzero(_namespace(truth).reshape(truth, (-1,)))[0]
    return np.flatnonzero(truth)


def _isinf_signed(negative: bool) -> Callable[..., Any]:
    """np.isposinf, np.isneginf."""

    def call(x: Any, out: Any = None) -> Any:
        x = _operand(x)
        if _on_device(x):
            infinite = x._log == _INF
            signs = _neg_or_false(x)
            result = infinite & (signs if negative else ~signs)
            return _store(result, out, "numpy.isneginf" if negative else "numpy.isposinf")
        log, neg = _raw(x)
        infinite = _backends.asarray(log) == _INF
        neg = np.zeros_like(infinite) if neg is None else np.broadcast_to(neg, infinite.shape)
        result = _bools(infinite & (neg if negative else ~neg))
        return _store(result, out, "numpy.isneginf" if negative else "numpy.isposinf")

    call.__name__ = "isneginf" if negative else "isposinf"
    return call


def _memory(fn: Callable[..., Any]) -> Callable[..., Any]:
    """np.shares_memory, np.may_share_memory: on the stored logs and signs."""

    def parts(x: Any) -> list[Any]:
        if isinstance(x, LogArray):
            return [p for p in (x._log, x._neg) if p is not None]
        return [x]

    def same_storage(x: Any, y: Any) -> bool:
        devices = _array._is_device_array(x) and _array._is_device_array(y)
        return devices and bool(x.untyped_storage().data_ptr() == y.untyped_storage().data_ptr())

    def call(a: Any, b: Any, /, max_work: Any = None) -> bool:
        if _device_among((a, b)) is not None:  # torch (JAX is refused): tensors on one storage
            return any(same_storage(x, y) for x in parts(a) for y in parts(b))
        kw = {} if max_work is None else {"max_work": max_work}
        return any(fn(x, y, **kw) for x in parts(a) for y in parts(b))

    call.__name__ = fn.__name__
    return call


def _assign_into(name: str, target: Any, values: Any, apply: Callable[[Any, Any], Any]) -> None:
    """An in-place numpy function on a LogArray target: on its logs and signs alike."""
    if not isinstance(target, LogArray):
        raise TypeError(f"{name}: the target must be a LogArray to take log-domain numbers; convert with a.to_numpy()")
    if _on_device(target) or _on_device(values):
        _assign_on_device(name, target, _as_logarray(values), apply)
        return
    new = _as_logarray(values).astype(target.dtype)
    if target._neg is None and new._neg is not None and np.any(new._neg & (new._log > -_INF)):
        raise ValueError(
            f"{name}: cannot assign negative values to an unsigned LogArray; make a signed one with "
            "LogArray(values, signed=True) or a.as_signed()"
        )
    apply(target._log, new._log)
    if target._neg is not None:
        apply(target._neg, _neg_or_false(new))


def _assign_on_device(name: str, target: LogArray, new: LogArray, apply: Callable[[Any, Any], Any]) -> None:
    """``apply`` on a torch or JAX target, through its index map: written into torch tensors, rebound on JAX.

    ``apply`` runs on positions: the target's are -1, the values' their flat
    indices, so afterwards each entry says which value (if any) lands there.
    """
    if not _on_device(target):
        raise TypeError(f"{name}: the target of torch or JAX values must be a LogArray of that library")
    new = _beside(new, target._log)
    landed = np.full(tuple(target.shape), -1, dtype=np.int64)
    apply(landed, np.arange(math.prod(new.shape)).reshape(tuple(new.shape)))
    chosen = landed >= 0
    placed = _moved([new], lambda p: np.where(chosen, landed, 0))
    if target._neg is None and placed._neg is not None:
        negative = placed._neg & (placed._log > -_INF) & _array._put(chosen, target._log)
        if not _known_false(negative):
            raise ValueError(
                f"{name}: cannot assign negative values to an unsigned LogArray; make a signed one with "
                "LogArray(values, signed=True) or a.as_signed()"
            )
    result = _device_where(chosen, placed, target)
    target._assign_on_device(result if target._neg is not None else LogArray._from_parts(result._log, None), name)


def _copyto(dst: Any, src: Any, casting: str = "same_kind", where: Any = True) -> None:
    source = _as_logarray(src)
    if isinstance(dst, LogArray):
        source = _map(source, np.broadcast_to, tuple(dst.shape))
    if where is True:
        _assign_into("numpy.copyto", dst, source, lambda d, s: np.copyto(d, s, casting="unsafe"))
    else:
        mask = np.broadcast_to(_host_mask(_mask(where)), tuple(dst.shape) if isinstance(dst, LogArray) else ())
        _assign_into("numpy.copyto", dst, source, lambda d, s: np.copyto(d, s, casting="unsafe", where=mask))


def _put(a: Any, ind: Any, v: Any, mode: Any = "raise") -> None:
    _assign_into("numpy.put", a, v, lambda d, s: np.put(d, ind, s, mode=mode))


def _putmask(a: Any, mask: Any, values: Any) -> None:
    chosen = _host_mask(_mask(mask))
    _assign_into("numpy.putmask", a, values, lambda d, s: np.putmask(d, chosen, s))


def _place(arr: Any, mask: Any, vals: Any) -> None:
    chosen = _host_mask(_mask(mask))
    _assign_into("numpy.place", arr, vals, lambda d, s: np.place(d, chosen, s))


def _put_along_axis(arr: Any, indices: Any, values: Any, axis: Any) -> None:
    _assign_into("numpy.put_along_axis", arr, values, lambda d, s: np.put_along_axis(d, indices, s, axis))


def _fill_diagonal(a: Any, val: Any, wrap: bool = False) -> None:
    _assign_into("numpy.fill_diagonal", a, val, lambda d, s: np.fill_diagonal(d, s, wrap=wrap))


def _isclose(a: Any, b: Any, rtol: Any = 1e-05, atol: Any = 1e-08, equal_nan: bool = False) -> Any:
    """numpy.isclose on the values: ``|a - b| <= atol + rtol * |b|``, in log space.

    As numpy: infinities are close only to themselves, nan to nothing unless
    ``equal_nan``. The linear ``atol`` makes every value below it close to zero
    and to every other tiny value; pass ``atol=0`` to compare tiny numbers.
    """
    x, y = _operand(a), _operand(b)
    like = _device_among((x, y))
    if like is not None:
        x, y = _beside(x, like), _beside(y, like)
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = _array.absolute(_array.subtract(x, y))
        bound = _array.add(_operand(atol), _array.multiply(_operand(rtol), _array.absolute(y)))
        close = (_array.less_equal(diff, bound) & _array.isfinite(y)) | _array.equal(x, y)
    if equal_nan:
        close = close | (_array.isnan(x) & _array.isnan(y))
    return _bools(close)


def _allclose(a: Any, b: Any, rtol: Any = 1e-05, atol: Any = 1e-08, equal_nan: bool = False) -> bool:
    """numpy.allclose on the values; see :func:`_isclose` about the linear ``atol``."""
    close = _isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return bool(_namespace(close).all(close))


def _array_equal(a1: Any, a2: Any, equal_nan: bool = False) -> bool:
    x, y = _as_logarray(a1), _as_logarray(a2)
    if tuple(x.shape) != tuple(y.shape):
        return False
    same = _array.equal(x, y)
    if equal_nan:
        same = same | (_array.isnan(x) & _array.isnan(y))
    return bool(_namespace(same).all(same))


def _array_equiv(a1: Any, a2: Any) -> bool:
    x, y = _as_logarray(a1), _as_logarray(a2)
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        return False
    same = _array.equal(x, y)
    return bool(_namespace(same).all(same))


def _real(val: Any) -> Any:
    return _as_logarray(val)


def _imag(val: Any) -> LogArray:
    base = _as_logarray(val)
    if _on_device(base):
        return _device_full(base.shape, 0.0, base, signed=False)
    return LogArray.zeros(base.shape, dtype=base.dtype)


def _elementwise_bool(value: bool) -> Callable[..., Any]:
    def call(x: Any) -> Any:
        base = _as_logarray(x)
        if _on_device(base):
            return _array._device_mask(value, base._log)
        return _bools(np.full(base.shape, value))

    call.__name__ = "isreal" if value else "iscomplex"
    return call


def _real_if_close(a: Any, tol: Any = 100) -> LogArray:
    return _as_logarray(a)


# ---------------------------------------------------------------------------
# einsum in the log semiring
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _einsum_terms(subscripts: str, ndims: tuple[int, ...]) -> tuple[tuple[str, ...], str]:
    """Input terms and output with every axis named ('...' expanded), for operands of ``ndims`` dimensions."""
    subscripts = subscripts.replace(" ", "")
    inputs_part, arrow, output = subscripts.partition("->")
    terms = inputs_part.split(",")
    if len(terms) != len(ndims):
        raise ValueError(f"einsum: {len(terms)} subscripts but {len(ndims)} operands")
    for label in subscripts.replace("...", "").replace(",", "").replace("->", ""):
        if label not in string.ascii_letters:
            raise ValueError(f"einsum: invalid subscript {label!r}")
    free = [c for c in string.ascii_letters if c not in subscripts]
    widths = []
    for term, ndim in zip(terms, ndims):
        if "..." in term:
            width = ndim - (len(term) - 3)
            if width < 0 or term.count("...") > 1:
                raise ValueError(f"einsum: subscripts {term!r} do not fit an operand of {ndim} dimensions")
            widths.append(width)
    ellipsis = "".join(free[: max(widths, default=0)])
    terms = [
        term.replace("...", ellipsis[len(ellipsis) - ndim + len(term) - 3 :]) if "..." in term else term
        for term, ndim in zip(terms, ndims)
    ]
    if arrow:
        if "..." in output:
            output = output.replace("...", ellipsis)
        elif ellipsis:
            raise ValueError(
                "output has more dimensions than subscripts given in einstein sum, but no '...' ellipsis "
                "provided to broadcast the extra dimensions."
            )
    else:
        named = "".join(terms).translate({ord(c): None for c in ellipsis})
        output = ellipsis + "".join(sorted(c for c in set(named) if named.count(c) == 1))
    if len(set(output)) != len(output) or any(c not in "".join(terms) for c in output):
        raise ValueError(f"einsum: invalid output subscripts {output!r}")
    return tuple(terms), output


def _einsum(*operands: Any, out: Any = None, optimize: Any = False, **kwargs: Any) -> Any:
    """einsum in the log semiring: products are sums of logs, sums are log-sum-exps.

    The operands are contracted two at a time along numpy's own
    ``np.einsum_path``, each step a (batched) log-matmul through ``@``: a
    single log-domain contraction would materialise every index at once.
    numpy's default ``optimize=False`` takes the greedy path here too;
    ``optimize='optimal'``, ``'greedy'`` or an explicit path
    (``['einsum_path', (0, 1), ...]``) is used as given.
    """
    subscripts, *arrays = operands
    if not isinstance(subscripts, str):
        raise TypeError("numpy.einsum on LogArrays takes a subscripts string (not the sublist form)")
    _unsupported("numpy.einsum", **{k: (v, _MISSING) for k, v in kwargs.items() if not (k == "dtype" and v is None)})
    items = [_as_logarray(a) for a in arrays]
    terms, output = _einsum_terms(subscripts, tuple(item.ndim for item in items))
    dtype = _array._result_dtype(*(item._log for item in items))
    sizes: dict[str, int] = {}
    parts: list[tuple[str, Any, Any]] = []
    for term, item in zip(terms, items):
        log, neg = item._log, item._neg
        if log.ndim != len(term):
            raise ValueError(f"einsum: operand has {log.ndim} dimensions but subscripts {term!r}")
        unique = "".join(dict.fromkeys(term))
        if unique != term:  # repeated index: take the diagonal, no summation
            log = np.einsum(f"{term}->{unique}", log)
            neg = None if neg is None else np.einsum(f"{term}->{unique}", neg.astype(np.int8)).astype(bool)
        for c, n in zip(unique, log.shape):
            known = sizes.setdefault(c, n)
            if known != n and n != 1 and known != 1:
                raise ValueError(f"einsum: size of label {c!r} does not match ({known} vs {n})")
            sizes[c] = max(known, n)
        parts.append((unique, log, neg))
    # The user's own operands (unsigned, multiplied as they are): a step that
    # multiplies one reuses its @ cache of exponentials.
    origins = [item if item._neg is None and log is item._log else None for item, (_, log, _) in zip(items, parts)]
    path = _einsum_contraction_path(parts, output, optimize)
    steps, final = _einsum_plan(
        tuple(term for term, _, _ in parts),
        tuple(log.shape for _, log, _ in parts),
        output,
        tuple(sorted(sizes.items())),
        tuple(tuple(step) for step in path),
    )
    state = [(log, neg, origin) for (_, log, neg), origin in zip(parts, origins)]
    for chosen_indices, first_sum, pairs in steps:
        chosen = [state[i] for i in chosen_indices]
        state = [part for i, part in enumerate(state) if i not in chosen_indices]
        result = _einsum_reduce(chosen[0], first_sum)
        for other, (other_sum, pair) in zip(chosen[1:], pairs):
            result = _einsum_pair(result, _einsum_reduce(other, other_sum), pair)
        state.append(result)
    ((log, neg, _),) = state
    final_sum, order, shape = final
    log, neg, _ = _einsum_reduce((log, neg, None), final_sum)
    log = np.broadcast_to(log.transpose(order), shape).copy()
    if neg is not None:
        neg = np.broadcast_to(neg.transpose(order), log.shape).copy()
    return _store(_array._reduced(log, neg, dtype), out, "numpy.einsum")


def _einsum_contraction_path(parts: list[tuple[str, Any, Any]], output: str, optimize: Any) -> list[tuple[int, ...]]:
    """numpy's contraction order for these operands (greedy unless told otherwise)."""
    if len(parts) == 1:
        return [(0,)]
    if optimize is False or optimize is True:
        optimize = "greedy"
    spec = ",".join(term for term, _, _ in parts) + "->" + output
    if isinstance(optimize, str):  # a pure function of the shapes: remembered
        return _named_path(spec, tuple(log.shape for _, log, _ in parts), optimize)
    path, _ = np.einsum_path(spec, *(log for _, log, _ in parts), optimize=optimize)  # only their shapes are read
    return [tuple(step) for step in path[1:]]


@functools.lru_cache(maxsize=256)
def _named_path(spec: str, shapes: tuple[tuple[int, ...], ...], optimize: str) -> list[tuple[int, ...]]:
    path, _ = np.einsum_path(spec, *(np.broadcast_to(np.zeros(()), shape) for shape in shapes), optimize=optimize)
    return [tuple(step) for step in path[1:]]


# One pairwise contraction, worked out from the labels and shapes alone: for
# each operand the axis order, the broadcast shape and the 2- or 3-axis
# shape it is reshaped to, whether its @ cache applies; then the result's
# labels and shape. A sum-out is (axes, labels kept), or None for none.
_Arrangement = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], bool]
_Pair = tuple[_Arrangement, _Arrangement, str, tuple[int, ...]]
_SumOut = tuple[tuple[int, ...], str] | None
_Step = tuple[tuple[int, ...], _SumOut, list[tuple[_SumOut, _Pair]]]
_Final = tuple[_SumOut, list[int], tuple[int, ...]]


@functools.lru_cache(maxsize=256)
def _einsum_plan(
    terms: tuple[str, ...],
    shapes: tuple[tuple[int, ...], ...],
    output: str,
    sizes_items: tuple[tuple[str, int], ...],
    path: tuple[tuple[int, ...], ...],
) -> tuple[list[_Step], _Final]:
    """Every step of the contraction along ``path``, from labels and shapes: the same for every call of one einsum.

    The arrays' part, :func:`_einsum_reduce` and :func:`_einsum_pair`, then
    does only the arithmetic, with no label bookkeeping.
    """
    sizes = dict(sizes_items)
    parts = list(zip(terms, shapes))
    steps: list[_Step] = []
    for step in path:
        chosen = [parts[i] for i in step]
        parts = [part for i, part in enumerate(parts) if i not in step]
        needed = set(output).union(*(term for term, _ in parts))
        first_sum, result = _einsum_sum_plan(chosen[0], needed | set().union(*(t for t, _ in chosen[1:])))
        pairs: list[tuple[_SumOut, _Pair]] = []
        for position in range(1, len(chosen)):
            keep = needed.union(*(t for t, _ in chosen[position + 1 :]))
            other_sum, other = _einsum_sum_plan(chosen[position], keep | set(result[0]))
            pair = _einsum_pair_plan(result, other, keep, sizes)
            pairs.append((other_sum, pair))
            result = (pair[2], pair[3])
        steps.append((tuple(step), first_sum, pairs))
        parts.append(result)
    ((term, shape),) = parts
    final_sum, (term, shape) = _einsum_sum_plan((term, shape), set(output))
    return steps, (final_sum, [term.index(c) for c in output], tuple(sizes[c] for c in output))


def _einsum_sum_plan(part: tuple[str, tuple[int, ...]], keep: set[str]) -> tuple[_SumOut, tuple[str, tuple[int, ...]]]:
    """The sum-out of the indices of one operand that nothing else needs, and the operand after it."""
    term, shape = part
    axes = tuple(i for i, c in enumerate(term) if c not in keep)
    if not axes:
        return None, part
    kept = "".join(c for c in term if c in keep)
    return (axes, kept), (kept, tuple(n for i, n in enumerate(shape) if i not in axes))


def _einsum_reduce(part: tuple[Any, Any, Any], sum_out: _SumOut) -> tuple[Any, Any, Any]:
    """Sum (log-sum-exp) over the planned axes of one operand (log, neg, origin); it is no user operand after."""
    if sum_out is None:
        return part
    log, neg, _ = part
    axes = sum_out[0]
    if neg is None:
        return np.asarray(_kernels.logsumexp(log, axis=axes)), None, None
    total, sign = _kernels.logsumexp(log, axis=axes, b=np.where(neg, -1.0, 1.0), return_sign=True)
    return np.asarray(total), np.asarray(sign) < 0, None


def _einsum_pair_plan(
    left: tuple[str, tuple[int, ...]], right: tuple[str, tuple[int, ...]], keep: set[str], sizes: dict[str, int]
) -> _Pair:
    """A (batched) log-matmul over the shared indices that are not kept: batch, rows, summed, columns."""
    ta, shape_a = left
    tb, shape_b = right
    batch = [c for c in ta if c in tb and c in keep]
    summed = [c for c in ta if c in tb and c not in keep]
    only_a = [c for c in ta if c not in tb]
    only_b = [c for c in tb if c not in ta]
    groups_a = [batch, only_a, summed] if batch else [only_a, summed]
    groups_b = [batch, summed, only_b] if batch else [summed, only_b]

    def arrangement(term: str, shape: tuple[int, ...], groups: list[list[str]]) -> _Arrangement:
        order = tuple(term.index(c) for group in groups for c in group)
        # Size-1 axes broadcast to the label's size (as numpy's einsum), then group into 2 or 3 axes.
        full = tuple(sizes[c] for group in groups for c in group)
        dims = tuple(math.prod(sizes[c] for c in group) for group in groups)
        # A user's operand multiplied as it is (2-D, axes in order, no broadcast) uses its @ cache.
        cached = len(groups) == 2 and order == tuple(range(len(term))) and shape == full
        return order, full, dims, cached and all(len(group) == 1 for group in groups)

    term = "".join(batch + only_a + only_b)
    return arrangement(ta, shape_a, groups_a), arrangement(tb, shape_b, groups_b), term, tuple(sizes[c] for c in term)


def _einsum_pair(left: tuple[Any, Any, Any], right: tuple[Any, Any, Any], pair: _Pair) -> tuple[Any, Any, Any]:
    """Contract two operands (log, neg, origin) as planned by :func:`_einsum_pair_plan`."""
    (la, na, origin_a), (lb, nb, origin_b) = left, right
    plan_a, plan_b, _, shape = pair

    def arranged(part: Any, plan: _Arrangement) -> Any:
        if part is None:
            return None
        order, full, dims, _ = plan
        part = part.transpose(order)
        if part.shape != full:
            part = np.broadcast_to(part, full)
        return part.reshape(dims)

    x_log, x_neg = arranged(la, plan_a), arranged(na, plan_a)
    y_log, y_neg = arranged(lb, plan_b), arranged(nb, plan_b)
    if x_neg is None and y_neg is None:
        prepared_a = origin_a._prepared_for_matmul("left") if origin_a is not None and plan_a[3] else None
        prepared_b = origin_b._prepared_for_matmul("right") if origin_b is not None and plan_b[3] else None
        log, neg = _kernels.logmatmulexp(x_log, y_log, prepared_a=prepared_a, prepared_b=prepared_b), None
    else:
        product = _array.matmul(LogArray._from_parts(x_log, x_neg), LogArray._from_parts(y_log, y_neg))
        log, neg = product._log, product._neg
    return np.asarray(log).reshape(shape), None if neg is None else np.asarray(neg).reshape(shape), None


# ---------------------------------------------------------------------------
# The function table
# ---------------------------------------------------------------------------


def _result_type(*arrays_and_dtypes: Any) -> np.dtype[Any]:
    """numpy's promotion with each LogArray standing for the dtype of its logs.

    What duck-array libraries (xarray) ask before combining arrays: a
    LogArray combined with a number or array keeps float32 or float64 logs.
    """
    return np.result_type(*(_numpy_dtype(a) if isinstance(a, LogArray) else a for a in arrays_and_dtypes))


def _available(*pairs: tuple[Any, str]) -> list[Any]:
    """The functions ``module.name`` that this numpy has (names come and go)."""
    return [getattr(module, name) for module, name in pairs if hasattr(module, name)]


FUNCTIONS: dict[Callable[..., Any], Callable[..., Any]] = {
    np.result_type: _result_type,
    # reductions
    np.sum: _sum_like("sum"),
    np.prod: _sum_like("prod"),
    np.mean: _mean,
    np.max: _extreme_function(True),
    np.min: _extreme_function(False),
    np.amax: _extreme_function(True),
    np.amin: _extreme_function(False),
    np.argmax: _arg_extreme("argmax"),
    np.argmin: _arg_extreme("argmin"),
    np.ptp: _ptp,
    np.average: _average,
    np.any: _truth_reduction(np.any),
    np.all: _truth_reduction(np.all),
    np.count_nonzero: _count_nonzero,
    np.cumsum: _accumulation("cumsum"),
    np.cumprod: _accumulation("cumprod"),
    np.nansum: _nan_reduction("nansum", "sum", 0.0),
    np.nanprod: _nan_reduction("nanprod", "prod", 1.0),
    np.nanmean: _nanmean,
    np.nanmax: _extreme_function(True, ignore_nan=True),
    np.nanmin: _extreme_function(False, ignore_nan=True),
    np.nanargmax: _nan_arg_extreme(True),
    np.nanargmin: _nan_arg_extreme(False),
    np.nancumsum: _nan_accumulation("nancumsum", "cumsum", 0.0),
    np.nancumprod: _nan_accumulation("nancumprod", "cumprod", 1.0),
    # products and sums of products (log semiring)
    np.dot: _dot,
    np.vdot: _vdot,
    np.inner: _inner,
    np.outer: _outer,
    np.tensordot: _tensordot,
    np.kron: _kron,
    np.einsum: _einsum,
    np.einsum_path: _einsum_path,
    np.trace: _trace,
    np.diff: _diff,
    np.ediff1d: _ediff1d,
    np.linalg.matmul: _matmul_function,
    np.linalg.outer: _linalg_outer,
    np.linalg.tensordot: lambda x1, x2, /, *, axes=2: _tensordot(x1, x2, axes),
    np.linalg.vecdot: _linalg_vecdot,
    np.linalg.multi_dot: _multi_dot,
    np.linalg.matrix_power: _matrix_power,
    np.linalg.trace: _linalg_trace,
    np.linalg.vector_norm: _vector_norm,
    np.linalg.norm: _norm,
    np.linalg.matrix_norm: _matrix_norm,
    # joining and splitting
    np.concatenate: _concatenate,
    np.stack: _stack,
    np.hstack: _stacker(np.hstack),
    np.vstack: _stacker(np.vstack),
    np.dstack: lambda tup: _join(list(tup), np.dstack),
    np.column_stack: lambda tup: _join(list(tup), np.column_stack),
    np.block: _block,
    np.append: _append,
    np.insert: _insert,
    np.split: _parts_function(np.split),
    np.array_split: _parts_function(np.array_split),
    np.hsplit: _parts_function(np.hsplit),
    np.vsplit: _parts_function(np.vsplit),
    np.dsplit: _parts_function(np.dsplit),
    np.broadcast_arrays: _broadcast_arrays,
    np.meshgrid: _meshgrid,
    # moving elements
    np.reshape: _shape_function(np.reshape),
    np.ravel: _shape_function(np.ravel),
    np.transpose: _shape_function(np.transpose),
    np.matrix_transpose: _matrix_transpose,
    np.linalg.matrix_transpose: _matrix_transpose,
    np.moveaxis: _shape_function(np.moveaxis),
    np.rollaxis: _shape_function(np.rollaxis),
    np.swapaxes: _shape_function(np.swapaxes),
    np.squeeze: _shape_function(np.squeeze),
    np.expand_dims: _shape_function(np.expand_dims),
    np.broadcast_to: _shape_function(np.broadcast_to),
    np.atleast_1d: _atleast(np.atleast_1d),
    np.atleast_2d: _atleast(np.atleast_2d),
    np.atleast_3d: _atleast(np.atleast_3d),
    np.flip: _shape_function(np.flip),
    np.fliplr: _shape_function(np.fliplr),
    np.flipud: _shape_function(np.flipud),
    np.roll: _shape_function(np.roll),
    np.rot90: _shape_function(np.rot90),
    np.tile: _shape_function(np.tile),
    np.repeat: _shape_function(np.repeat),
    np.resize: _shape_function(np.resize),
    np.delete: _shape_function(np.delete),
    np.pad: _pad,
    np.diagonal: _shape_function(np.diagonal),
    np.linalg.diagonal: lambda x, /, *, offset=0: _map(_as_logarray(x), np.diagonal, offset, -2, -1),
    np.diag: _diag,
    np.diagflat: _diagflat,
    np.tril: _tri(upper=False),
    np.triu: _tri(upper=True),
    np.copy: _copy,
    np.fft.fftshift: _shape_function(np.fft.fftshift),
    np.fft.ifftshift: _shape_function(np.fft.ifftshift),
    np.lib.stride_tricks.sliding_window_view: _shape_function(np.lib.stride_tricks.sliding_window_view),
    # selecting elements
    np.where: _where,
    np.select: _select,
    np.choose: _choose,
    np.clip: _clip,
    np.take: _take,
    np.take_along_axis: _take_along_axis,
    np.compress: _compress,
    np.extract: _extract,
    np.nonzero: _nonzero,
    np.argwhere: _argwhere,
    np.flatnonzero: _flatnonzero,
    # order
    np.sort: _sort,
    np.argsort: _argsort,
    np.partition: _partition,
    np.argpartition: _argpartition,
    np.searchsorted: _searchsorted,
    # in place
    np.copyto: _copyto,
    np.put: _put,
    np.putmask: _putmask,
    np.place: _place,
    np.put_along_axis: _put_along_axis,
    np.fill_diagonal: _fill_diagonal,
    # new arrays
    np.zeros_like: _like(0.0),
    np.ones_like: _like(1.0),
    np.empty_like: _like(0.0),
    np.full_like: _full_like,
    np.astype: _astype,
    # comparison
    np.isclose: _isclose,
    np.allclose: _allclose,
    np.array_equal: _array_equal,
    np.array_equiv: _array_equiv,
    np.isposinf: _isinf_signed(False),
    np.isneginf: _isinf_signed(True),
    # real numbers
    np.real: _real,
    np.imag: _imag,
    np.real_if_close: _real_if_close,
    np.isreal: _elementwise_bool(True),
    np.iscomplex: _elementwise_bool(False),
    np.isrealobj: lambda x: True,
    np.iscomplexobj: lambda x: False,
    # shape and memory
    np.shape: lambda a: _as_logarray(a).shape,
    np.ndim: lambda a: _as_logarray(a).ndim,
    np.size: lambda a, axis=None: _as_logarray(a).size if axis is None else _as_logarray(a).shape[axis],
    np.shares_memory: _memory(np.shares_memory),
    np.may_share_memory: _memory(np.may_share_memory),
    np.diag_indices_from: _shape_only(np.diag_indices_from),
    np.tril_indices_from: _shape_only(np.tril_indices_from),
    np.triu_indices_from: _shape_only(np.triu_indices_from),
}
for _func, _handler in (
    (getattr(np, "cumulative_sum", None), _cumulative("cumulative_sum", "cumsum", 0.0)),  # numpy >= 2.1
    (getattr(np, "cumulative_prod", None), _cumulative("cumulative_prod", "cumprod", 1.0)),
    (getattr(np, "unstack", None), _parts_function(getattr(np, "unstack", np.split), container=tuple)),
):
    if _func is not None:
        FUNCTIONS[_func] = _handler


# ---------------------------------------------------------------------------
# Refused on purpose
# ---------------------------------------------------------------------------

_LINEAR_ALGEBRA = (
    "linear algebra beyond sums of products (factorizations, inverses, solves, determinants, "
    "cross products) works on linear values, which underflow or overflow where log-domain numbers do not"
)
_LINEAR_NUMERICS = (
    "it computes on linear values (transforms, convolutions, polynomials, interpolation, calculus, "
    "special functions), which underflow or overflow where log-domain numbers do not"
)
_STATISTICS = (
    "statistics that interpolate, bin or square deviations in linear space (median, quantiles, std, var, "
    "covariances, histograms) are not defined for LogArray"
)
_SETS = "sets, uniques and sorting by several keys are not implemented for LogArray yet (they could be)"
_ROUNDING = "it acts on the linear float representation (rounding, float limits, zero trimming)"
_RANGES = (
    "it builds a range of linear values; for a geometric range use "
    "LogArray.from_log(np.linspace(log_start, log_stop, num))"
)
_COMPLEX = "it takes or makes complex numbers, and a LogArray holds real numbers"
_DTYPES = (
    "it is about ndarray dtypes, bits or datetimes; a LogArray is not an ndarray of its values "
    "(a.dtype is the dtype of the stored logs)"
)
_INDICES = "it builds or takes integer indices, which are not log-domain numbers"
_CALLBACKS = "it calls a Python function on ndarray pieces; apply the function to LogArray pieces yourself"
_IO = "saving or formatting an ndarray would go through linear values; use str(a), repr(a), or save a.log and a.sign"
_STRINGS = "it is a string operation"

_REFUSED_NAMES: dict[str, tuple[Any, list[str]]] = {
    _LINEAR_ALGEBRA: (np, "cross".split()),
    _LINEAR_NUMERICS: (
        np,
        (
            "convolve correlate gradient trapezoid interp unwrap i0 sinc vander poly polyadd polyder "
            "polydiv polyfit polyint polymul polysub polyval roots"
        ).split(),
    ),
    _STATISTICS: (
        np,
        (
            "median nanmedian percentile nanpercentile quantile nanquantile std nanstd var nanvar cov "
            "corrcoef histogram histogram2d histogramdd histogram_bin_edges bincount digitize"
        ).split(),
    ),
    _SETS: (
        np,
        (
            "unique unique_all unique_counts unique_inverse unique_values isin intersect1d setdiff1d "
            "setxor1d union1d lexsort"
        ).split(),
    ),
    _ROUNDING: (np, "round around fix nan_to_num trim_zeros".split()),
    _RANGES: (np, "linspace geomspace logspace".split()),
    _COMPLEX: (np, "angle sort_complex".split()),
    _DTYPES: (
        np,
        (
            "can_cast min_scalar_type common_type packbits unpackbits busday_count "
            "busday_offset is_busday datetime_as_string"
        ).split(),
    ),
    _INDICES: (np, "ix_ ravel_multi_index unravel_index".split()),
    _CALLBACKS: (np, "apply_along_axis apply_over_axes piecewise".split()),
    _IO: (np, "save savez savez_compressed savetxt array2string array_repr array_str".split()),
}
_REFUSED_MODULES: tuple[tuple[str, Any, list[str]], ...] = (
    (
        _LINEAR_ALGEBRA,
        np.linalg,
        (
            "cholesky cond cross det eig eigh eigvals eigvalsh inv lstsq matrix_rank pinv qr slogdet "
            "solve svd svdvals tensorinv tensorsolve"
        ).split(),
    ),
    (
        _LINEAR_NUMERICS,
        np.fft,
        "fft fft2 fftn hfft ifft ifft2 ifftn ihfft irfft irfft2 irfftn rfft rfft2 rfftn".split(),
    ),
    (_COMPLEX, np.emath, "arccos arcsin arctanh log log10 log2 logn power sqrt".split()),
    (
        _STRINGS,
        np.strings,
        (
            "capitalize center decode encode expandtabs ljust lower mod multiply partition replace rjust "
            "rpartition swapcase title translate upper zfill"
        ).split(),
    ),
    (
        _STRINGS,
        np.char,
        (
            "capitalize center decode encode equal expandtabs greater greater_equal join less less_equal "
            "ljust lower mod not_equal replace rjust rsplit split splitlines swapcase title translate "
            "upper zfill"
        ).split(),
    ),
)

# Functions refused on purpose, with the reason given to the user.
REFUSED: dict[Callable[..., Any], str] = {}
for _reason, (_module, _names) in _REFUSED_NAMES.items():
    for _func in _available(*((_module, name) for name in _names)):
        REFUSED[_func] = _reason
for _reason, _module, _names in _REFUSED_MODULES:
    for _func in _available(*((_module, name) for name in _names)):
        REFUSED.setdefault(_func, _reason)


# Functions that a LogArray of torch or JAX logs refuses, by library, with the reason.
_IMMUTABLE = "JAX arrays are immutable and do not expose their memory, so memory sharing is not observable"
_EINSUM = "einsum is written for numpy-backed LogArrays only; use @ (np.matmul) or np.tensordot, which stay there"
DEVICE_REFUSED: dict[str, dict[Callable[..., Any], str]] = {
    "torch": {np.einsum: _EINSUM},
    "jax": {np.einsum: _EINSUM, np.shares_memory: _IMMUTABLE, np.may_share_memory: _IMMUTABLE},
}


# ---------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------

_PUBLIC_MODULES = (np, np.linalg, np.fft, np.lib.stride_tricks, np.emath, np.strings, np.char)
_NAMES: dict[Any, str] = {}
_SIGNATURES: dict[Any, inspect.Signature | None] = {}


def _all_dispatching_functions() -> list[Callable[..., Any]]:
    """Public numpy functions that a LogArray can intercept (used by the tests)."""
    found: dict[Any, None] = {}
    for module in _PUBLIC_MODULES:
        for name in dir(module):
            if name.startswith("_"):
                continue
            obj = getattr(module, name)
            if callable(obj) and hasattr(obj, "_implementation"):
                found.setdefault(obj)
    return list(found)


def _public_name(func: Any) -> str:
    """'numpy.sum', 'numpy.fft.fft': where the function is found (by its own name first)."""
    own = getattr(func, "__name__", None)
    for module in _PUBLIC_MODULES:
        if own and getattr(module, own, None) is func:
            return f"{module.__name__}.{own}"
    if not _NAMES:
        for module in _PUBLIC_MODULES:
            for name in dir(module):
                obj = getattr(module, name, None)
                if not name.startswith("_") and callable(obj):
                    try:
                        _NAMES.setdefault(obj, f"{module.__name__}.{name}")
                    except TypeError:  # unhashable
                        pass
    try:
        known = _NAMES.get(func)
    except TypeError:
        known = None
    return known or f"{getattr(func, '__module__', None) or 'numpy'}.{getattr(func, '__name__', repr(func))}"


def _call(handler: Callable[..., Any], name: str, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    """Call a handler; arguments it does not take are a TypeError naming the numpy function."""
    if handler not in _SIGNATURES:
        try:
            _SIGNATURES[handler] = inspect.signature(handler)
        except (TypeError, ValueError):
            _SIGNATURES[handler] = None
    signature = _SIGNATURES[handler]
    if signature is not None:
        try:
            signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{name} on a LogArray: {error}") from None
    return handler(*args, **kwargs)


def array_function(func: Any, types: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    """Dispatch a numpy function on LogArrays, or refuse it with a TypeError naming it."""
    # dask arrays are operands that LogArray takes lazily (see _foreign).
    if not all(issubclass(t, (LogArray, LogFloat, np.ndarray)) or t.__module__.startswith("dask.") for t in types):
        return NotImplemented
    name = _public_name(func)
    handler = FUNCTIONS.get(func)
    device_logs = _device_among(args) if handler is not None else None
    if device_logs is None and handler is not None and kwargs:
        device_logs = _device_among(kwargs.values())
    if device_logs is not None:
        library = _backends.library(device_logs)
        reason = DEVICE_REFUSED.get(library, {}).get(func)
        if reason is not None:
            raise TypeError(f"{name} is not supported on a LogArray of {library} arrays: {reason}")
    if handler is None:
        reason = REFUSED.get(func, "it is not implemented for log-domain numbers")
        raise TypeError(
            f"{name} is not supported on LogArray: {reason}. "
            "Convert explicitly with a.to_numpy() for linear values or use a.log for the logs."
        )
    return _call(handler, name, args, kwargs)


__all__ = [
    "FUNCTIONS",
    "REFUSED",
    "UFUNCS",
    "UFUNC_METHODS",
    "array_function",
    "array_ufunc",
    "scalar_array_ufunc",
]

# LogFloat hands ufuncs beside arrays to this module (no import circle).
register_array_ufunc(scalar_array_ufunc)
