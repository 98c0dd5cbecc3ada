"""How the report notebook shows figures so that they survive nbconvert and work offline.

Under papermill plotly's default renderer emits only its JSON mimetype, which nbconvert drops, and
its `notebook` renderer loads MathJax from a CDN. The `topiclab` renderer emits both the JSON (for
JupyterLab) and self-contained HTML (for the exported page), and puts plotly.js into the notebook
once, before the first figure.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings

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


def quiet_libraries() -> None:
    """Keep libraries' chatter out of notebook cells, where every line on stderr is a red box: their warnings,
    their log records below ERROR, and the bars transformers draws while it loads a model ("Loading weights").
    topiclab's own progress bars (widgets, with ipywidgets) and warnings still show."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # read when transformers is first imported
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # else a warning after every fork
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=r"topiclab(\.|$)")
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    if "transformers" in sys.modules:  # already imported: its settings are read
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()
        transformers_logging.disable_progress_bar()


def setup_report_notebook() -> None:
    """Make figures exportable and keep library chatter out of the shared report."""
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
    quiet_libraries()
    warnings.filterwarnings("ignore")  # a shared report shows no warnings, topiclab's included
