"""Deep sweeps on a dask.distributed cluster (the optional extra: pip install 'forgetcheck[dask]').

runner.verify_all takes any concurrent.futures executor; this module supplies the cluster's
(`Client.get_executor`). The scheduler re-runs the tasks of a worker that dies; `retries` also
re-runs a task that raised in the cluster machinery (verification errors are caught inside the
task and reported against the statement, so they are not retried).

Workers must be single-threaded processes: mpmath's working precision and hypothesis' engine are
process-global state, so two tasks sharing a process would corrupt each other's digits.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from forgetcheck.numerics.errors import InputError

#: How many times a task that raised is re-submitted (a dead worker's tasks are re-run regardless).
RETRIES = 2
#: How long to keep trying to reach a scheduler address.
CONNECT_TIMEOUT = "30s"


def _client_class():
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--scheduler needs dask.distributed; install it with "
                         "pip install 'forgetcheck[dask]'") from None
    return Client, LocalCluster


def require_single_threaded(client) -> int:
    """Refuse workers with more than one thread (see the module note); returns the worker count."""
    workers = client.scheduler_info()["workers"]
    threaded = {address: info["nthreads"] for address, info in workers.items() if info["nthreads"] != 1}
    if threaded:
        raise InputError(f"dask workers {threaded} have nthreads != 1; mpmath's precision is per process, "
                         "so start workers with `dask worker ADDRESS --nthreads 1 --nworkers N`")
    return len(workers)


def cluster_executor(client):
    """The concurrent.futures executor of a connected client, as verify_all uses it: every
    submission a new task (pure=False: never a result kept from an earlier run), retried on error."""
    return client.get_executor(pure=False, retries=RETRIES)


@contextmanager
def dask_executor(scheduler: str, *, workers=None, dashboard=":0"):
    """Yield (executor, description) for a scheduler address such as tcp://host:8786, or for
    'local': a LocalCluster of `workers` single-threaded processes (default: all cores)."""
    Client, LocalCluster = _client_class()
    cluster = None
    if scheduler == "local":
        n = workers or os.cpu_count() or 1
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=dashboard)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            raise InputError(f"--scheduler {scheduler!r}: no dask scheduler answered ({exc}); start one "
                             "with `dask scheduler` and pass the address it prints") from None
    try:
        count = require_single_threaded(client)
        where = "a local dask cluster" if cluster is not None else f"dask scheduler {scheduler}"
        link = f", dashboard {client.dashboard_link}" if dashboard and cluster is not None else ""
        yield (cluster_executor(client),
               f"{where} with {count} worker(s) now{link}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
