/**
 * Register offsets and bits of the 82540EM, after the PCI/PCI-X Family of
 * Gigabit Ethernet Controllers Software Developer's Manual (8254x SDM),
 * section 13.
 *
 * @module
 */

/** Register byte offsets in the 128 KiB memory BAR. */
export const Reg = {
  CTRL: 0x0000,
  CTRL_ALIAS: 0x0004,
  STATUS: 0x0008,
  EECD: 0x0010,
  EERD: 0x0014,
  CTRL_EXT: 0x0018,
  FLA: 0x001c,
  MDIC: 0x0020,
  FCAL: 0x0028,
  FCAH: 0x002c,
  FCT: 0x0030,
  VET: 0x0038,
  ICR: 0x00c0,
  ITR: 0x00c4,
  ICS: 0x00c8,
  IMS: 0x00d0,
  IMC: 0x00d8,
  RCTL: 0x0100,
  FCTTV: 0x0170,
  TXCW: 0x0178,
  RXCW: 0x0180,
  TCTL: 0x0400,
  TIPG: 0x0410,
  AIFS: 0x0458,
  LEDCTL: 0x0e00,
  PBA: 0x1000,
  FCRTL: 0x2160,
  FCRTH: 0x2168,
  RDBAL: 0x2800,
  RDBAH: 0x2804,
  RDLEN: 0x2808,
  RDH: 0x2810,
  RDT: 0x2818,
  RDTR: 0x2820,
  RXDCTL: 0x2828,
  RADV: 0x282c,
  RSRPD: 0x2c00,
  TXDMAC: 0x3000,
  TDBAL: 0x3800,
  TDBAH: 0x3804,
  TDLEN: 0x3808,
  TDH: 0x3810,
  TDT: 0x3818,
  TIDV: 0x3820,
  TXDCTL: 0x3828,
  TADV: 0x382c,
  TSPMT: 0x3830,
  STATS: 0x4000,
  STATS_END: 0x4100,
  RXCSUM: 0x5000,
  MTA: 0x5200,
  RA: 0x5400,
  VFTA: 0x5600,
  WUC: 0x5800,
  WUFC: 0x5808,
  WUS: 0x5810,
  IPAV: 0x5838,
  IP4AT: 0x5840,
  IP6AT: 0x5880,
  WUPL: 0x5900,
  WUPM: 0x5a00,
  FFLT: 0x5f00,
  FFMT: 0x9000,
  FFVT: 0x9800,
} as const;

/** Statistics register offsets (each read-to-clear). */
export const Stat = {
  CRCERRS: 0x4000,
  MPC: 0x4010,
  COLC: 0x4028,
  PRC64: 0x405c,
  PRC127: 0x4060,
  PRC255: 0x4064,
  PRC511: 0x4068,
  PRC1023: 0x406c,
  PRC1522: 0x4070,
  GPRC: 0x4074,
  BPRC: 0x4078,
  MPRC: 0x407c,
  GPTC: 0x4080,
  GORCL: 0x4088,
  GORCH: 0x408c,
  GOTCL: 0x4090,
  GOTCH: 0x4094,
  RNBC: 0x40a0,
  RUC: 0x40a4,
  ROC: 0x40ac,
  TORL: 0x40c0,
  TORH: 0x40c4,
  TOTL: 0x40c8,
  TOTH: 0x40cc,
  TPR: 0x40d0,
  TPT: 0x40d4,
  PTC64: 0x40d8,
  PTC127: 0x40dc,
  PTC255: 0x40e0,
  PTC511: 0x40e4,
  PTC1023: 0x40e8,
  PTC1522: 0x40ec,
  MPTC: 0x40f0,
  BPTC: 0x40f4,
  TSCTC: 0x40f8,
  TSCTFC: 0x40fc,
} as const;

/** CTRL bits. */
export const Ctrl = {
  FD: 1 << 0,
  SLU: 1 << 6,
  RST: 1 << 26,
  PHY_RST: 1 << 31,
} as const;

/** STATUS bits. */
export const Status = {
  FD: 1 << 0,
  LU: 1 << 1,
  SPEED_1000: 2 << 6,
  ASDV_1000: 2 << 8,
} as const;

/** EECD bits (the Microwire EEPROM's pins and the software grant). */
export const Eecd = {
  SK: 1 << 0,
  CS: 1 << 1,
  DI: 1 << 2,
  DO: 1 << 3,
  FWE_MASK: 3 << 4,
  REQ: 1 << 6,
  GNT: 1 << 7,
  PRES: 1 << 8,
} as const;

/** EERD bits (82540: START bit 0, DONE bit 4, address 15:8, data 31:16). */
export const Eerd = {
  START: 1 << 0,
  DONE: 1 << 4,
} as const;

/** MDIC bits. */
export const Mdic = {
  OP_WRITE: 1 << 26,
  OP_READ: 2 << 26,
  READY: 1 << 28,
  INT: 1 << 29,
  ERROR: 1 << 30,
} as const;

/** Interrupt cause bits (ICR, ICS, IMS, IMC). */
export const Icr = {
  TXDW: 1 << 0,
  TXQE: 1 << 1,
  LSC: 1 << 2,
  RXSEQ: 1 << 3,
  RXDMT0: 1 << 4,
  RXO: 1 << 6,
  RXT0: 1 << 7,
  MDAC: 1 << 9,
  RXCFG: 1 << 10,
  TXD_LOW: 1 << 15,
  SRPD: 1 << 16,
  /** Causes the 82540EM implements. */
  ALL: 0x0001f6df,
} as const;

/** RCTL bits. */
export const Rctl = {
  EN: 1 << 1,
  SBP: 1 << 2,
  UPE: 1 << 3,
  MPE: 1 << 4,
  LPE: 1 << 5,
  LBM_MASK: 3 << 6,
  RDMTS_SHIFT: 8,
  MO_SHIFT: 12,
  BAM: 1 << 15,
  BSIZE_SHIFT: 16,
  VFE: 1 << 18,
  BSEX: 1 << 25,
  SECRC: 1 << 26,
} as const;

/** TCTL bits. */
export const Tctl = {
  EN: 1 << 1,
  PSP: 1 << 3,
} as const;

/** RXCSUM bits. */
export const Rxcsum = {
  PCSS_MASK: 0xff,
  IPOFLD: 1 << 8,
  TUOFLD: 1 << 9,
} as const;

/** Transmit descriptor command bits, as they sit in bits 31:24 of the second dword. */
export const TxCmd = {
  EOP: 1 << 24,
  IFCS: 1 << 25,
  /** Legacy: insert checksum. Context: IP (IPv4). */
  IC: 1 << 26,
  RS: 1 << 27,
  RPS: 1 << 28,
  DEXT: 1 << 29,
  VLE: 1 << 30,
  IDE: 1 << 31,
  /** Context/data: TCP segmentation enable. */
  TSE: 1 << 26,
  /** Context TUCMD: IPv4 (else IPv6). */
  IP: 1 << 25,
  /** Context TUCMD: TCP (else UDP). */
  TCP: 1 << 24,
} as const;

/** Transmit descriptor type (bits 23:20 of the second dword, with DEXT). */
export const TxDtyp = {
  CONTEXT: 0,
  DATA: 1,
} as const;

/** Receive descriptor status bits. */
export const RxStatus = {
  DD: 1 << 0,
  EOP: 1 << 1,
  IXSM: 1 << 2,
  VP: 1 << 3,
  TCPCS: 1 << 5,
  IPCS: 1 << 6,
} as const;

/** Receive descriptor error bits. */
export const RxError = {
  TCPE: 1 << 5,
  IPE: 1 << 6,
} as const;

/** Longest frame without LPE (VLAN-tagged, with FCS). */
export const MAX_STANDARD_FRAME = 1522;
/** Longest frame with LPE (the 82540's 16 KiB receive limit). */
export const MAX_LONG_FRAME = 16384;
/** Timer unit of RDTR, RADV, TIDV and TADV (1.024 microseconds). */
export const DELAY_UNIT_NS = 1024;
/** Unit of ITR (256 ns). */
export const ITR_UNIT_NS = 256;
