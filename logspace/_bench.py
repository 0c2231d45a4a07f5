"""Benchmark: logspace against its peers, timed side by side in one process.

``python -m logspace bench`` (``--quick`` for a run under a minute) calls
:func:`run` and prints :func:`format_report`: a machine line, a line per
optional peer that is not installed, and one markdown table with a row per
case (kernel, size, logspace's time, the peer and its time, the ratio, the
target it is held to and whether it is met, peak extra memory and accuracy).
``docs/performance.md`` holds a copy of the latest full run.

Method
------
Time: every function of a case is called once to warm up, then samples of
the functions are taken in turn (logspace, peer, logspace, peer, ...) so that
drifts of the machine hit both sides alike, and each side's median time per
call is reported. A sample is one call, or for calls faster than
:attr:`Config.min_sample` a loop of calls lasting about that long. The number
of samples is chosen from the warm-up time so that a case takes about
:attr:`Config.budget` seconds (between :attr:`Config.min_repeats` and
:attr:`Config.max_repeats`). Timings use :func:`time.perf_counter`; the
scalar (``LogFloat``) cases use :mod:`timeit` on a Python ``for`` loop, whose
overhead is on both sides.

Ratio: ``k x faster`` means peer time / logspace time = k; ``k x slower``
means logspace time / peer time = k. A target ``>= 3x faster`` is met when
logspace is at least 3 times faster; ``<= 1.2x slower`` when logspace takes
at most 1.2 times the peer's time (being faster meets it too).

Memory: peak bytes allocated during one call, above what was allocated
before it, measured with :mod:`tracemalloc` (numpy reports its buffers to
it), in a separate call after the timings.

Optional peers (``scipy``, ``hmmlearn``; ``pip install 'logspace-numbers[bench]'``)
are skipped with a line saying so when they are not installed. Nothing here
asserts speed: the table reports it.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import math
import os
import platform
import statistics
import sys
import time
import timeit
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

import logspace
from logspace import _blocked, _conversions
from logspace import testing as T

__all__ = ["FULL", "QUICK", "Config", "Report", "Row", "Target", "format_report", "main", "run"]

#: The fixed memory bound of a one-dimensional logsumexp: two scratch blocks
#: of the blocked kernels, whatever the number of terms.
MEMORY_BOUND = 2 * _blocked.BLOCK * 8

#: Relative agreement required between the HMM log-likelihoods.
HMM_AGREEMENT = 1e-10


# ---------------------------------------------------------------------------
# Configuration, targets, rows
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """Sizes and repeats of one run."""

    lse_sizes: tuple[int, ...] = (10**3, 10**5, 10**7)
    lse_mpmath_max: int = 10**5  # larger sizes are checked against a long-double reference
    lse_2d: tuple[int, int] = (1000, 10000)
    logaddexp_n: int = 10**7
    logaddexp_checked: int = 10**4  # pairs checked against mpmath
    overhead_n: int = 10**6
    matmul_n: int = 512
    broadcast_n: int = 256
    batch: tuple[int, int, int] = (64, 128, 128)
    adversarial_n: tuple[int, ...] = (512, 256)
    hmm_states: tuple[int, ...] = (100, 10)
    hmm_symbols: int = 32
    hmm_steps: int = 10**4
    scalar_ops: int = 10**5
    conversion_n: int = 10**6  # floats converted by LogArray(values) and to_numpy()
    budget: float = 2.0  # seconds of timed calls per case, roughly
    min_sample: float = 0.01  # seconds: faster calls are timed in loops this long
    max_repeats: int = 15
    min_repeats: int = 3


FULL = Config()
QUICK = Config(
    lse_sizes=(10**3, 10**5),
    logaddexp_n=10**6,
    logaddexp_checked=2000,
    adversarial_n=(256,),
    hmm_steps=2000,
    scalar_ops=2 * 10**4,
    budget=0.5,
    min_sample=0.005,
    max_repeats=7,
)


@dataclass(frozen=True)
class Target:
    """``>= factor x faster`` (kind "faster") or ``<= factor x slower`` ("slower")."""

    kind: str
    factor: float

    def met(self, speedup: float) -> bool:
        if self.kind == "faster":
            return speedup >= self.factor
        return 1.0 / speedup <= self.factor

    def __str__(self) -> str:
        return f"{'>=' if self.kind == 'faster' else '<='} {self.factor:g}x {self.kind}"


@dataclass
class Row:
    """One line of the table. Times are seconds (per operation for scalars)."""

    case: str
    size: str
    seconds: float
    peer: str
    peer_seconds: float
    target: Target | None = None
    memory: str = ""
    accuracy: str = ""
    checks: dict[str, bool] = field(default_factory=dict)  # further conditions of the target

    @property
    def speedup(self) -> float:
        return self.peer_seconds / self.seconds

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.target.met(self.speedup) and all(self.checks.values())


@dataclass
class Report:
    machine: list[str]
    skipped: list[str]
    rows: list[Row]
    command: str
    seconds: float = 0.0
    load: tuple[float, float] | None = None  # 1-minute load average before and after the run


# ---------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------


def _seconds_per_call(fn: Callable[[], Any], number: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def _repeats(round_seconds: float, cfg: Config) -> int:
    fitting = int(cfg.budget / max(round_seconds, 1e-9))
    return max(cfg.min_repeats, min(cfg.max_repeats, fitting))


def interleaved_medians(fns: list[Callable[[], Any]], cfg: Config) -> list[float]:
    """Median seconds per call of each function: one warm-up each, then samples in turn.

    A sample of a fast function is a loop of calls lasting at least
    :attr:`Config.min_sample` seconds (as :mod:`timeit` does), so that
    microsecond calls are not lost in the timer's resolution and noise.
    """
    warmup = [_seconds_per_call(fn) for fn in fns]
    numbers = [max(1, math.ceil(cfg.min_sample / max(t, 1e-9))) for t in warmup]
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(_repeats(sum(n * t for n, t in zip(numbers, warmup)), cfg)):
        for fn, number, times in zip(fns, numbers, samples):
            times.append(_seconds_per_call(fn, number))
    return [statistics.median(times) for times in samples]


def per_op_medians(stmt: str, namespaces: list[dict[str, Any]], ops: int, cfg: Config) -> list[float]:
    """Median seconds per execution of ``stmt`` in a ``for`` loop of ``ops``, per namespace."""
    timers = [timeit.Timer(f"for _ in _r: {stmt}", globals={**ns, "_r": range(ops)}) for ns in namespaces]
    return [t / ops for t in interleaved_medians([functools.partial(t.timeit, number=1) for t in timers], cfg)]


def peak_extra_bytes(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated during one call of ``fn`` above those held before it."""
    gc.collect()
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
        del result
    finally:
        if started:
            tracemalloc.stop()
    return max(0, peak - before)


def _bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def _duration(s: float) -> str:
    """A time with a unit that keeps three significant digits readable.

    >>> _duration(0.0123), _duration(2.5e-7)
    ('12.3 ms', '250 ns')
    """
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def _ratio(speedup: float) -> str:
    if speedup >= 1.0:
        return f"{speedup:.2f}x faster"
    return f"{1.0 / speedup:.2f}x slower"


def _memory_pair(ours: int, theirs: int | None) -> str:
    if theirs is None:
        return _bytes(ours)
    return f"{_bytes(ours)} / {_bytes(theirs)}"


# ---------------------------------------------------------------------------
# Accuracy
# ---------------------------------------------------------------------------


def _long_double_is_wider() -> bool:
    return bool(np.finfo(np.longdouble).nmant >= 63)


def _log_ulps(actual: float, exact: Any) -> float:
    """|actual - exact| in ulps of max(|exact|, 1), exact being a long double."""
    spacing = np.spacing(max(abs(float(exact)), 1.0))
    return float(abs(np.longdouble(actual) - exact) / np.longdouble(spacing))


def _lse_long_double(x: np.ndarray) -> Any:
    """log-sum-exp in long double (64-bit significand): ~0.001 ulp of float64."""
    amax = np.longdouble(x.max())
    total = np.longdouble(0.0)
    for start in range(0, x.shape[0], _blocked.BLOCK):
        total += np.exp(x[start : start + _blocked.BLOCK].astype(np.longdouble) - amax).sum()
    return amax + np.log(total)


def _lse_long_double_rows(x: np.ndarray) -> np.ndarray:
    """log-sum-exp along the last axis in long double, a few rows at a time."""
    out = np.empty(x.shape[0], dtype=np.longdouble)
    rows = max(1, _blocked.BLOCK // max(1, x.shape[1]))
    for start in range(0, x.shape[0], rows):
        part = x[start : start + rows].astype(np.longdouble)
        amax = part.max(axis=1, keepdims=True)
        out[start : start + rows] = (amax + np.log(np.exp(part - amax).sum(axis=1, keepdims=True)))[:, 0]
    return out


def lse_axis_errors(x: np.ndarray, axis: int, ours: np.ndarray, theirs: np.ndarray) -> str:
    """Max errors in ulps of both results along ``axis`` of a 2-D array, or how far apart they are."""
    if not _long_double_is_wider():
        return f"max {_max_ulps_apart(ours, theirs):.2f} ulp apart"
    exact = _lse_long_double_rows(np.moveaxis(x, axis, -1))
    spacing = np.spacing(np.maximum(np.abs(exact.astype(np.float64)), 1.0)).astype(np.longdouble)
    e_ours = float(np.max(np.abs(ours.astype(np.longdouble) - exact) / spacing))
    e_theirs = float(np.max(np.abs(theirs.astype(np.longdouble) - exact) / spacing))
    return f"max ulp vs long double: {e_ours:.2f} / {e_theirs:.2f} (scipy)"


def lse_errors(x: np.ndarray, ours: float, theirs: float, cfg: Config) -> tuple[float, float, str] | None:
    """Errors in ulps (log metric) of both results and the reference's name."""
    if x.shape[0] <= cfg.lse_mpmath_max:
        exact = T.ref_logsumexp(x)
        return float(T.ulp_error(ours, exact)), float(T.ulp_error(theirs, exact)), "mpmath"
    if _long_double_is_wider():
        exact = _lse_long_double(x)
        return _log_ulps(ours, exact), _log_ulps(theirs, exact), "long double"
    return None


def _not_worse(ours: float, theirs: float) -> bool:
    """Equal or better accuracy: no larger error, or correctly rounded."""
    return ours <= max(theirs, 0.5) + 1e-9


def _max_ulps_apart(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b| in ulps of max(|b|, 1), over the entries where b is finite."""
    finite = np.isfinite(b)
    if not finite.any():
        return 0.0
    diff = np.abs(a[finite] - b[finite]) / np.spacing(np.maximum(np.abs(b[finite]), 1.0))
    return float(diff.max())


# ---------------------------------------------------------------------------
# Peers and machine
# ---------------------------------------------------------------------------

_PEERS = {
    "scipy": ("scipy.special", "logsumexp and the broadcast logmatmulexp formulation"),
    "hmmlearn": ("hmmlearn.hmm", "the HMM forward pass"),
}


def _import_peer(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def load_peers() -> tuple[dict[str, Any], list[str]]:
    """The optional peers that import, and a line for each that does not."""
    peers: dict[str, Any] = {}
    skipped: list[str] = []
    for name, (module, rows) in _PEERS.items():
        peers[name] = _import_peer(module)
        if peers[name] is None:
            skipped.append(
                f"{name} is not installed: skipped the rows against it ({rows}); "
                "pip install 'logspace-numbers[bench]' installs it."
            )
    return peers, skipped


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _blas() -> str:
    """Every BLAS loaded (threadpoolctl), else the one numpy was built with."""
    threadpoolctl = _import_peer("threadpoolctl")
    pools = [] if threadpoolctl is None else [p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]
    if pools:
        return "; ".join(
            f"{p['internal_api']} {p.get('version')} of {_owner(p.get('filepath', ''))} "
            f"({p.get('num_threads')} threads, {p.get('architecture')})"
            for p in pools
        )
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas.get('version', '')}".strip()
    except Exception:  # show_config's layout is not an API
        return "unknown BLAS"


def _owner(path: str) -> str:
    """The package that ships a shared library: numpy.libs/... -> numpy."""
    for part in reversed(path.replace("\\", "/").split("/")):
        if part.endswith(".libs"):
            return part[: -len(".libs")]
    return os.path.basename(path) or "?"


def _version(module: str) -> str | None:
    try:
        return str(importlib.import_module(module).__version__)
    except ImportError:
        return None


def machine_lines() -> list[str]:
    """Platform, CPU, cores, library versions and BLAS."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    for module in ("scipy", "hmmlearn"):
        v = _version(module)
        versions.append(f"{module} {v}" if v else f"{module} (not installed)")
    versions.append(f"logspace {logspace.__version__}")
    return [
        f"Machine: {platform.platform()}; {_cpu_model()}; {os.cpu_count()} logical CPUs ({usable} usable)",
        f"Software: {', '.join(versions)}; BLAS: {_blas()}",
    ]


# ---------------------------------------------------------------------------
# Cases: each yields rows
# ---------------------------------------------------------------------------


def _power(n: int) -> str:
    """10^k for a power of ten, else the plain number."""
    digits = str(n)
    if n >= 10 and digits == "1" + "0" * (len(digits) - 1):
        return f"10^{len(digits) - 1}"
    return digits


def logsumexp_1d(cfg: Config, rng: np.random.Generator, peers: dict[str, Any]) -> Iterator[Row]:
    sp = peers["scipy"]
    if sp is None:
        return
    for n in cfg.lse_sizes:
        yield _logsumexp_1d_row(cfg, rng.standard_normal(n), sp)


def _logsumexp_1d_row(cfg: Config, x: np.ndarray, sp: Any) -> Row:
    ours, theirs = interleaved_medians([lambda: logspace.logsumexp(x), lambda: sp.logsumexp(x)], cfg)
    mem_ours = peak_extra_bytes(lambda: logspace.logsumexp(x))
    mem_theirs = peak_extra_bytes(lambda: sp.logsumexp(x))
    checks = {"memory": mem_ours <= MEMORY_BOUND}
    errors = lse_errors(x, float(logspace.logsumexp(x)), float(sp.logsumexp(x)), cfg)
    if errors is None:
        accuracy = "no reference wider than float64 on this platform"
    else:
        e_ours, e_theirs, ref = errors
        accuracy = f"ulp vs {ref}: {e_ours:.2f} / {e_theirs:.2f} (scipy)"
        checks["accuracy"] = _not_worse(e_ours, e_theirs)
    return Row(
        "logsumexp, 1-D",
        _power(x.shape[0]),
        ours,
        "scipy.special.logsumexp",
        theirs,
        Target("faster", 3),
        memory=_memory_pair(mem_ours, mem_theirs) + f" (bound {_bytes(MEMORY_BOUND)})",
        accuracy=accuracy,
        checks=checks,
    )


def logsumexp_2d(cfg: Config, rng: np.random.Generator, peers: dict[str, Any]) -> Iterator[Row]:
    sp = peers["scipy"]
    if sp is None:
        return
    x = rng.standard_normal(cfg.lse_2d)
    for axis in (0, 1):
        yield _logsumexp_axis_row(cfg, x, axis, sp)


def _logsumexp_axis_row(cfg: Config, x: np.ndarray, axis: int, sp: Any) -> Row:
    ours, theirs = interleaved_medians(
        [lambda: logspace.logsumexp(x, axis=axis), lambda: sp.logsumexp(x, axis=axis)], cfg
    )
    return Row(
        f"logsumexp, axis={axis}",
        f"{x.shape[0]}x{x.shape[1]}",
        ours,
        "scipy.special.logsumexp",
        theirs,
        Target("faster", 2),
        memory=_memory_pair(
            peak_extra_bytes(lambda: logspace.logsumexp(x, axis=axis)),
            peak_extra_bytes(lambda: sp.logsumexp(x, axis=axis)),
        ),
        accuracy=lse_axis_errors(x, axis, logspace.logsumexp(x, axis=axis), sp.logsumexp(x, axis=axis)),
    )


def logaddexp_case(cfg: Config, rng: np.random.Generator, peers: dict[str, Any]) -> Iterator[Row]:
    a, b = rng.normal(0, 10, cfg.logaddexp_n), rng.normal(0, 10, cfg.logaddexp_n)
    ours, theirs = interleaved_medians([lambda: logspace.logaddexp(a, b), lambda: np.logaddexp(a, b)], cfg)
    pick = rng.choice(cfg.logaddexp_n, size=min(cfg.logaddexp_checked, cfg.logaddexp_n), replace=False)
    exact = T.ref_logaddexp(a[pick], b[pick])
    e_ours = float(np.max(T.ulp_error(logspace.logaddexp(a, b)[pick], exact)))
    e_theirs = float(np.max(T.ulp_error(np.logaddexp(a, b)[pick], exact)))
    yield Row(
        "logaddexp",
        f"{_power(cfg.logaddexp_n)} pairs",
        ours,
        "np.logaddexp",
        theirs,
        Target("faster", 1.5),
        accuracy=f"max ulp vs mpmath on {pick.size} pairs: {e_ours:.2f} / {e_theirs:.2f} (numpy); bound 1",
        checks={"accuracy": e_ours <= 1.0},
    )


def logarray_overhead(cfg: Config, rng: np.random.Generator, peers: dict[str, Any]) -> Iterator[Row]:
    for dtype in (np.float64, np.float32):
        x = logspace.LogArray.from_log(rng.normal(-5, 3, cfg.overhead_n).astype(dtype))
        y = logspace.LogArray.from_log(rng.normal(-5, 3, cfg.overhead_n).astype(dtype))
        yield from _overhead_rows(cfg, x, y)


def _overhead_rows(cfg: Config, x: Any, y: Any) -> Iterator[Row]:
    ops = [
        ("a * b", lambda: x * y, "np.add on .log", lambda: np.add(x.log, y.log)),
        ("a + b", lambda: x + y, "logspace.logaddexp on .log", lambda: logspace.logaddexp(x.log, y.log)),
        ("a.sum()", lambda: x.sum(), "logspace.logsumexp on .log", lambda: logspace.logsumexp(x.log)),
    ]
    for name, ours_fn, peer, theirs_fn in ops:
        ours, theirs = interleaved_medians([ours_fn, theirs_fn], cfg)
        yield Row(
            f"LogArray {name}",
            f"{_power(x.size)} {x.dtype.name}",
            ours,
            peer,
            theirs,
            Target("slower", 1.2),
        )


def _broadcast_lse(sp: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return sp.logsumexp(a[:, :, None] + b[None], axis=1)


def matmul_cases(cfg: Config, rng: np.random.Generator, peers: dict[str, Any]) -> Iterator[Row]:
    n = cfg.matmul_n
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    ea, eb = np.exp(a), np.exp(b)
    la, lb = logspace.LogArray.from_log(a), logspace.LogArray.from_log(b)
    ours, at, theirs = interleaved_medians(
        [lambda: logspace.logmatmulexp(a, b), lambda: la @ lb, lambda: np.matmul(ea, eb)], cfg
    )
    size = f"{n}x{n}"
    yield Row("logmatmulexp", size, ours, "np.matmul (values)", theirs, Target("slower", 2.5))
    yield Row("LogArray @", size, at, "np.matmul (values)", theirs, Target("slower", 2.5))

    m, p, q = cfg.batch
    a3, b3 = rng.standard_normal((m, p, q)), rng.standard_normal((m, q, p))
    ea3, eb3 = np.exp(a3), np.exp(b3)
    ours, theirs = interleaved_medians([lambda: logspace.logmatmulexp(a3, b3), lambda: np.matmul(ea3, eb3)], cfg)
    yield Row("logmatmulexp, batch", f"{m}x{p}x{q}", ours, "np.matmul (values)", theirs, Target("slower", 2.5))

    sp = peers["scipy"]
    if sp is not None:
        yield _broadcast_row(cfg, rng.standard_normal((cfg.broadcast_n,) * 2), rng, sp, Target("faster", 50), "")
    for n_adv in cfg.adversarial_n:
        a_adv, b_adv = rng.normal(0, 300, (n_adv, n_adv)), rng.normal(0, 300, (n_adv, n_adv))
        yield _adversarial_matmul_row(cfg, a_adv, b_adv)
        if sp is not None and n_adv == cfg.broadcast_n:
            yield _broadcast_row(cfg, a_adv, rng, sp, None, ", N(0, 300)", b=b_adv)


def _broadcast_row(
    cfg: Config,
    a: np.ndarray,
    rng: np.random.Generator,
    sp: Any,
    target: Target | None,
    label: str,
    b: np.ndarray | None = None,
) -> Row:
    if b is None:
        b = rng.standard_normal(a.shape[::-1])
    ours, theirs = interleaved_medians([lambda: logspace.logmatmulexp(a, b), lambda: _broadcast_lse(sp, a, b)], cfg)
    e_ours, e_theirs = matmul_errors(a, b, logspace.logmatmulexp(a, b), _broadcast_lse(sp, a, b))
    return Row(
        f"logmatmulexp{label}",
        f"{a.shape[0]}x{a.shape[1]}",
        ours,
        "scipy logsumexp(a[:,:,None]+b[None], axis=1)",
        theirs,
        target,
        memory=_memory_pair(
            peak_extra_bytes(lambda: logspace.logmatmulexp(a, b)), peak_extra_bytes(lambda: _broadcast_lse(sp, a, b))
        ),
        accuracy=f"max ulp vs mpmath on {MATMUL_CHECKED**2} entries: {e_ours:.2f} / {e_theirs:.2f} (scipy)",
    )


def _adversarial_matmul_row(cfg: Config, a: np.ndarray, b: np.ndarray) -> Row:
    # The peer's time does not depend on the values; clipped, they neither
    # overflow nor become subnormal (which would slow BLAS down).
    ea, eb = np.exp(a.clip(-300, 300)), np.exp(b.clip(-300, 300))
    ours, theirs = interleaved_medians([lambda: logspace.logmatmulexp(a, b), lambda: np.matmul(ea, eb)], cfg)
    e_ours, _ = matmul_errors(a, b, logspace.logmatmulexp(a, b), None)
    return Row(
        "logmatmulexp, N(0, 300): exact fallback",
        f"{a.shape[0]}x{a.shape[1]}",
        ours,
        "np.matmul (values)",
        theirs,
        None,
        memory=_bytes(peak_extra_bytes(lambda: logspace.logmatmulexp(a, b))),
        accuracy=f"max ulp vs mpmath on {MATMUL_CHECKED**2} entries: {e_ours:.2f}",
    )


#: Rows (and columns) of a product whose entries are checked against mpmath.
MATMUL_CHECKED = 4


def matmul_errors(
    a: np.ndarray, b: np.ndarray, ours: np.ndarray, theirs: np.ndarray | None
) -> tuple[float, float | None]:
    """Max ulp errors (log metric) of both products on a few entries, against mpmath."""
    i = np.linspace(0, a.shape[0] - 1, MATMUL_CHECKED).astype(int)
    j = np.linspace(0, b.shape[1] - 1, MATMUL_CHECKED).astype(int)
    exact = T.ref_logmatmulexp(a[i], b[:, j])
    e_ours = float(np.max(T.ulp_error(ours[np.ix_(i, j)], exact)))
    if theirs is None:
        return e_ours, None
    return e_ours, float(np.max(T.ulp_error(theirs[np.ix_(i, j)], exact)))


def hmm_forward(pi: Any, A: Any, B: Any, obs: np.ndarray) -> Any:
    """HMM forward log-likelihood, written as a user would with LogArrays."""
    alpha = pi * B[:, obs[0]]
    for o in obs[1:]:
        alpha = (alpha @ A) * B[:, o]
    return alpha.sum()


def _hmm_model(hmm: Any, implementation: str, pi: np.ndarray, A: np.ndarray, B: np.ndarray) -> Any:
    model = hmm.CategoricalHMM(n_components=A.shape[0], n_features=B.shape[1], implementation=implementation)
    model.startprob_, model.transmat_, model.emissionprob_ = pi, A, B
    return model


def hmm_cases(cfg: Config, rng: np.random.Generator, peers: dict[str, Any]) -> Iterator[Row]:
    hmm = peers["hmmlearn"]
    if hmm is None:
        return
    for k in cfg.hmm_states:
        pi = rng.dirichlet(np.ones(k))
        A, B = rng.dirichlet(np.ones(k), size=k), rng.dirichlet(np.ones(cfg.hmm_symbols), size=k)
        obs = rng.integers(0, cfg.hmm_symbols, cfg.hmm_steps)
        yield from _hmm_rows(cfg, hmm, pi, A, B, obs)


def _hmm_rows(cfg: Config, hmm: Any, pi: np.ndarray, A: np.ndarray, B: np.ndarray, obs: np.ndarray) -> Iterator[Row]:
    """HMM forward with LogArrays against hmmlearn's log and scaling implementations."""
    lpi, lA, lB = logspace.LogArray(pi), logspace.LogArray(A), logspace.LogArray(B)
    log_model, scaling_model = _hmm_model(hmm, "log", pi, A, B), _hmm_model(hmm, "scaling", pi, A, B)
    X = obs[:, None]
    ours, t_log, t_scaling = interleaved_medians(
        [lambda: hmm_forward(lpi, lA, lB, obs), lambda: log_model.score(X), lambda: scaling_model.score(X)], cfg
    )
    ll = float(hmm_forward(lpi, lA, lB, obs).log)
    ll_log, ll_scaling = float(log_model.score(X)), float(scaling_model.score(X))
    rel = abs(ll - ll_log) / abs(ll_log)
    k = A.shape[0]
    size = f"K={k}, T={_power(obs.shape[0])}"
    yield Row(
        "HMM forward, LogArray",
        size,
        ours,
        "hmmlearn log",
        t_log,
        Target("faster", 5) if k >= 100 else Target("slower", 15),
        accuracy=f"loglik {ll:.12g} vs {ll_log:.12g}: rel diff {rel:.1e}",
        checks={"agreement": rel <= HMM_AGREEMENT},
    )
    rel_scaling = abs(ll - ll_scaling) / abs(ll_scaling)
    yield Row(
        "HMM forward, LogArray",
        size,
        ours,
        "hmmlearn scaling",
        t_scaling,
        None,
        accuracy=f"loglik {ll_scaling:.12g}: rel diff {rel_scaling:.1e}",
    )


def scalar_cases(cfg: Config, rng: np.random.Generator, peers: dict[str, Any]) -> Iterator[Row]:
    ours_ns = {"x": logspace.LogFloat(0.3), "y": logspace.LogFloat(0.7)}
    float_ns = {"x": 0.3, "y": 0.7}
    for op, factor in (("*", 12), ("+", 16)):
        ours, theirs = per_op_medians(f"x {op} y", [ours_ns, float_ns], cfg.scalar_ops, cfg)
        yield Row(
            f"LogFloat x {op} y, per op",
            f"for-loop of {_power(cfg.scalar_ops)}",
            ours,
            "float",
            theirs,
            Target("slower", factor),
        )


# ---------------------------------------------------------------------------
# LogFloat conversions and text (issues 10 and 12): goals in absolute time
# ---------------------------------------------------------------------------


def _fresh_median(make: Callable[[], list[Any]], op: Callable[[Any], Any], repeats: int) -> float:
    """Median seconds per ``op(item)`` over fresh items (so no cached result is timed)."""
    times = []
    for _ in range(repeats):
        items = make()
        start = time.perf_counter()
        for item in items:
            op(item)
        times.append((time.perf_counter() - start) / len(items))
    return statistics.median(times)


def _goal(seconds: float, goal: float) -> str:
    return f"goal <= {_duration(goal)}: {'met' if seconds <= goal else 'not met'}"


def logfloat_text_cases(cfg: Config, rng: np.random.Generator, peers: dict[str, Any]) -> Iterator[Row]:
    """float, hash, repr and str of one LogFloat (first call: nothing cached), and long parses."""
    from decimal import Decimal

    n = max(100, cfg.scalar_ops // 10)
    repeats = max(cfg.min_repeats, 5)
    logs = rng.uniform(-700.0, 700.0, n).tolist()
    floats = [math.exp(v) for v in logs]

    def computed() -> list[Any]:
        return [logspace.LogFloat.from_log(v) for v in logs]

    def decimals() -> list[Any]:
        return [logspace.LogFloat(v) for v in floats[: n // 2]] + computed()[: n // 2]

    for name, op, goal in (("float", float, 2e-6), ("hash", hash, 2e-6), ("repr", repr, 10e-6), ("str", str, 10e-6)):
        ours = _fresh_median(decimals, op, repeats)
        theirs = _fresh_median(lambda: list(floats), op, repeats)
        yield Row(
            f"LogFloat {name}(x), first call",
            f"{_power(n)} values, half of them floats' LogFloats",
            ours,
            "float",
            theirs,
            accuracy=_goal(ours, goal),
        )
    parses: tuple[tuple[str, Any, Callable[[Any], Any], str], ...] = (
        ("LogFloat('1' * 10**6)", "1" * 10**6, Decimal, "Decimal(str)"),
        ("LogFloat('1e' + '9' * 10**6)", "1e" + "9" * 10**6, float, "float(str)"),
        ("LogFloat(10**(10**6))", 10 ** (10**6), math.log, "math.log(int)"),
    )
    for case, value, peer_fn, peer in parses:
        ours, theirs = interleaved_medians(
            [functools.partial(logspace.LogFloat, value), functools.partial(peer_fn, value)],
            replace(cfg, max_repeats=5),
        )
        yield Row(case, "one call", ours, peer, theirs, accuracy=_goal(ours, 0.2))


# ---------------------------------------------------------------------------
# torch and JAX: the kernels on their arrays, against their own functions
# ---------------------------------------------------------------------------
#
# The same data as float64 tensors/arrays (JAX with x64 enabled). JAX sides
# are jitted and timed to block_until_ready; torch sides run eagerly without
# autograd, as a forward pass does. Accuracy: ulps of both results against
# the same reference as the numpy rows.


def _backend_peers() -> tuple[Any, Any]:
    torch = _import_peer("torch")
    jax = _import_peer("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
    return torch, jax


def _jax_timed(jax: Any, fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    jitted = jax.jit(fn)
    return lambda: jitted(*args).block_until_ready()


def backend_cases(cfg: Config, rng: np.random.Generator, peers: dict[str, Any]) -> Iterator[Row]:
    torch, jax = _backend_peers()
    for n in cfg.lse_sizes:
        x = rng.standard_normal(n)
        if torch is not None:
            t = torch.asarray(x)
            ours: Callable[[], Any] = functools.partial(logspace.logsumexp, t)
            yield _backend_lse_row(cfg, x, "torch", ours, functools.partial(torch.logsumexp, t, 0))
        if jax is not None:
            xj = jax.numpy.asarray(x)
            ours = _jax_timed(jax, logspace.logsumexp, xj)
            theirs = _jax_timed(jax, jax.nn.logsumexp, xj)
            yield _backend_lse_row(cfg, x, "jax", ours, theirs)
    n = cfg.matmul_n
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    if torch is not None:
        ta, tb = torch.asarray(a), torch.asarray(b)
        yield _backend_matmul_row(
            cfg, a, b, "torch", lambda: logspace.logmatmulexp(ta, tb), lambda: _max_shifted(torch, ta, tb)
        )
    if jax is not None:
        ja, jb = jax.numpy.asarray(a), jax.numpy.asarray(b)
        ours = _jax_timed(jax, logspace.logmatmulexp, ja, jb)
        theirs = _jax_timed(jax, functools.partial(_max_shifted, jax.numpy), ja, jb)
        yield _backend_matmul_row(cfg, a, b, "jax", ours, theirs)


def _max_shifted(xp: Any, a: Any, b: Any) -> Any:
    """The backend's own log(exp(a - m) @ exp(b - n)) + m + n."""
    m = xp.max(a, 1, keepdims=True) if xp.__name__ != "torch" else a.amax(1, keepdim=True)
    k = xp.max(b, 0, keepdims=True) if xp.__name__ != "torch" else b.amax(0, keepdim=True)
    return xp.log(xp.exp(a - m) @ xp.exp(b - k)) + m + k


def _host(x: Any) -> np.ndarray:
    return np.asarray(x.detach().numpy() if hasattr(x, "detach") else x)


def _backend_lse_row(cfg: Config, x: np.ndarray, lib: str, ours: Callable[[], Any], theirs: Callable[[], Any]) -> Row:
    t_ours, t_theirs = interleaved_medians([ours, theirs], cfg)
    peer = "torch.logsumexp" if lib == "torch" else "jax.nn.logsumexp (jit)"
    errors = lse_errors(x, float(_host(ours())), float(_host(theirs())), cfg)
    checks: dict[str, bool] = {}
    accuracy = "no reference wider than float64 on this platform"
    if errors is not None:
        e_ours, e_theirs, ref = errors
        accuracy = f"ulp vs {ref}: {e_ours:.2f} / {e_theirs:.2f} ({lib})"
        checks["accuracy"] = _not_worse(e_ours, e_theirs)
    name = f"logsumexp, 1-D, {lib}" + (" (jit)" if lib == "jax" else "")
    target = Target("slower", 1.5)
    return Row(name, _power(x.shape[0]), t_ours, peer, t_theirs, target, accuracy=accuracy, checks=checks)


def _backend_matmul_row(
    cfg: Config, a: np.ndarray, b: np.ndarray, lib: str, ours: Callable[[], Any], theirs: Callable[[], Any]
) -> Row:
    t_ours, t_theirs = interleaved_medians([ours, theirs], cfg)
    e_ours, e_theirs = matmul_errors(a, b, _host(ours()), _host(theirs()))
    assert e_theirs is not None
    return Row(
        f"logmatmulexp, {lib}" + (" (jit)" if lib == "jax" else ""),
        f"{a.shape[0]}x{a.shape[1]}",
        t_ours,
        f"{lib} log(exp(a - m) @ exp(b - n)) + m + n",
        t_theirs,
        Target("slower", 2.5),
        accuracy=f"max ulp vs mpmath on {MATMUL_CHECKED**2} entries: {e_ours:.2f} / {e_theirs:.2f} ({lib})",
        checks={"accuracy": _not_worse(e_ours, e_theirs)},
    )



# ---------------------------------------------------------------------------
# logspace.chain against hmmlearn (issue 11)
# ---------------------------------------------------------------------------

#: Model sizes of the chain rows (K states); T and M are the HMM rows' (hmm_steps, hmm_symbols).
CHAIN_STATES = (2, 10, 100)
#: Required agreement with hmmlearn: log-likelihood (relative) and posteriors (absolute).
CHAIN_LOGLIK_AGREEMENT = 1e-12
CHAIN_POSTERIOR_AGREEMENT = 1e-10


def chain_cases(cfg: Config, rng: np.random.Generator, peers: dict[str, Any]) -> Iterator[Row]:
    """chain.likelihood / posteriors / viterbi against hmmlearn on the same random model.

    ``B`` is a LogArray built outside the timing; the gather ``emis = B[:, obs].T`` is timed on our side.
    """
    hmm = peers["hmmlearn"]
    if hmm is None:
        return
    from logspace import _native, chain

    path = _native.active_path(chain.EXTENSION)
    for k in CHAIN_STATES:
        pi = rng.dirichlet(np.ones(k))
        A, B = rng.dirichlet(np.ones(k), size=k), rng.dirichlet(np.ones(cfg.hmm_symbols), size=k)
        obs = rng.integers(0, cfg.hmm_symbols, cfg.hmm_steps)
        yield from _chain_rows(cfg, hmm, chain, pi, A, B, obs, f"K={k}, T={_power(obs.shape[0])}, {path}")
        yield _chain_fallback_row(cfg, chain, pi, A, B, obs, f"K={k}, T={_power(obs.shape[0])}")


def _chain_fallback_row(
    cfg: Config, chain: Any, pi: np.ndarray, A: np.ndarray, B: np.ndarray, obs: np.ndarray, size: str
) -> Row:
    """The numpy fallback (as with LOGSPACE_PURE_PYTHON=1) against the LogArray loop a user writes."""
    from logspace import _chain_numpy

    lpi, lA, lB = logspace.LogArray(pi), logspace.LogArray(A), logspace.LogArray(B)
    compiled = chain._engine
    chain._engine = lambda: _chain_numpy
    try:
        ours, loop = interleaved_medians(
            [lambda: chain.likelihood(lpi, lA, lB[:, obs].T), lambda: hmm_forward(lpi, lA, lB, obs)], cfg
        )
        ll = chain.likelihood(lpi, lA, lB[:, obs].T).log
    finally:
        chain._engine = compiled
    ll_loop = hmm_forward(lpi, lA, lB, obs).log
    rel = abs(ll - ll_loop) / abs(ll_loop)
    return Row(
        "chain.likelihood, numpy fallback",
        size,
        ours,
        "HMM forward, LogArray loop",
        loop,
        Target("slower", 1),
        accuracy=f"loglik rel diff {rel:.1e}",
        checks={"agreement": rel <= CHAIN_LOGLIK_AGREEMENT},
    )


def _chain_rows(
    cfg: Config, hmm: Any, chain: Any, pi: np.ndarray, A: np.ndarray, B: np.ndarray, obs: np.ndarray, size: str
) -> Iterator[Row]:
    lB = logspace.LogArray(B)
    models = {impl: _hmm_model(hmm, impl, pi, A, B) for impl in ("scaling", "log")}
    X = obs[:, None]
    k = A.shape[0]

    ll = chain.likelihood(pi, A, lB[:, obs].T).log
    ll_ref = float(models["scaling"].score(X))
    rel = abs(ll - ll_ref) / abs(ll_ref)
    ours, t_scaling, t_log = interleaved_medians(
        [
            lambda: chain.likelihood(pi, A, lB[:, obs].T),
            lambda: models["scaling"].score(X),
            lambda: models["log"].score(X),
        ],
        cfg,
    )
    accuracy = f"loglik rel diff {rel:.1e}"
    yield Row(
        "chain.likelihood",
        size,
        ours,
        "hmmlearn scaling score",
        t_scaling,
        Target("faster", 1.5),
        accuracy=accuracy,
        checks={"agreement": rel <= CHAIN_LOGLIK_AGREEMENT},
    )
    yield Row("chain.likelihood", size, ours, "hmmlearn log score", t_log, None, accuracy=accuracy)

    gamma = chain.posteriors(pi, A, lB[:, obs].T).to_numpy()
    diff = float(np.max(np.abs(gamma - models["scaling"].predict_proba(X))))
    ours, t_scaling, t_log = interleaved_medians(
        [
            lambda: chain.posteriors(pi, A, lB[:, obs].T),
            lambda: models["scaling"].predict_proba(X),
            lambda: models["log"].predict_proba(X),
        ],
        cfg,
    )
    accuracy = f"posteriors max abs diff {diff:.1e}"
    yield Row(
        "chain.posteriors",
        size,
        ours,
        "hmmlearn scaling predict_proba",
        t_scaling,
        Target("faster", 1.5),
        accuracy=accuracy,
        checks={"agreement": diff <= CHAIN_POSTERIOR_AGREEMENT},
    )
    yield Row("chain.posteriors", size, ours, "hmmlearn log predict_proba", t_log, None, accuracy=accuracy)

    path, weight = chain.viterbi(pi, A, lB[:, obs].T)
    logp_ref, path_ref = models["log"].decode(X, algorithm="viterbi")
    rel = abs(weight.log - logp_ref) / abs(logp_ref)
    differ = int(np.count_nonzero(path != path_ref))
    ours, t_scaling, t_log = interleaved_medians(
        [
            lambda: chain.viterbi(pi, A, lB[:, obs].T),
            lambda: models["scaling"].decode(X, algorithm="viterbi"),
            lambda: models["log"].decode(X, algorithm="viterbi"),
        ],
        cfg,
    )
    accuracy = f"log weight rel diff {rel:.1e}, paths differ at {differ} steps"
    target = Target("faster", 2) if k >= 10 else Target("slower", 1)
    yield Row(
        "chain.viterbi",
        size,
        ours,
        "hmmlearn scaling decode",
        t_scaling,
        target,
        accuracy=accuracy,
        checks={"agreement": rel <= CHAIN_LOGLIK_AGREEMENT},
    )
    yield Row("chain.viterbi", size, ours, "hmmlearn log decode", t_log, None, accuracy=accuracy)


#: States of the chain rows on torch and JAX (T is the HMM rows' hmm_steps).
CHAIN_BACKEND_STATES = 10


def chain_backend_cases(cfg: Config, rng: np.random.Generator, peers: dict[str, Any]) -> Iterator[Row]:
    """chain.likelihood on torch (CPU: the numpy chain on the buffers) and JAX (jit), alone and with its
    gradient (forward-backward), against the numpy chain on the same LogArrays (with posteriors and
    transition posteriors for the gradient rows)."""
    torch, jax = _backend_peers()
    from logspace import chain

    k = CHAIN_BACKEND_STATES
    pi, A = rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k), size=k)
    emis = rng.random((cfg.hmm_steps, k))
    logs = [np.log(x) for x in (pi, A, emis)]
    numpy_args = [logspace.LogArray.from_log(x) for x in logs]
    ll_ref = chain.likelihood(*numpy_args).log
    size = f"K={k}, T={_power(cfg.hmm_steps)}"

    def numpy_gradient() -> Any:
        return chain.posteriors(*numpy_args), chain.transition_posteriors(*numpy_args)

    def loglik(*a: Any) -> Any:
        return chain.likelihood(*a).log

    timed: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = []
    if torch is not None:
        torch_args = [logspace.LogArray.from_log(torch.asarray(x, requires_grad=True)) for x in logs]
        timed.append(("torch", lambda: loglik(*torch_args), lambda: loglik(*torch_args).backward()))
    if jax is not None:
        jax_args = [logspace.LogArray.from_log(jax.numpy.asarray(x)) for x in logs]
        jitted, with_grad = jax.jit(loglik), jax.jit(jax.value_and_grad(loglik, argnums=(0, 1, 2)))
        timed.append(
            (
                "jax (jit)",
                lambda: jitted(*jax_args).block_until_ready(),
                lambda: with_grad(*jax_args)[0].block_until_ready(),
            )
        )
    for name, value, gradient in timed:
        rel = abs(float(_host(value())) - ll_ref) / abs(ll_ref)
        accuracy = f"loglik rel diff {rel:.1e} (numpy chain)"
        ours, theirs = interleaved_medians([value, lambda: chain.likelihood(*numpy_args)], cfg)
        yield Row(f"chain.likelihood, {name}", size, ours, "numpy chain.likelihood", theirs, accuracy=accuracy)
        ours, theirs = interleaved_medians([gradient, numpy_gradient], cfg)
        yield Row(
            f"chain.likelihood + gradient, {name}",
            size,
            ours,
            "numpy chain posteriors + transition_posteriors",
            theirs,
            accuracy=accuracy,
        )
# Conversions of arrays (issue 10): the C extension and its numpy fallback
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def _numpy_fallback() -> Iterator[None]:
    """Run logspace._conversions on its numpy fallback, as under ``LOGSPACE_PURE_PYTHON=1``."""
    saved = _conversions._c
    _conversions._c = None
    try:
        yield
    finally:
        _conversions._c = saved


def _on_fallback(fn: Callable[[], Any]) -> Callable[[], Any]:
    def call() -> Any:
        with _numpy_fallback():
            return fn()

    return call


def conversion_cases(cfg: Config, rng: np.random.Generator, peers: dict[str, Any]) -> Iterator[Row]:
    """``LogArray(values)`` against ``np.log`` and ``to_numpy()`` against ``np.exp``, on both paths.

    The compiled rows (logspace._c_convert) are held to 12x and 30x and must
    agree bit for bit with the numpy fallback; the fallback rows report its
    speed. Without the extension only the fallback rows are measured.
    """
    values = rng.uniform(0.0, 1.0, cfg.conversion_n)
    array = logspace.LogArray(values)
    cases = (
        ("LogArray(values)", lambda: logspace.LogArray(values), "np.log", lambda: np.log(values), 12.0),
        ("LogArray.to_numpy()", array.to_numpy, "np.exp of .log", lambda: np.exp(array.log), 30.0),
    )
    for case, ours_fn, peer, theirs_fn, factor in cases:
        fallback_fn = _on_fallback(ours_fn)
        size = f"{_power(cfg.conversion_n)} uniform(0, 1) floats"
        if _conversions._c is not None:
            ours, theirs = interleaved_medians([ours_fn, theirs_fn], cfg)
            same = _same_bits(ours_fn(), fallback_fn())
            yield Row(
                case,
                f"{size}, compiled",
                ours,
                peer,
                theirs,
                Target("slower", factor),
                accuracy=f"bit for bit the numpy fallback's: {'yes' if same else 'NO'}",
                checks={"agreement": same},
            )
        ours, theirs = interleaved_medians([fallback_fn, theirs_fn], replace(cfg, max_repeats=cfg.min_repeats))
        yield Row(case, f"{size}, numpy fallback", ours, peer, theirs, accuracy="correctly rounded (the oracle)")


def display_cases(cfg: Config, rng: np.random.Generator, peers: dict[str, Any]) -> Iterator[Row]:
    """Printing a big LogArray (numpy's summary) and parsing distinct decimal strings (issue 12's goals).

    Goals in absolute time, at the full sizes only: repr of 10^6 elements
    at most 50 ms, ``LogArray`` of 10^5 distinct decimal strings at most
    0.2 s. Reported, not judged.
    """
    n = cfg.conversion_n
    array = logspace.LogArray.from_log(rng.uniform(-20000.0, 0.0, n))  # most values beyond float range
    logs = array.log
    ours, theirs = interleaved_medians([lambda: repr(array), lambda: repr(logs)], cfg)
    goal = _goal(ours, 0.05) if n == 10**6 else "goal at 10^6 elements only"
    yield Row("repr(LogArray), numpy's summary", f"{_power(n)} values to 1e-8686", ours, "repr of the logs", theirs,
              accuracy=goal)
    count = max(10, n // 10)
    strings = [f"{v:.6e}" for v in rng.uniform(0.0, 1.0, count)]
    ours, theirs = interleaved_medians(
        [lambda: logspace.LogArray(strings), lambda: np.array(strings, dtype=np.float64)],
        replace(cfg, max_repeats=cfg.min_repeats),
    )
    goal = _goal(ours, 0.2) if count == 10**5 else "goal at 10^5 strings only"
    yield Row("LogArray(decimal strings)", f"{_power(count)} distinct 7-digit strings", ours,
              "np.array(strings, dtype=float)", theirs, accuracy=goal)


def _same_bits(a: Any, b: Any) -> bool:
    """Whether two results (LogArrays compared by their logs and signs, or ndarrays) are bit for bit equal."""
    if isinstance(a, logspace.LogArray):
        return _same_bits(a.log, b.log) and _same_bits(a.sign, b.sign)
    return bool(a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes())




# ---------------------------------------------------------------------------
# Running and formatting
# ---------------------------------------------------------------------------


def run(
    quick: bool = False,
    config: Config | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    command: str = "",
) -> Report:
    """Run every case and return the report (see the module docstring).

    ``config`` overrides the preset that ``quick`` picks (:data:`QUICK` or
    :data:`FULL`); ``progress`` is called with each row as it is measured.
    """
    cfg = config if config is not None else (QUICK if quick else FULL)
    load_before = _load_average()
    started = time.perf_counter()
    peers, skipped = load_peers()
    rng = np.random.default_rng(seed)
    rows: list[Row] = []
    for case in CASES:
        for row in case(cfg, rng, peers):
            rows.append(row)
            if progress is not None:
                progress(f"{row.case} | {row.size} | {_duration(row.seconds)} vs {_duration(row.peer_seconds)}")
    if not command and config is not None:
        command = "logspace._bench.run(config=...)"
    command = command or f"python -m logspace bench{' --quick' if quick else ''}"
    seconds = time.perf_counter() - started
    load_after = _load_average()
    load = None if load_before is None or load_after is None else (load_before, load_after)
    return Report(machine_lines(), skipped, rows, command, seconds, load)


def _load_average() -> float | None:
    """The 1-minute load average: other processes running during a run skew it."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


COLUMNS = (
    "case",
    "size",
    "logspace",
    "peer",
    "peer time",
    "ratio",
    "target",
    "met",
    "peak extra memory (logspace / peer)",
    "accuracy",
)


def _met_cell(row: Row) -> str:
    if row.met is None:
        return "(report)"
    if row.met:
        return "yes"
    failed = [name for name, ok in row.checks.items() if not ok]
    if not row.target or row.target.met(row.speedup):
        return f"NO ({', '.join(failed)})"
    return "NO" + (f" (time, {', '.join(failed)})" if failed else "")


def _cells(row: Row) -> list[str]:
    return [
        row.case,
        row.size,
        _duration(row.seconds),
        row.peer,
        _duration(row.peer_seconds),
        _ratio(row.speedup),
        str(row.target) if row.target else "-",
        _met_cell(row),
        row.memory or "-",
        row.accuracy or "-",
    ]


def format_report(report: Report) -> str:
    """The machine lines, the skipped peers, the table and its legend."""
    lines = [f"- Command: `{report.command}`", *(f"- {line}" for line in (*report.machine, *report.skipped)), ""]
    lines.append("| " + " | ".join(COLUMNS) + " |")
    right = {"logspace", "peer time", "ratio"}
    lines.append("|" + "|".join("---:" if c in right else "---" for c in COLUMNS) + "|")
    lines.extend("| " + " | ".join(_cells(row)) + " |" for row in report.rows)
    met = [r for r in report.rows if r.met is not None]
    lines += [
        "",
        f"Targets met: {sum(bool(r.met) for r in met)} of {len(met)}. Run took {report.seconds:.0f} s"
        + (f"; 1-minute load average {report.load[0]:.2f} before, {report.load[1]:.2f} after." if report.load else "."),
        "Times are medians per call of interleaved samples after a warm-up (a sample of a fast call "
        "is a loop of calls); LogFloat rows are per operation, "
        "for-loop overhead included on both sides. Ratio: 'k x faster' = peer time / logspace time, "
        "'k x slower' = logspace time / peer time. Memory: peak bytes allocated by one call (tracemalloc). "
        "Accuracy: errors in ulps of max(|y|, 1) against a reference (logspace / peer), or the largest "
        "difference between the two results. A target with conditions (memory bound, accuracy, agreement) "
        "is met only if they hold too.",
    ]
    return "\n".join(lines) + "\n"


def main(quick: bool = False, seed: int = 0) -> int:
    """Entry point of ``python -m logspace bench``: progress on stderr, report on stdout."""
    report = run(
        quick=quick,
        seed=seed,
        progress=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
        command=f"python -m logspace bench{' --quick' if quick else ''}" + (f" --seed {seed}" if seed else ""),
    )
    print(format_report(report), end="")
    return 0


def tiny_config() -> Config:
    """A configuration small enough for a smoke test (a few seconds)."""
    return replace(
        QUICK,
        lse_sizes=(1000,),
        lse_mpmath_max=1000,
        lse_2d=(20, 300),
        logaddexp_n=2000,
        logaddexp_checked=50,
        overhead_n=1000,
        matmul_n=16,
        broadcast_n=8,
        batch=(2, 8, 8),
        adversarial_n=(8,),
        hmm_states=(4,),
        hmm_symbols=3,
        hmm_steps=20,
        scalar_ops=100,
        conversion_n=1000,
        budget=0.01,
        min_sample=0.0005,
        max_repeats=3,
    )


# ---------------------------------------------------------------------------
# Kernel speed items: max-plus product, the user's HMM step, einsum
# ---------------------------------------------------------------------------
#
# Sizes come from the configuration's matmul, batch and HMM fields, so the
# tiny configuration stays tiny: maxmatmul at matmul_n x matmul_n and at the
# batch shape; the HMM step at K = 2 and each of hmm_states; the einsum chain
# on four 24x24 operands (matmul_n x matmul_n when smaller).

#: The hand-written numpy HMM step the LogArray step is held to, per state count.
HMM_STEP_TARGETS = {2: 1.5, 10: 1.5, 100: 2.0}
#: Peak memory of the einsum chain, in multiples of the operands' bytes.
EINSUM_MEMORY_FACTOR = 4


def kernel_speed_cases(cfg: Config, rng: np.random.Generator, peers: dict[str, Any]) -> Iterator[Row]:
    yield from _maxmatmul_rows(cfg, rng)
    yield from _hmm_step_rows(cfg, rng)
    yield _einsum_chain_row(cfg, rng)


def _maxmatmul_rows(cfg: Config, rng: np.random.Generator) -> Iterator[Row]:
    n = cfg.matmul_n
    m, p, q = cfg.batch
    yield from _maxmatmul_size_rows(cfg, f"{n}x{n}", rng.standard_normal((n, n)), rng.standard_normal((n, n)))
    yield from _maxmatmul_size_rows(
        cfg, f"{m}x{p}x{q}", rng.standard_normal((m, p, q)), rng.standard_normal((m, q, p))
    )


def _maxmatmul_size_rows(cfg: Config, size: str, a: np.ndarray, b: np.ndarray) -> Iterator[Row]:
    from logspace import _kernels

    compiled = _kernels._MAXPLUS is not None
    path = "compiled" if compiled else "numpy fallback"
    values, argmax = logspace.maxmatmul(a, b, return_argmax=True)
    saved = _kernels._MAXPLUS
    _kernels._MAXPLUS = None
    try:
        fallback_values, fallback_argmax = logspace.maxmatmul(a, b, return_argmax=True)
        fallback = interleaved_medians([lambda: logspace.maxmatmul(a, b, return_argmax=True)], cfg)[0]
    finally:
        _kernels._MAXPLUS = saved
    same = bool(np.array_equal(values, fallback_values) and np.array_equal(argmax, fallback_argmax))
    plain, with_argmax, reference = interleaved_medians(
        [
            lambda: logspace.maxmatmul(a, b),
            lambda: logspace.maxmatmul(a, b, return_argmax=True),
            lambda: logspace.logmatmulexp(a, b),
        ],
        cfg,
    )
    agreement = f"{path}; equal to the numpy fallback: {'yes' if same else 'NO'}"
    checks = {"agreement": same}
    yield Row(
        f"maxmatmul ({path})", size, plain, "logmatmulexp", reference, Target("slower", 3),
        accuracy=agreement, checks=checks,
    )
    yield Row(
        f"maxmatmul, argmax ({path})", size, with_argmax, "logmatmulexp", reference, Target("slower", 5),
        accuracy=agreement, checks=checks,
    )
    if compiled:
        yield Row("maxmatmul, argmax (numpy fallback)", size, fallback, "logmatmulexp", reference, None)


def _hmm_step_rows(cfg: Config, rng: np.random.Generator) -> Iterator[Row]:
    for k in sorted({2, *cfg.hmm_states}):
        yield _hmm_step_row(cfg, rng, k)


def _hmm_step_row(cfg: Config, rng: np.random.Generator, k: int) -> Row:
    steps = cfg.hmm_steps
    A = rng.dirichlet(np.ones(k), size=k)
    B = rng.dirichlet(np.ones(cfg.hmm_symbols), size=k)
    obs = rng.integers(0, cfg.hmm_symbols, steps)
    la, lb = logspace.LogArray(A), logspace.LogArray(B)
    alpha0 = logspace.LogArray(np.full(k, 1.0 / k))
    log_b = np.log(B)

    def textbook() -> Any:
        alpha = alpha0
        for o in obs:
            alpha = (alpha @ la) * lb[:, o]
        return alpha

    def by_hand() -> Any:
        alpha = np.full(k, -math.log(k))
        for o in obs:
            top = alpha.max()
            alpha = np.log(np.exp(alpha - top) @ A) + top + log_b[:, o]
        return alpha

    ours, theirs = interleaved_medians([textbook, by_hand], cfg)
    diff = float(np.max(np.abs(textbook().log - by_hand())))
    return Row(
        "HMM step (alpha @ A) * B[:, o], LogArray",
        f"K={k}, per step",
        ours / steps,
        "numpy by hand",
        theirs / steps,
        Target("slower", HMM_STEP_TARGETS.get(k, 2.0)),
        accuracy=f"largest difference of the logs after {_power(steps)} steps: {diff:.1e}",
    )


def _einsum_chain_row(cfg: Config, rng: np.random.Generator) -> Row:
    n = min(24, cfg.matmul_n)
    ops = [logspace.LogArray(rng.random((n, n))) for _ in range(4)]
    subscripts = "ij,jk,kl,lm->im"
    ours, theirs = interleaved_medians(
        [lambda: np.einsum(subscripts, *ops), lambda: ops[0] @ ops[1] @ ops[2] @ ops[3]], cfg
    )
    peak = peak_extra_bytes(lambda: np.einsum(subscripts, *ops))
    operand_bytes = sum(op.log.nbytes for op in ops)
    diff = float(np.max(np.abs(np.einsum(subscripts, *ops).log - (ops[0] @ ops[1] @ ops[2] @ ops[3]).log)))
    return Row(
        f"np.einsum {subscripts}",
        f"4 x {n}x{n}",
        ours,
        "chained @",
        theirs,
        Target("slower", 3),
        memory=f"{_bytes(peak)} ({peak / operand_bytes:.1f}x the operands)",
        accuracy=f"largest difference of the logs from @: {diff:.1e}",
        checks={"memory": peak <= EINSUM_MEMORY_FACTOR * operand_bytes},
    )


# Every case, in the order the report lists them (run() reads this when called).
CASES: tuple[Callable[[Config, np.random.Generator, dict[str, Any]], Iterator[Row]], ...] = (
    logsumexp_1d,
    logsumexp_2d,
    logaddexp_case,
    logarray_overhead,
    matmul_cases,
    hmm_cases,
    chain_cases,
    chain_backend_cases,
    scalar_cases,
    logfloat_text_cases,
    backend_cases,
    conversion_cases,
    display_cases,
    kernel_speed_cases,
)
