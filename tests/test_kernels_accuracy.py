"""Accuracy of every kernel against the mpmath reference in logspace.testing.

Metrics and bounds
==================
Errors are in ulps of the result dtype (:func:`logspace.testing.ulp_error`):
the ``"relative"`` metric (ulps of |y|) for log1pexp, log1mexp and softmax,
the ``"log"`` metric (ulps of max(|y|, 1)) for the rest. u = eps/2 is the unit
roundoff of the dtype (2**-53 for float64, 2**-24 for float32); float32 input
is held to the same bounds in float32 ulps.

The documented (tight) bounds, asserted where the log-sum-exp condition
number kappa = sum(|x_i| softmax_i) / |y| is at most 2:

=================  =====  ==========================================
kernel             ulps   metric
=================  =====  ==========================================
logaddexp          1      log
logsubexp          2      log (kappa of e**a - e**b, weights +1, -1)
log1pexp           2      relative (everywhere)
log1mexp           2      relative (everywhere)
logsumexp          2      log, up to 10**5 terms
logcumsumexp       4      log, of every prefix, up to 10**5 terms
logmatmulexp       (k + 2)u + 2u(|m_i| + |n_j|) + 1 ulp(y), absolute,
                   everywhere (m_i, n_j finite row / column maxima)
=================  =====  ==========================================

Where kappa > 2 the result is ill-conditioned (e.g. y near 0 from terms near
-log n, or a difference of nearly equal arguments) and the first-order
error bound of the algorithm is asserted instead; softmax and log_softmax
are held to their documented bounds (below, F_log_softmax and F_softmax)
everywhere. The derivations follow.

Error model
-----------
Basic operations are correctly rounded: fl(a op b) = (a op b)(1 + d) + e,
|d| <= u, with |e| <= eta / 2 only on gradual underflow (eta the smallest
subnormal). The library functions exp, expm1, log, log1p are within 1 ulp:
relative error <= C u with C = 2 (1 ulp <= 2u|y|), or 1 eta when subnormal.
First order in u throughout; the tests evaluate the bounds with the exact y.
The absolute underflow errors add up to at most (n + 1) eta for n terms (a
summand of every bound below, left out of the formulas for brevity); it
matters only where the result itself is subnormal.

Shifted log-sum-exp (logsumexp, logaddexp; Blanchard, Higham & Higham 2021)
----------------------------------------------------------------------------
x_1..x_n, k an index of the maximum m = x_k, y = log sum e**x_i = m + L with
L = log1p(s), s = sum_{i != k} e**(x_i - m), p_i = e**(x_i - y) (softmax).
The algorithm computes d_i = fl(x_i - m), e_i = fl(exp(d_i)),
s^ = fl(sum_{i != k} e_i) (pairwise within blocks, then fsum: at most n - 1
roundings deep), L^ = fl(log1p(s^)), y^ = fl(m + L^).

* d_i = (x_i - m)(1 + d) and exp(d_i) = e**(x_i - m) e**((x_i - m) d), so
  e_i = e**(x_i - m)(1 + eta_i), |eta_i| <= (|x_i - m| + C) u.
* s^ = sum e_i (1 + theta_i), |theta_i| <= (n - 1) u, so
  s^ = s (1 + sigma), s|sigma| <= u sum_{i != k} e**(x_i - m)(|x_i - m| + C + n - 1).
* L^ = log1p(s(1 + sigma))(1 + eps) = L + s sigma / (1 + s) + L eps, and
  s / (1 + s) weights each term by e**(x_i - m) / (1 + s) = p_i:
  |L^ - L| <= C u L + u sum_{i != k} p_i (|x_i - m| + C + n - 1).
* y^ = (m + L^)(1 + d): |y^ - y| <= u|y| + |L^ - L|.

    |y^ - y| <= u [ |y| + C L + sum_{i != k} p_i |x_i - m|
                    + (1 - p_k)(C + n - 1) ]                      (F_lse)

No term grows with kappa except through |y| being small: in cancellation
(|y| << |m|, possible only for m in [-log n, 0]) the bound is of order
u(log n + n), not u|y|. logaddexp is the case n = 2, computed as
max + log1p(exp(-|a - b|)).

Weighted logsumexp (b given)
----------------------------
Shift by the term of largest magnitude |b_k| e**x_k (not the largest x_k: a
tiny weight there made q huge and log|b_k| + log1p(q) cancel), m = x_k;
t_i = fl(b_i exp(x_i - m)), or for x_i - m >= log 2 (a smaller weight on a
larger log) t_i / b_k = sign * exp(x_i - m + log|b_i| - log|b_k|), so that
|t_i / b_k| <= 1 and nothing overflows; q = fl(sum_{i != k} t_i) / b_k,
y = m + log|b_k| + log|1 + q| (log1p(q) for q > -1, log(-1 - q) below).
With S = sum b_i e**x_i and pi_i = |b_i| e**x_i / |S| (sum pi_i >= 1
measures cancellation): |q^ - q| / |1 + q| <= rho =
u sum_{i != k} pi_i (|x_i - m| + C + n + [x_i - m >= log 2] C(|log|b_i|| + |log|b_k||)), and

    |y^ - y| <= u [ |y| + |m + log|b_k|| + C |log|b_k|| + C |log|1 + q|| + 1 ] + rho
                                                                (F_weighted)

valid while rho <= 1/2 (beyond, 1 + q^ may be 0 and no first-order bound
exists; such cases are not asserted unless kappa <= 2).

logsubexp
---------
y = a + L, L = log1mexp(d), d = b - a < 0. d^ = d(1 + d0); L = log1mexp(d^)
computed as log(-expm1(d)) above -log 2 (error C u |L| + C u: a relative
error C u of expm1 is an absolute error C u of its log) or log1p(-exp(d))
below (exp's C u scaled by z / (1 - z) <= 1 for z = e**d <= 1/2). The
perturbation of d moves L by |d| e**d / (1 - e**d) u <= u. Then
y^ = (a + L^)(1 + d1):

    |y^ - y| <= u [ |y| + C |y - a| + C + 1 ]                     (F_sub)

logcumsumexp (Hillis-Steele scan of (max, shifted sum) pairs)
-------------------------------------------------------------
Prefix j (0-based) passes through D_j = ceil(log2(j + 1)) merges
(m1, s1) + (m2, s2) -> (m1, s1 + (1 + s2) exp(m2 - m1)) (m1 >= m2). At each
merge a term is either added (u) or has (1 + s2) rounded (u), multiplied by
the scale (u) and added (u), the scale exp(fl(m2 - m1)) having relative error
(C + |m2 - m1|) u. Along a term's path the shift differences telescope to
|x_i - m|, so the shifted sum has relative error
sum_{i != k} e**(x_i - m) (|x_i - m| + (C + 3) D_j) u / s, and as for F_lse

    |y^_j - y_j| <= u [ |y_j| + C L_j + sum_{i <= j, i != k} p_i |x_i - m_j|
                        + (1 - p_k)(C + 3) D_j ]                  (F_cumsum)

log_softmax, softmax (an exact shift: TwoSum, as the kernels do)
----------------------------------------------------------------
d_i = fl(x_i - m) and its rounding error err_i (x_i - m = d_i + err_i
exactly); t_i = fl(e_i + fl(e_i err_i)), e_i = fl(exp(d_i)), is e**(x_i - m)
within (C + 1) u (exp, and the rounding of the correction: e_i err_i is
within u |e_i|, so its own rounding is second order). The sum s^ of the
t_i then has s |sigma| <= u sum_{i != k} e**(x_i - m)(C + 1 + n - 1): no
|x_i - m| term is left.
r_i = fl(fl(d_i - L^) + err_i), two roundings of about |r_i|:

    |r^_i - r_i| <= u [ 2 |r_i| + C L + (1 - p_k)(C + n) ]        (F_log_softmax)

q_i = fl(t_i / fl(1 + s^)): (C + 1) u from t_i, u from 1 + s,
s sigma / (1 + s) from the sum, u from the division and u for the final
cast (float32 results):

    |q^_i - q_i| / q_i <= u [ C + 4 + (1 - p_k)(C + n) ]           (F_softmax)

With C = 2 these are the kernels' docstring bounds u(2|r| + 2L +
(1 - p_max)(n + 2)) and u(6 + (1 - p_max)(n + 2)).

plus 2 ulps of the smallest subnormal for gradual underflow.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import logspace
from logspace import _kernels_scalar as scalar
from logspace import testing as T

C = 2.0  # library functions within 1 ulp: relative error <= 2u
DTYPES = [np.float32, np.float64]
INF = math.inf
NAN = math.nan

# LOGSPACE_HYPOTHESIS_EXAMPLES=2000 for a deeper local sweep.
HYP = settings(
    max_examples=int(os.environ.get("LOGSPACE_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ---------------------------------------------------------------------------
# Helpers: checking and bounds
# ---------------------------------------------------------------------------


def unit_roundoff(dtype) -> float:
    return float(np.finfo(dtype).eps) / 2


def check(name, actual, exact, allowed, metric, dtype, inputs=None):
    """Assert per-element ``ulp_error <= allowed`` with a reproducer on failure.

    ``inputs`` maps names to arrays broadcastable to the result (elementwise
    kernels) or to a callable taking the worst index and describing the input.
    """
    actual_arr = np.asarray(actual)
    assert actual_arr.dtype == np.dtype(dtype), f"{name}: dtype {actual_arr.dtype}, expected {np.dtype(dtype)}"
    exact_arr = np.asarray(exact, dtype=object)
    assert actual_arr.shape == exact_arr.shape, f"{name}: shape {actual_arr.shape} != {exact_arr.shape}"
    errors = np.asarray(T.ulp_error(actual_arr, exact_arr, metric=metric))
    allowed = np.broadcast_to(np.nan_to_num(np.asarray(allowed, dtype=np.float64), nan=0.0), errors.shape)
    bad = ~(errors <= allowed)
    if not np.any(bad):
        return errors
    ratio = np.where(bad, errors / np.maximum(allowed, 1e-300), 0.0)
    idx = np.unravel_index(int(np.argmax(ratio)), errors.shape) if errors.ndim else ()
    if callable(inputs):
        where = inputs(idx)
    elif inputs:
        where = ", ".join(
            f"{k}={np.broadcast_to(np.asarray(v), errors.shape)[idx].item()!r}" for k, v in inputs.items()
        )
    else:
        where = ""
    raise AssertionError(
        f"{name} [{np.dtype(dtype).name}]: {int(bad.sum())} of {errors.size} results exceed the bound "
        f"(metric {metric!r}). Worst at {idx} ({where}): actual {actual_arr[idx].item()!r}, "
        f"exact {T._describe(exact_arr[idx])}, error {errors[idx]:.4g} ulp, allowed {allowed[idx]:.4g}"
    )


def underflow(dtype, n):
    """(n + 1) eta: the absolute error that gradual underflow can add."""
    return (n + 1) * float(np.finfo(dtype).smallest_subnormal)


def _exact_f64(exact):
    return np.asarray(T.round_to(exact, np.float64), dtype=np.float64)


def _shift_stats(x):
    """Per row (last axis): max m, softmax p, L = y - m, spread, tail, |x - m|.

    spread = sum_{i != k} p_i |x_i - m| and tail = sum_{i != k} p_i = 1 - p_k.
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        m = np.max(x, axis=-1, keepdims=True)
        k = np.argmax(x, axis=-1)[..., np.newaxis]
        shift = np.where(np.isfinite(m), m, 0.0)
        e = np.where(x == -np.inf, 0.0, np.exp(x - shift))
        total = e.sum(axis=-1, keepdims=True)
        p = e / total
        dist = np.where(np.isfinite(x), np.abs(x - shift), 0.0)
        p_rest = p.copy()
        np.put_along_axis(p_rest, k, 0.0, axis=-1)
        spread = np.where(p_rest > 0, p_rest * dist, 0.0).sum(axis=-1)
        tail = p_rest.sum(axis=-1)
        big_l = np.log(total[..., 0])
    return m[..., 0], p, big_l, spread, tail, dist


def lse_allowed(x, exact, dtype, tight):
    """Allowed ulps for log-sum-exp over the last axis of ``x``: tight or F_lse."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    u = unit_roundoff(dtype)
    y = _exact_f64(exact)
    _, _, big_l, spread, tail, _ = _shift_stats(x)
    with np.errstate(all="ignore"):
        first_order = u * (np.abs(y) + C * big_l + spread + tail * (C + n - 1)) + underflow(dtype, n)
        cond = np.asarray(T.lse_condition_number(x, axis=-1))
        return np.where(cond <= 2, tight, first_order / np.asarray(T.ulp(exact, dtype, "log")))


def logaddexp_allowed(a, b, exact, dtype):
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    return lse_allowed(np.stack([a, b], axis=-1), exact, dtype, tight=1.0)


def logsubexp_allowed(a, b, exact, dtype):
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    u = unit_roundoff(dtype)
    y = _exact_f64(exact)
    with np.errstate(all="ignore"):
        cond = np.asarray(T.lse_condition_number(np.stack([a, b], axis=-1), axis=-1, b=[1.0, -1.0]))
        first_order = u * (np.abs(y) + C * np.abs(y - a) + C + 1) + underflow(dtype, 2)
        return np.where(cond <= 2, 2.0, first_order / np.asarray(T.ulp(exact, dtype, "log")))


def _prefix_stats(row):
    """For every prefix of ``row``: (M, S, T, V) with shifted sums at the max M.

    S = sum e**(x_i - M), T = sum |x_i| e**(x_i - M), V = sum (M - x_i) e**(x_i - M).
    """
    n = len(row)
    out = np.zeros((n, 4))
    big_m, s, t, v = -math.inf, 0.0, 0.0, 0.0
    for j, x in enumerate(row):
        if math.isfinite(x):
            if big_m == -math.inf:
                big_m, s, t, v = x, 1.0, abs(x), 0.0
            elif x <= big_m:
                e = math.exp(x - big_m)
                s, t, v = s + e, t + e * abs(x), v + e * (big_m - x)
            else:
                r = math.exp(big_m - x)
                if r == 0.0:
                    s, t, v = 1.0, abs(x), 0.0
                else:
                    v = (v + s * (x - big_m)) * r
                    s, t = s * r + 1.0, t * r + abs(x)
                big_m = x
        out[j] = (big_m, s, t, v)
    return out


def cumsum_allowed(x, exact, dtype):
    """Allowed ulps for logcumsumexp along the last axis: 4 or F_cumsum."""
    x = np.asarray(x, dtype=np.float64)
    u = unit_roundoff(dtype)
    y = _exact_f64(exact)
    unit = np.asarray(T.ulp(exact, dtype, "log"))
    allowed = np.zeros(x.shape)
    rows = x.reshape(-1, x.shape[-1]) if x.shape[-1] else x.reshape(0, 0)
    y_rows, unit_rows = y.reshape(rows.shape), unit.reshape(rows.shape)
    allowed_rows = allowed.reshape(rows.shape)
    depth = np.array([j.bit_length() for j in range(rows.shape[-1])], dtype=np.float64)
    with np.errstate(all="ignore"):
        for r in range(rows.shape[0]):
            stats = _prefix_stats(rows[r].tolist())
            big_m, s, t, v = stats.T
            yr = y_rows[r]
            scale = np.exp(big_m - yr)
            cond = t * scale / np.abs(yr)
            cond = np.where(yr == 0, np.where(t > 0, np.inf, 0.0), cond)
            first_order = u * (np.abs(yr) + C * (yr - big_m) + v * scale + (s - 1) * scale * (C + 3) * depth)
            first_order += underflow(dtype, 1) + (np.arange(yr.size) + 1) * underflow(dtype, 0)
            allowed_rows[r] = np.where(cond <= 2, 4.0, first_order / unit_rows[r])
    return allowed


def matmul_allowed(a, b, exact, dtype):
    """The documented logmatmulexp bound, in ulps of the log metric."""
    return T.logmatmulexp_bound(a, b, exact, dtype)


def log_softmax_allowed(x, exact, dtype):
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    u = unit_roundoff(dtype)
    r = _exact_f64(exact)
    _, _, big_l, _, tail, _ = _shift_stats(x)
    with np.errstate(all="ignore"):
        rest = (C * big_l + tail * (C + n))[..., np.newaxis]
        first_order = u * (2 * np.abs(r) + rest) + underflow(dtype, n)
        return first_order / np.asarray(T.ulp(exact, dtype, "log"))


def softmax_allowed(x, exact, dtype):
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    u = unit_roundoff(dtype)
    q = _exact_f64(exact)
    _, _, _, _, tail, _ = _shift_stats(x)
    with np.errstate(all="ignore"):
        relative = u * (C + 4 + (tail * (C + n))[..., np.newaxis])
        return (relative * np.abs(q) + underflow(dtype, n)) / np.asarray(T.ulp(exact, dtype, "relative"))


def weighted_allowed(x, w, exact, dtype):
    """2 ulps where kappa (weights exact) <= 2, else F_weighted (inf: no claim)."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    u = unit_roundoff(dtype)
    n = x.shape[-1]
    y = float(_exact_f64(exact))
    if not math.isfinite(y):
        return 0.0
    cond = float(T.lse_condition_number(x, b=w))
    if cond <= 2:
        return 2.0
    live = np.where(w != 0, x, -np.inf)
    with np.errstate(all="ignore"):
        k = int(np.argmax(live + np.log(np.abs(w))))
    m, wk = live[k], w[k]
    with np.errstate(all="ignore"):
        pi = np.where(live == -np.inf, 0.0, np.abs(w) * np.exp(live - y))
        pi[k] = 0.0
        in_logs = np.where(live - m >= math.log(2), C * (np.abs(np.log(np.abs(w))) + abs(math.log(abs(wk)))), 0.0)
        rho = u * float(np.sum(np.where(pi > 0, pi * (np.abs(live - m) + C + n + in_logs), 0.0)))
    if rho > 0.5:
        return math.inf
    log_wk = math.log(abs(wk))
    first_order = u * (abs(y) + abs(m + log_wk) + C * abs(log_wk) + C * abs(y - m - log_wk) + 1) + rho
    first_order += underflow(dtype, n)
    return first_order / float(T.ulp(exact, dtype, "log"))


def rows_describer(x):
    x = np.asarray(x)

    def describe(idx):
        row = x[idx[:-1]] if x.ndim > 1 else x
        text = np.array2string(np.asarray(row), precision=17, threshold=12)
        return f"row of {row.size}: {text}"

    return describe


def reduced_describer(x):
    x = np.asarray(x)

    def describe(idx):
        row = x[idx] if x.ndim > 1 else x
        return f"row of {np.size(row)}: {np.array2string(np.asarray(row), precision=17, threshold=12)}"

    return describe


# ---------------------------------------------------------------------------
# Input families
# ---------------------------------------------------------------------------

RNG_SEED = 20240611


def pair_families(dtype, n=400):
    """(a, b) pairs: random, near-equal, widely separated, huge magnitudes."""
    rng = np.random.default_rng(RNG_SEED)
    big = float(np.finfo(dtype).max) / 4
    a_rand = rng.normal(0, 1, n) * 10.0 ** rng.uniform(-3, 3, n)
    b_rand = rng.normal(0, 1, n) * 10.0 ** rng.uniform(-3, 3, n)
    base = rng.uniform(-50, 50, n)
    offsets = rng.choice([0.0, 1e-15, 1e-10, 1e-6, 1e-3, 0.5, 1.0], n) * rng.uniform(0, 1, n)
    gap = rng.choice([20.0, 37.0, 40.0, 709.0, 745.0, 800.0, 1e5, 1e300], n) * rng.uniform(1, 2, n)
    top = rng.uniform(-1e3, 1e3, n)
    huge_a = rng.uniform(-1, 1, n) * big
    huge_b = huge_a - rng.uniform(0, 1, n) * 10.0 ** rng.uniform(0, 30, n)
    near_zero_a = -np.log(2.0) + rng.normal(0, 1e-3, n)
    near_zero_b = -np.log(2.0) + rng.normal(0, 1e-3, n)
    a = np.concatenate([a_rand, base, top, huge_a, near_zero_a])
    b = np.concatenate([b_rand, base + offsets, top - gap, huge_b, near_zero_b])
    with np.errstate(over="ignore"):
        return a.astype(dtype), b.astype(dtype)


def lse_rows(dtype, n, count, rng):
    """Rows of length n: random at several scales, dominant term, spread, near -log n."""
    big = float(np.finfo(dtype).max) / 4
    rows = []
    for kind in range(count):
        family = kind % 6
        if family == 0:
            row = rng.normal(0, 1, n) * 10.0 ** rng.uniform(-2, 2)
        elif family == 1:  # one dominant term, many just below it
            row = -rng.uniform(0, 1e-3, n) * 10.0 ** rng.uniform(-3, 1)
            row[rng.integers(n)] = 0.0
        elif family == 2:  # widely spread
            row = rng.uniform(-1, 1, n) * 10.0 ** rng.uniform(0, 300 if dtype == np.float64 else 38, n)
            row = np.clip(row, -big, big)
        elif family == 3:  # near -log n: y near 0, ill-conditioned
            row = -math.log(n) + rng.normal(0, 1e-3, n)
        elif family == 4:  # one dominant term, the rest far below
            row = rng.uniform(-60, -20, n)
            row[rng.integers(n)] = rng.uniform(-5, 5)
        else:  # large common offset
            row = rng.uniform(1e4, 1e4 + 10, n)
        rows.append(row)
    return np.asarray(rows).astype(dtype)


# ---------------------------------------------------------------------------
# Elementwise kernels
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_logaddexp_families(dtype):
    a, b = pair_families(dtype)
    exact = T.ref_logaddexp(a, b)
    actual = logspace.logaddexp(a, b)
    check("logaddexp", actual, exact, logaddexp_allowed(a, b, exact, dtype), "log", dtype, {"a": a, "b": b})
    actual = logspace.logaddexp(b, a)
    check("logaddexp(b, a)", actual, exact, logaddexp_allowed(a, b, exact, dtype), "log", dtype, {"a": b, "b": a})


@pytest.mark.parametrize("dtype", DTYPES)
def test_logsubexp_families(dtype):
    a, b = pair_families(dtype)
    hi, lo = np.maximum(a, b), np.minimum(a, b)
    exact = T.ref_logsubexp(hi, lo)
    actual = logspace.logsubexp(hi, lo)
    check("logsubexp", actual, exact, logsubexp_allowed(hi, lo, exact, dtype), "log", dtype, {"a": hi, "b": lo})


@pytest.mark.parametrize("dtype", DTYPES)
def test_logsubexp_nearly_equal(dtype):
    """b a few ulps below a: the difference is exact, the result accurate."""
    rng = np.random.default_rng(1)
    a = np.concatenate([rng.uniform(-30, 30, 200), [0.0, 1.0, -1.0, 1e-300, 5e-324]]).astype(dtype)
    steps = rng.integers(1, 5, a.size)
    b = a.copy()
    for _ in range(4):
        b = np.where(steps > 0, np.nextafter(b, dtype(-np.inf)), b)
        steps -= 1
    exact = T.ref_logsubexp(a, b)
    actual = logspace.logsubexp(a, b)
    check("logsubexp", actual, exact, logsubexp_allowed(a, b, exact, dtype), "log", dtype, {"a": a, "b": b})


def _neighbours(points, dtype, k=4):
    out = []
    for p in points:
        v = dtype(p)
        up = down = v
        out.append(v)
        for _ in range(k):
            up = np.nextafter(up, dtype(np.inf))
            down = np.nextafter(down, dtype(-np.inf))
            out.extend([up, down])
    return np.array(out, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_log1pexp_families(dtype):
    rng = np.random.default_rng(2)
    big = float(np.finfo(dtype).max)
    x = np.concatenate(
        [
            rng.uniform(-800, 800, 1000),
            rng.uniform(-40, 40, 1000),
            rng.normal(0, 1, 200) * 10.0 ** rng.uniform(-300 if dtype == np.float64 else -38, 0, 200),
            [-big, big, 0.0, -0.0, 5e-324, -5e-324, 708.0, 710.0, -745.0, -746.0, -103.0, 88.0, 89.0],
        ]
    )
    with np.errstate(over="ignore"):
        x = np.concatenate([x.astype(dtype), _neighbours([-37.0, 18.0, 33.3], dtype)])
    exact = T.ref_log1pexp(x)
    check("log1pexp", logspace.log1pexp(x), exact, 2.0, "relative", dtype, {"x": x})


@pytest.mark.parametrize("dtype", DTYPES)
def test_log1mexp_families(dtype):
    rng = np.random.default_rng(3)
    tiny = float(np.finfo(dtype).smallest_subnormal)
    x = np.concatenate(
        [
            -rng.uniform(0, 50, 1000),
            -rng.uniform(0, 1, 500) * 10.0 ** rng.uniform(-300 if dtype == np.float64 else -44, 0, 500),
            -rng.uniform(0, 1, 200) * 10.0 ** rng.uniform(0, 300 if dtype == np.float64 else 38, 200),
            [-tiny, -1e-20, -1.0, -745.0, -746.0, -103.0, -104.0, -np.finfo(dtype).max],
        ]
    ).astype(dtype)
    x = np.concatenate([x, _neighbours([-math.log(2.0)], dtype, k=8)])
    exact = T.ref_log1mexp(x)
    check("log1mexp", logspace.log1mexp(x), exact, 2.0, "relative", dtype, {"x": x})


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 2, 3, 10, 100, 1000])
def test_logsumexp_rows(dtype, n):
    rng = np.random.default_rng(n)
    count = {1: 60, 2: 60, 3: 60, 10: 36, 100: 18, 1000: 6}[n]
    x = lse_rows(dtype, n, count, rng)
    exact = T.ref_logsumexp(x, axis=-1)
    actual = logspace.logsumexp(x, axis=-1)
    check("logsumexp", actual, exact, lse_allowed(x, exact, dtype, 2.0), "log", dtype, reduced_describer(x))


@pytest.mark.parametrize(
    "family",
    ["normal", "dominant_just_below", "spread"],
)
def test_logsumexp_large_n(family):
    """n = 10**5 float64 terms (reference by an exact shifted mpmath sum)."""
    rng = np.random.default_rng(7)
    n = 100_000
    if family == "normal":
        x = rng.normal(0, 1, n)
    elif family == "dominant_just_below":
        x = -rng.uniform(1e-12, 1e-3, n)
        x[12345] = 0.0
    else:
        x = rng.uniform(-1, 1, n) * 10.0 ** rng.uniform(0, 300, n)
    exact = T.ref_logsumexp(x)
    actual = logspace.logsumexp(x)
    cond = float(T.lse_condition_number(x))
    assert cond <= 2
    check("logsumexp", actual, exact, 2.0, "log", np.float64, {"n": n})


def test_logsumexp_large_n_float32():
    rng = np.random.default_rng(8)
    x = (-rng.uniform(0, 1e-2, 100_000)).astype(np.float32)
    x[0] = 0.0
    exact = T.ref_logsumexp(x)
    check("logsumexp", logspace.logsumexp(x), exact, 2.0, "log", np.float32, {"n": x.size})


def reduction_layout(x, axis):
    """(order, kept_shape): moving ``order`` axes puts the reduced ones last."""
    axes = tuple(range(x.ndim)) if axis is None else tuple(a % x.ndim for a in np.atleast_1d(axis).tolist())
    kept = tuple(i for i in range(x.ndim) if i not in axes)
    return kept + axes, tuple(x.shape[i] for i in kept)


def as_rows(x, axis):
    """``x`` with the reduced axes flattened into a last axis."""
    order, kept_shape = reduction_layout(x, axis)
    return np.transpose(np.asarray(x), order).reshape(kept_shape + (-1,))


def from_rows(rows, x, axis):
    """Undo :func:`as_rows` for a result of the shape of ``x``."""
    order, _ = reduction_layout(x, axis)
    return np.asarray(rows).reshape(tuple(x.shape[i] for i in order)).transpose(np.argsort(order))


@pytest.mark.parametrize("dtype", DTYPES)
def test_logsumexp_axes_and_keepdims(dtype):
    rng = np.random.default_rng(9)
    x = rng.normal(0, 5, (3, 4, 5)).astype(dtype)
    for axis in [None, 0, 1, -1, (0, 2), (1, 2), (0, 1, 2)]:
        for keepdims in (False, True):
            exact = T.ref_logsumexp(x, axis=axis, keepdims=keepdims)
            actual = logspace.logsumexp(x, axis=axis, keepdims=keepdims)
            assert np.shape(actual) == np.shape(exact) == np.sum(x, axis=axis, keepdims=keepdims).shape
            rows = as_rows(x, axis)
            allowed = lse_allowed(rows, np.asarray(exact, dtype=object).reshape(rows.shape[:-1]), dtype, 2.0)
            check("logsumexp", actual, exact, allowed.reshape(np.shape(exact)), "log", dtype, {"axis": str(axis)})


@pytest.mark.parametrize("dtype", DTYPES)
def test_logsumexp_positive_weights(dtype):
    rng = np.random.default_rng(10)
    x = rng.normal(0, 3, (40, 7)).astype(dtype)
    w = rng.uniform(0, 3, (40, 7)).astype(dtype)
    w[::5, 0] = 0.0
    exact = T.ref_logsumexp(x, axis=-1, b=w)
    actual = logspace.logsumexp(x, axis=-1, b=w)
    allowed = [weighted_allowed(x[i], w[i], exact[i], dtype) for i in range(x.shape[0])]
    check("logsumexp(b=...)", actual, exact, allowed, "log", dtype, reduced_describer(np.stack([x, w], 1)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_logsumexp_signed_weights(dtype):
    rng = np.random.default_rng(11)
    x = rng.normal(0, 3, (60, 5)).astype(dtype)
    w = rng.normal(0, 2, (60, 5)).astype(dtype)
    exact, sign = T.ref_logsumexp(x, axis=-1, b=w, return_sign=True)
    actual, actual_sign = logspace.logsumexp(x, axis=-1, b=w, return_sign=True)
    np.testing.assert_array_equal(actual_sign, sign.astype(dtype))
    allowed = [weighted_allowed(x[i], w[i], exact[i], dtype) for i in range(x.shape[0])]
    check("logsumexp(b=..., return_sign=True)", actual, exact, allowed, "log", dtype, reduced_describer(np.stack([x, w], 1)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 2, 5, 50, 1000])
def test_logcumsumexp_rows(dtype, n):
    rng = np.random.default_rng(100 + n)
    count = {1: 30, 2: 30, 5: 24, 50: 12, 1000: 6}[n]
    x = lse_rows(dtype, n, count, rng)
    x[1::7] = x[1::7][:, ::-1]  # dominant term late instead of early
    exact = T.ref_logcumsumexp(x, axis=-1)
    actual = logspace.logcumsumexp(x, axis=-1)
    check("logcumsumexp", actual, exact, cumsum_allowed(x, exact, dtype), "log", dtype, rows_describer(x))


def test_logcumsumexp_large_n():
    """10**5 terms: a rising trend, so the maximum moves all along the scan."""
    rng = np.random.default_rng(12)
    n = 100_000
    x = rng.normal(0, 1, n) + np.linspace(0, 30, n)
    exact = T.ref_logcumsumexp(x)
    actual = logspace.logcumsumexp(x)
    check("logcumsumexp", actual, exact, cumsum_allowed(x, exact, np.float64), "log", np.float64, rows_describer(x))


@pytest.mark.parametrize("dtype", DTYPES)
def test_logcumsumexp_axes(dtype):
    rng = np.random.default_rng(13)
    x = rng.normal(0, 4, (3, 5, 4)).astype(dtype)
    for axis in [None, 0, 1, 2, -1]:
        exact = T.ref_logcumsumexp(x, axis=axis)
        actual = logspace.logcumsumexp(x, axis=axis)
        assert np.shape(actual) == np.cumsum(x, axis=axis).shape
        if axis is None:
            allowed = cumsum_allowed(x.reshape(-1), exact, dtype)
        else:
            moved = np.moveaxis(x, axis, -1)
            allowed = np.moveaxis(cumsum_allowed(moved, np.moveaxis(exact, axis, -1), dtype), -1, axis)
        check("logcumsumexp", actual, exact, allowed, "log", dtype, {"axis": str(axis)})


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_softmax_and_softmax(dtype):
    rng = np.random.default_rng(14)
    x = lse_rows(dtype, 12, 30, rng)
    for name, ref, bound, metric in [
        ("log_softmax", T.ref_log_softmax, log_softmax_allowed, "log"),
        ("softmax", T.ref_softmax, softmax_allowed, "relative"),
    ]:
        exact = ref(x, axis=-1)
        actual = getattr(logspace, name)(x, axis=-1)
        check(name, actual, exact, bound(x, exact, dtype), metric, dtype, rows_describer(x))


def test_softmax_far_terms_under_a_large_offset_keep_the_stated_bound():
    """A term far below the maximum under a large common offset.

    fl(x_i - m) used to carry u|x_i - m| of relative error into exp (8.8 ulp
    seen); the exact TwoSum shift leaves the documented u(6 + (1 - p_max)(n + 2)).
    """
    rng = np.random.default_rng(44)
    x = rng.normal(0, 30, (200, 6)) + rng.choice([1e4, -1e4, 1e6, 3e7], (200, 1))
    for name, ref, bound, metric in [
        ("log_softmax", T.ref_log_softmax, log_softmax_allowed, "log"),
        ("softmax", T.ref_softmax, softmax_allowed, "relative"),
    ]:
        exact = ref(x, axis=-1)
        check(name, getattr(logspace, name)(x, axis=-1), exact, bound(x, exact, np.float64), metric, np.float64, rows_describer(x))
    # A dominant term (p_max near 1): the bound is about 3 ulps of every entry.
    exact = T.ref_softmax(x[:, :2] * 0 + np.array([0.0, -30.5]) + 1e6, axis=-1)
    got = logspace.softmax(x[:, :2] * 0 + np.array([0.0, -30.5]) + 1e6, axis=-1)
    assert float(np.max(T.ulp_error(got, exact, "relative"))) <= 3.0


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (0, 1, 2)])
def test_softmax_axes(axis):
    rng = np.random.default_rng(15)
    x = rng.normal(0, 10, (4, 3, 5))
    for name, ref, bound, metric in [
        ("log_softmax", T.ref_log_softmax, log_softmax_allowed, "log"),
        ("softmax", T.ref_softmax, softmax_allowed, "relative"),
    ]:
        exact = ref(x, axis=axis)
        actual = getattr(logspace, name)(x, axis=axis)
        assert actual.shape == x.shape
        allowed = from_rows(bound(as_rows(x, axis), as_rows(exact, axis), np.float64), x, axis)
        check(name, actual, exact, allowed, metric, np.float64, {"axis": str(axis)})


# ---------------------------------------------------------------------------
# logmatmulexp
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [1, 2, 7, 64])
def test_logmatmulexp_random(dtype, k):
    rng = np.random.default_rng(16 + k)
    for scale in (1.0, 30.0, 1e3):
        a = (rng.normal(0, scale, (6, k))).astype(dtype)
        b = (rng.normal(0, scale, (k, 5))).astype(dtype)
        a[0, : k // 2] = -np.inf
        exact = T.ref_logmatmulexp(a, b)
        actual = logspace.logmatmulexp(a, b)
        check(
            "logmatmulexp", actual, exact, matmul_allowed(a, b, exact, dtype), "log", dtype,
            lambda idx, a=a, b=b: f"a[{idx[0]}]={a[idx[0]].tolist()}, b[:, {idx[1]}]={b[:, idx[1]].tolist()}",
        )


@pytest.mark.parametrize("dtype", DTYPES)
def test_logmatmulexp_gaps_and_magnitudes(dtype):
    """Row and column maxima at different k, far apart; huge offsets."""
    rng = np.random.default_rng(17)
    big = 1e300 if dtype == np.float64 else 1e37
    k = 6
    a = rng.uniform(-1, 0, (8, k))
    b = rng.uniform(-1, 0, (k, 8))
    a[:, 0] = 0.0
    a[:, 1:] -= rng.choice([100.0, 700.0, 800.0, 2000.0], (8, 1))
    b[-1, :] = 0.0
    b[:-1, :] -= rng.choice([10.0, 750.0, 1500.0], (1, 8))
    offsets_a = rng.choice([0.0, 1e5, -1e5, big, -big], (8, 1))
    offsets_b = rng.choice([0.0, 1e5, -1e5], (1, 8))
    a, b = (a + offsets_a).astype(dtype), (b + offsets_b).astype(dtype)
    exact = T.ref_logmatmulexp(a, b)
    actual = logspace.logmatmulexp(a, b)
    check(
        "logmatmulexp", actual, exact, matmul_allowed(a, b, exact, dtype), "log", dtype,
        lambda idx: f"a[{idx[0]}]={a[idx[0]].tolist()}, b[:, {idx[1]}]={b[:, idx[1]].tolist()}",
    )


def test_logmatmulexp_shapes():
    rng = np.random.default_rng(18)
    cases = [
        ((4,), (4,)),
        ((4,), (4, 3)),
        ((2, 4), (4,)),
        ((2, 1, 3, 4), (5, 4, 2)),
        ((5, 3, 4), (4,)),
        ((3, 0), (0, 2)),
        ((0, 3), (3, 2)),
    ]
    for sa, sb in cases:
        a, b = rng.normal(0, 3, sa), rng.normal(0, 3, sb)
        exact = T.ref_logmatmulexp(a, b)
        actual = logspace.logmatmulexp(a, b)
        assert np.shape(actual) == np.shape(np.matmul(a, b)), (sa, sb)
        check("logmatmulexp", actual, exact, matmul_allowed(a, b, exact, np.float64), "log", np.float64, {"shapes": f"{sa} @ {sb}"})
    with pytest.raises(ValueError):
        logspace.logmatmulexp(np.zeros((2, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError):
        logspace.logmatmulexp(np.float64(1.0), np.zeros(2))


# ---------------------------------------------------------------------------
# Named adversarial cases
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_zero_and_minus_40(dtype):
    """[0, -40]: the plain shifted formula returns exactly 0.0; truth e**-40.

    In the log metric 0.0 is only 0.02 ulp off, so this asserts the relative
    error of the result (it is log1p(e**-40), computed directly).
    """
    x = np.array([0.0, -40.0], dtype=dtype)
    exact = T.ref_logsumexp(x)
    assert 4.2e-18 < float(exact) < 4.3e-18
    for actual in (
        logspace.logsumexp(x),
        logspace.logaddexp(x[0], x[1]),
        logspace.logaddexp(x[1], x[0]),
        logspace.logcumsumexp(x)[-1],
    ):
        check("[0, -40]", actual, exact, 2.0, "relative", dtype)
    check("scalar logaddexp(0, -40)", np.float64(scalar.logaddexp(0.0, -40.0)), exact, 2.0, "relative", np.float64)
    check("scalar logsumexp([0, -40])", np.float64(scalar.logsumexp([0.0, -40.0])), exact, 2.0, "relative", np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tied_maxima(dtype):
    for row in ([5.0, 5.0, 5.0], [-3.0, 7.0, 7.0, 6.0, 7.0], [0.0] * 1000, [1e30] * 4, [-1e30, -1e30]):
        x = np.array(row, dtype=dtype)
        exact = T.ref_logsumexp(x)
        check("logsumexp ties", logspace.logsumexp(x), exact, lse_allowed(x, exact, dtype, 2.0), "log", dtype, {"row": str(row)})
        ex_cum = T.ref_logcumsumexp(x)
        check("logcumsumexp ties", logspace.logcumsumexp(x), ex_cum, cumsum_allowed(x, ex_cum, dtype), "log", dtype, {"row": str(row)})
        ex_ls = T.ref_log_softmax(x)
        check("log_softmax ties", logspace.log_softmax(x), ex_ls, log_softmax_allowed(x, ex_ls, dtype), "log", dtype, {"row": str(row)})
    a = np.array([0.0, 1e-300 if dtype == np.float64 else 1e-38, 3.0, 1e30], dtype=dtype)
    exact = T.ref_logaddexp(a, a)
    check("logaddexp(a, a)", logspace.logaddexp(a, a), exact, logaddexp_allowed(a, a, exact, dtype), "log", dtype, {"a": a})
    x = np.array([[0.0, -800.0], [0.0, -800.0]], dtype=dtype)
    exact = T.ref_logsumexp(x, axis=0)
    check("logsumexp ties along axis 0", logspace.logsumexp(x, axis=0), exact, 2.0, "log", dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_all_minus_inf(dtype):
    x = np.full(5, -np.inf, dtype=dtype)
    assert logspace.logsumexp(x) == -np.inf
    res, sign = logspace.logsumexp(x, return_sign=True)
    assert res == -np.inf and sign == 0
    assert np.all(logspace.logcumsumexp(x) == -np.inf)
    assert np.all(np.isnan(logspace.log_softmax(x)))
    assert np.all(np.isnan(logspace.softmax(x)))
    assert logspace.logaddexp(x[0], x[1]) == -np.inf
    assert logspace.logsubexp(x[0], x[1]) == -np.inf
    m = logspace.logmatmulexp(np.full((2, 3), -np.inf, dtype=dtype), np.zeros((3, 2), dtype=dtype))
    assert m.dtype == dtype and np.all(m == -np.inf)
    assert scalar.logsumexp([-INF, -INF]) == -INF
    assert scalar.logaddexp(-INF, -INF) == -INF


@pytest.mark.parametrize("dtype", DTYPES)
def test_log1mexp_log2_switch(dtype):
    """x just above and below -log 2, where the formula switches."""
    x = _neighbours([-math.log(2.0)], dtype, k=32)
    exact = T.ref_log1mexp(x)
    check("log1mexp near -log 2", logspace.log1mexp(x), exact, 2.0, "relative", dtype, {"x": x})
    if dtype == np.float64:
        got = np.array([scalar.log1mexp(float(v)) for v in x])
        check("scalar log1mexp near -log 2", got, exact, 2.0, "relative", dtype, {"x": x})


@pytest.mark.parametrize("dtype", DTYPES)
def test_log1mexp_tiny_argument(dtype):
    """log1mexp(-1e-20): log1p(-exp(x)) gives -inf there; truth is -46.05."""
    x = dtype(-1e-20)
    exact = T.ref_log1mexp(x)
    with np.errstate(divide="ignore"):
        assert float(np.log1p(-np.exp(x))) == -np.inf
    check("log1mexp(-1e-20)", logspace.log1mexp(x), exact, 2.0, "relative", dtype)
    check("scalar log1mexp(-1e-20)", np.float64(scalar.log1mexp(-1e-20)), T.ref_log1mexp(-1e-20), 2.0, "relative", np.float64)
    check("logsubexp(0, -1e-20)", logspace.logsubexp(dtype(0.0), x), exact, 2.0, "log", dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_logmatmulexp_gap_above_708(dtype):
    """[0, -800] @ [-800, 0]^T = -800 + log 2: the shifted product underflows."""
    a = np.array([[0.0, -800.0]], dtype=dtype)
    b = np.array([[-800.0], [0.0]], dtype=dtype)
    exact = T.ref_logmatmulexp(a, b)
    assert abs(float(exact[0, 0]) - (-799.3068528194401)) < 1e-12
    actual = logspace.logmatmulexp(a, b)
    check("logmatmulexp gap", actual, exact, matmul_allowed(a, b, exact, dtype), "log", dtype)
    actual_1d = logspace.logmatmulexp(a[0], b[:, 0])
    check("logmatmulexp gap 1-D", actual_1d, T.ref_logmatmulexp(a[0], b[:, 0]), matmul_allowed(a[0], b[:, 0], exact[0, 0], dtype), "log", dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("threshold", [-37.0, 18.0, 33.3])
def test_log1pexp_thresholds(dtype, threshold):
    x = _neighbours([threshold], dtype, k=16)
    exact = T.ref_log1pexp(x)
    check(f"log1pexp near {threshold}", logspace.log1pexp(x), exact, 2.0, "relative", dtype, {"x": x})
    if dtype == np.float64:
        got = np.array([scalar.log1pexp(float(v)) for v in x])
        check(f"scalar log1pexp near {threshold}", got, exact, 2.0, "relative", dtype, {"x": x})


def test_logsumexp_signed_weights_near_cancellation():
    """[1e-300, 0] with b = [1, -1] is logsubexp(1e-300, 0) = log(1e-300).

    Well-conditioned (kappa = 1/690: the only perturbable input is 1e-300), so
    the tight bound applies; computing 1 - exp(0 - 1e-300) = 1 - 1 loses it.
    """
    x, w = np.array([1e-300, 0.0]), np.array([1.0, -1.0])
    exact = T.ref_logsumexp(x, b=w)
    assert float(T.lse_condition_number(x, b=w)) < 2
    check("logsubexp(1e-300, 0)", logspace.logsubexp(1e-300, 0.0), T.ref_logsubexp(1e-300, 0.0), 2.0, "log", np.float64)
    check("logsumexp([1e-300, 0], b=[1, -1])", logspace.logsumexp(x, b=w), exact, 2.0, "log", np.float64)


def test_logsumexp_tiny_weight_on_the_largest_log_keeps_the_bound():
    """[0, -0.6] with b = [1e-300, 1]: the sum is e**-0.6 (1 + 1.8e-300).

    Shifting by the largest log (weight 1e-300) cancelled log(1e-300) against
    log1p(5e299) and lost 51 to 102 ulps; kappa is about 1, so 2 ulps hold.
    """
    rng = np.random.default_rng(43)
    cases = [([0.0, -0.6], [1e-300, 1.0]), ([0.0, -0.6], [1e-300, -1.0]), ([5.0, 2.0, -0.6], [1e-200, 1e-3, 1.0])]
    cases += [([0.0, float(v)], [1e-300, 1.0]) for v in rng.uniform(-0.69, -0.01, 20)]
    for x, w in cases:
        x, w = np.array(x), np.array(w)
        exact, sign = T.ref_logsumexp(x, b=w, return_sign=True)
        assert float(T.lse_condition_number(x, b=w)) <= 2
        actual, actual_sign = logspace.logsumexp(x, b=w, return_sign=True)
        assert actual_sign == sign
        check(f"logsumexp({x.tolist()}, b={w.tolist()})", actual, exact, 2.0, "log", np.float64)


def test_logsumexp_smaller_weight_on_a_much_larger_log_does_not_overflow():
    x, w = np.array([0.0, 800.0]), np.array([1e10, 1e-320])
    exact = T.ref_logsumexp(x, b=w)
    actual = logspace.logsumexp(x, b=w)
    check("logsumexp([0, 800], b=[1e10, 1e-320])", actual, exact, weighted_allowed(x, w, exact, np.float64), "log", np.float64)


def test_logsumexp_infinite_terms_of_both_signs():
    """inf * 1 + inf * (-1) is nan (scipy agrees), with or without return_sign."""
    from math import isnan

    x, w = np.array([np.inf, np.inf]), np.array([1.0, -1.0])
    assert isnan(float(logspace.logsumexp(x, b=w)))
    res, sign = logspace.logsumexp(x, b=w, return_sign=True)
    assert isnan(float(res)) and isnan(float(sign)), (res, sign)


def test_logsumexp_zero_times_infinite_weight():
    """e**-inf * inf is 0 * inf = nan, as in scipy."""
    assert np.isnan(logspace.logsumexp(np.array([-np.inf, 1.0]), b=np.array([np.inf, 1.0])))
    assert np.isnan(logspace.logsumexp(np.array([-np.inf]), b=np.array([np.inf])))


# ---------------------------------------------------------------------------
# Special values and warnings
# ---------------------------------------------------------------------------

SPECIALS = [-INF, -745.5, -1.0, -0.0, 0.0, 1e-300, 2.0, 1e300, INF, NAN]


@pytest.mark.parametrize("dtype", DTYPES)
def test_elementwise_special_values(dtype):
    grid_a, grid_b = np.meshgrid(np.array(SPECIALS), np.array(SPECIALS))
    with np.errstate(over="ignore"):
        a, b = grid_a.astype(dtype), grid_b.astype(dtype)
    exact = T.ref_logaddexp(a, b)
    check("logaddexp specials", logspace.logaddexp(a, b), exact, logaddexp_allowed(a, b, exact, dtype), "log", dtype, {"a": a, "b": b})
    with np.errstate(invalid="ignore"):
        actual = logspace.logsubexp(a, b)
    exact = T.ref_logsubexp(a, b)
    check("logsubexp specials", actual, exact, logsubexp_allowed(a, b, exact, dtype), "log", dtype, {"a": a, "b": b})
    x = a[0]
    check("log1pexp specials", logspace.log1pexp(x), T.ref_log1pexp(x), 2.0, "relative", dtype, {"x": x})
    with np.errstate(invalid="ignore", divide="ignore"):
        actual = logspace.log1mexp(x)
    check("log1mexp specials", actual, T.ref_log1mexp(x), 2.0, "relative", dtype, {"x": x})


@pytest.mark.parametrize("dtype", DTYPES)
def test_reduction_special_values(dtype):
    rows = [[-INF, -INF], [INF, 1.0], [INF, INF], [NAN, 1.0], [-INF, 1.0], [INF, -INF], [NAN, INF], [1.0, -INF, 1.0]]
    for row in rows:
        x = np.array(row, dtype=dtype)
        for name in ("logsumexp", "logcumsumexp", "log_softmax", "softmax"):
            exact = T.REFERENCES[name](x)
            actual = getattr(logspace, name)(x)
            check(f"{name} specials", actual, exact, 4.0, T.METRICS[name], dtype, {"row": str(row)})
        res, sign = logspace.logsumexp(x, return_sign=True)
        ex_res, ex_sign = T.ref_logsumexp(x, return_sign=True)
        np.testing.assert_array_equal(sign, np.asarray(ex_sign, dtype=dtype))
        check("logsumexp specials", res, ex_res, 2.0, "log", dtype, {"row": str(row)})


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_inputs(dtype):
    e = np.zeros(0, dtype=dtype)
    assert logspace.logsumexp(e) == -np.inf
    assert logspace.logsumexp(e).dtype == dtype
    res, sign = logspace.logsumexp(e, return_sign=True)
    assert res == -np.inf and sign == 0
    r = logspace.logsumexp(np.zeros((3, 0), dtype=dtype), axis=1)
    assert r.shape == (3,) and np.all(r == -np.inf)
    assert logspace.logsumexp(np.zeros((3, 0), dtype=dtype), axis=0).shape == (0,)
    assert logspace.logcumsumexp(e).shape == (0,)
    assert logspace.logcumsumexp(np.zeros((2, 0), dtype=dtype), axis=1).shape == (2, 0)
    assert logspace.log_softmax(e).shape == (0,)
    assert logspace.softmax(e).shape == (0,)
    assert logspace.logaddexp(e, e).shape == (0,)
    assert logspace.logsubexp(e, e).shape == (0,)
    m = logspace.logmatmulexp(np.zeros((2, 0), dtype=dtype), np.zeros((0, 3), dtype=dtype))
    assert m.shape == (2, 3) and np.all(m == -np.inf) and m.dtype == dtype
    exact = T.ref_logsumexp(np.zeros((3, 0)), axis=1)
    assert all(v == -np.inf for v in exact)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtypes_preserved(dtype):
    x = np.array([0.5, -1.0], dtype=dtype)
    for name in ("log1pexp", "logcumsumexp", "log_softmax", "softmax"):
        assert getattr(logspace, name)(x).dtype == dtype
    assert logspace.log1mexp(-x * x).dtype == dtype
    assert logspace.logaddexp(x, x).dtype == dtype
    assert logspace.logsubexp(x, x - 1).dtype == dtype
    assert logspace.logsumexp(x).dtype == dtype
    assert logspace.logmatmulexp(x, x).dtype == dtype
    assert logspace.logsumexp(np.array([1, 2])).dtype == np.float64


def test_domain_warnings():
    with pytest.warns(RuntimeWarning, match="invalid"):
        assert np.isnan(logspace.logsubexp(1.0, 2.0))
    with pytest.warns(RuntimeWarning, match="invalid"):
        assert np.isnan(logspace.logsubexp(np.inf, np.inf))
    with pytest.warns(RuntimeWarning, match="divide"):
        assert logspace.log1mexp(0.0) == -np.inf
    with pytest.warns(RuntimeWarning, match="invalid"):
        assert np.isnan(logspace.log1mexp(1.0))
    with np.errstate(invalid="raise"):
        with pytest.raises(FloatingPointError):
            logspace.logsubexp(np.array([1.0]), np.array([2.0]))
    # No warning where the semantics define the result (warnings are errors).
    assert logspace.logsubexp(3.0, 3.0) == -np.inf
    assert logspace.logsubexp(-np.inf, -np.inf) == -np.inf
    assert logspace.log1mexp(-np.inf) == 0.0
    assert logspace.logaddexp(np.inf, np.inf) == np.inf
    assert logspace.logsumexp([np.inf, 1.0]) == np.inf


def test_scalar_domain_errors():
    with pytest.raises(ValueError):
        scalar.logsubexp(1.0, 2.0)
    with pytest.raises(ValueError):
        scalar.log1mexp(0.0)
    with pytest.raises(ValueError):
        scalar.log1mexp(1.0)
    assert scalar.logsubexp(3.0, 3.0) == -INF
    assert math.isnan(scalar.logsubexp(INF, INF))


def test_scalar_twins_families():
    a, b = pair_families(np.float64, n=150)
    ex_add = T.ref_logaddexp(a, b)
    got = np.array([scalar.logaddexp(float(p), float(q)) for p, q in zip(a, b)])
    check("scalar logaddexp", got, ex_add, logaddexp_allowed(a, b, ex_add, np.float64), "log", np.float64, {"a": a, "b": b})
    hi, lo = np.maximum(a, b), np.minimum(a, b)
    ex_sub = T.ref_logsubexp(hi, lo)
    got = np.array([scalar.logsubexp(float(p), float(q)) for p, q in zip(hi, lo)])
    check("scalar logsubexp", got, ex_sub, logsubexp_allowed(hi, lo, ex_sub, np.float64), "log", np.float64, {"a": hi, "b": lo})
    x = np.concatenate([a, [-INF, INF, NAN]])
    got = np.array([scalar.log1pexp(float(v)) for v in x])
    check("scalar log1pexp", got, T.ref_log1pexp(x), 2.0, "relative", np.float64, {"x": x})
    x = np.concatenate([-np.abs(a[np.abs(a) > 0]), [-INF, NAN]])
    got = np.array([scalar.log1mexp(float(v)) for v in x])
    check("scalar log1mexp", got, T.ref_log1mexp(x), 2.0, "relative", np.float64, {"x": x})
    rows = lse_rows(np.float64, 20, 12, np.random.default_rng(19))
    exact = T.ref_logsumexp(rows, axis=-1)
    got = np.array([scalar.logsumexp(r.tolist()) for r in rows])
    check("scalar logsumexp", got, exact, lse_allowed(rows, exact, np.float64, 2.0), "log", np.float64, reduced_describer(rows))


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------


def _floats(dtype, bound=None, min_value=None):
    """Finite floats of ``dtype`` in [-bound, bound] (or [min_value, bound])."""
    width = 32 if dtype == np.float32 else 64
    bound = float(dtype(bound if bound is not None else (1e38 if dtype == np.float32 else 1e300)))
    low = -bound if min_value is None else float(dtype(min_value))
    return st.floats(low, bound, width=width, allow_nan=False, allow_infinity=False)


def _mixed_floats(dtype):
    """Mostly moderate values (where the interesting arithmetic is), some huge."""
    return st.one_of(_floats(dtype, 50.0), _floats(dtype, 1e3), _floats(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_property_logaddexp_logsubexp(dtype):
    @HYP
    @given(st.data())
    def run(data):
        a = dtype(data.draw(_mixed_floats(dtype)))
        near = st.builds(lambda d: float(a) - d, _floats(dtype, 1e-3, min_value=0.0))
        b = dtype(data.draw(st.one_of(_mixed_floats(dtype), near)))
        exact = T.ref_logaddexp(a, b)
        check("logaddexp", logspace.logaddexp(a, b), exact, logaddexp_allowed(a, b, exact, dtype), "log", dtype, {"a": a, "b": b})
        hi, lo = max(a, b), min(a, b)
        exact = T.ref_logsubexp(hi, lo)
        check("logsubexp", logspace.logsubexp(hi, lo), exact, logsubexp_allowed(hi, lo, exact, dtype), "log", dtype, {"a": hi, "b": lo})

    run()


@pytest.mark.parametrize("dtype", DTYPES)
def test_property_log1pexp_log1mexp(dtype):
    @HYP
    @given(st.one_of(_floats(dtype, 40.0), _floats(dtype, 800.0), _floats(dtype), _floats(dtype, 1e-10)))
    def run(v):
        x = dtype(v)
        check("log1pexp", logspace.log1pexp(x), T.ref_log1pexp(x), 2.0, "relative", dtype, {"x": x})
        if x < 0:
            check("log1mexp", logspace.log1mexp(x), T.ref_log1mexp(x), 2.0, "relative", dtype, {"x": x})

    run()


@pytest.mark.parametrize("dtype", DTYPES)
def test_property_reductions(dtype):
    @HYP
    @given(st.lists(_mixed_floats(dtype), min_size=1, max_size=25), st.data())
    def run(values, data):
        x = np.array(values, dtype=dtype)
        if data.draw(st.booleans()):  # cluster around one value
            x = (x[0] + np.array(values, dtype=np.float64) * 1e-6).astype(dtype)
        exact = T.ref_logsumexp(x)
        check("logsumexp", logspace.logsumexp(x), exact, lse_allowed(x, exact, dtype, 2.0), "log", dtype, {"x": str(x.tolist())})
        exact = T.ref_logcumsumexp(x)
        check("logcumsumexp", logspace.logcumsumexp(x), exact, cumsum_allowed(x, exact, dtype), "log", dtype, {"x": str(x.tolist())})
        exact = T.ref_log_softmax(x)
        check("log_softmax", logspace.log_softmax(x), exact, log_softmax_allowed(x, exact, dtype), "log", dtype, {"x": str(x.tolist())})
        exact = T.ref_softmax(x)
        check("softmax", logspace.softmax(x), exact, softmax_allowed(x, exact, dtype), "relative", dtype, {"x": str(x.tolist())})

    run()


@pytest.mark.parametrize("dtype", DTYPES)
def test_property_logmatmulexp(dtype):
    elements = st.one_of(_floats(dtype, 1e3), st.just(-np.inf), _floats(dtype, 1e5))

    @HYP
    @given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 4), st.data())
    def run(n, k, p, data):
        a = data.draw(hnp.arrays(dtype, (n, k), elements=elements))
        b = data.draw(hnp.arrays(dtype, (k, p), elements=elements))
        exact = T.ref_logmatmulexp(a, b)
        check(
            "logmatmulexp", logspace.logmatmulexp(a, b), exact, matmul_allowed(a, b, exact, dtype), "log", dtype,
            lambda idx: f"a={a.tolist()}, b={b.tolist()}",
        )

    run()


def test_property_warning_free():
    """Finite inputs in the domain never warn (warnings are errors here)."""

    @HYP
    @given(st.lists(_mixed_floats(np.float64), min_size=1, max_size=10))
    def run(values):
        x = np.array(values)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            logspace.logsumexp(x)
            logspace.logcumsumexp(x)
            logspace.softmax(x)
            logspace.log_softmax(x)
            logspace.log1pexp(x)
            logspace.log1mexp(-np.abs(x) - 1e-300)
            logspace.logaddexp(x, x[::-1])
            logspace.logsubexp(np.maximum(x, x[::-1]), np.minimum(x, x[::-1]))

    run()


# ---------------------------------------------------------------------------
# np.einsum on LogArrays: pairwise log-matmuls along numpy's path
# ---------------------------------------------------------------------------

EINSUM_CASES = [
    ("ij,jk,kl,lm->im", [(3, 4), (4, 2), (2, 3), (3, 3)]),  # a chain (the greedy path)
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ii->", [(4, 4)]),  # trace
    ("ii->i", [(3, 3)]),  # diagonal
    ("iij,jk->ik", [(3, 3, 2), (2, 4)]),  # repeated index beside a contraction
    ("i,j->ij", [(3,), (4,)]),  # outer product
    ("ij,ij->", [(3, 4), (3, 4)]),  # full contraction
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),  # batch index
    ("ijk,jl,kl->il", [(2, 3, 4), (3, 2), (4, 2)]),  # two indices summed in one step
    ("i,i,i->", [(5,), (5,), (5,)]),
    ("ab,bc,ca->", [(2, 3), (3, 4), (4, 2)]),  # trace of a product
]


def _einsum_exact(subscripts, logs, signs):
    """sum over every index assignment of the product of the operands, in mpmath: (log|S|, sign, sum |terms|)."""
    import itertools

    import mpmath

    inputs, output = subscripts.split("->")
    terms = inputs.split(",")
    sizes = {}
    for term, log in zip(terms, logs):
        sizes.update(zip(term, log.shape))
    letters = sorted(sizes)
    summed = [c for c in letters if c not in output]
    ctx = mpmath.mp.clone()
    ctx.prec = 200
    out_shape = tuple(sizes[c] for c in output)
    total = np.empty(out_shape, dtype=object)
    magnitude = np.empty(out_shape, dtype=object)
    for out_index in itertools.product(*(range(sizes[c]) for c in output)):
        s, m = ctx.mpf(0), ctx.mpf(0)
        for sum_index in itertools.product(*(range(sizes[c]) for c in summed)):
            where = dict(zip(output, out_index)) | dict(zip(summed, sum_index))
            log_sum, sign = ctx.mpf(0), 1
            for term, log, sgn in zip(terms, logs, signs):
                at = tuple(where[c] for c in term)
                log_sum += ctx.mpf(float(log[at]))
                sign *= int(sgn[at])
            value = ctx.exp(log_sum)
            s += sign * value
            m += value
        total[out_index] = s
        magnitude[out_index] = m
    return total, magnitude


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize(("subscripts", "shapes"), EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
@pytest.mark.parametrize("optimize", [False, "optimal"])
def test_einsum_matches_the_exact_sum(subscripts, shapes, signed, optimize):
    """Each pairwise step is a logmatmulexp (its bound per step); the steps add up.

    Asserted: |error| <= 16 u (sum_ops max|log| + total terms + |y|) * kappa,
    kappa = sum |terms| / |sum| (1 unsigned): a few steps of the matmul bound.
    """
    import mpmath

    rng = np.random.default_rng(len(subscripts) + 7 * signed)
    logs = [rng.normal(0, 30, shape) for shape in shapes]
    signs = [np.where(rng.random(shape) < 0.3, -1.0, 1.0) if signed else np.ones(shape) for shape in shapes]
    operands = [logspace.LogArray.from_log(lg, sign=sg if signed else None) for lg, sg in zip(logs, signs)]
    got = np.einsum(subscripts, *operands, optimize=optimize)
    total, magnitude = _einsum_exact(subscripts, logs, signs)
    got_log = np.atleast_1d(np.asarray(got.log, dtype=np.float64)).reshape(-1)
    got_sign = np.atleast_1d(np.asarray(got.sign, dtype=np.float64)).reshape(-1)
    u = 2.0**-53
    offsets = sum(float(np.max(np.abs(lg))) for lg in logs)
    n_terms = math.prod(lg.size for lg in logs)
    for g_log, g_sign, exact, mag in zip(got_log, got_sign, total.reshape(-1), magnitude.reshape(-1)):
        if exact == 0:
            continue
        y = float(mpmath.log(abs(exact)))
        kappa = float(mag / abs(exact))
        allowed = 16 * u * (offsets + n_terms + abs(y)) * kappa
        if allowed > 1e-3:  # cancellation beyond what float64 can resolve: no claim
            continue
        assert g_sign == (1.0 if exact > 0 else -1.0), (subscripts, g_sign, exact)
        assert abs(g_log - y) <= allowed, (subscripts, g_log, y, allowed)
