#!/usr/bin/env python3
"""Embeds a text file in a C header as a NUL-terminated byte array.

Usage: kerf-embed-text.py INPUT OUTPUT SYMBOL

A byte array rather than a string literal: no length limit, no escaping.
Used for the emulated kernel's default machine (examples/baseline.dts), so
the default is that file by construction, never a copy kept in sync by hand.
"""
import os
import sys


def main():
    src, out, symbol = sys.argv[1:4]
    with open(src, 'rb') as f:
        data = f.read()
    lines = ['/* Generated from %s by kerf-embed-text.py; do not edit. */'
             % os.path.basename(src),
             '#pragma once',
             '',
             'static const unsigned char %s[] = {' % symbol]
    for i in range(0, len(data), 16):
        lines.append('  ' + ' '.join('0x%02x,' % b for b in data[i:i + 16]))
    lines.append('  0x00')
    lines.append('};')
    lines.append('')
    with open(out, 'w') as f:
        f.write('\n'.join(lines))


if __name__ == '__main__':
    main()
