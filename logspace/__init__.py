"""logspace: log-domain numbers that do not underflow.

The package is layered; this module only re-exports:

1. kernels (``_kernels``, ``_kernels_scalar``, ``_blocked``): pure functions on
   raw logs, the only place that knows numerical tricks;
2. text (``_text``): decimal formatting and parsing of (log, sign) pairs;
3. types (``_scalar``, ``_array``): ``LogFloat`` and ``LogArray``;
4. testing (``testing``): the mpmath reference and ulp-error measurement;
5. interfaces: the command line (``__main__``), the console (``_console``),
   the IPython extension (``_ipython``; ``%load_ext logspace`` finds the two
   functions below, which import it only when called) and
   :mod:`logspace.plotting` (imports matplotlib only when you import it).
"""

from typing import Any

from logspace import chain
from logspace._array import LogArray
from logspace._conversions import UnderflowWarning
from logspace._kernels import (
    log1mexp,
    log1pexp,
    log_softmax,
    logaddexp,
    logcumsumexp,
    logmatmulexp,
    logsubexp,
    logsumexp,
    maxmatmul,
    prepare_logmatmul,
    softmax,
)
from logspace._scalar import LogFloat, fsum, isclose

# The numpy function tables register LogFloat's handler for ufuncs beside
# arrays when imported (so that _scalar imports nothing from the array layer).
from logspace import _numpy_api  # noqa: F401  # isort: skip

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "chain",
    "LogArray",
    "LogFloat",
    "UnderflowWarning",
    "fsum",
    "isclose",
    "log1mexp",
    "log1pexp",
    "log_softmax",
    "logaddexp",
    "logcumsumexp",
    "logmatmulexp",
    "logsubexp",
    "logsumexp",
    "maxmatmul",
    "prepare_logmatmul",
    "softmax",
]


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext logspace``: read float literals beyond float range as exact LogFloats.

    See :func:`logspace._ipython.load_ipython_extension`.

    Parameters
    ----------
    shell : IPython.core.interactiveshell.InteractiveShell
        The shell that IPython passes.

    Returns
    -------
    None

    Examples
    --------
    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> shell = InteractiveShell.instance()
    >>> shell.run_line_magic("load_ext", "logspace")
    >>> shell.run_cell("x = 2e400 * 3").success
    True
    >>> shell.user_ns["x"]
    LogFloat('6e+400')
    >>> shell.run_line_magic("unload_ext", "logspace")
    """
    from logspace import _ipython

    _ipython.load_ipython_extension(shell)


def unload_ipython_extension(shell: Any) -> None:
    """``%unload_ext logspace``: undo :func:`load_ipython_extension`.

    Parameters
    ----------
    shell : IPython.core.interactiveshell.InteractiveShell
        The shell that IPython passes.

    Returns
    -------
    None

    Examples
    --------
    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> shell = InteractiveShell.instance()
    >>> shell.run_line_magic("load_ext", "logspace")
    >>> shell.run_line_magic("unload_ext", "logspace")
    >>> shell.run_cell("y = 1e-5000").success, shell.user_ns["y"]
    (True, 0.0)
    """
    from logspace import _ipython

    _ipython.unload_ipython_extension(shell)
