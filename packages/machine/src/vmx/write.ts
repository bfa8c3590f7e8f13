import type { VmxDocument, VmxEntry } from './document.js';
import { escapeVmxValue } from './escape.js';

/**
 * Serialize settings as `.vmx` text: one `key = "value"` line each, values
 * escaped with VMware's `|XX` form, `\n` line ends, a final newline.
 * An optional header becomes `#` comment lines at the top.
 */
export function writeVmx(settings: VmxDocument | Iterable<VmxEntry>, header?: string): string {
  const entries = 'entries' in settings && typeof settings.entries === 'function' ? settings.entries() : (settings as Iterable<VmxEntry>);
  let out = '';
  if (header !== undefined) for (const l of header.split('\n')) out += l === '' ? '#\n' : `# ${l}\n`;
  for (const e of entries) out += `${e.key} = "${escapeVmxValue(e.value)}"\n`;
  return out;
}
