.PHONY: demo test bench
# Main job: set up on a fresh machine, then run the default scenario with the API and dashboard on localhost.
demo:
	scripts/setup.sh
	.venv/bin/leonet demo $(ARGS)

# Tests: set up on a fresh machine (venv, PostgreSQL, chromium), lint with ruff, run pytest.
test:
	scripts/test.sh $(ARGS)

bench:
	scripts/setup.sh --dev
	.venv/bin/python benchmarks/run_all.py
