"""Topic names: every topic and every parent of the saved hierarchy named by default, offline, 1-6 words,
distinct among siblings; LLM labels only as verified candidates; hand-set labels win after relabels and
re-fits; the aspect registry is where config, CLI help and the report's columns come from."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from test_map import many_topics_run  # noqa: F401  (a fixture)
from typer.testing import CliRunner

from topiclab import fit_run, load_run
from topiclab.aspects import ASPECTS
from topiclab.cli import app
from topiclab.config import RunConfig
from topiclab.figures import topic_levels
from topiclab.report.report import run_summary
from topiclab.report.tables import hierarchy_names, topic_table
from topiclab.represent.names import LLM_PREFERENCE, Candidate, choose_names, paired
from topiclab.represent.phrases import PhraseCounts, surface_form, title_case
from topiclab.workflow import relabel

from conftest import FAST

SOURCES = {"hand", "zero-shot", "llm", "extractive", "keywords"}


def assert_names(titles: list[str], sources: list[str]) -> None:
    """Names, not keyword lists: 1-6 words, no comma-separated list, no number, no two alike. Only a topic
    without a single word of letters (a cluster of "__" lines) keeps its keywords."""
    for title, source in zip(titles, sources):
        if source != "keywords":
            assert 1 <= len(title.split()) <= 6 and "," not in title and " · " not in title, title
            assert not re.search(r"\d", title), title
        else:
            assert not re.search(r"[^\W\d_]", title), title
    assert len({t.lower() for t in titles}) == len(titles), titles


def test_every_topic_and_every_parent_has_a_distinct_short_name(many_topics_run):  # noqa: F811
    topics = many_topics_run.topics[many_topics_run.topics["topic"] != -1]
    assert many_topics_run.config.labels.resolved_display == "names"
    assert_names(topics["title"].tolist(), topics["name_source"].tolist())
    assert set(topics["name_source"]) <= SOURCES - {"hand"} and (topics["name_source"] == "extractive").mean() > 0.9
    assert topics["label"].tolist() == [f"{t}: {title}" for t, title in zip(topics["topic"], topics["title"])]
    assert (topics["name_margin"] > 0).mean() >= 0.9  # a name is closer to its own topic than to any other

    saved = load_run(many_topics_run.path)
    hierarchy = saved.hierarchy
    assert hierarchy is not None and hierarchy["level"].nunique() >= 1
    for _, level in hierarchy.groupby("level"):
        assert_names(level["title"].tolist(), level["name_source"].tolist())
        assert sorted(t for ts in level["topics"] for t in ts) == sorted(topics["topic"])  # a partition
        assert set(level["name_source"]) <= SOURCES
    levels = topic_levels(saved)  # the map's zoom labels read the saved names
    assert [lv.labels for lv in levels[:-1]] == [level.sort_values("group")["title"].tolist()
                                               for _, level in sorted(hierarchy.groupby("level"))]


def test_the_report_says_how_each_name_was_chosen(many_topics_run):  # noqa: F811
    largest = many_topics_run.topics[many_topics_run.topics["topic"] != -1].nlargest(3, "size")["label"].tolist()
    assert run_summary(many_topics_run.path)["largest_topics"] == largest  # the batch index shows them
    groups = hierarchy_names(many_topics_run)
    assert len(groups) == len(many_topics_run.hierarchy) and set(groups["Name"]) == set(many_topics_run.hierarchy["title"])
    table = topic_table(many_topics_run)
    assert {"Name chosen by", "Name margin"} <= set(table.columns)
    regular = table[table["Topic"] != -1]
    assert set(regular["Name chosen by"]) <= SOURCES and regular["Name margin"].str.match(r"^-?\d\.\d\d$").all()


def test_a_hand_set_label_wins_after_relabel_and_refit(tmp_path, bbc_small):
    run = fit_run(bbc_small, output_dir=tmp_path, name="bbc", text_col="text", **FAST)
    topic = int(run.topics["topic"].max())
    run.set_label(topic, "Kept by hand")
    run.save()
    relabelled = relabel(run.path)
    row = relabelled.topics.set_index("topic").loc[topic]
    assert (row["label"], row["title"], row["name_source"]) == (f"{topic}: Kept by hand", "Kept by hand", "hand")
    refit = fit_run(bbc_small, output_dir=tmp_path, name="bbc", text_col="text", **FAST)
    assert "Kept by hand" in {label.split(": ", 1)[1] for label in refit.topics["label"]}
    assert (refit.topics["name_source"] == "hand").sum() == 1


def test_an_llm_label_is_a_candidate_checked_like_any_other():
    """A made-up version string never becomes a name; a label closer to the sibling loses to a phrase."""
    axes = np.eye(3)
    centroids = {0: axes[0], 1: axes[1]}
    vectors = {"perl 5.10.0": axes[0], "linux": (axes[0] + 2 * axes[1]) / np.sqrt(5), "perl modules": axes[0] * 0.9
               + axes[2] * np.sqrt(0.19), "python": axes[1], "Python packaging": axes[1]}
    candidates = {0: [Candidate("linux", "llm"), Candidate("perl modules", "extractive")],
                  1: [Candidate("python", "extractive"), Candidate("Python packaging", "llm")]}
    names = choose_names(candidates, centroids, vectors, {}, {})
    assert names[0].title == "perl modules" and names[0].source == "extractive" and names[0].margin > 0
    assert names[1].source in ("llm", "extractive") and names[1].title.lower() != names[0].title.lower()


def test_a_written_label_wins_unless_a_phrase_tells_the_topic_apart_clearly_better():
    """The LLM's label is a reader's name for the subject ("Organic Chemistry"): it is preferred to a phrase of
    the topic's own that scores a little better, not to one that scores better by more than LLM_PREFERENCE."""
    axes = np.eye(4)

    def near(axis: int, cosine: float) -> np.ndarray:  # cosine to its topic, orthogonal to the other topic
        return axes[axis] * cosine + axes[2 + axis] * np.sqrt(1 - cosine ** 2)
    centroids = {0: axes[0], 1: axes[1]}
    vectors = {"organic chemistry": near(0, 0.9), "alkyl esters": near(0, 0.95),
               "music": near(1, 0.7), "string quartets": near(1, 0.95)}
    assert 0.05 < LLM_PREFERENCE < 0.25
    candidates = {0: [Candidate("organic chemistry", "llm"), Candidate("alkyl esters", "extractive")],
                  1: [Candidate("music", "llm"), Candidate("string quartets", "extractive")]}
    names = choose_names(candidates, centroids, vectors, {}, {})
    assert (names[0].title, names[0].source) == ("organic chemistry", "llm")
    assert (names[1].title, names[1].source) == ("string quartets", "extractive")


def test_siblings_never_share_a_name():
    axes = np.eye(2)
    centroids = {0: axes[0], 1: axes[0] * 0.8 + axes[1] * 0.6}
    vectors = {"sport": axes[0], "sports": axes[0] * 0.99 + axes[1] * np.sqrt(1 - 0.99 ** 2), "rugby": axes[1]}
    candidates = {0: [Candidate("sport", "llm")], 1: [Candidate("sports", "llm"), Candidate("rugby", "extractive")]}
    names = choose_names(candidates, centroids, vectors, {}, {})
    assert (names[0].title, names[1].title) == ("sport", "rugby")


def test_a_topic_of_two_subjects_can_be_named_by_both():
    """The best candidates that share no word are joined in pairs; a pair closer to the topic than either
    part wins, and a pair never repeats a word ("Hard Disk and Disk Drives")."""
    axes = np.eye(4)
    centroids = {0: (axes[0] + axes[1]) / np.sqrt(2), 1: axes[2]}
    vectors = {"encryption": axes[0], "privacy": axes[1], "encryption keys": (2 * axes[0] + axes[3]) / np.sqrt(5),
               "space": axes[2]}
    candidates = {0: [Candidate("encryption", "extractive", 0.4), Candidate("privacy", "extractive", 0.3),
                      Candidate("encryption keys", "extractive", 0.2)], 1: [Candidate("space", "extractive", 0.5)]}
    pairs = paired(candidates, centroids, vectors)
    assert [(c.text, c.parts) for c in pairs[0]] == [("encryption and privacy", ("encryption", "privacy"))]
    assert pairs[1] == []  # one candidate: nothing to join
    vectors["encryption and privacy"] = centroids[0]
    names = choose_names({g: candidates[g] + pairs[g] for g in candidates}, centroids, vectors, {}, {})
    assert names[0].title == "encryption and privacy" and names[0].margin > 0 and names[1].title == "space"


def test_a_phrase_most_documents_hold_wins_and_a_copy_of_it_keeps_that_share():
    """A phrase's share of its topic's documents counts (it names the whole topic), also where the LLM wrote
    the same words (that copy knows no share); a single word's share does not ("Quantum" against "Quantum
    Computing": a word alone is held more widely than any phrase)."""
    axes = np.eye(3)
    centroids = {0: axes[0], 1: axes[1]}
    near = np.sqrt(1 - 0.99 ** 2) * axes[2]
    vectors = {"bank loans": axes[0], "Bank Loans": axes[0], "loan rates": 0.99 * axes[0] + near, "space": axes[1],
               "quantum": axes[1], "quantum computing": 0.97 * axes[1] + np.sqrt(1 - 0.97 ** 2) * axes[2]}
    candidates = {0: [Candidate("bank loans", "extractive", 0.6), Candidate("loan rates", "extractive", 0.3),
                      Candidate("Bank Loans", "llm")],
                  1: [Candidate("quantum", "extractive", 0.9), Candidate("quantum computing", "extractive", 0.3)]}
    names = choose_names(candidates, centroids, vectors, {}, {})
    assert (names[0].title, names[0].source) == ("bank loans", "extractive")
    assert names[1].title == "quantum computing"


def test_a_pair_never_says_one_word_twice():
    axes = np.eye(4)
    centroids = {0: axes[:3].sum(axis=0) / np.sqrt(3), 1: axes[3]}
    vectors = {"library": axes[0], "libraries": axes[0] * 0.9 + axes[1] * np.sqrt(0.19), "parsing": axes[2]}
    options = [Candidate(text, "extractive", 0.3) for text in vectors]
    pairs = paired({0: options, 1: []}, centroids, vectors)
    assert [c.parts for c in pairs[0]] == [("libraries", "parsing")]  # not "Library and Libraries"


def test_candidate_names_keep_hyphenated_words_whole():
    documents = ["LLM fine-tuning toolkit", "Fast LLM fine-tuning with LoRA", "A simple Python-based wrapper",
                 "python-based wrapper for an API"] * 3 + ["Django admin for CRUD", "Django admin views"] * 3
    counts = PhraseCounts.from_documents(documents, np.array([0] * 12 + [1] * 6))
    phrases = {phrase for found in counts.distinctive({0: [0], 1: [1]}, 20).values() for phrase, _ in found}
    assert {"llm fine-tuning", "python-based wrapper"} <= phrases
    assert not phrases & {"llm fine", "based wrapper", "fine", "simple python"}  # no half of a compound, no praise
    assert surface_form("llm fine-tuning", documents) == "LLM Fine-tuning"


def test_no_candidate_name_begins_or_ends_on_a_word_that_only_relates_things():
    """Dictionary glosses relate a thing to another ("a mineral occurring in granite", "pertaining to fever"):
    those words never end or begin a name ("Mineral Occurring", "Pertaining to Fever")."""
    documents = ["A mineral occurring in granite", "mineral occurring in veins", "An alkaloid obtained from bark",
                 "white alkaloid obtained from seeds"] * 3 + ["Pertaining to fever", "pertaining to a fever"] * 3
    counts = PhraseCounts.from_documents(documents, np.array([0] * 12 + [1] * 6))
    phrases = {phrase for found in counts.distinctive({0: [0], 1: [1]}, 20).values() for phrase, _ in found}
    assert {"mineral", "alkaloid", "fever"} <= phrases
    assert not {word for phrase in phrases for word in (phrase.split()[0], phrase.split()[-1])} \
        & {"occurring", "obtained", "pertaining"}


def test_a_phrase_cut_from_a_longer_one_is_no_candidate():
    """"IBM operating" is only ever the front of "IBM operating system": the whole phrase is the candidate.
    "Euclidean space" stays, though always followed by "of": "euclidean space of" cannot name anything."""
    documents = ["The IBM operating system for mainframes", "an IBM operating system, mainframes",
                 "IBM operating system mainframe release"] * 3 + ["Euclidean space of three dimensions",
                                                                  "the Euclidean space of a plane"] * 3
    counts = PhraseCounts.from_documents(documents, np.array([0] * 9 + [1] * 6))
    phrases = {phrase for found in counts.distinctive({0: [0], 1: [1]}, 30).values() for phrase, _ in found}
    assert {"ibm operating system", "euclidean space"} <= phrases
    assert not phrases & {"ibm operating", "operating system", "euclidean"}


def test_a_title_in_capitals_is_not_taken_for_an_acronym():
    documents = ["NANOCOMPOSITES OF CLAY", "Polymer nanocomposites", "NANOCOMPOSITES: A REVIEW", "NASA budget"]
    assert (surface_form("nanocomposites", documents), surface_form("nasa", documents)) == ("Nanocomposites", "NASA")


@pytest.mark.parametrize("written, shown", [("bank of england", "Bank of England"), ("iPhone sales", "iPhone Sales"),
                                            ("NHS waiting lists", "NHS Waiting Lists")])
def test_names_are_title_cased_keeping_their_own_capitals(written, shown):
    assert title_case(written) == shown


def test_config_cli_help_and_report_columns_come_from_the_registry():
    schema = RunConfig.model_json_schema()["$defs"]["LabelsConfig"]["properties"]["aspects"]
    assert set(schema["items"]["enum"]) == set(ASPECTS)
    assert RunConfig().labels.aspects[-1] == "names" and RunConfig().labels.resolved_display == "names"
    help_text = " ".join(CliRunner().invoke(app, ["fit", "--help"], terminal_width=200).output.split())
    assert all(name in help_text for name in ASPECTS)


def test_a_made_up_version_from_the_llm_never_becomes_a_name(fitted_run, monkeypatch):
    from topiclab.represent import llm as llm_package

    class Hallucinating(llm_package.LabelModel):
        identity = {"backend": "test-hallucinating"}

        def complete(self, prompt):
            return "Perl 5.10.0.0.1.1"

    monkeypatch.setattr("topiclab.represent.llm.label_model", lambda config: Hallucinating())
    run = relabel(fitted_run, aspects=["keybert", "llm", "names"], llm={"cache": False}, save=False)
    topics = run.topics[run.topics["topic"] != -1]
    assert run.config.labels.resolved_display == "names" and (topics["label_llm"] == "Perl 5.10.0.0.1.1").all()
    assert "llm" not in set(topics["name_source"]) and not topics["title"].str.contains(r"\d").any()
    assert_names(topics["title"].tolist(), topics["name_source"].tolist())


def test_relabelling_unchanged_topics_reads_the_names_back(fitted_run, monkeypatch):
    columns = ["label", "title", "name_source", "name_margin"]
    first = relabel(fitted_run, save=False).topics[columns].copy()
    hierarchy = fitted_run.hierarchy.copy()

    def chosen_again(*args):
        raise AssertionError("names of unchanged topics were chosen again")

    monkeypatch.setattr("topiclab.represent.names._name_groups", chosen_again)
    again = relabel(fitted_run, save=False)
    pd.testing.assert_frame_equal(again.topics[columns], first)
    pd.testing.assert_frame_equal(again.hierarchy, hierarchy)


def test_edits_rename_only_what_changed_and_keep_names_distinct(many_topics_run):  # noqa: F811
    from topiclab.workflow import merge, split

    run = load_run(many_topics_run.path)
    largest = run.topics[run.topics["topic"] != -1].nlargest(3, "size")["topic"].astype(int).tolist()
    run.set_label(largest[2], "Kept by hand")
    edited = split(merge(run, [largest[:2]], save=False), largest[0], parts=2, save=False)
    topics = edited.topics[edited.topics["topic"] != -1]
    shown = [label.split(": ", 1)[1] for label in topics["label"]]
    assert len({name.lower() for name in shown}) == len(shown), shown
    assert edited.topic_labels[largest[2]] == f"{largest[2]}: Kept by hand"
    for _, level in edited.hierarchy.groupby("level"):
        assert sorted(t for ts in level["topics"] for t in ts) == sorted(topics["topic"])


def test_a_run_of_outliers_only_has_nothing_to_name():
    from topiclab.represent import Namer, TopicContext

    class NoTopics:
        topic_ids_, topic_sizes_, topic_words_ = np.array([-1]), {-1: 5}, {-1: []}
        topic_embeddings_, topics_, representative_docs_ = np.ones((1, 3)), np.full(5, -1), {}

    topics = pd.DataFrame({"topic": [-1], "size": [5], "label": ["-1: outliers"], "words": [[]],
                           "representative_docs": [[]]})
    columns = Namer().transform(TopicContext(topics, load_model=NoTopics, texts=["a b"] * 5))
    assert columns["title"] == ["outliers"] and columns["name_source"] == ["keywords"]
    assert np.isnan(columns["name_margin"][0])


def test_a_parent_never_pairs_two_children_names_of_one_root(monkeypatch):
    from topiclab.represent import hierarchy

    given = {}
    monkeypatch.setattr(hierarchy, "name_groups", lambda context, members, candidates, fixed, reserved:
                        given.update(candidates) or {})
    table = pd.DataFrame({"topic": [0, 1, 2], "size": [30, 20, 10],
                          "label": ["0: Python Library", "1: Python Packages", "2: Web Scraping"]})
    hierarchy._named(None, table, {7: [0, 1, 2]}, set())
    assert [c.text for c in given[7]] == ["Python Library and Web Scraping", "Python Packages and Web Scraping"]


def test_a_pair_never_joins_a_lone_adjective():
    """ "Firearms and Armed" reads as half a name: a lone word joins a pair only when it can be a noun (or is a
    name the lexicon does not know, such as "NSA"); a phrase of two words always can."""
    axes = np.eye(5)
    centroids = {0: axes[:4].sum(axis=0) / 2, 1: axes[4]}
    vectors = {"firearms": axes[0], "armed": axes[1], "nsa": axes[2], "second amendment": axes[3]}
    options = [Candidate(text, "extractive", 0.3) for text in vectors]
    pairs = paired({0: options, 1: []}, centroids, vectors)
    assert {c.parts for c in pairs[0]} == {("firearms", "nsa"), ("firearms", "second amendment"),
                                           ("nsa", "second amendment")}
