"""Cell values as staff write them, read into what the import schemas take.

Amounts: 500000, 1,200,000, 50万, 1.2亿, ¥80万元. Dates: Excel dates (the cell's date or its
serial number), 2027-06-30, 2027/6/30, 2027.6.30, 2027年6月30日. Lists: items separated by
、 ， , ； ; or line breaks. Taxonomy terms: the code, the Chinese or English label, or one
of the aliases admins keep beside the taxonomy. Every reader raises ``ValueError`` with a
message for staff.
"""

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale
from flask_babel import gettext as _

from ..core.labels import LABELS
from ..extensions import db
from ..taxonomy.models import VOCABULARIES

#: Between the items of a multi-value cell.
ITEM_SEPARATORS = re.compile(r"[、,，;；\r\n]+")
MAX_YUAN = 10**12

# --- amounts ---------------------------------------------------------------------------------

_AMOUNT_RE = re.compile(r"(?P<number>\d+(?:\.\d+)?)(?P<unit>千|万|亿)?")
_CURRENCY_RE = re.compile(r"^(¥|￥|rmb|cny|人民币)|(元|人民币|rmb|cny|yuan)$", re.IGNORECASE)


def parse_amount(value, unit: int = 1) -> int:
    """Whole yuan from a number or text; ``unit`` scales plain numbers (a 万元 column)."""
    if isinstance(value, bool):
        raise ValueError(_("金额应为数字，如 500000、50万 或 1.2亿。"))
    if isinstance(value, (int, float)):
        text = repr(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.sub(r"[\s,，]", "", text)
    while True:
        stripped = _CURRENCY_RE.sub("", text)
        if stripped == text:
            break
        text = stripped
    match = _AMOUNT_RE.fullmatch(text)
    if match is None:
        if text.startswith("-"):
            raise ValueError(_("金额不能为负数。"))
        raise ValueError(_("金额应为数字，如 500000、50万 或 1.2亿。"))
    factor = {"千": 10**3, "万": 10**4, "亿": 10**8}.get(match["unit"], unit)
    try:
        yuan = Decimal(match["number"]) * factor
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise ValueError(_("金额应为数字。")) from exc
    if yuan != yuan.to_integral_value():
        raise ValueError(_("金额应精确到元：“%(value)s”。", value=value))
    if yuan > MAX_YUAN:
        raise ValueError(_("金额过大（最多一万亿元）。"))
    return int(yuan)


# --- dates -----------------------------------------------------------------------------------

#: Day 0 of Excel's 1900 date system, counting its phantom 1900-02-29 (serials from 61 on).
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_RES = (
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:[ T].*)?"),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
)


def parse_date(value) -> date:
    """A date from an Excel date, its serial number, or text in the usual Chinese forms."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
    if re.fullmatch(r"\d{5}(\.\d+)?", text) or isinstance(value, (int, float)):
        serial = float(text)
        if 20000 <= serial <= 80000:  # 1954 … 2119: a date, not a typo
            return _EXCEL_EPOCH + timedelta(days=int(serial))
    for pattern in _DATE_RES:
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                break
    raise ValueError(
        _("日期“%(value)s”无法识别；请写成 2027-06-30、2027/6/30 或 2027年6月30日。", value=value)
    )


# --- lists and yes/no ------------------------------------------------------------------------


def split_items(value) -> list[str]:
    """The items of a multi-value cell (or of a list already split), trimmed, non-empty."""
    items = value if isinstance(value, (list, tuple)) else [value]
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        out.extend(w.strip() for w in ITEM_SEPARATORS.split(str(item)) if w.strip())
    return out


def fold_value(text) -> str:
    """A value reduced for matching: width, case, spaces and quotes do not count."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"[\s\"'“”‘’「」_\-]", "", text)


#: The fixed value sets that are not taxonomies: value → words that name it.
FIXED_VALUES = {
    "listing_kind": {
        "challenge": ("发榜需求", "发榜", "需求", "榜单", "challenge", "demand", "need"),
        "capability": ("能力供给", "能力", "供给", "capability", "offer"),
    },
    "listing_status": {
        "draft": ("草稿", "未发布", "draft"),
        "published": ("发布中", "已发布", "发布", "公开", "published"),
        "closed": ("已关闭", "关闭", "closed"),
        "expired": ("已过期", "过期", "expired"),
        "awarded": ("已揭榜", "已定标", "awarded"),
    },
    "yes_no": {
        True: ("是", "已认证", "认证", "yes", "y", "true", "1", "√", "✓"),
        False: ("否", "未认证", "no", "n", "false", "0", "×"),
    },
}


# --- lookups ---------------------------------------------------------------------------------


class Lookup:
    """Reads the values of one vocabulary: a taxonomy's active terms, or a fixed set."""

    def __init__(self, name: str):
        self.name = name
        self.keys: dict[str, object] = {}
        self.ambiguous: dict[str, set] = {}
        self._strong: set[str] = set()
        if name in FIXED_VALUES:
            for value, words in FIXED_VALUES[name].items():
                for word in words:
                    self._add(word, value, strong=True)
            for language in ("zh", "en"):  # what the exports write, in either language
                with force_locale(language):
                    for value, text in LABELS.get(name, {}).items():
                        self._add(str(text), value, strong=True)
            self.labels = {value: words[0] for value, words in FIXED_VALUES[name].items()}
            return
        model = VOCABULARIES[name]
        terms = (
            db.session.execute(
                db.select(model).where(model.active.is_(True)).order_by(model.position)
            )
            .scalars()
            .all()
        )
        # Codes and labels first: an alias never takes a word that names another term.
        for term in terms:
            for word in (term.code, term.label_zh, term.label_en):
                self._add(word, term.code, strong=True)
        for term in terms:
            for word in term.alias_list:
                self._add(word, term.code)
        self.labels = {term.code: term.label for term in terms}

    def _add(self, word, value, *, strong: bool = False) -> None:
        key = fold_value(word)
        if not key:
            return
        if key not in self.keys:
            self.keys[key] = value
            if strong:
                self._strong.add(key)
        elif self.keys[key] != value and (strong or key not in self._strong):
            self.ambiguous.setdefault(key, {self.keys[key]}).add(value)

    def read(self, value):
        """The code (or fixed value) ``value`` names; ValueError if none or several."""
        key = fold_value(value)
        if key in self.ambiguous:
            raise ValueError(
                _(
                    "“%(value)s”可指多项（%(codes)s）；请写全称。",
                    value=value,
                    codes="、".join(sorted(str(self.labels[v]) for v in self.ambiguous[key])),
                )
            )
        if key not in self.keys:
            raise ValueError(
                _(
                    "未知的取值“%(value)s”；可选：%(choices)s。",
                    value=value,
                    choices="、".join(str(label) for label in self.labels.values()),
                )
            )
        return self.keys[key]


class Lookups(dict):
    """The lookups one import needs, each built once on first use."""

    def __missing__(self, name: str) -> Lookup:
        self[name] = Lookup(name)
        return self[name]
