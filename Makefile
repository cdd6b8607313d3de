# Two commands for a fresh machine: `make demo` and `make test`. Each sets up
# its own virtual environment (.venv) with the runtime and test dependencies.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-packaging lint typecheck fuzz soak test-hosts screenshots bench dist dist-linux install uninstall clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Without OPENAI_API_KEY the demo's pictures come from the local stand-in: placeholders
# (marked "local stand-in" and the prompt's first words), not the model's work.
demo: $(STAMP)
	@if [ -z "$$OPENAI_API_KEY" ]; then echo "demo: no OPENAI_API_KEY, so the pictures below are placeholders from the local stand-in, not the model's work"; fi
	$(PY) examples/demo.py
	@if [ -z "$$OPENAI_API_KEY" ]; then echo "demo: those results are the stand-in's placeholders (each marked \"local stand-in\"); set OPENAI_API_KEY to see what the model makes (it costs money)"; fi

test: $(STAMP)
	$(PY) -m ruff check core standin krita_plugin gimp_plugin tests packaging
	$(PY) -m mypy
	$(PY) -m pytest -q -m "not bundles"

# The bundle tests left out of `make test` (tests/test_packaging.py, marker `bundles`):
# they build every bundle once into a temporary folder, or use dist/ when `make dist`
# has filled it (downloads cached in PACKAGING_CACHE, default ~/.cache/openai-images-packaging).
test-packaging: $(STAMP)
	$(PY) -m pytest -q -m bundles

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check core

typecheck: $(STAMP)
	$(PY) -m mypy

clean:
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache

# Real GIMP and Krita in cached Debian root folders (needs root; see tests/hosts/README.md).
# HOSTS="gimp-3.0 gimp-3.2 krita-5.2 krita-5.3 krita-6.0" picks a subset;
# BUNDLES=dist installs the built bundles instead of the working tree.
HOSTS ?=
BUNDLES ?=
# After the hosts, the key-leak scan of what they left (logs, profiles, documents).
test-hosts: $(STAMP)
	$(PY) tests/hosts/run.py --hosts "$(HOSTS)" $(if $(BUNDLES),--bundles "$(BUNDLES)")
	$(PY) -m pytest -q -p no:cacheprovider tests/reliability/test_secrets_leak.py -k host_runs

screenshots: $(STAMP)
	$(PY) tests/hosts/screenshots.py

# The reliability suite's long runs (tests/reliability; `make test` runs them short).
fuzz: $(STAMP)
	FUZZ_EXAMPLES=4000 HOSTILE_ROUNDS=40 $(PY) -m pytest -q tests/reliability/test_fuzz_parsers.py tests/reliability/test_hostile_memory.py

soak: $(STAMP)
	SOAK_JOBS=200 $(PY) -m pytest -q -s tests/reliability/test_soak.py

# Installable bundles (packaging/README.md): one per host and platform into dist/.
# Downloads are cached in PACKAGING_CACHE (default ~/.cache/openai-images-packaging).
dist: $(STAMP)
	$(PY) packaging/bundle.py --dist dist --clean

# Only the bundles the real-host tests install, as a user would: the Linux ones, and
# the Windows GIMP bundle, whose contents run in the real Linux GIMP (the lean engine).
dist-linux: $(STAMP)
	$(PY) packaging/bundle.py --dist dist --only linux-x86_64 gimp-windows-x64 --clean

# The Linux bundles into this user's Krita (pykrita + kritarc) and every GIMP 3.x profile.
install: $(STAMP)
	$(PY) packaging/install.py install --dist dist

uninstall:
	$(PYTHON) packaging/install.py uninstall

# The plug-in's own cost beside a naive pipeline (docs/performance.md): prints the
# table, writes bench/results.json; the host rows use the cached root folders of
# `make test-hosts` (BENCH_HOSTS picks them) and say "not measured" without them.
BENCH_HOSTS ?= krita-5.2 gimp-3.0 gimp-3.0-windows
bench: $(STAMP)
	$(PY) -m bench --hosts "$(BENCH_HOSTS)"
