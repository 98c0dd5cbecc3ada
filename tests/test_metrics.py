"""Quality metrics against values computed by hand, and NPMI against gensim's c_npmi."""

from __future__ import annotations

import math

import numpy as np
import pytest

from topiclab.metrics import EPSILON, npmi_coherence, run_metrics, tokenize, topic_diversity, topic_npmi

TEXTS = ["apple banana", "apple banana", "cherry date", "cherry date"]


def test_diversity_is_the_share_of_distinct_words():
    assert topic_diversity([["a", "b"], ["b", "c"]]) == 0.75


def test_npmi_of_words_always_together_is_one():
    # p(apple) = p(banana) = p(apple, banana) = 1/2: log(2) / log(2)
    assert npmi_coherence([["apple", "banana"]], TEXTS) == pytest.approx(1.0)


def test_npmi_of_words_never_together_is_gensims_epsilon_value():
    # p(apple) = p(cherry) = 1/2, never together: log(eps / (1/4)) / -log(eps)
    expected = math.log(EPSILON / 0.25) / -math.log(EPSILON)
    assert expected == pytest.approx(-0.94983, abs=1e-5)
    assert npmi_coherence([["apple", "cherry"]], TEXTS) == pytest.approx(expected, abs=1e-12)


def test_npmi_counts_sliding_windows():
    # Windows of 3 over 5 tokens: [apple bb cc] [bb cc banana] [cc banana apple]; apple and banana are
    # each in 2 of 3 and together in 1: log((1/3) / (4/9)) / -log(1/3)
    texts = ["apple bb cc banana apple"]
    expected = math.log((1 / 3) / (4 / 9)) / -math.log(1 / 3)
    assert npmi_coherence([["apple", "banana"]], texts, window=3) == pytest.approx(expected, abs=1e-9)
    # window=None: documents are the contexts; with a second document both words are in half of them
    assert npmi_coherence([["apple", "banana"]], texts + ["dd ee"], window=None) == pytest.approx(1.0)


def test_a_document_shorter_than_the_window_is_one_window():
    texts = ["apple banana", "apple cherry", "banana date"]  # 3 windows of 2 tokens with window=10
    expected = math.log((1 / 3) / (4 / 9)) / -math.log(1 / 3)
    assert npmi_coherence([["apple", "banana"]], texts) == pytest.approx(expected, abs=1e-9)


def test_tokens_are_the_ones_bertopic_draws_topic_words_from():
    assert tokenize(["Kilroy-Silk's party\ndoesn't\tcare, Wal-Mart"]) == [
        ["kilroysilks", "party", "doesnt", "care", "walmart"]]
    texts = ["Kilroy-Silk's party won", "other words here"]
    assert npmi_coherence([["kilroysilks", "party"]], texts) == pytest.approx(1.0)


def test_words_that_never_occur_are_left_out_and_topics_without_two_words_skipped():
    assert npmi_coherence([["apple", "banana", "zebra"]], TEXTS) == npmi_coherence([["apple", "banana"]], TEXTS)
    scores = topic_npmi([["apple", "zebra"], ["cherry", "date", ""]], TEXTS)
    assert math.isnan(scores[0]) and scores[1] == pytest.approx(1.0)
    assert npmi_coherence([["apple", "zebra"], ["cherry", "date"]], TEXTS) == pytest.approx(1.0)
    assert math.isnan(npmi_coherence([["zebra", "yak"]], TEXTS))


def test_only_the_top_n_words_count_and_repeats_in_a_window_count_once():
    texts = ["apple apple banana", "apple banana banana", "cherry date"]
    assert npmi_coherence([["apple", "banana"]], texts) == pytest.approx(1.0)
    assert npmi_coherence([["apple", "banana", "cherry"]], texts, top_n=2) == pytest.approx(1.0)


def test_ngram_topic_words_are_matched_as_consecutive_tokens():
    texts = ["new york city", "york new city", "old town"]
    # "new york" occurs in 1 of 3 windows, "city" in 2, together in 1: log((1/3) / (2/9)) / -log(1/3)
    expected = math.log((1 / 3) / (2 / 9)) / -math.log(1 / 3)
    assert npmi_coherence([["new york", "city"]], texts) == pytest.approx(expected, abs=1e-9)


def test_run_metrics_on_known_inputs():
    metrics = run_metrics(np.array([0, 0, 1, -1]), [["apple", "banana"], ["cherry", "date"]], TEXTS,
                          classes=["a", "a", "b", "b"])
    assert metrics["n_topics"] == 2 and metrics["outlier_share"] == 0.25
    assert metrics["npmi"] == pytest.approx(1.0) and metrics["diversity"] == 1.0
    assert 0 < metrics["nmi"] <= 1


def _gensim_c_npmi(topics, texts):
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    tokens = tokenize(texts)
    model = CoherenceModel(topics=topics, texts=tokens, dictionary=Dictionary(tokens), coherence="c_npmi", topn=10,
                           processes=1)
    return np.array(model.get_coherence_per_topic())


def test_npmi_equals_gensims_c_npmi_when_no_word_repeats_within_a_window():
    """gensim's sliding window forgets a word that leaves the window while another copy of it stays in;
    without such repeats the two are the same number."""
    pytest.importorskip("gensim")
    rng = np.random.default_rng(0)
    vocabulary = [f"w{i:02d}" for i in range(60)]
    texts = [" ".join(rng.choice(vocabulary, size=rng.integers(3, 25), replace=False)) for _ in range(300)]
    topics = [vocabulary[i:i + 10] for i in range(0, 60, 10)]
    np.testing.assert_allclose(topic_npmi(topics, texts), _gensim_c_npmi(topics, texts), atol=1e-9)


def test_npmi_is_close_to_gensims_c_npmi_on_real_text(bbc_small):
    pytest.importorskip("gensim")
    texts = bbc_small["text"].tolist()
    from sklearn.feature_extraction.text import CountVectorizer

    topics = []
    for _, group in bbc_small.groupby("label"):
        counts = CountVectorizer(stop_words="english").fit(group["text"])
        totals = np.asarray(counts.transform(group["text"]).sum(axis=0)).ravel()
        topics.append(counts.get_feature_names_out()[np.argsort(-totals)[:10]].tolist())
    ours, theirs = topic_npmi(topics, texts), _gensim_c_npmi(topics, texts)
    assert abs(ours.mean() - theirs.mean()) < 0.01
    np.testing.assert_allclose(ours, theirs, atol=0.03)


def test_npmi_is_the_same_with_the_tokens_from_the_cache(tmp_path):
    from topiclab.pipeline.reduce import ReductionCache

    texts = ["new york city lights", "the city of new york", "apple banana cherry", "banana apple", ""]
    topics = [["new york", "city"], ["apple", "banana", "cherry"]]
    cache = ReductionCache(tmp_path)
    expected = topic_npmi(topics, texts)
    for _ in range(2):
        np.testing.assert_array_equal(topic_npmi(topics, texts, cache=cache), expected)
