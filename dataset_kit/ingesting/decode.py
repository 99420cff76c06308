"""Turn the bytes of a page dump into text, whatever encoding the scraper left behind.

Most dumps are UTF-8 and are decoded as such (a byte-order mark is dropped). Anything
else is decoded by detection with charset-normalizer, which weighs the candidate code
pages by how plausible the resulting text is in some language (so a cp1252 page of
French is not read as cp1250). Text that was decoded wrongly once already, before it
reached us ("Weâ€™ve", "cafÃ©"), is repaired with ftfy; ftfy is only run when a cheap
scan finds the byte pairs such mojibake is made of, because running it on every
clean page would cost more than the whole rest of the extraction.

A page whose bytes are not text at all (NUL bytes, many control characters, or no
code page that decodes it plausibly) is reported as binary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

# A UTF-8 lead byte read as cp1252/latin-1 (Â, Ã, â, Ä, Å, Ð, ...) followed by a
# continuation byte read the same way: the signature of UTF-8 decoded as cp1252.
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030"
    "\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161"
    "\u203a\u0153\u017e\u0178]"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(slots=True)
class Decoded:
    """Text of a page and how it was obtained.

    ``encoding`` is ``"utf-8"`` or the detected code page; ``repaired`` says that
    mojibake was fixed; ``binary`` is True when the bytes are not text, in which case
    ``text`` is empty and ``detail`` says why.
    """

    text: str
    encoding: str
    repaired: bool = False
    binary: bool = False
    detail: str = ""


def decode_page(data: bytes) -> Decoded:
    """Decode one page dump: UTF-8, else detected code page; then repair mojibake."""
    if data.startswith(_UTF16_BOMS):
        return _finish(_decode_utf16(data))
    if b"\x00" in data[:65536]:
        encoding = _utf16_without_bom(data)
        if encoding is None:
            return Decoded("", "binary", binary=True, detail="contains NUL bytes")
        try:
            return _finish(Decoded(data.decode(encoding), encoding))
        except UnicodeDecodeError:
            return Decoded("", "binary", binary=True, detail="contains NUL bytes")
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        detected = _detect(data)
        if detected is None:
            return Decoded(
                "", "binary", binary=True, detail="no character encoding decodes it as text"
            )
        text, encoding = detected
    return _finish(Decoded(text, encoding))


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text has a NUL in every other byte (for Latin script); binary does not."""
    head = data[:4096]
    if len(head) < 16:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > len(odd) * 0.3 and even.count(0) < len(even) * 0.05:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.3 and odd.count(0) < len(odd) * 0.05:
        return "utf-16-be"
    return None


def _decode_utf16(data: bytes) -> Decoded:
    try:
        return Decoded(data.decode("utf-16"), "utf-16")
    except UnicodeDecodeError:
        return Decoded("", "binary", binary=True, detail="invalid UTF-16")


def _detect(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    return str(best), best.encoding


def _finish(decoded: Decoded) -> Decoded:
    text = decoded.text
    if not text:
        return decoded
    controls = len(_CONTROL.findall(text, 0, 65536))
    if controls > 8 and controls > len(text[:65536]) // 50:
        return Decoded(
            "",
            "binary",
            binary=True,
            detail=f"{controls} control characters in the first {min(len(text), 65536)} characters",
        )
    if _MOJIBAKE.search(text):
        import ftfy

        fixed = ftfy.fix_encoding(text)
        if fixed != text:
            decoded.text = fixed
            decoded.repaired = True
    return decoded
