"""The ``supportdesk`` console command: the management commands users need.

supportdesk run                  web server, task worker, scheduler and mail listener together
supportdesk oncall [--at ISO]    who is on duty now
supportdesk token create USER    print a new API token
supportdesk plan generate|publish …
supportdesk <any manage.py command>
"""

import os
import sys

ALIASES = {"oncall": "oncall", "token": "token", "plan": "plan", "run": "run_all", "demo": "load_demo"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] in ALIASES:
        args[1] = ALIASES[args[1]]
    args[0] = "supportdesk"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
