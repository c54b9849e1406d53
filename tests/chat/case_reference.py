#!/usr/bin/env python3
"""Writes what Python's str case methods do with every code point, for the chat tests to
compare hfserve's (src/chat/python_text.h) with, code point by code point:

  * "mappings": for each code point whose upper(), lower(), title() or casefold() is not
    itself, those four strings (a code point not listed maps to itself under all four);
  * "cased": the ranges of code points c for which ("a" + c + "b").title() keeps the "b"
    lower case, i.e. the Cased ones (str.title lowers a letter after a cased character);
  * "sigma_skips": the ranges of code points c for which ("A" + c + "Σ").lower() ends in a
    final sigma: the Case_Ignorable and Cased ones (the final-sigma rule of str.lower);
  * "islower", "isupper", "istitle": the ranges of code points c for which c.islower(),
    c.isupper() or c.istitle() holds.

Surrogates are left out (they are not text in UTF-8). Usage: case_reference.py OUT_JSON
"""
import json
import os
import sys
import unicodedata


def ranges(predicate):
    out = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF or not predicate(chr(cp)):
            continue
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def main():
    mappings = {}
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        forms = [c.upper(), c.lower(), c.title(), c.casefold()]
        if any(form != c for form in forms):
            mappings[str(cp)] = forms
    result = {
        "python": sys.version.split()[0],
        "unicode": unicodedata.unidata_version,
        "mappings": mappings,
        "cased": ranges(lambda c: ("a" + c + "b").title().endswith("b")),
        "sigma_skips": ranges(lambda c: ("A" + c + "\u03a3").lower().endswith("\u03c2")),
        "islower": ranges(str.islower),
        "isupper": ranges(str.isupper),
        "istitle": ranges(str.istitle),
    }
    out_path = sys.argv[1]
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False)
    os.replace(tmp, out_path)
    print(f"{len(mappings)} code points change case (Python {result['python']}, "
          f"Unicode {result['unicode']}) -> {out_path}")


if __name__ == "__main__":
    main()
