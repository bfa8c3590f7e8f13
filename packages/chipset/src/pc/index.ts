/**
 * PC platform devices: the PCI bus with the i440FX host bridge, the PIIX3
 * ISA bridge's PCI interrupt router, the PIIX4-style ACPI power management
 * function, the 82093AA IOAPIC, local APICs on an APIC message fabric, and
 * QEMU's fw_cfg device.
 *
 * @module
 */
export { WiredOrIrq } from './wired-or-irq.js';
export { PciCommand, PciStatus, PCI_COMMAND_WRITABLE, pciSlotPirq } from './pci-constants.js';
export { PciDmaGate } from './pci-dma-gate.js';
export { PciBus } from './pci-bus.js';
export type { PciBusConfig } from './pci-bus.js';
export { I440fxHostBridge, I440FX_PAM0, I440FX_SMRAM } from './i440fx-host-bridge.js';
export type { I440fxHostBridgeConfig, SmramControl } from './i440fx-host-bridge.js';
export { Piix3IsaBridge, PIIX3_PIRQRC } from './piix3-isa-bridge.js';
export type { Piix3IsaBridgeConfig } from './piix3-isa-bridge.js';
export { Piix4Pm, PIIX4_PM_DEFAULTS, Pm1Event } from './piix4-pm.js';
export type { Piix4PmConfig } from './piix4-pm.js';
export { PM_TIMER_HZ, pmTimerTicksAt, pmTimerNsAt } from './acpi-pm-timer.js';
export { ApicMessageBus, ApicDeliveryMode, ApicShorthand } from './apic-bus.js';
export type { ApicBus, ApicEoiListener, ApicMessageTarget } from './apic-bus.js';
export { IoApic82093, IOAPIC_PINS } from './io-apic.js';
export type { IoApic82093Config } from './io-apic.js';
export { LocalApic, LOCAL_APIC_DEFAULT_BASE, ApicError } from './local-apic.js';
export type { LocalApicConfig, LocalApicCpuControl } from './local-apic.js';
export { FwCfg, FwCfgDmaControl } from './fw-cfg.js';
export type { FwCfgConfig, FwCfgFileOptions } from './fw-cfg.js';
export { FwCfgKey, FwCfgFeature, E820Type, fwCfgUint, fwCfgString, encodeE820, encodeBootOrder } from './fw-cfg-items.js';
export type { E820Entry } from './fw-cfg-items.js';
