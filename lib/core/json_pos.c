/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Line and column of a value named by a JSON path. jansson keeps no positions
 * for decoded values, so the text is scanned again, skipping what the path
 * does not name. Only called on the error path of the config loader.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

struct scan {
	const char *p, *end;
};

static void
skip_ws(struct scan *s)
{
	while (s->p < s->end && isspace((unsigned char)*s->p))
		s->p++;
}

static int
skip_string(struct scan *s)
{
	if (s->p >= s->end || *s->p != '"')
		return -1;
	for (s->p++; s->p < s->end; s->p++) {
		if (*s->p == '\\')
			s->p++;
		else if (*s->p == '"') {
			s->p++;
			return 0;
		}
	}
	return -1;
}

static int
skip_value(struct scan *s)
{
	int depth = 0;

	skip_ws(s);
	if (s->p >= s->end)
		return -1;
	if (*s->p == '"')
		return skip_string(s);
	if (*s->p != '{' && *s->p != '[') {
		while (s->p < s->end && !strchr(",}] \t\r\n", *s->p))
			s->p++;
		return 0;
	}
	while (s->p < s->end) {
		char ch = *s->p;

		if (ch == '"') {
			if (skip_string(s) < 0)
				return -1;
			continue;
		}
		if (ch == '{' || ch == '[')
			depth++;
		else if (ch == '}' || ch == ']') {
			depth--;
			if (depth == 0) {
				s->p++;
				return 0;
			}
		}
		s->p++;
	}
	return -1;
}

/* Position s at the value of member KEY (len klen) of the object at s->p. */
static int
find_member(struct scan *s, const char *key, size_t klen)
{
	skip_ws(s);
	if (s->p >= s->end || *s->p != '{')
		return -1;
	s->p++;
	for (;;) {
		const char *k;

		skip_ws(s);
		if (s->p >= s->end || *s->p != '"')
			return -1;
		k = s->p + 1;
		if (skip_string(s) < 0)
			return -1;
		skip_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return -1;
		s->p++;
		skip_ws(s);
		if ((size_t)(s->p - k) >= klen + 1 && strncmp(k, key, klen) == 0 && k[klen] == '"')
			return 0;
		if (skip_value(s) < 0)
			return -1;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		return -1;
	}
}

static int
find_index(struct scan *s, long idx)
{
	skip_ws(s);
	if (s->p >= s->end || *s->p != '[')
		return -1;
	s->p++;
	for (long i = 0;; i++) {
		skip_ws(s);
		if (i == idx)
			return 0;
		if (skip_value(s) < 0)
			return -1;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		return -1;
	}
}

int
tgw_json_pos(const char *text, const char *path, int *line, int *col)
{
	struct scan s = {text, text + strlen(text)};
	const char *q = path;

	while (*q) {
		if (*q == '.') {
			q++;
			continue;
		}
		if (*q == '[') {
			char *e;
			long idx = strtol(q + 1, &e, 10);

			if (*e != ']' || find_index(&s, idx) < 0)
				return -1;
			q = e + 1;
			continue;
		}
		size_t klen = strcspn(q, ".[");

		if (find_member(&s, q, klen) < 0)
			return -1;
		q += klen;
	}
	skip_ws(&s);
	*line = 1;
	*col = 1;
	for (const char *p = text; p < s.p; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
	return 0;
}
