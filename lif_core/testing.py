"""The plugin conformance kit: what every source plugin must satisfy, checked against its samples.

Three ways to run it, one set of checks behind them:

* ``lif plugins check NAME`` on the command line;
* :func:`check_source` (returns one :class:`CheckResult` per check) or :func:`assert_conforms`
  (raises ``AssertionError`` listing what to fix) from any test;
* :class:`SourceConformance`, abstract test cases a plugin's own test module subclasses, one
  test per check (the pattern of eventsourcing's recorder test cases)::

      import my_plugin
      from lif_core.testing import SourceConformance

      class TestMySource(SourceConformance):
          plugin = my_plugin          # the module with register_sources, or an installed name

This module is also a pytest plugin (``pytest_plugins = ["lif_core.testing"]`` in a
``conftest.py``): it adds the fixtures ``lif_store`` (an empty SQLite store in a temporary
folder) and ``lif_conformance`` (:func:`assert_conforms`).

The checks, in order: the declaration is valid (and ships samples); every model field has a
description; no sample file gives one record key twice for one kind; two runs give the same
golden lines and content hashes; the samples ingest into a store with exactly the records of
``expected.jsonl``; ingesting them again writes nothing; the bad samples are rejected where and
why ``bad/expected-rejections.jsonl`` says.

Long because the kit is one importable module (it is also the pytest plugin), and its checks,
the test cases made from them and the messages they give a plugin author are read together.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.util
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import types
import typing
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from eventsourcing.utils import get_topic
from pydantic import BaseModel

from lif_core.domain import IngestionRun, SourceRecord
from lif_core.errors import InputError, PluginError
from lif_core.eventlog.store import Store
from lif_core.ingestion import (
    Origin,
    ParsedRecord,
    Rejection,
    file_origin,
    ingest_file,
    ingest_rows,
    parse_file,
    read_rows,
)
from lif_core.ingestion.parse import locator_text, unknown_fields
from lif_core.ingestion.samples import bad_inputs, golden_line, sample_inputs
from lif_core.ingestion.scan import scan_file
from lif_core.plugins.host import ENTRY_POINT_GROUP, LoadedSource, load_plugins
from lif_core.plugins.host import check_source as declaration_problems
from lif_core.plugins.spec import Source
from lif_core.plugins.tracebacks import raised_in
from lif_core.privacy.vault import DataKeys

__all__ = [
    "CHECKS",
    "PLACEHOLDER",
    "CheckResult",
    "ParsedRecord",
    "Rejection",
    "SourceConformance",
    "assert_conforms",
    "check_source",
    "load_installed",
    "load_module",
    "parse_file",
    "summary",
    "temporary_store",
]

CHECKS: dict[str, str] = {
    "declaration": "the declaration is valid and ships its samples",
    "descriptions": "every model field has a description",
    "personal-data": "`lif privacy scan --source` finds no personal data in the samples",
    "unique-keys": "no sample file gives one record key twice for one kind",
    "deterministic": "two runs give the same records and content hashes",
    "samples": "the samples ingest with exactly the records of expected.jsonl",
    "reingest": "ingesting the samples again writes nothing",
    "bad-samples": "the bad samples are rejected as bad/expected-rejections.jsonl says",
}
"""Check name -> what it asserts, in the order the checks run."""

PLACEHOLDER = "CHANGE ME"
"""What ``lif plugins new`` writes where only the author can know the answer (the provider, the
description): the ``declaration`` check fails while a declaration still holds it."""

# A field named like what identifies a person: the kit refuses it unless the kind declares it
# personal (then it is sealed and never published), so that a plugin cannot carry a child's
# name or NHS number in clear under an honest-looking declaration.
_PERSONAL_NAME = re.compile(
    r"^(?:(?:child|children|person|pupil|patient|parent|carer|mother|father|subject|"
    r"first|last|sur|fore|given|family|middle|full|maiden|birth)_?names?|surnames?|forenames?|"
    r"nhs(?:_?(?:number|no|num))?|(?:child_?)?(?:date_?of_?birth|dob|birth_?date|d_o_b)|"
    r"upn|unique_?pupil_?(?:number|no)|(?:ni|national_?insurance)_?(?:number|no)|"
    r"home_?address)$"
)
_CADENCE = re.compile(r"^P(?=\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$")
_RECORD_TOPICS = (get_topic(SourceRecord.Recorded), get_topic(SourceRecord.Revised))
_REJECTED_TOPIC = get_topic(IngestionRun.RecordRejected)
_SHOWN = 5  # problems of one kind listed before "and N more"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check of the kit: its name, what it asserts, and what to fix (nothing: it passed)."""

    name: str
    title: str
    problems: tuple[str, ...] = ()
    skipped: bool = False  # not run, because an earlier check it needs failed

    @property
    def passed(self) -> bool:
        return not self.problems and not self.skipped

    @property
    def failed(self) -> bool:
        return bool(self.problems) and not self.skipped

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.name,
            "title": self.title,
            "passed": self.passed,
            "skipped": self.skipped,
            "problems": list(self.problems),
        }

    def __str__(self) -> str:
        mark = "skip" if self.skipped else "pass" if self.passed else "FAIL"
        head = f"{mark}  {self.name}: {self.title}"
        return "\n".join([head, *(f"      - {p}" for p in self.problems)])


def summary(results: Sequence[CheckResult]) -> str:
    """``'conforms'``, or ``'does not conform (…)'`` with how many checks failed and were not run."""
    failed = sum(r.failed for r in results)
    skipped = sum(r.skipped for r in results)
    if not failed and not skipped:
        return "conforms"
    parts = [f"{failed} of {len(results)} checks failed"]
    if skipped:
        parts.append(f"{skipped} not run until {'it passes' if failed == 1 else 'they pass'}")
    return f"does not conform ({', '.join(parts)})"


# --- loading what to check ------------------------------------------------------------------


def load_module(module: types.ModuleType, name: str | None = None) -> LoadedSource:
    """The source a plugin module registers (``name`` picks one when it registers several)."""
    plugins = load_plugins(modules=[module], entry_point_list=[], allow=None, block=set())
    if plugins.failures:
        raise AssertionError(
            f"plugin {module.__name__!r} did not load: "
            + "; ".join(str(f) for f in plugins.failures)
        )
    if name is None:
        if len(plugins) != 1:
            names = ", ".join(s.name for s in plugins)
            raise AssertionError(
                f"plugin {module.__name__!r} registers {len(plugins)} sources ({names}): "
                "say which one to check"
            )
        [only] = plugins.sources.values()
        return only
    return plugins.get(name)


def load_installed(name: str) -> LoadedSource:
    """The source ``name`` as installed (through its ``lif.ingestors`` entry point)."""
    plugins = load_plugins(allow={name}, block=set(), third_party=True)
    if name not in plugins.sources and not plugins.failures_of(name):
        # An entry point named otherwise registers it, perhaps: load them all to say so.
        plugins = load_plugins(allow=None, block=set(), third_party=True)
    failures = plugins.failures_of(name)
    if failures:
        raise AssertionError("; ".join(str(f) for f in failures))
    if name not in plugins.sources:
        raise AssertionError(
            f"no installed plugin provides the source {name!r}: is the package installed "
            f"(pip install -e .) and does its pyproject.toml declare {name!r} in the "
            '[project.entry-points."lif.ingestors"] table?'
        )
    return plugins.sources[name]


@contextlib.contextmanager
def temporary_store() -> Iterator[Store]:
    """An empty SQLite store in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="lif-kit-") as folder:
        store = Store(f"sqlite:///{folder}/kit.db")
        try:
            yield store
        finally:
            store.close()


# --- the checks -------------------------------------------------------------------------------


def check_source(loaded: LoadedSource, store: Store | None = None) -> list[CheckResult]:
    """Run every check of the kit on one loaded source; ``store`` must hold none of its records.

    Without a store, the kit ingests into a temporary SQLite one.
    """
    if store is None:
        with temporary_store() as temporary:
            return check_source(loaded, temporary)
    kit = _Kit(loaded, store)
    results = [kit.run("declaration", kit.declaration)]
    if not results[0].passed:
        skipped = "not run: fix the declaration first"
        return results + [
            CheckResult(n, t, (skipped,), skipped=True) for n, t in list(CHECKS.items())[1:]
        ]
    for name in list(CHECKS)[1:]:
        results.append(kit.run(name, getattr(kit, name.replace("-", "_"))))
    return results


def assert_conforms(
    target: LoadedSource | types.ModuleType | str, store: Store | None = None
) -> list[CheckResult]:
    """Run the kit; raise ``AssertionError`` naming every failed check and what to fix."""
    if isinstance(target, types.ModuleType):
        target = load_module(target)
    elif isinstance(target, str):
        target = load_installed(target)
    results = check_source(target, store)
    if not all(r.passed for r in results):
        raise AssertionError(
            f"source {target.name!r} {summary(results)}:\n"
            + "\n".join(str(r) for r in results if not r.passed)
        )
    return results


def _more(items: Sequence[str]) -> list[str]:
    if len(items) <= _SHOWN:
        return list(items)
    return [*items[:_SHOWN], f"... and {len(items) - _SHOWN} more like these"]


def _read_jsonl(path: Path, what: str, fix: str) -> tuple[list[dict[str, Any]], list[str]]:
    if not path.is_file():
        return [], [f"{path} is missing: {fix}"]
    lines: list[dict[str, Any]] = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except json.JSONDecodeError as exc:
            return [], [f"{path.name} line {number} is not JSON ({exc.msg}): {fix}"]
        if not isinstance(item, dict) or "file" not in item:
            return [], [f"{path.name} line {number} is not a {what} object with a 'file': {fix}"]
        lines.append(item)
    return lines, []


def _models_of(annotation: Any) -> Iterator[type[BaseModel]]:
    """Pydantic models inside a field's type (``Item``, ``list[Item]``, ``Item | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_of(arg)


def _differences(got: Mapping[str, Any], want: Mapping[str, Any]) -> list[str]:
    keys = sorted(set(got) | set(want))
    return [
        f"{k} is {got.get(k, '(absent)')!r} but {want.get(k, '(absent)')!r} in expected.jsonl"
        for k in keys
        if got.get(k, "(absent)") != want.get(k, "(absent)")
    ]


def _flat(line: Mapping[str, Any]) -> dict[str, Any]:
    """A golden line's valid time and attributes side by side, to name what differs."""
    attributes = line.get("attributes")
    return {
        "valid_from": line.get("valid_from"),
        "valid_to": line.get("valid_to"),
        **(attributes if isinstance(attributes, dict) else {"attributes": attributes}),
    }


_PLACEHOLDER_FIX = {
    "title": "say what the source is in a few words",
    "provider": "name the organisation that publishes the data (e.g. 'Ofsted')",
    "description": "say in one paragraph what the source holds and who publishes it",
}

_FRESH_PASS = "import sys\nfrom lif_core.testing import _fresh_pass\n_fresh_pass(*sys.argv[1:])\n"
_FRESH_PASS_SECONDS = 600


def _with_advice(message: str) -> str:
    """A plugin bug's message, with what to do instead when the plugin's code raised."""
    if " raised " not in message:
        return message
    return (
        f"{message}: raise RecordError(reason, column=...) for a row the plugin cannot "
        "accept, so the row is kept as a rejection; any other exception is a bug that fails "
        "the whole file"
    )


def _statements(source: Source) -> list[dict[str, Any]]:
    """What the samples state, as JSON would carry it: per record its golden line, locator and
    content hash; per rejection its locator and reasons."""
    out: list[dict[str, Any]] = []
    for path in sample_inputs(source):
        for item in parse_file(source, path):
            if isinstance(item, Rejection):
                out.append(
                    {"file": path.name, "locator": dict(item.locator), "rejected": item.reasons}
                )
            else:
                line = golden_line(item, path.name)
                out.append(
                    {**line, "locator": dict(item.locator), "content_hash": item.content_hash}
                )
    return typing.cast(list[dict[str, Any]], json.loads(json.dumps(out, default=str)))


def _another_hash_seed() -> str:
    """A PYTHONHASHSEED unlike this process's (which is random unless the variable is set)."""
    current = os.environ.get("PYTHONHASHSEED", "")
    if current.isdigit():
        return str(int(current) % 4294967295 + 1)
    return str(secrets.randbelow(4294967295) + 1)


def _fresh_pass(entry: str, plugin: str, name: str, local: str, out: str) -> None:
    """The determinism check's second run, in a fresh interpreter: load the source as the kit
    found it (``entry`` is :attr:`LoadedSource.module`) and write its samples' statements."""
    if local:
        loaded = load_module(importlib.import_module(entry), name)
    else:
        from importlib.metadata import EntryPoint

        point = EntryPoint(name=plugin, value=entry, group=ENTRY_POINT_GROUP)
        plugins = load_plugins(entry_point_list=[point], allow=None, block=set(), third_party=True)
        loaded = plugins.get(name)
    Path(out).write_text(json.dumps(_statements(loaded.source)), encoding="utf-8")


class _Kit:
    """The checks for one source against one store; each method returns its problems."""

    def __init__(self, loaded: LoadedSource, store: Store) -> None:
        self.loaded = loaded
        self.source: Source = loaded.source
        self.store = store
        self.golden_fix = (
            f"if the change is deliberate, run `lif plugins golden {loaded.name}` and review "
            "the diff of expected.jsonl"
        )

    def run(self, name: str, check: Callable[[], list[str]]) -> CheckResult:
        try:
            problems = check()
        except PluginError as exc:  # the plugin broke its contract: the message says how
            problems = [_with_advice(exc.message)]
        except InputError as exc:
            problems = [f"a sample could not be read: {exc}"]
        except Exception as exc:  # a plugin's bug must fail its check, not the kit
            problems = [
                f"the check crashed with {raised_in(exc, self.loaded.module or None)}: the "
                "plugin's code raised where it should return records or raise RecordError"
            ]
        return CheckResult(name, CHECKS[name], tuple(problems))

    # declaration ---------------------------------------------------------------------------

    def declaration(self) -> list[str]:
        source = self.source
        problems = declaration_problems(source)
        if not _CADENCE.match(source.cadence):
            problems.append(
                f"cadence {source.cadence!r} is not an ISO 8601 duration: write e.g. 'P1Y' "
                "(yearly), 'P3M' (quarterly) or 'P1M' (monthly)"
            )
        for kind in source.kinds:
            for name in kind.model.model_fields:
                if _PERSONAL_NAME.match(name.casefold()) and name not in kind.personal_fields:
                    problems.append(
                        f"kind {kind.name!r}: field {name!r} of {kind.model.__name__} is named "
                        "like what identifies a person, but the kind does not declare it "
                        "personal: remove it (or aggregate it), or declare it, "
                        f"RecordKind(..., personal_fields=({name!r},)) — it is then stored "
                        "sealed under the record's own key, erasable, and never published"
                    )
        for field in ("title", "provider", "description"):
            if PLACEHOLDER in getattr(source, field):
                problems.append(
                    f"Source.{field} is still the placeholder `lif plugins new` wrote "
                    f"({getattr(source, field)!r}): {_PLACEHOLDER_FIX[field]}"
                )
        if source.samples is None:
            problems.append(
                "the source ships no samples: set Source(samples=Path(__file__).parent / "
                "'samples') and put a sample input, expected.jsonl and bad/ in that folder"
            )
        elif not source.samples.is_dir():
            problems.append(
                f"the samples folder {source.samples} does not exist: create it (with a sample "
                "input, expected.jsonl and bad/), or fix Source.samples"
            )
        elif not sample_inputs(source):
            problems.append(
                f"the samples folder {source.samples} holds no input file: add a small, "
                f"realistic one ({', '.join(source.inputs.formats)})"
            )
        return problems

    # descriptions --------------------------------------------------------------------------

    def descriptions(self) -> list[str]:
        problems: list[str] = []
        for kind in self.source.kinds:
            pending: list[type[BaseModel]] = [kind.model]
            seen: set[type[BaseModel]] = set()
            while pending:
                model = pending.pop(0)
                if model in seen:
                    continue
                seen.add(model)
                for name, info in model.model_fields.items():
                    if not (info.description or "").strip():
                        problems.append(
                            f"kind {kind.name!r}: field {name!r} of {model.__name__} has no "
                            f'description: declare it as `{name}: ... = Field(description="...")` '
                            "(the catalogue and the docs are made from it)"
                        )
                    pending.extend(_models_of(info.annotation))
        return problems

    # unique keys ---------------------------------------------------------------------------

    def unique_keys(self) -> list[str]:
        problems: list[str] = []
        for path in sample_inputs(self.source):
            places: dict[tuple[str, str], list[str]] = defaultdict(list)
            for item in parse_file(self.source, path):
                if isinstance(item, ParsedRecord):
                    places[(item.kind, item.record_key)].append(locator_text(item.locator))
            problems += [
                f"{path.name}: kind {kind!r} gets the record key {key!r} {len(where)} times "
                f"({'; '.join(where[:4])}): a key must name one fact, so make RecordKind.key "
                "include what tells these rows apart (e.g. the area or the period)"
                for (kind, key), where in places.items()
                if len(where) > 1
            ]
        return _more(problems)

    # determinism ---------------------------------------------------------------------------

    def deterministic(self) -> list[str]:
        first = _statements(self.source)
        second, how, problems = self._second_pass()
        if problems:
            return problems
        if len(first) != len(second):
            return [
                f"the samples gave {len(first)} records and rejections, then {len(second)} {how}: "
                "map_row must give the same records for the same row every time"
            ]
        for a, b in zip(first, second, strict=True):
            file, where = a["file"], locator_text(a["locator"])
            if ("rejected" in a) != ("rejected" in b):
                problems.append(
                    f"{file} {where} was accepted once and rejected once ({how}): map_row must "
                    "decide from the row alone"
                )
            elif "rejected" in a:
                continue
            elif (a["kind"], a["record_key"]) != (b["kind"], b["record_key"]):
                problems.append(
                    f"{file} {where} gave the key {a['record_key']!r}, then "
                    f"{b['record_key']!r} {how}: derive the key from the record's fields only"
                )
            elif a != b:
                changed = sorted(
                    k
                    for k in set(a["attributes"]) | set(b["attributes"])
                    if a["attributes"].get(k) != b["attributes"].get(k)
                ) or ["the valid time"]
                problems.append(
                    f"{file} {where} {a['kind']} {a['record_key']!r}: "
                    f"{', '.join(changed)} differed between two runs "
                    f"({a['attributes'].get(changed[0])!r}, then "
                    f"{b['attributes'].get(changed[0])!r} {how}): every field must come from "
                    "the row — no uuid4(), now(), random numbers, and no order taken from a "
                    "set or from hashing (sort what you join)"
                )
        return _more(problems)

    def _second_pass(self) -> tuple[list[dict[str, Any]], str, list[str]]:
        """The samples' statements from a fresh interpreter with another hash seed, so that an
        order that depends on string hashing (a set joined into text) shows up as a change.

        A source built in code rather than registered by an importable module (``module``
        empty) cannot be loaded again elsewhere: its second run is in this process.
        """
        if not self.loaded.module:
            return _statements(self.source), "in a second run in this process", []
        seed = _another_hash_seed()
        how = f"in a fresh Python with PYTHONHASHSEED={seed}"
        with tempfile.TemporaryDirectory(prefix="lif-kit-") as folder:
            out = Path(folder) / "statements.json"
            local = "1" if self.loaded.distribution == "local" else ""
            args = [self.loaded.module, self.loaded.plugin, self.loaded.name, local, str(out)]
            env = {
                **os.environ,
                "PYTHONHASHSEED": seed,
                "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
            }
            try:
                run = subprocess.run(
                    [sys.executable, "-c", _FRESH_PASS, *args],
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=_FRESH_PASS_SECONDS,
                )
            except subprocess.TimeoutExpired:
                return [], how, [f"the second run ({how}) took over {_FRESH_PASS_SECONDS} s"]
            if run.returncode != 0 or not out.is_file():
                lines = [line for line in run.stderr.splitlines() if line.strip()]
                why = lines[-1] if lines else f"exit status {run.returncode}"
                return (
                    [],
                    how,
                    [
                        f"the second run ({how}) failed: {why}: the plugin must load and map its "
                        "samples the same way in any process"
                    ],
                )
            return json.loads(out.read_text(encoding="utf-8")), how, []

    # personal data -------------------------------------------------------------------------

    def personal_data(self) -> list[str]:
        problems = [
            f"{Path(f.file).name}, {locator_text(f.locator)}, column {f.column!r}: {f.kind} "
            f"({f.excerpt}): samples ship with the plugin and must identify no one; use made-up "
            "agencies and figures, or 'Child A' for a child"
            for path in sample_inputs(self.source)
            for f in scan_file(path, self.source)
        ]
        return _more(problems)

    # samples -------------------------------------------------------------------------------

    def samples(self) -> list[str]:
        assert self.source.samples is not None
        expected, problems = _read_jsonl(
            self.source.samples / "expected.jsonl",
            "golden record",
            f"run `lif plugins golden {self.loaded.name}` to write it from the samples, then "
            "review every line",
        )
        if problems:
            return problems
        inputs = sample_inputs(self.source)
        by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for line in expected:
            by_file[str(line["file"])].append(line)
        names = {p.name for p in inputs}
        for file in sorted(set(by_file) - names):
            problems.append(
                f"expected.jsonl holds records of {file}, which is not among the sample inputs: "
                f"restore the file, or {self.golden_fix}"
            )
        problems += self._golden_compare(expected)
        problems += self._emitted_fields()
        runs: dict[str, str] = {}
        for path in inputs:
            result = ingest_file(self.store, self.loaded, path)
            runs[result.run_id] = path.name
            want = len(by_file.get(path.name, []))
            if result.status == "skipped":
                problems.append(
                    f"{path.name}: the store already held this file: give the kit an empty store"
                )
            elif not result.ok:
                problems.append(
                    f"{path.name}: the ingest failed ({result.failure_kind}): {result.message}"
                )
            else:
                c = result.counts
                for locator, reasons in self._rejections(result.run_id):
                    problems.append(
                        f"{path.name} {locator_text(locator)} was rejected: {'; '.join(reasons)}. A "
                        "shipped sample must ingest cleanly: fix the row (or the plugin), or "
                        "move the row to bad/ with a line in bad/expected-rejections.jsonl"
                    )
                got = c["recorded"] + c["revised"] + c["unchanged"]
                if got != want and not c["rejected"]:
                    problems.append(
                        f"{path.name}: expected.jsonl holds {want} records of this file but the "
                        f"ingest gave {got}: rows are being "
                        f"{'lost' if got < want else 'invented'} between the reader and the "
                        "log. Check InputOptions (header, sheet, columns) and that map_row "
                        f"returns every record of each row; {self.golden_fix}"
                    )
        problems += self._logged_records(runs, by_file)
        return problems

    def _emitted_fields(self) -> list[str]:
        """Fields map_row emits that the kind's model does not have. A model that forbids
        unknown fields fails the file on them; one that ignores them would lose them silently."""
        problems: dict[str, str] = {}
        for path in sample_inputs(self.source):
            for row in read_rows(path, self.source.inputs):
                try:
                    emits = list(self.source.map_row(row))
                except Exception:  # rejected rows and bugs are reported by the other checks
                    continue
                for emit in emits:
                    try:
                        model = self.source.kind(emit.kind).model
                    except (KeyError, AttributeError):
                        continue
                    unknown = unknown_fields(model, emit.fields)
                    if unknown and unknown not in problems:
                        problems[unknown] = (
                            f"{path.name} {locator_text(row.locator)}: map_row gives kind "
                            f"{emit.kind!r} {unknown}: correct the field's name in map_row"
                        )
        return _more(list(problems.values()))

    def _golden_compare(self, expected: list[dict[str, Any]]) -> list[str]:
        got: list[dict[str, Any]] = []
        for path in sample_inputs(self.source):
            got += [
                golden_line(item, path.name)
                for item in parse_file(self.source, path)
                if isinstance(item, ParsedRecord)
            ]
        got = [json.loads(json.dumps(line, sort_keys=True)) for line in got]
        if got == expected:
            return []

        def ident(line: Mapping[str, Any]) -> tuple[str, str, str]:
            return str(line.get("file")), str(line.get("kind")), str(line.get("record_key"))

        got_by = {ident(line): line for line in got}
        want_by = {ident(line): line for line in expected}
        missing = [k for k in want_by if k not in got_by]
        extra = [k for k in got_by if k not in want_by]
        problems: list[str] = []
        if missing:
            problems.append(
                f"the plugin no longer gives {len(missing)} of the {len(expected)} records of "
                f"expected.jsonl (first: {missing[0][0]} {missing[0][1]} {missing[0][2]!r}): "
                f"fix the reader options or map_row so no row is lost; {self.golden_fix}"
            )
        if extra:
            problems.append(
                f"the plugin gives {len(extra)} records that expected.jsonl does not hold "
                f"(first: {extra[0][0]} {extra[0][1]} {extra[0][2]!r}): {self.golden_fix}"
            )
        changed = [
            f"{k[0]} {k[1]} {k[2]!r}: "
            + "; ".join(_differences(_flat(got_by[k]), _flat(want_by[k])))
            for k in want_by
            if k in got_by and got_by[k] != want_by[k]
        ]
        problems += _more([f"{c}: fix map_row, or, {self.golden_fix}" for c in changed])
        if not problems:
            problems.append(
                "the plugin gives the records of expected.jsonl in a different order: the "
                f"host reads files in name order and rows top to bottom; {self.golden_fix}"
            )
        return problems

    def _rejections(self, run_id: str) -> list[tuple[dict[str, Any], list[str]]]:
        found = []
        keys = DataKeys(self.store)  # reasons are sealed with the row (they may quote a cell)
        for notification in self.store.iter_notifications(topics=[_REJECTED_TOPIC]):
            event = self.store.decode(notification)
            if event.correlation == run_id:
                found.append((dict(event.locator), list(keys.open(event.reasons))))
        return found

    def _logged_records(
        self, runs: Mapping[str, str], by_file: Mapping[str, list[dict[str, Any]]]
    ) -> list[str]:
        """What the log holds for each run matches the golden lines of that file."""
        problems: list[str] = []
        names: dict[Any, tuple[str, str]] = {}
        keys = DataKeys(self.store)  # free text and personal fields are stored sealed
        for notification in self.store.iter_notifications(topics=list(_RECORD_TOPICS)):
            event = self.store.decode(notification)
            if isinstance(event, SourceRecord.Recorded):
                names[event.originator_id] = (event.record_kind, event.record_key)
            file = runs.get(str(event.correlation))
            if file is None:
                continue
            kind, key = names[event.originator_id]
            logged = {
                "file": file,
                "kind": kind,
                "record_key": key,
                "valid_from": event.valid_from.isoformat(),
                "valid_to": event.valid_to.isoformat() if event.valid_to else None,
                "attributes": json.loads(json.dumps(keys.opened(event.attributes), sort_keys=True)),
            }
            wanted = [
                w
                for w in by_file.get(file, [])
                if (w.get("kind"), w.get("record_key")) == (kind, key)
            ]
            if not wanted:
                problems.append(
                    f"{file}: the log got {kind} {key!r}, which expected.jsonl does not hold "
                    f"for this file: {self.golden_fix}"
                )
            elif logged not in wanted:
                diffs = _differences(_flat(logged), _flat(wanted[-1]))
                problems.append(
                    f"{file}: the log holds {kind} {key!r} unlike expected.jsonl ("
                    + "; ".join(diffs)
                    + f"): {self.golden_fix}"
                )
        return _more(problems)

    # re-ingest -----------------------------------------------------------------------------

    def reingest(self) -> list[str]:
        problems: list[str] = []
        for path in sample_inputs(self.source):
            first = ingest_file(self.store, self.loaded, path)  # skipped if `samples` ran
            if not first.ok:
                problems.append(f"{path.name}: the ingest failed: {first.message}")
                continue
            before = self.store.max_notification_id()
            again = ingest_file(self.store, self.loaded, path)
            if again.status != "skipped" or self.store.max_notification_id() != before:
                problems.append(
                    f"{path.name}: the same file ingested twice wrote {again.status} run "
                    f"{again.run_id}: the host should have skipped it; report this as a "
                    "platform bug"
                )
            # Without the file-level shortcut, every record must be found unchanged.
            origin = file_origin(path)
            fresh = Origin(origin.uri, origin.sha256, origin.meta, dedupe=False)
            result = ingest_rows(
                self.store, self.loaded, read_rows(path, self.source.inputs), fresh
            )
            c = result.counts
            if not result.ok:
                problems.append(f"{path.name}: the second ingest failed: {result.message}")
            elif c["recorded"] or c["revised"] or c["withdrawn"]:
                problems.append(
                    f"{path.name} ingested again wrote {c['recorded']} recorded, {c['revised']} "
                    f"revised, {c['withdrawn']} withdrawn where nothing changed: keys and fields "
                    "must depend only on the row (no clock, no counters, no randomness)"
                )
        return problems

    # bad samples ---------------------------------------------------------------------------

    def bad_samples(self) -> list[str]:
        assert self.source.samples is not None
        folder = self.source.samples / "bad"
        inputs = bad_inputs(self.source)
        if not inputs:
            return [
                f"no bad samples in {folder}: add an input with the mistakes this source really "
                "makes (unknown codes, blank keys, impossible counts) and "
                "bad/expected-rejections.jsonl with one line per rejected row: "
                '{"file": ..., "locator": {"line": N}, "reason_contains": ...}'
            ]
        expected, problems = _read_jsonl(
            folder / "expected-rejections.jsonl",
            "rejection",
            'write one line per rejected row: {"file": ..., "locator": {"line": N}, '
            '"reason_contains": ...}',
        )
        if problems:
            return problems
        # Every rejection is wanted here, so the source's fail-fast policy is set aside.
        lenient = dataclasses.replace(
            self.loaded,
            source=dataclasses.replace(
                self.source, on_bad_record="quarantine", max_reject_rate=None
            ),
        )
        for path in inputs:
            wanted = [e for e in expected if e["file"] == path.name]
            result = ingest_file(self.store, lenient, path)
            got: list[tuple[dict[str, Any], list[str]]]
            if result.failure_kind == "plugin-bug":  # no rejection can be declared for a bug
                problems.append(
                    f"bad/{path.name}: the ingest failed: {_with_advice(result.message)}"
                )
                continue
            if result.status == "failed":
                got = [({}, [result.message])]
            else:
                got = self._rejections(result.run_id)
            if not wanted and not got:
                problems.append(
                    f"bad/{path.name} has no rejected row and no line in "
                    "expected-rejections.jsonl: it is not a bad sample; make its rows bad, "
                    "or move it out of bad/"
                )
            problems += self._compare_rejections(path.name, got, wanted)
        return problems

    def _compare_rejections(
        self,
        file: str,
        got: list[tuple[dict[str, Any], list[str]]],
        wanted: list[dict[str, Any]],
    ) -> list[str]:
        problems: list[str] = []
        got_at = {json.dumps(loc, sort_keys=True): reasons for loc, reasons in got}
        wanted_at = {json.dumps(w.get("locator", {}), sort_keys=True): w for w in wanted}
        for place, want in wanted_at.items():
            where = locator_text(want.get("locator", {}))
            text = str(want.get("reason_contains", ""))
            reasons = got_at.get(place)
            if reasons is None:
                problems.append(
                    f"bad/{file} {where} was accepted, but expected-rejections.jsonl says it is "
                    f"rejected with {text!r}: make map_row raise RecordError for it (or correct "
                    "the line's locator)"
                )
            elif not any(text in reason for reason in reasons):
                problems.append(
                    f"bad/{file} {where} was rejected with {reasons}, none of which contains "
                    f"{text!r}: make the reason say what is wrong and in which column, or "
                    "correct reason_contains"
                )
        for place, reasons in got_at.items():
            if place not in wanted_at:
                line = {
                    "file": file,
                    "locator": json.loads(place),
                    "reason_contains": reasons[0] if reasons else "",
                }
                problems.append(
                    f"bad/{file} {locator_text(json.loads(place))} was rejected ({'; '.join(reasons)}) "
                    "but expected-rejections.jsonl does not say so: if that is right, add "
                    + json.dumps(line, ensure_ascii=False)
                )
        return problems


# --- abstract test cases ------------------------------------------------------------------------


class SourceConformance:
    """Subclass in a plugin's tests (``class TestMySource(SourceConformance)``): one test per check.

    Set ``plugin`` to the plugin module (or to the installed source's name, to check it through
    its entry point), and ``source_name`` when the module registers several sources.
    """

    plugin: ClassVar[types.ModuleType | str]
    source_name: ClassVar[str | None] = None
    _results: ClassVar[dict[type, dict[str, CheckResult]]] = {}

    @classmethod
    def loaded_source(cls) -> LoadedSource:
        if isinstance(cls.plugin, str):
            return load_installed(cls.plugin)
        return load_module(cls.plugin, cls.source_name)

    def check(self, name: str) -> None:
        results = SourceConformance._results
        if type(self) not in results:
            results[type(self)] = {r.name: r for r in check_source(self.loaded_source())}
        result = results[type(self)][name]
        assert result.passed, str(result)

    def test_declaration_is_valid(self) -> None:
        self.check("declaration")

    def test_every_field_has_a_description(self) -> None:
        self.check("descriptions")

    def test_samples_hold_no_personal_data(self) -> None:
        self.check("personal-data")

    def test_record_keys_are_unique_within_a_sample(self) -> None:
        self.check("unique-keys")

    def test_two_runs_are_deterministic(self) -> None:
        self.check("deterministic")

    def test_samples_ingest_to_exactly_the_golden_records(self) -> None:
        self.check("samples")

    def test_reingesting_the_samples_writes_nothing(self) -> None:
        self.check("reingest")

    def test_bad_samples_are_rejected_as_declared(self) -> None:
        self.check("bad-samples")


# --- the pytest plugin ---------------------------------------------------------------------------

# The kit runs without pytest (``lif plugins check``); only the fixtures need it.
if importlib.util.find_spec("pytest") is not None:
    import pytest

    @pytest.fixture
    def lif_store() -> Iterator[Store]:
        """An empty SQLite store in a temporary folder."""
        with temporary_store() as store:
            yield store

    @pytest.fixture
    def lif_conformance() -> Callable[..., list[CheckResult]]:
        """:func:`assert_conforms`: call it with a plugin module, a LoadedSource or a name."""
        return assert_conforms
