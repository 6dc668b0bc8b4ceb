"""The audit tests' fixtures: one history of decisions per store kind (tests/support/audit_history.py)."""

from audit_history import fresh_history, history  # noqa: F401 - fixtures
