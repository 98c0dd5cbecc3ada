"""The LLM aspect: one short written label per topic, cached, concurrent, and never fatal.

Every topic gets a usable label or a recorded fallback. Each topic is asked in turn with up to three
prompts until one answer cleans to a usable label: the template with representative documents, the
template with keywords alone (noisy documents derail small models), and `KEYWORDS_TEMPLATE` (other
examples, other wording). A topic whose model call fails after its retries, or whose every answer is
unusable, gets an empty `label_llm` and keeps its keyword label; why is in `report_["fallbacks"]`
(saved in the run's manifest). Only usable answers are cached, so a bad answer is never replayed.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from pathlib import Path
from typing import Optional, Union

from topiclab.represent.base import Aspect, TopicContext
from topiclab.represent.llm.base import CompletionError, LabelModel
from topiclab.represent.llm.label_cache import LabelCache, cache_key
from topiclab.represent.llm.prompt import DEFAULT_TEMPLATE, KEYWORDS_TEMPLATE, build_prompt, clean_label
from topiclab.results import OUTLIER

log = logging.getLogger(__name__)

_KEYWORDS_IN_PROMPT = 10
#: The prompts tried in turn, by the names the report counts labels under.
PROMPTS = ("documents", "keywords", "keywords_variant")


class LLMLabeler(Aspect):
    """Write `label_llm` for every topic but the outliers with `model`."""

    name = "llm"

    def __init__(self, model: LabelModel, template: Optional[str] = None, n_documents: int = 3,
                 prompt_tokens: int = 512, cache: bool = True, cache_dir: Union[str, Path, None] = None):
        self.model = model
        self.template = template
        self.n_documents = n_documents
        self.prompt_tokens = prompt_tokens
        self.cache = cache
        self.cache_dir = cache_dir

    def transform(self, context: TopicContext) -> dict[str, list]:
        started = time.perf_counter()
        labels: dict[int, str] = {}
        fallbacks: dict[int, str] = {}
        by_prompt = dict.fromkeys(PROMPTS, 0)
        tally = {"n_cached": 0, "n_generated": 0, "n_unusable": 0, "seconds": 0.0}
        with self.model, (LabelCache(self.cache_dir) if self.cache else nullcontext()) as cache:
            ladders = self._ladders(context)
            pending = {topic: 0 for topic in ladders}  # each topic's next prompt
            while pending:
                answers, failures = self._ask({t: ladders[t][step][1] for t, step in pending.items()}, cache, tally)
                waiting = {}
                for topic, step in pending.items():
                    if topic in failures:
                        fallbacks[topic] = f"the model failed: {failures[topic]}"
                    elif label := clean_label(answers[topic]):
                        labels[topic] = label
                        by_prompt[ladders[topic][step][0]] += 1
                    elif step + 1 < len(ladders[topic]):
                        waiting[topic] = step + 1
                    else:
                        fallbacks[topic] = (f"no usable label in {len(ladders[topic])} answers "
                                            f"(the last: {answers[topic].strip()[:80]!r})")
                pending = waiting
        for topic, reason in sorted(fallbacks.items()):
            log.warning("No LLM label for topic %d (%s); it keeps its keyword label.", topic, reason)

        generated = tally["n_generated"]
        self.report_ = {
            **{k: v for k, v in self.model.identity.items() if k in ("backend", "base_url", "model", "file", "api")},
            "n_topics": len(ladders), "n_labelled": len(labels), "n_fallback": len(fallbacks),
            "n_cached": tally["n_cached"], "n_generated": generated, "n_unusable": tally["n_unusable"],
            "n_failed": sum(reason.startswith("the model failed") for reason in fallbacks.values()),
            "labels_by_prompt": by_prompt,
            "seconds_per_label": round(tally["seconds"] / generated, 3) if generated else None,
            "seconds": round(time.perf_counter() - started, 3),
            "fallbacks": {str(topic): reason for topic, reason in sorted(fallbacks.items())},
        }
        return {"label_llm": [labels.get(topic, "") for topic in context.topic_ids]}

    def _ask(self, prompts: dict[int, str], cache: Optional[LabelCache], tally: dict) -> tuple[dict, dict]:
        """Raw answers by topic, from the cache or the model (at most `concurrency` at once), and failures
        by topic. Usable answers go to the cache; `tally` counts answers and seconds spent generating."""
        keys = {topic: cache_key(self.model.identity, prompt) for topic, prompt in prompts.items()}
        cached = cache.get(list(keys.values())) if cache else {}
        answers = {topic: cached[key] for topic, key in keys.items() if clean_label(cached.get(key, ""))}
        tally["n_cached"] += len(answers)
        failures: dict[int, str] = {}
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=self.model.concurrency) as pool:
            futures = {pool.submit(self.model.complete, prompt): topic
                       for topic, prompt in prompts.items() if topic not in answers}
            for future in as_completed(futures):
                topic = futures[future]
                try:
                    answers[topic] = future.result()
                except CompletionError as exc:
                    failures[topic] = str(exc)
                    continue
                tally["n_generated"] += 1
                if not clean_label(answers[topic]):
                    tally["n_unusable"] += 1
                elif cache:
                    cache.put(keys[topic], answers[topic])
        tally["seconds"] += time.perf_counter() - started
        return answers, failures

    def _ladders(self, context: TopicContext) -> dict[int, list[tuple[str, str]]]:
        """Each topic's prompts, named, in the order they are tried. A prompt equal to a later one is left out:
        with no documents (or no room for them) the first is the keywords-only prompt."""
        template = self.template or DEFAULT_TEMPLATE
        ladders = {}
        for row in context.topics.itertuples(index=False):
            if int(row.topic) == OUTLIER:
                continue
            keywords = list(row.words)[:_KEYWORDS_IN_PROMPT]
            documents = list(getattr(row, "representative_docs", []) or [])[:self.n_documents]
            prompts = [build_prompt(filled, keywords, documents if name == "documents" else [], self.prompt_tokens,
                                    self.model.count_tokens)
                       for name, filled in zip(PROMPTS, (template, template, KEYWORDS_TEMPLATE))]
            ladders[int(row.topic)] = [(name, prompt) for i, (name, prompt) in enumerate(zip(PROMPTS, prompts))
                                       if prompt not in prompts[i + 1:]]
        return ladders
