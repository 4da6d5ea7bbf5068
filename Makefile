# One command to run the bot, one to test it. Both set up .venv on first use.
# `make lint` (ruff, mypy) is separate so a style finding never hides a test result; CI runs both.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test lint format bench soak clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

setup: $(STAMP)
	$(PY) manage.py migrate --noinput -v 0

run: setup
	$(PY) manage.py runbot

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

# Configured in pyproject.toml; the same checks run from .pre-commit-config.yaml.
# `make format` rewrites the tree in the checked style.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .

bench: setup
	$(PY) -m bench.run_all

# Chaos soak (bench/soak.py): SOAK_ARGS=--quick is the 2-minute CI variant.
soak: setup
	$(PY) -m bench.soak $(SOAK_ARGS)

clean:
	rm -rf $(VENV) var
