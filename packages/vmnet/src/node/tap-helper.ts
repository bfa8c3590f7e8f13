/**
 * Host TAP devices through a helper process. Node cannot issue the
 * TUNSETIFF ioctl that attaches a file descriptor to a TAP interface, so a
 * privileged helper (socat) owns the TAP device and relays each frame as one
 * UDP datagram to a {@link UdpUplink}.
 *
 * @module
 */

/** What {@link socatTapCommand} bridges. */
export interface SocatTapOptions {
  /** Name of the TAP interface to create (1-15 characters, letters, digits, `_.-`). */
  readonly tapName: string;
  /** The UdpUplink's local port on 127.0.0.1. */
  readonly uplinkPort: number;
  /** The port socat sends from (the UdpUplink's `remotePort`). */
  readonly helperPort: number;
}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`${name} ${port} out of range 1..65535`);
}

/**
 * The argument vector of a socat process that creates TAP interface
 * `tapName` (up, no packet-info header) and relays its frames to and from a
 * UdpUplink bound to `127.0.0.1:uplinkPort`. Run it as root (or with
 * CAP_NET_ADMIN); the interface disappears when socat exits.
 * @throws RangeError for a bad interface name or port
 */
export function socatTapCommand(options: SocatTapOptions): string[] {
  if (!IFNAME.test(options.tapName)) throw new RangeError(`bad interface name ${JSON.stringify(options.tapName)}`);
  checkPort('uplinkPort', options.uplinkPort);
  checkPort('helperPort', options.helperPort);
  return [
    'socat',
    `TUN,tun-type=tap,tun-name=${options.tapName},iff-no-pi,iff-up`,
    `UDP:127.0.0.1:${options.uplinkPort},sourceport=${options.helperPort}`,
  ];
}
