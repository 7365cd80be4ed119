"""Taxonomies: data with a stable code and a Chinese and English label each."""

from flask_babel import get_locale
from sqlalchemy import String
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

    @property
    def label(self) -> str:
        locale = get_locale()
        return self.label_en if locale is not None and locale.language == "en" else self.label_zh

    def to_dict(self) -> dict:
        return {"code": self.code, "label_zh": self.label_zh, "label_en": self.label_en}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"


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
