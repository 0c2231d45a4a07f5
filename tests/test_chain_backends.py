"""logspace.chain on torch tensors and JAX arrays, against the numpy chain.

Every function is compared with the numpy chain on the same model, within
the bounds stated in ``logspace/_chain_xp.py`` (those of the numpy chain,
with u the unit roundoff of the dtype; the comparison allows both sides
their error). The gradient rule of ``chain.likelihood`` is checked against
``chain.posteriors`` and ``chain.transition_posteriors`` of the numpy chain,
against finite differences, at zero weights (zero, not nan) and under
``jax.jit``. JAX runs under ``jax.jit`` here (eagerly, every primitive is
compiled on first sight). Each library is skipped where it is not installed.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from typing import Any

import numpy as np
import pytest

from logspace import LogArray, _chain_xp, chain

U64 = 2.0**-53
U32 = 2.0**-24
# torch on the CPU runs the numpy chain on the tensors' buffers where it can;
# "torch-array-api" sends it through the array-API recursions (as on a GPU).
LIBRARIES = ["torch", "torch-array-api", "jax"]


@pytest.fixture(params=LIBRARIES)
def lib(request: Any, monkeypatch: Any) -> str:
    if request.param == "torch-array-api":
        monkeypatch.setattr(_chain_xp, "TORCH_CPU_ON_NUMPY", False)
    return "jax" if request.param == "jax" else "torch"


def _torch() -> Any:
    return pytest.importorskip("torch")


def _jax() -> Any:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


@pytest.fixture(autouse=True)
def _free_jax_compilations():
    """Drop JAX's compiled code after each test (it adds up over a file)."""
    yield
    if "jax" in sys.modules:
        sys.modules["jax"].clear_caches()


def _array(lib: str, x: np.ndarray, dtype: Any = np.float64) -> Any:
    if lib == "torch":
        return _torch().asarray(np.asarray(x, dtype=dtype))
    _jax()
    import jax.numpy as jnp

    return jnp.asarray(np.asarray(x, dtype=dtype))


def _logs(lib: str, x: np.ndarray, dtype: Any = np.float64) -> LogArray:
    with np.errstate(divide="ignore"):
        return LogArray.from_log(_array(lib, np.log(x), dtype))


def _call(lib: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args)``, under ``jax.jit`` on JAX (the LogArrays are pytrees)."""
    if lib == "jax":
        return _jax().jit(lambda *a: fn(*a, **kwargs))(*args)
    return fn(*args, **kwargs)


def _host_logs(x: Any) -> np.ndarray:
    log = x.log if isinstance(x, LogArray) else x
    if hasattr(log, "detach"):
        return log.detach().cpu().numpy()
    return np.asarray(log)


def _library_of(x: LogArray) -> str:
    return "torch" if type(x.log).__module__.startswith("torch") else "jax"


def loglik_bound(T: int, K: int, emis_logs: np.ndarray, loglik: Any, u: float) -> Any:
    """2 (K + 2) T u + 2 u S, the bound of the module docstrings, per sequence."""
    finite = np.where(np.isfinite(emis_logs), np.abs(emis_logs), 0.0)
    S = finite.max(axis=-1).sum(axis=-1) + np.where(np.isfinite(loglik), np.abs(loglik), 0.0)
    return 2 * (K + 2) * T * u + 2 * u * S


def _model(K: int, T: int, rng: np.random.Generator, N: int | None = None, zeros: bool = True) -> tuple[Any, ...]:
    """A random HMM with some zero weights: init (K,), trans (K, K), emis (T, K) or (N, T, K)."""
    init = rng.dirichlet(np.ones(K))
    trans = rng.dirichlet(np.ones(K), size=K)
    emis = rng.random((T, K) if N is None else (N, T, K))
    if zeros and K > 1:  # never all paths: the chain keeps some weight
        trans[0, K - 1] = 0.0 if K > 2 else trans[0, K - 1]
        emis[..., T // 2, 0] = 0.0
        init[K - 1] = 0.0
    return init, trans, emis


NAMES = ("likelihood", "forward", "posteriors", "transition_posteriors", "viterbi")
CASES = {
    "one-state": (1, 5),
    "one-step": (3, 1),
    "two-steps": (2, 2),
    "small": (3, 9),
    "wider": (5, 12),
}


def _compare(
    lib: str, init: Any, trans: Any, emis: Any, dtype: Any = np.float64, lengths: Any = None
) -> dict[str, Any]:
    """Every chain function on the backend against the numpy chain on the same weights."""
    u = U64 if dtype == np.float64 else U32
    kw = {} if lengths is None else {"lengths": lengths}
    args = [_logs(lib, x, dtype) for x in (init, trans, emis)]
    if dtype != np.float64:  # the same rounded weights on both sides
        init, trans, emis = (np.exp(_host_logs(a).astype(np.float64)) for a in args)
    emis_logs = np.log(emis) if np.all(emis > 0) else np.where(emis > 0, np.log(np.maximum(emis, 1e-300)), -np.inf)
    T, K = emis.shape[-2:]

    def every(i: Any, t: Any, e: Any) -> dict[str, Any]:
        out = {name: getattr(chain, name)(i, t, e, **kw) for name in NAMES}
        out["backward"] = chain.backward(t, e, **kw)
        return out

    results = _call(lib, every, *args)  # on JAX one jit for all: one compilation
    ll = results["likelihood"]
    ref = chain.likelihood(init, trans, emis, **kw)
    assert isinstance(ll, LogArray) and _library_of(ll) == lib
    assert ll.shape == (() if emis.ndim == 2 else (emis.shape[0],))
    ref_log = np.asarray(ref.log, dtype=np.float64)
    bound = 2 * loglik_bound(T, K, emis_logs, ref_log, u)
    assert np.all(np.isfinite(ref_log))
    np.testing.assert_array_less(np.abs(_host_logs(ll).astype(np.float64) - ref_log), bound + 1e-300)

    for name in ("forward", "posteriors", "transition_posteriors"):
        got = results[name]
        want = getattr(chain, name)(init, trans, emis, **kw)
        assert isinstance(got, LogArray) and _library_of(got) == lib and got.shape == want.shape, name
        g, w = _host_logs(got).astype(np.float64), want.log
        assert np.array_equal(g == -np.inf, w == -np.inf), name
        if name == "forward":  # absolute logs: the log-likelihood's bound, with the largest |log alpha|
            _assert_logs_close(g, w, T, K, emis_logs, u)
        else:  # probabilities: 4 (K + 2) T u absolute, for each side
            diff = np.abs(np.exp(g) - np.exp(w))
            assert diff.max(initial=0.0) <= 8 * (K + 2) * T * u, (name, diff.max())

    got = results["backward"]
    want = chain.backward(trans, emis, **kw).log
    g = _host_logs(got).astype(np.float64)
    assert np.array_equal(g == -np.inf, want == -np.inf)
    _assert_logs_close(g, want, T, K, emis_logs, u)
    path, weight = results["viterbi"]
    want_path, want_weight = chain.viterbi(init, trans, emis, **kw)
    np.testing.assert_array_equal(_host_logs(path), want_path)
    np.testing.assert_allclose(_host_logs(weight), np.asarray(want_weight.log), rtol=4 * T * u)
    return results  # type: ignore[no-any-return]


def _assert_logs_close(got: np.ndarray, want: np.ndarray, T: int, K: int, emis_logs: np.ndarray, u: float) -> None:
    """Absolute logs (forward, backward): within twice the log-likelihood's bound, S from the largest |log|."""
    finite = np.isfinite(want)
    scale = np.abs(np.where(finite, want, 0.0)).max(initial=0.0)
    tol = float(np.max(2 * loglik_bound(T, K, emis_logs, scale, u)))
    diff = np.abs(np.where(finite, got, 0.0) - np.where(finite, want, 0.0))
    assert diff.max(initial=0.0) <= tol, (diff.max(), tol)


@pytest.mark.parametrize("case", list(CASES))
def test_every_function_matches_numpy(lib: str, case: str) -> None:
    K, T = CASES[case]
    rng = np.random.default_rng(K * 100 + T)
    _compare(lib, *_model(K, T, rng))


def test_float32_matches_numpy_within_float32_bounds(lib: str) -> None:
    rng = np.random.default_rng(32)
    init, trans, emis = _model(4, 30, rng)
    results = _compare(lib, init, trans, emis, dtype=np.float32)
    assert str(results["posteriors"].log.dtype).endswith("float32")


def test_emission_logs_far_below_float_range(lib: str) -> None:
    """-1e4 a step: the likelihood's log is about -T * 1e4, everything else ordinary."""
    rng = np.random.default_rng(4)
    init, trans, _ = _model(3, 40, rng)
    emis_logs = -1e4 + rng.normal(size=(40, 3))
    args = [_logs(lib, init), _logs(lib, trans), LogArray.from_log(_array(lib, emis_logs))]
    ll = _call(lib, chain.likelihood, *args)
    ref = chain.likelihood(init, trans, LogArray.from_log(emis_logs)).log
    assert abs(float(_host_logs(ll)) - ref) <= 2 * loglik_bound(40, 3, emis_logs, ref, U64)
    assert ref < -3.9e5
    gamma = _host_logs(_call(lib, chain.posteriors, *args))
    want = chain.posteriors(init, trans, LogArray.from_log(emis_logs)).to_numpy()
    np.testing.assert_allclose(np.exp(gamma), want, rtol=0, atol=1e-12)
    path, weight = _call(lib, chain.viterbi, *args)
    want_path, want_weight = chain.viterbi(init, trans, LogArray.from_log(emis_logs))
    np.testing.assert_array_equal(_host_logs(path), want_path)


def test_time_varying_trans(lib: str) -> None:
    rng = np.random.default_rng(5)
    init, _, emis = _model(3, 8, rng)
    trans = rng.dirichlet(np.ones(3), size=(7, 3))
    trans[2, 1, :2] = 0.0
    _compare(lib, init, trans, emis)


def test_batches_with_lengths_and_per_sequence_weights(lib: str) -> None:
    """emis (N, T, K), init (N, K), trans (N, 1, K, K) and (N, T-1, K, K), lengths: as on numpy."""
    rng = np.random.default_rng(6)
    N, T, K = 3, 7, 3
    _, _, emis = _model(K, T, rng, N=N)
    init = rng.dirichlet(np.ones(K), size=N)
    shared = rng.dirichlet(np.ones(K), size=K)
    per_sequence = rng.dirichlet(np.ones(K), size=(N, 1, K))
    per_step = rng.dirichlet(np.ones(K), size=(N, T - 1, K))
    per_step[1, 0, 0, :] = 0.0
    lengths = np.array([7, 1, 4])
    _compare(lib, init[0], shared, emis)
    _compare(lib, init, per_sequence, emis, lengths=lengths)
    _compare(lib, init, per_step, emis, lengths=lengths)


def test_a_sequence_of_weight_zero(lib: str) -> None:
    """Likelihood zero; posteriors nan (as numpy's 0/0); Viterbi all zeros, weight zero."""
    init, trans, emis = np.array([1.0, 0.0]), np.eye(2), np.array([[1.0, 0.0], [0.0, 1.0]])
    args = [_logs(lib, x) for x in (init, trans, emis)]
    ll, gamma, xi, (path, weight) = _call(
        lib,
        lambda *a: tuple(
            f(*a) for f in (chain.likelihood, chain.posteriors, chain.transition_posteriors, chain.viterbi)
        ),
        *args,
    )
    assert float(_host_logs(ll)) == -np.inf
    assert np.isnan(_host_logs(gamma)).all()
    assert np.isnan(_host_logs(xi)).all()
    assert _host_logs(path).tolist() == [0, 0] and float(_host_logs(weight)) == -np.inf


def test_viterbi_ties_go_to_the_lowest_index(lib: str) -> None:
    """Uniform weights: every path ties, the path is all zeros; exact ties at one step as on numpy."""
    uniform = np.full((6, 3), 0.25)
    path, weight = _call(lib, chain.viterbi, *[_logs(lib, x) for x in (np.ones(3) / 3, np.ones((3, 3)) / 3, uniform)])
    assert _host_logs(path).tolist() == [0] * 6
    assert abs(float(_host_logs(weight)) - chain.viterbi(np.ones(3) / 3, np.ones((3, 3)) / 3, uniform)[1].log) < 1e-13
    trans = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    emis = np.array([[0.5, 0.5, 0.1], [1.0, 1.0, 0.1], [0.3, 0.3, 0.4], [0.2, 0.9, 0.9]])
    init = np.array([0.5, 0.5, 0.0])
    path, _ = _call(lib, chain.viterbi, *[_logs(lib, x) for x in (init, trans, emis)])
    got = _host_logs(path)
    assert got.dtype.kind == "i"
    np.testing.assert_array_equal(got, chain.viterbi(init, trans, emis)[0])
    assert got.tolist() == [0, 0, 0, 1]


def test_raw_tensors_of_linear_weights(lib: str) -> None:
    """Raw tensors are linear weights, as ``LogArray(t)`` takes them; numpy arguments mix in."""
    rng = np.random.default_rng(8)
    init, trans, emis = _model(3, 6, rng)
    ll = _call(lib, chain.likelihood, init, _array(lib, trans), _array(lib, emis))
    assert isinstance(ll, LogArray) and _library_of(ll) == lib
    assert abs(float(_host_logs(ll)) - chain.likelihood(init, trans, emis).log) < 1e-13
    gamma = _call(lib, chain.posteriors, init, trans, _array(lib, emis))
    np.testing.assert_allclose(np.exp(_host_logs(gamma)), chain.posteriors(init, trans, emis).to_numpy(), atol=1e-14)
    single = chain.likelihood(init, _array(lib, trans, np.float32), emis)  # the backend's dtype wins
    assert str(single.log.dtype).endswith("float32")


def test_sample_draws_the_numpy_chains_paths(lib: str) -> None:
    """Forward filtering on the backend, the draws on the host: the same paths as numpy for one seed."""
    rng = np.random.default_rng(9)
    init, trans, emis = _model(3, 10, rng, N=2)
    args = [_logs(lib, x) for x in (init, trans, emis)]
    got = chain.sample(*args, size=50, rng=3, lengths=[10, 6])
    assert type(got).__module__.split(".")[0] in ("torch", "jax", "jaxlib")
    want = chain.sample(init, trans, emis, size=50, rng=3, lengths=[10, 6])
    np.testing.assert_array_equal(_host_logs(got), want)
    one = chain.sample(args[0], args[1], args[2][0], rng=np.random.default_rng(1))
    assert tuple(one.shape) == (10,)


def test_sample_under_jit_says_to_call_it_outside() -> None:
    jax = _jax()
    rng = np.random.default_rng(10)
    args = [_logs("jax", x) for x in _model(2, 4, rng)]
    with pytest.raises(TypeError, match="outside jax.jit"):
        jax.jit(lambda *a: chain.sample(*a, rng=0))(*args)


def test_bad_arguments_name_themselves(lib: str) -> None:
    rng = np.random.default_rng(11)
    init, trans, emis = _model(2, 4, rng)
    with pytest.raises(ValueError, match="emis: weights must be non-negative"):
        chain.likelihood(init, trans, _array(lib, -emis))
    with pytest.raises(ValueError, match="trans: weights must not be nan"):
        chain.likelihood(init, _logs(lib, trans * np.nan), _logs(lib, emis))
    with pytest.raises(ValueError, match="trans: expected shape"):
        chain.likelihood(init, _logs(lib, trans[:1]), _logs(lib, emis))
    with pytest.raises(ValueError, match="lengths: only for a batch"):
        chain.forward(init, trans, _logs(lib, emis), lengths=[4])
    with pytest.raises(ValueError, match="lengths: every length"):
        chain.forward(init, trans, _logs(lib, emis[None]), lengths=[5])
    other = "jax" if lib == "torch" else "torch"
    if other == "torch":
        _torch()
    else:
        _jax()
    with pytest.raises(TypeError, match="trans: a"):
        chain.likelihood(init, _logs(other, trans), _logs(lib, emis))


# -- the gradient rule of chain.likelihood -------------------------------------


def _grad_logs(lib: str, init: Any, trans: Any, emis: Any, lengths: Any = None, linear: bool = False) -> list[Any]:
    """d sum(loglik) / d (init, trans, emis): of their logs, or (``linear``) of the weights."""
    kw = {} if lengths is None else {"lengths": lengths}
    if lib == "torch":
        torch = _torch()
        with np.errstate(divide="ignore"):
            leaves = [torch.tensor(x if linear else np.log(x), requires_grad=True) for x in (init, trans, emis)]
        args = leaves if linear else [LogArray.from_log(t) for t in leaves]
        ll = chain.likelihood(*args, **kw).log
        ll.sum().backward()
        return [t.grad.numpy() for t in leaves]
    jax = _jax()
    import jax.numpy as jnp

    def f(*xs: Any) -> Any:
        args = xs if linear else [LogArray.from_log(x) for x in xs]
        return jnp.sum(chain.likelihood(*args, **kw).log)

    with np.errstate(divide="ignore"):
        xs = [jnp.asarray(x if linear else np.log(x)) for x in (init, trans, emis)]
    return [np.asarray(g) for g in jax.jit(jax.grad(f, argnums=(0, 1, 2)))(*xs)]


def test_gradient_is_posteriors_and_transition_posteriors(lib: str) -> None:
    """d loglik / d log emis = posteriors, / d log trans = transition posteriors, / d log init = posteriors[0]."""
    rng = np.random.default_rng(12)
    init, trans, emis = _model(4, 15, rng)
    gi, gt, ge = _grad_logs(lib, init, trans, emis)
    gamma = chain.posteriors(init, trans, emis).to_numpy()
    xi = chain.transition_posteriors(init, trans, emis).to_numpy()
    np.testing.assert_allclose(ge, gamma, rtol=0, atol=1e-13)
    np.testing.assert_allclose(gt, xi, rtol=0, atol=1e-13)
    np.testing.assert_allclose(gi, gamma[0], rtol=0, atol=1e-13)
    for g in (gi, gt, ge):  # zero weights: zero gradient, not nan
        assert np.isfinite(g).all()
    assert gt[0, 3] == 0.0 and ge[7, 0] == 0.0 and gi[3] == 0.0


def test_gradient_of_a_batch_with_time_varying_trans(lib: str) -> None:
    """Shared init and per-step trans over a batch with lengths: posteriors summed over the sequences."""
    rng = np.random.default_rng(13)
    N, T, K = 2, 6, 3
    init, _, emis = _model(K, T, rng, N=N)
    trans = rng.dirichlet(np.ones(K), size=(T - 1, K))
    lengths = np.array([6, 4])
    gi, gt, ge = _grad_logs(lib, init, trans, emis, lengths=lengths)
    gamma = chain.posteriors(init, trans, emis, lengths=lengths).to_numpy()
    xi = chain.transition_posteriors(init, trans, emis, lengths=lengths).to_numpy()
    np.testing.assert_allclose(ge, gamma, atol=1e-13)
    np.testing.assert_allclose(gt, xi.sum(axis=0), atol=1e-13)
    np.testing.assert_allclose(gi, gamma[:, 0].sum(axis=0), atol=1e-13)


def _finite_differences(init: Any, trans: Any, emis: Any, h: float = 1e-6) -> list[np.ndarray]:
    """Central differences of the numpy chain's log-likelihood in each linear weight."""
    out = []
    for which in range(3):
        args = [np.array(x, dtype=np.float64) for x in (init, trans, emis)]
        grad = np.zeros_like(args[which])
        for idx in np.ndindex(grad.shape):
            up = [a.copy() for a in args]
            down = [a.copy() for a in args]
            up[which][idx] += h
            down[which][idx] -= h
            if down[which][idx] < 0:  # a zero weight: one-sided
                grad[idx] = (chain.likelihood(*up).log - chain.likelihood(*args).log) / h
            else:
                grad[idx] = (chain.likelihood(*up).log - chain.likelihood(*down).log) / (2 * h)
        out.append(grad)
    return out


def test_gradient_in_linear_weights_against_finite_differences(lib: str) -> None:
    """Raw tensors of weights: d loglik / d w, finite at zero weights (not the 0/0 of d/d log w / w)."""
    rng = np.random.default_rng(14)
    init, trans, emis = _model(3, 5, rng)
    got = _grad_logs(lib, init, trans, emis, linear=True)
    want = _finite_differences(init, trans, emis)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    assert got[1][0, 2] > 0  # the zero transition's derivative: finite and positive


def test_jax_grad_eager_and_jitted_agree() -> None:
    jax = _jax()
    import jax.numpy as jnp

    rng = np.random.default_rng(15)
    init, trans, emis = _model(3, 6, rng)

    def f(a: Any) -> Any:
        return chain.likelihood(init, a, emis).log

    a = LogArray.from_log(jnp.log(jnp.asarray(trans)))
    eager = jax.grad(f)(a)
    jitted = jax.jit(jax.grad(f))(a)
    assert isinstance(eager, LogArray)
    np.testing.assert_allclose(
        np.asarray(eager.log), chain.transition_posteriors(init, trans, emis).to_numpy(), atol=1e-13
    )
    np.testing.assert_allclose(np.asarray(jitted.log), np.asarray(eager.log), atol=1e-15)


def test_jit_at_a_thousand_steps_compiles_quickly() -> None:
    """T = 1000 under jax.jit: one scan step is compiled, not 1000 (a Python loop takes minutes)."""
    jax = _jax()
    rng = np.random.default_rng(16)
    init, trans, emis = _model(4, 1000, rng)
    args = [_logs("jax", x) for x in (init, trans, emis)]
    start = time.perf_counter()
    value, grads = jax.jit(jax.value_and_grad(lambda i, a, e: chain.likelihood(i, a, e).log, argnums=1))(*args)
    float(value)
    elapsed = time.perf_counter() - start
    assert abs(float(value) - chain.likelihood(init, trans, emis).log) <= 2 * loglik_bound(
        1000, 4, np.log(np.maximum(emis, 1e-300)), float(value), U64
    )
    np.testing.assert_allclose(
        np.asarray(grads.log), chain.transition_posteriors(init, trans, emis).to_numpy(), rtol=1e-11, atol=1e-11
    )
    assert elapsed < 30.0, f"jit of likelihood and its gradient at T=1000 took {elapsed:.1f} s"


def test_importing_chain_imports_neither_torch_nor_jax() -> None:
    code = (
        "import sys, numpy as np, logspace, logspace.chain as c\n"
        "c.likelihood([0.5, 0.5], np.eye(2), np.ones((3, 2))); c.viterbi([0.5, 0.5], np.eye(2), np.ones((3, 2)))\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "bad = loaded & {'torch', 'jax', 'jaxlib', 'array_api_compat'}\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_torch_results_stay_on_the_tensors_device() -> None:
    torch = _torch()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rng = np.random.default_rng(17)
    init, trans, emis = _model(3, 5, rng)
    args = [LogArray.from_log(torch.tensor(np.log(np.maximum(x, 1e-300)), device=device)) for x in (init, trans, emis)]
    for result in (chain.likelihood(*args), chain.posteriors(*args), chain.viterbi(*args)[0]):
        tensor = result.log if isinstance(result, LogArray) else result
        assert tensor.device.type == device
    assert math.isfinite(float(chain.likelihood(*args).log))


def test_jit_over_closed_over_jax_arguments() -> None:
    """Concrete JAX arrays closed over by a jitted function are checked on the host, not traced into float()."""
    jax = _jax()
    rng = np.random.default_rng(18)
    init, trans, emis = _model(3, 5, rng)
    emis_j, init_j = _logs("jax", emis), _logs("jax", init)
    value = jax.jit(lambda a: chain.likelihood(init_j, a, emis_j).log)(_logs("jax", trans))
    assert abs(float(value) - chain.likelihood(init, trans, emis).log) < 1e-13
