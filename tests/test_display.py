"""Notebook display of LogArray: _repr_html_, _repr_pretty_, _repr_latex_ (logspace._display)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from logspace import LogArray, LogFloat, _text

pretty = pytest.importorskip("IPython.lib.pretty").pretty


def cells(html: str) -> list[str]:
    return re.findall(r"<td>(.*?)</td>", html)


def test_html_shows_shape_dtype_signedness_and_values_beyond_float_range():
    a = LogArray([["1.5e-5000", "-2e400"], ["0.25", "0"]])
    html = a._repr_html_()
    assert "shape=(2, 2)" in html and "dtype=float64" in html and "signed" in html
    assert cells(html) == ["1.5 &times; 10<sup>-5000</sup>", "-2 &times; 10<sup>400</sup>", "0.25", "0"]
    assert "unsigned" in LogArray([0.5])._repr_html_()


def test_html_values_are_logfloats_html():
    values = ["3.14159e-300000", "-1e-5", "nan", "inf", "7"]
    a = LogArray(values)
    assert cells(a._repr_html_()) == [LogFloat(v)._repr_html_() for v in values]


def test_html_of_float32_and_one_dimensional_arrays():
    a = LogArray(["1e-5000", "1"], dtype=np.float32)
    html = a._repr_html_()
    assert "dtype=float32" in html and html.count("<tr>") == 1 and len(cells(html)) == 2


def test_big_arrays_are_summarised_like_numpy():
    a = LogArray.from_log(-np.arange(10**6, dtype=np.float64).reshape(1000, 1000) * 1000.0)
    edge = np.get_printoptions()["edgeitems"]
    html = a._repr_html_()
    shown = cells(html)
    assert len(shown) == (2 * edge + 1) ** 2
    assert shown.count("&hellip;") == 4 * edge + 1
    last = a[-1, -1]
    assert shown[-1] == _text.format_html(last.log, 1) and "10<sup>-434294" in shown[-1]
    text = pretty(a)
    assert "..." in text and text.count("[") == 1 + 2 * edge  # the outer bracket and the rows shown
    assert a._repr_latex_() is None


def test_summary_follows_numpy_print_options():
    a = LogArray(np.full(20, 0.5))
    with np.printoptions(threshold=10, edgeitems=2):
        assert len(cells(a._repr_html_())) == 5
    assert len(cells(a._repr_html_())) == 20


def test_pretty_is_aligned_like_numpy_and_uses_logfloats_text():
    a = LogArray([["1.5e-5000", "0.25"], ["1", "-3e+400"]])
    width = len("1.5 × 10^-5000")  # the widest value: every column is padded to it
    rows = [["1.5 × 10^-5000", "0.25"], ["1", "-3 × 10^400"]]
    expected = ",\n          ".join("[" + ", ".join(t.rjust(width) for t in row) + "]" for row in rows)
    assert pretty(a) == "LogArray([" + expected + "])"
    assert pretty(LogArray([])) == "LogArray([], shape=(0,), dtype=float64, unsigned (no negative values))"


def test_higher_dimensional_html_shows_the_pretty_text():
    a = LogArray(np.full((2, 2, 2), 0.5))
    assert "<pre>LogArray([[[0.5, 0.5]," in a._repr_html_()


def test_latex_for_small_arrays():
    assert (
        LogArray(["1.5e-5000", "0.25"])._repr_latex_()
        == r"$\begin{bmatrix} 1.5 \times 10^{-5000} & 0.25 \end{bmatrix}$"
    )
    assert LogArray.from_log(np.array(-np.inf))._repr_latex_() == "$0$"
    assert LogArray(np.ones((3, 3, 3)))._repr_latex_() is None


def test_ipython_shows_all_three():
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    shell = interactiveshell.InteractiveShell.instance()
    data, _ = shell.display_formatter.format(LogArray(["1e-5000", "0.5"]))
    assert data["text/plain"] == "LogArray([1 × 10^-5000,          0.5])"
    assert "10<sup>-5000</sup>" in data["text/html"]
    assert data["text/latex"].startswith("$\\begin{bmatrix} 1 \\times 10^{-5000}")


def test_lazy_arrays_are_described_without_computing():
    da = pytest.importorskip("dask.array")
    a = LogArray.from_log(da.full((4, 4), -20000.0, chunks=2))
    for text in (a._repr_html_(), pretty(a)):
        assert "LogArray&lt;dask" in text or "LogArray<dask" in text
        assert "shape=(4, 4)" in text
    assert a._repr_latex_() is None
