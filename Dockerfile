# Legenda in containers. Two targets, following the README's install steps:
#   docker build --target sidecar -t legenda-tts .   (the Flask speech sidecar, port 5000)
#   docker build --target site -t legenda-site .     (the static site, port 8000)
# compose.yaml runs both. Untested here: the machines this project is built on have no Docker
# engine (see README).

FROM python:3.11-slim AS base
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1
WORKDIR /app

# ---- the speech sidecar -------------------------------------------------------------------
FROM base AS sidecar
# espeak-ng: the offline engine, and what Bark's users fall back to when the model is missing.
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng \
    && rm -rf /var/lib/apt/lists/*
# torch first and pinned (the README's rule): an unpinned torch lets pip pick a CUDA build.
RUN pip install torch==2.13.0
COPY pyproject.toml README.md ./
COPY tts_server ./tts_server
RUN pip install .
# Audio cache and downloaded models live in a volume, so they survive the container.
ENV LEGENDA_AUDIO_DIR=/data/audio HF_HOME=/data/huggingface
VOLUME /data
EXPOSE 5000
CMD ["python", "-m", "tts_server", "--host", "0.0.0.0", "--port", "5000"]

# ---- the static site ----------------------------------------------------------------------
FROM base AS site-build
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm make \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json Makefile ./
RUN npm ci --ignore-scripts --no-audit --no-fund && touch node_modules/.installed
COPY web ./web
COPY scripts ./scripts
RUN python scripts/build_site.py --out /site

FROM base AS site
COPY scripts/serve_site.py ./serve_site.py
COPY --from=site-build /site /site
EXPOSE 8000
CMD ["python", "serve_site.py", "--root", "/site", "--host", "0.0.0.0", "--port", "8000"]
