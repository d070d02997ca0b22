/*
 * test-ssh-key.c - when git-bitbucket-ssh warns about an old key, and the
 * scope URL it names in the warning.
 */
#include <string.h>

#include "ssh/ssh-key.h"
#include "unit.h"

#define DAY (24LL * 60 * 60)

static struct ks_item key(long long created, long long warned)
{
	struct ks_item it = KS_ITEM_INIT;

	memcpy(it.kind, KS_KIND_SSH_KEY, sizeof(KS_KIND_SSH_KEY));
	memcpy(it.protocol, "ssh", 4);
	memcpy(it.host, "bitbucket.org", 14);
	memcpy(it.name, "work", 5);
	it.created = created;
	it.warned = warned;
	return it;
}

int main(void)
{
	long long now = 1800000000LL, age = -1;
	struct ks_item it;
	char url[600];

	it = key(now - 200 * DAY, 0);
	report(ssh_key_age_warning_due(&it, now, 180, &age) == 1 && age == 200,
	       "a 200-day-old key with max age 180 is due, age 200 days");
	it = key(now - 180 * DAY, 0);
	report(ssh_key_age_warning_due(&it, now, 180, NULL) == 0,
	       "a key exactly at the max age is not due");
	it = key(now - 10 * DAY, 0);
	report(ssh_key_age_warning_due(&it, now, 180, NULL) == 0,
	       "a young key is not due");
	it = key(now - 200 * DAY, now - 3600);
	report(ssh_key_age_warning_due(&it, now, 180, NULL) == 0,
	       "warned an hour ago: not due again");
	it = key(now - 200 * DAY, now - DAY - 1);
	report(ssh_key_age_warning_due(&it, now, 180, NULL) == 1,
	       "warned more than a day ago: due again");
	it = key(now - 200 * DAY, now + 5 * DAY);
	report(ssh_key_age_warning_due(&it, now, 180, NULL) == 1,
	       "a warned time in the future (clock set back) counts as never");
	it = key(0, 0);
	report(ssh_key_age_warning_due(&it, now, 180, NULL) == 0,
	       "a key of unknown age is never due");
	it = key(now - 200 * DAY, 0);
	report(ssh_key_age_warning_due(&it, now, 0, NULL) == 0,
	       "no positive max age, no warning");

	it = key(now, 0);
	report(ssh_key_scope_url(&it, url, sizeof(url)) == 0 &&
	       strcmp(url, "ssh://git@bitbucket.org/") == 0,
	       "host scope URL");
	memcpy(it.scope, "acme", 5);
	report(ssh_key_scope_url(&it, url, sizeof(url)) == 0 &&
	       strcmp(url, "ssh://git@bitbucket.org/acme") == 0,
	       "account scope URL");
	memcpy(it.scope, "acme/widget", 12);
	it.port = 7999;
	memcpy(it.host, "git.example.com", 16);
	report(ssh_key_scope_url(&it, url, sizeof(url)) == 0 &&
	       strcmp(url, "ssh://git@git.example.com:7999/acme/widget.git") == 0,
	       "repository scope URL with a port");
	report(ssh_key_scope_url(&it, url, 10) == -1, "too small a buffer is an error");
	return unit_done();
}
