/* hearth-domain-info.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-domain-info"

#include "config.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "hearth-core-private.h"

#define LIBOSINFO_NS "http://libosinfo.org/xmlns/libvirt/domain/1.0"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlXPathContext, xmlXPathFreeContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlXPathObject, xmlXPathFreeObject)

void
_hearth_domain_info_free (HearthDomainInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->uuid);
  g_free (info->name);
  g_free (info->title);
  g_free (info->description);
  g_free (info->os_id);
  g_free (info);
}

static xmlDoc *
parse_document (const char *xml,
                GError    **error)
{
  xmlDoc *doc;

  /* No network access and no entity expansion: the XML may come from anyone. */
  doc = xmlReadMemory (xml, strlen (xml), "domain.xml", "UTF-8",
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL || xmlDocGetRootElement (doc) == NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "The domain XML could not be parsed");
      if (doc)
        xmlFreeDoc (doc);
      return NULL;
    }

  return doc;
}

static guint64
scale_to_kib (guint64     value,
              const char *unit)
{
  if (unit == NULL || g_ascii_strcasecmp (unit, "KiB") == 0 || g_ascii_strcasecmp (unit, "k") == 0)
    return value;
  if (g_ascii_strcasecmp (unit, "b") == 0 || g_ascii_strcasecmp (unit, "bytes") == 0)
    return value / 1024;
  if (g_ascii_strcasecmp (unit, "KB") == 0)
    return value * 1000 / 1024;
  if (g_ascii_strcasecmp (unit, "MiB") == 0 || g_ascii_strcasecmp (unit, "M") == 0)
    return value * 1024;
  if (g_ascii_strcasecmp (unit, "MB") == 0)
    return value * 1000 * 1000 / 1024;
  if (g_ascii_strcasecmp (unit, "GiB") == 0 || g_ascii_strcasecmp (unit, "G") == 0)
    return value * 1024 * 1024;
  if (g_ascii_strcasecmp (unit, "GB") == 0)
    return value * 1000 * 1000 * 1000 / 1024;
  if (g_ascii_strcasecmp (unit, "TiB") == 0 || g_ascii_strcasecmp (unit, "T") == 0)
    return value * 1024 * 1024 * 1024;
  return value;
}

static char *
node_text (xmlNode *node)
{
  xmlChar *content = xmlNodeGetContent (node);
  char *ret = NULL;

  if (content != NULL && content[0] != '\0')
    ret = g_strdup ((const char *) content);
  xmlFree (content);
  return ret;
}

static char *
node_attr (xmlNode    *node,
           const char *name)
{
  xmlChar *value = xmlGetNoNsProp (node, (const xmlChar *) name);
  char *ret = NULL;

  if (value != NULL && value[0] != '\0')
    ret = g_strdup ((const char *) value);
  xmlFree (value);
  return ret;
}

static gboolean
is_element (xmlNode    *node,
            const char *name)
{
  return node->type == XML_ELEMENT_NODE && xmlStrEqual (node->name, (const xmlChar *) name);
}

/* The libosinfo OS id in <metadata>: <libosinfo:libosinfo><libosinfo:os id=…/>. */
static char *
find_os_id (xmlNode *metadata)
{
  for (xmlNode *child = metadata->children; child; child = child->next)
    {
      if (!is_element (child, "libosinfo") || child->ns == NULL
          || !xmlStrEqual (child->ns->href, (const xmlChar *) LIBOSINFO_NS))
        continue;
      for (xmlNode *os = child->children; os; os = os->next)
        if (is_element (os, "os") && os->ns != NULL
            && xmlStrEqual (os->ns->href, (const xmlChar *) LIBOSINFO_NS))
          return node_attr (os, "id");
    }
  return NULL;
}

/**
 * _hearth_domain_info_parse_xml:
 *
 * Fills the parts of @info that live in the domain XML: name, uuid, title,
 * description, vCPUs, memory and the libosinfo OS id. Elements Hearth does not know
 * are ignored, so XML written by any other tool parses.
 *
 * This runs for every machine when a connection opens, so it walks the domain's
 * top-level elements once instead of evaluating XPath expressions (which cost
 * five times as much with a thousand machines).
 */
gboolean
_hearth_domain_info_parse_xml (HearthDomainInfo *info,
                               const char       *xml,
                               GError          **error)
{
  g_autoptr(xmlDoc) doc = NULL;
  g_autofree char *vcpus = NULL;
  g_autofree char *memory = NULL;
  g_autofree char *memory_unit = NULL;
  g_autofree char *current = NULL;
  g_autofree char *current_unit = NULL;
  xmlNode *root;

  g_return_val_if_fail (info != NULL, FALSE);
  g_return_val_if_fail (xml != NULL, FALSE);

  if (!(doc = parse_document (xml, error)))
    return FALSE;

  g_clear_pointer (&info->title, g_free);
  g_clear_pointer (&info->description, g_free);
  g_clear_pointer (&info->os_id, g_free);

  root = xmlDocGetRootElement (doc);
  for (xmlNode *node = root->children; node; node = node->next)
    {
      char *value;

      if (node->type != XML_ELEMENT_NODE || node->ns != NULL)
        continue;

      if (is_element (node, "name") && (value = node_text (node)))
        g_free (info->name), info->name = value;
      else if (is_element (node, "uuid") && (value = node_text (node)))
        g_free (info->uuid), info->uuid = value;
      else if (is_element (node, "title") && info->title == NULL)
        info->title = node_text (node);
      else if (is_element (node, "description") && info->description == NULL)
        info->description = node_text (node);
      else if (is_element (node, "metadata") && info->os_id == NULL)
        info->os_id = find_os_id (node);
      else if (is_element (node, "vcpu") && vcpus == NULL)
        {
          /* The current count is the "current" attribute when present, else the value. */
          vcpus = node_attr (node, "current");
          if (vcpus == NULL)
            vcpus = node_text (node);
        }
      else if (is_element (node, "memory") && memory == NULL)
        {
          memory = node_text (node);
          memory_unit = node_attr (node, "unit");
        }
      else if (is_element (node, "currentMemory") && current == NULL)
        {
          current = node_text (node);
          current_unit = node_attr (node, "unit");
        }
    }

  info->vcpus = vcpus ? (guint) g_ascii_strtoull (vcpus, NULL, 10) : 0;
  if (current != NULL)
    info->memory_kib = scale_to_kib (g_ascii_strtoull (current, NULL, 10), current_unit);
  else if (memory != NULL)
    info->memory_kib = scale_to_kib (g_ascii_strtoull (memory, NULL, 10), memory_unit);
  else
    info->memory_kib = 0;

  return TRUE;
}

/**
 * _hearth_domain_info_fetch:
 *
 * Reads everything Hearth shows about @domain. Blocking: worker threads only.
 */
HearthDomainInfo *
_hearth_domain_info_fetch (virDomainPtr domain,
                           GError     **error)
{
  g_autoptr(HearthDomainInfo) info = g_new0 (HearthDomainInfo, 1);
  g_autofree char *xml = NULL;
  char uuid[VIR_UUID_STRING_BUFLEN];
  int autostart = 0;
  int ret;

  if (virDomainGetUUIDString (domain, uuid) < 0)
    {
      _hearth_error_take_libvirt (error, "Could not read the machine's UUID");
      return NULL;
    }
  info->uuid = g_strdup (uuid);
  info->name = g_strdup (virDomainGetName (domain));

  if (virDomainGetState (domain, &info->state, &info->reason, 0) < 0)
    {
      _hearth_error_take_libvirt (error, "Could not read the machine's state");
      return NULL;
    }

  if (!(xml = virDomainGetXMLDesc (domain, 0)))
    {
      _hearth_error_take_libvirt (error, "Could not read the machine's configuration");
      return NULL;
    }
  if (!_hearth_domain_info_parse_xml (info, xml, error))
    return NULL;

  ret = virDomainIsPersistent (domain);
  info->persistent = ret == 1;
  if (info->persistent && virDomainGetAutostart (domain, &autostart) == 0)
    info->autostart = autostart != 0;
  else
    virResetLastError ();

  /* Only an inactive machine can have a managed save image that matters for its state;
   * drivers without managed save (remote read-only, some test set-ups) just say no. */
  if (info->state == VIR_DOMAIN_SHUTOFF)
    {
      ret = virDomainHasManagedSaveImage (domain, 0);
      info->has_managed_save = ret == 1;
      if (ret < 0)
        virResetLastError ();
    }

  return g_steal_pointer (&info);
}

HearthMachineState
_hearth_machine_state_from_libvirt (int      state,
                                    gboolean has_managed_save)
{
  switch (state)
    {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED:
      return HEARTH_MACHINE_STATE_RUNNING;
    case VIR_DOMAIN_PAUSED:
      return HEARTH_MACHINE_STATE_PAUSED;
    case VIR_DOMAIN_SHUTDOWN:
      return HEARTH_MACHINE_STATE_SHUTTING_DOWN;
    case VIR_DOMAIN_SHUTOFF:
      return has_managed_save ? HEARTH_MACHINE_STATE_SAVED : HEARTH_MACHINE_STATE_SHUTOFF;
    case VIR_DOMAIN_CRASHED:
      return HEARTH_MACHINE_STATE_CRASHED;
    case VIR_DOMAIN_PMSUSPENDED:
      return HEARTH_MACHINE_STATE_SUSPENDED;
    case VIR_DOMAIN_NOSTATE:
    default:
      return HEARTH_MACHINE_STATE_UNKNOWN;
    }
}

HearthStateReason
_hearth_state_reason_from_libvirt (int state,
                                   int reason)
{
  switch (state)
    {
    case VIR_DOMAIN_RUNNING:
      switch (reason)
        {
        case VIR_DOMAIN_RUNNING_BOOTED: return HEARTH_STATE_REASON_BOOTED;
        case VIR_DOMAIN_RUNNING_RESTORED: return HEARTH_STATE_REASON_RESTORED;
        case VIR_DOMAIN_RUNNING_UNPAUSED: return HEARTH_STATE_REASON_USER;
        case VIR_DOMAIN_RUNNING_FROM_SNAPSHOT: return HEARTH_STATE_REASON_SNAPSHOT;
        case VIR_DOMAIN_RUNNING_MIGRATED:
        case VIR_DOMAIN_RUNNING_MIGRATION_CANCELED: return HEARTH_STATE_REASON_MIGRATION;
        case VIR_DOMAIN_RUNNING_WAKEUP: return HEARTH_STATE_REASON_WAKEUP;
        default: return HEARTH_STATE_REASON_UNKNOWN;
        }
    case VIR_DOMAIN_PAUSED:
      switch (reason)
        {
        case VIR_DOMAIN_PAUSED_USER: return HEARTH_STATE_REASON_USER;
        case VIR_DOMAIN_PAUSED_IOERROR: return HEARTH_STATE_REASON_IO_ERROR;
        case VIR_DOMAIN_PAUSED_SAVE: return HEARTH_STATE_REASON_SAVED;
        case VIR_DOMAIN_PAUSED_SNAPSHOT:
        case VIR_DOMAIN_PAUSED_FROM_SNAPSHOT: return HEARTH_STATE_REASON_SNAPSHOT;
        case VIR_DOMAIN_PAUSED_MIGRATION:
        case VIR_DOMAIN_PAUSED_POSTCOPY:
        case VIR_DOMAIN_PAUSED_POSTCOPY_FAILED: return HEARTH_STATE_REASON_MIGRATION;
        case VIR_DOMAIN_PAUSED_CRASHED: return HEARTH_STATE_REASON_CRASHED;
        case VIR_DOMAIN_PAUSED_STARTING_UP: return HEARTH_STATE_REASON_STARTING_UP;
        default: return HEARTH_STATE_REASON_UNKNOWN;
        }
    case VIR_DOMAIN_SHUTDOWN:
      return reason == VIR_DOMAIN_SHUTDOWN_USER ? HEARTH_STATE_REASON_USER
                                                : HEARTH_STATE_REASON_UNKNOWN;
    case VIR_DOMAIN_SHUTOFF:
      switch (reason)
        {
        case VIR_DOMAIN_SHUTOFF_SHUTDOWN: return HEARTH_STATE_REASON_GUEST_SHUTDOWN;
        case VIR_DOMAIN_SHUTOFF_DESTROYED: return HEARTH_STATE_REASON_DESTROYED;
        case VIR_DOMAIN_SHUTOFF_CRASHED: return HEARTH_STATE_REASON_CRASHED;
        case VIR_DOMAIN_SHUTOFF_SAVED: return HEARTH_STATE_REASON_SAVED;
        case VIR_DOMAIN_SHUTOFF_FAILED: return HEARTH_STATE_REASON_FAILED;
        case VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT: return HEARTH_STATE_REASON_SNAPSHOT;
        case VIR_DOMAIN_SHUTOFF_MIGRATED: return HEARTH_STATE_REASON_MIGRATION;
        default: return HEARTH_STATE_REASON_UNKNOWN;
        }
    case VIR_DOMAIN_CRASHED:
      return HEARTH_STATE_REASON_CRASHED;
    default:
      return HEARTH_STATE_REASON_UNKNOWN;
    }
}

static char *
node_prop (xmlNode    *node,
           const char *name)
{
  xmlChar *value = xmlGetProp (node, (const xmlChar *) name);
  char *ret = value ? g_strdup ((const char *) value) : NULL;

  xmlFree (value);
  return ret;
}

static xmlNode *
first_child (xmlNode    *node,
             const char *name)
{
  for (xmlNode *child = node->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE && xmlStrEqual (child->name, (const xmlChar *) name))
      return child;
  return NULL;
}

/**
 * _hearth_domain_disks_parse:
 *
 * Lists the disks of a domain XML with their host-side paths. Network disks and
 * empty CD-ROM drives have no path and are left out. Returns a #GPtrArray of
 * #HearthStorageItem (pool membership and sizes are filled in by the caller).
 */
GPtrArray *
_hearth_domain_disks_parse (const char *xml,
                            GError    **error)
{
  g_autoptr(xmlDoc) doc = NULL;
  g_autoptr(xmlXPathContext) ctx = NULL;
  g_autoptr(xmlXPathObject) disks = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_storage_item_free);

  if (!(doc = parse_document (xml, error)))
    return NULL;

  ctx = xmlXPathNewContext (doc);
  disks = xmlXPathEvalExpression ((const xmlChar *) "/domain/devices/disk", ctx);
  if (disks == NULL || disks->nodesetval == NULL)
    return g_steal_pointer (&items);

  for (int i = 0; i < disks->nodesetval->nodeNr; i++)
    {
      xmlNode *disk = disks->nodesetval->nodeTab[i];
      xmlNode *source = first_child (disk, "source");
      xmlNode *target = first_child (disk, "target");
      g_autofree char *path = NULL;
      HearthStorageItem *item;

      if (source == NULL)
        continue;
      if (!(path = node_prop (source, "file")))
        path = node_prop (source, "dev");
      if (path == NULL)
        continue;

      item = g_new0 (HearthStorageItem, 1);
      item->path = g_steal_pointer (&path);
      item->device = node_prop (disk, "device");
      if (item->device == NULL)
        item->device = g_strdup ("disk");
      item->target = target ? node_prop (target, "dev") : NULL;
      item->readonly = first_child (disk, "readonly") != NULL
                       || first_child (disk, "shareable") != NULL;
      g_ptr_array_add (items, item);
    }

  return g_steal_pointer (&items);
}

G_DEFINE_BOXED_TYPE (HearthStorageItem, hearth_storage_item, hearth_storage_item_copy,
                     hearth_storage_item_free)

/**
 * hearth_storage_item_copy:
 * @item: a #HearthStorageItem
 *
 * Returns: (transfer full): a deep copy of @item
 */
HearthStorageItem *
hearth_storage_item_copy (const HearthStorageItem *item)
{
  HearthStorageItem *copy = g_new0 (HearthStorageItem, 1);

  *copy = *item;
  copy->path = g_strdup (item->path);
  copy->target = g_strdup (item->target);
  copy->device = g_strdup (item->device);
  return copy;
}

/**
 * hearth_storage_item_free:
 * @item: (nullable): a #HearthStorageItem
 */
void
hearth_storage_item_free (HearthStorageItem *item)
{
  if (item == NULL)
    return;

  g_free (item->path);
  g_free (item->target);
  g_free (item->device);
  g_free (item);
}
