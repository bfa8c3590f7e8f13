import { VdiskError } from '../errors.js';
import { baseName, resolvePath } from '../storage/file-like.js';
import type { FileLike, FileSystemLike } from '../storage/file-like.js';
import { CID_NONE, parseDescriptor } from '../vmdk/descriptor.js';
import type { Descriptor } from '../vmdk/descriptor.js';
import { hasSparseMagic } from '../vmdk/header.js';
import { SparseExtent } from '../vmdk/sparse-extent.js';
import type { Extent } from './extent.js';
import { ClampedExtent } from './clamped-extent.js';
import { FlatExtent, ZeroExtent } from './flat-extent.js';
import { VirtualDisk } from './virtual-disk.js';
import type { DescriptorHome, DiskFormat } from './virtual-disk.js';

/** Options for {@link openVirtualDisk}. */
export interface OpenOptions {
  /** Open read-only (default false). */
  readOnly?: boolean;
  /** Force a format; by default `KDMV` magic or descriptor text means VMDK, anything else raw. */
  format?: DiskFormat;
  /**
   * The parent for a delta disk / redo log. By default the descriptor's
   * `parentFileNameHint` is opened read-only.
   */
  parent?: VirtualDisk;
}

/** Largest text file taken for a descriptor. */
const MAX_DESCRIPTOR_FILE = 1 << 20;

function looksLikeDescriptor(head: Uint8Array): boolean {
  const t = new TextDecoder('latin1').decode(head);
  if (/^\s*#\s*Disk DescriptorFile/i.test(t)) return true;
  for (let i = 0; i < head.length; i++) {
    const c = head[i]!;
    if (c === 0) break;
    if (c < 9 || (c > 13 && c < 32)) return false;
  }
  return /(^|\n)\s*createType\s*=/.test(t) && /(^|\n)\s*version\s*=/.test(t);
}

async function openFile(fs: FileSystemLike, path: string, readOnly: boolean, what: string): Promise<FileLike> {
  try {
    return await fs.open(path, readOnly ? 'r' : 'rw');
  } catch (e) {
    if (e instanceof VdiskError && e.kind === 'not-found') throw new VdiskError('missing-extent', `${what} ${path} does not exist`);
    throw e;
  }
}

/** Open the extents a descriptor names, relative to the descriptor's path. */
async function openExtents(fs: FileSystemLike, path: string, d: Descriptor, readOnly: boolean): Promise<Extent[]> {
  const out: Extent[] = [];
  try {
    for (const line of d.extents) {
      if (line.access === 'NOACCESS') throw new VdiskError('unsupported', `NOACCESS extent "${line.file}"`);
      const ro = readOnly || line.access === 'RDONLY';
      if (line.type === 'ZERO') {
        out.push(new ZeroExtent(line.sectors));
        continue;
      }
      if (line.type !== 'SPARSE' && line.type !== 'FLAT' && line.type !== 'VMFS')
        throw new VdiskError('unsupported', `${line.type} extents are not supported`);
      const file = await openFile(fs, resolvePath(path, line.file!), ro, 'extent');
      if (line.type === 'SPARSE') {
        let x: SparseExtent;
        try {
          x = await SparseExtent.open(file, ro);
        } catch (e) {
          await file.close();
          throw e;
        }
        out.push(x);
        if (x.sectors < line.sectors) {
          throw new VdiskError('bad-header', `extent "${line.file}" holds ${x.sectors} sectors, the descriptor says ${line.sectors}`);
        }
        if (x.sectors > line.sectors) out[out.length - 1] = new ClampedExtent(x, line.sectors);
      } else {
        out.push(new FlatExtent(file, line.sectors, line.offset, ro));
        const size = await file.size();
        if (size < (line.offset + line.sectors) * 512)
          throw new VdiskError('truncated', `flat extent "${line.file}" is ${size} bytes, the descriptor needs ${(line.offset + line.sectors) * 512}`);
      }
    }
  } catch (e) {
    for (const x of out) await x.close();
    throw e;
  }
  return out;
}

/**
 * Open a raw image or a VMDK (monolithicSparse, monolithicFlat,
 * twoGbMaxExtentSparse/Flat, a bare sparse extent, a redo log).
 * @throws VdiskError naming what is wrong with the image
 */
export async function openVirtualDisk(fs: FileSystemLike, path: string, opts: OpenOptions = {}): Promise<VirtualDisk> {
  const readOnly = opts.readOnly ?? false;
  // A .vmdk (or ESX .REDO) name promises VMDK: a bad header there is an error, not a raw image.
  const format = opts.format ?? (/\.(vmdk|redo)$/i.test(path) ? 'vmdk' : undefined);
  const file = await fs.open(path, readOnly ? 'r' : 'rw');
  let ownedFile: FileLike | null = file;
  const extents: Extent[] = [];
  let parent: VirtualDisk | null = null;
  try {
    const size = await file.size();
    const head = new Uint8Array(Math.min(size, 4096));
    await file.read(0, head);
    if (format === 'raw') {
      ownedFile = null;
      return new VirtualDisk({
        path,
        format: 'raw',
        extents: [new FlatExtent(file, Math.floor(size / 512), 0, readOnly)],
        descriptor: null,
        descriptorHome: { kind: 'none' },
        readOnly,
        parent: null,
      });
    }
    let descriptor: Descriptor | null;
    let home: DescriptorHome;
    if (hasSparseMagic(head) || (head[0] === 0x43 && head[1] === 0x4f && head[2] === 0x57 && head[3] === 0x44)) {
      const x = await SparseExtent.open(file, readOnly);
      ownedFile = null;
      extents.push(x);
      const text = await x.readDescriptor();
      if (text.trim() !== '') {
        descriptor = parseDescriptor(text);
        if (descriptor.extents.length !== 1 || descriptor.extents[0]!.type !== 'SPARSE')
          throw new VdiskError('unsupported', 'an embedded descriptor must name exactly one SPARSE extent');
        home = { kind: 'embedded', extent: x };
      } else {
        // A bare extent (one part of a twoGbMaxExtentSparse disk): describe it as itself.
        descriptor = null;
        home = { kind: 'none' };
      }
    } else if (format === 'vmdk' || (size <= MAX_DESCRIPTOR_FILE && looksLikeDescriptor(head))) {
      if (size > MAX_DESCRIPTOR_FILE || !looksLikeDescriptor(head))
        throw new VdiskError('bad-magic', `${path} is neither a VMDK sparse extent (KDMV magic) nor a descriptor`);
      const all = new Uint8Array(size);
      await file.read(0, all);
      descriptor = parseDescriptor(new TextDecoder().decode(all));
      extents.push(...(await openExtents(fs, path, descriptor, readOnly)));
      home = { kind: 'file', file };
      ownedFile = null;
    } else {
      ownedFile = null;
      return new VirtualDisk({
        path,
        format: 'raw',
        extents: [new FlatExtent(file, Math.floor(size / 512), 0, readOnly)],
        descriptor: null,
        descriptorHome: { kind: 'none' },
        readOnly,
        parent: null,
      });
    }
    if (opts.parent) parent = opts.parent;
    else if (descriptor && descriptor.parentFileNameHint !== null) {
      const pp = resolvePath(path, descriptor.parentFileNameHint);
      if (!(await fs.exists(pp))) throw new VdiskError('missing-extent', `parent ${pp} of ${baseName(path)} does not exist`);
      parent = await openVirtualDisk(fs, pp, { readOnly: true });
    }
    if (parent && descriptor && descriptor.parentCid !== CID_NONE && parent.descriptor && parent.descriptor.cid !== descriptor.parentCid) {
      const had = parent.descriptor.cid;
      if (!opts.parent) await parent.close();
      parent = null;
      throw new VdiskError(
        'parent-mismatch',
        `${baseName(path)} was made against parent CID ${descriptor.parentCid.toString(16)}, the parent now has ${had.toString(16)}`,
      );
    }
    return new VirtualDisk({ path, format: 'vmdk', extents, descriptor, descriptorHome: home, readOnly, parent });
  } catch (e) {
    if (ownedFile) await ownedFile.close();
    for (const x of extents) await x.close();
    if (parent && !opts.parent) await parent.close();
    throw e;
  }
}
