"""Gradients through the kernels: torch autograd and jax.grad.

The custom rules (torch.autograd.Function, jax.custom_jvp) are checked
against finite differences in float64, against the analytic gradients
(softmax weights from the mpmath reference), and where naive rules fail:
0/0 derivatives over slices of only -inf give zero in that slice and
nowhere else, and log1mexp keeps its large derivative near 0.
"""

from __future__ import annotations

import math
import sys

import mpmath
import numpy as np
import pytest

import logspace
import logspace.testing as T


def _torch_grad(f, *args):
    torch = pytest.importorskip("torch")
    ts = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in args]
    f(*ts).sum().backward()
    return [t.grad.numpy() for t in ts]


def _jax_grad(f, *args):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    xs = [jnp.asarray(np.asarray(a, dtype=np.float64)) for a in args]
    grads = jax.grad(lambda *v: jnp.sum(f(*v)), argnums=tuple(range(len(xs))))(*xs)
    return [np.asarray(g) for g in grads]


def _jax_jit_grad(f, *args):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    xs = [jnp.asarray(np.asarray(a, dtype=np.float64)) for a in args]
    grads = jax.jit(jax.grad(lambda *v: jnp.sum(f(*v)), argnums=tuple(range(len(xs)))))(*xs)
    return [np.asarray(g) for g in grads]


# JAX eagerly compiles every primitive on first sight (seconds per test), so
# the shared tests run jax.grad under jit; eager jax.grad is checked once
# below, on the data-dependent matmul fallback.
GRADS = {"torch": _torch_grad, "jax": _jax_jit_grad}


@pytest.fixture(params=list(GRADS))
def grad(request):
    return GRADS[request.param]



@pytest.fixture(autouse=True)
def _free_jax_compilations():
    """Drop JAX's compiled code after each test: it adds up to ~1 GB over a file,
    and the peak memory of this process is inherited by the dask workers that
    tests/test_dask.py starts (their memory is asserted)."""
    yield
    if "jax" in sys.modules:
        sys.modules["jax"].clear_caches()


rng = np.random.default_rng(7)


def _finite_differences(f, args, h=1e-6):
    """Central differences of sum(f) (numpy kernels) with respect to every element of every argument."""
    out = []
    for i, a in enumerate(args):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            up = [x.copy() for x in args]
            down = [x.copy() for x in args]
            up[i][idx] += h
            down[i][idx] -= h
            g[idx] = (np.sum(f(*up)) - np.sum(f(*down))) / (2 * h)
        out.append(g)
    return out


FD_CASES = {
    "logsumexp": (lambda x: logspace.logsumexp(x, axis=1), (rng.normal(size=(3, 4)),)),
    "logsumexp-weighted": (
        lambda x, w: logspace.logsumexp(x, axis=0, b=w),
        (rng.normal(size=(4, 2)), rng.uniform(0.5, 2.0, size=(4, 2))),
    ),
    "logaddexp": (logspace.logaddexp, (rng.normal(size=3), rng.normal(size=3))),
    "logsubexp": (logspace.logsubexp, (rng.normal(size=3) + 2.0, rng.normal(size=3) - 1.0)),
    "log1pexp": (logspace.log1pexp, (np.array([-40.0, -3.0, 0.5, 20.0, 35.0]),)),
    "log1mexp": (logspace.log1mexp, (-np.array([1e-3, 0.3, 0.9, 5.0]),)),
    "logcumsumexp": (lambda x: logspace.logcumsumexp(x, axis=1), (rng.normal(size=(2, 5)) * 3,)),
    "log_softmax": (lambda x: logspace.log_softmax(x, axis=1)[..., 0], (rng.normal(size=(2, 3)),)),
    "softmax": (lambda x: logspace.softmax(x, axis=1)[..., 1], (rng.normal(size=(2, 3)),)),
    "logmatmulexp": (logspace.logmatmulexp, (rng.normal(size=(2, 3)), rng.normal(size=(3, 2)))),
    "logmatmulexp-vector": (logspace.logmatmulexp, (rng.normal(size=3), rng.normal(size=(3, 2)))),
}


@pytest.mark.parametrize("case", list(FD_CASES))
def test_gradient_matches_finite_differences(grad, case):
    f, args = FD_CASES[case]
    expected = _finite_differences(f, args)
    for got, want in zip(grad(f, *args), expected):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_logsumexp_gradient_is_the_softmax_of_the_reference(grad):
    # A large common offset: exp(x - lse) would lose ~|x| u; the weights
    # must be the correctly rounded softmax within a few ulps.
    x = rng.normal(size=(3, 6)) * 4 + 1e3
    (got,) = grad(lambda v: logspace.logsumexp(v, axis=1), x)
    exact = T.ref_softmax(x, axis=1)
    assert np.max(np.asarray(T.ulp_error(got, exact, metric="relative"))) <= 4


def test_logsumexp_over_a_slice_of_only_minus_inf_has_zero_gradient_there_only(grad):
    x = rng.normal(size=(3, 4))
    x[1] = -np.inf
    (got,) = grad(lambda v: logspace.logsumexp(v, axis=1), x)
    np.testing.assert_array_equal(got[1], 0.0)
    exact = np.array(T.ref_softmax(x[[0, 2]], axis=1), dtype=float)
    np.testing.assert_allclose(got[[0, 2]], exact, rtol=1e-14)


def test_torch_logsumexp_gives_nan_where_ours_gives_zero():
    torch = pytest.importorskip("torch")
    t = torch.full((3,), -math.inf, dtype=torch.float64, requires_grad=True)
    torch.logsumexp(t, 0).backward()
    assert torch.isnan(t.grad).all()  # pytorch#31829: the naive rule
    (ours,) = _torch_grad(lambda v: logspace.logsumexp(v), np.full(3, -np.inf))
    np.testing.assert_array_equal(ours, 0.0)


def test_logaddexp_of_two_zeros_has_zero_gradient(grad):
    ga, gb = grad(logspace.logaddexp, np.array([-np.inf, 0.0]), np.array([-np.inf, -np.inf]))
    np.testing.assert_array_equal(ga, [0.0, 1.0])
    np.testing.assert_array_equal(gb, [0.0, 0.0])


def test_log_softmax_of_a_fully_masked_row_has_no_nan_gradient(grad):
    x = rng.normal(size=(3, 4))
    x[2] = -np.inf
    (got,) = grad(lambda v: logspace.log_softmax(v, axis=1)[..., 0], x)
    assert np.all(np.isfinite(got))
    np.testing.assert_array_equal(got[2], [1.0, 0.0, 0.0, 0.0])  # only d x_0 / d x_0: the 0/0 part is 0
    weights = np.array(T.ref_softmax(x[:2], axis=1), dtype=float)
    expected = np.eye(4)[0] - weights
    np.testing.assert_allclose(got[:2], expected, rtol=1e-13, atol=1e-16)


def test_softmax_of_a_fully_masked_row_has_zero_gradient(grad):
    x = rng.normal(size=(2, 3))
    x[0] = -np.inf
    (got,) = grad(lambda v: logspace.softmax(v, axis=1), x)
    np.testing.assert_array_equal(got[0], 0.0)
    np.testing.assert_allclose(got[1], 0.0, atol=1e-15)  # the sum of a softmax is 1 whatever x


def test_logmatmulexp_with_minus_inf_rows_has_zero_gradient_there(grad):
    a = rng.normal(size=(3, 4))
    a[1] = -np.inf
    b = rng.normal(size=(4, 2))
    b[:, 1] = -np.inf
    ga, gb = grad(logspace.logmatmulexp, a, b)
    assert np.all(np.isfinite(ga)) and np.all(np.isfinite(gb))
    np.testing.assert_array_equal(ga[1], 0.0)
    np.testing.assert_array_equal(gb[:, 1], 0.0)
    # Elsewhere: d sum_j C_ij / d a_ik = sum_j softmax_k(a_ik + b_kj), from the reference.
    rows = [0, 2]
    terms = a[rows][:, :, None] + b[None, :, :1]
    weights = np.array(T.ref_softmax(terms, axis=1), dtype=float)[..., 0]
    np.testing.assert_allclose(ga[rows], weights, rtol=1e-13)


def test_logmatmulexp_gradient_of_an_underflowed_entry_comes_from_its_exact_terms(grad):
    # exp(a - max) @ exp(b - max) underflows: the entry is recomputed exactly,
    # and so is its gradient: two equal terms, weight 1/2 each, to the
    # precision of the entry's log (ulp(800) = 1.1e-13 absolute).
    ga, gb = grad(logspace.logmatmulexp, np.array([[0.0, -800.0]]), np.array([[-800.0], [0.0]]))
    np.testing.assert_allclose(ga, [[0.5, 0.5]], rtol=1.2e-13)
    np.testing.assert_allclose(gb, [[0.5], [0.5]], rtol=1.2e-13)


def test_eager_jax_grad_takes_the_exact_matmul_branch():
    ga, gb = _jax_grad(logspace.logmatmulexp, np.array([[0.0, -800.0]]), np.array([[-800.0], [0.0]]))
    np.testing.assert_allclose(ga, [[0.5, 0.5]], rtol=1.2e-13)
    np.testing.assert_allclose(gb, [[0.5], [0.5]], rtol=1.2e-13)


@pytest.mark.parametrize("x", [-1e-3, -1e-10, -1e-300])
def test_log1mexp_keeps_its_large_derivative_near_zero(grad, x):
    (got,) = grad(logspace.log1mexp, np.array([x]))
    exact = float(-1 / mpmath.expm1(-mpmath.mpf(x)))
    assert np.isfinite(got[0])
    assert got[0] == pytest.approx(exact, rel=4e-16)


def test_logcumsumexp_gradient_over_a_wide_range_has_no_overflow(grad):
    # exp(x) would overflow and exp(x - max) underflow; the recurrence of
    # shares exp(x_i - y_j) does neither.
    x = np.array([[-1000.0, 0.0, 800.0, -np.inf, 700.0]])
    (got,) = grad(lambda v: logspace.logcumsumexp(v, axis=1), x)
    exact = []
    for i in range(x.shape[1]):
        total = mpmath.mpf(0)
        for j in range(i, x.shape[1]):
            y_j = mpmath.log(sum(mpmath.exp(mpmath.mpf(v)) for v in x[0, : j + 1]))
            total += mpmath.exp(mpmath.mpf(x[0, i]) - y_j) if x[0, i] > -np.inf else 0
        exact.append(float(total))
    np.testing.assert_allclose(got[0], exact, rtol=1e-14)
