// vitest.config.ts runs the suite twice, once per engine, leaving out of the XState run the suites that cannot
// depend on the engine. Each name in that list must still match a test file: a renamed suite would otherwise drop
// out of the list silently (harmless) or, worse, a pattern meant for one file could grow to cover suites that do
// depend on the engine — so every pattern must match files, and none may cover the actor, model or scenario suites.
import { globSync } from 'tinyglobby';
import { expect, it } from 'vitest';
import config from '../../vitest.config.ts';

it('the XState project leaves out only existing, engine-independent suites', () => {
  const projects = (config as { test: { projects: Array<{ test: { name: string; exclude?: string[]; env?: Record<string, string> } }> } }).test.projects;
  const xstate = projects.find((p) => p.test.name === 'xstate')!.test;
  expect(xstate.env).toEqual({ NVME_ACTORS_ENGINE: 'xstate' });
  const root = new URL('../../', import.meta.url).pathname;
  for (const pattern of xstate.exclude!) expect(globSync(pattern, { cwd: root }), pattern).not.toEqual([]);
  const excluded = new Set(xstate.exclude!.flatMap((p) => globSync(p, { cwd: root })));
  for (const mustRun of ['test/actor/*.test.ts', 'test/model/**/*.model.test.ts', 'test/differential/*.test.ts', 'test/scenario/*.test.ts']) {
    for (const file of globSync(mustRun, { cwd: root })) expect(excluded.has(file), file).toBe(false);
  }
});
