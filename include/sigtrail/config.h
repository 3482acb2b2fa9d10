/* The daemon's configuration file, /etc/sigtrail/sigtraild.conf: one
 * `key = value` per line, `#` comment lines. The keys, and what each
 * accepts, are the option table's (optable.h). Parsing and applying only:
 * the daemon applies the result before its command-line flags, so a flag
 * always wins. Covered by tests/unit/test_config.c and test_options.c. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sigtrail/optable.h"

enum {
	CONFIG_LINE_MAX = 4096, /* longest line accepted, newline included */
};

/* One option's value as a line of the file set it. */
struct config_entry {
	unsigned line;         /* the line that set it; 0: unset (the default stays) */
	union opt_value value; /* the value; a string points into owned */
	char *owned;           /* the copy of a string value, or NULL */
};

/* Values as the file set them: for each entry of its option table, in its
 * order. */
struct config {
	struct config_entry *set;     /* len entries; NULL: nothing set */
	const struct opt_desc *table; /* the table whose keys it holds (opt_table) */
	size_t len;                   /* its entries */
};

/* A config with every key unset. Can't fail. */
void config_init(struct config *c);

/* Free the strings of `c` and set every key back to unset. Accepts NULL. */
void config_free(struct config *c);

/* The value the file gave `key`, or NULL if it set none (or there is no
 * such key). Valid until config_free(). */
const union opt_value *config_get(const struct config *c, const char *key);

/* Set the arg_* value of every option the file set (opt_store()). The
 * strings stay c's: keep c until the daemon exits. Can't fail. */
void config_apply(const struct config *c);

/* Parse the text of an open file; `name` is used in messages only.
 * On success returns 0 and fills *ret (which the caller later passes to
 * config_free()). On failure returns -EINVAL (bad syntax, unknown key, bad or
 * duplicate value, over-long line, NUL byte), -ENOMEM or a read error's
 * -errno, writes "NAME:LINE: what is wrong" into err and leaves *ret
 * untouched. */
int config_parse_file(FILE *f, const char *name, struct config *ret, char *err, size_t errlen);

/* config_parse_file() for another program's keys: those of `table` (len
 * entries), such as sigtrail forward's forward.conf. The same format, checks
 * and messages. */
int config_parse_file_in(FILE *f, const char *name, const struct opt_desc *table, size_t len,
                         struct config *ret, char *err, size_t errlen);

/* config_load() with the keys of `table`, as config_parse_file_in(). */
int config_load_in(const char *path, const struct opt_desc *table, size_t len, struct config *ret,
                   char *err, size_t errlen);

/* Open `path` and parse it as config_parse_file() does. A missing file is
 * -ENOENT (the caller decides whether that matters: the default path may be
 * absent, an explicit --config may not); err then names the path too. */
int config_load(const char *path, struct config *ret, char *err, size_t errlen);
