"""A small corpus with an index built on it, shared by the matches tests."""

import pytest

from rongtong.matches import services
from tests.mail.support import process_database  # noqa: F401  (a fixture)


@pytest.fixture
def corpus(make_user, make_listing, make_enterprise):
    owner = make_user()
    challenge = make_listing(
        enterprise=owner.enterprise,
        kind="challenge",
        chain="auto",
        category="rnd",
        title="电池托盘激光焊接变形控制",
        summary="铝合金电池托盘激光焊接后平面度超差，寻求焊接变形控制方案。",
        keywords=["激光焊接", "电池托盘"],
    )
    welder = make_listing(
        enterprise=make_enterprise(name="广州焊接工艺研究所"),
        kind="capability",
        chain="auto",
        category="rnd",
        title="铝合金激光焊接工艺与变形控制",
        summary="提供铝合金激光焊接工艺开发、焊接变形仿真与夹具设计。",
        keywords=["激光焊接", "焊接变形"],
    )
    vision = make_listing(
        enterprise=make_enterprise(name="广州明视智能有限公司"),
        kind="capability",
        chain="robotics",
        category="supply",
        title="机器视觉缺陷检测系统",
        summary="面向电池托盘焊缝的机器视觉缺陷识别，检出率 99.5%。",
        keywords=["机器视觉", "缺陷检测"],
    )
    unrelated = make_listing(
        enterprise=make_enterprise(name="广州发酵生物有限公司"),
        kind="capability",
        chain="biomfg",
        category="supply",
        title="发酵罐 CIP 清洗验证服务",
        summary="生物发酵罐在线清洗验证，符合 GMP。",
        keywords=["发酵"],
    )
    own = make_listing(
        enterprise=owner.enterprise,
        kind="capability",
        title="本单位的激光焊接产线",
        summary="激光焊接产线对外加工",
        keywords=["激光焊接"],
    )
    services.rebuild_index()
    return {
        "owner": owner,
        "challenge": challenge,
        "welder": welder,
        "vision": vision,
        "unrelated": unrelated,
        "own": own,
    }
