"""What the word aspects (KeyBERTInspired, MMR) cost next to the fit they follow, per corpus and model.

    python benchmarks/bench_aspects.py                         # BBC News and 5,000 20 Newsgroups posts, 3 rounds
    python benchmarks/bench_aspects.py --corpora bbc --models wordllama --rounds 5

Document vectors come from topiclab's cache (computed once), so "fit" is everything `fit_run` does
after embedding but the aspects: UMAP, HDBSCAN, topic words, outliers, metrics and the map projections.
Each fit gets a fresh cache holding only its documents' vectors, as after a first fit: the aspects pay
for embedding their words, which a relabel would read back from the cache. Rounds alternate corpora
and models in one process; the table shows medians.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import pandas as pd

from topiclab import fit_run
from topiclab.config import EmbeddingConfig
from topiclab.corpus import Corpus, load_corpus
from topiclab.embed import embed_documents, resolve_embedder
from topiclab.embed.cache import EmbeddingCache, model_key

from common import SHARED_DATA

MODELS = ("all-MiniLM-L6-v2", "wordllama")


def corpus(name: str, ng_posts: int) -> Corpus:
    if name == "bbc":
        frame = pd.read_parquet(SHARED_DATA / "bbc_news.parquet")
    else:
        frame = pd.read_parquet(SHARED_DATA / "20newsgroups_clean.parquet")
        frame = frame[frame["text"].str.strip() != ""].sample(frac=1.0, random_state=0)
        frame = frame.groupby("label").head(ng_posts // frame["label"].nunique()).reset_index(drop=True)
    return load_corpus(frame, text_col="text", class_col="label")


def seeded_cache(folder: str, texts: list[str], model: str) -> None:
    """A cache in `folder` with the vectors of `texts` (from the shared cache) and nothing else."""
    config = EmbeddingConfig(model=model)
    vectors, _ = embed_documents(texts, config, progress=True)
    with EmbeddingCache(folder) as cache:
        cache.put(model_key({**resolve_embedder(model).identity, "long_documents": config.long_documents}),
                  texts, vectors)


def measure(documents: Corpus, model: str, aspects: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as output:
        seeded_cache(output, documents.texts, model)
        started = time.perf_counter()
        run = fit_run(documents, output_dir=output, name="bench", embedding={"model": model, "cache_dir": output},
                      labels={"aspects": aspects}, save=False)
        total = time.perf_counter() - started
    seconds = run.manifest["seconds"]
    if run.manifest["embedding"]["n_embedded"]:
        raise SystemExit(f"The seeded cache missed {run.manifest['embedding']['n_embedded']} documents")
    aspect_seconds = run.manifest["labels"]["seconds"]
    return {"topics": int((run.topics["topic"] != -1).sum()),
            "fit": total - seconds["embed"] - seconds["labels"],
            **{name: aspect_seconds.get(name, 0.0) for name in aspects}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default="bbc,20ng")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--aspects", default="keybert,mmr")
    parser.add_argument("--ng-posts", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    aspects = args.aspects.split(",")
    frames = {name: corpus(name, args.ng_posts) for name in args.corpora.split(",")}
    results: dict[tuple[str, str], list[dict]] = {}
    for round_ in range(args.rounds):
        for name, frame in frames.items():
            for model in args.models.split(","):
                result = measure(frame, model, aspects)
                results.setdefault((name, model), []).append(result)
                print(f"round {round_ + 1}: {name} {model}: " + ", ".join(f"{k} {v:.2f}" for k, v in result.items()))

    rows = []
    for (name, model), measured in results.items():
        median = {key: statistics.median(m[key] for m in measured) for key in measured[0]}
        row = {"corpus": f"{name} ({len(frames[name]):,})", "model": model, "topics": int(median["topics"]),
               "fit s": round(median["fit"], 2)}
        for aspect in aspects:
            row[f"{aspect} s"] = round(median[aspect], 2)
        row["aspects / fit"] = f"{sum(median[a] for a in aspects) / median['fit']:.1%}"
        rows.append(row)
    print(f"\nmedians of {args.rounds} rounds")
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
