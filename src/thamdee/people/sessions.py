"""Sessions in the database, as Django's ``db`` engine, with the read that every signed-in request makes done in
one plain statement (no SQL compiled per request)."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.sessions.backends import db
from django.utils import timezone

_LOAD_SQL = (
    "SELECT session_key, session_data, expire_date FROM django_session WHERE session_key = %s AND expire_date > %s"
)

# What Django makes (32 of VALID_KEY_CHARS: lowercase ASCII letters and digits), within its own bounds (at least 8;
# the column holds 40). The cookie is the client's to write: Python's cookie parser turns an octal escape such as
# "\000" into a NUL, which PostgreSQL refuses even to compare (a 500, on the error page too).
_SESSION_KEY = re.compile(r"[a-z0-9]{8,40}")


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key: Any) -> bool:
        """A key that Django could have made; any other (a NUL, other text, too long) is no session at all."""
        return isinstance(key, str) and _SESSION_KEY.fullmatch(key) is not None

    def _get_session_from_db(self) -> Any:
        if self.session_key is None:  # none sent, or refused above: nothing to read
            return None
        sql = _LOAD_SQL.format(table=self.model._meta.db_table)
        found = list(self.model.objects.raw(sql, [self.session_key, timezone.now()]))
        if found:
            return found[0]
        self._session_key = None
        return None
