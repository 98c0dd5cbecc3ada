"""`topiclab data` and the dictionary loaders (FOLDOC, GCIDE): the files a user gets in data/, and what it says when
a source is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

from topiclab.corpus.datasets import GCIDE_SAMPLE, SAMPLE_CORPORA, WORDNET_SAMPLE
from topiclab.corpus.dictd import DICTD_DIR
from topiclab.corpus.foldoc import load_foldoc
from topiclab.corpus.gcide import FIELDS, MIN_CLASS_SIZE, MIN_WORDS, load_gcide
from topiclab.errors import CorpusError

from conftest import shared

ROOT = Path(__file__).resolve().parents[1]
NEEDS_FOLDOC = pytest.mark.skipif(not (DICTD_DIR / "foldoc.index").is_file(),
                                  reason="FOLDOC is not installed (apt-get install dict-foldoc)")
NEEDS_GCIDE = pytest.mark.skipif(not (DICTD_DIR / "gcide.index").is_file(),
                                 reason="GCIDE is not installed (apt-get install dict-gcide)")


def topiclab(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "topiclab", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT), **env})


@pytest.fixture(scope="module")
def small_shared(tmp_path_factory) -> Path:
    """A shared-corpora folder with slices of three of the real files (and no tweets)."""
    folder = tmp_path_factory.mktemp("shared")
    for file, rows in (("m10_titles.parquet", 60), ("20newsgroups_clean.parquet", 40),
                       ("wordnet_glosses.parquet", 300)):
        pd.read_parquet(shared(file)).head(rows).to_parquet(folder / file)
    return folder


def test_data_writes_the_files_and_a_second_run_keeps_them(tmp_path, small_shared):
    result = topiclab("data", "bbc", "m10", "20ng", "wordnet", "--from", str(small_shared), "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["20newsgroups.parquet", "bbc_news.parquet", "m10_titles.parquet",
                                                      "wordnet_glosses_20k.parquet"]
    assert "written" in result.stdout and "2,225 documents, 5 classes" in result.stdout
    bbc = pd.read_parquet(out / "bbc_news.parquet")
    assert list(bbc.columns[:2]) == ["text", "label"] and {"doc_id", "title"} <= set(bbc.columns)
    assert set(bbc["label"]) == {"business", "entertainment", "politics", "sports", "tech"}
    m10 = pd.read_parquet(out / "m10_titles.parquet")
    pd.testing.assert_frame_equal(m10, pd.read_parquet(small_shared / "m10_titles.parquet"))
    wordnet = pd.read_parquet(out / "wordnet_glosses_20k.parquet")
    assert len(wordnet) == 300 < WORDNET_SAMPLE  # a folder smaller than the sample is taken whole, shuffled
    assert not any(p.name.startswith(".") for p in out.iterdir())  # no temporary files left behind

    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    again = topiclab("data", "bbc", "m10", "20ng", "wordnet", "--from", str(small_shared), "-o", "out", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "written" not in again.stdout and again.stdout.count("kept") == 4
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_a_missing_source_is_named_with_how_to_fix_it(tmp_path, small_shared):
    result = topiclab("data", "tweets", "m10", "--from", str(small_shared), "-o", "out", cwd=tmp_path)
    assert result.returncode == 1
    assert "missing" in result.stdout and "trump_tweets_2009_2017_all.parquet is missing" in result.stdout
    assert "--from PATH" in result.stdout and "Traceback" not in result.stderr
    assert (tmp_path / "out" / "m10_titles.parquet").exists()  # the others are still written
    assert not (tmp_path / "out" / "trump_tweets.parquet").exists()


def test_without_a_shared_folder_the_shared_corpora_are_skipped(tmp_path):
    result = topiclab("data", "m10", "-o", "out", cwd=tmp_path, TOPICLAB_SHARED_DATA=str(tmp_path / "nowhere"))
    assert result.returncode == 0
    assert "skipped" in result.stdout and "--from PATH" in result.stdout
    bad = topiclab("data", "--from", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert bad.returncode == 2 and "no such folder" in bad.stderr
    unknown = topiclab("data", "imdb", cwd=tmp_path)
    assert unknown.returncode == 2 and "choose from bbc, foldoc" in unknown.stderr


@pytest.mark.parametrize(("load", "package"), [(load_foldoc, "dict-foldoc"), (load_gcide, "dict-gcide")])
def test_a_missing_dictionary_says_which_package_to_install(tmp_path, load, package):
    with pytest.raises(CorpusError, match=f"apt-get install {package}"):
        load(tmp_path)


@NEEDS_FOLDOC
def test_foldoc_has_one_labeled_definition_per_sense():
    frame = load_foldoc()
    assert list(frame.columns) == ["doc_id", "term", "text", "label"] and frame["doc_id"].is_unique
    assert len(frame) > 7000 and frame["label"].nunique() >= 40
    assert frame["label"].value_counts().min() >= 20
    assert not frame["label"].isin(["jargon", "humour", "spelling", "abuse"]).any()
    definitions = pd.Series([text[len(term) + 2:] for term, text in zip(frame["term"], frame["text"])])
    assert not definitions.str.contains(r"[{}]|https?://|\(\d{4}-\d\d-\d\d\)", regex=True).any()
    abc = frame[frame["term"] == "ABC"].set_index("doc_id")["label"].to_dict()
    assert abc == {"ABC#2": "language", "ABC#3": "language"}  # a class per sense; #1 is only a cross-reference
    assert frame.loc[frame["term"] == "ABC ALGOL", "text"].iloc[0].startswith("ABC ALGOL: An extension of ALGOL 60")


@NEEDS_GCIDE
def test_gcide_has_one_field_labeled_definition_per_sense():
    frame = load_gcide()
    assert list(frame.columns) == ["doc_id", "term", "text", "label"] and frame["doc_id"].is_unique
    sizes = frame["label"].value_counts()
    assert len(frame) > 25_000 and len(sizes) > 50 and sizes.min() >= MIN_CLASS_SIZE
    assert set(sizes.index) <= set(FIELDS)  # written-out field names, never an abbreviation
    registers = {"Obs.", "Colloq.", "Slang", "Archaic", "Prov. Eng.", "Scot.", "R.", "Poetic", "Fig."}
    assert not registers & {label for labels in FIELDS.values() for label in labels}
    definitions = pd.Series([text[len(term) + 2:] for term, text in zip(frame["term"], frame["text"])])
    assert not definitions.str.match(r"\s*\(").any()  # the field label is gone from the start
    assert not definitions.str.contains(r"[{}\[\]]|--[A-Z]|1913 Webster", regex=True).any()  # markup, sources
    assert definitions.str.split().str.len().min() >= MIN_WORDS
    by_id = frame.set_index("doc_id")
    assert by_id.loc[["Aaron's rod#1", "Aaron's rod#2"], "label"].tolist() == ["architecture", "botany"]
    assert by_id.loc["Bishop#8", "label"] == "farriery"  # a label at the end of a heading, for its only sense
    assert by_id.loc["Sheet anchor#1", "text"].startswith("Sheet anchor: A large anchor stowed on shores")
    assert by_id.loc["aardvark#1", "label"] == "zoology" and "Bishop#1" not in by_id.index  # no field, no row
    sample = load_gcide(sample=GCIDE_SAMPLE)  # what `topiclab data gcide` writes: small classes dropped after sampling
    sizes = sample["label"].value_counts()
    assert 15_000 < len(sample) <= GCIDE_SAMPLE and len(sizes) > 50 and sizes.min() >= MIN_CLASS_SIZE
    assert set(sample["doc_id"]) <= set(frame["doc_id"])


@pytest.mark.parametrize(("name", "load"), [
    pytest.param("foldoc", load_foldoc, marks=NEEDS_FOLDOC),
    pytest.param("gcide", partial(load_gcide, sample=GCIDE_SAMPLE), marks=NEEDS_GCIDE)])
def test_data_writes_a_dictionary(tmp_path, name, load):
    result = topiclab("data", name, "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    frame = pd.read_parquet(tmp_path / "out" / SAMPLE_CORPORA[name].file)
    assert list(frame.columns) == ["text", "label", "doc_id", "term"]
    assert f"{len(frame):,} documents, {frame['label'].nunique()} classes" in result.stdout
    pd.testing.assert_frame_equal(frame[["doc_id", "term", "text", "label"]], load())
