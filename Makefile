# The two commands a newcomer needs:
#   make demo   — install everything, serve the bundled demo portals, build data/warehouse.duckdb
#   make test   — install everything, run the test suite
.PHONY: setup demo test bench
setup:
	./scripts/setup.sh
demo: setup
	.venv/bin/ogi demo
test: setup
	.venv/bin/python -m pytest
bench: setup
	for b in parse pdf hostile crawler_pages warehouse lake crawl crawl_national demo pipeline; do .venv/bin/python bench/bench_$$b.py || exit 1; done
