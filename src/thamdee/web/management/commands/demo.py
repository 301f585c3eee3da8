from __future__ import annotations

import time
from importlib import import_module

from django.core.management.base import BaseCommand, CommandError, CommandParser

from thamdee.web.demo.base import DEMO_PASSWORD, Demo

# Each part of the domain adds its step; a step is idempotent, so the command may run any number of times.
STEPS = [
    "thamdee.web.demo.base",
    "thamdee.web.demo.ledger",
    "thamdee.web.demo.deeds",
    "thamdee.web.demo.reports",
    "thamdee.web.demo.rewards",
    "thamdee.web.demo.recognition",
    "thamdee.web.demo.anomalies",
    "thamdee.web.demo.assessments",
]


class Command(BaseCommand):
    help = "Load the demo pilot (idempotent) and print one login per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--logins", action="store_true", help="only print the demo logins")

    def handle(self, *args: object, **options: object) -> None:
        from thamdee.people.models import User

        if options["logins"] and not User.objects.filter(username="demo-admin").exists():
            # --logins reads the logins of a demo already loaded; it must not load one (a site admin with a
            # published password) into a database that has none
            raise CommandError("the demo pilot is not loaded here: run `thamdee demo` first")
        demo = Demo()
        started = time.perf_counter()
        steps = STEPS if not options["logins"] else STEPS[:1]
        for name in steps:
            t = time.perf_counter()
            import_module(name).run(demo)
            if options["verbosity"] and int(options["verbosity"]) > 1:  # type: ignore[call-overload]
                self.stdout.write(f"  {name.rsplit('.', 1)[-1]}: {time.perf_counter() - t:.1f} s")
        self.stdout.write(f"demo pilot ready in {time.perf_counter() - started:.1f} s")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for role, user in demo.logins.items():
            self.stdout.write(f"  {role:<62} {user.username:<16} {user.mobile or ''}")
