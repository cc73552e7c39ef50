"""The words of the actor, group and link-review pages, merged into `i18n.CATALOGUE` (same keys in both languages).

Kept apart from i18n.py so the pages of the graph can grow without every
other page's table changing; every key starts with `g_`.
"""

from __future__ import annotations

EN = {
    "g_actors": "Actors", "g_actor": "Actor", "g_groups": "Groups", "g_group": "Group", "g_aliases": "Aliases",
    "g_account": "Account", "g_host": "Found on", "g_posts": "Posts", "g_first": "First seen", "g_last": "Last seen",
    "g_identifiers": "Identifiers (suspects' contacts, in clear; this view is audited)", "g_type": "Type",
    "g_value": "Value", "g_kind": "Kind", "g_shown_by": "Shown by", "g_timeline": "Posts over time",
    "g_prices": "Prices and claimed volumes over time", "g_price": "Price", "g_currency": "Currency",
    "g_records": "Claimed records", "g_date": "Date", "g_chart": "Link chart", "g_depth": "Depth",
    "g_show_table": "Table", "g_show_chart": "Chart", "g_filter_kinds": "Evidence",
    "g_filter_standing": "Standing", "g_k_wallet": "shared wallet", "g_k_pgp": "PGP key", "g_k_contact": "contact",
    "g_k_style": "writing style", "g_k_picture": "picture", "g_k_samples": "sample rows", "g_k_other": "other",
    "g_s_confirmed": "confirmed by a person", "g_s_strong": "strong evidence", "g_s_inferred": "inferred (a lead)",
    "g_s_group": "group only", "g_s_rejected": "rejected", "g_expand": "Expand the selected account",
    "g_fit": "Fit", "g_export_png": "Export PNG", "g_export_graphml": "Export GraphML (audited)",
    "g_legend": "Node colour: role (a lead) — supplier, wholesaler, agent, none, hub. Edges: solid = confirmed or "
                "strong evidence, dashed = inferred, dotted = group only.",
    "g_too_large": "Too large to draw", "g_pending": "Inferred links waiting for a decision",
    "g_other_account": "Other account", "g_confidence": "Confidence", "g_reasons": "Why",
    "g_confirm": "Confirm", "g_reject": "Reject", "g_decision_reason": "Reason (kept with the verdict, audited)",
    "g_decided": "Decided, applies at the next graph build:", "g_no_pending": "No inferred link waits here.",
    "g_supervisor_only": "Only supervisors confirm or reject links.", "g_role": "Role (a lead)",
    "g_role_reason": "Why this role", "g_group_of": "Group", "g_provinces": "Provinces", "g_wallets": "Wallets",
    "g_address": "Address", "g_received": "Received", "g_sent": "Sent", "g_transfers": "Transfers",
    "g_money": "Money flows (payers → the group's wallets → payees)", "g_from": "From", "g_to": "To",
    "g_amount": "Amount", "g_no_flows": "No imported transfers touch these wallets ('leaktrace graph import-tx').",
    "g_members": "Members", "g_map": "Provinces the members' listings name", "g_count": "Members",
    "g_no_graph": "No graph built yet: run 'leaktrace graph build'.", "g_find": "Account contains",
    "g_leads": "Groups and roles are leads computed from the links, not findings.", "g_revenue":
    "Revenue estimate (USD)", "g_shared_samples": "Sample rows shared", "g_unplaced": "Not on the map",
    "g_accounts_n": "Accounts", "g_none": "—", "g_decision": "Decision",
}

ZH = {
    "g_actors": "行为人", "g_actor": "行为人", "g_groups": "团伙", "g_group": "团伙", "g_aliases": "别名",
    "g_account": "账号", "g_host": "发现于", "g_posts": "帖子数", "g_first": "首次出现", "g_last": "最近出现",
    "g_identifiers": "标识符（嫌疑人联系方式，明文显示；本次查看已审计）", "g_type": "类型", "g_value": "值",
    "g_kind": "性质", "g_shown_by": "出现于", "g_timeline": "发帖时间线", "g_prices": "价格与声称数量的变化",
    "g_price": "价格", "g_currency": "币种", "g_records": "声称条数", "g_date": "日期", "g_chart": "关联图",
    "g_depth": "深度", "g_show_table": "表格", "g_show_chart": "图表", "g_filter_kinds": "关联依据",
    "g_filter_standing": "可信程度", "g_k_wallet": "共用钱包", "g_k_pgp": "PGP 密钥", "g_k_contact": "联系方式",
    "g_k_style": "写作风格", "g_k_picture": "图片", "g_k_samples": "样本数据", "g_k_other": "其他",
    "g_s_confirmed": "人工确认", "g_s_strong": "强证据", "g_s_inferred": "推断（线索）", "g_s_group": "仅团伙关联",
    "g_s_rejected": "已否定", "g_expand": "展开所选账号", "g_fit": "适应窗口", "g_export_png": "导出 PNG",
    "g_export_graphml": "导出 GraphML（审计）",
    "g_legend": "节点颜色：角色（线索）— 供货方、批发商、代理、无、枢纽。连线：实线 = 人工确认或强证据，虚线 = 推断，点线 = 仅团伙关联。",
    "g_too_large": "图太大，无法绘制", "g_pending": "待裁定的推断关联", "g_other_account": "另一账号",
    "g_confidence": "置信度", "g_reasons": "依据", "g_confirm": "确认", "g_reject": "否定",
    "g_decision_reason": "理由（随裁定保存并审计）", "g_decided": "已裁定，下次构建关系图时生效：",
    "g_no_pending": "此处没有待裁定的推断关联。", "g_supervisor_only": "仅主管可确认或否定关联。",
    "g_role": "角色（线索）", "g_role_reason": "角色依据", "g_group_of": "团伙", "g_provinces": "省份",
    "g_wallets": "钱包", "g_address": "地址", "g_received": "收入", "g_sent": "支出", "g_transfers": "转账笔数",
    "g_money": "资金流向（付款方 → 团伙钱包 → 收款方）", "g_from": "来自", "g_to": "流向", "g_amount": "金额",
    "g_no_flows": "没有导入的转账涉及这些钱包（'leaktrace graph import-tx'）。", "g_members": "成员",
    "g_map": "成员帖子提及的省份", "g_count": "成员数", "g_no_graph": "尚未构建关系图：请运行 'leaktrace graph build'。",
    "g_find": "账号包含", "g_leads": "团伙与角色是根据关联计算出的线索，不是结论。", "g_revenue": "收入估算（美元）",
    "g_shared_samples": "共有样本条数", "g_unplaced": "未在地图上", "g_accounts_n": "账号数", "g_none": "—",
    "g_decision": "裁定",
}
