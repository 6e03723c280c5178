/* outbox.c: caller-owned action queue with a bump arena for payloads. */
#include "mip6tls/outbox.h"

#include <string.h>

void mip6tls_outbox_init(mip6tls_outbox *ob, mip6tls_action *acts, size_t acts_cap,
                         uint8_t *arena, size_t arena_cap)
{
    ob->acts = acts;
    ob->acts_cap = acts_cap;
    ob->n = 0;
    ob->arena = arena;
    ob->arena_cap = arena_cap;
    ob->used = 0;
}

void mip6tls_outbox_clear(mip6tls_outbox *ob)
{
    ob->n = 0;
    ob->used = 0;
}

mip6tls_outbox_mark_t mip6tls_outbox_mark(const mip6tls_outbox *ob)
{
    mip6tls_outbox_mark_t m;
    m.n = ob->n;
    m.used = ob->used;
    return m;
}

void mip6tls_outbox_rewind(mip6tls_outbox *ob, mip6tls_outbox_mark_t m)
{
    if (m.n <= ob->n && m.used <= ob->used) {
        ob->n = m.n;
        ob->used = m.used;
    }
}

mip6tls_action *mip6tls_outbox_push(mip6tls_outbox *ob, mip6tls_action_type type, size_t len,
                                    uint8_t **data)
{
    size_t start = (ob->used + 7u) & ~(size_t)7u;
    mip6tls_action *a;

    if (ob->n >= ob->acts_cap)
        return NULL;
    if (start < ob->used || start > ob->arena_cap || len > ob->arena_cap - start)
        return NULL;
    a = &ob->acts[ob->n++];
    memset(a, 0, sizeof *a);
    a->type = (uint16_t)type;
    a->len = len;
    a->data = len ? ob->arena + start : NULL;
    ob->used = len ? start + len : ob->used;
    if (data != NULL)
        *data = len ? ob->arena + start : NULL;
    return a;
}

int mip6tls_outbox_room(const mip6tls_outbox *ob, size_t acts, size_t bytes)
{
    size_t start;
    if (ob->n > ob->acts_cap || acts > ob->acts_cap - ob->n)
        return 0;
    if (bytes == 0)
        return 1;
    start = (ob->used + 7u) & ~(size_t)7u;
    return start >= ob->used && start <= ob->arena_cap && bytes <= ob->arena_cap - start;
}

mip6tls_action *mip6tls_outbox_push_ref(mip6tls_outbox *ob, mip6tls_action_type type,
                                        const uint8_t *data, size_t len)
{
    mip6tls_action *a;
    if (ob->n >= ob->acts_cap)
        return NULL;
    a = &ob->acts[ob->n++];
    memset(a, 0, sizeof *a);
    a->type = (uint16_t)type;
    a->data = len ? data : NULL;
    a->len = len;
    return a;
}

void mip6tls_outbox_trim_last(mip6tls_outbox *ob, size_t len)
{
    mip6tls_action *a;
    if (ob->n == 0)
        return;
    a = &ob->acts[ob->n - 1];
    if (len > a->len || a->data == NULL || a->data < ob->arena ||
        a->data >= ob->arena + ob->arena_cap)
        return; /* nothing pushed with arena room, or a reference action */
    ob->used = (size_t)(a->data - ob->arena) + len;
    a->len = len;
    if (len == 0)
        a->data = NULL;
}
