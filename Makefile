# Simpul: `make run` sets everything up and serves on 127.0.0.1:5000; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app webapp
VENDOR := webapp/static/vendor
DEV := SIMPUL_ENV=development

.PHONY: setup run serve test lint bench translations-update clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.copied: node_modules/.installed $(wildcard webapp/bundles/*.entry.js)
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/htmx $(VENDOR)/pico $(VENDOR)/bpmn-js $(VENDOR)/dmn-js \
		$(VENDOR)/properties-panel
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/@picocss/pico/css/pico.min.css $(VENDOR)/pico/
	cp node_modules/bpmn-js/dist/*.production.min.js $(VENDOR)/bpmn-js/
	cp -r node_modules/bpmn-js/dist/assets $(VENDOR)/bpmn-js/
	@# dmn-js's prebuilt bundle carries Inferno's development build: bundle it for production
	node_modules/.bin/esbuild webapp/bundles/decision_editor.entry.js --bundle --minify --format=iife \
		--define:process.env.NODE_ENV='"production"' --log-level=error \
		--outfile=$(VENDOR)/dmn-js/dmn-modeler.production.min.js
	cp -r node_modules/dmn-js/dist/assets $(VENDOR)/dmn-js/
	node_modules/.bin/esbuild webapp/bundles/auto_layout.entry.js --bundle --minify \
		--format=iife --log-level=error --outfile=$(VENDOR)/bpmn-js/bpmn-auto-layout.min.js
	cp node_modules/bpmn-js-properties-panel/dist/bpmn-js-properties-panel.umd.js \
		$(VENDOR)/properties-panel/
	cp node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css \
		$(VENDOR)/properties-panel/
	touch $@

webapp/translations/.compiled: $(VENV)/.installed $(wildcard webapp/translations/*/LC_MESSAGES/messages.po)
	$(VENV)/bin/pybabel compile --use-fuzzy -d webapp/translations
	touch $@

setup: $(VENV)/.installed $(VENDOR)/.copied webapp/translations/.compiled

run: setup
	$(DEV) $(FLASK) init-db
	$(DEV) $(FLASK) seed-demo
	@# the job worker (timers) runs beside the web server and stops with it
	$(DEV) $(FLASK) worker & WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
		$(DEV) $(FLASK) run --host 127.0.0.1 --port 5000

# Production: gunicorn (gunicorn.conf.py) and one job worker, on the database and secret key of
# the environment (SIMPUL_DATABASE_URL, SIMPUL_SECRET_KEY; see docs/deploy.md).
serve: setup
	$(FLASK) init-db
	@# gunicorn and one job worker, stopped together: Ctrl-C, SIGTERM to make (which passes it
	@# on), or either of them stopping (webapp/serving.py)
	$(FLASK) serve

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: setup lint
	$(VENV)/bin/pytest

bench: setup
	$(PY) -u -m benchmarks.run

translations-update: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k _n:1,2 -k Message -k MessageError -k UnsafeExpression -k UnsafeXml -o webapp/translations/messages.pot .
	$(VENV)/bin/pybabel update -w 100 -i webapp/translations/messages.pot -d webapp/translations

clean:
	rm -rf $(VENV) node_modules $(VENDOR) instance webapp/translations/*/LC_MESSAGES/*.mo
