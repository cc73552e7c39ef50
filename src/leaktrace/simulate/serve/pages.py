"""HTML for the simulated markets: every value escaped, labels in the site's language."""

from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import quote

from leaktrace.simulate.serve.data import Market

_L = {
    "zh": {"home": "首页", "login": "登录", "user": "用户名", "pass": "密码", "next": "下一页", "prev": "上一页",
           "seller": "卖家", "price": "价格", "sold": "已售", "posted": "发布时间", "sample": "样本",
           "joined": "注册时间", "listings": "商品", "page": "第 {n} / {total} 页", "bad": "用户名或密码错误"},
    "en": {"home": "Home", "login": "Login", "user": "Username", "pass": "Password", "next": "Next", "prev": "Prev",
           "seller": "Vendor", "price": "Price", "sold": "Sold", "posted": "Posted", "sample": "Sample",
           "joined": "Member since", "listings": "Listings", "page": "Page {n} of {total}",
           "bad": "Wrong username or password"},
}


def _t(m: Market, key: str) -> str:
    return _L["en" if m.lang == "en" else "zh"][key]


def layout(m: Market, title: str, body: str) -> str:
    meta = f'<meta charset="{m.encoding}">' if m.encoding != "utf-8" else '<meta charset="utf-8">'
    return (f"<!DOCTYPE html>\n<html><head>{meta}<title>{escape(title)} - {escape(m.name)}</title></head>\n"
            f'<body><div class="header"><a href="/">{escape(m.name)}</a> | <a href="/login">{_t(m, "login")}</a>'
            f"</div>\n<div class=\"content\">\n{body}\n</div></body></html>\n")


def home(m: Market) -> str:
    items = "\n".join(f'<li><a class="category" href="/category/{escape(c["slug"])}">{escape(c["label"])}</a> '
                      f'({len(m.by_category.get(c["slug"], []))})</li>' for c in m.categories)
    mirrors = "".join(f'<p class="mirror">Mirror: {escape(h)}</p>' for h in m.mirrors)
    return layout(m, _t(m, "home"), f"<h1>{escape(m.name)}</h1>\n{mirrors}<ul class=\"categories\">\n{items}\n</ul>")


def login_form(m: Market, next_url: str, failed: bool) -> str:
    err = f'<p class="error">{_t(m, "bad")}</p>' if failed else ""
    return layout(m, _t(m, "login"), (
        f'{err}<form method="post" action="/login"><input type="hidden" name="next" value="{escape(next_url)}">'
        f'<label>{_t(m, "user")} <input name="username"></label> '
        f'<label>{_t(m, "pass")} <input type="password" name="password"></label> '
        f'<button type="submit">{_t(m, "login")}</button></form>'))


def category(m: Market, slug: str, label: str, page: int) -> str | None:
    rows = m.by_category.get(slug, [])
    total = max(1, -(-len(rows) // m.page_size))
    if not 1 <= page <= total:
        return None
    chunk = rows[(page - 1) * m.page_size : page * m.page_size]
    lines = "\n".join(
        f'<tr class="listing"><td><a href="/listing/{r["id"]}">{escape(r["title"])}</a></td>'
        f'<td><a class="vendor" href="/vendor/{quote(r["seller"])}">{escape(r["seller"])}</a></td>'
        f'<td class="price">{escape(r["price"] or "")}</td><td class="posted">{escape(r["posted"])}</td></tr>'
        for r in chunk)
    nav = []
    if page > 1:
        nav.append(f'<a rel="prev" href="/category/{escape(slug)}?page={page - 1}">{_t(m, "prev")}</a>')
    nav.append(f'<span class="pageinfo">{_t(m, "page").format(n=page, total=total)}</span>')
    if page < total:
        nav.append(f'<a rel="next" class="next" href="/category/{escape(slug)}?page={page + 1}">{_t(m, "next")}</a>')
    return layout(m, label, f"<h1>{escape(label)}</h1>\n<table class=\"listings\">\n{lines}\n</table>\n"
                            f'<div class="pager">{" ".join(nav)}</div>')


def listing(m: Market, r: dict) -> str:
    sample = ""
    if r["sample"]:
        sample = f'<h3>{_t(m, "sample")}</h3>\n<pre class="sample">{escape(chr(10).join(r["sample"]))}</pre>'
    pics = [Path(str(f)).name for f in r.get("images") or []]
    if pics:
        sample += '\n<div class="images">' + "".join(
            f'<img class="sample" src="/images/{quote(n)}" alt="{_t(m, "sample")}">' for n in pics) + "</div>"
    sold = f'<li>{_t(m, "sold")}: <span class="sold">{r["sold"]}</span></li>' if r["sold"] is not None else ""
    price = f'<li>{_t(m, "price")}: <span class="price">{escape(r["price"])}</span></li>' if r["price"] else ""
    return layout(m, r["title"], (
        f'<h1 class="title">{escape(r["title"])}</h1>\n<ul class="meta">'
        f'<li>{_t(m, "seller")}: <a class="vendor" href="/vendor/{quote(r["seller"])}">{escape(r["seller"])}</a></li>'
        f'{price}{sold}<li>{_t(m, "posted")}: <span class="posted">{escape(r["posted"])}</span></li></ul>\n'
        f'<div class="description">{escape(r["body"]).replace(chr(10), "<br>")}</div>\n{sample}'))


def vendor(m: Market, v: dict) -> str:
    rows = m.by_seller.get(v["handle"], [])
    links = "\n".join(f'<li><a href="/listing/{r["id"]}">{escape(r["title"])}</a></li>' for r in rows)
    pgp = f'<pre class="pgp">{escape(v["pgp"])}</pre>' if v.get("pgp") else ""
    return layout(m, v["handle"], (
        f'<h1 class="vendor-name">{escape(v["handle"])}</h1><p>{_t(m, "joined")}: {escape(v["joined"])}</p>\n'
        f'<div class="bio">{escape(v["bio"]).replace(chr(10), "<br>")}</div>\n{pgp}\n'
        f'<h2>{_t(m, "listings")}</h2><ul>\n{links}\n</ul>'))
