import pytest
from django.core.management import CommandError, call_command

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.tickets.exceptions import ImportFailed
from supportdesk.tickets.imports import customers_import
from supportdesk.tickets.models import Contact, Customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

GOOD = """customer_code;customer_name;project_manager;contact_name;emails;phones
stadtwerke;Stadtwerke Regensburg;pm;Maria Huber;maria@sw.example|M.Huber@SW.example;0941 123456
stadtwerke;Stadtwerke Regensburg;pm;Karl Maier;;+49 941 654321
brauerei;Brauerei Kneitinger;;;;
"""


def test_import_creates_customers_and_contacts_with_normalised_numbers():
    pm = UserFactory(username="pm")

    report = customers_import(text=GOOD)

    assert (report.customers_created, report.contacts_created) == (2, 2)
    stadtwerke = Customer.objects.get(code="stadtwerke")
    assert stadtwerke.project_manager == pm
    maria = Contact.objects.get(name="Maria Huber")
    assert list(maria.phones.values_list("number", flat=True)) == ["+49941123456"]
    assert sorted(maria.emails.values_list("address", flat=True)) == ["m.huber@sw.example", "maria@sw.example"]


def test_import_twice_changes_nothing():
    UserFactory(username="pm")
    customers_import(text=GOOD)
    customers_import(text=GOOD)
    assert (Customer.objects.count(), Contact.objects.count()) == (2, 2)


def test_bad_rows_are_reported_by_line_and_nothing_is_written():
    text = GOOD.replace("0941 123456", "12").replace(";pm;Karl", ";nobody;Karl")

    with pytest.raises(ImportFailed) as exc_info:
        customers_import(text=text)

    lines = [line for line, _message in exc_info.value.errors]
    assert lines == [2, 3]
    assert "Unknown project manager 'nobody'" in exc_info.value.errors[1][1]
    assert not Customer.objects.exists() and not Contact.objects.exists()


def test_command(tmp_path, capsys):
    UserFactory(username="pm")
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    call_command("import_customers", str(good))
    assert "customers: 2 created" in capsys.readouterr().out

    bad = tmp_path / "bad.csv"
    bad.write_text("customer_code,customer_name,contact_name\n,x,y\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_customers", str(bad))
    assert "line 2: customer_code is empty." in capsys.readouterr().err
