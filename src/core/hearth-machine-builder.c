/* hearth-machine-builder.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-builder"

#include "config.h"

#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <string.h>

#include "hearth-machine-builder.h"
#include "hearth-metadata.h"
#include "hearth-os-database.h"
#include "hearth-wizard-private.h"

/*
 * Machine creation: a spec becomes a disk image (through libvirt's storage API, or
 * a file in the embed root when the connection has no storage driver) and domain
 * XML built with libxml2, with the best devices libosinfo says the OS drives.
 * Creation runs in one worker; whatever it made is removed again when a later step
 * fails or the operation is cancelled, so a failed creation leaves nothing behind.
 */

#define LIBOSINFO_NS "http://libosinfo.org/xmlns/libvirt/domain/1.0"
#define MIB (G_GUINT64_CONSTANT (1) << 20)
#define GIB (G_GUINT64_CONSTANT (1) << 30)

G_DEFINE_BOXED_TYPE (HearthMachineSpec, hearth_machine_spec, hearth_machine_spec_copy,
                     hearth_machine_spec_free)

/**
 * hearth_machine_spec_new:
 * @name: the machine's name, any Unicode
 *
 * A spec with small safe defaults (1 vCPU, 1 GiB, 20 GiB blank disk, automatic
 * firmware and video, home NAT); hearth_preset_sizing_apply() fills in the rest.
 *
 * Returns: (transfer full): a new spec
 */
HearthMachineSpec *
hearth_machine_spec_new (const char *name)
{
  HearthMachineSpec *spec = g_new0 (HearthMachineSpec, 1);

  spec->name = g_strdup (name);
  spec->vcpus = 1;
  spec->memory = GIB;
  spec->disk_size = 20 * GIB;
  spec->disk_source = HEARTH_DISK_SOURCE_BLANK;
  spec->firmware = HEARTH_FIRMWARE_AUTO;
  spec->video = HEARTH_VIDEO_AUTO;
  spec->network_zone = HEARTH_NETWORK_ZONE_HOME_NAT;
  return spec;
}

/** hearth_machine_spec_copy: Returns: (transfer full): a copy of @spec */
HearthMachineSpec *
hearth_machine_spec_copy (const HearthMachineSpec *spec)
{
  HearthMachineSpec *copy = g_memdup2 (spec, sizeof *spec);

  copy->name = g_strdup (spec->name);
  copy->os_id = g_strdup (spec->os_id);
  copy->preset_id = g_strdup (spec->preset_id);
  copy->import_path = g_strdup (spec->import_path);
  copy->iso_path = g_strdup (spec->iso_path);
  return copy;
}

/** hearth_machine_spec_free: Frees @spec. */
void
hearth_machine_spec_free (HearthMachineSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->name);
  g_free (spec->os_id);
  g_free (spec->preset_id);
  g_free (spec->import_path);
  g_free (spec->iso_path);
  g_free (spec);
}

/**
 * hearth_machine_spec_dup_file_name:
 * @name: a machine name, any Unicode
 *
 * Derives a safe file name (without extension) from a machine name: ASCII letters,
 * digits, '-', '_' and '.', at most 48 characters, never starting with a dot.
 * Whatever could not be kept (Chinese, emoji, "../") is replaced, and a short hash
 * of the whole name keeps different names apart ("机器" and "机械" do not meet).
 *
 * Returns: (transfer full): the file name
 */
char *
hearth_machine_spec_dup_file_name (const char *name)
{
  g_autofree char *ascii = g_str_to_ascii (name ? name : "", "C");
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean lossy = FALSE;

  for (const char *p = ascii; *p != '\0' && out->len < 48; p++)
    {
      char c = *p;

      if (g_ascii_isalnum (c) || c == '_' || (c == '.' && out->len > 0))
        g_string_append_c (out, c);
      else if (out->len > 0 && out->str[out->len - 1] != '-')
        {
          g_string_append_c (out, '-');
          lossy = lossy || c != ' ';
        }
      else
        lossy = TRUE;
    }
  while (out->len > 0 && (out->str[out->len - 1] == '-' || out->str[out->len - 1] == '.'))
    g_string_truncate (out, out->len - 1);

  if (lossy || out->len == 0 || strcmp (ascii, name ? name : "") != 0)
    {
      g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, name ? name : "",
                                                            -1);

      if (out->len == 0)
        g_string_append (out, "machine");
      g_string_append_printf (out, "-%.8s", sum);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The libvirt name: the user's name, minus what libvirt refuses in names ('/' and
 * control characters). The exact name is kept as the title. */
static char *
dup_libvirt_name (const char *name)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '/' || g_unichar_iscntrl (c))
        g_string_append_c (out, '-');
      else
        g_string_append_unichar (out, c);
    }
  g_strstrip (out->str);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* libxml2 helpers (hearth-storage.c), short: the XML below is dense. */
#define add _hearth_xml_add
#define set _hearth_xml_set

static xmlNodePtr
add_uint (xmlNodePtr  parent,
          const char *name,
          guint64     value)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, value);

  return add (parent, name, text);
}

static void
add_metadata (xmlNodePtr               domain,
              const HearthMachineSpec *spec)
{
  xmlNodePtr metadata = add (domain, "metadata", NULL);
  xmlNodePtr hearth;
  xmlNsPtr ns;

  if (spec->os_id != NULL)
    {
      xmlNodePtr osinfo = add (metadata, "libosinfo", NULL);
      xmlNodePtr os;

      ns = xmlNewNs (osinfo, (const xmlChar *) LIBOSINFO_NS, (const xmlChar *) "libosinfo");
      xmlSetNs (osinfo, ns);
      os = add (osinfo, "os", NULL);
      xmlSetNs (os, ns);
      set (os, "id", spec->os_id);
    }

  /* Hearth's own element (hearth-metadata.h), where sandbox mode, the idle policy
   * and the snapshot schedule keep their settings later. Sandbox mode is not
   * written here: it needs the clean-state snapshot that hearth_sandbox_set_async()
   * takes once the machine exists. */
  hearth = add (metadata, "hearth", NULL);
  ns = xmlNewNs (hearth, (const xmlChar *) HEARTH_METADATA_NS,
                 (const xmlChar *) HEARTH_METADATA_PREFIX);
  xmlSetNs (hearth, ns);
  if (spec->preset_id != NULL)
    xmlSetNs (add (hearth, "preset", spec->preset_id), ns);
  xmlSetNs (add (hearth, "network-zone",
                 spec->network_zone == HEARTH_NETWORK_ZONE_ISOLATED ? "isolated"
                 : spec->network_zone == HEARTH_NETWORK_ZONE_DMZ    ? "dmz"
                                                                    : "home-nat"),
            ns);
}

static HearthFirmware
effective_firmware (const HearthMachineSpec    *spec,
                    const HearthOsRequirements *req)
{
  if (spec->firmware == HEARTH_FIRMWARE_UEFI || spec->secure_boot || req->needs_uefi)
    return HEARTH_FIRMWARE_UEFI;
  return HEARTH_FIRMWARE_BIOS;
}

static HearthVideoModel
effective_video (const HearthMachineSpec    *spec,
                 const HearthOsRequirements *req)
{
  if (spec->video != HEARTH_VIDEO_AUTO)
    return spec->video;
  /* QXL drives SPICE best where the OS has a driver; virtio-gpu otherwise. */
  if (req->qxl || !req->known)
    return HEARTH_VIDEO_QXL;
  if (req->virtio_gpu)
    return HEARTH_VIDEO_VIRTIO;
  return HEARTH_VIDEO_QXL;
}

static char *
build_xml (const HearthMachineSpec    *spec,
           const HearthOsRequirements *req,
           const HearthBuildTarget    *target,
           GError                    **error)
{
  xmlDocPtr doc;
  xmlNodePtr domain, os, node, features, devices, disk, clock;
  g_autofree char *name = NULL;
  HearthFirmware firmware = effective_firmware (spec, req);
  HearthVideoModel video = effective_video (spec, req);
  gboolean windows = FALSE;
  gboolean accel3d;
  char *xml;

  if (spec->name == NULL || (name = dup_libvirt_name (spec->name))[0] == '\0')
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT, "The machine needs a name");
      return NULL;
    }
  if (spec->vcpus == 0 || spec->memory < 64 * MIB)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "The machine needs at least one vCPU and 64 MiB of memory");
      return NULL;
    }
  /* A DMZ without its filter would be plain NAT: refuse rather than give less. */
  if (spec->network_zone == HEARTH_NETWORK_ZONE_DMZ
      && (target->network == NULL || target->network_filter == NULL
          || target->network_gateway == NULL))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                   "The DMZ zone needs a libvirt network and traffic filter");
      return NULL;
    }
  if (spec->os_id != NULL)
    windows = g_str_has_prefix (spec->os_id, "http://microsoft.com/win");
  accel3d = spec->accel3d && target->host_3d && video == HEARTH_VIDEO_VIRTIO;

  doc = xmlNewDoc ((const xmlChar *) "1.0");
  domain = xmlNewNode (NULL, (const xmlChar *) "domain");
  xmlDocSetRootElement (doc, domain);
  set (domain, "type", target->domain_type);

  add (domain, "name", name);
  add (domain, "title", spec->name);
  add_metadata (domain, spec);
  set (add_uint (domain, "memory", spec->memory / 1024), "unit", "KiB");
  set (add_uint (domain, "currentMemory", spec->memory / 1024), "unit", "KiB");
  set (add_uint (domain, "vcpu", spec->vcpus), "placement", "static");

  os = add (domain, "os", NULL);
  if (firmware == HEARTH_FIRMWARE_UEFI)
    set (os, "firmware", "efi");
  node = add (os, "type", "hvm");
  set (node, "arch", target->arch);
  if (target->machine != NULL)
    set (node, "machine", target->machine);
  if (firmware == HEARTH_FIRMWARE_UEFI)
    {
      /* Ask for the firmware by its features, so libvirt picks the right OVMF build
       * and its variables template. */
      xmlNodePtr fw = add (os, "firmware", NULL);

      set (set (add (fw, "feature", NULL), "enabled", spec->secure_boot ? "yes" : "no"), "name",
           "secure-boot");
      set (set (add (fw, "feature", NULL), "enabled", spec->secure_boot ? "yes" : "no"), "name",
           "enrolled-keys");
    }
  set (add (os, "boot", NULL), "dev", "hd");
  set (add (os, "boot", NULL), "dev", "cdrom");

  features = add (domain, "features", NULL);
  add (features, "acpi", NULL);
  add (features, "apic", NULL);
  if (firmware == HEARTH_FIRMWARE_UEFI && spec->secure_boot)
    set (add (features, "smm", NULL), "state", "on");

  /* host-model only under KVM; host-passthrough is never used (see DESIGN.md). */
  if (g_strcmp0 (target->domain_type, "kvm") == 0)
    set (add (domain, "cpu", NULL), "mode", "host-model");

  clock = set (add (domain, "clock", NULL), "offset", windows ? "localtime" : "utc");
  set (set (add (clock, "timer", NULL), "name", "rtc"), "tickpolicy", "catchup");
  set (set (add (clock, "timer", NULL), "name", "pit"), "tickpolicy", "delay");
  set (set (add (clock, "timer", NULL), "name", "hpet"), "present", "no");

  add (domain, "on_poweroff", "destroy");
  add (domain, "on_reboot", "restart");
  add (domain, "on_crash", "destroy");
  node = add (domain, "pm", NULL);
  set (add (node, "suspend-to-mem", NULL), "enabled", "no");
  set (add (node, "suspend-to-disk", NULL), "enabled", "no");

  devices = add (domain, "devices", NULL);

  if (target->disk_path != NULL)
    {
      disk = set (set (add (devices, "disk", NULL), "type", "file"), "device", "disk");
      node = set (set (add (disk, "driver", NULL), "name", "qemu"), "type",
                  target->disk_format ? target->disk_format : "qcow2");
      if (req->virtio_block)
        set (node, "discard", "unmap");
      set (add (disk, "source", NULL), "file", target->disk_path);
      node = add (disk, "target", NULL);
      set (set (node, "dev", req->virtio_block ? "vda" : "sda"), "bus",
           req->virtio_block ? "virtio" : "sata");
    }

  /* The CD-ROM: the ISO, or an empty drive when a blank machine waits for media. */
  if (spec->iso_path != NULL || spec->disk_source == HEARTH_DISK_SOURCE_BLANK)
    {
      disk = set (set (add (devices, "disk", NULL), "type", "file"), "device", "cdrom");
      set (set (add (disk, "driver", NULL), "name", "qemu"), "type", "raw");
      if (spec->iso_path != NULL)
        set (add (disk, "source", NULL), "file", spec->iso_path);
      set (set (add (disk, "target", NULL), "dev", req->virtio_block ? "sda" : "sdb"), "bus",
           "sata");
      add (disk, "readonly", NULL);
    }

  set (set (set (add (devices, "controller", NULL), "type", "usb"), "model",
            req->usb3 || !req->known ? "qemu-xhci" : "ich9-ehci1"),
       "ports", "15");

  /* The network zone: isolated machines get no card at all. */
  if (spec->network_zone != HEARTH_NETWORK_ZONE_ISOLATED)
    {
      xmlNodePtr iface = add (devices, "interface", NULL);

      if (target->network != NULL)
        {
          set (iface, "type", "network");
          set (add (iface, "source", NULL), "network", target->network);
        }
      else
        set (iface, "type", "user");
      set (add (iface, "model", NULL), "type", req->virtio_net ? "virtio" : "e1000e");
      if (target->network_filter != NULL)
        {
          node = set (add (iface, "filterref", NULL), "filter", target->network_filter);
          if (target->network_gateway != NULL)
            set (set (add (node, "parameter", NULL), "name", "GATEWAY"), "value",
                 target->network_gateway);
        }
    }

  set (set (add (devices, "input", NULL), "type", "tablet"), "bus", "usb");

  if (video != HEARTH_VIDEO_NONE)
    {
      xmlNodePtr graphics = set (add (devices, "graphics", NULL), "type", "spice");
      xmlNodePtr model;

      /* No TCP port: the console connects through virDomainOpenGraphicsFD. */
      set (add (graphics, "listen", NULL), "type", "none");
      if (accel3d)
        set (add (graphics, "gl", NULL), "enable", "yes");

      node = add (devices, "video", NULL);
      model = set (add (node, "model", NULL), "type",
                   video == HEARTH_VIDEO_VIRTIO ? "virtio" : "qxl");
      set (model, "heads", "1");
      set (model, "primary", "yes");
      if (accel3d)
        set (add (model, "acceleration", NULL), "accel3d", "yes");

      node = set (add (devices, "channel", NULL), "type", "spicevmc");
      set (set (add (node, "target", NULL), "type", "virtio"), "name", "com.redhat.spice.0");
      for (int i = 0; i < 2; i++)
        set (set (add (devices, "redirdev", NULL), "bus", "usb"), "type", "spicevmc");
      /* With SPICE graphics, libvirt routes the sound card's audio over SPICE. */
      set (add (devices, "sound", NULL), "model", req->sound_model ? req->sound_model : "ich9");
    }
  else
    {
      /* Headless: a serial console instead of a screen. */
      set (add (devices, "serial", NULL), "type", "pty");
      node = set (add (devices, "console", NULL), "type", "pty");
      set (set (add (node, "target", NULL), "type", "serial"), "port", "0");
      node = add (devices, "video", NULL);
      set (add (node, "model", NULL), "type", "none");
    }

  if (spec->tpm)
    {
      node = set (add (devices, "tpm", NULL), "model", "tpm-crb");
      set (set (add (node, "backend", NULL), "type", "emulator"), "version", "2.0");
    }

  if (req->virtio_block || req->virtio_net)
    {
      node = set (add (devices, "rng", NULL), "model", "virtio");
      set (add (node, "backend", "/dev/urandom"), "model", "random");
    }

  xml = _hearth_xml_doc_to_string (doc);
  xmlFreeDoc (doc);
  return xml;
}

/* The metadata keeps libosinfo's full id, also when the caller gave a short id
 * ("win11", as hearthctl's --os takes). Unknown ids are kept as they are. */
static void
normalize_os_id (HearthOsDatabase  *db,
                 HearthMachineSpec *spec)
{
  g_autoptr(HearthOsEntry) entry = NULL;

  if (spec->os_id == NULL || !(entry = hearth_os_catalog_lookup (db, spec->os_id)))
    return;
  g_free (spec->os_id);
  spec->os_id = g_strdup (entry->id);
}

/**
 * hearth_machine_builder_build_xml:
 * @spec: what to create
 * @target: what the connection offers (domain type, architecture, disk)
 * @error: return location for an error
 *
 * Builds the domain XML for @spec without touching libvirt, with the devices the
 * OS supports according to libosinfo (the default #HearthOsDatabase must be loaded
 * when @spec names an OS). Main thread.
 *
 * Returns: (transfer full): the domain XML, or %NULL with @error set
 */
char *
hearth_machine_builder_build_xml (const HearthMachineSpec *spec,
                                  const HearthBuildTarget *target,
                                  GError                 **error)
{
  HearthOsRequirements req;
  HearthOsDatabase *db = hearth_os_database_get_default ();

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (target != NULL && target->domain_type != NULL && target->arch != NULL,
                        NULL);

  if (spec->os_id != NULL && !hearth_os_database_is_loaded (db))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_STATE,
                   "The OS database is not loaded yet");
      return NULL;
    }
  g_autoptr(HearthMachineSpec) copy = NULL;

  hearth_os_catalog_get_requirements (db, spec->os_id, &req);
  copy = hearth_machine_spec_copy (spec);
  normalize_os_id (db, copy);
  return build_xml (copy, &req, target, error);
}

/* Creation */

typedef struct
{
  virConnectPtr        conn;
  char                *uri;
  gboolean             local;
  HearthMachineSpec   *spec;
  HearthOsRequirements req;
} CreateRequest;

static void
create_request_free (CreateRequest *req)
{
  hearth_vir_connect_unref (req->conn);
  g_free (req->uri);
  hearth_machine_spec_free (req->spec);
  g_free (req);
}

/* What the hypervisor offers, from the capabilities XML. */
typedef struct
{
  char    *domain_type;
  char    *arch;
  char    *machine;
} Offer;

static void
offer_clear (Offer *offer)
{
  g_clear_pointer (&offer->domain_type, g_free);
  g_clear_pointer (&offer->arch, g_free);
  g_clear_pointer (&offer->machine, g_free);
}

static gboolean
xpath_exists (xmlXPathContextPtr ctx,
              const char        *expression)
{
  xmlXPathObjectPtr obj = xmlXPathEvalExpression ((const xmlChar *) expression, ctx);
  gboolean found = obj != NULL && obj->nodesetval != NULL && obj->nodesetval->nodeNr > 0;

  xmlXPathFreeObject (obj);
  return found;
}

static char *
xpath_first (xmlXPathContextPtr ctx,
             const char        *expression)
{
  xmlXPathObjectPtr obj = xmlXPathEvalExpression ((const xmlChar *) expression, ctx);
  char *result = NULL;

  if (obj != NULL && obj->nodesetval != NULL && obj->nodesetval->nodeNr > 0)
    {
      xmlChar *str = xmlNodeGetContent (obj->nodesetval->nodeTab[0]);

      result = g_strdup ((const char *) str);
      xmlFree (str);
    }
  xmlXPathFreeObject (obj);
  return result;
}

/* KVM when the capabilities offer it, unless software emulation is forced (KVM can
 * be present but unusable, as on nested test machines). */
static gboolean
read_offer (virConnectPtr conn,
            gboolean      force_tcg,
            Offer        *offer,
            GError      **error)
{
  g_autofree char *caps = virConnectGetCapabilities (conn);
  xmlDocPtr doc;
  xmlXPathContextPtr ctx;

  if (caps == NULL)
    {
      _hearth_error_take_libvirt (error, "Could not read the hypervisor's capabilities");
      return FALSE;
    }
  doc = xmlReadMemory (caps, strlen (caps), NULL, NULL, XML_PARSE_NONET);
  if (doc == NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_FAILED, "Unreadable capabilities");
      return FALSE;
    }
  ctx = xmlXPathNewContext (doc);

  /* x86_64 when offered (the presets and libosinfo data are for it), else the
   * first architecture with full virtualization (the test driver offers i686). */
  if (xpath_exists (ctx, "/capabilities/guest[os_type='hvm']/arch[@name='x86_64']"))
    offer->arch = g_strdup ("x86_64");
  else
    offer->arch = xpath_first (ctx, "/capabilities/guest[os_type='hvm']/arch/@name");

  if (offer->arch != NULL)
    {
      g_autofree char *base = NULL;
      g_autofree char *kvm = NULL;
      g_autofree char *qemu = NULL;
      g_autofree char *any = NULL;
      g_autofree char *q35 = NULL;
      g_autofree char *canonical = NULL;

      base = g_strdup_printf ("/capabilities/guest[os_type='hvm']/arch[@name='%s']", offer->arch);
      kvm = g_strconcat (base, "/domain[@type='kvm']", NULL);
      qemu = g_strconcat (base, "/domain[@type='qemu']", NULL);
      any = g_strconcat (base, "/domain/@type", NULL);
      q35 = g_strconcat (base, "/machine[text()='q35']", NULL);
      canonical = g_strconcat (base, "/machine[starts-with(text(),'pc-q35')]", NULL);

      if (!force_tcg && xpath_exists (ctx, kvm))
        offer->domain_type = g_strdup ("kvm");
      else if (xpath_exists (ctx, qemu))
        offer->domain_type = g_strdup ("qemu");
      else
        offer->domain_type = xpath_first (ctx, any);

      if (xpath_exists (ctx, q35) || xpath_exists (ctx, canonical))
        offer->machine = g_strdup ("q35");
    }

  xmlXPathFreeContext (ctx);
  xmlFreeDoc (doc);

  if (offer->arch == NULL || offer->domain_type == NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                   "The hypervisor offers no full virtualization");
      return FALSE;
    }
  return TRUE;
}

/* An installer or live medium must be an ISO 9660 or UDF image: "CD001" or a UDF
 * "BEA01" descriptor in the volume descriptor area from sector 16 on. */
static gboolean
check_iso (const char *path,
           GError    **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  guchar buffer[2048 * 8];
  gsize got = 0;

  if (!(stream = g_file_read (file, NULL, &local_error)))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND, "The ISO image %s does not exist",
                     path);
      else
        g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_PERMISSION_DENIED,
                     "Could not read the ISO image %s: %s", path, local_error->message);
      return FALSE;
    }
  if (!g_seekable_seek (G_SEEKABLE (stream), 16 * 2048, G_SEEK_SET, NULL, NULL)
      || !g_input_stream_read_all (G_INPUT_STREAM (stream), buffer, sizeof buffer, &got, NULL,
                                   NULL))
    got = 0;

  for (gsize offset = 0; offset + 6 <= got; offset += 2048)
    if (memcmp (buffer + offset + 1, "CD001", 5) == 0
        || memcmp (buffer + offset + 1, "BEA01", 5) == 0)
      return TRUE;

  g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
               "%s is not an ISO image", path);
  return FALSE;
}

static void
rollback (CreateRequest *req,
          virDomainPtr   domain,
          const char    *disk_path)
{
  g_autoptr(GError) error = NULL;
  gint64 begin = hearth_now_usec ();

  if (domain != NULL && virDomainUndefineFlags (domain, VIR_DOMAIN_UNDEFINE_NVRAM
                                                          | VIR_DOMAIN_UNDEFINE_TPM) < 0)
    {
      virResetLastError ();
      if (virDomainUndefine (domain) < 0)
        _hearth_error_take_libvirt (&error, "Could not remove the half-made machine");
    }
  if (disk_path != NULL)
    {
      g_autoptr(GError) disk_error = NULL;

      if (!_hearth_storage_delete_disk (req->conn, disk_path, &disk_error) && error == NULL)
        error = g_steal_pointer (&disk_error);
    }
  if (error != NULL)
    g_warning ("Rollback of “%s” left something behind: %s", req->spec->name, error->message);
  hearth_audit_record (req->uri, req->spec->name, NULL, "create-rollback", error,
                       hearth_now_usec () - begin);
}

static HearthDomainInfo *
create (CreateRequest *req,
        GCancellable  *cancellable,
        GError       **error)
{
  HearthMachineSpec *spec = req->spec;
  g_autofree char *name = dup_libvirt_name (spec->name ? spec->name : "");
  g_autofree char *file_name = NULL;
  g_autofree char *disk_path = NULL;
  g_autofree char *import_format = NULL;
  g_autofree char *xml = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  HearthStorageTarget storage = { 0 };
  HearthBuildTarget target = { 0 };
  HearthZoneTarget zone = { 0 };
  HearthDomainInfo *info = NULL;
  Offer offer = { 0 };
  gboolean made_disk = FALSE;

  if (name[0] == '\0')
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT, "The machine needs a name");
      return NULL;
    }

  /* Checks first, so a bad request makes nothing at all. */
  if ((domain = virDomainLookupByName (req->conn, name)))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN,
                   "A machine called “%s” already exists", name);
      return NULL;
    }
  virResetLastError ();

  if (spec->iso_path != NULL && req->local && !check_iso (spec->iso_path, error))
    return NULL;
  if (spec->disk_source != HEARTH_DISK_SOURCE_BLANK)
    {
      if (spec->import_path == NULL)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "No disk image to import");
          return NULL;
        }
      if (req->local && !g_file_test (spec->import_path, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND,
                       "The disk image %s does not exist", spec->import_path);
          return NULL;
        }
      if (spec->disk_source == HEARTH_DISK_SOURCE_IMPORT_COPY && !req->local)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                       "Copying a disk image works on local connections only");
          return NULL;
        }
    }

  if (!read_offer (req->conn, spec->force_tcg, &offer, error))
    return NULL;

  target.domain_type = offer.domain_type;
  target.arch = offer.arch;
  target.machine = offer.machine;
  target.host_3d = req->local && g_strcmp0 (offer.domain_type, "kvm") == 0
                   && g_file_test ("/dev/dri/renderD128", G_FILE_TEST_EXISTS);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto fail;

  /* The network zone, before the disk: a zone the connection cannot give fails
   * while nothing exists yet. The zone's network and filter are shared by every
   * machine in it and stay when creation fails later. */
  if (!_hearth_network_zone_prepare (req->conn, spec->network_zone, &zone, error))
    goto fail;
  target.network = zone.network;
  target.network_filter = zone.filter;
  target.network_gateway = zone.gateway;

  /* The disk. */
  if (spec->disk_source == HEARTH_DISK_SOURCE_IMPORT_IN_PLACE)
    {
      /* The image stays where it is; its format comes from the image itself
       * (libvirt never probes formats, for safety). Remote images are named by
       * their suffix. */
      target.disk_path = spec->import_path;
      if (req->local)
        {
          if (!_hearth_storage_probe_image (spec->import_path, &import_format, NULL, cancellable,
                                            error))
            goto fail;
          target.disk_format = import_format;
        }
      else
        target.disk_format = g_str_has_suffix (spec->import_path, ".qcow2") ? "qcow2" : "raw";
    }
  else
    {
      if (!_hearth_storage_target_find (req->conn, req->uri, TRUE, &storage, error))
        goto fail;
      file_name = hearth_machine_spec_dup_file_name (spec->name);
      disk_path = _hearth_storage_create_disk (&storage, file_name, spec->disk_size,
                                               spec->disk_source == HEARTH_DISK_SOURCE_IMPORT_COPY
                                                 ? spec->import_path
                                                 : NULL,
                                               cancellable, error);
      if (disk_path == NULL)
        goto fail;
      made_disk = TRUE;
      target.disk_path = disk_path;
      target.disk_format = "qcow2";
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto fail;

  if (!(xml = build_xml (spec, &req->req, &target, error)))
    goto fail;
  g_debug ("Defining:\n%s", xml);

  if (!(domain = virDomainDefineXML (req->conn, xml)))
    {
      _hearth_error_take_libvirt (error, "Could not define the machine");
      goto fail;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto fail;

  if (!(info = _hearth_domain_info_fetch (domain, error)))
    goto fail;

  _hearth_storage_target_clear (&storage);
  _hearth_zone_target_clear (&zone);
  offer_clear (&offer);
  return info;

fail:
  if (made_disk || domain != NULL)
    rollback (req, domain, made_disk ? disk_path : NULL);
  _hearth_storage_target_clear (&storage);
  _hearth_zone_target_clear (&zone);
  offer_clear (&offer);
  return NULL;
}

static void
create_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  CreateRequest *req = task_data;
  g_autoptr(GError) error = NULL;
  HearthDomainInfo *info;
  gint64 begin = hearth_now_usec ();

  info = create (req, cancellable, &error);
  hearth_audit_record (req->uri, info ? info->name : req->spec->name, info ? info->uuid : NULL,
                       "create", error, hearth_now_usec () - begin);

  if (info == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, info, (GDestroyNotify) _hearth_domain_info_free);
}

/**
 * hearth_machine_builder_create_async:
 * @connection: an open connection
 * @spec: what to create (copied)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the machine is defined, or creation failed
 * @user_data: data for @callback
 *
 * Creates a machine: checks that the name is free and the ISO is an ISO image,
 * makes what the network zone needs (Hearth's DMZ network and filter, made once
 * and reused), makes the disk (a new qcow2 image, never overwriting a file: the name gets a
 * number when taken; a copy of an imported image; or the image itself), builds the
 * domain XML and defines it. Domain type KVM when offered, unless @spec forces TCG
 * or HEARTH_FORCE_TCG=1 is set. When any step fails or @cancellable is cancelled,
 * what was made is removed again. Audited as "create" (and "create-rollback").
 * The machine is not started: use hearth_machine_run_action_async().
 *
 * The default #HearthOsDatabase must be loaded when @spec names an OS.
 */
void
hearth_machine_builder_create_async (HearthConnection        *connection,
                                     const HearthMachineSpec *spec,
                                     GCancellable            *cancellable,
                                     GAsyncReadyCallback      callback,
                                     gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  HearthOsDatabase *db = hearth_os_database_get_default ();
  CreateRequest *req;
  virConnectPtr conn;
  const char *env;

  g_return_if_fail (HEARTH_IS_CONNECTION (connection));
  g_return_if_fail (spec != NULL);

  task = g_task_new (connection, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_machine_builder_create_async);

  if (spec->os_id != NULL && !hearth_os_database_is_loaded (db))
    {
      g_task_return_new_error (task, HEARTH_ERROR, HEARTH_ERROR_INVALID_STATE,
                               "The OS database is not loaded yet");
      return;
    }
  if (!(conn = _hearth_connection_dup_virconn (connection, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Everything the worker needs, read here on the main thread. */
  req = g_new0 (CreateRequest, 1);
  req->conn = conn;
  req->uri = g_strdup (hearth_connection_get_uri (connection));
  req->local = hearth_connection_is_local (connection);
  req->spec = hearth_machine_spec_copy (spec);
  /* The environment is read here: getenv in a worker races with setenv elsewhere. */
  env = g_getenv ("HEARTH_FORCE_TCG");
  if (env != NULL && env[0] != '\0' && g_strcmp0 (env, "0") != 0)
    req->spec->force_tcg = TRUE;
  hearth_os_catalog_get_requirements (db, spec->os_id, &req->req);
  normalize_os_id (db, req->spec);
  g_task_set_task_data (task, req, (GDestroyNotify) create_request_free);
  g_task_run_in_thread (task, create_worker);
}

/**
 * hearth_machine_builder_create_finish:
 *
 * Returns: (transfer full): the new machine (already in the connection's model),
 *   or %NULL with an error: %HEARTH_ERROR_NAME_TAKEN, %HEARTH_ERROR_INVALID_ARGUMENT
 *   (not an ISO image, no name), %HEARTH_ERROR_NOT_FOUND (missing ISO or image),
 *   %HEARTH_ERROR_UNSUPPORTED (the DMZ zone on a connection without network filters),
 *   %G_IO_ERROR_NO_SPACE (the disk does not fit), or what libvirt said
 */
HearthMachine *
hearth_machine_builder_create_finish (HearthConnection *connection,
                                      GAsyncResult     *result,
                                      GError          **error)
{
  g_autoptr(HearthDomainInfo) info = NULL;
  HearthMachine *machine;

  g_return_val_if_fail (g_task_is_valid (result, connection), NULL);

  if (!(info = g_task_propagate_pointer (G_TASK (result), error)))
    return NULL;
  machine = _hearth_connection_apply_info (connection, info);
  return machine ? g_object_ref (machine) : NULL;
}
