/* sha256.c: the SHA-256 of a file, through libcrypto (OpenSSL's EVP API),
 * for the export manifest (export.c): an auditor checks the exported file
 * against it with `sha256sum FILE`. Only the CLI links libcrypto.
 * Exercise with `sigtrail export -o x.csv` and compare
 * `jq -r .sha256 x.csv.manifest.json` with `sha256sum x.csv`. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

int cli_sha256_file(const char *path, char ret_hex[65], int64_t *ret_bytes)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	int64_t total = 0;
	int r = 0, fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	EVP_MD_CTX *ctx;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (!(ctx = EVP_MD_CTX_new())) {
		close(fd);
		return -ENOMEM;
	}
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		r = -EIO;
	while (r == 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
		} else if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
			r = -EIO;
		} else {
			total += n;
		}
	}
	if (r == 0 && (EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len != 32))
		r = -EIO;
	EVP_MD_CTX_free(ctx);
	close(fd);
	if (r < 0)
		return r;
	for (unsigned int i = 0; i < md_len; i++)
		snprintf(ret_hex + 2 * i, 3, "%02x", md[i]);
	*ret_bytes = total;
	return 0;
}
