# Legenda in containers. Three targets, following the README's install steps:
#   docker build --target sidecar -t legenda-sidecar .  (the Flask speech sidecar, 0.0.0.0:5000)
#   docker build --target worker  -t legenda-worker .   (a speech worker on a Redis queue)
#   docker build --target site    -t legenda-site .     (the static site, 0.0.0.0:8000)
# compose.yaml runs them all. Build with BuildKit (Docker 23+ does by default), which builds
# only the stages a target needs. `make test-containers` builds and runs every target (README,
# "Containers": what was checked).
#
# BASE_IMAGE: any Debian-based image with Python 3.11 as `python` and `pip` on PATH (the default
# is the official image; the tests use one made locally with debootstrap, as they cannot pull).
# TORCH_INDEX_URL: where pip finds torch's CPU build (empty: pip's own configuration finds it);
# without it pip installs torch with several GB of CUDA libraries.
ARG BASE_IMAGE=python:3.11-slim
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

FROM ${BASE_IMAGE} AS base
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app

# ---- the speech sidecar -------------------------------------------------------------------
FROM base AS sidecar
ARG TORCH_INDEX_URL
# espeak-ng: the offline engine, and what Bark's users fall back to when the model is missing.
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng \
    && rm -rf /var/lib/apt/lists/*
# torch first and pinned (the README's rule), from its CPU index.
RUN pip install torch==2.13.0 ${TORCH_INDEX_URL:+--extra-index-url "$TORCH_INDEX_URL"}
COPY pyproject.toml README.md ./
COPY tts_server ./tts_server
RUN pip install . && rm -rf build *.egg-info
# Not root. Audio and downloaded models live in /data (a volume), so they survive the
# container; the folder belongs to the user, so a new named volume does too.
RUN useradd --system --uid 10001 --home-dir /data --no-create-home legenda \
    && mkdir -p /data/audio /data/huggingface && chown -R legenda:legenda /data
USER legenda
ENV LEGENDA_AUDIO_DIR=/data/audio HF_HOME=/data/huggingface
VOLUME /data
EXPOSE 5000
# 0.0.0.0 so the published port reaches it. Publish on loopback (`-p 127.0.0.1:5000:5000`):
# requests then name 127.0.0.1 and pass the Host check. Published wider, set LEGENDA_API_KEYS
# and LEGENDA_ALLOWED_HOSTS (README: "A sidecar other machines can reach").
CMD ["python", "-m", "tts_server", "--host", "0.0.0.0", "--port", "5000"]

# ---- a speech worker (LEGENDA_QUEUE_URL=redis://...; the same LEGENDA_* settings) -------------
FROM sidecar AS worker
EXPOSE 9100
CMD ["python", "-m", "tts_server.worker", "--metrics-host", "0.0.0.0", "--metrics-port", "9100"]

# ---- the static site ----------------------------------------------------------------------
FROM base AS site-build
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# The site needs only the runtime packages (not the linters); --ignore-scripts: see the Makefile.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY web ./web
COPY scripts ./scripts
RUN python scripts/build_site.py --out /site

FROM base AS site
COPY scripts/serve_site.py ./serve_site.py
COPY --from=site-build /site /site
RUN useradd --system --uid 10001 --no-create-home legenda
USER legenda
EXPOSE 8000
# --isolate: the COOP/COEP headers, as `make run` sends (several ONNX Runtime threads).
CMD ["python", "serve_site.py", "--root", "/site", "--host", "0.0.0.0", "--port", "8000", \
     "--isolate"]
