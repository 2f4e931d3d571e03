/* hearth-metadata.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hearth keeps per-machine settings (sandbox mode, the idle policy, the snapshot
 * schedule) in one element of the domain's <metadata>, in its own namespace:
 *
 *   <hearth:hearth xmlns:hearth="https://hearthvm.org/xmlns/hearth/1">
 *     <hearth:sandbox snapshot="…"/>
 *     <hearth:idle-suspend enabled="yes"/>
 *     <hearth:snapshot-schedule every="daily" keep="7"/>
 *   </hearth:hearth>
 *
 * libvirt only sets the element as a whole, so changing one child is a read,
 * modify, write. Two workers doing that at once for the same machine would lose
 * one of the changes; every writer in this process therefore goes through
 * _hearth_metadata_edit(), which holds a lock per machine (by UUID) across the
 * read and the write. Another process (hearthctl) is not serialised with us.
 *
 * Workers only: everything here blocks on libvirt.
 */

#define G_LOG_DOMAIN "hearth-metadata"

#include "config.h"

#include <string.h>

#include <libxml/parser.h>

#include "hearth-metadata.h"

static GMutex locks_lock;
static GHashTable *locks; /* uuid → GMutex, guarded by locks_lock; never freed */

/* The lock of one machine. Kept for the life of the process: one small mutex per
 * machine ever edited, and no one can hold a freed lock. */
static GMutex *
domain_lock (virDomainPtr domain)
{
  char uuid[VIR_UUID_STRING_BUFLEN] = "";
  GMutex *lock;

  if (virDomainGetUUIDString (domain, uuid) < 0)
    virResetLastError ();

  g_mutex_lock (&locks_lock);
  if (locks == NULL)
    locks = g_hash_table_new (g_str_hash, g_str_equal);
  if (!(lock = g_hash_table_lookup (locks, uuid)))
    {
      lock = g_new0 (GMutex, 1);
      g_mutex_init (lock);
      g_hash_table_insert (locks, g_strdup (uuid), lock);
    }
  g_mutex_unlock (&locks_lock);
  return lock;
}

static void
strip_namespaces (xmlNodePtr node)
{
  /* libvirt gives the element back with its prefix; it wants it without, and
   * puts the namespace back itself. */
  for (; node != NULL; node = node->next)
    {
      if (node->type != XML_ELEMENT_NODE)
        continue;
      node->ns = NULL;
      if (node->nsDef != NULL)
        {
          xmlFreeNsList (node->nsDef);
          node->nsDef = NULL;
        }
      for (xmlAttrPtr attr = node->properties; attr != NULL; attr = attr->next)
        attr->ns = NULL;
      strip_namespaces (node->children);
    }
}

static xmlNodePtr
find_child (xmlNodePtr  parent,
            const char *name)
{
  for (xmlNodePtr node = parent->children; node != NULL; node = node->next)
    if (node->type == XML_ELEMENT_NODE && strcmp ((const char *) node->name, name) == 0)
      return node;
  return NULL;
}

static gboolean
has_element_children (xmlNodePtr parent)
{
  for (xmlNodePtr node = parent->children; node != NULL; node = node->next)
    if (node->type == XML_ELEMENT_NODE)
      return TRUE;
  return FALSE;
}

static xmlDocPtr
read_metadata (virDomainPtr domain,
               unsigned int flags)
{
  char *xml = virDomainGetMetadata (domain, VIR_DOMAIN_METADATA_ELEMENT, HEARTH_METADATA_NS,
                                    flags);
  xmlDocPtr doc;

  if (xml == NULL)
    {
      /* No Hearth metadata is the usual case, not an error. */
      virResetLastError ();
      return NULL;
    }
  doc = xmlReadMemory (xml, strlen (xml), "metadata.xml", NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  free (xml);
  if (doc != NULL && xmlDocGetRootElement (doc) == NULL)
    g_clear_pointer (&doc, xmlFreeDoc);
  if (doc != NULL)
    strip_namespaces (xmlDocGetRootElement (doc));
  return doc;
}

/* Where Hearth's settings live: the persistent definition when there is one. */
static unsigned int
settings_flags (virDomainPtr domain)
{
  int persistent = virDomainIsPersistent (domain);

  if (persistent < 0)
    virResetLastError ();
  return persistent == 1 ? VIR_DOMAIN_AFFECT_CONFIG : VIR_DOMAIN_AFFECT_CURRENT;
}

/**
 * _hearth_metadata_dup_attribute:
 * @element: a child of Hearth's element, such as "sandbox"
 * @attribute: one of its attributes
 *
 * Reads the persistent definition of a persistent machine, as
 * _hearth_metadata_edit() does: Hearth's settings are the machine's, not one
 * run's. A running machine's live definition may lag behind or lack them (one
 * resumed from a save image carries the definition of the moment it was saved).
 *
 * Returns: (transfer full) (nullable): the attribute's value, or %NULL when the
 *   element or the attribute is missing
 */
char *
_hearth_metadata_dup_attribute (virDomainPtr domain,
                                const char  *element,
                                const char  *attribute)
{
  xmlDocPtr doc = read_metadata (domain, settings_flags (domain));
  xmlNodePtr node;
  char *result = NULL;

  if (doc == NULL)
    return NULL;
  if ((node = find_child (xmlDocGetRootElement (doc), element)))
    {
      xmlChar *value = xmlGetProp (node, (const xmlChar *) attribute);

      result = value ? g_strdup ((const char *) value) : NULL;
      xmlFree (value);
    }
  xmlFreeDoc (doc);
  return result;
}

/**
 * _hearth_metadata_has_element:
 *
 * Returns: whether Hearth's element has a child @element
 */
gboolean
_hearth_metadata_has_element (virDomainPtr domain,
                              const char  *element)
{
  xmlDocPtr doc = read_metadata (domain, settings_flags (domain));
  gboolean found;

  if (doc == NULL)
    return FALSE;
  found = find_child (xmlDocGetRootElement (doc), element) != NULL;
  xmlFreeDoc (doc);
  return found;
}

/**
 * _hearth_metadata_edit:
 * @edit: changes Hearth's element in place
 *
 * Reads Hearth's element (from the persistent definition of a persistent
 * machine), lets @edit change it, and writes it back to the persistent and, for a
 * running machine, the live definition; an element left without children is
 * removed. The machine's lock is held throughout, so concurrent edits of
 * different children in this process all survive.
 *
 * Returns: %TRUE if the element was written
 */
gboolean
_hearth_metadata_edit (virDomainPtr           domain,
                       HearthMetadataEditFunc edit,
                       gpointer               user_data,
                       GError               **error)
{
  GMutex *lock = domain_lock (domain);
  gboolean persistent;
  unsigned int flags = 0;
  xmlDocPtr doc;
  xmlNodePtr root;
  int ret;

  g_mutex_lock (lock);

  persistent = virDomainIsPersistent (domain) == 1;
  doc = read_metadata (domain, persistent ? VIR_DOMAIN_AFFECT_CONFIG : VIR_DOMAIN_AFFECT_CURRENT);
  if (doc == NULL)
    {
      doc = xmlNewDoc ((const xmlChar *) "1.0");
      xmlDocSetRootElement (doc, xmlNewNode (NULL, (const xmlChar *) HEARTH_METADATA_PREFIX));
    }
  root = xmlDocGetRootElement (doc);

  if (!edit (root, user_data, error))
    {
      xmlFreeDoc (doc);
      g_mutex_unlock (lock);
      return FALSE;
    }

  if (virDomainIsActive (domain) == 1)
    flags |= VIR_DOMAIN_AFFECT_LIVE;
  if (persistent)
    flags |= VIR_DOMAIN_AFFECT_CONFIG;

  if (!has_element_children (root))
    ret = virDomainSetMetadata (domain, VIR_DOMAIN_METADATA_ELEMENT, NULL, NULL,
                                HEARTH_METADATA_NS, flags);
  else
    {
      xmlBufferPtr buffer = xmlBufferCreate ();

      xmlNodeDump (buffer, doc, root, 0, 0);
      ret = virDomainSetMetadata (domain, VIR_DOMAIN_METADATA_ELEMENT,
                                  (const char *) xmlBufferContent (buffer),
                                  HEARTH_METADATA_PREFIX, HEARTH_METADATA_NS, flags);
      xmlBufferFree (buffer);
    }
  xmlFreeDoc (doc);

  if (ret < 0)
    _hearth_error_take_libvirt (error, "Could not store Hearth's settings of the machine");

  g_mutex_unlock (lock);
  return ret == 0;
}

typedef struct
{
  const char         *element;
  const char * const *attributes;
} SetElement;

static gboolean
set_element (xmlNodePtr root,
             gpointer   user_data,
             GError   **error)
{
  SetElement *set = user_data;
  xmlNodePtr node;

  while ((node = find_child (root, set->element)))
    {
      xmlUnlinkNode (node);
      xmlFreeNode (node);
    }
  if (set->attributes == NULL)
    return TRUE;

  node = xmlNewChild (root, NULL, (const xmlChar *) set->element, NULL);
  for (guint i = 0; set->attributes[i] != NULL && set->attributes[i + 1] != NULL; i += 2)
    xmlSetProp (node, (const xmlChar *) set->attributes[i],
                (const xmlChar *) set->attributes[i + 1]);
  return TRUE;
}

/**
 * _hearth_metadata_set_element:
 * @element: a child of Hearth's element
 * @attributes: (nullable) (array zero-terminated=1): name, value, name, value…;
 *   %NULL removes @element
 *
 * Replaces @element with one carrying @attributes (or removes it), keeping every
 * other child; see _hearth_metadata_edit().
 */
gboolean
_hearth_metadata_set_element (virDomainPtr        domain,
                              const char         *element,
                              const char * const *attributes,
                              GError            **error)
{
  SetElement set = { element, attributes };

  g_return_val_if_fail (element != NULL, FALSE);

  return _hearth_metadata_edit (domain, set_element, &set, error);
}
