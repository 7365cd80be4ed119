"""Taxonomies: data with a stable code and a Chinese and English label each."""

import re

from flask_babel import get_locale
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class TaxonomyMixin:
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable identifier used by the API, imports and URLs; never shown as a label.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_zh: Mapped[str] = mapped_column(String(80))
    label_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    #: Other spellings an import accepts for this term (黄埔, 广州市黄埔区, R&D …), one a
    #: line; admins edit them beside the labels.
    aliases: Mapped[str] = mapped_column(Text, default="", server_default="")

    @property
    def alias_list(self) -> list[str]:
        return parse_aliases(self.aliases)

    @property
    def label(self) -> str:
        locale = get_locale()
        return self.label_en if locale is not None and locale.language == "en" else self.label_zh

    def to_dict(self) -> dict:
        return {"code": self.code, "label_zh": self.label_zh, "label_en": self.label_en}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"


#: What separates aliases where they are typed or stored (not "/": 高校/科研院所 is one).
ALIAS_SEPARATORS = re.compile(r"[\n|,，、;；]")


def parse_aliases(text: str | None) -> list[str]:
    """Aliases from a text of one a line (or separated by | , 、 ;), trimmed, without repeats."""
    return list(dict.fromkeys(a.strip() for a in ALIAS_SEPARATORS.split(text or "") if a.strip()))


class Chain(TaxonomyMixin, db.Model):
    """An industry chain (Guangzhou's strategic industrial clusters)."""

    __tablename__ = "chains"
    #: Cluster group (emerging_pillar, strategic_leading, distinctive); chains of one
    #: group count as related for matching.
    group: Mapped[str] = mapped_column(String(40), default="")


class District(TaxonomyMixin, db.Model):
    __tablename__ = "districts"


class Category(TaxonomyMixin, db.Model):
    """One of the seven domains of supply–demand matchmaking."""

    __tablename__ = "categories"


class EnterpriseKind(TaxonomyMixin, db.Model):
    __tablename__ = "enterprise_kinds"


class Tier(TaxonomyMixin, db.Model):
    """SME cultivation tier (梯度培育)."""

    __tablename__ = "tiers"


#: Vocabulary name → model, for imports, the API and the admin pages.
VOCABULARIES: dict[str, type[TaxonomyMixin]] = {
    "chains": Chain,
    "districts": District,
    "categories": Category,
    "enterprise_kinds": EnterpriseKind,
    "tiers": Tier,
}
