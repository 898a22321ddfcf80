# The two commands of the README: `make demo` (the main job on the shipped samples) and
# `make test` (the test suite). Both build .venv first if it is missing or out of date.
VENV ?= .venv
PYTHON := $(VENV)/bin/python
KUCHEN := $(VENV)/bin/kuchen
PROJECTS := pyproject.toml $(wildcard plugins/*/pyproject.toml) $(wildcard examples/*/pyproject.toml)

.PHONY: setup demo test test-slow lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: $(PROJECTS) scripts/setup.sh scripts/install-system-deps.sh
	bash scripts/setup.sh $(VENV)
	touch $@

# The main job: `kuchen bench` on the four photos in samples/ (see README), with the shipped
# rate-aware codec `rd-jpeg` (compared with plain jpeg), the trained methods `kuchen` and `ar`,
# the trained no-reference metric `vqscore`, and the post-filters `rrdb-jpeg`, `rrdb-hevc` (trained for qualities 20-50).
# Override on the command line: make demo DEMO_PRE=none,nlmeans JOBS=4.
DEMO_CODECS ?= jpeg,webp,hevc,rd-jpeg
DEMO_BASELINE ?= rd-jpeg=jpeg
DEMO_PRE ?= none,kuchen,nlmeans,detail,guetzli,ar
DEMO_POST ?= rrdb-jpeg,rrdb-hevc
DEMO_POST_QUALITY ?= 20,30,40,50
DEMO_METRICS ?= vqscore,ssimulacra2,psnr,brisque
DEMO_OUT ?= out/demo
JOBS ?= 2

demo: setup
	$(KUCHEN) bench --images samples/ --codecs $(DEMO_CODECS) --pre $(DEMO_PRE) --metrics $(DEMO_METRICS) \
		$(if $(strip $(DEMO_BASELINE)),--baseline $(DEMO_BASELINE)) \
		$(if $(strip $(DEMO_POST)),--post $(DEMO_POST) --post-quality $(DEMO_POST_QUALITY)) --jobs $(JOBS) --out $(DEMO_OUT)

test: setup
	$(PYTHON) -m pytest

# ruff (lint and format, the whole repository) and mypy over kuchen_core.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test-slow: setup
	$(PYTHON) -m pytest -m slow

clean:
	rm -rf $(VENV) out
