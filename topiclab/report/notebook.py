"""Find the shipped notebooks, make sure a Jupyter kernel runs this Python, and run them with papermill."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from topiclab.errors import ReportError

if TYPE_CHECKING:
    from topiclab.report.kernel import ReportKernel

KERNEL_NAME = "topiclab"
NOTEBOOK_NAMES = ("cluster_report", "explore")


def notebook_dirs() -> list[Path]:
    """Where notebooks are looked for: the checkout's notebooks/ (editable installs), then the copy a
    wheel installs under <prefix>/share/topiclab/notebooks (pyproject's data-files)."""
    return [Path(__file__).resolve().parents[2] / "notebooks", Path(sys.prefix) / "share" / "topiclab" / "notebooks"]


def notebook_path(name: str) -> Path:
    for folder in notebook_dirs():
        path = folder / f"{name}.ipynb"
        if path.exists():
            return path
    raise ReportError(f"The notebook {name}.ipynb is not installed (looked in {', '.join(map(str, notebook_dirs()))}); "
                      "reinstall topiclab.")


def ensure_kernel(name: str = KERNEL_NAME) -> str:
    """Register a kernel spec `name` that starts this interpreter, unless one already does.

    papermill starts notebooks in a named Jupyter kernel; one registered for another Python would not
    see this topiclab. The spec goes to this environment (sys.prefix), or the user's folder when that is
    read-only.
    """
    if _kernel_python(name) == os.path.abspath(sys.executable):
        return name
    try:
        _install_kernel(name, prefix=sys.prefix)
    except PermissionError:
        _install_kernel(name, user=True)
    found = _kernel_python(name)
    if found != os.path.abspath(sys.executable):
        raise ReportError(f"The Jupyter kernel {name!r} runs {found}, not this Python ({sys.executable}), and a "
                          f"kernel spec earlier on Jupyter's path hides the one just installed. Remove it with "
                          f"`jupyter kernelspec remove {name}` or pass another kernel name (--kernel).")
    return name


def _install_kernel(name: str, **where) -> None:
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager

    # The kernel's own log would print a warning about unencrypted local TCP into every report command.
    folder = write_kernel_spec(overrides={"display_name": "Python (topiclab)"},
                               extra_arguments=["--IPKernelApp.log_level=ERROR"])
    try:
        KernelSpecManager().install_kernel_spec(folder, name, **where)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _kernel_python(name: str) -> Optional[str]:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        argv = KernelSpecManager().get_kernel_spec(name).argv
    except NoSuchKernel:
        return None
    return os.path.abspath(argv[0]) if argv else None


def execute(notebook: Path, output: Path, parameters: dict[str, Any], *, cwd: Path, kernel: Optional[str] = None,
            progress: bool = False, started_kernel: Optional[ReportKernel] = None) -> None:
    """Run `notebook` with `parameters` injected, writing the executed copy to `output` as it goes, in a
    fresh kernel or in `started_kernel` (started ahead, or emptied first).

    Raises papermill's PapermillExecutionError when a cell fails (`output` then holds the notebook up to
    the failing cell, with its traceback).
    """
    import papermill

    from topiclab.report.engine import ENGINE_NAME

    # papermill hands km to nbclient, which then neither starts nor stops the kernel
    reuse = {} if started_kernel is None else {"km": started_kernel.manager(cwd)}
    try:
        papermill.execute_notebook(
            str(notebook), str(output), parameters=parameters, kernel_name=kernel or ensure_kernel(), cwd=str(cwd),
            progress_bar=progress, report_mode=True, engine_name=ENGINE_NAME, **reuse,
        )
    finally:
        if started_kernel is not None:
            started_kernel.finished()
