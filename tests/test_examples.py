"""The examples in docs/examples, run and checked against hmmlearn and mpmath.

The examples' docstrings are doctests, which pytest collects from docs/ with
the rest (``testpaths`` and ``--doctest-modules`` in pyproject.toml); this
file checks the numbers behind them at realistic sizes and runs every example
script, at a reduced size, through its command line.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import mpmath
import numpy as np
import pytest
from hmmlearn.hmm import CategoricalHMM

from logspace import LogArray, LogFloat, chain, testing

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples"


def _load(name: str) -> ModuleType:
    """An example script as a module (docs/examples is not a package)."""
    spec = importlib.util.spec_from_file_location(f"logspace_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hmm = _load("hmm")
likelihood = _load("likelihood")

# Agreement with hmmlearn required by the issue.
LOGLIK_RTOL = 1e-10
POSTERIOR_ATOL = 1e-9


def _hmmlearn(pi: np.ndarray, A: np.ndarray, B: np.ndarray) -> Any:
    model = CategoricalHMM(n_components=len(pi), n_features=B.shape[1], implementation="log")
    model.startprob_, model.transmat_, model.emissionprob_ = pi, A, B
    return model


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def _factors(pi: np.ndarray, path: np.ndarray, obs: np.ndarray) -> Counter[tuple[Any, ...]]:
    """The probabilities whose product is P(path, obs), as a multiset of their indices."""
    factors: Counter[tuple[Any, ...]] = Counter({("start", int(path[0])): 1})
    factors.update(("transition", int(i), int(j)) for i, j in zip(path[:-1], path[1:]))
    factors.update(("emission", int(s), int(o)) for s, o in zip(path, obs))
    return factors


def _check_viterbi_path(pi: np.ndarray, path: np.ndarray, path_ref: np.ndarray, obs: np.ndarray) -> None:
    """The paths agree, or are equally probable exactly: the same factors, reordered.

    With few states and symbols, two paths through a cycle of states in a
    different order can use the same transitions and emissions; their
    probabilities are then equal exactly and which one an implementation
    reports depends on rounding.
    """
    if not np.array_equal(path, path_ref):
        assert _factors(pi, path, obs) == _factors(pi, path_ref, obs), "Viterbi paths differ and are not a tie"


# ---------------------------------------------------------------------------
# hmm.py against hmmlearn
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("K", "M", "T", "seed"),
    [(2, 3, 1000, 1), (2, 2, 10_000, 2), (5, 4, 3000, 3), (17, 10, 2000, 4), (50, 20, 10_000, 5)],
)
def test_hmm_matches_hmmlearn(K: int, M: int, T: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pi, A, B = hmm.random_model(K, M, rng)
    _, obs = hmm.sample(pi, A, B, T, rng)
    lpi, lA, lB = LogArray(pi), LogArray(A), LogArray(B)
    model, X = _hmmlearn(pi, A, B), obs[:, None]

    alphas, ll = hmm.forward(lpi, lA, lB, obs)
    assert isinstance(ll, LogFloat) and alphas.shape == (T, K)
    ll_ref = model.score(X)
    assert _rel(ll.log, ll_ref) <= LOGLIK_RTOL
    assert hmm.likelihood(lpi, lA, lB, obs) == ll  # the same recursion, without storing alphas

    betas = hmm.backward(lA, lB, obs)
    assert betas.shape == (T, K)
    assert _rel((lpi * lB[:, obs[0]] * betas[0]).sum().log, ll_ref) <= LOGLIK_RTOL  # P(obs) from the other end

    gamma = hmm.posteriors(lpi, lA, lB, obs)
    assert isinstance(gamma, np.ndarray) and gamma.shape == (T, K)
    np.testing.assert_allclose(gamma, model.predict_proba(X), rtol=0, atol=POSTERIOR_ATOL)

    path, logp = hmm.viterbi(lpi, lA, lB, obs)
    logp_ref, path_ref = model.decode(X, algorithm="viterbi")
    assert isinstance(logp, float)
    assert _rel(logp, logp_ref) <= LOGLIK_RTOL
    _check_viterbi_path(pi, path, path_ref, obs)
    assert _rel(hmm.path_log_probability(lpi, lA, lB, obs, path), logp_ref) <= LOGLIK_RTOL


@pytest.mark.parametrize(("K", "M", "T", "seed"), [(2, 3, 1000, 1), (5, 4, 3000, 3), (17, 10, 2000, 4)])
def test_hmm_loop_and_one_call_agree(K: int, M: int, T: int, seed: int) -> None:
    """The loops of hmm.py and the one-call forms of logspace.chain it shows beside them."""
    rng = np.random.default_rng(seed)
    pi, A, B = hmm.random_model(K, M, rng)
    _, obs = hmm.sample(pi, A, B, T, rng)
    lpi, lA, lB = LogArray(pi), LogArray(A), LogArray(B)
    emis = lB[:, obs].T
    alphas, ll = hmm.forward(lpi, lA, lB, obs)
    assert _rel(chain.likelihood(lpi, lA, emis).log, ll.log) <= 1e-12
    fw = chain.forward(lpi, lA, emis).log
    np.testing.assert_allclose(fw, alphas.log, rtol=1e-12, atol=0)
    np.testing.assert_allclose(chain.backward(lA, emis).log, hmm.backward(lA, lB, obs).log, rtol=1e-12, atol=1e-12)
    gamma = chain.posteriors(lpi, lA, emis).to_numpy()
    np.testing.assert_allclose(gamma, hmm.posteriors(lpi, lA, lB, obs), rtol=0, atol=1e-12)
    path, weight = chain.viterbi(lpi, lA, emis)
    path_loop, logp = hmm.viterbi(lpi, lA, lB, obs)
    assert _rel(weight.log, logp) <= 1e-12
    _check_viterbi_path(pi, path, path_loop, obs)


def test_viterbi_ties_are_reported_as_ties() -> None:
    """On this model the two implementations break exact ties differently."""
    rng = np.random.default_rng(0)
    pi, A, B = hmm.random_model(3, 4, rng)
    _, obs = hmm.sample(pi, A, B, 3000, rng)
    lpi, lA, lB = LogArray(pi), LogArray(A), LogArray(B)
    path, _ = hmm.viterbi(lpi, lA, lB, obs)
    _, path_ref = _hmmlearn(pi, A, B).decode(obs[:, None], algorithm="viterbi")
    assert not np.array_equal(path, path_ref)
    _check_viterbi_path(pi, path, path_ref, obs)
    logp_ours = hmm.path_log_probability(lpi, lA, lB, obs, path)
    assert hmm.path_log_probability(lpi, lA, lB, obs, path_ref) == pytest.approx(logp_ours, rel=1e-13, abs=0)


def test_plain_forward_underflows_where_logarray_matches_hmmlearn() -> None:
    """T = 10**5: the plain recursion gives 0.0, the same code on LogArrays the likelihood."""
    rng = np.random.default_rng(10)
    pi, A, B = hmm.random_model(5, 4, rng)
    _, obs = hmm.sample(pi, A, B, 10**5, rng)

    with np.errstate(under="ignore"):
        plain = hmm.likelihood(pi, A, B, obs)
    assert plain == 0.0
    with np.errstate(divide="ignore"):
        assert np.log(plain) == -np.inf

    ll = hmm.likelihood(LogArray(pi), LogArray(A), LogArray(B), obs)
    ll_ref = _hmmlearn(pi, A, B).score(obs[:, None])
    assert ll.log < -100_000  # about 1e-57000: far below the smallest float, 5e-324
    assert _rel(ll.log, ll_ref) <= LOGLIK_RTOL


def test_sample_follows_the_model() -> None:
    rng = np.random.default_rng(7)
    pi, A, B = hmm.random_model(3, 5, rng)
    states, obs = hmm.sample(pi, A, B, 50_000, rng)
    assert states.shape == obs.shape == (50_000,)
    assert states.min() >= 0 and states.max() < 3 and obs.min() >= 0 and obs.max() < 5
    transitions = np.zeros((3, 3))
    np.add.at(transitions, (states[:-1], states[1:]), 1)
    np.testing.assert_allclose(transitions / transitions.sum(axis=1, keepdims=True), A, atol=0.02)


# ---------------------------------------------------------------------------
# likelihood.py against mpmath
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 1000, 10**6])
def test_product_of_probabilities_against_mpmath(n: int) -> None:
    p = likelihood.random_probabilities(n, seed=n)
    product = likelihood.product_of_probabilities(n, seed=n)
    assert product == LogArray(p).prod()
    exact = likelihood.exact_log_product(p)
    error = float(testing.ulp_error(product.log, exact, metric="relative"))
    assert error <= likelihood.log_product_error_bound(n, product.log)
    # What is printed is the number stored: the repr reads back to the same log ...
    assert eval(repr(product), {"LogFloat": LogFloat}).log == product.log
    # ... and has the decimal exponent of the exact product.
    with mpmath.workprec(likelihood.PRECISION):
        exponent = int(mpmath.floor(exact / mpmath.log(10)))
    assert math.floor(product.log10()) == exponent
    if n == 10**6:
        assert str(product).endswith(f"e{exponent}")
        assert -320_000 < exponent < -300_000  # "about 1e-300000"
        assert np.prod(p) == 0.0


def test_mixture_against_mpmath() -> None:
    weights, means, sigmas = likelihood.MIXTURE
    x = likelihood.mixture_data(2000, seed=3)
    per_point, total = likelihood.mixture_loglik(x, weights, means, sigmas)
    assert isinstance(total, LogFloat) and per_point.shape == (2000,)
    exact = likelihood.exact_mixture_loglik(x, weights, means, sigmas)
    errors = testing.ulp_error(per_point.log, exact, metric="log")
    assert np.max(errors) <= likelihood.MIXTURE_POINT_BOUND

    # The total is the sum of the per-point logs: their errors plus the pairwise sum's.
    with mpmath.workprec(likelihood.PRECISION):
        exact_total = mpmath.fsum(exact)
    spacing = np.array([math.ulp(max(abs(float(e)), 1.0)) for e in exact])
    depth = 25 + math.ceil(math.log2(len(x) / 128))
    bound = likelihood.MIXTURE_POINT_BOUND * spacing.sum() + depth * 2.0**-53 * float(np.abs(per_point.log).sum())
    assert abs(mpmath.mpf(total.log) - exact_total) <= bound


def test_mixture_naive_formula() -> None:
    """The plain formula agrees without outliers and gives -inf with them."""
    weights, means, sigmas = likelihood.MIXTURE
    clean = likelihood.mixture_data(1000, seed=4, outliers=0.0)
    _, total = likelihood.mixture_loglik(clean, weights, means, sigmas)
    assert likelihood.naive_mixture_loglik(clean, weights, means, sigmas) == pytest.approx(total.log, rel=1e-12)

    x = likelihood.mixture_data(1000, seed=4)
    with np.errstate(divide="ignore"):
        assert likelihood.naive_mixture_loglik(x, weights, means, sigmas) == -np.inf
    _, total = likelihood.mixture_loglik(x, weights, means, sigmas)
    assert math.isfinite(total.log)


# ---------------------------------------------------------------------------
# The example scripts, run as a reader would run them (at reduced sizes)
# ---------------------------------------------------------------------------

SCRIPT_ARGUMENTS = {
    "hmm.py": ["--T", "3000", "--K", "4", "--M", "3"],
    "likelihood.py": ["--n", "20000", "--points", "500", "--checked", "100"],
    "big_likelihood.py": ["--n", "1e6", "--chunk", "125000", "--workers", "2"],
    "big_chain.py": ["--steps", "1e5", "--chunk", "25000", "--workers", "2"],
    "fit_hmm_gradient.py": ["400"],
}


def _run(script: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *SCRIPT_ARGUMENTS[script]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout's logspace, installed or not
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def _groups(pattern: str, text: str) -> tuple[str, ...]:
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} not in:\n{text}"
    return match.groups()


def _number(pattern: str, text: str) -> float:
    return float(_groups(pattern, text)[0])


def test_every_example_script_is_run() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(SCRIPT_ARGUMENTS)


def test_big_likelihood_script() -> None:
    """10**6 observations on a local dask cluster of 2 worker processes (tests/test_dask.py has more)."""
    out = _run("big_likelihood.py")
    assert "observations:      1e+06 in chunks of 1.25e+05, 2 workers" in out
    assert _number(r"relative diff\.: +(\S+)", out) <= 1e-12
    assert _number(r"peak memory total: (\S+) GiB", out) < 2.0
    assert len(re.findall(r"GiB  worker", out)) == 2


def test_big_chain_script() -> None:
    """10**5 steps of a K=4 chain on a local dask cluster equal the in-memory call."""
    out = _run("big_chain.py")
    assert "steps:             1e+05 in chunks of 2.5e+04, K=4, 2 workers" in out
    assert _number(r"relative diff\.: +(\S+)", out) <= 1e-12
    assert len(re.findall(r"GiB  worker", out)) == 2


def test_hmm_script() -> None:
    out = _run("hmm.py")
    assert "K=4 states, M=3 symbols, T=3000 observations" in out
    assert "plain floats:  likelihood 0.0, log-likelihood -inf" in out
    ours = _number(r"LogArray: .* log-likelihood (\S+) \(", out)
    theirs = _number(r"hmmlearn: +log-likelihood ([^,]+),", out)
    assert _rel(ours, theirs) <= LOGLIK_RTOL
    assert _number(r"posteriors, max absolute difference (\S+)", out) <= POSTERIOR_ATOL
    ours = _number(r"Viterbi: +log-probability ([^,]+),", out)
    theirs = _number(r"hmmlearn: +Viterbi log-probability ([^,]+),", out)
    assert _rel(ours, theirs) <= LOGLIK_RTOL
    assert "the Viterbi paths agree" in out or "equally probable:" in out
    assert "NOT" not in out
    ours = _number(r"chain\.likelihood: +log-likelihood (\S+) \(", out)
    loop = _number(r"LogArray: .* log-likelihood (\S+) \(", out)
    assert _rel(ours, loop) <= 1e-12
    assert _number(r"chain\.posteriors: +max absolute difference from the loop (\S+)", out) <= 1e-12


def test_fit_hmm_gradient_script() -> None:
    """Gradient ascent in JAX on chain.likelihood reaches Baum-Welch's maximum."""
    pytest.importorskip("jax")
    out = _run("fit_hmm_gradient.py")
    assert "K=3 states, M=4 symbols, T=400 observations" in out
    assert _number(r"relative difference of the log-likelihoods: (\S+)", out) <= 1e-10
    assert _number(r"max difference of the matrices: (\S+)", out) <= 1e-5
    ours = _number(r"gradient ascent \(JAX\): +log-likelihood (\S+)", out)
    em = _number(r"Baum-Welch \(numpy\): +log-likelihood (\S+)", out)
    assert _rel(ours, em) <= 1e-10
    assert "both fits agree" in out


def test_likelihood_script() -> None:
    out = _run("likelihood.py")
    assert "product of 20000 probabilities" in out
    assert "numpy np.prod(p):      0.0" in out
    (printed,) = _groups(r"LogArray\(p\)\.prod\(\): +(\S+)", out)
    assert LogFloat(printed) == likelihood.product_of_probabilities(20000, seed=0)
    error, bound = map(float, _groups(r"error of the log: +(\S+) ulps \(bound (\S+) ulps", out))
    assert error <= bound
    assert "plain floats:          log-likelihood -inf" in out
    error, bound = map(float, _groups(r"max error (\S+) ulps \(bound (\S+) ulps", out))
    assert error <= bound


def test_markdown_python_blocks_are_doctests() -> None:
    """Python code in the docs is run by --doctest-glob only as ``>>>`` lines."""
    fence = re.compile(r"^```(?:python|py|pycon)\s*$(.*?)^```", re.MULTILINE | re.DOTALL)
    unrun = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for block in fence.findall(path.read_text(encoding="utf-8")):
            if ">>>" not in block:
                unrun.append(f"{path.relative_to(ROOT)}: {block.strip().splitlines()[0]!r}")
    assert not unrun, "Python blocks that no test runs (write them as doctests):\n" + "\n".join(unrun)
