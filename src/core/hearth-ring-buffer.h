/* hearth-ring-buffer.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * HearthRingBuffer:
 *
 * A fixed-capacity ring of fixed-size elements. Pushing onto a full ring drops
 * the oldest element, so its memory is bounded however long it is fed. Not
 * thread-safe: the stats code uses it on the main thread only.
 */
typedef struct _HearthRingBuffer HearthRingBuffer;

#define HEARTH_TYPE_RING_BUFFER (hearth_ring_buffer_get_type ())
GType             hearth_ring_buffer_get_type     (void) G_GNUC_CONST;

HearthRingBuffer *hearth_ring_buffer_new          (gsize             element_size,
                                                   guint             capacity);
HearthRingBuffer *hearth_ring_buffer_ref          (HearthRingBuffer *self);
void              hearth_ring_buffer_unref        (HearthRingBuffer *self);

guint             hearth_ring_buffer_get_length   (HearthRingBuffer *self);
guint             hearth_ring_buffer_get_capacity (HearthRingBuffer *self);
gsize             hearth_ring_buffer_get_element_size (HearthRingBuffer *self);
gpointer          hearth_ring_buffer_push         (HearthRingBuffer *self,
                                                   gconstpointer     element);
gpointer          hearth_ring_buffer_get          (HearthRingBuffer *self,
                                                   guint             index);
gpointer          hearth_ring_buffer_peek_last    (HearthRingBuffer *self);
void              hearth_ring_buffer_clear        (HearthRingBuffer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthRingBuffer, hearth_ring_buffer_unref)

G_END_DECLS
