# Two commands: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-fast test-clock install translations i18n-update browser-deps clock-deps \
	lint clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	@$(BIN)/pybabel compile -d rongtong/translations 2>&1 | grep -v "^compiling" || true

# For developers: collect new interface strings into the English catalog.
i18n-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o rongtong/translations/messages.pot --no-location --sort-output rongtong
	$(BIN)/pybabel update -i rongtong/translations/messages.pot -d rongtong/translations --no-fuzzy-matching

run: export RONGTONG_DEVELOPMENT ?= 1
run: install
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed
	@echo ""
	@echo "  融通 Rongtong is running at http://127.0.0.1:$(PORT)"
	@echo "  Demo logins (password rongtong-demo-2026):"
	@echo "    admin@rongtong.example      admin"
	@echo "    organizer@rongtong.example  organizer"
	@echo "    large@rongtong.example      member of a large firm (challenges)"
	@echo "    sme@rongtong.example        member of a 小巨人 SME (capabilities)"
	@echo "    lab@rongtong.example        member of a research institute"
	@echo "  Mail is written to instance/outbox/ (admins: /admin/outbox/). Stop with Ctrl-C."
	@echo "  The scheduler (digests, reminders, the outbox) runs beside the server."
	@echo ""
	FLASK="$(FLASK)" PORT=$(PORT) scripts/run_dev.sh

# The browser journeys drive Debian's Chromium (no browser download) and inject axe-core.
browser-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }
	@[ -f node_modules/axe-core/axe.min.js ] || npm install --no-audit --no-fund --silent

# Dates are decided in Asia/Shanghai and stored in UTC, so a test that mixes the machine's
# day with Shanghai's fails only in some hours (16:00-24:00 UTC). The suite runs again under
# libfaketime at 16:30 UTC on 31 December: already 1 January of the next year in Shanghai,
# so the day, the month and the year all differ between UTC and Shanghai. The faked clock
# starts there and runs on; monotonic clocks stay real, for timeouts and durations.
CLOCK_TIMES ?= $(shell date -u +%Y)-12-31T16:30:00
CLOCK_PYTEST ?= -m "not browser and not slow"

clock-deps:
	@command -v faketime >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq faketime >/dev/null; }

# An offset from the real clock (not "@time", which restarts the clock in every new process):
# processes started by the tests (schedulers, senders) share the one faked timeline.
# tests/clock/sitecustomize.py works around libfaketime's time.sleep in every process.
test-clock: install clock-deps
	@set -e; for at in $(CLOCK_TIMES); do \
		offset=$$(( $$(date -u -d "$${at/T/ }" +%s) - $$(date -u +%s) )); \
		echo "== The suite with the clock at $${at/T/ } UTC (offset $$offset s)"; \
		PYTHONPATH=$(CURDIR)/tests/clock TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "+$$offset" \
			$(BIN)/python -m pytest -q $(CLOCK_PYTEST); \
	done

# For developers: everything but the slow tests (browser journeys, Schemathesis, the
# two-instances deployment, the seeds); see the README for how long it takes.
test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

# CI also runs the suite on PostgreSQL: every test that uses the database, not the browser
# journeys (their live servers are SQLite processes, the same in both runs) nor the matcher
# (no database); tests of real processes run on PostgreSQL only there (tests/mail/support.py).
test: install browser-deps
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q --durations=10
ifeq ($(CI),true)
	@echo "== The database-touching suite again, on PostgreSQL ($(PG_TEST_URL))"
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q --durations=10 \
		-m "not browser" --ignore=tests/matching
endif
	$(MAKE) --no-print-directory test-clock

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache
