"""Semantics of the kernels: shapes, dtypes, special values, errors.

Accuracy against mpmath lives in test_kernels_accuracy.py; here the kernels
are checked against scipy and numpy for behaviour (what comes back, in which
shape and dtype, with which warning).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from scipy import special

import logspace
from logspace import _kernels_scalar as scalar

inf, nan = np.inf, np.nan


# ---------------------------------------------------------------------------
# dtypes and input validation
# ---------------------------------------------------------------------------

ELEMENTWISE = [
    lambda x: logspace.logaddexp(x, x),
    lambda x: logspace.logsubexp(x, x - 1),
    logspace.log1pexp,
    lambda x: logspace.log1mexp(-np.abs(x) - 1),
    logspace.logsumexp,
    logspace.logcumsumexp,
    logspace.log_softmax,
    logspace.softmax,
]


@pytest.mark.parametrize("kernel", ELEMENTWISE)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_kernels_keep_float_dtype(kernel, dtype):
    x = np.linspace(-3, 3, 7).astype(dtype)
    assert np.asarray(kernel(x)).dtype == dtype


@pytest.mark.parametrize("kernel", ELEMENTWISE)
def test_ints_become_float64(kernel):
    assert np.asarray(kernel(np.arange(-3, 4))).dtype == np.float64


ALL_KERNELS = [
    logspace.logaddexp,
    logspace.logsubexp,
    logspace.logmatmulexp,
    logspace.log1pexp,
    logspace.log1mexp,
    logspace.logsumexp,
    logspace.logcumsumexp,
    logspace.log_softmax,
    logspace.softmax,
]


@pytest.mark.parametrize("kernel", ALL_KERNELS)
@pytest.mark.parametrize("bad", [np.array([1 + 2j]), np.array(["1.0"]), np.array([1.0], dtype=object)])
def test_non_real_input_is_a_type_error_saying_what_is_accepted(kernel, bad):
    arguments = (bad, bad) if kernel in (logspace.logaddexp, logspace.logsubexp, logspace.logmatmulexp) else (bad,)
    with pytest.raises(TypeError, match="expected real numbers"):
        kernel(*arguments)


def test_result_dtypes_follow_numpy_promotion_with_weak_python_scalars():
    f16, f32, f64 = np.float16, np.float32, np.float64
    x32 = np.linspace(-2, 2, 5, dtype=f32)
    cases = [
        (logspace.logaddexp(2, f32(3)), np.logaddexp(2, f32(3))),
        (logspace.logaddexp(f32(3), 2.5), np.logaddexp(f32(3), 2.5)),
        (logspace.logaddexp(x32, 1.0), np.logaddexp(x32, 1.0)),
        (logspace.logaddexp(x32, f64(1.0)), np.logaddexp(x32, f64(1.0))),
        (logspace.logaddexp(f16(1.0), x32), np.logaddexp(f16(1.0), x32)),
        (logspace.logaddexp(f16(1.0), 2), np.logaddexp(f16(1.0), 2)),
        (logspace.logaddexp(np.int8(1), x32), np.logaddexp(np.int8(1), x32)),
        (logspace.logsubexp(x32, -5), np.subtract(x32, -5)),
        (logspace.logsumexp(x32, b=2), np.multiply(x32, 2)),
        (logspace.logsumexp(x32, b=np.full(5, 2.0)), np.multiply(x32, np.full(5, 2.0))),
        (logspace.logmatmulexp(x32[:2].reshape(1, 2), np.zeros((2, 1), f16)), np.matmul(x32[:2].reshape(1, 2), np.zeros((2, 1), f16))),
    ]
    for ours, numpys in cases:
        assert np.asarray(ours).dtype == np.asarray(numpys).dtype, (ours, numpys)
    assert np.asarray(logspace.logaddexp(2, 3)).dtype == f64
    assert np.asarray(logspace.logaddexp(True, np.int8(3))).dtype == f64


def test_float16_results_are_the_float64_results_rounded_once():
    x = np.array([-3.0, 0.5, 2.0, 7.0], dtype=np.float16)
    np.testing.assert_array_equal(logspace.logsumexp(x), np.float16(logspace.logsumexp(x.astype(np.float64))))
    np.testing.assert_array_equal(logspace.softmax(x), logspace.softmax(x.astype(np.float64)).astype(np.float16))


def test_python_floats_give_numpy_scalars():
    assert isinstance(logspace.logaddexp(1.0, 2.0), np.float64)
    assert isinstance(logspace.logsumexp([1.0, 2.0]), np.float64)


def test_broadcasting_follows_numpy():
    a = np.zeros((3, 1))
    b = np.zeros((1, 4))
    assert logspace.logaddexp(a, b).shape == (3, 4)
    assert logspace.logsubexp(a, b - 1).shape == (3, 4)
    with pytest.raises(ValueError):
        logspace.logaddexp(np.zeros(3), np.zeros(4))


# ---------------------------------------------------------------------------
# logaddexp, logsubexp, log1pexp, log1mexp: special values
# ---------------------------------------------------------------------------


def test_logaddexp_special_values_match_numpy():
    a = np.array([inf, -inf, inf, -inf, nan, 1.0, 3.0, -inf])
    b = np.array([inf, -inf, -inf, 2.0, 1.0, nan, 3.0, inf])
    with np.errstate(invalid="ignore"):
        expected = np.logaddexp(a, b)
    np.testing.assert_array_equal(logspace.logaddexp(a, b), expected)


def test_logsubexp_equal_finite_arguments_are_exactly_zero_without_warning():
    with np.errstate(all="raise"):
        assert logspace.logsubexp(3.0, 3.0) == -inf
        assert logspace.logsubexp(-inf, -inf) == -inf
        assert logspace.logsubexp(5.0, -inf) == 5.0
        assert logspace.logsubexp(inf, 5.0) == inf


def test_logsubexp_domain_errors_are_nan_with_numpys_invalid_signal():
    with pytest.warns(RuntimeWarning, match="invalid value encountered in logsubexp"):
        out = logspace.logsubexp([1.0, inf], [2.0, inf])
    assert np.isnan(out).all()
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        logspace.logsubexp(1.0, 2.0)
    with np.errstate(invalid="ignore"):
        assert np.isnan(logspace.logsubexp(1.0, 2.0))


def test_log1mexp_signals_like_numpy_log():
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        assert logspace.log1mexp(0.0) == -inf
    with pytest.warns(RuntimeWarning, match="invalid value"):
        assert np.isnan(logspace.log1mexp(1.0))
    assert logspace.log1mexp(-inf) == 0.0
    assert np.isnan(logspace.log1mexp(nan))


def test_log1mexp_switches_branch_at_minus_log2():
    x = -np.log(2.0)
    below, above = np.nextafter(x, -inf), np.nextafter(x, 0)
    out = logspace.log1mexp(np.array([below, x, above]))
    assert np.all(np.diff(out) < 0)  # log(1 - e^x) decreases as x grows
    assert abs(out[1] - x) < 2e-16


def test_log1pexp_special_values():
    np.testing.assert_array_equal(logspace.log1pexp(np.array([-inf, inf, nan])), [0.0, inf, nan])


# ---------------------------------------------------------------------------
# logsumexp: scipy's signature and semantics
# ---------------------------------------------------------------------------

LSE_CASES = [
    ([1.0, 2.0, 3.0], {}),
    ([-inf, -inf], {}),
    ([inf, 1.0], {}),
    ([inf, -inf], {}),
    ([nan, 1.0], {}),
    ([1.0, 2.0], {"b": [1.0, -1.0], "return_sign": True}),
    ([1.0, 1.0], {"b": [1.0, -1.0], "return_sign": True}),
    ([1.0, 2.0], {"b": [0.0, 0.0], "return_sign": True}),
    ([1.0, 2.0], {"b": [2.0, 3.0]}),
    ([1.0, 2.0], {"b": [1.0, -1.0]}),
    (np.arange(24.0).reshape(2, 3, 4), {"axis": 1}),
    (np.arange(24.0).reshape(2, 3, 4), {"axis": (0, 2)}),
    (np.arange(24.0).reshape(2, 3, 4), {"axis": -1, "keepdims": True}),
    (np.arange(24.0).reshape(2, 3, 4), {"axis": None, "keepdims": True}),
    (np.zeros((0, 3)), {"axis": 0}),
    (np.zeros((0, 3)), {"axis": 1}),
    ([1.0, 2.0], {"b": [[1.0, 1.0], [2.0, -3.0]], "axis": 1, "return_sign": True}),
    (np.array(5.0), {}),
]


@pytest.mark.parametrize(("a", "kwargs"), LSE_CASES)
def test_logsumexp_matches_scipy_semantics(a, kwargs):
    with np.errstate(all="ignore"):
        expected = special.logsumexp(a, **kwargs)
        got = logspace.logsumexp(a, **kwargs)
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0)
    assert np.shape(got) == np.shape(expected)


def test_logsumexp_empty_is_zero_with_sign_zero():
    # scipy reports sign -1 for an empty sum; zero has sign 0, as for all -inf.
    assert logspace.logsumexp([], return_sign=True) == (-inf, 0.0)
    assert logspace.logsumexp([-inf], return_sign=True) == (-inf, 0.0)


def test_logsumexp_bad_axis_is_numpys_error():
    with pytest.raises(np.exceptions.AxisError):
        logspace.logsumexp(np.zeros((2, 2)), axis=2)


def test_logsumexp_dominant_term_keeps_small_neighbours():
    # The plain shifted formula returns 0.0 here (scipy gh-18295).
    assert logspace.logsumexp([0.0, -40.0]) == np.exp(-40.0)


def test_logsumexp_counts_tied_maxima():
    assert logspace.logsumexp([7.0, 7.0, 7.0]) == 7.0 + np.log(3.0)


def test_logsumexp_blocked_path_matches_unblocked():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200_001) * 10
    by_rows = logspace.logsumexp(x.reshape(1, -1), axis=1)[0]
    assert abs(logspace.logsumexp(x) - by_rows) <= 4 * np.spacing(abs(by_rows))


# ---------------------------------------------------------------------------
# logcumsumexp
# ---------------------------------------------------------------------------


def test_logcumsumexp_axis_none_flattens_like_cumsum():
    x = np.arange(6.0).reshape(2, 3)
    out = logspace.logcumsumexp(x)
    assert out.shape == (6,)
    np.testing.assert_allclose(out, np.log(np.cumsum(np.exp(x))), rtol=1e-15)


def test_logcumsumexp_along_axis():
    x = np.random.default_rng(1).normal(size=(4, 5))
    for axis in (0, 1, -1):
        np.testing.assert_allclose(logspace.logcumsumexp(x, axis=axis), np.log(np.cumsum(np.exp(x), axis=axis)), rtol=1e-14)


def test_logcumsumexp_special_values_propagate_forward():
    out = logspace.logcumsumexp(np.array([-inf, 0.0, inf, 1.0]))
    np.testing.assert_array_equal(out, [-inf, 0.0, inf, inf])
    out = logspace.logcumsumexp(np.array([0.0, nan, 1.0]))
    assert out[0] == 0.0 and np.isnan(out[1:]).all()
    assert logspace.logcumsumexp(np.array([])).shape == (0,)


def test_logcumsumexp_small_prefix_not_lost_under_large_later_max():
    out = logspace.logcumsumexp(np.array([-1000.0, 0.001, 500.0]))
    assert out[0] == -1000.0
    assert out[1] == np.logaddexp(-1000.0, 0.001)


# ---------------------------------------------------------------------------
# logmatmulexp
# ---------------------------------------------------------------------------


def _naive_logmatmul(a, b):
    return special.logsumexp(a[..., :, :, None] + b[..., None, :, :], axis=-2)


def test_logmatmulexp_shapes_follow_matmul():
    rng = np.random.default_rng(2)
    for sa, sb in [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)), ((2, 1, 3, 4), (5, 4, 2))]:
        a, b = rng.normal(size=sa), rng.normal(size=sb)
        assert logspace.logmatmulexp(a, b).shape == np.matmul(np.exp(a), np.exp(b)).shape


def test_logmatmulexp_shape_mismatch_names_the_shapes():
    with pytest.raises(ValueError, match="mismatch"):
        logspace.logmatmulexp(np.zeros((2, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="at least one dimension"):
        logspace.logmatmulexp(1.0, np.zeros(3))


def test_logmatmulexp_gap_above_708_is_recomputed_exactly():
    a = np.array([[0.0, -800.0]])
    b = np.array([[-800.0], [0.0]])
    assert logspace.logmatmulexp(a, b)[0, 0] == pytest.approx(-800.0 + np.log(2.0), rel=1e-15)


def test_logmatmulexp_wide_dynamic_range_matches_broadcast_logsumexp():
    rng = np.random.default_rng(3)
    a, b = rng.normal(scale=300, size=(40, 30)), rng.normal(scale=300, size=(30, 20))
    np.testing.assert_allclose(logspace.logmatmulexp(a, b), _naive_logmatmul(a, b), rtol=1e-13)


def test_logmatmulexp_structural_zeros_are_exactly_minus_inf():
    a = np.array([[0.0, -inf], [-inf, -inf]])
    b = np.array([[-inf, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(logspace.logmatmulexp(a, b), [[-inf, 0.0], [-inf, -inf]])


def _reference_logmatmul(a, b):
    """The exact rule, entry by entry: log-sum-exp of a_ik + b_kj (inf + -inf is nan)."""
    with np.errstate(invalid="ignore"):
        return special.logsumexp(a[..., :, :, None] + b[..., None, :, :], axis=-2)


def test_logmatmulexp_nan_is_not_turned_into_zero_beside_a_recomputed_entry():
    # The second entry underflows and is recomputed exactly; the first holds a
    # nan term and must stay nan, not become a structural zero.
    a = np.array([[0.0, -inf]])
    b = np.array([[nan, -1000.0], [0.0, 0.0]])
    out = logspace.logmatmulexp(a, b)
    assert np.isnan(out[0, 0])
    assert out[0, 1] == -1000.0


def test_logmatmulexp_zero_times_inf_is_nan():
    assert np.isnan(logspace.logmatmulexp(np.array([[inf, 0.0]]), np.array([[-inf], [-inf]]))[0, 0])
    assert np.isnan(logspace.logmatmulexp(np.array([inf, 0.0]), np.array([-inf, -inf])))
    # An underflowed factor times inf is inf, not nan.
    assert logspace.logmatmulexp(np.array([[inf, 0.0]]), np.array([[-1000.0], [0.0]]))[0, 0] == inf
    assert logspace.logmatmulexp(np.array([0.0, -2000.0]), np.array([[-1000.0], [inf]]))[0] == inf


def test_logmatmulexp_special_values_follow_the_exact_rule():
    rng = np.random.default_rng(40)
    values = np.array([nan, inf, -inf, 0.0, -1000.0, 800.0, -3.0])
    for _ in range(300):
        shape_a, shape_b = (int(rng.integers(1, 4)), 3), (3, int(rng.integers(1, 4)))
        a = rng.choice(values, size=shape_a, p=[0.05, 0.05, 0.3, 0.2, 0.15, 0.1, 0.15])
        b = rng.choice(values, size=shape_b, p=[0.05, 0.05, 0.3, 0.2, 0.15, 0.1, 0.15])
        # Shifts up to 800 each: the documented bound is below 1e-12 absolute.
        np.testing.assert_allclose(logspace.logmatmulexp(a, b), _reference_logmatmul(a, b), rtol=1e-15, atol=1e-12)
        np.testing.assert_allclose(
            logspace.logmatmulexp(a[0], b), _reference_logmatmul(a[:1], b)[0], rtol=1e-15, atol=1e-12
        )


def test_nan_survives_every_log_array_product():
    a = logspace.LogArray.from_log(np.array([[0.0, -inf]]))
    b = logspace.LogArray.from_log(np.array([[nan, -1000.0], [0.0, 0.0]]))
    ones = logspace.LogArray.from_log(np.zeros((2, 2)))
    products = {
        "@": a @ b,
        "dot": np.dot(a, b),
        "tensordot": np.tensordot(a, b, 1),
        "inner": np.inner(a, b.T),
        "multi_dot": np.linalg.multi_dot([a, b, ones]),
        "vecmat": np.vecmat(a[0], b)[np.newaxis],
        "matvec": np.matvec(b.T, a[0])[np.newaxis],
        "signed": logspace.LogArray.from_log(a.log, sign=[[-1, 1]]) @ b,
    }
    for name, product in products.items():
        assert np.isnan(product.log[0, 0]), name
    assert np.isnan((logspace.LogArray.from_log([[inf, 0.0]]) @ logspace.LogArray.from_log([[-inf], [-inf]])).log).all()


def test_logmatmulexp_is_thread_safe():
    rng = np.random.default_rng(4)
    pairs = [(rng.normal(scale=400, size=(30, 30)), rng.normal(scale=400, size=(30, 30))) for _ in range(8)]
    expected = [logspace.logmatmulexp(a, b) for a, b in pairs]
    results: list = [None] * len(pairs)

    def work(i):
        for _ in range(5):
            results[i] = logspace.logmatmulexp(*pairs[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(pairs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------------------
# softmax
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_log_softmax_and_softmax_match_scipy(axis):
    x = np.random.default_rng(5).normal(size=(3, 4)) * 5
    # log_softmax gives logs: compare in absolute terms (1 ulp of 1 is 2.2e-16).
    np.testing.assert_allclose(logspace.log_softmax(x, axis=axis), special.log_softmax(x, axis=axis), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(logspace.softmax(x, axis=axis), special.softmax(x, axis=axis), rtol=1e-14)


def test_softmax_under_large_common_offset():
    x = np.array([0.0, 1.0, 2.0])
    np.testing.assert_allclose(logspace.softmax(x + 1e4), special.softmax(x), rtol=4e-16)


def test_log_softmax_all_minus_inf_is_nan_like_scipy():
    assert np.isnan(logspace.log_softmax(np.array([-inf, -inf]))).all()


# ---------------------------------------------------------------------------
# Scalar twins agree with the array kernels
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("a", [-800.0, -40.0, -1.0, 0.0, 3.5, 700.0])
@pytest.mark.parametrize("b", [-inf, -750.0, -2.0, 0.0, 3.5])
def test_scalar_twins_match_array_kernels(a, b):
    assert scalar.logaddexp(a, b) == pytest.approx(float(logspace.logaddexp(a, b)), rel=2e-16, abs=0)
    hi, lo = max(a, b), min(a, b)
    assert scalar.logsubexp(hi, lo) == pytest.approx(float(logspace.logsubexp(hi, lo)), rel=4e-16, abs=0)
    assert scalar.log1pexp(a) == float(logspace.log1pexp(a))


def test_scalar_twins_follow_math_domain_errors():
    with pytest.raises(ValueError, match="domain"):
        scalar.logsubexp(1.0, 2.0)
    with pytest.raises(ValueError, match="domain"):
        scalar.log1mexp(0.0)
    assert scalar.logsubexp(2.0, 2.0) == -inf
    assert np.isnan(scalar.logsubexp(inf, inf))


def test_logsumexp_over_leading_axis_of_wide_array_streams_accurately():
    # Wide enough (>= 256 per row) to take the streamed row-chunk path.
    from logspace import testing

    rng = np.random.default_rng(6)
    x = rng.normal(size=(37, 300)) * 3
    x[4, :10] = x[9, :10] = 50.0  # tied maxima
    x[:, 10] = -inf  # all zero
    x[3, 11] = inf
    x[5, 12] = nan
    x[0, 13], x[1:, 13] = 0.0, -40.0  # dominant term first
    got = logspace.logsumexp(x, axis=0)
    with np.errstate(invalid="ignore"):
        expected = special.logsumexp(x, axis=0)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(expected)], expected[~finite & ~np.isnan(expected)])
    errors = testing.ulp_error(got[finite], testing.ref_logsumexp(x[:, finite], axis=0), metric="log")
    assert errors.max() <= 2
    three_d = rng.normal(size=(4, 20, 300))
    np.testing.assert_allclose(logspace.logsumexp(three_d, axis=1), special.logsumexp(three_d, axis=1), rtol=1e-15)


# ---------------------------------------------------------------------------
# The cached exponentials of a LogArray operand of @
# ---------------------------------------------------------------------------


def test_matmul_cache_is_never_stale_after_a_write_racing_the_product(monkeypatch):
    # Another thread writes to the matrix while its exponentials are being
    # computed; that product may use either values, but every later product
    # must use the new ones (the snapshot used to be taken after the write).
    from logspace import _kernels

    rng = np.random.default_rng(41)
    matrix = logspace.LogArray.from_log(rng.normal(size=(4, 4)))
    vector = logspace.LogArray.from_log(rng.normal(size=4))
    original = _kernels.prepare_logmatmul

    def racing_prepare(x, side):
        prepared = original(x, side)
        writer = threading.Thread(target=lambda: matrix.log.__setitem__((0, 0), 5.0))
        writer.start()
        writer.join()
        return prepared

    monkeypatch.setattr(_kernels, "prepare_logmatmul", racing_prepare)
    vector @ matrix
    monkeypatch.setattr(_kernels, "prepare_logmatmul", original)
    assert matrix.log[0, 0] == 5.0
    np.testing.assert_array_equal((vector @ matrix).log, logspace.logmatmulexp(vector.log, matrix.log))
    np.testing.assert_array_equal((matrix @ vector).log, logspace.logmatmulexp(matrix.log, vector.log))


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_matmul_cache_sees_every_kind_of_write(layout):
    rng = np.random.default_rng(42)
    base = rng.normal(size=(5, 5))
    logs = base if layout == "contiguous" else base.T
    matrix = logspace.LogArray.from_log(logs)
    vector = logspace.LogArray.from_log(rng.normal(size=5))
    writes = [
        lambda: logs.__setitem__((1, 2), 3.0),  # the ndarray given to from_log
        lambda: matrix.log.__setitem__((2, 1), -3.0),  # through .log
        lambda: matrix[3].log.__setitem__(0, 0.5),  # through a view
        lambda: matrix.__setitem__((4, 4), logspace.LogFloat(7.0)),  # __setitem__
        lambda: matrix.log.__setitem__((0, 0), -0.0 if matrix.log[0, 0] == 0.0 else 0.0),  # the sign bit of zero
    ]
    for write in writes:
        vector @ matrix  # fills the cache
        write()
        np.testing.assert_array_equal((vector @ matrix).log, logspace.logmatmulexp(vector.log, matrix.log))
