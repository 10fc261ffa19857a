# The README's two commands: `make demo` and `make test`. Both create .venv and install on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# torch is pinned: a bare `torch` pulls a multi-GB CUDA build.
BASE_DEPS := torch==2.13.0 numpy scipy pybind11 setuptools wheel pyarrow tqdm packaging

.PHONY: demo test build bench clean

$(STAMP): setup.py pyproject.toml $(wildcard csrc/*.cpp csrc/*.h)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q $(BASE_DEPS)
	ZCNAS_REQUIRE_EXT=1 $(BIN)/pip install -q --no-build-isolation -e '.[test,triton,truth]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/zcnas demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

build: $(STAMP)
	ZCNAS_REQUIRE_EXT=1 $(BIN)/python setup.py -q build_ext --inplace

clean:
	rm -rf build *.egg-info zcnas/_C*.so
