import type { MachineConfig } from '../config/types.js';
import { configFromVmx } from './config-from-vmx.js';
import type { VmxConfigResult } from './config-from-vmx.js';
import { configToVmx } from './config-to-vmx.js';
import { sortDiagnostics, VmxError } from './diagnostic.js';
import type { VmxDiagnostic } from './diagnostic.js';
import { parseVmx } from './parse.js';
import { writeVmx } from './write.js';

/**
 * Parse `.vmx` text and convert it to a validated configuration in one step.
 * Syntax errors and value errors are reported together, in line order.
 */
export function readVmxConfig(text: string): VmxConfigResult {
  const parsed = parseVmx(text);
  const converted = configFromVmx(parsed.document);
  const diagnostics: VmxDiagnostic[] = sortDiagnostics([...parsed.diagnostics, ...converted.diagnostics]);
  const ok = parsed.ok && converted.ok;
  return { ok, config: ok ? converted.config : null, diagnostics };
}

/**
 * Like {@link readVmxConfig}, but returns the configuration and throws a
 * {@link VmxError} listing every error (`line 7: memsize = "12x": not an
 * integer`) when there is one. Warnings go to `onWarning` if given.
 */
export function loadVmxConfig(text: string, onWarning?: (d: VmxDiagnostic) => void): MachineConfig {
  const r = readVmxConfig(text);
  if (!r.ok || r.config === null) throw new VmxError(r.diagnostics);
  if (onWarning) for (const d of r.diagnostics) onWarning(d);
  return r.config;
}

/** Serialize a configuration as `.vmx` text (see {@link configToVmx}). */
export function saveVmxConfig(config: MachineConfig, header?: string): string {
  return writeVmx(configToVmx(config), header);
}
