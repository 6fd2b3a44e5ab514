"""Snapshot tests build the app as the pilot tests do (tests/app/conftest.py)."""

from tests.app.conftest import app_for, quick_app, settings_for  # noqa: F401  (fixtures)
