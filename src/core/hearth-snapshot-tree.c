/* hearth-snapshot-tree.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-snapshot"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "hearth-snapshot-private.h"

/**
 * HearthSnapshotTree:
 *
 * The snapshots of one machine, as a tree (hearth_snapshot_tree_get_roots() and
 * each snapshot's children) and as a flat list in time order
 * (hearth_snapshot_tree_get_snapshots()). libvirt has no snapshot event: the tree
 * reads the snapshots again after each of its own operations and when libvirt
 * reports a lifecycle event caused by a snapshot (a revert by another tool), which
 * the connection's #HearthSandbox relays.
 *
 * Every operation runs in a worker, is written to the audit log, and ends by
 * reading the snapshots again, so when its callback runs the tree already shows the
 * result. Main thread only.
 */
struct _HearthSnapshotTree
{
  GObject parent_instance;

  HearthMachine  *machine;      /* owned */
  char           *uuid;
  HearthSandbox  *sandbox;      /* owned; relays snapshot events */

  GListStore     *snapshots;    /* owned; HearthSnapshot in time order */
  GListStore     *roots;        /* owned; HearthSnapshot without parent */
  GHashTable     *by_name;      /* name → HearthSnapshot (owned) */
  HearthSnapshot *current;      /* borrowed from by_name */

  GError         *error;        /* the last failure to read the snapshots */
  GCancellable   *cancellable;  /* for refreshes; cancelled in dispose */
  guint           busy_count;
  double          progress;     /* 0…1 while libvirt reports it, else -1 */
  guint           applied_read; /* the read serial of the snapshots shown */
  gboolean        loaded;
  gboolean        refreshing;
  gboolean        refresh_again;
};

G_DEFINE_FINAL_TYPE (HearthSnapshotTree, hearth_snapshot_tree, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_MACHINE,
  PROP_SNAPSHOTS,
  PROP_ROOTS,
  PROP_CURRENT,
  PROP_LOADED,
  PROP_BUSY,
  PROP_PROGRESS,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef enum
{
  OP_REFRESH,
  OP_CREATE,
  OP_REVERT,
  OP_DELETE,
  OP_EDIT,
  OP_SCHEDULE,
} OpKind;

/* What a worker needs, copied on the main thread, and what it found. */
typedef struct
{
  OpKind               kind;
  virConnectPtr        conn;          /* owned reference */
  char                *uri;
  char                *uuid;
  char                *machine_name;

  char                *snapshot_name; /* the snapshot operated on */
  char                *title;
  char                *description;
  gboolean             set_title;
  HearthSnapshotOrigin origin;
  gboolean             with_children;
  GTimeSpan            interval;
  guint                keep_last;
  guint                n_deleted;     /* result of a schedule: how many went */

  struct Progress     *progress;      /* owned reference; shared with the poller */

  GPtrArray           *infos;         /* result: HearthSnapshotInfo, or NULL */
  guint                read_serial;   /* when infos was read: see take_read_serial() */
  char                *result_name;   /* result: the snapshot to hand back */
} TreeOp;

/* Progress of a worker's libvirt job, read by a poller thread and handed to the
 * main thread through one pending idle at most. */
typedef struct Progress
{
  gatomicrefcount ref_count;
  GMutex          lock;
  double          value;    /* guarded by lock */
  gboolean        pending;  /* guarded by lock: an idle is queued */
  GWeakRef        tree;
} Progress;

static Progress *
progress_ref (Progress *progress)
{
  g_atomic_ref_count_inc (&progress->ref_count);
  return progress;
}

static void
progress_unref (Progress *progress)
{
  if (g_atomic_ref_count_dec (&progress->ref_count))
    {
      g_mutex_clear (&progress->lock);
      g_weak_ref_clear (&progress->tree);
      g_free (progress);
    }
}

static void
tree_op_free (TreeOp *op)
{
  hearth_vir_connect_unref (op->conn);
  g_free (op->uri);
  g_free (op->uuid);
  g_free (op->machine_name);
  g_free (op->snapshot_name);
  g_free (op->title);
  g_free (op->description);
  g_clear_pointer (&op->infos, g_ptr_array_unref);
  g_clear_pointer (&op->progress, progress_unref);
  g_free (op->result_name);
  g_free (op);
}

static void
set_progress (HearthSnapshotTree *self,
              double              value)
{
  if (self->progress == value)
    return;
  self->progress = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

static gboolean
progress_idle_cb (gpointer data)
{
  Progress *progress = data;
  g_autoptr(HearthSnapshotTree) self = g_weak_ref_get (&progress->tree);
  double value;

  g_mutex_lock (&progress->lock);
  value = progress->value;
  progress->pending = FALSE;
  g_mutex_unlock (&progress->lock);

  if (self != NULL && self->busy_count > 0)
    set_progress (self, value);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  Progress     *progress;     /* owned reference */
  virConnectPtr conn;         /* owned reference */
  char         *uuid;
  GCancellable *cancellable;  /* owned, nullable */
  gint          stop;         /* atomic */
} Poller;

/* Polls the domain's job (an external snapshot's memory is written by a migration
 * job, which libvirt reports and can abort) until told to stop. Cancelling the
 * operation aborts the job where libvirt allows it. */
static gpointer
poller_thread (gpointer data)
{
  Poller *poller = data;
  g_autoptr(HearthVirDomain) domain = virDomainLookupByUUIDString (poller->conn, poller->uuid);
  gboolean aborted = FALSE;

  while (domain != NULL && !g_atomic_int_get (&poller->stop))
    {
      virTypedParameterPtr params = NULL;
      int n = 0, type = 0;
      unsigned long long done = 0, total = 0;

      if (virDomainGetJobStats (domain, &type, &params, &n, 0) == 0 && type != VIR_DOMAIN_JOB_NONE)
        {
          if (virTypedParamsGetULLong (params, n, VIR_DOMAIN_JOB_MEMORY_TOTAL, &total) <= 0
              || virTypedParamsGetULLong (params, n, VIR_DOMAIN_JOB_MEMORY_PROCESSED, &done) <= 0)
            {
              total = done = 0;
              virTypedParamsGetULLong (params, n, VIR_DOMAIN_JOB_DATA_TOTAL, &total);
              virTypedParamsGetULLong (params, n, VIR_DOMAIN_JOB_DATA_PROCESSED, &done);
            }
          if (total > 0)
            {
              Progress *progress = poller->progress;

              g_mutex_lock (&progress->lock);
              progress->value = CLAMP ((double) done / total, 0.0, 1.0);
              if (!progress->pending)
                {
                  progress->pending = TRUE;
                  g_idle_add_full (G_PRIORITY_DEFAULT, progress_idle_cb, progress_ref (progress),
                                   (GDestroyNotify) progress_unref);
                }
              g_mutex_unlock (&progress->lock);
            }
        }
      virTypedParamsFree (params, n);
      virResetLastError ();

      if (!aborted && g_cancellable_is_cancelled (poller->cancellable))
        {
          aborted = TRUE;
          if (virDomainAbortJob (domain) < 0)
            virResetLastError ();
        }
      g_usleep (200 * 1000);
    }
  virResetLastError ();
  return NULL;
}

static GThread *
poller_start (TreeOp       *op,
              GCancellable *cancellable,
              Poller      **out)
{
  Poller *poller = g_new0 (Poller, 1);

  poller->progress = progress_ref (op->progress);
  poller->conn = op->conn;
  virConnectRef (op->conn);
  poller->uuid = g_strdup (op->uuid);
  poller->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  *out = poller;
  return g_thread_new ("hearth-snapshot-progress", poller_thread, poller);
}

static void
poller_stop (GThread *thread,
             Poller  *poller)
{
  g_atomic_int_set (&poller->stop, 1);
  g_thread_join (thread);
  progress_unref (poller->progress);
  hearth_vir_connect_unref (poller->conn);
  g_free (poller->uuid);
  g_clear_object (&poller->cancellable);
  g_free (poller);
}

static void queue_refresh (HearthSnapshotTree *self);

static int
compare_snapshots (gconstpointer a,
                   gconstpointer b)
{
  HearthSnapshot *sa = *(HearthSnapshot **) a;
  HearthSnapshot *sb = *(HearthSnapshot **) b;
  gint64 ta = hearth_snapshot_get_creation_time (sa);
  gint64 tb = hearth_snapshot_get_creation_time (sb);

  if (ta != tb)
    return ta < tb ? -1 : 1;
  return g_strcmp0 (hearth_snapshot_get_name (sa), hearth_snapshot_get_name (sb));
}

static void
store_set (GListStore *store,
           GPtrArray  *items)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
  gboolean same = n == items->len;

  for (guint i = 0; same && i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (store), i);

      same = item == g_ptr_array_index (items, i);
    }
  if (!same)
    g_list_store_splice (store, 0, n, items->pdata, items->len);
}

static void
link_subtree (GHashTable     *children_of,
              HearthSnapshot *snapshot,
              HearthSnapshot *parent,
              guint           depth)
{
  GPtrArray *children = g_hash_table_lookup (children_of, snapshot);
  g_autoptr(GPtrArray) none = NULL;

  if (children == NULL)
    children = none = g_ptr_array_new ();
  _hearth_snapshot_set_links (snapshot, parent, children, depth);
  for (guint i = 0; i < children->len; i++)
    link_subtree (children_of, g_ptr_array_index (children, i), snapshot, depth + 1);
}

/* Makes the tree match what a worker read: keeps the objects of snapshots that
 * still exist (so widgets bound to them stay), adds new ones, drops the rest, and
 * rebuilds the links and the models where they changed. */
static void
apply_infos (HearthSnapshotTree *self,
             GPtrArray          *infos)
{
  g_autoptr(GHashTable) by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         g_object_unref);
  g_autoptr(GHashTable) children_of = g_hash_table_new_full (NULL, NULL, NULL,
                                                             (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  g_autoptr(GPtrArray) roots = g_ptr_array_new ();
  HearthSnapshot *current = NULL;
  GHashTableIter iter;
  gpointer value;

  for (guint i = 0; i < infos->len; i++)
    {
      HearthSnapshotInfo *info = g_ptr_array_index (infos, i);
      HearthSnapshot *snapshot = g_hash_table_lookup (self->by_name, info->name);

      if (snapshot != NULL)
        {
          g_object_ref (snapshot);
          _hearth_snapshot_update (snapshot, info);
        }
      else
        snapshot = _hearth_snapshot_new (info);

      g_hash_table_insert (by_name, g_strdup (info->name), snapshot);
      g_ptr_array_add (all, snapshot);
      if (info->current)
        current = snapshot;
    }

  /* Snapshots that are gone lose their links, so nothing keeps them alive. */
  g_hash_table_iter_init (&iter, self->by_name);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!g_hash_table_contains (by_name, hearth_snapshot_get_name (value)))
      {
        g_autoptr(GPtrArray) none = g_ptr_array_new ();

        _hearth_snapshot_set_links (value, NULL, none, 0);
      }

  g_ptr_array_sort (all, compare_snapshots);
  for (guint i = 0; i < all->len; i++)
    {
      HearthSnapshot *snapshot = g_ptr_array_index (all, i);
      const char *parent_name = hearth_snapshot_get_parent_name (snapshot);
      HearthSnapshot *parent = parent_name ? g_hash_table_lookup (by_name, parent_name) : NULL;
      GPtrArray *siblings;

      if (parent == NULL)
        {
          g_ptr_array_add (roots, snapshot);
          continue;
        }
      if (!(siblings = g_hash_table_lookup (children_of, parent)))
        g_hash_table_insert (children_of, parent, (siblings = g_ptr_array_new ()));
      g_ptr_array_add (siblings, snapshot);
    }
  for (guint i = 0; i < roots->len; i++)
    link_subtree (children_of, g_ptr_array_index (roots, i), NULL, 0);

  g_clear_pointer (&self->by_name, g_hash_table_unref);
  self->by_name = g_steal_pointer (&by_name);

  store_set (self->snapshots, all);
  store_set (self->roots, roots);

  if (self->current != current)
    {
      self->current = current;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT]);
    }
}

/* Workers */

static virDomainPtr
lookup_domain (TreeOp  *op,
               GError **error)
{
  virDomainPtr domain = virDomainLookupByUUIDString (op->conn, op->uuid);

  if (domain == NULL)
    _hearth_error_take_libvirt (error, "Could not find the machine");
  return domain;
}

static void
audit (TreeOp       *op,
       const char   *operation,
       const GError *error,
       gint64        begin)
{
  hearth_audit_record (op->uri, op->machine_name, op->uuid, operation, error,
                       hearth_now_usec () - begin);
}

/* Reads overlap: a refresh started by an event may still be reading while an
 * operation finishes and reads again. Each read takes a serial before it starts,
 * and the tree only takes in a read newer than the one it shows, so a slow, stale
 * read never undoes a fresh one. */
static guint
take_read_serial (void)
{
  static gint serial = 0;

  return (guint) g_atomic_int_add (&serial, 1) + 1;
}

static GPtrArray *
read_snapshots (TreeOp      *op,
                virDomainPtr domain,
                GError     **error)
{
  op->read_serial = take_read_serial ();
  return _hearth_snapshot_list (domain, op->uuid, error);
}

/* Reads the snapshots again at the end of an operation. A failure here does not
 * undo the operation; the tree simply keeps what it had. */
static void
relist (TreeOp      *op,
        virDomainPtr domain)
{
  g_autoptr(GError) error = NULL;

  if (!(op->infos = read_snapshots (op, domain, &error)))
    g_debug ("Could not read the snapshots again: %s", error->message);
}

/* Explains, before libvirt does less clearly, why a machine cannot take the
 * internal snapshots Hearth makes: every writable disk must be a qcow2 image.
 * Firmware with a writable NVRAM (UEFI) rules internal snapshots out on libvirt
 * 9.0; such machines get external ones (@uefi), which work on any disk format. */
static gboolean
check_snapshottable (const char *xml,
                     const char *machine_name,
                     gboolean   *uefi,
                     GError    **error)
{
  xmlDocPtr doc = xmlReadMemory (xml, strlen (xml), "domain.xml", NULL,
                                 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  xmlNodePtr root = doc ? xmlDocGetRootElement (doc) : NULL;
  gboolean ok = TRUE;

  if (root == NULL)
    {
      xmlFreeDoc (doc);
      return TRUE; /* libvirt will say what is wrong */
    }

  for (xmlNodePtr section = root->children; ok && section; section = section->next)
    {
      if (section->type != XML_ELEMENT_NODE)
        continue;

      if (strcmp ((const char *) section->name, "os") == 0)
        for (xmlNodePtr node = section->children; ok && node; node = node->next)
          {
            xmlChar *type;

            if (node->type != XML_ELEMENT_NODE || strcmp ((const char *) node->name, "loader"))
              continue;
            type = xmlGetProp (node, (const xmlChar *) "type");
            if (type != NULL && strcmp ((const char *) type, "pflash") == 0)
              *uefi = TRUE;
            xmlFree (type);
          }

      if (strcmp ((const char *) section->name, "devices") == 0)
        for (xmlNodePtr disk = section->children; ok && disk; disk = disk->next)
          {
            xmlChar *device;
            gboolean readonly = FALSE;
            gboolean has_source = FALSE;
            g_autofree char *format = NULL;
            g_autofree char *target = NULL;

            if (disk->type != XML_ELEMENT_NODE || strcmp ((const char *) disk->name, "disk"))
              continue;
            device = xmlGetProp (disk, (const xmlChar *) "device");
            readonly = device != NULL && (strcmp ((const char *) device, "cdrom") == 0
                                          || strcmp ((const char *) device, "floppy") == 0);
            xmlFree (device);

            for (xmlNodePtr node = disk->children; node; node = node->next)
              {
                xmlChar *value;

                if (node->type != XML_ELEMENT_NODE)
                  continue;
                if (!strcmp ((const char *) node->name, "readonly")
                    || !strcmp ((const char *) node->name, "shareable"))
                  readonly = TRUE;
                else if (!strcmp ((const char *) node->name, "source"))
                  has_source = TRUE;
                else if (!strcmp ((const char *) node->name, "driver")
                         && (value = xmlGetProp (node, (const xmlChar *) "type")))
                  {
                    format = g_strdup ((const char *) value);
                    xmlFree (value);
                  }
                else if (!strcmp ((const char *) node->name, "target")
                         && (value = xmlGetProp (node, (const xmlChar *) "dev")))
                  {
                    target = g_strdup ((const char *) value);
                    xmlFree (value);
                  }
              }

            if (readonly || !has_source || g_strcmp0 (format, "qcow2") == 0 || *uefi)
              continue;
            g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                         "The disk %s of “%s” is a %s image, which cannot hold snapshots; only "
                         "qcow2 images can. Convert it (qemu-img convert -O qcow2) or attach "
                         "a qcow2 disk instead",
                         target ? target : "?", machine_name, format ? format : "raw");
            ok = FALSE;
          }
    }

  xmlFreeDoc (doc);
  return ok;
}

static char *
build_snapshot_xml (const char *name,
                    const char *description)
{
  xmlDocPtr doc = xmlNewDoc ((const xmlChar *) "1.0");
  xmlNodePtr root = xmlNewNode (NULL, (const xmlChar *) "domainsnapshot");
  xmlBufferPtr buffer = xmlBufferCreate ();
  char *xml;

  xmlDocSetRootElement (doc, root);
  /* xmlNewTextChild escapes the text, so any name is safe. */
  xmlNewTextChild (root, NULL, (const xmlChar *) "name", (const xmlChar *) name);
  if (description != NULL && description[0] != '\0')
    xmlNewTextChild (root, NULL, (const xmlChar *) "description", (const xmlChar *) description);
  xmlNodeDump (buffer, doc, root, 0, 0);
  xml = g_strdup ((const char *) xmlBufferContent (buffer));
  xmlBufferFree (buffer);
  xmlFreeDoc (doc);
  return xml;
}

/* A fresh name from the time; names never change, titles do. */
static char *
generate_name (virDomainPtr domain)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *base = g_date_time_format (now, "hearth-%Y%m%d-%H%M%S");

  for (guint i = 1; i < 1000; i++)
    {
      g_autofree char *name = i == 1 ? g_strdup (base) : g_strdup_printf ("%s-%u", base, i);
      g_autoptr(HearthVirDomainSnapshot) existing = virDomainSnapshotLookupByName (domain, name,
                                                                                     0);

      virResetLastError ();
      if (existing == NULL)
        return g_steal_pointer (&name);
    }
  return g_uuid_string_random ();
}

static char *
create_sync (TreeOp              *op,
             virDomainPtr         domain,
             const char          *title,
             const char          *notes,
             HearthSnapshotOrigin origin,
             GError             **error)
{
  g_autoptr(HearthVirDomainSnapshot) snapshot = NULL;
  g_autoptr(GError) thumbnail_error = NULL;
  g_autofree char *domain_xml = NULL;
  g_autofree char *description = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *thumbnail = NULL;
  g_autofree char *name = NULL;
  gint64 begin = hearth_now_usec ();
  int state = VIR_DOMAIN_NOSTATE;
  gboolean active = virDomainIsActive (domain) == 1;
  gboolean uefi = FALSE;

  virDomainGetState (domain, &state, NULL, 0);

  if (!(domain_xml = virDomainGetXMLDesc (domain, active ? 0 : VIR_DOMAIN_XML_INACTIVE)))
    {
      _hearth_error_take_libvirt (error, "Could not read the machine's configuration");
      goto out;
    }
  if (!check_snapshottable (domain_xml, op->machine_name, &uefi, error))
    goto out;

  name = generate_name (domain);
  description = _hearth_snapshot_compose_description (title, notes, origin);
  xml = build_snapshot_xml (name, description);

  /* The thumbnail shows the screen the moment before the snapshot; a machine
   * without a screen simply has none. */
  if (state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_PAUSED)
    {
      thumbnail = _hearth_snapshot_thumbnail_path (op->uuid, name);
      if (!_hearth_snapshot_take_thumbnail (domain, thumbnail, &thumbnail_error))
        g_debug ("No thumbnail for %s: %s", name, thumbnail_error->message);
    }

  if (uefi)
    {
      if (!_hearth_snapshot_external_create (domain, name, description, domain_xml, error))
        {
          if (thumbnail != NULL)
            g_unlink (thumbnail);
          g_clear_pointer (&name, g_free);
        }
    }
  else if (!(snapshot = virDomainSnapshotCreateXML (domain, xml, 0)))
    {
      _hearth_error_take_libvirt (error, "Could not take the snapshot");
      if (thumbnail != NULL)
        g_unlink (thumbnail);
      g_clear_pointer (&name, g_free);
    }

out:
  audit (op, origin == HEARTH_SNAPSHOT_ORIGIN_USER ? "snapshot-create" : "snapshot-create-auto",
         error ? *error : NULL, begin);
  return g_steal_pointer (&name);
}

static void
remove_thumbnail (const char *uuid,
                  const char *name)
{
  g_autofree char *path = _hearth_snapshot_thumbnail_path (uuid, name);

  g_unlink (path);
}

static gboolean
is_external (virDomainSnapshotPtr snapshot)
{
  g_autoptr(HearthSnapshotInfo) info = NULL;
  char *xml = virDomainSnapshotGetXMLDesc (snapshot, 0);

  if (xml != NULL)
    info = _hearth_snapshot_info_parse (xml, NULL);
  virResetLastError ();
  free (xml);
  return info != NULL && info->external;
}

static gboolean
delete_sync (TreeOp      *op,
             virDomainPtr domain,
             const char  *name,
             gboolean     with_children,
             GError     **error)
{
  g_autoptr(HearthVirDomainSnapshot) snapshot = NULL;
  g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_free);
  gint64 begin = hearth_now_usec ();
  gboolean ok = FALSE;

  if (!(snapshot = virDomainSnapshotLookupByName (domain, name, 0)))
    {
      _hearth_error_take_libvirt (error, "Could not find the snapshot");
      goto out;
    }

  g_ptr_array_add (doomed, g_strdup (name));
  if (with_children)
    {
      virDomainSnapshotPtr *children = NULL;
      int n = virDomainSnapshotListAllChildren (snapshot, &children,
                                                VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS);

      for (int i = 0; i < n; i++)
        {
          g_ptr_array_add (doomed, g_strdup (virDomainSnapshotGetName (children[i])));
          virDomainSnapshotFree (children[i]);
        }
      free (children);
      virResetLastError ();
    }

  if (is_external (snapshot))
    {
      if (!_hearth_snapshot_external_delete (domain, snapshot, with_children, error))
        goto out;
    }
  else if (virDomainSnapshotDelete (snapshot,
                                    with_children ? VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN : 0) < 0)
    {
      _hearth_error_take_libvirt (error, "Could not delete the snapshot");
      goto out;
    }

  for (guint i = 0; i < doomed->len; i++)
    remove_thumbnail (op->uuid, g_ptr_array_index (doomed, i));

  /* A machine whose clean state is gone leaves sandbox mode rather than fail at
   * every power-off. */
  {
    g_autofree char *sandbox = _hearth_sandbox_read (domain);

    for (guint i = 0; sandbox != NULL && i < doomed->len; i++)
      if (g_strcmp0 (sandbox, g_ptr_array_index (doomed, i)) == 0)
        {
          g_autoptr(GError) sandbox_error = NULL;

          if (!_hearth_sandbox_write (domain, NULL, &sandbox_error))
            g_debug ("Could not leave sandbox mode: %s", sandbox_error->message);
          break;
        }
  }
  ok = TRUE;

out:
  audit (op, "snapshot-delete", error ? *error : NULL, begin);
  return ok;
}

static gboolean
edit_sync (TreeOp      *op,
           virDomainPtr domain,
           GError     **error)
{
  g_autoptr(HearthVirDomainSnapshot) snapshot = NULL;
  g_autoptr(HearthVirDomainSnapshot) redefined = NULL;
  g_autoptr(HearthSnapshotInfo) info = NULL;
  g_autofree char *description = NULL;
  char *xml = NULL;
  xmlDocPtr doc = NULL;
  xmlNodePtr root;
  xmlNodePtr node;
  xmlBufferPtr buffer = NULL;
  gint64 begin = hearth_now_usec ();
  guint flags = VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE;

  if (!(snapshot = virDomainSnapshotLookupByName (domain, op->snapshot_name, 0))
      || !(xml = virDomainSnapshotGetXMLDesc (snapshot, VIR_DOMAIN_SNAPSHOT_XML_SECURE)))
    {
      _hearth_error_take_libvirt (error, "Could not read the snapshot");
      goto out;
    }
  if (!(info = _hearth_snapshot_info_parse (xml, error)))
    goto out;
  if (virDomainSnapshotIsCurrent (snapshot, 0) == 1)
    flags |= VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT;

  /* A new title means the user named it: it is theirs now, and retention keeps it. */
  description = _hearth_snapshot_compose_description (op->set_title ? op->title : info->title,
                                                      op->description,
                                                      op->set_title ? HEARTH_SNAPSHOT_ORIGIN_USER
                                                                    : info->origin);

  doc = xmlReadMemory (xml, strlen (xml), "snapshot.xml", NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  root = doc ? xmlDocGetRootElement (doc) : NULL;
  if (root == NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_FAILED, "Unreadable snapshot XML");
      goto out;
    }
  for (node = root->children; node; node = node->next)
    if (node->type == XML_ELEMENT_NODE && !strcmp ((const char *) node->name, "description"))
      break;
  if (node == NULL)
    {
      node = xmlNewNode (NULL, (const xmlChar *) "description");
      /* libvirt's schema wants the description right after the name. */
      if (root->children != NULL)
        xmlAddNextSibling (root->children, node);
      else
        xmlAddChild (root, node);
    }
  xmlNodeSetContent (node, NULL);
  xmlNodeAddContent (node, (const xmlChar *) description);

  buffer = xmlBufferCreate ();
  xmlNodeDump (buffer, doc, root, 0, 0);
  if (!(redefined = virDomainSnapshotCreateXML (domain, (const char *) xmlBufferContent (buffer),
                                                flags)))
    _hearth_error_take_libvirt (error, "Could not change the snapshot");

out:
  audit (op, "snapshot-edit", error ? *error : NULL, begin);
  free (xml);
  if (buffer)
    xmlBufferFree (buffer);
  xmlFreeDoc (doc);
  return redefined != NULL;
}

/* Scheduled snapshots: take one when the newest is older than the interval, then
 * keep only the newest @keep_last of Hearth's own snapshots. Snapshots the user
 * made or named, the current one's ancestors aside, are never touched, and neither
 * is the machine's sandbox snapshot. */
static gboolean
schedule_sync (TreeOp      *op,
               virDomainPtr domain,
               GError     **error)
{
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GPtrArray) own = g_ptr_array_new ();
  g_autofree char *sandbox = _hearth_sandbox_read (domain);
  gint64 newest = G_MININT64;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (!(infos = _hearth_snapshot_list (domain, op->uuid, error)))
    return FALSE;

  for (guint i = 0; i < infos->len; i++)
    {
      HearthSnapshotInfo *info = g_ptr_array_index (infos, i);

      if (info->origin == HEARTH_SNAPSHOT_ORIGIN_SCHEDULED)
        newest = MAX (newest, info->creation_time);
    }

  if (newest == G_MININT64 || (now - newest) * G_USEC_PER_SEC >= op->interval)
    {
      if (!(op->result_name = create_sync (op, domain, NULL, NULL,
                                           HEARTH_SNAPSHOT_ORIGIN_SCHEDULED, error)))
        return FALSE;
      g_clear_pointer (&infos, g_ptr_array_unref);
      if (!(infos = _hearth_snapshot_list (domain, op->uuid, error)))
        return FALSE;
    }

  for (guint i = 0; i < infos->len; i++)
    {
      HearthSnapshotInfo *info = g_ptr_array_index (infos, i);

      if (info->origin != HEARTH_SNAPSHOT_ORIGIN_USER && g_strcmp0 (info->name, sandbox) != 0)
        g_ptr_array_add (own, info);
    }

  if (own->len <= op->keep_last)
    return TRUE;

  /* Newest first; everything after the first keep_last goes. */
  for (guint i = 0; i + 1 < own->len; i++)
    for (guint j = i + 1; j < own->len; j++)
      {
        HearthSnapshotInfo *a = own->pdata[i];
        HearthSnapshotInfo *b = own->pdata[j];

        if (b->creation_time > a->creation_time
            || (b->creation_time == a->creation_time && g_strcmp0 (b->name, a->name) > 0))
          {
            own->pdata[i] = b;
            own->pdata[j] = a;
          }
      }
  for (guint i = op->keep_last; i < own->len; i++)
    {
      HearthSnapshotInfo *info = own->pdata[i];

      if (!delete_sync (op, domain, info->name, FALSE, error))
        return FALSE;
      op->n_deleted++;
    }
  return TRUE;
}

/**
 * _hearth_snapshot_schedule_sync:
 * @uri: the connection's URI, for the audit log
 * @changed: (out): set when a snapshot was taken or deleted
 *
 * Applies a schedule once, as hearth_snapshot_tree_run_schedule_async() does, for
 * #HearthSnapshotScheduler's worker, which has no tree.
 */
gboolean
_hearth_snapshot_schedule_sync (virDomainPtr domain,
                                const char  *uri,
                                const char  *uuid,
                                const char  *machine_name,
                                GTimeSpan    interval,
                                guint        keep_last,
                                gboolean    *changed,
                                GError     **error)
{
  TreeOp op = { 0 };
  gboolean ok;

  op.kind = OP_SCHEDULE;
  op.uri = (char *) uri;
  op.uuid = (char *) uuid;
  op.machine_name = (char *) machine_name;
  op.interval = interval;
  op.keep_last = keep_last;
  ok = schedule_sync (&op, domain, error);
  *changed = op.result_name != NULL || op.n_deleted > 0;
  g_free (op.result_name);
  return ok;
}

static void
op_worker (GTask        *task,
           gpointer      source_object,
           gpointer      task_data,
           GCancellable *cancellable)
{
  TreeOp *op = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  gint64 begin = hearth_now_usec ();
  gboolean ok = FALSE;

  /* Once libvirt has started an operation it cannot be taken back (internal
   * snapshots have no abortable job), so cancelling works until then. */
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    goto out;
  if (!(domain = lookup_domain (op, &error)))
    goto out;

  switch (op->kind)
    {
    case OP_REFRESH:
      ok = (op->infos = read_snapshots (op, domain, &error)) != NULL;
      goto out;

    case OP_CREATE:
      {
        Poller *poller = NULL;
        GThread *thread = poller_start (op, cancellable, &poller);

        ok = (op->result_name = create_sync (op, domain, op->title, op->description, op->origin,
                                             &error)) != NULL;
        poller_stop (thread, poller);
        /* An aborted job reads as a libvirt failure; say what happened. */
        if (!ok && g_cancellable_is_cancelled (cancellable))
          {
            g_clear_error (&error);
            g_cancellable_set_error_if_cancelled (cancellable, &error);
          }
      }
      break;

    case OP_REVERT:
      ok = _hearth_snapshot_revert_sync (domain, op->snapshot_name, FALSE, &error);
      audit (op, "snapshot-revert", error, begin);
      break;

    case OP_DELETE:
      ok = delete_sync (op, domain, op->snapshot_name, op->with_children, &error);
      break;

    case OP_EDIT:
      if ((ok = edit_sync (op, domain, &error)))
        op->result_name = g_strdup (op->snapshot_name);
      break;

    case OP_SCHEDULE:
      ok = schedule_sync (op, domain, &error);
      break;

    default:
      g_assert_not_reached ();
    }

  relist (op, domain);

out:
  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
set_busy (HearthSnapshotTree *self,
          gboolean            busy)
{
  gboolean was_busy = self->busy_count > 0;

  if (busy)
    self->busy_count++;
  else
    {
      g_assert (self->busy_count > 0);
      self->busy_count--;
    }
  if (was_busy != (self->busy_count > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
set_error (HearthSnapshotTree *self,
           const GError       *error)
{
  if (self->error == NULL && error == NULL)
    return;
  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

/* Runs on the main thread when a worker is done: the tree takes in what the worker
 * read, then the caller's task completes, so its callback sees the result. */
static void
op_done_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  HearthSnapshotTree *self = HEARTH_SNAPSHOT_TREE (source);
  g_autoptr(GTask) outer = user_data;
  g_autoptr(GError) error = NULL;
  TreeOp *op = g_task_get_task_data (G_TASK (result));
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  /* A tree disposed meanwhile takes in nothing more. */
  if (op->infos != NULL && self->machine != NULL && op->read_serial > self->applied_read)
    {
      self->applied_read = op->read_serial;
      apply_infos (self, op->infos);
      if (!self->loaded)
        {
          self->loaded = TRUE;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
        }
    }

  if (op->kind == OP_REFRESH)
    {
      self->refreshing = FALSE;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error (self, error);
    }
  set_busy (self, FALSE);
  if (self->busy_count == 0)
    set_progress (self, -1);

  if (outer != NULL)
    {
      if (!ok)
        g_task_return_error (outer, g_steal_pointer (&error));
      else if (op->kind == OP_CREATE || op->kind == OP_EDIT || op->kind == OP_SCHEDULE)
        {
          HearthSnapshot *snapshot = op->result_name
                                       ? g_hash_table_lookup (self->by_name, op->result_name)
                                       : NULL;

          g_task_return_pointer (outer, snapshot ? g_object_ref (snapshot) : NULL,
                                 g_object_unref);
        }
      else
        g_task_return_boolean (outer, TRUE);
    }

  if (self->refresh_again && !self->refreshing)
    queue_refresh (self);
}

/* Starts an operation; @outer (nullable, owned) completes after the tree took in
 * the result. */
static void
run_op (HearthSnapshotTree *self,
        OpKind              kind,
        TreeOp             *op,
        GCancellable       *cancellable,
        GTask              *outer)
{
  g_autoptr(GError) error = NULL;
  HearthConnection *connection = self->machine ? hearth_machine_get_connection (self->machine)
                                               : NULL;
  GTask *inner;

  op->kind = kind;
  if (connection == NULL || !(op->conn = _hearth_connection_dup_virconn (connection, &error)))
    {
      if (error == NULL)
        g_set_error (&error, HEARTH_ERROR, HEARTH_ERROR_CONNECTION_LOST,
                     "The machine's connection is gone");
      if (kind == OP_REFRESH)
        {
          self->refreshing = FALSE;
          set_error (self, error);
        }
      if (outer != NULL)
        g_task_return_error (outer, g_steal_pointer (&error));
      g_clear_object (&outer);
      tree_op_free (op);
      return;
    }

  op->uri = g_strdup (hearth_connection_get_uri (connection));
  op->uuid = g_strdup (self->uuid);
  op->machine_name = g_strdup (hearth_machine_get_name (self->machine));
  op->progress = g_new0 (Progress, 1);
  g_atomic_ref_count_init (&op->progress->ref_count);
  g_mutex_init (&op->progress->lock);
  op->progress->value = -1;
  g_weak_ref_init (&op->progress->tree, self);

  /* The outer task keeps the caller's cancellable; the inner one must complete
   * even when cancelled, so the tree always takes in what happened. */
  inner = g_task_new (self, cancellable, op_done_cb, outer);
  g_task_set_source_tag (inner, run_op);
  g_task_set_check_cancellable (inner, FALSE);
  g_task_set_task_data (inner, op, (GDestroyNotify) tree_op_free);
  set_busy (self, TRUE);
  g_task_run_in_thread (inner, op_worker);
  g_object_unref (inner);
}

static void
queue_refresh (HearthSnapshotTree *self)
{
  if (self->machine == NULL)
    return;
  if (self->refreshing)
    {
      self->refresh_again = TRUE;
      return;
    }
  self->refreshing = TRUE;
  self->refresh_again = FALSE;
  run_op (self, OP_REFRESH, g_new0 (TreeOp, 1), self->cancellable, NULL);
}

static void
on_sandbox_snapshot_event_cb (HearthSandbox      *sandbox,
                              const char         *uuid,
                              HearthSnapshotTree *self)
{
  if (g_strcmp0 (uuid, self->uuid) == 0)
    queue_refresh (self);
}

/* After a reconnect, what changed while the daemon was away is read again. */
static void
on_connection_state_cb (HearthConnection   *connection,
                        GParamSpec         *pspec,
                        HearthSnapshotTree *self)
{
  if (hearth_connection_get_state (connection) == HEARTH_CONNECTION_STATE_CONNECTED)
    queue_refresh (self);
}

static GTask *
outer_task_new (HearthSnapshotTree *self,
                gpointer            source_tag,
                GCancellable       *cancellable,
                GAsyncReadyCallback callback,
                gpointer            user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

static void
hearth_snapshot_tree_dispose (GObject *object)
{
  HearthSnapshotTree *self = HEARTH_SNAPSHOT_TREE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->sandbox != NULL)
    g_signal_handlers_disconnect_by_data (self->sandbox, self);
  g_clear_object (&self->sandbox);
  if (self->by_name != NULL)
    {
      g_autoptr(GPtrArray) none = g_ptr_array_new ();
      GHashTableIter iter;
      gpointer value;

      /* Break the parent/children links so every snapshot can go. */
      g_hash_table_iter_init (&iter, self->by_name);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        _hearth_snapshot_set_links (value, NULL, none, 0);
      g_hash_table_remove_all (self->by_name);
    }
  self->current = NULL;
  if (self->snapshots != NULL)
    g_list_store_remove_all (self->snapshots);
  if (self->roots != NULL)
    g_list_store_remove_all (self->roots);
  g_clear_object (&self->machine);

  G_OBJECT_CLASS (hearth_snapshot_tree_parent_class)->dispose (object);
}

static void
hearth_snapshot_tree_finalize (GObject *object)
{
  HearthSnapshotTree *self = HEARTH_SNAPSHOT_TREE (object);

  g_free (self->uuid);
  g_clear_object (&self->snapshots);
  g_clear_object (&self->roots);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (hearth_snapshot_tree_parent_class)->finalize (object);
}

static void
hearth_snapshot_tree_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  HearthSnapshotTree *self = HEARTH_SNAPSHOT_TREE (object);

  switch (prop_id)
    {
    case PROP_MACHINE: g_value_set_object (value, self->machine); break;
    case PROP_SNAPSHOTS: g_value_set_object (value, self->snapshots); break;
    case PROP_ROOTS: g_value_set_object (value, self->roots); break;
    case PROP_CURRENT: g_value_set_object (value, self->current); break;
    case PROP_LOADED: g_value_set_boolean (value, self->loaded); break;
    case PROP_BUSY: g_value_set_boolean (value, self->busy_count > 0); break;
    case PROP_PROGRESS: g_value_set_double (value, self->progress); break;
    case PROP_ERROR: g_value_set_boxed (value, self->error); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_snapshot_tree_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  HearthSnapshotTree *self = HEARTH_SNAPSHOT_TREE (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      self->machine = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_snapshot_tree_constructed (GObject *object)
{
  HearthSnapshotTree *self = HEARTH_SNAPSHOT_TREE (object);
  HearthConnection *connection;

  G_OBJECT_CLASS (hearth_snapshot_tree_parent_class)->constructed (object);

  self->uuid = g_strdup (hearth_machine_get_uuid (self->machine));
  if ((connection = hearth_machine_get_connection (self->machine)))
    {
      self->sandbox = g_object_ref (hearth_sandbox_get_for_connection (connection));
      g_signal_connect (self->sandbox, "snapshot-event",
                        G_CALLBACK (on_sandbox_snapshot_event_cb), self);
      g_signal_connect_object (connection, "notify::state", G_CALLBACK (on_connection_state_cb),
                               self, 0);
    }
  queue_refresh (self);
}

static void
hearth_snapshot_tree_class_init (HearthSnapshotTreeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->constructed = hearth_snapshot_tree_constructed;
  object_class->dispose = hearth_snapshot_tree_dispose;
  object_class->finalize = hearth_snapshot_tree_finalize;
  object_class->get_property = hearth_snapshot_tree_get_property;
  object_class->set_property = hearth_snapshot_tree_set_property;

  /** HearthSnapshotTree:machine: The machine whose snapshots these are. */
  properties[PROP_MACHINE] = g_param_spec_object ("machine", NULL, NULL, HEARTH_TYPE_MACHINE,
                                                  G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                                    | G_PARAM_STATIC_STRINGS);
  /** HearthSnapshotTree:snapshots: A #GListModel of every #HearthSnapshot, oldest first. */
  properties[PROP_SNAPSHOTS] = g_param_spec_object ("snapshots", NULL, NULL, G_TYPE_LIST_MODEL,
                                                    ro);
  /** HearthSnapshotTree:roots: A #GListModel of the snapshots without a parent. */
  properties[PROP_ROOTS] = g_param_spec_object ("roots", NULL, NULL, G_TYPE_LIST_MODEL, ro);
  /** HearthSnapshotTree:current: The snapshot the machine's present grew from, or %NULL. */
  properties[PROP_CURRENT] = g_param_spec_object ("current", NULL, NULL, HEARTH_TYPE_SNAPSHOT,
                                                  ro);
  /** HearthSnapshotTree:loaded: Whether the snapshots have been read once. */
  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE, ro);
  /** HearthSnapshotTree:busy: Whether an operation (or a read) is under way. */
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, ro);
  /**
   * HearthSnapshotTree:progress:
   *
   * How far the operation under way is, from 0 to 1, while libvirt reports it
   * (writing a UEFI machine's memory); -1 when unknown (show a pulsing bar).
   */
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, -1, 1, -1, ro);
  /** HearthSnapshotTree:error: Why the last read failed, or %NULL. */
  properties[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hearth_snapshot_tree_init (HearthSnapshotTree *self)
{
  self->snapshots = g_list_store_new (HEARTH_TYPE_SNAPSHOT);
  self->roots = g_list_store_new (HEARTH_TYPE_SNAPSHOT);
  self->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->cancellable = g_cancellable_new ();
  self->progress = -1;
}

/**
 * hearth_snapshot_tree_new:
 * @machine: a #HearthMachine
 *
 * Creates the tree and starts reading the machine's snapshots (see
 * #HearthSnapshotTree:loaded).
 *
 * Returns: (transfer full): a new tree
 */
HearthSnapshotTree *
hearth_snapshot_tree_new (HearthMachine *machine)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (machine), NULL);

  return g_object_new (HEARTH_TYPE_SNAPSHOT_TREE, "machine", machine, NULL);
}

/** hearth_snapshot_tree_get_machine: Returns: (transfer none): the machine */
HearthMachine *
hearth_snapshot_tree_get_machine (HearthSnapshotTree *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT_TREE (self), NULL);
  return self->machine;
}

/**
 * hearth_snapshot_tree_get_snapshots:
 *
 * Returns: (transfer none): a #GListModel of every #HearthSnapshot, oldest first
 */
GListModel *
hearth_snapshot_tree_get_snapshots (HearthSnapshotTree *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT_TREE (self), NULL);
  return G_LIST_MODEL (self->snapshots);
}

/**
 * hearth_snapshot_tree_get_roots:
 *
 * The top of the tree; each snapshot's hearth_snapshot_get_children() gives the
 * rest (for a #GtkTreeListModel).
 *
 * Returns: (transfer none): a #GListModel of #HearthSnapshot, oldest first
 */
GListModel *
hearth_snapshot_tree_get_roots (HearthSnapshotTree *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT_TREE (self), NULL);
  return G_LIST_MODEL (self->roots);
}

/** hearth_snapshot_tree_get_current: Returns: (transfer none) (nullable): the current snapshot */
HearthSnapshot *
hearth_snapshot_tree_get_current (HearthSnapshotTree *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT_TREE (self), NULL);
  return self->current;
}

/**
 * hearth_snapshot_tree_find:
 * @name: a snapshot's name, or failing that its title
 *
 * Returns: (transfer none) (nullable): the snapshot
 */
HearthSnapshot *
hearth_snapshot_tree_find (HearthSnapshotTree *self,
                           const char         *name)
{
  HearthSnapshot *snapshot;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (HEARTH_IS_SNAPSHOT_TREE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if ((snapshot = g_hash_table_lookup (self->by_name, name)))
    return snapshot;

  g_hash_table_iter_init (&iter, self->by_name);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (hearth_snapshot_get_title (value), name) == 0)
      return value;
  return NULL;
}

/** hearth_snapshot_tree_get_loaded: Returns: whether the snapshots have been read once */
gboolean
hearth_snapshot_tree_get_loaded (HearthSnapshotTree *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT_TREE (self), FALSE);
  return self->loaded;
}

/** hearth_snapshot_tree_get_busy: Returns: whether an operation is under way */
gboolean
hearth_snapshot_tree_get_busy (HearthSnapshotTree *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT_TREE (self), FALSE);
  return self->busy_count > 0;
}

/** hearth_snapshot_tree_get_progress: Returns: 0…1 while known, else -1 */
double
hearth_snapshot_tree_get_progress (HearthSnapshotTree *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT_TREE (self), -1);
  return self->progress;
}

/** hearth_snapshot_tree_get_error: Returns: (transfer none) (nullable): the last read failure */
const GError *
hearth_snapshot_tree_get_error (HearthSnapshotTree *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT_TREE (self), NULL);
  return self->error;
}

/**
 * hearth_snapshot_tree_refresh_async:
 *
 * Reads the snapshots again (they are read after every operation of the tree and
 * on snapshot lifecycle events; this is for changes made by other tools).
 */
void
hearth_snapshot_tree_refresh_async (HearthSnapshotTree *self,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data)
{
  g_return_if_fail (HEARTH_IS_SNAPSHOT_TREE (self));

  run_op (self, OP_REFRESH, g_new0 (TreeOp, 1), cancellable,
          outer_task_new (self, hearth_snapshot_tree_refresh_async, cancellable, callback,
                          user_data));
}

/** hearth_snapshot_tree_refresh_finish: Returns: %TRUE if the snapshots were read */
gboolean
hearth_snapshot_tree_refresh_finish (HearthSnapshotTree *self,
                                     GAsyncResult       *result,
                                     GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
create_common (HearthSnapshotTree  *self,
               const char          *title,
               const char          *description,
               HearthSnapshotOrigin origin,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  TreeOp *op = g_new0 (TreeOp, 1);

  op->title = g_strdup (title);
  op->description = g_strdup (description);
  op->origin = origin;
  run_op (self, OP_CREATE, op, cancellable,
          outer_task_new (self, hearth_snapshot_tree_create_async, cancellable, callback,
                          user_data));
}

/**
 * hearth_snapshot_tree_create_async:
 * @self: a #HearthSnapshotTree
 * @title: (nullable): what the user calls the snapshot
 * @description: (nullable): longer notes
 * @cancellable: (nullable): cancels until libvirt starts the snapshot, and for a
 *   UEFI machine's snapshot with memory while its memory is being written
 * @callback: called when the snapshot exists and the tree shows it
 * @user_data: data for @callback
 *
 * Takes a snapshot: with memory for a running or paused machine (going back to it
 * resumes right there), of the disks for a shut-off one. For a running machine a
 * thumbnail of the screen is stored first. Machines whose disks are not qcow2, or
 * with UEFI firmware, fail with %HEARTH_ERROR_UNSUPPORTED and a message saying why.
 */
void
hearth_snapshot_tree_create_async (HearthSnapshotTree *self,
                                   const char         *title,
                                   const char         *description,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  g_return_if_fail (HEARTH_IS_SNAPSHOT_TREE (self));

  create_common (self, title, description, HEARTH_SNAPSHOT_ORIGIN_USER, cancellable, callback,
                 user_data);
}

/**
 * hearth_snapshot_tree_create_auto_async:
 * @reason: the title, saying why (e.g. "Before changing memory"), in the user's language
 *
 * Takes an automatic snapshot, as the settings code does before it changes the
 * machine. It is marked as Hearth's own, so retention may delete it later. Finish
 * with hearth_snapshot_tree_create_finish().
 */
void
hearth_snapshot_tree_create_auto_async (HearthSnapshotTree *self,
                                        const char         *reason,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data)
{
  g_return_if_fail (HEARTH_IS_SNAPSHOT_TREE (self));

  create_common (self, reason, NULL, HEARTH_SNAPSHOT_ORIGIN_AUTOMATIC, cancellable, callback,
                 user_data);
}

/**
 * hearth_snapshot_tree_create_finish:
 *
 * Returns: (transfer full): the new snapshot, or %NULL on error
 */
HearthSnapshot *
hearth_snapshot_tree_create_finish (HearthSnapshotTree *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  HearthSnapshot *snapshot;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  snapshot = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (snapshot == NULL && local_error == NULL)
    g_set_error (&local_error, HEARTH_ERROR, HEARTH_ERROR_FAILED,
                 "The snapshot was taken but could not be read back");
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return snapshot;
}

/**
 * hearth_snapshot_tree_revert_async:
 * @snapshot: a snapshot of this tree
 *
 * Goes back to @snapshot: the machine ends in the snapshot's state (running from
 * that moment for a snapshot with memory, shut off otherwise). What happened since
 * is lost unless it was snapshotted; the UI asks first.
 */
void
hearth_snapshot_tree_revert_async (HearthSnapshotTree *self,
                                   HearthSnapshot     *snapshot,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  TreeOp *op;

  g_return_if_fail (HEARTH_IS_SNAPSHOT_TREE (self));
  g_return_if_fail (HEARTH_IS_SNAPSHOT (snapshot));

  op = g_new0 (TreeOp, 1);
  op->snapshot_name = g_strdup (hearth_snapshot_get_name (snapshot));
  run_op (self, OP_REVERT, op, cancellable,
          outer_task_new (self, hearth_snapshot_tree_revert_async, cancellable, callback,
                          user_data));
}

/** hearth_snapshot_tree_revert_finish: Returns: %TRUE if the machine went back */
gboolean
hearth_snapshot_tree_revert_finish (HearthSnapshotTree *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * hearth_snapshot_tree_delete_async:
 * @snapshot: a snapshot of this tree
 * @with_children: also delete every snapshot taken after it on its branches
 *
 * Deletes @snapshot (and with @with_children its descendants) and its thumbnail.
 * Without @with_children its children move up to its parent and stay valid.
 */
void
hearth_snapshot_tree_delete_async (HearthSnapshotTree *self,
                                   HearthSnapshot     *snapshot,
                                   gboolean            with_children,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  TreeOp *op;

  g_return_if_fail (HEARTH_IS_SNAPSHOT_TREE (self));
  g_return_if_fail (HEARTH_IS_SNAPSHOT (snapshot));

  op = g_new0 (TreeOp, 1);
  op->snapshot_name = g_strdup (hearth_snapshot_get_name (snapshot));
  op->with_children = with_children;
  run_op (self, OP_DELETE, op, cancellable,
          outer_task_new (self, hearth_snapshot_tree_delete_async, cancellable, callback,
                          user_data));
}

/** hearth_snapshot_tree_delete_finish: Returns: %TRUE if the snapshot is gone */
gboolean
hearth_snapshot_tree_delete_finish (HearthSnapshotTree *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * hearth_snapshot_tree_edit_async:
 * @snapshot: a snapshot of this tree
 * @new_title: (nullable): the new title (a rename), or %NULL to keep it
 * @new_description: (nullable): the new notes (%NULL or "" for none)
 *
 * Renames @snapshot and/or changes its notes by redefining its metadata
 * (VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE). Its name, disks and memory stay. A snapshot
 * the user renames counts as the user's from then on.
 */
void
hearth_snapshot_tree_edit_async (HearthSnapshotTree *self,
                                 HearthSnapshot     *snapshot,
                                 const char         *new_title,
                                 const char         *new_description,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  TreeOp *op;

  g_return_if_fail (HEARTH_IS_SNAPSHOT_TREE (self));
  g_return_if_fail (HEARTH_IS_SNAPSHOT (snapshot));

  op = g_new0 (TreeOp, 1);
  op->snapshot_name = g_strdup (hearth_snapshot_get_name (snapshot));
  op->set_title = new_title != NULL;
  op->title = g_strdup (new_title);
  op->description = g_strdup (new_description);
  run_op (self, OP_EDIT, op, cancellable,
          outer_task_new (self, hearth_snapshot_tree_edit_async, cancellable, callback,
                          user_data));
}

/** hearth_snapshot_tree_edit_finish: Returns: (transfer full): the snapshot, or %NULL */
HearthSnapshot *
hearth_snapshot_tree_edit_finish (HearthSnapshotTree *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  return hearth_snapshot_tree_create_finish (self, result, error);
}

/**
 * hearth_snapshot_tree_run_schedule_async:
 * @interval: how old the newest scheduled snapshot may get, in microseconds
 *   (%G_TIME_SPAN_DAY for daily)
 * @keep_last: how many of Hearth's own (scheduled and automatic) snapshots to keep
 *
 * Applies a snapshot schedule once: takes a scheduled snapshot when the newest one
 * is older than @interval (or there is none), then deletes Hearth's own snapshots
 * beyond the newest @keep_last. Snapshots the user made or renamed, and the sandbox
 * snapshot, are never deleted. The application calls this at start-up and from a
 * timer; the schedule itself (interval, count) is the application's setting.
 */
void
hearth_snapshot_tree_run_schedule_async (HearthSnapshotTree *self,
                                         GTimeSpan           interval,
                                         guint               keep_last,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data)
{
  TreeOp *op;

  g_return_if_fail (HEARTH_IS_SNAPSHOT_TREE (self));

  op = g_new0 (TreeOp, 1);
  op->interval = interval;
  op->keep_last = keep_last;
  run_op (self, OP_SCHEDULE, op, cancellable,
          outer_task_new (self, hearth_snapshot_tree_run_schedule_async, cancellable, callback,
                          user_data));
}

/**
 * hearth_snapshot_tree_run_schedule_finish:
 * @error: set on failure; not set when no snapshot was due
 *
 * Returns: (transfer full) (nullable): the snapshot taken, or %NULL when none was
 *   due (without @error) or on error
 */
HearthSnapshot *
hearth_snapshot_tree_run_schedule_finish (HearthSnapshotTree *self,
                                          GAsyncResult       *result,
                                          GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
