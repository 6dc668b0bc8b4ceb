"""The built-in source plugins: one module per source, each registered through the ``lif.ingestors``
entry point exactly as a third-party plugin is (built-ins are plugins).

- Inspections: ``ofsted_social_care``, ``ofsted_ilacs``, ``ofsted_schools``, ``ofsted_early_years``,
  ``cqc``, ``hmicfrs``, ``jtai``, ``other_inspections``.
- Reviews and the partnership's own records: ``practice_reviews``, ``appreciative_inquiry``,
  ``deep_dive`` (the last two share the register's parts in ``_reviews``), ``action_plans``,
  ``learning_log``, ``national_learning``.
- Voices of children, families and practitioners, and child deaths: ``school_health_survey``,
  ``family_feedback``, ``practitioner_survey``, ``cdop``.
- Partner annual reports: the ``partner_reports`` package (LADO, IRO, conferences, CSWS, MAPPA,
  secure settings, private fostering, MALAP), ``partner_safeguarding_reports``.
- Performance and assurance: ``performance``, ``audits`` / ``audits_single``, ``section_11`` /
  ``section_175``, ``complaints``, ``learning_development``, ``trust_board``, ``website_stats``.
- Shared cell parsing: ``_fields`` (dates, numbers, periods); grade scales and closed word
  lists: ``_vocabulary``; suppressed small numbers and published figures: ``_suppression``;
  the inspection trackers' row layout: ``_trackers``.
- ``samples/<source>/``: each source's shipped inputs, golden ``expected.jsonl`` and ``bad/`` rows.
Layouts and rules per source: docs/sources/.
"""
