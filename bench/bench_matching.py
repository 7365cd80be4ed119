"""Speed and memory of the matcher against sparse_dot_topn on a synthetic industrial corpus.

    .venv/bin/python bench/bench_matching.py --sizes 10000 100000

Prints machine information, then for each size: fit time, all-pairs top-10 time
for the matcher and for sparse_dot_topn (on the matcher's own vectors and on
scikit-learn character 1–2-gram vectors of the same corpus), recall@10 of the
matcher against a brute-force top-10 of its own scores on a sample, single-rank
p50/p99, peak memory, and each figure's ratio to sparse_dot_topn.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
from machine import describe

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching import Doc

# ---------------------------------------------------------------- the corpus

#: Per chain: specialised terms (the words that make two listings meet).
_CHAIN_TERMS_TEXT = {
    "auto": (
        "激光焊接 电池托盘 一体化压铸 线控底盘 域控制器 毫米波雷达 激光雷达 "
        "自动驾驶 车规级芯片 动力电池 电驱系统 热管理 轻量化 车身结构件 铝合金 "
        "碳纤维 充电桩 换电站 整车控制器 智能座舱 车联网 高精地图 制动系统 "
        "转向系统 电池包 模组装配 涂装 冲压 总装线 "
    ),
    "display": (
        "超高清 柔性屏 微型发光二极管 量子点 偏光片 背光模组 驱动芯片 触控模组 "
        "玻璃基板 蒸镀 光学膜 视频编解码 激光显示 显示面板 贴合 检测设备 "
        "像素修复 色彩校准 面板切割 Mini-LED OLED 8K "
    ),
    "biomed": (
        "体外诊断 基因测序 细胞治疗 抗体药物 医疗器械 医学影像 手术机器人 疫苗 "
        "原料药 制剂 临床试验 生物反应器 冻干 无菌灌装 质谱 试剂盒 病理切片 "
        "康复器械 中药提取 高值耗材 "
    ),
    "petrochem": (
        "高分子材料 改性塑料 特种橡胶 涂料 胶粘剂 催化剂 精细化工 聚酰亚胺 "
        "碳纤维复合材料 工程塑料 可降解材料 注塑成型 挤出 配方优化 耐高温 阻燃 "
        "环保溶剂 反应釜 蒸馏 尾气处理 "
    ),
    "software": (
        "工业软件 云计算 大数据平台 数据中台 低代码 微服务 信息安全 区块链 "
        "数字孪生 物联网平台 边缘计算 工业互联网 ERP MES SaaS "
        "数据治理 运维监控 身份认证 信创适配 数据库 "
    ),
    "robotics": (
        "工业机器人 协作机器人 AGV小车 机器视觉 视觉检测 缺陷识别 伺服电机 "
        "减速器 运动控制 末端执行器 焊接机器人 码垛 分拣 柔性产线 数控机床 "
        "激光切割 3D视觉 力控 路径规划 自动化产线 PLC 夹具 上下料 "
        "打磨抛光 "
    ),
    "ai": (
        "深度学习 大模型 计算机视觉 自然语言处理 知识图谱 语音识别 推荐算法 "
        "智能客服 图像识别 目标检测 算力 模型训练 模型部署 边缘推理 数据标注 "
        "预测性维护 异常检测 智能质检 多模态 算法优化 "
    ),
    "semicon": (
        "晶圆 封装测试 光刻 刻蚀 薄膜沉积 化学机械抛光 功率器件 碳化硅 氮化镓 "
        "模拟芯片 射频芯片 传感器 MEMS 芯片设计 EDA 探针卡 引线键合 "
        "良率提升 洁净室 晶圆检测 "
    ),
    "energy": (
        "储能系统 锂电池 钠离子电池 光伏组件 逆变器 氢燃料电池 电解槽 "
        "电池管理系统 能量管理 充放电 热失控 梯次利用 风电 微电网 虚拟电厂 "
        "储能变流器 电芯 正极材料 负极材料 隔膜 "
    ),
    "lowalt": (
        "无人机 电动垂直起降 飞控系统 航空复合材料 航电 机载设备 适航认证 "
        "低空物流 巡检无人机 测绘 通信链路 起降场 导航定位 避障 动力电池 "
        "螺旋桨 载荷 遥感 空域管理 航空发动机 "
    ),
    "biomfg": (
        "合成生物 发酵工艺 酶制剂 菌种改造 生物基材料 代谢工程 分离纯化 "
        "细胞培养 生物催化 益生菌 氨基酸 蛋白表达 高通量筛选 生物反应器 "
        "连续发酵 "
    ),
    "fashion": (
        "服装设计 面料 印染 智能制衣 柔性供应链 皮具 化妆品 珠宝首饰 快反生产 "
        "定制化 电商直播 品牌营销 色彩管理 版型 纺织 鞋服 "
    ),
    "rail": (
        "轨道交通 信号系统 牵引系统 车辆段 轨道检测 受电弓 制动 屏蔽门 "
        "列车控制 运维检修 智慧车站 轨道减振 接触网 地铁 弓网监测 "
    ),
    "marine": (
        "船舶设计 海洋工程 船用设备 海上风电 水下机器人 船舶涂装 焊接 海工装备 "
        "LNG船 压载水 船舶动力 声呐 海洋监测 港口机械 系泊 "
    ),
    "construction": (
        "装配式建筑 建筑信息模型 BIM 智能建造 预制构件 钢结构 建筑机器人 "
        "幕墙 绿色建材 智慧工地 塔吊 混凝土 隧道施工 监测 测量放样 "
    ),
}
CHAIN_TERMS = {chain: text.split() for chain, text in _CHAIN_TERMS_TEXT.items()}

#: Words every industrial listing uses somewhere: the reason the raw product is dense.
_COMMON_TEXT = (
    "技术 系统 设备 生产 产品 质量 效率 成本 研发 服务 方案 数据 智能 "
    "自动化 检测 控制 管理 工艺 制造 应用 平台 项目 合作 能力 经验 "
    "团队 客户 行业 领先 核心 稳定 可靠 精度 提升 降低 优化 集成 定制 "
    "交付 标准 规模 市场 专业 创新 解决 支持 安全 环保 节能 升级 改造 "
    "材料 工厂 车间 产线 测试 验证 模块 部件 结构 性能 指标 周期 售后 "
    "运维 现场 批量 国产化 替代 "
)
COMMON = _COMMON_TEXT.split()

CHALLENGE_OPENERS = [
    "因业务扩张需要，我司现面向社会征集{a}方面的技术解决方案。",
    "我公司在{a}环节长期存在{b}问题，现公开发榜寻求合作伙伴。",
    "为推进{a}国产化替代，拟采购一批{b}相关产品并开展联合研发。",
    "本项目聚焦{a}场景开放，欢迎具备{b}能力的企业参与。",
    "现有{a}产线需要升级改造，重点解决{b}与{c}的集成问题。",
]
CAPABILITY_OPENERS = [
    "我司是一家专注于{a}的国家级专精特新企业，在{b}领域拥有多项发明专利。",
    "公司主营{a}和{b}，为客户提供从设计到交付的一站式服务。",
    "团队深耕{a}十余年，核心产品包括{b}、{c}等。",
    "我们具备{a}的量产能力，已为多家头部企业提供{b}配套。",
    "依托高校科研资源，在{a}与{b}方向形成了成熟的技术方案。",
]
SENTENCES = [
    "要求{a}精度达到{n}微米以内，{b}效率提升{p}%以上。",
    "项目周期{n}个月，预算{m}万元，需提供{a}样机验证。",
    "希望合作方具备{a}和{b}的工程经验，能够驻场支持。",
    "产品已通过{a}认证，年产能{m}万套，交付周期{n}天。",
    "可提供{a}、{b}及{c}的定制开发与技术培训。",
    "现场环境存在{a}干扰，对{b}的稳定性和可靠性要求较高。",
    "采用{a}结合{b}的技术路线，显著降低{c}成本。",
    "已在{a}行业落地{n}个项目，客户包括多家上市公司。",
    "需要对现有{a}进行数据采集与分析，实现{b}的智能化管理。",
    "支持{a}的国产化替代，兼容主流{b}接口标准。",
]
CHAINS = list(CHAIN_TERMS)
CATEGORIES = ["rnd", "project", "supply", "procurement", "scenario", "talent", "finance"]
DISTRICTS = ["yuexiu", "haizhu", "liwan", "tianhe", "baiyun", "huangpu", "panyu", "nansha"]
TIERS = [None, "seed", "innovative", "provincial", "little_giant", "champion"]


def make_corpus(n: int, seed: int = 0) -> list[Doc]:
    """n listings of 100–400 characters, half challenges and half capabilities."""
    rng = random.Random(seed)
    # Zipf-like use of a chain's terms: a few are everywhere, most are rare.
    weights = {c: [1 / (i + 1) ** 0.8 for i in range(len(t))] for c, t in CHAIN_TERMS.items()}
    docs = []
    for i in range(n):
        kind = "challenge" if i % 2 == 0 else "capability"
        chain = rng.choice(CHAINS)
        own = rng.choices(CHAIN_TERMS[chain], weights[chain], k=8)
        other = CHAIN_TERMS[rng.choice(CHAINS)]

        def term(own=own, other=other) -> str:
            r = rng.random()
            if r < 0.6:
                return rng.choice(own)
            if r < 0.75:
                return rng.choice(other)
            return rng.choice(COMMON)

        def fill(template: str) -> str:
            return template.format(
                a=term(),
                b=term(),
                c=term(),
                n=rng.randint(1, 60),
                m=rng.randint(5, 900),
                p=rng.randint(5, 60),
            )

        openers = CHALLENGE_OPENERS if kind == "challenge" else CAPABILITY_OPENERS
        body = [fill(rng.choice(openers))]
        target = rng.randint(100, 400)
        while sum(map(len, body)) < target:
            body.append(fill(rng.choice(SENTENCES)))
        keywords = tuple(dict.fromkeys(rng.sample(own, k=3)))
        if kind == "challenge":
            title = keywords[0] + rng.choice(["技术攻关", "联合研发", "设备采购", "场景应用"])
        else:
            title = f"{keywords[0]}与{keywords[-1]}" + rng.choice(["整体解决方案", "核心产品"])
        docs.append(
            Doc(
                id=f"{'CH' if kind == 'challenge' else 'CA'}-{i:06d}",
                kind=kind,
                title=title,
                text="".join(body)[: target + 40],
                keywords=keywords,
                chain=chain,
                category=rng.choice(CATEGORIES),
                district=rng.choice(DISTRICTS),
                tier=rng.choice(TIERS) if kind == "capability" else None,
            )
        )
    return docs


# ---------------------------------------------------------------- measuring


class PeakRSS:
    """Peak resident memory of this process while the block runs (sampled every 10 ms)."""

    def __enter__(self):
        import threading

        import psutil

        self._proc = psutil.Process()
        self.start = self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()

        def sample():
            while not self._stop.wait(0.01):
                self.peak = max(self.peak, self._proc.memory_info().rss)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def brute_force_top(m, rows: np.ndarray, k: int = 10) -> dict[int, list[int]]:
    """Top-k of the matcher's own blended scores by dense products over all counterparts."""
    from matching.matcher import _COUNTERPART, KINDS

    out = {}
    for kind in KINDS:
        sel = rows[m.kind_[rows] == KINDS.index(kind)]
        cols = m.by_kind_[_COUNTERPART[kind]]
        if not len(sel):
            continue
        dense = (m.X_[sel] @ m.X_[cols].T).toarray()
        for t, row in enumerate(sel):
            text = dense[t]
            ia = np.full(len(cols), row)
            score = m._blend(text, m._signals(m.meta_, ia, m.meta_, cols))
            order = np.lexsort((m.tiebreak_[cols], -score))[:k]
            out[int(row)] = [int(cols[j]) for j in order if score[j] > 0]
    return out


def machine() -> str:
    import scipy
    import sklearn
    import sparse_dot_topn

    return describe(
        f"numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
        f"sparse_dot_topn {sparse_dot_topn.__version__}"
    )


def run(n: int, threads: int, baseline_rows: int, sample: int, n_rank: int) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sparse_dot_topn import sp_matmul_topn

    from matching import TfidfMatcher
    from matching.matcher import _COUNTERPART, KINDS

    res: dict = {"n": n}
    docs = make_corpus(n, seed=0)
    chars = [len(d.title) + len(d.text) for d in docs]
    res["chars"] = (min(chars), int(np.mean(chars)), max(chars))

    with PeakRSS() as mem_fit:
        m, res["fit"] = timed(TfidfMatcher(n_jobs=threads).fit, docs)
    res["mem_fit"] = mem_fit.peak
    res["features"] = (m.n_features_, m.n_dropped_features_, m.X_.nnz / n)

    with PeakRSS() as mem_pairs:
        pairs, res["top_pairs"] = timed(m.top_pairs, 10)
    res["mem_pairs"] = mem_pairs.peak
    _, res["top_pairs_arrays"] = timed(m.top_pairs_arrays, 10)

    # sparse_dot_topn, exact top-10, on the matcher's own (pruned) vectors, both directions.
    t = time.perf_counter()
    for kind in KINDS:
        rows, cols = m.by_kind_[kind], m.by_kind_[_COUNTERPART[kind]]
        sp_matmul_topn(m.X_[rows], m.X_[cols].T.tocsr(), top_n=10, n_threads=threads)
    res["sdt_same"] = time.perf_counter() - t

    # sparse_dot_topn over scikit-learn character 1–2-gram TF-IDF (the baseline):
    # all n × n, measured on `baseline_rows` query rows and scaled to n.
    texts = [f"{d.title}\n{' '.join(d.keywords)}\n{d.text}" for d in docs]
    V, res["char12_fit"] = timed(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 2), dtype=np.float32).fit_transform,
        texts,
    )
    rows = min(baseline_rows, n)
    VT = V.T.tocsr()
    _, t_rows = timed(sp_matmul_topn, V[:rows], VT, top_n=10, n_threads=threads)
    res["sdt_char12"] = t_rows * n / rows
    res["sdt_char12_rows"] = rows
    del V, VT

    # Recall@10 of top_pairs against brute force of the matcher's own scores.
    rng = np.random.default_rng(0)
    sample_rows = rng.choice(n, size=min(sample, n), replace=False)
    truth = brute_force_top(m, sample_rows)
    hit = total = 0
    for row, want in truth.items():
        got = {x.id for x in pairs[m.ids_[row]]}
        hit += len(got & {m.ids_[j] for j in want})
        total += len(want)
    res["recall"] = hit / max(total, 1)

    # One new listing (never fitted) ranked against the index.
    new = make_corpus(n_rank, seed=1)
    new = [
        Doc(**{**{f: getattr(d, f) for f in Doc.__slots__}, "id": f"NEW-{i}"})
        for i, d in enumerate(new)
    ]
    for d in new[:20]:
        m.rank(d)  # warm caches
    times = []
    for d in new:
        t = time.perf_counter()
        m.rank(d)
        times.append(time.perf_counter() - t)
    res["rank_p50"] = float(np.percentile(times, 50))
    res["rank_p99"] = float(np.percentile(times, 99))
    import resource

    res["maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return res


def report(r: dict) -> str:
    gib = 2**30
    sdt = r["sdt_char12"]
    lines = [
        f"\n## n = {r['n']:,} listings ({r['n'] // 2:,} challenges × {r['n'] - r['n'] // 2:,} "
        f"capabilities), {r['chars'][0]}–{r['chars'][2]} characters (mean {r['chars'][1]})",
        f"features kept {r['features'][0]:,}, dropped (df > max_df) {r['features'][1]:,}, "
        f"{r['features'][2]:.0f} non-zeros a listing",
        "",
        "| figure | value | ratio to sparse_dot_topn (char 1–2-gram) |",
        "| --- | ---: | ---: |",
        f"| sparse_dot_topn, char 1–2-gram TF-IDF, all {r['n']:,}×{r['n']:,} top-10 "
        f"(measured on {r['sdt_char12_rows']:,} rows, scaled) | {sdt:.1f} s | 1.0× |",
        f"| scikit-learn char 1–2-gram vectorizer fit | {r['char12_fit']:.1f} s | |",
        f"| sparse_dot_topn top-10 on the matcher's vectors (both directions) "
        f"| {r['sdt_same']:.1f} s | {sdt / r['sdt_same']:.1f}× faster |",
        f"| **matcher all-pairs top-10** (`top_pairs_arrays`) | {r['top_pairs_arrays']:.1f} s "
        f"| **{sdt / r['top_pairs_arrays']:.1f}× faster** |",
        f"| matcher `top_pairs` incl. Match objects and reasons | {r['top_pairs']:.1f} s "
        f"| {sdt / r['top_pairs']:.1f}× faster |",
        f"| recall@10 vs brute force of the matcher's own scores (sample) | {r['recall']:.4f} | |",
        f"| matcher fit | {r['fit']:.1f} s | |",
        f"| one new listing ranked, p50 / p99 | {r['rank_p50'] * 1e3:.2f} / "
        f"{r['rank_p99'] * 1e3:.2f} ms | |",
        f"| peak RSS: after fit / during top_pairs / whole run | {r['mem_fit'] / gib:.2f} / "
        f"{r['mem_pairs'] / gib:.2f} / {r['maxrss'] / gib:.2f} GiB | |",
    ]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--baseline-rows", type=int, default=10_000, help="query rows of the char 1–2-gram baseline"
    )
    parser.add_argument("--sample", type=int, default=300, help="rows checked by brute force")
    parser.add_argument("--rank-queries", type=int, default=500)
    args = parser.parse_args(argv)
    print(machine())
    for n in args.sizes:
        r = run(n, args.threads, args.baseline_rows, args.sample, args.rank_queries)
        print(report(r), flush=True)


if __name__ == "__main__":
    main()
