/* yizhan-bench: the speed figures of make bench (scripts/bench.sh), a
 * program of its own that links the product's library. A table of parts. */
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"

static const struct part {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} parts[] = {
	{ "index", bench_index, "times the nearest-station query: index, scan and R*Tree" },
	{ "seed-synthetic", bench_seed_synthetic,
	  "adds synthetic stations to a database through station_create (for scripts/bench.sh)" },
	{ "photo", bench_photo, "times a photo upload's normalization against plain re-encoding" },
	{ "sheet", bench_sheet,
	  "times a ledger's export and import as CSV and Excel, and their memory" },
	{ "people", bench_people,
	  "times the people ledger's import, export and counts, and check-ins, on SQLite" },
	{ "points", bench_points,
	  "times a points statement and a region's monthly summary over 1,000,000 entries" },
	{ "shop", bench_shop,
	  "times redemptions through the HTTP server against bare inserts; checks the ledgers" },
};

static void usage(FILE *out)
{
	fputs("usage: yizhan-bench PART [options]   (yizhan-bench PART --help for each)\n\n", out);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		fprintf(out, "  %-15s %s\n", parts[i].name, parts[i].summary);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (!strcmp(argv[1], parts[i].name))
			return parts[i].run(argc - 2, argv + 2);
	fprintf(stderr, "yizhan-bench: unknown part \"%s\" (see yizhan-bench --help)\n", argv[1]);
	return 2;
}
