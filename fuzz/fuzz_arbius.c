/*
 * fuzz_arbius.c - the protocol decoder on hostile logs and calldata.
 *
 * Input: byte 0 picks the entry point; the rest is its input.
 *   0: a log.  byte 1 = emitting contract (engine/token/router/other),
 *      byte 2 = topic count (0-4), then 32 bytes per topic, then data.
 *   1: submit calldata   2: solution calldata (task = first 32 bytes)
 *   3: registerModel calldata   4: task input bytes   5: view replies
 * Every decoded record is released; nothing may read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/arbius.h"
#include "arbiusd/hex.h"

static const struct arbius_addrs addrs = {
    .engine = { 0xe1 }, .token = { 0x70 }, .router = { 0x20 }, .has_router = 1,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct st_event ev;

    arbius_init();
    if (size < 1)
        return 0;
    switch (data[0] % 6) {
    case 0: {
        struct arbius_log log;
        size_t i, need;

        if (size < 3)
            return 0;
        memset(&log, 0, sizeof(log));
        memcpy(log.address, data[1] % 4 == 0   ? addrs.engine
                            : data[1] % 4 == 1 ? addrs.token
                            : data[1] % 4 == 2 ? addrs.router
                                               : (const uint8_t[20]){ 9 },
               20);
        log.ntopics = data[2] % 5;
        need = 3 + 32 * log.ntopics;
        if (size < need)
            return 0;
        for (i = 0; i < log.ntopics; i++)
            memcpy(log.topics[i], data + 3 + 32 * i, 32);
        log.data = data + need;
        log.data_len = size - need;
        memcpy(log.tx, "0x01", 5);
        if (arbius_decode_log(&log, &addrs, &ev) == 0) {
            if (ev.kind == ST_TASK)
                arbius_task_set_input(&ev.u.task, log.data, log.data_len);
            if (ev.kind == ST_SOLUTION)
                arbius_solution_set_cid(&ev.u.solution, log.data,
                                        log.data_len);
            arbius_link_payouts(&ev, 1);
            st_event_release(&ev);
        }
        break;
    }
    case 1: {
        struct arbius_submit sub;

        /* The input is borrowed from the calldata: it must lie inside it.
         * (This replaced a "last byte is 0xfe" sentinel that the fuzzer
         * reached with a valid call: corpus crash-sentinel-0xfe.) */
        if (arbius_decode_submit(data + 1, size - 1, &sub) == 0 && sub.found &&
            sub.input_len &&
            (sub.input < data + 1 || sub.input + sub.input_len > data + size))
            abort();
        break;
    }
    case 2: {
        char task[ST_HASH_SIZE];
        const uint8_t *cid;
        size_t len;

        if (size < 33 || hex_encode_0x(data + 1, 32, task, sizeof(task)) < 0)
            return 0;
        if (arbius_solution_cid(data + 33, size - 33, task, &cid, &len) == 0 &&
            (cid < data || cid + len > data + size))
            abort(); /* the cid must point into the input */
        break;
    }
    case 3: {
        const uint8_t *t;
        size_t len;
        char a[ST_ADDR_SIZE], f[ST_DEC_SIZE];

        if (arbius_decode_register(data + 1, size - 1, &t, &len, a, f) == 0 &&
            (t < data || t + len > data + size))
            abort();
        break;
    }
    case 4:
        memset(&ev, 0, sizeof(ev));
        ev.kind = ST_TASK;
        arbius_task_set_input(&ev.u.task, data + 1, size - 1);
        st_event_release(&ev);
        break;
    case 5: {
        char owner[ST_ADDR_SIZE];
        const uint8_t *cid;
        size_t len;
        int version;

        (void)arbius_decode_task_view(data + 1, size - 1, owner, &version,
                                      &cid, &len);
        (void)arbius_decode_solution_view(data + 1, size - 1, &cid, &len);
        break;
    }
    }
    return 0;
}
