"""The corpus as Parquet partitions on a Dask cluster: embedded there, and given topics there.

The driver (this process) writes the texts in partitions to a working folder, maps one task per partition
with `client.map`, and reads back only what the fit needs here. Tasks are placed by Dask's scheduler; the
results come back in partition order, so every array lines up with the corpus.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import numpy as np

from topiclab.compute import tasks
from topiclab.config import EmbeddingConfig, VectorizerConfig
from topiclab.embed import EmbeddingReport
from topiclab.errors import ComputeError, TopicLabError
from topiclab.pipeline.predictor import Decided, Reference
from topiclab.pipeline.words import TermCounts
from topiclab.progress import stage

#: Fewest documents worth a partition of their own (below it a task costs more than it saves).
MIN_PARTITION = 500


@contextmanager
def work_folder(parent: Optional[str]) -> Iterator[Path]:
    """A fresh folder for one run's partitions (in `parent`, else the system's temporary folder), removed after."""
    if parent is not None:
        folder = Path(parent).expanduser().resolve() / f"topiclab-{uuid.uuid4().hex[:12]}"
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise ComputeError(f"Cannot create the Dask working folder in {parent} ({exc.strerror or exc}): set "
                               "compute.work_dir to a writable folder every worker machine mounts.") from None
    else:
        folder = Path(tempfile.mkdtemp(prefix="topiclab-dask-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def partition_bounds(n: int, partition_size: int, n_workers: int) -> np.ndarray:
    """Start of each partition and the end: at most `partition_size` documents each, and at least two
    partitions per worker when there are enough documents, so every worker has work."""
    count = max(-(-n // partition_size), min(2 * n_workers, -(-n // MIN_PARTITION)), 1)
    return np.linspace(0, n, count + 1).round().astype(np.int64)


class Partitions:
    """One corpus cut into consecutive partitions (`bounds`), each a texts file and, once embedded, a vectors
    file in `folder`, processed by the workers of `client`."""

    def __init__(self, client, folder: Path, bounds: np.ndarray, show: bool = False):
        self.client, self.folder, self.bounds, self.show = client, folder, bounds, show
        self.embedded = False

    @classmethod
    def write(cls, client, texts: list[str], folder: Path, partition_size: int, show: bool = False) -> "Partitions":
        bounds = partition_bounds(len(texts), partition_size, len(client.scheduler_info()["workers"]))
        partitions = cls(client, folder, bounds, show)
        for i in range(partitions.count):
            tasks.write_texts(partitions.text_path(i), texts[bounds[i]:bounds[i + 1]])
        return partitions

    @property
    def count(self) -> int:
        return len(self.bounds) - 1

    def text_path(self, i: int) -> Path:
        return self.folder / f"texts-{i:05d}.parquet"

    def vector_path(self, i: int) -> Path:
        return self.folder / f"vectors-{i:05d}.parquet"

    def summary(self) -> dict:
        """For the run's manifest: how the work was spread (never the scheduler's address)."""
        sizes = np.diff(self.bounds)
        return {"engine": "dask", "workers": len(self.client.scheduler_info()["workers"]),
                "partitions": self.count, "largest_partition": int(sizes.max(initial=0))}

    # ------------------------------------------------------------------ embedding
    def embed(self, config: EmbeddingConfig) -> tuple[np.ndarray, EmbeddingReport]:
        """Every document's vector, embedded on the workers (each through its own embedding cache), in order."""
        reports = self._run("Embedding", tasks.embed_partition,
                            [self.text_path(i) for i in range(self.count)],
                            [self.vector_path(i) for i in range(self.count)], [config] * self.count)
        self.embedded = True
        return self.vectors(), _combine(reports, int(self.bounds[-1]))

    def store_vectors(self, vectors: np.ndarray) -> None:
        """Vectors computed elsewhere, written as the partitions' vectors files."""
        for i in range(self.count):
            tasks.write_vectors(self.vector_path(i), vectors[self.bounds[i]:self.bounds[i + 1]])
        self.embedded = True

    def vectors(self) -> np.ndarray:
        """All vectors, read from the partitions' files (the run keeps them in one array)."""
        return np.vstack([tasks.read_vectors(self.vector_path(i)) for i in range(self.count)])

    # ------------------------------------------------------------------ topics
    def assign(self, reference: Reference, topics: np.ndarray, assigned_by: np.ndarray, in_sample: np.ndarray,
               rule: dict, vectorizer: VectorizerConfig) -> tuple[Decided, TermCounts]:
        """`topiclab.pipeline.predictor.decide` for every partition on the workers, with the reference sent to
        each worker once; the term counts per topic summed here (see `TermCounts.combine`)."""
        if not self.embedded:
            raise ComputeError("The partitions have no vectors yet: embed them (or store vectors) first.")
        shared = self.client.scatter(reference, broadcast=True, hash=False)
        slices = [slice(self.bounds[i], self.bounds[i + 1]) for i in range(self.count)]
        parts = self._run("Assigning topics", tasks.assign_partition,
                          [self.text_path(i) for i in range(self.count)],
                          [self.vector_path(i) for i in range(self.count)], [shared] * self.count,
                          [topics[s] for s in slices], [assigned_by[s] for s in slices],
                          [in_sample[s] for s in slices], [rule] * self.count, [vectorizer] * self.count)
        return Decided.concatenate([p[0] for p in parts]), TermCounts.combine([p[1] for p in parts])

    # ------------------------------------------------------------------ internals
    def _run(self, what: str, function, *arguments: list) -> list:
        """One task per partition; their results in partition order. A worker's own error (a TopicLabError,
        say a model it cannot load) comes through as it is."""
        from distributed import KilledWorker, as_completed

        futures = self.client.map(function, *arguments, pure=False)
        order = {future.key: i for i, future in enumerate(futures)}
        results: list = [None] * len(futures)
        workers = len(self.client.scheduler_info()["workers"])
        try:
            with stage(f"{what} in {self.count} partitions on {workers} Dask worker(s)", self.show,
                       total=self.count, unit="partition") as bar:
                for future in as_completed(futures, loop=self.client.loop):
                    results[order[future.key]] = future.result()
                    bar.update()
        except TopicLabError:
            raise
        except FileNotFoundError as exc:
            raise ComputeError(f"A Dask worker cannot read the partition {exc.filename or exc}: the workers must "
                               f"see the working folder {self.folder}. On a cluster of several machines set "
                               "compute.work_dir to a folder every machine mounts at the same path.") from None
        except ImportError as exc:
            raise ComputeError(f"A Dask worker cannot import what the task needs ({exc}): install the same topiclab "
                               "(with its dependencies) on every worker machine.") from None
        except KilledWorker:
            raise ComputeError(f"A Dask worker died while {what.lower()} (out of memory?): lower "
                               "compute.partition_size, or give the workers more memory.") from None
        finally:
            self.client.cancel([f for f in futures if not f.done()])
        return results


def _combine(reports: list[dict], n_documents: int) -> EmbeddingReport:
    """The partitions' embedding reports as one for the corpus."""
    first = reports[0]
    combined = EmbeddingReport(model=first["model"], n_documents=n_documents, long_documents=first["long_documents"])
    for report in reports:
        combined.n_cached += report["n_cached"]
        combined.n_embedded += report["n_embedded"]
        combined.n_too_long += report["n_too_long"]
        combined.cache_damaged_rows += report["cache_damaged_rows"]
        combined.notes += [note for note in report["notes"] if note not in combined.notes]
    workers = sorted({report["worker"] for report in reports})
    combined.notes.append(f"embedded in {len(reports)} partitions on {len(workers)} Dask worker(s), each through "
                          "its own machine's embedding cache")
    return combined
