"""Notebook display of LogArray: HTML, IPython's pretty printer and LaTeX.

The functions take a LogArray's raw parts, its logs and its negative flags
(None for an unsigned array; the dtype is that of the logs), and format each
value from its (log, sign) pair with :mod:`logspace._text`, so values far
beyond float range print as decimals (``1.5 × 10^-5000``), never as 0 or
inf. Large arrays are summarised as numpy summarises them (its
``threshold`` and ``edgeitems`` print options): only the first and last
``edgeitems`` entries along each axis, with an ellipsis between. A lazy
(dask-backed) array is described from its metadata only; nothing is
computed.

LogArray's ``_repr_html_``, ``_repr_pretty_`` and ``_repr_latex_`` delegate
here; a LogFloat's own display lives in :mod:`logspace._scalar`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import numpy as np

from logspace import _backends, _text

__all__ = ["LATEX_MAX_SIZE", "html_table", "latex", "pretty_text", "shown_indices"]

# The largest array that _repr_latex_ writes out (a bigger one has no LaTeX,
# and notebooks fall back to HTML).
LATEX_MAX_SIZE = 64

_ELLIPSIS = None  # marks the gap of a summarised axis in shown_indices


def shown_indices(length: int, summarise: bool) -> list[int | None]:
    """The indices along one axis that a display shows, None for the ellipsis.

    Parameters
    ----------
    length : int
        The axis length.
    summarise : bool
        Whether the array is summarised (numpy: its size exceeds the
        ``threshold`` print option).

    Returns
    -------
    list of int or None
        All indices, or the first and last ``edgeitems`` with None between.

    Examples
    --------
    >>> shown_indices(4, True), shown_indices(10, True), shown_indices(10, False)[-1]
    ([0, 1, 2, 3], [0, 1, 2, None, 7, 8, 9], 9)
    """
    edge = int(np.get_printoptions()["edgeitems"])
    if summarise and length > 2 * edge:
        return [*range(edge), _ELLIPSIS, *range(length - edge, length)]
    return list(range(length))


def _is_summarised(log: Any) -> bool:
    return int(np.size(log)) > int(np.get_printoptions()["threshold"])


def _element(log: Any, neg: Any, index: tuple[int, ...], formatter: Callable[[float, int], str]) -> str:
    value = float(log[index])
    negative = neg is not None and bool(neg[index])
    sign = 0 if value == -np.inf else (-1 if negative and value == value else 1)
    return formatter(value, sign)


def _describe(log: Any, neg: Any) -> str:
    signed = "signed" if neg is not None else "unsigned (no negative values)"
    return f"shape={tuple(log.shape)}, dtype={log.dtype}, {signed}"


def _lazy_description(log: Any, neg: Any) -> str:
    from logspace import _dask  # only reached for a dask array, so dask is imported

    return str(_dask.describe(log, neg))


def pretty_text(log: Any, neg: Any) -> str:
    """The text of IPython's pretty printer (``_repr_pretty_``).

    Like numpy's repr, summarised like it; each value written as
    :func:`logspace._text.format_pretty` writes a LogFloat.

    Parameters
    ----------
    log : ndarray
        The natural logs of the magnitudes.
    neg : ndarray of bool or None
        Which values are negative; None for an unsigned array.

    Returns
    -------
    str

    Examples
    --------
    >>> from logspace import LogArray
    >>> a = LogArray(["1.5e-5000", "0.25", "0"])
    >>> print(pretty_text(a.log, None))
    LogArray([1.5 × 10^-5000, 0.25, 0])
    """
    if _backends.is_lazy(log):
        return _lazy_description(log, neg)
    prefix = "LogArray("
    if log.size == 0:
        return f"{prefix}[], {_describe(log, neg)})"
    flat_log = log.reshape(-1)
    flat_neg = None if neg is None else neg.reshape(-1)
    texts: dict[int, str] = {}

    def text(i: Any) -> str:
        i = int(i)
        if i not in texts:
            texts[i] = _element(flat_log, flat_neg, (i,), _text.format_pretty)
        return texts[i]

    index = np.arange(log.size).reshape(log.shape)
    # Two passes, as numpy aligns columns: format the shown values, then pad them.
    np.array2string(index, formatter={"int": text})
    width = max(map(len, texts.values()))
    body = np.array2string(
        index, separator=", ", prefix=prefix, formatter={"int": lambda i: texts[int(i)].rjust(width)}
    )
    return prefix + body + ")"


def html_table(log: Any, neg: Any) -> str:
    """HTML for notebooks (``_repr_html_``): shape, dtype, signedness and the values.

    Arrays of up to two dimensions are a table (a 1-d array one row); higher
    ones show the pretty-printed text. Summarised like numpy.

    Parameters
    ----------
    log : ndarray
        The natural logs of the magnitudes.
    neg : ndarray of bool or None
        Which values are negative; None for an unsigned array.

    Returns
    -------
    str

    Examples
    --------
    >>> from logspace import LogArray
    >>> a = LogArray(["1.5e-5000", "-0.25"])
    >>> out = html_table(a.log, a.sign < 0)
    >>> out[: out.index("<table>")]
    '<div class="logspace-logarray"><p><b>LogArray</b> shape=(2,), dtype=float64, signed</p>'
    >>> out[out.index("<table>") :]
    '<table><tr><td>1.5 &times; 10<sup>-5000</sup></td><td>-0.25</td></tr></table></div>'
    """
    if _backends.is_lazy(log):
        return f"<pre>{html.escape(_lazy_description(log, neg))}</pre>"
    header = f"<p><b>LogArray</b> {html.escape(_describe(log, neg))}</p>"
    if log.ndim > 2:
        body = f"<pre>{html.escape(pretty_text(log, neg))}</pre>"
    elif log.size == 0:
        body = "<p>(no values)</p>"
    else:
        matrix = _as_matrix(log)
        body = _table(matrix, None if neg is None else neg.reshape(matrix.shape), _is_summarised(log))
    return f'<div class="logspace-logarray">{header}{body}</div>'


def _as_matrix(values: Any) -> Any:
    """A 1-d array as one row, a 2-d one as it is."""
    return values.reshape((1,) * (2 - values.ndim) + values.shape)


def _table(log: Any, neg: Any, summarise: bool) -> str:
    rows = []
    for i in shown_indices(log.shape[0], summarise):
        cells = []
        for j in shown_indices(log.shape[1], summarise):
            if i is None or j is None:
                cells.append("<td>&hellip;</td>")
            else:
                cells.append(f"<td>{_element(log, neg, (i, j), _text.format_html)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def latex(log: Any, neg: Any) -> str | None:
    r"""LaTeX for notebooks (``_repr_latex_``), for arrays of at most :data:`LATEX_MAX_SIZE` values.

    A 0-d array is its value, a 1-d array a row vector, a 2-d array a matrix.

    Parameters
    ----------
    log : ndarray
        The natural logs of the magnitudes.
    neg : ndarray of bool or None
        Which values are negative; None for an unsigned array.

    Returns
    -------
    str or None
        ``$...$`` math, or None (no LaTeX) for larger, higher-dimensional or
        lazy arrays.

    Examples
    --------
    >>> from logspace import LogArray
    >>> latex(LogArray([["1.5e-5000", "0.25"], ["1", "0"]]).log, None)
    '$\\begin{bmatrix} 1.5 \\times 10^{-5000} & 0.25 \\\\ 1 & 0 \\end{bmatrix}$'
    """
    if _backends.is_lazy(log) or log.ndim > 2 or log.size > LATEX_MAX_SIZE:
        return None
    if log.ndim == 0:
        return "$" + _element(log, neg, (), _text.format_latex) + "$"
    matrix = _as_matrix(log)
    signs = None if neg is None else neg.reshape(matrix.shape)
    rows = [
        " & ".join(_element(matrix, signs, (i, j), _text.format_latex) for j in range(matrix.shape[1]))
        for i in range(matrix.shape[0])
    ]
    return "$\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}$"
