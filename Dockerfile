# One image for the web process, the Celery workers and beat, and the extracted context services (serve_context):
# the same code, a different command.
#
# BASE_IMAGE: the official Python image (production, `docker build .`), or any Debian 12 image, which then gets
# Debian's Python 3.11 (`make image` builds on a local Debian base: docs/containers.md).
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH
# The official image has Python under /usr/local; a plain Debian base gets python3 (3.11 on bookworm) from apt.
RUN set -eux; \
    packages="libpq5"; \
    command -v python3 >/dev/null || packages="$packages python3 python3-venv"; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*; \
    python3 -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version'; \
    python3 -m venv /opt/venv; \
    useradd --create-home --uid 10001 app
WORKDIR /app
# requirements.txt at its pinned versions, less the test and lint tools ops/container/requirements-exclude.txt names
# (a layer of its own: code changes keep it cached).
# PIP_CERT: a CA bundle mounted into the build (`podman build -v`) where PyPI is reached through a TLS-inspecting proxy.
ARG PIP_CERT=
COPY requirements.txt requirements-nodeps.txt ops/container/requirements-exclude.txt /tmp/
RUN if [ -n "$PIP_CERT" ]; then export PIP_CERT; else unset PIP_CERT; fi; \
    awk -F '==' 'NR == FNR { if ($0 !~ /^#/ && NF) skip[tolower($0)] = 1; next } \
                 !/^#/ && NF && !(tolower($1) in skip)' /tmp/requirements-exclude.txt /tmp/requirements.txt \
        > /tmp/requirements-image.txt \
    && pip install -r /tmp/requirements-image.txt \
    && pip install --no-deps -r /tmp/requirements-nodeps.txt && rm /tmp/requirements*.txt
COPY . .
RUN SECRET_KEY=build python manage.py collectstatic --noinput -v0 && mkdir -p /app/var && chown -R app:app /app/var
# The image runs hardened (HTTPS only, HSTS, secure cookies) and refuses to start without a real SECRET_KEY.
ENV PAGERO_ENV=production PORT=8000
# The version extracted contexts announce to service discovery (the image has no .git to read it from).
ARG PAGERO_VERSION=unknown
ENV PAGERO_VERSION=${PAGERO_VERSION}
USER app
EXPOSE 8000
# Liveness of the web process (the compose file checks readiness, /readyz, with its dependencies). Workers, beat and
# context services override or disable it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
# Web by default; the compose file sets the command of the workers, beat and context services.
CMD ["sh", "-c", "exec gunicorn pagero.wsgi -c python:pagero.web_server --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
