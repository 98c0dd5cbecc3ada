"""What the label writer needs from a language model, whatever runs it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Optional

from topiclab.represent.llm.prompt import approx_tokens


class CompletionError(Exception):
    """One prompt got no answer. `retryable` failures (rate limits, 5xx, time-outs) may succeed later.

    Messages are recorded in the run's manifest, so they never hold a key or a whole response.
    """

    def __init__(self, message: str, retryable: bool = False, retry_after: Optional[float] = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class LabelModel(ABC):
    """A text completion model. Use it as a context manager: connections and weights are held inside."""

    #: Prompts that may be in flight at once.
    concurrency: int = 1

    @property
    @abstractmethod
    def identity(self) -> dict:
        """Everything that changes the answer besides the prompt: keys the label cache. Never the key."""

    @abstractmethod
    def complete(self, prompt: str) -> str:
        """The model's raw answer to `prompt`; raises CompletionError when there is none."""

    def count_tokens(self, text: str) -> int:
        return approx_tokens(text)

    def __enter__(self) -> "LabelModel":
        return self

    def __exit__(self, *exc) -> None:
        return None
