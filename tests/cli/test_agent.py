#!/usr/bin/python3
"""kerf starts a polkit text agent (pkttyagent) for a person at a terminal.

A command that calls a method polkit guards, run on a terminal, not as
root and without --no-ask-password, starts `pkttyagent --notify-fd 3
--fallback`, waits for it to register and stops it when it is done.  Here a
stand-in script takes pkttyagent's place ($KERF_PKTTYAGENT) and records how
it was started and stopped; kerf runs as nobody (setpriv) with a
pseudo-terminal as its stdin.
"""
import os
import pty
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import Tap, KERF  # noqa: E402

try:
    import dbusmock  # noqa: F401
except ImportError as e:
    print(f'1..0 # SKIP missing module: {e}')
    sys.exit(0)
from bustest import Env, BASELINE  # noqa: E402

NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']

AGENT = '''#!/bin/sh
# stands in for pkttyagent: records its arguments, says it has registered
# (closes the notify descriptor), waits to be stopped
echo "args: $*" >> "$KERF_AGENT_LOG"
echo "pid: $$" >> "$KERF_AGENT_LOG"
[ -t 0 ] && echo "tty: yes" >> "$KERF_AGENT_LOG"
trap 'echo stopped >> "$KERF_AGENT_LOG"; exit 0' TERM
exec 3>&-
while :; do sleep 0.1; done
'''


def run(args, as_nobody=True, tty=True, agent=None):
    """kerf ARGS on the test bus; returns (rc, stdout+stderr, agent log)."""
    with open(LOG, 'w'):
        pass
    os.chmod(LOG, 0o666)
    env = dict(os.environ, KERF_PKTTYAGENT=agent or AGENT_PATH, KERF_AGENT_LOG=LOG)
    env.pop('KERF_BUS', None)
    master = slave = None
    if tty:
        master, slave = pty.openpty()
    try:
        proc = subprocess.run((NOBODY if as_nobody else []) + [KERF, '--bus=' + E.address, *args],
                              stdin=slave if tty else subprocess.DEVNULL, capture_output=True,
                              text=True, env=env, timeout=60)
    finally:
        for fd in (master, slave):
            if fd is not None:
                os.close(fd)
    with open(LOG) as f:
        return proc.returncode, proc.stdout + proc.stderr, f.read()


def pid_gone(log):
    for line in log.splitlines():
        if line.startswith('pid: '):
            pid = int(line[5:])
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return True
                time.sleep(0.05)
            return False
    return False


def test_privileged_command_on_a_terminal(t):
    rc, out, log = run(['create', 'a', '--cpu-count=1', '--memory=256MB'])
    t.ok(rc == 0, 'create as nobody on a terminal: exit 0', out)
    t.ok('args: --notify-fd 3 --fallback\n' in log, 'the agent is started with '
         '--notify-fd 3 --fallback', log)
    t.ok('tty: yes' in log, 'the agent has the terminal', log)
    t.ok('stopped' in log, 'kerf stops the agent when it is done', log)
    t.ok(pid_gone(log), 'and nothing is left running', log)


def test_no_agent_when_not_needed(t):
    cases = [
        (['show'], {}, 'a command that only reads'),
        (['--no-ask-password', 'create', 'b', '--cpu-count=1', '--memory=256MB'], {},
         '--no-ask-password'),
        (['create', 'c', '--cpu-count=1', '--memory=256MB'], {'tty': False},
         'stdin not a terminal'),
        (['create', 'd', '--cpu-count=1', '--memory=256MB'], {'as_nobody': False}, 'root'),
    ]
    for args, kw, what in cases:
        rc, out, log = run(args, **kw)
        t.ok(rc == 0, f'{what}: exit 0', out)
        t.ok(log == '', f'{what}: no agent', log)


def test_missing_agent(t):
    rc, out, log = run(['create', 'e', '--cpu-count=1', '--memory=256MB'],
                       agent='/nonexistent/pkttyagent')
    t.ok(rc == 0, 'no pkttyagent installed: the call is made all the same', out)


t = Tap()
E = Env()
WORK = tempfile.mkdtemp(prefix='kerf-agent-')
try:
    os.chmod(WORK, 0o755)
    AGENT_PATH = os.path.join(WORK, 'pkttyagent')
    LOG = os.path.join(WORK, 'agent.log')
    with open(AGENT_PATH, 'w') as f:
        f.write(AGENT)
    os.chmod(AGENT_PATH, 0o755)
    probe = subprocess.run(NOBODY + [KERF, '--bus=' + E.address, 'show'], capture_output=True,
                           text=True, stdin=subprocess.DEVNULL)
    if shutil.which('setpriv') is None or probe.returncode != 0:
        print(f'1..0 # SKIP kerf cannot run as nobody here: {probe.stderr.strip()[:200]}')
        status = 0
    else:
        r = subprocess.run([KERF, '--bus=' + E.address, '--no-ask-password', 'init',
                            '--input=' + BASELINE], capture_output=True, text=True)
        t.ok(r.returncode == 0, 'init', r.stderr)
        status = t.run([test_privileged_command_on_a_terminal, test_no_agent_when_not_needed,
                        test_missing_agent])
finally:
    E.close()
    shutil.rmtree(WORK, ignore_errors=True)
sys.exit(status)
