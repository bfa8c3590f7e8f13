/**
 * The guest's /init and the test scripts baked into the initramfs. A test
 * is chosen on the kernel command line with `vmtest=<name>`; modules listed
 * in `vmmods=a,b` are loaded first. Every line the harness waits for starts
 * with `VM-`.
 *
 * @module
 */

/** The line /init prints once the system is up (followed by ` uptime=<s>`). */
export const READY_MARKER = 'VM-GUEST-READY';
/** The line /init prints after a test script (` name=<n> status=<code> uptime=<s>`). */
export const TEST_DONE_MARKER = 'VM-TEST-DONE';

/** /init: mount the kernel file systems, load modules, report ready, run a test or a shell, power off. */
export const INIT_SCRIPT = `#!/bin/sh
# /init of the vm test guest (busybox ash).
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || mdev -s
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /tmp
hostname vmguest

VMTEST=
VMMODS=
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    vmtest=*) VMTEST=\${arg#vmtest=} ;;
    vmmods=*) VMMODS=\${arg#vmmods=} ;;
  esac
done

for m in $(echo "$VMMODS" | tr ',' ' '); do
  modprobe "$m" || echo "VM-MODPROBE-FAILED $m"
done

read up idle < /proc/uptime
echo "${READY_MARKER} uptime=$up"

if [ -n "$VMTEST" ]; then
  case "$VMTEST" in
    *[!A-Za-z0-9_-]*) status=2; echo "VM-TEST-MISSING bad name" ;;
    *)
      if [ -f "/vmtest/$VMTEST.sh" ]; then
        sh "/vmtest/$VMTEST.sh"
        status=$?
      else
        echo "VM-TEST-MISSING $VMTEST (have: $(cd /vmtest && ls | sed 's/[.]sh$//' | tr '\\n' ' '))"
        status=127
      fi
      ;;
  esac
  read up idle < /proc/uptime
  echo "${TEST_DONE_MARKER} name=$VMTEST status=$status uptime=$up"
  sync
  poweroff -f
fi

echo "vm guest: interactive shell; exit to power off"
setsid cttyhack sh -l
poweroff -f
`;

/** Helper shell function shared by the timed scripts: /proc/uptime in centiseconds. */
const CENTISECONDS = `# uptime in centiseconds (/proc/uptime has two decimals; "1$f - 100" avoids octal)
cs() { read u rest < /proc/uptime; i=\${u%.*}; f=\${u#*.}; echo $(( i * 100 + 1$f - 100 )); }
`;

/**
 * The benchmark workload shared with the peers (PEERS.md): sha256 of 8 MiB
 * of zeros, a 200,000-step shell loop, gzip of `seq 1 1000000`, each timed
 * with /proc/uptime inside the guest. Prints the digest, `VM-LOOP-DONE`, the gzip
 * size, then `VM-WORKLOAD loop_i= sha256_cs= loop_cs= gzip_cs= total_cs=`.
 */
export const WORKLOAD_SCRIPT = `#!/bin/sh
${CENTISECONDS}
t0=$(cs)
dd if=/dev/zero bs=1M count=8 2>/dev/null | sha256sum
t1=$(cs)
i=0
while [ $i -lt 200000 ]; do i=$((i+1)); done
t2=$(cs)
# a line between the loop and gzip, so a host watching the console can time both
echo "VM-LOOP-DONE i=$i"
seq 1 1000000 | gzip -c | wc -c
t3=$(cs)
echo "VM-WORKLOAD loop_i=$i sha256_cs=$((t1-t0)) loop_cs=$((t2-t1)) gzip_cs=$((t3-t2)) total_cs=$((t3-t0))"
`;

/** The selectable test scripts: name -> script text (installed as /vmtest/<name>.sh). */
export const TEST_SCRIPTS: Readonly<Record<string, string>> = {
  hello: `#!/bin/sh
echo "VM-HELLO kernel=$(uname -r) machine=$(uname -m) cpus=$(grep -c ^processor /proc/cpuinfo)"
grep -m1 'model name' /proc/cpuinfo
grep -E 'MemTotal|MemFree' /proc/meminfo
`,
  workload: WORKLOAD_SCRIPT,
  modules: `#!/bin/sh
# Load every module shipped in the initramfs and list what loaded.
# A driver whose device is absent (vmw_balloon off VMware) fails with ENODEV: not a failure.
failed=0
nodev=0
for m in $(sed -e 's/:.*//' -e 's#.*/##' -e 's/[.]ko$//' /lib/modules/$(uname -r)/modules.dep); do
  if ! modprobe "$m" 2>/tmp/modprobe.err; then
    if grep -q 'No such device' /tmp/modprobe.err; then
      echo "VM-MODULE-NODEV $m"; nodev=$((nodev+1))
    else
      cat /tmp/modprobe.err; echo "VM-MODPROBE-FAILED $m"; failed=$((failed+1))
    fi
  fi
done
lsmod
echo "VM-MODULES loaded=$(lsmod | tail -n +2 | wc -l) nodev=$nodev failed=$failed"
[ $failed -eq 0 ]
`,
  firmware: `#!/bin/sh
# What the firmware told the kernel, printed from user space (the tty driver
# never drops characters, unlike the polled early console): the kernel log
# lines about the memory map, MP and ACPI tables and PCI roots, the ACPI
# tables the kernel kept, the firmware memory map and the DMI (SMBIOS) identity.
dmesg | grep -E 'e820|MP-table|ACPI|IOAPIC|INT_SRC_OVR|LAPIC|PCI Root|root bus resource|pci 0000|DMI|SMBIOS' | sed 's/^/VM-DMESG /'
for t in /sys/firmware/acpi/tables/*; do [ -f "$t" ] && echo "VM-ACPI-TABLE $(basename $t) $(wc -c < $t)"; done
for m in /sys/firmware/memmap/*; do [ -d "$m" ] && echo "VM-MEMMAP $(cat $m/start) $(cat $m/end) $(cat $m/type)"; done
for f in bios_vendor sys_vendor product_name product_serial; do
  [ -r /sys/class/dmi/id/$f ] && echo "VM-DMI $f=$(cat /sys/class/dmi/id/$f)"
done
`,
  scsi: `#!/bin/sh
# SCSI disks: load the HBA drivers given in vmmods= (or all shipped ones), then
# report each disk's size and a digest of its first MiB.
[ -n "$(lsmod | grep -E '^(mptspi|BusLogic) ')" ] || for m in mptspi BusLogic; do modprobe $m 2>/dev/null; done
modprobe sd_mod
sleep 1
cat /proc/scsi/scsi
n=0
for b in /sys/block/sd*; do
  [ -e "$b" ] || continue
  d=$(basename $b)
  echo "VM-SCSI-DISK $d sectors=$(cat $b/size) model=$(cat $b/device/model | tr -d ' ') sha256_1m=$(head -c 1048576 /dev/$d | sha256sum | cut -d' ' -f1)"
  n=$((n+1))
done
echo "VM-SCSI disks=$n"
`,
  net: `#!/bin/sh
# Network: vmip=<addr/len> on the first Ethernet interface, then ping vmpeer=<addr>.
VMIP=10.0.2.15/24
VMPEER=
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    vmip=*) VMIP=\${arg#vmip=} ;;
    vmpeer=*) VMPEER=\${arg#vmpeer=} ;;
  esac
done
IF=
for n in /sys/class/net/*; do
  i=$(basename $n)
  [ "$i" = lo ] && continue
  IF=$i
  break
done
[ -n "$IF" ] || { echo "VM-NET no interface"; exit 1; }
ip link set lo up
ip link set "$IF" up
ip addr add "$VMIP" dev "$IF"
sleep 1
echo "VM-NET if=$IF mac=$(cat /sys/class/net/$IF/address) ip=$VMIP carrier=$(cat /sys/class/net/$IF/carrier 2>/dev/null)"
if [ -n "$VMPEER" ]; then
  ping -c 3 -W 2 "$VMPEER"
  status=$?
  echo "VM-NET-PING peer=$VMPEER status=$status"
  exit $status
fi
`,
  devices: `#!/bin/sh
# What the guest sees: PCI functions, SCSI disks, network interfaces (brought
# up, so NIC drivers request their interrupts), and the interrupt counts.
for d in /sys/bus/pci/devices/*; do
  [ -e "$d" ] && echo "VM-PCI $(basename $d) $(cat $d/vendor):$(cat $d/device) class=$(cat $d/class) irq=$(cat $d/irq)"
done
cat /proc/partitions
for n in /sys/class/net/*; do
  i=$(basename $n)
  [ "$i" = lo ] && continue
  ip link set "$i" up && echo "VM-NET-UP $i $(cat $n/address)"
done
sleep 1
ip link 2>/dev/null
grep -E '^ *[0-9]+:' /proc/interrupts | sed 's/^/VM-IRQ /'
`,
};

/** The busybox applets /init and the test scripts call; the build checks the binary has them. */
export const REQUIRED_APPLETS = [
  'sh', 'mount', 'mkdir', 'cat', 'tr', 'echo', 'modprobe', 'poweroff', 'setsid', 'cttyhack', 'sync',
  'hostname', 'ls', 'sed', 'dd', 'sha256sum', 'seq', 'gzip', 'wc', 'grep', 'lsmod', 'uname', 'tail', 'mdev',
] as const;
