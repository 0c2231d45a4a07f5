"""logspace.maxmatmul: the max-plus product, compiled and numpy paths.

The numpy path (blocked broadcast sums) is checked against the plain
broadcast formula; the compiled path (logspace/_c_maxplus.c) must give the
same results bit for bit, argmax included.
"""

from __future__ import annotations

import numpy as np
import pytest

import logspace
from logspace import _kernels, _native

inf, nan = np.inf, np.nan


def reference(a, b):
    """max and argmax over k of a[..., i, k] + b[..., k, j], by broadcasting (numpy's max/argmax rules)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    va, vb = a.ndim == 1, b.ndim == 1
    a2 = a[np.newaxis, :] if va else a
    b2 = b[:, np.newaxis] if vb else b
    with np.errstate(invalid="ignore"):
        terms = a2[..., :, :, np.newaxis] + b2[..., np.newaxis, :, :]
    out, arg = terms.max(axis=-2), terms.argmax(axis=-2)
    if va:
        out, arg = out[..., 0, :], arg[..., 0, :]
    if vb:
        out, arg = out[..., 0], arg[..., 0]
    return out, arg


@pytest.fixture(params=["compiled", "numpy"])
def path(request, monkeypatch):
    """Run a test on both paths (the compiled one only where it is built)."""
    if request.param == "numpy":
        monkeypatch.setattr(_kernels, "_MAXPLUS", None)
    elif _kernels._MAXPLUS is None:
        pytest.skip("the C extension is not built here (python setup.py build_ext --inplace)")
    return request.param


SHAPES = [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)), ((2, 1, 3, 4), (5, 4, 2)), ((1, 4), (4, 1))]


@pytest.mark.parametrize(("shape_a", "shape_b"), SHAPES)
def test_maxmatmul_matches_the_broadcast_reference(path, shape_a, shape_b):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=shape_a) * 100, rng.normal(size=shape_b) * 100
    out, arg = logspace.maxmatmul(a, b, return_argmax=True)
    want, want_arg = reference(a, b)
    assert np.shape(out) == np.shape(want) == np.matmul(a, b).shape
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(arg, want_arg)
    np.testing.assert_array_equal(logspace.maxmatmul(a, b), want)


def test_maxmatmul_ties_take_the_lowest_k(path):
    a = np.array([[0.0, 0.0, 0.0, 1.0], [-inf, -inf, -inf, -inf], [2.0, 1.0, 2.0, 1.0]])
    b = np.array([[1.0, -inf], [1.0, -inf], [1.0, -inf], [0.0, -inf]])
    out, arg = logspace.maxmatmul(a, b, return_argmax=True)
    np.testing.assert_array_equal(out, [[1.0, -inf], [-inf, -inf], [3.0, -inf]])
    np.testing.assert_array_equal(arg, [[0, 0], [0, 0], [0, 0]])
    # Integer-valued logs: ties everywhere.
    rng = np.random.default_rng(1)
    x, y = rng.integers(-2, 3, (6, 9)).astype(float), rng.integers(-2, 3, (9, 7)).astype(float)
    got, got_arg = logspace.maxmatmul(x, y, return_argmax=True)
    want, want_arg = reference(x, y)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got_arg, want_arg)


def test_maxmatmul_nan_propagates_with_numpys_argmax(path):
    a = np.array([[0.0, nan, 1.0], [inf, 0.0, 0.0], [5.0, 1.0, 0.0], [-inf, 3.0, 0.0]])
    b = np.array([[0.0, 1.0], [0.0, -inf], [2.0, 0.0]])
    b_special = np.array([[0.0, 1.0], [nan, -inf], [-inf, inf]])
    for left, right in ((a, b), (a, b_special), (a[2:], b_special)):
        out, arg = logspace.maxmatmul(left, right, return_argmax=True)
        want, want_arg = reference(left, right)
        np.testing.assert_array_equal(out, want)
        np.testing.assert_array_equal(arg, want_arg)
    assert np.isnan(logspace.maxmatmul(np.array([[inf, 0.0]]), np.array([[-inf], [-inf]]))[0, 0])


def test_maxmatmul_random_special_values_match_the_reference(path):
    rng = np.random.default_rng(2)
    values = np.array([nan, inf, -inf, 0.0, 1.0, -1.0, 700.0])
    for _ in range(50):
        a = rng.choice(values, size=(3, 4), p=[0.05, 0.05, 0.3, 0.2, 0.15, 0.15, 0.1])
        b = rng.choice(values, size=(2, 4, 3), p=[0.05, 0.05, 0.3, 0.2, 0.15, 0.15, 0.1])
        out, arg = logspace.maxmatmul(a, b, return_argmax=True)
        want, want_arg = reference(a, b)
        np.testing.assert_array_equal(out, want)
        np.testing.assert_array_equal(arg, want_arg)


def test_compiled_maxmatmul_equals_the_numpy_fallback(monkeypatch):
    if _kernels._MAXPLUS is None:
        pytest.skip("the C extension is not built here (python setup.py build_ext --inplace)")
    rng = np.random.default_rng(3)
    cases = [
        (rng.normal(size=(70, 150)), rng.normal(size=(150, 40))),  # several row and k blocks
        (rng.integers(-3, 3, (4, 33, 20)).astype(float), rng.integers(-3, 3, (1, 20, 17)).astype(float)),
        (rng.normal(size=(2, 1, 5, 6)), rng.normal(size=(3, 6, 4))),
        (np.where(rng.random((8, 8)) < 0.3, -inf, rng.normal(size=(8, 8))), rng.normal(size=(8,))),
    ]
    compiled = [logspace.maxmatmul(a, b, return_argmax=True) for a, b in cases]
    monkeypatch.setattr(_kernels, "_MAXPLUS", None)
    for (a, b), (out, arg) in zip(cases, compiled):
        fallback, fallback_arg = logspace.maxmatmul(a, b, return_argmax=True)
        np.testing.assert_array_equal(out, fallback)
        np.testing.assert_array_equal(arg, fallback_arg)
        assert arg.dtype == fallback_arg.dtype == np.intp


@pytest.mark.parametrize("threads", [1, 3])
def test_compiled_tiles_and_threads_equal_the_numpy_fallback(monkeypatch, threads):
    # Shapes around the compiled loops' blocks: 4-row tiles, 8-column panels
    # (4 with the argmax), 32-row tasks, blocks of 128 k (fewer for a wide b); ties (integer logs)
    # and special values inside the tiles. Three threads share the rows even
    # of small products here.
    if _kernels._MAXPLUS is None:
        pytest.skip("the C extension is not built here (python setup.py build_ext --inplace)")
    monkeypatch.setattr(_kernels, "_MAXPLUS_THREADS", threads)
    monkeypatch.setattr(_kernels, "_THREADED_TERMS", 0)
    rng = np.random.default_rng(5)
    special = np.array([nan, inf, -inf, 0.0, 1.0, -1.0])
    cases = [
        (rng.normal(size=(37, 300)), rng.normal(size=(300, 29))),
        (rng.integers(-2, 3, (3, 9, 130)).astype(float), rng.integers(-2, 3, (3, 130, 16)).astype(float)),
        (rng.choice(special, size=(8, 12)), rng.choice(special, size=(12, 20))),
        (np.full((5, 140), -inf), rng.normal(size=(140, 11))),
        (rng.normal(size=(4, 7)), rng.normal(size=(7, 3))),
        (rng.normal(size=(5, 40)), rng.normal(size=(40, 5001))),  # wide: smaller blocks of k
    ]
    compiled = [logspace.maxmatmul(a, b, return_argmax=True) for a, b in cases]
    values = [logspace.maxmatmul(a, b) for a, b in cases]
    monkeypatch.setattr(_kernels, "_MAXPLUS", None)
    for (a, b), (out, arg), plain in zip(cases, compiled, values):
        fallback, fallback_arg = logspace.maxmatmul(a, b, return_argmax=True)
        np.testing.assert_array_equal(out, fallback)
        np.testing.assert_array_equal(plain, fallback)
        np.testing.assert_array_equal(arg, fallback_arg)


def test_compiled_maxmatmul_keeps_the_fallbacks_sign_of_zero(monkeypatch):
    # On a tie between 0.0 and -0.0 numpy's maximum keeps the later term, and
    # so must the compiled loops (array_equal alone does not see the sign).
    if _kernels._MAXPLUS is None:
        pytest.skip("the C extension is not built here (python setup.py build_ext --inplace)")
    rng = np.random.default_rng(6)
    zeros = np.array([-0.0, 0.0, -inf])
    a, b = rng.choice(zeros, size=(9, 10)), rng.choice(zeros, size=(10, 17))
    out, arg = logspace.maxmatmul(a, b, return_argmax=True)
    plain = logspace.maxmatmul(a, b)
    monkeypatch.setattr(_kernels, "_MAXPLUS", None)
    fallback, fallback_arg = logspace.maxmatmul(a, b, return_argmax=True)
    assert np.signbit(fallback).any() and not np.signbit(fallback).all()
    np.testing.assert_array_equal(np.signbit(out), np.signbit(fallback))
    np.testing.assert_array_equal(np.signbit(plain), np.signbit(fallback))
    np.testing.assert_array_equal(arg, fallback_arg)


def test_pure_python_switch_turns_the_compiled_product_off(monkeypatch):
    monkeypatch.setenv(_native.PURE_PYTHON_VARIABLE, "1")
    assert _native.load("_c_maxplus") is None


def test_maxmatmul_dtypes_follow_numpy(path):
    a32 = np.zeros((2, 3), np.float32)
    assert logspace.maxmatmul(a32, a32.T).dtype == np.float32
    assert logspace.maxmatmul(a32, np.zeros((3, 2))).dtype == np.float64
    assert logspace.maxmatmul(np.zeros((2, 3), int), np.zeros((3, 2), int)).dtype == np.float64
    assert isinstance(logspace.maxmatmul([1.0, 2.0], [3.0, 4.0]), np.float64)
    out, arg = logspace.maxmatmul([1.0, 2.0], [3.0, 4.0], return_argmax=True)
    assert out == 6.0 and arg == 1


def test_maxmatmul_bad_input_is_named(path):
    with pytest.raises(ValueError, match="mismatch"):
        logspace.maxmatmul(np.zeros((2, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="at least one dimension"):
        logspace.maxmatmul(1.0, np.zeros(3))
    with pytest.raises(TypeError, match="maxmatmul: expected real numbers"):
        logspace.maxmatmul(np.zeros((2, 2), complex), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="empty"):
        logspace.maxmatmul(np.zeros((2, 0)), np.zeros((0, 3)), return_argmax=True)
    np.testing.assert_array_equal(logspace.maxmatmul(np.zeros((2, 0)), np.zeros((0, 3))), np.full((2, 3), -inf))


def test_maxmatmul_is_the_viterbi_step():
    # One step of Viterbi: delta_j = max_i delta_i + log A_ij, and the best predecessor.
    rng = np.random.default_rng(4)
    A = np.log(rng.dirichlet(np.ones(4), size=4))
    delta = np.log(rng.dirichlet(np.ones(4)))
    best, back = logspace.maxmatmul(delta, A, return_argmax=True)
    np.testing.assert_array_equal(best, (delta[:, None] + A).max(axis=0))
    np.testing.assert_array_equal(back, (delta[:, None] + A).argmax(axis=0))


# ---------------------------------------------------------------------------
# Other array libraries: the array-API version (dask: the numpy kernel per block)
# ---------------------------------------------------------------------------

SPECIAL = np.array([nan, inf, -inf, 0.0, 1.0, -1.0, 2.0])


def _special_cases():
    rng = np.random.default_rng(7)
    cases = [(rng.normal(size=shape_a), rng.normal(size=shape_b)) for shape_a, shape_b in SHAPES]
    cases.append((rng.choice(SPECIAL, size=(2, 5, 6)), rng.choice(SPECIAL, size=(6, 4))))
    cases.append((rng.integers(-2, 3, (7, 9)).astype(float), rng.integers(-2, 3, (9, 3)).astype(float)))  # ties
    return cases


def _assert_like_numpy(convert, to_numpy, library_type, cases=None):
    for a, b in _special_cases() if cases is None else cases:
        want, want_arg = logspace.maxmatmul(a, b, return_argmax=True)
        out, arg = logspace.maxmatmul(convert(a), convert(b), return_argmax=True)
        assert isinstance(out, library_type) and isinstance(arg, library_type)
        np.testing.assert_array_equal(to_numpy(out), want)
        np.testing.assert_array_equal(to_numpy(arg), want_arg)
        np.testing.assert_array_equal(to_numpy(logspace.maxmatmul(convert(a), convert(b))), want)


def test_maxmatmul_on_array_api_strict_matches_numpy():
    xp = pytest.importorskip("array_api_strict")
    _assert_like_numpy(xp.asarray, np.asarray, type(xp.asarray([0.0])))
    with pytest.raises(ValueError, match="maxmatmul: mismatch"):
        logspace.maxmatmul(xp.zeros((2, 3)), xp.zeros((4, 2)))
    with pytest.raises(ValueError, match="empty"):
        logspace.maxmatmul(xp.zeros((2, 0)), xp.zeros((0, 3)), return_argmax=True)


def test_maxmatmul_on_array_api_strict_bounds_its_blocks(monkeypatch):
    # Several blocks of k: ties and nan across block boundaries keep numpy's rules.
    xp = pytest.importorskip("array_api_strict")
    from logspace import _xp_kernels

    monkeypatch.setattr(_xp_kernels, "_EXACT_CHUNK", 12)
    a = np.array([[0.0, 1.0, 1.0, nan, 1.0, nan], [2.0, -inf, 2.0, 0.0, 3.0, 3.0]])
    b = np.array([[1.0], [0.0], [0.0], [5.0], [0.0], [0.0]])
    out, arg = _xp_kernels.maxmatmul(xp.asarray(a), xp.asarray(b), return_argmax=True)
    want, want_arg = reference(a, b)
    np.testing.assert_array_equal(np.asarray(out), want)
    np.testing.assert_array_equal(np.asarray(arg), want_arg)


def test_maxmatmul_on_torch_matches_numpy_and_has_the_argmax_gradient():
    torch = pytest.importorskip("torch")
    _assert_like_numpy(torch.asarray, lambda t: t.detach().numpy(), torch.Tensor)
    rng = np.random.default_rng(8)
    a = torch.tensor(rng.normal(size=(3, 5)), requires_grad=True)
    b = torch.tensor(rng.normal(size=(5, 4)), requires_grad=True)
    out, arg = logspace.maxmatmul(a, b, return_argmax=True)
    out.sum().backward()
    k = arg.numpy()
    # d out_ij / d a_ik is 1 where k is the argmax of entry (i, j): a count per (i, k).
    want_a = np.zeros((3, 5))
    want_b = np.zeros((5, 4))
    for i in range(3):
        for j in range(4):
            want_a[i, k[i, j]] += 1
            want_b[k[i, j], j] += 1
    np.testing.assert_array_equal(a.grad.numpy(), want_a)
    np.testing.assert_array_equal(b.grad.numpy(), want_b)


def test_maxmatmul_on_jax_matches_numpy_and_has_the_argmax_gradient():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    with jax.enable_x64(True):
        # JAX compiles every operation for every shape: the special values, ties and a vector only.
        _assert_like_numpy(jnp.asarray, np.asarray, jax.Array, _special_cases()[-2:] + _special_cases()[1:2])
        rng = np.random.default_rng(9)
        a, b = jnp.asarray(rng.normal(size=(3, 5))), jnp.asarray(rng.normal(size=(5, 4)))
        grad_a = jax.grad(lambda x: logspace.maxmatmul(x, b).sum())(a)
        k = np.asarray(logspace.maxmatmul(a, b, return_argmax=True)[1])
        want = np.zeros((3, 5))
        for i in range(3):
            for j in range(4):
                want[i, k[i, j]] += 1
        np.testing.assert_array_equal(np.asarray(grad_a), want)


def test_maxmatmul_on_dask_is_lazy_and_matches_numpy():
    da = pytest.importorskip("dask.array")
    _assert_like_numpy(lambda v: da.from_array(v, chunks=2), lambda d: d.compute(), da.Array)
