/* pipeout.c: a stdio stream whose bytes a thread of their own writes to a
 * file descriptor, and hashes (SHA-256, libcrypto) on the way, for
 * `sigtrail export`. The export's own thread formats rows; the kernel's
 * copy of 2.7 GB into the page cache and the manifest's SHA-256 (which read
 * the whole file back once it was written) took a third of an export of
 * 10M rows on that thread, and now run beside it on another core. Memory
 * stays flat: CHUNKS chunks of CHUNK bytes, the stream waiting for the
 * writer when all are full. The first failed write is kept: the stream's
 * later writes fail with its errno (so ferror() tells a full disk early, as
 * a plain file's stream does), and cli_pipe_close() returns it. Exercise
 * with `sigtrail export -o x.csv` and `sha256sum x.csv` against
 * x.csv.manifest.json (tests/cli/manifest.sh).
 * Into a regular file the chunks go with O_DIRECT, from the disk's DMA
 * straight out of them: the kernel's copy of every byte into the page
 * cache, and the writeback of 2.7 GB that the fsync() before the rename
 * (outfile.c) then waited for, were most of an export's system time. The
 * last, partial chunk, and a file system that refuses O_DIRECT (tmpfs), are
 * written the ordinary way. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum {
	CHUNK = 1 << 20, /* bytes handed to the writer at once */
	CHUNKS = 4,      /* chunks in flight at most */
};

struct cli_pipe {
	int fd;                /* where the bytes go (not closed here) */
	bool direct;           /* fd has O_DIRECT, set here: chunks go as they are */
	FILE *f;               /* the stream over it */
	pthread_t thread;      /* the writer */
	pthread_mutex_t lock;  /* guards the fields below it */
	pthread_cond_t cond;   /* a chunk queued or written, or the end */
	char *buf[CHUNKS];     /* the chunks, CHUNK bytes each */
	size_t len[CHUNKS];    /* bytes in each */
	unsigned queued, done; /* chunks handed over and written (ever; mod CHUNKS) */
	bool closing;          /* no more chunks will come */
	int error;             /* errno of the first failed write, or 0 */
	/* The writer's alone: */
	EVP_MD_CTX *md; /* the running SHA-256, NULL: not hashed */
	int64_t bytes;  /* bytes written */
	/* The stream's alone: */
	size_t fill; /* bytes in buf[queued % CHUNKS], not handed over yet */
};

enum { ALIGN = 4096 }; /* O_DIRECT's alignment of buffers, sizes and offsets */

/* Take O_DIRECT off again: for what is not a whole number of blocks. */
static void undirect(struct cli_pipe *p)
{
	int flags = fcntl(p->fd, F_GETFL);

	if (flags >= 0)
		(void)fcntl(p->fd, F_SETFL, flags & ~O_DIRECT);
	p->direct = false;
}

static int write_all(struct cli_pipe *p, const char *b, size_t n)
{
	if (p->direct && n % ALIGN != 0)
		undirect(p);
	while (n > 0) {
		ssize_t w = write(p->fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EINVAL && p->direct) {
			undirect(p); /* refused by the file system: the ordinary way */
			continue;
		}
		if (w < 0)
			return errno;
		b += w;
		n -= (size_t)w;
		if (n > 0 && p->direct)
			undirect(p); /* a short write: the rest is not aligned */
	}
	return 0;
}

static void *writer(void *arg)
{
	struct cli_pipe *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->done == p->queued && !p->closing)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->done == p->queued)
			break;
		unsigned i = p->done % CHUNKS;
		int error = p->error;
		pthread_mutex_unlock(&p->lock);
		/* After a failure the rest is dropped, not written. */
		if (!error && p->md && EVP_DigestUpdate(p->md, p->buf[i], p->len[i]) != 1)
			error = EIO;
		if (!error)
			error = write_all(p, p->buf[i], p->len[i]);
		if (!error)
			p->bytes += (int64_t)p->len[i];
		pthread_mutex_lock(&p->lock);
		if (error && !p->error)
			p->error = error;
		p->done++;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Hand the chunk being filled to the writer, waiting for a free one. */
static int hand_over(struct cli_pipe *p)
{
	int error;

	pthread_mutex_lock(&p->lock);
	p->len[p->queued % CHUNKS] = p->fill;
	p->queued++;
	pthread_cond_broadcast(&p->cond);
	while (p->queued - p->done == CHUNKS)
		pthread_cond_wait(&p->cond, &p->lock);
	error = p->error;
	pthread_mutex_unlock(&p->lock);
	p->fill = 0;
	return error;
}

static ssize_t stream_write(void *cookie, const char *data, size_t size)
{
	struct cli_pipe *p = cookie;
	size_t left = size;

	while (left > 0) {
		size_t n = CHUNK - p->fill < left ? CHUNK - p->fill : left;
		memcpy(p->buf[p->queued % CHUNKS] + p->fill, data, n);
		p->fill += n;
		data += n;
		left -= n;
		int error = p->fill == CHUNK ? hand_over(p) : 0;
		if (error) {
			errno = error;
			return -1;
		}
	}
	return (ssize_t)size;
}

static void free_pipe(struct cli_pipe *p)
{
	for (int i = 0; i < CHUNKS; i++)
		free(p->buf[i]);
	EVP_MD_CTX_free(p->md);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int cli_pipe_open(int fd, bool hash, struct cli_pipe **ret, FILE **ret_f)
{
	struct cli_pipe *p = calloc(1, sizeof(*p));
	struct stat st;
	int r;

	if (!p)
		return -ENOMEM;
	p->fd = fd;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	for (int i = 0; i < CHUNKS; i++)
		if (posix_memalign((void **)&p->buf[i], ALIGN, CHUNK) != 0) {
			p->buf[i] = NULL;
			free_pipe(p);
			return -ENOMEM;
		}
	/* A regular file at an aligned offset (the export's new file: 0). */
	off_t at = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? lseek(fd, 0, SEEK_CUR) : -1;
	int flags = at >= 0 && at % ALIGN == 0 ? fcntl(fd, F_GETFL) : -1;
	p->direct = flags >= 0 && fcntl(fd, F_SETFL, flags | O_DIRECT) == 0;
	if (hash &&
	    (!(p->md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(p->md, EVP_sha256(), NULL) != 1)) {
		free_pipe(p);
		return -EIO;
	}
	if (!(p->f = fopencookie(p, "w", (cookie_io_functions_t){.write = stream_write}))) {
		free_pipe(p);
		return -ENOMEM;
	}
	if ((r = pthread_create(&p->thread, NULL, writer, p)) != 0) {
		fclose(p->f);
		free_pipe(p);
		return -r;
	}
	*ret = p;
	*ret_f = p->f;
	return 0;
}

int cli_pipe_close(struct cli_pipe *p, char ret_hex[65], int64_t *ret_bytes)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	int r = 0;

	if (!p)
		return 0;
	if (fclose(p->f) != 0)
		r = errno ? -errno : -EIO;
	pthread_mutex_lock(&p->lock);
	if (p->fill > 0) {
		p->len[p->queued % CHUNKS] = p->fill;
		p->queued++;
	}
	p->closing = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	if (p->direct)
		undirect(p); /* the fd is the caller's again */
	if (p->error)
		r = -p->error;
	if (r == 0 && p->md && ret_hex) {
		if (EVP_DigestFinal_ex(p->md, md, &md_len) != 1 || md_len != 32)
			r = -EIO;
		for (unsigned int i = 0; r == 0 && i < md_len; i++)
			snprintf(ret_hex + 2 * i, 3, "%02x", md[i]);
	}
	if (r == 0 && ret_bytes)
		*ret_bytes = p->bytes;
	free_pipe(p);
	return r;
}
