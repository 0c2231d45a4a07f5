"""The one place that loads logspace's optional C extensions.

A compiled module is used only when it was built (``pip install .`` builds it
where a C compiler exists) and the environment variable
``LOGSPACE_PURE_PYTHON`` is unset or ``0``. Otherwise :func:`load` returns None
and the caller runs its numpy fallback, which is also the compiled code's test
oracle.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

#: Setting this environment variable to 1 turns every C extension off.
PURE_PYTHON_VARIABLE = "LOGSPACE_PURE_PYTHON"

#: Every compiled module (setup.py builds them), with what it speeds up.
EXTENSIONS = {
    "_c_chain": "logspace.chain recursions",
    "_c_maxplus": "maxmatmul",
    "_c_convert": "conversions between values and logs",
}


def disabled() -> bool:
    """Whether the user turned the compiled code off (``LOGSPACE_PURE_PYTHON=1``).

    >>> isinstance(disabled(), bool)
    True
    """
    return os.environ.get(PURE_PYTHON_VARIABLE, "0") not in ("", "0")


def load(name: str) -> ModuleType | None:
    """The compiled module ``logspace.<name>``, or None where it is off or not built.

    >>> load("_no_such_extension") is None
    True
    """
    if disabled():
        return None
    try:
        return importlib.import_module(f"logspace.{name}")
    except ImportError:
        return None


def active_path(name: str) -> str:
    """``'compiled'`` or ``'numpy fallback'``, for ``python -m logspace --version``.

    >>> active_path("_no_such_extension")
    'numpy fallback'
    """
    return "compiled" if load(name) is not None else "numpy fallback"


def summary() -> str:
    """Which path each compiled module takes, for ``python -m logspace --version``.

    >>> summary().startswith("logspace.chain recursions: ")
    True
    """
    return "; ".join(f"{what}: {active_path(name)}" for name, what in EXTENSIONS.items())
