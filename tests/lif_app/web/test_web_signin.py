"""Sign-in at the HTTP level: a real OpenID Connect provider, `lif serve --signin`, cookies, forms.

Each person signs in through the provider's authorisation page, as a browser would (httpx follows
what a browser follows and keeps its cookies); decisions are sent as the forms send them.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from oidc_test_provider import (
    ICB,
    LCC,
    LCH,
    SignedInServer,
    oidc_provider,
    sign_in,
    signin_server,
)

from lif_core.audit.pack import check_pack
from lif_core.decisions import DECISIONS, Creation
from lif_core.domain import Action, Learning
from lif_core.eventlog.store import Store

# An item of each kind to try every decision on.
ITEM = {
    "learning": "DD-2025-01/F02",
    "action": "ACT-2025-035",
    "measure": "MEA-ICPC-15WD",
    "partner": "LCH",
    "priority": "PRI-2025-01",
}


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider() as url:
        yield url


@pytest.fixture(scope="module")
def server(issuer, demo_store, tmp_path_factory) -> Iterator[SignedInServer]:
    demo_db = Path(demo_store.url.removeprefix("sqlite:///"))
    workdir = tmp_path_factory.mktemp("signin-http")
    with signin_server(issuer, demo_db, demo_store.home, workdir) as running:
        yield running


def client() -> httpx.Client:
    return httpx.Client(timeout=20)


@contextlib.contextmanager
def signed_in(server: SignedInServer, subject: str) -> Iterator[httpx.Client]:
    with client() as browser:
        answer = sign_in(browser, server, subject)
        assert answer.status_code == 303, answer.text
        yield browser


def form_fields(page: httpx.Response) -> dict[str, str]:
    """The hidden fields of the decision form on a page (CSRF token, version)."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))


def form_page(browser: httpx.Client, url: str) -> dict[str, str]:
    """Open a form's page (it must be shown) and return its hidden fields."""
    page = browser.get(url)
    assert page.status_code == 200, page.text
    return form_fields(page)


def versions(server: SignedInServer, cls: type[Any], reference: str) -> int:
    with Store(server.store_url) as store:
        return int(store.get(cls, cls.stream_id(reference)).version)


def last_event(server: SignedInServer, cls: type[Any], reference: str) -> Any:
    with Store(server.store_url) as store:
        item = store.get(cls, cls.stream_id(reference))
        rows = store.recorder.select_events(item.id, desc=True, limit=1)
        return store.decode(rows[0])


# --- signing in ---------------------------------------------------------------------------------


def test_without_a_session_a_page_sends_you_to_sign_in_and_the_api_says_401(server):
    with client() as anonymous:
        page = anonymous.get(server.base + "/register?themes=Neglect")
        api = anonymous.get(server.base + "/api/v1/learning-register")
        form = anonymous.post(server.base + "/decide/learning/accept/LRN-2025-019", data={})

    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fregister%3Fthemes%3DNeglect"
    assert api.status_code == 401
    assert api.json()["error"]["message"].startswith("sign in first")
    assert form.status_code == 401


def test_signing_in_sets_a_signed_http_only_same_site_cookie_and_returns_to_the_page(server):
    with client() as browser:
        back = sign_in(browser, server, "bu-ruth", next_path="/register?themes=Neglect")
        cookie = back.headers["set-cookie"]
        page = browser.get(server.base + "/register?themes=Neglect")

    assert back.status_code == 303 and back.headers["location"] == "/register?themes=Neglect"
    assert cookie.startswith("lif-session=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower(), "http://127.0.0.1: not Secure (https would be)"
    assert page.status_code == 200
    assert "Ruth Ahmed" in page.text and "business unit" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["x-content-type-options"] == "nosniff"


def test_a_tampered_cookie_is_no_session(server):
    with signed_in(server, "bu-ruth") as browser:
        value = browser.cookies["lif-session"]
    forged = value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")
    with client() as other:
        other.cookies.set("lif-session", forged, domain="127.0.0.1")
        page = other.get(server.base + "/register")

    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_a_person_the_settings_give_no_role_is_refused_at_sign_in(server):
    with client() as browser:
        back = sign_in(browser, server, "nia-no-role")
        after = browser.get(server.base + "/register")

    assert back.status_code == 403
    assert "you signed in as Nia Evans (nia-no-role at " in back.text
    assert "no role in LIF is given to your account" in back.text
    assert after.status_code == 303, "no session was kept"


def test_signing_out_ends_the_session_and_offers_the_providers_sign_out(server):
    with signed_in(server, "viewer-vic") as browser:
        token = form_page(browser, server.base + "/register")["csrf_token"]
        without = browser.post(server.base + "/logout", data={})
        out = browser.post(server.base + "/logout", data={"csrf_token": token})
        page = browser.get(server.base + "/signed-out")
        after = browser.get(server.base + "/register")

    assert without.status_code == 403, "signing out is a form like any other"
    assert out.status_code == 303 and out.headers["location"] == "/signed-out"
    assert "You are signed out" in page.text
    assert f'href="{server.issuer}/oauth2/end_session?client_id=' in page.text
    assert after.status_code == 303


def test_a_next_page_on_another_site_is_not_followed(server):
    with client() as browser:
        back = sign_in(browser, server, "viewer-vic", next_path="//evil.example/x")

    assert back.headers["location"] == "/"


# --- a partner ----------------------------------------------------------------------------------


def test_a_partner_records_progress_on_its_own_agencys_action(server):
    before = versions(server, Action, "ACT-2025-035")
    with signed_in(server, "icb-priya") as browser:
        action = browser.get(server.base + "/actions/ACT-2025-035")
        assert 'href="/decide/action/progress/ACT-2025-035"' in action.text
        assert 'href="/decide/action/reschedule/' not in action.text, "the business unit's"
        form = form_page(browser, server.base + "/decide/action/progress/ACT-2025-035")
        sent = browser.post(
            server.base + "/decide/action/progress/ACT-2025-035",
            data={
                **form,
                "note": "GP practices briefed; route agreed with 3 of 5 schools.",
                "rag": "amber",
            },
        )
        page = browser.get(server.base + "/actions/ACT-2025-035")
        api = browser.get(server.base + "/api/v1/action-status/ACT-2025-035").json()

    assert sent.status_code == 303
    assert sent.headers["location"] == "/actions/ACT-2025-035#trail"
    assert int(form["expected_version"]) == before
    event = last_event(server, Action, "ACT-2025-035")
    assert type(event).__qualname__ == "Action.ProgressReported"
    assert json.loads(event.actor.removeprefix("web:")) == {
        "iss": server.issuer,
        "sub": "icb-priya",
        "name": "Priya Shah",
        "role": "partner",
        "agency": ICB,
    }
    assert event.note == "GP practices briefed; route agreed with 3 of 5 schools."
    assert f"Recorded: Action.ProgressReported on ACT-2025-035 (version {before + 1})" in page.text
    assert f"Priya Shah (partner, {ICB}; signed in at {server.issuer} as icb-priya)" in page.text
    assert api["action"]["reported_rag"] == "amber", "the read tables show it at once"
    assert api["trail"]["events"][-1]["actor"] == event.actor


def test_a_partner_is_refused_another_agencys_action_at_the_http_level(server):
    before = versions(server, Action, "ACT-2025-101")
    with signed_in(server, "icb-priya") as browser:
        token = form_page(browser, server.base + "/register")["csrf_token"]
        page = browser.get(server.base + "/decide/action/progress/ACT-2025-101")
        sent = browser.post(
            server.base + "/decide/action/progress/ACT-2025-101",
            data={"csrf_token": token, "expected_version": str(before), "note": "Not ours"},
        )
        action = browser.get(server.base + "/actions/ACT-2025-101")

    for refused in (page, sent):
        assert refused.status_code == 403
        assert (
            f"`action progress` is for {LCC} here: this is {LCC}&#39;s action, and you record "
            f"for {ICB} only" in refused.text
        )
    assert versions(server, Action, "ACT-2025-101") == before, "nothing was written"
    assert "/decide/action/progress/ACT-2025-101" not in action.text
    assert "The audit trail of an action of Leeds City Council" in action.text


def test_a_partner_acts_on_its_actions_under_any_name_the_register_gives_it(server):
    """Signed in as "Leeds Community Healthcare NHS Trust", a partner sees and records on the
    actions the trackers say are "LCH"'s: one partner, by the register's aliases."""
    with Store(server.store_url) as store, store.read() as tx:
        rows = tx.execute(
            "SELECT reference, owner_agency FROM action_status WHERE owner_partner = 'LCH' "
            "AND status IN ('open', 'in-progress') ORDER BY reference"
        ).fetchall()
    spelled = {str(r[0]): str(r[1]) for r in rows}
    reference = next(r for r, agency in spelled.items() if agency != LCH)  # written otherwise
    before = versions(server, Action, reference)
    with signed_in(server, "lch-lee") as browser:
        action = browser.get(server.base + f"/actions/{reference}")
        form = form_page(browser, server.base + f"/decide/action/progress/{reference}")
        sent = browser.post(
            server.base + f"/decide/action/progress/{reference}",
            data={**form, "note": "Policy drafted; out for consultation.", "rag": "green"},
        )
        other = browser.get(server.base + "/decide/action/progress/ACT-2025-101")

    assert f'href="/decide/action/progress/{reference}"' in action.text
    assert "The audit trail of an action of" not in action.text  # the trail is shown
    assert sent.status_code == 303, sent.text
    event = last_event(server, Action, reference)
    assert type(event).__qualname__ == "Action.ProgressReported"
    assert json.loads(event.actor.removeprefix("web:"))["agency"] == LCH
    assert versions(server, Action, reference) == before + 1
    assert other.status_code == 403  # Leeds City Council's action is still not theirs


def test_a_partner_is_refused_every_learning_decision_but_its_own_cascade(server):
    with signed_in(server, "lcc-tom") as browser:
        token = form_page(browser, server.base + "/register")["csrf_token"]
        answers = [
            browser.post(
                server.base
                + f"/decide/learning/{d.name}"
                + ("" if isinstance(d, Creation) else "/" + ITEM["learning"]),
                data={"csrf_token": token, "expected_version": "1", "rationale": "try"},
            )
            for d in DECISIONS
            if d.group == "learning" and d.name != "cascade"
        ]
        other = browser.post(
            server.base + f"/decide/learning/cascade/{ITEM['learning']}",
            data={
                "csrf_token": token,
                "expected_version": "1",
                "partner": "West Yorkshire Police",
                "channel": "training",
            },
        )

    assert other.status_code == 403  # a partner confirms its own cascade, no one else's
    assert "is for West Yorkshire Police here" in other.text
    assert {a.status_code for a in answers} == {403}
    assert all("is the business unit&#39;s decision" in a.text for a in answers)


# --- CSRF and origins ---------------------------------------------------------------------------


def test_a_form_without_its_csrf_token_or_from_another_site_is_refused(server):
    url = server.base + "/decide/learning/prioritise/LRN-2025-019"
    before = versions(server, Learning, "LRN-2025-019")
    with signed_in(server, "bu-ruth") as browser:
        form = form_page(browser, url)
        decision = {
            "expected_version": form["expected_version"],
            "priority": "low",
            "rationale": "r",
        }
        missing = browser.post(url, data=decision)
        token = form["csrf_token"]
        # One character changed, always (a token that already began with "x" once made this
        # "wrong" token the right one: the test failed one run in 64).
        altered = ("y" if token[0] == "x" else "x") + token[1:]
        assert altered != token
        wrong = browser.post(url, data={**decision, "csrf_token": altered})
        foreign = browser.post(
            url, data={**decision, **form}, headers={"Origin": "https://evil.example"}
        )
        cross_site = browser.post(
            url,
            data={**decision, **form},
            headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        )

    for refused in (missing, wrong):
        assert refused.status_code == 403
        assert "the form carried no valid CSRF token, so nothing was recorded" in refused.text
    for refused in (foreign, cross_site):
        assert refused.status_code == 403
        assert "this form was sent from another site" in refused.text
    assert versions(server, Learning, "LRN-2025-019") == before


def test_another_persons_csrf_token_is_not_yours(server):
    url = server.base + "/decide/learning/prioritise/LRN-2025-019"
    with signed_in(server, "bu-ruth") as ruth, signed_in(server, "bu-ruth") as again:
        theirs = form_page(ruth, url)
        mine = form_page(again, url)
        sent = again.post(
            url,
            data={**mine, "csrf_token": theirs["csrf_token"], "priority": "low", "rationale": "r"},
        )

    assert theirs["csrf_token"] != mine["csrf_token"]
    assert sent.status_code == 403


# --- the business unit --------------------------------------------------------------------------


def test_a_stale_form_is_refused_with_what_changed_and_shown_again(server):
    url = server.base + "/decide/learning/prioritise/CSPR-2024-02/LP04"
    with signed_in(server, "bu-ruth") as first, signed_in(server, "bu-ruth") as second:
        old = form_page(first, url)
        stale = form_page(second, url)
        done = first.post(
            url, data={**old, "priority": "high", "rationale": "Two reviews found it"}
        )
        late = second.post(url, data={**stale, "priority": "low", "rationale": "Rare here"})

    assert done.status_code == 303
    assert late.status_code == 409
    version = int(stale["expected_version"])
    assert (
        f"CSPR-2024-02/LP04 changed after v{version}, the version this decision was made on: "
        f"v{version + 1} Learning.Prioritised by Ruth Ahmed (business unit; signed in at "
        f"{server.issuer} as bu-ruth) at " in late.text
    )
    assert ">Rare here</textarea>" in late.text, "the values typed are kept"
    assert form_fields(late)["expected_version"] == str(version + 1), "shown again as it is now"
    event = last_event(server, Learning, "CSPR-2024-02/LP04")
    assert (event.priority, event.rationale) == ("high", "Two reviews found it")


def test_a_decision_needing_a_rationale_is_refused_without_one_and_keeps_the_values(server):
    url = server.base + "/decide/learning/accept/DD-2025-01/F02"
    before = versions(server, Learning, "DD-2025-01/F02")
    with signed_in(server, "bu-ruth") as browser:
        page = browser.get(url)
        form = form_fields(page)
        blank = browser.post(url, data={**form, "rationale": "   "})
        cited = browser.post(url, data={**form, "rationale": "Agreed", "evidence": "not-a-uuid"})

    assert 'name="rationale" rows="4" aria-describedby="d-rationale-help" required' in page.text
    assert blank.status_code == cited.status_code == 409
    assert "accepting needs a rationale" in blank.text
    assert "evidence &#39;not-a-uuid&#39; is not a source record id" in cited.text
    assert ">Agreed</textarea>" in cited.text and ">not-a-uuid</textarea>" in cited.text
    assert versions(server, Learning, "DD-2025-01/F02") == before


def test_a_value_that_does_not_parse_is_a_400_naming_it(server):
    url = server.base + "/decide/action/reschedule/ACT-2025-035"
    with signed_in(server, "bu-ruth") as browser:
        form = form_page(browser, url)
        sent = browser.post(url, data={**form, "due": "30/09", "rationale": "later"})

    assert sent.status_code == 400
    assert "--due &#39;30/09&#39; is not a date like 2025-03-31" in sent.text


def test_the_business_unit_raises_an_action_from_a_learning_item(server):
    with signed_in(server, "bu-ruth") as browser:
        item = browser.get(server.base + "/learning/LRN-2025-019")
        assert 'href="/decide/action/raise?learning=LRN-2025-019"' in item.text
        page = browser.get(server.base + "/decide/action/raise?learning=LRN-2025-019")
        form = form_fields(page)
        sent = browser.post(
            server.base + "/decide/action/raise",
            data={
                **form,
                "description": "Brief GP practices on the learning.",
                "owner_agency": ICB,
                "due": "2026-03-31",
                "learning": "LRN-2025-019",
                "ref": "ACT-2026-900",
                "raised_on": "2025-12-01",
            },
        )
        raised = browser.get(server.base + "/actions/ACT-2026-900")

    assert 'value="LRN-2025-019"' in page.text and "expected_version" not in form
    assert sent.status_code == 303 and sent.headers["location"] == "/actions/ACT-2026-900#trail"
    assert raised.status_code == 200 and "Brief GP practices on the learning." in raised.text
    event = last_event(server, Action, "ACT-2026-900")
    assert json.loads(event.actor.removeprefix("web:"))["role"] == "business-unit"


# --- an auditor and a viewer --------------------------------------------------------------------


def test_an_auditor_opens_every_trail(server):
    with signed_in(server, "audit-ann") as browser:
        learning = browser.get(server.base + "/api/v1/learning-register?limit=1000").json()["rows"]
        actions = browser.get(server.base + "/api/v1/action-status?limit=1000").json()["rows"]
        trails = {
            row["reference"]: browser.get(
                server.base + f"/api/v1/{table}/{row['reference']}"
            ).json()["trail"]
            for table, rows in (("learning-register", learning), ("action-status", actions))
            for row in rows
        }
        measures = {
            row["measure"]
            for row in browser.get(server.base + "/api/v1/impact-monitoring?limit=1000").json()[
                "rows"
            ]
        }
        measure_pages = [browser.get(server.base + f"/measures/{m}").text for m in sorted(measures)]
        page = browser.get(server.base + "/actions/ACT-2025-101")

    assert len(measure_pages) == 5
    assert all('<ol class="timeline"' in text for text in measure_pages)
    assert len(trails) == len(learning) + len(actions) >= 20
    assert all(t and t.get("events") and t["intact"] for t in trails.values()), [
        r for r, t in trails.items() if not (t and t.get("events"))
    ]
    assert 'class="timeline"' in page.text and "/decide/" not in page.text


def test_an_auditor_downloads_a_pack_that_checks(server, tmp_path):
    with signed_in(server, "audit-ann") as browser:
        answer = browser.get(server.base + "/audit/pack/LRN-2025-015")

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"] == 'attachment; filename="pack-LRN-2025-015.zip"'
    zipfile.ZipFile(io.BytesIO(answer.content)).extractall(tmp_path)
    report = check_pack(tmp_path / "pack-LRN-2025-015")
    assert report.ok, report


def test_an_auditor_is_refused_every_form_and_write(server):
    references = {d.key: "" if isinstance(d, Creation) else "/" + ITEM[d.group] for d in DECISIONS}
    before = {
        g: versions(server, c, ITEM[g]) for g, c in (("learning", Learning), ("action", Action))
    }
    with signed_in(server, "audit-ann") as browser:
        token = form_page(browser, server.base + "/register")["csrf_token"]
        pages = {
            d.key: browser.get(server.base + f"/decide/{d.group}/{d.name}{references[d.key]}")
            for d in DECISIONS
        }
        sent = {
            d.key: browser.post(
                server.base + f"/decide/{d.group}/{d.name}{references[d.key]}",
                data={"csrf_token": token, "expected_version": "1", "rationale": "r", "note": "n"},
            )
            for d in DECISIONS
        }
        other = browser.put(server.base + "/api/v1/learning-register/LRN-2025-014")

    for key, answer in [*pages.items(), *sent.items()]:
        assert answer.status_code == 403, key
        assert "that role reads but changes nothing" in answer.text, key
    assert other.status_code == 405
    assert before == {
        g: versions(server, c, ITEM[g]) for g, c in (("learning", Learning), ("action", Action))
    }


def test_a_viewer_reads_the_register_and_report_cards_only(server):
    with signed_in(server, "viewer-vic") as browser:
        register = browser.get(server.base + "/register")
        impact = browser.get(server.base + "/impact")
        item = browser.get(server.base + "/api/v1/learning-register/LRN-2025-014").json()
        sources = browser.get(server.base + "/sources")
        rejections = browser.get(server.base + "/api/v1/rejections")
        pack = browser.get(server.base + "/audit/pack/LRN-2025-014")
        page = browser.get(server.base + "/learning/LRN-2025-014")

    assert register.status_code == impact.status_code == 200
    assert 'href="/sources"' not in register.text, "the navigation offers only what they read"
    assert item["trail"]["unavailable"].startswith("The audit trail names the people who decided")
    assert sources.status_code == rejections.status_code == pack.status_code == 403
    assert "are for the business unit and auditors: you are signed in as viewer" in sources.text
    assert rejections.json()["error"]["status"] == 403
    assert 'class="timeline"' not in page.text and "/audit/pack/" not in page.text


# --- the command line beside it -----------------------------------------------------------------


def test_a_command_line_decision_cannot_pass_for_a_signed_in_one(server):
    forged = last_event(server, Action, "ACT-2025-035").actor  # a signed-in partner's actor
    lif = Path(sys.executable).with_name("lif")
    done = subprocess.run(
        [str(lif), "action", "progress", "ACT-2025-035", "--note", "typed", "--json"],
        capture_output=True,
        text=True,
        env={"LIF_STORE": server.store_url, "LIF_ACTOR": forged, "PATH": ""},
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["actor"] == "cli:" + forged


def test_the_published_report_names_no_one_who_signed_in(server, tmp_path):
    lif = Path(sys.executable).with_name("lif")
    env = {
        "LIF_STORE": server.store_url,
        "LIF_HOME": str(tmp_path / "home"),
        "LIF_ACTOR": "report.builder",
        "PATH": "",
    }
    for command in (["project"], ["audit", "seal"], ["report", "--out", str(tmp_path / "r")]):
        done = subprocess.run(
            [str(lif), *command], capture_output=True, text=True, env=env, timeout=300
        )
        assert done.returncode == 0, done.stderr
    text = "".join(
        p.read_text(encoding="utf-8") for p in (tmp_path / "r").rglob("*") if p.is_file()
    )

    assert "ACT-2025-035" in text
    for name in ("Priya Shah", "icb-priya", "Ruth Ahmed", "bu-ruth", "web:", server.issuer):
        assert name not in text


def test_a_pack_past_the_latest_seal_is_refused_to_an_auditor_and_sealed_by_the_business_unit(
    server, tmp_path
):
    url = server.base + "/decide/learning/prioritise/LRN-2025-016"
    with signed_in(server, "bu-ruth") as ruth, signed_in(server, "audit-ann") as ann:
        form = form_page(ruth, url)
        assert ruth.post(url, data={**form, "priority": "low", "rationale": "r"}).status_code == 303
        refused = ann.get(server.base + "/audit/pack/LRN-2025-016")
        sealed = ruth.get(server.base + "/audit/pack/LRN-2025-016")
        after = ann.get(server.base + "/audit/pack/LRN-2025-016")

    assert refused.status_code == 409
    assert "the trail of LRN-2025-016 reaches past the latest seal" in refused.text
    assert sealed.status_code == after.status_code == 200
    zipfile.ZipFile(io.BytesIO(after.content)).extractall(tmp_path)
    seal = json.loads((tmp_path / "pack-LRN-2025-016" / "seal.json").read_text())
    assert json.loads(seal["actor"].removeprefix("web:"))["sub"] == "bu-ruth"
    assert check_pack(tmp_path / "pack-LRN-2025-016").ok
