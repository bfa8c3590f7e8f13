/**
 * `@vm/bios`: firmware for vm machines. Places the system BIOS and option
 * ROMs, loads Linux (32-bit boot protocol) and Multiboot kernels directly,
 * and builds the E820, MP and ACPI tables a PC guest reads.
 *
 * @packageDocumentation
 */

export { FirmwareError } from './errors.js';
export type { GuestRange, GuestSpan } from './ranges.js';
export type { FirmwareErrorKind } from './errors.js';
export { byteSum, fixChecksum } from './bytes.js';
export { PcFirmwareWindow } from './rom/rom-mapping.js';
export type { RomMapping } from './rom/rom-mapping.js';
export { LEGACY_BIOS_ALIAS_SIZE, MAX_SYSTEM_BIOS_SIZE, systemBiosMappings, validateSystemBios } from './rom/system-bios.js';
export { optionRomMappings, parseOptionRom } from './rom/option-rom.js';
export type { OptionRom } from './rom/option-rom.js';
export { BOOT_CS, BOOT_DS, BOOT_GDT_SIZE, bootGdtBytes, flatProtectedModeEntry } from './cpu-entry.js';
export type { CpuEntryState, EntryRegisters, SegmentState, TableRegister } from './cpu-entry.js';
export { HDRS_MAGIC, LoadFlags, MIN_BOOT_PROTOCOL, parseSetupHeader, SetupHeaderOffset } from './linux/setup-header.js';
export type { LinuxSetupHeader } from './linux/setup-header.js';
export { BOOT_PARAMS_E820_MAX, BOOT_PARAMS_SIZE, BootParamsOffset } from './linux/boot-params.js';
export { LinuxBootLayout, loadLinux } from './linux/linux-loader.js';
export type { LinuxBootResult, LinuxLoadOptions } from './linux/linux-loader.js';
export {
  buildPcE820,
  E820_ENTRY_SIZE,
  e820RamBytes,
  E820Type,
  EBDA_BASE,
  IOAPIC_BASE,
  LAPIC_BASE,
  ramEndContaining,
  seabiosE820File,
  writeE820,
} from './tables/e820.js';
export type { FwCfgFile } from './tables/fw-cfg-file.js';
export type { E820Entry, PcE820Options } from './tables/e820.js';
export { buildMpTables, MpConfigOffset, MpEntry, MpIntType } from './tables/mptable.js';
export type { MpConfig, MpPciInterrupt, MpTables } from './tables/mptable.js';
export {
  buildAcpiTables,
  DEFAULT_PCI_MEMORY,
  dsdtAml,
  FACS_SIZE,
  FADT_SIZE,
  FadtOffset,
  MadtEntry,
  pciRootResources,
  piix4AcpiSettings,
  placeAcpiTables,
} from './tables/acpi/acpi-tables.js';
export type {
  AcpiChecksum,
  AcpiConfig,
  AcpiPciRoute,
  AcpiPointer,
  AcpiTableOffsets,
  AcpiTableSet,
  IoBlock,
  PciMemoryWindow,
  SmiCommand,
  PlacedAcpiTables,
} from './tables/acpi/acpi-tables.js';
export {
  amlBuffer,
  amlDevice,
  amlInteger,
  amlName,
  amlPackage,
  amlScope,
  amlString,
  concatBytes,
  dwordAddressSpace,
  eisaId,
  endTag,
  nameSeg,
  nameString,
  pkgLength,
  ResourceType,
  wordAddressSpace,
} from './tables/acpi/aml.js';
export { SDT_HEADER_SIZE, SdtOffset } from './tables/acpi/sdt.js';
export type { AcpiOem } from './tables/acpi/sdt.js';
export {
  AcpiFwCfgName,
  acpiFwCfgFiles,
  decodeTableLoader,
  encodeTableLoader,
  LOADER_ENTRY_SIZE,
  LOADER_FILESZ,
  LoaderCommand,
  LoaderZone,
  runTableLoader,
} from './tables/fw-cfg-table-loader.js';
export type {
  LoaderAddChecksum,
  LoaderAddPointer,
  LoaderAllocate,
  LoaderEntry,
  PlacedFile,
} from './tables/fw-cfg-table-loader.js';
export { buildBiosTables, writeBiosTables } from './tables/bios-tables.js';
export {
  buildSmbiosTables,
  placeSmbiosEntryPoint,
  SMBIOS_ENTRY_POINT_SIZE,
  SmbiosFwCfgName,
  smbiosFwCfgFiles,
  vmwareSystemIdentity,
} from './tables/smbios.js';
export type { SmbiosBios, SmbiosConfig, SmbiosSystem, SmbiosTableSet } from './tables/smbios.js';
export type { BiosTables, BiosTablesOptions } from './tables/bios-tables.js';
export { ENTRY_STUB_CODE_OFFSET, ENTRY_STUB_ROM_SIZE, entryStubRom, pciConfigWrite, piixFirmwareSetup } from './rom/entry-stub.js';
export type { EntryStubOptions, PiixSetupOptions, PortWrite } from './rom/entry-stub.js';
export { isElf, parseElf32, PT_LOAD } from './multiboot/elf32.js';
export type { Elf32Image, Elf32ProgramHeader } from './multiboot/elf32.js';
export {
  findMultibootHeader,
  MULTIBOOT_BOOTLOADER_MAGIC,
  MULTIBOOT_HEADER_MAGIC,
  MULTIBOOT_SEARCH,
  MultibootHeaderFlags,
} from './multiboot/multiboot-header.js';
export type { MultibootAddresses, MultibootHeader } from './multiboot/multiboot-header.js';
export { loadMultiboot, MultibootInfoFlags, MultibootLayout } from './multiboot/multiboot-loader.js';
export type { MultibootLoadOptions, MultibootModule, MultibootResult } from './multiboot/multiboot-loader.js';
export { piixInterruptRoutes, piixPirq, SEABIOS_PIRQ_IRQS } from './tables/pci-routing.js';
export type { PiixInterruptRoutes } from './tables/pci-routing.js';
export { decompressXz, findXzPayload, XzError, DEFAULT_MAX_OUTPUT } from './xz/index.js';
export type { DecompressXzOptions, XzPayloadLocation, XzErrorKind } from './xz/index.js';
export { buildLinuxBootDisk } from './boot-disk/linux-boot-disk.js';
export type { LinuxBootDisk, LinuxBootDiskOptions } from './boot-disk/linux-boot-disk.js';
export { MBR_LOADER, MBR_LOADER_TABLE, MBR_LOADER_TABLE_ENTRIES } from './boot-disk/mbr-loader.js';
