import pytest

from rongtong.matches import services as match_services
from tests.mail.support import SmtpSink


@pytest.fixture
def sink():
    with SmtpSink() as running:
        yield running


@pytest.fixture
def city(make_user, make_enterprise, make_listing):
    """A battery maker with a welding challenge, two suppliers that fit, one that does not."""
    maker = make_enterprise(name="广州云启电池有限公司", chains=["auto"])
    challenge = make_listing(
        enterprise=maker,
        kind="challenge",
        chain="auto",
        category="rnd",
        title="电池托盘激光焊接变形控制",
        summary="铝合金电池托盘激光焊接后平面度超差，寻求焊接变形控制方案。",
        keywords=["激光焊接", "电池托盘", "焊接变形"],
    )
    welder_co = make_enterprise(name="广州焊接工艺研究所", chains=["auto"])
    welder = make_listing(
        enterprise=welder_co,
        kind="capability",
        chain="auto",
        category="rnd",
        title="铝合金激光焊接工艺与变形控制",
        summary="提供铝合金激光焊接工艺开发、焊接变形仿真与夹具设计。",
        keywords=["激光焊接", "焊接变形"],
    )
    vision_co = make_enterprise(name="广州明视智能有限公司", chains=["robotics"])
    vision = make_listing(
        enterprise=vision_co,
        kind="capability",
        chain="robotics",
        category="rnd",
        title="电池托盘焊缝机器视觉检测",
        summary="面向电池托盘激光焊缝的机器视觉缺陷识别，检出率 99.5%。",
        keywords=["机器视觉", "焊缝检测", "电池托盘"],
    )
    ferment_co = make_enterprise(name="广州发酵生物有限公司", chains=["biomfg"])
    ferment = make_listing(
        enterprise=ferment_co,
        kind="capability",
        chain="biomfg",
        category="supply",
        title="发酵罐 CIP 清洗验证服务",
        summary="生物发酵罐在线清洗验证，符合 GMP。",
        keywords=["发酵"],
    )
    people = {
        "maker": make_user(enterprise=maker, name="云启"),
        "maker_en": make_user(enterprise=maker, name="Yunqi", locale="en"),
        "welder": make_user(enterprise=welder_co),
        "vision": make_user(enterprise=vision_co),
        "ferment": make_user(enterprise=ferment_co),
        "organizer": make_user(role="organizer"),
    }
    match_services.rebuild_index()
    return {
        **people,
        "challenge": challenge,
        "welder_listing": welder,
        "vision_listing": vision,
        "ferment_listing": ferment,
    }
