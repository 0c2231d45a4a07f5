"""Dask-backed LogArrays: lazy until computed, and equal to the numpy-backed results.

Every operation runs on small dask arrays cut into several chunks, at the
chunk boundaries that could go wrong: the dominant term alone in its chunk,
chunks whose values are all zero (logs all -inf), uneven chunks and
single-element chunks; in float32 and float64. Each result is compared with
the same operation on the numpy-backed array. The lazy path runs the same
numpy kernels chunk by chunk, so elementwise results agree exactly; where
chunks change how terms are grouped (sums, running sums, ``@``), within the
kernels' bounds, and the sums also against mpmath.

Building a graph must compute nothing: those steps run under
:func:`nothing_computed`, a dask scheduler that fails when used.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import math
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import dask
import dask.array as da
import numpy as np
import pytest

from logspace import LogArray, LogFloat, _kernels
from logspace import testing as T

DTYPES = [np.float32, np.float64]
N = 24

# name -> (chunks of a length-24 axis, how the logs are made)
CHUNKINGS = {
    "uneven": (5, 1, 11, 7),
    "single elements": (1,) * N,
    "dominant alone": (9, 1, 14),  # the largest term, index 9, is a chunk of its own
    "zero chunk": (5, 7, 12),  # logs[5:12] are -inf: a chunk of zeros
    "all zero": (5, 7, 12),
    "one chunk": (N,),
}


def make_logs(case: str, dtype, shape=(N,), seed=0) -> np.ndarray:
    """Logs for a chunking case; the last axis has length N."""
    rng = np.random.default_rng(seed)
    logs = rng.normal(-1.0, 2.0, shape)
    if case == "dominant alone":
        logs[..., 9] = logs.max() + 6.0  # dominant, but the others still count (e**-6)
    elif case == "zero chunk":
        logs[..., 5:12] = -np.inf
    elif case == "all zero":
        logs[...] = -np.inf
    return logs.astype(dtype)


def make_signs(shape, seed=1) -> np.ndarray:
    return np.where(np.random.default_rng(seed).random(shape) < 0.3, -1.0, 1.0)


def lazy(logs: np.ndarray, chunks, sign=None) -> LogArray:
    """A dask-backed LogArray of ``logs`` cut into ``chunks``."""
    log = da.from_array(logs, chunks=chunks)
    if sign is None:
        return LogArray.from_log(log)
    return LogArray.from_log(log, sign=da.from_array(sign, chunks=chunks))


def eager(logs: np.ndarray, sign=None) -> LogArray:
    return LogArray.from_log(logs, sign=sign)


@contextlib.contextmanager
def quietly_in_this_thread() -> Iterator[None]:
    """Compute on this thread with numpy's floating-point warnings off.

    For domain errors (inf - inf, 0 / 0) that numpy warns about when the
    chunks are computed, as it warns in memory: ``np.errstate`` reaches
    only the thread it is set on, so the synchronous scheduler is used.
    """
    with dask.config.set(scheduler="sync"), np.errstate(all="ignore"):
        yield


@contextlib.contextmanager
def nothing_computed() -> Iterator[None]:
    """Fail on any dask computation inside the block."""

    def refuse(*args, **kwargs):
        raise AssertionError("a dask graph was computed while it was only being built")

    with dask.config.set(scheduler=refuse):
        yield


def is_lazy(x) -> bool:
    return isinstance(x, LogArray) and isinstance(x.log, da.Array)


def log_ulps(actual, expected, dtype) -> np.ndarray:
    """|actual - expected| in ulps of max(|expected|, 1) in ``dtype``; 0 where equal (nan included)."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    same = (a == e) | (np.isnan(a) & np.isnan(e))
    unit = np.spacing(np.maximum(np.abs(np.where(np.isfinite(e), e, 1.0)), 1.0).astype(dtype)).astype(np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(same, 0.0, np.abs(a - e) / unit)


def values_of(x):
    """(logs, signs) of a computed LogArray or LogFloat, signs as -1, 0, 1 (nan)."""
    return np.asarray(x.log, dtype=np.float64), np.asarray(x.sign, dtype=np.float64)


def assert_all_match(cases) -> None:
    """:func:`assert_matches` for (lazy, eager, ulps[, check_signed]) cases, computed together."""
    cases = [tuple(case) + (0, True)[len(case) - 2 :] for case in cases]
    computed = dask.compute(*[case[0] for case in cases])
    for (lazy_result, eager_result, ulps, check_signed), got in zip(cases, computed):
        assert_matches(lazy_result, eager_result, ulps, check_signed, computed=got)


def assert_matches(lazy_result, eager_result, ulps: float = 0, check_signed: bool = True, computed=None) -> None:
    """``lazy_result`` is lazy and computes to ``eager_result`` (within ``ulps`` of the logs)."""
    assert is_lazy(lazy_result), type(lazy_result)
    got = lazy_result.compute() if computed is None else computed
    assert type(got) is type(eager_result), (type(got), type(eager_result))
    if isinstance(got, LogArray):
        assert not is_lazy(got) and got.chunks is None
        assert got.shape == eager_result.shape, (got.shape, eager_result.shape)
        assert got.dtype == eager_result.dtype, (got.dtype, eager_result.dtype)
        if check_signed:
            assert got.signed == eager_result.signed
    (log_g, sign_g), (log_e, sign_e) = values_of(got), values_of(eager_result)
    dtype = lazy_result.dtype  # a float32 0-d result is a float32 LogArray lazily, a LogFloat in memory
    err = log_ulps(log_g, log_e, dtype)
    assert np.all(err <= ulps), f"max error {err.max()} ulps > {ulps}: {log_g} vs {log_e}"
    np.testing.assert_array_equal(sign_g, sign_e)


# ---------------------------------------------------------------------------
# Construction, laziness, the dask collection protocol
# ---------------------------------------------------------------------------


def test_importing_logspace_does_not_import_dask():
    code = (
        "import sys, numpy as np, logspace\n"
        "a = logspace.LogArray([0.5, 0.25, -1.0])\n"
        "(a @ a.reshape(3, 1)), a.sum(), a.cumsum(), a.normalize(), a - a, a.chunks, a.compute()\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')], 'dask imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_construction_and_arithmetic_compute_nothing(dtype):
    logs = make_logs("uneven", dtype, (3, N))
    values = np.exp(logs.astype(np.float64)) * make_signs((3, N))
    with nothing_computed():
        a = LogArray.from_log(da.from_array(logs, chunks=(2, CHUNKINGS["uneven"])))
        b = LogArray(da.from_array(values, chunks=(1, 6)))  # linear values, some negative
        c = LogArray.from_log(da.from_array(logs, chunks=(3, 6)), sign=make_signs((3, N)))
        results = [
            a * b, a / b, a + b, a - b, b - a, a + c, -c, abs(c), a**2, c**3, np.sqrt(a), a * 2.0,
            a * LogFloat("1e-5000"), a[1], a[:, 3:9], a[0, 1:4],
            a < b, a == c, a @ a.T, a.T @ b, a[0] @ c[1], a.sum(), a.sum(axis=1), c.sum(axis=0), a.prod(),
            c.prod(axis=1), a.mean(), a.max(), c.min(axis=1), c.argmax(), a.cumsum(axis=1), c.cumsum(),
            a.normalize(axis=1), c.normalize(), np.sum(a), np.maximum(a, c), np.concatenate([a, c]),
            a.reshape(-1), a.T, np.where(a > b, a, b), a.to_numpy(), a.sign, np.isnan(c),
        ]  # fmt: skip
        text = [repr(r) for r in results if isinstance(r, LogArray)]
    assert all(is_lazy(r) or isinstance(r, da.Array) for r in results)
    assert all(t.startswith("LogArray<dask, shape=") for t in text)
    assert b.signed  # lazy linear values: whether one is negative is not known yet


def test_repr_shows_metadata_without_computing():
    with nothing_computed():
        a = lazy(np.zeros(10), chunks=4)
        assert repr(a) == "LogArray<dask, shape=(10,), dtype=float64, chunksize=(4,)>"
        assert str(a.astype(np.float32).as_signed()) == (
            "LogArray<dask, shape=(10,), dtype=float32, chunksize=(4,), signed>"
        )
        assert repr(a.sum()) == "LogArray<dask, shape=(), dtype=float64, chunksize=()>"


def test_integer_index_and_full_reductions_are_lazy_0d():
    logs = make_logs("uneven", np.float64)
    a, e = lazy(logs, CHUNKINGS["uneven"]), eager(logs)
    with nothing_computed():
        items = [a[3], a.sum(), a.prod(), a.mean(), a.max(), a.min(), a @ a, np.sum(a), np.max(a)]
    for item in items:
        assert is_lazy(item) and item.shape == () and item.ndim == 0
    for item, expected in zip(items, [e[3], e.sum(), e.prod(), e.mean(), e.max(), e.min(), e @ e, e.sum(), e.max()]):
        assert isinstance(expected, LogFloat)
        assert_matches(item, expected, ulps=4)
    assert a[3].item() == e[3]


def test_compute_persist_chunks_and_dask_compute_of_several():
    logs = make_logs("uneven", np.float64)
    sign = make_signs(N)
    a, s = lazy(logs, CHUNKINGS["uneven"]), lazy(logs, CHUNKINGS["uneven"], sign=sign)
    assert a.chunks == (CHUNKINGS["uneven"],) and s.chunks == a.chunks
    assert eager(logs).chunks is None
    # dask.compute on several LogArrays (signed and unsigned, arrays and 0-d) at once
    got_a, got_s, got_sum, plain = dask.compute(a, s, s.sum(), da.ones(2))
    assert_same_values(got_a, eager(logs))
    assert_same_values(got_s, eager(logs, sign))
    assert isinstance(got_sum, LogFloat) and log_ulps(got_sum.log, eager(logs, sign).sum().log, np.float64) <= 8
    np.testing.assert_array_equal(plain, np.ones(2))
    # persist: still lazy, now backed by computed chunks
    kept = (s * a).persist()
    assert is_lazy(kept) and kept.chunks == a.chunks
    with nothing_computed():
        total = kept.sum()
    assert_matches(total, (eager(logs, sign) * eager(logs)).sum(), ulps=4)
    # deterministic tokens, as dask arrays have: equal graphs give equal keys
    assert dask.base.tokenize(s) == dask.base.tokenize(lazy(logs, CHUNKINGS["uneven"], sign=sign))
    assert dask.base.tokenize(s) != dask.base.tokenize(a)
    # numpy-backed: not a dask collection, compute and persist return it
    e = eager(logs)
    assert not dask.is_dask_collection(e) and dask.is_dask_collection(a)
    assert e.compute() is e and e.persist() is e
    assert dask.compute(e)[0] is e
    # pickling keeps it lazy (dask arrays pickle as their graphs)
    again = pickle.loads(pickle.dumps(s))
    assert is_lazy(again)
    assert_same_values(again.compute(), eager(logs, sign))


def assert_same_values(got, expected):
    assert type(got) is type(expected)
    np.testing.assert_array_equal(np.asarray(got.log), np.asarray(expected.log))
    np.testing.assert_array_equal(np.asarray(got.sign), np.asarray(expected.sign))


def test_lazy_linear_values_and_signs():
    values = np.array([0.0, 1.5, -2.0, 3.0, 0.25, -0.0])
    a = LogArray(da.from_array(values, chunks=4))
    assert a.signed
    assert_same_values(a.compute(), LogArray(values, signed=True))
    unsigned = LogArray(da.from_array(np.array([0, 3, 5], dtype=np.uint8), chunks=2))
    assert not unsigned.signed  # no negative numbers in the dtype
    # signed=False cannot check lazily: a negative value becomes nan (a domain error)
    forced = LogArray(da.from_array(values, chunks=4), signed=False).compute()
    assert not forced.signed and np.isnan(forced.log[2]) and forced.log[1] == math.log(1.5)
    f32 = LogArray(da.from_array(values.astype(np.float32), chunks=4))
    assert f32.dtype == np.float32
    # mixing with a plain dask array of linear values
    mixed = eager(np.log([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])) * da.from_array(values, chunks=3)
    assert is_lazy(mixed)
    np.testing.assert_allclose(mixed.compute().to_numpy(), values * 2.0 ** np.arange(6))


# ---------------------------------------------------------------------------
# Operations against the numpy-backed results, at adversarial chunkings
# ---------------------------------------------------------------------------

CASES = [(case, dtype) for case in CHUNKINGS for dtype in DTYPES]
IDS = [f"{case}-{np.dtype(dtype).name}" for case, dtype in CASES]


@pytest.mark.parametrize(("case", "dtype"), CASES, ids=IDS)
def test_elementwise_and_indexing(case, dtype):
    chunks = CHUNKINGS[case]
    logs = make_logs(case, dtype, (4, N))
    other = make_logs("uneven", dtype, (4, N), seed=5)
    sign = make_signs((4, N))
    a, e = lazy(logs, ((1, 3), chunks)), eager(logs)
    b, f = lazy(other, ((2, 2), CHUNKINGS["uneven"])), eager(other)
    s, g = lazy(other, ((2, 2), chunks), sign=sign), eager(other, sign)
    row = eager(make_logs("uneven", dtype, (N,), seed=6))  # numpy-backed, broadcast against lazy
    column_logs = make_logs("uneven", dtype, (4, 1), seed=7)
    column = lazy(column_logs, (2, 1))
    with nothing_computed(), np.errstate(divide="ignore"):  # the in-memory s / a warns where a is 0
        pairs = [
            (a * b, e * f), (a / b, e / f), (a * s, e * g), (s / a, g / e), (a * row, e * row),
            (a * column, e * eager(column_logs)), (a * 3.0, e * 3.0), (a * LogFloat("1e-400"), e * LogFloat("1e-400")),
            (-s, -g), (abs(s), abs(g)), (+a, +e), (a**2.5, e**2.5), (s**3, g**3), (np.sqrt(a), np.sqrt(e)),
            (np.square(s), np.square(g)), (np.maximum(a, s), np.maximum(e, g)), (np.minimum(a, b), np.minimum(e, f)),
            (a[2], e[2]), (a[:, 3:17], e[:, 3:17]), (a[1, 9], e[1, 9]), (s[:, [0, 9, 10]], g[:, [0, 9, 10]]),
            (a[np.arange(4) % 2 == 0], e[np.arange(4) % 2 == 0]), (a.T, e.T), (a.reshape(-1), e.reshape(-1)),
            (a.astype(np.float64), e.astype(np.float64)), (s.copy(), g.copy()), (a.as_signed(), e.as_signed()),
            (np.concatenate([a, s]), np.concatenate([e, g])), (np.stack([a, b], axis=1), np.stack([e, f], axis=1)),
            (np.transpose(s), np.transpose(g)), (np.reshape(a, (4, 1, N)), np.reshape(e, (4, 1, N))),
        ]  # fmt: skip
        additive = [(a + b, e + f, 1), (a + s, e + g, 2), (s - s, g - g, 2), (s + row, g + row, 2)]
        differences = [(a - b, e - f), (b - a, f - e), (a - a, e - e)]  # lazily always signed
        comparisons = [
            (a < b, e < f), (a <= s, e <= g), (s > b, g > f), (s >= a, g >= e), (a == b, e == f), (s != a, g != e),
            (np.isnan(s), np.isnan(g)), (np.isinf(a), np.isinf(e)), (np.isfinite(s), np.isfinite(g)),
        ]  # fmt: skip
        linear = [(a.to_numpy(), e.to_numpy()), (s.sign, g.sign), (np.sign(s), np.sign(g))]
    assert_all_match(pairs + additive + [(got, expected, 2, False) for got, expected in differences])
    arrays = dask.compute(*[got for got, _ in comparisons + linear])
    for (got, expected), array in zip(comparisons + linear, arrays):
        assert isinstance(got, da.Array)
        np.testing.assert_array_equal(array, expected)


@pytest.mark.parametrize(("case", "dtype"), CASES, ids=IDS)
def test_reductions(case, dtype):
    chunks = CHUNKINGS[case]
    logs = make_logs(case, dtype, (5, N))
    sign = make_signs((5, N))
    a, e = lazy(logs, ((2, 3), chunks)), eager(logs)
    s, g = lazy(logs, ((4, 1), chunks), sign=sign), eager(logs, sign)
    with nothing_computed(), np.errstate(invalid="ignore"):  # in memory, normalizing zeros warns (0 / 0)
        results = []
        for axis in (None, 0, 1, (0, 1)):
            for keepdims in (False, True):
                results += [
                    (a.sum(axis=axis, keepdims=keepdims), e.sum(axis=axis, keepdims=keepdims), 4),
                    (a.prod(axis=axis, keepdims=keepdims), e.prod(axis=axis, keepdims=keepdims), N),
                    (a.mean(axis=axis, keepdims=keepdims), e.mean(axis=axis, keepdims=keepdims), 6),
                    (a.max(axis=axis, keepdims=keepdims), e.max(axis=axis, keepdims=keepdims), 0),
                    (s.max(axis=axis, keepdims=keepdims), g.max(axis=axis, keepdims=keepdims), 0),
                    (s.min(axis=axis, keepdims=keepdims), g.min(axis=axis, keepdims=keepdims), 0),
                    (s.prod(axis=axis, keepdims=keepdims), g.prod(axis=axis, keepdims=keepdims), N),
                ]
        for axis in (None, 0, 1):
            results += [
                (a.cumsum(axis=axis), e.cumsum(axis=axis), 8),
                # running sums of logs: numpy adds them one by one, dask per chunk then the carry
                (a.cumprod(axis=axis), e.cumprod(axis=axis), N),
                (s.cumprod(axis=axis), g.cumprod(axis=axis), N),
                (a.normalize(axis=axis), e.normalize(axis=axis), 8),
                (np.sum(a, axis=axis), np.sum(e, axis=axis), 4),
                (np.cumsum(a, axis=axis), np.cumsum(e, axis=axis), 8),
            ]
        args = [(a.argmax(axis=axis), e.argmax(axis=axis)) for axis in (None, 0, 1)]
        args += [(s.argmax(axis=axis), g.argmax(axis=axis)) for axis in (None, 0, 1)]
        args += [(s.argmin(axis=axis, keepdims=True), g.argmin(axis=axis, keepdims=True)) for axis in (None, 1)]
    assert_all_match(results)
    arrays = dask.compute(*[got for got, _ in args])
    for (got, expected), array in zip(args, arrays):
        assert isinstance(got, da.Array)
        np.testing.assert_array_equal(array, expected)


@pytest.mark.parametrize(("case", "dtype"), CASES, ids=IDS)
def test_signed_sums(case, dtype):
    """Signed sums, cumsums and normalize (a difference of the positive and negative parts)."""
    chunks = CHUNKINGS[case]
    logs = make_logs(case, dtype, (3, N))
    sign = make_signs((3, N))
    logs[sign < 0] -= 3  # positive terms dominate: well-conditioned differences (condition number <= 2)
    if case != "all zero":
        assert np.all(T.lse_condition_number(logs, axis=1, b=sign) <= 2)
    s, g = lazy(logs, ((2, 1), chunks), sign=sign), eager(logs, sign)
    with nothing_computed(), np.errstate(invalid="ignore"):  # in memory, normalizing zeros warns (0 / 0)
        pairs = [(s.sum(axis=axis), g.sum(axis=axis)) for axis in (None, 0, 1)]
        pairs += [(s.sum(axis=1, keepdims=True), g.sum(axis=1, keepdims=True)), (s.mean(axis=1), g.mean(axis=1))]
        pairs += [(s.cumsum(axis=1), g.cumsum(axis=1)), (s.normalize(axis=1), g.normalize(axis=1))]
    # Lazily 0 / 0 warns when computed, in numpy's subtract: on this thread, where errstate reaches it.
    with quietly_in_this_thread():
        assert_all_match([(got, expected, 12) for got, expected in pairs])  # each within a few ulps of exact
    for axis in (None, 1):
        if case == "all zero":
            continue
        exact, exact_sign = T.ref_logsumexp(logs, axis=axis, b=sign, return_sign=True)
        got = s.sum(axis=axis).compute()
        T.assert_ulp_close(np.asarray(got.log, dtype=dtype), exact, 4, err_msg=f"signed sum axis={axis}")
        np.testing.assert_array_equal(np.asarray(got.sign), exact_sign)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sum_meets_the_in_memory_bound_whatever_the_chunking(dtype):
    """Lazy sums are within the 2-ulp bound of the in-memory sum, against mpmath."""
    rng = np.random.default_rng(11)
    n = 600
    logs = rng.normal(-3000.0, 30.0, n).astype(dtype)  # far below float range
    logs[rng.integers(0, n)] = logs.max() + 2.0
    logs[100:250] = -np.inf
    dominant = int(np.argmax(logs))
    chunkings = [
        (1,) * n,
        (100, 150) + (50,) * 7,  # a chunk of zeros
        (dominant, 1, n - dominant - 1),  # the dominant term alone
        tuple(np.diff(np.unique(np.r_[0, rng.integers(1, n, 40), n]))),  # uneven
        (n,),
    ]
    exact = T.ref_logsumexp(logs)
    assert T.lse_condition_number(logs) <= 2
    worst = 0.0
    for chunks in chunkings:
        got = lazy(logs, (tuple(int(c) for c in chunks if c),)).sum().compute()
        worst = max(worst, float(T.ulp_error(np.asarray(got.log, dtype=dtype), exact)))
        # the same on a 2-D array, reduced over each axis and over both
        rows = lazy(np.stack([logs, logs[::-1]]), ((1, 1), tuple(int(c) for c in chunks if c)))
        for axis, expected in (
            (1, T.ref_logsumexp(np.stack([logs, logs[::-1]]), axis=1)),
            (None, T.ref_logsumexp(np.r_[logs, logs])),
        ):
            got2 = rows.sum(axis=axis).compute()
            T.assert_ulp_close(np.asarray(got2.log, dtype=dtype), expected, 2)
    assert worst <= 2, worst
    # and the running sums, every prefix (4 ulps in memory; the chunk scan adds log-adds)
    a = lazy(logs[:300], ((7, 1, 92, 200),))
    T.assert_ulp_close(np.asarray(a.cumsum().compute().log, dtype=dtype), T.ref_logcumsumexp(logs[:300]), 6)


def test_special_values_cross_chunks():
    nan, inf = np.nan, np.inf
    cases = [
        np.array([-inf, -inf, -inf, -inf]),
        np.array([-inf, -inf, inf, 0.0]),
        np.array([0.0, nan, -inf, 1.0]),
        np.array([inf, -inf, nan, inf]),
        np.array([-inf, 700.0, 710.0, -inf]),
    ]
    for logs in cases:
        for chunks in ((1, 1, 1, 1), (1, 3), (4,)):
            a, e = lazy(logs, (chunks,)), eager(logs)
            with quietly_in_this_thread():  # the product of inf and 0 is nan with numpy's warning
                assert_all_match([(a.sum(), e.sum()), (a.cumsum(), e.cumsum()), (a.max(), e.max())])
                assert_all_match([(a.prod(), e.prod()), (a.normalize(), e.normalize())])


# ---------------------------------------------------------------------------
# The log-semiring matrix product
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ["uneven", "single elements", "dominant alone", "zero chunk", "one chunk"])
def test_matmul_over_chunked_dimensions(case, dtype):
    chunks = CHUNKINGS[case]
    x = make_logs(case, dtype, (5, N), seed=2)
    y = make_logs(case, dtype, (3, N), seed=3).T  # the contracted axis first
    a, e = lazy(x, ((2, 3), chunks)), eager(x)
    b, f = lazy(y, (chunks, (2, 1))), eager(y)
    v, w = lazy(x[1], (chunks,)), eager(x[1])
    with nothing_computed():
        pairs = [(a @ b, e @ f), (v @ b, w @ f), (a @ v, e @ w), (a @ f, e @ f), (e @ b, e @ f), (v @ v, w @ w)]
        batch = lazy(np.stack([x, x[::-1]]), ((1, 1), (2, 3), chunks)) @ b
    for got, expected in pairs:
        # the in-memory bound (k + 2)u + 2u(|m_i| + |n_j|) + 1 ulp, in ulps of |result| >= 1
        assert_matches(got, expected, ulps=4 * N)
    assert_matches(batch, eager(np.stack([x, x[::-1]])) @ f, ulps=4 * N)
    exact = T.round_to(T.ref_logmatmulexp(x, y), np.float64).astype(np.float64)
    assert np.all(log_ulps((a @ b).compute().log, exact, dtype) <= 4 * N)


def test_matmul_underflow_fallback_across_blocks():
    """Entries whose row and column maxima sit far apart: the shifted product underflows.

    In memory such entries are recomputed exactly; lazily each block pair does
    the same, and the blocks are added in log space, so nothing underflows.
    """
    a = np.array([[0.0, -800.0, -1600.0, -5.0], [-900.0, 0.0, -3.0, -1700.0]])
    b = np.array([[-800.0, -2.0], [0.0, -700.0], [-1.0, 0.0], [-1500.0, -1.0]])
    exact = T.ref_logmatmulexp(a, b)
    for chunks in ((1, 1, 1, 1), (2, 2), (1, 3), (4,)):
        got = (lazy(a, ((1, 1), chunks)) @ lazy(b, (chunks, (1, 1)))).compute()
        T.assert_ulp_close(np.asarray(got.log), exact, 4)
    signed = lazy(a, ((1, 1), (1, 3)), sign=np.array([[1, -1, 1, 1], [1, 1, -1, 1]]))
    assert_matches(signed @ lazy(b, ((1, 3), (2,))), eager(a, np.array([[1, -1, 1, 1], [1, 1, -1, 1]])) @ eager(b), 8)


# ---------------------------------------------------------------------------
# The kernels themselves, on dask arrays
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernels_take_dask_arrays(dtype):
    logs = make_logs("zero chunk", dtype, (3, N))
    other = make_logs("uneven", dtype, (3, N), seed=9)
    x, y = da.from_array(logs, chunks=(2, 7)), da.from_array(other, chunks=(3, 5))
    weights = np.where(other > -1, -0.5, 2.0)
    # Each kernel called the same way on the dask arrays and on the ndarrays.
    calls = {
        "logaddexp": lambda a, b: _kernels.logaddexp(a, b),
        "logsubexp": lambda a, b: _kernels.logsubexp(np.maximum(a, b), b),
        "log1pexp": lambda a, b: _kernels.log1pexp(a),
        "log1mexp": lambda a, b: _kernels.log1mexp(-abs(b)),
        "logsumexp": lambda a, b: _kernels.logsumexp(a, axis=1),
        "logsumexp_b": lambda a, b: _kernels.logsumexp(a, axis=0, b=weights, return_sign=True),
        "logcumsumexp": lambda a, b: _kernels.logcumsumexp(a, axis=1),
        "log_softmax": lambda a, b: _kernels.log_softmax(a, axis=1),
        "softmax": lambda a, b: _kernels.softmax(b, axis=None),
        "logmatmulexp": lambda a, b: _kernels.logmatmulexp(a, b.T),
        "prepare_logmatmul": lambda a, b: _kernels.prepare_logmatmul(b, "right"),
        "logaddexp_signed": lambda a, b: _kernels.logaddexp_signed(a, other > 0, b, False),
    }
    with nothing_computed():
        lazy_results = {name: call(x, y) for name, call in calls.items()}
    eager_results = {name: call(logs, other) for name, call in calls.items()}
    for name, got in lazy_results.items():
        got = dask.compute(got)[0]
        expected = eager_results[name]
        for g, e in zip(got, expected) if isinstance(got, tuple) else [(got, expected)]:
            assert isinstance(g, np.ndarray) and g.dtype == np.asarray(e).dtype and g.shape == np.shape(e), name
            if g.dtype == bool:
                np.testing.assert_array_equal(g, e, err_msg=name)
            else:
                assert np.all(log_ulps(g, e, g.dtype) <= 8), (name, g, e)


# ---------------------------------------------------------------------------
# dask.distributed
# ---------------------------------------------------------------------------


def test_persist_and_compute_on_a_distributed_cluster():
    """persist() leaves the chunks on the workers (as futures); compute gathers a LogArray."""
    from distributed import Client, LocalCluster, futures_of, wait

    logs = make_logs("zero chunk", np.float64)
    sign = make_signs(N)
    # Threads, not processes, for a fast start; the example below uses processes.
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None, silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
    ):
        s = lazy(logs, CHUNKINGS["zero chunk"], sign=sign)
        kept = (s * s).persist()
        assert is_lazy(kept) and kept.chunks == s.chunks
        futures = futures_of(kept)
        assert len(futures) == 2 * len(CHUNKINGS["zero chunk"])  # the chunks of the logs and of the signs
        wait(futures)
        assert sum(map(len, client.has_what().values())) >= len(futures)
        total, largest = dask.compute(kept.sum(), s.max())
        assert log_ulps(total.log, (eager(logs, sign) ** 2).sum().log, np.float64) <= 4
        assert largest == eager(logs, sign).max()
        assert_same_values(client.compute(s).result(), eager(logs, sign))


# ---------------------------------------------------------------------------
# docs/examples/big_likelihood.py on a local cluster of two workers
# ---------------------------------------------------------------------------


def _load_example() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "docs" / "examples" / "big_likelihood.py"
    spec = importlib.util.spec_from_file_location("logspace_example_big_likelihood", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_big_likelihood_on_a_two_worker_cluster(capsys):
    example = _load_example()
    result = example.main(["--n", "1e6", "--chunk", "125000", "--workers", "2"])
    assert result.n == 10**6 and len(result.worker_peak_bytes) == 2
    assert result.relative_difference <= 1e-12
    assert result.peak_bytes < 2 * 2**30
    out = capsys.readouterr().out
    assert "observations/s" in out and "peak memory total" in out


def test_argmax_and_argmin_ties_across_chunks_take_the_first_index_as_numpy():
    # Tied extremes in different chunks: dask's own arg reductions took the
    # tie that came first in chunk order, a later index than numpy (8 against 3 here).
    x = np.array([[1.0, 0.0, -1.0, -np.inf, 0.0, 2.0], [-2.0, 0.0, -np.inf, -2.0, -np.inf, 2.0]])
    sign = np.where(np.arange(12).reshape(2, 6) % 5 == 0, -1.0, 1.0)
    with_nan = x.copy()
    with_nan[1, 0] = with_nan[0, 4] = np.nan
    for logs in (x, with_nan, np.zeros((3, 5))):
        for chunks in ((1, 3), (2, 2), (1, 1)):
            for signs in (None, sign[: logs.shape[0], : logs.shape[1]] if logs.shape == x.shape else None):
                a, e = lazy(logs, chunks, signs), eager(logs, signs)
                with nothing_computed():
                    results = [
                        (getattr(a, name)(axis=axis, keepdims=keepdims), getattr(e, name)(axis=axis, keepdims=keepdims))
                        for name in ("argmax", "argmin")
                        for axis in (None, 0, 1)
                        for keepdims in (False, True)
                    ]
                computed = dask.compute(*[got for got, _ in results])
                for got, (_, expected) in zip(computed, results):
                    assert np.shape(got) == np.shape(expected)
                    np.testing.assert_array_equal(got, expected)
    assert int(_kernels.argmin(da.from_array(x, chunks=(1, 3))).compute()) == int(np.argmin(x)) == 3
