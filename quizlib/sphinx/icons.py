"""The theme's Font Awesome icons without Font Awesome's 1.5 MB script or 156 KB font.

pydata-sphinx-theme loads ``fontawesome.js`` (every icon of Font Awesome, 1.49 MB) on
every page so that ``<i class="fa-solid fa-bars">`` becomes an SVG; its stylesheet also
draws the same icons, and the admonition icons, as glyphs of the Font Awesome web font
(``fa-solid-900.woff2``, 156 KB, some 1,400 icons). A book shows about twenty. So:

* the theme's ``webpack-macros.html`` is overridden (through ``templates_path``) by a copy,
  generated from the installed theme so its digests stay right, that leaves the script
  out (and links ``basic.css`` directly rather than through ``theme.css``, which only
  imports it); the icons are then drawn by the stylesheet, in the web font, as the theme
  intends for pages without JavaScript;
* after the build, every icon the pages and the theme's scripts name (``fa-…`` classes)
  and every glyph the theme's stylesheets draw outside Font Awesome's own class table
  (admonition icons and the like) is kept, and each web font the theme ships is cut
  down to those glyphs with fontTools. Same icons, same rendering, a few kilobytes.

Font Awesome Free's fonts are under the SIL Open Font License 1.1, which allows subsetting.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: The theme's web font files, by Font Awesome style prefix.
FONTS = {"fas": "fa-solid-900.woff2", "far": "fa-regular-400.woff2", "fab": "fa-brands-400.woff2"}
_PREFIXES = {"fa-solid": "fas", "fas": "fas", "fa-regular": "far", "far": "far", "fa-brands": "fab", "fab": "fab"}
_CLASS = re.compile(r"""class\s*[=:]\s*["']([^"']*\bfa-[^"']*)["']|["']((?:fa-solid|fas|fa-regular|far|fa-brands|fab)\s+fa-[a-z0-9-]+)""")
# Font Awesome's private-use code points, as CSS escapes ("\f0eb", "\e4c3").
_GLYPH = re.compile(r"\\([ef][0-9a-f]{3})\b", re.I)
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _theme_dir() -> Path:
    import pydata_sphinx_theme

    return Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"


@lru_cache(maxsize=1)
def icon_table() -> dict[str, dict[str, int]]:
    """{prefix: {icon name or alias: code point}} parsed from the theme's fontawesome.js."""
    text = (_theme_dir() / "static" / "scripts" / "fontawesome.js").read_text(encoding="utf-8")
    # The bundle declares each style's icons as an object literal {name: [width, height, [aliases],
    # unicode, path], ...} and then registers it with d("fas", p); so a style's icons lie between
    # the previous registration and its own.
    calls = [(m.start(), m.group(1)) for m in re.finditer(r'\bd\("(fa[srb])",\s*[\w$]+\)', text)]
    entry = re.compile(r'(?:"([a-z0-9-]+)"|([a-z0-9_$]+)):\[\d+,\d+,\[([^\]]*)\],"([0-9a-f]+)",')
    table: dict[str, dict[str, int]] = {}
    previous = 0
    for end, prefix in calls:
        icons = table.setdefault(prefix, {})
        for m in entry.finditer(text, previous, end):
            code = int(m.group(4), 16)
            icons.setdefault(m.group(1) or m.group(2), code)
            for alias in re.findall(r'"([a-z0-9-]+)"', m.group(3)):
                icons.setdefault(alias, code)
        previous = end
    return table


def icons_named(text: str) -> set[tuple[str, str]]:
    """(prefix, name) of every icon a class attribute (or a script's class string) in ``text`` names."""
    table = icon_table()
    found: set[tuple[str, str]] = set()
    for m in _CLASS.finditer(text):
        words = (m.group(1) or m.group(2)).split()
        prefix = next((_PREFIXES[w] for w in words if w in _PREFIXES), "fas")
        found |= {(prefix, w[3:]) for w in words if w.startswith("fa-") and w[3:] in table.get(prefix, {})}
    return found


def glyphs_in_stylesheet(css: str) -> set[int]:
    """Code points a stylesheet draws, leaving out Font Awesome's own ``.fa-NAME:before`` table
    (which lists every icon and would keep them all)."""
    used: set[int] = set()
    for selectors, body in re.findall(r"([^{}]*)\{([^{}]*)\}", css):
        if all(re.fullmatch(r"\s*\.fa-[a-z0-9-]+:{1,2}(?:before|after)\s*", s) for s in selectors.split(",")):
            continue
        used |= {int(g, 16) for g in _GLYPH.findall(body)}
        used |= {ord(c) for c in _PRIVATE_USE.findall(body)}  # minified CSS writes the glyph itself
    return used


def subset_fonts(outdir: Path) -> dict[str, tuple[int, int, int]]:
    """Cut each Font Awesome web font in ``outdir`` down to the glyphs the site uses.

    Returns {font file: (glyphs kept, bytes before, bytes after)}.
    """
    from fontTools import subset

    table = icon_table()
    named: set[tuple[str, str]] = set()
    for path in [*outdir.rglob("*.html"), *(outdir / "_static").rglob("*.js")]:
        if path.name != "fontawesome.js" and "_sources" not in path.parts:
            named |= icons_named(path.read_text(encoding="utf-8", errors="replace"))
    drawn: set[int] = set()
    for css in (outdir / "_static").rglob("*.css"):
        drawn |= glyphs_in_stylesheet(css.read_text(encoding="utf-8", errors="replace"))
    report = {}
    for prefix, name in FONTS.items():
        for font in (outdir / "_static").rglob(name):
            codes = {table[prefix][n] for p, n in named if p == prefix} | drawn
            before = font.stat().st_size
            options = subset.Options()
            options.flavor = "woff2"
            options.layout_features = ["*"]
            options.ignore_missing_unicodes = True  # `drawn` spans every style; each font keeps what it has
            loaded = subset.load_font(str(font), options)
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=codes)
            subsetter.subset(loaded)
            subset.save_font(loaded, str(font), options)
            kept = len(loaded.getBestCmap() or {})
            report[font.relative_to(outdir).as_posix()] = (kept, before, font.stat().st_size)
    return report


def _without_fontawesome_script(app: Sphinx, config: Config) -> None:
    """Override the theme's asset macros with a copy that does not load fontawesome.js."""
    source = _theme_dir() / "static" / "webpack-macros.html"
    text = source.read_text(encoding="utf-8")
    lean = re.sub(r"[ \t]*<script[^>]*scripts/fontawesome\.js[^>]*></script>\n?", "", text)
    # styles/theme.css only @imports ../basic.css: link basic.css itself and save a request.
    lean = re.sub(r"<link href=\"\{\{ pathto\('_static/styles/theme\.css', 1\) \}\}[^\"]*\" rel=\"stylesheet\" />",
                  "<link href=\"{{ pathto('_static/basic.css', 1) }}\" rel=\"stylesheet\" />", lean)
    if lean == text:
        logger.warning("quizlib.sphinx.icons: the theme no longer loads fontawesome.js as expected; icons left alone")
        return
    folder = Path(app.doctreedir).parent / "quizlib-templates"
    (folder / "static").mkdir(parents=True, exist_ok=True)  # layout.html imports "static/webpack-macros.html"
    (folder / "static" / "webpack-macros.html").write_text(lean, encoding="utf-8")
    config.templates_path = [str(folder), *config.templates_path]


def _subset(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        for font, (kept, before, after) in subset_fonts(Path(app.outdir)).items():
            logger.info(f"quizlib.sphinx.icons: {font}: {kept} glyphs, {before:,} -> {after:,} bytes")


def setup_icons(app: Sphinx) -> None:
    app.connect("config-inited", _without_fontawesome_script)
    app.connect("build-finished", _subset)
