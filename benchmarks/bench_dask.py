"""Dask on one machine: 2 workers against 1 worker against no cluster, on WordNet's 117k glosses.

Each round fits the same corpus once per mode, modes alternating, each fit in a fresh process (so its peak
memory is its own) whose driver and workers are warmed up first (model loaded, compiled code read back), as
long-lived workers would be: `fit_run` with WordLlama embeddings (embedding and reduction caches off, so every fit
embeds everything and clusters its sample afresh), a 10,000-document fit sample and no map projection (both the same in every mode and not what
is measured). The cluster modes start a `distributed.LocalCluster` of 1 or 2 single-threaded worker processes
and pass its address as `compute.scheduler`. Printed: medians over the rounds of the embedding, the topic
assignment (the vote plus the term counts) and the whole fit, the driver's and the largest worker's peak
resident memory, and whether every mode gave the same topics. Load averages are printed with each fit:
the machine is shared.

    .venv/bin/python benchmarks/bench_dask.py [--rounds 3] [--documents 117659] [--modes none,1,2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import SHARED_DATA  # noqa: E402

FIT_SAMPLE = 10_000


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def warm_up() -> None:
    """What a long-lived process has done before its first real task: imports, the model loaded, numba's
    compiled functions read from its cache. Run in the driver and in every worker before the timed fit."""
    import numpy as np

    from topiclab.compute import tasks  # noqa: F401  (the worker's task module and everything it imports)
    from topiclab.config import EmbeddingConfig
    from topiclab.embed import embed_documents
    from topiclab.pipeline.neighbors import nearest, normalize, vote

    embed_documents(["warm up"], EmbeddingConfig(model="wordllama", cache=False), progress=False)
    unit = normalize(np.random.default_rng(0).normal(size=(50, 8)))
    indices, similarities = nearest(unit, unit, 5)
    vote(indices, similarities)


def one_fit(mode: str, documents: int) -> dict:
    """One fit in this process; `mode` is 'none' or a number of workers."""
    import hashlib

    import pandas as pd

    from topiclab import fit_run

    frame = pd.read_parquet(SHARED_DATA / "wordnet_glosses.parquet", columns=["text"]).head(documents)
    settings = {"model": "wordllama", "cache": False, "fit_sample": FIT_SAMPLE, "text_col": "text",
                "projection": {"enabled": False}, "compute": {"cache": False}}
    cluster = client = None
    if mode != "none":
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=int(mode), threads_per_worker=1, processes=True,
                               dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False})
        client = Client(cluster)
        settings["scheduler"] = cluster.scheduler_address
        client.run(warm_up)
    warm_up()
    load = os.getloadavg()[0]
    started = time.perf_counter()
    run = fit_run(frame, None, save=False, output_dir=None, progress=False, **settings)
    total = time.perf_counter() - started
    seconds = run.model.stage_seconds_
    result = {
        "mode": mode, "documents": len(frame), "total": total, "embed": run.manifest["seconds"]["embed"],
        "assign": seconds["assign"] + seconds["words"], "load": (load + os.getloadavg()[0]) / 2,
        "driver_mib": peak_mib(),
        "topics": hashlib.sha256(run.documents["topic"].to_numpy().tobytes()).hexdigest()[:12],
    }
    if client is not None:
        worker_peaks = client.run(peak_mib)
        result["worker_mib"] = max(worker_peaks.values())
        client.close()
        cluster.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--documents", type=int, default=117_659)
    parser.add_argument("--modes", default="none,1,2")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one fit in this process
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        Path(args.out).write_text(json.dumps(one_fit(args.one, args.documents)))
        return

    modes = args.modes.split(",")
    results: dict[str, list[dict]] = {mode: [] for mode in modes}
    print(f"{os.cpu_count()} CPU cores; load average at start {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(args.rounds):
            for mode in modes:  # alternating, so a busy spell on the shared machine hits every mode
                out = Path(folder) / f"{mode}-{round_}.json"
                subprocess.run([sys.executable, __file__, "--one", mode, "--out", str(out),
                                "--documents", str(args.documents)], check=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
                result = json.loads(out.read_text())
                results[mode].append(result)
                print(f"round {round_ + 1} {label(mode):<10} total {result['total']:6.1f} s, embed "
                      f"{result['embed']:5.1f} s, assign {result['assign']:5.1f} s, load {result['load']:.1f}",
                      flush=True)

    baseline = median(r["embed"] + r["assign"] for r in results[modes[0]])
    documents = results[modes[0]][0]["documents"]
    print(f"\nWordNet glosses ({documents:,} documents), WordLlama, fit sample {FIT_SAMPLE:,}; "
          f"medians of {args.rounds} rounds\n")
    print("| mode | embed s | assign s | embed + assign s | vs no cluster | whole fit s | driver peak MiB "
          "| worker peak MiB | mean load | same topics |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    reference = results[modes[0]][0]["topics"]
    for mode in modes:
        rows = results[mode]
        both = median(r["embed"] + r["assign"] for r in rows)
        worker = f"{median(r['worker_mib'] for r in rows):,.0f}" if "worker_mib" in rows[0] else "-"
        same = all(r["topics"] == reference for r in rows)
        print(f"| {label(mode)} | {median(r['embed'] for r in rows):.1f} | {median(r['assign'] for r in rows):.1f} "
              f"| {both:.1f} | {baseline / both:.2f}x | {median(r['total'] for r in rows):.1f} "
              f"| {median(r['driver_mib'] for r in rows):,.0f} | {worker} "
              f"| {median(r['load'] for r in rows):.1f} | {'yes' if same else 'NO'} |")


def label(mode: str) -> str:
    return "no cluster" if mode == "none" else f"{mode} worker" + ("s" if mode != "1" else "")


if __name__ == "__main__":
    main()
