"""Optional C extensions of logspace.

Each extension is a small loop over contiguous buffers beside the numpy kernel
it speeds up; the numpy version stays the fallback and the test oracle. A
machine without a compiler still installs logspace: a failed build prints a
warning and the package runs on its numpy fallbacks
(``python -m logspace --version`` says which path is active).
"""

from __future__ import annotations

import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# One entry per compiled module: (import name, C source). A module is imported
# only through logspace._native.load(), which honours LOGSPACE_PURE_PYTHON.
EXTENSIONS: list[tuple[str, str]] = [
    ("logspace._c_chain", "logspace/_c_chain.c"),
    ("logspace._c_maxplus", "logspace/_c_maxplus.c"),
    ("logspace._c_convert", "logspace/_c_convert.c"),  # log_abs and exp_rounded of _conversions
]


class OptionalBuildExt(build_ext):
    """Build every extension, but let the install succeed without them."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # no compiler at all
            self._warn(error)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as error:  # this one failed to compile
            self._warn(error, ext.name)

    @staticmethod
    def _warn(error: Exception, name: str = "the C extensions") -> None:
        print(f"warning: building {name} failed ({error}); logspace will use its numpy fallback", file=sys.stderr)


def _extensions() -> list[Extension]:
    if os.environ.get("LOGSPACE_BUILD_EXTENSIONS", "1") == "0":
        return []
    import numpy as np

    # The max-plus product shares its rows among POSIX threads.
    threaded = {"logspace._c_maxplus"} if os.name == "posix" else set()
    return [
        Extension(
            name,
            [source],
            include_dirs=[np.get_include()],
            extra_compile_args=["-O3"] + (["-pthread"] if name in threaded else []),
            extra_link_args=["-pthread"] if name in threaded else [],
        )
        for name, source in EXTENSIONS
    ]


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
