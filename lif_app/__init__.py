"""The apps on top of the core and the read models: imported by nothing.

- ``cli/``: the ``lif`` command.
- ``web/``: the read-only web view, its JSON API and the publishable report.
- ``demo``: the main job on the embedded default, end to end.
"""
