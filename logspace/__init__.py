"""logspace: log-domain numbers that do not underflow.

The package is layered; this module only re-exports:

1. kernels (``_kernels``, ``_kernels_scalar``, ``_blocked``): pure functions on
   raw logs, the only place that knows numerical tricks;
2. text (``_text``): decimal formatting and parsing of (log, sign) pairs;
3. types (``_scalar``, ``_array``): ``LogFloat`` and ``LogArray``;
4. testing (``testing``): the mpmath reference and ulp-error measurement;
5. command line (``__main__``).
"""

from logspace import chain
from logspace._array import LogArray
from logspace._kernels import (
    log1mexp,
    log1pexp,
    log_softmax,
    logaddexp,
    logcumsumexp,
    logmatmulexp,
    logsubexp,
    logsumexp,
    prepare_logmatmul,
    softmax,
)
from logspace._scalar import LogFloat, fsum, isclose

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "chain",
    "LogArray",
    "LogFloat",
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
    "prepare_logmatmul",
    "softmax",
]
