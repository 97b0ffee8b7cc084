# lapor-conformance — GNU make. Needs only python3 (>= 3.11), node (>= 20) and npm on PATH.
#
#   make setup   .venv (Python deps from requirements.lock + this package, editable) and node_modules
#                (Allure 3 report generator from package-lock.json). Quick when nothing changed.
#   make run     run profiles/contoh-simulator.yaml against the built-in simulator
#   make test    the harness's own tests, a file per core at a time (pytest's exit code is passed through)
#   make bench   speed figures
#   make clean   remove .venv, node_modules and .make

SHELL := /bin/bash
.DEFAULT_GOAL := setup

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check --no-input
STAMPS := .make

# Force a step when what it installs has gone missing although its stamp is still there.
MISSING_VENV_PKG = $(if $(wildcard $(VENV)/bin/lapor-conformance),,FORCE)
MISSING_ALLURE   = $(if $(wildcard node_modules/allure/cli.js),,FORCE)

.PHONY: setup run test bench clean FORCE

setup: $(STAMPS)/editable.stamp $(STAMPS)/npm.stamp

# pyvenv.cfg is a real file written when the venv is made (bin/python is a symlink whose mtime is the
# interpreter's), so a re-created venv is newer than the stamps below and everything re-installs.
# An existing venv without stamps (made by hand) is adopted: the stamps are missing, so the lock is
# installed into it.
$(VENV)/pyvenv.cfg:
	@test -n "$(PYTHON)" || { echo "make setup: python3 not found on PATH" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "make setup: Python >= 3.11 needed, $(PYTHON) is $$($(PYTHON) -V 2>&1)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMPS)/pip.stamp: requirements.lock $(VENV)/pyvenv.cfg
	@mkdir -p $(STAMPS)
	$(PIP) install -r requirements.lock
	@touch $@

$(STAMPS)/editable.stamp: pyproject.toml $(STAMPS)/pip.stamp $(MISSING_VENV_PKG)
	$(PIP) install --no-deps -e .
	@touch $@

$(STAMPS)/npm.stamp: package-lock.json package.json $(MISSING_ALLURE)
	@command -v npm >/dev/null || { echo "make setup: npm not found on PATH (Node.js >= 20 needed)" >&2; exit 1; }
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund
	@touch $@

run: setup
	$(VENV)/bin/lapor-conformance run profiles/contoh-simulator.yaml

# -n auto --dist loadfile: one worker per core, each test file whole on one worker (module-scoped runs).
test: setup
	$(PY) -m pytest -q -n auto --dist loadfile

bench: setup
	$(PY) bench/run_bench.py

clean:
	rm -rf $(VENV) node_modules $(STAMPS)

FORCE:
