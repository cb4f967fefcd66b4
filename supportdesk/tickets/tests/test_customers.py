"""Customer, contact and project pages; the CSV import page; the digest preference page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supportdesk.tickets import services
from supportdesk.tickets.models import Contact, Customer, NotificationPreference, Project
from supportdesk.tickets.tests.factories import (
    ContactEmailFactory,
    ContactFactory,
    ContactPhoneFactory,
    CustomerFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db


def login(client, user, language="de"):
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def stadtwerke(coordinator):
    customer = CustomerFactory(code="stadtwerke", name="Stadtwerke Regensburg", project_manager=coordinator)
    maria = ContactFactory(customer=customer, name="Maria Huber")
    ContactPhoneFactory(contact=maria, number="+49941123456")
    ContactEmailFactory(contact=maria, address="maria@sw.example")
    ProjectFactory(customer=customer, name="Netzleitstelle")
    return customer


# --- pages in both languages --------------------------------------------------------------------

PAGES = [
    ("customer_list", []),
    ("customer_detail", ["stadtwerke"]),
    ("customer_create", []),
    ("customer_edit", ["stadtwerke"]),
    ("customer_import", []),
    ("contact_add", ["stadtwerke"]),
    ("project_add", ["stadtwerke"]),
    ("preferences", []),
]


@pytest.mark.parametrize(("language", "word"), [("de", "Abmelden"), ("en", "Log out")])
@pytest.mark.parametrize(("page", "args"), PAGES)
def test_pages_render_in_german_and_english(client, coordinator, stadtwerke, language, word, page, args):
    login(client, coordinator, language)

    response = client.get(reverse(f"tickets:{page}", args=args))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{language}"' in html and word in html
    assert "tickets/tickets.css" in html and "style=" not in html and "hx-on" not in html and "<script>" not in html


def test_contact_edit_page_renders(client, coordinator, stadtwerke):
    login(client, coordinator)
    maria = Contact.objects.get(name="Maria Huber")
    html = client.get(reverse("tickets:contact_edit", args=["stadtwerke", maria.pk])).content.decode()
    assert "+49 941 123456" in html and "maria@sw.example" in html


def test_ticket_list_header_links_customers_and_preferences(client, agent):
    login(client, agent, "en")
    html = client.get(reverse("tickets:list")).content.decode()
    assert reverse("tickets:customer_list") in html and reverse("tickets:preferences") in html


# --- list and detail ---------------------------------------------------------------------------


def test_customer_list_searches_name_and_code_and_shows_the_project_manager(client, agent, stadtwerke):
    CustomerFactory(code="brauerei", name="Brauerei Kneitinger")
    login(client, agent)

    by_name = client.get(reverse("tickets:customer_list"), {"q": "stadtw"}).content.decode()
    by_code = client.get(reverse("tickets:customer_list"), {"q": "braue"}, HTTP_HX_REQUEST="true").content.decode()

    assert "Stadtwerke Regensburg" in by_name and "Horst Schreiber" in by_name and "Kneitinger" not in by_name
    assert by_code.lstrip().startswith('<div id="customer-rows"') and "Kneitinger" in by_code
    assert "Stadtwerke" not in by_code


def test_customer_list_query_count_is_the_same_for_2_and_20_customers(client, agent, coordinator):
    login(client, agent)
    for customer in CustomerFactory.create_batch(2, project_manager=coordinator):
        services.ticket_create(actor=agent, subject="Offen", customer=customer)
    client.get(reverse("tickets:customer_list"))  # sessions, caches
    with CaptureQueriesContext(connection) as two:
        assert client.get(reverse("tickets:customer_list")).status_code == 200
    for customer in CustomerFactory.create_batch(18, project_manager=coordinator):
        services.ticket_create(actor=agent, subject="Offen", customer=customer)
    with CaptureQueriesContext(connection) as twenty:
        html = client.get(reverse("tickets:customer_list")).content.decode()
    assert html.count(reverse("tickets:customer_detail", args=["x"])[:-2]) >= 20
    assert len(twenty.captured_queries) == len(two.captured_queries)


def test_customer_page_shows_contacts_projects_and_open_tickets(client, agent, stadtwerke):
    login(client, agent)
    maria = Contact.objects.get(name="Maria Huber")
    services.ticket_create(actor=agent, subject="Zähler liest nicht", customer=stadtwerke, contact=maria)
    closed = services.ticket_create(actor=agent, subject="Längst erledigt", customer=stadtwerke)
    services.ticket_update(agent, closed, 1, status="closed")

    html = client.get(reverse("tickets:customer_detail", args=["stadtwerke"])).content.decode()

    assert "Maria Huber" in html and "+49 941 123456" in html and "mailto:maria@sw.example" in html
    assert "Netzleitstelle" in html and "Zähler liest nicht" in html and "Längst erledigt" not in html
    assert reverse("tickets:contact_add", args=["stadtwerke"]) in html
    assert reverse("tickets:customer_edit", args=["stadtwerke"]) not in html  # agents do not edit


def test_unknown_customer_and_foreign_contact_are_404(client, coordinator, stadtwerke):
    login(client, coordinator)
    other = ContactFactory(customer=CustomerFactory(code="andere"))
    assert client.get(reverse("tickets:customer_detail", args=["gibtsnicht"])).status_code == 404
    assert client.get(reverse("tickets:contact_edit", args=["stadtwerke", other.pk])).status_code == 404


# --- permissions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "args"),
    [
        ("customer_create", []),
        ("customer_edit", ["stadtwerke"]),
        ("customer_import", []),
        ("project_add", ["stadtwerke"]),
    ],
)
def test_agents_may_not_edit_customers(client, agent, stadtwerke, page, args):
    login(client, agent, "en")
    assert client.get(reverse(f"tickets:{page}", args=args)).status_code == 403
    response = client.post(reverse(f"tickets:{page}", args=args), {"code": "x", "name": "Neu"})
    assert response.status_code == 403 and "Only a coordinator" in response.content.decode()
    assert Customer.objects.count() == 1 and Project.objects.count() == 1
    assert Customer.objects.get().name == "Stadtwerke Regensburg"


def test_agents_may_not_edit_a_contact(client, agent, stadtwerke):
    login(client, agent)
    maria = Contact.objects.get(name="Maria Huber")
    url = reverse("tickets:contact_edit", args=["stadtwerke", maria.pk])
    assert client.post(url, {"name": "Anders"}).status_code == 403
    maria.refresh_from_db()
    assert maria.name == "Maria Huber"


def test_an_agent_may_add_a_contact_with_normalised_numbers(client, agent, stadtwerke):
    login(client, agent)

    response = client.post(
        reverse("tickets:contact_add", args=["stadtwerke"]),
        {"name": "  Karl   Maier ", "phones": "0941 654321\n+49 170 1234567", "emails": "K.Maier@SW.example"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:customer_detail", args=["stadtwerke"])
    karl = Contact.objects.get(name="Karl Maier")
    assert karl.customer == stadtwerke
    assert sorted(karl.phones.values_list("number", flat=True)) == ["+491701234567", "+49941654321"]
    assert list(karl.emails.values_list("address", flat=True)) == ["k.maier@sw.example"]


def test_signed_out_users_are_sent_to_login(client, stadtwerke):
    for url in (reverse("tickets:customer_list"), reverse("tickets:customer_detail", args=["stadtwerke"])):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "data", "message"),
    [
        ("en", {"name": "X", "phones": "12"}, "Not a valid phone number: 12."),
        ("en", {"name": "X", "phones": "0941 123456, abc"}, "Not a valid phone number: abc."),
        ("en", {"name": "X", "emails": "kein-at-zeichen"}, "Not a valid mail address: kein-at-zeichen."),
        ("en", {"name": ""}, "This field is required."),
        ("de", {"name": "X", "phones": "12"}, "12"),
    ],
)
def test_contact_bad_input_is_a_clear_message(client, agent, stadtwerke, language, data, message):
    login(client, agent, language)

    response = client.post(reverse("tickets:contact_add", args=["stadtwerke"]), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Contact.objects.count() == 1


def test_coordinator_creates_and_edits_a_customer(client, coordinator, agent):
    login(client, coordinator)

    response = client.post(
        reverse("tickets:customer_create"), {"code": "brauerei", "name": "Brauerei", "project_manager": agent.pk}
    )
    assert response.status_code == 302
    customer = Customer.objects.get(code="brauerei")
    assert customer.project_manager == agent

    response = client.post(
        reverse("tickets:customer_edit", args=["brauerei"]),
        {"code": "brauerei-kneitinger", "name": "Brauerei Kneitinger", "project_manager": ""},
    )
    assert response["Location"] == reverse("tickets:customer_detail", args=["brauerei-kneitinger"])
    customer.refresh_from_db()
    assert (customer.code, customer.name) == ("brauerei-kneitinger", "Brauerei Kneitinger")
    assert customer.project_manager is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "stadtwerke", "name": "Doppelt"}, "already exists"),
        ({"code": "kein slug!", "name": "X"}, "Enter a valid"),
        ({"code": "new", "name": "X"}, "cannot be used as a key"),
        ({"code": "ok", "name": ""}, "This field is required."),
        ({"code": "ok", "name": "X", "project_manager": "999999"}, "Select a valid choice"),
    ],
)
def test_customer_bad_input_is_a_clear_message(client, coordinator, stadtwerke, data, message):
    login(client, coordinator, "en")

    response = client.post(reverse("tickets:customer_create"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Customer.objects.count() == 1


def test_editing_to_a_taken_code_is_refused(client, coordinator, stadtwerke):
    CustomerFactory(code="brauerei", name="Brauerei")
    login(client, coordinator, "en")
    response = client.post(reverse("tickets:customer_edit", args=["brauerei"]), {"code": "stadtwerke", "name": "B"})
    assert response.status_code == 400 and "already exists" in response.content.decode()
    assert Customer.objects.filter(code="brauerei", name="Brauerei").exists()


def test_coordinator_edits_a_contact_replacing_numbers_and_mails(client, coordinator, stadtwerke):
    login(client, coordinator)
    maria = Contact.objects.get(name="Maria Huber")
    ticket = services.ticket_create(actor=coordinator, subject="Zähler", contact=maria)

    response = client.post(
        reverse("tickets:contact_edit", args=["stadtwerke", maria.pk]),
        {"name": "Maria Huber-Schmidt", "phones": "+49 941 123456\n0170 7654321", "emails": ""},
    )

    assert response.status_code == 302
    maria.refresh_from_db()
    assert maria.name == "Maria Huber-Schmidt"
    assert sorted(maria.phones.values_list("number", flat=True)) == ["+491707654321", "+49941123456"]
    assert not maria.emails.exists()
    found = client.get(reverse("tickets:list"), {"q": "Schmidt"}).content.decode()
    assert ticket.number in found  # the ticket's search document knows the new name


def test_coordinator_adds_a_project_and_a_duplicate_is_a_message(client, coordinator, stadtwerke):
    login(client, coordinator, "en")
    url = reverse("tickets:project_add", args=["stadtwerke"])

    assert client.post(url, {"name": "Abrechnung", "manager": coordinator.pk}).status_code == 302
    response = client.post(url, {"name": "Netzleitstelle", "manager": ""})

    assert response.status_code == 400 and "already exists" in response.content.decode()
    assert sorted(stadtwerke.projects.values_list("name", flat=True)) == ["Abrechnung", "Netzleitstelle"]
    assert Project.objects.get(name="Abrechnung").manager == coordinator


# --- CSV import ------------------------------------------------------------------------------------

GOOD = """customer_code;customer_name;project_manager;contact_name;emails;phones
brauerei;Brauerei Kneitinger;horst;Karl Maier;karl@brauerei.example;0941 654321
"""


def upload(client, text, encoding="utf-8"):
    file = SimpleUploadedFile("kunden.csv", text.encode(encoding), content_type="text/csv")
    return client.post(reverse("tickets:customer_import"), {"file": file})


def test_import_page_imports_a_good_file(client, coordinator):
    login(client, coordinator, "en")

    response = upload(client, GOOD)

    assert response.status_code == 302 and response["Location"] == reverse("tickets:customer_list")
    assert Customer.objects.get(code="brauerei").project_manager == coordinator
    assert list(Contact.objects.get(name="Karl Maier").phones.values_list("number", flat=True)) == ["+49941654321"]


@pytest.mark.parametrize("language", ["de", "en"])
def test_import_page_lists_the_bad_lines_and_writes_nothing(client, coordinator, language):
    login(client, coordinator, language)
    bad = GOOD + "stadtwerke;Stadtwerke;niemand;Maria;maria@sw.example;12\n"

    response = upload(client, bad)

    assert response.status_code == 400
    html = response.content.decode()
    unknown = {"de": "Unbekannte Projektleitung", "en": "Unknown project manager"}[language]
    assert f"{unknown} &#x27;niemand&#x27;" in html and '<td class="num">3</td>' in html
    assert not Customer.objects.exists() and not Contact.objects.exists()


@pytest.mark.parametrize(
    ("content", "encoding", "message"),
    [
        ("kunde;ä\n", "latin-1", "not UTF-8"),
        ("only,two\n1,2\n", "utf-8", "Missing columns"),
        ("", "utf-8", "The submitted file is empty."),
    ],
)
def test_import_page_bad_files_are_messages(client, coordinator, content, encoding, message):
    login(client, coordinator, "en")
    response = upload(client, content, encoding)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html or message in " ".join(messages_of(response))
    assert not Customer.objects.exists()


# --- digest preference -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "en"])
def test_preference_page_switches_the_digest_off_and_on(client, agent, language):
    login(client, agent, language)
    url = reverse("tickets:preferences")
    assert "checked" in client.get(url).content.decode()  # on by default

    assert client.post(url, {}).status_code == 302
    assert NotificationPreference.objects.get(user=agent).digest is False
    assert "checked" not in client.get(url).content.decode().split('name="digest"')[1].split(">")[0]

    assert client.post(url, {"digest": "on"}).status_code == 302
    assert NotificationPreference.objects.get(user=agent).digest is True
