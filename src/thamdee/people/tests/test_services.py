import logging

import pytest
from django.db import connection

from tests.factories import UserFactory, area, national_id
from thamdee.common.errors import DomainError, NotFoundError
from thamdee.people import services
from thamdee.people.errors import (
    BirthYearError,
    GuardianConsentRequiredError,
    HomeAreaError,
    MobileTakenError,
    NationalIdTakenError,
    SignUpNotPossibleError,
    SignUpRateLimitedError,
    WeakPasswordError,
)
from thamdee.people.models import Consent, ConsentPurpose, SignUpAttempt, User
from thamdee.people.validators import national_id_hmac

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-pass-99"
PASSWORD = "correct-horse-42"  # UserFactory's
THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def register(**kwargs):
    defaults = {"first_name": "มาลี", "last_name": "ใจดี", "prefix": "นาง"}
    return services.user_register(**{**defaults, **kwargs})


def test_register_keeps_thai_name_parts_and_normalises_the_mobile():
    user = register(mobile="+66 81 111 2222", birth_year=2515, home_area=area("71091101"), password="long-enough-1")
    assert user.full_name == "นางมาลี ใจดี"
    assert user.mobile == "0811112222"
    assert user.birth_year == 1972  # 2515 BE
    assert user.check_password("long-enough-1")
    assert user.home_area.code == "71091101"


def test_without_a_password_the_account_cannot_sign_in_yet():
    user = register()
    assert not user.has_usable_password()
    assert user.username.startswith("member")


def test_the_national_id_is_stored_only_as_a_keyed_hash():
    value = national_id(11)
    user = register(national_id=value)
    assert user.has_national_id
    assert value not in user.national_id_hmac
    assert not User.objects.filter(national_id_hmac=value).exists()


def test_one_person_cannot_hold_two_accounts():
    value = national_id(12)
    register(national_id=value, mobile="0811110001")
    with pytest.raises(NationalIdTakenError):
        register(
            national_id="-".join([value[0], value[1:5], value[5:10], value[10:12], value[12]]), mobile="0811110002"
        )
    assert User.objects.count() == 1


def test_the_same_national_id_in_thai_digits_is_the_same_person():
    value = national_id(7)
    first = register(national_id=value, mobile="0811110011")
    with pytest.raises(NationalIdTakenError):
        register(national_id=value.translate(THAI), mobile="0811110012")
    assert list(User.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_mobile_number_belongs_to_one_account():
    register(mobile="0811110003")
    with pytest.raises(MobileTakenError):
        register(mobile="081-111-0003")


@pytest.mark.parametrize("password", ["short1", "12345678901", "password123"])
def test_weak_passwords_are_refused_with_the_reasons(password):
    with pytest.raises(WeakPasswordError) as info:
        register(password=password, mobile="0811110004")
    assert info.value.message_th


def test_bad_birth_years_and_too_wide_home_areas_are_refused():
    with pytest.raises(BirthYearError):
        register(birth_year=1800)
    with pytest.raises(BirthYearError):
        register(birth_year="abc")
    with pytest.raises(HomeAreaError):
        register(home_area=area("71"))


def test_nothing_is_saved_when_registration_fails():
    with pytest.raises(BirthYearError):
        register(birth_year=3000, mobile="0811110005")
    assert not User.objects.filter(mobile="0811110005").exists()


class TestSignUp:
    """The public form's sign-up: limited per client address and per mobile number or national ID, and its answer
    does not tell whether a number already has an account."""

    @pytest.fixture(autouse=True)
    def _small_limits(self, settings):
        settings.THAMDEE = {**settings.THAMDEE, "SIGNUP_LIMIT_PER_ADDRESS": 2, "SIGNUP_LIMIT_PER_IDENTITY": 2}

    def sign_up(self, mobile, address="10.0.0.1", password=NEW_PASSWORD, **kwargs):
        return services.user_sign_up(
            client_address=address, first_name="มาลี", last_name="ใจดี", mobile=mobile, password=password, **kwargs
        )

    def test_a_new_person_signs_up(self):
        user = self.sign_up("081-112-0000", birth_year=2515)
        assert (user.mobile, user.birth_year) == ("0811120000", 1972)
        assert user.check_password("a-long-pass-99")

    def test_any_clash_with_an_account_is_one_neutral_error(self):
        value = national_id(31)
        register(mobile="0811120001", national_id=value)
        with pytest.raises(SignUpNotPossibleError) as by_mobile:
            self.sign_up("0811120001", address="10.0.0.2")
        with pytest.raises(SignUpNotPossibleError) as by_id:
            self.sign_up("0811120002", address="10.0.0.3", national_id=value)
        assert by_mobile.value.as_problem() == by_id.value.as_problem()
        assert by_mobile.value.status == 400
        assert User.objects.count() == 1

    def test_tries_keep_no_address_mobile_number_or_national_id_in_clear(self):
        value = national_id(32)
        self.sign_up("0811120003", address="203.0.113.77", national_id=value)
        keys = list(SignUpAttempt.objects.values_list("key", flat=True))
        assert len(keys) == 3
        for secret in ("0811120003", "203.0.113.77", value, national_id_hmac(value)):
            assert not any(secret in key for key in keys)

    def test_failed_tries_count_and_a_refused_try_writes_nothing(self):
        with pytest.raises(WeakPasswordError):
            self.sign_up("0811120004", password="12345678901")
        self.sign_up("0811120004")
        tries = SignUpAttempt.objects.count()
        with pytest.raises(SignUpRateLimitedError) as info:
            self.sign_up("0811120005")
        assert (info.value.status, info.value.code) == (429, "signup_rate_limited")
        assert info.value.message_th and info.value.message_en
        assert SignUpAttempt.objects.count() == tries
        assert not User.objects.filter(mobile="0811120005").exists()

    def test_an_ipv6_client_is_counted_by_its_64_block(self):
        self.sign_up("0811120006", address="2001:db8:1:2::1")
        self.sign_up("0811120007", address="2001:db8:1:2::ffff")
        with pytest.raises(SignUpRateLimitedError):
            self.sign_up("0811120008", address="2001:db8:1:2:abcd::1")
        assert self.sign_up("0811120008", address="2001:db8:1:3::1").mobile == "0811120008"

    def test_one_mobile_number_is_limited_whatever_its_format_or_address(self):
        for address in ("10.0.1.1", "10.0.1.2"):
            with pytest.raises(WeakPasswordError):
                self.sign_up("081-112-0009", address=address, password="12345678901")
        with pytest.raises(SignUpRateLimitedError):
            self.sign_up("+66811120009", address="10.0.1.3")

    def test_an_ipv6_48_is_counted_too_with_four_times_the_limit(self):
        # 2 per address: the /48 takes 8 tries, each from a /64 of its own; the ninth is refused, another /48 is not.
        for n in range(8):
            self.sign_up(f"08111201{n:02d}", address=f"2001:db8:1234:{n:x}::1")
        with pytest.raises(SignUpRateLimitedError):
            self.sign_up("0811120199", address="2001:db8:1234:ff::1")
        assert self.sign_up("0811120199", address="2001:db8:1235::1").mobile == "0811120199"


class TestLookupLimit:
    """Signed in, a new mobile number or national ID on the profile and a family member named by mobile number each
    tell whether an account holds the number: the answers stay, but each person has so many tries an hour."""

    def test_the_tries_are_counted_together_failed_ones_too_and_over_the_limit_nothing_changes(self):
        value = national_id(56)
        register(mobile="0811120300", national_id=value)
        prober = UserFactory(mobile="0811120399")
        limit = services.LOOKUP_LIMIT_PER_USER
        for _ in range(limit - 2):
            with pytest.raises(MobileTakenError):
                services.user_update_profile(actor=prober, user=prober, mobile="0811120300", current_password=PASSWORD)
        with pytest.raises(NationalIdTakenError):
            services.user_set_national_id(actor=prober, user=prober, national_id=value)
        with pytest.raises(DomainError) as not_found:
            services.family_link_add(actor=prober, relative_mobile="0811120301", relation="sibling")
        assert not_found.value.code == "family_not_found"
        for attempt in (
            lambda: services.user_update_profile(
                actor=prober, user=prober, mobile="0811120302", current_password=PASSWORD
            ),
            lambda: services.user_set_national_id(actor=prober, user=prober, national_id=national_id(57)),
            lambda: services.family_link_add(actor=prober, relative_mobile="0811120300", relation="sibling"),
        ):
            with pytest.raises(DomainError) as limited:
                attempt()
            assert (limited.value.code, limited.value.status) == ("lookup_rate_limited", 429)
            assert limited.value.message_th and limited.value.message_en
        prober.refresh_from_db()
        assert (prober.mobile, prober.national_id_hmac) == ("0811120399", None)
        assert not prober.family_links.exists()

    def test_other_profile_changes_and_the_same_numbers_again_are_not_lookups(self):
        prober = UserFactory(mobile="0811120398")
        services.user_set_national_id(actor=prober, user=prober, national_id=national_id(58))
        for _ in range(services.LOOKUP_LIMIT_PER_USER + 1):
            services.user_update_profile(actor=prober, user=prober, first_name="ปิติ", mobile="081-112-0398")
            services.user_set_national_id(actor=prober, user=prober, national_id=national_id(58))
        assert SignUpAttempt.objects.count() == 1


def all_database_text() -> str:
    """Every value in every table, as text: what a dump of the database would contain."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks)


def test_a_dump_of_the_database_holds_none_of_the_registered_national_ids(caplog):
    ids = [national_id(100 + i) for i in range(25)]
    with caplog.at_level(logging.DEBUG):
        for i, value in enumerate(ids):
            register(national_id=value, mobile=f"08222{i:05d}", first_name=f"คน{i}")
        user = UserFactory()
        services.user_set_national_id(actor=user, user=user, national_id=national_id(999))
    dump = all_database_text()
    assert User.objects.exclude(national_id_hmac=None).count() == 26
    for value in [*ids, national_id(999)]:
        assert value not in dump
        assert value not in caplog.text


class TestProfile:
    def test_people_edit_their_own_profile(self):
        user = UserFactory()
        services.user_update_profile(
            actor=user, user=user, first_name="  ปิติ ", mobile="0899999999", current_password=PASSWORD
        )
        user.refresh_from_db()
        assert (user.first_name, user.mobile) == ("ปิติ", "0899999999")

    def test_someone_else_cannot_and_sees_not_found(self):
        with pytest.raises(NotFoundError):
            services.user_update_profile(actor=UserFactory(), user=UserFactory(), first_name="x")

    def test_a_taken_national_id_cannot_be_moved_to_another_account(self):
        value = national_id(55)
        register(national_id=value)
        other = UserFactory()
        with pytest.raises(NationalIdTakenError):
            services.user_set_national_id(actor=other, user=other, national_id=value)


class TestConsent:
    def test_consent_is_given_and_withdrawn_with_equal_ease_and_the_history_kept(self):
        user = UserFactory()
        services.consent_grant(actor=user, user=user, purpose=ConsentPurpose.PUBLISH_NAME)
        assert services.consent_active(user, ConsentPurpose.PUBLISH_NAME)
        assert services.consent_withdraw(actor=user, user=user, purpose=ConsentPurpose.PUBLISH_NAME) == 1
        assert not services.consent_active(user, ConsentPurpose.PUBLISH_NAME)
        services.consent_grant(actor=user, user=user, purpose=ConsentPurpose.PUBLISH_NAME)
        assert Consent.objects.filter(user=user).count() == 2

    def test_a_child_under_10_needs_a_guardian(self):
        from django.utils import timezone

        child = UserFactory(birth_year=timezone.localdate().year - 8)
        with pytest.raises(GuardianConsentRequiredError):
            services.consent_grant(actor=child, user=child, purpose=ConsentPurpose.PUBLISH_PHOTO)
        consent = services.consent_grant(
            actor=child, user=child, purpose=ConsentPurpose.PUBLISH_PHOTO, guardian_name="นางสมศรี ใจดี (มารดา)"
        )
        assert consent.guardian_name.startswith("นางสมศรี")

    def test_only_a_confirmed_relative_records_a_guardians_consent_for_someone_else(self):
        from django.utils import timezone

        from thamdee.people.errors import ConsentError

        child = UserFactory(birth_year=timezone.localdate().year - 8)
        stranger, mother = UserFactory(), UserFactory()
        with pytest.raises(ConsentError):  # a name typed by anyone is not a guardian's consent
            services.consent_grant(
                actor=stranger, user=child, purpose=ConsentPurpose.PUBLISH_PHOTO, guardian_name="นางใครก็ได้"
            )
        link = services.family_link_add(actor=mother, relative_mobile=child.mobile, relation="child")
        with pytest.raises(ConsentError):  # named, not yet confirmed
            services.consent_grant(
                actor=mother, user=child, purpose=ConsentPurpose.PUBLISH_PHOTO, guardian_name="นางแม่ (มารดา)"
            )
        services.family_link_confirm(actor=child, link_id=link.pk)
        consent = services.consent_grant(
            actor=mother, user=child, purpose=ConsentPurpose.PUBLISH_PHOTO, guardian_name="นางแม่ (มารดา)"
        )
        assert consent.recorded_by == mother and consent.guardian_name == "นางแม่ (มารดา)"

    def test_who_gave_a_childs_consent_as_guardian_can_withdraw_it(self):
        from django.utils import timezone

        from thamdee.people.errors import ConsentError

        child = UserFactory(birth_year=timezone.localdate().year - 8)
        mother, stranger = UserFactory(), UserFactory()
        link = services.family_link_add(actor=mother, relative_mobile=child.mobile, relation="child")
        services.family_link_confirm(actor=child, link_id=link.pk)
        services.consent_grant(
            actor=mother, user=child, purpose=ConsentPurpose.PUBLISH_PHOTO, guardian_name="นางแม่ (มารดา)"
        )
        with pytest.raises(ConsentError):  # not family, recorded nothing
            services.consent_withdraw(actor=stranger, user=child, purpose=ConsentPurpose.PUBLISH_PHOTO)
        # The link ends: the grant she recorded as guardian is still hers to take back.
        services.family_link_remove(actor=mother, link_id=link.pk)
        assert services.consent_withdraw(actor=mother, user=child, purpose=ConsentPurpose.PUBLISH_PHOTO) == 1
        assert not services.consent_active(child, ConsentPurpose.PUBLISH_PHOTO)

    def test_a_confirmed_relative_withdraws_a_childs_consent_but_not_an_adults(self):
        from django.utils import timezone

        from thamdee.people.errors import ConsentError

        child, adult = UserFactory(birth_year=timezone.localdate().year - 8), UserFactory()
        father = UserFactory()
        for person in (child, adult):
            link = services.family_link_add(actor=father, relative_mobile=person.mobile, relation="child")
            services.family_link_confirm(actor=person, link_id=link.pk)
        services.consent_grant(actor=child, user=child, purpose=ConsentPurpose.PUBLISH_NAME, guardian_name="นางแม่")
        services.consent_grant(actor=adult, user=adult, purpose=ConsentPurpose.PUBLISH_NAME)
        assert services.consent_withdraw(actor=father, user=child, purpose=ConsentPurpose.PUBLISH_NAME) == 1
        with pytest.raises(ConsentError):  # an adult's consent is theirs alone
            services.consent_withdraw(actor=father, user=adult, purpose=ConsentPurpose.PUBLISH_NAME)
        assert services.consent_active(adult, ConsentPurpose.PUBLISH_NAME)
        services.consent_withdraw(actor=adult, user=adult, purpose=ConsentPurpose.PUBLISH_NAME)
        with pytest.raises(ConsentError):  # nor is giving it: no guardian's consent for an adult
            services.consent_grant(
                actor=father, user=adult, purpose=ConsentPurpose.PUBLISH_NAME, guardian_name="นายพ่อ (บิดา)"
            )
        assert not services.consent_active(adult, ConsentPurpose.PUBLISH_NAME)

    @pytest.mark.parametrize(
        ("years_ago", "prefix", "needed"),
        [
            (8, "เด็กชาย", True),
            (10, "เด็กหญิง", True),  # born 10 years ago: 9 until the birthday
            (10, "", True),
            (11, "เด็กชาย", False),
            (None, "เด็กชาย", True),  # no birth year: a child's prefix says they may be under 10
            (None, "เด็กหญิง", True),
            (None, "นาย", False),  # an adult who never gave a birth year still consents themselves
            (None, "", False),
        ],
    )
    def test_a_guardian_is_needed_while_the_person_may_be_under_10(self, years_ago, prefix, needed):
        from django.utils import timezone

        year = timezone.localdate().year - years_ago if years_ago is not None else None
        person = UserFactory(birth_year=year, prefix=prefix)
        assert services.needs_guardian_consent(person) is needed
        if needed:
            with pytest.raises(GuardianConsentRequiredError):
                services.consent_grant(actor=person, user=person, purpose=ConsentPurpose.PUBLISH_NAME)
        else:
            assert services.consent_grant(actor=person, user=person, purpose=ConsentPurpose.PUBLISH_NAME).pk

    def test_a_child_cannot_make_their_age_unknown_to_consent_alone(self):
        from django.utils import timezone

        child = UserFactory(birth_year=timezone.localdate().year - 8, prefix="")
        with pytest.raises(BirthYearError):
            services.user_update_profile(actor=child, user=child, birth_year=None)
        child.refresh_from_db()
        assert child.birth_year == timezone.localdate().year - 8
        with pytest.raises(GuardianConsentRequiredError):
            services.consent_grant(actor=child, user=child, purpose=ConsentPurpose.PUBLISH_NAME)
        # An adult may clear theirs.
        adult = UserFactory()
        services.user_update_profile(actor=adult, user=adult, birth_year=None)
        adult.refresh_from_db()
        assert adult.birth_year is None
