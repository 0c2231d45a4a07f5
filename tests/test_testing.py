"""Tests of logspace.testing (the mpmath reference and ulp errors) and the report."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
from pathlib import Path

import mpmath
import numpy as np
import pytest

import logspace
from logspace import _kernels_scalar as scalar
from logspace import testing as T

LOG2 = math.log(2.0)
INF, NAN = math.inf, math.nan


@pytest.fixture(autouse=True)
def high_precision():
    """Closed forms are evaluated at 400 bits (the reference does not care)."""
    with mpmath.workprec(400):
        yield


def mp_close(value, expected, rel=mpmath.mpf(2) ** -200):
    """``value`` (an mpf) agrees with the mpmath value ``expected``."""
    expected = mpmath.mpf(expected)
    return abs(value - expected) <= rel * max(abs(expected), mpmath.mpf(2) ** -1000)


def test_global_mpmath_precision_does_not_matter():
    """The module sets its own precision: a low global one changes nothing."""
    x = np.array([0.1, -40.0, 1e300, -0.6931471805599453])
    calls = [
        lambda: T.ref_logaddexp(x, x[::-1]),
        lambda: T.ref_logsumexp(x),
        lambda: T.ref_logcumsumexp(x),
        lambda: T.ref_softmax(x),
        lambda: T.round_to(T.ref_log1pexp(x), np.float32),
        lambda: T.ulp_error(np.float32(0.1), 0.1, metric="relative"),
        lambda: T.ulp(0.1, np.float32),
    ]
    expected = [np.asarray(call(), dtype=object) for call in calls]
    with mpmath.workprec(10):
        got = [np.asarray(call(), dtype=object) for call in calls]
    for e, g in zip(expected, got):
        assert [str(v) for v in e.ravel()] == [str(v) for v in g.ravel()]


# ---------------------------------------------------------------------------
# The module itself
# ---------------------------------------------------------------------------


def test_no_optional_or_kernel_imports():
    """testing imports numpy and mpmath only: no scipy, hypothesis or kernel."""
    tree = ast.parse(Path(T.__file__).read_text())
    top_level = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top_level |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            top_level.add((node.module or "").split(".")[0])
    assert top_level <= {"__future__", "importlib", "math", "collections", "typing", "mpmath", "numpy"}, top_level
    code = "import sys, logspace.testing; print(sorted(m for m in ('scipy', 'hypothesis') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_names():
    for name in T.__all__:
        assert hasattr(T, name), name
    assert set(T.REFERENCES) == set(T.METRICS) == set(KERNEL_NAMES)
    assert set(KERNEL_NAMES) <= set(logspace.__all__)
    for name, ref in T.REFERENCES.items():
        assert ref.__name__ == f"ref_{name}"


# ---------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------


def test_logaddexp_closed_forms():
    assert mp_close(T.ref_logaddexp(0.0, 0.0), mpmath.log(2))
    assert mp_close(T.ref_logaddexp(5.0, 5.0), 5 + mpmath.log(2))
    assert mp_close(T.ref_logaddexp(0.0, -40.0), mpmath.log1p(mpmath.exp(-40)))
    assert mp_close(T.ref_logaddexp(1e300, 1e300), mpmath.mpf(1e300) + mpmath.log(2))
    assert mp_close(T.ref_logaddexp(0.0, -1e5), mpmath.exp(-100000))  # far below float64
    out = T.ref_logaddexp(np.zeros((2, 1)), np.zeros(3))
    assert out.shape == (2, 3) and out.dtype == object
    assert T.ref_logaddexp(-INF, -INF) == -INF
    assert T.ref_logaddexp(INF, -INF) == INF
    assert mpmath.isnan(T.ref_logaddexp(NAN, 1.0))


def test_logsubexp_closed_forms():
    assert mp_close(T.ref_logsubexp(1.0, 0.0), mpmath.log(mpmath.e - 1))
    assert mp_close(T.ref_logsubexp(0.0, -1e-20), mpmath.log(-mpmath.expm1(mpmath.mpf(-1e-20))))
    assert mp_close(T.ref_logsubexp(5.0, -INF), 5)
    assert T.ref_logsubexp(3.0, 3.0) == -INF
    assert T.ref_logsubexp(-INF, -INF) == -INF
    assert T.ref_logsubexp(INF, 1.0) == INF
    assert mpmath.isnan(T.ref_logsubexp(INF, INF))
    assert mpmath.isnan(T.ref_logsubexp(1.0, 2.0))


def test_log1pexp_log1mexp_closed_forms():
    assert mp_close(T.ref_log1pexp(0.0), mpmath.log(2))
    x = 0.3
    # log1pexp(x) - log1pexp(-x) = x exactly.
    assert mp_close(T.ref_log1pexp(x) - T.ref_log1pexp(-x), mpmath.mpf(x))
    assert mp_close(T.ref_log1pexp(-800.0), mpmath.log1p(mpmath.exp(-800)))
    assert mp_close(T.ref_log1pexp(800.0), 800 + mpmath.log1p(mpmath.exp(-800)))
    assert T.ref_log1pexp(-INF) == 0 and T.ref_log1pexp(INF) == INF
    # log1mexp(-log 2) = log(1/2) = -log 2, up to the rounding of the argument:
    # d/dx log(1 - e**x) = -1 at x = -log 2, so the result is -log2 - delta.
    x = -LOG2
    delta = mpmath.mpf(x) + mpmath.log(2)
    assert mp_close(T.ref_log1mexp(x), -mpmath.log(2) - delta, rel=mpmath.mpf(2) ** -100)
    assert abs(float(T.ref_log1mexp(x)) + LOG2) < 1e-16
    assert mp_close(T.ref_log1mexp(-1e-20), mpmath.log(mpmath.mpf(1e-20)) - mpmath.mpf(1e-20) / 2, rel=1e-38)
    assert mp_close(T.ref_log1mexp(-1e3), mpmath.log1p(-mpmath.exp(-1000)))
    assert T.ref_log1mexp(0.0) == -INF and T.ref_log1mexp(-INF) == 0
    assert mpmath.isnan(T.ref_log1mexp(1.0))
    # log(1 - e**x) + log(1 + e**x) = log(1 - e**2x)
    x = -0.7
    assert mp_close(T.ref_log1mexp(x) + T.ref_log1pexp(x), T.ref_log1mexp(2 * x))


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1000])
def test_logsumexp_of_zeros_is_log_n(n):
    assert mp_close(T.ref_logsumexp(np.zeros(n)), mpmath.log(n))
    assert mp_close(T.ref_logsumexp(np.full(n, 1e300)), mpmath.mpf(1e300) + mpmath.log(n))
    cum = T.ref_logcumsumexp(np.zeros(n))
    assert all(mp_close(v, mpmath.log(j + 1)) for j, v in enumerate(cum))
    ls = T.ref_log_softmax(np.zeros(n))
    assert all(mp_close(v, -mpmath.log(n)) for v in ls)
    sm = T.ref_softmax(np.zeros(n))
    assert all(mp_close(v, mpmath.mpf(1) / n) for v in sm)


def test_logsumexp_reference_semantics():
    x = np.arange(12.0).reshape(3, 4)
    assert T.ref_logsumexp(x, axis=0).shape == (4,)
    assert T.ref_logsumexp(x, axis=(0, 1), keepdims=True).shape == (1, 1)
    assert T.ref_logsumexp(x, axis=-1, keepdims=True).shape == (3, 1)
    assert mp_close(T.ref_logsumexp(x, axis=1)[2], mpmath.log(sum(mpmath.exp(v) for v in range(8, 12))))
    # Weights: zero drops (even inf), negative subtracts, sign reported.
    assert mp_close(T.ref_logsumexp([INF, 1.0], b=[0.0, 1.0]), 1)
    res, sign = T.ref_logsumexp([1.0, 2.0], b=[1.0, -1.0], return_sign=True)
    assert mp_close(res, mpmath.log(mpmath.exp(2) - mpmath.exp(1))) and sign == -1
    assert mpmath.isnan(T.ref_logsumexp([1.0, 2.0], b=[1.0, -1.0]))
    res, sign = T.ref_logsumexp([0.0, 0.0], b=[1.0, -1.0], return_sign=True)
    assert res == -INF and sign == 0
    res, sign = T.ref_logsumexp([3.0, 1.0, 3.0], b=[2.0, 5.0, -2.0], return_sign=True)
    assert mp_close(res, mpmath.log(5) + 1) and sign == 1  # exact cancellation of the 3s
    assert T.ref_logsumexp([0.0, 0.0], b=[0.5, 0.5]) == 0  # exactly log 1
    assert T.ref_logsumexp([0.0, 0.0, 2.0], b=[0.25, 0.75, 0.0]) == 0
    assert mp_close(T.ref_logsumexp([1.0, 1.0, 0.0], b=[0.25, 0.25, 0.5]), mpmath.log((mpmath.e + 1) / 2))
    res, sign = T.ref_logsumexp([], return_sign=True)
    assert res == -INF and sign == 0
    # Special values.
    assert T.ref_logsumexp([INF, -INF]) == INF
    assert mpmath.isnan(T.ref_logsumexp([INF, INF], b=[1.0, -1.0]))
    assert mpmath.isnan(T.ref_logsumexp([-INF], b=[INF]))
    assert mpmath.isnan(T.ref_logsumexp([NAN, 1.0]))
    assert T.ref_logsumexp([-INF, -INF]) == -INF


def test_logsumexp_reference_agrees_with_scipy():
    from scipy import special  # scipy is in the test extra
    rng = np.random.default_rng(0)
    x = rng.normal(0, 5, (20, 30))
    w = rng.uniform(0.1, 2, (20, 30))
    for kwargs in ({}, {"b": w}, {"axis": 0}, {"axis": 1, "b": w}):
        exact = T.ref_logsumexp(x, **kwargs)
        assert np.all(np.asarray(T.ulp_error(special.logsumexp(x, **kwargs), exact)) <= 2)
    sgn_x = rng.normal(0, 1, (10, 4))
    sgn_w = rng.normal(0, 1, (10, 4))
    res, sign = special.logsumexp(sgn_x, axis=1, b=sgn_w, return_sign=True)
    ex_res, ex_sign = T.ref_logsumexp(sgn_x, axis=1, b=sgn_w, return_sign=True)
    np.testing.assert_array_equal(sign, ex_sign)
    np.testing.assert_allclose(res, T.round_to(ex_res), rtol=1e-12)


def test_logcumsumexp_reference():
    x = np.array([0.0, -40.0, -INF, 800.0, 800.0])
    out = T.ref_logcumsumexp(x)
    assert out[0] == 0
    assert mp_close(out[1], mpmath.log1p(mpmath.exp(-40)))
    assert out[2] == out[1]
    assert mp_close(out[3], 800 + mpmath.log1p(mpmath.exp(-800) * (1 + mpmath.exp(-40))))
    assert mp_close(out[4], 800 + mpmath.log(2 + mpmath.exp(-800) * (1 + mpmath.exp(-40))))
    assert [str(v) for v in T.ref_logcumsumexp([1.0, NAN, INF, 2.0])][1:] == ["nan"] * 3
    tail = T.ref_logcumsumexp([1.0, INF, 2.0, NAN])[1:]
    assert tail[0] == mpmath.inf and tail[1] == mpmath.inf and mpmath.isnan(tail[2])
    y = np.arange(6.0).reshape(2, 3)
    assert T.ref_logcumsumexp(y).shape == (6,)
    by_col = T.ref_logcumsumexp(y, axis=0)
    assert by_col.shape == (2, 3) and mp_close(by_col[1, 2], mpmath.log(mpmath.exp(2) + mpmath.exp(5)))
    assert T.ref_logcumsumexp(np.zeros((2, 0)), axis=1).shape == (2, 0)


def test_logmatmulexp_reference():
    for k in (1, 3, 17):
        out = T.ref_logmatmulexp(np.zeros((2, k)), np.zeros((k, 4)))
        assert out.shape == (2, 4) and all(mp_close(v, mpmath.log(k)) for v in out.ravel())
    a = np.array([[0.0, -800.0]])
    b = np.array([[-800.0], [0.0]])
    assert mp_close(T.ref_logmatmulexp(a, b)[0, 0], -800 + mpmath.log(2))
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 2, (3, 4)), rng.normal(0, 2, (4, 2))
    with mpmath.workprec(300):
        product = mpmath.matrix([[mpmath.exp(v) for v in row] for row in a.tolist()]) * mpmath.matrix(
            [[mpmath.exp(v) for v in row] for row in b.tolist()]
        )
    out = T.ref_logmatmulexp(a, b)
    assert all(mp_close(out[i, j], mpmath.log(product[i, j])) for i in range(3) for j in range(2))
    assert np.shape(T.ref_logmatmulexp(np.zeros(4), np.zeros(4))) == ()
    assert T.ref_logmatmulexp(np.zeros(4), np.zeros((4, 3))).shape == (3,)
    assert T.ref_logmatmulexp(np.zeros((2, 1, 3, 4)), np.zeros((5, 4, 2))).shape == (2, 5, 3, 2)
    assert np.all(T.ref_logmatmulexp(np.zeros((2, 0)), np.zeros((0, 3))) == -INF)
    assert T.ref_logmatmulexp(np.full((1, 2), -INF), np.zeros((2, 1)))[0, 0] == -INF
    assert mpmath.isnan(T.ref_logmatmulexp(np.array([[INF, 0.0]]), np.array([[-INF], [0.0]]))[0, 0])
    with pytest.raises(ValueError):
        T.ref_logmatmulexp(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError):
        T.ref_logmatmulexp(1.0, np.zeros(2))


def test_softmax_references():
    x = np.array([1000.0, 1000.0 + LOG2 * 0 + 1.0])
    sm = T.ref_softmax(x)
    assert mp_close(sm[0], 1 / (1 + mpmath.e)) and mp_close(sm[0] + sm[1], 1)
    ls = T.ref_log_softmax([0.0, 192.0])
    assert mp_close(ls[1], -mpmath.log1p(mpmath.exp(-192)))  # tiny, full precision
    assert mp_close(ls[0], -192 - mpmath.log1p(mpmath.exp(-192)))
    ls = T.ref_log_softmax([INF, 1.0])
    assert mpmath.isnan(ls[0]) and ls[1] == -INF
    assert all(mpmath.isnan(v) for v in T.ref_log_softmax([-INF, -INF]))
    assert [float(v) for v in T.ref_softmax([-INF, 0.0])] == [0.0, 1.0]
    grid = np.arange(24.0).reshape(2, 3, 4)
    out = T.ref_softmax(grid, axis=(0, 2))
    assert out.shape == grid.shape
    assert mp_close(sum(out[:, 1, :].ravel()), 1)


def test_reference_precision_independent(monkeypatch):
    """Doubling the working precision changes nothing in the first 200 bits."""
    cases = [
        (T.ref_logaddexp, ([0.0, 0.0, 1e300, -0.6931471805599453], [-40.0, -1e5, 1e300 - 1e285, -0.6931471805599453]), {}),
        (T.ref_logsubexp, ([0.0, 1e-300, 30.0, 1.0], [-1e-20, 0.0, 30.0 - 1e-13, 0.0]), {}),
        (T.ref_log1pexp, ([-800.0, -37.0, 18.0, 33.3, 1e300],), {}),
        (T.ref_log1mexp, ([-1e-300, -1e-20, -0.6931471805599453, -40.0, -1e3],), {}),
        (T.ref_logsumexp, ([[0.0, -268.0, -1e300], [-LOG2, -LOG2, -1e-300]],), {"axis": 1}),
        (T.ref_logsumexp, ([1e-300, 0.0],), {"b": [1.0, -1.0]}),
        (T.ref_logcumsumexp, ([0.0, -268.0, 5.0, -1e300, 5.0 + 1e-15],), {}),
        (T.ref_logmatmulexp, ([[0.0, -800.0], [1e300, 0.0]], [[-800.0, 1.0], [0.0, -1e300]]), {}),
        (T.ref_log_softmax, ([0.0, 192.0, -1e5],), {}),
        (T.ref_softmax, ([0.0, 192.0, -1e5],), {}),
    ]
    base = [np.asarray(ref(*args, **kw), dtype=object) for ref, args, kw in cases]
    monkeypatch.setattr(T, "PRECISION", 2 * T.PRECISION)
    for (ref, args, kw), first in zip(cases, base):
        second = np.asarray(ref(*args, **kw), dtype=object)
        for v, w in zip(first.ravel(), second.ravel()):
            if mpmath.isfinite(w) and w != 0:
                assert mp_close(v, w), (ref.__name__, args, v, w)
            else:
                assert str(v) == str(w), (ref.__name__, args, v, w)


# ---------------------------------------------------------------------------
# Rounding and ulps
# ---------------------------------------------------------------------------


def test_round_to_is_correct_rounding():
    one = mpmath.mpf(1)
    half_ulp32 = mpmath.mpf(2) ** -24
    # Ties to even, and no double rounding through float64.
    assert T.round_to(one + half_ulp32, np.float32) == np.float32(1.0)
    assert T.round_to(one + 3 * half_ulp32, np.float32) == np.float32(1 + 2.0**-22)
    assert T.round_to(one + half_ulp32 + mpmath.mpf(2) ** -60, np.float32) == np.float32(1 + 2.0**-23)
    # Subnormals and overflow.
    tiny32 = float(np.finfo(np.float32).smallest_subnormal)
    assert T.round_to(mpmath.mpf(tiny32) * 0.49, np.float32) == 0
    assert T.round_to(mpmath.mpf(tiny32) * 0.51, np.float32) == np.float32(tiny32)
    assert T.round_to(mpmath.mpf(5e-324) * 1.5, np.float64) == 1e-323
    assert T.round_to(mpmath.mpf("1e309"), np.float64) == INF
    assert T.round_to(-mpmath.mpf("1e39"), np.float32) == -INF
    assert T.round_to(mpmath.mpf(np.finfo(np.float64).max), np.float64) == np.finfo(np.float64).max
    out = T.round_to([mpmath.mpf("nan"), mpmath.mpf("-inf"), mpmath.mpf(0)], np.float32)
    assert out.dtype == np.float32 and np.isnan(out[0]) and out[1] == -INF and out[2] == 0
    rng = np.random.default_rng(2)
    for v in rng.normal(0, 1, 200) * 10.0 ** rng.uniform(-300, 300, 200):
        assert T.round_to(mpmath.mpf(v) * (1 + mpmath.mpf(2) ** -80), np.float64) == v


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ulp_matches_numpy_spacing(dtype):
    rng = np.random.default_rng(3)
    big = 30 if dtype == np.float32 else 300
    values = (rng.normal(0, 1, 300) * 10.0 ** rng.uniform(-big, big, 300)).astype(dtype)
    values = np.concatenate([values, [dtype(1.0), dtype(0.5), np.finfo(dtype).smallest_subnormal, np.finfo(dtype).tiny]])
    np.testing.assert_array_equal(T.ulp(values, dtype), np.spacing(np.abs(values)).astype(np.float64))
    assert T.ulp(0.0, dtype) == np.finfo(dtype).smallest_subnormal
    assert T.ulp(0.25, dtype, metric="log") == np.spacing(dtype(1.0))
    assert np.isnan(T.ulp(INF, dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ulp_error_one_ulp_off_is_one(dtype):
    rng = np.random.default_rng(4)
    y = np.concatenate([rng.uniform(1, 1000, 50), -rng.uniform(1, 1000, 50)]).astype(dtype)
    up = np.nextafter(y, dtype(np.inf))
    np.testing.assert_array_equal(T.ulp_error(up, y, metric="log"), np.where(y > 0, 1.0, 1.0))
    np.testing.assert_array_equal(T.ulp_error(up, y, metric="relative"), 1.0)
    np.testing.assert_array_equal(T.ulp_error(y, y), 0.0)
    small = dtype(0.75)
    # Below 1 the log metric counts in ulps of 1: one float step is half of one.
    assert T.ulp_error(np.nextafter(small, dtype(1)), small, metric="log") == 0.5
    assert T.ulp_error(np.nextafter(small, dtype(1)), small, metric="relative") == 1.0
    tiny = np.finfo(dtype).smallest_subnormal
    assert T.ulp_error(dtype(0), tiny * 3, metric="relative") == 3.0


def test_ulp_error_is_fractional_against_the_exact_value():
    exact = mpmath.mpf(1) + mpmath.mpf(2) ** -52 * mpmath.mpf("0.3")
    assert T.ulp_error(1.0, exact) == pytest.approx(0.3, abs=1e-15)
    assert T.ulp_error(1.0 + 2.0**-52, exact) == pytest.approx(0.7, abs=1e-15)
    assert T.ulp_error(np.float32(1.0), exact) == pytest.approx(0.3 * 2.0**-29, rel=1e-12)
    assert T.ulp_error(np.log(2.0), T.ref_logaddexp(0.0, 0.0), metric="relative") == pytest.approx(0.2089, abs=1e-4)


def test_ulp_error_special_values():
    actual = np.array([INF, -INF, NAN, INF, 1.0, NAN, 1.0, -INF, 0.0])
    exact = [INF, -INF, NAN, -INF, INF, 1.0, NAN, 5.0, 0.0]
    np.testing.assert_array_equal(
        T.ulp_error(actual, exact), [0.0, 0.0, 0.0, INF, INF, INF, INF, INF, 0.0]
    )
    assert T.ulp_error(2, 2.0) == 0.0  # ints count as float64
    with pytest.raises(ValueError):
        T.ulp_error(1.0, 1.0, metric="absolute")
    with pytest.raises(TypeError):
        T.ulp_error(np.array([1 + 1j]), 1.0)
    out = T.ulp_error(np.zeros((2, 3)), np.zeros(3, dtype=object))
    assert out.shape == (2, 3)


# ---------------------------------------------------------------------------
# Assertions
# ---------------------------------------------------------------------------


def test_assert_ulp_close_passes_and_fails():
    exact = T.ref_logsumexp(np.zeros((3, 4)), axis=1)  # log 4 each
    good = np.full(3, math.log(4.0))
    errors = T.assert_ulp_close(good, exact, max_ulp=0.5)
    assert errors.shape == (3,) and np.all(errors <= 0.5)
    bad = good.copy()
    bad[1] = np.nextafter(np.nextafter(np.nextafter(good[1], 2), 2), 2)
    with pytest.raises(AssertionError) as info:
        T.assert_ulp_close(bad, exact, max_ulp=1, err_msg="log 4")
    message = str(info.value)
    assert message.startswith("log 4\n")
    assert "1 of 3 elements" in message and "index (1,)" in message
    assert "actual 1.38629436111989" in message and "exact 1.3862943611198906188" in message
    assert "error 2.79 ulp" in message  # three float steps, 0.21 ulp from exact
    with pytest.raises(AssertionError, match="Shape mismatch"):
        T.assert_ulp_close(good[:2], exact, max_ulp=1)
    with pytest.raises(AssertionError, match="error inf"):
        T.assert_ulp_close(np.array([INF, 0, 0]), exact, max_ulp=1e300)
    T.assert_ulp_close(np.array([NAN, -INF]), [NAN, -INF], max_ulp=0)
    # A per-element bound.
    T.assert_ulp_close(bad, exact, max_ulp=[0.5, 3.0, 0.5])
    with pytest.raises(AssertionError, match=r"allowed 0\.5"):
        T.assert_ulp_close(bad, exact, max_ulp=[3.0, 0.5, 3.0])


def test_assert_accurate():
    x = np.array([0.0, -40.0, 3.0])
    errors = T.assert_accurate("logsumexp", x, max_ulp=2)
    assert float(errors) <= 2
    T.assert_accurate(logspace.logaddexp, x, x[::-1], max_ulp=1)
    T.assert_accurate("logsumexp", x, b=[1.0, -1.0, 0.5], return_sign=True, max_ulp=2)
    T.assert_accurate(scalar.logaddexp, 0.0, -40.0, max_ulp=1, metric="relative")
    T.assert_accurate("log1mexp", np.array([-1e-20, -1.0, -50.0], dtype=np.float32), max_ulp=2)
    T.assert_accurate("logmatmulexp", np.zeros((2, 3)), np.zeros((3, 2)), max_ulp=2)

    def naive(x):
        with np.errstate(all="ignore"):
            return np.log(np.sum(np.exp(x)))

    with pytest.raises(AssertionError, match="naive"):
        T.assert_accurate(naive, np.array([1000.0, 1000.0]), max_ulp=2, reference=T.ref_logsumexp)
    with pytest.raises(ValueError, match="no reference"):
        T.assert_accurate(naive, np.zeros(2), max_ulp=2)
    with pytest.raises(ValueError, match="unknown kernel"):
        T.assert_accurate("logsumexpp", np.zeros(2), max_ulp=2)


def test_lse_condition_number():
    assert T.lse_condition_number([0.0, 0.0]) == 0.0
    assert T.lse_condition_number([5.0]) == pytest.approx(1.0)
    assert T.lse_condition_number([-math.log(4.0)] * 4) == INF or T.lse_condition_number([-math.log(4.0)] * 4) > 1e15
    # Two terms: (|a| p_a + |b| p_b) / |y|.
    a, b = 3.0, -1.0
    y = math.log(math.exp(a) + math.exp(b))
    expected = (abs(a) * math.exp(a - y) + abs(b) * math.exp(b - y)) / abs(y)
    assert T.lse_condition_number([a, b]) == pytest.approx(expected, rel=1e-14)
    assert T.lse_condition_number([1e300, 1e300]) == pytest.approx(1.0, rel=1e-12)
    rows = np.array([[3.0, -1.0], [0.0, -40.0]])
    np.testing.assert_allclose(T.lse_condition_number(rows, axis=1), [expected, 40.0], rtol=1e-12)
    assert T.lse_condition_number(rows.T, axis=0).shape == (2,)
    # Weights: a difference of nearly equal terms is ill-conditioned ...
    assert T.lse_condition_number([3.0, 3.0 - 1e-10], b=[1.0, -1.0]) > 1e9
    # ... unless the only perturbable input is tiny.
    assert T.lse_condition_number([1e-300, 0.0], b=[1.0, -1.0]) == pytest.approx(1 / 690.7755, rel=1e-5)
    assert np.isnan(T.lse_condition_number([-INF, -INF]))
    assert np.isnan(T.lse_condition_number([INF, 0.0]))
    assert np.isnan(T.lse_condition_number(np.zeros(0)))


# ---------------------------------------------------------------------------
# The accuracy report
# ---------------------------------------------------------------------------

KERNEL_NAMES = [
    "logaddexp",
    "logsubexp",
    "log1pexp",
    "log1mexp",
    "logsumexp",
    "logcumsumexp",
    "logmatmulexp",
    "log_softmax",
    "softmax",
]


def _parse_table(text):
    rows = []
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| kernel "):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.append(cells)
    return rows


def test_accuracy_table_rows_and_bounds():
    from logspace._report import accuracy_table

    text = accuracy_table(seed=1, n_cases=60)
    header = "| kernel | implementation | metric | results | max ulp | median ulp | non-finite where truth is finite | bound | within |"
    assert header in text.splitlines()
    rows = _parse_table(text)
    assert all(len(r) == 9 for r in rows), rows
    pairs = [(r[0], r[1]) for r in rows]
    assert len(pairs) == len(set(pairs)), "one row per kernel and implementation"
    assert [k for k in dict.fromkeys(r[0] for r in rows)] == KERNEL_NAMES
    have_scipy = True
    try:
        import scipy.special  # noqa: F401
    except ImportError:
        have_scipy = False
    for kernel in KERNEL_NAMES:
        impls = [r[1] for r in rows if r[0] == kernel]
        assert impls[0] == "logspace" and any(i.startswith("naive") for i in impls), (kernel, impls)
    assert ("logsumexp", "scipy.special.logsumexp") in pairs or not have_scipy
    assert ("logaddexp", "numpy.logaddexp") in pairs
    assert ("logcumsumexp", "numpy.logaddexp.accumulate") in pairs
    if not have_scipy:
        assert "scipy is not installed" in text
    numeric_bounds = {"logaddexp": 1, "logsubexp": 2, "log1pexp": 2, "log1mexp": 2, "logsumexp": 2, "logcumsumexp": 4}
    for kernel, impl, metric, results, max_ulp, median, non_finite, bound, within in rows:
        assert metric == T.METRICS[kernel]
        assert int(results) > 0
        if impl != "logspace":
            continue
        assert int(non_finite) == 0, kernel
        assert float(median) <= float(max_ulp)
        if kernel in numeric_bounds:
            assert float(max_ulp) <= numeric_bounds[kernel], (kernel, max_ulp)
            assert bound == f"{numeric_bounds[kernel]} ulp"
        if kernel in ("log_softmax", "softmax"):
            assert bound.startswith("u(") and within == "yes", (kernel, bound, within)
        else:
            assert within == "yes", (kernel, max_ulp)
    # The naive formulas do fail on these inputs: the table shows it.
    naive = {r[0]: r for r in rows if r[1].startswith("naive")}
    assert int(naive["logsumexp"][6]) > 0 and int(naive["logmatmulexp"][6]) > 0
    assert float(naive["log1mexp"][4]) > 1e6
