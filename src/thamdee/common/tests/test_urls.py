import uuid

from django.urls import reverse

from thamdee.common.urls import uuid_url


def test_a_url_reversed_once_equals_reverse_for_every_id() -> None:
    fill = uuid_url("ledger:entry")
    for ident in (uuid.uuid4(), uuid.uuid4(), str(uuid.uuid4())):
        assert fill(ident) == reverse("ledger:entry", args=[ident])
    assert uuid_url("rewards:voucher")(ident) == reverse("rewards:voucher", args=[ident])


def test_next_stays_on_this_site(rf) -> None:  # type: ignore[no-untyped-def]
    from thamdee.common.urls import safe_next

    for wanted, expected in [
        ("/deeds/queue/?page=2", "/deeds/queue/?page=2"),
        ("https://evil.example/login", "/home/"),
        ("//evil.example/login", "/home/"),
        ("javascript:alert(1)", "/home/"),
        ("", "/home/"),
    ]:
        request = rf.post("/x/", {"next": wanted})
        assert safe_next(request, "/home/") == expected, wanted
