"""Personal data: the guard's detectors (``detect``, ``names``).

``detect`` says what in a text identifies a person; the ingestion guard, ``lif privacy scan``
and the conformance kit apply it. See docs/privacy.md.
"""
