"""Production settings pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run_check(env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTDESK_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_nothing_under_production_settings(tmp_path):
    result = run_check(
        {
            "SUPPORTDESK_PRODUCTION": "1",
            "SUPPORTDESK_SECRET_KEY": "vN3q8-xR2pL7wK9mZ4tB6yH1cJ5fD0gS-aQeUiOoP_rTyWsXz-Lm3Nb7Vc",
            "SUPPORTDESK_SMTP_URL": "smtp://bot:secret@mail.example.com:587?tls=starttls",
            "SUPPORTDESK_ALLOWED_HOSTS": "support.example.com",
            "SUPPORTDESK_DATA_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_check({"SUPPORTDESK_PRODUCTION": "1", "SUPPORTDESK_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SUPPORTDESK_SECRET_KEY" in result.stderr


def test_security_headers_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = False
    response = client.get("/accounts/login/")
    assert "Content-Security-Policy" in response.headers
    assert "script-src 'self' 'nonce-" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
