# syntax=docker/dockerfile:1
# Spotlight Core's HTTP service (`spotlight serve`), built in two stages: the first installs
# the project (not editable) and only what serving needs into a virtual environment, the
# second copies that environment onto a clean base and runs it as a user without privileges.
#
#   docker build -t spotlight-core .
#   docker run -p 8000:8000 -v spotlight-data:/var/lib/spotlight spotlight-core
#
# PYTHON_IMAGE names the base (any Python 3.11+ image with python3 -m venv, useradd and
# groupadd); tests/container builds from a local Debian base when no registry can be reached.
ARG PYTHON_IMAGE=python:3.11-slim

# What serving needs, read from pyproject.toml: the install below is cached by this list
# alone, so neither the code nor the rest of pyproject.toml (tools, dev extras) redoes it.
FROM ${PYTHON_IMAGE} AS requirements
WORKDIR /src
COPY pyproject.toml ./
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python3 -m venv /opt/spotlight
COPY --from=requirements /src/requirements.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    /opt/spotlight/bin/pip install -r requirements.txt
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY application ./application
COPY adapters ./adapters
COPY entrypoints ./entrypoints
RUN --mount=type=cache,target=/root/.cache/pip \
    /opt/spotlight/bin/pip install --no-deps . \
    && /opt/spotlight/bin/pip uninstall --yes pip

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/spotlight/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SPOTLIGHT_DATA_DIR=/var/lib/spotlight
RUN groupadd --system --gid 10001 spotlight \
    && useradd --system --uid 10001 --gid spotlight --home-dir /var/lib/spotlight \
        --no-create-home --shell /usr/sbin/nologin spotlight \
    && mkdir -p /var/lib/spotlight \
    && chown spotlight:spotlight /var/lib/spotlight
COPY --from=build /opt/spotlight /opt/spotlight
# The embedded SQLite store (the default), the generated token secret, the uploads and the
# match indexes live here.
VOLUME ["/var/lib/spotlight"]
WORKDIR /var/lib/spotlight
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["spotlight", "serve", "--host", "0.0.0.0", "--port", "8000"]
