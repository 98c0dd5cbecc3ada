# Two commands on a fresh machine:  `make demo` (the main job)  and  `make test`.
# Both create .venv and install what they need on first use: the demo only the core (wheels, no
# compiler); the tests also JupyterLab, local LLM labels and llama.cpp (which compiles for minutes).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# A CPU build of torch; any other spec can pull several GB of CUDA packages.
TORCH_SPEC ?= torch==2.13.0
# One stamp per set of extras (pyproject.toml), so each target installs only what it needs.
# --no-compile, then compileall on every core: pip compiles its 20,000 files on one core (about a third
# of the install's time). They must be compiled up front: where PYTHONDONTWRITEBYTECODE is set (as on
# these machines) Python never saves what it compiles, and every process, each report kernel and CLI
# call, would compile what it imports again (4.6 s of a report kernel's start). compileall exits 1 over
# the few files some packages ship that are not Python 3 (templates, test data): not an error here.
INSTALL = $(PYTHON) -m venv $(VENV) && $(PY) -m pip install --quiet --upgrade pip && \
	$(PY) -m pip install --quiet --no-compile "$(TORCH_SPEC)" -e
COMPILE = $(PY) -m compileall -q -j 0 "$$($(PY) -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" \
	topiclab >/dev/null || true
# numba compiles EVoC, UMAP and pynndescent on their first use on a machine (minutes on two cores): done here,
# once, into numba's on-disk cache (the packages' __pycache__, which numba writes whatever
# PYTHONDONTWRITEBYTECODE says), so the first fit is as fast as the next. It returns at once when warm.
WARMUP = $(VENV)/bin/topiclab warmup
# llama.cpp (the test extra's local LLM server) is compiled for any x86-64 CPU with AVX2, not for this one
# alone: its native build uses AVX-512 and AMX where a Xeon has them, and crashed (SIGSEGV) on every completion
# on such a machine. Built without pip's wheel cache, which may hold a native build, and before the extras,
# which then find it installed. Set LLAMA_CMAKE_ARGS to another llama.cpp build (-DGGML_NATIVE=ON, CUDA, ...).
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
LLAMA = $(PYTHON) -m venv $(VENV) && CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install --quiet --no-compile \
	--no-cache-dir --force-reinstall --no-deps "llama-cpp-python>=0.3.7"

.PHONY: demo lab test test-fast browser dictionaries data clean-notebooks check-notebooks benchmark

$(VENV)/.installed-core: pyproject.toml
	$(INSTALL) .
	$(COMPILE)
	$(WARMUP)
	touch $@

$(VENV)/.installed-lab: pyproject.toml
	$(INSTALL) ".[lab]"
	$(COMPILE)
	$(WARMUP)
	touch $@ $(VENV)/.installed-core

$(VENV)/.installed-test: pyproject.toml
	$(LLAMA)
	$(INSTALL) ".[test]"
	$(COMPILE)
	$(WARMUP)
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

# FOLDOC and GCIDE, labeled corpora for tests and benchmarks, are Debian's dict-foldoc and dict-gcide: installed
# here as root, else their tests are skipped and `topiclab data` says how to install them.
dictionaries:
	@[ -f /usr/share/dictd/foldoc.index ] && [ -f /usr/share/dictd/gcide.index ] || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dict-foldoc dict-gcide >/dev/null; } || echo "dict-foldoc or dict-gcide not installed: FOLDOC and GCIDE tests will be skipped"

# The sample corpora in data/ (data/README.md lists them); the shared ones come from ../shared/data.
data: $(VENV)/.installed-core dictionaries
	$(VENV)/bin/topiclab data

test: $(VENV)/.installed-test browser dictionaries
	$(PY) -m pytest

test-fast: $(VENV)/.installed-test
	$(PY) -m pytest -m "not integration"

# Notebooks are committed without outputs (tests/test_notebooks.py checks it).
clean-notebooks: $(VENV)/.installed-core
	$(VENV)/bin/jupyter nbconvert --clear-output --inplace notebooks/*.ipynb

check-notebooks: $(VENV)/.installed-test
	$(PY) -m pytest -q tests/test_notebooks.py -m "not integration"

# The benchmarks run plain BERTopic beside topiclab (the bertopic extra comes with the test extras).
benchmark: $(VENV)/.installed-test
	$(PY) benchmarks/bench_quality.py
	$(PY) benchmarks/bench_report.py
