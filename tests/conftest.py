"""Shared fixtures: small slices of the shared corpora and runs fitted once per session.

Fast tests embed with the static WordLlama model; the shared corpora live in ../shared/data (never
copied into the project). Set TOPICLAB_SHARED_DATA to point elsewhere.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TOPICLAB_SHARED_DATA", ROOT.parent / "shared" / "data"))
FAST = {"embedding": {"model": "wordllama"}}


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory) -> Path:
    """Every test session gets its own embedding cache, unless TOPICLAB_CACHE is set (CI keeps one)."""
    if "TOPICLAB_CACHE" not in os.environ:
        os.environ["TOPICLAB_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    return Path(os.environ["TOPICLAB_CACHE"])


@pytest.fixture(scope="session", autouse=True)
def compiled_clusterer() -> None:
    """numba compiles EVoC, UMAP and pynndescent on their first use in a fresh environment (minutes on two busy
    cores) and caches them on disk: `make` does it after installing, and this does it when it was skipped,
    so that no CLI subprocess of a test spends its time limit compiling."""
    from topiclab.pipeline.warmup import warm_up

    warm_up(show=False)


def shared(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.exists():
        pytest.fail(f"Shared corpus {path} is missing: tests read ../shared/data (or set TOPICLAB_SHARED_DATA).")
    return path


def stratified(frame: pd.DataFrame, by: str, per_class: int, seed: int = 0) -> pd.DataFrame:
    shuffled = frame.sample(frac=1.0, random_state=seed)
    return shuffled.groupby(by).head(per_class).sort_values(by, kind="stable").reset_index(drop=True)


@pytest.fixture(scope="session")
def bbc_small() -> pd.DataFrame:
    """300 BBC News articles, 60 per class, with columns doc_id, text, label."""
    frame = pd.read_parquet(shared("bbc_news.parquet"))
    frame = frame[frame["text"].str.strip() != ""].drop_duplicates("text")
    return stratified(frame, "label", 60)[["doc_id", "text", "label"]]


@pytest.fixture(scope="session")
def newsgroups_small() -> pd.DataFrame:
    """600 20 Newsgroups posts from 6 groups, 100 each."""
    frame = pd.read_parquet(shared("20newsgroups_clean.parquet"))
    groups = ["rec.sport.hockey", "sci.space", "comp.graphics", "talk.politics.guns", "sci.med", "rec.autos"]
    frame = frame[frame["label"].isin(groups) & (frame["text"].str.split().str.len() > 20)]
    return stratified(frame, "label", 100)[["doc_id", "text", "label"]]


@pytest.fixture(scope="session")
def tweets_small() -> pd.DataFrame:
    """1,000 tweets with their UTC timestamps (column created_at)."""
    frame = pd.read_parquet(shared("trump_tweets_2009_2017_all.parquet"))
    frame = frame[frame["text"].str.split().str.len() > 5]
    return frame.sample(1000, random_state=0).reset_index(drop=True)[["id", "text", "created_at"]]


@pytest.fixture(scope="session")
def fitted_run_dir(tmp_path_factory, bbc_small) -> Path:
    """A saved run of 300 BBC articles (WordLlama embeddings, class column kept). Copy it before changing it."""
    from topiclab import fit_run

    output = tmp_path_factory.mktemp("runs")
    run = fit_run(bbc_small, output_dir=output, name="bbc-small", text_col="text", class_col="label",
                  id_col="doc_id", **FAST)
    return run.path


@pytest.fixture
def fitted_run(fitted_run_dir, tmp_path):
    """A private copy of the session's BBC run, loaded."""
    from topiclab import load_run

    copy = tmp_path / "run"
    shutil.copytree(fitted_run_dir, copy)
    return load_run(copy)


def assert_label_or_fallback(run) -> None:
    """The labeler's contract, whatever a small model writes: every topic has a usable LLM label, or keeps its
    keyword label with the reason in the manifest. Shown as the label when the LLM is the display; with
    names (the default display) the LLM's label is one candidate for the name."""
    from topiclab.represent.llm import clean_label

    report = run.manifest["labels"]["llm"]
    display = run.config.labels.resolved_display
    topics = run.topics[run.topics["topic"] != -1]
    assert report["n_topics"] == len(topics) == report["n_labelled"] + report["n_fallback"]
    for row in topics.itertuples():
        if row.label_llm:
            assert clean_label(row.label_llm) == row.label_llm and str(row.topic) not in report["fallbacks"]
            shown = row.label_llm
        else:
            assert report["fallbacks"][str(row.topic)]
            shown = ", ".join(row.words[:4])
        assert row.label == f"{row.topic}: {row.title if display == 'names' else shown}"


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium through Playwright. Missing: skipped locally, a failure in CI."""
    if not CHROMIUM.exists() or os.environ.get("TOPICLAB_SKIP_BROWSER"):
        if os.environ.get("TOPICLAB_REQUIRE_BROWSER") == "1":
            pytest.fail("Browser tests must run here, but /usr/bin/chromium is missing (apt-get install -y chromium).")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Screenshots and other files kept after the run (test-artifacts/, ignored by git)."""
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
