/**
 * Turn the host's apt sources into an i386-only source list for a private
 * apt state: one-line `.list` entries (sources.list(5) "ONE-LINE-STYLE")
 * and deb822 `.sources` stanzas ("DEB822-STYLE").
 *
 * @module
 */

/** The architecture the guests use. */
export const GUEST_ARCH = 'i386';

/**
 * Rewrite a one-line-style sources file: keep `deb` lines (not `deb-src`),
 * force `arch=<arch>`, and drop lines restricted to other architectures.
 */
export function rewriteOneLineSources(text: string, arch = GUEST_ARCH): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)(.*)$/.exec(line);
    if (!m) continue;
    const opts = (m[1] ?? '').trim().split(/\s+/).filter(Boolean);
    const archOpt = opts.find((o) => o.startsWith('arch='));
    if (archOpt && !archOpt.slice(5).split(',').includes(arch)) continue;
    const kept = opts.filter((o) => !o.startsWith('arch=') && !o.startsWith('arch+=') && !o.startsWith('arch-='));
    kept.unshift(`arch=${arch}`);
    out.push(`deb [${kept.join(' ')}] ${m[2]} ${m[3]}${(m[4] ?? '').replace(/\s+/g, ' ').trimEnd()}`);
  }
  return out;
}

interface Stanza {
  fields: [string, string][];
}

function parseDeb822(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let cur: Stanza | null = null;
  for (const raw of text.split('\n')) {
    if (raw.startsWith('#')) continue;
    if (raw.trim() === '') {
      cur = null;
      continue;
    }
    if (/^\s/.test(raw)) {
      // continuation line (multi-line values such as an inline Signed-By key)
      const last = cur?.fields[cur.fields.length - 1];
      if (last) last[1] += `\n${raw}`;
      continue;
    }
    const i = raw.indexOf(':');
    if (i <= 0) continue;
    if (!cur) {
      cur = { fields: [] };
      stanzas.push(cur);
    }
    cur.fields.push([raw.slice(0, i).trim(), raw.slice(i + 1).trim()]);
  }
  return stanzas;
}

/**
 * Rewrite a deb822-style `.sources` file: keep enabled stanzas of type
 * `deb`, set `Architectures: <arch>`, and drop stanzas restricted to other
 * architectures. Returns the new file text ("" when nothing is left).
 */
export function rewriteDeb822Sources(text: string, arch = GUEST_ARCH): string {
  const out: string[] = [];
  for (const s of parseDeb822(text)) {
    const get = (k: string): string | undefined => s.fields.find(([f]) => f.toLowerCase() === k)?.[1];
    if (!(get('types') ?? '').split(/\s+/).includes('deb')) continue;
    if (/^(no|false)$/i.test(get('enabled') ?? 'yes')) continue;
    const archs = get('architectures');
    if (archs && !archs.split(/\s+/).includes(arch)) continue;
    const lines: string[] = [];
    for (const [k, v] of s.fields) {
      const lk = k.toLowerCase();
      if (lk === 'architectures' || lk === 'architectures-add' || lk === 'architectures-remove') continue;
      lines.push(`${k}: ${lk === 'types' ? 'deb' : v}`);
    }
    lines.push(`Architectures: ${arch}`);
    out.push(lines.join('\n'));
  }
  return out.length ? `${out.join('\n\n')}\n` : '';
}
