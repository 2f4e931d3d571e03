/* hearth-network-zone.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-network-zone"

#include "config.h"

#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <string.h>

#include "hearth-wizard-private.h"

/*
 * The three network zones of a new machine, made real on the connection:
 *
 * - Isolated: no network card at all. The family "safe sandbox" expects nothing
 *   to get in or out, not even to other machines, and that holds on every kind of
 *   connection without asking anything of the host.
 * - Home NAT: libvirt's "default" NAT network when the connection has one (started
 *   when it is defined but stopped), user-mode networking otherwise.
 * - DMZ: Hearth's own NAT network "hearth-dmz" plus the traffic filter
 *   "hearth-dmz" on the machine's card, which drops what the guest sends to
 *   private (RFC 1918), shared (RFC 6598) and link-local addresses, and all IPv6,
 *   except DHCP and DNS to the network's gateway and replies to connections made
 *   to the guest. The guest reaches the internet but neither the home network
 *   nor this computer, which can still reach the guest's services. Both objects are made on
 *   demand, like Hearth's storage pool, and an existing network or filter of that
 *   name is used as it is, never redefined. The filter needs libvirt's nwfilter
 *   driver, which only a privileged daemon has (qemu:///system): elsewhere the
 *   zone is unavailable and creation says so instead of quietly giving less. (A
 *   session daemon answers nwfilter calls with an empty list, so the check is on
 *   the connection being a system one.)
 *
 * Known limit: a host with a public IPv4 address on one of its own interfaces can
 * still be reached through that address.
 *
 * Everything here blocks and runs in workers.
 */

typedef struct _virNetwork HearthVirNetwork;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthVirNetwork, virNetworkFree)
typedef struct _virNWFilter HearthVirNWFilter;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthVirNWFilter, virNWFilterFree)

/* Subnets tried in turn for the DMZ network, skipping those another libvirt
 * network uses; libvirt itself refuses one that a host interface routes. */
static const char * const dmz_gateways[] = {
  "192.168.213.1",
  "10.213.213.1",
  "172.31.213.1",
  "10.99.213.1",
};

/* What the DMZ filter drops: addresses a guest must not reach. */
static const struct
{
  const char *address;
  const char *prefix;
} dmz_blocked[] = {
  { "10.0.0.0", "8" },     /* RFC 1918 */
  { "172.16.0.0", "12" },  /* RFC 1918 */
  { "192.168.0.0", "16" }, /* RFC 1918 */
  { "100.64.0.0", "10" },  /* RFC 6598, used by some home routers */
  { "169.254.0.0", "16" }, /* link-local */
};

/* libxml2 helpers (hearth-storage.c), short: the XML below is dense. */
#define add _hearth_xml_add
#define set _hearth_xml_set

static char *
doc_to_string (xmlDocPtr doc)
{
  char *xml = _hearth_xml_doc_to_string (doc);

  xmlFreeDoc (doc);
  return xml;
}

/**
 * _hearth_network_zone_build_network_xml:
 * @name: the network's name
 * @gateway: the host's address on it, "a.b.c.1" of a /24
 *
 * A NAT network with DHCP over the rest of the /24.
 */
char *
_hearth_network_zone_build_network_xml (const char *name,
                                        const char *gateway)
{
  xmlDocPtr doc = xmlNewDoc ((const xmlChar *) "1.0");
  xmlNodePtr root = xmlNewNode (NULL, (const xmlChar *) "network");
  g_autofree char *prefix = g_strndup (gateway, strrchr (gateway, '.') - gateway);
  g_autofree char *first = g_strconcat (prefix, ".2", NULL);
  g_autofree char *last = g_strconcat (prefix, ".254", NULL);
  xmlNodePtr ip, dhcp;

  xmlDocSetRootElement (doc, root);
  add (root, "name", name);
  set (add (root, "forward", NULL), "mode", "nat");
  ip = set (set (add (root, "ip", NULL), "address", gateway), "netmask", "255.255.255.0");
  dhcp = add (ip, "dhcp", NULL);
  set (set (add (dhcp, "range", NULL), "start", first), "end", last);
  return doc_to_string (doc);
}

/**
 * _hearth_network_zone_build_filter_xml:
 *
 * The DMZ traffic filter. The card that uses it passes the network's gateway as
 * the GATEWAY parameter.
 */
char *
_hearth_network_zone_build_filter_xml (void)
{
  xmlDocPtr doc = xmlNewDoc ((const xmlChar *) "1.0");
  xmlNodePtr root = xmlNewNode (NULL, (const xmlChar *) "filter");
  xmlNodePtr rule;
  const char *services[][2] = { { "udp", "67" }, { "udp", "53" }, { "tcp", "53" } };

  xmlDocSetRootElement (doc, root);
  set (set (root, "name", HEARTH_DMZ_NAME), "chain", "root");

  /* DHCP and DNS from the gateway come first (lower priorities match first). */
  for (guint i = 0; i < G_N_ELEMENTS (services); i++)
    {
      rule = set (set (set (add (root, "rule", NULL), "action", "accept"), "direction", "out"),
                  "priority", "100");
      set (set (add (rule, services[i][0], NULL), "dstipaddr", "$GATEWAY"), "dstportstart",
           services[i][1]);
    }
  /* Connections made to the guest (from this computer, or forwarded from home)
   * and their replies pass: the state match libvirt adds to a rule accepts the
   * replies of an inbound connection, never a new one from the guest. */
  rule = set (set (set (add (root, "rule", NULL), "action", "accept"), "direction", "in"),
              "priority", "150");
  add (rule, "all", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (dmz_blocked); i++)
    {
      rule = set (set (set (add (root, "rule", NULL), "action", "drop"), "direction", "out"),
                  "priority", "200");
      set (set (add (rule, "all", NULL), "dstipaddr", dmz_blocked[i].address), "dstipmask",
           dmz_blocked[i].prefix);
    }
  /* The network has no IPv6; link-local IPv6 would still reach the host. */
  rule = set (set (set (add (root, "rule", NULL), "action", "drop"), "direction", "out"),
              "priority", "300");
  add (rule, "all-ipv6", NULL);
  return doc_to_string (doc);
}

static char *
dup_network_gateway (virNetworkPtr network)
{
  g_autofree char *xml = virNetworkGetXMLDesc (network, 0);

  if (xml == NULL)
    virResetLastError ();
  return _hearth_xml_xpath_string (xml,
                                   "string(/network/ip[not(@family) or @family='ipv4']/@address)");
}

/* Starts @network when it is stopped, and marks it to start with the host so its
 * machines find it after a reboot. */
static gboolean
network_run (virNetworkPtr network,
             GError      **error)
{
  int autostart = 0;

  if (virNetworkIsActive (network) != 1 && virNetworkCreate (network) < 0)
    {
      _hearth_error_take_libvirt (error, "Could not start the network");
      return FALSE;
    }
  if (virNetworkGetAutostart (network, &autostart) == 0 && !autostart
      && virNetworkSetAutostart (network, 1) < 0)
    g_debug ("Could not autostart network %s", virNetworkGetName (network));
  virResetLastError ();  /* autostart is a convenience: Hearth starts it when needed */
  return TRUE;
}

static gboolean
gateway_in_use (virConnectPtr conn,
                const char   *gateway)
{
  g_autofree char *prefix = g_strndup (gateway, strrchr (gateway, '.') - gateway + 1);
  virNetworkPtr *networks = NULL;
  gboolean used = FALSE;
  int n = virConnectListAllNetworks (conn, &networks, 0);

  for (int i = 0; i < n; i++)
    {
      g_autofree char *address = dup_network_gateway (networks[i]);

      used = used || (address != NULL && g_str_has_prefix (address, prefix));
      virNetworkFree (networks[i]);
    }
  free (networks);
  virResetLastError ();
  return used;
}

/* Hearth's DMZ network: the existing one, or a new one on a free subnet. */
static virNetworkPtr
ensure_dmz_network (virConnectPtr conn,
                    gboolean     *created,
                    GError      **error)
{
  g_autoptr(GError) last_error = NULL;
  virNetworkPtr network;

  *created = FALSE;
  if ((network = virNetworkLookupByName (conn, HEARTH_DMZ_NAME)) != NULL)
    {
      if (!network_run (network, error))
        {
          virNetworkFree (network);
          return NULL;
        }
      return network;
    }
  virResetLastError ();

  for (guint i = 0; i < G_N_ELEMENTS (dmz_gateways); i++)
    {
      g_autofree char *xml = NULL;

      if (gateway_in_use (conn, dmz_gateways[i]))
        continue;
      xml = _hearth_network_zone_build_network_xml (HEARTH_DMZ_NAME, dmz_gateways[i]);
      if (!(network = virNetworkDefineXML (conn, xml)))
        {
          _hearth_error_take_libvirt (error, "Could not define Hearth's DMZ network");
          return NULL;
        }
      g_clear_error (&last_error);
      if (network_run (network, &last_error))
        {
          *created = TRUE;
          return network;
        }
      /* Most likely a host interface already uses the subnet: try the next one. */
      g_debug ("DMZ network on %s: %s", dmz_gateways[i], last_error->message);
      if (virNetworkUndefine (network) < 0)
        virResetLastError ();
      virNetworkFree (network);
    }

  if (last_error != NULL)
    g_propagate_prefixed_error (error, g_steal_pointer (&last_error),
                                "Could not start Hearth's DMZ network: ");
  else
    g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_FAILED,
                 "Could not start Hearth's DMZ network: every subnet it tries is in use");
  return NULL;
}

static gboolean
ensure_dmz_filter (virConnectPtr conn,
                   gboolean     *created,
                   GError      **error)
{
  g_autoptr(HearthVirNWFilter) filter = NULL;
  g_autofree char *xml = NULL;

  *created = FALSE;
  if ((filter = virNWFilterLookupByName (conn, HEARTH_DMZ_NAME)) != NULL)
    return TRUE;
  virResetLastError ();

  xml = _hearth_network_zone_build_filter_xml ();
  if (!(filter = virNWFilterDefineXML (conn, xml)))
    {
      _hearth_error_take_libvirt (error, "Could not define Hearth's DMZ traffic filter");
      return FALSE;
    }
  *created = TRUE;
  return TRUE;
}

/**
 * _hearth_network_zone_available:
 *
 * Whether the connection can give a machine @zone. Isolated and home NAT work
 * everywhere; the DMZ needs libvirt's network and nwfilter drivers (a privileged
 * daemon). Worker thread.
 */
gboolean
_hearth_network_zone_available (virConnectPtr     conn,
                                HearthNetworkZone zone)
{
  g_autofree char *uri = NULL;
  g_autoptr(GUri) parsed = NULL;
  gboolean available;

  if (zone != HEARTH_NETWORK_ZONE_DMZ)
    return TRUE;

  /* A session daemon answers nwfilter calls (with no filters) but can neither
   * apply filters nor start a NAT network: only system daemons, local or remote
   * ("qemu+ssh://host/system"), can. */
  uri = virConnectGetURI (conn);
  parsed = uri ? g_uri_parse (uri, G_URI_FLAGS_NON_DNS | G_URI_FLAGS_ENCODED, NULL) : NULL;
  if (parsed == NULL || g_strcmp0 (g_uri_get_path (parsed), "/system") != 0)
    {
      virResetLastError ();
      return FALSE;
    }
  available = virConnectNumOfNWFilters (conn) >= 0 && virConnectNumOfNetworks (conn) >= 0;
  virResetLastError ();
  return available;
}

/**
 * _hearth_network_zone_prepare:
 * @target: (out caller-allocates): where the card goes, cleared with
 *   _hearth_zone_target_clear()
 *
 * Makes what @zone needs on the connection (see the top of this file) and says
 * which network, filter and gateway the machine's card uses. Worker thread.
 *
 * Returns: %FALSE with %HEARTH_ERROR_UNSUPPORTED when the connection cannot give
 *   the zone, or what libvirt said
 */
gboolean
_hearth_network_zone_prepare (virConnectPtr     conn,
                              HearthNetworkZone zone,
                              HearthZoneTarget *target,
                              GError          **error)
{
  g_autoptr(HearthVirNetwork) network = NULL;

  memset (target, 0, sizeof *target);

  switch (zone)
    {
    case HEARTH_NETWORK_ZONE_ISOLATED:
      return TRUE;

    case HEARTH_NETWORK_ZONE_HOME_NAT:
      /* libvirt's own NAT network when there is one; a stopped one is started.
       * Failing that, user-mode networking needs nothing from the host. */
      if ((network = virNetworkLookupByName (conn, "default")) != NULL)
        {
          g_autoptr(GError) local_error = NULL;

          if (network_run (network, &local_error))
            target->network = g_strdup ("default");
          else
            g_debug ("Using user-mode networking: %s", local_error->message);
        }
      virResetLastError ();
      return TRUE;

    case HEARTH_NETWORK_ZONE_DMZ:
    default:
      if (!_hearth_network_zone_available (conn, zone))
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                       "The DMZ zone needs libvirt's network filters, which this connection "
                       "does not offer (use qemu:///system)");
          return FALSE;
        }
      if (!ensure_dmz_filter (conn, &target->created_filter, error))
        return FALSE;
      if (!(network = ensure_dmz_network (conn, &target->created_network, error)))
        return FALSE;
      if (!(target->gateway = dup_network_gateway (network)))
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_FAILED,
                       "The network “%s” has no IPv4 address; Hearth leaves it as it is",
                       HEARTH_DMZ_NAME);
          return FALSE;
        }
      target->network = g_strdup (HEARTH_DMZ_NAME);
      target->filter = g_strdup (HEARTH_DMZ_NAME);
      return TRUE;
    }
}

void
_hearth_zone_target_clear (HearthZoneTarget *target)
{
  g_clear_pointer (&target->network, g_free);
  g_clear_pointer (&target->filter, g_free);
  g_clear_pointer (&target->gateway, g_free);
}
