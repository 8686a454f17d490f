/*
 * list.h - intrusive doubly linked lists: a struct with `prev` and `next`
 * pointers (any two field names) on a list whose first element is *head.
 * Macros, so one definition serves every element type; the caller holds
 * whatever lock guards the list.
 */
#ifndef ARBIUSD_LIST_H
#define ARBIUSD_LIST_H

#include <stddef.h>

/* Puts node first on the list *head (node's links are overwritten). */
#define LIST_PUSH(head, node, prev, next) \
    do {                                  \
        (node)->prev = NULL;              \
        (node)->next = *(head);           \
        if (*(head))                      \
            (*(head))->prev = (node);     \
        *(head) = (node);                 \
    } while (0)

/* Takes node off the list *head (node must be on it). */
#define LIST_UNLINK(head, node, prev, next)    \
    do {                                       \
        if ((node)->prev)                      \
            (node)->prev->next = (node)->next; \
        else                                   \
            *(head) = (node)->next;            \
        if ((node)->next)                      \
            (node)->next->prev = (node)->prev; \
        (node)->prev = (node)->next = NULL;    \
    } while (0)

#endif
