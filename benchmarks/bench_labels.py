"""Topic labels on 20 Newsgroups: seconds per aspect and per LLM label, and each topic's LLM label next
to the newsgroup most of its posts come from.

    python benchmarks/bench_labels.py                      # 2,000 posts, WordLlama, local SmolLM2
    python benchmarks/bench_labels.py --model all-MiniLM-L6-v2 --posts 4000
    python benchmarks/bench_labels.py --aspects llm --llm-backend transformers --llm-threads 1

The label cache is off, so every label is written by the model and timed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from topiclab import fit_run

SHARED_DATA = Path(os.environ.get("TOPICLAB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def newsgroups(posts: int, seed: int = 0) -> pd.DataFrame:
    """`posts` posts of more than 20 words, as many from each of the 20 groups."""
    frame = pd.read_parquet(SHARED_DATA / "20newsgroups_clean.parquet")
    frame = frame[frame["text"].str.split().str.len() > 20].sample(frac=1.0, random_state=seed)
    return frame.groupby("label").head(posts // frame["label"].nunique()).reset_index(drop=True)


def majority(run) -> pd.DataFrame:
    """Each topic's most common newsgroup and the share of the topic's posts it holds."""
    counts = run.documents.groupby("topic")["class"].value_counts(normalize=True).rename("share").reset_index()
    return counts.drop_duplicates("topic").set_index("topic")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--model", default="wordllama", help="embedding model (wordllama or all-MiniLM-L6-v2)")
    parser.add_argument("--aspects", default="keybert,mmr,keybert_mmr,llm")
    parser.add_argument("--llm-backend", default="local", choices=["local", "transformers"])
    parser.add_argument("--llm-model", default=None, help="local: a .gguf file; transformers: a model folder, "
                                                          ".gguf file or hub name (default: the packaged SmolLM2)")
    parser.add_argument("--llm-threads", type=int, default=None, help="CPU threads (default: one per CPU)")
    args = parser.parse_args()

    frame = newsgroups(args.posts)
    with tempfile.TemporaryDirectory() as output:
        started = time.perf_counter()
        run = fit_run(frame, output_dir=output, name="bench-labels", text_col="text", class_col="label",
                      embedding={"model": args.model},
                      labels={"aspects": args.aspects, "llm": {"backend": args.llm_backend, "model": args.llm_model,
                                                               "threads": args.llm_threads, "cache": False}})
        total = time.perf_counter() - started

    seconds, labels = run.manifest["seconds"], run.manifest["labels"]
    print(f"{len(frame):,} posts, {args.model} embeddings, {len(run.topics)} topics; fit {total:.1f} s in all "
          f"(cluster {seconds['cluster']:.1f} s, labels {seconds['labels']:.1f} s)")
    print("seconds per aspect: " + ", ".join(f"{name} {s:.2f}" for name, s in labels["seconds"].items()))
    llm = labels.get("llm")
    if llm:
        print(f"LLM ({llm['backend']}, {llm.get('file', llm.get('model'))}, {args.llm_threads or os.cpu_count()} "
              f"threads): {llm['n_labelled']} labels from {llm['n_generated']} answers, "
              f"{llm['seconds_per_label']} s per answer, {llm['n_unusable']} unusable answers, "
              f"{llm['n_fallback']} topics kept keyword labels")

    table = run.topics.set_index("topic")[["size"]].join(majority(run))
    table["share"] = (100 * table["share"]).round().astype(int).astype(str) + "%"
    if "label_llm" in run.topics:
        table["llm label"] = run.topics.set_index("topic")["label_llm"]
    table["keywords"] = run.topics.set_index("topic")["words"].map(lambda words: ", ".join(words[:5]))
    with pd.option_context("display.width", 200, "display.max_colwidth", 45, "display.max_rows", 200):
        print(table.rename(columns={"class": "majority newsgroup"}).to_string())


if __name__ == "__main__":
    main()
