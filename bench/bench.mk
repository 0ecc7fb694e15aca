# Benchmark targets, included by the top Makefile.
#   make bench        full matrix, 3 interleaved rounds, then bench-offload, bench-tls and bench-proxy (~41 minutes)
#   make bench-quick  fewer servers and workloads, 1 round (at most ~2 minutes)
# Extra harness options: make bench BENCH_ARGS='--unpinned --rounds 5'
# Results go to bench/results/<timestamp>/ (results.csv, report.md, *.png).
.PHONY: bench bench-quick bench-build bench-publish bench-offload bench-wsgi bench-wsgi-preload bench-tls bench-vhosts bench-proxy

BENCH_ARGS ?=

# The baseline must build; mpmd may not (yet): the harness then reports it as
# failed to start and benchmarks the rest.
bench-build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) --target mpmd-baseline
	-cmake --build $(BUILD) --target mpmd

bench: bench-build
	python3 bench/run.py --build $(BUILD) $(BENCH_ARGS)
	$(MAKE) bench-offload
	$(MAKE) bench-tls
	$(MAKE) bench-proxy

# TLS: full and resumed handshakes/s (ECDSA P-256, RSA-2048), 4 KB keep-alive at
# 64 and 1,000 connections, a 1 MB file at 16, memory per idle TLS connection;
# mpmd's engines (worker also without the OpenSSL 3 mitigation) against nginx,
# Apache mod_ssl, lighttpd and h2o with Mozilla's intermediate settings
# (bench/tls.py, bench/peers/tls/; about 20 minutes with 3 rounds).
bench-tls: bench-build
	python3 bench/tls.py --build $(BUILD)

# Static clients' p99 while another client calls a handler that burns 50 ms of
# CPU: inline, on the thread pool, on the process pool, through Gearman
# (bench/offload.py; about 1.5 minutes).
bench-offload: bench-build
	cmake --build $(BUILD) --target offload_app mpmd-worker
	python3 bench/offload.py --build $(BUILD) --out bench/results/offload-$$(date +%Y%m%d-%H%M%S)

bench-quick: bench-build
	python3 bench/run.py --quick --build $(BUILD) $(BENCH_ARGS)

# Copies the latest matrix results (report.md, plots, results.csv, meta.json;
# not the offload-* tables) to docs/benchmarks/, the report committed with the
# sources.
bench-publish:
	@latest=$$(ls -d bench/results/[0-9]*/ 2>/dev/null | sort | tail -1); \
	if [ -z "$$latest" ]; then echo "no results in bench/results/: run make bench first" >&2; exit 1; fi; \
	mkdir -p docs/benchmarks; \
	cp $$latest/report.md docs/benchmarks/report.md; \
	cp $$latest/results.csv $$latest/meta.json $$latest/*.png docs/benchmarks/; \
	echo "published $$latest to docs/benchmarks/"

# Debian's stock /etc/apache2 plus ten name-based vhosts, served by Apache's
# event MPM and by mpmd from the same tree, and mpmd with a plain config: 4 KB
# at 64 connections (bench/vhosts.py; needs root and apache2; about 2 minutes).
bench-vhosts: bench-build
	python3 bench/vhosts.py --build $(BUILD) --out bench/results/vhosts-$$(date +%Y%m%d-%H%M%S)

# Python WSGI servers (bench/wsgi.py): mpmd's engines embedded and in daemon mode
# against gunicorn, uWSGI, Apache mod_wsgi and waitress, Piel-style (about 25
# minutes with the default 2 rounds of 5 s per cell); and the private memory per
# child with and without WSGIImportScript preload (about 2 minutes).
bench-wsgi: bench-build
	cmake --build $(BUILD) --target mpmd_python_host
	python3 bench/wsgi.py --build $(BUILD) $(BENCH_ARGS)

bench-wsgi-preload: bench-build
	cmake --build $(BUILD) --target mpmd_python_host
	python3 bench/wsgi.py --preload --build $(BUILD) --out bench/results/wsgi-preload-$$(date +%Y%m%d-%H%M%S)

# Reverse proxies, wrk -> front -> backend (nginx with 4 KB and 1 MB files, a
# gunicorn hello world on a Unix socket; backend on CPU 0, front on CPU 1):
# mpmd event and worker against nginx (upstream keepalive), Apache event
# mod_proxy_http, h2o and lighttpd; 4 KB at 64 and 1,000 connections, gunicorn,
# 1 MB to 64 slow clients (peak RSS). Writes docs/benchmarks/proxy.md
# (bench/proxy.py; about 6 minutes, BENCH_PROXY_ARGS=--quick about 1).
BENCH_PROXY_ARGS ?=
bench-proxy: bench-build
	python3 bench/proxy.py --build $(BUILD) $(BENCH_PROXY_ARGS)
