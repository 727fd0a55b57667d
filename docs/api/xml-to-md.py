#!/usr/bin/python3
"""Turn kerf's D-Bus introspection XML into a Markdown API reference.

    xml-to-md.py --output kerf-dbus-api.md introspection/*.xml

The XML files carry gdbus-codegen doc comments: a comment just before an
<interface>, <method>, <property> or <signal> that starts with
"Name:" (or "org.multikernel.Kerf.Pool:"), optional "@arg: text" lines
(continuation lines are indented further), a blank line, then the body.
The body may use DocBook <literal>…</literal>, %TRUE/%FALSE and @arg
references; they become Markdown code spans.

gdbus-codegen's own --generate-rst output (built next to the XML) keeps the
DocBook tags verbatim; this reference is the readable one and the one that
is installed.  Only the standard library: it runs at build time.
"""
import argparse
import html
import os
import re
import sys
import xml.etree.ElementTree as ET

POLKIT_RE = re.compile(r'Needs\s+`(org\.multikernel\.kerf\.[a-z-]+)`')
NO_PRIVILEGE_RE = re.compile(r'Needs\s+no\s+privilege', re.I)


class Doc:
    """One parsed doc comment."""

    def __init__(self):
        self.name = None
        self.short = None
        self.params = {}     # name -> text
        self.body = ''


def parse_comment(text):
    lines = text.split('\n')
    # drop leading/trailing blank lines, then the common indentation
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    indent = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
    lines = [l[indent:].rstrip() for l in lines]
    doc = Doc()
    if not lines or not lines[0].endswith(':'):
        return None
    doc.name = lines[0][:-1].strip()
    i = 1
    current = None
    while i < len(lines) and lines[i].strip():
        line = lines[i]
        m = re.match(r'@([A-Za-z_][A-Za-z0-9_-]*):\s*(.*)$', line)
        if m and not line.startswith(' '):
            current = m.group(1)
            if current == 'short_description':
                doc.short = m.group(2).strip()
                current = None
            else:
                doc.params[current] = m.group(2).strip()
        elif current is not None:
            doc.params[current] += ' ' + line.strip()
        i += 1
    doc.body = '\n'.join(lines[i:]).strip()
    return doc


def markup(text, args=()):
    """DocBook-ish gdbus-codegen markup -> Markdown."""
    text = html.unescape(text) if '&' in text else text
    # <literal>x</literal> and friends -> `x`
    text = re.sub(r'<(literal|code|varname|filename|constant)>(.*?)</\1>',
                  lambda m: '`' + m.group(2) + '`', text, flags=re.S)
    text = re.sub(r'%(TRUE|FALSE|NULL)\b', r'`\1`', text)
    text = re.sub(r'(?<![\w`])@([A-Za-z_][A-Za-z0-9_]*)', r'`\1`', text)
    # `a` `b` joined by nothing are fine; collapse hard-wrapped lines inside
    # a paragraph, keep paragraph breaks
    paras = [' '.join(p.split()) for p in re.split(r'\n\s*\n', text)]
    return '\n\n'.join(p for p in paras if p)


def comments_before(parent):
    """Yields (element, Doc or None) for the children of `parent`, pairing
    each element with the doc comment right before it."""
    pending = None
    for child in parent:
        if child.tag is ET.Comment:
            pending = parse_comment(child.text or '')
            continue
        yield child, pending
        pending = None


def anchor(*parts):
    return '-'.join(re.sub(r'[^a-z0-9]+', '-', p.lower()).strip('-') for p in parts)


def short_iface(name):
    return name.rsplit('.', 1)[-1]


def privilege_of(body_md):
    m = POLKIT_RE.search(body_md)
    if m:
        return '`' + m.group(1) + '`'
    if NO_PRIVILEGE_RE.search(body_md):
        return 'none'
    return ''


def annotations(elem):
    return {a.get('name'): a.get('value') for a in elem.findall('annotation')}


def render_method(out, iface, method, doc):
    name = method.get('name')
    args = method.findall('arg')
    params = doc.params if doc else {}
    body = markup(doc.body) if doc else ''
    sig = ', '.join('%s %s %s' % ('IN' if a.get('direction', 'in') == 'in' else 'OUT',
                                  a.get('type'), a.get('name')) for a in args)
    out.append('#### %s.%s()' % (short_iface(iface), name))
    out.append('<a id="%s"></a>' % anchor(iface, 'method', name))
    out.append('')
    out.append('```')
    out.append('%s (%s)' % (name, sig))
    out.append('```')
    out.append('')
    if body:
        out.append(body)
        out.append('')
    if args:
        out.append('| argument | direction | type | meaning |')
        out.append('|---|---|---|---|')
        for a in args:
            text = markup(params.get(a.get('name'), '')).replace('\n\n', ' ').replace('|', '\\|')
            out.append('| `%s` | %s | `%s` | %s |' % (a.get('name'), a.get('direction', 'in'),
                                                     a.get('type'), text))
        out.append('')
    notes = []
    if annotations(method).get('org.gtk.GDBus.C.UnixFD') == 'true':
        notes.append('`h` arguments are Unix file descriptors passed with the message '
                     '(an index into its descriptor list).')
    if annotations(method).get('org.freedesktop.DBus.Deprecated') == 'true':
        notes.append('**Deprecated.**')
    priv = privilege_of(body)
    notes.append('polkit action: %s.' % (priv if priv else 'see the description'))
    for n in notes:
        out.append('*' + n + '*' if not n.startswith('**') else n)
        out.append('')


def render_property(out, iface, prop, doc):
    name = prop.get('name')
    access = {'read': 'read-only', 'write': 'write-only', 'readwrite': 'read-write'}.get(
        prop.get('access'), prop.get('access'))
    emits = annotations(prop).get('org.freedesktop.DBus.Property.EmitsChangedSignal', 'true')
    out.append('#### %s:%s' % (short_iface(iface), name))
    out.append('<a id="%s"></a>' % anchor(iface, 'property', name))
    out.append('')
    out.append('`%s`, %s%s.' % (prop.get('type'), access,
                                '' if emits == 'true' else ', changes not signalled (%s)' % emits))
    out.append('')
    if doc and doc.body:
        out.append(markup(doc.body))
        out.append('')


def render_signal(out, iface, sig, doc):
    name = sig.get('name')
    args = sig.findall('arg')
    params = doc.params if doc else {}
    out.append('#### %s::%s' % (short_iface(iface), name))
    out.append('<a id="%s"></a>' % anchor(iface, 'signal', name))
    out.append('')
    out.append('```')
    out.append('%s (%s)' % (name, ', '.join('%s %s' % (a.get('type'), a.get('name'))
                                            for a in args)))
    out.append('```')
    out.append('')
    if doc and doc.body:
        out.append(markup(doc.body))
        out.append('')
    if args:
        out.append('| argument | type | meaning |')
        out.append('|---|---|---|')
        for a in args:
            out.append('| `%s` | `%s` | %s |' % (a.get('name'), a.get('type'),
                                                markup(params.get(a.get('name'), ''))))
        out.append('')


PREAMBLE = """\
# kerf D-Bus API reference

<!-- Generated by docs/api/xml-to-md.py from introspection/*.xml at build
     time.  Do not edit: change the doc comments in the XML instead. -->

kerfd owns the name `org.multikernel.Kerf` on the **system bus**.  All its
objects live under an `org.freedesktop.DBus.ObjectManager` at
`/org/multikernel/Kerf`; a client calls `GetManagedObjects()` once and then
follows `InterfacesAdded` / `InterfacesRemoved` (objects) and
`org.freedesktop.DBus.Properties.PropertiesChanged` (values).  Nothing needs
polling.

| object path | interface |
|---|---|
| `/org/multikernel/Kerf` | `org.freedesktop.DBus.ObjectManager` |
| `/org/multikernel/Kerf/Pool` | [`org.multikernel.Kerf.Pool`](#org-multikernel-kerf-pool) |
| `/org/multikernel/Kerf/Instance/<escaped name>` | [`org.multikernel.Kerf.Instance`](#org-multikernel-kerf-instance) |
| `/org/multikernel/Kerf/Transaction/<N>` | [`org.multikernel.Kerf.Transaction`](#org-multikernel-kerf-transaction) |

Conventions:

- Every method that changes something takes an `a{sv}` `options` argument
  last.  Unknown option keys are refused with
  `org.multikernel.Kerf.Error.InvalidArgument`.
- Errors are named D-Bus errors `org.multikernel.Kerf.Error.<Name>` (listed
  under the Pool interface) with a message meant for a person.
- Reading properties and the methods marked *polkit action: none* need no
  privilege.  Every other method is checked against one polkit action before
  it runs; a method kerfd does not know is refused.  Authentication dialogs
  are only shown when the caller sets the
  `ALLOW_INTERACTIVE_AUTHORIZATION` message flag (`gdbus call --interactive`,
  `busctl --allow-interactive-authorization=yes`).
- Changes run one at a time inside kerfd; a call that arrives while another
  runs waits for its turn.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--output', '-o', required=True)
    ap.add_argument('xml', nargs='+')
    opts = ap.parse_args()

    ifaces = []
    for path in opts.xml:
        parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
        try:
            root = ET.parse(path, parser=parser).getroot()
        except ET.ParseError as e:
            sys.exit('%s: %s' % (path, e))
        for elem, doc in comments_before(root):
            if elem.tag == 'interface':
                if doc is None or doc.name != elem.get('name'):
                    sys.exit('%s: interface %s has no doc comment' % (path, elem.get('name')))
                ifaces.append((elem, doc))
    ifaces.sort(key=lambda x: ['Pool', 'Instance', 'Transaction'].index(short_iface(x[0].get('name')))
                if short_iface(x[0].get('name')) in ('Pool', 'Instance', 'Transaction') else 99)

    out = [PREAMBLE]
    for iface, idoc in ifaces:
        name = iface.get('name')
        members = list(comments_before(iface))
        methods = [(e, d) for e, d in members if e.tag == 'method']
        props = [(e, d) for e, d in members if e.tag == 'property']
        signals = [(e, d) for e, d in members if e.tag == 'signal']
        for e, d in methods + props + signals:
            if d is None or d.name != e.get('name'):
                sys.exit('%s.%s: missing or misnamed doc comment' % (name, e.get('name')))
            for a in e.findall('arg'):
                if a.get('name') not in d.params:
                    sys.exit('%s.%s: argument %s is not documented' % (name, e.get('name'),
                                                                      a.get('name')))

        out.append('## %s' % name)
        out.append('<a id="%s"></a>' % anchor(name))
        out.append('')
        if idoc.short:
            out.append('*%s.*' % idoc.short.rstrip('.'))
            out.append('')
        out.append(markup(idoc.body))
        out.append('')
        # summary table
        out.append('| member | kind | signature | polkit action |')
        out.append('|---|---|---|---|')
        for e, d in methods:
            sig = ''.join(a.get('type') for a in e.findall('arg') if a.get('direction', 'in') == 'in')
            ret = ''.join(a.get('type') for a in e.findall('arg') if a.get('direction') == 'out')
            out.append('| [%s](#%s) | method | `(%s)` → `(%s)` | %s |' % (
                e.get('name'), anchor(name, 'method', e.get('name')), sig, ret,
                privilege_of(markup(d.body)) or '—'))
        for e, d in props:
            out.append('| [%s](#%s) | property | `%s` | none (read) |' % (
                e.get('name'), anchor(name, 'property', e.get('name')), e.get('type')))
        for e, d in signals:
            out.append('| [%s](#%s) | signal | `(%s)` | — |' % (
                e.get('name'), anchor(name, 'signal', e.get('name')),
                ''.join(a.get('type') for a in e.findall('arg'))))
        out.append('')
        if methods:
            out.append('### Methods of %s' % short_iface(name))
            out.append('')
            for e, d in methods:
                render_method(out, name, e, d)
        if props:
            out.append('### Properties of %s' % short_iface(name))
            out.append('')
            out.append('All are announced with `PropertiesChanged` when they change.')
            out.append('')
            for e, d in props:
                render_property(out, name, e, d)
        if signals:
            out.append('### Signals of %s' % short_iface(name))
            out.append('')
            for e, d in signals:
                render_signal(out, name, e, d)
        else:
            out.append('%s has no signals of its own: every change is a `PropertiesChanged` '
                       'on its object, or `InterfacesAdded`/`InterfacesRemoved` on the object '
                       'manager.' % short_iface(name))
            out.append('')

    text = '\n'.join(out).rstrip() + '\n'
    tmp = opts.output + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, opts.output)


if __name__ == '__main__':
    main()
