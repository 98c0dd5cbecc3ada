"""Reports: the cluster-report notebook run with papermill, exported to one offline HTML file, in batches.

`make_report` runs one report, `run_batch` many (from a YAML file), `write_index` links them all.
Inside the notebooks, `setup_report_notebook` (or `quiet_cells`) and `open_or_fit` do the set-up
and the (re)fit.
"""

from topiclab.report.batch import load_batch, run_batch
from topiclab.report.display import quiet_cells, quiet_libraries, setup_report_notebook
from topiclab.report.html import export_html
from topiclab.report.index import write_index
from topiclab.report.notebook import ensure_kernel, notebook_path
from topiclab.report.report import ReportResult, make_report
from topiclab.report.session import SAMPLE, open_or_fit, project_path

__all__ = ["SAMPLE", "ReportResult", "ensure_kernel", "export_html", "load_batch", "make_report", "notebook_path",
           "open_or_fit", "project_path", "quiet_cells", "quiet_libraries", "run_batch", "setup_report_notebook",
           "write_index"]
