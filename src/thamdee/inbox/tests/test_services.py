"""The inbox writes each notice in Thai and English; what people wrote is kept as written."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext_lazy as _

from tests.factories import UserFactory
from thamdee.inbox.services import notify

pytestmark = pytest.mark.django_db


def test_a_translated_title_is_filled_in_and_a_persons_text_is_kept_as_written():
    person = UserFactory()
    note = notify(
        user=person,
        kind="gift_received",
        title=_("คุณได้รับ {amount} เครดิตจาก {name}"),
        body="ขอบคุณ {name} {amount.__class__}",  # a gift message typed by someone
        amount=5,
        name="สมศรี",
    )
    assert note.title_th == "คุณได้รับ 5 เครดิตจาก สมศรี"
    assert "5" in note.title_en and "สมศรี" in note.title_en
    assert note.body_th == note.body_en == "ขอบคุณ {name} {amount.__class__}"
