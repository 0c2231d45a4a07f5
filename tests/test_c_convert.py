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

from logspace import LogFloat, _conversions, _native, _text
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
    [
        0.0,
        -0.0,
        np.inf,
        -np.inf,
        np.nan,
        -np.nan,
        1.0,
        -1.0,
        5e-324,
        -5e-324,
        2.2250738585072014e-308,
        2.225073858507201e-308,
        1.7976931348623157e308,
        0.5,
        2.0,
        np.nextafter(1.0, 0.0),
        np.nextafter(1.0, 2.0),
        0.1,
        3.0,
        1e-300,
        1e300,
        0.6912714794406046,
    ],
)
EXP_SPECIALS = np.array(
    [
        0.0,
        -0.0,
        np.inf,
        -np.inf,
        np.nan,
        709.78,
        709.7827128933841,
        709.79,
        710.0,
        711.0,
        -708.0,
        -708.4,
        -744.44,
        -745.1332191019411,
        -745.1332191019412,
        -745.2,
        -746.0,
        -800.0,
        1e-300,
        -1e-300,
        5e-324,
        1e300,
        -1e300,
        -2.3025850929940455,
        1.0986122886681098,
    ],
)


# Hard to round: inputs whose exact log (exp) lies closest to a float64
# rounding midpoint among 1.2e8 random ones (uniform(0, 4) and e**uniform(-700,
# 700) for log, uniform(-5, 5) and uniform(-708, 709) for exp): within 2**-82
# to 2**-73 (log) and 2**-78 to 2**-72 (exp) relative, closer than the long
# double estimate can tell. Found by screening with long double and measuring
# the distance with mpmath at 256 bits; the expected results come from mpmath
# in the tests.
HARD_LOG_INPUTS = np.array(
    [
        float.fromhex(h)
        for h in (
            "0x1.d76bc3c78e770p-2",
            "0x1.2e5d74dc1676ap+0",
            "0x1.81c61f4580f00p+1",
            "0x1.43e7c22828220p-3",
            "0x1.2d1905772eb9ap+1",
            "0x1.f62dd83b08eb2p+1",
            "0x1.f78b589baa247p+1",
            "0x1.88aba5da6bd70p-1",
            "0x1.55d0c941ad620p-4",
            "0x1.cdff225190b88p+0",
            "0x1.68a1df6b5dff8p-1",
            "0x1.99fc5fe92ee6cp+0",
            "0x1.845a6a5fdca30p-1",
            "0x1.683da8c130635p+1",
            "0x1.26dd63a3a15b2p+1",
            "0x1.e2423b3c6adedp+1",
            "0x1.c70441329f26cp+1",
            "0x1.4cc75327d6c34p+1",
            "0x1.bd1387420cc0dp+1",
            "0x1.87ad6ebf5b022p+0",
            "0x1.88a1548acaab0p+0",
            "0x1.104d3bf33e194p+0",
            "0x1.956bef9f14364p-1",
            "0x1.5c7a2e3563d82p+1",
            "0x1.a798c1314d1a9p+1",
            "0x1.ce5b42de9e885p+1",
            "0x1.0a2be365aca20p-2",
            "0x1.51951aefe77f9p+1",
            "0x1.a151546a24dbcp-1",
            "0x1.28041805e335bp+1",
            "0x1.f2e7bd74ae1b6p+1",
            "0x1.142da94f067f6p+0",
            "0x1.4fa34f80806a8p+0",
            "0x1.e6e0008bc8994p+1",
            "0x1.bf49b5023b2e1p+1",
            "0x1.681cdb39be1cdp+1",
            "0x1.0d2209d1eee26p+0",
            "0x1.0046e058c8610p-3",
            "0x1.8edcd79b00222p+1",
            "0x1.67408e194e250p-3",
            "0x1.44cc41c3abd88p+0",
            "0x1.f1ba292ae424bp+1",
            "0x1.a40b8403b8d6cp+0",
            "0x1.804d23b5a269bp+1",
            "0x1.7097c6ca99294p+1",
            "0x1.6fb757292b8aep+0",
            "0x1.a58bb36dddb90p-3",
            "0x1.9a35e81056af0p-3",
        )
    ]
)
HARD_EXP_INPUTS = np.array(
    [
        float.fromhex(h)
        for h in (
            "-0x1.847e6976ded00p-5",
            "-0x1.2b501533c8350p+6",
            "0x1.b07eaf2143744p+8",
            "0x1.3d08956f22cc8p+2",
            "0x1.22ebe0b89d882p+2",
            "0x1.2c6d21ccb02a8p+8",
            "-0x1.3c74ef59298d0p+1",
            "0x1.088e6e20cf48cp+2",
            "-0x1.9d1001bdc146cp+0",
            "-0x1.458563cedc9c2p+9",
            "-0x1.54395b9a37776p+8",
            "-0x1.7c620c75e9ce0p-1",
            "-0x1.81c57fdb46198p+6",
            "0x1.28a784862448ap+9",
            "-0x1.8ae907f638870p+0",
            "-0x1.080c82a0f06c1p+2",
            "-0x1.0e809dcff452ep+2",
            "0x1.5ee72142b22e6p+1",
            "0x1.84d67248fce20p+7",
            "-0x1.38740cd6626a8p+8",
            "0x1.b00aad6140580p+6",
            "0x1.3248c59bde040p-2",
            "-0x1.bb19fe5889c40p+1",
            "0x1.635b880f29650p+7",
            "0x1.8a6a1301241acp+1",
            "-0x1.e9b5c053a7900p-3",
            "0x1.1a4b8401446e0p+5",
            "0x1.330d2531a7f00p+9",
            "0x1.3e1c50e07f79cp+7",
            "0x1.17a10399c4732p+8",
            "-0x1.20630fc1d7962p+9",
            "0x1.42e2e8b3dccbep+9",
            "0x1.48d1dacf399d8p+9",
            "0x1.8b3e6967be620p-1",
            "0x1.8e29de6221064p+7",
            "0x1.7ad3bc10fda20p+4",
            "0x1.bc4f4e8151d74p+7",
            "-0x1.53443f2d39068p+6",
            "0x1.9683fa48a3eccp+1",
            "-0x1.35187f0ac80a8p+2",
            "0x1.1f13dbda61400p+9",
            "-0x1.0fdbfd02434dep+8",
            "0x1.6a7c1441df6a4p+8",
            "0x1.35ea9815b1506p+2",
            "-0x1.3ada921b8cf11p+8",
            "0x1.a3ba3d2628b50p+8",
            "0x1.2039f784ab7ccp+8",
            "-0x1.ea9a4d2f5d2e8p+0",
        )
    ]
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
        "hard to round": HARD_LOG_INPUTS,
    }


def exp_inputs(rng):
    return {
        "bit patterns": random_bit_patterns(rng, 20000),
        "specials": EXP_SPECIALS,
        "whole range": rng.uniform(-760.0, 720.0, 20000),
        "logs of uniform(0, 1)": np.log(rng.uniform(0.0, 1.0, 20000)),
        "small": rng.normal(0.0, 1e-5, 5000),
        "near midpoints": near_midpoints(rng, 400000, lambda g, n: g.uniform(-700.0, 700.0, n), np.exp),
        "hard to round": HARD_EXP_INPUTS,
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
        rng.integers(-(2**53), 2**53 + 1, 5000, dtype=np.int64),  # exact in float64: the compiled path
        np.array([2**53, -(2**53), 2**53 + 1, 2**63 - 1, -(2**63), 3] * 5, dtype=np.int64),  # some exact only as ints
        np.array([2**53, 2**64 - 1, 1] * 6, dtype=np.uint64),
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
        assert_same_bits(_conversions.float_of_log(logs, negative), fallback(_conversions.float_of_log, logs, negative))


def _mp_rounded(fn, x):
    """fn(x) by mpmath libmp at 200 bits, rounded once to float64 (mpmath's global context untouched)."""
    return libmp.to_float(fn(libmp.from_float(float(x)), 200, libmp.round_nearest), rnd=libmp.round_nearest)


def test_log_abs_is_correctly_rounded_against_mpmath():
    rng = np.random.default_rng(RNG_SEED + 6)
    pool = log_inputs(rng)
    finite = pool["bit patterns"][np.isfinite(pool["bit patterns"]) & (pool["bit patterns"] != 0)]
    x = np.concatenate(
        [finite[:300], pool["uniform(0, 1)"][:300], pool["near 1"][:200], pool["near midpoints"][:300], HARD_LOG_INPUTS]
    )
    got = _conversions.log_abs(x)
    want = np.array([_mp_rounded(libmp.mpf_log, abs(v)) for v in x.tolist()])
    assert_same_bits(got, want)


def test_exp_rounded_is_correctly_rounded_against_mpmath():
    rng = np.random.default_rng(RNG_SEED + 7)
    pool = exp_inputs(rng)
    x = np.concatenate(
        [
            rng.uniform(-745.0, 709.0, 400),
            pool["logs of uniform(0, 1)"][:300],
            pool["near midpoints"][:300],
            HARD_EXP_INPUTS,
        ]
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


# -- the shortest decimal of repr and str (logspace._text._shortest) -------------

shortest_compiled_only = pytest.mark.skipif(_text._c_shortest is None, reason=_why_not_compiled())


def _shortest_logs() -> list[float]:
    rng = np.random.default_rng(RNG_SEED)
    short = [f"{v:.{p}g}" for v, p in zip(rng.random(1500), rng.integers(1, 13, 1500), strict=True)]
    return (
        rng.uniform(-708.0, 709.0, 3000).tolist()
        + rng.uniform(-3.0, 3.0, 1000).tolist()
        + [_text.parse_decimal(s)[0] for s in short]
        + [LogFloat(float(v))._log for v in rng.random(1000)]
        + [LogFloat(2.0**k)._log for k in range(-1020, 1020, 7)]
        + [0.0, 5e-324, -5e-324, 1e-17, -707.9, 708.9]
    )


@shortest_compiled_only
@pytest.mark.parametrize("max_digits", [17, 40, 12])
def test_compiled_shortest_decimal_is_the_exact_one(max_digits):
    decided = 0
    for log in _shortest_logs():
        found = _text._c_shortest(log, max_digits)
        if found is False:
            continue  # the Python paths decide these
        decided += 1
        assert found == _text._shortest_exact(log, max_digits), log
    assert decided > 0.85 * len(_shortest_logs())  # it decides nearly everything in float range


def test_shortest_decimal_with_and_without_the_compiled_path(monkeypatch):
    logs = _shortest_logs()[::7]
    compiled = [_text._shortest(log, 40) for log in logs]
    compiled_reprs = [repr(LogFloat.from_log(log)) for log in logs]
    monkeypatch.setattr(_text, "_c_shortest", None)
    assert [_text._shortest(log, 40) for log in logs] == compiled
    assert [repr(LogFloat.from_log(log)) for log in logs] == compiled_reprs
