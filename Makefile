# desk: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint setup system-packages services bench build clean

run: setup
	$(VENV)/bin/desk run --demo

test: setup services lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -n 2 -q -p no:cacheprovider

setup: system-packages $(STAMP)

# The layers and the code style, before the suite.
lint: setup
	$(VENV)/bin/ruff check desk tests benchmarks db
	$(VENV)/bin/lint-imports

system-packages:
	@bash .ci/system-packages

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

services:
	@bash .ci/services

bench: setup
	for b in benchmarks/*.py; do echo "== $$b"; QT_QPA_PLATFORM=offscreen $(PY) $$b || exit 1; done

build: setup
	$(PY) -m pip install -q -e '.[build]'
	$(VENV)/bin/pyinstaller --noconfirm desk.spec

clean:
	rm -rf build dist $(VENV) .pytest_cache
