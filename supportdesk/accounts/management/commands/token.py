from typing import Any

from django.core.management.base import BaseCommand, CommandError

from supportdesk.accounts.models import User
from supportdesk.accounts.services import api_token_create


class Command(BaseCommand):
    help = "API tokens: `token create <username> [--name NAME]` prints a new token once."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token for a user and print it.")
        create.add_argument("username")
        create.add_argument("--name", default="cli")

    def handle(self, *args: Any, action: str, username: str, name: str, **options: Any) -> None:
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"No active user named {username!r}.") from exc
        _token, raw = api_token_create(user=user, name=name)
        self.stdout.write(raw)
