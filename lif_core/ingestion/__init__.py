"""Ingestion: files and streams into the log through their source's plugin.

- ``pipeline``: provenance, dedupe, revisions, withdrawals, rejections, one transaction per origin.
- ``readers``: CSV, XLSX, JSON and JSONL streamed as rows; ``parse``: validation and the guard.
- ``forked``: reading a large file on every core; ``samples``: a plugin's samples and golden file.
"""
