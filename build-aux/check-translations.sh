#!/bin/bash
# check-translations.sh  SPDX-License-Identifier: GPL-3.0-or-later
#
# Extracts a fresh template from the sources listed in po/POTFILES.in (into a
# temporary directory; the source tree is never modified), merges the given
# language's .po file with it, and fails on any untranslated or fuzzy message
# and on any format error.
# Usage: check-translations.sh SOURCE_ROOT LANG [PACKAGE]
set -u

srcroot=$(cd "${1:?usage: check-translations.sh SOURCE_ROOT LANG [PACKAGE]}" && pwd) || exit 2
lang=${2:?usage: check-translations.sh SOURCE_ROOT LANG [PACKAGE]}
package=${3:-hearth}
po="$srcroot/po/$lang.po"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hearth-po.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

if [[ ! -f $po ]]; then
  echo "check-translations: $po not found" >&2
  exit 1
fi

# The keywords and flags of meson's i18n 'glib' preset (po/meson.build uses it),
# so this template is the one `meson compile hearth-pot` would write.
# shellcheck disable=SC2054  # the commas belong to xgettext keyword specs
xgettext_args=(
  --package-name="$package" --from-code=UTF-8 --add-comments -k_
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format
  --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format
  --flag=g_print:1:c-format --flag=g_printerr:1:c-format --flag=g_printf:1:c-format
  --flag=g_fprintf:2:c-format --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format
)

if ! xgettext "${xgettext_args[@]}" -D "$srcroot" -f "$srcroot/po/POTFILES.in" \
       -o "$tmp/$package.pot"; then
  echo "check-translations: xgettext failed" >&2
  exit 1
fi

status=0

if ! msgfmt --check --check-format -o /dev/null "$po"; then
  echo "check-translations: $lang.po has errors (msgfmt --check)" >&2
  status=1
fi

if ! msgmerge --quiet --no-wrap -o "$tmp/$lang.po" "$po" "$tmp/$package.pot"; then
  echo "check-translations: msgmerge failed" >&2
  exit 1
fi

# msgattrib prints the header entry too whenever it prints anything.
count_entries ()
{
  msgattrib "$@" --no-obsolete --no-wrap "$tmp/$lang.po" |
    awk '/^msgid / { n++ } END { print (n > 0 ? n - 1 : 0) }'
}
untranslated=$(count_entries --untranslated)
fuzzy=$(count_entries --only-fuzzy)
total=$(grep -c '^msgid ' "$tmp/$package.pot")
total=$((total - 1))

if [[ $untranslated -gt 0 ]]; then
  echo "$lang: $untranslated of $total messages are not translated:" >&2
  msgattrib --untranslated --no-obsolete --no-wrap --no-location "$tmp/$lang.po" |
    grep '^msgid ' | tail -n +2 | sed 's/^/  /' >&2
  status=1
fi

if [[ $fuzzy -gt 0 ]]; then
  echo "$lang: $fuzzy of $total messages are fuzzy (changed since translated):" >&2
  msgattrib --only-fuzzy --no-obsolete --no-wrap --no-location "$tmp/$lang.po" |
    grep '^msgid ' | tail -n +2 | sed 's/^/  /' >&2
  status=1
fi

if [[ $status -eq 0 ]]; then
  echo "$lang: all $total messages translated"
fi
exit $status
