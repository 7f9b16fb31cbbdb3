# Lianxin: every set-up step is a target here, so a fresh machine needs only `make run` or `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PROTOS := $(shell find protos -name '*.proto')

.PHONY: venv protos migrate demo run test lint bench kafka-fetch clean web-vendor

venv: $(VENV)/.installed

# The .pth file puts the repository root and the generated protos on the venv's path,
# so `python -m services.roster` works from anywhere without an install step.
$(VENV)/.installed: requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/python -c 'import sysconfig,pathlib; pathlib.Path(sysconfig.get_paths()["purelib"], "lianxin.pth").write_text("$(CURDIR)\n$(CURDIR)/gen\n")'
	touch $@

protos: gen/.built

gen/.built: $(PROTOS) $(VENV)/.installed
	rm -rf gen && mkdir -p gen
	$(BIN)/python -m grpc_tools.protoc -Iprotos --python_out=gen --pyi_out=gen --grpc_python_out=gen $(PROTOS)
	touch $@

# The portal's browser assets (htmx, Apache ECharts, axe-core for the browser tests) from their
# npm packages, pinned by web/package-lock.json, copied into portal/static/vendor/ (gitignored):
# the portal serves them itself, nothing is loaded from a CDN. Citizens' pages need none of them.
VENDOR := portal/static/vendor
web-vendor: $(VENDOR)/.built

$(VENDOR)/.built: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	cp web/node_modules/htmx.org/dist/htmx.min.js web/node_modules/echarts/dist/echarts.min.js \
	   web/node_modules/axe-core/axe.min.js $(VENDOR)/
	touch $@

# The platform on embedded defaults (SQLite files and the embedded bus under var/), demo data
# loaded, six services on ports 50051-50056 and the web portal on 8080 (LIANXIN_PORTAL_PORT).
# Ctrl-C stops them.
run: venv protos web-vendor
	$(BIN)/python -m shared.launcher

# Applies every service's migrations to the databases its settings name.
migrate: venv protos
	$(BIN)/python -c 'import services; from shared import config, db; [db.migrate(n, config.load(n).database_url) for n in services.NAMES]'

# --- Local infrastructure: real PostgreSQL and Kafka, no containers (deploy/local, deploy/kafka) ---
.PHONY: services-up services-down

# Resolves the Kafka broker's jars from Maven Central once (deploy/kafka/lib, gitignored).
kafka-fetch:
	bash deploy/kafka/kafka.sh fetch

# ruff (style, imports, likely bugs) and mypy (types of shared/ and services/), as configured
# in pyproject.toml; .ci/run runs it before the suite.
lint: venv protos
	$(BIN)/ruff check .
	$(BIN)/mypy

# Runs the suite against a real PostgreSQL cluster and Kafka broker it starts (ports: LIANXIN_PG_PORT,
# LIANXIN_KAFKA_PORT); servers already up are reused only with LIANXIN_TEST_REUSE=1.
test: venv protos kafka-fetch web-vendor
	bash deploy/local/test-env.sh $(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile

# Dev servers for local runs: started and left running (data in /tmp/lianxin-pg-PORT, var/kafka-PORT).
services-up: kafka-fetch
	bash deploy/local/postgres.sh start
	bash deploy/kafka/kafka.sh start

services-down:
	-bash deploy/kafka/kafka.sh stop
	-bash deploy/local/postgres.sh stop

# Roster write throughput vs a bare grpcio+psycopg baseline, printed as a ratio (bench/README.md).
# Uses LIANXIN_BENCH_DATABASE_URL when set, else the local cluster of deploy/local/postgres.sh.
# Extra options: make bench BENCH_ARGS="--callers 16 --seconds 10 --profile"
bench: venv protos
	@if [ -n "$$LIANXIN_BENCH_DATABASE_URL" ]; then url="$$LIANXIN_BENCH_DATABASE_URL"; \
	else bash deploy/local/postgres.sh start && url="$$(bash deploy/local/postgres.sh url)"; fi; \
	LIANXIN_BENCH_DATABASE_URL="$$url" $(BIN)/python -m bench.roster_writes $(BENCH_ARGS)
	@url="$${LIANXIN_BENCH_DATABASE_URL:-$$(bash deploy/local/postgres.sh url)}"; LIANXIN_BENCH_DATABASE_URL="$$url" $(BIN)/python -m bench.liaison_statistics $(STATS_BENCH_ARGS)
	@url="$${LIANXIN_BENCH_DATABASE_URL:-$$(bash deploy/local/postgres.sh url)}"; LIANXIN_BENCH_DATABASE_URL="$$url" $(BIN)/python -m bench.liaison_intake $(INTAKE_BENCH_ARGS)
	@url="$${LIANXIN_BENCH_DATABASE_URL:-$$(bash deploy/local/postgres.sh url)}"; \
	if [ -z "$$LIANXIN_BENCH_KAFKA" ]; then bash deploy/kafka/kafka.sh fetch && bash deploy/kafka/kafka.sh start >/dev/null; fi; \
	kafka="$${LIANXIN_BENCH_KAFKA:-127.0.0.1:$${LIANXIN_KAFKA_PORT:-59092}}"; \
	LIANXIN_BENCH_DATABASE_URL="$$url" LIANXIN_BENCH_KAFKA="$$kafka" $(BIN)/python -m bench.escalation_latency $(ESCALATION_BENCH_ARGS)
	@url="$${LIANXIN_BENCH_DATABASE_URL:-$$(bash deploy/local/postgres.sh url)}"; LIANXIN_BENCH_DATABASE_URL="$$url" $(BIN)/python -m bench.portal_pages $(PORTAL_BENCH_ARGS)
	@url="$${LIANXIN_BENCH_DATABASE_URL:-$$(bash deploy/local/postgres.sh url)}"; LIANXIN_BENCH_DATABASE_URL="$$url" $(BIN)/python -m bench.balloting_ballot $(BALLOT_BENCH_ARGS)
	@url="$${LIANXIN_BENCH_DATABASE_URL:-$$(bash deploy/local/postgres.sh url)}"; LIANXIN_BENCH_DATABASE_URL="$$url" $(BIN)/python -m bench.evaluation_points $(POINTS_BENCH_ARGS)
	@url="$${LIANXIN_BENCH_DATABASE_URL:-$$(bash deploy/local/postgres.sh url)}"; LIANXIN_BENCH_DATABASE_URL="$$url" $(BIN)/python -m bench.supervision_sweep $(SWEEP_BENCH_ARGS)
