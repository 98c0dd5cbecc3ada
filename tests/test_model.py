"""TopicModel as a scikit-learn estimator: parameters, fit/predict/transform/partial_fit, saving without
pickles, granularity levels, determinism. Real BBC text with cached static (WordLlama) embeddings."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import normalized_mutual_info_score

from topiclab.config import RunConfig
from topiclab.embed import embed_documents
from topiclab.errors import ConfigError, RunError, TopicLabError
from topiclab.pipeline import TopicModel
from topiclab.pipeline.words import TermCounts

CONFIG = RunConfig.build({"embedding": {"model": "wordllama"}})


@pytest.fixture(scope="module")
def corpus(bbc_small):
    texts = bbc_small["text"].tolist()
    vectors, _ = embed_documents(texts, CONFIG.embedding, progress=False)
    return texts, vectors, bbc_small["label"].to_numpy()


@pytest.fixture(scope="module")
def fitted(corpus):
    texts, vectors, _ = corpus
    return TopicModel(CONFIG).fit(texts, embeddings=vectors)


def test_constructor_stores_and_params_round_trip():
    model = TopicModel(CONFIG, embedder="wordllama", progress=False)
    assert model.get_params(deep=False) == {"config": CONFIG, "embedder": "wordllama", "progress": False}
    params = model.get_params()
    assert params["config__clustering__method"] == "evoc" and params["config__umap__n_neighbors"] == 15
    model.set_params(config__clustering__method="hdbscan", progress=True)
    assert model.config.clustering.hdbscan.min_cluster_size == 10 and model.progress is True
    assert not hasattr(model, "topics_")
    twin = clone(model)
    assert twin.config == model.config and twin is not model


def test_fit_learns_topics_words_and_a_reference(fitted, corpus):
    texts, vectors, labels = corpus
    assert fitted.topics_.shape == (len(texts),) and (fitted.topics_ >= 0).all()  # outliers reassigned
    assert set(np.unique(fitted.topics_)) == set(fitted.topic_ids_)
    assert sum(fitted.topic_sizes_.values()) == len(texts)
    assert all(len(words) == 10 for topic, words in fitted.topic_words_.items())
    assert fitted.topic_embeddings_.shape == (len(fitted.topic_ids_), 256)
    assert normalized_mutual_info_score(labels, fitted.topics_) > 0.5
    assert set(fitted.assigned_by_) <= {"cluster", "neighbors"}
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert CONFIG.topics.level_votes == "auto" and len(fitted.level_votes_) == 4  # five layouts for a small sample
    assert fitted.level_ == fitted.layers_.choose(unit[fitted.layer_positions_], fitted.level_votes_)  # 'auto' reads the data


def test_layouts_with_other_seeds_vote_on_the_level(fitted, corpus):
    texts, vectors, _ = corpus
    alone = [TopicModel(CONFIG.with_overrides({"seed": CONFIG.seed + step, "topics.level_votes": 1})).fit(
        texts, embeddings=vectors) for step in (100, 200, 300, 400)]
    assert all(model.level_votes_ == [] for model in alone)
    assert fitted.level_votes_ == [model.layers_.n_topics[model.level_] for model in alone]  # what each chose alone
    fixed = TopicModel(CONFIG.with_overrides({"topics.level": 1})).fit(texts, embeddings=vectors)
    assert fixed.level_ == 1 and fixed.level_votes_ == []  # a level given by number needs no vote


def test_transform_agrees_with_the_fit_and_gives_honest_probabilities(fitted, corpus):
    texts, vectors, _ = corpus
    predicted = fitted.predict(texts, embeddings=vectors)
    assert (predicted == fitted.topics_).mean() >= 0.95
    shares = fitted.transform(texts, embeddings=vectors)
    assert shares.shape == (len(texts), len(fitted.topic_ids_))
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=1e-5)
    by_vote = fitted.topic_ids_[shares.argmax(axis=1)]
    assert (by_vote == predicted).mean() > 0.9
    assert ((fitted.probabilities_ > 0) & (fitted.probabilities_ <= 1)).all()


def test_held_out_documents_take_the_topic_of_their_neighbours(corpus):
    texts, vectors, labels = corpus
    keep = np.arange(len(texts)) % 5 != 0
    model = TopicModel(CONFIG).fit([t for t, k in zip(texts, keep) if k], embeddings=vectors[keep])
    held_out = model.predict([t for t, k in zip(texts, keep) if not k], embeddings=vectors[~keep])
    whole = TopicModel(CONFIG).fit(texts, embeddings=vectors)
    assert normalized_mutual_info_score(labels[~keep], held_out) > 0.5
    assert normalized_mutual_info_score(whole.topics_[~keep], held_out) > 0.5


def test_fitting_is_deterministic(corpus, fitted):
    texts, vectors, _ = corpus
    again = TopicModel(CONFIG).fit(texts, embeddings=vectors)
    np.testing.assert_array_equal(again.topics_, fitted.topics_)
    assert again.topic_words_ == fitted.topic_words_


def test_save_and_load_without_pickles(fitted, corpus, tmp_path):
    texts, vectors, _ = corpus
    folder = fitted.save(tmp_path / "model")
    assert {p.name for p in folder.iterdir()} == {"model.json", "arrays.npz", "term_counts.npz"}
    with np.load(folder / "arrays.npz", allow_pickle=False) as arrays:  # loads only without pickles
        assert arrays["topics"].shape == (len(texts),)
    loaded = TopicModel.load(folder)
    np.testing.assert_array_equal(loaded.predict(texts, embeddings=vectors), fitted.predict(texts, embeddings=vectors))
    assert loaded.topic_words_ == {t: [(w, round(s, 6)) for w, s in ws] for t, ws in fitted.topic_words_.items()}
    assert loaded.level_votes_ == fitted.level_votes_  # so `set_level("auto")` gives the fit's level again


def test_a_pickle_in_place_of_the_model_is_refused(tmp_path):
    import pickle

    (tmp_path / "model").write_bytes(pickle.dumps({"not": "a model"}))
    with pytest.raises(RunError, match="is a file, not a topiclab model folder.*never unpickles"):
        TopicModel.load(tmp_path / "model")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "model.pkl").write_bytes(pickle.dumps(1))
    with pytest.raises(RunError, match="a folder without model.json"):
        TopicModel.load(tmp_path / "folder")


def test_a_damaged_model_gives_a_clear_error(fitted, tmp_path):
    folder = fitted.save(tmp_path / "model")
    (folder / "arrays.npz").write_bytes(b"garbage")
    with pytest.raises(RunError, match="is damaged"):
        TopicModel.load(folder)
    folder = fitted.save(tmp_path / "model2")
    state = json.loads((folder / "model.json").read_text())
    state["format"] = 99
    (folder / "model.json").write_text(json.dumps(state))
    with pytest.raises(RunError, match="newer topiclab"):
        TopicModel.load(folder)
    state.update(format=1, level_votes=["many"])
    (folder / "model.json").write_text(json.dumps(state))
    with pytest.raises(RunError, match="incomplete or inconsistent"):
        TopicModel.load(folder)


def test_another_level_without_refitting_the_reduction(fitted, corpus):
    texts, vectors, _ = corpus
    model = clone(fitted).fit(texts, embeddings=vectors)
    counts = model.layers_.n_topics
    assert counts == sorted(counts, reverse=True)  # finest first
    model.set_level(0, texts, embeddings=vectors)
    assert len(model.topic_ids_) >= len(fitted.topic_ids_) and model.level_ == 0
    model.set_level("auto", texts, embeddings=vectors)
    np.testing.assert_array_equal(model.topics_, fitted.topics_)


def test_partial_fit_keeps_ids_and_grows_topics(corpus):
    texts, vectors, labels = corpus
    model = TopicModel(CONFIG).partial_fit(texts[:150], embeddings=vectors[:150])  # the first call fits
    first = set(model.topic_ids_)
    sizes = dict(model.topic_sizes_)
    model.partial_fit(texts[150:], embeddings=vectors[150:])
    assert first <= set(model.topic_ids_) and len(model.topics_) == len(texts)
    assert sum(model.topic_sizes_.values()) == len(texts)
    assert all(model.topic_sizes_[t] >= sizes[t] for t in first)
    assert model.updates_[0]["n_documents"] == len(texts) - 150
    assert normalized_mutual_info_score(labels, model.topics_) > 0.4


def test_unfitted_and_mismatched_inputs_say_what_to_do(corpus):
    texts, vectors, _ = corpus
    for use in (lambda m: m.predict(texts[:2], embeddings=vectors[:2]), lambda m: m.save("never-written")):
        with pytest.raises(TopicLabError, match="not fitted yet") as raised:
            use(TopicModel(CONFIG))
        assert isinstance(raised.value, NotFittedError)  # scikit-learn's, too
    with pytest.raises(TopicLabError, match="give one embedding row per document"):
        TopicModel(CONFIG).fit(texts, embeddings=vectors[:10])


def test_settings_given_as_a_dict_are_checked_at_fit(corpus):
    texts, vectors, _ = corpus
    as_dict = TopicModel(config={"embedding": {"model": "wordllama"}}).fit(texts, embeddings=vectors)
    np.testing.assert_array_equal(as_dict.topics_, TopicModel(CONFIG).fit(texts, embeddings=vectors).topics_)
    wrong = TopicModel(config={"umap": {"n_neighbours": 15}})  # misspelt: stored as given, as scikit-learn asks
    assert wrong.get_params(deep=False)["config"] == {"umap": {"n_neighbours": 15}}
    with pytest.raises(ConfigError, match="n_neighbours"):
        wrong.fit(texts, embeddings=vectors)
    with pytest.raises(ConfigError, match="a RunConfig or a dict of settings"):
        TopicModel(config="umap.n_neighbors=15").fit(texts, embeddings=vectors)


def test_learned_attributes_are_read_from_the_state_and_cannot_be_set(fitted):
    assert fitted.topics_ is fitted.state_.topics and fitted.topic_words_ is fitted.state_.topic_words
    with pytest.raises(AttributeError):
        fitted.topics_ = fitted.topics_


#: The checks of sklearn.utils.estimator_checks that apply to an estimator of texts. The others are about
#: numeric arrays (n_features_in_, 1D input, empty feature matrices), which a list of texts does not have.
ESTIMATOR_CHECKS = [
    "check_estimator_cloneable", "check_estimator_repr", "check_no_attributes_set_in_init",
    "check_parameters_default_constructible", "check_get_params_invariance", "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params", "check_estimators_unfitted", "check_mixin_order",
    "check_valid_tag_types", "check_estimator_tags_renamed", "check_fit_score_takes_y",
    "check_estimators_fit_returns_self", "check_dont_overwrite_parameters", "check_estimators_overwrite_params",
    "check_fit_check_is_fitted", "check_fit_idempotent", "check_estimators_pickle", "check_dict_unchanged",
    "check_readonly_memmap_input", "check_methods_subset_invariance",
]


@pytest.mark.parametrize("name", ESTIMATOR_CHECKS)
def test_scikit_learn_estimator_checks_that_apply(name):
    """The checks that fit feed their numbers to the model as texts, embedded by WordLlama; the labels they
    pass as `y` become known topic labels."""
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, name)("TopicModel", TopicModel(config={"embedding": {"model": "wordllama"}},
                                                             progress=False))


def test_ctfidf_is_bertopics_formula(bbc_small):
    """Our c-TF-IDF equals BERTopic's ClassTfidfTransformer(reduce_frequent_words=True) on the same counts."""
    pd = pytest.importorskip("pandas")
    from sklearn.feature_extraction.text import CountVectorizer

    from topiclab.config import VectorizerConfig

    bertopic = pytest.importorskip("bertopic.vectorizers")
    texts, topics = bbc_small["text"].tolist(), pd.factorize(bbc_small["label"])[0]
    config = VectorizerConfig(min_df=1)
    counts = TermCounts.from_documents(texts, topics, config)
    ours = counts.ctfidf(config, len(texts))
    joined = pd.DataFrame({"d": texts, "t": topics}).groupby("t")["d"].apply(" ".join).tolist()
    vectorizer = CountVectorizer(stop_words="english")
    matrix = vectorizer.fit_transform(joined)
    theirs = bertopic.ClassTfidfTransformer(reduce_frequent_words=True).fit(matrix).transform(matrix)
    columns = {w: i for i, w in enumerate(counts.vocabulary)}
    aligned = ours.toarray()[:, [columns[w] for w in vectorizer.get_feature_names_out()]]
    np.testing.assert_allclose(aligned, theirs.toarray(), atol=1e-12)


def test_word_counts_and_tokens_come_back_from_the_cache_as_computed(bbc_small, tmp_path, monkeypatch):
    """A re-fit reads the texts' word counts (topic words) and tokens (NPMI) from the cache instead of
    counting again; what it reads equals what counting gives."""
    import topiclab.metrics as metrics
    import topiclab.pipeline.words as words
    from topiclab.pipeline.reduce import ReductionCache

    texts = bbc_small["text"].tolist()
    config = RunConfig().vectorizer
    cache = ReductionCache(tmp_path)
    counted, vocabulary = words.count_documents(texts, config)
    tokens = metrics.TokenStream.of(texts)
    for _ in range(2):  # the first call fills the cache, the second reads it
        cached, cached_vocabulary = words.count_documents(texts, config, cache)
        assert cached_vocabulary == vocabulary and (cached != counted).nnz == 0
        stream = metrics.TokenStream.of(texts, cache)
        assert stream.words == tokens.words and np.array_equal(stream.ids, tokens.ids)
        assert np.array_equal(stream.lengths, tokens.lengths)
        monkeypatch.setattr(words, "_count", lambda *a: pytest.fail("counted again"))
        monkeypatch.setattr(metrics, "tokenize", lambda *a: pytest.fail("tokenized again"))
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "reductions").iterdir()) == ["counts", "tokens"]
    other = config.model_copy(update={"ngram_range": (1, 2)})  # another vectorizer setting: counted anew
    with pytest.raises(pytest.fail.Exception, match="counted again"):
        words.count_documents(texts, other, cache)


def test_cached_candidates_give_the_same_voters_as_a_full_search():
    from topiclab.pipeline.neighbors import nearest, normalize
    from topiclab.pipeline.predictor import Candidates, Reference

    rng = np.random.default_rng(3)
    unit = normalize(rng.normal(size=(600, 16)))
    pool = np.sort(rng.choice(600, 400, replace=False))
    indices, similarities = nearest(unit, unit[pool], 8)  # 8 candidates for a vote of 4
    candidates = Candidates(pool, indices.astype(np.int32), similarities)  # as the cache keeps them
    for outlier_share in (0.3, 0.8):  # at 0.8 many rows hold fewer than 4 voters and are searched again
        voting = pool[rng.random(len(pool)) >= outlier_share]
        voters = Reference(unit[voting], np.zeros(len(voting), np.int64), voting, n_neighbors=4)
        expected = nearest(unit, voters.vectors, 4)
        found = candidates.nearest_voters(voters, unit)
        assert np.array_equal(found[0], expected[0])
        np.testing.assert_allclose(found[1], expected[1], rtol=0, atol=1e-6)
