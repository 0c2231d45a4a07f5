"""Every numpy function of the LogArray table on torch- and JAX-backed LogArrays.

The cases are those of tests/test_numpy_api.py, one or more calls for every
function in ``logspace._numpy_api.FUNCTIONS``: each is run on LogArrays
whose logs (and signs) are torch tensors or JAX arrays, and on the same
numbers backed by numpy. The results must agree (float64, so within
rounding), and each log-domain result must stay in the library, as must the
boolean and integer arrays (comparisons, indices). A function the backend
cannot serve is listed in ``_numpy_api.DEVICE_REFUSED`` and must raise a
TypeError naming the function and the library. So every entry of the table
is either checked to work on each backend or checked to refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from test_numpy_api import CASES, Case, Ops, operands

from logspace import LogArray, LogFloat, _backends
from logspace import _numpy_api as api


def _torch() -> Any:
    return pytest.importorskip("torch")


def _jnp() -> Any:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    return jnp


LIBRARIES: dict[str, Callable[[Any], Any]] = {
    "torch": lambda a: _torch().asarray(a),
    "jax": lambda a: _jnp().asarray(a),
}


def _on_library(ops: Ops, library: str) -> Ops:
    """The same operands with the LogArrays' logs and signs in ``library`` (ndarrays stay ndarrays)."""
    make = LIBRARIES[library]
    moved = {}
    for key, value in vars(ops).items():
        if isinstance(value, LogArray):
            neg = value._neg
            moved[key] = LogArray._from_parts(make(value._log), None if neg is None else make(neg))
        else:
            moved[key] = value
    return Ops({k: v for k, v in moved.items() if k != "logdomain"}, True)


def _host(x: Any) -> Any:
    """A result on the host: LogArrays as numpy-backed ones, arrays as ndarrays, recursively."""
    if isinstance(x, LogArray):
        return x._on_host()
    if isinstance(x, (tuple, list)):
        return type(x)(_host(e) for e in x)
    if isinstance(x, (LogFloat, bool, int, float, str, type(None), np.dtype)):
        return x
    return np.asarray(x)


# Functions whose results are about shapes and dtypes, not values: plain Python or numpy on every backend.
HOST_RESULTS = {np.result_type, np.einsum_path, np.shape, np.ndim, np.size, np.diag_indices_from,
                np.tril_indices_from, np.triu_indices_from}  # fmt: skip


def _assert_in_library(got: Any, expected: Any, library: str) -> None:
    """``got`` keeps the library wherever the numpy-backed result is an array of any kind."""
    if isinstance(expected, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(expected)
        for g, e in zip(got, expected):
            _assert_in_library(g, e, library)
        return
    if isinstance(expected, (LogArray, LogFloat)):
        assert isinstance(got, LogArray), type(got)
        assert _backends.library(got._log) == library
        if got._neg is not None:
            assert _backends.library(got._neg) == library
    elif isinstance(expected, np.ndarray) or (isinstance(expected, np.generic) and not isinstance(expected, np.dtype)):
        assert _backends.library(got) == library, type(got)


def _assert_same(got: Any, expected: Any) -> None:
    if isinstance(expected, (tuple, list)):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            _assert_same(g, e)
        return
    if isinstance(expected, (LogArray, LogFloat)):
        expected = LogArray(expected) if isinstance(expected, LogFloat) else expected
        got = LogArray(got) if isinstance(got, LogFloat) else got
        assert isinstance(got, LogArray)
        assert got.shape == expected.shape
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got.log, expected.log, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(got.sign, expected.sign)
    elif isinstance(expected, (np.ndarray, np.generic)):
        got_arr = np.asarray(got)
        assert got_arr.shape == np.shape(expected)
        np.testing.assert_allclose(got_arr, expected, rtol=1e-12, atol=1e-12, equal_nan=True)
    else:
        assert got == expected


def _refused(func: Any, library: str) -> str | None:
    return api.DEVICE_REFUSED.get(library, {}).get(func)


def _first_case_of_each_function() -> list[Case]:
    seen: set[Any] = set()
    return [c for c in CASES if not (c.func in seen or seen.add(c.func))]


# torch runs every case; JAX the first case of every function (eager JAX compiles
# each kernel anew for every shape, seconds per case: the suite must stay fast).
RUNS = [("torch", c) for c in CASES] + [("jax", c) for c in _first_case_of_each_function()]


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize(("library", "c"), RUNS, ids=[f"{lib}-{c!r}" for lib, c in RUNS])
def test_function_on_backend_equals_numpy_backed(library: str, c: Case, signed: bool) -> None:
    LIBRARIES[library](np.zeros(1))  # skip where the library is missing
    logs, _ = operands(signed, np.float64)
    with np.errstate(all="ignore"):
        expected = c.run(logs)
    on_library = _on_library(operands(signed, np.float64)[0], library)
    reason = _refused(c.func, library)
    if reason is not None:
        with pytest.raises(TypeError, match=library) as info:
            c.run(on_library)
        assert api._public_name(c.func) in str(info.value)
        return
    got = c.run(on_library)
    if c.func not in HOST_RESULTS:
        _assert_in_library(got, expected, library)
    _assert_same(_host(got), _host(expected))


def test_every_function_runs_on_every_backend() -> None:
    for library in LIBRARIES:
        assert {c.func for lib, c in RUNS if lib == library} == set(api.FUNCTIONS), library
    assert set(api.DEVICE_REFUSED) == set(LIBRARIES)
    assert all(set(refused) <= set(api.FUNCTIONS) for refused in api.DEVICE_REFUSED.values())


LOGS = np.log(np.array([[0.1, 0.2, 0.3], [0.05, 0.25, 0.1]]))
# Functions that move or select elements, each followed by the log of the total.
MOVED: dict[str, Callable[[LogArray], Any]] = {
    "concatenate": lambda a: np.concatenate([a, a[:1]]).sum().log,
    "sort": lambda a: np.sort(a, axis=None).sum().log,
    "where": lambda a: np.where(a > 0.15, a, 0.0).sum().log,
    "flip_reshape": lambda a: np.reshape(np.flip(a, 1), (3, 2)).sum().log,
}


def _numeric_gradient(f: Callable[[LogArray], Any]) -> np.ndarray:
    eps, out = 1e-6, np.zeros_like(LOGS)
    for index in np.ndindex(*LOGS.shape):
        step = np.zeros_like(LOGS)
        step[index] = eps
        up, down = f(LogArray.from_log(LOGS + step)), f(LogArray.from_log(LOGS - step))
        out[index] = (float(up) - float(down)) / (2 * eps)
    return out


@pytest.mark.parametrize("name", sorted(MOVED))
def test_gradients_flow_through_moved_elements_torch(name: str) -> None:
    torch = _torch()
    t = torch.tensor(LOGS, requires_grad=True)
    MOVED[name](LogArray.from_log(t)).backward()
    np.testing.assert_allclose(t.grad.numpy(), _numeric_gradient(MOVED[name]), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(MOVED))
def test_gradients_flow_through_moved_elements_jax_under_jit(name: str) -> None:
    jax = pytest.importorskip("jax")
    jnp = _jnp()
    grad = jax.jit(jax.grad(MOVED[name]))(LogArray.from_log(jnp.asarray(LOGS)))
    np.testing.assert_allclose(np.asarray(grad.log), _numeric_gradient(MOVED[name]), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_refused_function_names_itself_and_the_library(library: str) -> None:
    a = LogArray.from_log(LIBRARIES[library](LOGS))
    with pytest.raises(TypeError, match=rf"numpy\.einsum .*{library}"):
        np.einsum("ij->i", a)


def _ufunc_operands(ufunc: np.ufunc, a: Any, b: Any) -> tuple[Any, ...]:
    """Operands of a ufunc: core-dimension ufuncs get a matrix and a vector, the rest elementwise arrays."""
    if ufunc is np.matmul:
        return a, b.T
    if ufunc.__name__ == "vecmat":
        return a[:, 0], b
    if ufunc.signature is not None:
        return a, b[0]
    return (a, b) if ufunc.nin == 2 else (a,)


UFUNCS = sorted((u for u in api.UFUNCS if u is not np.exp), key=lambda u: u.__name__)


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize("ufunc", UFUNCS, ids=lambda u: u.__name__)
@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_ufunc_on_backend_equals_numpy_backed(library: str, ufunc: np.ufunc, signed: bool) -> None:
    """Every ufunc of the table (np.exp is refused on every backend alike)."""
    make = LIBRARIES[library]
    rng = np.random.default_rng(4)
    logs, signs, other = rng.normal(size=(3, 4)), np.where(rng.random((3, 4)) < 0.4, -1.0, 1.0), rng.normal(size=(3, 4))
    a_np = LogArray.from_log(logs, signs if signed else None)
    a = LogArray.from_log(make(logs), make(signs) if signed else None)
    b_np, b = LogArray.from_log(other), LogArray.from_log(make(other))
    with np.errstate(all="ignore"):
        expected = ufunc(*_ufunc_operands(ufunc, a_np, b_np))
    got = ufunc(*_ufunc_operands(ufunc, a, b))
    _assert_in_library(got, expected, library)
    _assert_same(_host(got), _host(expected))
