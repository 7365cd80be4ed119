"""The columns of each import kind, and the headers staff write for them.

A header is matched after folding (full-width to half-width, case, spaces, ``_`` and
``-``, a leading or trailing ``*``, "(必填)"), so 统一社会信用代码, ``Credit code``,
``credit_code`` and ``enterprise_credit_code`` all name the same column. A unit written in
the header, as in 预算上限（万元）, scales the plain numbers of that column.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

KINDS = ("enterprises", "listings")


@dataclass(frozen=True)
class Column:
    """One column of an import kind: the platform's field and the headers that name it."""

    field: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    #: Where the values come from: a taxonomy (``chains`` …) or a fixed set (``listing_kind``).
    values: str | None = None
    many: bool = False
    #: How the value is read: text, amount, date, bool.
    type: str = "text"
    example: str = ""
    note: object = ""  # a lazy string
    names: tuple[str, ...] = field(default=(), compare=False)

    @property
    def header(self) -> str:
        """The header in the reader's language (templates, exports, messages)."""
        locale = get_locale()
        return self.en if locale is not None and locale.language == "en" else self.zh


def _column(*args, **kwargs) -> Column:
    column = Column(*args, **kwargs)
    names = (column.field, column.zh, column.en, *column.aliases)
    return Column(**{**column.__dict__, "names": tuple(dict.fromkeys(fold(n) for n in names))})


UNIT_RE = re.compile(r"[(（]\s*(元|万元|万|亿元|亿|yuan|cny|rmb|10k yuan)\s*[)）]", re.IGNORECASE)
UNITS = {"元": 1, "yuan": 1, "cny": 1, "rmb": 1, "万元": 10**4, "万": 10**4, "10k yuan": 10**4}
UNITS |= {"亿元": 10**8, "亿": 10**8}
_NOISE_RE = re.compile(r"[(（]\s*(必填|选填|可选|required|optional)\s*[)）]|[*＊\s_\-:：]")


@lru_cache(maxsize=4096)
def fold(header: str) -> str:
    """A header reduced to what tells it apart (see the module docstring)."""
    text = unicodedata.normalize("NFKC", str(header)).lstrip("\ufeff").casefold()
    text = UNIT_RE.sub("", text)
    return _NOISE_RE.sub("", text)


def header_unit(header: str) -> int:
    """The multiplier a header's unit gives plain numbers: 预算（万元） → 10000."""
    found = UNIT_RE.search(unicodedata.normalize("NFKC", str(header)))
    return UNITS[found.group(1).casefold()] if found else 1


CREDIT_CODE_NAMES = (
    "信用代码",
    "社会信用代码",
    "统一信用代码",
    "企业信用代码",
    "单位信用代码",
    "credit code",
    "unified social credit code",
    "uscc",
    "enterprise_credit_code",
)

ENTERPRISE_COLUMNS = (
    _column(
        "credit_code",
        "统一社会信用代码",
        "Unified social credit code",
        CREDIT_CODE_NAMES,
        required=True,
        example="91440300708461136T",
        note=_l("18 位，同一代码再次导入时更新该单位"),
    ),
    _column(
        "name",
        "单位名称",
        "Name",
        (
            "企业名称",
            "名称",
            "单位",
            "企业",
            "机构名称",
            "company",
            "company name",
            "enterprise name",
        ),
        required=True,
        example="广州星瀚精密机械有限公司",
    ),
    _column(
        "kind",
        "单位类型",
        "Kind",
        ("企业类型", "类型", "主体类型", "机构类型", "type", "enterprise kind", "enterprise_kind"),
        required=True,
        values="enterprise_kinds",
        example="中小企业",
    ),
    _column(
        "tier",
        "梯度层级",
        "Tier",
        ("梯度培育层级", "层级", "梯度", "企业层级", "sme tier"),
        values="tiers",
        example="国家级专精特新“小巨人”",
        note=_l("只有中小企业填写"),
    ),
    _column(
        "district",
        "所属区",
        "District",
        ("行政区", "区", "所在区", "区域", "所属区域", "注册地"),
        required=True,
        values="districts",
        example="黄埔",
    ),
    _column(
        "chains",
        "产业链",
        "Chains",
        ("所属产业链", "产业集群", "industry chain", "industry chains", "chain"),
        values="chains",
        many=True,
        example="智能装备与机器人、人工智能",
    ),
    _column(
        "description",
        "单位简介",
        "Description",
        ("简介", "企业简介", "单位介绍", "主营业务", "描述", "profile"),
    ),
    _column("website", "网站", "Website", ("官网", "网址", "url"), example="https://example.cn"),
    _column("contact_name", "联系人", "Contact", ("联系人姓名", "contact name", "contact person")),
    _column(
        "contact_mobile",
        "联系电话",
        "Phone",
        ("手机", "手机号", "手机号码", "联系手机", "电话", "mobile", "phone", "contact phone"),
        example="13800138000",
    ),
    _column(
        "contact_email",
        "联系邮箱",
        "Email",
        ("邮箱", "电子邮箱", "e-mail", "contact email"),
        example="chen@example.cn",
    ),
    _column(
        "verified",
        "已认证",
        "Verified",
        ("是否认证", "认证", "认证状态", "是否已认证"),
        values="yes_no",
        type="bool",
        example="是",
    ),
)

LISTING_COLUMNS = (
    _column(
        "ref",
        "编号",
        "Ref",
        ("需求编号", "榜单编号", "条目编号", "项目编号", "reference", "listing ref"),
        required=True,
        example="CH-AUTO-001",
        note=_l("字母、数字、-、_ 和 .；同一编号再次导入时更新该条目"),
    ),
    _column(
        "enterprise",
        "统一社会信用代码",
        "Credit code",
        (*CREDIT_CODE_NAMES, "发布单位信用代码", "credit_code"),
        required=True,
        example="91440300708461136T",
        note=_l("发布单位的代码；单位须已在平台上"),
    ),
    _column(
        "kind",
        "类型",
        "Kind",
        ("条目类型", "榜单类型", "listing kind", "type"),
        required=True,
        values="listing_kind",
        example="发榜需求",
    ),
    _column(
        "category",
        "对接类别",
        "Category",
        ("类别", "需求类别", "需求类型", "对接领域", "领域", "对接类型"),
        required=True,
        values="categories",
        example="技术研发",
    ),
    _column(
        "chain",
        "产业链",
        "Chain",
        ("所属产业链", "产业集群", "industry chain"),
        required=True,
        values="chains",
        example="智能网联与新能源汽车",
    ),
    _column(
        "title",
        "需求名称",
        "Title",
        ("名称", "标题", "能力名称", "榜单名称", "项目名称", "name"),
        required=True,
        example="电池托盘激光焊接变形控制",
    ),
    _column("summary", "摘要", "Summary", ("概要", "简述", "简介")),
    _column(
        "description",
        "需求描述",
        "Description",
        ("详细描述", "能力描述", "描述", "详细说明", "内容", "details"),
    ),
    _column("confidential", "保密信息", "Confidential", ("保密内容", "非公开信息", "保密")),
    _column(
        "keywords",
        "关键词",
        "Keywords",
        ("关键字", "标签", "tags", "keyword"),
        many=True,
        example="激光焊接、电池托盘",
    ),
    _column(
        "budget_min",
        "预算下限（元）",
        "Budget min (yuan)",
        ("预算下限", "最低预算", "min budget", "budget minimum"),
        type="amount",
        example="50万",
        note=_l("只有发榜需求填写；可写 50万、1.2亿、1,200,000"),
    ),
    _column(
        "budget_max",
        "预算上限（元）",
        "Budget max (yuan)",
        ("预算上限", "预算", "最高预算", "预算金额", "榜单金额", "budget", "max budget"),
        type="amount",
        example="200万",
        note=_l("只有发榜需求填写"),
    ),
    _column(
        "deadline",
        "截止日期",
        "Deadline",
        ("截止时间", "截止", "有效期至", "揭榜截止日期", "due date"),
        type="date",
        example="2027/6/30",
        note=_l("2027-06-30、2027/6/30、2027年6月30日或 Excel 日期"),
    ),
    _column(
        "status",
        "状态",
        "Status",
        ("发布状态",),
        values="listing_status",
        example="发布中",
        note=_l("不填为草稿"),
    ),
)

COLUMNS = {"enterprises": ENTERPRISE_COLUMNS, "listings": LISTING_COLUMNS}

#: Headers that are known but not imported: row numbers, remarks, the error column of an
#: error report, and (in a listing file) the enterprise's name and contacts of an export.
IGNORED = {
    "enterprises": ("序号", "no.", "#", "备注", "remarks", "notes", "错误", "errors", "行号"),
    "listings": (
        "序号",
        "no.",
        "#",
        "备注",
        "remarks",
        "notes",
        "错误",
        "errors",
        "行号",
        "单位名称",
        "企业名称",
        "enterprise name",
        "联系人",
        "contact",
        "联系电话",
        "phone",
        "联系邮箱",
        "email",
    ),
}
_IGNORED = {kind: {fold(h) for h in headers} for kind, headers in IGNORED.items()}
_BY_NAME = {
    kind: {name: column for column in columns for name in column.names}
    for kind, columns in COLUMNS.items()
}


def find_column(kind: str, header: str) -> Column | None:
    """The column ``header`` names in a file of ``kind``, or None."""
    return _BY_NAME[kind].get(fold(header))


_BRACKETS_RE = re.compile(r"[(（][^)）]*[)）]")


def is_ignored(kind: str, header: str) -> bool:
    """Known and left out; "错误（修改后可重新导入）" of an error report counts as "错误"."""
    return fold(header) in _IGNORED[kind] or fold(_BRACKETS_RE.sub("", header)) in _IGNORED[kind]
