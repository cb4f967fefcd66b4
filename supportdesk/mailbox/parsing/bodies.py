"""Mail bodies for display: HTML → readable text, and HTML → markup safe to show in our pages.

``ParsedMail.html`` is kept as sent; it goes through :func:`sanitize_html` (nh3, an allow-list)
before any page shows it. :func:`html_to_text` is the text body of an HTML-only mail.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from html.parser import HTMLParser

import nh3

_WS = re.compile(r"\s+")

_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "tr",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "hr",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "section",
        "article",
        "header",
        "footer",
        "address",
        "center",
        "form",
    ]
)
# Block boundaries collapse: many nested </div></td><div> become one line break, a </p> one blank line.
_SOFT, _PARAGRAPH = "\x01", "\x02"
_BREAKS = re.compile(r"[ \t]*[\x01\x02][\x01\x02 \t]*")
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "template"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag == "pre":
            self.pre += 1
            self.parts.append(_SOFT)
        elif tag == "li":
            self.parts.append(_SOFT + "- ")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag in ("br", "hr"):
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append(_SOFT)
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr", "img"):
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self.parts.append(_SOFT)
        elif tag == "p":
            self.parts.append(_PARAGRAPH)
        elif tag in _BLOCK_TAGS and tag not in ("br", "hr", "li"):
            self.parts.append(_SOFT)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        data = data.replace("\xa0", " ").replace(_SOFT, "").replace(_PARAGRAPH, "")
        self.parts.append(data if self.pre else _WS.sub(" ", data))


def html_to_text(markup: str) -> str:
    """Readable text from HTML: tags stripped, block elements become line breaks, entities unescaped."""
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError):  # html.parser's last-resort errors on garbage markup
        return _normalize_text(re.sub(r"<[^>]*>", " ", html.unescape(markup)))
    joined = _BREAKS.sub(lambda m: "\n\n" if _PARAGRAPH in m.group() else "\n", "".join(parser.parts))
    return _normalize_text(joined)


def _normalize_text(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    # A single leading space is left over from collapsed markup whitespace; more is <pre> indentation.
    text = "\n".join(line[1:] if line.startswith(" ") and not line.startswith("  ") else line for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


_SAFE_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "dd",
        "div",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    ]
)
_SAFE_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)([^>]*)>")
_ALT = re.compile(r'\salt="([^"]*)"')
_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|webp);base64,", re.I)


def sanitize_html(markup: str, cid_map: Mapping[str, str] | None = None, *, allow_remote_images: bool = False) -> str:
    """HTML safe to show inside our pages: a conservative tag/attribute allow-list (nh3),
    no scripts, styles or event handlers; ``cid:`` images point to the URLs in ``cid_map``
    (keys are content ids without angle brackets); remote images are replaced by their alt
    text unless ``allow_remote_images`` (they are tracking pixels as often as not).
    """
    cids = {key.strip("<>").lower(): url for key, url in (cid_map or {}).items()}

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            lowered = value.strip().lower()
            if lowered.startswith("cid:"):
                return cids.get(value.strip()[4:].strip("<>").lower())
            if _DATA_IMAGE.match(lowered):
                return value
            if lowered.startswith(("http://", "https://", "//")):
                return value if allow_remote_images else None
            return None
        return value

    cleaned = nh3.clean(
        markup,
        tags=set(_SAFE_TAGS),
        clean_content_tags={"script", "style", "title"},
        attributes={tag: set(attrs) for tag, attrs in _SAFE_ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        url_schemes={"http", "https", "mailto", "tel", "cid", "data"},
        link_rel="noopener noreferrer nofollow",
    )

    def replace_img(match: re.Match[str]) -> str:
        alt = _ALT.search(match.group(1))
        return html.escape(html.unescape(alt.group(1)), quote=False) if alt else ""

    return _IMG_WITHOUT_SRC.sub(replace_img, cleaned)
