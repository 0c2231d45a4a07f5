"""The kernels on torch tensors, with custom autograd rules.

Each kernel is a ``torch.autograd.Function``: the forward pass computes the
value, and the backward pass reuses it (the softmax weights of a log-sum-exp
are exp(x - result)), so value and gradient come out of one pass. On the CPU
the forward pass runs the numpy kernel on the tensor's buffer (no copy for
float32/float64: the same results, bit for bit, as numpy's, and its speed);
on other devices it runs the array-API kernels of :mod:`logspace._xp_kernels`
on the tensor's own device.

The backward rules are right where autograd of the formulas is not:

* ``logsumexp`` over a slice of only -inf gives a zero gradient in that
  slice (``torch.logsumexp`` gives nan there, pytorch#31829), as do
  ``logaddexp(-inf, -inf)``, ``log_softmax``/``softmax`` of a fully masked
  row and ``logmatmulexp`` entries whose terms are all -inf (0/0);
* ``log1mexp`` near 0 keeps its true, large derivative -1/expm1(-x);
* ``logmatmulexp``: entries whose shifted product underflowed get their
  gradient from the exact terms, as their values do.

Second derivatives are not provided (the backward passes are not themselves
differentiable functions). Imported only once a tensor is passed to a kernel.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np
import torch

from logspace import _backends, _blocked
from logspace import _xp_kernels as _xp
from logspace._xp_kernels import logaddexp_signed, prepare_logmatmul

__all__ = [
    "bind",
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

# The numpy kernels (logspace._kernels), handed in by bind().
_np: Any = None
_ON_BUFFER = (torch.float32, torch.float64)


def bind(numpy_kernels: ModuleType) -> None:
    """Run ``numpy_kernels`` (:mod:`logspace._kernels`) on CPU tensors' buffers."""
    global _np
    _np = numpy_kernels


def _numpy_forward(x: torch.Tensor) -> bool:
    """Whether the forward pass may run the numpy kernel on the buffer of ``x``."""
    return x.is_cpu and x.dtype in _ON_BUFFER


def _buffer(x: torch.Tensor) -> Any:
    t = x.detach() if x.requires_grad else x
    return (t.resolve_neg() if t.is_neg() else t).numpy()


def _tensor(result: Any, like: torch.Tensor) -> torch.Tensor:
    """A numpy result as a tensor of the dtype of ``like`` (a fresh writeable buffer, shared)."""
    arr = np.asarray(result)
    if not arr.flags.writeable or not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr).copy()
    return torch.from_numpy(arr).to(like.dtype)


def _on_numpy(kernel: str, *tensors: torch.Tensor, **kwargs: Any) -> Any:
    """The numpy kernel ``kernel`` on the buffers of ``tensors``, silently (torch does not warn)."""
    with np.errstate(all="ignore"):
        out = getattr(_np, kernel)(*(_buffer(t) for t in tensors), **kwargs)
    if isinstance(out, tuple):
        return tuple(_tensor(o, tensors[0]) for o in out)
    return _tensor(out, tensors[0])


def _weight(x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """exp(x - out), the share of the term x in the sum whose log is ``out``; 0 where x is -inf."""
    return torch.where(x == -math.inf, 0.0, torch.exp(x - out))


def _xp_namespace(x: torch.Tensor) -> Any:
    return _backends.namespace(x)


# ---------------------------------------------------------------------------
# Elementwise kernels
# ---------------------------------------------------------------------------


class _LogAddExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if _numpy_forward(x):
            out = _on_numpy("logaddexp", x, y)
        else:
            out = _xp.logaddexp_core(_xp_namespace(x), x, y)
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Any:
        x, y, out = ctx.saved_tensors
        return g * _weight(x, out), g * _weight(y, out)


class _LogSubExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if _numpy_forward(x):
            out = _on_numpy("logsubexp", x, y)
        else:
            out = _xp.logsubexp_core(_xp_namespace(x), x, y)
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Any:
        x, y, out = ctx.saved_tensors
        return g * _weight(x, out), -g * _weight(y, out)


class _Log1pExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, v: torch.Tensor) -> torch.Tensor:
        out = _on_numpy("log1pexp", v) if _numpy_forward(v) else _xp.log1pexp_core(_xp_namespace(v), v)
        ctx.save_for_backward(v, out)
        return out

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Any:
        v, out = ctx.saved_tensors
        return g * torch.where(v == math.inf, 1.0, _weight(v, out))


class _Log1mExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, v: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(v)
        return _on_numpy("log1mexp", v) if _numpy_forward(v) else _xp.log1mexp_core(_xp_namespace(v), v)

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Any:
        (v,) = ctx.saved_tensors
        # d/dx log(1 - e^x) = -1 / expm1(-x): exact, and large near 0.
        return -g / torch.expm1(-v)


def _broadcast(*tensors: torch.Tensor) -> list[torch.Tensor]:
    return list(torch.broadcast_tensors(*tensors))


def logaddexp(a: Any, b: Any) -> torch.Tensor:
    _, (x, y) = _xp.inputs("logaddexp", a, b)
    out: torch.Tensor = _apply(_LogAddExp, *_broadcast(x, y))
    return out


def logsubexp(a: Any, b: Any) -> torch.Tensor:
    _, (x, y) = _xp.inputs("logsubexp", a, b)
    out: torch.Tensor = _apply(_LogSubExp, *_broadcast(x, y))
    return out


def log1pexp(x: Any) -> torch.Tensor:
    _, (v,) = _xp.inputs("log1pexp", x)
    out: torch.Tensor = _apply(_Log1pExp, v)
    return out


def log1mexp(x: Any) -> torch.Tensor:
    _, (v,) = _xp.inputs("log1mexp", x)
    out: torch.Tensor = _apply(_Log1mExp, v)
    return out


# ---------------------------------------------------------------------------
# Reductions and softmax
# ---------------------------------------------------------------------------


def _numpy_axis(x: torch.Tensor, axes: tuple[int, ...]) -> tuple[int, ...] | None:
    """``axes`` for the numpy kernel: None when they are all (its one-dimensional fast path)."""
    return None if len(axes) == x.ndim else axes


def _apply(function: type[torch.autograd.Function], *args: Any) -> Any:
    """``function.apply(*args)``, or its forward pass alone where no gradient is recorded."""
    if torch.is_grad_enabled() and any(isinstance(a, torch.Tensor) and a.requires_grad for a in args):
        return function.apply(*args)
    return function.forward(_NO_CONTEXT, *args)


class _NoContext:
    """The ``ctx`` of a forward pass run outside autograd: what it saves is dropped."""

    def save_for_backward(self, *tensors: Any) -> None:
        pass

    def mark_non_differentiable(self, *tensors: Any) -> None:
        pass

    def __setattr__(self, name: str, value: Any) -> None:
        pass


_NO_CONTEXT = _NoContext()


def _kept(res: torch.Tensor, shape: tuple[int, ...], axes: tuple[int, ...]) -> torch.Tensor:
    """A reduction result reshaped to the keepdims shape, to broadcast against the input."""
    return res.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _full_logsumexp(x: torch.Tensor, keepdims: bool) -> torch.Tensor:
    """The log-sum-exp of every element of a non-empty CPU tensor, by the numpy kernel's 1-D pass.

    The numpy kernel's own steps for a full reduction (its streaming
    ``shifted_sum_1d`` in float64, then ``amax + log1p(s)`` rounded to the
    input dtype), called directly on the buffer: the same result, bit for
    bit, without the kernel's general axis handling, which costs more than
    the sum itself at 10^3 terms.
    """
    top, rest = _blocked.shifted_sum_1d(_buffer(x).reshape(-1).astype(np.float64, copy=False))
    out = torch.scalar_tensor(float(np.log1p(rest) + top), dtype=x.dtype)
    return out.reshape((1,) * x.ndim) if keepdims else out


class _LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, axes: tuple[int, ...], keepdims: bool) -> torch.Tensor:
        if _numpy_forward(x) and len(axes) == x.ndim and x.numel() > 0:
            res = _full_logsumexp(x, keepdims)
        elif _numpy_forward(x):
            res = _on_numpy("logsumexp", x, axis=_numpy_axis(x, axes), keepdims=keepdims)
        else:
            res = _xp.logsumexp_core(_xp_namespace(x), x, None, axes, keepdims, False)
        ctx.save_for_backward(x)
        ctx.axes = axes
        return res

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Any:
        (x,) = ctx.saved_tensors
        return _kept(g, tuple(x.shape), ctx.axes) * _softmax_weights(x, ctx.axes), None, None


def _softmax_weights(x: torch.Tensor, axes: tuple[int, ...]) -> torch.Tensor:
    """exp(x - max) / sum(exp(x - max)) over ``axes``: a few ulps whatever the offset.

    exp(x - logsumexp) would carry the absolute error of the log-sum-exp,
    ~u |result|, into every weight. A slice of only -inf gets weights 0
    (its derivative is 0/0), and no other slice is touched.
    """
    if not axes:
        return torch.where(x == -math.inf, 0.0, 1.0).to(x.dtype)
    top = torch.amax(x, dim=axes, keepdim=True)
    e = torch.exp(x - torch.where(torch.isfinite(top), top, 0.0))
    total = e.sum(dim=axes, keepdim=True)
    return e / torch.where(total == 0.0, 1.0, total)


class _WeightedLogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, w: torch.Tensor, axes: tuple[int, ...], keepdims: bool) -> Any:
        if _numpy_forward(x):
            res, sign = _on_numpy(
                "logsumexp", x, axis=_numpy_axis(x, axes), b=_buffer(w), keepdims=keepdims, return_sign=True
            )
        else:
            res, sign = _xp.weighted_lse(_xp_namespace(x), x, w, axes, keepdims)
        ctx.save_for_backward(x, w, res, sign)
        ctx.axes = axes
        ctx.mark_non_differentiable(sign)
        return res, sign

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor, g_sign: Any) -> Any:
        x, w, res, sign = ctx.saved_tensors
        shape = tuple(x.shape)
        kept, kept_sign = _kept(res, shape, ctx.axes), _kept(sign, shape, ctx.axes)
        # d log|S| / dx = w e^x / S and / dw = e^x / S, with e^x / S = sign exp(x - log|S|); 0 where S = 0.
        share = torch.where((kept == -math.inf) | (x == -math.inf), 0.0, kept_sign * torch.exp(x - kept))
        gk = _kept(g, shape, ctx.axes)
        return gk * share * w, gk * share, None, None


def logsumexp(
    a: Any,
    axis: int | tuple[int, ...] | None = None,
    b: Any = None,
    keepdims: bool = False,
    return_sign: bool = False,
) -> Any:
    if b is None and type(a) is torch.Tensor and a.dtype in _ON_BUFFER:
        recorded = a.requires_grad and torch.is_grad_enabled()
        if axis is None and not return_sign and a.is_cpu and a.numel() and not recorded:
            return _full_logsumexp(a, keepdims)  # the most common call: straight to the sum
        xp, x, w = None, a, None  # the common call: no conversion to look for
    else:
        xp, (x, w) = _xp.inputs("logsumexp", a, b)
    axes = _xp._axes(axis, x.ndim)
    if w is None:
        res = _apply(_LogSumExp, x, axes, keepdims)
        return (res, _xp._lse_sign(_xp_namespace(res), res)) if return_sign else res
    res, sign = _apply(_WeightedLogSumExp, *_broadcast(x, w), axes, keepdims)
    if return_sign:
        return res, sign
    return torch.where(sign < 0, math.nan, res)


class _LogSoftmax(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, axes: tuple[int, ...]) -> torch.Tensor:
        out = _on_numpy("log_softmax", x, axis=axes) if _numpy_forward(x) else _xp.log_softmax_core(
            _xp_namespace(x), x, axes
        )
        ctx.save_for_backward(x, out)
        ctx.axes = axes
        return out

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Any:
        x, out = ctx.saved_tensors
        weights = torch.where(x == -math.inf, 0.0, torch.exp(out))
        return g - weights * g.sum(dim=ctx.axes, keepdim=True), None


class _Softmax(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, axes: tuple[int, ...]) -> torch.Tensor:
        out = _on_numpy("softmax", x, axis=axes) if _numpy_forward(x) else _xp.softmax_core(_xp_namespace(x), x, axes)
        ctx.save_for_backward(x, out)
        ctx.axes = axes
        return out

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Any:
        x, out = ctx.saved_tensors
        weights = torch.where(x == -math.inf, 0.0, out)
        return weights * (g - (weights * g).sum(dim=ctx.axes, keepdim=True)), None


def log_softmax(a: Any, axis: int | tuple[int, ...] | None = None) -> torch.Tensor:
    _, (x,) = _xp.inputs("log_softmax", a)
    if x.numel() == 0:
        return x
    out: torch.Tensor = _apply(_LogSoftmax, x, _xp._axes(axis, x.ndim))
    return out


def softmax(a: Any, axis: int | tuple[int, ...] | None = None) -> torch.Tensor:
    _, (x,) = _xp.inputs("softmax", a)
    if x.numel() == 0:
        return x
    out: torch.Tensor = _apply(_Softmax, x, _xp._axes(axis, x.ndim))
    return out


class _Cumulative(torch.autograd.Function):
    """Running log-sum-exp along the last axis."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        if _numpy_forward(x):
            y = _on_numpy("logcumsumexp", x, axis=-1)
        else:
            y = _xp.scan_logcumsumexp(_xp_namespace(x), x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Any:
        x, y = ctx.saved_tensors
        xp = _xp_namespace(x)
        decay, share = _xp.cumulative_shares(xp, x, y)
        # dx_i = b_i sum over j >= i of g_j exp(y_i - y_j): the recurrence run backwards.
        following = torch.cat([decay[..., 1:], torch.zeros_like(decay[..., :1])], dim=-1)
        backwards = _xp.linear_scan(xp, torch.flip(following, (-1,)), torch.flip(g, (-1,)))
        return share * torch.flip(backwards, (-1,))


def logcumsumexp(a: Any, axis: int | None = None) -> torch.Tensor:
    _, (x,) = _xp.inputs("logcumsumexp", a)
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    if x.ndim == 0:
        x = x.reshape(1)
    (ax,) = _xp._axes(axis, x.ndim)
    if x.shape[ax] == 0:
        return x
    out: torch.Tensor = _apply(_Cumulative, torch.movedim(x, ax, -1))
    return torch.movedim(out, -1, ax)


# ---------------------------------------------------------------------------
# Log-semiring matrix product
# ---------------------------------------------------------------------------


class _LogMatmulExp(torch.autograd.Function):
    """log(exp(x) @ exp(y)) of two stacks of matrices with one batch shape."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if _numpy_forward(x):
            out = _on_numpy("logmatmulexp", x, y)
        else:
            out = _xp.logmatmulexp_core(_xp_namespace(x), x, y)
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Any:
        x, y, out = ctx.saved_tensors
        xp = _xp_namespace(x)
        _, product, row_max, col_max = _xp.shifted_product(xp, x, y)
        flagged, nothing = _xp.flagged_entries(xp, x, y, product)
        exp_x, exp_y = torch.exp(x - row_max), torch.exp(y - col_max)
        # d C_ij / d x_ik = exp(x_ik + y_kj - C_ij) = E_x,ik E_y,kj / P_ij where P is trusted.
        scaled = torch.where(flagged | nothing, 0.0, g / torch.where(flagged | nothing, 1.0, product))
        grad_x = exp_x * (scaled @ exp_y.mT)
        grad_y = exp_y * (exp_x.mT @ scaled)
        if bool(flagged.any()):
            _add_exact_gradients(x, y, out, torch.where(flagged, g, 0.0), grad_x, grad_y)
        return grad_x, grad_y


def _add_exact_gradients(
    x: torch.Tensor, y: torch.Tensor, out: torch.Tensor, g: torch.Tensor, grad_x: torch.Tensor, grad_y: torch.Tensor
) -> None:
    """Add the gradient of the entries where ``g`` is nonzero from their exact terms, in row chunks."""
    n, k, p = x.shape[-2], x.shape[-1], y.shape[-1]
    rows = max(1, _xp._EXACT_CHUNK // max(1, k * p * max(1, math.prod(x.shape[:-2]))))
    for start in range(0, n, rows):
        part = slice(start, min(n, start + rows))
        terms = x[..., part, :, None] + y[..., None, :, :]
        weights = _weight(terms, out[..., part, None, :]) * g[..., part, None, :]
        grad_x[..., part, :] += weights.sum(dim=-1)
        grad_y += weights.sum(dim=-3)


def logmatmulexp(a: Any, b: Any, *, prepared_a: Any = None, prepared_b: Any = None) -> torch.Tensor:
    xp, (x, y) = _xp.inputs("logmatmulexp", a, b)
    x, y, vector_a, vector_b = _xp.matmul_operands(x, y)
    x, y = _xp.broadcast_batch(xp, x, y)
    if x.shape[-1] == 0:
        return _xp.finish_matmul(_xp.logmatmulexp_core(xp, x, y), vector_a, vector_b)
    out: torch.Tensor = _apply(_LogMatmulExp, x, y)
    return _xp.finish_matmul(out, vector_a, vector_b)
