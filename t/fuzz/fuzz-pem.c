/*
 * fuzz-pem.c - key text as a person pastes it, and the key formats behind
 * it (pem.h): classification, repairs, PKCS#8 / traditional / OpenSSH
 * formats, then what is done with a key that loaded.
 *
 * Input: the pasted text, any bytes.  Invariants: an imported key checks
 * again (pem_check) with the same fingerprint, its public line starts with
 * its SSH name, and a failed import leaves the output empty.
 */
#include "fuzz.h"
#include "pem.h"

static void use_key(const struct sbuf *pem, const struct pem_info *info)
{
	struct pem_info again;
	struct sbuf line = SBUF_INIT, blob = SBUF_INIT;
	char fp[PEM_FP_LEN];

	memset(&again, 0, sizeof(again));
	FUZZ_CHECK(pem_check(pem, &again) == PEM_OK);
	FUZZ_CHECK(strcmp(again.fingerprint, info->fingerprint) == 0);
	FUZZ_CHECK(again.type == info->type && again.bits == info->bits);
	FUZZ_CHECK(pem_public_line(pem, "fuzz comment", &line) == PEM_OK);
	FUZZ_CHECK(line.len > strlen(info->ssh_name) &&
		   strncmp(line.buf, info->ssh_name, strlen(info->ssh_name)) == 0 &&
		   line.buf[strlen(info->ssh_name)] == ' ');
	FUZZ_CHECK(pem_public_blob(pem, &blob) == PEM_OK);
	FUZZ_CHECK(pem_fingerprint_blob((const unsigned char *)blob.buf, blob.len, fp) == PEM_OK);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_copy(data, size);
	struct sbuf as_stored = SBUF_INIT;
	char fp[PEM_FP_LEN];

	import(in, size, NULL, 0);
	import(in, size, NULL, PEM_CONVERT);
	import(in, size, "fuzz", PEM_CONVERT);
	/* the same bytes as a keyring item: git-bitbucket-ssh checks those */
	if (sbuf_add(&as_stored, data, size) == 0)
		(void)pem_check(&as_stored, NULL);
	sbuf_free(&as_stored);
	/* any bytes as a host key blob */
	(void)pem_fingerprint_blob(data, size, fp);
	free(in);
	return 0;
}
