"""topiclab leaves a process's global state as it found it: warnings filters, log levels and environment
variables change only inside the blocks that need them (`quiet_libraries`, the cells of a report)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import warnings

from topiclab.report import quiet_libraries

from conftest import ROOT, shared

SCRIPT = """
import json, logging, os, sys, warnings
import pandas as pd

warnings.simplefilter("error", UserWarning)          # a user's own filters and settings
warnings.filterwarnings("ignore", message="mine")
logging.getLogger("umap").setLevel(logging.DEBUG)
OWN = [f for f in warnings.filters if f[0] in ("error", "ignore") and f[2] in (UserWarning, Warning)][:2]

def state():
    try:
        warnings.warn("mine, ignored", UserWarning)
        warnings.warn("an error to this user", UserWarning)
        acts = False
    except UserWarning as raised:
        acts = str(raised) == "an error to this user"
    return {"own filters kept, first": [f for f in warnings.filters if f in OWN] == OWN and
            not any(f[1] is None and f[3] is None and issubclass(UserWarning, f[2])
                    for f in warnings.filters[:warnings.filters.index(OWN[0])]),
            "own filters act": acts, "umap log level": logging.getLogger("umap").level,
            "env": {k: os.environ.get(k) for k in ("TRANSFORMERS_VERBOSITY", "HF_HUB_DISABLE_PROGRESS_BARS",
                                                   "TOKENIZERS_PARALLELISM")}}

before = state()
import topiclab
from topiclab import fit_run
import topiclab.figures, topiclab.report
after_import = state()
texts = pd.read_parquet(sys.argv[1])["text"].head(200).tolist()
fit_run(texts, save=False, model="wordllama")
print(json.dumps({"before": before, "after_import": after_import, "after_fit": state()}))
"""


def test_a_users_warning_filters_survive_import_topiclab_and_a_fit(tmp_path):
    """Libraries may add filters for their own messages when imported; none may take precedence over the
    user's catch-all filters, and topiclab changes no filter, log level or environment variable."""
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(shared("bbc_news.parquet"))], capture_output=True,
                            text=True, timeout=900, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    states = json.loads(result.stdout.strip().splitlines()[-1])
    assert states["before"]["own filters kept, first"] and states["before"]["own filters act"]
    assert states["after_import"] == states["before"] and states["after_fit"] == states["before"]


def test_quiet_libraries_holds_only_inside_its_block(monkeypatch):
    monkeypatch.delenv("TOKENIZERS_PARALLELISM", raising=False)
    logger = logging.getLogger("hdbscan")
    level = logger.level
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        filters = list(warnings.filters)
        with quiet_libraries():
            warnings.warn("a library's chatter", UserWarning)
            assert os.environ["TOKENIZERS_PARALLELISM"] == "false" and logger.level == logging.ERROR
        assert warnings.filters == filters and logger.level == level and "TOKENIZERS_PARALLELISM" not in os.environ
        warnings.warn("the user's own", UserWarning)
    assert [str(w.message) for w in caught] == ["the user's own"]


def test_notebook_cells_run_quiet_and_nothing_changes_between_them():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    try:
        filters = list(warnings.filters)
        assert shell.run_cell("from topiclab.report import quiet_cells\nquiet_cells()").success
        hooks = len(shell.events.callbacks["pre_run_cell"])
        assert warnings.filters == filters
        shell.run_cell("import warnings\ninside = list(warnings.filters)\nquiet_cells()")
        assert ("ignore", None, Warning, None, 0) in shell.user_ns["inside"] and warnings.filters == filters
        assert len(shell.events.callbacks["pre_run_cell"]) == hooks  # a second call added nothing
    finally:
        InteractiveShell.clear_instance()
