"""A LogArray inside xarray: it stays a LogArray through reductions, indexing and where.

Each xarray operation is checked against the same LogArray operation, on
values far below float range (where a trip through floats would give 0).
"""

from __future__ import annotations

import numpy as np
import pytest

from logspace import LogArray, LogFloat

xr = pytest.importorskip("xarray")


@pytest.fixture
def tiny() -> LogArray:
    rng = np.random.default_rng(0)
    logs = rng.uniform(-12000.0, -11000.0, (3, 4))
    logs[0, 1] = 0.0
    return LogArray.from_log(logs)


def same(got: object, expected: LogArray | LogFloat) -> bool:
    if isinstance(expected, LogFloat):
        value = got.item() if isinstance(got, np.ndarray) else got  # a 0-d result holds the LogFloat
        return isinstance(value, LogFloat) and value.log == expected.log and value.sign == expected.sign
    return isinstance(got, LogArray) and got.shape == expected.shape and np.array_equal(got.log, expected.log, equal_nan=True)


def test_dataarray_keeps_the_logarray(tiny):
    d = xr.DataArray(tiny, dims=("t", "k"))
    assert d.data is tiny
    assert d.dtype == tiny.dtype and d.shape == tiny.shape and d.ndim == 2 and d.size == 12


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod"])
def test_reductions_along_a_dimension(tiny, name):
    d = xr.DataArray(tiny, dims=("t", "k"))
    assert same(getattr(d, name)("t").data, getattr(tiny, name)(axis=0))
    assert same(getattr(d, name)("k").data, getattr(tiny, name)(axis=1))


@pytest.mark.parametrize("name", ["sum", "mean", "max"])
def test_full_reductions_keep_the_exact_value_regression(tiny, name):
    # xr.DataArray(a).mean() gave a float 0.0 for values near 1e-5000.
    # xarray kept only results with __array_function__ and boxed the LogFloat in an object array.
    d = xr.DataArray(tiny, dims=("t", "k"))
    reduced = getattr(d, name)()
    assert isinstance(reduced.data, LogFloat)  # a 0-d duck array for xarray, not an object array
    assert same(reduced.data, getattr(tiny, name)())
    assert same((reduced * 2).data, getattr(tiny, name)() * 2)
    far = xr.DataArray(LogArray(["1e-5000", "3e-5000"]), dims="x")
    assert far.mean().item() == LogFloat("2e-5000")
    assert "2e-5000" in repr(far.mean()) and "2e-5000" in repr(xr.Dataset({"m": far.mean()}))


def test_indexing(tiny):
    d = xr.DataArray(tiny, dims=("t", "k"))
    assert same(d[1:].data, tiny[1:])
    assert same(d.isel(k=[0, 2]).data, tiny[:, [0, 2]])
    assert same(d[0, 1].data, LogArray.from_log(tiny.log[0, 1]))


def test_where(tiny):
    d = xr.DataArray(tiny, dims=("t", "k"))
    keep = tiny > LogFloat("1e-5000")
    assert same(d.where(keep, 0.0).data, np.where(keep, tiny, 0.0))
    assert same(d.where(keep).data, np.where(keep, tiny, np.nan))  # xarray fills with nan


def test_arithmetic_and_repr(tiny):
    d = xr.DataArray(tiny, dims=("t", "k"))
    assert same((d * d).data, tiny * tiny)
    assert same((d + 1).data, tiny + 1)
    text = repr(xr.Dataset({"p": d}))
    assert "e-" in text and "0.0" not in text  # _repr_inline_: the values, in decimal beyond float range
