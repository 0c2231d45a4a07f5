"""The command line: the console driven by piped input, help and bad usage."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "logspace", *args], input=stdin, capture_output=True, text=True, timeout=120
    )


def test_console_has_logspace_imported_and_evaluates_piped_input():
    result = run(stdin="print(LogFloat('1e-5000') * 3)\nprint(float(logsumexp([0.0, -40.0])))\n")
    assert result.returncode == 0, result.stderr
    assert "3e-5000" in result.stdout
    assert "4.248354255291589e-18" in result.stdout
    # The banner, with its example lines, goes where the console writes it.
    assert "LogFloat('1e-5000') * 3" in result.stderr


def test_console_reports_errors_and_goes_on():
    result = run(stdin="LogFloat('abc')\nprint('still here')\n")
    assert result.returncode == 0
    assert "could not convert string to LogFloat: 'abc'" in result.stderr
    assert "still here" in result.stdout


def test_help_lists_the_subcommands():
    result = run("--help")
    assert result.returncode == 0
    assert "accuracy" in result.stdout and "bench" in result.stdout


@pytest.mark.parametrize("args", [("nonsense",), ("accuracy", "--no-such-flag")])
def test_bad_usage_exits_2_with_a_usage_message(args):
    result = run(*args)
    assert result.returncode == 2
    assert "usage: python -m logspace" in result.stderr


def test_accuracy_plot_without_matplotlib_fails_at_once_with_the_install_hint(monkeypatch, capsys):
    from logspace import __main__, _report

    def table_is_not_computed(**kwargs):
        raise AssertionError("the table was computed before the missing matplotlib was noticed")

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # a None entry makes the import raise ImportError
    monkeypatch.setattr(_report, "accuracy_table", table_is_not_computed)
    assert __main__.main(["accuracy", "--plot", "out.png"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--plot needs matplotlib" in captured.err
    assert "pip install 'logspace-numbers[docs]'" in captured.err
