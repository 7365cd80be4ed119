import pytest
from hypothesis import given
from hypothesis import strategies as st

from rongtong.core.validators import (
    CREDIT_CODE_ALPHABET,
    ValidationError,
    credit_code_check_char,
    validate_budget,
    validate_credit_code,
    validate_mobile,
    validate_website,
)

pytestmark = pytest.mark.nodb

REAL_CODES = ["91110108551385082Q", "914403001922038216", "91440300708461136T"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_pass(app, code):
    with app.test_request_context():
        assert validate_credit_code(code) == code


def test_full_width_and_lower_case_are_normalised(app):
    with app.test_request_context():
        assert validate_credit_code("９１４４０３００７０８４６１１３６ｔ") == "91440300708461136T"
        assert validate_credit_code(" 91440300-708461136t ") == "91440300708461136T"


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("", "请填写"),
        ("9144030070846113", "18 位"),
        ("91440300708461136TX", "18 位"),
        ("91440300708461I36T", "不允许的字符"),
        ("9144030070846O136T", "不允许的字符"),
        ("91440300708461136A", "校验位错误"),
    ],
)
def test_bad_codes_name_the_rule(app, code, rule):
    with app.test_request_context(), pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert rule in str(info.value.message)


def test_check_char_error_names_the_expected_character(app):
    with app.test_request_context(), pytest.raises(ValidationError) as info:
        validate_credit_code("91440300708461136A")
    assert "T" in str(info.value.message)


@given(st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17))
def test_generated_codes_round_trip(app, first17):
    code = first17 + credit_code_check_char(first17)
    with app.test_request_context():
        assert validate_credit_code(code) == code
        wrong = next(c for c in CREDIT_CODE_ALPHABET if c != code[17])
        with pytest.raises(ValidationError):
            validate_credit_code(code[:17] + wrong)


@pytest.mark.parametrize(
    "number", ["13800138000", "19912345678", "+86 138 0013 8000", "１３８００１３８０００"]
)
def test_good_mobiles(app, number):
    with app.test_request_context():
        assert validate_mobile(number) == "13800138000" or validate_mobile(number).startswith("1")


@pytest.mark.parametrize("number", ["12800138000", "1380013800", "138001380001", "abc", ""])
def test_bad_mobiles(app, number):
    with app.test_request_context(), pytest.raises(ValidationError):
        validate_mobile(number)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x.cn", "example.cn", "http://"])
def test_websites_must_be_http(app, url):
    with app.test_request_context(), pytest.raises(ValidationError):
        validate_website(url)


def test_budget_rules(app):
    with app.test_request_context():
        validate_budget(0, 100)
        validate_budget(None, 5)
        for bad in ((-1, 5), (10, 5), (0, 10**13)):
            with pytest.raises(ValidationError):
                validate_budget(*bad)
