import pytest

from supportdesk.settings import mailer_from_url


def test_smtp_url_with_starttls():
    mailer = mailer_from_url("smtp://bot%40example.com:p%40ss@mail.example.com:587?tls=starttls")
    assert mailer["OPTIONS"] == {
        "host": "mail.example.com",
        "port": 587,
        "username": "bot@example.com",
        "password": "p@ss",
        "use_tls": True,
        "use_ssl": False,
        "timeout": 10,
    }


def test_smtp_url_with_ssl_defaults_to_port_465():
    options = mailer_from_url("smtp://u:p@mail.example.com?tls=ssl")["OPTIONS"]
    assert options["port"] == 465 and options["use_ssl"] and not options["use_tls"]


def test_plain_smtp_url():
    options = mailer_from_url("smtp://127.0.0.1:2525")["OPTIONS"]
    assert (options["host"], options["port"], options["use_tls"], options["use_ssl"]) == (
        "127.0.0.1",
        2525,
        False,
        False,
    )


def test_bad_scheme_is_refused_with_a_clear_message():
    with pytest.raises(RuntimeError, match="smtp://"):
        mailer_from_url("imap://host")
