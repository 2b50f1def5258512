"""Workers of one `xner search` command: processes on this machine, or Ray tasks on a cluster.

Every worker runs `search.work` (pop a queued trial, run it, tell Optuna, repeat), so a worker here,
one started by hand on another machine with the same `--storage`, and a Ray task are the same loop.
A worker process is `python -m xner.core.search.workers JOB_JSON`: it needs nothing of the caller's
main module (a spawned multiprocessing child would re-run an unguarded script).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import asdict, replace

from ..errors import ConfigError, stop_on_signals
from ..plugins import SEARCH_POOLS, load_plugins
from .study import Job, work

log = logging.getLogger(__name__)


def run_workers(job: Job, workers: int, executor: str, ray_address: str | None,
                threads: int | None) -> int:
    """W workers on the study, in the pool registered for `executor` (`plugins.SEARCH_POOLS`): W-1
    worker processes and this one (`local`), or W Ray tasks, one GPU each where the cluster has GPUs
    (`ray`). Returns the trials run by this process or by the Ray tasks."""
    if executor not in SEARCH_POOLS:
        raise ConfigError(f"executor {executor!r} has no search worker pool; executors with one: "
                          f"{', '.join(SEARCH_POOLS.names())}")
    return SEARCH_POOLS.get(executor)(job, workers, ray_address, threads)


@SEARCH_POOLS.register("local")
def _process_workers(job: Job, workers: int, address: str | None, threads: int | None) -> int:
    """W-1 worker processes on this machine, and this process."""
    per = threads or max(1, (os.cpu_count() or 1) // workers)
    job = replace(job, extra=[*job.extra, f"execution.threads={per}"])
    procs = [subprocess.Popen([sys.executable, "-m", "xner.core.search.workers", json.dumps(asdict(job))])
             for _ in range(workers - 1)]
    try:
        ran = work(job)
    except BaseException:
        for p in procs:
            p.terminate()
        raise
    finally:
        codes = [p.wait() for p in procs]
    if any(codes):
        log.warning("worker process(es) exited with %s; a trial they left is recovered by the next start",
                    codes)
    return ran


def _ray_work(job: Job) -> int:
    import ray
    import torch

    gpu = bool(ray.get_gpu_ids()) and torch.cuda.is_available()
    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1.0)
    job = replace(job, device="cuda" if gpu else "cpu",
                  extra=[*job.extra, f"execution.threads={max(1, int(cpus))}"])
    load_plugins(job.plugins)

    return work(job)


@SEARCH_POOLS.register("ray")
def _ray_workers(job: Job, workers: int, address: str | None, threads: int | None) -> int:
    """W Ray tasks, on a local cluster or the one at `address`."""
    import ray

    from ..runner.executors.ray import connect

    connect(address)
    gpus = ray.cluster_resources().get("GPU", 0)
    task = ray.remote(num_gpus=1 if gpus else 0, num_cpus=threads or 1, max_retries=0)(_ray_work)
    log.info("search: %d Ray workers (%s each)", workers, "one GPU" if gpus else f"{threads or 1} CPU")
    return sum(ray.get([task.remote(job) for _ in range(workers)]))


if __name__ == "__main__":  # a worker process started by run_workers
    _job = Job(**json.loads(sys.argv[1]))
    logging.basicConfig(level=_job.log_level,
                        format=f"%(asctime)s worker {os.getpid()} %(levelname)s %(message)s")
    load_plugins(_job.plugins)  # the components the experiment names, plug-ins as the caller had them

    try:
        with stop_on_signals():  # SIGTERM as Ctrl-C: trial FAIL, run KILLED, values queued again
            _code = 0 if work(_job) >= 0 else 1
        sys.exit(_code)
    except KeyboardInterrupt:
        sys.exit(130)
