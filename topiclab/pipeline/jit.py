"""numba's on-disk cache for the code a fit runs: on for UMAP and pynndescent while topiclab calls them, and a
damaged cache file rebuilt instead of a crash.

numba compiles UMAP's and pynndescent's functions again in every new process (about 20 s on two cores, more
than the fit of a few thousand documents), because the two packages mark almost none of them `cache=True`.
`compiled` turns numba's cache on for them only while topiclab's own call runs and then puts them back as
they were, so a user's own UMAP calls in the same process behave as UMAP ships them. The compiled code is
the same, so results do not change. TOPICLAB_NUMBA_CACHE=0 leaves them uncached.

The cache sits in each package's `__pycache__` (numba writes it whatever PYTHONDONTWRITEBYTECODE says) or
under NUMBA_CACHE_DIR when that is set. numba keys every entry by the source file's content hash and the
CPU (name and features), so another CPU's entries are simply not used. A damaged file (a truncated index
after a full disk) makes numba raise instead: `rebuilt_if_damaged` (and `compiled`), around every call into
numba code (topiclab's neighbour kernels, NN-descent, UMAP, EVoC's import and layer search), removes that file
with a one-line note and runs the call again, and numba compiles and saves the function anew.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
_PACKAGES = ("umap", "pynndescent")
_lock = threading.RLock()
_callers = 0  # topiclab calls inside `compiled` right now, across threads
_switched_on: list = []  # the dispatchers `compiled` turned caching on for, to turn off when the last call ends
_caches: dict = {}  # dispatcher -> the cache made for it the first time, attached again on the next call


def compiled(action: Callable[[], T]) -> T:
    """`action()` (a call into UMAP or pynndescent) with their numba cache on, a damaged cache file rebuilt."""
    with _library_caches():
        return rebuilt_if_damaged(action)


def rebuilt_if_damaged(action: Callable[[], T]) -> T:
    """`action()` (code that runs numba functions); a cache file numba cannot read is removed with a one-line
    note and `action` runs again. Every other error is raised as it is."""
    removed: set[Path] = set()
    while True:
        try:
            return action()
        except Exception as exc:  # noqa: BLE001  (re-raised unless numba's cache reader raised it)
            damaged = damaged_cache_file(exc)
            if damaged is None or damaged in removed:
                raise
            log.warning("numba's cache file %s could not be read (%s); removed it, compiling that code again.",
                        damaged, type(exc).__name__)
            damaged.unlink(missing_ok=True)
            removed.add(damaged)


def damaged_cache_file(exc: BaseException) -> Optional[Path]:
    """The numba cache index whose reading raised `exc`, or None when numba's cache reader did not raise it.

    numba reads its index and data files with pickle and lets the error through (caching.py); removing the
    index drops the function's entries, and numba overwrites its data files when it saves them again. An
    OSError (a file not readable or writable) is not damage: it is never removed."""
    if isinstance(exc, OSError):
        return None
    from numba.core.caching import IndexDataCacheFile

    for frame, _ in traceback.walk_tb(exc.__traceback__):
        owner = frame.f_locals.get("self")
        if isinstance(owner, IndexDataCacheFile):
            return Path(owner._index_path)  # numba's own attribute: where this function's index lives
    return None


@contextmanager
def _library_caches() -> Iterator[None]:
    """While inside, UMAP's and pynndescent's not-yet-cached numba functions save and load their compilation."""
    global _callers
    from numba.core.caching import NullCache
    from numba.core.errors import NumbaWarning

    with _lock:
        if _callers == 0 and os.environ.get("TOPICLAB_NUMBA_CACHE", "1") != "0":
            _switched_on.extend(_cache_uncached())
        _callers += 1
    try:
        with warnings.catch_warnings():  # pynndescent's two NN-descent drivers use globals numba cannot cache:
            warnings.filterwarnings("ignore", "Cannot cache compiled function", NumbaWarning)  # they compile anyway
            yield
    finally:
        with _lock:
            _callers -= 1
            if _callers == 0:
                for dispatcher in _switched_on:
                    dispatcher._cache = NullCache()  # numba's own attribute: as the package shipped it
                _switched_on.clear()


def _cache_uncached() -> list:
    """Caching on for the loaded UMAP and pynndescent functions that ship without it (callers import first)."""
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    switched = []
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".", 1)[0] not in _PACKAGES:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, Dispatcher) and isinstance(getattr(value, "_cache", None), NullCache):
                if value in _caches:
                    value._cache = _caches[value]  # numba's own attribute, as `enable_caching` sets it
                else:
                    value.enable_caching()
                    _caches[value] = value._cache
                switched.append(value)
    return switched
