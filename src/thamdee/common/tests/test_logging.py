import logging

from thamdee.common.logging import RedactNationalIdFilter, redact


def test_national_id_numbers_are_redacted_in_any_grouping():
    assert "1234567890121" not in redact("id 1234567890121 here")
    assert redact("id 1-2345-67890-12-1.") == "id [redacted-id]."
    # Other numbers stay: a mobile number, an amount, a 14-digit reference.
    assert redact("call 0812345678 pay 20 ref 12345678901234") == "call 0812345678 pay 20 ref 12345678901234"


def test_the_logging_filter_rewrites_the_record(caplog):
    logger = logging.getLogger("thamdee.test.redact")
    logger.addFilter(RedactNationalIdFilter())
    with caplog.at_level(logging.INFO, logger="thamdee.test.redact"):
        logger.info("registering %s", "3100700123454")
    assert "3100700123454" not in caplog.text
    assert "[redacted-id]" in caplog.text
