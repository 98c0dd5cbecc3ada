"""An executed notebook as one standalone HTML file: code hidden, figures interactive, nothing fetched.

nbconvert's `lab` template loads require.js and MathJax from a CDN; the `topiclab` template beside
this module drops them, so the page works offline. plotly.js itself is in the notebook once, put
there by the report's plotly renderer (see `display.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional, Union

from topiclab.files import write_text

if TYPE_CHECKING:  # nbformat's import costs seconds (its JSON schema checks) in every report kernel
    from nbformat import NotebookNode

TEMPLATES = Path(__file__).parent / "templates"
#: Cells left out of the page: notes for notebook users and the (injected) parameters.
HIDDEN_TAGS = ["remove-cell", "parameters", "injected-parameters"]


def notebook_to_html(notebook: Union[str, Path, NotebookNode], title: Optional[str] = None) -> str:
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    if not isinstance(notebook, nbformat.NotebookNode):
        notebook = nbformat.read(str(notebook), as_version=4)
    if title:
        notebook.metadata["title"] = title
    hidden = Config({"TagRemovePreprocessor": {"enabled": True, "remove_cell_tags": HIDDEN_TAGS}})
    exporter = HTMLExporter(config=hidden, template_name="topiclab", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(notebook)
    return body


def export_html(notebook: Union[str, Path, NotebookNode], destination: Union[str, Path],
                title: Optional[str] = None) -> Path:
    """Write the notebook's HTML to `destination` atomically (a temporary name, then a rename)."""
    return write_text(Path(destination), notebook_to_html(notebook, title))
