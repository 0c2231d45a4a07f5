"""Likelihoods of many observations: products far below float range.

The likelihood of n independent observations is the product of their
probabilities. With a million of them it is a number like 1e-313000, which
no float can hold: the plain product underflows to 0.0 long before the end,
and the usual escape, summing logs by hand, gives a log but loses the number.
A :class:`~logspace.LogArray` stores the logs for you: its ``prod()`` is a
:class:`~logspace.LogFloat` that prints as the number it is.

>>> import numpy as np
>>> from logspace import LogArray
>>> p = random_probabilities(1000, seed=0)        # 1000 numbers in (0.3, 0.7)
>>> print(f"{np.prod(p):.4e}")                    # near the bottom of float range
1.3446e-307
>>> float(np.prod(np.concatenate([p, p])))        # 2000 of them: gone
0.0
>>> print(LogArray(p).prod())
1.344609792934e-307
>>> print(product_of_probabilities(10**5, seed=0))
2.36964711525e-31336

``python docs/examples/likelihood.py`` multiplies 10**6 of them (a LogFloat
of about 1e-313000) and checks the result against mpmath.

**How accurate is it?** ``prod()`` sums the logs with numpy's pairwise
summation, so the stored log of the product carries two kinds of error: the
rounding of each ``log(p_i)`` (at most one ulp of a number below 2 here:
2**-52 each, n * 2**-52 in all) and the rounding of the sum (pairwise: each
term passes through at most ``25 + ceil(log2(n / 128))`` additions, each
off by at most 2**-53 of the running magnitude, so at most that many times
2**-53 * |log product|). For n = 10**6 this bounds the error at about 30
ulps of the log, that is a relative error of about 3e-9 in the product;
in practice the roundings cancel and the error is about one ulp.
:func:`log_product_error_bound` computes the bound and :func:`exact_log_product`
the reference (mpmath, 256 bits).

**A mixture model.** The likelihood of a point under a mixture is a sum over
components of weight times density, ``sum_k w_k N(x; mu_k, sigma_k)``. For a
point far from every component each density underflows, the sum is 0.0 and
the log-likelihood of the whole data set is -inf; one outlier is enough.
In log space the densities are just their logs, and ``.sum(axis=1)`` is a
log-sum-exp over the components:

>>> x = mixture_data(200, seed=0)                  # 200 points, 2 far outliers
>>> weights, means, sigmas = MIXTURE
>>> with np.errstate(divide="ignore"):
...     naive_mixture_loglik(x, weights, means, sigmas)
np.float64(-inf)
>>> per_point, total = mixture_loglik(x, weights, means, sigmas)
>>> per_point.log[:3]                             # log-likelihood of each point
array([-1.08649619, -2.23457588, -2.29475021])
>>> round(total.log, 6)                           # of the whole data set
-5685.995188
>>> print(f"{total:.6e}")
4.014817e-2470
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import mpmath
import numpy as np

from logspace import LogArray, LogFloat, testing

#: The example mixture: weights, means and standard deviations of 3 Gaussians.
MIXTURE = (np.array([0.3, 0.5, 0.2]), np.array([-4.0, 0.0, 5.0]), np.array([1.0, 0.5, 2.0]))

#: Working precision of the mpmath references, in bits.
PRECISION = 256


def random_probabilities(n: int, seed: int = 0) -> np.ndarray:
    """n probabilities drawn uniformly from (0.3, 0.7)."""
    return np.random.default_rng(seed).uniform(0.3, 0.7, n)


def product_of_probabilities(n: int = 10**6, seed: int = 0) -> LogFloat:
    """The product of :func:`random_probabilities`: a LogFloat of about 10**(-0.31 n)."""
    return LogArray(random_probabilities(n, seed)).prod()


def exact_log_product(p: np.ndarray) -> Any:
    """The natural log of prod(p) with mpmath (an mpf).

    Each float is an exact mpf and each of the n products is rounded to
    :data:`PRECISION` bits, so the relative error is below n * 2**-256.
    """
    with mpmath.workprec(PRECISION):
        return mpmath.log(mpmath.fprod(p.tolist()))


def log_product_error_bound(n: int, log_product: float) -> float:
    """A bound on the error of ``LogArray(p).prod().log``, in ulps of the log.

    For probabilities in (0.3, 0.7): each ``log(p_i)`` lies in (-1.21, -0.35)
    and is within one ulp (2**-52) of exact; numpy's pairwise sum puts each
    term through at most ``depth`` roundings of at most 2**-53 relative.
    """
    depth = 25 + max(0, math.ceil(math.log2(n / 128)))
    absolute = n * 2.0**-52 + depth * 2.0**-53 * abs(log_product)
    return absolute / math.ulp(log_product)


def mixture_data(n: int, seed: int = 0, outliers: float = 0.01) -> np.ndarray:
    """n points from :data:`MIXTURE`; a fraction ``outliers`` of them lie 100 to 200 away."""
    rng = np.random.default_rng(seed)
    weights, means, sigmas = MIXTURE
    component = rng.choice(len(weights), size=n, p=weights)
    x = rng.normal(means[component], sigmas[component])
    far = rng.choice(n, size=round(outliers * n), replace=False)
    x[far] = rng.choice([-1.0, 1.0], size=len(far)) * rng.uniform(100.0, 200.0, size=len(far))
    return x


def log_normal_density(x: np.ndarray, means: np.ndarray, sigmas: np.ndarray) -> np.ndarray:
    """log N(x_i; mu_k, sigma_k) as an (n, K) float array: finite for any x."""
    z = (x[:, None] - means) / sigmas
    return -0.5 * z**2 - np.log(sigmas) - 0.5 * np.log(2 * np.pi)


def naive_mixture_loglik(x: np.ndarray, weights: np.ndarray, means: np.ndarray, sigmas: np.ndarray) -> Any:
    """The textbook formula in plain floats: -inf as soon as one density underflows."""
    densities = np.exp(log_normal_density(x, means, sigmas))
    return np.sum(np.log(np.sum(weights * densities, axis=1)))


def mixture_loglik(
    x: np.ndarray, weights: np.ndarray, means: np.ndarray, sigmas: np.ndarray
) -> tuple[LogArray, LogFloat]:
    """Likelihood of each point (a LogArray, n) and of the data set (a LogFloat).

    Their ``.log`` are the log-likelihoods.
    """
    terms = LogArray.from_log(log_normal_density(x, means, sigmas)) * LogArray(weights)
    per_point = terms.sum(axis=1)
    return per_point, per_point.prod()


def exact_mixture_loglik(x: np.ndarray, weights: np.ndarray, means: np.ndarray, sigmas: np.ndarray) -> np.ndarray:
    """The log-likelihood of each point with mpmath: an object array of mpf."""
    out = np.empty(len(x), dtype=object)
    with mpmath.workprec(PRECISION):
        sqrt_2pi = mpmath.sqrt(2 * mpmath.pi)
        for i, xi in enumerate(x.tolist()):
            density = mpmath.fsum(
                mpmath.mpf(w) * mpmath.exp(-(((xi - mpmath.mpf(m)) / s) ** 2) / 2) / (s * sqrt_2pi)
                for w, m, s in zip(weights.tolist(), means.tolist(), sigmas.tolist())
            )
            out[i] = mpmath.log(density)
    return out


#: A bound on the error of each point's log-likelihood, in ulps of max(|log-likelihood|, 1).
#: ``log_normal_density`` rounds about five times (the difference, the
#: quotient, the square and two subtractions), each by at most 2**-53
#: relative, so each log density is off by at most about 5 * 2**-53 of its
#: magnitude; the log-sum-exp weighs these errors by the components' shares of
#: the point's likelihood (which sum to 1) and adds about 2 ulps of its own.
#: Measured: below 2 ulps.
MIXTURE_POINT_BOUND = 8.0


def main(n: int = 10**6, points: int = 10**4, checked: int = 1000, seed: int = 0) -> None:
    """The product of n probabilities and a mixture log-likelihood, both against mpmath."""
    p = random_probabilities(n, seed)
    product = LogArray(p).prod()
    exact = exact_log_product(p)
    error = float(testing.ulp_error(product.log, exact, metric="relative"))
    bound = log_product_error_bound(n, product.log)
    with mpmath.workprec(PRECISION):
        exact_text = mpmath.nstr(mpmath.exp(exact), 15)
    print(f"product of {n} probabilities in (0.3, 0.7)")
    print(f"  numpy np.prod(p):      {float(np.prod(p))!r}")
    print(f"  LogArray(p).prod():    {product}")
    print(f"  mpmath ({PRECISION} bits):     {exact_text}")
    print(f"  error of the log:      {error:.2f} ulps (bound {bound:.0f} ulps)")

    weights, means, sigmas = MIXTURE
    x = mixture_data(points, seed)
    with np.errstate(divide="ignore"):
        naive = naive_mixture_loglik(x, weights, means, sigmas)
    per_point, total = mixture_loglik(x, weights, means, sigmas)
    sub = np.random.default_rng(seed).choice(points, size=min(checked, points), replace=False)
    errors = testing.ulp_error(per_point.log[sub], exact_mixture_loglik(x[sub], weights, means, sigmas))
    print(f"Gaussian mixture, {len(weights)} components, {points} points")
    print(f"  plain floats:          log-likelihood {float(naive)!r}")
    print(f"  LogArray:              log-likelihood {total.log!r}, likelihood {total:.10e}")
    print(f"  mpmath on {len(sub)} points: max error {np.max(errors):.2f} ulps (bound {MIXTURE_POINT_BOUND:.0f} ulps)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**6, help="number of probabilities to multiply")
    parser.add_argument("--points", type=int, default=10**4, help="number of data points of the mixture")
    parser.add_argument("--checked", type=int, default=1000, help="points checked against mpmath")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(n=args.n, points=args.points, checked=args.checked, seed=args.seed)
