/*
 * fuzz-known-hosts.c - known_hosts text (ssh/ssh-hostkeys.h), with hashed
 * names matched through libssh2 the way the wrapper does it
 * (sshc_hasher(), ssh/ssh-conn.h).
 *
 * Input, by lines: "HOST PORT"; the server's key blob in hex (its type is
 * read from the blob, as the wrapper does); then the known_hosts text.  It is scanned alone and as a store behind
 * the built-in bitbucket.org keys (kh_verify, kh_known_types).
 */
#include "fuzz.h"
#include "ssh/ssh-hostkeys.h"
#include "ssh/ssh-conn.h"

static struct ssh_conn *conn;

static void conn_free(void)
{
	sshc_free(conn);
	conn = NULL;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kh_hasher hasher;
	struct kh_store st = KH_STORE_INIT;
	struct kh_scan scan;
	struct kh_verdict v;
	unsigned char blob[1024];
	size_t blen = 0, pos = 0, tlen, klen = 0;
	char *hostline, *keyline, *text, *sp, name[300];
	unsigned long port = 0;
	enum ssh_keytype type;

	if (conn == NULL) {
		if (sshc_new(&conn) != SSHC_OK)
			abort();
		atexit(conn_free);
	}
	sshc_hasher(conn, &hasher);
	hostline = fuzz_field(data, size, &pos, '\n', NULL);
	keyline = fuzz_field(data, size, &pos, '\n', &klen);
	text = fuzz_rest(data, size, &pos, &tlen);
	if (hostline == NULL) {
		free(keyline);
		free(text);
		return 0;
	}
	if ((sp = strchr(hostline, ' ')) != NULL) {
		*sp = '\0';
		port = strtoul(sp + 1, NULL, 10) & 0xffff;
	}
	for (size_t i = 0; keyline != NULL && i + 1 < klen && blen < sizeof(blob); i += 2) {
		int hi = hexval(keyline[i]), lo = hexval(keyline[i + 1]);

		if (hi < 0 || lo < 0)
			break;
		blob[blen++] = (unsigned char)(hi << 4 | lo);
	}
	type = ssh_keytype_from_blob(blob, blen);
	if (kh_host_name(hostline, (unsigned)port, name, sizeof(name)) == 0) {
		kh_scan_text(text, tlen, name, type, blob, blen, &hasher, &scan);
		FUZZ_CHECK(scan.status <= KH_REVOKED);
		kh_scan_text(text, tlen, name, type, blob, blen, NULL, &scan);
	}
	/* a store: the built-in keys, then this text as a file */
	st.n = 2;
	st.path[0] = "(built-in)";
	st.text[0] = (char *)kh_builtin_text(&st.len[0]);
	st.path[1] = "fuzz";
	st.text[1] = text;
	st.len[1] = tlen;
	kh_verify(&st, hostline, (unsigned)port, type, blob, blen, &hasher, &v);
	FUZZ_CHECK(v.source >= -1 && v.source < st.n);
	if (v.status == KH_V_OK)
		FUZZ_CHECK(v.source >= 0);
	(void)kh_known_types(&st, hostline, (unsigned)port, &hasher);
	free(hostline);
	free(keyline);
	free(text);
	return 0;
}
