"""A real SMTP server for the tests (aiosmtpd): each accepted mail becomes one JSON file in a directory.

Recipients decide the answer, so a test can ask for failures: a local part starting with `tempfail`
is refused with 451 (transient), one starting with `reject` with 550 (permanent). STARTTLS (required)
with --tls-cert/--tls-key, implicit TLS with --smtps, AUTH PLAIN/LOGIN with --auth user:password.
Prints `ready <port>` on stdout once it listens; stops on SIGTERM.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class MailDir:
    def __init__(self, directory, implicit_tls):
        self.directory = directory
        # An SMTPS session is encrypted from the first byte (aiosmtpd sets session.ssl only for STARTTLS).
        self.implicit_tls = implicit_tls
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("tempfail"):
            return "451 4.3.0 try again later"
        if local.startswith("reject"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        record = {
            "mailFrom": envelope.mail_from,
            "rcptTos": envelope.rcpt_tos,
            "tls": self.implicit_tls or session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "data": envelope.content.decode("utf-8", "replace"),
        }
        tmp = os.path.join(self.directory, f".{n:06d}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        # Named by arrival time, so the order holds across restarts of the server.
        os.rename(tmp, os.path.join(self.directory, f"{time.time_ns():020d}-{n:06d}.json"))
        return f"250 OK queued as {os.getpid()}-{n}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--maildir", required=True)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--smtps", action="store_true")
    p.add_argument("--auth")
    a = p.parse_args()

    context = None
    if a.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.tls_cert, a.tls_key)

    kwargs = {}
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login.decode() == user and auth_data.password.decode() == password
            # handled=False: aiosmtpd then answers 535 itself (its default leaves the client waiting).
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=context is not None)
    if context is not None and not a.smtps:
        kwargs.update(tls_context=context, require_starttls=True)

    controller = Controller(
        MailDir(a.maildir, a.smtps),
        hostname="127.0.0.1",
        port=a.port,
        ssl_context=context if a.smtps else None,
        server_hostname="localhost",
        **kwargs,
    )
    controller.start()
    print(f"ready {a.port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
