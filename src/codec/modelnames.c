/*
 * modelnames.c - model id -> name, overrides first (see modelnames.h).
 */
#include "arbiusd/modelnames.h"

#include <strings.h>
#include <string.h>

const struct modelname_row *modelnames_row(const char *id)
{
    size_t i;

    if (!id || strlen(id) != 66)
        return NULL;
    for (i = 0; i < modelnames_table_len; i++)
        if (strcasecmp(modelnames_table[i].id, id) == 0)
            return &modelnames_table[i];
    return NULL;
}

const char *modelnames_builtin(const char *id)
{
    const struct modelname_row *r = modelnames_row(id);

    return r ? r->name : NULL;
}

const char *modelnames_lookup(const char *id, char *const *items, size_t n)
{
    size_t i;

    if (!id || strlen(id) != 66)
        return NULL;
    for (i = 0; i < n; i++)
        if (strncasecmp(items[i], id, 66) == 0 && items[i][66] == '=')
            return items[i] + 67;
    return modelnames_builtin(id);
}
