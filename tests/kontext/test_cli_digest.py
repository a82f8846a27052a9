"""`kontext subscribers` and `kontext digest send` as staff run them: real processes, a real SMTP
server, a real Meilisearch; one-line errors; a run killed mid-way and rerun sends each mail once."""

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from digest.searches import saved_search
from digest.subscribers import Subscribers
from kontext.settings import load_settings
from kontext.store import Store
from tests.conftest import KONTEXT, REPO, run_kontext
from tests.digest.helpers import NOW, Inbox, make_event, smtp_server, wait_for

pytestmark = pytest.mark.meili


@pytest.fixture
def env(kontext_env: dict[str, str]) -> dict[str, str]:
    return {
        **kontext_env,
        "KONTEXT_SECRET_KEY": "cli-test-secret-0123456789",
        "KONTEXT_BASE_URL": "https://k.example",
    }


@pytest.fixture
def inbox() -> Iterator[tuple[int, Inbox]]:
    with smtp_server() as (controller, box):
        yield controller.port, box


def one_line_error(result: subprocess.CompletedProcess, says: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("kontext: ") and says in lines[0], result.stderr


def prepare(env: dict[str, str], subscribers: int) -> list[str]:
    """Events in the store (not yet indexed: the command must index them) and confirmed subscribers."""
    settings = load_settings(env)
    store = Store.from_settings(settings)
    try:
        store.upsert_events([make_event(n) for n in range(1, 4)], now=NOW - timedelta(days=1))
        people = [f"person{n:02d}@example.org" for n in range(subscribers)]
        Subscribers(store).add_many([(p, saved_search({"sector": "machinery"}), "de") for p in people], NOW)
        return people
    finally:
        store.close()


def test_staff_add_list_and_remove_subscribers(env: dict[str, str]) -> None:
    search = ["--sector", "machinery", "--near", "Hannover", "--km", "50"]
    added = run_kontext(env, "subscribers", "add", "Anna@Example.org", *search, "--lang", "en")
    assert added.returncode == 0, added.stderr
    assert "anna@example.org (pending)" in added.stdout and "confirmation mail written" in added.stdout
    (confirmation,) = (Path(env["KONTEXT_HOME"]) / "outbox").glob("*.eml")
    mail = email.message_from_bytes(confirmation.read_bytes(), policy=email.policy.default)
    assert (
        mail["To"] == "anna@example.org"
        and "https://k.example/confirm/" in mail.get_body(("plain",)).get_content()
    )

    confirmed = run_kontext(env, "subscribers", "add", "ben@example.org", "--confirmed", "--topic", "ai")
    assert confirmed.returncode == 0 and "(confirmed)" in confirmed.stdout
    listed = json.loads(run_kontext(env, "subscribers", "list", "--json").stdout)
    assert [(entry["email"], entry["status"], entry["language"]) for entry in listed] == [
        ("anna@example.org", "pending", "en"),
        ("ben@example.org", "confirmed", "de"),
    ]
    assert listed[0]["search"] == {"km": ["50"], "near": ["Hannover"], "sector": ["machinery"]}
    table = run_kontext(env, "subscribers", "list").stdout
    assert "within 50 km of Hannover" in table

    assert run_kontext(env, "subscribers", "remove", "anna@example.org").returncode == 0
    assert [
        entry["email"] for entry in json.loads(run_kontext(env, "subscribers", "list", "--json").stdout)
    ] == ["ben@example.org"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["subscribers", "add", "not-an-address"], "not a valid email address"),
        (["subscribers", "add", "a@example.org", "--sector", "nonsense"], "sector='nonsense'"),
        (["subscribers", "add", "a@example.org", "--near", "Atlantis", "--km", "5"], "no such town"),
        (["subscribers", "add", "a@example.org", "--km", "5"], "--km needs --near"),
        (["subscribers", "remove", "nobody@example.org"], "no subscriber"),
        (["digest", "send"], "SMTP_URL is not set"),
        (["digest", "send", "--dry-run", "out", "--now", "next tuesday"], "--now"),
    ],
)
def test_user_mistakes_are_one_line_errors(env: dict[str, str], args: list[str], says: str) -> None:
    one_line_error(run_kontext(env, *args), says)


def test_dry_run_then_send_then_rerun(env: dict[str, str], inbox, tmp_path: Path) -> None:
    port, box = inbox
    people = prepare(env, 3)
    now = NOW.isoformat()
    dry = run_kontext(env, "digest", "send", "--now", now, "--dry-run", str(tmp_path / "eml"))
    assert dry.returncode == 0, dry.stderr
    assert f"wrote 3 to {tmp_path / 'eml'}" in dry.stdout
    assert len(list((tmp_path / "eml").glob("*.eml"))) == 3 and not box.messages

    smtp = {**env, "SMTP_URL": f"smtp://127.0.0.1:{port}"}
    sent = run_kontext(smtp, "digest", "send", "--now", now)
    assert sent.returncode == 0, sent.stderr
    assert "digest 2027-W09: sent 3, already sent 0" in sent.stdout
    assert sorted(box.to()) == people
    again = run_kontext(smtp, "digest", "send", "--now", (NOW + timedelta(hours=2)).isoformat())
    assert "sent 0, already sent 3" in again.stdout and len(box.messages) == 3


def test_a_run_killed_mid_way_and_rerun_sends_every_mail_exactly_once(env: dict[str, str], inbox) -> None:
    port, box = inbox
    people = prepare(env, 8)
    box.accept, box.stall = 3, threading.Event()  # from the 4th on, messages hang until we pull the plug
    smtp = {**env, "SMTP_URL": f"smtp://127.0.0.1:{port}"}
    command = [str(KONTEXT)] if KONTEXT.exists() else [sys.executable, "-m", "kontext.cli"]
    process = subprocess.Popen(
        [*command, "digest", "send", "--now", NOW.isoformat()],
        env=smtp,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: box.attempts >= 4, timeout=120), "the run never reached the 4th mail"
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # a crash: no cleanup, no chance to log anything
        process.communicate(timeout=30)
    assert len(box.messages) == 3
    box.accept = None
    box.stall.set()

    rerun = run_kontext(smtp, "digest", "send", "--now", (NOW + timedelta(minutes=10)).isoformat())
    assert rerun.returncode == 0, rerun.stderr
    assert "sent 5, already sent 3" in rerun.stdout
    assert sorted(box.to()) == people  # everyone once, nobody twice
