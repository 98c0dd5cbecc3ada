"""Speed and memory: a cold `topiclab fit` (maps included) against plain BERTopic's embed + fit, re-fits after
a settings change, and the 600k-document run, each in a fresh process (issue 10's goals 1, 2 and 4).

Cases (shared corpora, ../shared/data): 3,000 M10 titles and 20 Newsgroups with all-MiniLM-L6-v2; 117,659
WordNet glosses and 607,602 PyPI summaries with the static wordllama embedder. For each case and round:
  - BERTopic: its own embedding (sentence-transformers fp32, or WordLlama's embed) then `BERTopic().fit_transform`;
  - topiclab cold: `topiclab fit` with an empty cache folder (embedding, clustering, labels, 2D/3D maps, save);
    only MiniLM's int8 copy, exported once per machine, is linked into it beforehand; once more, in a cache
    folder of its own, with the number of layouts choosing the level (`topics.level_votes`) that the default
    does not take for the case (1 where it takes 5, up to 20,000 documents; 5 above): what the vote costs;
  - topiclab re-fits on the warm cache after changing a clustering setting (clustering.evoc.min_samples) and a topic
    setting (topics.level=0), which re-use the embeddings, the reduction and the map layouts: each as a new
    `topiclab fit` process, and from Python in a session that has fitted once already (a notebook).
Every run is a child process; its wall seconds (from starting the process to its exit: Python's start and
every import count) and peak memory (max RSS) are printed as a table of medians.

    python benchmarks/bench_speed.py [--cases m10-3k 20ng wordnet pypi] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {
    "m10-3k": ("m10_titles.parquet", 3000, "all-MiniLM-L6-v2"),
    "20ng": ("20newsgroups_clean.parquet", None, "all-MiniLM-L6-v2"),
    "wordnet": ("wordnet_glosses.parquet", None, "wordllama"),
    "pypi": ("pypi_summaries.parquet", None, "wordllama"),
}
REFITS = {"refit: clustering setting": ["--set", "clustering.evoc.min_samples=8"], "refit: topic setting": ["--level", "0"]}
#: The same changes from Python in a session that has fitted once already (a notebook): no start-up, no imports.
WARM_REFITS = {"refit in a session: clustering setting": {"clustering.evoc.min_samples": 8},
               "refit in a session: topic setting": {"topics.level": 0}}


def corpus_file(case: str, folder: Path) -> Path:
    """The case's texts as a Parquet file with one `text` column (a seeded sample when the case asks)."""
    import pandas as pd

    import common

    name, size, _ = CASES[case]
    frame = pd.read_parquet(common.SHARED_DATA / name, columns=["text"])
    frame = frame[frame["text"].str.strip() != ""]
    if size:
        frame = frame.sample(size, random_state=0)
    path = folder / f"{case}.parquet"
    frame.reset_index(drop=True).to_parquet(path)
    return path


def other_votes(path: Path) -> int:
    """The number of layouts choosing the level that the default does not use on this corpus (the level vote
    runs AUTO_VOTES layouts on fit samples of up to VOTED_SAMPLE documents, one above): measured beside the default,
    its cost."""
    import pyarrow.parquet as pq

    from topiclab.config import RunConfig
    from topiclab.pipeline.steps import AUTO_VOTES, layouts_voting

    config = RunConfig()
    n_sampled = min(pq.read_metadata(path).num_rows, config.compute.fit_sample)
    return 1 if layouts_voting(config, n_sampled) > 1 else AUTO_VOTES


def peak_gb() -> float:
    """This process's own peak resident memory. Not ru_maxrss: on Linux a process started by fork and exec
    keeps its parent's high-water mark there, so every child read this benchmark's own 1.5 GB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1e6  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def child(kind: str, path: str, model: str, extra: list[str]) -> None:
    """Run one system in this (fresh) process and print {seconds, max_rss_gb}."""
    started = time.perf_counter()
    if kind == "bertopic":
        import pandas as pd
        from bertopic import BERTopic

        texts = pd.read_parquet(path)["text"].tolist()
        if model == "wordllama":
            from topiclab.embed.backends import WordLlamaEmbedder

            embeddings = WordLlamaEmbedder().model.embed(texts, norm=True, batch_size=64)
            BERTopic().fit_transform(texts, embeddings)
        else:
            from sentence_transformers import SentenceTransformer

            from topiclab.embed.backends import _packaged_minilm

            BERTopic(embedding_model=SentenceTransformer(str(_packaged_minilm()))).fit_transform(texts)
    elif kind == "warm":
        from topiclab import fit_run

        def fit(settings: dict) -> float:
            began = time.perf_counter()
            fit_run(path, text_col="text", model=model, output_dir=os.environ["BENCH_OUTPUT"], name="bench",
                    progress=False, **settings)
            return time.perf_counter() - began

        fit({})  # the session's first fit: everything comes from the cache the cold fit filled
        refits = {name: fit(settings) for name, settings in WARM_REFITS.items()}
        print(json.dumps({"seconds": time.perf_counter() - started, "refits": refits,
                          "max_rss_gb": peak_gb()}))
        return
    else:
        from topiclab.cli import app

        try:
            app(["fit", path, "--text-col", "text", "--model", model, "-o", os.environ["BENCH_OUTPUT"],
                 "--name", "bench", *extra], standalone_mode=False)
        except SystemExit as exc:
            if exc.code:
                raise
    print(json.dumps({"seconds": time.perf_counter() - started,
                      "max_rss_gb": peak_gb()}))


def run_child(kind: str, path: Path, model: str, cache: Path, output: Path, extra=()) -> dict:
    env = {**os.environ, "TOPICLAB_CACHE": str(cache), "BENCH_OUTPUT": str(output), "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(path), model, *extra], env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{kind} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if kind != "warm":  # what a user waits for: the whole process, Python's start and every import included
        result["seconds"] = wall
    return result


def exported_models(folder: Path) -> Path:
    """A folder with MiniLM's int8 copy, exported once: a one-time set-up cost, not part of any fit."""
    from topiclab.embed.backends import SentenceTransformerEmbedder

    home = folder / "exported"
    if not (home / "onnx").exists():
        SentenceTransformerEmbedder("all-MiniLM-L6-v2", cache_dir=home).load()
    return home / "onnx"


def measure(case: str, rounds: int, folder: Path, bertopic: bool = True) -> list[dict]:
    path = corpus_file(case, folder)
    model = CASES[case][2]
    results: dict[str, list[dict]] = {}
    for round_ in range(rounds):
        cache, output, lone = (Path(tempfile.mkdtemp(dir=folder)) for _ in range(3))
        for empty in (cache, lone):
            (empty / "onnx").symlink_to(exported_models(folder))
        runs = {"plain BERTopic: embed + fit": ("bertopic", [], cache)} if bertopic else {}
        votes = other_votes(path)  # the setting the default does not take for this many documents, cold too
        runs[f"topiclab: cold fit, topics.level_votes={votes}"] = ("topiclab", ["--set", f"topics.level_votes={votes}"],
                                                                   lone)
        runs["topiclab: cold fit, maps included"] = ("topiclab", [], cache)
        runs.update({name: ("topiclab", args, cache) for name, args in REFITS.items()})
        for name, (kind, extra, where) in runs.items():  # BERTopic first, then topiclab cold, then its re-fits
            result = run_child(kind, path, model, where, output, extra)
            results.setdefault(name, []).append(result)
            print(f"  {case} round {round_ + 1} {name}: {result['seconds']:.1f} s, {result['max_rss_gb']:.2f} GB",
                  flush=True)
        warm = run_child("warm", path, model, cache, output)
        for name, seconds in warm["refits"].items():
            results.setdefault(name, []).append({"seconds": seconds, "max_rss_gb": warm["max_rss_gb"]})
            print(f"  {case} round {round_ + 1} {name}: {seconds:.1f} s", flush=True)
    base = statistics.median(r["seconds"] for r in results["plain BERTopic: embed + fit"]) if bertopic else None
    cold = statistics.median(r["seconds"] for r in results["topiclab: cold fit, maps included"])
    rows = []
    for name, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        rows.append({"case": f"{case} ({model})", "system": name, "seconds": seconds,
                     "gb": max(r["max_rss_gb"] for r in runs), "vs_bertopic": seconds / base if base else None,
                     "vs_cold": seconds / cold if name.startswith("refit") else None})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--without-bertopic", action="store_true", help="topiclab's runs only")
    if sys.argv[1:2] == ["--child"]:  # one measured run, in its own process
        kind, path, model, *extra = sys.argv[2:]
        child(kind, path, model, extra)
        return
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        rows = [row for case in args.cases for row in measure(case, args.rounds, Path(folder), not args.without_bertopic)]
    print(f"load average at end: {os.getloadavg()}")
    print("\n| case | system | seconds | peak GB | vs BERTopic | vs cold fit |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        cold = f"{r['vs_cold']:.2f}x" if r["vs_cold"] is not None else ""
        versus = f"{r['vs_bertopic']:.2f}x" if r["vs_bertopic"] is not None else ""
        print(f"| {r['case']} | {r['system']} | {r['seconds']:.1f} | {r['gb']:.2f} | {versus} | {cold} |")


if __name__ == "__main__":
    main()
