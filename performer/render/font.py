"""A 3x5 pixel font for the HUD (numbers, labels, shader errors): no font files, no text library.

It covers every printable ASCII character (lower case drawn as upper case). Anything else the HUD is
given (a landmark called "café", a MIDI port name, "→" in an error) goes through hud_text first: accents
are dropped and common typographic characters spelt in ASCII, so nothing turns into the unknown box.
"""

from __future__ import annotations

import unicodedata

import numpy as np

GLYPH_W, GLYPH_H = 3, 5
UNKNOWN = "\ufffd"  # drawn as a checker box: a character the font cannot show

# Each glyph: 5 rows of 3 cells, top row first; '#' is lit.
_GLYPHS = {
    "0": "###|#.#|#.#|#.#|###",
    "1": ".#.|##.|.#.|.#.|###",
    "2": "###|..#|###|#..|###",
    "3": "###|..#|.##|..#|###",
    "4": "#.#|#.#|###|..#|..#",
    "5": "###|#..|###|..#|###",
    "6": "###|#..|###|#.#|###",
    "7": "###|..#|.#.|.#.|.#.",
    "8": "###|#.#|###|#.#|###",
    "9": "###|#.#|###|..#|###",
    "A": ".#.|#.#|###|#.#|#.#",
    "B": "##.|#.#|##.|#.#|##.",
    "C": ".##|#..|#..|#..|.##",
    "D": "##.|#.#|#.#|#.#|##.",
    "E": "###|#..|##.|#..|###",
    "F": "###|#..|##.|#..|#..",
    "G": ".##|#..|#.#|#.#|.##",
    "H": "#.#|#.#|###|#.#|#.#",
    "I": "###|.#.|.#.|.#.|###",
    "J": "..#|..#|..#|#.#|.#.",
    "K": "#.#|#.#|##.|#.#|#.#",
    "L": "#..|#..|#..|#..|###",
    "M": "#.#|###|###|#.#|#.#",
    "N": "##.|#.#|#.#|#.#|#.#",
    "O": ".#.|#.#|#.#|#.#|.#.",
    "P": "##.|#.#|##.|#..|#..",
    "Q": ".#.|#.#|#.#|##.|.##",
    "R": "##.|#.#|##.|#.#|#.#",
    "S": ".##|#..|.#.|..#|##.",
    "T": "###|.#.|.#.|.#.|.#.",
    "U": "#.#|#.#|#.#|#.#|###",
    "V": "#.#|#.#|#.#|#.#|.#.",
    "W": "#.#|#.#|###|###|#.#",
    "X": "#.#|#.#|.#.|#.#|#.#",
    "Y": "#.#|#.#|.#.|.#.|.#.",
    "Z": "###|..#|.#.|#..|###",
    " ": "...|...|...|...|...",
    ".": "...|...|...|...|.#.",
    ",": "...|...|...|.#.|#..",
    ":": "...|.#.|...|.#.|...",
    ";": "...|.#.|...|.#.|#..",
    "-": "...|...|###|...|...",
    "+": "...|.#.|###|.#.|...",
    "=": "...|###|...|###|...",
    "_": "...|...|...|...|###",
    "/": "..#|..#|.#.|#..|#..",
    "(": ".#.|#..|#..|#..|.#.",
    ")": ".#.|..#|..#|..#|.#.",
    "[": "##.|#..|#..|#..|##.",
    "]": ".##|..#|..#|..#|.##",
    "'": ".#.|.#.|...|...|...",
    "`": "#..|.#.|...|...|...",
    '"': "#.#|#.#|...|...|...",
    "!": ".#.|.#.|.#.|...|.#.",
    "?": "###|..#|.##|...|.#.",
    "<": "..#|.#.|#..|.#.|..#",
    ">": "#..|.#.|..#|.#.|#..",
    "*": "...|#.#|.#.|#.#|...",
    "#": "#.#|###|#.#|###|#.#",
    "%": "#.#|..#|.#.|#..|#.#",
    "@": ".##|#.#|###|#..|.##",
    "$": ".##|##.|.#.|.##|##.",
    "&": "##.|##.|.##|#.#|.##",
    "\\": "#..|#..|.#.|..#|..#",
    "^": ".#.|#.#|...|...|...",
    "|": ".#.|.#.|.#.|.#.|.#.",
    "{": ".##|.#.|##.|.#.|.##",
    "}": "##.|.#.|.##|.#.|##.",
    "~": "...|.##|##.|...|...",
    "\u00b0": ".#.|#.#|.#.|...|...",
    UNKNOWN: "#.#|.#.|#.#|.#.|#.#",
}
GLYPHS: dict[str, tuple[tuple[int, int], ...]] = {
    char: tuple((col, row) for row, line in enumerate(rows.split("|")) for col, cell in enumerate(line) if cell == "#")
    for char, rows in _GLYPHS.items()
}


# Typographic characters status and error lines are likely to carry, in the ASCII the font has.
_SPELT = {
    "\u2192": "->",
    "\u2190": "<-",
    "\u2191": "^",
    "\u2193": "v",
    "\u2026": "...",
    "\u00b7": ".",
    "\u2022": "*",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u00d7": "x",
    "\u00b1": "+-",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "!=",
    "\u2248": "~",
    "\u00b5": "u",
    "\u03bc": "u",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00ab": "<<",
    "\u00bb": ">>",
    "\u00df": "ss",
    "\u00e6": "ae",
    "\u00c6": "AE",
    "\u00f8": "o",
    "\u00d8": "O",
    "\u0153": "oe",
    "\u00a0": " ",
    "\t": " ",
}


def hud_text(text: str) -> str:
    """The text as the font can draw it: ASCII as it is; accented letters without their accents; the
    characters in _SPELT spelt out; anything else (an emoji, CJK) as UNKNOWN."""
    if text.isascii():
        return text
    out = []
    for char in text:
        if char in GLYPHS or char.upper() in GLYPHS:
            out.append(char)
        elif char in _SPELT:
            out.append(_SPELT[char])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(base if base and all(c.upper() in GLYPHS for c in base) else UNKNOWN)
    return "".join(out)


_ORDER = list(GLYPHS)
_INDEX = {char: i for i, char in enumerate(_ORDER)}
_BITMAPS = np.zeros((len(_ORDER), GLYPH_H, GLYPH_W), dtype=bool)  # [glyph, row, column]
for _i, _char in enumerate(_ORDER):
    for _col, _row in GLYPHS[_char]:
        _BITMAPS[_i, _row, _col] = True


def text_cells(text: str) -> np.ndarray:
    """Lit cells of a whole line (already through hud_text) as [n, 3] int rows of (character position,
    column, row): the same cells glyph_cells gives, in one numpy step for the HUD."""
    unknown = _INDEX[UNKNOWN]
    indices = [_INDEX.get(char, _INDEX.get(char.upper(), unknown)) for char in text]
    position, row, col = np.nonzero(_BITMAPS[np.asarray(indices, dtype=np.intp)])
    return np.stack([position, col, row], 1)


def glyph_cells(char: str) -> tuple[tuple[int, int], ...]:
    """Lit (column, row) cells of a character; lower case draws as upper case, anything else as UNKNOWN."""
    return GLYPHS.get(char) or GLYPHS.get(char.upper(), GLYPHS[UNKNOWN])
