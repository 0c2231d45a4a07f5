"""LogArray: its methods and operators against numpy and mpmath.

Within float range every operation is checked against numpy on the linear
values (``a.to_numpy()``), element by element and for shapes, dtypes and
errors; beyond float range against the mpmath reference of
:mod:`logspace.testing`, in ulps of the stored logs (metric ``"log"``: ulps of
max(|log|, 1)) with the bounds of the kernels (tests/test_kernels_accuracy.py):

* ``+`` of unsigned arrays 1 ulp (logaddexp), ``-`` 2 ulps (logsubexp);
* ``*``, ``/`` between LogArrays: exactly the sum / difference of the logs;
* ``sum``: 2 ulps where the log-sum-exp condition number is at most 2;
* ``cumsum``: 4 ulps, every prefix, same condition;
* ``@``: the logmatmulexp bound (k + 2)u + 2u(|m_i| + |n_j|) + 1 ulp(y).

The numpy protocols (``np.*`` functions, ufunc tables) are tested in
tests/test_numpy_api.py; here only LogArray's own methods and operators.
"""

from __future__ import annotations

import copy
import math
import operator
import os
import pickle
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import logspace
from logspace import LogArray, LogFloat
from logspace import testing as T
from logspace.strategies import log_arrays, log_floats

DTYPES = [np.float32, np.float64]
INF = math.inf
NAN = math.nan

# LOGSPACE_HYPOTHESIS_EXAMPLES=2000 for a deeper local sweep.
HYP = settings(
    max_examples=int(os.environ.get("LOGSPACE_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Tolerance on linear values of moderate size (logs within about +-10).
RTOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-13}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def lin(x):
    """Linear values of a LogArray / LogFloat as an ndarray (quietly)."""
    with np.errstate(over="ignore"):
        if isinstance(x, LogArray):
            return x.to_numpy()
        if isinstance(x, LogFloat):
            return np.float64(x.sign * math.exp(x.log)) if not x.log >= 709 else np.float64(x.sign * INF)
    return np.asarray(x)


def check(actual, expected, dtype=None, signed=None, rtol=None):
    """``actual`` is a LogArray of the shape (and dtype, signedness) expected, close to ``expected``."""
    assert isinstance(actual, LogArray), type(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if dtype is not None:
        assert actual.dtype == np.dtype(dtype), (actual.dtype, dtype)
    if signed is not None:
        assert actual.signed is signed, actual.signed
    tol = RTOL[actual.dtype] if rtol is None else rtol
    np.testing.assert_allclose(lin(actual), expected, rtol=tol, atol=0, equal_nan=True)


def same_stored(x, y):
    """Identical logs (nan with nan), signs and dtype."""
    assert x.dtype == y.dtype and x.shape == y.shape
    np.testing.assert_array_equal(x.log, y.log)
    np.testing.assert_array_equal(x.sign, y.sign)


def recorded(fn, *args):
    """(result, set of warning texts) of fn(*args), every warning recorded."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(*args)
        except Exception as exc:
            result = exc
    return result, {str(w.message).split(" encountered")[0] for w in caught}


def values(rng, shape, signed=False, dtype=np.float64, zeros=False):
    """Random linear values of moderate size (0.1 to 10), some negative if signed."""
    x = rng.uniform(0.1, 10.0, shape)
    if signed:
        x *= rng.choice([-1.0, 1.0], shape)
    if zeros:
        x[rng.random(shape) < 0.2] = 0.0
    return x.astype(dtype)


def matmul_allowed(a, b, exact, dtype):
    """The documented logmatmulexp bound, in ulps of the log metric."""
    return T.logmatmulexp_bound(a, b, exact, dtype)


# ---------------------------------------------------------------------------
# construction
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, dtype",
    [
        ([1.0, 2.0, 3.0], np.float64),
        (np.array([1.0, 2.0], dtype=np.float32), np.float32),
        (np.array([1.0, 2.0], dtype=np.float16), np.float64),
        (np.array([1, 2, 3]), np.float64),
        (np.array([1, 200], dtype=np.uint8), np.float64),
        ([True, False], np.float64),
        ([[1.5, 2.5], [3.5, 0.0]], np.float64),
        (2.5, np.float64),
        (np.float32(2.5), np.float32),
        ([], np.float64),
        (np.zeros((2, 0, 3)), np.float64),
    ],
)
def test_construct_from_arraylike(data, dtype):
    a = LogArray(data)
    x = np.asarray(data)
    assert a.dtype == dtype and a.shape == x.shape and not a.signed
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(a.log, np.log(np.abs(x.astype(np.float64))).astype(dtype))
    np.testing.assert_allclose(a.to_numpy(), x.astype(dtype), rtol=RTOL[np.dtype(dtype)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_construct_dtype_argument(dtype):
    a = LogArray([1.0, -2.0, 3.0], dtype=dtype)
    assert a.dtype == dtype and a.log.dtype == dtype and a.signed
    check(a, [1.0, -2.0, 3.0], dtype=dtype)
    assert LogArray(np.float32([1.0]), dtype=np.float64).dtype == np.float64
    for bad in (np.int64, np.float16, np.complex128, object):
        with pytest.raises(TypeError, match="float32 or float64"):
            LogArray([1.0], dtype=bad)


def test_signedness_fixed_at_construction():
    assert not LogArray([0.0, 1.0, 2.0]).signed
    assert not LogArray([-0.0, 1.0]).signed  # -0.0 is zero: no negative value
    assert LogArray([1.0, -2.0]).signed
    assert LogArray([1.0, 2.0], signed=True).signed
    assert LogArray([1.0, 2.0], signed=True).sign.tolist() == [1.0, 1.0]
    assert not LogArray([1.0, 2.0], signed=False).signed
    with pytest.raises(ValueError, match="negative"):
        LogArray([1.0, -2.0], signed=False)
    assert LogArray([-np.inf]).signed
    # -nan has its sign bit set but is no negative number.
    assert np.isnan(LogArray([-np.nan, -1.0]).sign[0])


def test_construct_elementwise_parsing_beyond_float_range():
    a = LogArray(["1e-5000", "-2.5e+300000", 10**400, -(10**500), LogFloat("3e-400"), 0.25, -3, "0"])
    assert a.signed and a.dtype == np.float64 and a.shape == (8,)
    expected = [LogFloat("1e-5000"), LogFloat("-2.5e+300000"), LogFloat(10**400), LogFloat(-(10**500)),
                LogFloat("3e-400"), LogFloat(0.25), LogFloat(-3), LogFloat(0)]
    for got, want in zip(a.tolist(), expected):
        assert got.log == want.log and got.sign == want.sign
    # Correctly rounded logs, as LogFloat parses: against mpmath.
    with mpmath.workprec(200):
        exact = [mpmath.log(mpmath.mpf(10) ** -5000), mpmath.log(mpmath.mpf(10) ** 400)]
    T.assert_ulp_close(a.log[[0, 2]], np.array(exact, dtype=object), 0.5, metric="relative")
    nested = LogArray([["1e-5000", "2"], [LogFloat(3), 10**400]])
    assert nested.shape == (2, 2) and not nested.signed
    assert LogArray(np.array(["1e-5000", "2"])).log[1] == LogFloat(2).log  # numpy str arrays too
    assert LogArray(["1e-5000"], dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="abc"):
        LogArray(["abc"])
    with pytest.raises(TypeError):
        LogArray([None, 1.0])


def test_construct_rejects_complex_and_ragged():
    with pytest.raises(TypeError, match="complex"):
        LogArray([1 + 2j])
    with pytest.raises(TypeError):
        LogArray(1j)
    with pytest.raises(ValueError):
        LogArray([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("signed", [False, True])
def test_construct_from_logarray_copies(dtype, signed):
    a = LogArray([1.0, 2.0, 3.0], dtype=dtype, signed=signed)
    b = LogArray(a)
    same_stored(a, b)
    assert b.signed is signed
    assert not np.shares_memory(a.log, b.log)
    b[0] = 5.0
    assert float(a[0]) == pytest.approx(1.0)
    other = np.float32 if dtype == np.float64 else np.float64
    assert LogArray(a, dtype=other).dtype == other


def test_construct_from_logfloat():
    a = LogArray(LogFloat("-1e-5000"))
    assert a.shape == () and a.signed and a.log == LogFloat("1e-5000").log
    assert a.item() == LogFloat("-1e-5000")
    assert not LogArray(LogFloat(2)).signed


@pytest.mark.parametrize("dtype", DTYPES)
def test_from_log(dtype):
    logs = np.array([-11512.925464970229, 0.0, -np.inf, np.inf, np.nan], dtype=dtype)
    a = LogArray.from_log(logs)
    assert a.log is logs and a.dtype == dtype and not a.signed  # no copy
    b = LogArray.from_log(logs, sign=[1, -1, 1, -1, 1])
    assert b.signed
    np.testing.assert_array_equal(b.sign, np.array([1, -1, 0, -1, np.nan], dtype=dtype))
    c = LogArray.from_log(logs, sign=-1)  # broadcast
    assert c.signed and c.sign[0] == -1
    assert LogArray.from_log([0, 1]).dtype == np.float64  # ints become float64 logs
    assert LogArray.from_log([0.0], dtype=np.float32).dtype == np.float32
    assert LogArray.from_log([[0.0, 1.0]], sign=[1, -1]).shape == (1, 2)
    with pytest.raises(ValueError):
        LogArray.from_log([0.0, 1.0], sign=[1, 1, 1])


@pytest.mark.parametrize("dtype", DTYPES)
def test_zeros_ones_full(dtype):
    z = LogArray.zeros((2, 3), dtype=dtype)
    assert z.shape == (2, 3) and z.dtype == dtype and not z.signed
    assert np.all(z.log == -np.inf) and np.all(z.to_numpy() == 0)
    o = LogArray.ones(4, dtype=dtype)
    assert o.shape == (4,) and np.all(o.log == 0)
    assert LogArray.zeros(2, signed=True).signed and LogArray.ones(2, signed=True).signed
    assert LogArray.zeros(()).shape == ()
    f = LogArray.full((2, 2), "1e-5000", dtype=dtype)
    assert f.dtype == dtype and np.all(f.log == np.asarray(LogFloat("1e-5000").log, dtype=dtype))
    g = LogArray.full(3, -2.0, dtype=dtype)
    assert g.signed
    check(g, [-2.0] * 3, dtype=dtype)
    h = LogArray.full(2, LogFloat(10**400))
    assert h.log[0] == LogFloat(10**400).log
    assert LogArray.full(2, 1.0, signed=True).signed
    with pytest.raises(ValueError, match="negative"):
        LogArray.full(2, -1.0, signed=False)
    assert np.isnan(LogArray.full(2, np.nan).log).all()


# ---------------------------------------------------------------------------
# attributes and conversions
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (2, 0, 4), (2, 3, 4)])
def test_attributes_match_numpy(dtype, shape):
    rng = np.random.default_rng(1)
    x = values(rng, shape, signed=True, dtype=dtype)
    a = LogArray(x)
    assert a.shape == x.shape and a.ndim == x.ndim and a.size == x.size and a.dtype == dtype
    assert a.log is a.log and a.log.dtype == dtype
    np.testing.assert_array_equal(a.sign, np.sign(x))
    assert a.sign.dtype == dtype
    check(a.T, x.T, dtype=dtype)
    check(a.transpose(), x.transpose())
    if x.ndim:
        assert len(a) == len(x)
        items = list(a)
        assert len(items) == len(x)
        for got, want in zip(items, x):
            if x.ndim == 1:
                assert isinstance(got, LogFloat)
                assert float(got) == pytest.approx(float(want), rel=RTOL[np.dtype(dtype)])
            else:
                check(got, want)
    else:
        with pytest.raises(TypeError):
            len(a)
        with pytest.raises(TypeError):
            iter(a).__next__()


def test_log_is_the_stored_array():
    a = LogArray([1.0, 2.0])
    a.log[0] = 1.0  # writes through: no copy
    assert float(a[0]) == pytest.approx(math.e)


@pytest.mark.parametrize("signed", [False, True])
def test_sign_special_values(signed):
    x = np.array([0.0, 2.0, np.inf, np.nan, -2.0, -np.inf]) if signed else np.array([0.0, 2.0, np.inf, np.nan])
    np.testing.assert_array_equal(LogArray(x).sign, np.sign(x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("signed", [False, True])
def test_copy_astype(dtype, signed):
    a = LogArray([1.0, 2.0, 3.0], dtype=dtype, signed=signed)
    for b in (a.copy(), copy.copy(a), copy.deepcopy(a)):
        same_stored(a, b)
        assert b.signed is signed
        assert not np.shares_memory(a.log, b.log)
        b[0] = 7.0
        assert float(a[0]) == pytest.approx(1.0)
    other = np.float32 if dtype == np.float64 else np.float64
    c = a.astype(other)
    assert c.dtype == other and c.signed is signed
    np.testing.assert_array_equal(c.log, a.log.astype(other))
    d = a.astype(dtype)
    assert not np.shares_memory(d.log, a.log)
    with pytest.raises(TypeError):
        a.astype(np.int32)
    s = a.as_signed()
    assert s.signed and not np.shares_memory(s.log, a.log)


@pytest.mark.parametrize("signed", [False, True])
def test_shape_methods_follow_numpy(signed):
    rng = np.random.default_rng(2)
    x = values(rng, (2, 3, 4), signed=signed)
    a = LogArray(x)
    cases = [
        (a.reshape(6, 4), x.reshape(6, 4)),
        (a.reshape((4, 6)), x.reshape((4, 6))),
        (a.reshape(-1), x.reshape(-1)),
        (a.reshape([3, -1]), x.reshape([3, -1])),
        (a.reshape(24, order="F"), x.reshape(24, order="F")),
        (a.ravel(), x.ravel()),
        (a.ravel(order="F"), x.ravel(order="F")),
        (a.flatten(), x.flatten()),
        (a.flatten(order="F"), x.flatten(order="F")),
        (a.transpose(2, 0, 1), x.transpose(2, 0, 1)),
        (a.transpose((1, 0, 2)), x.transpose((1, 0, 2))),
        (a[:, :1].squeeze(), x[:, :1].squeeze()),
        (a[:, :1].squeeze(axis=1), x[:, :1].squeeze(axis=1)),
    ]
    for got, want in cases:
        check(got, want, signed=signed)
    # Views and copies exactly as numpy makes them.
    assert np.shares_memory(a.reshape(6, 4).log, a.log)
    assert np.shares_memory(a.ravel().log, a.log)
    assert not np.shares_memory(a.flatten().log, a.log)
    if signed:
        assert np.shares_memory(a.reshape(6, 4)._neg, a._neg)
        assert not np.shares_memory(a.flatten()._neg, a._neg)
    with pytest.raises(ValueError):
        a.reshape(5, 5)


@pytest.mark.parametrize("signed", [False, True])
def test_item_and_tolist(signed):
    x = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]]) if signed else np.array([[1.0, 2.0], [3.0, 4.0]])
    a = LogArray(x)
    for args in [(0,), (3,), (-1,), (1, 1), ((1, 0),)]:
        got = a.item(*args)
        assert isinstance(got, LogFloat)
        assert float(got) == pytest.approx(x.item(*args))
    with pytest.raises(ValueError):
        a.item()
    assert LogArray([LogFloat("-1e-5000")]).item() == LogFloat("-1e-5000")
    nested = a.tolist()
    assert isinstance(nested, list) and all(isinstance(v, LogFloat) for row in nested for v in row)
    np.testing.assert_allclose([[float(v) for v in row] for row in nested], x, rtol=1e-15)
    assert LogArray("1e-5000").tolist() == LogFloat("1e-5000")
    assert LogArray([]).tolist() == []


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (3,), (2, 2)])
def test_to_numpy_and_asarray(dtype, shape):
    x = np.full(shape, -2.5, dtype=dtype)
    a = LogArray(x)
    for out in (a.to_numpy(), np.asarray(a), np.array(a)):
        assert isinstance(out, np.ndarray) and out.shape == shape and out.dtype == dtype
        np.testing.assert_allclose(out, x, rtol=RTOL[np.dtype(dtype)])
    assert np.asarray(a, dtype=np.float16).dtype == np.float16
    with pytest.raises(ValueError, match="copy"):
        np.asarray(a, copy=False)


def test_to_numpy_raises_on_overflow_and_warns_on_underflow():
    a = LogArray(["1e-400", "-1e-400", 1.0])
    with pytest.warns(logspace.UnderflowWarning, match=r"2 nonzero values are below float range .*a\.log.*underflow='zero'"):
        out = a.to_numpy()
    np.testing.assert_array_equal(out, [0.0, -0.0, 1.0])
    np.testing.assert_array_equal(np.signbit(out), [False, True, False])
    np.testing.assert_array_equal(a.to_numpy(underflow="zero"), [0.0, -0.0, 1.0])  # quiet
    with pytest.raises(FloatingPointError, match="below float range"):
        a.to_numpy(underflow="raise")
    with pytest.raises(ValueError, match="underflow must be one of"):
        a.to_numpy(underflow="ignore")
    for big in (LogArray(["3e400", 1.0]), LogArray(["-3e400"])):
        with pytest.raises(OverflowError, match="beyond float range .*a\\.log"):
            big.to_numpy()
        with pytest.raises(OverflowError, match="would become inf"):
            np.asarray(big)
    np.testing.assert_array_equal(LogArray([np.inf, -np.inf, 0.0]).to_numpy(), [np.inf, -np.inf, 0.0])  # no loss
    f = LogArray(["1e-50"], dtype=np.float32)  # float32 range
    with pytest.warns(logspace.UnderflowWarning):
        np.testing.assert_array_equal(f.to_numpy(), np.array([0.0], dtype=np.float32))
    with pytest.raises(OverflowError):
        LogArray(["1e50"], dtype=np.float32).to_numpy()


# ---------------------------------------------------------------------------
# indexing
# ---------------------------------------------------------------------------

KEYS = [
    (1, 2, 3),
    (-1, 0, -2),
    (0,),
    1,
    slice(None),
    (slice(1, None), slice(None, None, 2)),
    (Ellipsis, 1),
    (None, 0),
    (0, None, slice(1, 3)),
    [0, 1, 1],
    ([0, 1], [2, 0]),
    (slice(None), [0, 2], 1),
    np.array([True, False]),
    (np.array([True, False]), 1),
    np.array([[True, False, True], [False, False, True]]),
    np.int64(1),
    (np.intp(1), np.int32(2), -1),
    [],
    Ellipsis,
    (),
]


@pytest.mark.parametrize("signed", [False, True])
@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_getitem_follows_numpy(signed, key):
    rng = np.random.default_rng(3)
    x = values(rng, (2, 3, 4), signed=signed)
    a = LogArray(x)
    got = a[key]
    want = a.to_numpy()[key]
    if np.ndim(want) == 0 and not isinstance(want, np.ndarray):
        assert isinstance(got, LogFloat)
        assert float(got) == float(want)
        return
    assert isinstance(got, LogArray)
    check(got, want, dtype=a.dtype, rtol=0)
    assert got.signed is signed
    # a view exactly where numpy gives a view
    assert np.shares_memory(got.log, a.log) == np.shares_memory(x[key], x)
    if signed:
        assert np.shares_memory(got._neg, a._neg) == np.shares_memory(x[key], x)


def test_getitem_views_write_through_and_errors():
    a = LogArray([[1.0, 2.0], [3.0, 4.0]], signed=True)
    row = a[0]
    row[1] = -5.0
    assert float(a[0, 1]) == pytest.approx(-5.0)
    with pytest.raises(IndexError):
        a[2]
    with pytest.raises(IndexError):
        a[0, 0, 0]
    with pytest.raises(IndexError):
        a[np.array([True, False, True])]
    with pytest.raises(TypeError, match="LogArray"):
        a[LogArray([0.0])]
    zero_d = LogArray(2.0)
    assert isinstance(zero_d[()], LogFloat) and isinstance(zero_d[...], LogArray)
    with pytest.raises(IndexError):
        zero_d[0]


def test_getitem_scalars_beyond_float_range():
    a = LogArray(["1e-5000", "-3e+400", 0, np.nan])
    assert a[0] == LogFloat("1e-5000") and a[1] == LogFloat("-3e+400")
    assert a[2] == LogFloat(0) and a[2].sign == 0
    assert math.isnan(a[3].log)
    b = LogArray([-1.0, 0.0])  # a zero in a signed array is zero, not -0
    assert b[1].sign == 0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "key, value",
    [
        (0, LogFloat("1e-5000")),
        (0, LogFloat(7)),
        (1, 7),
        (1, 2.5),
        (slice(None), np.array([4.0, 5.0, 6.0])),
        (slice(None), np.array([4, 5, 6])),
        (slice(0, 2), LogArray([9.0, 8.0])),
        (slice(None), LogArray(2.0)),
        ([0, 2], np.float64(3.0)),
        (np.array([True, False, True]), 0.0),
        (Ellipsis, np.inf),
        (1, np.nan),
        (0, 10**400),
        (0, -0.0),
    ],
    ids=repr,
)
def test_setitem_unsigned(dtype, key, value):
    a = LogArray([1.0, 2.0, 3.0], dtype=dtype)
    expected = a.to_numpy().astype(np.float64)
    a[key] = value
    assert not a.signed and a.dtype == dtype
    if isinstance(value, (LogFloat, LogArray)) or (isinstance(value, int) and value == 10**400):
        exact = LogArray(value) if not isinstance(value, LogArray) else value
        np.testing.assert_array_equal(a.log[key], np.broadcast_to(exact.log.astype(dtype), np.shape(a.log[key])))
    else:
        expected[key] = value
        np.testing.assert_allclose(a.to_numpy(), expected.astype(dtype), rtol=RTOL[np.dtype(dtype)])


@pytest.mark.parametrize(
    "value", [-1.0, -1, LogFloat(-2), LogArray([1.0, -2.0, 3.0]), np.array([1.0, -1.0, 1.0]), -np.inf, "neg"]
)
def test_setitem_negative_into_unsigned_raises(value):
    a = LogArray([1.0, 2.0, 3.0])
    before = a.log.copy()
    if isinstance(value, str):
        value = LogFloat("-1e-5000")
    with pytest.raises(ValueError, match=r"signed=True|as_signed"):
        a[:] = value
    np.testing.assert_array_equal(a.log, before)  # nothing written
    # ... while a signed array takes them
    s = a.as_signed()
    s[:] = value
    assert s.signed and np.any(s.sign < 0)


def test_setitem_signed():
    s = LogArray([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])
    s[0] = LogArray([7.0, 8.0, 9.0])  # an unsigned value clears the signs
    check(s, [[7.0, 8.0, 9.0], [4.0, 5.0, -6.0]])
    s[:, 0] = LogFloat(-5)
    check(s, [[-5.0, 8.0, 9.0], [-5.0, 5.0, -6.0]])
    s[s.to_numpy() < 0] = 0.5
    check(s, [[0.5, 8.0, 9.0], [0.5, 5.0, 0.5]])
    s[[0, 1], [1, 2]] = np.array([-3.0, -4.0])
    check(s, [[0.5, -3.0, 9.0], [0.5, 5.0, -4.0]])
    s[...] = LogArray([-1.0, 2.0, -3.0])  # broadcasting
    check(s, [[-1.0, 2.0, -3.0], [-1.0, 2.0, -3.0]])
    assert s.signed


def test_setitem_errors():
    a = LogArray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with pytest.raises(ValueError):
        a[:] = LogArray([1.0, 2.0])
    with pytest.raises(ValueError):
        a[:] = np.ones(2)
    with pytest.raises(IndexError):
        a[5] = 1.0
    with pytest.raises(TypeError):
        a[0] = None
    with pytest.raises(TypeError):
        a[0] = 1j


def test_setitem_float32_keeps_range():
    a = LogArray([1.0, 2.0], dtype=np.float32)
    a[0] = 1e-300  # log -690.8 fits a float32 log
    assert a.dtype == np.float32 and a.log[0] == np.float32(math.log(1e-300))
    assert "e-300" in repr(a)


# ---------------------------------------------------------------------------
# arithmetic
# ---------------------------------------------------------------------------

BINARY = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}
COMPARE = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def operand(kind, rng, shape, signed):
    """(operand, linear values, dtype it brings or None if weak)."""
    x = values(rng, shape, signed=signed)
    if kind == "LogArray":
        return LogArray(x), x, np.float64
    if kind == "LogArray32":
        a = LogArray(x, dtype=np.float32)
        return a, np.exp(a.log.astype(np.float64)) * np.where(a.sign < 0, -1.0, 1.0), np.float32
    if kind == "ndarray":
        return x, x, np.float64
    if kind == "ndarray32":
        return x.astype(np.float32), x.astype(np.float32), np.float32
    if kind == "ndarray_int":
        xi = np.round(x).astype(np.int64)
        return xi, xi, np.float64
    v = float(x.reshape(-1)[0]) if x.size else 1.5
    if kind == "float":
        return v, v, None
    if kind == "int":
        return int(round(v)) or 1, int(round(v)) or 1, None
    if kind == "LogFloat":
        return LogFloat(v), v, None
    raise AssertionError(kind)


KINDS = ["LogArray", "LogArray32", "ndarray", "ndarray32", "ndarray_int", "float", "int", "LogFloat"]


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("signed", [False, True])
def test_binary_operators_against_numpy(op, kind, dtype, signed):
    rng = np.random.default_rng(4)
    fn = BINARY[op]
    x = values(rng, (2, 3), signed=signed, dtype=dtype)
    a = LogArray(x)
    for swap in (False, True):
        other, y, other_dtype = operand(kind, rng, (3,), signed)
        result = fn(other, a) if swap else fn(a, other)
        want = fn(y, a.to_numpy()) if swap else fn(a.to_numpy(), y)
        expected_dtype = dtype if other_dtype is None else np.result_type(dtype, other_dtype)
        tol = max(RTOL[np.dtype(dtype)], RTOL[np.dtype(expected_dtype)])
        if kind == "ndarray32":  # its logs are float32 (test_float32_ndarray_keeps_float64_accuracy)
            tol = RTOL[np.dtype(np.float32)]
        if op in "+-":  # cancellation: the error is relative to the operands
            scale = np.abs(a.to_numpy()) + np.abs(y)
            check(result, want, dtype=expected_dtype, rtol=1.0)
            np.testing.assert_array_less(np.abs(lin(result) - want), 4 * tol * scale + 1e-300)
        else:
            check(result, want, dtype=expected_dtype, rtol=tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_result_signedness(dtype):
    u = LogArray([1.0, 2.0, 3.0], dtype=dtype)
    v = LogArray([3.0, 2.0, 1.0], dtype=dtype)
    assert not (u + v).signed and not (u * v).signed and not (u / v).signed and not (u**2).signed
    assert not (u * LogFloat(2)).signed and not (u + 1.0).signed
    assert (u * -1.0).signed and (-u).signed and (u + np.array([-5.0, 0.0, 0.0])).signed
    # a difference is signed exactly when it has a negative value
    assert not (u - LogArray([0.5, 2.0, 0.0], dtype=dtype)).signed
    assert not (u - 1.0).signed and not (u - u).signed
    d = u - v
    assert d.signed
    check(d, [-2.0, 0.0, 2.0], dtype=dtype, rtol=1.0)
    assert (1.0 - u).signed
    s = LogArray([1.0, -2.0], dtype=dtype)
    assert (s * s).signed and abs(s).signed is False and (+s).signed
    check(abs(s), [1.0, 2.0], dtype=dtype)
    check(-s, [-1.0, 2.0], dtype=dtype)
    check(+s, [1.0, -2.0], dtype=dtype)


def test_unsigned_arrays_store_no_signs():
    """An array known to be non-negative keeps no sign array through any operation."""
    u = LogArray(np.arange(6.0).reshape(2, 3))
    assert u._neg is None
    results = [
        u + u, u * u, u / 2, u**2, 2**u, u - u, (u + 1) - 1e-300, abs(u), +u, u @ u.T, u @ np.ones(3),
        u.sum(axis=0), u.prod(axis=1), u.mean(axis=0), u.max(axis=0), u.min(axis=(0, 1), keepdims=True),
        u.cumsum(axis=1), u.cumprod(), u.normalize(), u.normalize(axis=1),
        u[0], u[[0]], u[u.to_numpy() > 1], u.T, u.reshape(3, 2), u.ravel(), u.flatten(), u.astype(np.float32),
        u.copy(), u.take([0, 1]), LogArray(u), pickle.loads(pickle.dumps(u)),
        LogArray.full(2, 1.0), LogArray.zeros(2), LogArray.ones(2), LogArray.from_log([0.0]),
    ]
    for i, r in enumerate(results):
        assert isinstance(r, LogArray) and r._neg is None and not r.signed, i
    v = u.copy()
    v.sort(axis=0)
    v[0] = 5.0
    v[1] = LogFloat("1e-5000")
    assert v._neg is None


@pytest.mark.parametrize("signed", [False, True])
def test_zero_d_arithmetic(signed):
    a, b = LogArray(-2.0 if signed else 2.0), LogArray(3.0)
    for fn in (*BINARY.values(), operator.pow):
        with np.errstate(invalid="ignore"):
            got = fn(a, b)
            want = fn(a.to_numpy(), b.to_numpy())
        assert isinstance(got, LogArray) and got.shape == ()
        assert np.allclose(lin(got), want, rtol=1e-13, equal_nan=True)
    for fn in COMPARE.values():
        got = fn(a, b)
        assert got.dtype == bool and got.shape == () and got == fn(a.to_numpy(), b.to_numpy())  # as numpy
    got = a * LogArray([1.0, 2.0])
    assert got.shape == (2,)


@pytest.mark.parametrize("dtype", DTYPES)
def test_weak_scalars_keep_dtype(dtype):
    a = LogArray([1.0, 2.0], dtype=dtype)
    for scalar in (2.5, 3, LogFloat(2.5), LogFloat("1e-5000"), True):
        for fn in (operator.add, operator.mul, operator.truediv, operator.sub):
            assert fn(a, scalar).dtype == dtype
            if not (fn is operator.sub and isinstance(scalar, LogFloat) and scalar.log < -100):
                assert fn(scalar, a).dtype == dtype
    assert (a**2.5).dtype == dtype and (2.5**a).dtype == dtype
    assert (a + LogArray([1.0], dtype=np.float64)).dtype == np.float64
    assert (a + np.ones(2, dtype=np.float32)).dtype == np.result_type(dtype, np.float32)


def test_numpy_float64_scalar_promotes_like_numpy():
    a = LogArray([1.0, 2.0], dtype=np.float32)
    assert (a + np.float64(1.0)).dtype == (np.ones(2, np.float32) + np.float64(1.0)).dtype == np.float64


def test_small_dtype_ndarrays_promote_like_numpy():
    a = LogArray([1.0, 2.0], dtype=np.float32)
    for other in (np.array([True, True]), np.array([1, 2], dtype=np.int8), np.array([1, 2], dtype=np.float16)):
        assert (a * other).dtype == np.result_type(np.float32, other.dtype)


def test_float32_ndarray_keeps_float64_accuracy():
    a = LogArray([2.0])
    y = np.array([3.3], dtype=np.float32)
    np.testing.assert_allclose((a * y).to_numpy(), 2.0 * y.astype(np.float64), rtol=1e-14)


def test_array_equals_the_floats_it_was_made_from():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 20000)
    a = LogArray(x)
    assert all(bool(a[i : i + 1] == float(x[i])) for i in range(x.size))


@pytest.mark.parametrize("dtype", DTYPES)
def test_products_are_exact_sums_of_logs(dtype):
    rng = np.random.default_rng(5)
    a = LogArray.from_log(rng.normal(-3000, 1000, (3, 4)).astype(dtype), sign=rng.choice([-1, 1], (3, 4)))
    b = LogArray.from_log(rng.normal(0, 1000, 4).astype(dtype))
    np.testing.assert_array_equal((a * b).log, a.log + b.log)
    np.testing.assert_array_equal((a / b).log, a.log - b.log)
    np.testing.assert_array_equal((a * b).sign, a.sign * b.sign)
    np.testing.assert_array_equal((a * LogFloat("1e-5000")).log, a.log + LogFloat("1e-5000").log)
    np.testing.assert_array_equal((LogFloat(2.5) / a).log, LogFloat(2.5).log - a.log)
    np.testing.assert_array_equal((a**3).log, a.log * 3)
    np.testing.assert_array_equal((a**3).sign, a.sign)
    np.testing.assert_array_equal((a**2).sign, np.abs(a.sign))
    np.testing.assert_array_equal(((a * a) ** 0.5).log, (a.log + a.log) * 0.5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_add_subtract_beyond_float_range_against_mpmath(dtype):
    rng = np.random.default_rng(6)
    la = rng.normal(-5000, 3, 200).astype(dtype)
    lb = (la - rng.exponential(2, 200) - 1e-3 * np.abs(la)).astype(dtype)  # b < a
    a, b = LogArray.from_log(la), LogArray.from_log(lb)
    T.assert_ulp_close((a + b).log, T.ref_logaddexp(la, lb), 1, err_msg="a + b")
    T.assert_ulp_close((b + a).log, T.ref_logaddexp(la, lb), 1, err_msg="b + a")
    diff = a - b
    assert not diff.signed
    T.assert_ulp_close(diff.log, T.ref_logsubexp(la, lb), 2, err_msg="a - b")
    neg = b - a
    assert neg.signed and np.all(neg.sign == -1)
    T.assert_ulp_close(neg.log, T.ref_logsubexp(la, lb), 2, err_msg="b - a")
    # signed operands: x + (-y) is x - y
    mixed = a + (-b)
    T.assert_ulp_close(mixed.log, T.ref_logsubexp(la, lb), 2, err_msg="a + (-b)")
    assert np.all(mixed.sign == 1)


def test_broadcasting_against_numpy():
    rng = np.random.default_rng(7)
    shapes = [((2, 3), (3,)), ((2, 1), (1, 3)), ((4, 2, 3), (2, 3)), ((), (2, 3)), ((0, 3), (3,)), ((2, 3), (0, 1, 1))]
    for sa, sb in shapes:
        for signed in (False, True):
            x, y = values(rng, sa, signed=signed), values(rng, sb)
            a, b = LogArray(x), LogArray(y)
            for fn in (*BINARY.values(), operator.pow):
                with np.errstate(invalid="ignore"):  # negative ** non-integer
                    got = fn(a, b)
                    want = fn(a.to_numpy(), b.to_numpy())
                assert got.shape == want.shape
                assert np.allclose(lin(got), want, rtol=1e-12, atol=1e-12, equal_nan=True)
            for fn in COMPARE.values():
                np.testing.assert_array_equal(fn(a, b), fn(a.to_numpy(), b.to_numpy()))


@pytest.mark.parametrize("fn", [*BINARY.values(), operator.pow, *COMPARE.values()])
def test_broadcast_errors_as_numpy(fn):
    a = LogArray([1.0, 2.0])
    for other in (LogArray([1.0, 2.0, 3.0]), np.ones(3), LogArray(np.ones((3, 1, 3)))):
        with pytest.raises(ValueError):
            fn(a, other)
        with pytest.raises(ValueError):
            fn(other, a)


@pytest.mark.parametrize("fn", [*BINARY.values(), operator.pow, operator.matmul, operator.lt])
def test_unsupported_operands_raise_type_error(fn):
    a = LogArray([1.0, 2.0])
    for other in ("x", None, 1j, object()):
        with pytest.raises(TypeError):
            fn(a, other)
        with pytest.raises(TypeError):
            fn(other, a)


@pytest.mark.parametrize("op", list(COMPARE))
@pytest.mark.parametrize("signed", [False, True])
def test_comparisons_against_numpy(op, signed):
    fn = COMPARE[op]
    pool = [0.0, 0.5, 1.0, 2.0, np.inf, np.nan] + ([-0.5, -1.0, -2.0, -np.inf] if signed else [])
    x, y = np.meshgrid(np.array(pool), np.array(pool))
    a, b = LogArray(x, signed=signed), LogArray(y, signed=signed)
    for got, want in [
        (fn(a, b), fn(x, y)),
        (fn(a, y), fn(x, y)),
        (fn(x, b), fn(x, y)),
        (fn(a, 1.0), fn(x, 1.0)),
        (fn(1.0, a), fn(1.0, x)),
        (fn(a, LogFloat(2)), fn(x, 2.0)),
        (fn(LogFloat(-1), a), fn(-1.0, x)),
        (fn(a, 0), fn(x, 0)),
    ]:
        assert isinstance(got, np.ndarray) and got.dtype == bool
        np.testing.assert_array_equal(got, want)


def test_comparisons_beyond_float_range():
    a = LogArray(["1e-5000", "-1e-5000", "2e-5000", "3e400", "-3e400", 0])
    b = LogArray(["2e-5000", "-2e-5000", "2e-5000", "1e400", "-1e400", "-1e-9000"])
    np.testing.assert_array_equal(a < b, [True, False, False, False, True, False])
    np.testing.assert_array_equal(a == b, [False, False, True, False, False, False])
    np.testing.assert_array_equal(a > 0, [True, False, True, True, False, False])
    np.testing.assert_array_equal(a >= LogFloat("1e-5000"), [True, False, True, True, False, False])


@pytest.mark.parametrize("dtype", DTYPES)
def test_power(dtype):
    rng = np.random.default_rng(8)
    x = values(rng, (2, 3), dtype=dtype)
    a = LogArray(x)
    for e in (2, 3, -1, 0.5, -2.5, 0, np.array([1.0, 2.0, 3.0]), LogArray([1.0, 0.5, 2.0]), LogFloat(2)):
        check(a**e, a.to_numpy().astype(np.float64) ** lin(e), rtol=1e-5 if dtype == np.float32 else 1e-13)
    for base in (2.0, 3, np.array([0.5, 2.0, 4.0]), LogFloat(2)):
        check(base**a, lin(base) ** a.to_numpy().astype(np.float64), rtol=1e-5 if dtype == np.float32 else 1e-13)
    s = LogArray([-2.0, 3.0, -0.5], dtype=dtype)
    check(s**2, [4.0, 9.0, 0.25], signed=True)
    check(s**3, [-8.0, 27.0, -0.125])
    check(s**-1, [-0.5, 1 / 3, -2.0])
    # a LogArray exponent is its value exp(log): exactly 1, 2 and 4 here, but not 3
    check((-2.0) ** LogArray([1.0, 2.0, 4.0]), [-2.0, 4.0, 16.0])
    # beyond float range: exact products of logs
    big = LogArray(["1e-5000"], dtype=dtype)
    assert (big**0.5).log[0] == big.log[0] * np.asarray(0.5, dtype)
    assert (big**-1)[0] > LogFloat("9.99e4999")


# Special values: LogArray gives numpy's results and warns where numpy warns.
SPECIALS = np.array([0.0, 1.0, -1.0, 2.5, -0.5, np.inf, -np.inf, np.nan])


@pytest.mark.parametrize("op", list(BINARY) + list(COMPARE))
@pytest.mark.parametrize("signed", [False, True])
def test_special_values_as_numpy(op, signed):
    fn = {**BINARY, **COMPARE}[op]
    pool = SPECIALS if signed else SPECIALS[~np.signbit(SPECIALS)]
    x, y = (v.ravel() for v in np.meshgrid(pool, pool))
    for i in range(x.size):
        xi, yi = x[i : i + 1], y[i : i + 1]
        want, warned = recorded(fn, xi, yi)
        for left, right in [
            (LogArray(xi, signed=signed), LogArray(yi, signed=signed)),
            (LogArray(xi, signed=signed), float(yi[0])),
            (float(xi[0]), LogArray(yi, signed=signed)),
            (LogArray(xi, signed=signed), yi),
        ]:
            got, got_warned = recorded(fn, left, right)
            assert not isinstance(got, Exception), (op, xi, yi, got)
            assert np.allclose(lin(got), want, rtol=1e-12, atol=0, equal_nan=True), (op, xi, yi, lin(got), want)
            assert bool(got_warned) == bool(warned), (op, xi, yi, got_warned, warned)


@pytest.mark.parametrize("signed", [False, True])
def test_power_special_values_as_numpy(signed):
    bases = SPECIALS if signed else SPECIALS[~np.signbit(SPECIALS)]
    exponents = np.array([0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, -0.5, np.inf, -np.inf, np.nan])
    for b in bases:
        for e in exponents:
            # numpy's power(x, 0.5) for a scalar exponent is sqrt (nan for -inf); pow gives inf
            want, warned = recorded(np.power, np.array([b]), np.array([e]))
            got, got_warned = recorded(operator.pow, LogArray([b], signed=signed), e)
            assert np.allclose(lin(got), want, equal_nan=True), (b, e, lin(got), want)
            assert np.array_equal(np.signbit(lin(got)), np.signbit(want)) or np.isnan(want[0]), (b, e)
            assert bool(got_warned) == bool(warned), (b, e, got_warned, warned)
            # a linear base and a log-domain exponent
            if not signed or e >= 0 or np.isnan(e):
                want, warned = recorded(np.power, np.array([e]), np.array([b]))
                got, got_warned = recorded(operator.pow, e, LogArray([b], signed=signed))
                assert np.allclose(lin(got), want, equal_nan=True), (e, b, lin(got), want)
                assert bool(got_warned) == bool(warned), (e, b, got_warned, warned)


def test_unary_special_values():
    a = LogArray(SPECIALS)
    np.testing.assert_array_equal(lin(-a), -SPECIALS)
    np.testing.assert_array_equal(lin(abs(a)), np.abs(SPECIALS))
    np.testing.assert_array_equal(lin(+a), SPECIALS)
    u = LogArray(np.abs(SPECIALS))
    np.testing.assert_array_equal(lin(-u), -np.abs(SPECIALS))


def test_domain_errors_follow_numpy_errstate():
    a = LogArray([1.0, 0.0, -4.0])
    with pytest.warns(RuntimeWarning, match="divide by zero"), np.errstate(invalid="ignore"):  # 0 / 0 too
        r = a / 0
    np.testing.assert_array_equal(lin(r)[[0, 2]], [np.inf, -np.inf])
    assert np.isnan(lin(r)[1])
    with pytest.warns(RuntimeWarning, match="invalid"):
        r = a**0.5
    assert np.isnan(lin(r)[2])
    with np.errstate(all="ignore"):
        a / 0, a**0.5, a - np.inf + np.inf, LogArray([np.inf, -np.inf]).sum()
    with np.errstate(divide="raise", invalid="ignore"), pytest.raises(FloatingPointError):
        a / 0
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        a**0.5
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        LogArray([np.inf, -np.inf]).sum()
    # ... while LogFloat follows math
    with pytest.raises(ZeroDivisionError):
        LogFloat(1) / 0
    with pytest.raises(ValueError):
        LogFloat(-4) ** 0.5


def test_truth_values():
    assert bool(LogArray([2.0])) and not bool(LogArray([0.0])) and bool(LogArray(np.nan))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(LogArray([1.0, 2.0]))
    x = np.array([[0.0, np.nan], [0.0, 0.0]])
    for axis in (None, 0, 1):
        np.testing.assert_array_equal(LogArray(x).any(axis=axis), x.any(axis=axis))
        np.testing.assert_array_equal(LogArray(x).all(axis=axis), x.all(axis=axis))
    assert LogArray([]).all() and not LogArray([]).any()


# ---------------------------------------------------------------------------
# matrix product
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "sa, sb",
    [
        ((4, 7), (7, 3)),
        ((7,), (7, 3)),
        ((4, 7), (7,)),
        ((2, 1, 3, 5), (4, 5, 2)),
        ((3, 0), (0, 2)),
    ],
)
def test_matmul_against_mpmath(dtype, sa, sb):
    rng = np.random.default_rng(9)
    la = rng.normal(-2000, 20, sa).astype(dtype)
    lb = rng.normal(300, 20, sb).astype(dtype)
    if la.size:
        la.reshape(-1)[0] = -np.inf
    a, b = LogArray.from_log(la), LogArray.from_log(lb)
    got = a @ b
    exact = T.ref_logmatmulexp(la, lb)
    assert isinstance(got, LogArray) and not got.signed and got.dtype == dtype
    assert got.shape == np.matmul(np.ones(sa), np.ones(sb)).shape
    if la.shape[-1] == 0:  # an empty inner dimension: every entry is an empty sum
        assert np.all(got.log == -np.inf)
    else:
        T.assert_ulp_close(got.log, exact, matmul_allowed(la, lb, exact, dtype))
    # the same product a second time (the prepared operands are kept)
    np.testing.assert_array_equal((a @ b).log, got.log)


def test_matmul_of_vectors_is_a_logfloat():
    v = LogArray([1.0, 2.0, 3.0])
    assert isinstance(v @ v, LogFloat)


def test_matmul_vectors_value():
    v = LogArray([1.0, 2.0, 3.0])
    assert float(np.asarray(lin(v @ v))) == pytest.approx(14.0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_signed_and_mixed_against_numpy(dtype):
    rng = np.random.default_rng(10)
    x, y = values(rng, (3, 4), signed=True, dtype=dtype), values(rng, (4, 2), dtype=dtype)
    a, b = LogArray(x), LogArray(y)
    scale = np.abs(a.to_numpy()) @ np.abs(b.to_numpy())
    for got in (a @ b, a @ y, x @ b, a @ LogArray(y, signed=True)):
        want = a.to_numpy().astype(np.float64) @ b.to_numpy().astype(np.float64)
        assert got.shape == want.shape and got.signed
        assert np.all(np.abs(lin(got) - want) <= 8 * RTOL[np.dtype(dtype)] * scale)
    u = LogArray(np.abs(x)) @ y  # an ndarray is linear values
    check(u, np.abs(x).astype(np.float64) @ y.astype(np.float64), rtol=RTOL[np.dtype(dtype)])
    assert (LogArray(x) @ LogArray(y, dtype=np.float64)).dtype == np.float64


def test_matmul_shape_errors_as_numpy():
    a = LogArray(np.ones((2, 3)))
    for other in (LogArray(np.ones((2, 2))), LogArray(np.ones(2)), np.ones((4, 1))):
        with pytest.raises(ValueError):
            a @ other
    with pytest.raises(ValueError):
        LogArray(2.0) @ a
    with pytest.raises(ValueError):
        a @ LogArray(2.0)
    with pytest.raises(ValueError):
        LogArray(np.ones((2, 2, 3))) @ LogArray(np.ones((3, 3, 2)))


@pytest.mark.parametrize("signed", [False, True])
def test_matmul_sees_every_write(signed):
    """The prepared operands of @ must not go stale after a write of any kind."""
    rng = np.random.default_rng(11)
    x, y = values(rng, (3, 3), signed=signed), values(rng, (3, 3))
    a, b = LogArray(x), LogArray(y)
    for write in (
        lambda: a.__setitem__((0, 0), 100.0),
        lambda: a[1].__setitem__(1, 0.0),
        lambda: a.log.__setitem__((2, 2), 5.0),
        lambda: b.__setitem__(slice(None), LogArray(np.eye(3))),
    ):
        a @ b
        b @ a
        write()
        check(a @ b, a.to_numpy() @ b.to_numpy(), rtol=1e-12)
        check(b @ a, b.to_numpy() @ a.to_numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------

REDUCTIONS = ["sum", "prod", "mean", "max", "min"]
AXES = [None, 0, 1, -1, 2, (0, 2), (0, 1, 2), ()]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("signed", [False, True])
def test_reductions_against_numpy(name, dtype, signed):
    rng = np.random.default_rng(12)
    a = LogArray(values(rng, (2, 3, 4), signed=signed, dtype=dtype, zeros=True))
    x = a.to_numpy().astype(np.float64)
    for axis in AXES:
        for keepdims in (False, True):
            got = getattr(a, name)(axis=axis, keepdims=keepdims)
            want = getattr(x, name)(axis=axis, keepdims=keepdims)
            if np.ndim(want) == 0:
                assert isinstance(got, LogFloat), (axis, keepdims)
                assert float(got) == pytest.approx(float(want), rel=10 * RTOL[np.dtype(dtype)], abs=1e-300)
            else:
                scale = getattr(np.abs(x), name)(axis=axis, keepdims=keepdims) if name in ("sum", "mean") else 0
                assert isinstance(got, LogArray) and got.dtype == dtype and got.shape == want.shape, (axis, keepdims)
                err = np.abs(lin(got) - want)
                assert np.all(err <= 10 * RTOL[np.dtype(dtype)] * (np.abs(want) + scale)), (axis, keepdims)
            if name in ("max", "min", "prod") and isinstance(got, LogArray):
                assert got.signed is signed


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("signed", [False, True])
def test_arg_reductions_against_numpy(name, signed):
    pool = [0.0, 1.0, 2.0, 2.0, np.inf] + ([-1.0, -2.0, -np.inf, -2.0] if signed else [])
    rng = np.random.default_rng(13)
    for trial in range(30):
        x = rng.choice(pool, (3, 4))
        if trial % 5 == 0:
            x[rng.integers(3), rng.integers(4)] = np.nan
        a = LogArray(x, signed=signed)
        for axis in (None, 0, 1, -1):
            for keepdims in (False, True):
                got = getattr(a, name)(axis=axis, keepdims=keepdims)
                want = getattr(x, name)(axis=axis, keepdims=keepdims)
                np.testing.assert_array_equal(got, want, err_msg=f"{x}, axis={axis}")
                assert np.shape(got) == np.shape(want)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("signed", [False, True])
def test_max_min_special_values(name, signed):
    x = np.array([[1.0, np.nan, 2.0], [0.0, np.inf, -np.inf if signed else 0.0]])
    a = LogArray(x)
    for axis in (None, 0, 1):
        want = getattr(x, name)(axis=axis)
        got = getattr(a, name)(axis=axis)
        np.testing.assert_array_equal(lin(got), want)


@pytest.mark.parametrize("signed", [False, True])
def test_reductions_of_empty_and_0d(signed):
    e = LogArray(np.zeros((0, 3)), signed=signed)
    check(e.sum(axis=0), np.zeros(3))
    check(e.prod(axis=0), np.ones(3))
    assert e.sum() == LogFloat(0) and e.prod() == LogFloat(1)
    check(e.max(axis=1), np.zeros(0))
    for name in ("max", "min"):
        with pytest.raises(ValueError):
            getattr(e, name)()
        with pytest.raises(ValueError):
            getattr(e, name)(axis=0)
    for name in ("argmax", "argmin"):
        with pytest.raises(ValueError):
            getattr(e, name)()
    with pytest.warns(RuntimeWarning):
        m = e.mean(axis=0)
    assert np.all(np.isnan(m.log))
    with pytest.warns(RuntimeWarning):
        assert math.isnan(e.mean().log)
    z = LogArray(-3.0 if signed else 3.0)
    for name in REDUCTIONS:
        got = getattr(z, name)()
        assert isinstance(got, LogFloat) and float(got) == pytest.approx(float(z.item()))
    assert z.argmax() == 0 and z.argmin() == 0
    with pytest.raises(np.exceptions.AxisError):
        LogArray([1.0]).sum(axis=1)
    with pytest.raises(np.exceptions.AxisError):
        LogArray([1.0]).max(axis=1)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("signed", [False, True])
def test_accumulations_against_numpy(name, dtype, signed):
    rng = np.random.default_rng(14)
    a = LogArray(values(rng, (3, 5), signed=signed, dtype=dtype, zeros=True))
    x = a.to_numpy().astype(np.float64)
    for axis in (None, 0, 1, -1, -2):
        got = getattr(a, name)(axis=axis)
        want = getattr(x, name)(axis=axis)
        assert isinstance(got, LogArray) and got.dtype == dtype and got.shape == want.shape
        scale = np.cumsum(np.abs(x), axis=axis) if name == "cumsum" else np.abs(want)
        assert np.all(np.abs(lin(got) - want) <= 10 * RTOL[np.dtype(dtype)] * scale), axis
    for empty in (LogArray([]), LogArray(np.zeros((2, 0)), signed=signed)):
        assert getattr(empty, name)().shape == (0,)
    assert getattr(LogArray(2.0), name)().shape == (1,)
    with pytest.raises(np.exceptions.AxisError):
        getattr(a, name)(axis=2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sum_beyond_float_range_against_mpmath(dtype):
    rng = np.random.default_rng(15)
    logs = rng.normal(-3000, 30, (4, 50)).astype(dtype)
    logs[0, :10] = -np.inf
    a = LogArray.from_log(logs)
    for axis in (None, 0, 1):
        assert np.all(T.lse_condition_number(logs, axis=axis) <= 2)
        got = a.sum(axis=axis)
        exact = T.ref_logsumexp(logs, axis=axis)
        actual = np.asarray(got.log, dtype=dtype)
        T.assert_ulp_close(actual, exact, 2, err_msg=f"sum axis={axis}")
        # mean: the sum's 2 ulps, log(n) and the subtraction rounded
        n = logs.size if axis is None else logs.shape[axis]
        with mpmath.workprec(200):
            mean_exact = np.vectorize(lambda v: v - mpmath.log(n), otypes=[object])(exact)
        T.assert_ulp_close(np.asarray(a.mean(axis=axis).log, dtype=dtype), mean_exact, 4, err_msg=f"mean axis={axis}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_signed_sum_beyond_float_range_against_mpmath(dtype):
    rng = np.random.default_rng(16)
    logs = rng.normal(-3000, 2, (3, 40)).astype(dtype)
    weights = np.where(rng.random((3, 40)) < 0.3, -1.0, 1.0)
    logs[weights < 0] -= 3  # positive terms dominate: well-conditioned differences
    a = LogArray.from_log(logs, sign=weights)
    for axis in (None, 1):
        assert np.all(T.lse_condition_number(logs, axis=axis, b=weights) <= 2)
        exact, sign = T.ref_logsumexp(logs, axis=axis, b=weights, return_sign=True)
        got = a.sum(axis=axis)
        T.assert_ulp_close(np.asarray(got.log, dtype=dtype), exact, 2, err_msg=f"signed sum axis={axis}")
        np.testing.assert_array_equal(np.asarray(got.sign), sign)
    neg = (-a).sum(axis=1)
    assert np.all(neg.sign == -1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cumsum_beyond_float_range_against_mpmath(dtype):
    rng = np.random.default_rng(17)
    logs = rng.normal(4000, 5, (3, 40)).astype(dtype)
    logs[1, 3] = -np.inf
    a = LogArray.from_log(logs)
    for axis in (None, 0, 1):
        exact = T.ref_logcumsumexp(logs, axis=axis)
        T.assert_ulp_close(a.cumsum(axis=axis).log, exact, 4, err_msg=f"cumsum axis={axis}")
    # prod and cumprod are sums of logs: numpy's pairwise / running sums
    with mpmath.workprec(200):
        exact_prod = mpmath.fsum(mpmath.mpf(float(v)) for v in logs[0])
    T.assert_ulp_close(np.asarray(a[0].prod().log, dtype=dtype), exact_prod, 8, metric="relative")
    np.testing.assert_array_equal(a.cumprod(axis=1).log, np.cumsum(logs, axis=1))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("signed", [False, True])
def test_normalize(dtype, signed):
    rng = np.random.default_rng(18)
    a = LogArray(values(rng, (3, 4), signed=signed, dtype=dtype, zeros=True))
    x = a.to_numpy().astype(np.float64)
    for axis in (None, 0, 1, -1):
        got = a.normalize(axis=axis)
        want = x / x.sum(axis=axis, keepdims=True)
        assert got.shape == x.shape and got.dtype == dtype and got.signed is signed
        scale = np.abs(x) / np.abs(x.sum(axis=axis, keepdims=True))
        assert np.all(np.abs(lin(got) - want) <= 20 * RTOL[np.dtype(dtype)] * (scale + np.abs(want))), axis
    assert abs(float(a.normalize().sum()) - 1) < 10 * RTOL[np.dtype(dtype)]


@pytest.mark.parametrize("dtype", DTYPES)
def test_normalize_beyond_float_range_against_mpmath(dtype):
    rng = np.random.default_rng(19)
    logs = rng.normal(-5000, 5, (4, 6)).astype(dtype)
    a = LogArray.from_log(logs)
    u = float(np.finfo(dtype).eps) / 2
    for axis in (None, 1):
        got = a.normalize(axis=axis).log
        exact = T.ref_log_softmax(logs, axis=axis)
        r = np.asarray(T.round_to(exact, np.float64), dtype=np.float64)
        spread = float(np.ptp(logs)) if axis is None else np.ptp(logs, axis=axis, keepdims=True)
        n = logs.size if axis is None else logs.shape[axis]
        # the first-order bound of log_softmax (test_kernels_accuracy), in absolute terms
        allowed = u * (np.abs(r) + 2 * spread + 2 * np.log(n) + n + 1)
        errors = T.ulp_error(got, exact, metric="log") * np.asarray(T.ulp(exact, dtype, "log"))
        assert np.all(errors <= allowed), axis
        total = LogArray.from_log(got).sum(axis=axis)
        assert np.allclose(np.asarray(total.log if axis is None else total.log), 0.0, atol=64 * u)


@pytest.mark.parametrize("signed", [False, True])
def test_reduction_special_values_as_numpy(signed):
    import itertools

    pool = [0.0, 1.0, 2.0, np.inf, np.nan] + ([-1.0, -np.inf] if signed else [])
    for n in (1, 2, 3):
        for combo in itertools.product(pool, repeat=n):
            x = np.array(combo)
            a = LogArray(x, signed=signed)
            for name in ("sum", "prod", "mean", "max", "min", "argmax", "argmin", "cumsum", "cumprod", "normalize"):
                if name == "normalize":
                    want, warned = recorded(lambda v: v / v.sum(), x)
                else:
                    want, warned = recorded(lambda v: getattr(v, name)(), x)
                got, got_warned = recorded(lambda v: getattr(v, name)(), a)
                assert np.allclose(lin(got), want, rtol=1e-12, equal_nan=True), (name, combo, got, want)
                # numpy's warning for inf - inf next to a nan depends on its summation order
                if not (np.isnan(x).any() and np.isinf(x).any()):
                    assert bool(got_warned) == bool(warned), (name, combo, got_warned, warned)


# ---------------------------------------------------------------------------
# sorting and selection
# ---------------------------------------------------------------------------


def sortable(rng, shape, signed):
    pool = [0.0, 1.0, 2.0, 3.0, np.inf, np.nan] + ([-1.0, -2.0, -np.inf] if signed else [])
    return rng.choice(pool, shape)


@pytest.mark.parametrize("signed", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_sort_and_argsort_against_numpy(signed, dtype):
    rng = np.random.default_rng(20)
    for _ in range(10):
        x = sortable(rng, (4, 5), signed).astype(dtype)
        a = LogArray(x, signed=signed)
        for axis in (-1, 0, 1, None):
            order = a.argsort(axis=axis)
            assert order.dtype == np.intp
            if axis is None:
                np.testing.assert_array_equal(x.ravel()[order], np.sort(x, axis=None))
            else:
                np.testing.assert_array_equal(np.take_along_axis(x, order, axis=axis), np.sort(x, axis=axis))
            # stable order: ties in input order, exactly numpy's stable argsort
            np.testing.assert_array_equal(a.argsort(axis=axis, kind="stable"), np.argsort(x, axis=axis, kind="stable"))
            if axis is not None:
                b = a.copy()
                assert b.sort(axis=axis) is None  # in place
                np.testing.assert_array_equal(b.to_numpy(), np.sort(a.to_numpy(), axis=axis))
                assert b.signed is signed
        with pytest.raises(ValueError):
            a.copy().sort(axis=None)
    assert LogArray([]).argsort().shape == (0,)
    np.testing.assert_array_equal(LogArray(2.0).argsort(), np.argsort(np.array(2.0)))


def test_sort_beyond_float_range():
    a = LogArray(["3e400", "-1e-5000", "1e-5000", "-3e400", 0, "2e-5000"])
    a.sort()
    assert [str(v) for v in a.tolist()] == ["-3e+400", "-1e-5000", "0.0", "1e-5000", "2e-5000", "3e+400"]


@pytest.mark.parametrize("signed", [False, True])
def test_argpartition(signed):
    rng = np.random.default_rng(21)
    for _ in range(10):
        x = sortable(rng, (3, 6), signed)
        a = LogArray(x, signed=signed)
        for kth in (0, 2, 5, -1, [1, 3]):
            for axis in (-1, 0, None):
                if axis == 0 and np.max(kth) >= 3:
                    continue
                index = a.argpartition(kth, axis=axis)
                part = x.ravel()[index] if axis is None else np.take_along_axis(x, index, axis=axis)
                want = np.partition(x, kth, axis=axis)
                ks = np.atleast_1d(kth)
                if axis is None:
                    np.testing.assert_array_equal(part[ks], want[ks])
                else:
                    np.testing.assert_array_equal(np.take(part, ks, axis=axis), np.take(want, ks, axis=axis))
                    np.testing.assert_array_equal(np.sort(part, axis=axis), np.sort(x, axis=axis))


def test_argpartition_kth_out_of_bounds_signed():
    with pytest.raises(ValueError):
        LogArray([1.0, -2.0, 3.0]).argpartition(5)


def test_argpartition_kth_out_of_bounds_unsigned():
    with pytest.raises(ValueError):
        LogArray([1.0, 2.0, 3.0]).argpartition(5)


@pytest.mark.parametrize("signed", [False, True])
def test_take_against_numpy(signed):
    rng = np.random.default_rng(22)
    x = values(rng, (3, 4), signed=signed)
    a = LogArray(x)
    for indices, axis in [([0, 5, 11], None), ([[0, 1], [2, 2]], 0), ([3, 0], 1), ([], 1), (np.array([-1]), 0)]:
        got = a.take(indices, axis=axis)
        check(got, a.to_numpy().take(indices, axis=axis), signed=signed, rtol=0)
        assert not np.shares_memory(got.log, a.log)
    for index in (5, -1, np.int64(2)):
        got = a.take(index)
        assert isinstance(got, LogFloat) and float(got) == a.to_numpy().take(index)
    with pytest.raises(IndexError):
        a.take(12)
    with pytest.raises(IndexError):
        a.take([0, 4], axis=1)


# ---------------------------------------------------------------------------
# repr, str, pickling
# ---------------------------------------------------------------------------


def squash(text):
    return " ".join(text.split())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2000,), (40, 40), (2, 3, 4)])
def test_repr_in_float_range_is_numpys(dtype, shape):
    rng = np.random.default_rng(23)
    a = LogArray(values(rng, shape, signed=True, dtype=dtype))
    x = a.to_numpy()
    if x.ndim:
        assert repr(a) == "LogArray(" + np.array2string(x, separator=", ", prefix="LogArray(") + ")"
    else:
        assert repr(a) == "LogArray(" + np.array_repr(x)[len("array(") :].split(",")[0].rstrip(")") + ")"
    if x.ndim:  # (str of a 0-d array shows 8 digits, numpy's the float's repr)
        assert str(a) == str(x)
    if a.size > 1000:
        assert "..." in repr(a)  # summarised


def test_repr_beyond_float_range():
    a = LogArray(["1e-5000", 0.25, "3e400"])
    assert squash(repr(a)) == "LogArray(['1e-5000', '0.25', '3e+400'])"
    assert squash(str(a)) == "[1e-5000 0.25 3e+400]"
    s = LogArray(["-1e-5000", 0, "3e400", np.nan, np.inf, -np.inf])
    assert squash(repr(s)) == "LogArray(['-1e-5000', '0', '3e+400', 'nan', 'inf', '-inf'])"
    assert repr(LogArray("1e-5000")) == "LogArray('1e-5000')"
    assert repr(LogArray("-1e-5000")) == "LogArray('-1e-5000')"
    assert repr(LogArray([["1e-5000", 1], [2, "-1e400"]])) == (
        "LogArray([['1e-5000',       '1'],\n"
        "          [      '2', '-1e+400']])"
    )
    # the logs kept show, rounded to 8 digits
    assert squash(repr(LogArray(["1.234567891e-5000"]))) == "LogArray(['1.2345679e-5000'])"


def test_repr_reads_back_beyond_float_range():
    # Was [0., inf, 0.5]: bare 1e-5000 and 1e+5000 are Python floats 0.0 and inf.
    for a in (LogArray(["1e-5000", "1e5000", 0.5]), LogArray([["-2.5e-400", 1], [3, "7e400"]]), LogArray("1e-5000")):
        back = eval(repr(a), {"LogArray": LogArray})
        assert back.shape == a.shape and back.signed == a.signed
        # 8 significant digits: relative error 5e-8 at most, plus the logs' own ulps
        assert np.all(np.abs(back.log - a.log) <= 5e-8 + 4 * np.spacing(np.abs(a.log)))
    a = LogArray([0.1, 0.25, 3.0])
    assert np.array_equal(eval(repr(a), {"LogArray": LogArray}).log, a.log)


def test_repr_beyond_float_range_summarised_and_aligned():
    a = LogArray.from_log(np.linspace(-5000.0, 5000.0, 3000).reshape(1000, 3))
    text = repr(a)
    assert "..." in text and len(text.splitlines()) < 20
    rows = [line for line in text.splitlines() if line.strip() != "...,"]
    assert len({tuple(i for i, c in enumerate(row.rstrip(",")) if c == ",") for row in rows}) == 1, text  # aligned
    assert "..." in str(LogArray.from_log(np.linspace(-5000.0, 5000.0, 2000)))


def test_repr_float32_beyond_float32_range():
    a = LogArray([1e-300, 0.5, 1e300], dtype=np.float32)
    text = repr(a)  # no overflow warning, no 0 or inf for numbers a float32 log holds
    assert "e-300" in text and ("e+299" in text or "e+300" in text) and "inf" not in text


def test_repr_empty():
    assert repr(LogArray([])) == "LogArray([])"
    assert "shape=(2, 0)" in repr(LogArray(np.zeros((2, 0))))
    assert str(LogArray([])) == "[]"


@pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("signed", [False, True])
def test_pickle_keeps_dtype_and_signs(protocol, dtype, signed):
    for a in (
        LogArray(["1e-5000", 2, np.nan, 0, np.inf], dtype=dtype, signed=signed),
        LogArray([], dtype=dtype, signed=signed),
        LogArray(3.0, dtype=dtype, signed=signed),
        LogArray(np.arange(6.0).reshape(2, 3).T, dtype=dtype, signed=signed),
    ):
        b = pickle.loads(pickle.dumps(a, protocol=protocol))
        assert type(b) is LogArray and b.signed is signed
        same_stored(a, b)


# ---------------------------------------------------------------------------
# property tests with logspace.strategies
# ---------------------------------------------------------------------------

pairs = st.one_of(
    st.tuples(log_arrays(shape=(3, 4), dtype=np.float64), log_arrays(shape=(4,), dtype=np.float64)),
    st.tuples(log_arrays(shape=(2, 3), dtype=np.float32), log_arrays(shape=(2, 3), dtype=np.float32)),
    st.tuples(
        log_arrays(shape=(2, 3), allow_infinity=True, allow_nan=True),
        log_arrays(shape=(3,), allow_infinity=True, allow_nan=True),
    ),
    st.tuples(log_arrays(dtype=st.sampled_from(DTYPES)), log_floats(allow_infinity=True)),
)


@HYP
@given(pairs)
def test_property_commutative(pair):
    a, b = pair
    with np.errstate(all="ignore"):
        same_stored(a + b, b + a)
        same_stored(a * b, b * a)


def _close_logs(x, y, bound):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    both_nan = np.isnan(x) & np.isnan(y)
    with np.errstate(invalid="ignore"):
        ok = (x == y) | (np.abs(x - y) <= bound) | both_nan
    assert np.all(ok), (x[~ok], y[~ok])


@HYP
@given(st.sampled_from(DTYPES).flatmap(lambda dt: st.tuples(*[log_arrays(shape=(5,), dtype=dt, signed=False)] * 3)))
def test_property_addition_associative_within_bound(arrays):
    a, b, c = arrays
    left, right = (a + b) + c, a + (b + c)
    eps = float(np.finfo(a.dtype).eps)
    scale = np.maximum.reduce([np.abs(v.log) for v in (a, b, c, a + b, b + c, left)] + [np.ones(5)])
    _close_logs(left.log, right.log, 4 * eps * scale)


@HYP
@given(log_arrays(shape=st.sampled_from([(4,), (2, 3)]), dtype=st.sampled_from(DTYPES)), log_floats(allow_zero=False))
def test_property_multiply_divide_round_trip(x, y):
    back = (x * y) / y
    eps = float(np.finfo(x.dtype).eps)
    scale = np.maximum(np.maximum(np.abs(x.log), abs(y.log)), 1.0)
    _close_logs(back.log, x.log, 2 * eps * scale + 2 * eps * np.abs((x * y).log))
    np.testing.assert_array_equal(back.sign, x.sign)


@HYP
@given(log_arrays(shape=st.integers(0, 30), signed=False, dtype=st.sampled_from(DTYPES)))
def test_property_sum_equals_fsum_unsigned(a):
    total = a.sum()
    exact = logspace.fsum(a.tolist())
    kappa = T.lse_condition_number(a.log) if a.size else 0.0
    assume(kappa <= 2 or not np.isfinite(kappa))
    if exact.log == -INF:
        assert total.log == -INF
        return
    err = abs(total.log - exact.log)
    ulp = float(np.spacing(np.asarray(max(abs(exact.log), 1.0), dtype=a.dtype)))
    # fsum is within half an ulp of float64; the array's logs are its dtype's
    assert err <= 2 * ulp + math.ulp(max(abs(exact.log), 1.0))


@HYP
@given(log_arrays(shape=st.integers(1, 20), signed=True, dtype=np.float64, min_log=-50.0, max_log=50.0))
def test_property_sum_equals_fsum_signed(a):
    total = a.sum()
    exact = logspace.fsum(a.tolist())
    weights = np.where(a.sign < 0, -1.0, 1.0)
    kappa = T.lse_condition_number(a.log, b=weights)
    assume(np.isfinite(kappa) and kappa <= 2 and exact.sign != 0)
    assert total.sign == exact.sign
    assert abs(total.log - exact.log) <= 2 * math.ulp(max(abs(exact.log), 1.0)) + math.ulp(max(abs(exact.log), 1.0))


@HYP
@given(log_arrays(shape=st.integers(0, 12), dtype=st.sampled_from(DTYPES), allow_infinity=True, allow_nan=True,
                  min_log=-700.0, max_log=700.0))
def test_property_sort_order_is_numpys(a):
    limit = 85.0 if a.dtype == np.float32 else 700.0
    assume(np.all(~np.isfinite(a.log) | (np.abs(a.log) < limit)))  # representable
    x = a.to_numpy()
    b = a.copy()
    b.sort()
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(b.to_numpy(), np.sort(x))
        np.testing.assert_array_equal(x[a.argsort()], np.sort(x))
    if a.size:
        assert a.max() == b[-1] or (math.isnan(a.max().log) and math.isnan(b[-1].log))
        assert a[a.argmin()] == a.min() or math.isnan(a.min().log)


@HYP
@given(log_arrays())
def test_property_pickle_and_repr_round_trip(a):
    b = pickle.loads(pickle.dumps(a))
    same_stored(a, b)
    assert repr(a).startswith("LogArray(") and isinstance(str(a), str)


# ---------------------------------------------------------------------------
# the strategies themselves
# ---------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(log_floats(min_log=-10.0, max_log=5.0, signed=False, allow_zero=False))
def test_strategy_log_floats_respects_bounds(x):
    assert isinstance(x, LogFloat) and x.sign == 1 and -10.0 <= x.log <= 5.0


@settings(max_examples=100, deadline=None)
@given(log_floats(allow_infinity=True, allow_nan=True))
def test_strategy_log_floats_specials(x):
    assert isinstance(x, LogFloat) and (math.isnan(x.log) or x.log == -INF or x.log == INF or abs(x.log) <= 2000)


@settings(max_examples=100, deadline=None)
@given(log_arrays(shape=(3, 2), dtype=np.float32, signed=False, min_log=-1e-3, max_log=100.3, allow_zero=False))
def test_strategy_log_arrays_respects_arguments(a):
    assert isinstance(a, LogArray) and a.shape == (3, 2) and a.dtype == np.float32 and not a.signed
    assert np.all((a.log >= -1e-3) & (a.log <= 100.3))


@settings(max_examples=100, deadline=None)
@given(log_arrays(signed=True, allow_nan=True, allow_infinity=True))
def test_strategy_log_arrays_signed(a):
    assert a.signed and a.ndim <= 3
    assert not np.any((a.sign < 0) & ~np.isfinite(a.log) & (a.log != INF))  # no signed zero or nan


def test_strategy_arguments_checked():
    with pytest.raises(ValueError):
        log_floats(min_log=1.0, max_log=0.0)
    with pytest.raises(ValueError):
        log_arrays(max_log=math.inf)


def test_list_of_logarrays_stacks_the_logs_not_the_linear_values():
    # np.asarray of LogArrays would underflow 1e-5000 to 0 through __array__.
    stacked = LogArray([LogArray(["1e-5000"]), LogArray(["-2e-5000"])])
    assert stacked.shape == (2, 1) and stacked.signed
    assert stacked[0, 0] == LogFloat("1e-5000") and stacked[1, 0] == LogFloat("-2e-5000")


def test_matmul_cache_sees_writes_to_the_ndarray_it_was_built_from():
    # from_log does not copy: a write to the caller's ndarray changes the
    # LogArray, and the exponentials cached by the last @ must follow it.
    logs = np.log(np.array([[0.9, 0.1], [0.2, 0.8]]))
    A = LogArray.from_log(logs)
    alpha = LogArray([0.5, 0.5])
    before = alpha @ A
    logs[0, 0] = np.log(0.5)
    after = alpha @ A
    np.testing.assert_allclose(after.to_numpy(), [0.5 * 0.5 + 0.5 * 0.2, 0.5 * 0.1 + 0.5 * 0.8], rtol=1e-14)
    assert not np.allclose(before.to_numpy(), after.to_numpy())



@pytest.mark.parametrize("size", [4, 40])  # below and above _SMALL_SNAPSHOT: a copy compared, or the buffer
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_matmul_cache_check_sees_writes_at_every_snapshot_size(size, layout):
    from logspace import _array

    assert (size * size * 8 <= _array._SMALL_SNAPSHOT) == (size == 4)
    rng = np.random.default_rng(43)
    base = rng.normal(size=(size, size))
    logs = base if layout == "contiguous" else base.T
    A = LogArray.from_log(logs)
    alpha = LogArray.from_log(rng.normal(size=size))
    for i in range(3):
        alpha @ A  # fills the cache, then a write the next product must see
        logs[i, size - 1 - i] = -0.0 if i == 2 and logs[i, size - 1 - i] == 0.0 else float(i) - 1.5
        np.testing.assert_array_equal((alpha @ A).log, (alpha @ LogArray.from_log(logs.copy())).log)


def test_matmul_cache_check_sees_an_in_place_change_of_shape():
    # ndarray.shape can be set in place: the same bytes, another matrix (a fresh LogArray is the oracle).
    logs = np.log(np.arange(1.0, 7.0)).reshape(2, 3)
    A = LogArray.from_log(logs)
    LogArray.from_log(np.zeros(2)) @ A
    logs.shape = (3, 2)
    fresh = LogArray.from_log(logs.copy())
    np.testing.assert_array_equal((LogArray.from_log(np.zeros(3)) @ A).log, (LogArray.from_log(np.zeros(3)) @ fresh).log)


def test_hmm_step_fast_paths_give_the_general_paths_bits():
    # (alpha @ A) * B[:, o] takes the vector-matrix and multiply fast paths; a
    # float64 dtype that is not numpy's canonical object takes the general path.
    rng = np.random.default_rng(44)
    A = LogArray(rng.dirichlet(np.ones(6), size=6))
    B = LogArray(rng.dirichlet(np.ones(3), size=6))
    alpha = LogArray(np.full(6, 1 / 6))
    for o in (0, 2, 1):
        step = (alpha @ A) * B[:, o]
        general = logspace.logmatmulexp(alpha.log, A.log) + B.log[:, o]
        np.testing.assert_array_equal(step.log, general)
        alpha = step
    other_float64 = np.dtype(np.float64, metadata={"tag": 1})
    assert other_float64 == np.float64 and other_float64 is not np.dtype(np.float64)
    tagged = LogArray.from_log(alpha.log.astype(other_float64))
    np.testing.assert_array_equal((tagged @ A).log, (alpha @ A).log)


# ---------------------------------------------------------------------------
# Boundaries: plain numbers stand for LogFloat(v); conversions never lose a value silently
# ---------------------------------------------------------------------------

COMPARISONS = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]


@HYP
@given(
    st.lists(st.floats(allow_nan=False, width=32), min_size=1, max_size=6),
    st.floats(allow_nan=False),
    st.sampled_from(DTYPES),
    st.sampled_from(COMPARISONS),
)
def test_property_mask_and_elementwise_comparisons_agree(values, v, dtype, op):
    # v stands for LogFloat(v); LogFloat against LogFloat compares (log, sign) under any rule.
    a = LogArray(np.array(values, dtype=np.float64), dtype=dtype)
    assert op(a, v).tolist() == [op(x, LogFloat(v)) for x in a]
    assert op(v, a).tolist() == [op(LogFloat(v), x) for x in a]


_PLAIN_NUMBERS = st.one_of(
    st.floats(allow_nan=False),
    st.integers(-(10**30), 10**30),
    st.fractions(max_denominator=10**20),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, width=32).map(np.float32),
    st.integers(-(2**63), 2**63 - 1).map(np.int64),
    st.floats(allow_nan=False).map(np.float64),
)


@HYP
@given(
    st.lists(st.floats(allow_nan=False), min_size=1, max_size=6),
    _PLAIN_NUMBERS,
    st.sampled_from(DTYPES),
    st.sampled_from(COMPARISONS),
)
def test_property_comparisons_with_plain_numbers_agree_with_the_elements(values, v, dtype, op):
    # LogFloat comparisons take a plain number by the same rule as LogArray's: v stands for LogFloat(v).
    with np.errstate(over="ignore"):
        a = LogArray(np.array(values, dtype=np.float64), dtype=dtype)
    assert op(a, v).tolist() == [bool(op(x, v)) for x in a]
    assert np.asarray(op(v, a)).tolist() == [bool(op(v, x)) for x in a]


@HYP
@given(_PLAIN_NUMBERS.filter(lambda v: not isinstance(v, np.float32)))
def test_property_logarray_element_is_the_logfloat_bit_for_bit(v):
    # float64 arrays: LogArray([v])[0] is LogFloat(v), from ints, Fractions, Decimals and numpy scalars
    # too (np.float32 values make a float32 array, whose logs are rounded to float32).
    for element in (LogArray([v])[0], LogArray([v] * 20)[19], LogArray(np.array([v], dtype=object))[0]):
        expected = LogFloat(v)
        assert (element.log, element.sign) == (expected.log, expected.sign)
        assert element == expected and hash(element) == hash(expected)
    text = str(LogFloat(v))
    assert (LogArray([text])[0].log, LogArray([text])[0].sign) == (LogFloat(text).log, LogFloat(text).sign)


def test_comparison_with_a_plain_number_is_with_its_logfloat():
    # Was [False, True] while a[0] > 0.1 was True.
    a = LogArray([0.1, 0.2])
    tenth = LogFloat(0.1)
    assert (a > 0.1).tolist() == [a[0] > tenth, a[1] > tenth] == [False, True]
    assert (a == 0.1).tolist() == [True, False]
    f = LogArray([0.1, 0.2], dtype=np.float32)  # float32 logs compared as float64, as their elements
    assert (f > 0.1).tolist() == [x > tenth for x in f]


def test_python_scalars_are_weak_numpy_scalars_and_arrays_strong():
    f32 = LogArray([1.0, 2.0], dtype=np.float32)
    assert (f32 * 2.0).dtype == (f32 * 2).dtype == (f32 * LogFloat(2)).dtype == np.float32
    assert (f32 * np.float64(2.0)).dtype == (f32 * np.ones(2)).dtype == np.float64
    assert (f32 * np.float32(2.0)).dtype == (f32 * np.int16(2)).dtype == np.float32
    assert (f32 * np.array([2], dtype=np.int32)).dtype == np.float64  # as numpy: int32 needs float64
    assert (LogArray([2.0]) * np.ones(1, np.float32)).dtype == np.float64
    assert (f32 * np.longdouble(2.0)).dtype == np.float64  # no float128 logs


def test_constructor_takes_correctly_rounded_logs():
    x = np.random.default_rng(0).uniform(0.0, 1.0, 3000)
    a = LogArray(x)
    assert all(a.log[i] == LogFloat(float(x[i])).log for i in range(0, 3000, 7))
    assert (a * x).log.tolist() == (a * a).log.tolist()  # an ndarray operand: the same logs


def test_to_numpy_is_float_of_each_element():
    a = LogArray([3.0, 0.1, 1e-300, 1000.0, -2.5])
    assert a.to_numpy().tolist() == [3.0, 0.1, 1e-300, 1000.0, -2.5]  # the numbers the repr shows
    computed = LogArray([0.1]) * 3  # not a short decimal: the correctly rounded e**log
    assert computed.to_numpy()[0] == math.exp(computed.log[0]) or computed.to_numpy()[0] == 0.30000000000000004
    assert a.to_numpy().tolist() == [float(x) for x in a]  # float(LogFloat) by the same definition


def test_asarray_of_tiny_values_warns_regression():
    # pd.Series(a), np.testing.assert_allclose and rng.permutation silently gave float zeros for 1e-5000.
    pd = pytest.importorskip("pandas")
    a = LogArray(["1e-5000", "0.5"])
    with pytest.warns(logspace.UnderflowWarning, match="a.log"):
        pd.Series(a)
    with pytest.warns(logspace.UnderflowWarning):
        np.testing.assert_allclose(a, [0.0, 0.5])
    with pytest.warns(logspace.UnderflowWarning):
        np.random.default_rng(0).permutation(a)
    with pytest.raises(OverflowError, match="would become inf"):
        pd.Series(LogArray(["1e5000"]))


def test_logsumexp_of_a_logarray_uses_its_logs_regression():
    # Was 0.693: the kernel took the linear values (zeros) as logs.
    a = LogArray(["1e-5000", "1e-5000"])
    assert logspace.logsumexp(a) == pytest.approx(math.log(2) - 5000 * math.log(10), rel=1e-15)
    assert logspace.logsumexp(a) == a.sum().log


def test_kernels_take_signed_logarrays():
    scipy_special = pytest.importorskip("scipy.special")
    a = LogArray([3.0, -1.0, 0.5])
    assert logspace.logsumexp(a) == pytest.approx(scipy_special.logsumexp(a.log, b=a.sign))
    negative = LogArray([1.0, -3.0])
    with np.errstate(invalid="ignore"):
        assert math.isnan(logspace.logsumexp(negative))  # scipy's rule: nan for a negative sum
    log, sign = logspace.logsumexp(negative, return_sign=True)
    assert sign == -1 and log == pytest.approx(math.log(2))
    b = LogArray([-2.0, 1.0, 4.0])
    np.testing.assert_array_equal(logspace.logaddexp(a, b), (a + b).log)
    np.testing.assert_array_equal(logspace.logaddexp(a, 0.0), (a + LogArray.from_log(0.0)).log)
    with pytest.warns(RuntimeWarning, match="invalid"):
        assert np.isnan(logspace.log1pexp(LogArray([-1.0]))[0])  # a negative number has no log


def test_kernels_take_logfloats():
    x = LogFloat("1e-5000")
    assert logspace.logaddexp(x, x) == (x + x).log
    assert logspace.logsumexp(x) == x.log
    y = LogFloat("-2e-5000")
    assert logspace.logaddexp(x, y) == (x + y).log
    log, sign = logspace.logsumexp(y, return_sign=True)
    assert (log, sign) == (y.log, -1)


def test_inplace_operators_write_through_views():
    # Was: row *= 4 left A unchanged (no in-place operators).
    A = LogArray([[1.0, 2.0], [3.0, 4.0]])
    row = A[0]
    row *= 4
    assert A.to_numpy().tolist() == [[4.0, 8.0], [3.0, 4.0]]
    log_before = A.log
    A += 1
    A -= LogArray([1.0, 1.0])
    A /= 2
    A **= 2
    assert A.log is log_before
    np.testing.assert_allclose(A.to_numpy(), [[4.0, 16.0], [2.25, 4.0]], rtol=1e-14)


def test_inplace_operators_refuse_what_numpy_refuses():
    a = LogArray([1.0, 2.0])
    before = a.log.copy()
    with pytest.raises(TypeError, match="negative values to an unsigned LogArray"):
        a -= 5
    with pytest.raises(ValueError, match="non-broadcastable output operand"):
        a += LogArray(np.ones((2, 2)))
    np.testing.assert_array_equal(a.log, before)
    s = a.as_signed()
    s -= 5
    np.testing.assert_allclose(s.to_numpy(), [-4.0, -3.0], rtol=1e-15)
    f = LogArray([1.0], dtype=np.float32)
    f *= np.ones(1)  # float64 result into float32 logs: numpy's same_kind cast
    assert f.dtype == np.float32


def test_masked_arrays_are_refused():
    # Was: the mask was dropped.
    m = np.ma.masked_array([1.0, 2.0], mask=[False, True])
    with pytest.raises(TypeError, match=r"\.filled\("):
        LogArray(m)
    with pytest.raises(TypeError, match=r"\.filled\("):
        LogArray([1.0, 2.0]) * m
    with pytest.raises(TypeError, match=r"\.filled\("):
        LogArray.from_log(m)


def test_from_log_checks_signs_and_logs():
    with pytest.raises(ValueError, match="-1, 0 or 1"):
        LogArray.from_log([0.0], sign=[2])
    with pytest.raises(ValueError, match="-1, 0 or 1"):
        LogArray.from_log([0.0], sign=[np.nan])
    with pytest.raises(ValueError, match="sign 0"):
        LogArray.from_log([0.0], sign=[0])
    with pytest.raises(TypeError, match="booleans"):
        LogArray.from_log([True, False])
    assert LogArray.from_log([0.0, 0.0], sign=[True, False]).to_numpy().tolist() == [-1.0, 1.0]
    assert LogArray.from_log([-np.inf], sign=[0]).to_numpy().tolist() == [0.0]


def test_error_messages_name_what_the_user_called():
    with pytest.raises(TypeError, match="LogArray"):
        LogArray(None)
    a, b = LogArray([1.0, 2.0]), LogArray([1.0, 2.0, 3.0])
    messages = set()
    for op in (operator.add, operator.sub, operator.mul, operator.truediv):
        with pytest.raises(ValueError) as info:
            op(a, b)
        messages.add(str(info.value))
    assert messages == {"operands could not be broadcast together with shapes (2,) (3,) "}
    with pytest.raises(ValueError, match=r"shapes \(3,\) and \(2, 2\)"):
        b @ LogArray(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"shapes \(2, 2\) and \(3,\)"):
        LogArray(np.ones((2, 2))) @ b


def test_log10_and_log2_give_ndarrays():
    a = LogArray(["1e-5000", 100.0, 0.125])
    for fn, method, expected in ((np.log10, "log10", [-5000.0, 2.0]), (np.log2, "log2", [-16609.640474436812, 6.643856189774725])):
        out = fn(a)
        assert type(out) is np.ndarray and out.tolist()[:2] == expected
        np.testing.assert_array_equal(getattr(a, method)(), out)
        assert out.tolist() == [getattr(x, method)() for x in a]
    assert np.log10(LogArray([10.0], dtype=np.float32)).dtype == np.float32
    with pytest.warns(RuntimeWarning, match="invalid"):
        assert np.isnan(np.log10(LogArray([-1.0]))[0])


def test_help_shows_logarray_members_not_dask():
    import pydoc

    text = pydoc.render_doc(LogArray)
    assert "Threaded cached implementation of dask.get" not in text
    assert "Optimize dask for array computation" not in text
    assert "log10" in text and "to_numpy" in text


def test_printing_a_million_elements_converts_only_the_shown_ones():
    a = LogArray.from_log(np.full(10**6, -0.5))
    calls = []
    original = logspace._conversions.float_of_log

    def counting(log, negative=None):
        calls.append(np.size(log))
        return original(log, negative)

    import logspace._array as array_module

    mp = pytest.MonkeyPatch()
    mp.setattr(array_module._conversions, "float_of_log", counting)
    try:
        text = repr(a)
    finally:
        mp.undo()
    assert "..." in text and max(calls) <= 10


def test_decimal_and_fraction_operands():
    # LogArray * Decimal was a TypeError though the docs list Decimal.
    from decimal import Decimal
    from fractions import Fraction

    a = LogArray([2.0, 4.0], dtype=np.float32)
    for v in (Decimal("0.5"), Fraction(1, 2)):
        assert (a * v).to_numpy().tolist() == [1.0, 2.0] and (a * v).dtype == np.float32  # weak, as Python numbers
        assert (v * a).to_numpy().tolist() == [1.0, 2.0]
    assert (LogArray([1.0]) * Decimal("1e-5000"))[0] == LogFloat("1e-5000")
