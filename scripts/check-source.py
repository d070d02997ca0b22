#!/usr/bin/env python3
"""scripts/check-source.py [DIR-OR-FILE...] - refuse footgun calls in C sources.

Issue 13: sprintf, strcpy, strcat, strncpy, strtok, atoi, sscanf, system
and popen have no place in a program that handles secrets and untrusted
input.  Scans every *.c and *.h under the given directories (default:
helper keystore, from the top of the tree), ignoring comments, string
and character literals, and member names (s.system(), p->atoi).  Prints
one line per use:

    FILE:LINE: CALL() is refused (issue 13); use REPLACEMENT

and exits 1 when it found any, 0 when none, 2 on a usage error.
"""
import os
import re
import sys

REFUSED = {
    "sprintf": "snprintf() and check its result",
    "strcpy": "memcpy() with a checked length, or snprintf()",
    "strcat": "memcpy() with a checked length, or snprintf()",
    "strncpy": "memcpy() with a checked length (strncpy may leave no NUL)",
    "strtok": "memchr()/strcspn() on the buffer (strtok keeps hidden state)",
    "atoi": "strtol() or strtoul() with errno and end-pointer checks",
    "sscanf": "a small parser with strtol()/strtoull() and explicit checks",
    "system": "posix_spawn() or fork()+execv() with an argument vector, no shell",
    "popen": "posix_spawn() or fork()+execv() with pipes, no shell",
}
CALL = re.compile(r"(?<![\w.>])(" + "|".join(REFUSED) + r")\s*\(")


def strip(text):
    """Blank out comments and literals, keeping every newline in place."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, names in os.walk(p):
                dirs.sort()
                for name in sorted(names):
                    if name.endswith((".c", ".h")):
                        yield os.path.join(root, name)
        elif os.path.isfile(p):
            yield p
        else:
            print(f"check-source: no such file or directory: {p}", file=sys.stderr)
            sys.exit(2)


def main(argv):
    paths = argv[1:] or ["helper", "keystore"]
    found = 0
    for path in files(paths):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = strip(f.read())
        except OSError as e:
            print(f"check-source: cannot read {path}: {e.strerror}", file=sys.stderr)
            return 2
        for lineno, line in enumerate(text.split("\n"), 1):
            for m in CALL.finditer(line):
                name = m.group(1)
                print(f"{path}:{lineno}: {name}() is refused (issue 13); use {REFUSED[name]}")
                found += 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
