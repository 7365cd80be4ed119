"""Validators for Chinese identifiers and money, shared by forms, the API and imports."""

import re
import unicodedata
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MOBILE_RE = re.compile(r"1[3-9]\d{9}")


class ValidationError(ValueError):
    """A value that breaks a rule; ``message`` says which, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


#: Unicode's bidirectional controls: they make 'exe.pdf' display as 'fdp.exe' and reorder
#: what a reviewer reads.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def check_plain_text(value: str, *, multiline: bool = False) -> None:
    """Refuse control and bidi characters; line breaks and tabs only in ``multiline`` text.

    A line break in a name can forge a mail header or a CSV line; a control character
    breaks XML-based exports (XLSX); a bidi control disguises what is shown.
    """
    allowed = "\n\r\t" if multiline else ""
    for char in value or "":
        if char in BIDI_CONTROLS:
            raise ValidationError(_l("不能包含改变文字方向的控制字符。"))
        if char not in allowed and unicodedata.category(char) == "Cc":
            if char in "\r\n":
                raise ValidationError(_l("此项只能填写一行，不能换行。"))
            raise ValidationError(_l("不能包含控制字符。"))


def to_halfwidth(value: str) -> str:
    """Full-width letters, digits and spaces to their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", value)


def normalize_credit_code(value: str) -> str:
    """Upper-case, half-width, without spaces or dashes."""
    return re.sub(r"[\s\-]", "", to_halfwidth(value or "")).upper()


def credit_code_check_char(first17: str) -> str:
    """The 18th character that GB 32100-2015 computes from the first 17."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    """Return the normalised code, or raise ValidationError naming the broken rule."""
    code = normalize_credit_code(value)
    if not code:
        raise ValidationError(_l("请填写统一社会信用代码。"))
    if len(code) != 18:
        raise ValidationError(_l("统一社会信用代码应为 18 位，当前为 %(n)d 位。", n=len(code)))
    bad = sorted({c for c in code if c not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _l(
                "统一社会信用代码含有不允许的字符：%(chars)s（不使用 I、O、S、V、Z）。",
                chars=" ".join(bad),
            )
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _l("统一社会信用代码校验位错误：第 18 位应为 %(expected)s。", expected=expected)
        )
    return code


def validate_mobile(value: str) -> str:
    """A mainland mobile number: 11 digits starting 13–19."""
    number = re.sub(r"[\s\-]", "", to_halfwidth(value or ""))
    number = number.removeprefix("+86")
    if not MOBILE_RE.fullmatch(number):
        raise ValidationError(_l("手机号码应为 11 位数字，以 13–19 开头。"))
    return number


def validate_website(value: str) -> str:
    """An http or https URL with a host."""
    url = to_halfwidth(value or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_l("网址须以 http:// 或 https:// 开头。"))
    return url


def validate_budget(budget_min: int | None, budget_max: int | None) -> None:
    """Budgets are whole yuan, not negative, and the range is in order."""
    for v in (budget_min, budget_max):
        if v is not None and v < 0:
            raise ValidationError(_l("预算不能为负数。"))
        if v is not None and v > 10**12:
            raise ValidationError(_l("预算金额过大。"))
    if budget_min is not None and budget_max is not None and budget_min > budget_max:
        raise ValidationError(_l("预算下限不能高于上限。"))
