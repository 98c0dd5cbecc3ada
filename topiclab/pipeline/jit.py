"""Keep numba's compiled UMAP code on disk, so a fresh process (a report kernel, a CLI fit) does not compile it again.

Numba compiles UMAP's functions on the first fit in every new process: about 20 s on two cores, more
than the fit of a few thousand documents itself. UMAP marks almost none of them `cache=True`, so we
turn numba's on-disk cache on for them (next to the package, or under NUMBA_CACHE_DIR when set).
The compiled code is the same, so results do not change. TOPICLAB_NUMBA_CACHE=0 turns this off.
"""

from __future__ import annotations

import os
import sys

_PACKAGES = ("umap", "pynndescent")


def cache_numba_compilation() -> int:
    """Turn on the on-disk cache of every not-yet-cached numba function of UMAP and pynndescent.

    Cheap to call again: functions already cached are skipped."""
    if os.environ.get("TOPICLAB_NUMBA_CACHE", "1") == "0":
        return 0
    import umap  # noqa: F401  (loads its submodules and pynndescent)
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    enabled = 0
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".", 1)[0] not in _PACKAGES:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, Dispatcher) and isinstance(getattr(value, "_cache", None), NullCache):
                value.enable_caching()
                enabled += 1
    return enabled
