"""``logspace.chain`` on torch tensors and JAX arrays, written against the array API.

:mod:`logspace.chain` hands its arguments here when one of them is a torch-
or JAX-backed LogArray, or a raw torch tensor or JAX array of linear weights.
The recursions then run in that library, on its device, in the dtype of its
arrays (float32 stays float32):

* the state vector is kept in logs, normalised at every step so that its
  maximum is 0; a step is one log-sum-exp over K x K terms
  (:func:`logspace._kernels.logsumexp`, ≤ 2 ulp), and the step's maximum is
  added to a running total with Neumaier's compensated summation. So zeros
  (-inf) need no special case, and emission logs of -1e4 a step are
  ordinary numbers;
* the time loop is ``jax.lax.scan`` on JAX (under ``jax.jit`` the step is
  compiled once, whatever T; every function is jitted here, so eager calls
  compile once too) and a Python loop over steps on torch. torch tensors on
  the CPU run the numpy chain on their buffers instead (:func:`on_host_buffers`),
  unless a gradient with respect to raw linear weights is asked;
* posteriors and transition posteriors are normalised per step (their
  offsets cancel), as on numpy; the expected transition counts of a shared
  ``trans`` are one log-semiring product over time
  (:func:`logspace._kernels.logmatmulexp`);
* ``chain.likelihood`` has its own gradient rule (a ``torch.autograd.Function``
  and a ``jax.custom_vjp``) whose backward pass is forward-backward: with
  respect to the logs of ``emis`` its gradient is the posteriors, of
  ``trans`` the transition posteriors (summed over the steps where ``trans``
  is shared), of ``init`` the first row of posteriors. For raw tensors of
  linear weights the rule gives d/dw directly (the same products without
  the weight itself), so a zero weight gets its finite derivative, not
  the 0/0 of going through the log. A sequence of weight zero gets a zero
  gradient.

Accuracy bound (u the unit roundoff of the dtype: 2**-53 in float64, 2**-24
in float32): the log-likelihood's absolute error is at most
``2 (K + 2) T u + 2 u S`` with ``S = sum_t max_j |log emis[t, j]| + |log L|``,
the bound of the numpy chain; posteriors are within ``4 (K + 2) T u``
absolute. ``tests/test_chain_backends.py`` checks both against the numpy
chain in float64 and float32.

Imported by :mod:`logspace.chain` on first use; torch and JAX are imported
only inside the functions that need them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from logspace import _backends, _kernels
from logspace._array import LogArray
from logspace._scalar import LogFloat

__all__ = [
    "Problem",
    "backward",
    "forward",
    "host",
    "likelihood",
    "on_backend",
    "posteriors",
    "prepare",
    "sample_alpha",
    "to_backend",
    "transition_posteriors",
    "viterbi",
]

_DEVICE_KINDS = (_backends.TORCH, _backends.JAX)
_INF = math.inf
#: torch tensors on the CPU run the numpy chain (compiled) on their buffers,
#: unless a gradient is asked of them that only the array-API recursions give;
#: False sends them through the array-API recursions always (the tests run both).
TORCH_CPU_ON_NUMPY = True
_TORCH_HOST_DTYPES = ("torch.float32", "torch.float64")


def _logs_of(x: Any) -> Any:
    return x.log if isinstance(x, LogArray) else x


def on_backend(*args: Any) -> str | None:
    """``"torch"`` or ``"jax"`` where an argument is backed by that library, else None."""
    for x in args:
        k = _backends.kind(_logs_of(x))
        if k in _DEVICE_KINDS:
            return k
    return None


# -- arguments ------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """The static part of a problem (hashable: a ``jax.custom_vjp`` non-diff argument)."""

    kind: str
    N: int
    T: int
    K: int
    batched: bool
    time_varying: bool
    linear: tuple[bool, bool, bool]  # init, trans, emis given as linear weights (raw tensors)
    shapes: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]


@dataclass
class Problem:
    """Validated arguments on one backend: the leaves to differentiate, and their layout."""

    spec: Spec
    xp: Any
    leaves: tuple[Any, Any, Any]  # init, trans, emis: logs or (where spec.linear) linear weights
    live: Any  # (N, T) booleans, t < length; None without lengths
    has_init: bool


def _concrete(x: Any) -> bool:
    """Whether the values of ``x`` are known (not a JAX tracer under ``jit``)."""
    if _backends.kind(x) != _backends.JAX:
        return True
    import jax

    return not isinstance(x, jax.core.Tracer)


def _any(xp: Any, mask: Any) -> bool:
    """``any(mask)`` where its values are known; False under a JAX trace (nothing is checked there)."""
    if _backends.kind(mask) == _backends.JAX:
        return _concrete(mask) and bool(np.any(np.asarray(mask)))
    return bool(xp.any(mask))


def _put(xp: Any, value: Any, like: Any, dtype: Any) -> Any:
    if _backends.kind(like) == _backends.TORCH:
        return xp.asarray(value, device=like.device, dtype=dtype)
    return xp.asarray(value, dtype=dtype)


def _leaf(x: Any, name: str, like: Any, xp: Any) -> tuple[Any, bool]:
    """One argument as (array of the backend, whether it holds linear weights); values checked."""
    if isinstance(x, LogArray):
        log = x.log
        if _backends.kind(log) not in _DEVICE_KINDS:
            if x.signed and bool(np.any(x.sign < 0)):
                raise ValueError(f"{name}: weights must be non-negative")
            log = _put(xp, np.asarray(log, dtype=np.float64), like, None)
        else:
            if _backends.kind(log) != _backends.kind(like):
                raise TypeError(f"{name}: a {_backends.kind(log)} array mixed with {_backends.kind(like)} arrays")
            if x.signed and _any(xp, x.sign < 0):
                raise ValueError(f"{name}: weights must be non-negative")
        _check(xp, log, name, linear=False)
        return log, False
    k = _backends.kind(x)
    if k in _DEVICE_KINDS:
        if k != _backends.kind(like):
            raise TypeError(f"{name}: a {k} array mixed with {_backends.kind(like)} arrays")
        if not xp.isdtype(x.dtype, "real floating"):
            if not xp.isdtype(x.dtype, ("integral", "bool")):
                raise TypeError(f"{name}: expected real weights, got dtype {x.dtype}")
            x = xp.astype(x, like.dtype if xp.isdtype(like.dtype, "real floating") else xp.float64)
        _check(xp, x, name, linear=True)
        return x, True
    # numpy input (plain numbers, ndarrays, LogFloats): the numpy path's correctly rounded logs
    return _leaf(LogArray(x), name, like, xp)


def _check(xp: Any, x: Any, name: str, linear: bool) -> None:
    """No nan, no +inf, and (linear weights) nothing negative; unchecked under a JAX trace.

    From the smallest and largest entry (both nan where any entry is): two
    reductions, on the host buffer for a CPU tensor (numpy's are faster).
    """
    if math.prod(x.shape) == 0 or not _concrete(x):
        return
    if _backends.kind(x) == _backends.JAX:  # a concrete array, maybe a constant inside a trace: on the host
        h = np.asarray(x)
        smallest, largest = float(h.min()), float(h.max())
    elif x.device.type == "cpu" and str(x.dtype) in _TORCH_HOST_DTYPES:
        h = x.detach().resolve_neg().numpy()
        smallest, largest = float(h.min()), float(h.max())
    else:
        smallest, largest = float(xp.min(x)), float(xp.max(x))
    if math.isnan(smallest) or math.isnan(largest):
        raise ValueError(f"{name}: weights must not be nan")
    if linear and smallest < 0:
        raise ValueError(f"{name}: weights must be non-negative")
    if largest == _INF:
        raise ValueError(f"{name}: weights must be finite")


def prepare(init: Any, trans: Any, emis: Any, lengths: Any, layout: Any, linear_ok: bool = True) -> Problem:
    """The arguments of a chain function as a :class:`Problem`.

    ``layout(emis_shape, trans_shape, init_shape)`` is the shape check of
    :mod:`logspace.chain` (its messages name the arguments) and returns
    ``(N, T, K, batched, time_varying)``. With ``linear_ok`` false (results
    that carry no gradient rule of their own) linear tensors become logs
    with the library's ``log``.
    """
    like = next(_logs_of(x) for x in (emis, trans, init) if _backends.kind(_logs_of(x)) in _DEVICE_KINDS)
    kind = str(_backends.kind(like))
    xp = _backends.namespace(like)
    if kind == _backends.JAX:
        LogArray.from_log(like)  # registers LogArray as a JAX pytree before any result is built
    e, e_lin = _leaf(emis, "emis", like, xp)
    t, t_lin = _leaf(trans, "trans", like, xp)
    has_init = init is not None
    i, i_lin = _leaf(init, "init", like, xp) if has_init else (None, True)
    N, T, K, batched, time_varying = layout(tuple(e.shape), tuple(t.shape), None if i is None else tuple(i.shape))
    # The dtype of the first backend array (numpy arguments arrive as float64 logs).
    dtype = like.dtype if xp.isdtype(like.dtype, "real floating") else e.dtype
    if i is None:
        i = xp.ones((K,), dtype=dtype) if kind != _backends.TORCH else xp.ones((K,), dtype=dtype, device=like.device)
    leaves = tuple(a if a.dtype == dtype else xp.astype(a, dtype) for a in (i, t, e))
    linear = (i_lin, t_lin, e_lin)
    if not linear_ok:
        leaves = tuple(_log(xp, a) if lin else a for a, lin in zip(leaves, linear, strict=True))
        linear = (False, False, False)
    live = None
    if lengths is not None:
        if not batched:
            raise ValueError("lengths: only for a batch (emis of shape (N, T, K))")
        arr = lengths if _backends.kind(lengths) in _DEVICE_KINDS else _put(xp, np.asarray(lengths), like, None)
        if tuple(arr.shape) != (N,) or not xp.isdtype(arr.dtype, "integral"):
            got = f"{tuple(arr.shape)} {arr.dtype}"
            raise ValueError(f"lengths: expected {N} integers (one per sequence), got shape {got}")
        if _any(xp, (arr < 1) | (arr > T)):
            raise ValueError(f"lengths: every length must lie in 1..{T} (the padded length)")
        steps = _put(xp, np.arange(T), like, arr.dtype)
        live = steps[None, :] < arr[:, None]
    spec = Spec(
        kind,
        N,
        T,
        K,
        batched,
        time_varying,
        linear,
        tuple(tuple(a.shape) for a in leaves),  # type: ignore[arg-type]
    )
    return Problem(spec, xp, leaves, live, has_init)


def _log(xp: Any, x: Any) -> Any:
    return xp.log(x)


def _canonical(spec: Spec, xp: Any, logs: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
    """init (Ni, K), trans (Nt, S, K, K) and emis (N, T, K) from the logs of the three leaves."""
    i, t, e = logs
    K = spec.K
    i = xp.reshape(i, (-1, K))
    if t.ndim == 2:
        t = xp.reshape(t, (1, 1, K, K))
    elif t.ndim == 3:
        t = xp.reshape(t, (1, *t.shape))
    e = xp.reshape(e, (-1, spec.T, K))
    return i, t, e


def _all_logs(p: Problem) -> tuple[Any, Any, Any]:
    xp = p.xp
    logs = tuple(xp.log(a) if lin else a for a, lin in zip(p.leaves, p.spec.linear, strict=True))
    return _canonical(p.spec, xp, logs)


# -- the time loop ----------------------------------------------------------


def _scan(kind: str, xp: Any, step: Any, carry: Any, xs: tuple[Any, ...], reverse: bool = False) -> tuple[Any, Any]:
    """``jax.lax.scan`` on JAX; a Python loop over the leading axis of ``xs`` elsewhere.

    ``step(carry, x) -> (carry, ys)`` with ``ys`` a tuple of arrays, stacked
    along a new leading axis (in time order also when ``reverse``).
    """
    if kind == _backends.JAX:
        from jax import lax

        return lax.scan(step, carry, xs, reverse=reverse)
    length = xs[0].shape[0]
    out: list[Any] = []
    for t in range(length - 1, -1, -1) if reverse else range(length):
        carry, ys = step(carry, tuple(x[t] for x in xs))
        out.append(ys)
    if reverse:
        out.reverse()
    return carry, tuple(xp.stack([ys[k] for ys in out]) for k in range(len(out[0])))


def _finite_or_zero(xp: Any, m: Any) -> Any:
    return xp.where(xp.isfinite(m), m, xp.zeros_like(m))


def _neumaier(xp: Any, total: Any, comp: Any, m: Any) -> tuple[Any, Any]:
    """``total + m`` with the rounding error added to ``comp`` (as the numpy Viterbi)."""
    s = total + m
    comp = comp + xp.where(xp.abs(total) >= xp.abs(m), (total - s) + m, (m - s) + total)
    return s, comp


def _steps(x: Any) -> Any:
    """(N, T, ...) to (T, N, ...): time leading, for the scan."""
    return x if x.ndim < 2 else _swap01(x)


def _swap01(x: Any) -> Any:
    perm = (1, 0, *range(2, x.ndim))
    if _backends.kind(x) == _backends.TORCH:
        return x.permute(perm)
    return _backends.namespace(x).permute_dims(x, perm)


def _trans_steps(t: Any, time_varying: bool) -> tuple[Any, Any]:
    """(shared (Nt, K, K) or None, per-step (T-1, Nt, K, K) or None)."""
    if time_varying:
        return None, _swap01(t)
    return t[:, 0], None


def _live(p: Problem, xp: Any, dtype_like: Any) -> Any:
    """(N, T) booleans: t < length (all True without lengths)."""
    if p.live is not None:
        return p.live
    return (
        xp.ones((p.spec.N, p.spec.T), dtype=xp.bool)
        if p.spec.kind != _backends.TORCH
        else _torch_ones(p.spec, dtype_like)
    )


def _torch_ones(spec: Spec, like: Any) -> Any:
    import torch

    return torch.ones((spec.N, spec.T), dtype=torch.bool, device=like.device)


@dataclass
class _Forward:
    a: Any  # (N, T, K) alpha rows, each normalised to maximum 0
    p: Any  # (N, T, K) alpha rows before the emission, with the same normalisation
    m: Any  # (N, T) the log factor taken out at each step (0 past a sequence's end)
    offsets: Any  # (N, T) logs of the running product of the factors
    loglik: Any  # (N,)


def _forward(p: Problem, logs: tuple[Any, Any, Any], live: Any) -> _Forward:
    """The forward sweep over normalised alpha rows, with the per-step factors."""
    xp, spec = p.xp, p.spec
    li, lt, le = logs
    N, T, K = spec.N, spec.T, spec.K
    u0 = li + le[:, 0]  # (N, K)
    m0 = _finite_or_zero(xp, xp.max(u0, axis=-1))
    a0 = u0 - m0[:, None]
    p0 = xp.broadcast_to(li, (N, K)) - m0[:, None]
    zero = xp.zeros_like(m0)
    if T == 1:
        a, pr, ms, offsets = a0[:, None], p0[:, None], m0[:, None], m0[:, None]
        total, comp, last = m0, zero, a0
    else:
        shared, per_step = _trans_steps(lt, spec.time_varying)

        def step(carry: Any, x: Any) -> Any:
            a, total, comp = carry
            e_t, live_t = x[0], x[1]
            trans = shared if per_step is None else x[2]
            pred = _kernels.logsumexp(a[:, :, None] + trans, axis=-2)  # (N, K): sum over i
            u = pred + e_t
            m = xp.where(live_t, _finite_or_zero(xp, xp.max(u, axis=-1)), xp.zeros_like(total))
            total, comp = _neumaier(xp, total, comp, m)
            new = u - m[:, None]
            a = xp.where(live_t[:, None], new, a)
            return (a, total, comp), (new, pred - m[:, None], m, total + comp)

        xs = (_steps(le[:, 1:]), _steps(live[:, 1:])) + (() if per_step is None else (per_step,))
        (last, total, comp), (a, pr, ms, offs) = _scan(spec.kind, xp, step, (a0, m0, zero), xs)
        a = xp.concat([a0[:, None], _swap01(a)], axis=1)
        pr = xp.concat([p0[:, None], _swap01(pr)], axis=1)
        ms = xp.concat([m0[:, None], _swap01(ms)], axis=1)
        offsets = xp.concat([m0[:, None], _swap01(offs)], axis=1)
    loglik = (total + comp) + _kernels.logsumexp(last, axis=-1)
    return _Forward(a, pr, ms, offsets, loglik)


def _backward(p: Problem, logs: tuple[Any, Any, Any], live: Any) -> tuple[Any, Any]:
    """Normalised beta rows (N, T, K) (0 at and past each last step) and their log offsets (N, T)."""
    xp, spec = p.xp, p.spec
    _, lt, le = logs
    T = spec.T
    b0 = xp.zeros_like(le[:, 0])
    zero = xp.zeros_like(b0[:, 0])
    if T == 1:
        return b0[:, None], zero[:, None]
    shared, per_step = _trans_steps(lt, spec.time_varying)

    def step(carry: Any, x: Any) -> Any:
        b, total, comp = carry
        e_next, inner = x[0], x[1]  # inner: t < length - 1, beta_t is a sum over the next step
        trans = shared if per_step is None else x[2]
        v = _kernels.logsumexp(trans + (e_next + b)[:, None, :], axis=-1)  # (N, K): sum over j
        m = xp.where(inner, _finite_or_zero(xp, xp.max(v, axis=-1)), xp.zeros_like(total))
        total, comp = _neumaier(xp, total, comp, m)
        total = xp.where(inner, total, xp.zeros_like(total))
        comp = xp.where(inner, comp, xp.zeros_like(comp))
        b = xp.where(inner[:, None], v - m[:, None], xp.zeros_like(b))
        return (b, total, comp), (b, total + comp)

    xs = (_steps(le[:, 1:]), _steps(live[:, 1:])) + (() if per_step is None else (per_step,))
    _, (b, offs) = _scan(spec.kind, xp, step, (b0, zero, zero), xs, reverse=True)
    b = xp.concat([_swap01(b), b0[:, None]], axis=1)
    offs = xp.concat([_swap01(offs), zero[:, None]], axis=1)
    return b, offs


def _mask(xp: Any, x: Any, live: Any, fill: float = -_INF) -> Any:
    """``x`` (N, T, ...) with ``fill`` past each sequence's end."""
    shape = tuple(live.shape) + (1,) * (x.ndim - 2)
    return xp.where(xp.reshape(live, shape), x, xp.full_like(x, fill))


def _result(p: Problem, logs: Any) -> LogArray:
    return LogArray.from_log(logs if p.spec.batched else logs[0])


# -- public functions ---------------------------------------------------------


def _run(core: Any, p: Problem) -> Any:
    """``core(spec, live, init, trans, emis)``; on JAX compiled once per layout (eagerly too)."""
    live = _live(p, p.xp, p.leaves[2])
    if p.spec.kind == _backends.JAX:
        return _jitted(core)(p.spec, live, *p.leaves)
    return core(p.spec, live, *p.leaves)


@functools.cache
def _jitted(core: Any) -> Any:
    # Eagerly JAX compiles every primitive on first sight (seconds for one
    # chain call); one jit of the whole function compiles it once.
    import jax

    return jax.jit(core, static_argnums=0)


def _unpack(spec: Spec, live: Any, leaves: tuple[Any, ...]) -> tuple[Problem, Any, tuple[Any, Any, Any]]:
    p = Problem(spec, _backends.namespace(leaves[2]), leaves, live, True)
    return p, p.xp, _all_logs(p)


def _forward_logs(spec: Spec, live: Any, *leaves: Any) -> Any:
    p, xp, logs = _unpack(spec, live, leaves)
    f = _forward(p, logs, live)
    return _mask(xp, f.a + f.offsets[..., None], live)


def _backward_logs(spec: Spec, live: Any, *leaves: Any) -> Any:
    p, xp, logs = _unpack(spec, live, leaves)
    b, offs = _backward(p, logs, live)
    return _mask(xp, b + offs[..., None], live)


def forward(p: Problem) -> LogArray:
    return _result(p, _run(_forward_logs, p))


def backward(p: Problem) -> LogArray:
    return _result(p, _run(_backward_logs, p))


def _gamma(xp: Any, f: _Forward, b: Any, live: Any) -> tuple[Any, Any]:
    """Posteriors (N, T, K) and the log normaliser of each row (N, T)."""
    both = f.a + b
    z = _kernels.logsumexp(both, axis=-1)
    return _mask(xp, both - z[..., None], live), z


def _dead(xp: Any, f: _Forward, x: Any) -> Any:
    """nan throughout the results of a sequence of weight zero (as numpy's 0/0)."""
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    return xp.where(xp.reshape(f.loglik == -_INF, shape), xp.full_like(x, math.nan), x)


def _posterior_logs(spec: Spec, live: Any, *leaves: Any) -> Any:
    p, xp, logs = _unpack(spec, live, leaves)
    f = _forward(p, logs, live)
    b, _ = _backward(p, logs, live)
    gamma, _ = _gamma(xp, f, b, live)
    return _dead(xp, f, gamma)


def posteriors(p: Problem) -> LogArray:
    return _result(p, _run(_posterior_logs, p))


def _transition_terms(p: Problem, logs: Any, live: Any, f: _Forward, b: Any, z: Any) -> tuple[Any, Any]:
    """(U, V), (N, T-1, K) each: xi_t(i, j) = U[t, i] + log trans_t[i, j] + V[t, j].

    U is alpha_t normalised (-inf from each sequence's last step on), V the
    emission and beta of step t+1 over the likelihood's share of that step
    (``m + z``: the sum of xi_t over i and j is 1, so no per-step offsets enter).
    """
    xp = p.xp
    le = logs[2]
    inner = live[:, 1:]  # step t -> t+1 inside the sequence
    inner = inner & xp.reshape(f.loglik > -_INF, (-1, 1))  # none for a sequence of weight zero
    u = _mask(xp, f.a[:, :-1], inner)
    v = _mask(xp, le[:, 1:] + b[:, 1:] - (f.m[:, 1:] + z[:, 1:])[..., None], inner)
    return u, v


def _counts(p: Problem, u: Any, v: Any) -> Any:
    """sum_t exp(U[t, i] + V[t, j]) in logs, (N, K, K): one log-semiring product over time."""
    return _kernels.logmatmulexp(_swap_last(u), v)


def _swap_last(x: Any) -> Any:
    if _backends.kind(x) == _backends.TORCH:
        return x.transpose(-1, -2)
    return _backends.namespace(x).matrix_transpose(x)


def transition_posteriors(p: Problem) -> LogArray:
    return _result(p, _run(_transition_logs, p))


def _transition_logs(spec: Spec, live: Any, *leaves: Any) -> Any:
    p, xp, logs = _unpack(spec, live, leaves)
    lt = logs[1]
    N, T, K = spec.N, spec.T, spec.K
    f = _forward(p, logs, live)
    if T == 1:  # no step: weight 0 (time-varying trans needs T > 1)
        return _dead(xp, f, xp.full_like(xp.broadcast_to(lt[:, 0], (N, K, K)), -_INF))
    b, _ = _backward(p, logs, live)
    _, z = _gamma(xp, f, b, live)
    u, v = _transition_terms(p, logs, live, f, b, z)
    if spec.time_varying:
        xi = u[..., :, None] + lt + v[..., None, :]
    else:
        xi = _counts(p, u, v) + lt[:, 0]
    return _dead(xp, f, xi)


def viterbi(p: Problem) -> tuple[Any, LogArray]:
    path, weight = _run(_viterbi_arrays, p)
    batched = p.spec.batched
    return (path if batched else path[0]), LogArray.from_log(weight if batched else weight[0])


def _viterbi_arrays(spec: Spec, live: Any, *leaves: Any) -> tuple[Any, Any]:
    """Max-plus in logs, operation for operation as the numpy Viterbi (so the same ties)."""
    p, xp, (li, lt, le) = _unpack(spec, live, leaves)
    T, K = spec.T, spec.K
    delta = li + le[:, 0]
    zero = xp.zeros_like(delta[:, 0])
    total, comp = zero, zero
    if T > 1:
        shared, per_step = _trans_steps(lt, spec.time_varying)

        def step(carry: Any, x: Any) -> Any:
            delta, total, comp = carry
            e_next, live_next = x[0], x[1]
            trans = shared if per_step is None else x[2]
            mx = _finite_or_zero(xp, xp.max(delta, axis=-1))
            delta = delta - mx[:, None]
            total, comp = _neumaier(xp, total, comp, mx)
            scores = delta[:, :, None] + trans  # (N, i, j)
            arg = xp.argmax(scores, axis=-2)
            new = xp.max(scores, axis=-2) + e_next
            return (xp.where(live_next[:, None], new, delta), total, comp), (arg,)

        xs = (_steps(le[:, 1:]), _steps(live[:, 1:])) + (() if per_step is None else (per_step,))
        (delta, total, comp), (back,) = _scan(spec.kind, xp, step, (delta, total, comp), xs)
    mx = xp.max(delta, axis=-1)
    dead = mx == -_INF
    shift = _finite_or_zero(xp, mx)
    total, comp = _neumaier(xp, total, comp, shift)
    delta = delta - shift[:, None]
    k = xp.argmax(delta, axis=-1)
    best = xp.max(delta, axis=-1)
    weight = xp.where(dead, mx, best + (total + comp))
    k = xp.where(dead, xp.zeros_like(k), k)
    if T == 1:
        path = k[:, None]
    else:
        states = xp.reshape(_put(xp, np.arange(K), le, k.dtype), (1, K))

        def back_step(z: Any, x: Any) -> Any:
            ptr, live_t = x[0], x[1]  # back pointers into step t, and t < length
            prev = xp.sum(xp.where(states == z[:, None], xp.astype(ptr, z.dtype), xp.zeros_like(z)[:, None]), axis=-1)
            out = xp.where(live_t, z, xp.full_like(z, -1))
            return xp.where(live_t & ~dead, prev, z), (out,)

        z, (path,) = _scan(spec.kind, xp, back_step, k, (back, _steps(live[:, 1:])), reverse=True)
        path = xp.concat([z[:, None], _swap01(path)], axis=1)
    return xp.where(live, path, xp.full_like(path, -1)), weight


def sample_alpha(p: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For sampling on the host: normalised alpha rows (N, T, K), trans logs (Nt, S, K, K), log-likelihoods (N,)."""
    arrays = _run(_filtered, p)
    try:
        return tuple(np.asarray(host(x)) for x in arrays)  # type: ignore[return-value]
    except Exception as exc:  # a JAX tracer has no values to draw from
        if _concrete(arrays[0]):
            raise
        raise TypeError("chain.sample draws on the host with numpy's generator: call it outside jax.jit") from exc


def _filtered(spec: Spec, live: Any, *leaves: Any) -> tuple[Any, Any, Any]:
    p, _, logs = _unpack(spec, live, leaves)
    f = _forward(p, logs, live)
    return f.a, logs[1], f.loglik


def host(x: Any) -> Any:
    """A torch tensor or JAX array as an ndarray (detached)."""
    if _backends.kind(x) == _backends.TORCH:
        return x.detach().cpu().numpy()
    return np.asarray(x)


def to_backend(p: Problem, values: np.ndarray) -> Any:
    """An int ndarray as the backend's int64 array (int32 on JAX without x64), on its device."""
    like = p.leaves[2]
    if p.spec.kind == _backends.TORCH:
        import torch

        return torch.as_tensor(values, device=like.device)
    return p.xp.asarray(values)


# -- torch on the CPU: the numpy chain on the tensors' buffers ----------------


def on_host_buffers(p: Problem, grad_rule: bool = False) -> bool:
    """Whether the numpy chain may run on the buffers of ``p``'s CPU tensors.

    Where no gradient is asked (or, with ``grad_rule``, only gradients of
    logs, which :func:`host_likelihood` gives from the numpy posteriors).
    """
    if p.spec.kind != _backends.TORCH or not TORCH_CPU_ON_NUMPY:
        return False
    import torch

    if not all(a.device.type == "cpu" and a.dtype in (torch.float32, torch.float64) for a in p.leaves):
        return False
    needs = [a.requires_grad for a in p.leaves] if torch.is_grad_enabled() else [False] * 3
    if not any(needs):
        return True
    return grad_rule and not any(n and lin for n, lin in zip(needs, p.spec.linear, strict=True))


def host_arguments(p: Problem) -> tuple[Any, Any, Any, Any]:
    """(init or None, trans, emis, lengths) as numpy arguments of the chain (no copy of the buffers)."""
    args = [
        a.detach().numpy() if lin else LogArray.from_log(a.detach().numpy())
        for a, lin in zip(p.leaves, p.spec.linear, strict=True)
    ]
    lengths = None if p.live is None else p.live.numpy().sum(axis=1)
    return (args[0] if p.has_init else None), args[1], args[2], lengths


def _tensor(values: Any, dtype: Any) -> Any:
    import torch

    arr = np.asarray(values)
    if not arr.flags.writeable or not arr.flags.c_contiguous:
        arr = np.array(arr, order="C")
    return torch.from_numpy(arr).to(dtype) if arr.dtype.kind == "f" else torch.from_numpy(arr)


def from_host(p: Problem, result: Any) -> Any:
    """A numpy chain result (LogArray, LogFloat, int paths, or a tuple of them) as torch's."""
    if isinstance(result, tuple):
        return tuple(from_host(p, r) for r in result)
    dtype = p.leaves[2].dtype
    if isinstance(result, LogArray):
        return LogArray.from_log(_tensor(result.log, dtype))
    if isinstance(result, LogFloat):
        return LogArray.from_log(_tensor(np.float64(result.log), dtype))
    return _tensor(result, None)


def host_likelihood(p: Problem, functions: tuple[Any, Any, Any]) -> LogArray:
    """``likelihood`` of the numpy chain ``functions`` (likelihood, posteriors, transition_posteriors)
    on the buffers, with the gradient rule: posteriors and transition posteriors, from numpy."""
    ll = _torch_host_likelihood().apply(p, functions, *p.leaves)
    return LogArray.from_log(ll)


def _host_gradients(p: Problem, functions: tuple[Any, Any, Any], g: Any) -> list[Any]:
    """d (sum_n g_n loglik_n) / d log (init, trans, emis) from the numpy posteriors; 0 for weight zero."""
    _, posteriors, transition_posteriors = functions
    i, t, e, lengths = host_arguments(p)
    spec = p.spec
    N, T, K = spec.N, spec.T, spec.K
    gn = np.asarray(g.detach().cpu().numpy(), dtype=np.float64).reshape(-1)
    with np.errstate(invalid="ignore", under="ignore"):
        gamma = np.nan_to_num(np.exp(posteriors(i, t, e, lengths=lengths).log), nan=0.0).reshape(N, T, K)
        xi = np.exp(transition_posteriors(i, t, e, lengths=lengths).log)
    xi = np.nan_to_num(xi, nan=0.0).reshape(N, -1, K, K)
    ge = gamma * gn[:, None, None]
    gi = ge[:, 0].sum(axis=0) if spec.shapes[0] == (K,) else ge[:, 0]
    gt = xi * gn[:, None, None, None]
    gt = gt.sum(axis=0) if len(spec.shapes[1]) < 4 else gt
    return [
        _tensor(x.reshape(shape), leaf.dtype)
        for x, shape, leaf in zip((gi, gt, ge), spec.shapes, p.leaves, strict=True)
    ]


@functools.cache
def _torch_host_likelihood() -> Any:
    import torch

    class HostLikelihood(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, p: Problem, functions: Any, init: Any, trans: Any, emis: Any) -> Any:
            i, t, e, lengths = host_arguments(p)
            ll = functions[0](i, t, e, lengths=lengths)
            ctx.p, ctx.functions = p, functions
            return _tensor(np.asarray(ll.log, dtype=np.float64), emis.dtype)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            grads = _host_gradients(ctx.p, ctx.functions, g)
            needed = ctx.needs_input_grad[2:]
            return (None, None, *(gr if need else None for gr, need in zip(grads, needed, strict=True)))

    return HostLikelihood


# -- the likelihood and its gradient rule -------------------------------------


def _value(spec: Spec, xp: Any, leaves: tuple[Any, Any, Any], live: Any) -> tuple[Any, Any]:
    logs = _canonical(spec, xp, tuple(xp.log(a) if lin else a for a, lin in zip(leaves, spec.linear, strict=True)))
    p = Problem(spec, xp, leaves, live, True)
    return _forward(p, logs, live), logs


def _gradients(spec: Spec, xp: Any, leaves: Any, live: Any, f: _Forward, logs: Any, g: Any) -> tuple[Any, Any, Any]:
    """d (sum_n g_n loglik_n) / d leaf, for each of (init, trans, emis): forward-backward.

    With respect to logs: exp(R + log w) with R the log of the derivative with
    respect to the linear weight w; with respect to linear weights: exp(R).
    0 for a sequence of weight zero.
    """
    p = Problem(spec, xp, leaves, live, True)
    li, lt, le = logs
    N, T = spec.N, spec.T
    b, _ = _backward(p, logs, live)
    both = f.a + b
    z = _kernels.logsumexp(both, axis=-1)  # (N, T)
    alive = f.loglik > -_INF
    weight = xp.where(alive, g, xp.zeros_like(g))  # (N,)

    def finish(r: Any, log_w: Any, linear: bool) -> Any:
        return xp.exp(r if linear else r + log_w)

    # emis: R[t, j] = pred_t(j) + beta_t(j) - z_t (alpha before the emission)
    r_e = _mask(xp, f.p + b - z[..., None], live)
    r_e = xp.where(alive[:, None, None], r_e, xp.full_like(r_e, -_INF))
    ge = finish(r_e, le, spec.linear[2]) * weight[:, None, None]
    # init: R[j] = emis_0(j) + beta_0(j) - m_0 - z_0
    r_i = le[:, 0] + b[:, 0] - (f.m[:, 0] + z[:, 0])[:, None]
    r_i = xp.where(alive[:, None], r_i, xp.full_like(r_i, -_INF))
    gi = finish(r_i, li, spec.linear[0]) * weight[:, None]
    if li.shape[0] == 1 and N > 1:
        gi = xp.sum(gi, axis=0, keepdims=True)
    # trans: R[i, j] = U[t, i] + V[t, j], summed over t where trans is shared
    if T == 1:
        gt = xp.zeros_like(lt)
    else:
        u, v = _transition_terms(p, logs, live, f, b, z)
        if spec.time_varying:
            r_t = u[..., :, None] + v[..., None, :]  # (N, T-1, K, K)
        else:
            r_t = _counts(p, u, v)[:, None]  # (N, 1, K, K)
        gt = finish(r_t, lt, spec.linear[1]) * weight[:, None, None, None]
        if lt.shape[0] == 1 and N > 1:
            gt = xp.sum(gt, axis=0, keepdims=True)
    return tuple(xp.reshape(grad, shape) for grad, shape in zip((gi, gt, ge), spec.shapes, strict=True))


@functools.cache
def _torch_likelihood() -> Any:
    import torch

    class Likelihood(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, spec: Spec, live: Any, init: Any, trans: Any, emis: Any) -> Any:
            xp = _backends.namespace(emis)
            leaves = (init, trans, emis)
            f, logs = _value(spec, xp, leaves, live)
            ctx.spec, ctx.live, ctx.f, ctx.logs = spec, live, f, logs
            ctx.save_for_backward(init, trans, emis)
            return f.loglik

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            leaves = ctx.saved_tensors
            xp = _backends.namespace(leaves[2])
            grads = _gradients(ctx.spec, xp, leaves, ctx.live, ctx.f, ctx.logs, g)
            needed = ctx.needs_input_grad[2:]
            return (None, None, *(gr if need else None for gr, need in zip(grads, needed, strict=True)))

    return Likelihood


@functools.cache
def _jax_likelihood() -> Any:
    import jax

    @functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
    def loglik(spec: Spec, live: Any, init: Any, trans: Any, emis: Any) -> Any:
        return _value(spec, _backends.namespace(emis), (init, trans, emis), live)[0].loglik

    def fwd(spec: Spec, live: Any, init: Any, trans: Any, emis: Any) -> Any:
        f, logs = _value(spec, _backends.namespace(emis), (init, trans, emis), live)
        return f.loglik, (live, (init, trans, emis), (f.a, f.p, f.m, f.offsets, f.loglik), logs)

    def bwd(spec: Spec, res: Any, g: Any) -> Any:
        live, leaves, parts, logs = res
        grads = _gradients(spec, _backends.namespace(leaves[2]), leaves, live, _Forward(*parts), logs, g)
        return (None, *grads)

    loglik.defvjp(fwd, bwd)
    return loglik


def likelihood(p: Problem) -> LogArray:
    spec = p.spec
    live = _live(p, p.xp, p.leaves[2])
    if spec.kind == _backends.TORCH:
        ll = _torch_likelihood().apply(spec, live, *p.leaves)
    else:
        ll = _jitted(_jax_likelihood())(spec, live, *p.leaves)
    return LogArray.from_log(ll if spec.batched else ll[0])
