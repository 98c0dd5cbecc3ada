"""The LLM aspect: one short written label per topic, cached, concurrent, and never fatal.

A topic whose answer is unusable is asked once more with keywords alone. A topic whose model call
still fails after retries, or whose answers are unusable, gets an empty `label_llm` and keeps its
keyword label; why is recorded in `report_` (saved in the run's manifest).
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
from topiclab.represent.llm.prompt import DEFAULT_TEMPLATE, build_prompt, clean_label
from topiclab.results import OUTLIER

log = logging.getLogger(__name__)

_KEYWORDS_IN_PROMPT = 10


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
        with self.model, (LabelCache(self.cache_dir) if self.cache else nullcontext()) as cache:
            prompts = self._prompts(context, with_documents=True)
            answers, failures, tally = self._ask(prompts, cache)
            unusable = {topic for topic, answer in answers.items() if clean_label(answer) is None}
            if unusable and self.n_documents:  # a second try on keywords alone: noisy documents derail small models
                retried, _, more = self._ask({t: p for t, p in self._prompts(context, with_documents=False).items()
                                              if t in unusable}, cache)
                answers.update({topic: answer for topic, answer in retried.items() if clean_label(answer)})
                tally = {key: tally[key] + more[key] for key in tally}

        labels = {topic: clean_label(answer) for topic, answer in answers.items()}
        rejected = {topic: answers[topic][:80] for topic, label in labels.items() if label is None}
        generated = tally["n_generated"]
        self.report_ = {
            **{k: v for k, v in self.model.identity.items() if k in ("backend", "base_url", "model", "file", "api")},
            "n_topics": len(prompts), "n_cached": tally["n_cached"], "n_generated": generated,
            "n_failed": len(failures), "n_retried_without_documents": len(unusable) if self.n_documents else 0,
            "n_rejected": len(rejected),
            "seconds_per_label": round(tally["seconds"] / generated, 3) if generated else None,
            "seconds": round(time.perf_counter() - started, 3),
            "failures": {str(topic): message for topic, message in sorted(failures.items())},
            "rejected_answers": {str(topic): answer for topic, answer in sorted(rejected.items())},
        }
        return {"label_llm": [labels.get(topic) or "" for topic in context.topic_ids]}

    def _ask(self, prompts: dict[int, str], cache: Optional[LabelCache]) -> tuple[dict, dict, dict]:
        """Raw answers by topic, from the cache or the model (at most `concurrency` at once), failures by
        topic, and a tally: answers from the cache, answers generated, seconds spent generating."""
        keys = {topic: cache_key(self.model.identity, prompt) for topic, prompt in prompts.items()}
        cached = cache.get(list(keys.values())) if cache else {}
        answers = {topic: cached[key] for topic, key in keys.items() if key in cached}
        n_cached = len(answers)
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
                    log.warning("No LLM label for topic %d: %s. It keeps its keyword label.", topic, exc)
                    continue
                if cache:
                    cache.put(keys[topic], answers[topic])
        tally = {"n_cached": n_cached, "n_generated": len(futures) - len(failures),
                 "seconds": time.perf_counter() - started}
        return answers, failures, tally

    def _prompts(self, context: TopicContext, with_documents: bool) -> dict[int, str]:
        prompts = {}
        for row in context.topics.itertuples(index=False):
            if int(row.topic) == OUTLIER:
                continue
            keywords = list(row.words)[:_KEYWORDS_IN_PROMPT]
            documents = list(getattr(row, "representative_docs", []) or [])[:self.n_documents] if with_documents else []
            prompts[int(row.topic)] = build_prompt(self.template or DEFAULT_TEMPLATE, keywords, documents,
                                                   self.prompt_tokens, self.model.count_tokens)
        return prompts
