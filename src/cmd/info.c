/*
 * info.c - `arbiusd config` and `arbiusd version`.
 */
#include "arbiusd/cmd.h"

#include <curl/curl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>

#include "arbiusd/buf.h"
#include "arbiusd/migrate.h"

#ifndef ARBIUSD_VERSION
#define ARBIUSD_VERSION "0.1.0"
#endif

int cmd_version(struct config *cfg, int argc, char **argv)
{
    (void)cfg;
    if (argc > 1)
        return cmd_usage_error("version", "unexpected argument '%s'",
                               argv[1]);
    printf("arbiusd %s (schema %d, sqlite %s, libcurl %s, jansson %s)\n",
           ARBIUSD_VERSION, migrate_latest(), sqlite3_libversion(),
           curl_version_info(CURLVERSION_NOW)->version, JANSSON_VERSION);
    return CMD_EXIT_OK;
}

int cmd_config(struct config *cfg, int argc, char **argv)
{
    struct buf out = BUF_INIT(1 << 20);
    int ret = CMD_EXIT_FAIL;

    if (argc > 1)
        return cmd_usage_error("config", "unexpected argument '%s'", argv[1]);
    if (config_dump(cfg, &out) == 0) {
        fputs(out.data, stdout);
        ret = CMD_EXIT_OK;
    }
    buf_release(&out);
    return ret;
}
