/* db: embedded SQLite database (see db.h).
 *
 * One file, seeded once (PRAGMA user_version marks it), then read through
 * read-only connections taken from a free list: each connection is used by
 * one thread at a time, so SQLite runs without its own mutexes. */
#include "db.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "metrics.h"
#include "pause.h"

#define SCHEMA_VERSION 1
#define ORDERS 50000
#define ITEMS_PER_ORDER 4
#define ORDERS_SHOWN 20

typedef struct conn {
	struct conn *next;
	sqlite3 *db;
} conn_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local unsigned statements; /* run by this thread, see db_statements_take */
static conn_t *idle;
static buf_t path;
static int temp_file;

/* ---- seeding ---- */

static const char schema[] =
	"DROP TABLE IF EXISTS order_items; DROP TABLE IF EXISTS orders;"
	"DROP TABLE IF EXISTS products; DROP TABLE IF EXISTS customers;"
	"CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
	"CREATE TABLE products(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	" price_cents INTEGER NOT NULL);"
	"CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL,"
	" created INTEGER NOT NULL, total_cents INTEGER NOT NULL);"
	"CREATE TABLE order_items(id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL,"
	" product_id INTEGER NOT NULL, qty INTEGER NOT NULL);"
	"CREATE INDEX orders_by_customer ON orders(customer_id);"
	"CREATE INDEX items_by_order ON order_items(order_id);";

/* Deterministic data, independent of --seed. */
static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static int exec_ins(sqlite3 *db, const char *sql, int rows, int cols,
		    uint32_t *seed, int64_t (*val)(int row, int col, uint32_t *seed))
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = 0;
	for (int r = 1; r <= rows && rc == 0; r++) {
		for (int c = 0; c < cols; c++)
			sqlite3_bind_int64(st, c + 1, val(r, c, seed));
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

static int64_t v_product(int row, int col, uint32_t *seed)
{
	return col == 0 ? row : 199 + (int64_t)(lcg(seed) % 20000);
}

static int64_t v_order(int row, int col, uint32_t *seed)
{
	switch (col) {
	case 0: return row;
	case 1: return 1 + (int64_t)(lcg(seed) % DB_CUSTOMERS);
	case 2: return 1700000000 + (int64_t)row * 60;
	default: return 500 + (int64_t)(lcg(seed) % 50000);
	}
}

static int64_t v_item(int row, int col, uint32_t *seed)
{
	switch (col) {
	case 0: return 1 + (row - 1) / ITEMS_PER_ORDER;
	case 1: return 1 + (int64_t)(lcg(seed) % DB_PRODUCTS);
	default: return 1 + (int64_t)(lcg(seed) % 5);
	}
}

static int seed_db(sqlite3 *db)
{
	uint32_t s = 12345;
	return sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) ||
	       sqlite3_exec(db, schema, NULL, NULL, NULL) ||
	       sqlite3_exec(db,
		       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000)"
		       " INSERT INTO customers SELECT i, 'customer-' || i FROM n",
		       NULL, NULL, NULL) ||
	       exec_ins(db, "INSERT INTO products VALUES(?1, 'product-' || ?1, ?2)",
			DB_PRODUCTS, 2, &s, v_product) ||
	       exec_ins(db, "INSERT INTO orders VALUES(?1, ?2, ?3, ?4)",
			ORDERS, 4, &s, v_order) ||
	       exec_ins(db, "INSERT INTO order_items(order_id, product_id, qty) VALUES(?1, ?2, ?3)",
			ORDERS * ITEMS_PER_ORDER, 3, &s, v_item) ||
	       sqlite3_exec(db, "PRAGMA user_version = 1; COMMIT", NULL, NULL, NULL)
		       ? -1 : 0;
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int make_temp_path(buf_t *err)
{
	const char *dir = getenv("TMPDIR");
	buf_printf(&path, "%s/demo-app-XXXXXX.db", dir && *dir ? dir : "/tmp");
	if (path.oom)
		return -1;
	int fd = mkstemps(path.data, 3);
	if (fd < 0) {
		buf_printf(err, "cannot create a temporary database in %s", dir && *dir ? dir : "/tmp");
		return -1;
	}
	close(fd);
	temp_file = 1;
	return 0;
}

int db_open(const char *p, buf_t *err)
{
	buf_init(&path);
	if (p ? (buf_puts(&path, p), path.oom) : make_temp_path(err)) {
		if (!err->len)
			buf_puts(err, "out of memory");
		return -1;
	}
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path.data, &db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK && user_version(db) != SCHEMA_VERSION &&
	    seed_db(db) != 0)
		rc = SQLITE_ERROR;
	if (rc != SQLITE_OK)
		buf_printf(err, "database %s: %s", path.data,
			   db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_close(db);
	if (rc != SQLITE_OK)
		db_close();
	return rc == SQLITE_OK ? 0 : -1;
}

void db_close(void)
{
	pthread_mutex_lock(&mu);
	conn_t *c = idle;
	idle = NULL;
	pthread_mutex_unlock(&mu);
	while (c) {
		conn_t *next = c->next;
		sqlite3_close(c->db);
		free(c);
		c = next;
	}
	if (temp_file && path.data)
		unlink(path.data);
	temp_file = 0;
	buf_free(&path);
}

/* ---- connections ---- */

static conn_t *conn_get(void)
{
	pthread_mutex_lock(&mu);
	conn_t *c = idle;
	if (c)
		idle = c->next;
	pthread_mutex_unlock(&mu);
	if (c)
		return c;
	c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (sqlite3_open_v2(path.data, &c->db,
			    SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	/* A small page cache each, read through the OS's: a memory map would be
	 * one per connection, and RSS counts the file once per map (20 busy
	 * connections: +130 MB of RSS that is not memory of ours, which a leak
	 * alert reading RSS could not tell from a leak). */
	sqlite3_exec(c->db, "PRAGMA cache_size = -256", NULL, NULL, NULL);
	return c;
}

static void conn_put(conn_t *c)
{
	pthread_mutex_lock(&mu);
	c->next = idle;
	idle = c;
	pthread_mutex_unlock(&mu);
}

/* ---- queries: each statement is counted and timed ---- */

typedef struct {
	sqlite3_stmt *st;
	double start;
} query_t;

static int q_start(query_t *q, sqlite3 *db, const char *sql, int64_t arg)
{
	statements++;
	q->start = pause_now();
	if (sqlite3_prepare_v2(db, sql, -1, &q->st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q->st, 1, arg);
	return 0;
}

static void q_end(query_t *q)
{
	sqlite3_finalize(q->st);
	metrics_db_query(pause_now() - q->start);
}

static const char orders_join[] =
	"SELECT o.id, o.created, o.total_cents, c.name, COUNT(i.id)"
	" FROM orders o JOIN customers c ON c.id = o.customer_id"
	" LEFT JOIN order_items i ON i.order_id = o.id"
	" WHERE o.customer_id = ?1 GROUP BY o.id ORDER BY o.id DESC LIMIT 20";
static const char orders_scan[] =
	"SELECT id, created, total_cents FROM orders NOT INDEXED"
	" WHERE customer_id = ?1 ORDER BY id DESC LIMIT 20";
static const char customer_name[] = "SELECT name FROM customers WHERE id = ?1";
static const char items_scan[] =
	"SELECT COUNT(*) FROM order_items NOT INDEXED WHERE order_id = ?1";

static void order_json(buf_t *out, int first, sqlite3_int64 id,
		       sqlite3_int64 created, sqlite3_int64 total,
		       const unsigned char *name, sqlite3_int64 items)
{
	/* names are generated ("customer-N"): no JSON escaping needed */
	buf_printf(out, "%s{\"id\":%lld,\"created\":%lld,\"total_cents\":%lld,\"customer\":\"%s\",\"items\":%lld}",
		   first ? "" : ",", (long long)id, (long long)created,
		   (long long)total, name ? (const char *)name : "",
		   (long long)items);
}

static int orders_fast(sqlite3 *db, int64_t customer, buf_t *out)
{
	query_t q;
	if (q_start(&q, db, orders_join, customer))
		return -1;
	int n = 0, rc;
	while ((rc = sqlite3_step(q.st)) == SQLITE_ROW)
		order_json(out, n++ == 0, sqlite3_column_int64(q.st, 0),
			   sqlite3_column_int64(q.st, 1),
			   sqlite3_column_int64(q.st, 2),
			   sqlite3_column_text(q.st, 3),
			   sqlite3_column_int64(q.st, 4));
	q_end(&q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int scalar(sqlite3 *db, const char *sql, int64_t arg, buf_t *text,
		  sqlite3_int64 *num)
{
	query_t q;
	if (q_start(&q, db, sql, arg))
		return -1;
	int rc = sqlite3_step(q.st);
	const unsigned char *t = rc == SQLITE_ROW ? sqlite3_column_text(q.st, 0) : NULL;
	if (t && text)
		buf_puts(text, (const char *)t);
	if (rc == SQLITE_ROW && num)
		*num = sqlite3_column_int64(q.st, 0);
	q_end(&q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The N+1 pattern: the order list by a full scan, then per order one
 * query for the customer and one full scan for the item count. */
static int orders_slow(sqlite3 *db, int64_t customer, buf_t *out)
{
	query_t q;
	if (q_start(&q, db, orders_scan, customer))
		return -1;
	int n = 0, rc, err = 0;
	buf_t name;
	buf_init(&name);
	while (!err && (rc = sqlite3_step(q.st)) == SQLITE_ROW) {
		sqlite3_int64 oid = sqlite3_column_int64(q.st, 0), items = 0;
		buf_reset(&name);
		err = scalar(db, customer_name, customer, &name, NULL) ||
		      scalar(db, items_scan, oid, NULL, &items);
		order_json(out, n++ == 0, oid, sqlite3_column_int64(q.st, 1),
			   sqlite3_column_int64(q.st, 2),
			   (const unsigned char *)buf_str(&name), items);
	}
	q_end(&q);
	buf_free(&name);
	return !err && rc == SQLITE_DONE ? 0 : -1;
}

int db_orders_json(int64_t customer_id, int slow, buf_t *out)
{
	conn_t *c = conn_get();
	if (!c)
		return -1;
	buf_printf(out, "{\"customer_id\":%lld,\"orders\":[", (long long)customer_id);
	int rc = slow ? orders_slow(c->db, customer_id, out)
		      : orders_fast(c->db, customer_id, out);
	buf_puts(out, "]}\n");
	conn_put(c);
	return rc || out->oom ? -1 : 0;
}

int db_product_price(int64_t product_id, int64_t *price_cents)
{
	conn_t *c = conn_get();
	if (!c)
		return -1;
	sqlite3_int64 v = -1;
	int rc = scalar(c->db, "SELECT price_cents FROM products WHERE id = ?1",
			product_id, NULL, &v);
	conn_put(c);
	if (rc || v < 0)
		return -1;
	*price_cents = v;
	return 0;
}

int db_each_product(void (*fn)(int64_t id, int64_t price_cents))
{
	conn_t *c = conn_get();
	if (!c)
		return -1;
	query_t q;
	int rc = -1;
	if (q_start(&q, c->db, "SELECT id, price_cents FROM products WHERE id > ?1", 0) == 0) {
		while ((rc = sqlite3_step(q.st)) == SQLITE_ROW)
			fn(sqlite3_column_int64(q.st, 0),
			   sqlite3_column_int64(q.st, 1));
		q_end(&q);
	}
	conn_put(c);
	return rc == SQLITE_DONE ? 0 : -1;
}

unsigned db_statements_take(void)
{
	unsigned n = statements;
	statements = 0;
	return n;
}
