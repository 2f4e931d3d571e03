/* hearth-domain-xml.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-domain-xml"

#include "config.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "hearth-core-private.h"
#include "hearth-domain-xml.h"

/**
 * HearthDomainXml:
 *
 * An editor of libvirt domain XML on libxml2. Each setter changes only the elements
 * and attributes it manages and leaves every other node alone: metadata of other
 * tools, foreign namespaces, devices Hearth has never heard of and even comments
 * survive an edit. It never talks to libvirt and may be used in any thread, one
 * thread at a time.
 */
struct _HearthDomainXml
{
  GObject parent_instance;

  xmlDoc *doc;   /* owned */
};

G_DEFINE_FINAL_TYPE (HearthDomainXml, hearth_domain_xml, G_TYPE_OBJECT)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

G_DEFINE_BOXED_TYPE (HearthInterfaceItem, hearth_interface_item, hearth_interface_item_copy,
                     hearth_interface_item_free)

/* Video models Hearth offers; libvirt knows a few more (xen, vbox, gop, none) that
 * make no sense for a local QEMU machine. */
static const char *video_models[] = { "virtio", "qxl", "vga", "bochs", "cirrus", "ramfb",
                                      "vmvga", NULL };
static const char *boot_devices[] = { "hd", "cdrom", "network", "fd", NULL };
static const char *nic_models[] = { "virtio", "e1000e", "e1000", "rtl8139", NULL };

/**
 * hearth_interface_item_copy:
 *
 * Returns: (transfer full): a copy of @item
 */
HearthInterfaceItem *
hearth_interface_item_copy (const HearthInterfaceItem *item)
{
  HearthInterfaceItem *copy = g_new0 (HearthInterfaceItem, 1);

  copy->mac = g_strdup (item->mac);
  copy->type = g_strdup (item->type);
  copy->source = g_strdup (item->source);
  copy->model = g_strdup (item->model);
  copy->link_up = item->link_up;
  return copy;
}

void
hearth_interface_item_free (HearthInterfaceItem *item)
{
  if (item == NULL)
    return;

  g_free (item->mac);
  g_free (item->type);
  g_free (item->source);
  g_free (item->model);
  g_free (item);
}

/* libvirt's own elements have no namespace; an element of another tool that happens
 * to share a local name (othertool:disk) must never be mistaken for one. */
static gboolean
is_element (xmlNode    *node,
            const char *name)
{
  return node != NULL && node->type == XML_ELEMENT_NODE && node->ns == NULL
         && (name == NULL || strcmp ((const char *) node->name, name) == 0);
}

static xmlNode *
find_child (xmlNode    *parent,
            const char *name)
{
  if (parent == NULL)
    return NULL;

  for (xmlNode *child = parent->children; child != NULL; child = child->next)
    if (is_element (child, name))
      return child;
  return NULL;
}

static xmlNode *
find_path (xmlNode    *parent,
           const char *first,
           ...)
{
  va_list args;
  const char *name = first;

  va_start (args, first);
  while (name != NULL && parent != NULL)
    {
      parent = find_child (parent, name);
      name = va_arg (args, const char *);
    }
  va_end (args);

  return parent;
}

static xmlNode *
root (HearthDomainXml *self)
{
  return xmlDocGetRootElement (self->doc);
}

/* Returns an owned copy of an attribute, or NULL when it is absent. */
static char *
dup_prop (xmlNode    *node,
          const char *name)
{
  xmlChar *value;
  char *copy;

  if (node == NULL)
    return NULL;
  value = xmlGetNoNsProp (node, (const xmlChar *) name);
  copy = g_strdup ((const char *) value);
  xmlFree (value);
  return copy;
}

static gboolean
prop_equals (xmlNode    *node,
             const char *name,
             const char *expected)
{
  g_autofree char *value = dup_prop (node, name);

  return g_strcmp0 (value, expected) == 0;
}

static void
set_prop (xmlNode    *node,
          const char *name,
          const char *value)
{
  /* xmlSetProp stores the value as text: <, & and quotes are escaped on output. */
  xmlSetProp (node, (const xmlChar *) name, (const xmlChar *) value);
}

static void
unset_prop (xmlNode    *node,
            const char *name)
{
  xmlUnsetProp (node, (const xmlChar *) name);
}

static char *
dup_text (xmlNode *node)
{
  xmlChar *content;
  char *copy;

  if (node == NULL)
    return NULL;
  content = xmlNodeGetContent (node);
  copy = g_strdup ((const char *) content);
  xmlFree (content);
  return copy;
}

static void
set_text (xmlNode    *node,
          const char *text)
{
  /* xmlNodeSetContent would parse entity references in @text; clearing the node and
   * adding raw text keeps "<&>" a literal. */
  xmlNodeSetContent (node, NULL);
  xmlNodeAddContent (node, (const xmlChar *) text);
}

/* Unlinks and frees @node together with the indentation before it, so the rest of
 * the document keeps its layout. */
static void
remove_node (xmlNode *node)
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

/* The indentation of @node's line, for new siblings. */
static char *
dup_indent_before (xmlNode *node)
{
  xmlNode *prev = node != NULL ? node->prev : NULL;
  g_autofree char *text = NULL;
  const char *newline;

  if (prev == NULL || prev->type != XML_TEXT_NODE || !xmlIsBlankNode (prev))
    return g_strdup ("\n");
  text = dup_text (prev);
  newline = strrchr (text, '\n');
  return g_strdup (newline != NULL ? newline : text);
}

/* Inserts @node after @sibling (or as the last child of @parent when @sibling is
 * NULL), indented like its neighbours. */
static xmlNode *
insert_after (xmlNode *parent,
              xmlNode *sibling,
              xmlNode *node)
{
  if (sibling != NULL)
    {
      g_autofree char *indent = dup_indent_before (sibling);

      xmlAddNextSibling (sibling, node);
      xmlAddPrevSibling (node, xmlNewDocText (parent->doc, (const xmlChar *) indent));
    }
  else
    {
      xmlNode *last = xmlGetLastChild (parent);
      xmlNode *last_element = NULL;

      for (xmlNode *child = parent->children; child != NULL; child = child->next)
        if (child->type == XML_ELEMENT_NODE)
          last_element = child;

      if (last_element != NULL)
        return insert_after (parent, last_element, node);
      if (last == NULL || !xmlIsBlankNode (last))
        xmlAddChild (parent, node);
      else
        xmlAddPrevSibling (last, node);
    }
  return node;
}

static xmlNode *
new_element (HearthDomainXml *self,
             const char      *name)
{
  return xmlNewDocNode (self->doc, NULL, (const xmlChar *) name, NULL);
}

/* Finds the child @name of @parent, or creates it after the last of @after (a
 * NULL-terminated list of sibling names, libvirt's usual order), or at the end. */
static xmlNode *
ensure_child (HearthDomainXml    *self,
              xmlNode            *parent,
              const char         *name,
              const char * const *after)
{
  xmlNode *child = find_child (parent, name);
  xmlNode *anchor = NULL;

  if (child != NULL)
    return child;

  for (guint i = 0; after != NULL && after[i] != NULL; i++)
    {
      xmlNode *candidate = find_child (parent, after[i]);

      if (candidate != NULL)
        anchor = candidate;
    }

  return insert_after (parent, anchor, new_element (self, name));
}

static xmlNode *
devices (HearthDomainXml *self)
{
  static const char *after[] = { "os", "features", "cpu", "clock", "on_poweroff", "on_reboot",
                                 "on_crash", "pm", NULL };

  return ensure_child (self, root (self), "devices", after);
}

/* Serializes one element with the namespace declarations it needs, for the device
 * APIs of libvirt (UpdateDevice, AttachDevice). */
static char *
dump_node (xmlNode *node)
{
  g_autoptr(xmlDoc) doc = xmlNewDoc ((const xmlChar *) "1.0");
  xmlNode *copy = xmlDocCopyNode (node, doc, 1);
  xmlBuffer *buffer = xmlBufferCreate ();
  char *result;

  xmlDocSetRootElement (doc, copy);
  xmlReconciliateNs (doc, copy);
  xmlNodeDump (buffer, doc, copy, 0, 0);
  result = g_strdup ((const char *) xmlBufferContent (buffer));
  xmlBufferFree (buffer);
  return result;
}

static guint64
parse_bytes (xmlNode *node)
{
  g_autofree char *text = dup_text (node);
  g_autofree char *unit = dup_prop (node, "unit");
  guint64 value;
  static const struct
  {
    const char *unit;
    guint64     factor;
  } units[] = {
    { "b", 1 }, { "bytes", 1 },
    { "KB", 1000 }, { "k", 1024 }, { "KiB", 1024 },
    { "MB", 1000 * 1000 }, { "M", 1024 * 1024 }, { "MiB", 1024 * 1024 },
    { "GB", 1000 * 1000 * 1000 }, { "G", 1024 * 1024 * 1024 }, { "GiB", 1024 * 1024 * 1024 },
    { "TB", G_GUINT64_CONSTANT (1000) * 1000 * 1000 * 1000 },
    { "T", G_GUINT64_CONSTANT (1024) * 1024 * 1024 * 1024 },
    { "TiB", G_GUINT64_CONSTANT (1024) * 1024 * 1024 * 1024 },
  };

  if (text == NULL)
    return 0;
  value = g_ascii_strtoull (g_strstrip (text), NULL, 10);
  if (unit == NULL)
    return value * 1024;
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (strcmp (unit, units[i].unit) == 0
        || (strlen (unit) == 1 && g_ascii_strcasecmp (unit, units[i].unit) == 0))
      return value * units[i].factor;
  return value * 1024;
}

static void
set_kib (xmlNode *node,
         guint64  bytes)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, bytes / 1024);

  set_prop (node, "unit", "KiB");
  set_text (node, text);
}

static void
hearth_domain_xml_finalize (GObject *object)
{
  HearthDomainXml *self = HEARTH_DOMAIN_XML (object);

  g_clear_pointer (&self->doc, xmlFreeDoc);

  G_OBJECT_CLASS (hearth_domain_xml_parent_class)->finalize (object);
}

static void
hearth_domain_xml_class_init (HearthDomainXmlClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hearth_domain_xml_finalize;
}

static void
hearth_domain_xml_init (HearthDomainXml *self)
{
}

/**
 * hearth_domain_xml_new:
 * @xml: a libvirt domain XML document
 * @error: return location for a #GError
 *
 * Parses @xml without network access or entity expansion. Whitespace, comments and
 * unknown nodes are kept as they are.
 *
 * Returns: (transfer full): the editor, or %NULL (%HEARTH_ERROR_INVALID_ARGUMENT,
 *   with the parser's reason) when @xml is not a domain document
 */
HearthDomainXml *
hearth_domain_xml_new (const char *xml,
                       GError    **error)
{
  g_autoptr(HearthDomainXml) self = NULL;
  xmlDoc *doc;
  xmlNode *top;

  g_return_val_if_fail (xml != NULL, NULL);

  doc = xmlReadMemory (xml, strlen (xml), "domain.xml", "UTF-8",
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL)
    {
      const xmlError *xerr = xmlGetLastError ();
      g_autofree char *reason = g_strdup (xerr && xerr->message ? xerr->message : "unknown error");

      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "The XML is not well-formed (line %d): %s", xerr ? xerr->line : 0,
                   g_strstrip (reason));
      xmlResetLastError ();
      return NULL;
    }

  self = g_object_new (HEARTH_TYPE_DOMAIN_XML, NULL);
  self->doc = doc;
  top = xmlDocGetRootElement (doc);
  if (!is_element (top, "domain"))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "The XML is not a libvirt domain: its root element is not <domain>");
      return NULL;
    }

  return g_steal_pointer (&self);
}

/**
 * hearth_domain_xml_copy:
 *
 * Returns: (transfer full): an independent copy of the document
 */
HearthDomainXml *
hearth_domain_xml_copy (HearthDomainXml *self)
{
  HearthDomainXml *copy;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);

  copy = g_object_new (HEARTH_TYPE_DOMAIN_XML, NULL);
  copy->doc = xmlCopyDoc (self->doc, 1);
  return copy;
}

/**
 * hearth_domain_xml_to_string:
 *
 * Returns: (transfer full): the document, for virDomainDefineXML and friends
 */
char *
hearth_domain_xml_to_string (HearthDomainXml *self)
{
  xmlChar *buffer = NULL;
  int size = 0;
  char *result;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);

  xmlDocDumpMemoryEnc (self->doc, &buffer, &size, "UTF-8");
  result = g_strndup ((const char *) buffer, size);
  xmlFree (buffer);
  return result;
}

/** hearth_domain_xml_dup_uuid: Returns: (transfer full) (nullable): the UUID */
char *
hearth_domain_xml_dup_uuid (HearthDomainXml *self)
{
  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);
  return dup_text (find_child (root (self), "uuid"));
}

/** hearth_domain_xml_dup_name: Returns: (transfer full) (nullable): the name */
char *
hearth_domain_xml_dup_name (HearthDomainXml *self)
{
  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);
  return dup_text (find_child (root (self), "name"));
}

/**
 * hearth_domain_xml_set_name:
 *
 * Changes <name>. Renaming a defined machine goes through virDomainRename(); this
 * is for new definitions and tests.
 *
 * Returns: %FALSE (%HEARTH_ERROR_INVALID_ARGUMENT) for an empty name or one with
 *   "/" or control characters
 */
gboolean
hearth_domain_xml_set_name (HearthDomainXml *self,
                            const char      *name,
                            GError         **error)
{
  static const char *after[] = { NULL };

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!hearth_domain_xml_check_name (name, error))
    return FALSE;
  set_text (ensure_child (self, root (self), "name", after), name);
  return TRUE;
}

/**
 * hearth_domain_xml_check_name:
 * @name: a proposed machine name
 * @error: return location for a #GError
 *
 * The rules for a machine name: not empty or blank, valid UTF-8, no "/" (libvirt
 * makes file names of it) and no control characters.
 */
gboolean
hearth_domain_xml_check_name (const char *name,
                               GError    **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (name));

  if (!g_utf8_validate (name, -1, NULL) || stripped[0] == '\0')
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "A machine name cannot be empty");
      return FALSE;
    }
  if (strchr (name, '/') != NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "A machine name cannot contain “/”");
      return FALSE;
    }
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                     "A machine name cannot contain control characters");
        return FALSE;
      }
  return TRUE;
}

/** hearth_domain_xml_dup_title: Returns: (transfer full) (nullable): the title */
char *
hearth_domain_xml_dup_title (HearthDomainXml *self)
{
  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);
  return dup_text (find_child (root (self), "title"));
}

static void
set_optional_text (HearthDomainXml    *self,
                   const char         *name,
                   const char * const *after,
                   const char         *text)
{
  xmlNode *node = find_child (root (self), name);

  if (text == NULL || text[0] == '\0')
    {
      if (node != NULL)
        remove_node (node);
      return;
    }
  set_text (ensure_child (self, root (self), name, after), text);
}

/**
 * hearth_domain_xml_set_title:
 * @title: (nullable): the new title; %NULL or "" removes it
 */
void
hearth_domain_xml_set_title (HearthDomainXml *self,
                             const char      *title)
{
  static const char *after[] = { "name", "uuid", "genid", NULL };

  g_return_if_fail (HEARTH_IS_DOMAIN_XML (self));
  set_optional_text (self, "title", after, title);
}

/** hearth_domain_xml_dup_description: Returns: (transfer full) (nullable): the description */
char *
hearth_domain_xml_dup_description (HearthDomainXml *self)
{
  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);
  return dup_text (find_child (root (self), "description"));
}

/**
 * hearth_domain_xml_set_description:
 * @description: (nullable): the new description; %NULL or "" removes it
 */
void
hearth_domain_xml_set_description (HearthDomainXml *self,
                                   const char      *description)
{
  static const char *after[] = { "name", "uuid", "genid", "title", NULL };

  g_return_if_fail (HEARTH_IS_DOMAIN_XML (self));
  set_optional_text (self, "description", after, description);
}

/**
 * hearth_domain_xml_dup_machine_type:
 *
 * Returns: (transfer full) (nullable): the machine type: "q35", "pc-i440fx-7.2", …
 */
char *
hearth_domain_xml_dup_machine_type (HearthDomainXml *self)
{
  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);
  return dup_prop (find_path (root (self), "os", "type", NULL), "machine");
}

#define LIBOSINFO_NS "http://libosinfo.org/xmlns/libvirt/domain/1.0"

/* Finds the child @name of @parent in the namespace @href, whatever its prefix. */
static xmlNode *
find_ns_child (xmlNode    *parent,
               const char *href,
               const char *name)
{
  for (xmlNode *child = parent ? parent->children : NULL; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE && child->ns != NULL
        && xmlStrEqual (child->ns->href, (const xmlChar *) href)
        && xmlStrEqual (child->name, (const xmlChar *) name))
      return child;
  return NULL;
}

static xmlNode *
libosinfo_node (HearthDomainXml *self)
{
  return find_ns_child (find_child (root (self), "metadata"), LIBOSINFO_NS, "libosinfo");
}

/**
 * hearth_domain_xml_dup_os_id:
 *
 * Returns: (transfer full) (nullable): the libosinfo OS id in the metadata
 *   (`<libosinfo:os id='…'/>`, as virt-install and GNOME Boxes write it)
 */
char *
hearth_domain_xml_dup_os_id (HearthDomainXml *self)
{
  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);
  return dup_prop (find_ns_child (libosinfo_node (self), LIBOSINFO_NS, "os"), "id");
}

/**
 * hearth_domain_xml_set_os_id:
 * @os_id: (nullable): a libosinfo OS id ("http://debian.org/debian/12"), or %NULL
 *   to forget the OS
 *
 * Writes the OS into the libosinfo metadata, next to other tools' metadata.
 */
void
hearth_domain_xml_set_os_id (HearthDomainXml *self,
                             const char      *os_id)
{
  static const char *after[] = { "name", "uuid", "genid", "title", "description", NULL };
  xmlNode *libosinfo;
  xmlNode *os;
  xmlNs *ns;

  g_return_if_fail (HEARTH_IS_DOMAIN_XML (self));

  libosinfo = libosinfo_node (self);
  if (os_id == NULL || os_id[0] == '\0')
    {
      if (libosinfo != NULL)
        remove_node (libosinfo);
      return;
    }

  if (libosinfo == NULL)
    {
      xmlNode *metadata = ensure_child (self, root (self), "metadata", after);

      libosinfo = new_element (self, "libosinfo");
      ns = xmlNewNs (libosinfo, (const xmlChar *) LIBOSINFO_NS, (const xmlChar *) "libosinfo");
      xmlSetNs (libosinfo, ns);
      insert_after (metadata, NULL, libosinfo);
    }
  ns = libosinfo->ns;
  os = find_ns_child (libosinfo, LIBOSINFO_NS, "os");
  if (os == NULL)
    {
      os = new_element (self, "os");
      xmlSetNs (os, ns);
      insert_after (libosinfo, NULL, os);
    }
  set_prop (os, "id", os_id);
}

/* virDomainSetMetadata() puts the element into the namespace it is given and
 * refuses one that declares its own. */
static void
strip_namespaces (xmlNode *node)
{
  for (xmlNode *child = node; child != NULL; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE)
        continue;
      xmlSetNs (child, NULL);
      if (child->nsDef != NULL)
        {
          xmlFreeNsList (child->nsDef);
          child->nsDef = NULL;
        }
      strip_namespaces (child->children);
    }
}

/**
 * hearth_domain_xml_dup_os_metadata:
 *
 * Returns: (transfer full) (nullable): the libosinfo metadata without its
 *   namespace (`<libosinfo><os id='…'/></libosinfo>`), as virDomainSetMetadata()
 *   takes it with the namespace given apart, or %NULL when there is none
 */
char *
hearth_domain_xml_dup_os_metadata (HearthDomainXml *self)
{
  xmlNode *libosinfo;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);

  libosinfo = libosinfo_node (self);
  if (libosinfo == NULL)
    return NULL;

  {
    g_autoptr(xmlDoc) doc = xmlNewDoc ((const xmlChar *) "1.0");
    xmlNode *copy = xmlDocCopyNode (libosinfo, doc, 1);
    xmlBuffer *buffer = xmlBufferCreate ();
    char *result;

    xmlDocSetRootElement (doc, copy);
    strip_namespaces (copy);
    xmlNodeDump (buffer, doc, copy, 0, 0);
    result = g_strdup ((const char *) xmlBufferContent (buffer));
    xmlBufferFree (buffer);
    return result;
  }
}

/** hearth_domain_xml_get_vcpus: Returns: the number of vCPUs the machine starts with */
guint
hearth_domain_xml_get_vcpus (HearthDomainXml *self)
{
  xmlNode *vcpu;
  g_autofree char *current = NULL;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), 0);

  vcpu = find_child (root (self), "vcpu");
  current = dup_prop (vcpu, "current");
  if (current != NULL)
    return (guint) g_ascii_strtoull (current, NULL, 10);
  return hearth_domain_xml_get_max_vcpus (self);
}

/** hearth_domain_xml_get_max_vcpus: Returns: the most vCPUs the machine can have (hot-plug) */
guint
hearth_domain_xml_get_max_vcpus (HearthDomainXml *self)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), 0);

  text = dup_text (find_child (root (self), "vcpu"));
  return text != NULL ? (guint) g_ascii_strtoull (g_strstrip (text), NULL, 10) : 1;
}

static guint
topology_value (xmlNode    *topology,
                const char *name)
{
  g_autofree char *value = dup_prop (topology, name);

  return value != NULL ? MAX (1, (guint) g_ascii_strtoull (value, NULL, 10)) : 1;
}

static void
set_topology_value (xmlNode    *topology,
                    const char *name,
                    guint       value)
{
  g_autofree char *text = g_strdup_printf ("%u", value);

  set_prop (topology, name, text);
}

/* libvirt refuses a CPU topology whose product is not the maximum vCPU count.
 * Keep the cores and threads per socket when they divide the new count; otherwise
 * fall back to one socket per vCPU. */
static void
fix_topology (HearthDomainXml *self,
              guint            max_vcpus)
{
  xmlNode *topology = find_path (root (self), "cpu", "topology", NULL);
  guint per_socket;

  if (topology == NULL)
    return;

  per_socket = topology_value (topology, "dies") * topology_value (topology, "clusters")
               * topology_value (topology, "cores") * topology_value (topology, "threads");
  if (per_socket * topology_value (topology, "sockets") == max_vcpus)
    return;

  if (max_vcpus % per_socket == 0)
    {
      set_topology_value (topology, "sockets", max_vcpus / per_socket);
      return;
    }

  set_topology_value (topology, "sockets", max_vcpus);
  for (guint i = 0; i < 4; i++)
    {
      const char *name = (const char *[]) { "dies", "clusters", "cores", "threads" }[i];
      g_autofree char *value = dup_prop (topology, name);

      if (value != NULL || g_str_equal (name, "cores") || g_str_equal (name, "threads"))
        set_topology_value (topology, name, 1);
    }
}

/**
 * hearth_domain_xml_set_vcpus:
 * @vcpus: the vCPUs the machine starts with, at least 1
 * @max_vcpus: the maximum for hot-plug, at least @vcpus; 0 keeps the current maximum
 *   (or raises it to @vcpus)
 *
 * Writes <vcpu current='…'>max</vcpu> and keeps a <cpu><topology> consistent with
 * the maximum.
 *
 * Returns: %FALSE with %HEARTH_ERROR_INVALID_ARGUMENT for zero or @vcpus above
 *   @max_vcpus, %HEARTH_ERROR_UNSUPPORTED when the machine has per-vCPU settings
 *   (<vcpus>) and the maximum would change
 */
gboolean
hearth_domain_xml_set_vcpus (HearthDomainXml *self,
                             guint            vcpus,
                             guint            max_vcpus,
                             GError         **error)
{
  static const char *after[] = { "name", "uuid", "title", "description", "metadata",
                                 "maxMemory", "memory", "currentMemory", "blkiotune",
                                 "memtune", "memoryBacking", NULL };
  xmlNode *vcpu;
  gboolean created;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);

  if (max_vcpus == 0)
    max_vcpus = MAX (vcpus, hearth_domain_xml_get_max_vcpus (self));
  if (vcpus == 0)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "A machine needs at least one vCPU");
      return FALSE;
    }
  if (vcpus > max_vcpus)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "%u vCPUs are more than the maximum of %u", vcpus, max_vcpus);
      return FALSE;
    }
  if (max_vcpus != hearth_domain_xml_get_max_vcpus (self)
      && find_child (root (self), "vcpus") != NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                   "The machine configures each vCPU on its own (<vcpus>); change the "
                   "maximum in the XML editor");
      return FALSE;
    }

  created = find_child (root (self), "vcpu") == NULL;
  if (created || hearth_domain_xml_get_max_vcpus (self) != max_vcpus)
    {
      g_autofree char *text = g_strdup_printf ("%u", max_vcpus);

      set_text (ensure_child (self, root (self), "vcpu", after), text);
    }
  vcpu = find_child (root (self), "vcpu");
  if (vcpus == max_vcpus)
    unset_prop (vcpu, "current");
  else
    {
      g_autofree char *current = g_strdup_printf ("%u", vcpus);

      set_prop (vcpu, "current", current);
    }

  fix_topology (self, max_vcpus);
  return TRUE;
}

/** hearth_domain_xml_get_memory: Returns: the memory the machine starts with, in bytes */
guint64
hearth_domain_xml_get_memory (HearthDomainXml *self)
{
  xmlNode *current;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), 0);

  current = find_child (root (self), "currentMemory");
  if (current != NULL)
    return parse_bytes (current);
  return hearth_domain_xml_get_max_memory (self);
}

/** hearth_domain_xml_get_max_memory: Returns: the memory the balloon can grow to, in bytes */
guint64
hearth_domain_xml_get_max_memory (HearthDomainXml *self)
{
  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), 0);
  return parse_bytes (find_child (root (self), "memory"));
}

/**
 * hearth_domain_xml_set_memory:
 * @memory: the memory the machine starts with (<currentMemory>), in bytes
 * @max_memory: the memory the balloon can give it (<memory>), in bytes; 0 keeps the
 *   current maximum (or raises it to @memory)
 *
 * Values are written in KiB, the unit libvirt uses itself.
 *
 * Returns: %FALSE with %HEARTH_ERROR_INVALID_ARGUMENT for less than 1 MiB or more
 *   than the maximum, %HEARTH_ERROR_UNSUPPORTED when NUMA cells fix the maximum
 */
gboolean
hearth_domain_xml_set_memory (HearthDomainXml *self,
                              guint64          memory,
                              guint64          max_memory,
                              GError         **error)
{
  static const char *memory_after[] = { "name", "uuid", "genid", "title", "description",
                                        "metadata", "maxMemory", NULL };
  static const char *current_after[] = { "memory", NULL };
  guint64 old_max;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);

  old_max = hearth_domain_xml_get_max_memory (self);
  if (max_memory == 0)
    max_memory = MAX (memory, old_max);
  if (memory < 1024 * 1024)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "A machine needs at least 1 MiB of memory");
      return FALSE;
    }
  if (memory > max_memory)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "%" G_GUINT64_FORMAT " MiB of memory are more than the maximum of %"
                   G_GUINT64_FORMAT " MiB", memory / (1024 * 1024), max_memory / (1024 * 1024));
      return FALSE;
    }
  if (max_memory / 1024 != old_max / 1024
      && find_path (root (self), "cpu", "numa", NULL) != NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                   "The machine's NUMA cells fix its memory; change them in the XML editor");
      return FALSE;
    }

  if (max_memory / 1024 != old_max / 1024)
    set_kib (ensure_child (self, root (self), "memory", memory_after), max_memory);
  /* A missing <currentMemory> means "all of it"; it is written only when needed. */
  if (memory / 1024 != hearth_domain_xml_get_memory (self) / 1024
      && (memory / 1024 != max_memory / 1024
          || find_child (root (self), "currentMemory") != NULL))
    set_kib (ensure_child (self, root (self), "currentMemory", current_after), memory);
  return TRUE;
}

/** hearth_domain_xml_get_sound: Returns: whether the machine has a sound card */
gboolean
hearth_domain_xml_get_sound (HearthDomainXml *self)
{
  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);
  return find_child (find_child (root (self), "devices"), "sound") != NULL;
}

/**
 * hearth_domain_xml_set_sound:
 *
 * Adds an Intel HD Audio card (ich9 on q35, ich6 otherwise) when there is none, or
 * removes every sound card. An existing card is kept as it is.
 */
void
hearth_domain_xml_set_sound (HearthDomainXml *self,
                             gboolean         enabled)
{
  xmlNode *devs;
  xmlNode *sound;

  g_return_if_fail (HEARTH_IS_DOMAIN_XML (self));

  if (enabled == hearth_domain_xml_get_sound (self))
    return;

  devs = devices (self);
  if (enabled)
    {
      g_autofree char *machine = hearth_domain_xml_dup_machine_type (self);

      sound = new_element (self, "sound");
      set_prop (sound, "model", machine != NULL && strstr (machine, "q35") ? "ich9" : "ich6");
      insert_after (devs, NULL, sound);
      return;
    }

  while ((sound = find_child (devs, "sound")) != NULL)
    remove_node (sound);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static const char *
boot_name_for_device (xmlNode *device)
{
  g_autofree char *kind = dup_prop (device, "device");

  if (is_element (device, "interface"))
    return "network";
  if (!is_element (device, "disk"))
    return NULL;
  if (g_strcmp0 (kind, "cdrom") == 0)
    return "cdrom";
  if (g_strcmp0 (kind, "floppy") == 0)
    return "fd";
  return "hd";
}

/**
 * hearth_domain_xml_dup_boot_order:
 *
 * The boot order as <os><boot dev='…'/> names ("hd", "cdrom", "network", "fd").
 * A machine that orders single devices (<boot order='N'/> in a device) is read as
 * the kinds of those devices in order.
 *
 * Returns: (transfer full): the boot devices, first first; empty when unset
 */
GStrv
hearth_domain_xml_dup_boot_order (HearthDomainXml *self)
{
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ordered = g_ptr_array_new_with_free_func (g_free);
  xmlNode *devs;
  xmlNode *os;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);

  os = find_child (root (self), "os");
  for (xmlNode *child = os ? os->children : NULL; child != NULL; child = child->next)
    if (is_element (child, "boot"))
      {
        g_autofree char *dev = dup_prop (child, "dev");

        if (dev != NULL)
          g_ptr_array_add (result, g_steal_pointer (&dev));
      }
  g_ptr_array_add (result, NULL);

  /* Per-device boot elements: collect (order, kind) pairs and sort them. */
  devs = find_child (root (self), "devices");
  for (xmlNode *dev = devs != NULL ? devs->children : NULL; dev != NULL; dev = dev->next)
    {
      xmlNode *boot = is_element (dev, NULL) ? find_child (dev, "boot") : NULL;
      g_autofree char *order = dup_prop (boot, "order");
      const char *kind = boot_name_for_device (dev);

      if (order != NULL && kind != NULL)
        g_ptr_array_add (ordered, g_strdup_printf ("%08u %s",
                                                   (guint) g_ascii_strtoull (order, NULL, 10),
                                                   kind));
    }
  g_ptr_array_sort (ordered, compare_strings);
  for (guint i = 0; i < ordered->len; i++)
    {
      const char *kind = strchr (g_ptr_array_index (ordered, i), ' ') + 1;

      if (!g_strv_contains ((const char * const *) result->pdata, kind))
        {
          g_ptr_array_remove_index (result, result->len - 1);
          g_ptr_array_add (result, g_strdup (kind));
          g_ptr_array_add (result, NULL);
        }
    }

  return (GStrv) g_ptr_array_free (g_steal_pointer (&result), FALSE);
}

/**
 * hearth_domain_xml_set_boot_order:
 * @devices: (array zero-terminated=1): boot device kinds, first first: "hd",
 *   "cdrom", "network" or "fd", each at most once
 *
 * Writes <os><boot dev='…'/> elements. libvirt does not allow them together with
 * per-device <boot order='N'/>, so those are removed.
 *
 * Returns: %FALSE (%HEARTH_ERROR_INVALID_ARGUMENT) for an empty list, an unknown
 *   kind or a repeated one
 */
gboolean
hearth_domain_xml_set_boot_order (HearthDomainXml    *self,
                                  const char * const *devs,
                                  GError            **error)
{
  static const char *after[] = { NULL };
  xmlNode *devices_node;
  xmlNode *os;
  xmlNode *anchor = NULL;
  xmlNode *child;
  xmlNode *next;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);

  if (devs == NULL || devs[0] == NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "The boot order needs at least one device");
      return FALSE;
    }
  for (guint i = 0; devs[i] != NULL; i++)
    {
      if (!g_strv_contains (boot_devices, devs[i]))
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "“%s” is not a boot device (hd, cdrom, network or fd)", devs[i]);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        if (g_str_equal (devs[i], devs[j]))
          {
            g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                         "“%s” appears twice in the boot order", devs[i]);
            return FALSE;
          }
    }

  /* Nothing to do when the order is already written this way. */
  {
    g_auto(GStrv) current = hearth_domain_xml_dup_boot_order (self);
    xmlNode *devs_node = find_child (root (self), "devices");
    gboolean per_device = FALSE;

    for (child = devs_node ? devs_node->children : NULL; child != NULL; child = child->next)
      if (is_element (child, NULL) && find_child (child, "boot") != NULL)
        per_device = TRUE;
    if (!per_device && g_strv_equal ((const char * const *) current, devs))
      return TRUE;
  }

  devices_node = find_child (root (self), "devices");
  for (child = devices_node != NULL ? devices_node->children : NULL; child != NULL;
       child = child->next)
    {
      xmlNode *boot = is_element (child, NULL) ? find_child (child, "boot") : NULL;

      if (boot != NULL)
        remove_node (boot);
    }

  os = ensure_child (self, root (self), "os", after);
  for (child = os->children; child != NULL; child = next)
    {
      next = child->next;
      if (is_element (child, "boot"))
        {
          /* New boot elements go where the old ones were. */
          anchor = child->prev;
          while (anchor != NULL && !is_element (anchor, NULL))
            anchor = anchor->prev;
          remove_node (child);
        }
    }
  if (anchor == NULL)
    anchor = find_child (os, "kernel") ? find_child (os, "cmdline") : NULL;
  if (anchor == NULL)
    {
      for (child = os->children; child != NULL; child = child->next)
        if (is_element (child, "type") || is_element (child, "firmware")
            || is_element (child, "loader") || is_element (child, "nvram"))
          anchor = child;
    }

  for (guint i = 0; devs[i] != NULL; i++)
    {
      xmlNode *boot = new_element (self, "boot");

      set_prop (boot, "dev", devs[i]);
      anchor = insert_after (os, anchor, boot);
    }
  return TRUE;
}

/** hearth_domain_xml_get_boot_menu: Returns: whether the firmware shows a boot menu */
gboolean
hearth_domain_xml_get_boot_menu (HearthDomainXml *self)
{
  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);
  return prop_equals (find_path (root (self), "os", "bootmenu", NULL), "enable", "yes");
}

/** hearth_domain_xml_set_boot_menu: Shows or hides the firmware's boot menu. */
void
hearth_domain_xml_set_boot_menu (HearthDomainXml *self,
                                 gboolean         enabled)
{
  static const char *after[] = { "type", "firmware", "loader", "nvram", "boot", NULL };
  xmlNode *os;

  g_return_if_fail (HEARTH_IS_DOMAIN_XML (self));

  if (enabled == hearth_domain_xml_get_boot_menu (self))
    return;

  os = ensure_child (self, root (self), "os", NULL);
  set_prop (ensure_child (self, os, "bootmenu", after), "enable", enabled ? "yes" : "no");
}

static xmlNode *
primary_video (HearthDomainXml *self)
{
  xmlNode *devs = find_child (root (self), "devices");
  xmlNode *first = NULL;

  for (xmlNode *child = devs ? devs->children : NULL; child != NULL; child = child->next)
    if (is_element (child, "video"))
      {
        if (prop_equals (find_child (child, "model"), "primary", "yes"))
          return child;
        if (first == NULL)
          first = child;
      }
  return first;
}

/**
 * hearth_domain_xml_dup_video_model:
 *
 * Returns: (transfer full) (nullable): the primary video card's model
 */
char *
hearth_domain_xml_dup_video_model (HearthDomainXml *self)
{
  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);
  return dup_prop (find_child (primary_video (self), "model"), "type");
}

/**
 * hearth_domain_xml_set_video_model:
 * @model: "virtio", "qxl", "vga", "bochs", "cirrus", "ramfb" or "vmvga"
 *
 * Changes the primary video card's model. Sizes that belong to the old model (ram,
 * vram, vgamem) are dropped so libvirt picks the new model's defaults; 3D
 * acceleration is dropped unless the new model is virtio.
 *
 * Returns: %FALSE (%HEARTH_ERROR_INVALID_ARGUMENT) for an unknown model
 */
gboolean
hearth_domain_xml_set_video_model (HearthDomainXml *self,
                                   const char      *model,
                                   GError         **error)
{
  xmlNode *video;
  xmlNode *model_node;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);
  g_return_val_if_fail (model != NULL, FALSE);

  if (!g_strv_contains (video_models, model))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a video model Hearth supports", model);
      return FALSE;
    }

  video = primary_video (self);
  if (video == NULL)
    video = insert_after (devices (self), NULL, new_element (self, "video"));
  model_node = find_child (video, "model");
  if (model_node == NULL)
    model_node = insert_after (video, NULL, new_element (self, "model"));
  if (prop_equals (model_node, "type", model))
    return TRUE;

  set_prop (model_node, "type", model);
  unset_prop (model_node, "ram");
  unset_prop (model_node, "vram");
  unset_prop (model_node, "vram64");
  unset_prop (model_node, "vgamem");
  if (!g_str_equal (model, "virtio"))
    {
      xmlNode *accel = find_child (model_node, "acceleration");

      if (accel != NULL)
        remove_node (accel);
    }
  return TRUE;
}

static xmlNode *
find_disk (HearthDomainXml *self,
           const char      *target)
{
  xmlNode *devs = find_child (root (self), "devices");

  for (xmlNode *child = devs ? devs->children : NULL; child != NULL; child = child->next)
    if (is_element (child, "disk")
        && prop_equals (find_child (child, "target"), "dev", target))
      return child;
  return NULL;
}

static char *
dup_disk_source (xmlNode *disk)
{
  xmlNode *source = find_child (disk, "source");
  char *path = dup_prop (source, "file");

  if (path == NULL)
    path = dup_prop (source, "dev");
  if (path == NULL)
    path = dup_prop (source, "dir");
  return path;
}

/**
 * hearth_domain_xml_list_disks:
 *
 * Lists disks, CD-ROMs and floppies in document order. Only @path, @target,
 * @device and @readonly are filled in; sizes and pool membership need libvirt.
 * An empty CD-ROM drive has a %NULL @path.
 *
 * Returns: (transfer full) (element-type HearthStorageItem): the disks
 */
GPtrArray *
hearth_domain_xml_list_disks (HearthDomainXml *self)
{
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_storage_item_free);
  xmlNode *devs;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), items);

  devs = find_child (root (self), "devices");
  for (xmlNode *child = devs ? devs->children : NULL; child != NULL; child = child->next)
    {
      HearthStorageItem *item;

      if (!is_element (child, "disk"))
        continue;
      item = g_new0 (HearthStorageItem, 1);
      item->path = dup_disk_source (child);
      item->target = dup_prop (find_child (child, "target"), "dev");
      item->device = dup_prop (child, "device");
      if (item->device == NULL)
        item->device = g_strdup ("disk");
      item->readonly = find_child (child, "readonly") != NULL
                       || find_child (child, "shareable") != NULL;
      g_ptr_array_add (items, item);
    }
  return items;
}

/**
 * hearth_domain_xml_dup_disk_xml:
 *
 * Returns: (transfer full) (nullable): the <disk> element with target @target, for
 *   libvirt's device APIs, or %NULL when there is none
 */
char *
hearth_domain_xml_dup_disk_xml (HearthDomainXml *self,
                                const char      *target)
{
  xmlNode *disk;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);
  g_return_val_if_fail (target != NULL, NULL);

  disk = find_disk (self, target);
  return disk != NULL ? dump_node (disk) : NULL;
}

/**
 * hearth_domain_xml_dup_cdrom_target:
 *
 * Returns: (transfer full) (nullable): the first CD-ROM drive's target
 */
char *
hearth_domain_xml_dup_cdrom_target (HearthDomainXml *self)
{
  xmlNode *devs;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);

  devs = find_child (root (self), "devices");
  for (xmlNode *child = devs ? devs->children : NULL; child != NULL; child = child->next)
    if (is_element (child, "disk") && prop_equals (child, "device", "cdrom"))
      return dup_prop (find_child (child, "target"), "dev");
  return NULL;
}

/**
 * hearth_domain_xml_set_cdrom_media:
 * @target: (nullable): the CD-ROM drive ("sda", "hdc", …), or %NULL for the first
 * @path: (nullable): the ISO image to insert, or %NULL to eject
 *
 * Changes the media in a CD-ROM drive, keeping the drive's other settings.
 *
 * Returns: %FALSE with %HEARTH_ERROR_NOT_FOUND when there is no such drive, or
 *   %HEARTH_ERROR_INVALID_ARGUMENT when @target is not a CD-ROM drive
 */
gboolean
hearth_domain_xml_set_cdrom_media (HearthDomainXml *self,
                                   const char      *target,
                                   const char      *path,
                                   GError         **error)
{
  g_autofree char *first = NULL;
  xmlNode *disk;
  xmlNode *source;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);

  if (target == NULL)
    target = first = hearth_domain_xml_dup_cdrom_target (self);
  if (target == NULL || !(disk = find_disk (self, target)))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND,
                   "The machine has no CD-ROM drive%s%s", target ? " " : "", target ? target : "");
      return FALSE;
    }
  if (!prop_equals (disk, "device", "cdrom"))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "The disk %s is not a CD-ROM drive", target);
      return FALSE;
    }

  source = find_child (disk, "source");
  if (path == NULL)
    {
      if (source != NULL)
        remove_node (source);
      return TRUE;
    }

  if (!prop_equals (disk, "type", "file") && source != NULL)
    {
      /* A block device or network source has attributes and children of its own
       * that mean nothing for a file. */
      remove_node (source);
      source = NULL;
    }
  set_prop (disk, "type", "file");
  if (source == NULL)
    {
      static const char *after[] = { "driver", NULL };

      source = ensure_child (self, disk, "source", after);
    }
  set_prop (source, "file", path);
  /* The live XML numbers sources (index='1'); a new image is a new source. */
  unset_prop (source, "index");
  return TRUE;
}

static char *
free_target (HearthDomainXml *self,
             const char      *prefix)
{
  for (char letter = 'a'; letter <= 'z'; letter++)
    {
      g_autofree char *target = g_strdup_printf ("%s%c", prefix, letter);

      if (find_disk (self, target) == NULL)
        return g_steal_pointer (&target);
    }
  return NULL;
}

/**
 * hearth_domain_xml_add_disk:
 * @path: the image file
 * @format: (nullable): its format ("qcow2", "raw"), or %NULL to let libvirt probe
 *   nothing and assume raw
 *
 * Adds a virtio disk after the machine's other disks, on the first free vdX target.
 *
 * Returns: (transfer full): the new disk's target, or %NULL when vda…vdz are taken
 */
char *
hearth_domain_xml_add_disk (HearthDomainXml *self,
                            const char      *path,
                            const char      *format,
                            GError         **error)
{
  g_autofree char *target = NULL;
  g_autofree char *domain_type = NULL;
  xmlNode *devs;
  xmlNode *anchor = NULL;
  xmlNode *disk;
  xmlNode *node;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (!(target = free_target (self, "vd")))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                   "The machine has no free virtio disk slot left");
      return NULL;
    }

  devs = devices (self);
  for (xmlNode *child = devs->children; child != NULL; child = child->next)
    if (is_element (child, "disk") || is_element (child, "emulator"))
      anchor = child;

  disk = new_element (self, "disk");
  set_prop (disk, "type", "file");
  set_prop (disk, "device", "disk");
  domain_type = dup_prop (root (self), "type");
  if (format != NULL)
    {
      node = xmlNewChild (disk, NULL, (const xmlChar *) "driver", NULL);
      if (g_strcmp0 (domain_type, "kvm") == 0 || g_strcmp0 (domain_type, "qemu") == 0)
        set_prop (node, "name", "qemu");
      set_prop (node, "type", format);
    }
  node = xmlNewChild (disk, NULL, (const xmlChar *) "source", NULL);
  set_prop (node, "file", path);
  node = xmlNewChild (disk, NULL, (const xmlChar *) "target", NULL);
  set_prop (node, "dev", target);
  set_prop (node, "bus", "virtio");

  if (anchor != NULL)
    insert_after (devs, anchor, disk);
  else
    {
      xmlNode *first = devs->children;

      while (first != NULL && !is_element (first, NULL))
        first = first->next;
      if (first != NULL)
        xmlAddPrevSibling (first, disk);
      else
        insert_after (devs, NULL, disk);
    }

  return g_steal_pointer (&target);
}

/**
 * hearth_domain_xml_remove_disk:
 *
 * Removes the disk (or CD-ROM drive) with target @target. The image file is not
 * touched.
 *
 * Returns: %FALSE (%HEARTH_ERROR_NOT_FOUND) when there is no such disk
 */
gboolean
hearth_domain_xml_remove_disk (HearthDomainXml *self,
                               const char      *target,
                               GError         **error)
{
  xmlNode *disk;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);
  g_return_val_if_fail (target != NULL, FALSE);

  if (!(disk = find_disk (self, target)))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND,
                   "The machine has no disk %s", target);
      return FALSE;
    }
  remove_node (disk);
  return TRUE;
}

static xmlNode *
find_interface (HearthDomainXml *self,
                const char      *mac)
{
  xmlNode *devs = find_child (root (self), "devices");

  for (xmlNode *child = devs ? devs->children : NULL; child != NULL; child = child->next)
    if (is_element (child, "interface"))
      {
        g_autofree char *address = dup_prop (find_child (child, "mac"), "address");

        if (mac == NULL || (address != NULL && g_ascii_strcasecmp (address, mac) == 0))
          return child;
      }
  return NULL;
}

/**
 * hearth_domain_xml_list_interfaces:
 *
 * Returns: (transfer full) (element-type HearthInterfaceItem): the network interfaces
 */
GPtrArray *
hearth_domain_xml_list_interfaces (HearthDomainXml *self)
{
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_interface_item_free);
  xmlNode *devs;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), items);

  devs = find_child (root (self), "devices");
  for (xmlNode *child = devs ? devs->children : NULL; child != NULL; child = child->next)
    {
      HearthInterfaceItem *item;
      xmlNode *source;

      if (!is_element (child, "interface"))
        continue;
      item = g_new0 (HearthInterfaceItem, 1);
      source = find_child (child, "source");
      item->mac = dup_prop (find_child (child, "mac"), "address");
      item->type = dup_prop (child, "type");
      item->source = dup_prop (source, "network");
      if (item->source == NULL)
        item->source = dup_prop (source, "bridge");
      if (item->source == NULL)
        item->source = dup_prop (source, "dev");
      item->model = dup_prop (find_child (child, "model"), "type");
      item->link_up = !prop_equals (find_child (child, "link"), "state", "down");
      g_ptr_array_add (items, item);
    }
  return items;
}

/**
 * hearth_domain_xml_dup_interface_xml:
 * @mac: (nullable): the interface's MAC address, or %NULL for the first interface
 *
 * Returns: (transfer full) (nullable): the <interface> element, or %NULL
 */
char *
hearth_domain_xml_dup_interface_xml (HearthDomainXml *self,
                                     const char      *mac)
{
  xmlNode *iface;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);

  iface = find_interface (self, mac);
  return iface != NULL ? dump_node (iface) : NULL;
}

/**
 * hearth_domain_xml_set_interface_link:
 * @mac: (nullable): the interface's MAC address, or %NULL for the first interface
 * @up: whether the virtual cable is plugged in
 *
 * Returns: %FALSE (%HEARTH_ERROR_NOT_FOUND) when there is no such interface
 */
gboolean
hearth_domain_xml_set_interface_link (HearthDomainXml *self,
                                      const char      *mac,
                                      gboolean         up,
                                      GError         **error)
{
  static const char *after[] = { "mac", "source", "target", "model", "driver", NULL };
  xmlNode *iface;
  xmlNode *link;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);

  if (!(iface = find_interface (self, mac)))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND,
                   "The machine has no network interface%s%s", mac ? " " : "", mac ? mac : "");
      return FALSE;
    }

  link = find_child (iface, "link");
  if (up && link == NULL)
    return TRUE;
  if (link == NULL)
    link = ensure_child (self, iface, "link", after);
  set_prop (link, "state", up ? "up" : "down");
  return TRUE;
}

static xmlNode *
require_interface (HearthDomainXml *self,
                   const char      *mac,
                   GError         **error)
{
  xmlNode *iface = find_interface (self, mac);

  if (iface == NULL)
    g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND,
                 "The machine has no network interface%s%s", mac ? " " : "", mac ? mac : "");
  return iface;
}

/**
 * hearth_domain_xml_set_interface_network:
 * @mac: (nullable): the interface's MAC address, or %NULL for the first interface
 * @network: the libvirt network (zone) to connect it to
 *
 * Connects the interface to a libvirt network: it becomes `type='network'` with
 * `<source network='…'/>`. What belonged to its old kind of connection (a bridge,
 * a host device, a port) goes; its MAC address, model, link state and anything
 * else stay.
 *
 * Returns: %FALSE with %HEARTH_ERROR_NOT_FOUND when there is no such interface,
 *   %HEARTH_ERROR_INVALID_ARGUMENT for an empty network name
 */
gboolean
hearth_domain_xml_set_interface_network (HearthDomainXml *self,
                                         const char      *mac,
                                         const char      *network,
                                         GError         **error)
{
  static const char *after[] = { "mac", NULL };
  xmlNode *iface;
  xmlNode *source;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);

  if (network == NULL || network[0] == '\0')
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "An interface needs a network to connect to");
      return FALSE;
    }
  if (!(iface = require_interface (self, mac, error)))
    return FALSE;

  source = find_child (iface, "source");
  if (prop_equals (iface, "type", "network") && prop_equals (source, "network", network))
    return TRUE;

  if (!prop_equals (iface, "type", "network"))
    {
      xmlNode *port;

      set_prop (iface, "type", "network");
      if (source != NULL)
        remove_node (source);
      source = NULL;
      /* A tap device name and a port id belong to the old connection. */
      if ((port = find_child (iface, "target")) != NULL)
        remove_node (port);
    }
  if (source == NULL)
    source = ensure_child (self, iface, "source", after);
  unset_prop (source, "portid");
  unset_prop (source, "bridge");
  set_prop (source, "network", network);
  return TRUE;
}

/**
 * hearth_domain_xml_set_interface_model:
 * @mac: (nullable): the interface's MAC address, or %NULL for the first interface
 * @model: "virtio", "e1000e", "e1000" or "rtl8139"
 *
 * Returns: %FALSE with %HEARTH_ERROR_NOT_FOUND when there is no such interface,
 *   %HEARTH_ERROR_INVALID_ARGUMENT for another model
 */
gboolean
hearth_domain_xml_set_interface_model (HearthDomainXml *self,
                                       const char      *mac,
                                       const char      *model,
                                       GError         **error)
{
  static const char *after[] = { "mac", "source", "target", NULL };
  xmlNode *iface;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);

  if (model == NULL || !g_strv_contains (nic_models, model))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a network card model Hearth supports", model ? model : "");
      return FALSE;
    }
  if (!(iface = require_interface (self, mac, error)))
    return FALSE;

  set_prop (ensure_child (self, iface, "model", after), "type", model);
  return TRUE;
}

/* Processor, firmware, MAC address and 3D acceleration ------------------------ */

/**
 * hearth_domain_xml_dup_domain_type:
 *
 * Returns: (transfer full) (nullable): the hypervisor type: "kvm", "qemu" (TCG,
 *   QEMU's emulator), "test", …
 */
char *
hearth_domain_xml_dup_domain_type (HearthDomainXml *self)
{
  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);
  return dup_prop (root (self), "type");
}

/**
 * hearth_domain_xml_dup_arch:
 *
 * Returns: (transfer full) (nullable): the guest architecture ("x86_64")
 */
char *
hearth_domain_xml_dup_arch (HearthDomainXml *self)
{
  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);
  return dup_prop (find_path (root (self), "os", "type", NULL), "arch");
}

/**
 * hearth_domain_xml_dup_emulator:
 *
 * Returns: (transfer full) (nullable): the emulator binary, or %NULL for the default
 */
char *
hearth_domain_xml_dup_emulator (HearthDomainXml *self)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);
  path = dup_text (find_path (root (self), "devices", "emulator", NULL));
  return path != NULL ? g_strdup (g_strstrip (path)) : NULL;
}

/**
 * hearth_domain_xml_dup_cpu_model:
 *
 * The CPU the guest sees: "host-model", "host-passthrough" or "maximum" for
 * those modes, a named model ("Skylake-Client") for a custom CPU.
 *
 * Returns: (transfer full) (nullable): the CPU model, or %NULL when the machine
 *   leaves it to the hypervisor's default
 */
char *
hearth_domain_xml_dup_cpu_model (HearthDomainXml *self)
{
  xmlNode *cpu;
  g_autofree char *mode = NULL;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);

  cpu = find_child (root (self), "cpu");
  mode = dup_prop (cpu, "mode");
  if (mode != NULL && !g_str_equal (mode, "custom"))
    return g_steal_pointer (&mode);
  if (find_child (cpu, "model") != NULL)
    {
      g_autofree char *model = dup_text (find_child (cpu, "model"));

      return g_strdup (g_strstrip (model));
    }
  return NULL;
}

/**
 * hearth_domain_xml_set_cpu_model:
 * @model: "host-model", "host-passthrough", "maximum", or a named CPU model
 *
 * Sets the mode of <cpu>, or a custom mode with the named model. Its topology,
 * NUMA cells, cache and features stay; what belongs to the old mode alone (a
 * model and vendor, match, check, migratable) goes.
 *
 * Returns: %FALSE (%HEARTH_ERROR_INVALID_ARGUMENT) for an empty or malformed name
 */
gboolean
hearth_domain_xml_set_cpu_model (HearthDomainXml *self,
                                 const char      *model,
                                 GError         **error)
{
  static const char *after[] = { "name", "uuid", "title", "description", "metadata", "memory",
                                 "currentMemory", "vcpu", "vcpus", "iothreads", "cputune",
                                 "resource", "sysinfo", "bootloader", "os", "idmap",
                                 "features", NULL };
  static const char *modes[] = { "host-model", "host-passthrough", "maximum", NULL };
  g_autofree char *current = NULL;
  xmlNode *cpu;
  xmlNode *node;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);

  if (model == NULL || model[0] == '\0' || strlen (model) > 64
      || strspn (model, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
         != strlen (model))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a CPU model name", model ? model : "");
      return FALSE;
    }

  current = hearth_domain_xml_dup_cpu_model (self);
  if (g_strcmp0 (current, model) == 0)
    return TRUE;

  cpu = ensure_child (self, root (self), "cpu", after);
  unset_prop (cpu, "match");
  unset_prop (cpu, "check");
  if ((node = find_child (cpu, "vendor")) != NULL)
    remove_node (node);
  if (g_strv_contains (modes, model))
    {
      set_prop (cpu, "mode", model);
      if (g_str_equal (model, "host-model"))
        unset_prop (cpu, "migratable");
      if ((node = find_child (cpu, "model")) != NULL)
        remove_node (node);
      return TRUE;
    }

  set_prop (cpu, "mode", "custom");
  set_prop (cpu, "match", "exact");
  unset_prop (cpu, "migratable");
  node = find_child (cpu, "model");
  if (node == NULL)
    {
      node = new_element (self, "model");
      /* The model comes first among <cpu>'s children. */
      if (find_child (cpu, NULL) != NULL)
        {
          xmlNode *first = find_child (cpu, NULL);
          g_autofree char *indent = dup_indent_before (first);

          xmlAddPrevSibling (first, node);
          xmlAddNextSibling (node, xmlNewDocText (self->doc, (const xmlChar *) indent));
        }
      else
        insert_after (cpu, NULL, node);
    }
  /* fallback='allow' lets libvirt pick the closest model the host can run. */
  set_prop (node, "fallback", "allow");
  set_text (node, model);
  return TRUE;
}

static gboolean
is_efi_loader (xmlNode *loader)
{
  g_autofree char *path = dup_text (loader);

  return prop_equals (loader, "type", "pflash")
         || (path != NULL && (strstr (path, "OVMF") != NULL || strstr (path, "edk2") != NULL
                              || strstr (path, "AAVMF") != NULL));
}

/**
 * hearth_domain_xml_dup_firmware:
 *
 * Returns: (transfer full): "efi" for UEFI (firmware autoselection or an OVMF
 *   loader), else "bios"
 */
char *
hearth_domain_xml_dup_firmware (HearthDomainXml *self)
{
  xmlNode *os;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);

  os = find_child (root (self), "os");
  if (prop_equals (os, "firmware", "efi") || is_efi_loader (find_child (os, "loader")))
    return g_strdup ("efi");
  return g_strdup ("bios");
}

/**
 * hearth_domain_xml_dup_nvram:
 *
 * Returns: (transfer full) (nullable): the UEFI variable store's file, or "" when
 *   the machine has an <nvram> element without a path, or %NULL when it has none
 */
char *
hearth_domain_xml_dup_nvram (HearthDomainXml *self)
{
  xmlNode *nvram;
  g_autofree char *path = NULL;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), NULL);

  nvram = find_path (root (self), "os", "nvram", NULL);
  if (nvram == NULL)
    return NULL;
  path = dup_text (nvram);
  return g_strdup (path != NULL ? g_strstrip (path) : "");
}

/**
 * hearth_domain_xml_set_firmware:
 * @firmware: "efi" or "bios"
 *
 * Switches firmware: UEFI through libvirt's firmware autoselection
 * (<os firmware='efi'>), BIOS by dropping it together with the loader, the
 * variable store and the firmware features. The caller checks that the switch is
 * safe (see hearth_machine_settings_set_firmware()).
 *
 * Returns: %FALSE (%HEARTH_ERROR_INVALID_ARGUMENT) for another value
 */
gboolean
hearth_domain_xml_set_firmware (HearthDomainXml *self,
                                const char      *firmware,
                                GError         **error)
{
  g_autofree char *current = NULL;
  xmlNode *os;
  xmlNode *node;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);

  if (g_strcmp0 (firmware, "efi") != 0 && g_strcmp0 (firmware, "bios") != 0)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a firmware (efi or bios)", firmware ? firmware : "");
      return FALSE;
    }
  current = hearth_domain_xml_dup_firmware (self);
  if (g_str_equal (current, firmware))
    return TRUE;

  os = ensure_child (self, root (self), "os", NULL);
  if ((node = find_child (os, "loader")) != NULL)
    remove_node (node);
  if ((node = find_child (os, "nvram")) != NULL)
    remove_node (node);
  if ((node = find_child (os, "firmware")) != NULL)
    remove_node (node);
  if (g_str_equal (firmware, "efi"))
    set_prop (os, "firmware", "efi");
  else
    unset_prop (os, "firmware");
  return TRUE;
}

/**
 * hearth_domain_xml_check_mac:
 * @mac: a MAC address, "52:54:00:12:34:56"
 *
 * Returns: %FALSE (%HEARTH_ERROR_INVALID_ARGUMENT) unless @mac is six hex pairs
 *   separated by colons, with the unicast bit clear and not all zero
 */
gboolean
hearth_domain_xml_check_mac (const char *mac,
                             GError    **error)
{
  guint first = 0;
  gboolean zero = TRUE;

  if (mac == NULL || strlen (mac) != 17)
    goto malformed;
  for (guint i = 0; i < 17; i++)
    {
      if (i % 3 == 2 ? mac[i] != ':' : !g_ascii_isxdigit (mac[i]))
        goto malformed;
      if (i % 3 != 2 && mac[i] != '0')
        zero = FALSE;
    }
  first = g_ascii_xdigit_value (mac[0]) * 16 + g_ascii_xdigit_value (mac[1]);
  if (first & 1)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "%s is a multicast address; a network card needs a unicast one", mac);
      return FALSE;
    }
  if (zero)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "00:00:00:00:00:00 is not a usable MAC address");
      return FALSE;
    }
  return TRUE;

malformed:
  g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
               "“%s” is not a MAC address (six pairs of hex digits separated by colons)",
               mac ? mac : "");
  return FALSE;
}

/**
 * hearth_domain_xml_set_interface_mac:
 * @mac: (nullable): the interface's MAC address, or %NULL for the first interface
 * @new_mac: its new address, checked by hearth_domain_xml_check_mac()
 *
 * Returns: %FALSE with %HEARTH_ERROR_NOT_FOUND when there is no such interface,
 *   %HEARTH_ERROR_INVALID_ARGUMENT for a bad address or one another interface of
 *   the machine has
 */
gboolean
hearth_domain_xml_set_interface_mac (HearthDomainXml *self,
                                     const char      *mac,
                                     const char      *new_mac,
                                     GError         **error)
{
  g_autofree char *lower = NULL;
  xmlNode *iface;
  xmlNode *other;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);

  if (!hearth_domain_xml_check_mac (new_mac, error))
    return FALSE;
  if (!(iface = require_interface (self, mac, error)))
    return FALSE;
  other = find_interface (self, new_mac);
  if (other != NULL && other != iface)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "Another network card of this machine already has the address %s", new_mac);
      return FALSE;
    }
  lower = g_ascii_strdown (new_mac, -1);
  if (prop_equals (find_child (iface, "mac"), "address", lower))
    return TRUE;
  set_prop (ensure_child (self, iface, "mac", NULL), "address", lower);
  return TRUE;
}

static xmlNode *
find_graphics (HearthDomainXml *self,
               const char      *type)
{
  xmlNode *devs = find_child (root (self), "devices");

  for (xmlNode *child = devs ? devs->children : NULL; child != NULL; child = child->next)
    if (is_element (child, "graphics") && prop_equals (child, "type", type))
      return child;
  return NULL;
}

/** hearth_domain_xml_get_accel3d: Returns: whether the primary video card renders 3D */
gboolean
hearth_domain_xml_get_accel3d (HearthDomainXml *self)
{
  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);
  return prop_equals (find_path (primary_video (self), "model", "acceleration", NULL),
                      "accel3d", "yes");
}

/* SPICE can hand GL frames to a local client only when it does not listen on the
 * network; Hearth always connects through a file descriptor. */
static gboolean
spice_is_local (xmlNode *spice)
{
  xmlNode *listen = find_child (spice, "listen");

  return listen != NULL && prop_equals (listen, "type", "none");
}

/**
 * hearth_domain_xml_set_accel3d:
 * @enabled: whether the guest gets 3D acceleration
 *
 * On: the primary video card becomes virtio with `accel3d='yes'`, and the frames
 * are rendered on the host's GPU by SPICE's GL (a SPICE display that listens on no
 * network) or else by an `egl-headless` display. Off: both go again; the video
 * model stays. The caller checks the host has a render node.
 */
gboolean
hearth_domain_xml_set_accel3d (HearthDomainXml *self,
                               gboolean         enabled,
                               GError         **error)
{
  static const char *gl_after[] = { "listen", "channel", "image", "jpeg", "zlib", "playback",
                                    "streaming", "clipboard", "mouse", "filetransfer", NULL };
  xmlNode *spice;
  xmlNode *accel;
  xmlNode *egl;

  g_return_val_if_fail (HEARTH_IS_DOMAIN_XML (self), FALSE);

  spice = find_graphics (self, "spice");
  egl = find_graphics (self, "egl-headless");
  if (!enabled)
    {
      xmlNode *gl = find_child (spice, "gl");

      accel = find_path (primary_video (self), "model", "acceleration", NULL);
      if (accel != NULL && prop_equals (accel, "accel3d", "yes"))
        set_prop (accel, "accel3d", "no");
      if (gl != NULL && prop_equals (gl, "enable", "yes"))
        set_prop (gl, "enable", "no");
      if (egl != NULL)
        remove_node (egl);
      return TRUE;
    }

  if (!hearth_domain_xml_set_video_model (self, "virtio", error))
    return FALSE;
  accel = ensure_child (self, find_child (primary_video (self), "model"), "acceleration", NULL);
  set_prop (accel, "accel3d", "yes");
  if (spice != NULL && spice_is_local (spice))
    set_prop (ensure_child (self, spice, "gl", gl_after), "enable", "yes");
  else if (egl == NULL)
    {
      xmlNode *devs = devices (self);
      xmlNode *anchor = NULL;

      for (xmlNode *child = devs->children; child != NULL; child = child->next)
        if (is_element (child, "graphics"))
          anchor = child;
      egl = new_element (self, "graphics");
      set_prop (egl, "type", "egl-headless");
      insert_after (devs, anchor, egl);
    }
  return TRUE;
}
