"""Sessions in the database, as Django's ``db`` engine, with the read that every signed-in request makes done in
one plain statement (no SQL compiled per request)."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.utils import timezone

_LOAD_SQL = (
    "SELECT session_key, session_data, expire_date FROM django_session WHERE session_key = %s AND expire_date > %s"
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        sql = _LOAD_SQL.format(table=self.model._meta.db_table)
        found = list(self.model.objects.raw(sql, [self.session_key, timezone.now()]))
        if found:
            return found[0]
        self._session_key = None
        return None
