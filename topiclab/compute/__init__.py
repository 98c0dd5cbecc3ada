"""Beyond one machine: embedding and topic assignment as partitioned tasks on a Dask cluster.

`partitioned(texts, config.compute)` connects to `compute.scheduler` (an address, or 'local' for a
`distributed.LocalCluster`), cuts the corpus into Parquet partitions in a working folder and yields a
`Partitions` that the workflow hands to the embedding and to `TopicModel.fit`: each worker embeds its
partitions through its own on-disk embedding cache and writes their vectors as Parquet; the clustering is
fitted here on the seeded fit sample; the fitted reference is scattered once, and each worker gives its
partitions' documents their topics by the same vote as the single-machine fit, with their term counts.
Without a scheduler it yields None and everything runs in this process.

Layers: this package sits beside `pipeline` (it runs the pipeline's own functions on the workers); it imports
dask only when a scheduler is set.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator, Optional

from topiclab.config import ComputeConfig

if TYPE_CHECKING:
    from topiclab.compute.partitions import Partitions


@contextmanager
def partitioned(texts: list[str], compute: ComputeConfig, show: bool = False) -> Iterator[Optional["Partitions"]]:
    """The corpus as partitions on the cluster at `compute.scheduler`, or None without one. The cluster
    ('local') and the working folder last as long as the block."""
    if not compute.scheduler:
        yield None
        return
    from topiclab.compute.client import connect
    from topiclab.compute.partitions import Partitions, work_folder

    with connect(compute.scheduler) as client, work_folder(compute.work_dir) as folder:
        yield Partitions.write(client, texts, folder, compute.partition_size, show)


__all__ = ["partitioned"]
