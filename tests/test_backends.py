"""The kernels on other array libraries: array-api-strict, torch, JAX.

Every public kernel takes arrays of any array-API library and returns the
same array type on the same device, with the accuracy of the numpy kernels
measured against the mpmath reference (logspace.testing). Backends compute
in the input dtype, so float32 is held to its own bounds (FLOAT32_ULP);
torch on the CPU runs the numpy kernels on its buffers and must agree with
them bit for bit. torch and JAX tests skip where the library is absent.
"""

from __future__ import annotations

import functools
import math
import subprocess
import sys

import numpy as np
import pytest

import logspace
import logspace.testing as T
from logspace import _backends, _kernels

strict = pytest.importorskip("array_api_strict")


def _torch():
    return pytest.importorskip("torch")


def _jnp():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    return jnp


# Each backend: how to make one of its arrays from an ndarray.
BACKENDS = {
    "array_api_strict": lambda a: strict.asarray(a),
    "torch": lambda a: _torch().asarray(a),
    "jax": lambda a: _jnp().asarray(a),
}


@pytest.fixture(autouse=True)
def _free_jax_compilations():
    """Drop JAX's compiled code after each test: it adds up to ~1 GB over a file,
    and the peak memory of this process is inherited by the dask workers that
    tests/test_dask.py starts (their memory is asserted)."""
    yield
    if "jax" in sys.modules:
        sys.modules["jax"].clear_caches()


rng = np.random.default_rng(20261204)
_X = rng.normal(size=(6, 40)) * 5
_X[1, 3] = -np.inf
_X[4, :] = -np.inf
_M1 = rng.normal(size=(8, 12)) * 3
_M2 = rng.normal(size=(12, 5)) * 3
_NEG = -np.exp(rng.uniform(-30, 3, size=120))
_W = np.abs(rng.normal(size=(6, 40)))

# (kernel, arguments, keyword arguments, ulp metric) on the shared inputs.
CASES = [
    ("logsumexp", (_X,), {"axis": 1}, "log"),
    ("logsumexp", (_X,), {"axis": (0, 1), "keepdims": True}, "log"),
    ("logsumexp", (_X[:4],), {"axis": 1, "b": _W[:4]}, "log"),
    ("logaddexp", (_X[:, :20], _X[:, 20:]), {}, "log"),
    ("log1pexp", (np.linspace(-80.0, 80.0, 161),), {}, "relative"),
    ("log1mexp", (_NEG,), {}, "relative"),
    ("logsubexp", (_X[:4, :20] + 3.0, _X[:4, 20:]), {}, "log"),
    ("logcumsumexp", (_X,), {"axis": 1}, "log"),
    ("log_softmax", (_X[:4],), {"axis": 1}, "log"),
    ("softmax", (_X[:4],), {"axis": 1}, "relative"),
    ("logmatmulexp", (_M1, _M2), {}, "log"),
]
IDS = [f"{name}-{kw.get('axis', '')}{'-b' if 'b' in kw else ''}" for name, _, kw, _ in CASES]

# Bounds in ulps of the result dtype for float32 computed in float32 (the
# numpy kernels compute float32 in float64 and round once). softmax is
# bounded separately (its error grows with |log softmax|), logmatmulexp by
# logspace.testing.logmatmulexp_bound.
FLOAT32_ULP = {
    "logsumexp": 2.0,
    "logaddexp": 2.0,
    "log1pexp": 3.0,
    "log1mexp": 4.0,
    "logsubexp": 3.0,
    "logcumsumexp": 4.0,
    "log_softmax": 3.0,
}
FLOAT64_ULP = {
    "logsumexp": 2.0,
    "logaddexp": 1.0,
    "log1pexp": 2.0,
    "log1mexp": 3.0,  # 2 on numpy; JAX's exp and log add up to 3 (see the log1p test below)
    "logsubexp": 2.0,
    "logcumsumexp": 4.0,
    "log_softmax": 2.0,
}


def _allowed(name, args, exact, dtype):
    if name == "logmatmulexp":
        return T.logmatmulexp_bound(*args, exact, dtype=dtype)
    if name == "softmax":
        # exp of a log-softmax y with absolute error ~u|y|: relative error (2|y| + 4) ulp.
        with np.errstate(divide="ignore"):
            return 4.0 + 2.0 * np.abs(np.log(np.asarray(exact, dtype=float)))
    return (FLOAT32_ULP if dtype == np.float32 else FLOAT64_ULP)[name]


def _host(x):
    """Any backend's array as an ndarray."""
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    if _backends.library(x) == "array_api_strict":
        return np.asarray(strict.asarray(x, copy=True)._array)
    return np.asarray(x)


@functools.cache
def _case_reference(index, dtype):
    name, args, kw, _ = CASES[index]
    args = tuple(a.astype(dtype) for a in args)
    kw = {k: (v.astype(dtype) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    with np.errstate(all="ignore"):
        return getattr(T, f"ref_{name}")(*args, **kw)


def _run(name, args, kw, make, jit=False):
    """The kernel on the backend's arrays (``jit``: under jax.jit, one compilation instead of one per operation)."""
    static = {k: v for k, v in kw.items() if k != "b"}
    weights = {"b": make(kw["b"])} if "b" in kw else {}

    def call(*arrays, **weights):
        return getattr(logspace, name)(*arrays, **static, **weights)

    if jit:
        import jax

        call = jax.jit(call)
    return call(*(make(a) for a in args), **weights)


@pytest.mark.parametrize("backend", list(BACKENDS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_kernel_returns_the_backends_array_within_its_bound(backend, dtype, index):
    name, args, kw, metric = CASES[index]
    make = BACKENDS[backend]
    args = tuple(a.astype(dtype) for a in args)
    kw = {k: (v.astype(dtype) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    # JAX runs jitted here (eager JAX compiles every operation: seconds per
    # case); the eager path is checked by the tests below.
    out = _run(name, args, kw, make, jit=backend == "jax")
    probe = make(args[0])
    assert type(out) is type(probe)
    assert _backends.device(out) == _backends.device(probe)
    host = _host(out)
    assert host.dtype == dtype
    exact = _case_reference(index, dtype)
    errors = np.asarray(T.ulp_error(host, exact, metric=metric))
    allowed = _allowed(name, args, exact, dtype)
    if backend == "jax":
        # XLA on the CPU flushes subnormal results to zero: no claim for them.
        tiny = np.finfo(dtype).tiny
        subnormal = np.array([abs(float(e)) < tiny and float(e) != 0 for e in np.ravel(exact)]).reshape(errors.shape)
        errors = np.where(subnormal, 0.0, errors)
    assert np.all(errors <= allowed), f"{backend} {name}: max error {np.nanmax(errors):.3g} ulp"


@pytest.mark.parametrize(("name", "args", "kw", "metric"), CASES, ids=IDS)
def test_torch_on_the_cpu_equals_the_numpy_kernel_bit_for_bit(name, args, kw, metric):
    torch = _torch()
    out = _run(name, args, kw, torch.asarray)
    with np.errstate(all="ignore"):
        expected = getattr(_kernels, name)(*args, **kw)
    np.testing.assert_array_equal(out.detach().numpy(), expected)


def test_zero_dimensional_results_stay_arrays_of_the_backend():
    out = logspace.logsumexp(strict.asarray([0.0, -40.0]))
    assert type(out) is type(strict.asarray(0.0)) and out.ndim == 0
    assert float(out) == 4.248354255291589e-18


def test_numpy_operands_and_python_numbers_join_the_backend():
    torch = _torch()
    t = torch.tensor([1.0, 2.0], dtype=torch.float32)
    res, sign = logspace.logsumexp(t, b=np.array([1.0, -1.0], dtype=np.float32), return_sign=True)
    assert isinstance(res, torch.Tensor) and res.dtype == torch.float32 and float(sign) == -1.0
    out = logspace.logaddexp(t, 0.0)  # a Python number takes the tensor's dtype
    assert out.dtype == torch.float32


def test_integer_arrays_become_float64_and_complex_is_a_type_error():
    out = logspace.logaddexp(strict.asarray([0, 1]), strict.asarray([0, 1]))
    assert out.dtype == strict.float64
    with pytest.raises(TypeError, match="logsumexp: expected real numbers"):
        logspace.logsumexp(strict.asarray([1j]))


def test_log1mexp_on_jax_is_accurate_where_jnp_log1p_is_not():
    # jnp.log1p is ~100 ulp off near -0.4 in float64; log1mexp's second
    # branch takes log1p(-exp(x)) there (x near log 0.4).
    jnp = _jnp()
    x = np.linspace(np.log(0.6), np.log(0.25), 200)
    errors = T.ulp_error(np.asarray(logspace.log1mexp(jnp.asarray(x))), T.ref_log1mexp(x), metric="relative")
    assert np.max(errors) <= 3.0  # plain jnp.log1p(-exp(x)): about 100


def test_logmatmulexp_under_jit_recomputes_underflowed_entries():
    jax = pytest.importorskip("jax")
    jnp = _jnp()
    a = jnp.asarray([[0.0, -800.0], [0.0, 1.0]])
    b = jnp.asarray([[-800.0, 0.0], [0.0, 1.0]])
    out = np.asarray(jax.jit(logspace.logmatmulexp)(a, b))
    exact = T.ref_logmatmulexp(np.asarray(a), np.asarray(b))
    assert np.all(np.asarray(T.ulp_error(out, exact)) <= T.logmatmulexp_bound(np.asarray(a), np.asarray(b), exact))
    assert out[0, 0] == pytest.approx(-800.0 + math.log(2.0), rel=1e-15)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_a_dominant_term_keeps_its_neighbours_on_every_backend(backend):
    # The plain shifted form gives exactly 0 here (JAX takes it only where
    # every result is at least 1 in magnitude).
    x = BACKENDS[backend](np.array([[0.0, -40.0], [10.0, 9.0]]))
    out = _host(logspace.logsumexp(x, axis=1))
    assert out[0] == 4.248354255291589e-18
    assert np.all(np.asarray(T.ulp_error(out, T.ref_logsumexp(_host(x), axis=1))) <= 2)


def test_jit_and_vmap_give_the_eager_values():
    jax = pytest.importorskip("jax")
    jnp = _jnp()
    x = jnp.asarray(_X)
    eager = logspace.logsumexp(x, axis=1)
    np.testing.assert_array_equal(np.asarray(jax.jit(lambda v: logspace.logsumexp(v, axis=1))(x)), np.asarray(eager))
    np.testing.assert_array_equal(np.asarray(jax.vmap(logspace.logsumexp)(x)), np.asarray(eager))


def test_array_kinds_are_told_apart():
    torch = _torch()
    jnp = _jnp()
    assert _backends.kind(np.zeros(2), 1.0, [1.0], None, np.float64(1.0)) is None
    assert _backends.kind(torch.zeros(1)) == "torch"
    assert _backends.kind(jnp.zeros(1), np.zeros(1)) == "jax"
    assert _backends.kind(strict.asarray([1.0])) == "array_api"
    assert [_backends.library(x) for x in (np.zeros(1), torch.zeros(1), jnp.zeros(1), strict.asarray([1.0]))] == [
        "numpy",
        "torch",
        "jax",
        "array_api_strict",
    ]


def test_importing_logspace_imports_no_array_backend():
    code = (
        "import sys, numpy as np, logspace\n"
        "logspace.logsumexp(np.zeros(3)); logspace.logmatmulexp(np.zeros((2, 2)), np.zeros((2, 2)))\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "bad = loaded & {'torch', 'jax', 'jaxlib', 'dask', 'array_api_compat', 'array_api_strict'}\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_torch_on_a_cuda_device_stays_there_with_its_gradient():
    torch = _torch()
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    t = torch.tensor(_X[:4], device="cuda", requires_grad=True)
    out = logspace.logsumexp(t, axis=1)
    assert out.device == t.device
    exact = T.ref_logsumexp(_X[:4], axis=1)
    assert np.all(np.asarray(T.ulp_error(out.detach().cpu().numpy(), exact)) <= FLOAT64_ULP["logsumexp"])
    out.sum().backward()
    np.testing.assert_allclose(t.grad.cpu().numpy(), np.array(T.ref_softmax(_X[:4], axis=1), dtype=float), rtol=1e-13)
    product = logspace.logmatmulexp(torch.tensor(_M1, device="cuda"), torch.tensor(_M2, device="cuda"))
    assert product.device == t.device


def test_cupy_arrays_take_the_array_api_kernels():
    cp = pytest.importorskip("cupy")
    x = cp.asarray(_X[:4])
    out = logspace.logsumexp(x, axis=1)
    assert type(out) is type(x)
    exact = T.ref_logsumexp(_X[:4], axis=1)
    assert np.all(np.asarray(T.ulp_error(cp.asnumpy(out), exact)) <= FLOAT64_ULP["logsumexp"])


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_torch_off_the_cpu_path_meets_the_bounds(monkeypatch, index):
    # The forward pass a CUDA tensor takes (the array-API kernels on the
    # tensor's device), run here on CPU tensors.
    torch = _torch()
    from logspace import _torch as torch_kernels

    monkeypatch.setattr(torch_kernels, "_numpy_forward", lambda x: False)
    name, args, kw, metric = CASES[index]
    out = _run(name, args, kw, torch.asarray)
    exact = _case_reference(index, np.float64)
    errors = np.asarray(T.ulp_error(out.detach().numpy(), exact, metric=metric))
    assert np.all(errors <= _allowed(name, args, exact, np.float64))
