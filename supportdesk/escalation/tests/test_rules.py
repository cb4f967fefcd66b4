"""Prio 1 keyword rules: phrase matching (German and English), customer scoping, 24/7, saving."""

import pytest
from django.utils import translation

from supportdesk.escalation import rules, selectors, services
from supportdesk.escalation.exceptions import InvalidRule
from supportdesk.escalation.models import CustomerContract, Prio1Rule
from supportdesk.tickets.models import Customer


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; one test checks the German catalog."""
    with translation.override("en"):
        yield


PHRASES = "down\n*ausfall\ngeht nicht mehr\nausgefallen*\nlöst nicht"


def spec(phrases=PHRASES, **fields):
    return rules.RuleSpec(name="t", phrases=tuple(rules.phrases_parse(phrases)), **fields)


def hits(text, phrases=PHRASES):
    return rules.spec_matches(spec(phrases), customer_id=None, has_24x7=False, subject="", body=text)


@pytest.mark.parametrize(
    "text",
    [
        "Unser Shop ist seit 10 Uhr down",
        "Die Anmeldung geht nicht mehr",
        "Die Anmeldung GEHT   NICHT\nMEHR seit heute",
        "Totalausfall der Produktion",
        "Ausfall im Rechenzentrum",
        "the server is down!",
        "DOWN.",
        "Server ausgefallen",
        "alle Drucker ausgefallenen Status",
        "Das löst nicht aus",
    ],
)
def test_samples_that_match(text):
    assert hits(text)


@pytest.mark.parametrize(
    "text",
    [
        "Download der Rechnung",
        "Bitte Downloads prüfen",
        "countdown läuft",
        "Ausfallübung am Freitag",  # "ausfall" followed by an umlaut is no word end
        "Ausfallu\u0308bung am Freitag",  # the same, the umlaut decomposed
        "Es geht nicht",
        "",
    ],
)
def test_samples_that_do_not_match(text):
    assert not hits(text)


def test_umlaut_phrase_in_decomposed_text_and_boundaries():
    assert hits("Das lo\u0308st nicht aus")
    assert not hits("Das erlöst nicht", phrases="löst nicht")
    assert hits("Störungsmeldung", phrases="störung*") and not hits("Entstörung", phrases="störung*")


def test_hits_name_the_phrase_and_field():
    result = rules.evaluate(
        spec(), customer_id=None, has_24x7=False, subject="Server down", body="Totalausfall der Produktion"
    )
    assert {(h.field, h.phrase, h.text) for h in result.hits} == {
        ("subject", "down", "down"),
        ("body", "*ausfall", "Totalausfall"),
    }


def test_subject_or_body_only():
    only_subject = spec(match_body=False)
    assert rules.spec_matches(only_subject, customer_id=None, has_24x7=False, subject="down", body="")
    assert not rules.spec_matches(only_subject, customer_id=None, has_24x7=False, subject="", body="down")


def test_customer_scope_and_24x7_flag():
    scoped = spec(customer_ids=frozenset({7}), only_24x7=True)
    assert rules.spec_matches(scoped, customer_id=7, has_24x7=True, subject="down", body="")
    assert not rules.spec_matches(scoped, customer_id=8, has_24x7=True, subject="down", body="")
    assert not rules.spec_matches(scoped, customer_id=None, has_24x7=False, subject="down", body="")
    result = rules.evaluate(scoped, customer_id=7, has_24x7=False, subject="down", body="")
    assert result.hits and not result.matched and "24/7" in result.blocked_by


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "at least one"), ("\n  \n", "at least one"), ("*", "letters"), ("a*", "letters"), ("aus**fall", "one *")],
)
def test_invalid_phrases_say_why(text, reason):
    with pytest.raises(rules.InvalidPhrases, match=reason):
        rules.phrases_parse(text)


def test_phrases_are_normalised_and_deduplicated():
    assert rules.phrases_parse("  geht   nicht mehr \nDOWN\ndown\n") == ["geht nicht mehr", "DOWN"]


# --- saved rules and the selector the mailbox intake calls ------------------------------------


@pytest.fixture
def customers(db):
    acme = Customer.objects.create(code="acme", name="ACME GmbH")
    shop = Customer.objects.create(code="shop", name="Shop AG")
    CustomerContract.objects.create(customer=acme, support_24x7=True)
    return acme, shop


def save(actor, **fields):
    values = {
        "name": "Ausfall",
        "active": True,
        "customers": [],
        "only_24x7": False,
        "phrases": PHRASES,
        "match_subject": True,
        "match_body": True,
    }
    return services.prio1_rule_save(actor=actor, **{**values, **fields})


@pytest.mark.django_db
def test_prio1_rule_for_mail_scoping(coordinator, customers):
    acme, shop = customers
    rule = save(coordinator, only_24x7=True)
    assert selectors.prio1_rule_for_mail(customer=acme, subject="Shop down", body="") == rule
    assert selectors.prio1_rule_for_mail(customer=shop, subject="Shop down", body="") is None  # no 24/7
    assert selectors.prio1_rule_for_mail(customer=None, subject="Shop down", body="") is None
    assert selectors.prio1_rule_for_mail(customer=acme, subject="Download der Rechnung", body="") is None
    everyone = save(coordinator, name="Alle", phrases="geht nicht mehr")
    assert selectors.prio1_rule_for_mail(customer=shop, subject="", body="Die Anmeldung geht nicht mehr") == everyone
    assert selectors.prio1_rule_for_mail(customer=None, subject="", body="Die Anmeldung geht nicht mehr") == everyone
    only_shop = save(coordinator, name="Nur Shop", phrases="the server is down", customers=[shop])
    assert selectors.prio1_rule_for_mail(customer=shop, subject="the server is down", body="") == only_shop
    assert (
        rules.rule_matches(only_shop, customer_id=acme.pk, has_24x7=True, subject="the server is down", body="")
        is False
    )


@pytest.mark.django_db
def test_inactive_rules_do_not_match(coordinator, customers):
    save(coordinator, active=False)
    assert selectors.prio1_rule_for_mail(customer=customers[0], subject="down", body="") is None


@pytest.mark.django_db
def test_saving_refuses_invalid_rules_with_the_reason(coordinator, agent, customers):
    with pytest.raises(InvalidRule, match="at least one phrase"):
        save(coordinator, phrases=" \n")
    with pytest.raises(InvalidRule, match="letters"):
        save(coordinator, phrases="down\n*")
    with pytest.raises(InvalidRule, match="subject, the body"):
        save(coordinator, match_subject=False, match_body=False)
    with pytest.raises(InvalidRule, match="coordinator"):
        save(agent)
    save(coordinator)
    with pytest.raises(InvalidRule, match="already"):
        save(coordinator, name="ausfall")
    assert Prio1Rule.objects.count() == 1


@pytest.mark.django_db
def test_refusals_speak_the_request_language(coordinator):
    with translation.override("de"), pytest.raises(InvalidRule, match=r"Zeile 2 .* mindestens 2 Buchstaben"):
        save(coordinator, phrases="down\n*")


@pytest.mark.django_db
def test_selector_query_count(coordinator, customers, django_assert_num_queries):
    for index in range(3):
        save(coordinator, name=f"R{index}", phrases="nie passiert", customers=list(customers))
    with django_assert_num_queries(3):  # contract, rules, their customers
        assert selectors.prio1_rule_for_mail(customer=customers[0], subject="down", body="") is None
