#!/bin/sh
# build-guest.sh  SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds the tiny Hearth test guest from Debian packages, without network:
#   OUTDIR/vmlinuz     the newest kernel in /boot that has /lib/modules/<ver>
#                      (a bzImage: UEFI direct kernel boot needs its EFI stub)
#   OUTDIR/vmlinux     the same kernel, decompressed, for BIOS machines: QEMU
#                      starts an ELF kernel with a PVH note directly, which
#                      skips decompressing XZ under TCG (about 3 s here). When
#                      the kernel has no PVH entry or an unknown compression,
#                      this is a copy of vmlinuz, which boots too, only slower.
#   OUTDIR/initrd.img  busybox-static, the guest's /init, the kernel modules
#                      it needs (cpio newc, gzip) and, when given, the test
#                      suite's SPICE agent as /bin/hearth-test-agent
#
# Usage: build-guest.sh OUTDIR [INIT [AGENT]]
# INIT defaults to the "init" file next to this script. AGENT is a static
# hearth-test-agent (tests/guest/hearth-test-agent.c); /init starts it when
# the kernel command line has hearth.agent=1.
set -eu

if [ $# -lt 1 ]; then
  echo "usage: $0 OUTDIR [INIT [AGENT]]" >&2
  exit 2
fi

outdir=$1
here=$(cd "$(dirname "$0")" && pwd)
init=${2:-$here/init}
agent=${3:-}
busybox=${HEARTH_GUEST_BUSYBOX:-/bin/busybox}

# Modules the guest loads (dependencies are added from modules.dep):
# PS/2 mouse, evdev, the ACPI power button, a USB tablet on any of the usual
# host controllers, and virtio for disks, the balloon (memory stats) and the
# SPICE channel's virtio-serial, and the QXL DRM driver: a PVH boot has no
# VGA text console (no screen_info), so the console is fbcon on qxldrmfb.
# The 8250 serial port, the i8042 keyboard controller, mousedev, fbcon and
# vgacon are built in.
wanted_modules="psmouse evdev button
  usbhid hid-generic xhci-pci ehci-pci uhci-hcd
  virtio_pci virtio_blk virtio_balloon virtio_console
  qxl"

# Loaded only with hearth.sound=1 (HEARTH_TEST_GUEST_SOUND): the AC97 sound
# card's driver (simpler than Intel HDA, whose codec probing times out under
# TCG) and the OSS emulation, so the guest plays and records with plain writes
# and reads of /dev/dsp.
sound_modules="snd-intel8x0 snd-pcm-oss"

die ()
{
  echo "build-guest.sh: $*" >&2
  exit 1
}

[ -x "$busybox" ] || die "$busybox not found (install busybox-static)"
[ -r "$init" ] || die "$init not found"
if [ -n "$agent" ]; then
  [ -r "$agent" ] || die "$agent not found"
  if file -L "$agent" 2>/dev/null | grep -q 'dynamically linked'; then
    die "$agent is dynamically linked (the guest has no C library)"
  fi
fi
if ! "$busybox" --list | grep -qx insmod; then
  die "$busybox has no insmod applet"
fi
if file -L "$busybox" 2>/dev/null | grep -q 'dynamically linked'; then
  die "$busybox is dynamically linked (install busybox-static)"
fi

# The newest kernel whose modules are installed (version sort).
kver=
for k in /boot/vmlinuz-*; do
  [ -e "$k" ] || continue
  v=${k#/boot/vmlinuz-}
  [ -d "/lib/modules/$v" ] || continue
  kver="$kver$v
"
done
kver=$(printf '%s' "$kver" | sort -V | tail -n 1)
[ -n "$kver" ] || die "no /boot/vmlinuz-* with /lib/modules/<version> (install linux-image-amd64)"
kernel=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
[ -r "$kernel" ] || die "$kernel is not readable"
[ -r "$moddir/modules.dep" ] || die "$moddir/modules.dep is missing"

mkdir -p "$outdir"
work=$(mktemp -d "${TMPDIR:-/tmp}/hearth-guest.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
root=$work/root
mkdir -p "$root/bin" "$root/sbin" "$root/etc" "$root/proc" "$root/sys" \
         "$root/dev" "$root/tmp" "$root/run" "$root/root" "$root/lib/modules"

# Resolves one module name to its modules.dep line ("path: deps...").
# Names match with '-' and '_' treated alike, as modprobe does.
dep_line ()
{
  pattern=$(printf '%s' "$1" | sed 's/[-_]/[-_]/g')
  grep -E "(^|/)${pattern}\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" | head -n 1
}

# Appends a module path and, before it, its dependencies to $order.
# modules.dep lists every (transitive) dependency of a module; the last one
# must be loaded first, so walk them recursively.
order=$work/order
: > "$order"
add_module ()
{
  line=$(dep_line "$1")
  [ -n "$line" ] || die "module $1 not found in $moddir"
  add_path "${line%%:*}"
}

add_path ()
{
  # Recursion in sh shares variables, so the module stays in "$1" (positional
  # parameters are per call) and its dependencies follow it.
  if grep -qx "$1" "$order"; then
    return 0
  fi
  set -- "$1" $(grep -E "^$(printf '%s' "$1" | sed 's/[.]/[.]/g'):" "$moddir/modules.dep" | cut -d: -f2)
  for dep in "$@"; do
    [ "$dep" = "$1" ] || add_path "$dep"
  done
  grep -qx "$1" "$order" || echo "$1" >> "$order"
}

for m in $wanted_modules; do
  add_module "$m"
done

# The sound modules the base set does not already load, in load order.
cp "$work/order" "$work/order-all"
order=$work/order-all
for m in $sound_modules; do
  # A kernel without them still makes a guest; only its sound test fails.
  if [ -n "$(dep_line "$m")" ]; then
    add_module "$m"
  else
    echo "build-guest.sh: no $m module: the guest will have no sound" >&2
  fi
done
grep -vxF -f "$work/order" "$work/order-all" > "$work/order-sound" || true

# Copy (and decompress) the modules; /etc/modules.order (and .sound) have base
# names in load order.
copy_modules ()
{
  : > "$2"
  while read -r path; do
    src=$moddir/$path
    base=$(basename "$path")
    case $base in
      *.ko.xz)  xz -dc "$src" > "$root/lib/modules/${base%.xz}"; base=${base%.xz} ;;
      *.ko.zst) zstd -qdc "$src" > "$root/lib/modules/${base%.zst}"; base=${base%.zst} ;;
      *.ko.gz)  gzip -dc "$src" > "$root/lib/modules/${base%.gz}"; base=${base%.gz} ;;
      *)        cp "$src" "$root/lib/modules/$base" ;;
    esac
    echo "$base" >> "$2"
  done < "$1"
}
copy_modules "$work/order" "$root/etc/modules.order"
copy_modules "$work/order-sound" "$root/etc/modules.sound"

cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] && continue
  ln -s busybox "$root/bin/$applet"
done
for applet in insmod poweroff reboot halt; do
  ln -sf ../bin/busybox "$root/sbin/$applet"
done
cp "$init" "$root/init"
chmod 755 "$root/init"
if [ -n "$agent" ]; then
  cp "$agent" "$root/bin/hearth-test-agent"
  chmod 755 "$root/bin/hearth-test-agent"
fi
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
cat > "$root/etc/profile" <<'PROFILE'
export PATH=/bin:/sbin HOME=/root PS1='hearth-guest# '
PROFILE
echo "$kver" > "$root/etc/hearth-guest-kernel"

# Deterministic archive: sorted names, fixed owners and times.
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
   cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -n -6 > "$work/initrd.img"

# Extract the compressed payload of the bzImage: the boot protocol header has
# setup_sects at 0x1f1 and payload_offset/payload_length at 0x248/0x24c.
extract_vmlinux ()
{
  grep -qx 'CONFIG_PVH=y' "/boot/config-$kver" 2>/dev/null || return 1
  setup_sects=$(od -An -tu1 -j 497 -N 1 "$kernel" | tr -d ' ')
  [ "$setup_sects" -eq 0 ] && setup_sects=4
  payload_offset=$(od -An -tu4 -j 584 -N 4 "$kernel" | tr -d ' ')
  payload_length=$(od -An -tu4 -j 588 -N 4 "$kernel" | tr -d ' ')
  start=$(( (setup_sects + 1) * 512 + payload_offset ))
  tail -c +$((start + 1)) "$kernel" | head -c "$payload_length" > "$work/payload"
  case $(od -An -tx1 -N 4 "$work/payload" | tr -d ' ') in
    fd377a58) xz -dc --single-stream < "$work/payload" > "$1" 2>/dev/null ;;
    28b52ffd) zstd -qdc < "$work/payload" > "$1" 2>/dev/null ;;
    1f8b*)    gzip -dc < "$work/payload" > "$1" 2>/dev/null ;;
    *)        return 1 ;;
  esac
  # The relocation table appended to vmlinux.bin makes decompressors report
  # trailing data; what counts is an ELF image.
  [ "$(od -An -c -j 1 -N 3 "$1" | tr -d ' ')" = ELF ]
}

cp "$kernel" "$work/vmlinuz"
if extract_vmlinux "$work/vmlinux"; then
  kind="PVH ELF"
else
  cp "$kernel" "$work/vmlinux"
  kind="bzImage copy"
fi
mv -f "$work/vmlinuz" "$outdir/vmlinuz"
mv -f "$work/vmlinux" "$outdir/vmlinux"
mv -f "$work/initrd.img" "$outdir/initrd.img"
echo "build-guest.sh: kernel $kver (vmlinux: $kind), $(wc -l < "$root/etc/modules.order") modules"
