import urllib.request
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from supportdesk.accounts.models import User
from supportdesk.core.exceptions import DomainError
from supportdesk.roster import services
from supportdesk.roster.models import AbsenceKind

MAX_BYTES = 10 * 1024 * 1024


def read_source(source: str) -> bytes:
    """A local path, or an http(s) URL (an exported or published vacation calendar)."""
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310 - scheme checked above
                return bytes(response.read(MAX_BYTES + 1))[: MAX_BYTES + 1]
        except OSError as exc:
            raise CommandError(f"Cannot fetch {source}: {exc}") from exc
    path = Path(source)
    if not path.is_file():
        raise CommandError(f"No such file: {source}")
    return path.read_bytes()


class Command(BaseCommand):
    help = "Import absences from an iCalendar file or URL; events are matched to people by mail address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", metavar="PATH_OR_URL")
        parser.add_argument("--kind", choices=AbsenceKind.values, default=AbsenceKind.VACATION)
        parser.add_argument("--as", dest="actor", help="Username of the coordinator importing; default the system.")

    def handle(self, *args: Any, source: str, kind: str, actor: str | None, **options: Any) -> None:
        data = read_source(source)
        if len(data) > MAX_BYTES:
            raise CommandError(f"{source} is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        user = None
        if actor:
            user = User.objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"No user {actor!r}.")
        try:
            with translation.override("en"):  # the command speaks English, as its other output
                report = services.absences_import_ical(actor=user, data=data, kind=kind)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.unmatched)} not imported"
        )
        for item in report.unmatched:
            self.stdout.write(f"  {item['uid']} {item['summary']!r}: {item['reason']}")
