"""LogFloat, fsum and isclose against mpmath.

The oracle is mpmath at 300 bits on the exact values of the operands as
given: a LogFloat is exactly ``sign * e**log``, a float its binary value, an
int, Fraction or Decimal its exact value. Errors of results that are logs are
measured in ulps, in one of two metrics:

* ``"log"``: |computed - exact| / spacing(max(|exact|, 1)) (an absolute
  error e in a log is a relative error e of the number), for ``+``, ``-``,
  and ``*``, ``/`` with a plain number;
* ``"rel"``: |computed - exact| / spacing(|exact|), one ulp of the stored log,
  for ``*``, ``/`` and ``**`` between LogFloats.
"""

from __future__ import annotations

import copy
import math
import operator
import pickle
from decimal import Decimal
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import logspace
from logspace import LogFloat, fsum, isclose
from logspace._kernels_scalar import exp_cr, log_cr, logsubexp, logsubexp_accurate

PREC = 300
INF = math.inf
NAN = math.nan

# ---------------------------------------------------------------------------
# oracle


def mpf(x):
    return mpmath.mpf(x)


def ulps(computed: float, exact, metric: str) -> float:
    """Error of a computed log against an exact mpf, in ulps of the metric."""
    with mpmath.workprec(PREC):
        if metric == "log":
            scale = max(abs(exact), mpf(1))
        else:
            scale = abs(exact)
        spacing = math.ulp(float(scale))
        return float(abs(mpf(computed) - exact)) / spacing


def exact_log_abs(y, prec: int = PREC):
    """ln|y| at ``prec`` bits for an exact plain number."""
    with mpmath.workprec(prec):
        if isinstance(y, Fraction):
            return mpmath.log(abs(mpf(y.numerator)) / mpf(y.denominator))
        if isinstance(y, Decimal):
            return mpmath.log(mpmath.mpf(str(y.copy_abs())))  # abs() would round to 28 digits
        return mpmath.log(abs(mpf(y)))


def exact_signed_sum(a: float, s: int, b: float, t: int):
    """(log, sign) of s e**a + t e**b, for finite nonzero terms; log None if zero."""
    with mpmath.workprec(PREC):
        hi, lo, sh, sl = (a, b, s, t) if a >= b else (b, a, t, s)
        d = mpf(lo) - mpf(hi)
        if sh == sl:
            return mpf(hi) + mpmath.log1p(mpmath.exp(d)), sh
        if a == b:
            return None, 0
        return mpf(hi) + mpmath.log(-mpmath.expm1(d)), sh


def same(x: LogFloat, y: LogFloat) -> bool:
    """Identical stored value: equal logs (nan with nan) and signs."""
    if math.isnan(x.log) or math.isnan(y.log):
        return math.isnan(x.log) and math.isnan(y.log) and x.sign == y.sign
    return x.log == y.log and x.sign == y.sign


def exact_float_of(log: float, sign: int) -> float:
    """The float nearest to sign * e**log (subnormals rounded once); inf past range."""
    with mpmath.workprec(PREC):
        v = mpmath.exp(mpf(log))
        if v < mpf(2) ** -1022:
            n = int(mpmath.nint(v * mpf(2) ** 1074))
            out = math.ldexp(n, -1074)
        elif v >= mpf(2) ** 1024 * (1 - mpf(2) ** -54):
            out = INF
        else:
            out = float(v)
    return out if sign > 0 else -out


# ---------------------------------------------------------------------------
# strategies

special_logs = [0.0, 1e-300, -1e-300, 5e-324, 2.0**-30, 0.5, 700.0, -745.0, 709.78, 1e300, -1e300]
finite_logs = st.one_of(
    st.floats(-5.0, 5.0),
    st.floats(-800.0, 800.0),
    st.floats(-1e6, 1e6),
    st.floats(-1e300, 1e300),
    st.sampled_from(special_logs),
)
moderate_logs = st.one_of(st.floats(-5.0, 5.0), st.floats(-800.0, 800.0), st.floats(-1e6, 1e6))
signs = st.sampled_from([1, -1])
logfloats = st.builds(LogFloat.from_log, finite_logs, signs)
positive_logfloats = st.builds(LogFloat.from_log, finite_logs)


def _nonzero(v) -> bool:
    return v != 0


plain_floats = st.floats(allow_nan=False, allow_infinity=False).filter(_nonzero)
plain_ints = st.one_of(
    st.integers(-(10**20), 10**20),
    st.integers(-(10**400), 10**400),
    st.builds(lambda m, k: m * 10**k, st.integers(-999, 999), st.integers(0, 5000)),
).filter(_nonzero)
plain_fractions = st.one_of(
    st.fractions(),
    st.builds(Fraction, st.integers(-(10**30), 10**30), st.integers(1, 10**600)),
).filter(_nonzero)
plain_decimals = st.builds(
    lambda m, e: Decimal(f"{m}e{e}"), st.integers(-(10**17), 10**17).filter(_nonzero), st.integers(-400_000, 400_000)
)
plain_numbers = st.one_of(plain_floats, plain_ints, plain_fractions, plain_decimals)
# plain numbers whose log is within (-1e6, 1e6), so LogFloat * y etc. stay finite
in_range_plain = plain_numbers.filter(lambda y: abs(float(exact_log_abs(y))) < 1e6)


# ---------------------------------------------------------------------------
# construction and conversion


@given(plain_numbers)
@settings(max_examples=300, deadline=None)
def test_constructor_log_is_correctly_rounded(y):
    x = LogFloat(y)
    assert x.sign == (1 if y > 0 else -1)
    assert x.log == float(exact_log_abs(y))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (10**5000, "1e+5000"),
        (-(10**300000) * 25 // 10, "-2.5e+300000"),
        (Fraction(1, 10**5000), "1e-5000"),
        (Decimal("1.23e-5000"), "1.23e-5000"),
        (Decimal("-2.5e+300000"), "-2.5e+300000"),
        ("1e-5000", "1e-5000"),
        ("-2.5e+300000", "-2.5e+300000"),
        (" 1_000 ", "1000.0"),
        (np.float64(0.5), "0.5"),
        (np.int64(-7), "-7.0"),
        (np.bool_(True), "1.0"),
        (True, "1.0"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_constructor_examples(value, text):
    assert str(LogFloat(value)) == text


def test_constructor_big_int_does_not_overflow():
    x = LogFloat(10**5000)
    with mpmath.workprec(PREC):
        assert x.log == float(5000 * mpmath.log(10))
    assert LogFloat(-(10**5000)).sign == -1


@pytest.mark.parametrize(
    "value",
    [np.float32(0.1), np.float16(0.1), np.longdouble(1) / np.longdouble(3), np.int8(-5), np.uint64(2**64 - 1)],
)
def test_constructor_numpy_scalars_exact(value):
    if isinstance(value, np.floating):
        exact = Fraction(*value.as_integer_ratio())
    else:
        exact = Fraction(int(value))
    x = LogFloat(value)
    assert x.log == float(exact_log_abs(exact))
    assert x.sign == (1 if exact > 0 else -1)


@pytest.mark.parametrize("value", [mpmath.mpf("0.1"), mpmath.mpf("-1e-100000"), mpmath.mpf(2) ** 3000])
def test_constructor_mpmath_exact(value):
    sign, man, exp, _ = value._mpf_
    exact = Fraction(int(man) * 2**exp) if exp >= 0 else Fraction(int(man), 2**-exp)
    x = LogFloat(value)
    assert x.log == float(exact_log_abs(exact))
    assert x.sign == (-1 if sign else 1)


def test_constructor_specials_and_one_zero():
    for zero in (LogFloat(), LogFloat(0), LogFloat(0.0), LogFloat(-0.0), LogFloat("-0"), LogFloat(Decimal("-0"))):
        assert (zero.log, zero.sign) == (-INF, 0)
    assert (LogFloat(INF).log, LogFloat(INF).sign) == (INF, 1)
    assert (LogFloat("-inf").log, LogFloat("-Infinity").sign) == (INF, -1)
    assert LogFloat(Decimal("-Infinity")).sign == -1
    for nan in (LogFloat(NAN), LogFloat("nan"), LogFloat(Decimal("NaN")), LogFloat(mpmath.mpf("nan"))):
        assert math.isnan(nan.log) and nan.sign == 1
    x = LogFloat(2.5)
    assert LogFloat(x) is x


def test_from_log():
    assert same(LogFloat.from_log(-11512.925464970229), LogFloat("1e-5000"))
    assert same(LogFloat.from_log(0.0, sign=-1), LogFloat(-1))
    assert same(LogFloat.from_log(-INF), LogFloat(0))
    assert same(LogFloat.from_log(-INF, 0), LogFloat(0))
    assert same(LogFloat.from_log(NAN, -1), LogFloat(NAN))
    assert same(LogFloat.from_log(INF, -1), LogFloat(-INF))
    assert LogFloat.from_log(np.float32(2.0)).log == 2.0
    assert math.copysign(1.0, LogFloat.from_log(-0.0).log) == 1.0  # one log for 1


def test_representation_is_read_only():
    x = LogFloat(3)
    with pytest.raises(AttributeError):
        x.log = 1.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        x.sign = -1  # type: ignore[misc]
    with pytest.raises(AttributeError):
        x.extra = 1  # type: ignore[attr-defined]
    assert not hasattr(x, "__dict__")


def float_rule_reference(log: float, sign: int) -> float:
    """The documented rule for float(x), written out plainly (format and LogFloat)."""
    y = exp_cr(log)
    if y == 0.0:
        return sign * y

    def reads_back(p):
        text = format(y, f".{p - 1}e")
        return LogFloat(float(text)).log == log or LogFloat(text).log == log

    if not reads_back(12):
        return sign * y
    p = next(p for p in range(1, 13) if reads_back(p))
    return sign * float(format(y, f".{p - 1}e"))


@given(st.floats(-746.0, 710.0), signs)
@settings(max_examples=300, deadline=None)
@example(-459.6077709321537, 1)  # math.exp is an ulp off here
@example(709.782712893384, 1)
@example(709.7827128933841, -1)
@example(-745.1332191019411, 1)
@example(-745.1332191019412, -1)
@example(-708.5, 1)  # subnormal
def test_float_follows_the_shown_decimal_rule(log, sign):
    x = LogFloat.from_log(log, sign)
    expected = exact_float_of(log, sign)
    if math.isinf(expected):
        with pytest.raises(OverflowError, match="math range error"):
            float(x)
    else:
        got = float(x)
        assert got == float_rule_reference(log, sign)
        assert math.copysign(1.0, got) == sign  # -0.0 where a negative underflows
        # no short decimal near e**log: the correctly rounded value
        if format(expected, ".11e") != format(got, ".11e"):
            assert got == expected


@given(st.integers(1, 999_999), st.integers(-300, 294))
@settings(max_examples=300, deadline=None)
def test_float_gives_back_floats_of_six_digits(mantissa, exponent):
    v = float(f"{mantissa}e{exponent}")
    assume(1e-300 <= v <= 1e300)
    assert float(LogFloat(v)) == v and float(LogFloat(-v)) == -v
    assert float(LogFloat(str(v))) == v  # the decimal's LogFloat too


def test_regression_float_of_decimal_0_1_is_0_1():
    x = LogFloat("0.1")
    assert x != LogFloat(0.1)  # the decimal and the float have adjacent logs
    assert exp_cr(x.log) == 0.09999999999999998
    assert float(x) == 0.1 and float(LogFloat(0.1)) == 0.1


def test_regression_float_of_3_is_3():
    assert exp_cr(LogFloat(3).log) == 3.0000000000000004
    assert float(LogFloat(3)) == 3.0 and float(LogFloat(1000)) == 1000.0


def test_float_of_computed_values_is_correctly_rounded():
    x = LogFloat(0.1) * 3  # no short decimal reads back
    assert float(x) == exp_cr(x.log)


def test_regression_float_correctly_rounded_where_math_exp_is_not():
    log = -459.6077709321537
    assert math.exp(log) == 2.4824541975980847e-200  # one ulp off
    assert float(LogFloat.from_log(log)) == exp_cr(log) == 2.4824541975980844e-200


def test_regression_log_correctly_rounded_where_math_log_is_not():
    x = 1.117137877620847
    assert math.log(x) == 0.11076994811932889  # one ulp off
    assert LogFloat(x).log == log_cr(x) == 0.11076994811932887


@given(st.floats(5e-324, 1e308))
@settings(max_examples=300, deadline=None)
def test_log_cr_matches_mpmath(x):
    assert log_cr(x) == float(exact_log_abs(x))


def test_float_specials():
    assert float(LogFloat(0)) == 0.0
    assert float(LogFloat("inf")) == INF and float(LogFloat("-inf")) == -INF
    assert math.isnan(float(LogFloat("nan")))
    assert float(LogFloat("1e-5000")) == 0.0
    assert math.copysign(1.0, float(LogFloat("-1e-5000"))) == -1.0
    with pytest.raises(OverflowError, match="math range error"):
        float(LogFloat("1e400"))


def exact_floor(log: float, sign: int, scale: int = 1):
    """floor(sign * e**log * scale) and whether it is exact, from mpmath."""
    bits = int(max(log, 0) / 0.69) + PREC + max(0, -math.frexp(log)[1])  # e**1e-159 is 1 + 1e-159
    with mpmath.workprec(bits):
        v = sign * mpmath.exp(mpf(log)) * scale
        return int(mpmath.floor(v)), v


@given(st.floats(-5.0, 2000.0), signs)
@settings(max_examples=200, deadline=None)
@example(0.0, 1)
@example(0.0, -1)
@example(LogFloat("2.5").log, 1)
@example(LogFloat("2.5").log, -1)
def test_integral_conversions_round_the_shown_decimal(log, sign):
    x = LogFloat.from_log(log, sign)
    shown = x.to_decimal()  # the decimal the repr shows
    assert LogFloat(shown) == x
    assert math.floor(x) == math.floor(shown)
    assert math.ceil(x) == math.ceil(shown)
    assert int(x) == math.trunc(x) == int(shown)
    assert round(x) == round(shown)  # half to even, as Decimal and float


@given(st.integers(1, 10**12))
@settings(max_examples=300, deadline=None)
@example(1000)
@example(999_999_999_999)
@example(10**12)
def test_int_gives_back_ints_up_to_10_to_the_12(k):
    assert int(LogFloat(k)) == k and int(LogFloat(-k)) == -k
    assert round(LogFloat(k)) == k and math.floor(LogFloat(k)) == k == math.ceil(LogFloat(k))


def test_regression_int_of_1000_is_1000():
    assert int(LogFloat(1000)) == 1000  # was 999: e**log(1000) is below 1000


def test_int_beyond_float_range():
    x = LogFloat(10**5000)
    n = int(x)
    assert n == 10**5000  # the shown decimal, 1e5000
    assert int(LogFloat(10**400)) == 10**400
    assert int(LogFloat("-1e400")) == -(10**400)
    assert int(LogFloat("0.999")) == 0 and int(LogFloat("-0.999")) == 0
    assert math.floor(LogFloat("-1e-5000")) == -1 and math.ceil(LogFloat("1e-5000")) == 1
    with pytest.raises(OverflowError, match="million digits"):
        int(LogFloat.from_log(2.4e6))
    with pytest.raises(ValueError, match="NaN"):
        int(LogFloat("nan"))
    with pytest.raises(OverflowError, match="infinity"):
        math.floor(LogFloat("-inf"))
    with pytest.raises(TypeError):
        operator.index(LogFloat(3))  # not an integer type


@given(st.floats(-20.0, 60.0), signs, st.integers(-8, 25))
@settings(max_examples=200, deadline=None)
def test_round_ndigits_rounds_the_shown_decimal(log, sign, n):
    x = LogFloat.from_log(log, sign)
    expected = LogFloat(round(Fraction(x.to_decimal()), n))
    assert same(round(x, n), expected) or same(round(x, n), x) and expected == x


def test_round_examples():
    assert round(LogFloat("2.71828")) == 3
    assert same(round(LogFloat("2.71828"), 2), LogFloat("2.72"))
    assert same(round(LogFloat("1e-5000"), 3), LogFloat(0))
    assert same(round(LogFloat("123456.789"), -2), LogFloat(123500))
    big = LogFloat("2.5e300000")
    assert round(big, 2) is big
    assert round(LogFloat("inf"), 2).isinf() and round(LogFloat("nan"), 1).isnan()
    with pytest.raises(TypeError):
        round(big, 1.5)  # type: ignore[call-overload]


@given(logfloats)
@settings(max_examples=100, deadline=None)
def test_mpmath_conversion(x):
    for prec in (53, 200):
        with mpmath.workprec(prec):
            got = mpmath.mpf(x)
            assert got == x.to_mpmath()
        with mpmath.workprec(prec + 100):
            exact = x.sign * mpmath.exp(mpf(x.log))
            assert abs(got - exact) <= abs(exact) * mpf(2) ** (1 - prec)


def test_mpmath_specials():
    assert mpmath.mpf(LogFloat(0)) == 0
    assert mpmath.mpf(LogFloat("-inf")) == -mpmath.inf
    assert mpmath.isnan(mpmath.mpf(LogFloat("nan")))


@given(logfloats)
@settings(max_examples=100, deadline=None)
def test_decimal_and_fraction_conversions(x):
    assume(abs(x.log) < 1e5)
    d = x.to_decimal()
    f = x.to_fraction()
    assert f == Fraction(d)
    if logspace._text.format_repr_argument(x.log, x.sign) is not None:
        assert same(LogFloat(d), x)
        assert same(LogFloat(f), x)


def test_decimal_and_fraction_conversion_errors():
    assert LogFloat("2.5e-300000").to_decimal() == Decimal("2.5e-300000")
    assert LogFloat("nan").to_decimal().is_nan()
    with pytest.raises(ValueError, match="NaN"):
        LogFloat("nan").to_fraction()
    with pytest.raises(OverflowError, match="Infinity"):
        LogFloat("inf").to_fraction()
    with pytest.raises(OverflowError, match="million"):
        LogFloat.from_log(1e300).to_fraction()


# ---------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ("abc", ValueError, "'abc'"),
        ("1e-5000x", ValueError, "'1e-5000x'"),
        ("", ValueError, "''"),
        ([1, 2], TypeError, "LogArray"),
        ((1.0,), TypeError, "LogArray"),
        (np.array([1.0, 2.0]), TypeError, "LogArray"),
        (1j, TypeError, "complex"),
        (complex(1, 0), TypeError, "complex"),
        (np.complex128(1), TypeError, "complex"),
        (mpmath.mpc(1, 1), TypeError, "complex"),
        (None, TypeError, "NoneType"),
        (b"1", TypeError, "bytes"),
        (Decimal("sNaN"), ValueError, "signaling"),
    ],
)
def test_bad_input(value, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(")):
        LogFloat(value)


def test_bad_from_log():
    with pytest.raises(TypeError, match="strings"):
        LogFloat.from_log("1.0")
    with pytest.raises(ValueError, match="sign must be"):
        LogFloat.from_log(1.0, sign=2)
    with pytest.raises(ValueError, match="sign 0"):
        LogFloat.from_log(1.0, sign=0)


def test_bad_operands():
    x = LogFloat(2)
    with pytest.raises(TypeError):
        x + "a"  # type: ignore[operator]
    with pytest.raises(TypeError):
        x * [1]  # type: ignore[operator]
    with pytest.raises(TypeError):
        x < "a"  # type: ignore[operator]
    with pytest.raises(TypeError):
        x * 1j  # type: ignore[operator]
    assert (x == "a") is False and (x != "a") is True
    with pytest.raises(TypeError, match="3rd argument"):
        pow(x, 2, 3)
    with pytest.raises(TypeError, match="fsum"):
        fsum(["1"])
    with pytest.raises(TypeError, match="isclose"):
        isclose(x, "2")


def test_domain_errors_follow_math():
    with pytest.raises(ValueError, match="sqrt"):
        LogFloat(-4).sqrt()
    with pytest.raises(ValueError, match="log10"):
        LogFloat(-4).log10()
    with pytest.raises(ValueError, match="log2"):
        LogFloat("-1e-5000").log2()
    for num in (LogFloat(1), LogFloat(0), LogFloat("nan")):
        for den in (LogFloat(0), 0, 0.0, Fraction(0), Decimal(0)):
            with pytest.raises(ZeroDivisionError):
                num / den
    with pytest.raises(ZeroDivisionError):
        1 / LogFloat(0)
    with pytest.raises(ZeroDivisionError, match="negative power"):
        LogFloat(0) ** -1
    with pytest.raises(ZeroDivisionError, match="negative power"):
        LogFloat(0) ** LogFloat(-2)
    with pytest.raises(ValueError, match="math domain error"):
        LogFloat(-8) ** (1 / 3)
    with pytest.raises(ValueError, match="integer"):
        LogFloat(-2) ** LogFloat(2)  # LogFloat(2) is not exactly 2
    with pytest.raises(ValueError, match="math domain error"):
        (-2) ** LogFloat(2)
    with pytest.raises(OverflowError, match="math range error"):
        LogFloat(1e10) ** 1e308  # the log, 2.3e309, overflows
    with pytest.raises(OverflowError, match="math range error"):
        LogFloat(2) ** LogFloat("1e400")
    with pytest.raises(OverflowError, match="math range error"):
        2 ** LogFloat("1e400")
    with pytest.raises(ValueError, match="non-negative"):
        isclose(1, 2, rel_tol=-1)


# ---------------------------------------------------------------------------
# special values: the table of the class docstring

S = LogFloat
ZERO, ONE, TWO, HALF = S(0), S(1), S(2), S("0.5")
PINF, NINF, NANV = S("inf"), S("-inf"), S("nan")


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (lambda: ZERO * PINF, NANV),
        (lambda: PINF * NINF, NINF),
        (lambda: PINF - PINF, NANV),
        (lambda: PINF + NINF, NANV),
        (lambda: PINF + PINF, PINF),
        (lambda: PINF + S(-5), PINF),
        (lambda: TWO + ZERO, TWO),
        (lambda: ZERO - TWO, -TWO),
        (lambda: ZERO + ZERO, ZERO),
        (lambda: TWO - TWO, ZERO),
        (lambda: NANV + TWO, NANV),
        (lambda: S(-2) + NANV, NANV),
        (lambda: NANV * ZERO, NANV),
        (lambda: TWO / PINF, ZERO),
        (lambda: PINF / PINF, NANV),
        (lambda: PINF / S(-2), NINF),
        (lambda: ZERO / TWO, ZERO),
        (lambda: S.from_log(1e308) * S.from_log(1e308), PINF),  # the log overflows: inf, as float *
        (lambda: S.from_log(-1e308) * S.from_log(-1e308), ZERO),
        (lambda: S.from_log(-1e308, -1) / S.from_log(1e308), ZERO),
        (lambda: ZERO**0, ONE),
        (lambda: NANV**0, ONE),
        (lambda: NANV ** S(0), ONE),
        (lambda: ONE**NAN, ONE),
        (lambda: ONE**NANV, ONE),
        (lambda: S(-1) ** INF, ONE),
        (lambda: TWO**INF, PINF),
        (lambda: TWO**-INF, ZERO),
        (lambda: HALF**INF, ZERO),
        (lambda: HALF**NINF, PINF),
        (lambda: S(-2) ** INF, PINF),
        (lambda: ZERO**2.5, ZERO),
        (lambda: ZERO**-INF, PINF),
        (lambda: PINF**-1, ZERO),
        (lambda: NINF**3, NINF),
        (lambda: NINF**2, PINF),
        (lambda: S(-2) ** 3, S(-8)),
        (lambda: S(-2) ** 2.0, S(4)),
        (lambda: S(-2) ** (10**20 + 1), -(TWO ** (10**20 + 1))),
        (lambda: S(-3) ** S(1), S(-3)),
        (lambda: S(-3) ** S(-1), S(-3) ** -1),
        (lambda: TWO**NAN, NANV),
        (lambda: S.from_log(-1e300) ** 1e300, ZERO),  # the log underflows: e**-inf
        (lambda: TWO ** S("-1e400"), ZERO),
        (lambda: HALF ** S("1e400"), ZERO),
        (lambda: S("1e-400") ** S("1e-400"), ONE),  # the log, -921 * 1e-400, rounds to -0
        (lambda: ZERO.sqrt(), ZERO),
        (lambda: PINF.sqrt(), PINF),
        (lambda: NANV.sqrt(), NANV),
        (lambda: -ZERO, ZERO),
        (lambda: -NANV, NANV),
        (lambda: abs(S(-3)), S(3)),
        (lambda: abs(NINF), PINF),
    ],
)
def test_special_values(result, expected):
    assert same(result(), expected)


def test_special_logs():
    assert ZERO.log10() == -INF and ZERO.log2() == -INF
    assert PINF.log10() == INF and math.isnan(NANV.log2())
    assert NANV.isnan() and not NANV.isfinite() and not NANV.isinf()
    assert PINF.isinf() and NINF.isinf() and not PINF.isfinite()
    assert S("1e-5000").isfinite() and S("1e400").isfinite() and ZERO.isfinite()


# ---------------------------------------------------------------------------
# arithmetic accuracy against mpmath


@given(logfloats, logfloats)
@settings(max_examples=300, deadline=None)
def test_mul_div_within_1ulp_of_stored_log(x, y):
    with mpmath.workprec(PREC):
        for got, exact in ((x * y, mpmath.fadd(x.log, y.log, exact=True)), (x / y, mpmath.fsub(x.log, y.log, exact=True))):
            assert got.sign == x.sign * y.sign
            assert ulps(got.log, exact, "rel") <= 0.5


@given(positive_logfloats, st.one_of(st.floats(-1e3, 1e3), st.integers(-(10**30), 10**30), st.fractions()))
@settings(max_examples=300, deadline=None)
def test_pow_real_within_1ulp(x, y):
    with mpmath.workprec(PREC):
        exact = mpf(x.log) * (mpf(y.numerator) / y.denominator if isinstance(y, Fraction) else mpf(y))
    assume(abs(exact) < 1e308)
    got = x**y
    if exact == 0:
        assert same(got, ONE)
    else:
        assert got.sign == 1
        assert ulps(got.log, exact, "rel") <= 0.5


@given(positive_logfloats, st.builds(LogFloat.from_log, st.floats(-60.0, 60.0), signs))
@settings(max_examples=200, deadline=None)
def test_pow_logfloat_within_1ulp(x, y):
    with mpmath.workprec(PREC):
        exact = mpf(x.log) * y.sign * mpmath.exp(mpf(y.log))
    assume(abs(exact) < 1e308 and exact != 0)
    got = x**y
    assert got.sign == 1
    assert ulps(got.log, exact, "rel") <= 1.0


# Fraction ** LogFloat is Fraction's: it computes float(y) ** x (Fraction.__pow__
# never defers), so Fractions are left out.
@given(
    st.one_of(plain_floats, plain_ints, plain_decimals).filter(lambda y: y > 0),
    st.builds(LogFloat.from_log, st.floats(-30.0, 30.0), signs),
)
@settings(max_examples=200, deadline=None)
def test_rpow_within_2ulp(y, x):
    with mpmath.workprec(PREC):
        exact = exact_log_abs(y) * x.sign * mpmath.exp(mpf(x.log))
    assume(abs(exact) < 1e308 and exact != 0)
    got = y**x
    assert ulps(got.log, exact, "rel") <= 2.0


def test_pow_sign_and_identity_examples():
    x = LogFloat("-1e-5000")
    assert same(x**2, x * x) and same(x**3, x * x * x) and (x**3).sign == -1
    assert same(x**0.5 if x.sign > 0 else abs(x) ** 0.5, abs(x).sqrt())
    assert str(LogFloat("0.1") ** 400) == "1e-400"
    assert 0.1**400 == 0.0


@given(logfloats, logfloats)
@settings(max_examples=300, deadline=None)
def test_add_sub_accuracy(x, y):
    for got, t in ((x + y, y.sign), (x - y, -y.sign)):
        exact, sign = exact_signed_sum(x.log, x.sign, y.log, t)
        if exact is None:
            assert same(got, ZERO)
            continue
        assert got.sign == sign
        if x.sign == t:
            assert ulps(got.log, exact, "log") <= 1.0  # + of same-signed numbers
        else:
            assert ulps(got.log, exact, "log") <= 2.0  # -


# Near cancellation: b a few ulps below a (the difference is tiny and its log
# far below the operands'), and e**a - e**b near 1 with e**a far from 1 (the
# log of the result cancels; plain logsubexp is up to ~8 ulps off there).
near_pairs = st.one_of(
    st.builds(
        lambda a, k: (a, a - k * math.ulp(a)),
        st.floats(-40.0, 40.0).filter(lambda a: a != 0),
        st.integers(1, 1000),
    ),
    st.builds(
        lambda a, u: (a, a + math.log1p(-math.exp(u - a))),
        st.floats(1.0, 40.0),
        st.floats(-3.0, 0.9),
    ),
)


@given(near_pairs, signs)
@settings(max_examples=300, deadline=None)
@example((25.140083041126786, 25.140083041097544), 1)
@example((math.log(100.0), math.log(99.0)), -1)
def test_sub_near_cancellation_within_2ulp(pair, sign):
    a, b = pair
    assume(b < a)
    x, y = LogFloat.from_log(a, sign), LogFloat.from_log(b, sign)
    exact, s = exact_signed_sum(a, sign, b, -sign)
    got = x - y
    assert got.sign == s == sign
    assert ulps(got.log, exact, "log") <= 2.0
    assert same(y - x, -got)


def test_regression_sub_with_cancelling_log():
    a, b = 25.140083041126786, 25.140083041097544  # e**a - e**b ~ 2.4
    exact, _ = exact_signed_sum(a, 1, b, -1)
    assert ulps(logsubexp(a, b), exact, "log") > 4  # the plain kernel
    assert ulps(logsubexp_accurate(a, b), exact, "log") <= 1
    assert ulps((LogFloat.from_log(a) - LogFloat.from_log(b)).log, exact, "log") <= 1


@given(st.builds(LogFloat.from_log, moderate_logs, signs), in_range_plain)
@settings(max_examples=300, deadline=None)
def test_mixed_mul_div_within_2ulp(x, y):
    # The plain number stands for LogFloat(y), its correctly rounded log: the
    # result is that log added to x's, rounded once. (Against the exact log of
    # y the error also holds y's own rounding, half an ulp of |log y|, which
    # is many ulps of a result that cancels: x = 1.31e204, y = 3 * 10**259.)
    ly = exact_log_abs(y)
    assert ulps(LogFloat(y).log, ly, "log") <= 0.5
    ly = mpf(LogFloat(y).log)
    sy = 1 if y > 0 else -1
    with mpmath.workprec(PREC):
        cases = [(x * y, x.log + ly), (y * x, x.log + ly), (x / y, x.log - ly), (y / x, ly - x.log)]
    for got, exact in cases:
        assert got.sign == x.sign * sy
        assert ulps(got.log, exact, "log") <= 1.0


@pytest.mark.parametrize(
    ("x", "y"),
    [
        (LogFloat(1e-300), 1e300),
        (LogFloat("1e-300"), 10**300),
        (LogFloat.from_log(-2000.0), 10**868),
        (LogFloat("1e-5000"), Decimal("1e5000")),
        (LogFloat("3e-400"), Fraction(10**400, 3)),
    ],
)
def test_mixed_mul_with_cancelling_logs_is_the_logfloat_product(x, y):
    # The plain number stands for LogFloat(y): the product is that of the
    # two LogFloats, bit for bit, in both orders.
    assert same(x * y, x * LogFloat(y)) and same(y * x, x * LogFloat(y))
    assert same(y / x, LogFloat(y) / x) and same(x / y, x / LogFloat(y))


@given(st.builds(LogFloat.from_log, moderate_logs, signs), in_range_plain)
@settings(max_examples=300, deadline=None)
def test_mixed_add_sub(x, y):
    sy = 1 if y > 0 else -1
    ly = exact_log_abs(y)
    # + of same-signed numbers: within 2 ulps of the exact value of y
    for got, t in ((x + y, sy), (y + x, sy)):
        if x.sign == t:
            with mpmath.workprec(PREC):
                hi, lo = max(mpf(x.log), ly), min(mpf(x.log), ly)
                exact = hi + mpmath.log1p(mpmath.exp(lo - hi))
            assert got.sign == t
            assert ulps(got.log, exact, "log") <= 2.0
    # the plain-number rule: y stands for LogFloat(y)
    as_logfloat = LogFloat(y)
    assert same(x - y, x - as_logfloat)
    assert same(y - x, as_logfloat - x)
    assert same(x + y, x + as_logfloat)


def test_mixing_rule_takes_the_plain_number_as_its_logfloat():
    x = LogFloat(0.5)
    assert x == 0.5 and not x > 0.5  # 0.5 stands for LogFloat(0.5) ...
    assert same(x - 0.5, ZERO)  # ... in arithmetic too
    assert same(x * 2, LogFloat(1.0))


@given(logfloats)
@settings(max_examples=200, deadline=None)
def test_sqrt_log10_log2(x):
    x = abs(x)
    assert same(x.sqrt(), LogFloat.from_log(x.log / 2))
    assert same(x**0.5, x.sqrt())
    with mpmath.workprec(PREC):
        for got, exact in ((x.log10(), mpf(x.log) / mpmath.log(10)), (x.log2(), mpf(x.log) / mpmath.log(2))):
            if exact == 0:
                assert got == 0
            else:
                assert ulps(got, exact, "rel") <= 1.0


def test_numpy_scalars_on_the_right():
    x = LogFloat(3)
    assert same(x * np.float64(2), x * 2.0)
    assert same(x / np.float32(0.5), x / 0.5)
    assert same(x + np.int64(2), x + 2)
    assert same(x - np.uint8(1), x - 1)
    assert same(x ** np.int32(3), x**3)
    assert type(x * np.float64(2)) is LogFloat
    assert x > np.float64(2.9) and x < np.float32(3.1) and x == np.int64(3)


def test_arrays_are_left_to_the_array_side():
    x = LogFloat(3)
    arr = np.array([1.0, 2.0])
    for op in ("__mul__", "__truediv__", "__add__", "__sub__", "__rmul__", "__radd__", "__pow__"):
        assert getattr(x, op)(arr) is NotImplemented
    assert x.__lt__(arr) is NotImplemented


# ---------------------------------------------------------------------------
# algebraic identities


@given(logfloats, logfloats)
@settings(max_examples=200, deadline=None)
def test_commutativity_is_exact(x, y):
    assert same(x * y, y * x)
    assert same(x + y, y + x)
    assert same(x - y, -(y - x))


@given(st.builds(LogFloat.from_log, st.floats(-1e300, 1e300), signs), st.builds(LogFloat.from_log, st.floats(-1e300, 1e300), signs))
@settings(max_examples=300, deadline=None)
def test_mul_then_div(x, y):
    # two roundings of the logs: within an ulp of the largest |log| involved
    back = x * y / y
    largest = max(abs(x.log), abs(y.log), abs(x.log + y.log), 1.0)
    assert back.sign == x.sign
    assert abs(back.log - x.log) <= math.ulp(largest)
    assert same(x / x, ONE) and same(x * (1 / x), LogFloat.from_log(x.log - x.log))


@given(positive_logfloats, positive_logfloats, positive_logfloats)
@settings(max_examples=300, deadline=None)
def test_addition_associative_without_cancellation(x, y, z):
    left, right = (x + y) + z, x + (y + z)
    with mpmath.workprec(PREC):
        exact = mpmath.log(mpmath.fsum(mpmath.exp(mpf(v.log) - mpf(x.log)) for v in (x, y, z))) + mpf(x.log)
    # each side: two additions of at most 1 ulp of max(|log|, 1), the first
    # carried into the second with a factor at most 1
    largest = max(abs(x.log), abs(y.log), abs(z.log), abs(float(exact)), 1.0)
    for side in (left, right):
        assert abs(mpf(side.log) - exact) <= 2 * math.ulp(largest)


@given(logfloats)
@settings(max_examples=100, deadline=None)
def test_simple_identities(x):
    assert same(x - x, ZERO) and same(x + (-x), ZERO)
    assert same(-(-x), x) and same(+x, x)
    assert same(x * 1, x) and same(x * ONE, x) and same(x / 1, x)
    assert same(x**1, x) and same(x**2, x * x) and same(x**0, ONE)
    assert same(x + 0, x) and same(0 + x, x) and same(x - 0, x)
    assert same(abs(x), x if x.sign > 0 else -x)


# ---------------------------------------------------------------------------
# comparison and hashing


def exact_cmp(x: LogFloat, y) -> int:
    """Sign of x - y from mpmath; y plain or LogFloat, finite nonzero both."""
    with mpmath.workprec(4 * PREC):  # neighbours() can be within 2**-400 of x
        if isinstance(y, LogFloat):
            ly, sy = mpf(y.log), y.sign
        else:
            ly, sy = exact_log_abs(y, 4 * PREC), (1 if y > 0 else -1)
    if x.sign != sy:
        return 1 if x.sign > sy else -1
    with mpmath.workprec(4 * PREC):
        d = mpf(x.log) - ly
        assert d != 0 or (x.log == 0 and abs(y) == 1)  # e**log is irrational but at 1
        return int(mpmath.sign(d)) * x.sign


def check_order(x, y, c):
    assert (x < y) == (c < 0) and (x <= y) == (c <= 0)
    assert (x > y) == (c > 0) and (x >= y) == (c >= 0)
    assert (x == y) == (c == 0) and (x != y) == (c != 0)
    # reflected: y on the left (floats, ints, Fractions, Decimals defer to LogFloat)
    assert (y > x) == (c < 0) and (y < x) == (c > 0) and (y == x) == (c == 0)


@given(logfloats, logfloats)
@settings(max_examples=200, deadline=None)
def test_order_between_logfloats(x, y):
    c = 0 if same(x, y) else exact_cmp(x, y)
    check_order(x, y, c)


def neighbours(x: LogFloat):
    """Plain numbers very close to x's value, where comparison is hardest."""
    with mpmath.workprec(200):
        v = x.sign * mpmath.exp(mpf(x.log))
        out = [Fraction(*mpmath.mpf(v).as_integer_ratio()) if hasattr(mpmath.mpf(v), "as_integer_ratio") else None]
        man, exp = mpmath.mpf(v).man_exp
        out = [Fraction(int(man) * 2**exp) if exp >= 0 else Fraction(int(man), 2**-exp)]
        out.append(Decimal(mpmath.nstr(v, 30, min_fixed=1, max_fixed=0)))
        if abs(x.log) < 709:
            f = float(v)
            out += [f, math.nextafter(f, INF), math.nextafter(f, -INF)]
        if x.log < 400:
            out.append(int(mpmath.floor(v)) or 1)
    return [y for y in out if y != 0]


@given(st.builds(LogFloat.from_log, st.one_of(st.floats(-800.0, 800.0), st.floats(-1e5, 1e5), st.floats(-5.0, 5.0)), signs))
@settings(max_examples=200, deadline=None)
def test_order_with_plain_numbers_is_that_of_their_logfloats(x):
    for y in neighbours(x):
        check_order(x, y, (x > LogFloat(y)) - (x < LogFloat(y)))


def test_equality_examples():
    assert LogFloat(0.5) == 0.5 and 0.5 == LogFloat(0.5)  # 0.5 stands for LogFloat(0.5)
    assert LogFloat("0.1") < 0.1 and LogFloat("0.1") != LogFloat(0.1)  # adjacent logs
    for v in (0, 1, -1, 1.0, -1.0, 0.0, Fraction(1), Decimal(-1), Decimal(0), 2, 0.1, Fraction(1, 3)):
        assert LogFloat(v) == v and v == LogFloat(v)
    assert LogFloat(INF) == INF and LogFloat(-INF) == Decimal("-Infinity") and LogFloat(INF) != -INF
    assert LogFloat("1e400") < INF and LogFloat("-1e400") > -INF
    assert LogFloat(2) == 2 and LogFloat(3) == LogFloat(3.0000000000000004)  # one log for both floats
    a, b = 3.0, 3.0000000000000004
    assert LogFloat(3) == a and LogFloat(3) == b and a != b  # not transitive
    n = LogFloat(NAN)
    for other in (n, NAN, 1.0, LogFloat(1), INF):
        assert not (n == other) and n != other
        assert not (n < other or n <= other or n > other or n >= other)
    assert LogFloat("1e-5000") > 0 and LogFloat("-1e-5000") < 0 and LogFloat("1e-5000") < 5e-324
    assert LogFloat("1e400") > 10**399 and LogFloat("1e400") < 10**401
    assert LogFloat("1e-5000") < Decimal("1.0000001e-5000")
    assert LogFloat(10**5000) > 0.0 and max(LogFloat(3), 2, 2.5) == LogFloat(3)


def test_regression_logfloat_2_equals_2():
    assert LogFloat(2) == 2 and 2 == LogFloat(2) and hash(LogFloat(2)) == hash(2)


def test_hash_consistent_with_eq():
    for v in (0, 1, -1, INF, -INF):
        assert hash(LogFloat(v)) == hash(v) == hash(float(v))
    assert hash(LogFloat(Fraction(1))) == hash(Fraction(1)) == hash(Decimal(1))
    assert hash(LogFloat(2.5)) == hash(LogFloat("2.5"))
    d = {LogFloat(1): "one", LogFloat(0): "zero", LogFloat("1e-5000"): "tiny"}
    assert d[1] == "one" and d[1.0] == "one" and d[0] == "zero" and d[LogFloat("1e-5000")] == "tiny"
    assert len({LogFloat(1), 1, 1.0, LogFloat(0), 0}) == 2
    n = LogFloat(NAN)
    assert hash(n) == hash(n)


@given(logfloats, logfloats)
@settings(max_examples=100, deadline=None)
def test_hash_of_equal_values_is_equal(x, y):
    if x == y:
        assert hash(x) == hash(y)
    assert hash(x) == hash(LogFloat.from_log(x.log, x.sign))


def test_bool():
    assert not LogFloat(0) and LogFloat("1e-5000") and LogFloat(-1) and LogFloat(NAN) and LogFloat(INF)


@given(st.one_of(logfloats, st.sampled_from([ZERO, PINF, NINF, NANV, ONE])))
@settings(max_examples=100, deadline=None)
def test_pickle_and_copy(x):
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        assert same(pickle.loads(pickle.dumps(x, proto)), x)
    assert copy.copy(x) is x and copy.deepcopy(x) is x


# ---------------------------------------------------------------------------
# text


@given(st.one_of(logfloats, st.sampled_from([ZERO, PINF, NINF, NANV, ONE, -ONE])))
@settings(max_examples=300, deadline=None)
@example(LogFloat.from_log(1e-300))
@example(LogFloat.from_log(-1e-300, -1))
@example(LogFloat.from_log(700.0))
@example(LogFloat.from_log(1e300, -1))
@example(LogFloat.from_log(5e-324))
@example(LogFloat.from_log(709.7827128933841))  # just above the largest float
@example(LogFloat.from_log(709.7827128933841, -1))
def test_repr_round_trips_exactly(x):
    text = repr(x)
    back = eval(text, {"LogFloat": LogFloat})
    assert same(back, x)
    assert math.copysign(1.0, back.log) == math.copysign(1.0, x.log)


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (LogFloat("1.23e-5000"), "LogFloat('1.23e-5000')"),
        (LogFloat("-2.5e+300000"), "LogFloat('-2.5e+300000')"),
        (LogFloat(0.5), "LogFloat(0.5)"),
        (LogFloat("0.1"), "LogFloat('0.1')"),  # the decimal: not the float 0.1's LogFloat
        (LogFloat(0.1), "LogFloat(0.1)"),  # a float literal that reads back
        (LogFloat(3), "LogFloat(3.0)"),
        (LogFloat(-2.5), "LogFloat(-2.5)"),
        (LogFloat(0), "LogFloat(0.0)"),
        (LogFloat.from_log(1.1102230246251565e-16), "LogFloat('1.00000000000000011102230246251566')"),
        (LogFloat.from_log(1e300), "LogFloat.from_log(1e+300)"),
        (LogFloat("-inf"), "LogFloat('-inf')"),
        (LogFloat("nan"), "LogFloat('nan')"),
        (LogFloat.from_log(1e-300), "LogFloat.from_log(1e-300)"),
        (LogFloat.from_log(1e-300, -1), "LogFloat.from_log(1e-300, sign=-1)"),
    ],
)
def test_repr_examples(x, text):
    assert repr(x) == text


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (LogFloat("1e-5000"), "1e-5000"),
        (LogFloat("2.5e+300000"), "2.5e+300000"),
        (LogFloat("0.1"), "0.1"),
        (LogFloat(0.1), "0.10000000000000002"),  # the float 0.1 is above 0.1
        (LogFloat(-2.5), "-2.5"),
        (LogFloat(123456), "123456.0"),
        (LogFloat(0), "0.0"),
        (LogFloat("inf"), "inf"),
        (LogFloat("-inf"), "-inf"),
        (LogFloat("nan"), "nan"),
    ],
)
def test_str_examples(x, text):
    assert str(x) == text


@given(logfloats)
@settings(max_examples=200, deadline=None)
def test_str_is_shortest_round_trip(x):
    text = str(x)
    digits = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0").rstrip("0")
    assert len(digits) <= 17
    if logspace._text.shortest_digits(x.log, x.sign) is not None:
        assert same(LogFloat(text), x)


@pytest.mark.parametrize(
    ("x", "spec", "text"),
    [
        (LogFloat("1e-5000"), ".3e", "1.000e-5000"),
        (LogFloat("-1.23456e+300000"), ".2E", "-1.23E+300000"),
        (LogFloat("2.5e300000"), ".3g", "2.5e+300000"),
        (LogFloat("1234.5678"), ".2f", "1234.57"),
        (LogFloat("0.25"), ".1%", "25.0%"),
        (LogFloat("1e-5000"), ".2f", "0.00"),
        (LogFloat("-1234567.891"), "_.2f", "-1_234_567.89"),
        (LogFloat("1e-5000"), ">12.1e", "   1.0e-5000"),
        (LogFloat("1e-5000"), "", "1e-5000"),
    ],
)
def test_format_examples(x, spec, text):
    assert format(x, spec) == text
    assert f"{x:{spec}}" == text


@given(st.floats(1e-300, 1e300), st.sampled_from([".3e", ".10e", ".5g", ".2f", ".1%", "g", "e"]))
@settings(max_examples=200, deadline=None)
def test_format_agrees_with_float_in_range(v, spec):
    x = LogFloat(str(v))  # the LogFloat nearest to the shortest decimal of v
    assume(logspace._text.format_repr_argument(x.log, x.sign) is not None)
    # Positional formats of large values print every integer digit, and past
    # the 13th or so the LogFloat's exact value and the float's differ.
    assume(spec not in (".2f", ".1%") or v < 1e12)
    shortest = float(str(x))
    assert format(x, spec) == format(shortest, spec) or format(LogFloat(shortest), spec) == format(x, spec)


def test_format_bad_spec():
    with pytest.raises(ValueError):
        format(LogFloat(2), "d")


class _Printer:
    def __init__(self):
        self.out = ""

    def text(self, s):
        self.out += s


def test_ipython_hooks():
    x = LogFloat("1.2345e-5000")
    assert x._repr_latex_() == r"$1.23 \times 10^{-5000}$"
    assert x._repr_html_() == "1.23 &times; 10<sup>-5000</sup>"
    p = _Printer()
    x._repr_pretty_(p, False)
    assert p.out == "1.23 × 10^-5000"


# ---------------------------------------------------------------------------
# fsum and isclose


@given(st.lists(positive_logfloats, min_size=1, max_size=60))
@settings(max_examples=150, deadline=None)
def test_fsum_of_positives_has_logsumexp_accuracy(items):
    logs = [mpf(v.log) for v in items]
    with mpmath.workprec(PREC + 64):
        top = max(logs)
        exact = top + mpmath.log(mpmath.fsum(mpmath.exp(v - top) for v in logs))
    got = fsum(items)
    assert got.sign == 1
    assert ulps(got.log, exact, "log") <= 2.0


def exact_fsum(items):
    """(log, sign) of the exact sum of LogFloats; (None, 0) when it is zero."""
    counts = {}
    for v in items:
        counts[v.log] = counts.get(v.log, 0) + v.sign
    terms = [(log, c) for log, c in counts.items() if c]
    if not terms:
        return None, 0  # only equal logs with opposite signs cancel exactly
    top = max(log for log, _ in terms)
    with mpmath.workprec(3000):
        total = mpmath.fsum(c * mpmath.exp(mpf(log) - mpf(top)) for log, c in terms)
        return mpf(top) + mpmath.log(abs(total)), (1 if total > 0 else -1)


some_logfloats = st.lists(st.builds(LogFloat.from_log, moderate_logs, signs), min_size=1, max_size=30)


@given(some_logfloats, st.lists(st.builds(LogFloat.from_log, st.floats(-40.0, 40.0), signs), max_size=4), st.randoms())
@settings(max_examples=150, deadline=None)
def test_fsum_with_signs_within_4ulp(items, extra, rnd):
    # half of the items also appear negated (exact cancellation), plus a few
    # small terms that the cancelling parts must not swamp
    terms = items + [-v for v in items[: len(items) // 2]] + extra
    rnd.shuffle(terms)
    exact, sign = exact_fsum(terms)
    got = fsum(terms)
    if exact is None:
        assert same(got, ZERO)
    else:
        assert got.sign == sign
        assert ulps(got.log, exact, "log") <= 4.0


@pytest.mark.parametrize(
    "terms",
    [
        [LogFloat(1), LogFloat.from_log(33.99), LogFloat.from_log(33.99, -1)],
        [1, LogFloat("1e20"), LogFloat("-1e20")],
        [LogFloat("3e-5000"), LogFloat("-1e-5000"), LogFloat("-2e-5000")],
        [LogFloat(0.75), LogFloat(-0.5)],
    ],
)
def test_regression_fsum_parts_that_cancel(terms):
    # The positive and the negative part each round to the same log when
    # summed separately; fsum sums such close parts exactly instead.
    exact, sign = exact_fsum([t if isinstance(t, LogFloat) else LogFloat(t) for t in terms])
    got = fsum(terms)
    if exact is None:
        assert same(got, ZERO)
    else:
        assert got.sign == sign and ulps(got.log, exact, "log") <= 1.0


def test_fsum_beats_builtin_sum():
    # regression for the docstring's claim: sum() folds 9999 roundings
    terms = [LogFloat("1e-400")] * 10_000
    with mpmath.workprec(PREC):
        exact = mpf(terms[0].log) + mpmath.log(10_000)
    assert ulps(sum(terms).log, exact, "log") > 5
    assert ulps(fsum(terms).log, exact, "log") <= 1.0


def test_fsum_specials_and_plain_numbers():
    assert same(fsum([]), ZERO)
    assert same(fsum([LogFloat(1), -1]), ZERO)
    assert same(fsum([PINF, NINF]), NANV)
    assert same(fsum([NANV, ONE]), NANV)
    assert same(fsum([PINF, ONE]), PINF)
    assert str(fsum([LogFloat("3e-5000"), LogFloat("-1e-5000")])) == "2e-5000"
    assert same(fsum([0.5, 0.25, Fraction(1, 4)]), fsum([LogFloat.from_log(math.log(0.5)), LogFloat.from_log(math.log(0.25)), LogFloat(Fraction(1, 4))]))
    assert same(fsum(LogFloat(v) for v in [-2, -3]), fsum([LogFloat(-2), LogFloat(-3)]))


def test_isclose():
    x, y = LogFloat("1e-5000"), LogFloat("2e-5000")
    assert math.isclose(x, y)  # both are 0.0 as floats: what isclose fixes
    assert not isclose(x, y)
    assert isclose(x, LogFloat("1.0000000001e-5000"))
    assert not isclose(x, LogFloat("1.00000001e-5000"))
    assert isclose(x, LogFloat("1.00000001e-5000"), rel_tol=1e-7)
    assert isclose(LogFloat(0.1) * 3, 0.3)
    assert isclose(x, -x, abs_tol=LogFloat("3e-5000")) and not isclose(x, -x, abs_tol=LogFloat("1e-5000"))
    assert isclose(x, 0, abs_tol=LogFloat("1e-4999")) and not isclose(x, 0)
    assert isclose(PINF, INF) and not isclose(PINF, NINF) and not isclose(PINF, LogFloat("1e400"))
    assert not isclose(NANV, NANV) and isclose(ZERO, 0.0)
    assert isclose(LogFloat("1e400"), LogFloat("1.000000000001e400"))


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.sampled_from([1e-9, 1e-3, 0.0]), st.sampled_from([0.0, 1e-3]))
@settings(max_examples=300, deadline=None)
def test_isclose_agrees_with_math_in_float_range(a, b, rel_tol, abs_tol):
    x, y = LogFloat(a), LogFloat(b)
    # away from the tolerance boundary, where the values' last bits cannot matter
    diff, bound = abs(a - b), max(rel_tol * max(abs(a), abs(b)), abs_tol)
    assume(a == b or abs(diff - bound) > 1e-6 * max(diff, bound))
    assume((x == y) == (a == b))  # distinct floats can share one stored log
    assert isclose(x, y, rel_tol=rel_tol, abs_tol=abs_tol) == math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)


def test_package_exports():
    assert logspace.LogFloat is LogFloat and logspace.fsum is fsum and logspace.isclose is isclose
    assert {"LogFloat", "fsum", "isclose"} <= set(logspace.__all__)


def test_decimal_subclass_exponent_is_taken_as_a_decimal():
    # _real() used to pass a Decimal subclass through unconverted, and ** then
    # asked it for a denominator.
    class MyDecimal(Decimal):
        pass

    assert LogFloat(2) ** MyDecimal(2) == LogFloat(2) ** Decimal(2)


# ---------------------------------------------------------------------------
# the plain-number rule: v stands for LogFloat(v), on either side

NUMPY_REAL_TYPES = [
    np.float16, np.float32, np.float64, np.longdouble,
    np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64, np.bool_,
]  # fmt: skip


def numpy_scalar(draw_type, value):
    t = draw_type
    if t is np.bool_:
        return np.bool_(value != 0)
    if issubclass(t, np.integer):
        info = np.iinfo(t)
        return t(min(max(int(value), info.min), info.max))
    with np.errstate(over="ignore"):
        return t(value)


numpy_scalars = st.builds(
    numpy_scalar, st.sampled_from(NUMPY_REAL_TYPES), st.floats(-1e30, 1e30, allow_nan=False)
).filter(lambda v: np.isfinite(v))
all_plain = st.one_of(plain_numbers, numpy_scalars, st.booleans(), numpy_scalars.map(np.asarray))
OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv]


@given(st.builds(LogFloat.from_log, moderate_logs, signs), all_plain)
@settings(max_examples=300, deadline=None)
def test_plain_number_stands_for_its_logfloat_in_both_orders(x, v):
    lv = LogFloat(v)
    for op in OPERATORS:
        for left, right, as_logfloats in ((x, v, (x, lv)), (v, x, (lv, x))):
            try:
                expected = op(*as_logfloats)
            except ZeroDivisionError:
                with pytest.raises(ZeroDivisionError):
                    op(left, right)
                continue
            got = op(left, right)
            assert type(got) is LogFloat and same(got, expected), (op, left, right)
    for op in (operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge):
        assert bool(op(x, v)) == op(x, lv) and bool(op(v, x)) == op(lv, x)


@given(st.builds(LogFloat.from_log, moderate_logs, signs), all_plain)
@settings(max_examples=200, deadline=None)
def test_mixed_operations_commute_bit_for_bit(x, v):
    assert same(x * v, v * x) and same(x + v, v + x)
    assert same(x - v, -(v - x))


@given(all_plain)
@settings(max_examples=300, deadline=None)
def test_logfloat_of_a_plain_number_equals_it(v):
    x = LogFloat(v)
    assert x == v and v == x and not x != v and x <= v and v >= x
    if isinstance(v, (float, np.floating)) and np.finfo(type(v)).bits <= 64:
        assert same(x, LogFloat(float(v)))  # the float's exact value


def test_regression_float32_scalar_on_the_left_is_not_computed_in_float32():
    left = np.float32(0.5) * LogFloat(0.25)
    right = LogFloat(0.25) * np.float32(0.5)
    assert type(left) is LogFloat and same(left, right) and left == 0.125
    assert repr(left) == "LogFloat(0.125)"
    assert same(np.float16(3) + LogFloat(1), LogFloat(3) + LogFloat(1))
    assert same(np.asarray(np.float32(2)) * LogFloat(3), LogFloat(6))


def test_regression_numpy_float64_equality_agrees_in_both_orders():
    assert (np.float64(0.1) == LogFloat(0.1)) and (LogFloat(0.1) == np.float64(0.1))
    assert not (np.float64(0.1) == LogFloat("0.1")) and not (LogFloat("0.1") == np.float64(0.1))
    items = [np.float64(0.1), LogFloat(0.1), LogFloat("0.1"), 0.2, LogFloat(0.05), np.float64(0.3), Fraction(1, 7)]
    for order in (items, items[::-1], items[2:] + items[:2]):
        result = sorted(order)
        assert all(a <= b for a, b in zip(result, result[1:]))
        assert [LogFloat(v) for v in result] == sorted(LogFloat(v) for v in items)


def test_equality_with_plain_numbers_is_not_transitive():
    a, b = 3.0, 3.0000000000000004  # two floats, one LogFloat
    assert LogFloat(a) == b and LogFloat(a) == a and a != b
    assert LogFloat(np.float32(0.1)) != LogFloat(0.1)  # float32's 0.1 is its exact value


def test_regression_decimal_operand_mixes():
    x = LogFloat(2)
    assert same(x * Decimal("0.5"), x * LogFloat(Decimal("0.5"))) and x * Decimal("0.5") == 1
    assert same(Decimal("1e-5000") * x, LogFloat("2e-5000"))
    assert x > Decimal("1.5") and Decimal("2") == x


def test_regression_longdouble_operand_gives_float64_logs():
    v = np.longdouble(1) / np.longdouble(3)
    x = LogFloat(v)
    assert type(x.log) is float
    assert x.log == float(exact_log_abs(Fraction(*v.as_integer_ratio())))  # its exact value's log
    for got in (v * LogFloat(2), LogFloat(2) * v, np.multiply(v, LogFloat(2))):
        assert type(got) is LogFloat and type(got.log) is float and same(got, x * 2)


def test_regression_to_decimal_beyond_decimal_exponents_raises_overflow():
    with pytest.raises(OverflowError, match="Decimal"):
        LogFloat.from_log(3e18).to_decimal()
    with pytest.raises(OverflowError, match="Decimal"):
        LogFloat.from_log(-1e300).to_decimal()
    assert LogFloat.from_log(1e-300).to_decimal() != Decimal(1)
    assert LogFloat(LogFloat.from_log(1e-300).to_decimal()) == LogFloat.from_log(1e-300)


@given(all_plain)
@settings(max_examples=300, deadline=None)
def test_hash_rule(v):
    x = LogFloat(v)
    try:
        f = float(x)
    except OverflowError:
        f = None
    if f is not None and f != 0.0 and LogFloat(f) == x:
        assert hash(x) == hash(f)
        exact = Fraction(*v.as_integer_ratio()) if isinstance(v, np.floating) else v
        if not isinstance(v, np.ndarray) and f == exact:  # v's exact value
            assert hash(x) == hash(v)
    elif x.sign:
        assert hash(x) == hash(x.to_decimal())
    assert hash(x) == hash(LogFloat.from_log(x.log, x.sign))


@given(st.builds(LogFloat.from_log, finite_logs, signs))
@settings(max_examples=200, deadline=None)
def test_hash_of_values_beyond_float_range_is_that_of_the_shown_decimal(x):
    if not math.isfinite(x.log) or abs(x.log) < 700 or abs(x.log) > 1e15:
        return
    try:
        f = float(x)
    except OverflowError:
        f = 0.0
    if f == 0.0:
        assert hash(x) == hash(x.to_decimal())
        if abs(x.log) < 1e4:  # a Fraction of 10**(|log| / 2.3) digits: only where that is cheap
            assert hash(x) == hash(Fraction(x.to_decimal()))


def test_regression_repr_and_hash_just_above_the_largest_float():
    x = LogFloat.from_log(709.7827128933841)
    with pytest.raises(OverflowError):
        float(x)
    assert same(eval(repr(x), {"LogFloat": LogFloat}), x)
    assert hash(x) == hash(x.to_decimal())


def test_regression_hash_of_int_is_hash_of_the_int():
    for k in (2, 3, 1000, 10**12, -7):
        assert hash(LogFloat(k)) == hash(k)
    assert hash(LogFloat("1e-5000")) == hash(Decimal("1e-5000"))
    assert {LogFloat(2): "two"}[2] == "two"


def test_regression_ufuncs_on_scalars_use_the_scalar_rule():
    assert np.equal(np.float64(0.1), LogFloat(0.1)) and type(np.less(1, LogFloat(2))) is np.bool_
    assert same(np.maximum(np.float32(0.5), LogFloat(0.25)), LogFloat(0.5))
    assert np.minimum(LogFloat(NAN), 1).isnan() and same(np.fmin(LogFloat(NAN), 1), LogFloat(1))
    assert same(np.power(np.float32(2), LogFloat(3)), LogFloat(2) ** LogFloat(3))
    assert same(np.power(LogFloat(-2), np.int64(3)), LogFloat(-8))
    assert isinstance(np.log(LogFloat(2)), np.floating)  # other ufuncs: the array layer
    assert type(np.array([1.0, 2.0]) * LogFloat(2)).__name__ == "LogArray"


def test_types_import_nothing_from_the_array_layer():
    import ast
    import inspect

    from logspace import _scalar

    tree = ast.parse(inspect.getsource(_scalar))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    assert not {n for n in names if "_array" in n or "_numpy_api" in n}


# ---------------------------------------------------------------------------
# mpmath's global context is never touched


def test_regression_subtraction_leaves_mpmath_precision_alone():
    a, b = LogFloat.from_log(25.140083041126786), LogFloat.from_log(25.140083041097544)
    for prec in (20, 53, 300):
        with mpmath.workprec(prec):
            d = a - b  # takes the exact fallback
            assert mpmath.mp.prec == prec
        assert d.log == 0.8846811672074341


def test_regression_subtraction_beside_a_thread_using_mpmath():
    import threading

    a, b = LogFloat.from_log(25.140083041126786), LogFloat.from_log(25.140083041097544)
    stop = threading.Event()
    seen: list[int] = []

    def use_mpmath():
        while not stop.is_set():
            with mpmath.workprec(20):
                seen.append(mpmath.mp.prec)

    thread = threading.Thread(target=use_mpmath)
    thread.start()
    try:
        results = {(a - b).log for _ in range(2000)}
    finally:
        stop.set()
        thread.join()
    assert results == {0.8846811672074341}
    assert set(seen) == {20}


# ---------------------------------------------------------------------------
# repr, round trips and notebook display


@given(st.one_of(all_plain, st.builds(LogFloat.from_log, finite_logs, signs)))
@settings(max_examples=300, deadline=None)
def test_repr_reads_back_and_float_literals_are_shortest(v):
    x = LogFloat(v)
    text = repr(x)
    assert same(eval(text, {"LogFloat": LogFloat}), x)
    argument = text[len("LogFloat(") : -1]
    if not text.startswith("LogFloat.from_log") and not argument.startswith("'") and x.sign:
        f = float(argument)
        assert LogFloat(f) == x and float(x) == f  # the float the repr shows is float(x)


def test_repr_of_values_near_one_is_decimal():
    x = LogFloat.from_log(1.1102230246251565e-16)  # the sum of a normalised distribution
    assert repr(x) == "LogFloat('1.00000000000000011102230246251566')"
    assert repr(LogFloat.from_log(1e300)) == "LogFloat.from_log(1e+300)"  # compact, no 300-digit exponent
    assert repr(LogFloat.from_log(-1e-300, -1)) == "LogFloat.from_log(-1e-300, sign=-1)"


def test_repr_latex():
    assert LogFloat("1.5e-5000")._repr_latex_() == r"$1.5 \times 10^{-5000}$"
    assert LogFloat(0.25)._repr_latex_() == "$0.25$"


def test_format_with_precision_and_to_mpmath_give_the_stored_value():
    x = LogFloat(0.1)  # stored value e**log(0.1 float), not the float 0.1
    with mpmath.workprec(200):
        exact = mpmath.exp(mpf(x.log))
        assert mpmath.mpf(x) == +exact
        assert format(x, ".25e") == mpmath.nstr(exact, 26, min_fixed=1, max_fixed=0, strip_zeros=False).replace(
            "e-", "e-0"
        )


def test_int_of_a_million_digits():
    assert int(LogFloat("1e99999")) == 10**99999
    assert int(LogFloat("-1.5e5000")) == -15 * 10**4999


def test_zero_converts_to_decimal_and_fraction():
    """Regression: the range checks of to_decimal/to_fraction refused zero (log -inf)."""
    assert LogFloat(0).to_decimal() == 0
    assert LogFloat(-0.0).to_fraction() == 0
    assert LogFloat(0).to_fraction() == Fraction(0)


def test_logfloat_is_a_0d_duck_array_but_not_iterable():
    # xarray keeps a full reduction's LogFloat only as a duck array; matplotlib's np.iterable(x)
    # must still say it is a scalar (x[()] must not make it iterable through __getitem__).
    x = LogFloat("1e-5000")
    assert (x.shape, x.ndim, x.size, x.dtype) == ((), 0, 1, np.dtype(np.float64))
    assert x[()] is x and x[...] is x and x.item() is x and x.real is x and x.imag == 0
    assert not np.iterable(x)
    with pytest.raises(TypeError, match="not iterable"):
        iter(x)
    with pytest.raises(TypeError, match=r"x\[\(\)\]"):
        x[0]
    held = np.asarray(x)  # no trip through linear values (1e-5000 would be 0.0)
    assert held.dtype == object and held.shape == () and held[()] is x
    assert np.asarray(LogFloat(0.5), dtype=float) == 0.5
    assert type(np.sum(x)) is LogFloat and np.sum(x) == x
    a = logspace.LogArray(["1e-5000", "3e-5000"])
    assert np.where([True, False], a, x).tolist() == [a[0], x]  # beside a LogArray: the LogArray's rule
