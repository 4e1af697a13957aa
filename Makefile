# Legenda: one file for every command. `make run` to use it, `make test` to check it.
# Every target sets up what is missing first, so a fresh clone needs nothing but these.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
SITE    := dist/site
HOST    ?= 127.0.0.1
SITE_PORT ?= 8000
TTS_PORT  ?= 5000

.PHONY: setup site run test lint bench bench-models bench-real models test-models test-containers \
	clean

setup: $(VENV)/.installed node_modules/.installed

# torch goes first and pinned: an unpinned torch pulls several GB of CUDA packages.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e ".[dev]"
	touch $@

# --ignore-scripts: onnxruntime-node's install script downloads binaries; the browser never needs it.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# Debian packages: espeak-ng (the offline speech engine) for running; Chromium for the end-to-end
# tests, and redis-server and prometheus for the operations tests (a Redis queue shared by
# several processes; a Prometheus that evaluates the dashboard's queries; promtool and amtool
# for the alerting rules and the Alertmanager example).
RUN_PACKAGES  := espeak-ng
TEST_PACKAGES := espeak-ng chromium redis-server prometheus prometheus-alertmanager

# The build needs only the standard library, pip and the npm assets (GitHub Pages builds it so).
site: node_modules/.installed
	$(PYTHON) scripts/build_site.py --out $(SITE)

run: setup site
	@sh scripts/install-system-deps.sh $(RUN_PACKAGES) \
	  || echo "Without espeak-ng the sidecar's espeak engine cannot speak (bark and vits can)."
	@echo "Legenda: open http://$(HOST):$(SITE_PORT)/  (speech sidecar on http://$(HOST):$(TTS_PORT)/)"
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) -m tts_server --host $(HOST) --port $(TTS_PORT) & \
	$(PY) scripts/serve_site.py --root $(SITE) --host $(HOST) --port $(SITE_PORT) --isolate & \
	wait

# The page's JavaScript: ESLint, TypeScript over its JSDoc types (no build step), and the pure
# modules' unit tests on Node's own test runner (tests/js/).
NODE_BIN := node_modules/.bin

test: setup site lint
	sh scripts/install-system-deps.sh $(TEST_PACKAGES)
	node --test tests/js/
	$(PY) -m pytest

lint: $(VENV)/.installed node_modules/.installed
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(NODE_BIN)/eslint .
	$(NODE_BIN)/tsc -p tsconfig.json
	$(NODE_BIN)/tsc -p tsconfig.worker.json

bench: setup site
	sh scripts/install-system-deps.sh $(TEST_PACKAGES)
	$(PY) bench/bench_tts.py
	$(PY) bench/bench_store.py
	$(PY) bench/bench_openai_speech.py
	$(PY) bench/bench_worker.py
	$(PY) bench/bench_queue.py
	$(PY) bench/bench_generation.py

# Full-size random-weight twins of the default models, for the real-size benchmarks: minutes and
# gigabytes each, cached in ~/.cache/legenda/bench-models; never part of `make test`. TWINS picks
# some (captioner bark vits chat marian nllb); nllb, the NLLB-600M twin, needs about 16 GB of RAM
# (so it is not in the default set) and ~5 minutes.
TWINS ?=
bench-models: $(VENV)/.installed
	nice -n 19 $(PY) -m tests.model_factory.real_size $(TWINS)

bench-real: bench-models site
	sh scripts/install-system-deps.sh $(TEST_PACKAGES)
	nice -n 19 $(PY) bench/bench_speech_real.py
	nice -n 19 $(PY) bench/bench_worker.py --real

# The Dockerfile's images and compose.yaml, built and run here (tests/containers/): Debian's
# docker.io (its dockerd is started when no engine answers; root), debootstrap for a locally made
# base image (nothing is pulled), redis-server and docker-compose. Not part of `make test`: it
# needs root and a Docker engine, which `make test` does not get on CI's runner (its time would
# fit: 3-10 minutes from nothing on 2 busy cores, ~22 s once built; README, "Containers").
CONTAINER_PACKAGES := debootstrap redis-server docker-compose
test-containers: $(VENV)/.installed
	sh scripts/install-system-deps.sh $(CONTAINER_PACKAGES)
	command -v dockerd >/dev/null 2>&1 || sh scripts/install-system-deps.sh docker.io
	LEGENDA_CONTAINER_TESTS=1 nice $(PY) -m pytest tests/containers -v

# Downloads the default models for offline use / self-hosting (needs internet to the model hub).
models: $(VENV)/.installed
	$(PY) scripts/download_models.py

# The tests' tiny random-weight models, linked into models/legenda-test/ so `make run` can serve
# them (gibberish text; the README shows the URL that selects them).
test-models: $(VENV)/.installed
	$(PY) -c "from pathlib import Path; from tests.model_factory import captioner_model, \
	translator_model, marian_model, chat_model, t5_model, link_models; \
	print(link_models(Path('models'), captioner_model(), translator_model(), marian_model(), \
	chat_model(), t5_model()) / 'legenda-test')"

clean:
	rm -rf dist .pytest_cache .ruff_cache .mypy_cache
