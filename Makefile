# One command to run the bot, one to test it. Both set up .venv on first use.
# `make lint` (ruff, mypy) is separate so a style finding never hides a test result; CI runs both.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test test-fast mutation lint format bench soak clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

setup: $(STAMP)
	$(PY) manage.py migrate --noinput -v 0

run: setup
	$(PY) manage.py runbot

# The suite in two halves (tests/conftest.py says which file is which): the in-process tests
# in parallel (pytest-xdist, TEST_WORKERS processes; a file's tests stay together, in order,
# on one of them), then the serial ones (processes, the
# browser, the engine against the simulator in real time) one at a time, each half listing
# its 25 slowest tests. A half with nothing selected (PYTEST_ARGS naming one folder) is not a
# failure; both empty is.
TEST_WORKERS ?= auto
test: setup
	@$(PY) -m pytest -m "not serial" -n $(TEST_WORKERS) --dist loadfile --durations=25 $(PYTEST_ARGS); a=$$?; \
	$(PY) -m pytest -m serial --durations=25 $(PYTEST_ARGS); b=$$?; \
	[ $$a -eq 0 -o $$a -eq 5 ] && [ $$b -eq 0 -o $$b -eq 5 ] && [ "$$a$$b" != 55 ]

# The in-process half alone: no process, browser or server process.
test-fast: setup
	$(PY) -m pytest -m "not serial" -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Mutation testing of the pure core against its own tests (bench/mutation.py; not in CI: 80
# minutes on two busy cores). MUTATION_ARGS="--only trading.core.breaker" for one module.
mutation: $(STAMP)
	$(PY) -m bench.mutation $(MUTATION_ARGS)

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
