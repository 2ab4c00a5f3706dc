# Steward's image: `docker compose up` (compose.yaml) or `docker run … steward run`.
# docs/OPERATIONS.md says how to build, run, upgrade and back it up.
#
# Two stages. The build stage has a C compiler and compiles the classifier with mypyc (setup.py)
# into a virtualenv; the runtime stage gets that virtualenv and nothing of the compiler. The
# report charts' CJK font (Noto Sans CJK) is the noto-cjk-sans-otc Python dependency, so no
# system font package is installed; the build checks that a chart renders with it.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# gcc and the C library headers for mypyc's extensions; the Python headers come with the image.
# Not pinned: they only build, and the base image's release decides their versions.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/steward
ENV PATH=/opt/steward/bin:$PATH \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# What `pip install .` needs: the metadata, the build hook, the readme pyproject names and the
# four packages (tests/ops/test_deploy_files.py checks this list against pyproject.toml).
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY nlp ./nlp
COPY storage ./storage
# A plain (not editable) install: the compiled classifier lands in site-packages. The build
# refuses to go on without it: `ext.optional` would otherwise fall back to pure Python quietly.
RUN pip install .
# (from / : in /src the source tree would be imported instead of the installed package)
WORKDIR /
RUN python -c "import nlp.classifier as m, sys; sys.exit(0 if m.__file__.endswith('.so') else 'the classifier was not compiled: ' + m.__file__)"

FROM ${PYTHON_IMAGE} AS runtime
# A system user (uid 10001) without a shell to log into; /var/lib/steward holds the report
# files that wait for the sender (a volume in compose.yaml).
RUN groupadd --system --gid 10001 steward \
 && useradd --system --uid 10001 --gid steward --home-dir /var/lib/steward \
      --no-create-home --shell /usr/sbin/nologin steward \
 && install -d -o steward -g steward -m 0750 /var/lib/steward /var/lib/steward/reports \
 && install -d -m 0755 /etc/steward
COPY --from=build /opt/steward /opt/steward
ENV PATH=/opt/steward/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    STEWARD_HTTP_HOST=0.0.0.0 \
    STEWARD_HTTP_PORT=8080 \
    STEWARD_REPORT_DIR=/var/lib/steward/reports
# Numeric, so a runtime that checks runAsNonRoot can tell without the image's passwd.
USER 10001:10001
WORKDIR /var/lib/steward
# The report charts render in this image with the packaged font (no system font is installed):
# a chart of Simplified and Traditional labels, checked for missing glyphs and for a PNG.
RUN python -m bot.app.selfcheck
EXPOSE 8080
# /healthz answers 200 when healthy and 503 with the reasons when degraded (docs/RELIABILITY.md).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % (os.environ.get('STEWARD_HTTP_PORT') or '8080'), timeout=4)"]
# SIGTERM (docker stop) is a clean stop: give it `stop_grace_period` (compose.yaml) or
# `docker stop -t 240`: each stop step is bounded, see docs/OPERATIONS.md.
STOPSIGNAL SIGTERM
ENTRYPOINT ["steward"]
CMD ["run"]
