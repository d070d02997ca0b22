/*
 * keytext.c - a private key as a person pastes it: the PEM envelope read
 * line by line, so that every mistake gets its own code and harmless
 * damage is repaired and reported (see keytext.h).  Plain C, no OpenSSL.
 */
#include "keytext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------- errors */

static const struct {
	int code;
	const char *phrase;
} pem_errors[] = {
	{ PEM_OK, "success" },
	{ PEM_ERR_INTERNAL, "internal error in the key code" },
	{ PEM_ERR_NOMEM, "out of memory" },
	{ PEM_ERR_EMPTY, "the input is empty" },
	{ PEM_ERR_TOO_LARGE, "the input is too large to be a private key" },
	{ PEM_ERR_BINARY, "binary data, not a PEM text key" },
	{ PEM_ERR_PUBLIC_KEY, "a public key, not a private key" },
	{ PEM_ERR_NO_HEADER, "missing the -----BEGIN ... PRIVATE KEY----- line" },
	{ PEM_ERR_NO_FOOTER, "missing the -----END ... PRIVATE KEY----- line" },
	{ PEM_ERR_CORRUPT, "the key is truncated or corrupted" },
	{ PEM_ERR_MULTIPLE, "more than one private key" },
	{ PEM_ERR_OPENSSH, "an OpenSSH-format key, not PEM" },
	{ PEM_ERR_OPENSSH_ENCRYPTED, "a passphrase-protected OpenSSH-format key" },
	{ PEM_ERR_OPENSSH_ENCRYPTED_ED25519,
	  "a passphrase-protected OpenSSH-format Ed25519 key" },
	{ PEM_ERR_PUTTY, "a PuTTY key" },
	{ PEM_ERR_DSA, "a DSA key, which is too weak" },
	{ PEM_ERR_RSA_WEAK, "an RSA key shorter than 2048 bits, which is too weak" },
	{ PEM_ERR_NEED_PASSPHRASE, "the key is protected by a passphrase" },
	{ PEM_ERR_BAD_PASSPHRASE, "wrong passphrase" },
	{ PEM_ERR_UNSUPPORTED, "unsupported key type" },
	{ PEM_ERR_BAD_ARG, "unsupported key type or size" },
};

const char *pem_strerror(int err)
{
	for (size_t i = 0; i < sizeof(pem_errors) / sizeof(pem_errors[0]); i++)
		if (pem_errors[i].code == err)
			return pem_errors[i].phrase;
	return "unknown error";
}

static const struct {
	unsigned bit;
	const char *phrase;
} pem_fix_names[] = {
	{ PEM_FIX_CRLF, "CRLF line endings" },
	{ PEM_FIX_TRAILING_SPACE, "trailing spaces" },
	{ PEM_FIX_INDENT, "indented lines" },
	{ PEM_FIX_BLANK_LINES, "blank lines" },
	{ PEM_FIX_WRAP, "broken line wrapping" },
	{ PEM_FIX_STRAY_TEXT, "text around the key" },
	{ PEM_FIX_MARKER, "a damaged BEGIN or END line" },
	{ PEM_FIX_BOM, "a byte order mark" },
};

const char *pem_fixes_describe(unsigned fixes, char *buf, size_t len)
{
	size_t used = 0;

	if (buf == NULL || len == 0)
		return "";
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(pem_fix_names) / sizeof(pem_fix_names[0]); i++) {
		const char *sep = used ? ", " : "";
		size_t need;

		if ((fixes & pem_fix_names[i].bit) == 0)
			continue;
		need = strlen(sep) + strlen(pem_fix_names[i].phrase);
		if (used + need >= len)
			break;
		memcpy(buf + used, sep, strlen(sep));
		memcpy(buf + used + strlen(sep), pem_fix_names[i].phrase,
		       strlen(pem_fix_names[i].phrase));
		used += need;
		buf[used] = '\0';
	}
	return buf;
}

enum pem_type pem_type_from_name(const char *name)
{
	if (name == NULL)
		return PEM_TYPE_NONE;
	if (strcasecmp(name, "ed25519") == 0)
		return PEM_TYPE_ED25519;
	if (strcasecmp(name, "ecdsa") == 0)
		return PEM_TYPE_ECDSA;
	if (strcasecmp(name, "rsa") == 0)
		return PEM_TYPE_RSA;
	return PEM_TYPE_NONE;
}

/* --------------------------------------------------------- PEM envelope */

struct line {
	const char *p;		/* trimmed */
	size_t len;
	unsigned fixes;		/* damage found on this line */
};

struct lines {
	struct line *v;
	size_t n, cap;
};

static int lines_add(struct lines *ls, const char *p, size_t len, unsigned fixes)
{
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 64;
		struct line *v = realloc(ls->v, cap * sizeof(*v));

		if (v == NULL)
			return PEM_ERR_NOMEM;
		ls->v = v;
		ls->cap = cap;
	}
	ls->v[ls->n].p = p;
	ls->v[ls->n].len = len;
	ls->v[ls->n].fixes = fixes;
	ls->n++;
	return 0;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t';
}

static const char *find(const char *p, size_t len, const char *z)
{
	size_t zl = strlen(z);

	if (zl > len)
		return NULL;
	for (size_t i = 0; i + zl <= len; i++)
		if (p[i] == z[0] && memcmp(p + i, z, zl) == 0)
			return p + i;
	return NULL;
}

static int starts(const struct line *l, const char *z)
{
	size_t zl = strlen(z);

	return l->len >= zl && memcmp(l->p, z, zl) == 0;
}

/* Where the next BEGIN or END marker starts in p, or NULL. */
static const char *next_marker(const char *p, size_t len)
{
	const char *b = find(p, len, "-----BEGIN ");
	const char *e = find(p, len, "-----END ");

	if (b == NULL || (e != NULL && e < b))
		return e;
	return b;
}

/* Length of the marker at p: up to and including its closing dashes. */
static size_t marker_len(const char *p, size_t len, int *damaged)
{
	size_t kw = p[5] == 'B' ? strlen("-----BEGIN ") : strlen("-----END ");
	const char *d = find(p + kw, len - kw, "-----");
	size_t end;

	if (d == NULL) {
		*damaged = 1;
		return len;
	}
	end = (size_t)(d - p);
	while (end < len && p[end] == '-')
		end++;
	if (end - (size_t)(d - p) != 5)
		*damaged = 1;
	return end;
}

/*
 * Split the input into trimmed lines, noting the damage on each, and cut
 * lines that hold a marker somewhere else than alone on its line (a key
 * pasted into one line, text before a BEGIN line) into pieces.
 */
static int split_lines(const char *in, size_t len, struct lines *ls)
{
	size_t i = 0;
	int r;

	while (i < len) {
		size_t start = i, end, s, e, first = ls->n;
		unsigned fx = 0;

		while (i < len && in[i] != '\n' && in[i] != '\r')
			i++;
		end = i;
		if (i < len && in[i] == '\r') {
			fx |= PEM_FIX_CRLF;
			i++;
		}
		if (i < len && in[i] == '\n')
			i++;
		s = start;
		e = end;
		while (s < e && is_space(in[s]))
			s++;
		while (e > s && is_space(in[e - 1]))
			e--;
		if (s == e) {
			/* a blank line */
			if ((r = lines_add(ls, in + start, 0, fx)) != 0)
				return r;
			continue;
		}
		if (s > start)
			fx |= PEM_FIX_INDENT;
		if (e < end)
			fx |= PEM_FIX_TRAILING_SPACE;
		while (s < e) {
			const char *m = next_marker(in + s, e - s);
			size_t piece, step;
			int damaged = 0;

			if (m == in + s) {
				piece = step = marker_len(in + s, e - s, &damaged);
			} else if (m == NULL) {
				piece = step = e - s;
			} else {
				piece = step = (size_t)(m - (in + s));
				while (piece > 0 && is_space(in[s + piece - 1]))
					piece--;
			}
			if ((r = lines_add(ls, in + s, piece,
					   fx | (damaged ? PEM_FIX_MARKER : 0))) != 0)
				return r;
			s += step;
			while (s < e && is_space(in[s]))
				s++;
		}
		if (ls->n - first > 1)
			for (size_t k = first; k < ls->n; k++)
				ls->v[k].fixes |= PEM_FIX_WRAP;
	}
	return 0;
}

/* The label of a BEGIN (begin=1) or END line, or 0 if the line is neither. */
static int marker_label(const struct line *l, int begin, const char **lab,
			size_t *n)
{
	const char *kw = begin ? "-----BEGIN " : "-----END ";
	size_t kl = strlen(kw), e;

	if (!starts(l, kw))
		return 0;
	e = kl;
	while (e < l->len && l->p[e] != '-')
		e++;
	while (e > kl && is_space(l->p[e - 1]))
		e--;
	*lab = l->p + kl;
	*n = e - kl;
	return 1;
}

static int label_is(const char *lab, size_t n, const char *z)
{
	return n == strlen(z) && memcmp(lab, z, n) == 0;
}

static int label_ends(const char *lab, size_t n, const char *z)
{
	size_t zl = strlen(z);

	return n >= zl && memcmp(lab + n - zl, z, zl) == 0;
}

static enum keytext_label classify_label(const char *lab, size_t n)
{
	if (label_is(lab, n, "PRIVATE KEY"))
		return KEYTEXT_PKCS8;
	if (label_is(lab, n, "ENCRYPTED PRIVATE KEY"))
		return KEYTEXT_PKCS8_ENCRYPTED;
	if (label_is(lab, n, "RSA PRIVATE KEY"))
		return KEYTEXT_RSA;
	if (label_is(lab, n, "EC PRIVATE KEY"))
		return KEYTEXT_EC;
	if (label_is(lab, n, "DSA PRIVATE KEY"))
		return KEYTEXT_DSA;
	if (label_is(lab, n, "OPENSSH PRIVATE KEY"))
		return KEYTEXT_OPENSSH;
	if (label_ends(lab, n, "PRIVATE KEY"))
		return KEYTEXT_OTHER_PRIVATE;
	if (label_ends(lab, n, "PUBLIC KEY"))
		return KEYTEXT_PUBLIC;
	if (label_is(lab, n, "EC PARAMETERS"))
		return KEYTEXT_EC_PARAMETERS;
	return KEYTEXT_OTHER;
}

static int is_private_label(enum keytext_label k)
{
	return k == KEYTEXT_PKCS8 || k == KEYTEXT_PKCS8_ENCRYPTED || k == KEYTEXT_RSA ||
	       k == KEYTEXT_EC || k == KEYTEXT_DSA || k == KEYTEXT_OPENSSH ||
	       k == KEYTEXT_OTHER_PRIVATE;
}

/* "ssh-ed25519 AAAA...", "ecdsa-sha2-nistp256 AAAA...", with or without options before. */
static int is_pubkey_line(const struct line *l)
{
	size_t i = 0;

	while (i < l->len) {
		size_t t = i, tl;

		while (i < l->len && !is_space(l->p[i]))
			i++;
		tl = i - t;
		while (i < l->len && is_space(l->p[i]))
			i++;
		if (((tl > 4 && memcmp(l->p + t, "ssh-", 4) == 0) ||
		     (tl > 6 && memcmp(l->p + t, "ecdsa-", 6) == 0) ||
		     (tl > 3 && memcmp(l->p + t, "sk-", 3) == 0)) &&
		    l->len - i >= 4 && memcmp(l->p + i, "AAAA", 4) == 0)
			return 1;
	}
	return 0;
}

static int is_binary(const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return 1;
	}
	return 0;
}


/* No private key marker anywhere: say what the input is instead. */
static int classify_no_key(const struct lines *ls)
{
	int other = 0;

	for (size_t i = 0; i < ls->n; i++) {
		const struct line *l = &ls->v[i];
		const char *lab;
		size_t n;

		if (starts(l, "PuTTY-User-Key-File-"))
			return PEM_ERR_PUTTY;
		if (starts(l, "---- BEGIN SSH2 PUBLIC KEY") || is_pubkey_line(l))
			return PEM_ERR_PUBLIC_KEY;
		if (marker_label(l, 1, &lab, &n)) {
			if (classify_label(lab, n) == KEYTEXT_PUBLIC)
				return PEM_ERR_PUBLIC_KEY;
			other = 1;
		}
	}
	return other ? PEM_ERR_UNSUPPORTED : PEM_ERR_NO_HEADER;
}

/*
 * The one private key block: its BEGIN line *bi, its END line *ei (with
 * the same label, before any other BEGIN), and its label.
 */
static int find_block(const struct lines *ls, size_t *bi, size_t *ei,
		      enum keytext_label *kind)
{
	const char *lab = NULL, *l;
	size_t labn = 0, nprivate = 0, n;

	for (size_t i = 0; i < ls->n; i++) {
		if (marker_label(&ls->v[i], 1, &l, &n) &&
		    is_private_label(classify_label(l, n)) && nprivate++ == 0) {
			*bi = i;
			lab = l;
			labn = n;
		}
	}
	if (nprivate == 0)
		return classify_no_key(ls);
	if (nprivate > 1)
		return PEM_ERR_MULTIPLE;
	*kind = classify_label(lab, labn);
	for (size_t i = *bi + 1; i < ls->n; i++) {
		if (starts(&ls->v[i], "-----BEGIN "))
			return PEM_ERR_NO_FOOTER;
		if (marker_label(&ls->v[i], 0, &l, &n)) {
			if (n != labn || memcmp(l, lab, labn) != 0)
				return PEM_ERR_NO_FOOTER;
			*ei = i;
			return 0;
		}
	}
	return PEM_ERR_NO_FOOTER;
}

/* Damage on the block's own lines, and what lies around it. */
static unsigned block_fixes(const struct lines *ls, size_t bi, size_t ei)
{
	unsigned fixes = 0;

	for (size_t i = bi; i <= ei; i++)
		fixes |= ls->v[i].fixes;
	for (size_t i = 0; i < ls->n; i++) {
		const char *l;
		size_t n;

		if (i == bi) {
			i = ei;
			continue;
		}
		if (ls->v[i].len == 0) {
			fixes |= PEM_FIX_BLANK_LINES;
			continue;
		}
		if (marker_label(&ls->v[i], 1, &l, &n) &&
		    classify_label(l, n) == KEYTEXT_EC_PARAMETERS) {
			/* harmless: skip through its END line */
			while (i + 1 < ls->n && i + 1 != bi &&
			       !starts(&ls->v[i], "-----END "))
				i++;
			continue;
		}
		fixes |= PEM_FIX_STRAY_TEXT;
	}
	return fixes;
}

/*
 * RFC 1421 headers after the BEGIN line: only the traditional RSA/EC
 * forms have them.  *i: the first line after BEGIN, on return the first
 * line of the body.
 */
static int read_headers(const struct lines *ls, size_t *i, size_t ei,
			struct keytext *kt)
{
	size_t h = *i;

	if (kt->kind != KEYTEXT_RSA && kt->kind != KEYTEXT_EC)
		return 0;
	while (*i < ei && ls->v[*i].len > 0 &&
	       memchr(ls->v[*i].p, ':', ls->v[*i].len) != NULL) {
		if (sbuf_add(&kt->headers, ls->v[*i].p, ls->v[*i].len) != 0 ||
		    sbuf_addch(&kt->headers, '\n') != 0)
			return PEM_ERR_NOMEM;
		if (starts(&ls->v[*i], "Proc-Type:") &&
		    find(ls->v[*i].p, ls->v[*i].len, "ENCRYPTED") != NULL)
			kt->encrypted = 1;
		(*i)++;
	}
	if (*i > h && *i < ei && ls->v[*i].len == 0)
		(*i)++;	/* the blank line that ends the headers */
	return 0;
}

/* The body, lines i..ei-1: base64 in lines of equal length but the last. */
static int read_body(const struct lines *ls, size_t i, size_t ei,
		     struct keytext *kt)
{
	size_t first_tok = 0, prev_tok = 0, ntok = 0;

	for (; i < ei; i++) {
		const struct line *l = &ls->v[i];
		size_t k = 0;

		if (l->len == 0) {
			kt->fixes |= PEM_FIX_BLANK_LINES;
			continue;
		}
		while (k < l->len) {
			size_t t = k;

			while (k < l->len && !is_space(l->p[k]))
				k++;
			if (ntok > 0 && prev_tok != first_tok)
				kt->fixes |= PEM_FIX_WRAP;
			if (ntok == 0)
				first_tok = k - t;
			prev_tok = k - t;
			ntok++;
			if (sbuf_add(&kt->body, l->p + t, k - t) != 0)
				return PEM_ERR_TOO_LARGE;
			if (k < l->len)
				kt->fixes |= PEM_FIX_WRAP;
			while (k < l->len && is_space(l->p[k]))
				k++;
		}
	}
	if (ntok > 0 && prev_tok > first_tok)
		kt->fixes |= PEM_FIX_WRAP;
	return kt->body.len == 0 ? PEM_ERR_CORRUPT : 0;
}

/* Find the one private key block in the lines; collect its headers and body. */
static int read_envelope(const struct lines *ls, struct keytext *kt)
{
	size_t bi = 0, ei = 0, i;
	int r;

	if ((r = find_block(ls, &bi, &ei, &kt->kind)) != 0)
		return r;
	kt->fixes |= block_fixes(ls, bi, ei);
	if (kt->kind == KEYTEXT_DSA)
		return PEM_ERR_DSA;
	if (kt->kind == KEYTEXT_OTHER_PRIVATE)
		return PEM_ERR_UNSUPPORTED;
	i = bi + 1;
	if ((r = read_headers(ls, &i, ei, kt)) != 0)
		return r;
	return read_body(ls, i, ei, kt);
}

/* ---------------------------------------------------------------- entry */

int keytext_read(const char *in, size_t len, struct keytext *kt)
{
	struct lines ls = { NULL, 0, 0 };
	int only_blank = 1, r;

	kt->body.max = PEM_MAX_INPUT;
	if (len > PEM_MAX_INPUT)
		return PEM_ERR_TOO_LARGE;
	if (in == NULL)
		return PEM_ERR_EMPTY;
	if (len >= 3 && memcmp(in, "\xef\xbb\xbf", 3) == 0) {
		kt->fixes |= PEM_FIX_BOM;
		in += 3;
		len -= 3;
	}
	for (size_t i = 0; i < len && only_blank; i++)
		if (in[i] != ' ' && in[i] != '\t' && in[i] != '\n' && in[i] != '\r')
			only_blank = 0;
	if (only_blank)
		return PEM_ERR_EMPTY;
	if (is_binary(in, len))
		return PEM_ERR_BINARY;
	if ((r = split_lines(in, len, &ls)) == 0)
		r = read_envelope(&ls, kt);
	free(ls.v);
	return r;
}

void keytext_free(struct keytext *kt)
{
	if (kt == NULL)
		return;
	sbuf_free(&kt->headers);
	sbuf_free(&kt->body);
}
