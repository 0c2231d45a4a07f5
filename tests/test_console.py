"""The console's literal rule, the plain console (piped and in a pseudo-terminal), IPython."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logspace import LogFloat
from logspace._console import LogspaceConsole, is_unrepresentable_float, transform_source

ROOT = Path(__file__).resolve().parents[1]


def evaluate(source: str) -> object:
    return eval(compile(transform_source(source), "<test>", "eval"))


# -- the literal rule ---------------------------------------------------------


@pytest.mark.parametrize(
    "literal, exact",
    [
        ("1e-5000", "1e-5000"),
        ("2e400", "2e400"),
        ("2E+400", "2e400"),
        ("1_000e400", "1e403"),
        ("0.00001e-400", "1e-405"),
    ],
)
def test_literals_beyond_float_range_become_exact_logfloats(literal, exact):
    value = evaluate(literal)
    assert isinstance(value, LogFloat)
    assert value == LogFloat(exact)


def test_negative_literal_is_the_negated_logfloat():
    assert evaluate("-3.5e-400") == LogFloat("-3.5e-400")


@pytest.mark.parametrize(
    "literal",
    [
        "0.5",
        "1e300",
        "1.7976931348623157e308",
        "5e-324",
        "2.5e-324",
        "0e-5000",
        "0.0e400",
        "10",
        "0x10",
        "1e400j",
        "3.",
    ],
)
def test_literals_within_float_range_keep_their_meaning(literal):
    value = evaluate(literal)
    assert type(value) is type(eval(literal))
    assert value == eval(literal)


def test_subnormal_boundary_follows_python_rounding():
    # 2.4e-324 rounds to 0 and 2.5e-324 to the smallest subnormal: only the first is replaced.
    assert is_unrepresentable_float("2.4e-324") and not is_unrepresentable_float("2.5e-324")


def test_strings_and_comments_are_untouched():
    source = "s = '1e-5000' + \"2e400\"  # 1e-5000\nt = f'{1}e400'\n"
    assert transform_source(source) == source


def test_the_rest_of_the_line_is_kept_character_for_character():
    source = "x = [1e-5000,2e400 ,  0.5]  # keep  spacing\n"
    out = transform_source(source)
    assert out.endswith(" ,  0.5]  # keep  spacing\n")
    assert eval(out.split("=", 1)[1]) == [LogFloat("1e-5000"), LogFloat("2e400"), 0.5]


def test_unfinished_input_is_returned_for_the_compiler_to_judge():
    assert transform_source("for i in (1e-5000,\n") == "for i in (1e-5000,\n"


def test_the_replacement_does_not_depend_on_the_name_logfloat():
    namespace = {"LogFloat": None}
    exec(compile(transform_source("x = 1e-5000"), "<test>", "exec"), namespace)
    assert namespace["x"] == LogFloat("1e-5000")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_repr_of_a_float_keeps_its_meaning(x):
    assert transform_source(repr(abs(x))) == repr(abs(x))


@given(st.integers(1, 9), st.integers(-100_000, 100_000))
def test_every_literal_beyond_range_reads_back_exactly(digit, exponent):
    literal = f"{digit}e{exponent}"
    value = evaluate(literal)
    if float(literal) in (0.0, float("inf")):
        assert value == LogFloat(literal) and isinstance(value, LogFloat)
    else:
        assert value == float(literal) and type(value) is float


def test_console_compiles_multiline_input_with_the_rule():
    console = LogspaceConsole()
    assert console.push("def f():") is True
    assert console.push("    return 1e-5000 * 2") is True
    assert console.push("") is False
    assert console.locals["f"]() == LogFloat("2e-5000")


# -- the plain console through piped input ------------------------------------


def run_piped(stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "logspace"], input=stdin, capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def test_piped_console_reads_literals_by_the_rule():
    result = run_piped("print(repr(1e-5000))\nprint(repr(-3.5e-400), 5e-324, '1e-5000')\nx = 2e400 # 2e400\nprint(x)\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(">>> ")[1:4] == [
        "LogFloat('1e-5000')\n",
        "LogFloat('-3.5e-400') 5e-324 1e-5000\n",
        "",
    ]
    assert "2e+400" in result.stdout
    assert "1e-5000 means LogFloat('1e-5000')" in result.stderr  # the banner says so


# -- the plain console in a pseudo-terminal -----------------------------------


class Terminal:
    """A child process on a pseudo-terminal, as a person at a terminal would run it."""

    def __init__(self, code: str, home: Path) -> None:
        self.master, slave = pty.openpty()
        env = {**os.environ, "HOME": str(home), "TERM": "dumb", "PYTHONSTARTUP": ""}
        self.process = subprocess.Popen(
            [sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env
        )
        os.close(slave)
        self.output = b""
        self.matched = 0

    def read_until(self, text: bytes, timeout: float = 60.0) -> bytes:
        """Wait until ``text`` appears after what the previous call matched."""
        deadline = time.monotonic() + timeout
        while (found := self.output.find(text, self.matched)) < 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{text!r} not seen; the terminal shows {self.output!r}")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"{text!r} not seen before exit; the terminal shows {self.output!r}")
                self.output += chunk
        self.matched = found + len(text)
        return self.output

    def send(self, text: bytes) -> None:
        os.write(self.master, text)

    def close(self) -> int:
        try:
            return self.process.wait(timeout=60)
        finally:
            os.close(self.master)


# Hides IPython, so that the standard console opens even where IPython is installed.
PLAIN = "import sys; sys.modules['IPython'] = None; import logspace.__main__ as m; sys.exit(m.main([]))"


def test_plain_console_in_a_terminal_completes_names_and_keeps_history(tmp_path):
    terminal = Terminal(PLAIN, tmp_path)
    terminal.read_until(b">>> ")
    terminal.send(b"LogF\t")
    terminal.read_until(b"LogFloat(")  # completed by rlcompleter, with the call's parenthesis
    terminal.send(b"'1e-5000') * 3\r")
    terminal.read_until(b"LogFloat('3e-5000')")
    terminal.read_until(b">>> ")
    terminal.send(b"2e400\r")
    terminal.read_until(b"LogFloat('2e+400')")
    terminal.read_until(b">>> ")  # send only when readline reads again
    terminal.send(b"\x04")  # Ctrl-D ends the session
    assert terminal.close() == 0
    history = (tmp_path / ".logspace_history").read_text().splitlines()
    assert history[-2:] == ["LogFloat('1e-5000') * 3", "2e400"]


def test_terminal_opens_ipython_when_installed(tmp_path):
    pytest.importorskip("IPython")
    terminal = Terminal("import sys, logspace.__main__ as m; sys.exit(m.main([]))", tmp_path)
    terminal.read_until(b"1e-5000 means LogFloat('1e-5000')")  # the banner
    terminal.read_until(b"In [1]: ")
    terminal.send(b"print(repr(1e-5000 * LogArray([2.0])[0]), np.__name__)\r")
    terminal.read_until(b"LogFloat('2e-5000') numpy")
    terminal.read_until(b"In [2]: ")
    terminal.send(b"exit\r")
    assert terminal.close() == 0


# -- the IPython extension ----------------------------------------------------


@pytest.fixture
def shell():
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    shell = interactiveshell.InteractiveShell.instance()
    yield shell
    shell.run_line_magic("unload_ext", "logspace")


def test_load_ext_reads_literals_by_the_rule_in_any_ipython_session(shell):
    shell.run_line_magic("load_ext", "logspace")
    assert shell.run_cell("a = 1e-5000\nb = -3.5e-400\nc = 5e-324\ns = '2e400'  # 2e400").success
    assert shell.user_ns["a"] == LogFloat("1e-5000") and isinstance(shell.user_ns["a"], LogFloat)
    assert shell.user_ns["b"] == LogFloat("-3.5e-400")
    assert shell.user_ns["c"] == 5e-324 and type(shell.user_ns["c"]) is float
    assert shell.user_ns["s"] == "2e400"


def test_load_ext_twice_and_unload(shell):
    shell.run_line_magic("load_ext", "logspace")
    shell.run_line_magic("reload_ext", "logspace")
    assert shell.run_cell("d = 2e400").success and shell.user_ns["d"] == LogFloat("2e400")
    shell.run_line_magic("unload_ext", "logspace")
    assert shell.run_cell("e = 2e400").success and shell.user_ns["e"] == float("inf")


def test_importing_logspace_does_not_import_ipython():
    code = "import sys, logspace; print('IPython' in sys.modules, callable(logspace.load_ipython_extension))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.stdout.split() == ["False", "True"], result.stderr
