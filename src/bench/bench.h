/* The parts of yizhan-bench, the benchmark program (src/bench/main.c): each
 * takes the arguments after its name and returns the exit code. It links
 * the product's library and measures it from outside; nothing of it is in
 * the server. */
#ifndef YZ_BENCH_BENCH_H
#define YZ_BENCH_BENCH_H

/* index.c: the nearest-station query, index against scan and R*Tree. */
int bench_index(int argc, char **argv);
/* seed_synthetic.c: synthetic stations into a database, through the domain. */
int bench_seed_synthetic(int argc, char **argv);
/* photo.c: a photo upload's normalization, time and peak memory. */
int bench_photo(int argc, char **argv);
/* sheet.c: a ledger written and read as CSV and Excel, time and peak memory. */
int bench_sheet(int argc, char **argv);
/* people.c: the ledger's import, export and counts, and check-ins, on SQLite. */
int bench_people(int argc, char **argv);
/* points.c: a points statement and a region's monthly summary over 1M entries. */
int bench_points(int argc, char **argv);
/* shop.c: redemptions through the HTTP server against bare inserts, and the
 * ledgers' invariants afterwards. */
int bench_shop(int argc, char **argv);

#endif
