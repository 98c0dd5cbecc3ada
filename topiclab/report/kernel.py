"""The Jupyter kernel a report runs in: started ahead of its notebook, and kept warm for a batch worker.

A fresh kernel spends seconds before a report's first line of work: Python itself, then pandas,
scikit-learn, plotly and numba's compiled functions. So the kernel is started as soon as the caller
knows it will need one, and told at once to import what every report imports: that runs while the
caller prepares the notebook (for a lone report it fits the run meanwhile, see `run_report`). A kernel
for one notebook begins to shut down as soon as the notebook is done, while the caller exports the HTML.

A batch worker keeps one kernel for all its reports and empties the kernel's namespace before each
notebook: imported modules and loaded functions (and models) stay, no variable of the previous report
does. A kernel that died is replaced.
"""

from __future__ import annotations

import queue
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from jupyter_client import AsyncKernelClient, AsyncKernelManager, BlockingKernelClient
from jupyter_core.utils import run_sync

#: Run before each notebook after the first: a new namespace (IPython's %reset), the report's folder.
_RESET = "get_ipython().reset(new_session=False)\nimport os\nos.chdir({cwd!r})\ndel os\n"
#: Imported by a kernel as it starts (modules only: the notebook's namespace stays empty): what every
#: report imports, plotly's renderers and the document map's vectorizer included. The fit's own modules
#: (numba, UMAP, EVoC) are left out: a lone report fits in the calling process (`make_report`).
PRELOAD = ("topiclab.report", "topiclab.figures", "plotly.express", "plotly.io._renderers",
           "sklearn.feature_extraction.text")
#: plotly's renderers import nbformat, which imports jsonschema, which imports rfc3987_syntax where it is
#: installed (JupyterLab's jupyter-events brings it): that compiles 38 Lark grammars, 1.1 s of every
#: report kernel's start, for IRI format checks a report never makes. The kernel imports without it.
PRELOAD_CODE = ("import importlib, sys\nsys.modules.setdefault('rfc3987_syntax', None)\n"
                f"for _name in {PRELOAD!r}:\n    importlib.import_module(_name)\ndel importlib, sys, _name\n")
_TIMEOUT = 120


class _Manager(AsyncKernelManager):
    """Remembers the clients opened on it: nbclient leaves its client's channels open on a kernel it does not
    own, and each would keep its sockets."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.clients: list[AsyncKernelClient] = []

    def client(self, **kwargs) -> AsyncKernelClient:
        opened = super().client(**kwargs)
        self.clients.append(opened)
        return opened

    def close_clients(self) -> None:
        for client in self.clients:
            client.stop_channels()
        self.clients.clear()


class ReportKernel:
    """One kernel (`name`, a kernel spec) for one notebook, or reused for many (`reuse=True`, a batch
    worker's); `start(cwd)` as early as possible, `manager(cwd)` before each notebook, `finished()` after
    it, `shutdown()` at the end (`running(cwd)` starts and shuts down around a block)."""

    def __init__(self, name: str, *, reuse: bool = False):
        self.name = name
        self.reuse = reuse
        self._manager: Optional[_Manager] = None
        self._started_in: Optional[Path] = None  # set while the kernel has run no notebook yet
        self._preloading: Optional[tuple[BlockingKernelClient, str]] = None
        self._stopping = False

    def start(self, cwd: Path) -> None:
        """Start the kernel in `cwd` and send it the imports every report needs; returns without waiting
        for either."""
        self.shutdown()
        manager = _Manager(kernel_name=self.name)
        run_sync(manager.start_kernel)(cwd=str(cwd))
        self._manager, self._started_in = manager, Path(cwd)
        client = self._client()
        self._preloading = client, client.execute(PRELOAD_CODE, silent=True, store_history=False)

    @contextmanager
    def running(self, cwd: Path) -> Iterator[ReportKernel]:
        """Started in `cwd` for the block, shut down after it."""
        self.start(cwd)
        try:
            yield self
        finally:
            self.shutdown()

    def manager(self, cwd: Path) -> AsyncKernelManager:
        """The running kernel with an empty namespace and `cwd` as working folder (started or replaced
        when there is none or it died)."""
        if self._manager is not None and not self._stopping:
            self._manager.close_clients()  # the last notebook's
            fresh, self._started_in = self._started_in, None
            self._finish_preload()
            if run_sync(self._manager.is_alive)() and (fresh == Path(cwd) or self._reset(cwd)):
                return self._manager
        self.start(cwd)
        self._started_in = None
        self._finish_preload()
        return self._manager

    def finished(self) -> None:
        """The notebook is done: a kernel not kept for another one starts shutting down (without waiting)."""
        if self.reuse or self._manager is None:
            return
        self._manager.close_clients()
        run_sync(self._manager.request_shutdown)()
        self._stopping = True

    def shutdown(self) -> None:
        """Stop the kernel, if one runs, and wait for it to exit. One that never ran a notebook (its caller
        failed first) is killed: interrupting it mid-import would print a traceback into the caller's terminal."""
        self._drop_preload()
        manager, self._manager = self._manager, None
        if manager is None:
            return
        manager.close_clients()
        unused, self._started_in = self._started_in is not None, None
        if self._stopping:
            self._stopping = False
            run_sync(manager.finish_shutdown)()
            run_sync(manager.cleanup_resources)()
        else:
            run_sync(manager.shutdown_kernel)(now=unused)

    def _finish_preload(self) -> None:
        """Wait for the imports sent at start (a notebook would wait behind them anyway). A failed import,
        or a kernel that died, is left to the notebook, whose start or first cell says why."""
        if self._preloading is None:
            return
        client, request = self._preloading
        deadline = time.monotonic() + _TIMEOUT
        try:
            while time.monotonic() < deadline:
                try:
                    if client.get_shell_msg(timeout=1)["parent_header"].get("msg_id") == request:
                        return
                except queue.Empty:
                    if not run_sync(self._manager.is_alive)():
                        return
        finally:
            self._drop_preload()

    def _drop_preload(self) -> None:
        if self._preloading is not None:
            self._preloading[0].stop_channels()
            self._preloading = None

    def _client(self) -> BlockingKernelClient:
        client = BlockingKernelClient()
        client.load_connection_info(self._manager.get_connection_info())
        client.start_channels()
        return client

    def _reset(self, cwd: Path) -> bool:
        """Empty the namespace and change folder; False when the kernel does not answer as it should."""
        client = self._client()
        try:
            client.wait_for_ready(timeout=_TIMEOUT)
            reply = client.execute_interactive(_RESET.format(cwd=str(cwd)), store_history=False, timeout=_TIMEOUT,
                                               output_hook=lambda message: None)
            return reply["content"]["status"] == "ok"
        except (RuntimeError, TimeoutError):
            return False
        finally:
            client.stop_channels()
