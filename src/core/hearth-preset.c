/* hearth-preset.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-preset"

#include "config.h"

#include "hearth-error.h"
#include "hearth-golden-ratio.h"
#include "hearth-os-catalog.h"
#include "hearth-os-database.h"
#include "hearth-preset.h"

/* The compiled data/presets resource (generated; see data/presets/meson.build).
 * Calling it also makes the static library keep the resource's object file. */
GResource *hearth_presets_get_resource (void);

#define PRESET_GROUP "Hearth Preset"
#define PRESETS_PATH "/org/hearthvm/Hearth/presets"
#define MIB (G_GUINT64_CONSTANT (1) << 20)
#define GIB (G_GUINT64_CONSTANT (1) << 30)

/**
 * HearthPreset:
 *
 * A purpose a machine is made for ("Home server", "Safe sandbox", …), read from a
 * key file of data/presets. It says, per host tier, how many vCPUs, how much memory
 * and disk a machine gets, plus its display, firmware, network zone and sandbox
 * mode, and which OSes suit it. Name and description come translated.
 */
struct _HearthPreset
{
  GObject parent_instance;

  char             *id;
  char             *name;
  char             *description;
  char             *icon_name;
  char             *os_family;
  GStrv             suggested_os;
  int               order;
  guint             vcpus[HEARTH_HOST_TIER_COUNT];
  guint64           memory[HEARTH_HOST_TIER_COUNT];
  guint64           disk[HEARTH_HOST_TIER_COUNT];
  gboolean          accel3d[HEARTH_HOST_TIER_COUNT];
  guint             min_vcpus;
  guint64           min_memory;
  HearthVideoModel  video;
  HearthFirmware    firmware;
  gboolean          secure_boot;
  gboolean          tpm;
  HearthNetworkZone network_zone;
  gboolean          sandbox;
};

G_DEFINE_FINAL_TYPE (HearthPreset, hearth_preset, G_TYPE_OBJECT)

static void
hearth_preset_finalize (GObject *object)
{
  HearthPreset *self = HEARTH_PRESET (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->description);
  g_free (self->icon_name);
  g_free (self->os_family);
  g_strfreev (self->suggested_os);

  G_OBJECT_CLASS (hearth_preset_parent_class)->finalize (object);
}

static void
hearth_preset_class_init (HearthPresetClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hearth_preset_finalize;
}

static void
hearth_preset_init (HearthPreset *self)
{
}

static gboolean
read_tiers (GKeyFile   *keyfile,
            const char *key,
            guint64    *values,
            guint64     unit,
            GError    **error)
{
  g_autofree int *list = NULL;
  gsize n = 0;

  if (!(list = g_key_file_get_integer_list (keyfile, PRESET_GROUP, key, &n, error)))
    return FALSE;
  if (n != HEARTH_HOST_TIER_COUNT)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "%s needs %d values (light;basic;pro;enterprise), not %" G_GSIZE_FORMAT, key,
                   HEARTH_HOST_TIER_COUNT, n);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    {
      if (list[i] <= 0 || (i > 0 && (guint64) list[i] * unit < values[i - 1]))
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                       "%s must be positive and grow with the tier", key);
          return FALSE;
        }
      values[i] = (guint64) list[i] * unit;
    }
  return TRUE;
}

static gboolean
parse_choice (const char  *value,
              const char **choices,
              int         *out)
{
  for (int i = 0; choices[i] != NULL; i++)
    if (g_strcmp0 (value, choices[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

/**
 * hearth_preset_new_from_data:
 * @id: the preset's id
 * @data: the key file's text
 * @error: return location for an error
 *
 * Reads a preset from key file text (group "Hearth Preset", as in data/presets).
 *
 * Returns: (transfer full): the preset, or %NULL with @error set
 */
HearthPreset *
hearth_preset_new_from_data (const char *id,
                             const char *data,
                             GError    **error)
{
  static const char *videos[] = { "auto", "qxl", "virtio", "none", NULL };
  static const char *firmwares[] = { "auto", "bios", "uefi", NULL };
  static const char *zones[] = { "isolated", "home-nat", "dmz", NULL };
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(HearthPreset) self = NULL;
  g_autofree char *video = NULL;
  g_autofree char *firmware = NULL;
  g_autofree char *zone = NULL;
  g_autofree gboolean *accel = NULL;
  guint64 vcpus[HEARTH_HOST_TIER_COUNT];
  gsize n = 0;
  int choice;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);

  if (!g_key_file_load_from_data (keyfile, data, -1, G_KEY_FILE_NONE, error))
    return NULL;

  self = g_object_new (HEARTH_TYPE_PRESET, NULL);
  self->id = g_strdup (id);
  if (!(self->name = g_key_file_get_locale_string (keyfile, PRESET_GROUP, "Name", NULL, error))
      || !(self->description = g_key_file_get_locale_string (keyfile, PRESET_GROUP, "Comment",
                                                             NULL, error)))
    return NULL;
  self->icon_name = g_key_file_get_string (keyfile, PRESET_GROUP, "Icon", NULL);
  self->os_family = g_key_file_get_string (keyfile, PRESET_GROUP, "OsFamily", NULL);
  self->suggested_os = g_key_file_get_string_list (keyfile, PRESET_GROUP, "SuggestedOs", NULL,
                                                   NULL);
  if (self->suggested_os == NULL)
    self->suggested_os = g_new0 (char *, 1);
  self->order = g_key_file_get_integer (keyfile, PRESET_GROUP, "Order", NULL);

  if (!read_tiers (keyfile, "Vcpus", vcpus, 1, error)
      || !read_tiers (keyfile, "MemoryMiB", self->memory, MIB, error)
      || !read_tiers (keyfile, "DiskGiB", self->disk, GIB, error))
    return NULL;
  for (int t = 0; t < HEARTH_HOST_TIER_COUNT; t++)
    self->vcpus[t] = (guint) vcpus[t];

  accel = g_key_file_get_boolean_list (keyfile, PRESET_GROUP, "Accel3D", &n, NULL);
  for (gsize t = 0; accel != NULL && t < MIN (n, HEARTH_HOST_TIER_COUNT); t++)
    self->accel3d[t] = accel[t];

  self->min_vcpus = MAX (1, g_key_file_get_integer (keyfile, PRESET_GROUP, "MinVcpus", NULL));
  self->min_memory = (guint64) MAX (256, g_key_file_get_integer (keyfile, PRESET_GROUP,
                                                                 "MinMemoryMiB", NULL)) * MIB;
  self->secure_boot = g_key_file_get_boolean (keyfile, PRESET_GROUP, "SecureBoot", NULL);
  self->tpm = g_key_file_get_boolean (keyfile, PRESET_GROUP, "Tpm", NULL);
  self->sandbox = g_key_file_get_boolean (keyfile, PRESET_GROUP, "Sandbox", NULL);

  video = g_key_file_get_string (keyfile, PRESET_GROUP, "Video", NULL);
  firmware = g_key_file_get_string (keyfile, PRESET_GROUP, "Firmware", NULL);
  zone = g_key_file_get_string (keyfile, PRESET_GROUP, "NetworkZone", NULL);

  if (!parse_choice (video ? video : "auto", videos, &choice))
    goto bad_choice;
  self->video = choice;
  if (!parse_choice (firmware ? firmware : "auto", firmwares, &choice))
    goto bad_choice;
  self->firmware = choice;
  if (!parse_choice (zone ? zone : "home-nat", zones, &choice))
    goto bad_choice;
  self->network_zone = choice;

  if (self->min_vcpus > self->vcpus[HEARTH_HOST_TIER_ENTERPRISE]
      || self->min_memory > self->memory[HEARTH_HOST_TIER_ENTERPRISE])
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "Preset “%s”: its minimum is above its largest size", id);
      return NULL;
    }

  return g_steal_pointer (&self);

bad_choice:
  g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
               "Preset “%s”: unknown Video, Firmware or NetworkZone value", id);
  return NULL;
}

static int
compare_presets (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  HearthPreset *pa = (HearthPreset *) a;
  HearthPreset *pb = (HearthPreset *) b;

  if (pa->order != pb->order)
    return pa->order < pb->order ? -1 : 1;
  return g_strcmp0 (pa->id, pb->id);
}

/**
 * hearth_preset_list_default:
 *
 * The presets shipped with Hearth (data/presets, built into the core), in their
 * display order. Loaded on first use; the files are in memory, so this does not
 * block.
 *
 * Returns: (transfer none): a #GListModel of #HearthPreset
 */
GListModel *
hearth_preset_list_default (void)
{
  static GListStore *store;
  g_auto(GStrv) children = NULL;
  GResource *resource;

  if (store != NULL)
    return G_LIST_MODEL (store);

  store = g_list_store_new (HEARTH_TYPE_PRESET);
  resource = hearth_presets_get_resource ();
  children = g_resource_enumerate_children (resource, PRESETS_PATH, 0, NULL);

  for (guint i = 0; children != NULL && children[i] != NULL; i++)
    {
      g_autofree char *path = g_build_path ("/", PRESETS_PATH, children[i], NULL);
      g_autofree char *id = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(HearthPreset) preset = NULL;

      if (!g_str_has_suffix (children[i], ".preset"))
        continue;
      id = g_strndup (children[i], strlen (children[i]) - strlen (".preset"));
      bytes = g_resource_lookup_data (resource, path, 0, &error);
      if (bytes != NULL)
        preset = hearth_preset_new_from_data (id, g_bytes_get_data (bytes, NULL), &error);
      if (preset == NULL)
        {
          /* A broken preset that ships is a bug; the test suite loads every one. */
          g_warning ("Could not load preset %s: %s", id, error->message);
          continue;
        }
      g_list_store_insert_sorted (store, preset, compare_presets, NULL);
    }

  return G_LIST_MODEL (store);
}

/**
 * hearth_preset_lookup:
 * @id: a preset id ("home-server")
 *
 * Returns: (transfer none) (nullable): the shipped preset with that id
 */
HearthPreset *
hearth_preset_lookup (const char *id)
{
  GListModel *presets = hearth_preset_list_default ();

  for (guint i = 0; i < g_list_model_get_n_items (presets); i++)
    {
      g_autoptr(HearthPreset) preset = g_list_model_get_item (presets, i);

      if (g_strcmp0 (preset->id, id) == 0)
        return preset;  /* the store keeps it alive */
    }
  return NULL;
}

/** hearth_preset_get_id: Returns: (transfer none): the id ("home-server") */
const char *
hearth_preset_get_id (HearthPreset *self)
{
  g_return_val_if_fail (HEARTH_IS_PRESET (self), NULL);
  return self->id;
}

/** hearth_preset_get_name: Returns: (transfer none): the translated name */
const char *
hearth_preset_get_name (HearthPreset *self)
{
  g_return_val_if_fail (HEARTH_IS_PRESET (self), NULL);
  return self->name;
}

/** hearth_preset_get_description: Returns: (transfer none): the translated description */
const char *
hearth_preset_get_description (HearthPreset *self)
{
  g_return_val_if_fail (HEARTH_IS_PRESET (self), NULL);
  return self->description;
}

/** hearth_preset_get_icon_name: Returns: (transfer none) (nullable): a symbolic icon name */
const char *
hearth_preset_get_icon_name (HearthPreset *self)
{
  g_return_val_if_fail (HEARTH_IS_PRESET (self), NULL);
  return self->icon_name;
}

/** hearth_preset_get_os_family: Returns: (transfer none) (nullable): "linux", "winnt", … */
const char *
hearth_preset_get_os_family (HearthPreset *self)
{
  g_return_val_if_fail (HEARTH_IS_PRESET (self), NULL);
  return self->os_family;
}

/**
 * hearth_preset_get_suggested_os:
 *
 * Returns: (transfer none) (array zero-terminated=1): libosinfo ids of suitable
 *   OSes, best first
 */
const char * const *
hearth_preset_get_suggested_os (HearthPreset *self)
{
  g_return_val_if_fail (HEARTH_IS_PRESET (self), NULL);
  return (const char * const *) self->suggested_os;
}

/** hearth_preset_get_vcpus: Returns: the vCPUs the preset gives on a @tier host */
guint
hearth_preset_get_vcpus (HearthPreset  *self,
                         HearthHostTier tier)
{
  g_return_val_if_fail (HEARTH_IS_PRESET (self), 0);
  g_return_val_if_fail (tier < HEARTH_HOST_TIER_COUNT, 0);
  return self->vcpus[tier];
}

/** hearth_preset_get_memory: Returns: the memory in bytes on a @tier host */
guint64
hearth_preset_get_memory (HearthPreset  *self,
                          HearthHostTier tier)
{
  g_return_val_if_fail (HEARTH_IS_PRESET (self), 0);
  g_return_val_if_fail (tier < HEARTH_HOST_TIER_COUNT, 0);
  return self->memory[tier];
}

/** hearth_preset_get_disk_size: Returns: the disk size in bytes on a @tier host */
guint64
hearth_preset_get_disk_size (HearthPreset  *self,
                             HearthHostTier tier)
{
  g_return_val_if_fail (HEARTH_IS_PRESET (self), 0);
  g_return_val_if_fail (tier < HEARTH_HOST_TIER_COUNT, 0);
  return self->disk[tier];
}

/** hearth_preset_get_min_vcpus: Returns: the fewest vCPUs the purpose works with */
guint
hearth_preset_get_min_vcpus (HearthPreset *self)
{
  g_return_val_if_fail (HEARTH_IS_PRESET (self), 0);
  return self->min_vcpus;
}

/** hearth_preset_get_min_memory: Returns: the least memory (bytes) the purpose works with */
guint64
hearth_preset_get_min_memory (HearthPreset *self)
{
  g_return_val_if_fail (HEARTH_IS_PRESET (self), 0);
  return self->min_memory;
}

/* Chooses the floor for one resource: the purpose's minimum and the OS's
 * recommendation, falling back to the OS's minimum when the host cannot give the
 * recommendation. Returns FALSE when even that does not fit under @cap. */
static gboolean
choose_floor (guint64   purpose_min,
              guint64   os_recommended,
              guint64   os_minimum,
              guint64   cap,
              guint64  *floor_out,
              gboolean *below_recommended)
{
  guint64 wanted;

  /* A recommendation inherited from an older release can be below the minimum of
   * this one (Windows 11 over Windows 10). */
  os_recommended = MAX (os_recommended, os_minimum);
  wanted = MAX (purpose_min, os_recommended);

  if (cap == 0 || wanted <= cap)
    {
      *floor_out = wanted;
      return TRUE;
    }

  wanted = MAX (purpose_min, os_minimum);
  *floor_out = wanted;
  if (wanted <= cap)
    {
      *below_recommended = TRUE;
      return TRUE;
    }
  return FALSE;
}

/**
 * hearth_preset_size_for:
 * @self: a #HearthPreset
 * @host: the host
 * @os_id: (nullable): the libosinfo id of the OS, %NULL when unknown
 * @sizing: (out caller-allocates): the result
 * @error: return location for an error
 *
 * Sizes a machine for the purpose on @host:
 *
 * - the preset's sizes for the host's tier are the start;
 * - they are raised to the OS's recommended resources from libosinfo (its minimum
 *   when the host cannot give the recommendation, which @sizing reports) and to the
 *   purpose's own minimum;
 * - they are lowered to what the host can give one machine: 61.8 % (1/φ) of its
 *   threads and memory, and the free space where disks go.
 *
 * Firmware, Secure Boot and the TPM follow the preset, raised to what the OS needs
 * (Windows 11: UEFI, Secure Boot, TPM 2.0). 3D acceleration needs a host GPU.
 *
 * The OS database must be loaded when @os_id is given.
 *
 * Returns: %TRUE; %FALSE with %HEARTH_ERROR_UNSUPPORTED when the host is too small
 *   for the purpose (or the OS), %G_IO_ERROR_NO_SPACE when the disk cannot fit
 */
gboolean
hearth_preset_size_for (HearthPreset       *self,
                        HearthHostProfile  *host,
                        const char         *os_id,
                        HearthPresetSizing *sizing,
                        GError            **error)
{
  HearthOsRequirements req = { 0 };
  HearthHostTier tier;
  guint cap_vcpus;
  guint64 cap_memory;
  guint64 cap_disk;
  guint64 floor_vcpus = 0;
  guint64 floor_memory = 0;
  guint64 floor_disk = 0;
  gboolean below = FALSE;
  gboolean cpu_ok;
  gboolean memory_ok;

  g_return_val_if_fail (HEARTH_IS_PRESET (self), FALSE);
  g_return_val_if_fail (HEARTH_IS_HOST_PROFILE (host), FALSE);
  g_return_val_if_fail (sizing != NULL, FALSE);

  if (os_id != NULL)
    {
      HearthOsDatabase *db = hearth_os_database_get_default ();

      if (!hearth_os_database_is_loaded (db))
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_STATE,
                       "The OS database is not loaded yet");
          return FALSE;
        }
      hearth_os_catalog_get_requirements (db, os_id, &req);
    }

  memset (sizing, 0, sizeof *sizing);
  tier = hearth_host_profile_get_tier (host);
  cap_vcpus = hearth_golden_ratio_max_vcpus (hearth_host_profile_get_threads (host));
  cap_memory = hearth_golden_ratio_max_memory (hearth_host_profile_get_memory (host));
  cap_disk = hearth_host_profile_get_pool_free (host);

  cpu_ok = choose_floor (self->min_vcpus, req.rec_vcpus, req.min_vcpus, cap_vcpus, &floor_vcpus,
                         &below);
  memory_ok = choose_floor (self->min_memory, req.rec_memory, req.min_memory, cap_memory,
                            &floor_memory, &below);
  if (!cpu_ok || !memory_ok)
    {
      g_autofree char *need_memory = g_format_size_full (floor_memory, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *have_memory = g_format_size_full (cap_memory, G_FORMAT_SIZE_IEC_UNITS);

      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                   "This computer is too small for “%s”: it needs %" G_GUINT64_FORMAT
                   " vCPUs and %s of memory, and the host can give one machine %u vCPUs and "
                   "%s (61.8 %% of %u threads and of its memory)",
                   self->name, floor_vcpus, need_memory, cap_vcpus, have_memory,
                   hearth_host_profile_get_threads (host));
      return FALSE;
    }
  if (!choose_floor (0, req.rec_storage, req.min_storage, cap_disk, &floor_disk, &below))
    {
      g_autofree char *need = g_format_size_full (floor_disk, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *have = g_format_size_full (cap_disk, G_FORMAT_SIZE_IEC_UNITS);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   "Not enough disk space for “%s”: the OS needs %s, %s are free", self->name,
                   need, have);
      return FALSE;
    }

  sizing->tier = tier;
  sizing->below_recommended = below;

  sizing->vcpus = self->vcpus[tier];
  sizing->memory = self->memory[tier];
  sizing->disk_size = self->disk[tier];

  if (sizing->vcpus < floor_vcpus || sizing->memory < floor_memory
      || sizing->disk_size < floor_disk)
    sizing->raised_for_os = TRUE;
  sizing->vcpus = MAX (sizing->vcpus, (guint) floor_vcpus);
  sizing->memory = MAX (sizing->memory, floor_memory);
  sizing->disk_size = MAX (sizing->disk_size, floor_disk);

  if (sizing->vcpus > cap_vcpus || sizing->memory > cap_memory
      || (cap_disk > 0 && sizing->disk_size > cap_disk))
    sizing->capped_by_host = TRUE;
  sizing->vcpus = MIN (sizing->vcpus, cap_vcpus);
  sizing->memory = MIN (sizing->memory, cap_memory);
  if (cap_disk > 0)
    sizing->disk_size = MIN (sizing->disk_size, cap_disk / GIB * GIB);
  /* Whole MiB of memory and whole GiB of disk, as people read them. */
  sizing->memory = sizing->memory / MIB * MIB;
  sizing->disk_size = MAX (sizing->disk_size / GIB * GIB, floor_disk);

  sizing->secure_boot = self->secure_boot || req.needs_secure_boot;
  sizing->tpm = self->tpm || req.needs_tpm;
  if (self->firmware == HEARTH_FIRMWARE_UEFI || req.needs_uefi || sizing->secure_boot)
    sizing->firmware = HEARTH_FIRMWARE_UEFI;
  else
    sizing->firmware = HEARTH_FIRMWARE_BIOS;
  sizing->video = self->video;
  sizing->accel3d = self->accel3d[tier] && hearth_host_profile_get_gpus (host)[0] != NULL;
  sizing->network_zone = self->network_zone;
  sizing->sandbox = self->sandbox;

  return TRUE;
}

/**
 * hearth_preset_sizing_apply:
 * @sizing: a sizing from hearth_preset_size_for()
 * @spec: the spec to fill in
 *
 * Copies the sizes and settings into @spec; name, OS and media stay as they are.
 */
void
hearth_preset_sizing_apply (const HearthPresetSizing *sizing,
                            HearthMachineSpec        *spec)
{
  g_return_if_fail (sizing != NULL);
  g_return_if_fail (spec != NULL);

  spec->vcpus = sizing->vcpus;
  spec->memory = sizing->memory;
  spec->disk_size = sizing->disk_size;
  spec->firmware = sizing->firmware;
  spec->secure_boot = sizing->secure_boot;
  spec->tpm = sizing->tpm;
  spec->video = sizing->video;
  spec->accel3d = sizing->accel3d;
  spec->network_zone = sizing->network_zone;
  spec->sandbox = sizing->sandbox;
}
