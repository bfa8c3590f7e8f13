/*
 * Native side of the @vm/cpu-x86 differential suite: runs each case's code on
 * the host CPU in a 32-bit process and records the resulting registers,
 * EFLAGS and data area. Built with `gcc -m32 -O1 -fno-pie -no-pie`.
 *
 * Usage: harness <cases.bin> <results.bin>
 * Record layouts (little-endian) are described in vectors.ts.
 *
 * The code runs at a fixed linear address (CODE_ADDR) with the data area at
 * DATA_ADDR, both mapped MAP_FIXED, so absolute and base-relative addresses
 * are the same as in the emulator. A RET is appended after the code. An
 * exception (SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGTRAP) is caught in a signal
 * handler that records the vector (the context's trap number), the registers
 * and EIP, and siglongjmps back.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define CODE_ADDR 0x00100000u
#define DATA_ADDR 0x00101f80u /* straddles the page boundary at 0x00102000 */
#define DATA_SIZE 256
#define CODE_MAX 240
#define IN_SIZE 536
#define OUT_SIZE 300

struct state {
  uint32_t regs[8]; /* eax ecx edx ebx esp ebp esi edi */
  uint32_t eflags;
};

struct state g_in, g_out;
uint32_t g_saved_esp;
uint32_t g_code_ptr = CODE_ADDR;

void run_code(void);
__asm__(
    ".text\n"
    ".globl run_code\n"
    "run_code:\n"
    "  pushl %ebp\n"
    "  pushl %ebx\n"
    "  pushl %esi\n"
    "  pushl %edi\n"
    "  movl %esp, g_saved_esp\n"
    "  fninit\n"
    "  pushl g_in+32\n"
    "  popfl\n"
    "  movl g_in+0, %eax\n"
    "  movl g_in+4, %ecx\n"
    "  movl g_in+8, %edx\n"
    "  movl g_in+12, %ebx\n"
    "  movl g_in+20, %ebp\n"
    "  movl g_in+24, %esi\n"
    "  movl g_in+28, %edi\n"
    "  call *g_code_ptr\n"
    "  pushfl\n"
    "  movl %eax, g_out+0\n"
    "  movl %ecx, g_out+4\n"
    "  movl %edx, g_out+8\n"
    "  movl %ebx, g_out+12\n"
    "  movl %ebp, g_out+20\n"
    "  movl %esi, g_out+24\n"
    "  movl %edi, g_out+28\n"
    "  popl g_out+32\n"
    "  cld\n"
    "  movl g_saved_esp, %esp\n"
    "  popl %edi\n"
    "  popl %esi\n"
    "  popl %ebx\n"
    "  popl %ebp\n"
    "  ret\n");

static sigjmp_buf g_jmp;
static volatile uint32_t g_exc, g_fault_eip;

static void on_fault(int sig, siginfo_t *info, void *ctx) {
  (void)info;
  ucontext_t *uc = (ucontext_t *)ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  g_out.regs[0] = (uint32_t)g[REG_EAX];
  g_out.regs[1] = (uint32_t)g[REG_ECX];
  g_out.regs[2] = (uint32_t)g[REG_EDX];
  g_out.regs[3] = (uint32_t)g[REG_EBX];
  g_out.regs[4] = 0;
  g_out.regs[5] = (uint32_t)g[REG_EBP];
  g_out.regs[6] = (uint32_t)g[REG_ESI];
  g_out.regs[7] = (uint32_t)g[REG_EDI];
  g_out.eflags = (uint32_t)g[REG_EFL];
  g_fault_eip = (uint32_t)g[REG_EIP];
  /* The vector the CPU raised, as the kernel saw it (#DE, #OF, #BR, #UD, #GP...). */
  g_exc = (uint32_t)g[REG_TRAPNO];
  (void)sig;
  siglongjmp(g_jmp, 1);
}

static uint32_t rd32(const uint8_t *p) { return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24); }
static void wr32(uint8_t *p, uint32_t v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: %s cases.bin results.bin\n", argv[0]); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 2; }
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  if (len < 0 || len % IN_SIZE != 0) { fprintf(stderr, "bad input size %ld\n", len); return 2; }
  uint8_t *in = malloc(len ? len : 1);
  if (fread(in, 1, len, f) != (size_t)len) { perror("read"); return 2; }
  fclose(f);
  long n = len / IN_SIZE;
  uint8_t *out = calloc(n ? n : 1, OUT_SIZE);

  void *area = mmap((void *)CODE_ADDR, 0x3000, PROT_READ | PROT_WRITE | PROT_EXEC,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (area != (void *)CODE_ADDR) { perror("mmap fixed"); return 3; }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGFPE, &sa, NULL);
  sigaction(SIGILL, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
  sigaction(SIGTRAP, &sa, NULL);

  for (long i = 0; i < n; i++) {
    const uint8_t *rec = in + i * IN_SIZE;
    uint8_t *res = out + i * OUT_SIZE;
    uint32_t code_len = rd32(rec);
    if (code_len > CODE_MAX) { fprintf(stderr, "case %ld: code too long\n", i); return 2; }
    for (int r = 0; r < 8; r++) g_in.regs[r] = rd32(rec + 4 + 4 * r);
    g_in.eflags = rd32(rec + 36);
    memset((void *)CODE_ADDR, 0xcc, 0x1000);
    memcpy((void *)CODE_ADDR, rec + 40, code_len);
    ((uint8_t *)CODE_ADDR)[code_len] = 0xc3; /* ret */
    memcpy((void *)DATA_ADDR, rec + 280, DATA_SIZE);
    memset(&g_out, 0, sizeof g_out);
    g_exc = 0xffffffffu;
    g_fault_eip = CODE_ADDR + code_len;
    if (sigsetjmp(g_jmp, 1) == 0) {
      run_code();
    }
    __asm__ volatile("fninit\n\temms" ::: "memory");
    {
      uint32_t mx = 0x1f80;
      __asm__ volatile("ldmxcsr %0" ::"m"(mx));
    }
    wr32(res, g_exc);
    for (int r = 0; r < 8; r++) wr32(res + 4 + 4 * r, r == 4 ? 0 : g_out.regs[r]);
    wr32(res + 36, g_out.eflags);
    wr32(res + 40, g_fault_eip);
    memcpy(res + 44, (void *)DATA_ADDR, DATA_SIZE);
  }

  FILE *o = fopen(argv[2], "wb");
  if (!o || fwrite(out, 1, n * OUT_SIZE, o) != (size_t)(n * OUT_SIZE)) { perror(argv[2]); return 2; }
  fclose(o);
  return 0;
}
