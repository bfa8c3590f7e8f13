import { defineProject } from 'vitest/config';
import { sharedProject } from '../vitest.shared.js';

// Guest boots take minutes on the interpreter: one boot is shared by many checks.
export default defineProject(sharedProject('system', { testTimeout: 30 * 60_000 }));
