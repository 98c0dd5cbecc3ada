"""The same topics on another kind of CPU? This machine against an AVX2-only CPU, emulated.

ONNX Runtime and the numeric libraries pick their kernels by CPU: AVX-512 (with VNNI for int8) here, AVX2 on
many laptops and older servers. This benchmark embeds a labeled sample twice with the default int8 MiniLM:
natively, and under QEMU's user-mode emulation of an AVX2-only CPU (`qemu-x86_64 -cpu Haswell`, Debian's
`qemu-user`). It prints how far the two sets of vectors differ, then fits each with the defaults and the
same seeds, the emulated CPU's vectors with numba, OpenBLAS and NumPy told to compile for that CPU and pick
its kernels (EMULATED_ENV: the fit itself runs natively, emulating it would take days), and prints the
default level per seed on each: topics, NMI, and how far the two partitions agree (ARI), and, to tell the
vectors' share from the kernels', this CPU's vectors fitted with the emulated CPU's kernels.

Emulation is about 300 times slower than native, so the default sample is short texts (3,000 M10 titles,
about 25 minutes on 2 cores); the emulated vectors are kept in the cache folder (`cross-cpu/`), so a later
run only fits.

    python benchmarks/bench_cross_cpu.py [--corpus m10] [--size 3000] [--seeds 8] [--cpu Haswell]
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

from topiclab.config import EmbeddingConfig
from topiclab.embed import default_cache_dir, embed_documents, int8

import common

SEEDS = (42, 1, 2, 3, 4, 5, 6, 7)  # bench_quality.py's; its imports would slow the emulated process by minutes

#: An AVX2-only CPU's kernels, asked of the libraries that would otherwise pick this CPU's.
EMULATED_ENV = {"NUMBA_CPU_NAME": "haswell", "OPENBLAS_CORETYPE": "Haswell",
                "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"}


def emulated_vectors(texts: list[str], cpu: str, cache_dir: Path) -> np.ndarray:
    """The texts' int8 vectors as the emulated CPU computes them, from the copy this CPU exported (kept apart
    from the embedding cache, whose vectors are this CPU's)."""
    digest = hashlib.sha256(json.dumps(texts).encode()).hexdigest()[:12]
    kept = cache_dir / "cross-cpu" / f"{int8.RECIPE}-{cpu}-{digest}.npy"
    if kept.exists():
        return np.load(kept)
    if not shutil.which("qemu-x86_64"):
        sys.exit("qemu-x86_64 is missing: apt-get install -y qemu-user")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        shutil.copytree(cache_dir / "onnx", scratch / "onnx")  # the exported copy, no cached vectors
        (scratch / "texts.json").write_text(json.dumps(texts))
        subprocess.run(["qemu-x86_64", "-cpu", cpu, sys.executable, __file__, "--embed-here", str(scratch)],
                       check=True, stderr=subprocess.DEVNULL)  # QEMU warns about every CPUID bit it lacks
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f".{kept.name}.partial")
        shutil.move(scratch / "vectors.npy", partial)  # another file system: a copy, renamed once whole
        os.replace(partial, kept)
    return np.load(kept)


def embed_here(scratch: Path) -> None:
    """Runs under emulation: embeds the texts with the exported copy in `scratch`, caching nothing."""
    texts = json.loads((scratch / "texts.json").read_text())
    vectors, _ = embed_documents(texts, EmbeddingConfig(precision="int8", cache=False, cache_dir=scratch))
    np.save(scratch / "vectors.npy", vectors)


def default_levels(vectors: np.ndarray, texts: list[str], seeds, env: dict) -> list[np.ndarray]:
    """Each seed's default topics, fitted in a fresh process whose libraries target the CPU `env` names."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        np.save(scratch / "vectors.npy", vectors)
        (scratch / "fit.json").write_text(json.dumps({"texts": texts, "seeds": list(seeds)}))
        subprocess.run([sys.executable, __file__, "--fit-here", str(scratch)], check=True, env={**os.environ, **env})
        return list(np.load(scratch / "topics.npy"))


def fit_here(scratch: Path) -> None:
    from topiclab.config import RunConfig
    from topiclab.pipeline import TopicModel

    job, vectors = json.loads((scratch / "fit.json").read_text()), np.load(scratch / "vectors.npy")
    topics = [TopicModel(RunConfig.build(overrides={"seed": seed, "compute.cache": False}), progress=False)
              .fit(job["texts"], embeddings=vectors).topics_ for seed in job["seeds"]]
    np.save(scratch / "topics.npy", np.vstack(topics))


def vector_differences(native: np.ndarray, emulated: np.ndarray) -> str:
    unit = [v / np.linalg.norm(v, axis=1, keepdims=True) for v in (native, emulated)]
    cosine = (unit[0] * unit[1]).sum(axis=1)
    same = int((native == emulated).all(axis=1).sum())
    largest = np.abs(native - emulated).max()
    return (f"{same:,} of {len(native):,} vectors bit-identical; largest difference {largest:.2g}; "
            f"cosine min {cosine.min():.4f}, median {np.median(cosine):.6f}")


def main() -> None:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="m10", choices=list(common.LABELED))
    parser.add_argument("--size", type=int, default=3000, help="a seeded sample of this many documents")
    parser.add_argument("--seeds", type=int, default=8, choices=range(1, len(SEEDS) + 1))
    parser.add_argument("--cpu", default="Haswell", help="the CPU QEMU emulates (qemu-x86_64 -cpu help); the "
                        "fits target an AVX2 CPU's kernels whatever it is (EMULATED_ENV)")
    parser.add_argument("--embed-here", type=Path, help=argparse.SUPPRESS)  # the emulated process's job
    parser.add_argument("--fit-here", type=Path, help=argparse.SUPPRESS)  # a fitting process's job
    args = parser.parse_args()
    if args.embed_here or args.fit_here:
        return embed_here(args.embed_here) if args.embed_here else fit_here(args.fit_here)
    corpus = common.labeled_sample(args.corpus, args.size, seed=1)
    classes, seeds = corpus.documents["class"].astype(str).tolist(), SEEDS[:args.seeds]
    native = common.embeddings(corpus)  # also exports the int8 copy natively (the export runs torch)
    emulated = emulated_vectors(corpus.texts, args.cpu, default_cache_dir())
    print(f"{common.LABELED[args.corpus].title}, {len(corpus.texts):,}-document sample (seed 1), int8 "
          f"({int8.RECIPE}), this CPU against an emulated {args.cpu}: {vector_differences(native, emulated)}\n")
    here = default_levels(native, corpus.texts, seeds, {})
    there = default_levels(emulated, corpus.texts, seeds, EMULATED_ENV)
    kernels_only = default_levels(native, corpus.texts, seeds, EMULATED_ENV)  # this CPU's vectors, its kernels
    print(f"| seed | topics here | topics on {args.cpu} | NMI here | NMI on {args.cpu} | ARI between them "
          f"| ARI with this CPU's vectors on {args.cpu}'s kernels |")
    print("|---|---|---|---|---|---|---|")
    for seed, a, b, c in zip(seeds, here, there, kernels_only):
        count = [len(np.unique(t[t >= 0])) for t in (a, b)]
        print(f"| {seed} | {count[0]} | {count[1]} | {normalized_mutual_info_score(classes, a):.3f} "
              f"| {normalized_mutual_info_score(classes, b):.3f} | {adjusted_rand_score(a, b):.3f} "
              f"| {adjusted_rand_score(a, c):.3f} |")

if __name__ == "__main__":
    main()
