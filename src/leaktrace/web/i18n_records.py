"""Words of the dump, case, organisation and admin pages, zh and en (same keys), apart from `i18n` so each
page family keeps its own table. Templates read them as `w.KEY`."""

from __future__ import annotations

_EN = {
    "dumps": "Analysed dumps", "dump": "Dump", "rows": "Rows", "persons": "Distinct persons",
    "padding": "Padding (fabricated rows)", "attributed": "Attributed to", "open": "Open",
    "map": "Victims per province", "by_id": "counted by ID number (province of issue)",
    "by_mobile": "counted by mobile number (province of the number)", "province": "Province",
    "city": "City", "cities": "Cities", "all_provinces": "all provinces", "click_province":
    "Click a province for its cities.", "show_table": "Table", "ages": "Age", "gender": "Gender",
    "age_ref": "ages on", "estimate": "Estimate", "low": "Low bound", "high": "High bound",
    "share": "Share of rows", "method": "Method", "novelty": "Novelty against earlier dumps",
    "earlier": "Earlier dumps compared", "seen_before": "Persons seen before", "new": "New persons",
    "new_share": "Share new", "attribution": "Attribution", "verdict": "Verdict", "confidence": "Confidence",
    "fap": "False-attribution probability", "p_value": "p-value", "canaries": "Canary hits", "lead": "Lead",
    "evidence": "Evidence", "org": "Organisation", "no_attribution": "No attribution kept for this dump.",
    "case_attributions": "In cases", "older_schema": "This report was written by an older version: these "
    "fields are missing, and their sections are left out:", "missing_section": "Not in this report.",
    "figures": "Figures", "malformed": "Malformed rows", "samples": "Malformed rows (masked)", "line": "Line",
    "problem": "Problem", "columns": "Columns", "role": "Role", "duplicates": "Duplicate rows",
    "partner_note": "Your organisation's view: aggregates and your own attribution only.",
    "cases": "Cases", "status": "Status", "assignee": "Assignee", "tlp": "TLP", "items": "Items",
    "updated": "Updated", "author": "Author", "any": "any", "new_case": "New case", "title": "Title",
    "create": "Open case", "notes": "Notes", "add_note": "Add note", "timeline": "Timeline",
    "per_day": "Timeline entries per day", "members": "Members", "add_member": "Add member",
    "remove": "Remove", "set": "Set", "signoff": "Sign-off", "sign_off": "Sign off this case",
    "signed_off": "Signed off by", "not_signed": "Not signed off.", "exports": "Report and exports",
    "build": "Build", "built": "Built files", "download": "Download", "size": "Size", "kind": "Kind",
    "day": "Day", "count": "Entries", "when": "When", "text": "Text", "language": "Language",
    "report": "HTML report", "report_pdf": "PDF report", "stix": "STIX 2.1", "misp": "MISP event",
    "csv": "CSV tables (zip)", "bundle": "Evidence bundle (zip)", "orgs": "Organisations",
    "partners": "Partner accounts", "tokens": "Tokens", "quota": "Daily allowance", "used_today": "Used today",
    "fingerprint": "Fingerprint", "registered": "Registered", "freshness": "Freshness", "canary": "Canaries",
    "fresh": "fresh", "stale": "stale", "none": "none", "quiet": "registered, never found", "hit": "found in a dump",
    "days_old": "days old", "live": "live", "revoked": "revoked or expired", "admin": "Administration",
    "users": "Users and roles", "memberships": "Case memberships", "sources": "Sources",
    "legal_basis": "Legal basis", "owner": "Owner", "settings": "Settings", "setting": "Setting",
    "value": "Value", "from": "From", "env_var": "Environment variable", "pinned": "set by the environment",
    "read_only": "No settings file (LEAKTRACE_CONFIG): settings are read-only here; change them in the environment.",
    "settings_file": "Changes are written to the settings file and apply when leaktrace next starts; settings the "
                     "environment sets, secrets and where the data is are read-only here. File:",
    "disabled": "disabled", "totp": "TOTP", "missing_basis": "missing: collection refuses this source",
    "lang": "Language", "reason": "Note (optional)",
}

_ZH = {
    "dumps": "已分析的数据包", "dump": "数据包", "rows": "行数", "persons": "去重人数", "padding": "注水（伪造行）",
    "attributed": "归属", "open": "打开", "map": "各省受害人数", "by_id": "按身份证号（发证省份）统计",
    "by_mobile": "按手机号（号码归属省份）统计", "province": "省份", "city": "城市", "cities": "城市",
    "all_provinces": "全部省份", "click_province": "点击省份查看其城市。", "show_table": "表格", "ages": "年龄",
    "gender": "性别", "age_ref": "年龄计算日期", "estimate": "估计", "low": "下限", "high": "上限",
    "share": "占行数比例", "method": "方法", "novelty": "与既往数据包相比的新增", "earlier": "比对的既往数据包",
    "seen_before": "既往出现的人数", "new": "新增人数", "new_share": "新增比例", "attribution": "来源归属",
    "verdict": "结论", "confidence": "置信度", "fap": "误归属概率", "p_value": "p 值", "canaries": "蜜标命中",
    "lead": "线索", "evidence": "依据", "org": "机构", "no_attribution": "该数据包没有保存的归属结果。",
    "case_attributions": "案件中的归属", "older_schema": "此报告由旧版本生成：缺少以下字段，相应部分未显示：",
    "missing_section": "此报告中没有。", "figures": "数据", "malformed": "格式错误行", "samples": "格式错误行（已脱敏）",
    "line": "行号", "problem": "问题", "columns": "列", "role": "角色", "duplicates": "重复行",
    "partner_note": "贵机构视图：仅汇总数据和贵机构自己的归属结果。", "cases": "案件", "status": "状态",
    "assignee": "承办人", "tlp": "TLP", "items": "条目", "updated": "更新", "author": "创建人", "any": "任意",
    "new_case": "新建案件", "title": "标题", "create": "立案", "notes": "备注", "add_note": "添加备注",
    "timeline": "时间线", "per_day": "每日时间线条目", "members": "成员", "add_member": "添加成员", "remove": "移除",
    "set": "设置", "signoff": "审核签发", "sign_off": "签发此案件", "signed_off": "签发人", "not_signed": "尚未签发。",
    "exports": "报告与导出", "build": "生成", "built": "已生成文件", "download": "下载", "size": "大小", "kind": "类型",
    "day": "日期", "count": "条目数", "when": "时间", "text": "内容", "language": "语言", "report": "HTML 报告",
    "report_pdf": "PDF 报告", "stix": "STIX 2.1", "misp": "MISP 事件", "csv": "CSV 表格（zip）",
    "bundle": "证据包（zip）", "orgs": "机构", "partners": "合作方账号", "tokens": "令牌", "quota": "每日额度",
    "used_today": "今日已用", "fingerprint": "指纹", "registered": "注册时间", "freshness": "新鲜度", "canary": "蜜标",
    "fresh": "较新", "stale": "过旧", "none": "无", "quiet": "已注册，未发现", "hit": "已在数据包中发现",
    "days_old": "天前", "live": "有效", "revoked": "已注销或过期", "admin": "系统管理", "users": "用户与角色",
    "memberships": "案件成员", "sources": "采集来源", "legal_basis": "法律依据", "owner": "负责人", "settings": "设置",
    "setting": "设置项", "value": "值", "from": "来源", "env_var": "环境变量", "pinned": "由环境变量设定",
    "read_only": "未指定设置文件（LEAKTRACE_CONFIG）：此处设置只读；请在环境变量中修改。",
    "settings_file": "修改写入设置文件，于 leaktrace 下次启动时生效；由环境变量设定的项、密钥和数据位置在此只读。文件：", "disabled": "已停用", "totp": "动态口令",
    "missing_basis": "缺失：采集将拒绝此来源", "lang": "语言", "reason": "备注（可选）",
}

CATALOGUE = {"en": _EN, "zh": _ZH}


def words(lang: str) -> dict[str, str]:
    return CATALOGUE.get(lang, _EN)
