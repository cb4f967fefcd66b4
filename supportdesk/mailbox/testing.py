"""A throw-away Dovecot on loopback for tests (see /work/shared/TEST-SERVERS.md).

Its own config, users file and Maildir in a temporary folder; mail is delivered with
``doveadm save``. Needs root (Dovecot drops to ``nobody`` for mail access).
"""

import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from imap_tools import MailBoxUnencrypted

USER = "support@example.test"
PASSWORD = "secret"  # noqa: S105 - a throw-away test server on loopback

CONFIG = """\
base_dir = {tmp}/run
state_dir = {tmp}/state
instance_name = test-dovecot-{unique}
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {tmp}/dovecot.log
mail_location = maildir:{tmp}/mail/%d/%n/Maildir
mail_uid = nobody
mail_gid = nogroup
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {tmp}/users
}}
userdb {{
  driver = static
  args = home={tmp}/mail/%d/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
"""


DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"


def dovecot_available() -> bool:
    return shutil.which("dovecot") is not None and shutil.which("doveadm") is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 (EC key: made in milliseconds); (cert, key) paths."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


class Dovecot:
    """One Dovecot instance with the single user ``support@example.test`` / ``secret``.

    With ``tls=True`` it also speaks IMAPS on ``tls_port`` and STARTTLS on ``port``, with a
    self-signed certificate for 127.0.0.1 (``cert``: the file a client trusts it by).
    """

    def __init__(self, *, tls: bool = False) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="sd-dovecot-"))
        self.tmp.chmod(0o755)  # the dovecot user must enter it to read the users file
        self.port = free_port()
        self.tls_port = free_port() if tls else 0
        self.user = USER
        self.password = PASSWORD
        self.cert: Path | None = None
        ssl = "ssl = no"
        if tls:
            self.cert, key = self_signed_certificate(self.tmp)
            ssl = f"ssl = yes\nssl_cert = <{self.cert}\nssl_key = <{key}"
        self.conf = self.tmp / "dovecot.conf"
        self.conf.write_text(
            CONFIG.format(tmp=self.tmp, unique=uuid.uuid4().hex[:12], port=self.port, ssl=ssl, imaps_port=self.tls_port)
        )
        (self.tmp / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        mail = self.tmp / "mail"
        mail.mkdir()
        shutil.chown(mail, "nobody", "nogroup")

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> "Dovecot":
        # The daemon keeps inherited pipes open: no capture here, or run() waits for it forever.
        subprocess.run(  # noqa: S603 - fixed arguments
            [DOVECOT, "-c", str(self.conf)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._wait_listening()
        return self

    def stop(self) -> None:
        subprocess.run(  # noqa: S603 - fixed arguments
            [DOVEADM, "-c", str(self.conf), "stop"], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        pid_file = self.tmp / "run" / "master.pid"
        deadline = time.monotonic() + 10
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"Dovecot did not listen on {self.port}: {self.log()}")

    def log(self) -> str:
        path = self.tmp / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- mail ------------------------------------------------------------------------

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        subprocess.run(  # noqa: S603 - fixed arguments
            [DOVEADM, "-c", str(self.conf), "save", "-u", USER, "-m", folder],
            input=raw,
            check=True,
            capture_output=True,
        )

    def client(self) -> MailBoxUnencrypted:
        """A logged-in imap-tools client (the caller logs out)."""
        return MailBoxUnencrypted("127.0.0.1", port=self.port).login(USER, PASSWORD, initial_folder=None)

    def count(self, folder: str = "INBOX") -> int:
        with self.client() as conn:
            if not conn.folder.exists(folder):
                return 0
            return conn.folder.status(folder, ["MESSAGES"])["MESSAGES"]

    def message_ids(self, folder: str) -> list[str]:
        with self.client() as conn:
            if not conn.folder.exists(folder):
                return []
            conn.folder.set(folder)
            return [m.headers.get("message-id", ("",))[0] for m in conn.fetch(mark_seen=False, headers_only=True)]

    def maildir_inbox(self) -> Path:
        domain, name = USER.split("@")[1], USER.split("@")[0]
        return self.tmp / "mail" / domain / name / "Maildir"

    def reset_uidvalidity(self) -> None:
        """Make the inbox get a new UIDVALIDITY (as a server migration would): the mails stay."""
        self.stop()
        maildir = self.maildir_inbox()
        for name in ("dovecot-uidlist", "dovecot.index", "dovecot.index.cache", "dovecot.index.log"):
            path = maildir / name
            if path.exists():
                path.unlink()
        time.sleep(1.1)  # UIDVALIDITY is derived from the clock in seconds
        self.start()

    def mailbox_fields(self) -> dict[str, object]:
        return {
            "name": "support",
            "host": "127.0.0.1",
            "port": self.port,
            "security": "plain",
            "username": USER,
            "password": PASSWORD,
        }
