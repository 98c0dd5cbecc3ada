"""One version, written once (topiclab.__version__): the package metadata, every run's manifest and the
report's versions table read it."""

from __future__ import annotations

import tomllib

import topiclab
from topiclab.report.tables import versions_table

from conftest import ROOT


def test_the_package_reads_its_version_from_topiclab():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "topiclab.__version__"}


def test_a_run_and_its_report_record_the_running_version(fitted_run):
    assert fitted_run.manifest["versions"]["topiclab"] == topiclab.__version__
    shown = dict(versions_table(fitted_run).itertuples(index=False))
    assert shown["topiclab"] == topiclab.__version__
