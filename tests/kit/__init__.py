"""The test kit a service's tests plug into.

  kit.settings   ``test_settings(service, database_url, bus_path, **extra)``: the settings an
                 in-process test server runs with (any free port, an embedded bus file, the
                 demo region tree, a prefecture home region, generous public rate limits);
                 the demo regions' codes (PREFECTURE, COUNTY_A, ...).
  kit.clients    ``ServiceClient``: tokens for any role and region, calls with or without one,
                 expected failures, row counts; ``InProcessService``: a running service, a
                 channel and the stub of its gRPC service, its database, ``close()``.
  kit.running    ``start_in_process(name, database_url, bus_path, definition=None, **extra)``:
                 migrates the fresh database and starts the service from its definition.
  kit.fixtures   pytest fixtures (loaded by tests/conftest.py): ``start_service``, a factory
                 ``start_service("balloting", **extra)`` on a brand-new PostgreSQL database,
                 shut down at the end of the session.
  kit.isolation  the isolation matrix built from the proto descriptors (its own module).
  kit.cases      the seeded world and, per RPC, a valid request and who may send it
                 (``CASES``): what the isolation matrix and the bad-input table both use.
  kit.bad_input  the bad-input table built from the proto descriptors: each field of a valid
                 request broken as its type and name call for, with the status and the field
                 the refusal must name; ``table_state`` for "nothing written".
  kit.portal     ``PortalProcess(backends, log_path, secret=...)``: the real web portal as its
                 own process, pointed at services the test started.
  kit.browser    ``Browser(width=375)``: headless Chromium (Debian's chromium and
                 chromium-driver) with Selenium, a phone-wide viewport, full-page screenshots
                 under ``output_dir(...)`` (var/test-output/, or LIANXIN_TEST_OUTPUT).

A new service's tests: ``server = start_service("<name>")``, then ``server.call("Rpc",
request, role=..., region=...)`` / ``server.error(...)`` / ``server.count("table")``.
"""
