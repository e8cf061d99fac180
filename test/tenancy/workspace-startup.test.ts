import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startups, type StateChange } from '../../tenancy/workspace-startup.ts';

const at = (s: number) => new Date(Date.UTC(2026, 10, 28, 12, 0, s));

test('a fresh workspace\'s startup runs from its creation to running', () => {
  const h: StateChange[] = [
    { from: null, to: 'pending', at: at(0) },
    { from: 'pending', to: 'starting', at: at(2) },
    { from: 'starting', to: 'running', at: at(17) },
  ];
  assert.deepEqual(startups(h).map((s) => s.seconds), [17]);
});

test('a resume is timed from the resume request, not from the creation', () => {
  const h: StateChange[] = [
    { from: null, to: 'pending', at: at(0) },
    { from: 'pending', to: 'starting', at: at(1) },
    { from: 'starting', to: 'running', at: at(10) },
    { from: 'running', to: 'paused', at: at(20) },
    { from: 'paused', to: 'starting', at: at(30) },
    { from: 'starting', to: 'running', at: at(35) },
  ];
  assert.deepEqual(startups(h).map((s) => s.seconds), [10, 5]);
});

test('a start abandoned (paused or failed before running) yields no startup', () => {
  const h: StateChange[] = [
    { from: null, to: 'pending', at: at(0) },
    { from: 'pending', to: 'starting', at: at(1) },
    { from: 'starting', to: 'error', at: at(300) },
  ];
  assert.deepEqual(startups(h), []);
});
