"""Corpus loading and cleaning: every supported source, column detection, and each bad input's message."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from topiclab.corpus import detect_text_column, load_20newsgroups, load_bbc_news, load_corpus
from topiclab.errors import CorpusError

from conftest import SHARED_DATA


@pytest.fixture
def rows():
    return pd.DataFrame({
        "id": ["a", "b", "c", "d", "e"],
        "body": ["  First ticket about billing  ", "", None, "Second about login", "First ticket about billing"],
        "day": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"],
        "kind": ["x", "y", "x", "y", "x"],
    })


def test_csv_tsv_jsonl_parquet_and_frames_read_the_same(tmp_path, rows):
    rows.to_csv(tmp_path / "c.csv", index=False)
    rows.to_csv(tmp_path / "c.tsv", index=False, sep="\t")
    rows.to_parquet(tmp_path / "c.parquet")
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(r) for r in rows.to_dict("records")))
    loaded = [load_corpus(tmp_path / f"c.{ext}", text_col="body", id_col="id") for ext in ("csv", "tsv", "parquet", "jsonl")]
    loaded.append(load_corpus(rows, text_col="body", id_col="id"))
    for corpus in loaded:
        assert corpus.texts == ["First ticket about billing", "Second about login", "First ticket about billing"]
        assert corpus.documents["doc_id"].tolist() == ["a", "d", "e"]
        assert corpus.dropped == {"empty or missing texts": 2}
        assert corpus.n_input == 5


def test_folder_of_txt_files_and_list_of_strings(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "one.txt").write_text("alpha text")
    (tmp_path / "sub" / "two.txt").write_text("beta text")
    corpus = load_corpus(tmp_path)
    assert corpus.texts == ["alpha text", "beta text"]
    assert corpus.documents["doc_id"].tolist() == ["one.txt", "sub/two.txt"]
    assert load_corpus(["x y", "  ", 42]).texts == ["x y", "42"]  # non-strings are coerced


def test_dedupe_timestamps_classes_and_sample(rows):
    corpus = load_corpus(rows, text_col="body", timestamp_col="day", class_col="kind", dedupe=True)
    assert corpus.texts == ["First ticket about billing", "Second about login"]
    assert corpus.dropped["duplicate texts"] == 1
    assert str(corpus.documents["timestamp"].dtype).startswith("datetime64")
    assert corpus.documents["class"].tolist() == ["x", "y"]
    assert len(load_corpus(rows, text_col="body", sample=2)) == 2


def test_text_column_is_detected_when_obvious():
    frame = pd.DataFrame({"title": ["a", "b"], "summary_text": ["a long body of words " * 5] * 2, "n": [1, 2]})
    assert detect_text_column(frame, "f") == "summary_text"
    assert detect_text_column(pd.DataFrame({"Body": ["x"], "other": ["y"]}), "f") == "Body"


def test_ambiguous_text_columns_are_listed():
    frame = pd.DataFrame({"a": ["some words here"] * 3, "b": ["other words there"] * 3})
    with pytest.raises(CorpusError, match=r"several columns could hold the texts: 'b' .*, 'a' .*--text-col"):
        load_corpus(frame)


def test_missing_file(tmp_path):
    with pytest.raises(CorpusError, match=r"Corpus not found: .*nope\.csv"):
        load_corpus(tmp_path / "nope.csv")


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "locked.csv"
    path.write_text("text\nhello\n")

    def refuse(self):  # chmod 0 does not stop root, who runs CI: refuse the read itself
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(path), "read_bytes", refuse)
    with pytest.raises(CorpusError, match=r"Cannot read .*locked\.csv: Permission denied. Check the file's permissions"):
        load_corpus(path)


def test_damaged_parquet_is_reported(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(CorpusError, match=r"broken\.parquet is not a readable Parquet file"):
        load_corpus(path)


def test_unknown_column_lists_the_columns(tmp_path, rows):
    rows.to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(CorpusError, match=r"no column 'text_body'.*'id', 'body', 'day', 'kind'"):
        load_corpus(tmp_path / "c.csv", text_col="text_body")
    with pytest.raises(CorpusError, match=r"no column 'when' \(asked for as the timestamp column\)"):
        load_corpus(tmp_path / "c.csv", text_col="body", timestamp_col="when")


def test_undecodable_byte_names_line_and_column(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("text\nfine\ncaf\xe9 au lait\n".encode("latin-1"))
    with pytest.raises(CorpusError, match=r"not valid UTF-8: byte 0xe9 at line 3, column 4"):
        load_corpus(path)


def test_no_usable_documents(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("text,other\n,1\n   ,2\n")
    with pytest.raises(CorpusError, match=r"no usable documents: all 2 rows of column 'text' are empty"):
        load_corpus(path)
    (tmp_path / "blank.csv").write_text("")
    with pytest.raises(CorpusError, match="is empty"):
        load_corpus(tmp_path / "blank.csv")


def test_bad_timestamp_names_the_row(rows):
    rows.loc[3, "day"] = "next tuesday"
    with pytest.raises(CorpusError, match=r"row 4: column 'day' holds 'next tuesday'"):
        load_corpus(rows, text_col="body", timestamp_col="day")


def test_bad_jsonl_line(tmp_path):
    (tmp_path / "x.jsonl").write_text('{"text": "ok"}\n{broken\n')
    with pytest.raises(CorpusError, match=r"x\.jsonl, line 2: not valid JSON"):
        load_corpus(tmp_path / "x.jsonl")


def test_builtin_bbc_sample():
    frame = load_bbc_news()
    assert len(frame) == 2225
    assert sorted(frame["class"].unique()) == ["business", "entertainment", "politics", "sports", "tech"]
    assert frame["text"].str.len().min() > 100


def test_20newsgroups_loader_reads_sklearn_cache():
    frame = load_20newsgroups(data_home=SHARED_DATA / "sklearn_data", download_if_missing=False)
    assert len(frame) == 18846
    assert frame["class"].nunique() == 20
