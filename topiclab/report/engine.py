"""papermill's engine for reports, saving the running notebook every few seconds instead of twice a cell.

papermill writes the whole output notebook when each cell starts and when it ends. A report's notebook
holds megabytes (plotly.js, the document map's data), so on 2,000 documents those ~70 writes cost about
as much as the fit. Here the notebook is written when it starts, then at most every `SAVE_EVERY` seconds
as cells finish, and always at the end (papermill also writes it, with the error, when a cell fails).
"""

from __future__ import annotations

import time
from typing import Optional

from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

ENGINE_NAME = "topiclab"
SAVE_EVERY = 10.0


class ThrottledSaves(NotebookExecutionManager):
    _saved_at: Optional[float] = None

    def save(self, **kwargs) -> None:
        now = time.monotonic()
        if self.end_time is not None or self._saved_at is None or now - self._saved_at >= SAVE_EVERY:
            super().save(**kwargs)
            self._saved_at = now


class ReportEngine(NBClientEngine):
    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                         autosave_cell_every=30, **kwargs):
        """papermill's `Engine.execute_notebook` with `ThrottledSaves` as the execution manager."""
        manager = ThrottledSaves(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
                                 autosave_cell_every=autosave_cell_every)
        manager.notebook_start()
        try:
            cls.execute_managed_notebook(manager, kernel_name, log_output=log_output, **kwargs)
        finally:
            manager.cleanup_pbar()
            manager.notebook_complete()
        return manager.nb


papermill_engines.register(ENGINE_NAME, ReportEngine)
