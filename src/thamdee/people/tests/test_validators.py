import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.factories import national_id
from thamdee.people.errors import InvalidMobileError, InvalidNationalIdError
from thamdee.people.validators import mobile_normalise, national_id_hmac, national_id_normalise

THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


@pytest.mark.parametrize("seed", range(20))
def test_generated_ids_pass_the_mod_11_check(seed):
    value = national_id(seed)
    assert national_id_normalise(value) == value


def test_a_known_id_and_its_grouped_form():
    # 1-1017-00230-70-8 is a commonly published specimen with a valid check digit.
    assert national_id_normalise("1-1017-00230-70-8") == "1101700230708"


def test_a_leading_zero_is_a_valid_category():
    value = national_id(7, first=0)
    assert value.startswith("0")
    assert national_id_normalise(value) == value


def test_an_id_typed_in_thai_digits_is_the_same_id_and_the_same_fingerprint():
    value = national_id(7)
    thai = value.translate(THAI)
    assert thai != value
    assert national_id_normalise(thai) == value
    assert national_id_normalise(f"{thai[0]}-{thai[1:5]}-{thai[5:]}") == value
    assert national_id_hmac(thai) == national_id_hmac(value)


@pytest.mark.parametrize("bad", ["", "123", "11017002307080", "110170023070x", "1101700230709"])
def test_wrong_length_letters_and_a_wrong_check_digit_are_refused(bad):
    with pytest.raises(InvalidNationalIdError):
        national_id_normalise(bad)


def test_the_hmac_is_keyed_and_stable(settings):
    value = national_id(1)
    first = national_id_hmac(value)
    assert first == national_id_hmac(value)
    assert value not in first and len(first) == 64
    settings.NATIONAL_ID_HMAC_KEY = "another-key"
    assert national_id_hmac(value) != first


def test_no_national_id_is_hashed_under_an_empty_key(settings):
    # Production without a key starts no web process (tests/test_settings_keys.py); anything else that would hash
    # an ID stops here rather than keep a hash that anyone could recompute.
    settings.NATIONAL_ID_HMAC_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="NATIONAL_ID_HMAC_KEY"):
        national_id_hmac(national_id(2))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("0812345678", "0812345678"),
        ("081-234-5678", "0812345678"),
        ("+66812345678", "0812345678"),
        ("66 81 234 5678", "0812345678"),
        ("0612345678", "0612345678"),
        ("0912345678", "0912345678"),
        ("๐๘๑๒๓๔๕๖๗๘", "0812345678"),
        ("08๑-๒๓๔-๕๖๗๘", "0812345678"),
        ("+๖๖ ๘๑ ๒๓๔ ๕๖๗๘", "0812345678"),
        ("\uff10\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "0812345678"),  # full-width digits
    ],
)
def test_thai_mobile_numbers_are_normalised(raw, clean):
    assert mobile_normalise(raw) == clean


@pytest.mark.parametrize("bad", ["021234567", "0212345678", "081234567", "08123456789", "abc", "0712345678"])
def test_landlines_and_malformed_numbers_are_refused(bad):
    with pytest.raises(InvalidMobileError):
        mobile_normalise(bad)
