"""LLM-written topic labels: the aspect, its models (local GGUF, local transformers, OpenAI-compatible API),
the prompt and the answer cache."""

import logging

from topiclab.represent.llm.base import CompletionError, LabelModel
from topiclab.represent.llm.install import LLAMA_REQUIREMENTS, installed, pip_command
from topiclab.represent.llm.label_cache import LabelCache
from topiclab.represent.llm.labeler import LLMLabeler
from topiclab.represent.llm.local_gguf import LocalGGUF, gguf_path
from topiclab.represent.llm.local_transformers import LocalTransformers
from topiclab.represent.llm.openai_compatible import OpenAICompatible
from topiclab.represent.llm.prompt import DEFAULT_TEMPLATE, KEYWORDS_TEMPLATE, build_prompt, clean_label

__all__ = ["DEFAULT_TEMPLATE", "KEYWORDS_TEMPLATE", "CompletionError", "LLMLabeler", "LabelCache", "LabelModel",
           "LocalGGUF", "LocalTransformers", "OpenAICompatible", "build_prompt", "clean_label", "label_model", "llm_labeler"]

log = logging.getLogger(__name__)


def label_model(config) -> LabelModel:
    """The model a `labels.llm` configuration section names; checks the key variable, the file and the
    packages now. `local` runs the GGUF file on llama.cpp when llama-cpp-python is installed, and on
    transformers (no compiler needed) when it is not."""
    if config.backend == "openai":
        return OpenAICompatible(config.base_url, config.model, api_key_env=config.api_key_env, api=config.api,
                                max_tokens=config.max_tokens, temperature=config.temperature, timeout=config.timeout,
                                max_retries=config.max_retries, backoff=config.backoff, concurrency=config.concurrency)
    if config.backend == "transformers":
        return LocalTransformers(config.model, max_tokens=config.max_tokens, temperature=config.temperature,
                                 device=config.device, threads=config.threads)
    if not installed("llama_cpp"):
        log.info("Local labels run on transformers; for llama.cpp, which is faster: %s",
                 pip_command(LLAMA_REQUIREMENTS))
        return LocalTransformers(str(gguf_path(config.model)), max_tokens=config.max_tokens,
                                 temperature=config.temperature, device=config.device, threads=config.threads)
    return LocalGGUF(config.model, max_tokens=config.max_tokens, temperature=config.temperature,
                     context_tokens=config.prompt_tokens + config.max_tokens + 16, n_threads=config.threads)


def llm_labeler(config) -> LLMLabeler:
    """The `llm` aspect of a RunConfig: its model checked now, before any fitting."""
    llm = config.labels.llm
    return LLMLabeler(label_model(llm), template=llm.prompt, n_documents=llm.documents,
                      prompt_tokens=llm.prompt_tokens, cache=llm.cache)
