"""Array backends: which library an array belongs to, lazy or not, which device.

The one module that asks array-type questions; the kernels and the types ask
it. Three kinds of input are told apart:

* ``None`` (numpy): ndarrays, numpy scalars, Python numbers and sequences,
  and anything else that is not recognised below; the numpy kernels convert
  it with :func:`numpy.asarray`.
* ``"dask"``: a dask array (lazy: a graph, no values yet).
* ``"torch"`` and ``"jax"``: their tensors and arrays (JAX tracers
  included), which get kernels with gradient rules;
* ``"array_api"``: an array of any other library that speaks the array API
  standard: CuPy, array-api-strict, or any type with an
  ``__array_namespace__`` method.

numpy input pays one dictionary lookup per argument (the type of an array
is looked up, and classified once on first sight). Nothing here imports
dask, torch, JAX or array-api-compat: a dask array can only exist once the
user has imported dask, and :func:`namespace` imports array-api-compat only
once a non-numpy array has been passed in.

>>> import numpy as np
>>> kind(np.zeros(3), 1.0) is None
True
>>> is_lazy(np.zeros(3))
False
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "any_true",
    "as_dask",
    "asarray",
    "copy",
    "device",
    "elementwise",
    "is_lazy",
    "kind",
    "library",
    "mask_like",
    "namespace",
    "same_backing",
    "take_flat",
]

DASK = "dask"
TORCH = "torch"
JAX = "jax"
ARRAY_API = "array_api"
# Where the dask test looks (never importing dask).
_MODULES = sys.modules
# The kind of every type seen so far; numpy's and Python's own types are
# known from the start, so that numpy input costs one lookup.
_KIND_OF_TYPE: dict[type, str | None] = {
    t: None
    for t in (
        np.ndarray,
        float,
        int,
        bool,
        complex,
        type(None),
        list,
        tuple,
        str,
        np.float64,
        np.float32,
        np.float16,
        np.int64,
        np.int32,
        np.bool_,
    )
}
_UNSEEN = "unseen"
# Top-level modules whose arrays take the array-API kernels even where the
# type has no ``__array_namespace__`` of its own (array-api-compat wraps them).
_ARRAY_API_LIBRARIES = frozenset({"cupy", "array_api_strict", "sparse", "ndonnx"})


def _classify(t: type) -> str | None:
    """The kind of arrays of type ``t`` (see the module docstring), cached."""
    top = t.__module__.partition(".")[0]
    if issubclass(t, np.ndarray | np.generic):
        found: str | None = None
    elif top == "dask":
        found = DASK if "dask.array" in _MODULES and issubclass(t, _MODULES["dask.array"].Array) else None
    elif top == "torch":
        found = TORCH
    elif top in ("jax", "jaxlib"):
        found = JAX
    elif top in _ARRAY_API_LIBRARIES or hasattr(t, "__array_namespace__"):
        found = ARRAY_API
    else:
        found = None
    _KIND_OF_TYPE[t] = found
    return found


def kind(*arrays: Any) -> str | None:
    """``None`` for numpy input, else ``"dask"``, ``"torch"``, ``"jax"`` or ``"array_api"``.

    dask wins over the others (a dask graph may hold any chunks); a mix of
    numpy and one other library is that library's (the numpy operands are
    converted). One dictionary lookup per argument for numpy input.

    >>> kind([1.0, 2.0], None) is None
    True
    """
    found = None
    for x in arrays:
        k = _KIND_OF_TYPE.get(type(x), _UNSEEN)
        if k is _UNSEEN:
            k = _classify(type(x))
        if k is DASK:
            return DASK
        if k is not None:
            found = k
    return found


def library(x: Any) -> str:
    """The name of the library ``x`` belongs to: ``"numpy"``, ``"dask"``, ``"torch"``, ``"jax"``, ...

    >>> library(np.zeros(2)), library(3.0)
    ('numpy', 'numpy')
    """
    k = kind(x)
    if k is None:
        return "numpy"
    if k is not ARRAY_API:
        return k
    return type(x).__module__.partition(".")[0]


def is_lazy(x: Any) -> bool:
    """Whether ``x`` is a lazy (dask) array: its values are not known without computing a graph.

    >>> is_lazy([1.0])
    False
    """
    k = _KIND_OF_TYPE.get(type(x), _UNSEEN)
    return (_classify(type(x)) if k is _UNSEEN else k) is DASK


@functools.cache
def _compat() -> ModuleType:
    import array_api_compat

    return array_api_compat


def namespace(*arrays: Any) -> Any:
    """The array-API namespace of the non-numpy arrays among ``arrays``.

    Python numbers, None and numpy arrays are left out (the kernels convert
    them into the namespace), so ``logsumexp(t, b=np.ones(3))`` works on a
    torch tensor ``t``. array-api-compat gives torch, JAX, CuPy and numpy
    standard-conforming namespaces; it is imported here, on first use.
    """
    others = [x for x in arrays if kind(x) is not None]
    return _compat().array_namespace(*others)


def device(x: Any) -> Any:
    """The device of the array ``x`` (``"cpu"`` for numpy)."""
    return _compat().device(x)


def take_flat(x: Any, index: Any) -> Any:
    """The elements of ``x`` at the flat positions ``index`` (ints, numpy), in the shape of ``index``.

    In the library of ``x`` and on its device, through its ``take``, so
    differentiable: any function that only moves elements, applied through
    its index map (the function applied to ``arange(n).reshape(shape)``).

    >>> take_flat(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[3, 0]]))
    array([[4., 1.]])
    """
    index = np.asarray(index, dtype=np.int64)
    xp = namespace(x) if kind(x) is not None else np
    flat = xp.reshape(x, (-1,))
    positions = np.array(index.reshape(-1))  # writeable and contiguous: torch takes no others
    positions = xp.asarray(positions, device=device(x)) if xp is not np else positions
    return xp.reshape(xp.take(flat, positions, axis=0), index.shape)


# ---------------------------------------------------------------------------
# What LogArray asks of its backing (numpy or dask)
# ---------------------------------------------------------------------------


def any_true(mask: Any, *, if_lazy: bool) -> bool:
    """``bool(np.any(mask))``, or ``if_lazy`` for a dask mask (never computed).

    The caller says what an unknown answer should mean: ``if_lazy=True`` for
    a decision that must be safe whatever the values (make the result
    signed, apply a correction), ``if_lazy=False`` for a check that only
    warns (numpy's floating-point signals are not raised lazily).

    >>> any_true(np.array([False, True]), if_lazy=False)
    True
    """
    if is_lazy(mask):
        return if_lazy
    return bool(np.any(mask))


def asarray(x: Any, dtype: Any = None) -> Any:
    """``np.asarray(x, dtype)``, except that a dask array stays lazy (cast if asked)."""
    if is_lazy(x):
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)
    return np.asarray(x, dtype=dtype)


def copy(x: Any) -> Any:
    """A copy of ``x`` as an array (``np.array``), lazy for a dask array."""
    if is_lazy(x):
        return x.copy()
    return np.array(x)


def as_dask(x: Any) -> Any:
    """``x`` as a dask array (one chunk for an in-memory array)."""
    if is_lazy(x):
        return x
    import dask.array as da

    return da.asarray(x)


def same_backing(*arrays: Any) -> tuple[Any, ...]:
    """``arrays`` unchanged, or all as dask arrays if one of them is."""
    if kind(*arrays) is not DASK:
        return arrays
    return tuple(as_dask(x) for x in arrays)


def mask_like(mask: Any, log: Any) -> Any:
    """A boolean ``mask`` broadcast to the shape of ``log``, backed like ``log``.

    For an ndarray: a writeable ndarray (a copy when broadcasting made a
    read-only view). For a dask array: a dask array with the chunks of
    ``log``, so that a LogArray's two parts always have the same backing.

    >>> mask_like(True, np.zeros(2))
    array([ True,  True])
    """
    if kind(log, mask) is DASK:
        return _dask_mask_like(mask, log)
    out = np.broadcast_to(np.asarray(mask, dtype=bool), log.shape)
    if not out.flags.writeable:
        out = out.copy()
    return out


def _dask_mask_like(mask: Any, log: Any) -> Any:
    import dask.array as da

    m = mask.astype(bool) if is_lazy(mask) else da.asarray(np.asarray(mask, dtype=bool))
    if not is_lazy(log):  # lazy signs of in-memory logs: keep them lazy
        return da.broadcast_to(m, log.shape)
    if m.shape == log.shape and m.chunks == log.chunks:
        return m
    if all(n == 1 for n in m.shape):
        # A scalar-like mask: broadcast straight into the chunks of the logs.
        return da.broadcast_to(m, log.shape, chunks=log.chunks)
    m = da.broadcast_to(m, log.shape)
    return m if m.chunks == log.chunks else m.rechunk(log.chunks)


def _quiet(func: Callable[..., Any], errstate: dict[str, str], *args: Any) -> Any:
    """``func(*args)`` on numpy chunks, under ``np.errstate(**errstate)``."""
    with np.errstate(**errstate):  # type: ignore[arg-type]
        return np.asarray(func(*args))


def elementwise(func: Callable[..., Any], *args: Any, dtype: Any = None, **errstate: str) -> Any:
    """``func(*args)`` under ``np.errstate(**errstate)``, chunk by chunk for dask.

    ``func`` must be elementwise (numpy broadcasting). For dask the error
    state is set inside every chunk's task: ``np.errstate`` around building a
    graph would not reach the computation. ``dtype`` (dask only) saves dask
    running ``func`` on a sample to find the result's dtype.

    >>> elementwise(np.log, np.array([0.0, 1.0]), divide="ignore")
    array([-inf,   0.])
    """
    if kind(*args) is DASK:
        from dask.array.core import elemwise

        return elemwise(functools.partial(_quiet, func, errstate), *args, dtype=dtype)
    with np.errstate(**errstate):  # type: ignore[arg-type]
        return func(*args)
