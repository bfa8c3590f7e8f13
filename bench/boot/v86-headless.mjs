// Runs one v86 machine headless under Node and copies its first serial port to
// standard output. Plain JavaScript on purpose: the peer starts as a bare `node`
// process, with no TypeScript loader in its start-up time.
//
// Usage: node v86-headless.mjs '<json>' where the JSON object has
//   v86Dir   the v86 npm package's directory (holds build/libv86.mjs, build/v86.wasm)
//   bios     SeaBIOS image (bios.bin);  vgaBios  VGA BIOS image or null
//   kernel, initrd, cmdline, memoryMiB, noJit
//   endLines lines whose appearance ends the run (the guest halted)
import { readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const cfg = JSON.parse(process.argv[2] ?? '{}');

/** A file as the `{ buffer }` image object v86 takes. */
function image(path) {
  const b = readFileSync(path);
  return { buffer: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) };
}

const { V86 } = await import(pathToFileURL(join(cfg.v86Dir, 'build', 'libv86.mjs')).href);

const options = {
  // The ESM build otherwise looks for the wasm file under the current directory.
  wasm_path: join(cfg.v86Dir, 'build', 'v86.wasm'),
  bios: image(cfg.bios),
  bzimage: image(cfg.kernel),
  initrd: image(cfg.initrd),
  cmdline: cfg.cmdline,
  memory_size: cfg.memoryMiB * 1024 * 1024,
  acpi: false,
  autostart: true,
  disable_keyboard: true,
  disable_mouse: true,
  disable_speaker: true,
  disable_jit: cfg.noJit === true,
};
if (cfg.vgaBios) options.vga_bios = image(cfg.vgaBios);

const emulator = new V86(options);

let out = '';
let line = '';
let flushScheduled = false;
let ended = false;

function flush() {
  flushScheduled = false;
  if (out.length === 0) return;
  // Synchronous so that a marker line reaches the bench the moment it is complete.
  writeSync(1, Buffer.from(out, 'latin1'));
  out = '';
}

emulator.add_listener('serial0-output-byte', (byte) => {
  if (ended) return;
  const c = String.fromCharCode(byte);
  out += c;
  if (c === '\n') {
    flush();
    const done = cfg.endLines.some((e) => line.includes(e));
    line = '';
    if (done) {
      ended = true;
      process.exit(0);
    }
    return;
  }
  if (line.length < 4096) line += c;
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
});
