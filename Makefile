# The two commands of the README: `make demo` (the main job on the shipped samples) and
# `make test` (the test suite). Both build .venv first if it is missing or out of date.
VENV ?= .venv
PYTHON := $(VENV)/bin/python
KUCHEN := $(VENV)/bin/kuchen
PROJECTS := pyproject.toml $(wildcard plugins/*/pyproject.toml) $(wildcard examples/*/pyproject.toml)

.PHONY: setup demo test test-slow clean

setup: $(VENV)/.installed

$(VENV)/.installed: $(PROJECTS) scripts/setup.sh scripts/install-system-deps.sh
	bash scripts/setup.sh $(VENV)
	touch $@

demo: setup
	$(KUCHEN) plugins
	$(KUCHEN) compress samples/ --codec jpeg -q 50 --metrics psnr,ssimulacra2 -o out/demo/jpeg
	$(KUCHEN) compress samples/ --codec jpeg -q 50 --pre nlmeans --metrics psnr,ssimulacra2 -o out/demo/jpeg-nlmeans
	$(KUCHEN) compress samples/ --codec avif -q 50 --metrics psnr,ssimulacra2 -o out/demo/avif

test: setup
	$(PYTHON) -m pytest

test-slow: setup
	$(PYTHON) -m pytest -m slow

clean:
	rm -rf $(VENV) out
