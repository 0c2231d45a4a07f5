"""The vectorised conversions of logspace._conversions against scalar references.

``log_abs`` must be the correctly rounded log (so ``LogArray([v])[0]`` is
``LogFloat(v)`` bit for bit); ``float_of_log`` must be, element by element,
the definition of ``float(LogFloat)``, written here once more as a plain
scalar reference.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import logspace
from logspace import LogArray, LogFloat, _conversions, _text
from logspace._kernels_scalar import exp_cr, log_cr

HYP = settings(max_examples=200, deadline=None)


def reference_float_of_log(log: float) -> float:
    """float(LogFloat.from_log(log)) by its definition (y, then the shortest of 1..12 digits).

    A candidate, ``y`` rounded to p significant digits, reads back when its
    float or its decimal string makes a LogFloat with this log.
    """
    try:
        y = exp_cr(log)
    except OverflowError:
        return math.inf
    if y == 0.0 or log != log:
        return y

    def decimal(p: int) -> str:
        return format(y, f".{p - 1}e")

    def reads_back(text: str) -> bool:
        d = float(text)
        return (0.0 < d < math.inf and log_cr(d) == log) or LogFloat(text).log == log

    if not reads_back(decimal(12)):
        return y
    return next(float(decimal(p)) for p in range(1, 13) if reads_back(decimal(p)))


_MP = mpmath.MPContext()  # a private context: mpmath's global one is left alone
_MP.prec = 200


def mp_log(x: float) -> float:
    """Correctly rounded log|x| by mpmath at 200 bits."""
    return float(_MP.log(abs(_MP.mpf(x))))


def spread_floats(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate(
        [
            rng.uniform(0.0, 1.0, n),
            np.exp(rng.uniform(-700.0, 700.0, n)),
            rng.uniform(0.999, 1.001, n),
            np.array([5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1.0, 0.5, 3.0, 0.1]),
        ]
    )


def test_log_abs_is_correctly_rounded():
    x = spread_floats(2000)
    expected = np.array([mp_log(v) for v in x])
    np.testing.assert_array_equal(_conversions.log_abs(x), expected)
    np.testing.assert_array_equal(_conversions.log_abs(-x), expected)


def test_np_log_is_not_and_log_abs_fixes_it():
    # The motivating fact: np.log misses for a fraction of a percent of uniform(0, 1) values.
    x = np.random.default_rng(3).uniform(0.0, 1.0, 5000)
    assert np.any(np.log(x) != _conversions.log_abs(x))
    assert all(_conversions.log_abs(x[:300])[i] == log_cr(float(x[i])) for i in range(300))


def test_log_abs_special_values_without_warnings():
    out = _conversions.log_abs(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0]))
    np.testing.assert_array_equal(out[:5], [-np.inf, -np.inf, np.inf, np.inf, np.nan])
    assert out[5] == 0.0 and not np.signbit(out[4])  # the x87 log of nan carries a sign bit; not kept


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int8, np.uint8, np.int16, np.int32, np.uint32])
def test_log_abs_takes_small_dtypes_at_their_exact_values(dtype):
    rng = np.random.default_rng(1)
    info = np.finfo(dtype) if np.dtype(dtype).kind == "f" else np.iinfo(dtype)
    values = rng.uniform(float(info.min) if np.dtype(dtype).kind != "u" else 0, float(info.max), 500).astype(dtype)
    expected = [LogFloat(float(v)).log if v != 0 else -math.inf for v in values]
    np.testing.assert_array_equal(_conversions.log_abs(values), expected)


def test_log_abs_of_bools_and_big_int64():
    np.testing.assert_array_equal(_conversions.log_abs(np.array([True, False])), [0.0, -np.inf])
    big = np.array([2**63 - 1, -(2**63), 2**53 + 1, 7], dtype=np.int64)
    expected = [_text.log_of_int(int(v))[0] for v in big]
    np.testing.assert_array_equal(_conversions.log_abs(big), expected)


def test_log_abs_without_x87_bits_and_without_long_double(monkeypatch):
    # Other platforms: quad long double (generic residual test) and long double == float64 (exact path).
    x = spread_floats(300, seed=5)
    expected = _conversions.log_abs(x)
    monkeypatch.setattr(_conversions, "_c", None)  # the numpy paths, not the C extension's
    monkeypatch.setattr(_conversions, "_X87", False)
    np.testing.assert_array_equal(_conversions.log_abs(x), expected)
    np.testing.assert_array_equal(_conversions.exp_rounded(expected), [exp_cr(v) for v in expected])
    monkeypatch.setattr(_conversions, "_LD_USABLE", False)
    np.testing.assert_array_equal(_conversions.log_abs(x), expected)
    np.testing.assert_array_equal(_conversions.float_of_log(expected), [reference_float_of_log(v) for v in expected])
    np.testing.assert_array_equal(_conversions.log_in_base(expected, "10"), [LogFloat.from_log(v).log10() for v in expected])


def _exp_or_inf(v: float) -> float:
    try:
        return exp_cr(v)
    except OverflowError:
        return math.inf


def test_exp_rounded_is_correctly_rounded_edges_included():
    rng = np.random.default_rng(2)
    logs = np.concatenate([rng.uniform(-746.0, 710.0, 3000), [709.782712893384, 709.7827128933841, -745.1332191019411,
                                                              -745.1332191019412, -744.44, -708.4, 0.0]])
    np.testing.assert_array_equal(_conversions.exp_rounded(logs), [_exp_or_inf(v) for v in logs])


def short_decimal_logs() -> np.ndarray:
    """Logs of numbers with few digits: where float(LogFloat) must give the short decimal back."""
    values = [k / 1000 for k in range(1, 3000, 7)] + [0.1, 0.3, 3.0, 1e-300, 2.5e-12, 6.02e23, 1e300, 5e-324, 1e-320]
    return np.array([LogFloat(v).log for v in values])


def test_float_of_log_matches_the_definition():
    rng = np.random.default_rng(4)
    logs = np.concatenate([short_decimal_logs(), rng.uniform(-745.5, 709.9, 3000), np.log(rng.uniform(0, 1, 2000)),
                           [np.inf, -np.inf, np.nan]])
    np.testing.assert_array_equal(_conversions.float_of_log(logs), [reference_float_of_log(v) for v in logs])


def test_float_of_log_matches_the_scalar_float_of_the_text_layer():
    rng = np.random.default_rng(6)
    decimal_logs = [LogFloat(text).log for text in ["0.1", "0.3", "0.7", "1e-300", "6.02e23", "0.123456789012"]]
    logs = np.concatenate([short_decimal_logs(), decimal_logs, rng.uniform(-745.0, 709.0, 1000)])
    np.testing.assert_array_equal(_conversions.float_of_log(logs), [_text.float_of_log(float(v), 1) for v in logs])
    signs = rng.choice([-1, 1], logs.size)
    np.testing.assert_array_equal(
        _conversions.float_of_log(logs, signs < 0), [_text.float_of_log(float(v), int(s)) for v, s in zip(logs, signs)]
    )


def test_float_of_log_gives_short_floats_back():
    values = np.array([k / 1000 for k in range(1, 2000)] + [0.1, 3.0, 1e-300, 1e300])
    np.testing.assert_array_equal(LogArray(values).to_numpy(), values)
    np.testing.assert_array_equal(LogArray(-values).to_numpy(), -values)


@HYP
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_logarray_element_is_the_logfloat_bit_for_bit(v):
    element = LogArray([v])[0]
    expected = LogFloat(v)
    assert element.log == expected.log or (math.isnan(element.log) and math.isnan(expected.log))
    assert element.sign == expected.sign


@HYP
@given(st.floats(min_value=-745.0, max_value=709.0))
def test_float_of_log_property(log):
    assert _conversions.float_of_log(np.array([log]))[0] == reference_float_of_log(log)
    assert LogArray.from_log([log]).to_numpy()[0] == reference_float_of_log(log)


def _elements_agree_with_float(a: LogArray) -> None:
    """a.to_numpy()[i] is float(a[i]) (rounded to float32 for a float32 array), in both conversion paths."""
    expected = [float(x) for x in a]
    if a.dtype == np.float32:
        expected = np.array(expected, dtype=np.float32).tolist()
    assert a.to_numpy().tolist() == expected
    repeated = np.concatenate([a.log] * 20)  # beyond _SMALL: the vector filter
    tiled = LogArray.from_log(repeated, dtype=a.dtype) if not a.signed else LogArray.from_log(
        repeated, np.concatenate([a.sign] * 20), dtype=a.dtype
    )
    assert tiled.to_numpy().tolist() == expected * 20


_IN_RANGE = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False).filter(lambda v: v == 0 or abs(v) > 1e-300)
_DTYPES = st.sampled_from([np.float64, np.float32])


@HYP
@given(st.lists(_IN_RANGE, min_size=1, max_size=8), _DTYPES)
def test_to_numpy_is_float_of_each_element_for_floats(values, dtype):
    if dtype == np.float32:
        values = [v for v in values if v == 0 or 1e-37 < abs(v) < 1e38]
        if not values:
            return
    _elements_agree_with_float(LogArray(values, dtype=dtype))


_DECIMAL_STRINGS = st.builds(
    lambda mantissa, digits, exponent: f"{mantissa / 10**digits:.{digits}f}e{exponent}",
    st.integers(-(10**15), 10**15), st.integers(0, 15), st.integers(-300, 290),
)


@HYP
@given(st.lists(_DECIMAL_STRINGS, min_size=1, max_size=8), _DTYPES)
def test_to_numpy_is_float_of_each_element_for_decimal_strings(texts, dtype):
    if dtype == np.float32:
        texts = [t for t in texts if float(t) == 0 or 1e-37 < abs(float(t)) < 1e38]
        if not texts:
            return
    a = LogArray(texts, dtype=dtype)
    _elements_agree_with_float(a)
    if dtype == np.float64:
        assert all(float(LogFloat(t)) == float(a[i]) for i, t in enumerate(texts))


@HYP
@given(st.lists(_IN_RANGE, min_size=1, max_size=8), st.lists(_IN_RANGE, min_size=1, max_size=8), _DTYPES)
def test_to_numpy_is_float_of_each_element_for_computed_values(xs, ys, dtype):
    n = min(len(xs), len(ys))
    x = LogArray(xs[:n], dtype=dtype)
    y = LogArray(ys[:n], dtype=dtype)
    with np.errstate(all="ignore"):
        computed = [x * y, x + y, x / 3, abs(x * 0.1) ** 0.5]
    for a in computed:
        in_range = np.abs(a.log) < (80.0 if dtype == np.float32 else 690.0)
        if in_range.all():
            _elements_agree_with_float(a)


def test_to_numpy_of_decimal_strings_regression():
    # The vector conversion tested only the floats of the candidates: 30 elements from '0.1' gave
    # 0.09999999999999998 where float(LogFloat('0.1')) is 0.1.
    a = LogArray(["0.1", "0.7", "1e-300"] * 10)
    assert a.to_numpy().tolist() == [0.1, 0.7, 1e-300] * 10 == [float(x) for x in a]


def test_log_in_base_rounds_as_logfloat():
    logs = np.concatenate([np.random.default_rng(7).uniform(-12000.0, 12000.0, 2000), short_decimal_logs()])
    for base, method in (("10", "log10"), ("2", "log2")):
        expected = [getattr(LogFloat.from_log(float(v)), method)() for v in logs]
        np.testing.assert_array_equal(_conversions.log_in_base(logs, base), expected)


def test_to_linear_modes():
    logs = np.array([-11512.925464970229, 0.0, -np.inf])
    with pytest.warns(logspace.UnderflowWarning, match="1 nonzero value is below float range .* becomes 0.0"):
        np.testing.assert_array_equal(_conversions.to_linear(logs), [0.0, 1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(_conversions.to_linear(logs, underflow="zero"), [0.0, 1.0, 0.0])
    with pytest.raises(FloatingPointError, match="would become 0.0"):
        _conversions.to_linear(logs, underflow="raise")
    with pytest.raises(OverflowError, match=r"2 finite values are beyond float range \(the largest is about 1e\+5000\)"):
        _conversions.to_linear(np.array([11512.925464970229, 710.0]))


def test_underflow_warning_is_exported_and_filterable():
    assert issubclass(logspace.UnderflowWarning, Warning) and "UnderflowWarning" in logspace.__all__
    with warnings.catch_warnings():
        warnings.simplefilter("error", logspace.UnderflowWarning)
        with pytest.raises(logspace.UnderflowWarning):
            np.asarray(LogArray(["1e-5000"]))


@pytest.mark.skipif(np.finfo(np.longdouble).nmant <= 52, reason="long double is float64 here")
def test_long_double_values_are_taken_exactly_regression():
    # LogArray took long double values as float64 (1 + 2**-60 became 1) where LogFloat takes them
    # exactly, so LogArray([1.0]) < w was [False] and LogFloat(1.0) < w True.
    w = np.longdouble(1) + np.longdouble(2) ** -60
    assert LogArray([w])[0].log == LogFloat(w).log == 2.0**-60  # log(1 + x) = x - x**2/2 rounds to x
    values = np.array([w, -w / 3, np.longdouble("1e4000"), 0, np.inf, np.nan] * 5, dtype=np.longdouble)
    for a in (LogArray(values[:6]), LogArray(values)):
        expected = [LogFloat(v) for v in values[: a.size]]
        assert [x.log for x in a][:5] == [x.log for x in expected][:5] and math.isnan(a[5].log)
        assert [x.sign for x in a] == [x.sign for x in expected]
    one = LogArray([1.0, 2.0])
    assert (one < w).tolist() == [LogFloat(1.0) < w, LogFloat(2.0) < w] == [True, False]
    assert (one * w).dtype == np.float64


# -- log_sign_of_decimals: LogArray(strings) parsed as a whole -----------------

_GRAMMAR_STRINGS = st.builds(
    lambda sign, whole, dot, fraction, e, e_sign, exponent: (
        sign + whole + (dot + fraction if (whole or fraction) else "1") + (e + e_sign + exponent if exponent else "")
    ),
    st.sampled_from(["", "-", "+"]),
    st.text("0123456789", max_size=20),
    st.sampled_from(["", "."]),
    st.text("0123456789", max_size=20),
    st.sampled_from(["e", "E"]),
    st.sampled_from(["", "-", "+"]),
    st.text("0123456789", max_size=11),
)


def _scalar_pairs(texts: list[str]) -> tuple[list[float], list[int]]:
    pairs = [_text.parse_decimal(t) for t in texts]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _assert_parsed_as_scalars(texts: list[str]) -> None:
    log, sign = _conversions.log_sign_of_decimals(np.array(texts))
    expected_log, expected_sign = _scalar_pairs(texts)
    np.testing.assert_array_equal(log, expected_log)  # bit for bit; nan equals nan here
    np.testing.assert_array_equal(sign, expected_sign)


@HYP
@given(st.lists(_GRAMMAR_STRINGS, min_size=17, max_size=40))
def test_decimal_strings_parse_as_the_scalar_parse_bit_for_bit(texts):
    _assert_parsed_as_scalars(texts)


@HYP
@given(st.lists(_DECIMAL_STRINGS, min_size=17, max_size=40))
def test_formatted_floats_parse_as_the_scalar_parse_bit_for_bit(texts):
    _assert_parsed_as_scalars(texts)


def test_decimal_strings_near_one_and_far_exponents():
    # Each estimate form (near one, |exp10| <= 27, beyond) and its edges, at 18 significant digits.
    rng = np.random.default_rng(7)
    texts = (
        [f"0.{k:018d}" for k in rng.integers(6 * 10**17, 10**18, 400)]
        + [f"1.{k:017d}" for k in rng.integers(0, 10**17, 400)]
        + [f"{1 + x:.15f}" for x in rng.normal(0, 1e-9, 200)]
        + [f"{m}e{e}" for m, e in zip(rng.integers(1, 10**18, 400), rng.integers(-10**9 + 1, 10**9, 400), strict=True)]
        + [f"{m}e{e}" for m, e in zip(rng.integers(1, 10**7, 400), rng.integers(-45, 45, 400), strict=True)]
        + ["1", "1.000", "10e-1", "0.6", "1.65", "0.631", "1.585", "1e27", "1e-27", "1e28", "1e-28", "999999999999999999"]
    )
    _assert_parsed_as_scalars(texts)


def test_decimal_strings_outside_the_short_form_take_the_scalar_parse():
    texts = [
        " 1", "1 ", "1_000", "inf", "-Infinity", "nan", "\u0661\u0662", "1" * 19, "0.000" + "7" * 19,
        "1e0000000001", "1e" + "9" * 12, "-0", "0e5", "0.000", "+.5e+3", "5.", ".5", "0001.2000",
        "120000000000000000000000",
    ] * 2
    _assert_parsed_as_scalars(texts)
    a = LogArray(texts)
    assert [repr(a[i]) for i in range(a.size)] == [repr(LogFloat(t)) for t in texts]  # nan too


@pytest.mark.parametrize("bad", ["1e", "e5", ".", "-", "1..2", "1e5.5", "--1", "1-", "1e+-5", "", "1e5e5", "0x10", "1\x002"])
def test_malformed_decimal_strings_raise_as_logfloat_does(bad):
    texts = ["0.5"] * 20 + [bad]
    with pytest.raises(ValueError, match="could not convert string to LogFloat"):
        _conversions.log_sign_of_decimals(np.array(texts))
    with pytest.raises(ValueError, match="could not convert string to LogFloat"):
        LogArray(texts)


def test_short_decimals_are_decided_by_the_vector_path_regression():
    # The speed of LogArray(strings) rests on deciding nearly every short decimal without the scalar
    # parse (10**5 strings took 0.53 s one by one); only estimates near a float64 midpoint are redone.
    rng = np.random.default_rng(3)
    texts = np.array([f"{x:.7g}" for x in rng.random(2000)] + [f"{x:.3e}" for x in rng.normal(0, 1e-200, 2000)])
    log = np.empty(texts.size)
    sign = np.empty(texts.size, dtype=np.int8)
    decided = _conversions._short_decimals(texts.view(np.uint32).reshape(texts.size, -1), log, sign)
    assert decided.mean() > 0.98
    expected_log, expected_sign = _scalar_pairs(texts[decided].tolist())
    np.testing.assert_array_equal(log[decided], expected_log)
    np.testing.assert_array_equal(sign[decided], expected_sign)


def test_decimal_strings_without_long_double(monkeypatch):
    texts = ["0.1", "-2.5e-400", "7"] * 10
    expected = _conversions.log_sign_of_decimals(np.array(texts))
    monkeypatch.setattr(_conversions, "_LD_USABLE", False)
    got = _conversions.log_sign_of_decimals(np.array(texts))
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


def test_log_sign_of_decimals_refuses_other_dtypes():
    with pytest.raises(TypeError, match="expected an array of str"):
        _conversions.log_sign_of_decimals(np.array([b"1"]))
