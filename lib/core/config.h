/* SPDX-License-Identifier: BSD-3-Clause */
/* The JSON tunnel table: loading, validation, error reporting. */
#ifndef TGW_CONFIG_H
#define TGW_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "tgw.h"

struct tgw_cfg_ctx {
	const char *file; /* base name for messages */
	const char *text; /* the whole file, for line/column of a JSON path */
	char *err;
	size_t errlen;
};

/* Load FILE into tgw. 0 on success; -1 with a one-line message in err. */
int tgw_config_load(const char *file, char *err, size_t errlen);
/* Same, from a string (fuzzing, tests); name is used in messages. */
int tgw_config_load_text(const char *name, const char *text, char *err, size_t errlen);
void tgw_config_free(void);
void tgw_config_summary(FILE *f);

/* Record an error "file:line:col: path: value: reason"; always returns -1. */
int tgw_cfg_err(struct tgw_cfg_ctx *c, const char *path, const json_t *val, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Line and column (1-based) of the value at a JSON path such as "tunnels[2].remote". */
int tgw_json_pos(const char *text, const char *path, int *line, int *col);

/* Field readers: 1 present and valid, 0 absent, -1 error reported. */
int tgw_cfg_keys(struct tgw_cfg_ctx *c, json_t *obj, const char *path,
		 const char *const *allowed, const char *const *allowed2);
int tgw_cfg_int(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key,
		int64_t min, int64_t max, int64_t *out);
int tgw_cfg_int_or(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key,
		   int64_t min, int64_t max, const char *word, int64_t word_val, int64_t *out);
int tgw_cfg_str(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key,
		const char **out);
int tgw_cfg_bool(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key, bool *out);
int tgw_cfg_ip(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key,
	       bool any_ok, struct tgw_ip *out);
/* One of a list of words; *out is the index. */
int tgw_cfg_enum(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key,
		 const char *const *words, int *out);

#endif
