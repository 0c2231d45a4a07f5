"""A hidden Markov model with LogArray: forward, backward, posteriors, Viterbi.

A discrete-emission HMM has K hidden states and M symbols: a start
distribution ``pi`` (K,), a transition matrix ``A`` (K, K) with
``A[i, j] = P(next state j | state i)`` and an emission matrix ``B`` (K, M)
with ``B[i, m] = P(symbol m | state i)``. The textbook forward recursion for
the likelihood of observations ``obs`` is three lines of numpy::

    alpha = pi * B[:, obs[0]]
    for o in obs[1:]:
        alpha = (alpha @ A) * B[:, o]
    likelihood = alpha.sum()

**What underflows.** Every step multiplies ``alpha`` by probabilities below
one: with M equally likely symbols it shrinks by about 1/M per step, so the
likelihood of T observations is about M**-T. A float64 holds nothing below
about 5e-324 (e**-744), so with M = 4 the plain recursion reaches exactly 0
after some 600 steps (634 on the sequence below); from then on ``alpha`` is
all zeros and the likelihood, the posteriors and the Viterbi scores carry no
information. The usual cures rewrite the algorithm: rescale ``alpha`` at
every step and keep the logs of the scale factors (hmmlearn's
``implementation="scaling"``), or rewrite every product as a sum of logs and
every sum as a log-sum-exp (hmmlearn's ``implementation="log"``).

**What LogArray changes.** Nothing in the recursion: wrap the three
probability arrays in :class:`~logspace.LogArray` and the same code runs in
log space. ``*`` adds logs, ``@`` is the log-semiring matrix product (a
log-sum-exp over k of ``alpha[k] + A[k, j]``, computed with the shifted
exponentials of ``A``, which it keeps between the steps) and ``.sum()`` is a
log-sum-exp, so ``alpha`` holds numbers such as 1e-60000 exactly as it holds
0.25. The result is a :class:`~logspace.LogFloat`.

>>> import numpy as np
>>> from logspace import LogArray
>>> rng = np.random.default_rng(0)
>>> pi, A, B = random_model(3, 4, rng)          # plain probability arrays
>>> states, obs = sample(pi, A, B, 2000, rng)
>>> likelihood(pi, A, B, obs)                   # plain floats: underflow
np.float64(0.0)
>>> ll = likelihood(LogArray(pi), LogArray(A), LogArray(B), obs)
>>> print(f"{ll:.6e}")
7.076985e-1037
>>> round(ll.log, 6)
-2385.823894

The functions below build the rest of the usual toolbox the same way, on
LogArrays made from probability arrays (``LogArray(pi)``, ``LogArray(A)``,
``LogArray(B)``): :func:`forward` keeps every ``alpha``, :func:`backward`
runs the recursion the other way, :func:`posteriors` normalises
``alpha * beta`` per time step, and :func:`viterbi` replaces the sum over
previous states by a maximum, with broadcasting:

>>> lpi, lA, lB = LogArray(pi), LogArray(A), LogArray(B)
>>> alphas, ll = forward(lpi, lA, lB, obs)
>>> alphas.shape
(2000, 3)
>>> gamma = posteriors(lpi, lA, lB, obs)        # P(state at t | all of obs)
>>> bool(np.allclose(gamma.sum(axis=1), 1.0))
True
>>> path, logp = viterbi(lpi, lA, lB, obs)      # most probable state sequence
>>> round(logp, 6)
-2931.452445
>>> bool(np.mean(path == states) > 0.6)         # it recovers most hidden states
True

**The same in one call.** The loops above are the textbook algorithms, and
each of their steps crosses from Python to numpy a few times. The module
:mod:`logspace.chain` runs each whole recursion in one call (compiled where
the C extension is built, numpy otherwise), taking the emission weights of
the observed symbols, ``emis[t, j] = B[j, obs[t]]``, as an array (T, K):

=========================================  ==============================================
the loop (this file)                       one call
=========================================  ==============================================
``likelihood(lpi, lA, lB, obs)``           ``chain.likelihood(lpi, lA, lB[:, obs].T)``
``forward(lpi, lA, lB, obs)[0]``           ``chain.forward(lpi, lA, lB[:, obs].T)``
``backward(lA, lB, obs)``                  ``chain.backward(lA, lB[:, obs].T)``
``posteriors(lpi, lA, lB, obs)``           ``chain.posteriors(lpi, lA, lB[:, obs].T)``
``viterbi(lpi, lA, lB, obs)``              ``chain.viterbi(lpi, lA, lB[:, obs].T)``
=========================================  ==============================================

>>> from logspace import chain
>>> emis = lB[:, obs].T                         # (T, K): weight of observation t in state j
>>> round(chain.likelihood(lpi, lA, emis).log, 6)  # the loop's number (equal to about 1e-15 relative)
-2385.823894
>>> one_call = chain.posteriors(lpi, lA, emis).to_numpy()
>>> bool(np.max(np.abs(one_call - gamma)) < 1e-12)
True
>>> path2, weight = chain.viterbi(lpi, lA, emis)
>>> round(weight.log, 6)
-2931.452445

Run ``python docs/examples/hmm.py --T 100000`` to compare with hmmlearn (if
installed) on a long sequence; ``tests/test_examples.py`` checks these
functions against hmmlearn on random models, and the one-call forms against
the loops.
"""

from __future__ import annotations

import argparse
import bisect
import math
import time
from typing import Any

import numpy as np

from logspace import LogArray, LogFloat, chain


def random_model(K: int, M: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random HMM with K states and M symbols: probability arrays (pi, A, B).

    Every distribution is drawn uniformly from the simplex (Dirichlet(1)).
    """
    pi = rng.dirichlet(np.ones(K))
    A = rng.dirichlet(np.ones(K), size=K)
    B = rng.dirichlet(np.ones(M), size=K)
    return pi, A, B


def sample(
    pi: np.ndarray, A: np.ndarray, B: np.ndarray, T: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """States and observations (two int arrays of length T) drawn from the HMM."""

    def draw(cdf: list[float], u: float) -> int:
        return min(bisect.bisect_right(cdf, u), len(cdf) - 1)  # the last cdf may round below 1

    cdf_pi = np.cumsum(pi).tolist()
    cdf_A = [row.tolist() for row in np.cumsum(A, axis=1)]
    cdf_B = [row.tolist() for row in np.cumsum(B, axis=1)]
    u_state, u_symbol = rng.random(T).tolist(), rng.random(T).tolist()
    states = np.empty(T, dtype=np.intp)
    obs = np.empty(T, dtype=np.intp)
    state = draw(cdf_pi, u_state[0])
    for t in range(T):
        if t > 0:
            state = draw(cdf_A[state], u_state[t])
        states[t] = state
        obs[t] = draw(cdf_B[state], u_symbol[t])
    return states, obs


def likelihood(pi: Any, A: Any, B: Any, obs: np.ndarray) -> Any:
    """P(obs): the forward recursion, for ndarrays and LogArrays alike.

    On probability ndarrays it returns a float, which underflows to 0.0 on
    long sequences; on LogArrays a LogFloat.
    """
    alpha = pi * B[:, obs[0]]
    for o in obs[1:]:
        alpha = (alpha @ A) * B[:, o]
    return alpha.sum()


def forward(pi: LogArray, A: LogArray, B: LogArray, obs: np.ndarray) -> tuple[LogArray, LogFloat]:
    """Forward probabilities and the likelihood.

    ``alphas[t, i] = P(obs[:t + 1], state t = i)``, shape (T, K); the
    likelihood ``P(obs)`` is ``alphas[-1].sum()``.
    """
    T, K = len(obs), len(pi)
    alphas = LogArray.zeros((T, K))
    alpha = pi * B[:, obs[0]]
    alphas[0] = alpha
    for t in range(1, T):
        alpha = (alpha @ A) * B[:, obs[t]]
        alphas[t] = alpha
    return alphas, alpha.sum()


def backward(A: LogArray, B: LogArray, obs: np.ndarray) -> LogArray:
    """Backward probabilities ``betas[t, i] = P(obs[t + 1:] | state t = i)``, (T, K)."""
    T, K = len(obs), len(A)
    betas = LogArray.ones((T, K))  # beta at the last step is 1
    beta = betas[T - 1]
    for t in range(T - 2, -1, -1):
        beta = A @ (B[:, obs[t + 1]] * beta)
        betas[t] = beta
    return betas


def posteriors(pi: LogArray, A: LogArray, B: LogArray, obs: np.ndarray) -> np.ndarray:
    """``gamma[t, i] = P(state t = i | obs)`` as a float ndarray (T, K).

    ``alpha * beta`` is the joint probability of the state and all of obs;
    normalising each time step divides by their sum, the likelihood.
    """
    alphas, _ = forward(pi, A, B, obs)
    betas = backward(A, B, obs)
    return (alphas * betas).normalize(axis=1).to_numpy()


def viterbi(pi: LogArray, A: LogArray, B: LogArray, obs: np.ndarray) -> tuple[np.ndarray, float]:
    """The most probable state sequence and log P(path, obs), its natural log probability.

    ``delta[j]`` is the probability of the best path ending in state j; a
    step takes, for each j, the best of ``delta[i] * A[i, j]`` over i.
    """
    T, K = len(obs), len(pi)
    came_from = np.zeros((T, K), dtype=np.intp)
    delta = pi * B[:, obs[0]]
    for t in range(1, T):
        scores = delta[:, None] * A  # scores[i, j]: the best path to i, then i -> j
        came_from[t] = scores.argmax(axis=0)
        delta = scores.max(axis=0) * B[:, obs[t]]
    path = np.empty(T, dtype=np.intp)
    path[-1] = delta.argmax()
    for t in range(T - 1, 0, -1):
        path[t - 1] = came_from[t, path[t]]
    return path, delta.max().log


def path_log_probability(pi: LogArray, A: LogArray, B: LogArray, obs: np.ndarray, path: np.ndarray) -> float:
    """The natural log of P(path, obs): start, transition and emission probabilities multiplied.

    Two different paths can be equally probable: a path that goes round a
    cycle of states, reordered, uses the same transitions and emissions.
    Viterbi implementations then differ only in which one they report.
    """
    joint = pi[path[0]] * A[path[:-1], path[1:]].prod() * B[path, obs].prod()
    return joint.log


def hmmlearn_model(pi: np.ndarray, A: np.ndarray, B: np.ndarray) -> Any:
    """The same model as an ``hmmlearn.hmm.CategoricalHMM`` (log implementation)."""
    from hmmlearn.hmm import CategoricalHMM

    model = CategoricalHMM(n_components=len(pi), n_features=B.shape[1], implementation="log")
    model.startprob_, model.transmat_, model.emissionprob_ = pi, A, B
    return model


def main(T: int = 100_000, K: int = 5, M: int = 4, seed: int = 0) -> None:
    """Plain floats, LogArray and hmmlearn (if installed) on one sampled sequence."""
    rng = np.random.default_rng(seed)
    pi, A, B = random_model(K, M, rng)
    states, obs = sample(pi, A, B, T, rng)
    print(f"HMM: K={K} states, M={M} symbols, T={T} observations (seed {seed})")

    with np.errstate(under="ignore"):
        plain = float(likelihood(pi, A, B, obs))
    plain_log = math.log(plain) if plain > 0 else -math.inf
    print(f"plain floats:  likelihood {plain!r}, log-likelihood {plain_log!r}")

    lpi, lA, lB = LogArray(pi), LogArray(A), LogArray(B)
    start = time.perf_counter()
    alphas, ll = forward(lpi, lA, lB, obs)
    seconds = time.perf_counter() - start
    print(f"LogArray:      likelihood {ll:.10e}, log-likelihood {ll.log!r} ({seconds:.2f} s)")
    gamma = posteriors(lpi, lA, lB, obs)
    path, logp = viterbi(lpi, lA, lB, obs)
    print(f"Viterbi:       log-probability {logp!r}, {np.mean(path == states):.1%} of the states recovered")

    start = time.perf_counter()
    ll_one = chain.likelihood(lpi, lA, lB[:, obs].T)
    one_seconds = time.perf_counter() - start
    print(f"chain.likelihood: log-likelihood {ll_one.log!r} ({one_seconds:.4f} s, the loop above: {seconds:.2f} s)")
    gamma_one = chain.posteriors(lpi, lA, lB[:, obs].T).to_numpy()
    print(f"chain.posteriors: max absolute difference from the loop {np.max(np.abs(gamma_one - gamma)):.1e}")

    try:
        model = hmmlearn_model(pi, A, B)
    except ImportError:
        print("hmmlearn:      not installed")
        return
    X = obs[:, None]
    ll_ref = float(model.score(X))
    logp_ref, path_ref = model.decode(X, algorithm="viterbi")
    gamma_ref = model.predict_proba(X)
    print(f"hmmlearn:      log-likelihood {ll_ref!r}, relative difference {abs(ll.log - ll_ref) / abs(ll_ref):.1e}")
    print(f"hmmlearn:      posteriors, max absolute difference {np.max(np.abs(gamma - gamma_ref)):.1e}")
    rel = abs(logp - logp_ref) / abs(logp_ref)
    print(f"hmmlearn:      Viterbi log-probability {float(logp_ref)!r}, relative difference {rel:.1e}")
    differ = int(np.count_nonzero(path != path_ref))
    if differ == 0:
        print("hmmlearn:      the Viterbi paths agree")
    else:
        logp_theirs = path_log_probability(lpi, lA, lB, obs, path_ref)
        logp_ours = path_log_probability(lpi, lA, lB, obs, path)
        verdict = "equally probable" if math.isclose(logp_theirs, logp_ours, rel_tol=1e-12) else "NOT equally probable"
        print(f"hmmlearn:      the Viterbi paths differ at {differ} of {T} steps, {verdict}:")
        print(f"               log P(path, obs) {logp_ours!r} (ours), {logp_theirs!r} (hmmlearn's)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, default=100_000, help="number of observations")
    parser.add_argument("--K", type=int, default=5, help="number of hidden states")
    parser.add_argument("--M", type=int, default=4, help="number of symbols")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(T=args.T, K=args.K, M=args.M, seed=args.seed)
