/**
 * `@vm/guests`: test guests built from Debian packages (the i386 kernel,
 * busybox-static, SeaBIOS), cached outside the repository, and the tools
 * that make them (a private apt, a .deb unpacker, a newc cpio writer).
 *
 * @packageDocumentation
 */

export { AptUnavailableError, aptOptions, aptPaths, compareVersions, pickNewestKernel, PrivateApt } from './apt.js';
export type { AptPackage, AptPaths } from './apt.js';
export { GUEST_ARCH, rewriteDeb822Sources, rewriteOneLineSources } from './apt-sources.js';
export {
  buildGuests,
  DEFAULT_CMDLINE,
  defaultGuestsRoot,
  fileSha256,
  GUEST_MODULES,
  locateGuest,
  MANIFEST_FORMAT,
  recipeHash,
  SEABIOS_FILES,
  sha256,
  verifyGuestDir,
} from './build.js';
export type {
  BuildGuestsOptions,
  BuildGuestsResult,
  GuestManifest,
  LocatedGuest,
  ManifestApplets,
  ManifestFile,
  ManifestModules,
  ManifestPackage,
} from './build.js';
export { appletsFromBinary, busyboxApplets, parseListFull } from './busybox.js';
export type { Applet, AppletList } from './busybox.js';
export { cpio, CpioType, readCpio, writeCpio } from './cpio.js';
export type { CpioEntry, CpioParsedEntry, CpioWriteOptions } from './cpio.js';
export { extractDeb, readAr } from './deb.js';
export type { ArMember } from './deb.js';
export { buildInitramfsEntries, packInitramfs } from './initramfs.js';
export type { InitramfsInputs, ShippedModule } from './initramfs.js';
export {
  indexModules,
  moduleDepends,
  moduleKey,
  modulesDep,
  parseModulesBuiltin,
  readModinfo,
  resolveModules,
} from './modules.js';
export type { ModuleClosure, ModuleFile } from './modules.js';
export { hostRunner, RecordingRunner } from './run.js';
export type { CommandResult, CommandRunner, RecordedCall } from './run.js';
export { INIT_SCRIPT, READY_MARKER, REQUIRED_APPLETS, TEST_DONE_MARKER, TEST_SCRIPTS, WORKLOAD_SCRIPT } from './scripts.js';
