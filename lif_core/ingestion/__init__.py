"""Ingestion: files and streams into the log through their source's plugin.

The public API is here (``from lif_core.ingestion import ingest_file``). The modules, by job:

- ``pipeline``: one origin in one transaction — dedupe, the run, chunks written, failures;
- ``writer``: what each record means against the index (recorded, revised, withdrawn, rejected);
- ``wire``: records crossing from the reading process to the writer, ready to write;
- ``source_index``: the index of record streams, snapshots and files ingested (its SQL);
- ``on_record``: rejections earlier runs over the same file kept (a file read again keeps each once);
- ``parallel``: chunks, which reader parses which, and when to fork; ``forked``: the forking;
- ``results``: the origin of an input and the result of its ingestion;
- ``readers``: CSV, XLSX, JSON and JSONL streamed as rows; ``parse``: validation and the guard;
- ``samples``: a plugin's samples and golden file.
"""

from lif_core.ingestion.parallel import CHUNK, FORK_MIN_BYTES, fork_mode
from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file, parse_row
from lif_core.ingestion.pipeline import ingest_file, ingest_rows
from lif_core.ingestion.readers import FORMATS, read_rows
from lif_core.ingestion.results import IngestResult, Origin, file_origin

__all__ = [
    "CHUNK",
    "FORK_MIN_BYTES",
    "FORMATS",
    "IngestResult",
    "Origin",
    "ParsedRecord",
    "Rejection",
    "file_origin",
    "fork_mode",
    "ingest_file",
    "ingest_rows",
    "parse_file",
    "parse_row",
    "read_rows",
]
