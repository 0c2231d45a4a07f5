"""Draw docs/hmm_forward.png, the figure of docs/plotting.md.

The forward probabilities ``alpha[t, i] = P(obs[:t + 1], state t = i)`` of
a random 3-state, 4-symbol HMM over 10^4 observations, computed with
LogArray by ``forward`` of docs/examples/hmm.py, and the same recursion in
float64, which underflows to 0 after a few hundred steps (its zeros are left
out of the line, so it simply stops).

Run from the repository root (matplotlib comes with the ``docs`` extra)::

    python docs/hmm_forward.py docs/hmm_forward.png
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np

from logspace import LogArray, LogFloat


def _hmm_example() -> ModuleType:
    """docs/examples/hmm.py as a module (docs/examples is not a package)."""
    path = Path(__file__).resolve().parent / "examples" / "hmm.py"
    spec = importlib.util.spec_from_file_location("logspace_example_hmm", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def forward_probabilities(T: int, seed: int = 0) -> tuple[LogArray, np.ndarray]:
    """The forward probabilities (T, 3) with LogArray, and with float64 (which underflow).

    >>> exact, plain = forward_probabilities(1000)
    >>> exact.shape, plain.shape
    ((1000, 3), (1000, 3))
    >>> bool((exact[-1] < LogFloat("1e-500")).all()), bool((plain[-1] == 0).all())
    (True, True)
    """
    hmm = _hmm_example()
    rng = np.random.default_rng(seed)
    pi, A, B = hmm.random_model(3, 4, rng)
    _, obs = hmm.sample(pi, A, B, T, rng)
    exact, _ = hmm.forward(LogArray(pi), LogArray(A), LogArray(B), obs)
    plain = np.empty((T, len(pi)))
    alpha = pi * B[:, obs[0]]
    plain[0] = alpha
    with np.errstate(under="ignore"):  # the underflow is what the figure shows
        for t in range(1, T):
            alpha = (alpha @ A) * B[:, obs[t]]
            plain[t] = alpha
    return exact, plain


def draw(path: str, T: int = 10_000, seed: int = 0) -> None:
    """Write the figure to ``path`` (a PNG).

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     draw(os.path.join(folder, "f.png"), T=200)
    ...     os.path.getsize(os.path.join(folder, "f.png")) > 0
    True
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from logspace import plotting

    plotting.setup()
    exact, plain = forward_probabilities(T, seed)
    steps = np.arange(1, T + 1)
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    for state in range(exact.shape[1]):
        ax.plot(steps, exact[:, state], linewidth=1, label=f"LogArray, state {state}")
    ax.plot(steps, LogArray(plain[:, 0]), color="black", linewidth=2.5, label="float64, state 0 (underflows to 0)")
    smallest = LogFloat(float(np.finfo(np.float64).smallest_subnormal))
    ax.axhline(smallest, color="grey", linestyle=":", linewidth=1)  # a LogFloat: placed by value
    ax.text(T * 0.55, smallest.log10() + 150, "smallest float64 (5e-324)", fontsize=8, color="grey")
    ax.set_xlabel("step t")
    ax.set_ylabel("forward probability alpha[t, i]")
    ax.set_title(f"HMM forward probabilities over {T} steps (3 states, 4 symbols)")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    plotting.teardown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="the PNG to write")
    parser.add_argument("--T", type=int, default=10_000, help="number of observations (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    draw(args.path, T=args.T, seed=args.seed)
