"""Words of the upload, partner and TLP parts of the console, zh and en (same keys; as web/i18n.py).

Kept apart from web/i18n.py so the pages added here bring their own words;
templates read them as `w.<key>` beside the shared `t.<key>`.
"""

from __future__ import annotations

_EN = {
    "upload": "Upload", "upload_title": "Upload a WARC, Telegram export or dump", "kind": "Kind",
    "kind_warc": "WARC file (.warc, .warc.gz)", "kind_telegram": "Telegram export (result.json)",
    "kind_dump": "Seized dump (CSV, TSV, JSONL, SQL …)", "source": "Source (registered; needed for WARC and Telegram)",
    "legal_basis": "Legal basis (only to register a new source)", "owner": "Owner (only to register a new source)",
    "site": "Site name for the posts (optional)", "file": "File", "send": "Upload and import",
    "limit": "Largest file accepted", "bytes": "bytes",
    "upload_note": "The file is sealed into the evidence store as it arrives, checked whole, then imported as "
                   "`leaktrace import` or `dump analyze` would; a damaged file is refused and nothing of it is kept.",
    "uploaded": "Imported", "sha256": "SHA-256", "size": "Size", "summary": "Result",
    "partner": "My organisation", "partner_title": "Results for organisation", "attributions": "Attribution results",
    "notices": "Exposure notices", "alerts": "Alerts", "none_yet": "None.", "dump": "Dump",
    "confidence": "Confidence", "method": "Method", "evidence": "Evidence", "persons": "Distinct persons",
    "rows": "Rows", "claimed": "Claimed records", "case": "Case", "tlp": "TLP", "set_tlp": "Set TLP",
    "partner_note": "Only your organisation's results are shown. Captures, samples, bundles and hash sets "
                    "are never downloadable from this console for partner accounts.",
    "alerts_pending": "Alerts will appear here when they are enabled for your organisation.",
    "item_tlp": "Item marking",
}

_ZH = {
    "upload": "上传", "upload_title": "上传 WARC、Telegram 导出或数据包", "kind": "类型",
    "kind_warc": "WARC 文件（.warc、.warc.gz）", "kind_telegram": "Telegram 导出（result.json）",
    "kind_dump": "查获的数据包（CSV、TSV、JSONL、SQL 等）", "source": "来源（已登记；WARC 和 Telegram 必填）",
    "legal_basis": "法律依据（仅登记新来源时填写）", "owner": "负责人（仅登记新来源时填写）",
    "site": "帖子的站点名（可选）", "file": "文件", "send": "上传并导入", "limit": "文件大小上限", "bytes": "字节",
    "upload_note": "文件在到达时即加密封存到证据库，完整校验后按 `leaktrace import` 或 `dump analyze` 的方式导入；"
                   "损坏的文件会被拒绝，且不留下任何内容。",
    "uploaded": "已导入", "sha256": "SHA-256", "size": "大小", "summary": "结果",
    "partner": "本单位", "partner_title": "本单位结果", "attributions": "溯源结果", "notices": "泄露通知",
    "alerts": "预警", "none_yet": "暂无。", "dump": "数据包", "confidence": "置信度", "method": "方法",
    "evidence": "依据", "persons": "去重人数", "rows": "行数", "claimed": "声称条数", "case": "案件", "tlp": "TLP",
    "set_tlp": "设置 TLP",
    "partner_note": "仅显示本单位的结果。合作单位账号在本控制台永远不能下载采集件、样本、证据包或哈希集。",
    "alerts_pending": "为本单位启用预警后，预警将显示在这里。", "item_tlp": "条目标记",
}

CATALOGUE = {"en": _EN, "zh": _ZH}


def extra_words(lang: str) -> dict[str, str]:
    """The table of `lang` (English for an unknown code)."""
    return CATALOGUE.get(lang, _EN)
