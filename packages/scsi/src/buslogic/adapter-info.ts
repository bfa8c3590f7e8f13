/**
 * The configuration replies of a BT-958: Inquire Setup Information,
 * Inquire Extended Setup Information and the AutoSCSI area of the host
 * adapter local RAM (layouts as Linux's BusLogic.h describes them).
 *
 * @module
 */

import { FIRMWARE } from './multimaster.js';
import { BUSLOGIC_SG_LIMIT } from './limits.js';

const CHAR = (s: string): number => s.charCodeAt(0);

/** Fill the 34-byte Inquire Setup Information reply (command 0x0D). */
export function writeSetupInfo(r: Uint8Array, mailboxCount: number, mailboxBase: number): void {
  r[0] = 0x02; // parity checking on, synchronous negotiation off
  r[4] = Math.min(mailboxCount, 255);
  r[5] = (mailboxBase >>> 16) & 0xff;
  r[6] = (mailboxBase >>> 8) & 0xff;
  r[7] = mailboxBase & 0xff;
  r[16] = 0xff; // disconnect permitted 0-7
  r[17] = CHAR('B');
  r[18] = CHAR('D');
  r[19] = CHAR('F');
  r[20] = 0xff; // wide permitted 0-7
  r[30] = 0xff; // disconnect permitted 8-15
  r[32] = 0xff; // wide permitted 8-15
}

/** Fill the 14-byte Inquire Extended Setup Information reply (command 0x8D). */
export function writeExtendedSetup(r: Uint8Array, mailboxCount: number, mailboxBase: number): void {
  r[0] = CHAR('E'); // bus type
  r[1] = 0; // no BIOS
  r[2] = BUSLOGIC_SG_LIMIT & 0xff;
  r[3] = BUSLOGIC_SG_LIMIT >>> 8;
  r[4] = mailboxCount;
  r[5] = mailboxBase & 0xff;
  r[6] = (mailboxBase >>> 8) & 0xff;
  r[7] = (mailboxBase >>> 16) & 0xff;
  r[8] = mailboxBase >>> 24;
  r[9] = 0x40; // level-sensitive interrupts
  r[10] = CHAR(FIRMWARE.minor);
  r[11] = CHAR(FIRMWARE.third);
  r[12] = CHAR(FIRMWARE.letter);
  r[13] = 0x09; // wide, ultra
}

/**
 * Fill the 256-byte local RAM: the AutoSCSI block at offset 64 with the
 * settings Linux reads (parity, bus reset, wide/fast/sync/disconnect/ultra
 * permitted for every target, strict round robin).
 */
export function initAutoScsiRam(a: Uint8Array, initiatorId: number): void {
  const s = 64;
  a[s] = CHAR('F');
  a[s + 1] = CHAR('A');
  const model = 'BT-958';
  for (let i = 0; i < 6; i++) a[s + 3 + i] = model.charCodeAt(i);
  a[s + 14] = initiatorId;
  a[s + 15] = 0x01 | 0x02 | 0x04 | 0x10 | 0x20; // terminators, parity, fast sync, bus reset enabled
  for (const o of [19, 21, 23, 25, 27, 34]) {
    a[s + o] = 0xff;
    a[s + o + 1] = 0xff;
  }
  a[s + 33] = 0x10; // strict round robin
  a[s + 41] = 7; // max LUN
}
