"""The README's examples run as written, so they cannot drift from the code.

Every ```bash and ```python block runs, in the README's order, in one working folder that holds the
project's .venv (a link) and the sample corpora the first block writes into data/; Python blocks share one
namespace, as in a session. A ```yaml block with `file=NAME` is that file, written first. A block marked
`no-test` (```bash no-test) is left out: it installs things, starts servers or calls a network endpoint.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from topiclab.corpus.dictd import DICTD_DIR

from conftest import ROOT, SHARED_DATA

_FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class Example:
    line: int
    language: str
    flags: tuple[str, ...]
    code: str

    @property
    def runs(self) -> bool:
        return self.language in ("bash", "python") and "no-test" not in self.flags

    @property
    def file(self) -> str | None:
        named = [flag.removeprefix("file=") for flag in self.flags if flag.startswith("file=")]
        return named[0] if named else None


def readme_examples() -> list[Example]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [Example(text.count("\n", 0, match.start()) + 1, match.group(1), tuple(match.group(2).split()),
                    match.group(3)) for match in _FENCE.finditer(text)]


RUNNABLE = [example for example in readme_examples() if example.runs]


def test_every_example_either_runs_or_says_why_not():
    examples = readme_examples()
    assert len(RUNNABLE) >= 8 and any(example.file for example in examples)
    for example in examples:
        assert example.language in ("bash", "python", "yaml"), f"README line {example.line}: unknown language"
        if example.language == "python":
            compile(example.code, f"README.md:{example.line}", "exec")
        elif example.language == "bash":
            checked = subprocess.run(["bash", "-n"], input=example.code, text=True, capture_output=True)
            assert checked.returncode == 0, f"README line {example.line}: {checked.stderr}"
    assert "run.assign_topics" not in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """The folder the examples run in: the project's .venv linked in, and every `file=` block written."""
    if not (DICTD_DIR / "foldoc.index").is_file():
        pytest.skip("The README's examples use FOLDOC: apt-get install dict-foldoc (make data does it as root)")
    folder = tmp_path_factory.mktemp("readme")
    (folder / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    for example in readme_examples():
        if example.file:
            (folder / example.file).write_text(example.code, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def session() -> dict:
    """The namespace the Python examples share."""
    return {}


@pytest.mark.integration
@pytest.mark.parametrize("example", RUNNABLE, ids=[f"line{example.line}-{example.language}" for example in RUNNABLE])
def test_readme_example_runs_as_written(example, workspace, session, monkeypatch):
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TOPICLAB_SHARED_DATA": str(SHARED_DATA)}
    if example.language == "bash":
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", example.code], cwd=workspace, env=environment,
                                capture_output=True, text=True, timeout=1800)
        assert result.returncode == 0, f"README line {example.line}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    else:
        monkeypatch.chdir(workspace)
        exec(compile(example.code, f"README.md:{example.line}", "exec"), session)
