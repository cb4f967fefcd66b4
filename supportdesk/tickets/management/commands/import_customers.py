from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from supportdesk.tickets.exceptions import ImportFailed
from supportdesk.tickets.imports import customers_import


class Command(BaseCommand):
    help = "Import customers and contacts from a CSV file; all rows or none (see supportdesk.tickets.imports)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            with translation.override("en"):  # the command speaks English, as its other output
                report = customers_import(text=text)
        except ImportFailed as exc:
            for line, message in exc.errors:
                self.stderr.write(f"line {line}: {message}")
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"customers: {report.customers_created} created, {report.customers_updated} updated; "
            f"contacts: {report.contacts_created} created, {report.contacts_updated} updated"
        )
