"""The mailer against a real local SMTP server: STARTTLS and login from the settings, implicit
TLS, the certificate checked, one timeout, and the one error policy (unavailable is retried,
a 5xx for the letter is refused for good)."""

from __future__ import annotations

import email.header
import email.policy
import socket
import time
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from service.mail import (
    Attachment,
    Letter,
    LetterRefused,
    MailUnavailable,
    RecordingMailer,
    SmtpMailer,
    mailer_for,
)
from service.settings import Settings
from tests.mail.smtp_server import (
    Behaviour,
    self_signed_certificate,
    server_tls_context,
    smtp_server,
)

LETTER = Letter(
    to="can-bo@example.vn",
    subject="Đơn sắp đến hạn chuyển xử lý",
    text="HN-2026-000001 (P01) hạn 02/12/2026 09:00 UTC: Ngập nước",
    key="test:1",
)


def mail_settings(port: int, **changes: object) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, **changes)  # type: ignore[arg-type]


def subject_of(message: email.message.Message) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def free_port() -> int:
    """A port nobody listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class TestLetter:
    def test_message_headers_parts_and_a_stable_message_id(self) -> None:
        letter = Letter(
            to="a@example.vn",
            subject="Báo cáo số 12/BC-MTTQ",
            text="Kính gửi",
            html="<p>Kính gửi</p>",
            key="report-delivery:42",
            attachments=(Attachment("bao-cao.pdf", b"%PDF-1.7", "application", "pdf"),),
        )
        first = letter.message("Giám sát <giamsat@mttq.example.vn>")
        again = letter.message("Giám sát <giamsat@mttq.example.vn>")
        assert first["Message-ID"] == again["Message-ID"]
        assert first["Message-ID"].endswith("@mttq.example.vn>")
        other = Letter(to="a@example.vn", subject="x", text="y", key="report-delivery:43")
        assert other.message("giamsat@mttq.example.vn")["Message-ID"] != first["Message-ID"]
        assert first["Date"]
        parsed = email.message_from_bytes(first.as_bytes(), policy=email.policy.default)
        kinds = [part.get_content_type() for part in parsed.walk()]
        assert kinds == [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "application/pdf",
        ]
        [pdf] = list(parsed.iter_attachments())
        assert pdf.get_filename() == "bao-cao.pdf"
        assert pdf.get_content() == b"%PDF-1.7"

    async def test_the_recording_mailer_keeps_letters_and_plays_failures(self) -> None:
        mailer = RecordingMailer(refuse=frozenset({"gone@example.vn"}))
        await mailer.send(LETTER)
        with pytest.raises(LetterRefused) as refused:
            await mailer.send(Letter(to="gone@example.vn", subject="s", text="t", key="k"))
        assert refused.value.smtp_code == 550
        assert mailer.letters == [LETTER]
        assert mailer.to(LETTER.to) == [LETTER]
        with pytest.raises(MailUnavailable):
            await RecordingMailer(unavailable=True).send(LETTER)

    async def test_a_letter_that_cannot_be_an_email_is_refused_for_good(self) -> None:
        forged = Letter(to="a@example.vn", subject="x\r\nBcc: all@example.vn", text="t", key="k")
        with smtp_server() as box:
            mailer = mailer_for(mail_settings(box.port))
            assert mailer is not None
            with pytest.raises(LetterRefused):
                await mailer.send(forged)
        assert box.messages == []
        with pytest.raises(LetterRefused):
            await RecordingMailer().send(forged)


class TestSettings:
    def test_existing_names_keep_working_and_no_host_means_no_mailer(self) -> None:
        settings = Settings(smtp_host="mail.example.vn", smtp_port=2525, smtp_from="gs@x.vn")
        mailer = mailer_for(settings)
        assert isinstance(mailer, SmtpMailer)
        assert (mailer.host, mailer.port, mailer.sender) == ("mail.example.vn", 2525, "gs@x.vn")
        assert (mailer.starttls, mailer.implicit_tls, mailer.username) == (False, False, None)
        assert mailer.timeout == 30
        assert mailer_for(Settings()) is None

    def test_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, value in {
            "GIAMSAT_SMTP_HOST": "smtp.example.vn",
            "GIAMSAT_SMTP_PORT": "587",
            "GIAMSAT_SMTP_STARTTLS": "true",
            "GIAMSAT_SMTP_USERNAME": "giamsat",
            "GIAMSAT_SMTP_PASSWORD": "s3cret-pass",
            "GIAMSAT_SMTP_TIMEOUT_SECONDS": "12.5",
        }.items():
            monkeypatch.setenv(name, value)
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        assert isinstance(settings.smtp_password, SecretStr)
        assert "s3cret-pass" not in repr(settings)
        mailer = mailer_for(settings)
        assert isinstance(mailer, SmtpMailer)
        assert (mailer.starttls, mailer.username, mailer.password) == (
            True,
            "giamsat",
            "s3cret-pass",
        )
        assert mailer.timeout == 12.5
        assert "s3cret-pass" not in repr(mailer)

    @pytest.mark.parametrize(
        "changes",
        [
            {"smtp_starttls": True, "smtp_implicit_tls": True},
            # A password never crosses the network in clear.
            {"smtp_username": "u", "smtp_password": SecretStr("p")},
            {"smtp_username": "u", "smtp_starttls": True},
            {"smtp_timeout_seconds": 0},
        ],
    )
    def test_inconsistent_settings_are_refused(self, changes: dict[str, object]) -> None:
        with pytest.raises(ValidationError):
            Settings(smtp_host="127.0.0.1", **changes)  # type: ignore[arg-type]


class TestSmtp:
    async def test_plain_smtp_as_before(self) -> None:
        with smtp_server() as box:
            mailer = mailer_for(mail_settings(box.port, smtp_from="giamsat@mttq.example.vn"))
            assert mailer is not None
            await mailer.send(LETTER)
        [received] = box.messages
        assert received.recipients == [LETTER.to]
        assert received.sender == "giamsat@mttq.example.vn"
        assert subject_of(received.message) == LETTER.subject
        assert received.message["Message-ID"] == LETTER.message_id("giamsat@mttq.example.vn")
        assert (received.tls, received.login) == (False, None)

    async def test_starttls_then_login(self, certificate: tuple[Path, Path]) -> None:
        cert, key = certificate
        behaviour = Behaviour(
            tls=server_tls_context(cert, key), credentials=("giamsat", "mat-khau-dai")
        )
        with smtp_server(behaviour) as box:
            settings = mail_settings(
                box.port,
                smtp_starttls=True,
                smtp_ca_file=cert,
                smtp_username="giamsat",
                smtp_password=SecretStr("mat-khau-dai"),
            )
            mailer = mailer_for(settings)
            assert mailer is not None
            await mailer.send(LETTER)
        [received] = box.messages
        assert (received.tls, received.login) == (True, "giamsat")
        # The password went over TLS only.
        assert box.logins == [("giamsat", "mat-khau-dai", True)]

    async def test_implicit_tls(self, certificate: tuple[Path, Path]) -> None:
        cert, key = certificate
        behaviour = Behaviour(tls=server_tls_context(cert, key), implicit_tls=True)
        with smtp_server(behaviour) as box:
            mailer = mailer_for(mail_settings(box.port, smtp_implicit_tls=True, smtp_ca_file=cert))
            assert mailer is not None
            await mailer.send(LETTER)
        [received] = box.messages
        assert received.tls

    async def test_an_untrusted_certificate_is_not_sent_to(
        self, certificate: tuple[Path, Path]
    ) -> None:
        cert, key = certificate
        behaviour = Behaviour(tls=server_tls_context(cert, key))
        with smtp_server(behaviour) as box:
            # The system's CAs do not know the test certificate: nothing goes out, retried.
            mailer = mailer_for(mail_settings(box.port, smtp_starttls=True))
            assert mailer is not None
            with pytest.raises(MailUnavailable) as failed:
                await mailer.send(LETTER)
        assert box.messages == []
        assert "SSL" in failed.value.detail

    async def test_no_starttls_offered_is_unavailable_not_cleartext(self) -> None:
        with smtp_server() as box:
            mailer = mailer_for(mail_settings(box.port, smtp_starttls=True))
            assert mailer is not None
            with pytest.raises(MailUnavailable):
                await mailer.send(LETTER)
        assert box.messages == []


class TestErrorPolicy:
    async def test_connection_refused_is_unavailable(self, free_port: int) -> None:
        mailer = mailer_for(mail_settings(free_port))
        assert mailer is not None
        with pytest.raises(MailUnavailable) as failed:
            await mailer.send(LETTER)
        assert failed.value.detail == "ConnectionRefusedError"

    async def test_one_timeout_from_the_settings(self) -> None:
        with smtp_server(Behaviour(silent=True)) as box:
            mailer = mailer_for(mail_settings(box.port, smtp_timeout_seconds=0.5))
            assert mailer is not None
            started = time.monotonic()
            with pytest.raises(MailUnavailable):
                await mailer.send(LETTER)
            assert time.monotonic() - started < 5

    async def test_a_5xx_for_the_recipient_is_refused_for_good(self) -> None:
        behaviour = Behaviour(rcpt_replies={LETTER.to: "550 5.1.1 <can-bo@example.vn> unknown"})
        with smtp_server(behaviour) as box:
            mailer = mailer_for(mail_settings(box.port))
            assert mailer is not None
            with pytest.raises(LetterRefused) as refused:
                await mailer.send(LETTER)
        assert refused.value.smtp_code == 550
        # Only the type and code are kept: the server's text echoes the address.
        assert refused.value.detail == "SMTPRecipientsRefused (550)"
        assert LETTER.to not in str(refused.value)

    async def test_a_4xx_for_the_recipient_is_retried(self) -> None:
        behaviour = Behaviour(rcpt_replies={LETTER.to: "450 4.2.1 try again later"})
        with smtp_server(behaviour) as box:
            mailer = mailer_for(mail_settings(box.port))
            assert mailer is not None
            with pytest.raises(MailUnavailable) as failed:
                await mailer.send(LETTER)
        assert failed.value.smtp_code == 450

    async def test_a_refused_login_is_ours_to_fix_and_retried(
        self, certificate: tuple[Path, Path]
    ) -> None:
        cert, key = certificate
        behaviour = Behaviour(tls=server_tls_context(cert, key), credentials=("giamsat", "dung"))
        with smtp_server(behaviour) as box:
            settings = mail_settings(
                box.port,
                smtp_starttls=True,
                smtp_ca_file=cert,
                smtp_username="giamsat",
                smtp_password=SecretStr("sai"),
            )
            mailer = mailer_for(settings)
            assert mailer is not None
            with pytest.raises(MailUnavailable) as failed:
                await mailer.send(LETTER)
        assert failed.value.smtp_code == 535
        assert box.messages == []
