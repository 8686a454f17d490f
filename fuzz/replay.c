/*
 * replay.c - run a libFuzzer target over every file of its corpus without
 * libFuzzer (SQLite's fuzzcheck idea): `make check` builds each
 * fuzz/fuzz_<name>.c against this main and replays fuzz/corpus/<name>/, so a
 * crash found once stays fixed.  Exit 1 if the corpus is missing or empty.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    struct dirent *de;
    DIR *d;
    int n = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    d = opendir(argv[1]);
    if (!d) {
        perror(argv[1]);
        return 1;
    }
    while ((de = readdir(d)) != NULL) {
        char path[4096];
        char *data;
        size_t len;

        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
        if (util_read_file(path, (size_t)16 << 20, &data, &len) != 0) {
            perror(path);
            closedir(d);
            return 1;
        }
        LLVMFuzzerTestOneInput((const uint8_t *)data, len);
        free(data);
        n++;
    }
    closedir(d);
    printf("%s: replayed %d corpus files\n", argv[1], n);
    return n > 0 ? 0 : 1;
}
