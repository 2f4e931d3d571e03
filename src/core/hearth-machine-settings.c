/* hearth-machine-settings.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-settings"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "hearth-core-private.h"
#include "hearth-domain-xml.h"
#include "hearth-machine-settings.h"

/**
 * HearthMachineSettings:
 *
 * The settings of one machine, read from libvirt by
 * hearth_machine_settings_load_async(), with the changes a user makes recorded as
 * pending until hearth_machine_settings_apply_async() carries them out.
 *
 * Applying is a read–modify–write of the inactive domain XML through
 * #HearthDomainXml, so everything Hearth does not manage survives, followed by the
 * live changes a running machine allows (vCPUs, balloon, CD-ROM media, link state,
 * disk hot-plug). Every change is checked before the first one is made; when a
 * later step fails the configuration is put back, so nothing is half-applied.
 * The getters return what was last loaded; main thread only.
 */
struct _HearthMachineSettings
{
  GObject parent_instance;

  HearthMachine *machine;   /* owned */
  struct Snapshot *snapshot; /* owned; what was last loaded */
  struct Pending *pending;  /* owned; never NULL */
  guint applying;           /* apply operations under way */
  HearthSnapshotTree *snapshot_tree; /* owned, or NULL: no snapshot before applying */
  char *snapshot_reason;
};

G_DEFINE_FINAL_TYPE (HearthMachineSettings, hearth_machine_settings, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_MACHINE,
  PROP_RUNNING,
  PROP_PENDING,
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

#define LIBOSINFO_NS "http://libosinfo.org/xmlns/libvirt/domain/1.0"

typedef struct _virStoragePool SettingsVirPool;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SettingsVirPool, virStoragePoolFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

/* Everything the settings show, read in a worker. */
typedef struct Snapshot
{
  HearthDomainXml *config;        /* the inactive XML: what the next start uses */
  HearthDomainXml *live;          /* the running machine's XML, or NULL */
  char            *config_xml;
  char            *name;
  char            *title;
  char            *description;
  char            *os_id;
  char            *video_model;
  GStrv            boot_order;
  gboolean         active;
  gboolean         persistent;
  gboolean         autostart;
  guint            host_threads;
  guint64          host_memory;   /* bytes */
  GPtrArray       *disks;         /* HearthStorageItem, with sizes */
  GPtrArray       *interfaces;    /* HearthInterfaceItem */
  char            *pool;          /* the pool of the first disk, or NULL */
  guint64          pool_available;
  char            *domain_type;   /* "kvm", "qemu" (TCG), "test" */
  char            *cpu_model;     /* NULL: the hypervisor's default */
  GStrv            cpu_models;    /* named models the host can run; NULL if unknown */
  int              passthrough;   /* host-passthrough: 1 supported, 0 not, -1 unknown */
  int              host_model;    /* host-model: the same */
  int              efi;           /* UEFI firmware on the host: 1, 0, -1 unknown */
  gboolean         nested;        /* a local host that is itself a virtual machine */
  char            *firmware;      /* "efi" or "bios" */
  char            *nvram;         /* the UEFI variable store, or NULL */
  gboolean         nvram_exists;
  int              n_snapshots;   /* -1 when unknown */
  gboolean         accel3d;
  char            *render_node;   /* a local /dev/dri/renderD*, or NULL */
  int              egl_headless;  /* QEMU can render GL off screen: 1, 0, -1 unknown */
  gboolean         local;
} Snapshot;

/* The changes a user asked for. Copied for the worker. */
typedef struct Pending
{
  HearthSettingFlags flags;
  char              *name;
  char              *title;
  char              *description;
  gboolean           autostart;
  guint              vcpus;
  guint              max_vcpus;
  guint64            memory;
  guint64            max_memory;
  char              *cdrom_target;
  char              *cdrom_path;     /* NULL ejects */
  char              *link_mac;
  gboolean           link_up;
  guint64            disk_size;
  char              *remove_target;
  gboolean           delete_image;
  gboolean           sound;
  GStrv              boot_order;     /* NULL keeps it */
  gboolean           boot_menu_set;
  gboolean           boot_menu;
  char              *video_model;
  char              *xml;
  char              *attach_path;
  char              *attach_format;  /* found by the worker; NULL before */
  char              *resize_target;
  guint64            resize_size;
  char              *os_id;
  char              *iface_mac;
  char              *iface_network;  /* NULL keeps it */
  char              *iface_model;    /* NULL keeps it */
  char              *cpu_model;
  char              *firmware;
  gboolean           os_needs_uefi;  /* from libosinfo, read on the main thread */
  char              *mac;            /* the interface whose address changes */
  char              *new_mac;
  gboolean           accel3d;
} Pending;

typedef struct
{
  virConnectPtr conn;     /* owned reference */
  char         *uri;
  char         *uuid;
  char         *name;
  gboolean      local;
  Pending      *pending;  /* owned copy */
} SettingsOp;

typedef struct
{
  HearthSettingFlags applied;     /* what the apply was asked to do */
  HearthSettingFlags now;
  HearthSettingFlags next_start;
  Snapshot          *snapshot;
} ApplyResult;

static void
snapshot_free (Snapshot *snapshot)
{
  if (snapshot == NULL)
    return;

  g_clear_object (&snapshot->config);
  g_clear_object (&snapshot->live);
  g_free (snapshot->config_xml);
  g_free (snapshot->name);
  g_free (snapshot->title);
  g_free (snapshot->description);
  g_free (snapshot->os_id);
  g_free (snapshot->video_model);
  g_strfreev (snapshot->boot_order);
  g_clear_pointer (&snapshot->disks, g_ptr_array_unref);
  g_clear_pointer (&snapshot->interfaces, g_ptr_array_unref);
  g_free (snapshot->pool);
  g_free (snapshot->domain_type);
  g_free (snapshot->cpu_model);
  g_strfreev (snapshot->cpu_models);
  g_free (snapshot->firmware);
  g_free (snapshot->nvram);
  g_free (snapshot->render_node);
  g_free (snapshot);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Snapshot, snapshot_free)

static void
pending_clear (Pending *pending)
{
  g_clear_pointer (&pending->name, g_free);
  g_clear_pointer (&pending->title, g_free);
  g_clear_pointer (&pending->description, g_free);
  g_clear_pointer (&pending->cdrom_target, g_free);
  g_clear_pointer (&pending->cdrom_path, g_free);
  g_clear_pointer (&pending->link_mac, g_free);
  g_clear_pointer (&pending->remove_target, g_free);
  g_clear_pointer (&pending->boot_order, g_strfreev);
  g_clear_pointer (&pending->video_model, g_free);
  g_clear_pointer (&pending->xml, g_free);
  g_clear_pointer (&pending->attach_path, g_free);
  g_clear_pointer (&pending->attach_format, g_free);
  g_clear_pointer (&pending->resize_target, g_free);
  g_clear_pointer (&pending->os_id, g_free);
  g_clear_pointer (&pending->iface_mac, g_free);
  g_clear_pointer (&pending->iface_network, g_free);
  g_clear_pointer (&pending->iface_model, g_free);
  g_clear_pointer (&pending->cpu_model, g_free);
  g_clear_pointer (&pending->firmware, g_free);
  g_clear_pointer (&pending->mac, g_free);
  g_clear_pointer (&pending->new_mac, g_free);
  memset (pending, 0, sizeof *pending);
}

static void
pending_free (Pending *pending)
{
  pending_clear (pending);
  g_free (pending);
}

static Pending *
pending_copy (const Pending *pending)
{
  Pending *copy = g_memdup2 (pending, sizeof *pending);

  copy->name = g_strdup (pending->name);
  copy->title = g_strdup (pending->title);
  copy->description = g_strdup (pending->description);
  copy->cdrom_target = g_strdup (pending->cdrom_target);
  copy->cdrom_path = g_strdup (pending->cdrom_path);
  copy->link_mac = g_strdup (pending->link_mac);
  copy->remove_target = g_strdup (pending->remove_target);
  copy->boot_order = g_strdupv (pending->boot_order);
  copy->video_model = g_strdup (pending->video_model);
  copy->xml = g_strdup (pending->xml);
  copy->attach_path = g_strdup (pending->attach_path);
  copy->attach_format = g_strdup (pending->attach_format);
  copy->resize_target = g_strdup (pending->resize_target);
  copy->os_id = g_strdup (pending->os_id);
  copy->iface_mac = g_strdup (pending->iface_mac);
  copy->iface_network = g_strdup (pending->iface_network);
  copy->iface_model = g_strdup (pending->iface_model);
  copy->cpu_model = g_strdup (pending->cpu_model);
  copy->firmware = g_strdup (pending->firmware);
  copy->mac = g_strdup (pending->mac);
  copy->new_mac = g_strdup (pending->new_mac);
  return copy;
}

static void
settings_op_free (SettingsOp *op)
{
  hearth_vir_connect_unref (op->conn);
  g_free (op->uri);
  g_free (op->uuid);
  g_free (op->name);
  g_clear_pointer (&op->pending, pending_free);
  g_free (op);
}

static void
apply_result_free (ApplyResult *result)
{
  snapshot_free (result->snapshot);
  g_free (result);
}

static char *
format_mib (guint64 bytes)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT " MiB", bytes / (1024 * 1024));
}

/* libxml2 helpers for the domain capabilities, a document Hearth only reads. */
static xmlNode *
caps_child (xmlNode    *parent,
            const char *name,
            const char *attr,
            const char *value)
{
  for (xmlNode *child = parent ? parent->children : NULL; child != NULL; child = child->next)
    {
      xmlChar *prop;
      gboolean match;

      if (child->type != XML_ELEMENT_NODE || !xmlStrEqual (child->name, (const xmlChar *) name))
        continue;
      if (attr == NULL)
        return child;
      prop = xmlGetProp (child, (const xmlChar *) attr);
      match = prop != NULL && xmlStrEqual (prop, (const xmlChar *) value);
      xmlFree (prop);
      if (match)
        return child;
    }
  return NULL;
}

static gboolean
caps_prop_is (xmlNode    *node,
              const char *attr,
              const char *value)
{
  xmlChar *prop = node ? xmlGetProp (node, (const xmlChar *) attr) : NULL;
  gboolean match = prop != NULL && xmlStrEqual (prop, (const xmlChar *) value);

  xmlFree (prop);
  return match;
}

/* Whether <enum name=@name> under @parent lists @value: 1, 0, or -1 without the enum. */
static int
caps_enum_has (xmlNode    *parent,
               const char *name,
               const char *value)
{
  xmlNode *list = caps_child (parent, "enum", "name", name);

  if (list == NULL)
    return -1;
  for (xmlNode *child = list->children; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE && xmlStrEqual (child->name, (const xmlChar *) "value"))
      {
        xmlChar *text = xmlNodeGetContent (child);
        gboolean match = text != NULL && xmlStrEqual (text, (const xmlChar *) value);

        xmlFree (text);
        if (match)
          return 1;
      }
  return 0;
}

/* Worker side: what the host offers this machine, from the domain capabilities
 * (CPU modes and models, UEFI, GL displays), the host's CPU flags and render
 * nodes (local hosts only) and the machine's snapshots. Unknown stays -1/NULL; a
 * driver without domain capabilities (the test driver) is not an error. */
static void
fetch_host_features (virConnectPtr conn,
                     virDomainPtr  domain,
                     Snapshot     *snapshot)
{
  g_autofree char *emulator = NULL;
  g_autofree char *arch = NULL;
  g_autofree char *machine = NULL;
  g_autofree char *caps_xml = NULL;
  g_autoptr(xmlDoc) caps = NULL;
  g_autoptr(HearthDomainXml) config = g_object_ref (snapshot->config);
  xmlNode *top;
  char *xml;

  snapshot->domain_type = hearth_domain_xml_dup_domain_type (config);
  snapshot->cpu_model = hearth_domain_xml_dup_cpu_model (config);
  snapshot->firmware = hearth_domain_xml_dup_firmware (config);
  snapshot->nvram = hearth_domain_xml_dup_nvram (config);
  snapshot->accel3d = hearth_domain_xml_get_accel3d (config);
  snapshot->passthrough = -1;
  snapshot->host_model = -1;
  snapshot->efi = -1;
  snapshot->egl_headless = -1;

  /* An <nvram> without a path still gets libvirt's default file once started. */
  snapshot->nvram_exists = snapshot->nvram != NULL
                           && (!snapshot->local || snapshot->nvram[0] == '\0'
                               || g_file_test (snapshot->nvram, G_FILE_TEST_EXISTS));

  snapshot->n_snapshots = virDomainSnapshotNum (domain, 0);
  virResetLastError ();

  if (snapshot->local)
    {
      g_autofree char *cpuinfo = NULL;
      g_autoptr(GDir) dri = g_dir_open ("/dev/dri", 0, NULL);
      const char *name;

      /* The "hypervisor" CPU flag: this host is a guest itself, where KVM is
       * nested and host-passthrough makes QEMU abort. */
      if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
        snapshot->nested = strstr (cpuinfo, " hypervisor") != NULL;
      while (dri != NULL && (name = g_dir_read_name (dri)) != NULL)
        if (g_str_has_prefix (name, "renderD") && snapshot->render_node == NULL)
          snapshot->render_node = g_build_filename ("/dev/dri", name, NULL);
    }

  emulator = hearth_domain_xml_dup_emulator (config);
  arch = hearth_domain_xml_dup_arch (config);
  machine = hearth_domain_xml_dup_machine_type (config);

  xml = virConnectGetDomainCapabilities (conn, emulator, arch, machine, snapshot->domain_type, 0);
  if (xml == NULL)
    {
      g_debug ("No domain capabilities: %s", virGetLastErrorMessage ());
      virResetLastError ();
      return;
    }
  caps_xml = g_strdup (xml);
  free (xml);
  caps = xmlReadMemory (caps_xml, strlen (caps_xml), "domcaps.xml", "UTF-8", XML_PARSE_NONET);
  top = caps ? xmlDocGetRootElement (caps) : NULL;
  if (top == NULL)
    return;

  {
    xmlNode *cpu = caps_child (top, "cpu", NULL, NULL);
    xmlNode *mode = caps_child (cpu, "mode", "name", "host-passthrough");
    xmlNode *custom = caps_child (cpu, "mode", "name", "custom");
    g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func (g_free);

    if (mode != NULL)
      snapshot->passthrough = caps_prop_is (mode, "supported", "yes");
    if ((mode = caps_child (cpu, "mode", "name", "host-model")) != NULL)
      snapshot->host_model = caps_prop_is (mode, "supported", "yes");
    for (xmlNode *child = custom ? custom->children : NULL; child != NULL; child = child->next)
      if (child->type == XML_ELEMENT_NODE && xmlStrEqual (child->name, (const xmlChar *) "model")
          && caps_prop_is (child, "usable", "yes"))
        {
          xmlChar *name = xmlNodeGetContent (child);

          g_ptr_array_add (models, g_strdup ((const char *) name));
          xmlFree (name);
        }
    if (custom != NULL && caps_prop_is (custom, "supported", "yes"))
      {
        g_ptr_array_add (models, NULL);
        snapshot->cpu_models = (GStrv) g_ptr_array_free (g_steal_pointer (&models), FALSE);
      }
  }

  {
    xmlNode *os = caps_child (top, "os", NULL, NULL);
    xmlNode *graphics = caps_child (caps_child (top, "devices", NULL, NULL), "graphics", NULL,
                                    NULL);

    if (os != NULL)
      snapshot->efi = caps_enum_has (os, "firmware", "efi") == 1;
    if (graphics != NULL)
      snapshot->egl_headless = caps_enum_has (graphics, "type", "egl-headless") == 1;
  }
}

/* Worker side: reads everything the settings show. */
static Snapshot *
snapshot_fetch (virConnectPtr conn,
                virDomainPtr  domain,
                gboolean      local,
                GError      **error)
{
  g_autoptr(Snapshot) snapshot = g_new0 (Snapshot, 1);
  virNodeInfo node;
  int autostart = 0;
  char *xml;

  /* SECURE keeps graphics passwords in the XML that will be defined again. A
   * read-only connection may not ask for them; it cannot apply anything anyway. */
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
  snapshot->config_xml = g_strdup (xml);
  free (xml);
  if (!(snapshot->config = hearth_domain_xml_new (snapshot->config_xml, error)))
    return NULL;

  snapshot->active = virDomainIsActive (domain) == 1;
  snapshot->persistent = virDomainIsPersistent (domain) == 1;
  if (snapshot->active)
    {
      if (!(xml = virDomainGetXMLDesc (domain, 0)))
        {
          _hearth_error_take_libvirt (error, "Could not read the running machine's state");
          return NULL;
        }
      snapshot->live = hearth_domain_xml_new (xml, error);
      free (xml);
      if (snapshot->live == NULL)
        return NULL;
    }

  if (snapshot->persistent && virDomainGetAutostart (domain, &autostart) == 0)
    snapshot->autostart = autostart != 0;
  virResetLastError ();

  if (virNodeGetInfo (conn, &node) == 0)
    {
      snapshot->host_threads = node.cpus;
      snapshot->host_memory = (guint64) node.memory * 1024;
    }
  virResetLastError ();

  snapshot->name = hearth_domain_xml_dup_name (snapshot->config);
  snapshot->title = hearth_domain_xml_dup_title (snapshot->config);
  snapshot->description = hearth_domain_xml_dup_description (snapshot->config);
  snapshot->os_id = hearth_domain_xml_dup_os_id (snapshot->config);
  snapshot->video_model = hearth_domain_xml_dup_video_model (snapshot->config);
  snapshot->boot_order = hearth_domain_xml_dup_boot_order (snapshot->config);
  snapshot->interfaces = hearth_domain_xml_list_interfaces (snapshot->config);
  snapshot->disks = hearth_domain_xml_list_disks (snapshot->config);
  snapshot->local = local;
  fetch_host_features (conn, domain, snapshot);

  for (guint i = 0; i < snapshot->disks->len; i++)
    {
      HearthStorageItem *item = g_ptr_array_index (snapshot->disks, i);
      g_autoptr(HearthVirStorageVol) vol = NULL;
      virStorageVolInfo info;

      if (item->path == NULL || !(vol = virStorageVolLookupByPath (conn, item->path)))
        {
          virDomainBlockInfo block;

          /* Outside a pool, the hypervisor reads the image's own size (a qcow2
           * file's virtual size, not its length). */
          if (item->path != NULL && item->target != NULL
              && virDomainGetBlockInfo (domain, item->target, &block, 0) == 0)
            {
              item->capacity = block.capacity;
              item->allocation = block.allocation;
            }
          virResetLastError ();
          continue;
        }
      item->in_pool = TRUE;
      if (virStorageVolGetInfo (vol, &info) == 0)
        {
          item->capacity = info.capacity;
          item->allocation = info.allocation;
        }

      /* New disks go where the machine's first disk lives. */
      if (snapshot->pool == NULL && g_strcmp0 (item->device, "disk") == 0)
        {
          g_autoptr(SettingsVirPool) pool = virStoragePoolLookupByVolume (vol);
          virStoragePoolInfo pool_info;

          if (pool != NULL && virStoragePoolGetInfo (pool, &pool_info) == 0)
            {
              snapshot->pool = g_strdup (virStoragePoolGetName (pool));
              snapshot->pool_available = pool_info.available;
            }
        }
      virResetLastError ();
    }

  return g_steal_pointer (&snapshot);
}

/* The checks of the CPU model, firmware and 3D acceleration against what the host
 * offers; pure, so the UI can say why a choice is not offered. */
static void
set_block (HearthSettingBlock *block,
           HearthSettingBlock  value)
{
  if (block != NULL)
    *block = value;
}

static gboolean
check_cpu_model (const Snapshot     *snapshot,
                 const char         *model,
                 HearthSettingBlock *block,
                 GError            **error)
{
  if (g_strcmp0 (model, snapshot->cpu_model) == 0)
    return TRUE;

  if (g_strcmp0 (model, "host-passthrough") == 0)
    {
      if (g_strcmp0 (snapshot->domain_type, "qemu") == 0)
        {
          set_block (block, HEARTH_SETTING_BLOCK_TCG);
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                       "host-passthrough needs KVM, but this machine runs on QEMU's "
                       "emulator (TCG); choose host-model or a named model");
          return FALSE;
        }
      if (snapshot->nested && g_strcmp0 (snapshot->domain_type, "kvm") == 0)
        {
          set_block (block, HEARTH_SETTING_BLOCK_NESTED);
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                       "This host is itself a virtual machine; under nested KVM "
                       "host-passthrough makes QEMU abort at start");
          return FALSE;
        }
      if (snapshot->passthrough == 0)
        {
          set_block (block, HEARTH_SETTING_BLOCK_NOT_OFFERED);
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                       "The hypervisor does not offer host-passthrough for this machine");
          return FALSE;
        }
      return TRUE;
    }
  if (g_strcmp0 (model, "host-model") == 0)
    {
      if (snapshot->host_model == 0)
        {
          set_block (block, HEARTH_SETTING_BLOCK_NOT_OFFERED);
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                       "The hypervisor does not offer host-model for this machine");
          return FALSE;
        }
      return TRUE;
    }
  if (g_strcmp0 (model, "maximum") == 0)
    return TRUE;
  if (snapshot->cpu_models != NULL && model != NULL
      && !g_strv_contains ((const char * const *) snapshot->cpu_models, model))
    {
      set_block (block, HEARTH_SETTING_BLOCK_NOT_OFFERED);
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                   "This host cannot run the CPU model “%s”", model);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_firmware (const Snapshot     *snapshot,
                const char         *firmware,
                gboolean            os_needs_uefi,
                HearthSettingBlock *block,
                GError            **error)
{
  if (g_strcmp0 (firmware, snapshot->firmware) == 0)
    return TRUE;
  if (snapshot->active)
    {
      set_block (block, HEARTH_SETTING_BLOCK_RUNNING);
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_STATE,
                   "The machine must be shut off to change its firmware");
      return FALSE;
    }
  if (snapshot->n_snapshots > 0)
    {
      set_block (block, HEARTH_SETTING_BLOCK_SNAPSHOTS);
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                   "The machine has snapshots (%d) made with its current firmware; going "
                   "back to them after the change would fail", snapshot->n_snapshots);
      return FALSE;
    }
  if (g_strcmp0 (firmware, "bios") == 0)
    {
      if (os_needs_uefi)
        {
          set_block (block, HEARTH_SETTING_BLOCK_OS_NEEDS_UEFI);
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                       "The machine's operating system needs UEFI");
          return FALSE;
        }
      if (snapshot->nvram_exists)
        {
          set_block (block, HEARTH_SETTING_BLOCK_NVRAM);
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                       "The machine has UEFI variables (%s) from earlier starts: its system "
                       "was started with UEFI and would not start with BIOS",
                       snapshot->nvram[0] != '\0' ? snapshot->nvram : "nvram");
          return FALSE;
        }
    }
  else if (g_strcmp0 (firmware, "efi") == 0 && snapshot->efi == 0)
    {
      set_block (block, HEARTH_SETTING_BLOCK_NO_UEFI);
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                   "The host has no UEFI firmware for this machine (install OVMF)");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_accel3d (const Snapshot     *snapshot,
               HearthSettingBlock *block,
               GError            **error)
{
  if (snapshot->local && snapshot->render_node == NULL)
    {
      set_block (block, HEARTH_SETTING_BLOCK_NO_RENDER_NODE);
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                   "The host has no GPU render node (/dev/dri/renderD*), so 3D acceleration "
                   "cannot work");
      return FALSE;
    }
  if (snapshot->egl_headless == 0)
    {
      set_block (block, HEARTH_SETTING_BLOCK_NO_GL_DISPLAY);
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                   "The host's QEMU cannot render 3D (it has no egl-headless display)");
      return FALSE;
    }
  return TRUE;
}

/* Applies the pending edits to a copy of the configuration and checks the values
 * against the host. Pure: no libvirt, so the UI can run it to refuse a value in
 * place. @disk_path is the new disk's image, or NULL before it exists. */
static HearthDomainXml *
build_config (const Pending  *pending,
              const Snapshot *snapshot,
              const char     *disk_path,
              GError        **error)
{
  g_autoptr(HearthDomainXml) config = NULL;
  HearthSettingFlags flags = pending->flags;

  if (flags & HEARTH_SETTING_XML)
    {
      g_autofree char *uuid = NULL;
      g_autofree char *old_uuid = hearth_domain_xml_dup_uuid (snapshot->config);

      if (flags != HEARTH_SETTING_XML)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "An XML edit is applied on its own, without other changes");
          return NULL;
        }
      if (!(config = hearth_domain_xml_new (pending->xml, error)))
        return NULL;
      uuid = hearth_domain_xml_dup_uuid (config);
      if (uuid == NULL || g_ascii_strcasecmp (g_strstrip (uuid), old_uuid) != 0)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "The XML must keep the machine's UUID %s", old_uuid);
          return NULL;
        }
      return g_steal_pointer (&config);
    }

  if (!snapshot->persistent)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                   "The machine is transient (it has no saved configuration), so its "
                   "settings cannot be changed");
      return NULL;
    }

  config = hearth_domain_xml_copy (snapshot->config);

  if ((flags & HEARTH_SETTING_NAME)
      && g_strcmp0 (pending->name, snapshot->name) != 0)
    {
      if (!hearth_domain_xml_check_name (pending->name, error))
        return NULL;
      if (snapshot->active)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_STATE,
                       "The machine must be shut off to be renamed");
          return NULL;
        }
    }
  if (flags & HEARTH_SETTING_TITLE)
    {
      if (pending->title != NULL && strpbrk (pending->title, "\r\n") != NULL)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "A title cannot contain line breaks");
          return NULL;
        }
      hearth_domain_xml_set_title (config, pending->title);
    }
  if (flags & HEARTH_SETTING_DESCRIPTION)
    hearth_domain_xml_set_description (config, pending->description);
  if (flags & HEARTH_SETTING_OS)
    hearth_domain_xml_set_os_id (config, pending->os_id);

  if (flags & HEARTH_SETTING_VCPUS)
    {
      if (!hearth_domain_xml_set_vcpus (config, pending->vcpus, pending->max_vcpus, error))
        return NULL;
      if (snapshot->host_threads > 0
          && hearth_domain_xml_get_max_vcpus (config) > snapshot->host_threads)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "%u vCPUs are more than the host's %u threads",
                       hearth_domain_xml_get_max_vcpus (config), snapshot->host_threads);
          return NULL;
        }
    }

  if (flags & HEARTH_SETTING_MEMORY)
    {
      if (!hearth_domain_xml_set_memory (config, pending->memory, pending->max_memory, error))
        return NULL;
      if (snapshot->host_memory > 0
          && hearth_domain_xml_get_max_memory (config) > snapshot->host_memory)
        {
          g_autofree char *asked = format_mib (hearth_domain_xml_get_max_memory (config));
          g_autofree char *host = format_mib (snapshot->host_memory);

          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "%s of memory is more than the host has (%s)", asked, host);
          return NULL;
        }
    }

  if ((flags & HEARTH_SETTING_CDROM)
      && !hearth_domain_xml_set_cdrom_media (config, pending->cdrom_target, pending->cdrom_path,
                                             error))
    return NULL;

  if ((flags & HEARTH_SETTING_LINK)
      && !hearth_domain_xml_set_interface_link (config, pending->link_mac, pending->link_up,
                                                error))
    return NULL;

  if (flags & HEARTH_SETTING_INTERFACE)
    {
      if (pending->iface_network != NULL
          && !hearth_domain_xml_set_interface_network (config, pending->iface_mac,
                                                       pending->iface_network, error))
        return NULL;
      if (pending->iface_model != NULL
          && !hearth_domain_xml_set_interface_model (config, pending->iface_mac,
                                                     pending->iface_model, error))
        return NULL;
    }

  if (flags & HEARTH_SETTING_REMOVE_DISK)
    {
      if (!hearth_domain_xml_remove_disk (config, pending->remove_target, error))
        return NULL;
    }

  if (flags & HEARTH_SETTING_ADD_DISK)
    {
      if (pending->disk_size < 1024 * 1024)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "A new disk needs at least 1 MiB");
          return NULL;
        }
      if (snapshot->pool == NULL)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                       "The machine's disks are not in a storage pool, so Hearth does not "
                       "know where to create a new disk");
          return NULL;
        }
      if (pending->disk_size > snapshot->pool_available)
        {
          g_autofree char *asked = format_mib (pending->disk_size);
          g_autofree char *free_space = format_mib (snapshot->pool_available);

          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "A disk of %s does not fit in the storage pool “%s”, which has %s free",
                       asked, snapshot->pool, free_space);
          return NULL;
        }
      if (disk_path != NULL)
        {
          g_autofree char *target = hearth_domain_xml_add_disk (config, disk_path, "qcow2",
                                                                error);
          if (target == NULL)
            return NULL;
        }
    }

  if (flags & HEARTH_SETTING_ATTACH_DISK)
    {
      g_autofree char *target = NULL;

      if (pending->attach_path == NULL || !g_path_is_absolute (pending->attach_path))
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "A disk image needs an absolute path");
          return NULL;
        }
      for (guint i = 0; i < snapshot->disks->len; i++)
        {
          HearthStorageItem *item = g_ptr_array_index (snapshot->disks, i);

          if (g_strcmp0 (item->path, pending->attach_path) == 0)
            {
              g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                           "The image “%s” is already the machine's disk %s",
                           pending->attach_path, item->target);
              return NULL;
            }
        }
      if (!(target = hearth_domain_xml_add_disk (config, pending->attach_path,
                                                 pending->attach_format, error)))
        return NULL;
    }

  if (flags & HEARTH_SETTING_RESIZE_DISK)
    {
      HearthStorageItem *disk = NULL;

      for (guint i = 0; i < snapshot->disks->len; i++)
        {
          HearthStorageItem *item = g_ptr_array_index (snapshot->disks, i);

          if (g_strcmp0 (item->target, pending->resize_target) == 0)
            disk = item;
        }
      if (disk == NULL)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND,
                       "The machine has no disk %s", pending->resize_target);
          return NULL;
        }
      if (g_strcmp0 (disk->device, "disk") != 0 || disk->readonly || disk->path == NULL)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "Only writable disks with an image can grow; %s is not one",
                       disk->target);
          return NULL;
        }
      /* Shrinking would cut off the guest's data: never. */
      if (disk->capacity > 0 && pending->resize_size <= disk->capacity)
        {
          g_autofree char *asked = format_mib (pending->resize_size);
          g_autofree char *now = format_mib (disk->capacity);

          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "A disk can only grow: %s is %s now, more than %s", disk->target, now,
                       asked);
          return NULL;
        }
      if (!snapshot->active && !disk->in_pool)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                       "The image of %s is not in a storage pool; it can grow only while the "
                       "machine runs", disk->target);
          return NULL;
        }
    }

  if ((flags & HEARTH_SETTING_SOUND))
    hearth_domain_xml_set_sound (config, pending->sound);

  if ((flags & HEARTH_SETTING_BOOT))
    {
      if (pending->boot_order != NULL
          && !hearth_domain_xml_set_boot_order (config,
                                                (const char * const *) pending->boot_order,
                                                error))
        return NULL;
      if (pending->boot_menu_set)
        hearth_domain_xml_set_boot_menu (config, pending->boot_menu);
    }

  if ((flags & HEARTH_SETTING_VIDEO)
      && !hearth_domain_xml_set_video_model (config, pending->video_model, error))
    return NULL;

  if ((flags & HEARTH_SETTING_CPU_MODEL)
      && (!check_cpu_model (snapshot, pending->cpu_model, NULL, error)
          || !hearth_domain_xml_set_cpu_model (config, pending->cpu_model, error)))
    return NULL;

  if ((flags & HEARTH_SETTING_FIRMWARE)
      && (!check_firmware (snapshot, pending->firmware, pending->os_needs_uefi, NULL, error)
          || !hearth_domain_xml_set_firmware (config, pending->firmware, error)))
    return NULL;

  if ((flags & HEARTH_SETTING_MAC)
      && !hearth_domain_xml_set_interface_mac (config, pending->mac, pending->new_mac, error))
    return NULL;

  if (flags & HEARTH_SETTING_ACCEL3D)
    {
      if (pending->accel3d && !snapshot->accel3d && !check_accel3d (snapshot, NULL, error))
        return NULL;
      if (!hearth_domain_xml_set_accel3d (config, pending->accel3d, error))
        return NULL;
    }

  return g_steal_pointer (&config);
}

static void
audit (SettingsOp   *op,
       const char   *operation,
       const GError *error,
       gint64        begin)
{
  hearth_audit_record (op->uri, op->name, op->uuid, operation, error, hearth_now_usec () - begin);
}

/* Creates a qcow2 volume in @pool_name; the XML is built with libxml2. */
static virStorageVolPtr
create_volume (SettingsOp *op,
               const char *pool_name,
               guint64     size,
               GError    **error)
{
  g_autoptr(SettingsVirPool) pool = NULL;
  g_autoptr(xmlDoc) doc = xmlNewDoc ((const xmlChar *) "1.0");
  g_autofree char *base = g_strdelimit (g_strdup (op->name), "/\\ ", '_');
  g_autofree char *vol_name = NULL;
  g_autofree char *capacity = g_strdup_printf ("%" G_GUINT64_FORMAT, size);
  xmlNode *volume;
  xmlNode *node;
  xmlChar *xml = NULL;
  int xml_size = 0;
  virStorageVolPtr vol;
  gint64 begin = hearth_now_usec ();

  if (!(pool = virStoragePoolLookupByName (op->conn, pool_name)))
    {
      _hearth_error_take_libvirt (error, "Could not find the storage pool for the new disk");
      return NULL;
    }

  /* Never overwrite an image: pick a name no volume has yet. */
  for (guint i = 1; vol_name == NULL; i++)
    {
      g_autofree char *candidate = g_strdup_printf ("%s-%u.qcow2", base, i);
      g_autoptr(HearthVirStorageVol) existing = virStorageVolLookupByName (pool, candidate);

      virResetLastError ();
      if (existing == NULL)
        vol_name = g_steal_pointer (&candidate);
    }

  volume = xmlNewDocNode (doc, NULL, (const xmlChar *) "volume", NULL);
  xmlDocSetRootElement (doc, volume);
  xmlNewTextChild (volume, NULL, (const xmlChar *) "name", (const xmlChar *) vol_name);
  node = xmlNewTextChild (volume, NULL, (const xmlChar *) "capacity", (const xmlChar *) capacity);
  xmlSetProp (node, (const xmlChar *) "unit", (const xmlChar *) "bytes");
  node = xmlNewChild (volume, NULL, (const xmlChar *) "target", NULL);
  node = xmlNewChild (node, NULL, (const xmlChar *) "format", NULL);
  xmlSetProp (node, (const xmlChar *) "type", (const xmlChar *) "qcow2");
  xmlDocDumpMemoryEnc (doc, &xml, &xml_size, "UTF-8");

  vol = virStorageVolCreateXML (pool, (const char *) xml, 0);
  xmlFree (xml);
  if (vol == NULL)
    _hearth_error_take_libvirt (error, "Could not create the new disk image");
  audit (op, "create-volume", error != NULL ? *error : NULL, begin);
  return vol;
}

static gboolean
define_xml (SettingsOp *op,
            const char *xml,
            const char *operation,
            GError    **error)
{
  g_autoptr(HearthVirDomain) defined = NULL;
  gint64 begin = hearth_now_usec ();

  defined = virDomainDefineXMLFlags (op->conn, xml, VIR_DOMAIN_DEFINE_VALIDATE);
  if (defined == NULL)
    {
      virErrorPtr verr = virGetLastError ();

      /* Validation failures are the user's to fix: say what libvirt objects to. */
      g_set_error (error, HEARTH_ERROR,
                   verr != NULL && (verr->code == VIR_ERR_XML_ERROR
                                    || verr->code == VIR_ERR_XML_DETAIL
                                    || verr->code == VIR_ERR_XML_INVALID_SCHEMA
                                    || verr->code == VIR_ERR_CONFIG_UNSUPPORTED
                                    || verr->code == VIR_ERR_INVALID_ARG)
                     ? HEARTH_ERROR_INVALID_ARGUMENT
                     : _hearth_error_code_for_libvirt (verr),
                   "libvirt refused the configuration: %s",
                   verr && verr->message ? verr->message : "unknown error");
      virResetLastError ();
    }
  audit (op, operation, error != NULL ? *error : NULL, begin);
  return defined != NULL;
}

/* Records one live change; its failure only means the change applies on next start
 * (a guest without hot-plug support, a machine without a balloon). Use it through
 * TRY_LIVE, which starts the audit stopwatch before the call. */
static gboolean
try_live (SettingsOp *op,
          const char *operation,
          int         ret,
          gint64      begin)
{
  g_autoptr(GError) error = NULL;

  if (ret < 0)
    {
      _hearth_error_take_libvirt (&error, operation);
      g_debug ("%s: applies on next start: %s", operation, error->message);
    }
  audit (op, operation, error, begin);
  return ret >= 0;
}

#define TRY_LIVE(op, operation, call) \
  (begin = hearth_now_usec (), try_live ((op), (operation), (call), begin))

/* The format of an existing image: what its storage volume says, else the
 * image's first bytes (local files only), so a qcow2 file is never read as raw. */
static char *
probe_format (SettingsOp *op,
              const char *path,
              GError    **error)
{
  g_autoptr(HearthVirStorageVol) vol = virStorageVolLookupByPath (op->conn, path);
  static const char qcow_magic[] = { 'Q', 'F', 'I', (char) 0xfb };
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  char header[4] = { 0 };
  gsize got = 0;

  if (vol != NULL)
    {
      g_autofree char *xml = virStorageVolGetXMLDesc (vol, 0);
      g_autoptr(xmlDoc) doc = xml ? xmlReadMemory (xml, strlen (xml), "volume.xml", "UTF-8",
                                                   XML_PARSE_NONET) : NULL;
      xmlNode *node = doc ? xmlDocGetRootElement (doc) : NULL;

      /* <volume><target><format type='qcow2'/></target></volume> */
      for (node = node ? node->children : NULL; node != NULL; node = node->next)
        if (node->type == XML_ELEMENT_NODE && xmlStrEqual (node->name, (const xmlChar *) "target"))
          for (xmlNode *child = node->children; child != NULL; child = child->next)
            if (child->type == XML_ELEMENT_NODE
                && xmlStrEqual (child->name, (const xmlChar *) "format"))
              {
                xmlChar *type = xmlGetProp (child, (const xmlChar *) "type");
                char *result = g_strdup (type ? (const char *) type : "raw");

                xmlFree (type);
                return result;
              }
      virResetLastError ();
      return g_strdup ("raw");
    }
  virResetLastError ();

  if (!op->local)
    return g_strdup ("raw");

  file = g_file_new_for_path (path);
  if (!(stream = g_file_read (file, NULL, NULL)))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "The image “%s” does not exist or cannot be read", path);
      return NULL;
    }
  g_input_stream_read_all (G_INPUT_STREAM (stream), header, sizeof header, &got, NULL, NULL);
  return g_strdup (got == sizeof header && memcmp (header, qcow_magic, 4) == 0 ? "qcow2" : "raw");
}

static gboolean
check_with_libvirt (SettingsOp     *op,
                    const Snapshot *snapshot,
                    GError        **error)
{
  const Pending *pending = op->pending;

  if ((pending->flags & HEARTH_SETTING_NAME) && g_strcmp0 (pending->name, snapshot->name) != 0)
    {
      g_autoptr(HearthVirDomain) other = virDomainLookupByName (op->conn, pending->name);

      virResetLastError ();
      if (other != NULL)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN,
                       "Another machine is already called “%s”", pending->name);
          return FALSE;
        }
    }

  /* A missing ISO is refused here rather than by QEMU halfway through. Remote
   * paths mean nothing on this computer and are left to libvirt. */
  if ((pending->flags & HEARTH_SETTING_CDROM) && pending->cdrom_path != NULL && op->local
      && !g_file_test (pending->cdrom_path, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr(HearthVirStorageVol) vol = virStorageVolLookupByPath (op->conn,
                                                                      pending->cdrom_path);

      virResetLastError ();
      if (vol == NULL)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "The image “%s” does not exist", pending->cdrom_path);
          return FALSE;
        }
    }

  /* libvirt defines an interface on a network that does not exist and fails only
   * at start; refuse it now. Without a network driver (qemu:///embed) there is
   * nothing to ask. */
  if ((pending->flags & HEARTH_SETTING_INTERFACE) && pending->iface_network != NULL)
    {
      virNetworkPtr network = virNetworkLookupByName (op->conn, pending->iface_network);
      virErrorPtr verr = network == NULL ? virGetLastError () : NULL;

      if (verr != NULL && verr->code == VIR_ERR_NO_NETWORK)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND,
                       "There is no network “%s”", pending->iface_network);
          virResetLastError ();
          return FALSE;
        }
      if (network != NULL)
        virNetworkFree (network);
      virResetLastError ();
    }

  /* A MAC address twice on one network confuses every switch; look at the other
   * machines of this connection. */
  if ((pending->flags & HEARTH_SETTING_MAC) && pending->new_mac != NULL)
    {
      virDomainPtr *domains = NULL;
      int n = virConnectListAllDomains (op->conn, &domains, 0);
      g_autofree char *owner = NULL;

      for (int i = 0; i < n; i++)
        {
          char uuid[VIR_UUID_STRING_BUFLEN];
          char *xml = NULL;

          if (owner == NULL && virDomainGetUUIDString (domains[i], uuid) == 0
              && g_ascii_strcasecmp (uuid, op->uuid) != 0
              && (xml = virDomainGetXMLDesc (domains[i], VIR_DOMAIN_XML_INACTIVE)) != NULL)
            {
              g_autoptr(HearthDomainXml) other = hearth_domain_xml_new (xml, NULL);
              g_autoptr(GPtrArray) ifaces = other ? hearth_domain_xml_list_interfaces (other)
                                                  : NULL;

              for (guint j = 0; ifaces != NULL && j < ifaces->len; j++)
                {
                  HearthInterfaceItem *item = g_ptr_array_index (ifaces, j);

                  if (item->mac != NULL && g_ascii_strcasecmp (item->mac, pending->new_mac) == 0)
                    owner = g_strdup (virDomainGetName (domains[i]));
                }
            }
          free (xml);
          virDomainFree (domains[i]);
        }
      free (domains);
      virResetLastError ();
      if (owner != NULL)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "The machine “%s” already uses the MAC address %s", owner,
                       pending->new_mac);
          return FALSE;
        }
    }

  if ((pending->flags & HEARTH_SETTING_ATTACH_DISK) && pending->attach_path != NULL)
    {
      g_autofree char *format = probe_format (op, pending->attach_path, error);

      if (format == NULL)
        return FALSE;
      g_free (op->pending->attach_format);
      op->pending->attach_format = g_steal_pointer (&format);
    }

  return TRUE;
}

static void
apply_worker (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SettingsOp *op = task_data;
  const Pending *pending = op->pending;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  g_autoptr(Snapshot) snapshot = NULL;
  g_autoptr(HearthDomainXml) config = NULL;
  g_autoptr(HearthVirStorageVol) new_vol = NULL;
  g_autofree char *new_xml = NULL;
  g_autofree char *new_disk_path = NULL;
  g_autofree char *new_disk_xml = NULL;
  g_autofree char *attached_disk_xml = NULL;
  g_autofree char *removed_disk_xml = NULL;
  g_autofree char *removed_path = NULL;
  gboolean defined = FALSE;
  HearthSettingFlags now = 0;
  HearthSettingFlags next_start = 0;
  ApplyResult *result;
  gint64 begin;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!(domain = virDomainLookupByUUIDString (op->conn, op->uuid)))
    {
      _hearth_error_take_libvirt (&error, "Could not find the machine");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Check everything against a fresh read before changing anything. */
  if (!(snapshot = snapshot_fetch (op->conn, domain, op->local, &error))
      || !(config = build_config (pending, snapshot, NULL, &error))
      || !check_with_libvirt (op, snapshot, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_clear_object (&config);

  if (pending->flags & HEARTH_SETTING_REMOVE_DISK)
    {
      removed_disk_xml = hearth_domain_xml_dup_disk_xml (snapshot->active ? snapshot->live
                                                                          : snapshot->config,
                                                         pending->remove_target);
      for (guint i = 0; i < snapshot->disks->len; i++)
        {
          HearthStorageItem *item = g_ptr_array_index (snapshot->disks, i);

          if (g_strcmp0 (item->target, pending->remove_target) == 0)
            removed_path = g_strdup (item->path);
        }
    }

  if (pending->flags & HEARTH_SETTING_ADD_DISK)
    {
      if (!(new_vol = create_volume (op, snapshot->pool, pending->disk_size, &error)))
        goto fail;
      new_disk_path = virStorageVolGetPath (new_vol);
    }

  if (!(config = build_config (pending, snapshot, new_disk_path, &error)))
    goto fail;
  new_xml = hearth_domain_xml_to_string (config);

  if (new_disk_path != NULL || pending->attach_path != NULL)
    {
      g_autoptr(GPtrArray) disks = hearth_domain_xml_list_disks (config);

      for (guint i = 0; i < disks->len; i++)
        {
          HearthStorageItem *item = g_ptr_array_index (disks, i);

          if (new_disk_path != NULL && g_strcmp0 (item->path, new_disk_path) == 0)
            new_disk_xml = hearth_domain_xml_dup_disk_xml (config, item->target);
          if ((pending->flags & HEARTH_SETTING_ATTACH_DISK)
              && g_strcmp0 (item->path, pending->attach_path) == 0)
            attached_disk_xml = hearth_domain_xml_dup_disk_xml (config, item->target);
        }
    }

  /* 1. The configuration, in one atomic define that libvirt validates. */
  if (g_strcmp0 (new_xml, snapshot->config_xml) != 0)
    {
      if (!define_xml (op, new_xml,
                       (pending->flags & HEARTH_SETTING_XML) ? "edit-xml" : "change-settings",
                       &error))
        goto fail;
      defined = TRUE;
    }

  /* 2. What must work live, or not at all: media and cables. */
  if (snapshot->active && (pending->flags & (HEARTH_SETTING_CDROM | HEARTH_SETTING_LINK)))
    {
      g_autoptr(HearthDomainXml) live = hearth_domain_xml_copy (snapshot->live);

      if (pending->flags & HEARTH_SETTING_CDROM)
        {
          g_autofree char *target = NULL;
          g_autofree char *device = NULL;
          g_autofree char *old_device = NULL;

          target = pending->cdrom_target != NULL ? g_strdup (pending->cdrom_target)
                                                 : hearth_domain_xml_dup_cdrom_target (live);
          old_device = target != NULL ? hearth_domain_xml_dup_disk_xml (live, target) : NULL;

          if (!hearth_domain_xml_set_cdrom_media (live, target, pending->cdrom_path, &error))
            goto fail;
          device = hearth_domain_xml_dup_disk_xml (live, target);
          begin = hearth_now_usec ();
          /* Ejecting an empty drive (or inserting what is in it) asks nothing of QEMU. */
          if (g_strcmp0 (device, old_device) != 0
              && virDomainUpdateDeviceFlags (domain, device, VIR_DOMAIN_AFFECT_LIVE) < 0)
            _hearth_error_take_libvirt (&error, pending->cdrom_path ? "Could not insert the CD"
                                                                    : "Could not eject the CD");
          audit (op, pending->cdrom_path ? "insert-cdrom" : "eject-cdrom", error, begin);
          if (error != NULL)
            goto fail;
          now |= HEARTH_SETTING_CDROM;
        }

      if (pending->flags & HEARTH_SETTING_LINK)
        {
          g_autofree char *device = NULL;
          g_autofree char *old_device = hearth_domain_xml_dup_interface_xml (live,
                                                                             pending->link_mac);

          if (!hearth_domain_xml_set_interface_link (live, pending->link_mac, pending->link_up,
                                                     &error))
            goto fail;
          device = hearth_domain_xml_dup_interface_xml (live, pending->link_mac);
          begin = hearth_now_usec ();
          if (g_strcmp0 (device, old_device) != 0
              && virDomainUpdateDeviceFlags (domain, device, VIR_DOMAIN_AFFECT_LIVE) < 0)
            _hearth_error_take_libvirt (&error, "Could not change the network link");
          audit (op, pending->link_up ? "link-up" : "link-down", error, begin);
          if (error != NULL)
            goto fail;
          now |= HEARTH_SETTING_LINK;
        }
    }

  /* 3. Growing a disk: live through QEMU, or the volume of a shut-off machine. */
  if (pending->flags & HEARTH_SETTING_RESIZE_DISK)
    {
      begin = hearth_now_usec ();
      if (snapshot->active)
        {
          if (virDomainBlockResize (domain, pending->resize_target, pending->resize_size,
                                    VIR_DOMAIN_BLOCK_RESIZE_BYTES) < 0)
            _hearth_error_take_libvirt (&error, "Could not grow the disk");
        }
      else
        {
          g_autoptr(HearthVirStorageVol) vol = NULL;

          for (guint i = 0; i < snapshot->disks->len && vol == NULL; i++)
            {
              HearthStorageItem *item = g_ptr_array_index (snapshot->disks, i);

              if (g_strcmp0 (item->target, pending->resize_target) == 0)
                vol = virStorageVolLookupByPath (op->conn, item->path);
            }
          if (vol == NULL || virStorageVolResize (vol, pending->resize_size, 0) < 0)
            _hearth_error_take_libvirt (&error, "Could not grow the disk image");
        }
      audit (op, "grow-disk", error, begin);
      if (error != NULL)
        goto fail;
    }

  /* 4. The name and autostart, which libvirt keeps outside the XML. */
  if ((pending->flags & HEARTH_SETTING_NAME) && g_strcmp0 (pending->name, snapshot->name) != 0)
    {
      begin = hearth_now_usec ();
      if (virDomainRename (domain, pending->name, 0) < 0)
        _hearth_error_take_libvirt (&error, "Could not rename the machine");
      audit (op, "rename", error, begin);
      if (error != NULL)
        goto fail;
      g_free (op->name);
      op->name = g_strdup (pending->name);
    }
  if (pending->flags & HEARTH_SETTING_AUTOSTART && pending->autostart != snapshot->autostart)
    {
      begin = hearth_now_usec ();
      if (virDomainSetAutostart (domain, pending->autostart) < 0)
        _hearth_error_take_libvirt (&error, "Could not change autostart");
      audit (op, "set-autostart", error, begin);
      if (error != NULL)
        goto fail;
    }

  /* 5. Best-effort live changes: a failure means "applies on next start". */
  if (snapshot->active)
    {
      HearthDomainXml *live = snapshot->live;

      if (pending->flags & HEARTH_SETTING_TITLE)
        {
          const char *title = pending->title && pending->title[0] ? pending->title : NULL;

          if (!TRY_LIVE (op, "set-title-live",
                         virDomainSetMetadata (domain, VIR_DOMAIN_METADATA_TITLE, title, NULL,
                                               NULL, VIR_DOMAIN_AFFECT_LIVE)))
            next_start |= HEARTH_SETTING_TITLE;
        }
      if (pending->flags & HEARTH_SETTING_DESCRIPTION)
        {
          const char *text = pending->description && pending->description[0]
                               ? pending->description : NULL;

          if (!TRY_LIVE (op, "set-description-live",
                         virDomainSetMetadata (domain, VIR_DOMAIN_METADATA_DESCRIPTION, text,
                                               NULL, NULL, VIR_DOMAIN_AFFECT_LIVE)))
            next_start |= HEARTH_SETTING_DESCRIPTION;
        }

      if (pending->flags & HEARTH_SETTING_OS)
        {
          g_autofree char *metadata = hearth_domain_xml_dup_os_metadata (config);

          if (!TRY_LIVE (op, "set-os-live",
                         virDomainSetMetadata (domain, VIR_DOMAIN_METADATA_ELEMENT, metadata,
                                               "libosinfo", LIBOSINFO_NS,
                                               VIR_DOMAIN_AFFECT_LIVE)))
            next_start |= HEARTH_SETTING_OS;
        }

      /* A running interface can move to another network; a new model needs a new
       * device, so it waits for the next start. */
      if (pending->flags & HEARTH_SETTING_INTERFACE)
        {
          g_autoptr(HearthDomainXml) moved = hearth_domain_xml_copy (live);
          g_autofree char *old_device = hearth_domain_xml_dup_interface_xml (moved,
                                                                             pending->iface_mac);
          g_autofree char *device = NULL;

          if (pending->iface_model != NULL)
            next_start |= HEARTH_SETTING_INTERFACE;
          if (pending->iface_network != NULL
              && hearth_domain_xml_set_interface_network (moved, pending->iface_mac,
                                                          pending->iface_network, NULL))
            {
              device = hearth_domain_xml_dup_interface_xml (moved, pending->iface_mac);
              if (g_strcmp0 (device, old_device) != 0
                  && !TRY_LIVE (op, "set-network-live",
                                virDomainUpdateDeviceFlags (domain, device,
                                                            VIR_DOMAIN_AFFECT_LIVE)))
                next_start |= HEARTH_SETTING_INTERFACE;
            }
        }

      /* A new count up to the running maximum is hot-plugged (or ballooned); a new
       * maximum, or a count above it, waits for the next start. */
      if (pending->flags & HEARTH_SETTING_VCPUS)
        {
          guint want = hearth_domain_xml_get_vcpus (config);
          guint live_max = hearth_domain_xml_get_max_vcpus (live);

          if (hearth_domain_xml_get_max_vcpus (config) != live_max || want > live_max)
            next_start |= HEARTH_SETTING_VCPUS;
          if (want <= live_max && want != hearth_domain_xml_get_vcpus (live)
              && !TRY_LIVE (op, "set-vcpus-live",
                            virDomainSetVcpusFlags (domain, want, VIR_DOMAIN_AFFECT_LIVE)))
            next_start |= HEARTH_SETTING_VCPUS;
        }

      if (pending->flags & HEARTH_SETTING_MEMORY)
        {
          guint64 want = hearth_domain_xml_get_memory (config) / 1024;
          guint64 live_max = hearth_domain_xml_get_max_memory (live) / 1024;

          if (hearth_domain_xml_get_max_memory (config) / 1024 != live_max || want > live_max)
            next_start |= HEARTH_SETTING_MEMORY;
          if (want <= live_max && want != hearth_domain_xml_get_memory (live) / 1024
              && !TRY_LIVE (op, "set-memory-live",
                            virDomainSetMemoryFlags (domain, want, VIR_DOMAIN_AFFECT_LIVE)))
            next_start |= HEARTH_SETTING_MEMORY;
        }

      if ((pending->flags & HEARTH_SETTING_ADD_DISK)
          && (new_disk_xml == NULL
              || !TRY_LIVE (op, "attach-disk-live",
                            virDomainAttachDeviceFlags (domain, new_disk_xml,
                                                        VIR_DOMAIN_AFFECT_LIVE))))
        next_start |= HEARTH_SETTING_ADD_DISK;

      if ((pending->flags & HEARTH_SETTING_ATTACH_DISK)
          && (attached_disk_xml == NULL
              || !TRY_LIVE (op, "attach-disk-live",
                            virDomainAttachDeviceFlags (domain, attached_disk_xml,
                                                        VIR_DOMAIN_AFFECT_LIVE))))
        next_start |= HEARTH_SETTING_ATTACH_DISK;

      if ((pending->flags & HEARTH_SETTING_REMOVE_DISK)
          && (removed_disk_xml == NULL
              || !TRY_LIVE (op, "detach-disk-live",
                            virDomainDetachDeviceFlags (domain, removed_disk_xml,
                                                        VIR_DOMAIN_AFFECT_LIVE))))
        next_start |= HEARTH_SETTING_REMOVE_DISK;

      /* The CPU, a MAC address and the display's rendering are set when QEMU
       * starts; the firmware never changes on a running machine (refused above). */
      next_start |= pending->flags & (HEARTH_SETTING_SOUND | HEARTH_SETTING_BOOT
                                      | HEARTH_SETTING_VIDEO | HEARTH_SETTING_XML
                                      | HEARTH_SETTING_CPU_MODEL | HEARTH_SETTING_MAC
                                      | HEARTH_SETTING_ACCEL3D);
    }
  now |= pending->flags & ~next_start;

  /* 6. Last, as it cannot be undone: the removed disk's image, if asked. */
  if ((pending->flags & HEARTH_SETTING_REMOVE_DISK) && pending->delete_image
      && removed_path != NULL && !(next_start & HEARTH_SETTING_REMOVE_DISK))
    {
      g_autoptr(HearthVirStorageVol) vol = virStorageVolLookupByPath (op->conn, removed_path);
      g_autoptr(GError) delete_error = NULL;

      begin = hearth_now_usec ();
      if (vol != NULL)
        {
          if (virStorageVolDelete (vol, 0) < 0)
            _hearth_error_take_libvirt (&delete_error, "Could not delete the disk image");
        }
      else if (op->local)
        {
          virResetLastError ();
          if (g_unlink (removed_path) < 0)
            g_set_error (&delete_error, HEARTH_ERROR, HEARTH_ERROR_FAILED,
                         "Could not delete the disk image “%s”: %s", removed_path,
                         g_strerror (errno));
        }
      audit (op, "delete-volume", delete_error, begin);
      if (delete_error != NULL)
        {
          g_propagate_prefixed_error (&error, g_steal_pointer (&delete_error),
                                      "The disk was removed, but its image was kept: ");
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  result = g_new0 (ApplyResult, 1);
  result->applied = pending->flags;
  result->now = now;
  result->next_start = next_start;
  result->snapshot = snapshot_fetch (op->conn, domain, op->local, NULL);
  g_task_return_pointer (task, result, (GDestroyNotify) apply_result_free);
  return;

fail:
  /* Put back what was changed, so a refusal leaves the machine as it was. */
  if (defined)
    {
      g_autoptr(GError) rollback_error = NULL;

      if (!define_xml (op, snapshot->config_xml, "restore-settings", &rollback_error))
        g_debug ("Could not restore the configuration: %s", rollback_error->message);
    }
  if (new_vol != NULL)
    {
      begin = hearth_now_usec ();
      if (virStorageVolDelete (new_vol, 0) < 0)
        virResetLastError ();
      audit (op, "delete-volume", NULL, begin);
    }
  g_task_return_error (task, g_steal_pointer (&error));
}

static void
load_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SettingsOp *op = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  Snapshot *snapshot;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!(domain = virDomainLookupByUUIDString (op->conn, op->uuid)))
    {
      _hearth_error_take_libvirt (&error, "Could not find the machine");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!(snapshot = snapshot_fetch (op->conn, domain, op->local, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, snapshot, (GDestroyNotify) snapshot_free);
}

static SettingsOp *
settings_op_new (HearthMachine *machine,
                 GError       **error)
{
  HearthConnection *connection = hearth_machine_get_connection (machine);
  SettingsOp *op;
  virConnectPtr conn;

  if (connection == NULL || !(conn = _hearth_connection_dup_virconn (connection, error)))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_CONNECTION_LOST,
                     "The machine's connection is gone");
      return NULL;
    }

  op = g_new0 (SettingsOp, 1);
  op->conn = conn;
  op->uri = g_strdup (hearth_connection_get_uri (connection));
  op->uuid = g_strdup (hearth_machine_get_uuid (machine));
  op->name = g_strdup (hearth_machine_get_name (machine));
  op->local = hearth_connection_is_local (connection);
  return op;
}

static void
add_pending (HearthMachineSettings *self,
             HearthSettingFlags     flag)
{
  if (self->pending->flags & flag)
    return;

  self->pending->flags |= flag;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
}

static void
clear_pending (HearthMachineSettings *self)
{
  gboolean had = self->pending->flags != 0;

  pending_clear (self->pending);
  if (had)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
}

static void
apply_completed_cb (GTask                 *task,
                    GParamSpec            *pspec,
                    HearthMachineSettings *self)
{
  g_assert (self->applying > 0);

  if (--self->applying == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  g_object_unref (self);
}

static void
hearth_machine_settings_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  HearthMachineSettings *self = HEARTH_MACHINE_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_MACHINE: g_value_set_object (value, self->machine); break;
    case PROP_RUNNING: g_value_set_boolean (value, self->snapshot->active); break;
    case PROP_PENDING: g_value_set_flags (value, self->pending->flags); break;
    case PROP_BUSY: g_value_set_boolean (value, self->applying > 0); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_machine_settings_finalize (GObject *object)
{
  HearthMachineSettings *self = HEARTH_MACHINE_SETTINGS (object);

  g_clear_object (&self->machine);
  g_clear_object (&self->snapshot_tree);
  g_clear_pointer (&self->snapshot_reason, g_free);
  g_clear_pointer (&self->snapshot, snapshot_free);
  g_clear_pointer (&self->pending, pending_free);

  G_OBJECT_CLASS (hearth_machine_settings_parent_class)->finalize (object);
}

static void
hearth_machine_settings_class_init (HearthMachineSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = hearth_machine_settings_finalize;
  object_class->get_property = hearth_machine_settings_get_property;

  /** HearthMachineSettings:machine: The machine these settings belong to. */
  properties[PROP_MACHINE] = g_param_spec_object ("machine", NULL, NULL, HEARTH_TYPE_MACHINE,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /** HearthMachineSettings:running: Whether the machine ran when last loaded. */
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
  /** HearthMachineSettings:pending: The settings with changes not applied yet. */
  properties[PROP_PENDING] = g_param_spec_flags ("pending", NULL, NULL, HEARTH_TYPE_SETTING_FLAGS,
                                                 HEARTH_SETTING_NONE, ro);
  /** HearthMachineSettings:busy: Whether an apply is under way. */
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HearthMachineSettings::reloaded:
   *
   * The settings were read again after an apply: every getter may return
   * something new.
   */
  signals[RELOADED] = g_signal_new ("reloaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hearth_machine_settings_init (HearthMachineSettings *self)
{
  self->pending = g_new0 (Pending, 1);
}

/**
 * hearth_machine_settings_load_async:
 * @machine: a #HearthMachine
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the settings are read
 * @user_data: data for @callback
 *
 * Reads the machine's configuration, its running state, the host's limits and the
 * storage pool its disks live in, in a worker.
 */
void
hearth_machine_settings_load_async (HearthMachine      *machine,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  SettingsOp *op;

  g_return_if_fail (HEARTH_IS_MACHINE (machine));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (machine, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_machine_settings_load_async);
  if (!(op = settings_op_new (machine, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_set_task_data (task, op, (GDestroyNotify) settings_op_free);
  g_task_run_in_thread (task, load_worker);
}

/**
 * hearth_machine_settings_load_finish:
 *
 * Returns: (transfer full): the settings, or %NULL on error
 */
HearthMachineSettings *
hearth_machine_settings_load_finish (HearthMachine *machine,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  HearthMachineSettings *self;
  Snapshot *snapshot;

  g_return_val_if_fail (g_task_is_valid (result, machine), NULL);

  if (!(snapshot = g_task_propagate_pointer (G_TASK (result), error)))
    return NULL;

  self = g_object_new (HEARTH_TYPE_MACHINE_SETTINGS, NULL);
  self->machine = g_object_ref (machine);
  self->snapshot = snapshot;
  return self;
}

/** hearth_machine_settings_get_machine: Returns: (transfer none): the machine */
HearthMachine *
hearth_machine_settings_get_machine (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), NULL);
  return self->machine;
}

/** hearth_machine_settings_get_busy: Returns: whether an apply is under way */
gboolean
hearth_machine_settings_get_busy (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), FALSE);
  return self->applying > 0;
}

/** hearth_machine_settings_get_running: Returns: whether the machine ran when loaded */
gboolean
hearth_machine_settings_get_running (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), FALSE);
  return self->snapshot->active;
}

/** hearth_machine_settings_get_name: Returns: (transfer none): the libvirt name */
const char *
hearth_machine_settings_get_name (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), NULL);
  return self->snapshot->name;
}

/** hearth_machine_settings_get_title: Returns: (transfer none) (nullable): the title */
const char *
hearth_machine_settings_get_title (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), NULL);
  return self->snapshot->title;
}

/** hearth_machine_settings_get_description: Returns: (transfer none) (nullable): the description */
const char *
hearth_machine_settings_get_description (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), NULL);
  return self->snapshot->description;
}

/** hearth_machine_settings_get_os_id: Returns: (transfer none) (nullable): the libosinfo OS id */
const char *
hearth_machine_settings_get_os_id (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), NULL);
  return self->snapshot->os_id;
}

/** hearth_machine_settings_get_autostart: Returns: whether the machine starts with the host */
gboolean
hearth_machine_settings_get_autostart (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), FALSE);
  return self->snapshot->autostart;
}

/** hearth_machine_settings_get_vcpus: Returns: the vCPUs the machine starts with */
guint
hearth_machine_settings_get_vcpus (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), 0);
  return hearth_domain_xml_get_vcpus (self->snapshot->config);
}

/** hearth_machine_settings_get_max_vcpus: Returns: the most vCPUs the machine can have */
guint
hearth_machine_settings_get_max_vcpus (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), 0);
  return hearth_domain_xml_get_max_vcpus (self->snapshot->config);
}

/** hearth_machine_settings_get_live_vcpus: Returns: the running machine's vCPUs, or 0 */
guint
hearth_machine_settings_get_live_vcpus (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), 0);
  return self->snapshot->live ? hearth_domain_xml_get_vcpus (self->snapshot->live) : 0;
}

/** hearth_machine_settings_get_memory: Returns: the memory the machine starts with, in bytes */
guint64
hearth_machine_settings_get_memory (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), 0);
  return hearth_domain_xml_get_memory (self->snapshot->config);
}

/** hearth_machine_settings_get_max_memory: Returns: the balloon's maximum, in bytes */
guint64
hearth_machine_settings_get_max_memory (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), 0);
  return hearth_domain_xml_get_max_memory (self->snapshot->config);
}

/** hearth_machine_settings_get_live_memory: Returns: the running machine's memory in bytes, or 0 */
guint64
hearth_machine_settings_get_live_memory (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), 0);
  return self->snapshot->live ? hearth_domain_xml_get_memory (self->snapshot->live) : 0;
}

/** hearth_machine_settings_get_host_threads: Returns: the host's CPU threads, or 0 if unknown */
guint
hearth_machine_settings_get_host_threads (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), 0);
  return self->snapshot->host_threads;
}

/** hearth_machine_settings_get_host_memory: Returns: the host's memory in bytes, or 0 if unknown */
guint64
hearth_machine_settings_get_host_memory (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), 0);
  return self->snapshot->host_memory;
}

/**
 * hearth_machine_settings_get_disks:
 *
 * Returns: (transfer none) (element-type HearthStorageItem): disks and CD-ROM drives
 */
GPtrArray *
hearth_machine_settings_get_disks (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), NULL);
  return self->snapshot->disks;
}

/**
 * hearth_machine_settings_get_pool:
 *
 * Returns: (transfer none) (nullable): the storage pool new disks are created in:
 *   the pool of the machine's first disk, or %NULL (then no disk can be added)
 */
const char *
hearth_machine_settings_get_pool (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), NULL);
  return self->snapshot->pool;
}

/** hearth_machine_settings_get_pool_available: Returns: the pool's free space in bytes */
guint64
hearth_machine_settings_get_pool_available (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), 0);
  return self->snapshot->pool_available;
}

/**
 * hearth_machine_settings_get_interfaces:
 *
 * Returns: (transfer none) (element-type HearthInterfaceItem): the network interfaces
 */
GPtrArray *
hearth_machine_settings_get_interfaces (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), NULL);
  return self->snapshot->interfaces;
}

/** hearth_machine_settings_get_sound: Returns: whether the machine has a sound card */
gboolean
hearth_machine_settings_get_sound (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), FALSE);
  return hearth_domain_xml_get_sound (self->snapshot->config);
}

/**
 * hearth_machine_settings_get_boot_order:
 *
 * Returns: (transfer none): the boot device kinds ("hd", "cdrom", …), first first
 */
const char * const *
hearth_machine_settings_get_boot_order (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), NULL);
  return (const char * const *) self->snapshot->boot_order;
}

/** hearth_machine_settings_get_boot_menu: Returns: whether the firmware shows a boot menu */
gboolean
hearth_machine_settings_get_boot_menu (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), FALSE);
  return hearth_domain_xml_get_boot_menu (self->snapshot->config);
}

/** hearth_machine_settings_get_video_model: Returns: (transfer none) (nullable): the video model */
const char *
hearth_machine_settings_get_video_model (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), NULL);
  return self->snapshot->video_model;
}

/**
 * hearth_machine_settings_get_xml:
 *
 * Returns: (transfer none): the configuration XML, for the "Edit XML" page
 */
const char *
hearth_machine_settings_get_xml (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), NULL);
  return self->snapshot->config_xml;
}

/** hearth_machine_settings_get_pending: Returns: the settings with changes not applied yet */
HearthSettingFlags
hearth_machine_settings_get_pending (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), 0);
  return self->pending->flags;
}

/** hearth_machine_settings_discard: Forgets every pending change. */
void
hearth_machine_settings_discard (HearthMachineSettings *self)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));
  clear_pending (self);
}

static void
replace_string (char      **field,
                const char *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/** hearth_machine_settings_set_name: Renames the machine (shut-off machines only). */
void
hearth_machine_settings_set_name (HearthMachineSettings *self,
                                  const char            *name)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));
  g_return_if_fail (name != NULL);

  replace_string (&self->pending->name, name);
  add_pending (self, HEARTH_SETTING_NAME);
}

/** hearth_machine_settings_set_title: @title: (nullable): the title; %NULL or "" removes it */
void
hearth_machine_settings_set_title (HearthMachineSettings *self,
                                   const char            *title)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));

  replace_string (&self->pending->title, title);
  add_pending (self, HEARTH_SETTING_TITLE);
}

/** hearth_machine_settings_set_description: @description: (nullable): %NULL or "" removes it */
void
hearth_machine_settings_set_description (HearthMachineSettings *self,
                                         const char            *description)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));

  replace_string (&self->pending->description, description);
  add_pending (self, HEARTH_SETTING_DESCRIPTION);
}

/**
 * hearth_machine_settings_set_os_id:
 * @os_id: (nullable): a libosinfo OS id, or %NULL to forget the OS
 *
 * Changes the operating system Hearth shows and sizes for; the metadata of other
 * tools stays as it is.
 */
void
hearth_machine_settings_set_os_id (HearthMachineSettings *self,
                                   const char            *os_id)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));

  replace_string (&self->pending->os_id, os_id);
  add_pending (self, HEARTH_SETTING_OS);
}

/** hearth_machine_settings_set_autostart: Starts the machine with the host, or not. */
void
hearth_machine_settings_set_autostart (HearthMachineSettings *self,
                                       gboolean               autostart)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));

  self->pending->autostart = !!autostart;
  add_pending (self, HEARTH_SETTING_AUTOSTART);
}

/**
 * hearth_machine_settings_set_vcpus:
 * @vcpus: the vCPUs to run with
 * @max_vcpus: the maximum for hot-plug, or 0 to keep it (raised to @vcpus if needed)
 *
 * On a running machine, a new count up to the running maximum is hot-plugged.
 */
void
hearth_machine_settings_set_vcpus (HearthMachineSettings *self,
                                   guint                  vcpus,
                                   guint                  max_vcpus)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));

  self->pending->vcpus = vcpus;
  self->pending->max_vcpus = max_vcpus;
  add_pending (self, HEARTH_SETTING_VCPUS);
}

/**
 * hearth_machine_settings_set_memory:
 * @memory: the memory to run with, in bytes
 * @max_memory: the balloon's maximum in bytes, or 0 to keep it (raised if needed)
 *
 * On a running machine, a new amount up to the running maximum goes through the
 * balloon.
 */
void
hearth_machine_settings_set_memory (HearthMachineSettings *self,
                                    guint64                memory,
                                    guint64                max_memory)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));

  self->pending->memory = memory;
  self->pending->max_memory = max_memory;
  add_pending (self, HEARTH_SETTING_MEMORY);
}

/**
 * hearth_machine_settings_set_cdrom:
 * @target: (nullable): the CD-ROM drive, or %NULL for the first one
 * @path: (nullable): the ISO image to insert, or %NULL to eject
 *
 * Changes the media, live on a running machine.
 */
void
hearth_machine_settings_set_cdrom (HearthMachineSettings *self,
                                   const char            *target,
                                   const char            *path)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));

  replace_string (&self->pending->cdrom_target, target);
  replace_string (&self->pending->cdrom_path, path);
  add_pending (self, HEARTH_SETTING_CDROM);
}

/**
 * hearth_machine_settings_set_interface_link:
 * @mac: (nullable): the interface's MAC address, or %NULL for the first one
 * @up: whether the virtual cable is plugged in
 */
void
hearth_machine_settings_set_interface_link (HearthMachineSettings *self,
                                            const char            *mac,
                                            gboolean               up)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));

  replace_string (&self->pending->link_mac, mac);
  self->pending->link_up = !!up;
  add_pending (self, HEARTH_SETTING_LINK);
}

/**
 * hearth_machine_settings_set_interface:
 * @mac: (nullable): the interface's MAC address, or %NULL for the first one
 * @network: (nullable): the libvirt network (zone) to connect it to, or %NULL to
 *   keep its connection
 * @model: (nullable): the card model ("virtio", "e1000e", "e1000", "rtl8139"), or
 *   %NULL to keep it
 *
 * A running machine moves to the new network at once where libvirt can; a new
 * model applies on the next start.
 */
void
hearth_machine_settings_set_interface (HearthMachineSettings *self,
                                       const char            *mac,
                                       const char            *network,
                                       const char            *model)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));

  replace_string (&self->pending->iface_mac, mac);
  replace_string (&self->pending->iface_network, network);
  replace_string (&self->pending->iface_model, model);
  add_pending (self, HEARTH_SETTING_INTERFACE);
}

/**
 * hearth_machine_settings_add_disk:
 * @size: the new disk's size in bytes
 *
 * Adds a new qcow2 disk, created through the storage API in the pool of the
 * machine's first disk (see hearth_machine_settings_get_pool()).
 */
void
hearth_machine_settings_add_disk (HearthMachineSettings *self,
                                  guint64                size)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));

  self->pending->disk_size = size;
  add_pending (self, HEARTH_SETTING_ADD_DISK);
}

/**
 * hearth_machine_settings_attach_disk:
 * @path: an existing image file (absolute); its format (qcow2 or raw) is read from
 *   its storage volume or its first bytes
 *
 * Attaches the image as a new virtio disk, hot-plugged on a running machine.
 */
void
hearth_machine_settings_attach_disk (HearthMachineSettings *self,
                                     const char            *path)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));
  g_return_if_fail (path != NULL);

  replace_string (&self->pending->attach_path, path);
  g_clear_pointer (&self->pending->attach_format, g_free);
  add_pending (self, HEARTH_SETTING_ATTACH_DISK);
}

/**
 * hearth_machine_settings_resize_disk:
 * @target: the disk's target ("vda")
 * @size: the new size in bytes, more than the current one
 *
 * Grows a disk: through QEMU while the machine runs, through the storage pool
 * while it is shut off. The guest's partitions and file systems do not grow by
 * themselves; a window should say so.
 */
void
hearth_machine_settings_resize_disk (HearthMachineSettings *self,
                                     const char            *target,
                                     guint64                size)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));
  g_return_if_fail (target != NULL);

  replace_string (&self->pending->resize_target, target);
  self->pending->resize_size = size;
  add_pending (self, HEARTH_SETTING_RESIZE_DISK);
}

/**
 * hearth_machine_settings_remove_disk:
 * @target: the disk's target ("vdb")
 * @delete_image: also delete the image file; otherwise it stays where it is
 */
void
hearth_machine_settings_remove_disk (HearthMachineSettings *self,
                                     const char            *target,
                                     gboolean               delete_image)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));
  g_return_if_fail (target != NULL);

  replace_string (&self->pending->remove_target, target);
  self->pending->delete_image = !!delete_image;
  add_pending (self, HEARTH_SETTING_REMOVE_DISK);
}

/** hearth_machine_settings_set_sound: Adds or removes the sound card (next start). */
void
hearth_machine_settings_set_sound (HearthMachineSettings *self,
                                   gboolean               enabled)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));

  self->pending->sound = !!enabled;
  add_pending (self, HEARTH_SETTING_SOUND);
}

/**
 * hearth_machine_settings_set_boot_order:
 * @devices: (array zero-terminated=1): "hd", "cdrom", "network", "fd", first first
 */
void
hearth_machine_settings_set_boot_order (HearthMachineSettings *self,
                                        const char * const    *devs)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));

  g_strfreev (self->pending->boot_order);
  self->pending->boot_order = g_strdupv ((char **) devs);
  add_pending (self, HEARTH_SETTING_BOOT);
}

/** hearth_machine_settings_set_boot_menu: Shows the firmware's boot menu, or not. */
void
hearth_machine_settings_set_boot_menu (HearthMachineSettings *self,
                                       gboolean               enabled)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));

  self->pending->boot_menu = !!enabled;
  self->pending->boot_menu_set = TRUE;
  add_pending (self, HEARTH_SETTING_BOOT);
}

/** hearth_machine_settings_set_video_model: @model: "virtio", "qxl", "vga", … */
void
hearth_machine_settings_set_video_model (HearthMachineSettings *self,
                                         const char            *model)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));
  g_return_if_fail (model != NULL);

  replace_string (&self->pending->video_model, model);
  add_pending (self, HEARTH_SETTING_VIDEO);
}

/**
 * hearth_machine_settings_set_xml:
 * @xml: a whole new domain XML, keeping the machine's UUID
 *
 * The "Edit XML" change. libvirt validates it against its schema when it is
 * applied; it cannot be combined with other changes.
 */
void
hearth_machine_settings_set_xml (HearthMachineSettings *self,
                                 const char            *xml)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));
  g_return_if_fail (xml != NULL);

  replace_string (&self->pending->xml, xml);
  add_pending (self, HEARTH_SETTING_XML);
}

/**
 * hearth_machine_settings_validate:
 * @self: a #HearthMachineSettings
 * @error: return location for a #GError
 *
 * Checks the pending changes against what was loaded, without libvirt, so a bad
 * value can be refused in place: zero vCPUs, vCPUs above the maximum or the host's
 * threads, more memory than the host has, a disk bigger than the pool's free
 * space, an unknown device, malformed XML. Applying checks again, and also what
 * needs libvirt (a taken name, libvirt's schema).
 *
 * Returns: %TRUE if the changes look acceptable
 */
gboolean
hearth_machine_settings_validate (HearthMachineSettings *self,
                                  GError               **error)
{
  g_autoptr(HearthDomainXml) config = NULL;

  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), FALSE);

  config = build_config (self->pending, self->snapshot, NULL, error);
  return config != NULL;
}

static void
auto_snapshot_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(HearthSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;

  snapshot = hearth_snapshot_tree_create_finish (HEARTH_SNAPSHOT_TREE (source), result, &error);
  if (snapshot == NULL)
    {
      g_prefix_error (&error, "No snapshot could be taken before the change, so nothing was "
                              "changed: ");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_run_in_thread (task, apply_worker);
}

/**
 * hearth_machine_settings_set_snapshot_first:
 * @self: a #HearthMachineSettings
 * @tree: (nullable): the machine's snapshot tree, or %NULL for no snapshot
 * @reason: (nullable): the snapshot's title, in the user's language ("Before
 *   changing the settings")
 *
 * Makes every apply take an automatic snapshot first (for machines whose user
 * keeps snapshots), so the change can be undone by going back. When the snapshot
 * fails, nothing is applied.
 */
void
hearth_machine_settings_set_snapshot_first (HearthMachineSettings *self,
                                            HearthSnapshotTree    *tree,
                                            const char            *reason)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));
  g_return_if_fail (!tree || HEARTH_IS_SNAPSHOT_TREE (tree));

  g_set_object (&self->snapshot_tree, tree);
  replace_string (&self->snapshot_reason, reason);
}

/**
 * hearth_machine_settings_apply_async:
 * @self: a #HearthMachineSettings
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the changes are applied or refused
 * @user_data: data for @callback
 *
 * Applies the pending changes: checks them all against a fresh read, then defines
 * the edited configuration (validated by libvirt), makes the live changes a running
 * machine allows, renames and sets autostart. On success the settings are read
 * again and nothing is pending any more; on failure the pending changes stay and
 * the machine is as it was.
 */
void
hearth_machine_settings_apply_async (HearthMachineSettings *self,
                                     GCancellable          *cancellable,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  SettingsOp *op;

  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_machine_settings_apply_async);
  if (!(op = settings_op_new (self->machine, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  op->pending = pending_copy (self->pending);
  g_task_set_task_data (task, op, (GDestroyNotify) settings_op_free);

  if (self->applying++ == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  g_signal_connect (task, "notify::completed", G_CALLBACK (apply_completed_cb),
                    g_object_ref (self));

  /* The snapshot comes first, so the user can go back to before the change. A
   * firmware change is only safe without snapshots, so it never takes one. */
  if (self->snapshot_tree != NULL && self->pending->flags != HEARTH_SETTING_NONE
      && !(self->pending->flags & HEARTH_SETTING_FIRMWARE))
    {
      hearth_snapshot_tree_create_auto_async (self->snapshot_tree, self->snapshot_reason,
                                              cancellable, auto_snapshot_cb,
                                              g_steal_pointer (&task));
      return;
    }
  g_task_run_in_thread (task, apply_worker);
}

/**
 * hearth_machine_settings_apply_finish:
 * @self: a #HearthMachineSettings
 * @result: the #GAsyncResult
 * @applied_now: (out) (optional): the changes in effect now (for a shut-off
 *   machine, every change)
 * @next_start: (out) (optional): the changes a running machine gets on its next start
 * @error: return location for a #GError
 *
 * Returns: %TRUE if every change was applied (now or for the next start)
 */
gboolean
hearth_machine_settings_apply_finish (HearthMachineSettings *self,
                                      GAsyncResult          *result,
                                      HearthSettingFlags    *applied_now,
                                      HearthSettingFlags    *next_start,
                                      GError               **error)
{
  ApplyResult *outcome;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!(outcome = g_task_propagate_pointer (G_TASK (result), error)))
    return FALSE;

  if (applied_now != NULL)
    *applied_now = outcome->now;
  if (next_start != NULL)
    *next_start = outcome->next_start;
  /* Changes recorded while the apply ran were not part of it; they stay pending. */
  if (self->pending->flags == outcome->applied)
    clear_pending (self);
  if (outcome->snapshot != NULL)
    {
      gboolean was_running = self->snapshot->active;

      snapshot_free (self->snapshot);
      self->snapshot = g_steal_pointer (&outcome->snapshot);
      if (was_running != self->snapshot->active)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
      g_signal_emit (self, signals[RELOADED], 0);
    }
  apply_result_free (outcome);
  return TRUE;
}

/**
 * hearth_machine_settings_get_cpu_model:
 *
 * Returns: (transfer none) (nullable): "host-model", "host-passthrough", "maximum",
 *   a named model, or %NULL for the hypervisor's default
 */
const char *
hearth_machine_settings_get_cpu_model (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), NULL);
  return self->snapshot->cpu_model;
}

/**
 * hearth_machine_settings_get_cpu_models:
 *
 * The named CPU models the host can run for this machine (usable='yes' in
 * libvirt's domain capabilities, for the machine's hypervisor type).
 *
 * Returns: (transfer none) (nullable): the models, or %NULL when the connection
 *   does not say
 */
const char * const *
hearth_machine_settings_get_cpu_models (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), NULL);
  return (const char * const *) self->snapshot->cpu_models;
}

/**
 * hearth_machine_settings_can_use_cpu_model:
 * @model: a CPU model as hearth_machine_settings_set_cpu_model() takes it
 * @block: (out) (optional): why it cannot
 * @error: return location for the reason it cannot
 *
 * Whether the machine can start with @model here. host-passthrough is refused on
 * machines QEMU emulates (TCG) and on hosts that are virtual machines
 * themselves, where QEMU aborts.
 */
gboolean
hearth_machine_settings_can_use_cpu_model (HearthMachineSettings *self,
                                           const char            *model,
                                           HearthSettingBlock    *block,
                                           GError               **error)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), FALSE);
  set_block (block, HEARTH_SETTING_BLOCK_NONE);
  return check_cpu_model (self->snapshot, model, block, error);
}

/** hearth_machine_settings_get_firmware: Returns: (transfer none): "efi" or "bios" */
const char *
hearth_machine_settings_get_firmware (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), NULL);
  return self->snapshot->firmware;
}

/**
 * hearth_machine_settings_can_change_firmware:
 * @block: (out) (optional): why it cannot
 * @error: return location for the reason it cannot
 *
 * Whether switching between BIOS and UEFI is safe now: the machine is shut off
 * and has no snapshots made with the old firmware, and, towards BIOS, no UEFI
 * variables from earlier starts; towards UEFI, the host has the firmware. What
 * the operating system needs is checked by hearth_machine_settings_set_firmware().
 */
gboolean
hearth_machine_settings_can_change_firmware (HearthMachineSettings *self,
                                             HearthSettingBlock    *block,
                                             GError               **error)
{
  const char *other;

  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), FALSE);

  other = g_strcmp0 (self->snapshot->firmware, "efi") == 0 ? "bios" : "efi";
  set_block (block, HEARTH_SETTING_BLOCK_NONE);
  return check_firmware (self->snapshot, other, FALSE, block, error);
}

/** hearth_machine_settings_get_accel3d: Returns: whether the machine has 3D acceleration */
gboolean
hearth_machine_settings_get_accel3d (HearthMachineSettings *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), FALSE);
  return self->snapshot->accel3d;
}

/**
 * hearth_machine_settings_can_accel3d:
 * @block: (out) (optional): why it cannot
 * @error: return location for the reason it cannot
 *
 * Whether 3D acceleration can work here: a local host needs a GPU render node,
 * and QEMU an off-screen GL display.
 */
gboolean
hearth_machine_settings_can_accel3d (HearthMachineSettings *self,
                                     HearthSettingBlock    *block,
                                     GError               **error)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS (self), FALSE);
  set_block (block, HEARTH_SETTING_BLOCK_NONE);
  return check_accel3d (self->snapshot, block, error);
}

/**
 * hearth_machine_settings_set_cpu_model:
 * @model: "host-model", "host-passthrough", "maximum" or a named model from
 *   hearth_machine_settings_get_cpu_models()
 *
 * Applies on the next start.
 */
void
hearth_machine_settings_set_cpu_model (HearthMachineSettings *self,
                                       const char            *model)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));
  g_return_if_fail (model != NULL);

  replace_string (&self->pending->cpu_model, model);
  add_pending (self, HEARTH_SETTING_CPU_MODEL);
}

/**
 * hearth_machine_settings_set_firmware:
 * @firmware: "efi" or "bios"
 * @os_needs_uefi: the machine's operating system does not start with BIOS
 *   (libosinfo, see hearth_os_catalog_get_requirements()); BIOS is then refused
 *
 * Switches BIOS and UEFI on a shut-off machine when it is safe (see
 * hearth_machine_settings_can_change_firmware()).
 */
void
hearth_machine_settings_set_firmware (HearthMachineSettings *self,
                                      const char            *firmware,
                                      gboolean               os_needs_uefi)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));
  g_return_if_fail (firmware != NULL);

  replace_string (&self->pending->firmware, firmware);
  self->pending->os_needs_uefi = !!os_needs_uefi;
  add_pending (self, HEARTH_SETTING_FIRMWARE);
}

/**
 * hearth_machine_settings_set_interface_mac:
 * @mac: (nullable): the interface's MAC address now, or %NULL for the first one
 * @new_mac: the new address: unicast, not used by another card of this machine
 *   or another machine of the connection
 *
 * Applies on the next start of a running machine.
 */
void
hearth_machine_settings_set_interface_mac (HearthMachineSettings *self,
                                           const char            *mac,
                                           const char            *new_mac)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));
  g_return_if_fail (new_mac != NULL);

  replace_string (&self->pending->mac, mac);
  replace_string (&self->pending->new_mac, new_mac);
  add_pending (self, HEARTH_SETTING_MAC);
}

/** hearth_machine_settings_set_accel3d: Turns 3D acceleration on or off (next start). */
void
hearth_machine_settings_set_accel3d (HearthMachineSettings *self,
                                     gboolean               enabled)
{
  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));

  self->pending->accel3d = !!enabled;
  add_pending (self, HEARTH_SETTING_ACCEL3D);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
list_networks_worker (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  SettingsOp *op = task_data;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  virNetworkPtr *networks = NULL;
  int n;

  if (g_task_return_error_if_cancelled (task))
    return;

  n = virConnectListAllNetworks (op->conn, &networks, 0);
  if (n < 0)
    {
      virErrorPtr verr = virGetLastError ();

      /* A connection without a network driver (qemu:///embed) has no networks. */
      if (verr != NULL && verr->code == VIR_ERR_NO_SUPPORT)
        {
          virResetLastError ();
          g_ptr_array_add (names, NULL);
          g_task_return_pointer (task, g_ptr_array_free (g_steal_pointer (&names), FALSE),
                                 (GDestroyNotify) g_strfreev);
          return;
        }
      {
        g_autoptr(GError) error = NULL;

        _hearth_error_take_libvirt (&error, "Could not list the networks");
        g_task_return_error (task, g_steal_pointer (&error));
        return;
      }
    }
  for (int i = 0; i < n; i++)
    {
      g_ptr_array_add (names, g_strdup (virNetworkGetName (networks[i])));
      virNetworkFree (networks[i]);
    }
  free (networks);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  g_task_return_pointer (task, g_ptr_array_free (g_steal_pointer (&names), FALSE),
                         (GDestroyNotify) g_strfreev);
}

/**
 * hearth_machine_settings_list_networks_async:
 * @self: a #HearthMachineSettings
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the networks
 * @user_data: data for @callback
 *
 * Lists the libvirt networks (zones) of the machine's connection, which an
 * interface can move to with hearth_machine_settings_set_interface().
 */
void
hearth_machine_settings_list_networks_async (HearthMachineSettings *self,
                                             GCancellable          *cancellable,
                                             GAsyncReadyCallback    callback,
                                             gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  SettingsOp *op;

  g_return_if_fail (HEARTH_IS_MACHINE_SETTINGS (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_machine_settings_list_networks_async);
  if (!(op = settings_op_new (self->machine, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_set_task_data (task, op, (GDestroyNotify) settings_op_free);
  g_task_run_in_thread (task, list_networks_worker);
}

/**
 * hearth_machine_settings_list_networks_finish:
 *
 * Returns: (transfer full): the network names, sorted; empty when the
 *   connection has no network driver
 */
GStrv
hearth_machine_settings_list_networks_finish (HearthMachineSettings *self,
                                              GAsyncResult          *result,
                                              GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
