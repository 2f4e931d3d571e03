/* hearth-machine-devices.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-devices"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "hearth-audit.h"
#include "hearth-connection.h"
#include "hearth-core-private.h"
#include "hearth-error.h"
#include "hearth-machine-devices.h"
#include "hearth-machine.h"
#include "hearth-snapshot-tree.h"

/**
 * HearthMachineDevices:
 *
 * The devices of one machine that connect it to the host: folders shared with
 * virtiofs and USB devices attached for good (host devices in its
 * configuration, not SPICE redirection, which ends with the console).
 *
 * Like #HearthMachineSettings, every change is a read–modify–write of the
 * inactive domain XML with libxml2, so elements Hearth does not manage survive,
 * defined in one validated step; a running machine then gets the device live
 * where QEMU allows it, or on its next start. A USB device is attached live
 * first, so a device the host will not hand over is refused before the
 * configuration changes. The getters return what was last read; main thread only.
 */
struct _HearthMachineDevices
{
  GObject parent_instance;

  HearthMachine *machine;       /* owned */
  struct State  *state;         /* owned, never NULL after loading */
  guint          busy;          /* changes under way */
  HearthSnapshotTree *snapshot_tree; /* owned, or NULL: no snapshot before a change */
  char          *snapshot_reason;
};

G_DEFINE_FINAL_TYPE (HearthMachineDevices, hearth_machine_devices, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (HearthSharedFolder, hearth_shared_folder, hearth_shared_folder_copy,
                     hearth_shared_folder_free)
G_DEFINE_BOXED_TYPE (HearthUsbDevice, hearth_usb_device, hearth_usb_device_copy,
                     hearth_usb_device_free)

typedef struct _virNodeDevice DevicesVirNodeDevice;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DevicesVirNodeDevice, virNodeDeviceFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

enum
{
  PROP_0,
  PROP_MACHINE,
  PROP_RUNNING,
  PROP_BUSY,
  N_PROPS
};

enum
{
  RELOADED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* A virtio-fs mount tag is at most 36 bytes (struct virtio_fs_config). */
#define TAG_MAX 36
/* The Linux Foundation's vendor id: root hubs, which are the host's, not devices. */
#define USB_VENDOR_LINUX_FOUNDATION 0x1d6b

static const char * const default_vhost_user_dirs[] = {
  "/etc/qemu/vhost-user", "/usr/share/qemu/vhost-user", NULL
};
static const char * const default_virtiofsd_paths[] = {
  "/usr/libexec/virtiofsd", "/usr/lib/qemu/virtiofsd", NULL
};

/* What was read in a worker. */
typedef struct State
{
  char                 *config_xml;
  gboolean              active;
  gboolean              persistent;
  gboolean              live_shared_memory;
  gboolean              usb_controller;
  HearthVirtiofsSupport virtiofs;
  char                 *virtiofsd;    /* to name in <binary>, or NULL when libvirt finds it */
  GPtrArray            *folders;      /* HearthSharedFolder */
  GPtrArray            *usb;          /* HearthUsbDevice: the host's and the attached ones */
} State;

typedef enum
{
  CHANGE_RELOAD,
  CHANGE_ADD_FOLDER,
  CHANGE_REMOVE_FOLDER,
  CHANGE_ATTACH_USB,
  CHANGE_DETACH_USB,
} ChangeKind;

typedef struct
{
  virConnectPtr conn;    /* owned reference */
  char         *uri;
  char         *uuid;
  char         *name;
  gboolean      local;
  ChangeKind    kind;
  char         *source;
  char         *tag;
  guint         vendor_id;
  guint         product_id;
} DevicesOp;

typedef struct
{
  State   *state;
  gboolean next_start;
} ChangeResult;

/* Boxed types ---------------------------------------------------------------------- */

/** hearth_shared_folder_copy: Returns: (transfer full): a copy of @folder */
HearthSharedFolder *
hearth_shared_folder_copy (const HearthSharedFolder *folder)
{
  HearthSharedFolder *copy = g_new0 (HearthSharedFolder, 1);

  copy->tag = g_strdup (folder->tag);
  copy->source = g_strdup (folder->source);
  copy->driver = g_strdup (folder->driver);
  copy->readonly = folder->readonly;
  return copy;
}

/** hearth_shared_folder_free: Frees @folder. */
void
hearth_shared_folder_free (HearthSharedFolder *folder)
{
  if (folder == NULL)
    return;
  g_free (folder->tag);
  g_free (folder->source);
  g_free (folder->driver);
  g_free (folder);
}

/** hearth_usb_device_copy: Returns: (transfer full): a copy of @device */
HearthUsbDevice *
hearth_usb_device_copy (const HearthUsbDevice *device)
{
  HearthUsbDevice *copy = g_memdup2 (device, sizeof *device);

  copy->vendor = g_strdup (device->vendor);
  copy->product = g_strdup (device->product);
  copy->node = g_strdup (device->node);
  copy->devnode = g_strdup (device->devnode);
  return copy;
}

/** hearth_usb_device_free: Frees @device. */
void
hearth_usb_device_free (HearthUsbDevice *device)
{
  if (device == NULL)
    return;
  g_free (device->vendor);
  g_free (device->product);
  g_free (device->node);
  g_free (device->devnode);
  g_free (device);
}

static void
state_free (State *state)
{
  if (state == NULL)
    return;
  g_free (state->config_xml);
  g_free (state->virtiofsd);
  g_clear_pointer (&state->folders, g_ptr_array_unref);
  g_clear_pointer (&state->usb, g_ptr_array_unref);
  g_free (state);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (State, state_free)

static void
devices_op_free (DevicesOp *op)
{
  hearth_vir_connect_unref (op->conn);
  g_free (op->uri);
  g_free (op->uuid);
  g_free (op->name);
  g_free (op->source);
  g_free (op->tag);
  g_free (op);
}

static void
change_result_free (ChangeResult *result)
{
  state_free (result->state);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChangeResult, change_result_free)

/* libxml2 helpers -------------------------------------------------------------------- */

static xmlDoc *
parse_domain (const char *xml,
              GError    **error)
{
  xmlDoc *doc = NULL;
  xmlNode *top;

  if (xml != NULL)
    doc = xmlReadMemory (xml, strlen (xml), "domain.xml", "UTF-8",
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  top = doc != NULL ? xmlDocGetRootElement (doc) : NULL;
  if (top == NULL || top->ns != NULL || !xmlStrEqual (top->name, (const xmlChar *) "domain"))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "The machine's configuration is not a libvirt domain document");
      if (doc != NULL)
        xmlFreeDoc (doc);
      xmlResetLastError ();
      return NULL;
    }
  return doc;
}

static char *
dump_doc (xmlDoc *doc)
{
  xmlChar *buffer = NULL;
  int size = 0;
  char *result;

  xmlDocDumpMemoryEnc (doc, &buffer, &size, "UTF-8");
  result = g_strndup ((const char *) buffer, size);
  xmlFree (buffer);
  return result;
}

/* Elements of libvirt's own (unnamespaced) vocabulary only: another tool's
 * <other:filesystem> is not ours to read or remove. */
static gboolean
is_named (xmlNode    *node,
          const char *name)
{
  return node != NULL && node->type == XML_ELEMENT_NODE && node->ns == NULL
         && xmlStrEqual (node->name, (const xmlChar *) name);
}

static xmlNode *
child_named (xmlNode    *parent,
             const char *name)
{
  for (xmlNode *child = parent != NULL ? parent->children : NULL; child; child = child->next)
    if (is_named (child, name))
      return child;
  return NULL;
}

static xmlNode *
last_child_named (xmlNode    *parent,
                  const char *name)
{
  xmlNode *found = NULL;

  for (xmlNode *child = parent != NULL ? parent->children : NULL; child; child = child->next)
    if (is_named (child, name))
      found = child;
  return found;
}

static char *
get_attr (xmlNode    *node,
          const char *name)
{
  xmlChar *value = node != NULL ? xmlGetNoNsProp (node, (const xmlChar *) name) : NULL;
  char *copy = g_strdup ((const char *) value);

  xmlFree (value);
  return copy;
}

static xmlNode *
add_element (xmlNode    *parent,
             const char *name,
             const char *attr,
             const char *value)
{
  xmlNode *node = xmlNewDocNode (parent->doc, NULL, (const xmlChar *) name, NULL);

  if (attr != NULL)
    xmlSetProp (node, (const xmlChar *) attr, (const xmlChar *) value);
  xmlAddChild (parent, node);
  return node;
}

/* The whitespace that starts @node's line, to indent a new sibling alike. */
static char *
line_indent (xmlNode *node)
{
  xmlNode *prev = node->prev;
  xmlChar *text;
  char *result;
  const char *newline;

  if (prev == NULL || prev->type != XML_TEXT_NODE || !xmlIsBlankNode (prev))
    return g_strdup ("\n");
  text = xmlNodeGetContent (prev);
  newline = strrchr ((const char *) text, '\n');
  result = g_strdup (newline != NULL ? newline : (const char *) text);
  xmlFree (text);
  return result;
}

/* Puts @node after @anchor, or last in @parent, on a line of its own. */
static void
place (xmlNode *parent,
       xmlNode *anchor,
       xmlNode *node)
{
  if (anchor == NULL)
    for (xmlNode *child = parent->children; child != NULL; child = child->next)
      if (child->type == XML_ELEMENT_NODE)
        anchor = child;

  if (anchor != NULL)
    {
      g_autofree char *indent = line_indent (anchor);

      xmlAddNextSibling (anchor, node);
      xmlAddPrevSibling (node, xmlNewDocText (parent->doc, (const xmlChar *) indent));
    }
  else
    xmlAddChild (parent, node);
}

/* Removes @node and the indentation before it. */
static void
drop (xmlNode *node)
{
  xmlNode *prev = node->prev;

  if (prev != NULL && prev->type == XML_TEXT_NODE && xmlIsBlankNode (prev))
    {
      xmlUnlinkNode (prev);
      xmlFreeNode (prev);
    }
  xmlUnlinkNode (node);
  xmlFreeNode (node);
}

/* A device element alone, in UTF-8 without a declaration, for
 * virDomainAttachDeviceFlags and friends. */
static char *
dump_element (xmlNode *node)
{
  xmlBuffer *buffer = xmlBufferCreate ();
  xmlSaveCtxt *save = xmlSaveToBuffer (buffer, "UTF-8", XML_SAVE_NO_DECL);
  char *result;

  xmlSaveTree (save, node);
  xmlSaveClose (save);
  result = g_strdup ((const char *) xmlBufferContent (buffer));
  xmlBufferFree (buffer);
  return result;
}

static guint
parse_usb_id (const char *text)
{
  char *end = NULL;
  guint64 value;

  if (text == NULL || *text == '\0')
    return G_MAXUINT;
  value = g_ascii_strtoull (text, &end, 16);
  if (end == text || *end != '\0' || value > 0xffff)
    return G_MAXUINT;
  return (guint) value;
}

static xmlNode *
find_filesystem (xmlNode    *devices,
                 const char *tag)
{
  for (xmlNode *fs = devices != NULL ? devices->children : NULL; fs != NULL; fs = fs->next)
    {
      g_autofree char *dir = NULL;

      if (!is_named (fs, "filesystem"))
        continue;
      dir = get_attr (child_named (fs, "target"), "dir");
      if (g_strcmp0 (dir, tag) == 0)
        return fs;
    }
  return NULL;
}

/* A <hostdev mode='subsystem' type='usb'> naming @vendor_id and @product_id. */
static gboolean
usb_hostdev_ids (xmlNode *hostdev,
                 guint   *vendor_id,
                 guint   *product_id)
{
  g_autofree char *mode = get_attr (hostdev, "mode");
  g_autofree char *type = get_attr (hostdev, "type");
  xmlNode *source = child_named (hostdev, "source");
  g_autofree char *vendor = get_attr (child_named (source, "vendor"), "id");
  g_autofree char *product = get_attr (child_named (source, "product"), "id");

  if (!is_named (hostdev, "hostdev") || g_strcmp0 (mode, "subsystem") != 0
      || g_strcmp0 (type, "usb") != 0)
    return FALSE;
  *vendor_id = parse_usb_id (vendor);
  *product_id = parse_usb_id (product);
  return *vendor_id != G_MAXUINT && *product_id != G_MAXUINT;
}

static xmlNode *
find_usb_hostdev (xmlNode *devices,
                  guint    vendor_id,
                  guint    product_id)
{
  for (xmlNode *node = devices != NULL ? devices->children : NULL; node; node = node->next)
    {
      guint vendor, product;

      if (usb_hostdev_ids (node, &vendor, &product) && vendor == vendor_id
          && product == product_id)
        return node;
    }
  return NULL;
}

static gboolean
has_usb_controller (const char *config_xml)
{
  g_autoptr(xmlDoc) doc = parse_domain (config_xml, NULL);
  xmlNode *devices = doc != NULL ? child_named (xmlDocGetRootElement (doc), "devices") : NULL;

  for (xmlNode *node = devices != NULL ? devices->children : NULL; node; node = node->next)
    {
      g_autofree char *type = get_attr (node, "type");
      g_autofree char *model = get_attr (node, "model");

      if (is_named (node, "controller") && g_strcmp0 (type, "usb") == 0
          && g_strcmp0 (model, "none") == 0)
        return FALSE;
    }
  return doc != NULL;
}

/* Pure XML API ------------------------------------------------------------------------ */

/**
 * hearth_machine_devices_xml_list_folders:
 * @xml: a domain XML document
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type HearthSharedFolder): the machine's
 *   shared folders (every <filesystem> of type "mount", virtiofs or not), or
 *   %NULL when @xml is not a domain
 */
GPtrArray *
hearth_machine_devices_xml_list_folders (const char *xml,
                                         GError    **error)
{
  g_autoptr(xmlDoc) doc = parse_domain (xml, error);
  g_autoptr(GPtrArray) folders = NULL;
  xmlNode *devices;

  if (doc == NULL)
    return NULL;

  folders = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_shared_folder_free);
  devices = child_named (xmlDocGetRootElement (doc), "devices");
  for (xmlNode *fs = devices != NULL ? devices->children : NULL; fs != NULL; fs = fs->next)
    {
      g_autofree char *type = NULL;
      HearthSharedFolder *folder;

      if (!is_named (fs, "filesystem"))
        continue;
      type = get_attr (fs, "type");
      if (type != NULL && strcmp (type, "mount") != 0)
        continue;
      folder = g_new0 (HearthSharedFolder, 1);
      folder->tag = get_attr (child_named (fs, "target"), "dir");
      folder->source = get_attr (child_named (fs, "source"), "dir");
      folder->driver = get_attr (child_named (fs, "driver"), "type");
      folder->readonly = child_named (fs, "readonly") != NULL;
      g_ptr_array_add (folders, folder);
    }
  return g_steal_pointer (&folders);
}

/**
 * hearth_machine_devices_xml_list_usb:
 * @xml: a domain XML document
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type HearthUsbDevice): the USB host devices
 *   the machine names by vendor and product (with @attached set and no names),
 *   or %NULL when @xml is not a domain
 */
GPtrArray *
hearth_machine_devices_xml_list_usb (const char *xml,
                                     GError    **error)
{
  g_autoptr(xmlDoc) doc = parse_domain (xml, error);
  g_autoptr(GPtrArray) usb = NULL;
  xmlNode *devices;

  if (doc == NULL)
    return NULL;

  usb = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_usb_device_free);
  devices = child_named (xmlDocGetRootElement (doc), "devices");
  for (xmlNode *node = devices != NULL ? devices->children : NULL; node; node = node->next)
    {
      guint vendor, product;
      HearthUsbDevice *device;

      if (!usb_hostdev_ids (node, &vendor, &product))
        continue;
      device = g_new0 (HearthUsbDevice, 1);
      device->vendor_id = vendor;
      device->product_id = product;
      device->attached = TRUE;
      g_ptr_array_add (usb, device);
    }
  return g_steal_pointer (&usb);
}

/**
 * hearth_machine_devices_xml_has_shared_memory:
 * @xml: a domain XML document
 *
 * Returns: whether the machine's memory is shared (<memoryBacking><access
 *   mode='shared'/>), which vhost-user devices such as virtiofs need
 */
gboolean
hearth_machine_devices_xml_has_shared_memory (const char *xml)
{
  g_autoptr(xmlDoc) doc = parse_domain (xml, NULL);
  g_autofree char *mode = NULL;

  if (doc == NULL)
    return FALSE;
  mode = get_attr (child_named (child_named (xmlDocGetRootElement (doc), "memoryBacking"),
                                "access"), "mode");
  return g_strcmp0 (mode, "shared") == 0;
}

static gboolean
check_tag (const char *tag,
           GError    **error)
{
  if (tag == NULL || *tag == '\0')
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "A shared folder needs a tag to mount it by");
      return FALSE;
    }
  if (strlen (tag) > TAG_MAX || !g_utf8_validate (tag, -1, NULL))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "The tag “%s” is longer than %u bytes", tag, TAG_MAX);
      return FALSE;
    }
  for (const char *p = tag; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* A space or a comma would break the mount command line and /etc/fstab. */
      if (g_unichar_isspace (c) || g_unichar_iscntrl (c) || c == ',')
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "The tag “%s” has a space, a comma or a control character", tag);
          return FALSE;
        }
    }
  return TRUE;
}

/* Shared memory for vhost-user: <memoryBacking> gets <source type='memfd'/>
 * (unless it has a source or huge pages already) and <access mode='shared'/>;
 * everything else in it stays. */
static void
share_memory (xmlNode *domain)
{
  static const char * const before[] = { "name", "uuid", "genid", "title", "description",
                                         "metadata", "maxMemory", "memory", "currentMemory",
                                         "blkiotune", "memtune", NULL };
  xmlNode *backing = child_named (domain, "memoryBacking");
  xmlNode *access;

  if (backing == NULL)
    {
      xmlNode *anchor = NULL;

      for (guint i = 0; before[i] != NULL; i++)
        if (last_child_named (domain, before[i]) != NULL)
          anchor = last_child_named (domain, before[i]);
      backing = xmlNewDocNode (domain->doc, NULL, (const xmlChar *) "memoryBacking", NULL);
      place (domain, anchor, backing);
    }
  if (child_named (backing, "source") == NULL && child_named (backing, "hugepages") == NULL)
    add_element (backing, "source", "type", "memfd");
  access = child_named (backing, "access");
  if (access == NULL)
    access = add_element (backing, "access", NULL, NULL);
  xmlSetProp (access, (const xmlChar *) "mode", (const xmlChar *) "shared");
}

static xmlNode *
ensure_devices (xmlNode *domain)
{
  xmlNode *devices = child_named (domain, "devices");

  if (devices == NULL)
    {
      devices = xmlNewDocNode (domain->doc, NULL, (const xmlChar *) "devices", NULL);
      place (domain, NULL, devices);
    }
  return devices;
}

/**
 * hearth_machine_devices_xml_add_folder:
 * @xml: a domain XML document
 * @source: the folder to share, an absolute path
 * @tag: the mount tag, or %NULL to make one from the folder's name
 * @virtiofsd: (nullable): the virtiofsd binary to name, or %NULL when libvirt
 *   finds it (through QEMU's vhost-user descriptions)
 * @error: return location for a #GError
 *
 * Adds a virtiofs <filesystem> and the shared memory it needs. Refuses a
 * relative path (%HEARTH_ERROR_INVALID_ARGUMENT), a bad tag
 * (%HEARTH_ERROR_INVALID_ARGUMENT), a tag another share has or a folder shared
 * already (%HEARTH_ERROR_NAME_TAKEN). Whether the folder exists is for the
 * caller to check: the XML may be for another computer.
 *
 * Returns: (transfer full): the new document, or %NULL
 */
char *
hearth_machine_devices_xml_add_folder (const char *xml,
                                       const char *source,
                                       const char *tag,
                                       const char *virtiofsd,
                                       GError    **error)
{
  g_autoptr(xmlDoc) doc = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  g_autofree char *path = NULL;
  g_autofree char *own_tag = NULL;
  xmlNode *domain, *devices, *fs, *anchor;

  if (source == NULL || !g_path_is_absolute (source))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "A shared folder needs an absolute path, not “%s”",
                   source != NULL ? source : "");
      return NULL;
    }
  path = g_canonicalize_filename (source, NULL);
  if (!(folders = hearth_machine_devices_xml_list_folders (xml, error)))
    return NULL;
  if (tag == NULL)
    tag = own_tag = hearth_machine_devices_suggest_tag (path, folders);
  if (!check_tag (tag, error))
    return NULL;

  for (guint i = 0; i < folders->len; i++)
    {
      HearthSharedFolder *folder = g_ptr_array_index (folders, i);

      if (g_strcmp0 (folder->tag, tag) == 0)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN,
                       "The tag “%s” is taken by the shared folder “%s”", tag,
                       folder->source != NULL ? folder->source : "");
          return NULL;
        }
      if (g_strcmp0 (folder->source, path) == 0)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN,
                       "The folder “%s” is shared already, as “%s”", path, folder->tag);
          return NULL;
        }
    }

  doc = parse_domain (xml, error);
  domain = xmlDocGetRootElement (doc);
  share_memory (domain);
  devices = ensure_devices (domain);

  fs = xmlNewDocNode (doc, NULL, (const xmlChar *) "filesystem", NULL);
  xmlSetProp (fs, (const xmlChar *) "type", (const xmlChar *) "mount");
  xmlSetProp (fs, (const xmlChar *) "accessmode", (const xmlChar *) "passthrough");
  add_element (fs, "driver", "type", "virtiofs");
  if (virtiofsd != NULL)
    add_element (fs, "binary", "path", virtiofsd);
  add_element (fs, "source", "dir", path);
  add_element (fs, "target", "dir", tag);

  anchor = last_child_named (devices, "filesystem");
  if (anchor == NULL)
    anchor = last_child_named (devices, "disk");
  place (devices, anchor, fs);
  return dump_doc (doc);
}

/**
 * hearth_machine_devices_xml_remove_folder:
 * @xml: a domain XML document
 * @tag: the tag of the share to remove
 * @error: return location for a #GError
 *
 * Removes the share. The shared memory stays: other devices may need it, and it
 * costs nothing.
 *
 * Returns: (transfer full): the new document, or %NULL (%HEARTH_ERROR_NOT_FOUND
 *   when no share has @tag)
 */
char *
hearth_machine_devices_xml_remove_folder (const char *xml,
                                          const char *tag,
                                          GError    **error)
{
  g_autoptr(xmlDoc) doc = parse_domain (xml, error);
  xmlNode *fs;

  if (doc == NULL)
    return NULL;
  fs = find_filesystem (child_named (xmlDocGetRootElement (doc), "devices"), tag);
  if (fs == NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND,
                   "The machine has no shared folder “%s”", tag != NULL ? tag : "");
      return NULL;
    }
  drop (fs);
  return dump_doc (doc);
}

/**
 * hearth_machine_devices_xml_dup_folder_device:
 *
 * Returns: (transfer full) (nullable): the <filesystem> element with @tag alone
 */
char *
hearth_machine_devices_xml_dup_folder_device (const char *xml,
                                              const char *tag)
{
  g_autoptr(xmlDoc) doc = parse_domain (xml, NULL);
  xmlNode *fs;

  if (doc == NULL)
    return NULL;
  fs = find_filesystem (child_named (xmlDocGetRootElement (doc), "devices"), tag);
  return fs != NULL ? dump_element (fs) : NULL;
}

/**
 * hearth_machine_devices_xml_add_usb:
 * @xml: a domain XML document
 * @vendor_id: the USB vendor id
 * @product_id: the USB product id
 * @error: return location for a #GError
 *
 * Adds a USB host device, named by vendor and product so it follows the device
 * from port to port, with startupPolicy "optional": the machine still starts
 * when the device is unplugged. Refuses a device the machine has already
 * (%HEARTH_ERROR_NAME_TAKEN) and a machine without USB (%HEARTH_ERROR_UNSUPPORTED).
 *
 * Returns: (transfer full): the new document, or %NULL
 */
char *
hearth_machine_devices_xml_add_usb (const char *xml,
                                    guint       vendor_id,
                                    guint       product_id,
                                    GError    **error)
{
  g_autoptr(xmlDoc) doc = parse_domain (xml, error);
  g_autofree char *vendor = NULL;
  g_autofree char *product = NULL;
  xmlNode *devices, *hostdev, *source;

  if (doc == NULL)
    return NULL;
  if (vendor_id > 0xffff || product_id > 0xffff)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "USB ids are 16-bit numbers");
      return NULL;
    }

  devices = ensure_devices (xmlDocGetRootElement (doc));
  if (find_usb_hostdev (devices, vendor_id, product_id) != NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN,
                   "The USB device %04x:%04x is attached to the machine already", vendor_id,
                   product_id);
      return NULL;
    }
  if (!has_usb_controller (xml))
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                       "The machine has no USB controller (its model is “none”)");
          return NULL;
        }

  vendor = g_strdup_printf ("0x%04x", vendor_id);
  product = g_strdup_printf ("0x%04x", product_id);
  hostdev = xmlNewDocNode (doc, NULL, (const xmlChar *) "hostdev", NULL);
  xmlSetProp (hostdev, (const xmlChar *) "mode", (const xmlChar *) "subsystem");
  xmlSetProp (hostdev, (const xmlChar *) "type", (const xmlChar *) "usb");
  source = add_element (hostdev, "source", "startupPolicy", "optional");
  add_element (source, "vendor", "id", vendor);
  add_element (source, "product", "id", product);
  place (devices, last_child_named (devices, "hostdev"), hostdev);
  return dump_doc (doc);
}

/**
 * hearth_machine_devices_xml_remove_usb:
 *
 * Removes the USB host device @vendor_id:@product_id.
 *
 * Returns: (transfer full): the new document, or %NULL (%HEARTH_ERROR_NOT_FOUND
 *   when the machine does not have it)
 */
char *
hearth_machine_devices_xml_remove_usb (const char *xml,
                                       guint       vendor_id,
                                       guint       product_id,
                                       GError    **error)
{
  g_autoptr(xmlDoc) doc = parse_domain (xml, error);
  xmlNode *hostdev;

  if (doc == NULL)
    return NULL;
  hostdev = find_usb_hostdev (child_named (xmlDocGetRootElement (doc), "devices"), vendor_id,
                              product_id);
  if (hostdev == NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND,
                   "The USB device %04x:%04x is not attached to the machine", vendor_id,
                   product_id);
      return NULL;
    }
  drop (hostdev);
  return dump_doc (doc);
}

/**
 * hearth_machine_devices_xml_dup_usb_device:
 *
 * Returns: (transfer full) (nullable): the <hostdev> of @vendor_id:@product_id alone
 */
char *
hearth_machine_devices_xml_dup_usb_device (const char *xml,
                                           guint       vendor_id,
                                           guint       product_id)
{
  g_autoptr(xmlDoc) doc = parse_domain (xml, NULL);
  xmlNode *hostdev;

  if (doc == NULL)
    return NULL;
  hostdev = find_usb_hostdev (child_named (xmlDocGetRootElement (doc), "devices"), vendor_id,
                              product_id);
  return hostdev != NULL ? dump_element (hostdev) : NULL;
}

/**
 * hearth_machine_devices_suggest_tag:
 * @source: the folder
 * @folders: (nullable) (element-type HearthSharedFolder): the shares there are
 *
 * A tag from the folder's name that is easy to type in the guest: ASCII letters,
 * digits, '.', '-' and '_', at most 36 bytes, unlike the tags in @folders.
 *
 * Returns: (transfer full): the tag
 */
char *
hearth_machine_devices_suggest_tag (const char *source,
                                    GPtrArray  *folders)
{
  g_autofree char *base = g_path_get_basename (source != NULL ? source : "");
  g_autoptr(GString) tag = g_string_new (NULL);

  for (const char *p = base; *p != '\0' && tag->len < TAG_MAX - 3; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '.' || *p == '-' || *p == '_')
        g_string_append_c (tag, *p);
      else if (tag->len > 0 && tag->str[tag->len - 1] != '_')
        g_string_append_c (tag, '_');
    }
  while (tag->len > 0 && (tag->str[tag->len - 1] == '_' || tag->str[tag->len - 1] == '.'))
    g_string_truncate (tag, tag->len - 1);
  if (tag->len == 0 || strcmp (tag->str, ".") == 0)
    g_string_assign (tag, "share");

  for (guint n = 1;; n++)
    {
      g_autofree char *candidate = n == 1 ? g_strdup (tag->str)
                                          : g_strdup_printf ("%s-%u", tag->str, n);
      gboolean taken = FALSE;

      for (guint i = 0; folders != NULL && i < folders->len; i++)
        {
          HearthSharedFolder *folder = g_ptr_array_index (folders, i);

          taken |= g_strcmp0 (folder->tag, candidate) == 0;
        }
      if (!taken)
        return g_steal_pointer (&candidate);
    }
}

/**
 * hearth_machine_devices_parse_node_device:
 * @xml: a libvirt node device document
 *
 * Returns: (transfer full) (nullable): the USB device it describes, or %NULL
 *   when it is not a USB device
 */
HearthUsbDevice *
hearth_machine_devices_parse_node_device (const char *xml)
{
  g_autoptr(xmlDoc) doc = NULL;
  g_autoptr(HearthUsbDevice) device = NULL;
  xmlNode *top, *cap = NULL, *vendor, *product;
  xmlChar *text;

  if (xml == NULL)
    return NULL;
  doc = xmlReadMemory (xml, strlen (xml), "nodedev.xml", "UTF-8",
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  top = doc != NULL ? xmlDocGetRootElement (doc) : NULL;
  if (!is_named (top, "device"))
    return NULL;
  for (xmlNode *node = top->children; node != NULL; node = node->next)
    {
      g_autofree char *type = get_attr (node, "type");

      if (is_named (node, "capability") && g_strcmp0 (type, "usb_device") == 0)
        cap = node;
    }
  vendor = child_named (cap, "vendor");
  product = child_named (cap, "product");
  if (cap == NULL || vendor == NULL || product == NULL)
    return NULL;

  device = g_new0 (HearthUsbDevice, 1);
  {
    g_autofree char *vid = get_attr (vendor, "id");
    g_autofree char *pid = get_attr (product, "id");

    device->vendor_id = parse_usb_id (vid);
    device->product_id = parse_usb_id (pid);
  }
  if (device->vendor_id == G_MAXUINT || device->product_id == G_MAXUINT)
    return NULL;

  text = xmlNodeGetContent (vendor);
  device->vendor = text != NULL && *text ? g_strstrip (g_strdup ((const char *) text)) : NULL;
  xmlFree (text);
  text = xmlNodeGetContent (product);
  device->product = text != NULL && *text ? g_strstrip (g_strdup ((const char *) text)) : NULL;
  xmlFree (text);
  text = xmlNodeGetContent (child_named (top, "name"));
  device->node = g_strdup ((const char *) text);
  xmlFree (text);
  text = xmlNodeGetContent (child_named (top, "devnode"));
  device->devnode = text != NULL && *text ? g_strdup ((const char *) text) : NULL;
  xmlFree (text);
  return g_steal_pointer (&device);
}

/**
 * hearth_machine_devices_virtiofs_from_caps:
 * @domain_caps_xml: libvirt's domain capabilities
 *
 * Returns: %HEARTH_VIRTIOFS_AVAILABLE when the capabilities list the filesystem
 *   driver type "virtiofs", else %HEARTH_VIRTIOFS_NO_DRIVER
 */
HearthVirtiofsSupport
hearth_machine_devices_virtiofs_from_caps (const char *domain_caps_xml)
{
  g_autoptr(xmlDoc) doc = NULL;
  xmlNode *fs;
  g_autofree char *supported = NULL;

  if (domain_caps_xml == NULL)
    return HEARTH_VIRTIOFS_NO_DRIVER;
  doc = xmlReadMemory (domain_caps_xml, strlen (domain_caps_xml), "domcaps.xml", "UTF-8",
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  fs = doc != NULL ? child_named (child_named (xmlDocGetRootElement (doc), "devices"),
                                  "filesystem") : NULL;
  supported = get_attr (fs, "supported");
  if (fs == NULL || g_strcmp0 (supported, "yes") != 0)
    return HEARTH_VIRTIOFS_NO_DRIVER;

  for (xmlNode *e = fs->children; e != NULL; e = e->next)
    {
      g_autofree char *name = get_attr (e, "name");

      if (!is_named (e, "enum") || g_strcmp0 (name, "driverType") != 0)
        continue;
      for (xmlNode *value = e->children; value != NULL; value = value->next)
        {
          xmlChar *text;
          gboolean found;

          if (!is_named (value, "value"))
            continue;
          text = xmlNodeGetContent (value);
          found = g_strcmp0 ((const char *) text, "virtiofs") == 0;
          xmlFree (text);
          if (found)
            return HEARTH_VIRTIOFS_AVAILABLE;
        }
    }
  return HEARTH_VIRTIOFS_NO_DRIVER;
}

/**
 * hearth_machine_devices_find_virtiofsd:
 * @vhost_user_dirs: directories of QEMU's vhost-user descriptions (JSON files
 *   of type "fs" naming a binary), searched in order as libvirt does
 * @fallback_paths: (nullable): binaries to look for when no description names one
 *
 * Returns: (transfer full) (nullable): "" when a vhost-user description names
 *   an executable virtiofsd (libvirt finds it then), else the first executable
 *   of @fallback_paths, or %NULL when there is no virtiofsd
 */
char *
hearth_machine_devices_find_virtiofsd (const char * const *vhost_user_dirs,
                                       const char * const *fallback_paths)
{
  for (guint i = 0; vhost_user_dirs != NULL && vhost_user_dirs[i] != NULL; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (vhost_user_dirs[i], 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".json"))
          g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);

      for (guint j = 0; j < names->len; j++)
        {
          g_autofree char *path = g_build_filename (vhost_user_dirs[i],
                                                    g_ptr_array_index (names, j), NULL);
          g_autoptr(JsonParser) parser = json_parser_new ();
          JsonNode *root;
          JsonObject *object;
          const char *type, *binary;

          if (!json_parser_load_from_file (parser, path, NULL)
              || !(root = json_parser_get_root (parser)) || !JSON_NODE_HOLDS_OBJECT (root))
            continue;
          object = json_node_get_object (root);
          type = json_object_get_string_member_with_default (object, "type", NULL);
          binary = json_object_get_string_member_with_default (object, "binary", NULL);
          if (g_strcmp0 (type, "fs") == 0 && binary != NULL
              && g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE))
            return g_strdup ("");
        }
    }
  for (guint i = 0; fallback_paths != NULL && fallback_paths[i] != NULL; i++)
    if (g_file_test (fallback_paths[i], G_FILE_TEST_IS_EXECUTABLE))
      return g_strdup (fallback_paths[i]);
  return NULL;
}

/* Worker side ------------------------------------------------------------------------- */

static void
audit (DevicesOp    *op,
       const char   *operation,
       const GError *error,
       gint64        begin)
{
  hearth_audit_record (op->uri, op->name, op->uuid, operation, error, hearth_now_usec () - begin);
}

/* Whether the machine can have a virtiofs share, asked of libvirt's domain
 * capabilities for its emulator, architecture, machine type and domain type. */
static HearthVirtiofsSupport
fetch_virtiofs_support (DevicesOp  *op,
                        const char *config_xml,
                        char      **out_virtiofsd)
{
  g_autoptr(xmlDoc) doc = parse_domain (config_xml, NULL);
  xmlNode *domain = doc != NULL ? xmlDocGetRootElement (doc) : NULL;
  xmlNode *os_type = child_named (child_named (domain, "os"), "type");
  xmlNode *emulator_node = child_named (child_named (domain, "devices"), "emulator");
  g_autofree char *virt_type = get_attr (domain, "type");
  g_autofree char *arch = get_attr (os_type, "arch");
  g_autofree char *machine = get_attr (os_type, "machine");
  g_autofree char *emulator = NULL;
  g_autofree char *virtiofsd = NULL;
  g_autofree char *caps = NULL;
  const char *driver = virConnectGetType (op->conn);
  unsigned long version = 0;
  HearthVirtiofsSupport support;

  /* The test driver runs nothing: every device is "available" there. */
  if (driver != NULL && g_ascii_strcasecmp (driver, "test") == 0)
    return HEARTH_VIRTIOFS_AVAILABLE;

  if (emulator_node != NULL)
    {
      xmlChar *text = xmlNodeGetContent (emulator_node);

      emulator = g_strstrip (g_strdup ((const char *) text));
      xmlFree (text);
    }
  caps = virConnectGetDomainCapabilities (op->conn, emulator, arch, machine, virt_type, 0);
  if (caps == NULL)
    {
      g_debug ("No domain capabilities: %s", virGetLastErrorMessage ());
      virResetLastError ();
    }
  support = hearth_machine_devices_virtiofs_from_caps (caps);
  if (support != HEARTH_VIRTIOFS_AVAILABLE)
    return support;

  /* libvirt 9 refuses virtiofs for unprivileged QEMU drivers ("not yet
   * supported in session mode"); 10.0 runs virtiofsd in a user namespace. */
  if (virConnectGetLibVersion (op->conn, &version) < 0)
    virResetLastError ();
  if (version < 10000000 && op->uri != NULL
      && (strstr (op->uri, ":///session") != NULL
          || (strstr (op->uri, ":///embed") != NULL && geteuid () != 0)))
    return HEARTH_VIRTIOFS_SESSION;

  /* The daemon runs on the host: only a local one can be looked for. */
  if (op->local)
    {
      if (!(virtiofsd = hearth_machine_devices_find_virtiofsd (default_vhost_user_dirs,
                                                               default_virtiofsd_paths)))
        return HEARTH_VIRTIOFS_NO_DAEMON;
      if (*virtiofsd != '\0')
        *out_virtiofsd = g_steal_pointer (&virtiofsd);
    }
  return HEARTH_VIRTIOFS_AVAILABLE;
}

static int
compare_usb (gconstpointer a,
             gconstpointer b)
{
  const HearthUsbDevice *x = *(HearthUsbDevice **) a;
  const HearthUsbDevice *y = *(HearthUsbDevice **) b;
  int by_name = g_strcmp0 (x->product, y->product);

  if (by_name != 0)
    return by_name;
  return (int) ((x->vendor_id << 16 | x->product_id) - (y->vendor_id << 16 | y->product_id));
}

/* The host's USB devices (without root hubs) merged with the machine's: one
 * entry each, the machine's marked attached, a missing one without @node. */
static GPtrArray *
fetch_usb (DevicesOp  *op,
           const char *config_xml)
{
  g_autoptr(GPtrArray) usb = hearth_machine_devices_xml_list_usb (config_xml, NULL);
  virNodeDevicePtr *nodes = NULL;
  int n;

  if (usb == NULL)
    usb = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_usb_device_free);

  n = virConnectListAllNodeDevices (op->conn, &nodes, VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_DEV);
  if (n < 0)
    {
      /* A remote user may not list the host's devices; attached ones still show. */
      g_debug ("Cannot list the host's USB devices: %s", virGetLastErrorMessage ());
      virResetLastError ();
      n = 0;
    }
  for (int i = 0; i < n; i++)
    {
      g_autoptr(DevicesVirNodeDevice) node = nodes[i];
      g_autofree char *xml = virNodeDeviceGetXMLDesc (node, 0);
      g_autoptr(HearthUsbDevice) device = hearth_machine_devices_parse_node_device (xml);
      gboolean merged = FALSE;

      virResetLastError ();
      if (device == NULL || device->vendor_id == USB_VENDOR_LINUX_FOUNDATION)
        continue;
      for (guint j = 0; j < usb->len && !merged; j++)
        {
          HearthUsbDevice *known = g_ptr_array_index (usb, j);

          if (known->attached && known->node == NULL && known->vendor_id == device->vendor_id
              && known->product_id == device->product_id)
            {
              known->vendor = g_strdup (device->vendor);
              known->product = g_strdup (device->product);
              known->node = g_strdup (device->node);
              known->devnode = g_strdup (device->devnode);
              merged = TRUE;
            }
        }
      if (!merged)
        g_ptr_array_add (usb, g_steal_pointer (&device));
    }
  free (nodes);
  g_ptr_array_sort (usb, compare_usb);
  return g_steal_pointer (&usb);
}

static State *
state_fetch (DevicesOp   *op,
             virDomainPtr domain,
             GError     **error)
{
  g_autoptr(State) state = g_new0 (State, 1);
  char *xml;

  /* SECURE keeps graphics passwords in the XML that is defined again. */
  xml = virDomainGetXMLDesc (domain, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
  if (xml == NULL)
    {
      virResetLastError ();
      xml = virDomainGetXMLDesc (domain, VIR_DOMAIN_XML_INACTIVE);
    }
  if (xml == NULL)
    {
      _hearth_error_take_libvirt (error, "Could not read the machine's configuration");
      return NULL;
    }
  state->config_xml = g_strdup (xml);
  free (xml);
  if (!(state->folders = hearth_machine_devices_xml_list_folders (state->config_xml, error)))
    return NULL;

  state->active = virDomainIsActive (domain) == 1;
  state->persistent = virDomainIsPersistent (domain) == 1;
  virResetLastError ();
  if (state->active && (xml = virDomainGetXMLDesc (domain, 0)) != NULL)
    {
      state->live_shared_memory = hearth_machine_devices_xml_has_shared_memory (xml);
      free (xml);
    }
  virResetLastError ();

  state->usb_controller = has_usb_controller (state->config_xml);
  state->virtiofs = fetch_virtiofs_support (op, state->config_xml, &state->virtiofsd);
  state->usb = fetch_usb (op, state->config_xml);
  return g_steal_pointer (&state);
}

static gboolean
define_xml (DevicesOp  *op,
            const char *xml,
            const char *operation,
            GError    **error)
{
  g_autoptr(HearthVirDomain) defined = NULL;
  gint64 begin = hearth_now_usec ();

  defined = virDomainDefineXMLFlags (op->conn, xml, VIR_DOMAIN_DEFINE_VALIDATE);
  if (defined == NULL)
    _hearth_error_take_libvirt (error, "libvirt refused the configuration");
  audit (op, operation, error != NULL ? *error : NULL, begin);
  return defined != NULL;
}

/* A live change that may fail without harm: the change then waits for the next
 * start. Returns whether it took effect now. */
static gboolean
try_live (DevicesOp  *op,
          const char *operation,
          gboolean    attach,
          virDomainPtr domain,
          const char *device)
{
  g_autoptr(GError) error = NULL;
  gint64 begin = hearth_now_usec ();
  int ret;

  ret = attach ? virDomainAttachDeviceFlags (domain, device, VIR_DOMAIN_AFFECT_LIVE)
               : virDomainDetachDeviceFlags (domain, device, VIR_DOMAIN_AFFECT_LIVE);
  if (ret < 0)
    {
      _hearth_error_take_libvirt (&error, operation);
      g_debug ("%s: applies on next start: %s", operation, error->message);
    }
  audit (op, operation, error, begin);
  return ret == 0;
}

/* libvirt 9.0 hot-plugs virtiofsd into the machine's cgroup without checking
 * that there is one, and crashes (in Hearth's process with qemu:///embed)
 * when there is none. A machine without a cgroup has no CPU scheduler
 * parameters, which is safe to ask. */
static gboolean
domain_has_cgroup (virDomainPtr domain)
{
  int nparams = 0;
  char *type = virDomainGetSchedulerType (domain, &nparams);

  if (type == NULL)
    {
      g_debug ("No cgroup for the machine, so no virtiofs hot-plug: %s",
               virGetLastErrorMessage ());
      virResetLastError ();
      return FALSE;
    }
  free (type);
  return TRUE;
}

static gboolean
check_folder (DevicesOp *op,
              GError   **error)
{
  /* Remote paths mean nothing here; libvirt and virtiofsd judge them at start. */
  if (!op->local || op->source == NULL || !g_path_is_absolute (op->source))
    return TRUE;
  if (!g_file_test (op->source, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND,
                   "The folder “%s” does not exist", op->source);
      return FALSE;
    }
  if (!g_file_test (op->source, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a folder", op->source);
      return FALSE;
    }
  return TRUE;
}

static const char *
virtiofs_reason (HearthVirtiofsSupport support)
{
  switch (support)
    {
    case HEARTH_VIRTIOFS_NO_DRIVER:
      return "the hypervisor has no virtiofs device for this machine";
    case HEARTH_VIRTIOFS_NO_DAEMON:
      return "virtiofsd is not installed on this computer";
    case HEARTH_VIRTIOFS_SESSION:
      return "libvirt before 10.0 cannot share folders with a user's own machines";
    case HEARTH_VIRTIOFS_AVAILABLE:
    default:
      return "";
    }
}

/* The user's own QEMU (session or embedded, not root) opens the device file
 * itself; libvirt's system daemon hands it over as root. */
static gboolean
check_usb_permission (DevicesOp   *op,
                      const State *state,
                      GError     **error)
{
  if (!op->local || geteuid () == 0 || op->uri == NULL
      || (strstr (op->uri, ":///session") == NULL && strstr (op->uri, ":///embed") == NULL))
    return TRUE;

  for (guint i = 0; i < state->usb->len; i++)
    {
      HearthUsbDevice *device = g_ptr_array_index (state->usb, i);

      if (device->vendor_id == op->vendor_id && device->product_id == op->product_id
          && device->devnode != NULL && access (device->devnode, R_OK | W_OK) != 0)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_PERMISSION_DENIED,
                       "This user may not open %s (the USB device %04x:%04x); the host "
                       "must give access to it, or use qemu:///system", device->devnode,
                       op->vendor_id, op->product_id);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
apply_change (DevicesOp    *op,
              virDomainPtr  domain,
              const State  *state,
              gboolean     *next_start,
              GError      **error)
{
  g_autofree char *new_xml = NULL;
  g_autofree char *device = NULL;

  if (!state->persistent)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                   "The machine is transient (it has no saved configuration)");
      return FALSE;
    }

  switch (op->kind)
    {
    case CHANGE_ADD_FOLDER:
      if (state->virtiofs != HEARTH_VIRTIOFS_AVAILABLE)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                       "Folders cannot be shared: %s", virtiofs_reason (state->virtiofs));
          return FALSE;
        }
      if (!(new_xml = hearth_machine_devices_xml_add_folder (state->config_xml, op->source,
                                                             op->tag, state->virtiofsd, error))
          || !check_folder (op, error)
          || !define_xml (op, new_xml, "add-shared-folder", error))
        return FALSE;
      if (state->active)
        {
          g_autoptr(GPtrArray) folders = hearth_machine_devices_xml_list_folders (new_xml, NULL);
          HearthSharedFolder *added = NULL;

          /* The new share is the one whose folder was asked for. */
          for (guint i = 0; folders != NULL && i < folders->len; i++)
            {
              HearthSharedFolder *folder = g_ptr_array_index (folders, i);
              g_autofree char *path = g_canonicalize_filename (op->source, NULL);

              if (g_strcmp0 (folder->source, path) == 0)
                added = folder;
            }
          device = added != NULL
                   ? hearth_machine_devices_xml_dup_folder_device (new_xml, added->tag) : NULL;
          /* Without shared memory in the running machine, virtiofs cannot start. */
          *next_start = !state->live_shared_memory || device == NULL
                        || !domain_has_cgroup (domain)
                        || !try_live (op, "add-shared-folder-live", TRUE, domain, device);
        }
      return TRUE;

    case CHANGE_REMOVE_FOLDER:
      device = hearth_machine_devices_xml_dup_folder_device (state->config_xml, op->tag);
      if (!(new_xml = hearth_machine_devices_xml_remove_folder (state->config_xml, op->tag,
                                                                error))
          || !define_xml (op, new_xml, "remove-shared-folder", error))
        return FALSE;
      if (state->active)
        *next_start = device == NULL || !domain_has_cgroup (domain)
                      || !try_live (op, "remove-shared-folder-live", FALSE, domain, device);
      return TRUE;

    case CHANGE_ATTACH_USB:
      if (!(new_xml = hearth_machine_devices_xml_add_usb (state->config_xml, op->vendor_id,
                                                          op->product_id, error))
          || !check_usb_permission (op, state, error))
        return FALSE;
      device = hearth_machine_devices_xml_dup_usb_device (new_xml, op->vendor_id,
                                                          op->product_id);
      /* Live first: a device the host will not hand over (permissions, another
       * machine has it, unplugged) is refused before the configuration changes. */
      if (state->active)
        {
          gint64 begin = hearth_now_usec ();

          if (virDomainAttachDeviceFlags (domain, device, VIR_DOMAIN_AFFECT_LIVE) < 0)
            _hearth_error_take_libvirt (error, "Could not attach the USB device");
          audit (op, "attach-usb-live", error != NULL ? *error : NULL, begin);
          if (error != NULL && *error != NULL)
            return FALSE;
        }
      if (!define_xml (op, new_xml, "attach-usb", error))
        {
          if (state->active)
            try_live (op, "detach-usb-live", FALSE, domain, device);
          return FALSE;
        }
      return TRUE;

    case CHANGE_DETACH_USB:
      device = hearth_machine_devices_xml_dup_usb_device (state->config_xml, op->vendor_id,
                                                          op->product_id);
      if (!(new_xml = hearth_machine_devices_xml_remove_usb (state->config_xml, op->vendor_id,
                                                             op->product_id, error))
          || !define_xml (op, new_xml, "detach-usb", error))
        return FALSE;
      if (state->active)
        *next_start = !try_live (op, "detach-usb-live", FALSE, domain, device);
      return TRUE;

    case CHANGE_RELOAD:
    default:
      return TRUE;
    }
}

static void
change_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DevicesOp *op = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  g_autoptr(State) state = NULL;
  ChangeResult *result;
  gboolean next_start = FALSE;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!(domain = virDomainLookupByUUIDString (op->conn, op->uuid)))
    {
      _hearth_error_take_libvirt (&error, "Could not find the machine");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Every change starts from a fresh read, so another tool's edit is not undone. */
  if (!(state = state_fetch (op, domain, &error))
      || !apply_change (op, domain, state, &next_start, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  result = g_new0 (ChangeResult, 1);
  result->next_start = next_start;
  if (op->kind == CHANGE_RELOAD)
    result->state = g_steal_pointer (&state);
  else if (!(result->state = state_fetch (op, domain, &error)))
    {
      /* The change is made; only the re-read failed. Show the old state. */
      g_debug ("Could not read the devices again: %s", error->message);
    }
  g_task_return_pointer (task, result, (GDestroyNotify) change_result_free);
}

static DevicesOp *
devices_op_new (HearthMachine *machine,
                ChangeKind     kind,
                GError       **error)
{
  HearthConnection *connection = hearth_machine_get_connection (machine);
  virConnectPtr conn;
  DevicesOp *op;

  if (connection == NULL || !(conn = _hearth_connection_dup_virconn (connection, error)))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_CONNECTION_LOST,
                     "The machine's connection is gone");
      return NULL;
    }

  op = g_new0 (DevicesOp, 1);
  op->conn = conn;
  op->uri = g_strdup (hearth_connection_get_uri (connection));
  op->uuid = g_strdup (hearth_machine_get_uuid (machine));
  op->name = g_strdup (hearth_machine_get_name (machine));
  op->local = hearth_connection_is_local (connection);
  op->kind = kind;
  return op;
}

/* GObject ------------------------------------------------------------------------------ */

static void
set_state (HearthMachineDevices *self,
           State                *state)
{
  gboolean was_running = self->state != NULL && self->state->active;

  state_free (self->state);
  self->state = state;
  if (was_running != state->active)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_signal_emit (self, signals[RELOADED], 0);
}

static void
hearth_machine_devices_dispose (GObject *object)
{
  HearthMachineDevices *self = HEARTH_MACHINE_DEVICES (object);

  g_clear_object (&self->machine);
  g_clear_object (&self->snapshot_tree);

  G_OBJECT_CLASS (hearth_machine_devices_parent_class)->dispose (object);
}

static void
hearth_machine_devices_finalize (GObject *object)
{
  HearthMachineDevices *self = HEARTH_MACHINE_DEVICES (object);

  g_clear_pointer (&self->state, state_free);
  g_free (self->snapshot_reason);

  G_OBJECT_CLASS (hearth_machine_devices_parent_class)->finalize (object);
}

static void
hearth_machine_devices_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  HearthMachineDevices *self = HEARTH_MACHINE_DEVICES (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      g_value_set_object (value, self->machine);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, hearth_machine_devices_get_running (self));
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy > 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_machine_devices_class_init (HearthMachineDevicesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hearth_machine_devices_dispose;
  object_class->finalize = hearth_machine_devices_finalize;
  object_class->get_property = hearth_machine_devices_get_property;

  /** HearthMachineDevices:machine: The machine. */
  properties[PROP_MACHINE] = g_param_spec_object ("machine", NULL, NULL, HEARTH_TYPE_MACHINE,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /** HearthMachineDevices:running: Whether the machine ran when last read. */
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /** HearthMachineDevices:busy: Whether a change is under way. */
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HearthMachineDevices::reloaded:
   *
   * The devices were read again (after a change or a reload): every getter may
   * return something new.
   */
  signals[RELOADED] = g_signal_new ("reloaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hearth_machine_devices_init (HearthMachineDevices *self)
{
}

/* Public API ---------------------------------------------------------------------------- */

static void
load_completed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChangeResult *change;
  GError *error = NULL;
  HearthMachineDevices *self;

  if (!(change = g_task_propagate_pointer (G_TASK (result), &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  self = g_object_new (HEARTH_TYPE_MACHINE_DEVICES, NULL);
  self->machine = g_object_ref (HEARTH_MACHINE (source));
  self->state = g_steal_pointer (&change->state);
  change_result_free (change);
  g_task_return_pointer (task, self, g_object_unref);
}

/**
 * hearth_machine_devices_load_async:
 * @machine: a machine
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the main context when the devices are read
 * @user_data: data for @callback
 *
 * Reads the machine's shared folders and USB devices, the host's USB devices
 * and whether virtiofs can work, in a worker thread.
 */
void
hearth_machine_devices_load_async (HearthMachine      *machine,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) inner = NULL;
  g_autoptr(GError) error = NULL;
  DevicesOp *op;

  g_return_if_fail (HEARTH_IS_MACHINE (machine));

  task = g_task_new (machine, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_machine_devices_load_async);
  if (!(op = devices_op_new (machine, CHANGE_RELOAD, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  inner = g_task_new (machine, cancellable, load_completed_cb, g_steal_pointer (&task));
  g_task_set_task_data (inner, op, (GDestroyNotify) devices_op_free);
  g_task_run_in_thread (inner, change_worker);
}

/**
 * hearth_machine_devices_load_finish:
 *
 * Returns: (transfer full): the devices, or %NULL with @error set
 */
HearthMachineDevices *
hearth_machine_devices_load_finish (HearthMachine *machine,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, machine), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/** hearth_machine_devices_get_machine: Returns: (transfer none): the machine */
HearthMachine *
hearth_machine_devices_get_machine (HearthMachineDevices *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_DEVICES (self), NULL);
  return self->machine;
}

/** hearth_machine_devices_get_running: Returns: whether the machine ran when last read */
gboolean
hearth_machine_devices_get_running (HearthMachineDevices *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_DEVICES (self), FALSE);
  return self->state != NULL && self->state->active;
}

/** hearth_machine_devices_get_busy: Returns: whether a change is under way */
gboolean
hearth_machine_devices_get_busy (HearthMachineDevices *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_DEVICES (self), FALSE);
  return self->busy > 0;
}

/** hearth_machine_devices_get_virtiofs: Returns: whether folders can be shared, or why not */
HearthVirtiofsSupport
hearth_machine_devices_get_virtiofs (HearthMachineDevices *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_DEVICES (self), HEARTH_VIRTIOFS_NO_DRIVER);
  return self->state->virtiofs;
}

/**
 * hearth_machine_devices_get_folders:
 *
 * Returns: (transfer none) (element-type HearthSharedFolder): the shared folders
 */
GPtrArray *
hearth_machine_devices_get_folders (HearthMachineDevices *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_DEVICES (self), NULL);
  return self->state->folders;
}

/**
 * hearth_machine_devices_get_usb_devices:
 *
 * Returns: (transfer none) (element-type HearthUsbDevice): the host's USB
 *   devices and the machine's, sorted by name; @attached says which the
 *   machine has
 */
GPtrArray *
hearth_machine_devices_get_usb_devices (HearthMachineDevices *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_DEVICES (self), NULL);
  return self->state->usb;
}

/** hearth_machine_devices_get_usb_controller: Returns: whether the machine has USB at all */
gboolean
hearth_machine_devices_get_usb_controller (HearthMachineDevices *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_DEVICES (self), FALSE);
  return self->state->usb_controller;
}

static void
change_completed_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  HearthMachineDevices *self = HEARTH_MACHINE_DEVICES (source);
  g_autoptr(GTask) task = user_data;
  ChangeResult *change;
  GError *error = NULL;

  if (--self->busy == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  if (!(change = g_task_propagate_pointer (G_TASK (result), &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  if (change->state != NULL)
    set_state (self, g_steal_pointer (&change->state));
  g_task_return_pointer (task, change, (GDestroyNotify) change_result_free);
}

/* The automatic snapshot before a change: the change runs only once it is taken. */
static void
auto_snapshot_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) inner = user_data;
  g_autoptr(HearthSnapshot) snapshot = NULL;
  GError *error = NULL;

  snapshot = hearth_snapshot_tree_create_finish (HEARTH_SNAPSHOT_TREE (source), result, &error);
  if (snapshot == NULL)
    {
      g_prefix_error (&error, "No snapshot could be taken before the change, so nothing was "
                              "changed: ");
      g_task_return_error (inner, error);
      return;
    }
  g_task_run_in_thread (inner, change_worker);
}

static void
start_change (HearthMachineDevices *self,
              DevicesOp            *op,
              gpointer              source_tag,
              GCancellable         *cancellable,
              GAsyncReadyCallback   callback,
              gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) inner = NULL;

  g_task_set_source_tag (task, source_tag);
  if (op == NULL)
    {
      g_task_return_new_error (task, HEARTH_ERROR, HEARTH_ERROR_CONNECTION_LOST,
                               "The machine's connection is gone");
      return;
    }
  if (self->busy++ == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  inner = g_task_new (self, cancellable, change_completed_cb, g_steal_pointer (&task));
  g_task_set_task_data (inner, op, (GDestroyNotify) devices_op_free);
  if (op->kind != CHANGE_RELOAD && self->snapshot_tree != NULL)
    hearth_snapshot_tree_create_auto_async (self->snapshot_tree, self->snapshot_reason,
                                            cancellable, auto_snapshot_cb,
                                            g_steal_pointer (&inner));
  else
    g_task_run_in_thread (inner, change_worker);
}

/**
 * hearth_machine_devices_set_snapshot_first:
 * @self: the devices
 * @tree: (nullable): the machine's snapshots, or %NULL for no snapshot first
 * @reason: (nullable): the automatic snapshot's reason, shown in the timeline
 *
 * Makes every change (not a reload) take an automatic snapshot first, as
 * hearth_machine_settings_set_snapshot_first() does for the other settings.
 * When the snapshot fails, nothing is changed.
 */
void
hearth_machine_devices_set_snapshot_first (HearthMachineDevices *self,
                                           HearthSnapshotTree   *tree,
                                           const char           *reason)
{
  g_return_if_fail (HEARTH_IS_MACHINE_DEVICES (self));
  g_return_if_fail (tree == NULL || HEARTH_IS_SNAPSHOT_TREE (tree));

  g_set_object (&self->snapshot_tree, tree);
  g_free (self->snapshot_reason);
  self->snapshot_reason = g_strdup (reason);
}

/**
 * hearth_machine_devices_reload_async:
 *
 * Reads everything again, for example after another page edited the XML.
 * Finish with hearth_machine_devices_reload_finish().
 */
void
hearth_machine_devices_reload_async (HearthMachineDevices *self,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  g_return_if_fail (HEARTH_IS_MACHINE_DEVICES (self));

  start_change (self, devices_op_new (self->machine, CHANGE_RELOAD, NULL),
                hearth_machine_devices_reload_async, cancellable, callback, user_data);
}

/** hearth_machine_devices_reload_finish: Returns: %TRUE, or %FALSE with @error set */
gboolean
hearth_machine_devices_reload_finish (HearthMachineDevices *self,
                                      GAsyncResult         *result,
                                      GError              **error)
{
  return hearth_machine_devices_change_finish (self, result, NULL, error);
}

/**
 * hearth_machine_devices_add_folder_async:
 * @self: the devices
 * @source: the folder to share (absolute)
 * @tag: (nullable): the mount tag, or %NULL to make one from the folder's name
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Shares @source with virtiofs. Refused, with nothing changed: a relative path
 * or a file (%HEARTH_ERROR_INVALID_ARGUMENT), a folder that does not exist
 * (%HEARTH_ERROR_NOT_FOUND), a tag or folder shared already
 * (%HEARTH_ERROR_NAME_TAKEN), a host without virtiofs (%HEARTH_ERROR_UNSUPPORTED).
 */
void
hearth_machine_devices_add_folder_async (HearthMachineDevices *self,
                                         const char           *source,
                                         const char           *tag,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data)
{
  DevicesOp *op;

  g_return_if_fail (HEARTH_IS_MACHINE_DEVICES (self));

  if ((op = devices_op_new (self->machine, CHANGE_ADD_FOLDER, NULL)) != NULL)
    {
      op->source = g_strdup (source);
      op->tag = g_strdup (tag);
    }
  start_change (self, op, hearth_machine_devices_add_folder_async, cancellable, callback,
                user_data);
}

/**
 * hearth_machine_devices_remove_folder_async:
 *
 * Stops sharing the folder with @tag (%HEARTH_ERROR_NOT_FOUND when there is none).
 */
void
hearth_machine_devices_remove_folder_async (HearthMachineDevices *self,
                                            const char           *tag,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data)
{
  DevicesOp *op;

  g_return_if_fail (HEARTH_IS_MACHINE_DEVICES (self));

  if ((op = devices_op_new (self->machine, CHANGE_REMOVE_FOLDER, NULL)) != NULL)
    op->tag = g_strdup (tag);
  start_change (self, op, hearth_machine_devices_remove_folder_async, cancellable, callback,
                user_data);
}

/**
 * hearth_machine_devices_attach_usb_async:
 *
 * Attaches the USB device @vendor_id:@product_id for good: live when the
 * machine runs (refused with nothing changed when that fails, for example
 * %HEARTH_ERROR_PERMISSION_DENIED), and in the configuration.
 * %HEARTH_ERROR_NAME_TAKEN when the machine has it already.
 */
void
hearth_machine_devices_attach_usb_async (HearthMachineDevices *self,
                                         guint                 vendor_id,
                                         guint                 product_id,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data)
{
  DevicesOp *op;

  g_return_if_fail (HEARTH_IS_MACHINE_DEVICES (self));

  if ((op = devices_op_new (self->machine, CHANGE_ATTACH_USB, NULL)) != NULL)
    {
      op->vendor_id = vendor_id;
      op->product_id = product_id;
    }
  start_change (self, op, hearth_machine_devices_attach_usb_async, cancellable, callback,
                user_data);
}

/**
 * hearth_machine_devices_detach_usb_async:
 *
 * Removes the USB device from the configuration, and from the running machine.
 */
void
hearth_machine_devices_detach_usb_async (HearthMachineDevices *self,
                                         guint                 vendor_id,
                                         guint                 product_id,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data)
{
  DevicesOp *op;

  g_return_if_fail (HEARTH_IS_MACHINE_DEVICES (self));

  if ((op = devices_op_new (self->machine, CHANGE_DETACH_USB, NULL)) != NULL)
    {
      op->vendor_id = vendor_id;
      op->product_id = product_id;
    }
  start_change (self, op, hearth_machine_devices_detach_usb_async, cancellable, callback,
                user_data);
}

/**
 * hearth_machine_devices_change_finish:
 * @self: the devices
 * @result: the result
 * @next_start: (out) (optional): set when the running machine gets the change
 *   only on its next start
 * @error: return location for a #GError
 *
 * Returns: whether the change was made; the getters show the new state
 */
gboolean
hearth_machine_devices_change_finish (HearthMachineDevices *self,
                                      GAsyncResult         *result,
                                      gboolean             *next_start,
                                      GError              **error)
{
  g_autoptr(ChangeResult) change = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!(change = g_task_propagate_pointer (G_TASK (result), error)))
    return FALSE;
  if (next_start != NULL)
    *next_start = change->next_start;
  return TRUE;
}
