"""Report wording in Chinese and English: one table per language, same keys."""

from __future__ import annotations

from leaktrace.core.errors import InputError

LANGS = ("zh", "en")

_EN = {
    "report": "Case report",
    "generated": "Generated",
    "tlp": "TLP",
    "status": "Status",
    "summary": "Summary",
    "claimed": "Claimed records",
    "rows": "Rows in the dump",
    "distinct_victims": "Distinct victims",
    "valid_ids": "Distinct valid ID numbers",
    "fabricated": "Fabricated rows",
    "duplicates": "Duplicate rows",
    "recycled": "IDs recycled from earlier leaks",
    "new_ids": "New IDs",
    "padding": "Claimed ÷ distinct victims",
    "dump": "Dump",
    "provinces": "Distinct victims per province",
    "province": "Province",
    "count": "Count",
    "share": "Share",
    "map": "Province map (tile cartogram: one square per provincial unit)",
    "fabricated_detail": "Fabricated rows by reason",
    "victim_org": "Victim organisation",
    "organisation": "Organisation",
    "confidence": "Confidence",
    "method": "Method",
    "partner": "Leaking partner",
    "evidence": "Evidence",
    "gang": "The group",
    "graph": "Group graph: members, roles, aliases and the links that tie them",
    "members": "Members",
    "member": "Member",
    "role": "Role",
    "aliases": "Aliases (accounts)",
    "identifiers": "Identifiers",
    "links": "Links",
    "wallets": "Wallets and revenue",
    "address": "Address",
    "chain": "Chain",
    "received": "Received",
    "tx_count": "Transactions",
    "revenue": "Estimated revenue from listings (price × units sold, where the market shows sales)",
    "listings": "Listings",
    "market": "Market",
    "title": "Title",
    "seller": "Seller",
    "price": "Price",
    "sold": "Sold",
    "first_seen": "First seen",
    "samples": "Sample rows (masked)",
    "timeline": "Timeline",
    "when": "When",
    "what": "What",
    "notes": "Notes",
    "author": "Author",
    "appendix": "Evidence appendix",
    "custody": "Custody chain",
    "custody_ok": "verified: every entry's hash, link and signature, and the signed head",
    "custody_bad": "FAILED",
    "custody_none": "no evidence store on this machine: not verified",
    "capture_ok": "blob matches its SHA-256; in the custody chain",
    "capture_logged": "in the custody chain; contents not checked on this machine",
    "contents_unchecked": "Blob contents not checked (the deployment key is not available here)",
    "url": "URL",
    "fetched": "Fetched",
    "type": "Type",
    "result": "Verification",
    "none": "none",
    "pii_note": "Personal data appears only masked; identifiers of people are keyed hashes.",
    "by_currency": "by currency",
    "legend": "Legend",
    "role_other": "other or unknown role",
    "basis_confirmed": "link confirmed by an investigator",
    "basis_strong": "link on hard evidence (shared personal identifier)",
    "basis_inferred": "inferred link (style, handles): a lead",
    "basis_group": "team link (shared team identifier, sample rows, promotion)",
    "basis_other": "link",
    "basis": "Basis",
}

_ZH = {
    "report": "案件报告",
    "generated": "生成时间",
    "tlp": "TLP 密级",
    "status": "状态",
    "summary": "概要",
    "claimed": "宣称条数",
    "rows": "数据行数",
    "distinct_victims": "去重受害人数",
    "valid_ids": "有效身份证号（去重）",
    "fabricated": "伪造行",
    "duplicates": "重复行",
    "recycled": "与早前泄露重复的身份证号",
    "new_ids": "新增身份证号",
    "padding": "宣称条数 ÷ 去重受害人数",
    "dump": "数据包",
    "provinces": "各省去重受害人数",
    "province": "省份",
    "count": "人数",
    "share": "占比",
    "map": "省份分布图（方块图：每个省级行政区一格）",
    "fabricated_detail": "伪造行原因",
    "victim_org": "受害单位",
    "organisation": "单位",
    "confidence": "置信度",
    "method": "方法",
    "partner": "泄露环节",
    "evidence": "依据",
    "gang": "团伙",
    "graph": "团伙关系图：成员、角色、别名及关联依据",
    "members": "成员",
    "member": "成员",
    "role": "角色",
    "aliases": "别名（账号）",
    "identifiers": "标识",
    "links": "关联",
    "wallets": "钱包与收入",
    "address": "地址",
    "chain": "链",
    "received": "收款",
    "tx_count": "交易数",
    "revenue": "按帖子估算的收入（价格 × 成交数，仅限市场显示成交数的帖子）",
    "listings": "出售帖",
    "market": "市场",
    "title": "标题",
    "seller": "卖家",
    "price": "价格",
    "sold": "成交",
    "first_seen": "首次发现",
    "samples": "样本行（已脱敏）",
    "timeline": "时间线",
    "when": "时间",
    "what": "事件",
    "notes": "备注",
    "author": "记录人",
    "appendix": "证据附录",
    "custody": "保管链",
    "custody_ok": "已验证：每条记录的哈希、链接、签名及签名链头",
    "custody_bad": "验证失败",
    "custody_none": "本机无证据库：未验证",
    "capture_ok": "数据块与 SHA-256 一致；已在保管链中",
    "capture_logged": "已在保管链中；本机未核验内容",
    "contents_unchecked": "未核验数据块内容（本机无部署密钥）",
    "url": "网址",
    "fetched": "采集时间",
    "type": "类型",
    "result": "验证结果",
    "none": "无",
    "pii_note": "个人信息仅以脱敏形式出现；人员标识为带密钥哈希。",
    "by_currency": "按币种",
    "legend": "图例",
    "role_other": "其他或未知角色",
    "basis_confirmed": "经办案人员确认的关联",
    "basis_strong": "硬证据关联（共用个人标识）",
    "basis_inferred": "推断关联（文风、账号名）：线索",
    "basis_group": "团伙关联（共用团伙标识、样本行、互相推广）",
    "basis_other": "关联",
    "basis": "依据类型",
}

TEXTS = {"en": _EN, "zh": _ZH}
assert set(_EN) == set(_ZH)


def texts(lang: str) -> dict[str, str]:
    if lang not in TEXTS:
        raise InputError(f"--lang: {lang!r} is not one of {', '.join(LANGS)}")
    return TEXTS[lang]

# Values the stages emit as codes (roles, timeline kinds, fabrication reasons):
# shown translated in the Chinese report, as they are in the English one, and
# passed through unchanged when a stage adds a code not listed here.
_CODES_ZH = {
    "leader": "头目",
    "supplier": "供货人",
    "wholesaler": "批发商",
    "agent": "代理",
    "seller": "卖家",
    "listing": "出售帖",
    "capture": "采集",
    "note": "备注",
    "event": "事件",
    "case": "立案",
    "bad_checksum": "校验位错误",
    "bad_date": "出生日期无效",
    "bad_region": "地区码无效",
    "repeated_digits": "重复数字",
    "geo_mismatch": "地址与证件地区不符",
    "order_before_birth": "下单时间早于出生",
    "invalid_id": "身份证号无效",
    "geo_conflict": "地址与证件地区不符",
    "impossible_history": "不可能的历史记录",
    "identifier": "共用个人标识",
    "identifier_unevidenced": "共用标识（无采集佐证）",
    "style": "文风相似",
    "handle": "账号名相似",
    "shared_identifier": "共用团伙标识",
    "samples": "共用样本行",
    "promotion": "互相推广",
    "user": "人工确认",
    "strong": "硬证据",
    "confirmed": "已确认",
    "inferred": "推断",
    "group": "团伙关联",
}
_CODES_EN = {
    "bad_checksum": "bad check digit",
    "bad_date": "invalid birth date",
    "bad_region": "invalid region code",
    "repeated_digits": "repeated digits",
    "geo_mismatch": "address and ID region disagree",
    "order_before_birth": "order placed before birth",
    "invalid_id": "invalid ID number",
    "geo_conflict": "address and ID region disagree",
    "impossible_history": "impossible history",
    "identifier": "shared personal identifier",
    "identifier_unevidenced": "shared identifier (no capture on record)",
    "style": "similar writing",
    "handle": "similar handles",
    "shared_identifier": "shared team identifier",
    "samples": "shared sample rows",
    "promotion": "promotes the other",
    "user": "confirmed by a person",
}


def code_label(code: str, lang: str) -> str:
    table = _CODES_ZH if lang == "zh" else _CODES_EN
    return table.get(code, code)


_QUALIFIERS = {"inferred lead": {"zh": "推断线索", "en": "inferred lead"}}


def role_label(role: str | None, lang: str) -> str:
    """A role with the stage's qualifier, both translated: "agent (inferred lead)" -> "代理（推断线索）"."""
    if not role:
        return ""
    base, _, rest = role.partition("(")
    label = code_label(base.strip(), lang)
    qualifier = rest.rstrip(")").strip()
    if not qualifier:
        return label
    q = _QUALIFIERS.get(qualifier, {}).get(lang, qualifier)
    return f"{label}（{q}）" if lang == "zh" else f"{label} ({q})"
