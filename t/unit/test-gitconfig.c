/*
 * test-gitconfig.c - the native git-config reader's syntax, with exact
 * expectations (git-config(1), "CONFIGURATION FILE").  The whole-system
 * behaviour (file order, repositories, environment) is compared against
 * git itself in t/t1200-gitconfig-native.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gitconfig/gitconfig.h"
#include "unit.h"

/* Parse TEXT; expect code R and, when OK, the entries "name=value" (or
 * "name" for no value) joined by '|'. */
static void expect(const char *what, const char *text, const char *path,
		   int r, const char *entries)
{
	struct gitconfig gc = GITCONFIG_INIT;
	char got[4096] = "";
	int rr = gitconfig_parse(&gc, text, strlen(text), path, NULL, NULL);
	int ok = rr == r;

	for (size_t i = 0; i < gc.n; i++) {
		size_t l = strlen(got);

		snprintf(got + l, sizeof(got) - l, "%s%s%s%s", i ? "|" : "", gc.e[i].name,
			 gc.e[i].value ? "=" : "", gc.e[i].value ? gc.e[i].value : "");
	}
	if (ok && r == GITCONFIG_OK)
		ok = strcmp(got, entries) == 0;
	if (ok && r != GITCONFIG_OK)
		ok = gc.n == 0;
	if (!ok)
		printf("# got %d [%s], want %d [%s]\n", rr, got, r, entries ? entries : "");
	gitconfig_free(&gc);
	report(ok, what);
}

static int only_bitbucket(const char *name, void *arg)
{
	(void)arg;
	return strncmp(name, "bitbucket.", 10) == 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

int main(void)
{
	char dir[] = "/tmp/gcb-test-gitconfig.XXXXXX", path[256], text[1024], key[64];
	struct gitconfig gc = GITCONFIG_INIT;
	int found;

	/* sections and keys */
	expect("section and key are lowercased", "[Bitbucket]\n\tDataCenterHost = h\n",
	       NULL, GITCONFIG_OK, "bitbucket.datacenterhost=h");
	expect("a quoted subsection keeps its case and its escaped characters",
	       "[Sec \"Sub\\\"x\\\\y\\z\"]\nK=v\n", NULL, GITCONFIG_OK, "sec.Sub\"x\\yz.k=v");
	expect("the old [section.sub] form is lowercased whole", "[Sec.Sub]\nk=v\n",
	       NULL, GITCONFIG_OK, "sec.sub.k=v");
	expect("a key may follow the header on its line", "[a] k = v\n", NULL,
	       GITCONFIG_OK, "a.k=v");
	expect("a key before any section has no section", "k = v\n", NULL,
	       GITCONFIG_OK, "k=v");
	expect("keys with digits and dashes", "[a]\nk-1 = v\n", NULL, GITCONFIG_OK, "a.k-1=v");

	/* values */
	expect("a key without '=' has no value (true)", "[a]\nk\n", NULL, GITCONFIG_OK, "a.k");
	expect("'k =' is the empty value", "[a]\nk =\n", NULL, GITCONFIG_OK, "a.k=");
	expect("outer white space goes, inner stays", "[a]\nk =   x  y   \n", NULL,
	       GITCONFIG_OK, "a.k=x  y");
	expect("quotes keep white space and comment characters",
	       "[a]\nk = \" x # y ; z \"\n", NULL, GITCONFIG_OK, "a.k= x # y ; z ");
	expect("quotes may cover part of a value", "[a]\nk = a\" b \"c\n", NULL,
	       GITCONFIG_OK, "a.k=a b c");
	expect("# and ; start a comment outside quotes", "[a]\nk = x # c\nl = y;c\n", NULL,
	       GITCONFIG_OK, "a.k=x|a.l=y");
	expect("the escapes \\t \\n \\b \\\\ \\\"", "[a]\nk = 1\\t2\\n3\\b4\\\\5\\\"6\n", NULL,
	       GITCONFIG_OK, "a.k=1\t2\n3\b4\\5\"6");
	expect("a backslash at a line's end continues the value",
	       "[a]\nk = one\\\n  two\n", NULL, GITCONFIG_OK, "a.k=one  two");
	expect("CR LF line ends", "[a]\r\nk = v\r\nl\r\n", NULL, GITCONFIG_OK, "a.k=v|a.l");
	expect("a UTF-8 byte order mark is skipped", "\xef\xbb\xbf[a]\nk=v\n", NULL,
	       GITCONFIG_OK, "a.k=v");
	expect("no newline at the end", "[a]\nk=v", NULL, GITCONFIG_OK, "a.k=v");
	expect("comment lines and blank lines", "# c\n; c\n\n[a] ; c\n\t# c\nk=v\n", NULL,
	       GITCONFIG_OK, "a.k=v");

	/* what git rejects */
	expect("an unterminated quote is a syntax error", "[a]\nk = \"open\n", NULL,
	       GITCONFIG_ERR_SYNTAX, NULL);
	expect("an unknown escape is a syntax error", "[a]\nk = \\q\n", NULL,
	       GITCONFIG_ERR_SYNTAX, NULL);
	expect("an unterminated subsection is a syntax error", "[a \"x]\nk=v\n", NULL,
	       GITCONFIG_ERR_SYNTAX, NULL);
	expect("text after a subsection's quote is a syntax error", "[a \"x\" ]\n", NULL,
	       GITCONFIG_ERR_SYNTAX, NULL);
	expect("a line starting with '=' is a syntax error", "[a]\n= v\n", NULL,
	       GITCONFIG_ERR_SYNTAX, NULL);
	expect("a key followed by a comment without '=' is a syntax error",
	       "[a]\nk # c\n", NULL, GITCONFIG_ERR_SYNTAX, NULL);
	expect("an empty section name is a syntax error", "[]\n", NULL,
	       GITCONFIG_ERR_SYNTAX, NULL);
	expect("a key starting with a digit is a syntax error", "[a]\n1k = v\n", NULL,
	       GITCONFIG_ERR_SYNTAX, NULL);
	expect("a backslash at the very end ends the value", "[a]\nk = v\\", NULL,
	       GITCONFIG_OK, "a.k=v");

	/* handed back to git */
	expect("a tab inside a value is left to git (versions differ)",
	       "[bitbucket]\nk = a\tb\n", NULL, GITCONFIG_ERR_UNSUPPORTED, NULL);
	{
		const char *t = "[a]\nk = a\tb\n[bitbucket]\nsshKey = x\n";

		report(gitconfig_parse(&gc, t, strlen(t), NULL, only_bitbucket, NULL) ==
		       GITCONFIG_OK && gc.n == 1 && strcmp(gc.e[0].value, "x") == 0,
		       "... but not when that key is not wanted");
		gitconfig_free(&gc);
	}
	expect("includeIf onbranch: is left to git",
	       "[includeIf \"onbranch:main\"]\npath = /x\n", NULL, GITCONFIG_ERR_UNSUPPORTED, NULL);
	expect("includeIf hasconfig: is left to git",
	       "[includeIf \"hasconfig:remote.*.url:x\"]\npath = /x\n", NULL,
	       GITCONFIG_ERR_UNSUPPORTED, NULL);
	expect("include.path = ~user/... is left to git", "[include]\npath = ~root/x\n", NULL,
	       GITCONFIG_ERR_UNSUPPORTED, NULL);
	expect("a relative include outside a file is an error", "[include]\npath = x\n", NULL,
	       GITCONFIG_ERR_SYNTAX, NULL);
	expect("include.path without a value is an error", "[include]\npath\n", NULL,
	       GITCONFIG_ERR_SYNTAX, NULL);
	expect("includeIf gitdir: is false outside a repository",
	       "[includeIf \"gitdir:/\"]\npath = /nonexistent\n[a]\nk=v\n", NULL, GITCONFIG_OK,
	       "includeif.gitdir:/.path=/nonexistent|a.k=v");

	/* includes from files */
	if (mkdtemp(dir) == NULL) {
		report(0, "a temporary directory");
		return unit_done();
	}
	snprintf(path, sizeof(path), "%s/inc", dir);
	write_file(path, "[bitbucket]\n\tdataCenterHost = from-inc\n");
	snprintf(path, sizeof(path), "%s/main", dir);
	expect("include.path relative to the including file, in place",
	       "[a]\nk=1\n[include]\npath = inc\n[a]\nk=2\n", path, GITCONFIG_OK,
	       "a.k=1|include.path=inc|bitbucket.datacenterhost=from-inc|a.k=2");
	expect("a missing include is skipped", "[include]\npath = nope\n", path,
	       GITCONFIG_OK, "include.path=nope");
	snprintf(path, sizeof(path), "%s/loop", dir);
	write_file(path, "[include]\npath = loop\n");
	snprintf(text, sizeof(text), "[include]\npath = %s\n", path);
	expect("includes nested deeper than 10 are an error", text, NULL,
	       GITCONFIG_ERR_DEPTH, NULL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/inc", dir);
	unlink(path);
	rmdir(dir);

	/* the last value wins */
	{
		const char *t = "[a]\nk=1\n[A]\nK=2\n";

		gitconfig_parse(&gc, t, strlen(t), NULL, NULL, NULL);
		report(strcmp(gitconfig_get(&gc, "a.k", &found), "2") == 0 && found,
		       "gitconfig_get answers the last value");
		report(gitconfig_get(&gc, "a.x", &found) == NULL && !found,
		       "gitconfig_get: not found");
		gitconfig_free(&gc);
	}

	/* booleans */
	report(gitconfig_bool(NULL) == 1 && gitconfig_bool("true") == 1 &&
	       gitconfig_bool("YES") == 1 && gitconfig_bool("on") == 1 &&
	       gitconfig_bool("1") == 1 && gitconfig_bool("-3") == 1,
	       "booleans: no value, true, yes, on, non-zero");
	report(gitconfig_bool("") == 0 && gitconfig_bool("False") == 0 &&
	       gitconfig_bool("no") == 0 && gitconfig_bool("off") == 0 &&
	       gitconfig_bool("0") == 0, "booleans: empty, false, no, off, 0");
	report(gitconfig_bool("maybe") == -1 && gitconfig_bool("0x1") == -1 &&
	       gitconfig_bool("1k") == -1, "booleans: anything else is not one");

	/* keys as written on the command line */
	report(gitconfig_canonical_key("Section.Sub.Key", key, sizeof(key)) == 0 &&
	       strcmp(key, "section.Sub.key") == 0, "canonical key keeps the subsection's case");
	report(gitconfig_canonical_key("Bitbucket.DataCenterHost", key, sizeof(key)) == 0 &&
	       strcmp(key, "bitbucket.datacenterhost") == 0, "canonical key lowercases");
	report(gitconfig_canonical_key("nodot", key, sizeof(key)) == -1 &&
	       gitconfig_canonical_key("a.1b", key, sizeof(key)) == -1 &&
	       gitconfig_canonical_key(".a", key, sizeof(key)) == -1 &&
	       gitconfig_canonical_key("a.", key, sizeof(key)) == -1 &&
	       gitconfig_canonical_key("a_b.c", key, sizeof(key)) == -1,
	       "invalid keys: no dot, key starting with a digit, empty parts, '_'");

	/* gitdir: patterns */
	report(gitconfig_wildmatch("**/foo/.git", "/a/b/foo/.git", 0) == 1 &&
	       gitconfig_wildmatch("**/foo/.git", "foo/.git", 0) == 1,
	       "wildmatch: **/ matches any number of directories, none included");
	report(gitconfig_wildmatch("/a/**", "/a/b/c", 0) == 1 &&
	       gitconfig_wildmatch("/a/**", "/a", 0) == 0,
	       "wildmatch: a trailing /** matches everything below, not the directory");
	report(gitconfig_wildmatch("/a/*/x", "/a/b/x", 0) == 1 &&
	       gitconfig_wildmatch("/a/*/x", "/a/b/c/x", 0) == 0 &&
	       gitconfig_wildmatch("/a/?", "/a/b", 0) == 1 &&
	       gitconfig_wildmatch("/a?b", "/a/b", 0) == 0,
	       "wildmatch: * and ? stop at /");
	report(gitconfig_wildmatch("/a/**/b", "/a/b", 0) == 1 &&
	       gitconfig_wildmatch("/a/**/b", "/a/x/y/b", 0) == 1 &&
	       gitconfig_wildmatch("/a/x**/b", "/a/x/y/b", 0) == 0,
	       "wildmatch: /**/ matches zero or more directories; x** is a plain *");
	report(gitconfig_wildmatch("/Work/**", "/work/x", 1) == 1 &&
	       gitconfig_wildmatch("/Work/**", "/work/x", 0) == 0,
	       "wildmatch: case folding only for gitdir/i:");
	report(gitconfig_wildmatch("/r[a-c]po", "/rbpo", 0) == 1 &&
	       gitconfig_wildmatch("/r[!a-c]po", "/rbpo", 0) == 0 &&
	       gitconfig_wildmatch("/r\\*", "/r*", 0) == 1 &&
	       gitconfig_wildmatch("/r\\*", "/rx", 0) == 0,
	       "wildmatch: brackets, negation, a backslash escapes");
	report(gitconfig_wildmatch("/[[:alpha:]]", "/a", 0) == -1 &&
	       gitconfig_wildmatch("/[ab]", "/a", 1) == -1,
	       "wildmatch: character classes and folded brackets are left to git");
	report(strcmp(gitconfig_strerror(GITCONFIG_ERR_SYNTAX),
		      "a configuration file has a syntax error") == 0,
	       "strerror names the syntax error");
	return unit_done();
}
