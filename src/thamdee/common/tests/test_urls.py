import uuid

from django.urls import reverse

from thamdee.common.urls import uuid_url


def test_a_url_reversed_once_equals_reverse_for_every_id() -> None:
    fill = uuid_url("ledger:entry")
    for ident in (uuid.uuid4(), uuid.uuid4(), str(uuid.uuid4())):
        assert fill(ident) == reverse("ledger:entry", args=[ident])
    assert uuid_url("rewards:voucher")(ident) == reverse("rewards:voucher", args=[ident])
