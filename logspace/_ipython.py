"""The IPython extension: ``%load_ext logspace`` in any IPython session or notebook.

Loading it adds the console's literal rule (see :mod:`logspace._console`) to
the shell's input transformers, so ``1e-5000`` in a cell is the exact
``LogFloat('1e-5000')`` rather than ``0.0``; ``%unload_ext logspace`` removes
it. ``python -m logspace`` loads it into its IPython console. Nothing here
imports IPython: the shell is handed in.
"""

from __future__ import annotations

from typing import Any

from logspace._console import transform_lines

__all__ = ["load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(shell: Any) -> None:
    """Read float literals beyond float range as exact LogFloats in ``shell``.

    Loading twice adds the rule once.

    Parameters
    ----------
    shell : IPython.core.interactiveshell.InteractiveShell
        The shell that ``%load_ext logspace`` passes.

    Returns
    -------
    None

    Examples
    --------
    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> shell = InteractiveShell.instance()
    >>> load_ipython_extension(shell)
    >>> shell.run_cell("x = 1e-5000").success
    True
    >>> shell.user_ns["x"]
    LogFloat('1e-5000')
    >>> unload_ipython_extension(shell)
    """
    if transform_lines not in shell.input_transformers_post:
        shell.input_transformers_post.append(transform_lines)


def unload_ipython_extension(shell: Any) -> None:
    """Remove what :func:`load_ipython_extension` added to ``shell``.

    Parameters
    ----------
    shell : IPython.core.interactiveshell.InteractiveShell
        The shell that ``%unload_ext logspace`` passes.

    Returns
    -------
    None

    Examples
    --------
    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> shell = InteractiveShell.instance()
    >>> load_ipython_extension(shell)
    >>> unload_ipython_extension(shell)
    >>> shell.run_cell("y = 1e-5000").success, shell.user_ns["y"]
    (True, 0.0)
    """
    while transform_lines in shell.input_transformers_post:
        shell.input_transformers_post.remove(transform_lines)
