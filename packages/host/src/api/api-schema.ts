/**
 * The management API's description (OpenAPI 3.0), served at `GET /api/schema`.
 *
 * @module
 */

const vmInfo = {
  type: 'object',
  required: ['name', 'vmx', 'state', 'memsizeMB', 'cpu', 'mem', 'resets', 'lastEvent'],
  properties: {
    name: { type: 'string' },
    vmx: { type: ['string', 'null'] },
    state: { type: 'string', enum: ['off', 'starting', 'on', 'paused', 'suspending', 'suspended', 'stopping', 'crashed'] },
    memsizeMB: { type: 'integer' },
    cpu: {
      type: 'object',
      properties: { shares: { type: 'number' }, minPct: { type: 'number' }, maxPct: { type: ['number', 'null'] } },
    },
    mem: { type: 'object', properties: { shares: { type: 'number' }, minMB: { type: 'number' } } },
    resets: { type: 'integer' },
    lastEvent: { type: ['string', 'null'] },
  },
};

const vmSample = {
  type: 'object',
  description: 'One sample; CPU percentages are of one physical CPU over the sample period.',
  properties: {
    t: { type: 'number', description: 'host time, ms since the host started' },
    cpuUsedPct: { type: 'number' },
    cpuReadyPct: { type: 'number' },
    cpuUsedMs: { type: 'number' },
    cpuReadyMs: { type: 'number' },
    entitlementPct: { type: 'number' },
    retired: { type: 'number', description: 'guest instructions retired since power-on' },
    guestNs: { type: 'number' },
    mem: {
      type: 'object',
      properties: Object.fromEntries(
        ['grantedMB', 'residentMB', 'sharedMB', 'balloonedMB', 'balloonTargetMB', 'swappedMB', 'activeMB', 'zeroPages'].map((k) => [k, { type: 'number' }]),
      ),
    },
  },
};

const hostSample = {
  type: 'object',
  properties: Object.fromEntries(
    ['t', 'poolMB', 'usedMB', 'freeMB', 'sharedGuestMB', 'sharedMachineMB', 'guestMB', 'cpuUsedPct', 'vmsOn'].map((k) => [k, { type: 'number' }]),
  ),
};

const error = { type: 'object', required: ['error'], properties: { error: { type: 'string' } } };

const json = (schema: object): object => ({ content: { 'application/json': { schema } } });
const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const sinceParam = { name: 'since', in: 'query', required: false, schema: { type: 'number' }, description: 'only samples after this host time (ms)' };
const action = (summary: string, extra: object = {}): object => ({
  post: {
    summary,
    parameters: [nameParam],
    ...extra,
    responses: { '200': { description: 'done', ...json(vmInfo) }, '404': { description: 'no such VM', ...json(error) }, '409': { description: 'not possible in this state', ...json(error) } },
  },
});

/** The OpenAPI document of the host's HTTP+JSON management API. */
export const API_SCHEMA = {
  openapi: '3.0.3',
  info: {
    title: 'vm host management API',
    version: '1',
    description: 'Power operations, consoles and statistics of the VMs on one vm host (`vm host`). Every `vm` command talks to the host through this API.',
  },
  paths: {
    '/api/schema': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI document' } } } },
    '/api/host': {
      get: {
        summary: 'Host facts and its latest sample',
        responses: { '200': { description: 'host', ...json({ type: 'object', properties: { pcpus: { type: 'integer' }, poolMB: { type: 'integer' }, vms: { type: 'integer' }, latest: hostSample } }) } },
      },
    },
    '/api/vms': { get: { summary: 'The inventory', responses: { '200': { description: 'VMs', ...json({ type: 'array', items: vmInfo }) } } } },
    '/api/vms/{name}': { get: { summary: 'One VM', parameters: [nameParam], responses: { '200': { description: 'VM', ...json(vmInfo) }, '404': { description: 'no such VM', ...json(error) } } } },
    '/api/vms/{name}/start': action('Power on (after admission control)'),
    '/api/vms/{name}/stop': action('Power off: hard, or with {"soft": true} the ACPI power button (the guest shuts down)', {
      requestBody: { required: false, ...json({ type: 'object', properties: { soft: { type: 'boolean' }, timeoutMs: { type: 'number' } } }) },
    }),
    '/api/vms/{name}/reset': action('Press the reset button'),
    '/api/vms/{name}/suspend': action('Suspend to disk: save the whole machine to its checkpoint file (<swap-dir>/<name>.vmss) and free its memory; start or resume continues it'),
    '/api/vms/{name}/resume': action('Power a suspended VM on from its checkpoint, or let a paused VM run again'),
    '/api/vms/{name}/pause': action('Stop giving the VM CPU (its memory stays; its clock stands still)'),
    '/api/vms/{name}/stats': {
      get: { summary: 'Samples of one VM', parameters: [nameParam, sinceParam], responses: { '200': { description: 'samples', ...json({ type: 'array', items: vmSample }) } } },
    },
    '/api/vms/{name}/console': {
      get: {
        summary:
          'The recent console output (text/plain). With "Connection: Upgrade" and "Upgrade: vm-console" the connection switches (101) to a raw two-way byte stream: the backlog and all further output of serial port 0, and what the client sends is typed in.',
        parameters: [nameParam],
        responses: { '200': { description: 'backlog', content: { 'text/plain': {} } }, '101': { description: 'raw console stream' } },
      },
      post: { summary: 'Type the request body (bytes) at the console', parameters: [nameParam], responses: { '204': { description: 'sent' } } },
    },
    '/api/stats': {
      get: {
        summary: 'Samples of the host and every VM',
        parameters: [sinceParam],
        responses: { '200': { description: 'samples', ...json({ type: 'object', properties: { host: { type: 'array', items: hostSample }, vms: { type: 'object', additionalProperties: { type: 'array', items: vmSample } } } }) } },
      },
    },
  },
  components: { schemas: { VmInfo: vmInfo, VmSample: vmSample, HostSample: hostSample, Error: error } },
} as const;
