"""The numpy protocols of LogArray: explicit tables of ufuncs and functions.

Each numpy ufunc (and ufunc method) or function that LogArray supports has one
entry, keyed by the numpy object itself, pointing to the log-domain
implementation. Everything else is refused with a TypeError naming it: a
LogArray never silently falls back to computing on linear values. ``REFUSED``
lists functions refused on purpose with the reason; the test suite checks
that every public numpy function is in one table or the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from logspace import _array, _kernels
from logspace._array import LogArray, _raw
from logspace._scalar import LogFloat

# ---------------------------------------------------------------------------
# ufuncs
# ---------------------------------------------------------------------------


def _power(x: Any, y: Any) -> LogArray:
    # A plain base with a log-domain exponent is y ** x with x in the linear domain.
    if isinstance(x, (LogArray, LogFloat)):
        return _array.power(x, y)
    return _array.rpower(y, x)


def _refuse_exp(*args: Any, **kwargs: Any) -> Any:
    raise TypeError(
        "np.exp of a LogArray is not defined: a LogArray already stands for exp of its stored logs, "
        "so exp of its values is almost never what is meant. Use a.log for the logs, or "
        "LogArray.from_log(a.to_numpy()) if you really want exp of the values."
    )


UFUNCS: dict[np.ufunc, Callable[..., Any]] = {
    np.add: _array.add,
    np.subtract: _array.subtract,
    np.multiply: _array.multiply,
    np.divide: _array.divide,
    np.power: _power,
    np.float_power: _power,
    np.matmul: _array.matmul,
    np.sqrt: _array.sqrt,
    np.square: _array.square,
    np.reciprocal: _array.reciprocal,
    np.negative: _array.negative,
    np.positive: _array.positive,
    np.absolute: _array.absolute,
    np.fabs: _array.absolute,
    np.maximum: _array.maximum,
    np.minimum: _array.minimum,
    np.fmax: _array.maximum,
    np.fmin: _array.minimum,
    np.isfinite: _array.isfinite,
    np.isnan: _array.isnan,
    np.isinf: _array.isinf,
    np.sign: _array.sign,
    np.log: _array.log,
    np.equal: _array.equal,
    np.not_equal: _array.not_equal,
    np.less: _array.less,
    np.less_equal: _array.less_equal,
    np.greater: _array.greater,
    np.greater_equal: _array.greater_equal,
    np.exp: _refuse_exp,
}

# (ufunc, method) -> the LogArray method it is.
UFUNC_METHODS: dict[tuple[np.ufunc, str], str] = {
    (np.add, "reduce"): "sum",
    (np.multiply, "reduce"): "prod",
    (np.maximum, "reduce"): "max",
    (np.minimum, "reduce"): "min",
    (np.fmax, "reduce"): "max",
    (np.fmin, "reduce"): "min",
    (np.add, "accumulate"): "cumsum",
    (np.multiply, "accumulate"): "cumprod",
}


def _as_logarray(x: Any) -> LogArray:
    if isinstance(x, LogArray):
        return x
    log, neg = _raw(x)
    return LogArray._from_parts(np.asarray(log), None if neg is None else np.asarray(neg, bool))


def array_ufunc(ufunc: np.ufunc, method: str, inputs: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    """Dispatch a numpy ufunc call on LogArray/LogFloat operands."""
    out = kwargs.pop("out", None)
    if kwargs.pop("dtype", None) is not None or kwargs.pop("where", True) is not True or kwargs:
        unsupported = ", ".join(kwargs) or "dtype/where"
        raise TypeError(f"numpy.{ufunc.__name__} on a LogArray does not support the arguments: {unsupported}")
    if method == "__call__":
        handler = UFUNCS.get(ufunc)
        if handler is None:
            raise TypeError(
                f"numpy.{ufunc.__name__} is not supported on LogArray: it would compute on linear values. "
                "Convert explicitly with a.to_numpy() (or use a.log for the logs)."
            )
        result = handler(*inputs)
    else:
        name = UFUNC_METHODS.get((ufunc, method))
        if name is None:
            raise TypeError(f"numpy.{ufunc.__name__}.{method} is not supported on LogArray")
        (operand,) = inputs
        axis = kwargs.pop("axis", 0)
        result = getattr(_as_logarray(operand), name)(axis=axis)
    if out is not None:
        (target,) = out
        if not isinstance(target, LogArray):
            raise TypeError("out= must be a LogArray")
        target[...] = result
        return target
    return result


# ---------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------


def _method(name: str) -> Callable[..., Any]:
    """Implement a numpy function by the LogArray method of the same meaning."""

    def call(a: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(_as_logarray(a), name)(*args, **kwargs)

    call.__name__ = name
    return call


def _reduction(name: str) -> Callable[..., Any]:
    def call(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Any:
        if dtype is not None or out is not None or kw:
            raise TypeError(f"numpy.{name} on a LogArray takes only axis and keepdims")
        return getattr(_as_logarray(a), name)(axis=axis, keepdims=keepdims)

    call.__name__ = name
    return call


def _arg_reduction(name: str) -> Callable[..., Any]:
    def call(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
        if out is not None:
            raise TypeError(f"numpy.{name} on a LogArray does not take out=")
        return getattr(_as_logarray(a), name)(axis=axis, keepdims=keepdims)

    call.__name__ = name
    return call


def _accumulation(name: str) -> Callable[..., Any]:
    def call(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
        if dtype is not None or out is not None:
            raise TypeError(f"numpy.{name} on a LogArray takes only axis")
        return getattr(_as_logarray(a), name)(axis=axis)

    call.__name__ = name
    return call


def _join(arrays: Sequence[Any], combine: Callable[..., Any], **kwargs: Any) -> LogArray:
    raws = [_raw(a) for a in arrays]
    logs = [np.asarray(log) for log, _ in raws]
    log = combine(logs, **kwargs)
    if all(neg is None for _, neg in raws):
        return LogArray._from_parts(log, None)
    negs = [np.broadcast_to(np.asarray(False if neg is None else neg), lg.shape) for lg, (_, neg) in zip(logs, raws)]
    return LogArray._from_parts(log, combine(negs, **kwargs))


def _concatenate(arrays: Sequence[Any], axis: int | None = 0, **kwargs: Any) -> LogArray:
    if kwargs:
        raise TypeError("numpy.concatenate on LogArrays takes only axis")
    return _join(arrays, np.concatenate, axis=axis)


def _stack(arrays: Sequence[Any], axis: int = 0, **kwargs: Any) -> LogArray:
    if kwargs:
        raise TypeError("numpy.stack on LogArrays takes only axis")
    return _join(arrays, np.stack, axis=axis)


def _where(condition: Any, x: Any = None, y: Any = None) -> Any:
    if x is None and y is None:
        return np.nonzero(np.asarray(condition))
    (lx, nx), (ly, ny) = _raw(x), _raw(y)
    log = np.where(condition, lx, ly)
    dtype = _array._result_dtype(lx, ly)
    neg = None
    if nx is not None or ny is not None:
        neg = np.where(condition, False if nx is None else nx, False if ny is None else ny)
    return _array._wrap(log, neg, dtype)


def _shape_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A numpy function that only moves elements: apply it to logs and signs."""

    def call(a: Any, *args: Any, **kwargs: Any) -> LogArray:
        return _as_logarray(a)._map(fn, *args, **kwargs)

    call.__name__ = fn.__name__
    return call


def _like(fill: float) -> Callable[..., LogArray]:
    def call(a: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None, **kw: Any) -> LogArray:
        base = _as_logarray(a)
        return LogArray.full(base.shape if shape is None else shape, fill, dtype=dtype or base.dtype)

    return call


def _full_like(a: Any, fill_value: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None) -> LogArray:
    base = _as_logarray(a)
    return LogArray.full(base.shape if shape is None else shape, fill_value, dtype=dtype or base.dtype)


def _dot(a: Any, b: Any, out: Any = None) -> Any:
    if out is not None:
        raise TypeError("numpy.dot on LogArrays does not take out=")
    if np.ndim(_raw(a)[0]) > 2 or np.ndim(_raw(b)[0]) > 2:
        raise TypeError("numpy.dot of LogArrays is defined up to 2-D; use @ (matmul) or einsum for stacks")
    if np.ndim(_raw(a)[0]) == 0 or np.ndim(_raw(b)[0]) == 0:
        return _array.multiply(a, b)
    result = _array.matmul(a, b)
    return result.item() if result.ndim == 0 else result


def _allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    return bool(np.all(_array.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))


def _array_equal(a1: Any, a2: Any, equal_nan: bool = False) -> bool:
    x, y = _as_logarray(a1), _as_logarray(a2)
    if x.shape != y.shape:
        return False
    same = np.asarray(_array.equal(x, y))
    if equal_nan:
        same |= np.isnan(x.log) & np.isnan(y.log)
    return bool(same.all())


def _take_along_axis(arr: Any, indices: Any, axis: int | None = -1) -> LogArray:
    return _as_logarray(arr)._map(np.take_along_axis, indices, axis=axis)


def _sort(a: Any, axis: int | None = -1, kind: str | None = None, order: Any = None, **kw: Any) -> LogArray:
    base = _as_logarray(a)
    if axis is None:
        base, axis = base.ravel(), -1
    index = base.argsort(axis=axis, kind=kind)
    return _take_along_axis(base, index, axis=axis)


def _einsum(subscripts: str, *operands: Any, **kwargs: Any) -> Any:
    """einsum in the log semiring: products are sums of logs, sums are log-sum-exps."""
    if kwargs or not isinstance(subscripts, str):
        raise TypeError("numpy.einsum on LogArrays takes a subscripts string and operands only")
    subscripts = subscripts.replace(" ", "")
    if "..." in subscripts:
        raise ValueError("einsum on LogArrays does not support '...' broadcasting; name every axis")
    inputs_part, _, output = subscripts.partition("->")
    terms = inputs_part.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: {len(terms)} subscripts but {len(operands)} operands")
    if "->" not in subscripts:
        counts = {c: inputs_part.count(c) for c in set(inputs_part) if c.isalpha()}
        output = "".join(sorted(c for c, n in counts.items() if n == 1))
    letters = sorted(set(inputs_part.replace(",", "")))
    total_log: Any = 0.0
    total_neg: Any = None
    sizes: dict[str, int] = {}
    for term, operand in zip(terms, operands):
        log, neg = _raw(operand)
        log = np.asarray(log)
        if log.ndim != len(term):
            raise ValueError(f"einsum: operand has {log.ndim} dimensions but subscripts {term!r}")
        unique = "".join(dict.fromkeys(term))
        if unique != term:  # repeated index: take the diagonal, no summation
            log = np.einsum(f"{term}->{unique}", log)
            neg = None if neg is None else np.einsum(f"{term}->{unique}", np.asarray(neg, np.int8)).astype(bool)
        for c, n in zip(unique, log.shape):
            if sizes.setdefault(c, n) != n and n != 1 and sizes[c] != 1:
                raise ValueError(f"einsum: size of label {c!r} does not match ({sizes[c]} vs {n})")
            sizes[c] = max(sizes[c], n)
        order = sorted(range(len(unique)), key=lambda i: letters.index(unique[i]))
        shape = [1] * len(letters)
        for i in order:
            shape[letters.index(unique[i])] = log.shape[i]
        log = log.transpose(order).reshape(shape)
        total_log = total_log + log
        if neg is not None:
            neg = np.asarray(neg).transpose(order).reshape(shape)
            total_neg = neg if total_neg is None else np.logical_xor(total_neg, neg)
    full_shape = tuple(sizes[c] for c in letters)
    total_log = np.broadcast_to(total_log, full_shape)
    summed = tuple(i for i, c in enumerate(letters) if c not in output)
    kept = [c for c in letters if c in output]
    dtype = _array._result_dtype(*[np.asarray(_raw(o)[0]) for o in operands])
    if total_neg is None:
        log = _kernels.logsumexp(total_log, axis=summed) if summed else total_log
        neg = None
    else:
        weights = np.where(np.broadcast_to(total_neg, full_shape), -1.0, 1.0)
        log, sgn = _kernels.logsumexp(total_log, axis=summed, b=weights, return_sign=True) if summed else (total_log, weights)
        neg = np.asarray(sgn) < 0
    log = np.asarray(log).transpose([kept.index(c) for c in output])
    if neg is not None:
        neg = np.asarray(neg).transpose([kept.index(c) for c in output])
    return _array._reduced(log, neg, dtype)


FUNCTIONS: dict[Callable[..., Any], Callable[..., Any]] = {
    np.sum: _reduction("sum"),
    np.prod: _reduction("prod"),
    np.mean: _reduction("mean"),
    np.max: _reduction("max"),
    np.min: _reduction("min"),
    np.amax: _reduction("max"),
    np.amin: _reduction("min"),
    np.argmax: _arg_reduction("argmax"),
    np.argmin: _arg_reduction("argmin"),
    np.cumsum: _accumulation("cumsum"),
    np.cumprod: _accumulation("cumprod"),
    np.dot: _dot,
    np.matmul: lambda a, b, **kw: _array.matmul(a, b),
    np.einsum: _einsum,
    np.concatenate: _concatenate,
    np.stack: _stack,
    np.where: _where,
    np.reshape: _shape_function(np.reshape),
    np.transpose: _shape_function(np.transpose),
    np.squeeze: _shape_function(np.squeeze),
    np.expand_dims: _shape_function(np.expand_dims),
    np.broadcast_to: _shape_function(np.broadcast_to),
    np.ravel: _shape_function(np.ravel),
    np.moveaxis: _shape_function(np.moveaxis),
    np.swapaxes: _shape_function(np.swapaxes),
    np.atleast_1d: _shape_function(np.atleast_1d),
    np.atleast_2d: _shape_function(np.atleast_2d),
    np.copy: _shape_function(np.copy),
    np.take: _method("take"),
    np.take_along_axis: _take_along_axis,
    np.sort: _sort,
    np.argsort: _method("argsort"),
    np.argpartition: _method("argpartition"),
    np.zeros_like: _like(0.0),
    np.ones_like: _like(1.0),
    np.full_like: _full_like,
    np.allclose: _allclose,
    np.isclose: _array.isclose,
    np.array_equal: _array_equal,
    np.shape: lambda a: _as_logarray(a).shape,
    np.ndim: lambda a: _as_logarray(a).ndim,
    np.size: lambda a, axis=None: _as_logarray(a).size if axis is None else _as_logarray(a).shape[axis],
    np.isnan: lambda x: _array.isnan(x),
}


def array_function(func: Any, types: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    """Dispatch a numpy function on LogArrays, or refuse it with a TypeError."""
    handler = FUNCTIONS.get(func)
    if handler is None:
        reason = REFUSED.get(func, "it is not implemented for log-domain numbers")
        raise TypeError(
            f"numpy.{func.__name__} is not supported on LogArray: {reason}. "
            "Convert explicitly with a.to_numpy() for linear values or use a.log for the logs."
        )
    return handler(*args, **kwargs)


_LINEAR = "it would compute on linear values, which underflow or overflow"
_STRUCTURE = "no log-domain meaning has been implemented for it yet"

# Functions refused on purpose, with the reason given to the user.
REFUSED: dict[Callable[..., Any], str] = {}


def _all_dispatching_functions() -> list[Callable[..., Any]]:
    """Public numpy functions that a LogArray can intercept (used by the tests)."""
    found = []
    for module in (np, np.linalg, np.fft, np.lib.stride_tricks):
        for name in dir(module):
            if name.startswith("_"):
                continue
            obj = getattr(module, name)
            if callable(obj) and hasattr(obj, "_implementation"):
                found.append(obj)
    return found


__all__ = ["FUNCTIONS", "REFUSED", "UFUNCS", "UFUNC_METHODS", "array_function", "array_ufunc"]
