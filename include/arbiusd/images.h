/*
 * images.h - read-side SQL of the gallery: pages of solved image tasks by
 * keyset cursor, full-text search over prompts, exact lookups and the
 * detail of one task.
 *
 * What the gallery lists (/gallery, /gallery.atom, /api/v1/images and
 * /api/v1/images.csv all say the same): every task that
 *   - has a solution (an output exists),
 *   - of a model whose template declares an image output
 *     (models.output_type = 'image'; text, video and unknown models are
 *     left out, though /image/<taskid> shows any task),
 *   - that an admin has not hidden (tasks.hidden = 0; hidden tasks are
 *     never shown anywhere, not even by exact lookup),
 *   - and, unless automine is shown, is not automine (tasks.automine: a
 *     bulk submission, or an owner that is a miner, which also covers an
 *     owner that solved the task).
 * Rows are in chain order of the task, (block, log_index): "newest" is the
 * most recently submitted task.  "Most upvoted" orders by tasks.upvotes,
 * then chain order; a text query orders by bm25 relevance unless a chain
 * order is asked for.
 *
 * Functions return 0, 1 for "not found" where that applies, or -1 after
 * logging a database error.  JSON values are new; the caller owns them.
 */
#ifndef ARBIUSD_IMAGES_H
#define ARBIUSD_IMAGES_H

#include <jansson.h>
#include <stdint.h>

#include "arbiusd/buf.h"
#include "arbiusd/cursor.h"
#include "arbiusd/db.h"
#include "arbiusd/util.h"

#define IMAGES_DEFAULT_LIMIT 24   /* cards per page */
#define IMAGES_MAX_LIMIT 100      /* limit= bound */
#define IMAGES_MAX_Q 256          /* bytes of a search query */
#define IMAGES_MAX_TERMS 16       /* words of a search query */
#define IMAGES_HISTORY 50         /* IPFS checks on the detail */

struct images_filter {
    char model[67];               /* lower-case 0x + 64 hex, "" = any */
    char creator[43];             /* lower-case 0x + 40 hex, "" = any */
    char miner[43];               /* lower-case 0x + 40 hex, "" = any */
    int show_automine;            /* 0: automine tasks left out */
    int show_invalid;             /* 0: solutions invalidated by an upheld
                                     contestation left out */
    int64_t from_time;            /* task time >= this; -1 = open */
    int64_t to_time;              /* task time < this; -1 = open */
    enum cursor_sort sort;        /* RELEVANCE only with match */
    const char *match;            /* images_fts_query() text or NULL */
    int has_cursor;
    struct cursor cursor;         /* sort must equal .sort */
    int limit;                    /* 1 .. IMAGES_MAX_LIMIT */
};

struct images_page {
    json_t *items;                /* array of item objects (owned) */
    int has_next, has_prev;
    struct cursor next, prev;     /* valid when has_next / has_prev */
};

/*
 * Builds the FTS5 MATCH expression of a user's query q into out: each
 * whitespace-separated word becomes a quoted string (quotes doubled), so no
 * input is an FTS syntax error; words are ANDed.  Returns 0, or -1 if q has
 * no word or more than IMAGES_MAX_TERMS words.
 */
int images_fts_query(const char *q, struct buf *out) WARN_UNUSED;

/*
 * One page of the gallery for f.  Items:
 *   {id, model, model_title, prompt, creator, miner, fee, time, block,
 *    log_index, tx, solution_time, solution_block, solution_tx, cid,
 *    output_file, image_url, upvotes, automine, ipfs_status}
 * image_url is gateway + cid + the model's output file (null without a
 * valid cid); ipfs_status is the monitor's ipfs_cids.status, "unchecked"
 * when it has no row, "invalid_cid" when the solution's cid is not a CIDv0.
 * On success fills *out (release with images_page_release).
 */
int images_list(struct db *db, const struct images_filter *f,
                const char *gateway,
                struct images_page *out /* OUT */) WARN_UNUSED;
void images_page_release(struct images_page *pg);

/* Image-output models for the filter list: [{id, title}], by title. */
int images_models(struct db *db, json_t **outp /* OUT */) WARN_UNUSED;

/*
 * Exact lookup of q: a task id, a transaction hash (of a task, solution or
 * claim), a solution CID ("Qm...") or an address.  Writes the site path to
 * jump to into out ("/image/<id>", "/miner/<addr>" when the address is in
 * miners, else "/user/<addr>").  Returns IMAGES_FOUND, IMAGES_UNKNOWN if q
 * has such a form but names nothing visible, IMAGES_NOT_A_KEY if q is not
 * of any of these forms, -1 on error.
 */
enum images_found {
    IMAGES_FOUND = 0,     /* the item exists (and is visible) */
    IMAGES_UNKNOWN = 1,   /* well formed, but nothing visible has it */
    IMAGES_NOT_A_KEY = 2, /* not a task id / tx / CID / address */
};

int images_lookup(struct db *db, const char *q, char *out /* OUT */,
                  size_t outsz) WARN_UNUSED;

/*
 * The full detail of task id (0x + 64 hex, any case), as /api/v1/image/<id>
 * and `arbiusd task` show it: the task (id, model, owner, sender, fee,
 * version, prompt, input, input_raw, block, time, tx, log_index, via,
 * bulk_size, automine, input_flags, input_cid, confirmed, solution {...})
 * plus model_info {id, title, output_type, output_file}, upvotes,
 * image_url / output_url, gateways [{name, url}] (one per entry of
 * gateways, then the public ones not configured), ipfs {status, ...,
 * text, history[]}, contestation {status, contester, block, tx, time,
 * yeas, nays} | null, finality {task, solution}, solve_seconds,
 * claim_seconds.  Returns IMAGES_FOUND, IMAGES_UNKNOWN (also when hidden by
 * an admin, unless with_hidden), IMAGES_NOT_A_KEY if id is malformed, -1.
 */
int images_detail(struct db *db, const char *id,
                  const char *const *gateways, size_t ngateways,
                  int with_hidden, json_t **outp /* OUT */) WARN_UNUSED;

#endif
