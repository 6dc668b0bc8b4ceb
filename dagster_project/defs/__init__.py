"""Loaded by ``dg.load_from_defs_folder``: resources, assets, checks, sensors, schedules."""
