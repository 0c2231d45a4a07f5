"""logspace.chain: against an mpmath recursion, against hmmlearn, compiled against numpy.

The public functions run on whichever path is active (CI runs this file a
second time with LOGSPACE_PURE_PYTHON=1); the equality tests call both paths
directly.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import mpmath
import numpy as np
import pytest
from hmmlearn.hmm import CategoricalHMM

from logspace import LogArray, LogFloat, _chain_numpy, _native, chain

U = 2.0**-53
COMPILED = _native.load(chain.EXTENSION)


def loglik_bound(T: int, K: int, emis_logs: np.ndarray, loglik: float) -> float:
    """The bound of the module docstring: 2 (K + 2) T u + 2 u S."""
    finite = np.where(np.isfinite(emis_logs), np.abs(emis_logs), 0.0)
    S = float(finite.max(axis=-1).sum()) + abs(loglik)
    return 2 * (K + 2) * T * U + 2 * U * S


def posterior_bound(T: int, K: int) -> float:
    return 4 * (K + 2) * T * U


def random_model(K: int, T: int, rng: np.random.Generator, M: int = 6) -> tuple[Any, ...]:
    pi = rng.dirichlet(np.ones(K))
    A = rng.dirichlet(np.ones(K), size=K)
    B = rng.dirichlet(np.ones(M), size=K)
    obs = rng.integers(0, M, T)
    return pi, A, B, obs


# -- the mpmath oracle ------------------------------------------------------


def mp_logs(x: Any) -> list[Any]:
    return [mpmath.mpf(v) for v in np.asarray(x, dtype=np.float64).ravel()]


def mp_forward(init_log: np.ndarray, trans_log: np.ndarray, emis_log: np.ndarray) -> list[list[Any]]:
    """alpha_t(j) as mpf values, from logs (run under mpmath.workdps(60))."""
    K = len(init_log)
    A = [[mpmath.exp(mpmath.mpf(trans_log[i, j])) for j in range(K)] for i in range(K)]
    E = [[mpmath.exp(mpmath.mpf(v)) for v in row] for row in emis_log]
    alpha = [mpmath.exp(mpmath.mpf(init_log[j])) * E[0][j] for j in range(K)]
    out = [alpha]
    for t in range(1, len(emis_log)):
        alpha = [mpmath.fsum(alpha[i] * A[i][j] for i in range(K)) * E[t][j] for j in range(K)]
        out.append(alpha)
    return out


def mp_backward(trans_log: np.ndarray, emis_log: np.ndarray) -> list[list[Any]]:
    K = trans_log.shape[0]
    A = [[mpmath.exp(mpmath.mpf(trans_log[i, j])) for j in range(K)] for i in range(K)]
    E = [[mpmath.exp(mpmath.mpf(v)) for v in row] for row in emis_log]
    beta = [mpmath.mpf(1)] * K
    out = [beta]
    for t in range(len(emis_log) - 2, -1, -1):
        beta = [mpmath.fsum(A[i][j] * E[t + 1][j] * beta[j] for j in range(K)) for i in range(K)]
        out.append(beta)
    return out[::-1]


def mp_log(x: Any) -> float:
    return float(mpmath.log(x)) if x > 0 else -math.inf


ORACLE_CASES = {
    # name: (K, T, emission log offset per step, dynamic range inside a row)
    "plain": (3, 25, 0.0, 5.0),
    "far below float range": (2, 30, -1e4, 3.0),
    "rows wider than float range": (3, 20, 0.0, 900.0),
    "one state": (1, 12, -50.0, 0.0),
}


@pytest.fixture
def sixty_digits() -> Any:
    """mpmath at 60 digits for one test (a global precision left set would leak into other tests)."""
    with mpmath.workdps(60):
        yield


@pytest.mark.usefixtures("sixty_digits")
@pytest.mark.parametrize("name", list(ORACLE_CASES))
def test_matches_mpmath_recursion_within_the_stated_bound(name: str) -> None:
    K, T, offset, spread = ORACLE_CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    init_log = np.log(rng.dirichlet(np.ones(K)))
    trans_log = np.log(rng.dirichlet(np.ones(K), size=K))
    emis_log = offset + spread * rng.uniform(-1, 0, (T, K))
    init, trans, emis = LogArray.from_log(init_log), LogArray.from_log(trans_log), LogArray.from_log(emis_log)
    alphas = mp_forward(init_log, trans_log, emis_log)
    betas = mp_backward(trans_log, emis_log)
    exact = mpmath.fsum(alphas[-1])
    ll = chain.likelihood(init, trans, emis)
    bound = loglik_bound(T, K, emis_log, float(mpmath.log(exact)))
    assert abs(ll.log - float(mpmath.log(exact))) <= bound
    fw = chain.forward(init, trans, emis).log
    bw = chain.backward(trans, emis).log
    for t in range(T):
        for j in range(K):
            assert abs(fw[t, j] - mp_log(alphas[t][j])) <= bound
            assert abs(bw[t, j] - mp_log(betas[t][j])) <= bound
    gamma = chain.posteriors(init, trans, emis).to_numpy(underflow="zero")  # posteriors below 1e-308 are routine
    exact_gamma = np.array([[float(alphas[t][j] * betas[t][j] / exact) for j in range(K)] for t in range(T)])
    assert np.max(np.abs(gamma - exact_gamma)) <= posterior_bound(T, K)


@pytest.mark.usefixtures("sixty_digits")
def test_linear_inputs_with_zeros_match_mpmath() -> None:
    """Zero weights (log -inf) in init, trans and emis; plain arrays are linear probabilities."""
    init = np.array([0.0, 0.6, 0.4])
    trans = np.array([[0.5, 0.5, 0.0], [0.0, 0.3, 0.7], [0.2, 0.0, 0.8]])
    emis = np.array([[0.1, 0.0, 0.9], [0.5, 0.5, 0.0], [0.0, 0.2, 0.8], [0.3, 0.3, 0.4]] * 4)
    with np.errstate(divide="ignore"):
        logs = np.log(init), np.log(trans), np.log(emis)
    alphas = mp_forward(*logs)
    exact = mpmath.fsum(alphas[-1])
    ll = chain.likelihood(init, trans, emis)
    assert ll.log == pytest.approx(float(mpmath.log(exact)), rel=1e-14)
    fw = chain.forward(init, trans, emis).log
    expected = np.array([[mp_log(a) for a in row] for row in alphas])
    assert np.array_equal(np.isinf(fw), np.isinf(expected))
    assert np.allclose(fw[np.isfinite(fw)], expected[np.isfinite(expected)], rtol=1e-14, atol=1e-14)


# -- hmmlearn ----------------------------------------------------------------


def hmmlearn_model(pi: np.ndarray, A: np.ndarray, B: np.ndarray, implementation: str = "scaling") -> Any:
    model = CategoricalHMM(n_components=len(pi), n_features=B.shape[1], implementation=implementation)
    model.startprob_, model.transmat_, model.emissionprob_ = pi, A, B
    return model


def path_log_weight(pi: np.ndarray, A: np.ndarray, B: np.ndarray, obs: np.ndarray, path: np.ndarray) -> float:
    return float(
        math.fsum([math.log(pi[path[0]]), *np.log(A[path[:-1], path[1:]]).tolist(), *np.log(B[path, obs]).tolist()])
    )


@pytest.mark.parametrize(("K", "T", "seed"), [(2, 400, 0), (5, 300, 1), (10, 300, 2), (30, 100, 3)])
def test_matches_hmmlearn_on_random_models(K: int, T: int, seed: int) -> None:
    pi, A, B, obs = random_model(K, T, np.random.default_rng(seed))
    model, X = hmmlearn_model(pi, A, B), obs[:, None]
    emis = LogArray(B)[:, obs].T
    ll = chain.likelihood(pi, A, emis)
    assert ll.log == pytest.approx(model.score(X), rel=1e-12, abs=0)
    assert chain.likelihood(pi, A, B[:, obs].T).log == pytest.approx(ll.log, rel=1e-14, abs=0)
    gamma = chain.posteriors(pi, A, emis).to_numpy()
    assert np.max(np.abs(gamma - model.predict_proba(X))) <= 1e-10
    path, weight = chain.viterbi(LogArray(pi), LogArray(A), emis)
    logp_ref, path_ref = hmmlearn_model(pi, A, B, "log").decode(X, algorithm="viterbi")
    assert weight.log == pytest.approx(logp_ref, rel=1e-12, abs=0)
    assert path_log_weight(pi, A, B, obs, path) == pytest.approx(weight.log, rel=1e-12, abs=0)
    if not np.array_equal(path, path_ref):  # only exact ties may differ
        assert path_log_weight(pi, A, B, obs, path_ref) == pytest.approx(weight.log, rel=1e-12, abs=0)


def test_transition_posteriors_match_hmmlearn_statistics() -> None:
    pi, A, B, obs = random_model(4, 200, np.random.default_rng(7))
    model = hmmlearn_model(pi, A, B)
    X = obs[:, None]
    stats = model._initialize_sufficient_statistics()
    lattice, _, posteriors_ref, fwd, bwd = model._fit_scaling(X)
    model._accumulate_sufficient_statistics(stats, X, lattice, posteriors_ref, fwd, bwd)
    xi = chain.transition_posteriors(pi, A, B[:, obs].T).to_numpy()
    assert np.max(np.abs(xi - stats["trans"])) <= 1e-9
    assert xi.sum() == pytest.approx(len(obs) - 1, rel=1e-12)


# -- exact enumeration on tiny chains ------------------------------------------


def enumerate_paths(init: np.ndarray, trans: np.ndarray, emis: np.ndarray) -> dict[tuple[int, ...], float]:
    T, K = emis.shape
    weights = {}
    for path in itertools.product(range(K), repeat=T):
        w = init[path[0]] * emis[0, path[0]]
        for t in range(1, T):
            A = trans if trans.ndim == 2 else trans[t - 1]
            w *= A[path[t - 1], path[t]] * emis[t, path[t]]
        weights[path] = w
    return weights


def test_transition_posteriors_and_viterbi_by_enumeration_time_varying() -> None:
    rng = np.random.default_rng(3)
    T, K = 5, 3
    init, trans, emis = rng.random(K), rng.random((T - 1, K, K)), rng.random((T, K))  # unnormalised, as in a CRF
    weights = enumerate_paths(init, trans, emis)
    Z = sum(weights.values())
    assert chain.likelihood(init, trans, emis).log == pytest.approx(math.log(Z), rel=1e-14)
    xi = np.zeros((T - 1, K, K))
    for path, w in weights.items():
        for t in range(T - 1):
            xi[t, path[t], path[t + 1]] += w / Z
    got = chain.transition_posteriors(init, trans, emis)
    assert got.shape == (T - 1, K, K)
    assert np.allclose(got.to_numpy(), xi, rtol=1e-13, atol=1e-15)
    best = max(weights, key=lambda p: weights[p])
    path, weight = chain.viterbi(init, trans, emis)
    assert tuple(path) == best
    assert weight.log == pytest.approx(math.log(weights[best]), rel=1e-14)


def test_sample_draws_from_the_posterior() -> None:
    rng = np.random.default_rng(5)
    T, K = 4, 2
    init, trans, emis = rng.dirichlet(np.ones(K)), rng.dirichlet(np.ones(K), size=K), rng.random((T, K))
    weights = enumerate_paths(init, trans, emis)
    Z = sum(weights.values())
    n = 20_000
    draws = chain.sample(init, trans, emis, size=n, rng=np.random.default_rng(0))
    assert draws.shape == (n, T)
    counts: dict[tuple[int, ...], int] = {}
    for row in map(tuple, draws.tolist()):
        counts[row] = counts.get(row, 0) + 1
    for path, w in weights.items():
        p = w / Z
        assert abs(counts.get(path, 0) / n - p) <= 5 * math.sqrt(p * (1 - p) / n) + 1e-12
    assert np.array_equal(chain.sample(init, trans, emis, rng=1), chain.sample(init, trans, emis, rng=1))
    assert chain.sample(init, trans, emis, rng=1).shape == (T,)


# -- ties, zeros, ranges ---------------------------------------------------------


def test_viterbi_ties_go_to_the_lowest_index_at_every_step_and_the_end() -> None:
    K, T = 3, 6
    path, weight = chain.viterbi(np.ones(K), np.ones((K, K)), np.ones((T, K)))
    assert path.tolist() == [0] * T
    assert weight == 1
    # state 2 is best at the end, but steps 0..4 tie between states 1 and 2
    emis = np.array([[0.0, 1.0, 1.0]] * (T - 1) + [[0.0, 0.5, 1.0]])
    path, _ = chain.viterbi(np.ones(K), np.ones((K, K)), emis)
    assert path.tolist() == [1] * (T - 1) + [2]


def test_emission_logs_far_below_float_range() -> None:
    T = 2000
    emis = LogArray.from_log(np.full((T, 2), -1e4))
    ll = chain.likelihood([0.5, 0.5], [[0.9, 0.1], [0.1, 0.9]], emis)
    assert ll.log == pytest.approx(-1e4 * T, rel=1e-15)
    gamma = chain.posteriors([0.5, 0.5], [[0.9, 0.1], [0.1, 0.9]], emis).to_numpy()
    assert np.allclose(gamma, 0.5, rtol=0, atol=1e-13)


def test_sequence_of_weight_zero_gives_zero_and_nan_posteriors() -> None:
    emis = np.array([[1.0, 0.0], [0.0, 1.0]])
    trans = np.eye(2)  # state 0 cannot move to state 1
    ll = chain.likelihood([1.0, 0.0], trans, emis)
    assert ll == 0
    with pytest.warns(RuntimeWarning, match="invalid value"):
        gamma = chain.posteriors([1.0, 0.0], trans, emis)
    assert np.isnan(gamma.log).all()
    path, weight = chain.viterbi([1.0, 0.0], trans, emis)
    assert weight == 0
    with pytest.raises(ValueError, match="weight zero"):
        chain.sample([1.0, 0.0], trans, emis)


def test_state_unreachable_for_a_long_time_keeps_tiny_weights_exact() -> None:
    """A step whose products would underflow takes the log path (guards the linear-step bound)."""
    T = 50
    trans = LogArray.from_log(np.array([[0.0, -800.0], [-800.0, 0.0]]))
    emis = LogArray.from_log(np.zeros((T, 2)))
    fw = chain.forward(LogArray.from_log([0.0, -np.inf]), trans, emis).log
    # alpha_t(1) = sum over k odd of C(t, k) e^{-800 k}: dominated by k = 1, t e^{-800}
    for t in (1, 2, 10, 49):
        assert fw[t, 1] == pytest.approx(math.log(t) - 800.0, rel=1e-13)


# -- batches ----------------------------------------------------------------------


def test_batches_with_lengths_match_single_calls() -> None:
    rng = np.random.default_rng(11)
    N, T, K = 3, 9, 3
    init = rng.dirichlet(np.ones(K), size=N)
    trans = rng.dirichlet(np.ones(K), size=(N, T - 1, K))
    emis = rng.random((N, T, K))
    lengths = np.array([9, 4, 1])
    ll = chain.likelihood(init, trans, emis, lengths=lengths)
    assert isinstance(ll, LogArray) and ll.shape == (N,)
    fw = chain.forward(init, trans, emis, lengths=lengths)
    bw = chain.backward(trans, emis, lengths=lengths)
    gamma = chain.posteriors(init, trans, emis, lengths=lengths)
    xi = chain.transition_posteriors(init, trans, emis, lengths=lengths)
    paths, weights = chain.viterbi(init, trans, emis, lengths=lengths)
    draws = chain.sample(init, trans, emis, size=2, rng=0, lengths=lengths)
    assert draws.shape == (2, N, T)
    for n, L in enumerate(lengths):
        args = (init[n], trans[n, : L - 1], emis[n, :L])
        if L == 1:
            args = (init[n], trans[n, 0], emis[n, :L])
        assert ll[n] == chain.likelihood(*args)
        assert np.array_equal(fw.log[n, :L], chain.forward(*args).log)
        assert np.array_equal(bw.log[n, :L], chain.backward(*args[1:]).log)
        assert np.array_equal(gamma.log[n, :L], chain.posteriors(*args).log)
        path, weight = chain.viterbi(*args)
        assert np.array_equal(paths[n, :L], path) and weights[n] == weight
        assert (paths[n, L:] == -1).all() and (draws[:, n, L:] == -1).all() and (draws[:, n, :L] >= 0).all()
        for out in (fw, bw, gamma):
            assert (out.log[n, L:] == -np.inf).all()
        if L > 1:
            assert np.allclose(xi.log[n, : L - 1], chain.transition_posteriors(*args).log, rtol=1e-14, atol=1e-14)
        assert (xi.log[n, L - 1 :] == -np.inf).all()


def test_batch_shares_init_and_trans_and_per_sequence_trans_of_one_step() -> None:
    rng = np.random.default_rng(12)
    N, T, K = 2, 6, 2
    init, trans, emis = rng.dirichlet(np.ones(K)), rng.dirichlet(np.ones(K), size=K), rng.random((N, T, K))
    ll = chain.likelihood(init, trans, emis)
    per_seq = chain.likelihood(init, np.broadcast_to(trans, (N, 1, K, K)), emis)
    assert np.array_equal(ll.log, per_seq.log)
    xi = chain.transition_posteriors(init, trans, emis)
    assert xi.shape == (N, K, K)
    for n in range(N):
        assert ll[n] == chain.likelihood(init, trans, emis[n])


# -- bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (([0.5, 0.5], [[1, 0], [0, 1]], [0.5, 0.5]), {}, "emis"),
        (([0.5, 0.5], [[1, 0, 0], [0, 1, 0]], [[0.5, 0.5]]), {}, "trans"),
        (([0.5, 0.5, 0.0], [[1, 0], [0, 1]], [[0.5, 0.5]]), {}, "init"),
        (([0.5, -0.5], [[1, 0], [0, 1]], [[0.5, 0.5]]), {}, "init: weights must be non-negative"),
        (([0.5, 0.5], [[1, 0], [0, -1]], [[0.5, 0.5]]), {}, "trans: weights must be non-negative"),
        (([0.5, 0.5], [[1, 0], [0, 1]], [[0.5, np.nan]]), {}, "emis: weights must not be nan"),
        (([0.5, 0.5], [[1, 0], [0, 1]], LogArray([[0.5, -1.0]])), {}, "emis: weights must be non-negative"),
        (([0.5, 0.5], [[1, 0], [0, 1]], np.ones((2, 3, 2))), {"lengths": [3, 4]}, "lengths"),
        (([0.5, 0.5], [[1, 0], [0, 1]], np.ones((2, 3, 2))), {"lengths": [3]}, "lengths"),
        (([0.5, 0.5], [[1, 0], [0, 1]], np.ones((3, 2))), {"lengths": [3]}, "lengths"),
        (([0.5, 0.5], np.ones((2, 2, 2)), np.ones((2, 2))), {}, "trans"),
    ],
)
def test_bad_input_names_the_argument(args: tuple[Any, ...], kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        chain.likelihood(*args, **kwargs)


def test_arguments_accept_what_logarray_accepts() -> None:
    strings = chain.likelihood(["0.5", "0.5"], [["1", "0"], ["0", "1"]], [["1e-5000", "1e-5000"]])
    assert strings == LogFloat("1e-5000")


# -- compiled against numpy -------------------------------------------------------


def _engines() -> list[Any]:
    if COMPILED is None:
        pytest.skip("the C extension is not built or is turned off (LOGSPACE_PURE_PYTHON)")
    return [COMPILED, _chain_numpy]


def _on(engine: Any, fn: Any, *args: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(chain, "_engine", lambda: engine)
    return fn(*args)


EQUALITY_CASES = {
    "linear": lambda rng: (rng.random(4), rng.random((4, 4)), rng.random((200, 4))),
    # K = 37 runs the blocked max-plus columns (16 and 8 at a time) and their scalar tail
    "thirty-seven states": lambda rng: (rng.random(37), rng.random((37, 37)), rng.random((60, 37))),
    "time-varying, twenty states": lambda rng: (rng.random(20), rng.random((29, 20, 20)), rng.random((30, 20))),
    "logs far below range": lambda rng: (
        LogArray(rng.random(3)),
        LogArray(rng.random((3, 3))),
        LogArray.from_log(-1e4 + 40 * rng.standard_normal((150, 3))),
    ),
    "rows wider than float range": lambda rng: (
        LogArray(rng.random(3)),
        LogArray.from_log(-500 * rng.random((3, 3))),
        LogArray.from_log(-2000 * rng.random((150, 3))),
    ),
    "time-varying with zeros": lambda rng: (  # staying in state 0 keeps the weight nonzero
        rng.random(3),
        rng.random((99, 3, 3)) * ((rng.random((99, 3, 3)) > 0.3) | np.eye(3, dtype=bool)),
        rng.random((100, 3)) * ((rng.random((100, 3)) > 0.2) | (np.arange(3) == 0)),
    ),
}


@pytest.mark.parametrize("name", list(EQUALITY_CASES))
def test_compiled_equals_numpy_fallback(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled, fallback = _engines()
    args = EQUALITY_CASES[name](np.random.default_rng(len(name)))
    for fn, fargs in [
        (chain.forward, args),
        (chain.backward, args[1:]),
        (chain.posteriors, args),
        (chain.transition_posteriors, args),
    ]:
        a = _on(compiled, fn, *fargs, monkeypatch=monkeypatch).log
        b = _on(fallback, fn, *fargs, monkeypatch=monkeypatch).log
        assert np.array_equal(np.isinf(a), np.isinf(b)), fn.__name__
        scale = np.maximum(1.0, np.abs(b[np.isfinite(b)]))
        assert np.max(np.abs(a[np.isfinite(a)] - b[np.isfinite(b)]) / scale, initial=0) <= 1e-13, fn.__name__
    la = _on(compiled, chain.likelihood, *args, monkeypatch=monkeypatch).log
    lb = _on(fallback, chain.likelihood, *args, monkeypatch=monkeypatch).log
    assert la == pytest.approx(lb, rel=1e-14)
    pa, wa = _on(compiled, chain.viterbi, *args, monkeypatch=monkeypatch)
    pb, wb = _on(fallback, chain.viterbi, *args, monkeypatch=monkeypatch)
    assert np.array_equal(pa, pb) and wa == wb  # the same operations in the same order


# -- dask ---------------------------------------------------------------------


def test_dask_backed_emis_reduces_transfer_matrices_to_the_in_memory_value() -> None:
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(4)
    K, T = 4, 5000
    init, trans = rng.dirichlet(np.ones(K)), rng.dirichlet(np.ones(K), size=K)
    logs = np.log(rng.random((T, K))) - 3.0
    lazy = LogArray.from_log(da.from_array(logs, chunks=(700, K)))
    ll = chain.likelihood(init, trans, lazy)
    assert isinstance(ll, LogFloat)
    assert ll.log == pytest.approx(chain.likelihood(init, trans, LogArray.from_log(logs)).log, rel=1e-12, abs=0)
    with pytest.raises(TypeError, match="emis"):
        chain.posteriors(init, trans, lazy)


def test_version_flag_names_the_active_path(capsys: pytest.CaptureFixture[str]) -> None:
    from logspace import __version__
    from logspace.__main__ import main

    assert main(["--version"]) == 0
    expected = "compiled" if COMPILED is not None else "numpy fallback"
    out = capsys.readouterr().out
    assert out.startswith(f"logspace {__version__} (") and out.endswith(")\n")
    assert f"logspace.chain recursions: {expected}" in out
