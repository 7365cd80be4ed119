"""Import fixtures: files in each format, built in the test."""

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from ..conftest import valid_credit_code


@pytest.fixture
def organizer(make_user):
    from rongtong.extensions import db

    user = make_user(role="organizer")
    db.session.commit()
    return user


def enterprise_row(**overrides) -> dict:
    row = {
        "credit_code": valid_credit_code(),
        "name": "广州星瀚精密机械有限公司",
        "kind": "sme",
        "tier": "little_giant",
        "district": "huangpu",
        "chains": ["robotics", "ai"],
        "description": "精密减速器与机器人关节模组。",
        "website": "https://example.cn",
        "contact_name": "陈工",
        "contact_email": "chen@example.cn",
        "contact_mobile": "13800138000",
        "verified": True,
    }
    row.update(overrides)
    return {k: v for k, v in row.items() if v is not ...}


def listing_row(enterprise: str, **overrides) -> dict:
    row = {
        "ref": "CH-AUTO-001",
        "enterprise": enterprise,
        "kind": "challenge",
        "category": "rnd",
        "chain": "auto",
        "title": "电池托盘激光焊接变形控制",
        "summary": "寻求变形控制方案。",
        "description": "铝合金托盘焊后平面度 ≤ 0.5 mm。",
        "confidential": "目标成本 80 元/件。",
        "keywords": ["激光焊接", "电池托盘"],
        "budget_min": 500000,
        "budget_max": 2000000,
        "deadline": "2099-06-30",
        "status": "published",
    }
    row.update(overrides)
    return {k: v for k, v in row.items() if v is not ...}


def _cell(value):
    if isinstance(value, list):
        return "、".join(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else value


def _columns(rows):
    return list(dict.fromkeys(k for row in rows for k in row))


@pytest.fixture
def write_file(tmp_path):
    """``write_file(rows, "jsonl"|"csv"|"xlsx", bom=False)`` → the path of a new file."""
    counter = iter(range(1000))

    def write(rows, fmt: str, *, bom: bool = False, name: str | None = None) -> Path:
        path = tmp_path / (name or f"rows{next(counter)}.{fmt}")
        if fmt == "jsonl":
            path.write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
            )
        elif fmt == "csv":
            columns = _columns(rows)
            out = io.StringIO(newline="")
            writer = csv.writer(out)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(c)) for c in columns])
            path.write_text(out.getvalue(), encoding="utf-8-sig" if bom else "utf-8")
        else:
            columns = _columns(rows)
            workbook = Workbook()
            sheet = workbook.active
            sheet.append(columns)
            for row in rows:
                sheet.append([_cell(row.get(c)) for c in columns])
            workbook.save(path)
        return path

    return write
