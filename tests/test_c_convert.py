"""The C extension logspace._c_convert against its numpy fallback and mpmath.

``_conversions.log_abs``, ``exp_rounded`` and ``float_of_log`` run on the
compiled module where it is built and on (``_conversions._c``); the numpy
fallback (``_c`` set to None, as ``LOGSPACE_PURE_PYTHON=1`` does) is the
oracle: every result must be the same bit for bit, nan payloads and signed
zeros included. Both paths are also checked against mpmath on a sample.
The comparisons skip, saying why, only where the extension is not in use.
"""

from __future__ import annotations

import numpy as np
import pytest
from mpmath import libmp

from logspace import _conversions, _native
from logspace._kernels_scalar import _LD_USABLE

RNG_SEED = 20261204


def _why_not_compiled() -> str:
    if _native.disabled():
        return f"{_native.PURE_PYTHON_VARIABLE}=1 turns the C extension off"
    if not _LD_USABLE:
        return "long double is not wider than double here: the numpy fallback is used"
    return "logspace._c_convert is not built (python setup.py build_ext --inplace)"


compiled_only = pytest.mark.skipif(_conversions._c is None, reason=_why_not_compiled())


@pytest.fixture
def fallback(monkeypatch):
    """Call a _conversions function on the numpy fallback."""

    def call(fn, *args):
        with monkeypatch.context() as patch:
            patch.setattr(_conversions, "_c", None)
            return fn(*args)

    return call


def assert_same_bits(got, want, what=""):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, what
    differ = got.reshape(-1).view(np.uint64) != want.reshape(-1).view(np.uint64)
    assert not differ.any(), (what, got.reshape(-1)[differ][:5], want.reshape(-1)[differ][:5])


def random_bit_patterns(rng, n, dtype=np.float64):
    """Every float64 (or float32) equally likely: all exponents, subnormals, infs and nans, both signs."""
    width = np.dtype(dtype).itemsize * 8
    return rng.integers(0, 2**width, n, dtype=np.uint64 if width == 64 else np.uint32).view(dtype)


SPECIALS = np.array(
    [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1.0, -1.0, 5e-324, -5e-324, 2.2250738585072014e-308,
     2.225073858507201e-308, 1.7976931348623157e308, 0.5, 2.0, np.nextafter(1.0, 0.0), np.nextafter(1.0, 2.0),
     0.1, 3.0, 1e-300, 1e300, 0.6912714794406046],
)
EXP_SPECIALS = np.array(
    [0.0, -0.0, np.inf, -np.inf, np.nan, 709.78, 709.7827128933841, 709.79, 710.0, 711.0, -708.0, -708.4, -744.44,
     -745.1332191019411, -745.1332191019412, -745.2, -746.0, -800.0, 1e-300, -1e-300, 5e-324, 1e300, -1e300,
     -2.3025850929940455, 1.0986122886681098],
)


def near_midpoints(rng, n, draw, function):
    """Inputs whose long double result lies within 8 of its ulps of a float64 rounding midpoint.

    These are the hard cases of every stage: the double-double stage must
    leave them undecided or round them correctly.
    """
    x = draw(rng, n)
    with np.errstate(all="ignore"):
        estimate = function(x.astype(np.longdouble))
    if np.finfo(np.longdouble).nmant != 63:
        return x[:0]
    dropped = estimate.reshape(-1).view(np.uint64)[0::2] & np.uint64(0x7FF)
    return x[np.abs(dropped.astype(np.int64) - 0x400) <= 8]


def log_inputs(rng):
    return {
        "bit patterns": random_bit_patterns(rng, 20000),
        "specials": SPECIALS,
        "uniform(0, 1)": rng.uniform(0.0, 1.0, 20000),
        "negative": -rng.uniform(0.0, 1e10, 5000),
        "near 1": 1.0 + rng.normal(0.0, 1e-3, 20000),
        "subnormal": rng.uniform(0.0, 1.0, 2000) * 2.0**-1030,
        "near midpoints": near_midpoints(rng, 400000, lambda g, n: g.uniform(0.0, 4.0, n), np.log),
    }


def exp_inputs(rng):
    return {
        "bit patterns": random_bit_patterns(rng, 20000),
        "specials": EXP_SPECIALS,
        "whole range": rng.uniform(-760.0, 720.0, 20000),
        "logs of uniform(0, 1)": np.log(rng.uniform(0.0, 1.0, 20000)),
        "small": rng.normal(0.0, 1e-5, 5000),
        "near midpoints": near_midpoints(rng, 400000, lambda g, n: g.uniform(-700.0, 700.0, n), np.exp),
    }


@compiled_only
def test_log_abs_is_the_fallbacks_bit_for_bit(fallback):
    for name, x in log_inputs(np.random.default_rng(RNG_SEED)).items():
        with np.errstate(all="ignore"):
            want = fallback(_conversions.log_abs, x)
        assert_same_bits(_conversions.log_abs(x), want, name)


@compiled_only
def test_log_abs_of_narrow_types_is_the_fallbacks(fallback):
    rng = np.random.default_rng(RNG_SEED + 1)
    cases = [
        random_bit_patterns(rng, 20000, np.float32),
        rng.uniform(0.0, 3.0, 5000).astype(np.float32),
        rng.normal(0.0, 100.0, 5000).astype(np.float16),
        rng.integers(-(2**31), 2**31, 5000).astype(np.int32),
        rng.integers(0, 2**16, 5000).astype(np.uint16),
        rng.integers(-128, 128, 100).astype(np.int8),
    ]
    for x in cases:
        with np.errstate(all="ignore"):
            want = fallback(_conversions.log_abs, x)
        assert_same_bits(_conversions.log_abs(x), want, str(x.dtype))


@compiled_only
def test_shapes_strides_and_byte_order_are_the_fallbacks(fallback):
    rng = np.random.default_rng(RNG_SEED + 2)
    x = rng.uniform(0.0, 2.0, (40, 30))
    for values in (x, x.T, x[::3, 1::2], x[0, 0], np.float64(0.3), x.astype(">f8"), x[:0]):
        assert_same_bits(_conversions.log_abs(values), fallback(_conversions.log_abs, values))
        logs = np.log(np.asarray(values, dtype=np.float64))
        assert_same_bits(_conversions.exp_rounded(logs), fallback(_conversions.exp_rounded, logs))


@compiled_only
def test_exp_rounded_is_the_fallbacks_bit_for_bit(fallback):
    for name, x in exp_inputs(np.random.default_rng(RNG_SEED + 3)).items():
        with np.errstate(all="ignore"):
            want = fallback(_conversions.exp_rounded, x)
        assert_same_bits(_conversions.exp_rounded(x), want, name)
    x32 = random_bit_patterns(np.random.default_rng(RNG_SEED + 4), 5000, np.float32)
    with np.errstate(invalid="ignore"):  # signalling nans become quiet ones
        assert_same_bits(_conversions.exp_rounded(x32), fallback(_conversions.exp_rounded, x32), "float32")


@compiled_only
def test_float_of_log_is_the_fallbacks_bit_for_bit(fallback):
    """The compiled pre-filter (which elements may have a 12-digit decimal) changes no result."""
    rng = np.random.default_rng(RNG_SEED + 5)
    logs = np.concatenate(
        [
            _conversions.log_abs(rng.uniform(0.0, 1.0, 5000)),  # floats
            _conversions.log_abs(np.round(rng.uniform(0.0, 1000.0, 2000), 3)),  # short decimals
            _conversions.log_abs(rng.integers(1, 10**12, 2000).astype(np.float64)),
            rng.uniform(-760.0, 720.0, 5000),  # computed values, subnormal and beyond range included
            np.array([0.0, -np.inf, np.inf, np.nan, -745.0, 709.0]),
        ]
    )
    negative = rng.random(logs.size) < 0.5
    with np.errstate(all="ignore"):
        assert_same_bits(_conversions.float_of_log(logs), fallback(_conversions.float_of_log, logs))
        assert_same_bits(
            _conversions.float_of_log(logs, negative), fallback(_conversions.float_of_log, logs, negative)
        )


def _mp_rounded(fn, x):
    """fn(x) by mpmath libmp at 200 bits, rounded once to float64 (mpmath's global context untouched)."""
    return libmp.to_float(fn(libmp.from_float(float(x)), 200, libmp.round_nearest), rnd=libmp.round_nearest)


def test_log_abs_is_correctly_rounded_against_mpmath():
    rng = np.random.default_rng(RNG_SEED + 6)
    pool = log_inputs(rng)
    finite = pool["bit patterns"][np.isfinite(pool["bit patterns"]) & (pool["bit patterns"] != 0)]
    x = np.concatenate([finite[:300], pool["uniform(0, 1)"][:300], pool["near 1"][:200], pool["near midpoints"][:300]])
    got = _conversions.log_abs(x)
    want = np.array([_mp_rounded(libmp.mpf_log, abs(v)) for v in x.tolist()])
    assert_same_bits(got, want)


def test_exp_rounded_is_correctly_rounded_against_mpmath():
    rng = np.random.default_rng(RNG_SEED + 7)
    pool = exp_inputs(rng)
    x = np.concatenate(
        [rng.uniform(-745.0, 709.0, 400), pool["logs of uniform(0, 1)"][:300], pool["near midpoints"][:300]]
    )
    got = _conversions.exp_rounded(x)
    want = np.array([_mp_rounded(libmp.mpf_exp, v) for v in x.tolist()])
    assert_same_bits(got, want)


@compiled_only
def test_the_compiled_functions_refuse_what_they_do_not_take():
    c = _conversions._c
    with pytest.raises(TypeError, match="log_abs"):
        c.log_abs(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="exp_rounded"):
        c.exp_rounded(np.zeros(3, dtype=np.float32))
    with pytest.raises(TypeError, match="log_abs"):
        c.log_abs([1.0])
    with pytest.raises(ValueError, match="length"):
        c.decimal_candidates(np.zeros(2), np.zeros(3))
