# Two commands on a fresh machine:  `make demo` (the main job)  and  `make test`.
# Both create .venv and install what they need on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# A CPU build of torch; any other spec can pull several GB of CUDA packages.
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast browser foldoc data clean-notebooks check-notebooks benchmark

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -e ".[test,llm]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/topiclab demo

# Browser tests use Debian's chromium; as root it is installed here, otherwise they are skipped
# (CI sets TOPICLAB_REQUIRE_BROWSER=1, which turns a missing browser into a failure).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || echo "chromium not installed: browser tests will be skipped"

# FOLDOC, a labeled corpus for tests and benchmarks, is Debian's dict-foldoc: installed here as root, else
# its tests are skipped and `topiclab data` says how to install it.
foldoc:
	@[ -f /usr/share/dictd/foldoc.index ] || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dict-foldoc >/dev/null; } || echo "dict-foldoc not installed: FOLDOC tests will be skipped"

# The sample corpora in data/ (data/README.md lists them); the shared ones come from ../shared/data.
data: $(STAMP) foldoc
	$(VENV)/bin/topiclab data

test: $(STAMP) browser foldoc
	$(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest -m "not integration"

# Notebooks are committed without outputs (tests/test_notebooks.py checks it).
clean-notebooks: $(STAMP)
	$(VENV)/bin/jupyter nbconvert --clear-output --inplace notebooks/*.ipynb

check-notebooks: $(STAMP)
	$(PY) -m pytest -q tests/test_notebooks.py -m "not integration"

benchmark: $(STAMP)
	$(PY) benchmarks/bench_quality.py
	$(PY) benchmarks/bench_report.py
