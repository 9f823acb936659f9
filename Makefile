# The two commands: `make run` (embedded default, demo data) and `make test` (real services, whole suite);
# `make test-fast` is the service-free tier to run before each commit (docs/testing.md).
SHELL := /bin/bash
# The virtualenv's interpreter: Debian's Python 3.11 where it is installed with venv, else python3 on the PATH.
# Debian's is the one the container image runs (docs/containers.md), and it is built with profile-guided
# optimisation: the fast tier ran ~10% faster on it than on a source build of 3.11 without (docs/testing.md).
DEBIAN_PYTHON := /usr/bin/python3.11
PYTHON ?= $(or $(shell $(DEBIAN_PYTHON) -c 'import ensurepip, venv' 2>/dev/null && echo $(DEBIAN_PYTHON)),python3)
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# Real services for `make test`: started by ops/services.sh unless these name existing ones.
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pagero
export CELERY_BROKER_URL ?= amqp://guest:guest@127.0.0.1:5672//
export CASSANDRA_HOSTS ?= 127.0.0.1
# Test workers: pytest-xdist's for `make test` (each gets its own database, queue, keyspace and Celery worker),
# forked ones for `make test-fast`.
TEST_WORKERS ?= 2
# Examples per fuzz test for `make fuzz` (`make test` runs a fixed set of 60).
FUZZ_EXAMPLES ?= 2000

.PHONY: help venv run seed services services-stop test test-fast test-cluster lint bench proto clean phive test-tools fuzz mutate

help:
	@echo "make run            serve on $(HOST):$(PORT) with the embedded default (SQLite, eager Celery) and demo data"
	@echo "make test           start PostgreSQL, RabbitMQ, Cassandra, then lint and the whole test suite"
	@echo "make test-fast      the tests that need no service, on the embedded default (seconds; no lint)"
	@echo "make test-cluster   the payload store on a real 3-node Cassandra cluster (node failures; CI runs it)"
	@echo "make services       start the real services (needs root + apt the first time)"
	@echo "make services-stop  stop them"
	@echo "make lint           ruff + import contracts + mypy (strict on the formats domain and the kernel)"
	@echo "make bench          run the benchmarks in bench/ against the real services"
	@echo "make mutate         mutation score of the decision-heavy modules (docs/mutation.md)"
	@echo "make image          the product image (podman; docs/containers.md); compose-up / compose-down / compose-smoke"
	@echo "make fuzz           fuzz the formats port with mutated corpus documents ($(FUZZ_EXAMPLES) examples per test)"

# requirements-nodeps.txt: packages whose declared dependencies cannot be met beside ours (see its header).
$(VENV)/.installed: requirements.txt requirements-nodeps.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -r requirements-nodeps.txt
	touch $@

venv: $(VENV)/.installed

# The embedded default ignores any service variables from the environment on purpose.
# The first install takes minutes: pip reports each package as it goes instead of staying silent.
run:
	@$(MAKE) --no-print-directory -q $(VENV)/.installed || { \
	  echo "Installing the Python packages of requirements.txt into $(VENV) (the first time takes a few minutes)"; \
	  { test -x $(PY) || $(PYTHON) -m venv $(VENV); } && $(PY) -m pip install --upgrade pip && \
	  $(PY) -m pip install --progress-bar on -r requirements.txt && \
	  $(PY) -m pip install --progress-bar on --no-deps -r requirements-nodeps.txt && touch $(VENV)/.installed; }
	@echo "Preparing the database and the demo data"
	env -u DATABASE_URL -u CELERY_BROKER_URL -u CASSANDRA_HOSTS $(PY) manage.py migrate --noinput -v0
	env -u DATABASE_URL -u CELERY_BROKER_URL -u CASSANDRA_HOSTS $(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput -v0
	@echo "Sample documents to send (README, Quick start): $(sort $(wildcard samples/*))"
	@echo "Portal: http://$(HOST):$(PORT)/   Operator console: http://$(HOST):$(PORT)/admin/   API docs: http://$(HOST):$(PORT)/api/docs/"
	env -u DATABASE_URL -u CELERY_BROKER_URL -u CASSANDRA_HOSTS $(PY) manage.py runserver $(HOST):$(PORT)

seed: venv
	env -u DATABASE_URL -u CELERY_BROKER_URL -u CASSANDRA_HOSTS $(PY) manage.py seed_demo

services:
	ops/services.sh start

services-stop:
	ops/services.sh stop

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy pagero strangler shadow payload_migration

# The phive reference validator (Java, Maven Central) the peer tests compare our verdicts with.
phive:
	ops/peers/build-phive.sh >/dev/null

# Debian tools the tests run: OpenSSH's server and client (SFTP tests), poppler-utils (the PDF as a viewer reads it).
test-tools:
	ops/test-tools.sh

test: venv lint services phive test-tools
	@set +e; env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

# The payload store on a real 3-node Cassandra cluster (ops/cassandra-cluster.sh): node failures during dual writes
# and the backfill. Serial: the tests stop and start nodes. Needs the single-node services too (PostgreSQL).
test-cluster: venv services
	ops/cassandra-cluster.sh start
	@set +e; CASSANDRA_CLUSTER_HOSTS=$$(ops/cassandra-cluster.sh hosts) $(VENV)/bin/pytest -m cluster \
		tests/payload_migration/test_cluster.py $(PYTEST_ARGS); rc=$$?; ops/cassandra-cluster.sh stop; exit $$rc

# The service-free tier: SQLite, eager tasks and the database payload store whatever the environment names, and
# none of the tests marked services, corpus, browser or slow (the markers are in pyproject.toml, docs/testing.md).
FAST_TESTS ?= not services and not corpus and not browser and not slow
EMBEDDED := env -u DATABASE_URL -u CELERY_BROKER_URL -u CELERY_RESULT_BACKEND -u CASSANDRA_HOSTS -u PAYLOAD_STORE

# Property tests take the examples of the `fast` hypothesis profile (tests/conftest.py); bytecode caches are written
# even where the shell sets PYTHONDONTWRITEBYTECODE: without them each worker compiles and rewrites every module again.
# The workers are forked (pytest-parallex) from the process that collected the suite: Django, the product and the
# test modules are imported once, not once per worker, and each worker's reports reach the terminal when it ends.
# Session fixtures still start in each worker (--parallex-no-session-scope): some start threads (the SMTP server),
# which a fork does not carry.
# One Saxon thread per test worker: the workers are the parallelism, and each Saxon thread compiles the rules anew.
# The business rules' reports are replayed from var/test-cache/rules/ when the same stylesheet files ran on the same
# text before (tests/formats/recorded_rules.py): Saxon compiles and runs only what changed since the last run.
TEST_RULES_STORE ?= $(CURDIR)/var/test-cache/rules
test-fast: venv
	@set +e; $(EMBEDDED) -u PYTHONDONTWRITEBYTECODE SAXON_THREADS=1 TEST_RULES_STORE=$(TEST_RULES_STORE) \
		$(VENV)/bin/pytest --parallel=fork --parallel-workers=$(TEST_WORKERS) --parallex-no-session-scope \
		-m "$(FAST_TESTS)" --hypothesis-profile=fast --no-migrations $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

# Regenerate the protobuf code of the context messages (a test checks it matches the .proto).
proto: venv
	cd strangler && ../$(PY) -m grpc_tools.protoc -I. --python_out=. --pyi_out=. contexts.proto

# Mutation score of the modules whose decisions matter most, against the service-free tests (docs/mutation.md).
# MUTATE_ARGS: e.g. --keep 'pagero.routing.rules.*' to run some mutants again.
mutate: venv
	$(PY) devtools/mutate.py run $(MUTATE_ARGS)

# Long fuzzing of the formats port; `make test` runs the same file with a small fixed set of examples.
fuzz: venv
	env -u DATABASE_URL -u CELERY_BROKER_URL -u CASSANDRA_HOSTS FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
		$(VENV)/bin/pytest -p no:cacheprovider tests/formats/test_fuzz.py

bench: venv services phive
	$(PY) bench/run_all.py

clean:
	rm -rf var test-artifacts .pytest_cache

include ops/container/container.mk
