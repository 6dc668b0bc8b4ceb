"""Dagster definitions for the LIF platform: assets, checks, sensors and schedules. No business logic here."""
