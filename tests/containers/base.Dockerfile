# The local stand-in for python:3.11-slim, for machines that cannot pull images (tests/containers).
# FROM a Debian root file system made by debootstrap and `docker import`ed (images.py does both):
# Debian's Python 3.11 in a venv first on PATH, as `python` and `pip` are in the official image.
# The build context may hold this machine's own settings, for local builds only (never in the
# project's images): host-ca.crt (a CA bundle pip and npm must trust here) and wheels/ (pip's
# find-links, e.g. torch's CPU wheel); pip.conf names them.
ARG DEBIAN_IMAGE=legenda-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /usr/local/python
ENV PATH=/usr/local/python/bin:$PATH LANG=C.UTF-8
COPY . /etc/legenda-local/
RUN cp /etc/legenda-local/pip.conf /etc/pip.conf
# npm trusts the same CA bundle (an empty file when this machine needs none).
ENV NODE_EXTRA_CA_CERTS=/etc/legenda-local/host-ca.crt
