/* hearth-domain-xml.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-types.h"

G_BEGIN_DECLS

/**
 * HearthInterfaceItem:
 * @mac: the interface's MAC address, or %NULL when libvirt will choose one
 * @type: "network", "bridge", "user", "direct", …
 * @source: the network or bridge it is connected to, or %NULL
 * @model: the device model ("virtio", "e1000e", …), or %NULL
 * @link_up: whether the virtual cable is plugged in
 */
typedef struct
{
  char    *mac;
  char    *type;
  char    *source;
  char    *model;
  gboolean link_up;
} HearthInterfaceItem;

#define HEARTH_TYPE_INTERFACE_ITEM (hearth_interface_item_get_type ())
GType                hearth_interface_item_get_type (void) G_GNUC_CONST;
HearthInterfaceItem *hearth_interface_item_copy     (const HearthInterfaceItem *item);
void                 hearth_interface_item_free     (HearthInterfaceItem       *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthInterfaceItem, hearth_interface_item_free)

#define HEARTH_TYPE_DOMAIN_XML (hearth_domain_xml_get_type ())
G_DECLARE_FINAL_TYPE (HearthDomainXml, hearth_domain_xml, HEARTH, DOMAIN_XML, GObject)

HearthDomainXml *hearth_domain_xml_new              (const char          *xml,
                                                     GError             **error);
HearthDomainXml *hearth_domain_xml_copy             (HearthDomainXml     *self);
char            *hearth_domain_xml_to_string        (HearthDomainXml     *self);

gboolean         hearth_domain_xml_check_name       (const char          *name,
                                                     GError             **error);

char            *hearth_domain_xml_dup_uuid         (HearthDomainXml     *self);
char            *hearth_domain_xml_dup_name         (HearthDomainXml     *self);
gboolean         hearth_domain_xml_set_name         (HearthDomainXml     *self,
                                                     const char          *name,
                                                     GError             **error);
char            *hearth_domain_xml_dup_title        (HearthDomainXml     *self);
void             hearth_domain_xml_set_title        (HearthDomainXml     *self,
                                                     const char          *title);
char            *hearth_domain_xml_dup_description  (HearthDomainXml     *self);
void             hearth_domain_xml_set_description  (HearthDomainXml     *self,
                                                     const char          *description);
char            *hearth_domain_xml_dup_machine_type (HearthDomainXml     *self);
char            *hearth_domain_xml_dup_os_id        (HearthDomainXml     *self);
void             hearth_domain_xml_set_os_id        (HearthDomainXml     *self,
                                                     const char          *os_id);
char            *hearth_domain_xml_dup_os_metadata  (HearthDomainXml     *self);

guint            hearth_domain_xml_get_vcpus        (HearthDomainXml     *self);
guint            hearth_domain_xml_get_max_vcpus    (HearthDomainXml     *self);
gboolean         hearth_domain_xml_set_vcpus        (HearthDomainXml     *self,
                                                     guint                vcpus,
                                                     guint                max_vcpus,
                                                     GError             **error);

guint64          hearth_domain_xml_get_memory       (HearthDomainXml     *self);
guint64          hearth_domain_xml_get_max_memory   (HearthDomainXml     *self);
gboolean         hearth_domain_xml_set_memory       (HearthDomainXml     *self,
                                                     guint64              memory,
                                                     guint64              max_memory,
                                                     GError             **error);

gboolean         hearth_domain_xml_get_sound        (HearthDomainXml     *self);
void             hearth_domain_xml_set_sound        (HearthDomainXml     *self,
                                                     gboolean             enabled);

GStrv            hearth_domain_xml_dup_boot_order   (HearthDomainXml     *self);
gboolean         hearth_domain_xml_set_boot_order   (HearthDomainXml     *self,
                                                     const char * const  *devices,
                                                     GError             **error);
gboolean         hearth_domain_xml_get_boot_menu    (HearthDomainXml     *self);
void             hearth_domain_xml_set_boot_menu    (HearthDomainXml     *self,
                                                     gboolean             enabled);

char            *hearth_domain_xml_dup_video_model  (HearthDomainXml     *self);
gboolean         hearth_domain_xml_set_video_model  (HearthDomainXml     *self,
                                                     const char          *model,
                                                     GError             **error);

GPtrArray       *hearth_domain_xml_list_disks       (HearthDomainXml     *self);
char            *hearth_domain_xml_dup_disk_xml     (HearthDomainXml     *self,
                                                     const char          *target);
char            *hearth_domain_xml_dup_cdrom_target (HearthDomainXml     *self);
gboolean         hearth_domain_xml_set_cdrom_media  (HearthDomainXml     *self,
                                                     const char          *target,
                                                     const char          *path,
                                                     GError             **error);
char            *hearth_domain_xml_add_disk         (HearthDomainXml     *self,
                                                     const char          *path,
                                                     const char          *format,
                                                     GError             **error);
gboolean         hearth_domain_xml_remove_disk      (HearthDomainXml     *self,
                                                     const char          *target,
                                                     GError             **error);

GPtrArray       *hearth_domain_xml_list_interfaces  (HearthDomainXml     *self);
char            *hearth_domain_xml_dup_interface_xml (HearthDomainXml    *self,
                                                      const char         *mac);
gboolean         hearth_domain_xml_set_interface_network (HearthDomainXml *self,
                                                          const char      *mac,
                                                          const char      *network,
                                                          GError         **error);
gboolean         hearth_domain_xml_set_interface_model (HearthDomainXml  *self,
                                                        const char       *mac,
                                                        const char       *model,
                                                        GError          **error);
gboolean         hearth_domain_xml_set_interface_link (HearthDomainXml   *self,
                                                       const char        *mac,
                                                       gboolean           up,
                                                       GError           **error);

char            *hearth_domain_xml_dup_domain_type  (HearthDomainXml     *self);
char            *hearth_domain_xml_dup_arch         (HearthDomainXml     *self);
char            *hearth_domain_xml_dup_emulator     (HearthDomainXml     *self);
char            *hearth_domain_xml_dup_cpu_model    (HearthDomainXml     *self);
gboolean         hearth_domain_xml_set_cpu_model    (HearthDomainXml     *self,
                                                     const char          *model,
                                                     GError             **error);
char            *hearth_domain_xml_dup_firmware     (HearthDomainXml     *self);
char            *hearth_domain_xml_dup_nvram        (HearthDomainXml     *self);
gboolean         hearth_domain_xml_set_firmware     (HearthDomainXml     *self,
                                                     const char          *firmware,
                                                     GError             **error);
gboolean         hearth_domain_xml_check_mac        (const char          *mac,
                                                     GError             **error);
gboolean         hearth_domain_xml_set_interface_mac (HearthDomainXml    *self,
                                                      const char         *mac,
                                                      const char         *new_mac,
                                                      GError            **error);
gboolean         hearth_domain_xml_get_accel3d      (HearthDomainXml     *self);
gboolean         hearth_domain_xml_set_accel3d      (HearthDomainXml     *self,
                                                     gboolean             enabled,
                                                     GError             **error);

G_END_DECLS
