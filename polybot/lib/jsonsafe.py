"""Refusing absurdly nested JSON before the decoder sees it.

The C JSON decoder recurses once per nesting level. Python normally turns a
runaway into RecursionError, but wherever the recursion limit has been raised
(test tooling and some libraries do) a hostile ``[[[[…`` overflows the C stack
and kills the process. Every parser of untrusted JSON checks depth first.
"""

from __future__ import annotations

# Text with fewer brackets than this cannot nest deeper than the limits in
# use; counting them is C-fast, so ordinary payloads never pay for the scan.
_SCAN_ABOVE_BRACKETS = 256


def nesting_exceeds(text: str, max_depth: int) -> bool:
    """Whether ``text`` nests arrays/objects deeper than ``max_depth``
    (brackets inside strings do not count)."""
    if text.count("[") + text.count("{") <= max(_SCAN_ABOVE_BRACKETS, max_depth):
        return False
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                return True
        elif char in "]}":
            depth -= 1
    return False
