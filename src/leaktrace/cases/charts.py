"""The report's pictures, drawn offline as SVG: province bars, a province tile map, the gang graph.

SVG with text kept as text (matplotlib `svg.fonttype = none`), so Chinese
labels are set by the viewer's fonts rather than baked in with whatever font
this machine happens to have. Every label goes through XML escaping: names
and aliases come from hostile pages.
"""

from __future__ import annotations

import io
import math
import warnings
from typing import Any
from xml.sax.saxutils import escape

from leaktrace.cases import provinces
from leaktrace.cases.i18n import code_label, role_label, texts
from leaktrace.cases.model import Actor, Group, Link, TimelineEvent
from leaktrace.cases.report_fonts import CJK_FAMILY, EMOJI_FAMILY

ROLE_COLOURS = {
    "leader": "#b2182b",
    "supplier": "#ef8a62",
    "wholesaler": "#7b3294",
    "agent": "#2166ac",
    "seller": "#5aae61",
}
DEFAULT_COLOUR = "#999999"
CIRCLE_MAX = 16
EDGE_LABELS_MAX = 14
# The packaged CJK subset the PDF embeds (cases/fonts); system CJK fonts come first.
FONT_STACK = (f"Noto Sans CJK SC, Source Han Sans SC, WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, {CJK_FAMILY}, "
              f"DejaVu Sans, {EMOJI_FAMILY}, sans-serif")


def _plain(text: str) -> str:
    """Text for matplotlib: '$' would start mathtext, so hostile labels get it escaped."""
    return text.replace("$", r"\$")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"
    plt.rcParams["svg.hashsalt"] = "leaktrace"
    plt.rcParams["font.family"] = ["DejaVu Sans"]
    return plt


def _svg(fig: Any) -> str:
    plt = _pyplot()
    buf = io.StringIO()
    with warnings.catch_warnings():
        # Glyph widths for CJK are estimated; the viewer's font draws them.
        warnings.simplefilter("ignore")
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    return text.replace("font-family:'DejaVu Sans'", f"font-family:{FONT_STACK}").replace(
        "font-family=\"DejaVu Sans\"", f"font-family=\"{FONT_STACK}\""
    )


def province_bars(counts: dict[str, int], lang: str, *, title: str = "") -> str:
    """Horizontal bars, largest first: distinct victims per province."""
    plt = _pyplot()
    folded = sorted(provinces.fold(counts).items(), key=lambda kv: (-kv[1], kv[0]))
    labels = [_plain(provinces.name(code, lang, short=True)) for code, _ in folded]
    values = [n for _, n in folded]
    height = max(2.0, 0.22 * len(folded) + 0.8)
    fig, ax = plt.subplots(figsize=(6.5, height))
    ax.barh(range(len(values)), values, color="#2166ac")
    ax.set_yticks(range(len(values)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="x", labelsize=8)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:,}", va="center", fontsize=7)
    if title:
        ax.set_title(_plain(title), fontsize=10)
    return _svg(fig)


def _blend(t: float) -> str:
    """White to deep blue along t in 0..1."""
    lo, hi = (247, 251, 255), (8, 48, 107)
    r, g, b = (round(a + (z - a) * t) for a, z in zip(lo, hi, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def tile_map(counts: dict[str, int], lang: str, *, cell: int = 56) -> str:
    """The 34-unit tile cartogram, each tile shaded by its share (square-root scale)."""
    folded = provinces.fold(counts)
    top = max(folded.values(), default=0)
    rows = 1 + max(t[0] for t in provinces.TILES.values())
    cols = 1 + max(t[1] for t in provinces.TILES.values())
    w, grid_h = cols * cell + 2, rows * cell + 2
    h = grid_h + LEGEND_HEIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'font-family="{FONT_STACK}">'
    ]
    for code, (r, c, *_names) in provinces.TILES.items():
        n = folded.get(code, 0)
        t = math.sqrt(n / top) if top else 0.0
        fill = _blend(t)
        ink = "#ffffff" if t > 0.55 else "#111111"
        x, y = c * cell + 1, r * cell + 1
        label = escape(provinces.name(code, lang, short=True))
        size = 10 if lang == "en" and len(label) > 8 else 12
        parts.append(
            f'<g><title>{label}: {n}</title>'
            f'<rect x="{x}" y="{y}" width="{cell - 3}" height="{cell - 3}" rx="4" fill="{fill}" stroke="#555" stroke-width="0.6"/>'
            f'<text x="{x + (cell - 3) / 2}" y="{y + 22}" font-size="{size}" text-anchor="middle" fill="{ink}">{label}</text>'
            f'<text x="{x + (cell - 3) / 2}" y="{y + 40}" font-size="11" text-anchor="middle" fill="{ink}">{n:,}</text></g>'
        )
    parts.append(_map_legend(top, lang, y=grid_h + 8))
    parts.append("</svg>")
    return "".join(parts)


LEGEND_HEIGHT = 64
LEGEND_STEPS = (0.0, 0.25, 0.5, 0.75, 1.0)


def legend_values(top: int) -> list[int]:
    """Counts at evenly spaced shades: the square-root scale inverted (shade t is count top × t²)."""
    return sorted({round(top * t * t) for t in LEGEND_STEPS}) if top else [0]


def _map_legend(top: int, lang: str, *, y: int, swatch: int = 22) -> str:
    """Swatches of the map's shades, each with the count it stands for, and what the count is."""
    t = texts(lang)
    out = [f'<g id="lt-map-legend"><text x="4" y="{y + 12}" font-size="11">{escape(t["map_legend"])}</text>']
    x = 4
    for n in legend_values(top):
        shade = math.sqrt(n / top) if top else 0.0
        label = escape(t["map_none"]) if n == 0 else f"{n:,}"
        out.append(f'<rect x="{x}" y="{y + 20}" width="{swatch}" height="{swatch}" rx="3" fill="{_blend(shade)}" '
                   f'stroke="#555" stroke-width="0.6"/>'
                   f'<text x="{x + swatch + 4}" y="{y + 20 + swatch * 0.7:.0f}" font-size="10">{label}</text>')
        x += swatch + 12 + 7 * max(len(label), 3)
    out.append("</g>")
    return "".join(out)


def timeline_chart(events: list[TimelineEvent], lang: str) -> str:
    """One lane per kind of dated item (listings, captures, events, notes), a mark per item.

    Why a chart beside the table: hundreds of rows hide the shape of a case
    (a burst of listings before a dump surfaced, a quiet month); the lanes
    show it at a glance. Labels are the kinds only, never captured text.
    """
    plt = _pyplot()
    import matplotlib.dates as mdates

    kinds = sorted({e.kind for e in events}, key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else 99, k))
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * max(len(kinds), 1) + 1.1))
    for lane, kind in enumerate(kinds):
        times = [e.at for e in events if e.kind == kind]
        colour = KIND_COLOURS.get(kind, DEFAULT_COLOUR)
        ax.scatter(times, [lane] * len(times), marker="|", s=160, color=colour, linewidths=1.2,
                   zorder=2).set_gid(f"lt-lane-{lane}")
        ax.text(1.01, lane, f"{len(times):,}", transform=ax.get_yaxis_transform(), va="center", fontsize=7)
    ax.set_yticks(range(len(kinds)), [_plain(code_label(k, lang)) for k in kinds], fontsize=8)
    ax.set_ylim(-0.7, len(kinds) - 0.3)
    ax.invert_yaxis()
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color="#dddddd", linewidth=0.5, zorder=0)
    ax.spines[["top", "right", "left"]].set_visible(False)
    return _svg(fig)


KIND_ORDER = ["listing", "capture", "event", "note", "case"]
KIND_COLOURS = {"listing": "#2166ac", "capture": "#67a9cf", "event": "#b2182b", "note": "#ef8a62", "case": "#5aae61"}


# How far a link is proven, drawn so a reader tells evidence from leads at a glance.
BASIS_STYLES = {
    "confirmed": ("#1b7837", "-"),
    "strong": ("#222222", "-"),
    "inferred": ("#d6604d", "--"),
    "group": ("#8c8c8c", ":"),
}
BASIS_DEFAULT = ("#8c8c8c", "-")


def role_key(role: str | None) -> str:
    """The role code without the stage's qualifier: "agent (inferred lead)" -> "agent"."""
    return (role or "").split("(")[0].strip().lower()


def endpoints(actors: list[Actor]) -> dict[str, int]:
    """Actor id and every alias (market:handle) -> the actor's index: links name either."""
    index: dict[str, int] = {}
    for i, a in enumerate(actors):
        for alias in a.aliases:
            index.setdefault(alias, i)
    for i, a in enumerate(actors):
        index[a.id] = i
    return index


def member_edges(actors: list[Actor], groups: list[Group]) -> dict[tuple[int, int], list[Link]]:
    """Links between two different members, per pair of actor indexes (links inside one actor drop out)."""
    index = endpoints(actors)
    edges: dict[tuple[int, int], list[Link]] = {}
    for g in groups:
        for link in g.links:
            a, b = index.get(link.source), index.get(link.target)
            if a is None or b is None or a == b:
                continue
            edges.setdefault((min(a, b), max(a, b)), []).append(link)
    return edges


def strongest_basis(links: list[Link]) -> str | None:
    """The best-proven basis among `links` (confirmed, strong, inferred, group), None when none says."""
    bases = [lk.basis for lk in links if lk.basis in BASIS_STYLES]
    return min(bases, key=list(BASIS_STYLES).index) if bases else None


def gang_graph(actors: list[Actor], groups: list[Group], lang: str, *, seed: int = 7) -> str:
    """Members as nodes coloured by role, labelled with name, role and aliases; links as edges styled by basis.

    Links may name members by actor id or by an alias (the pipeline names the
    accounts that share evidence); both resolve to the member. An edge takes
    the style of its best-proven link; the legend lists the roles and bases drawn.
    """
    import igraph as ig

    plt = _pyplot()
    edges = member_edges(actors, groups)
    graph = ig.Graph(n=len(actors), edges=list(edges))
    if len(actors) == 0:
        coords: list[tuple[float, float]] = []
    elif len(actors) <= CIRCLE_MAX:
        # A ring keeps every label clear of the others for a gang-sized graph.
        coords = [tuple(p) for p in graph.layout_circle().coords]  # type: ignore[misc]
    else:
        import random

        random.seed(seed)
        ig.set_random_number_generator(random)
        coords = [tuple(p) for p in graph.layout_fruchterman_reingold(niter=500).coords]  # type: ignore[misc]
    fig, ax = plt.subplots(figsize=(8, 7))
    ax.set_axis_off()
    for n, ((a, b), links) in enumerate(sorted(edges.items())):
        (x1, y1), (x2, y2) = coords[a], coords[b]
        colour, style = BASIS_STYLES.get(strongest_basis(links) or "", BASIS_DEFAULT)
        (line,) = ax.plot([x1, x2], [y1, y2], color=colour, linestyle=style,
                          linewidth=min(2.6, 0.7 + 0.3 * len(links)), zorder=1)
        line.set_gid(f"lt-edge-{n}")
        if len(edges) <= EDGE_LABELS_MAX:
            kinds = sorted({k.strip() for lk in links for k in lk.kind.split(",") if k.strip()})
            label = _plain(", ".join(code_label(k, lang) for k in kinds)[:40])
            ax.text((x1 + x2) / 2, (y1 + y2) / 2, label, fontsize=6, color="#555555", ha="center", zorder=2,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5})
    for n, (actor, (x, y)) in enumerate(zip(actors, coords, strict=True)):
        colour = ROLE_COLOURS.get(role_key(actor.role), DEFAULT_COLOUR)
        ax.scatter([x], [y], s=380, color=colour, edgecolors="#333333", zorder=3).set_gid(f"lt-node-{n}")
        head = actor.name or actor.id
        others = [a for a in actor.aliases if a != head]
        aliases = "\n".join(others[:4]) + (f"\n+{len(others) - 4}" if len(others) > 4 else "")
        role = f" ({role_label(actor.role, lang)})" if actor.role else ""
        # Labels sit outside the node, on the side away from the centre.
        dx, dy = (x, y) if (x, y) != (0, 0) else (0.0, 1.0)
        norm = math.hypot(dx, dy) or 1.0
        ox, oy = 0.16 * dx / norm, 0.16 * dy / norm
        ha = "left" if ox > 0.05 else "right" if ox < -0.05 else "center"
        va = "bottom" if oy > 0.05 else "top" if oy < -0.05 else "center"
        ax.text(x + ox, y + oy, _plain(head + role) + ("\n" + _plain(aliases) if aliases else ""), fontsize=7, ha=ha, va=va, zorder=4,
                linespacing=1.15)
    if coords:
        xs, ys = [p[0] for p in coords], [p[1] for p in coords]
        ax.set_xlim(min(xs) - 1.1, max(xs) + 1.1)
        ax.set_ylim(min(ys) - 0.9, max(ys) + 0.9)
    roles = {role_key(a.role) for a in actors}
    handles = [
        plt.Line2D([0], [0], marker="o", linestyle="", color=c, markeredgecolor="#333333",
                   label=_plain(code_label(r, lang)), markersize=8)
        for r, c in ROLE_COLOURS.items() if r in roles
    ]
    if roles - set(ROLE_COLOURS):
        handles.append(plt.Line2D([0], [0], marker="o", linestyle="", color=DEFAULT_COLOUR, markeredgecolor="#333333",
                                  label=_plain(texts(lang)["role_other"]), markersize=8))
    drawn = {strongest_basis(links) for links in edges.values()}
    for basis, (colour, style) in BASIS_STYLES.items():
        if basis in drawn:
            handles.append(plt.Line2D([0], [0], color=colour, linestyle=style, linewidth=1.6,
                                      label=_plain(texts(lang)[f"basis_{basis}"])))
    if None in drawn:
        handles.append(plt.Line2D([0], [0], color=BASIS_DEFAULT[0], linestyle=BASIS_DEFAULT[1], linewidth=1.6,
                                  label=_plain(texts(lang)["basis_other"])))
    if handles:
        legend = ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=7, frameon=True,
                           title=_plain(texts(lang)["legend"]), title_fontsize=8)
        legend.set_gid("lt-legend")
    return _svg(fig)
