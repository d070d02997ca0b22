/*
 * config.c - bitbucket.* settings through one `git config` process.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONFIG_MAX_OUTPUT 65536

/* Run `git config -z --get-regexp ^bitbucket\.`; output into buf. */
static int run_git_config(char *buf, size_t cap, size_t *len)
{
	char *argv[] = { "git", "config", "-z", "--get-regexp",
			 "^bitbucket\\.", NULL };
	int pfd[2], status, devnull;
	pid_t pid;
	size_t n = 0;

	*len = 0;
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		if (devnull < 0 || dup2(devnull, 0) < 0 ||
		    dup2(pfd[1], 1) < 0 || dup2(devnull, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t r;

		if (n >= cap - 1) {
			/* too much: drain and ignore the rest */
			char sink[4096];

			r = read(pfd[0], sink, sizeof(sink));
		} else {
			r = read(pfd[0], buf + n, cap - 1 - n);
			if (r > 0)
				n += (size_t)r;
		}
		if (r == 0)
			break;
		if (r < 0 && errno != EINTR)
			break;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[n] = '\0';
	*len = n;
	/* exit 1 from --get-regexp means "no such keys": not an error */
	if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 &&
				   WEXITSTATUS(status) != 1))
		return -1;
	return 0;
}

static long parse_days(const char *v, long def)
{
	char *end;
	long d;

	errno = 0;
	d = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || d < 1 || d > 36500)
		return def;
	return d;
}

int config_load(struct config *cfg)
{
	char *buf;
	size_t len, off = 0;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	cfg->key_max_age_days = 180;
	cfg->dc.names = (const char *const *)cfg->dc_names;
	if ((buf = malloc(CONFIG_MAX_OUTPUT)) == NULL)
		return -1;
	r = run_git_config(buf, CONFIG_MAX_OUTPUT, &len);
	/* records: "key\nvalue\0" (or "key\0" for a value-less key) */
	while (off < len) {
		char *rec = buf + off, *val;
		size_t rl = strlen(rec);

		off += rl + 1;
		if ((val = strchr(rec, '\n')) == NULL)
			continue;
		*val++ = '\0';
		if (strcasecmp(rec, "bitbucket.datacenterhost") == 0) {
			if (cfg->n_dc < CONFIG_MAX_DC_HOSTS && *val != '\0' &&
			    (cfg->dc_names[cfg->n_dc] = strdup(val)) != NULL)
				cfg->n_dc++;
		} else if (strcasecmp(rec, "bitbucket.sshkey") == 0) {
			size_t vl = strlen(val);

			if (vl < sizeof(cfg->ssh_key))
				memcpy(cfg->ssh_key, val, vl + 1);
		} else if (strcasecmp(rec, "bitbucket.keymaxage") == 0) {
			cfg->key_max_age_days = parse_days(val, 180);
		}
	}
	cfg->dc.n = cfg->n_dc;
	free(buf);
	return r;
}

void config_free(struct config *cfg)
{
	for (int i = 0; i < cfg->n_dc; i++)
		free(cfg->dc_names[i]);
	cfg->n_dc = 0;
	cfg->dc.n = 0;
}

/* ---- the cheap look ---- */

/* 1 if the file may matter: mentions bitbucket or includes other files. */
static int file_may_mention(const char *path)
{
	char buf[65536];
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : 1;
	while (n < sizeof(buf) - 1 &&
	       (r = read(fd, buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return 1;
		}
		n += (size_t)r;
	}
	/* a config file larger than we read: do not guess.  `>=', not `==':
	 * read() never returns more than asked, but only `>=' lets the
	 * compiler see that buf[n] below is inside buf (GCC 14 warns). */
	if (n >= sizeof(buf) - 1) {
		close(fd);
		return 1;
	}
	close(fd);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			return 1;
	return strcasestr(buf, "bitbucket") != NULL ||
	       strcasestr(buf, "include") != NULL;
}

static int join(char *out, size_t len, const char *a, const char *b)
{
	int n = snprintf(out, len, "%s%s", a, b);

	return n >= 0 && (size_t)n < len ? 0 : -1;
}

static int env_mentions(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && (strcasestr(v, "bitbucket") != NULL ||
			     strcasestr(v, "include") != NULL);
}

/* The repository's git directory, as git would find it from the cwd. */
static int repo_config_may_mention(void)
{
	char dir[4096], path[4200];
	const char *gd = getenv("GIT_DIR");
	struct stat st;

	if (gd != NULL && *gd != '\0') {
		if (join(path, sizeof(path), gd, "/config") != 0)
			return 1;
		if (file_may_mention(path))
			return 1;
		if (join(path, sizeof(path), gd, "/config.worktree") != 0)
			return 1;
		return file_may_mention(path);
	}
	if (getcwd(dir, sizeof(dir)) == NULL)
		return 1;
	for (;;) {
		size_t dl = strlen(dir);

		if (join(path, sizeof(path), dl > 1 ? dir : "", "/.git") != 0)
			return 1;
		if (lstat(path, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				return 1;	/* a gitfile (worktree, submodule): ask git */
			if (join(path, sizeof(path), dl > 1 ? dir : "", "/.git/config") != 0 ||
			    file_may_mention(path))
				return 1;
			if (join(path, sizeof(path), dl > 1 ? dir : "",
				 "/.git/config.worktree") != 0)
				return 1;
			return file_may_mention(path);
		}
		/* a bare repository: the directory itself */
		if (join(path, sizeof(path), dl > 1 ? dir : "", "/HEAD") == 0 &&
		    stat(path, &st) == 0 &&
		    join(path, sizeof(path), dl > 1 ? dir : "", "/config") == 0 &&
		    access(path, F_OK) == 0)
			return file_may_mention(path);
		if (dl <= 1)
			return 0;
		*strrchr(dir, '/') = '\0';
		if (dir[0] == '\0') {
			dir[0] = '/';
			dir[1] = '\0';
		}
	}
}

int config_may_mention_bitbucket(void)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *sys = getenv("GIT_CONFIG_SYSTEM");
	const char *glob = getenv("GIT_CONFIG_GLOBAL");
	char path[4200];

	if (env_mentions("GIT_CONFIG_PARAMETERS") || getenv("GIT_CONFIG_COUNT") ||
	    getenv("GIT_CONFIG"))
		return 1;
	if (getenv("GIT_CONFIG_NOSYSTEM") == NULL ||
	    strcmp(getenv("GIT_CONFIG_NOSYSTEM"), "0") == 0 ||
	    strcasecmp(getenv("GIT_CONFIG_NOSYSTEM"), "false") == 0) {
		if (file_may_mention(sys && *sys ? sys : "/etc/gitconfig"))
			return 1;
	}
	if (glob != NULL) {
		if (*glob && file_may_mention(glob))
			return 1;
	} else {
		if (home == NULL)
			return 1;
		if (join(path, sizeof(path), home, "/.gitconfig") != 0 ||
		    file_may_mention(path))
			return 1;
		if (xdg != NULL && *xdg) {
			if (join(path, sizeof(path), xdg, "/git/config") != 0 ||
			    file_may_mention(path))
				return 1;
		} else if (join(path, sizeof(path), home, "/.config/git/config") != 0 ||
			   file_may_mention(path)) {
			return 1;
		}
	}
	return repo_config_may_mention();
}
