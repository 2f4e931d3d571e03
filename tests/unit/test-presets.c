/* test-presets.c  SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "hearth-test-utils.h"

#define GIB (G_GUINT64_CONSTANT (1) << 30)
#define MIB (G_GUINT64_CONSTANT (1) << 20)

static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_os_database_load_finish (HEARTH_OS_DATABASE (source), result, &error));
  *(gboolean *) user_data = TRUE;
}

static void
ensure_os_database (void)
{
  HearthOsDatabase *db = hearth_os_database_get_default ();
  gboolean done = FALSE;

  if (hearth_os_database_is_loaded (db))
    return;
  hearth_os_database_load_async (db, NULL, load_cb, &done);
  g_assert_true (hearth_test_wait_flag (&done, 60000));
}

/* The ten purposes of DESIGN.md ship, each complete and growing with the tier. */
static void
test_shipped (void)
{
  static const char *ids[] = {
    "dev-cluster-node", "class-sandbox", "3d-modelling", "video-post-production",
    "audio-workstation", "game-engine", "remote-office", "home-server", "backup-appliance",
    "safe-sandbox",
  };
  GListModel *presets = hearth_preset_list_default ();

  g_assert_cmpuint (g_list_model_get_n_items (presets), ==, G_N_ELEMENTS (ids));
  g_assert_true (hearth_preset_list_default () == presets);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      HearthPreset *preset = hearth_preset_lookup (ids[i]);

      g_assert_nonnull (preset);
      g_assert_cmpstr (hearth_preset_get_id (preset), ==, ids[i]);
      g_assert_nonnull (hearth_preset_get_name (preset));
      g_assert_cmpuint (strlen (hearth_preset_get_description (preset)), >, 10);
      g_assert_nonnull (hearth_preset_get_icon_name (preset));
      g_assert_nonnull (hearth_preset_get_suggested_os (preset)[0]);
      for (int t = HEARTH_HOST_TIER_BASIC; t < HEARTH_HOST_TIER_COUNT; t++)
        {
          g_assert_cmpuint (hearth_preset_get_vcpus (preset, t), >=,
                            hearth_preset_get_vcpus (preset, t - 1));
          g_assert_cmpuint (hearth_preset_get_memory (preset, t), >=,
                            hearth_preset_get_memory (preset, t - 1));
          g_assert_cmpuint (hearth_preset_get_disk_size (preset, t), >=,
                            hearth_preset_get_disk_size (preset, t - 1));
        }
      g_assert_cmpuint (hearth_preset_get_min_vcpus (preset), <=,
                        hearth_preset_get_vcpus (preset, HEARTH_HOST_TIER_LIGHT));
    }

  /* Display order follows the files' Order keys. */
  {
    g_autoptr(HearthPreset) first = g_list_model_get_item (presets, 0);

    g_assert_cmpstr (hearth_preset_get_id (first), ==, "dev-cluster-node");
  }
  g_assert_null (hearth_preset_lookup ("no-such-preset"));
}

static const char *valid_preset =
  "[Hearth Preset]\n"
  "Name=Test purpose\n"
  "Name[zh_CN]=测试用途\n"
  "Comment=A purpose for tests\n"
  "Comment[zh_CN]=用于测试的用途\n"
  "Vcpus=1;2;4;8\n"
  "MemoryMiB=1024;2048;4096;8192\n"
  "DiskGiB=10;20;40;80\n"
  "Video=virtio\n"
  "NetworkZone=isolated\n"
  "Sandbox=true\n";

/* Names and descriptions come in the user's language (msgfmt --desktop merges the
 * translations as Name[zh_CN] keys). */
static void
test_translated (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthPreset) english = NULL;
  g_autoptr(HearthPreset) chinese = NULL;
  g_autofree char *old = g_strdup (g_getenv ("LANGUAGE"));

  g_setenv ("LANGUAGE", "en", TRUE);
  english = hearth_preset_new_from_data ("test", valid_preset, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hearth_preset_get_name (english), ==, "Test purpose");

  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  chinese = hearth_preset_new_from_data ("test", valid_preset, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hearth_preset_get_name (chinese), ==, "测试用途");
  g_assert_cmpstr (hearth_preset_get_description (chinese), ==, "用于测试的用途");

  /* The shipped files carry the zh_CN translations merged from po/zh_CN.po. */
  {
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(HearthPreset) shipped = NULL;

    hearth_preset_list_default ();  /* links and registers the resource */
    bytes = g_resources_lookup_data ("/org/hearthvm/Hearth/presets/safe-sandbox.preset", 0,
                                     &error);
    g_assert_no_error (error);
    shipped = hearth_preset_new_from_data ("safe-sandbox", g_bytes_get_data (bytes, NULL),
                                           &error);
    g_assert_no_error (error);
    g_assert_cmpstr (hearth_preset_get_name (shipped), ==, "安全沙盒");
  }

  if (old != NULL)
    g_setenv ("LANGUAGE", old, TRUE);
  else
    g_unsetenv ("LANGUAGE");
}

static void
test_invalid (void)
{
  static const struct
  {
    const char *from;
    const char *to;
  } edits[] = {
    { "Vcpus=1;2;4;8", "Vcpus=1;2;4" },            /* not one value per tier */
    { "Vcpus=1;2;4;8", "Vcpus=4;2;4;8" },          /* shrinks with the tier */
    { "DiskGiB=10;20;40;80", "DiskGiB=0;20;40;80" },
    { "Video=virtio", "Video=cirrus" },
    { "NetworkZone=isolated", "NetworkZone=internet" },
    { "Name=Test purpose\n", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      g_autoptr(GString) data = g_string_new (valid_preset);
      g_autoptr(GError) error = NULL;
      g_autoptr(HearthPreset) preset = NULL;

      g_string_replace (data, edits[i].from, edits[i].to, 1);
      preset = hearth_preset_new_from_data ("bad", data->str, &error);
      g_test_message ("edit %u: %s", i, error ? error->message : "(accepted)");
      g_assert_null (preset);
      g_assert_nonnull (error);
    }
}

typedef struct
{
  const char *label;
  guint threads;
  guint64 memory;
  guint64 pool_free;
  gboolean gpu;
} Host;

static const Host tiny = { "tiny", 2, 4 * GIB, 100 * GIB, FALSE };
static const Host light = { "light", 4, 8 * GIB, 200 * GIB, FALSE };
static const Host basic = { "basic", 8, 16 * GIB, 500 * GIB, FALSE };
static const Host basic_small_disk = { "basic, 30 GiB free", 8, 16 * GIB, 30 * GIB, FALSE };
static const Host pro = { "pro", 16, 32 * GIB, 1024 * GIB, TRUE };
static const Host pro_small_disk = { "pro, 300 GiB free", 16, 32 * GIB, 300 * GIB, FALSE };
static const Host enterprise = { "enterprise", 32, 64 * GIB, 4096 * GIB, TRUE };
static const Host enterprise_24 = { "enterprise, 24 threads", 24, 64 * GIB, 4096 * GIB, FALSE };

#define UBUNTU "http://ubuntu.com/ubuntu/22.04"
#define DEBIAN "http://debian.org/debian/11"
#define FEDORA "http://fedoraproject.org/fedora/37"
#define CENTOS "http://centos.org/centos-stream/9"
#define ALPINE "http://alpinelinux.org/alpinelinux/3.17"
#define WIN11 "http://microsoft.com/win/11"
#define LIGHT HEARTH_HOST_TIER_LIGHT
#define BASIC HEARTH_HOST_TIER_BASIC
#define PRO HEARTH_HOST_TIER_PRO
#define ENTERPRISE HEARTH_HOST_TIER_ENTERPRISE

enum
{
  RAISED = 1 << 0,
  BELOW = 1 << 1,
  CAPPED = 1 << 2,
  UEFI = 1 << 3,
  TPM = 1 << 4,
  ACCEL = 1 << 5,
};

/*
 * The sizing rules on synthetic hosts, worked out by hand from data/presets, the
 * 1/φ cap (tiny: 1 vCPU / 2531 MiB; light: 2 / 5062; basic: 4 / 10125;
 * pro: 9 / 20251; enterprise: 19 / 40503; 24 threads: 14) and osinfo-db's
 * resources (Ubuntu 22.04 recommends 4096 MiB and 25 GiB, needs 2048 MiB;
 * Windows 11 needs 2 CPUs, 4096 MiB, 64 GiB).
 */
static void
test_sizing (void)
{
  static const struct
  {
    const Host *host;
    const char *preset;
    const char *os;
    guint vcpus;
    guint64 memory_mib;
    guint64 disk_gib;
    guint flags;
    HearthHostTier tier;
  } cases[] = {
    { &light, "class-sandbox", UBUNTU, 1, 4096, 25, RAISED, LIGHT },
    { &light, "home-server", NULL, 1, 1024, 20, 0, LIGHT },
    { &light, "3d-modelling", NULL, 2, 4096, 40, 0, LIGHT },
    { &light, "remote-office", WIN11, 2, 4096, 64, UEFI | TPM, LIGHT },
    { &tiny, "class-sandbox", UBUNTU, 1, 2048, 25, RAISED | BELOW, LIGHT },
    { &tiny, "safe-sandbox", ALPINE, 1, 2048, 20, 0, LIGHT },
    { &basic, "dev-cluster-node", CENTOS, 2, 2048, 30, 0, BASIC },
    { &basic, "video-post-production", FEDORA, 4, 8192, 100, 0, BASIC },
    { &basic, "class-sandbox", WIN11, 2, 4096, 64, RAISED | UEFI | TPM, BASIC },
    { &pro, "video-post-production", NULL, 8, 16384, 200, ACCEL, PRO },
    { &pro, "3d-modelling", DEBIAN, 6, 12288, 100, ACCEL, PRO },
    { &pro_small_disk, "backup-appliance", NULL, 2, 2048, 300, CAPPED, PRO },
    { &pro_small_disk, "3d-modelling", NULL, 6, 12288, 100, 0, PRO },
    { &enterprise, "video-post-production", NULL, 16, 32768, 500, ACCEL, ENTERPRISE },
    { &enterprise, "game-engine", UBUNTU, 12, 24576, 250, ACCEL, ENTERPRISE },
    { &enterprise_24, "video-post-production", NULL, 14, 32768, 500, CAPPED, ENTERPRISE },
  };

  ensure_os_database ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(HearthHostProfile) host = hearth_host_profile_new (cases[i].host->threads,
                                                                   cases[i].host->threads / 2,
                                                                   cases[i].host->memory,
                                                                   cases[i].host->pool_free);
      HearthPreset *preset = hearth_preset_lookup (cases[i].preset);
      g_autoptr(GError) error = NULL;
      HearthPresetSizing sizing;
      HearthGoldenVerdict verdict;
      const char *gpus[] = { "Test GPU", NULL };

      if (cases[i].host->gpu)
        hearth_host_profile_set_gpus (host, gpus);

      g_test_message ("%s on %s host with %s", cases[i].preset, cases[i].host->label,
                      cases[i].os ? cases[i].os : "no OS");
      g_assert_nonnull (preset);
      g_assert_true (hearth_preset_size_for (preset, host, cases[i].os, &sizing, &error));
      g_assert_no_error (error);

      g_assert_cmpint (sizing.tier, ==, cases[i].tier);
      g_assert_cmpuint (sizing.vcpus, ==, cases[i].vcpus);
      g_assert_cmpuint (sizing.memory, ==, cases[i].memory_mib * MIB);
      g_assert_cmpuint (sizing.disk_size, ==, cases[i].disk_gib * GIB);
      g_assert_cmpint (sizing.raised_for_os, ==, !!(cases[i].flags & RAISED));
      g_assert_cmpint (sizing.below_recommended, ==, !!(cases[i].flags & BELOW));
      g_assert_cmpint (sizing.capped_by_host, ==, !!(cases[i].flags & CAPPED));
      g_assert_cmpint (sizing.firmware == HEARTH_FIRMWARE_UEFI, ==, !!(cases[i].flags & UEFI));
      g_assert_cmpint (sizing.secure_boot, ==, !!(cases[i].flags & TPM));
      g_assert_cmpint (sizing.tpm, ==, !!(cases[i].flags & TPM));
      g_assert_cmpint (sizing.accel3d, ==, !!(cases[i].flags & ACCEL));

      /* A sized machine alone on its host never breaks the golden ratio. */
      hearth_golden_ratio_check (host, NULL, NULL, sizing.vcpus, sizing.memory, &verdict);
      g_assert_cmpint (verdict.fit, !=, HEARTH_GOLDEN_FIT_OVER);
    }
}

/* Hosts too small for a purpose get a clear error, not a machine that cannot work. */
static void
test_too_small (void)
{
  static const struct
  {
    const Host *host;
    const char *preset;
    const char *os;
    GQuark domain;
    int code;
  } cases[] = {
    { &tiny, "3d-modelling", NULL, 0, HEARTH_ERROR_UNSUPPORTED },
    { &tiny, "remote-office", WIN11, 0, HEARTH_ERROR_UNSUPPORTED },
    { &tiny, "class-sandbox", WIN11, 0, HEARTH_ERROR_UNSUPPORTED },
    { &basic_small_disk, "remote-office", WIN11, 1, G_IO_ERROR_NO_SPACE },
  };

  ensure_os_database ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(HearthHostProfile) host = hearth_host_profile_new (cases[i].host->threads,
                                                                   cases[i].host->threads / 2,
                                                                   cases[i].host->memory,
                                                                   cases[i].host->pool_free);
      g_autoptr(GError) error = NULL;
      HearthPresetSizing sizing;
      GQuark domain;

      g_assert_false (hearth_preset_size_for (hearth_preset_lookup (cases[i].preset), host,
                                              cases[i].os, &sizing, &error));
      g_test_message ("%s", error->message);
      domain = cases[i].domain ? G_IO_ERROR : HEARTH_ERROR;
      g_assert_error (error, domain, cases[i].code);
      g_assert_nonnull (strstr (error->message,
                                hearth_preset_get_name (hearth_preset_lookup (cases[i].preset))));
    }
}

static void
test_apply (void)
{
  g_autoptr(HearthHostProfile) host = hearth_host_profile_new (8, 4, 16 * GIB, 0);
  g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("Sandbox");
  g_autoptr(GError) error = NULL;
  HearthPresetSizing sizing;

  g_assert_true (hearth_preset_size_for (hearth_preset_lookup ("safe-sandbox"), host, NULL,
                                         &sizing, &error));
  hearth_preset_sizing_apply (&sizing, spec);
  g_assert_cmpuint (spec->vcpus, ==, sizing.vcpus);
  g_assert_cmpuint (spec->memory, ==, sizing.memory);
  g_assert_cmpuint (spec->disk_size, ==, sizing.disk_size);
  g_assert_cmpint (spec->network_zone, ==, HEARTH_NETWORK_ZONE_ISOLATED);
  g_assert_true (spec->sandbox);
  g_assert_cmpstr (spec->name, ==, "Sandbox");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_test_init_core ();

  g_test_add_func ("/core/presets/shipped", test_shipped);
  g_test_add_func ("/core/presets/translated", test_translated);
  g_test_add_func ("/core/presets/invalid", test_invalid);
  g_test_add_func ("/core/presets/sizing", test_sizing);
  g_test_add_func ("/core/presets/too-small", test_too_small);
  g_test_add_func ("/core/presets/apply", test_apply);

  return g_test_run ();
}
