"""An HMM likelihood over a sequence longer than memory, on a dask cluster.

:func:`logspace.chain.likelihood` accepts a dask-backed ``emis`` (chunks along
time). The recursion ``alpha_t = (alpha_{t-1} @ A) * emis[t]`` is then split at
the chunk boundaries: each chunk is summarised by its K x K transfer matrix
``prod_t A diag(emis[t])`` (in the log semiring, by the compiled recursion,
one task per chunk), and the matrices are multiplied in a tree. Every task
holds one chunk of emissions and a few K x K matrices, so the sequence never
has to fit in one process.

The model has K = 4 states and M = 8 symbols; the observations are drawn
chunk by chunk from the model's stationary symbol frequencies (each chunk from
its own random stream keyed by (seed, chunk index), so any chunk can be made
again anywhere). With these numbers each step multiplies the likelihood by
about 1/8: 10**9 steps give a number near e**(-2.1e9).

>>> emis = emissions(20_000, chunk=5_000, seed=0)     # lazy: made per chunk
>>> emis.shape
(20000, 4)
>>> lazy = chain.likelihood(INIT, TRANS, emis)
>>> in_memory = chain.likelihood(INIT, TRANS, LogArray.from_log(emis.log.compute()))
>>> abs(lazy.log - in_memory.log) <= 1e-12 * abs(in_memory.log)
True

``python docs/examples/big_chain.py --steps 1e9`` runs on a local cluster of
two worker processes and prints the time and the peak memory of each worker;
``--steps`` up to about 10**7 also checks against the in-memory call.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import time
from typing import Any, NamedTuple

import dask.array as da
import numpy as np

from logspace import LogArray, chain

K, M = 4, 8
INIT = np.full(K, 1 / K)
TRANS = np.array(
    [
        [0.90, 0.05, 0.03, 0.02],
        [0.04, 0.90, 0.04, 0.02],
        [0.02, 0.04, 0.90, 0.04],
        [0.02, 0.03, 0.05, 0.90],
    ]
)
EMISSION = np.array(
    [
        [0.30, 0.30, 0.10, 0.10, 0.05, 0.05, 0.05, 0.05],
        [0.05, 0.05, 0.30, 0.30, 0.10, 0.10, 0.05, 0.05],
        [0.05, 0.05, 0.05, 0.05, 0.30, 0.30, 0.10, 0.10],
        [0.10, 0.10, 0.05, 0.05, 0.05, 0.05, 0.30, 0.30],
    ]
)
LOG_EMISSION_T = np.ascontiguousarray(np.log(EMISSION).T)  # (M, K): row m is log P(m | state)


def emission_chunk(seed: int, index: int, size: int) -> np.ndarray:
    """Logs of the emissions of chunk ``index``: (size, K)."""
    rng = np.random.default_rng([seed, index])
    symbols = rng.choice(M, size=size, p=EMISSION.mean(axis=0))
    return LOG_EMISSION_T[symbols]


def _chunk_sizes(n: int, chunk: int) -> tuple[int, ...]:
    return (chunk,) * (n // chunk) + ((n % chunk,) if n % chunk else ())


def _block(seed: int, block_id: tuple[int, ...], sizes: tuple[int, ...]) -> np.ndarray:
    return emission_chunk(seed, block_id[0], sizes[block_id[0]])


def emissions(steps: int, chunk: int, seed: int = 0) -> LogArray:
    """A lazy LogArray (steps, K) of emission weights, each chunk made by its task."""
    sizes = _chunk_sizes(steps, chunk)
    logs = da.map_blocks(_block, seed=seed, sizes=sizes, chunks=(sizes, (K,)), dtype=np.float64, name="emissions")
    return LogArray.from_log(logs)


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Result(NamedTuple):
    steps: int
    chunk: int
    log_likelihood: float
    seconds: float
    in_memory: float | None
    worker_peak_bytes: dict[str, int]

    @property
    def relative_difference(self) -> float | None:
        if self.in_memory is None:
            return None
        return abs(self.log_likelihood - self.in_memory) / abs(self.in_memory)


def run(steps: int, chunk: int, workers: int = 2, seed: int = 0, check: bool = True) -> Result:
    from distributed import Client, LocalCluster

    cluster: Any = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    )
    client = Client(cluster)
    try:
        start = time.perf_counter()
        ll = chain.likelihood(INIT, TRANS, emissions(steps, chunk, seed))
        seconds = time.perf_counter() - start
        peaks = client.run(_peak_rss_bytes)
    finally:
        client.close()
        cluster.close()
    in_memory = None
    if check:
        logs = np.concatenate([emission_chunk(seed, i, s) for i, s in enumerate(_chunk_sizes(steps, chunk))])
        in_memory = chain.likelihood(INIT, TRANS, LogArray.from_log(logs)).log
    return Result(steps, chunk, ll.log, seconds, in_memory, peaks)


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=float, default=1e5, help="length of the sequence (default 1e5)")
    parser.add_argument("--chunk", type=float, default=1e6, help="steps per chunk (default 1e6)")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-check", action="store_true", help="skip the in-memory call (needed beyond ~1e8 steps)")
    args = parser.parse_args(argv)
    steps, chunk = int(args.steps), int(min(args.chunk, args.steps))
    result = run(steps, chunk, args.workers, args.seed, check=not args.no_check)
    print(f"steps:             {result.steps:.3g} in chunks of {result.chunk:.3g}, K={K}, {args.workers} workers")
    print(f"log-likelihood:    {result.log_likelihood!r}")
    print(f"time:              {result.seconds:.2f} s ({result.steps / result.seconds:.3g} steps/s)")
    if result.in_memory is not None:
        print(f"in memory:         {result.in_memory!r}")
        print(f"relative diff.:    {result.relative_difference:.2e}")
    for worker, peak in sorted(result.worker_peak_bytes.items()):
        print(f"peak memory:       {peak / 2**30:.3f} GiB  worker {worker}")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
