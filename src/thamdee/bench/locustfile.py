"""The web under load: members, organisers and agency staff, as ``thamdee bench web`` runs them.

Run by ``thamdee bench web`` (which prepares the database, gunicorn and the settings below); by hand:

    THAMDEE_BENCH_USERS=var/bench-web-users.json locust -f src/thamdee/bench/locustfile.py \\
        --headless -u 46 -r 10 -t 60s --host http://127.0.0.1:8765

Each simulated person signs in once through the real sign-in form (the demo password; django-axes stays on
and never sees a wrong password), or takes a session that ``thamdee bench web`` opened through that same form
before the runs (so that the deliberately slow password hashing stays out of the measured window), then
browses:

- members (most of the load): home, passbook, the deed-report form, and now and then a real report of a deed
  (a multipart POST without a photo, of a deed type that needs none);
- organisers: the verification queue;
- agency staff: the reports dashboard.

Every page is checked for its status (a redirect to the sign-in page is an error) and a marker in its HTML.
Requests are named ``<group>:<page>``; beside Locust's own CSV, the file also gathers exact per-page
latency histograms for the measurement window (from ``THAMDEE_BENCH_FROM`` to ``THAMDEE_BENCH_UNTIL``, epoch
seconds, so that sign-ins and warm-up stay out), merges them from every Locust process, and writes them as
JSON to ``THAMDEE_BENCH_OUT``.

Environment (all optional): ``THAMDEE_BENCH_USERS`` (the JSON of accounts), ``THAMDEE_BENCH_RATE`` (requests
per second each member aims at; 0 means no pause at all), ``THAMDEE_BENCH_STAFF_RATE`` (the same for
organisers and agency staff), ``THAMDEE_BENCH_ORGANISERS`` and ``THAMDEE_BENCH_AGENCY`` (how many of each),
``THAMDEE_BENCH_FLOOR=1`` (only the floor user: the health endpoint, no sign-in).
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
import uuid
from collections import Counter
from http.cookiejar import Cookie
from typing import Any
from urllib.parse import urlsplit

from locust import FastHttpUser, constant, constant_throughput, events, task
from locust.runners import MasterRunner, WorkerRunner

USERS_FILE = os.environ.get("THAMDEE_BENCH_USERS", "var/bench-web-users.json")
MEMBER_RATE = float(os.environ.get("THAMDEE_BENCH_RATE", "0"))
STAFF_RATE = float(os.environ.get("THAMDEE_BENCH_STAFF_RATE", "1"))
FLOOR = os.environ.get("THAMDEE_BENCH_FLOOR", "") == "1"
MEASURE_FROM = float(os.environ.get("THAMDEE_BENCH_FROM", "0"))
MEASURE_UNTIL = float(os.environ.get("THAMDEE_BENCH_UNTIL", "1e12"))
OUT = os.environ.get("THAMDEE_BENCH_OUT", "")

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _accounts() -> dict[str, Any]:
    if FLOOR:
        return {"password": "", "members": [], "organisers": [], "agency": []}
    with open(USERS_FILE, encoding="utf-8") as handle:
        return json.load(handle)


ACCOUNTS = _accounts()


def _pace(rate: float) -> Any:
    return constant_throughput(rate) if rate > 0 else constant(0)


# --- the exact per-group histograms of the measurement window ------------------------------------------------


class Window:
    """Response times (0.1 ms buckets) per request name, for requests that ended inside the window."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, Counter[int]] = {}
        self.errors: Counter[str] = Counter()  # over the whole run, warm-up included
        self.error_samples: dict[str, str] = {}

    def add(self, group: str, ms: float, ended: float, error: Any) -> None:
        with self.lock:
            if error is not None:
                self.errors[group] += 1
                self.error_samples.setdefault(group, str(error)[:300])
            if MEASURE_FROM <= ended <= MEASURE_UNTIL:
                self.times.setdefault(group, Counter())[int(ms * 10)] += 1

    def take(self) -> dict[str, Any]:
        with self.lock:
            data = {
                "times": {g: dict(c) for g, c in self.times.items()},
                "errors": dict(self.errors),
                "error_samples": dict(self.error_samples),
            }
            self.times, self.errors, self.error_samples = {}, Counter(), {}
            return data

    def merge(self, data: dict[str, Any]) -> None:
        with self.lock:
            for group, buckets in data.get("times", {}).items():
                counter = self.times.setdefault(group, Counter())
                for bucket, count in buckets.items():
                    counter[int(bucket)] += count
            self.errors.update(data.get("errors", {}))
            for group, sample in data.get("error_samples", {}).items():
                self.error_samples.setdefault(group, sample)


WINDOW = Window()  # in a worker: what is not yet sent; in the master or a single process: everything
_runner: dict[str, Any] = {}


@events.init.add_listener
def _on_init(environment: Any, **_: Any) -> None:
    _runner["runner"] = environment.runner


@events.request.add_listener
def _on_request(name: str, response_time: float, exception: Any, **_: Any) -> None:
    WINDOW.add(name, response_time, time.time(), exception)


@events.report_to_master.add_listener
def _on_report(client_id: str, data: dict[str, Any]) -> None:
    data["thamdee"] = WINDOW.take()


@events.worker_report.add_listener
def _on_worker_report(client_id: str, data: dict[str, Any]) -> None:
    if "thamdee" in data:
        WINDOW.merge(data["thamdee"])


@events.quitting.add_listener
def _on_quitting(environment: Any, **_: Any) -> None:
    if not OUT or isinstance(environment.runner, WorkerRunner):
        return
    WINDOW.merge({})  # the master has merged every worker's last report by now
    data = {
        "from": MEASURE_FROM,
        "until": MEASURE_UNTIL,
        "times": {g: dict(c) for g, c in WINDOW.times.items()},
        "errors": dict(WINDOW.errors),
        "error_samples": WINDOW.error_samples,
        "distributed": isinstance(environment.runner, MasterRunner),
    }
    with open(OUT, "w", encoding="utf-8") as handle:
        json.dump(data, handle)


# --- the people ----------------------------------------------------------------------------------------------


def _cookie(name: str, value: str, host: str) -> Cookie:
    return Cookie(0, name, value, None, False, host, False, False, "/", True, False, None, False, None, None, {})


class Person(FastHttpUser):
    abstract = True
    kind = ""
    insecure = True

    def on_start(self) -> None:
        pool = ACCOUNTS[self.kind]
        # Spread people over the accounts: the n-th person of a kind takes the n-th account.
        counters = ACCOUNTS.setdefault("_next", {})
        index = counters.get(self.kind, random.randrange(len(pool)))
        counters[self.kind] = index + 1
        self.account = pool[index % len(pool)]
        self.csrf = ""
        if self.account.get("cookies"):
            host = str(urlsplit(self.host or "").hostname or "127.0.0.1")
            for name, value in self.account["cookies"].items():
                self.client.cookiejar.set_cookie(_cookie(name, value, host))
        else:
            self.sign_in()

    def sign_in(self) -> None:
        form = self.client.get("/accounts/login/", name="login:form")
        match = CSRF_FIELD.search(form.text or "")
        with self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": match.group(1) if match else "",
                "username": self.account["username"],
                "password": ACCOUNTS["password"],
                "next": "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login:post",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}")

    def page(self, path: str, name: str, marker: str) -> str:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            text = response.text or ""
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")
            elif marker not in text:
                response.failure(f"no {marker!r} in the page")
            return text


class Member(Person):
    kind = "members"
    weight = 40
    wait_time = _pace(MEMBER_RATE)

    @task(4)
    def home(self) -> None:
        text = self.page("/", "member:home", 'data-testid="home-greeting"')
        if not self.csrf:
            match = CSRF_META.search(text)
            self.csrf = match.group(1) if match else ""

    @task(3)
    def passbook(self) -> None:
        self.page("/passbook/", "member:passbook", 'data-testid="passbook-lines"')

    @task(2)
    def report_form(self) -> None:
        self.page("/deeds/report/", "member:report", 'data-testid="report-form"')

    @task(1)
    def report_deed(self) -> None:
        if not self.csrf:
            return self.home()
        boundary = uuid.uuid4().hex
        fields = {
            "csrfmiddlewaretoken": self.csrf,
            "deed_type": self.account["deed_type"],
            "done_on": time.strftime("%Y-%m-%d"),
            "area": "",
            "hours": "1",
            "quantity": "",
            "beneficiaries": "1",
            "description": "ดูแลผู้สูงอายุข้างบ้าน (ทดสอบภาระ)",
            "token": str(uuid.uuid4()),  # the form's one-time token, as a browser sends it
        }
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename=""\r\n'
            "Content-Type: application/octet-stream\r\n\r\n\r\n"
        )
        body = "".join(parts) + f"--{boundary}--\r\n"  # the client encodes it as UTF-8
        with self.client.post(
            "/deeds/report/",
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            name="member:report-post",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/deeds/" not in response.headers.get("Location", ""):
                response.failure(f"report answered {response.status_code}")
        return None


class Organiser(Person):
    kind = "organisers"
    fixed_count = int(os.environ.get("THAMDEE_BENCH_ORGANISERS", "4"))
    wait_time = _pace(STAFF_RATE)

    @task
    def queue(self) -> None:
        self.page("/deeds/queue/", "organiser:queue", 'data-testid="queue"')


class AgencyStaff(Person):
    kind = "agency"
    fixed_count = int(os.environ.get("THAMDEE_BENCH_AGENCY", "2"))
    wait_time = _pace(STAFF_RATE)

    @task
    def dashboard(self) -> None:
        self.page("/reports/", "agency:dashboard", 'id="dashboard-data"')


class Floor(FastHttpUser):
    """The machine's ceiling for this stack: Django's whole middleware chain and a view that does nothing."""

    abstract = not FLOOR
    wait_time = constant(0)

    @task
    def health(self) -> None:
        with self.client.get("/healthz", name="floor:health", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(str(response.status_code))


if FLOOR:
    Member.abstract = Organiser.abstract = AgencyStaff.abstract = True
