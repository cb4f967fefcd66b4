import pytest

from supportdesk.mailbox.quoting import extract_ticket_number, normalize_subject, split_quoted


def test_english_attribution_and_angle_quotes_are_collapsed():
    visible, quoted = split_quoted(
        "Thanks, works now.\n\nOn Tue, 3 Mar 2026 at 10:15, Anna <anna@example.com> wrote:\n> Try again.\n"
    )
    assert visible == "Thanks, works now."
    assert quoted.startswith("On Tue, 3 Mar 2026")
    assert "> Try again." in quoted


def test_attribution_wrapped_over_two_lines():
    visible, quoted = split_quoted("Ok.\n\nOn Tue, 3 Mar 2026 at 10:15, Anna Beispiel <anna@\nexample.com> wrote:\n> x")
    assert visible == "Ok."
    assert quoted.startswith("On Tue")


def test_german_attribution():
    visible, quoted = split_quoted(
        "Danke!\n\nAm 03.03.2026 um 10:15 schrieb Max Mustermann <max@example.de>:\n> Bitte neu starten.\n"
    )
    assert visible == "Danke!"
    assert "Bitte neu starten" in quoted


def test_german_outlook_header_block_with_line():
    text = (
        "Hallo,\nder Fehler ist weg.\n\n________________________________\n"
        "Von: Support <support@example.com>\nGesendet: Dienstag, 3. März 2026 10:15\n"
        "An: Max Mustermann <max@example.de>\nBetreff: AW: Drucker\n\nAlter Text"
    )
    visible, quoted = split_quoted(text)
    assert visible == "Hallo,\nder Fehler ist weg."
    assert quoted.startswith("________________________________\nVon: Support")
    assert quoted.endswith("Alter Text")


def test_outlook_header_block_with_stars():
    visible, quoted = split_quoted("Neu.\n\n*Von:* A <a@x.de>\n*Gesendet:* Montag\n*An:* b@x.de\n*Betreff:* x\n\nalt")
    assert visible == "Neu."
    assert quoted.startswith("*Von:*")


@pytest.mark.parametrize("separator", ["-----Ursprüngliche Nachricht-----", "-----Original Message-----"])
def test_original_message_separators(separator):
    visible, quoted = split_quoted(f"Erledigt.\n\n{separator}\nFrom: x\nalt")
    assert visible == "Erledigt."
    assert quoted.startswith(separator)


def test_signature_after_dash_dash_space():
    visible, quoted = split_quoted("Gruß\nMax\n\n-- \nMax Mustermann\nTel. 0123")
    assert visible == "Gruß\nMax"
    assert quoted == "-- \nMax Mustermann\nTel. 0123"


def test_interleaved_quotes_stay_visible():
    text = "> Geht der Drucker?\nNein.\n> Und der Scanner?\nJa."
    assert split_quoted(text) == (text, "")


def test_text_without_history():
    assert split_quoted("Nur eine Frage.\n") == ("Nur eine Frage.", "")


def test_forwarded_message_is_not_collapsed():
    text = "Siehe unten.\n\n-------- Weitergeleitete Nachricht --------\nBetreff: Drucker\nText"
    assert split_quoted(text)[1] == ""


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Drucker", "Drucker"),
        ("RE: AW: Aw: WG: Wg: Fwd: FW: Fw: WTR: SV: VS: Drucker", "Drucker"),
        ("AW:Installation [Ticket#11392]", "Installation [Ticket#11392]"),
        ("Re[2]: Drucker", "Drucker"),
        ("AW: [SD-2026-00042] WG: Drucker fällt aus", "[SD-2026-00042] Drucker fällt aus"),
        ("[SD-2026-00042] Re: Drucker", "[SD-2026-00042] Drucker"),
        ("Drucker fällt aus [SD-2026-00042]", "Drucker fällt aus [SD-2026-00042]"),
        ("Antwort: Probleme ADB", "Probleme ADB"),
        ("  Re:   Drucker   im  OG ", "Drucker im OG"),
        ("Reparatur: Drucker", "Reparatur: Drucker"),
        ("[EXTERN]", "[EXTERN]"),
        ("", ""),
    ],
)
def test_normalize_subject(subject, expected):
    assert normalize_subject(subject) == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("AW: [SD-2026-00042] Drucker", "SD-2026-00042"),
        ("Drucker SD-2026-00042 fällt aus", "SD-2026-00042"),
        ("re: sd-2026-00042", "SD-2026-00042"),
        ("Ticket SD-2027-123456", "SD-2027-123456"),
        ("XSD-2026-00042", None),
        ("SD-2026-42", None),
        ("Drucker", None),
    ],
)
def test_extract_ticket_number(subject, expected):
    assert extract_ticket_number(subject) == expected
