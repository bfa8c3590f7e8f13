/**
 * Register numbers and bits of the Am79C970A (PCnet-PCI II), after the
 * datasheet's CSR and BCR chapters.
 *
 * @module
 */

/** CSR0 (controller status) bits. */
export const Csr0 = {
  INIT: 0x0001,
  STRT: 0x0002,
  STOP: 0x0004,
  TDMD: 0x0008,
  TXON: 0x0010,
  RXON: 0x0020,
  INEA: 0x0040,
  INTR: 0x0080,
  IDON: 0x0100,
  TINT: 0x0200,
  RINT: 0x0400,
  MERR: 0x0800,
  MISS: 0x1000,
  CERR: 0x2000,
  BABL: 0x4000,
  ERR: 0x8000,
} as const;

/** CSR3 bits: the CSR0 interrupt masks and transmit options. */
export const Csr3 = {
  /** Interrupt mask bits, one per CSR0 interrupt bit at the same position. */
  MASKS: 0x5f00,
  /** Disable transmit stop on underflow. */
  DXSUFLO: 0x0040,
  /** Writable bits. */
  WRITABLE: 0x5f7c,
} as const;

/** CSR4 bits (test and features control). */
export const Csr4 = {
  JABM: 0x0001,
  JAB: 0x0002,
  TXSTRTM: 0x0004,
  TXSTRT: 0x0008,
  RCVCCOM: 0x0010,
  RCVCCO: 0x0020,
  UINT: 0x0040,
  UINTCMD: 0x0080,
  MFCOM: 0x0100,
  MFCO: 0x0200,
  ASTRP_RCV: 0x0400,
  APAD_XMT: 0x0800,
  DPOLL: 0x1000,
  /** Plain read/write bits. */
  WRITABLE: 0xfd15,
  /** Write-one-to-clear status bits. */
  W1C: 0x026a,
  /** Value after reset. */
  RESET: 0x0115,
} as const;

/** CSR5 bits (extended control and interrupt 1). */
export const Csr5 = {
  SPND: 0x0001,
  /** Plain read/write bits (SPND handled separately). */
  WRITABLE: 0x4556,
  /** Write-one-to-clear status bits. */
  W1C: 0x0a88,
} as const;

/** CSR15 (mode) bits. */
export const Mode = {
  DRX: 0x0001,
  DTX: 0x0002,
  LOOP: 0x0004,
  DXMTFCS: 0x0008,
  INTL: 0x0040,
  DRCVPA: 0x2000,
  DRCVBC: 0x4000,
  PROM: 0x8000,
} as const;

/** Descriptor status bits as they sit in bits 31..16 of the (32-bit style) second dword. */
export const Desc = {
  OWN: 0x80000000,
  ERR: 0x40000000,
  /** RX: framing error. TX: ADD_FCS. */
  FRAM: 0x20000000,
  /** RX: overflow. TX: MORE / LTINT. */
  OFLO: 0x10000000,
  /** RX: CRC error. TX: ONE. */
  CRC: 0x08000000,
  /** RX: buffer error. TX: DEF. */
  BUFF: 0x04000000,
  STP: 0x02000000,
  ENP: 0x01000000,
  /** RX: physical address match. */
  PAM: 0x00400000,
  /** RX: logical (multicast hash) address match. */
  LAFM: 0x00200000,
  /** RX: broadcast match. */
  BAM: 0x00100000,
} as const;

/** TX descriptor third-dword (TMD2) error bits. */
export const Tmd2 = {
  BUFF: 0x80000000,
  UFLO: 0x40000000,
  /** Loss of carrier (10BASE-T link fail). */
  LCAR: 0x08000000,
} as const;

/** BCR18 bit: double-word I/O mode (read-only; set by a dword write to RDP). */
export const BCR18_DWIO = 0x0080;

/** CSR88/89: the Am79C970A chip ID (part 0x2621, AMD manufacturer code 1, bit 0 set). */
export const CHIP_ID = 0x02621003;

/** Ethernet limits (bytes, without FCS unless noted). */
export const Ether = {
  MIN: 60,
  /** Longest frame accepted, including a VLAN tag. */
  MAX: 1518,
  FCS: 4,
} as const;
