/* hearth-ring-buffer.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-stats"

#include "config.h"

#include <string.h>

#include "hearth-ring-buffer.h"

struct _HearthRingBuffer
{
  gatomicrefcount ref_count;
  gsize           element_size;
  guint           capacity;
  guint           start;     /* index of the oldest element */
  guint           length;
  guint8         *data;      /* owned; grows up to capacity elements */
  guint           allocated; /* elements allocated in data */
};

G_DEFINE_BOXED_TYPE (HearthRingBuffer, hearth_ring_buffer, hearth_ring_buffer_ref,
                     hearth_ring_buffer_unref)

/**
 * hearth_ring_buffer_new:
 * @element_size: the size of one element, in bytes
 * @capacity: how many elements the ring keeps at most
 *
 * Storage is allocated as the ring fills (doubling), so a ring that only ever
 * holds a few elements costs little, and never more than @capacity elements.
 *
 * Returns: (transfer full): a new empty ring
 */
HearthRingBuffer *
hearth_ring_buffer_new (gsize element_size,
                        guint capacity)
{
  HearthRingBuffer *self;

  g_return_val_if_fail (element_size > 0, NULL);
  g_return_val_if_fail (capacity > 0, NULL);

  self = g_new0 (HearthRingBuffer, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->element_size = element_size;
  self->capacity = capacity;
  return self;
}

/**
 * hearth_ring_buffer_ref:
 *
 * Returns: (transfer full): @self
 */
HearthRingBuffer *
hearth_ring_buffer_ref (HearthRingBuffer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
hearth_ring_buffer_unref (HearthRingBuffer *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_free (self->data);
      g_free (self);
    }
}

guint
hearth_ring_buffer_get_length (HearthRingBuffer *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->length;
}

guint
hearth_ring_buffer_get_capacity (HearthRingBuffer *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->capacity;
}

gsize
hearth_ring_buffer_get_element_size (HearthRingBuffer *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->element_size;
}

static inline guint8 *
slot (HearthRingBuffer *self,
      guint             physical)
{
  return self->data + (gsize) physical * self->element_size;
}

/**
 * hearth_ring_buffer_push:
 * @element: (nullable): the bytes of the new element, or %NULL for zeros
 *
 * Appends an element, dropping the oldest one when the ring is full.
 *
 * Returns: (transfer none): the stored element, valid until the next push
 */
gpointer
hearth_ring_buffer_push (HearthRingBuffer *self,
                         gconstpointer     element)
{
  guint8 *dest;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->length < self->capacity)
    {
      /* Still filling: the elements are contiguous from index 0 (start stays 0
       * until the ring is full), so growing is a plain realloc. */
      if (self->length == self->allocated)
        {
          self->allocated = MIN (self->capacity, MAX (16, self->allocated * 2));
          self->data = g_realloc_n (self->data, self->allocated, self->element_size);
        }
      dest = slot (self, self->length++);
    }
  else
    {
      dest = slot (self, self->start);
      self->start = (self->start + 1) % self->capacity;
    }

  if (element != NULL)
    memcpy (dest, element, self->element_size);
  else
    memset (dest, 0, self->element_size);
  return dest;
}

/**
 * hearth_ring_buffer_get:
 * @index: 0 for the oldest element, length - 1 for the newest
 *
 * Returns: (transfer none): the element
 */
gpointer
hearth_ring_buffer_get (HearthRingBuffer *self,
                        guint             index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->length, NULL);

  return slot (self, (self->start + index) % self->capacity);
}

/**
 * hearth_ring_buffer_peek_last:
 *
 * Returns: (transfer none) (nullable): the newest element, or %NULL when empty
 */
gpointer
hearth_ring_buffer_peek_last (HearthRingBuffer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->length == 0)
    return NULL;
  return hearth_ring_buffer_get (self, self->length - 1);
}

void
hearth_ring_buffer_clear (HearthRingBuffer *self)
{
  g_return_if_fail (self != NULL);

  self->start = 0;
  self->length = 0;
}
