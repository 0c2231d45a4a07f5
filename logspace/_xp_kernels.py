"""The kernels written once against the array API standard.

:mod:`logspace._kernels` hands input here when an argument is an array of a
library other than numpy and dask (array-api-strict, CuPy, ...; torch and JAX
go through :mod:`logspace._torch` and :mod:`logspace._jax`, which add
gradient rules around these functions). Every function takes its namespace
once, ``xp = namespace(...)``, and then has one code path, as scipy's
``_logsumexp.py``. The algorithms are those of the numpy kernels:

* log-sum-exp: shift by one maximum a_k, sum the other terms and take
  ``a_k + log1p(s)`` (Blanchard, Higham & Higham 2021, Algorithm 4.1), so a
  dominant term does not swallow its neighbours; weights that cancel are
  added before the small parts, as in the numpy kernel;
* log1mexp: Mächler's switch at -log 2 between ``log(-expm1(x))`` and
  ``log1p(-exp(x))``;
* log-matmul: the max-shifted product, with the entries whose shifted
  product underflowed (below tiny/eps) recomputed exactly as log-sum-exps.

Differences from numpy, all stated in docs/backends.md:

* The work is done in the input dtype (float32 stays float32 throughout:
  JAX's default and what GPUs are fast at), so float32 results carry
  float32 rounding, with their own bounds; integers and booleans become the
  library's float64 (float32 for JAX without x64).
* Domain errors give the same nan or -inf, silently: numpy's ``np.errstate``
  does not reach another library's arrays.
* ``jnp.log1p`` is up to about 100 ulp off on [-0.6, -0.2] in float64; every
  log1p of an argument that may be negative goes through :func:`_log1p`,
  which takes ``log(1 + y)`` there (1 + y is exact for y in [-1, -0.25]).
* 0-d results stay 0-d arrays of the library.

>>> import array_api_strict as xp
>>> float(logsumexp(xp.asarray([0.0, -40.0])))
4.248354255291589e-18
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from logspace import _backends

__all__ = [
    "inputs",
    "log1mexp",
    "log1pexp",
    "log_softmax",
    "logaddexp",
    "logaddexp_signed",
    "logcumsumexp",
    "logmatmulexp",
    "logsubexp",
    "logsumexp",
    "maxmatmul",
    "prepare_logmatmul",
    "softmax",
]

_LOG2 = math.log(2.0)
# Scratch memory, in elements, that one exact log-matmul chunk may use.
_EXACT_CHUNK = 1 << 21


# ---------------------------------------------------------------------------
# Input handling
# ---------------------------------------------------------------------------


def _silently(kernel: Callable[..., Any]) -> Callable[..., Any]:
    """``kernel`` with numpy's floating-point signals off.

    Domain errors give nan or -inf silently on every backend; numpy-backed
    namespaces (array-api-strict) would otherwise warn about intermediate
    inf - inf in branches that ``where`` then drops.
    """

    @functools.wraps(kernel)
    def quiet(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return kernel(*args, **kwargs)

    return quiet


def _default_float(xp: Any, x: Any) -> Any:
    """The dtype integers and booleans become: float64, or float32 where there is none (JAX without x64)."""
    if _backends.library(x) == "jax":
        import jax

        return xp.float64 if jax.config.read("jax_enable_x64") else xp.float32
    return xp.float64


def _as_logs(xp: Any, x: Any, name: str) -> Any:
    """``x`` as a float array of logs (float16/bfloat16 become float32), or TypeError."""
    dt = x.dtype
    if xp.isdtype(dt, "real floating"):
        return x if xp.finfo(dt).bits >= 32 else xp.astype(x, xp.float32)
    if xp.isdtype(dt, ("integral", "bool")):
        return xp.astype(x, _default_float(xp, x))
    raise TypeError(
        f"{name}: expected real numbers (an int or float array, or Python "
        f"numbers) holding natural logarithms, got dtype {dt}"
    )


def inputs(name: str, *args: Any) -> tuple[Any, list[Any]]:
    """The namespace and ``args`` as arrays of one float dtype on one device.

    ``None`` stays None. Arrays of the library set the dtype (their result
    type); numpy arrays are moved to the device of the first array; Python
    numbers take the arrays' dtype, as numpy 2 treats them.
    """
    arrays = [a for a in args if a is not None and _backends.kind(a) is not None]
    xp = _backends.namespace(*arrays)
    dev = _backends.device(arrays[0])
    converted: list[Any] = []
    for a in args:
        if a is None or isinstance(a, int | float):
            converted.append(a)
        else:
            if _backends.kind(a) is None:
                a = xp.asarray(np.asarray(a), device=dev)
            converted.append(_as_logs(xp, a, name))
    dtype = xp.result_type(*(c for c in converted if c is not None and not isinstance(c, int | float)))
    out = [
        c
        if c is None
        else xp.asarray(float(c), dtype=dtype, device=dev)
        if isinstance(c, int | float)
        else (c if c.dtype == dtype else xp.astype(c, dtype))
        for c in converted
    ]
    return xp, out


def _axes(axis: int | tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    """``axis`` as a sorted tuple of non-negative axes (all of them for None)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for ax in axes:
        if not -ndim <= ax < ndim:
            raise ValueError(f"axis {ax} is out of bounds for array of dimension {ndim}")
        out.append(ax % ndim)
    if len(set(out)) != len(out):
        raise ValueError("repeated axis")
    return tuple(sorted(out))


def _to_last(xp: Any, x: Any, axes: tuple[int, ...]) -> Any:
    """``x`` with the ``axes`` moved last and flattened into one."""
    kept = tuple(i for i in range(x.ndim) if i not in axes)
    n = math.prod(x.shape[i] for i in axes)
    moved = xp.permute_dims(x, kept + axes) if x.ndim else x
    return xp.reshape(moved, tuple(x.shape[i] for i in kept) + (n,))


def _from_last(xp: Any, y: Any, shape: tuple[int, ...], axes: tuple[int, ...]) -> Any:
    """Undo :func:`_to_last` for an elementwise result ``y``."""
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    order = kept + axes
    moved = xp.reshape(y, tuple(shape[i] for i in order))
    inverse = tuple(order.index(i) for i in range(len(shape)))
    return xp.permute_dims(moved, inverse) if shape else xp.reshape(moved, ())


def _reduced_shape(shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> tuple[int, ...]:
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _log1p(xp: Any, y: Any) -> Any:
    """log1p(y) for y >= -1, accurate on every backend.

    ``jnp.log1p`` is up to ~100 ulp off on [-0.6, -0.2] (float64); there
    1 + y is exact (Sterbenz), so ``log(1 + y)`` is within an ulp or two.
    """
    return xp.where(y <= -0.25, xp.log(1.0 + y), xp.log1p(y))


def _finite_or_zero(xp: Any, x: Any) -> Any:
    return xp.where(xp.isfinite(x), x, xp.zeros_like(x))


# ---------------------------------------------------------------------------
# Elementwise kernels
# ---------------------------------------------------------------------------


def logaddexp_core(xp: Any, x: Any, y: Any) -> Any:
    """max(x, y) + log1p(exp(-|x - y|)); equal infinities give that infinity."""
    d = -xp.abs(x - y)
    d = xp.where(xp.isnan(d), -math.inf, d)
    return xp.maximum(x, y) + xp.log1p(xp.exp(d))


@_silently
def logaddexp(a: Any, b: Any) -> Any:
    """log(exp(a) + exp(b)) on array-API arrays; see :func:`logspace._kernels.logaddexp`.

    >>> import array_api_strict as xp
    >>> float(logaddexp(xp.asarray(1000.0), 1000.0))
    1000.6931471805599
    """
    xp, (x, y) = inputs("logaddexp", a, b)
    return logaddexp_core(xp, x, y)


def log1pexp_core(xp: Any, v: Any) -> Any:
    """Mächler's four regimes of log(1 + exp(v))."""
    e = xp.exp(xp.minimum(v, 18.0))
    # x + exp(-x) above 18, from a clipped argument: no 1/0 where the branch is not taken.
    return xp.where(
        v <= -37.0,
        e,
        xp.where(v <= 18.0, xp.log1p(e), xp.where(v <= 33.3, v + xp.exp(-xp.maximum(v, 18.0)), v)),
    )


@_silently
def log1pexp(x: Any) -> Any:
    """log(1 + exp(x)) on array-API arrays; see :func:`logspace._kernels.log1pexp`."""
    xp, (v,) = inputs("log1pexp", x)
    return log1pexp_core(xp, v)


def log1mexp_core(xp: Any, v: Any) -> Any:
    """Mächler's switch at -log 2; 0 gives -inf, positive input nan."""
    near = v > -_LOG2
    # Each branch is fed a value in its own domain, so that neither makes a
    # nan that autodiff of the other branch would pick up.
    return xp.where(
        near,
        xp.log(-xp.expm1(xp.where(near, v, -1.0))),
        _log1p(xp, -xp.exp(xp.where(near, -1.0, v))),
    )


@_silently
def log1mexp(x: Any) -> Any:
    """log(1 - exp(x)) on array-API arrays; see :func:`logspace._kernels.log1mexp`.

    >>> import array_api_strict as xp
    >>> float(log1mexp(xp.asarray(-1e-20)))
    -46.051701859880914
    """
    xp, (v,) = inputs("log1mexp", x)
    return log1mexp_core(xp, v)


def _logsubexp_invalid(xp: Any, x: Any, y: Any) -> Any:
    return (x < y) | ((x == math.inf) & (y == math.inf))


def logsubexp_core(xp: Any, x: Any, y: Any) -> Any:
    """x + log1mexp(y - x); equal finite arguments give -inf, x < y and inf - inf nan."""
    x, y = xp.broadcast_arrays(x, y)
    d = y - x
    d = xp.where(xp.isnan(d) | (d > 0.0), -1.0, d)
    out = xp.where(d == 0.0, -math.inf, x + log1mexp_core(xp, d))
    out = xp.where(y == -math.inf, x, out)
    return xp.where(_logsubexp_invalid(xp, x, y) | xp.isnan(x) | xp.isnan(y), math.nan, out)


@_silently
def logsubexp(a: Any, b: Any) -> Any:
    """log(exp(a) - exp(b)) for a >= b on array-API arrays; see :func:`logspace._kernels.logsubexp`."""
    xp, (x, y) = inputs("logsubexp", a, b)
    return logsubexp_core(xp, x, y)


@_silently
def logaddexp_signed(log_a: Any, neg_a: Any, log_b: Any, neg_b: Any) -> tuple[Any, Any]:
    """(log|a + b|, a + b < 0) of two signed log-domain numbers; see the numpy kernel."""
    xp, (la, lb) = inputs("logaddexp_signed", log_a, log_b)
    dev = _backends.device(la)
    na = xp.astype(xp.asarray(neg_a, device=dev), xp.bool)
    nb = xp.astype(xp.asarray(neg_b, device=dev), xp.bool)
    la, lb, na, nb = xp.broadcast_arrays(la, lb, na, nb)
    a_larger = la >= lb
    hi = xp.where(a_larger, la, lb)
    lo = xp.where(a_larger, lb, la)
    out = xp.where(na != nb, logsubexp_core(xp, hi, lo), logaddexp_core(xp, hi, lo))
    return out, xp.where(a_larger, na, nb)


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------


def shifted_sum(xp: Any, x: Any) -> tuple[Any, Any]:
    """(max, sum of exp(x - max) over every term but the first maximum) along the last axis.

    keepdims shapes; the last axis must not be empty. A non-finite maximum
    shifts by 0, so that inf and -inf propagate; tied maxima but one enter
    the sum as exact ones.
    """
    amax = xp.max(x, axis=-1, keepdims=True)
    # Every maximum is left out and all but one are added back as exact ones:
    # the numpy kernel's sum, without an argmax (a slow reduction in XLA).
    at_max = x == amax
    t = xp.where(at_max, 0.0, xp.exp(x - _finite_or_zero(xp, amax)))
    ties = xp.sum(xp.astype(at_max, x.dtype), axis=-1, keepdims=True)
    return amax, xp.sum(t, axis=-1, keepdims=True) + xp.maximum(ties - 1.0, 0.0)


def lse_state(xp: Any, x: Any, axes: tuple[int, ...]) -> tuple[Any, Any]:
    """(amax, s) over ``axes`` in the keepdims shape; an empty reduction gives (-inf, 0)."""
    shape = _reduced_shape(x.shape, axes, True)
    x2 = _to_last(xp, x, axes)
    if x2.shape[-1] == 0:
        dev = _backends.device(x)
        return xp.full(shape, -math.inf, dtype=x.dtype, device=dev), xp.zeros(shape, dtype=x.dtype, device=dev)
    amax, s = shifted_sum(xp, x2)
    return xp.reshape(amax, shape), xp.reshape(s, shape)


def weighted_lse(xp: Any, x: Any, w: Any, axes: tuple[int, ...], keepdims: bool) -> tuple[Any, Any]:
    """(log|sum(w exp(x))|, sign) over ``axes``, as the numpy kernel's ``_weighted_lse_rows``."""
    x, w = xp.broadcast_arrays(x, w)
    shape = _reduced_shape(x.shape, axes, keepdims)
    dev = _backends.device(x)
    x2 = _to_last(xp, xp.where(w == 0.0, -math.inf, x), axes)
    w2 = _to_last(xp, w, axes)
    if x2.shape[-1] == 0:
        return xp.full(shape, -math.inf, dtype=x.dtype, device=dev), xp.zeros(shape, dtype=x.dtype, device=dev)
    n = x2.shape[-1]
    first = xp.argmax(x2, axis=-1, keepdims=True)
    is_first = xp.arange(n, device=dev) == first
    zero = xp.zeros_like(x2)
    amax = xp.max(x2, axis=-1, keepdims=True)
    wk = xp.sum(xp.where(is_first, w2, zero), axis=-1, keepdims=True)
    d = x2 - _finite_or_zero(xp, amax)
    d = xp.where(xp.isnan(d), -math.inf, d)
    near = (d > -_LOG2) & ~is_first
    far_terms = xp.where(near | is_first, zero, w2 * xp.exp(d))
    near_weights = xp.sum(xp.where(near, w2, zero), axis=-1, keepdims=True)
    near_parts = xp.sum(xp.where(near, w2 * xp.expm1(xp.where(near, d, zero)), zero), axis=-1, keepdims=True)
    small = xp.sum(far_terms, axis=-1, keepdims=True) + near_parts
    q = (near_weights + small) / wk
    cancelling = q <= -0.5
    total = (wk + near_weights) + small
    safe_q = xp.where(cancelling | xp.isnan(q), zero[..., :1], q)
    res = amax + xp.where(cancelling, xp.log(xp.abs(total)), xp.log(xp.abs(wk)) + _log1p(xp, safe_q))
    res = xp.where(xp.isnan(q) & ~cancelling, math.nan, res)
    sign = xp.where(cancelling, xp.sign(total), xp.sign(wk))
    infinite = x2 == math.inf
    pos_inf = xp.any(infinite & (w2 > 0), axis=-1, keepdims=True)
    neg_inf = xp.any(infinite & (w2 < 0), axis=-1, keepdims=True)
    res = xp.where(pos_inf | neg_inf, math.inf, res)
    sign = xp.where(pos_inf, 1.0, xp.where(neg_inf, -1.0, sign))
    undefined = (pos_inf & neg_inf) | xp.any(
        xp.isnan(x2) | xp.isnan(w2) | (xp.isinf(w2) & (x2 == -math.inf) & (w2 != 0)), axis=-1, keepdims=True
    )
    nothing = (amax == -math.inf) & ~undefined
    res = xp.where(undefined, math.nan, xp.where(nothing, -math.inf, res))
    sign = xp.where(undefined, math.nan, xp.where(nothing | (res == -math.inf), 0.0, sign))
    return xp.reshape(res, shape), xp.reshape(sign, shape)


def _lse_sign(xp: Any, res: Any) -> Any:
    sign = xp.where(res == -math.inf, 0.0, 1.0)
    return xp.astype(xp.where(xp.isnan(res), math.nan, sign), res.dtype)


def logsumexp_core(
    xp: Any, x: Any, w: Any, axes: tuple[int, ...], keepdims: bool, return_sign: bool
) -> Any:
    """The array-API log-sum-exp of arrays already converted by :func:`inputs`."""
    if w is not None:
        res, sign = weighted_lse(xp, x, w, axes, keepdims)
        if return_sign:
            return res, sign
        return xp.where(sign < 0, math.nan, res)
    amax, s = lse_state(xp, x, axes)
    res = xp.reshape(amax + xp.log1p(s), _reduced_shape(x.shape, axes, keepdims))
    if return_sign:
        return res, _lse_sign(xp, res)
    return res


@_silently
def logsumexp(
    a: Any,
    axis: int | tuple[int, ...] | None = None,
    b: Any = None,
    keepdims: bool = False,
    return_sign: bool = False,
) -> Any:
    """log(sum(b * exp(a))) on array-API arrays; see :func:`logspace._kernels.logsumexp`.

    >>> import array_api_strict as xp
    >>> res, sign = logsumexp(xp.asarray([1.0, 2.0]), b=xp.asarray([1.0, -1.0]), return_sign=True)
    >>> float(res), float(sign)
    (1.5413248546129181, -1.0)
    """
    xp, (x, w) = inputs("logsumexp", a, b)
    return logsumexp_core(xp, x, w, _axes(axis, x.ndim), keepdims, return_sign)


# ---------------------------------------------------------------------------
# Running sums and softmax
# ---------------------------------------------------------------------------


def _shifted(xp: Any, x: Any, step: int) -> Any:
    """``x`` along the last axis moved right by ``step``: the first ``step`` entries dropped at the end."""
    return x[..., : x.shape[-1] - step]


def _concat_last(xp: Any, head: Any, tail: Any) -> Any:
    return xp.concat([head, tail], axis=-1)


def scan_logcumsumexp(xp: Any, x: Any) -> Any:
    """Row-wise running log-sum-exp along the last (non-empty) axis: the Hillis–Steele scan of the numpy kernel.

    The state of a prefix is (m, s), its maximum and the sum of exp(x - m)
    over its terms but one maximum; no update is in place (JAX arrays are
    immutable).
    """
    n = x.shape[-1]
    running_max = _running_max(xp, x)
    bad = xp.isnan(x) | (x == math.inf)
    m = xp.where(bad, -math.inf, x)
    s = xp.zeros_like(m)
    step = 1
    while step < n:
        m1, s1 = _shifted(xp, m, step), _shifted(xp, s, step)
        m2, s2 = m[..., step:], s[..., step:]
        first = m1 >= m2
        hi = xp.where(first, m1, m2)
        scale = xp.exp(xp.where(first, m2, m1) - _finite_or_zero(xp, hi))
        scale = xp.where(hi == -math.inf, 0.0, scale)
        merged = xp.where(first, s1, s2) + (1.0 + xp.where(first, s2, s1)) * scale
        m = _concat_last(xp, m[..., :step], hi)
        s = _concat_last(xp, s[..., :step], merged)
        step *= 2
    out = m + xp.log1p(s)
    out = xp.where(running_max == math.inf, math.inf, out)
    return xp.where(xp.isnan(running_max), math.nan, out)


def _running_max(xp: Any, x: Any) -> Any:
    """Cumulative max along the last axis by doubling (the standard has no ``cumulative_max``)."""
    n = x.shape[-1]
    step = 1
    while step < n:
        x = _concat_last(xp, x[..., :step], xp.maximum(x[..., step:], _shifted(xp, x, step)))
        step *= 2
    return x


def cumulative_shares(xp: Any, x: Any, y: Any) -> tuple[Any, Any]:
    """The coefficients of the derivative of y = logcumsumexp(x) along the last axis.

    dy_j = sum over i <= j of exp(x_i - y_j) dx_i is the linear recurrence
    t_j = a_j t_{j-1} + b_j dx_j with a_j = exp(y_{j-1} - y_j) in [0, 1] and
    b_j = exp(x_j - y_j) in [0, 1]: nothing overflows, and a prefix of only
    -inf (0/0) gets 0. Returns ``(a, b)``.
    """
    start = xp.full(y.shape[:-1] + (1,), -math.inf, dtype=y.dtype, device=_backends.device(y))
    previous = _concat_last(xp, start, y[..., :-1])
    decay = xp.where(previous == -math.inf, 0.0, xp.exp(previous - y))
    share = xp.where(x == -math.inf, 0.0, xp.exp(x - y))
    return decay, share


def linear_scan(xp: Any, a: Any, b: Any) -> Any:
    """t_j = a_j t_{j-1} + b_j along the last axis (t_{-1} = 0), by a Hillis–Steele scan of log depth.

    Linear in ``b``: autodiff transposes it (reverse mode runs it backwards).
    """
    n = b.shape[-1]
    step = 1
    while step < n:
        b = _concat_last(xp, b[..., :step], b[..., step:] + a[..., step:] * _shifted(xp, b, step))
        a = _concat_last(xp, a[..., :step], a[..., step:] * _shifted(xp, a, step))
        step *= 2
    return b


def logcumsumexp_core(xp: Any, x: Any, axis: int | None) -> Any:
    """Running log-sum-exp of a converted array; ``axis=None`` flattens."""
    if axis is None:
        x = xp.reshape(x, (-1,))
        axis = 0
    if x.ndim == 0:
        x = xp.reshape(x, (1,))
    (ax,) = _axes(axis, x.ndim)
    if x.shape[ax] == 0:
        return x
    moved = xp.moveaxis(x, ax, -1)
    return xp.moveaxis(scan_logcumsumexp(xp, moved), -1, ax)


@_silently
def logcumsumexp(a: Any, axis: int | None = None) -> Any:
    """Running log-sum-exp along ``axis`` on array-API arrays; see :func:`logspace._kernels.logcumsumexp`."""
    xp, (x,) = inputs("logcumsumexp", a)
    return logcumsumexp_core(xp, x, axis)


def log_softmax_core(xp: Any, x: Any, axes: tuple[int, ...]) -> Any:
    if math.prod(x.shape) == 0:
        return x
    amax, s = lse_state(xp, x, axes)
    return (x - amax) - xp.log1p(s)


def softmax_core(xp: Any, x: Any, axes: tuple[int, ...]) -> Any:
    if math.prod(x.shape) == 0:
        return x
    amax, s = lse_state(xp, x, axes)
    return xp.exp(x - amax) / (1.0 + s)


@_silently
def log_softmax(a: Any, axis: int | tuple[int, ...] | None = None) -> Any:
    """a - logsumexp(a) along ``axis`` on array-API arrays; see :func:`logspace._kernels.log_softmax`."""
    xp, (x,) = inputs("log_softmax", a)
    return log_softmax_core(xp, x, _axes(axis, x.ndim))


@_silently
def softmax(a: Any, axis: int | tuple[int, ...] | None = None) -> Any:
    """exp(a) / sum(exp(a)) along ``axis`` on array-API arrays; see :func:`logspace._kernels.softmax`."""
    xp, (x,) = inputs("softmax", a)
    return softmax_core(xp, x, _axes(axis, x.ndim))


# ---------------------------------------------------------------------------
# Log-semiring matrix product
# ---------------------------------------------------------------------------


def prepare_core(xp: Any, arr: Any, side: str) -> tuple[Any, Any]:
    """(shift, exp(x - shift)) with the maximum over the contracted axis as the shift."""
    axis = -1 if side == "left" else -2
    if arr.shape[axis] == 0:
        shape = list(arr.shape)
        shape[axis] = 1
        return xp.zeros(tuple(shape), dtype=arr.dtype, device=_backends.device(arr)), arr
    shift = _finite_or_zero(xp, xp.max(arr, axis=axis, keepdims=True))
    return shift, xp.exp(arr - shift)


@_silently
def prepare_logmatmul(x: Any, side: str) -> tuple[Any, Any]:
    """The shifted exponentials of one operand; see :func:`logspace._kernels.prepare_logmatmul`."""
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', not {side!r}")
    xp, (arr,) = inputs("prepare_logmatmul", x)
    if arr.ndim == 1:
        arr = arr[None, :] if side == "left" else arr[:, None]
    return prepare_core(xp, arr, side)


def matmul_operands(x: Any, y: Any) -> tuple[Any, Any, bool, bool]:
    """matmul's shape rules: 1-D operands as a row / a column, core sizes checked."""
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("logmatmulexp: operands must have at least one dimension (matmul does not take scalars)")
    vector_a, vector_b = x.ndim == 1, y.ndim == 1
    if vector_a:
        x = x[None, :]
    if vector_b:
        y = y[:, None]
    if x.shape[-1] != y.shape[-2]:
        raise ValueError(
            f"logmatmulexp: mismatch in its core dimension: a has {x.shape[-1]} columns "
            f"but b has {y.shape[-2]} rows (shapes {tuple(x.shape)} and {tuple(y.shape)})"
        )
    return x, y, vector_a, vector_b


def trust(xp: Any, dtype: Any) -> float:
    """The smallest shifted product whose log keeps its relative accuracy: tiny / eps of ``dtype``."""
    fi = xp.finfo(dtype)
    return float(fi.smallest_normal) / float(fi.eps)


def shifted_product(xp: Any, x: Any, y: Any) -> tuple[Any, Any, Any, Any]:
    """(log P + m + n, P, m, n): the max-shifted product of two stacks of matrices."""
    row_max, exp_x = prepare_core(xp, x, "left")
    col_max, exp_y = prepare_core(xp, y, "right")
    product = xp.matmul(exp_x, exp_y)
    return xp.log(product) + row_max + col_max, product, row_max, col_max


def flagged_entries(xp: Any, x: Any, y: Any, product: Any) -> tuple[Any, Any]:
    """(entries to recompute exactly, entries with no finite term: -inf exactly)."""
    dtype = x.dtype
    some = xp.matmul(xp.astype(x > -math.inf, dtype), xp.astype(y > -math.inf, dtype)) > 0
    return (product < trust(xp, dtype)) & some, ~some


def exact_product(xp: Any, x: Any, y: Any) -> Any:
    """The whole product as log-sum-exps of broadcast sums over k, in row chunks."""
    n, k, p = x.shape[-2], x.shape[-1], y.shape[-1]
    batch = math.prod(x.shape[:-2])
    rows = max(1, _EXACT_CHUNK // max(1, k * p * max(1, batch)))
    parts = []
    for start in range(0, n, rows):
        terms = x[..., start : min(n, start + rows), :, None] + y[..., None, :, :]
        amax, s = lse_state(xp, terms, (terms.ndim - 2,))
        parts.append((amax + xp.log1p(s))[..., 0, :])
    return xp.concat(parts, axis=-2)


def broadcast_batch(xp: Any, x: Any, y: Any) -> tuple[Any, Any]:
    """Both stacks of matrices broadcast to their common batch shape."""
    batch = tuple(np.broadcast_shapes(tuple(x.shape[:-2]), tuple(y.shape[:-2])))
    return xp.broadcast_to(x, batch + tuple(x.shape[-2:])), xp.broadcast_to(y, batch + tuple(y.shape[-2:]))


def logmatmulexp_core(xp: Any, x: Any, y: Any) -> Any:
    """log(exp(x) @ exp(y)) of two stacks of matrices with one dtype (eager: flagged entries recomputed)."""
    x, y = broadcast_batch(xp, x, y)
    batch = tuple(x.shape[:-2])
    if x.shape[-1] == 0:
        return xp.full(batch + (x.shape[-2], y.shape[-1]), -math.inf, dtype=x.dtype, device=_backends.device(x))
    out, product, _, _ = shifted_product(xp, x, y)
    flagged, nothing = flagged_entries(xp, x, y, product)
    out = xp.where(nothing, -math.inf, out)
    if bool(xp.any(flagged)):
        out = xp.where(flagged, exact_product(xp, x, y), out)
    return out


def finish_matmul(out: Any, vector_a: bool, vector_b: bool) -> Any:
    if vector_a:
        out = out[..., 0, :]
    if vector_b:
        out = out[..., 0]
    return out


@_silently
def logmatmulexp(a: Any, b: Any, *, prepared_a: Any = None, prepared_b: Any = None) -> Any:
    """log(exp(a) @ exp(b)) on array-API arrays; see :func:`logspace._kernels.logmatmulexp`.

    The flagged entries (shifted product below tiny/eps) are recomputed
    exactly. ``prepared_a``/``prepared_b`` are accepted for the numpy
    signature; the shifted exponentials are recomputed here.

    >>> import array_api_strict as xp
    >>> a = xp.asarray([[0.0, -800.0]])
    >>> b = xp.asarray([[-800.0], [0.0]])
    >>> float(logmatmulexp(a, b)[0, 0])
    -799.3068528194401
    """
    xp, (x, y) = inputs("logmatmulexp", a, b)
    x, y, vector_a, vector_b = matmul_operands(x, y)
    return finish_matmul(logmatmulexp_core(xp, x, y), vector_a, vector_b)


@_silently
def maxmatmul(a: Any, b: Any, return_argmax: bool = False) -> Any:
    """Max-plus product on array-API arrays; see :func:`logspace._kernels.maxmatmul`.

    The terms a_ik + b_kj are built over blocks of k (at most
    ``_EXACT_CHUNK`` of them at a time, or one k a time when the result
    alone is larger) and reduced with ``max``/``argmax``; a later block
    replaces the running maximum only where it is strictly larger, so ties
    take the lowest k. nan terms are set aside in each block, whatever the
    library's own rule for nan in ``max`` and ``argmax``: an entry with a
    nan term is nan, with the k of its first nan term as its argmax (numpy's
    rule). On torch and JAX the result is differentiable: the gradient of
    each entry goes to the term that reaches the maximum (shared among tied
    terms, as ``max`` shares it).

    >>> import array_api_strict as xp
    >>> a = xp.asarray([[0.0, 1.0], [2.0, float("nan")]])
    >>> out, k = maxmatmul(a, xp.asarray([[1.0], [0.0]]), return_argmax=True)
    >>> [float(v) for v in out[:, 0]], [int(i) for i in k[:, 0]]
    ([1.0, nan], [0, 1])
    """
    xp, (x, y) = inputs("maxmatmul", a, b)
    try:
        x, y, vector_a, vector_b = matmul_operands(x, y)
    except ValueError as error:  # the shared check names logmatmulexp
        raise ValueError(str(error).replace("logmatmulexp", "maxmatmul", 1)) from None
    x, y = broadcast_batch(xp, x, y)
    n, k, p = x.shape[-2], x.shape[-1], y.shape[-1]
    if k == 0 and return_argmax:
        raise ValueError("maxmatmul: attempt to get argmax of an empty sequence (the contracted dimension is 0)")
    dev = _backends.device(x)
    shape = tuple(x.shape[:-2]) + (n, p)
    best = xp.full(shape, -math.inf, dtype=x.dtype, device=dev)
    arg = nan_arg = xp.zeros(shape, dtype=xp.int64, device=dev) if return_argmax else None
    seen_nan = xp.zeros(shape, dtype=xp.bool, device=dev)
    step = max(1, _EXACT_CHUNK // max(1, math.prod(shape)))
    for start in range(0, k, step):
        stop = min(k, start + step)
        terms = x[..., :, start:stop, None] + y[..., None, start:stop, :]
        nan = xp.isnan(terms)
        clean = xp.where(nan, -math.inf, terms)
        block = xp.max(clean, axis=-2)
        block_nan = xp.any(nan, axis=-2)
        if return_argmax:
            larger = block > best
            arg = xp.where(larger, xp.astype(xp.argmax(clean, axis=-2), xp.int64) + start, arg)
            first_nan = xp.astype(xp.argmax(xp.astype(nan, xp.int8), axis=-2), xp.int64) + start
            nan_arg = xp.where(block_nan & ~seen_nan, first_nan, nan_arg)
        best = xp.where(block > best, block, best)
        seen_nan = seen_nan | block_nan
    out = xp.where(seen_nan, math.nan, best)
    out = finish_matmul(out, vector_a, vector_b)
    if not return_argmax:
        return out
    return out, finish_matmul(xp.where(seen_nan, nan_arg, arg), vector_a, vector_b)
