import type { Clock, Timer } from '@vm/bus';

/** Placeholder clock for a device that is not realized yet: time stands at 0. */
export const IDLE_CLOCK: Clock = { now: () => 0 };

/** Placeholder timer for a device that is not realized yet: never fires. */
export const IDLE_TIMER: Timer = { deadline: -1, arm: () => {}, disarm: () => {} };
