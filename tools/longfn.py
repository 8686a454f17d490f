#!/usr/bin/env python3
"""tools/longfn.py DIR [MAX] - the C functions in DIR longer than MAX lines
(default 100), longest first, then their count.

A function is counted from the line that names it to its closing brace, in
the house layout (clang-format: the opening and closing braces of a
function on lines of their own).  Used to keep src/ within the house rule
(README "Layout"); prints, never fails.
"""
import os
import re
import sys


def long_functions(top, limit):
    found = []
    for root, _, files in os.walk(top):
        for name in files:
            if not name.endswith('.c'):
                continue
            path = os.path.join(root, name)
            with open(path, errors='replace') as f:
                lines = f.read().split('\n')
            i = 1
            while i < len(lines):
                if lines[i] != '{':
                    i += 1
                    continue
                j = i - 1
                while j > 0 and '(' not in lines[j]:
                    j -= 1
                m = re.search(r'(\w+)\s*\(', lines[j])
                k = i + 1
                while k < len(lines) and lines[k] != '}':
                    k += 1
                if k - j + 1 > limit:
                    found.append((k - j + 1, path, m.group(1) if m else '?'))
                i = k + 1
    return sorted(found, reverse=True)


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit('usage: tools/longfn.py DIR [MAX]')
    res = long_functions(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100)
    for n, path, fn in res:
        print(n, path, fn)
    print(len(res))
