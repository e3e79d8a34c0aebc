"""Text decoding in a fixed order, streamed with bounded lines.

Order: BOM → strict UTF-8 → UTF-16 without BOM (NUL pattern) → Windows-1251 vs KOI8-R (Cyrillic
letter frequencies; charset-normalizer only breaks a near tie between those two) → a clear error.
The encoding is decided on a sample (the first window holding non-ASCII bytes); the whole file is
then decoded strictly, so a byte that does not fit later on is an error naming its offset and line,
never silently replaced (ADR 0011).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from orderdesk.transfer import messages  # noqa: F401  (registers the texts)
from orderdesk.transfer.formats.base import FormatError, TooLarge

SAMPLE_BYTES = 256 * 1024
_SCAN_CHUNK = 1024 * 1024
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Relative frequencies (%) of Russian letters in ordinary text.
_RUSSIAN = dict(
    zip(
        "оеаинтсрвлкмдпуяызьъбгчйхжшюцщэфё",
        (10.97, 8.45, 8.01, 7.35, 6.70, 6.26, 5.47, 4.73, 4.54, 4.40, 3.49, 3.21, 2.98, 2.81)
        + (2.62, 2.01, 1.90, 1.65, 1.74, 0.04, 1.59, 1.70, 1.44, 1.21, 0.97, 0.94, 0.73, 0.64)
        + (0.48, 0.36, 0.32, 0.26, 0.04),
        strict=True,
    )
)
_CYRILLIC_EXTRA = set("«»№–—…„“”’‘•°±×·€")
# Below this mean letter frequency a decoding is noise, not Russian (real text scores ≈ 5.5).
_PLAUSIBLE_SCORE = 3.0
_NEAR_TIE = 0.5


def sample(path: Path) -> bytes:
    """The bytes the encoding is decided on: the head, or the first window with non-ASCII bytes."""
    with path.open("rb") as file:
        head = file.read(SAMPLE_BYTES)
        if head.isascii() and len(head) == SAMPLE_BYTES:
            # An ASCII head says nothing about the Cyrillic further on: find the first that does.
            offset = len(head)
            while chunk := file.read(_SCAN_CHUNK):
                if not chunk.isascii():
                    start = next(i for i, byte in enumerate(chunk) if byte > 127)
                    file.seek(max(0, offset + start - 1024))
                    return file.read(SAMPLE_BYTES)
                offset += len(chunk)
    return head


def detect_encoding(data: bytes, filename: str) -> str:
    """The codec name for `data` (a sample of the file), or FormatError when none fits."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    # UTF-16 of ASCII and Cyrillic is all bytes below 0x80, valid UTF-8 in form: its NUL
    # pattern is looked at first, though strict UTF-8 comes first for any other text.
    utf16 = _utf16_without_bom(data)
    if not utf16 and _is_utf8(data):
        return "utf-8"
    if utf16:
        return utf16
    single = _cyrillic_single_byte(data)
    if single:
        return single
    raise FormatError("transfer.encoding_unknown", filename=filename)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A character cut by the sample's end is not an error of the file.
        return exc.start >= len(data) - 3 and exc.reason == "unexpected end of data"
    return True


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text of mostly Latin or Cyrillic letters has a NUL or 0x04 in every other byte."""
    pairs = len(data) // 2
    if pairs < 2:
        return None
    even, odd = data[0 : pairs * 2 : 2], data[1 : pairs * 2 : 2]
    for name, high in (("utf-16-le", odd), ("utf-16-be", even)):
        if (high.count(0) + high.count(4)) / pairs > 0.6:
            try:
                data[: pairs * 2].decode(name)
            except UnicodeDecodeError:
                continue
            return name
    return None


def _cyrillic_single_byte(data: bytes) -> str | None:
    """Windows-1251 or KOI8-R, whichever reads as Russian; None when neither does."""
    scores: dict[str, float] = {}
    for name in ("cp1251", "koi8_r"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        scores[name] = russian_score(text)
    plausible = {name: score for name, score in scores.items() if score >= _PLAUSIBLE_SCORE}
    if not plausible:
        return None
    if len(plausible) == 2 and abs(plausible["cp1251"] - plausible["koi8_r"]) < _NEAR_TIE:
        return _tie_break(data) or max(plausible, key=plausible.__getitem__)
    return max(plausible, key=plausible.__getitem__)


def russian_score(text: str) -> float:
    """Mean Russian letter frequency of the non-ASCII characters; 0 when they are not Cyrillic.

    Cyrillic decoded with the wrong table turns lower case into upper case and common letters into
    rare ones, so its mean frequency drops; non-letter symbols or a Latin/Cyrillic mix count as 0.
    """
    total, letters, score, strange = 0, 0, 0.0, 0
    previous_latin = False
    for ch in text:
        if ch < "\x80":
            previous_latin = ch.isalpha()
            continue
        total += 1
        weight = _RUSSIAN.get(ch.lower())
        if weight is None:
            strange += ch not in _CYRILLIC_EXTRA
            continue
        strange += previous_latin  # a Cyrillic letter glued to a Latin one
        letters += 1
        # Upper case in the middle of words is rare in real text.
        score += weight if ch.islower() else weight * 0.4
    if not letters or strange > 0.1 * total:
        return 0.0
    return score / letters


def _tie_break(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp1251", "koi8_r"]).best()
    return None if best is None else {"cp1251": "cp1251", "koi8_r": "koi8_r"}.get(best.encoding)


def open_text(path: Path, encoding: str) -> IO[str]:
    """The file as text, decoded strictly; `newline=""` leaves line ends to the CSV parser."""
    return open(path, encoding=encoding, errors="strict", newline="")  # noqa: SIM115


def bounded_lines(path: Path, encoding: str, max_chars: int) -> Iterator[str]:
    """Lines with their ends, each at most `max_chars` long; never holds a whole long line."""
    number = 0
    size = max_chars + 1
    with open_text(path, encoding) as stream:
        readline = stream.readline
        try:
            while line := readline(size):
                number += 1
                if len(line) > max_chars and line[-1] not in "\r\n":
                    raise TooLarge("transfer.line_too_long", line=number, limit=max_chars)
                if "\x00" in line:
                    raise FormatError("transfer.nul_character", line=number)
                yield line
        except UnicodeDecodeError:
            raise decode_error(path, encoding) from None


def decode_error(path: Path, encoding: str) -> FormatError:
    """The error naming the first byte that does not decode, found by a second, streamed pass."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset, lines = 0, 1
    with path.open("rb") as file:
        while chunk := file.read(_SCAN_CHUNK):
            pending = len(decoder.getstate()[0])
            try:
                lines += decoder.decode(chunk).count("\n")
            except UnicodeDecodeError as exc:
                at = offset - pending + exc.start
                good = exc.object[: exc.start].decode(encoding, errors="strict")
                lines += good.count("\n")
                return FormatError(
                    "transfer.encoding_invalid", encoding=encoding, offset=at, line=lines
                )
            offset += len(chunk)
    return FormatError("transfer.encoding_invalid", encoding=encoding, offset=offset, line=lines)


def head_text(path: Path, encoding: str) -> str:
    """The start of the file as text, for sniffing its layout (delimiter, JSON, columns)."""
    with path.open("rb") as file:
        return decoded_sample(file.read(SAMPLE_BYTES), encoding)


def decoded_sample(data: bytes, encoding: str) -> str:
    """The sample as text; a character cut by its end is left out, nothing else is forgiven."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(data)
    except UnicodeDecodeError as exc:
        raise FormatError(
            "transfer.encoding_invalid", encoding=encoding, offset=exc.start, line="?"
        ) from None
