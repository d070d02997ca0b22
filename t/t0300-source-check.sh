#!/bin/bash

test_description='source check: no footgun calls (sprintf, strcpy, strcat, strncpy, strtok, atoi, sscanf, system, popen) in helper/ and keystore/'

. "$(dirname "$0")/lib.sh"

check=$GCB_TOP/scripts/check-source.py

test_expect_success 'helper/ and keystore/ call none of the refused functions' '
	(cd "$GCB_TOP" && python3 "$check" helper keystore) >out 2>err ||
	{ cat out err >&2; false; } &&
	test_must_be_empty out
'

test_expect_success 'each refused call is named with its file, line and replacement' '
	mkdir -p src &&
	cat >src/bad.c <<-\EOF &&
	#include <stdio.h>
	void f(char *d, const char *s, char *buf, int n)
	{
		sprintf(d, "%s", s);
		strcpy(d, s); strcat(d, s);
		strncpy (d, s, 4);
		(void)strtok(buf, ",");
		n = atoi(s) + sscanf(s, "%d", &n);
		system("ls");
		FILE *p = popen("ls", "r");
	}
	EOF
	cat >expect <<-\EOF &&
	src/bad.c:4: sprintf() is refused (issue 13); use snprintf() and check its result
	src/bad.c:5: strcpy() is refused (issue 13); use memcpy() with a checked length, or snprintf()
	src/bad.c:5: strcat() is refused (issue 13); use memcpy() with a checked length, or snprintf()
	src/bad.c:6: strncpy() is refused (issue 13); use memcpy() with a checked length (strncpy may leave no NUL)
	src/bad.c:7: strtok() is refused (issue 13); use memchr()/strcspn() on the buffer (strtok keeps hidden state)
	src/bad.c:8: atoi() is refused (issue 13); use strtol() or strtoul() with errno and end-pointer checks
	src/bad.c:8: sscanf() is refused (issue 13); use a small parser with strtol()/strtoull() and explicit checks
	src/bad.c:9: system() is refused (issue 13); use posix_spawn() or fork()+execv() with an argument vector, no shell
	src/bad.c:10: popen() is refused (issue 13); use posix_spawn() or fork()+execv() with pipes, no shell
	EOF
	test_must_fail python3 "$check" src >out &&
	test_cmp expect out
'

test_expect_success 'comments, strings, longer names and members are not calls' '
	mkdir -p ok &&
	cat >ok/fine.h <<-\EOF &&
	/* sprintf(d, s) and strcpy(d, s) are refused;
	 * so is system("ls") */
	// atoi(s)
	static const char *m = "popen(x) sscanf(";
	static const char c = '"'"'('"'"';
	int g(struct ops *o, char *d, size_t n, const char *s)
	{
		return snprintf(d, n, "%s", s) + vsnprintf(d, n, s, 0) +
		       o->system(s) + o->atoi(s) + my_strcpy(d, s) + strtok_r(d, ",", 0) != 0;
	}
	EOF
	python3 "$check" ok >out &&
	test_must_be_empty out
'

test_expect_success 'a missing path is a usage error' '
	test_must_fail python3 "$check" no-such-dir 2>err &&
	echo "check-source: no such file or directory: no-such-dir" >expect &&
	test_cmp expect err
'

test_done
