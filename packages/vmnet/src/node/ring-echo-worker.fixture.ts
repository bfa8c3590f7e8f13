// Worker-thread side of the cross-thread test: a NIC behind a RemotePortClient
// that answers every frame addressed to it and can send bursts on request.
import { parentPort, workerData } from 'node:worker_threads';
import type { NetReceiver } from '@vm/bus';
import { parseMac } from '../mac.js';
import { RemotePortClient, type RemotePortChannel } from '../remote-port.js';

const data = workerData as { channel: RemotePortChannel; mac: string };
const port = parentPort!;
const mac = parseMac(data.mac);
const client = new RemotePortClient(data.channel);
const reply = new Uint8Array(1518);

function send(dst: Uint8Array, dstAt: number, text: string): void {
  const body = new TextEncoder().encode(text);
  reply.set(dst.subarray(dstAt, dstAt + 6), 0);
  reply.set(mac, 6);
  reply[12] = 0x88;
  reply[13] = 0xb5;
  reply.set(body, 14);
  client.sendFrame(reply.subarray(0, 14 + body.length));
}

let received = 0;
const echo: NetReceiver = {
  receiveFrame(frame: Uint8Array): boolean {
    received++;
    const text = new TextDecoder().decode(frame.subarray(14));
    send(frame, 6, `echo ${text}`);
    return true;
  },
};
client.attach(echo);
client.start();

port.on('message', (msg: { type: string; count?: number; to?: string }) => {
  if (msg.type === 'burst') {
    const to = parseMac(msg.to!);
    for (let i = 0; i < msg.count!; i++) send(to, 0, `burst ${i}`);
    port.postMessage({ type: 'burst-done', dropsFull: client.toSwitch.dropsFull });
  } else if (msg.type === 'stats') {
    port.postMessage({ type: 'stats', received, linkUp: client.linkUp });
  } else if (msg.type === 'close') {
    client.close();
    port.postMessage({ type: 'closed' });
  }
});
port.postMessage({ type: 'ready' });
