/* scan_cmd.c - scanner lifecycle for serve and `arbiusd scan` (in progress). */
#include <stdio.h>

#include "arbiusd/app.h"
#include "arbiusd/log.h"

int app_scanner_start(struct app *app)
{
    (void)app;
    return 0;
}

void app_scanner_stop(struct app *app)
{
    (void)app;
}

int app_cmd_scan(struct app *app, int argc, char **argv)
{
    (void)app;
    (void)argc;
    (void)argv;
    fprintf(stderr, "arbiusd scan: not available yet\n");
    return 1;
}
