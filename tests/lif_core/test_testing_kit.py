"""The conformance kit: it passes a well-made plugin and fails each broken one saying what to fix."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from broken_plugins import (
    crashes_on_a_row,
    duplicate_keys,
    good,
    hash_ordered,
    loses_rows,
    misspelt_field,
    no_valid_time,
    nondeterministic,
    reversed_period,
    undescribed_field,
    unknown_kind,
)
from pydantic import ConfigDict, Field

from lif_core.eventlog.store import Store
from lif_core.plugins import Emit, Row, ValidTime
from lif_core.plugins.host import LoadedSource, load_plugins
from lif_core.plugins.spec import Source
from lif_core.testing import (
    CHECKS,
    CheckResult,
    SourceConformance,
    assert_conforms,
    check_source,
    load_module,
)

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def _results(target: object) -> dict[str, CheckResult]:
    loaded = target if isinstance(target, LoadedSource) else load_module(target)
    return {r.name: r for r in check_source(loaded)}


def _failed(results: dict[str, CheckResult]) -> set[str]:
    return {name for name, r in results.items() if not r.passed}


def _copy_samples(tmp_path: Path) -> Path:
    folder = tmp_path / "samples"
    shutil.copytree(good.SAMPLES, folder)
    return folder


def _loaded(source: Source) -> LoadedSource:
    return LoadedSource(source, "toy", "local", "0")


def test_the_kit_passes_a_well_made_plugin_with_every_check() -> None:
    results = check_source(load_module(good))
    assert [r.name for r in results] == list(CHECKS)
    assert all(r.passed for r in results), "\n".join(map(str, results))
    assert str(results[0]) == "pass  declaration: the declaration is valid and ships its samples"


def test_the_kit_runs_on_the_store_it_is_given(store: Store) -> None:
    results = check_source(load_module(good), store)
    assert all(r.passed for r in results), "\n".join(map(str, results))
    assert store.max_notification_id() > 0


class TestTheKitAsAbstractTestCases(SourceConformance):
    """What a plugin author writes: one subclass, seven tests."""

    plugin = good


def test_duplicate_record_keys_fail_naming_the_key_the_rows_and_the_fix() -> None:
    results = _results(duplicate_keys)
    [first, second] = results["unique-keys"].problems
    assert first == (
        "counts-2023.csv: kind 'area-count' gets the record key '2023' 3 times "
        "(line 2; line 3; line 4): a key must name one fact, so make RecordKind.key include "
        "what tells these rows apart (e.g. the area or the period)"
    )
    assert second.startswith(
        "counts-2024.csv: kind 'area-count' gets the record key '2024' 4 times"
    )


def test_a_field_without_description_fails_that_check_only_and_says_how_to_declare_it() -> None:
    results = _results(undescribed_field)
    assert _failed(results) == {"descriptions"}
    assert results["descriptions"].problems == (
        "kind 'area-count': field 'referrals' of AreaCount has no description: declare it as "
        '`referrals: ... = Field(description="...")` (the catalogue and the docs are made from it)',
    )


def test_non_deterministic_output_fails_naming_the_field_that_changes() -> None:
    results = _results(nondeterministic)
    assert {"deterministic", "reingest"} <= _failed(results)
    problem = results["deterministic"].problems[0]
    assert problem.startswith("counts-2023.csv line 2 area-count '2023/leeds': import_id differed")
    assert " in a fresh Python with PYTHONHASHSEED=" in problem
    assert problem.endswith(
        "every field must come from the row — no uuid4(), now(), random numbers, and no order "
        "taken from a set or from hashing (sort what you join)"
    )
    assert results["reingest"].problems[0] == (
        "counts-2023.csv ingested again wrote 0 recorded, 3 revised, 0 withdrawn where nothing "
        "changed: keys and fields must depend only on the row (no clock, no counters, no randomness)"
    )


def _line_of(module: object, text: str) -> int:
    source = Path(str(getattr(module, "__file__", ""))).read_text(encoding="utf-8")
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


def test_a_map_row_that_crashes_on_a_bad_row_fails_naming_its_line_never_as_accepted() -> None:
    results = _results(crashes_on_a_row)
    line = _line_of(crashes_on_a_row, "the mistake")
    [problem] = results["bad-samples"].problems
    assert problem == (
        'bad/counts-errors.csv: the ingest failed: map_row raised ValueError("invalid literal '
        "for int() with base 10: 'lots'\") at broken_plugins/crashes_on_a_row.py, line "
        f"{line}, in map_row (counts-errors.csv, line 4): raise RecordError(reason, "
        "column=...) for a row the plugin cannot accept, so the row is kept as a rejection; "
        "any other exception is a bug that fails the whole file"
    )
    assert "accepted" not in " ".join(results["bad-samples"].problems)


def test_an_expected_rejection_cannot_make_a_crashing_plugin_conform(tmp_path: Path) -> None:
    samples = _copy_samples(tmp_path)
    declared = samples / "bad" / "expected-rejections.jsonl"
    declared.write_text(
        declared.read_text()
        + json.dumps({"file": "counts-errors.csv", "locator": {}, "reason_contains": "lots"})
        + "\n"
    )
    source = dataclasses.replace(crashes_on_a_row.SOURCE, samples=samples)
    results = _results(LoadedSource(source, "toy", "local", "0"))
    assert not results["bad-samples"].passed
    assert "map_row raised ValueError" in results["bad-samples"].problems[0]


def test_a_reversed_period_fails_naming_valid_time_and_is_never_golden() -> None:
    results = _results(reversed_period)
    assert {"unique-keys", "deterministic", "samples"} <= _failed(results)
    assert results["samples"].problems[0] == (
        "RecordKind 'area-count': valid_time returned a period that ends (2023-01-01) before it "
        "starts (2023-12-31): swap them if the source writes them the other way round, or raise "
        "RecordError for a row whose period is reversed (counts-2023.csv, line 2)"
    )


def test_a_valid_time_that_returns_nothing_fails_naming_valid_time_not_map_row() -> None:
    results = _results(no_valid_time)
    problem = results["samples"].problems[0]
    assert problem.startswith(
        "RecordKind 'area-count': valid_time returned None, not a ValidTime(valid_from, "
        "valid_to): return the period the record is about"
    )
    assert "map_row" not in problem


def test_a_valid_time_without_valid_from_fails_naming_valid_time() -> None:
    kind = dataclasses.replace(good.KIND, valid_time=lambda r: ValidTime(None, None))  # type: ignore[arg-type]
    results = _results(_loaded(dataclasses.replace(good.SOURCE, kinds=(kind,))))
    assert (
        results["samples"]
        .problems[0]
        .startswith(
            "RecordKind 'area-count': valid_time returned valid_from=None, not a date: every record "
            "needs the day its period starts"
        )
    )


def test_an_undeclared_kind_is_a_plugin_bug_not_a_rejected_row() -> None:
    results = _results(unknown_kind)
    assert (
        results["bad-samples"]
        .problems[0]
        .startswith(
            "bad/counts-errors.csv: the ingest failed: map_row emitted the kind 'area-counts', "
            "which the source does not declare (it declares: area-count)"
        )
    )


def test_a_misspelt_field_is_a_plugin_bug_naming_the_field_and_the_nearest_name() -> None:
    results = _results(misspelt_field)
    assert results["samples"].problems[0] == (
        "map_row gave kind 'area-count' the field 'referals' (did you mean 'referrals'?), which "
        "AreaCount does not have (its fields: year, area, referrals) (counts-2023.csv, line 2)"
    )


def test_a_field_a_lenient_model_would_drop_silently_is_named_by_the_samples_check() -> None:
    class Lenient(good.AreaCount):
        model_config = ConfigDict(extra="ignore")
        referrals: int | None = Field(default=None, description="Referrals in the year.")

    def misspelt(row: Row) -> list[Emit]:
        [emit] = good.map_row(row)
        fields = dict(emit.fields)
        fields["referals"] = fields.pop("referrals")
        return [Emit(emit.kind, fields)]

    kind = dataclasses.replace(good.KIND, model=Lenient)
    source = dataclasses.replace(good.SOURCE, kinds=(kind,), map_row=misspelt)
    problems = _results(_loaded(source))["samples"].problems
    assert (
        "counts-2023.csv line 2: map_row gives kind 'area-count' the field 'referals' (did you "
        "mean 'referrals'?), which Lenient does not have (its fields: year, area, referrals): "
        "correct the field's name in map_row"
    ) in problems


def test_an_order_that_follows_string_hashing_fails_the_fresh_interpreter_run() -> None:
    results = _results(hash_ordered)
    problem = results["deterministic"].problems[0]
    assert problem.startswith("counts-2023.csv line 2 area-count '2023/leeds': tags differed")
    assert " in a fresh Python with PYTHONHASHSEED=" in problem
    # the same process always joins the set the same way: only another interpreter sees it
    assert hash_ordered.map_row is hash_ordered.SOURCE.map_row
    assert _results(_loaded(hash_ordered.SOURCE))["deterministic"].passed


def test_a_plugin_that_loses_rows_fails_against_the_golden_file() -> None:
    results = _results(loses_rows)
    assert _failed(results) == {"samples"}
    problems = results["samples"].problems
    assert problems[0].startswith(
        "the plugin no longer gives 2 of the 7 records of expected.jsonl (first: counts-2023.csv "
        "area-count '2023/bradford'): fix the reader options or map_row so no row is lost"
    )
    assert problems[1].startswith(
        "counts-2023.csv: expected.jsonl holds 3 records of this file but the ingest gave 2: "
        "rows are being lost between the reader and the log."
    )
    assert "run `lif plugins golden toy-loses-rows`" in problems[1]


def test_assert_conforms_raises_listing_each_failed_check() -> None:
    assert len(assert_conforms(good)) == len(CHECKS)
    with pytest.raises(AssertionError) as raised:
        assert_conforms(undescribed_field)
    text = str(raised.value)
    assert text.startswith("source 'toy-undescribed-field' does not conform (1 of 8 checks failed)")
    assert "FAIL  descriptions: every model field has a description" in text


def test_without_samples_the_declaration_fails_and_the_rest_is_not_run() -> None:
    results = _results(_loaded(dataclasses.replace(good.SOURCE, samples=None, cadence="yearly")))
    problems = results["declaration"].problems
    assert "cadence 'yearly' is not an ISO 8601 duration: write e.g. 'P1Y'" in problems[0]
    assert problems[1].startswith("the source ships no samples: set Source(samples=Path(__file__)")
    assert all(
        r.problems == ("not run: fix the declaration first",)
        for name, r in results.items()
        if name != "declaration"
    )


def test_a_missing_golden_file_says_how_to_write_it(tmp_path: Path) -> None:
    samples = _copy_samples(tmp_path)
    (samples / "expected.jsonl").unlink()
    results = _results(_loaded(dataclasses.replace(good.SOURCE, samples=samples)))
    assert _failed(results) == {"samples"}
    [problem] = results["samples"].problems
    assert problem.endswith(
        "expected.jsonl is missing: run `lif plugins golden toy-counts` to write it from the "
        "samples, then review every line"
    )


def test_a_changed_value_is_named_with_both_values(tmp_path: Path) -> None:
    samples = _copy_samples(tmp_path)
    golden = samples / "expected.jsonl"
    golden.write_text(golden.read_text().replace('"referrals": 990', '"referrals": 991'))
    results = _results(_loaded(dataclasses.replace(good.SOURCE, samples=samples)))
    assert any(
        p.startswith(
            "counts-2023.csv area-count '2023/bradford': referrals is 990 but 991 in expected.jsonl"
        )
        for p in results["samples"].problems
    ), results["samples"].problems


def test_bad_samples_must_be_rejected_where_and_why_declared(tmp_path: Path) -> None:
    samples = _copy_samples(tmp_path)
    declared = samples / "bad" / "expected-rejections.jsonl"
    lines = [json.loads(line) for line in declared.read_text().splitlines()]
    lines[0]["reason_contains"] = "the area is missing"  # the plugin says "blank"
    lines[1]["locator"] = {"line": 2}  # line 2 is a good row
    declared.write_text("".join(json.dumps(line) + "\n" for line in lines[:2]))

    results = _results(_loaded(dataclasses.replace(good.SOURCE, samples=samples)))

    assert _failed(results) == {"bad-samples"}
    assert results["bad-samples"].problems == (
        "bad/counts-errors.csv line 3 was rejected with [\"column 'area': the area is blank\"], "
        "none of which contains 'the area is missing': make the reason say what is wrong and in "
        "which column, or correct reason_contains",
        "bad/counts-errors.csv line 2 was accepted, but expected-rejections.jsonl says it is "
        "rejected with \"column 'referrals': 'lots' is not a whole number\": make map_row raise "
        "RecordError for it (or correct the line's locator)",
        "bad/counts-errors.csv line 4 was rejected (column 'referrals': 'lots' is not a whole "
        "number) but expected-rejections.jsonl does not say so: if that is right, add "
        '{"file": "counts-errors.csv", "locator": {"line": 4}, "reason_contains": '
        "\"column 'referrals': 'lots' is not a whole number\"}",
        "bad/counts-errors.csv line 5 was rejected (column 'year': Input should be greater than "
        "or equal to 2000 (got int '1999')) but expected-rejections.jsonl does not say so: if "
        'that is right, add {"file": "counts-errors.csv", "locator": {"line": 5}, '
        '"reason_contains": "column \'year\': Input should be greater than or equal to 2000 '
        "(got int '1999')\"}",
    )


def test_a_plugin_without_bad_samples_is_told_to_ship_some(tmp_path: Path) -> None:
    samples = _copy_samples(tmp_path)
    shutil.rmtree(samples / "bad")
    results = _results(_loaded(dataclasses.replace(good.SOURCE, samples=samples)))
    [problem] = results["bad-samples"].problems
    assert problem.startswith(
        f"no bad samples in {samples / 'bad'}: add an input with the mistakes"
    )


def test_a_fail_fast_source_still_has_every_bad_row_checked() -> None:
    strict = dataclasses.replace(good.SOURCE, on_bad_record="fail-fast", max_reject_rate=0.1)
    assert _failed(_results(_loaded(strict))) == set()


def test_a_whole_bad_file_can_be_declared_by_its_message(tmp_path: Path) -> None:
    samples = _copy_samples(tmp_path)
    (samples / "bad" / "no-header.csv").write_text("Name,Beds\nOak,4\n")
    with (samples / "bad" / "expected-rejections.jsonl").open("a") as handle:
        handle.write(
            json.dumps({"file": "no-header.csv", "locator": {}, "reason_contains": "no header row"})
            + "\n"
        )
    results = _results(_loaded(dataclasses.replace(good.SOURCE, samples=samples)))
    assert results["bad-samples"].passed, results["bad-samples"]


def test_a_crash_in_the_plugin_fails_the_check_naming_where_and_what_to_raise_instead() -> None:
    def crash(row: object) -> list[object]:
        raise RuntimeError("kaboom")

    results = _results(_loaded(dataclasses.replace(good.SOURCE, map_row=crash)))
    line = crash.__code__.co_firstlineno + 1
    assert results["unique-keys"].problems[0] == (
        f"map_row raised RuntimeError('kaboom') at {__file__}, line {line}, in crash "
        "(counts-2023.csv, line 2): raise RecordError(reason, column=...) for a row the plugin "
        "cannot accept, so the row is kept as a rejection; any other exception is a bug that "
        "fails the whole file"
    )


# --- the kit where plugin authors meet it ------------------------------------------------------------


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(HERE.parent / "support"), os.environ.get("PYTHONPATH", "")]
        ),
    }


def test_the_kit_is_a_pytest_plugin_with_store_and_conformance_fixtures(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["lif_core.testing"]\n')
    (tmp_path / "test_mine.py").write_text(
        "from broken_plugins import good\n\n"
        "def test_conforms(lif_conformance, lif_store):\n"
        "    assert len(lif_conformance(good, lif_store)) == 8\n"
        "    assert lif_store.max_notification_id() > 0\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout


def test_the_installed_example_plugin_conforms_through_its_entry_point() -> None:
    plugins = load_plugins(allow={"wyp-referrals"}, third_party=True)
    assert plugins.failures == []
    loaded = plugins.get("wyp-referrals")
    assert loaded.distribution == "lif-plugin-example"
    results = check_source(loaded)
    assert all(r.passed for r in results), "\n".join(map(str, results))


def test_the_example_plugins_own_tests_pass() -> None:
    tests = REPO / "plugins" / "lif-plugin-example" / "tests"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
        capture_output=True,
        text=True,
        cwd=tests.parent,
        env={**os.environ, "LIF_PLUGINS_THIRD_PARTY": "1"},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout and "failed" not in run.stdout


class _WithChildName(good.AreaCount):
    """The toy counts with a field named like a person's identifier."""

    child_name: str | None = Field(default=None, description="Never filled in.")


def test_a_field_named_like_a_personal_identifier_fails_unless_declared_personal() -> None:
    kind = dataclasses.replace(good.KIND, model=_WithChildName)
    undeclared = LoadedSource(
        dataclasses.replace(good.SOURCE, kinds=(kind,)), "toy", "lif-plugin-toy", "1.0"
    )
    results = _results(undeclared)
    assert "declaration" in _failed(results)
    assert results["declaration"].problems == (
        "kind 'area-count': field 'child_name' of _WithChildName is named like what identifies "
        "a person, but the kind does not declare it personal: remove it (or aggregate it), or "
        "declare it, RecordKind(..., personal_fields=('child_name',)) — it is then stored "
        "sealed under the record's own key, erasable, and never published",
    )
    declared_kind = dataclasses.replace(kind, personal_fields=("child_name",))
    declared = LoadedSource(
        dataclasses.replace(good.SOURCE, kinds=(declared_kind,)), "toy", "lif-plugin-toy", "1.0"
    )
    assert "declaration" not in _failed(_results(declared))
