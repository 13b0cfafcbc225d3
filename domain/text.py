"""What free text (names, captions, bios, reasons) may hold: any Unicode a person writes,
line breaks and tabs included, but none of the characters that exist to fool a reader or a
program. Refused: control characters other than tab, line feed and carriage return (NUL ends
a C string, ESC drives a terminal), the bidirectional embedding, override and isolate
controls (U+202A-U+202E, U+2066-U+2069: they show text in another order than it is
stored), invisible spaces and joiners that are not part of writing (U+200B zero-width
space, U+2060 word joiner, U+FEFF), lone surrogates (not text at all) and noncharacters.
Zero-width joiners and non-joiners (U+200C, U+200D) stay: emoji and several scripts need
them.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.errors import InvalidValue

_ALLOWED_CONTROLS = frozenset("\t\n\r")
_REFUSED = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200b", "\u2060", "\ufeff", "\ufffe", "\uffff"]
)


def unsafe_character(text: str) -> str | None:
    """The first character free text may not hold, if any."""
    for character in text:
        code = ord(character)
        if (code < 0x20 or 0x7F <= code < 0xA0) and character not in _ALLOWED_CONTROLS:
            return character
        if character in _REFUSED or 0xD800 <= code <= 0xDFFF:
            return character
    return None


def checked_free_text(text: str, what: str = "text") -> str:
    """``text`` if it holds no refused character. Commands call it on what people write;
    an event read back from a log is never checked again (it loads as it was recorded)."""
    character = unsafe_character(text)
    if character is not None:
        raise InvalidValue(f"{what} holds the character U+{ord(character):04X}, which is refused")
    return text


#: What ends a line: a single-line name (a title's, an artist's, a listing's, a campaign's)
#: holds none of them. Vertical tab, form feed and NEL are control characters, refused above.
_LINE_BREAKS = frozenset("\n\r\u2028\u2029")


def checked_line(text: str, what: str = "a name") -> str:
    """Free text on one line: what a name is. A line break inside would split a CSV row, a
    log line or a header the name is written into, and shows one name as two. Breaks before
    or after the text are whitespace that every caller trims."""
    checked_free_text(text, what)
    for character in text.strip():
        if character in _LINE_BREAKS:
            raise InvalidValue(
                f"{what} is one line; it holds the line break U+{ord(character):04X}"
            )
    return text


def checked_lines(texts: Iterable[str], what: str = "a name") -> tuple[str, ...]:
    return tuple(checked_line(text, what) for text in texts)
