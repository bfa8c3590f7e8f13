/**
 * The host's named VMnets (`vmnet0`, `private1`, ...).
 *
 * @module
 */
import { Vmnet, type VmnetOptions } from './vmnet.js';

/** A set of VMnets by name, sharing one clock and timer queue. */
export class VmnetRegistry {
  private readonly nets = new Map<string, Vmnet>();

  /** @param defaults clock, timers and options every VMnet created here starts from */
  constructor(private readonly defaults: VmnetOptions) {}

  /**
   * Create a VMnet.
   * @throws Error when the name is taken; RangeError for a bad name or option
   */
  create(name: string, options: Partial<VmnetOptions> = {}): Vmnet {
    if (this.nets.has(name)) throw new Error(`VMnet ${name} already exists`);
    const net = new Vmnet(name, { ...this.defaults, ...options });
    this.nets.set(name, net);
    return net;
  }

  /** The VMnet named `name`, or undefined. */
  get(name: string): Vmnet | undefined {
    return this.nets.get(name);
  }

  /** The VMnet named `name`, created with the defaults if it does not exist. */
  getOrCreate(name: string): Vmnet {
    return this.nets.get(name) ?? this.create(name);
  }

  /** Destroy and forget a VMnet. @returns false if there was none */
  delete(name: string): boolean {
    const net = this.nets.get(name);
    if (net === undefined) return false;
    net.destroy();
    this.nets.delete(name);
    return true;
  }

  /** Names in creation order. */
  names(): string[] {
    return [...this.nets.keys()];
  }
}
