#!/bin/bash
# check-potfiles.sh  SPDX-License-Identifier: GPL-3.0-or-later
#
# Fails when a source file with translatable strings is missing from
# po/POTFILES.in, or when POTFILES.in names a file that does not exist.
# Usage: check-potfiles.sh [SOURCE_ROOT]
set -u

srcroot=${1:-$(dirname "$0")/..}
cd "$srcroot" || exit 2
potfiles=po/POTFILES.in

if [[ ! -f $potfiles ]]; then
  echo "check-potfiles: $potfiles not found" >&2
  exit 1
fi

# The files POTFILES.in lists, without comments and blank lines.
listed=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$potfiles")

# C: the gettext macros of <glib/gi18n.h>, with or without a space before the
# parenthesis. Comments are not stripped, so a commented-out _("…") counts too;
# listing such a file is harmless.
c_pattern='(^|[^A-Za-z0-9_])(_|N_|C_|NC_|Q_|g_dngettext|g_dpgettext2|ngettext)[[:space:]]*\("'
ui_pattern='translatable="(yes|true|1)"'

candidates=$(
  {
    find src -type f \( -name '*.c' -o -name '*.h' \) -print0 2>/dev/null |
      xargs -0 -r grep -lE "$c_pattern"
    find ui src -type f -name '*.ui' -print0 2>/dev/null |
      xargs -0 -r grep -lE "$ui_pattern"
    # Desktop entries, metainfo and schemas always carry translatable text.
    find data -type f \( -name '*.desktop.in' -o -name '*.desktop.in.in' \
                      -o -name '*.metainfo.xml.in' -o -name '*.metainfo.xml.in.in' \
                      -o -name '*.gschema.xml' \) 2>/dev/null
  } | sed 's|^\./||' | LC_ALL=C sort -u
)

status=0

missing=$(LC_ALL=C comm -23 <(printf '%s\n' "$candidates" | sed '/^$/d') \
                            <(printf '%s\n' "$listed" | LC_ALL=C sort -u))
if [[ -n $missing ]]; then
  echo "These files have translatable strings but are missing from $potfiles:" >&2
  # shellcheck disable=SC2001  # prefix every line
  sed 's/^/  /' <<< "$missing" >&2
  status=1
fi

while read -r f; do
  [[ -z $f ]] && continue
  if [[ ! -f $f ]]; then
    echo "$potfiles lists $f, which does not exist" >&2
    status=1
  fi
done <<< "$listed"

# Order is a convention, not a correctness problem: warn only, so an append by
# someone else never breaks the build.
if [[ $(printf '%s\n' "$listed") != $(printf '%s\n' "$listed" | LC_ALL=C sort) ]]; then
  echo "warning: $potfiles is not sorted (LC_ALL=C sort)" >&2
fi

if [[ $status -eq 0 ]]; then
  echo "$potfiles lists all $(printf '%s\n' "$candidates" | sed '/^$/d' | wc -l) files with translatable strings"
fi
exit $status
