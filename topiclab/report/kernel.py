"""A Jupyter kernel kept warm for the reports of one batch worker.

A fresh kernel spends seconds before a report's first line of work: Python itself, then pandas,
scikit-learn, plotly and numba's compiled functions. A batch worker keeps one kernel for all its
reports and empties the kernel's namespace before each notebook: imported modules and loaded
functions (and models) stay, no variable of the previous report does. A kernel that died is replaced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from jupyter_client import AsyncKernelClient, AsyncKernelManager, BlockingKernelClient
from jupyter_core.utils import run_sync

#: Run before each notebook after the first: a new namespace (IPython's %reset), the report's folder.
_RESET = "get_ipython().reset(new_session=False)\nimport os\nos.chdir({cwd!r})\ndel os\n"
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


class WarmKernel:
    """One kernel (`name`, a kernel spec) reused for many notebooks; `manager(cwd)` before each."""

    def __init__(self, name: str):
        self.name = name
        self._manager: Optional[_Manager] = None

    def manager(self, cwd: Path) -> AsyncKernelManager:
        """The running kernel with an empty namespace and `cwd` as working folder (started or replaced
        when there is none or it died)."""
        if self._manager is not None:
            self._manager.close_clients()  # the last notebook's
            if run_sync(self._manager.is_alive)() and self._reset(cwd):
                return self._manager
        self.shutdown()
        manager = _Manager(kernel_name=self.name)
        run_sync(manager.start_kernel)(cwd=str(cwd))
        self._manager = manager
        return manager

    def _reset(self, cwd: Path) -> bool:
        """Empty the namespace and change folder; False when the kernel does not answer as it should."""
        client = BlockingKernelClient()
        client.load_connection_info(self._manager.get_connection_info())
        client.start_channels()
        try:
            client.wait_for_ready(timeout=_TIMEOUT)
            reply = client.execute_interactive(_RESET.format(cwd=str(cwd)), store_history=False, timeout=_TIMEOUT,
                                               output_hook=lambda message: None)
            return reply["content"]["status"] == "ok"
        except (RuntimeError, TimeoutError):
            return False
        finally:
            client.stop_channels()

    def shutdown(self) -> None:
        """Stop the kernel, if one runs."""
        manager, self._manager = self._manager, None
        if manager is not None:
            manager.close_clients()
            run_sync(manager.shutdown_kernel)(now=False)
