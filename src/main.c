/*
 * main.c - the entry: global options, the configuration, the command.
 *
 * Everything a command does is in src/cmd/ (cmd.h); this file only finds
 * the command, loads the configuration (defaults, file, ARBIUSD_*
 * variables), does the process-wide setup that must precede any thread
 * (logging, curl_global_init, SIGPIPE) and runs it.
 *
 * Exit codes (enum cmd_exit): 0 success, 1 runtime failure, 2 usage
 * error, 3 configuration error, 4 database error.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "arbiusd/cmd.h"
#include "arbiusd/config.h"
#include "arbiusd/log.h"

/* Parses the global options (up to the command name): *config_path, or an
 * exit code >= 0 when the program must stop here (-1: go on). */
static int global_options(int argc, char **argv, const char **config_path)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int ch;

    /* '+' stops at the command name so its options stay its own. */
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            *config_path = optarg;
            break;
        case 'h':
            cmd_usage(stdout);
            return CMD_EXIT_OK;
        default:
            if (optopt == 'c')
                fprintf(stderr, "arbiusd: --config needs a FILE\n");
            else
                fprintf(stderr, "arbiusd: unknown option '%s'\n",
                        argv[optind - 1]);
            cmd_usage(stderr);
            return CMD_EXIT_USAGE;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    const struct command *cmd;
    const char *config_path = NULL;
    struct config cfg;
    char err[1024];
    enum log_level lvl;
    int ret;

    log_init(LOG_LVL_INFO);
    signal(SIGPIPE, SIG_IGN);
    ret = global_options(argc, argv, &config_path);
    if (ret >= 0)
        return ret;
    if (optind >= argc) {
        fprintf(stderr, "arbiusd: missing COMMAND\n");
        cmd_usage(stderr);
        return CMD_EXIT_USAGE;
    }
    cmd = cmd_find(argv[optind]);
    if (!cmd) {
        fprintf(stderr, "arbiusd: unknown command '%s'\n", argv[optind]);
        cmd_usage(stderr);
        return CMD_EXIT_USAGE;
    }
    if (cmd_wants_help(argc - optind, argv + optind))
        return cmd_help(cmd);

    config_init_defaults(&cfg);
    if (config_load(&cfg, config_path, err, sizeof(err)) < 0) {
        fprintf(stderr, "arbiusd: %s\n", err);
        config_release(&cfg);
        return CMD_EXIT_CONFIG;
    }
    if (log_level_parse(cfg.log_level, &lvl) == 0)
        log_init(lvl);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "arbiusd: curl_global_init failed\n");
        config_release(&cfg);
        return CMD_EXIT_FAIL;
    }
    ret = cmd->run(&cfg, argc - optind, argv + optind);
    config_release(&cfg);
    curl_global_cleanup();
    return ret;
}
