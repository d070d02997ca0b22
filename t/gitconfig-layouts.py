#!/usr/bin/env python3
"""gitconfig-layouts.py - the differential test of the native config reader.

Builds N configuration layouts from a fixed seed (random sections, case,
quoting, escapes, comments, continuations, CRLF, includes, conditional
includes, environment overrides, repositories, worktrees, GIT_DIR,
ceilings) and asks both `git config` and t/helper/gcb-config-dump for:

  --list                      (every entry, in order)
  --get-regexp of the keys the product reads (bitbucket.*,
                              core.sshCommand, credential.helper)
  --get-all of one of those keys

Rules: when git fails, the reader must hand the case back (exit 3); when
the reader answers, its answers must equal git's byte for byte; the
reader may hand a case back only when the layout uses something it is
documented not to evaluate (marked "exotic" below).

usage: gitconfig-layouts.py DUMP DIR [CASES [SEED]]
Prints one line per failure and a summary; exits 1 on any failure.
"""
import concurrent.futures
import os
import random
import re
import subprocess
import sys

DUMP, TOP = sys.argv[1], sys.argv[2]
CASES = int(sys.argv[3]) if len(sys.argv) > 3 else 300
SEED = int(sys.argv[4]) if len(sys.argv) > 4 else 1200

PRODUCT_RE = r'^(bitbucket\..*|core\.sshcommand|credential\.helper)$'
PRODUCT_KEYS = ['bitbucket.dataCenterHost', 'bitbucket.sshKey',
                'core.sshCommand', 'credential.helper']


class Case:
    def __init__(self, rnd, root):
        self.r = rnd
        self.root = root
        self.exotic = []
        self.files = {}          # path -> text (bytes)
        self.env = {}
        self.includes = []       # candidate include targets (abs paths)
        self.n_inc = 0

    # ---- values ----
    def word(self):
        return self.r.choice(['bb.example.com', 'git.corp', 'Host-1', 'work',
                              'id_ed25519', '30', '180', 'ssh -v', 'store',
                              'x', 'a.b', 'UPPER', 'ünï', '365', 'cache --timeout=9'])

    def value(self):
        r = self.r
        parts = []
        for _ in range(r.randint(1, 3)):
            k = r.randint(0, 14)
            w = self.word()
            if k == 0:
                parts.append('"' + w + '  ' + w + '"')          # quoted spaces
            elif k == 1:
                parts.append('"' + w + ' # not a comment"')
            elif k == 2:
                parts.append(w + r.choice(['\\t', '\\n', '\\\\', '\\"', '\\b']) + w)
            elif k == 3:
                ind = r.choice(['', '  ', ' ', '\t' if r.random() < 0.1 else ''])
                parts.append(w + '\\\n' + ind + w)                 # continuation
                if ind == '\t':
                    self.exotic.append('tab after a continuation')
            elif k == 4:
                parts.append('"' + w + ';' + w + '"')
            elif k == 5 and r.random() < 0.05:
                parts.append(w + '\t\t' + w)                     # git versions differ
                self.exotic.append('tab inside a value')
            else:
                parts.append(w)
        v = r.choice([' ', '  ', '']).join(parts)
        tail = r.choice(['', '', '  ', ' # comment', '\t; comment', '#c', ' ;x "y'])
        return v + tail

    def entry(self, key):
        r = self.r
        k = r.randint(0, 9)
        if k == 0:
            return key                                         # boolean, no '='
        if k == 1:
            return key + ' ='                                  # empty value
        if k == 2:
            return key + '=""'
        sep = r.choice([' = ', '=', '\t=\t', ' =', '= '])
        return key + sep + self.value()

    def key(self, section):
        r = self.r
        names = {
            'bitbucket': ['dataCenterHost', 'DataCenterHost', 'DATACENTERHOST',
                          'sshKey', 'sshkey', 'keyMaxAge', 'other-key'],
            'core': ['sshCommand', 'SSHCommand', 'editor', 'bare2'],
            'credential': ['helper', 'Helper', 'useHttpPath'],
        }.get(section, ['name', 'email', 'k1', 'k-2'])
        return r.choice(names)

    def header(self):
        r = self.r
        k = r.randint(0, 12)
        if k <= 4:
            s = r.choice(['bitbucket', 'Bitbucket', 'BITBUCKET'])
            return '[' + s + ']', 'bitbucket'
        if k == 5:
            return r.choice(['[core]', '[Core]']), 'core'
        if k == 6:
            return '[credential]', 'credential'
        if k == 7:
            sub = r.choice(['https://bb.example.com', 'Sub', 'a\\"b', 'x\\\\y', 'sp ace', 'q\\z'])
            return '[credential "' + sub + '"]', 'credential'
        if k == 8:
            sub = r.choice(['Sub', 'dataCenterHost', 'x.y'])
            return '[bitbucket "' + sub + '"]', 'bitbucket'
        if k == 9:
            return r.choice(['[bitbucket.Sub]', '[Bitbucket.SUB.deep]', '[core.x]']), 'bitbucket'
        if k == 10:
            return '[user]', 'user'
        if k == 11:
            return '[bitbucket  "Sp"]', 'bitbucket'
        return '[alias]', 'alias'

    def config_text(self, path, allow_includes=True):
        r = self.r
        lines = []
        if r.random() < 0.1:
            lines.append(r.choice(['# a comment', '; another', '', '   ']))
        for _ in range(r.randint(1, 4)):
            h, sec = self.header()
            if r.random() < 0.15:
                # a key on the header's line
                lines.append(h + ' ' + self.entry(self.key(sec)))
            else:
                lines.append(h + r.choice(['', ' # comment', '\t; c']))
            for _ in range(r.randint(0, 4)):
                ind = r.choice(['', '\t', '    '])
                if r.random() < 0.12:
                    lines.append(ind + r.choice(['# comment', '; comment', '']))
                lines.append(ind + self.entry(self.key(sec)))
        if allow_includes and r.random() < 0.45:
            lines += self.include_lines(path)
        if r.random() < 0.015:
            lines.insert(r.randint(0, len(lines)), r.choice(
                ['= x', '[unterminated', 'key = "open', 'k = \\q', '[sec "x]',
                 '[] ', '9key = 1', '[a "b"c]']))
            self.exotic.append('syntax error')
        text = '\n'.join(lines) + r.choice(['\n', '', '\n\n'])
        if r.random() < 0.08:
            text = text.replace('\n', '\r\n')
        if r.random() < 0.04:
            text = '\ufeff' + text
        return text

    def include_lines(self, path):
        r = self.r
        out = []
        d = os.path.dirname(path)
        for _ in range(r.randint(1, 2)):
            self.n_inc += 1
            n = self.n_inc
            target_name = 'inc%d.conf' % n
            k = r.randint(0, 7)
            if k == 0:
                spec = target_name                                  # relative
                target = os.path.join(d, target_name)
            elif k == 1:
                os.makedirs(os.path.join(d, 'sub'), exist_ok=True)
                spec = 'sub/' + target_name
                target = os.path.join(d, 'sub', target_name)
            elif k == 2:
                target = os.path.join(self.root, 'home', target_name)
                spec = '~/' + target_name
            elif k == 3:
                target = os.path.join(self.root, 'abs', target_name)
                spec = target
            elif k == 4:
                target = None
                spec = 'missing-%d.conf' % n                      # git skips it
            else:
                target = os.path.join(self.root, 'cond', target_name)
                spec = target
            cond = self.condition() if k >= 5 else None
            if cond is None:
                out.append(r.choice(['[include]', '[Include]']))
            else:
                out.append('[includeIf "%s"]' % cond)
            out.append('\tpath = ' + (spec if r.random() < 0.8 else '"' + spec + '"'))
            if target is not None:
                self.includes.append(target)
        return out

    def condition(self):
        r = self.r
        repo = os.path.join(self.root, 'repo')
        k = r.randint(0, 9) if r.random() > 0.06 else r.randint(10, 11)
        if k == 0:
            return 'gitdir:' + repo + '/.git'
        if k == 1:
            return 'gitdir:' + repo + '/'
        if k == 2:
            return 'gitdir:~/../repo/'                                # ~ expansion
        if k == 3:
            return 'gitdir:repo/.git'                                 # **/ prepended
        if k == 4:
            return 'gitdir/i:' + repo.upper() + '/'
        if k == 5:
            return 'gitdir:' + repo.upper() + '/'                     # case: no match
        if k == 6:
            return 'gitdir:' + self.root + '/**/.git'
        if k == 7:
            return 'gitdir:' + self.root + '/other/'                  # no match
        if k == 8:
            return 'gitdir:' + repo + '/.git/worktrees/*'
        if k == 9:
            return 'gitdir:' + self.root + '/re?o/.git'
        if k == 10:
            self.exotic.append('onbranch')
            return 'onbranch:main'
        self.exotic.append('hasconfig')
        return 'hasconfig:remote.*.url:https://**'

    # ---- the layout ----
    def write(self, path, text):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as f:
            f.write(text.encode('utf-8'))

    def make_repo(self, gitdir, extra=''):
        for d in ('objects', 'refs/heads'):
            os.makedirs(os.path.join(gitdir, d), exist_ok=True)
        self.write(os.path.join(gitdir, 'HEAD'), 'ref: refs/heads/main\n')
        return gitdir

    def build(self):
        r = self.r
        root = self.root
        home = os.path.join(root, 'home')
        os.makedirs(home, exist_ok=True)
        os.makedirs(os.path.join(root, 'abs'), exist_ok=True)
        os.makedirs(os.path.join(root, 'cond'), exist_ok=True)
        self.env['HOME'] = home
        todo = []

        # system
        k = r.randint(0, 3)
        if k == 0:
            self.env['GIT_CONFIG_NOSYSTEM'] = r.choice(['1', 'true', 'yes'])
        else:
            p = os.path.join(root, 'etc', 'gitconfig')
            self.env['GIT_CONFIG_SYSTEM'] = p
            todo.append(p)
            if k == 1:
                self.env['GIT_CONFIG_NOSYSTEM'] = r.choice(['0', 'false', ''])
        # global
        k = r.randint(0, 4)
        if k == 0:
            p = os.path.join(root, 'global.conf')
            self.env['GIT_CONFIG_GLOBAL'] = p
            todo.append(p)
        else:
            todo.append(os.path.join(home, '.gitconfig'))
            if k == 1:
                x = os.path.join(root, 'xdg')
                self.env['XDG_CONFIG_HOME'] = x
                todo.append(os.path.join(x, 'git', 'config'))
            elif k == 2:
                todo.append(os.path.join(home, '.config', 'git', 'config'))
            else:
                self.env['XDG_CONFIG_HOME'] = os.path.join(root, 'nonexistent')

        # repository
        repo = os.path.join(root, 'repo')
        gd = self.make_repo(os.path.join(repo, '.git'))
        wtc = r.random() < 0.3
        repo_conf = '[core]\n\trepositoryformatversion = %s\n\tbare = false\n' % r.choice(['0', '1'])
        if wtc:
            repo_conf += '[extensions]\n\tworktreeConfig = true\n'
        cwd = repo
        k = r.randint(0, 7)
        wt = None
        if k in (0, 1):
            wt = os.path.join(root, 'wt')
            wgd = os.path.join(gd, 'worktrees', 'wt')
            self.make_repo(wgd)
            self.write(os.path.join(wgd, 'commondir'), '../..\n')
            self.write(os.path.join(wgd, 'gitdir'), wt + '/.git\n')
            self.write(os.path.join(wt, '.git'), 'gitdir: ' +
                       (wgd if k == 0 else '../repo/.git/worktrees/wt') + '\n')
            cwd = wt if k == 0 else os.path.join(wt, 'deep')
            os.makedirs(cwd, exist_ok=True)
            if wtc:
                todo.append(os.path.join(wgd, 'config.worktree'))
        elif k == 2:
            cwd = os.path.join(repo, 'a', 'b')
        elif k == 3:
            cwd = os.path.join(root, 'outside')
        elif k == 4:
            cwd = os.path.join(repo, 'a', 'b')
            self.env['GIT_CEILING_DIRECTORIES'] = repo + r.choice(['', '/'])
        elif k == 5:
            cwd = os.path.join(root, 'outside')
            self.env['GIT_DIR'] = r.choice([gd, '../repo/.git'])
        os.makedirs(cwd, exist_ok=True)
        if wtc:
            todo.append(os.path.join(gd, 'config.worktree'))
        self.cwd = cwd

        for p in todo:
            self.write(p, self.config_text(p))
        conf = os.path.join(gd, 'config')
        self.write(conf, repo_conf + self.config_text(conf))
        # included files, which may include others in turn
        done = set()
        while self.includes:
            p = self.includes.pop(0)
            if p in done:
                continue
            done.add(p)
            self.write(p, self.config_text(p, allow_includes=len(done) < 6))

        # environment
        if r.random() < 0.3:
            n = r.randint(1, 3)
            self.env['GIT_CONFIG_COUNT'] = str(n)
            for i in range(n):
                self.env['GIT_CONFIG_KEY_%d' % i] = r.choice(PRODUCT_KEYS + ['Bitbucket.Sub.Key'])
                self.env['GIT_CONFIG_VALUE_%d' % i] = self.word()
        if r.random() < 0.3:
            items = []
            for _ in range(r.randint(1, 3)):
                key = r.choice(PRODUCT_KEYS)
                val = r.choice([self.word(), "it's", 'a!b', ''])
                q = lambda s: "'" + s.replace("'", "'\\''").replace('!', "'\\!'") + "'"
                form = r.randint(0, 2)
                if form == 0:
                    items.append(q(key) + '=' + q(val))
                elif form == 1:
                    items.append(q(key + '=' + val))
                else:
                    items.append(q(key) + '=')
            self.env['GIT_CONFIG_PARAMETERS'] = ' '.join(items)


def run(cmd, env, cwd):
    p = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr


def check(i):
    """Build layout i and compare; returns (kind, [failure lines])."""
    root = os.path.join(TOP, 'c%03d' % i)
    c = Case(random.Random(SEED * 100003 + i), root)
    c.build()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('GIT_') and k not in ('XDG_CONFIG_HOME', 'HOME', 'PWD')}
    env['LC_ALL'] = 'C'
    env.update(c.env)
    env['PWD'] = c.cwd
    out = []

    def fail(msg):
        out.append('FAIL case %d (%s): %s; env %s; cwd %s' % (
            i, ', '.join(c.exotic) or 'plain', msg,
            {k: v for k, v in c.env.items() if k != 'HOME'}, c.cwd))

    grc, gout, _ = run(['git', 'config', '-z', '--list'], env, c.cwd)
    nrc, nout, nerr = run([DUMP, '--list'], env, c.cwd)
    if grc != 0:
        if nrc != 3:
            fail('git failed (%d) but the reader answered (%d)' % (grc, nrc))
        return 'git-failed', out
    if nrc == 3:
        if not c.exotic:
            fail('the reader handed back a plain layout: %r' % nerr)
        return 'fallback', out
    if nrc != 0:
        fail('reader exit %d' % nrc)
        return 'native', out
    if gout != nout:
        fail('--list differs:\n  git:    %r\n  reader: %r' % (gout, nout))
        return 'native', out
    # the product's keys through --get-regexp and --get-all
    grc, gre, _ = run(['git', 'config', '-z', '--get-regexp', PRODUCT_RE], env, c.cwd)
    want = b''.join(rec + b'\0' for rec in nout.split(b'\0')[:-1]
                    if re.match(PRODUCT_RE, rec.split(b'\n', 1)[0].decode('utf-8', 'replace')))
    if gre != want:
        fail('--get-regexp differs:\n  git:    %r\n  reader: %r' % (gre, want))
    elif i % 3 == 0:
        key = PRODUCT_KEYS[i // 3 % len(PRODUCT_KEYS)]
        grc, ga, _ = run(['git', 'config', '-z', '--get-all', key], env, c.cwd)
        nrc, na, _ = run([DUMP, '--get-all', key], env, c.cwd)
        if (grc, ga) != (nrc, na):
            fail('--get-all %s differs: git %d %r, reader %d %r' % (key, grc, ga, nrc, na))
    return 'native', out


def main():
    stats = {'native': 0, 'fallback': 0, 'git-failed': 0}
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        for kind, out in pool.map(check, range(CASES)):
            stats[kind] += 1
            failed += len(out)
            for line in out:
                print(line)
    print('cases %d: native %d, handed back %d, git failed %d; failures %d' % (
        CASES, stats['native'], stats['fallback'], stats['git-failed'], failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
