"""Bytes to text whatever the label says: MIME charset labels as mail software writes them,
with fallbacks (declared charset → UTF-8 → windows-1252 → latin-1) that never raise."""

from __future__ import annotations

import codecs

# Charset labels mail software writes that Python's codecs do not know, or
# where a superset decodes strictly more of what is sent in practice.
_CHARSET_ALIASES = {
    "unknown-8bit": "utf-8",
    "x-unknown": "utf-8",
    "unknown": "utf-8",
    "default": "utf-8",
    "8bit": "utf-8",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-2022-jp": "iso2022_jp_ext",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "windows-874": "cp874",
    "x-mac-roman": "mac_roman",
    "utf8": "utf-8",
}
_NOT_ASCII_COMPATIBLE = ("iso2022", "utf-7", "utf-16", "utf-32", "hz")
_SINGLE_BYTE_WESTERN = frozenset({"ascii", "cp1252", "iso8859-15", "latin-1"})


def _codec(label: str | None) -> str | None:
    """The Python codec name for a MIME charset label, or None when unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None, defects: list[str] | None = None, where: str = "") -> str:
    """Text from bytes: declared charset → UTF-8 → windows-1252 → latin-1; never raises."""
    codec = _codec(charset)
    if charset and codec is None and defects is not None:
        defects.append(f"unknown charset {charset!r}{where}")
    if data.isascii():
        if codec is None and b"\x1b$B" in data:
            codec = "iso2022_jp_ext"  # undeclared ISO-2022-JP (7-bit, so it looks like ASCII)
        if codec is None or not codec.startswith(_NOT_ASCII_COMPATIBLE):
            return data.decode("ascii")
    if codec in _SINGLE_BYTE_WESTERN or codec is None:
        # A UTF-8 body labelled latin-1/ascii (or not labelled) is far more
        # common than latin-1 text that happens to be valid UTF-8.
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if codec not in (None, "ascii") and defects is not None:
                defects.append(f"declared {charset} but content is UTF-8{where}")
            return text
    for candidate in (codec, "utf-8", "cp1252"):
        if candidate is None:
            continue
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        if candidate != codec and codec is not None and defects is not None:
            defects.append(f"content is not valid {charset}; read as {candidate}{where}")
        return text
    if defects is not None:
        defects.append(f"undecodable bytes replaced{where}")
    return data.decode(codec or "utf-8", errors="replace")
