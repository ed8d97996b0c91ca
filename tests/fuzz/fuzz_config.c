/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the configuration loader: the input is the JSON text
 * given to tgw_config_load_text (templates, endpoint table, MTUs included),
 * then tgw_config_summary on success and tgw_json_pos on a few paths.
 * No EAL: the loader needs none.
 *
 * Run: build-fuzz/tests/fuzz/fuzz_config -max_total_time=60 tests/fuzz/corpus/config
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__ubsan_default_options(void);

const char *
__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1:suppressions=" TGW_SRC_DIR
	       "/tests/fuzz/ubsan.supp";
}

static const char *const paths[] = {
	"",
	"ports",
	"ports[0]",
	"ports[0].addresses[1]",
	"tunnels[2].remote",
	"routes[1].dev",
	"a.b[3].c",
	"[0]",
	"x[",
	"tunnels[99999999999999999999]",
	"..",
	"a[-1]",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	char err[512], *text = malloc(size + 1);
	int line, col;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	if (tgw_config_load_text("fuzz.json", text, err, sizeof(err)) == 0 && devnull)
		tgw_config_summary(devnull);
	else if (memchr(err, 0, sizeof(err)) == NULL)
		abort(); /* the message must be a terminated string */
	tgw_config_free();
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		tgw_json_pos(text, paths[i], &line, &col);
	free(text);
	return 0;
}
