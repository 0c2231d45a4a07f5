"""The interactive console of ``python -m logspace``, and its literal rule.

The rule: a float literal that Python would read as ``inf``, or as ``0``
although it has a nonzero digit (``1e-5000``, ``2e400``, ``3.5e-400``), is
read as the exact :class:`~logspace.LogFloat` of its decimal instead
(``LogFloat('1e-5000')``). Every other literal keeps its meaning: ``0.5``,
``1e300`` and subnormals such as ``5e-324`` (as numpy prints them) stay
floats, so numpy code keeps its floats. The rule works on tokens, so strings
and comments are never touched.

:func:`transform_source` applies the rule to source text. The plain console
(:class:`LogspaceConsole`) applies it to every input through its compile
hook; IPython applies it as an input transformer (see
:mod:`logspace._ipython`, loaded by ``%load_ext logspace``).

:func:`run` opens IPython when it is installed and standard input is a
terminal, else the standard console with tab completion and history as
``python3`` has them; both get the names of :func:`console_namespace` and
the banner.
"""

from __future__ import annotations

import code
import codeop
import io
import math
import os
import re
import sys
import tokenize
from types import CodeType
from typing import Any

__all__ = [
    "BANNER",
    "HISTORY_FILE",
    "LogspaceConsole",
    "banner",
    "console_namespace",
    "is_unrepresentable_float",
    "run",
    "transform_lines",
    "transform_source",
]

BANNER = """logspace {version}: log-domain numbers that do not underflow.
LogFloat, LogArray, fsum and the kernels (logsumexp, logaddexp, ...) are imported.
A float literal beyond float range is read as the exact LogFloat:
1e-5000 means LogFloat('1e-5000'), 2e400 means LogFloat('2e400');
other literals (0.5, 1e300, 5e-324) stay floats.
  >>> LogFloat('1e-5000') * 3
  >>> LogArray(np.full(1000, 1e-5)).prod()
  >>> logsumexp([0.0, -40.0])
"""

# The console's own history file (python3 keeps ~/.python_history).
HISTORY_FILE = "~/.logspace_history"

# What a replaced literal becomes: it names logspace itself, so it works in
# any namespace (IPython sessions where LogFloat was never imported, or where
# the name is bound to something else).
_REPLACEMENT = "__import__('logspace').LogFloat({text!r})"

_NONZERO_MANTISSA = re.compile(r"[1-9]")


def is_unrepresentable_float(literal: str) -> bool:
    """Whether a number literal is a float that Python reads as inf or as a spurious 0.

    Parameters
    ----------
    literal : str
        The text of one NUMBER token, such as ``'1e-5000'`` or ``'0x10'``.

    Returns
    -------
    bool
        True for a decimal float literal (not an int, not imaginary) whose
        value overflows to inf, or underflows to 0 although its mantissa has
        a nonzero digit.

    Examples
    --------
    >>> [is_unrepresentable_float(s) for s in ["1e-5000", "2e400", "0e-5000", "5e-324", "1e300", "10", "1e400j"]]
    [True, True, False, False, False, False, False]
    """
    text = literal.lower()
    if text.startswith(("0x", "0o", "0b")) or text.endswith("j") or not any(c in text for c in ".e"):
        return False
    value = float(text)
    if math.isinf(value):
        return True
    mantissa = text.split("e")[0]
    return value == 0.0 and _NONZERO_MANTISSA.search(mantissa) is not None


def transform_source(source: str) -> str:
    """Apply the literal rule to source text.

    Each float literal beyond float range (see
    :func:`is_unrepresentable_float`) becomes an exact LogFloat; all other
    text, strings and comments included, is kept character for character.
    Source that does not tokenize (an unfinished statement, say) is returned
    unchanged, for the compiler to judge.

    Parameters
    ----------
    source : str
        Python source, one statement or several.

    Returns
    -------
    str
        The source with the literals replaced.

    Examples
    --------
    >>> transform_source("x = 1e-5000 * 2  # 1e-5000")
    "x = __import__('logspace').LogFloat('1e-5000') * 2  # 1e-5000"
    >>> transform_source("y = [5e-324, '2e400', 0.5]")
    "y = [5e-324, '2e400', 0.5]"
    """
    replacements: list[tuple[int, int, str]] = []  # (row, column, literal), rows from 1
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NUMBER and is_unrepresentable_float(token.string):
                replacements.append((token.start[0], token.start[1], token.string))
    except (tokenize.TokenError, SyntaxError):  # unfinished input: the compiler decides
        return source
    if not replacements:
        return source
    lines = source.splitlines(keepends=True)
    # Replace from the end, so the earlier positions stay valid.
    for row, column, literal in reversed(replacements):
        line = lines[row - 1]
        lines[row - 1] = line[:column] + _REPLACEMENT.format(text=literal) + line[column + len(literal) :]
    return "".join(lines)


def transform_lines(lines: list[str]) -> list[str]:
    """The literal rule as an IPython input transformer (a cell's lines in, lines out).

    Parameters
    ----------
    lines : list of str
        The lines of one cell, with their line endings.

    Returns
    -------
    list of str
        The transformed lines.

    Examples
    --------
    >>> transform_lines(["a = 2e400\\n", "b = 2.5\\n"])
    ["a = __import__('logspace').LogFloat('2e400')\\n", 'b = 2.5\\n']
    """
    return transform_source("".join(lines)).splitlines(keepends=True)


class _TransformingCompiler(codeop.CommandCompiler):
    """The console's compiler: the literal rule, then Python's own."""

    def __call__(self, source: str, filename: str = "<input>", symbol: str = "single") -> CodeType | None:
        return super().__call__(transform_source(source), filename, symbol)


class LogspaceConsole(code.InteractiveConsole):
    """The standard interactive console, reading literals by the literal rule.

    Parameters
    ----------
    namespace : dict, optional
        The console's globals (default: :func:`console_namespace`).

    Examples
    --------
    >>> console = LogspaceConsole()
    >>> console.push("x = 1e-5000")
    False
    >>> console.locals["x"]
    LogFloat('1e-5000')
    """

    def __init__(self, namespace: dict[str, Any] | None = None) -> None:
        super().__init__(locals=console_namespace() if namespace is None else namespace)
        self.compile = _TransformingCompiler()


def console_namespace() -> dict[str, Any]:
    """The names both consoles start with: numpy as ``np``, logspace and its public names.

    Returns
    -------
    dict
        ``np``, ``logspace`` and every name of ``logspace.__all__`` but
        ``__version__``.

    Examples
    --------
    >>> sorted(name for name in console_namespace() if name.startswith("Log"))
    ['LogArray', 'LogFloat']
    """
    import numpy as np

    import logspace

    namespace: dict[str, Any] = {"np": np, "logspace": logspace}
    namespace.update({name: getattr(logspace, name) for name in logspace.__all__ if name != "__version__"})
    return namespace


def banner() -> str:
    """The banner both consoles show.

    Returns
    -------
    str
        :data:`BANNER` with logspace's version filled in.

    Examples
    --------
    >>> banner().splitlines()[0].endswith("log-domain numbers that do not underflow.")
    True
    """
    import logspace

    return BANNER.format(version=logspace.__version__)


def _ipython_available() -> bool:
    try:
        import IPython  # noqa: F401
    except ImportError:
        return False
    return True


def _run_ipython(namespace: dict[str, Any]) -> None:
    import IPython
    from traitlets.config import Config

    config = Config()
    config.TerminalInteractiveShell.banner2 = banner()
    config.InteractiveShellApp.extensions = ["logspace"]  # the literal rule (logspace._ipython)
    IPython.start_ipython(argv=[], config=config, user_ns=namespace)


def _enable_readline(namespace: dict[str, Any]) -> str | None:
    """Tab completion over ``namespace`` and a history file, as ``python3`` sets them up.

    Returns the history file's path, or None when readline is not available.
    """
    try:
        import readline
        import rlcompleter
    except ImportError:  # e.g. Windows without pyreadline: a console without completion
        return None
    readline.set_completer(rlcompleter.Completer(namespace).complete)
    if "libedit" in (readline.__doc__ or ""):  # macOS's readline is libedit
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")
    history = os.path.expanduser(HISTORY_FILE)
    try:
        readline.read_history_file(history)
    except OSError:  # first run, or unreadable: start an empty history
        pass
    return history


def _save_history(history: str) -> None:
    import readline

    try:
        readline.write_history_file(history)
    except OSError:  # a read-only home: the session just is not kept
        pass


def run() -> int:
    """Open the console: IPython when installed and stdin is a terminal, else the standard one.

    Reads standard input, so piped input works too (it goes to the standard
    console).

    Returns
    -------
    int
        The exit status, 0.

    Examples
    --------
    Piped into ``python -m logspace``, which calls it:

    >>> import subprocess, sys
    >>> command = [sys.executable, "-m", "logspace"]
    >>> session = subprocess.run(command, input="print(2e400 * 3)", capture_output=True, text=True)
    >>> session.stdout.split()  # the output between the prompts
    ['>>>', '6e+400', '>>>']

    """
    namespace = console_namespace()
    interactive = sys.stdin.isatty()
    if interactive and _ipython_available():
        _run_ipython(namespace)
        return 0
    history = _enable_readline(namespace) if interactive else None
    try:
        LogspaceConsole(namespace).interact(banner=banner(), exitmsg="")
    finally:
        if history is not None:
            _save_history(history)
    return 0
