import { describe, expect, it } from 'vitest';
import { ProgressReporter } from './progress.js';

describe('ProgressReporter', () => {
  it('redraws one line on a terminal, only when the percentage changes', () => {
    const w: string[] = [];
    const p = new ProgressReporter({ write: (s: string) => w.push(s), isTTY: true }, 'copying');
    p.update(0, 200);
    p.update(1, 200);
    p.update(2, 200);
    p.update(100, 200);
    p.finish();
    expect(w).toEqual(['\rcopying: 0%', '\rcopying: 1%', '\rcopying: 50%', '\rcopying: 100%\n']);
  });
  it('writes a line per interval elsewhere, and nothing for a quick job', () => {
    let t = 0;
    const w: string[] = [];
    const p = new ProgressReporter({ write: (s: string) => w.push(s) }, 'copying', () => t, 1000);
    p.update(10, 100);
    t = 500;
    p.update(20, 100);
    t = 1000;
    p.update(30, 100);
    t = 1500;
    p.update(40, 100);
    t = 2100;
    p.update(90, 100);
    p.finish();
    expect(w).toEqual(['copying: 30%\n', 'copying: 90%\n', 'copying: 100%\n']);
    const quiet: string[] = [];
    const q = new ProgressReporter({ write: (s: string) => quiet.push(s) }, 'copying', () => 0, 1000);
    q.update(100, 100);
    q.finish();
    expect(quiet).toEqual([]);
  });
});
