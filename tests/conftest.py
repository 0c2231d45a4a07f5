"""Test-suite settings shared by every file.

CI must give the same answer on every run, so hypothesis is derandomized
there (CI=true): a failure is then reproducible rather than a coin toss.
Locally it explores new examples each run, which is how it finds bugs.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
