/* hearth-machine-devices.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-snapshot-tree.h"
#include "hearth-types.h"

G_BEGIN_DECLS

/**
 * HearthSharedFolder:
 * @tag: the mount tag the guest mounts it by (`mount -t virtiofs TAG /mnt`)
 * @source: the folder on the host
 * @driver: the filesystem driver ("virtiofs"; "path" or "handle" for 9p shares
 *   made by other tools), or %NULL when the XML names none
 * @readonly: whether the guest may only read it
 */
typedef struct
{
  char    *tag;
  char    *source;
  char    *driver;
  gboolean readonly;
} HearthSharedFolder;

/**
 * HearthUsbDevice:
 * @vendor_id: the USB vendor id
 * @product_id: the USB product id
 * @vendor: the vendor's name, or %NULL when the host does not know it
 * @product: the product's name, or %NULL
 * @node: the host's node device name ("usb_1_4"), or %NULL when the device is
 *   not plugged into the host
 * @devnode: the device file ("/dev/bus/usb/001/004"), or %NULL
 * @attached: whether the machine's configuration has it
 */
typedef struct
{
  guint    vendor_id;
  guint    product_id;
  char    *vendor;
  char    *product;
  char    *node;
  char    *devnode;
  gboolean attached;
} HearthUsbDevice;

/**
 * HearthVirtiofsSupport:
 * @HEARTH_VIRTIOFS_AVAILABLE: folders can be shared with virtiofs
 * @HEARTH_VIRTIOFS_NO_DRIVER: the hypervisor has no virtiofs device (the domain
 *   capabilities list no filesystem driver type "virtiofs")
 * @HEARTH_VIRTIOFS_NO_DAEMON: virtiofsd is not installed on this computer
 * @HEARTH_VIRTIOFS_SESSION: libvirt before 10.0 cannot run virtiofsd for a
 *   user's own machines (qemu:///session)
 *
 * Whether a machine can get a shared folder, and if not, why.
 */
typedef enum
{
  HEARTH_VIRTIOFS_AVAILABLE,
  HEARTH_VIRTIOFS_NO_DRIVER,
  HEARTH_VIRTIOFS_NO_DAEMON,
  HEARTH_VIRTIOFS_SESSION,
} HearthVirtiofsSupport;

#define HEARTH_TYPE_SHARED_FOLDER (hearth_shared_folder_get_type ())
GType               hearth_shared_folder_get_type (void) G_GNUC_CONST;
HearthSharedFolder *hearth_shared_folder_copy     (const HearthSharedFolder *folder);
void                hearth_shared_folder_free     (HearthSharedFolder       *folder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthSharedFolder, hearth_shared_folder_free)

#define HEARTH_TYPE_USB_DEVICE (hearth_usb_device_get_type ())
GType               hearth_usb_device_get_type    (void) G_GNUC_CONST;
HearthUsbDevice    *hearth_usb_device_copy        (const HearthUsbDevice    *device);
void                hearth_usb_device_free        (HearthUsbDevice          *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthUsbDevice, hearth_usb_device_free)

/* Domain XML edits, pure (no libvirt, no file system): each changes only the
 * elements it manages and keeps every other node, comments included. */
GPtrArray *hearth_machine_devices_xml_list_folders (const char   *xml,
                                                    GError      **error);
GPtrArray *hearth_machine_devices_xml_list_usb     (const char   *xml,
                                                    GError      **error);
gboolean   hearth_machine_devices_xml_has_shared_memory (const char *xml);
char      *hearth_machine_devices_xml_add_folder   (const char   *xml,
                                                    const char   *source,
                                                    const char   *tag,
                                                    const char   *virtiofsd,
                                                    GError      **error);
char      *hearth_machine_devices_xml_remove_folder (const char  *xml,
                                                     const char  *tag,
                                                     GError     **error);
char      *hearth_machine_devices_xml_dup_folder_device (const char *xml,
                                                         const char *tag);
char      *hearth_machine_devices_xml_add_usb      (const char   *xml,
                                                    guint         vendor_id,
                                                    guint         product_id,
                                                    GError      **error);
char      *hearth_machine_devices_xml_remove_usb   (const char   *xml,
                                                    guint         vendor_id,
                                                    guint         product_id,
                                                    GError      **error);
char      *hearth_machine_devices_xml_dup_usb_device (const char *xml,
                                                      guint       vendor_id,
                                                      guint       product_id);

char      *hearth_machine_devices_suggest_tag      (const char   *source,
                                                    GPtrArray    *folders);
HearthUsbDevice *hearth_machine_devices_parse_node_device (const char *xml);
HearthVirtiofsSupport hearth_machine_devices_virtiofs_from_caps (const char *domain_caps_xml);
char      *hearth_machine_devices_find_virtiofsd   (const char * const *vhost_user_dirs,
                                                    const char * const *fallback_paths);

#define HEARTH_TYPE_MACHINE_DEVICES (hearth_machine_devices_get_type ())
G_DECLARE_FINAL_TYPE (HearthMachineDevices, hearth_machine_devices, HEARTH, MACHINE_DEVICES,
                      GObject)

void                  hearth_machine_devices_load_async    (HearthMachine        *machine,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
HearthMachineDevices *hearth_machine_devices_load_finish   (HearthMachine        *machine,
                                                            GAsyncResult         *result,
                                                            GError              **error);

HearthMachine        *hearth_machine_devices_get_machine   (HearthMachineDevices *self);
gboolean              hearth_machine_devices_get_running   (HearthMachineDevices *self);
gboolean              hearth_machine_devices_get_busy      (HearthMachineDevices *self);
HearthVirtiofsSupport hearth_machine_devices_get_virtiofs  (HearthMachineDevices *self);
GPtrArray            *hearth_machine_devices_get_folders   (HearthMachineDevices *self);
GPtrArray            *hearth_machine_devices_get_usb_devices (HearthMachineDevices *self);
gboolean              hearth_machine_devices_get_usb_controller (HearthMachineDevices *self);
void                  hearth_machine_devices_set_snapshot_first (HearthMachineDevices *self,
                                                                 HearthSnapshotTree   *tree,
                                                                 const char           *reason);

void                  hearth_machine_devices_reload_async  (HearthMachineDevices *self,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean              hearth_machine_devices_reload_finish (HearthMachineDevices *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

void                  hearth_machine_devices_add_folder_async    (HearthMachineDevices *self,
                                                                  const char           *source,
                                                                  const char           *tag,
                                                                  GCancellable         *cancellable,
                                                                  GAsyncReadyCallback   callback,
                                                                  gpointer              user_data);
void                  hearth_machine_devices_remove_folder_async (HearthMachineDevices *self,
                                                                  const char           *tag,
                                                                  GCancellable         *cancellable,
                                                                  GAsyncReadyCallback   callback,
                                                                  gpointer              user_data);
void                  hearth_machine_devices_attach_usb_async    (HearthMachineDevices *self,
                                                                  guint                 vendor_id,
                                                                  guint                 product_id,
                                                                  GCancellable         *cancellable,
                                                                  GAsyncReadyCallback   callback,
                                                                  gpointer              user_data);
void                  hearth_machine_devices_detach_usb_async    (HearthMachineDevices *self,
                                                                  guint                 vendor_id,
                                                                  guint                 product_id,
                                                                  GCancellable         *cancellable,
                                                                  GAsyncReadyCallback   callback,
                                                                  gpointer              user_data);
gboolean              hearth_machine_devices_change_finish       (HearthMachineDevices *self,
                                                                  GAsyncResult         *result,
                                                                  gboolean             *next_start,
                                                                  GError              **error);

G_END_DECLS
