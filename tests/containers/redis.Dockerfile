# Debian's redis-server on the locally made Debian image: compose.yaml's redis service in the
# container tests, where redis:7.4-alpine cannot be pulled.
ARG DEBIAN_IMAGE=legenda-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data
CMD ["redis-server", "--appendonly", "yes", "--dir", "/data"]
