/** One `key = "value"` setting of a `.vmx` file. */
export interface VmxEntry {
  /** The key as written (VMware compares keys case-insensitively). */
  readonly key: string;
  /** The decoded value. */
  readonly value: string;
  /** 1-based line it came from, or null for a setting made in code. */
  readonly line: number | null;
}

/**
 * The settings of a `.vmx` file in file order, looked up case-insensitively
 * (`memSize` and `memsize` are the same key, as in VMware products).
 */
export class VmxDocument {
  private readonly list: VmxEntry[] = [];
  private readonly index = new Map<string, number>();

  /** @param entries initial settings; a later duplicate key replaces an earlier one */
  constructor(entries: Iterable<VmxEntry | readonly [string, string]> = []) {
    for (const e of entries) {
      if (Array.isArray(e)) this.set(e[0] as string, e[1] as string);
      else this.put(e as VmxEntry);
    }
  }

  /** Number of settings. */
  get size(): number {
    return this.list.length;
  }

  /** The value of `key` (any case), or undefined. */
  get(key: string): string | undefined {
    return this.entry(key)?.value;
  }

  /** The whole entry for `key` (any case), or undefined. */
  entry(key: string): VmxEntry | undefined {
    const i = this.index.get(key.toLowerCase());
    return i === undefined ? undefined : this.list[i];
  }

  /** True when `key` (any case) is set. */
  has(key: string): boolean {
    return this.index.has(key.toLowerCase());
  }

  /** Set `key` to `value`: replaces in place (keeping the first spelling) or appends. */
  set(key: string, value: string): void {
    const old = this.entry(key);
    this.put({ key: old ? old.key : key, value, line: old ? old.line : null });
  }

  /** Remove `key` (any case); returns whether it was set. */
  delete(key: string): boolean {
    const i = this.index.get(key.toLowerCase());
    if (i === undefined) return false;
    this.list.splice(i, 1);
    this.index.clear();
    this.list.forEach((e, j) => this.index.set(e.key.toLowerCase(), j));
    return true;
  }

  /** The settings in order. */
  entries(): readonly VmxEntry[] {
    return this.list;
  }

  /** Add or replace an entry, keeping its line number. */
  put(entry: VmxEntry): void {
    const k = entry.key.toLowerCase();
    const i = this.index.get(k);
    if (i === undefined) {
      this.index.set(k, this.list.length);
      this.list.push(entry);
    } else this.list[i] = entry;
  }
}
