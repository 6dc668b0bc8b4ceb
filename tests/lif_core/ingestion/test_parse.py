"""From a raw row to validated records or rejections: the plugin's mapping under the host's rules."""

from __future__ import annotations

import dataclasses
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from broken_plugins import good

from lif_core.errors import PluginError
from lif_core.ingestion import parse
from lif_core.ingestion.parse import (
    ParsedRecord,
    Rejection,
    content_hash,
    parse_file,
    parse_row,
    sensitive_findings,
)
from lif_core.plugins import Emit, RecordError, Row, ValidTime
from lif_core.privacy import detect
from lif_core.privacy.detect import (
    find_identifiers,
    may_hold_identifier,
    scan_identifiers,
)

MASK = "█"


def _row(**raw: Any) -> Row:
    values = {"year": raw.get("Year"), "area": raw.get("Area"), "referrals": raw.get("Referrals")}
    return Row(values=values, raw=raw, locator={"line": 7}, origin="in.csv")


def _parse(row: Row, source: Any = good.SOURCE) -> list[ParsedRecord | Rejection]:
    return list(parse_row(source, row))


def _never_called(row: Row) -> list[Emit]:
    raise AssertionError("map_row must not see a row the guard refused")


GUARDED = dataclasses.replace(good.SOURCE, map_row=_never_called)


# --- the sensitive data guard ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "what"),
    [
        ("Notes", "child's NHS no 943 476 5919 on file", "an NHS number"),
        ("Reference", "9434765919", "an NHS number"),
        ("Notes", "UPN A12345678901B", "a unique pupil number"),
        ("Date of birth", "04/03/2015", "a full date of birth"),
        ("DOB", "2015-03-04", "a full date of birth"),
        ("Contact", "jo.bloggs@example.org", "an email address"),
        ("Contact", "call 07700 900123.", "a phone number"),
        ("Contact", "0113 222 3333", "a phone number"),
    ],
)
def test_a_row_with_child_identifying_data_is_rejected_before_the_plugin_sees_it(
    column: str, value: str, what: str
) -> None:
    row = _row(Year="2024", Area="Leeds", Referrals="3", **{column: value})
    [rejection] = _parse(row, GUARDED)
    assert isinstance(rejection, Rejection)
    assert rejection.locator == {"line": 7}
    assert rejection.reasons == (
        f"column {column!r} holds what looks like {what}: personal data about a child must "
        "not enter the log in clear: remove it at the source or aggregate it; or, if the "
        "source must keep it, its plugin declares the field personal "
        "(RecordKind.personal_fields), and it is then stored sealed under the record's own "
        "key, erasable, and never published",
    )


def test_the_kept_raw_row_has_the_sensitive_value_masked_and_the_rest_intact() -> None:
    row = _row(Year="2024", Area="Leeds", Notes="NHS 943 476 5919, mum jo@example.org")
    [rejection] = _parse(row, GUARDED)
    assert isinstance(rejection, Rejection)
    assert rejection.raw["Notes"] == f"NHS {MASK * 12}, mum {MASK * 14}"
    assert rejection.raw["Area"] == "Leeds" and rejection.raw["Year"] == "2024"
    assert "5919" not in repr(rejection) and "jo@example.org" not in repr(rejection)
    assert len(rejection.reasons) == 1  # one reason per column, the first finding


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("Reference", "9434765918"),  # ten digits, but the mod-11 check digit is wrong
        ("Reference", "4010232138"),
        ("Inspection date", "2015-03-04"),  # a full date, but not in a date-of-birth column
        ("Year of birth", "2015"),  # a year alone identifies no one
        ("Referrals", 1203),
        ("Ratio", "0.7700900123"),
        ("Notes", "no digits at all"),
    ],
)
def test_values_that_only_look_alike_pass_the_guard(column: str, value: Any) -> None:
    assert sensitive_findings(column, value) == []


def test_an_nhs_number_needs_a_valid_mod_11_check_digit() -> None:
    assert sensitive_findings("x", "943 476 5919") == [("an NHS number", "943 476 5919")]
    assert sensitive_findings("x", "943 476 5918") == []
    assert sensitive_findings("x", 9434765919) == [("an NHS number", "9434765919")]


def test_the_quick_pre_check_never_hides_a_finding() -> None:
    """Cells the pre-check lets through unexamined give what the full patterns would give."""
    rng = random.Random(20250331)
    alphabet = "0123456789" * 6 + " .-/+@AHZ\tx()"
    found = 0
    for _ in range(30_000):
        text = rng.choice(("", "", "+44 ", "07", "0113 ", "(0113) ")) + "".join(
            rng.choice(alphabet) for _ in range(rng.randint(1, 24))
        )
        assert find_identifiers(text) == scan_identifiers(text), text
        found += bool(scan_identifiers(text))
    assert found > 300  # the strings did exercise the patterns


def test_the_row_pre_check_never_passes_a_row_with_a_finding() -> None:
    """Rows the one-search pre-check lets through hold no cell the guard would find anything in."""
    rng = random.Random(20261128)
    alphabet = "0123456789" * 6 + " .-/+@AHZ\tx\n"
    found = 0
    for _ in range(20_000):
        raw: dict[str, Any] = {}
        for i in range(rng.randint(1, 5)):
            text = rng.choice(("", "", "+44 ", "07", "0113 ", "SC")) + "".join(
                rng.choice(alphabet) for _ in range(rng.randint(0, 16))
            )
            raw[rng.choice(("Notes", "Reference", "DOB", "Count")) + str(i)] = rng.choice(
                (text, text, None, rng.randint(0, 10**11))
            )
        hits = any(sensitive_findings(c, v) for c, v in raw.items())
        if hits:
            found += 1
            assert parse._may_hold_sensitive(raw), raw
    assert found > 500


def test_the_quick_row_search_answers_as_the_regular_expression_does() -> None:
    """The ASCII shortcut of the pre-check finds a match exactly where the pattern does,
    including the separators Python counts as spaces (\\x1c-\\x1f) and non-ASCII digits."""
    rng = random.Random(28112026)
    alphabet = "0123456789" * 4 + " \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0-./()@a9٣\u2003"
    hits = 0
    for _ in range(30_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        expected = detect._SUSPECT.search(text) is not None
        assert may_hold_identifier(text) == expected, repr(text)
        hits += expected
    assert 3_000 < hits < 27_000  # both answers were exercised


def test_blank_and_boolean_cells_are_never_findings() -> None:
    assert sensitive_findings("DOB", None) == []
    assert sensitive_findings("DOB", True) == []


# --- mapping and validation ------------------------------------------------------------------


def test_a_good_row_becomes_a_record_with_key_valid_time_hash_and_locator() -> None:
    [record] = _parse(_row(Year="2024", Area="Leeds", Referrals="12"))
    assert isinstance(record, ParsedRecord)
    assert record.kind == "area-count"
    assert record.record_key == "2024/leeds"
    assert record.valid_time == ValidTime(date(2024, 1, 1), date(2024, 12, 31))
    assert record.attributes == {"year": 2024, "area": "Leeds", "referrals": 12}
    assert record.content_hash == content_hash({"referrals": 12, "area": "Leeds", "year": 2024})
    assert record.locator == {"line": 7}
    assert record.scope is None and record.as_of is None
    assert record.stated_on == date(2024, 1, 1)


def test_a_record_error_names_the_column_and_keeps_the_raw_row() -> None:
    raw = {"Year": "2024", "Area": "Leeds", "Referrals": "many"}
    [rejection] = _parse(_row(**raw))
    assert isinstance(rejection, Rejection)
    assert rejection.reasons == ("column 'referrals': 'many' is not a whole number",)
    assert rejection.raw == raw


def test_a_validation_error_says_field_problem_and_what_was_given() -> None:
    [rejection] = _parse(_row(Year="1999", Area="Leeds", Referrals="3"))
    assert isinstance(rejection, Rejection)
    assert rejection.kind == "area-count"
    assert rejection.reasons == (
        "column 'year': Input should be greater than or equal to 2000 (got int '1999')",
    )


def test_every_record_of_a_row_is_validated_on_its_own() -> None:
    def two(row: Row) -> list[Emit]:
        return [
            Emit("area-count", {"year": 2024, "area": "Leeds", "referrals": 1}),
            Emit("area-count", {"year": 2024, "area": "York", "referrals": -1}),
        ]

    items = _parse(_row(Year="2024"), dataclasses.replace(good.SOURCE, map_row=two))
    assert [type(i).__name__ for i in items] == ["ParsedRecord", "Rejection"]
    assert "column 'referrals': Input should be greater than or equal to 0" in items[1].reasons[0]


def test_a_blank_key_or_a_key_function_refusal_rejects_the_record() -> None:
    blank = dataclasses.replace(good.KIND, key=lambda r: "")
    [rejection] = _parse(_row(Year="2024", Area="A", Referrals="1"), _with_kind(blank))
    assert isinstance(rejection, Rejection) and rejection.reasons == ("the record key is blank",)

    def refuse(record: Any) -> str:
        raise RecordError("the area code is unknown", column="area")

    [rejection] = _parse(
        _row(Year="2024", Area="A", Referrals="1"),
        _with_kind(dataclasses.replace(good.KIND, key=refuse)),
    )
    assert isinstance(rejection, Rejection) and rejection.reasons == ("the area code is unknown",)


def test_an_emit_of_an_undeclared_kind_is_an_error_naming_the_kinds() -> None:
    def wrong(row: Row) -> list[Emit]:
        return [Emit("other", {})]

    with pytest.raises(PluginError) as caught:
        _parse(_row(), dataclasses.replace(good.SOURCE, map_row=wrong))
    assert caught.value.kind == "plugin-bug"
    assert caught.value.message.startswith(
        "map_row emitted the kind 'other', which the source does not declare (it declares: "
        "area-count): correct the Emit's kind, or declare the kind"
    )


def test_as_of_dates_the_statement_apart_from_the_valid_time() -> None:
    def stated(row: Row) -> list[Emit]:
        [emit] = good.map_row(row)
        return [Emit(emit.kind, emit.fields, as_of=date(2025, 2, 1))]

    [record] = _parse(
        _row(Year="2024", Area="Leeds", Referrals="1"),
        dataclasses.replace(good.SOURCE, map_row=stated),
    )
    assert isinstance(record, ParsedRecord)
    assert record.as_of == date(2025, 2, 1) == record.stated_on
    assert record.valid_time.valid_from == date(2024, 1, 1)


def test_content_hash_ignores_key_order_and_sees_every_value() -> None:
    assert content_hash({"a": 1, "b": "x"}) == content_hash({"b": "x", "a": 1})
    assert content_hash({"a": 1, "b": "x"}) != content_hash({"a": 1, "b": "y"})
    assert content_hash({"day": date(2024, 1, 2)}) == content_hash({"day": "2024-01-02"})


def test_parse_file_reads_the_file_and_stops_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Year,Area,Referrals\n2024,A,1\n2024,B,x\n2024,C,3\n", encoding="utf-8")
    items = list(parse_file(good.SOURCE, path))
    assert [type(i).__name__ for i in items] == ["ParsedRecord", "Rejection", "ParsedRecord"]
    assert [i.locator for i in items] == [{"line": 2}, {"line": 3}, {"line": 4}]
    assert len(list(parse_file(good.SOURCE, path, limit=1))) == 1


def _with_kind(kind: Any) -> Any:
    return dataclasses.replace(good.SOURCE, kinds=(kind,))


def test_a_declared_personal_column_passes_the_guard_and_the_others_do_not() -> None:
    # The area column feeds a field declared personal: what it holds is sealed and never
    # published, so the guard lets it through; an identifier in any other cell is refused.
    source = _with_kind(dataclasses.replace(good.KIND, personal_fields=("area",)))
    row = _row(Year="2024", Area="jo.bloggs@example.org", Referrals="3")
    [record] = parse_row(source, row)
    assert isinstance(record, ParsedRecord) and record.attributes["area"] == "jo.bloggs@example.org"
    row = _row(Year="2024", Area="Leeds", Referrals="3", Contact="jo.bloggs@example.org")
    [rejection] = parse_row(source, row)
    assert isinstance(rejection, Rejection)
    assert rejection.reasons[0].startswith("column 'Contact' holds what looks like an email")
