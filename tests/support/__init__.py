"""Helpers and data of the tests, kept apart from the test modules.

- ``api_support``: the API tests' knowledge base, tokens and a real ``kb serve`` process;
- ``apikit``: fixtures on them (the app and its test client), loaded with ``pytest_plugins = ("support.apikit",)``;
- ``browser_support``: fixtures of the browser tests (Debian's Chromium through Playwright),
  loaded with ``pytest_plugins = ("support.browser_support",)``;
- ``gitkb``: a knowledge base in a real git repository;
- ``langdetect_samples``: short customer messages with their language;
- ``lint_examples/``: one failing example per lint rule;
- ``transfer_samples/``: helpdesk exports for the import/export tests.

``tests/`` is on ``sys.path`` (pytest's rootdir-relative import of test modules), so test modules
import these as ``support.<module>``; ``conftest.py`` registers the package for assertion rewriting.
"""
