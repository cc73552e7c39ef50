"""Organisations, the partner copies of their data, and the canary rows in each copy.

Organisation 0 is the victim. Every organisation shares copies of its
customer data with 2-4 partners and plants a few canary customers (people who
do not exist) in each copy, different per copy, so a leaked copy names its
partner. Decoy organisations' customers are drawn from the whole population,
so they overlap the victim's the way real shoppers do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from leaktrace.simulate.keyed import Feistel, Keyed
from leaktrace.simulate.plan import CANARY_SLOTS, Plan

_PLACES = ("华东", "南方", "北辰", "西域", "东海", "长江", "中原", "云岭", "天府", "江南",
           "燕赵", "齐鲁", "闽南", "岭南", "塞北", "三秦", "荆楚", "潇湘", "黔中", "八桂",
           "海天", "星河", "金桥", "银川", "青松", "蓝鲸", "红枫", "白鹭", "紫金", "翠湖",
           "晨光", "远航", "华联", "优品", "惠民", "百家", "万众", "鑫源", "恒通", "瑞丰")
_TRADES = ("优选商城", "电商", "网购平台", "生鲜配送", "母婴商城", "快递", "酒店集团", "连锁药房",
           "保险代理", "汽车服务", "教育培训", "旅游网", "物业服务", "健身连锁", "家电商城",
           "书城", "票务平台", "外卖平台", "招聘网", "房产中介", "通信营业厅", "银行信用卡中心",
           "宠物医院", "美妆商城", "二手车平台")
PARTNERS = ("logistics", "payment", "callcenter", "marketing", "analytics")
CANARIES_PER_COPY = 3


@dataclass(frozen=True)
class Org:
    index: int
    org_id: str
    name: str
    partners: tuple[str, ...]
    customers: int  # how many rows its customers file holds

    def canary_index(self, partner: str, k: int) -> int:
        """Slot in the canary person range; stable for (org, partner, k)."""
        return (self.index * len(PARTNERS) + PARTNERS.index(partner)) * CANARIES_PER_COPY + k


def make_orgs(plan: Plan, keyed: Keyed) -> list[Org]:
    assert plan.orgs * len(PARTNERS) * CANARIES_PER_COPY <= CANARY_SLOTS
    idx = np.arange(plan.orgs, dtype=np.int64)
    n_partners = 2 + keyed.below("org-partners", idx, 3)
    start = keyed.below("org-partner-start", idx, len(PARTNERS))
    size_u = keyed.u("org-size", idx)
    cap = max(10, min(plan.victim_customers // 4, 20_000, 2_000_000 // plan.orgs))
    orgs = []
    for i in range(plan.orgs):
        name = _PLACES[i % len(_PLACES)] + _TRADES[(i // len(_PLACES) + i) % len(_TRADES)]
        if i >= len(_PLACES) * len(_TRADES):
            name += str(i)
        partners = tuple(PARTNERS[(int(start[i]) + j) % len(PARTNERS)] for j in range(int(n_partners[i])))
        size = plan.victim_customers if i == 0 else max(10, int(cap * (0.5 + 0.5 * size_u[i])))
        orgs.append(Org(i, f"org-{i:03d}", name, partners, size))
    return orgs


def leaking_partner(victim: Org, keyed: Keyed) -> str:
    pick = int(keyed.below("leaking-partner", np.zeros(1, dtype=np.int64), len(victim.partners))[0])
    return victim.partners[pick]


def customer_persons(org: Org, plan: Plan, keyed: Keyed, start: int, stop: int) -> NDArray[np.int64]:
    """Person indices of customers [start, stop) of `org`: victim = [0, N), decoys sampled without repeats."""
    rank = np.arange(start, stop, dtype=np.int64)
    if org.index == 0:
        return rank
    return Feistel(keyed, f"org-customers/{org.index}", plan.population)(rank)
