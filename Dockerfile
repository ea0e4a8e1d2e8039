# civicmod image: one image for every subcommand (default: the Faust worker).
#   docker build -t civicmod .
#   docker run --rm -e KAFKA_BOOTSTRAP_SERVERS=broker:9092 civicmod topics
#   docker run --rm -e KAFKA_BOOTSTRAP_SERVERS=broker:9092 -p 6066:6066 civicmod worker
# Settings come from CIVICMOD__SECTION__KEY env vars (see civicmod/contract/settings.py), or a YAML file
# mounted at /app/civicmod.yaml (or anywhere, with CIVICMOD_CONFIG=/path/to/file).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Every dependency at the version and hashes of requirements.lock (the versions CI tested),
# in a layer of its own so that code changes don't redo it. torch is PyPI's build, which also
# runs on NVIDIA GPUs; see docs/reliability.md ("Reproducible installs") for a CPU-only image.
WORKDIR /src
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY pyproject.toml README.md ./
COPY civicmod/ ./civicmod/
COPY streams/ ./streams/
COPY rules/ ./rules/
COPY classifiers/ ./classifiers/
# The rule engine's hot modules compiled with mypyc (rules/native.py; the compiler only for this
# step), then the package with them (`docker run --entrypoint python civicmod -m
# rules.native_build status` says whether it loads).
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && CIVICMOD_REQUIRE_NATIVE=1 python -m rules.native_build build --quiet \
    && apt-get purge -y --auto-remove gcc libc6-dev && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir --no-deps --no-build-isolation .

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin civicmod \
    && mkdir -p /app /models \
    && chown civicmod:civicmod /app
WORKDIR /app
USER civicmod

# The worker's web server (GET /health) must listen on all interfaces inside a container.
ENV CIVICMOD__WORKER__WEB_HOST=0.0.0.0
# worker, gateway, console, actuator, metrics service
EXPOSE 6066 8080 8090 8095 8096

ENTRYPOINT ["civicmod"]
CMD ["worker"]
