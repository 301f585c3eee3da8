import pytest
from django.urls import reverse

from tests.factories import UserFactory, national_id
from thamdee.people.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-42"


def login(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(reverse("people:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_sign_in_by_mobile_number_in_any_format(client):
    user = UserFactory(mobile="0812223333")
    response = login(client, "081-222-3333")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_in_by_user_name(client):
    user = UserFactory(username="malee")
    assert login(client, "malee").status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_password_gives_a_clear_thai_error(client):
    UserFactory(username="malee")
    response = login(client, "malee", "wrong-password")
    assert response.status_code == 200
    assert "รหัสผ่านไม่ถูกต้อง" in response.content.decode()


class TestLockout:
    """django-axes locks a user name together with an address, never an address alone."""

    def test_five_failures_lock_that_user_from_that_address(self, client):
        UserFactory(username="somchai")
        for _ in range(5):
            login(client, "somchai", "wrong-password", ip="10.9.9.9")
        response = login(client, "somchai", PASSWORD, ip="10.9.9.9")
        assert response.status_code == 429
        assert "ระงับการเข้าสู่ระบบชั่วคราว" in response.content.decode()

    def test_others_behind_the_same_village_address_can_still_sign_in(self, client):
        UserFactory(username="somchai")
        neighbour = UserFactory(username="somying")
        for _ in range(5):
            login(client, "somchai", "wrong-password", ip="10.9.9.9")
        assert login(client, "somying", PASSWORD, ip="10.9.9.9").status_code == 302
        assert client.session["_auth_user_id"] == str(neighbour.pk)

    def test_the_same_user_from_another_address_is_not_locked(self, client):
        owner = UserFactory(username="somchai")
        for _ in range(5):
            login(client, "somchai", "wrong-password", ip="10.9.9.9")
        assert login(client, "somchai", PASSWORD, ip="10.1.1.1").status_code == 302
        assert client.session["_auth_user_id"] == str(owner.pk)


def test_sign_up_creates_an_account_signs_in_and_keeps_no_national_id(client):
    value = national_id(3)
    response = client.post(
        reverse("people:signup"),
        {
            "prefix": "นาง",
            "first_name": "มาลี",
            "last_name": "ใจดี",
            "mobile": "0833334444",
            "birth_year": "2515",
            "national_id": value,
            "password1": "a-long-pass-99",
            "password2": "a-long-pass-99",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(mobile="0833334444")
    assert user.birth_year == 1972
    assert user.has_national_id
    assert value not in str(User.objects.filter(pk=user.pk).values().first())


def test_sign_up_with_a_bad_national_id_explains_and_saves_nothing(client):
    response = client.post(
        reverse("people:signup"),
        {
            "first_name": "มาลี",
            "last_name": "ใจดี",
            "mobile": "0833334445",
            "national_id": "1234567890123",
            "password1": "a-long-pass-99",
            "password2": "a-long-pass-99",
        },
    )
    assert response.status_code == 400
    assert "เลขประจำตัวประชาชนไม่ถูกต้อง" in response.content.decode()
    assert not User.objects.filter(mobile="0833334445").exists()


def test_the_profile_page_never_shows_the_national_id(client):
    user = UserFactory()
    client.force_login(user)
    value = national_id(4)
    response = client.post(reverse("people:profile"), {"action": "national_id", "n-national_id": value})
    assert response.status_code == 302
    page = client.get(reverse("people:profile")).content.decode()
    assert value not in page
    assert "บันทึกแล้ว" in page


def test_consent_toggles_with_one_click(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("people:consent"), {"purpose": "publish_name", "grant": "1"})
    assert user.consents.filter(withdrawn_at=None).count() == 1
    client.post(reverse("people:consent"), {"purpose": "publish_name", "grant": "0"})
    assert user.consents.filter(withdrawn_at=None).count() == 0
