/**
 * A small network lab: Linux VMs on VMnets run together in one thread, each
 * driven through its serial console's shell. Shared by the firewall and
 * multitier examples (and vm's network system tests).
 *
 * @module
 */
export { NetLab, LabVm, labMac, type LabGuest, type LabNic, type LabVmSpec, type NetLabOptions } from './net-lab.js';
export { SerialShell, ShellCommand, GUEST_PROMPT } from './serial-shell.js';
export { guestDir, loadLabGuest } from './guest-files.js';
