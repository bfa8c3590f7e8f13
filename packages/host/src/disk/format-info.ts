import type { DiskInfo } from '@vm/vdisk';
import { formatSize } from './size.js';

const hex = (n: number): string => n.toString(16).padStart(8, '0');

/** `vm disk info`'s text: layout, capacity, CIDs, redo log, then one line per extent. */
export function formatDiskInfo(info: DiskInfo, redoLog: string | null): string {
  const lines = [
    `image:      ${info.path}`,
    `format:     ${info.format}${info.format === 'vmdk' ? ` (${info.createType})` : ''}`,
    `capacity:   ${formatSize(info.capacityBytes)} (${info.capacityBytes} bytes, ${info.sectors} sectors)`,
    `allocated:  ${formatSize(info.allocatedBytes)} (${info.allocatedBytes} bytes)`,
  ];
  if (info.cid !== null) lines.push(`CID:        ${hex(info.cid)}`);
  if (info.parentCid !== null) lines.push(`parentCID:  ${hex(info.parentCid)}${info.parentFileNameHint ? ` (parent ${info.parentFileNameHint})` : ''}`);
  const adapter = info.ddb['adapterType'];
  if (adapter) lines.push(`adapter:    ${adapter}`);
  lines.push(`redo log:   ${redoLog ?? 'none'}`);
  lines.push(`extents:    ${info.extents.length}`);
  info.extents.forEach((e, i) => {
    let line = `  ${i}: ${e.kind.padEnd(6)} ${e.access.padEnd(6)} ${formatSize(e.sectors * 512).padStart(10)}  ${e.file ?? '-'}`;
    if (e.kind === 'sparse') {
      line += `  grains ${e.allocatedGrains} allocated, ${e.zeroedGrains} zeroed of ${e.grainSectors * 512} bytes; ${formatSize(e.allocatedBytes)} stored`;
      if (e.uncleanShutdown) line += '; not closed cleanly';
    } else if (e.kind === 'flat' && e.offset > 0) line += `  at sector ${e.offset}`;
    lines.push(line);
  });
  return lines.join('\n') + '\n';
}
