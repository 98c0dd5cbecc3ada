"""What a long fit shows while it works: one line or bar per stage, refreshed every second.

A stage whose work comes in steps (embedding blocks, neighbour blocks, layout epochs) shows a tqdm bar;
a stage that is one library call (NN-descent, the layer search) shows a bar that counts the seconds, so
nothing goes quiet for minutes. tqdm.auto gives widget bars in JupyterLab and text bars in a terminal.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from typing import Iterator, Optional

from tqdm.auto import tqdm

#: Corpora from this size on show progress when the caller did not say (small fits finish in seconds).
SHOW_FROM = 5_000


def wanted(progress: Optional[bool], n_documents: int) -> bool:
    return progress if progress is not None else n_documents >= SHOW_FROM


#: Seconds a stage runs before its bar appears: quick stages leave no trace in a terminal or a notebook.
STAGE_DELAY = 1.0


@contextmanager
def stage(description: str, show: bool, total: Optional[int] = None, unit: str = "it") -> Iterator[tqdm]:
    """A bar for one stage: advance it with `.update(n)`; without `total` it ticks the elapsed seconds."""
    bar = tqdm(total=total, desc=description, unit=unit, disable=not show, leave=True, dynamic_ncols=True,
               bar_format=None if total else "{desc}: {elapsed}", delay=STAGE_DELAY)
    stop = threading.Event()
    ticker = None
    if show and total is None:
        ticker = threading.Thread(target=_tick, args=(bar, stop), daemon=True)
        ticker.start()
    try:
        yield bar
    finally:
        stop.set()
        if ticker is not None:
            ticker.join()
        bar.close()


def _tick(bar: tqdm, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        bar.refresh()


class Stopwatch:
    """Seconds per named stage, for the run's manifest."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - started, 3)


@contextmanager
def quiet_logger(name: str) -> Iterator[None]:
    """Only errors from the logger `name` ('' for the root) while inside: libraries that log every step
    (distributed's connections, ONNX export hints) would otherwise bury our progress bars."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)

