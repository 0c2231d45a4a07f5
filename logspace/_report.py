"""Accuracy report: logspace's kernels against naive formulas and peers.

:func:`accuracy_table` runs every kernel, the naive formula it replaces and
the usual peers (``scipy.special`` when it is installed, numpy's
``logaddexp``) on the same float64 inputs, and measures every result against
the mpmath reference of :mod:`logspace.testing` in ulps of the kernel's
metric (``"log"``: ulps of max(|y|, 1); ``"relative"``: ulps of |y|). For
each kernel and implementation the table lists the maximum and median error
over the results that are finite where the truth is finite, and how many
results were not finite (overflow to inf, underflow to -inf, nan) where the
truth is.

The inputs are, per kernel, random values and adversarial families (large
offsets that overflow the naive formula, very negative values that underflow
it, one dominant term with many just below it, widely separated arguments,
nearly equal ones, the switch points of the piecewise formulas). For the
log-sum-exp family they are kept where the condition number
sum(|x_i| softmax_i) / |y| is at most 2, where logspace documents its tight
bounds; ill-conditioned cases, held to first-order bounds instead, are
covered by ``tests/test_kernels_accuracy.py``. The "bound" column gives the
documented bound of logspace's rows, and "within" says whether every result
met it.

``python -m logspace accuracy`` prints the table; ``docs/accuracy.md`` holds a
copy. It takes a few seconds (the mpmath reference dominates).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from logspace import _kernels as K
from logspace import testing as T

__all__ = [
    "FAILED_ULP",
    "Row",
    "accuracy_rows",
    "accuracy_table",
    "dynamic_range_errors",
    "plot_dynamic_range",
    "plot_unavailable",
]

_U = float(np.finfo(np.float64).eps) / 2


@dataclass
class Row:
    """One line of the table: a kernel, an implementation and its errors."""

    kernel: str
    implementation: str
    metric: str
    results: int
    max_ulp: float
    median_ulp: float
    non_finite: int
    bound: str = ""
    within: bool | None = None


@dataclass
class _Case:
    """Inputs of one family: positional arguments (and keyword arguments)."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]


def _scipy_special() -> Any:
    try:
        import scipy.special
    except ImportError:  # scipy is an optional peer, never a dependency
        return None
    return scipy.special


def _quiet(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a naive formula with its overflow/underflow warnings silenced."""

    def run(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)

    return run


# ---------------------------------------------------------------------------
# Input families
# ---------------------------------------------------------------------------


def _pairs(rng: np.random.Generator, n: int, subtract: bool) -> list[_Case]:
    """(a, b) families for logaddexp / logsubexp (a >= b for subtraction)."""
    a_rand = rng.normal(0, 10, n)
    b_rand = rng.normal(0, 10, n)
    if subtract:
        a_rand, b_rand = np.maximum(a_rand, b_rand), np.minimum(a_rand, b_rand)
    top = rng.uniform(-5, 5, n)
    families = [
        (a_rand, b_rand),
        (top, top - rng.uniform(36, 1000, n)),  # widely separated
        (top, top - 10.0 ** rng.uniform(-12, -1, n)),  # nearly equal
        (np.zeros(n), -(10.0 ** rng.uniform(-20, -1, n))),  # near 0, tiny gap
        (big := rng.uniform(710, 1e5, n), big - rng.uniform(0, 5, n)),  # overflow
        (low := rng.uniform(-1e5, -750, n), low - rng.uniform(0, 5, n)),  # underflow
    ]
    cases = []
    for a, b in families:
        weights = [1.0, -1.0] if subtract else None
        with np.errstate(all="ignore"):
            cond = T.lse_condition_number(np.stack([a, b], axis=-1), axis=-1, b=weights)
        keep = np.asarray(cond) <= 2
        cases.append(_Case((a[keep], b[keep]), {}))
    return cases


def _rows(rng: np.random.Generator, count: int, n: int) -> list[np.ndarray]:
    """Families of rows of length n for the reductions."""
    dominant = -rng.uniform(0, 1e-3, (count, n))
    dominant[:, 0] = 0.0
    dominant = dominant + rng.uniform(1, 5, (count, 1))
    spread = rng.uniform(-1, 1, (count, n)) * 10.0 ** rng.uniform(0, 300, (count, n))
    return [
        rng.normal(0, 3, (count, n)),
        rng.normal(0, 3, (count, n)) + 1000.0,  # naive exp overflows
        rng.normal(0, 3, (count, n)) - 1000.0,  # naive exp underflows
        dominant,  # one dominant term, many just below it
        spread,  # widely spread magnitudes
    ]


def _well_conditioned_rows(rows: np.ndarray) -> np.ndarray:
    return rows[np.asarray(T.lse_condition_number(rows, axis=-1)) <= 2]


def _well_conditioned_prefixes(rows: np.ndarray) -> np.ndarray:
    """Rows every prefix of which has condition number <= 2."""
    n = rows.shape[-1]
    mask = np.tril(np.ones((n, n), dtype=bool))
    keep = []
    for row in rows:
        prefixes = np.where(mask, row[np.newaxis, :], -np.inf)
        keep.append(bool(np.all(np.asarray(T.lse_condition_number(prefixes, axis=-1)) <= 2)))
    return rows[np.array(keep, dtype=bool)]


# ---------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------


def _errors(actual: Any, exact: Any, metric: str) -> tuple[np.ndarray, int]:
    """Errors where the truth and the result are finite; count of non-finite."""
    actual = np.asarray(actual, dtype=np.float64)
    exact = np.asarray(exact, dtype=object)
    truth_finite = np.array([bool(np.isfinite(float(v))) for v in exact.reshape(-1)], dtype=bool).reshape(exact.shape)
    errors = np.asarray(T.ulp_error(actual, exact, metric=metric))
    ok = truth_finite & np.isfinite(actual)
    return errors[ok], int(np.count_nonzero(truth_finite & ~np.isfinite(actual)))


def _measure(
    kernel: str,
    implementations: list[tuple[str, Callable[..., Any]]],
    cases: list[_Case],
    reference: Callable[..., Any],
    bound: str = "",
    allowed: Callable[[_Case, Any], Any] | None = None,
) -> list[Row]:
    metric = T.METRICS[kernel]
    exacts = [reference(*case.args, **case.kwargs) for case in cases]
    rows = []
    for name, fn in implementations:
        all_errors, non_finite, results, within = [], 0, 0, True
        for case, exact in zip(cases, exacts):
            actual = fn(*case.args, **case.kwargs)
            errors, bad = _errors(actual, exact, metric)
            all_errors.append(errors)
            non_finite += bad
            results += int(np.size(exact))
            if allowed is not None and name == "logspace":
                full = np.asarray(T.ulp_error(np.asarray(actual, dtype=np.float64), exact, metric=metric))
                within &= bool(np.all(full <= np.asarray(allowed(case, exact))))
        errs = np.concatenate(all_errors) if all_errors else np.zeros(0)
        rows.append(
            Row(
                kernel=kernel,
                implementation=name,
                metric=metric,
                results=results,
                max_ulp=float(errs.max()) if errs.size else math.nan,
                median_ulp=float(np.median(errs)) if errs.size else math.nan,
                non_finite=non_finite,
                bound=bound if name == "logspace" else "",
                within=within if (name == "logspace" and allowed is not None) else None,
            )
        )
    return rows


def _softmax_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Per row of ``x`` (last axis): L = logsumexp - max and 1 - p_max, with the row length."""
    with np.errstate(all="ignore"):
        m = np.max(x, axis=-1, keepdims=True)
        e = np.exp(x - np.where(np.isfinite(m), m, 0.0))
        total = e.sum(axis=-1, keepdims=True)
        return np.log(total), 1.0 - e.max(axis=-1, keepdims=True) / total, x.shape[-1]


def _log_softmax_allowed(case: _Case, exact: Any) -> Any:
    """u(2|r| + 2L + (1 - p_max)(n + 2)), in ulps of the log metric."""
    (x,) = case.args
    big_l, tail, n = _softmax_stats(np.asarray(x, dtype=np.float64))
    r = np.asarray(T.round_to(exact, np.float64), dtype=np.float64)
    return _U * (2 * np.abs(r) + 2 * big_l + tail * (n + 2)) / np.asarray(T.ulp(exact, np.float64, "log"))


def _softmax_allowed(case: _Case, exact: Any) -> Any:
    """Relative u(6 + (1 - p_max)(n + 2)), in ulps of the relative metric."""
    (x,) = case.args
    _, tail, n = _softmax_stats(np.asarray(x, dtype=np.float64))
    q = np.abs(np.asarray(T.round_to(exact, np.float64), dtype=np.float64))
    return _U * (6 + tail * (n + 2)) * q / np.asarray(T.ulp(exact, np.float64, "relative"))


def _matmul_allowed(case: _Case, exact: Any) -> Any:
    """(k + 2)u + 2u(|m_i| + |n_j|) + 1 ulp(y), in ulps of the log metric."""
    a, b = case.args
    k = a.shape[-1]
    row_max = np.max(np.where(np.isfinite(a), a, -np.inf), axis=-1, keepdims=True, initial=-np.inf)
    col_max = np.max(np.where(np.isfinite(b), b, -np.inf), axis=-2, keepdims=True, initial=-np.inf)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    col_max = np.where(np.isfinite(col_max), col_max, 0.0)
    absolute = (k + 2) * _U + 2 * _U * (np.abs(row_max) + np.abs(col_max))
    absolute = absolute + np.asarray(T.ulp(exact, np.float64, "relative"))
    return absolute / np.asarray(T.ulp(exact, np.float64, "log"))


def accuracy_rows(seed: int = 0, n_cases: int = 200) -> tuple[list[Row], list[str]]:
    """The rows of :func:`accuracy_table`, and notes (skipped peers).

    ``n_cases`` is the number of inputs per family (pairs, scalars or rows;
    matrices use a tenth as many).
    """
    rng = np.random.default_rng(seed)
    special = _scipy_special()
    notes = []
    if special is None:
        notes.append("scipy is not installed: the scipy.special rows were skipped.")
    rows: list[Row] = []

    # logaddexp / logsubexp
    rows += _measure(
        "logaddexp",
        [
            ("logspace", K.logaddexp),
            ("naive log(exp(a) + exp(b))", _quiet(lambda a, b: np.log(np.exp(a) + np.exp(b)))),
            ("numpy.logaddexp", np.logaddexp),
        ],
        _pairs(rng, n_cases, subtract=False),
        T.ref_logaddexp,
        bound="1 ulp",
        allowed=lambda case, exact: 1.0,
    )
    rows += _measure(
        "logsubexp",
        [
            ("logspace", K.logsubexp),
            ("naive log(exp(a) - exp(b))", _quiet(lambda a, b: np.log(np.exp(a) - np.exp(b)))),
            ("shifted a + log1p(-exp(b - a))", _quiet(lambda a, b: a + np.log1p(-np.exp(b - a)))),
        ],
        _pairs(rng, n_cases, subtract=True),
        T.ref_logsubexp,
        bound="2 ulp",
        allowed=lambda case, exact: 2.0,
    )

    # log1pexp / log1mexp
    thresholds = np.concatenate(
        [[t, np.nextafter(t, np.inf), np.nextafter(t, -np.inf)] for t in (-37.0, 18.0, 33.3)]
        + [t + rng.uniform(-1, 1, n_cases // 4) for t in (-37.0, 18.0, 33.3)]
    )
    x_pexp = [
        rng.uniform(-800, 800, n_cases),
        rng.uniform(-40, 40, n_cases),
        thresholds,
        -(10.0 ** rng.uniform(-20, 2, n_cases)) * rng.choice([-1, 1], n_cases),
    ]
    rows += _measure(
        "log1pexp",
        [
            ("logspace", K.log1pexp),
            ("naive log1p(exp(x))", _quiet(lambda x: np.log1p(np.exp(x)))),
            ("numpy.logaddexp(0, x)", lambda x: np.logaddexp(0.0, x)),
        ],
        [_Case((x,), {}) for x in x_pexp],
        T.ref_log1pexp,
        bound="2 ulp",
        allowed=lambda case, exact: 2.0,
    )
    log2 = math.log(2.0)
    x_mexp = [
        -rng.uniform(0, 50, n_cases),
        -(10.0 ** rng.uniform(-20, 0, n_cases)),  # near 0: log1p(-exp(x)) fails
        -rng.uniform(40, 800, n_cases),  # far: log(-expm1(x)) rounds to 0
        -log2 + rng.uniform(-1e-3, 1e-3, n_cases),  # the log 2 switch
    ]
    rows += _measure(
        "log1mexp",
        [
            ("logspace", K.log1mexp),
            ("naive log(1 - exp(x))", _quiet(lambda x: np.log(1 - np.exp(x)))),
            ("log1p(-exp(x))", _quiet(lambda x: np.log1p(-np.exp(x)))),
            ("log(-expm1(x))", _quiet(lambda x: np.log(-np.expm1(x)))),
        ],
        [_Case((x,), {}) for x in x_mexp],
        T.ref_log1mexp,
        bound="2 ulp",
        allowed=lambda case, exact: 2.0,
    )

    # logsumexp
    lse_cases = [_Case((_well_conditioned_rows(r),), {"axis": -1}) for r in _rows(rng, n_cases, 100)]
    peers: list[tuple[str, Callable[..., Any]]] = [
        ("logspace", K.logsumexp),
        ("naive log(sum(exp(x)))", _quiet(lambda x, axis: np.log(np.sum(np.exp(x), axis=axis)))),
    ]
    if special is not None:
        peers.append(("scipy.special.logsumexp", special.logsumexp))
    peers.append(("numpy.logaddexp.reduce", lambda x, axis: np.logaddexp.reduce(x, axis=axis)))
    rows += _measure("logsumexp", peers, lse_cases, T.ref_logsumexp, bound="2 ulp", allowed=lambda c, e: 2.0)

    # logcumsumexp
    cum_cases = [_Case((_well_conditioned_prefixes(r),), {"axis": -1}) for r in _rows(rng, max(1, n_cases // 4), 50)]
    rows += _measure(
        "logcumsumexp",
        [
            ("logspace", K.logcumsumexp),
            ("naive log(cumsum(exp(x)))", _quiet(lambda x, axis: np.log(np.cumsum(np.exp(x), axis=axis)))),
            ("numpy.logaddexp.accumulate", lambda x, axis: np.logaddexp.accumulate(x, axis=axis)),
        ],
        cum_cases,
        T.ref_logcumsumexp,
        bound="4 ulp",
        allowed=lambda case, exact: 4.0,
    )

    # logmatmulexp
    n_mat = max(1, n_cases // 10)
    mat_cases = []
    for _ in range(n_mat):
        a = rng.normal(0, 3, (8, 16))
        b = rng.normal(0, 3, (16, 8))
        mat_cases.append(_Case((a, b), {}))
        mat_cases.append(_Case((a + 1000.0, b - 500.0), {}))  # naive overflows
        gap_a = np.concatenate([np.zeros((8, 1)), rng.uniform(-900, -750, (8, 15))], axis=1)
        gap_b = np.concatenate([rng.uniform(-900, -750, (15, 8)), np.zeros((1, 8))], axis=0)
        mat_cases.append(_Case((gap_a, gap_b), {}))  # row and column maxima apart
    mat_peers: list[tuple[str, Callable[..., Any]]] = [
        ("logspace", K.logmatmulexp),
        ("naive log(exp(a) @ exp(b))", _quiet(lambda a, b: np.log(np.exp(a) @ np.exp(b)))),
        (
            "max-shifted log(exp(a - m) @ exp(b - n)) + m + n",
            _quiet(
                lambda a, b: np.log(np.exp(a - a.max(-1, keepdims=True)) @ np.exp(b - b.max(-2, keepdims=True)))
                + a.max(-1, keepdims=True)
                + b.max(-2, keepdims=True)
            ),
        ),
    ]
    if special is not None:
        mat_peers.append(
            (
                "scipy logsumexp(a[:, :, None] + b, axis=1)",
                lambda a, b: special.logsumexp(a[:, :, None] + b[None], axis=1),
            )
        )
    rows += _measure(
        "logmatmulexp",
        mat_peers,
        mat_cases,
        T.ref_logmatmulexp,
        bound="(k+2)u + 2u(abs(m_i) + abs(n_j)) + 1 ulp",
        allowed=_matmul_allowed,
    )

    # log_softmax / softmax (exact TwoSum shift; bounds of their docstrings)
    soft_cases = [_Case((r[: max(1, n_cases // 4)],), {"axis": -1}) for r in _rows(rng, n_cases, 20)]
    ls_peers: list[tuple[str, Callable[..., Any]]] = [
        ("logspace", K.log_softmax),
        (
            "naive x - log(sum(exp(x)))",
            _quiet(lambda x, axis: x - np.log(np.sum(np.exp(x), axis=axis, keepdims=True))),
        ),
    ]
    sm_peers: list[tuple[str, Callable[..., Any]]] = [
        ("logspace", K.softmax),
        ("naive exp(x) / sum(exp(x))", _quiet(lambda x, axis: np.exp(x) / np.sum(np.exp(x), axis=axis, keepdims=True))),
    ]
    if special is not None:
        ls_peers.append(("scipy.special.log_softmax", _quiet(special.log_softmax)))
        sm_peers.append(("scipy.special.softmax", _quiet(special.softmax)))
    rows += _measure(
        "log_softmax",
        ls_peers,
        soft_cases,
        T.ref_log_softmax,
        bound="u(2abs(r) + 2L + (1 - p_max)(n + 2)), absolute",
        allowed=_log_softmax_allowed,
    )
    rows += _measure(
        "softmax",
        sm_peers,
        soft_cases,
        T.ref_softmax,
        bound="u(6 + (1 - p_max)(n + 2)), relative",
        allowed=_softmax_allowed,
    )
    return rows, notes


def _fmt(v: float) -> str:
    if math.isnan(v):
        return "-"
    if v == 0:
        return "0"
    if v < 1e4:
        return f"{v:.3g}"
    return f"{v:.2e}"


def accuracy_table(seed: int = 0, n_cases: int = 200) -> str:
    """Markdown table of the errors of the kernels, naive formulas and peers.

    Parameters
    ----------
    seed : int
        Seed of the random input families.
    n_cases : int
        Inputs per family (see :func:`accuracy_rows`).

    Returns
    -------
    str
        A caption line, the table (one row per kernel and implementation:
        metric, number of results, max and median ulp error over the results
        that are finite where the truth is, the count of non-finite results
        where the truth is finite, logspace's documented bound and whether
        every result met it) and notes.

    Examples
    --------
    >>> table = accuracy_table(n_cases=8)
    >>> print(table.splitlines()[2])  # doctest: +ELLIPSIS
    | kernel | implementation | metric | results | max ulp | median ulp | non-finite ... | bound | within |
    """
    rows, notes = accuracy_rows(seed=seed, n_cases=n_cases)
    lines = [
        f"Errors in ulps of float64 against an mpmath reference ({T.PRECISION} bits); "
        f"seed {seed}, {n_cases} inputs per family.",
        "",
        "| kernel | implementation | metric | results | max ulp | median ulp "
        "| non-finite where truth is finite | bound | within |",
        "|---|---|---|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        within = "" if r.within is None else ("yes" if r.within else "NO")
        lines.append(
            f"| {r.kernel} | {r.implementation} | {r.metric} | {r.results} | {_fmt(r.max_ulp)} "
            f"| {_fmt(r.median_ulp)} | {r.non_finite} | {r.bound} | {within} |"
        )
    lines.append("")
    lines.append(
        "Metrics: log = ulps of max(|y|, 1) (an absolute error e in a log is a relative error e in "
        "its number), relative = ulps of |y|. Max and median are over the results that are finite "
        "where the truth is; the others are counted as non-finite. The log-sum-exp inputs have "
        "condition number sum(|x_i| softmax_i)/|y| <= 2, where the bounds apply."
    )
    lines.extend(notes)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Error against dynamic range (the plot of docs/accuracy.md)
# ---------------------------------------------------------------------------

# A result that is not finite where the truth is plots at this height.
FAILED_ULP = 1e17


def dynamic_range_errors(
    seed: int = 0, ranges: Sequence[float] | None = None, n: int = 100, repeats: int = 5
) -> dict[str, list[tuple[float, float]]]:
    """Worst log-sum-exp error of each implementation against dynamic range.

    For each dynamic range D the inputs are ``repeats`` vectors of ``n``
    values uniform in [-D, D] (so the largest term is about e**D). Returns,
    per implementation, ``(D, max ulp error)`` pairs in the log metric; a
    result that is not finite where the truth is counts as ``FAILED_ULP``.

    Examples
    --------
    >>> errors = dynamic_range_errors(ranges=[10.0, 1000.0], n=20, repeats=1)
    >>> errors["naive log(sum(exp(x)))"][1][1] == FAILED_ULP   # exp(1000) overflows
    True
    >>> errors["logspace"][1][1] <= 2
    True
    """
    rng = np.random.default_rng(seed)
    ranges = list(np.logspace(0, 5, 21)) if ranges is None else list(ranges)
    implementations: dict[str, Callable[[np.ndarray], Any]] = {
        "naive log(sum(exp(x)))": _quiet(lambda x: np.log(np.sum(np.exp(x)))),
        "logspace": K.logsumexp,
    }
    special = _scipy_special()
    if special is not None:
        implementations["scipy.special.logsumexp"] = special.logsumexp
    curves: dict[str, list[tuple[float, float]]] = {name: [] for name in implementations}
    for width in ranges:
        inputs = [rng.uniform(-width, width, size=n) for _ in range(repeats)]
        exact = [T.ref_logsumexp(x) for x in inputs]
        for name, fn in implementations.items():
            worst = 0.0
            for x, y in zip(inputs, exact):
                errors, failed = _errors(np.array([fn(x)]), np.array([y], dtype=object), "log")
                worst = max(worst, FAILED_ULP if failed else float(errors.max()))
            curves[name].append((float(width), worst))
    return curves


def plot_unavailable() -> str | None:
    """Why :func:`plot_dynamic_range` cannot draw here, or None when it can.

    Returns
    -------
    str or None
        The message with the install hint when matplotlib is not installed.

    Examples
    --------
    >>> import importlib.util
    >>> (plot_unavailable() is None) == (importlib.util.find_spec("matplotlib") is not None)
    True
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return (
            "--plot needs matplotlib, which is not installed: "
            "pip install 'logspace-numbers[docs]' (or pip install matplotlib) installs it."
        )
    return None


def plot_dynamic_range(path: str, seed: int = 0) -> None:
    """Draw :func:`dynamic_range_errors` to a PNG at ``path`` (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = dynamic_range_errors(seed=seed)
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for (name, points), marker in zip(curves.items(), "osx^"):
        widths, errors = zip(*points)
        ax.plot(widths, [max(e, 1e-3) for e in errors], marker=marker, label=name)
    ax.axhline(FAILED_ULP, color="grey", linestyle=":", linewidth=1)
    ax.text(1.1, FAILED_ULP * 2, "overflow / underflow (no finite result)", fontsize=8, color="grey")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(1e-3, 1e19)
    ax.set_xlabel("dynamic range D (inputs uniform in [-D, D])")
    ax.set_ylabel("max error, ulps of max(|result|, 1)")
    ax.set_title("log-sum-exp of 100 values: error against mpmath")
    ax.legend(loc="center right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
