"""numpy protocols of LogArray (logspace._numpy_api) against numpy on linear values.

Every handled ufunc and function is run twice on the same numbers: once on
LogArrays and once on their linear values ``a.to_numpy()`` as ndarrays, and
the results must agree. Far outside float range the references are computed
from the logs (LogFloat arithmetic, mpmath, or scaling back into range).
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import pytest

from logspace import LogArray, LogFloat
from logspace import _numpy_api as api

DISPATCHING = api._all_dispatching_functions()
DTYPES = [np.float64, np.float32]
TINY = LogFloat("1e-5000")


def name_of(func: Any) -> str:
    return api._public_name(func)


# ---------------------------------------------------------------------------
# Operands and comparison
# ---------------------------------------------------------------------------


class Ops:
    """Named operands, all LogArrays or all ndarrays of the same linear values."""

    def __init__(self, arrays: dict[str, Any], logdomain: bool) -> None:
        self.__dict__.update(arrays)
        self.logdomain = logdomain


def _values(rng: np.random.Generator, shape: tuple[int, ...], signed: bool, zero: bool = True) -> np.ndarray:
    values = rng.uniform(0.2, 2.0, shape)
    if signed:
        values *= rng.choice([-1.0, 1.0], shape)
        values.flat[0] = -abs(values.flat[0])
    if zero and values.size > 2:
        values.flat[min(5, values.size - 1)] = 0.0
    return values


SHAPES = {"m": (3, 4), "v": (4,), "w": (3,), "s": (3, 3), "t": (2, 3, 4), "c": (4, 2)}


def operands(signed: bool, dtype: Any, seed: int = 0) -> tuple[Ops, Ops]:
    rng = np.random.default_rng(seed)
    logs, lins = {}, {}
    for key, shape in SHAPES.items():
        la = LogArray(_values(rng, shape, signed).astype(dtype), signed=signed or None)
        logs[key], lins[key] = la, la.to_numpy()
    # Operands that are always plain ndarrays (linear values mixed in).
    for key, shape in {"nv": (4,), "nm": (3, 4)}.items():
        values = _values(rng, shape, signed, zero=False).astype(dtype)
        logs[key], lins[key] = values, values
    return Ops(logs, True), Ops(lins, False)


def linear(x: Any) -> Any:
    """Linear values of a result, recursively."""
    if isinstance(x, LogArray):
        with np.errstate(over="ignore"):
            return x.to_numpy()
    if isinstance(x, LogFloat):
        return np.float64(float(x))
    if isinstance(x, (tuple, list)):
        return type(x)(linear(e) for e in x)
    return x


def tolerance(*dtypes: Any) -> dict[str, float]:
    if any(np.dtype(d) == np.float32 for d in dtypes):
        return {"rtol": 2e-5, "atol": 2e-5}
    return {"rtol": 1e-10, "atol": 1e-12}


def assert_same(got: Any, expected: Any, dtype: Any, check_dtype: bool = True) -> None:
    """``got`` (from LogArrays) agrees with ``expected`` (numpy on linear values)."""
    if isinstance(expected, (tuple, list)):
        assert isinstance(got, (tuple, list)), type(got)
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e, dtype, check_dtype)
        return
    if isinstance(expected, (str, type(None))):
        assert got == expected
        return
    expected_arr = np.asarray(expected)
    if expected_arr.dtype.kind in "biu":
        assert not isinstance(got, (LogArray, LogFloat)), type(got)
        got_arr = np.asarray(got)
        assert got_arr.dtype.kind == expected_arr.dtype.kind, (got_arr.dtype, expected_arr.dtype)
        assert got_arr.shape == expected_arr.shape
        np.testing.assert_array_equal(got_arr, expected_arr)
        return
    if isinstance(expected, np.ndarray) and expected.ndim > 0:
        assert isinstance(got, (LogArray, np.ndarray)), type(got)
    got_lin = np.asarray(linear(got))
    assert got_lin.shape == expected_arr.shape, (got_lin.shape, expected_arr.shape)
    if check_dtype and isinstance(got, LogArray) and expected_arr.dtype.kind == "f":
        assert got.dtype == expected_arr.dtype, (got.dtype, expected_arr.dtype)
    np.testing.assert_allclose(
        got_lin, expected_arr, equal_nan=True, **tolerance(dtype, got_lin.dtype, expected_arr.dtype)
    )


def copy_of(x: Any) -> Any:
    return x.copy()


def inplace(fn: Callable[..., Any], target: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an in-place numpy function on a copy and return the copy."""
    target = target.copy()
    assert fn(target, *args, **kwargs) is None
    return target


# ---------------------------------------------------------------------------
# Cases for every handled function
# ---------------------------------------------------------------------------


@dataclass
class Case:
    func: Any
    run: Callable[[Ops], Any]
    label: str
    signed: bool = True
    check_dtype: bool = True

    def __repr__(self) -> str:
        return self.label


CASES: list[Case] = []


def case(func: Any, *runs: Callable[[Ops], Any], signed: bool = True, check_dtype: bool = True) -> None:
    for i, run in enumerate(runs):
        CASES.append(Case(func, run, f"{name_of(func)}-{i}", signed, check_dtype))


# reductions
case(
    np.sum,
    lambda A: np.sum(A.m),
    lambda A: np.sum(A.m, axis=1),
    lambda A: np.sum(A.t, axis=(0, 2), keepdims=True),
    lambda A: np.sum(A.t, 0, None, None, True),
    lambda A: np.sum(A.m, axis=-1, out=copy_of(A.w)),
)
case(
    np.prod, lambda A: np.prod(A.m), lambda A: np.prod(A.t, axis=1, keepdims=True), lambda A: np.prod(A.m, axis=(0, 1))
)
case(
    np.mean, lambda A: np.mean(A.m), lambda A: np.mean(A.t, axis=(0, 2)), lambda A: np.mean(A.m, axis=0, keepdims=True)
)
for _f in (np.max, np.amax, np.min, np.amin):
    case(
        _f,
        lambda A, f=_f: f(A.m),
        lambda A, f=_f: f(A.t, axis=1),
        lambda A, f=_f: f(A.t, axis=(0, 2), keepdims=True),
        lambda A, f=_f: f(A.m, 0, None, True),
        lambda A, f=_f: f(A.m, axis=(0, 1)),
    )
for _f in (np.argmax, np.argmin):
    case(_f, lambda A, f=_f: f(A.m), lambda A, f=_f: f(A.t, axis=1), lambda A, f=_f: f(A.m, axis=0, keepdims=True))
case(np.ptp, lambda A: np.ptp(A.m), lambda A: np.ptp(A.t, axis=2, keepdims=True))
case(
    np.average,
    lambda A: np.average(A.m),
    lambda A: np.average(A.m, axis=1, weights=np.abs(A.nm) + 0.5),
    lambda A: np.average(A.t, axis=2, weights=[1.0, 2.0, 3.0, 4.0], returned=True),
    lambda A: np.average(A.m, axis=0, returned=True, keepdims=True),
    signed=True,
    check_dtype=False,
)
case(np.any, lambda A: np.any(A.m), lambda A: np.any(A.m * 0.0, axis=1), lambda A: np.any(A.m, axis=0, keepdims=True))
case(np.all, lambda A: np.all(A.m), lambda A: np.all(A.m, axis=1), lambda A: np.all(A.t, axis=(0, 1), keepdims=True))
case(np.count_nonzero, lambda A: np.count_nonzero(A.m), lambda A: np.count_nonzero(A.m, axis=1, keepdims=True))
case(np.cumsum, lambda A: np.cumsum(A.m), lambda A: np.cumsum(A.t, axis=1), lambda A: np.cumsum(A.m, axis=-1))
case(np.cumprod, lambda A: np.cumprod(A.m), lambda A: np.cumprod(A.t, axis=2))
if hasattr(np, "cumulative_sum"):
    case(
        np.cumulative_sum,
        lambda A: np.cumulative_sum(A.v),
        lambda A: np.cumulative_sum(A.m, axis=1, include_initial=True),
    )
    case(
        np.cumulative_prod,
        lambda A: np.cumulative_prod(A.v),
        lambda A: np.cumulative_prod(A.m, axis=0, include_initial=True),
    )


def _with_nans(x: Any) -> Any:
    x = x.copy()
    x[0, 1] = np.nan
    x[2, 3] = np.nan
    return x


case(np.nansum, lambda A: np.nansum(_with_nans(A.m)), lambda A: np.nansum(_with_nans(A.m), axis=1, keepdims=True))
case(np.nanprod, lambda A: np.nanprod(_with_nans(A.m)), lambda A: np.nanprod(_with_nans(A.m), axis=0))
case(np.nanmean, lambda A: np.nanmean(_with_nans(A.m)), lambda A: np.nanmean(_with_nans(A.m), axis=1))
for _f in (np.nanmax, np.nanmin, np.nanargmax, np.nanargmin):
    case(_f, lambda A, f=_f: f(_with_nans(A.m)), lambda A, f=_f: f(_with_nans(A.m), axis=1))
case(np.nancumsum, lambda A: np.nancumsum(_with_nans(A.m)), lambda A: np.nancumsum(_with_nans(A.m), axis=0))
case(np.nancumprod, lambda A: np.nancumprod(_with_nans(A.m), axis=1))

# sums of products
case(np.dot, lambda A: np.dot(A.m, A.v), lambda A: np.dot(A.v, A.v), lambda A: np.dot(A.s, A.m), lambda A: np.dot(A.t, A.c),
     lambda A: np.dot(A.m, 2.0), lambda A: np.dot(A.w, A.m))  # fmt: skip
case(np.vdot, lambda A: np.vdot(A.m, A.nm), lambda A: np.vdot(A.v, A.v))
case(np.inner, lambda A: np.inner(A.m, A.v), lambda A: np.inner(A.t, A.m), lambda A: np.inner(A.v, 3.0))
case(np.outer, lambda A: np.outer(A.v, A.w), lambda A: np.outer(A.s, A.nv))
case(np.linalg.outer, lambda A: np.linalg.outer(A.v, A.w))
case(np.tensordot, lambda A: np.tensordot(A.t, A.m, axes=([1, 2], [0, 1])), lambda A: np.tensordot(A.m, A.c, 1),
     lambda A: np.tensordot(A.t, np.transpose(A.t, (1, 2, 0))), lambda A: np.tensordot(A.v, A.w, 0))  # fmt: skip
case(np.linalg.tensordot, lambda A: np.linalg.tensordot(A.t, A.c, axes=1))
case(np.kron, lambda A: np.kron(A.s, A.c), lambda A: np.kron(A.v, A.m))
case(np.einsum, lambda A: np.einsum("ij,jk->ik", A.m, A.c), lambda A: np.einsum("i,i", A.v, A.v))
case(np.einsum_path, lambda A: np.einsum_path("ij,jk,kl->il", A.m, A.c, A.c.T, optimize="greedy"))
case(
    np.trace, lambda A: np.trace(A.s), lambda A: np.trace(A.t, offset=1, axis1=1, axis2=2), lambda A: np.trace(A.m, -1)
)
case(np.linalg.trace, lambda A: np.linalg.trace(A.t), lambda A: np.linalg.trace(A.s, offset=1))
case(np.diff, lambda A: np.diff(A.m), lambda A: np.diff(A.t, n=2, axis=1), lambda A: np.diff(A.v, prepend=1.0, append=A.v[:2]),
     lambda A: np.diff(A.m, n=0))  # fmt: skip
case(np.ediff1d, lambda A: np.ediff1d(A.m), lambda A: np.ediff1d(A.v, to_end=[1.0, 2.0], to_begin=A.w))
case(np.linalg.matmul, lambda A: np.linalg.matmul(A.m, A.c), lambda A: np.linalg.matmul(A.t, A.v))
case(np.linalg.vecdot, lambda A: np.linalg.vecdot(A.m, A.v), lambda A: np.linalg.vecdot(A.m, A.w[:, None], axis=0))
case(
    np.linalg.multi_dot, lambda A: np.linalg.multi_dot([A.w, A.s, A.m, A.v]), lambda A: np.linalg.multi_dot([A.s, A.m])
)
case(np.linalg.matrix_power, lambda A: np.linalg.matrix_power(A.s, 3), lambda A: np.linalg.matrix_power(A.s, 0),
     lambda A: np.linalg.matrix_power(A.s, 1), lambda A: np.linalg.matrix_power(A.s, 4))  # fmt: skip
case(np.linalg.vector_norm, lambda A: np.linalg.vector_norm(A.m), lambda A: np.linalg.vector_norm(A.m, axis=1, ord=1),
     lambda A: np.linalg.vector_norm(A.t, axis=(0, 2), ord=3, keepdims=True), lambda A: np.linalg.vector_norm(A.m, ord=np.inf),
     lambda A: np.linalg.vector_norm(A.m, axis=0, ord=-np.inf), lambda A: np.linalg.vector_norm(A.m, ord=0),
     lambda A: np.linalg.vector_norm(A.m, keepdims=True))  # fmt: skip
case(np.linalg.norm, lambda A: np.linalg.norm(A.m), lambda A: np.linalg.norm(A.v, 1), lambda A: np.linalg.norm(A.m, axis=1),
     lambda A: np.linalg.norm(A.m, "fro", keepdims=True), lambda A: np.linalg.norm(A.m, 1),
     lambda A: np.linalg.norm(A.t, np.inf, axis=(2, 1)), lambda A: np.linalg.norm(A.m, -1, axis=(0, 1), keepdims=True),
     lambda A: np.linalg.norm(A.m, -np.inf), lambda A: np.linalg.norm(A.t))  # fmt: skip
case(
    np.linalg.matrix_norm,
    lambda A: np.linalg.matrix_norm(A.t),
    lambda A: np.linalg.matrix_norm(A.m, ord=np.inf, keepdims=True),
)

# joining and splitting
case(np.concatenate, lambda A: np.concatenate([A.m, A.nm]), lambda A: np.concatenate((A.m, A.s), axis=None),
     lambda A: np.concatenate([A.t, A.t], axis=-1), lambda A: np.concat([A.v, [1.0, 2.0]]))  # fmt: skip
case(np.stack, lambda A: np.stack([A.m, A.nm], axis=1), lambda A: np.stack((A.v, A.v)))
case(np.hstack, lambda A: np.hstack([A.m, A.s]), lambda A: np.hstack((A.v, A.w)))
case(np.vstack, lambda A: np.vstack([A.m, A.v]))
case(np.dstack, lambda A: np.dstack([A.m, A.nm]))
case(np.column_stack, lambda A: np.column_stack([A.w, A.s]))
case(np.block, lambda A: np.block([[A.s, A.m], [A.v[:3], A.nv]]), lambda A: np.block([A.v, 1.0]))
case(np.append, lambda A: np.append(A.m, A.v), lambda A: np.append(A.m, A.nm, axis=0))
case(
    np.insert,
    lambda A: np.insert(A.m, 1, A.v, axis=0),
    lambda A: np.insert(A.v, [0, 2], -3.0),
    lambda A: np.insert(A.m, 2, 5.0),
)
case(np.split, lambda A: np.split(A.m, 2, axis=1), lambda A: np.split(A.t, [1], axis=0))
case(np.array_split, lambda A: np.array_split(A.m, 3, axis=1))
case(np.hsplit, lambda A: np.hsplit(A.m, 2))
case(np.vsplit, lambda A: np.vsplit(A.t, [1]))
case(np.dsplit, lambda A: np.dsplit(A.t, 2))
if hasattr(np, "unstack"):
    case(np.unstack, lambda A: np.unstack(A.m), lambda A: np.unstack(A.t, axis=2))
case(np.broadcast_arrays, lambda A: np.broadcast_arrays(A.m, A.v, A.w[:, None]))
case(np.meshgrid, lambda A: np.meshgrid(A.v, A.w), lambda A: np.meshgrid(A.v, A.w, indexing="ij", sparse=True))

# moving elements
case(np.reshape, lambda A: np.reshape(A.m, (2, 6)), lambda A: np.reshape(A.t, -1, order="F"))
case(np.ravel, lambda A: np.ravel(A.t), lambda A: np.ravel(A.m, order="F"))
case(
    np.transpose,
    lambda A: np.transpose(A.t),
    lambda A: np.transpose(A.t, (1, 0, 2)),
    lambda A: np.permute_dims(A.t, (2, 0, 1)),
)
case(np.matrix_transpose, lambda A: np.matrix_transpose(A.t))
case(np.linalg.matrix_transpose, lambda A: np.linalg.matrix_transpose(A.m))
case(np.moveaxis, lambda A: np.moveaxis(A.t, 0, -1))
case(np.rollaxis, lambda A: np.rollaxis(A.t, 2), lambda A: np.rollaxis(A.t, 2, 1))
case(np.swapaxes, lambda A: np.swapaxes(A.t, 0, 2))
case(np.squeeze, lambda A: np.squeeze(A.m[None, :, None]), lambda A: np.squeeze(A.m[None], axis=0))
case(np.expand_dims, lambda A: np.expand_dims(A.m, 1), lambda A: np.expand_dims(A.v, (0, 2)))
case(np.broadcast_to, lambda A: np.broadcast_to(A.v, (3, 4)))
case(np.atleast_1d, lambda A: np.atleast_1d(A.m), lambda A: np.atleast_1d(A.v[0:1].reshape(()), A.m))
case(np.atleast_2d, lambda A: np.atleast_2d(A.v), lambda A: np.atleast_2d(A.v, A.t))
case(np.atleast_3d, lambda A: np.atleast_3d(A.m), lambda A: np.atleast_3d(A.v, A.w))
case(np.flip, lambda A: np.flip(A.t), lambda A: np.flip(A.t, axis=(0, 2)))
case(np.fliplr, lambda A: np.fliplr(A.m))
case(np.flipud, lambda A: np.flipud(A.m))
case(np.roll, lambda A: np.roll(A.m, 2), lambda A: np.roll(A.t, (1, -1), axis=(1, 2)))
case(np.rot90, lambda A: np.rot90(A.m), lambda A: np.rot90(A.t, k=3, axes=(1, 2)))
case(np.tile, lambda A: np.tile(A.v, (2, 2)))
case(np.repeat, lambda A: np.repeat(A.m, 2), lambda A: np.repeat(A.m, [1, 0, 2], axis=0))
case(np.resize, lambda A: np.resize(A.m, (5, 3)))
case(np.delete, lambda A: np.delete(A.m, 1, axis=1), lambda A: np.delete(A.m, [0, 5]))
case(np.pad, lambda A: np.pad(A.m, 1), lambda A: np.pad(A.m, ((1, 0), (0, 2)), constant_values=((-2.0, 3.0), (4.0, 5.0))),
     lambda A: np.pad(A.m, 2, mode="edge"), lambda A: np.pad(A.m, 2, mode="reflect"), lambda A: np.pad(A.m, 1, mode="wrap"),
     lambda A: np.pad(A.v, (1, 3), mode="symmetric"))  # fmt: skip
case(np.diagonal, lambda A: np.diagonal(A.m), lambda A: np.diagonal(A.t, 1, 1, 2))
case(np.linalg.diagonal, lambda A: np.linalg.diagonal(A.t), lambda A: np.linalg.diagonal(A.m, offset=-1))
case(np.diag, lambda A: np.diag(A.v), lambda A: np.diag(A.w, -1), lambda A: np.diag(A.m, 1))
case(np.diagflat, lambda A: np.diagflat(A.c), lambda A: np.diagflat(A.w, 2))
case(np.tril, lambda A: np.tril(A.m), lambda A: np.tril(A.t, -1), lambda A: np.tril(A.v))
case(np.triu, lambda A: np.triu(A.m, 1), lambda A: np.triu(A.t))
case(np.copy, lambda A: np.copy(A.m), lambda A: np.copy(A.t, order="F"))
case(np.fft.fftshift, lambda A: np.fft.fftshift(A.m), lambda A: np.fft.fftshift(A.t, axes=1))
case(np.fft.ifftshift, lambda A: np.fft.ifftshift(A.m))
case(np.lib.stride_tricks.sliding_window_view, lambda A: np.lib.stride_tricks.sliding_window_view(A.v, 2),
     lambda A: np.lib.stride_tricks.sliding_window_view(A.m, (2, 3)))  # fmt: skip

# selecting elements
case(np.where, lambda A: np.where(A.m > 0.5, A.m, A.nm), lambda A: np.where([True, False, True, False], A.v, 0.25),
     lambda A: np.where(A.m), lambda A: np.where(A.m, -1.0, A.v))  # fmt: skip
case(np.select, lambda A: np.select([A.m > 1, A.m < 0], [A.m, A.nm], default=A.v),
     lambda A: np.select([A.m > 0.5], [A.m]))  # fmt: skip
case(np.choose, lambda A: np.choose([[0, 1, 1, 0]] * 3, [A.m, A.v]), lambda A: np.choose([0, 2, 1], [A.w, A.s[0], 0.5]))
case(np.clip, lambda A: np.clip(A.m, 0.5, 1.5), lambda A: np.clip(A.m, -1.0, None), lambda A: np.clip(A.m, A.v, 1.2),
     lambda A: np.clip(A.m, min=0.3), lambda A: np.clip(A.m, None, None), lambda A: np.clip(A.m, 0.5, 1.0, out=copy_of(A.m)))  # fmt: skip
case(np.take, lambda A: np.take(A.m, [0, 5, 7]), lambda A: np.take(A.m, 4), lambda A: np.take(A.t, [2, 0], axis=1),
     lambda A: np.take(A.v, [0, 9], mode="wrap"), lambda A: np.take(A.v, [1, 2], out=copy_of(A.v[:2])))  # fmt: skip
case(np.take_along_axis, lambda A: np.take_along_axis(A.m, np.array([[0], [3], [1]]), axis=1),
     lambda A: np.take_along_axis(A.v, np.array([3, 0]), 0))  # fmt: skip
case(np.compress, lambda A: np.compress([True, False, True], A.m, axis=0), lambda A: np.compress([0, 1, 1], A.m))
case(np.extract, lambda A: np.extract(np.eye(3, 4, dtype=bool), A.m), lambda A: np.extract(A.m, A.nm))
case(np.nonzero, lambda A: np.nonzero(A.m), lambda A: np.nonzero(A.m - A.m))
case(np.argwhere, lambda A: np.argwhere(A.t))
case(np.flatnonzero, lambda A: np.flatnonzero(A.m))

# order
case(np.sort, lambda A: np.sort(A.m), lambda A: np.sort(A.t, axis=1), lambda A: np.sort(A.m, axis=None),
     lambda A: np.sort(A.m, axis=0, stable=True))  # fmt: skip
case(
    np.argsort,
    lambda A: np.argsort(A.m),
    lambda A: np.argsort(A.t, axis=0),
    lambda A: np.argsort(A.m, axis=None, kind="stable"),
)
case(np.partition, lambda A: np.partition(A.m, 1)[:, 1], lambda A: np.partition(A.m, 4, axis=None)[4],
     lambda A: np.partition(A.t, 1, axis=1)[:, 1])  # fmt: skip
case(np.argpartition, lambda A: np.take_along_axis(A.m, np.argpartition(A.m, 2), -1)[:, 2],
     lambda A: np.ravel(A.m)[np.argpartition(A.m, 6, axis=None)[6]])  # fmt: skip
case(np.searchsorted, lambda A: np.searchsorted(np.sort(A.v), A.m), lambda A: np.searchsorted(np.sort(A.v), A.m, side="right"),
     lambda A: np.searchsorted(A.v, A.w, sorter=np.argsort(A.v)), lambda A: np.searchsorted(np.sort(A.v), A.v[2]),
     lambda A: np.searchsorted(np.sort(np.concatenate([A.v, A.v, [0.0, 0.0]])), np.concatenate([A.v, [0.0]]), side="right"))  # fmt: skip

# in place
case(np.copyto, lambda A: inplace(np.copyto, A.m, A.v), lambda A: inplace(np.copyto, A.m, A.nm, where=A.nm > 0.5))
case(
    np.put,
    lambda A: inplace(np.put, A.m, [0, 3, 5], A.v[:3]),
    lambda A: inplace(np.put, A.v, [1, 7], [0.5, 0.25], mode="clip"),
)
case(np.putmask, lambda A: inplace(np.putmask, A.m, A.nm > 1, A.v))
case(np.place, lambda A: inplace(np.place, A.m, A.nm > 1, [0.5, 0.75]))
case(np.put_along_axis, lambda A: inplace(np.put_along_axis, A.m, np.array([[1], [0], [3]]), A.w[:, None], 1))
case(
    np.fill_diagonal,
    lambda A: inplace(np.fill_diagonal, A.s, 3.0),
    lambda A: inplace(np.fill_diagonal, A.m, A.w, wrap=True),
)

# new arrays
case(np.zeros_like, lambda A: np.zeros_like(A.m), lambda A: np.zeros_like(A.m, shape=(2,)))
case(np.ones_like, lambda A: np.ones_like(A.t), lambda A: np.ones_like(A.m, dtype=np.float32))
case(np.empty_like, lambda A: np.empty_like(A.m).shape)
case(np.full_like, lambda A: np.full_like(A.m, 0.5), lambda A: np.full_like(A.v, -2.0, shape=(2, 2)))
case(np.astype, lambda A: np.astype(A.m, np.float32), lambda A: np.astype(A.m, np.float64, copy=False))

# comparison
case(np.isclose, lambda A: np.isclose(A.m, A.m * 1.000001), lambda A: np.isclose(A.m, A.v, rtol=0.5, atol=0.0),
     lambda A: np.isclose(A.m, A.nm, atol=1.0))  # fmt: skip
case(np.allclose, lambda A: np.allclose(A.m, A.m * 1.000001), lambda A: np.allclose(A.m, A.m * 1.1))
case(np.array_equal, lambda A: np.array_equal(A.m, A.m + 0.0), lambda A: np.array_equal(A.m, A.v),
     lambda A: np.array_equal(A.m, A.m * 2))  # fmt: skip
case(
    np.array_equiv,
    lambda A: np.array_equiv(A.m, A.m[:1]),
    lambda A: np.array_equiv(A.m, A.v),
    lambda A: np.array_equiv(A.m, A.w),
)
case(np.isposinf, lambda A: np.isposinf(A.m / A.m[0, 0] * np.array([np.inf, 1, 1, -np.inf])))
case(np.isneginf, lambda A: np.isneginf(A.m / A.m[0, 0] * np.array([np.inf, 1, 1, -np.inf])))

# real numbers
case(np.real, lambda A: np.real(A.m))
# dtype promotion (as xarray asks it): a LogArray stands for the dtype of its logs
case(np.result_type, lambda A: str(np.result_type(A.m, 0.5)), lambda A: str(np.result_type(A.m, np.float32(2.0))))
case(np.imag, lambda A: np.imag(A.m))
case(np.real_if_close, lambda A: np.real_if_close(A.m))
case(np.isreal, lambda A: np.isreal(A.m))
case(np.iscomplex, lambda A: np.iscomplex(A.m))
case(np.isrealobj, lambda A: np.isrealobj(A.m))
case(np.iscomplexobj, lambda A: np.iscomplexobj(A.m))

# shape and memory
case(np.shape, lambda A: np.shape(A.t))
case(np.ndim, lambda A: np.ndim(A.t))
case(np.size, lambda A: np.size(A.t), lambda A: np.size(A.t, 1))
case(np.shares_memory, lambda A: np.shares_memory(A.m, A.m[1:]), lambda A: np.shares_memory(A.m, np.copy(A.m)))
case(np.may_share_memory, lambda A: np.may_share_memory(A.m, A.m.T), lambda A: np.may_share_memory(A.m, A.v))
case(np.diag_indices_from, lambda A: np.diag_indices_from(A.s))
case(np.tril_indices_from, lambda A: np.tril_indices_from(A.m, 1))
case(np.triu_indices_from, lambda A: np.triu_indices_from(A.s))


def test_every_function_is_handled_or_refused_on_purpose() -> None:
    assert len(DISPATCHING) == len(set(DISPATCHING)) > 250
    for func in DISPATCHING:
        assert (func in api.FUNCTIONS) != (func in api.REFUSED), name_of(func)
    assert set(api.FUNCTIONS) <= set(DISPATCHING)
    assert set(api.REFUSED) <= set(DISPATCHING)


def test_every_handled_function_has_a_case() -> None:
    covered = {c.func for c in CASES}
    missing = [name_of(f) for f in api.FUNCTIONS if f not in covered]
    assert not missing


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize("c", CASES, ids=repr)
def test_function_matches_numpy(c: Case, signed: bool, dtype: Any) -> None:
    logs, lins = operands(signed, dtype)
    with np.errstate(all="ignore"):
        expected = c.run(lins)
    got = c.run(logs)
    assert_same(got, expected, dtype, c.check_dtype)


def test_reductions_of_signed_values_keep_signs() -> None:
    a = LogArray([[-3.0, 1.0], [2.0, -0.5]])
    assert float(np.sum(a)) == pytest.approx(-0.5)
    assert np.sum(a, axis=0).sign.tolist() == [-1.0, 1.0]
    assert float(np.max(a)) == pytest.approx(2.0) and float(np.min(a)) == pytest.approx(-3.0)
    assert np.prod(a).sign == 1 and np.prod(a, axis=1).sign.tolist() == [-1.0, -1.0]


def test_reductions_give_logfloat_and_keep_dtype() -> None:
    a = LogArray(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32))
    assert isinstance(np.sum(a), LogFloat) and isinstance(np.max(a), LogFloat)
    assert np.sum(a, axis=0).dtype == np.float32
    assert np.mean(a, axis=1).dtype == np.float32
    assert np.nanmean(a, axis=1).dtype == np.float32
    assert np.einsum("ij,jk", a, a).dtype == np.float32


# ---------------------------------------------------------------------------
# Beyond float range
# ---------------------------------------------------------------------------


def _scaled(signed: bool, seed: int = 1) -> tuple[Ops, Ops]:
    """Operands scaled by 1e-5000 (LogArrays) and unscaled (ndarrays)."""
    logs, lins = operands(signed, np.float64, seed)
    scaled = {k: (v * TINY if isinstance(v, LogArray) else v) for k, v in logs.__dict__.items() if k != "logdomain"}
    return Ops(scaled, True), lins


# (function, degree): f(c x) = c**degree f(x) for the LogArray operands.
HOMOGENEOUS: list[tuple[str, Callable[[Ops], Any], int]] = [
    ("sum", lambda A: np.sum(A.m, axis=1), 1),
    ("sum-all", lambda A: np.sum(A.t), 1),
    ("mean", lambda A: np.mean(A.t, axis=(0, 2)), 1),
    ("max", lambda A: np.max(A.m, axis=0), 1),
    ("min", lambda A: np.min(A.m), 1),
    ("ptp", lambda A: np.ptp(A.m, axis=1), 1),
    ("cumsum", lambda A: np.cumsum(A.m, axis=1), 1),
    ("nansum", lambda A: np.nansum(_with_nans(A.m), axis=0), 1),
    ("nanmean", lambda A: np.nanmean(_with_nans(A.m)), 1),
    ("diff", lambda A: np.diff(A.m, axis=0), 1),
    ("trace", lambda A: np.trace(A.s), 1),
    ("average", lambda A: np.average(A.m, axis=1, weights=[1.0, 2.0, 3.0, 4.0]), 1),
    ("vector_norm", lambda A: np.linalg.vector_norm(A.m, axis=1), 1),
    ("norm-fro", lambda A: np.linalg.norm(A.m), 1),
    ("norm-inf", lambda A: np.linalg.norm(A.m, np.inf), 1),
    ("clip-low", lambda A: np.clip(A.m, None, A.v), 1),
    ("dot", lambda A: np.dot(A.m, A.v), 2),
    ("dot-1d", lambda A: np.dot(A.v, A.v), 2),
    ("matmul", lambda A: np.matmul(A.m, A.c), 2),
    ("inner", lambda A: np.inner(A.t, A.m), 2),
    ("outer", lambda A: np.outer(A.v, A.w), 2),
    ("kron", lambda A: np.kron(A.s, A.c), 2),
    ("tensordot", lambda A: np.tensordot(A.t, A.m, 2), 2),
    ("vecdot", lambda A: np.linalg.vecdot(A.m, A.v), 2),
    ("einsum-ij,jk", lambda A: np.einsum("ij,jk->ik", A.m, A.c), 2),
    ("einsum-ijk,ik", lambda A: np.einsum("ijk,ik->ij", A.t, A.m[:2]), 2),
    ("multi_dot", lambda A: np.linalg.multi_dot([A.s, A.s, A.m]), 3),
    ("matrix_power", lambda A: np.linalg.matrix_power(A.s, 3), 3),
    ("prod", lambda A: np.prod(A.m, axis=1), 4),
]


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize(("label", "run", "degree"), HOMOGENEOUS, ids=[h[0] for h in HOMOGENEOUS])
def test_far_outside_float_range(label: str, run: Callable[[Ops], Any], degree: int, signed: bool) -> None:
    scaled, lins = _scaled(signed)
    got = run(scaled)
    assert abs(np.max(np.abs(np.asarray(_log_of(got))))) > 1000 or not np.any(np.isfinite(_log_of(got)))
    with np.errstate(all="ignore"):
        expected = run(lins)
    back = got / TINY**degree
    assert_same(back if isinstance(back, LogArray) or np.ndim(expected) else LogFloat(back), expected, np.float64)


def _log_of(x: Any) -> Any:
    return x.log


def _mp_sum(logs: np.ndarray, signs: np.ndarray) -> Any:
    return mpmath.fsum(int(s) * mpmath.exp(mpmath.mpf(float(lg))) for lg, s in zip(logs.ravel(), signs.ravel()))


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_sums_beyond_float_range_against_mpmath(signed: bool) -> None:
    rng = np.random.default_rng(7)
    logs = rng.uniform(-11600.0, -11500.0, (4, 6))
    signs = rng.choice([-1.0, 1.0], logs.shape) if signed else np.ones(logs.shape)
    a = LogArray.from_log(logs, signs if signed else None)
    b = LogArray.from_log(logs[:, ::-1].T.copy(), signs[:, ::-1].T.copy() if signed else None)

    def check(got: Any, reference: Any) -> None:
        assert got.sign == int(mpmath.sign(reference))
        assert got.log == pytest.approx(float(mpmath.log(abs(reference))), rel=1e-14)

    with mpmath.workprec(200):
        _check_sums(a, b, logs, signs, check)


def _check_sums(a: LogArray, b: LogArray, logs: np.ndarray, signs: np.ndarray, check: Callable[..., None]) -> None:
    check(np.sum(a), _mp_sum(logs, signs))
    for i, total in enumerate(np.sum(a, axis=1)):
        check(total, _mp_sum(logs[i], signs[i]))
    check(np.mean(a), _mp_sum(logs, signs) / logs.size)
    running = np.cumsum(a[1])
    for k in range(logs.shape[1]):
        check(running[k], _mp_sum(logs[1, : k + 1], signs[1, : k + 1]))
    product = np.einsum("ij,jk->ik", a, b)
    via_dot = np.dot(a, b)
    blog, bsign = b.log, b.sign
    for i in range(4):
        for k in range(4):
            reference = _mp_sum(logs[i] + blog[:, k], signs[i] * bsign[:, k])
            check(product[i, k], reference)
            check(via_dot[i, k], reference)


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize("ufunc", [np.add, np.subtract, np.multiply, np.divide, np.maximum, np.minimum, np.hypot])
def test_binary_ufuncs_beyond_float_range_against_logfloat(ufunc: np.ufunc, signed: bool) -> None:
    rng = np.random.default_rng(3)
    x = LogArray.from_log(rng.uniform(-11600.0, -11500.0, 6), rng.choice([-1, 1], 6) if signed else None)
    y = LogArray.from_log(rng.uniform(-11600.0, -11500.0, 6), rng.choice([-1, 1], 6) if signed else None)
    got = ufunc(x, y)
    scalar = {
        np.add: lambda p, q: p + q,
        np.subtract: lambda p, q: p - q,
        np.multiply: lambda p, q: p * q,
        np.divide: lambda p, q: p / q,
        np.maximum: max,
        np.minimum: min,
        np.hypot: lambda p, q: (p * p + q * q).sqrt(),
    }[ufunc]
    for k in range(6):
        reference = scalar(x[k], y[k])
        assert got[k].sign == reference.sign
        assert got[k].log == pytest.approx(reference.log, rel=1e-13)


# ---------------------------------------------------------------------------
# Refused functions
# ---------------------------------------------------------------------------


def _call_with_logarrays(func: Any, a: LogArray) -> Any:
    """Call ``func`` with ``a`` for every argument that has no default."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for p in inspect.signature(func).parameters.values():
        if p.default is not inspect.Parameter.empty:
            continue
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL):
            args.append(a)
        elif p.kind == p.KEYWORD_ONLY:
            kwargs[p.name] = a
    return func(*args, **kwargs)


REFUSED = sorted(api.REFUSED, key=name_of)


@pytest.mark.parametrize("func", REFUSED, ids=name_of)
def test_refused_function_raises_naming_it(func: Any) -> None:
    a = LogArray([[1.0, 2.0], [3.0, 4.0]])
    message = f"{name_of(func)} is not supported on LogArray: {api.REFUSED[func]}"
    with pytest.raises(TypeError, match=re.escape(message)):
        _call_with_logarrays(func, a)
    with pytest.raises(TypeError, match=re.escape(message)):
        api.array_function(func, (LogArray,), (a,), {})


def test_refusal_names_the_function_with_its_module() -> None:
    a = LogArray([1.0, 2.0])
    with pytest.raises(TypeError, match=r"^numpy\.fft\.fft is not supported on LogArray: it computes on linear"):
        np.fft.fft(a)
    with pytest.raises(TypeError, match=r"^numpy\.linalg\.inv is not supported on LogArray: linear algebra"):
        np.linalg.inv(LogArray(np.eye(2)))
    with pytest.raises(TypeError, match=r"^numpy\.median is not supported on LogArray: statistics"):
        np.median(a)
    with pytest.raises(TypeError, match=r"^numpy\.unique is not supported on LogArray: sets"):
        np.unique(a)
    with pytest.raises(TypeError, match=r"^numpy\.round is not supported"):
        np.round(a)
    assert name_of(np.concatenate) == "numpy.concatenate" and name_of(np.transpose) == "numpy.transpose"
    assert name_of(np.char.join) == "numpy.char.join" and name_of(np.emath.sqrt) == "numpy.lib.scimath.sqrt"
    # A function in neither table (one a later numpy may add) is refused too, by name.

    def brand_new(x: Any) -> Any:
        return x

    with pytest.raises(TypeError, match=r"brand_new is not supported on LogArray: it is not implemented"):
        api.array_function(brand_new, (LogArray,), (a,), {})


def test_refusal_reasons_are_a_handful() -> None:
    reasons = set(api.REFUSED.values())
    assert 5 <= len(reasons) <= 15
    counts = {reason: sum(1 for r in api.REFUSED.values() if r == reason) for reason in reasons}
    assert all(n >= 1 for n in counts.values())


def test_unsupported_arguments_name_the_function() -> None:
    a = LogArray([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match=r"numpy\.sum on a LogArray does not support the argument\(s\): initial"):
        np.sum(a, initial=1.0)
    with pytest.raises(TypeError, match=r"numpy\.sum on a LogArray does not support the argument\(s\): dtype"):
        np.sum(a, dtype=np.float32)
    with pytest.raises(TypeError, match=r"numpy\.einsum on a LogArray does not support"):
        np.einsum("ij->i", a, dtype=np.float32)
    with pytest.raises(TypeError, match=r"numpy\.concatenate on a LogArray does not support the argument\(s\): dtype"):
        np.concatenate([a, a], dtype=np.float32)
    with pytest.raises(TypeError, match=r"numpy\.argmax on a LogArray: .*unexpected keyword argument 'bogus'"):
        api.array_function(np.argmax, (LogArray,), (a,), {"bogus": 1})
    with pytest.raises(TypeError, match=r"numpy\.pad with mode='mean' is not supported"):
        np.pad(a, 1, mode="mean")
    with pytest.raises(TypeError, match=r"numpy\.linalg\.norm with ord=2 is not supported"):
        np.linalg.norm(a, 2)
    with pytest.raises(TypeError, match=r"negative exponent"):
        np.linalg.matrix_power(a, -1)
    with pytest.raises(TypeError, match=r"numpy\.choose takes integer indices"):
        np.choose(a, [a])


# ---------------------------------------------------------------------------
# ufuncs
# ---------------------------------------------------------------------------

UNARY = [u for u in api.UFUNCS if u.nin == 1 and u not in (np.exp, np.log, np.log10, np.log2)]
BINARY = [u for u in api.UFUNCS if u.nin == 2 and u not in (np.matmul, np.vecdot) and u.signature is None]
CORE = [u for u in api.UFUNCS if u.signature is not None]


def _ufunc_operands(signed: bool, dtype: Any, seed: int = 2) -> tuple[LogArray, LogArray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = _values(rng, (3, 4), signed, zero=True).astype(dtype)
    x.flat[7] = 1.0
    y = _values(rng, (4,), signed, zero=False).astype(dtype)
    z = _values(rng, (3, 1), signed, zero=False)  # float64 ndarray
    return LogArray(x), LogArray(y), z


def test_ufunc_groups_cover_the_table() -> None:
    assert set(UNARY) | set(BINARY) | set(CORE) | {np.exp, np.log, np.log10, np.log2} == set(api.UFUNCS)
    for expected in ("add", "subtract", "multiply", "divide", "power", "sqrt", "square", "negative", "absolute",
                     "maximum", "minimum", "isfinite", "isnan", "isinf", "sign", "log", "exp"):  # fmt: skip
        assert getattr(np, expected) in api.UFUNCS


def _compare_ufunc(ufunc: np.ufunc, log_inputs: tuple[Any, ...], dtype: Any) -> None:
    # A LogFloat is weak like a Python float: its reference is a Python float.
    lin_inputs = tuple(float(x) if isinstance(x, LogFloat) else linear(x) for x in log_inputs)
    with np.errstate(all="ignore"):
        expected = ufunc(*lin_inputs)
        got = ufunc(*log_inputs)
    assert_same(got, expected, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize("ufunc", UNARY, ids=lambda u: u.__name__)
def test_unary_ufunc_matches_numpy(ufunc: np.ufunc, signed: bool, dtype: Any) -> None:
    x, _, _ = _ufunc_operands(signed, dtype)
    special = LogArray(np.array([0.0, np.inf, -np.inf, np.nan, 1.0, -2.5][: 6 if signed else 5], dtype))
    special = special if signed else abs(special)
    _compare_ufunc(ufunc, (x,), dtype)
    _compare_ufunc(ufunc, (special,), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize("ufunc", BINARY, ids=lambda u: u.__name__)
def test_binary_ufunc_matches_numpy(ufunc: np.ufunc, signed: bool, dtype: Any) -> None:
    x, y, z = _ufunc_operands(signed, dtype)
    if ufunc in (np.power, np.float_power):
        y = LogArray(np.array([2.0, 0.0, 3.0, -1.0], dtype)) if signed else y
        z = np.array([[2.0], [-1.0], [0.5]]) if not signed else np.array([[2.0], [1.0], [-3.0]])
    for inputs in [(x, y), (y, x), (x, y.to_numpy()), (x.to_numpy(), y), (x, z), (z, x), (x, 1.5), (2.0, x),
                   (x, LogFloat(0.75)), (LogFloat(1.25), y), (x, x), (x[0, 1], y)]:  # fmt: skip
        _compare_ufunc(ufunc, inputs, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_core_dimension_ufuncs_match_numpy(signed: bool, dtype: Any) -> None:
    logs, _ = operands(signed, dtype)
    for ufunc, inputs in [
        (np.matmul, (logs.m, logs.c)),
        (np.matmul, (logs.t, logs.v)),
        (np.matmul, (logs.w, logs.m)),
        (np.vecdot, (logs.m, logs.v)),
        (np.vecdot, (logs.t, logs.nv)),
        (getattr(np, "matvec", None), (logs.t, logs.v)),
        (getattr(np, "vecmat", None), (logs.w, logs.m)),
    ]:
        if ufunc is not None:
            _compare_ufunc(ufunc, inputs, dtype)


def test_special_values_follow_numpy() -> None:
    values = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 2.0])
    a = LogArray(values)
    for ufunc in (np.isfinite, np.isnan, np.isinf, np.sign, np.signbit, np.negative, np.absolute, np.square, np.cbrt):
        with np.errstate(all="ignore"):
            expected = ufunc(values)
        got = ufunc(a)
        if ufunc is np.signbit:  # a LogArray has one zero, without a sign
            expected[1] = False
        assert_same(got, expected, np.float64)
    for ufunc in (np.add, np.subtract, np.multiply, np.maximum, np.minimum, np.fmax, np.fmin, np.equal, np.less,
                  np.greater_equal, np.not_equal, np.hypot, np.logical_and, np.logical_xor):  # fmt: skip
        with np.errstate(all="ignore"):
            expected = ufunc(values[:, None], values[None, :])
            got = ufunc(a[:, None], a[None, :])
        assert_same(got, expected, np.float64)


def test_domain_errors_warn_as_numpy() -> None:
    a = LogArray([4.0, -4.0])
    with pytest.warns(RuntimeWarning, match="invalid value"):
        root = np.sqrt(a)
    assert np.isnan(root.log[1]) and float(root[0]) == pytest.approx(2.0)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        np.divide(a, LogArray([0.0, 1.0]))
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        np.power(a, 0.5)


def test_log_returns_the_stored_logs() -> None:
    a = LogArray(["1e-5000", "2.5", "0"])
    logs = np.log(a)
    assert type(logs) is np.ndarray
    np.testing.assert_array_equal(logs, a.log)
    assert logs is not a.log
    signed = LogArray([-2.0, 3.0, 0.0, -0.0])
    with pytest.warns(RuntimeWarning, match="invalid value encountered in log"):
        logs = np.log(signed)
    np.testing.assert_array_equal(logs, [np.nan, np.log(3.0), -np.inf, -np.inf])
    with np.errstate(invalid="ignore"):
        assert np.isnan(np.log(LogArray([-1.0]))[0])
    f32 = LogArray(np.array([1.0, 2.0], np.float32))
    assert np.log(f32).dtype == np.float32
    out = np.empty(3)
    assert np.log(a, out=out) is out
    np.testing.assert_array_equal(out, a.log)


def test_exp_is_refused_with_the_reason() -> None:
    a = LogArray([1.0, 2.0])
    with pytest.raises(TypeError, match=r"np\.exp of a LogArray is not defined: a LogArray already stands for exp"):
        np.exp(a)
    with pytest.raises(TypeError, match=r"np\.exp of a LogArray is not defined"):
        api.scalar_array_ufunc(np.exp, "__call__", (LogFloat(2.0),), {})


def test_unsupported_ufunc_is_refused_naming_it() -> None:
    a = LogArray([1.0, 2.0])
    with pytest.raises(TypeError, match=r"^numpy\.sin is not supported on LogArray: it would compute on linear"):
        np.sin(a)
    with pytest.raises(TypeError, match=r"^numpy\.add\.reduceat is not supported"):
        np.add.reduceat(a, [0])
    with pytest.raises(TypeError, match=r"numpy\.add on a LogArray does not support the argument\(s\): dtype"):
        np.add(a, a, dtype=np.float32)
    with pytest.raises(TypeError, match=r"numpy\.add on a LogArray does not support the argument\(s\): casting"):
        np.add(a, a, casting="unsafe")
    with pytest.raises(TypeError, match=r"initial"):
        np.add.reduce(a, initial=1.0)


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_ufunc_methods(signed: bool) -> None:
    logs, lins = operands(signed, np.float64)
    for ufunc, method, args, kwargs in [
        (np.add, "reduce", (logs.m,), {}),
        (np.add, "reduce", (logs.t,), {"axis": 1}),
        (np.add, "reduce", (logs.t,), {"axis": None, "keepdims": True}),
        (np.multiply, "reduce", (logs.m,), {"axis": -1, "keepdims": True}),
        (np.maximum, "reduce", (logs.t,), {"axis": (0, 2)}),
        (np.minimum, "reduce", (logs.m,), {}),
        (np.fmax, "reduce", (_with_nans(logs.m),), {"axis": 1}),
        (np.fmin, "reduce", (_with_nans(logs.m),), {"axis": 0}),
        (np.add, "accumulate", (logs.m,), {"axis": 1}),
        (np.multiply, "accumulate", (logs.m,), {}),
        (np.add, "outer", (logs.v, logs.w), {}),
        (np.subtract, "outer", (logs.nv, logs.m), {}),
        (np.less, "outer", (logs.v, logs.v), {}),
        (np.power, "outer", (logs.v, [1.0, 2.0]), {}),
        (np.logical_and, "reduce", (logs.m,), {"axis": 1}),
        (np.logical_or, "accumulate", (logs.m,), {}),
        (np.logical_xor, "outer", (logs.v, logs.w), {}),
    ]:
        lin_args = tuple(linear(x) if isinstance(x, LogArray) else x for x in args)
        with np.errstate(all="ignore"):
            expected = getattr(ufunc, method)(*lin_args, **kwargs)
            got = getattr(ufunc, method)(*args, **kwargs)
        assert_same(got, expected, np.float64)


def test_fmax_reduce_of_all_nan_is_quiet_nanmax_warns() -> None:
    a = LogArray([[np.nan, np.nan], [1.0, np.nan]])
    result = np.fmax.reduce(a, axis=1)
    assert np.isnan(result.log[0]) and float(result[1]) == 1.0
    with pytest.warns(RuntimeWarning, match="All-NaN slice encountered"):
        result = np.nanmax(a, axis=1)
    assert np.isnan(result.log[0]) and float(result[1]) == 1.0
    with pytest.raises(ValueError, match="All-NaN slice encountered"):
        np.nanargmin(a, axis=1)
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        result = np.nanmean(a, axis=1)
    assert np.isnan(result.log[0]) and float(result[1]) == 1.0


def test_nan_functions_tie_breaking_follows_numpy() -> None:
    values = np.array([np.nan, 0.0, np.nan, 0.0])
    a = LogArray(values)
    assert np.nanargmax(a) == np.nanargmax(values)
    assert np.nanargmin(a) == np.nanargmin(values)
    assert float(np.nanmax(a)) == 0.0 and not np.nanmax(LogArray([np.nan, 2.0])).sign < 0


# ---------------------------------------------------------------------------
# out= and where=
# ---------------------------------------------------------------------------


def test_ufunc_out() -> None:
    a, b = LogArray([1.0, 2.0, 3.0]), LogArray([0.5, 0.25, 4.0])
    out = LogArray.zeros(3)
    assert np.add(a, b, out=out) is out
    np.testing.assert_allclose(out.to_numpy(), [1.5, 2.25, 7.0])
    assert np.multiply(a, b, out=(out,)) is out
    np.testing.assert_allclose(out.to_numpy(), [0.5, 0.5, 12.0])
    # out= broadcasts the result, as numpy does
    big = LogArray.zeros((2, 3), dtype=np.float32)
    np.add(a, 1.0, out=big)
    np.testing.assert_allclose(big.to_numpy(), [[2.0, 3.0, 4.0]] * 2, rtol=1e-6)
    assert big.dtype == np.float32
    # where= needs out= and leaves the other entries
    out = LogArray([9.0, 9.0, 9.0])
    np.add(a, b, out=out, where=[True, False, True])
    np.testing.assert_allclose(out.to_numpy(), [1.5, 9.0, 7.0])
    with pytest.raises(TypeError, match="where= needs out="):
        np.add(a, b, where=[True, False, True])
    flags = np.zeros(3, bool)
    assert np.less(a, b, out=flags) is flags
    np.testing.assert_array_equal(flags, [False, False, True])
    flags[:] = True
    np.greater(a, b, out=flags, where=np.array([False, True, False]))
    np.testing.assert_array_equal(flags, [True, True, True])
    with pytest.raises(TypeError, match="out= must be a LogArray"):
        np.add(a, b, out=np.zeros(3))
    with pytest.raises(TypeError, match="out= must be an ndarray"):
        np.less(a, b, out=LogArray.zeros(3))
    with pytest.raises(ValueError, match="negative values to an unsigned LogArray"):
        np.subtract(b, a, out=LogArray.zeros(3))
    signed = LogArray.zeros(3, signed=True)
    np.subtract(b, a, out=signed)
    np.testing.assert_allclose(signed.to_numpy(), [-0.5, -1.75, 1.0])
    total = LogArray.zeros(())
    assert np.add.reduce(a, out=total) is total and float(total.item()) == pytest.approx(6.0)


def test_function_out() -> None:
    a = LogArray([[1.0, 2.0], [3.0, 4.0]])
    out = LogArray.zeros(2)
    assert np.sum(a, axis=0, out=out) is out
    np.testing.assert_allclose(out.to_numpy(), [4.0, 6.0])
    index = np.zeros(2, np.intp)
    assert np.argmax(a, axis=1, out=index) is index
    assert np.einsum("ij->j", a, out=out) is out
    np.testing.assert_allclose(out.to_numpy(), [4.0, 6.0])
    flags = np.zeros(2, bool)
    assert np.any(a, axis=0, out=flags) is flags
    with pytest.raises(TypeError, match="out= must be an ndarray"):
        np.any(a, out=LogArray.zeros(()))
    with pytest.raises(TypeError, match="out= must be a LogArray"):
        np.cumsum(a, out=np.zeros(4))


# ---------------------------------------------------------------------------
# isclose and allclose
# ---------------------------------------------------------------------------


def test_isclose_follows_numpy_on_special_values() -> None:
    values = np.array([0.0, 1e-9, 1.0, 1.0 + 1e-6, -1.0, np.inf, -np.inf, np.nan, 1e300, 2e300])
    a = LogArray(values)
    for kwargs in ({}, {"atol": 0.0}, {"rtol": 0.0}, {"equal_nan": True}, {"rtol": 0.1, "atol": 1e-3}):
        with np.errstate(all="ignore"):
            expected = np.isclose(values[:, None], values[None, :], **kwargs)
        np.testing.assert_array_equal(np.isclose(a[:, None], a[None, :], **kwargs), expected)
        assert np.allclose(a, a, **kwargs) == np.allclose(values, values, **kwargs)
    assert np.isclose(LogArray(2.0), 2.0) is np.True_ or np.isclose(LogArray(2.0), 2.0) == np.True_


def test_isclose_linear_atol_makes_tiny_values_close() -> None:
    tiny = LogArray(["1e-300", "1e-5000", "3e-5000"])
    other = LogArray(["2e-300", "2e-5000", "3e-5000"])
    np.testing.assert_array_equal(np.isclose(tiny, other), [True, True, True])
    np.testing.assert_array_equal(np.isclose(tiny, other, atol=0), [False, False, True])
    assert np.allclose(tiny, other) and not np.allclose(tiny, other, atol=0)
    assert np.allclose(tiny * LogFloat("1e-5000"), tiny * LogFloat("1.000000001e-5000"), atol=0)
    doc = api.__doc__ or ""
    assert "atol" in doc and "tiny" in doc and "atol=0" in doc
    assert "atol=0" in (api.FUNCTIONS[np.isclose].__doc__ or "")


# ---------------------------------------------------------------------------
# einsum
# ---------------------------------------------------------------------------

EINSUM = [
    ("ij,jk->ik", ["m", "c"]),
    ("i,i->", ["v", "v"]),
    ("ii->i", ["s"]),
    ("ii", ["s"]),
    ("ij->ji", ["m"]),
    ("ijk,ik->ij", ["t", "m2"]),
    ("ij,jk", ["m", "c"]),
    ("ji", ["m"]),
    ("ij", ["m"]),
    ("i,j", ["v", "w"]),
    ("i,j->", ["v", "w"]),
    ("ijk->", ["t"]),
    ("ijk->kji", ["t"]),
    ("ij,ij->i", ["m", "nm"]),
    ("...ij,jk", ["t", "c"]),
    ("...j,j->...", ["t", "v"]),
    ("ij...,j->i...", ["m", "w1"]),
    ("i...->...", ["t"]),
    ("bij,bjk->bik", ["t", "t2"]),
    (" ij , jk -> ik ", ["m", "c"]),
    ("iij->ij", ["d"]),
    ("ij,j->i", ["m", "one"]),
]


def _einsum_operands(signed: bool, dtype: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    logs, lins = operands(signed, dtype)
    extra = {
        "m2": lambda A: A.m[:2],
        "t2": lambda A: np.swapaxes(A.t, 1, 2),
        "w1": lambda A: A.v,
        "d": lambda A: np.stack([A.s, A.s * 2.0], axis=-1),
        "one": lambda A: A.v[:1],
    }
    result = []
    for ops in (logs, lins):
        named = {k: v for k, v in ops.__dict__.items() if k != "logdomain"}
        named.update({k: f(ops) for k, f in extra.items()})
        result.append(named)
    return result[0], result[1]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize(("subscripts", "names"), EINSUM, ids=[e[0].strip() for e in EINSUM])
def test_einsum_matches_numpy(subscripts: str, names: list[str], signed: bool, dtype: Any) -> None:
    logs, lins = _einsum_operands(signed, dtype)
    expected = np.einsum(subscripts, *(lins[n] for n in names))
    got = np.einsum(subscripts, *(logs[n] for n in names))
    assert_same(got, expected, dtype)
    assert isinstance(got, LogFloat) == (np.ndim(expected) == 0)
    if isinstance(got, LogArray):
        got[...] = 1.0  # a result is a writeable array of its own


def test_einsum_plan_is_reused_only_for_labels_and_shapes() -> None:
    # The contraction plan is remembered per subscripts and shapes: a second
    # call with other values, signs or a broadcast operand computes afresh.
    rng = np.random.default_rng(12)
    first = [rng.random((3, 4)), rng.random((4, 5)), rng.random((5, 2))]
    second = [-rng.random((3, 4)), rng.random((4, 5)), rng.random((5, 2))]
    for values in (first, second, first):
        got = np.einsum("ij,jk,kl->il", *(LogArray(v) for v in values))
        np.testing.assert_allclose(got.to_numpy(), np.einsum("ij,jk,kl->il", *values), rtol=1e-13)
    column = rng.random((4, 1))
    got = np.einsum("ij,jk,kl->il", LogArray(first[0]), LogArray(column), LogArray(rng.random((1, 2))))
    assert got.shape == (3, 2)
    A = LogArray(first[1])
    before = np.einsum("ij,jk->ik", LogArray(first[0]), A)
    A[0, 0] = 10.0  # the @ cache of an operand multiplied as it is must see the write
    after = np.einsum("ij,jk->ik", LogArray(first[0]), A)
    changed = first[1].copy()
    changed[0, 0] = 10.0
    np.testing.assert_allclose(after.to_numpy(), first[0] @ changed, rtol=1e-13)
    assert not np.allclose(before.to_numpy(), after.to_numpy())


def test_einsum_errors() -> None:
    a = LogArray([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="subscripts but"):
        np.einsum("ij,jk->ik", a)
    with pytest.raises(ValueError, match="does not match"):
        np.einsum("ij,jk->ik", a, LogArray(np.ones((3, 2))))
    with pytest.raises(ValueError, match="no '...' ellipsis"):
        np.einsum("...i->i", LogArray(np.ones((2, 3))))
    with pytest.raises(ValueError, match="invalid output"):
        np.einsum("ij->iz", a)
    with pytest.raises(TypeError, match="subscripts string"):
        np.einsum(a, [0, 1], [1])
    assert np.einsum("ij,jk", a, a, optimize=True).shape == (2, 2)


def test_einsum_zero_times_inf_is_nan_quietly() -> None:
    x = LogArray([0.0, 1.0])
    y = LogArray([np.inf, 2.0])
    assert np.isnan(np.einsum("i,i", x, y).log)
    assert np.isnan(np.einsum("i,i", x.to_numpy(), y.to_numpy()))


# ---------------------------------------------------------------------------
# Further semantics
# ---------------------------------------------------------------------------


def test_truth_values_count_tiny_numbers_and_nan() -> None:
    a = LogArray(["1e-5000", "0", "nan", "-2"])
    np.testing.assert_array_equal(np.nonzero(a)[0], [0, 2, 3])
    assert np.count_nonzero(a) == 3
    np.testing.assert_array_equal(np.logical_not(a), [False, True, False, False])
    np.testing.assert_array_equal(np.where(a)[0], [0, 2, 3])
    assert np.any(LogArray([np.nan])) and not np.all(a)
    assert list(np.where(a, a, 7.0).log[:2]) == [a.log[0], np.log(7.0)]


def test_searchsorted_is_exact_far_outside_float_range() -> None:
    haystack = LogArray(["-1e-5000", "-1e-6000", "0", "1e-6000", "2e-6000", "1e-5000", "nan"])
    needles = LogArray(["-2e-5000", "-1e-5000", "-1e-5500", "0", "1.5e-6000", "1e-5000", "1e300", "nan"])
    np.testing.assert_array_equal(np.searchsorted(haystack, needles), [0, 0, 1, 2, 4, 5, 6, 6])
    np.testing.assert_array_equal(np.searchsorted(haystack, needles, side="right"), [0, 1, 1, 3, 4, 6, 6, 7])
    assert np.searchsorted(haystack, LogFloat("1e-5000")) == 5


def test_sort_order_far_outside_float_range() -> None:
    a = LogArray(["3e-5000", "-1e-5000", "0", "1e-5000", "-2e-6000", "inf", "-inf"])
    expected = LogArray(["-inf", "-1e-5000", "-2e-6000", "0", "1e-5000", "3e-5000", "inf"])
    assert np.array_equal(np.sort(a), expected)
    np.testing.assert_array_equal(np.argsort(a), [6, 1, 4, 2, 3, 0, 5])
    assert np.argmax(a) == 5 and np.argmin(a) == 6


def test_sort_puts_nan_last_in_signed_arrays() -> None:
    values = np.array([np.nan, -1.0, 0.0, 1.0, np.nan, -np.inf])
    np.testing.assert_array_equal(np.sort(LogArray(values)).to_numpy(), np.sort(values))
    np.testing.assert_array_equal(np.argsort(LogArray(values), kind="stable"), np.argsort(values, kind="stable"))
    np.testing.assert_array_equal(
        np.searchsorted(np.sort(LogArray(values)), LogArray(values)), np.searchsorted(np.sort(values), values)
    )


def test_shape_functions_keep_signedness_and_share_memory() -> None:
    unsigned = LogArray([[1.0, 2.0], [3.0, 4.0]])
    signed = LogArray([[1.0, -2.0], [3.0, 4.0]])
    assert not np.flip(unsigned).signed and np.flip(signed).signed
    assert np.shares_memory(np.transpose(signed), signed)
    assert not np.shares_memory(np.copy(signed), signed)
    assert np.zeros_like(signed).signed and not np.zeros_like(unsigned).signed
    assert np.full_like(unsigned, -1.0).signed
    parts = np.split(signed, 2)
    assert [p.signed for p in parts] == [True, True]
    with pytest.raises(ValueError, match="negative values to an unsigned LogArray"):
        np.copyto(unsigned, signed)
    with pytest.raises(TypeError, match="target must be a LogArray"):
        np.copyto(np.zeros((2, 2)), signed)
    sliding = np.lib.stride_tricks.sliding_window_view(unsigned, 2, axis=1)
    assert np.shares_memory(sliding, unsigned)


def test_functions_accept_logfloats_and_strings_in_lists() -> None:
    joined = np.concatenate([LogArray(["1e-5000"]), [LogFloat("2e-5000"), "3e-5000"]])
    assert np.array_equal(joined, LogArray(["1e-5000", "2e-5000", "3e-5000"]))
    stacked = np.stack([LogArray([1.0, 2.0]), [LogArray(3.0), LogFloat(4.0)]])
    np.testing.assert_allclose(stacked.to_numpy(), [[1.0, 2.0], [3.0, 4.0]])


def test_foreign_array_types_get_their_turn() -> None:
    class Other:
        def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
            return "other"

        def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
            return "other"

    a = LogArray([1.0, 2.0])
    assert np.add(a, Other()) == "other"
    assert np.concatenate([a, Other()]) == "other"


# ---------------------------------------------------------------------------
# LogFloat: ufuncs act as on a 0-d LogArray
# ---------------------------------------------------------------------------

SCALARS = [LogFloat(2.5), LogFloat(-0.75), LogFloat(0), LogFloat("1e-5000"), LogFloat("nan"), LogFloat("-inf")]


def _as_0d(x: Any) -> Any:
    return LogArray._from_parts(np.array(x.log), np.array(x.sign < 0)) if isinstance(x, LogFloat) else x


def _same_scalar(got: Any, expected: Any) -> None:
    if isinstance(expected, LogArray):
        assert isinstance(got, LogFloat), type(got)
        assert expected.ndim == 0
        ref = expected.item()
        assert (got.log == ref.log or (np.isnan(got.log) and np.isnan(ref.log))) and got.sign == ref.sign
    else:
        expected = np.asarray(expected)[()]
        assert isinstance(got, np.generic), type(got)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    "ufunc", [u for u in api.UFUNCS if u.signature is None and u is not np.exp], ids=lambda u: u.__name__
)
def test_scalar_array_ufunc_acts_as_on_0d_logarray(ufunc: np.ufunc) -> None:
    with np.errstate(all="ignore"):
        for x in SCALARS:
            for inputs in [(x,)] if ufunc.nin == 1 else [(x, y) for y in SCALARS] + [(x, 2.0), (3.0, x)]:
                if ufunc in (np.power, np.float_power) and isinstance(inputs[-1], LogFloat) and inputs[-1].sign < 0:
                    continue
                got = api.scalar_array_ufunc(ufunc, "__call__", inputs, {})
                expected = api.array_ufunc(ufunc, "__call__", tuple(_as_0d(i) for i in inputs), {})
                _same_scalar(got, expected)


def test_scalar_array_ufunc_details() -> None:
    x, y = LogFloat("1e-5000"), LogFloat("3e-5000")
    total = api.scalar_array_ufunc(np.add, "__call__", (x, y), {})
    assert isinstance(total, LogFloat) and total == x + y
    assert api.scalar_array_ufunc(np.less, "__call__", (x, y), {}) is np.True_
    log = api.scalar_array_ufunc(np.log, "__call__", (y,), {})
    assert isinstance(log, np.float64) and log == y.log
    # weak like a Python float: float32 arrays stay float32
    f32 = np.array([1.0, 2.0], np.float32)
    result = api.scalar_array_ufunc(np.multiply, "__call__", (LogFloat(0.5), f32), {})
    assert isinstance(result, LogArray) and result.dtype == np.float32 and result.shape == (2,)
    # a LogArray operand (or out=) answers instead
    assert api.scalar_array_ufunc(np.add, "__call__", (x, LogArray([1.0])), {}) is NotImplemented
    assert api.scalar_array_ufunc(np.add, "__call__", (x, y), {"out": (LogArray.zeros(()),)}) is NotImplemented
    out = np.zeros((), bool)
    assert api.scalar_array_ufunc(np.isnan, "__call__", (x,), {"out": (out,)}) is out
    outer = api.scalar_array_ufunc(np.multiply, "outer", (x, [1.0, 2.0]), {})
    assert isinstance(outer, LogArray) and outer.shape == (2,)
    with pytest.raises(TypeError, match=r"numpy\.sin is not supported"):
        api.scalar_array_ufunc(np.sin, "__call__", (x,), {})
    with pytest.warns(RuntimeWarning, match="invalid value encountered in log"):
        assert np.isnan(api.scalar_array_ufunc(np.log, "__call__", (LogFloat(-2.0),), {}))


def test_tables_hold_one_entry_per_function() -> None:
    for table in (api.UFUNCS, api.FUNCTIONS, api.REFUSED):
        assert len(table) == len(set(map(id, table)))
    for reason in api.REFUSED.values():
        assert isinstance(reason, str) and reason and not reason.endswith(".")
    for (ufunc, method), handler in api.UFUNC_METHODS.items():
        assert isinstance(ufunc, np.ufunc) and method in ("reduce", "accumulate", "outer") and callable(handler)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all(callable(h) for h in api.FUNCTIONS.values())


def test_numpy_ufuncs_on_logfloat() -> None:
    x, y = LogFloat("1e-5000"), LogFloat("-3e-5000")
    total = np.add(x, y)
    assert isinstance(total, LogFloat) and total.sign == -1
    assert total.log == pytest.approx((x + y).log, rel=1e-15)
    assert np.less(y, x) is np.True_ and np.isnan(x) is np.False_
    assert isinstance(np.sqrt(x), LogFloat) and np.sqrt(x).log == pytest.approx(x.log / 2)
    scaled = np.multiply(np.array([1.0, 2.0], np.float32), x)
    assert isinstance(scaled, LogArray) and scaled.dtype == np.float32
    mixed = np.add(x, LogArray([1.0]))
    assert isinstance(mixed, LogArray) and mixed.shape == (1,)
    with pytest.raises(TypeError, match=r"np\.exp of a LogArray is not defined"):
        np.exp(x)
