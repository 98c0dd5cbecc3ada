# Two commands on a fresh machine:  `make demo` (the main job)  and  `make test`.
# Both create .venv and install what they need on first use: the demo only the core (wheels, no
# compiler); the tests also JupyterLab, local LLM labels and llama.cpp (which compiles for minutes).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# A CPU build of torch; any other spec can pull several GB of CUDA packages.
TORCH_SPEC ?= torch==2.13.0
# One stamp per set of extras (pyproject.toml), so each target installs only what it needs.
# --no-compile: Python compiles what it imports on first use, instead of pip compiling all 17,000
# files up front (about a third of the install's time).
INSTALL = $(PYTHON) -m venv $(VENV) && $(PY) -m pip install --quiet --upgrade pip && \
	$(PY) -m pip install --quiet --no-compile "$(TORCH_SPEC)" -e

.PHONY: demo lab test test-fast browser foldoc data clean-notebooks check-notebooks benchmark

$(VENV)/.installed-core: pyproject.toml
	$(INSTALL) .
	touch $@

$(VENV)/.installed-lab: pyproject.toml
	$(INSTALL) ".[lab]"
	touch $@ $(VENV)/.installed-core

$(VENV)/.installed-test: pyproject.toml
	$(INSTALL) ".[test]"
	touch $@ $(VENV)/.installed-core $(VENV)/.installed-lab

demo: $(VENV)/.installed-core
	$(VENV)/bin/topiclab demo

# The explore notebook in JupyterLab.
lab: $(VENV)/.installed-lab
	$(VENV)/bin/jupyter lab notebooks/explore.ipynb

# Browser tests use Debian's chromium; as root it is installed here, otherwise they are skipped
# (CI sets TOPICLAB_REQUIRE_BROWSER=1, which turns a missing browser into a failure).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || echo "chromium not installed: browser tests will be skipped"

# FOLDOC, a labeled corpus for tests and benchmarks, is Debian's dict-foldoc: installed here as root, else
# its tests are skipped and `topiclab data` says how to install it.
foldoc:
	@[ -f /usr/share/dictd/foldoc.index ] || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dict-foldoc >/dev/null; } || echo "dict-foldoc not installed: FOLDOC tests will be skipped"

# The sample corpora in data/ (data/README.md lists them); the shared ones come from ../shared/data.
data: $(VENV)/.installed-core foldoc
	$(VENV)/bin/topiclab data

test: $(VENV)/.installed-test browser foldoc
	$(PY) -m pytest

test-fast: $(VENV)/.installed-test
	$(PY) -m pytest -m "not integration"

# Notebooks are committed without outputs (tests/test_notebooks.py checks it).
clean-notebooks: $(VENV)/.installed-core
	$(VENV)/bin/jupyter nbconvert --clear-output --inplace notebooks/*.ipynb

check-notebooks: $(VENV)/.installed-test
	$(PY) -m pytest -q tests/test_notebooks.py -m "not integration"

benchmark: $(VENV)/.installed-core
	$(PY) benchmarks/bench_quality.py
	$(PY) benchmarks/bench_report.py
