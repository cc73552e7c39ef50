"""The console's words in Chinese and English: one table per language, same keys (as cases/i18n.py)."""

from __future__ import annotations

LANGS = ("zh", "en")

_EN = {
    "app": "leaktrace console", "login": "Log in", "logout": "Log out", "username": "User name",
    "password": "Password", "totp": "One-time code (admins and supervisors)", "feed": "Inspection feed",
    "search": "Search", "sessions": "My sessions", "audit": "Audit log", "listing": "Listing",
    "identifier": "Identifier", "case": "Case", "filters": "Filters", "apply": "Apply", "category": "Category",
    "language": "Language", "source": "Source", "seller": "Seller", "province": "Province named",
    "records": "Records", "min": "min", "max": "max", "price": "Price", "since": "Since", "until": "Until",
    "sort": "Sort", "newest": "Newest", "score": "Trafficking score", "state": "Triage", "new": "New",
    "dismissed": "Dismissed", "watched": "Seller watched", "in_case": "In a case", "all": "All",
    "dismiss": "Dismiss", "watch": "Watch seller", "add_to_case": "Add to case", "reason": "Reason",
    "case_ref": "Case ref", "title": "Title", "facts": "Facts", "identifiers": "Identifiers",
    "custody": "Custody record", "sha256": "SHA-256", "fetched": "Fetched", "seller_listings":
    "The seller's other listings", "similar": "Similar listings", "text": "Text (personal data masked)",
    "unmask": "Unmask", "unmask_reason": "Why do you need the clear text? (recorded in the audit log)",
    "clear_text": "Clear text (this view is audited)", "screenshot": "Screenshot", "no_capture":
    "No capture recorded.", "listings": "Listings", "accounts": "Accounts", "cases": "Cases", "dumps":
    "Analysed dumps", "hidden_cases": "cases you are not a member of", "query": "Query",
    "search_reason": "Reason (needed when searching a person's identifier)", "results": "Results",
    "no_results": "Nothing found.", "revoke": "Revoke", "current": "this session", "client": "Client",
    "created": "Created", "last_seen": "Last seen", "forbidden": "Not allowed", "needed_role":
    "Role needed", "error": "Error", "csrf": "The form was stale or forged (missing or wrong CSRF token): "
    "reload the page and try again.", "expired": "Your session has ended: please log in again.",
    "shortcuts": "Keys: j/k move · d dismiss · w watch seller · c add to case · o open",
    "more": "More", "time": "Time", "actor": "Who", "action": "Action", "target": "Target",
    "switch_lang": "中文", "counts": "Per state", "items": "Items", "members_only":
    "Only the case's members and supervisors may open it.", "wrong_login": "Wrong user name, password or code.",
    "need_totp": "This account needs its one-time code.", "throttled": "Too many failed logins: wait",
    "seconds": "s", "first_admin": "", "back": "Back", "new_password": "New password (12 characters or more)",
    "change_password": "This password was a one-time one: choose a new one.",
    "enroll_totp": "Set up your authenticator app with this key, then log in with its code.",
    "totp_key": "Authenticator key",
}

_ZH = {
    "app": "leaktrace 控制台", "login": "登录", "logout": "退出", "username": "用户名", "password": "密码",
    "totp": "动态口令（管理员和主管必填）", "feed": "巡查信息流", "search": "搜索", "sessions": "我的会话",
    "audit": "审计日志", "listing": "帖子", "identifier": "标识符", "case": "案件", "filters": "筛选",
    "apply": "应用", "category": "类别", "language": "语言", "source": "来源", "seller": "卖家",
    "province": "提及省份", "records": "条数", "min": "最少", "max": "最多", "price": "价格", "since": "起",
    "until": "止", "sort": "排序", "newest": "最新", "score": "贩卖评分", "state": "研判", "new": "未处理",
    "dismissed": "已排除", "watched": "已关注卖家", "in_case": "已入案", "all": "全部", "dismiss": "排除",
    "watch": "关注卖家", "add_to_case": "加入案件", "reason": "理由", "case_ref": "案件编号", "title": "标题",
    "facts": "提取要素", "identifiers": "标识符", "custody": "保管记录", "sha256": "SHA-256", "fetched": "采集时间",
    "seller_listings": "该卖家的其他帖子", "similar": "相似帖子", "text": "正文（个人信息已脱敏）",
    "unmask": "显示原文", "unmask_reason": "为何需要查看原文？（记入审计日志）", "clear_text": "原文（本次查看已审计）",
    "screenshot": "截图", "no_capture": "无采集记录。", "listings": "帖子", "accounts": "账号", "cases": "案件",
    "dumps": "已分析的数据包", "hidden_cases": "个您不是成员的案件", "query": "查询",
    "search_reason": "理由（搜索个人标识符时必填）", "results": "结果", "no_results": "未找到。", "revoke": "注销",
    "current": "当前会话", "client": "客户端", "created": "创建", "last_seen": "最近活动", "forbidden": "无权操作",
    "needed_role": "所需角色", "error": "错误", "csrf": "表单已过期或被伪造（缺少或错误的 CSRF 令牌）：请刷新页面后重试。",
    "expired": "会话已结束，请重新登录。", "shortcuts": "快捷键：j/k 移动 · d 排除 · w 关注卖家 · c 加入案件 · o 打开",
    "more": "更多", "time": "时间", "actor": "操作人", "action": "操作", "target": "对象", "switch_lang": "English",
    "counts": "各状态数量", "items": "条目", "members_only": "仅案件成员和主管可查看。",
    "wrong_login": "用户名、密码或动态口令错误。", "need_totp": "该账号需要动态口令。", "throttled": "登录失败次数过多，请等待",
    "seconds": "秒", "first_admin": "", "back": "返回", "new_password": "新密码（至少 12 个字符）",
    "change_password": "这是一次性密码：请设置新密码。", "enroll_totp": "请用此密钥设置身份验证器应用，然后输入其动态口令登录。",
    "totp_key": "验证器密钥",
}

CATALOGUE = {"en": _EN, "zh": _ZH}


def words(lang: str) -> dict[str, str]:
    """The table of `lang` (English for an unknown code)."""
    return CATALOGUE.get(lang, _EN)


def _merge_graph_words() -> None:
    from leaktrace.web.i18n_graph import EN, ZH

    _EN.update(EN)
    _ZH.update(ZH)


_merge_graph_words()
