"""Decimal text for (log, sign) pairs: exact parsing, correctly rounded formatting.

A number is a pair ``(log, sign)``: ``log`` is a float64 holding ``log|x|``
and ``sign`` is -1, 0 or 1.  Zero is ``(-inf, 0)``, infinities are
``(inf, +-1)`` and nan is ``(nan, 1)``.  A finite nonzero pair stands for the
exact value ``sign * e**log`` with ``log`` read as the exact binary value of
the float, so ``1e-5000`` and ``10**300000`` are ordinary values.

Everything here is exact: parsing returns the correctly rounded log of the
exact decimal, and every digit printed is the correctly rounded digit of the
exact value.  Both use Ziv's strategy: compute with mpmath's low-level
``libmp`` functions at a precision with a proven error bound, and retry with
more precision when that bound straddles a rounding boundary.  ``libmp``
takes the precision as an argument, so no global mpmath state is touched and
the functions are thread-safe.  Both loops terminate because a rounding
boundary (a float64 or a short decimal) is rational while ``log(q)`` for
rational ``q != 1`` and ``e**log`` for ``log != 0`` are transcendental.

Non-canonical pairs are read leniently: a nan log is nan whatever the sign,
``sign == 0`` or ``log == -inf`` is zero, and ``log == inf`` with a nonzero
sign is an infinity.
"""

from __future__ import annotations

import math
import operator
import re
import unicodedata
from decimal import Decimal

import numpy as np
from mpmath import libmp

from logspace import _native
from logspace._kernels_scalar import exp_cr, log_cr

__all__ = [
    "decimal_digits",
    "float_of_log",
    "format_html",
    "format_latex",
    "format_pretty",
    "format_repr_argument",
    "format_spec",
    "format_str",
    "has_shorter_decimal",
    "decimal_hash",
    "exact_decimal",
    "log_of_decimal",
    "log_of_fraction",
    "log_of_int",
    "parse_decimal",
    "shortest_digits",
]

_GUARD_BITS = 64
_BITS_PER_DIGIT = math.log2(10)
_LOG10_2 = math.log10(2)
_LN10 = math.log(10.0)
# Correctly rounded digits cost mpmath time that grows faster than linearly:
# 30,000 digits take about a second on a slow machine (100,000 took 14 s).
# Beyond that, formatting (e.g. 'f' of 1e50000) is refused rather than left
# to run for minutes. Parsing and int() are not limited by this.
_MAX_DIGITS = 30_000
# A decade beyond this has |log| > 2.3e308, past the largest float64.
_MAX_DECADE = 10**308
# _shortest derives its 1..30-digit candidates from one rounding this
# long; see _shortest.
_REFERENCE_DIGITS = 50
# str() shows at most as many digits as a float's repr; repr() may show more,
# since a small |log| pins the value down to more than 17 digits (log = 0.001
# needs about 20), but beyond this it falls back to LogFloat.from_log.
_STR_DIGITS = 17
_REPR_DIGITS = 40
# repr writes from_log where the decimal exponent would need more digits.
_REPR_MAX_EXPONENT = 10**15
# Decimals longer than this are read from their first _PREFIX_DIGITS digits
# and whether any later digit is nonzero; ints longer than _PREFIX_BITS bits
# from their top bits likewise. That brackets the value within a relative
# 1e-59 (2**-255), which decides the rounding of its log unless the log lies
# that close to a rounding boundary; only then are all digits read.
_PREFIX_DIGITS = 60
_PREFIX_BITS = 256
# An exponent of more digits puts |log| far beyond the largest float, whatever
# the mantissa's length (a string's length is below 10**20).
_MAX_EXPONENT_DIGITS = 330
# Error messages quote at most this many characters of the input.
_QUOTE = 80

_SPECIAL = re.compile(r"([-+]?)(inf|infinity|nan)", re.IGNORECASE)
# decimal.Decimal's grammar, applied after removing underscores as Decimal
# does; \d is Unicode-aware, like Decimal.
_FINITE = re.compile(r"([-+]?)(?=\d|\.\d)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?")
_SPEC = re.compile(
    r"(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[-+ ])?(?P<z>z)?(?P<alt>\#)?"
    r"(?P<zero>0)?(?P<width>\d+)?(?P<grouping>[,_])?(?:\.(?P<precision>\d+))?"
    r"(?P<type>.)?",
    re.DOTALL,
)
_ROUND_NEAREST = libmp.round_nearest
_ROUND_FLOOR = libmp.round_floor


# ---------------------------------------------------------------------------
# exact helpers


def _int_from_digits(digits: str) -> int:
    # int(str) refuses more than sys.get_int_max_str_digits() digits; Decimal
    # has no such limit and also reads non-ASCII decimal digits.
    return int(Decimal(digits))


def _digits_of_int(n: int) -> str:
    # str(int) has the same digit limit as int(str); str(Decimal) does not.
    return str(n) if n.bit_length() < 10_000 else str(Decimal(n))


def _bracket(y: tuple, rel_exp: int) -> tuple[int, int, int]:
    """Integers lo, hi, e with lo * 2**e <= |y| * (1 -+ 2**rel_exp) <= hi * 2**e."""
    _, man, exp, bc = y
    # mpf mantissas drop trailing zero bits; widen so the error is resolvable.
    pad = max(0, 2 - rel_exp - bc)
    man = int(man) << pad
    err = (man >> -rel_exp) + 1
    return man - err, man + err, exp - pad


def _exact_to_float(man: int, exp: int) -> float:
    """man * 2**exp (man >= 0) rounded to nearest float64; inf on overflow."""
    try:
        # int -> float and int / int are correctly rounded, subnormals included.
        return float(man << exp) if exp >= 0 else man / (1 << -exp)
    except OverflowError:
        return math.inf


def _round_half_up(man: int, exp: int) -> int:
    """floor(man * 2**exp + 1/2)."""
    if exp >= 0:
        return man << exp
    return (man + (1 << (-exp - 1))) >> -exp


# ---------------------------------------------------------------------------
# core: correctly rounded log of a positive rational times a power of ten


def _log_of_ratio(num: int, den: int, exp10: int) -> float:
    """Correctly rounded ``ln(num * 10**exp10 / den)`` for positive ``num, den``."""
    decade = exp10 + math.floor((num.bit_length() - den.bit_length()) * _LOG10_2)
    if abs(decade) > _MAX_DECADE:
        return math.inf if decade > 0 else -math.inf
    # Write the value as (a / b) * 10**decade with a / b in [10**-0.5, 10**0.5):
    # then log(a / b) and decade * ln(10) cannot cancel unless decade == 0.
    while True:
        shift = exp10 - decade
        a = num * 10**shift if shift > 0 else num
        b = den * 10**-shift if shift < 0 else den
        if 10 * a * a < b * b:
            decade -= 1
        elif a * a >= 10 * b * b:
            decade += 1
        else:
            break
    if decade == 0 and a == b:
        return 0.0
    prec = 53 + _GUARD_BITS
    while True:
        if decade == 0:
            # log(a / b) ~ (a - b) / b: the input needs as many extra bits as
            # the cancellation loses (mpf_log itself compensates internally).
            cancel = max(0, b.bit_length() - abs(a - b).bit_length())
            ratio = libmp.from_rational(a, b, prec + cancel + 8, _ROUND_NEAREST)
            y = libmp.mpf_log(ratio, prec, _ROUND_NEAREST)
        else:
            ratio = libmp.from_rational(a, b, prec, _ROUND_NEAREST)
            shifted = libmp.mpf_mul(
                libmp.from_int(decade, prec, _ROUND_NEAREST),
                libmp.mpf_ln10(prec, _ROUND_NEAREST),
                prec,
                _ROUND_NEAREST,
            )
            y = libmp.mpf_add(
                libmp.mpf_log(ratio, prec, _ROUND_NEAREST), shifted, prec, _ROUND_NEAREST
            )
        # Both branches are within 16 ulps at prec (relative to |y|): the
        # operands are well separated in the second, and the input carries
        # the cancelled bits in the first.
        lo, hi, e = _bracket(y, 4 - prec)
        low, high = _exact_to_float(lo, e), _exact_to_float(hi, e)
        if low == high:
            return -low if y[0] else low
        prec *= 2


_LD_ZERO = np.longdouble(0)
_POWERS = [10**k for k in range(26)]
_LD_USABLE = np.finfo(np.longdouble).nmant >= 63
# Relative error bound of numpy's long double log and exp (a couple of its
# ulps), with a margin; the same trust as in _kernels_scalar.
_LD_TRUST = 16.0 * float(np.finfo(np.longdouble).eps)
_ld_log = np.log
_ld_exp = np.exp
_TINY = 2.2250738585072014e-308
_HUGE = 1.7976931348623157e308


def _log_fast(num: int, den: int) -> float | None:
    """Correctly rounded ``ln(num / den)``, from a long double estimate; None if undecided.

    For positive ints whose quotient is a normal float. The quotient's float
    ``f`` is correctly rounded (int / int is), and ``num / den = f (1 + delta)``
    with ``|delta| <= 2**-53`` known exactly as a rational, so
    ``ln(num / den) = ln f + delta - delta**2 / 2 ...``: the long double log of
    ``f`` plus ``delta`` is within ``_LD_TRUST`` (relative) plus ``2**-104``
    of the exact log, which decides the float64 rounding unless it lies that
    close to a midpoint between two floats.
    """
    if not _LD_USABLE:
        return None
    try:
        f = num / den
    except OverflowError:
        return None
    if not _TINY <= f <= _HUGE:
        return None
    n, d = f.as_integer_ratio()
    delta = (num * d - n * den) / (n * den)
    estimate = _ld_log(f + _LD_ZERO) + delta
    near = float(estimate)
    if 0.5 * math.ulp(near) - abs(float(estimate - near)) > _LD_TRUST * abs(near) + 2.0**-104:
        return near
    return None


def _log_exact(num: int, den: int, exp10: int) -> float:
    """Correctly rounded ``ln(num * 10**exp10 / den)`` for positive ints: fast path, else exact."""
    if num.bit_length() < 4000 and den.bit_length() < 4000 and -330 < exp10 < 330:
        if exp10 >= 0:
            found = _log_fast(num * 10**exp10, den)
        else:
            found = _log_fast(num, den * 10**-exp10)
        if found is not None:
            return found
    return _log_of_ratio(num, den, exp10)


def _log_scaled_by_two(num: int, den: int, exp2: int) -> float:
    """Correctly rounded ``ln(num / den * 2**exp2)`` for positive ints of at most a few hundred bits.

    For values far from 1 (the caller's values are beyond 2**+-200), whose
    log does not cancel: Ziv's strategy with libmp at rising precision.
    """
    prec = 53 + _GUARD_BITS + int(abs(exp2)).bit_length()
    while True:
        wp = prec + 8
        ratio = libmp.from_rational(num, den, wp, _ROUND_NEAREST)
        y = libmp.mpf_add(
            libmp.mpf_log(ratio, wp, _ROUND_NEAREST),
            libmp.mpf_mul(libmp.from_int(exp2), libmp.mpf_ln2(wp, _ROUND_NEAREST), wp, _ROUND_NEAREST),
            prec,
            _ROUND_NEAREST,
        )
        lo, hi, e = _bracket(y, 4 - prec)
        low, high = _exact_to_float(lo, e), _exact_to_float(hi, e)
        if low == high:
            return -low if y[0] else low
        prec *= 2


def _top_bits(n: int) -> tuple[int, int, bool]:
    """(top, shift, inexact): ``top * 2**shift <= n < (top + 1) * 2**shift``, top of _PREFIX_BITS bits."""
    shift = n.bit_length() - _PREFIX_BITS
    top = n >> shift
    return top, shift, bool(n & ((1 << shift) - 1))


def _log_of_big_ratio(num: int, den: int) -> float:
    """Correctly rounded ``ln(num / den)`` in time linear in the size of the ints.

    Long ints are cut to their top _PREFIX_BITS bits, which brackets the
    quotient between two short rationals; when the logs of both ends round
    to the same float, so does the log of the quotient between them (the
    rounding is monotonic). Otherwise, astronomically rarely for values
    that are not built to hit a boundary, the exact quotient is used.
    """
    ends = []
    parts = []
    for n in (num, den):
        if n.bit_length() > _PREFIX_BITS:
            parts.append(_top_bits(n))
        else:
            parts.append((n, 0, False))
    (tn, sn, xn), (td, sd, xd) = parts
    shift = sn - sd
    lows = (tn, td + 1 if xd else td)
    highs = (tn + 1 if xn else tn, td)
    for a, b in (lows, highs):
        if abs(shift) < 1000:
            # near 1 the log may cancel: exact short rationals
            if shift >= 0:
                ends.append(_log_exact(a << shift, b, 0))
            else:
                ends.append(_log_exact(a, b << -shift, 0))
        else:
            ends.append(_log_scaled_by_two(a, b, shift))
        if not (xn or xd):
            return ends[0]
    if ends[0] == ends[1]:
        return ends[0]
    near_one = _log_near_one(num, den)
    if near_one is not None:
        return near_one
    return _log_of_ratio(num, den, 0)


def _log_near_one(num: int, den: int) -> float | None:
    """``ln(num / den)`` for a quotient within 2**-80 of 1, in linear time; None if undecided.

    There ``ln(1 + x) = x - x**2 / 2 + ...`` rounds as ``x`` does unless
    ``x`` lies within ``x**2`` of a rounding boundary; ``x = (num - den) / den``
    and its position between the boundaries are quotients of ints that
    Python divides in linear time (the quotients are short).
    """
    diff = num - den
    if diff.bit_length() + 80 > den.bit_length():
        return None
    fx = diff / den  # correctly rounded
    if fx == 0.0 and abs(diff) << 1076 < den:
        return 0.0  # |ln(1 + x)| <= 2|x| < 2**-1075 rounds to zero
    unit = math.ulp(fx)
    p, q = fx.as_integer_ratio()  # q a power of two
    # x - fx in ulps: (diff * q - p * den) / (den * q * unit), unit = 2**k
    m, k = math.frexp(unit)  # unit = 0.5 * 2**k
    scale = q << (k - 1) if k >= 1 else q
    top = diff * q - p * den
    offset = top / (den * scale) if k >= 1 else top * (1 << (1 - k)) / (den * q)
    if 0.5 - abs(offset) > 4.0 * fx * (fx / unit):
        return fx + 0.0
    return None


def _signed_log(num: int, den: int, exp10: int) -> tuple[float, int]:
    """(log, sign) of ``num * 10**exp10 / den`` for ``den > 0``, canonical."""
    if num == 0:
        return -math.inf, 0
    a = abs(num)
    if exp10 == 0 and (a.bit_length() > _PREFIX_BITS or den.bit_length() > _PREFIX_BITS):
        log = _log_of_big_ratio(a, den)
    else:
        log = _log_exact(a, den, exp10) + 0.0  # + 0.0: -0.0 (just below 1) is 0.0
    if log == -math.inf:
        # |value| < e**-1.8e308: the log underflows, so the number is zero.
        return -math.inf, 0
    return log, (1 if num > 0 else -1)


# ---------------------------------------------------------------------------
# core: correctly rounded decimal digits of e**log


def _decade(x: tuple, mag: int) -> int:
    """floor(log10(e**x)) for the exact finite nonzero mpf ``x``; |x| < 2**mag, mag >= 2."""
    guard = _GUARD_BITS
    while True:
        prec = mag + guard
        ln10 = libmp.mpf_ln10(prec, _ROUND_NEAREST)
        e10 = int(libmp.to_int(libmp.mpf_div(x, ln10, prec, _ROUND_FLOOR), _ROUND_FLOOR))
        frac = _reduce(x, e10, prec)
        if libmp.mpf_sign(frac) < 0:
            e10 -= 1
            frac = libmp.mpf_add(frac, ln10, prec, _ROUND_NEAREST)
        elif libmp.mpf_ge(frac, ln10):
            e10 += 1
            frac = libmp.mpf_sub(frac, ln10, prec, _ROUND_NEAREST)
        # frac = x - e10*ln10 is off by at most 2**(mag + 3 - prec); accept
        # e10 once frac is that far (twice, for the comparisons' own
        # rounding) inside [0, ln10).
        tol = libmp.from_man_exp(1, mag + 4 - prec)
        if libmp.mpf_gt(frac, tol) and libmp.mpf_lt(
            libmp.mpf_add(frac, tol, prec, _ROUND_NEAREST), ln10
        ):
            return e10
        guard *= 2


def _reduce(x: tuple, e10: int, prec: int) -> tuple:
    """x - e10 * ln(10) at precision prec."""
    ln10 = libmp.mpf_ln10(prec, _ROUND_NEAREST)
    return libmp.mpf_sub(
        x, libmp.mpf_mul(libmp.from_int(e10), ln10, prec, _ROUND_NEAREST), prec, _ROUND_NEAREST
    )


def _round_decimal(
    log: float, *, digits: int | None = None, quantum: int | None = None
) -> tuple[int, int]:
    """Round ``e**log`` (finite ``log``) to nearest on a decimal grid.

    Returns ``(d, q)`` with ``d * 10**q`` the nearest multiple of ``10**q``,
    where ``q = E - digits + 1`` for ``E = floor(log10(e**log))`` (then
    ``d`` has ``digits`` digits, or is ``10**digits`` after a carry), or
    ``q = quantum`` (then ``d`` may be 0).
    """
    x = libmp.from_float(log)
    mag = max(math.frexp(abs(log))[1], 2)
    e10 = _decade(x, mag) if log else 0
    if digits is not None:
        q = e10 - digits + 1
    elif quantum is not None:
        q = quantum
    else:
        raise TypeError("_round_decimal needs digits or quantum")
    n = e10 - q + 1  # significant digits kept
    if n > _MAX_DIGITS:
        raise OverflowError(f"the result would need {n} digits (the limit is {_MAX_DIGITS})")
    if n < 0:
        # e**log < 10**(e10 + 1) <= 10**(q - 1): less than a tenth of 10**q
        return 0, q
    if not log:
        # e**0 == 1 exactly, the one rational value
        return 10**-q if q <= 0 else 0, q
    guard = _GUARD_BITS
    while True:
        prec = mag + guard + math.ceil(n * _BITS_PER_DIGIT) + 8
        # The reduced argument is off by at most 2**(mag + 3 - prec) (see
        # _decade), so with exp's and the product's rounding the result is
        # within 2**(mag + 4 - prec) relative; bracket twice that.
        scaled = libmp.mpf_exp(_reduce(x, e10, prec), prec, _ROUND_NEAREST)
        if n >= 1:
            scaled = libmp.mpf_mul(scaled, libmp.from_int(10 ** (n - 1)), prec, _ROUND_NEAREST)
        else:
            scaled = libmp.mpf_div(scaled, libmp.from_int(10), prec, _ROUND_NEAREST)
        lo, hi, e = _bracket(scaled, mag + 5 - prec)
        d = _round_half_up(lo, e)
        if d == _round_half_up(hi, e):
            return d, q
        guard *= 2


def _shortest(log: float, max_digits: int = _STR_DIGITS) -> tuple[int, int] | None:
    """The shortest ``d * 10**q`` (at most ``max_digits``) that parses back to ``log``.

    Of the shortest such decimals, the nearest to ``e**log``. The values
    whose correctly rounded log is ``log`` form an interval around
    ``c = e**log``, about ``ulp(log)`` wide (relative); so if some n-digit
    decimal parses back, the n-digit decimal just below or just above ``c``
    does, and the nearer of the two that do is the answer. Only candidates
    within the interval's reach are parsed.
    """
    if _LD_USABLE and -708.0 < log < 709.0:
        if _c_shortest is not None:
            compiled = _c_shortest(log, max_digits)
            if compiled is not False:
                return compiled
        found = _shortest_fast(log, max_digits)
        if found is not _UNDECIDED:
            return found  # type: ignore[return-value]
    return _shortest_exact(log, max_digits)


_UNDECIDED = object()
# The compiled twin of _shortest_fast without its exact checks
# (logspace/_c_convert.c): (d, q), None, or False where it cannot decide.
_c_convert = _native.load("_c_convert") if _LD_USABLE else None
_c_shortest = getattr(_c_convert, "shortest_decimal", None)
_FAST_DIGITS = 25  # digits of the long double reference; its error is a few units in the 18th


def _shortest_fast(log: float, max_digits: int) -> object:
    """:func:`_shortest` for logs in float range from a long double ``e**log``; _UNDECIDED where unsure.

    The estimate is within ``_LD_TRUST`` (relative) of ``c``, so each
    candidate's distance from ``c`` is known to ``err`` units; where that
    leaves the order of two readable candidates open, the exact path decides.
    """
    estimate = _ld_exp(log + _LD_ZERO)
    high = float(estimate)
    low = float(estimate - high)  # exact: the long double is high + low
    # high + low = num / 2**shift exactly (the denominators are powers of two)
    a1, b1 = high.as_integer_ratio()
    a2, b2 = low.as_integer_ratio()
    den = max(b1, b2)
    num = a1 * (den // b1) + a2 * (den // b2)
    shift = den.bit_length() - 1
    k = _FAST_DIGITS - 1 - math.floor(math.log10(high))
    for _ in range(3):
        ref = (num * _POWERS_OF_TEN[k]) >> shift if k >= 0 else num // (_POWERS_OF_TEN[-k] << shift)
        if ref < _POWERS_25[0]:
            k += 1
        elif ref >= _POWERS_25[1]:
            k -= 1
        else:
            break
    else:
        return _UNDECIDED
    err = _LD_TRUST * ref + 2.0
    reach = 0.5001 * math.ulp(log) * ref * (1.0 + 2.0 * _LD_TRUST) + 1.0 + err
    # A candidate nearer than ``inside`` to ref is nearer than half the gap
    # to either neighbour of ``log`` (relative to c, within err of ref), so
    # its log rounds to ``log`` with no exact check; log(1 + x) ~ x, with
    # the factor's margin for x**2 and the err * half term.
    half = 0.5 * min(log - math.nextafter(log, -math.inf), math.nextafter(log, math.inf) - log)
    inside = half * ref * (1.0 - 1e-6) - err - 1.0

    def reads_back(dist: int, d: int, q: int) -> bool:
        return dist < inside or _log_exact(d, 1, q) == log

    last = min(max_digits, 17)
    # Whether some n-digit decimal lies within reach is monotonic in n (a
    # finer grid has a point at least as near): bisect for the first n.
    first, top = 1, last + 1
    while first < top:
        mid = (first + top) // 2
        unit = _POWERS[_FAST_DIGITS - mid]
        rest = ref % unit
        if reach < rest < unit - reach:
            first = mid + 1
        else:
            top = mid
    for n in range(first, last + 1):
        unit = _POWERS[_FAST_DIGITS - n]
        rest = ref % unit
        lo = ref - rest
        candidates = [(rest, lo), (unit - rest, lo + unit)]
        if rest <= err:
            candidates.append((unit + rest, lo - unit))
        if unit - rest <= err:
            candidates.append((2 * unit - rest, lo + 2 * unit))
        near = sorted(c for c in candidates if c[0] <= reach)
        if not near:
            continue
        q = _FAST_DIGITS - n - k
        for i, (dist, cand) in enumerate(near):
            d = cand // unit
            if not reads_back(dist, d, q):
                continue
            for dist2, cand2 in near[i + 1 :]:
                if dist2 - dist <= 2.0 * err and reads_back(dist2, cand2 // unit, q):
                    return _UNDECIDED  # two readable candidates, order unsure
            return d, q
    # Every n-digit decimal that could read back was within reach and
    # parsed exactly: none does, up to ``last`` digits.
    return None if last == max_digits else _UNDECIDED


def _shortest_exact(
    log: float, max_digits: int, ref_digits: int = _REFERENCE_DIGITS
) -> tuple[int, int] | None:
    """:func:`_shortest` from one correctly rounded decimal of ``e**log`` (mpmath), ``ref_digits`` long."""
    # All roundings are read off one long rounding; that double rounding is
    # only wrong when the cut-off tail is exactly a half, redone exactly.
    ref, ref_q = _round_decimal(log, digits=ref_digits)
    # 0.5001 ulp(log) of the reference, in its units (ulp(log) = 2**k); ints,
    # as the reference may be beyond float range
    k = math.frexp(math.ulp(log))[1] - 1
    wide = ref * 5001
    reach = (wide << k if k >= 0 else wide >> -k) // 10000 + 3
    for n in range(1, max_digits + 1):
        unit = 10 ** (ref_digits - n)
        q = ref_q + ref_digits - n
        d, rem = divmod(ref, unit)
        if min(rem, unit - rem) > reach:
            continue  # no n-digit decimal lies within the interval's reach
        if 2 * rem == unit:
            d, q = _round_decimal(log, digits=n)
        elif 2 * rem > unit:
            d += 1
        if _log_exact(d, 1, q) == log:
            return d, q
        # When ref == d * unit, c is within 1e-49 relative of d and the
        # round-trip interval is too narrow to reach the next neighbour.
        if d * unit != ref:
            other = d - 1 if d * unit > ref else d + 1
            if _log_exact(other, 1, q) == log:
                return other, q
    return None


_POWERS_25 = (10 ** (_FAST_DIGITS - 1), 10**_FAST_DIGITS)
_POWERS_OF_TEN = [10**k for k in range(360)]


# ---------------------------------------------------------------------------
# the float of a number


def float_of_log(log: float, sign: int) -> float:
    """``float(x)`` of the number ``sign * e**log``: the float the repr shows, else the nearest.

    The definition (``LogArray.to_numpy`` vectorises the same, bit for bit):
    ``y = exp_cr(log)``, the correctly rounded ``e**log`` (0.0 below float
    range, as ``math.exp``; OverflowError above it). Let ``d_p`` be ``y``
    rounded half-even to ``p`` significant digits (the decimal ``D_p``), as a
    float (``d_p = float(format(y, f'.{p-1}e'))``). ``d_p`` *reads back* when
    ``log_cr(d_p) == log`` or the correctly rounded log of the decimal
    ``D_p`` is ``log`` (``LogFloat(d_p) == x`` or ``LogFloat(str(D_p)) == x``).
    If ``d_12`` does not read back (no 12-digit decimal near ``y`` does), the
    result is ``sign * y``; otherwise ``sign * d_p`` for the smallest ``p``
    in 1..12 whose ``d_p`` reads back. ``log_cr`` is the correctly rounded
    log of a float, the one ``LogFloat(float)`` takes, so
    ``float(LogFloat(v)) == v`` for every float of at most 6 significant
    digits in [1e-300, 1e300] (their LogFloats are at most a few ulps wide);
    the decimal test makes ``float(LogFloat('0.1'))`` 0.1 although the
    decimal 0.1 and the float 0.1 have adjacent logs. Computed values that
    are no short decimal keep their correctly rounded ``e**log``.

    Parameters
    ----------
    log : float
        Natural log of the magnitude (-inf for zero, inf for infinities).
    sign : int
        -1, 0 or 1.

    Returns
    -------
    float

    Raises
    ------
    OverflowError
        Where ``e**log`` is beyond the largest float.

    Examples
    --------
    >>> log = log_cr(0.1)
    >>> exp_cr(log), float_of_log(log, 1)
    (0.10000000000000002, 0.1)
    >>> float_of_log(log_cr(3.0), -1)
    -3.0
    >>> decimal_log = parse_decimal("0.1")[0]  # not log_cr(0.1): the decimal is smaller
    >>> exp_cr(decimal_log), float_of_log(decimal_log, 1)
    (0.09999999999999998, 0.1)
    >>> float_of_log(0.001, 1)  # no short decimal reads back: e**0.001 rounded
    1.0010005001667084
    """
    if sign == 0 or log == -math.inf:
        return 0.0
    if log != log:
        return math.nan
    if log == math.inf:
        return sign * math.inf
    y = exp_cr(log)
    if y == 0.0:
        return sign * y
    if 1e-280 <= y:
        # Quick rejection, the common case for computed values: y on the
        # 12-digit grid is t (within 5e-4 of its exact position, from the
        # float division and power); if no 12-digit decimal lies within the
        # LogFloat's reach (as below, plus that error), d_12 cannot read back.
        # (Above 1e-280 the power of ten is a normal float, within an ulp.)
        scale = math.floor(math.log10(y)) - 11
        t = y / 10.0**scale
        if 1e11 <= t < 1e12 and abs(t - round(t)) > (math.ulp(log) + 6e-16) * t + 1e-3:
            return sign * y
    # The candidates come from the 17-digit decimal of y. A d_p can only read
    # back if it lies within the LogFloat's interval, about ulp(log) wide
    # (relative) around e**log, which y approximates within 2**-53: so only
    # a d_p whose rounding moved y by less than ``reach`` (with margin) is
    # worth a correctly rounded log. Subnormal y are rounded more coarsely:
    # there every candidate is tried.
    text = format(y, ".16e")
    mantissa = int(text[0] + text[2:18])
    exp10 = int(text[19:])
    reach = (math.ulp(log) + 6e-16) * mantissa if y >= _TINY else math.inf
    d12 = _candidate(y, mantissa, exp10, reach, 12)
    if d12 is None or not _reads_back(d12, log):
        return sign * y
    for p in range(1, 12):
        d = _candidate(y, mantissa, exp10, reach, p)
        if d is not None and (d[0] == d12[0] or _reads_back(d, log)):
            return sign * d[0]
    return sign * d12[0]


def _reads_back(candidate: tuple[float, int, int], log: float) -> bool:
    """Whether the float of a candidate, or its decimal, has the correctly rounded log ``log``."""
    f, digits, scale = candidate
    return log_cr(f) == log or _log_exact(digits, 1, scale) == log


_FLOAT_POWERS = [10.0**k for k in range(23)]
_ROUNDING_SPECS = [f".{p - 1}e" for p in range(13)]


def _candidate(y: float, mantissa: int, exp10: int, reach: float, p: int) -> tuple[float, int, int] | None:
    """y rounded to p significant digits: (its float, digits, exponent); None if that moves y beyond ``reach``.

    ``mantissa`` holds y's first 17 digits and ``exp10`` its decimal
    exponent; ``reach`` is in units of the mantissa's last digit.
    """
    unit = _POWERS[17 - p]
    rest = mantissa % unit
    if min(rest, unit - rest) > reach:
        return None
    if 2 * rest == unit:
        # The 17-digit mantissa rounds as y does unless its tail is exactly
        # a half; then ask format, which rounds y's exact value.
        text = format(y, _ROUNDING_SPECS[p])
        mant, _, exp = text.partition("e")
        return float(text), int(mant.replace(".", "")), int(exp) - p + 1
    digits = (mantissa + unit // 2) // unit
    scale = exp10 - p + 1
    # digits < 2**53 and 10**|scale| exact: one correctly rounded operation
    # (Clinger's fast path); else float() of the decimal
    if 0 <= scale <= 22:
        return digits * _FLOAT_POWERS[scale], digits, scale
    if -22 <= scale < 0:
        return digits / _FLOAT_POWERS[-scale], digits, scale
    return float(f"{digits}e{scale}"), digits, scale


# ---------------------------------------------------------------------------
# float-style layout (CPython's format_float_short and number padding)


def _classify(log: float, sign: int) -> tuple[str, float, int]:
    log = float(log)
    if sign not in (-1, 0, 1):
        raise ValueError(f"sign must be -1, 0 or 1, not {sign!r}")
    if math.isnan(log):
        return "nan", log, 1
    if sign == 0 or log == -math.inf:
        return "zero", -math.inf, 0
    if log == math.inf:
        return "inf", log, int(sign)
    return "finite", log, int(sign)


def _digits_decpt(d: int, q: int) -> tuple[str, int]:
    """Significant digits (no trailing zeros) and decimal-point position of d*10**q."""
    text = _digits_of_int(d)
    return text.rstrip("0"), len(text) + q


def _layout(
    digits: str, decpt: int, mode: str, precision: int, alt: bool, add_dot_0: bool
) -> str:
    """Unsigned body of a float format, from CPython's format_float_short.

    ``digits`` has no trailing zeros and the value is ``0.digits * 10**decpt``;
    ``mode`` is 'e' (``precision`` = significant digits), 'f', 'g' or 'r'.
    """
    ndigits = len(digits)
    use_exp = False
    end = ndigits
    if mode == "e":
        use_exp = True
        end = precision
    elif mode == "f":
        end = decpt + precision
    elif mode == "g":
        use_exp = decpt <= -4 or decpt > (precision - 1 if add_dot_0 else precision)
        if alt:
            end = precision
    else:
        use_exp = decpt <= -4 or decpt > 16
    exponent = decpt - 1
    if use_exp:
        decpt = 1
    end = max(end, decpt + 1 if add_dot_0 and not use_exp else decpt)
    if decpt <= 0:
        body = "0." + "0" * -decpt + digits
    elif decpt <= ndigits:
        body = digits[:decpt] + "." + digits[decpt:]
    else:
        body = digits + "0" * (decpt - ndigits) + "."
    body += "0" * (end - max(ndigits, decpt))
    if body.endswith(".") and not alt:
        body = body[:-1]
    if use_exp:
        body += f"e{exponent:+03d}"
    return body


def _repr_digits(log: float, max_digits: int) -> tuple[str, int, bool]:
    """Digits, decimal point and round-trip flag: shortest, else ``max_digits`` digits."""
    found = _shortest(log, max_digits)
    if found is None:
        return (*_digits_decpt(*_round_decimal(log, digits=max_digits)), False)
    return (*_digits_decpt(*found), True)


def _str_and_exactness(log: float, sign: int, max_digits: int = _STR_DIGITS) -> tuple[str, bool]:
    kind, log, sign = _classify(log, sign)
    if kind == "nan":
        return "nan", True
    if kind == "inf":
        return ("-inf" if sign < 0 else "inf"), True
    if kind == "zero":
        return "0.0", True
    digits, decpt, exact = _repr_digits(log, max_digits)
    body = _layout(digits, decpt, "r", 0, alt=False, add_dot_0=True)
    return ("-" + body if sign < 0 else body), exact


def _group(digits: str, separator: str, min_width: int) -> str:
    """CPython's _PyUnicode_InsertThousandsGrouping with groups of three.

    Zero-pads ``digits`` on the left to at least ``min_width`` characters,
    separators included, never starting with a separator.
    """
    if not digits:
        return ""
    if not separator:
        return digits.rjust(max(min_width, 1), "0")
    groups = []
    remaining = len(digits)
    while True:
        length = min(3, max(remaining, min_width, 1))
        taken = min(remaining, length)
        groups.append("0" * (length - taken) + digits[remaining - taken : remaining])
        remaining -= taken
        min_width -= length
        if remaining <= 0 and min_width <= 0:
            break
        min_width -= len(separator)
    return separator.join(reversed(groups))


# ---------------------------------------------------------------------------
# parsing


def parse_decimal(text: str) -> tuple[float, int]:
    """Parse a decimal string into an exact ``(log, sign)`` pair.

    Parameters
    ----------
    text : str
        Anything ``decimal.Decimal(text.strip())`` accepts as a finite number
        (underscores anywhere, non-ASCII decimal digits, exponents of any
        size), or an infinity or nan spelled as ``float()`` accepts it
        (``'inf'``, ``'-Infinity'``, ``'nan'``); surrounding whitespace is
        ignored.

    Returns
    -------
    tuple of (float, int)
        ``log`` is the correctly rounded natural log of the exact absolute
        value, ``sign`` is -1, 0 or 1.  Zero (also ``'-0.0'``) and values too
        small for their log to be a float64 give ``(-inf, 0)``; values too
        large give ``(inf, sign)``; nan gives ``(nan, 1)``.

    Raises
    ------
    ValueError
        If the string is not a number (nan payloads and ``'snan'`` included).
    TypeError
        If ``text`` is not a str.

    Examples
    --------
    >>> parse_decimal("1e-5000")
    (-11512.925464970229, 1)
    >>> parse_decimal("-2.5")
    (0.9162907318741551, -1)
    >>> parse_decimal("0")
    (-inf, 0)
    """
    if not isinstance(text, str):
        raise TypeError(f"expected a str, not {type(text).__name__}")
    stripped = text.strip()
    special = _SPECIAL.fullmatch(stripped)
    if special:
        if special[2].lower() == "nan":
            return math.nan, 1
        return math.inf, (-1 if special[1] == "-" else 1)
    match = _FINITE.fullmatch(stripped.replace("_", ""))
    if not match:
        raise ValueError(f"could not convert string to LogFloat: {_quote(text)}")
    sign, whole, fraction, exponent = match.groups()
    fraction = fraction or ""
    digits = whole + fraction
    if not digits.isascii():
        digits = _ascii_digits(digits)
    exp10 = _exponent_value(exponent) - len(fraction)
    significant = digits.lstrip("0")
    if not significant:
        return -math.inf, 0
    negative = sign == "-"
    if len(significant) <= _PREFIX_DIGITS:
        return _signed_log(-int(significant) if negative else int(significant), 1, exp10)
    # Long mantissa: the value lies in [top, top + 1] * 10**(exp10 + cut);
    # when both ends' logs round alike, that is the log (linear time).
    cut = len(significant) - _PREFIX_DIGITS
    top = int(significant[:_PREFIX_DIGITS])
    if not significant[_PREFIX_DIGITS:].strip("0"):
        return _signed_log(-top if negative else top, 1, exp10 + cut)
    low = _signed_log(top, 1, exp10 + cut)
    high = _signed_log(top + 1, 1, exp10 + cut)
    if low == high:
        return (low[0], -1) if negative and low[1] else low
    num = int(Decimal(significant))  # the rare exact case: every digit counts
    return _signed_log(-num if negative else num, 1, exp10)


def _quote(text: str) -> str:
    """repr of ``text``, shortened to about _QUOTE characters for error messages."""
    if len(text) <= _QUOTE:
        return repr(text)
    half = _QUOTE // 2
    return f"{text[:half]!r}...{text[-half:]!r} ({len(text)} characters)"


def _ascii_digits(digits: str) -> str:
    """Unicode decimal digits (which Decimal and int accept) as ASCII."""
    return "".join(chr(48 + unicodedata.digit(c)) for c in digits)


def _exponent_value(exponent: str | None) -> int:
    """The exponent of a decimal string; beyond any float log's reach, a stand-in of the same sign."""
    if not exponent:
        return 0
    body = exponent.lstrip("+-")
    if not body.isascii():
        body = _ascii_digits(body)
    body = body.lstrip("0")
    if len(body) > _MAX_EXPONENT_DIGITS:
        # |exponent| > 10**330 while the mantissa has fewer than 10**20
        # digits: the log is beyond +-1.8e308 either way.
        body = "1" + "0" * _MAX_EXPONENT_DIGITS
    value = int(body or "0")
    return -value if exponent.startswith("-") else value


def log_of_int(n: int) -> tuple[float, int]:
    """The exact ``(log, sign)`` of an integer of any size.

    Parameters
    ----------
    n : int
        Any integer (anything with ``__index__``).

    Returns
    -------
    tuple of (float, int)
        The correctly rounded ``log|n|`` and the sign; ``(-inf, 0)`` for 0.

    Examples
    --------
    >>> log_of_int(10**5000)
    (11512.925464970229, 1)
    >>> log_of_int(-1)
    (0.0, -1)
    """
    return _signed_log(operator.index(n), 1, 0)


def log_of_fraction(numerator: int, denominator: int) -> tuple[float, int]:
    """The exact ``(log, sign)`` of ``numerator / denominator``.

    Parameters
    ----------
    numerator, denominator : int
        Integers of any size, e.g. from ``fractions.Fraction`` or
        ``float.as_integer_ratio``.  (For a ``decimal.Decimal`` with a huge
        exponent, ``parse_decimal(str(d))`` avoids forming ``10**exponent``.)

    Returns
    -------
    tuple of (float, int)
        The correctly rounded log of the absolute value, and the sign.

    Raises
    ------
    ZeroDivisionError
        If ``denominator`` is 0.

    Examples
    --------
    >>> log_of_fraction(1, 3)
    (-1.0986122886681098, 1)
    >>> log_of_fraction(*(0.5).as_integer_ratio())
    (-0.6931471805599453, 1)
    """
    numerator, denominator = operator.index(numerator), operator.index(denominator)
    if denominator == 0:
        raise ZeroDivisionError("log_of_fraction with a zero denominator")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    return _signed_log(numerator, denominator, 0)


# ---------------------------------------------------------------------------
# digits


def decimal_digits(log: float, sign: int, ndigits: int) -> tuple[int, str, int]:
    """The value rounded to nearest to ``ndigits`` significant decimal digits.

    Parameters
    ----------
    log, sign : float, int
        A finite number as a ``(log, sign)`` pair (zero included).
    ndigits : int
        Number of significant digits, at least 1.

    Returns
    -------
    tuple of (int, str, int)
        ``(sign, digits, exponent)``: ``digits`` has exactly ``ndigits``
        characters and the value is about ``sign * d.ddd * 10**exponent``.
        Zero gives ``(0, '00...0', 0)``.

    Raises
    ------
    ValueError
        For inf and nan, or ``ndigits < 1``.
    OverflowError
        For more than 30000 digits.

    Examples
    --------
    >>> decimal_digits(*parse_decimal("1.2345e-5000"), 3)
    (1, '123', -5000)
    >>> decimal_digits(*parse_decimal("-9.9996"), 4)
    (-1, '1000', 1)
    """
    ndigits = operator.index(ndigits)
    if ndigits < 1:
        raise ValueError(f"ndigits must be at least 1, not {ndigits}")
    kind, log, sign = _classify(log, sign)
    if kind == "zero":
        return 0, "0" * ndigits, 0
    if kind != "finite":
        raise ValueError(f"{kind} has no decimal digits")
    d, q = _round_decimal(log, digits=ndigits)
    if d == 10**ndigits:
        d //= 10
        q += 1
    return sign, _digits_of_int(d), q + ndigits - 1


def shortest_digits(log: float, sign: int) -> tuple[int, str, int] | None:
    """The shortest decimal (at most 17 digits) that parses back exactly.

    Parameters
    ----------
    log, sign : float, int
        A finite number as a ``(log, sign)`` pair (zero included).

    Returns
    -------
    tuple of (int, str, int) or None
        ``(sign, digits, exponent)`` with no trailing zeros in ``digits``,
        such that ``parse_decimal`` of ``sign * d.ddd * 10**exponent``
        returns ``(log, sign)``; of the shortest such decimals, the nearest
        to the value.  None when no decimal of at most 17 digits does: a
        small ``|log|`` pins the value down to better than 17 digits.  That
        never happens for ``|log| >= 0.5``, and happens for about 10% of
        logs near 0.3, 40% near 0.1 and nearly all below 0.001 (values
        within 0.1% of 1, e.g. ``log = 1e-300``).

    Raises
    ------
    ValueError
        For inf and nan.

    Examples
    --------
    >>> shortest_digits(*parse_decimal("-1.5e-5000"))
    (-1, '15', -5000)
    >>> shortest_digits(1e-300, 1) is None
    True
    """
    kind, log, sign = _classify(log, sign)
    if kind == "zero":
        return 0, "0", 0
    if kind != "finite":
        raise ValueError(f"{kind} has no decimal digits")
    found = _shortest(log)
    if found is None:
        return None
    digits, decpt = _digits_decpt(*found)
    return sign, digits, decpt - 1


# ---------------------------------------------------------------------------
# formatting


def format_str(log: float, sign: int) -> str:
    """``str()`` of a number: the shortest decimal that parses back exactly.

    Laid out like ``repr(float)``: positional for decimal exponents in
    [-4, 16), else scientific with a signed exponent of at least two digits.
    When no decimal of at most 17 digits round-trips, the value rounded to 17
    significant digits (trailing zeros dropped), which then does not parse
    back exactly (see :func:`shortest_digits` for when that happens).

    Parameters
    ----------
    log, sign : float, int
        The number as a ``(log, sign)`` pair.

    Returns
    -------
    str

    Examples
    --------
    >>> format_str(*parse_decimal("0.5"))
    '0.5'
    >>> format_str(*parse_decimal("-2.5e+300000"))
    '-2.5e+300000'
    >>> format_str(-math.inf, 0)
    '0.0'
    """
    return _str_and_exactness(log, sign)[0]


def format_repr_argument(log: float, sign: int) -> str | None:
    """The decimal argument of an exact ``repr``, or None where ``from_log`` is shorter.

    Contract for ``LogFloat.__repr__``: when this returns ``s`` (the shortest
    decimal of at most 40 significant digits that parses back exactly, laid
    out as :func:`format_str` lays it out), ``parse_decimal(s) == (log, sign)``
    and the repr is ``LogFloat(s)``: as a float literal when ``float(s)``
    has that very repr and itself reads back, else quoted. When it returns
    None (a decimal of more than 40 digits, which only values within about
    1e-24 of +-1 need, or a decimal exponent of more than 15 digits), the
    repr is ``LogFloat.from_log(<repr of log>)``, with ``, sign=-1`` for
    negative values. Zero, inf and nan give ``'0.0'``, ``'inf'``,
    ``'-inf'``, ``'nan'``.

    Parameters
    ----------
    log, sign : float, int
        The number as a ``(log, sign)`` pair.

    Returns
    -------
    str or None

    Examples
    --------
    >>> format_repr_argument(*parse_decimal("1.23e-5000"))
    '1.23e-5000'
    >>> format_repr_argument(1.1102230246251565e-16, 1)  # within 2**-53 of 1
    '1.00000000000000011102230246251566'
    >>> format_repr_argument(1e-300, 1) is None, format_repr_argument(1e300, 1) is None
    (True, True)
    """
    if _REPR_MAX_EXPONENT * _LN10 <= abs(log) < math.inf:
        return None
    text, exact = _str_and_exactness(log, sign, _REPR_DIGITS)
    return text if exact else None


def has_shorter_decimal(log: float, ndigits: int) -> bool:
    """Whether a decimal of fewer than ``ndigits`` significant digits parses back to ``log``.

    Parameters
    ----------
    log : float
        A finite, nonzero number's log.
    ndigits : int

    Returns
    -------
    bool

    Examples
    --------
    >>> has_shorter_decimal(parse_decimal("0.25")[0], 3), has_shorter_decimal(parse_decimal("0.25")[0], 2)
    (True, False)
    """
    return ndigits > 1 and _shortest(log, ndigits - 1) is not None


def exact_decimal(log: float, sign: int) -> tuple[int, int]:
    """The shortest decimal ``m * 10**q`` that parses back exactly, with no digit limit.

    What :func:`format_repr_argument` shows, and also where that gives up on
    40 digits (values near +-1 need up to about 330). The nearest to the
    value among the shortest.

    Parameters
    ----------
    log, sign : float, int
        A finite number as a ``(log, sign)`` pair (zero included).

    Returns
    -------
    tuple of (int, int)
        ``(m, q)``, ``m`` signed, with no trailing zeros (``(0, 0)`` for zero).

    Raises
    ------
    ValueError
        For inf and nan.

    Examples
    --------
    >>> exact_decimal(*parse_decimal("-2.5e-300000"))
    (-25, -300001)
    >>> m, q = exact_decimal(1e-300, 1)
    >>> len(str(m)), q
    (301, -300)
    """
    kind, log, sign = _classify(log, sign)
    if kind == "zero":
        return 0, 0
    if kind != "finite":
        raise ValueError(f"{kind} has no decimal digits")
    if log == 0.0:
        return sign, 0
    # The interval of values that read back is about ulp(log) wide: there is
    # a decimal in it with at most 20 - log10(ulp(log)) digits.
    digits = max(1, 20 - math.floor(math.log10(math.ulp(log))))
    found = _shortest(log, min(digits, _REPR_DIGITS)) if digits <= _REPR_DIGITS else None
    if found is None:
        found = _shortest_exact(log, digits, digits + 10)
    if found is None:  # pragma: no cover - the interval always holds such a decimal
        raise ArithmeticError(f"no decimal of {digits} digits reads back as e**{log!r}")
    m, q = found
    while m % 10 == 0:
        m //= 10
        q += 1
    return sign * m, q


def log_of_decimal(num: int, exp10: int) -> tuple[float, int]:
    """The exact ``(log, sign)`` of ``num * 10**exp10``.

    Parameters
    ----------
    num, exp10 : int
        Any integers (a huge ``exp10`` is fine: ``10**exp10`` is never formed).

    Returns
    -------
    tuple of (float, int)

    Examples
    --------
    >>> log_of_decimal(1, -5000) == parse_decimal("1e-5000")
    True
    """
    return _signed_log(operator.index(num), 1, operator.index(exp10))


def decimal_hash(num: int, exp10: int) -> int:
    """``hash`` of the exact rational ``num * 10**exp10``, as int, Fraction and Decimal hash it.

    Parameters
    ----------
    num, exp10 : int

    Returns
    -------
    int

    Examples
    --------
    >>> from decimal import Decimal
    >>> decimal_hash(15, -5001) == hash(Decimal("1.5e-5000"))
    True
    """
    import sys

    modulus = sys.hash_info.modulus
    h = abs(num) % modulus * pow(10, exp10, modulus) % modulus
    if num < 0:
        h = -h
    return -2 if h == -1 else h


def _number_body(
    log: float, sign: int, code: str, precision: int | None, alt: bool, no_neg_0: bool
) -> tuple[bool, str]:
    """(negative, unsigned body) of ``format(x, spec)`` without padding."""
    kind, log, sign = _classify(log, sign)
    add_dot_0 = False
    if code == "":
        add_dot_0 = True
        mode = "r" if precision is None else "g"
    else:
        mode = "f" if code == "%" else code.lower()
    if precision is None:
        precision = 6
    if mode == "g":
        precision = max(precision, 1)
    if mode == "e":
        precision += 1
    negative = sign < 0
    if kind in ("nan", "inf"):
        body = kind
    else:
        if kind == "zero":
            digits, decpt = "0", 1
        elif mode == "r":
            digits, decpt, _ = _repr_digits(log, _STR_DIGITS)
        elif mode == "f":
            # '%' is 'f' of 100 * x: same digits, decimal point two places on.
            shift = 2 if code == "%" else 0
            d, q = _round_decimal(log, quantum=-precision - shift)
            if d:
                digits, decpt = _digits_decpt(d, q + shift)
            else:
                # dtoa's answer for a value that rounds to zero; _layout
                # turns it into "0.000", and 'z' drops the sign.
                digits, decpt = "", -precision
        else:
            digits, decpt = _digits_decpt(*_round_decimal(log, digits=precision))
        body = _layout(digits, decpt, mode, precision, alt, add_dot_0)
        if no_neg_0 and not digits.strip("0"):
            negative = False
    if code in ("E", "F", "G"):
        body = body.upper()
    if code == "%":
        body += "%"
    return negative, body


def format_spec(log: float, sign: int, spec: str) -> str:
    """``format(x, spec)`` with float's format-spec mini-language, beyond float range.

    Supports fill, align (``<``, ``>``, ``^``, ``=``), sign (``+``, ``-``,
    space), ``z``, ``#``, ``0``, width, grouping (``,`` ``_``), precision and
    the types ``e E f F g G %`` and none (``''``: like ``str`` without a
    precision, like float's ``''`` with one).  Every digit is correctly
    rounded from the exact value, and the layout is float's, so in float
    range the result equals ``format(float_value, spec)`` up to the value's
    own last-bit difference; outside it exponents simply grow
    (``'1.000e-5000'``).

    Parameters
    ----------
    log, sign : float, int
        The number as a ``(log, sign)`` pair.
    spec : str
        The format spec.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For an invalid spec or an unsupported type (such as ``'n'``, ``'d'``).
    OverflowError
        When the result would need more than 30000 digits (e.g. ``'f'`` of
        ``1e50000``): correctly rounded digits take about a second per
        30000 and grow faster than linearly.

    Examples
    --------
    >>> format_spec(*parse_decimal("1e-5000"), ".3e")
    '1.000e-5000'
    >>> format_spec(*parse_decimal("-1234567.891"), "_.2f")
    '-1_234_567.89'
    >>> format_spec(*parse_decimal("2.5e300000"), ">12.3g")
    ' 2.5e+300000'
    """
    match = _SPEC.fullmatch(spec)
    if not match:
        raise ValueError(f"Invalid format specifier {spec!r} for LogFloat")
    code = match["type"] or ""
    if code not in ("", "e", "E", "f", "F", "g", "G", "%"):
        raise ValueError(f"Unknown format code {code!r} for LogFloat")
    fill, align = match["fill"], match["align"]
    if match["zero"] and fill is None:
        fill = "0"
        align = align or "="
    fill = fill or " "
    align = align or ">"
    width = int(match["width"] or 0)
    precision = None if match["precision"] is None else int(match["precision"])
    negative, body = _number_body(
        log, sign, code, precision, alt=bool(match["alt"]), no_neg_0=bool(match["z"])
    )
    if negative:
        sign_text = "-"
    else:
        sign_text = {"+": "+", " ": " "}.get(match["sign"], "")
    lead = len(body) - len(body.lstrip("0123456789"))
    rest = body[lead:]
    min_width = width - len(sign_text) - len(rest) if fill == "0" and align == "=" else 0
    digits = _group(body[:lead], match["grouping"] or "", min_width)
    padding = fill * max(0, width - len(sign_text) - len(digits) - len(rest))
    if align == "<":
        return sign_text + digits + rest + padding
    if align == ">":
        return padding + sign_text + digits + rest
    if align == "=":
        return sign_text + padding + digits + rest
    half = len(padding) // 2
    return padding[:half] + sign_text + digits + rest + padding[half:]


def _display_parts(log: float, sign: int, ndigits: int) -> tuple[str, str, int | None]:
    """(kind, mantissa text with sign, exponent or None for positional)."""
    kind, log, sign = _classify(log, sign)
    if kind != "finite":
        return kind, "-" if sign < 0 else "", None
    sign, digits, exponent = decimal_digits(log, sign, ndigits)
    digits = digits.rstrip("0")
    prefix = "-" if sign < 0 else ""
    if -4 <= exponent < 6:
        # float's 'g' lays these out positionally, without trailing zeros.
        return kind, prefix + _layout(digits, exponent + 1, "g", 6, False, False), None
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return kind, prefix + mantissa, exponent


def format_latex(log: float, sign: int, ndigits: int = 3) -> str:
    r"""LaTeX for IPython's ``_repr_latex_`` (the caller wraps it in ``$...$``).

    Parameters
    ----------
    log, sign : float, int
        The number as a ``(log, sign)`` pair.
    ndigits : int, optional
        Significant digits (trailing zeros dropped), default 3.

    Returns
    -------
    str
        ``'1.23 \times 10^{-5000}'``, or a positional number such as
        ``'0.25'`` when the decimal exponent is in [-4, 6); ``'0'``,
        ``'\infty'``, ``'-\infty'``, ``'\mathrm{nan}'`` for the special values.

    Examples
    --------
    >>> format_latex(*parse_decimal("1.2345e-5000"))
    '1.23 \\times 10^{-5000}'
    >>> format_latex(*parse_decimal("0.25"))
    '0.25'
    """
    kind, mantissa, exponent = _display_parts(log, sign, ndigits)
    special = {"zero": "0", "inf": mantissa + r"\infty", "nan": r"\mathrm{nan}"}
    if kind in special:
        return special[kind]
    return mantissa if exponent is None else f"{mantissa} \\times 10^{{{exponent}}}"


def format_pretty(log: float, sign: int, ndigits: int = 3) -> str:
    """Plain text for IPython's pretty printer.

    Parameters
    ----------
    log, sign : float, int
        The number as a ``(log, sign)`` pair.
    ndigits : int, optional
        Significant digits (trailing zeros dropped), default 3.

    Returns
    -------
    str
        ``'1.23 × 10^-5000'``, or a positional number such as ``'0.25'`` when
        the decimal exponent is in [-4, 6); ``'0'``, ``'inf'``, ``'-inf'``,
        ``'nan'`` for the special values.

    Examples
    --------
    >>> format_pretty(*parse_decimal("-1.2345e+5000"))
    '-1.23 × 10^5000'
    >>> format_pretty(*parse_decimal("123456"), 2)
    '120000'
    """
    kind, mantissa, exponent = _display_parts(log, sign, ndigits)
    special = {"zero": "0", "inf": mantissa + "inf", "nan": "nan"}
    if kind in special:
        return special[kind]
    return mantissa if exponent is None else f"{mantissa} × 10^{exponent}"


def format_html(log: float, sign: int, ndigits: int = 3) -> str:
    """HTML for IPython's ``_repr_html_``.

    Parameters
    ----------
    log, sign : float, int
        The number as a ``(log, sign)`` pair.
    ndigits : int, optional
        Significant digits (trailing zeros dropped), default 3.

    Returns
    -------
    str
        ``'1.23 &times; 10<sup>-5000</sup>'``, or a positional number such as
        ``'0.25'`` when the decimal exponent is in [-4, 6); ``'0'``,
        ``'inf'``, ``'-inf'``, ``'nan'`` for the special values.

    Examples
    --------
    >>> format_html(*parse_decimal("1.2345e-5000"))
    '1.23 &times; 10<sup>-5000</sup>'
    """
    kind, mantissa, exponent = _display_parts(log, sign, ndigits)
    special = {"zero": "0", "inf": mantissa + "inf", "nan": "nan"}
    if kind in special:
        return special[kind]
    return mantissa if exponent is None else f"{mantissa} &times; 10<sup>{exponent}</sup>"
