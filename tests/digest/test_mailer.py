"""The one sending place, against a real local SMTP server: URLs, retries, refusals, TLS, login."""

import ssl
from email.message import EmailMessage
from pathlib import Path

import pytest

from digest.mailer import (
    DirectoryMailer,
    MailConfigError,
    MailUnavailable,
    MessageRefused,
    SmtpMailer,
    parse_smtp_url,
)
from tests.digest.helpers import Credentials, Inbox, smtp_server, write_certificate


def message(number: int = 1) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "digest@kontext.example"
    mail["To"] = f"person{number}@example.org"
    mail["Subject"] = f"Test {number}"
    mail["Message-ID"] = f"<test.{number}@kontext.example>"
    mail.set_content("Hallo")
    return mail


def test_smtp_urls() -> None:
    plain = parse_smtp_url("smtp://mail.example")
    assert (plain.host, plain.port, plain.security, plain.username) == ("mail.example", 25, "plain", None)
    tls = parse_smtp_url("smtps://user%40example.org:p%3Ass@mail.example?timeout=5")
    assert (tls.port, tls.security, tls.username, tls.password, tls.timeout) == (
        465,
        "ssl",
        "user@example.org",
        "p:ss",
        5.0,
    )
    starttls = parse_smtp_url("smtp+starttls://u:p@mail.example:2525")
    assert (starttls.port, starttls.security) == (2525, "starttls")
    assert "password" not in repr(starttls)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://mail.example", "scheme"),
        ("smtp://", "no host"),
        ("smtp://user@mail.example", "no password"),
        ("smtp://mail.example:99999", "not a valid URL"),
        ("smtp://mail.example?timeout=soon", "timeout"),
    ],
)
def test_bad_smtp_urls_say_what_is_wrong_without_the_password(url: str, says: str) -> None:
    with pytest.raises(MailConfigError, match=says) as error:
        parse_smtp_url(url)
    assert "hunter2" not in str(error.value)


def test_delivers_over_one_connection() -> None:
    with smtp_server() as (controller, inbox):
        mailer = SmtpMailer(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"))
        for number in range(3):
            assert mailer.send(message(number)) == 1
        mailer.close()
    assert [str(mail["Subject"]) for mail in inbox.messages] == ["Test 0", "Test 1", "Test 2"]


def test_temporary_failures_are_retried_with_growing_backoff() -> None:
    waits: list[float] = []
    with smtp_server(Inbox(failures_before_accepting=2)) as (controller, inbox):
        mailer = SmtpMailer(
            parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"), attempts=4, backoff=0.5, sleep=waits.append
        )
        assert mailer.send(message()) == 3
        mailer.close()
    assert len(inbox.messages) == 1
    assert waits == [0.5, 1.0]


def test_a_server_that_keeps_failing_makes_the_mailer_give_up() -> None:
    waits: list[float] = []
    with smtp_server(Inbox(accept=0)) as (controller, inbox):
        mailer = SmtpMailer(
            parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"), attempts=3, sleep=waits.append
        )
        with pytest.raises(MailUnavailable, match="after 3 attempts: 451"):
            mailer.send(message())
        mailer.close()
    assert inbox.attempts == 3 and len(waits) == 2 and not inbox.messages


def test_no_server_at_all_is_a_temporary_failure() -> None:
    with smtp_server() as (controller, _):
        port = controller.port
    mailer = SmtpMailer(
        parse_smtp_url(f"smtp://127.0.0.1:{port}?timeout=2"), attempts=2, sleep=lambda _: None
    )
    with pytest.raises(MailUnavailable, match="connection"):
        mailer.send(message())


def test_a_permanent_refusal_is_not_retried() -> None:
    with smtp_server(Inbox(accept=0, reply="554 5.7.1 Message rejected")) as (controller, inbox):
        mailer = SmtpMailer(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"), sleep=lambda _: None)
        with pytest.raises(MessageRefused, match=r"554 5\.7\.1"):
            mailer.send(message())
        mailer.close()
    assert inbox.attempts == 1


def test_starttls_and_smtps_with_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = write_certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts our self-signed server
    login = Credentials("digest", "s3cret")
    with smtp_server(tls_context=server_tls, require_starttls=True, authenticator=login) as (
        controller,
        inbox,
    ):
        url = f"smtp+starttls://digest:s3cret@127.0.0.1:{controller.port}"
        with SmtpMailer(parse_smtp_url(url)) as mailer:
            mailer.send(message(1))
        wrong = SmtpMailer(parse_smtp_url(f"smtp+starttls://digest:nope@127.0.0.1:{controller.port}"))
        with pytest.raises(MailConfigError, match="refused the login"):
            wrong.send(message(2))
    # aiosmtpd only knows about TLS it negotiated itself (STARTTLS), so with implicit TLS it must be
    # told that AUTH is fine here.
    smtps = {"ssl_context": server_tls, "authenticator": login, "auth_require_tls": False}
    with smtp_server(**smtps) as (controller, smtps_inbox):
        mailer = SmtpMailer(parse_smtp_url(f"smtps://digest:s3cret@127.0.0.1:{controller.port}"))
        mailer.send(message(3))
        mailer.close()
    assert [str(mail["Subject"]) for mail in inbox.messages + smtps_inbox.messages] == ["Test 1", "Test 3"]


def test_an_untrusted_certificate_is_a_configuration_error(tmp_path: Path) -> None:
    cert, key = write_certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    with smtp_server(tls_context=server_tls) as (controller, inbox):
        mailer = SmtpMailer(
            parse_smtp_url(f"smtp+starttls://127.0.0.1:{controller.port}"), sleep=lambda _: None
        )
        with pytest.raises(MailConfigError, match="certificate"):
            mailer.send(message())
    assert not inbox.messages


def test_a_dry_run_writes_eml_files(tmp_path: Path) -> None:
    mailer = DirectoryMailer(tmp_path / "out")
    mailer.send(message(1))
    mailer.send(message(2))
    written = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert written == ["test.1_kontext.example.eml", "test.2_kontext.example.eml"]
    assert b"Subject: Test 1" in (tmp_path / "out" / written[0]).read_bytes()
