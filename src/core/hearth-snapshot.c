/* hearth-snapshot.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-snapshot"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "hearth-snapshot-private.h"

#define THUMBNAIL_WIDTH 320

/**
 * HearthSnapshot:
 *
 * One snapshot of a machine, as the timeline shows it. Snapshots belong to a
 * #HearthSnapshotTree, which creates them and keeps them current; they are plain
 * data for the main thread and never call libvirt themselves.
 *
 * The libvirt snapshot name is an identifier Hearth generates and never changes
 * (internal snapshots are stored in the qcow2 image under that name, so libvirt
 * cannot rename them). What the user sees and edits is the title: the first line of
 * the libvirt description. The rest of the description is
 * #HearthSnapshot:description.
 */
struct _HearthSnapshot
{
  GObject parent_instance;

  char                *name;
  char                *title;
  char                *description;
  char                *parent_name;
  gint64               creation_time;
  HearthSnapshotState  state;
  HearthSnapshotOrigin origin;
  gboolean             has_memory;
  gboolean             external;
  gboolean             current;
  char                *thumbnail_path;
  guint                depth;

  HearthSnapshot      *parent;    /* weak pointer; the tree owns every snapshot */
  GListStore          *children;  /* owned; HearthSnapshot */
};

G_DEFINE_FINAL_TYPE (HearthSnapshot, hearth_snapshot, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NAME,
  PROP_TITLE,
  PROP_DESCRIPTION,
  PROP_CREATION_TIME,
  PROP_STATE,
  PROP_ORIGIN,
  PROP_HAS_MEMORY,
  PROP_EXTERNAL,
  PROP_CURRENT,
  PROP_PARENT,
  PROP_CHILDREN,
  PROP_THUMBNAIL_PATH,
  PROP_DEPTH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *origin_names[] = {
  [HEARTH_SNAPSHOT_ORIGIN_USER] = "user",
  [HEARTH_SNAPSHOT_ORIGIN_AUTOMATIC] = "automatic",
  [HEARTH_SNAPSHOT_ORIGIN_SCHEDULED] = "scheduled",
};

static gboolean
set_string (char      **field,
            const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
hearth_snapshot_dispose (GObject *object)
{
  HearthSnapshot *self = HEARTH_SNAPSHOT (object);

  if (self->parent != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->parent), (gpointer *) &self->parent);
  self->parent = NULL;
  if (self->children != NULL)
    g_list_store_remove_all (self->children);

  G_OBJECT_CLASS (hearth_snapshot_parent_class)->dispose (object);
}

static void
hearth_snapshot_finalize (GObject *object)
{
  HearthSnapshot *self = HEARTH_SNAPSHOT (object);

  g_free (self->name);
  g_free (self->title);
  g_free (self->description);
  g_free (self->parent_name);
  g_free (self->thumbnail_path);
  g_clear_object (&self->children);

  G_OBJECT_CLASS (hearth_snapshot_parent_class)->finalize (object);
}

static void
hearth_snapshot_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  HearthSnapshot *self = HEARTH_SNAPSHOT (object);

  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_TITLE: g_value_set_string (value, hearth_snapshot_get_title (self)); break;
    case PROP_DESCRIPTION: g_value_set_string (value, self->description); break;
    case PROP_CREATION_TIME: g_value_set_int64 (value, self->creation_time); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_ORIGIN: g_value_set_enum (value, self->origin); break;
    case PROP_HAS_MEMORY: g_value_set_boolean (value, self->has_memory); break;
    case PROP_EXTERNAL: g_value_set_boolean (value, self->external); break;
    case PROP_CURRENT: g_value_set_boolean (value, self->current); break;
    case PROP_PARENT: g_value_set_object (value, self->parent); break;
    case PROP_CHILDREN: g_value_set_object (value, self->children); break;
    case PROP_THUMBNAIL_PATH: g_value_set_string (value, self->thumbnail_path); break;
    case PROP_DEPTH: g_value_set_uint (value, self->depth); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_snapshot_class_init (HearthSnapshotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = hearth_snapshot_dispose;
  object_class->finalize = hearth_snapshot_finalize;
  object_class->get_property = hearth_snapshot_get_property;

  /** HearthSnapshot:name: The libvirt snapshot name, an identifier that never changes. */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  /** HearthSnapshot:title: What the user calls the snapshot; the name when untitled. */
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, ro);
  /** HearthSnapshot:description: The user's longer notes, or %NULL. */
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, ro);
  /** HearthSnapshot:creation-time: When it was taken, in seconds since the epoch. */
  properties[PROP_CREATION_TIME] = g_param_spec_int64 ("creation-time", NULL, NULL, 0,
                                                       G_MAXINT64, 0, ro);
  /** HearthSnapshot:state: What it holds, and so where going back leaves the machine. */
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, HEARTH_TYPE_SNAPSHOT_STATE,
                                              HEARTH_SNAPSHOT_STATE_SHUTOFF, ro);
  /** HearthSnapshot:origin: Whether the user or Hearth made it. */
  properties[PROP_ORIGIN] = g_param_spec_enum ("origin", NULL, NULL, HEARTH_TYPE_SNAPSHOT_ORIGIN,
                                               HEARTH_SNAPSHOT_ORIGIN_USER, ro);
  /** HearthSnapshot:has-memory: Whether it holds the running machine's memory. */
  properties[PROP_HAS_MEMORY] = g_param_spec_boolean ("has-memory", NULL, NULL, FALSE, ro);
  /** HearthSnapshot:external: Whether it lives in separate files (overlays, memory file). */
  properties[PROP_EXTERNAL] = g_param_spec_boolean ("external", NULL, NULL, FALSE, ro);
  /** HearthSnapshot:current: Whether the machine's present state grew from it. */
  properties[PROP_CURRENT] = g_param_spec_boolean ("current", NULL, NULL, FALSE, ro);
  /** HearthSnapshot:parent: The snapshot it was taken after, or %NULL for a root. */
  properties[PROP_PARENT] = g_param_spec_object ("parent", NULL, NULL, HEARTH_TYPE_SNAPSHOT, ro);
  /** HearthSnapshot:children: A #GListModel of the snapshots taken after it, oldest first. */
  properties[PROP_CHILDREN] = g_param_spec_object ("children", NULL, NULL, G_TYPE_LIST_MODEL, ro);
  /** HearthSnapshot:thumbnail-path: A PNG of the screen when it was taken, or %NULL. */
  properties[PROP_THUMBNAIL_PATH] = g_param_spec_string ("thumbnail-path", NULL, NULL, NULL, ro);
  /** HearthSnapshot:depth: 0 for a root, 1 for its children and so on. */
  properties[PROP_DEPTH] = g_param_spec_uint ("depth", NULL, NULL, 0, G_MAXUINT, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hearth_snapshot_init (HearthSnapshot *self)
{
  self->children = g_list_store_new (HEARTH_TYPE_SNAPSHOT);
}

void
_hearth_snapshot_info_free (HearthSnapshotInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->name);
  g_free (info->title);
  g_free (info->description);
  g_free (info->parent);
  g_free (info->thumbnail_path);
  g_free (info);
}

/* Hearth keeps what libvirt has no field for in the description, the way a commit
 * message does: a title line, a blank line, the notes, and a trailer line for
 * snapshots Hearth made itself. Other tools show it as plain text. */
char *
_hearth_snapshot_compose_description (const char          *title,
                                      const char          *description,
                                      HearthSnapshotOrigin origin)
{
  GString *str = g_string_new (NULL);
  g_autofree char *clean_title = g_strdup (title ? title : "");

  /* A title is one line. */
  g_strdelimit (clean_title, "\r\n", ' ');
  g_strstrip (clean_title);
  g_string_append (str, clean_title);

  if (description != NULL && description[0] != '\0')
    g_string_append_printf (str, "\n\n%s", description);
  if (origin != HEARTH_SNAPSHOT_ORIGIN_USER)
    g_string_append_printf (str, "\n\n" HEARTH_ORIGIN_TRAILER "%s", origin_names[origin]);

  return g_string_free (str, FALSE);
}

void
_hearth_snapshot_split_description (const char           *raw,
                                    char                **title,
                                    char                **description,
                                    HearthSnapshotOrigin *origin)
{
  g_autofree char *text = g_strdup (raw ? raw : "");
  const char *last_line;
  char *newline;

  *origin = HEARTH_SNAPSHOT_ORIGIN_USER;
  g_strchomp (text);

  /* The trailer, if any, is the last line. */
  last_line = strrchr (text, '\n');
  last_line = last_line ? last_line + 1 : text;
  if (g_str_has_prefix (last_line, HEARTH_ORIGIN_TRAILER))
    {
      const char *value = last_line + strlen (HEARTH_ORIGIN_TRAILER);

      for (guint i = 0; i < G_N_ELEMENTS (origin_names); i++)
        if (g_strcmp0 (value, origin_names[i]) == 0)
          *origin = i;
      *(char *) last_line = '\0';
      g_strchomp (text);
    }

  if ((newline = strchr (text, '\n')))
    {
      *newline = '\0';
      *description = g_strdup (g_strstrip (newline + 1));
    }
  else
    *description = NULL;

  g_strstrip (text);
  *title = text[0] ? g_strdup (text) : NULL;
  if (*description != NULL && (*description)[0] == '\0')
    g_clear_pointer (description, g_free);
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

static char *
dup_child_text (xmlNodePtr  parent,
                const char *name)
{
  xmlNodePtr node = find_child (parent, name);
  xmlChar *content;
  char *text;

  if (node == NULL || !(content = xmlNodeGetContent (node)))
    return NULL;
  text = g_strdup ((const char *) content);
  xmlFree (content);
  return text;
}

static char *
dup_attr (xmlNodePtr  node,
          const char *name)
{
  xmlChar *value = node ? xmlGetProp (node, (const xmlChar *) name) : NULL;
  char *text = value ? g_strdup ((const char *) value) : NULL;

  xmlFree (value);
  return text;
}

/* Reads a <domainsnapshot> document. Only direct children of the root count: the
 * embedded <domain> has its own <name> and <description>. */
HearthSnapshotInfo *
_hearth_snapshot_info_parse (const char *xml,
                             GError    **error)
{
  g_autoptr(HearthSnapshotInfo) info = g_new0 (HearthSnapshotInfo, 1);
  g_autofree char *raw_description = NULL;
  g_autofree char *state = NULL;
  g_autofree char *created = NULL;
  g_autofree char *memory = NULL;
  xmlDocPtr doc;
  xmlNodePtr root;
  xmlNodePtr node;

  doc = xmlReadMemory (xml, strlen (xml), "snapshot.xml", NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL || !(root = xmlDocGetRootElement (doc))
      || strcmp ((const char *) root->name, "domainsnapshot") != 0)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_FAILED, "Unreadable snapshot XML");
      xmlFreeDoc (doc);
      return NULL;
    }

  info->name = dup_child_text (root, "name");
  raw_description = dup_child_text (root, "description");
  state = dup_child_text (root, "state");
  created = dup_child_text (root, "creationTime");
  if ((node = find_child (root, "parent")))
    info->parent = dup_child_text (node, "name");
  memory = dup_attr (find_child (root, "memory"), "snapshot");

  info->creation_time = created ? g_ascii_strtoll (created, NULL, 10) : 0;
  info->external = g_strcmp0 (memory, "external") == 0;
  if ((node = find_child (root, "disks")))
    for (xmlNodePtr disk = node->children; disk != NULL; disk = disk->next)
      {
        g_autofree char *kind = NULL;

        if (disk->type != XML_ELEMENT_NODE)
          continue;
        kind = dup_attr (disk, "snapshot");
        if (g_strcmp0 (kind, "external") == 0)
          info->external = TRUE;
      }

  if (g_strcmp0 (state, "disk-snapshot") == 0)
    info->state = HEARTH_SNAPSHOT_STATE_DISK_ONLY;
  else if (g_strcmp0 (state, "shutoff") == 0 || g_strcmp0 (state, "crashed") == 0
           || g_strcmp0 (memory, "no") == 0)
    info->state = HEARTH_SNAPSHOT_STATE_SHUTOFF;
  else if (g_strcmp0 (state, "paused") == 0)
    info->state = HEARTH_SNAPSHOT_STATE_PAUSED;
  else
    info->state = HEARTH_SNAPSHOT_STATE_RUNNING;
  info->has_memory = info->state == HEARTH_SNAPSHOT_STATE_RUNNING
                     || info->state == HEARTH_SNAPSHOT_STATE_PAUSED;

  _hearth_snapshot_split_description (raw_description, &info->title, &info->description,
                                      &info->origin);
  xmlFreeDoc (doc);

  if (info->name == NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_FAILED, "A snapshot without a name");
      return NULL;
    }
  return g_steal_pointer (&info);
}

/**
 * _hearth_snapshot_thumbnail_path:
 *
 * The thumbnail lives in the user's cache under the machine's UUID and a hash of
 * the snapshot name, which never changes, so it is found again after a restart.
 */
char *
_hearth_snapshot_thumbnail_path (const char *uuid,
                                 const char *name)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, name, -1);
  g_autofree char *file = g_strconcat (hash, ".png", NULL);

  return g_build_filename (g_get_user_cache_dir (), "hearth", "thumbnails", uuid, file, NULL);
}

/* Parses a binary PPM (P6, maxval 255), the format QEMU's screendump writes. */
static GdkPixbuf *
pixbuf_from_ppm (GBytes  *bytes,
                 GError **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  guint64 fields[3];
  gsize pos = 2;

  if (size < 2 || data[0] != 'P' || data[1] != '6')
    goto bad;

  for (guint i = 0; i < 3; i++)
    {
      /* Whitespace and comments separate the header fields. */
      while (pos < size && (g_ascii_isspace (data[pos]) || data[pos] == '#'))
        {
          if (data[pos] == '#')
            while (pos < size && data[pos] != '\n')
              pos++;
          else
            pos++;
        }
      if (pos >= size || !g_ascii_isdigit (data[pos]))
        goto bad;
      fields[i] = 0;
      while (pos < size && g_ascii_isdigit (data[pos]) && fields[i] < 100000)
        fields[i] = fields[i] * 10 + (data[pos++] - '0');
    }
  pos++; /* the single whitespace before the pixels */

  if (fields[0] == 0 || fields[1] == 0 || fields[0] > 16384 || fields[1] > 16384
      || fields[2] != 255 || pos + fields[0] * fields[1] * 3 > size)
    goto bad;

  {
    g_autoptr(GBytes) pixels = g_bytes_new_from_bytes (bytes, pos, fields[0] * fields[1] * 3);

    return gdk_pixbuf_new_from_bytes (pixels, GDK_COLORSPACE_RGB, FALSE, 8, fields[0], fields[1],
                                      fields[0] * 3);
  }

bad:
  g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_FAILED, "The screenshot is not a PPM image");
  return NULL;
}

static GdkPixbuf *
pixbuf_from_bytes (GBytes     *bytes,
                   const char *mime,
                   GError    **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;

  if (mime == NULL || g_str_equal (mime, "image/x-portable-pixmap"))
    return pixbuf_from_ppm (bytes, error);

  if (!(loader = gdk_pixbuf_loader_new_with_mime_type (mime, error)))
    return NULL;
  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, error) || !gdk_pixbuf_loader_close (loader,
                                                                                        error))
    return NULL;
  return g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
}

/**
 * _hearth_snapshot_take_thumbnail:
 *
 * Takes a screenshot of the running @domain and stores it, scaled down, as a PNG
 * at @path (written to a temporary file and renamed, so a reader never sees half
 * a file). Blocking: for workers.
 */
gboolean
_hearth_snapshot_take_thumbnail (virDomainPtr domain,
                                 const char  *path,
                                 GError     **error)
{
  g_autoptr(HearthVirStream) stream = NULL;
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkPixbuf) scaled = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = g_strconcat (path, ".tmp", NULL);
  char *mime = NULL;
  char chunk[65536];
  int n;
  int width, height;

  if (!(stream = virStreamNew (virDomainGetConnect (domain), 0)))
    {
      _hearth_error_take_libvirt (error, "Could not open a stream for the screenshot");
      return FALSE;
    }
  if (!(mime = virDomainScreenshot (domain, stream, 0, 0)))
    {
      _hearth_error_take_libvirt (error, "Could not take a screenshot");
      return FALSE;
    }

  while ((n = virStreamRecv (stream, chunk, sizeof chunk)) > 0)
    {
      g_byte_array_append (buffer, (const guint8 *) chunk, n);
      if (buffer->len > 256 * 1024 * 1024)
        break;
    }
  if (n < 0 || virStreamFinish (stream) < 0)
    {
      _hearth_error_take_libvirt (error, "Could not read the screenshot");
      virStreamAbort (stream);
      virResetLastError ();
      free (mime);
      return FALSE;
    }

  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
  pixbuf = pixbuf_from_bytes (bytes, mime, error);
  free (mime);
  if (pixbuf == NULL)
    return FALSE;

  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  if (width > THUMBNAIL_WIDTH)
    {
      height = MAX (1, height * THUMBNAIL_WIDTH / width);
      width = THUMBNAIL_WIDTH;
    }
  scaled = gdk_pixbuf_scale_simple (pixbuf, width, height, GDK_INTERP_BILINEAR);

  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not create %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }
  if (!gdk_pixbuf_save (scaled, tmp, "png", error, NULL))
    return FALSE;
  if (g_rename (tmp, path) < 0)
    {
      int saved_errno = errno;

      g_unlink (tmp);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not store the thumbnail: %s", g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

HearthSnapshot *
_hearth_snapshot_new (HearthSnapshotInfo *info)
{
  HearthSnapshot *self = g_object_new (HEARTH_TYPE_SNAPSHOT, NULL);

  self->name = g_strdup (info->name);
  _hearth_snapshot_update (self, info);
  return self;
}

/* Applies what a worker read, notifying only what changed. */
void
_hearth_snapshot_update (HearthSnapshot     *self,
                         HearthSnapshotInfo *info)
{
  GObject *object = G_OBJECT (self);

  g_object_freeze_notify (object);

  if (set_string (&self->title, info->title))
    g_object_notify_by_pspec (object, properties[PROP_TITLE]);
  if (set_string (&self->description, info->description))
    g_object_notify_by_pspec (object, properties[PROP_DESCRIPTION]);
  set_string (&self->parent_name, info->parent);
  if (set_string (&self->thumbnail_path, info->thumbnail_path))
    g_object_notify_by_pspec (object, properties[PROP_THUMBNAIL_PATH]);
  if (self->creation_time != info->creation_time)
    {
      self->creation_time = info->creation_time;
      g_object_notify_by_pspec (object, properties[PROP_CREATION_TIME]);
    }
  if (self->state != info->state)
    {
      self->state = info->state;
      g_object_notify_by_pspec (object, properties[PROP_STATE]);
    }
  if (self->origin != info->origin)
    {
      self->origin = info->origin;
      g_object_notify_by_pspec (object, properties[PROP_ORIGIN]);
    }
  if (self->has_memory != info->has_memory)
    {
      self->has_memory = info->has_memory;
      g_object_notify_by_pspec (object, properties[PROP_HAS_MEMORY]);
    }
  if (self->external != info->external)
    {
      self->external = info->external;
      g_object_notify_by_pspec (object, properties[PROP_EXTERNAL]);
    }
  if (self->current != info->current)
    {
      self->current = info->current;
      g_object_notify_by_pspec (object, properties[PROP_CURRENT]);
    }

  g_object_thaw_notify (object);
}

static gboolean
same_children (GListModel *model,
               GPtrArray  *children)
{
  if (g_list_model_get_n_items (model) != children->len)
    return FALSE;
  for (guint i = 0; i < children->len; i++)
    {
      g_autoptr(HearthSnapshot) item = g_list_model_get_item (model, i);

      if (item != g_ptr_array_index (children, i))
        return FALSE;
    }
  return TRUE;
}

/* Sets the parent, the children (in order) and the depth, as the tree computed
 * them; the children model changes only when its contents do. */
void
_hearth_snapshot_set_links (HearthSnapshot *self,
                            HearthSnapshot *parent,
                            GPtrArray      *children,
                            guint           depth)
{
  GObject *object = G_OBJECT (self);

  g_object_freeze_notify (object);

  if (self->parent != parent)
    {
      if (self->parent != NULL)
        g_object_remove_weak_pointer (G_OBJECT (self->parent), (gpointer *) &self->parent);
      self->parent = parent;
      if (parent != NULL)
        g_object_add_weak_pointer (G_OBJECT (parent), (gpointer *) &self->parent);
      g_object_notify_by_pspec (object, properties[PROP_PARENT]);
    }

  if (!same_children (G_LIST_MODEL (self->children), children))
    g_list_store_splice (self->children, 0, g_list_model_get_n_items (G_LIST_MODEL (self->children)),
                         children->pdata, children->len);

  if (self->depth != depth)
    {
      self->depth = depth;
      g_object_notify_by_pspec (object, properties[PROP_DEPTH]);
    }

  g_object_thaw_notify (object);
}

/** hearth_snapshot_get_name: Returns: (transfer none): the libvirt snapshot name */
const char *
hearth_snapshot_get_name (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), NULL);
  return self->name;
}

/**
 * hearth_snapshot_get_title:
 *
 * Returns: (transfer none): what the user calls the snapshot, or its name when it
 *   has no title
 */
const char *
hearth_snapshot_get_title (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), NULL);
  return self->title != NULL ? self->title : self->name;
}

/** hearth_snapshot_get_description: Returns: (transfer none) (nullable): the notes */
const char *
hearth_snapshot_get_description (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), NULL);
  return self->description;
}

/** hearth_snapshot_get_creation_time: Returns: seconds since the epoch */
gint64
hearth_snapshot_get_creation_time (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), 0);
  return self->creation_time;
}

/**
 * hearth_snapshot_dup_creation_date:
 *
 * Returns: (transfer full): the creation time in the local time zone
 */
GDateTime *
hearth_snapshot_dup_creation_date (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), NULL);
  return g_date_time_new_from_unix_local (self->creation_time);
}

/** hearth_snapshot_get_state: Returns: what the snapshot holds */
HearthSnapshotState
hearth_snapshot_get_state (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), HEARTH_SNAPSHOT_STATE_SHUTOFF);
  return self->state;
}

/** hearth_snapshot_get_origin: Returns: who made the snapshot */
HearthSnapshotOrigin
hearth_snapshot_get_origin (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), HEARTH_SNAPSHOT_ORIGIN_USER);
  return self->origin;
}

/** hearth_snapshot_get_has_memory: Returns: whether going back resumes a running machine */
gboolean
hearth_snapshot_get_has_memory (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), FALSE);
  return self->has_memory;
}

/** hearth_snapshot_get_external: Returns: whether it lives in separate files */
gboolean
hearth_snapshot_get_external (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), FALSE);
  return self->external;
}

/** hearth_snapshot_get_current: Returns: whether the machine's present grew from it */
gboolean
hearth_snapshot_get_current (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), FALSE);
  return self->current;
}

/** hearth_snapshot_get_parent: Returns: (transfer none) (nullable): the parent */
HearthSnapshot *
hearth_snapshot_get_parent (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), NULL);
  return self->parent;
}

/** hearth_snapshot_get_parent_name: Returns: (transfer none) (nullable): the parent's name */
const char *
hearth_snapshot_get_parent_name (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), NULL);
  return self->parent_name;
}

/**
 * hearth_snapshot_get_children:
 *
 * Returns: (transfer none): a #GListModel of #HearthSnapshot, oldest first; suitable
 *   for a #GtkTreeListModel
 */
GListModel *
hearth_snapshot_get_children (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), NULL);
  return G_LIST_MODEL (self->children);
}

/** hearth_snapshot_get_thumbnail_path: Returns: (transfer none) (nullable): a PNG file */
const char *
hearth_snapshot_get_thumbnail_path (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), NULL);
  return self->thumbnail_path;
}

/** hearth_snapshot_get_depth: Returns: the number of ancestors */
guint
hearth_snapshot_get_depth (HearthSnapshot *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT (self), 0);
  return self->depth;
}
