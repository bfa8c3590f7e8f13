/**
 * Port security policy, as on an ESX virtual switch port group.
 *
 * @module
 */

/** What a port is allowed to do. */
export interface PortPolicy {
  /**
   * May the port enter promiscuous mode (see every frame on the VMnet)?
   * When false, a promiscuous request is remembered but has no effect.
   */
  readonly allowPromiscuous: boolean;
  /**
   * May the NIC send frames whose source MAC differs from the port's
   * effective MAC? When false such frames are dropped (`forgedTransmit`).
   */
  readonly allowForgedTransmits: boolean;
  /**
   * May the guest change its MAC away from the port's assigned one? When
   * false and the effective MAC differs, every inbound frame is dropped
   * (`macChange`), as ESX does.
   */
  readonly allowMacChanges: boolean;
}

/** ESX 2.x defaults: promiscuous rejected, MAC changes and forged transmits accepted. */
export const DEFAULT_PORT_POLICY: PortPolicy = Object.freeze({
  allowPromiscuous: false,
  allowForgedTransmits: true,
  allowMacChanges: true,
});

/** Policy for an uplink: it carries many source MACs and sees every frame. */
export const UPLINK_PORT_POLICY: PortPolicy = Object.freeze({
  allowPromiscuous: true,
  allowForgedTransmits: true,
  allowMacChanges: true,
});
