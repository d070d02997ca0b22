/*
 * gcb-config-dump - the native reader's answers in `git config -z`'s
 * output format, for t/t1200-gitconfig-native.sh (built only for tests).
 *
 *   gcb-config-dump --list           like git config -z --list
 *   gcb-config-dump --get-all KEY    like git config -z --get-all KEY
 *   gcb-config-dump --product        what config_load() settles on
 *
 * Exit 0 with output as git's, 1 when --get-all finds nothing (as git),
 * 3 when the native reader hands the case back to git (the code's
 * phrase on stderr), 2 on a usage error.
 */
#include <stdio.h>
#include <string.h>

#include "bitbucket/config.h"
#include "gitconfig/gitconfig.h"

static void put(const char *s)
{
	fwrite(s, 1, strlen(s), stdout);
}

int main(int argc, char **argv)
{
	struct gitconfig gc = GITCONFIG_INIT;
	char key[1024];
	int r, found = 0;

	if (argc == 2 && strcmp(argv[1], "--product") == 0) {
		struct config cfg;

		r = config_load(&cfg);
		printf("load %d\n", r);
		for (int i = 0; i < cfg.n_dc; i++)
			printf("dc %s\n", cfg.dc_names[i]);
		printf("sshkey %s\nmaxage %ld\nmentions %d\n", cfg.ssh_key,
		       cfg.key_max_age_days, config_may_mention_bitbucket());
		config_free(&cfg);
		return 0;
	}
	if (!(argc == 2 && strcmp(argv[1], "--list") == 0) &&
	    !(argc == 3 && strcmp(argv[1], "--get-all") == 0)) {
		fprintf(stderr, "usage: gcb-config-dump --list | --get-all KEY | --product\n");
		return 2;
	}
	if (argc == 3 && gitconfig_canonical_key(argv[2], key, sizeof(key)) != 0) {
		fprintf(stderr, "gcb-config-dump: invalid key\n");
		return 2;
	}
	if ((r = gitconfig_read(&gc, NULL, NULL)) != GITCONFIG_OK) {
		fprintf(stderr, "gcb-config-dump: %s (%d)\n", gitconfig_strerror(r), r);
		return 3;
	}
	for (size_t i = 0; i < gc.n; i++) {
		const struct gitconfig_entry *e = &gc.e[i];

		if (argc == 2) {
			put(e->name);
			if (e->value != NULL) {
				putchar('\n');
				put(e->value);
			}
		} else {
			if (strcmp(e->name, key) != 0)
				continue;
			found = 1;
			if (e->value != NULL)
				put(e->value);
		}
		putchar('\0');
	}
	gitconfig_free(&gc);
	return argc == 3 && !found ? 1 : 0;
}
