/*
 * read.c - git's configuration without running git (gitconfig.h): the
 * files in git's order, GIT_CONFIG_COUNT / GIT_CONFIG_PARAMETERS, and
 * finding the repository as git does.  The syntax is parse.c's, the
 * includes include.c's.
 *
 * The rules come from git-config(1), git-rev-parse(1) ("GIT_DIR",
 * "GIT_CEILING_DIRECTORIES"), gitrepository-layout(5) and git(1)'s
 * environment section.  Where a rule is subtle, the comment says what
 * git does and why we match it, or why we hand the case back to git.
 */
#include "gitconfig/gitconfig-int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- GIT_CONFIG_COUNT and GIT_CONFIG_PARAMETERS ---- */

static int env_pair(struct rd *rd, const char *key, const char *value)
{
	char canon[1024];

	if (gitconfig_canonical_key(key, canon, sizeof(canon)) != 0)
		return GITCONFIG_ERR_ENV;	/* git: invalid key, dies */
	return gcfg_on_entry(rd, canon, value, 0, NULL, 0);
}

static int env_count(struct rd *rd)
{
	const char *v = getenv("GIT_CONFIG_COUNT");
	long n = 0;

	if (v == NULL)
		return GITCONFIG_OK;
	for (const char *p = v; *p; p++)
		if (!g_digit((unsigned char)*p))
			return GITCONFIG_ERR_ENV;
	if (strlen(v) > 4)
		return GITCONFIG_ERR_ENV;
	if (*v)
		n = strtol(v, NULL, 10);
	for (long i = 0; i < n; i++) {
		char kn[40], vn[40];
		const char *key, *val;
		int r;

		snprintf(kn, sizeof(kn), "GIT_CONFIG_KEY_%ld", i);
		snprintf(vn, sizeof(vn), "GIT_CONFIG_VALUE_%ld", i);
		key = getenv(kn);
		val = getenv(vn);
		if (key == NULL || val == NULL || *key == '\0')
			return GITCONFIG_ERR_ENV;
		if ((r = env_pair(rd, key, val)) != GITCONFIG_OK)
			return r;
	}
	return GITCONFIG_OK;
}

/* One shell-single-quoted word at *pp into out; *pp moves past it.
 * The quoting git writes: 'text', with ' and ! written as '\'' '\!'. */
static int sq_word(const char **pp, struct str *out)
{
	const char *p = *pp;

	gcfg_str_setlen(out, 0);
	if (gcfg_str_add(out, "", 0) != 0)
		return GITCONFIG_ERR_NOMEM;
	if (*p != '\'')
		return GITCONFIG_ERR_ENV;
	for (;;) {
		char c = *++p;

		if (c == '\0')
			return GITCONFIG_ERR_ENV;
		if (c != '\'') {
			if (gcfg_str_addc(out, c) != 0)
				return GITCONFIG_ERR_NOMEM;
			continue;
		}
		if (p[1] == '\\' && (p[2] == '\'' || p[2] == '!') && p[3] == '\'') {
			if (gcfg_str_addc(out, p[2]) != 0)
				return GITCONFIG_ERR_NOMEM;
			p += 3;
			continue;
		}
		*pp = p + 1;
		return GITCONFIG_OK;
	}
}

static int env_parameters(struct rd *rd)
{
	const char *p = getenv("GIT_CONFIG_PARAMETERS");
	struct str key = { 0 }, val = { 0 };
	int r = GITCONFIG_OK;

	if (p == NULL)
		return GITCONFIG_OK;
	while (*p) {
		if ((r = sq_word(&p, &key)) != GITCONFIG_OK)
			break;
		if (*p == '\0' || g_space((unsigned char)*p)) {
			/* the old form 'key=value' ('key' alone: no value) */
			char *eq = strchr(key.p, '=');

			if (eq != NULL)
				*eq = '\0';
			r = *key.p ? env_pair(rd, key.p, eq ? eq + 1 : NULL) : GITCONFIG_ERR_ENV;
		} else if (*p == '=') {
			/* 'key'='value', or 'key'= for a boolean */
			p++;
			if (*p == '\'') {
				if ((r = sq_word(&p, &val)) != GITCONFIG_OK)
					break;
				if (*p != '\0' && !g_space((unsigned char)*p)) {
					r = GITCONFIG_ERR_ENV;
					break;
				}
				r = *key.p ? env_pair(rd, key.p, val.p) : GITCONFIG_ERR_ENV;
			} else if (*p == '\0' || g_space((unsigned char)*p)) {
				r = *key.p ? env_pair(rd, key.p, NULL) : GITCONFIG_ERR_ENV;
			} else {
				r = GITCONFIG_ERR_ENV;
			}
		} else {
			r = GITCONFIG_ERR_ENV;
		}
		if (r != GITCONFIG_OK)
			break;
		while (g_space((unsigned char)*p))
			p++;
	}
	gcfg_str_free(&key);
	gcfg_str_free(&val);
	return r;
}


/* ---- finding the repository, as setup.c does ---- */

static int owned(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && st.st_uid == geteuid();
}

static char *read_small(const char *path)
{
	char *buf;
	size_t len;

	if (gcfg_slurp(path, &buf, &len) != 0)
		return NULL;
	if (len > 4096 || memchr(buf, '\0', len)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!g_digit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return 0;
	return 1;
}

/* Is DIR a git directory?  1 surely, 0 surely not (no HEAD), -1 in doubt.
 * *common gets its common directory (realpath) when 1. */
static int git_directory(const char *dir, char **common)
{
	char *head = gcfg_cat3(dir, "/", "HEAD"), *buf = NULL, *cf = NULL, *cd = NULL;
	char *objs = NULL, *refs = NULL;
	struct stat st;
	int r = -1;

	*common = NULL;
	if (head == NULL)
		return -1;
	if (lstat(head, &st) != 0) {
		r = errno == ENOENT || errno == ENOTDIR ? 0 : -1;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (buf = read_small(head)) == NULL)
		goto out;
	if (!(strncmp(buf, "ref: refs/", 10) == 0 ||
	      (strlen(buf) >= 40 && is_hex(buf, 40))))
		goto out;
	if ((cf = gcfg_cat3(dir, "/", "commondir")) == NULL)
		goto out;
	if (lstat(cf, &st) == 0) {
		char *c = read_small(cf), *joined;
		size_t n;

		if (c == NULL)
			goto out;
		n = strlen(c);
		while (n > 0 && (c[n - 1] == '\n' || c[n - 1] == '\r'))
			c[--n] = '\0';
		joined = n == 0 ? NULL : c[0] == '/' ? gcfg_cat3(c, "", "") : gcfg_cat3(dir, "/", c);
		free(c);
		if (joined == NULL)
			goto out;
		cd = realpath(joined, NULL);
		free(joined);
	} else if (errno == ENOENT) {
		cd = realpath(dir, NULL);
	}
	if (cd == NULL)
		goto out;
	if ((objs = gcfg_cat3(cd, "/", "objects")) == NULL || (refs = gcfg_cat3(cd, "/", "refs")) == NULL)
		goto out;
	if (access(objs, X_OK) != 0 || access(refs, X_OK) != 0)
		goto out;
	*common = cd;
	cd = NULL;
	r = 1;
out:
	free(head);
	free(buf);
	free(cf);
	free(cd);
	free(objs);
	free(refs);
	return r;
}

/* "gitdir: PATH" in the .git file at FILE: the git directory's realpath */
static int read_gitfile(const char *file, char **gitdir)
{
	char *buf = read_small(file), *dir = NULL, *slash;
	size_t n;
	int r = GITCONFIG_ERR_REPO;

	*gitdir = NULL;
	if (buf == NULL || strncmp(buf, "gitdir: ", 8) != 0)
		goto out;
	n = strlen(buf);
	while (n > 8 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (n == 8)
		goto out;
	if (buf[8] == '/') {
		dir = strdup(buf + 8);
	} else {
		char *base = strdup(file);

		if (base == NULL)
			goto out;
		slash = strrchr(base, '/');
		slash[1] = '\0';
		dir = gcfg_cat3(base, "", buf + 8);
		free(base);
	}
	if (dir == NULL)
		goto out;
	if ((*gitdir = realpath(dir, NULL)) == NULL)
		goto out;
	r = GITCONFIG_OK;
out:
	free(buf);
	free(dir);
	return r;
}

/* The physical directory git would use for relative paths: $PWD when it
 * names the same directory as getcwd(), else getcwd(). */
static char *pwd_cwd(const char *cwd)
{
	const char *pwd = getenv("PWD");
	struct stat a, b;

	if (pwd != NULL && pwd[0] == '/' && strcmp(pwd, cwd) != 0 &&
	    stat(cwd, &a) == 0 && stat(pwd, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return strdup(pwd);
	return strdup(cwd);
}

/* GIT_CEILING_DIRECTORIES: the length of the longest entry that is a
 * proper ancestor of cwd, or -1. */
static int ceiling_length(const char *cwd, long *out)
{
	const char *env = getenv("GIT_CEILING_DIRECTORIES");
	long best = -1;

	*out = -1;
	if (env == NULL || strcmp(cwd, "/") == 0)
		return 0;
	while (*env) {
		const char *end = strchr(env, ':');
		size_t n = end ? (size_t)(end - env) : strlen(env);
		char *e, *real;

		/* an empty entry stops git from resolving the later ones */
		if (n == 0)
			return GITCONFIG_ERR_ENV;
		if (env[0] == '/') {
			if ((e = strndup(env, n)) == NULL)
				return GITCONFIG_ERR_NOMEM;
			real = realpath(e, NULL);
			free(e);
			if (real != NULL) {
				size_t l = strlen(real);

				if (l > 0 && real[l - 1] == '/')
					l--;
				if (strncmp(cwd, real, l) == 0 && cwd[l] == '/' && cwd[l + 1] &&
				    (long)l > best)
					best = (long)l;
				free(real);
			}
		}
		env += n;
		if (*env == ':')
			env++;
	}
	*out = best;
	return 0;
}

static void repo_free(struct repo *r)
{
	free(r->gitdir);
	free(r->commondir);
	free(r->real);
	free(r->alt[0]);
	free(r->alt[1]);
	memset(r, 0, sizeof(*r));
}

static int want_format(const char *name, void *arg)
{
	(void)arg;
	return strcmp(name, "core.repositoryformatversion") == 0 ||
	       strncmp(name, "extensions.", 11) == 0;
}

/* The repository format git checks before it reads the repository's
 * config: versions 0 and 1 with the extensions every git knows. */
static int repo_format(struct repo *repo)
{
	struct gitconfig f = GITCONFIG_INIT;
	struct rd rd = { &f, want_format, NULL, NULL, 1 };
	char *path = gcfg_cat3(repo->commondir, "/", "config"), *buf;
	size_t len;
	int r;

	if (path == NULL)
		return GITCONFIG_ERR_NOMEM;
	r = gcfg_slurp(path, &buf, &len);
	free(path);
	if (r != 0)
		return r == 1 ? GITCONFIG_ERR_REPO : r;
	r = gcfg_parse_text(&rd, buf, len, NULL, 0);
	free(buf);
	for (size_t i = 0; r == GITCONFIG_OK && i < f.n; i++) {
		const char *n = f.e[i].name, *v = f.e[i].value;

		if (strcmp(n, "core.repositoryformatversion") == 0) {
			if (v == NULL || (strcmp(v, "0") != 0 && strcmp(v, "1") != 0))
				r = GITCONFIG_ERR_REPO;
		} else if (strcmp(n, "extensions.worktreeconfig") == 0) {
			int b = gitconfig_bool(v);

			if (b < 0)
				r = GITCONFIG_ERR_REPO;
			else
				repo->worktree_config = b;
		} else if (strcmp(n, "extensions.noop") != 0 &&
			   strcmp(n, "extensions.preciousobjects") != 0 &&
			   strcmp(n, "extensions.partialclone") != 0) {
			r = GITCONFIG_ERR_REPO;	/* one git versions judge differently */
		}
	}
	gitconfig_free(&f);
	return r;
}

/* GIT_DIR set: that directory, or the one its .git file names */
static int from_git_dir_env(struct repo *repo, const char *gd, const char *cwd,
			    char **common)
{
	char *gitdir = NULL, *pc = NULL;
	struct stat st;
	int r;

	if (*gd == '\0')
		return GITCONFIG_ERR_ENV;
	if (stat(gd, &st) != 0)
		return GITCONFIG_ERR_REPO;
	if (S_ISREG(st.st_mode)) {
		if ((r = read_gitfile(gd, &gitdir)) != GITCONFIG_OK)
			return r;
	} else if ((gitdir = strdup(gd)) == NULL) {
		return GITCONFIG_ERR_NOMEM;
	}
	r = GITCONFIG_ERR_REPO;
	if (git_directory(gitdir, common) != 1 ||
	    (repo->real = realpath(gitdir, NULL)) == NULL)
		goto out;
	r = GITCONFIG_ERR_NOMEM;
	if (!S_ISREG(st.st_mode) && gd[0] != '/' &&
	    ((pc = pwd_cwd(cwd)) == NULL ||
	     (repo->alt[0] = gcfg_cat3(pc, "/", gd)) == NULL))
		goto out;
	repo->gitdir = gitdir;
	gitdir = NULL;
	r = GITCONFIG_OK;
out:
	free(gitdir);
	free(pc);
	return r;
}

/*
 * One level of git's walk up: DIR/.git.  *found is 1 when it is the
 * repository (repo filled in), 0 when this level has none.
 */
static int at_level(struct repo *repo, const char *dir, const char *cwd,
		    char **common, int *found)
{
	char *p, *gitdir = NULL, *pc = NULL;
	struct stat st;
	int r, g;

	*found = 0;
	if ((p = gcfg_cat3(strcmp(dir, "/") ? dir : "", "/", ".git")) == NULL)
		return GITCONFIG_ERR_NOMEM;
	if (stat(p, &st) != 0) {
		r = errno == ENOENT || errno == ENOTDIR ? GITCONFIG_OK : GITCONFIG_ERR_REPO;
		free(p);
		if (r != GITCONFIG_OK)
			return r;
		/* a bare repository, or inside a git directory: left to git
		 * (safe.bareRepository, and git versions differ here) */
		g = git_directory(dir, common);
		free(*common);
		*common = NULL;
		return g != 0 ? GITCONFIG_ERR_REPO : GITCONFIG_OK;
	}
	if (S_ISREG(st.st_mode)) {
		/* a worktree or submodule: .git names the git directory */
		if ((r = read_gitfile(p, &gitdir)) != GITCONFIG_OK)
			goto out;
		r = GITCONFIG_ERR_REPO;
		if (git_directory(gitdir, common) != 1 ||
		    !owned(p) || !owned(dir) || !owned(gitdir))
			goto out;
		r = GITCONFIG_ERR_NOMEM;
		if ((repo->real = strdup(gitdir)) == NULL)
			goto out;
	} else {
		r = GITCONFIG_ERR_REPO;
		if (!S_ISDIR(st.st_mode) || git_directory(p, common) != 1 ||
		    !owned(dir) || !owned(p))
			goto out;
		gitdir = p;
		p = NULL;
		if ((repo->real = realpath(gitdir, NULL)) == NULL)
			goto out;
		/* git uses ".git" relative to the top; made absolute with
		 * $PWD when that is the top */
		r = GITCONFIG_ERR_NOMEM;
		if ((repo->alt[0] = strdup(gitdir)) == NULL)
			goto out;
		if (strcmp(dir, cwd) == 0 &&
		    ((pc = pwd_cwd(cwd)) == NULL ||
		     (repo->alt[1] = gcfg_cat3(pc, "/", ".git")) == NULL))
			goto out;
	}
	repo->gitdir = gitdir;
	gitdir = NULL;
	*found = 1;
	r = GITCONFIG_OK;
out:
	free(p);
	free(gitdir);
	free(pc);
	return r;
}

static int discover(struct repo *repo)
{
	char cwd[PATH_MAX];
	const char *gd = getenv("GIT_DIR");
	char *dir = NULL, *common = NULL;
	long ceil, off;
	int r, found = 0;
	struct stat st;
	dev_t dev;

	memset(repo, 0, sizeof(*repo));
	if (getenv("GIT_COMMON_DIR") || getenv("GIT_OBJECT_DIRECTORY") ||
	    getenv("GIT_WORK_TREE") || getenv("GIT_DISCOVERY_ACROSS_FILESYSTEM"))
		return GITCONFIG_ERR_ENV;
	if (getcwd(cwd, sizeof(cwd)) == NULL || cwd[0] != '/')
		return GITCONFIG_ERR_REPO;
	if (gd != NULL) {
		r = from_git_dir_env(repo, gd, cwd, &common);
		found = r == GITCONFIG_OK;
		goto done;
	}
	if ((r = ceiling_length(cwd, &ceil)) != 0)
		return r;
	if (stat(cwd, &st) != 0)
		return GITCONFIG_ERR_REPO;
	dev = st.st_dev;
	if ((dir = strdup(cwd)) == NULL)
		return GITCONFIG_ERR_NOMEM;
	for (;;) {
		if ((r = at_level(repo, dir, cwd, &common, &found)) != GITCONFIG_OK || found)
			goto done;
		/* up one level, unless that is the ceiling, the root, or
		 * another file system */
		off = (long)strlen(dir);
		if (off <= 1)
			break;
		while (--off > ceil && dir[off] != '/')
			;
		if (off <= ceil)
			break;
		dir[off > 1 ? off : 1] = '\0';
		if (stat(dir, &st) != 0) {
			r = GITCONFIG_ERR_REPO;
			goto done;
		}
		if (st.st_dev != dev)
			break;
	}
	r = GITCONFIG_OK;	/* no repository */
done:
	if (r == GITCONFIG_OK && found) {
		repo->have = 1;
		repo->commondir = common;
		common = NULL;
		r = repo_format(repo);
	}
	free(dir);
	free(common);
	if (r != GITCONFIG_OK)
		repo_free(repo);
	return r;
}


/* ---- the whole sequence ---- */

static int top_file(struct rd *rd, const char *path)
{
	if (path == NULL || path[0] == '\0')
		return GITCONFIG_OK;	/* git's access("") fails: nothing read */
	if (path[0] != '/')
		return GITCONFIG_ERR_ENV;	/* relative to git's own cwd */
	return gcfg_parse_file(rd, path, 0);
}

static int top_file2(struct rd *rd, const char *a, const char *b)
{
	char *p;
	int r;

	if (a == NULL)
		return GITCONFIG_OK;
	if ((p = gcfg_cat3(a, "", b)) == NULL)
		return GITCONFIG_ERR_NOMEM;
	r = top_file(rd, p);
	free(p);
	return r;
}

int gitconfig_read(struct gitconfig *gc, gitconfig_want_fn want, void *arg)
{
	struct repo repo;
	struct rd rd = { gc, want, arg, &repo, 0 };
	const char *nosys = getenv("GIT_CONFIG_NOSYSTEM");
	const char *glob = getenv("GIT_CONFIG_GLOBAL");
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	int r, b = 0;

	/* GIT_CONFIG makes `git config` read that one file: git decides */
	if (getenv("GIT_CONFIG") != NULL)
		return GITCONFIG_ERR_ENV;
	if (nosys != NULL && (b = gitconfig_bool(nosys)) < 0)
		return GITCONFIG_ERR_ENV;
	if ((r = discover(&repo)) != GITCONFIG_OK)
		return r;
	if (!b) {
		const char *sys = getenv("GIT_CONFIG_SYSTEM");

		if ((r = top_file(&rd, sys ? sys : "/etc/gitconfig")) != GITCONFIG_OK)
			goto out;
	}
	if (glob != NULL) {
		if ((r = top_file(&rd, glob)) != GITCONFIG_OK)
			goto out;
	} else {
		if (xdg != NULL && *xdg)
			r = top_file2(&rd, xdg, "/git/config");
		else
			r = top_file2(&rd, home, "/.config/git/config");
		if (r != GITCONFIG_OK || (r = top_file2(&rd, home, "/.gitconfig")) != GITCONFIG_OK)
			goto out;
	}
	if (repo.have) {
		if ((r = top_file2(&rd, repo.commondir, "/config")) != GITCONFIG_OK)
			goto out;
		if (repo.worktree_config &&
		    (r = top_file2(&rd, repo.real, "/config.worktree")) != GITCONFIG_OK)
			goto out;
	}
	if ((r = env_count(&rd)) != GITCONFIG_OK)
		goto out;
	r = env_parameters(&rd);
out:
	repo_free(&repo);
	if (r != GITCONFIG_OK)
		gitconfig_free(gc);
	return r;
}
