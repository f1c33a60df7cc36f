/* db: the embedded SQLite database behind /orders and /products: schema,
 * deterministic seed data, a cache of read-only connections, and the
 * queries (one indexed JOIN, or the slow_db N+1 pattern without index). */
#ifndef DEMO_DB_H
#define DEMO_DB_H

#include <stdint.h>

#include "buf.h"

#define DB_CUSTOMERS 1000
#define DB_PRODUCTS 1000

/* Open (creating and seeding when needed) the database at path, or in a
 * temporary file removed by db_close() when path is NULL.  0 or -1 with a
 * one-line reason in err. */
int db_open(const char *path, buf_t *err);
void db_close(void);

/* The latest orders of a customer as JSON; the slow variant issues one
 * query per order against unindexed scans (same result).  0 or -1. */
int db_orders_json(int64_t customer_id, int slow, buf_t *out);
/* The price of one product; 0, or -1 when absent or on error. */
int db_product_price(int64_t product_id, int64_t *price_cents);
/* Call fn for every product (one query); 0 or -1. */
int db_each_product(void (*fn)(int64_t id, int64_t price_cents));

/* The SQL statements the calling thread ran since its previous call (a
 * request runs on one thread: its N in "N+1"); resets the count. */
unsigned db_statements_take(void);

#endif
