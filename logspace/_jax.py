"""The kernels on JAX arrays, with custom JVP rules.

The values are those of :mod:`logspace._xp_kernels` (the array-API kernels,
with ``jax.numpy`` as the namespace); this module wraps each in a
``jax.custom_jvp`` whose rule computes the value and its tangent from one
pass (the (max, sum) state of a log-sum-exp gives both the result and the
softmax weights). JAX derives reverse mode (``jax.grad``) by transposing
these linear tangent maps, and ``jax.jit``/``jax.vmap`` go through them.

The rules are right where autodiff of the formulas is not:

* ``logsumexp`` over a slice of only -inf (and ``logaddexp(-inf, -inf)``,
  ``log_softmax``/``softmax`` of a fully masked row, ``logmatmulexp``
  entries whose terms are all -inf): the derivative is 0/0 there, and the
  rule gives 0 in that slice only, not nan;
* ``log1mexp`` near 0: its derivative -1/expm1(-x) is large and exact, not
  the nan that differentiating both branches of a ``where`` gives;
* ``logmatmulexp``: the entries whose shifted product underflowed are
  recomputed exactly, value and tangent, inside one ``lax.cond`` on whether
  any entry is flagged (taken eagerly too, where the predicate is concrete).

Imported only once a JAX array is passed to a kernel.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from logspace import _xp_kernels as _xp
from logspace._xp_kernels import logaddexp_signed, prepare_logmatmul

__all__ = [
    "log1mexp",
    "log1pexp",
    "log_softmax",
    "logaddexp",
    "logaddexp_signed",
    "logcumsumexp",
    "logmatmulexp",
    "logsubexp",
    "logsumexp",
    "prepare_logmatmul",
    "softmax",
]


def _weight(x: Any, out: Any) -> Any:
    """exp(x - out), the share of the term x in the sum whose log is ``out``.

    0 where x is -inf, so that 0/0 (out is -inf too) gives 0.
    """
    return jnp.where(x == -math.inf, 0.0, jnp.exp(x - out))


# ---------------------------------------------------------------------------
# Elementwise kernels
# ---------------------------------------------------------------------------


@jax.custom_jvp
def _logaddexp(x: Any, y: Any) -> Any:
    return _xp.logaddexp_core(jnp, x, y)


@_logaddexp.defjvp
def _logaddexp_jvp(primals: Any, tangents: Any) -> Any:
    (x, y), (tx, ty) = primals, tangents
    out = _xp.logaddexp_core(jnp, x, y)
    return out, _weight(x, out) * tx + _weight(y, out) * ty


def logaddexp(a: Any, b: Any) -> Any:
    _, (x, y) = _xp.inputs("logaddexp", a, b)
    return _logaddexp(x, y)


@jax.custom_jvp
def _logsubexp(x: Any, y: Any) -> Any:
    return _xp.logsubexp_core(jnp, x, y)


@_logsubexp.defjvp
def _logsubexp_jvp(primals: Any, tangents: Any) -> Any:
    (x, y), (tx, ty) = primals, tangents
    out = _xp.logsubexp_core(jnp, x, y)
    return out, _weight(x, out) * tx - _weight(y, out) * ty


def logsubexp(a: Any, b: Any) -> Any:
    _, (x, y) = _xp.inputs("logsubexp", a, b)
    return _logsubexp(x, y)


@jax.custom_jvp
def _log1pexp(v: Any) -> Any:
    return _xp.log1pexp_core(jnp, v)


@_log1pexp.defjvp
def _log1pexp_jvp(primals: Any, tangents: Any) -> Any:
    (v,), (tv,) = primals, tangents
    out = _xp.log1pexp_core(jnp, v)
    return out, jnp.where(v == math.inf, 1.0, _weight(v, out)) * tv


def log1pexp(x: Any) -> Any:
    _, (v,) = _xp.inputs("log1pexp", x)
    return _log1pexp(v)


@jax.custom_jvp
def _log1mexp(v: Any) -> Any:
    return _xp.log1mexp_core(jnp, v)


@_log1mexp.defjvp
def _log1mexp_jvp(primals: Any, tangents: Any) -> Any:
    (v,), (tv,) = primals, tangents
    # d/dx log(1 - e^x) = -e^x / (1 - e^x) = -1 / expm1(-x): exact, large near 0.
    return _xp.log1mexp_core(jnp, v), -tv / jnp.expm1(-v)


def log1mexp(x: Any) -> Any:
    _, (v,) = _xp.inputs("log1mexp", x)
    return _log1mexp(v)


# ---------------------------------------------------------------------------
# Reductions and softmax
# ---------------------------------------------------------------------------


def _softmax_weights(x: Any, amax: Any, s: Any) -> Any:
    """exp(x - amax) / (1 + s): the softmax, 0 over a slice of only -inf (where the shift is 0)."""
    return jnp.exp(x - _xp._finite_or_zero(jnp, amax)) / (1.0 + s)


# Terms per slice up to which a log-sum-exp leaves one maximum out without a lax.cond.
_SMALL_REDUCTION = 1 << 12


def _lse_and_weights(x: Any, axes: tuple[int, ...]) -> tuple[Any, Any]:
    """The log-sum-exp over ``axes`` (keepdims shape) and the softmax weights.

    XLA on the CPU runs a reduction three times slower once a comparison
    joins the exp in its loop, as leaving one maximum out of the sum needs.
    The plain shifted form log(sum(exp(x - max))) + max is as accurate as
    the Blanchard-Higham form in ulps of max(|y|, 1), the bound stated; the
    two differ only in the relative accuracy of a result below 1 in
    magnitude ([0, -40] gives 4.2e-18 with the maximum left out, 0 without).
    So the fast form is taken unless some result is below 1 in magnitude:
    then, in one ``lax.cond``, the numpy kernel's algorithm. A reduction of
    at most ``_SMALL_REDUCTION`` terms takes that algorithm straight away:
    there the cond's fixed cost exceeds what the comparison costs.
    """
    if math.prod(x.shape[i] for i in axes) <= _SMALL_REDUCTION:
        top, s = _xp.lse_state(jnp, x, axes)
        return top + jnp.log1p(s), _softmax_weights(x, top, s)
    amax = jnp.max(x, axis=axes, keepdims=True)
    e = jnp.exp(x - _xp._finite_or_zero(jnp, amax))
    total = jnp.sum(e, axis=axes, keepdims=True)
    fast = amax + jnp.log(total)

    def leaving_one_maximum_out(fast: Any) -> Any:
        top, s = _xp.lse_state(jnp, x, axes)
        return top + jnp.log1p(s)

    res = lax.cond(jnp.any(jnp.abs(fast) < 1.0), leaving_one_maximum_out, lambda fast: fast, fast)
    # Over a slice of only -inf, e and total are 0: weights 0 (the derivative is 0/0 there).
    return res, e / jnp.where(total == 0.0, 1.0, total)


@functools.partial(jax.custom_jvp, nondiff_argnums=(1, 2))
def _logsumexp(x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    if math.prod(x.shape) == 0 or not axes:
        return _xp.logsumexp_core(jnp, x, None, axes, keepdims, False)
    return jnp.reshape(_lse_and_weights(x, axes)[0], _xp._reduced_shape(x.shape, axes, keepdims))


@_logsumexp.defjvp
def _logsumexp_jvp(axes: tuple[int, ...], keepdims: bool, primals: Any, tangents: Any) -> Any:
    (x,), (tx,) = primals, tangents
    shape = _xp._reduced_shape(x.shape, axes, keepdims)
    if math.prod(x.shape) == 0 or not axes:
        return _logsumexp(x, axes, keepdims), jnp.reshape(jnp.sum(tx, axis=axes), shape) * (x.size > 0)
    res, weights = _lse_and_weights(x, axes)
    tangent = jnp.sum(weights * tx, axis=axes, keepdims=True)
    return jnp.reshape(res, shape), jnp.reshape(tangent, shape)


@functools.partial(jax.custom_jvp, nondiff_argnums=(2, 3))
def _weighted_logsumexp(x: Any, w: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    return _xp.weighted_lse(jnp, x, w, axes, keepdims)


@_weighted_logsumexp.defjvp
def _weighted_logsumexp_jvp(axes: tuple[int, ...], keepdims: bool, primals: Any, tangents: Any) -> Any:
    (x, w), (tx, tw) = primals, tangents
    res, sign = _xp.weighted_lse(jnp, x, w, axes, keepdims)
    kept = jnp.reshape(res, _xp._reduced_shape(x.shape, axes, True))
    kept_sign = jnp.reshape(sign, kept.shape)
    # d log|S| = sum(w e^x tx + e^x tw) / S, with e^x / S = sign exp(x - log|S|); 0 where S = 0.
    share = jnp.where((kept == -math.inf) | (x == -math.inf), 0.0, kept_sign * jnp.exp(x - kept))
    tangent = jnp.sum(share * (w * tx + tw), axis=axes, keepdims=True)
    return (res, sign), (jnp.reshape(tangent, res.shape), jnp.zeros_like(sign))


def logsumexp(
    a: Any,
    axis: int | tuple[int, ...] | None = None,
    b: Any = None,
    keepdims: bool = False,
    return_sign: bool = False,
) -> Any:
    _, (x, w) = _xp.inputs("logsumexp", a, b)
    axes = _xp._axes(axis, x.ndim)
    if w is None:
        res = _logsumexp(x, axes, keepdims)
        return (res, _xp._lse_sign(jnp, res)) if return_sign else res
    res, sign = _weighted_logsumexp(*jnp.broadcast_arrays(x, w), axes, keepdims)
    if return_sign:
        return res, sign
    return jnp.where(sign < 0, math.nan, res)


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _log_softmax(x: Any, axes: tuple[int, ...]) -> Any:
    return _xp.log_softmax_core(jnp, x, axes)


@_log_softmax.defjvp
def _log_softmax_jvp(axes: tuple[int, ...], primals: Any, tangents: Any) -> Any:
    (x,), (tx,) = primals, tangents
    amax, s = _xp.lse_state(jnp, x, axes)
    weights = _softmax_weights(x, amax, s)
    return (x - amax) - jnp.log1p(s), tx - jnp.sum(weights * tx, axis=axes, keepdims=True)


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _softmax(x: Any, axes: tuple[int, ...]) -> Any:
    return _xp.softmax_core(jnp, x, axes)


@_softmax.defjvp
def _softmax_jvp(axes: tuple[int, ...], primals: Any, tangents: Any) -> Any:
    (x,), (tx,) = primals, tangents
    amax, s = _xp.lse_state(jnp, x, axes)
    weights = _softmax_weights(x, amax, s)
    out = jnp.exp(x - amax) / (1.0 + s)
    return out, weights * (tx - jnp.sum(weights * tx, axis=axes, keepdims=True))


def log_softmax(a: Any, axis: int | tuple[int, ...] | None = None) -> Any:
    _, (x,) = _xp.inputs("log_softmax", a)
    if math.prod(x.shape) == 0:
        return x
    return _log_softmax(x, _xp._axes(axis, x.ndim))


def softmax(a: Any, axis: int | tuple[int, ...] | None = None) -> Any:
    _, (x,) = _xp.inputs("softmax", a)
    if math.prod(x.shape) == 0:
        return x
    return _softmax(x, _xp._axes(axis, x.ndim))


@jax.custom_jvp
def _cumulative(x: Any) -> Any:
    return _xp.scan_logcumsumexp(jnp, x)


@_cumulative.defjvp
def _cumulative_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (tx,) = primals, tangents
    y = _xp.scan_logcumsumexp(jnp, x)
    decay, share = _xp.cumulative_shares(jnp, x, y)
    return y, _xp.linear_scan(jnp, decay, share * tx)


def logcumsumexp(a: Any, axis: int | None = None) -> Any:
    _, (x,) = _xp.inputs("logcumsumexp", a)
    if axis is None:
        x = jnp.reshape(x, (-1,))
        axis = 0
    if x.ndim == 0:
        x = jnp.reshape(x, (1,))
    (ax,) = _xp._axes(axis, x.ndim)
    if x.shape[ax] == 0:
        return x
    return jnp.moveaxis(_cumulative(jnp.moveaxis(x, ax, -1)), -1, ax)


# ---------------------------------------------------------------------------
# Log-semiring matrix product
# ---------------------------------------------------------------------------


def _product_and_tangent(x: Any, y: Any, tx: Any, ty: Any) -> tuple[Any, Any]:
    """Value and tangent of log(exp(x) @ exp(y)); flagged entries exact, inside one lax.cond."""
    out, product, row_max, col_max = _xp.shifted_product(jnp, x, y)
    flagged, nothing = _xp.flagged_entries(jnp, x, y, product)
    exp_x = jnp.exp(x - row_max)
    exp_y = jnp.exp(y - col_max)
    # tC = sum_k exp(x_ik + y_kj - C_ij) (tx_ik + ty_kj) = [(E_x tx) @ E_y + E_x @ (E_y ty)] / P.
    fast = (jnp.matmul(exp_x * tx, exp_y) + jnp.matmul(exp_x, exp_y * ty)) / jnp.where(flagged | nothing, 1.0, product)
    out = jnp.where(nothing, -math.inf, out)
    tangent = jnp.where(flagged | nothing, 0.0, fast)

    def exact(args: Any) -> Any:
        out, tangent = args
        value, exact_tangent = _exact_with_tangent(x, y, tx, ty)
        return jnp.where(flagged, value, out), jnp.where(flagged, exact_tangent, tangent)

    return lax.cond(jnp.any(flagged), exact, lambda args: args, (out, tangent))


def _exact_with_tangent(x: Any, y: Any, tx: Any, ty: Any) -> tuple[Any, Any]:
    """Every entry as a log-sum-exp over k, with its tangent sum_k w_k (tx_ik + ty_kj), in row chunks."""
    value = _xp.exact_product(jnp, x, y)
    n, k, p = x.shape[-2], x.shape[-1], y.shape[-1]
    rows = max(1, _xp._EXACT_CHUNK // max(1, k * p * max(1, math.prod(x.shape[:-2]))))
    parts = []
    for start in range(0, n, rows):
        part = slice(start, min(n, start + rows))
        terms = x[..., part, :, None] + y[..., None, :, :]
        weights = _weight(terms, value[..., part, None, :])
        parts.append(jnp.sum(weights * (tx[..., part, :, None] + ty[..., None, :, :]), axis=-2))
    return value, jnp.concatenate(parts, axis=-2)


@jax.custom_jvp
def _logmatmulexp(x: Any, y: Any) -> Any:
    out, product, _, _ = _xp.shifted_product(jnp, x, y)
    flagged, nothing = _xp.flagged_entries(jnp, x, y, product)
    out = jnp.where(nothing, -math.inf, out)
    return lax.cond(
        jnp.any(flagged), lambda out: jnp.where(flagged, _xp.exact_product(jnp, x, y), out), lambda out: out, out
    )


@_logmatmulexp.defjvp
def _logmatmulexp_jvp(primals: Any, tangents: Any) -> Any:
    (x, y), (tx, ty) = primals, tangents
    return _product_and_tangent(x, y, tx, ty)


def logmatmulexp(a: Any, b: Any, *, prepared_a: Any = None, prepared_b: Any = None) -> Any:
    _, (x, y) = _xp.inputs("logmatmulexp", a, b)
    x, y, vector_a, vector_b = _xp.matmul_operands(x, y)
    x, y = _xp.broadcast_batch(jnp, x, y)
    if x.shape[-1] == 0:
        return _xp.finish_matmul(_xp.logmatmulexp_core(jnp, x, y), vector_a, vector_b)
    return _xp.finish_matmul(_logmatmulexp(x, y), vector_a, vector_b)
