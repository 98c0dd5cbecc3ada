"""Any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp's server, LM Studio) over httpx.

Rate limits (429, honouring Retry-After), 5xx answers, time-outs, dropped connections and malformed
replies are retried with exponential backoff and jitter (tenacity); other 4xx answers are not. The
key is read from the environment variable the configuration names, and goes only into the request's
Authorization header: error messages are cut short and scrubbed of it before they are recorded.
"""

from __future__ import annotations

import logging
import os
import time
from email.utils import parsedate_to_datetime
from typing import Optional

import httpx
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from topiclab.errors import ConfigError
from topiclab.represent.llm.base import CompletionError, LabelModel

log = logging.getLogger(__name__)

#: The longest wait between two attempts, whatever Retry-After asks for.
MAX_WAIT = 60.0
_SNIPPET = 160


class OpenAICompatible(LabelModel):
    """Labels from `model` at `base_url`, through /chat/completions (`api="chat"`) or /completions."""

    def __init__(self, base_url: str, model: str, api_key_env: Optional[str] = None, api: str = "chat",
                 max_tokens: int = 16, temperature: float = 0.0, timeout: float = 60.0, max_retries: int = 4,
                 backoff: float = 1.0, concurrency: int = 4):
        self.base_url = base_url
        self.model = model
        self.api_key_env = api_key_env
        self.api = api
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.concurrency = concurrency
        if api_key_env and not os.environ.get(api_key_env):
            raise ConfigError(f"labels.llm.api_key_env names the environment variable {api_key_env}, which is not "
                              f"set: export {api_key_env}=... before running, or leave api_key_env empty for "
                              "endpoints that need no key.")
        self._client: Optional[httpx.Client] = None

    @property
    def identity(self) -> dict:
        return {"backend": "openai", "base_url": self.base_url.rstrip("/"), "model": self.model, "api": self.api,
                "max_tokens": self.max_tokens, "temperature": self.temperature}

    def __enter__(self) -> "OpenAICompatible":
        headers = {"Authorization": f"Bearer {os.environ[self.api_key_env]}"} if self.api_key_env else {}
        self._client = httpx.Client(base_url=self.base_url.rstrip("/") + "/", headers=headers,
                                    timeout=httpx.Timeout(self.timeout),
                                    limits=httpx.Limits(max_connections=self.concurrency))
        return self

    def __exit__(self, *exc) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def complete(self, prompt: str) -> str:
        if self._client is None:
            raise RuntimeError("Use the model inside `with model:` so that it holds a connection pool.")
        retrying = Retrying(stop=stop_after_attempt(self.max_retries + 1), wait=self._wait, reraise=True,
                            retry=retry_if_exception(lambda exc: isinstance(exc, CompletionError) and exc.retryable),
                            before_sleep=_log_retry)
        try:
            return retrying(self._request, prompt)
        except CompletionError as exc:
            attempts = retrying.statistics.get("attempt_number", 1)
            raise CompletionError(f"{exc} (after {attempts} attempt{'s' * (attempts > 1)})") from None

    def _request(self, prompt: str) -> str:
        if self.api == "chat":
            path, payload = "chat/completions", {"messages": [{"role": "user", "content": prompt}]}
        else:
            # No stop at "\n": a model that starts its answer on a new line would return nothing. The label
            # is the answer's first line with content, and max_tokens bounds the rest.
            path, payload = "completions", {"prompt": prompt}
        payload.update(model=self.model, max_tokens=self.max_tokens, temperature=self.temperature)
        try:
            response = self._client.post(path, json=payload)
        except httpx.TimeoutException:
            raise CompletionError(f"no answer within {self.timeout:g} s", retryable=True) from None
        except httpx.TransportError as exc:
            raise CompletionError(f"connection failed ({type(exc).__name__})", retryable=True) from None
        if response.status_code == 429 or response.status_code == 408 or response.status_code >= 500:
            raise CompletionError(f"HTTP {response.status_code}{self._snippet(response.text)}", retryable=True,
                                  retry_after=_retry_after(response.headers.get("Retry-After")))
        if response.status_code >= 400:
            raise CompletionError(f"HTTP {response.status_code}{self._snippet(response.text)}")
        try:
            choice = response.json()["choices"][0]
            text = choice["message"]["content"] if self.api == "chat" else choice["text"]
        except (ValueError, LookupError, TypeError):
            raise CompletionError(f"malformed reply{self._snippet(response.text)}", retryable=True) from None
        if not isinstance(text, str):
            raise CompletionError("malformed reply (no text in the first choice)", retryable=True)
        return text

    def _wait(self, state) -> float:
        retry_after = getattr(state.outcome.exception(), "retry_after", None)
        if retry_after is not None:
            return min(retry_after, MAX_WAIT)
        return wait_exponential_jitter(initial=self.backoff, max=MAX_WAIT, jitter=self.backoff)(state)

    def _snippet(self, text: str) -> str:
        """A short, key-free excerpt of a response body for the failure record."""
        text = " ".join(text.split())
        key = os.environ.get(self.api_key_env, "") if self.api_key_env else ""
        if key:
            text = text.replace(key, "***")
        return f": {text[:_SNIPPET]}" if text else ""


def _retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _log_retry(state) -> None:
    log.info("Label request failed (%s); retry %d after %.1f s.", state.outcome.exception(), state.attempt_number,
             state.next_action.sleep)
