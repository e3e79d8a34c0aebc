"""File names: sanitised on the way in, RFC 6266 Content-Disposition on the way out."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_NAME_LENGTH = 180
MAX_EXTENSION_LENGTH = 16
FALLBACK_NAME = "file"
# Characters that separate paths or are reserved on common file systems.
_REPLACED = str.maketrans(dict.fromkeys('/\\:*?"<>|', "_"))
# Unicode categories dropped: controls, format characters (e.g. RTL override), separators
# of lines and paragraphs, surrogates, private use and unassigned code points.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_DOTS = re.compile(r"\.{2,}")


def sanitize_filename(name: str) -> str:
    """A name safe to show and store: one path component, NFC, printable, bounded.

    Cyrillic and other letters are kept; separators and reserved characters become `_`,
    control and format characters are dropped, runs of dots become one and leading dots and
    spaces go (so neither `..` nor a hidden file can result).
    """
    text = unicodedata.normalize("NFC", name).translate(_REPLACED)
    text = "".join(
        " " if unicodedata.category(char) == "Zs" else char
        for char in text
        if unicodedata.category(char) not in _DROPPED_CATEGORIES
    )
    text = _DOTS.sub(".", " ".join(text.split())).strip(". ")
    text = _shorten(text)
    return unicodedata.normalize("NFC", text) or FALLBACK_NAME


def _shorten(text: str) -> str:
    """Cut a long name in its stem, keeping a short extension."""
    if len(text) <= MAX_NAME_LENGTH:
        return text
    stem, dot, extension = text.rpartition(".")
    if not dot or not stem or len(extension) > MAX_EXTENSION_LENGTH:
        return text[:MAX_NAME_LENGTH].rstrip(". ")
    keep = MAX_NAME_LENGTH - len(extension) - 1
    return f"{stem[:keep].rstrip('. ')}.{extension}"


def ascii_fallback(name: str) -> str:
    """The name in plain ASCII for old clients: accents dropped, the rest as `_`."""
    decomposed = unicodedata.normalize("NFKD", name)
    chars = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        chars.append(char if 32 <= ord(char) < 127 and char not in '"\\%' else "_")
    text = "".join(chars)
    stem, dot, extension = text.rpartition(".")
    if dot and stem and not stem.strip("_ "):
        return f"{FALLBACK_NAME}.{extension}"
    return text if text.strip("_ .") else FALLBACK_NAME


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """`attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266, 8187)."""
    encoded = quote(name, safe="!#$&+-.^_`|~")
    return f"{disposition}; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{encoded}"
