/**
 * The master boot record's code: a 16-bit loader that reads a table of
 * (LBA, sector count, physical destination) entries through INT 13h
 * extended reads (AH=42h) into a bounce buffer at 0x10000, copies each
 * chunk to its destination with INT 15h AH=87h (so destinations above
 * 1 MiB work from real mode), then enters the Linux setup code at
 * 9020:0000 with DS=ES=FS=GS=SS=0x9000 and SP=0xE000.
 *
 * Written for this project in AT&T syntax and assembled once; the bytes
 * are listed with the instruction each encodes. It writes "M" to COM1 when
 * it starts and "!" when a BIOS call fails (then halts), so a console shows
 * how far it got.
 *
 * @module
 */

/** Loader bytes, loaded by the BIOS at 0000:7C00. */
export const MBR_LOADER: Uint8Array = Uint8Array.of(
  0xfa,                                   // cli
  0x31, 0xc0,                             // xor %ax,%ax
  0x8e, 0xd8,                             // mov %ax,%ds
  0x8e, 0xc0,                             // mov %ax,%es
  0x8e, 0xd0,                             // mov %ax,%ss
  0xbc, 0x00, 0x7c,                       // mov $0x7c00,%sp
  0xfb,                                   // sti
  0xfc,                                   // cld
  0x88, 0x16, 0xae, 0x7c,                 // mov %dl,0x7cae
  0xba, 0xf8, 0x03,                       // mov $0x3f8,%dx
  0xb0, 0x4d,                             // mov $0x4d,%al
  0xee,                                   // out %al,(%dx)
  0xbe, 0xf0, 0x7c,                       // mov $0x7cf0,%si
  // next_entry: a table entry with a zero count ends the table
  0x66, 0x83, 0x7c, 0x04, 0x00,           // cmpl $0x0,0x4(%si)
  0x74, 0x6d,                             // je 0x7c8f
  // chunk: read up to 64 sectors into the bounce buffer at 0x10000
  0x66, 0x8b, 0x4c, 0x04,                 // mov 0x4(%si),%ecx
  0x66, 0x83, 0xf9, 0x40,                 // cmp $0x40,%ecx
  0x76, 0x06,                             // jbe 0x7c32
  0x66, 0xb9, 0x40, 0x00, 0x00, 0x00,     // mov $0x40,%ecx
  0x89, 0x0e, 0xb2, 0x7c,                 // mov %cx,0x7cb2
  0x66, 0x8b, 0x04,                       // mov (%si),%eax
  0x66, 0xa3, 0xb8, 0x7c,                 // mov %eax,0x7cb8
  0x56,                                   // push %si
  0x51,                                   // push %cx
  0xbe, 0xb0, 0x7c,                       // mov $0x7cb0,%si
  0xb4, 0x42,                             // mov $0x42,%ah
  0x8a, 0x16, 0xae, 0x7c,                 // mov 0x7cae,%dl
  0xcd, 0x13,                             // int $0x13
  0x59,                                   // pop %cx
  0x5e,                                   // pop %si
  0x72, 0x57,                             // jb 0x7ca5
  // copy the chunk to its destination with INT 15h AH=87h
  0x66, 0x8b, 0x44, 0x08,                 // mov 0x8(%si),%eax
  0xa3, 0xda, 0x7c,                       // mov %ax,0x7cda
  0x66, 0xc1, 0xe8, 0x10,                 // shr $0x10,%eax
  0xa2, 0xdc, 0x7c,                       // mov %al,0x7cdc
  0x88, 0x26, 0xdf, 0x7c,                 // mov %ah,0x7cdf
  0x56,                                   // push %si
  0x51,                                   // push %cx
  0xc1, 0xe1, 0x08,                       // shl $0x8,%cx
  0xbe, 0xc0, 0x7c,                       // mov $0x7cc0,%si
  0xb4, 0x87,                             // mov $0x87,%ah
  0xcd, 0x15,                             // int $0x15
  0x59,                                   // pop %cx
  0x5e,                                   // pop %si
  0x72, 0x35,                             // jb 0x7ca5
  // advance LBA, count and destination
  0x66, 0x0f, 0xb7, 0xc9,                 // movzwl %cx,%ecx
  0x66, 0x01, 0x0c,                       // add %ecx,(%si)
  0x66, 0x29, 0x4c, 0x04,                 // sub %ecx,0x4(%si)
  0x66, 0xc1, 0xe1, 0x09,                 // shl $0x9,%ecx
  0x66, 0x01, 0x4c, 0x08,                 // add %ecx,0x8(%si)
  0x66, 0x83, 0x7c, 0x04, 0x00,           // cmpl $0x0,0x4(%si)
  0x75, 0x98,                             // jne 0x7c22
  0x83, 0xc6, 0x0c,                       // add $0xc,%si
  0xeb, 0x8c,                             // jmp 0x7c1b
  // boot: segments and stack for the setup code, then jump to it
  0xfa,                                   // cli
  0xb8, 0x00, 0x90,                       // mov $0x9000,%ax
  0x8e, 0xd8,                             // mov %ax,%ds
  0x8e, 0xc0,                             // mov %ax,%es
  0x8e, 0xe0,                             // mov %ax,%fs
  0x8e, 0xe8,                             // mov %ax,%gs
  0x8e, 0xd0,                             // mov %ax,%ss
  0xbc, 0x00, 0xe0,                       // mov $0xe000,%sp
  0xea, 0x00, 0x00, 0x20, 0x90,           // ljmp $0x9020,$0x0
  // fail: report "!" on COM1 and stop
  0xba, 0xf8, 0x03,                       // mov $0x3f8,%dx
  0xb0, 0x21,                             // mov $0x21,%al
  0xee,                                   // out %al,(%dx)
  0xf4,                                   // hlt
  0xeb, 0xfd,                             // jmp 0x7cab
  // data
  0x00,                                   // drive: DL at entry
  0x90,                                   // (alignment)
  // dap (0x7cb0): size 16, sector count, buffer 1000:0000, LBA (qword)
  0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  // gdt (0x7cc0) for INT 15h AH=87h: two null descriptors around source and destination
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0xff, 0xff, 0x00, 0x00, 0x01, 0x93, 0x00, 0x00, // source: base 0x010000, limit 0xffff, data r/w
  0xff, 0xff, 0x00, 0x00, 0x00, 0x93, 0x00, 0x00, // destination: base patched per chunk
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
);

/** Offset in the MBR of the read table: 12-byte entries (u32 LBA, u32 count, u32 destination), ended by a zero count. */
export const MBR_LOADER_TABLE = 0xf0;

/** Entries that fit between the table's start and the partition table (one slot is the terminator). */
export const MBR_LOADER_TABLE_ENTRIES = Math.floor((0x1be - MBR_LOADER_TABLE) / 12) - 1;
