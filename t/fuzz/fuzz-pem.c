/*
 * fuzz-pem.c - key text as a person pastes it, and the key formats behind
 * it: the text reader (keytext.h), classification and loading (pem.h:
 * PKCS#8 / traditional / OpenSSH formats), the SSH wire format and its
 * base64 (sshwire.h), then what is done with a key that loaded.
 *
 * Input: the pasted text, any bytes.  Invariants: an imported key checks
 * again (pem_check) with the same fingerprint, its public line starts with
 * its SSH name, a failed import leaves the output empty, and base64 the
 * reader accepts encodes back to the same bytes.
 */
#include "fuzz.h"
#include "pem.h"
#include "keytext.h"
#include "sshwire.h"

static void use_key(const struct sbuf *pem, const struct pem_info *info)
{
	struct pem_info again;
	struct sbuf line = SBUF_INIT, blob = SBUF_INIT;
	char fp[SSHWIRE_FP_LEN];

	memset(&again, 0, sizeof(again));
	FUZZ_CHECK(pem_check(pem, &again) == PEM_OK);
	FUZZ_CHECK(strcmp(again.fingerprint, info->fingerprint) == 0);
	FUZZ_CHECK(again.type == info->type && again.bits == info->bits);
	FUZZ_CHECK(pem_public_line(pem, "fuzz comment", &line) == PEM_OK);
	FUZZ_CHECK(line.len > strlen(info->ssh_name) &&
		   strncmp(line.buf, info->ssh_name, strlen(info->ssh_name)) == 0 &&
		   line.buf[strlen(info->ssh_name)] == ' ');
	FUZZ_CHECK(pem_public_blob(pem, &blob) == PEM_OK);
	FUZZ_CHECK(sshwire_fingerprint((const unsigned char *)blob.buf, blob.len, fp) == SSHWIRE_OK);
	FUZZ_CHECK(strcmp(fp, info->fingerprint) == 0);
	sbuf_free(&line);
	sbuf_free(&blob);
}

static void import(const char *in, size_t len, const char *passphrase, unsigned opts)
{
	struct sbuf out = SBUF_INIT;
	struct pem_info info;
	unsigned fixes = 0;
	char desc[256];
	int r;

	memset(&info, 0, sizeof(info));
	r = pem_import(in, len, passphrase, opts, &out, &info, &fixes);
	if (r == PEM_OK) {
		FUZZ_CHECK(out.buf != NULL && out.len > 0);
		FUZZ_CHECK(info.type != PEM_TYPE_NONE && info.fingerprint[0] != '\0');
		use_key(&out, &info);
		pem_fixes_describe(fixes, desc, sizeof(desc));
		pem_fixes_describe(fixes, desc, 4);
	} else {
		FUZZ_CHECK(out.len == 0);
		FUZZ_CHECK(pem_strerror(r) != NULL);
	}
	sbuf_free(&out);
}

/* The text reader alone: a body it returns is base64 that decodes. */
static void key_text(const char *in, size_t len)
{
	struct keytext kt = KEYTEXT_INIT;
	struct sbuf der = SBUF_INIT;

	if (keytext_read(in, len, &kt) == 0) {
		FUZZ_CHECK(kt.body.buf != NULL && kt.body.len > 0);
		(void)sshwire_b64_decode(kt.body.buf, kt.body.len, 0, &der);
	}
	keytext_free(&kt);
	sbuf_free(&der);
}

/* Any bytes as base64, as an SSH wire blob, as a host key to fingerprint. */
static void wire(const uint8_t *data, size_t size)
{
	struct sbuf raw = SBUF_INIT, enc = SBUF_INIT, back = SBUF_INIT;
	struct sshwire_rd r = SSHWIRE_RD(data, size);
	const unsigned char *s;
	size_t n;
	uint32_t u;
	char fp[SSHWIRE_FP_LEN];

	for (int pad = 0; pad <= 1; pad++) {
		sbuf_reset(&raw);
		if (sshwire_b64_decode((const char *)data, size, pad, &raw) != SSHWIRE_OK ||
		    raw.len == 0)
			continue;
		sbuf_reset(&enc);
		sbuf_reset(&back);
		FUZZ_CHECK(sshwire_b64_encode(&enc, raw.buf, raw.len, 0, 1) == SSHWIRE_OK);
		FUZZ_CHECK(sshwire_b64_decode(enc.buf, enc.len, 0, &back) == SSHWIRE_OK);
		FUZZ_CHECK(back.len == raw.len && memcmp(back.buf, raw.buf, raw.len) == 0);
	}
	while (r.off < r.len) {
		size_t before = r.off;

		if (sshwire_get_string(&r, &s, &n) == SSHWIRE_OK)
			FUZZ_CHECK(s >= data && s + n <= data + size);
		else if (sshwire_get_mpint(&r, 64, &s, &n) == SSHWIRE_OK)
			FUZZ_CHECK(s >= data && s + n <= data + size);
		else if (sshwire_get_u32(&r, &u) != SSHWIRE_OK)
			break;
		FUZZ_CHECK(r.off > before && r.off <= r.len);
	}
	(void)sshwire_fingerprint(data, size, fp);
	sbuf_free(&raw);
	sbuf_free(&enc);
	sbuf_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_copy(data, size);
	struct sbuf as_stored = SBUF_INIT;

	key_text(in, size);
	import(in, size, NULL, 0);
	import(in, size, NULL, PEM_CONVERT);
	import(in, size, "fuzz", PEM_CONVERT);
	/* the same bytes as a keyring item: git-bitbucket-ssh checks those */
	if (sbuf_add(&as_stored, data, size) == 0)
		(void)pem_check(&as_stored, NULL);
	sbuf_free(&as_stored);
	wire(data, size);
	free(in);
	return 0;
}
