"""Shared helpers of the kerf CLI tests: run the binary, TAP output, goldens.

Every check is one TAP line; a failed check prints what was run and what
came out.  KERF_UPDATE_GOLDEN=1 rewrites the golden files instead of
comparing (review the diff before committing).
"""
import json
import os
import subprocess
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get('KERF_SOURCE_DIR', os.path.dirname(os.path.dirname(HERE)))
BUILDDIR = os.environ.get('KERF_BUILD_DIR', os.path.join(SRCDIR, 'build'))
KERF = os.environ.get('KERF_CLI', os.path.join(BUILDDIR, 'src', 'cli', 'kerf'))
EXAMPLES = os.path.join(SRCDIR, 'examples')
GOLDEN = os.path.join(HERE, 'golden')
DATA = os.path.join(HERE, 'data')
UPDATE = os.environ.get('KERF_UPDATE_GOLDEN') == '1'


class Result:
    def __init__(self, args, proc):
        self.args = args
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        return json.loads(self.out)

    def __str__(self):
        return (f'$ kerf {" ".join(self.args)}\n(exit {self.rc})\n'
                f'--- stdout\n{self.out}--- stderr\n{self.err}---')


def kerf(*args, env=None, cwd=None, stdin=subprocess.DEVNULL):
    full_env = dict(os.environ)
    full_env.pop('KERF_BUS', None)
    if env:
        full_env.update(env)
    proc = subprocess.run([KERF, *args], capture_output=True, text=True, env=full_env,
                          cwd=cwd if cwd is not None else SRCDIR, stdin=stdin, timeout=120)
    return Result(list(args), proc)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=None, todo=None):
        """`todo`: a reason the check may fail for now (TAP TODO: reported,
        not counted as a failure)."""
        self.n += 1
        suffix = f' # TODO {todo}' if todo else ''
        if cond:
            print(f'ok {self.n} - {name}{suffix}')
        else:
            if not todo:
                self.failed += 1
            print(f'not ok {self.n} - {name}{suffix}')
            if detail is not None:
                for line in str(detail).splitlines():
                    print(f'# {line}')
        sys.stdout.flush()
        return cond

    def rc(self, res, expected, name, todo=None):
        return self.ok(res.rc == expected, f'{name}: exit {expected}', res, todo=todo)

    def contains(self, text, needle, name, res=None):
        return self.ok(needle in text, f'{name}: has {needle!r}', res if res else text)

    def golden(self, text, filename, name):
        path = os.path.join(GOLDEN, filename)
        if UPDATE:
            with open(path, 'w') as f:
                f.write(text)
        try:
            with open(path) as f:
                want = f.read()
        except OSError as e:
            return self.ok(False, f'{name}: golden {filename}', e)
        if want == text:
            return self.ok(True, f'{name}: golden {filename}')
        import difflib
        diff = ''.join(difflib.unified_diff(want.splitlines(True), text.splitlines(True),
                                            'golden/' + filename, 'actual'))
        return self.ok(False, f'{name}: golden {filename}', diff)

    def run(self, tests):
        for t in tests:
            try:
                t(self)
            except Exception:
                self.ok(False, f'{t.__name__} raised', traceback.format_exc())
        print(f'1..{self.n}')
        return 1 if self.failed else 0
