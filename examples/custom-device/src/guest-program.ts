/**
 * The guest: 16-bit real-mode x86 code, assembled by hand, that drives the
 * CRC-32 accelerator through its interrupt. It lives in a 64 KiB boot ROM
 * that the machine maps at 0xFFFF0000 (where the CPU fetches its first
 * instruction) and again at 0xF0000 (segment F000, where real-mode code and
 * the interrupt vector point).
 *
 * What it does:
 *   1. point interrupt vector 0x0D (IRQ 5 on a master 8259 based at 8) at `handler`
 *   2. initialise the 8259 (ICW1..ICW4) and unmask only IRQ 5
 *   3. give the accelerator the message's address and length, START with IRQ_ENABLE
 *   4. `hlt` until the handler has set the flag byte at 0000:0500
 *   5. the handler reads RESULT into 0000:0504, ACKs the device, sends EOI, IRETs
 *   6. halt for good with interrupts off (the host then reads 0000:0504)
 */

/** Where the boot ROM's content is also visible below 1 MiB. */
export const ROM_LOW_BASE = 0xf0000;
/** Where the CPU starts: the top 64 KiB of the 4 GiB address space. */
export const ROM_HIGH_BASE = 0xffff0000;
/** Guest-physical address of the flag the interrupt handler sets. */
export const DONE_FLAG_ADDR = 0x500;
/** Guest-physical address where the handler stores the CRC. */
export const RESULT_ADDR = 0x504;
/** The message the guest asks the accelerator to checksum. */
export const MESSAGE = 'The quick brown fox jumps over the lazy dog';

const lo = (v: number): number => v & 0xff;
const hi = (v: number): number => (v >>> 8) & 0xff;
const dword = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/**
 * Build the 64 KiB boot ROM.
 * @param port the accelerator's base port
 * @param irq its ISA interrupt (0..7, on the master 8259)
 */
export function buildBootRom(port = 0x120, irq = 5): Uint8Array {
  const HANDLER = 0x0060; // offsets in segment F000
  const MSG = 0x0100;
  const vectorSlot = (0x08 + irq) * 4; // IVT entry of IRQ n when the 8259 is based at vector 8
  const mask = 0xff & ~(1 << irq);
  const msg = [...MESSAGE].map((c) => c.charCodeAt(0));

  const main = [
    0xfa, //                              cli
    0x31, 0xc0, //                        xor ax, ax
    0x8e, 0xd8, //                        mov ds, ax
    0x8e, 0xd0, //                        mov ss, ax
    0xbc, 0x00, 0x7c, //                  mov sp, 0x7c00
    0xc7, 0x06, lo(vectorSlot), hi(vectorSlot), lo(HANDLER), hi(HANDLER), //   mov word [vector*4], handler
    0xc7, 0x06, lo(vectorSlot + 2), hi(vectorSlot + 2), 0x00, 0xf0, //        mov word [vector*4+2], 0xF000
    0xb0, 0x11, 0xe6, 0x20, //            mov al, 0x11 / out 0x20, al   ICW1: edge, cascade, ICW4 needed
    0xb0, 0x08, 0xe6, 0x21, //            mov al, 0x08 / out 0x21, al   ICW2: vectors 8..15
    0xb0, 0x04, 0xe6, 0x21, //            mov al, 0x04 / out 0x21, al   ICW3: slave on IR2
    0xb0, 0x01, 0xe6, 0x21, //            mov al, 0x01 / out 0x21, al   ICW4: 8086 mode
    0xb0, mask, 0xe6, 0x21, //            mov al, mask / out 0x21, al   OCW1: only our IRQ
    0x66, 0xb8, ...dword(ROM_LOW_BASE + MSG), // mov eax, message address
    0xba, lo(port), hi(port), //          mov dx, port+ADDR
    0x66, 0xef, //                        out dx, eax
    0x66, 0xb8, ...dword(msg.length), //  mov eax, message length
    0xba, lo(port + 4), hi(port + 4), //  mov dx, port+LEN
    0x66, 0xef, //                        out dx, eax
    0xfb, //                              sti
    0xb0, 0x03, //                        mov al, START | IRQ_ENABLE
    0xba, lo(port + 8), hi(port + 8), //  mov dx, port+CTRL
    0xee, //                              out dx, al
    // wait:
    0xf4, //                              hlt
    0x80, 0x3e, lo(DONE_FLAG_ADDR), hi(DONE_FLAG_ADDR), 0x00, // cmp byte [flag], 0
    0x74, 0xf8, //                        jz wait (back 8 bytes)
    0xfa, //                              cli
    0xf4, //                              hlt   (for good: the host reads the result)
  ];
  const handler = [
    0x66, 0x50, //                        push eax
    0x52, //                              push dx
    0xba, lo(port + 0xc), hi(port + 0xc), // mov dx, port+RESULT
    0x66, 0xed, //                        in eax, dx
    0x66, 0xa3, lo(RESULT_ADDR), hi(RESULT_ADDR), // mov [result], eax
    0xba, lo(port + 9), hi(port + 9), //  mov dx, port+ACK
    0xee, //                              out dx, al
    0xc6, 0x06, lo(DONE_FLAG_ADDR), hi(DONE_FLAG_ADDR), 0x01, // mov byte [flag], 1
    0xb0, 0x20, 0xe6, 0x20, //            mov al, 0x20 / out 0x20, al   EOI to the 8259
    0x5a, //                              pop dx
    0x66, 0x58, //                        pop eax
    0xcf, //                              iret
  ];
  if (main.length > HANDLER || HANDLER + handler.length > MSG) throw new Error('guest program layout overflow');

  const rom = new Uint8Array(0x10000).fill(0xff);
  rom.set(main, 0);
  rom.set(handler, HANDLER);
  rom.set(msg, MSG);
  rom.set([0xea, 0x00, 0x00, 0x00, 0xf0], 0xfff0); // reset vector: jmp far F000:0000
  return rom;
}
