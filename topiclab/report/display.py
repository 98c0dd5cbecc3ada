"""How the report notebook shows figures so that they survive nbconvert and work offline.

Under papermill plotly's default renderer emits only its JSON mimetype, which nbconvert drops, and
its `notebook` renderer loads MathJax from a CDN. The `topiclab` renderer emits both the JSON (for
JupyterLab) and self-contained HTML (for the exported page), and puts plotly.js into the notebook
once, before the first figure.

Notebook cells show every warning and log line on stderr as a red box, so the report's and the explore
notebook's cells run inside `quiet_libraries`, entered and left around each cell (`quiet_cells`): the
filters, log levels and environment it changes are put back after every cell, never changed for the process.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
import weakref
from contextlib import ExitStack, contextmanager
from typing import Iterator

import plotly.io as pio
from plotly.io.base_renderers import PlotlyRenderer

RENDERER = "topiclab"
#: A name in the notebook's namespace that says plotly.js is already in this notebook.
_PLOTLYJS_SHOWN = "_topiclab_plotlyjs_shown"
#: Libraries whose log records below ERROR are chatter in a notebook.
_CHATTY_LOGGERS = ("BERTopic", "sentence_transformers", "transformers", "huggingface_hub", "numba", "umap", "hdbscan",
                   "httpx", "llama_cpp")


class OfflineRenderer(PlotlyRenderer):
    """plotly's JSON mimetype plus HTML that needs only the plotly.js embedded by `activate`."""

    def activate(self) -> None:
        from IPython.display import display_html
        from plotly.offline import get_plotlyjs

        display_html(f'<script type="text/javascript">{get_plotlyjs()}</script>', raw=True)

    def to_mimebundle(self, fig_dict: dict) -> dict:
        bundle = super().to_mimebundle(fig_dict)
        bundle["text/html"] = pio.to_html(fig_dict, config=self.config, include_plotlyjs=False, include_mathjax=False,
                                          full_html=False, default_width="100%", default_height=525, validate=False)
        return bundle


#: Read by these libraries when first imported: transformers' log level, huggingface_hub's download bars, and
#: tokenizers' warning after every fork of a process that used it.
_QUIET_ENVIRONMENT = {"TRANSFORMERS_VERBOSITY": "error", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
                      "TOKENIZERS_PARALLELISM": "false"}
#: Notebook shells whose cells already run quiet (see quiet_cells).
_QUIET_SHELLS: "weakref.WeakSet" = weakref.WeakSet()


@contextmanager
def quiet_libraries(topiclab_warnings: bool = True) -> Iterator[None]:
    """Within the block, keep libraries' chatter out of notebook cells, where every line on stderr is a red box:
    their warnings (topiclab's still show, unless `topiclab_warnings` is False), their log records below ERROR,
    and the bars transformers draws while it loads a model ("Loading weights").

    Everything is put back on leaving: the warnings filters, the loggers' levels, the environment and
    transformers' bars, so a user's own settings hold outside the block. A library first imported inside
    keeps what it read from the environment then (its own log level and bars), which concerns its chatter
    only."""
    loggers = [logging.getLogger(name) for name in _CHATTY_LOGGERS]
    levels = [logger.level for logger in loggers]
    environment = {key: os.environ.get(key) for key in _QUIET_ENVIRONMENT}
    transformers_bars = _transformers_bars(enabled=False)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        if topiclab_warnings:
            warnings.filterwarnings("default", module=r"topiclab(\.|$)")
        for key, value in _QUIET_ENVIRONMENT.items():
            os.environ.setdefault(key, value)
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels):
                logger.setLevel(level)
            for key, value in environment.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            if transformers_bars:
                _transformers_bars(enabled=True)


def _transformers_bars(enabled: bool) -> bool:
    """Turn transformers' progress bars on or off when it is imported; whether they were on."""
    if "transformers" not in sys.modules:
        return False
    from transformers.utils import logging as transformers_logging

    before = transformers_logging.is_progress_bar_enabled()
    transformers_logging.enable_progress_bar() if enabled else transformers_logging.disable_progress_bar()
    return before


def quiet_cells(topiclab_warnings: bool = True) -> None:
    """Run the rest of the current notebook cell and every later cell inside `quiet_libraries`: entered when a
    cell starts and left when it ends (IPython's pre/post_run_cell events), so a notebook's outputs stay free
    of library chatter while nothing changes between cells. Calling it again changes nothing; outside
    IPython it does nothing."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or shell in _QUIET_SHELLS:
        return
    cell = ExitStack()

    def enter(*_) -> None:
        cell.enter_context(quiet_libraries(topiclab_warnings))

    def leave(*_) -> None:
        cell.close()

    shell.events.register("pre_run_cell", enter)
    shell.events.register("post_run_cell", leave)
    _QUIET_SHELLS.add(shell)
    enter()  # this cell too: its end leaves it


def setup_report_notebook() -> None:
    """Make figures exportable and keep warnings and library chatter out of the shared report: its cells run
    quiet (`quiet_cells`), topiclab's own warnings included."""
    import pandas as pd
    from IPython import get_ipython

    if RENDERER not in pio.renderers:
        pio.renderers[RENDERER] = OfflineRenderer(config={"displaylogo": False, "responsive": True})
    # plotly.js goes into the notebook once: when the renderer becomes the default (which activates it),
    # or again after the namespace was emptied (a batch worker's kernel starting its next report).
    namespace = getattr(get_ipython(), "user_ns", None)
    if pio.renderers.default != RENDERER:
        pio.renderers.default = RENDERER
    elif namespace is not None and _PLOTLYJS_SHOWN not in namespace:
        pio.renderers[RENDERER].activate()
    if namespace is not None:
        namespace[_PLOTLYJS_SHOWN] = True
    pd.set_option("display.max_colwidth", 200)
    pd.set_option("display.max_rows", 200)
    quiet_cells(topiclab_warnings=False)
