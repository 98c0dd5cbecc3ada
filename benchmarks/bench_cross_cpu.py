"""The same topics on another kind of CPU? This machine against an AVX2-only CPU, emulated.

ONNX Runtime and the numeric libraries pick their kernels by CPU: AVX-512 (with VNNI for int8) here, AVX2 on
many laptops and older servers. This benchmark embeds a labeled sample twice with the default int8 MiniLM
(`--precision fp32`: MiniLM in torch): natively, and under QEMU's user-mode emulation of an AVX2-only CPU
(`qemu-x86_64 -cpu Haswell`, Debian's `qemu-user`). It prints how far the two sets of vectors differ, then
fits each with the defaults and the same seeds, the emulated CPU's vectors with numba, OpenBLAS and NumPy told
to compile for that CPU and pick its kernels (EMULATED_ENV: the fit itself runs natively, emulating it would
take days), and prints per seed each fit's saved layers (topic counts, the default's marked), its NMI, how far
the two partitions agree (ARI), and how many saved layers lie between one CPU's default and the layer of its
fit nearest the other's in topic count. To tell the vectors' share from the kernels', it also fits this CPU's
vectors with the emulated CPU's kernels: that fit against this CPU's is the kernels' part, against the
emulated CPU's the vectors' part.

Emulation is about 300 times slower than native, so the default sample is short texts (3,000 M10 titles,
about 25 minutes on 2 cores); the emulated vectors are kept in the cache folder (`cross-cpu/`), so a later
run only fits.

`--perturb SCALE` needs no emulation: the "other CPU" is this one, fitting the vectors with Gaussian noise of
that scale added (1e-7: far below the differences the two CPUs' vectors show, about a float32's last digits).
It shows how little it takes to move the default, on any corpus, in minutes (`--corpus` takes several).
`--level-votes 1 3` runs it with each setting of `topics.level_votes` and prints them side by side at the
end: how many pairs of fits land on the same layer, a neighbouring one or further, and their topic counts'
ratio and NMI change.

    python benchmarks/bench_cross_cpu.py [--corpus m10] [--size 3000] [--precision int8] [--seeds 8]
                                       [--cpu Haswell | --perturb 1e-7 [--noise-seed 1]] [--level-votes 1 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from topiclab.config import EmbeddingConfig, RunConfig
from topiclab.embed import default_cache_dir, embed_documents, int8

import common

SEEDS = (42, 1, 2, 3, 4, 5, 6, 7)  # bench_quality.py's; its imports would slow the emulated process by minutes

#: An AVX2-only CPU's kernels, asked of the libraries that would otherwise pick this CPU's.
EMULATED_ENV = {"NUMBA_CPU_NAME": "haswell", "OPENBLAS_CORETYPE": "Haswell",
                "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"}


def emulated_vectors(texts: list[str], cpu: str, precision: str, cache_dir: Path) -> np.ndarray:
    """The texts' vectors as the emulated CPU computes them (int8: from the copy this CPU exported; fp32: the
    packaged model in torch), kept apart from the embedding cache, whose vectors are this CPU's."""
    digest = hashlib.sha256(json.dumps(texts).encode()).hexdigest()[:12]
    recipe = int8.RECIPE if precision == "int8" else "torch-fp32"
    kept = cache_dir / "cross-cpu" / f"{recipe}-{cpu}-{digest}.npy"
    if kept.exists():
        return np.load(kept)
    if not shutil.which("qemu-x86_64"):
        sys.exit("qemu-x86_64 is missing: apt-get install -y qemu-user")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        if precision == "int8":
            shutil.copytree(cache_dir / "onnx", scratch / "onnx")  # the exported copy, no cached vectors
        (scratch / "texts.json").write_text(json.dumps({"texts": texts, "precision": precision}))
        subprocess.run(["qemu-x86_64", "-cpu", cpu, sys.executable, __file__, "--embed-here", str(scratch)],
                       check=True, stderr=subprocess.DEVNULL)  # QEMU warns about every CPUID bit it lacks
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f".{kept.name}.partial")
        shutil.move(scratch / "vectors.npy", partial)  # another file system: a copy, renamed once whole
        os.replace(partial, kept)
    return np.load(kept)


def embed_here(scratch: Path) -> None:
    """Runs under emulation: embeds the texts (int8: with the exported copy in `scratch`), caching nothing."""
    job = json.loads((scratch / "texts.json").read_text())
    vectors, _ = embed_documents(job["texts"], EmbeddingConfig(precision=job["precision"], cache=False,
                                                               cache_dir=scratch))
    np.save(scratch / "vectors.npy", vectors)


def default_levels(vectors: np.ndarray, texts: list[str], seeds, env: dict, level_votes) -> list[dict]:
    """Each seed's fit in a fresh process whose libraries target the CPU `env` names: its default topics
    (`chosen`), every saved layer of the documents (`layers`, finest first) and the chosen one's index."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        np.save(scratch / "vectors.npy", vectors)
        (scratch / "fit.json").write_text(json.dumps({"texts": texts, "seeds": list(seeds),
                                                      "level_votes": level_votes}))
        subprocess.run([sys.executable, __file__, "--fit-here", str(scratch)], check=True, env={**os.environ, **env})
        with np.load(scratch / "fits.npz") as saved:
            return [{"chosen": saved[f"chosen{i}"], "layers": saved[f"layers{i}"], "level": int(saved[f"level{i}"])}
                    for i in range(len(seeds))]


def fit_here(scratch: Path) -> None:
    from topiclab.pipeline import TopicModel

    job, vectors = json.loads((scratch / "fit.json").read_text()), np.load(scratch / "vectors.npy")
    fits = {}
    for i, seed in enumerate(job["seeds"]):
        model = TopicModel(RunConfig.build(overrides={"seed": seed, "compute.cache": False,
                                                      "topics.level_votes": job["level_votes"]}), progress=False)
        model.fit(job["texts"], embeddings=vectors)
        fits.update({f"chosen{i}": model.topics_, f"layers{i}": model.layers_.labels, f"level{i}": model.level_})
    np.savez(scratch / "fits.npz", **fits)


def topic_count(topics: np.ndarray) -> int:
    return len(np.unique(topics[topics >= 0]))


def layers_apart(fit: dict, other_chosen: np.ndarray) -> int:
    """How many of `fit`'s saved layers lie between its default and the layer whose topic count is nearest
    the other fit's default: 0 when the other CPU chose the same granularity."""
    counts, other = [topic_count(layer) for layer in fit["layers"]], topic_count(other_chosen)
    nearest = min(range(len(counts)), key=lambda i: (abs(counts[i] - other), abs(i - fit["level"])))
    return abs(nearest - fit["level"])


def layer_counts(fit: dict) -> str:
    """The topic counts of a fit's saved layers, finest first, its default's in brackets."""
    counts = [topic_count(layer) for layer in fit["layers"]]
    return " ".join(f"[{k}]" if i == fit["level"] else str(k) for i, k in enumerate(counts))


def vector_differences(native: np.ndarray, emulated: np.ndarray) -> str:
    unit = [v / np.linalg.norm(v, axis=1, keepdims=True) for v in (native, emulated)]
    cosine = (unit[0] * unit[1]).sum(axis=1)
    same = int((native == emulated).all(axis=1).sum())
    largest = np.abs(native - emulated).max()
    return (f"{same:,} of {len(native):,} vectors bit-identical; largest difference {largest:.2g}; "
            f"cosine min {cosine.min():.4f}, median {np.median(cosine):.6f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", nargs="+", default=["m10"], choices=list(common.LABELED))
    parser.add_argument("--size", type=int, default=3000, help="a seeded sample of this many documents")
    parser.add_argument("--precision", default="int8", choices=["int8", "fp32"])
    parser.add_argument("--seeds", type=int, default=8, choices=range(1, len(SEEDS) + 1))
    parser.add_argument("--cpu", default="Haswell", help="the CPU QEMU emulates (qemu-x86_64 -cpu help); the "
                        "fits target an AVX2 CPU's kernels whatever it is (EMULATED_ENV)")
    parser.add_argument("--perturb", type=float, help="no emulation: the other fit's vectors are this CPU's plus "
                        "Gaussian noise of this scale")
    parser.add_argument("--noise-seed", type=int, default=1, help="--perturb: the noise's seed (another draw)")
    parser.add_argument("--level-votes", type=lambda votes: votes if votes == "auto" else int(votes), nargs="+",
                        default=[RunConfig().topics.level_votes],
                        help="topics.level_votes of the fits; several: each in turn, side by side in the summary")
    parser.add_argument("--embed-here", type=Path, help=argparse.SUPPRESS)  # the emulated process's job
    parser.add_argument("--fit-here", type=Path, help=argparse.SUPPRESS)  # a fitting process's job
    args = parser.parse_args()
    if args.embed_here or args.fit_here:
        return embed_here(args.embed_here) if args.embed_here else fit_here(args.fit_here)
    pairs = {votes: [pair for name in args.corpus for pair in compare(name, args, votes)] for votes in args.level_votes}
    print("\n| topics.level_votes | pairs of fits | same layer | neighbouring layer | further | topic counts within "
          "1.5x | largest ratio | NMI change, median | NMI change, max |\n|---|---|---|---|---|---|---|---|---|")
    for votes, found in pairs.items():
        apart, ratio, change = (np.array([pair[key] for pair in found]) for key in ("apart", "ratio", "nmi_change"))
        print(f"| {votes} | {len(found)} | {(apart == 0).sum()} | {(apart == 1).sum()} | {(apart > 1).sum()} "
              f"| {(ratio <= 1.5).sum()} | {ratio.max():.1f} | {np.median(change):.3f} | {change.max():.3f} |")


def compare(name: str, args, level_votes) -> list[dict]:
    """Fit one corpus's sample here and on the other CPU (or perturbed) per seed; print the table, return
    per seed how many layers apart the two defaults are, the ratio of their topic counts and their NMI's
    difference."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    corpus = common.labeled_sample(name, args.size, seed=1)
    classes, seeds = corpus.documents["class"].astype(str).tolist(), SEEDS[:args.seeds]
    native = common.embeddings(corpus, precision=args.precision)  # int8: also exports the copy natively
    recipe = f"int8 ({int8.RECIPE})" if args.precision == "int8" else "fp32 (torch)"
    if args.perturb:
        noise = np.random.default_rng(args.noise_seed).normal(0.0, args.perturb, native.shape)
        other, there_env = native + noise.astype(native.dtype), {}
        where, against = f"perturbed by {args.perturb:g}", f"the same perturbed by {args.perturb:g}"
    else:
        other = emulated_vectors(corpus.texts, args.cpu, args.precision, default_cache_dir())
        there_env, where, against = EMULATED_ENV, f"on {args.cpu}", f"an emulated {args.cpu}'s"
    print(f"\n{common.LABELED[name].title}, {len(corpus.texts):,}-document sample (seed 1), {recipe}, "
          f"topics.level_votes {level_votes}, this CPU's vectors against {against}: "
          f"{vector_differences(native, other)}\n")
    here = default_levels(native, corpus.texts, seeds, {}, level_votes)
    there = default_levels(other, corpus.texts, seeds, there_env, level_votes)
    # this CPU's vectors with the other CPU's kernels: which of the two moved the fit
    kernels_only = None if args.perturb else default_levels(native, corpus.texts, seeds, EMULATED_ENV, level_votes)
    extra = "" if args.perturb else " ARI, same vectors, kernels differ | ARI, same kernels, vectors differ |"
    print(f"| seed | layers here | layers {where} | NMI here | NMI {where} | ARI between them | layers apart |{extra}")
    print("|---" * (7 if args.perturb else 9) + "|")
    pairs = []
    for i, (seed, a, b) in enumerate(zip(seeds, here, there)):
        nmi = [normalized_mutual_info_score(classes, fit["chosen"]) for fit in (a, b)]
        counts = sorted(topic_count(fit["chosen"]) for fit in (a, b))
        pairs.append({"apart": max(layers_apart(a, b["chosen"]), layers_apart(b, a["chosen"])),
                      "ratio": counts[1] / max(counts[0], 1), "nmi_change": abs(nmi[0] - nmi[1])})
        row = (f"| {seed} | {layer_counts(a)} | {layer_counts(b)} | {nmi[0]:.3f} | {nmi[1]:.3f} "
               f"| {adjusted_rand_score(a['chosen'], b['chosen']):.3f} | {pairs[-1]['apart']} |")
        if kernels_only is not None:
            c = kernels_only[i]
            row += (f" {adjusted_rand_score(a['chosen'], c['chosen']):.3f} "
                    f"| {adjusted_rand_score(c['chosen'], b['chosen']):.3f} |")
        print(row, flush=True)
    return pairs


if __name__ == "__main__":
    main()
