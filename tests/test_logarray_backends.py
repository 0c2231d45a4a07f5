"""LogArrays whose logs are torch tensors or JAX arrays.

Every operation is compared with the numpy-backed LogArray on the same data
(float64 throughout, so within float64 rounding: the kernels share their
algorithms), and must keep the library, the device and 0-d results in that
library. Gradients are checked against the analytic ones (softmax weights
for a log-sum-exp), and JAX's transformations (jit, vmap, grad) against the
untransformed results. Each library is skipped where it is not installed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from logspace import LogArray, LogFloat, _backends


def _torch() -> Any:
    return pytest.importorskip("torch")


def _jnp() -> Any:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    return jnp


# Each library: how to make one of its arrays from an ndarray.
LIBRARIES: dict[str, Callable[[Any], Any]] = {
    "torch": lambda a: _torch().asarray(a),
    "jax": lambda a: _jnp().asarray(a),
}

RNG = np.random.default_rng(13)
LOGS = RNG.normal(size=(3, 4)) * 3.0
LOGS[0, 1] = -np.inf  # a zero
OTHER = RNG.normal(size=(3, 4))
SIGNS = np.where(RNG.random((3, 4)) < 0.4, -1.0, 1.0)
SIGNS[0, 1] = 0.0


def _host(x: Any) -> Any:
    """A result as numpy: LogArrays through their numpy twins, arrays as ndarrays."""
    if isinstance(x, LogArray):
        return x._on_host()
    return np.asarray(x)


def _assert_like(result: Any, expected: Any, library: str) -> None:
    """``result`` is in ``library`` (a LogArray with its logs there, or its array) and equals ``expected``."""
    if isinstance(expected, LogFloat):
        expected = LogArray(expected)
    if isinstance(expected, LogArray):
        assert isinstance(result, LogArray)
        assert _backends.library(result.log) == library
        assert tuple(result.shape) == expected.shape
        assert result.signed == expected.signed or not expected.signed
        got = result._on_host()
        np.testing.assert_allclose(got.log, expected.log, rtol=1e-13, atol=1e-13)
        np.testing.assert_array_equal(got.sign, expected.sign)
    else:
        assert _backends.library(result) == library
        np.testing.assert_array_equal(np.asarray(result), np.asarray(expected))


def _pair(library: str, signed: bool) -> tuple[LogArray, LogArray]:
    """The same LogArray, backed by ``library`` and by numpy."""
    make = LIBRARIES[library]
    if signed:
        return LogArray.from_log(make(LOGS), make(SIGNS)), LogArray.from_log(LOGS, SIGNS)
    return LogArray.from_log(make(LOGS)), LogArray.from_log(LOGS)


OPERATIONS: dict[str, Callable[[Any, Any], Any]] = {
    "mul": lambda a, b: a * b,
    "mul_scalar": lambda a, b: a * 2.5,
    "rmul_logfloat": lambda a, b: LogFloat("1e-400") * a,
    "div": lambda a, b: a / b,
    "rdiv_scalar": lambda a, b: 3.0 / a,
    "add": lambda a, b: a + b,
    "add_scalar": lambda a, b: a + 0.5,
    "sub": lambda a, b: a - b,
    "rsub_scalar": lambda a, b: 1.0 - a,
    "pow": lambda a, b: a**3,
    "pow_half": lambda a, b: abs(a) ** 0.5,
    "rpow": lambda a, b: 2.0**a,
    "neg": lambda a, b: -a,
    "abs": lambda a, b: abs(a),
    "gt": lambda a, b: a > b,
    "le_scalar": lambda a, b: a <= 0.5,
    "eq": lambda a, b: a == a,
    "ne": lambda a, b: a != b,
    "index_int": lambda a, b: a[1, 2],
    "index_row": lambda a, b: a[1],
    "index_slice": lambda a, b: a[:, 1:3],
    "sum": lambda a, b: a.sum(),
    "sum_axis": lambda a, b: a.sum(axis=0),
    "sum_keepdims": lambda a, b: a.sum(axis=1, keepdims=True),
    "prod": lambda a, b: a.prod(),
    "prod_axis": lambda a, b: a.prod(axis=1),
    "max": lambda a, b: a.max(),
    "max_axis": lambda a, b: a.max(axis=1),
    "min_axis": lambda a, b: a.min(axis=0),
    "mean": lambda a, b: a.mean(),
    "mean_axis": lambda a, b: a.mean(axis=1),
    "matmul": lambda a, b: a @ b.T,
    "matvec": lambda a, b: a @ b[0],
    "normalize": lambda a, b: abs(a).normalize(axis=1),
    "normalize_signed": lambda a, b: a.normalize(),
    "cumsum": lambda a, b: a.cumsum(axis=1),
    "transpose": lambda a, b: a.T,
    "reshape": lambda a, b: a.reshape(4, 3),
    "copy": lambda a, b: a.copy(),
    "sign": lambda a, b: a.sign,
    "maximum": lambda a, b: np.maximum(a, b),
    "minimum": lambda a, b: np.minimum(a, 0.5),
    "isfinite": lambda a, b: np.isfinite(a),
    "isnan": lambda a, b: np.isnan(a),
    # methods beyond arithmetic (the numpy functions: tests/test_numpy_api_backends.py)
    "sort_method": lambda a, b: _sorted_copy(a, axis=1),
    "sort_method_axis0": lambda a, b: _sorted_copy(a, axis=0),
    "argsort": lambda a, b: a.argsort(),
    "argsort_flat": lambda a, b: a.argsort(axis=None),
    "argmax": lambda a, b: a.argmax(),
    "argmax_axis": lambda a, b: a.argmax(axis=1),
    "argmin_keepdims": lambda a, b: a.argmin(axis=0, keepdims=True),
    "argpartition_kth": lambda a, b: np.take_along_axis(a, a.argpartition(2, axis=1), axis=1)[:, 2],
    "max_keepdims": lambda a, b: a.max(axis=(0, 1), keepdims=True),
    "reshape_order_f": lambda a, b: a.reshape(2, 6, order="F"),
    "flatten": lambda a, b: a.flatten(),
    "ravel_order_f": lambda a, b: a.ravel(order="F"),
    "squeeze": lambda a, b: a[None, :, None].squeeze(),
    "squeeze_axis": lambda a, b: a[None].squeeze(axis=0),
    "astype_float32": lambda a, b: a.astype(np.float32),
    "cumprod": lambda a, b: a.cumprod(axis=1),
    "cumprod_flat": lambda a, b: a.cumprod(),
    "take": lambda a, b: a.take([0, 5, 7]),
    "take_axis": lambda a, b: a.take([2, 0], axis=1),
    "any_axis": lambda a, b: a.any(axis=1),
    "all": lambda a, b: a.all(),
}


def _sorted_copy(a: LogArray, axis: int) -> LogArray:
    out = a.copy()
    out.sort(axis=axis)
    return out


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize("name", sorted(OPERATIONS))
@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_operations_equal_numpy_and_stay_in_library(library: str, name: str, signed: bool) -> None:
    a, a_np = _pair(library, signed)
    b = LogArray.from_log(LIBRARIES[library](OTHER))
    b_np = LogArray.from_log(OTHER)
    with np.errstate(divide="ignore", invalid="ignore"):  # numpy signals x / 0; the others are silent
        expected = OPERATIONS[name](a_np, b_np)
    result = OPERATIONS[name](a, b)
    _assert_like(result, expected, library)


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_mixing_with_numpy_logarray_follows_the_device_operand(library: str) -> None:
    a, a_np = _pair(library, signed=False)
    b_np = LogArray.from_log(OTHER)
    _assert_like(a * b_np, a_np * b_np, library)
    _assert_like(b_np + a, b_np + a_np, library)


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_full_reduction_and_element_are_zero_d_logarrays_not_logfloats(library: str) -> None:
    a, _ = _pair(library, signed=True)
    for result in (a.sum(), a.prod(), a.max(), a[0, 0], a.mean()):
        assert isinstance(result, LogArray)
        assert result.ndim == 0
        assert _backends.library(result.log) == library


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_linear_values_take_the_libraries_log(library: str) -> None:
    values = np.array([0.25, -3.0, 0.0, 7.5])
    a = LogArray(LIBRARIES[library](values))
    assert _backends.library(a.log) == library
    assert a.signed
    np.testing.assert_allclose(a.to_numpy(), values, rtol=1e-15)
    unsigned = LogArray(LIBRARIES[library](np.abs(values)))
    assert not unsigned.signed


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_to_numpy_repr_and_asarray_move_to_the_host(library: str) -> None:
    a, a_np = _pair(library, signed=True)
    np.testing.assert_array_equal(a.to_numpy(), a_np.to_numpy())
    np.testing.assert_array_equal(np.asarray(a), np.asarray(a_np))
    assert repr(a) == repr(a_np)[:-1] + f", backend={library!r})"
    assert str(a) == str(a_np)
    assert a[0, 2].item() == a_np[0, 2]


def test_torch_keeps_dtype_and_device() -> None:
    torch = _torch()
    t = torch.tensor(LOGS, dtype=torch.float32)
    a = LogArray.from_log(t)
    out = (a * a + 1.0).sum(axis=0)
    assert out.log.dtype == torch.float32
    assert out.log.device == t.device
    assert a.log is t  # no copy


def test_torch_sum_gradient_is_softmax_weights() -> None:
    torch = _torch()
    t = torch.tensor(LOGS[1], requires_grad=True)
    LogArray.from_log(t).sum().log.backward()
    weights = np.exp(LOGS[1] - np.logaddexp.reduce(LOGS[1]))
    np.testing.assert_allclose(t.grad.numpy(), weights, rtol=1e-14)


def test_torch_gradient_through_arithmetic_and_matmul() -> None:
    torch = _torch()
    t = torch.tensor(LOGS[1:], requires_grad=True)
    u = torch.tensor(OTHER[:, :2])
    # log of sum_ij (x_ij * 2 + 1) @ e^u ... : the gradient of its log against finite differences
    def f(logs: Any) -> Any:
        a = LogArray.from_log(logs)
        return ((a * 2.0 + 1.0) @ LogArray.from_log(torch.asarray(OTHER.T[:, :2]) + u[:, :0].sum())).sum().log

    f(t).backward()
    eps = 1e-6
    numeric = np.zeros_like(LOGS[1:])
    for index in np.ndindex(*numeric.shape):
        step = torch.zeros_like(t)
        step[index] = eps
        numeric[index] = (f(t.detach() + step) - f(t.detach() - step)).item() / (2 * eps)
    np.testing.assert_allclose(t.grad.numpy(), numeric, rtol=1e-6, atol=1e-9)


def test_torch_in_place_writes_through() -> None:
    torch = _torch()
    t = torch.tensor(LOGS)
    a = LogArray.from_log(t)
    view = a[0]
    a *= 2.0
    a += 1.0
    expected = LogArray.from_log(LOGS) * 2.0 + 1.0
    _assert_like(a, expected, "torch")
    assert a.log is t  # written into the same tensor
    _assert_like(view, expected[0], "torch")  # views see it
    a[1, 1] = 0.5
    assert float(t[1, 1]) == math.log(0.5)
    with pytest.raises(TypeError, match="unsigned"):
        a -= 10.0
    with pytest.raises(ValueError, match="unsigned"):
        a[0, 0] = -1.0


def test_jax_in_place_rebinds() -> None:
    jnp = _jnp()
    logs = jnp.asarray(LOGS)
    a = LogArray.from_log(logs)
    a *= 2.0
    a += 1.0
    _assert_like(a, LogArray.from_log(LOGS) * 2.0 + 1.0, "jax")
    np.testing.assert_array_equal(np.asarray(logs), LOGS)  # the original JAX array is untouched
    a[1, 1] = 0.5
    assert float(a.log[1, 1]) == math.log(0.5)
    s = LogArray.from_log(logs, jnp.asarray(SIGNS))
    s -= 10.0
    _assert_like(s, LogArray.from_log(LOGS, SIGNS) - 10.0, "jax")


def test_jax_jit_takes_and_returns_logarrays() -> None:
    jax = pytest.importorskip("jax")
    jnp = _jnp()
    for signed in (False, True):
        a, a_np = _pair("jax", signed)

        @jax.jit
        def step(x: LogArray) -> tuple[LogArray, LogArray]:
            return (x * x + 1.0).sum(axis=1), x - 0.25

        total, difference = step(a)
        _assert_like(total, (a_np * a_np + 1.0).sum(axis=1), "jax")
        # Under jit whether some y > x is not known: the difference is signed, with the same values.
        assert difference.signed
        np.testing.assert_allclose(difference.to_numpy(), (a_np - 0.25).to_numpy(), rtol=1e-13)
        assert isinstance(jnp.asarray(total.log), jax.Array)


def test_jax_vmap_maps_over_the_logs() -> None:
    jax = pytest.importorskip("jax")
    a, a_np = _pair("jax", signed=True)
    rows = jax.vmap(lambda x: x.sum())(a)
    _assert_like(rows, a_np.sum(axis=1), "jax")


def test_jax_grad_of_log_sum_is_softmax_weights_in_the_logs_leaf() -> None:
    jax = pytest.importorskip("jax")
    a, _ = _pair("jax", signed=False)
    grad = jax.grad(lambda x: x.sum().log)(a)
    assert isinstance(grad, LogArray)
    finite = np.where(np.isfinite(LOGS), LOGS, -np.inf)
    weights = np.exp(finite - np.logaddexp.reduce(finite.reshape(-1)))
    np.testing.assert_allclose(np.asarray(grad.log), weights, rtol=1e-13, atol=1e-300)


def test_jax_pytree_leaves() -> None:
    jax = pytest.importorskip("jax")
    a, _ = _pair("jax", signed=True)
    leaves, tree = jax.tree_util.tree_flatten(a)
    assert len(leaves) == 2 and leaves[1].dtype == bool
    back = jax.tree_util.tree_unflatten(tree, leaves)
    assert back.log is a.log and back.signed
    assert len(jax.tree_util.tree_leaves(_pair("jax", signed=False)[0])) == 1


SIGNED_LOGS, SIGNED_SIGNS = np.log([0.1, 0.2, 0.7]), np.array([1.0, -1.0, 1.0])
# d log|sum s_i x_i| / d log x_j = s_j x_j / sum s_i x_i
SIGNED_WEIGHTS = SIGNED_SIGNS * np.exp(SIGNED_LOGS) / 0.6


def test_torch_signed_sum_gradient_is_signed_weights() -> None:
    torch = _torch()
    t = torch.tensor(SIGNED_LOGS, requires_grad=True)
    LogArray.from_log(t, torch.tensor(SIGNED_SIGNS)).sum().log.backward()
    np.testing.assert_allclose(t.grad.numpy(), SIGNED_WEIGHTS, rtol=1e-14)


def test_jax_signed_sum_gradient_is_signed_weights() -> None:
    jax = pytest.importorskip("jax")
    jnp = _jnp()
    a = LogArray.from_log(jnp.asarray(SIGNED_LOGS), jnp.asarray(SIGNED_SIGNS))
    grad = jax.grad(lambda v: v.sum().log, allow_int=True)(a)  # the signs are a boolean leaf
    np.testing.assert_allclose(np.asarray(grad.log), SIGNED_WEIGHTS, rtol=1e-14)


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_logs_in_bases_stay_in_library(library: str) -> None:
    a, a_np = _pair(library, signed=True)
    with np.errstate(invalid="ignore"):  # numpy signals the log of a negative number
        for got, expected in ((np.log(a), np.log(a_np)), (a.log10(), a_np.log10()), (a.log2(), a_np.log2())):
            assert _backends.library(got) == library
            np.testing.assert_allclose(np.asarray(got), expected, rtol=4e-16)


def test_torch_cuda_logs_stay_on_the_gpu() -> None:
    torch = _torch()
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    a = LogArray.from_log(torch.tensor(LOGS, device="cuda"), torch.tensor(SIGNS, device="cuda"))
    a_np = LogArray.from_log(LOGS, SIGNS)
    for result, expected in ((a * 2.0 + 1.0, a_np * 2.0 + 1.0), (a.sum(axis=1), a_np.sum(axis=1)), (a @ a.T, a_np @ a_np.T)):
        assert result.log.device.type == "cuda"
        _assert_like(result, expected, "torch")


FULL_REDUCTION_INPUTS = [
    RNG.normal(size=1000) * 30.0,
    np.array([0.0, -40.0]),
    np.array([-np.inf, -np.inf]),
    np.array([np.nan, 1.0]),
    np.array([np.inf, 1.0]),
    np.array([750.0, 0.0]),
    RNG.normal(size=(3, 4)),
]


@pytest.mark.parametrize("dtype_name", ["float64", "float32"])
@pytest.mark.parametrize("index", range(len(FULL_REDUCTION_INPUTS)))
def test_torch_full_logsumexp_fast_path_equals_numpy_kernel_bit_for_bit(index: int, dtype_name: str) -> None:
    """The full reduction of a CPU tensor skips the kernel's axis handling: same bits as numpy's kernel."""
    torch = _torch()
    import logspace
    from logspace import _kernels

    t = torch.asarray(FULL_REDUCTION_INPUTS[index]).to(getattr(torch, dtype_name))
    expected = np.asarray(_kernels.logsumexp(t.numpy()))
    got = logspace.logsumexp(t)
    assert got.dtype == t.dtype and got.shape == ()
    np.testing.assert_array_equal(got.numpy(), expected)
    kept = logspace.logsumexp(t, keepdims=True)
    assert tuple(kept.shape) == (1,) * t.ndim
    np.testing.assert_array_equal(kept.numpy().reshape(()), expected)


def test_one_block_shifted_sum_is_the_plain_shifted_sum() -> None:
    """shifted_sum_1d's one-block shortcut (no error state) sums exactly the shifted terms but the first maximum."""
    from logspace import _blocked

    x = RNG.normal(size=3000) * 10.0
    k = int(np.argmax(x))
    terms = np.exp(x - x[k])
    terms[k] = 0.0
    assert _blocked.shifted_sum_1d(x) == (float(x[k]), float(terms.sum()))
