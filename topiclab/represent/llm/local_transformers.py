"""A Hugging Face transformers causal LM run in-process: a local folder, a .gguf file or a hub name.

With no model it loads the packaged SmolLM2-135M-Instruct GGUF (dequantized by transformers, which
needs the `gguf` and `accelerate` packages of topiclab's `llm` extra): what the `local` backend runs
when llama-cpp-python is not installed. Prompts go in as raw completions, exactly as for the GGUF
backend, and generation stops at the end of the answer's first line with content.
A hub name is read from the local Hugging Face cache, or downloaded unless HF_HUB_OFFLINE=1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from topiclab.errors import ConfigError
from topiclab.represent.llm.base import CompletionError, LabelModel
from topiclab.represent.llm.install import LLM_REQUIREMENTS, installed, pip_command
from topiclab.represent.llm.local_gguf import packaged_smollm2, physical_cores
from topiclab.represent.llm.prompt import first_line_done

_PATH_PREFIXES = ("/", "./", "../", "~", ".\\", "..\\")


class LocalTransformers(LabelModel):
    """Greedy (or, with a temperature, seeded sampled) completions from a transformers model on `device`.

    The weights load on first use and stay loaded; `threads` sets torch's CPU threads while they are
    held (None: every physical core) and the previous setting comes back on exit.
    """

    concurrency = 1

    def __init__(self, model: Optional[str] = None, max_tokens: int = 16, temperature: float = 0.0,
                 device: Optional[str] = None, threads: Optional[int] = None, seed: int = 42):
        self.model = model
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.device = device or "cpu"
        self.threads = threads or physical_cores()
        self.seed = seed
        path = Path(model).expanduser() if model else packaged_smollm2()
        if path.exists() or (model or "").startswith(_PATH_PREFIXES) or path.suffix == ".gguf":
            if not path.exists():
                raise ConfigError(f"No transformers model at {path}: set labels.llm.model to a model folder, a .gguf "
                                  "file or a Hugging Face model name, or leave it empty for the packaged SmolLM2.")
            self.source_, self.gguf_file_ = (str(path.parent), path.name) if path.is_file() else (str(path), None)
            self.name_ = path.name
        else:  # a name on the Hugging Face hub, e.g. HuggingFaceTB/SmolLM2-360M-Instruct
            self.source_, self.gguf_file_, self.name_ = model, None, model
        missing = [name for name in ("gguf", "accelerate") if not installed(name)]
        if self.gguf_file_ and missing:
            raise ConfigError(f"transformers reads .gguf files only with {' and '.join(missing)}, which "
                              f"{'is' if len(missing) == 1 else 'are'} not installed: {pip_command(LLM_REQUIREMENTS)}")
        self._lm = self._tokenizer = None
        self._torch_threads: Optional[int] = None

    @property
    def identity(self) -> dict:
        identity = {"backend": "local-transformers", "model": self.name_, "max_tokens": self.max_tokens,
                    "temperature": self.temperature, "seed": self.seed}
        if self.gguf_file_:
            identity["bytes"] = (Path(self.source_) / self.gguf_file_).stat().st_size
        return identity

    def count_tokens(self, text: str) -> int:
        return len(self._load()[1](text, add_special_tokens=False)["input_ids"])

    def complete(self, prompt: str) -> str:
        import torch

        model, tokenizer = self._load()
        inputs = tokenizer(prompt, return_tensors="pt").to(self.device)
        length, context = inputs["input_ids"].shape[1], getattr(model.config, "max_position_embeddings", None)
        if context and length + self.max_tokens > context:
            raise CompletionError(f"local model failed: a prompt of {length} tokens leaves no room in its context of "
                                  f"{context}; lower labels.llm.prompt_tokens")
        sampling = {"do_sample": self.temperature > 0}
        if self.temperature > 0:
            sampling["temperature"] = self.temperature
            torch.manual_seed(self.seed)
        try:
            with torch.inference_mode():
                output = model.generate(**inputs, max_new_tokens=self.max_tokens,
                                        stopping_criteria=[FirstLineDone(tokenizer, length)], **sampling)
        except (ValueError, RuntimeError) as exc:  # a decoding failure, out of memory on the device
            raise CompletionError(f"local model failed: {exc}") from None
        return tokenizer.decode(output[0, length:], skip_special_tokens=True)

    def __exit__(self, *exc) -> None:
        if self._lm is not None:
            import torch

            torch.set_num_threads(self._torch_threads)
            self._lm = self._tokenizer = None

    def _load(self):
        if self._lm is None:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
            from transformers.utils import logging as transformers_logging

            self._torch_threads = torch.get_num_threads()
            torch.set_num_threads(self.threads)
            bars = transformers_logging.is_progress_bar_enabled()
            transformers_logging.disable_progress_bar()
            try:
                tokenizer = AutoTokenizer.from_pretrained(self.source_, gguf_file=self.gguf_file_)
                model = AutoModelForCausalLM.from_pretrained(self.source_, gguf_file=self.gguf_file_)
            except (OSError, ValueError) as exc:  # no such model offline, not a causal LM, an unreadable file
                torch.set_num_threads(self._torch_threads)
                raise ConfigError(f"Could not load the transformers label model {self.source_}: {exc}") from None
            finally:
                if bars:
                    transformers_logging.enable_progress_bar()
            if model.generation_config.pad_token_id is None:
                model.generation_config.pad_token_id = tokenizer.pad_token_id or tokenizer.eos_token_id
            self._lm, self._tokenizer = model.to(self.device).eval(), tokenizer
        return self._lm, self._tokenizer


class FirstLineDone:
    """A transformers stopping criterion: stop once the answer holds a line with content and its line break
    (`stop_strings=["\\n"]` would stop at a leading line break and lose the answer)."""

    def __init__(self, tokenizer, prompt_length: int):
        self.tokenizer = tokenizer
        self.prompt_length = prompt_length

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        done = [first_line_done(self.tokenizer.decode(ids[self.prompt_length:], skip_special_tokens=True))
                for ids in input_ids]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)
