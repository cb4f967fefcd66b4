"""Log in, lock-out, password reset and the profile page through the test client."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from supportdesk.accounts.models import ApiToken

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"


def test_login_page_has_a_forgot_password_link(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Passwort vergessen?" in body
    assert reverse("accounts:password_reset") in body


def test_login_in_english_with_accept_language(client):
    body = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Forgot your password?" in body


def test_login_works_and_lands_on_today(client, agent):
    response = client.post(reverse("accounts:login"), {"username": "jonas", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("roster:today")
    assert "Jonas Berger" in response.content.decode()


def test_wrong_password_shows_an_error(client, agent):
    response = client.post(reverse("accounts:login"), {"username": "jonas", "password": "wrong"})
    assert response.status_code == 200
    assert 'class="banner danger"' in response.content.decode()


def test_six_wrong_passwords_lock_the_account_out(client, agent, settings):
    settings.AXES_FAILURE_LIMIT = 5
    statuses = [
        client.post(reverse("accounts:login"), {"username": "jonas", "password": "wrong"}).status_code
        for _attempt in range(6)
    ]
    # The fifth failure reaches the limit and is answered with the lock-out page already.
    assert statuses == [200, 200, 200, 200, 429, 429]
    response = client.post(reverse("accounts:login"), {"username": "jonas", "password": "wrong"})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Zu viele fehlgeschlagene Anmeldungen" in body
    assert "15 Minuten" in body
    # The right password does not help while locked out.
    response = client.post(reverse("accounts:login"), {"username": "jonas", "password": PASSWORD})
    assert response.status_code == 429


def test_password_reset_sends_a_mail_and_the_link_works(client, agent):
    response = client.post(reverse("accounts:password_reset"), {"email": "jonas@example.test"}, follow=True)
    assert response.status_code == 200
    assert "Bitte Postfach prüfen" in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jonas@example.test"]
    assert message.subject == "Supportdesk: neues Passwort setzen"
    assert "Hallo Jonas Berger," in message.body
    link = re.search(r"https?://testserver(/accounts/password-reset/\S+/)", message.body).group(1)

    form = client.get(link, follow=True)
    assert "Neues Passwort setzen" in form.content.decode()
    response = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": "a-new-long-pass-42", "new_password2": "a-new-long-pass-42"},
        follow=True,
    )
    assert "Passwort geändert" in response.content.decode()
    agent.refresh_from_db()
    assert agent.check_password("a-new-long-pass-42")


def test_password_reset_for_an_unknown_address_sends_nothing(client, agent):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.test"}, follow=True)
    assert response.status_code == 200
    assert mail.outbox == []


def test_profile_language_switch_changes_the_page_language(client, agent):
    client.force_login(agent)
    assert "Einstellungen" in client.get(reverse("accounts:profile")).content.decode()
    response = client.post(
        reverse("accounts:profile"),
        {
            "display_name": "Jonas B.",
            "office_phone": "+49 941 555 0100",
            "mobile": "+49 170 555 0100",
            "language": "en",
            "time_zone": "Europe/Berlin",
        },
        follow=True,
    )
    body = response.content.decode()
    assert 'lang="en"' in body
    assert "Preferences" in body
    # The confirmation was written while the old language was still active.
    assert "Ihre Einstellungen wurden gespeichert." in body
    agent.refresh_from_db()
    assert (agent.language, agent.display_name) == ("en", "Jonas B.")
    assert "Who is on duty" in client.get(reverse("roster:today")).content.decode()


def test_token_is_shown_once(client, agent):
    client.force_login(agent)
    response = client.post(reverse("accounts:token_create"), {"name": "Monitoring"}, follow=True)
    body = response.content.decode()
    match = re.search(r'value="(sd_[^"]+)"', body)
    assert match, "the new token is shown"
    raw = match.group(1)
    token = ApiToken.objects.get(user=agent)
    assert raw.startswith(token.prefix)
    assert "Monitoring" in body

    again = client.get(reverse("accounts:profile")).content.decode()
    assert raw not in again
    assert "Monitoring" in again
    assert f"{token.prefix}…" in again


def test_token_revoke(client, agent):
    client.force_login(agent)
    client.post(reverse("accounts:token_create"), {"name": "Nagios"})
    token = ApiToken.objects.get(user=agent)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]), follow=True)
    assert "Der Token wurde widerrufen." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Nagios" not in client.get(reverse("accounts:profile")).content.decode()


def test_profile_renders_in_english(client, coordinator):
    coordinator.language = "en"
    coordinator.save(update_fields=["language"])
    client.force_login(coordinator)
    body = client.get(reverse("accounts:profile")).content.decode()
    assert "API tokens" in body
    assert "Horst Schreiber" in body
