from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, national_id
from thamdee.people.models import SignUpAttempt, User
from thamdee.people.validators import national_id_hmac

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-42"
NEW_PASSWORD = "a-long-pass-99"


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


def sign_up(client, mobile, national_id_value="", ip="10.0.0.1", password=NEW_PASSWORD, **headers):
    return client.post(
        reverse("people:signup"),
        {
            "first_name": "มาลี",
            "last_name": "ใจดี",
            "mobile": mobile,
            "national_id": national_id_value,
            "password1": password,
            "password2": password,
        },
        REMOTE_ADDR=ip,
        **headers,
    )


class TestSignUpDoesNotTellWhoHasAnAccount:
    """A mobile number or national ID that already has an account gets one neutral answer, which names neither."""

    def test_a_taken_mobile_number_is_not_named_as_taken(self, client):
        UserFactory(mobile="0835550001")
        response = sign_up(client, "0835550001")
        page = response.content.decode()
        assert response.status_code == 400
        assert 'data-error-code="signup_not_possible"' in page
        assert "มีบัญชีอยู่แล้ว" not in page
        assert User.objects.filter(mobile="0835550001").count() == 1

    def test_a_taken_national_id_gets_the_same_answer_as_a_taken_mobile_number(self, client):
        value = national_id(21)
        UserFactory(mobile="0835550002", national_id_hmac=national_id_hmac(value))
        UserFactory(mobile="0835550003")
        by_id = sign_up(client, "0835550004", value).content.decode()
        by_mobile = sign_up(client, "0835550003").content.decode()
        assert "มีบัญชีอยู่แล้ว" not in by_id
        assert _errors(by_id) == _errors(by_mobile)
        assert not User.objects.filter(mobile="0835550004").exists()


def _errors(page):
    """The alert that the form shows above its fields."""
    start = page.index('data-error-code="')
    return page[start : page.index("</div>", start)]


class TestSignUpLimits:
    """Sign-up tries are limited per client address (generously: a village shares one) and per mobile number or
    national ID; the limits never touch signing in."""

    @pytest.fixture(autouse=True)
    def _small_limits(self, settings):
        settings.THAMDEE = {**settings.THAMDEE, "SIGNUP_LIMIT_PER_ADDRESS": 3, "SIGNUP_LIMIT_PER_IDENTITY": 2}

    def test_the_defaults_are_thirty_an_hour_per_address_and_ten_per_number(self):
        from thamdee.settings import THAMDEE

        assert THAMDEE["SIGNUP_LIMIT_PER_ADDRESS"] == 30
        assert THAMDEE["SIGNUP_LIMIT_PER_IDENTITY"] == 10

    def test_an_address_over_its_limit_is_told_to_wait_and_nothing_is_saved(self, client):
        for n in range(3):
            assert sign_up(client, f"083666000{n}", ip="10.7.7.7").status_code == 302
            client.logout()
        response = sign_up(client, "0836660009", ip="10.7.7.7")
        assert response.status_code == 429
        assert 'data-error-code="signup_rate_limited"' in response.content.decode()
        assert not User.objects.filter(mobile="0836660009").exists()
        assert sign_up(client, "0836660009", ip="10.7.7.8").status_code == 302

    def test_failed_tries_count_too(self, client):
        UserFactory(mobile="0836660100")
        for _ in range(2):
            assert sign_up(client, "0836660100", ip="10.7.7.1").status_code == 400
        response = sign_up(client, "0836660100", ip="10.7.7.2")
        assert response.status_code == 429

    def test_one_national_id_is_limited_across_addresses(self, client):
        value = national_id(22)
        UserFactory(national_id_hmac=national_id_hmac(value))
        for n in range(2):
            sign_up(client, f"083666020{n}", value, ip=f"10.8.8.{n}")
        assert sign_up(client, "0836660209", value, ip="10.8.8.9").status_code == 429

    def test_signing_in_from_a_limited_address_still_works(self, client):
        member = UserFactory(username="neighbour")
        for n in range(4):
            sign_up(client, f"083666030{n}", ip="10.7.7.3")
            client.logout()
        assert login(client, "neighbour", ip="10.7.7.3").status_code == 302
        assert client.session["_auth_user_id"] == str(member.pk)

    def test_tries_older_than_an_hour_no_longer_count(self, client):
        for n in range(3):
            sign_up(client, f"083666040{n}", ip="10.7.7.4")
            client.logout()
        SignUpAttempt.objects.update(created_at=timezone.now() - timedelta(minutes=61))
        assert sign_up(client, "0836660409", ip="10.7.7.4").status_code == 302

    def test_behind_a_proxy_each_client_address_has_its_own_limit(self, client, settings):
        settings.AXES_IPWARE_PROXY_COUNT = 1
        for n in range(3):
            sign_up(client, f"083666050{n}", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
            client.logout()
        assert sign_up(client, "0836660509", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 302
        client.logout()
        # A client cannot slip past by naming another address of its own: the proxy appends the real one.
        spoofed = sign_up(client, "0836660508", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5")
        assert spoofed.status_code == 429


def test_behind_a_proxy_a_lockout_holds_one_client_address_not_the_proxys(client, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    owner = UserFactory(username="somchai")
    for _ in range(5):
        client.post(
            reverse("people:login"),
            {"username": "somchai", "password": "wrong-password"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    response = client.post(
        reverse("people:login"),
        {"username": "somchai", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.10",
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


class TestLookupLimit:
    """The profile and family pages still say when a number is taken or unknown, but only so many times an hour."""

    def test_the_profile_and_family_pages_answer_429_over_the_limit(self, client):
        from thamdee.people.services import LOOKUP_LIMIT_PER_USER

        UserFactory(mobile="0835551113")
        prober = UserFactory(mobile="0835559997")
        client.force_login(prober)
        for n in range(LOOKUP_LIMIT_PER_USER):
            response = client.post(reverse("people:family"), {"mobile": f"08355544{n:02d}", "relation": "sibling"})
            assert response.status_code == 400
        family = client.post(reverse("people:family"), {"mobile": "0835551113", "relation": "sibling"})
        profile = client.post(
            reverse("people:profile"),
            {
                "action": "profile",
                "p-first_name": "ปิติ",
                "p-last_name": "ใจดี",
                "p-mobile": "0835551113",
                "p-current_password": PASSWORD,
                "p-preferred_language": "th",
            },
        )
        assert (family.status_code, profile.status_code) == (429, 429)
        for page in (family, profile):
            assert "บ่อยเกินไป" in page.content.decode() and "ไม่พบบัญชีที่ใช้เบอร์มือถือนี้" not in page.content.decode()
        assert not prober.family_links.exists()


def test_the_api_answers_429_lookup_rate_limited_over_the_limit():
    from rest_framework.test import APIClient

    from thamdee.people.services import LOOKUP_LIMIT_PER_USER

    UserFactory(mobile="0835551111")
    prober = UserFactory(mobile="0835559999")
    api = APIClient()
    api.force_authenticate(prober)
    change = {"current_password": PASSWORD}
    answers = [
        api.patch("/api/v1/me/", {"mobile": "0835551111", **change}, format="json")
        for _ in range(LOOKUP_LIMIT_PER_USER)
    ]
    assert {(r.status_code, r.json()["code"]) for r in answers} == {(409, "mobile_taken")}
    limited = [
        api.patch("/api/v1/me/", {"mobile": "0835552222", **change}, format="json"),
        api.put("/api/v1/me/national-id/", {"national_id": national_id(31)}, format="json"),
    ]
    for response in limited:
        assert response.status_code == 429
        assert response.json()["code"] == "lookup_rate_limited" and response.json()["detail_en"]
    prober.refresh_from_db()
    assert (prober.mobile, prober.national_id_hmac) == ("0835559999", None)


THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def profile_post(client, **fields):
    data = {"action": "profile", "p-first_name": "ปิติ", "p-last_name": "ใจดี", "p-preferred_language": "th"}
    return client.post(reverse("people:profile"), {**data, **{f"p-{k}": v for k, v in fields.items()}})


def password_post(client, **fields):
    return client.post(reverse("people:profile"), {"action": "password", **{f"w-{k}": v for k, v in fields.items()}})


def test_a_mobile_number_in_thai_digits_is_kept_in_arabic_digits(client):
    user = UserFactory(mobile="0899990011")
    client.force_login(user)
    response = profile_post(client, mobile="08๑๒๓๔๕๖๗๘", current_password=PASSWORD)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.mobile == "0812345678"
    assert login(client, "๐๘๑๒๓๔๕๖๗๘").status_code == 302


class TestTheCurrentPassword:
    """A signed-in session alone (a phone left unlocked) does not change the password or the mobile number that
    signs in: the current password is asked for, as Django's PasswordChangeForm does."""

    @pytest.mark.parametrize("current", [None, "", "wrong-password"])
    def test_a_new_password_needs_the_current_one(self, client, current):
        user = UserFactory()
        client.force_login(user)
        fields = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        if current is not None:
            fields["current_password"] = current
        response = password_post(client, **fields)
        assert response.status_code == 400
        assert "รหัสผ่านปัจจุบัน" in response.content.decode()
        user.refresh_from_db()
        assert user.check_password(PASSWORD) and not user.check_password(NEW_PASSWORD)

    def test_with_the_current_password_it_changes(self, client):
        user = UserFactory()
        client.force_login(user)
        response = password_post(client, current_password=PASSWORD, password1=NEW_PASSWORD, password2=NEW_PASSWORD)
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)

    def test_guessing_it_is_limited_and_then_even_the_right_one_waits(self, client):
        from thamdee.people.services import PASSWORD_CHECK_LIMIT_PER_USER

        user = UserFactory()
        client.force_login(user)
        for n in range(PASSWORD_CHECK_LIMIT_PER_USER):
            response = password_post(
                client, current_password=f"guess-{n}", password1=NEW_PASSWORD, password2=NEW_PASSWORD
            )
            assert response.status_code == 400
        response = password_post(client, current_password=PASSWORD, password1=NEW_PASSWORD, password2=NEW_PASSWORD)
        assert response.status_code == 429 and "บ่อยเกินไป" in response.content.decode()
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    @pytest.mark.parametrize("current", [None, "wrong-password"])
    def test_a_new_mobile_number_needs_it_too(self, client, current):
        user = UserFactory(mobile="0899990012")
        client.force_login(user)
        fields = {"mobile": "0899990013"} | ({"current_password": current} if current else {})
        response = profile_post(client, **fields)
        assert response.status_code == 400
        assert "รหัสผ่านปัจจุบัน" in response.content.decode()
        user.refresh_from_db()
        assert user.mobile == "0899990012"
        assert profile_post(client, mobile="0899990013", current_password=PASSWORD).status_code == 302
        user.refresh_from_db()
        assert user.mobile == "0899990013"

    def test_other_details_and_the_same_number_written_another_way_need_no_password(self, client):
        user = UserFactory(mobile="0899990014")
        client.force_login(user)
        assert profile_post(client, mobile="089-999-0014", first_name="มานะ").status_code == 302
        user.refresh_from_db()
        assert (user.first_name, user.mobile) == ("มานะ", "0899990014")

    def test_a_member_an_organiser_added_has_no_password_to_give_and_is_not_asked(self, client):
        user = UserFactory(mobile="0899990015")
        user.set_unusable_password()
        user.save()
        client.force_login(user)
        page = client.get(reverse("people:profile")).content.decode()
        assert "p-current_password" not in page and "w-current_password" not in page
        assert profile_post(client, mobile="0899990016").status_code == 302
        assert password_post(client, password1=NEW_PASSWORD, password2=NEW_PASSWORD).status_code == 302
        user.refresh_from_db()
        assert user.mobile == "0899990016" and user.check_password(NEW_PASSWORD)


class TestTheNationalIdIsNeverWrittenBack:
    def test_a_refused_sign_up_does_not_write_the_id_back(self, client):
        value = national_id(41)
        response = client.post(
            reverse("people:signup"),
            {
                "first_name": "มาลี",
                "last_name": "ใจดี",
                "mobile": "0833334446",
                "national_id": value,
                "password1": NEW_PASSWORD,
                "password2": "another-pass-98",
            },
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "ไม่ตรงกัน" in page and 'name="national_id"' in page
        assert value not in page

    def test_a_refused_id_on_the_profile_is_not_written_back(self, client):
        client.force_login(UserFactory())
        value = national_id(42)
        wrong = value[:12] + str((int(value[12]) + 1) % 10)
        for typed in (wrong, wrong.translate(THAI)):
            response = client.post(reverse("people:profile"), {"action": "national_id", "n-national_id": typed})
            assert response.status_code == 400
            assert "เลขประจำตัวประชาชนไม่ถูกต้อง" in response.content.decode() and typed not in response.content.decode()

    def test_the_organisers_register_member_form_does_not_write_it_back(self):
        from thamdee.people.forms import RegisterMemberForm

        value = national_id(43)
        form = RegisterMemberForm({"first_name": "", "last_name": "ใจดี", "national_id": value})
        assert not form.is_valid()
        assert 'name="national_id"' in str(form) and value not in str(form)
