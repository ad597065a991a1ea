#!/usr/bin/env bash
# The Debian bookworm guest the guest-boot tests (test/integration/guest-boot.test.ts) start under QEMU:
# cloud-init 22.4, openssh-server, ifupdown + resolvconf (cloud-init's ENI renderer; net-tools for the `route`
# lines it writes), the cloud kernel, and one
# test-only unit, osm-guest-report, that prints what the guest ended up with (instance-id, SSH host key
# fingerprints, addresses, routes, DNS, SMBIOS, ...) to the serial console once cloud-init's final stage is
# over, then powers the guest off. Built from Debian's packages with mmdebstrap (about 4 minutes), kept
# under ~/.cache/kubectl-openstack-migrate/guest-image-<hash of this script>/ and reused:
#   bash scripts/guest-image.sh ensure   # build unless cached; prints the directory
#   bash scripts/guest-image.sh dir      # the directory (may not exist yet)
# The directory holds vmlinuz, initrd.img and root.img (raw ext4, label osm-root; tests boot copy-on-write
# overlays of it, never the file itself).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${OSM_CACHE_DIR:-$HOME/.cache/kubectl-openstack-migrate}
hash=$(sha256sum "$here/guest-image.sh" | cut -c1-12)
dir="$cache/guest-image-$hash"

case "${1:-ensure}" in
  dir) echo "$dir"; exit 0 ;;
  ensure) ;;
  *) echo "usage: $0 ensure|dir" >&2; exit 2 ;;
esac
if [ -f "$dir/done" ]; then echo "$dir"; exit 0; fi
for tool in mmdebstrap mkfs.ext4; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing (apt-get install mmdebstrap e2fsprogs)" >&2; exit 1; }
done

mkdir -p "$cache"
exec 9>"$cache/guest-image.lock"
flock 9
if [ -f "$dir/done" ]; then echo "$dir"; exit 0; fi
work=$(mktemp -d "$cache/guest-image-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/root"

# The customize hook runs inside the new root file system (chroot) after the packages are installed.
cat > "$work/customize.sh" <<'HOOK'
#!/bin/sh
set -eu
root="$1"
# A golden image has no host keys and no machine id: cloud-init (ssh module) and systemd make them on the
# first boot of each instance, as in Debian's cloud images.
rm -f "$root"/etc/ssh/ssh_host_*
: > "$root/etc/machine-id"
echo localhost > "$root/etc/hostname"
printf 'auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n' > "$root/etc/network/interfaces"
printf 'LABEL=osm-root / ext4 rw,errors=remount-ro 0 1\n' > "$root/etc/fstab"
# CD-ROM and AHCI/IDE drivers in the initramfs, as in Debian's cloud images: a config drive on a CD-ROM (how
# Nova attaches it) is then visible when cloud-init's ds-identify looks for it, early in boot.
printf 'ata_piix\nahci\nsr_mod\ncdrom\nisofs\nvirtio_scsi\nsd_mod\n' >> "$root/etc/initramfs-tools/modules"
chroot "$root" update-initramfs -u -k all
# Faster first boots under TCG: no DSA/RSA host keys to make, no timers.
cat > "$root/etc/cloud/cloud.cfg.d/05-osm-test.cfg" <<'CFG'
ssh_genkeytypes: [ed25519, ecdsa]
locale: C.UTF-8
CFG
echo 'LANG=C.UTF-8' > "$root/etc/default/locale"
for t in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer dpkg-db-backup.timer; do
  chroot "$root" systemctl mask "$t" >/dev/null 2>&1 || true
done
cat > "$root/usr/local/sbin/osm-guest-report" <<'SCRIPT'
#!/bin/sh
# Test-only: what the guest ended up with, one "osm <key> <value>" line each, between markers.
out=/dev/ttyS0
{
  echo "osm-report-begin"
  cloud-init status --wait >/dev/null 2>&1 || true
  echo "osm instance-id $(cat /var/lib/cloud/data/instance-id 2>/dev/null)"
  echo "osm datasource $(cat /run/cloud-init/cloud-id 2>/dev/null) $(cloud-init query subplatform 2>/dev/null)"
  echo "osm status $(cloud-init status 2>/dev/null | tr '\n' ' ')"
  echo "osm errors $(python3 -c 'import json;d=json.load(open("/run/cloud-init/result.json"));print(json.dumps(d["v1"]["errors"]))' 2>/dev/null)"
  for k in /etc/ssh/ssh_host_*_key.pub; do [ -f "$k" ] && echo "osm hostkey $(ssh-keygen -lf "$k" | cut -d' ' -f2,4)"; done
  echo "osm hostname $(hostname)"
  echo "osm runcmd-marker $(cat /var/lib/osm-runcmd-marker 2>/dev/null | wc -l)"
  for f in /root/.ssh/authorized_keys /home/*/.ssh/authorized_keys; do
    [ -f "$f" ] && sed "s|^|osm authorized-key $f |" "$f"
  done
  for f in product_uuid sys_vendor product_name chassis_asset_tag; do echo "osm dmi-$f $(cat /sys/class/dmi/id/$f 2>/dev/null)"; done
  echo "osm addr $(ip -j addr)"
  echo "osm route4 $(ip -j -4 route show table all)"
  echo "osm route6 $(ip -j -6 route show table main)"
  grep '^nameserver' /etc/resolv.conf 2>/dev/null | sed 's/^/osm /'
  for f in /etc/network/interfaces.d/*; do [ -f "$f" ] && sed "s|^|osm eni |" "$f"; done
  for f in /run/resolvconf/interface/*; do [ -f "$f" ] && sed "s|^|osm resolvconf $(basename "$f") |" "$f"; done
  echo "osm-report-end"
} > "$out" 2>&1
SCRIPT
chmod 755 "$root/usr/local/sbin/osm-guest-report"
cat > "$root/etc/systemd/system/osm-guest-report.service" <<'UNIT'
[Unit]
Description=Test-only: print the guest's identity and network state to the serial console, then power off
After=cloud-final.service multi-user.target
Wants=cloud-final.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/osm-guest-report
ExecStartPost=/bin/systemctl --no-block poweroff
TimeoutStartSec=600

[Install]
WantedBy=multi-user.target
UNIT
chroot "$root" systemctl enable osm-guest-report.service
# The serial console is for the report; no login prompt in its way.
chroot "$root" systemctl mask serial-getty@ttyS0.service
HOOK
chmod 755 "$work/customize.sh"

echo "building the Debian bookworm guest image in $work (takes a few minutes)" >&2
mmdebstrap --variant=minbase --mode=root --format=directory \
  --include=systemd-sysv,udev,linux-image-cloud-amd64,initramfs-tools,cloud-init,openssh-server,ifupdown,isc-dhcp-client,resolvconf,net-tools,locales,iproute2,netbase,procps \
  --customize-hook="$work/customize.sh \"\$1\"" \
  bookworm "$root" http://deb.debian.org/debian >&2
mkdir -p "$work/out"
cp -L "$root"/boot/vmlinuz-* "$work/out/vmlinuz"
cp -L "$root"/boot/initrd.img-* "$work/out/initrd.img"
truncate -s 2G "$work/out/root.img"
mkfs.ext4 -q -L osm-root -d "$root" "$work/out/root.img"
rm -rf "$dir"
mv "$work/out" "$dir"
touch "$dir/done"
echo "$dir"
