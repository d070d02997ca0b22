/*
 * filestore-cache.c - the derived key in the kernel key retention service:
 * the only libkeyutils user.
 *
 * A "user" key whose payload is the 32-byte derived key (never the
 * passphrase), with a timeout after which the kernel destroys it.  It goes
 * into the keyring this process searches as its session keyring, named by
 * number: add_key() given KEY_SPEC_SESSION_KEYRING by a process whose
 * session is still the user-session keyring (no pam_keyinit: Debian's
 * sshd, cron, containers) would make a new anonymous session keyring for
 * this process alone, and the key would die with it.  Resolving the
 * session keyring first without creating one gives the user-session
 * keyring in that case, which the user's next git process searches too.
 *
 * Permissions: the possessor (a process that has the keyring in its
 * session) may view, read, write, search and set attributes; other
 * processes of the same user may only see that the key exists.
 */
#include "filestore-int.h"

#include <errno.h>
#include <string.h>

#include <keyutils.h>

#define KEY_TYPE "user"
#define KEY_PERMS (KEY_POS_VIEW | KEY_POS_READ | KEY_POS_WRITE | \
		   KEY_POS_SEARCH | KEY_POS_SETATTR | KEY_USR_VIEW)

/* The session keyring by number (see above), or FS_ERR_NO_KEYRING. */
static key_serial_t session_keyring(void)
{
	key_serial_t k = keyctl_get_keyring_ID(KEY_SPEC_SESSION_KEYRING, 0);

	return k < 0 ? FS_ERR_NO_KEYRING : k;
}

/* The cached key's serial, FS_ERR_NOT_CACHED or FS_ERR_NO_KEYRING. */
static key_serial_t find(const char *desc)
{
	key_serial_t ring = session_keyring(), k;

	if (ring < 0)
		return ring;
	k = keyctl_search(ring, KEY_TYPE, desc, 0);
	if (k >= 0)
		return k;
	/* ENOKEY: none; EKEYEXPIRED/EKEYREVOKED: one that timed out */
	if (errno == ENOKEY || errno == EKEYEXPIRED || errno == EKEYREVOKED ||
	    errno == EACCES)
		return FS_ERR_NOT_CACHED;
	return FS_ERR_NO_KEYRING;
}

int fsc_cache_get(const char *desc, unsigned char key[FSC_KEY_LEN])
{
	unsigned char buf[FSC_KEY_LEN + 1];
	key_serial_t k = find(desc);
	long n;

	if (k < 0)
		return k;
	/* read straight into our buffer: keyctl_read_alloc() does not wipe */
	n = keyctl_read(k, (char *)buf, sizeof(buf));
	if (n != FSC_KEY_LEN) {
		wipe(buf, sizeof(buf));
		/* expired between search and read, or not a key of ours */
		return FS_ERR_NOT_CACHED;
	}
	memcpy(key, buf, FSC_KEY_LEN);
	wipe(buf, sizeof(buf));
	return FS_OK;
}

int fsc_cache_put(const char *desc, const unsigned char key[FSC_KEY_LEN],
		  unsigned timeout)
{
	key_serial_t ring = session_keyring(), k;

	if (timeout == 0)
		return fsc_cache_drop(desc);
	if (ring < 0)
		return ring;
	/* a key with this description in ring is updated in place */
	k = add_key(KEY_TYPE, desc, key, FSC_KEY_LEN, ring);
	if (k < 0)
		return FS_ERR_NO_KEYRING;
	if (keyctl_setperm(k, KEY_PERMS) < 0 ||
	    keyctl_set_timeout(k, timeout) < 0) {
		(void)keyctl_invalidate(k);
		return FS_ERR_NO_KEYRING;
	}
	return FS_OK;
}

int fsc_cache_drop(const char *desc)
{
	key_serial_t k = find(desc);

	if (k == FS_ERR_NOT_CACHED)
		return FS_OK;
	if (k < 0)
		return k;
	/* invalidate, not unlink: the key is gone from every keyring at once */
	if (keyctl_invalidate(k) < 0 && errno != ENOKEY && errno != EKEYEXPIRED)
		return FS_ERR_NO_KEYRING;
	return FS_OK;
}
