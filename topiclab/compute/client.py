"""A Dask client for `compute.scheduler`: a running scheduler's address, or 'local' for a cluster of worker
processes on this machine that lasts as long as the client."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

from topiclab.errors import ComputeError
from topiclab.progress import quiet_logger

#: Seconds to reach a scheduler, and to wait for its first worker, before saying so.
CONNECT_TIMEOUT = 5
WORKER_TIMEOUT = 60


@contextmanager
def connect(scheduler: str) -> Iterator["distributed.Client"]:  # noqa: F821
    from distributed import Client, LocalCluster

    with quiet_logger("distributed"):  # it logs every connection attempt, worker start and shutdown
        if scheduler == "local":
            with LocalCluster(processes=True, threads_per_worker=1, dashboard_address="127.0.0.1:0",
                              scheduler_kwargs={"dashboard": False},
                              silence_logs=logging.ERROR) as cluster, \
                    Client(cluster, set_as_default=False) as client:
                yield client
            return
        with _reach(scheduler, Client) as client:
            try:
                client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
            except TimeoutError:
                raise ComputeError(f"The Dask scheduler at {scheduler} has no workers after {WORKER_TIMEOUT} s: "
                                   f"start some with `dask worker {scheduler}` (on each worker machine).") from None
            yield client


def _reach(scheduler: str, client_class):
    """A client connected to `scheduler`, or, within seconds, a ComputeError that says how to start one."""
    try:
        return client_class(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ComputeError(f"Cannot reach the Dask scheduler at {scheduler!r} ({reason}). Start one with "
                           "`dask scheduler` and workers with `dask worker tcp://HOST:8786`, then pass "
                           "--scheduler tcp://HOST:8786; or --scheduler local for a cluster on this "
                           "machine.") from None
