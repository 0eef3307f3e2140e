"""A real SMTP server in a thread, for the mailer's tests: EHLO/HELO, STARTTLS, AUTH PLAIN
and LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT, over plain TCP, STARTTLS or implicit TLS,
with a self-signed certificate made on the spot. ``rcpt_replies`` answers chosen recipients
with a chosen reply (``{"gone@example.vn": "550 5.1.1 no such user"}``)."""

from __future__ import annotations

import base64
import datetime
import email
import ipaddress
import socketserver
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """``(cert.pem, key.pem)`` for 127.0.0.1 and localhost; the cert is its own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message
    tls: bool
    login: str | None


@dataclass
class Mailbox:
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    # (username, password) of every AUTH attempt, and whether TLS was on at the time.
    logins: list[tuple[str, str, bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Behaviour:
    tls: ssl.SSLContext | None = None  # offer STARTTLS with this context
    implicit_tls: bool = False  # TLS from the first byte (the context above)
    credentials: tuple[str, str] | None = None  # offer AUTH, accept only these
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    silent: bool = False  # accept the connection and never answer


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def _start_tls(self) -> None:
        behaviour = self.server.behaviour
        assert behaviour.tls is not None
        self.connection = behaviour.tls.wrap_socket(self.request, server_side=True)
        self.rfile = self.connection.makefile("rb")
        self.wfile = self.connection.makefile("wb")

    def handle(self) -> None:
        behaviour, box = self.server.behaviour, self.server.mailbox
        if behaviour.silent:
            self.rfile.readline()  # until the client gives up
            return
        tls = False
        if behaviour.implicit_tls:
            self._start_tls()
            tls = True
        self.reply("220 test.smtp ESMTP ready")
        sender, recipients, login = "", list[str](), None
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode("utf-8", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                lines = ["test.smtp", "8BITMIME", "SMTPUTF8"]
                if behaviour.tls is not None and not tls:
                    lines.append("STARTTLS")
                if behaviour.credentials is not None:
                    lines.append("AUTH PLAIN LOGIN")
                for line in lines[:-1]:
                    self.wfile.write(f"250-{line}\r\n".encode())
                self.reply(f"250 {lines[-1]}")
            elif verb == "STARTTLS" and behaviour.tls is not None and not tls:
                self.reply("220 go ahead")
                self._start_tls()
                tls = True
                sender, recipients = "", []
            elif verb == "AUTH" and behaviour.credentials is not None:
                parts = command.split(" ")
                mechanism = parts[1].upper()
                if mechanism == "PLAIN":
                    if len(parts) > 2:
                        token = parts[2]
                    else:
                        self.reply("334 ")
                        token = self.rfile.readline().decode().strip()
                    _, user, password = base64.b64decode(token).decode().split("\0")
                else:
                    if len(parts) > 2:
                        user = base64.b64decode(parts[2]).decode()
                    else:
                        self.reply("334 " + base64.b64encode(b"Username:").decode())
                        user = base64.b64decode(self.rfile.readline().strip()).decode()
                    self.reply("334 " + base64.b64encode(b"Password:").decode())
                    password = base64.b64decode(self.rfile.readline().strip()).decode()
                with box.lock:
                    box.logins.append((user, password, tls))
                if (user, password) == behaviour.credentials:
                    login = user
                    self.reply("235 2.7.0 Authentication successful")
                else:
                    self.reply("535 5.7.8 Authentication credentials invalid")
            elif verb in ("HELO", "NOOP", "RSET"):
                if verb == "RSET":
                    sender, recipients = "", []
                self.reply("250 OK")
            elif verb == "MAIL":
                if behaviour.credentials is not None and login is None:
                    self.reply("530 5.7.0 Authentication required")
                    continue
                sender = command.split(":", 1)[1].strip().split()[0].strip("<>")
                self.reply("250 OK")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip().split()[0].strip("<>")
                answer = behaviour.rcpt_replies.get(address)
                if answer is not None:
                    self.reply(answer)
                    continue
                recipients.append(address)
                self.reply("250 OK")
            elif verb == "DATA":
                if not recipients:
                    self.reply("554 no valid recipients")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    line = self.rfile.readline()
                    if line in (b".\r\n", b".\n", b""):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                message = email.message_from_bytes(b"".join(lines))
                with box.lock:
                    box.messages.append(Received(sender, recipients, message, tls, login))
                sender, recipients = "", []
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    mailbox: Mailbox
    behaviour: Behaviour


@contextmanager
def smtp_server(behaviour: Behaviour | None = None) -> Iterator[Mailbox]:
    """A server on 127.0.0.1 (its port in ``Mailbox.port``), stopped on exit."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.mailbox = Mailbox(port=server.server_address[1])
    server.behaviour = behaviour or Behaviour()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.mailbox
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
